/* SPDX-License-Identifier: ISC */
/* template.c: compiling "{name}" texts at config load and rendering them per request without allocating. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static int
template_param(const char *name, size_t len, const char *const *names, size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return (int)i;
	return -1;
}

/* Appends a part; the array was sized for the worst case at compile start. */
static void
template_add_part(struct template *t, size_t off, size_t len, int param)
{
	struct template_part *part = &t->parts[t->nparts++];

	part->off = off;
	part->len = len;
	part->param = param;
}

int
template_compile(struct template *t, const char *src, const char *const *names, size_t nnames,
                 const char *hint, char *err, size_t errlen)
{
	size_t len, r, w, lit, nbraces, namelen;
	const char *name, *close;
	int param;

	memset(t, 0, sizeof(*t));
	len = strlen(src);
	/* Each placeholder adds at most itself and the literal before it, plus one literal at the end. */
	for (r = 0, nbraces = 0; r < len; r++)
		if (src[r] == '{')
			nbraces++;
	if ((t->src = malloc(len + 1)) == NULL ||
	    (t->parts = calloc(2 * nbraces + 1, sizeof(*t->parts))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(t->src, src, len + 1);

	/*
	 * Unescape in place: t->src[0..w) is the text with "{{" and "}}" collapsed, which literal parts
	 * point into; w never passes r. lit is where the literal being collected started.
	 */
	for (r = 0, w = 0, lit = 0; r < len;) {
		char c = t->src[r];

		if ((c == '{' || c == '}') && r + 1 < len && t->src[r + 1] == c) {
			t->src[w++] = c;
			r += 2;
			continue;
		}
		if (c == '}') {
			snprintf(err, errlen, "lone '}' at offset %zu; write }} for a literal brace", r);
			goto fail;
		}
		if (c != '{') {
			t->src[w++] = c;
			r++;
			continue;
		}

		name = t->src + r + 1;
		close = memchr(name, '}', len - r - 1);
		if (close == NULL || memchr(name, '{', (size_t)(close - name)) != NULL) {
			snprintf(err, errlen, "unclosed '{' at offset %zu; write {{ for a literal brace", r);
			goto fail;
		}
		namelen = (size_t)(close - name);
		if (namelen == 0) {
			snprintf(err, errlen,
			         "empty placeholder {} at offset %zu; write {{}} for literal braces", r);
			goto fail;
		}
		if ((param = template_param(name, namelen, names, nnames)) < 0) {
			snprintf(err, errlen, "unknown placeholder {%.*s}%s%s", (int)namelen, name,
			         hint != NULL ? "; " : "", hint != NULL ? hint : "");
			goto fail;
		}

		if (w > lit)
			template_add_part(t, lit, w - lit, -1);
		template_add_part(t, 0, 0, param);
		r += namelen + 2;
		lit = w;
	}
	if (w > lit)
		template_add_part(t, lit, w - lit, -1);
	t->src[w] = '\0';
	return 0;

fail:
	template_free(t);
	return -1;
}

bool
template_uses_from(const struct template *t, size_t first)
{
	size_t i;

	for (i = 0; i < t->nparts; i++)
		if (t->parts[i].param >= 0 && (size_t)t->parts[i].param >= first)
			return true;
	return false;
}

bool
template_is_literal(const struct template *t)
{
	/* Literals never stand next to each other: a second part is a placeholder, or follows one. */
	return t->nparts == 0 || (t->nparts == 1 && t->parts[0].param < 0);
}

/* Copies what still fits of p[0..n) at *pos and counts all of it, so the total sizes the output. */
static void
template_put(char *out, size_t cap, size_t *pos, const char *p, size_t n)
{
	if (*pos < cap)
		memcpy(out + *pos, p, n < cap - *pos ? n : cap - *pos);
	*pos += n;
}

static void
template_put_html(char *out, size_t cap, size_t *pos, const char *p, size_t n)
{
	const char *esc;
	size_t i, run;

	for (i = 0, run = 0; i < n; i++) {
		switch (p[i]) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default: continue;
		}
		template_put(out, cap, pos, p + run, i - run);
		template_put(out, cap, pos, esc, strlen(esc));
		run = i + 1;
	}
	template_put(out, cap, pos, p + run, n - run);
}

size_t
template_escape_html(const char *p, size_t n, char *out, size_t cap)
{
	size_t pos = 0;

	template_put_html(out, cap, &pos, p, n);
	return pos;
}

size_t
template_render(const struct template *t, const struct str *values, bool html, char *out, size_t cap)
{
	const struct template_part *part;
	const struct str *v;
	size_t i, pos = 0;

	for (i = 0; i < t->nparts; i++) {
		part = &t->parts[i];
		if (part->param < 0) {
			template_put(out, cap, &pos, t->src + part->off, part->len);
			continue;
		}
		v = &values[part->param];
		/* An empty value may come with a NULL pointer, which memcpy must not see. */
		if (v->len == 0)
			continue;
		if (html)
			template_put_html(out, cap, &pos, v->p, v->len);
		else
			template_put(out, cap, &pos, v->p, v->len);
	}
	return pos;
}

void
template_free(struct template *t)
{
	free(t->src);
	free(t->parts);
	memset(t, 0, sizeof(*t));
}
