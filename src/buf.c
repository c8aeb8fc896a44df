/* SPDX-License-Identifier: ISC */
/* buf.c: a growable byte buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
buf_reserve(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return 0;
	if (n > ((size_t)-1) / 2 - b->len)
		return -1;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= b->cap - b->len) {
		/* Room for the terminating NUL vsnprintf insists on writing. */
		if (buf_reserve(b, (size_t)n + 1) == -1)
			return -1;
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
	}
	b->len += (size_t)n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
buf_pool_get(struct buf_pool *pool, struct buf *b)
{
	void *p = pool->free;

	if (p != NULL) {
		memcpy(&pool->free, p, sizeof(void *));
		pool->count--;
	} else if ((p = malloc(pool->size)) == NULL) {
		return -1;
	}
	b->data = p;
	b->len = 0;
	b->cap = pool->size;
	return 0;
}

void
buf_pool_put(struct buf_pool *pool, struct buf *b)
{
	if (b->data != NULL && b->cap == pool->size && pool->count < pool->max) {
		memcpy(b->data, &pool->free, sizeof(void *));
		pool->free = b->data;
		pool->count++;
		b->data = NULL;
	}
	buf_free(b);
}

void
buf_pool_free(struct buf_pool *pool)
{
	void *p;

	while ((p = pool->free) != NULL) {
		memcpy(&pool->free, p, sizeof(void *));
		free(p);
	}
	pool->count = 0;
}
