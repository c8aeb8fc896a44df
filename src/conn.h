/* SPDX-License-Identifier: ISC */
/* conn.h: one client connection: read, parse, answer, write, keep alive; and what connections share. */
#ifndef CONN_H
#define CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"
#include "config.h"
#include "file_cache.h"
#include "handlers.h"
#include "http_parser.h"
#include "loop.h"
#include "metrics.h"
#include "transport.h"

#define CONN_BUF_SIZE 4096 /* bytes of the buffers a connection takes from the pool to read and write */

/*
 * What the connections of one process share. Its owner (a worker, or a test) fills in the inputs and keeps
 * date and log_time current; connections only read those. After each batch of events the owner frees the
 * closed list (conn_ctx_sweep), and decides what to do with idle connections and the listener.
 */
struct conn_ctx {
	/* in */
	const struct config *cfg;
	struct handlers *handlers;
	struct loop *loop;
	const char *date;            /* for the Date header, "Sun, 06 Nov 1994 08:49:37 GMT" */
	const char *log_time;        /* this second in the access log's format (access_format_time()) */
	bool access_log;             /* format access log lines into access */
	bool keepalive;              /* an answer may leave its connection open; false while stopping */
	bool draining;               /* finish what is in flight, take nothing new: the worker is going */
	struct metrics_shard *shard; /* where this process counts requests and connections */
	const int *host_slots;       /* the metrics slot of each of cfg->hosts */

	/* shared working space */
	struct buf_pool pool;    /* connections' input and output buffers */
	struct http_request req; /* the request being answered; connections resuming one parse it again */
	struct buf scratch;      /* its decoded path and parameters */
	struct file_cache files; /* small static files served in the last second, kept open */

	/* out */
	struct buf access; /* access log lines not yet taken by the owner */
	struct conn *conns;
	struct conn *closed; /* closed during this batch, freed by conn_ctx_sweep() */
	size_t nconns;
};

/*
 * Where a connection is. Each state has one epoll interest and one deadline, both set by conn_set_state():
 *   NEW     accepted, nothing read yet     in   request_timeout, then closed without a word
 *   PROXY   waiting for the PROXY header   in   request_timeout from accept, then closed without a word
 *   IDLE    between requests, no buffers   in   keepalive_timeout, then closed
 *   HEAD    reading a request head         in   request_timeout from its first byte, then 408
 *   BODY    reading a request body         in   the same deadline as its head
 *   SEND    the answer waits for room      out  request_timeout per stall, then closed
 *   LINGER  answered and shut down         in   LINGER_MS of discarding, then closed
 */
enum conn_state {
	CONN_NEW,
	CONN_PROXY,
	CONN_IDLE,
	CONN_HEAD,
	CONN_BODY,
	CONN_SEND,
	CONN_LINGER,
};

/*
 * An idle keep-alive connection holds this struct only: no buffers, which come from the pool when bytes
 * arrive, and no parsed request, which lives in the context while it is being answered. Keep it within
 * 200 bytes: malloc's next size class would add 16 bytes to every idle connection.
 */
struct conn {
	struct conn *prev, *next; /* the context's list of open connections */
	struct conn_ctx *ctx;
	struct timer timer;     /* the state's deadline */
	int fd;                 /* -1 once closed: events still queued for it are ignored */
	uint8_t state;          /* enum conn_state */
	uint8_t events;         /* what epoll watches: EPOLLIN or EPOLLOUT, 0 before the first watch */
	uint8_t listener;       /* the one it came in on: an index into cfg->listeners */
	unsigned family : 2;    /* what addr holds, the client's address: CONN_ADDR_* */
	bool close_after : 1;   /* close once the output is written */
	bool linger : 1;        /* on close, drain what the peer still sends so it reads our answer */
	bool peer_eof : 1;      /* the peer shut down its side: answer what is buffered, then close */
	bool shared : 1;        /* handed over, in or out: another process may hold the socket too */
	bool stay : 1;          /* a handoff failed: keep it here, and close after its next answer */
	bool proxied : 1;       /* addr came in a PROXY header: handed over, the socket would lose it */
	uint64_t first_byte_us; /* when the current request's first byte came, in loop->now_us; 0: none */

	struct buf in;     /* received bytes, the current request first */
	uint32_t head_len; /* > 0 once the current request's head is complete; parsed again on resuming */
	uint32_t body_len; /* chunked: decoded body bytes after the head */
	uint32_t in_need;  /* input bytes the current request is known to need, for sizing reads */
	uint32_t out_off;  /* output bytes already sent */
	int file_fd;       /* >= 0: a file body follows the output */
	/* When "100 Continue" went out: 1 + the index in cfg->routes of the route that takes the request. */
	uint32_t continue_route;
	struct http_chunked chunked;

	struct buf out; /* response bytes not yet sent, from out_off */
	off_t file_off;
	uint64_t file_left;
	struct transport *tp;

	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

enum { CONN_ADDR_NONE, CONN_ADDR_V4, CONN_ADDR_V6 }; /* struct conn's family */

/* Writes the client's address as text, "-" when unknown, to buf (INET6_ADDRSTRLEN bytes); returns buf. */
const char *conn_peer(const struct conn *c, char *buf);

/*
 * Takes the accepted non-blocking socket fd, from the peer sa, into ctx, not yet watched by epoll; listener
 * is the index in cfg->listeners of the listener it came in on. Returns NULL (fd closed) on failure.
 */
struct conn *conn_new(struct conn_ctx *ctx, int fd, const struct sockaddr *sa, size_t listener);

/*
 * Serves a new connection as far as what it already sent allows. idle says it comes from an older
 * generation between requests (keepalive_timeout); otherwise it was just accepted (request_timeout).
 */
void conn_start(struct conn *c, bool idle);

/* epoll said the socket is ready for what c->events asked. */
void conn_on_event(struct conn *c, uint32_t events);

/* Closes c; its memory goes in conn_ctx_sweep(), after the current batch of events. */
void conn_close(struct conn *c);

/* Whether c may be handed to another process: plain TCP, its address its own. */
bool conn_can_move(const struct conn *c);

/* Between requests with nothing buffered either way: the client cannot tell who answers next. */
bool conn_is_idle(const struct conn *c);

/* The idle c's socket was sent to another process: close this copy without disturbing that one. */
void conn_handed_over(struct conn *c);

/* Frees the connections closed since the last call. */
void conn_ctx_sweep(struct conn_ctx *ctx);

#endif
