/* SPDX-License-Identifier: ISC */
/* check_log.c: the error log's lines, on the journal and elsewhere, for the processes and the command line.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "log.h"

static char line[1024];

/* log_format() into line, NUL-terminated; returns the length it gave. */
static size_t __attribute__((format(printf, 5, 6)))
format(size_t cap, const struct log_origin *o, enum log_level level, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	memset(line, 'x', sizeof(line));
	va_start(ap, fmt);
	n = log_format(line, cap, o, level, err, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(n, cap);
	line[n] = '\0';
	return n;
}

START_TEST(test_plain)
{
	const struct log_origin master = { .pid = 42, .role = "master" };
	const struct log_origin worker = { .pid = 7, .role = "worker g3" };
	const struct log_origin cmd = { .pid = 9, .role = "" };

	format(sizeof(line), &master, LOG_LVL_ERR, 0, "%s:%d: bad", "a.conf", 3);
	ck_assert_str_eq(line, "tinyhttpd[42] master: error: a.conf:3: bad\n");
	format(sizeof(line), &worker, LOG_LVL_INFO, 0, "draining %d connections", 2);
	ck_assert_str_eq(line, "tinyhttpd[7] worker g3: info: draining 2 connections\n");
	/* The command line is one process of its own: the program's name is enough. */
	format(sizeof(line), &cmd, LOG_LVL_WARN, 0, "careful");
	ck_assert_str_eq(line, "tinyhttpd: warning: careful\n");
}
END_TEST

/* The journal tags every entry with "tinyhttpd[pid]:" itself: a line starts with its priority, then the role.
 */
START_TEST(test_journal)
{
	const struct log_origin master = { .journal = true, .pid = 42, .role = "master" };
	const struct log_origin worker = { .journal = true, .pid = 7, .role = "worker g1" };
	const struct log_origin cmd = { .journal = true, .pid = 9, .role = "" };

	format(sizeof(line), &master, LOG_LVL_ERR, 0, "%s:%d: bad", "/etc/tinyhttpd/tinyhttpd.conf", 3);
	ck_assert_str_eq(line, "<3>master: error: /etc/tinyhttpd/tinyhttpd.conf:3: bad\n");
	format(sizeof(line), &worker, LOG_LVL_WARN, 0, "slow");
	ck_assert_str_eq(line, "<4>worker g1: warning: slow\n");
	format(sizeof(line), &cmd, LOG_LVL_INFO, 0, "a.conf: configuration is valid");
	ck_assert_str_eq(line, "<6>info: a.conf: configuration is valid\n");
}
END_TEST

START_TEST(test_errno)
{
	const struct log_origin master = { .pid = 42, .role = "master" };
	char want[256];

	format(sizeof(line), &master, LOG_LVL_ERR, ENOENT, "open %s", "x");
	snprintf(want, sizeof(want), "tinyhttpd[42] master: error: open x: %s\n", strerror(ENOENT));
	ck_assert_str_eq(line, want);
}
END_TEST

/* A message longer than the line is cut, and the reason and the newline still fit. */
START_TEST(test_long)
{
	const struct log_origin master = { .journal = true, .pid = 42, .role = "master" };
	static char big[4096];
	const char *reason = strerror(EACCES);
	size_t n, len = strlen(reason), caps[] = { 128, 200, sizeof(line) }, i;

	memset(big, 'm', sizeof(big) - 1);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		n = format(caps[i], &master, LOG_LVL_ERR, EACCES, "%s", big);
		ck_assert_uint_gt(n, caps[i] / 2);
		ck_assert_int_eq(strncmp(line, "<3>master: error: mmm", 21), 0);
		ck_assert_int_eq(line[n - 1], '\n');
		ck_assert_int_eq(memcmp(line + n - 1 - len, reason, len), 0);
		ck_assert_int_eq(memcmp(line + n - 4 - len, "m: ", 3), 0);
	}
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("log", "format", 0, test_plain, test_journal, test_errno, test_long);
}
