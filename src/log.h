/* log.h: the error log on stderr and the access log. */
#ifndef LOG_H
#define LOG_H

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

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)  log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)

/* Like log_err, with ": strerror(errno)" appended. */
void log_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
