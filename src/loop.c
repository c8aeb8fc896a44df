/* SPDX-License-Identifier: ISC */
/* loop.c: epoll and the timer heap behind one "wait, dispatch, run due timers" turn. */
#include <errno.h>
#include <unistd.h>

#include "loop.h"

int
loop_init(struct loop *l)
{
	l->timers = (struct timer_heap){ 0 };
	l->now_us = timer_now_us();
	l->now = l->now_us / 1000;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd == -1 ? -1 : 0;
}

void
loop_free(struct loop *l)
{
	timer_heap_free(&l->timers);
	if (l->epfd != -1)
		close(l->epfd);
	l->epfd = -1;
}

int
loop_ctl(struct loop *l, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(l->epfd, op, fd, &ev);
}

int
loop_timer_set(struct loop *l, struct timer *t, uint64_t deadline)
{
	return timer_set(&l->timers, t, deadline);
}

void
loop_timer_cancel(struct loop *l, struct timer *t)
{
	timer_cancel(&l->timers, t);
}

/* Milliseconds until the earliest timer, bounded; -1 (forever) when none is armed. */
static int
loop_timeout(const struct loop *l)
{
	const struct timer *t = timer_min(&l->timers);

	if (t == NULL)
		return -1;
	if (t->deadline <= l->now)
		return 0;
	return t->deadline - l->now > LOOP_MAX_WAIT_MS ? LOOP_MAX_WAIT_MS : (int)(t->deadline - l->now);
}

int
loop_wait(struct loop *l, struct epoll_event *ev, int max)
{
	int n = epoll_wait(l->epfd, ev, max, loop_timeout(l));

	l->now_us = timer_now_us();
	l->now = l->now_us / 1000;
	if (n == -1 && errno == EINTR)
		return 0;
	return n;
}

void
loop_run_timers(struct loop *l)
{
	struct timer *t;

	/* Disarmed before its callback runs, so the callback may arm it again. */
	while ((t = timer_min(&l->timers)) != NULL && t->deadline <= l->now) {
		timer_cancel(&l->timers, t);
		t->fn(t);
	}
}
