/* config.c: the libconfig file read into a validated struct config; every error names file and line. */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http_parser.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define PRINTFLIKE(f, a) __attribute__((__format__(__printf__, f, a)))

#define TYPE_BIT(t) (1 << (t))
#define INT_TYPES   (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64))
#define SEQ_TYPES   (TYPE_BIT(CONFIG_TYPE_ARRAY) | TYPE_BIT(CONFIG_TYPE_LIST))

/* What every check needs: where messages go and what relative paths resolve against. */
struct loader {
	const char *file; /* the path as given, for messages */
	char *dir;        /* the config file's directory, absolute and without symlinks */
	char *err;
	size_t errlen;
};

/* An integer setting of server: its range, its default and the field that receives it. */
struct int_key {
	const char *name;
	long long min, max, def;
	size_t off;
	bool is_size; /* the field is a size_t rather than an int */
};

static void vfail(struct loader *, const char *, int, const char *, va_list) PRINTFLIKE(4, 0);
static int fail_line(struct loader *, const char *, int, const char *, ...) PRINTFLIKE(4, 5);
static int fail_at(struct loader *, const config_setting_t *, const char *, ...) PRINTFLIKE(3, 4);

static const char *const top_keys[] = { "server", "routes", NULL };

static const char *const server_keys[] = { "address",
	                                   "port",
	                                   "workers",
	                                   "backlog",
	                                   "user",
	                                   "keepalive_timeout",
	                                   "request_timeout",
	                                   "shutdown_timeout",
	                                   "max_connections",
	                                   "max_header_size",
	                                   "max_body_size",
	                                   "access_log",
	                                   "access_log_format",
	                                   NULL };

static const struct int_key server_ints[] = {
	{ "port", 1, 65535, 8080, offsetof(struct config, port), false },
	{ "workers", 0, 512, 0, offsetof(struct config, workers), false },
	{ "backlog", 1, 65535, 511, offsetof(struct config, backlog), false },
	{ "keepalive_timeout", 1, 3600, 15, offsetof(struct config, keepalive_timeout), false },
	{ "request_timeout", 1, 3600, 10, offsetof(struct config, request_timeout), false },
	{ "shutdown_timeout", 1, 3600, 10, offsetof(struct config, shutdown_timeout), false },
	{ "max_connections", 1, 1000000, 4096, offsetof(struct config, max_connections), false },
	{ "max_header_size", 1024, 1048576, 8192, offsetof(struct config, max_header_size), true },
	{ "max_body_size", 0, 1073741824, 1048576, offsetof(struct config, max_body_size), true },
};

static const char *const route_keys[] = {
	"method",   "path",   "prefix",       "params",          "text",      "file", "root",
	"redirect", "status", "content_type", "follow_symlinks", "autoindex", NULL
};

/* Indexed by enum route_kind. */
static const char *const kind_keys[] = { "text", "file", "root", "redirect", NULL };

/* Indexed by enum access_format. */
static const char *const access_formats[] = {
	[ACCESS_COMMON] = "common",
	[ACCESS_COMBINED] = "combined",
	[ACCESS_JSON] = "json",
	NULL,
};

/* Copies in to out with control bytes written as \xHH, so that a quoted value cannot break a log line. */
static void
escape_controls(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in != '\0' && n + 5 < len; in++) {
		if ((unsigned char)*in < ' ' || *in == 0x7f)
			n += (size_t)snprintf(out + n, len - n, "\\x%02x", (unsigned char)*in);
		else
			out[n++] = *in;
	}
	out[n] = '\0';
}

/*
 * Formats "file:line: message" into the caller's buffer. libconfig gives no file for the main one, and
 * names an included one as the @include wrote it, relative to the config file's directory.
 */
static void
vfail(struct loader *ld, const char *file, int line, const char *fmt, va_list ap)
{
	bool rel = file != NULL && file[0] != '/';
	char msg[1024], safe[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	escape_controls(msg, safe, sizeof(safe));
	snprintf(ld->err, ld->errlen, "%s%s%s:%d: %s", rel ? ld->dir : "", rel ? "/" : "",
	         file != NULL ? file : ld->file, line, safe);
}

static int
fail_line(struct loader *ld, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Reports a problem with setting s and returns -1. A NULL s stands for a setting that is missing from the
 * top level, which has no line of its own: the message points at the start of the file.
 */
static int
fail_at(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ld, s != NULL ? config_setting_source_file(s) : NULL,
	      s != NULL ? config_setting_source_line(s) : 1, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_nomem(struct loader *ld)
{
	snprintf(ld->err, ld->errlen, "%s: out of memory", ld->file);
	return -1;
}

static int
copy_str(struct loader *ld, const char *s, char **out)
{
	if ((*out = strdup(s)) == NULL)
		return fail_nomem(ld);
	return 0;
}

static bool
in_list(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* Writes "a, b, c or d" into buf, for messages that say what is allowed. */
static const char *
join_names(const char *const *names, char *buf, size_t len)
{
	const char *sep = "";
	size_t i, n = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL; i++) {
		if (i > 0)
			sep = names[i + 1] == NULL ? " or " : ", ";
		w = snprintf(buf + n, len - n, "%s%s", sep, names[i]);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

static const char *
type_name(int type)
{
	static const char *const names[] = {
		[CONFIG_TYPE_GROUP] = "a group { ... }",  [CONFIG_TYPE_INT] = "an integer",
		[CONFIG_TYPE_INT64] = "an integer",       [CONFIG_TYPE_FLOAT] = "a float",
		[CONFIG_TYPE_STRING] = "a string",        [CONFIG_TYPE_BOOL] = "a boolean",
		[CONFIG_TYPE_ARRAY] = "an array [ ... ]", [CONFIG_TYPE_LIST] = "a list ( ... )",
	};

	if (type < 0 || (size_t)type >= nitems(names) || names[type] == NULL)
		return "of an unknown type";
	return names[type];
}

/* Fails unless s has one of the types in mask; what names s and want describes what it must be. */
static int
check_type(struct loader *ld, const config_setting_t *s, const char *what, int mask, const char *want)
{
	if (TYPE_BIT(config_setting_type(s)) & mask)
		return 0;
	return fail_at(ld, s, "%s must be %s, not %s", what, want, type_name(config_setting_type(s)));
}

/* A typo in a key would otherwise be silently ignored and its default used. */
static int
check_keys(struct loader *ld, const config_setting_t *g, const char *where, const char *const *keys)
{
	const config_setting_t *s;
	char list[512];
	int i, n;

	n = g != NULL ? config_setting_length(g) : 0;
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned int)i);
		if (!in_list(config_setting_name(s), keys))
			return fail_at(ld, s, "unknown setting '%s'%s; expected %s", config_setting_name(s),
			               where, join_names(keys, list, sizeof(list)));
	}
	return 0;
}

/* The member name of group g, or NULL when it or g is absent. */
static const config_setting_t *
member(const config_setting_t *g, const char *name)
{
	return g != NULL ? config_setting_get_member(g, name) : NULL;
}

static int
lookup_int(struct loader *ld, const config_setting_t *g, const char *scope, const char *name, long long min,
           long long max, long long def, long long *out)
{
	const config_setting_t *s;
	char what[64], want[96];

	*out = def;
	if ((s = member(g, name)) == NULL)
		return 0;
	snprintf(what, sizeof(what), "%s%s", scope, name);
	snprintf(want, sizeof(want), "an integer from %lld to %lld", min, max);
	if (check_type(ld, s, what, INT_TYPES, want) == -1)
		return -1;
	*out = config_setting_get_int64(s);
	if (*out < min || *out > max)
		return fail_at(ld, s, "%s must be %s, not %lld", what, want, *out);
	return 0;
}

/* Sets *out to the boolean name of g, false when absent, and *where to its setting (NULL when absent). */
static int
lookup_bool(struct loader *ld, const config_setting_t *g, const char *scope, const char *name, bool *out,
            const config_setting_t **where)
{
	char what[64];

	*out = false;
	if ((*where = member(g, name)) == NULL)
		return 0;
	snprintf(what, sizeof(what), "%s%s", scope, name);
	if (check_type(ld, *where, what, TYPE_BIT(CONFIG_TYPE_BOOL), "true or false") == -1)
		return -1;
	*out = config_setting_get_bool(*where) != 0;
	return 0;
}

/* Sets *out to the string name of g (def when absent) and *where to its setting (NULL when absent). */
static int
lookup_str(struct loader *ld, const config_setting_t *g, const char *scope, const char *name, const char *def,
           const char **out, const config_setting_t **where)
{
	char what[64];

	*out = def;
	if ((*where = member(g, name)) == NULL)
		return 0;
	snprintf(what, sizeof(what), "%s%s", scope, name);
	if (check_type(ld, *where, what, TYPE_BIT(CONFIG_TYPE_STRING), "a string in double quotes") == -1)
		return -1;
	*out = config_setting_get_string(*where);
	return 0;
}

/* Nonempty, and every byte within lo..hi. */
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

/* rel made absolute against the config file's directory. */
static int
join_path(struct loader *ld, const char *rel, char **out)
{
	size_t len;

	if (rel[0] == '/')
		return copy_str(ld, rel, out);
	len = strlen(ld->dir) + 1 + strlen(rel) + 1;
	if ((*out = malloc(len)) == NULL)
		return fail_nomem(ld);
	snprintf(*out, len, "%s/%s", ld->dir, rel);
	return 0;
}

/*
 * Resolves the file or directory that setting s names, and opens it once so that a missing or unreadable
 * one is found now rather than on the first request.
 */
static int
resolve_target(struct loader *ld, const config_setting_t *s, const char *rel, bool dir, char **out)
{
	const char *why = NULL;
	struct stat st;
	char *joined;
	int fd;

	if (join_path(ld, rel, &joined) == -1)
		return -1;
	if ((*out = realpath(joined, NULL)) == NULL)
		why = strerror(errno);
	else if ((fd = open(*out, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0))) == -1)
		why = strerror(errno);
	else {
		if (fstat(fd, &st) == -1)
			why = strerror(errno);
		else if (!dir && !S_ISREG(st.st_mode))
			why = "not a regular file";
		close(fd);
	}
	if (why != NULL)
		fail_at(ld, s, "%s \"%s\" (%s): %s; fix the path, relative to %s", config_setting_name(s),
		        rel, joined, why, ld->dir);
	free(joined);
	return why != NULL ? -1 : 0;
}

static int
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 512 ? 512 : (int)n;
}

static int
load_server_ints(struct loader *ld, const config_setting_t *g, struct config *cfg)
{
	const struct int_key *k;
	char *field;
	long long v;

	for (k = server_ints; k < server_ints + nitems(server_ints); k++) {
		if (lookup_int(ld, g, "server.", k->name, k->min, k->max, k->def, &v) == -1)
			return -1;
		field = (char *)cfg + k->off;
		if (k->is_size)
			*(size_t *)(void *)field = (size_t)v;
		else
			*(int *)(void *)field = (int)v;
	}
	if (cfg->workers == 0)
		cfg->workers = cpu_count();
	return 0;
}

/* Numeric only: a host name would need DNS at every reload, and could resolve differently each time. */
static int
load_address(struct loader *ld, const config_setting_t *g, struct config *cfg)
{
	unsigned char addr[sizeof(struct in6_addr)];
	const config_setting_t *s;
	const char *v;

	if (lookup_str(ld, g, "server.", "address", "0.0.0.0", &v, &s) == -1)
		return -1;
	if (inet_pton(AF_INET, v, addr) != 1 && inet_pton(AF_INET6, v, addr) != 1)
		return fail_at(ld, s,
		               "server.address must be a numeric IPv4 or IPv6 address such as \"0.0.0.0\", "
		               "\"127.0.0.1\" or \"::\", not \"%s\"",
		               v);
	return copy_str(ld, v, &cfg->address);
}

static int
load_user(struct loader *ld, const config_setting_t *g, struct config *cfg)
{
	const config_setting_t *s;
	struct passwd *pw;
	const char *v;

	/* -1 ids leave the process's ids unchanged if ever passed to setresuid/setresgid. */
	cfg->uid = (uid_t)-1;
	cfg->gid = (gid_t)-1;
	if (lookup_str(ld, g, "server.", "user", "", &v, &s) == -1)
		return -1;
	if (*v != '\0') {
		if ((pw = getpwnam(v)) == NULL)
			return fail_at(ld, s, "unknown user '%s'; create it or set server.user = \"\"", v);
		cfg->uid = pw->pw_uid;
		cfg->gid = pw->pw_gid;
	}
	return copy_str(ld, v, &cfg->user);
}

static int
fail_log_dir(struct loader *ld, const config_setting_t *s, const char *v, const char *dir, const char *why)
{
	return fail_at(ld, s, "server.access_log \"%s\": directory %s: %s; create it or change the path", v,
	               dir, why);
}

/* The log file itself is opened by the master; here only its directory must exist. */
static int
load_access_log(struct loader *ld, const config_setting_t *g, struct config *cfg)
{
	const config_setting_t *s;
	struct stat st;
	const char *v;
	char *copy, *dir;
	int rc = 0;

	if (lookup_str(ld, g, "server.", "access_log", "-", &v, &s) == -1)
		return -1;
	if (strcmp(v, "-") == 0 || *v == '\0')
		return copy_str(ld, v, &cfg->access_log);
	if (join_path(ld, v, &cfg->access_log) == -1)
		return -1;
	if ((copy = strdup(cfg->access_log)) == NULL)
		return fail_nomem(ld);
	dir = dirname(copy);
	if (stat(dir, &st) == -1)
		rc = fail_log_dir(ld, s, v, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = fail_log_dir(ld, s, v, dir, strerror(ENOTDIR));
	free(copy);
	return rc;
}

static int
load_access_log_format(struct loader *ld, const config_setting_t *g, struct config *cfg)
{
	const config_setting_t *s;
	const char *v;
	char list[64];
	size_t i;

	if (lookup_str(ld, g, "server.", "access_log_format", "common", &v, &s) == -1)
		return -1;
	for (i = 0; access_formats[i] != NULL; i++) {
		if (strcmp(v, access_formats[i]) == 0) {
			cfg->access_log_format = (enum access_format)i;
			return 0;
		}
	}
	return fail_at(ld, s, "server.access_log_format must be %s, not \"%s\"",
	               join_names(access_formats, list, sizeof(list)), v);
}

static int
load_server(struct loader *ld, const config_setting_t *g, struct config *cfg)
{
	if (g != NULL &&
	    check_type(ld, g, "server", TYPE_BIT(CONFIG_TYPE_GROUP), "a group (server = { ... };)") == -1)
		return -1;
	if (check_keys(ld, g, " in server", server_keys) == -1 || load_server_ints(ld, g, cfg) == -1 ||
	    load_address(ld, g, cfg) == -1 || load_user(ld, g, cfg) == -1 ||
	    load_access_log(ld, g, cfg) == -1 || load_access_log_format(ld, g, cfg) == -1)
		return -1;
	return 0;
}

/* Which of text, file, root, redirect the route has; *body gets that setting. */
static int
route_kind(struct loader *ld, const config_setting_t *r, struct route *rt, const config_setting_t **body)
{
	const config_setting_t *s;
	int i, found = -1;

	for (i = 0; kind_keys[i] != NULL; i++) {
		if ((s = member(r, kind_keys[i])) == NULL)
			continue;
		if (found != -1)
			return fail_at(
			        ld, s,
			        "route needs exactly one of text, file, root, redirect, not both %s and %s; "
			        "split it into two routes",
			        kind_keys[found], kind_keys[i]);
		found = i;
		*body = s;
	}
	if (found == -1)
		return fail_at(ld, r, "route needs exactly one of text, file, root, redirect; add one");
	rt->kind = (enum route_kind)found;
	return 0;
}

static int
route_method(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	const config_setting_t *s;
	const char *v;
	char list[128];

	if (lookup_str(ld, r, "route ", "method", "GET", &v, &s) == -1)
		return -1;
	/* One list with the requests' (501 outside it): no route can name a method the server refuses. */
	if (!in_list(v, http_methods))
		return fail_at(ld, s, "route method must be %s (in capitals), not \"%s\"",
		               join_names(http_methods, list, sizeof(list)), v);
	return copy_str(ld, v, &rt->method);
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

static int
check_path(struct loader *ld, const config_setting_t *s, const char *key, const char *v, bool dir)
{
	const char *p;

	if (v[0] != '/')
		return fail_at(ld, s, "route %s must start with '/': write \"/%s\"", key, v);
	if (dir && v[strlen(v) - 1] != '/')
		return fail_at(ld, s, "route prefix must end with '/': write \"%s/\"", v);
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' || *p == '#')
			return fail_at(
			        ld, s,
			        "route %s \"%s\" must not contain spaces, control characters, '?' or '#'; "
			        "it is matched against the decoded path without the query",
			        key, v);
	if (!is_normalized(v))
		return fail_at(ld, s,
		               "route %s \"%s\" has an empty, \".\" or \"..\" segment and could never match",
		               key, v);
	return 0;
}

/* A root route is matched by prefix; every other kind by its exact path. */
static int
route_path(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	bool dir = rt->kind == ROUTE_DIR;
	const char *key = dir ? "prefix" : "path";
	const config_setting_t *s;
	const char *v;

	if ((s = member(r, dir ? "path" : "prefix")) != NULL)
		return fail_at(ld, s,
		               dir ? "a root route takes prefix = \"/dir/\", not path"
		                   : "prefix is only for root routes; use path = \"/...\"");
	if (lookup_str(ld, r, "route ", key, NULL, &v, &s) == -1)
		return -1;
	if (v == NULL)
		return fail_at(ld, r, "route needs %s = \"/%s\"", key, dir ? "dir/" : "...");
	if (check_path(ld, s, key, v, dir) == -1)
		return -1;
	return copy_str(ld, v, &rt->path);
}

static bool
is_param_name(const char *v)
{
	return *v != '\0' &&
	       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(v);
}

static int
route_param(struct loader *ld, const config_setting_t *e, struct route *rt)
{
	const char *v;
	size_t i;

	if (check_type(ld, e, "each of route params", TYPE_BIT(CONFIG_TYPE_STRING),
	               "a string in double quotes") == -1)
		return -1;
	v = config_setting_get_string(e);
	if (!is_param_name(v))
		return fail_at(ld, e, "parameter name \"%s\" may only use letters, digits, '_', '.' and '-'",
		               v);
	for (i = 0; i < rt->nparams; i++)
		if (strcmp(rt->params[i], v) == 0)
			return fail_at(ld, e, "duplicate parameter \"%s\" in params; list each once", v);
	if (copy_str(ld, v, &rt->params[rt->nparams]) == -1)
		return -1;
	rt->nparams++;
	return 0;
}

static int
route_params(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	const config_setting_t *s;
	int i, n;

	if ((s = member(r, "params")) == NULL)
		return 0;
	if (rt->kind != ROUTE_TEXT)
		return fail_at(ld, s, "params are only for text routes; remove them");
	if (check_type(ld, s, "route params", SEQ_TYPES, "a list of names such as [ \"name\", \"age\" ]") ==
	    -1)
		return -1;
	n = config_setting_length(s);
	if ((rt->params = calloc(n > 0 ? (size_t)n : 1, sizeof(*rt->params))) == NULL)
		return fail_nomem(ld);
	for (i = 0; i < n; i++)
		if (route_param(ld, config_setting_get_elem(s, (unsigned int)i), rt) == -1)
			return -1;
	return 0;
}

static int
route_body(struct loader *ld, const config_setting_t *s, struct route *rt)
{
	char what[32], msg[512];
	const char *v;

	snprintf(what, sizeof(what), "route %s", config_setting_name(s));
	if (check_type(ld, s, what, TYPE_BIT(CONFIG_TYPE_STRING), "a string in double quotes") == -1)
		return -1;
	v = config_setting_get_string(s);
	switch (rt->kind) {
	case ROUTE_TEXT:
		if (template_compile(&rt->text, v, (const char *const *)rt->params, rt->nparams, msg,
		                     sizeof(msg)) == -1)
			return fail_at(ld, s, "%s", msg);
		return 0;
	case ROUTE_FILE:
	case ROUTE_DIR: return resolve_target(ld, s, v, rt->kind == ROUTE_DIR, &rt->target);
	case ROUTE_REDIRECT:
		/* It goes into a Location header as it is. */
		if (!all_in_range(v, '!', '~'))
			return fail_at(
			        ld, s,
			        "route redirect must be a non-empty URL of printable ASCII without spaces "
			        "(percent-encode the rest), not \"%s\"",
			        v);
		return copy_str(ld, v, &rt->target);
	}
	return 0;
}

static int
route_status(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	bool redirect = rt->kind == ROUTE_REDIRECT;
	long long v;

	if (lookup_int(ld, r, redirect ? "redirect " : "route ", "status", redirect ? 301 : 200,
	               redirect ? 308 : 599, redirect ? 302 : 200, &v) == -1)
		return -1;
	/* 304, 305 and 306 are in the range but are not redirects a browser follows. */
	if (redirect && v >= 304 && v <= 306)
		return fail_at(ld, member(r, "status"),
		               "redirect status must be 301, 302, 303, 307 or 308, not %lld", v);
	/* A 304 tells a client that its cached copy is still good: only a conditional request can ask. */
	if (v == 304)
		return fail_at(ld, member(r, "status"),
		               "route status 304 answers only conditional requests, which routes do not "
		               "evaluate; use 200");
	/* These say there is no content (RFC 9110 sections 15.3.5, 15.3.6): a text or file would be lost. */
	if ((v == 204 || v == 205) && (rt->kind != ROUTE_TEXT || rt->text.nparts != 0))
		return fail_at(ld, member(r, "status"),
		               "route status %lld sends no content: only a text route with text = \"\" may "
		               "have it",
		               v);
	rt->status = (int)v;
	return 0;
}

static int
route_content_type(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	const config_setting_t *s;
	const char *v;

	if (lookup_str(ld, r, "route ", "content_type", NULL, &v, &s) == -1)
		return -1;
	if (v == NULL)
		return 0;
	/* It goes into a Content-Type header as it is. */
	if (!all_in_range(v, ' ', '~'))
		return fail_at(ld, s,
		               "route content_type must be a non-empty media type of printable ASCII such as "
		               "\"text/html; charset=utf-8\", not \"%s\"",
		               v);
	/* Values filled into an HTML template are escaped. */
	rt->html = strstr(v, "html") != NULL;
	return copy_str(ld, v, &rt->content_type);
}

/* What a static directory may do beyond serving its files; both off unless asked for. */
static int
route_dir_options(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	const config_setting_t *follow, *autoindex;

	if (lookup_bool(ld, r, "route ", "follow_symlinks", &rt->follow_symlinks, &follow) == -1 ||
	    lookup_bool(ld, r, "route ", "autoindex", &rt->autoindex, &autoindex) == -1)
		return -1;
	if (rt->kind != ROUTE_DIR && (follow != NULL || autoindex != NULL))
		return fail_at(ld, follow ? follow : autoindex,
		               "%s is only for root routes (prefix and root); remove it",
		               follow ? "follow_symlinks" : "autoindex");
	return 0;
}

static int
load_route(struct loader *ld, const config_setting_t *r, struct route *rt)
{
	const config_setting_t *body = NULL;

	rt->line = config_setting_source_line(r);
	if (check_type(ld, r, "each route", TYPE_BIT(CONFIG_TYPE_GROUP),
	               "a group { path = \"/...\"; ... }") == -1 ||
	    check_keys(ld, r, " in a route", route_keys) == -1 || route_kind(ld, r, rt, &body) == -1 ||
	    route_method(ld, r, rt) == -1 || route_path(ld, r, rt) == -1 || route_params(ld, r, rt) == -1 ||
	    route_body(ld, body, rt) == -1 || route_status(ld, r, rt) == -1 ||
	    route_content_type(ld, r, rt) == -1 || route_dir_options(ld, r, rt) == -1)
		return -1;
	return 0;
}

/* Two routes for the same method and path would leave one silently unreachable. */
static int
route_unique(struct loader *ld, const config_setting_t *r, const struct config *cfg, size_t n)
{
	const struct route *rt = &cfg->routes[n], *other;

	for (other = cfg->routes; other < rt; other++)
		if ((other->kind == ROUTE_DIR) == (rt->kind == ROUTE_DIR) &&
		    strcmp(other->method, rt->method) == 0 && strcmp(other->path, rt->path) == 0)
			return fail_at(ld, r,
			               "duplicate route %s %s (first at line %d); remove one or change it",
			               rt->method, rt->path, other->line);
	return 0;
}

static int
load_routes(struct loader *ld, const config_setting_t *list, struct config *cfg)
{
	const config_setting_t *r;
	size_t i, n;

	if (list == NULL)
		return fail_at(ld, NULL,
		               "no routes; add at least one route: routes = ( { path = \"/\"; text = "
		               "\"hello\"; } );");
	if (check_type(ld, list, "routes", SEQ_TYPES, "a list of groups (routes = ( { ... }, { ... } );)") ==
	    -1)
		return -1;
	if ((n = (size_t)config_setting_length(list)) == 0)
		return fail_at(ld, list, "no routes; add at least one route");
	if ((cfg->routes = calloc(n, sizeof(*cfg->routes))) == NULL)
		return fail_nomem(ld);
	for (i = 0; i < n; i++) {
		/* Counted first, so that config_free releases a route that fails halfway. */
		cfg->nroutes = i + 1;
		r = config_setting_get_elem(list, (unsigned int)i);
		if (load_route(ld, r, &cfg->routes[i]) == -1 || route_unique(ld, r, cfg, i) == -1)
			return -1;
	}
	return 0;
}

static int
load(struct loader *ld, config_t *lc, FILE *fp, struct config *cfg)
{
	const config_setting_t *root;

	if (config_read(lc, fp) == CONFIG_FALSE)
		return fail_line(ld, config_error_file(lc), config_error_line(lc), "%s",
		                 config_error_text(lc));
	root = config_root_setting(lc);
	if (copy_str(ld, ld->file, &cfg->file) == -1 || check_keys(ld, root, "", top_keys) == -1 ||
	    load_server(ld, member(root, "server"), cfg) == -1 ||
	    load_routes(ld, member(root, "routes"), cfg) == -1)
		return -1;
	return 0;
}

static void
fail_unreadable(struct loader *ld, const char *why)
{
	snprintf(ld->err, ld->errlen, "%s: cannot read: %s; check the path and its permissions", ld->file,
	         why);
}

/* Opens the file and finds its directory, against which relative paths and @include resolve. */
static FILE *
open_config(struct loader *ld)
{
	struct stat st;
	char *copy;
	FILE *fp;

	if ((fp = fopen(ld->file, "r")) == NULL || fstat(fileno(fp), &st) == -1) {
		fail_unreadable(ld, strerror(errno));
		goto fail;
	}
	/* fopen accepts a directory; reading it would fail with a less helpful message. */
	if (S_ISDIR(st.st_mode)) {
		fail_unreadable(ld, strerror(EISDIR));
		goto fail;
	}
	if ((copy = strdup(ld->file)) == NULL) {
		fail_nomem(ld);
		goto fail;
	}
	ld->dir = realpath(dirname(copy), NULL);
	free(copy);
	if (ld->dir == NULL) {
		snprintf(ld->err, ld->errlen, "%s: cannot resolve its directory: %s", ld->file,
		         strerror(errno));
		goto fail;
	}
	return fp;

fail:
	if (fp != NULL)
		fclose(fp);
	return NULL;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = { path, NULL, err, errlen };
	struct config *cfg;
	config_t lc;
	FILE *fp;

	if ((fp = open_config(&ld)) == NULL)
		return NULL;
	config_init(&lc);
	config_set_include_dir(&lc, ld.dir);
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		fail_nomem(&ld);
	else if (load(&ld, &lc, fp, cfg) == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	config_destroy(&lc);
	fclose(fp);
	free(ld.dir);
	return cfg;
}

static void
route_free(struct route *rt)
{
	size_t i;

	for (i = 0; i < rt->nparams; i++)
		free(rt->params[i]);
	free(rt->params);
	template_free(&rt->text);
	free(rt->method);
	free(rt->path);
	free(rt->target);
	free(rt->content_type);
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nroutes; i++)
		route_free(&cfg->routes[i]);
	free(cfg->routes);
	free(cfg->file);
	free(cfg->address);
	free(cfg->user);
	free(cfg->access_log);
	free(cfg);
}
