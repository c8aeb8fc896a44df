/* SPDX-License-Identifier: ISC */
/* conditional.h: a file's validators and the conditional request headers that test them (RFC 9110 s. 13). */
#ifndef CONDITIONAL_H
#define CONDITIONAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "response.h"
#include "str.h"

#define COND_ETAG_MAX 56 /* "\"" 16 hex digits "-" 16 "-" 16 "\"" and a NUL */

/* What a client may hold and ask about: formatted once, when a file is opened, not per request. */
struct validators {
	time_t mtime;
	char etag[COND_ETAG_MAX]; /* strong: "mtime-size-inode" in hex, with its quotes */
	size_t etag_len;
	char last_modified[RESPONSE_DATE_LEN + 1];
};

/*
 * The validators of the file st describes. The ETag has the modification time to the nanosecond, the size
 * and the inode: a file rewritten, or replaced by another (a deploy renames over it), gets another one.
 */
void cond_validators(const struct stat *st, struct validators *v);

/* The conditional headers of a request; a header that was not sent has p NULL. */
struct cond_headers {
	struct str if_match, if_none_match, if_modified_since, if_unmodified_since, if_range;
};

enum cond_result {
	COND_PROCEED,      /* answer as if unconditional */
	COND_NOT_MODIFIED, /* 304 */
	COND_FAILED,       /* 412 */
};

/*
 * The preconditions h puts on a representation with validators v, in the order of RFC 9110 section 13.2.2:
 * If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since (GET and HEAD only).
 * get_or_head says the method is one of those, for which a false If-None-Match means 304, not 412.
 * now is the current time, to read a two-digit year. A date that cannot be read is ignored.
 */
enum cond_result cond_evaluate(const struct cond_headers *h, const struct validators *v, bool get_or_head,
                               time_t now);

/*
 * Whether a Range may be honoured under If-Range (section 13.1.5): it was not sent, or names v's ETag
 * (strongly) or v's exact Last-Modified date. Otherwise the whole representation goes.
 */
bool cond_if_range(struct str if_range, const struct validators *v, time_t now);

/*
 * Reads an HTTP-date in any of its three formats (section 5.6.7: IMF-fixdate, RFC 850 and asctime) into
 * *t. A two-digit year more than 50 years after now is taken from the century before. Returns 0, or -1
 * when s[0..len) is not a valid date.
 */
int cond_parse_date(const char *s, size_t len, time_t now, time_t *t);

/*
 * Whether the entity-tag list s[0..len) ("*", or tags separated by commas) names etag[0..etag_len), a
 * strong tag with its quotes. weak compares as If-None-Match does, ignoring W/ on either side; strong
 * (If-Match, If-Range) never matches a weak tag. A malformed list matches nothing.
 */
bool cond_etag_match(const char *s, size_t len, const char *etag, size_t etag_len, bool weak);

#endif
