/* SPDX-License-Identifier: ISC */
/* check_run.h: what every test program's main() does: run its suite, exit non-zero on any failure. */
#ifndef CHECK_RUN_H
#define CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int
check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * The whole main() of a test program whose tests form one case: runs them in order. timeout_s > 0
 * replaces Check's per-test default, for the tests that start servers.
 */
static inline int
check_run_tests(const char *suite, const char *tcase, double timeout_s, const TTest *const *tests, size_t n)
{
	Suite *s = suite_create(suite);
	TCase *tc = tcase_create(tcase);
	size_t i;

	if (timeout_s > 0)
		tcase_set_timeout(tc, timeout_s);
	for (i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return check_run(s);
}

/* check_run_tests() with the tests listed: CHECK_RUN_TESTS("server", "integration", 120, test_a, test_b). */
#define CHECK_RUN_TESTS(suite, tcase, timeout_s, ...)                                                        \
	check_run_tests(suite, tcase, timeout_s, (const TTest *const[]){ __VA_ARGS__ },                      \
	                sizeof((const TTest *const[]){ __VA_ARGS__ }) / sizeof(const TTest *))

#endif
