/* SPDX-License-Identifier: ISC */
/* log.h: the error log on stderr and the access log. */
#ifndef LOG_H
#define LOG_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
};

/* Who writes a line, and to what. */
struct log_origin {
	bool journal;     /* stderr is the journal: it knows the process, the line starts with a priority */
	long pid;         /* named elsewhere, "tinyhttpd[pid]", as journald would */
	const char *role; /* "master", "worker g3"; "" for the command line, which names the program */
};

/* Decides once, before anything logs, whether lines carry a journald priority; children inherit it. */
void log_init(void);

/* Names the process in every line: "master", "worker g3". */
void log_set_role(const char *role);

/*
 * Formats one line of the error log, newline included, into line (cap bytes, at least 128): on the
 * journal "<3>master: error: message", elsewhere "tinyhttpd[42] master: error: message", and for the
 * command line "tinyhttpd: error: message" (journal: "<3>error: message"). A nonzero err appends
 * ": strerror(err)"; a long message is cut to leave room for it. Returns the length.
 */
size_t log_format(char *line, size_t cap, const struct log_origin *o, enum log_level level, int err,
                  const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* One line at level; a nonzero err appends ": strerror(err)". errno is left as it was. */
void log_msg(enum log_level level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_err(...)  log_msg(LOG_LVL_ERR, 0, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, 0, __VA_ARGS__)

/* With the reason errno gives: an error, or a degradation the server works around. */
#define log_errno(...)      log_msg(LOG_LVL_ERR, errno, __VA_ARGS__)
#define log_warn_errno(...) log_msg(LOG_LVL_WARN, errno, __VA_ARGS__)

#endif
