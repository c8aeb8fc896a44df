/* SPDX-License-Identifier: ISC */
/* transport_tcp.c: the plain TCP transport: recv, send with MSG_MORE, sendfile, shutdown. */
#include <errno.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "transport.h"

/* The socket's own answer to "would it block": the caller waits for the direction it was going. */
static ssize_t
tcp_result(ssize_t n, int want)
{
	if (n >= 0)
		return n;
	return errno == EAGAIN ? want : TH_ERROR;
}

static ssize_t
tcp_recv(struct transport *t, int fd, void *buf, size_t len)
{
	ssize_t n;

	(void)t;
	do
		n = recv(fd, buf, len, 0);
	while (n == -1 && errno == EINTR);
	return tcp_result(n, TH_WANT_READ);
}

static ssize_t
tcp_send(struct transport *t, int fd, const void *buf, size_t len, bool more)
{
	ssize_t n;

	(void)t;
	/* MSG_NOSIGNAL: a peer that went away is an error here, never a SIGPIPE. */
	do
		n = send(fd, buf, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	while (n == -1 && errno == EINTR);
	return tcp_result(n, TH_WANT_WRITE);
}

static ssize_t
tcp_sendfile(struct transport *t, int fd, int file_fd, off_t *off, size_t len)
{
	ssize_t n;

	(void)t;
	do
		n = sendfile(fd, file_fd, off, len);
	while (n == -1 && errno == EINTR);
	return tcp_result(n, TH_WANT_WRITE);
}

static int
tcp_shutdown(struct transport *t, int fd)
{
	(void)t;
	return shutdown(fd, SHUT_WR) == -1 ? TH_ERROR : TH_OK;
}

static void
tcp_release(struct transport *t)
{
	(void)t; /* shared by every connection: nothing of its own to free */
}

static const struct transport_ops tcp_ops = {
	.recv = tcp_recv,
	.send = tcp_send,
	.sendfile = tcp_sendfile,
	.shutdown = tcp_shutdown,
	.release = tcp_release,
};

struct transport transport_tcp = { .ops = &tcp_ops };
