/* conn.h: one client connection: read, parse, answer, write, keep alive. */
#ifndef CONN_H
#define CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"
#include "http_parser.h"
#include "timer.h"

struct worker;

struct conn {
	struct conn *prev, *next; /* the worker's list of open connections */
	struct worker *w;
	int fd;
	uint32_t events;        /* what epoll watches: EPOLLIN, or EPOLLOUT while output waits */
	struct timer timer;     /* request, keep-alive, send or linger deadline */
	bool close_after;       /* close once the output is written */
	bool linger;            /* on close, drain what the peer still sends so it reads our answer */
	bool lingering;         /* shut down for writing, discarding input until EOF or the deadline */
	bool peer_eof;          /* the peer shut down its side: answer what is buffered, then close */
	bool continue_sent;     /* "100 Continue" went out for the current request */
	bool shared;            /* handed over, in or out: another process may hold the socket too */
	bool stay;              /* a handoff failed: keep it here, and close after its next answer */
	bool head_moved;        /* the input buffer moved since the head was parsed */
	uint64_t request_start; /* ms when the first byte of the current request arrived; 0 when idle */

	struct buf in;   /* received bytes, the current request first */
	size_t head_len; /* > 0 once the current request's head is parsed */
	size_t body_len; /* chunked: decoded body bytes after the head */
	struct http_chunked chunked;
	struct http_request req;

	struct buf out; /* response bytes not yet sent, from out_off */
	size_t out_off;
	int file_fd; /* >= 0: a file body follows the output */
	off_t file_off;
	uint64_t file_left;

	struct buf scratch; /* decoded path and parameters of the current request */
	char peer[64];      /* the client's address, for the access log */
};

/* Takes the accepted non-blocking socket fd into the worker. Returns NULL (fd closed) on failure. */
struct conn *conn_new(struct worker *w, int fd, const struct sockaddr *sa);

/* epoll said the socket is ready for what c->events asked. */
void conn_on_event(struct conn *c, uint32_t events);

/* c's timer expired. */
void conn_on_timeout(struct conn *c);

/* Closes c; its memory goes when the worker frees its closed list, after the current events. */
void conn_close(struct conn *c);

/* The worker is draining for a reload: an idle connection moves to the new generation now. */
void conn_drain(struct conn *c);

#endif
