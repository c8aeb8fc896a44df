/* SPDX-License-Identifier: ISC */
/*
 * check_headers.c: integration tests of what the config adds to answers: media types by extension,
 * configured headers (server, host, route), server_tokens and error pages, over real sockets.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

#define PAGE_404 "<!DOCTYPE html>\n<title>lost</title>\n"
#define PAGE_400 "<!DOCTYPE html>\n<title>bad</title>\n"
#define PAGE_405 "not that way\n"

static struct server srv;
static struct client cl;
static struct resp rs;
static char tree[64];                /* the files the tests serve */
static char extra[1024], rest[4096]; /* what itest_start writes into the config */

static void
put_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", tree, name), (int)sizeof(path));
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	char sub[96];

	snprintf(tree, sizeof(tree), "/tmp/check_headers.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	snprintf(sub, sizeof(sub), "%s/www", tree);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	put_file("404.html", PAGE_404);
	put_file("400.html", PAGE_400);
	put_file("405.txt", PAGE_405);
}

static void
teardown(void)
{
	itest_remove_tree(tree);
}

/* fmt with the tree's path for every %1$s, into buf. */
static const char *
with_tree(char *buf, size_t cap, const char *fmt)
{
	ck_assert_int_lt(snprintf(buf, cap, fmt, tree), (int)cap);
	return buf;
}

#define REST(fmt)  with_tree(rest, sizeof(rest), fmt)
#define EXTRA(fmt) with_tree(extra, sizeof(extra), fmt)

/* One request on a fresh connection; asserts the status. */
static void
expect(const char *raw, int status)
{
	ck_assert_msg(itest_request(srv.port, raw, &rs) == 0, "no response to %s", raw);
	ck_assert_msg(rs.status == status, "%s: status %d, want %d", raw, rs.status, status);
}

static void
expect_header(const char *name, const char *want)
{
	const char *got = itest_header(&rs, name);

	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: %s, want none in\n%s", name, got, rs.head);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: %s, want %s in\n%s", name, got,
		              want, rs.head);
}

static const struct {
	const char *name, *type;
} files[] = {
	{ "v.mp4", "video/mp4" },
	{ "v.webm", "video/webm" },
	{ "i.avif", "image/avif" },
	{ "m.wasm", "application/x-test-wasm" }, /* types over the system's */
	{ "site.webmanifest", "application/manifest+json" },
	{ "a.zip", "application/zip" },
	{ "INDEX.HTML", "text/html; charset=utf-8" },
	{ "s.css", "text/css; charset=utf-8" },
	{ "d.json", "application/json" },
	{ "x.thing", "text/x-thing; charset=utf-8" },
	{ "no-extension", "application/octet-stream" },
};

/* Files under a root get their extension's type: the built-in table, /etc/mime.types, then types. */
START_TEST(test_types)
{
	char name[128], req[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(name, sizeof(name), "www/%s", files[i].name);
		put_file(name, "x");
	}
	itest_start(&srv, NULL,
	            REST("listen = ( { address = \"127.0.0.1\"; port = @PORT@; } );\n"
	                 "types = { wasm = \"application/x-test-wasm\"; thing = \"text/x-thing\"; };\n"
	                 "routes = ( { prefix = \"/\"; root = \"%1$s/www\"; } );\n"));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", files[i].name);
		expect(req, 200);
		expect_header("Content-Type", files[i].type);
	}
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* The server's, the host's and the route's headers, merged by name; every answer of the route gets them. */
START_TEST(test_headers)
{
	put_file("www/a.txt", "a\n");
	itest_start(
	        &srv,
	        "headers = { X-Content-Type-Options = \"nosniff\"; Cache-Control = \"no-cache\"; "
	        "X-Server = \"s\"; };",
	        REST("listen = ( { address = \"127.0.0.1\"; port = @PORT@; } );\n"
	             "hosts = ( { names = [ \"*\" ];\n"
	             "  headers = { cache-control = \"public, max-age=60\"; X-Host = \"h\"; };\n"
	             "  routes = (\n"
	             "    { prefix = \"/s/\"; root = \"%1$s/www\";\n"
	             "      headers = { Cache-Control = \"public, max-age=3600\"; X-Server = \"\"; }; },\n"
	             "    { path = \"/t\"; params = [ \"q\" ]; text = \"{q}\"; },\n"
	             "    { path = \"/r\"; redirect = \"/t\"; } ); } );\n"));
	/* A file of the route: the route's Cache-Control, X-Server removed, the rest inherited. */
	expect("GET /s/a.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200);
	expect_header("Cache-Control", "public, max-age=3600");
	expect_header("X-Content-Type-Options", "nosniff");
	expect_header("X-Host", "h");
	expect_header("X-Server", NULL);
	expect_header("Server", "tinyhttpd/" PACKAGE_VERSION);
	/* Its errors too. */
	expect("GET /s/none.txt HTTP/1.1\r\nHost: x\r\n\r\n", 404);
	expect_header("Cache-Control", "public, max-age=3600");
	expect_header("X-Server", NULL);
	/* Another route of the host: the host's over the server's. */
	expect("GET /t?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200);
	expect_header("Cache-Control", "public, max-age=60");
	expect_header("X-Server", "s");
	expect_header("X-Host", "h");
	expect("GET /t HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	expect_header("X-Host", "h");
	expect("GET /r HTTP/1.1\r\nHost: x\r\n\r\n", 302);
	expect_header("X-Host", "h");
	/* No route: the host's. */
	expect("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404);
	expect_header("Cache-Control", "public, max-age=60");
	expect_header("X-Host", "h");
	/* Before any host is known: the server's. */
	expect("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400);
	expect_header("Cache-Control", "no-cache");
	expect_header("X-Server", "s");
	expect_header("X-Host", NULL);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_server_tokens)
{
	itest_start(&srv, "server_tokens = false;", "{ path = \"/\"; text = \"x\"; }\n");
	expect("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200);
	expect_header("Server", "tinyhttpd");
	expect("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400);
	expect_header("Server", "tinyhttpd");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* A HEAD of path: the head of what GET would get, without its body. */
static void
expect_head(const char *path, int status)
{
	char req[256];

	snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	cl.head_request = true;
	itest_sends(&cl, req);
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_int_eq(rs.status, status);
	ck_assert_uint_eq(rs.body_len, 0);
	/* Nothing follows the head: the next bytes would be a second answer. */
	ck_assert_uint_eq(cl.len, 0);
	itest_close(&cl);
}

/* Error pages, the host's over the server's, with the original status, their own type and the headers. */
START_TEST(test_error_pages)
{
	char want[32];

	itest_start(&srv,
	            EXTRA("headers = { X-A = \"a\"; };\n"
	                  "  error_pages = ( { status = 404; file = \"%1$s/404.html\"; },\n"
	                  "    { status = 400; file = \"%1$s/400.html\"; } );"),
	            REST("listen = ( { address = \"127.0.0.1\"; port = @PORT@; } );\n"
	                 "hosts = ( { names = [ \"*\" ];\n"
	                 "  error_pages = ( { status = 405; file = \"%1$s/405.txt\"; } );\n"
	                 "  routes = (\n"
	                 "    { path = \"/t\"; params = [ \"q\" ]; text = \"{q}\"; },\n"
	                 "    { path = \"/teapot\"; text = \"mine\"; status = 404; },\n"
	                 "    { prefix = \"/s/\"; root = \"%1$s/www\"; } ); } );\n"));
	/* No route, and a missing file under a root. */
	expect("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404);
	ck_assert_str_eq(rs.body, PAGE_404);
	expect_header("Content-Type", "text/html; charset=utf-8");
	snprintf(want, sizeof(want), "%zu", strlen(PAGE_404));
	expect_header("Content-Length", want);
	expect_header("X-A", "a");
	expect("GET /s/none.html HTTP/1.1\r\nHost: x\r\n\r\n", 404);
	ck_assert_str_eq(rs.body, PAGE_404);
	/* A missing parameter. */
	expect("GET /t HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	ck_assert_str_eq(rs.body, PAGE_400);
	/* The host's own page, and the Allow a 405 needs. */
	expect("DELETE /t HTTP/1.1\r\nHost: x\r\n\r\n", 405);
	ck_assert_str_eq(rs.body, PAGE_405);
	expect_header("Content-Type", "text/plain; charset=utf-8");
	expect_header("Allow", "GET, HEAD, OPTIONS");
	/* A malformed request, before any host: the server's page. */
	expect("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400);
	ck_assert_str_eq(rs.body, PAGE_400);
	expect_header("X-A", "a");
	/* A status the route chose is its answer, not an error. */
	expect("GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n", 404);
	ck_assert_str_eq(rs.body, "mine");
	expect("GET /t HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n", 400);
	ck_assert_str_eq(rs.body, PAGE_400);
	expect("GET /s/../../x HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	ck_assert_str_eq(rs.body, PAGE_400);
	/* Without a page: the plain-text message. */
	expect("BREW /t HTTP/1.1\r\nHost: x\r\n\r\n", 501);
	ck_assert_str_eq(rs.body, "method not implemented\n");
	/* HEAD: the head alone, with the page's length. */
	expect_head("/nothing", 404);
	expect_header("Content-Length", want);
	expect_header("Content-Type", "text/html; charset=utf-8");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * The bundled demo: every link of its landing page works as it stands, with the seed routes, and its
 * error pages are what a missing file and a missing parameter get.
 */
START_TEST(test_demo)
{
	const char *top = getenv("TOP_SRCDIR") != NULL ? getenv("TOP_SRCDIR") : ".";
	char path[512], req[512], *page = NULL, *p, *end;
	size_t len = 0, links = 0;
	FILE *f;

	snprintf(extra, sizeof(extra),
	         "error_pages = ( { status = 404; file = \"%1$s/www/errors/404.html\"; },\n"
	         "    { status = 400; file = \"%1$s/www/errors/400.html\"; } );",
	         top);
	itest_start(&srv, extra, itest_seed_routes);
	snprintf(path, sizeof(path), "%s/www/index.html", top);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_int_gt(getdelim(&page, &len, '\0', f), 0);
	ck_assert_int_eq(fclose(f), 0);
	for (p = page; (p = strstr(p, "href=\"")) != NULL; p = end) {
		p += 6;
		ck_assert_ptr_nonnull(end = strchr(p, '"'));
		/* The one HTML escape the page's links use. */
		snprintf(req, sizeof(req), "GET %.*s HTTP/1.1\r\nHost: x\r\n\r\n", (int)(end - p), p);
		if ((p = strstr(req, "&amp;")) != NULL)
			memmove(p + 1, p + 5, strlen(p + 5) + 1);
		links++;
		if (strstr(req, "nothing-here") != NULL) {
			expect(req, 404);
			ck_assert_ptr_nonnull(strstr(rs.body, "<title>404 Not found</title>"));
			expect_header("Content-Type", "text/html; charset=utf-8");
		} else {
			expect(req, 200);
		}
	}
	free(page);
	ck_assert_uint_eq(links, 4);
	expect("GET /info?name=Tom&age=20 HTTP/1.1\r\nHost: x\r\n\r\n", 200);
	ck_assert_str_eq(rs.body, "hello, I'm Tom and 20 years old.");
	expect("GET /info HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	ck_assert_ptr_nonnull(strstr(rs.body, "<title>400 Bad request</title>"));
	itest_stop(&srv, SIGTERM);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("headers");
	TCase *tc = tcase_create("integration");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_server_tokens);
	tcase_add_test(tc, test_error_pages);
	tcase_add_test(tc, test_demo);
	suite_add_tcase(s, tc);
	return check_run(s);
}
