/* SPDX-License-Identifier: ISC */
/* template.h: text with {name} placeholders, compiled once at config load and rendered per request. */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

struct template_part {
	size_t off; /* literal: its bytes in src */
	size_t len;
	int param; /* >= 0: index of the value to put here; -1: a literal */
};

struct template
{
	char *src; /* owned copy of the text, with "{{" and "}}" unescaped where the parts point */
	struct template_part *parts;
	size_t nparts;
};

/*
 * Compiles src. Each {name} must be one of names[0..nnames), the first that matches giving its index into
 * the values of template_render(); "{{" and "}}" stand for literal braces. Returns 0, or -1 with a message
 * for the operator in err (e.g. "unknown placeholder {nmae}"), followed for an unknown name by hint, what
 * to do about it (NULL: nothing).
 */
int template_compile(struct template *t, const char *src, const char *const *names, size_t nnames,
                     const char *hint, char *err, size_t errlen);

/* Whether t has no placeholder: t->src, NUL-terminated, is all its text. */
bool template_is_literal(const struct template *t);

/* Whether t uses a value at index first or beyond: a route's request variables follow its params. */
bool template_uses_from(const struct template *t, size_t first);

/*
 * Writes the text with values[param] filled in to out[0..cap), as much as fits, and returns the whole
 * length, like snprintf without the NUL: call with cap 0 to size the output. With html, values are
 * escaped (& < > " ') for an HTML body.
 */
size_t template_render(const struct template *t, const struct str *values, bool html, char *out, size_t cap);

/* Writes p[0..n) with & < > " ' escaped for HTML to out[0..cap), as much as fits; returns the whole length.
 */
size_t template_escape_html(const char *p, size_t n, char *out, size_t cap);

void template_free(struct template *t);

#endif
