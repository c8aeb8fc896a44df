/* SPDX-License-Identifier: ISC */
/* check_file_cache.c: the open small files: lookups, time to live, eviction, and that no descriptor leaks. */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "file_cache.h"

static const int owner_a, owner_b;
static struct validators val = { .etag = "\"1-2-3\"", .etag_len = 7 }, gotv;

/* A descriptor that counts as open: /dev/null, with its stat. */
static int
open_one(struct stat *st)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, st), 0);
	return fd;
}

static bool
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

START_TEST(test_get_put_expire)
{
	struct file_cache fc = { 0 };
	struct stat st, got;
	int fd = open_one(&st);

	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./a", 0, &got, &gotv), -1);
	file_cache_put(&fc, &owner_a, "./a", fd, &st, &val, 1000);
	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./a", 1000, &got, &gotv), fd);
	ck_assert_uint_eq(got.st_ino, st.st_ino);
	/* The validators formatted when it was opened come back with it. */
	ck_assert_str_eq(gotv.etag, "\"1-2-3\"");
	ck_assert_uint_eq(gotv.etag_len, 7);
	/* The key is the owner and the name. */
	ck_assert_int_eq(file_cache_get(&fc, &owner_b, "./a", 1000, &got, &gotv), -1);
	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./b", 1000, &got, &gotv), -1);
	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./a", 1000 + FILE_CACHE_TTL_MS - 1, &got, &gotv), fd);
	file_cache_expire(&fc, 1500);
	ck_assert_uint_eq(file_cache_next(&fc), 1000 + FILE_CACHE_TTL_MS);
	ck_assert(is_open(fd));
	/* Once expired it is closed, by a lookup or by expire(). */
	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./a", 1000 + FILE_CACHE_TTL_MS, &got, &gotv), -1);
	ck_assert(!is_open(fd));
	ck_assert_uint_eq(fc.n, 0);
	fd = open_one(&st);
	file_cache_put(&fc, &owner_a, "./a", fd, &st, &val, 5000);
	file_cache_expire(&fc, 5000 + FILE_CACHE_TTL_MS);
	ck_assert_uint_eq(file_cache_next(&fc), UINT64_MAX);
	ck_assert(!is_open(fd));
}
END_TEST

START_TEST(test_replace_drop_clear)
{
	struct file_cache fc = { 0 };
	struct stat st, got;
	int one = open_one(&st), two = open_one(&st);

	file_cache_put(&fc, &owner_a, "./a", one, &st, &val, 0);
	/* The same name again: the newer file replaces the older, which is closed. */
	file_cache_put(&fc, &owner_a, "./a", two, &st, &val, 10);
	ck_assert(!is_open(one));
	ck_assert_uint_eq(fc.n, 1);
	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./a", 20, &got, &gotv), two);
	file_cache_drop(&fc, &owner_a, "./a");
	ck_assert(!is_open(two));
	ck_assert_int_eq(file_cache_get(&fc, &owner_a, "./a", 20, &got, &gotv), -1);
	one = open_one(&st);
	two = open_one(&st);
	file_cache_put(&fc, &owner_a, "./a", one, &st, &val, 0);
	file_cache_put(&fc, &owner_b, "./a", two, &st, &val, 0);
	file_cache_clear(&fc);
	ck_assert(!is_open(one) && !is_open(two));
	ck_assert_uint_eq(fc.n, 0);
}
END_TEST

/* When every slot is taken, the entry that expires first makes room. */
START_TEST(test_full)
{
	struct file_cache fc = { 0 };
	int fds[FILE_CACHE_SLOTS + 1], i, n = FILE_CACHE_SLOTS + 1;
	char name[16];
	struct stat st, got;

	for (i = 0; i < n; i++) {
		fds[i] = open_one(&st);
		snprintf(name, sizeof(name), "./%d", i);
		/* Entry 3 is the oldest. */
		file_cache_put(&fc, &owner_a, name, fds[i], &st, &val, i == 3 ? 0 : 100 + (uint64_t)i);
	}
	ck_assert_uint_eq(fc.n, FILE_CACHE_SLOTS);
	ck_assert(!is_open(fds[3]));
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "./%d", i);
		ck_assert_int_eq(file_cache_get(&fc, &owner_a, name, 200, &got, &gotv), i == 3 ? -1 : fds[i]);
	}
	file_cache_clear(&fc);
	for (i = 0; i < n; i++)
		ck_assert(!is_open(fds[i]));
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("file_cache", "file_cache", 0, test_get_put_expire, test_replace_drop_clear,
	                       test_full);
}
