/* SPDX-License-Identifier: ISC */
/* shm.c: memory shared with every worker, in a memfd that an upgrade in place can pass on. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "shm.h"

void *
shm_new(const char *name, size_t size, int *fd)
{
	void *p;
	int err;

	/* A file grown by ftruncate reads as zeros, and pages nobody touches are never allocated. */
	if ((*fd = memfd_create(name, MFD_CLOEXEC)) == -1)
		return NULL;
	if (ftruncate(*fd, (off_t)size) == -1 ||
	    (p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0)) == MAP_FAILED) {
		err = errno;
		close(*fd);
		*fd = -1;
		errno = err;
		return NULL;
	}
	return p;
}

void *
shm_attach(int fd, size_t size)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) == -1)
		return NULL;
	if (st.st_size != (off_t)size) {
		errno = EPROTO;
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}
