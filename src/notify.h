/* SPDX-License-Identifier: ISC */
/* notify.h: tells the service manager what the server is doing (systemd's sd_notify protocol). */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdbool.h>

/* Opens the socket $NOTIFY_SOCKET names, if any, and takes the variable out of the environment. */
void notify_init(void);

/* Sends one state message ("READY=1\nSTATUS=..."); does nothing without a service manager. */
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Puts $NOTIFY_SOCKET back into the environment (pass true) right before the master execs the binary that
 * replaces it, so the new code notifies in the same name under the same PID; takes it out again (false)
 * when the exec failed.
 */
void notify_pass_on(bool pass);

void notify_close(void);

#endif
