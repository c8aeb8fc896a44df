/* SPDX-License-Identifier: ISC */
/* floor.c: the least an HTTP server can do, a fixed answer to every request head: the kernel's share. */

/*
 * bench/compare.sh compiles and runs it:  floor [-c] PORT ANSWER_FILE
 *
 * It listens on 127.0.0.1:PORT and answers every request head (the bytes up to "\r\n\r\n") with the bytes
 * of ANSWER_FILE, which compare.sh takes from tinyhttpd's answer to the same request, so the same bytes
 * cross the loopback. Finding a head's end is all it looks at: no parsing, no timers, no logging. One
 * process, one thread, level-triggered epoll; one recv per read event and one send (a sendmsg with an iovec
 * per answer) for all the heads that recv brought, so pipelined heads are answered together. Connections
 * stay open (keep-alive) until the client closes them; with -c it answers one head per connection and
 * closes it, as a server does for "Connection: close". An answer over SENDFILE_MIN bytes (a static file's)
 * goes out with sendfile from ANSWER_FILE instead, one call per answer, as servers send big files: copying
 * it from memory would cost more than they pay. Whatever CPU time it takes per request is the
 * kernel's cost of the exchange, the floor under every server's.
 */
#define _GNU_SOURCE /* accept4, memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* SENDFILE_MIN: tinyhttpd's SMALL_FILE, above which it sends files with sendfile too. */
enum { HEAD_MAX = 8192, BACKLOG = 511, EVENTS = 256, IOV_BATCH = 64, SENDFILE_MIN = 16384 };

struct conn {
	int fd;
	int writing; /* waiting for room to send: watching EPOLLOUT instead of EPOLLIN */
	long owed;   /* heads read whose answers are not all sent */
	size_t off;  /* bytes of the first owed answer already sent */
	size_t in;   /* bytes of an unfinished head at the start of buf */
	char buf[HEAD_MAX];
};

static char *answer;       /* in memory, when it is SENDFILE_MIN bytes or less */
static int answer_fd = -1; /* open, when it is longer */
static size_t answer_len;
static int close_after;
static int epfd;

/* Reads the answer file into memory, or keeps it open when it is long. Returns 0, or -1 after saying why. */
static int
load_answer(const char *path)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		perror(path);
		return -1;
	}
	if (st.st_size == 0 || (st.st_size <= SENDFILE_MIN && (answer = malloc(st.st_size)) == NULL)) {
		fprintf(stderr, "floor: %s: %s\n", path, st.st_size == 0 ? "empty" : strerror(errno));
		close(fd);
		return -1;
	}
	answer_len = st.st_size;
	if (answer_len > SENDFILE_MIN) {
		answer_fd = fd;
		return 0;
	}
	while (got < answer_len) {
		if ((n = read(fd, answer + got, answer_len - got)) <= 0) {
			fprintf(stderr, "floor: %s: %s\n", path,
			        n == 0 ? "shorter than its size" : strerror(errno));
			close(fd);
			return -1;
		}
		got += n;
	}
	close(fd);
	return 0;
}

/* The non-blocking listener on 127.0.0.1:port, or -1 after saying why. */
static int
listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, on = 1;

	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/*
	 * SO_REUSEADDR: compare.sh restarts the floor on the same port for each row. TCP_DEFER_ACCEPT, as
	 * tinyhttpd sets it: a new connection is accepted with its head already there, one wake-up fewer.
	 */
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, BACKLOG) == -1) {
		perror("floor: listen");
		return -1;
	}
	return fd;
}

static void
conn_close(struct conn *c)
{
	close(c->fd); /* also takes it out of the epoll set */
	free(c);
}

/* Watches c for reading or for room to send. Returns 0, or -1 after saying why. */
static int
conn_watch(struct conn *c, int writing)
{
	struct epoll_event ev = { .events = writing ? EPOLLOUT : EPOLLIN, .data.ptr = c };

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
		perror("floor: epoll_ctl");
		return -1;
	}
	c->writing = writing;
	return 0;
}

/*
 * One system call's worth of the answers owed: a sendmsg of up to IOV_BATCH of them from memory, or a
 * sendfile of the rest of the first. What the call returns.
 */
static ssize_t
send_owed(const struct conn *c)
{
	struct iovec iov[IOV_BATCH];
	struct msghdr msg = { .msg_iov = iov };
	off_t off = c->off;
	int i;

	if (answer_fd != -1)
		return sendfile(c->fd, answer_fd, &off, answer_len - c->off);
	iov[0].iov_base = answer + c->off;
	iov[0].iov_len = answer_len - c->off;
	for (i = 1; i < IOV_BATCH && i < c->owed; i++) {
		iov[i].iov_base = answer;
		iov[i].iov_len = answer_len;
	}
	msg.msg_iovlen = i;
	/* MSG_MORE under -c: the FIN of the close() that follows leaves in the answer's last segment. */
	return sendmsg(c->fd, &msg, close_after ? MSG_MORE : 0);
}

/*
 * Sends the answers owed until all are out or the socket is full. Returns 0, or -1 when the connection is
 * to go: closed by the peer, failed, or done with under -c.
 */
static int
conn_write(struct conn *c)
{
	ssize_t n;
	size_t total;

	while (c->owed > 0) {
		if ((n = send_owed(c)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			return c->writing ? 0 : conn_watch(c, 1);
		}
		total = c->off + n;
		c->owed -= total / answer_len;
		c->off = total % answer_len;
	}
	if (close_after)
		return -1;
	return c->writing ? conn_watch(c, 0) : 0;
}

/*
 * One recv; owes an answer for every complete head it finds and sends them. Returns 0, or -1 when the
 * connection is to go.
 */
static int
conn_read(struct conn *c)
{
	char *p, *end;
	ssize_t n;
	long heads = 0;

	if ((n = recv(c->fd, c->buf + c->in, sizeof(c->buf) - c->in, 0)) == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->in += n;
	for (p = c->buf; (end = memmem(p, c->buf + c->in - p, "\r\n\r\n", 4)) != NULL; p = end + 4) {
		heads++;
		if (close_after)
			break;
	}
	c->in -= p - c->buf;
	memmove(c->buf, p, c->in);
	if (c->in == sizeof(c->buf)) {
		fprintf(stderr, "floor: a request head longer than %d bytes\n", HEAD_MAX);
		return -1;
	}
	if (heads == 0)
		return 0;
	c->owed += heads;
	return conn_write(c);
}

/* Accepts every connection waiting and reads what each brought. Returns 0, or -1 after saying why. */
static int
accept_all(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;
	int fd;

	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("floor: accept4");
			return -1;
		}
		if ((c = malloc(sizeof(*c))) == NULL) {
			perror("floor: malloc");
			close(fd);
			return -1;
		}
		c->fd = fd;
		c->writing = 0;
		c->owed = 0;
		c->off = c->in = 0;
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			perror("floor: epoll_ctl");
			conn_close(c);
			return -1;
		}
		/* TCP_DEFER_ACCEPT: the head is most likely there already. */
		if (conn_read(c) == -1)
			conn_close(c);
	}
}

int
main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[EVENTS];
	int port, lfd, n, i;

	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		close_after = 1;
		argc--;
		argv++;
	}
	if (argc != 3 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: floor [-c] PORT ANSWER_FILE\n");
		return 2;
	}
	/* A client that went away is an error from send or sendfile, never a SIGPIPE. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("floor: signal");
		return 1;
	}
	if (load_answer(argv[2]) == -1 || (lfd = listen_on(port)) == -1)
		return 1;
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("floor: epoll");
		return 1;
	}
	for (;;) {
		if ((n = epoll_wait(epfd, evs, EVENTS, -1)) == -1) {
			if (errno == EINTR)
				continue;
			perror("floor: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				if (accept_all(lfd) == -1)
					return 1;
			} else if ((c->writing ? conn_write(c) : conn_read(c)) == -1) {
				conn_close(c);
			}
		}
	}
}
