/* SPDX-License-Identifier: ISC */
/* config.h: the libconfig file turned into a validated, immutable struct config. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "access_format.h"
#include "mime.h"
#include "template.h"

enum route_kind {
	ROUTE_TEXT,     /* text = "..." with {param} and {variable} placeholders */
	ROUTE_FILE,     /* file = "path" */
	ROUTE_DIR,      /* prefix = "/static/"; root = "dir" */
	ROUTE_REDIRECT, /* redirect = "/elsewhere", or with {variable} placeholders */
	ROUTE_METRICS,  /* metrics = true: the counters of every worker, in Prometheus' text format */
};

/*
 * The request variables a text or redirect may name besides its params: their values follow the params'
 * in what the route's template is rendered with, in this order. A param of the same name hides one.
 */
enum route_var {
	ROUTE_VAR_HOST,        /* the host the request is for, as nginx's $host: no port, lower case */
	ROUTE_VAR_PATH,        /* the path as sent, still percent-encoded */
	ROUTE_VAR_QUERY,       /* the query, without '?' */
	ROUTE_VAR_REMOTE_ADDR, /* the client's address */
	ROUTE_NVARS
};

extern const char *const route_vars[ROUTE_NVARS]; /* their names: "host", ... */

#define ROUTE_KIND(k) (1u << (k)) /* a bit of struct config_key's kinds */

/* One setting of a group of settings of any names (KEY_MAP): headers = { ... }, types = { ... }. */
struct config_pair {
	char *name;
	char *value;
};

/* An error page: what the server sends instead of its plain-text message for one status it makes itself. */
struct error_page {
	int status;
	char *file; /* absolute path */
	char *body; /* the file's content, read at load: workers need no access to it */
	size_t len;
	const char *type; /* its media type, by extension, from cfg->types */
	int line;
};

/*
 * What the server adds to the answers of a server, a host or a route: headers and error pages as written,
 * and the header block in effect, merged at load with what it inherits through parent (a route's host, a
 * host's server) so that an answer costs one copy of it.
 */
struct answer_cfg {
	struct config_pair *headers; /* as written; an empty value removes an inherited header */
	size_t nheaders;
	struct error_page *pages; /* as written; a route has none */
	size_t npages;
	char *block; /* "Server: tinyhttpd/VERSION\r\n", then each header in effect as "Name: value\r\n" */
	size_t block_len;
	const struct answer_cfg *parent; /* NULL for the server's */
};

struct route {
	enum route_kind kind;
	char *method;  /* "GET" (the default), "POST", ...; a GET route also answers HEAD */
	char *path;    /* the exact path, or with prefix the prefix, ending in '/' */
	bool prefix;   /* path is a prefix: every root route, and a redirect given prefix = "/..." */
	char **params; /* ROUTE_TEXT: required parameter names */
	size_t nparams;
	struct template tmpl; /* ROUTE_TEXT: the body; ROUTE_REDIRECT: the Location */
	bool uses_vars;       /* tmpl uses a request variable, {host} and the like, not only params */
	char *target;         /* ROUTE_TEXT, ROUTE_REDIRECT: the template as written; ROUTE_FILE: absolute
	                         file path; ROUTE_DIR: absolute root dir */
	char *content_type;   /* NULL: text/plain; charset=utf-8 for text, by extension for files */
	bool html;            /* content_type is an HTML type */
	int status;           /* 200 by default; 302 for redirects */
	bool follow_symlinks; /* ROUTE_DIR: symlinks may lead out of the root */
	bool autoindex;       /* ROUTE_DIR: a directory without an index file is listed, not 404 */
	char **index;         /* ROUTE_DIR: the files a directory is answered with, the first that exists */
	size_t nindex;        /* their number */
	bool precompressed;   /* ROUTE_FILE, ROUTE_DIR: NAME.br or NAME.gz goes to a client that takes it */
	bool metrics;         /* ROUTE_METRICS */
	int line;             /* where the route starts in the config file, for messages */
	size_t host;          /* its host, an index into cfg->hosts */
	struct answer_cfg answer;
};

/*
 * One listening socket: a TCP address and port, or a unix socket path. A file without listen = ( ... )
 * has one, from server.address and server.port.
 */
struct listen_cfg {
	char *name;     /* NULL: unnamed; a host's listen = [ ... ] names the listeners it is served on */
	char *address;  /* TCP: a numeric IPv4 or IPv6 address; NULL for a unix socket */
	int port;       /* TCP */
	bool ipv6_only; /* TCP on "::": IPv6 only, so "0.0.0.0" can have the same port */
	char *path;     /* a unix socket: its absolute path; NULL for TCP */
	mode_t mode;    /* a unix socket: its permissions, written as an octal string ("0660") */
	bool proxy_protocol; /* each connection starts with a PROXY protocol v1 or v2 header */
	bool tls;            /* connections speak TLS: HTTPS */
	int line;
};

/* The two kinds of listeners, as bits of struct config_key's kinds (like ROUTE_KIND). */
#define LISTEN_TCP  (1u << 0) /* port = ... */
#define LISTEN_UNIX (1u << 1) /* path = "..." */

/*
 * A virtual host: the names it answers to and its routes, routes[first_route .. first_route + nroutes) of
 * struct config. A file without hosts = ( ... ) has one, named "*", holding the top-level routes.
 */
struct host_cfg {
	char **names; /* "example.com", "*.example.org" (any name that ends in ".example.org"), "*" (any) */
	size_t nnames;
	char **listen; /* the names of the listeners it is served on; none: every listener */
	size_t nlisten;
	size_t first_route;
	size_t nroutes;
	struct answer_cfg answer;
	/* tls = { certificate; key; }: PEM files, leaf then chain, pairwise; none: the top-level tls's */
	char **certs;
	size_t ncerts;
	char **keys;
	size_t nkeys;
	int tls_line;           /* where its tls key is, for messages */
	struct ssl_ctx_st *tls; /* OpenSSL's SSL_CTX from them, made by tls_config_load() when it is served
	                           on a TLS listener; NULL otherwise */
	int line;
};

struct config {
	char *file; /* the path it was loaded from */
	/* server.address and server.port: the one listener of a file without listen = ( ... ). */
	char *address; /* "0.0.0.0", "::", "127.0.0.1", ... */
	int port;
	int workers; /* 0 in the file becomes the number of CPUs */
	int backlog;
	char *user; /* "" for none */
	uid_t uid;  /* resolved from user when it is set */
	gid_t gid;
	int keepalive_timeout; /* seconds */
	int request_timeout;
	int shutdown_timeout;
	int max_connections; /* per worker */
	size_t max_header_size;
	size_t max_body_size;
	char *access_log; /* absolute path, "-" for stderr, "" for none */
	enum access_format access_log_format;
	bool server_tokens;       /* the Server header names the version */
	struct answer_cfg answer; /* server.headers and server.error_pages: what every host inherits */
	struct config_pair *type_overrides; /* types = { ext = "type"; } as written */
	size_t ntype_overrides;
	struct mime_types types; /* the built-in table, /etc/mime.types over it, type_overrides over both */
	struct route *routes;    /* every host's, in order; each host has a slice of them */
	size_t nroutes;
	struct listen_cfg *listeners;
	size_t nlisteners;
	struct host_cfg *hosts;
	size_t nhosts;
	/* tls = { ... }: what every host's TLS has, and the certificates of a host without its own */
	char **tls_certs;
	size_t ntls_certs;
	char **tls_keys;
	size_t ntls_keys;
	char **tls_protocols; /* "TLSv1.2", "TLSv1.3"; none: both */
	size_t ntls_protocols;
	char *tls_hsts;              /* "" for none */
	int tls_ticket_key_lifetime; /* seconds a session ticket key encrypts, then only decrypts */
	int tls_line;                /* where its key is, for messages */
};

/* The parts of the file, each with its table of keys. */
enum config_section {
	CONFIG_TOP,        /* the top level: server, listen, hosts and routes */
	CONFIG_SERVER,     /* server = { ... } */
	CONFIG_LISTEN,     /* each group in listen = ( ... ) */
	CONFIG_HOST,       /* each group in hosts = ( ... ) */
	CONFIG_ROUTE,      /* each group in routes = ( ... ), at the top or in a host */
	CONFIG_ERROR_PAGE, /* each group in error_pages = ( ... ), in server or a host */
	CONFIG_TLS,        /* tls = { ... } at the top */
	CONFIG_HOST_TLS,   /* tls = { ... } in a host */
	CONFIG_NSECTIONS
};

/* What a key's value must be; the loader checks that and stores the value (or the default) in off. */
enum config_key_type {
	KEY_INT,     /* an integer from min to max, into an int */
	KEY_SIZE,    /* an integer from min (at least 0) to max, into a size_t */
	KEY_BOOL,    /* true or false, into a bool */
	KEY_STRING,  /* a string, copied into a char *; with choices, one of them */
	KEY_ENUM,    /* one of choices, its index into an int-sized enum */
	KEY_MODE,    /* permissions as an octal string ("0660"), into a mode_t */
	KEY_STRINGS, /* a list of strings, into a char ** and their number into the size_t at count */
	KEY_GROUP,   /* a group of the keys of section, into the same struct */
	KEY_LIST,    /* a list of groups of section; check loads them */
	KEY_MAP, /* a group of strings of any names, into a struct config_pair * and its number at count */
};

struct config_loader;
struct config_setting_t;

/*
 * One key of a section: everything the loader, tinyhttpd -T and the manual page test know about it. A row
 * of the tables in config_keys.c; adding a setting is adding a row (and the field it fills).
 */
struct config_key {
	const char *name;
	enum config_key_type type;
	long long min, max;         /* KEY_INT, KEY_SIZE */
	long long def;              /* the default of KEY_INT, KEY_SIZE, KEY_BOOL, KEY_MODE; of KEY_ENUM, its
	                               index */
	const char *def_str;        /* the default of KEY_STRING; NULL: none, the field stays NULL */
	const char *const *choices; /* KEY_ENUM, KEY_STRING: the values it may have, NULL-terminated */
	size_t off;     /* its field in struct config (top level, server), listen_cfg, host_cfg or route */
	size_t count;   /* KEY_STRINGS, KEY_MAP: the size_t field that gets the number of strings */
	bool or_string; /* KEY_STRINGS: one string may stand for a list of one */
	enum config_section section; /* KEY_GROUP, KEY_LIST: the section inside */
	unsigned kinds;   /* route and listen keys: the kind bits (ROUTE_KIND, LISTEN_TCP or LISTEN_UNIX) of
	                     the entries that take it; 0: all */
	bool sets_kind;   /* it makes the entry the one kind in kinds; an entry has exactly one such key */
	const char *hint; /* what to do when misplaced, instead of "remove it" */
	const char *superseded_by; /* a newer key that says the same and tinyhttpd -T prints instead (listen
	                              for server.address); the two cannot be in one file */
	/*
	 * What the type cannot say: called after the value (or, with s NULL, the default) was stored into
	 * base, the struct config or struct route that g, the setting's group, fills. Returns 0 or -1.
	 */
	int (*check)(struct config_loader *ld, const struct config_setting_t *g,
	             const struct config_setting_t *s, void *base);
	const char *help; /* one line, for tinyhttpd -T */
};

/* The keys of a section, in the order the loader reads them; *n gets their number. */
const struct config_key *config_keys(enum config_section section, size_t *n);

/* "server", "listen", "host", "route": what the manual page calls the section (SERVER KEYS, ...); "" for
 * the top. */
const char *config_section_name(enum config_section section);

/*
 * Reads and validates the file at path. Relative paths inside it resolve against the file's directory.
 * Returns the config, or NULL with "file:line: what is wrong and what to do" in err.
 */
struct config *config_load(const char *path, char *err, size_t errlen);

/*
 * Writes cfg as a config file: every key with the value in effect and its help as a comment, then the
 * listeners and the hosts with their routes, each with the line it came from (a file without listen or hosts
 * is written with them, as it is understood). Returns 0, or -1 when out could not be written.
 */
int config_print(const struct config *cfg, FILE *out);

/* The error page for status that a's answers get, its own or inherited; NULL: the plain-text message. */
const struct error_page *config_error_page(const struct answer_cfg *a, int status);

/* Whether host h is served on listener l: it names l, or it names no listener at all. */
bool config_host_on(const struct host_cfg *h, const struct listen_cfg *l);

void config_free(struct config *cfg);

#endif
