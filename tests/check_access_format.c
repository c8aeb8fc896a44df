/* SPDX-License-Identifier: ISC */
/* check_access_format.c: access log lines in each format, exact bytes, against what a client can send. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_format.h"
#include "check_run.h"

#define CLF_TIME  "10/Oct/2000:13:55:36 +0000"
#define JSON_TIME "2000-10-10T13:55:36+00:00"

#define S(lit) ((struct str){ (lit), sizeof(lit) - 1 })
#define ABSENT ((struct str){ NULL, 0 })

#define COMMON_HEAD "192.0.2.1 - - [" CLF_TIME "] "
#define JSON_HEAD   "{\"time\":\"" JSON_TIME "\",\"remote_addr\":\"192.0.2.1\","

static struct access_entry
entry(enum access_format fmt)
{
	return (struct access_entry){
		.time = fmt == ACCESS_JSON ? JSON_TIME : CLF_TIME,
		.remote_addr = "192.0.2.1",
		.method = S("GET"),
		.target = S("/hello"),
		.minor_version = 1,
		.status = 200,
		.body_bytes = 12,
		.duration_us = 1500,
		.referer = ABSENT,
		.user_agent = ABSENT,
	};
}

/*
 * The code point of the well-formed UTF-8 sequence at p, with its length in *n; -1 when there is none.
 * Written apart from the server's own check, by decoding first: overlong forms, surrogates and code
 * points past U+10FFFF are what is left to refuse.
 */
static long
utf8_decode(const unsigned char *p, size_t len, size_t *n)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	long cp;
	size_t k;

	if (p[0] < 0x80) {
		*n = 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		*n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		*n = 4;
		cp = p[0] & 0x07;
	} else {
		return -1;
	}
	if (len < *n)
		return -1;
	for (k = 1; k < *n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min[*n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	return cp;
}

/*
 * What b->data[from..b->len) must be whatever went in: one line, ending in its only '\n', valid UTF-8,
 * without a control character (C0, DEL or C1) a terminal or a line splitter could act on. Returns NULL
 * when it is, else what is wrong. (Checked without ck_assert per byte: each one costs a write to Check.)
 */
static const char *
line_problem(const struct buf *b, size_t from)
{
	const unsigned char *p = (const unsigned char *)b->data + from;
	size_t len = b->len - from, i, n;
	long cp;

	if (len == 0 || p[len - 1] != '\n')
		return "the line does not end in a newline";
	for (i = 0; i < len - 1; i += n) {
		if ((cp = utf8_decode(p + i, len - 1 - i, &n)) == -1)
			return "not UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "a control character";
	}
	return NULL;
}

static void
assert_one_line(const struct buf *b, size_t from)
{
	const char *why = line_problem(b, from);

	ck_assert_msg(why == NULL, "%s: %.*s", why, (int)(b->len - from), b->data + from);
}

/* Formats e and checks the line is exactly want. */
static void
expect_line(enum access_format fmt, const struct access_entry *e, const char *want)
{
	struct buf b = { 0 };

	ck_assert_int_eq(buf_append(&b, "x", 1), 0);
	ck_assert_int_eq(access_format_line(&b, fmt, e), 0);
	assert_one_line(&b, 1);
	ck_assert_msg(b.len - 1 == strlen(want) && memcmp(b.data + 1, want, b.len - 1) == 0,
	              "want %s got  %.*s", want, (int)b.len - 1, b.data + 1);
	buf_free(&b);
}

START_TEST(test_lines)
{
	struct access_entry e = entry(ACCESS_COMMON);

	expect_line(ACCESS_COMMON, &e, COMMON_HEAD "\"GET /hello HTTP/1.1\" 200 12\n");
	expect_line(ACCESS_COMBINED, &e, COMMON_HEAD "\"GET /hello HTTP/1.1\" 200 12 \"-\" \"-\"\n");
	e.referer = S("http://example.com/a?b=c");
	e.user_agent = S("curl/7.88.1");
	e.minor_version = 0;
	e.status = 404;
	e.body_bytes = UINT64_MAX;
	expect_line(ACCESS_COMBINED, &e,
	            COMMON_HEAD
	            "\"GET /hello HTTP/1.0\" 404 18446744073709551615 \"http://example.com/a?b=c\" "
	            "\"curl/7.88.1\"\n");
	/* Present but empty is not absent. */
	e.referer = S("");
	expect_line(ACCESS_COMBINED, &e,
	            COMMON_HEAD "\"GET /hello HTTP/1.0\" 404 18446744073709551615 \"\" \"curl/7.88.1\"\n");

	e = entry(ACCESS_JSON);
	expect_line(ACCESS_JSON, &e,
	            JSON_HEAD
	            "\"method\":\"GET\",\"target\":\"/hello\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
	            "\"body_bytes_sent\":12,\"duration_us\":1500,\"referer\":null,\"user_agent\":null}\n");
	e.referer = S("");
	e.user_agent = S("Mozilla/5.0 (X11; Linux x86_64)");
	e.duration_us = 0;
	expect_line(ACCESS_JSON, &e,
	            JSON_HEAD
	            "\"method\":\"GET\",\"target\":\"/hello\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
	            "\"body_bytes_sent\":12,\"duration_us\":0,\"referer\":\"\","
	            "\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}\n");
}
END_TEST

/* A request line that could not be parsed: Common Log Format's "-", JSON's null, whatever else is set. */
START_TEST(test_unparsed)
{
	struct access_entry e = entry(ACCESS_COMMON);

	e.method = ABSENT;
	e.status = 400;
	e.body_bytes = 23;
	expect_line(ACCESS_COMMON, &e, COMMON_HEAD "\"-\" 400 23\n");
	expect_line(ACCESS_COMBINED, &e, COMMON_HEAD "\"-\" 400 23 \"-\" \"-\"\n");
	e = entry(ACCESS_JSON);
	e.method = ABSENT;
	e.status = 400;
	e.body_bytes = 23;
	e.duration_us = 7;
	expect_line(ACCESS_JSON, &e,
	            JSON_HEAD
	            "\"method\":null,\"target\":null,\"protocol\":null,\"status\":400,"
	            "\"body_bytes_sent\":23,\"duration_us\":7,\"referer\":null,\"user_agent\":null}\n");
}
END_TEST

/* An input, and what it becomes in a Common format's quoted field and inside a JSON string. */
struct escape_case {
	const char *in;
	size_t len;
	const char *clf;
	const char *json;
};

/* clang-format off */
#define ESC(in, clf, json) { in, sizeof(in) - 1, clf, json }
/* clang-format on */

static const struct escape_case escape_cases[] = {
	ESC("plain /a?b=c&d=e%20f", "plain /a?b=c&d=e%20f", "plain /a?b=c&d=e%20f"),
	/* What would end a field or a line. */
	ESC("a\"b", "a\\x22b", "a\\\"b"),
	ESC("a\\b", "a\\x5Cb", "a\\\\b"),
	ESC("\" 200 1 \"-\" \"-\"\n1.2.3.4", "\\x22 200 1 \\x22-\\x22 \\x22-\\x22\\x0A1.2.3.4",
	    "\\\" 200 1 \\\"-\\\" \\\"-\\\"\\n1.2.3.4"),
	ESC("\r\n", "\\x0D\\x0A", "\\r\\n"),
	ESC("a\0b", "a\\x00b", "a\\u0000b"),
	ESC("\t\b\f\x01\x1b[2J\x1f", "\\x09\\x08\\x0C\\x01\\x1B[2J\\x1F",
	    "\\t\\b\\f\\u0001\\u001b[2J\\u001f"),
	ESC("\x7f", "\\x7F", "\\u007f"),
	/* Bytes that are not UTF-8 at all. */
	ESC("\x80", "\\x80", "\\u0080"),
	ESC("\xff\xfe", "\\xFF\\xFE", "\\u00ff\\u00fe"),
	ESC("\xf5\x80\x80\x80", "\\xF5\\x80\\x80\\x80", "\\u00f5\\u0080\\u0080\\u0080"),
	/* Valid UTF-8 passes, from the first two-byte to the last four-byte character. */
	ESC("\xc2\xa0", "\xc2\xa0", "\xc2\xa0"),
	ESC("caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9"),
	ESC("\xe0\xa0\x80", "\xe0\xa0\x80", "\xe0\xa0\x80"),
	ESC("\xe2\x82\xac", "\xe2\x82\xac", "\xe2\x82\xac"),
	ESC("\xed\x9f\xbf", "\xed\x9f\xbf", "\xed\x9f\xbf"),
	ESC("\xef\xbf\xbf", "\xef\xbf\xbf", "\xef\xbf\xbf"),
	ESC("\xf0\x90\x80\x80", "\xf0\x90\x80\x80", "\xf0\x90\x80\x80"),
	ESC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),
	/* C1 controls are UTF-8 too, but NEL ends a line for some readers and CSI starts a terminal command.
	 */
	ESC("\xc2\x85", "\\xC2\\x85", "\\u0085"),
	ESC("\xc2\x9b"
	    "31m",
	    "\\xC2\\x9B31m", "\\u009b31m"),
	ESC("\xc2\x80\xc2\x9f", "\\xC2\\x80\\xC2\\x9F", "\\u0080\\u009f"),
	/* Overlong forms: of '/', '"' and NUL. */
	ESC("\xc0\xaf", "\\xC0\\xAF", "\\u00c0\\u00af"),
	ESC("\xc1\xbf", "\\xC1\\xBF", "\\u00c1\\u00bf"),
	ESC("\xc0\xa2", "\\xC0\\xA2", "\\u00c0\\u00a2"),
	ESC("\xe0\x80\xaf", "\\xE0\\x80\\xAF", "\\u00e0\\u0080\\u00af"),
	ESC("\xe0\x9f\xbf", "\\xE0\\x9F\\xBF", "\\u00e0\\u009f\\u00bf"),
	ESC("\xf0\x80\x80\xaf", "\\xF0\\x80\\x80\\xAF", "\\u00f0\\u0080\\u0080\\u00af"),
	ESC("\xf0\x8f\xbf\xbf", "\\xF0\\x8F\\xBF\\xBF", "\\u00f0\\u008f\\u00bf\\u00bf"),
	/* Surrogates, and past U+10FFFF. */
	ESC("\xed\xa0\x80", "\\xED\\xA0\\x80", "\\u00ed\\u00a0\\u0080"),
	ESC("\xed\xbf\xbf", "\\xED\\xBF\\xBF", "\\u00ed\\u00bf\\u00bf"),
	ESC("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80", "\\u00f4\\u0090\\u0080\\u0080"),
	/* Truncated: at the end, and cut by an ASCII byte, a quote or another lead byte. */
	ESC("\xe2\x82", "\\xE2\\x82", "\\u00e2\\u0082"),
	ESC("\xe2\x82"
	    "A",
	    "\\xE2\\x82A", "\\u00e2\\u0082A"),
	ESC("\xf0\x9f\x98\"", "\\xF0\\x9F\\x98\\x22", "\\u00f0\\u009f\\u0098\\\""),
	ESC("\xc3\xc3\xa9", "\\xC3\xc3\xa9", "\\u00c3\xc3\xa9"),
	/* A lone continuation byte between valid characters. */
	ESC("\xc3\xa9\xa9\xc3\xa9", "\xc3\xa9\\xA9\xc3\xa9", "\xc3\xa9\\u00a9\xc3\xa9"),
};

/* The line for a request whose target is in, the rest as in entry(). */
static void
expect_target(enum access_format fmt, const char *in, size_t len, const char *want)
{
	struct access_entry e = entry(fmt);
	char line[512];

	e.target = (struct str){ in, len };
	if (fmt == ACCESS_JSON)
		snprintf(
		        line, sizeof(line),
		        JSON_HEAD
		        "\"method\":\"GET\",\"target\":\"%s\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
		        "\"body_bytes_sent\":12,\"duration_us\":1500,\"referer\":null,\"user_agent\":null}\n",
		        want);
	else
		snprintf(line, sizeof(line), COMMON_HEAD "\"GET %s HTTP/1.1\" 200 12%s\n", want,
		         fmt == ACCESS_COMBINED ? " \"-\" \"-\"" : "");
	expect_line(fmt, &e, line);
}

/* The same input as referer and user agent, to show every string goes through the same escaping. */
static void
expect_headers(enum access_format fmt, const char *in, size_t len, const char *want)
{
	struct access_entry e = entry(fmt);
	char line[512];

	e.referer = e.user_agent = (struct str){ in, len };
	if (fmt == ACCESS_JSON)
		snprintf(line, sizeof(line),
		         JSON_HEAD
		         "\"method\":\"GET\",\"target\":\"/hello\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
		         "\"body_bytes_sent\":12,\"duration_us\":1500,\"referer\":\"%s\",\"user_agent\":\"%"
		         "s\"}\n",
		         want, want);
	else
		snprintf(line, sizeof(line), COMMON_HEAD "\"GET /hello HTTP/1.1\" 200 12 \"%s\" \"%s\"\n",
		         want, want);
	expect_line(fmt, &e, line);
}

START_TEST(test_escapes)
{
	const struct escape_case *c = &escape_cases[_i];

	expect_target(ACCESS_COMMON, c->in, c->len, c->clf);
	expect_target(ACCESS_COMBINED, c->in, c->len, c->clf);
	expect_target(ACCESS_JSON, c->in, c->len, c->json);
	expect_headers(ACCESS_COMBINED, c->in, c->len, c->clf);
	expect_headers(ACCESS_JSON, c->in, c->len, c->json);
}
END_TEST

/* The method, the address and the time are escaped too: the function trusts none of its strings. */
START_TEST(test_every_field_escaped)
{
	struct access_entry e = entry(ACCESS_COMBINED);

	e.time = "\"]\n";
	e.remote_addr = "a\"b";
	e.method = S("G\nT");
	expect_line(ACCESS_COMBINED, &e,
	            "a\\x22b - - [\\x22]\\x0A] \"G\\x0AT /hello HTTP/1.1\" 200 12 \"-\" \"-\"\n");
	e = entry(ACCESS_JSON);
	e.time = "\"\n";
	e.remote_addr = "\\";
	e.method = S("G\"T");
	expect_line(
	        ACCESS_JSON, &e,
	        "{\"time\":\"\\\"\\n\",\"remote_addr\":\"\\\\\",\"method\":\"G\\\"T\",\"target\":\"/hello\","
	        "\"protocol\":\"HTTP/1.1\",\"status\":200,\"body_bytes_sent\":12,\"duration_us\":1500,"
	        "\"referer\":null,\"user_agent\":null}\n");
}
END_TEST

/* Reads a Common format's quoted field from *p (after its opening quote) into out; false if malformed. */
static bool
clf_unescape(const char **p, const char *end, unsigned char *out, size_t *len)
{
	const char *s = *p;
	int hi, lo;

	*len = 0;
	while (s < end && *s != '"') {
		if (*s != '\\') {
			out[(*len)++] = (unsigned char)*s++;
			continue;
		}
		if (end - s < 4 || s[1] != 'x' || (hi = hex_digit((unsigned char)s[2])) < 0 ||
		    (lo = hex_digit((unsigned char)s[3])) < 0)
			return false;
		out[(*len)++] = (unsigned char)(hi << 4 | lo);
		s += 4;
	}
	if (s == end)
		return false;
	*p = s + 1;
	return true;
}

/* Reads a JSON string's inside at *p into code points (RFC 8259 section 7); false if malformed. */
static bool
json_unescape(const char **p, const char *end, long *out, size_t *len)
{
	const unsigned char *s = (const unsigned char *)*p, *e = (const unsigned char *)end;
	const char *esc = "\"\"\\\\//b\bf\fn\nr\rt\t", *m;
	size_t n;
	int i, d;

	*len = 0;
	while (s < e && *s != '"') {
		if (*s != '\\') {
			if (*s < 0x20 || (out[*len] = utf8_decode(s, (size_t)(e - s), &n)) == -1)
				return false;
			(*len)++;
			s += n;
			continue;
		}
		if (e - s < 2)
			return false;
		if (s[1] == 'u') {
			if (e - s < 6)
				return false;
			out[*len] = 0;
			for (i = 2; i < 6; i++) {
				if ((d = hex_digit(s[i])) < 0)
					return false;
				out[*len] = out[*len] << 4 | d;
			}
			(*len)++;
			s += 6;
			continue;
		}
		for (m = esc; *m != '\0' && *m != (char)s[1]; m += 2)
			;
		if (*m == '\0')
			return false;
		out[(*len)++] = (unsigned char)m[1];
		s += 2;
	}
	if (s == e)
		return false;
	*p = (const char *)s + 1;
	return true;
}

/*
 * What a JSON reader gets back for in: each valid UTF-8 character, and each other byte as the code
 * point of its value.
 */
static size_t
json_expected(const unsigned char *in, size_t len, long *out)
{
	size_t i = 0, n, count = 0;

	while (i < len) {
		if ((out[count] = utf8_decode(in + i, len - i, &n)) == -1) {
			out[count] = in[i];
			n = 1;
		}
		count++;
		i += n;
	}
	return count;
}

/*
 * Formats in as target in the Common format and as user agent in JSON, and checks that both lines are
 * one line each and that their fields read back: the Common field gives the exact bytes back (a
 * backslash is always escaped, so \xHH is never ambiguous); the JSON one the expected code points.
 * Returns NULL, or what went wrong.
 */
static const char *
round_trip_problem(struct buf *b, const unsigned char *in, size_t len)
{
	static const char clf_head[] = COMMON_HEAD "\"GET ", clf_tail[] = " HTTP/1.1",
	                  clf_end[] = " 200 12\n";
	static const char json_head[] = JSON_HEAD "\"method\":\"GET\",\"target\":\"/hello\",\"protocol\":"
	                                          "\"HTTP/1.1\",\"status\":200,\"body_bytes_sent\":12,"
	                                          "\"duration_us\":1500,\"referer\":null,\"user_agent\":\"";
	struct access_entry e = entry(ACCESS_COMMON);
	unsigned char bytes[256];
	long cps[256], want[256];
	const char *p, *why;
	size_t n;

	if (len > 16)
		return "the test's buffers are too small";
	b->len = 0;
	e.target = (struct str){ (const char *)in, len };
	if (access_format_line(b, ACCESS_COMMON, &e) == -1)
		return "common: no memory";
	if ((why = line_problem(b, 0)) != NULL)
		return why;
	if (memcmp(b->data, clf_head, sizeof(clf_head) - 1) != 0)
		return "common: the line starts wrong";
	p = b->data + sizeof(clf_head) - 1;
	/* The quoted field holds the target and the protocol: the target may have spaces of its own. */
	if (!clf_unescape(&p, b->data + b->len, bytes, &n) || n != len + sizeof(clf_tail) - 1 ||
	    memcmp(bytes, in, len) != 0 || memcmp(bytes + len, clf_tail, sizeof(clf_tail) - 1) != 0)
		return "common: the request field does not read back";
	if ((size_t)(b->data + b->len - p) != sizeof(clf_end) - 1 ||
	    memcmp(p, clf_end, sizeof(clf_end) - 1) != 0)
		return "common: the line ends wrong";

	b->len = 0;
	e = entry(ACCESS_JSON);
	e.user_agent = (struct str){ (const char *)in, len };
	if (access_format_line(b, ACCESS_JSON, &e) == -1)
		return "json: no memory";
	if ((why = line_problem(b, 0)) != NULL)
		return why;
	if (memcmp(b->data, json_head, sizeof(json_head) - 1) != 0)
		return "json: the line starts wrong";
	p = b->data + sizeof(json_head) - 1;
	if (!json_unescape(&p, b->data + b->len, cps, &n) || n != json_expected(in, len, want) ||
	    memcmp(cps, want, n * sizeof(long)) != 0)
		return "json: the user agent does not read back";
	if ((size_t)(b->data + b->len - p) != 2 || memcmp(p, "}\n", 2) != 0)
		return "json: the line ends wrong";
	return NULL;
}

static void
check_round_trip(struct buf *b, const unsigned char *in, size_t len)
{
	const char *why = round_trip_problem(b, in, len);
	char hex[3 * 16 + 1] = "";
	size_t i;

	if (why == NULL)
		return;
	for (i = 0; i < len && i < 16; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", in[i]);
	ck_abort_msg("input%s: %s; line %.*s", hex, why, (int)b->len, b->data);
}

/* Every string of one and two bytes. */
START_TEST(test_all_short_inputs)
{
	struct buf b = { 0 };
	unsigned char in[2];
	unsigned int i, j;

	for (i = 0; i < 256; i++) {
		in[0] = (unsigned char)i;
		check_round_trip(&b, in, 1);
		for (j = 0; j < 256; j++) {
			in[1] = (unsigned char)j;
			check_round_trip(&b, in, 2);
		}
	}
	buf_free(&b);
}
END_TEST

/* Every lead byte of a three- or four-byte sequence, with the bytes at the edges of what may follow. */
START_TEST(test_long_sequences)
{
	static const unsigned char after[] = { 0x00, '"',  '\\', 'A',  0x7f, 0x80, 0x8f,
		                               0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xff };
	unsigned char in[5] = { 0, 0, 0, 0, 'z' };
	struct buf b = { 0 };
	size_t i, j, k;
	unsigned int lead;

	for (lead = 0xe0; lead <= 0xff; lead++) {
		in[0] = (unsigned char)lead;
		for (i = 0; i < sizeof(after); i++) {
			in[1] = after[i];
			for (j = 0; j < sizeof(after); j++) {
				in[2] = after[j];
				check_round_trip(&b, in, 3);
				for (k = 0; k < sizeof(after); k++) {
					in[3] = after[k];
					check_round_trip(&b, in, 5);
				}
			}
		}
	}
	buf_free(&b);
}
END_TEST

/* A value of 100000 bytes that all need escaping: the whole of it, escaped, on one line. */
START_TEST(test_long_values)
{
	enum { LEN = 100000, SPECIAL = LEN / 1000 };
	static const char json_rest[] =
	        JSON_HEAD "\"method\":\"GET\",\"target\":\"\",\"protocol\":\"HTTP/1.1\","
	                  "\"status\":200,\"body_bytes_sent\":12,\"duration_us\":1500,"
	                  "\"referer\":null,\"user_agent\":null}\n";
	char *in = malloc(LEN), *want = malloc(4 * LEN + 512), *w;
	struct access_entry e;
	struct buf b = { 0 };
	size_t i;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(want);
	/* 0xFF, with a quote or a newline every 1000 bytes. */
	memset(in, 0xff, LEN);
	for (i = 0; i < LEN; i += 1000)
		in[i] = i % 2000 == 0 ? '"' : '\n';
	w = want + sprintf(want, COMMON_HEAD "\"GET /hello HTTP/1.1\" 200 12 \"-\" \"");
	for (i = 0; i < LEN; i++)
		w += sprintf(w, "\\x%02X", (unsigned char)in[i]);
	w += sprintf(w, "\"\n");

	e = entry(ACCESS_COMBINED);
	e.user_agent = (struct str){ in, LEN };
	ck_assert_int_eq(access_format_line(&b, ACCESS_COMBINED, &e), 0);
	assert_one_line(&b, 0);
	ck_assert_uint_eq(b.len, (size_t)(w - want));
	ck_assert_int_eq(memcmp(b.data, want, b.len), 0);

	b.len = 0;
	e = entry(ACCESS_JSON);
	e.target = (struct str){ in, LEN };
	ck_assert_int_eq(access_format_line(&b, ACCESS_JSON, &e), 0);
	assert_one_line(&b, 0);
	/* \u00ff for each 0xFF, \" or \n for the others. */
	ck_assert_uint_eq(b.len, sizeof(json_rest) - 1 + (LEN - SPECIAL) * 6 + SPECIAL * 2);
	buf_free(&b);
	free(want);
	free(in);
}
END_TEST

/* Lines follow one another in the buffer; a failure to grow it leaves what was there. */
START_TEST(test_appends)
{
	struct access_entry e = entry(ACCESS_COMMON);
	struct buf b = { 0 };
	char big;

	ck_assert_int_eq(access_format_line(&b, ACCESS_COMMON, &e), 0);
	ck_assert_int_eq(access_format_line(&b, ACCESS_COMMON, &e), 0);
	ck_assert_uint_eq(b.len, 2 * strlen(COMMON_HEAD "\"GET /hello HTTP/1.1\" 200 12\n"));
	e.user_agent = (struct str){ &big, SIZE_MAX / 4 };
	ck_assert_int_eq(access_format_line(&b, ACCESS_JSON, &e), -1);
	e.user_agent = (struct str){ &big, SIZE_MAX / 8 };
	ck_assert_int_eq(access_format_line(&b, ACCESS_JSON, &e), -1);
	ck_assert_uint_eq(b.len, 2 * strlen(COMMON_HEAD "\"GET /hello HTTP/1.1\" 200 12\n"));
	buf_free(&b);
}
END_TEST

START_TEST(test_time)
{
	char t[ACCESS_TIME_LEN];

	access_format_time(ACCESS_COMMON, 971186136, t);
	ck_assert_str_eq(t, CLF_TIME);
	access_format_time(ACCESS_COMBINED, 971186136, t);
	ck_assert_str_eq(t, CLF_TIME);
	access_format_time(ACCESS_JSON, 971186136, t);
	ck_assert_str_eq(t, JSON_TIME);
	access_format_time(ACCESS_JSON, 951782400, t); /* a leap day */
	ck_assert_str_eq(t, "2000-02-29T00:00:00+00:00");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("access_format");
	TCase *tc = tcase_create("access_format");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_unparsed);
	tcase_add_loop_test(tc, test_escapes, 0, (int)(sizeof(escape_cases) / sizeof(escape_cases[0])));
	tcase_add_test(tc, test_every_field_escaped);
	tcase_add_test(tc, test_all_short_inputs);
	tcase_add_test(tc, test_long_sequences);
	tcase_add_test(tc, test_long_values);
	tcase_add_test(tc, test_appends);
	tcase_add_test(tc, test_time);
	suite_add_tcase(s, tc);
	return check_run(s);
}
