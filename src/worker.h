/* worker.h: a worker process: one epoll loop over the shared listener and its connections. */
#ifndef WORKER_H
#define WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "response.h"
#include "router.h"
#include "timer.h"

struct conn;

struct worker {
	const struct config *cfg;
	struct router *router;
	int epfd;
	int lfd; /* the shared listening socket; -1 once draining let it go */
	int sigfd;
	int channel;    /* to the master: "ready" goes out on it */
	bool accepting; /* lfd is in the epoll set */
	bool draining;  /* finish what is in flight, take nothing new */
	bool stopping;  /* leave the loop now */
	uint64_t drain_deadline;
	uint64_t accept_resume; /* ms: accepting paused after EMFILE until then; 0 when not paused */
	struct timer_heap timers;
	struct conn *conns;
	size_t nconns;

	uint64_t now; /* ms, CLOCK_MONOTONIC, updated once per loop turn */
	time_t date_sec;
	char date[RESPONSE_DATE_LEN + 1];
	char log_time[32]; /* "24/Nov/2026:22:33:58 +0000" */
	int access_fd;     /* -1: no access log */
	struct buf access; /* access log lines not yet written */
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

/* For conn.c: one access log line for a finished exchange. */
void worker_access_log(struct worker *w, const struct conn *c, int status, uint64_t bytes);

#endif
