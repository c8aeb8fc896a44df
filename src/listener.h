/* SPDX-License-Identifier: ISC */
/* listener.h: listening sockets (TCP or unix), shared by the generations that use the same address. */
#ifndef LISTENER_H
#define LISTENER_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "config.h"
#include "upgrade_state.h"

struct listener {
	struct listener *next;
	struct sockaddr_storage addr; /* AF_INET, AF_INET6 or AF_UNIX */
	socklen_t addrlen;
	bool ipv6_only;
	char name[128]; /* "127.0.0.1:8080", "[::]:8080", "unix:/run/tinyhttpd/http.sock", for messages */
	int fd;
	int refs;  /* generations using it; closed when the last one ends */
	dev_t dev; /* a unix socket's file, made by bind(): unlinked at the end only if still ours */
	ino_t ino;
};

/*
 * Returns the listener lc describes from list, taking a reference: the open one when a generation already
 * listens there (its backlog and a unix socket's mode updated), else a new non-blocking socket, bound and
 * listening. A unix socket file left by a crash is replaced only when nothing accepts on it. Returns NULL
 * with the reason logged when it cannot be bound.
 */
struct listener *listener_get(struct listener **list, const struct listen_cfg *lc, int backlog);

/*
 * Takes the listening sockets a service manager passed (socket activation: LISTEN_PID, LISTEN_FDS) into
 * list, each under its own address, so that listener_get() uses them instead of binding. Each keeps a
 * reference of its own: the service manager expects them open for as long as the server runs.
 * Returns how many it took.
 */
int listener_adopt_activated(struct listener **list);

/*
 * After an upgrade: the listener the replaced master passed, appended to list with the references it had,
 * its descriptor close-on-exec again. Returns NULL, with why logged, without memory.
 */
struct listener *listener_adopt(struct listener **list, const struct upgrade_listener *ul);

/*
 * For a TCP listener about to close: from now on the kernel drops a client's first segment (SYN), so no
 * new connection is queued where closing the socket would reset it; the client's retransmission a second
 * later finds the port closed (refused), and a load balancer tries another server. Connections the kernel
 * has queued, or is completing, are still accepted. A unix socket is left as it is.
 */
void listener_refuse_new(const struct listener *l);

/* Drops a reference; the socket closes with the last one, and a unix socket's file goes with it. */
void listener_put(struct listener **list, struct listener *l);

#endif
