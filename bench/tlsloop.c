/* SPDX-License-Identifier: ISC */
/* tlsloop.c: a new TLS connection per request to 127.0.0.1:PORT, C connections at a time, for SECONDS. */

/*
 * bench/compare.sh compiles and runs it:  tlsloop [-r] PORT /PATH CONNECTIONS SECONDS
 *
 * Each of the C slots connects, does a TLS handshake, sends one GET with Connection: close, reads the answer
 * and starts over with a new connection, all non-blocking under one poll. Without -r every handshake is a
 * full one; with -r a slot offers the session its last connection ended with, so the server resumes it from
 * its ticket. wrk cannot do the first: it keeps each connection's session across reconnects.
 *
 * In TLS 1.3 OpenSSL's client uses a session once, and the server's NewSessionTicket after each handshake
 * makes a new one: the slot takes that one (SSL_get1_session once the answer is read, which is after the
 * ticket). SSL_free drops a session that was not shut down as resumable, so the connection is marked shut
 * down first; no close_notify is sent, since the server closes after its answer anyway.
 *
 * Like wrk it counts what went wrong and goes on: a failed connect, a failed handshake or read (the server
 * closed before a whole answer), a failed write, an answer not done within TIMEOUT_S, and answers that are
 * not 200; a failed slot starts over with a full handshake. Answers still due at the end are not counted.
 * Prints the requests answered with 200 and their rate, latency percentiles (connect to the last byte of
 * the answer), the errors, and the handshakes with how many were resumed, the protocol, suite and group.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "answer.h"
#include "tlsclient.h"

enum { TIMEOUT_S = 5, ANSWER_MAX = 4096, MAX_CONNS = 1000 };

/* Where a slot's connection is; each phase ends in the next one, READING in a new connection. */
enum phase { CONNECTING, HANDSHAKE, SENDING, READING };

struct slot {
	int fd;
	SSL *ssl;
	SSL_SESSION *session; /* what the last connection ended with, for the next one's handshake (-r) */
	enum phase phase;
	short events; /* what poll waits for */
	double start;
	size_t got;
	char buf[ANSWER_MAX];
};

struct stats {
	long requests, handshakes, resumed;
	long connect_errors, read_errors, write_errors, timeouts, non200;
	double *latency; /* ms, one per request */
	size_t latency_cap;
	char tls[128]; /* the first handshake's protocol, suite and group */
};

static SSL_CTX *ctx;
static struct sockaddr_in server;
static char request[1024];
static int request_len;
static bool resume;
static struct stats st;

/* Ends the slot's connection; its session stays for the next one when it served a request (kept). */
static void
slot_close(struct slot *s, bool kept)
{
	if (s->ssl != NULL) {
		if (kept && resume) {
			SSL_SESSION_free(s->session);
			s->session = SSL_get1_session(s->ssl);
		}
		SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (!kept) {
		SSL_SESSION_free(s->session);
		s->session = NULL;
	}
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}

/* Starts the slot's next connection; -1 when this process cannot go on. */
static int
slot_open(struct slot *s)
{
	int one = 1;

	s->start = now();
	s->got = 0;
	s->phase = CONNECTING;
	s->events = POLLOUT;
	if ((s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1) {
		perror("tlsloop: socket");
		return -1;
	}
	if (setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1) {
		perror("tlsloop: TCP_NODELAY");
		return -1;
	}
	if ((s->ssl = tls_client_new(ctx, s->fd, s->session)) == NULL)
		return -1;
	/* A refusal comes later, through SO_ERROR; failing here is this process's trouble (ports, memory). */
	if (connect(s->fd, (struct sockaddr *)&server, sizeof(server)) == -1 && errno != EINPROGRESS) {
		perror("tlsloop: connect");
		return -1;
	}
	return 0;
}

/* Counts a request answered with 200 and when. */
static int
record(struct slot *s)
{
	if ((size_t)st.requests == st.latency_cap) {
		size_t cap = st.latency_cap ? st.latency_cap * 2 : 65536;
		double *l = realloc(st.latency, cap * sizeof(*l));

		if (l == NULL) {
			perror("tlsloop: realloc");
			return -1;
		}
		st.latency = l;
		st.latency_cap = cap;
	}
	st.latency[st.requests++] = (now() - s->start) * 1000;
	return 0;
}

/* Counts a finished handshake; the first one's protocol, suite and group go in the report. */
static void
note_handshake(SSL *ssl)
{
	st.handshakes++;
	if (SSL_session_reused(ssl))
		st.resumed++;
	if (st.tls[0] == '\0') {
		const char *group = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl));

		snprintf(st.tls, sizeof(st.tls), "%s, %s, %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
		         group != NULL ? group : "no group");
	}
}

/* The slot's answer so far is complete (1), due (0), or wrong (-1, counted). */
static int
answer_done(struct slot *s)
{
	long len = answer_length(s->buf, s->got, sizeof(s->buf));

	if (len > 0)
		return 1;
	if (len == 0)
		return 0;
	if (memmem(s->buf, s->got, "\r\n\r\n", 4) != NULL && strncmp(s->buf, "HTTP/1.1 200 ", 13) != 0)
		st.non200++;
	else
		st.read_errors++;
	return -1;
}

/*
 * Moves the slot's connection as far as it goes without waiting for the socket (s->events says for what);
 * a connection that has its answer, or failed, is closed and the slot's next one started. -1 when this
 * process cannot go on.
 */
static int
slot_step(struct slot *s)
{
	int err, r = -1;
	socklen_t errlen = sizeof(err);
	long *failed = NULL;

	switch (s->phase) {
	case CONNECTING:
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1 || err != 0) {
			failed = &st.connect_errors;
			break;
		}
		s->phase = HANDSHAKE;
		/* FALLTHROUGH */
	case HANDSHAKE:
		if ((r = tls_result(s->ssl, SSL_connect(s->ssl), &s->events)) != 1) {
			failed = &st.read_errors;
			break;
		}
		note_handshake(s->ssl);
		s->phase = SENDING;
		/* FALLTHROUGH */
	case SENDING:
		/* A request this small is one record: a write that has to wait is retried whole. */
		if ((r = tls_result(s->ssl, SSL_write(s->ssl, request, request_len), &s->events)) != 1) {
			failed = &st.write_errors;
			break;
		}
		s->phase = READING;
		/* FALLTHROUGH */
	case READING:
		while ((r = SSL_read(s->ssl, s->buf + s->got, sizeof(s->buf) - s->got)) > 0) {
			s->got += r;
			switch (answer_done(s)) {
			case 1:
				if (record(s) == -1)
					return -1;
				slot_close(s, true);
				return slot_open(s);
			case -1: slot_close(s, false); return slot_open(s);
			}
		}
		r = tls_result(s->ssl, r, &s->events);
		failed = &st.read_errors;
		break;
	}
	if (r == 0) /* waits for the socket */
		return 0;
	(*failed)++;
	slot_close(s, false);
	return slot_open(s);
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile of the sorted latencies. */
static double
percentile(double p)
{
	size_t i = (size_t)(p / 100 * st.requests);

	return st.latency[i < (size_t)st.requests ? i : (size_t)st.requests - 1];
}

int
main(int argc, char **argv)
{
	static struct slot slots[MAX_CONNS];
	struct pollfd pfd[MAX_CONNS];
	double start, end, elapsed, seconds;
	int port, conns, i, arg = 1;

	if (argc > 1 && strcmp(argv[1], "-r") == 0) {
		resume = true;
		arg++;
	}
	if (argc - arg != 4 || (port = atoi(argv[arg])) <= 0 || port > 65535 || argv[arg + 1][0] != '/' ||
	    (conns = atoi(argv[arg + 2])) <= 0 || conns > MAX_CONNS || (seconds = atof(argv[arg + 3])) <= 0) {
		fprintf(stderr, "usage: tlsloop [-r] PORT /PATH CONNECTIONS(1-%d) SECONDS\n", MAX_CONNS);
		return 2;
	}
	request_len = snprintf(request, sizeof(request),
	                       "GET %s HTTP/1.1\r\nHost: " TLS_SERVER_NAME "\r\nConnection: close\r\n\r\n",
	                       argv[arg + 1]);
	if (request_len >= (int)sizeof(request)) {
		fprintf(stderr, "tlsloop: the path is too long\n");
		return 2;
	}
	server.sin_family = AF_INET;
	server.sin_port = htons(port);
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A write to a connection the server has reset must fail, not end the process. */
	signal(SIGPIPE, SIG_IGN);
	if ((ctx = tls_client_ctx()) == NULL)
		return 1;
	start = now();
	end = start + seconds;
	for (i = 0; i < conns; i++)
		if (slot_open(&slots[i]) == -1)
			return 1;
	for (double t = start; t < end; t = now()) {
		int timeout = (int)((end - t) * 1000) + 1;

		for (i = 0; i < conns; i++) {
			pfd[i].fd = slots[i].fd;
			pfd[i].events = slots[i].events;
		}
		/* Wake at least once a second to look for answers overdue. */
		if (poll(pfd, conns, timeout < 1000 ? timeout : 1000) == -1) {
			perror("tlsloop: poll");
			return 1;
		}
		t = now();
		for (i = 0; i < conns; i++) {
			struct slot *s = &slots[i];

			if (pfd[i].revents != 0 && slot_step(s) == -1)
				return 1;
			if (t - s->start > TIMEOUT_S) {
				st.timeouts++;
				slot_close(s, false);
				if (slot_open(s) == -1)
					return 1;
			}
		}
	}
	elapsed = now() - start;
	printf("tlsloop: %ld requests in %.2f s: %.1f req/s\n", st.requests, elapsed, st.requests / elapsed);
	if (st.requests > 0) {
		qsort(st.latency, st.requests, sizeof(*st.latency), by_value);
		printf("latency: p50 %.3f ms, p99 %.3f ms\n", percentile(50), percentile(99));
	}
	printf("errors: connect %ld, read %ld, write %ld, timeout %ld; non-200 answers %ld\n",
	       st.connect_errors, st.read_errors, st.write_errors, st.timeouts, st.non200);
	printf("handshakes: %ld, %ld resumed (%s)\n", st.handshakes, st.resumed, st.tls);
	return st.requests > 0 ? 0 : 1; /* exit closes the connections */
}
