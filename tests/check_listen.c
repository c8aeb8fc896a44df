/* SPDX-License-Identifier: ISC */
/* check_listen.c: integration tests: listeners, unix sockets, virtual hosts and the PROXY protocol. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

static struct server srv;
static struct client cl;
static struct resp rs;

/* ---- helpers ---- */

/* One request on a new connection to port; asserts the status and, when body is not NULL, the body. */
static void
expect_on(int port, const char *raw, int status, const char *body)
{
	ck_assert_msg(itest_request(port, raw, &rs) == 0, "no response on port %d to %s", port, raw);
	ck_assert_msg(rs.status == status, "%s: status %d, want %d", raw, rs.status, status);
	if (body != NULL)
		ck_assert_msg(strcmp(rs.body, body) == 0, "%s: body \"%s\", want \"%s\"", raw, rs.body, body);
}

/* GET / with Host: host on port; asserts a 200 with body want. */
static void
expect_host(int port, const char *host, const char *want)
{
	char raw[1024];

	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	expect_on(port, raw, 200, want);
}

/* One request over the unix socket at path; asserts the status and body. */
static void
expect_unix(const char *path, const char *raw, int status, const char *body)
{
	static struct client c;

	ck_assert_msg(itest_connect_unix(&c, path) == 0, "cannot connect to %s: %s", path, strerror(errno));
	itest_sends(&c, raw);
	ck_assert_msg(itest_read(&c, &rs, 10000) == 0, "no response over %s to %s", path, raw);
	itest_close(&c);
	ck_assert_int_eq(rs.status, status);
	ck_assert_str_eq(rs.body, body);
}

/* A socket that listens at path as the test's own server would, or one bound there then closed (stale). */
static int
unix_listen(const char *path, bool keep)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	if (keep)
		return fd;
	/* What a crash leaves: the file, and nothing accepting on it. */
	close(fd);
	return -1;
}

static bool
is_socket(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * Connects to the listening unix socket at path until its queue is full, as a server that stopped
 * accepting leaves it: a blocking connect would now wait. Returns how many of fds it opened.
 */
static size_t
fill_backlog(const char *path, int *fds, size_t n)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t i;

	strcpy(sun.sun_path, path);
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fds[i], 0);
		if (connect(fds[i], (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			ck_assert_msg(errno == EAGAIN, "connect: %s", strerror(errno));
			return i + 1;
		}
	}
	ck_abort_msg("the queue of %s never filled", path);
	return n;
}

/* The permission bits of the socket file at path; asserts it is one. */
static unsigned
socket_mode(const char *path)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(S_ISSOCK(st.st_mode), "%s is not a socket", path);
	return st.st_mode & 07777;
}

static bool
file_gone(const char *path)
{
	struct stat st;

	return lstat(path, &st) == -1 && errno == ENOENT;
}

/*
 * The line of the access log at path that holds marker (waited for, bounded) must begin with start: the
 * client's address, as the common format puts it first.
 */
static void
assert_log_line(const char *path, const char *marker, const char *start)
{
	static char text[1 << 16];
	const char *p, *line;
	size_t n;
	FILE *f;

	ck_assert_msg(itest_file_has(path, marker, 10000), "no line with %s in %s", marker, path);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_ptr_nonnull(p = strstr(text, marker));
	for (line = p; line > text && line[-1] != '\n'; line--)
		;
	ck_assert_msg(strncmp(line, start, strlen(start)) == 0, "the access log line is: %.*s",
	              (int)strcspn(line, "\n"), line);
}

/*
 * Waits (bounded) for the server to close c without having sent a byte: a connection that is not a PROXY
 * header gets no answer. Returns how long it took, in ms.
 */
static uint64_t
closed_silently(struct client *c, int timeout_ms)
{
	uint64_t start = itest_now(), deadline = start + (uint64_t)timeout_ms;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char byte;
	ssize_t n;

	for (;;) {
		uint64_t now = itest_now();

		ck_assert_msg(now < deadline, "the connection is still open after %d ms", timeout_ms);
		if (poll(&pfd, 1, (int)(deadline - now)) == 1)
			break;
	}
	n = recv(c->fd, &byte, 1, 0);
	ck_assert_msg(n == 0, "recv returned %zd (%s), want 0: an end with nothing sent", n,
	              n == -1 ? strerror(errno) : "a byte");
	return itest_now() - start;
}

/* Sends len bytes one at a time, each in its own segment, pausing between them: a trickled header. */
static void
trickle(struct client *c, const void *data, size_t len)
{
	const char *p = data;
	int on = 1;
	size_t i;

	ck_assert_int_eq(setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)), 0);
	for (i = 0; i < len; i++) {
		itest_send(c, p + i, 1);
		usleep(2000);
	}
}

static const unsigned char proxy_v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
	                                        0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/*
 * A PROXY v2 header into out: a PROXY command for TCP over IPv6 from src port 56581 to 2001:db8::80 port
 * 443, with an authority TLV the server is to skip; or with src NULL a LOCAL command (a health check).
 * Returns its length.
 */
static size_t
proxy_v2(unsigned char *out, const char *src)
{
	static const char authority[] = "example.com";
	size_t n = 16;

	memcpy(out, proxy_v2_sig, sizeof(proxy_v2_sig));
	out[12] = src != NULL ? 0x21 : 0x20; /* version 2, PROXY or LOCAL */
	out[13] = src != NULL ? 0x21 : 0x00; /* AF_INET6 over STREAM, or unspecified */
	if (src != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET6, src, out + n), 1);
		ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::80", out + n + 16), 1);
		n += 32;
		memcpy(out + n, "\xdd\x05\x01\xbb", 4);
		n += 4;
		out[n++] = 0x02; /* PP2_TYPE_AUTHORITY */
		out[n++] = 0;
		out[n++] = sizeof(authority) - 1;
		memcpy(out + n, authority, sizeof(authority) - 1);
		n += sizeof(authority) - 1;
	}
	out[14] = (unsigned char)((n - 16) >> 8);
	out[15] = (unsigned char)(n - 16);
	return n;
}

/*
 * Runs the server on s->conf where it must refuse to start: waits (bounded) for it to exit and returns its
 * exit status; its stderr goes to s->log. One that does not exit in time (it started after all, or hangs)
 * is killed and fails the test.
 */
static int
start_refused(const struct server *s)
{
	const char *bin = getenv("TINYHTTPD");
	uint64_t deadline = itest_now() + 30000;
	int status = 0;
	pid_t pid, r;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (freopen(s->log, "a", stderr) == NULL || prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
			_exit(127);
		execl(bin ? bin : "src/tinyhttpd", "tinyhttpd", "-c", s->conf, (char *)NULL);
		_exit(127);
	}
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && itest_now() < deadline)
		usleep(10000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("the server did not exit within 30 s; see %s", s->log);
	}
	ck_assert_msg(!itest_file_has(s->log, "Sanitizer", 0) && !itest_file_has(s->log, "VALGRIND-ERROR", 0),
	              "sanitizer or valgrind report in %s", s->log);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- host routing ---- */

/*
 * Two listeners and five hosts, each saying which answered and for what {host}. "*.a.example.org" comes
 * after "*.example.org" and "*" after "example.com", so that file order would pick the wrong ones.
 * status.internal is on "lb" only.
 */
static const char routing_public[] = "  { name = \"public\"; address = \"127.0.0.1\"; port = @PORT@; }";
static const char routing_lb[] = "  { name = \"lb\"; address = \"127.0.0.1\"; port = %d; }";
static const char routing_hosts[] =
        "hosts = (\n"
        "  { names = [ \"example.com\", \"www.example.com\" ];\n"
        "    routes = ( { path = \"/\"; text = \"example.com for {host}\"; },\n"
        "               { path = \"/secure\"; redirect = \"https://{host}{path}\"; status = 301; } ); },\n"
        "  { names = [ \"*.example.org\" ]; routes = ( { path = \"/\"; text = \"*.example.org\"; } ); },\n"
        "  { names = [ \"*.a.example.org\" ]; routes = ( { path = \"/\"; text = \"*.a.example.org\"; } ); "
        "},\n"
        "  { names = [ \"*\" ]; routes = ( { path = \"/\"; text = \"any for {host}\"; } ); },\n"
        "  { names = [ \"status.internal\" ]; listen = [ \"lb\" ];\n"
        "    routes = ( { path = \"/\"; text = \"status\"; }, { path = \"/metrics\"; metrics = true; } ); }\n"
        ");\n";

/* The routing config with "lb" on port lb, listed after "public" or, swapped, before it. */
static void
routing_body(char *out, size_t cap, int lb, bool swapped)
{
	char lbl[128];

	snprintf(lbl, sizeof(lbl), routing_lb, lb);
	snprintf(out, cap, "listen = (\n%s,\n%s\n);\n%s", swapped ? lbl : routing_public,
	         swapped ? routing_public : lbl, routing_hosts);
}

/* Starts the routing server; returns the "lb" listener's port. */
static int
start_routing(void)
{
	char body[4096];
	int lb = itest_free_port();

	routing_body(body, sizeof(body), lb, false);
	itest_start(&srv, NULL, body);
	/* The "lb" listener is bound before the workers start: it answers once @PORT@ does. */
	expect_host(lb, "status.internal", "status");
	return lb;
}

/* The value of the metrics line that starts with name (labels included), or -1 when there is none. */
static long long
metric(const char *text, const char *name)
{
	const char *p;
	size_t len = strlen(name);

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, len) == 0 && p[len] == ' ')
			return atoll(p + len + 1);
	return -1;
}

START_TEST(test_host_routing)
{
	static struct client held_pub;
	char body[4096];
	int pub, lb;

	lb = start_routing();
	pub = srv.port;
	/* Exact names, without case, port or a trailing dot. */
	expect_host(pub, "example.com", "example.com for example.com");
	expect_host(pub, "www.example.com", "example.com for www.example.com");
	expect_host(pub, "WWW.Example.COM:8080", "example.com for www.example.com");
	expect_host(pub, "example.com.", "example.com for example.com");
	expect_host(pub, "Example.Com.:80", "example.com for example.com");
	/* Wildcards: the longest that matches, whatever the file order; never the bare domain. */
	expect_host(pub, "x.example.org", "*.example.org");
	expect_host(pub, "a.example.org", "*.example.org");
	expect_host(pub, "b.a.example.org", "*.a.example.org");
	expect_host(pub, "c.B.A.Example.org.:8080", "*.a.example.org");
	expect_host(pub, "x.a.example.org.evil.net", "any for x.a.example.org.evil.net");
	expect_host(pub, "example.org", "any for example.org");
	expect_host(pub, "xexample.org", "any for xexample.org");
	/* An unknown name, an IP literal and no name at all: the "*" host, not the first one. */
	expect_host(pub, "unknown.net", "any for unknown.net");
	expect_host(pub, "[::1]:8080", "any for [::1]");
	expect_on(pub, "GET / HTTP/1.0\r\n\r\n", 200, "any for ");
	expect_on(pub, "GET / HTTP/1.1\r\nHost:\r\n\r\n", 200, "any for ");
	/* An absolute-form target's authority wins over Host, whichever of them matches a name. */
	expect_on(pub, "GET http://www.example.com/ HTTP/1.1\r\nHost: other.net\r\n\r\n", 200,
	          "example.com for www.example.com");
	expect_on(pub, "GET http://nowhere.test:81/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 200,
	          "any for nowhere.test");
	expect_on(pub, "GET HTTP://Q.A.EXAMPLE.ORG/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 200,
	          "*.a.example.org");
	/* {host} in a redirect: the name as the request gave it, lowered, without port and query. */
	expect_on(pub, "GET /secure?q=1 HTTP/1.1\r\nHost: WWW.Example.com:8080\r\n\r\n", 301, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "https://www.example.com/secure");
	expect_on(pub, "GET http://Example.COM./secure HTTP/1.1\r\nHost: x\r\n\r\n", 301, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "https://example.com/secure");
	/* Hosts without listen are on "lb" too: the same answers there. */
	expect_host(lb, "www.example.com", "example.com for www.example.com");
	expect_host(lb, "b.a.example.org", "*.a.example.org");
	expect_host(lb, "unknown.net", "any for unknown.net");

	/* status.internal is on "lb" only: on "public" the name is unknown, and "*" has no /metrics. */
	expect_host(pub, "status.internal", "any for status.internal");
	expect_on(pub, "GET /metrics HTTP/1.1\r\nHost: status.internal\r\n\r\n", 404, NULL);
	expect_on(lb, "GET /metrics HTTP/1.1\r\nHost: status.internal\r\n\r\n", 200, NULL);
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
	/* Each request counted under the host that answered it, named by its first name. */
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_requests_total{host=\"example.com\",status=\"2xx\"}"), 7);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_requests_total{host=\"example.com\",status=\"3xx\"}"), 2);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_requests_total{host=\"*.a.example.org\",status=\"2xx\"}"),
	                 4);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_requests_total{host=\"*\",status=\"4xx\"}"), 1);

	/*
	 * Connections held over a reload that lists the listeners the other way round: handed over, each is
	 * still served the hosts of the listener it came in on.
	 */
	ck_assert_int_eq(itest_connect(&cl, lb), 0);
	itest_sends(&cl, "GET / HTTP/1.1\r\nHost: status.internal\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "status");
	ck_assert_int_eq(itest_connect(&held_pub, pub), 0);
	itest_sends(&held_pub, "GET / HTTP/1.1\r\nHost: status.internal\r\n\r\n");
	ck_assert_int_eq(itest_read(&held_pub, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "any for status.internal");
	routing_body(body, sizeof(body), lb, true);
	itest_write_config(&srv, NULL, body);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 2: serving", 20000));
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 20000));
	itest_sends(&cl, "GET / HTTP/1.1\r\nHost: status.internal\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "status");
	itest_sends(&held_pub, "GET / HTTP/1.1\r\nHost: status.internal\r\n\r\n");
	ck_assert_int_eq(itest_read(&held_pub, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "any for status.internal");
	expect_on(lb, "GET /metrics HTTP/1.1\r\nHost: status.internal\r\n\r\n", 200, NULL);
	ck_assert_int_ge(metric(rs.body, "tinyhttpd_connections_handed_over_total"), 2);
	itest_close(&held_pub);
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* ---- unix sockets ---- */

static const char unix_body[] = "listen = (\n"
                                "  { address = \"127.0.0.1\"; port = @PORT@; },\n"
                                "  { path = \"@DIR@/http.sock\"; mode = \"0660\"; }\n"
                                ");\n"
                                "hosts = ( { names = [ \"*\" ]; routes = ( { path = \"/whoami\"; text = "
                                "\"{remote_addr}\"; } ); } );\n";

/*
 * A unix socket is made with its mode and serves; its clients have no address, which the access log and
 * {remote_addr} write as "-". The file goes when the server stops.
 */
START_TEST(test_unix_listener)
{
	char sock[400], log[400];

	itest_start(&srv, "access_log = \"access.log\";", unix_body);
	snprintf(sock, sizeof(sock), "%s/http.sock", srv.dir);
	/* A relative access_log is relative to the configuration's directory. */
	snprintf(log, sizeof(log), "%s/access.log", srv.dir);
	ck_assert_uint_eq(socket_mode(sock), 0660);
	expect_unix(sock, "GET /whoami?unix HTTP/1.1\r\nHost: x\r\n\r\n", 200, "-");
	expect_on(srv.port, "GET /whoami?tcp HTTP/1.1\r\nHost: x\r\n\r\n", 200, "127.0.0.1");
	/* Keep-alive over the unix socket: two requests on one connection. */
	ck_assert_int_eq(itest_connect_unix(&cl, sock), 0);
	itest_sends(&cl, "GET /whoami?one HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "-");
	itest_sends(&cl, "GET /whoami?two HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "-");
	itest_close(&cl);
	assert_log_line(log, "\"GET /whoami?unix HTTP/1.1\" 200 1", "- - - [");
	assert_log_line(log, "\"GET /whoami?two HTTP/1.1\" 200 1", "- - - [");
	assert_log_line(log, "\"GET /whoami?tcp HTTP/1.1\" 200 9", "127.0.0.1 - - [");
	itest_stop(&srv, SIGTERM);
	ck_assert_msg(file_gone(sock), "%s is left after the server stopped", sock);
	itest_remove_tree(srv.dir);
}
END_TEST

/*
 * What is already at a unix listener's path: a socket a crash left is replaced at start; a socket something
 * accepts on, or a file that is not a socket, keeps the server from starting and is left as it was.
 */
START_TEST(test_unix_path_taken)
{
	static struct server other;
	static struct client probe;
	char dir[64] = "/tmp/tinyhttpd-unix.XXXXXX", sock[128], body[1024];
	int fd, fds[64];
	size_t nfds;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/http.sock", dir);
	snprintf(body, sizeof(body),
	         "listen = ( { address = \"127.0.0.1\"; port = @PORT@; }, { path = \"%s\"; } );\n"
	         "hosts = ( { names = [ \"*\" ]; routes = ( { path = \"/\"; text = \"here\"; } ); } );\n",
	         sock);

	/* Stale: bound and closed without unlink, as a crash leaves it. */
	ck_assert_int_eq(unix_listen(sock, false), -1);
	ck_assert(is_socket(sock));
	itest_start(&srv, NULL, body);
	ck_assert(itest_wait_log(&srv, "removed a socket nothing accepted on", 0));
	ck_assert_uint_eq(socket_mode(sock), 0666);
	expect_unix(sock, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, "here");
	itest_stop(&srv, SIGTERM);
	ck_assert(file_gone(sock));

	/* In use: the test's own socket listens there. The server must not take it from under it. */
	snprintf(other.dir, sizeof(other.dir), "%s", dir);
	snprintf(other.conf, sizeof(other.conf), "%s/other.conf", dir);
	snprintf(other.log, sizeof(other.log), "%s/other.log", dir);
	other.port = itest_free_port();
	itest_write_config(&other, NULL, body);
	fd = unix_listen(sock, true);
	ck_assert_int_eq(start_refused(&other), 1);
	ck_assert(itest_file_has(other.log, "another server accepts on it", 0));
	ck_assert(is_socket(sock));
	ck_assert_int_eq(itest_connect_unix(&probe, sock), 0);
	itest_close(&probe);
	/* Nor did it leave its TCP listener bound. */
	ck_assert_int_eq(itest_connect(&probe, other.port), -1);
	/* Its queue full, as a hung server leaves it: alive all the same, and no reason to wait on it. */
	nfds = fill_backlog(sock, fds, sizeof(fds) / sizeof(fds[0]));
	ck_assert_int_eq(unlink(other.log), 0);
	ck_assert_int_eq(start_refused(&other), 1);
	ck_assert(itest_file_has(other.log, "another server accepts on it", 0));
	ck_assert(is_socket(sock));
	while (nfds > 0)
		close(fds[--nfds]);
	close(fd);
	ck_assert_int_eq(unlink(sock), 0);

	/* Not a socket: not ours to remove; the loader already says so. */
	ck_assert_int_eq(unlink(other.log), 0);
	ck_assert_ptr_nonnull(f = fopen(sock, "w"));
	fputs("data", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(start_refused(&other), 1);
	ck_assert(itest_file_has(other.log, "exists and is not a socket", 0));
	ck_assert(itest_file_has(sock, "data", 0));
	ck_assert_int_eq(unlink(sock), 0);

	/* A later listener that cannot be bound: the socket file made for an earlier one goes again. */
	snprintf(body, sizeof(body),
	         "listen = ( { path = \"%s\"; }, { address = \"127.0.0.1\"; port = @PORT@; } );\n"
	         "hosts = ( { names = [ \"*\" ]; routes = ( { path = \"/\"; text = \"here\"; } ); } );\n",
	         sock);
	itest_start(&srv, NULL, itest_seed_routes);
	other.port = srv.port;
	itest_write_config(&other, NULL, body);
	ck_assert_int_eq(unlink(other.log), 0);
	ck_assert_int_eq(start_refused(&other), 1);
	ck_assert(itest_file_has(other.log, "cannot bind 127.0.0.1", 0));
	ck_assert_msg(file_gone(sock), "%s is left after a start that failed", sock);
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(dir);
}
END_TEST

/* ---- reloads ---- */

/* Listener A on @PORT@ always; then any of B (a TCP port), U1 and U2 (unix sockets in @DIR@). */
static void
listeners_body(char *out, size_t cap, const char *version, int b, bool u1, bool u2)
{
	char bl[128] = "";

	if (b != 0)
		snprintf(bl, sizeof(bl), ",\n  { address = \"127.0.0.1\"; port = %d; }", b);
	snprintf(out, cap,
	         "listen = (\n"
	         "  { address = \"127.0.0.1\"; port = @PORT@; }%s%s%s\n"
	         ");\n"
	         "hosts = ( { names = [ \"*\" ]; routes = ( { path = \"/v\"; text = \"%s\"; } ); } );\n",
	         bl, u1 ? ",\n  { path = \"@DIR@/u1.sock\"; mode = \"0600\"; }" : "",
	         u2 ? ",\n  { path = \"@DIR@/u2.sock\"; mode = \"0640\"; }" : "", version);
}

/* A request on the held connection c, which must be answered; returns the body in rs. */
static void
ask(struct client *c, const char *what)
{
	itest_sends(c, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_msg(itest_read(c, &rs, 10000) == 0, "the held %s connection got no answer", what);
	ck_assert_int_eq(rs.status, 200);
}

/*
 * Listeners added and removed on reloads: the one that stays keeps its connections (handed over to the
 * new generation), a new TCP port and a new unix socket serve, and a removed socket's file is unlinked and
 * a removed port closed once the generation that served them has ended.
 */
START_TEST(test_reload_listeners)
{
	static struct client held_unix, probe;
	char body[2048], u1[400], u2[400];
	const char *v = "GET /v HTTP/1.1\r\nHost: x\r\n\r\n";
	int b;

	listeners_body(body, sizeof(body), "one", 0, true, false);
	itest_start(&srv, "shutdown_timeout = 10; keepalive_timeout = 60;", body);
	snprintf(u1, sizeof(u1), "%s/u1.sock", srv.dir);
	snprintf(u2, sizeof(u2), "%s/u2.sock", srv.dir);
	ck_assert_uint_eq(socket_mode(u1), 0600);
	/* Keep-alive connections held over the reloads, on A and on U1. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	ask(&cl, "A");
	ck_assert_str_eq(rs.body, "one");
	ck_assert_int_eq(itest_connect_unix(&held_unix, u1), 0);
	ask(&held_unix, "U1");
	ck_assert_str_eq(rs.body, "one");

	/* A stays, B and U2 come, U1 goes. */
	b = itest_free_port();
	listeners_body(body, sizeof(body), "two", b, false, true);
	itest_write_config(&srv, "shutdown_timeout = 10; keepalive_timeout = 60;", body);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 2: serving", 20000));
	ask(&cl, "A");
	ck_assert_msg(strcmp(rs.body, "one") == 0 || strcmp(rs.body, "two") == 0, "body %s", rs.body);
	expect_on(b, v, 200, "two");
	ck_assert_uint_eq(socket_mode(u2), 0640);
	expect_unix(u2, v, 200, "two");
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 20000));
	ck_assert_msg(file_gone(u1), "%s is left after its generation ended", u1);
	ck_assert_int_eq(itest_connect_unix(&probe, u1), -1);
	/* Only generation 2 is left: the held connections were handed to it. */
	ask(&cl, "A");
	ck_assert_str_eq(rs.body, "two");
	ask(&held_unix, "U1");
	ck_assert_str_eq(rs.body, "two");
	ck_assert_uint_eq(itest_zombies(srv.pid), 0);

	/* Back to A alone: B and U2 go once generation 2 has ended. */
	listeners_body(body, sizeof(body), "three", 0, false, false);
	itest_write_config(&srv, "shutdown_timeout = 10; keepalive_timeout = 60;", body);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 3: serving", 20000));
	ck_assert(itest_wait_log(&srv, "generation 2: ended", 20000));
	ck_assert_int_eq(itest_connect(&probe, b), -1);
	ck_assert_msg(file_gone(u2), "%s is left after its generation ended", u2);
	ask(&cl, "A");
	ck_assert_str_eq(rs.body, "three");
	ask(&held_unix, "U1");
	ck_assert_str_eq(rs.body, "three");
	ck_assert_uint_eq(itest_zombies(srv.pid), 0);
	itest_close(&held_unix);
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(srv.dir);
}
END_TEST

/* A and a unix socket at @DIR@/kept.sock with mode, answering version. */
static void
kept_body(char *out, size_t cap, const char *mode, const char *version)
{
	snprintf(out, cap,
	         "listen = ( { address = \"127.0.0.1\"; port = @PORT@; },\n"
	         "  { path = \"@DIR@/kept.sock\"; mode = \"%s\"; } );\n"
	         "hosts = ( { names = [ \"*\" ]; routes = ( { path = \"/v\"; text = \"%s\"; } ); } );\n",
	         mode, version);
}

/*
 * A unix socket whose path stays across a reload keeps its socket: the same file, never unlinked and bound
 * again (a client connecting then would be refused), with the new mode; its held connection goes on.
 */
START_TEST(test_reload_unix_kept)
{
	char body[1024], sock[400];
	struct stat before, after;

	kept_body(body, sizeof(body), "0600", "one");
	itest_start(&srv, NULL, body);
	snprintf(sock, sizeof(sock), "%s/kept.sock", srv.dir);
	ck_assert_int_eq(lstat(sock, &before), 0);
	ck_assert_uint_eq(before.st_mode & 07777, 0600);
	ck_assert_int_eq(itest_connect_unix(&cl, sock), 0);
	ask(&cl, "unix");
	ck_assert_str_eq(rs.body, "one");

	kept_body(body, sizeof(body), "0660", "two");
	itest_write_config(&srv, NULL, body);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 2: serving", 20000));
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 20000));
	ck_assert_int_eq(lstat(sock, &after), 0);
	ck_assert_msg(after.st_ino == before.st_ino && after.st_dev == before.st_dev,
	              "%s was made again on the reload", sock);
	ck_assert_uint_eq(after.st_mode & 07777, 0660);
	ask(&cl, "unix");
	ck_assert_str_eq(rs.body, "two");
	expect_unix(sock, "GET /v HTTP/1.1\r\nHost: x\r\n\r\n", 200, "two");
	ck_assert(!itest_wait_log(&srv, "removed a socket", 0));
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
	ck_assert(file_gone(sock));
}
END_TEST

/* ---- the PROXY protocol ---- */

/* A load balancer's listener on @PORT@, and one for direct clients. */
static const char proxy_body[] =
        "listen = (\n"
        "  { name = \"lb\"; address = \"127.0.0.1\"; port = @PORT@; proxy_protocol = %s; },\n"
        "  { name = \"direct\"; address = \"127.0.0.1\"; port = %d; },\n"
        "  { name = \"local\"; path = \"@DIR@/lb.sock\"; proxy_protocol = true; }\n"
        ");\n"
        "hosts = ( { names = [ \"*\" ]; routes = ( { path = \"/whoami\"; text = \"{remote_addr}\"; } ); } "
        ");\n";

/* A request_timeout well above what a slow (ASan, valgrind) server takes to refuse a bad header at once. */
#define PROXY_EXTRA "access_log = \"access.log\"; request_timeout = 3; workers = 1;"

/* Starts the PROXY server; returns the direct listener's port. */
static int
start_proxy(void)
{
	char body[2048];
	int direct = itest_free_port();

	snprintf(body, sizeof(body), proxy_body, "true", direct);
	itest_start(&srv, PROXY_EXTRA, body);
	return direct;
}

/* Sends header (len bytes) and then request in one write to the PROXY listener; reads the answer. */
static void
proxied(const void *header, size_t len, const char *request, const char *want)
{
	char buf[2048];

	ck_assert_uint_lt(len + strlen(request), sizeof(buf));
	memcpy(buf, header, len);
	memcpy(buf + len, request, strlen(request));
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_send(&cl, buf, len + strlen(request));
	ck_assert_msg(itest_read(&cl, &rs, 10000) == 0, "no answer to %s", request);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body, want);
	itest_close(&cl);
}

/*
 * The header's source is the client in {remote_addr} and the access log, v1 and v2 alike; a LOCAL command
 * keeps the socket's address. A connection that does not start with a header, or whose header does not
 * come whole within request_timeout, is closed without an answer.
 */
START_TEST(test_proxy_protocol)
{
	static const char v1[] = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n";
	unsigned char v2[128];
	char log[400], sock[400];
	uint64_t took;
	size_t len;
	int direct;

	direct = start_proxy();
	snprintf(log, sizeof(log), "%s/access.log", srv.dir);
	proxied(v1, strlen(v1), "GET /whoami?v1 HTTP/1.1\r\nHost: x\r\n\r\n", "192.0.2.7");
	assert_log_line(log, "\"GET /whoami?v1 HTTP/1.1\" 200 9", "192.0.2.7 - - [");
	len = proxy_v2(v2, "2001:db8::1");
	proxied(v2, len, "GET /whoami?v2 HTTP/1.1\r\nHost: x\r\n\r\n", "2001:db8::1");
	assert_log_line(log, "\"GET /whoami?v2 HTTP/1.1\" 200 11", "2001:db8::1 - - [");
	len = proxy_v2(v2, NULL);
	proxied(v2, len, "GET /whoami?local HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.1");
	proxied("PROXY UNKNOWN\r\n", 15, "GET /whoami?unknown HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.1");
	/* Over a unix socket, whose clients have no address of their own. */
	snprintf(sock, sizeof(sock), "%s/lb.sock", srv.dir);
	ck_assert_int_eq(itest_connect_unix(&cl, sock), 0);
	itest_sends(&cl, v1);
	itest_sends(&cl, "GET /whoami?unix HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "192.0.2.7");
	itest_close(&cl);
	ck_assert_int_eq(itest_connect_unix(&cl, sock), 0);
	itest_send(&cl, (const char *)v2, proxy_v2(v2, NULL));
	itest_sends(&cl, "GET /whoami?unix-local HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "-");
	itest_close(&cl);
	ck_assert_int_eq(itest_connect_unix(&cl, sock), 0);
	itest_sends(&cl, "GET /whoami?unix-plain HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_uint_lt(closed_silently(&cl, 5000), 2000);
	itest_close(&cl);
	/* The listener without proxy_protocol takes no header: there it is a bad request line. */
	expect_on(direct, "GET /whoami?direct HTTP/1.1\r\nHost: x\r\n\r\n", 200, "127.0.0.1");
	expect_on(direct, "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n\r\n", 400, NULL);

	/* A plain request where the header should be: closed, nothing sent back. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /whoami?plain HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_uint_lt(closed_silently(&cl, 5000), 2000);
	itest_close(&cl);
	/* A header that never completes: closed at request_timeout, counted from its first byte. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "PROXY TCP4 192.0.2.7 ");
	took = closed_silently(&cl, 10000);
	ck_assert_uint_ge(took, 2700);
	itest_close(&cl);
	ck_assert_int_eq(itest_log_count(&srv, "error"), 0);
	itest_stop(&srv, SIGTERM);
	/* The refused ones got no line in the access log (flushed by the stop): they made no request. */
	ck_assert(itest_file_has(log, "/whoami?direct", 0));
	ck_assert(!itest_file_has(log, "plain", 0));
	itest_remove_tree(srv.dir);
}
END_TEST

/* Reloads to proxy_protocol on @PORT@ (true or false), with the direct listener on a new port. */
static void
reload_proxy(const char *on, unsigned gen)
{
	char body[2048], serving[64];

	snprintf(body, sizeof(body), proxy_body, on, itest_free_port());
	itest_write_config(&srv, PROXY_EXTRA, body);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	snprintf(serving, sizeof(serving), "generation %u: serving", gen);
	ck_assert(itest_wait_log(&srv, serving, 20000));
}

/*
 * A proxied keep-alive connection cannot be handed over on a reload (the new worker would not know its
 * address): the old worker answers its next request, still with the header's address, and closes it.
 * proxy_protocol switched off and on again on the same socket applies to the connections accepted after;
 * one accepted without a header is handed over as it is, and asked for none.
 */
START_TEST(test_proxy_reload)
{
	static const char v1[] = "PROXY TCP6 2001:db8::7 2001:db8::1 1000 80\r\n";
	static const char whoami[] = "GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n";
	static struct client plain;

	start_proxy();
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, v1);
	itest_sends(&cl, whoami);
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "2001:db8::7");

	reload_proxy("false", 2);
	/* Once its worker knows it drains: before that it would answer as any other time. */
	ck_assert(itest_wait_log(&srv, "worker g1: info: draining", 20000));
	itest_sends(&cl, whoami);
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "2001:db8::7");
	ck_assert_str_eq(itest_header(&rs, "Connection"), "close");
	ck_assert(itest_closed(&cl, 10000));
	itest_close(&cl);
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 20000));
	/* Generation 2 alone: no header wanted, and one is a bad request line. */
	expect_on(srv.port, whoami, 200, "127.0.0.1");
	expect_on(srv.port, "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n\r\n", 400, NULL);
	ck_assert_int_eq(itest_connect(&plain, srv.port), 0);
	itest_sends(&plain, whoami);
	ck_assert_int_eq(itest_read(&plain, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "127.0.0.1");

	reload_proxy("true", 3);
	ck_assert(itest_wait_log(&srv, "generation 2: ended", 20000));
	/* The connection held from generation 2 came over without a header, and goes on without one. */
	itest_sends(&plain, whoami);
	ck_assert_int_eq(itest_read(&plain, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "127.0.0.1");
	ck_assert_ptr_null(itest_header(&rs, "Connection"));
	itest_close(&plain);
	/* New connections need the header again. */
	proxied(v1, strlen(v1), whoami, "2001:db8::7");
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, whoami);
	ck_assert_uint_lt(closed_silently(&cl, 5000), 2000);
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(srv.dir);
}
END_TEST

/* ---- hostile clients ---- */

/* A 300-byte name, longer than any DNS name: no exact name matches it, a wildcard still may. */
START_TEST(test_hostile_host)
{
	char name[400], want[600], raw[800];

	start_routing();
	memset(name, 'a', 288);
	snprintf(name + 288, sizeof(name) - 288, ".example.org");
	ck_assert_uint_eq(strlen(name), 300);
	expect_host(srv.port, name, "*.example.org");
	/* Upper case and a port: the same. */
	memset(name, 'B', 288);
	snprintf(raw, sizeof(raw), "%s:8080", name);
	expect_host(srv.port, raw, "*.example.org");
	/* Its last 253 bytes end in .a.example.org: the longer wildcard. */
	snprintf(name + 286, sizeof(name) - 286, ".a.example.org");
	expect_host(srv.port, name, "*.a.example.org");
	/* Ending in an exact name is not that name; {host} gives it whole, lowered. */
	memset(name, 'c', 285);
	snprintf(name + 285, sizeof(name) - 285, ".example.com");
	snprintf(want, sizeof(want), "any for %s", name);
	expect_host(srv.port, name, want);
	/* A label of 300 bytes, no dot at all. */
	memset(name, 'd', 300);
	name[300] = '\0';
	snprintf(want, sizeof(want), "any for %s", name);
	expect_host(srv.port, name, want);
	/* An absolute-form target as long. */
	snprintf(raw, sizeof(raw), "GET http://%s.a.example.org/ HTTP/1.1\r\nHost: x\r\n\r\n", name);
	expect_on(srv.port, raw, 200, "*.a.example.org");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* PROXY headers trickled a byte at a time, then the request: read whole, as if they came at once. */
START_TEST(test_hostile_proxy_trickle)
{
	static const char v1[] = "PROXY TCP4 203.0.113.9 198.51.100.1 65535 443\r\n";
	static const char req[] = "GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n";
	unsigned char v2[128];
	size_t len;

	start_proxy();
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	trickle(&cl, v1, strlen(v1));
	trickle(&cl, req, strlen(req));
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body, "203.0.113.9");
	itest_close(&cl);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	len = proxy_v2(v2, "2001:db8::9");
	trickle(&cl, v2, len);
	itest_sends(&cl, req);
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_str_eq(rs.body, "2001:db8::9");
	itest_close(&cl);
	/* Headers longer than any the server takes are refused as soon as that is clear. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	memset(v2, 'x', sizeof(v2));
	memcpy(v2, "PROXY UNKNOWN ", 14);
	itest_send(&cl, (const char *)v2, 110);
	ck_assert_uint_lt(closed_silently(&cl, 5000), 2000);
	itest_close(&cl);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	len = proxy_v2(v2, NULL);
	v2[14] = v2[15] = 0xff;
	itest_send(&cl, (const char *)v2, len);
	ck_assert_uint_lt(closed_silently(&cl, 5000), 2000);
	itest_close(&cl);
	/* A trickled header that goes wrong is refused at its wrong byte, well before the deadline. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	trickle(&cl, "PROXY TCP4 192.0.2.300", 22);
	ck_assert_uint_lt(closed_silently(&cl, 5000), 2000);
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(srv.dir);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("listen", "integration", 120, test_host_routing, test_unix_listener,
	                       test_unix_path_taken, test_reload_listeners, test_reload_unix_kept,
	                       test_proxy_protocol, test_proxy_reload, test_hostile_host,
	                       test_hostile_proxy_trickle);
}
