/* SPDX-License-Identifier: ISC */
/* fuzz_template.c: libFuzzer harness for template_compile and template_render at every kind of capacity. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "template.h"

#define MAX_PARAMS 8

/* Input: the text, then NUL-separated fields that alternate parameter name and value. */
struct input {
	char *text;
	char *names[MAX_PARAMS];
	struct str values[MAX_PARAMS];
	size_t nparams;
};

static size_t
field_len(const char *p, size_t left)
{
	const char *nul = memchr(p, '\0', left);

	return nul != NULL ? (size_t)(nul - p) : left;
}

static void
split_input(const char *in, size_t size, struct input *x)
{
	size_t off, len;

	len = field_len(in, size);
	x->text = strndup(in, len);
	CHECK(x->text != NULL);
	x->nparams = 0;
	for (off = len + 1; off <= size && x->nparams < MAX_PARAMS; x->nparams++) {
		len = field_len(in + off, size - off);
		x->names[x->nparams] = strndup(in + off, len);
		CHECK(x->names[x->nparams] != NULL);
		off += len + 1;
		len = off < size ? field_len(in + off, size - off) : 0;
		/* An empty value may have a NULL pointer, as a parameter the request did not send has. */
		x->values[x->nparams] = (struct str){ len > 0 ? in + off : NULL, len };
		off += len + 1;
	}
}

/*
 * Each capacity gets a buffer of exactly that size; the output must be the whole one cut at cap.
 * Returns the whole output, for the caller to compare and free.
 */
static char *
check_render(const struct template *t, const struct str *values, bool html, size_t *total)
{
	size_t caps[5], i;
	char *full, *out;

	*total = template_render(t, values, html, NULL, 0);
	full = fuzz_alloc(*total);
	CHECK(template_render(t, values, html, full, *total) == *total);
	caps[0] = 0;
	caps[1] = 1;
	caps[2] = *total / 2;
	caps[3] = *total > 0 ? *total - 1 : 0;
	caps[4] = *total + 1;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		out = fuzz_alloc(caps[i]);
		CHECK(template_render(t, values, html, out, caps[i]) == *total);
		CHECK(caps[i] == 0 || memcmp(out, full, caps[i] < *total ? caps[i] : *total) == 0);
		free(out);
	}
	return full;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct str empty[MAX_PARAMS];
	size_t plain, html, none, i;
	char *out[3];
	struct input x;
	struct template t;
	char err[256];

	split_input((const char *)data, size, &x);
	if (template_compile(&t, x.text, (const char *const *)x.names, x.nparams, "hint", err, sizeof(err)) ==
	    0) {
		out[0] = check_render(&t, x.values, false, &plain);
		out[1] = check_render(&t, x.values, true, &html);
		/* Escaping only ever lengthens a value. */
		CHECK(html >= plain);
		/* With every value empty, what is left is the literal text, braces unescaped. */
		out[2] = check_render(&t, empty, false, &none);
		CHECK(none == strlen(t.src) && none <= strlen(x.text) && memcmp(out[2], t.src, none) == 0);
		/* A literal renders as its text whatever the values. */
		CHECK(!template_is_literal(&t) || (plain == none && memcmp(out[0], t.src, none) == 0));
		for (i = 0; i < 3; i++)
			free(out[i]);
		template_free(&t);
	} else {
		CHECK(err[0] != '\0' && t.src == NULL && t.parts == NULL && t.nparts == 0);
	}
	free(x.text);
	for (i = 0; i < x.nparams; i++)
		free(x.names[i]);
	return 0;
}
