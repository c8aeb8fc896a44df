/* SPDX-License-Identifier: ISC */
/* master.h: the master process: generations of workers, signals, supervision. */
#ifndef MASTER_H
#define MASTER_H

#include "config.h"

/*
 * Serves cfg (loaded from cfg->file, which SIGHUP reads again) until a stop signal. Takes ownership of cfg.
 * Returns the process exit status, for main to exit with at once: the master's signals are still blocked.
 */
int master_run(struct config *cfg);

#endif
