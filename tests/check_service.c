/* SPDX-License-Identifier: ISC */
/* check_service.c: what a service manager sees: sd_notify states, socket activation, log reopening. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

static struct server srv;
static struct resp rs;

static const char hello[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

/* The sd_notify messages, all from the master: within 15 s each. */
static void
expect_state(int fd, const char *state, const char *status)
{
	itest_expect_state(fd, 15000, state, status, srv.pid);
}

START_TEST(test_notify)
{
	char dir[64];
	int fd = itest_notify_open(&srv, dir);

	itest_start(&srv, NULL, itest_seed_routes);
	expect_state(fd, "READY=1", "STATUS=generation 1 serving");
	kill(srv.pid, SIGHUP);
	expect_state(fd, "RELOADING=1", "MONOTONIC_USEC=");
	expect_state(fd, "READY=1", "STATUS=generation 2 serving");
	/* A bad file: reloading, then ready again with the running configuration, and why. */
	itest_write_config(&srv, "bogus = 1;", itest_seed_routes);
	kill(srv.pid, SIGHUP);
	expect_state(fd, "RELOADING=1", NULL);
	expect_state(fd, "READY=1", "STATUS=reload failed");
	ck_assert_int_eq(itest_request(srv.port, hello, &rs), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	itest_stop(&srv, SIGTERM);
	expect_state(fd, "STOPPING=1", NULL);
	itest_notify_close(&srv, fd, dir);
}
END_TEST

/* A socket passed with LISTEN_FDS is used as it is: the test keeps it listening, so binding would fail. */
START_TEST(test_socket_activation)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 64), 0);
	srv.activate = true;
	srv.listen_fd = fd;
	itest_start(&srv, NULL, itest_seed_routes);
	ck_assert(itest_wait_log(&srv, "passed by the service manager", 0));
	ck_assert_int_eq(itest_request(srv.port, hello, &rs), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	/* A reload to the same address keeps using it. */
	itest_write_config(&srv, NULL, "{ path = \"/hello\"; text = \"again\"; }");
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));
	ck_assert_int_eq(itest_request(srv.port, hello, &rs), 0);
	ck_assert_str_eq(rs.body, "again");
	ck_assert(!itest_wait_log(&srv, "cannot bind", 0));
	itest_stop(&srv, SIGTERM);
	close(fd);
}
END_TEST

/* logrotate moves the file away and sends SIGUSR1: later lines go to a new file at the configured path. */
START_TEST(test_access_log_reopen)
{
	char dir[64] = "/tmp/tinyhttpd-log.XXXXXX", log[128], rotated[128], extra[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/access.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/access.log.1", dir);
	snprintf(extra, sizeof(extra), "access_log = \"%s\";", log);
	itest_start(&srv, extra, itest_seed_routes);
	ck_assert_int_eq(itest_request(srv.port, hello, &rs), 0);
	ck_assert(itest_file_has(log, "\"GET /hello HTTP/1.1\" 200 12", 10000));
	ck_assert_int_eq(rename(log, rotated), 0);
	kill(srv.pid, SIGUSR1);
	ck_assert(itest_wait_log(&srv, "access logs reopened", 10000));
	ck_assert_int_eq(itest_request(srv.port, "GET /info?name=a&age=1 HTTP/1.1\r\nHost: x\r\n\r\n", &rs),
	                 0);
	ck_assert(itest_file_has(log, "\"GET /info?name=a&age=1 HTTP/1.1\" 200", 10000));
	ck_assert_msg(itest_file_has(rotated, "/hello", 0) && !itest_file_has(rotated, "/info", 0),
	              "the rotated file must keep the old lines and get no new one");
	ck_assert(!itest_file_has(log, "/hello", 0));
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(dir);
}
END_TEST

static size_t
count_lines(const char *p, size_t len)
{
	size_t n = 0;

	while (len-- > 0)
		n += *p++ == '\n';
	return n;
}

/* Reads what the FIFO holds now; returns the number of lines. */
static size_t
fifo_lines(int fd)
{
	static char got[1 << 16];
	size_t lines = 0;
	ssize_t n;

	while ((n = read(fd, got, sizeof(got))) > 0)
		lines += count_lines(got, (size_t)n);
	return lines;
}

/* The sum of the "access log: N lines dropped" reports in the server's log. */
static size_t
dropped_lines(const struct server *s)
{
	static char text[1 << 20];
	const char *p, *key = "access log: ";
	FILE *f = fopen(s->log, "r");
	size_t n = 0, sum = 0;

	if (f != NULL) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	for (p = text; (p = strstr(p, key)) != NULL; p += strlen(key))
		if (strstr(p, "lines dropped") != NULL)
			sum += strtoul(p + strlen(key), NULL, 10);
	return sum;
}

/*
 * A stalled disk, played by a FIFO that nobody reads: the worker answers as fast as ever, and what the
 * log writer could not keep is counted and reported, not lost in silence.
 */
START_TEST(test_access_log_stalled)
{
	enum { BATCHES = 50, PER_BATCH = 100, REQUESTS = BATCHES * PER_BATCH };
	static struct client c;
	static char batch[PER_BATCH * 512];
	char dir[64] = "/tmp/tinyhttpd-fifo.XXXXXX", fifo[128], extra[256], pad[401];
	size_t len = 0, lines = 0, dropped = 0;
	uint64_t t, took, slowest = 0, deadline;
	int i, j, rfd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/access.log", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* Opened for reading first, so the server's open for writing does not wait for a reader. */
	ck_assert_int_ne(rfd = open(fifo, O_RDONLY | O_NONBLOCK), -1);
	snprintf(extra, sizeof(extra), "access_log = \"%s\";", fifo);
	itest_start(&srv, extra, itest_seed_routes);
	/* Long lines fill the pipe and the writer's backlog with few requests. */
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (j = 0; j < PER_BATCH; j++)
		len += (size_t)sprintf(batch + len, "GET /hello?%s HTTP/1.1\r\nHost: x\r\n\r\n", pad);
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	for (i = 0; i < BATCHES; i++) {
		t = itest_now();
		itest_send(&c, batch, len);
		for (j = 0; j < PER_BATCH; j++) {
			ck_assert_int_eq(itest_read(&c, &rs, 10000), 0);
			ck_assert_int_eq(rs.status, 200);
		}
		if ((took = itest_now() - t) > slowest)
			slowest = took;
	}
	itest_close(&c);
	ck_assert_msg(slowest < 5000, "%d requests took %llu ms with the access log stalled", PER_BATCH,
	              (unsigned long long)slowest);
	/* The disk comes back: each line is in the file or in a drop count. */
	deadline = itest_now() + 30000;
	while (lines + dropped < REQUESTS && itest_now() < deadline) {
		lines += fifo_lines(rfd);
		dropped = dropped_lines(&srv);
		usleep(10000);
	}
	itest_stop(&srv, SIGTERM);
	lines += fifo_lines(rfd);
	close(rfd);
	ck_assert_msg(dropped > 0 && lines > 0, "%zu lines written, %zu dropped", lines, dropped);
	ck_assert_uint_eq(lines + dropped, REQUESTS);
	fprintf(stderr,
	        "stalled access log: %d requests, slowest %d in %llu ms; %zu lines written, %zu dropped\n",
	        REQUESTS, PER_BATCH, (unsigned long long)slowest, lines, dropped);
	itest_remove_tree(dir);
}
END_TEST

/* JOURNAL_STREAM as systemd sets it: the device and inode of stderr, or (inode_off 1) of another stream. */
static void
journal_stream(unsigned inode_off)
{
	struct stat st;
	char value[64];

	if (fstat(STDERR_FILENO, &st) == -1)
		_exit(127);
	snprintf(value, sizeof(value), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino + inode_off);
	setenv("JOURNAL_STREAM", value, 1);
}

static void
journal_is_stderr(void)
{
	journal_stream(0);
}

static void
journal_is_elsewhere(void)
{
	journal_stream(1);
}

/*
 * On the journal, every line of the master and the workers starts with its syslog priority, then the role:
 * the journal tags the entry "tinyhttpd[pid]:" itself, so the line does not.
 */
START_TEST(test_journal_priority)
{
	size_t lines;

	srv.before_exec = journal_is_stderr;
	itest_start(&srv, NULL, itest_seed_routes);
	ck_assert(itest_wait_log(&srv, "<6>master: info: ", 0));
	/* A reload, so that the old workers log too (info), then a bad one (error). */
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "\n<6>worker g1: info: draining", 15000));
	/* The log is counted line by line below: nothing may still be on its way into it. */
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));
	itest_write_config(&srv, "bogus = 1;", itest_seed_routes);
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "\n<3>master: error: ", 15000));
	ck_assert(itest_wait_log(&srv, "the running configuration stays", 5000));
	ck_assert(itest_wait_log(&srv, "test.conf:", 0));
	ck_assert_uint_eq(itest_log_count(&srv, "tinyhttpd["), 0);
	/* No access log here: every line is the error log's, and has a priority. */
	lines = itest_log_count(&srv, "\n");
	ck_assert_uint_gt(lines, 3);
	ck_assert_uint_eq(itest_log_count(&srv, "\n<6>") + itest_log_count(&srv, "\n<3>") +
	                          itest_log_count(&srv, "\n<4>") + 1,
	                  lines);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* JOURNAL_STREAM names another stream (stderr was redirected since): plain lines. */
START_TEST(test_journal_elsewhere)
{
	srv.before_exec = journal_is_elsewhere;
	itest_start(&srv, NULL, itest_seed_routes);
	ck_assert_uint_gt(itest_log_count(&srv, "tinyhttpd["), 0);
	ck_assert_uint_eq(itest_log_count(&srv, ">tinyhttpd["), 0);
	itest_stop(&srv, SIGTERM);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("service", "systemd", 120, test_notify, test_socket_activation,
	                       test_access_log_reopen, test_access_log_stalled, test_journal_priority,
	                       test_journal_elsewhere);
}
