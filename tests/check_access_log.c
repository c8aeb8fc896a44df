/* SPDX-License-Identifier: ISC */
/*
 * check_access_log.c: the access log's writer thread, without a server: lines reach the file in order, a
 * reopen moves them to the new file, a stalled reader costs dropped lines (counted) but never a blocked
 * caller, and a failing file is reported once, then its recovery with what was lost.
 */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access_log.h"
#include "check_run.h"

static char dir[64], errlog[128];
static int saved_stderr = -1;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The error log goes to a file of the test's, to be read back. */
static void
setup(void)
{
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/check_access_log.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(errlog, sizeof(errlog), "%s/error.log", dir);
	ck_assert_int_ge(fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), 0);
	ck_assert_int_ge(saved_stderr = dup(STDERR_FILENO), 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void
teardown(void)
{
	char cmd[128];

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
open_file(const char *name, char *path, size_t cap)
{
	int fd;

	snprintf(path, cap, "%s/%s", dir, name);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600), 0);
	return fd;
}

/* The whole file at path, NUL-terminated; the caller frees it. */
static char *
slurp(const char *path)
{
	struct stat st;
	char *text;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	ck_assert_ptr_nonnull(text = malloc((size_t)st.st_size + 1));
	ck_assert_uint_eq(fread(text, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	text[st.st_size] = '\0';
	fclose(f);
	return text;
}

static void
write_line(struct access_log *al, int i)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "line %06d\n", i);

	access_log_write(al, line, (size_t)n);
}

START_TEST(test_in_order)
{
	char path[160], want[64], *text;
	struct access_log *al;
	int i;

	ck_assert_ptr_nonnull(al = access_log_start(open_file("a.log", path, sizeof(path))));
	for (i = 0; i < 10000; i++)
		write_line(al, i);
	access_log_stop(al, 5000);
	text = slurp(path);
	ck_assert_uint_eq(strlen(text), 10000 * strlen("line 000000\n"));
	for (i = 0; i < 10000; i += 999) {
		snprintf(want, sizeof(want), "line %06d\n", i);
		ck_assert_int_eq(memcmp(text + (size_t)i * strlen(want), want, strlen(want)), 0);
	}
	free(text);
}
END_TEST

/* After a reopen (logrotate's SIGUSR1), lines go to the new file; the old one has what came before. */
START_TEST(test_reopen)
{
	char old_path[160], new_path[160], *text;
	struct access_log *al;

	ck_assert_ptr_nonnull(al = access_log_start(open_file("old.log", old_path, sizeof(old_path))));
	write_line(al, 1);
	access_log_reopen(al, open_file("new.log", new_path, sizeof(new_path)));
	write_line(al, 2);
	access_log_stop(al, 5000);
	text = slurp(old_path);
	ck_assert_str_eq(text, "line 000001\n");
	free(text);
	text = slurp(new_path);
	ck_assert_str_eq(text, "line 000002\n");
	free(text);
}
END_TEST

struct drain {
	int fd;
	size_t lines;
};

static void *
drain_pipe(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	ssize_t n, i;

	while ((n = read(d->fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			d->lines += buf[i] == '\n';
	return NULL;
}

/*
 * A reader that stops reading: the caller never waits for it. Lines beyond the backlog are dropped, and
 * once the reader goes on, every line is either written or counted in the error log.
 */
START_TEST(test_stalled)
{
	enum { LINES = 200000 }; /* 2.4 MB: well over the 1 MiB backlog and the pipe */
	struct drain d = { 0 };
	struct access_log *al;
	unsigned long long dropped = 0, n;
	pthread_t reader;
	uint64_t t0, slowest = 0, t;
	const char *p;
	char *text;
	int pipefd[2], i;

	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	ck_assert_ptr_nonnull(al = access_log_start(pipefd[1]));
	for (i = 0; i < LINES; i++) {
		t0 = now_ms();
		write_line(al, i);
		if ((t = now_ms() - t0) > slowest)
			slowest = t;
	}
	/* A generous bound: it takes a lock and copies a line, it never waits for the reader. */
	ck_assert_msg(slowest < 1000, "a write took %llu ms", (unsigned long long)slowest);
	d.fd = pipefd[0];
	ck_assert_int_eq(pthread_create(&reader, NULL, drain_pipe, &d), 0);
	access_log_stop(al, 10000);
	ck_assert_int_eq(pthread_join(reader, NULL), 0);
	close(pipefd[0]);
	text = slurp(errlog);
	for (p = text; (p = strstr(p, "access log: ")) != NULL; p++)
		if (sscanf(p, "access log: %llu lines dropped", &n) == 1)
			dropped += n;
	free(text);
	ck_assert_msg(dropped > 0, "nothing dropped: the backlog is not bounded");
	ck_assert_uint_eq(d.lines + dropped, LINES);
}
END_TEST

/* A file that cannot be written is reported once, not per batch; when writing works again, what was lost. */
START_TEST(test_write_error)
{
	char path[160], good[160], *text;
	struct access_log *al;
	int fd, i;

	snprintf(path, sizeof(path), "%s/ro.log", dir);
	ck_assert_int_ge(fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600), 0);
	ck_assert_ptr_nonnull(al = access_log_start(fd));
	for (i = 0; i < 3; i++)
		write_line(al, i);
	access_log_reopen(al, open_file("good.log", good, sizeof(good)));
	write_line(al, 3);
	access_log_stop(al, 5000);
	text = slurp(errlog);
	ck_assert_ptr_nonnull(strstr(text, "cannot write the access log"));
	ck_assert_ptr_null(
	        strstr(strstr(text, "cannot write the access log") + 1, "cannot write the access log"));
	ck_assert_ptr_nonnull(strstr(text, "access log written again; 36 bytes of it were lost"));
	free(text);
	text = slurp(good);
	ck_assert_str_eq(text, "line 000003\n");
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("access_log");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_stalled);
	tcase_add_test(tc, test_write_error);
	suite_add_tcase(s, tc);
	return check_run(s);
}
