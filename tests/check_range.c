/* SPDX-License-Identifier: ISC */
/* check_range.c: a table of Range headers against a size, and what range.c makes of each. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "range.h"

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* want: the ranges as "first-last,first-last", or RANGE_IGNORE / RANGE_UNSATISFIABLE as "200" / "416". */
static const struct {
	const char *header;
	uint64_t size;
	const char *want;
} cases[] = {
	/* One range of each form. */
	{ "bytes=0-0", 100, "0-0" },
	{ "bytes=0-99", 100, "0-99" },
	{ "bytes=10-19", 100, "10-19" },
	{ "bytes=90-", 100, "90-99" },
	{ "bytes=-10", 100, "90-99" },
	{ "bytes=0-", 1, "0-0" },
	/* Clamped to the size: a last past the end, a suffix longer than the file. */
	{ "bytes=50-1000", 100, "50-99" },
	{ "bytes=-1000", 100, "0-99" },
	{ "bytes=0-18446744073709551615", 100, "0-99" },
	{ "bytes=0-99999999999999999999999", 100, "0-99" },
	{ "bytes=-99999999999999999999999", 100, "0-99" },
	/* The unit is case-insensitive; whitespace and empty elements around commas are allowed. */
	{ "Bytes=1-2", 100, "1-2" },
	{ "BYTES=1-2", 100, "1-2" },
	{ "bytes=1-2 , 5-6", 100, "1-2,5-6" },
	{ "bytes=,1-2,,5-6,", 100, "1-2,5-6" },
	{ "bytes= 1-2\t", 100, "1-2" },
	/* Several: sorted, overlapping and adjacent ones merged. */
	{ "bytes=50-59,0-9", 100, "0-9,50-59" },
	{ "bytes=0-9,5-14", 100, "0-14" },
	{ "bytes=0-9,10-19", 100, "0-19" },
	{ "bytes=0-9,11-19", 100, "0-9,11-19" },
	{ "bytes=-10,0-9,85-", 100, "0-9,85-99" },
	{ "bytes=0-,0-0,-1", 100, "0-99" },
	{ "bytes=20-29,0-99", 100, "0-99" },
	{ "bytes=1-1,3-3,5-5,7-7,9-9,11-11,13-13,15-15,17-17,19-19,21-21,23-23,25-25,27-27,29-29,31-31", 100,
	  "1-1,3-3,5-5,7-7,9-9,11-11,13-13,15-15,17-17,19-19,21-21,23-23,25-25,27-27,29-29,31-31" },
	/* The unsatisfiable ones are dropped; when none is left, 416. */
	{ "bytes=0-9,100-200", 100, "0-9" },
	{ "bytes=100-", 100, "416" },
	{ "bytes=100-100", 100, "416" },
	{ "bytes=1000-2000,500-", 100, "416" },
	{ "bytes=-0", 100, "416" },
	{ "bytes=18446744073709551615-", 100, "416" },
	{ "bytes=99999999999999999999999-", 100, "416" },
	/* Ignored, so the whole file goes: another unit, bad syntax, a last before its first, too many. */
	{ "", 100, "200" },
	{ "bytes", 100, "200" },
	{ "bytes=", 100, "200" },
	{ "bytes=,", 100, "200" },
	{ "items=0-9", 100, "200" },
	{ "bytes 0-9", 100, "200" },
	{ "bytes=0-9;", 100, "200" },
	{ "bytes=-", 100, "200" },
	{ "bytes=--1", 100, "200" },
	{ "bytes=a-9", 100, "200" },
	{ "bytes=0-9x", 100, "200" },
	{ "bytes=0 -9", 100, "200" },
	{ "bytes=+1-9", 100, "200" },
	{ "bytes=9-0", 100, "200" },
	{ "bytes=0-9,9-0", 100, "200" },
	{ "bytes=5", 100, "200" },
	{ "bytes=0-9 10-19", 100, "200" },
	{ "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15,16-16", 100,
	  "200" },
	/* An empty file has no byte to name: its ranges are ignored, and it goes whole (and empty). */
	{ "bytes=0-", 0, "200" },
	{ "bytes=-5", 0, "200" },
};

START_TEST(test_table)
{
	struct range r[RANGE_MAX];
	char got[1024] = "";
	size_t off = 0;
	int n, k;

	n = range_parse(cases[_i].header, strlen(cases[_i].header), cases[_i].size, r);
	if (n == RANGE_IGNORE)
		snprintf(got, sizeof(got), "200");
	else if (n == RANGE_UNSATISFIABLE)
		snprintf(got, sizeof(got), "416");
	for (k = 0; k < n; k++)
		off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%llu-%llu", k ? "," : "",
		                        (unsigned long long)r[k].first, (unsigned long long)r[k].last);
	ck_assert_msg(strcmp(got, cases[_i].want) == 0, "\"%s\" on %llu bytes: got %s, want %s",
	              cases[_i].header, (unsigned long long)cases[_i].size, got, cases[_i].want);
}
END_TEST

/* The value is s[0..len): a byte past it is not read, whatever it is. */
START_TEST(test_respects_len)
{
	struct range r[RANGE_MAX];

	ck_assert_int_eq(range_parse("bytes=0-9,20-29", 9, 100, r), 1);
	ck_assert_uint_eq(r[0].first, 0);
	ck_assert_uint_eq(r[0].last, 9);
	ck_assert_int_eq(range_parse("bytes=0-", 8, 1ull << 40, r), 1);
	ck_assert_uint_eq(r[0].last, (1ull << 40) - 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("range");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_table, 0, NCASES(cases));
	tcase_add_test(tc, test_respects_len);
	suite_add_tcase(s, tc);
	return check_run(s);
}
