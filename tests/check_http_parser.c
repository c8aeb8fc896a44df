/* SPDX-License-Identifier: ISC */
/* check_http_parser.c: tests for the request head parser and the chunked body decoder. */
#include <sys/mman.h>

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "http_parser.h"

#define MAX_HEAD  8192
#define AREA_SIZE (64 * 1024)

/* Writable bytes right before a PROT_NONE page: a read past the end of a test input crashes the test. */
static char *area;
static size_t page_size;

static void
guard_init(void)
{
	char *map;

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	map = mmap(NULL, AREA_SIZE + page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	if (mprotect(map + AREA_SIZE, page_size, PROT_NONE) == -1) {
		perror("mprotect");
		exit(2);
	}
	area = map;
}

static void
guard_free(void)
{
	munmap(area, AREA_SIZE + page_size);
}

/* Copies s[0..n) so that it ends where the guard page starts. */
static char *
at_guard(const char *s, size_t n)
{
	char *p;

	ck_assert_uint_le(n, AREA_SIZE);
	p = area + AREA_SIZE - n;
	memcpy(p, s, n);
	return p;
}

static void
assert_str(struct str s, const char *want)
{
	ck_assert_msg(s.len == strlen(want) && memcmp(s.p, want, s.len) == 0, "got \"%.*s\", want \"%s\"",
	              (int)s.len, s.p, want);
}

static void
assert_inside(struct str s, const char *buf, size_t len)
{
	ck_assert(s.p >= buf && s.p + s.len <= buf + len);
}

/* ---- valid request heads ---- */

enum {
	KEEP_ALIVE = 1,
	EXPECT = 2,
};

struct valid_case {
	const char *raw; /* exactly one head: its whole length is the expected result */
	const char *method;
	const char *path;
	const char *query;
	const char *host;
	int minor;
	size_t num_headers;
	enum http_body body;
	uint64_t content_length;
	int flags; /* KEEP_ALIVE, EXPECT */
};

/* raw head; method, path, query, host; minor version, headers, body, Content-Length, flags */
static const struct valid_case valid_cases[] = {
	{ "GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/hello", "", "example.com", 1, 1,
	  HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.0\r\n\r\n", "GET", "/", "", "", 0, 0, HTTP_BODY_NONE, 0, 0 },
	{ "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t spaced  value \t \r\nX-Empty:\r\nX-B:\t\tb\r\n\r\n", "GET",
	  "/", "", "h", 1, 4, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET http://example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/a/b", "x=1",
	  "example.com", 1, 1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", "/", "", "example.com", 1,
	  1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET http://[::1]:80?q HTTP/1.1\r\nHost: [::1]\r\n\r\n", "GET", "/", "q", "[::1]", 1, 1,
	  HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS", "*", "", "h", 1, 1, HTTP_BODY_NONE, 0,
	  KEEP_ALIVE },
	{ "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/", "", "h", 1, 1, HTTP_BODY_NONE, 0,
	  KEEP_ALIVE },
	{ "GET / HTTP/1.1\nHost: h\n\n", "GET", "/", "", "h", 1, 1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.1\r\nHost: h\n\r\n", "GET", "/", "", "h", 1, 1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET /search?q=a+b&x=%20?y HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/search", "q=a+b&x=%20?y", "h", 1,
	  1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "/p", "", "h", 1, 1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\nContent-Type: "
	  "application/x-www-form-urlencoded\r\n\r\n",
	  "POST", "/form", "", "h", 1, 3, HTTP_BODY_LENGTH, 13, KEEP_ALIVE },
	{ "POST / HTTP/1.0\r\ncontent-length: 0\r\n\r\n", "POST", "/", "", "", 0, 1, HTTP_BODY_LENGTH, 0, 0 },
	{ "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 005\r\n\r\n", "PUT", "/", "",
	  "h", 1, 3, HTTP_BODY_LENGTH, 5, KEEP_ALIVE },
	{ "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n", "PUT", "/", "", "h", 1,
	  2, HTTP_BODY_LENGTH, INT64_MAX, KEEP_ALIVE },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", "POST", "/", "", "h", 1, 2,
	  HTTP_BODY_CHUNKED, 0, KEEP_ALIVE },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , CHUNKED \r\n\r\n", "POST", "/", "", "h", 1, 2,
	  HTTP_BODY_CHUNKED, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", "GET", "/", "", "h", 1, 2, HTTP_BODY_NONE,
	  0, 0 },
	{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET", "/", "", "", 0, 1, HTTP_BODY_NONE, 0,
	  KEEP_ALIVE },
	{ "GET / HTTP/1.0\r\nConnection: upgrade\r\n\r\n", "GET", "/", "", "", 0, 1, HTTP_BODY_NONE, 0, 0 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade ,keep-alive\r\n\r\n", "GET", "/", "", "h", 1, 2,
	  HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.0\r\nConnection: keep-alive, CLOSE\r\n\r\n", "GET", "/", "", "", 0, 1, HTTP_BODY_NONE,
	  0, 0 },
	{ "GET / HTTP/1.1\r\nConnection: close\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", "GET", "/", "",
	  "h", 1, 3, HTTP_BODY_NONE, 0, 0 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", "POST", "/", "",
	  "h", 1, 3, HTTP_BODY_LENGTH, 1, KEEP_ALIVE | EXPECT },
	{ "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", "POST", "/", "", "", 0, 2,
	  HTTP_BODY_LENGTH, 1, 0 },
	{ "GET / HTTP/1.9\r\nHost: h\r\n\r\n", "GET", "/", "", "h", 1, 1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "M-SEARCH /x HTTP/1.1\r\nHost:\r\nX-Name: caf\xc3\xa9\r\n\r\n", "M-SEARCH", "/x", "", "", 1, 2,
	  HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n", "GET", "/", "", "[2001:db8::1]:8080", 1, 1,
	  HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n", "GET", "/", "", "127.0.0.1:80", 1, 1,
	  HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET / HTTP/1.1\r\nHost: xn--caf-dma.example. \r\n\r\n", "GET", "/", "", "xn--caf-dma.example.", 1,
	  1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
	{ "GET http://[v1.x]:1/ HTTP/1.1\r\nHost: a%41!$&'()*+,;=_~b\r\n\r\n", "GET", "/", "",
	  "a%41!$&'()*+,;=_~b", 1, 1, HTTP_BODY_NONE, 0, KEEP_ALIVE },
};

static void
check_valid(const struct valid_case *c, const char *buf, size_t len)
{
	struct http_request req;
	ssize_t r;
	size_t i;

	r = http_parse_request(buf, len, MAX_HEAD, &req);
	ck_assert_msg(r == (ssize_t)len, "%s: got %zd (%d %s)", c->raw, r, req.status, req.error);
	assert_str(req.method, c->method);
	assert_str(req.path, c->path);
	assert_str(req.query, c->query);
	assert_str(req.host, c->host);
	ck_assert_int_eq(req.minor_version, c->minor);
	ck_assert_uint_eq(req.num_headers, c->num_headers);
	ck_assert_int_eq(req.body, c->body);
	if (c->body == HTTP_BODY_LENGTH)
		ck_assert_uint_eq(req.content_length, c->content_length);
	ck_assert_int_eq(req.keep_alive, (c->flags & KEEP_ALIVE) != 0);
	ck_assert_int_eq(req.expect_continue, (c->flags & EXPECT) != 0);

	/* Callers rebase these when they move the buffer, so every one must point into it. */
	assert_inside(req.method, buf, len);
	assert_inside(req.target, buf, len);
	assert_inside(req.path, buf, len);
	assert_inside(req.query, buf, len);
	assert_inside(req.host, buf, len);
	assert_inside(req.authority, buf, len);
	assert_inside(req.content_type, buf, len);
	for (i = 0; i < req.num_headers; i++) {
		assert_inside(req.headers[i].name, buf, len);
		assert_inside(req.headers[i].value, buf, len);
	}
}

START_TEST(valid_whole)
{
	const struct valid_case *c = &valid_cases[_i];
	size_t len = strlen(c->raw);

	check_valid(c, at_guard(c->raw, len), len);
}
END_TEST

START_TEST(valid_split_every_byte)
{
	const struct valid_case *c = &valid_cases[_i];
	size_t len = strlen(c->raw), n;
	struct http_request req;
	ssize_t r;

	for (n = 0; n < len; n++) {
		r = http_parse_request(at_guard(c->raw, n), n, MAX_HEAD, &req);
		ck_assert_msg(r == TH_AGAIN, "%s: prefix %zu gave %zd (%d %s)", c->raw, n, r, req.status,
		              req.error);
	}
	check_valid(c, at_guard(c->raw, len), len);
}
END_TEST

START_TEST(header_values_trimmed)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t spaced  value \t \r\nX-Empty:\r\n"
	                          "X-B:\t\tb\r\nContent-Type: text/plain \r\n\r\n";
	struct http_request req;

	ck_assert_int_eq(http_parse_request(raw, sizeof(raw) - 1, MAX_HEAD, &req), sizeof(raw) - 1);
	ck_assert_uint_eq(req.num_headers, 5);
	assert_str(req.headers[0].name, "Host");
	assert_str(req.headers[0].value, "h");
	assert_str(req.headers[1].name, "X-A");
	assert_str(req.headers[1].value, "spaced  value");
	assert_str(req.headers[2].name, "X-Empty");
	assert_str(req.headers[2].value, "");
	assert_str(req.headers[3].value, "b");
	assert_str(req.content_type, "text/plain");
	assert_str(req.target, "/");
}
END_TEST

START_TEST(target_kept_as_sent)
{
	static const char raw[] = "GET http://h:1/a?b HTTP/1.1\r\nHost: h\r\n\r\n";
	struct http_request req;

	ck_assert_int_eq(http_parse_request(raw, sizeof(raw) - 1, MAX_HEAD, &req), sizeof(raw) - 1);
	assert_str(req.target, "http://h:1/a?b");
	assert_str(req.path, "/a");
	assert_str(req.query, "b");
}
END_TEST

/* The target URI's authority: an absolute-form target's wins over Host (RFC 9112 section 3.2.2). */
static const struct {
	const char *raw;
	const char *authority;
} authority_cases[] = {
	{ "GET / HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n", "Example.COM:8080" },
	{ "GET http://Target.example:81/a HTTP/1.1\r\nHost: other.example\r\n\r\n", "Target.example:81" },
	{ "GET https://[::1]?q HTTP/1.1\r\nHost: other.example\r\n\r\n", "[::1]" },
	{ "GET http://t.example HTTP/1.0\r\n\r\n", "t.example" },
	{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", "" },
	{ "GET / HTTP/1.0\r\n\r\n", "" },
	{ "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "h" },
};

START_TEST(authority_of_target)
{
	const char *raw = authority_cases[_i].raw;
	size_t len = strlen(raw);
	struct http_request req;
	char *buf = at_guard(raw, len);

	ck_assert_int_eq(http_parse_request(buf, len, MAX_HEAD, &req), (ssize_t)len);
	assert_str(req.authority, authority_cases[_i].authority);
	assert_inside(req.authority, buf, len);
}
END_TEST

START_TEST(body_bytes_not_part_of_head)
{
	static const char raw[] =
	        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n";
	size_t len = sizeof(raw) - 1;
	struct http_request req;

	ck_assert_int_eq(http_parse_request(at_guard(raw, len), len, MAX_HEAD, &req),
	                 strstr(raw, "hello") - raw);
	ck_assert_int_eq(req.body, HTTP_BODY_LENGTH);
	ck_assert_uint_eq(req.content_length, 5);
}
END_TEST

/* ---- malformed request heads ---- */

struct bad_case {
	const char *raw;
	size_t len;
	int status;
	const char *error;
};

/* A literal that may hold NUL bytes, with its length. */
#define RAW(s)  s, sizeof(s) - 1
#define HEAD(h) "GET / HTTP/1.1\r\n" h "\r\n"

static const struct bad_case bad_cases[] = {
	/* bare CR */
	{ RAW("GET / HTTP/1.1\rX"), 400, "bare CR in request head" },
	{ RAW("\rGET / HTTP/1.1\r\n"), 400, "bare CR in request head" },
	{ RAW(HEAD("Host: a\rb\r\n")), 400, "bare CR in request head" },
	{ RAW("GET / HTTP/1.1\r\nHost: a\r\n\rX"), 400, "bare CR in request head" },
	{ RAW("GET /\r HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET\r/ HTTP/1.1\r\n"), 400, "invalid method" },
	/* obs-fold */
	{ RAW(HEAD("Host: a\r\nX: b\r\n c\r\n")), 400, "obsolete line folding" },
	{ RAW(HEAD("Host: a\r\nX: b\r\n\tc\r\n")), 400, "obsolete line folding" },
	{ RAW("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400, "obsolete line folding" },
	/* header names */
	{ RAW(HEAD("Host : a\r\n")), 400, "whitespace after header name" },
	{ RAW(HEAD("Host\t: a\r\n")), 400, "whitespace after header name" },
	{ RAW(HEAD("Host: a\r\nX(y): z\r\n")), 400, "invalid header name" },
	{ RAW(HEAD("Host: a\r\nX\"y: z\r\n")), 400, "invalid header name" },
	{ RAW(HEAD("Host: a\r\nX@y: z\r\n")), 400, "invalid header name" },
	{ RAW(HEAD("Host: a\r\nX y: z\r\n")), 400, "whitespace after header name" },
	{ RAW(HEAD("Host: a\r\n: z\r\n")), 400, "invalid header name" },
	{ RAW(HEAD("Host: a\r\nX\x7f: z\r\n")), 400, "invalid header name" },
	{ RAW(HEAD("Host: a\r\nX\xc3\xa9: z\r\n")), 400, "invalid header name" },
	{ RAW(HEAD("Host: a\r\nNoColon\r\n")), 400, "invalid header name" },
	/* header values */
	{ RAW(HEAD("Host: a\x01\r\n")), 400, "invalid character in header value" },
	{ RAW(HEAD("Host: a\013b\r\n")), 400, "invalid character in header value" },
	{ RAW(HEAD("Host: a\x7f\r\n")), 400, "invalid character in header value" },
	{ RAW(HEAD("Host: a\x1b[31m\r\n")), 400, "invalid character in header value" },
	{ RAW(HEAD("Host: a\0b\r\n")), 400, "invalid character in header value" },
	{ RAW("GET / HTTP/1.1\r\nHost: a\0"), 400, "invalid character in header value" },
	{ RAW("\0"), 400, "invalid method" },
	/* Content-Length */
	{ RAW(HEAD("Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n")), 400,
	  "conflicting Content-Length and Transfer-Encoding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n")), 400,
	  "conflicting Content-Length and Transfer-Encoding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n")), 400,
	  "conflicting Content-Length and Transfer-Encoding" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n")), 400,
	  "conflicting Content-Length values" },
	{ RAW(HEAD("Host: a\r\nContent-Length: +5\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: -5\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 5 5\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 0x5\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 5a\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: \r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 5, 5\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 5,5\r\n")), 400, "invalid Content-Length" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 9223372036854775808\r\n")), 400, "Content-Length too large" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 18446744073709551621\r\n")), 400, "Content-Length too large" },
	{ RAW(HEAD("Host: a\r\nContent-Length: 99999999999999999999999999\r\n")), 400,
	  "Content-Length too large" },
	/* Transfer-Encoding */
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: gzip\r\n")), 501, "unsupported transfer coding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: identity\r\n")), 501, "unsupported transfer coding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: gzip, chunked\r\n")), 501, "unsupported transfer coding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")), 501,
	  "unsupported transfer coding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chunked, chunked\r\n")), 400,
	  "chunked transfer coding applied twice" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: Chunked\r\n")), 400,
	  "chunked transfer coding applied twice" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chunked, gzip\r\n")), 400,
	  "chunked is not the last transfer coding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n")), 400,
	  "chunked is not the last transfer coding" },
	{ RAW("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
	  "Transfer-Encoding in an HTTP/1.0 request" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding:\r\n")), 400, "empty Transfer-Encoding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: ,\r\n")), 400, "empty Transfer-Encoding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chunked;q=1\r\n")), 400, "invalid Transfer-Encoding" },
	{ RAW(HEAD("Host: a\r\nTransfer-Encoding: chun ked\r\n")), 400, "invalid Transfer-Encoding" },
	/* Host and Content-Type */
	{ RAW("GET / HTTP/1.1\r\n\r\n"), 400, "missing Host header" },
	{ RAW(HEAD("Host: a\r\nX: b\r\nhost: a\r\n")), 400, "more than one Host header" },
	{ RAW(HEAD("Host: a\r\nHost: a b\r\n")), 400, "more than one Host header" },
	{ RAW(HEAD("Host: a b\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a\tb\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a/b\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a\\b\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: u@a\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: caf\xc3\xa9\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a\x80\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: ::1\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: [::1\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: [::g]\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: [1::2::3]:80\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a:80x\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a:123456\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a:\r\n")), 400, "invalid Host header" },
	{ RAW(HEAD("Host: :80\r\n")), 400, "invalid Host header" },
	{ RAW("GET / HTTP/1.0\r\nHost: a,b c\r\n\r\n"), 400, "invalid Host header" },
	{ RAW("GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n"), 400, "invalid Host header" },
	{ RAW(HEAD("Host: a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n")), 400,
	  "more than one Content-Type header" },
	/* request line */
	{ RAW("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "invalid method" },
	{ RAW("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "invalid method" },
	{ RAW(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "invalid method" },
	{ RAW("G\xc3\x89T / HTTP/1.1\r\n"), 400, "invalid method" },
	{ RAW("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "invalid request target" },
	{ RAW("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / http/1.1\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/11\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/1\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/1.a\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET /\r\n\r\n"), 400, "invalid request target" },
	{ RAW("GET / \r\n\r\n"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505, "HTTP version not supported" },
	{ RAW("GET / HTTP/0.9\r\n\r\n"), 505, "HTTP version not supported" },
	{ RAW("GET / HTTP/3.0\r\n"), 505, "HTTP version not supported" },
	/* request target */
	{ RAW("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "fragment in request target" },
	{ RAW("GET # HTTP/1.1\r\n"), 400, "fragment in request target" },
	{ RAW("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "invalid request target" },
	{ RAW("GET /a\x01 HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET /a\x7f HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400, "asterisk-form target is only for OPTIONS" },
	{ RAW("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 400, "asterisk-form target is only for OPTIONS" },
	{ RAW("options * HTTP/1.1\r\n"), 400, "asterisk-form target is only for OPTIONS" },
	{ RAW("POST * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 400,
	  "asterisk-form target is only for OPTIONS" },
	{ RAW("OPTIONS *x HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("CONNECT example.com:443 HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET a/b HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET ftp://h/x HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET http:/h/x HTTP/1.1\r\n"), 400, "invalid request target" },
	{ RAW("GET http:// HTTP/1.1\r\n"), 400, "missing host in request target" },
	{ RAW("GET http:///x HTTP/1.1\r\n"), 400, "missing host in request target" },
	{ RAW("GET http://u:p@h/x HTTP/1.1\r\n"), 400, "userinfo in request target" },
	{ RAW("GET http://@h/x HTTP/1.1\r\n"), 400, "userinfo in request target" },
	{ RAW("GET http://localhost:80x/ HTTP/1.0\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://h:/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://h:123456 HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://:80/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://::1/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://[::1/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://[::1]x/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://a\\b/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://a%zz/ HTTP/1.1\r\n"), 400, "invalid host in request target" },
	{ RAW("GET http://a<b>?q HTTP/1.1\r\n"), 400, "invalid host in request target" },
	/* garbage refused before the head is complete */
	{ RAW("\x16\x03\x01\x00\xa5\x01\x00"), 400, "invalid method" },
	{ RAW("\x16"), 400, "invalid method" },
	{ RAW("\r\n\x80"), 400, "invalid method" },
	{ RAW("GET\0"), 400, "invalid method" },
	{ RAW("GET /x b"), 400, "invalid HTTP version" },
	{ RAW("GET / HTTP/1.1\r\nHost: a\r\nX\x01"), 400, "invalid header name" },
	{ RAW("SSH-2.0-OpenSSH_9.6\r\n"), 400, "invalid method" },
};

struct limit_case {
	struct bad_case c;
	size_t max_head;
};

/* A request line or head that does not end within max_head. */
static const struct limit_case limit_cases[] = {
	{ { RAW("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 414, "request line too long" }, 32 },
	{ { RAW("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n"), 414,
	    "request line too long" },
	  32 },
	{ { RAW("GET / HTTP/1.1\r"), 414, "request line too long" }, 15 },
	{ { RAW("\r\n\r\n\r\n\r\n"), 414, "request line too long" }, 8 },
	{ { RAW("GET / HTTP/1.1\r\nHost: a\r\nX: aaaaaaaaaaaaaa"), 431, "request header fields too large" },
	  32 },
	{ { RAW("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 431, "request header fields too large" }, 25 },
	{ { RAW("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 431, "request header fields too large" }, 16 },
};

static void
check_bad(const struct bad_case *c, size_t max_head, int i)
{
	struct http_request req;
	ssize_t r;

	r = http_parse_request(at_guard(c->raw, c->len), c->len, max_head, &req);
	ck_assert_msg(r == TH_ERROR, "case %d: got %zd, want error", i, r);
	ck_assert_msg(req.status == c->status && strcmp(req.error, c->error) == 0,
	              "case %d: got %d \"%s\", want %d \"%s\"", i, req.status, req.error, c->status,
	              c->error);
}

/* More bytes never retract an error or change its status: the parser gives up where it sees the problem. */
static void
check_bad_every_prefix(const struct bad_case *c, size_t max_head, int i)
{
	struct http_request req;
	bool failed = false;
	size_t n;
	ssize_t r;

	for (n = 0; n <= c->len; n++) {
		r = http_parse_request(at_guard(c->raw, n), n, max_head, &req);
		if (r == TH_AGAIN) {
			ck_assert_msg(!failed, "case %d: prefix %zu is AGAIN after an error", i, n);
			continue;
		}
		ck_assert_msg(r == TH_ERROR, "case %d: prefix %zu parsed as %zd", i, n, r);
		ck_assert_msg(req.status == c->status && strcmp(req.error, c->error) == 0,
		              "case %d: prefix %zu gave %d \"%s\"", i, n, req.status, req.error);
		failed = true;
	}
}

START_TEST(bad_whole)
{
	check_bad(&bad_cases[_i], MAX_HEAD, _i);
}
END_TEST

START_TEST(bad_every_prefix)
{
	check_bad_every_prefix(&bad_cases[_i], MAX_HEAD, _i);
}
END_TEST

START_TEST(limit_whole)
{
	check_bad(&limit_cases[_i].c, limit_cases[_i].max_head, _i);
}
END_TEST

START_TEST(limit_every_prefix)
{
	check_bad_every_prefix(&limit_cases[_i].c, limit_cases[_i].max_head, _i);
}
END_TEST

/* A head of "GET / HTTP/1.1\r\n", n header lines including Host, and the empty line. */
static size_t
make_head(char *buf, size_t cap, int nheaders)
{
	size_t len = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\nHost: h\r\n");
	int i;

	for (i = 1; i < nheaders; i++)
		len += (size_t)snprintf(buf + len, cap - len, "X-%d: v\r\n", i);
	len += (size_t)snprintf(buf + len, cap - len, "\r\n");
	ck_assert_uint_lt(len, cap);
	return len;
}

START_TEST(max_headers_accepted)
{
	char raw[4096];
	size_t len = make_head(raw, sizeof(raw), HTTP_MAX_HEADERS);
	struct http_request req;

	ck_assert_int_eq(http_parse_request(at_guard(raw, len), len, MAX_HEAD, &req), len);
	ck_assert_uint_eq(req.num_headers, HTTP_MAX_HEADERS);
	assert_str(req.headers[HTTP_MAX_HEADERS - 1].value, "v");
}
END_TEST

START_TEST(too_many_headers)
{
	char raw[4096];
	size_t len = make_head(raw, sizeof(raw), HTTP_MAX_HEADERS + 1);
	struct http_request req;

	ck_assert_int_eq(http_parse_request(at_guard(raw, len), len, MAX_HEAD, &req), TH_ERROR);
	ck_assert_int_eq(req.status, 431);
	ck_assert_str_eq(req.error, "too many header fields");
}
END_TEST

START_TEST(head_exactly_max_head)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY";
	size_t head = sizeof(raw) - 1 - 4;
	struct http_request req;

	/* Bytes beyond max_head are never looked at once the head has ended within it. */
	ck_assert_int_eq(http_parse_request(at_guard(raw, head + 4), head + 4, head, &req), head);
	ck_assert_int_eq(http_parse_request(at_guard(raw, head), head, head, &req), head);
	/* Below the limit an incomplete head is a wait, not an error. */
	ck_assert_int_eq(http_parse_request(at_guard(raw, head - 1), head - 1, head, &req), TH_AGAIN);
	ck_assert_int_eq(http_parse_request(at_guard(raw, 10), 10, 16, &req), TH_AGAIN);
}
END_TEST

/* ---- chunked bodies ---- */

struct chunked_case {
	const char *raw;
	const char *data; /* the decoded body */
	size_t rest;      /* raw bytes after the body */
};

static const struct chunked_case chunked_cases[] = {
	{ "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", 0 },
	{ "0\r\n\r\n", "", 0 },
	{ "5\nhello\n0\n\n", "hello", 0 },
	{ "000A\r\n0123456789\r\na\r\nabcdefghij\r\n0000\r\n\r\n", "0123456789abcdefghij", 0 },
	{ "5;name\r\nhello\r\n5 ; a=b ;c = \"q;\\\"x\" \r\nworld\r\n0;last;x=\"\"\r\n\r\n", "helloworld", 0 },
	{ "1;a=b;c\t=\td\r\nx\r\n0\r\n\r\n", "x", 0 },
	{ "3\r\nabc\r\n0\r\nX-Sum: 1\r\nEmpty:\r\nY:  v \xc3\xa9 \r\n\r\n", "abc", 0 },
	{ "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "abc", 16 },
	{ "3\nabc\n0\nT: x\n\nPOST", "abc", 4 },
	{ "2\r\n\r\n\r\n0\r\n\r\n", "\r\n", 0 },
};

START_TEST(chunked_whole)
{
	const struct chunked_case *c = &chunked_cases[_i];
	size_t rawlen = strlen(c->raw), len = rawlen;
	struct http_chunked dec = { 0 };
	char *buf = at_guard(c->raw, rawlen);

	ck_assert_int_eq(http_decode_chunked(&dec, buf, &len), c->rest);
	ck_assert_uint_eq(len, strlen(c->data));
	ck_assert_mem_eq(buf, c->data, len);
	ck_assert_mem_eq(buf + len, c->raw + rawlen - c->rest, c->rest);
}
END_TEST

START_TEST(chunked_byte_at_a_time)
{
	const struct chunked_case *c = &chunked_cases[_i];
	size_t rawlen = strlen(c->raw), body = rawlen - c->rest, got = 0, i;
	struct http_chunked dec = { 0 };
	char out[256];
	ssize_t r = TH_AGAIN;

	for (i = 0; i < body; i++) {
		char *buf = at_guard(c->raw + i, 1);
		size_t len = 1;

		ck_assert_int_eq(r, TH_AGAIN);
		r = http_decode_chunked(&dec, buf, &len);
		ck_assert_uint_le(len, 1);
		memcpy(out + got, buf, len);
		got += len;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(got, strlen(c->data));
	ck_assert_mem_eq(out, c->data, got);
}
END_TEST

/* Two calls split at every position: the second call sees only the bytes the first did not have. */
START_TEST(chunked_split_every_byte)
{
	const struct chunked_case *c = &chunked_cases[_i];
	size_t rawlen = strlen(c->raw), body = rawlen - c->rest, k;

	for (k = 0; k <= rawlen; k++) {
		struct http_chunked dec = { 0 };
		char out[256];
		size_t len = k, got;
		char *buf = at_guard(c->raw, k);
		ssize_t r = http_decode_chunked(&dec, buf, &len);

		memcpy(out, buf, len);
		got = len;
		if (k < body) {
			ck_assert_int_eq(r, TH_AGAIN);
			len = rawlen - k;
			buf = at_guard(c->raw + k, len);
			r = http_decode_chunked(&dec, buf, &len);
			memcpy(out + got, buf, len);
			got += len;
		}
		ck_assert_int_eq(r, rawlen - k > c->rest ? (ssize_t)c->rest : (ssize_t)(k - body));
		ck_assert_uint_eq(got, strlen(c->data));
		ck_assert_mem_eq(out, c->data, got);
	}
}
END_TEST

START_TEST(chunked_large_chunk_in_pieces)
{
	static char raw[8192], want[4096];
	struct http_chunked dec = { 0 };
	size_t rawlen, off, got = 0;
	ssize_t r = TH_AGAIN;

	memset(want, 'z', sizeof(want));
	rawlen = (size_t)snprintf(raw, sizeof(raw), "1000\r\n%.*s\r\n0\r\n\r\n", (int)sizeof(want), want);
	for (off = 0; off < rawlen; off += 7) {
		size_t len = rawlen - off < 7 ? rawlen - off : 7;
		char *buf = at_guard(raw + off, len);

		ck_assert_int_eq(r, TH_AGAIN);
		r = http_decode_chunked(&dec, buf, &len);
		ck_assert_mem_eq(buf, want, len);
		got += len;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(got, sizeof(want));
}
END_TEST

static const char *const bad_chunked[] = {
	"\r\n",
	"\n",
	";x\r\n",
	"g\r\n",
	"-1\r\n",
	"+1\r\n",
	"0x5\r\n",
	" 5\r\n",
	"5 \r\n",
	"5\t\r\n",
	"8000000000000000\r\n",
	"10000000000000000\r\n",
	"00000000000000000000000000000000000000000fffffffffffffffffff\r\n",
	"5\rX",
	"5\r\nhelloX\r\n0\r\n\r\n",
	"5\r\nhello\rX",
	"5\r\nhello0\r\n\r\n",
	"5\r\nhello\r\n\r\n",
	"5;\r\nhello\r\n0\r\n\r\n",
	"5;=v\r\nhello\r\n",
	"5;a=\r\nhello\r\n",
	"5;a b\r\nhello\r\n",
	"5;a=b c\r\nhello\r\n",
	"5;a=\"unterminated\r\nhello\r\n",
	"5;a=\"\x01\"\r\nhello\r\n",
	"5;a\x01\r\nhello\r\n",
	"5;a\rb\r\nhello\r\n",
	"5;a=(b)\r\nhello\r\n",
	"0\r\nBad Name: x\r\n\r\n",
	"0\r\n: x\r\n\r\n",
	"0\r\nNoColon\r\n\r\n",
	"0\r\nA : b\r\n\r\n",
	"0\r\nA: b\r\n c\r\n\r\n",
	"0\r\n\tA: b\r\n\r\n",
	"0\r\nA: \x01\r\n\r\n",
	"0\r\nA: \x7f\r\n\r\n",
	"0\r\nA: b\rX\r\n\r\n",
	"0\r\n\rX",
};

START_TEST(chunked_bad_whole)
{
	const char *raw = bad_chunked[_i];
	size_t len = strlen(raw);
	struct http_chunked dec = { 0 };

	ck_assert_msg(http_decode_chunked(&dec, at_guard(raw, len), &len) == TH_ERROR, "case %d", _i);
}
END_TEST

START_TEST(chunked_bad_byte_at_a_time)
{
	const char *raw = bad_chunked[_i];
	size_t rawlen = strlen(raw), i;
	struct http_chunked dec = { 0 };
	ssize_t r = TH_AGAIN;

	for (i = 0; i < rawlen && r == TH_AGAIN; i++) {
		size_t len = 1;

		r = http_decode_chunked(&dec, at_guard(raw + i, 1), &len);
	}
	ck_assert_msg(r == TH_ERROR, "case %d: got %zd", _i, r);
}
END_TEST

/* Builds "5;" followed by ext_bytes - 1 bytes of extension name, then a valid rest of the body. */
static size_t
make_ext(char *buf, size_t cap, size_t ext_bytes)
{
	size_t len = (size_t)snprintf(buf, cap, "5;");

	ck_assert_uint_lt(len + ext_bytes + 32, cap);
	memset(buf + len, 'e', ext_bytes - 1);
	len += ext_bytes - 1;
	len += (size_t)snprintf(buf + len, cap - len, "\r\nhello\r\n0\r\n\r\n");
	return len;
}

START_TEST(chunked_extension_bound)
{
	static char raw[8192];
	struct http_chunked dec = { 0 };
	size_t len;

	/* 4096 bytes from ';' to the line end are fine; one more is not. */
	len = make_ext(raw, sizeof(raw), 4096);
	ck_assert_int_eq(http_decode_chunked(&dec, at_guard(raw, len), &len), 0);
	ck_assert_uint_eq(len, 5);

	memset(&dec, 0, sizeof(dec));
	len = make_ext(raw, sizeof(raw), 4097);
	ck_assert_int_eq(http_decode_chunked(&dec, at_guard(raw, len), &len), TH_ERROR);
}
END_TEST

START_TEST(chunked_extension_bound_per_line)
{
	static char raw[16384];
	struct http_chunked dec = { 0 };
	size_t len;

	/* Two lines of 4096 extension bytes each: the bound is per line, not per body. */
	len = make_ext(raw, sizeof(raw), 4096);
	len -= 5; /* drop "0\r\n\r\n" */
	len += make_ext(raw + len, sizeof(raw) - len, 4096);
	ck_assert_int_eq(http_decode_chunked(&dec, at_guard(raw, len), &len), 0);
	ck_assert_uint_eq(len, 10);
}
END_TEST

/* Builds a last chunk with one trailer line so that the trailer section is trailer_bytes long. */
static size_t
make_trailer(char *buf, size_t cap, size_t trailer_bytes)
{
	size_t len = (size_t)snprintf(buf, cap, "0\r\nX: ");
	size_t fill = trailer_bytes - strlen("X: \r\n\r\n");

	ck_assert_uint_lt(len + fill + 8, cap);
	memset(buf + len, 't', fill);
	len += fill;
	len += (size_t)snprintf(buf + len, cap - len, "\r\n\r\n");
	return len;
}

START_TEST(chunked_trailer_bound)
{
	static char raw[16384];
	struct http_chunked dec = { 0 };
	size_t len;

	len = make_trailer(raw, sizeof(raw), 8192);
	ck_assert_int_eq(http_decode_chunked(&dec, at_guard(raw, len), &len), 0);
	ck_assert_uint_eq(len, 0);

	memset(&dec, 0, sizeof(dec));
	len = make_trailer(raw, sizeof(raw), 8193);
	ck_assert_int_eq(http_decode_chunked(&dec, at_guard(raw, len), &len), TH_ERROR);
}
END_TEST

START_TEST(chunked_largest_size)
{
	static const char raw[] = "7fffffffffffffff\r\nabc";
	struct http_chunked dec = { 0 };
	size_t len = sizeof(raw) - 1;

	ck_assert_int_eq(http_decode_chunked(&dec, at_guard(raw, len), &len), TH_AGAIN);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(dec.remaining, INT64_MAX - 3);
}
END_TEST

/* ---- methods ---- */

static const struct {
	const char *method;
	bool known;
} method_cases[] = {
	{ "GET", true },    { "HEAD", true },      { "POST", true },    { "PUT", true },
	{ "DELETE", true }, { "PATCH", true },     { "OPTIONS", true }, { "get", false },
	{ "Get", false },   { "FOO", false },      { "TRACE", false },  { "CONNECT", false },
	{ "PRI", false },   { "M-SEARCH", false }, { "GETS", false },   { "GE", false },
	{ "", false },      { "OPTIONS ", false },
};

START_TEST(method_known)
{
	struct str m = { method_cases[_i].method, strlen(method_cases[_i].method) };

	ck_assert_msg(http_method_known(m) == method_cases[_i].known, "\"%s\"", method_cases[_i].method);
}
END_TEST

/* Compared by length too: a prefix or an extension of a known method is not one. */
START_TEST(method_known_by_length)
{
	ck_assert(!http_method_known((struct str){ "GETX", 2 }));
	ck_assert(http_method_known((struct str){ "GETX", 3 }));
	ck_assert(!http_method_known((struct str){ "GETX", 4 }));
}
END_TEST

/*
 * The list routes and Allow headers come from: distinct, with GET and HEAD among them, which every server
 * must support (RFC 9110 section 9.1).
 */
START_TEST(method_list)
{
	bool get = false, head = false;
	size_t i, j;

	for (i = 0; http_methods[i] != NULL; i++) {
		ck_assert(http_method_known((struct str){ http_methods[i], strlen(http_methods[i]) }));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(http_methods[i], http_methods[j]);
		get = get || strcmp(http_methods[i], "GET") == 0;
		head = head || strcmp(http_methods[i], "HEAD") == 0;
	}
	ck_assert(get && head);
}
END_TEST

#define LOOP(tc, fn, table) tcase_add_loop_test(tc, fn, 0, (int)(sizeof(table) / sizeof((table)[0])))

static Suite *
http_parser_suite(void)
{
	Suite *s = suite_create("http_parser");
	TCase *tc;

	tc = tcase_create("valid");
	LOOP(tc, valid_whole, valid_cases);
	LOOP(tc, valid_split_every_byte, valid_cases);
	tcase_add_test(tc, header_values_trimmed);
	tcase_add_test(tc, target_kept_as_sent);
	LOOP(tc, authority_of_target, authority_cases);
	tcase_add_test(tc, body_bytes_not_part_of_head);
	tcase_add_test(tc, max_headers_accepted);
	tcase_add_test(tc, head_exactly_max_head);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	LOOP(tc, bad_whole, bad_cases);
	LOOP(tc, bad_every_prefix, bad_cases);
	LOOP(tc, limit_whole, limit_cases);
	LOOP(tc, limit_every_prefix, limit_cases);
	tcase_add_test(tc, too_many_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("methods");
	LOOP(tc, method_known, method_cases);
	tcase_add_test(tc, method_known_by_length);
	tcase_add_test(tc, method_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunked");
	LOOP(tc, chunked_whole, chunked_cases);
	LOOP(tc, chunked_byte_at_a_time, chunked_cases);
	LOOP(tc, chunked_split_every_byte, chunked_cases);
	tcase_add_test(tc, chunked_large_chunk_in_pieces);
	tcase_add_test(tc, chunked_largest_size);
	LOOP(tc, chunked_bad_whole, bad_chunked);
	LOOP(tc, chunked_bad_byte_at_a_time, bad_chunked);
	tcase_add_test(tc, chunked_extension_bound);
	tcase_add_test(tc, chunked_extension_bound_per_line);
	tcase_add_test(tc, chunked_trailer_bound);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	int status;

	guard_init();
	status = check_run(http_parser_suite());
	guard_free();
	return status;
}
