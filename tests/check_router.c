/* SPDX-License-Identifier: ISC */
/* check_router.c: unit tests for route matching: exact paths, prefixes, methods, HEAD, OPTIONS and Allow. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "router.h"

static struct route routes[] = {
	{ .kind = ROUTE_TEXT, .method = "GET", .path = "/hello" },
	{ .kind = ROUTE_TEXT, .method = "POST", .path = "/form" },
	{ .kind = ROUTE_FILE, .method = "GET", .path = "/form" },
	{ .kind = ROUTE_DIR, .prefix = true, .method = "GET", .path = "/static/" },
	{ .kind = ROUTE_DIR, .prefix = true, .method = "GET", .path = "/static/deep/" },
	{ .kind = ROUTE_DIR, .prefix = true, .method = "PUT", .path = "/static/" },
	{ .kind = ROUTE_DIR, .prefix = true, .method = "DELETE", .path = "/upload/" },
	{ .kind = ROUTE_REDIRECT, .method = "GET", .path = "/" },
	{ .kind = ROUTE_TEXT, .method = "HEAD", .path = "/only-head" },
	{ .kind = ROUTE_TEXT, .method = "DELETE", .path = "/hello/x" },
	{ .kind = ROUTE_TEXT, .method = "OPTIONS", .path = "/api" },
	{ .kind = ROUTE_TEXT, .method = "GET", .path = "/api" },
	{ .kind = ROUTE_DIR, .prefix = true, .method = "OPTIONS", .path = "/cors/" },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static struct router *r;

static void
setup(void)
{
	r = router_new(routes, NROUTES);
	ck_assert_ptr_nonnull(r);
}

static void
teardown(void)
{
	router_free(r);
}

static enum router_result
match(const char *method, const char *path, const struct route **rt, char *allow)
{
	*rt = NULL;
	return router_match(r, (struct str){ method, strlen(method) }, (struct str){ path, strlen(path) }, rt,
	                    allow, 64);
}

static const struct {
	const char *method, *path;
	enum router_result result;
	int route;         /* index in routes when found */
	const char *allow; /* when ROUTER_BAD_METHOD */
} cases[] = {
	{ "GET", "/hello", ROUTER_FOUND, 0, NULL },
	{ "HEAD", "/hello", ROUTER_FOUND, 0, NULL },
	{ "POST", "/hello", ROUTER_BAD_METHOD, 0, "GET, HEAD, OPTIONS" },
	{ "GET", "/hello/", ROUTER_NOT_FOUND, 0, NULL },
	{ "GET", "/hell", ROUTER_NOT_FOUND, 0, NULL },
	{ "GET", "/helloo", ROUTER_NOT_FOUND, 0, NULL },
	{ "get", "/hello", ROUTER_BAD_METHOD, 0, "GET, HEAD, OPTIONS" }, /* methods are case-sensitive */
	{ "POST", "/form", ROUTER_FOUND, 1, NULL },
	{ "GET", "/form", ROUTER_FOUND, 2, NULL },
	{ "HEAD", "/form", ROUTER_FOUND, 2, NULL },
	{ "PUT", "/form", ROUTER_BAD_METHOD, 0, "GET, HEAD, POST, OPTIONS" },
	{ "GET", "/static/a.css", ROUTER_FOUND, 3, NULL },
	{ "GET", "/static/", ROUTER_FOUND, 3, NULL },
	{ "PUT", "/static/a.css", ROUTER_FOUND, 5, NULL },
	{ "POST", "/static/a.css", ROUTER_BAD_METHOD, 0, "GET, HEAD, PUT, OPTIONS" },
	{ "GET", "/static", ROUTER_NOT_FOUND, 0, NULL },
	{ "GET", "/static/deep/x", ROUTER_FOUND, 4, NULL }, /* the longer prefix wins */
	{ "PUT", "/static/deep/x", ROUTER_BAD_METHOD, 0, "GET, HEAD, OPTIONS" },
	{ "GET", "/upload/x", ROUTER_BAD_METHOD, 0, "DELETE, OPTIONS" },
	{ "GET", "/", ROUTER_FOUND, 7, NULL },
	{ "HEAD", "/only-head", ROUTER_FOUND, 8, NULL },
	{ "GET", "/only-head", ROUTER_BAD_METHOD, 0, "HEAD, OPTIONS" },
	{ "DELETE", "/hello/x", ROUTER_FOUND, 9, NULL },
	{ "GET", "", ROUTER_NOT_FOUND, 0, NULL },
	/* OPTIONS: every path with routes answers it, in the order of http_methods, unless a route takes it.
	 */
	{ "OPTIONS", "/hello", ROUTER_OPTIONS, 0, "GET, HEAD, OPTIONS" },
	{ "OPTIONS", "/form", ROUTER_OPTIONS, 0, "GET, HEAD, POST, OPTIONS" },
	{ "OPTIONS", "/static/a.css", ROUTER_OPTIONS, 0, "GET, HEAD, PUT, OPTIONS" },
	{ "OPTIONS", "/static/deep/", ROUTER_OPTIONS, 0, "GET, HEAD, OPTIONS" },
	{ "OPTIONS", "/upload/", ROUTER_OPTIONS, 0, "DELETE, OPTIONS" },
	{ "OPTIONS", "/only-head", ROUTER_OPTIONS, 0, "HEAD, OPTIONS" },
	{ "OPTIONS", "/hello/x", ROUTER_OPTIONS, 0, "DELETE, OPTIONS" },
	{ "OPTIONS", "/nope", ROUTER_NOT_FOUND, 0, NULL },
	{ "OPTIONS", "", ROUTER_NOT_FOUND, 0, NULL },
	{ "options", "/hello", ROUTER_BAD_METHOD, 0, "GET, HEAD, OPTIONS" },
	{ "OPTIONS", "/api", ROUTER_FOUND, 10, NULL }, /* configured: answers as configured */
	{ "GET", "/api", ROUTER_FOUND, 11, NULL },
	{ "POST", "/api", ROUTER_BAD_METHOD, 0, "GET, HEAD, OPTIONS" }, /* named once */
	{ "OPTIONS", "/cors/x", ROUTER_FOUND, 12, NULL },
	{ "GET", "/cors/x", ROUTER_BAD_METHOD, 0, "OPTIONS" },
	/* "*": the server itself, for OPTIONS alone. */
	{ "OPTIONS", "*", ROUTER_OPTIONS, 0, "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS" },
	{ "GET", "*", ROUTER_NOT_FOUND, 0, NULL },
	{ "OPTIONS", "**", ROUTER_NOT_FOUND, 0, NULL },
};

START_TEST(test_match)
{
	const struct route *rt;
	char allow[64];
	enum router_result res = match(cases[_i].method, cases[_i].path, &rt, allow);

	ck_assert_msg(res == cases[_i].result, "%s %s: result %d, want %d", cases[_i].method, cases[_i].path,
	              res, cases[_i].result);
	if (res == ROUTER_FOUND)
		ck_assert_ptr_eq(rt, &routes[cases[_i].route]);
	if (res == ROUTER_BAD_METHOD || res == ROUTER_OPTIONS)
		ck_assert_str_eq(allow, cases[_i].allow);
}
END_TEST

START_TEST(test_allow_truncated)
{
	const struct route *rt;
	char allow[8];

	ck_assert_int_eq(router_match(r, (struct str){ "PUT", 3 }, (struct str){ "/form", 5 }, &rt, allow,
	                              sizeof(allow)),
	                 ROUTER_BAD_METHOD);
	ck_assert_uint_lt(strlen(allow), sizeof(allow));
}
END_TEST

START_TEST(test_empty_table)
{
	struct router *empty = router_new(routes, 0);
	const struct route *rt;
	char allow[16];

	ck_assert_ptr_nonnull(empty);
	ck_assert_int_eq(router_match(empty, (struct str){ "GET", 3 }, (struct str){ "/", 1 }, &rt, allow,
	                              sizeof(allow)),
	                 ROUTER_NOT_FOUND);
	ck_assert_int_eq(router_match(empty, (struct str){ "OPTIONS", 7 }, (struct str){ "*", 1 }, &rt, allow,
	                              sizeof(allow)),
	                 ROUTER_OPTIONS);
	ck_assert_str_eq(allow, "GET, HEAD, POST");
	router_free(empty);
}
END_TEST

/* Many routes: bisection must find every one of them, and nothing between them. */
START_TEST(test_many)
{
	static struct route many[500];
	static char paths[500][16];
	struct router *big;
	const struct route *rt;
	char allow[16], probe[20];
	size_t i;

	for (i = 0; i < 500; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/p%zu", (i * 7919) % 500);
		many[i] = (struct route){ .kind = ROUTE_TEXT, .method = "GET", .path = paths[i] };
	}
	big = router_new(many, 500);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 500; i++) {
		ck_assert_int_eq(router_match(big, (struct str){ "GET", 3 },
		                              (struct str){ paths[i], strlen(paths[i]) }, &rt, allow,
		                              sizeof(allow)),
		                 ROUTER_FOUND);
		ck_assert_ptr_eq(rt, &many[i]);
		snprintf(probe, sizeof(probe), "%sx", paths[i]);
		ck_assert_int_eq(router_match(big, (struct str){ "GET", 3 },
		                              (struct str){ probe, strlen(probe) }, &rt, allow,
		                              sizeof(allow)),
		                 ROUTER_NOT_FOUND);
	}
	router_free(big);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("match");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_match, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_allow_truncated);
	tcase_add_test(tc, test_empty_table);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return check_run(s);
}
