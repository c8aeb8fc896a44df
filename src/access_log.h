/* SPDX-License-Identifier: ISC */
/* access_log.h: the access log, written by a thread of the worker so a slow disk never stalls serving. */
#ifndef ACCESS_LOG_H
#define ACCESS_LOG_H

#include <stddef.h>

struct access_log;

/*
 * Starts a writer thread for the open file fd, which it owns from then on, even when this fails
 * (STDERR_FILENO is written to, never closed). Returns NULL with errno set on failure.
 */
struct access_log *access_log_start(int fd);

/*
 * Queues whole lines for the writer without waiting for the disk. While the writer is too far behind,
 * they are dropped instead, and the writer reports how many once it catches up.
 */
void access_log_write(struct access_log *al, const char *p, size_t len);

/* Lines from now on go to fd, which logrotate's SIGUSR1 had the master open; the old file is closed. */
void access_log_reopen(struct access_log *al, int fd);

/* Writes what is queued, waiting for the disk at most timeout_ms, then stops the writer and frees al. */
void access_log_stop(struct access_log *al, int timeout_ms);

#endif
