/* SPDX-License-Identifier: ISC */
/* worker.h: a worker process: one event loop over the shared listener and its connections. */
#ifndef WORKER_H
#define WORKER_H

#include "config.h"
#include "metrics.h"

/* What a worker gets from the master. */
struct worker_args {
	const struct config *cfg;
	const int *lfds;             /* the listeners, indexed like cfg->listeners */
	int channel;                 /* the socket to the master */
	int access_fd;               /* the access log, or -1 */
	struct metrics *metrics;     /* the shared counters, for the metrics route */
	struct metrics_shard *shard; /* this worker's share of them */
	const int *host_slots;       /* the metrics slot of each of cfg->hosts */
};

/* Runs a worker until it is told to stop or has drained. Returns the process exit status. */
int worker_run(const struct worker_args *a);

#endif
