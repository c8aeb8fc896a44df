/* SPDX-License-Identifier: ISC */
/* channel.h: one-byte messages between the master and a worker, some carrying a file descriptor. */
#ifndef CHANNEL_H
#define CHANNEL_H

enum channel_msg {
	/* worker: accepting */
	CHANNEL_READY = 'R',
	/* master: a new generation serves; hand idle connections over (after the CHANNEL_RETIREs) */
	CHANNEL_DRAIN = 'D',
	/* master: this listener (carried as its fd) is going away: take what still comes to it while draining
	 */
	CHANNEL_RETIRE = 'r',
	/* master: graceful stop; nothing to hand over to */
	CHANNEL_STOP = 'Q',
	/* either way: an idle keep-alive connection changes worker (carries its fd) */
	CHANNEL_CONN = 'H',
	/* master: the access log, opened anew on SIGUSR1 (carries its fd) */
	CHANNEL_LOG = 'L',
};

/*
 * Creates the non-blocking SOCK_SEQPACKET pair: messages keep their boundaries and neither side can block
 * the other. Returns 0, or -1 with errno.
 */
int channel_pair(int sv[2]);

/* Sends msg, with passfd when it is not -1. Returns 0, or -1 with errno (EAGAIN when the peer is full). */
int channel_send(int fd, char msg, int passfd);

/*
 * Receives one message: returns 1 with *msg and *passfd (-1 when none came), 0 when nothing is waiting,
 * -1 when the peer is gone.
 */
int channel_recv(int fd, char *msg, int *passfd);

#endif
