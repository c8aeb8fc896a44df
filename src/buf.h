/* buf.h: a growable byte buffer, kept per connection so requests do not allocate. */
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

#endif
