/* SPDX-License-Identifier: ISC */
/* config_keys.c: every key of the config file, a row each, and the checks some need beyond their type. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_load.h"
#include "http_parser.h"
#include "tls.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Where a key's value goes. */
#define CFG(field)    .off = offsetof(struct config, field)
#define LISTEN(field) .off = offsetof(struct listen_cfg, field)
#define HOST(field)   .off = offsetof(struct host_cfg, field)
#define ROUTE(field)  .off = offsetof(struct route, field)
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

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* Nonempty, and every byte one of set. */
static bool
all_of(const char *v, const char *set)
{
	return *v != '\0' && strspn(v, set) == strlen(v);
}

static int
line_of(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

/* Fails on a string of list s, stored in v[0..n), that an earlier one repeats; what is one of them. */
static int
check_once(struct config_loader *ld, const config_setting_t *s, char *const *v, size_t n, const char *what)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(v[j], v[i]) == 0)
				return config_fail(ld, config_setting_get_elem(s, (unsigned int)i),
				                   "duplicate %s \"%s\" in %s; list each once", what, v[i],
				                   config_setting_name(s));
	return 0;
}

/* Numeric only: a host name would need DNS at every reload, and could resolve differently each time. */
static int
check_numeric(struct config_loader *ld, const config_setting_t *s, const char *what, const char *v)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, v, addr) == 1 || inet_pton(AF_INET6, v, addr) == 1)
		return 0;
	return config_fail(ld, s,
	                   "%s must be a numeric IPv4 or IPv6 address such as \"0.0.0.0\", \"127.0.0.1\" or "
	                   "\"::\", not \"%s\"",
	                   what, v);
}

static int
check_address(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	return check_numeric(ld, s, "server.address", ((const struct config *)base)->address);
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
fail_dir(struct config_loader *ld, const config_setting_t *s, const char *what, const char *v,
         const char *dir, const char *why)
{
	return config_fail(ld, s, "%s \"%s\": directory %s: %s; create it or change the path", what, v, dir,
	                   why);
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
			rc = fail_dir(ld, s, "server.access_log", rel, dir, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			rc = fail_dir(ld, s, "server.access_log", rel, dir, strerror(ENOTDIR));
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

/*
 * path, or prefix: a root route has a prefix, a redirect either (prefix keeps redirecting a whole tree),
 * every other route a path. Called for each of the two keys the route's kind takes.
 */
static int
check_path(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct route *rt = base;
	const config_setting_t *prefix = config_setting_get_member(g, "prefix");
	bool dir = rt->kind == ROUTE_DIR || (rt->kind == ROUTE_REDIRECT && prefix != NULL);
	const char *key = dir ? "prefix" : "path", *v = rt->path, *p;

	if (rt->kind == ROUTE_REDIRECT) {
		bool has_path = config_setting_get_member(g, "path") != NULL;

		if (has_path && prefix != NULL)
			return config_fail(ld, prefix,
			                   "a redirect takes path or prefix, not both; remove one");
		/* The key this call is for is absent, the other one present: that one's call checks. */
		if (s == NULL && (has_path || prefix != NULL))
			return 0;
	}
	rt->prefix = dir;
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

static int
check_params(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct route *rt = base;
	size_t i;

	for (i = 0; i < rt->nparams; i++)
		if (!all_of(rt->params[i], ALNUM "_.-"))
			return config_fail(
			        ld, config_setting_get_elem(s, (unsigned int)i),
			        "parameter name \"%s\" may only use letters, digits, '_', '.' and '-'",
			        rt->params[i]);
	return check_once(ld, s, rt->params, rt->nparams, "parameter");
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
	rt->uses_vars = template_uses_from(&rt->tmpl, rt->nparams);
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

/* A host's listen = [ ... ] names listeners by it. */
static int
check_listen_name(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct listen_cfg *l = base, *other;

	if (l->name == NULL)
		return 0;
	if (!all_of(l->name, ALNUM "_-"))
		return config_fail(ld, s, "listen name \"%s\" may only use letters, digits, '_' and '-'",
		                   l->name);
	for (other = ld->cfg->listeners; other < l; other++)
		if (other->name != NULL && strcmp(other->name, l->name) == 0)
			return config_fail(ld, s,
			                   "listen name \"%s\" is also the name of the listener at line %d; "
			                   "rename one",
			                   l->name, other->line);
	return 0;
}

static int
check_listen_address(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                     void *base)
{
	return check_numeric(ld, s, "listen address", ((const struct listen_cfg *)base)->address);
}

/* An IPv6 address written as a mapped IPv4 one ("::ffff:127.0.0.1") is IPv4 to the kernel. */
static bool
is_ipv6(const char *address)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, address, &a) == 1 && !IN6_IS_ADDR_V4MAPPED(&a);
}

static int
check_ipv6_only(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct listen_cfg *l = base;

	if (!l->ipv6_only || is_ipv6(l->address))
		return 0;
	return config_fail(
	        ld, s, "listen ipv6_only is only for an IPv6 address such as \"::\", not \"%s\"; remove it",
	        l->address);
}

/*
 * The socket's path with its directory resolved, so that two spellings of one path are seen to be the same,
 * and checked now: the directory must exist, bind() takes at most sizeof(sun_path) - 1 bytes, and what is
 * already there must be a socket (one a crash left), not a file that binding would fail on.
 */
static int
check_listen_path(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct listen_cfg *l = base;
	char *rel = l->path, *abs, *dir = NULL, *file;
	struct sockaddr_un sun;
	struct stat st;
	size_t len;
	int rc = -1;

	if (config_join_path(ld, rel, &abs) == -1)
		return -1;
	file = strrchr(abs, '/') + 1;
	file[-1] = '\0';
	if (*file == '\0' || strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
		config_fail(ld, s, "listen path \"%s\" must end in the socket's file name", rel);
	else if ((dir = realpath(*abs != '\0' ? abs : "/", NULL)) == NULL)
		fail_dir(ld, s, "listen path", rel, abs, strerror(errno));
	else if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		fail_dir(ld, s, "listen path", rel, abs, strerror(ENOTDIR));
	else if ((l->path = malloc(len = strlen(dir) + 1 + strlen(file) + 1)) == NULL)
		config_nomem(ld);
	else {
		snprintf(l->path, len, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", file);
		if (strlen(l->path) >= sizeof(sun.sun_path))
			config_fail(
			        ld, s,
			        "listen path \"%s\" (%s) is %zu bytes; a unix socket's path has at most %zu",
			        rel, l->path, strlen(l->path), sizeof(sun.sun_path) - 1);
		else if (lstat(l->path, &st) == 0 && !S_ISSOCK(st.st_mode))
			config_fail(ld, s,
			            "listen path \"%s\" (%s) exists and is not a socket; remove it or change "
			            "the path",
			            rel, l->path);
		else
			rc = 0;
	}
	/* The field owns what it points to: the resolved path, or on a failure before it, rel. */
	if (l->path != rel)
		free(rel);
	free(dir);
	free(abs);
	return rc;
}

/*
 * "example.com", "*.example.org" or "*": dot-separated labels of letters, digits and '-', where a wildcard
 * can only be the whole first label. Host headers are matched by name, so nothing else could match.
 */
static bool
is_host_name(const char *v)
{
	size_t n;

	if (strcmp(v, "*") == 0)
		return true;
	if (strncmp(v, "*.", 2) == 0)
		v += 2;
	for (;; v += n + 1) {
		n = strspn(v, ALNUM "-");
		if (n == 0 || (v[n] != '.' && v[n] != '\0'))
			return false;
		if (v[n] == '\0')
			return true;
	}
}

static int
check_host_names(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct host_cfg *h = base;
	size_t i;
	char *p;

	if (s == NULL)
		return config_fail(ld, g, "host needs names = [ \"example.com\", ... ]; \"*\" is any name");
	if (h->nnames == 0)
		return config_fail(ld, s, "host names is empty; list at least one name, or \"*\" for any");
	for (i = 0; i < h->nnames; i++) {
		if (!is_host_name(h->names[i]))
			return config_fail(ld, config_setting_get_elem(s, (unsigned int)i),
			                   "host name \"%s\" must be letters, digits, '-' and '.' such as "
			                   "\"example.com\", or a wildcard \"*.example.com\" or \"*\"",
			                   h->names[i]);
		/* Host headers are compared without case: the matcher lowers theirs. */
		for (p = h->names[i]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	return check_once(ld, s, h->names, h->nnames, "name");
}

static int
check_host_listen(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct host_cfg *h = base;
	const struct config *cfg = ld->cfg;
	size_t i, j;

	if (s == NULL)
		return 0;
	if (h->nlisten == 0)
		return config_fail(ld, s,
		                   "host listen is empty; name the listeners it is served on, or remove it "
		                   "to serve it on every listener");
	for (i = 0; i < h->nlisten; i++) {
		for (j = 0; j < cfg->nlisteners; j++)
			if (cfg->listeners[j].name != NULL &&
			    strcmp(cfg->listeners[j].name, h->listen[i]) == 0)
				break;
		if (j == cfg->nlisteners)
			return config_fail(
			        ld, config_setting_get_elem(s, (unsigned int)i),
			        "host listen \"%s\" is not the name of a listener; give one name = "
			        "\"%s\" in listen = ( ... ), or correct it",
			        h->listen[i], h->listen[i]);
	}
	return check_once(ld, s, h->listen, h->nlisten, "listener");
}

static const struct config_key server_keys[] = {
	{ "address", KEY_STRING, .def_str = "0.0.0.0", CFG(address), .check = check_address,
	  .superseded_by = "listen", .help = "numeric IPv4 or IPv6 address to listen on" },
	{ "port", KEY_INT, .min = 1, .max = 65535, .def = 8080, CFG(port), .superseded_by = "listen",
	  .help = "TCP port to listen on" },
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
	{ "server_tokens", KEY_BOOL, .def = true, CFG(server_tokens),
	  .help = "the Server header names the version; false: tinyhttpd alone" },
	/* After server_tokens: the header block starts with the Server header. */
	{ "headers", KEY_MAP, CFG(answer.headers), .count = offsetof(struct config, answer.nheaders),
	  .check = config_server_headers, .help = "headers every answer gets, unless a host or route says" },
	{ "error_pages", KEY_LIST, .section = CONFIG_ERROR_PAGE, .check = config_server_error_pages,
	  .help = "pages sent instead of the server's plain-text errors" },
};

/* File names in the directory asked for, not paths: a name with '/' could reach out of it. */
static int
check_index(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct route *rt = base;
	size_t i;

	if (s == NULL) {
		if ((rt->index = calloc(1, sizeof(*rt->index))) == NULL ||
		    (rt->index[0] = strdup("index.html")) == NULL)
			return config_nomem(ld);
		rt->nindex = 1;
		return 0;
	}
	for (i = 0; i < rt->nindex; i++)
		if (rt->index[i][0] == '\0' || strchr(rt->index[i], '/') != NULL ||
		    strcmp(rt->index[i], ".") == 0 || strcmp(rt->index[i], "..") == 0 ||
		    strlen(rt->index[i]) > NAME_MAX)
			return config_fail(ld, config_setting_get_elem(s, (unsigned int)i),
			                   "route index \"%s\" must be a file name such as \"index.html\", "
			                   "without '/'",
			                   rt->index[i]);
	return check_once(ld, s, rt->index, rt->nindex, "index file");
}

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
	{ "prefix", KEY_STRING, ROUTE(path), .check = check_path,
	  .kinds = ROUTE_KIND(ROUTE_DIR) | ROUTE_KIND(ROUTE_REDIRECT), .hint = "use path = \"/...\"",
	  .help = "the paths it answers start with it: a root's files, or a redirect's tree" },
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
	{ "index", KEY_STRINGS, ROUTE(index), .count = offsetof(struct route, nindex), .check = check_index,
	  .kinds = ROUTE_KIND(ROUTE_DIR),
	  .help = "what a directory is answered with: the first that exists" },
	{ "autoindex", KEY_BOOL, ROUTE(autoindex), .kinds = ROUTE_KIND(ROUTE_DIR),
	  .help = "a directory without an index file is listed" },
	{ "precompressed", KEY_BOOL, ROUTE(precompressed),
	  .kinds = ROUTE_KIND(ROUTE_FILE) | ROUTE_KIND(ROUTE_DIR),
	  .help = "NAME.br or NAME.gz, when it exists and is not older, goes to clients that accept it" },
	{ "headers", KEY_MAP, ROUTE(answer.headers), .count = offsetof(struct route, answer.nheaders),
	  .check = config_route_headers, .help = "headers its answers get, over its host's" },
};

/* The names of section's kinds in kinds: by_key, the names of the keys that set them. */
static const char *
kind_list(enum config_section section, unsigned kinds, bool by_key, char *buf, size_t len)
{
	const struct config_section_info *sec = config_section(section);
	const char *names[nitems(route_keys) + 1];
	const struct config_key *k;
	size_t n = 0;

	for (k = sec->keys; k < sec->keys + sec->nkeys && n + 1 < nitems(names); k++)
		if (k->sets_kind && (k->kinds & kinds) != 0)
			names[n++] = by_key || sec->kind_names == NULL
			                     ? k->name
			                     : sec->kind_names[__builtin_ctz(k->kinds)];
	names[n] = NULL;
	return config_join_names(names, buf, len);
}

/* Which kind key entry g of section has: exactly one. Its kind bit goes into *kind. */
static int
entry_kind(struct config_loader *ld, enum config_section section, const config_setting_t *g, unsigned *kind)
{
	const struct config_section_info *sec = config_section(section);
	const config_setting_t *s, *found = NULL;
	const struct config_key *k;
	char keys[128];

	kind_list(section, ~0u, true, keys, sizeof(keys));
	for (k = sec->keys; k < sec->keys + sec->nkeys; k++) {
		if (!k->sets_kind || (s = config_setting_get_member(g, k->name)) == NULL)
			continue;
		if (found != NULL)
			return config_fail(
			        ld, s,
			        "%s needs exactly one of %s, not both %s and %s; split it into two %ss",
			        sec->entry, keys, config_setting_name(found), k->name, sec->entry);
		found = s;
		*kind = k->kinds;
	}
	if (found == NULL)
		return config_fail(ld, g, "%s needs exactly one of %s; add one", sec->entry, keys);
	return 0;
}

int
config_check_entry(struct config_loader *ld, enum config_section section, const config_setting_t *g,
                   const char *want)
{
	char what[32];

	snprintf(what, sizeof(what), "each %s", config_section(section)->entry);
	if (config_check_type(ld, g, what, CONFIG_TYPE_BIT(CONFIG_TYPE_GROUP), want) == -1)
		return -1;
	return config_check_keys(ld, section, g);
}

static int
load_route(struct config_loader *ld, const config_setting_t *r, struct route *rt)
{
	unsigned kind;

	rt->line = line_of(r);
	if (config_check_entry(ld, CONFIG_ROUTE, r, "a group { path = \"/...\"; ... }") == -1 ||
	    entry_kind(ld, CONFIG_ROUTE, r, &kind) == -1)
		return -1;
	/* Before its keys: how path is read depends on it. */
	rt->kind = (enum route_kind)__builtin_ctz(kind);
	return config_load_keys(ld, CONFIG_ROUTE, r, rt, kind);
}

/* Two routes of a host for the same method and path would leave one silently unreachable. */
static int
route_unique(struct config_loader *ld, const config_setting_t *r, const struct config *cfg,
             const struct host_cfg *h)
{
	const struct route *rt = &cfg->routes[cfg->nroutes - 1], *other;

	for (other = &cfg->routes[h->first_route]; other < rt; other++)
		if (other->prefix == rt->prefix && strcmp(other->method, rt->method) == 0 &&
		    strcmp(other->path, rt->path) == 0)
			return config_fail(
			        ld, r, "duplicate route %s %s (first at line %d); remove one or change it",
			        rt->method, rt->path, other->line);
	return 0;
}

/*
 * Loads list as the routes of host number host, onto the end of cfg->routes: all hosts' routes are one
 * array, in file order, each host's a slice of it. A missing list (NULL) is reported at where.
 */
static int
load_routes(struct config_loader *ld, const config_setting_t *where, const config_setting_t *list,
            size_t host)
{
	struct config *cfg = ld->cfg;
	struct host_cfg *h = &cfg->hosts[host];
	const config_setting_t *r;
	struct route *routes;
	size_t i, n;

	if (list == NULL)
		return config_fail(ld, where,
		                   "no routes; add at least one route: routes = ( { path = \"/\"; text = "
		                   "\"hello\"; } );");
	if ((n = (size_t)config_setting_length(list)) == 0)
		return config_fail(ld, list, "no routes; add at least one route");
	if ((routes = reallocarray(cfg->routes, cfg->nroutes + n, sizeof(*routes))) == NULL)
		return config_nomem(ld);
	cfg->routes = routes;
	memset(&routes[cfg->nroutes], 0, n * sizeof(*routes));
	h->first_route = cfg->nroutes;
	for (i = 0; i < n; i++) {
		/* Counted first, so that config_free releases a route that fails halfway. */
		cfg->nroutes++;
		h->nroutes = i + 1;
		routes[h->first_route + i].host = host;
		r = config_setting_get_elem(list, (unsigned int)i);
		if (load_route(ld, r, &routes[h->first_route + i]) == -1 || route_unique(ld, r, cfg, h) == -1)
			return -1;
	}
	return 0;
}

static int
load_host_routes(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list,
                 void *base)
{
	return load_routes(ld, g, list, (size_t)((struct host_cfg *)base - ld->cfg->hosts));
}

static int
check_listen_tls(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct listen_cfg *l = base;

	if (!l->tls)
		return 0;
	if (!tls_available)
		return config_fail(ld, s,
		                   "listen tls: this tinyhttpd was built without OpenSSL; install the Debian "
		                   "package libssl-dev and build again (configure --with-openssl)");
	return 0;
}

/*
 * certificate and key, at the top or in a host: PEM files named relative to the config file, one key for
 * each certificate (an ECDSA and an RSA pair may serve the same names). Read by tls_config_load().
 */
static int
check_tls_pairs(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, char **certs,
                size_t ncerts, char **keys, size_t nkeys)
{
	char **v[2] = { certs, keys }, *abs;
	size_t n[2] = { ncerts, nkeys }, i, j;

	if (ncerts != nkeys)
		return config_fail(
		        ld, s != NULL ? s : config_setting_get_member(g, "certificate"),
		        "tls has %zu certificate%s and %zu key%s; give one key for each certificate, "
		        "in the same order",
		        ncerts, ncerts == 1 ? "" : "s", nkeys, nkeys == 1 ? "" : "s");
	for (i = 0; i < 2; i++)
		for (j = 0; j < n[i]; j++) {
			if (config_join_path(ld, v[i][j], &abs) == -1)
				return -1;
			free(v[i][j]);
			v[i][j] = abs;
		}
	return 0;
}

/*
 * The line a problem with certificate and key of group g is reported on: the key's, else the
 * certificate's (libconfig gives a group the line where it ends), else none (0).
 */
static int
tls_line(const config_setting_t *g, const config_setting_t *s)
{
	if (s == NULL && g != NULL)
		s = config_setting_get_member(g, "certificate");
	return s != NULL ? line_of(s) : 0;
}

static int
check_tls_defaults(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct config *cfg = base;

	cfg->tls_line = tls_line(g, s);
	return check_tls_pairs(ld, g, s, cfg->tls_certs, cfg->ntls_certs, cfg->tls_keys, cfg->ntls_keys);
}

static int
check_host_tls(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct host_cfg *h = base;

	h->tls_line = tls_line(g, s);
	return check_tls_pairs(ld, g, s, h->certs, h->ncerts, h->keys, h->nkeys);
}

static const char *const tls_protocols[] = { "TLSv1.2", "TLSv1.3", NULL };

/* Older versions are refused: TLS 1.0 and 1.1 are deprecated (RFC 8996). */
static int
check_tls_protocols(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                    void *base)
{
	const struct config *cfg = base;
	size_t i, j;

	if (s != NULL && cfg->ntls_protocols == 0)
		return config_fail(ld, s, "tls protocols is empty; list \"TLSv1.2\", \"TLSv1.3\" or both");
	for (i = 0; i < cfg->ntls_protocols; i++) {
		for (j = 0; tls_protocols[j] != NULL && strcmp(cfg->tls_protocols[i], tls_protocols[j]) != 0;
		     j++)
			;
		if (tls_protocols[j] == NULL)
			return config_fail(
			        ld, s,
			        "tls protocols: \"%s\" is not one this server speaks; use \"TLSv1.2\" "
			        "and \"TLSv1.3\" (older versions are insecure, RFC 8996)",
			        cfg->tls_protocols[i]);
	}
	return 0;
}

/* A header value: no control characters, which would end the header or split the response. */
static int
check_hsts(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct config *cfg = base;
	const char *p;

	for (p = cfg->tls_hsts; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return config_fail(ld, s,
			                   "tls hsts has a control character; write the header's value "
			                   "alone, such as \"max-age=63072000\"");
	return 0;
}

static const struct config_key tls_keys[] = {
	{ "certificate", KEY_STRINGS, CFG(tls_certs), .count = offsetof(struct config, ntls_certs),
	  .or_string = true, .help = "PEM certificate, then its chain, of hosts without their own" },
	{ "key", KEY_STRINGS, CFG(tls_keys), .count = offsetof(struct config, ntls_keys), .or_string = true,
	  .check = check_tls_defaults, .help = "PEM private key of each certificate, in the same order" },
	{ "protocols", KEY_STRINGS, CFG(tls_protocols), .count = offsetof(struct config, ntls_protocols),
	  .check = check_tls_protocols, .help = "TLS versions it speaks; unset: TLSv1.2 and TLSv1.3" },
	{ "hsts", KEY_STRING, .def_str = "", CFG(tls_hsts), .check = check_hsts,
	  .help = "Strict-Transport-Security on TLS answers, such as \"max-age=63072000\"" },
	{ "ticket_key_lifetime", KEY_INT, .min = 60, .max = 604800, .def = 43200,
	  CFG(tls_ticket_key_lifetime),
	  .help = "seconds a session ticket key is new; the previous one still resumes" },
};

static const struct config_key host_tls_keys[] = {
	{ "certificate", KEY_STRINGS, HOST(certs), .count = offsetof(struct host_cfg, ncerts),
	  .or_string = true, .help = "PEM certificate, then its chain; unset: the top-level tls one" },
	{ "key", KEY_STRINGS, HOST(keys), .count = offsetof(struct host_cfg, nkeys), .or_string = true,
	  .check = check_host_tls, .help = "PEM private key of each certificate, in the same order" },
};

/* By bit, LISTEN_TCP and LISTEN_UNIX. */
static const char *const listen_kinds[] = { "TCP", "unix socket" };

static const struct config_key listen_keys[] = {
	{ "name", KEY_STRING, LISTEN(name), .check = check_listen_name,
	  .help = "what a host's listen = [ ... ] calls it" },
	{ "address", KEY_STRING, .def_str = "0.0.0.0", LISTEN(address), .check = check_listen_address,
	  .kinds = LISTEN_TCP, .help = "numeric IPv4 or IPv6 address to listen on" },
	{ "port", KEY_INT, .min = 1, .max = 65535, LISTEN(port), .kinds = LISTEN_TCP, .sets_kind = true,
	  .help = "TCP port to listen on" },
	{ "ipv6_only", KEY_BOOL, LISTEN(ipv6_only), .check = check_ipv6_only, .kinds = LISTEN_TCP,
	  .help = "an IPv6 address takes no IPv4, so 0.0.0.0 can have the port" },
	{ "path", KEY_STRING, LISTEN(path), .check = check_listen_path, .kinds = LISTEN_UNIX,
	  .sets_kind = true, .help = "unix socket to listen on" },
	{ "mode", KEY_MODE, .def = 0666, LISTEN(mode), .kinds = LISTEN_UNIX,
	  .help = "the unix socket's permissions; to connect takes w" },
	{ "proxy_protocol", KEY_BOOL, LISTEN(proxy_protocol),
	  .help = "connections start with a PROXY protocol v1 or v2 header" },
	{ "tls", KEY_BOOL, LISTEN(tls), .check = check_listen_tls,
	  .help = "connections speak TLS (HTTPS); each host on it needs a certificate" },
};

static const struct config_key host_keys[] = {
	{ "names", KEY_STRINGS, HOST(names), .count = offsetof(struct host_cfg, nnames),
	  .check = check_host_names,
	  .help = "the names it answers: \"example.com\", \"*.example.org\", \"*\"" },
	{ "listen", KEY_STRINGS, HOST(listen), .count = offsetof(struct host_cfg, nlisten),
	  .check = check_host_listen, .help = "the names of the listeners it is on; unset: every one" },
	{ "tls", KEY_GROUP, .section = CONFIG_HOST_TLS,
	  .help = "its certificates, for its names on TLS listeners" },
	/* Before routes, whose headers are merged over the host's. */
	{ "headers", KEY_MAP, HOST(answer.headers), .count = offsetof(struct host_cfg, answer.nheaders),
	  .check = config_host_headers, .help = "headers its answers get, over the server's" },
	{ "error_pages", KEY_LIST, .section = CONFIG_ERROR_PAGE, .check = config_host_error_pages,
	  .help = "its own error pages, over the server's" },
	{ "routes", KEY_LIST, .section = CONFIG_ROUTE, .check = load_host_routes,
	  .help = "what it answers, by method and path" },
};

static const struct config_key error_page_keys[] = {
	{ "status", KEY_INT, .min = 400, .max = 599, .def = 404, .off = offsetof(struct error_page, status),
	  .check = config_page_status, .help = "the error it replaces the server's message for" },
	{ "file", KEY_STRING, .off = offsetof(struct error_page, file), .check = config_page_file,
	  .help = "the page, read at load, sent with that status and its extension's type" },
};

static int
load_listener(struct config_loader *ld, const config_setting_t *g, struct listen_cfg *l)
{
	unsigned kind;

	l->line = line_of(g);
	if (config_check_entry(ld, CONFIG_LISTEN, g, "a group { port = 8080; } or { path = \"...\"; }") ==
	            -1 ||
	    entry_kind(ld, CONFIG_LISTEN, g, &kind) == -1)
		return -1;
	return config_load_keys(ld, CONFIG_LISTEN, g, l, kind);
}

/* What a TCP listener's address takes of a port, as bind() sees it. */
struct bind_view {
	bool v4, v6;        /* it takes IPv4, IPv6 addresses */
	struct in_addr a4;  /* INADDR_ANY: every one */
	struct in6_addr a6; /* in6addr_any: every one */
};

static void
bind_view(const struct listen_cfg *l, struct bind_view *b)
{
	memset(b, 0, sizeof(*b));
	if (inet_pton(AF_INET, l->address, &b->a4) == 1) {
		b->v4 = true;
		return;
	}
	if (inet_pton(AF_INET6, l->address, &b->a6) != 1)
		return;
	if (IN6_IS_ADDR_V4MAPPED(&b->a6)) {
		b->v4 = true;
		memcpy(&b->a4, &b->a6.s6_addr[12], sizeof(b->a4));
		return;
	}
	b->v6 = true;
	/* "::" takes every IPv4 address too, unless ipv6_only. */
	b->v4 = IN6_IS_ADDR_UNSPECIFIED(&b->a6) && !l->ipv6_only;
}

static bool
views_overlap(const struct bind_view *x, const struct bind_view *y)
{
	if (x->v4 && y->v4 &&
	    (x->a4.s_addr == INADDR_ANY || y->a4.s_addr == INADDR_ANY || x->a4.s_addr == y->a4.s_addr))
		return true;
	return x->v6 && y->v6 &&
	       (IN6_IS_ADDR_UNSPECIFIED(&x->a6) || IN6_IS_ADDR_UNSPECIFIED(&y->a6) ||
	        IN6_ARE_ADDR_EQUAL(&x->a6, &y->a6));
}

/*
 * Two listeners on one address, or on addresses one of which takes the other's ("0.0.0.0" every IPv4 one),
 * would make binding the second fail at every start: the kernel refuses it.
 */
static int
listen_unique(struct config_loader *ld, const config_setting_t *g, const struct config *cfg)
{
	const struct listen_cfg *l = &cfg->listeners[cfg->nlisteners - 1], *other;
	struct bind_view x, y;

	for (other = cfg->listeners; other < l; other++) {
		if (l->path != NULL || other->path != NULL) {
			if (l->path != NULL && other->path != NULL && strcmp(l->path, other->path) == 0)
				return config_fail(
				        ld, g, "listen path %s is also the listener at line %d; remove one",
				        l->path, other->line);
			continue;
		}
		if (l->port != other->port)
			continue;
		bind_view(l, &x);
		bind_view(other, &y);
		if (x.v4 == y.v4 && x.v6 == y.v6 && x.a4.s_addr == y.a4.s_addr &&
		    IN6_ARE_ADDR_EQUAL(&x.a6, &y.a6))
			return config_fail(ld, g,
			                   "listen %s port %d is also the listener at line %d; remove one",
			                   l->address, l->port, other->line);
		if (views_overlap(&x, &y))
			return config_fail(
			        ld, g,
			        "listen %s port %d overlaps %s port %d, the listener at line %d: \"0.0.0.0\" "
			        "takes the port on every IPv4 address, \"::\" on every address unless "
			        "ipv6_only = true",
			        l->address, l->port, other->address, other->port, other->line);
	}
	return 0;
}

/* For messages about binding it: where server.port, server.address or server is. */
static int
server_line(const config_setting_t *server)
{
	const config_setting_t *s;

	if (server == NULL)
		return 1;
	if ((s = config_setting_get_member(server, "port")) != NULL ||
	    (s = config_setting_get_member(server, "address")) != NULL)
		return line_of(s);
	return line_of(server);
}

/* Without listen = ( ... ), server.address and server.port are its one listener. */
static int
listen_from_server(struct config_loader *ld, const config_setting_t *g, struct config *cfg)
{
	struct listen_cfg *l;

	if ((l = cfg->listeners = calloc(1, sizeof(*l))) == NULL)
		return config_nomem(ld);
	cfg->nlisteners = 1;
	l->port = cfg->port;
	l->line = server_line(config_setting_get_member(g, "server"));
	if ((l->address = strdup(cfg->address)) == NULL)
		return config_nomem(ld);
	return 0;
}

/* The server keys that listen supersedes: with both, which one holds would be a guess. */
static int
check_superseded(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list)
{
	const config_setting_t *server = config_setting_get_member(g, "server"), *s;
	const struct config_key *k;

	for (k = server_keys; k < server_keys + nitems(server_keys); k++)
		if (k->superseded_by != NULL && strcmp(k->superseded_by, config_setting_name(list)) == 0 &&
		    server != NULL && (s = config_setting_get_member(server, k->name)) != NULL)
			return config_fail(ld, s,
			                   "server.%s cannot be used with %s (line %d): use either "
			                   "server.address/port or listen",
			                   k->name, config_setting_name(list), line_of(list));
	return 0;
}

static int
load_listeners(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list, void *base)
{
	struct config *cfg = base;
	size_t i, n;

	if (list == NULL)
		return listen_from_server(ld, g, cfg);
	if (check_superseded(ld, g, list) == -1)
		return -1;
	if ((n = (size_t)config_setting_length(list)) == 0)
		return config_fail(ld, list,
		                   "listen is empty; add a listener such as { port = 8080; }, or remove "
		                   "it to listen on server.address and server.port");
	if ((cfg->listeners = calloc(n, sizeof(*cfg->listeners))) == NULL)
		return config_nomem(ld);
	for (i = 0; i < n; i++) {
		/* Counted first, so that config_free releases a listener that fails halfway. */
		cfg->nlisteners = i + 1;
		g = config_setting_get_elem(list, (unsigned int)i);
		if (load_listener(ld, g, &cfg->listeners[i]) == -1 || listen_unique(ld, g, cfg) == -1)
			return -1;
	}
	return 0;
}

static int
load_host(struct config_loader *ld, const config_setting_t *g, struct host_cfg *h)
{
	const config_setting_t *names = config_setting_get_member(g, "names");

	/* libconfig gives a group the line where it ends; its names are where a reader looks for it. */
	h->line = line_of(names != NULL ? names : g);
	if (config_check_entry(ld, CONFIG_HOST, g,
	                       "a group { names = [ \"example.com\" ]; routes = ( ... ); }") == -1)
		return -1;
	return config_load_keys(ld, CONFIG_HOST, g, h, 0);
}

/* Whether hosts a and b are on a listener in common. */
static bool
share_listener(const struct config *cfg, const struct host_cfg *a, const struct host_cfg *b)
{
	size_t i;

	for (i = 0; i < cfg->nlisteners; i++)
		if (config_host_on(a, &cfg->listeners[i]) && config_host_on(b, &cfg->listeners[i]))
			return true;
	return false;
}

/*
 * A name in two hosts on one listener would leave one of them unreachable by it. On different listeners
 * it is two sites: a redirect on port 80 and the site on 443.
 */
static int
host_unique(struct config_loader *ld, const config_setting_t *g, const struct config *cfg)
{
	const struct host_cfg *h = &cfg->hosts[cfg->nhosts - 1], *other;
	size_t i, j;

	for (other = cfg->hosts; other < h; other++) {
		if (!share_listener(cfg, h, other))
			continue;
		for (i = 0; i < h->nnames; i++)
			for (j = 0; j < other->nnames; j++)
				if (strcmp(h->names[i], other->names[j]) == 0)
					return config_fail(
					        ld,
					        config_setting_get_elem(config_setting_get_member(g, "names"),
					                                (unsigned int)i),
					        "host name \"%s\" is also a name of the host at line %d, on "
					        "the same "
					        "listener; remove one, or serve them on different listeners "
					        "with "
					        "listen = [ ... ]",
					        h->names[i], other->line);
	}
	return 0;
}

/* A listener no host is on would accept connections only to answer nothing. */
static int
check_served(struct config_loader *ld, const config_setting_t *g, const struct config *cfg)
{
	const config_setting_t *list = config_setting_get_member(g, "listen");
	const struct listen_cfg *l;
	size_t i, j;

	for (i = 0; i < cfg->nlisteners; i++) {
		l = &cfg->listeners[i];
		for (j = 0; j < cfg->nhosts && !config_host_on(&cfg->hosts[j], l); j++)
			;
		if (j == cfg->nhosts)
			return config_fail(
			        ld, list != NULL ? config_setting_get_elem(list, (unsigned int)i) : NULL,
			        "%s%s%s is on no host: each host names its listeners and none names "
			        "it; add it to a host's listen = [ ... ], or remove it",
			        l->name != NULL ? "listener \"" : "this listener",
			        l->name != NULL ? l->name : "", l->name != NULL ? "\"" : "");
	}
	return 0;
}

static int
load_hosts(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list, void *base)
{
	struct config *cfg = base;
	const config_setting_t *h, *routes;
	size_t i, n;

	/* Without hosts, the top-level routes make one. */
	if (list == NULL)
		return 0;
	if ((routes = config_setting_get_member(g, "routes")) != NULL)
		return config_fail(ld, routes,
		                   "top-level routes cannot be used with hosts (line %d): move them into a "
		                   "host, with names = [ \"*\" ] to answer every name",
		                   line_of(list));
	if ((n = (size_t)config_setting_length(list)) == 0)
		return config_fail(ld, list,
		                   "no hosts; add at least one host, or use top-level routes alone");
	if ((cfg->hosts = calloc(n, sizeof(*cfg->hosts))) == NULL)
		return config_nomem(ld);
	for (i = 0; i < n; i++) {
		/* Counted first, so that config_free releases a host that fails halfway. */
		cfg->nhosts = i + 1;
		h = config_setting_get_elem(list, (unsigned int)i);
		if (load_host(ld, h, &cfg->hosts[i]) == -1 || host_unique(ld, h, cfg) == -1)
			return -1;
	}
	return check_served(ld, g, cfg);
}

/* Without hosts = ( ... ), the top-level routes are one host, "*", that answers every name. */
static int
load_top_routes(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list, void *base)
{
	struct config *cfg = base;
	struct host_cfg *h;

	if (cfg->nhosts > 0)
		return 0;
	if ((h = cfg->hosts = calloc(1, sizeof(*h))) == NULL ||
	    (h->names = calloc(1, sizeof(*h->names))) == NULL)
		return config_nomem(ld);
	cfg->nhosts = 1;
	if ((h->names[0] = strdup("*")) == NULL)
		return config_nomem(ld);
	h->nnames = 1;
	h->line = list != NULL ? line_of(list) : 1;
	if (config_host_answer(ld, h) == -1)
		return -1;
	return load_routes(ld, NULL, list, 0);
}

static const struct config_key top_keys[] = {
	/* First: error pages take their type from it. */
	{ "types", KEY_MAP, CFG(type_overrides), .count = offsetof(struct config, ntype_overrides),
	  .check = config_load_types, .help = "extensions' media types, over /etc/mime.types" },
	{ "server", KEY_GROUP, .section = CONFIG_SERVER, .help = "how the server runs and logs" },
	{ "tls", KEY_GROUP, .section = CONFIG_TLS,
	  .help = "HTTPS for every host: protocols, HSTS, ticket keys, default certificates" },
	{ "listen", KEY_LIST, .section = CONFIG_LISTEN, .check = load_listeners,
	  .help = "the sockets it listens on; without it, server.address and port" },
	{ "hosts", KEY_LIST, .section = CONFIG_HOST, .check = load_hosts,
	  .help = "the sites it serves, by name, each with its routes" },
	{ "routes", KEY_LIST, .section = CONFIG_ROUTE, .check = load_top_routes,
	  .help = "without hosts: what it answers for every name" },
};

static const struct config_section_info sections[] = {
	[CONFIG_TOP] = { .name = "",
	                 .scope = "",
	                 .where = "",
	                 .entry = "",
	                 .keys = top_keys,
	                 .nkeys = nitems(top_keys) },
	[CONFIG_SERVER] = { .name = "server",
	                    .scope = "server.",
	                    .where = " in server",
	                    .entry = "server",
	                    .keys = server_keys,
	                    .nkeys = nitems(server_keys) },
	[CONFIG_LISTEN] = { .name = "listen",
	                    .scope = "listen ",
	                    .where = " in a listener",
	                    .entry = "listener",
	                    .kind_names = listen_kinds,
	                    .keys = listen_keys,
	                    .nkeys = nitems(listen_keys) },
	[CONFIG_HOST] = { .name = "host",
	                  .scope = "host ",
	                  .where = " in a host",
	                  .entry = "host",
	                  .keys = host_keys,
	                  .nkeys = nitems(host_keys) },
	[CONFIG_ROUTE] = { .name = "route",
	                   .scope = "route ",
	                   .where = " in a route",
	                   .entry = "route",
	                   .keys = route_keys,
	                   .nkeys = nitems(route_keys) },
	[CONFIG_ERROR_PAGE] = { .name = "error page",
	                        .scope = "error page ",
	                        .where = " in an error page",
	                        .entry = "error page",
	                        .keys = error_page_keys,
	                        .nkeys = nitems(error_page_keys) },
	[CONFIG_TLS] = { .name = "tls",
	                 .scope = "tls ",
	                 .where = " in tls",
	                 .entry = "tls",
	                 .keys = tls_keys,
	                 .nkeys = nitems(tls_keys) },
	[CONFIG_HOST_TLS] = { .name = "host tls",
	                      .scope = "host tls ",
	                      .where = " in a host's tls",
	                      .entry = "host tls",
	                      .keys = host_tls_keys,
	                      .nkeys = nitems(host_tls_keys) },
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
config_kind_names(enum config_section section, unsigned kinds, char *buf, size_t len)
{
	return kind_list(section, kinds, false, buf, len);
}
