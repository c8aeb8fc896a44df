/* SPDX-License-Identifier: ISC */
/* fuzz_file_headers.c: libFuzzer harness for the headers of a file's answer: Range, preconditions, codings. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "coding.h"
#include "conditional.h"
#include "fuzz.h"
#include "range.h"

/*
 * What a file's answer relies on: every range lies in the file, first to last, sorted, with a gap between
 * neighbours (overlapping and adjacent ones are merged), at most RANGE_MAX of them.
 */
static void
check_range(const char *in, size_t len, uint64_t size)
{
	struct range r[RANGE_MAX];
	int n = range_parse(in, len, size, r), i;

	CHECK(n >= RANGE_UNSATISFIABLE && n <= RANGE_MAX);
	CHECK(size > 0 || n == RANGE_IGNORE);
	for (i = 0; i < n; i++) {
		CHECK(r[i].first <= r[i].last && r[i].last < size);
		CHECK(i == 0 || r[i].first > r[i - 1].last + 1);
	}
}

/* A date that is read is written back by response_date() and read again as the same instant. */
static void
check_date(const char *in, size_t len)
{
	char text[RESPONSE_DATE_LEN + 1];
	time_t t, again;

	if (cond_parse_date(in, len, 1795905238, &t) == -1)
		return;
	response_date(t, text);
	CHECK(cond_parse_date(text, strlen(text), 1795905238, &again) == 0 && again == t);
}

/* A strong match is a weak one too; the list is read within its length. */
static void
check_etags(const char *in, size_t len, const char *tag)
{
	bool strong = cond_etag_match(in, len, tag, strlen(tag), false);

	CHECK(!strong || cond_etag_match(in, len, tag, strlen(tag), true));
}

/* Each coding once at most, known ones only. */
static void
check_codings(const char *in, size_t len)
{
	enum coding out[CODING_N];
	size_t n = coding_accepted(in, len, out), i;

	CHECK(n <= CODING_N);
	for (i = 0; i < n; i++)
		CHECK((unsigned)out[i] < CODING_N && (i == 0 || out[i] != out[0]));
}

/* The input as every precondition header at once: the answer is one of the three. */
static void
check_evaluate(const char *in, size_t len)
{
	struct stat st = { 0 };
	struct validators v;
	struct str s = { in, len };
	struct cond_headers h = { s, s, s, s, s };
	enum cond_result r;

	st.st_mtim.tv_sec = 1600000000;
	st.st_size = 1000;
	cond_validators(&st, &v);
	r = cond_evaluate(&h, &v, len % 2 == 0, 1795905238);
	CHECK(r == COND_PROCEED || r == COND_NOT_MODIFIED || r == COND_FAILED);
	/* An entity-tag in If-Range matches only as it is, byte for byte. */
	if (len > 0 && in[0] == '"')
		CHECK(cond_if_range(s, &v, 1795905238) == (len == v.etag_len && memcmp(in, v.etag, len) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t file_size = 0;
	char *in = fuzz_dup(data, size);
	size_t i;

	/* The first bytes pick a file size, small ones most often, so that ranges both fit and overflow. */
	for (i = 0; i < size && i < 3; i++)
		file_size = file_size << 8 | data[i];
	check_range(in, size, size > 0 && data[0] & 1 ? file_size : file_size % 100);
	check_range(in, size, UINT64_MAX);
	check_date(in, size);
	check_etags(in, size, "\"5f-1a-2b\"");
	check_codings(in, size);
	check_evaluate(in, size);
	free(in);
	return 0;
}
