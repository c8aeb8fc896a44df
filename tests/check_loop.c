/* SPDX-License-Identifier: ISC */
/* check_loop.c: the event loop's timers run their callbacks in order, and a callback may re-arm or cancel. */
#include <check.h>
#include <fcntl.h>
#include <unistd.h>

#include "check_run.h"
#include "loop.h"

struct probe {
	struct timer timer;
	int fired;
	int order;          /* the place it fired in */
	struct probe *kill; /* cancelled by this one's callback */
	uint64_t again;     /* re-armed by its callback to now + again, once */
};

static struct loop loop;
static int fired_total;

static void
on_probe(struct timer *t)
{
	struct probe *p = container_of(t, struct probe, timer);

	p->fired++;
	p->order = ++fired_total;
	ck_assert_uint_eq(t->index, TIMER_UNSET); /* disarmed before its callback */
	if (p->kill != NULL)
		loop_timer_cancel(&loop, &p->kill->timer);
	if (p->again != 0) {
		ck_assert_int_eq(loop_timer_set(&loop, t, loop.now + p->again), 0);
		p->again = 0;
	}
}

static void
setup(void)
{
	ck_assert_int_eq(loop_init(&loop), 0);
	fired_total = 0;
}

static void
teardown(void)
{
	loop_free(&loop);
}

START_TEST(test_order_and_due)
{
	struct probe a = { 0 }, b = { 0 }, c = { 0 };

	timer_init(&a.timer, on_probe);
	timer_init(&b.timer, on_probe);
	timer_init(&c.timer, on_probe);
	loop.now = 1000;
	ck_assert_int_eq(loop_timer_set(&loop, &a.timer, 1300), 0);
	ck_assert_int_eq(loop_timer_set(&loop, &b.timer, 1100), 0);
	ck_assert_int_eq(loop_timer_set(&loop, &c.timer, 1200), 0);
	loop.now = 1099;
	loop_run_timers(&loop);
	ck_assert_int_eq(fired_total, 0);
	loop.now = 1200;
	loop_run_timers(&loop);
	ck_assert_int_eq(b.order, 1);
	ck_assert_int_eq(c.order, 2);
	ck_assert_int_eq(a.fired, 0);
	loop.now = 5000;
	loop_run_timers(&loop);
	ck_assert_int_eq(a.order, 3);
	ck_assert_ptr_null(timer_min(&loop.timers));
}
END_TEST

/* A callback re-arms its own timer, and cancels another that was due in the same run. */
START_TEST(test_rearm_and_cancel)
{
	struct probe a = { .again = 50 }, b = { 0 };

	timer_init(&a.timer, on_probe);
	timer_init(&b.timer, on_probe);
	a.kill = &b;
	loop.now = 0;
	ck_assert_int_eq(loop_timer_set(&loop, &a.timer, 10), 0);
	ck_assert_int_eq(loop_timer_set(&loop, &b.timer, 20), 0);
	loop.now = 30;
	loop_run_timers(&loop);
	ck_assert_int_eq(a.fired, 1);
	ck_assert_int_eq(b.fired, 0);
	ck_assert_uint_eq(a.timer.deadline, 80);
	loop.now = 80;
	loop_run_timers(&loop);
	ck_assert_int_eq(a.fired, 2);
	ck_assert_int_eq(b.fired, 0);
}
END_TEST

/* loop_wait returns when a watched descriptor is ready, and by the earliest deadline when none is. */
START_TEST(test_wait)
{
	struct probe a = { 0 };
	struct epoll_event ev[4];
	uint64_t t0;
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(loop_ctl(&loop, EPOLL_CTL_ADD, p[0], EPOLLIN, &a), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(loop_wait(&loop, ev, 4), 1);
	ck_assert_ptr_eq(ev[0].data.ptr, &a);
	ck_assert_int_eq(loop_ctl(&loop, EPOLL_CTL_DEL, p[0], 0, NULL), 0);

	timer_init(&a.timer, on_probe);
	t0 = timer_now();
	ck_assert_int_eq(loop_timer_set(&loop, &a.timer, t0 + 30), 0);
	ck_assert_int_eq(loop_wait(&loop, ev, 4), 0);
	ck_assert_uint_ge(loop.now, t0 + 30);
	loop_run_timers(&loop);
	ck_assert_int_eq(a.fired, 1);
	close(p[0]);
	close(p[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("timers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order_and_due);
	tcase_add_test(tc, test_rearm_and_cancel);
	tcase_add_test(tc, test_wait);
	suite_add_tcase(s, tc);
	return check_run(s);
}
