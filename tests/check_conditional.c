/* SPDX-License-Identifier: ISC */
/* check_conditional.c: tables of HTTP dates, entity-tag lists and precondition orders for conditional.c. */
#include <check.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check_run.h"
#include "conditional.h"

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const time_t now = 1795905238; /* Tue, 29 Nov 2026 */

/* want -1: not a valid date. 784111777 is Sun, 06 Nov 1994 08:49:37 GMT. */
static const struct {
	const char *in;
	time_t want;
} dates[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", 784111777 },
	{ "Sun Nov  6 08:49:37 1994", 784111777 },
	{ "Sun Nov 16 08:49:37 1994", 784111777 + 10 * 86400 },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
	{ "Fri, 31 Dec 1999 23:59:59 GMT", 946684799 },
	{ "Tue, 29 Feb 2000 12:00:00 GMT", 951825600 },
	{ "Sat, 01 Jan 2000 00:00:60 GMT", 946684800 + 60 },
	{ "Sun, 07 Feb 2106 06:28:16 GMT", 4294967296 },
	/* The weekday is not checked against the date: only its form. */
	{ "Mon, 06 Nov 1994 08:49:37 GMT", 784111777 },
	/* A two-digit year more than 50 years ahead of now (2026) is from the century before. */
	{ "Wednesday, 01-Jan-70 00:00:00 GMT", 3155760000 },
	{ "Wednesday, 01-Jan-76 00:00:00 GMT", 3345062400 },
	{ "Friday, 01-Jan-77 00:00:00 GMT", 220924800 },
	{ "Saturday, 01-Jan-00 00:00:00 GMT", 946684800 },
	/* Not dates: case, zone, lengths, ranges, separators, impossible days. */
	{ "", -1 },
	{ "sun, 06 Nov 1994 08:49:37 GMT", -1 },
	{ "Sun, 06 nov 1994 08:49:37 GMT", -1 },
	{ "Sun, 06 Nov 1994 08:49:37 gmt", -1 },
	{ "Sun, 06 Nov 1994 08:49:37 UTC", -1 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT ", -1 },
	{ "Sun, 6 Nov 1994 08:49:37 GMT", -1 },
	{ "Sun, 06 Nov 94 08:49:37 GMT", -1 },
	{ "Sun, 06 Nov 1994 24:00:00 GMT", -1 },
	{ "Sun, 06 Nov 1994 08:60:00 GMT", -1 },
	{ "Sun, 06 Nov 1994 08:49:61 GMT", -1 },
	{ "Sun, 06 Nov 1994 08-49-37 GMT", -1 },
	{ "Sun, 00 Nov 1994 08:49:37 GMT", -1 },
	{ "Sun, 31 Nov 1994 08:49:37 GMT", -1 },
	{ "Sun, 29 Feb 1900 08:49:37 GMT", -1 },
	{ "Xyz, 06 Nov 1994 08:49:37 GMT", -1 },
	{ "Sun, 06 Nov 1994 08:49:37 GM", -1 },
	{ "Sun,06 Nov 1994 08:49:37 GMT ", -1 },
	{ "Sunday, 06-Nov-1994 08:49:37 GMT", -1 },
	{ "Sunday 06-Nov-94 08:49:37 GMT", -1 },
	{ "Sun, 06-Nov-94 08:49:37 GMT", -1 },
	{ "Sun Nov 6 08:49:37 1994", -1 },
	{ "Sun Nov  6 08:49:37 94", -1 },
	{ "Sun Nov 06 08:49:37  1994", -1 },
	{ "Sun Nov x6 08:49:37 1994", -1 },
	{ "1994-11-06T08:49:37Z", -1 },
	{ "784111777", -1 },
};

START_TEST(test_dates)
{
	time_t t = 12345;
	int r = cond_parse_date(dates[_i].in, strlen(dates[_i].in), now, &t);

	if (dates[_i].want == -1) {
		ck_assert_msg(r == -1, "\"%s\" read as %lld", dates[_i].in, (long long)t);
		ck_assert_int_eq(t, 12345);
		return;
	}
	ck_assert_msg(r == 0, "\"%s\" refused", dates[_i].in);
	ck_assert_msg(t == dates[_i].want, "\"%s\": %lld, want %lld", dates[_i].in, (long long)t,
	              (long long)dates[_i].want);
}
END_TEST

/* What response_date() writes, cond_parse_date() reads back, for every day of a few centuries' edges. */
START_TEST(test_date_round_trip)
{
	char text[RESPONSE_DATE_LEN + 1];
	time_t t, back;

	for (t = 0; t < (time_t)4102444800; t += 86400 * 7 + 3601) {
		response_date(t, text);
		ck_assert_int_eq(cond_parse_date(text, strlen(text), now, &back), 0);
		ck_assert_int_eq(back, t);
	}
}
END_TEST

static const char tag[] = "\"5f-1a-2b\"";

static const struct {
	const char *list;
	bool weak, strong; /* matches under each comparison */
} etags[] = {
	{ "\"5f-1a-2b\"", true, true },
	{ "*", true, true },
	{ " * ", true, true },
	{ "W/\"5f-1a-2b\"", true, false },
	{ "\"x\", \"5f-1a-2b\"", true, true },
	{ "\"x\",W/\"5f-1a-2b\" ,\"y\"", true, false },
	{ "\"x\", ,\"5f-1a-2b\",", true, true },
	{ "\"x\"", false, false },
	{ "\"5f-1a-2b", false, false },
	{ "5f-1a-2b", false, false },
	{ "\"5F-1A-2B\"", false, false },
	{ "\"5f-1a-2b\"x", false, false },
	{ "\"5f-1a-2b\" \"x\"", false, false },
	{ "w/\"5f-1a-2b\"", false, false },
	{ "W/ \"5f-1a-2b\"", false, false },
	{ "\"a b\", \"5f-1a-2b\"", false, false },
	{ "*, \"5f-1a-2b\"", false, false },
	{ "\"\"", false, false },
	{ "", false, false },
};

START_TEST(test_etags)
{
	const char *l = etags[_i].list;

	ck_assert_msg(cond_etag_match(l, strlen(l), tag, strlen(tag), true) == etags[_i].weak, "weak: %s", l);
	ck_assert_msg(cond_etag_match(l, strlen(l), tag, strlen(tag), false) == etags[_i].strong,
	              "strong: %s", l);
}
END_TEST

#define S(s)                                                                                                 \
	{                                                                                                    \
		(s), sizeof(s) - 1                                                                           \
	}
#define NONE                                                                                                 \
	{                                                                                                    \
		NULL, 0                                                                                      \
	}
#define OLD   "Sun, 06 Nov 1994 08:49:37 GMT"
#define EXACT "Tue, 15 Nov 1994 12:45:26 GMT"
#define NEW   "Fri, 01 Jan 2010 00:00:00 GMT"
#define GOOD  "\"1-2-3\""

/* A file last modified at EXACT whose ETag is GOOD. */
static struct validators val;

static void
setup(void)
{
	memset(&val, 0, sizeof(val));
	val.mtime = 784903526;
	strcpy(val.etag, GOOD);
	val.etag_len = strlen(GOOD);
	strcpy(val.last_modified, EXACT);
}

static const struct {
	struct cond_headers h;
	bool get;
	enum cond_result want;
} evals[] = {
	/* None, or each alone. */
	{ { NONE, NONE, NONE, NONE, NONE }, true, COND_PROCEED },
	{ { S(GOOD), NONE, NONE, NONE, NONE }, true, COND_PROCEED },
	{ { S("\"no\""), NONE, NONE, NONE, NONE }, true, COND_FAILED },
	{ { S("W/" GOOD), NONE, NONE, NONE, NONE }, true, COND_FAILED },
	{ { S("*"), NONE, NONE, NONE, NONE }, true, COND_PROCEED },
	{ { NONE, NONE, NONE, S(NEW), NONE }, true, COND_PROCEED },
	{ { NONE, NONE, NONE, S(EXACT), NONE }, true, COND_PROCEED },
	{ { NONE, NONE, NONE, S(OLD), NONE }, true, COND_FAILED },
	{ { NONE, NONE, NONE, S("yesterday"), NONE }, true, COND_PROCEED },
	{ { NONE, S(GOOD), NONE, NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, S("W/" GOOD), NONE, NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, S("\"a\", " GOOD), NONE, NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, S("*"), NONE, NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, S("\"no\""), NONE, NONE, NONE }, true, COND_PROCEED },
	{ { NONE, S(GOOD), NONE, NONE, NONE }, false, COND_FAILED },
	{ { NONE, S("*"), NONE, NONE, NONE }, false, COND_FAILED },
	{ { NONE, NONE, S(EXACT), NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, NONE, S(NEW), NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, NONE, S(OLD), NONE, NONE }, true, COND_PROCEED },
	{ { NONE, NONE, S("Tue Nov 15 12:45:26 94"), NONE, NONE }, true, COND_PROCEED },
	{ { NONE, NONE, S("Tue Nov 15 12:45:26 1994"), NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, NONE, S("Tuesday, 15-Nov-94 12:45:26 GMT"), NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, NONE, S(EXACT " "), NONE, NONE }, true, COND_PROCEED },
	/* If-Modified-Since is for GET and HEAD only. */
	{ { NONE, NONE, S(EXACT), NONE, NONE }, false, COND_PROCEED },
	/* If-Match first, and If-Unmodified-Since only without it. */
	{ { S("\"no\""), S(GOOD), NONE, NONE, NONE }, true, COND_FAILED },
	{ { S(GOOD), NONE, NONE, S(OLD), NONE }, true, COND_PROCEED },
	{ { S("\"no\""), NONE, NONE, S(NEW), NONE }, true, COND_FAILED },
	{ { NONE, S(GOOD), NONE, S(OLD), NONE }, true, COND_FAILED },
	{ { S(GOOD), S(GOOD), NONE, NONE, NONE }, true, COND_NOT_MODIFIED },
	/* If-None-Match wins over If-Modified-Since, either way. */
	{ { NONE, S("\"no\""), S(NEW), NONE, NONE }, true, COND_PROCEED },
	{ { NONE, S(GOOD), S(OLD), NONE, NONE }, true, COND_NOT_MODIFIED },
	{ { NONE, S("garbage"), S(EXACT), NONE, NONE }, true, COND_PROCEED },
	/* An unreadable If-Unmodified-Since lets If-None-Match decide. */
	{ { NONE, S(GOOD), NONE, S("nonsense"), NONE }, true, COND_NOT_MODIFIED },
	/* If-Range plays no part here. */
	{ { NONE, NONE, NONE, NONE, S("\"no\"") }, true, COND_PROCEED },
};

START_TEST(test_evaluate)
{
	ck_assert_int_eq(cond_evaluate(&evals[_i].h, &val, evals[_i].get, now), evals[_i].want);
}
END_TEST

static const struct {
	struct str if_range;
	bool want;
} ifranges[] = {
	{ NONE, true },
	{ S(GOOD), true },
	{ S(EXACT), true },
	{ S("Tuesday, 15-Nov-94 12:45:26 GMT"), true },
	{ S("W/" GOOD), false },
	{ S("\"1-2-4\""), false },
	{ S(GOOD ", \"x\""), false },
	{ S(OLD), false },
	{ S(NEW), false },
	{ S("Wed, 16 Nov 1994 12:45:26 GMT"), false },
	{ S("nonsense"), false },
	{ S(""), false },
};

START_TEST(test_if_range)
{
	ck_assert_int_eq(cond_if_range(ifranges[_i].if_range, &val, now), ifranges[_i].want);
}
END_TEST

START_TEST(test_validators)
{
	struct stat st = { 0 };
	struct validators v;

	st.st_mtim.tv_sec = 784111777;
	st.st_mtim.tv_nsec = 5;
	st.st_size = 255;
	st.st_ino = 4096;
	cond_validators(&st, &v);
	/* 784111777000000005 ns */
	ck_assert_str_eq(v.etag, "\"ae1b981bc490a05-ff-1000\"");
	ck_assert_uint_eq(v.etag_len, strlen(v.etag));
	ck_assert_str_eq(v.last_modified, "Sun, 06 Nov 1994 08:49:37 GMT");
	ck_assert_int_eq(v.mtime, 784111777);
	/* The widest it can be still fits. */
	st.st_mtim.tv_sec = 18446744073;
	st.st_mtim.tv_nsec = 709551615;
	st.st_size = INT64_MAX;
	st.st_ino = UINT64_MAX;
	cond_validators(&st, &v);
	ck_assert_str_eq(v.etag, "\"ffffffffffffffff-7fffffffffffffff-ffffffffffffffff\"");
	/* Another nanosecond is another ETag. */
	st.st_mtim.tv_nsec--;
	cond_validators(&st, &v);
	ck_assert_str_eq(v.etag, "\"fffffffffffffffe-7fffffffffffffff-ffffffffffffffff\"");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conditional");
	TCase *tc = tcase_create("dates");

	tcase_add_loop_test(tc, test_dates, 0, NCASES(dates));
	tcase_add_test(tc, test_date_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("etags");
	tcase_add_loop_test(tc, test_etags, 0, NCASES(etags));
	tcase_add_test(tc, test_validators);
	suite_add_tcase(s, tc);
	tc = tcase_create("preconditions");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_evaluate, 0, NCASES(evals));
	tcase_add_loop_test(tc, test_if_range, 0, NCASES(ifranges));
	suite_add_tcase(s, tc);
	return check_run(s);
}
