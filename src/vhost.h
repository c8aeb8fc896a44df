/* SPDX-License-Identifier: ISC */
/* vhost.h: which virtual host, among those one listener serves, answers a request's host name. */
#ifndef VHOST_H
#define VHOST_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "str.h"

/* The longest DNS name, without its trailing dot (RFC 1035 section 2.3.4, RFC 1123 section 2.1). */
#define VHOST_NAME_MAX 253

struct vhost_table;

/*
 * Whether name can be a host's name: "*"; or a registered name ("example.com") or an IP literal ("[::1]",
 * "127.0.0.1") without a port, of at most VHOST_NAME_MAX bytes not counting a trailing dot, after "*." for
 * a wildcard. '*' elsewhere, a port, an empty label ("a..b") or an empty name would never match as the
 * writer meant, so the loader refuses them.
 */
bool vhost_name_valid(const char *name);

/*
 * Indexes the names of the n >= 1 hosts hosts[which[0]], ..., hosts[which[n - 1]]: the hosts of cfg->hosts,
 * in file order, that one listener serves. hosts must outlive the table. Returns NULL when memory runs out.
 */
struct vhost_table *vhost_new(const struct host_cfg *hosts, const size_t *which, size_t n);

void vhost_free(struct vhost_table *t);

/*
 * The host, an index into cfg->hosts, that answers a request for name: the Host header's value or an
 * absolute-form target's authority, with or without a port. Names compare case-insensitively, without the
 * port ("[::1]:8080" is "[::1]") and without a trailing dot ("example.com." is "example.com"). An exact name
 * wins over a wildcard, and a longer wildcard over a shorter one: "*.example.org" matches every name that
 * ends in ".example.org", not "example.org" itself. A name longer than VHOST_NAME_MAX matches no exact name.
 * When nothing matches, and for an empty name (HTTP/1.0 without Host), the host named "*" answers, or
 * without one the first host. Allocates nothing.
 */
size_t vhost_match(const struct vhost_table *t, struct str name);

/*
 * For the loader: whether a name of the table's hosts repeats an earlier one, as vhost_match() compares
 * them ("*.A" is "*.a."), which would leave it unreachable. If so, takes the repeat that comes first in
 * file order: *b gets its host, *a the host of the name it repeats (the same host when one lists a name
 * twice), and *name the repeat as written. A table is one listener's: hosts served on different listeners
 * may share a name (a redirect on port 80, the site on 443), so the loader asks each listener's table.
 */
bool vhost_duplicate(const struct vhost_table *t, size_t *a, size_t *b, const char **name);

#endif
