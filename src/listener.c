/* SPDX-License-Identifier: ISC */
/* listener.c: resolve, bind and listen, and recognise the same address again across reloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

/* "127.0.0.1:8080" or "[::]:8080", from the address itself, for messages. */
static void
listener_name(const struct sockaddr_storage *ss, char *name, size_t namelen)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(name, namelen, "%s:%d", host, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(name, namelen, "[%s]:%d", host, ntohs(sin6->sin6_port));
	}
}

static int
listener_addr(const char *address, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static int
listener_open(const struct listener *l, int backlog)
{
	int fd, on = 1, off = 0;

	if ((fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_errno("%s: socket", l->name);
		return -1;
	}
	/* Restarts must not wait out TIME_WAIT; "::" serves IPv4 too, as the config documents. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (l->addr.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == -1)) {
		log_errno("%s: setsockopt", l->name);
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == -1) {
		log_errno("cannot bind %s (is another server on that port, or is it privileged?)", l->name);
		goto fail;
	}
	if (listen(fd, backlog) == -1) {
		log_errno("%s: listen", l->name);
		goto fail;
	}
	/*
	 * Hand over a connection once its request has arrived, so a worker reads it right after accept
	 * instead of waiting for epoll; one that sends nothing comes after a second anyway (a SYN-ACK
	 * retransmission) and gets request_timeout like any other. An optimisation only.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &on, sizeof(on)) == -1)
		log_warn_errno("%s: TCP_DEFER_ACCEPT; going on without it", l->name);
	return fd;
fail:
	close(fd);
	return -1;
}

struct listener *
listener_get(struct listener **list, const char *address, int port, int backlog)
{
	struct listener key, *l;

	if (listener_addr(address, port, &key.addr, &key.addrlen) == -1) {
		log_err("'%s' is not a numeric IPv4 or IPv6 address", address);
		return NULL;
	}
	listener_name(&key.addr, key.name, sizeof(key.name));
	for (l = *list; l != NULL; l = l->next) {
		if (l->addrlen == key.addrlen && memcmp(&l->addr, &key.addr, key.addrlen) == 0) {
			/* listen() again only resizes the queue: nothing queued is lost. */
			if (listen(l->fd, backlog) == -1)
				log_warn_errno("%s: cannot change the backlog to %d; keeping the old one",
				               l->name, backlog);
			l->refs++;
			return l;
		}
	}
	if ((l = malloc(sizeof(*l))) == NULL) {
		log_errno("listener");
		return NULL;
	}
	*l = key;
	if ((l->fd = listener_open(l, backlog)) == -1) {
		free(l);
		return NULL;
	}
	l->refs = 1;
	l->next = *list;
	*list = l;
	return l;
}

/* The first descriptor a service manager passes (SD_LISTEN_FDS_START). */
#define LISTEN_FDS_START 3

static int
listener_take(struct listener **list, int fd)
{
	struct listener *l;
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 || type != SOCK_STREAM ||
	    (len = sizeof(listening), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len)) == -1 ||
	    !listening) {
		log_err("descriptor %d from the service manager is not a listening TCP socket; ignored", fd);
		return -1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_errno("listener");
		return -1;
	}
	l->addrlen = sizeof(l->addr);
	if (getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen) == -1 ||
	    (l->addr.ss_family != AF_INET && l->addr.ss_family != AF_INET6)) {
		log_err("descriptor %d from the service manager is not an IPv4 or IPv6 socket; ignored", fd);
		free(l);
		return -1;
	}
	listener_name(&l->addr, l->name, sizeof(l->name));
	/* The workers' epoll loops need it non-blocking; a worker forked later must not leak it to exec. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		log_errno("%s: fcntl", l->name);
	l->fd = fd;
	l->refs = 1;
	l->next = *list;
	*list = l;
	log_info("listening on %s, passed by the service manager", l->name);
	return 0;
}

int
listener_adopt_activated(struct listener **list)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int i, n, taken = 0;

	/* The variables are for this process alone: the workers must not take them as theirs. */
	n = pid != NULL && fds != NULL && atol(pid) == (long)getpid() ? atoi(fds) : 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	for (i = 0; i < n; i++)
		taken += listener_take(list, LISTEN_FDS_START + i) == 0;
	return taken;
}

void
listener_put(struct listener **list, struct listener *l)
{
	struct listener **pp;

	if (--l->refs > 0)
		return;
	for (pp = list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	close(l->fd);
	free(l);
}
