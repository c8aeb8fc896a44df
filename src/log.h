/* SPDX-License-Identifier: ISC */
/* log.h: the error log on stderr and the access log. */
#ifndef LOG_H
#define LOG_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
};

/* Decides once, before anything logs, whether lines carry a journald priority; children inherit it. */
void log_init(void);

/* Names the process in every line: "master", "worker 3". */
void log_set_role(const char *role);

/* One line at level; a nonzero err appends ": strerror(err)". errno is left as it was. */
void log_msg(enum log_level level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_err(...)  log_msg(LOG_LVL_ERR, 0, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, 0, __VA_ARGS__)

/* With the reason errno gives: an error, or a degradation the server works around. */
#define log_errno(...)      log_msg(LOG_LVL_ERR, errno, __VA_ARGS__)
#define log_warn_errno(...) log_msg(LOG_LVL_WARN, errno, __VA_ARGS__)

#endif
