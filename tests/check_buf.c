/* SPDX-License-Identifier: ISC */
/* check_buf.c: the growable buffer and the pool that connections take their buffers from. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "check_run.h"

START_TEST(test_grow_and_consume)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_printf(&b, "%zu,", i), 0);
	ck_assert_uint_eq(b.len, 3890);
	ck_assert(b.cap >= b.len);
	ck_assert_int_eq(memcmp(b.data, "0,1,2,", 6), 0);
	buf_consume(&b, 4);
	ck_assert_int_eq(memcmp(b.data, "2,3,", 4), 0);
	ck_assert_int_eq(memcmp(b.data + b.len - 4, "999,", 4), 0);
	ck_assert_int_eq(buf_append(&b, "x", 1), 0);
	ck_assert_uint_eq(b.len, 3887);
	buf_consume(&b, b.len + 1);
	ck_assert_uint_eq(b.len, 0);
	/* A request that could never be met leaves the buffer as it was. */
	ck_assert_int_eq(buf_reserve(&b, SIZE_MAX), -1);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(test_pool_reuses_up_to_max)
{
	struct buf_pool pool = { .size = 4096, .max = 2 };
	struct buf a = { 0 }, b = { 0 }, c = { 0 };
	char *first;

	ck_assert_int_eq(buf_pool_get(&pool, &a), 0);
	ck_assert_uint_eq(a.cap, 4096);
	ck_assert_uint_eq(a.len, 0);
	first = a.data;
	memset(a.data, 'a', a.cap);
	buf_pool_put(&pool, &a);
	ck_assert_ptr_null(a.data);
	ck_assert_uint_eq(pool.count, 1);
	/* The same memory comes back, empty. */
	ck_assert_int_eq(buf_pool_get(&pool, &b), 0);
	ck_assert_ptr_eq(b.data, first);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(pool.count, 0);
	ck_assert_int_eq(buf_pool_get(&pool, &a), 0);
	ck_assert_int_eq(buf_pool_get(&pool, &c), 0);
	buf_pool_put(&pool, &a);
	buf_pool_put(&pool, &b);
	/* The pool is full: the third goes to free(). */
	buf_pool_put(&pool, &c);
	ck_assert_uint_eq(pool.count, 2);
	ck_assert_ptr_null(c.data);
	buf_pool_free(&pool);
	ck_assert_uint_eq(pool.count, 0);
	ck_assert_ptr_null(pool.free);
}
END_TEST

START_TEST(test_pool_refuses_grown_and_empty)
{
	struct buf_pool pool = { .size = 256, .max = 8 };
	struct buf a = { 0 }, none = { 0 };

	ck_assert_int_eq(buf_pool_get(&pool, &a), 0);
	/* Grown past the pool's size, the buffer is no longer one of its own. */
	ck_assert_int_eq(buf_reserve(&a, 1000), 0);
	buf_pool_put(&pool, &a);
	ck_assert_uint_eq(pool.count, 0);
	ck_assert_ptr_null(a.data);
	buf_pool_put(&pool, &none);
	ck_assert_uint_eq(pool.count, 0);
	buf_pool_free(&pool);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("buf", "buf", 0, test_grow_and_consume, test_pool_reuses_up_to_max,
	                       test_pool_refuses_grown_and_empty);
}
