/* SPDX-License-Identifier: ISC */
/* access_format.h: access log lines in the formats of server.access_log_format, escaped against forgery. */
#ifndef ACCESS_FORMAT_H
#define ACCESS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "str.h"

enum access_format {
	ACCESS_COMMON,   /* Common Log Format */
	ACCESS_COMBINED, /* Common, then "referer" "user-agent" */
	ACCESS_JSON,     /* one JSON object per line */
};

#define ACCESS_TIME_LEN 32 /* room for access_format_time()'s text and its NUL */

/*
 * One finished exchange. A string whose p is NULL is absent: "-" in the Common formats, null in JSON.
 * The strings are what the client sent, any bytes at all: formatting escapes them.
 */
struct access_entry {
	const char *time; /* from access_format_time() for the same format */
	const char *remote_addr;
	struct str method; /* absent when the request line could not be parsed: target and */
	struct str target; /* minor_version are then not logged either */
	int minor_version; /* HTTP/1.<minor_version> */
	int status;
	uint64_t body_bytes;
	uint64_t duration_us; /* JSON only */
	struct str referer;   /* combined and JSON only */
	struct str user_agent;
};

/*
 * Writes t, in UTC, as fmt's lines show it: "10/Oct/2000:13:55:36 +0000" in the Common formats,
 * RFC 3339 "2000-10-10T13:55:36+00:00" in JSON. Costly next to a line: done once a second, not per line.
 */
void access_format_time(enum access_format fmt, time_t t, char out[ACCESS_TIME_LEN]);

/*
 * Appends e to b as one line in fmt, ending in '\n'. Whatever the strings hold, the line has no other
 * '\n', no control byte and is valid UTF-8; a quoted field ends only at its closing quote.
 * Common formats: '"', '\\', control bytes (C0, DEL, and C1 written in UTF-8) and bytes that are not
 * part of valid UTF-8 become \xHH, byte by byte, as nginx writes them. JSON: '"' and '\\' become \" and
 * \\, control characters \n, \t, ... or \u00XX, and a byte that is not part of valid UTF-8 becomes
 * \u00XX of the same value, so the line still parses (such a byte reads back as the character of its
 * Latin-1 value). Valid UTF-8 otherwise passes through. Returns 0, or -1 when memory runs out, leaving
 * b as it was.
 */
int access_format_line(struct buf *b, enum access_format fmt, const struct access_entry *e);

#endif
