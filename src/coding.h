/* SPDX-License-Identifier: ISC */
/* coding.h: which of the content codings kept beside a file a client accepts (Accept-Encoding). */
#ifndef CODING_H
#define CODING_H

#include <stddef.h>

/* The codings a precompressed variant may have, in the order they are preferred at equal weight. */
enum coding { CODING_BR, CODING_GZIP, CODING_N };

/* The Content-Encoding name of c, and the suffix of its variant's file name. */
extern const char *const coding_names[CODING_N];
extern const char *const coding_suffixes[CODING_N];

/*
 * Reads an Accept-Encoding value s[0..len) (RFC 9110 section 12.5.3) and writes the codings it accepts
 * to out[CODING_N], best first: by weight, then br before gzip. A coding is accepted with its own weight,
 * or with that of "*" when it is not named; q=0 refuses it; x-gzip is gzip. Returns how many there are.
 * A value that cannot be read (a bad weight, a stray byte) accepts none: the file goes as it is.
 */
size_t coding_accepted(const char *s, size_t len, enum coding *out);

#endif
