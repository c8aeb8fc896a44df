/* SPDX-License-Identifier: ISC */
/* check_reload.c: reloads under load: clients that never retry see no failed request, port changes included.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

#define CLIENTS    24 /* half keep a connection alive, half open one per request */
#define RELOADS    20
#define RELOAD_GAP 150000 /* us between SIGHUPs: faster than a drain finishes */
#define EXTRA      "workers = 2; keepalive_timeout = 30; shutdown_timeout = 10;"
/*
 * A TLS connection stays with its old worker until its next request: on a machine slowed down enough (the
 * valgrind pass, every worker's crypto under memcheck, each reload starting two more) an old generation
 * can still be busy after 10 s, and shutdown_timeout would then cut a request in flight (and
 * request_timeout a handshake).
 */
#define EXTRA_TLS "workers = 2; keepalive_timeout = 30; request_timeout = 30; shutdown_timeout = 60;"

/* Shared between the test and its client processes. */
struct shared {
	volatile int port;    /* where clients connect: they follow a port change once it serves */
	volatile int version; /* the newest body published: "version N" with N up to this is right */
};

static struct shared *sh;
static struct server srv;
static struct resp last;
static char certs[64]; /* with TLS: where the test's certificate is; "" for plain HTTP */

static void
routes_for(char *out, size_t cap, int version)
{
	if (certs[0] == '\0')
		snprintf(out, cap, "{ path = \"/v\"; text = \"version %d\"; }", version);
	else
		snprintf(out, cap,
		         "listen = ( { address = \"127.0.0.1\"; port = @PORT@; tls = true; } );\n"
		         "tls = { certificate = \"%s/a.crt\"; key = \"%s/a.key\"; };\n"
		         "routes = ( { path = \"/v\"; text = \"version %d\"; } );\n",
		         certs, certs, version);
}

/* Connects c, over TLS when the test uses it. Returns 0, or -1. */
static int
connect_client(struct client *c, int port)
{
	if (itest_connect(c, port) == -1)
		return -1;
	if (certs[0] != '\0' && itest_tls(c, "localhost", NULL) == -1) {
		itest_close(c);
		return -1;
	}
	return 0;
}

/* A version published so far: a client that never retries counts anything else as a lost request. */
static bool
answer_ok(const struct resp *r)
{
	int v;

	return r->status == 200 && sscanf(r->body, "version %d", &v) == 1 && v >= 0 && v <= sh->version;
}

static const char *
when(void)
{
	static char now[64];

	snprintf(now, sizeof(now), "(version %d published, clients on port %d)", sh->version, sh->port);
	return now;
}

/* Waits (bounded) until port answers /v with version v. */
static bool
serves(int port, int v)
{
	uint64_t deadline = itest_now() + 15000;
	char want[32];

	snprintf(want, sizeof(want), "version %d", v);
	do {
		static struct client c;

		if (connect_client(&c, port) == 0) {
			itest_sends(&c, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
			if (itest_read(&c, &last, 10000) == -1)
				last.body[0] = '\0';
			itest_close(&c);
		}
		if (strcmp(last.body, want) == 0)
			return true;
		usleep(20000);
	} while (itest_now() < deadline);
	return false;
}

/* Reloads RELOADS times under load; port_changes of them move to a new port. */
static void
reload_under_load(int port_changes)
{
	struct itest_load load = { .host = "x",
		                   .path = "/v",
		                   .sni = certs[0] != '\0' ? "localhost" : NULL,
		                   /* A handshake under valgrind, on a machine this busy, takes seconds. */
		                   .read_ms = certs[0] != '\0' ? 30000 : 10000,
		                   .answer_ok = answer_ok,
		                   .when = when };
	struct itest_loads *clients;
	const char *extra = certs[0] != '\0' ? EXTRA_TLS : EXTRA;
	char routes[512], what[128];
	int v, fds;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(sh, MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	routes_for(routes, sizeof(routes), 0);
	itest_start(&srv, extra, routes);
	fds = itest_fd_count(srv.pid);
	sh->port = srv.port;
	load.port = &sh->port;
	clients = itest_load_start(&load, CLIENTS);
	usleep(300000);
	for (v = 1; v <= RELOADS; v++) {
		bool move = port_changes > 0 && v % (RELOADS / (port_changes + 1)) == 0 &&
		            v / (RELOADS / (port_changes + 1)) <= port_changes;

		if (move)
			srv.port = itest_free_port();
		routes_for(routes, sizeof(routes), v);
		itest_write_config(&srv, extra, routes);
		/* Published before the reload, so no right answer is ever newer than what clients accept. */
		sh->version = v;
		ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
		if (move) {
			/* Clients follow once the new port serves this version. */
			ck_assert_msg(serves(srv.port, v), "port %d never served version %d", srv.port, v);
			sh->port = srv.port;
		}
		usleep(RELOAD_GAP);
	}
	/*
	 * Not "generation RELOADS + 1": two SIGHUPs that arrive before the master reads the first are one
	 * signal, as POSIX has it, and that one reload reads the newest file.
	 */
	ck_assert_msg(serves(srv.port, RELOADS), "version %d never served", RELOADS);
	usleep(500000);
	snprintf(what, sizeof(what), "%d reloads (%d port changes)%s", RELOADS, port_changes,
	         certs[0] != '\0' ? " over TLS" : "");
	itest_load_finish(clients, what);
	/* The idle plain keep-alive connections moved rather than closed; TLS ones stayed and finished. */
	ck_assert(itest_wait_log(&srv, "handing idle ones over", 0));
	ck_assert(!itest_wait_log(&srv, "cannot hand a connection", 0));
	ck_assert(!itest_wait_log(&srv, "no worker can take", 0));
	/* Once every old generation has ended, the master holds what it held at the start, and no zombie. */
	itest_wait_generations_ended(&srv, 15000);
	ck_assert_int_eq(itest_fd_count(srv.pid), fds);
	ck_assert_uint_eq(itest_zombies(srv.pid), 0);
	itest_stop(&srv, SIGTERM);
	munmap(sh, sizeof(*sh));
}

/*
 * Idle keep-alive connections across reloads: the old workers hand them all over at once and exit, and
 * every one must still be answered, by the new generation.
 */
START_TEST(test_reload_idle_connections)
{
	enum { IDLE = 100 };
	static struct client conns[IDLE];
	static struct resp r;
	char routes[512], want[32];
	int i, v;

	routes_for(routes, sizeof(routes), 0);
	itest_start(&srv, EXTRA, routes);
	for (i = 0; i < IDLE; i++) {
		ck_assert_int_eq(itest_connect(&conns[i], srv.port), 0);
		itest_sends(&conns[i], "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
		ck_assert_int_eq(itest_read(&conns[i], &r, 10000), 0);
		ck_assert_str_eq(r.body, "version 0");
	}
	for (v = 1; v <= 10; v++) {
		char line[64];

		routes_for(routes, sizeof(routes), v);
		itest_write_config(&srv, EXTRA, routes);
		ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
		snprintf(line, sizeof(line), "generation %d: ended", v);
		ck_assert_msg(itest_wait_log(&srv, line, 15000), "no \"%s\"", line);
		snprintf(want, sizeof(want), "version %d", v);
		for (i = 0; i < IDLE; i++) {
			itest_sends(&conns[i], "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
			ck_assert_msg(itest_read(&conns[i], &r, 10000) == 0, "reload %d: connection %d lost",
			              v, i);
			ck_assert_str_eq(r.body, want);
			ck_assert_ptr_null(itest_header(&r, "Connection"));
		}
	}
	for (i = 0; i < IDLE; i++)
		itest_close(&conns[i]);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_reload_same_port)
{
	reload_under_load(0);
}
END_TEST

START_TEST(test_reload_port_changes)
{
	reload_under_load(2);
}
END_TEST

/*
 * HTTPS: a TLS connection cannot be handed over, so an old worker answers an idle one's next request with
 * Connection: close; clients that never retry still lose nothing.
 */
START_TEST(test_reload_tls)
{
	snprintf(certs, sizeof(certs), "/tmp/tinyhttpd-certs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certs));
	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	reload_under_load(0);
	itest_remove_tree(certs);
	certs[0] = '\0';
}
END_TEST

int
main(void)
{
#ifdef HAVE_OPENSSL
	return CHECK_RUN_TESTS("reload", "under load", 180, test_reload_idle_connections,
	                       test_reload_same_port, test_reload_port_changes, test_reload_tls);
#else
	return CHECK_RUN_TESTS("reload", "under load", 180, test_reload_idle_connections,
	                       test_reload_same_port, test_reload_port_changes);
#endif
}
