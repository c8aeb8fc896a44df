/* SPDX-License-Identifier: ISC */
/* config_keys.c: every key of the config file, a row each, and the checks some need beyond their type. */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_load.h"
#include "http_parser.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Where a key's value goes. */
#define CFG(field)   .off = offsetof(struct config, field)
#define ROUTE(field) .off = offsetof(struct route, field)
/* A route key that makes the route of kind k (and belongs to it alone). */
#define KIND_KEY(k) .kinds = ROUTE_KIND(k), .sets_kind = true

/* KEY_ENUM stores an index through an int. */
_Static_assert(sizeof(enum access_format) == sizeof(int), "access_log_format is stored as an int");

/* Indexed by enum access_format. */
static const char *const access_formats[] = {
	[ACCESS_COMMON] = "common",
	[ACCESS_COMBINED] = "combined",
	[ACCESS_JSON] = "json",
	NULL,
};

static int
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 512 ? 512 : (int)n;
}

/* Numeric only: a host name would need DNS at every reload, and could resolve differently each time. */
static int
check_address(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	unsigned char addr[sizeof(struct in6_addr)];
	const struct config *cfg = base;

	if (inet_pton(AF_INET, cfg->address, addr) == 1 || inet_pton(AF_INET6, cfg->address, addr) == 1)
		return 0;
	return config_fail(ld, s,
	                   "server.address must be a numeric IPv4 or IPv6 address such as \"0.0.0.0\", "
	                   "\"127.0.0.1\" or \"::\", not \"%s\"",
	                   cfg->address);
}

static int
check_workers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct config *cfg = base;

	if (cfg->workers == 0)
		cfg->workers = cpu_count();
	return 0;
}

static int
check_user(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct config *cfg = base;
	struct passwd *pw;

	/* -1 ids leave the process's ids unchanged if ever passed to setresuid/setresgid. */
	cfg->uid = (uid_t)-1;
	cfg->gid = (gid_t)-1;
	if (cfg->user[0] == '\0')
		return 0;
	if ((pw = getpwnam(cfg->user)) == NULL)
		return config_fail(ld, s, "unknown user '%s'; create it or set server.user = \"\"",
		                   cfg->user);
	cfg->uid = pw->pw_uid;
	cfg->gid = pw->pw_gid;
	return 0;
}

static int
fail_log_dir(struct config_loader *ld, const config_setting_t *s, const char *v, const char *dir,
             const char *why)
{
	return config_fail(ld, s, "server.access_log \"%s\": directory %s: %s; create it or change the path",
	                   v, dir, why);
}

/* The log file itself is opened by the master; here only its directory must exist. */
static int
check_access_log(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct config *cfg = base;
	char *rel = cfg->access_log, *abs, *copy, *dir;
	struct stat st;
	int rc = 0;

	if (strcmp(rel, "-") == 0 || *rel == '\0')
		return 0;
	if (config_join_path(ld, rel, &abs) == -1)
		return -1;
	/* The field owns the absolute path from here; rel is kept for the messages. */
	cfg->access_log = abs;
	if ((copy = strdup(abs)) == NULL)
		rc = config_nomem(ld);
	else {
		dir = dirname(copy);
		if (stat(dir, &st) == -1)
			rc = fail_log_dir(ld, s, rel, dir, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			rc = fail_log_dir(ld, s, rel, dir, strerror(ENOTDIR));
		free(copy);
	}
	free(rel);
	return rc;
}

/* Requests are matched after url_normalize_path, so a path with "//", "." or ".." segments never would. */
static bool
is_normalized(const char *path)
{
	const char *seg = path + 1;
	size_t n;

	for (;;) {
		n = strcspn(seg, "/");
		if ((n == 0 && seg[n] == '/') || (n == 1 && seg[0] == '.') ||
		    (n == 2 && strncmp(seg, "..", 2) == 0))
			return false;
		if (seg[n] == '\0')
			return true;
		seg += n + 1;
	}
}

/* path, or prefix for a root route: the route's kind says which of the two this is. */
static int
check_path(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct route *rt = base;
	bool dir = rt->kind == ROUTE_DIR;
	const char *key = dir ? "prefix" : "path", *v = rt->path, *p;

	if (v == NULL)
		return config_fail(ld, g, "route needs %s = \"/%s\"", key, dir ? "dir/" : "...");
	if (v[0] != '/')
		return config_fail(ld, s, "route %s must start with '/': write \"/%s\"", key, v);
	if (dir && v[strlen(v) - 1] != '/')
		return config_fail(ld, s, "route prefix must end with '/': write \"%s/\"", v);
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#')
			return config_fail(
			        ld, s,
			        "route %s \"%s\" must not contain spaces, control characters, '?' or '#'; "
			        "it is matched against the decoded path without the query",
			        key, v);
	if (!is_normalized(v))
		return config_fail(
		        ld, s, "route %s \"%s\" has an empty, \".\" or \"..\" segment and could never match",
		        key, v);
	return 0;
}

static bool
is_param_name(const char *v)
{
	return *v != '\0' &&
	       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(v);
}

static int
check_params(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct route *rt = base;
	const config_setting_t *e;
	size_t i, j;

	for (i = 0; i < rt->nparams; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		if (!is_param_name(rt->params[i]))
			return config_fail(
			        ld, e, "parameter name \"%s\" may only use letters, digits, '_', '.' and '-'",
			        rt->params[i]);
		for (j = 0; j < i; j++)
			if (strcmp(rt->params[j], rt->params[i]) == 0)
				return config_fail(ld, e,
				                   "duplicate parameter \"%s\" in params; list each once",
				                   rt->params[i]);
	}
	return 0;
}

const char *const route_vars[ROUTE_NVARS] = {
	[ROUTE_VAR_HOST] = "host",
	[ROUTE_VAR_PATH] = "path",
	[ROUTE_VAR_QUERY] = "query",
	[ROUTE_VAR_REMOTE_ADDR] = "remote_addr",
};

/* route_vars as an operator writes them, for messages. */
#define ROUTE_VARS_TEXT "{host}, {path}, {query} or {remote_addr}"

/*
 * Compiles the text or redirect of a route once, at load: its params, then the request variables, are the
 * names it may use; the first of a name wins, so a param hides a variable it shares a name with, as it did
 * before there were variables. hint says what to do about an unknown name.
 */
static int
compile_template(struct config_loader *ld, const config_setting_t *s, struct route *rt, const char *hint)
{
	size_t n = rt->nparams + ROUTE_NVARS, i;
	const char **names;
	char msg[512];
	int rc;

	if ((names = calloc(n, sizeof(*names))) == NULL)
		return config_nomem(ld);
	for (i = 0; i < rt->nparams; i++)
		names[i] = rt->params[i];
	for (i = 0; i < ROUTE_NVARS; i++)
		names[rt->nparams + i] = route_vars[i];
	rc = template_compile(&rt->tmpl, rt->target, names, n, hint, msg, sizeof(msg));
	free(names);
	if (rc == -1)
		return config_fail(ld, s, "%s", msg);
	return 0;
}

static int
compile_text(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	return compile_template(ld, s, base, "declare it in params, or use " ROUTE_VARS_TEXT);
}

/*
 * Resolves the file or directory a file or root route serves, and opens it once so that a missing or
 * unreadable one is found now rather than on the first request.
 */
static int
resolve_target(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct route *rt = base;
	bool dir = rt->kind == ROUTE_DIR;
	char *rel = rt->target, *joined;
	const char *why = NULL;
	struct stat st;
	int fd;

	if (config_join_path(ld, rel, &joined) == -1)
		return -1;
	if ((rt->target = realpath(joined, NULL)) == NULL)
		why = strerror(errno);
	else if ((fd = open(rt->target, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0))) == -1)
		why = strerror(errno);
	else {
		if (fstat(fd, &st) == -1)
			why = strerror(errno);
		else if (!dir && !S_ISREG(st.st_mode))
			why = "not a regular file";
		close(fd);
	}
	if (why != NULL)
		config_fail(ld, s, "%s \"%s\" (%s): %s; fix the path, relative to %s", config_setting_name(s),
		            rel, joined, why, ld->dir);
	free(joined);
	free(rel);
	return why != NULL ? -1 : 0;
}

/* Nonempty, and every byte within lo..hi: what goes into a header as it is. */
static bool
all_in_range(const char *s, int lo, int hi)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < lo || (unsigned char)*s > hi)
			return false;
	return true;
}

/*
 * The Location goes into a header: the text must be printable ASCII, and what the variables put in is too
 * (the parser took host, path and query only so). The template is compiled here so that no request
 * parses it.
 */
static int
check_redirect(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct route *rt = base;

	if (!all_in_range(rt->target, '!', '~'))
		return config_fail(ld, s,
		                   "route redirect must be a non-empty URL of printable ASCII without spaces "
		                   "(percent-encode the rest), not \"%s\"",
		                   rt->target);
	return compile_template(ld, s, rt,
	                        "a redirect may use " ROUTE_VARS_TEXT "; write {{ and }} for literal braces");
}

static int
check_status(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct route *rt = base;

	if (rt->kind == ROUTE_REDIRECT) {
		if (s == NULL) {
			rt->status = 302;
			return 0;
		}
		if (rt->status < 301 || rt->status > 308)
			return config_fail(ld, s,
			                   "redirect status must be an integer from 301 to 308, not %d",
			                   rt->status);
		/* 304, 305 and 306 are in the range but are not redirects a browser follows. */
		if (rt->status >= 304 && rt->status <= 306)
			return config_fail(ld, s, "redirect status must be 301, 302, 303, 307 or 308, not %d",
			                   rt->status);
		return 0;
	}
	/* A 304 tells a client that its cached copy is still good: only a conditional request can ask. */
	if (rt->status == 304)
		return config_fail(ld, s,
		                   "route status 304 answers only conditional requests, which routes do not "
		                   "evaluate; use 200");
	/* These say there is no content (RFC 9110 sections 15.3.5, 15.3.6): a text or file would be lost. */
	if ((rt->status == 204 || rt->status == 205) && (rt->kind != ROUTE_TEXT || rt->tmpl.nparts != 0))
		return config_fail(ld, s,
		                   "route status %d sends no content: only a text route with text = \"\" may "
		                   "have it",
		                   rt->status);
	return 0;
}

static int
check_content_type(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct route *rt = base;

	if (rt->content_type == NULL)
		return 0;
	/* It goes into a Content-Type header as it is. */
	if (!all_in_range(rt->content_type, ' ', '~'))
		return config_fail(
		        ld, s,
		        "route content_type must be a non-empty media type of printable ASCII such "
		        "as \"text/html; charset=utf-8\", not \"%s\"",
		        rt->content_type);
	/* Values filled into an HTML template are escaped. */
	rt->html = strstr(rt->content_type, "html") != NULL;
	return 0;
}

static const struct config_key server_keys[] = {
	{ "address", KEY_STRING, .def_str = "0.0.0.0", CFG(address), .check = check_address,
	  .help = "numeric IPv4 or IPv6 address to listen on" },
	{ "port", KEY_INT, .min = 1, .max = 65535, .def = 8080, CFG(port), .help = "TCP port to listen on" },
	{ "workers", KEY_INT, .min = 0, .max = 512, .def = 0, CFG(workers), .check = check_workers,
	  .help = "worker processes; 0 in the file: one per CPU" },
	{ "backlog", KEY_INT, .min = 1, .max = 65535, .def = 511, CFG(backlog),
	  .help = "connections the kernel queues before a worker accepts them" },
	{ "user", KEY_STRING, .def_str = "", CFG(user), .check = check_user,
	  .help = "user the workers switch to when started as root; \"\": stay" },
	{ "keepalive_timeout", KEY_INT, .min = 1, .max = 3600, .def = 15, CFG(keepalive_timeout),
	  .help = "seconds an idle keep-alive connection is kept" },
	{ "request_timeout", KEY_INT, .min = 1, .max = 3600, .def = 10, CFG(request_timeout),
	  .help = "seconds a client gets to send a whole request (then 408)" },
	{ "shutdown_timeout", KEY_INT, .min = 1, .max = 3600, .def = 10, CFG(shutdown_timeout),
	  .help = "seconds old workers get to finish on a reload or graceful stop" },
	{ "max_connections", KEY_INT, .min = 1, .max = 1000000, .def = 4096, CFG(max_connections),
	  .help = "open connections per worker" },
	{ "max_header_size", KEY_SIZE, .min = 1024, .max = 1048576, .def = 8192, CFG(max_header_size),
	  .help = "bytes of request line and headers (beyond: 414 or 431)" },
	{ "max_body_size", KEY_SIZE, .min = 0, .max = 1073741824, .def = 1048576, CFG(max_body_size),
	  .help = "bytes of request body (beyond: 413)" },
	{ "access_log", KEY_STRING, .def_str = "-", CFG(access_log), .check = check_access_log,
	  .help = "file that gets a line per request; \"-\": standard error, \"\": none" },
	{ "access_log_format", KEY_ENUM, .choices = access_formats, .def = ACCESS_COMMON,
	  CFG(access_log_format), .help = "how access log lines are written" },
};

/* metrics = false would be a route of no kind at all. */
static int
check_metrics(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	(void)g;
	if (s != NULL && !((struct route *)base)->metrics)
		return config_fail(ld, s, "metrics must be true; to drop the route, remove it");
	return 0;
}

static const struct config_key route_keys[] = {
	{ "method", KEY_STRING, .choices = http_methods, .def_str = "GET", ROUTE(method),
	  .help = "the method it answers; GET also answers HEAD" },
	{ "path", KEY_STRING, ROUTE(path), .check = check_path,
	  .kinds = ROUTE_KIND(ROUTE_TEXT) | ROUTE_KIND(ROUTE_FILE) | ROUTE_KIND(ROUTE_REDIRECT) |
	           ROUTE_KIND(ROUTE_METRICS),
	  .hint = "a root route takes prefix = \"/dir/\"", .help = "the exact path it answers" },
	{ "prefix", KEY_STRING, ROUTE(path), .check = check_path, .kinds = ROUTE_KIND(ROUTE_DIR),
	  .hint = "use path = \"/...\"", .help = "the paths under it are the files under root" },
	{ "params", KEY_STRINGS, ROUTE(params), .count = offsetof(struct route, nparams),
	  .check = check_params, .kinds = ROUTE_KIND(ROUTE_TEXT),
	  .help = "parameters it requires, from the query or a form body" },
	{ "text", KEY_STRING, ROUTE(target), .check = compile_text, KIND_KEY(ROUTE_TEXT),
	  .help = "the body, with {param} and {host}, {path}, {query}, {remote_addr} filled in" },
	{ "file", KEY_STRING, ROUTE(target), .check = resolve_target, KIND_KEY(ROUTE_FILE),
	  .help = "a file to send" },
	{ "root", KEY_STRING, ROUTE(target), .check = resolve_target, KIND_KEY(ROUTE_DIR),
	  .help = "a directory whose files it serves" },
	{ "redirect", KEY_STRING, ROUTE(target), .check = check_redirect, KIND_KEY(ROUTE_REDIRECT),
	  .help = "the Location it sends, with {host}, {path}, {query}, {remote_addr} filled in" },
	{ "metrics", KEY_BOOL, ROUTE(metrics), .check = check_metrics, KIND_KEY(ROUTE_METRICS),
	  .help = "answers with the server's counters, in Prometheus' text format" },
	{ "status", KEY_INT, .min = 200, .max = 599, .def = 200, ROUTE(status), .check = check_status,
	  .help = "the status code; 302 by default for a redirect" },
	{ "content_type", KEY_STRING, ROUTE(content_type), .check = check_content_type,
	  .help = "the Content-Type; by default text/plain or by the file's extension" },
	{ "follow_symlinks", KEY_BOOL, ROUTE(follow_symlinks), .kinds = ROUTE_KIND(ROUTE_DIR),
	  .help = "symlinks under root may lead out of it" },
	{ "autoindex", KEY_BOOL, ROUTE(autoindex), .kinds = ROUTE_KIND(ROUTE_DIR),
	  .help = "a directory without index.html is listed" },
};

/* Which kind key the route has: exactly one. */
static int
route_kind(struct config_loader *ld, const config_setting_t *r, struct route *rt)
{
	const config_setting_t *s, *found = NULL;
	const struct config_key *k;
	char kinds[128];

	for (k = route_keys; k < route_keys + nitems(route_keys); k++) {
		if (!k->sets_kind || (s = config_setting_get_member(r, k->name)) == NULL)
			continue;
		if (found != NULL)
			return config_fail(ld, s,
			                   "route needs exactly one of %s, not both %s and %s; split it into "
			                   "two routes",
			                   config_kind_names(~0u, kinds, sizeof(kinds)),
			                   config_setting_name(found), k->name);
		found = s;
		rt->kind = (enum route_kind)__builtin_ctz(k->kinds);
	}
	if (found == NULL)
		return config_fail(ld, r, "route needs exactly one of %s; add one",
		                   config_kind_names(~0u, kinds, sizeof(kinds)));
	return 0;
}

static int
load_route(struct config_loader *ld, const config_setting_t *r, struct route *rt)
{
	rt->line = config_setting_source_line(r);
	if (config_check_type(ld, r, "each route", CONFIG_TYPE_BIT(CONFIG_TYPE_GROUP),
	                      "a group { path = \"/...\"; ... }") == -1 ||
	    config_check_keys(ld, CONFIG_ROUTE, r) == -1 || route_kind(ld, r, rt) == -1 ||
	    config_load_keys(ld, CONFIG_ROUTE, r, rt, ROUTE_KIND(rt->kind)) == -1)
		return -1;
	return 0;
}

/* Two routes for the same method and path would leave one silently unreachable. */
static int
route_unique(struct config_loader *ld, const config_setting_t *r, const struct config *cfg, size_t n)
{
	const struct route *rt = &cfg->routes[n], *other;

	for (other = cfg->routes; other < rt; other++)
		if ((other->kind == ROUTE_DIR) == (rt->kind == ROUTE_DIR) &&
		    strcmp(other->method, rt->method) == 0 && strcmp(other->path, rt->path) == 0)
			return config_fail(
			        ld, r, "duplicate route %s %s (first at line %d); remove one or change it",
			        rt->method, rt->path, other->line);
	return 0;
}

static int
load_routes(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list, void *base)
{
	struct config *cfg = base;
	const config_setting_t *r;
	size_t i, n;

	if (list == NULL)
		return config_fail(ld, NULL,
		                   "no routes; add at least one route: routes = ( { path = \"/\"; text = "
		                   "\"hello\"; } );");
	if ((n = (size_t)config_setting_length(list)) == 0)
		return config_fail(ld, list, "no routes; add at least one route");
	if ((cfg->routes = calloc(n, sizeof(*cfg->routes))) == NULL)
		return config_nomem(ld);
	for (i = 0; i < n; i++) {
		/* Counted first, so that config_free releases a route that fails halfway. */
		cfg->nroutes = i + 1;
		r = config_setting_get_elem(list, (unsigned int)i);
		if (load_route(ld, r, &cfg->routes[i]) == -1 || route_unique(ld, r, cfg, i) == -1)
			return -1;
	}
	return 0;
}

static const struct config_key top_keys[] = {
	{ "server", KEY_GROUP, .section = CONFIG_SERVER, .help = "how the server listens, runs and logs" },
	{ "routes", KEY_LIST, .section = CONFIG_ROUTE, .check = load_routes,
	  .help = "what it answers, by method and path" },
};

static const struct config_section_info sections[] = {
	[CONFIG_TOP] = { "", "", "", top_keys, nitems(top_keys) },
	[CONFIG_SERVER] = { "server", "server.", " in server", server_keys, nitems(server_keys) },
	[CONFIG_ROUTE] = { "route", "route ", " in a route", route_keys, nitems(route_keys) },
};

const struct config_section_info *
config_section(enum config_section section)
{
	return &sections[section];
}

const struct config_key *
config_keys(enum config_section section, size_t *n)
{
	*n = sections[section].nkeys;
	return sections[section].keys;
}

const char *
config_section_name(enum config_section section)
{
	return sections[section].name;
}

const char *
config_kind_names(unsigned kinds, char *buf, size_t len)
{
	const char *names[nitems(route_keys) + 1];
	const struct config_key *k;
	size_t n = 0;

	for (k = route_keys; k < route_keys + nitems(route_keys); k++)
		if (k->sets_kind && (k->kinds & kinds) != 0)
			names[n++] = k->name;
	names[n] = NULL;
	return config_join_names(names, buf, len);
}
