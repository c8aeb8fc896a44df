/* SPDX-License-Identifier: ISC */
/* http_parser.h: HTTP/1.1 request head and chunked body parsing over a caller's buffer (RFC 9112). */
#ifndef HTTP_PARSER_H
#define HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"
#include "str.h"

#define HTTP_MAX_HEADERS 100

/*
 * The methods this server implements, NULL-terminated, in the order an Allow header lists them: the ones a
 * route may name, and the ones a request may use without a 501 (RFC 9110 section 9.1).
 */
extern const char *const http_methods[];

/* Whether method is one of http_methods; methods are case-sensitive tokens. */
bool http_method_known(struct str method);

enum http_body {
	HTTP_BODY_NONE,
	HTTP_BODY_LENGTH,
	HTTP_BODY_CHUNKED,
};

struct http_header {
	struct str name;
	struct str value; /* without leading and trailing whitespace */
};

/* Every str points into the buffer given to http_parse_request(); nothing is copied. */
struct http_request {
	struct str method;
	struct str target; /* the request-target as sent, for logs */
	struct str path;   /* still percent-encoded; for absolute-form the path part */
	struct str query;  /* after '?', without it; len 0 when there is none */
	int minor_version; /* HTTP/1.<minor_version>: 0 or 1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t num_headers;

	/* What the headers mean, derived while parsing. */
	enum http_body body;
	uint64_t content_length; /* HTTP_BODY_LENGTH only */
	bool keep_alive;         /* version default, changed by Connection: close / keep-alive */
	bool expect_continue;    /* Expect: 100-continue */
	struct str host;         /* the Host header's value, as sent; empty without one */
	/*
	 * The target URI's authority, host[:port] (RFC 9112 section 3.3): an absolute-form target's, which
	 * wins over Host (section 3.2.2), else Host's; empty when the request names none.
	 */
	struct str authority;
	struct str content_type;

	/* On TH_ERROR: the status to answer (400, 414, 431, 501, 505) and why, for the body and the log. */
	int status;
	const char *error;
};

/*
 * Parses the request head at buf[0..len). Returns the head's length, through the empty line, when it is
 * complete; TH_AGAIN when more bytes are needed; TH_ERROR with req->status and req->error set.
 * An incomplete head is checked as far as it goes, so garbage is refused without waiting for more.
 * max_head bounds the head: a request line that does not end within it is 414, a head that does not is 431.
 * Empty lines before the request line are skipped (RFC 9112 section 2.2) and count in the returned length.
 */
ssize_t http_parse_request(const char *buf, size_t len, size_t max_head, struct http_request *req);

/* Resumable state of a chunked body decode; zero it before the first call. */
struct http_chunked {
	int state;
	uint64_t remaining;   /* bytes left of the current chunk's data */
	uint32_t ext_len;     /* bytes of chunk extension or trailer line seen, bounded */
	uint32_t trailer_len; /* bytes of trailer section seen, bounded */
};

/*
 * Decodes chunked framing in place. On entry buf[0..*len) holds raw bytes that follow those of earlier calls.
 * On return buf[0..*len) holds the body data decoded from them. Returns TH_AGAIN while the body goes on;
 * TH_ERROR when the framing is malformed; or, once the last chunk and trailers are complete, the number
 * of raw bytes after the body (the next pipelined request), which start at buf + *len.
 */
ssize_t http_decode_chunked(struct http_chunked *dec, char *buf, size_t *len);

#endif
