/* SPDX-License-Identifier: ISC */
/* worker.h: a worker process: one event loop over the shared listener and its connections. */
#ifndef WORKER_H
#define WORKER_H

#include "config.h"

/*
 * Runs a worker until it is told to stop or has drained: lfds are the listeners, indexed like
 * cfg->listeners, channel the socket to the master, access_fd the access log or -1. Returns the process
 * exit status.
 */
int worker_run(const struct config *cfg, const int *lfds, int channel, int access_fd);

#endif
