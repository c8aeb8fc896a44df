/* SPDX-License-Identifier: ISC */
/* holdconns.c: opens N keep-alive connections to 127.0.0.1:PORT, has each serve one request, holds them idle.
 */

/*
 * bench/memory.sh compiles and runs it:  holdconns PORT N HOLD_SECONDS
 *
 * Each connection sends "GET /hello" and reads the whole answer, so the server holds it as an idle keep-alive
 * connection that has served a request (the state a browser leaves behind). When all N are there it prints
 * "ready", sleeps HOLD_SECONDS and exits, which closes them. Connections are opened in batches so the
 * server's listen queue never overflows, and the whole run is bounded: it gives up after TIMEOUT_S seconds.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"

enum { BATCH = 200, TIMEOUT_S = 60, ANSWER_MAX = 4096 };

static const char request[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

struct pending {
	int fd;
	size_t sent;
	size_t got;
	char buf[ANSWER_MAX];
};

static int
open_one(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd == -1) {
		perror("holdconns: socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == -1 && errno != EINPROGRESS) {
		perror("holdconns: connect");
		close(fd);
		return -1;
	}
	return fd;
}

/* Advances one connection on the events poll saw: 1 when its answer is complete, 0 if not yet, -1 on error.
 */
static int
step(struct pending *p, short revents)
{
	ssize_t n;

	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		fprintf(stderr, "holdconns: connection refused or reset after %zu answer bytes\n", p->got);
		return -1;
	}
	if (p->sent < sizeof(request) - 1 && (revents & POLLOUT)) {
		n = send(p->fd, request + p->sent, sizeof(request) - 1 - p->sent, MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			perror("holdconns: send");
			return -1;
		}
		if (n > 0)
			p->sent += n;
	}
	if (revents & POLLIN) {
		n = recv(p->fd, p->buf + p->got, sizeof(p->buf) - p->got, 0);
		if (n == 0 || (n == -1 && errno != EAGAIN)) {
			fprintf(stderr, "holdconns: the server closed a connection before answering\n");
			return -1;
		}
		if (n > 0)
			p->got += n;
		switch (answer_length(p->buf, p->got, ANSWER_MAX)) {
		case 0: break;
		case -1:
			fprintf(stderr, "holdconns: unexpected answer: %.*s\n",
			        (int)(p->got < 200 ? p->got : 200), p->buf);
			return -1;
		default: return 1;
		}
	}
	return 0;
}

/* Opens count connections and has each serve one request; 0 when all did. */
static int
open_batch(const struct sockaddr_in *sa, int *fds, int count, double deadline)
{
	static struct pending pend[BATCH];
	struct pollfd pfd[BATCH];
	int i, left = count;

	for (i = 0; i < count; i++) {
		if ((pend[i].fd = open_one(sa)) == -1)
			return -1;
		pend[i].sent = pend[i].got = 0;
		fds[i] = pend[i].fd;
	}
	while (left > 0) {
		int timeout = (int)((deadline - now()) * 1000);

		if (timeout <= 0) {
			fprintf(stderr, "holdconns: timed out with %d connections of a batch unanswered\n",
			        left);
			return -1;
		}
		for (i = 0; i < count; i++) {
			pfd[i].fd = pend[i].fd;
			pfd[i].events = pend[i].sent < sizeof(request) - 1 ? POLLOUT : POLLIN;
		}
		if (poll(pfd, count, timeout) == -1) {
			perror("holdconns: poll");
			return -1;
		}
		for (i = 0; i < count; i++) {
			int r;

			if (pend[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((r = step(&pend[i], pfd[i].revents)) == -1)
				return -1;
			if (r == 1) {
				pend[i].fd = -1; /* poll ignores negative fds */
				left--;
			}
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	double deadline = now() + TIMEOUT_S;
	int port, n, hold, done, *fds;

	if (argc != 4 || (port = atoi(argv[1])) <= 0 || port > 65535 || (n = atoi(argv[2])) <= 0 ||
	    (hold = atoi(argv[3])) < 0) {
		fprintf(stderr, "usage: holdconns PORT CONNECTIONS HOLD_SECONDS\n");
		return 2;
	}
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fds = calloc(n, sizeof(*fds))) == NULL) {
		perror("holdconns: calloc");
		return 1;
	}
	for (done = 0; done < n; done += BATCH)
		if (open_batch(&sa, fds + done, n - done < BATCH ? n - done : BATCH, deadline) == -1) {
			fprintf(stderr, "holdconns: %d of %d connections were open\n", done, n);
			return 1;
		}
	printf("ready\n");
	fflush(stdout);
	sleep(hold);
	return 0; /* exit closes every connection */
}
