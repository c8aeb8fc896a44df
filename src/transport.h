/* SPDX-License-Identifier: ISC */
/* transport.h: how a connection moves its bytes, so plain TCP and TLS look alike to everything above. */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"

struct transport;

/*
 * Each moves what it can without blocking. recv, send and sendfile return the bytes moved (recv: 0 at the
 * peer's end of stream), TH_WANT_READ or TH_WANT_WRITE when the socket must become ready for that first
 * (a TLS record may need either way), or TH_ERROR.
 */
struct transport_ops {
	ssize_t (*recv)(struct transport *t, int fd, void *buf, size_t len);
	/* more: further bytes follow at once, so a partial segment need not go out yet (MSG_MORE). */
	ssize_t (*send)(struct transport *t, int fd, const void *buf, size_t len, bool more);
	ssize_t (*sendfile)(struct transport *t, int fd, int file_fd, off_t *off, size_t len);
	/* Ends our direction of the stream; the peer reads what was sent, then the end. TH_OK or TH_ERROR. */
	int (*shutdown)(struct transport *t, int fd);
	/* The connection is closing: give back what this transport holds for it. */
	void (*release)(struct transport *t);
};

/* Begins every transport's per-connection state; TCP keeps none beyond this, and never sets its fields. */
struct transport {
	const struct transport_ops *ops;
	/*
	 * What the socket must become ready for before the last call that could not finish can go on, when
	 * that is the other way than the call's own (a TLS record half written while reading): EPOLLIN or
	 * EPOLLOUT; 0 when it is the call's own way.
	 */
	uint32_t wants;
	/* Received bytes are held here that the socket will not announce again (a TLS record read in part).
	 */
	bool buffered;
};

/* Plain TCP: one shared instance serves every connection. */
extern struct transport transport_tcp;

#endif
