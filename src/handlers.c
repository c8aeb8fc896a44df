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
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "coding.h"
#include "conditional.h"
#include "file_cache.h"
#include "handlers.h"
#include "log.h"
#include "mime.h"
#include "range.h"
#include "response.h"
#include "router.h"
#include "template.h"
#include "url.h"
#include "vhost.h"

#define MAX_PARAMS 64
#define SMALL_FILE 16384 /* bytes: a file up to this size is copied into the response, not sendfile()d */
/*
 * Bytes a multipart/byteranges body may have: it is built in the output, so that a connection needs no
 * state to send parts of a file one after the other. Clients that seek (players, PDF viewers) ask for one
 * range at a time; several ranges that come to more than this get the whole file with 200.
 */
#define MULTIPART_MAX     65536
#define BOUNDARY_LEN      16 /* hex digits */
#define CONTENT_RANGE_LEN 72 /* "bytes " and three 20-digit numbers */

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
	uint64_t boundary; /* the next multipart boundary: random at start, then counted */
	bool no_openat2;   /* the kernel (or valgrind, or a seccomp filter) lacks openat2: resolve by hand */
};

static bool
head_only(const struct exchange *x)
{
	return str_eq(x->req->method, "HEAD");
}

static struct response
response_for(const struct exchange *x, int status)
{
	struct response r = { .status = status, .close = x->close, .hsts = x->hsts };

	r.headers = (struct str){ x->answer->block, x->answer->block_len };
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

ssize_t
answer_error(struct buf *out, struct response *r, const struct answer_cfg *a, const char *msg, bool head_only,
             const char *date)
{
	const struct error_page *page = config_error_page(a, r->status);

	return page != NULL ? response_page(out, r, page->type, page->body, page->len, head_only, date)
	                    : response_text(out, r, msg, head_only, date);
}

/* An error with r's status and headers: its error page, or msg as plain text. */
static int
send_error(struct exchange *x, struct response *r, const char *msg)
{
	ssize_t body;

	x->status = r->status;
	if ((body = answer_error(x->out, r, x->answer, msg, head_only(x), x->date)) == -1)
		return TH_ERROR;
	x->body_bytes = (uint64_t)body;
	return TH_OK;
}

int
handle_error(struct exchange *x, int status, const char *msg)
{
	struct response r = response_for(x, status);

	return send_error(x, &r, msg);
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

/*
 * Without openat2 (kernels before 5.6, valgrind, some seccomp filters), or for a path through a symlink
 * with an absolute target: resolve the path and open it only when it lands inside root, which the config
 * loader made a real path. A symlink swapped between the check and the open can win the race: only
 * someone who can write under root can try.
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
 * symlinks included, unless the route lets symlinks lead out. RESOLVE_BENEATH also refuses a symlink
 * with an absolute target (EXDEV), even one inside the root: that one is resolved by hand, and served
 * when it lands inside.
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
		if (fd != -1 || (errno != ENOSYS && errno != EXDEV))
			return fd;
		if (errno == ENOSYS)
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

/* A file about to be answered with: open, described, and whether its descriptor is the file cache's. */
struct open_file {
	int fd;
	bool cached;
	struct stat st;
	struct validators v;
};

/* The headers a file's answer depends on, found in one pass; the first of each counts. */
struct file_headers {
	struct cond_headers cond;
	struct str range, accept_encoding;
	bool conditional; /* any of cond's was sent */
};

static void
file_headers(const struct http_request *req, struct file_headers *fh)
{
	const struct http_header *hd;
	struct str *slot;
	size_t i;

	memset(fh, 0, sizeof(*fh));
	for (i = 0; i < req->num_headers; i++) {
		hd = &req->headers[i];
		/* Most headers start with none of these letters: one compare and on. */
		switch (hd->name.p[0] | 0x20) {
		case 'i':
			slot = str_eq_nocase(hd->name, "If-None-Match")       ? &fh->cond.if_none_match
			       : str_eq_nocase(hd->name, "If-Modified-Since") ? &fh->cond.if_modified_since
			       : str_eq_nocase(hd->name, "If-Match")          ? &fh->cond.if_match
			       : str_eq_nocase(hd->name, "If-Unmodified-Since")
			               ? &fh->cond.if_unmodified_since
			       : str_eq_nocase(hd->name, "If-Range") ? &fh->cond.if_range
			                                             : NULL;
			fh->conditional |= slot != NULL;
			break;
		case 'r': slot = str_eq_nocase(hd->name, "Range") ? &fh->range : NULL; break;
		case 'a':
			slot = str_eq_nocase(hd->name, "Accept-Encoding") ? &fh->accept_encoding : NULL;
			break;
		default: slot = NULL; break;
		}
		if (slot != NULL && slot->p == NULL)
			*slot = hd->value;
	}
}

/* f from the file cache; TH_DECLINED when it holds no owner's name. */
static int
cache_get(struct exchange *x, const struct route *rt, const char *name, struct open_file *f)
{
	if ((f->fd = file_cache_get(x->files, rt, name, x->now, &f->st, &f->v)) == -1)
		return TH_DECLINED;
	f->cached = true;
	return TH_OK;
}

/* f from fd, just opened and described by st. */
static void
fresh(struct open_file *f, int fd, const struct stat *st)
{
	f->fd = fd;
	f->cached = false;
	f->st = *st;
	cond_validators(st, &f->v);
}

/*
 * Done with f, named name: a small file stays open in the cache for the next request, a larger one is
 * closed unless it is to be sent (x->file_fd), a cached one is left to the cache.
 */
static void
file_done(struct exchange *x, const struct route *rt, struct open_file *f, const char *name)
{
	if (f->cached || f->fd == x->file_fd)
		return;
	if (f->st.st_size <= SMALL_FILE)
		file_cache_put(x->files, rt, name, f->fd, &f->st, &f->v, x->now);
	else
		close(f->fd);
}

/*
 * Done with g while k is still to be sent: g goes to the cache only when making room for it cannot close
 * k's descriptor.
 */
static void
file_done_beside(struct exchange *x, const struct route *rt, struct open_file *g, const char *name,
                 const struct open_file *k)
{
	if (k->cached && !g->cached)
		close(g->fd);
	else
		file_done(x, rt, g, name);
}

/*
 * Appends r's head for len bytes of f from off, and the bytes: a small body copied after the head so that
 * both leave in one send, a larger one left to sendfile from x->file_fd. Returns TH_OK, TH_ERROR when
 * memory runs out, or TH_DECLINED (nothing appended) when the file no longer has the bytes st promised.
 */
static int
send_part(struct exchange *x, struct response *r, const struct open_file *f, uint64_t off, uint64_t len)
{
	size_t start = x->out->len;
	bool whole = len == (uint64_t)f->st.st_size;

	r->content_length = len;
	x->status = r->status;
	if (response_head(x->out, r, x->date) == -1)
		return TH_ERROR;
	if (head_only(x))
		return TH_OK;
	if (len > SMALL_FILE) {
		x->file_fd = f->fd;
		x->file_off = off;
		x->body_bytes = len;
		return TH_OK;
	}
	/* One byte more for a whole file: one that grew in place since st must not be cut short. */
	if (buf_reserve(x->out, len + 1) == -1)
		return TH_ERROR;
	if (pread(f->fd, x->out->data + x->out->len, len + whole, (off_t)off) != (ssize_t)len) {
		x->out->len = start;
		return TH_DECLINED;
	}
	x->out->len += len;
	x->body_bytes = len;
	return TH_OK;
}

/* "bytes first-last/size" into buf[CONTENT_RANGE_LEN]. */
static const char *
content_range(char *buf, const struct range *rg, uint64_t size)
{
	snprintf(buf, CONTENT_RANGE_LEN, "bytes %llu-%llu/%llu", (unsigned long long)rg->first,
	         (unsigned long long)rg->last, (unsigned long long)size);
	return buf;
}

/*
 * The head of one part of a multipart/byteranges body into buf[cap], like snprintf: returns its length,
 * whatever cap is.
 */
static size_t
part_head(char *buf, size_t cap, const char *boundary, const char *type, const struct range *rg,
          uint64_t size)
{
	char cr[CONTENT_RANGE_LEN];

	return (size_t)snprintf(buf, cap, "\r\n--%s\r\nContent-Type: %s\r\nContent-Range: %s\r\n\r\n",
	                        boundary, type, content_range(cr, rg, size));
}

#define CLOSE_DELIMITER(boundary) "\r\n--" boundary "--\r\n"

/* The length of the multipart/byteranges body of rg[0..n) of a file of size bytes and the given type. */
static uint64_t
multipart_length(const char *boundary, const char *type, const struct range *rg, int n, uint64_t size)
{
	uint64_t total = sizeof(CLOSE_DELIMITER("")) - 1 + strlen(boundary);
	int i;

	for (i = 0; i < n; i++)
		total += part_head(NULL, 0, boundary, type, &rg[i], size) + rg[i].last - rg[i].first + 1;
	return total;
}

/*
 * Several ranges: a multipart/byteranges body (RFC 9110 section 14.6) of total bytes, built in the output
 * so that the connection sends it as any other body, with no state of its own; the caller keeps it
 * within MULTIPART_MAX. Returns TH_OK, TH_ERROR when memory runs out, or TH_DECLINED (nothing appended)
 * when the file shrank.
 */
static int
send_multipart(struct exchange *x, struct response *r, const struct open_file *f, const char *boundary,
               const struct range *rg, int n, uint64_t total)
{
	const char *part_type = r->content_type;
	char type[sizeof("multipart/byteranges; boundary=") + BOUNDARY_LEN];
	uint64_t size = (uint64_t)f->st.st_size, len;
	size_t start = x->out->len;
	int i;

	snprintf(type, sizeof(type), "multipart/byteranges; boundary=%s", boundary);
	r->content_type = type;
	r->content_length = total;
	x->status = r->status;
	if (response_head(x->out, r, x->date) == -1)
		return TH_ERROR;
	if (head_only(x))
		return TH_OK;
	/* One more for the NUL that snprintf writes after the last delimiter. */
	if (buf_reserve(x->out, total + 1) == -1)
		return TH_ERROR;
	for (i = 0; i < n; i++) {
		x->out->len += part_head(x->out->data + x->out->len, x->out->cap - x->out->len, boundary,
		                         part_type, &rg[i], size);
		len = rg[i].last - rg[i].first + 1;
		if (pread(f->fd, x->out->data + x->out->len, len, (off_t)rg[i].first) != (ssize_t)len) {
			x->out->len = start;
			return TH_DECLINED;
		}
		x->out->len += len;
	}
	x->out->len += (size_t)snprintf(x->out->data + x->out->len, x->out->cap - x->out->len,
	                                CLOSE_DELIMITER("%s"), boundary);
	x->body_bytes = total;
	return TH_OK;
}

/*
 * The answer to a Range the file can satisfy (RFC 9110 section 14): one range with 206 and Content-Range,
 * several as multipart/byteranges, none with 416. TH_DECLINED (nothing appended) sends the whole file
 * instead: the header is to be ignored, or the multipart body would be larger than the whole file (the
 * ranges are too fragmented to be worth their part heads) or than MULTIPART_MAX. Otherwise as send_part().
 */
static int
send_ranges(struct handlers *h, struct exchange *x, struct response *r, const struct open_file *f,
            struct str value)
{
	uint64_t size = (uint64_t)f->st.st_size, total;
	char cr[CONTENT_RANGE_LEN], boundary[BOUNDARY_LEN + 1];
	struct range rg[RANGE_MAX];
	int n;

	switch (n = range_parse(value.p, value.len, size, rg)) {
	case RANGE_IGNORE: return TH_DECLINED;
	case RANGE_UNSATISFIABLE:
		snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
		r->status = 416;
		r->content_range = cr;
		r->accept_ranges = false;
		r->etag = r->last_modified = r->content_encoding = NULL;
		return send_text(x, r, "range not satisfiable");
	case 1:
		r->status = 206;
		r->content_range = content_range(cr, &rg[0], size);
		return send_part(x, r, f, rg[0].first, rg[0].last - rg[0].first + 1);
	default:
		/* Unique per answer, so that a file cannot hold it by chance. */
		snprintf(boundary, sizeof(boundary), "%0*llx", BOUNDARY_LEN,
		         (unsigned long long)h->boundary++);
		total = multipart_length(boundary, r->content_type, rg, n, size);
		if (total >= size || total > MULTIPART_MAX)
			return TH_DECLINED;
		r->status = 206;
		return send_multipart(x, r, f, boundary, rg, n, total);
	}
}

/* Whether a's file was modified after b's: a variant older than its original is stale. */
static bool
older(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec < b->st_mtim.tv_sec ||
	       (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec < b->st_mtim.tv_nsec);
}

/*
 * On a precompressed route: the variant of name the client takes best (NAME.br, NAME.gz), regular and not
 * older than f, replaces f, which is released; its name goes to path[PATH_MAX]. dirfd is the root of a
 * root route, -1 for a file route. Returns the coding sent, or NULL when f stays.
 */
static const char *
pick_variant(struct handlers *h, struct exchange *x, const struct route *rt, int dirfd, struct open_file *f,
             const char *name, struct str accept, char *path)
{
	enum coding want[CODING_N];
	struct open_file v;
	struct stat st;
	size_t i, n;
	int fd;

	n = accept.p != NULL ? coding_accepted(accept.p, accept.len, want) : 0;
	for (i = 0; i < n; i++) {
		if (snprintf(path, PATH_MAX, "%s%s", name, coding_suffixes[want[i]]) >= PATH_MAX)
			return NULL;
		if (cache_get(x, rt, path, &v) == TH_DECLINED) {
			fd = dirfd == -1 ? open(path, O_RDONLY | O_CLOEXEC)
			                 : open_beneath(h, rt, dirfd, path);
			if (fd == -1)
				continue;
			if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
				close(fd);
				continue;
			}
			fresh(&v, fd, &st);
		}
		if (older(&v.st, &f->st)) {
			file_done_beside(x, rt, &v, path, f);
			continue;
		}
		file_done_beside(x, rt, f, name, &v);
		*f = v;
		return coding_names[want[i]];
	}
	return NULL;
}

/*
 * Answers with f, the regular file name (its extension gives the type), opened for rt: its validators,
 * preconditions and ranges, and on a precompressed route the variant the client takes. f is given away:
 * kept in the cache, closed, or to be sent. Returns TH_OK, TH_ERROR when memory runs out, or TH_DECLINED
 * (nothing appended) when f came from the file cache and no longer has the size it was cached with: it
 * is dropped from the cache, to be opened afresh.
 */
static int
send_file(struct handlers *h, struct exchange *x, const struct route *rt, int dirfd, struct open_file *f,
          const char *name)
{
	struct response r = response_for(x, rt->status), whole;
	char variant[PATH_MAX];
	bool get = str_eq(x->req->method, "GET") || head_only(x);
	struct file_headers fh;
	time_t now = 0;
	int rc = TH_DECLINED;

	file_headers(x->req, &fh);
	r.content_type = rt->content_type ? rt->content_type : mime_lookup(x->types, name);
	if (rt->precompressed) {
		r.vary_encoding = true;
		r.content_encoding = pick_variant(h, x, rt, dirfd, f, name, fh.accept_encoding, variant);
		if (r.content_encoding != NULL)
			name = variant;
	}
	/* Preconditions only where the answer would be a success (RFC 9110 section 13.2.1). */
	if (rt->status >= 200 && rt->status < 300) {
		r.etag = f->v.etag;
		r.last_modified = f->v.last_modified;
	}
	if (fh.conditional)
		now = time(NULL); /* to read a two-digit year */
	if (r.etag != NULL && fh.conditional) {
		switch (cond_evaluate(&fh.cond, &f->v, get, now)) {
		case COND_NOT_MODIFIED:
			/* The validators and Vary, but not what describes a body (section 15.4.5). */
			r.status = x->status = 304;
			r.content_encoding = NULL;
			rc = response_head(x->out, &r, x->date) == -1 ? TH_ERROR : TH_OK;
			break;
		case COND_FAILED:
			/* A text of ours, not the variant: no coding, no validators. */
			r.status = 412;
			r.etag = r.last_modified = r.content_encoding = NULL;
			rc = send_text(x, &r, "precondition failed");
			break;
		case COND_PROCEED: break;
		}
	}
	/* Ranges are for GET alone (section 14.2); HEAD gets the head GET would. */
	r.accept_ranges = rt->status == 200;
	whole = r;
	if (rc == TH_DECLINED && r.accept_ranges && fh.range.p != NULL && get &&
	    cond_if_range(fh.cond.if_range, &f->v, now))
		rc = send_ranges(h, x, &r, f, fh.range);
	/*
	 * The head as it was before the ranges changed it. Also after a range that found the file shrunk:
	 * the whole read finds it too, and the file is opened afresh or answered with 500.
	 */
	if (rc == TH_DECLINED)
		rc = send_part(x, &whole, f, 0, (uint64_t)f->st.st_size);
	if (rc != TH_DECLINED) {
		file_done(x, rt, f, name);
		return rc;
	}
	/* Its size changed since fstat(): the Content-Length in the head would be a lie. */
	if (f->cached) {
		file_cache_drop(x->files, rt, name);
		return TH_DECLINED;
	}
	close(f->fd);
	log_warn("%s changed while it was read; answering 500", name);
	return handle_error(x, 500, "the file changed while it was read");
}

static int
handle_file(struct handlers *h, struct exchange *x, const struct route *rt)
{
	struct open_file f;
	struct stat st;
	int fd, r;

	if (cache_get(x, rt, rt->target, &f) == TH_OK &&
	    (r = send_file(h, x, rt, -1, &f, rt->target)) != TH_DECLINED)
		return r;
	if ((fd = open(rt->target, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode)) {
		log_errno("route at line %d: cannot serve %s", rt->line, rt->target);
		if (fd != -1)
			close(fd);
		return handle_error(x, errno == ENOENT ? 404 : 500, "the file of this route cannot be read");
	}
	fresh(&f, fd, &st);
	/* Not from the cache: never TH_DECLINED. */
	return send_file(h, x, rt, -1, &f, rt->target);
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
	/* A file that holds a boundary by chance would garble its own parts: start where none can guess. */
	if (getrandom(&h->boundary, sizeof(h->boundary), GRND_NONBLOCK) != sizeof(h->boundary))
		h->boundary = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
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

/*
 * A small file served within the last second, still open: rel itself, or for a directory (rel of n bytes
 * ending in '/') the first of its index files the cache has, with its name appended to rel. TH_DECLINED
 * (rel as it was) on a miss.
 */
static int
send_cached(struct handlers *h, struct exchange *x, const struct route *rt, int dirfd, char *rel, size_t n)
{
	bool dir = rel[n - 1] == '/';
	struct open_file f;
	size_t i;
	int r;

	for (i = 0; i < (dir ? rt->nindex : 1); i++) {
		if (dir)
			strcpy(rel + n, rt->index[i]);
		if (cache_get(x, rt, rel, &f) == TH_OK &&
		    (r = send_file(h, x, rt, dirfd, &f, rel)) != TH_DECLINED)
			return r;
	}
	rel[n] = '\0';
	return TH_DECLINED;
}

/*
 * The first of the route's index files that the directory rel (of n bytes, ending in '/') has, opened, with
 * its name appended to rel; -1 with errno ENOENT when it has none, or another errno when one cannot be
 * opened.
 */
static int
open_index(struct handlers *h, const struct route *rt, int dirfd, char *rel, size_t n, struct stat *st)
{
	size_t i;
	int fd;

	for (i = 0; i < rt->nindex; i++) {
		strcpy(rel + n, rt->index[i]);
		if ((fd = open_stat(h, rt, dirfd, rel, st)) != -1 || errno != ENOENT)
			return fd;
	}
	rel[n] = '\0';
	errno = ENOENT;
	return -1;
}

static int
handle_dir(struct handlers *h, struct exchange *x, const struct route *rt, const char *path, size_t len)
{
	struct open_file f;
	char rel[4096];
	struct stat st;
	int dirfd, fd, index, r;
	size_t n;

	/* path is normalised and starts with the prefix; an empty rest means the root itself. Room is left
	 * for an index file's name, which the config loader holds to NAME_MAX. */
	if (snprintf(rel, sizeof(rel), "./%.*s", (int)(len - strlen(rt->path)), path + strlen(rt->path)) >=
	    (int)sizeof(rel) - NAME_MAX - 1)
		return handle_error(x, 414, "path too long");
	if ((dirfd = root_fd(h, rt)) == -1) {
		log_errno("route at line %d: cannot open root %s", rt->line, rt->target);
		return handle_error(x, 500, "the root of this route cannot be opened");
	}
	/* A directory is answered with an index file: the name the file cache knows it by. */
	n = strlen(rel);
	if ((r = send_cached(h, x, rt, dirfd, rel, n)) != TH_DECLINED)
		return r;
	fd = open_stat(h, rt, dirfd, rel, &st);
	if (fd != -1 && S_ISDIR(st.st_mode)) {
		if (rel[n - 1] != '/') {
			close(fd);
			return redirect_to_dir(x);
		}
		index = open_index(h, rt, dirfd, rel, n, &st);
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
	fresh(&f, fd, &st);
	return send_file(h, x, rt, dirfd, &f, rel);
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
	x->answer = &h->cfg->answer;
	x->types = &h->cfg->types;
	if (x->route != NULL)
		x->host = x->route->host;
	else if (h->vhosts[x->listener] != NULL)
		x->host = vhost_match(h->vhosts[x->listener], req->authority);
	else
		return handle_error(x, 404, "no host is served on this listener");
	x->answer = x->route != NULL ? &x->route->answer : &h->cfg->hosts[x->host].answer;
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
		return send_error(x, &r, "method not allowed");
	case ROUTER_OPTIONS: return send_options(x, allow);
	case ROUTER_FOUND: break;
	}
	x->answer = &x->route->answer;
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
	case ROUTE_FILE: return handle_file(h, x, rt);
	case ROUTE_DIR: path[len] = '\0'; return handle_dir(h, x, rt, path, len);
	case ROUTE_REDIRECT: return handle_redirect(x, rt, host);
	case ROUTE_METRICS: return send_metrics(h, x);
	}
	return handle_error(x, 500, "unknown route kind");
}
