/* log.c: error log lines on stderr, one write(2) each so lines from several processes do not mix. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static char log_role[32] = "tinyhttpd";

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
};

void
log_set_role(const char *role)
{
	snprintf(log_role, sizeof(log_role), "%s", role);
}

static void
log_vwrite(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;

	n = snprintf(line, sizeof(line), "tinyhttpd[%ld] %s: %s: ", (long)getpid(), log_role,
	             level_names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n = (size_t)(n + m) >= sizeof(line) - 64 ? (int)sizeof(line) - 64 : n + m;
	if (suffix != NULL)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", suffix);
	line[n++] = '\n';
	/* The error log is best effort: there is nowhere left to report its own failure. */
	if (write(STDERR_FILENO, line, (size_t)n) == -1)
		return;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, NULL, fmt, ap);
	va_end(ap);
}

void
log_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}
