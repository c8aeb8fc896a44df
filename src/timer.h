/* SPDX-License-Identifier: ISC */
/* timer.h: deadlines in a binary min-heap, each with the callback that runs when it passes. */
#ifndef TIMER_H
#define TIMER_H

#include <stddef.h>
#include <stdint.h>

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

#define TIMER_UNSET UINT32_MAX

/*
 * Embedded in whatever it times, which fn finds again with container_of. index is its slot in the heap,
 * or TIMER_UNSET; 32 bits keep a connection's struct within its allocation class.
 */
struct timer {
	uint64_t deadline; /* milliseconds, CLOCK_MONOTONIC */
	void (*fn)(struct timer *t);
	uint32_t index;
};

struct timer_heap {
	struct timer **items;
	size_t len;
	size_t cap;
};

static inline void
timer_init(struct timer *t, void (*fn)(struct timer *))
{
	t->deadline = 0;
	t->fn = fn;
	t->index = TIMER_UNSET;
}

/* Arms or moves t to deadline. O(log n). Returns 0, or -1 when memory runs out (t stays as it was). */
int timer_set(struct timer_heap *h, struct timer *t, uint64_t deadline);

/* Disarms t if it is armed. O(log n). */
void timer_cancel(struct timer_heap *h, struct timer *t);

/* The earliest timer, or NULL when none is armed. */
static inline struct timer *
timer_min(const struct timer_heap *h)
{
	return h->len ? h->items[0] : NULL;
}

void timer_heap_free(struct timer_heap *h);

/* Milliseconds of CLOCK_MONOTONIC: what deadlines are measured in. */
uint64_t timer_now(void);

/* Microseconds of the same clock: what the access log measures a request's duration in. */
uint64_t timer_now_us(void);

#endif
