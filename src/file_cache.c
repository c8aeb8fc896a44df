/* SPDX-License-Identifier: ISC */
/* file_cache.c: a handful of open files with a time to live; linear search is cheapest at this size. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_cache.h"

static struct file_cache_entry *
find(struct file_cache *fc, const void *owner, const char *name)
{
	size_t i;

	for (i = 0; i < fc->n; i++)
		if (fc->slots[i].owner == owner && strcmp(fc->slots[i].name, name) == 0)
			return &fc->slots[i];
	return NULL;
}

static void
evict(struct file_cache *fc, struct file_cache_entry *e)
{
	close(e->fd);
	free(e->name);
	*e = fc->slots[--fc->n];
}

int
file_cache_get(struct file_cache *fc, const void *owner, const char *name, uint64_t now, struct stat *st,
               struct validators *v)
{
	struct file_cache_entry *e = find(fc, owner, name);

	if (e == NULL)
		return -1;
	if (now >= e->expires) {
		evict(fc, e);
		return -1;
	}
	*st = e->st;
	*v = e->v;
	return e->fd;
}

void
file_cache_put(struct file_cache *fc, const void *owner, const char *name, int fd, const struct stat *st,
               const struct validators *v, uint64_t now)
{
	struct file_cache_entry *e, *first;
	char *copy;
	size_t i;

	if ((copy = strdup(name)) == NULL) {
		close(fd);
		return;
	}
	if ((e = find(fc, owner, name)) != NULL)
		evict(fc, e);
	if (fc->n == FILE_CACHE_SLOTS) {
		for (first = &fc->slots[0], i = 1; i < fc->n; i++)
			if (fc->slots[i].expires < first->expires)
				first = &fc->slots[i];
		evict(fc, first);
	}
	fc->slots[fc->n++] = (struct file_cache_entry){
		.owner = owner, .name = copy, .fd = fd, .st = *st, .v = *v, .expires = now + FILE_CACHE_TTL_MS
	};
}

void
file_cache_drop(struct file_cache *fc, const void *owner, const char *name)
{
	struct file_cache_entry *e = find(fc, owner, name);

	if (e != NULL)
		evict(fc, e);
}

void
file_cache_expire(struct file_cache *fc, uint64_t now)
{
	size_t i = 0;

	while (i < fc->n) {
		/* The last entry moves into an evicted slot: look at slot i again. */
		if (now >= fc->slots[i].expires)
			evict(fc, &fc->slots[i]);
		else
			i++;
	}
}

uint64_t
file_cache_next(const struct file_cache *fc)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < fc->n; i++)
		if (fc->slots[i].expires < next)
			next = fc->slots[i].expires;
	return next;
}

void
file_cache_clear(struct file_cache *fc)
{
	while (fc->n > 0)
		evict(fc, &fc->slots[fc->n - 1]);
}
