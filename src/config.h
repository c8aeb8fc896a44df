/* config.h: the libconfig file turned into a validated, immutable struct config. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "access_format.h"
#include "template.h"

enum route_kind {
	ROUTE_TEXT,     /* text = "..." with {param} placeholders */
	ROUTE_FILE,     /* file = "path" */
	ROUTE_DIR,      /* prefix = "/static/"; root = "dir" */
	ROUTE_REDIRECT, /* redirect = "/elsewhere" */
};

struct route {
	enum route_kind kind;
	char *method;  /* "GET" (the default), "POST", ...; a GET route also answers HEAD */
	char *path;    /* the exact path; for ROUTE_DIR the prefix, ending in '/' */
	char **params; /* ROUTE_TEXT: required parameter names */
	size_t nparams;
	struct template text; /* ROUTE_TEXT */
	char *target;         /* ROUTE_FILE: absolute file path; ROUTE_DIR: absolute root dir;
	                         ROUTE_REDIRECT: the Location */
	char *content_type;   /* NULL: text/plain; charset=utf-8 for text, by extension for files */
	bool html;            /* content_type is an HTML type */
	int status;           /* 200 by default; 302 for redirects */
	bool follow_symlinks; /* ROUTE_DIR: symlinks may lead out of the root */
	bool autoindex;       /* ROUTE_DIR: a directory without index.html is listed, not 404 */
	int line;             /* where the route starts in the config file, for messages */
};

struct config {
	char *file;    /* the path it was loaded from */
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
	struct route *routes;
	size_t nroutes;
};

/*
 * Reads and validates the file at path. Relative paths inside it resolve against the file's directory.
 * Returns the config, or NULL with "file:line: what is wrong and what to do" in err.
 */
struct config *config_load(const char *path, char *err, size_t errlen);

void config_free(struct config *cfg);

#endif
