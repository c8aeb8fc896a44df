/* SPDX-License-Identifier: ISC */
/* fuzz_url.c: libFuzzer harness for every function of url.c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "fuzz.h"
#include "url.h"

/* The same result into a separate buffer and in place, since callers do both. */
static ssize_t
check_decode(const char *in, size_t len, bool plus)
{
	char *dst = fuzz_dup(in, len), *same = fuzz_dup(in, len);
	ssize_t n = url_decode(dst, in, len, plus);

	CHECK(n >= -1 && n <= (ssize_t)len);
	CHECK(url_decode(same, same, len, plus) == n && (n <= 0 || memcmp(dst, same, (size_t)n) == 0));
	free(dst);
	free(same);
	return n;
}

/* What routes and the static root rely on: nothing left to fold, no way up, no NUL for open(2) to stop at. */
static void
check_normalized(const char *p, size_t n, size_t inlen)
{
	size_t i;

	CHECK(n >= 1 && n <= inlen && p[0] == '/' && memchr(p, '\0', n) == NULL);
	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '/')
			continue;
		CHECK(p[i + 1] != '/');
		/* A "." or ".." segment, whether followed by '/' or at the end. */
		CHECK(!(p[i + 1] == '.' && (i + 2 == n || p[i + 2] == '/')));
		CHECK(!(p[i + 1] == '.' && i + 2 < n && p[i + 2] == '.' && (i + 3 == n || p[i + 3] == '/')));
	}
}

static void
check_path(const char *in, size_t len)
{
	char *dst = fuzz_dup(in, len), *same = fuzz_dup(in, len), *again;
	ssize_t n = url_normalize_path(dst, in, len);

	CHECK(url_normalize_path(same, same, len) == n && (n <= 0 || memcmp(dst, same, (size_t)n) == 0));
	if (n != -1) {
		check_normalized(dst, (size_t)n, len);
		/* Without a '%' to decode again, normalising a normalised path changes nothing. */
		if (memchr(dst, '%', (size_t)n) == NULL) {
			again = fuzz_dup(dst, (size_t)n);
			CHECK(url_normalize_path(again, again, (size_t)n) == n &&
			      memcmp(again, dst, (size_t)n) == 0);
			free(again);
		}
	}
	free(dst);
	free(same);
}

/* "a" twice, because every slot asking for a name gets its first value; "" matches "=v" pairs. */
static const char *const names[] = { "a", "b", "name", "a", "" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

static void
check_form(const char *in, size_t len, bool decodes)
{
	struct str values[NNAMES] = { { NULL, 0 } };
	char *dst = fuzz_dup(in, len);
	int rc = url_form_lookup(in, len, dst, names, NNAMES, values);
	size_t i;

	/* Every byte but the '&' and '=' between pairs is decoded once, so one bad escape fails both. */
	CHECK(rc == (decodes ? 0 : -1));
	for (i = 0; i < NNAMES; i++)
		if (values[i].p != NULL)
			CHECK(values[i].p >= dst && values[i].len <= len &&
			      values[i].p - dst <= (ptrdiff_t)(len - values[i].len));
	CHECK(values[0].p == values[3].p && values[0].len == values[3].len);
	free(dst);
}

/* Autoindex links: encoding sizes itself like snprintf, cuts cleanly at any cap and decodes back to the
 * input. */
static void
check_encode(const char *in, size_t len)
{
	size_t total = url_encode_path(in, len, NULL, 0), cut = total / 2;
	char *full = fuzz_alloc(total), *part = fuzz_alloc(cut);

	CHECK(total >= len && total <= 3 * len);
	CHECK(url_encode_path(in, len, full, total) == total && url_encode_path(in, len, part, cut) == total);
	CHECK(memcmp(part, full, cut) == 0);
	CHECK(url_decode(full, full, total, false) == (ssize_t)len && memcmp(full, in, len) == 0);
	free(full);
	free(part);
}

/*
 * A host that passes can be put in a log line or a URL as it is: no byte that ends or escapes either. Its
 * name is a prefix of it, but for case, cut at the port or a final dot; the same in place; no upper case.
 */
static void
check_host(const char *in, size_t len)
{
	char *name, *same;
	size_t i, n;

	if (!url_host_valid(in, len))
		return;
	CHECK(len > 0 && in[0] != ':');
	for (i = 0; i < len; i++)
		CHECK(in[i] > ' ' && in[i] < 0x7f && strchr("/\\?#@\"<>^`{|}", in[i]) == NULL);
	name = fuzz_dup(in, len);
	same = fuzz_dup(in, len);
	n = url_host_name(in, len, name);
	CHECK(n <= len && url_host_name(same, len, same) == n && memcmp(name, same, n) == 0);
	CHECK(strncasecmp(name, in, n) == 0);
	CHECK(n == len || in[n] == ':' || (in[n] == '.' && (n + 1 == len || in[n + 1] == ':')));
	for (i = 0; i < n; i++)
		CHECK(!(name[i] >= 'A' && name[i] <= 'Z') && (in[0] == '[' || name[i] != ':'));
	free(name);
	free(same);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;

	check_decode(in, size, false);
	check_path(in, size);
	check_form(in, size, check_decode(in, size, true) != -1);
	check_encode(in, size);
	check_host(in, size);
	return 0;
}
