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
};

/* Indexes routes[0..n), which must outlive the router. Returns NULL when memory runs out. */
struct router *router_new(const struct route *routes, size_t n);

void router_free(struct router *r);

/*
 * Finds the route for method and path (decoded and normalised). An exact path wins over a prefix, and a
 * longer prefix over a shorter one; a GET route also answers HEAD. On ROUTER_BAD_METHOD, allow gets the
 * methods the path does answer, e.g. "GET, HEAD, POST", cut to fit cap.
 */
enum router_result router_match(const struct router *r, struct str method, struct str path,
                                const struct route **route, char *allow, size_t cap);

#endif
