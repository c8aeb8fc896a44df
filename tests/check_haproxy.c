/* SPDX-License-Identifier: ISC */
/* check_haproxy.c: behind HAProxy (send-proxy-v2), two servers reload and restart; clients lose nothing. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

/*
 * The clients connect from 127.0.0.2 and HAProxy reaches the servers from 127.0.0.1: a server that logs
 * 127.0.0.2 took the address from the PROXY header, one that logs 127.0.0.1 would have taken HAProxy's.
 */
#define CLIENT_ADDR  "127.0.0.2"
#define CLIENTS      8      /* half keep a connection alive, half open one per request */
#define PHASE_MS     1500   /* the least time the clients run through each phase */
#define CLIENT_MS    120000 /* a client stops by itself after this, whatever happens to the test */
#define MIN_REQUESTS 500    /* answered in all: far fewer means the clients were not really running */
#define EXTRA        "workers = 2; keepalive_timeout = 30; shutdown_timeout = 10; access_log = \"%s\";"
/* One listener that expects the PROXY header, and a route that says which instance answered and to whom. */
#define ROUTES                                                                                               \
	"listen = ( { address = \"127.0.0.1\"; port = @PORT@; proxy_protocol = true; } );\n"                 \
	"routes = ( { path = \"/who\"; text = \"instance %d, client {remote_addr}\"; } );\n"

/*
 * HAProxy as an operator would put it in front of two tinyhttpd instances. A stopped server refuses the
 * connection: HAProxy retries and, with redispatch on every retry, takes the request to the other server;
 * the client never knows. option http-server-close: HAProxy closes its server connection after each
 * response, so it never holds an idle one. A stopping tinyhttpd closes its idle connections at once; a
 * connection HAProxy kept for reuse (http-reuse safe, the default) could be closed just as a request goes
 * out on it, a
 * failure HAProxy leaves to the client to retry: it gets a 502, or its keep-alive connection closed. A new
 * server connection per request costs a loopback handshake and rules that out. No health check: its requests
 * would be logged from 127.0.0.1. Errors only are logged, to HAProxy's stdout: the test's haproxy.log.
 */
static const char haproxy_cfg[] = "global\n"
                                  "\tnbthread 1\n"
                                  "\tlog stdout format raw local0\n"
                                  "defaults\n"
                                  "\tmode http\n"
                                  "\tlog global\n"
                                  "\toption httplog\n"
                                  "\toption dontlog-normal\n"
                                  "\ttimeout connect 2s\n"
                                  "\ttimeout client 30s\n"
                                  "\ttimeout server 30s\n"
                                  "\ttimeout http-keep-alive 30s\n"
                                  "\tretries 3\n"
                                  "\toption redispatch 1\n"
                                  "\toption http-server-close\n"
                                  "frontend fe\n"
                                  "\tbind 127.0.0.1:%d\n"
                                  "\tdefault_backend be\n"
                                  "backend be\n"
                                  "\tbalance roundrobin\n"
                                  "\tserver t1 127.0.0.1:%d send-proxy-v2\n"
                                  "\tserver t2 127.0.0.1:%d send-proxy-v2\n";

enum phase { WARM_UP, RELOAD_1, RELOAD_2, RESTART_1, PHASES };
static const char *const phase_name[PHASES] = { "warm-up", "reload of instance 1", "reload of instance 2",
	                                        "graceful stop and restart of instance 1" };

/* Shared between the test and its client processes. */
struct shared {
	volatile int phase;
};

static struct shared *sh;
static struct server inst[2];
static char dir[64] = "/tmp/tinyhttpd-haproxy.XXXXXX"; /* HAProxy's config and log, the access logs */
static int haproxy_port;

static const char *
when(void)
{
	static char now[80];

	snprintf(now, sizeof(now), "during the %s", phase_name[sh->phase]);
	return now;
}

/* An answer from either instance that names the clients' address, not HAProxy's. */
static bool
answer_ok(const struct resp *r)
{
	return r->status == 200 && (strcmp(r->body, "instance 1, client " CLIENT_ADDR) == 0 ||
	                            strcmp(r->body, "instance 2, client " CLIENT_ADDR) == 0);
}

/* The haproxy binary in $PATH, or in /usr/sbin where Debian puts it; NULL when there is none. */
static const char *
haproxy_bin(void)
{
	static char path[4096];
	char dirs[4096], *d, *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin", getenv("PATH") ? getenv("PATH") : "/usr/bin");
	for (d = strtok_r(dirs, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/haproxy", d);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

/* One request through HAProxy on a new connection: whether an instance answered it. */
static bool
probe(void)
{
	static const char req[] = "GET /who HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n";
	static struct client c;
	static struct resp r;
	int rc;

	if (itest_connect_from(&c, CLIENT_ADDR, haproxy_port) == -1)
		return false;
	itest_sends(&c, req);
	rc = itest_read(&c, &r, 10000);
	itest_close(&c);
	if (rc == -1)
		return false;
	ck_assert_msg(answer_ok(&r), "through HAProxy: %d %s", r.status, r.body);
	return true;
}

/* Starts HAProxy in the foreground in front of both instances; returns its pid once it passed one request. */
static pid_t
haproxy_start(const char *bin)
{
	char cfg[128], log[128];
	uint64_t deadline;
	int status, attempt;
	FILE *f;
	pid_t pid;

	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", dir);
	snprintf(log, sizeof(log), "%s/haproxy.log", dir);
	/* Another test may take the free port first: then try another. */
	for (attempt = 0; attempt < 5; attempt++) {
		haproxy_port = itest_free_port();
		ck_assert_ptr_nonnull(f = fopen(cfg, "w"));
		fprintf(f, haproxy_cfg, haproxy_port, inst[0].port, inst[1].port);
		ck_assert_int_eq(fclose(f), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			if (freopen(log, "a", stderr) == NULL || dup2(STDERR_FILENO, STDOUT_FILENO) == -1 ||
			    prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
				_exit(127);
			execl(bin, "haproxy", "-db", "-f", cfg, (char *)NULL);
			_exit(127);
		}
		deadline = itest_now() + 15000;
		while (itest_now() < deadline && waitpid(pid, &status, WNOHANG) == 0) {
			if (probe())
				return pid;
			usleep(20000);
		}
		if (!itest_file_has(log, "cannot bind", 0))
			break;
	}
	ck_abort_msg("haproxy did not start; see %s", log);
	return -1;
}

/* The requests HAProxy's log shows it redispatched: its retries went to the other server. */
static long
haproxy_redispatched(void)
{
	char path[128], line[1024];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/haproxy.log", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, "/+") != NULL;
	fclose(f);
	return n;
}

static void
haproxy_stop(pid_t pid)
{
	int status;

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/* Counts the lines of an access log and checks that each starts with the clients' address. */
static long
access_lines(const char *path)
{
	char line[1024];
	long n = 0;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		ck_assert_msg(strncmp(line, CLIENT_ADDR " ", strlen(CLIENT_ADDR) + 1) == 0, "%s: %s", path,
		              line);
		n++;
	}
	fclose(f);
	return n;
}

static void
instance_config(int i, char *extra, size_t extra_len, char *routes, size_t routes_len)
{
	char log[128];

	snprintf(log, sizeof(log), "%s/access%d.log", dir, i + 1);
	snprintf(extra, extra_len, EXTRA, log);
	snprintf(routes, routes_len, ROUTES, i + 1);
}

/* SIGHUP to instance i; returns once its new generation serves and the old one has ended. */
static void
reload(int i)
{
	ck_assert_int_eq(kill(inst[i].pid, SIGHUP), 0);
	ck_assert_msg(itest_wait_log(&inst[i], "generation 2: serving", 20000),
	              "instance %d: no generation 2", i + 1);
	ck_assert_msg(itest_wait_log(&inst[i], "generation 1: ended", 20000),
	              "instance %d: generation 1 never ended", i + 1);
}

/* SIGQUIT to instance i, which must exit 0; then the same config again on the same port, until it serves. */
static void
restart(int i)
{
	char extra[256], routes[512], log[128];
	uint64_t deadline;
	long before;

	/* Its log goes with its directory when it stops well: a link keeps it for a post-mortem. */
	snprintf(log, sizeof(log), "%s/stderr%d.log", dir, i + 1);
	ck_assert_int_eq(link(inst[i].log, log), 0);
	itest_stop(&inst[i], SIGQUIT);
	instance_config(i, extra, sizeof(extra), routes, sizeof(routes));
	itest_restart(&inst[i], extra, routes);
	/* It serves again once HAProxy sends it requests: its access log grows. */
	snprintf(log, sizeof(log), "%s/access%d.log", dir, i + 1);
	before = access_lines(log);
	deadline = itest_now() + 20000;
	while (access_lines(log) == before && itest_now() < deadline)
		usleep(20000);
	ck_assert_msg(access_lines(log) > before,
	              "instance %d got no request through HAProxy after its restart", i + 1);
}

START_TEST(test_haproxy_reload_and_restart)
{
	const char *bin = haproxy_bin();
	const struct itest_load load = { .host = "lb.test",
		                         .path = "/who",
		                         .port = &haproxy_port,
		                         .source = CLIENT_ADDR,
		                         .read_ms = 20000,
		                         .run_ms = CLIENT_MS,
		                         .answer_ok = answer_ok,
		                         .when = when };
	struct itest_loads *clients;
	char extra[256], routes[512], log[2][128];
	pid_t haproxy;
	long per_phase[PHASES], lines[2], answered, mark;
	uint64_t until;
	int i, p;

	ck_assert_ptr_nonnull(bin);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < 2; i++) {
		instance_config(i, extra, sizeof(extra), routes, sizeof(routes));
		itest_start(&inst[i], extra, routes);
		snprintf(log[i], sizeof(log[i]), "%s/access%d.log", dir, i + 1);
	}
	haproxy = haproxy_start(bin);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(sh, MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	clients = itest_load_start(&load, CLIENTS);
	/* Each phase's event happens under load, and the clients go on for a while after it. */
	for (p = 0; p < PHASES; p++) {
		mark = itest_load_answered(clients);
		until = itest_now() + PHASE_MS;
		sh->phase = p;
		if (p == RELOAD_1 || p == RELOAD_2)
			reload(p == RELOAD_1 ? 0 : 1);
		else if (p == RESTART_1)
			restart(0);
		while (itest_now() < until)
			usleep(20000);
		per_phase[p] = itest_load_answered(clients) - mark;
	}
	/* Before the totals, which fail the test on a lost request: these say where the load went. */
	for (p = 0; p < PHASES; p++)
		fprintf(stderr, "answered during the %s: %ld\n", phase_name[p], per_phase[p]);
	fprintf(stderr, "HAProxy redispatched %ld requests\n", haproxy_redispatched());
	answered = itest_load_finish(clients, "through HAProxy");
	for (p = 0; p < PHASES; p++)
		ck_assert_msg(per_phase[p] > 0, "no request answered during the %s", phase_name[p]);
	ck_assert_msg(answered >= MIN_REQUESTS, "only %ld requests answered", answered);

	haproxy_stop(haproxy);
	itest_stop(&inst[0], SIGTERM);
	itest_stop(&inst[1], SIGTERM);
	/* Every answer, and the probe's, was logged once by the instance that gave it, with the clients'
	 * address. */
	for (i = 0; i < 2; i++)
		lines[i] = access_lines(log[i]);
	fprintf(stderr, "access logs: instance 1 %ld lines, instance 2 %ld, all from %s\n", lines[0],
	        lines[1], CLIENT_ADDR);
	ck_assert_msg(lines[0] > 0 && lines[1] > 0, "an instance served nothing");
	ck_assert_int_eq(lines[0] + lines[1], answered + 1);
	munmap(sh, sizeof(*sh));
	itest_remove_tree(dir);
}
END_TEST

int
main(void)
{
	if (haproxy_bin() == NULL) {
		/* Automake's test driver counts exit 77 as skipped. */
		printf("SKIP: haproxy is not installed (Debian package haproxy; scripts/install-deps "
		       "--test)\n");
		return 77;
	}
	return CHECK_RUN_TESTS("haproxy", "behind a load balancer", 180, test_haproxy_reload_and_restart);
}
