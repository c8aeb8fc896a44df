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

/*
 * After an upgrade executed this binary in the replaced master's process: takes over the listeners,
 * workers and shared memory described by the state in state_fd (tinyhttpd -u), starts a generation with
 * the config at path, which the one that served then hands over to, and serves like master_run().
 */
int master_resume(const char *path, int state_fd);

/* For tinyhttpd -t -u: whether the state in fd is one this binary can take over; why not in err. */
int master_check_state(int fd, char *err, size_t errlen);

#endif
