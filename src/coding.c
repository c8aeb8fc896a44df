/* SPDX-License-Identifier: ISC */
/* coding.c: Accept-Encoding weights for the precompressed variants; no I/O. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "coding.h"
#include "str.h"

const char *const coding_names[CODING_N] = { "br", "gzip" };
const char *const coding_suffixes[CODING_N] = { ".br", ".gz" };

static bool
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
token_is(const char *t, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(t, name, n) == 0;
}

/*
 * A weight, "0" to "1" with up to three decimals (section 12.4.2), as thousandths into *q. Returns the
 * end of it, or NULL when it is malformed.
 */
static const char *
parse_qvalue(const char *p, const char *end, int *q)
{
	int i, scale = 100;

	if (p == end || (*p != '0' && *p != '1'))
		return NULL;
	*q = (*p++ - '0') * 1000;
	if (p < end && *p == '.')
		for (p++, i = 0; i < 3 && p < end && *p >= '0' && *p <= '9'; i++, p++, scale /= 10)
			*q += (*p - '0') * scale;
	return *q <= 1000 ? p : NULL;
}

/*
 * The parameters after a coding: only the weight means anything; others are skipped. Returns the end of
 * the element, or NULL when it is malformed.
 */
static const char *
parse_params(const char *p, const char *end, int *q)
{
	const char *name;

	*q = 1000;
	while ((p = str_skip_ows(p, end)) < end && *p == ';') {
		p = str_skip_ows(p + 1, end);
		for (name = p; p < end && token_char(*p); p++)
			;
		if (p == name || p == end || *p != '=')
			return NULL;
		if (token_is(name, (size_t)(p - name), "q")) {
			if ((p = parse_qvalue(p + 1, end, q)) == NULL)
				return NULL;
		} else {
			for (name = ++p; p < end && token_char(*p); p++)
				;
			if (p == name)
				return NULL;
		}
	}
	return p;
}

size_t
coding_accepted(const char *s, size_t len, enum coding *out)
{
	const char *p = s, *end = s + len, *tok;
	int q[CODING_N], star = -1, weight, i, j;
	size_t n = 0, tlen;

	for (i = 0; i < CODING_N; i++)
		q[i] = -1; /* not named */
	for (;;) {
		p = str_skip_ows(p, end);
		if (p < end && *p != ',') {
			for (tok = p; p < end && token_char(*p); p++)
				;
			tlen = (size_t)(p - tok);
			if (tlen == 0 || (p = parse_params(p, end, &weight)) == NULL)
				return 0;
			if (token_is(tok, tlen, "*"))
				star = weight;
			else if (token_is(tok, tlen, "br"))
				q[CODING_BR] = weight;
			else if (token_is(tok, tlen, "gzip") || token_is(tok, tlen, "x-gzip"))
				q[CODING_GZIP] = weight;
		}
		if (p == end)
			break;
		if (*p++ != ',')
			return 0;
	}
	for (i = 0; i < CODING_N; i++) {
		weight = q[i] != -1 ? q[i] : star;
		if (weight <= 0)
			continue;
		/* Insertion by weight: equal weights keep the enum's order. */
		for (j = (int)n; j > 0 && (q[out[j - 1]] != -1 ? q[out[j - 1]] : star) < weight; j--)
			out[j] = out[j - 1];
		out[j] = (enum coding)i;
		n++;
	}
	return n;
}
