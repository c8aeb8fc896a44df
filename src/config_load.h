/* SPDX-License-Identifier: ISC */
/* config_load.h: what the generic loader (config.c) lends the checks of single keys (config_keys.c). */
#ifndef CONFIG_LOAD_H
#define CONFIG_LOAD_H

#include <libconfig.h>
#include <stddef.h>

#include "config.h"

#define CONFIG_PRINTFLIKE(f, a) __attribute__((__format__(__printf__, f, a)))

#define CONFIG_TYPE_BIT(t) (1 << (t))

/*
 * What every check needs: where messages go, what relative paths resolve against, and the config being
 * filled, whose listeners a host's listen names and whose routes array each host's routes join.
 */
struct config_loader {
	const char *file; /* the path as given, for messages */
	char *dir;        /* the config file's directory, absolute and without symlinks */
	char *err;
	size_t errlen;
	struct config *cfg;
};

/* A section: its keys, and how messages name them. */
struct config_section_info {
	const char *name;  /* config_section_name() */
	const char *scope; /* put before a key's name in messages: "server." (server.port), "route " */
	const char *where; /* after an unknown key's name: " in server" */
	const char *entry; /* one group of it, in messages: "route", "listener" */
	/* The names of its kinds by bit ("TCP", "unix socket"); NULL: the names of the keys that set them. */
	const char *const *kind_names;
	const struct config_key *keys;
	size_t nkeys;
};

/* config_keys.c */
const struct config_section_info *config_section(enum config_section section);
/* Writes the names of section's kinds in kinds, "text, file or root", into buf. */
const char *config_kind_names(enum config_section section, unsigned kinds, char *buf, size_t len);

/* Entry g of a list of section: a group of the section's keys; want shows one. */
int config_check_entry(struct config_loader *ld, enum config_section section, const config_setting_t *g,
                       const char *want);

/* config_answer.c: the checks of the keys that shape answers (types, headers, error_pages). */
int config_load_types(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                      void *base);
int config_server_headers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                          void *base);
int config_host_headers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                        void *base);
int config_route_headers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                         void *base);
/* The header block of h, a host made of the top-level routes, which has no headers of its own. */
int config_host_answer(struct config_loader *ld, struct host_cfg *h);
int config_page_status(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                       void *base);
int config_page_file(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                     void *base);
int config_server_error_pages(struct config_loader *ld, const config_setting_t *g,
                              const config_setting_t *list, void *base);
int config_host_error_pages(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list,
                            void *base);

/* config.c */
/* Reports a problem with setting s (NULL: the start of the file) as "file:line: ..."; returns -1. */
int config_fail(struct config_loader *ld, const config_setting_t *s, const char *fmt, ...)
        CONFIG_PRINTFLIKE(3, 4);
int config_nomem(struct config_loader *ld);
/* rel made absolute against the config file's directory. */
int config_join_path(struct config_loader *ld, const char *rel, char **out);
/* Writes "a, b, c or d" into buf, for messages that say what is allowed. */
const char *config_join_names(const char *const *names, char *buf, size_t len);
/* Fails unless s has one of the CONFIG_TYPE_BITs in mask; what names s and want says what it must be. */
int config_check_type(struct config_loader *ld, const config_setting_t *s, const char *what, int mask,
                      const char *want);
/* Fails on a key of g that section does not have: a typo would otherwise leave its default in effect. */
int config_check_keys(struct config_loader *ld, enum config_section section, const config_setting_t *g);
/*
 * Loads the keys of section from group g (NULL: all defaults) into base, in table order; a route key is
 * loaded only when kind (a ROUTE_KIND bit) is among its kinds, and is an error in g otherwise.
 */
int config_load_keys(struct config_loader *ld, enum config_section section, const config_setting_t *g,
                     void *base, unsigned kind);

#endif
