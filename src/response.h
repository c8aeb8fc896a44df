/* SPDX-License-Identifier: ISC */
/* response.h: status line and headers of a response, assembled into the connection's output buffer. */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "str.h"

#define RESPONSE_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

struct response {
	int status;
	struct str headers;       /* the Server header and the configured ones, "Name: value\r\n" each */
	const char *content_type; /* NULL: no Content-Type */
	uint64_t content_length;
	const char *location; /* redirects */
	const char *allow;    /* 405 */
	/* A file's: its validators, the part of it sent (206) or its size (416), a variant's coding. */
	const char *etag;          /* with its quotes */
	const char *last_modified; /* an IMF-fixdate, RESPONSE_DATE_LEN long */
	const char *content_range; /* "bytes 0-9/100"; for a 416, a star in place of 0-9 */
	const char *content_encoding;
	const char *hsts;    /* Strict-Transport-Security, on a TLS connection */
	bool accept_ranges;  /* Accept-Ranges: bytes */
	bool vary_encoding;  /* Vary: Accept-Encoding: the route has precompressed variants */
	bool close;          /* the connection closes after this response */
	bool keep_alive_1_0; /* an HTTP/1.0 client asked to keep the connection: say yes */
};

/* The reason phrase of status, "Unknown" for codes this server never sends. */
const char *response_reason(int status);

/* Formats t as an IMF-fixdate into date[RESPONSE_DATE_LEN + 1]. */
void response_date(time_t t, char *date);

/*
 * Appends the status line and headers, through the empty line. A status that has no content (1xx, 204,
 * 304) gets no Content-Length or Content-Type. Returns 0, or -1 when memory runs out.
 */
int response_head(struct buf *out, const struct response *r, const char *date);

/*
 * Appends a whole plain-text response whose body is msg and a newline; head_only leaves the body out
 * (HEAD), as does a status that has none (1xx, 204, 304). Returns the body bytes appended, for the access
 * log, or -1 when memory runs out.
 */
ssize_t response_text(struct buf *out, struct response *r, const char *msg, bool head_only, const char *date);

/* The same with body[0..len) of type as the body: an error page. */
ssize_t response_page(struct buf *out, struct response *r, const char *type, const char *body, size_t len,
                      bool head_only, const char *date);

#endif
