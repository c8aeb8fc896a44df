/* SPDX-License-Identifier: ISC */
/* buf.h: a growable byte buffer, and a pool of them so requests do not allocate. */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Makes room for n more bytes. Returns 0, or -1 when memory runs out. */
int buf_reserve(struct buf *b, size_t n);

int buf_append(struct buf *b, const void *p, size_t n);

int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Drops the first n bytes, keeping the rest at the front. */
void buf_consume(struct buf *b, size_t n);

void buf_free(struct buf *b);

/*
 * Buffers of one size kept for reuse, so a connection can hold none while it idles and take one when
 * bytes arrive, without a malloc each time.
 */
struct buf_pool {
	void *free; /* a list threaded through the first bytes of the buffers */
	size_t count;
	size_t max;  /* buffers kept at most; more are freed */
	size_t size; /* bytes per buffer */
};

/* Gives b, which holds no memory, an empty buffer of pool->size bytes. Returns 0, or -1 without memory. */
int buf_pool_get(struct buf_pool *pool, struct buf *b);

/* Takes b's memory back, into the pool when it is of the pool's size and there is room, else to free(). */
void buf_pool_put(struct buf_pool *pool, struct buf *b);

void buf_pool_free(struct buf_pool *pool);

#endif
