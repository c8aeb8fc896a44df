/* SPDX-License-Identifier: ISC */
/* timer.c: a binary min-heap of deadlines whose elements know their own slot, so any can move or leave. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "timer.h"

#define TIMER_HEAP_MIN 64

static void
timer_place(struct timer_heap *h, size_t i, struct timer *t)
{
	h->items[i] = t;
	t->index = (uint32_t)i;
}

/* Moves the hole at i up while the parent is later than t, then fills it with t. */
static void
timer_sift_up(struct timer_heap *h, size_t i, struct timer *t)
{
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (h->items[parent]->deadline <= t->deadline)
			break;
		timer_place(h, i, h->items[parent]);
		i = parent;
	}
	timer_place(h, i, t);
}

static void
timer_sift_down(struct timer_heap *h, size_t i, struct timer *t)
{
	size_t child;

	while ((child = 2 * i + 1) < h->len) {
		if (child + 1 < h->len && h->items[child + 1]->deadline < h->items[child]->deadline)
			child++;
		if (t->deadline <= h->items[child]->deadline)
			break;
		timer_place(h, i, h->items[child]);
		i = child;
	}
	timer_place(h, i, t);
}

/* Restores the heap around slot i after t, now placed there, changed its deadline. */
static void
timer_fix(struct timer_heap *h, size_t i, struct timer *t)
{
	if (i > 0 && t->deadline < h->items[(i - 1) / 2]->deadline)
		timer_sift_up(h, i, t);
	else
		timer_sift_down(h, i, t);
}

static int
timer_grow(struct timer_heap *h)
{
	struct timer **items;
	size_t cap;

	if (h->cap >= TIMER_UNSET / 2 || h->cap > SIZE_MAX / 2 / sizeof(*items)) {
		errno = ENOMEM;
		return -1;
	}
	cap = h->cap ? h->cap * 2 : TIMER_HEAP_MIN;
	if ((items = realloc(h->items, cap * sizeof(*items))) == NULL)
		return -1;
	h->items = items;
	h->cap = cap;
	return 0;
}

int
timer_set(struct timer_heap *h, struct timer *t, uint64_t deadline)
{
	if (t->index != TIMER_UNSET) {
		/* A busy connection re-arms its keep-alive timer many times within one millisecond. */
		if (t->deadline == deadline)
			return 0;
		t->deadline = deadline;
		timer_fix(h, t->index, t);
		return 0;
	}
	/* Grow before touching t, so that running out of memory leaves it disarmed as it was. */
	if (h->len == h->cap && timer_grow(h) == -1)
		return -1;
	t->deadline = deadline;
	timer_sift_up(h, h->len++, t);
	return 0;
}

void
timer_cancel(struct timer_heap *h, struct timer *t)
{
	struct timer *last;
	size_t i = t->index;

	if (t->index == TIMER_UNSET)
		return;
	t->index = TIMER_UNSET;
	last = h->items[--h->len];
	/* The last element fills the hole; it may belong above or below it. */
	if (last != t)
		timer_fix(h, i, last);
}

/* Frees only the array: the timers live in their owners, which may already be gone. */
void
timer_heap_free(struct timer_heap *h)
{
	free(h->items);
	h->items = NULL;
	h->len = 0;
	h->cap = 0;
}

uint64_t
timer_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
timer_now(void)
{
	return timer_now_us() / 1000;
}
