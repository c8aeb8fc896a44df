/* SPDX-License-Identifier: ISC */
/*
 * access_log.c: the worker formats its access log lines and queues them here; a thread of its own writes
 * them. A disk that stalls then holds up only that thread: the queue grows to ACCESS_LOG_BACKLOG, later
 * lines are dropped and counted, and the worker goes on serving.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "buf.h"
#include "log.h"

#define ACCESS_LOG_BACKLOG (1024 * 1024) /* bytes queued at most: some seconds of a busy worker */
#define ACCESS_LOG_KEEP    (64 * 1024)   /* the writer frees its buffer after a burst bigger than this */

struct access_log {
	pthread_t thread;
	pthread_mutex_t lock; /* guards what follows, not fd: only the writer uses fd once started */
	pthread_cond_t wake;  /* lines queued, a reopen or the stop */
	struct buf queue;     /* lines the writer has not taken yet */
	unsigned long long dropped;
	int next_fd;      /* -1, or the file to write to from now on */
	size_t reopen_at; /* with next_fd: the queued bytes that still belong to the old file */
	bool stop;
	int fd;
};

static void
close_log(int fd)
{
	if (fd > STDERR_FILENO)
		close(fd);
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes p[0..len) to fd; a failure is said once, not once per batch: a full disk would flood the error
 * log too. *lost counts the bytes the file refused since it last worked. */
static void
write_batch(int fd, const char *p, size_t len, unsigned long long *lost)
{
	if (len == 0)
		return;
	if (write_all(fd, p, len) == -1) {
		if (*lost == 0)
			log_errno("cannot write the access log; its lines are lost until it can be written");
		*lost += len;
	} else if (*lost > 0) {
		log_info("access log written again; %llu bytes of it were lost", *lost);
		*lost = 0;
	}
}

static void *
writer(void *arg)
{
	struct access_log *al = arg;
	struct buf out = { 0 }, swap;
	unsigned long long dropped, lost = 0;
	size_t split;
	int next_fd;

	pthread_mutex_lock(&al->lock);
	for (;;) {
		while (al->queue.len == 0 && al->dropped == 0 && al->next_fd == -1 && !al->stop)
			pthread_cond_wait(&al->wake, &al->lock);
		if (al->queue.len == 0 && al->dropped == 0 && al->next_fd == -1)
			break;
		/* Take the queue whole and leave an empty buffer: the worker goes on appending meanwhile. */
		swap = out;
		out = al->queue;
		al->queue = swap;
		dropped = al->dropped;
		al->dropped = 0;
		next_fd = al->next_fd;
		al->next_fd = -1;
		split = next_fd != -1 ? al->reopen_at : 0;
		pthread_mutex_unlock(&al->lock);

		if (dropped > 0)
			log_warn("access log: %llu lines dropped because the disk did not keep up", dropped);
		/* Lines queued before the reopen end the old file; the rest start the new one. */
		write_batch(al->fd, out.data, split, &lost);
		if (next_fd != -1) {
			close_log(al->fd);
			al->fd = next_fd;
		}
		if (out.len > split)
			write_batch(al->fd, out.data + split, out.len - split, &lost);
		out.len = 0;
		if (out.cap > ACCESS_LOG_KEEP)
			buf_free(&out);
		pthread_mutex_lock(&al->lock);
	}
	pthread_mutex_unlock(&al->lock);
	buf_free(&out);
	return NULL;
}

struct access_log *
access_log_start(int fd)
{
	struct access_log *al;
	sigset_t all, old;
	int err;

	if ((al = calloc(1, sizeof(*al))) == NULL) {
		close_log(fd);
		return NULL;
	}
	al->fd = fd;
	al->next_fd = -1;
	pthread_mutex_init(&al->lock, NULL);
	pthread_cond_init(&al->wake, NULL);
	/* Signals are the worker's business: the writer starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&al->thread, NULL, writer, al);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		close_log(fd);
		pthread_cond_destroy(&al->wake);
		pthread_mutex_destroy(&al->lock);
		free(al);
		errno = err;
		return NULL;
	}
	return al;
}

static size_t
count_lines(const char *p, size_t len)
{
	const char *end = p + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

void
access_log_write(struct access_log *al, const char *p, size_t len)
{
	pthread_mutex_lock(&al->lock);
	if (al->queue.len + len > ACCESS_LOG_BACKLOG || buf_append(&al->queue, p, len) == -1)
		al->dropped += count_lines(p, len);
	pthread_cond_signal(&al->wake);
	pthread_mutex_unlock(&al->lock);
}

void
access_log_reopen(struct access_log *al, int fd)
{
	pthread_mutex_lock(&al->lock);
	/* Two SIGUSR1s before the writer looked: the first new file is already stale. */
	if (al->next_fd == -1)
		al->reopen_at = al->queue.len;
	close_log(al->next_fd);
	al->next_fd = fd;
	pthread_cond_signal(&al->wake);
	pthread_mutex_unlock(&al->lock);
}

void
access_log_stop(struct access_log *al, int timeout_ms)
{
	struct timespec ts;

	pthread_mutex_lock(&al->lock);
	al->stop = true;
	pthread_cond_signal(&al->wake);
	pthread_mutex_unlock(&al->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (pthread_timedjoin_np(al->thread, NULL, &ts) != 0) {
		/* The writer is stuck in write(2); exiting the process is what ends it. */
		log_warn("the access log could not be written within %d ms; the lines still queued are lost",
		         timeout_ms);
		return;
	}
	close_log(al->fd);
	buf_free(&al->queue);
	pthread_cond_destroy(&al->wake);
	pthread_mutex_destroy(&al->lock);
	free(al);
}
