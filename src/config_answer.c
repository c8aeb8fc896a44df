/* SPDX-License-Identifier: ISC */
/* config_answer.c: the keys that shape answers: types, headers and error pages, checked and merged at load.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_load.h"
#include "version.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define MIME_TYPES_FILE "/etc/mime.types" /* Debian's media-types; absent on some systems */
#define MIME_TYPES_MAX  (16u << 20)       /* bytes: far beyond any real mime.types */
#define ERROR_PAGE_MAX  (1u << 20)        /* bytes: a page is kept in memory by every worker */

/* Reads the file at path whole, NUL-terminated, into *text. Returns 0, or -1 with errno set. */
static int
read_whole(const char *path, size_t max, char **text, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, saved;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		errno = !S_ISREG(st.st_mode) ? EINVAL : EFBIG;
		goto fail;
	}
	if ((*text = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	/* Up to the size fstat gave: a file that grows meanwhile is read as it was. */
	while (got < (size_t)st.st_size && (n = read(fd, *text + got, (size_t)st.st_size - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		got += (size_t)n;
	}
	(*text)[got] = '\0';
	*len = got;
	close(fd);
	return 0;
fail:
	saved = errno;
	free(*text);
	*text = NULL;
	close(fd);
	errno = saved;
	return -1;
}

/* A media type as it goes into a Content-Type: printable ASCII, with a '/' between two names. */
static bool
is_media_type(const char *v)
{
	const char *slash = strchr(v, '/');

	if (slash == NULL || slash == v || slash[1] == '\0' || slash[1] == ';' || slash[1] == ' ')
		return false;
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < ' ' || (unsigned char)*v > '~')
			return false;
	return true;
}

/* Fails on the i-th of group s's settings, v[0..n), whose name an earlier one has in another case. */
static int
check_unique_names(struct config_loader *ld, const config_setting_t *s, const struct config_pair *v, size_t n,
                   const char *what)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcasecmp(v[i].name, v[j].name) == 0)
				return config_fail(ld, config_setting_get_elem(s, (unsigned int)i),
				                   "%s %s is also set as %s, case aside; set it once", what,
				                   v[i].name, v[j].name);
	return 0;
}

/* The built-in table, the system's mime.types over it, the file's types = { ... } over both. */
int
config_load_types(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct config *cfg = base;
	struct config_pair *o = cfg->type_overrides;
	size_t i, len;
	char *text;
	int rc;

	for (i = 0; i < cfg->ntype_overrides; i++)
		if (!is_media_type(o[i].value))
			return config_fail(ld, config_setting_get_elem(s, (unsigned int)i),
			                   "types %s must be a media type of printable ASCII such as "
			                   "\"application/wasm\", not \"%s\"",
			                   o[i].name, o[i].value);
	if (check_unique_names(ld, s, o, cfg->ntype_overrides, "types") == -1)
		return -1;
	if (mime_add_builtin(&cfg->types) == -1)
		return config_nomem(ld);
	if (read_whole(MIME_TYPES_FILE, MIME_TYPES_MAX, &text, &len) == 0) {
		rc = mime_parse(&cfg->types, text, len);
		free(text);
		if (rc == -1)
			return config_nomem(ld);
	} else if (errno != ENOENT) {
		/* Missing is normal (no media-types package): the built-in table serves. Unreadable is not.
		 */
		return config_fail(ld, s,
		                   "cannot read %s: %s; make it readable, or remove it to use the "
		                   "built-in types",
		                   MIME_TYPES_FILE, strerror(errno));
	}
	for (i = 0; i < cfg->ntype_overrides; i++)
		if (mime_add(&cfg->types, o[i].name, strlen(o[i].name), o[i].value, strlen(o[i].value)) == -1)
			return config_nomem(ld);
	mime_finish(&cfg->types);
	return 0;
}

/* Headers the server writes itself, each from what it knows of the answer: one set here would be a second. */
static const struct {
	const char *name, *hint;
} own_headers[] = {
	{ "Server", "set server.server_tokens to leave out the version" },
	{ "Date", NULL },
	{ "Content-Type", "set the route's content_type, or the extension's type in types" },
	{ "Content-Length", NULL },
	{ "Transfer-Encoding", NULL },
	{ "Connection", NULL },
	{ "Keep-Alive", NULL },
	{ "Upgrade", NULL },
	{ "Trailer", NULL },
	{ "Location", "use a redirect route" },
	{ "Allow", NULL },
	{ "Content-Range", NULL },
	{ "Accept-Ranges", NULL },
	{ "Content-Encoding", NULL },
	{ "ETag", NULL },
	{ "Last-Modified", NULL },
};

/*
 * A header's name needs no check: libconfig's setting names ([A-Za-z*][-A-Za-z0-9_*]*) are all tokens
 * (RFC 9110 section 5.1). Its value goes out as written: visible ASCII, with spaces and tabs inside.
 */
static int
check_header(struct config_loader *ld, const config_setting_t *e, const char *scope,
             const struct config_pair *p)
{
	size_t i, n = strlen(p->value);

	for (i = 0; i < nitems(own_headers); i++)
		if (strcasecmp(p->name, own_headers[i].name) == 0)
			return config_fail(ld, e, "%sheaders %s is the server's own header; %s", scope,
			                   p->name,
			                   own_headers[i].hint != NULL ? own_headers[i].hint : "remove it");
	for (i = 0; i < n; i++)
		if (((unsigned char)p->value[i] < ' ' && p->value[i] != '\t') ||
		    (unsigned char)p->value[i] > '~')
			return config_fail(ld, e,
			                   "%sheaders %s must be printable ASCII (spaces and tabs inside), "
			                   "without control characters or line breaks",
			                   scope, p->name);
	if (n > 0 &&
	    (p->value[0] == ' ' || p->value[0] == '\t' || p->value[n - 1] == ' ' || p->value[n - 1] == '\t'))
		return config_fail(ld, e, "%sheaders %s must not start or end with a space or tab", scope,
		                   p->name);
	return 0;
}

/* The headers of a, each in effect: its parent's (and theirs), with a's own over them. */
static size_t
headers_in_effect(const struct answer_cfg *a, const struct config_pair **v)
{
	const struct answer_cfg *levels[3], *l;
	size_t nlevels = 0, n = 0, i, j;

	for (l = a; l != NULL && nlevels < nitems(levels); l = l->parent)
		levels[nlevels++] = l;
	while (nlevels-- > 0) {
		l = levels[nlevels];
		for (i = 0; i < l->nheaders; i++) {
			for (j = 0; j < n && strcasecmp(v[j]->name, l->headers[i].name) != 0; j++)
				;
			if (j < n && l->headers[i].value[0] == '\0')
				memmove(&v[j], &v[j + 1], (--n - j) * sizeof(*v));
			else if (j < n)
				v[j] = &l->headers[i];
			else if (l->headers[i].value[0] != '\0')
				v[n++] = &l->headers[i];
		}
	}
	return n;
}

/* a's header block: Server, then its headers in effect, which a's parent must have been given already. */
static int
build_block(struct config_loader *ld, struct answer_cfg *a)
{
	char server[64];
	const struct config_pair **v;
	const struct answer_cfg *l;
	size_t total = 0, n, i, len;
	char *p;

	for (l = a; l != NULL; l = l->parent)
		total += l->nheaders;
	if ((v = calloc(total > 0 ? total : 1, sizeof(*v))) == NULL)
		return config_nomem(ld);
	/* The version of the binary running, which an upgrade in place changes. */
	snprintf(server, sizeof(server), ld->cfg->server_tokens ? "tinyhttpd/%s" : "tinyhttpd",
	         tinyhttpd_version);
	n = headers_in_effect(a, v);
	len = sizeof("Server: \r\n") - 1 + strlen(server);
	for (i = 0; i < n; i++)
		len += strlen(v[i]->name) + 2 + strlen(v[i]->value) + 2;
	if ((a->block = p = malloc(len + 1)) == NULL) {
		free(v);
		return config_nomem(ld);
	}
	p += sprintf(p, "Server: %s\r\n", server);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s: %s\r\n", v[i]->name, v[i]->value);
	a->block_len = len;
	free(v);
	return 0;
}

/* The headers of a, of group s in the file (NULL: none), checked; then its block, over parent's. */
static int
load_headers(struct config_loader *ld, const config_setting_t *s, const char *scope, struct answer_cfg *a,
             const struct answer_cfg *parent)
{
	size_t i;

	a->parent = parent;
	for (i = 0; i < a->nheaders; i++)
		if (check_header(ld, config_setting_get_elem(s, (unsigned int)i), scope, &a->headers[i]) ==
		    -1)
			return -1;
	if (check_unique_names(ld, s, a->headers, a->nheaders, "header") == -1)
		return -1;
	return build_block(ld, a);
}

int
config_server_headers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                      void *base)
{
	return load_headers(ld, s, "server.", &((struct config *)base)->answer, NULL);
}

int
config_host_headers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                    void *base)
{
	return load_headers(ld, s, "host ", &((struct host_cfg *)base)->answer, &ld->cfg->answer);
}

int
config_route_headers(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s,
                     void *base)
{
	struct route *rt = base;

	return load_headers(ld, s, "route ", &rt->answer, &ld->cfg->hosts[rt->host].answer);
}

int
config_host_answer(struct config_loader *ld, struct host_cfg *h)
{
	return load_headers(ld, NULL, "host ", &h->answer, &ld->cfg->answer);
}

/* The errors the server makes itself (DESIGN's "Errors the client sees"): what a page can replace. */
static const int own_errors[] = { 400, 404, 405, 408, 412, 413, 414, 416, 431, 500, 501, 503, 505 };

int
config_page_status(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	const struct error_page *p = base;
	size_t i;

	if (s == NULL)
		return config_fail(ld, g, "error page needs status = 404; or another error the server makes");
	for (i = 0; i < nitems(own_errors); i++)
		if (own_errors[i] == p->status)
			return 0;
	return config_fail(ld, s,
	                   "error page status %d is not an error the server makes itself; it makes 400, "
	                   "404, 405, 408, 412, 413, 414, 416, 431, 500, 501, 503 and 505",
	                   p->status);
}

/* Read now, by the master: workers answer from memory, with no access to the file after a chroot. */
int
config_page_file(struct config_loader *ld, const config_setting_t *g, const config_setting_t *s, void *base)
{
	struct error_page *p = base;
	char *rel = p->file;
	int rc = 0;

	if (rel == NULL)
		return config_fail(ld, g, "error page needs file = \"errors/%d.html\";", p->status);
	if (config_join_path(ld, rel, &p->file) == -1) {
		p->file = rel;
		return -1;
	}
	if (read_whole(p->file, ERROR_PAGE_MAX, &p->body, &p->len) == -1)
		rc = config_fail(ld, s, "error page file \"%s\" (%s): %s; fix the path, relative to %s", rel,
		                 p->file, errno == EFBIG ? "larger than 1 MiB" : strerror(errno), ld->dir);
	else
		p->type = mime_lookup(&ld->cfg->types, p->file);
	free(rel);
	return rc;
}

/* The error pages of a, from list (NULL: none); a status twice would leave one of them unused. */
static int
load_error_pages(struct config_loader *ld, const config_setting_t *list, struct answer_cfg *a)
{
	const config_setting_t *g;
	struct error_page *p;
	size_t i, j, n;

	if (list == NULL || (n = (size_t)config_setting_length(list)) == 0)
		return 0;
	if ((a->pages = calloc(n, sizeof(*a->pages))) == NULL)
		return config_nomem(ld);
	for (i = 0; i < n; i++) {
		/* Counted first, so that config_free releases a page that fails halfway. */
		a->npages = i + 1;
		p = &a->pages[i];
		g = config_setting_get_elem(list, (unsigned int)i);
		p->line = config_setting_source_line(g);
		if (config_check_entry(ld, CONFIG_ERROR_PAGE, g,
		                       "a group { status = 404; file = \"errors/404.html\"; }") == -1 ||
		    config_load_keys(ld, CONFIG_ERROR_PAGE, g, p, 0) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (a->pages[j].status == p->status)
				return config_fail(ld, g, "error page for %d is also at line %d; remove one",
				                   p->status, a->pages[j].line);
	}
	return 0;
}

int
config_server_error_pages(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list,
                          void *base)
{
	return load_error_pages(ld, list, &((struct config *)base)->answer);
}

int
config_host_error_pages(struct config_loader *ld, const config_setting_t *g, const config_setting_t *list,
                        void *base)
{
	return load_error_pages(ld, list, &((struct host_cfg *)base)->answer);
}
