/* SPDX-License-Identifier: ISC */
/* answer.h: what bench/holdconns.c and bench/reqloop.c share: a clock and a check of the server's answers. */
#ifndef BENCH_ANSWER_H
#define BENCH_ANSWER_H

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The length of the whole answer (head and Content-Length bytes of body) at the start of buf[0..len),
 * 0 when more is due, -1 when it is not a 200 or would not fit in max bytes.
 */
static long answer_length(const char *buf, size_t len, size_t max)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *line, *nl;
	size_t head, body = 0;

	if (end == NULL)
		return len < max ? 0 : -1;
	if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0)
		return -1;
	head = end + 4 - buf;
	for (line = buf; line < end; line = nl + 1) {
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			body = strtoul(line + 15, NULL, 10);
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			break;
	}
	if (head + body > max)
		return -1;
	return len >= head + body ? (long)(head + body) : 0;
}

#endif
