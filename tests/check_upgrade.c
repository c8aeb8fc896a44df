/* SPDX-License-Identifier: ISC */
/*
 * check_upgrade.c: a new binary renamed over the server's own, then SIGHUP: the same PID runs the new code,
 * clients that never retry lose nothing, and a broken file changes nothing but the log.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#define CLIENTS 16 /* half keep a connection alive, half open one per request */
#define EXTRA   "workers = 2; keepalive_timeout = 30; shutdown_timeout = 10;"
#define ROUTES  "{ path = \"/v\"; text = \"up\"; }, { path = \"/metrics\"; metrics = true; }"

static struct server srv;
static char bindir[64], exe[128];
static char old_version[64], new_version[64];
/*
 * --enable-valgrind: TINYHTTPD is a wrapper that runs TINYHTTPD_BIN under valgrind. The exec of an upgrade
 * leaves valgrind (it does not --trace-children): the new master runs natively, without valgrind's own
 * descriptors, and a signal valgrind had queued for the old one is not passed on.
 */
static bool valgrind;

/* What `bin -V` prints after "tinyhttpd ", into out. */
static void
version_of(const char *bin, char *out, size_t cap)
{
	char cmd[512], line[128];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' -V", bin);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_int_eq(strncmp(line, "tinyhttpd ", 10), 0);
	snprintf(out, cap, "%.*s", (int)strcspn(line + 10, "\n"), line + 10);
}

/* Writes len bytes of data as path with mode. */
static void
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

/* Copies the file from into exe as dpkg does: written beside it as exe.dpkg-new, then renamed over it. */
static void
install(const char *from, mode_t mode)
{
	static char data[64 << 20];
	char tmp[160];
	size_t len;
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(from, "r"));
	len = fread(data, 1, sizeof(data), f);
	ck_assert(!ferror(f) && feof(f));
	fclose(f);
	snprintf(tmp, sizeof(tmp), "%s.dpkg-new", exe);
	write_file(tmp, data, len, mode);
	ck_assert_int_eq(rename(tmp, exe), 0);
}

/* Starts the server with routes from a copy of src/tinyhttpd of its own, which the test replaces. */
static void
start_from_copy(const char *routes)
{
	const char *bin = getenv("TINYHTTPD_BIN"), *next = getenv("TINYHTTPD_NEXT");

	ck_assert_msg(bin != NULL && next != NULL && getenv("TINYHTTPD") != NULL,
	              "run by make check: TINYHTTPD, TINYHTTPD_BIN, TINYHTTPD_NEXT");
	version_of(bin, old_version, sizeof(old_version));
	version_of(next, new_version, sizeof(new_version));
	ck_assert_str_ne(old_version, new_version);
	snprintf(bindir, sizeof(bindir), "/tmp/tinyhttpd-upgrade.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(bindir));
	snprintf(exe, sizeof(exe), "%s/tinyhttpd", bindir);
	install(bin, 0755);
	/* Under valgrind the server under test is a wrapper that runs TINYHTTPD_BIN: the copy, then. */
	if (valgrind)
		ck_assert_int_eq(setenv("TINYHTTPD_BIN", exe, 1), 0);
	else
		ck_assert_int_eq(setenv("TINYHTTPD", exe, 1), 0);
	itest_start(&srv, EXTRA, routes);
}

static void
remove_copy(void)
{
	itest_remove_tree(bindir);
}

/* Whether /metrics answers with version v in tinyhttpd_build_info, waiting (bounded) for it. */
static bool
serves_version(const char *v)
{
	static struct resp r;
	uint64_t deadline = itest_now() + 15000;
	char want[128];

	snprintf(want, sizeof(want), "tinyhttpd_build_info{version=\"%s\"} 1\n", v);
	do {
		if (itest_request(srv.port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		                  &r) == 0 &&
		    r.status == 200 && strstr(r.body, want) != NULL)
			return true;
		usleep(20000);
	} while (itest_now() < deadline);
	return false;
}

/* What the routes answer on /v, from the old code and the new. */
static bool
answer_ok(const struct resp *r)
{
	return r->status == 200 && strcmp(r->body, "up") == 0;
}

/* The inode of the socket listening on 127.0.0.1:port, from /proc/net/tcp. */
static unsigned long
listener_inode(int port)
{
	char line[512], local[32];
	unsigned long inode = 0, ino;
	unsigned st;
	FILE *f;

	snprintf(local, sizeof(local), "0100007F:%04X", port);
	ck_assert_ptr_nonnull(f = fopen("/proc/net/tcp", "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char addr[32];

		if (sscanf(line, " %*d: %31s %*s %x %*s %*s %*s %*d %*d %lu", addr, &st, &ino) == 3 &&
		    strcmp(addr, local) == 0 && st == 0x0A)
			inode = ino;
	}
	fclose(f);
	ck_assert_uint_ne(inode, 0);
	return inode;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What the master holds open, one target a line, sorted: every socket but the listener reads "socket",
 * since the channels to the workers are new ones after any reload; the listener keeps its inode, which
 * shows it is the very socket the server started with.
 */
static void
fd_targets(pid_t pid, unsigned long listener, char *out, size_t cap)
{
	char dir[64], path[352], target[256], keep[64], *names[256];
	struct dirent *de;
	size_t n = 0, i, len = 0;
	ssize_t t;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	snprintf(keep, sizeof(keep), "socket:[%lu]", listener);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL && n < 256) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((t = readlink(path, target, sizeof(target) - 1)) == -1)
			continue;
		target[t] = '\0';
		if (strncmp(target, "socket:", 7) == 0 && strcmp(target, keep) != 0)
			snprintf(target, sizeof(target), "socket");
		ck_assert_ptr_nonnull(names[n++] = strdup(target));
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, cap - len, "%s\n", names[i]);
		ck_assert_uint_lt(len, cap);
		free(names[i]);
	}
}

/* No worker of before is alive, and the master has its workers and no zombie. */
static void
assert_only_new_workers(const pid_t *old, size_t nold)
{
	pid_t now[16];
	size_t i, j, n = itest_workers(srv.pid, now, 16);

	ck_assert_uint_eq(n, 2);
	for (i = 0; i < nold; i++) {
		ck_assert_msg(kill(old[i], 0) == -1 && errno == ESRCH, "old worker %ld still runs",
		              (long)old[i]);
		for (j = 0; j < n; j++)
			ck_assert_int_ne(now[j], old[i]);
	}
	ck_assert_uint_eq(itest_zombies(srv.pid), 0);
}

/* The executable the master runs, as /proc shows it. */
static void
running_exe(char *out, size_t cap)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)srv.pid);
	ck_assert_int_gt(n = readlink(path, out, cap - 1), 0);
	out[n] = '\0';
}

START_TEST(test_upgrade_under_load)
{
	static char before[8192], after[8192];
	const struct itest_load load = {
		.host = "x", .path = "/v", .port = &srv.port, .read_ms = 10000, .answer_ok = answer_ok
	};
	struct itest_loads *clients;
	char line[256], running[256];
	pid_t old[16], master;
	unsigned long lsock;
	size_t nold;

	start_from_copy(ROUTES);
	master = srv.pid;
	ck_assert(serves_version(old_version));
	lsock = listener_inode(srv.port);
	fd_targets(master, lsock, before, sizeof(before));
	nold = itest_workers(master, old, 16);
	ck_assert_uint_eq(nold, 2);
	clients = itest_load_start(&load, CLIENTS);
	usleep(300000);
	install(getenv("TINYHTTPD_NEXT"), 0755);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	snprintf(line, sizeof(line), "upgrading from %s to %s", old_version, new_version);
	ck_assert_msg(itest_wait_log(&srv, line, 20000), "no \"%s\" in %s", line, srv.log);
	ck_assert(serves_version(new_version));
	itest_wait_generations_ended(&srv, 20000);
	/* Load on the new code for a while too. */
	usleep(300000);
	snprintf(line, sizeof(line), "upgrade from %s to %s", old_version, new_version);
	itest_load_finish(clients, line);
	/* The same process runs the file now at the path, and -V of it says the new version. */
	ck_assert_int_eq(kill(master, 0), 0);
	ck_assert_int_eq(srv.pid, master);
	running_exe(running, sizeof(running));
	ck_assert_str_eq(running, exe);
	version_of(exe, line, sizeof(line));
	ck_assert_str_eq(line, new_version);
	/* The idle keep-alive connections moved to the new code rather than closed. */
	ck_assert(itest_wait_log(&srv, "handing idle ones over", 0));
	ck_assert(!itest_wait_log(&srv, "no worker can take", 0));
	assert_only_new_workers(old, nold);
	fd_targets(master, lsock, after, sizeof(after));
	ck_assert_msg(valgrind || strcmp(before, after) == 0, "descriptors before:\n%s\nafter:\n%s", before,
	              after);
	itest_stop(&srv, SIGTERM);
	remove_copy();
}
END_TEST

/* Waits for the failed check's reason, then for the reload with the running code that follows it. */
static void
assert_refused(const char *why, unsigned gen)
{
	char line[64];

	ck_assert_msg(itest_wait_log(&srv, why, 15000), "no \"%s\" in %s", why, srv.log);
	snprintf(line, sizeof(line), "generation %u: serving", gen);
	ck_assert_msg(itest_wait_log(&srv, line, 15000), "no \"%s\" in %s", line, srv.log);
	ck_assert(serves_version(old_version));
}

/* A file that cannot run, or whose check fails: the old code keeps serving, and the log says why. */
START_TEST(test_broken_upgrade_refused)
{
	static const char script[] = "#!/bin/sh\necho 'tinyhttpd: a broken build' >&2\nexit 1\n";
	char want[512], tmp[160];
	pid_t master;

	start_from_copy(ROUTES);
	master = srv.pid;
	install(getenv("TINYHTTPD_NEXT"), 0644);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	assert_refused(
	        "-t failed (exit status 127): cannot execute it: Permission denied; reloading with the "
	        "running code",
	        2);
	snprintf(tmp, sizeof(tmp), "%s.dpkg-new", exe);
	write_file(tmp, script, sizeof(script) - 1, 0755);
	ck_assert_int_eq(rename(tmp, exe), 0);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	assert_refused(
	        "-t failed (exit status 1): tinyhttpd: a broken build; reloading with the running code", 3);
	ck_assert_uint_eq(itest_log_count(&srv, "upgrading from"), 0);
	/* A good file after the broken ones: the upgrade goes through. */
	install(getenv("TINYHTTPD_NEXT"), 0755);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	snprintf(want, sizeof(want), "upgrading from %s to %s", old_version, new_version);
	ck_assert_msg(itest_wait_log(&srv, want, 20000), "no \"%s\" in %s", want, srv.log);
	ck_assert(serves_version(new_version));
	ck_assert_int_eq(srv.pid, master);
	itest_stop(&srv, SIGTERM);
	remove_copy();
}
END_TEST

/*
 * During an upgrade, an old worker dies and a second SIGHUP comes: the new master reaps the worker (no
 * zombie) and, once it has taken over, reloads for the second signal without upgrading again.
 */
START_TEST(test_upgrade_with_dying_worker_and_second_sighup)
{
	char line[256];
	pid_t old[16], master;
	size_t nold;

	start_from_copy(ROUTES);
	master = srv.pid;
	nold = itest_workers(master, old, 16);
	ck_assert_uint_eq(nold, 2);
	/* Stopped, it cannot drain: it is there to die whenever the upgrade has got to. */
	ck_assert_int_eq(kill(old[0], SIGSTOP), 0);
	install(getenv("TINYHTTPD_NEXT"), 0755);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	/* The master is checking the new file, or has become it: either way, its state has the worker. */
	ck_assert(itest_wait_log(&srv, "is a new executable; checking it", 15000));
	ck_assert_int_eq(kill(old[0], SIGKILL), 0);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	snprintf(line, sizeof(line), "worker %ld of generation 1 killed by signal 9", (long)old[0]);
	ck_assert_msg(itest_wait_log(&srv, line, 15000), "no \"%s\" in %s", line, srv.log);
	ck_assert_msg(itest_wait_log(&srv, "generation 3: serving", 20000), "the second SIGHUP was lost");
	snprintf(line, sizeof(line), "upgrading from %s to %s", old_version, new_version);
	ck_assert(itest_wait_log(&srv, line, 0));
	ck_assert_uint_eq(itest_log_count(&srv, "upgrading from"), 1);
	ck_assert(serves_version(new_version));
	itest_wait_generations_ended(&srv, 20000);
	assert_only_new_workers(old, nold);
	itest_stop(&srv, SIGTERM);
	remove_copy();
}
END_TEST

/* The sd_notify messages, from the same PID throughout: within 20 s each, an upgrade's check included. */
static void
expect_state(int fd, const char *state, const char *status)
{
	itest_expect_state(fd, 20000, state, status, srv.pid);
}

/* Under a service manager: reloading, then ready once the new code serves, from the same PID throughout. */
START_TEST(test_upgrade_notifies)
{
	char dir[64];
	int fd = itest_notify_open(&srv, dir);

	start_from_copy(ROUTES);
	expect_state(fd, "READY=1", "STATUS=generation 1 serving");
	install(getenv("TINYHTTPD_NEXT"), 0755);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	expect_state(fd, "RELOADING=1", "MONOTONIC_USEC=");
	expect_state(fd, "READY=1", "STATUS=generation 2 serving");
	ck_assert(serves_version(new_version));
	itest_stop(&srv, SIGTERM);
	expect_state(fd, "STOPPING=1", NULL);
	itest_notify_close(&srv, fd, dir);
	remove_copy();
}
END_TEST

/* The inode of the file at path; 0 when there is none. */
static ino_t
inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* A request on c, answered "up". */
static void
expect_up(struct client *c)
{
	static struct resp r;

	itest_sends(c, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(c, &r, 10000), 0);
	ck_assert_str_eq(r.body, "up");
}

/*
 * A unix socket passes to the new code as itself: the same file serves, a connection held on it is handed
 * over, and a later reload without it still removes the file, which the new master knows as the one the
 * old one made.
 */
START_TEST(test_upgrade_unix_socket)
{
	static const char both[] = "listen = ( { address = \"127.0.0.1\"; port = @PORT@; },\n"
	                           "           { path = \"@DIR@/http.sock\"; } );\n"
	                           "hosts = ( { names = [ \"*\" ]; routes = ( " ROUTES " ); } );\n";
	static const char tcp[] = "listen = ( { address = \"127.0.0.1\"; port = @PORT@; } );\n"
	                          "hosts = ( { names = [ \"*\" ]; routes = ( " ROUTES " ); } );\n";
	static struct client held, fresh;
	char sock[320], line[160];
	ino_t ino;

	start_from_copy(both);
	snprintf(sock, sizeof(sock), "%s/http.sock", srv.dir);
	ck_assert_uint_ne(ino = inode_of(sock), 0);
	ck_assert_int_eq(itest_connect_unix(&held, sock), 0);
	expect_up(&held);
	install(getenv("TINYHTTPD_NEXT"), 0755);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	snprintf(line, sizeof(line), "upgrading from %s to %s", old_version, new_version);
	ck_assert_msg(itest_wait_log(&srv, line, 20000), "no \"%s\" in %s", line, srv.log);
	ck_assert(serves_version(new_version));
	itest_wait_generations_ended(&srv, 20000);
	expect_up(&held);
	ck_assert_int_eq(itest_connect_unix(&fresh, sock), 0);
	expect_up(&fresh);
	itest_close(&fresh);
	ck_assert_uint_eq(inode_of(sock), ino);
	/* The new code's reload drops the unix listener: its file goes with it. */
	itest_write_config(&srv, EXTRA, tcp);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 3: serving", 15000));
	itest_wait_generations_ended(&srv, 20000);
	ck_assert_msg(inode_of(sock) == 0, "%s is left after its listener went", sock);
	itest_close(&held);
	itest_stop(&srv, SIGTERM);
	remove_copy();
}
END_TEST

#ifdef HAVE_OPENSSL
#define UPGRADE_TLS , test_upgrade_tls
/*
 * HTTPS across an upgrade: the ticket keys go to the new master, so a session made by the old code resumes
 * on the new; an idle TLS connection, which cannot be handed over, gets its next answer from its old
 * worker with Connection: close.
 */
START_TEST(test_upgrade_tls)
{
	static struct client c, idle;
	static struct resp r;
	char conf[2048], certs[64], line[160];
	int tls_port = itest_free_port();
	uint64_t deadline;
	void *session;

	snprintf(certs, sizeof(certs), "/tmp/tinyhttpd-certs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certs));
	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	snprintf(conf, sizeof(conf),
	         "listen = ( { address = \"127.0.0.1\"; port = @PORT@; },\n"
	         "           { address = \"127.0.0.1\"; port = %d; tls = true; } );\n"
	         "tls = { certificate = \"%s/a.crt\"; key = \"%s/a.key\"; };\n"
	         "hosts = ( { names = [ \"*\" ]; routes = ( " ROUTES " ); } );\n",
	         tls_port, certs, certs);
	start_from_copy(conf);
	ck_assert_int_eq(itest_connect(&c, tls_port), 0);
	ck_assert_msg(itest_tls(&c, "localhost", NULL) == 0, "%s", itest_tls_error);
	itest_sends(&c, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&c, &r, 10000), 0);
	session = itest_tls_session(&c);
	itest_close(&c);
	ck_assert_int_eq(itest_connect(&idle, tls_port), 0);
	ck_assert_msg(itest_tls(&idle, "localhost", NULL) == 0, "%s", itest_tls_error);
	itest_sends(&idle, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&idle, &r, 10000), 0);

	install(getenv("TINYHTTPD_NEXT"), 0755);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	snprintf(line, sizeof(line), "upgrading from %s to %s", old_version, new_version);
	ck_assert_msg(itest_wait_log(&srv, line, 20000), "no \"%s\" in %s", line, srv.log);
	ck_assert(serves_version(new_version));
	/* The old workers drain once the new ones serve: then the held connection's next answer closes it. */
	deadline = itest_now() + 15000;
	while (itest_log_count(&srv, "worker g1: info: draining") < 2 && itest_now() < deadline)
		usleep(20000);
	ck_assert_uint_eq(itest_log_count(&srv, "worker g1: info: draining"), 2);
	itest_sends(&idle, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&idle, &r, 10000), 0);
	ck_assert_str_eq(r.body, "up");
	ck_assert_str_eq(itest_header(&r, "Connection"), "close");
	itest_close(&idle);
	itest_wait_generations_ended(&srv, 20000);
	ck_assert_int_eq(itest_connect(&c, tls_port), 0);
	ck_assert_msg(itest_tls(&c, "localhost", session) == 0, "%s", itest_tls_error);
	ck_assert_msg(itest_tls_resumed(&c), "a session of the old code did not resume on the new");
	itest_sends(&c, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&c, &r, 10000), 0);
	ck_assert_str_eq(r.body, "up");
	itest_close(&c);
	itest_tls_session_free(session);
	itest_stop(&srv, SIGTERM);
	remove_copy();
	itest_remove_tree(certs);
}
END_TEST
#else
#define UPGRADE_TLS
#endif

int
main(void)
{
	const char *server = getenv("TINYHTTPD"), *bin = getenv("TINYHTTPD_BIN");

	valgrind = server != NULL && bin != NULL && strcmp(server, bin) != 0;
	if (valgrind) {
		fprintf(stderr, "under valgrind, which the upgraded master runs without: its descriptors not "
		                "compared, and test_upgrade_with_dying_worker_and_second_sighup skipped\n");
		return CHECK_RUN_TESTS("upgrade", "binary", 180, test_upgrade_under_load,
		                       test_broken_upgrade_refused, test_upgrade_notifies,
		                       test_upgrade_unix_socket UPGRADE_TLS);
	}
	return CHECK_RUN_TESTS("upgrade", "binary", 180, test_upgrade_under_load, test_broken_upgrade_refused,
	                       test_upgrade_with_dying_worker_and_second_sighup, test_upgrade_notifies,
	                       test_upgrade_unix_socket UPGRADE_TLS);
}
