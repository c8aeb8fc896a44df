/* SPDX-License-Identifier: ISC */
/* loop.h: an event loop: epoll for descriptors, and timers that run their callback when due. */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

#include "timer.h"

#define LOOP_MAX_WAIT_MS 60000 /* the longest epoll_wait, so a stepped clock is noticed in time */

struct loop {
	int epfd;
	struct timer_heap timers;
	uint64_t now;    /* ms, CLOCK_MONOTONIC, read once per turn */
	uint64_t now_us; /* the same instant in µs, for the access log's durations */
};

/* Returns 0, or -1 with errno set. */
int loop_init(struct loop *l);

/* Closes the epoll descriptor; timers still armed are forgotten, not run. */
void loop_free(struct loop *l);

/* Watches fd for events; ptr comes back in each epoll_event. EPOLL_CTL_ADD, _MOD or _DEL as op says. */
int loop_ctl(struct loop *l, int op, int fd, uint32_t events, void *ptr);

/* Arms t (or moves it) to fire at deadline. Returns 0, or -1 when memory runs out. */
int loop_timer_set(struct loop *l, struct timer *t, uint64_t deadline);

/* Disarms t; a timer that is not armed is left alone. */
void loop_timer_cancel(struct loop *l, struct timer *t);

/*
 * Waits for events until the earliest timer is due (LOOP_MAX_WAIT_MS at most), then updates now. Returns
 * the number of events in ev[0..max), 0 on a timeout or a signal, -1 on an error (errno set).
 */
int loop_wait(struct loop *l, struct epoll_event *ev, int max);

/* Runs the callbacks of the timers due by now, earliest first; a callback may arm or cancel any timer. */
void loop_run_timers(struct loop *l);

#endif
