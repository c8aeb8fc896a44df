/* SPDX-License-Identifier: ISC */
/* reqloop.c: sends exactly N keep-alive requests over C connections to 127.0.0.1:PORT and checks every answer. */

/*
 * bench/syscalls.sh compiles and runs it:  reqloop PORT PATH REQUESTS CONNECTIONS DEPTH
 *
 * A fixed number of requests, unlike wrk's fixed duration, so system calls per request come out exact. Each
 * connection keeps DEPTH requests in flight: 1 is plain keep-alive (send one, read its answer, send the
 * next); more pipelines them, DEPTH requests in one send. Every answer must be 200 with a Content-Length
 * body. Bounded: it gives up after TIMEOUT_S seconds. Prints the answers it read.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"

enum { TIMEOUT_S = 120, BUF_SIZE = 65536, MAX_CONNS = 1000, MAX_DEPTH = 64 };

struct client {
	int fd;
	long left;        /* requests this connection still has to send */
	int in_flight;    /* sent, not yet answered */
	size_t got;       /* bytes in buf */
	char buf[BUF_SIZE];
};

static char request[1024];
static size_t request_len;

/* Sends the next batch of up to depth requests in one send. */
static int send_batch(struct client *c, int depth)
{
	static char batch[sizeof(request) * MAX_DEPTH];
	int k = c->left < depth ? (int)c->left : depth, i;
	size_t off = 0, len = request_len * k;

	for (i = 0; i < k; i++)
		memcpy(batch + request_len * i, request, request_len);
	while (off < len) {
		/* Loopback buffers take a few KiB at once; blocking here never lasts. */
		ssize_t n = send(c->fd, batch + off, len - off, MSG_NOSIGNAL);

		if (n == -1) {
			perror("reqloop: send");
			return -1;
		}
		off += n;
	}
	c->left -= k;
	c->in_flight = k;
	return 0;
}

/* Reads what the server sent and takes the complete answers off the front; the count, or -1. */
static int read_answers(struct client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->got, sizeof(c->buf) - c->got, 0);
	long len;
	int answers = 0;

	if (n <= 0) {
		fprintf(stderr, "reqloop: %s\n", n == 0 ? "the server closed a connection" : strerror(errno));
		return -1;
	}
	c->got += n;
	while ((len = answer_length(c->buf, c->got, BUF_SIZE)) > 0) {
		memmove(c->buf, c->buf + len, c->got - len);
		c->got -= len;
		answers++;
	}
	if (len == -1) {
		fprintf(stderr, "reqloop: unexpected answer: %.*s\n", (int)(c->got < 200 ? c->got : 200), c->buf);
		return -1;
	}
	if (answers > c->in_flight) {
		fprintf(stderr, "reqloop: more answers than requests\n");
		return -1;
	}
	c->in_flight -= answers;
	return answers;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static struct client clients[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS];
	double deadline = now() + TIMEOUT_S;
	long requests, answered = 0;
	int port, conns, depth, i, one = 1;

	if (argc != 6 || (port = atoi(argv[1])) <= 0 || port > 65535 || argv[2][0] != '/' ||
	    (requests = atol(argv[3])) <= 0 || (conns = atoi(argv[4])) <= 0 || conns > MAX_CONNS ||
	    (depth = atoi(argv[5])) <= 0 || depth > MAX_DEPTH) {
		fprintf(stderr, "usage: reqloop PORT /PATH REQUESTS CONNECTIONS(1-%d) DEPTH(1-%d)\n", MAX_CONNS,
		        MAX_DEPTH);
		return 2;
	}
	request_len = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", argv[2]);
	if (request_len >= sizeof(request)) {
		fprintf(stderr, "reqloop: the path is too long\n");
		return 2;
	}
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < conns; i++) {
		struct client *c = &clients[i];

		c->left = requests / conns + (i < requests % conns);
		if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			perror("reqloop: connect");
			return 1;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (c->left > 0 && send_batch(c, depth) == -1)
			return 1;
	}
	while (answered < requests) {
		int timeout = (int)((deadline - now()) * 1000), n;

		if (timeout <= 0) {
			fprintf(stderr, "reqloop: timed out after %ld of %ld answers\n", answered, requests);
			return 1;
		}
		for (i = 0; i < conns; i++) {
			pfd[i].fd = clients[i].in_flight > 0 ? clients[i].fd : -1;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, conns, timeout) == -1) {
			perror("reqloop: poll");
			return 1;
		}
		for (i = 0; i < conns; i++) {
			struct client *c = &clients[i];

			if (pfd[i].revents == 0)
				continue;
			if ((n = read_answers(c)) == -1)
				return 1;
			answered += n;
			if (c->in_flight == 0 && c->left > 0 && send_batch(c, depth) == -1)
				return 1;
		}
	}
	printf("%ld\n", answered);
	return 0; /* exit closes the connections */
}
