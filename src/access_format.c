/* SPDX-License-Identifier: ISC */
/* access_format.c: access log lines in the Common, combined and JSON formats, with client bytes escaped. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "access_format.h"

/* Bytes of a line besides its escaped strings: quotes, separators, JSON keys and three numbers. */
#define LINE_FIXED 256

/* The most one byte of a string can become: \xHH, or \u00XX in JSON. */
#define CLF_GROWTH  4
#define JSON_GROWTH 6

#define PUT_LIT(o, s) (memcpy((o), (s), sizeof(s) - 1), (o) + sizeof(s) - 1)

/*
 * The length of the well-formed UTF-8 sequence of two to four bytes at p (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0 when none starts there.
 */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * How many bytes from p go into a line as they are: printable ASCII but '"' and '\\', and UTF-8
 * characters but the C1 controls (U+0080 to U+009F, 0xC2 0x80..0x9F), which some readers take for a
 * line end (U+0085) or a terminal for the start of a command (U+009B).
 */
static size_t
plain_len(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *start = p;
	size_t n;

	while (p < end) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		else if (*p >= 0x80 && (n = utf8_len(p, end)) > 0 && !(p[0] == 0xc2 && p[1] < 0xa0))
			p += n;
		else
			break;
	}
	return (size_t)(p - start);
}

static char *
put_hex(char *o, unsigned char c, const char *digits)
{
	*o++ = digits[c >> 4];
	*o++ = digits[c & 0xf];
	return o;
}

/* s for a quoted field of the Common formats: what is not plain becomes \xHH, one byte at a time. */
static char *
put_clf(char *o, struct str s)
{
	const unsigned char *p = (const unsigned char *)s.p, *end = p + s.len;
	size_t n;

	while (p < end) {
		n = plain_len(p, end);
		memcpy(o, p, n);
		o += n;
		p += n;
		if (p < end) {
			o = PUT_LIT(o, "\\x");
			o = put_hex(o, *p++, "0123456789ABCDEF");
		}
	}
	return o;
}

/* s in a Common format's quotes, or "-" when absent. */
static char *
put_clf_field(char *o, struct str s)
{
	*o++ = '"';
	if (s.p == NULL)
		*o++ = '-';
	else
		o = put_clf(o, s);
	*o++ = '"';
	return o;
}

/* s as the inside of a JSON string (RFC 8259 section 7). */
static char *
put_json(char *o, struct str s)
{
	const unsigned char *p = (const unsigned char *)s.p, *end = p + s.len;
	unsigned char c;
	size_t n;

	while (p < end) {
		n = plain_len(p, end);
		memcpy(o, p, n);
		o += n;
		p += n;
		if (p == end)
			break;
		c = *p++;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; continue;
		case '\\': *o++ = '\\'; continue;
		case '\b': *o++ = 'b'; continue;
		case '\f': *o++ = 'f'; continue;
		case '\n': *o++ = 'n'; continue;
		case '\r': *o++ = 'r'; continue;
		case '\t': *o++ = 't'; continue;
		}
		/* A C1 control is valid UTF-8: its code point, not its two bytes. */
		if (c == 0xc2 && p < end && *p >= 0x80 && *p < 0xa0)
			c = *p++;
		o = PUT_LIT(o, "u00");
		o = put_hex(o, c, "0123456789abcdef");
	}
	return o;
}

/* s as a JSON string, or null when absent. */
static char *
put_json_field(char *o, struct str s)
{
	if (s.p == NULL)
		return PUT_LIT(o, "null");
	*o++ = '"';
	o = put_json(o, s);
	*o++ = '"';
	return o;
}

static char *
put_u64(char *o, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n > 0)
		*o++ = digits[--n];
	return o;
}

/* A status or a minor version: never negative, but a line must stay well-formed whatever it is given. */
static char *
put_int(char *o, int v)
{
	if (v < 0) {
		*o++ = '-';
		return put_u64(o, -(uint64_t)v);
	}
	return put_u64(o, (uint64_t)v);
}

static struct str
cstr(const char *s)
{
	return (struct str){ s, s != NULL ? strlen(s) : 0 };
}

static char *
put_common(char *o, enum access_format fmt, const struct access_entry *e)
{
	o = put_clf(o, cstr(e->remote_addr));
	o = PUT_LIT(o, " - - [");
	o = put_clf(o, cstr(e->time));
	o = PUT_LIT(o, "] \"");
	if (e->method.p == NULL) {
		*o++ = '-';
	} else {
		o = put_clf(o, e->method);
		*o++ = ' ';
		o = put_clf(o, e->target);
		o = PUT_LIT(o, " HTTP/1.");
		o = put_int(o, e->minor_version);
	}
	o = PUT_LIT(o, "\" ");
	o = put_int(o, e->status);
	*o++ = ' ';
	o = put_u64(o, e->body_bytes);
	if (fmt == ACCESS_COMBINED) {
		*o++ = ' ';
		o = put_clf_field(o, e->referer);
		*o++ = ' ';
		o = put_clf_field(o, e->user_agent);
	}
	return o;
}

static char *
put_object(char *o, const struct access_entry *e)
{
	bool parsed = e->method.p != NULL;

	o = PUT_LIT(o, "{\"time\":");
	o = put_json_field(o, cstr(e->time));
	o = PUT_LIT(o, ",\"remote_addr\":");
	o = put_json_field(o, cstr(e->remote_addr));
	o = PUT_LIT(o, ",\"method\":");
	o = put_json_field(o, e->method);
	o = PUT_LIT(o, ",\"target\":");
	o = put_json_field(o, parsed ? e->target : (struct str){ NULL, 0 });
	o = PUT_LIT(o, ",\"protocol\":");
	if (parsed) {
		o = PUT_LIT(o, "\"HTTP/1.");
		o = put_int(o, e->minor_version);
		*o++ = '"';
	} else {
		o = PUT_LIT(o, "null");
	}
	o = PUT_LIT(o, ",\"status\":");
	o = put_int(o, e->status);
	o = PUT_LIT(o, ",\"body_bytes_sent\":");
	o = put_u64(o, e->body_bytes);
	o = PUT_LIT(o, ",\"duration_us\":");
	o = put_u64(o, e->duration_us);
	o = PUT_LIT(o, ",\"referer\":");
	o = put_json_field(o, e->referer);
	o = PUT_LIT(o, ",\"user_agent\":");
	o = put_json_field(o, e->user_agent);
	*o++ = '}';
	return o;
}

void
access_format_time(enum access_format fmt, time_t t, char out[ACCESS_TIME_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, ACCESS_TIME_LEN,
	             fmt == ACCESS_JSON ? "%Y-%m-%dT%H:%M:%S+00:00" : "%d/%b/%Y:%H:%M:%S +0000", &tm) == 0)
		out[0] = '\0';
}

int
access_format_line(struct buf *b, enum access_format fmt, const struct access_entry *e)
{
	const struct str strs[] = { cstr(e->time), cstr(e->remote_addr), e->method,
		                    e->target,     e->referer,           e->user_agent };
	size_t i, growth = fmt == ACCESS_JSON ? JSON_GROWTH : CLF_GROWTH, room = LINE_FIXED;
	char *o;

	/* Room for the worst case at once: then each byte written needs no check of its own. */
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strs[i].len > (SIZE_MAX - room) / growth) {
			errno = ENOMEM;
			return -1;
		}
		room += strs[i].len * growth;
	}
	if (buf_reserve(b, room) == -1)
		return -1;
	o = b->data + b->len;
	o = fmt == ACCESS_JSON ? put_object(o, e) : put_common(o, fmt, e);
	*o++ = '\n';
	b->len = (size_t)(o - b->data);
	return 0;
}
