/* SPDX-License-Identifier: ISC */
/* router.h: which configured route answers a method and a path. */
#ifndef ROUTER_H
#define ROUTER_H

#include <stddef.h>

#include "config.h"
#include "str.h"

struct router;

enum router_result {
	ROUTER_FOUND,
	ROUTER_NOT_FOUND,
	ROUTER_BAD_METHOD, /* the path exists, not for this method: 405 with Allow */
	ROUTER_OPTIONS, /* OPTIONS on a path that exists and no route of it takes OPTIONS: 200 with Allow */
};

/* Indexes routes[0..n), which must outlive the router. Returns NULL when memory runs out. */
struct router *router_new(const struct route *routes, size_t n);

void router_free(struct router *r);

/*
 * Finds the route for method and path (decoded and normalised). An exact path wins over a prefix, and a
 * longer prefix over a shorter one; a GET route also answers HEAD, and every path that has routes answers
 * OPTIONS. The path "*" stands for the server itself, which answers OPTIONS with every method in
 * http_methods. On ROUTER_BAD_METHOD and ROUTER_OPTIONS, allow gets the methods the path does answer, in
 * the order of http_methods, e.g. "GET, HEAD, POST, OPTIONS", cut to fit cap.
 */
enum router_result router_match(const struct router *r, struct str method, struct str path,
                                const struct route **route, char *allow, size_t cap);

#endif
