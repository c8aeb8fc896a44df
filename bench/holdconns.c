/* SPDX-License-Identifier: ISC */
/* holdconns.c: N keep-alive connections to 127.0.0.1:PORT, HTTP or HTTPS, held idle after one request each.
 */

/*
 * bench/memory.sh compiles and runs it:  holdconns [-t] PORT N HOLD_SECONDS
 *
 * Each connection sends "GET /hello" and reads the whole answer, so the server holds it as an idle keep-alive
 * connection that has served a request (the state a browser leaves behind); with -t it speaks TLS, a full
 * handshake each. When all N are there it prints "ready", sleeps HOLD_SECONDS and exits, which closes them.
 * Connections are opened in batches so the server's listen queue never overflows, and the whole run is
 * bounded: it gives up after TIMEOUT_S seconds.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "tlsclient.h"

enum { BATCH = 200, TIMEOUT_S = 60, ANSWER_MAX = 4096 };

static const char request[] = "GET /hello HTTP/1.1\r\nHost: " TLS_SERVER_NAME "\r\n\r\n";

/* With -t: what every connection's TLS is made from. */
static SSL_CTX *ctx;

struct pending {
	int fd;
	SSL *ssl;     /* with -t; kept until exit, which closes the connection */
	bool shaken;  /* its handshake is done */
	short events; /* what poll waits for */
	size_t sent;
	size_t got;
	char buf[ANSWER_MAX];
};

static int
open_one(struct pending *p, const struct sockaddr_in *sa)
{
	p->sent = p->got = 0;
	p->ssl = NULL;
	p->shaken = false;
	p->events = POLLOUT;
	if ((p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1) {
		perror("holdconns: socket");
		return -1;
	}
	if (connect(p->fd, (const struct sockaddr *)sa, sizeof(*sa)) == -1 && errno != EINPROGRESS) {
		perror("holdconns: connect");
		return -1;
	}
	if (ctx != NULL && (p->ssl = tls_client_new(ctx, p->fd, NULL)) == NULL)
		return -1;
	return 0;
}

/* Writes through TLS or not: the bytes written, 0 when the socket must be ready first (p->events), -1. */
static ssize_t
conn_write(struct pending *p, const char *buf, size_t len)
{
	ssize_t n;

	if (p->ssl != NULL) {
		n = SSL_write(p->ssl, buf, len);
		return n > 0 ? n : tls_result(p->ssl, n, &p->events);
	}
	if ((n = send(p->fd, buf, len, MSG_NOSIGNAL)) == -1 && errno == EAGAIN) {
		p->events = POLLOUT;
		return 0;
	}
	return n;
}

/* Reads through TLS or not: the bytes read, 0 when the socket must be ready first (p->events), -1 (or EOF).
 */
static ssize_t
conn_read(struct pending *p, char *buf, size_t len)
{
	ssize_t n;

	if (p->ssl != NULL) {
		n = SSL_read(p->ssl, buf, len);
		return n > 0 ? n : tls_result(p->ssl, n, &p->events);
	}
	if ((n = recv(p->fd, buf, len, 0)) == -1 && errno == EAGAIN) {
		p->events = POLLIN;
		return 0;
	}
	return n > 0 ? n : -1;
}

/* Advances one connection as far as it goes: 1 when its answer is complete, 0 if not yet, -1 on error. */
static int
step(struct pending *p, short revents)
{
	ssize_t n;

	if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		fprintf(stderr, "holdconns: connection refused or reset after %zu answer bytes\n", p->got);
		return -1;
	}
	if (p->ssl != NULL && !p->shaken) {
		switch (tls_result(p->ssl, SSL_connect(p->ssl), &p->events)) {
		case -1: fprintf(stderr, "holdconns: a TLS handshake failed\n"); return -1;
		case 0: return 0;
		}
		p->shaken = true;
	}
	while (p->sent < sizeof(request) - 1) {
		if ((n = conn_write(p, request + p->sent, sizeof(request) - 1 - p->sent)) <= 0) {
			if (n == -1)
				fprintf(stderr, "holdconns: cannot send a request: %s\n", strerror(errno));
			return n;
		}
		p->sent += n;
	}
	for (;;) {
		if ((n = conn_read(p, p->buf + p->got, sizeof(p->buf) - p->got)) <= 0) {
			if (n == -1)
				fprintf(stderr,
				        "holdconns: the server closed a connection before answering\n");
			return n;
		}
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
}

/* Opens count connections and has each serve one request; 0 when all did. */
static int
open_batch(const struct sockaddr_in *sa, int *fds, int count, double deadline)
{
	static struct pending pend[BATCH];
	struct pollfd pfd[BATCH];
	int i, left = count;

	for (i = 0; i < count; i++) {
		if (open_one(&pend[i], sa) == -1)
			return -1;
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
			pfd[i].events = pend[i].events;
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
	int port, n, hold, done, *fds, arg = 1;

	if (argc > 1 && strcmp(argv[1], "-t") == 0) {
		if ((ctx = tls_client_ctx()) == NULL)
			return 1;
		/* OpenSSL writes without MSG_NOSIGNAL: a reset connection must fail a write, not end the
		 * process. */
		signal(SIGPIPE, SIG_IGN);
		arg++;
	}
	if (argc - arg != 3 || (port = atoi(argv[arg])) <= 0 || port > 65535 ||
	    (n = atoi(argv[arg + 1])) <= 0 || (hold = atoi(argv[arg + 2])) < 0) {
		fprintf(stderr, "usage: holdconns [-t] PORT CONNECTIONS HOLD_SECONDS\n");
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
