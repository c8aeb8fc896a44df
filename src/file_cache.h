/* SPDX-License-Identifier: ISC */
/*
 * file_cache.h: small static files kept open for a second after they were served, so that a busy file
 * costs one pread() per request instead of an open, an fstat, a read and a close.
 */
#ifndef FILE_CACHE_H
#define FILE_CACHE_H

#include <stdint.h>
#include <sys/stat.h>

#include "conditional.h"

#define FILE_CACHE_SLOTS  16   /* descriptors a worker keeps open at most */
#define FILE_CACHE_TTL_MS 1000 /* a file is opened afresh at least this often while it is served */

struct file_cache {
	struct file_cache_entry {
		const void *owner; /* the route; with name, the key */
		char *name;
		int fd;
		struct stat st;
		struct validators v; /* formatted once, when it was opened */
		uint64_t expires;    /* ms */
	} slots[FILE_CACHE_SLOTS];
	size_t n;
};

/*
 * The open file owner's name stands for, with st and v, until it expires; -1 when there is none. A file
 * rewritten in place keeps the validators it was opened with until then: they are at most
 * FILE_CACHE_TTL_MS old, as its bytes are not.
 */
int file_cache_get(struct file_cache *fc, const void *owner, const char *name, uint64_t now, struct stat *st,
                   struct validators *v);

/*
 * Keeps fd, just opened and described by st and v, until now + FILE_CACHE_TTL_MS; the entry that expires
 * first makes room when all slots are taken. fd belongs to the cache from now on, even when this fails.
 */
void file_cache_put(struct file_cache *fc, const void *owner, const char *name, int fd, const struct stat *st,
                    const struct validators *v, uint64_t now);

/* Forgets owner's name: the file changed since it was opened. */
void file_cache_drop(struct file_cache *fc, const void *owner, const char *name);

/* Closes what has expired by now. */
void file_cache_expire(struct file_cache *fc, uint64_t now);

/* When the next entry expires, or UINT64_MAX when none is open. */
uint64_t file_cache_next(const struct file_cache *fc);

/* Closes everything, to give descriptors back (EMFILE) or at exit. */
void file_cache_clear(struct file_cache *fc);

#endif
