/* SPDX-License-Identifier: ISC */
/*
 * check_static.c: integration tests of static files over real sockets: validators, 304 and 412, byte
 * ranges and multipart answers, If-Range, precompressed variants; and the same requests sent to nginx,
 * when it is installed, whose decisions must be ours.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

#define NGINX "/usr/sbin/nginx"

#define SMALL_SIZE 1000  /* copied after the head, from the file cache */
#define BIG_SIZE   40000 /* sent with sendfile() */
#define OLD_DATE   "Sat, 01 Jan 2000 00:00:00 GMT"
#define NEW_DATE   "Fri, 01 Jan 2100 00:00:00 GMT"
#define MTIME      1600000000 /* Sun, 13 Sep 2020 12:26:40 GMT: every file's, unless said otherwise */

static struct server srv;
static char root[64];

/* The files of the root: name, size, and modification time relative to MTIME. */
static const struct {
	const char *name;
	size_t size;
	int age;
} files[] = {
	{ "small.txt", SMALL_SIZE, 0 },
	{ "big.bin", BIG_SIZE, 0 },
	{ "app.js", 3000, 0 },
	{ "app.js.br", 700, 10 },
	{ "app.js.gz", 900, 10 },
	/* The .br is older than the file, so stale; the .gz is not. */
	{ "old.css", 2000, 0 },
	{ "old.css.br", 500, -10 },
	{ "old.css.gz", 600, 0 },
	/* A variant without its file. */
	{ "only.txt.gz", 100, 0 },
};

/* The content of a file: bytes that differ from offset to offset and from file to file. */
static char
byte_at(const char *name, size_t i)
{
	return (char)(i * 31 + i / 251 + strlen(name) * 7);
}

static void
make_root(void)
{
	char path[128], *data;
	struct timespec times[2];
	size_t i, k;
	int fd;

	snprintf(root, sizeof(root), "/tmp/tinyhttpd-static.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i].name);
		ck_assert_ptr_nonnull(data = malloc(files[i].size));
		for (k = 0; k < files[i].size; k++)
			data[k] = byte_at(files[i].name, k);
		ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
		ck_assert_int_eq(write(fd, data, files[i].size), (ssize_t)files[i].size);
		times[0] = times[1] = (struct timespec){ MTIME + files[i].age, 0 };
		ck_assert_int_eq(futimens(fd, times), 0);
		ck_assert_int_eq(close(fd), 0);
		free(data);
	}
}

static size_t
file_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(files[i].name, name) == 0)
			return i;
	ck_abort_msg("no file %s", name);
	return 0;
}

static size_t
size_of(const char *name)
{
	return files[file_index(name)].size;
}

/* The Last-Modified of name, into date[64]; the program runs in the C locale, so strftime's names are
 * English. */
static const char *
last_modified_of(const char *name, char *date)
{
	time_t t = MTIME + files[file_index(name)].age;
	struct tm tm;

	ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
	ck_assert_uint_gt(strftime(date, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm), 0);
	return date;
}

/* Whether body[0..len) is bytes first..first+len of the file name. */
static bool
is_part_of(const char *name, const char *body, size_t first, size_t len)
{
	size_t k;

	for (k = 0; k < len; k++)
		if (body[k] != byte_at(name, first + k))
			return false;
	return true;
}

/*
 * One request on its own connection; HEAD is read without a body. headers are extra header lines, each
 * ending in CRLF.
 */
static void
request(int port, const char *method, const char *path, const char *headers, struct resp *r)
{
	static struct client c;
	char raw[2048];

	snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n", method, path, headers);
	ck_assert_int_eq(itest_connect(&c, port), 0);
	c.head_request = strcmp(method, "HEAD") == 0;
	itest_sends(&c, raw);
	ck_assert_msg(itest_read(&c, r, 10000) == 0, "no answer to %s", raw);
	itest_close(&c);
}

/* headers with @ETAG@ and @LM@ replaced by etag and last_modified, into out[cap]. */
static void
fill_in(const char *headers, const char *etag, const char *last_modified, char *out, size_t cap)
{
	size_t len = 0;
	const char *p;

	for (p = headers; *p != '\0' && len + 1 < cap;) {
		if (strncmp(p, "@ETAG@", 6) == 0) {
			len += (size_t)snprintf(out + len, cap - len, "%s", etag);
			p += 6;
		} else if (strncmp(p, "@LM@", 4) == 0) {
			len += (size_t)snprintf(out + len, cap - len, "%s", last_modified);
			p += 4;
		} else {
			out[len++] = *p++;
		}
	}
	ck_assert_uint_lt(len + 1, cap);
	out[len] = '\0';
}

/* The Accept-Encoding line of headers, whole, or "": what selects the representation the ETag is of. */
static void
accept_line(const char *headers, char *out, size_t cap)
{
	const char *p = strstr(headers, "Accept-Encoding:"), *end;

	*out = '\0';
	if (p != NULL && (end = strstr(p, "\r\n")) != NULL)
		snprintf(out, cap, "%.*s", (int)(end + 2 - p), p);
}

/*
 * Asks port for path with headers, where @ETAG@ and @LM@ stand for that server's own validators of the
 * representation the same request without conditions gets, fetched first.
 */
static void
ask(int port, const char *method, const char *path, const char *headers, struct resp *r)
{
	char ae[256], filled[1024], etag[256] = "", lm[64] = "";
	const char *v;

	if (strchr(headers, '@') != NULL) {
		accept_line(headers, ae, sizeof(ae));
		request(port, "GET", path, ae, r);
		ck_assert_int_eq(r->status, 200);
		ck_assert_ptr_nonnull(v = itest_header(r, "ETag"));
		snprintf(etag, sizeof(etag), "%s", v);
		ck_assert_ptr_nonnull(v = itest_header(r, "Last-Modified"));
		snprintf(lm, sizeof(lm), "%s", v);
	}
	fill_in(headers, etag, lm, filled, sizeof(filled));
	request(port, method, path, filled, r);
}

/*
 * A multipart/byteranges body: its parts, each with its Content-Range, must be the ranges of want
 * ("0-9,100-109") of the file name, in that order, and nothing else.
 */
static void
check_parts(const struct resp *r, const char *name, const char *want)
{
	const char *type = itest_header(r, "Content-Type"), *p = r->body, *end = r->body + r->body_len, *eol;
	char boundary[80], delim[96], cr[96];
	size_t first, last, n = 0;
	int used;

	ck_assert_ptr_nonnull(type);
	ck_assert_msg(sscanf(type, "multipart/byteranges; boundary=%79s", boundary) == 1, "type %s", type);
	snprintf(delim, sizeof(delim), "--%s", boundary);
	while (sscanf(want, "%zu-%zu%n", &first, &last, &used) == 2) {
		want += used + (want[used] == ',');
		/* CRLF (before the first delimiter it is optional preamble), the delimiter, the part's head
		 */
		ck_assert_ptr_nonnull(p = memmem(p, (size_t)(end - p), delim, strlen(delim)));
		p += strlen(delim);
		ck_assert(p + 2 <= end && memcmp(p, "\r\n", 2) == 0);
		snprintf(cr, sizeof(cr), "Content-Range: bytes %zu-%zu/%zu\r\n", first, last, size_of(name));
		ck_assert_ptr_nonnull(eol = memmem(p, (size_t)(end - p), "\r\n\r\n", 4));
		ck_assert_msg(memmem(p, (size_t)(eol + 2 - p), cr, strlen(cr)) != NULL, "part %zu: no %s", n,
		              cr);
		p = eol + 4;
		ck_assert(p + (last - first + 1) <= end);
		ck_assert_msg(is_part_of(name, p, first, last - first + 1), "part %zu of %s: wrong bytes", n,
		              name);
		p += last - first + 1;
		n++;
	}
	snprintf(cr, sizeof(cr), "\r\n--%s--", boundary);
	ck_assert_msg(p + strlen(cr) <= end && memcmp(p, cr, strlen(cr)) == 0, "no closing delimiter");
}

/*
 * What an answer must be. body: "" the whole file, "-" none of it (304, 412, 404), "*" a 416, "a-b" one
 * range, "a-b,c-d" a multipart answer with those parts. The file is the one whose bytes are sent, a variant's
 * included.
 */
static const struct static_case {
	const char *method;
	const char *path;
	const char *headers; /* @ETAG@ and @LM@: the server's own validators */
	int status;
	const char *file;
	const char *body;
	const char *encoding; /* Content-Encoding, NULL for none */
	bool vary;
} cases[] = {
	/* Validators, and both copy paths: a small file and a large one. */
	{ "GET", "/s/small.txt", "", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/big.bin", "", 200, "big.bin", "", NULL, false },
	{ "HEAD", "/s/small.txt", "", 200, "small.txt", "", NULL, false },
	{ "HEAD", "/s/big.bin", "", 200, "big.bin", "", NULL, false },
	{ "GET", "/file", "", 200, "small.txt", "", NULL, false },
	/* If-None-Match: weak comparison, lists, "*"; it wins over If-Modified-Since. */
	{ "GET", "/s/small.txt", "If-None-Match: @ETAG@\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/s/big.bin", "If-None-Match: @ETAG@\r\n", 304, "big.bin", "-", NULL, false },
	{ "HEAD", "/s/small.txt", "If-None-Match: @ETAG@\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/file", "If-None-Match: @ETAG@\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-None-Match: \"x\", W/@ETAG@\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-None-Match: *\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-None-Match: \"x\"\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "If-None-Match: \"x\"\r\nIf-Modified-Since: @LM@\r\n", 200, "small.txt", "",
	  NULL, false },
	/* If-Modified-Since: the same date or a later one; an unreadable one is ignored. */
	{ "GET", "/s/small.txt", "If-Modified-Since: @LM@\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-Modified-Since: " NEW_DATE "\r\n", 304, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-Modified-Since: " OLD_DATE "\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "If-Modified-Since: Sunday, 13-Sep-20 12:26:40 GMT\r\n", 304, "small.txt",
	  "-", NULL, false },
	{ "GET", "/s/small.txt", "If-Modified-Since: Sun Sep 13 12:26:40 2020\r\n", 304, "small.txt", "-",
	  NULL, false },
	{ "GET", "/s/small.txt", "If-Modified-Since: yesterday\r\n", 200, "small.txt", "", NULL, false },
	/* If-Match compares strongly; If-Unmodified-Since counts only without it. */
	{ "GET", "/s/small.txt", "If-Match: @ETAG@\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "If-Match: *\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "If-Match: \"x\"\r\n", 412, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-Match: W/@ETAG@\r\n", 412, "small.txt", "-", NULL, false },
	{ "GET", "/s/small.txt", "If-Unmodified-Since: " OLD_DATE "\r\n", 412, "small.txt", "-", NULL,
	  false },
	{ "GET", "/s/small.txt", "If-Unmodified-Since: @LM@\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "If-Match: @ETAG@\r\nIf-Unmodified-Since: " OLD_DATE "\r\n", 200,
	  "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "If-Match: \"x\"\r\nIf-None-Match: @ETAG@\r\n", 412, "small.txt", "-", NULL,
	  false },
	/* One range, of each form, from the cache's copy and from sendfile at an offset. */
	{ "GET", "/s/small.txt", "Range: bytes=0-99\r\n", 206, "small.txt", "0-99", NULL, false },
	{ "GET", "/s/small.txt", "Range: bytes=-100\r\n", 206, "small.txt", "900-999", NULL, false },
	{ "GET", "/s/small.txt", "Range: bytes=990-\r\n", 206, "small.txt", "990-999", NULL, false },
	{ "GET", "/s/small.txt", "Range: bytes=990-5000\r\n", 206, "small.txt", "990-999", NULL, false },
	{ "GET", "/s/big.bin", "Range: bytes=100-30099\r\n", 206, "big.bin", "100-30099", NULL, false },
	{ "GET", "/s/big.bin", "Range: bytes=39000-\r\n", 206, "big.bin", "39000-39999", NULL, false },
	{ "GET", "/file", "Range: bytes=1-1\r\n", 206, "small.txt", "1-1", NULL, false },
	{ "HEAD", "/s/big.bin", "Range: bytes=100-30099\r\n", 206, "big.bin", "100-30099", NULL, false },
	/* Overlapping or adjacent ranges are merged: one range is left. */
	{ "GET", "/s/small.txt", "Range: bytes=0-9,5-19\r\n", 206, "small.txt", "0-19", NULL, false },
	{ "GET", "/s/small.txt", "Range: bytes=20-29,0-19\r\n", 206, "small.txt", "0-29", NULL, false },
	/* Several, sorted, in a multipart body. */
	{ "GET", "/s/small.txt", "Range: bytes=500-509,0-9\r\n", 206, "small.txt", "0-9,500-509", NULL,
	  false },
	{ "GET", "/s/big.bin", "Range: bytes=0-0,-1,20000-20100\r\n", 206, "big.bin",
	  "0-0,20000-20100,39999-39999", NULL, false },
	{ "HEAD", "/s/big.bin", "Range: bytes=0-0,-1\r\n", 206, "big.bin", "0-0,39999-39999", NULL, false },
	/* Too fragmented to be worth it, too large a multipart body, too many, or not a valid Range. */
	{ "GET", "/s/small.txt", "Range: bytes=0-499,501-999\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/big.bin", "Range: bytes=0-29999,30001-39999\r\n", 200, "big.bin", "", NULL, false },
	{ "GET", "/s/small.txt",
	  "Range: "
	  "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30,"
	  "32-32\r\n",
	  200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "Range: items=0-9\r\n", 200, "small.txt", "", NULL, false },
	{ "GET", "/s/small.txt", "Range: bytes=9-0\r\n", 200, "small.txt", "", NULL, false },
	/* Unsatisfiable: 416 with the size. */
	{ "GET", "/s/small.txt", "Range: bytes=1000-\r\n", 416, "small.txt", "*", NULL, false },
	{ "GET", "/s/small.txt", "Range: bytes=-0\r\n", 416, "small.txt", "*", NULL, false },
	/* If-Range: the current ETag (strongly) or Last-Modified lets the range through. */
	{ "GET", "/s/small.txt", "If-Range: @ETAG@\r\nRange: bytes=0-9\r\n", 206, "small.txt", "0-9", NULL,
	  false },
	{ "GET", "/s/small.txt", "If-Range: @LM@\r\nRange: bytes=0-9\r\n", 206, "small.txt", "0-9", NULL,
	  false },
	{ "GET", "/s/small.txt", "If-Range: \"x\"\r\nRange: bytes=0-9\r\n", 200, "small.txt", "", NULL,
	  false },
	{ "GET", "/s/small.txt", "If-Range: W/@ETAG@\r\nRange: bytes=0-9\r\n", 200, "small.txt", "", NULL,
	  false },
	{ "GET", "/s/small.txt", "If-Range: " OLD_DATE "\r\nRange: bytes=0-9\r\n", 200, "small.txt", "", NULL,
	  false },
	/* Preconditions come before ranges. */
	{ "GET", "/s/small.txt", "If-None-Match: @ETAG@\r\nRange: bytes=0-9\r\n", 304, "small.txt", "-", NULL,
	  false },
	{ "GET", "/s/small.txt", "If-Match: \"x\"\r\nRange: bytes=0-9\r\n", 412, "small.txt", "-", NULL,
	  false },
	/* Precompressed: the best variant the client takes, not older than its file; ranges in its bytes. */
	{ "GET", "/p/app.js", "Accept-Encoding: gzip, deflate, br\r\n", 200, "app.js.br", "", "br", true },
	{ "GET", "/p/app.js", "Accept-Encoding: gzip\r\n", 200, "app.js.gz", "", "gzip", true },
	{ "GET", "/p/app.js", "Accept-Encoding: br;q=0, gzip\r\n", 200, "app.js.gz", "", "gzip", true },
	{ "GET", "/p/app.js", "Accept-Encoding: br;q=0.5, gzip;q=0.9\r\n", 200, "app.js.gz", "", "gzip",
	  true },
	{ "GET", "/p/app.js", "Accept-Encoding: identity\r\n", 200, "app.js", "", NULL, true },
	{ "GET", "/p/app.js", "", 200, "app.js", "", NULL, true },
	{ "HEAD", "/p/app.js", "Accept-Encoding: br\r\n", 200, "app.js.br", "", "br", true },
	{ "GET", "/p/app.js", "Accept-Encoding: br\r\nRange: bytes=0-9\r\n", 206, "app.js.br", "0-9", "br",
	  true },
	{ "GET", "/p/app.js", "Accept-Encoding: br\r\nIf-None-Match: @ETAG@\r\n", 304, "app.js.br", "-", NULL,
	  true },
	{ "GET", "/p/app.js", "Accept-Encoding: br\r\nIf-Match: \"x\"\r\n", 412, "app.js.br", "-", NULL,
	  true },
	{ "GET", "/p/app.js", "Accept-Encoding: br\r\nRange: bytes=5000-\r\n", 416, "app.js.br", "*", NULL,
	  true },
	{ "GET", "/p/old.css", "Accept-Encoding: br, gzip\r\n", 200, "old.css.gz", "", "gzip", true },
	{ "GET", "/p/old.css", "Accept-Encoding: br\r\n", 200, "old.css", "", NULL, true },
	{ "GET", "/pf", "Accept-Encoding: gzip\r\n", 200, "app.js.gz", "", "gzip", true },
	/* The file must exist; a route without precompressed sends none and says nothing of it. */
	{ "GET", "/p/only.txt", "Accept-Encoding: gzip\r\n", 404, NULL, "-", NULL, false },
	{ "GET", "/s/app.js", "Accept-Encoding: br, gzip\r\n", 200, "app.js", "", NULL, false },
};

/* Checks the answer r to c: status, headers and body. */
static void
check_answer(const struct static_case *c, const struct resp *r)
{
	const char *cl = itest_header(r, "Content-Length"), *v;
	unsigned long long length = cl != NULL ? strtoull(cl, NULL, 10) : 0;
	bool head = strcmp(c->method, "HEAD") == 0;
	size_t size = c->file != NULL ? size_of(c->file) : 0, first = 0, last = 0;
	char want[128];

	ck_assert_int_eq(r->status, c->status);
	v = itest_header(r, "Content-Encoding");
	if (c->encoding != NULL)
		ck_assert_msg(v != NULL && strcmp(v, c->encoding) == 0, "Content-Encoding %s",
		              v ? v : "none");
	else
		ck_assert_ptr_null(v);
	v = itest_header(r, "Vary");
	if (c->vary)
		ck_assert_msg(v != NULL && strcmp(v, "Accept-Encoding") == 0, "Vary %s", v ? v : "none");
	else
		ck_assert_ptr_null(v);
	/* The validators of what was sent: a variant's own. */
	if (c->status == 200 || c->status == 206 || c->status == 304) {
		ck_assert_ptr_nonnull(itest_header(r, "ETag"));
		ck_assert_str_eq(itest_header(r, "Last-Modified"), last_modified_of(c->file, want));
	}
	if (c->status == 200 || c->status == 206)
		ck_assert_str_eq(itest_header(r, "Accept-Ranges"), "bytes");
	if (strcmp(c->body, "-") == 0) {
		/* A 304 has no body, nor a length for one; a 412 or a 404 says why in a text. */
		if (c->status == 304)
			ck_assert(r->body_len == 0 && cl == NULL);
		return;
	}
	if (strcmp(c->body, "*") == 0) {
		snprintf(want, sizeof(want), "bytes */%zu", size);
		ck_assert_str_eq(itest_header(r, "Content-Range"), want);
		return;
	}
	ck_assert_ptr_nonnull(cl);
	if (strchr(c->body, ',') != NULL) {
		ck_assert_ptr_null(itest_header(r, "Content-Range"));
		if (!head)
			check_parts(r, c->file, c->body);
		return;
	}
	if (c->body[0] == '\0') {
		ck_assert_ptr_null(itest_header(r, "Content-Range"));
		last = size - 1;
	} else {
		ck_assert_int_eq(sscanf(c->body, "%zu-%zu", &first, &last), 2);
		snprintf(want, sizeof(want), "bytes %zu-%zu/%zu", first, last, size);
		ck_assert_str_eq(itest_header(r, "Content-Range"), want);
	}
	ck_assert_uint_eq(length, last - first + 1);
	if (head) {
		ck_assert_uint_eq(r->body_len, 0);
		return;
	}
	ck_assert_uint_eq(r->body_len, last - first + 1);
	ck_assert_msg(is_part_of(c->file, r->body, first, last - first + 1), "wrong bytes of %s", c->file);
}

static void
start_server(void)
{
	char routes[1024];

	make_root();
	snprintf(routes, sizeof(routes),
	         "{ prefix = \"/s/\"; root = \"%s\"; },\n"
	         "{ prefix = \"/p/\"; root = \"%s\"; precompressed = true; },\n"
	         "{ path = \"/file\"; file = \"%s/small.txt\"; },\n"
	         "{ path = \"/pf\"; file = \"%s/app.js\"; precompressed = true; }",
	         root, root, root, root);
	itest_start(&srv, NULL, routes);
}

static void
stop_server(void)
{
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(root);
}

START_TEST(test_cases)
{
	struct resp *r = malloc(sizeof(*r));
	const struct static_case *c = &cases[_i];

	ck_assert_ptr_nonnull(r);
	ask(srv.port, c->method, c->path, c->headers, r);
	check_answer(c, r);
	/* Once more: the small files come from the file cache now. */
	ask(srv.port, c->method, c->path, c->headers, r);
	check_answer(c, r);
	free(r);
}
END_TEST

/* A file replaced (renamed over, as deploys do) gets a new ETag, and the old one no longer gives 304. */
START_TEST(test_replaced)
{
	struct resp *r = malloc(sizeof(*r));
	char etag[256], old[300], path[128], tmp[128];
	uint64_t start;
	FILE *f;

	ck_assert_ptr_nonnull(r);
	snprintf(path, sizeof(path), "%s/replaced.txt", root);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("old content\n", f);
	ck_assert_int_eq(fclose(f), 0);
	request(srv.port, "GET", "/s/replaced.txt", "", r);
	ck_assert_str_eq(r->body, "old content\n");
	snprintf(etag, sizeof(etag), "%s", itest_header(r, "ETag"));
	snprintf(old, sizeof(old), "If-None-Match: %s\r\n", etag);
	request(srv.port, "GET", "/s/replaced.txt", old, r);
	ck_assert_int_eq(r->status, 304);
	snprintf(tmp, sizeof(tmp), "%s/replaced.new", root);
	ck_assert_ptr_nonnull(f = fopen(tmp, "w"));
	fputs("new content\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
	/* Within the file cache's second, then for good. */
	for (start = itest_now();; usleep(20000)) {
		request(srv.port, "GET", "/s/replaced.txt", old, r);
		if (r->status == 200)
			break;
		ck_assert_int_eq(r->status, 304);
		ck_assert_uint_lt(itest_now() - start, 5000);
	}
	ck_assert_str_eq(r->body, "new content\n");
	ck_assert_str_ne(itest_header(r, "ETag"), etag);
	free(r);
}
END_TEST

/*
 * The same requests for the same files to nginx: status, Content-Range and Content-Length must agree,
 * and with them every 304/412 decision. Where the two differ by design, the row says so and what we
 * answer is checked instead. Multipart bodies differ in their boundaries, so only the status and the
 * type are compared there; a 416's body is each server's own text.
 */
static const struct diff_case {
	const char *path;
	const char *headers;
	int ours; /* 0: the same as nginx; else our status, where we differ on purpose */
	const char *why;
} diff_cases[] = {
	{ "/small.txt", "", 0, NULL },
	{ "/big.bin", "", 0, NULL },
	{ "/small.txt", "Range: bytes=0-99\r\n", 0, NULL },
	{ "/small.txt", "Range: bytes=-100\r\n", 0, NULL },
	{ "/small.txt", "Range: bytes=990-5000\r\n", 0, NULL },
	{ "/small.txt", "Range: bytes=1000-\r\n", 0, NULL },
	{ "/big.bin", "Range: bytes=100-30099\r\n", 0, NULL },
	{ "/big.bin", "Range: bytes=39000-\r\n", 0, NULL },
	{ "/big.bin", "Range: bytes=0-0,20000-20100\r\n", 0, NULL },
	{ "/small.txt", "Range: bytes=0-9,500-509\r\n", 0, NULL },
	{ "/small.txt",
	  "Range: "
	  "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30,"
	  "32-32\r\n",
	  0, NULL },
	{ "/small.txt", "Range: bytes=0-9,5-19\r\n", 206,
	  "overlapping ranges merged into one, not two parts" },
	{ "/small.txt", "Range: bytes=9-0\r\n", 200,
	  "a last before its first: ignored (RFC 9110 14.2), not 416" },
	{ "/small.txt", "Range: bytes=0-499,501-999\r\n", 200, "parts as large as the file: the whole file" },
	{ "/small.txt", "If-None-Match: @ETAG@\r\n", 0, NULL },
	{ "/small.txt", "If-None-Match: W/@ETAG@\r\n", 0, NULL },
	{ "/small.txt", "If-None-Match: \"x\", @ETAG@\r\n", 0, NULL },
	{ "/small.txt", "If-None-Match: \"x\"\r\n", 0, NULL },
	{ "/small.txt", "If-None-Match: *\r\n", 0, NULL },
	{ "/small.txt", "If-Modified-Since: @LM@\r\n", 0, NULL },
	{ "/small.txt", "If-Modified-Since: " OLD_DATE "\r\n", 0, NULL },
	{ "/small.txt", "If-Modified-Since: " NEW_DATE "\r\n", 0, NULL },
	{ "/small.txt", "If-None-Match: \"x\"\r\nIf-Modified-Since: @LM@\r\n", 0, NULL },
	{ "/small.txt", "If-Match: @ETAG@\r\n", 0, NULL },
	{ "/small.txt", "If-Match: \"x\"\r\n", 0, NULL },
	{ "/small.txt", "If-Match: W/@ETAG@\r\n", 0, NULL },
	{ "/small.txt", "If-Unmodified-Since: " OLD_DATE "\r\n", 0, NULL },
	{ "/small.txt", "If-Unmodified-Since: @LM@\r\n", 0, NULL },
	{ "/small.txt", "If-Range: @ETAG@\r\nRange: bytes=0-9\r\n", 0, NULL },
	{ "/small.txt", "If-Range: @LM@\r\nRange: bytes=0-9\r\n", 0, NULL },
	{ "/small.txt", "If-Range: \"x\"\r\nRange: bytes=0-9\r\n", 0, NULL },
	{ "/small.txt", "If-Range: " OLD_DATE "\r\nRange: bytes=0-9\r\n", 0, NULL },
	{ "/small.txt", "If-None-Match: @ETAG@\r\nRange: bytes=0-9\r\n", 0, NULL },
	{ "/small.txt", "If-Match: \"x\"\r\nRange: bytes=0-9\r\n", 0, NULL },
};

static pid_t nginx_pid;
static int nginx_port;
static char nginx_dir[64];

/* nginx in the foreground, one process, everything it writes in its own temporary directory. */
static void
start_nginx(void)
{
	char conf[128], text[2048];
	uint64_t start;
	FILE *f;

	snprintf(nginx_dir, sizeof(nginx_dir), "/tmp/tinyhttpd-nginx.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(nginx_dir));
	nginx_port = itest_free_port();
	snprintf(text, sizeof(text),
	         "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
	         "error_log %s/error.log;\nevents { worker_connections 64; }\n"
	         "http {\n  access_log off;\n  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
	         "  fastcgi_temp_path %s/fastcgi;\n  uwsgi_temp_path %s/uwsgi;\n  scgi_temp_path %s/scgi;\n"
	         "  server {\n    listen 127.0.0.1:%d;\n    root %s;\n    etag on;\n"
	         "    if_modified_since before;\n    max_ranges 16;\n  }\n}\n",
	         nginx_dir, nginx_dir, nginx_dir, nginx_dir, nginx_dir, nginx_dir, nginx_dir, nginx_port,
	         root);
	snprintf(conf, sizeof(conf), "%s/nginx.conf", nginx_dir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_ne(nginx_pid = fork(), -1);
	if (nginx_pid == 0) {
		/* A test that fails halfway does not get to stop it: it goes with the test's process. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			_exit(126);
		execl(NGINX, "nginx", "-p", nginx_dir, "-e", "stderr", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (start = itest_now(); !itest_answers(nginx_port); usleep(20000))
		ck_assert_msg(itest_now() - start < 10000 && waitpid(nginx_pid, NULL, WNOHANG) == 0,
		              "nginx did not start; its config is %s", conf);
}

static void
stop_nginx(void)
{
	int status;

	ck_assert_int_eq(kill(nginx_pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(nginx_pid, &status, 0), nginx_pid);
	itest_remove_tree(nginx_dir);
}

/* Header lines on one line of the table: "A: 1 | B: 2", into out[cap]. */
static const char *
one_line(const char *headers, char *out, size_t cap)
{
	size_t len = 0;

	for (; *headers != '\0' && len + 4 < cap; headers++) {
		if (headers[0] == '\r' && headers[1] == '\n') {
			headers++;
			if (headers[1] != '\0')
				len += (size_t)snprintf(out + len, cap - len, " | ");
			continue;
		}
		out[len++] = *headers;
	}
	out[len] = '\0';
	return out;
}

/* A header's value, or "-" when it is absent, into out[cap]. */
static const char *
header_or_dash(const struct resp *r, const char *name, char *out, size_t cap)
{
	const char *v = itest_header(r, name);

	snprintf(out, cap, "%s", v != NULL ? v : "-");
	return out;
}

START_TEST(test_nginx_diff)
{
	struct resp *ng = malloc(sizeof(*ng)), *us = malloc(sizeof(*us));
	char path[64], ng_cr[64], us_cr[64], ng_cl[32], us_cl[32], line[256];
	const struct diff_case *d;
	bool multipart;
	size_t i;

	if (access(NGINX, X_OK) != 0) {
		fprintf(stderr,
		        "test_nginx_diff: skipped: %s is not installed (Debian: apt-get install nginx)\n",
		        NGINX);
		free(ng);
		free(us);
		return;
	}
	ck_assert(ng != NULL && us != NULL);
	start_nginx();
	fprintf(stderr, "%-9s %-58s %-7s %-7s %-26s %-26s %-7s %-7s\n", "file", "request headers", "nginx",
	        "ours", "nginx Content-Range", "our Content-Range", "nginx CL", "our CL");
	for (i = 0; i < sizeof(diff_cases) / sizeof(diff_cases[0]); i++) {
		d = &diff_cases[i];
		ask(nginx_port, "GET", d->path, d->headers, ng);
		snprintf(path, sizeof(path), "/s%s", d->path);
		ask(srv.port, "GET", path, d->headers, us);
		header_or_dash(ng, "Content-Range", ng_cr, sizeof(ng_cr));
		header_or_dash(us, "Content-Range", us_cr, sizeof(us_cr));
		header_or_dash(ng, "Content-Length", ng_cl, sizeof(ng_cl));
		header_or_dash(us, "Content-Length", us_cl, sizeof(us_cl));
		fprintf(stderr, "%-9s %-58.58s %-7d %-7d %-26s %-26s %-7s %-7s%s%s\n", d->path + 1,
		        one_line(d->headers, line, sizeof(line)), ng->status, us->status, ng_cr, us_cr, ng_cl,
		        us_cl, d->why ? "  differs: " : "", d->why ? d->why : "");
		if (d->ours != 0) {
			ck_assert_int_eq(us->status, d->ours);
			continue;
		}
		ck_assert_msg(ng->status == us->status, "%s %s: nginx %d, ours %d", d->path, d->headers,
		              ng->status, us->status);
		ck_assert_str_eq(ng_cr, us_cr);
		multipart = itest_header(us, "Content-Type") != NULL &&
		            strncmp(itest_header(us, "Content-Type"), "multipart/byteranges;", 21) == 0;
		if (multipart) {
			ck_assert_ptr_nonnull(itest_header(ng, "Content-Type"));
			ck_assert_int_eq(
			        strncmp(itest_header(ng, "Content-Type"), "multipart/byteranges;", 21), 0);
		} else if (us->status == 200 || us->status == 206) {
			/* The bodies of errors are each server's own text. */
			ck_assert_str_eq(ng_cl, us_cl);
		}
	}
	stop_nginx();
	free(ng);
	free(us);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("static");
	TCase *tc = tcase_create("integration");

	tcase_set_timeout(tc, 120);
	/* One server for every case: each runs in its own process, the server in the runner's. */
	tcase_add_unchecked_fixture(tc, start_server, stop_server);
	tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_nginx_diff);
	tcase_add_test(tc, test_replaced);
	suite_add_tcase(s, tc);
	return check_run(s);
}
