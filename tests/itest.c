/* SPDX-License-Identifier: ISC */
/* itest.c: start tinyhttpd with a temporary config, speak HTTP to it over real sockets, stop it. */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#endif

#include "itest.h"

const char *itest_seed_routes =
        "{ method = \"GET\";  path = \"/hello\"; text = \"Hello World!\"; },\n"
        "{ method = \"GET\";  path = \"/info\";  params = [ \"name\", \"age\" ];\n"
        "  text = \"hello, I'm {name} and {age} years old.\"; },\n"
        "{ method = \"POST\"; path = \"/form\";  params = [ \"username\", \"password\" ];\n"
        "  text = \"I'm {username} and my password is {password}.\"; },\n"
        "{ method = \"GET\";  path = \"/form\";  file = \"@WWW@/form.html\"; },\n"
        "{ method = \"GET\";  prefix = \"/static/\"; root = \"@WWW@\"; },\n"
        "{ path = \"/\"; redirect = \"/hello\"; status = 302; }\n";

uint64_t
itest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
socket_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

int
itest_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* routes with @WWW@ (the demo pages), @DIR@ (the server's temporary directory) and @PORT@ filled in. */
static void
expand(const struct server *s, char *out, size_t cap, const char *routes)
{
	const char *top = getenv("TOP_SRCDIR"), *p;
	char www[512], port[16];
	size_t len = 0;

	snprintf(www, sizeof(www), "%s/www", top ? top : ".");
	snprintf(port, sizeof(port), "%d", s->port);
	while ((p = strchr(routes, '@')) != NULL) {
		const char *with = strncmp(p, "@WWW@", 5) == 0    ? www
		                   : strncmp(p, "@DIR@", 5) == 0  ? s->dir
		                   : strncmp(p, "@PORT@", 6) == 0 ? port
		                                                  : NULL;

		len += (size_t)snprintf(out + len, cap - len, "%.*s%s", (int)(p - routes), routes,
		                        with ? with : "@");
		ck_assert_uint_lt(len, cap);
		routes = p + (with == NULL ? 1 : with == port ? 6 : 5);
	}
	snprintf(out + len, cap - len, "%s", routes);
}

void
itest_write_config(struct server *s, const char *server_extra, const char *routes)
{
	char expanded[8192], tmp[320];
	FILE *f;

	expand(s, expanded, sizeof(expanded), routes);
	/* Write then rename, so a reload never reads a half-written file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->conf);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	if (server_extra == NULL)
		server_extra = "";
	/* Loopback, two workers and no access log unless the test says otherwise. */
	if (strncmp(expanded, "listen", 6) == 0)
		/* The test's own listeners and hosts; @PORT@ is the one to wait for. */
		fprintf(f, "server = {\n  %s\n  %s\n  %s\n};\n%s\n",
		        strstr(server_extra, "access_log") ? "" : "access_log = \"\";",
		        strstr(server_extra, "workers") ? "" : "workers = 2;", server_extra, expanded);
	else
		fprintf(f, "server = {\n  %s\n  port = %d;\n  %s\n  %s\n  %s\n};\nroutes = (\n%s);\n",
		        strstr(server_extra, "address") ? "" : "address = \"127.0.0.1\";", s->port,
		        strstr(server_extra, "access_log") ? "" : "access_log = \"\";",
		        strstr(server_extra, "workers") ? "" : "workers = 2;", server_extra, expanded);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, s->conf), 0);
}

bool
itest_answers(int port)
{
	struct client *c = malloc(sizeof(*c));
	bool ok;

	ck_assert_ptr_nonnull(c);
	ok = itest_connect(c, port) == 0;
	if (ok)
		itest_close(c);
	free(c);
	return ok;
}

/*
 * Starts the server; nofile > 0 sets its RLIMIT_NOFILE (soft and hard) in the child before the exec. port > 0
 * is the port to start on, tried once; 0 picks a free one, another if that was taken meanwhile.
 */
static void
start(struct server *s, const char *server_extra, const char *routes, rlim_t nofile, int port)
{
	const char *bin = getenv("TINYHTTPD");
	uint64_t deadline;
	int attempt, status;

	snprintf(s->dir, sizeof(s->dir), "/tmp/tinyhttpd-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->conf, sizeof(s->conf), "%s/test.conf", s->dir);
	snprintf(s->log, sizeof(s->log), "%s/stderr.log", s->dir);
	/* Another test may take the free port first: then try another. */
	for (attempt = 0; attempt < (port > 0 ? 1 : 5); attempt++) {
		s->port = s->activate ? socket_port(s->listen_fd) : port > 0 ? port : itest_free_port();
		itest_write_config(s, server_extra, routes);
		s->pid = fork();
		ck_assert_int_ge(s->pid, 0);
		if (s->pid == 0) {
			FILE *log = freopen(s->log, "a", stderr);

			/* A test that fails midway must not leave a server behind: it dies with the test. */
			if (log == NULL || prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
				_exit(127);
			/* The stop signals at their defaults, as a service manager starts it: a test run as a
			 * shell's background job would otherwise hand down SIGINT and SIGQUIT ignored. */
			if (signal(SIGINT, SIG_DFL) == SIG_ERR || signal(SIGQUIT, SIG_DFL) == SIG_ERR)
				_exit(127);
			/* Both limits: the master raises its soft limit to the hard one. */
			if (nofile > 0 && setrlimit(RLIMIT_NOFILE, &(struct rlimit){ nofile, nofile }) == -1)
				_exit(127);
			if (s->notify_socket[0] != '\0')
				setenv("NOTIFY_SOCKET", s->notify_socket, 1);
			if (s->activate) {
				char pid[24];

				/* What systemd does: the socket as fd 3, and this pid, which exec keeps. */
				snprintf(pid, sizeof(pid), "%ld", (long)getpid());
				if (dup2(s->listen_fd, 3) == -1)
					_exit(127);
				setenv("LISTEN_FDS", "1", 1);
				setenv("LISTEN_PID", pid, 1);
			}
			if (s->before_exec != NULL)
				s->before_exec();
			execl(bin ? bin : "src/tinyhttpd", "tinyhttpd", "-c", s->conf, (char *)NULL);
			_exit(127);
		}
		/* Connecting works once the master listens; serving starts when every worker is ready. */
		deadline = itest_now() + 15000;
		while (itest_now() < deadline) {
			if (itest_wait_log(s, "generation 1: serving", 0) && itest_answers(s->port))
				return;
			if (waitpid(s->pid, &status, WNOHANG) == s->pid)
				break;
			usleep(10000);
		}
		if (!itest_wait_log(s, "cannot bind", 0))
			break;
	}
	ck_abort_msg("tinyhttpd did not start; see %s", s->log);
}

void
itest_start(struct server *s, const char *server_extra, const char *routes)
{
	start(s, server_extra, routes, 0, 0);
}

void
itest_restart(struct server *s, const char *server_extra, const char *routes)
{
	ck_assert_int_gt(s->port, 0);
	start(s, server_extra, routes, 0, s->port);
}

void
itest_start_limited(struct server *s, const char *server_extra, const char *routes, rlim_t nofile)
{
	ck_assert_uint_gt(nofile, 0);
	start(s, server_extra, routes, nofile, 0);
}

/* Children of master in /proc: the zombies among them, or the others. */
static size_t
children(pid_t master, bool zombie, pid_t *pids, size_t max)
{
	char path[300], stat[512], *p;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir("/proc");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL && n < max) {
		FILE *f;
		long ppid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(stat, sizeof(stat), f) != NULL && (p = strrchr(stat, ')')) != NULL &&
		    sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == master && (p[2] == 'Z') == zombie)
			pids[n++] = (pid_t)atol(de->d_name);
		fclose(f);
	}
	closedir(d);
	return n;
}

size_t
itest_workers(pid_t master, pid_t *pids, size_t max)
{
	return children(master, false, pids, max);
}

size_t
itest_zombies(pid_t master)
{
	pid_t pids[256];

	return children(master, true, pids, 256);
}

int
itest_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* itest_stop, and itest_stop_twice when second is not 0. */
static void
stop(struct server *s, int sig, int second)
{
	pid_t workers[256];
	size_t n, i;
	uint64_t deadline;
	bool stopped;
	int status = 0;
	pid_t r = 0;

	n = itest_workers(s->pid, workers, 256);
	ck_assert_int_eq(kill(s->pid, sig), 0);
	if (second != 0) {
		/* Looked for every ms, not every 20 as itest_wait_log does: the master is about to exit. */
		deadline = itest_now() + 20000;
		while (!(stopped = itest_wait_log(s, "master: info: stopped", 0)) && itest_now() < deadline)
			usleep(1000);
		ck_assert_msg(stopped, "no stop; see %s", s->log);
		/* Not reaped yet, so the pid is still the master's even if it has exited. */
		ck_assert_int_eq(kill(s->pid, second), 0);
	}
	deadline = itest_now() + 20000;
	while (itest_now() < deadline && (r = waitpid(s->pid, &status, WNOHANG)) == 0)
		usleep(10000);
	if (r == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		ck_abort_msg("master %ld did not stop on signal %d", (long)s->pid, sig);
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "master exit status 0x%x", status);
	/* Workers die with the master or soon after (they are reparented, not ours to reap). */
	for (i = 0; i < n; i++) {
		deadline = itest_now() + 5000;
		while (kill(workers[i], 0) == 0 && itest_now() < deadline)
			usleep(10000);
		ck_assert_msg(kill(workers[i], 0) == -1 && errno == ESRCH, "worker %ld outlived the master",
		              (long)workers[i]);
	}
	/* A sanitizer or valgrind report in the master or a worker fails the test that provoked it. */
	ck_assert_msg(!itest_wait_log(s, "Sanitizer", 0) && !itest_wait_log(s, "runtime error", 0) &&
	                      !itest_wait_log(s, "VALGRIND-ERROR", 0),
	              "sanitizer or valgrind report in %s", s->log);
	/* Kept on failure, for the post-mortem; removed when all went well. */
	unlink(s->log);
	unlink(s->conf);
	rmdir(s->dir);
}

void
itest_stop(struct server *s, int sig)
{
	stop(s, sig, 0);
}

void
itest_stop_twice(struct server *s, int first, int second)
{
	stop(s, first, second);
}

bool
itest_wait_log(const struct server *s, const char *needle, int timeout_ms)
{
	return itest_file_has(s->log, needle, timeout_ms);
}

size_t
itest_log_count(const struct server *s, const char *needle)
{
	static char text[1 << 20];
	FILE *f = fopen(s->log, "r");
	size_t n = 0, count = 0;
	const char *p;

	if (f != NULL) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	for (p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		count++;
	return count;
}

bool
itest_file_has(const char *path, const char *needle, int timeout_ms)
{
	uint64_t deadline = itest_now() + (uint64_t)timeout_ms;
	static char text[1 << 20];

	do {
		FILE *f = fopen(path, "r");
		size_t n = 0;

		if (f != NULL) {
			n = fread(text, 1, sizeof(text) - 1, f);
			fclose(f);
		}
		text[n] = '\0';
		if (strstr(text, needle) != NULL)
			return true;
		if (timeout_ms > 0)
			usleep(20000);
	} while (itest_now() < deadline);
	return false;
}

/* Connects c to sa, from the IPv4 address source unless it is NULL. Returns 0, or -1 when refused. */
static int
connect_to(struct client *c, const struct sockaddr *sa, socklen_t len, const char *source)
{
	c->len = 0;
	c->head_request = false;
	c->ssl = NULL;
	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(c->fd, 0);
	if (source != NULL) {
		struct sockaddr_in from = { .sin_family = AF_INET };
		int one = 1;

		ck_assert_int_eq(inet_pton(AF_INET, source, &from.sin_addr), 1);
		/* The port is still picked at connect, for the address pair, as for an unbound socket. */
		if (setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) == -1 ||
		    bind(c->fd, (struct sockaddr *)&from, sizeof(from)) == -1)
			ck_abort_msg("bind to %s: %s", source, strerror(errno));
	}
	if (connect(c->fd, sa, len) == -1) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

int
itest_connect_unix(struct client *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	return connect_to(c, (struct sockaddr *)&sun, sizeof(sun), NULL);
}

int
itest_connect_family(struct client *c, int family, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_port = htons((uint16_t)port),
		                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
		                     .sin6_port = htons((uint16_t)port),
		                     .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	if (family == AF_INET6)
		return connect_to(c, (struct sockaddr *)&sin6, sizeof(sin6), NULL);
	return connect_to(c, (struct sockaddr *)&sin, sizeof(sin), NULL);
}

int
itest_connect_from(struct client *c, const char *source, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_port = htons((uint16_t)port),
		                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return connect_to(c, (struct sockaddr *)&sin, sizeof(sin), source);
}

int
itest_connect(struct client *c, int port)
{
	return itest_connect_family(c, AF_INET, port);
}

int
itest_connect_nonblock(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_port = htons((uint16_t)port),
		                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 && errno != EINPROGRESS)
		ck_abort_msg("connect to port %d: %s", port, strerror(errno));
	return fd;
}

long
itest_proc_status(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			value = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return value;
}

long
itest_cpu_ms(pid_t pid)
{
	char path[64], stat[1024], *p;
	unsigned long utime, stime;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* Fields 14 and 15, counted after the command name, which may hold spaces and parentheses. */
	if ((p = strrchr(stat, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
		return -1;
	return (long)((utime + stime) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

char itest_tls_error[256];

#ifdef HAVE_OPENSSL
static SSL_CTX *client_ctx;
static int tls_min, tls_max;
static unsigned char alpn[64];
static size_t alpn_len;
static const char *sigalgs;

void
itest_make_cert(const char *dir, const char *name, const char *cn, long serial, const char *type, int days)
{
	char cmd[1536];

	snprintf(cmd, sizeof(cmd),
	         "openssl req -x509 -newkey %s -nodes -keyout '%s/%s.key' -out '%s/%s.crt' -days %d "
	         "-set_serial %ld -subj '/CN=%s' -addext 'subjectAltName=DNS:%s' 2>/dev/null",
	         strcmp(type, "rsa") == 0 ? "rsa:2048" : "ec -pkeyopt ec_paramgen_curve:P-256", dir, name,
	         dir, name, days, serial, cn, cn);
	ck_assert_msg(system(cmd) == 0, "openssl req failed: %s", cmd);
}

void
itest_tls_versions(int min, int max)
{
	tls_min = min;
	tls_max = max;
}

void
itest_tls_alpn(const unsigned char *list, size_t len)
{
	ck_assert_uint_le(len, sizeof(alpn));
	if (list != NULL)
		memcpy(alpn, list, len);
	alpn_len = list != NULL ? len : 0;
}

void
itest_tls_sigalgs(const char *list)
{
	sigalgs = list;
}

int
itest_tls(struct client *c, const char *sni, void *session)
{
	struct timeval tv = { .tv_sec = 10 };
	SSL *ssl;

	itest_tls_error[0] = '\0';
	if (client_ctx == NULL) {
		ck_assert_ptr_nonnull(client_ctx = SSL_CTX_new(TLS_client_method()));
		SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_CLIENT);
	}
	/* Old versions are refused by OpenSSL's own client at its default security level: lower it, so
	 * that a refusal of TLS 1.0 and 1.1 is the server's. */
	SSL_CTX_set_security_level(client_ctx, tls_min != 0 && tls_min < TLS1_2_VERSION ? 0 : 1);
	if (tls_min != 0 && tls_min < TLS1_2_VERSION)
		SSL_CTX_set_cipher_list(client_ctx, "DEFAULT:@SECLEVEL=0");
	SSL_CTX_set_min_proto_version(client_ctx, tls_min);
	SSL_CTX_set_max_proto_version(client_ctx, tls_max);
	/* A server that stops answering fails the test instead of hanging it. */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ck_assert_ptr_nonnull(ssl = SSL_new(client_ctx));
	SSL_set_fd(ssl, c->fd);
	if (sni != NULL)
		SSL_set_tlsext_host_name(ssl, sni);
	if (alpn_len > 0)
		SSL_set_alpn_protos(ssl, alpn, (unsigned)alpn_len);
	if (sigalgs != NULL)
		ck_assert_int_eq(SSL_set1_sigalgs_list(ssl, sigalgs), 1);
	if (session != NULL)
		SSL_set_session(ssl, session);
	if (SSL_connect(ssl) != 1) {
		ERR_error_string_n(ERR_get_error(), itest_tls_error, sizeof(itest_tls_error));
		ERR_clear_error();
		SSL_free(ssl);
		return -1;
	}
	c->ssl = ssl;
	return 0;
}

void *
itest_tls_session(struct client *c)
{
	return SSL_get1_session(c->ssl);
}

void
itest_tls_session_free(void *session)
{
	SSL_SESSION_free(session);
}

bool
itest_tls_resumed(const struct client *c)
{
	return SSL_session_reused(c->ssl) == 1;
}

long
itest_tls_serial(const struct client *c)
{
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	long serial;

	ck_assert_ptr_nonnull(x);
	serial = ASN1_INTEGER_get(X509_get0_serialNumber(x));
	X509_free(x);
	return serial;
}

const char *
itest_tls_protocol(const struct client *c)
{
	return SSL_get_version(c->ssl);
}

const char *
itest_tls_alpn_chosen(const struct client *c)
{
	static char chosen[64];
	const unsigned char *p;
	unsigned len;

	SSL_get0_alpn_selected(c->ssl, &p, &len);
	snprintf(chosen, sizeof(chosen), "%.*s", (int)len, p != NULL ? (const char *)p : "");
	return chosen;
}

static ssize_t
tls_write(struct client *c, const void *data, size_t len)
{
	size_t n;

	if (SSL_write_ex(c->ssl, data, len, &n) != 1) {
		ERR_clear_error();
		return -1;
	}
	return (ssize_t)n;
}

static bool
tls_pending(struct client *c)
{
	return SSL_pending(c->ssl) > 0;
}

/* Bytes, 0 at the end (close_notify or EOF), -1. */
static ssize_t
tls_read(struct client *c, void *buf, size_t len)
{
	size_t n;
	int ret = SSL_read_ex(c->ssl, buf, len, &n), err;

	if (ret == 1)
		return (ssize_t)n;
	err = SSL_get_error(c->ssl, ret);
	ERR_clear_error();
	return err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0) ? 0 : -1;
}

static void
tls_free(struct client *c)
{
	/* Closed as if cleanly, so its session stays resumable (a session freed otherwise is dropped). */
	if (c->ssl != NULL)
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c->ssl);
	c->ssl = NULL;
}

#else
/* Without OpenSSL no test asks for TLS (it checks tls_available first); these keep the tests linkable. */
#define NO_TLS() ck_abort_msg("this build has no OpenSSL: the test should have been skipped")

void
itest_make_cert(const char *dir, const char *name, const char *cn, long serial, const char *type, int days)
{
	NO_TLS();
}

void
itest_tls_versions(int min, int max)
{
	NO_TLS();
}

void
itest_tls_sigalgs(const char *list)
{
	NO_TLS();
}

void
itest_tls_alpn(const unsigned char *list, size_t len)
{
	NO_TLS();
}

int
itest_tls(struct client *c, const char *sni, void *session)
{
	NO_TLS();
	return -1;
}

void *
itest_tls_session(struct client *c)
{
	NO_TLS();
	return NULL;
}

void
itest_tls_session_free(void *session)
{
}

bool
itest_tls_resumed(const struct client *c)
{
	NO_TLS();
	return false;
}

long
itest_tls_serial(const struct client *c)
{
	NO_TLS();
	return 0;
}

const char *
itest_tls_protocol(const struct client *c)
{
	NO_TLS();
	return "";
}

const char *
itest_tls_alpn_chosen(const struct client *c)
{
	NO_TLS();
	return "";
}

static ssize_t
tls_write(struct client *c, const void *data, size_t len)
{
	return -1;
}

static bool
tls_pending(struct client *c)
{
	return false;
}

static ssize_t
tls_read(struct client *c, void *buf, size_t len)
{
	return -1;
}

static void
tls_free(struct client *c)
{
	c->ssl = NULL;
}
#endif

int
itest_try_send(struct client *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = c->ssl != NULL ? tls_write(c, data, len) : send(c->fd, data, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

void
itest_send(struct client *c, const char *data, size_t len)
{
	ck_assert_msg(itest_try_send(c, data, len) == 0, "send: %s", strerror(errno));
}

void
itest_sends(struct client *c, const char *s)
{
	itest_send(c, s, strlen(s));
}

/* Reads more into c->buf, waiting at most until deadline. Returns bytes read, 0 at EOF, -1. */
static ssize_t
fill(struct client *c, uint64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint64_t now = itest_now();
	ssize_t n;

	if (c->ssl != NULL && tls_pending(c))
		pfd.revents = POLLIN;
	else if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) != 1)
		return -1;
	n = c->ssl != NULL ? tls_read(c, c->buf + c->len, sizeof(c->buf) - c->len)
	                   : recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n > 0)
		c->len += (size_t)n;
	return n;
}

static const char *
find_header(const char *head, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *p = head;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			*len = strcspn(p, "\r");
			return p;
		}
	}
	return NULL;
}

const char *
itest_header(const struct resp *r, const char *name)
{
	static char value[1024];
	const char *p;
	size_t len;

	if ((p = find_header(r->head, name, &len)) == NULL)
		return NULL;
	snprintf(value, sizeof(value), "%.*s", (int)len, p);
	return value;
}

int
itest_read(struct client *c, struct resp *r, int timeout_ms)
{
	uint64_t deadline = itest_now() + (uint64_t)timeout_ms;
	char *end;
	size_t head_len, body_len = 0;
	const char *cl;

	for (;;) {
		c->buf[c->len] = '\0';
		if (c->len && (end = strstr(c->buf, "\r\n\r\n")) != NULL)
			break;
		if (c->len + 1 >= sizeof(c->buf) || fill(c, deadline) <= 0)
			return -1;
	}
	head_len = (size_t)(end - c->buf) + 4;
	if (head_len >= sizeof(r->head))
		return -1;
	memcpy(r->head, c->buf, head_len);
	r->head[head_len] = '\0';
	if (sscanf(r->head, "HTTP/1.1 %d ", &r->status) != 1)
		return -1;
	cl = itest_header(r, "Content-Length");
	/* 1xx answers and answers to HEAD have no body, whatever Content-Length says. */
	if (cl != NULL && r->status >= 200 && !c->head_request)
		body_len = strtoul(cl, NULL, 10);
	while (c->len < head_len + body_len)
		if (c->len + 1 >= sizeof(c->buf) || fill(c, deadline) <= 0)
			return -1;
	if (body_len >= sizeof(r->body))
		return -1;
	memcpy(r->body, c->buf + head_len, body_len);
	r->body[body_len] = '\0';
	r->body_len = body_len;
	memmove(c->buf, c->buf + head_len + body_len, c->len - head_len - body_len);
	c->len -= head_len + body_len;
	return 0;
}

bool
itest_closed(struct client *c, int timeout_ms)
{
	uint64_t deadline = itest_now() + (uint64_t)timeout_ms;
	ssize_t n;

	c->len = 0;
	while ((n = fill(c, deadline)) > 0)
		c->len = 0;
	return n == 0 || (n == -1 && itest_now() < deadline);
}

int
itest_notify_open(struct server *s, char *dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, on = 1;

	snprintf(dir, 64, "/tmp/tinyhttpd-notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", dir);
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	snprintf(s->notify_socket, sizeof(s->notify_socket), "%s", sun.sun_path);
	return fd;
}

void
itest_expect_state(int fd, int timeout_ms, const char *state, const char *status, pid_t pid)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	char msg[1024];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov,
		             .msg_iovlen = 1,
		             .msg_control = control.buf,
		             .msg_controllen = sizeof(control.buf) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;
	struct ucred cred = { 0 };
	ssize_t n;

	ck_assert_msg(poll(&pfd, 1, timeout_ms) == 1, "no sd_notify message within %d ms", timeout_ms);
	ck_assert_int_gt(n = recvmsg(fd, &mh, 0), 0);
	msg[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
	ck_assert_msg(strncmp(msg, state, strlen(state)) == 0, "got \"%s\", want %s first", msg, state);
	if (status != NULL)
		ck_assert_msg(strstr(msg, status) != NULL, "got \"%s\", want \"%s\" in it", msg, status);
	ck_assert_int_eq(cred.pid, pid);
}

void
itest_notify_close(struct server *s, int fd, const char *dir)
{
	s->notify_socket[0] = '\0';
	close(fd);
	itest_remove_tree(dir);
}

void
itest_wait_generations_ended(const struct server *s, int timeout_ms)
{
	uint64_t deadline = itest_now() + (uint64_t)timeout_ms;

	while (itest_log_count(s, ": ended") + 1 < itest_log_count(s, ": starting") && itest_now() < deadline)
		usleep(20000);
	ck_assert_uint_eq(itest_log_count(s, ": ended") + 1, itest_log_count(s, ": starting"));
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
itest_remove_tree(const char *path)
{
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == -1)
		ck_assert_msg(errno == ENOENT, "cannot remove %s: %s", path, strerror(errno));
}

void
itest_close(struct client *c)
{
	tls_free(c);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

const char *
itest_form(const char *path, const char *body)
{
	static char raw[8192];

	snprintf(raw, sizeof(raw),
	         "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	         "Content-Length: %zu\r\n\r\n%s",
	         path, strlen(body), body);
	return raw;
}

/* One request on a new connection, over TLS with SNI sni unless tls is false. */
static int
request(int port, bool tls, const char *sni, const char *raw, struct resp *r)
{
	static struct client c;
	int rc;

	if (itest_connect(&c, port) == -1)
		return -1;
	if (tls && itest_tls(&c, sni, NULL) == -1) {
		itest_close(&c);
		return -1;
	}
	itest_sends(&c, raw);
	rc = itest_read(&c, r, 10000);
	itest_close(&c);
	return rc;
}

int
itest_request(int port, const char *raw, struct resp *r)
{
	return request(port, false, NULL, raw, r);
}

int
itest_tls_request(int port, const char *sni, const char *raw, struct resp *r)
{
	return request(port, true, sni, raw, r);
}

/* A load client's count, in the memory it shares with the test. */
struct load_client {
	pid_t pid;
	long ok;
	long failed;
	char why[200]; /* the first failure */
};

struct itest_loads {
	volatile int stop;
	int n;
	struct load_client client[];
};

static size_t
loads_size(int n)
{
	return sizeof(struct itest_loads) + (size_t)n * sizeof(struct load_client);
}

static void load_lost(struct load_client *lc, const struct itest_load *load, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Counts a lost request; the first one's reason is kept, with what the test was doing then. */
static void
load_lost(struct load_client *lc, const struct itest_load *load, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (lc->failed++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(lc->why, sizeof(lc->why), "%s%s%s", why, load->when != NULL ? " " : "",
	         load->when != NULL ? load->when() : "");
}

/* Connects c as load says. Returns 0, or -1 with the request counted as lost. */
static int
load_connect(struct client *c, struct load_client *lc, const struct itest_load *load)
{
	int port = *load->port, rc;

	rc = load->source != NULL ? itest_connect_from(c, load->source, port) : itest_connect(c, port);
	if (rc == -1) {
		load_lost(lc, load, "connect to port %d failed: %s", port, strerror(errno));
		return -1;
	}
	if (load->sni != NULL && itest_tls(c, load->sni, NULL) == -1) {
		load_lost(lc, load, "TLS handshake failed: %s", itest_tls_error);
		itest_close(c);
		return -1;
	}
	return 0;
}

/* Client id of l: requests until the test stops it or its run_ms are over; exits 0. */
static void
load_client(struct itest_loads *l, const struct itest_load *load, int id, pid_t test)
{
	static struct client c;
	static struct resp r;
	struct load_client *lc = &l->client[id];
	bool keepalive = id % 2 == 0;
	uint64_t deadline = load->run_ms > 0 ? itest_now() + (uint64_t)load->run_ms : UINT64_MAX;
	const char *conn;
	char req[512];
	int len;

	/* A test that fails midway must not leave clients behind; one that is gone already, neither. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != test)
		_exit(1);
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", load->path, load->host,
	               keepalive ? "" : "Connection: close\r\n");
	if (len < 0 || (size_t)len >= sizeof(req))
		_exit(1);
	c.fd = -1;
	while (!l->stop && itest_now() < deadline) {
		if (c.fd == -1 && load_connect(&c, lc, load) == -1)
			continue;
		if (itest_try_send(&c, req, (size_t)len) == -1) {
			load_lost(lc, load, "send failed");
			itest_close(&c);
			continue;
		}
		if (itest_read(&c, &r, load->read_ms) == -1) {
			load_lost(lc, load, "no answer: reset, closed, timed out or garbled");
			itest_close(&c);
			continue;
		}
		if (load->answer_ok(&r))
			lc->ok++;
		else
			load_lost(lc, load, "wrong answer: %d \"%.*s\"", r.status,
			          (int)strcspn(r.body, "\r\n"), r.body);
		/* Only the server's word closes a keep-alive connection. */
		conn = itest_header(&r, "Connection");
		if (!keepalive || (conn != NULL && strcmp(conn, "close") == 0))
			itest_close(&c);
	}
	itest_close(&c);
	_exit(0);
}

struct itest_loads *
itest_load_start(const struct itest_load *load, int clients)
{
	struct itest_loads *l;
	pid_t test = getpid();
	int i;

	ck_assert_int_gt(clients, 0);
	l = mmap(NULL, loads_size(clients), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(l, MAP_FAILED);
	l->n = clients;
	for (i = 0; i < clients; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			load_client(l, load, i, test);
		l->client[i].pid = pid;
	}
	return l;
}

long
itest_load_answered(const struct itest_loads *l)
{
	long n = 0;
	int i;

	for (i = 0; i < l->n; i++)
		n += l->client[i].ok;
	return n;
}

long
itest_load_finish(struct itest_loads *l, const char *what)
{
	long answered, failed = 0;
	int i, status, first = -1;

	l->stop = 1;
	for (i = 0; i < l->n; i++) {
		ck_assert_int_eq(waitpid(l->client[i].pid, &status, 0), l->client[i].pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "client %d: %s %d", i,
		              WIFSIGNALED(status) ? "killed by signal" : "exit status",
		              WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	answered = itest_load_answered(l);
	for (i = 0; i < l->n; i++)
		failed += l->client[i].failed;
	fprintf(stderr, "%s, %d clients (%d keep-alive): %ld requests, %ld answered, %ld failed\n", what,
	        l->n, (l->n + 1) / 2, answered + failed, answered, failed);
	for (i = 0; i < l->n; i++) {
		const struct load_client *lc = &l->client[i];

		if (lc->failed == 0)
			continue;
		fprintf(stderr, "  client %d (%s): %ld of %ld failed, first: %s\n", i,
		        i % 2 ? "new connections" : "keep-alive", lc->failed, lc->failed + lc->ok, lc->why);
		if (first == -1)
			first = i;
	}
	if (first != -1)
		ck_abort_msg("%ld of %ld requests failed; client %d's first: %s (every client's first above)",
		             failed, answered + failed, first, l->client[first].why);
	for (i = 0; i < l->n; i++)
		ck_assert_msg(l->client[i].ok > 0, "client %d got no answer at all", i);
	ck_assert_int_eq(munmap(l, loads_size(l->n)), 0);
	return answered;
}
