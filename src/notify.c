/* SPDX-License-Identifier: ISC */
/*
 * notify.c: tells the service manager about state changes (systemd's sd_notify protocol). Built with
 * libsystemd, sd_notify() sends them; without it, this file sends one datagram per message to the unix
 * socket in $NOTIFY_SOCKET itself, which is a few lines, so the server runs under Type=notify either way.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

/* What $NOTIFY_SOCKET said, for the binary an upgrade executes. */
static char *notify_path;

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

/* $NOTIFY_SOCKET, kept out of the environment between messages so that no child inherits it. */
static char *notify_socket;

static void
notify_open(const char *path)
{
	if ((notify_socket = strdup(path)) == NULL)
		log_errno("NOTIFY_SOCKET %s: cannot keep it; not notifying the service manager", path);
}

/* Returns 0, or -1 with errno set. */
static int
notify_send(const char *msg)
{
	int r;

	if (notify_socket == NULL)
		return 0;
	/* sd_notify() finds the socket in the environment; its first argument takes it out again. */
	if (setenv("NOTIFY_SOCKET", notify_socket, 1) == -1)
		return -1;
	if ((r = sd_notify(1, msg)) < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

static void
notify_drop(void)
{
	free(notify_socket);
	notify_socket = NULL;
}

#else

static int notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

static void
notify_open(const char *path)
{
	size_t n = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(notify_addr.sun_path)) {
		log_warn("NOTIFY_SOCKET %s: not a unix socket path; not notifying the service manager "
		         "(a build with libsystemd, configure --with-systemd, takes what systemd hands out)",
		         path);
		return;
	}
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, n);
	/* '@' names a socket in the abstract namespace, which starts with a NUL byte. */
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		log_errno("NOTIFY_SOCKET %s: socket", path);
}

/* Returns 0, or -1 with errno set. */
static int
notify_send(const char *msg)
{
	if (notify_fd == -1)
		return 0;
	if (sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&notify_addr,
	           notify_len) == -1)
		return -1;
	return 0;
}

static void
notify_drop(void)
{
	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
}

#endif

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");

	if (path != NULL && (notify_path = strdup(path)) == NULL)
		log_errno("NOTIFY_SOCKET %s: cannot keep it for an upgrade", path);
	if (path != NULL)
		notify_open(path);
	/* Whatever the master starts must not report to the service manager in its name. */
	unsetenv("NOTIFY_SOCKET");
}

void
notify_pass_on(bool pass)
{
	if (notify_path == NULL)
		return;
	if (!pass)
		unsetenv("NOTIFY_SOCKET");
	else if (setenv("NOTIFY_SOCKET", notify_path, 1) == -1)
		log_errno("cannot pass NOTIFY_SOCKET on to the upgraded binary");
}

void
notify_close(void)
{
	notify_drop();
	free(notify_path);
	notify_path = NULL;
}

void
notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	/* A longer message is cut: only the STATUS= text at its end can be that long. */
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (notify_send(msg) == -1)
		log_errno("cannot notify the service manager");
}
