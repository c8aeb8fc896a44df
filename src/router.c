/* router.c: exact paths in a sorted array searched by bisection, then prefixes, longest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		if (routes[i].kind == ROUTE_DIR)
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

static void
allow_add(char *allow, size_t cap, const char *method)
{
	size_t len = strlen(allow);

	/* HEAD follows GET, so an Allow list never names one method twice. */
	if (strstr(allow, method) != NULL && strcmp(method, "HEAD") == 0)
		return;
	snprintf(allow + len, cap - len, "%s%s", len ? ", " : "", method);
}

/* Collects the routes in [first, last) that share a path into a result. */
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
	if (cap)
		allow[0] = '\0';
	for (it = first; it < last && cap; it++) {
		allow_add(allow, cap, (*it)->method);
		if (strcmp((*it)->method, "GET") == 0)
			allow_add(allow, cap, "HEAD");
	}
	return ROUTER_BAD_METHOD;
}

enum router_result
router_match(const struct router *r, struct str method, struct str path, const struct route **route,
             char *allow, size_t cap)
{
	size_t lo = 0, hi = r->nexact, first, last, i;

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
