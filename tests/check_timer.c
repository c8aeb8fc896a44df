/* SPDX-License-Identifier: ISC */
/* check_timer.c: the timer heap against a brute-force model, with its invariants checked after each step. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check_run.h"
#include "timer.h"

/*
 * Check logs the location of every passing ck_assert, a system call each; the invariants below run
 * hundreds of millions of times, so they call into Check only when they fail.
 */
#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			ck_abort_msg("invariant failed: %s", #cond);                                         \
	} while (0)

/* Every slot's timer knows its slot, and no child is earlier than its parent. */
static void
heap_check(const struct timer_heap *h)
{
	size_t i;

	CHECK(h->len <= h->cap);
	for (i = 0; i < h->len; i++) {
		CHECK(h->items[i] != NULL);
		CHECK(h->items[i]->index == i);
		if (i > 0)
			CHECK(h->items[(i - 1) / 2]->deadline <= h->items[i]->deadline);
	}
}

/* The model: the timers themselves, each armed or not, with the deadline it should have. */
struct model {
	struct timer *timers;
	bool *armed;
	uint64_t *deadline;
	size_t n;
};

static void
model_check(const struct timer_heap *h, const struct model *m)
{
	size_t i, narmed = 0;
	uint64_t min = UINT64_MAX;

	for (i = 0; i < m->n; i++) {
		if (!m->armed[i]) {
			CHECK(m->timers[i].index == TIMER_UNSET);
			continue;
		}
		narmed++;
		CHECK(m->timers[i].deadline == m->deadline[i]);
		CHECK(m->timers[i].index < h->len);
		CHECK(h->items[m->timers[i].index] == &m->timers[i]);
		if (m->timers[i].deadline < min)
			min = m->timers[i].deadline;
	}
	CHECK(h->len == narmed);
	if (narmed == 0)
		CHECK(timer_min(h) == NULL);
	else
		CHECK(timer_min(h)->deadline == min);
}

/* A fixed-seed generator, so a failure reproduces; rand() differs between libcs. */
static uint64_t
rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static void
model_run(size_t n, size_t steps, uint64_t range)
{
	struct timer_heap h = { 0 };
	struct model m;
	uint64_t seed = 0x9e3779b97f4a7c15ULL, r, deadline;
	size_t step, i;

	m.n = n;
	ck_assert_ptr_nonnull(m.timers = calloc(n, sizeof(*m.timers)));
	ck_assert_ptr_nonnull(m.armed = calloc(n, sizeof(*m.armed)));
	ck_assert_ptr_nonnull(m.deadline = calloc(n, sizeof(*m.deadline)));
	for (i = 0; i < n; i++)
		timer_init(&m.timers[i], NULL);

	for (step = 0; step < steps; step++) {
		r = rng_next(&seed);
		i = (size_t)(r % n);
		deadline = (r >> 20) % range;
		switch ((r >> 8) % 8) {
		case 0:
		case 1:
			/* Cancel, armed or not: cancelling a disarmed timer is a no-op. */
			timer_cancel(&h, &m.timers[i]);
			m.armed[i] = false;
			break;
		case 2:
			/* Expire the earliest, as the worker loop does. */
			if (h.len > 0) {
				struct timer *t = timer_min(&h);

				timer_cancel(&h, t);
				m.armed[t - m.timers] = false;
			}
			break;
		default:
			CHECK(timer_set(&h, &m.timers[i], deadline) == 0);
			m.armed[i] = true;
			m.deadline[i] = deadline;
			break;
		}
		heap_check(&h);
		model_check(&h, &m);
	}

	/* Draining yields the deadlines in order. */
	for (deadline = 0; h.len > 0;) {
		struct timer *t = timer_min(&h);

		CHECK(t->deadline >= deadline);
		deadline = t->deadline;
		timer_cancel(&h, t);
		CHECK(t->index == TIMER_UNSET);
	}
	timer_heap_free(&h);
	free(m.timers);
	free(m.armed);
	free(m.deadline);
}

START_TEST(test_empty)
{
	struct timer_heap h = { 0 };
	struct timer t;

	timer_init(&t, NULL);
	ck_assert_ptr_null(timer_min(&h));
	timer_cancel(&h, &t);
	ck_assert_uint_eq(t.index, TIMER_UNSET);
	timer_heap_free(&h);
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_basic)
{
	struct timer_heap h = { 0 };
	struct timer a, b, c;

	timer_init(&a, NULL);
	timer_init(&b, NULL);
	timer_init(&c, NULL);
	ck_assert_int_eq(timer_set(&h, &a, 30), 0);
	ck_assert_int_eq(timer_set(&h, &b, 10), 0);
	ck_assert_int_eq(timer_set(&h, &c, 20), 0);
	ck_assert_ptr_eq(timer_min(&h), &b);
	heap_check(&h);

	/* Moving later, earlier, and to the same deadline. */
	ck_assert_int_eq(timer_set(&h, &b, 40), 0);
	ck_assert_ptr_eq(timer_min(&h), &c);
	ck_assert_int_eq(timer_set(&h, &a, 5), 0);
	ck_assert_ptr_eq(timer_min(&h), &a);
	ck_assert_int_eq(timer_set(&h, &a, 5), 0);
	ck_assert_uint_eq(h.len, 3);
	heap_check(&h);

	timer_cancel(&h, &a);
	ck_assert_uint_eq(a.index, TIMER_UNSET);
	ck_assert_ptr_eq(timer_min(&h), &c);
	timer_cancel(&h, &a);
	ck_assert_uint_eq(h.len, 2);
	timer_cancel(&h, &b);
	timer_cancel(&h, &c);
	ck_assert_ptr_null(timer_min(&h));
	heap_check(&h);

	/* A cancelled timer can be armed again. */
	ck_assert_int_eq(timer_set(&h, &b, 1), 0);
	ck_assert_ptr_eq(timer_min(&h), &b);
	timer_heap_free(&h);
	ck_assert_ptr_null(h.items);
	ck_assert_uint_eq(h.len, 0);
}
END_TEST

/* Removing from the middle where the last element must move up, not down. */
START_TEST(test_cancel_sifts_up)
{
	struct timer_heap h = { 0 };
	struct timer t[7];
	static const uint64_t d[7] = { 1, 100, 2, 101, 102, 3, 4 };
	size_t i;

	for (i = 0; i < 7; i++) {
		timer_init(&t[i], NULL);
		ck_assert_int_eq(timer_set(&h, &t[i], d[i]), 0);
	}
	heap_check(&h);
	/* t[3] (101) sits under t[1] (100); the last element (4) replacing it must rise above 100. */
	ck_assert_uint_eq(h.items[1]->deadline, 100);
	ck_assert_ptr_eq(h.items[6], &t[6]);
	timer_cancel(&h, &t[3]);
	heap_check(&h);
	ck_assert_uint_eq(h.items[1]->deadline, 4);
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_equal_deadlines)
{
	struct timer_heap h = { 0 };
	struct timer t[100];
	size_t i;

	for (i = 0; i < 100; i++) {
		timer_init(&t[i], NULL);
		ck_assert_int_eq(timer_set(&h, &t[i], 7), 0);
	}
	for (i = 0; i < 100; i += 3)
		timer_cancel(&h, &t[i]);
	heap_check(&h);
	ck_assert_uint_eq(h.len, 66);
	ck_assert_uint_eq(timer_min(&h)->deadline, 7);
	timer_heap_free(&h);
}
END_TEST

START_TEST(test_extreme_deadlines)
{
	struct timer_heap h = { 0 };
	struct timer a, b;

	timer_init(&a, NULL);
	timer_init(&b, NULL);
	ck_assert_int_eq(timer_set(&h, &a, UINT64_MAX), 0);
	ck_assert_int_eq(timer_set(&h, &b, 0), 0);
	ck_assert_ptr_eq(timer_min(&h), &b);
	ck_assert_int_eq(timer_set(&h, &b, UINT64_MAX), 0);
	ck_assert_uint_eq(timer_min(&h)->deadline, UINT64_MAX);
	heap_check(&h);
	timer_heap_free(&h);
}
END_TEST

/*
 * A heap whose array cannot grow any further: arming fails with ENOMEM and leaves both the timer and
 * the heap as they were. (The size overflow check stands in for realloc failing.)
 */
START_TEST(test_grow_fails)
{
	struct timer_heap h = { NULL, SIZE_MAX / 4, SIZE_MAX / 4 };
	struct timer t;

	timer_init(&t, NULL);
	t.deadline = 123;
	errno = 0;
	ck_assert_int_eq(timer_set(&h, &t, 5), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(t.index, TIMER_UNSET);
	ck_assert_uint_eq(t.deadline, 123);
	ck_assert_ptr_null(h.items);
	ck_assert_uint_eq(h.len, SIZE_MAX / 4);
	ck_assert_uint_eq(h.cap, SIZE_MAX / 4);
}
END_TEST

START_TEST(test_model_small)
{
	/* Few timers, many steps: lots of moves and cancels of armed timers and heavy deadline ties. */
	model_run(17, 20000, 8);
	model_run(64, 20000, 1000);
}
END_TEST

START_TEST(test_model_10k)
{
	/* 10k timers, most of them armed once the run is warm. */
	model_run(10000, 20000, 1u << 30);
}
END_TEST

/* Fill 10k, then cancel in a scattered order, checking the heap after every operation. */
START_TEST(test_fill_and_drain_10k)
{
	enum { N = 10000 };
	struct timer_heap h = { 0 };
	struct timer *t;
	uint64_t seed = 42;
	size_t i, j;

	ck_assert_ptr_nonnull(t = calloc(N, sizeof(*t)));
	for (i = 0; i < N; i++) {
		timer_init(&t[i], NULL);
		CHECK(timer_set(&h, &t[i], rng_next(&seed) % 100000) == 0);
		heap_check(&h);
	}
	heap_check(&h);
	CHECK(h.len == N);
	/* 7919 is prime and N is not a multiple of it, so this visits every index once. */
	for (i = 0, j = 0; i < N; i++, j = (j + 7919) % N) {
		timer_cancel(&h, &t[j]);
		CHECK(t[j].index == TIMER_UNSET);
		heap_check(&h);
	}
	CHECK(h.len == 0);
	timer_heap_free(&h);
	free(t);
}
END_TEST

static Suite *
timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc;

	tc = tcase_create("unit");
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_cancel_sifts_up);
	tcase_add_test(tc, test_equal_deadlines);
	tcase_add_test(tc, test_extreme_deadlines);
	tcase_add_test(tc, test_grow_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_model_small);
	tcase_add_test(tc, test_model_10k);
	tcase_add_test(tc, test_fill_and_drain_10k);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(timer_suite());
}
