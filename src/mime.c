/* SPDX-License-Identifier: ISC */
/* mime.c: the extension to media type table: filled from mime.types text, sorted once, binary searched. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

/*
 * What a site serves most, in mime.types syntax: what a system without /etc/mime.types (Debian's
 * media-types) still gets right. The file, read over it, wins where the two differ.
 */
static const char builtin[] = "text/html html htm shtml\n"
                              "text/css css\n"
                              "text/javascript js mjs\n"
                              "text/plain txt text log\n"
                              "text/csv csv\n"
                              "text/markdown md markdown\n"
                              "text/xml xsl\n"
                              "text/calendar ics\n"
                              "text/vtt vtt\n"
                              "application/json json map\n"
                              "application/ld+json jsonld\n"
                              "application/manifest+json webmanifest\n"
                              "application/xml xml\n"
                              "application/xhtml+xml xhtml xht\n"
                              "application/atom+xml atom\n"
                              "application/rss+xml rss\n"
                              "application/wasm wasm\n"
                              "application/pdf pdf\n"
                              "application/zip zip\n"
                              "application/gzip gz\n"
                              "application/x-bzip2 bz2\n"
                              "application/x-xz xz\n"
                              "application/zstd zst\n"
                              "application/x-tar tar\n"
                              "application/x-7z-compressed 7z\n"
                              "application/epub+zip epub\n"
                              "application/vnd.debian.binary-package deb\n"
                              "application/vnd.ms-fontobject eot\n"
                              "application/octet-stream bin exe dll iso img\n"
                              "image/png png\n"
                              "image/jpeg jpg jpeg jpe\n"
                              "image/gif gif\n"
                              "image/webp webp\n"
                              "image/avif avif\n"
                              "image/apng apng\n"
                              "image/svg+xml svg svgz\n"
                              "image/bmp bmp\n"
                              "image/tiff tif tiff\n"
                              "image/vnd.microsoft.icon ico\n"
                              "font/woff woff\n"
                              "font/woff2 woff2\n"
                              "font/ttf ttf\n"
                              "font/otf otf\n"
                              "audio/mpeg mp3\n"
                              "audio/ogg ogg oga opus\n"
                              "audio/wav wav\n"
                              "audio/flac flac\n"
                              "audio/aac aac\n"
                              "audio/mp4 m4a\n"
                              "video/mp4 mp4 m4v\n"
                              "video/webm webm\n"
                              "video/ogg ogv\n"
                              "video/quicktime mov\n"
                              "video/x-matroska mkv\n"
                              "video/mp2t ts\n"
                              "application/vnd.apple.mpegurl m3u8\n"
                              "application/dash+xml mpd\n";

/*
 * The types a charset parameter describes and a browser would otherwise guess the encoding of: every text/
 * type, as Go's mime package has it (nginx's charset_types would leave out text/css and text/javascript),
 * and the two of nginx's charset_types that are not text/. Not application/json, whose registration
 * defines no charset (RFC 8259 section 11), nor application/xml, whose document declares its own.
 */
static bool
takes_charset(const char *type, size_t len)
{
	if (memchr(type, ';', len) != NULL)
		return false;
	return (len > 5 && strncasecmp(type, "text/", 5) == 0) ||
	       (len == 22 && strncasecmp(type, "application/javascript", len) == 0) ||
	       (len == 19 && strncasecmp(type, "application/rss+xml", len) == 0);
}

int
mime_add(struct mime_types *m, const char *ext, size_t ext_len, const char *type, size_t type_len)
{
	static const char charset[] = "; charset=utf-8";
	size_t extra = takes_charset(type, type_len) ? sizeof(charset) - 1 : 0, i;
	struct mime_type *more, *t;
	char *p;

	if (m->n == m->cap) {
		if ((more = reallocarray(m->v, m->cap ? m->cap * 2 : 256, sizeof(*m->v))) == NULL)
			return -1;
		m->v = more;
		m->cap = m->cap ? m->cap * 2 : 256;
	}
	if ((p = malloc(ext_len + 1 + type_len + extra + 1)) == NULL)
		return -1;
	t = &m->v[m->n];
	t->ext = p;
	for (i = 0; i < ext_len; i++)
		p[i] = (char)tolower((unsigned char)ext[i]);
	p[ext_len] = '\0';
	t->type = p + ext_len + 1;
	memcpy(t->type, type, type_len);
	memcpy(t->type + type_len, charset, extra);
	t->type[type_len + extra] = '\0';
	t->seq = m->n++;
	return 0;
}

int
mime_add_builtin(struct mime_types *m)
{
	return mime_parse(m, builtin, sizeof(builtin) - 1);
}

/* A token of printable ASCII, as a header value takes it. */
static bool
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* The next whitespace-separated token of line [*p, end) into *tok; false at the end of the line. */
static bool
next_token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return *len > 0;
}

int
mime_parse(struct mime_types *m, const char *text, size_t len)
{
	const char *end = text + len, *eol, *p, *type, *ext;
	size_t type_len, ext_len;

	for (; text < end; text = eol + (eol < end)) {
		if ((eol = memchr(text, '\n', (size_t)(end - text))) == NULL)
			eol = end;
		p = text;
		if (!next_token(&p, eol, &type, &type_len) || *type == '#' || !printable(type, type_len) ||
		    memchr(type, '/', type_len) == NULL)
			continue;
		while (next_token(&p, eol, &ext, &ext_len)) {
			if (*ext == '#')
				break;
			if (ext_len <= MIME_EXT_MAX && printable(ext, ext_len) &&
			    mime_add(m, ext, ext_len, type, type_len) == -1)
				return -1;
		}
	}
	return 0;
}

static int
cmp_added(const void *a, const void *b)
{
	const struct mime_type *x = a, *y = b;
	int c = strcmp(x->ext, y->ext);

	return c != 0 ? c : x->seq < y->seq ? -1 : 1;
}

void
mime_finish(struct mime_types *m)
{
	size_t i, n = 0;

	if (m->n == 0)
		return;
	qsort(m->v, m->n, sizeof(*m->v), cmp_added);
	/* Of a run of one extension, sorted by when they were added, the last stays. */
	for (i = 0; i < m->n; i++) {
		if (i + 1 < m->n && strcmp(m->v[i].ext, m->v[i + 1].ext) == 0) {
			free(m->v[i].ext);
			continue;
		}
		m->v[n++] = m->v[i];
	}
	m->n = n;
}

static int
cmp_ext(const void *key, const void *elem)
{
	return strcmp(key, ((const struct mime_type *)elem)->ext);
}

const char *
mime_lookup(const struct mime_types *m, const char *name)
{
	const char *base = strrchr(name, '/'), *dot;
	const struct mime_type *t;
	char ext[MIME_EXT_MAX + 1];
	size_t i, n;

	base = base != NULL ? base + 1 : name;
	if ((dot = strrchr(base, '.')) == NULL || (n = strlen(dot + 1)) > MIME_EXT_MAX || m->n == 0)
		return MIME_DEFAULT;
	for (i = 0; i <= n; i++)
		ext[i] = (char)tolower((unsigned char)dot[1 + i]);
	t = bsearch(ext, m->v, m->n, sizeof(*m->v), cmp_ext);
	return t != NULL ? t->type : MIME_DEFAULT;
}

void
mime_free(struct mime_types *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].ext);
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}
