/* SPDX-License-Identifier: ISC */
/* check_coding.c: a table of Accept-Encoding values and the precompressed codings each accepts. */
#include <check.h>
#include <string.h>

#include "check_run.h"
#include "coding.h"

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* want: the codings accepted, best first, as "br,gzip"; "" for none. */
static const struct {
	const char *in;
	const char *want;
} cases[] = {
	{ "", "" },
	{ "identity", "" },
	{ "gzip", "gzip" },
	{ "br", "br" },
	{ "gzip, deflate, br", "br,gzip" },
	{ "gzip, deflate, br, zstd", "br,gzip" },
	{ "br;q=1.0, gzip;q=0.8, *;q=0.1", "br,gzip" },
	{ "br;q=0.5, gzip", "gzip,br" },
	{ "gzip;q=0.5,br;q=0.500", "br,gzip" },
	{ "gzip;q=0.501,br;q=0.5", "gzip,br" },
	{ "GZIP, BR", "br,gzip" },
	{ "x-gzip", "gzip" },
	/* q=0 refuses, in any spelling. */
	{ "br;q=0, gzip", "gzip" },
	{ "br;q=0.0, gzip;q=0.000", "" },
	{ "br ; q=0 , gzip ; Q=1", "gzip" },
	/* "*" stands for what is not named. */
	{ "*", "br,gzip" },
	{ "*;q=0.2, gzip", "gzip,br" },
	{ "*;q=0, gzip", "gzip" },
	{ "br;q=0, *", "gzip" },
	{ "identity;q=1, *;q=0", "" },
	/* Empty elements are skipped; other parameters are allowed and mean nothing. */
	{ ",, gzip ,", "gzip" },
	{ "gzip;level=9", "gzip" },
	/* Unreadable: none, whatever else it names. */
	{ "gzip;q=2", "" },
	{ "gzip;q=1.5, br", "" },
	{ "gzip;q=0.1234", "" },
	{ "gzip;q=", "" },
	{ "gzip;q=.5", "" },
	{ "gzip;", "" },
	{ "gzip br", "" },
	{ "gzip;level", "" },
	{ "gzip, \"br\"", "" },
	{ "br\x01", "" },
};

START_TEST(test_table)
{
	enum coding got[CODING_N];
	char text[32] = "";
	size_t n, k;

	n = coding_accepted(cases[_i].in, strlen(cases[_i].in), got);
	ck_assert_uint_le(n, CODING_N);
	for (k = 0; k < n; k++) {
		if (k > 0)
			strcat(text, ",");
		strcat(text, coding_names[got[k]]);
	}
	ck_assert_msg(strcmp(text, cases[_i].want) == 0, "\"%s\": got \"%s\", want \"%s\"", cases[_i].in,
	              text, cases[_i].want);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(coding_names[CODING_BR], "br");
	ck_assert_str_eq(coding_suffixes[CODING_BR], ".br");
	ck_assert_str_eq(coding_names[CODING_GZIP], "gzip");
	ck_assert_str_eq(coding_suffixes[CODING_GZIP], ".gz");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("coding");
	TCase *tc = tcase_create("accept");

	tcase_add_loop_test(tc, test_table, 0, NCASES(cases));
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
