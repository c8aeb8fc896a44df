/* SPDX-License-Identifier: ISC */
/* handlers.c: route kinds: templated text, a file, a static directory under a root, a redirect. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file_cache.h"
#include "handlers.h"
#include "log.h"
#include "response.h"
#include "router.h"
#include "template.h"
#include "url.h"
#include "vhost.h"

#define MAX_PARAMS 64
#define SMALL_FILE 16384 /* bytes: a file up to this size is copied into the response, not sendfile()d */

/*
 * What answering needs beyond one request, for one process and one configuration: the route tables of the
 * virtual hosts and which host answers a name on each listener, and
 * the roots of static routes opened once (indexed like cfg->routes; -1 for other kinds, or a root that
 * could not be opened, which is tried again at each request).
 */
struct handlers {
	const struct config *cfg;
	struct router **routers;       /* one per host, indexed like cfg->hosts */
	struct vhost_table **vhosts;   /* one per listener: the hosts it serves; NULL when none */
	const struct metrics *metrics; /* what the metrics route shows */
	int *root_fds;
	bool no_openat2; /* the kernel (or valgrind, or a seccomp filter) lacks openat2: resolve by hand */
};

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "xml", "application/xml" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "pdf", "application/pdf" },
	{ "wasm", "application/wasm" },
	{ "woff2", "font/woff2" },
};

static const char *
mime_type(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
		if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
			return mime_types[i].type;
	return "application/octet-stream";
}

static bool
head_only(const struct exchange *x)
{
	return str_eq(x->req->method, "HEAD");
}

static struct response
response_for(const struct exchange *x, int status)
{
	struct response r = { .status = status, .close = x->close, .hsts = x->hsts };

	r.keep_alive_1_0 = x->req->minor_version == 0 && !x->close;
	return r;
}

/* Appends a plain-text response with r's status and headers and msg as its body. */
static int
send_text(struct exchange *x, struct response *r, const char *msg)
{
	ssize_t body;

	x->status = r->status;
	if ((body = response_text(x->out, r, msg, head_only(x), x->date)) == -1)
		return TH_ERROR;
	x->body_bytes = (uint64_t)body;
	return TH_OK;
}

int
handle_error(struct exchange *x, int status, const char *msg)
{
	struct response r = response_for(x, status);

	return send_text(x, &r, msg);
}

static int
send_redirect(struct exchange *x, int status, const char *location)
{
	struct response r = response_for(x, status);
	char msg[4200];

	r.location = location;
	snprintf(msg, sizeof(msg), "moved to %s", location);
	return send_text(x, &r, msg);
}

/* The counters of every worker, summed, as Prometheus scrapes them. */
static int
send_metrics(const struct handlers *h, struct exchange *x)
{
	struct response r = response_for(x, 200);

	if (h->metrics == NULL)
		return handle_error(x, 404, "not found");
	/* The path is decoded and routed: scratch is free to hold the text. */
	x->scratch->len = 0;
	if (metrics_format(h->metrics, x->scratch) == TH_ERROR)
		return TH_ERROR;
	r.content_type = "text/plain; version=0.0.4; charset=utf-8";
	r.content_length = x->scratch->len;
	x->status = r.status;
	if (response_head(x->out, &r, x->date) == -1)
		return TH_ERROR;
	if (head_only(x))
		return TH_OK;
	x->body_bytes = x->scratch->len;
	return buf_append(x->out, x->scratch->data, x->scratch->len) == -1 ? TH_ERROR : TH_OK;
}

/* OPTIONS that no route takes: the target's methods in Allow, and no content (RFC 9110 section 9.3.7). */
static int
send_options(struct exchange *x, const char *allow)
{
	struct response r = response_for(x, 200);

	r.allow = allow;
	x->status = r.status;
	return response_head(x->out, &r, x->date);
}

static bool
is_form(struct str content_type)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t n = sizeof(form) - 1;

	/* Parameters such as "; charset=utf-8" may follow the media type. */
	return content_type.len >= n && strncasecmp(content_type.p, form, n) == 0 &&
	       (content_type.len == n || content_type.p[n] == ';' || content_type.p[n] == ' ');
}

/*
 * Fills values from the query and, for a form body, from the body too. Returns TH_OK when every parameter
 * is there, or TH_ERROR with the 400 message in msg: a malformed escape, or the names of the missing ones.
 */
static int
collect_params(struct exchange *x, const struct route *rt, struct str *values, char *dst, char *msg,
               size_t msglen)
{
	static const char missing[] = "missing parameter";
	const struct http_request *req = x->req;
	const char *const *names = (const char *const *)rt->params;
	size_t i, len = sizeof(missing) - 1;

	memset(values, 0, rt->nparams * sizeof(*values));
	if (url_form_lookup(req->query.p, req->query.len, dst, names, rt->nparams, values) == -1 ||
	    (x->body.len && is_form(req->content_type) &&
	     url_form_lookup(x->body.p, x->body.len, dst + req->query.len, names, rt->nparams, values) ==
	             -1)) {
		snprintf(msg, msglen, "malformed percent-encoding in the parameters");
		return TH_ERROR;
	}
	snprintf(msg, msglen, "%s", missing);
	for (i = 0; i < rt->nparams; i++) {
		if (values[i].p == NULL && len < msglen)
			len += (size_t)snprintf(msg + len, msglen - len, "%s %s",
			                        len == sizeof(missing) - 1 ? ":" : ",", rt->params[i]);
	}
	return len == sizeof(missing) - 1 ? TH_OK : TH_ERROR;
}

/*
 * The request variables, indexed by enum route_var, into vars; the host name is written to host, which
 * has room for the authority. Host, path and query are what the parser let through: printable ASCII
 * without spaces, so that a Location made of them and of a redirect's text holds nothing else either.
 */
static void
request_vars(struct exchange *x, const struct route *rt, char *host, struct str *vars)
{
	const struct http_request *req = x->req;

	/* Most templates use none: then none costs anything, and rendering reads none of vars. */
	if (!rt->uses_vars)
		return;
	vars[ROUTE_VAR_HOST] =
	        (struct str){ host, url_host_name(req->authority.p, req->authority.len, host) };
	vars[ROUTE_VAR_PATH] = req->path;
	vars[ROUTE_VAR_QUERY] = req->query;
	if ((x->peer_family != AF_INET && x->peer_family != AF_INET6) ||
	    inet_ntop(x->peer_family, x->peer_addr, x->remote_addr, sizeof(x->remote_addr)) == NULL)
		strcpy(x->remote_addr, "-");
	vars[ROUTE_VAR_REMOTE_ADDR] = (struct str){ x->remote_addr, strlen(x->remote_addr) };
}

/* dst has room for the decoded parameters, host for the host name. */
static int
handle_text(struct exchange *x, const struct route *rt, char *dst, char *host)
{
	struct str values[MAX_PARAMS + ROUTE_NVARS];
	struct response r = response_for(x, rt->status);
	char msg[512];
	size_t len;

	if (rt->nparams > MAX_PARAMS)
		return handle_error(x, 500, "route has too many parameters");
	if (collect_params(x, rt, values, dst, msg, sizeof(msg)) == TH_ERROR)
		return handle_error(x, 400, msg);
	request_vars(x, rt, host, values + rt->nparams);
	r.content_type = rt->content_type ? rt->content_type : "text/plain; charset=utf-8";
	len = template_render(&rt->tmpl, values, rt->html, NULL, 0);
	r.content_length = len;
	x->status = r.status;
	if (response_head(x->out, &r, x->date) == -1)
		return TH_ERROR;
	if (head_only(x))
		return TH_OK;
	if (buf_reserve(x->out, len) == -1)
		return TH_ERROR;
	x->out->len += template_render(&rt->tmpl, values, rt->html, x->out->data + x->out->len, len);
	x->body_bytes = len;
	return TH_OK;
}

/* The Location as written, or with the request's variables filled in; host has room for the host name. */
static int
handle_redirect(struct exchange *x, const struct route *rt, char *host)
{
	struct str vars[ROUTE_NVARS];
	char location[4096];
	size_t len;

	if (template_is_literal(&rt->tmpl))
		return send_redirect(x, rt->status, rt->tmpl.src);
	request_vars(x, rt, host, vars);
	if ((len = template_render(&rt->tmpl, vars, false, location, sizeof(location) - 1)) >=
	    sizeof(location))
		return handle_error(x, 414, "the location to redirect to would be too long");
	location[len] = '\0';
	return send_redirect(x, rt->status, location);
}

/* The head of a file's response, with the route's or the extension's type. Returns TH_OK or TH_ERROR (no
 * memory). */
static int
file_head(struct exchange *x, const struct route *rt, const struct stat *st, const char *name)
{
	struct response r = response_for(x, rt->status);

	r.content_type = rt->content_type ? rt->content_type : mime_type(name);
	r.content_length = (uint64_t)st->st_size;
	x->status = r.status;
	return response_head(x->out, &r, x->date);
}

/*
 * Answers with a small file, copied after its head so that both leave in one send. fd stays open.
 * Returns TH_OK, TH_ERROR when memory runs out, or TH_DECLINED (nothing appended) when the file is no
 * longer st's size, smaller or larger.
 */
static int
send_small_file(struct exchange *x, const struct route *rt, int fd, const struct stat *st, const char *name)
{
	size_t start = x->out->len, size = (size_t)st->st_size;

	if (file_head(x, rt, st, name) == -1)
		return TH_ERROR;
	if (head_only(x))
		return TH_OK;
	/* One byte more than expected: a file that grew in place since st must not be cut short. */
	if (buf_reserve(x->out, size + 1) == -1)
		return TH_ERROR;
	if (pread(fd, x->out->data + x->out->len, size + 1, 0) != (ssize_t)size) {
		x->out->len = start;
		return TH_DECLINED;
	}
	x->out->len += size;
	x->body_bytes = size;
	return TH_OK;
}

/* Answers with the regular file fd just opened under name; fd is closed, kept in the cache or sent. */
static int
send_file(struct exchange *x, const struct route *rt, int fd, const struct stat *st, const char *name)
{
	int r;

	if (st->st_size <= SMALL_FILE) {
		if ((r = send_small_file(x, rt, fd, st, name)) == TH_OK) {
			file_cache_put(x->files, rt, name, fd, st, x->now);
			return TH_OK;
		}
		close(fd);
		if (r == TH_ERROR)
			return TH_ERROR;
		/* Its size changed since fstat(): the Content-Length in the head would be a lie. */
		log_warn("%s changed while it was read; answering 500", name);
		return handle_error(x, 500, "the file changed while it was read");
	}
	if (file_head(x, rt, st, name) == -1) {
		close(fd);
		return TH_ERROR;
	}
	if (head_only(x)) {
		close(fd);
		return TH_OK;
	}
	x->file_fd = fd;
	x->body_bytes = (uint64_t)st->st_size;
	return TH_OK;
}

/* A small file served within the last second, still open: one pread. TH_DECLINED on a miss. */
static int
send_cached(struct exchange *x, const struct route *rt, const char *name)
{
	struct stat st;
	int fd, r;

	if ((fd = file_cache_get(x->files, rt, name, x->now, &st)) == -1)
		return TH_DECLINED;
	if ((r = send_small_file(x, rt, fd, &st, name)) == TH_DECLINED)
		file_cache_drop(x->files, rt, name);
	return r;
}

static int
handle_file(struct exchange *x, const struct route *rt)
{
	struct stat st;
	int fd, r;

	if ((r = send_cached(x, rt, rt->target)) != TH_DECLINED)
		return r;
	if ((fd = open(rt->target, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode)) {
		log_errno("route at line %d: cannot serve %s", rt->line, rt->target);
		if (fd != -1)
			close(fd);
		return handle_error(x, errno == ENOENT ? 404 : 500, "the file of this route cannot be read");
	}
	return send_file(x, rt, fd, &st, rt->target);
}

/* A directory asked for without its slash: send the client to the name relative links work under. */
static int
redirect_to_dir(struct exchange *x)
{
	const struct http_request *req = x->req;
	char location[4096];

	if (snprintf(location, sizeof(location), "%.*s/%s%.*s", (int)req->path.len, req->path.p,
	             req->query.len ? "?" : "", (int)req->query.len, req->query.p) >= (int)sizeof(location))
		return handle_error(x, 414, "path too long");
	return send_redirect(x, 301, location);
}

/*
 * Without openat2 (kernels before 5.6, valgrind, some seccomp filters): resolve the path and open it only
 * when it lands inside root, which the config loader made a real path. The same answers as with
 * openat2, but a symlink swapped between the check and the open can win the race: only someone who can
 * write under root can try.
 */
static int
open_resolved(const char *root, const char *rel)
{
	size_t len = strlen(root);
	char joined[PATH_MAX], *real;
	int fd = -1;

	if (snprintf(joined, sizeof(joined), "%s/%s", root, rel) >= (int)sizeof(joined)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((real = realpath(joined, NULL)) == NULL)
		return -1;
	if (strncmp(real, root, len) == 0 && (real[len] == '/' || real[len] == '\0'))
		fd = open(real, O_RDONLY | O_CLOEXEC);
	else
		errno = EXDEV;
	free(real);
	return fd;
}

/*
 * Opens rel (normalised: no ".." of its own) under the route's root; the kernel refuses any way out,
 * symlinks included, unless the route lets symlinks lead out.
 */
static int
open_beneath(struct handlers *h, const struct route *rt, int dirfd, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (rt->follow_symlinks)
		return openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	if (!h->no_openat2) {
		fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd != -1 || errno != ENOSYS)
			return fd;
		h->no_openat2 = true;
	}
	return open_resolved(rt->target, rel);
}

/* open_beneath() and fstat(): the open file with st filled in, or -1 with errno set. */
static int
open_stat(struct handlers *h, const struct route *rt, int dirfd, const char *rel, struct stat *st)
{
	int fd = open_beneath(h, rt, dirfd, rel);

	if (fd != -1 && fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A static route's root, opened once and kept: the config loader resolved it, so what it names changes
 * with a reload, like every other setting. Returns the descriptor, or -1 with errno set.
 */
static int
root_fd(struct handlers *h, const struct route *rt)
{
	int *fd = &h->root_fds[rt - h->cfg->routes];

	if (*fd == -1)
		*fd = open(rt->target, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return *fd;
}

/* The lookup of the hosts served on listener l; NULL (and errno 0) when it serves none. */
static struct vhost_table *
vhosts_for(const struct config *cfg, const struct listen_cfg *l, size_t *which)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->nhosts; i++)
		if (config_host_on(&cfg->hosts[i], l))
			which[n++] = i;
	errno = 0;
	return n > 0 ? vhost_new(cfg->hosts, which, n) : NULL;
}

const struct vhost_table *
handlers_names(const struct handlers *h, size_t listener)
{
	return h->vhosts[listener];
}

struct handlers *
handlers_new(const struct config *cfg, const struct metrics *metrics)
{
	struct handlers *h;
	size_t i, *which;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->cfg = cfg;
	h->metrics = metrics;
	if ((h->root_fds = malloc((cfg->nroutes ? cfg->nroutes : 1) * sizeof(*h->root_fds))) == NULL) {
		free(h);
		return NULL;
	}
	for (i = 0; i < cfg->nroutes; i++)
		h->root_fds[i] = -1;
	if ((h->routers = calloc(cfg->nhosts, sizeof(*h->routers))) == NULL ||
	    (h->vhosts = calloc(cfg->nlisteners, sizeof(*h->vhosts))) == NULL ||
	    (which = malloc((cfg->nhosts ? cfg->nhosts : 1) * sizeof(*which))) == NULL) {
		free(h->vhosts);
		h->vhosts = NULL;
		handlers_free(h);
		return NULL;
	}
	for (i = 0; i < cfg->nhosts; i++)
		if ((h->routers[i] = router_new(cfg->routes + cfg->hosts[i].first_route,
		                                cfg->hosts[i].nroutes)) == NULL)
			goto fail;
	for (i = 0; i < cfg->nlisteners; i++)
		if ((h->vhosts[i] = vhosts_for(cfg, &cfg->listeners[i], which)) == NULL && errno != 0)
			goto fail;
	free(which);
	for (i = 0; i < cfg->nroutes; i++)
		if (cfg->routes[i].kind == ROUTE_DIR && root_fd(h, &cfg->routes[i]) == -1)
			log_errno(
			        "route at line %d: cannot open root %s; its requests get 500 until it can be",
			        cfg->routes[i].line, cfg->routes[i].target);
	return h;
fail:
	free(which);
	handlers_free(h);
	return NULL;
}

void
handlers_free(struct handlers *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->cfg->nroutes; i++)
		if (h->root_fds[i] != -1)
			close(h->root_fds[i]);
	free(h->root_fds);
	for (i = 0; h->routers != NULL && i < h->cfg->nhosts; i++)
		router_free(h->routers[i]);
	free(h->routers);
	for (i = 0; h->vhosts != NULL && i < h->cfg->nlisteners; i++)
		vhost_free(h->vhosts[i]);
	free(h->vhosts);
	free(h);
}

/* Appends s[0..n) to b through an encoder that works like snprintf. */
static int
buf_encode(struct buf *b, size_t (*encode)(const char *, size_t, char *, size_t), const char *s, size_t n)
{
	size_t need = encode(s, n, NULL, 0);

	if (buf_reserve(b, need) == -1)
		return -1;
	b->len += encode(s, n, b->data + b->len, need);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in d, sorted, directories with a trailing '/'; hidden ones stay hidden. NULL on no memory. */
static char **
list_names(DIR *d, size_t *count)
{
	char **names = NULL, **more;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;

	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 32;
			if ((more = realloc(names, cap * sizeof(*names))) == NULL)
				goto fail;
			names = more;
		}
		if ((names[n] = malloc(strlen(de->d_name) + 2)) == NULL)
			goto fail;
		strcpy(names[n], de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			strcat(names[n], "/");
		n++;
	}
	if (names != NULL)
		qsort(names, n, sizeof(*names), cmp_names);
	*count = n;
	return names != NULL ? names : calloc(1, sizeof(*names));
fail:
	while (n > 0)
		free(names[--n]);
	free(names);
	return NULL;
}

/* A directory without index.html, on a route with autoindex: an HTML list of what is in it. */
static int
send_listing(struct exchange *x, const struct route *rt, int fd, const char *path)
{
	struct response r = response_for(x, 200);
	struct buf body = { 0 };
	size_t i, n = 0;
	char **names;
	int rc = -1;
	DIR *d;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return handle_error(x, 500, "the directory cannot be listed");
	}
	if ((names = list_names(d, &n)) == NULL)
		goto done;
	if (buf_printf(&body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ") ==
	            -1 ||
	    buf_encode(&body, template_escape_html, path, strlen(path)) == -1 ||
	    buf_printf(&body, "</title></head>\n<body><h1>Index of ") == -1 ||
	    buf_encode(&body, template_escape_html, path, strlen(path)) == -1 ||
	    buf_printf(&body, "</h1>\n<ul>\n%s",
	               strcmp(path, rt->path) ? "<li><a href=\"../\">../</a></li>\n" : "") == -1)
		goto done;
	for (i = 0; i < n; i++)
		if (buf_printf(&body, "<li><a href=\"") == -1 ||
		    buf_encode(&body, url_encode_path, names[i], strlen(names[i])) == -1 ||
		    buf_printf(&body, "\">") == -1 ||
		    buf_encode(&body, template_escape_html, names[i], strlen(names[i])) == -1 ||
		    buf_printf(&body, "</a></li>\n") == -1)
			goto done;
	if (buf_printf(&body, "</ul>\n</body></html>\n") == -1)
		goto done;
	r.content_type = "text/html; charset=utf-8";
	r.content_length = body.len;
	x->status = 200;
	x->body_bytes = head_only(x) ? 0 : body.len;
	if (response_head(x->out, &r, x->date) == 0 &&
	    (head_only(x) || buf_append(x->out, body.data, body.len) == 0))
		rc = 0;
done:
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&body);
	closedir(d);
	return rc;
}

static int
handle_dir(struct handlers *h, struct exchange *x, const struct route *rt, const char *path, size_t len)
{
	char rel[4096];
	struct stat st;
	int dirfd, fd, index, r;
	size_t n;

	/* path is normalised and starts with the prefix; an empty rest means the root itself. */
	if (snprintf(rel, sizeof(rel), "./%.*s", (int)(len - strlen(rt->path)), path + strlen(rt->path)) >=
	    (int)sizeof(rel) - 16)
		return handle_error(x, 414, "path too long");
	/* A directory is answered with its index.html: the name the file cache knows it by. */
	n = strlen(rel);
	if (rel[n - 1] == '/')
		strcat(rel, "index.html");
	if ((r = send_cached(x, rt, rel)) != TH_DECLINED)
		return r;
	rel[n] = '\0';
	if ((dirfd = root_fd(h, rt)) == -1) {
		log_errno("route at line %d: cannot open root %s", rt->line, rt->target);
		return handle_error(x, 500, "the root of this route cannot be opened");
	}
	fd = open_stat(h, rt, dirfd, rel, &st);
	if (fd != -1 && S_ISDIR(st.st_mode)) {
		if (rel[strlen(rel) - 1] != '/') {
			close(fd);
			return redirect_to_dir(x);
		}
		strcat(rel, "index.html");
		index = open_stat(h, rt, dirfd, rel, &st);
		if (index == -1 && errno == ENOENT && rt->autoindex)
			return send_listing(x, rt, fd, path);
		close(fd);
		fd = index;
	}
	if (fd == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return handle_error(x, 404, "not found");
	}
	return send_file(x, rt, fd, &st, rel);
}

/*
 * Decodes the path into x->scratch and, unless x->route is known already, finds the route for it.
 * Returns TH_OK with the decoded length in *len, or with x->status set when the request is answered instead;
 * -1 when memory runs out.
 */
static int
route_request(struct handlers *h, struct exchange *x, size_t *len)
{
	const struct http_request *req = x->req;
	struct response r;
	char allow[128], *path;
	ssize_t n;

	x->status = 0;
	x->body_bytes = 0;
	x->file_fd = -1;
	if (x->route != NULL)
		x->host = x->route->host;
	else if (h->vhosts[x->listener] != NULL)
		x->host = vhost_match(h->vhosts[x->listener], req->authority);
	else
		return handle_error(x, 404, "no host is served on this listener");
	/* Before any route is looked at: a method no route can name is the server's to refuse, not a path's.
	 */
	if (!http_method_known(req->method))
		return handle_error(x, 501, "method not implemented");
	/*
	 * Room for the decoded path, then the decoded parameters, then the host name, as handle_request()
	 * lays them out; decoding never grows a string, nor does taking the host's name.
	 */
	x->scratch->len = 0;
	if (buf_reserve(x->scratch, req->path.len + 1 + req->query.len + x->body.len + req->authority.len) ==
	    -1)
		return TH_ERROR;
	path = x->scratch->data;
	/* "*" comes only with OPTIONS (the parser sees to it), and the router takes it as it is. */
	if (str_eq(req->path, "*")) {
		path[0] = '*';
		n = 1;
	} else if ((n = url_normalize_path(path, req->path.p, req->path.len)) == -1) {
		return handle_error(x, 400,
		                    "malformed path: bad percent-encoding, NUL byte or .. above the root");
	}
	*len = (size_t)n;
	if (x->route != NULL)
		return TH_OK;
	switch (router_match(h->routers[x->host], req->method, (struct str){ path, *len }, &x->route, allow,
	                     sizeof(allow))) {
	case ROUTER_NOT_FOUND: return handle_error(x, 404, "not found");
	case ROUTER_BAD_METHOD:
		r = response_for(x, 405);
		r.allow = allow;
		return send_text(x, &r, "method not allowed");
	case ROUTER_OPTIONS: return send_options(x, allow);
	case ROUTER_FOUND: break;
	}
	return TH_OK;
}

int
handle_route(struct handlers *h, struct exchange *x)
{
	size_t len;

	x->route = NULL;
	return route_request(h, x, &len);
}

int
handle_request(struct handlers *h, struct exchange *x)
{
	const struct http_request *req = x->req;
	const struct route *rt;
	char *path, *params, *host;
	size_t len;

	if (route_request(h, x, &len) == -1)
		return TH_ERROR;
	if (x->status != 0)
		return TH_OK;
	rt = x->route;
	path = x->scratch->data;
	params = path + req->path.len + 1;
	host = params + req->query.len + x->body.len;
	switch (rt->kind) {
	case ROUTE_TEXT: return handle_text(x, rt, params, host);
	case ROUTE_FILE: return handle_file(x, rt);
	case ROUTE_DIR: path[len] = '\0'; return handle_dir(h, x, rt, path, len);
	case ROUTE_REDIRECT: return handle_redirect(x, rt, host);
	case ROUTE_METRICS: return send_metrics(h, x);
	}
	return handle_error(x, 500, "unknown route kind");
}
