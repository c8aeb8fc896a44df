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

/* "" until a process takes a role: the command line, checking a config before the master runs. */
static char log_role[32];

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

/*
 * The journal tags each line "tinyhttpd[pid]:" itself, with the pid of the process that wrote it, so a line
 * there starts with the role; elsewhere the line names the program and the process.
 */
size_t
log_format(char *line, size_t cap, const struct log_origin *o, enum log_level level, int err, const char *fmt,
           va_list ap)
{
	int n, m;

	if (o->journal)
		n = snprintf(line, cap, "%s%s%s", levels[level].priority, o->role, o->role[0] ? ": " : "");
	else if (o->role[0] != '\0')
		n = snprintf(line, cap, "tinyhttpd[%ld] %s: ", o->pid, o->role);
	else
		n = snprintf(line, cap, "tinyhttpd: ");
	if (n < 0 || (size_t)n >= cap - 64)
		return 0;
	n += snprintf(line + n, cap - (size_t)n, "%s: ", levels[level].name);
	m = vsnprintf(line + n, cap - (size_t)n, fmt, ap);
	if (m < 0)
		return 0;
	n = (size_t)(n + m) >= cap - 64 ? (int)cap - 64 : n + m;
	if (err != 0)
		n += snprintf(line + n, cap - (size_t)n, ": %s", strerror(err));
	if ((size_t)n >= cap - 1)
		n = (int)cap - 2;
	line[n++] = '\n';
	return (size_t)n;
}

/* One write(2) per line: best effort, there is nowhere left to report its own failure. */
static void
log_write(const char *line, size_t n)
{
	if (n == 0 || write(STDERR_FILENO, line, n) == -1)
		return;
}

void
log_msg(enum log_level level, int err, const char *fmt, ...)
{
	struct log_origin o = { .journal = log_journal, .pid = (long)getpid(), .role = log_role };
	int saved = errno;
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	log_write(line, log_format(line, sizeof(line), &o, level, err, fmt, ap));
	va_end(ap);
	errno = saved;
}
