/* SPDX-License-Identifier: ISC */
/* handlers.h: the route kinds (text, file, static directory, redirect) turned into a response. */
#ifndef HANDLERS_H
#define HANDLERS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "file_cache.h"
#include "http_parser.h"
#include "metrics.h"
#include "status.h"
#include "str.h"

/* One request and what answering it produced. */
struct exchange {
	/* in */
	const struct http_request *req;
	struct str body;          /* the whole decoded request body */
	const char *date;         /* for the Date header */
	bool close;               /* the connection closes after this response */
	struct buf *scratch;      /* room for the decoded path, parameters and host name */
	struct file_cache *files; /* small files served lately, still open */
	uint64_t now;             /* ms, for the file cache */
	size_t listener;          /* the one the request came in on: an index into cfg->listeners */
	const char *hsts;         /* Strict-Transport-Security for the answer; NULL: none (not TLS) */
	/* The route handle_route() found before the body came, or NULL; on return, the route taken. */
	const struct route *route;
	/* The client's address, AF_INET or AF_INET6 (anything else: unknown), as text only when a
	 * template asks for {remote_addr}: formatting it costs more than the rest of a small answer. */
	int peer_family;
	const void *peer_addr; /* a struct in_addr or in6_addr */
	char remote_addr[INET6_ADDRSTRLEN];

	/* out */
	struct buf *out; /* the head, and the body unless it comes from file_fd */
	int status;
	size_t host; /* the virtual host that answered, an index into cfg->hosts */
	/* The headers and error pages its answer gets: the route's, or the host's, or the server's. */
	const struct answer_cfg *answer;
	const struct mime_types *types; /* a file's type by its extension */
	uint64_t body_bytes;            /* body length, for the access log */
	int file_fd;                    /* >= 0: send body_bytes of this file, from file_off, after out */
	uint64_t file_off;
};

struct handlers;

/*
 * Prepares answering for cfg's hosts in this process: their route tables, which host answers a name on
 * each listener, and each static route's root opened once (one that cannot be opened is logged and tried
 * again at each request). metrics is what a metrics route shows. cfg must outlive it. Returns NULL when
 * memory runs out.
 */
struct handlers *handlers_new(const struct config *cfg, const struct metrics *metrics);

void handlers_free(struct handlers *h);

/* The hosts listener serves, by name, for TLS's SNI; NULL when it serves none. */
const struct vhost_table *handlers_names(const struct handlers *h, size_t listener);

/*
 * Finds the route for x->req before its body has come, for a client that waits to be told to send it:
 * sets x->route, or answers as handle_request() would (400, 404, 405, 501) and sets x->status. Returns
 * TH_OK, or TH_ERROR when memory runs out.
 */
int handle_route(struct handlers *h, struct exchange *x);

/*
 * Answers x->req through x->route, or through h's routes when it is NULL. Returns TH_OK, or TH_ERROR when
 * memory runs out (nothing usable in out).
 */
int handle_request(struct handlers *h, struct exchange *x);

/*
 * Appends an error response: the error page x->answer has for status, or a plain-text one whose body is
 * msg; sets x->status. Returns TH_OK or TH_ERROR (no memory).
 */
int handle_error(struct exchange *x, int status, const char *msg);

/*
 * The same for one with no exchange (the connection's own errors): the error page a has for r->status, or
 * msg as plain text, appended to out. Returns the body's bytes, or -1 without memory.
 */
ssize_t answer_error(struct buf *out, struct response *r, const struct answer_cfg *a, const char *msg,
                     bool head_only, const char *date);

#endif
