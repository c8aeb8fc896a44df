/* SPDX-License-Identifier: ISC */
/* notify.h: tells the service manager what the server is doing (systemd's sd_notify protocol). */
#ifndef NOTIFY_H
#define NOTIFY_H

/* Opens the socket $NOTIFY_SOCKET names, if any, and takes the variable out of the environment. */
void notify_init(void);

/* Sends one state message ("READY=1\nSTATUS=..."); does nothing without a service manager. */
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void notify_close(void);

#endif
