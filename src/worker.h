/* worker.h: a worker process: one epoll loop over the shared listener and its connections. */
#ifndef WORKER_H
#define WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "access_format.h"
#include "buf.h"
#include "config.h"
#include "file_cache.h"
#include "http_parser.h"
#include "response.h"
#include "router.h"
#include "timer.h"

struct access_log;
struct conn;

struct worker {
	const struct config *cfg;
	struct router *router;
	int epfd;
	int lfd; /* the shared listening socket; -1 once draining let it go */
	int sigfd;
	int channel;          /* to the master: "ready" goes out on it */
	bool accepting;       /* lfd is in the epoll set */
	bool draining;        /* finish what is in flight, take nothing new */
	bool handoff;         /* draining for a reload: idle connections go to the new generation */
	bool retiring;        /* draining, and the listener goes away: serve it until it is quiet */
	uint64_t last_accept; /* ms */
	size_t handed_off;    /* connections given to the new generation */
	bool stopping;        /* leave the loop now */
	uint64_t drain_deadline;
	uint64_t accept_resume; /* ms: accepting paused after EMFILE until then; 0 when not paused */
	struct timer_heap timers;
	struct conn *conns;
	struct conn *closed; /* closed during this loop turn, freed after it */
	size_t nconns;
	struct buf_pool pool;    /* connections' input and output buffers */
	struct http_request req; /* the request being answered; connections resuming one parse it again */
	struct buf scratch;      /* its decoded path and parameters */
	struct file_cache files; /* small static files served in the last second, kept open */

	uint64_t now;    /* ms, CLOCK_MONOTONIC, updated once per loop turn */
	uint64_t now_us; /* the same instant in µs, for the access log's durations */
	time_t date_sec;
	char date[RESPONSE_DATE_LEN + 1];
	char log_time[ACCESS_TIME_LEN]; /* this second in the access log's format */
	struct access_log *access_log;  /* NULL: none */
	struct buf access;              /* access log lines not yet queued for the writer */
	uint64_t access_due;            /* ms: queue them by then */
};

/*
 * Runs a worker until it is told to stop or has drained: lfd is the listener, channel the socket to the
 * master, access_fd the access log or -1. Returns the process exit status.
 */
int worker_run(const struct config *cfg, int lfd, int channel, int access_fd);

/* For conn.c: watch c for events (EPOLLIN or EPOLLOUT) and arm its timer for deadline (ms). */
int worker_watch(struct worker *w, struct conn *c, uint32_t events, uint64_t deadline);

/* For conn.c: c is closing; let the listener back in if the connection limit had stopped it. */
void worker_conn_closed(struct worker *w, struct conn *c);

/*
 * For conn.c: sends the idle connection fd to the master for the new generation. Returns 0, or -1 when it
 * stays here (not draining for a reload, or the channel refused it).
 */
int worker_handoff(struct worker *w, int fd);

/* For conn.c: one access log line for a finished exchange. */
void worker_access_log(struct worker *w, const struct conn *c, int status, uint64_t bytes);

#endif
