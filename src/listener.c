/* listener.c: resolve, bind and listen, and recognise the same address again across reloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

static int
listener_addr(const char *address, int port, struct sockaddr_storage *ss, socklen_t *len, char *name,
              size_t namelen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		snprintf(name, namelen, "%s:%d", address, port);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		snprintf(name, namelen, "[%s]:%d", address, port);
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
	return fd;
fail:
	close(fd);
	return -1;
}

struct listener *
listener_get(struct listener **list, const char *address, int port, int backlog)
{
	struct listener key, *l;

	if (listener_addr(address, port, &key.addr, &key.addrlen, key.name, sizeof(key.name)) == -1) {
		log_err("'%s' is not a numeric IPv4 or IPv6 address", address);
		return NULL;
	}
	for (l = *list; l != NULL; l = l->next) {
		if (l->addrlen == key.addrlen && memcmp(&l->addr, &key.addr, key.addrlen) == 0) {
			/* listen() again only resizes the queue: nothing queued is lost. */
			if (listen(l->fd, backlog) == -1)
				log_errno("%s: cannot change the backlog to %d; keeping the old one", l->name,
				          backlog);
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
