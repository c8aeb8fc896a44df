/* SPDX-License-Identifier: ISC */
/* range.h: a Range header (RFC 9110 section 14.1.2) read against the size of what is to be sent. */
#ifndef RANGE_H
#define RANGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The most byte ranges one request may name: more is the mark of a broken client or of an attack that
 * makes the server send one file many times over (RFC 9110 section 14.2), and gets the whole file.
 */
#define RANGE_MAX 16

struct range {
	uint64_t first, last; /* byte offsets, both included */
};

enum {
	RANGE_IGNORE = 0,         /* send the whole representation, 200 */
	RANGE_UNSATISFIABLE = -1, /* 416, whose Content-Range names only the size */
};

/*
 * Reads the Range header's value s[0..len) against a representation of size bytes. Returns the number of
 * ranges written to r[RANGE_MAX], at least 1: each lies within [0, size), sorted, with overlapping and
 * adjacent ones merged into one. RANGE_UNSATISFIABLE when the value is valid but none of its ranges
 * overlaps the representation. RANGE_IGNORE when the value is to be ignored: another unit than bytes,
 * a syntax error (a last before its first included), more than RANGE_MAX ranges, or an empty
 * representation, which has no byte a range could name.
 */
int range_parse(const char *s, size_t len, uint64_t size, struct range *r);

#endif
