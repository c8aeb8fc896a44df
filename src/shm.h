/* SPDX-License-Identifier: ISC */
/* shm.h: memory shared with every worker, in a memfd that an upgrade in place can pass on. */
#ifndef SHM_H
#define SHM_H

#include <stddef.h>

/*
 * A new memfd named name of size bytes, zero-filled, mapped shared; *fd gets the memfd (close-on-exec).
 * Returns the mapping, or NULL with errno set.
 */
void *shm_new(const char *name, size_t size, int *fd);

/* The memfd fd, size bytes long (EPROTO when it is not), mapped shared. Returns it, or NULL with errno set.
 */
void *shm_attach(int fd, size_t size);

#endif
