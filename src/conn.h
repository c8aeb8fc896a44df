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

#define CONN_BUF_SIZE 4096 /* bytes of the buffers a connection takes from the pool to read and write */

struct worker;

/*
 * An idle keep-alive connection holds this struct only: no buffers, which come from the worker's pool
 * when bytes arrive, and no parsed request, which lives in the worker while it is being answered.
 */
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
	bool shared;            /* handed over, in or out: another process may hold the socket too */
	bool stay;              /* a handoff failed: keep it here, and close after its next answer */
	sa_family_t family;     /* of addr: the client's address, for the access log */
	uint64_t first_byte_us; /* when the current request's first byte came, in w->now_us; 0 when idle */

	struct buf in;     /* received bytes, the current request first */
	uint32_t head_len; /* > 0 once the current request's head is complete; it is parsed again on resuming
	                    */
	uint32_t body_len; /* chunked: decoded body bytes after the head */
	uint32_t in_need;  /* input bytes the current request is known to need, for sizing reads */
	/* When "100 Continue" went out: 1 + the index in cfg->routes of the route that takes the request. */
	uint32_t continue_route;
	struct http_chunked chunked;

	struct buf out; /* response bytes not yet sent, from out_off */
	uint32_t out_off;
	int file_fd; /* >= 0: a file body follows the output */
	off_t file_off;
	uint64_t file_left;

	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

/* The client's address as text, for the access log; buf has room for INET6_ADDRSTRLEN bytes. */
const char *conn_peer(const struct conn *c, char *buf);

/*
 * Takes the accepted non-blocking socket fd into the worker, not yet watched by epoll. Returns NULL (fd
 * closed) on failure.
 */
struct conn *conn_new(struct worker *w, int fd, const struct sockaddr *sa);

/* Serves a new connection as far as what it sent allows, then waits request_timeout for the rest. */
void conn_start(struct conn *c);

/* epoll said the socket is ready for what c->events asked. */
void conn_on_event(struct conn *c, uint32_t events);

/* c's timer expired. */
void conn_on_timeout(struct conn *c);

/* Closes c; its memory goes when the worker frees its closed list, after the current events. */
void conn_close(struct conn *c);

/* The worker is draining for a reload: an idle connection moves to the new generation now. */
void conn_drain(struct conn *c);

#endif
