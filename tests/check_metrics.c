/* SPDX-License-Identifier: ISC */
/* check_metrics.c: counts summed over forked processes, host slots across reloads, the text format. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "metrics.h"
#include "status.h"

/* The text of m, NUL-terminated; the caller frees b. */
static const char *
format(const struct metrics *m, struct buf *b)
{
	ck_assert_int_eq(metrics_format(m, b), TH_OK);
	ck_assert_int_eq(buf_append(b, "", 1), 0);
	return b->data;
}

/* Whether text has line as a whole line. Every sample line follows another line. */
static int
has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if (p > text && p[-1] == '\n' && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* got == want, or a failure that shows the first line that differs (Check cannot carry the whole text). */
static void
assert_text_eq(const char *got, const char *want)
{
	size_t i, line = 0;

	for (i = 0; got[i] == want[i] && got[i] != '\0'; i++)
		if (got[i] == '\n')
			line = i + 1;
	ck_assert_msg(got[i] == want[i], "differs at \"%.*s\", expected \"%.*s\"",
	              (int)strcspn(got + line, "\n"), got + line, (int)strcspn(want + line, "\n"),
	              want + line);
}

/* Not the whole text in the message: Check refuses one that long. */
#define ck_assert_line(text, line) ck_assert_msg(has_line(text, line), "no line \"%s\"", line)

/* Waits for every child in pids, each of which must have exited 0. */
static void
wait_all(const pid_t *pids, size_t n)
{
	size_t i;
	int status;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

#define CHILDREN  8
#define PER_CHILD 100000

START_TEST(test_forked_counts_sum)
{
	struct metrics *m = metrics_map(NULL);
	struct metrics_shard *shared, *s;
	struct buf b = { 0 };
	pid_t pids[CHILDREN];
	const char *text;
	int a, z, i, j, go[2];
	char c;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(pipe(go), 0);
	a = metrics_host_slot(m, "a.example");
	z = metrics_host_slot(m, "z.example");
	/* Half the children count in shards of their own; the other half all in one, racing on it. */
	shared = metrics_shard_get(m);
	for (i = 0; i < CHILDREN; i++) {
		s = i % 2 ? shared : metrics_shard_get(m);
		ck_assert_int_ne(pids[i] = fork(), -1);
		if (pids[i] != 0)
			continue;
		/* All start together, when the parent closes the pipe: the racing must really race. */
		close(go[1]);
		if (read(go[0], &c, 1) != 0)
			_exit(1);
		for (j = 0; j < PER_CHILD; j++) {
			metrics_gauge_add(s, METRICS_OPEN, 1);
			metrics_count(s, METRICS_ACCEPTS, 1);
			metrics_request(s, j % 2 ? a : z, j % 4 ? 200 : 404, 3, 1500);
			metrics_gauge_add(s, METRICS_OPEN, -1);
		}
		metrics_gauge_add(s, METRICS_IDLE, 1);
		_exit(0);
	}
	close(go[0]);
	close(go[1]);
	wait_all(pids, CHILDREN);
	text = format(m, &b);
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"a.example\",status=\"2xx\"} 400000");
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"z.example\",status=\"2xx\"} 200000");
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"z.example\",status=\"4xx\"} 200000");
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"a.example\",status=\"4xx\"} 0");
	ck_assert_line(text, "tinyhttpd_sent_bytes_total{host=\"a.example\"} 1200000");
	ck_assert_line(text, "tinyhttpd_sent_bytes_total{host=\"z.example\"} 1200000");
	ck_assert_line(text, "tinyhttpd_request_duration_seconds_bucket{le=\"0.001\"} 0");
	ck_assert_line(text, "tinyhttpd_request_duration_seconds_bucket{le=\"0.005\"} 800000");
	ck_assert_line(text, "tinyhttpd_request_duration_seconds_bucket{le=\"+Inf\"} 800000");
	ck_assert_line(text, "tinyhttpd_request_duration_seconds_sum 1200.000000");
	ck_assert_line(text, "tinyhttpd_request_duration_seconds_count 800000");
	ck_assert_line(text, "tinyhttpd_connections_accepted_total 800000");
	ck_assert_line(text, "tinyhttpd_connections_open 0");
	ck_assert_line(text, "tinyhttpd_connections_idle 8");
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_dead_workers_gauges_go_counts_stay)
{
	struct metrics *m = metrics_map(NULL);
	struct metrics_shard *s, *again, *last, *all[METRICS_SHARDS];
	struct buf b = { 0 };
	pid_t pid;
	size_t i;

	ck_assert_ptr_nonnull(m);
	s = metrics_shard_get(m);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		metrics_gauge_add(s, METRICS_OPEN, 3);
		metrics_gauge_add(s, METRICS_IDLE, 2);
		metrics_count(s, METRICS_ACCEPTS, 3);
		_exit(0);
	}
	wait_all(&pid, 1);
	ck_assert_line(format(m, &b), "tinyhttpd_connections_open 3");
	/* Reaped, the worker's connections are closed, but what it accepted stays accepted. */
	metrics_shard_put(m, s);
	b.len = 0;
	ck_assert_line(format(m, &b), "tinyhttpd_connections_open 0");
	ck_assert_line(b.data, "tinyhttpd_connections_idle 0");
	ck_assert_line(b.data, "tinyhttpd_connections_accepted_total 3");
	/* Its replacement takes the free shard and adds to its counts. */
	again = metrics_shard_get(m);
	ck_assert_ptr_eq(again, s);
	metrics_count(again, METRICS_ACCEPTS, 1);
	b.len = 0;
	ck_assert_line(format(m, &b), "tinyhttpd_connections_accepted_total 4");

	/* With every shard taken, workers share the least used, and its gauges last until both are gone. */
	all[0] = again;
	for (i = 1; i < METRICS_SHARDS; i++) {
		all[i] = metrics_shard_get(m);
		ck_assert_ptr_ne(all[i], all[i - 1]);
	}
	metrics_shard_put(m, all[5]);
	ck_assert_ptr_eq(metrics_shard_get(m), all[5]);
	last = metrics_shard_get(m);
	ck_assert_ptr_eq(last, all[0]);
	metrics_gauge_add(last, METRICS_OPEN, 2);
	metrics_shard_put(m, last);
	b.len = 0;
	ck_assert_line(format(m, &b), "tinyhttpd_connections_open 2");
	metrics_shard_put(m, all[0]);
	b.len = 0;
	ck_assert_line(format(m, &b), "tinyhttpd_connections_open 0");
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_host_slots_survive_reloads)
{
	struct metrics *m = metrics_map(NULL);
	struct metrics_shard *s;
	struct buf b = { 0 };
	const char *text;

	ck_assert_ptr_nonnull(m);
	s = metrics_shard_get(m);
	ck_assert_int_eq(metrics_host_slot(m, "a.example"), 0);
	ck_assert_int_eq(metrics_host_slot(m, "b.example"), 1);
	ck_assert_int_eq(metrics_host_slot(m, "c.example"), 2);
	metrics_request(s, 0, 200, 0, 0);
	/* A reload with the names in another order, one spelled differently, one new, one gone. */
	ck_assert_int_eq(metrics_host_slot(m, "c.example"), 2);
	ck_assert_int_eq(metrics_host_slot(m, "A.Example"), 0);
	ck_assert_int_eq(metrics_host_slot(m, "d.example"), 3);
	ck_assert_int_eq(metrics_host_slot(m, "c.example"), 2);
	metrics_request(s, 0, 200, 0, 0);
	metrics_request(s, 3, 200, 0, 0);
	text = format(m, &b);
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"a.example\",status=\"2xx\"} 2");
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"d.example\",status=\"2xx\"} 1");
	/* A host no longer configured keeps its counts: a counter must not go back. */
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"b.example\",status=\"2xx\"} 0");
	ck_assert_ptr_null(strstr(text, "A.Example"));
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_other_slot)
{
	struct metrics *m = metrics_map(NULL);
	struct metrics_shard *s;
	struct buf b = { 0 };
	char name[METRICS_HOST_MAX + 2];
	const char *text;
	int i;

	ck_assert_ptr_nonnull(m);
	s = metrics_shard_get(m);
	/* A name too long for a slot shares the other one, even with slots free. */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(metrics_host_slot(m, name), METRICS_OTHER);
	name[METRICS_HOST_MAX] = '\0';
	ck_assert_int_eq(metrics_host_slot(m, name), 0);
	for (i = 1; i < METRICS_HOSTS; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		ck_assert_int_eq(metrics_host_slot(m, name), i);
	}
	ck_assert_int_eq(metrics_host_slot(m, "extra.example"), METRICS_OTHER);
	ck_assert_int_eq(metrics_host_slot(m, "more.example"), METRICS_OTHER);
	ck_assert_int_eq(metrics_host_slot(m, "h5.example"), 5);
	/* A request without a host's slot counts there too. */
	metrics_request(s, METRICS_OTHER, 200, 1, 0);
	metrics_request(s, -1, 200, 1, 0);
	metrics_request(s, METRICS_OTHER + 1, 200, 1, 0);
	metrics_request(s, METRICS_HOSTS - 1, 200, 1, 0);
	text = format(m, &b);
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"(other)\",status=\"2xx\"} 3");
	ck_assert_line(text, "tinyhttpd_sent_bytes_total{host=\"(other)\"} 3");
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"h63.example\",status=\"2xx\"} 1");
	ck_assert_ptr_null(strstr(text, "extra.example"));
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

static const char golden[] =
        "# HELP tinyhttpd_requests_total Requests answered, by host and status class.\n"
        "# TYPE tinyhttpd_requests_total counter\n"
        "tinyhttpd_requests_total{host=\"example.com\",status=\"1xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"example.com\",status=\"2xx\"} 1\n"
        "tinyhttpd_requests_total{host=\"example.com\",status=\"3xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"example.com\",status=\"4xx\"} 1\n"
        "tinyhttpd_requests_total{host=\"example.com\",status=\"5xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"*\",status=\"1xx\"} 1\n"
        "tinyhttpd_requests_total{host=\"*\",status=\"2xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"*\",status=\"3xx\"} 1\n"
        "tinyhttpd_requests_total{host=\"*\",status=\"4xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"*\",status=\"5xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"(other)\",status=\"1xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"(other)\",status=\"2xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"(other)\",status=\"3xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"(other)\",status=\"4xx\"} 0\n"
        "tinyhttpd_requests_total{host=\"(other)\",status=\"5xx\"} 1\n"
        "# HELP tinyhttpd_sent_bytes_total Response body bytes sent, by host.\n"
        "# TYPE tinyhttpd_sent_bytes_total counter\n"
        "tinyhttpd_sent_bytes_total{host=\"example.com\"} 120\n"
        "tinyhttpd_sent_bytes_total{host=\"*\"} 0\n"
        "tinyhttpd_sent_bytes_total{host=\"(other)\"} 10\n"
        "# HELP tinyhttpd_request_duration_seconds Time taken to answer requests.\n"
        "# TYPE tinyhttpd_request_duration_seconds histogram\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"0.001\"} 2\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"0.005\"} 3\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"0.01\"} 3\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"0.05\"} 4\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"0.1\"} 4\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"0.5\"} 4\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"1\"} 4\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"5\"} 4\n"
        "tinyhttpd_request_duration_seconds_bucket{le=\"+Inf\"} 5\n"
        "tinyhttpd_request_duration_seconds_sum 7.024500\n"
        "tinyhttpd_request_duration_seconds_count 5\n"
        "# HELP tinyhttpd_connections_open Connections open.\n"
        "# TYPE tinyhttpd_connections_open gauge\n"
        "tinyhttpd_connections_open 3\n"
        "# HELP tinyhttpd_connections_idle Keep-alive connections waiting for their next request.\n"
        "# TYPE tinyhttpd_connections_idle gauge\n"
        "tinyhttpd_connections_idle 1\n"
        "# HELP tinyhttpd_connections_accepted_total Connections accepted.\n"
        "# TYPE tinyhttpd_connections_accepted_total counter\n"
        "tinyhttpd_connections_accepted_total 5\n"
        "# HELP tinyhttpd_connections_handed_over_total Idle connections a draining worker handed over to a "
        "serving one.\n"
        "# TYPE tinyhttpd_connections_handed_over_total counter\n"
        "tinyhttpd_connections_handed_over_total 2\n"
        "# HELP tinyhttpd_reloads_total Configuration reloads that started a new generation of workers.\n"
        "# TYPE tinyhttpd_reloads_total counter\n"
        "tinyhttpd_reloads_total 1\n"
        "# HELP tinyhttpd_worker_restarts_total Workers replaced after they died.\n"
        "# TYPE tinyhttpd_worker_restarts_total counter\n"
        "tinyhttpd_worker_restarts_total 1\n"
        "# HELP tinyhttpd_generation The configuration generation serving requests.\n"
        "# TYPE tinyhttpd_generation gauge\n"
        "tinyhttpd_generation 2\n"
        "# HELP tinyhttpd_build_info The version serving, as a label; always 1.\n"
        "# TYPE tinyhttpd_build_info gauge\n"
        "tinyhttpd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n";

/* A small known state, counted in two workers' shards and the master's. */
static struct metrics *
known_state(void)
{
	struct metrics *m = metrics_map(NULL);
	struct metrics_shard *w1, *w2, *master;
	int ex, any;

	ck_assert_ptr_nonnull(m);
	master = metrics_shard_get(m);
	w1 = metrics_shard_get(m);
	w2 = metrics_shard_get(m);
	ex = metrics_host_slot(m, "example.com");
	any = metrics_host_slot(m, "*");
	metrics_request(w1, ex, 200, 100, 500);
	metrics_request(w2, ex, 404, 20, 3000);
	metrics_request(w1, any, 301, 0, 20000);
	/* On a bucket's bound: counted in it. */
	metrics_request(w2, any, 101, 0, 1000);
	metrics_request(w2, METRICS_OTHER, 503, 10, 7000000);
	/* Not an HTTP status: not counted at all. */
	metrics_request(w1, ex, 0, 5, 10);
	metrics_request(w1, ex, 600, 5, 10);
	metrics_gauge_add(w1, METRICS_OPEN, 4);
	metrics_gauge_add(w2, METRICS_OPEN, -1);
	metrics_gauge_add(w2, METRICS_IDLE, 1);
	metrics_count(w1, METRICS_ACCEPTS, 3);
	metrics_count(w2, METRICS_ACCEPTS, 2);
	metrics_count(w1, METRICS_HANDOFFS, 2);
	metrics_count(master, METRICS_RELOADS, 1);
	metrics_count(master, METRICS_RESTARTS, 1);
	metrics_set_generation(m, 2);
	return m;
}

START_TEST(test_golden)
{
	struct metrics *m = known_state();
	struct buf b = { 0 };

	/* The text is appended to what b holds. */
	ck_assert_int_eq(buf_append(&b, "before\n", 7), 0);
	format(m, &b);
	ck_assert_int_eq(strncmp(b.data, "before\n", 7), 0);
	assert_text_eq(b.data + 7, golden);
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

START_TEST(test_label_escaping)
{
	struct metrics *m = metrics_map(NULL);
	struct buf b = { 0 };
	const char *text;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(metrics_host_slot(m, "a\"b\\c\nd"), 0);
	ck_assert_int_eq(metrics_host_slot(m, "\\"), 1);
	ck_assert_int_eq(metrics_host_slot(m, "\"\"\n"), 2);
	ck_assert_int_eq(metrics_host_slot(m, "caf\xc3\xa9.example"), 3);
	text = format(m, &b);
	ck_assert_line(text, "tinyhttpd_sent_bytes_total{host=\"a\\\"b\\\\c\\nd\"} 0");
	ck_assert_line(text, "tinyhttpd_sent_bytes_total{host=\"\\\\\"} 0");
	ck_assert_line(text, "tinyhttpd_sent_bytes_total{host=\"\\\"\\\"\\n\"} 0");
	ck_assert_line(text, "tinyhttpd_requests_total{host=\"caf\xc3\xa9.example\",status=\"5xx\"} 0");
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

/* Prometheus's own parser and linter, when installed (Debian package prometheus), on both texts above. */
START_TEST(test_promtool)
{
	struct metrics *m = known_state();
	struct buf b = { 0 };
	FILE *p;
	int status;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		printf("check_metrics: promtool is not on PATH; skipping promtool check metrics\n");
		metrics_unmap(m);
		return;
	}
	ck_assert_int_eq(metrics_host_slot(m, "a\"b\\c\nd"), 2);
	format(m, &b);
	ck_assert_ptr_nonnull(p = popen("promtool check metrics", "w"));
	ck_assert_uint_eq(fwrite(b.data, 1, b.len - 1, p), b.len - 1);
	status = pclose(p);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "promtool check metrics failed on:\n%s",
	              b.data);
	buf_free(&b);
	metrics_unmap(m);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("metrics", "core", 0, test_forked_counts_sum,
	                       test_dead_workers_gauges_go_counts_stay, test_host_slots_survive_reloads,
	                       test_other_slot, test_golden, test_label_escaping, test_promtool);
}
