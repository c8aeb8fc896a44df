/* SPDX-License-Identifier: ISC */
/* log.c: error log lines on stderr, one write(2) each so lines from several processes do not mix. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static char log_role[32] = "tinyhttpd";

/* Whether stderr is the journal: then each line starts with its syslog priority. */
static bool log_journal;

static const struct {
	const char *name;
	const char *priority; /* what journald reads at the start of a line, like sd-daemon.h's SD_ERR */
} levels[] = {
	[LOG_LVL_ERR] = { "error", "<3>" },
	[LOG_LVL_WARN] = { "warning", "<4>" },
	[LOG_LVL_INFO] = { "info", "<6>" },
};

/*
 * systemd sets JOURNAL_STREAM to "device:inode" of the stream it connects to the journal. Comparing it with
 * stderr itself, not just seeing it set, keeps the lines plain when stderr was redirected to a terminal
 * or a file in between (a shell started from a service, say).
 */
void
log_init(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char trailing;

	log_journal = stream != NULL && sscanf(stream, "%llu:%llu%c", &dev, &ino, &trailing) == 2 &&
	              fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

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

	n = snprintf(line, sizeof(line),
	             "%stinyhttpd[%ld] %s: %s: ", log_journal ? levels[level].priority : "", (long)getpid(),
	             log_role, levels[level].name);
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
log_msg(enum log_level level, int err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, err != 0 ? strerror(err) : NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}
