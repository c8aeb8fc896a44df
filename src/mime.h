/* SPDX-License-Identifier: ISC */
/* mime.h: file name extensions to media types, from mime.types text, a built-in table and overrides. */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

#define MIME_DEFAULT "application/octet-stream" /* a name without a known extension */
#define MIME_EXT_MAX 32                         /* bytes of the longest extension looked up */

/*
 * A table being filled (mime_add, mime_parse, mime_add_builtin), then made ready once (mime_finish) and
 * only looked up from then on. Filled at config load by the master; workers inherit it.
 */
struct mime_types {
	struct mime_type {
		char *ext;  /* lower case, without the dot; one allocation with type */
		char *type; /* with "; charset=utf-8" where it applies */
		size_t seq; /* the order it was added in: of two for one extension, the later wins */
	} * v;
	size_t n, cap;
};

/*
 * Adds ext (ext_len bytes, any case, no dot) as type (type_len bytes); a later entry for the same extension
 * replaces it. text/ types, application/javascript and application/rss+xml get "; charset=utf-8" unless
 * type has parameters already. Returns 0, or -1 when memory runs out.
 */
int mime_add(struct mime_types *m, const char *ext, size_t ext_len, const char *type, size_t type_len);

/* Adds the built-in table: the types of the web, for a system without mime.types. 0 or -1 (no memory). */
int mime_add_builtin(struct mime_types *m);

/*
 * Adds the entries of text in mime.types syntax: "type ext ext ...", a line each, '#' comments; a token of
 * bytes other than printable ASCII, or longer than MIME_EXT_MAX for an extension, is skipped. 0 or -1.
 */
int mime_parse(struct mime_types *m, const char *text, size_t len);

/* Sorts the table for lookups and drops the entries a later one replaced. */
void mime_finish(struct mime_types *m);

/* The type of the file name (a path: its last component's extension counts), or MIME_DEFAULT. */
const char *mime_lookup(const struct mime_types *m, const char *name);

void mime_free(struct mime_types *m);

#endif
