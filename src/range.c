/* SPDX-License-Identifier: ISC */
/* range.c: byte ranges from a Range header, checked, clamped, sorted and merged; no I/O. */
#include <stdbool.h>
#include <strings.h>

#include "range.h"
#include "str.h"

/*
 * Digits at *p into *v, saturating: a number too large for 64 bits is still larger than any file, which is
 * all a range needs to know about it. Returns false, with *v untouched, when there is no digit.
 */
static bool
parse_uint(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		n = n > (UINT64_MAX - 9) / 10 ? UINT64_MAX : n * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (s == *p)
		return false;
	*p = s;
	*v = n;
	return true;
}

/*
 * One range-spec at *p ("first-last", "first-" or "-suffix"), clamped to size into *out. Returns 1 when
 * it overlaps the representation, 0 when it does not, -1 on a syntax error.
 */
static int
parse_spec(const char **p, const char *end, uint64_t size, struct range *out)
{
	uint64_t first, last;

	if (*p < end && **p == '-') {
		(*p)++;
		if (!parse_uint(p, end, &last))
			return -1;
		/* The last `last` bytes, or all of them when there are fewer. */
		if (last == 0)
			return 0;
		*out = (struct range){ last >= size ? 0 : size - last, size - 1 };
		return 1;
	}
	if (!parse_uint(p, end, &first) || *p == end || **p != '-')
		return -1;
	(*p)++;
	last = UINT64_MAX; /* "first-": to the end */
	if (parse_uint(p, end, &last) && last < first)
		return -1;
	if (first >= size)
		return 0;
	*out = (struct range){ first, last < size - 1 ? last : size - 1 };
	return 1;
}

/* Sorts r[0..n) by first (n is small: insertion) and merges what overlaps or touches. Returns the count. */
static int
merge(struct range *r, int n)
{
	struct range t;
	int i, j, out;

	for (i = 1; i < n; i++) {
		t = r[i];
		for (j = i; j > 0 && r[j - 1].first > t.first; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
	for (out = 0, i = 0; i < n; i++) {
		if (out > 0 && r[i].first <= r[out - 1].last + 1) {
			if (r[i].last > r[out - 1].last)
				r[out - 1].last = r[i].last;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

int
range_parse(const char *s, size_t len, uint64_t size, struct range *r)
{
	const char *p = s, *end = s + len;
	int specs = 0, n = 0, ok;
	struct range one;

	if (len < 6 || strncasecmp(s, "bytes=", 6) != 0 || size == 0)
		return RANGE_IGNORE;
	p += 6;
	/* 1#range-spec: empty elements between commas are allowed and skipped, one spec is required. */
	for (;;) {
		p = str_skip_ows(p, end);
		if (p < end && *p != ',') {
			if (++specs > RANGE_MAX || (ok = parse_spec(&p, end, size, &one)) == -1)
				return RANGE_IGNORE;
			if (ok == 1)
				r[n++] = one;
			p = str_skip_ows(p, end);
		}
		if (p == end)
			break;
		if (*p++ != ',')
			return RANGE_IGNORE;
	}
	if (specs == 0)
		return RANGE_IGNORE;
	return n == 0 ? RANGE_UNSATISFIABLE : merge(r, n);
}
