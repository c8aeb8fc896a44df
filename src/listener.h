/* SPDX-License-Identifier: ISC */
/* listener.h: listening sockets, shared by the generations that use the same address and port. */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/socket.h>

struct listener {
	struct listener *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char name[64]; /* "127.0.0.1:8080", "[::]:8080" for messages */
	int fd;
	int refs; /* generations using it; closed when the last one ends */
};

/*
 * Returns the listener for address:port from list, taking a reference: the open one when a generation
 * already listens there (its backlog updated), else a new non-blocking socket, bound and listening.
 * Returns NULL with the reason logged when the address cannot be bound.
 */
struct listener *listener_get(struct listener **list, const char *address, int port, int backlog);

/*
 * Takes the listening sockets a service manager passed (socket activation: LISTEN_PID, LISTEN_FDS) into
 * list, each under its own address, so that listener_get() uses them instead of binding. Each keeps a
 * reference of its own: the service manager expects them open for as long as the server runs.
 * Returns how many it took.
 */
int listener_adopt_activated(struct listener **list);

/* Drops a reference; the socket closes with the last one. */
void listener_put(struct listener **list, struct listener *l);

#endif
