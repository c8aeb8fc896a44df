/* SPDX-License-Identifier: ISC */
/* tls.h: HTTPS: each host's certificates made into a context at load, ticket keys shared by every worker. */
#ifndef TLS_H
#define TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "transport.h"

struct vhost_table;

#define TLS_TICKET_KEY_LIFETIME 43200 /* tls.ticket_key_lifetime's default, seconds: 12 hours */

/* Whether this build speaks TLS at all (configure found OpenSSL). */
extern const bool tls_available;

/*
 * Makes a context for each host served on a TLS listener from its certificates and keys (or the top-level
 * tls defaults), read now: the master reads them before workers give up root. Checks that each key matches
 * its certificate; warns (log_warn) when a certificate has expired or expires within 14 days. Returns 0, or
 * -1 with "file:line: what is wrong and what to do" in err.
 */
int tls_config_load(struct config *cfg, char *err, size_t errlen);

/* Frees what tls_config_load() made; safe on a config it was never called on. */
void tls_config_free(struct config *cfg);

/*
 * Session ticket keys, in a memfd the master maps before the first fork so every worker of every
 * generation encrypts and decrypts tickets with the same keys: a session resumes on any worker. The
 * master rotates them; the previous key still decrypts. *fd gets the memfd, which an upgrade passes on
 * (-1 in a build without TLS). Returns 0, or -1 (errno set).
 */
int tls_keys_init(int *fd);

/* The keys in fd, a memfd tls_keys_init() made in the master an upgrade replaced. Returns 0, or -1. */
int tls_keys_attach(int fd);

/* Makes a new current key; the old current one becomes the previous. The master only. */
void tls_keys_rotate(void);

/* What the SNI callback needs of a connection: the hosts of its listener, by name. */
struct tls_sni {
	const struct config *cfg;
	const struct vhost_table *names;
};

/*
 * The transport of a connection accepted on a TLS listener of cfg: the certificate is the one of the host
 * names picks for the client's SNI (exact name, then wildcard, then the listener's default host). Returns
 * NULL when memory runs out.
 */
struct transport *tls_transport_new(const struct config *cfg, const struct vhost_table *names);

#endif
