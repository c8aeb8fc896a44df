/* SPDX-License-Identifier: ISC */
/* router.c: exact paths in a sorted array searched by bisection, then prefixes, longest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"
#include "router.h"

struct router {
	const struct route **exact; /* sorted by path, then method */
	size_t nexact;
	const struct route **prefix; /* longest prefix first */
	size_t nprefix;
};

static int
cmp_exact(const void *a, const void *b)
{
	const struct route *ra = *(const struct route *const *)a;
	const struct route *rb = *(const struct route *const *)b;
	int c = strcmp(ra->path, rb->path);

	return c ? c : strcmp(ra->method, rb->method);
}

static int
cmp_prefix(const void *a, const void *b)
{
	const struct route *ra = *(const struct route *const *)a;
	const struct route *rb = *(const struct route *const *)b;
	size_t la = strlen(ra->path), lb = strlen(rb->path);

	/* Longest first; equal prefixes side by side, so one pass groups their methods. */
	if (la != lb)
		return la < lb ? 1 : -1;
	return cmp_exact(a, b);
}

struct router *
router_new(const struct route *routes, size_t n)
{
	struct router *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->exact = calloc(n ? n : 1, sizeof(*r->exact));
	r->prefix = calloc(n ? n : 1, sizeof(*r->prefix));
	if (r->exact == NULL || r->prefix == NULL) {
		router_free(r);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (routes[i].prefix)
			r->prefix[r->nprefix++] = &routes[i];
		else
			r->exact[r->nexact++] = &routes[i];
	}
	qsort(r->exact, r->nexact, sizeof(*r->exact), cmp_exact);
	qsort(r->prefix, r->nprefix, sizeof(*r->prefix), cmp_prefix);
	return r;
}

void
router_free(struct router *r)
{
	if (r == NULL)
		return;
	free(r->exact);
	free(r->prefix);
	free(r);
}

static int
path_cmp(struct str path, const char *route_path)
{
	size_t n = strlen(route_path);
	int c = memcmp(path.p, route_path, path.len < n ? path.len : n);

	if (c != 0)
		return c;
	return path.len < n ? -1 : path.len > n ? 1 : 0;
}

static int
method_answers(const struct route *rt, struct str method)
{
	return str_eq(method, rt->method) || (str_eq(method, "HEAD") && strcmp(rt->method, "GET") == 0);
}

/*
 * Writes into allow, as much as fits cap, the methods of http_methods that the routes in [first, last)
 * answer, or all of them; OPTIONS is always among them. Routes name no method outside http_methods: the
 * config loader sees to it.
 */
static void
allow_list(const struct route *const *first, const struct route *const *last, bool all, char *allow,
           size_t cap)
{
	const char *const *m;
	const struct route *const *it;
	size_t len;

	if (cap == 0)
		return;
	allow[0] = '\0';
	for (m = http_methods; *m != NULL; m++) {
		struct str method = { *m, strlen(*m) };
		bool answers = all || str_eq(method, "OPTIONS");

		for (it = first; it < last && !answers; it++)
			answers = method_answers(*it, method);
		if (!answers)
			continue;
		len = strlen(allow);
		snprintf(allow + len, cap - len, "%s%s", len ? ", " : "", *m);
	}
}

/* Picks the route among those in [first, last), which share a path, that answers method. */
static enum router_result
pick(const struct route *const *first, const struct route *const *last, struct str method,
     const struct route **route, char *allow, size_t cap)
{
	const struct route *const *it;

	for (it = first; it < last; it++) {
		if (method_answers(*it, method)) {
			*route = *it;
			return ROUTER_FOUND;
		}
	}
	allow_list(first, last, false, allow, cap);
	return str_eq(method, "OPTIONS") ? ROUTER_OPTIONS : ROUTER_BAD_METHOD;
}

enum router_result
router_match(const struct router *r, struct str method, struct str path, const struct route **route,
             char *allow, size_t cap)
{
	size_t lo = 0, hi = r->nexact, first, last, i;

	/* RFC 9110 section 9.3.7: "OPTIONS *" asks about the server in general. No route has this path. */
	if (str_eq(path, "*") && str_eq(method, "OPTIONS")) {
		allow_list(NULL, NULL, true, allow, cap);
		return ROUTER_OPTIONS;
	}
	/* Lower bound of the path among the exact routes. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (path_cmp(path, r->exact[mid]->path) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = last = lo;
	while (last < r->nexact && path_cmp(path, r->exact[last]->path) == 0)
		last++;
	if (last > first)
		return pick(r->exact + first, r->exact + last, method, route, allow, cap);

	for (i = 0; i < r->nprefix; i = last) {
		const char *prefix = r->prefix[i]->path;
		size_t n = strlen(prefix);

		for (last = i + 1; last < r->nprefix && strcmp(r->prefix[last]->path, prefix) == 0; last++)
			;
		if (path.len >= n && memcmp(path.p, prefix, n) == 0)
			return pick(r->prefix + i, r->prefix + last, method, route, allow, cap);
	}
	return ROUTER_NOT_FOUND;
}
