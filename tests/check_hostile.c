/* SPDX-License-Identifier: ISC */
/* check_hostile.c: integration tests: tinyhttpd against malformed, slow, greedy and vanishing clients. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

#define HELLO_REQ "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"

static struct server srv;
static struct client cl;
static struct resp rs;

/* ---- helpers ---- */

/* The master's only worker (the test configured workers = 1). */
static pid_t
only_worker(void)
{
	pid_t pids[8];

	ck_assert_uint_eq(itest_workers(srv.pid, pids, 8), 1);
	return pids[0];
}

/* Every worker seen at the start is still there, none was replaced, and the master logged no death. */
static void
assert_workers_alive(const pid_t *before, size_t n)
{
	pid_t now[64];
	size_t m, i, j;

	m = itest_workers(srv.pid, now, 64);
	ck_assert_uint_eq(m, n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && now[j] != before[i]; j++)
			;
		ck_assert_msg(j < m, "worker %ld is gone", (long)before[i]);
	}
	ck_assert_msg(!itest_wait_log(&srv, "killed by signal", 0), "a worker was killed; see %s", srv.log);
	ck_assert_msg(!itest_wait_log(&srv, "exited with status", 0), "a worker exited; see %s", srv.log);
}

/* One GET /hello on a new connection, which must be answered; returns how long it took in ms. */
static uint64_t
hello_ms(void)
{
	uint64_t start = itest_now();

	ck_assert_msg(itest_request(srv.port, HELLO_REQ, &rs) == 0, "a normal client was not answered");
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body, "Hello World!");
	return itest_now() - start;
}

/* Appends opt to environment variable name (options separated by sep); returns the old value to restore. */
static char *
env_append(const char *name, const char *sep, const char *opt)
{
	const char *old = getenv(name);
	char *saved = old != NULL ? strdup(old) : NULL;
	char value[1024];

	snprintf(value, sizeof(value), "%s%s%s", old != NULL ? old : "",
	         old != NULL && old[0] != '\0' ? sep : "", opt);
	ck_assert_int_eq(setenv(name, value, 1), 0);
	return saved;
}

static void
env_restore(const char *name, char *saved)
{
	if (saved != NULL)
		setenv(name, saved, 1);
	else
		unsetenv(name);
	free(saved);
}

/*
 * ASan keeps freed memory in a quarantine (256 MB by default) and memcheck in a queue of freed blocks
 * (20 MB), so a checked worker's RSS grows with what it frees until those are full: it would measure the
 * checker, not the server. Servers whose memory is measured get small ones (environment only: nothing
 * changes for a server run without either).
 */
static void
start_measured(const char *server_extra, const char *routes)
{
	char *asan = env_append("ASAN_OPTIONS", ":", "quarantine_size_mb=1");
	char *vg = env_append("VALGRIND_OPTS", " ", "--freelist-vol=1000000");

	itest_start(&srv, server_extra, routes);
	env_restore("ASAN_OPTIONS", asan);
	env_restore("VALGRIND_OPTS", vg);
}

/* Whether pid runs under valgrind (tests/valgrind-server), which changes what accept does at EMFILE. */
static bool
under_valgrind(pid_t pid)
{
	char path[64], exe[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(path, exe, sizeof(exe) - 1)) <= 0)
		return false;
	exe[n] = '\0';
	return strstr(exe, "valgrind") != NULL || strstr(exe, "memcheck") != NULL;
}

/* Sum of the descriptors the workers hold. */
static int
worker_fds(const pid_t *pids, size_t n)
{
	int sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += itest_fd_count(pids[i]);
	return sum;
}

/* The same once it has stopped changing: a worker may still be closing a connection a client closed. */
static int
settled_fds(const pid_t *pids, size_t n)
{
	uint64_t deadline = itest_now() + 5000;
	int last = worker_fds(pids, n), now, same = 0;

	while (same < 10 && itest_now() < deadline) {
		usleep(20000);
		now = worker_fds(pids, n);
		same = now == last ? same + 1 : 0;
		last = now;
	}
	ck_assert_msg(same >= 10, "the workers' descriptors did not settle");
	return last;
}

/* Waits (bounded) until a non-blocking connect completes; fails the test if it does not. */
static void
wait_connected(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	ck_assert_msg(err == 0, "connect: %s", strerror(err));
}

/* A connected non-blocking socket with a small receive buffer: a client that reads nothing stalls soon. */
static int
connect_small_rcvbuf(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		                   .sin_port = htons((uint16_t)port),
		                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd, size = 8192;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	/* Before connect, so the window the client announces is small from the start. */
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)), 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		ck_assert_int_eq(errno, EINPROGRESS);
	wait_connected(fd);
	return fd;
}

/* Reads until EOF or a reset, at most timeout_ms. Returns the bytes read, or -1 if the end did not come. */
static long
read_to_end(int fd, int timeout_ms, char *first, size_t first_cap)
{
	uint64_t deadline = itest_now() + (uint64_t)timeout_ms;
	static char sink[65536];
	long total = 0;
	ssize_t n;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = itest_now();

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) != 1)
			return -1;
		n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return total;
		if (n == -1) {
			ck_assert_msg(errno == EAGAIN || errno == EINTR, "recv: %s", strerror(errno));
			continue;
		}
		if (first != NULL && (size_t)total < first_cap)
			memcpy(first + total, sink,
			       (size_t)n < first_cap - (size_t)total ? (size_t)n : first_cap - (size_t)total);
		total += n;
	}
}

/* Closes with a reset instead of a FIN: the peer's next write fails at once. */
static void
close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(fd);
}

/* A temporary root with a 1 MiB file f.bin, and routes for /hello and /big/ under it. */
static char big_root[64];
static char big_routes[512];

static void
big_file_setup(void)
{
	static char block[65536];
	char path[128];
	FILE *f;
	int i;

	snprintf(big_root, sizeof(big_root), "/tmp/tinyhttpd-big.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(big_root));
	/* Readable by any user the workers may run as. */
	ck_assert_int_eq(chmod(big_root, 0755), 0);
	snprintf(path, sizeof(path), "%s/f.bin", big_root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memset(block, 'b', sizeof(block));
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(fwrite(block, 1, sizeof(block), f), sizeof(block));
	ck_assert_int_eq(fclose(f), 0);
	snprintf(big_routes, sizeof(big_routes),
	         "{ path = \"/hello\"; text = \"Hello World!\"; },\n"
	         "{ prefix = \"/big/\"; root = \"%s\"; }\n",
	         big_root);
}

static void
big_file_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/f.bin", big_root);
	unlink(path);
	rmdir(big_root);
}

#define BIG_REQ  "GET /big/f.bin HTTP/1.1\r\nHost: x\r\n\r\n"
#define BIG_SIZE (1 << 20)

/* ---- malformed requests ---- */

enum {
	KEEPS = 1, /* well framed, only refused: answered without closing, the next request still works */
};

struct bad_case {
	const char *raw;
	size_t len;
	int status;
	int flags;
};

/* clang-format off */
#define BAD(raw, status)       { raw, sizeof(raw) - 1, status, 0 }
#define BAD_KEEPS(raw, status) { raw, sizeof(raw) - 1, status, KEEPS }
/* clang-format on */
#define H       "Host: x\r\n"
#define CHUNKED "POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

/*
 * Markers replaced when a case is sent (the default max_header_size is 8192): @LONG@ is 9000 'a's,
 * @101HDRS@ 100 header lines (with Host, 101: one more than the parser takes), @FAT@ 60 lines of 150 bytes
 * (few headers, too many bytes), @CRLFS@ 5000 empty lines, @EXT@ 5000 bytes of chunk extension.
 */
static const struct bad_case bad_cases[] = {
	/* The request line. */
	BAD("GET\r\n" H "\r\n", 400),                                 /* no target */
	BAD(" GET /hello HTTP/1.1\r\n" H "\r\n", 400),                /* leading space */
	BAD("GET\t/hello HTTP/1.1\r\n" H "\r\n", 400),                /* tab, not SP */
	BAD("GET /hello\r\n" H "\r\n", 400),                          /* HTTP/0.9 shape */
	BAD("GE(T /hello HTTP/1.1\r\n" H "\r\n", 400),                /* delimiter in the method */
	BAD("GET /hello  HTTP/1.1\r\n" H "\r\n", 400),                /* two spaces */
	BAD("GET /hello Http/1.1\r\n" H "\r\n", 400),                 /* version is case-sensitive */
	BAD("GET /hello HTTP/1.1\r\nX: y\r\n\r\n", 400),              /* no Host */
	BAD("GET /hello HTTP/1.1 \r\n" H "\r\n", 400),                /* trailing space */
	BAD("GET /hel lo HTTP/1.1\r\n" H "\r\n", 400),                /* space in the target */
	BAD("GET /hello HTTP/1.10\r\n" H "\r\n", 400),                /* two-digit minor */
	BAD("GET /hello HTTP/1\r\n" H "\r\n", 400),                   /* no minor */
	BAD("GET /hello HTTPS/1.1\r\n" H "\r\n", 400),                /* not HTTP */
	BAD("GET /hello HTTP/0.9\r\n" H "\r\n", 505),                 /* major 0 */
	BAD("GET /hello HTTP/3.0\r\n" H "\r\n", 505),                 /* major 3 */
	BAD("GET /hello#top HTTP/1.1\r\n" H "\r\n", 400),             /* fragment */
	BAD("GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400),           /* non-ASCII target */
	BAD("GET /he\x7fllo HTTP/1.1\r\n" H "\r\n", 400),             /* DEL in the target */
	BAD("GET /he\0llo HTTP/1.1\r\n" H "\r\n", 400),               /* NUL in the target */
	BAD("GET http://user:pw@x/hello HTTP/1.1\r\n" H "\r\n", 400), /* userinfo */
	BAD("GET http:///hello HTTP/1.1\r\n" H "\r\n", 400),          /* absolute-form without host */
	BAD("GET ftp://x/hello HTTP/1.1\r\n" H "\r\n", 400),          /* other scheme */
	BAD("GET hello HTTP/1.1\r\n" H "\r\n", 400),                  /* no leading slash */
	BAD("GET * HTTP/1.1\r\n" H "\r\n", 400),                      /* asterisk-form is for OPTIONS */
	BAD("GET http://x/hello HTTP/1.1\r\n\r\n", 400),              /* absolute-form, still no Host */
	BAD("GET /hello HTTP/1.1\rHost: x\r\n\r\n", 400),             /* bare CR ends the line */
	BAD("\n\rGET /hello HTTP/1.1\r\n" H "\r\n", 400),             /* LF then bare CR before it */
	BAD("GET /@LONG@ HTTP/1.1\r\n" H "\r\n", 414),                /* request line too long */
	BAD("@CRLFS@GET /hello HTTP/1.1\r\n" H "\r\n", 414),          /* endless empty lines */
	/* Header lines. */
	BAD("GET /hello HTTP/1.1\r\n" H "NoColon\r\n\r\n", 400),       /* no colon */
	BAD("GET /hello HTTP/1.1\r\n" H ": empty-name\r\n\r\n", 400),  /* empty name */
	BAD("GET /hello HTTP/1.1\r\n" H "X Y: z\r\n\r\n", 400),        /* space in the name */
	BAD("GET /hello HTTP/1.1\r\n" H "X@Y: z\r\n\r\n", 400),        /* delimiter in the name */
	BAD("GET /hello HTTP/1.1\r\n" H "X-\xc3\xa9: z\r\n\r\n", 400), /* non-ASCII name */
	BAD("GET /hello HTTP/1.1\r\n" H "\0X: y\r\n\r\n", 400),        /* NUL before a name */
	BAD("GET /hello HTTP/1.1\r\n" H "X: a\0b\r\n\r\n", 400),       /* NUL in a value */
	BAD("GET /hello HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n", 400),      /* DEL in a value */
	BAD("GET /hello HTTP/1.1\r\n" H "X: a\x0b"
	    "b\r\n\r\n",
	    400),                                                         /* VT in a value */
	BAD("GET /hello HTTP/1.1\r\nHost: x\r\r\n\r\n", 400),             /* CR CR LF */
	BAD("GET /hello HTTP/1.1\r\n" H "\r\r\n", 400),                   /* bare CR ends the head */
	BAD("GET /hello HTTP/1.1\r\nHost: x\n\rX: y\r\n\r\n", 400),       /* LF then bare CR */
	BAD("GET /hello HTTP/1.1\r\n" H "X: y\r\n\tfolded\r\n\r\n", 400), /* obs-fold with a tab */
	BAD("GET /hello HTTP/1.1\r\n" H "host: x\r\n\r\n", 400),          /* the same Host twice */
	BAD("GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n", 400),             /* space in Host */
	BAD("GET /hello HTTP/1.1\r\nHost: x/y\r\n\r\n", 400),             /* slash in Host */
	BAD("GET /hello HTTP/1.1\r\nHost: x\\y\r\n\r\n", 400),            /* backslash in Host */
	BAD("GET /hello HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n", 400),     /* raw UTF-8 in Host */
	BAD("GET /hello HTTP/1.1\r\nHost: ::1\r\n\r\n", 400),             /* IPv6 without brackets */
	BAD("GET /hello HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),            /* unclosed bracket */
	BAD("GET /hello HTTP/1.1\r\nHost: x:123456\r\n\r\n", 400),        /* port of 6 digits */
	BAD("GET http://localhost:80x/hello HTTP/1.0\r\n\r\n", 400),      /* bad port in the target */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Type: a/b\r\nContent-Type: a/b\r\nContent-Length: 0\r\n\r\n",
	    400),                                                  /* two Content-Types */
	BAD("GET /hello HTTP/1.1\r\n" H "X: @LONG@\r\n\r\n", 431), /* one huge header */
	BAD("GET /hello HTTP/1.1\r\n" H "@101HDRS@\r\n", 431),     /* too many headers */
	BAD("GET /hello HTTP/1.1\r\n" H "@FAT@\r\n", 431),         /* too many header bytes */
	/* Content-Length. */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 1 2\r\n\r\n", 400),       /* space inside */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\nabcde", 400),   /* sign */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 400),      /* hex */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\nabcde", 400), /* a list */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400),           /* empty */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 99999999999999999999\r\n\r\n", 400), /* overflow */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 5\r\ncontent-length: 6\r\n\r\nabcdef", 400),
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 9223372036854775807\r\n\r\n",
	    413), /* fits, too big */
	BAD("POST /form HTTP/1.1\r\n" H "Content-Length: 1048577\r\nExpect: 100-continue\r\n\r\n",
	    413), /* refused before any 100 Continue */
	/* Transfer-Encoding. */
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
	    400), /* TE then CL */
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n",
	    400), /* chunked not last */
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
	    400), /* not last, over two lines */
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n\r\n", 400),
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: gzip,\r\n chunked\r\n\r\n", 400), /* obs-fold */
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: \"chunked\"\r\n\r\n", 400),
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n\r\n", 400),
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: ,\r\n\r\n", 400), /* empty list */
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: xchunked\r\n\r\n", 501),
	BAD("POST /form HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 501),
	BAD("POST /form HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400), /* in HTTP/1.0 */
	/* Chunked bodies. */
	BAD(CHUNKED "ffffffffffffffffff\r\n", 400),            /* chunk size overflows */
	BAD(CHUNKED "3\r\nabcX\r\n0\r\n\r\n", 400),            /* no CRLF after the data */
	BAD(CHUNKED "0x3\r\nabc\r\n0\r\n\r\n", 400),           /* hex prefix */
	BAD(CHUNKED "-1\r\nabc\r\n0\r\n\r\n", 400),            /* sign */
	BAD(CHUNKED " 3\r\nabc\r\n0\r\n\r\n", 400),            /* leading space */
	BAD(CHUNKED "3\rabc\r\n0\r\n\r\n", 400),               /* bare CR after the size */
	BAD(CHUNKED "3;@EXT@\r\nabc\r\n0\r\n\r\n", 400),       /* endless extension */
	BAD(CHUNKED "3;a=\"b\x01\"\r\nabc\r\n0\r\n\r\n", 400), /* control byte in an extension */
	BAD(CHUNKED "0\r\n X: y\r\n\r\n", 400),                /* obs-fold in the trailer */
	BAD(CHUNKED "0\r\nNoColon\r\n\r\n", 400),              /* trailer line without a colon */
	/* Well framed but refused: the body is skipped exactly, and the request pipelined after it served. */
	BAD_KEEPS("BREW /hello HTTP/1.1\r\n" H "\r\n", 501),
	BAD_KEEPS("get /hello HTTP/1.1\r\n" H "\r\n", 501),  /* methods are case-sensitive */
	BAD_KEEPS("TRACE /nope HTTP/1.1\r\n" H "\r\n", 501), /* before the path is looked at */
	BAD_KEEPS("FOO /hello HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nGET /", 501),
	BAD_KEEPS("DELETE /hello HTTP/1.1\r\n" H "\r\n", 405), /* known, not on this path */
	BAD_KEEPS("PUT /hello HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nGET /", 405),
	BAD_KEEPS("POST /hello HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n",
	          405),
};

/* n lines into out, each built by fmt from its index, a width and "" (for padding). Returns the length. */
static size_t
repeat(char *out, size_t cap, size_t n, const char *fmt, int pad)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, cap - len, fmt, (int)i, pad, "");
		ck_assert_uint_lt(len, cap);
	}
	return len;
}

/* raw with its markers expanded, in a static buffer; *len is its length (raw may hold NULs). */
static const char *
expand_case(const struct bad_case *bc, size_t *len)
{
	static char out[65536], piece[32768];
	size_t i = 0, n = 0, plen;

	while (i < bc->len) {
		const char *p = bc->raw + i;
		size_t left = bc->len - i;

		plen = 0;
		if (left >= 6 && memcmp(p, "@LONG@", 6) == 0) {
			memset(piece, 'a', 9000);
			plen = 9000;
			i += 6;
		} else if (left >= 9 && memcmp(p, "@101HDRS@", 9) == 0) {
			plen = repeat(piece, sizeof(piece), 100, "X-%d: v%*s\r\n", 0);
			i += 9;
		} else if (left >= 5 && memcmp(p, "@FAT@", 5) == 0) {
			plen = repeat(piece, sizeof(piece), 60, "X-%02d: v%*s\r\n", 140);
			i += 5;
		} else if (left >= 7 && memcmp(p, "@CRLFS@", 7) == 0) {
			for (plen = 0; plen < 10000; plen += 2)
				memcpy(piece + plen, "\r\n", 2);
			i += 7;
		} else if (left >= 5 && memcmp(p, "@EXT@", 5) == 0) {
			memset(piece, 'e', 5000);
			plen = 5000;
			i += 5;
		} else {
			piece[0] = *p;
			plen = 1;
			i++;
		}
		ck_assert_uint_lt(n + plen, sizeof(out));
		memcpy(out + n, piece, plen);
		n += plen;
	}
	*len = n;
	return out;
}

START_TEST(test_malformed_table)
{
	size_t i, len, ncases = sizeof(bad_cases) / sizeof(bad_cases[0]);
	const struct bad_case *bc;
	const char *raw, *type;

	ck_assert_uint_ge(ncases, 40);
	itest_start(&srv, NULL, itest_seed_routes);
	for (i = 0; i < ncases; i++) {
		bc = &bad_cases[i];
		raw = expand_case(bc, &len);
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		/* A send may fail once the server has answered and stopped reading; the answer counts. */
		(void)itest_try_send(&cl, raw, len);
		if (bc->flags & KEEPS)
			itest_sends(&cl, HELLO_REQ);
		ck_assert_msg(itest_read(&cl, &rs, 5000) == 0, "case %zu (%.60s): no answer", i, bc->raw);
		ck_assert_msg(rs.status == bc->status, "case %zu (%.60s): status %d, want %d", i, bc->raw,
		              rs.status, bc->status);
		ck_assert_msg(rs.body_len > 1, "case %zu: the body must say what is wrong", i);
		type = itest_header(&rs, "Content-Type");
		ck_assert_msg(type != NULL && strncmp(type, "text/plain", 10) == 0, "case %zu: type %s", i,
		              type ? type : "(none)");
		if (bc->flags & KEEPS) {
			ck_assert_msg(itest_header(&rs, "Connection") == NULL, "case %zu: closes", i);
			ck_assert_msg(itest_read(&cl, &rs, 5000) == 0, "case %zu: next request not answered",
			              i);
			ck_assert_msg(rs.status == 200 && strcmp(rs.body, "Hello World!") == 0,
			              "case %zu: the request after it got %d %s", i, rs.status, rs.body);
		} else {
			type = itest_header(&rs, "Connection");
			ck_assert_msg(type != NULL && strcmp(type, "close") == 0,
			              "case %zu: no Connection: close", i);
			ck_assert_msg(itest_closed(&cl, 5000), "case %zu (%.60s): connection left open", i,
			              bc->raw);
		}
		itest_close(&cl);
	}
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* A HEAD whose body breaks the framing gets its error's head and no body, then the close. */
START_TEST(test_head_with_broken_body)
{
	static const struct {
		const char *raw;
		int status;
	} cases[] = {
		{ "HEAD /hello HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
		{ "HEAD /hello HTTP/1.1\r\n" H "Content-Length: 2000000\r\n\r\n", 413 },
	};
	struct pollfd pfd;
	char rest[256];
	size_t i;

	itest_start(&srv, NULL, itest_seed_routes);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		cl.head_request = true;
		itest_sends(&cl, cases[i].raw);
		ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
		ck_assert_int_eq(rs.status, cases[i].status);
		ck_assert_ptr_nonnull(itest_header(&rs, "Content-Length"));
		ck_assert_uint_eq(cl.len, 0);
		pfd = (struct pollfd){ .fd = cl.fd, .events = POLLIN };
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		ck_assert_int_eq(recv(cl.fd, rest, sizeof(rest), 0), 0);
		cl.head_request = false;
		itest_close(&cl);
	}
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* ---- slow clients ---- */

#define SLOW_CONNS   300
#define SILENT_CONNS 50

struct slow {
	int fd;
	bool silent;     /* sends nothing at all */
	bool connected;  /* the connect completed */
	bool done;       /* EOF or reset seen */
	size_t sent;     /* bytes of the trickle sent */
	uint64_t first;  /* when the first byte went (or the connect completed, for a silent one) */
	uint64_t next;   /* when to send the next bytes */
	uint64_t answer; /* when the first byte of an answer came, or the close */
	char got[64];    /* the start of the answer */
	size_t got_len;
};

/* A head that never ends: the header value grows a few bytes at a time. */
static const char trickle_head[] = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ";

static void
slow_send(struct slow *s, uint64_t now)
{
	char bytes[3];
	size_t n = sizeof(bytes), i;
	ssize_t r;

	for (i = 0; i < n; i++)
		bytes[i] = s->sent + i < sizeof(trickle_head) - 1 ? trickle_head[s->sent + i] : 'a';
	r = send(s->fd, bytes, n, MSG_NOSIGNAL);
	if (r == -1) {
		ck_assert_msg(errno == EAGAIN, "trickle send: %s", strerror(errno));
		return;
	}
	if (s->sent == 0)
		s->first = now;
	s->sent += (size_t)r;
	s->next = now + 100 + (uint64_t)(rand() % 50);
}

static void
slow_read(struct slow *s, uint64_t now)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (s->answer == 0)
			s->answer = now;
		if (s->got_len < sizeof(s->got) - 1) {
			size_t take = (size_t)n < sizeof(s->got) - 1 - s->got_len
			                      ? (size_t)n
			                      : sizeof(s->got) - 1 - s->got_len;

			memcpy(s->got + s->got_len, buf, take);
			s->got_len += take;
		}
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		if (s->answer == 0)
			s->answer = now;
		s->done = true;
		close(s->fd);
		s->fd = -1;
	}
}

/*
 * Hundreds of connections trickle a head that never ends, and more send nothing at all, all from this one
 * process with poll. A normal client is answered promptly throughout; each trickler gets a 408 once
 * request_timeout has passed since its first byte; each silent connection is closed without a word.
 */
START_TEST(test_slowloris)
{
	static struct slow s[SLOW_CONNS + SILENT_CONNS];
	static struct pollfd pfds[SLOW_CONNS + SILENT_CONNS];
	static int idx[SLOW_CONNS + SILENT_CONNS];
	const int n = SLOW_CONNS + SILENT_CONNS;
	uint64_t start, now, deadline, next_normal = 0, worst = 0, ms;
	int i, np, normal = 0, left;
	pid_t pids[8];
	size_t nw;

	itest_start(&srv, "workers = 2; request_timeout = 2;", itest_seed_routes);
	nw = itest_workers(srv.pid, pids, 8);
	ck_assert_uint_eq(nw, 2);
	srand(1);
	start = itest_now();
	for (i = 0; i < n; i++) {
		s[i] = (struct slow){ .fd = itest_connect_nonblock(srv.port), .silent = i >= SLOW_CONNS };
	}
	deadline = start + 20000;
	for (left = n; left > 0;) {
		now = itest_now();
		ck_assert_msg(now < deadline, "%d slow connections still open after %llu ms", left,
		              (unsigned long long)(now - start));
		np = 0;
		for (i = 0; i < n; i++) {
			if (s[i].done)
				continue;
			if (s[i].connected && !s[i].silent && s[i].answer == 0 && now >= s[i].next)
				slow_send(&s[i], now);
			pfds[np] =
			        (struct pollfd){ .fd = s[i].fd, .events = s[i].connected ? POLLIN : POLLOUT };
			idx[np++] = i;
		}
		ck_assert_int_ge(poll(pfds, (nfds_t)np, 10), 0);
		now = itest_now();
		for (i = 0; i < np; i++) {
			struct slow *c = &s[idx[i]];

			if (pfds[i].revents == 0)
				continue;
			if (!c->connected) {
				int err = 0;
				socklen_t len = sizeof(err);

				ck_assert_int_eq(getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
				ck_assert_msg(err == 0, "connect: %s", strerror(err));
				c->connected = true;
				if (c->silent)
					c->first = now;
				continue;
			}
			slow_read(c, now);
			left -= c->done;
		}
		/* The normal client, while the slow ones are all still waiting for their answer. */
		if (now >= next_normal && left == n) {
			ms = hello_ms();
			worst = ms > worst ? ms : worst;
			normal++;
			next_normal = itest_now() + 20;
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t after = s[i].answer - s[i].first;

		s[i].got[s[i].got_len] = '\0';
		if (s[i].silent) {
			ck_assert_msg(s[i].got_len == 0, "silent connection %d was sent %s", i, s[i].got);
		} else {
			ck_assert_msg(strncmp(s[i].got, "HTTP/1.1 408 ", 13) == 0, "trickler %d got \"%s\"",
			              i, s[i].got);
			/* Trickling went on: at least eight sends, about a second's worth. */
			ck_assert_msg(s[i].sent >= 24, "trickler %d sent only %zu bytes", i, s[i].sent);
		}
		/* request_timeout is 2 s: not cut off before it, nor long after. */
		ck_assert_msg(after >= 1500 && after <= 5000, "connection %d cut off after %llu ms", i,
		              (unsigned long long)after);
	}
	ck_assert_msg(normal >= 10, "only %d normal requests while the slow ones waited", normal);
	ck_assert_msg(worst < 1000, "a normal request took %llu ms", (unsigned long long)worst);
	fprintf(stderr, "slowloris: %d normal requests, slowest %llu ms, all cut off in %llu ms\n", normal,
	        (unsigned long long)worst, (unsigned long long)(itest_now() - start));
	assert_workers_alive(pids, nw);
	hello_ms();
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * check_server's test_timeouts sees an idle keep-alive connection closed, eventually; here the close must
 * come on time, with nothing sent first (no 408 for a connection between requests), and the keep-alive
 * timer must restart with each request rather than count from the connection's start.
 */
START_TEST(test_idle_keepalive_closed)
{
	static struct client busy;
	uint64_t start;
	char first[64];
	long got;
	int i;

	itest_start(&srv, "keepalive_timeout = 1; request_timeout = 10;", itest_seed_routes);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, HELLO_REQ);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	start = itest_now();
	got = read_to_end(cl.fd, 5000, first, sizeof(first));
	ck_assert_msg(got == 0, "an idle keep-alive connection got %ld bytes before its close", got);
	ck_assert_uint_ge(itest_now() - start, 900);
	ck_assert_uint_le(itest_now() - start, 3000);
	itest_close(&cl);

	/* A request every 400 ms for 2.4 s: never idle for keepalive_timeout, never closed. */
	ck_assert_int_eq(itest_connect(&busy, srv.port), 0);
	for (i = 0; i < 7; i++) {
		if (i > 0)
			usleep(400000);
		itest_sends(&busy, HELLO_REQ);
		ck_assert_msg(itest_read(&busy, &rs, 5000) == 0, "request %d on a busy connection", i);
		ck_assert_str_eq(rs.body, "Hello World!");
	}
	itest_close(&busy);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* The bytes of a pipeline of /hello requests that a flooder writes, as fast as the server takes them. */
static void
flood(int fd, size_t *off, bool *gone)
{
	static const char req[] = HELLO_REQ;
	size_t budget = 1 << 20; /* per call, so a server that takes everything cannot hold the test here */
	ssize_t r;

	while (!*gone && budget > 0) {
		r = send(fd, req + *off, sizeof(req) - 1 - *off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r == -1) {
			if (errno == EAGAIN)
				return;
			ck_assert_msg(errno == EPIPE || errno == ECONNRESET, "flood send: %s",
			              strerror(errno));
			*gone = true;
			return;
		}
		*off = (*off + (size_t)r) % (sizeof(req) - 1);
		budget -= (size_t)r < budget ? (size_t)r : budget;
	}
}

/*
 * Clients that read nothing of their answers: two ask for a 1 MiB file 64 times over, two pipeline /hello
 * requests for as long as the server takes them. The server stops reading from them once their output
 * backs up and cuts them off when nothing more could be sent for request_timeout; meanwhile its memory
 * stays bounded and a normal client is served.
 */
START_TEST(test_slow_reader)
{
	enum { READERS = 2, FLOODERS = 2, N = READERS + FLOODERS, PIPELINE = 64 };
	static char pipeline[PIPELINE * sizeof(BIG_REQ)];
	int fds[N], i, base_fds, fdn, normal = 0;
	uint64_t start, now, deadline, next_normal = 0, worst = 0, ms, released = 0;
	long hwm0, hwm1;
	size_t off[N] = { 0 }, len = 0;
	bool gone[N] = { false }, seen_all = false;
	char first[64];
	pid_t worker;

	big_file_setup();
	start_measured("workers = 1; request_timeout = 2;", big_routes);
	worker = only_worker();
	hello_ms();
	base_fds = settled_fds(&worker, 1);
	hwm0 = itest_proc_status(worker, "VmHWM");
	ck_assert_int_gt(hwm0, 0);

	for (i = 0; i < PIPELINE; i++) {
		memcpy(pipeline + len, BIG_REQ, sizeof(BIG_REQ) - 1);
		len += sizeof(BIG_REQ) - 1;
	}
	start = itest_now();
	for (i = 0; i < N; i++) {
		fds[i] = connect_small_rcvbuf(srv.port);
		if (i < READERS)
			ck_assert_int_eq(send(fds[i], pipeline, len, MSG_NOSIGNAL), (ssize_t)len);
	}
	deadline = start + 2000 + 8000;
	for (;;) {
		now = itest_now();
		ck_assert_msg(now < deadline,
		              "slow readers not cut off after %llu ms (worker holds %d fds, %d at rest)",
		              (unsigned long long)(now - start), itest_fd_count(worker), base_fds);
		for (i = READERS; i < N; i++)
			flood(fds[i], &off[i], &gone[i]);
		if (now >= next_normal) {
			ms = hello_ms();
			worst = ms > worst ? ms : worst;
			normal++;
			next_normal = itest_now() + 50;
		}
		ck_assert_msg(itest_proc_status(worker, "VmHWM") - hwm0 < 16 * 1024,
		              "worker peak RSS grew by more than 16 MiB while its clients read nothing");
		/* All four held by the worker, then all four let go. */
		fdn = itest_fd_count(worker);
		if (fdn >= base_fds + N)
			seen_all = true;
		else if (seen_all && fdn <= base_fds) {
			released = itest_now();
			break;
		}
		usleep(10000);
	}
	hwm1 = itest_proc_status(worker, "VmHWM");
	/* Cut off by request_timeout (2 s) of no progress, which began after the first request went out. */
	ck_assert_msg(released - start >= 1500, "cut off after only %llu ms",
	              (unsigned long long)(released - start));
	/* What the server had queued, then the end of the connection: far short of what was asked. */
	for (i = 0; i < N; i++) {
		long got = read_to_end(fds[i], 10000, first, sizeof(first));

		ck_assert_msg(got >= 0, "slow reader %d: the connection did not end when read", i);
		if (i < READERS) {
			ck_assert_msg(got < (long)PIPELINE * BIG_SIZE, "slow reader %d got all %ld bytes", i,
			              got);
			ck_assert_msg(got > 13 && strncmp(first, "HTTP/1.1 200 ", 13) == 0, "slow reader %d",
			              i);
		}
		close(fds[i]);
	}
	ck_assert_msg(hwm1 - hwm0 < 16 * 1024, "worker peak RSS grew by %ld kB", hwm1 - hwm0);
	ck_assert_msg(normal >= 10 && worst < 1000, "%d normal requests, the slowest took %llu ms", normal,
	              (unsigned long long)worst);
	fprintf(stderr,
	        "slow reader: cut off after %llu ms, peak RSS +%ld kB, slowest normal request %llu ms\n",
	        (unsigned long long)(released - start), hwm1 - hwm0, (unsigned long long)worst);
	assert_workers_alive(&worker, 1);
	hello_ms();
	itest_stop(&srv, SIGTERM);
	big_file_cleanup();
}
END_TEST

/* ---- limits ---- */

/* Whether fd has something to read within timeout_ms. */
static bool
readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1;
}

START_TEST(test_max_connections)
{
	enum { MAX = 10 };
	static struct client held[MAX], extra;
	int i;

	itest_start(&srv, "workers = 1; max_connections = 10; keepalive_timeout = 30;", itest_seed_routes);
	/* The worker is known to hold each of them: it answered on it. */
	for (i = 0; i < MAX; i++) {
		ck_assert_int_eq(itest_connect(&held[i], srv.port), 0);
		itest_sends(&held[i], HELLO_REQ);
		ck_assert_msg(itest_read(&held[i], &rs, 5000) == 0, "connection %d not served", i);
	}
	/* The kernel completes the 11th connection, but the worker does not take it. */
	ck_assert_int_eq(itest_connect(&extra, srv.port), 0);
	itest_sends(&extra, HELLO_REQ);
	ck_assert_msg(!readable(extra.fd, 1000), "the 11th connection was served");
	/* Those it holds are still served. */
	itest_sends(&held[3], HELLO_REQ);
	ck_assert_int_eq(itest_read(&held[3], &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	ck_assert_msg(!readable(extra.fd, 200), "the 11th connection was served");
	/* One closes: the worker accepts again and serves the one that waited. */
	itest_close(&held[0]);
	ck_assert_msg(itest_read(&extra, &rs, 5000) == 0, "the 11th connection was not served after a close");
	ck_assert_str_eq(rs.body, "Hello World!");
	/* And it is full again: a 12th waits. */
	ck_assert_int_eq(itest_connect(&held[0], srv.port), 0);
	itest_sends(&held[0], HELLO_REQ);
	ck_assert_msg(!readable(held[0].fd, 500), "the 12th connection was served");
	itest_close(&extra);
	ck_assert_int_eq(itest_read(&held[0], &rs, 5000), 0);
	for (i = 0; i < MAX; i++)
		itest_close(&held[i]);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Counts the lines of the server's log that contain needle. */
static int
log_count(const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *f;

	f = fopen(srv.log, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/*
 * With 48 descriptors the worker runs out long before max_connections: accept fails with EMFILE. It must
 * pause accepting rather than retry at once (which would spin at 100% CPU on the still-readable listener),
 * keep serving the connections it has, and accept again once some close.
 */
START_TEST(test_fd_exhaustion)
{
	enum { MAX_HOGS = 100, PENDING = 5 };
	static struct client hogs[MAX_HOGS], pending[PENDING], keep;
	uint64_t t0, t1;
	long cpu0, cpu1;
	int i, nhogs, pauses0, pauses1, reqs = 0;
	pid_t worker;
	bool vg;

	itest_start_limited(&srv, "workers = 1; keepalive_timeout = 60; request_timeout = 60;",
	                    itest_seed_routes, 48);
	worker = only_worker();
	vg = under_valgrind(worker);
	ck_assert_int_eq(itest_connect(&keep, srv.port), 0);
	itest_sends(&keep, HELLO_REQ);
	ck_assert_int_eq(itest_read(&keep, &rs, 5000), 0);
	/* Open and use connections until one is not taken any more, because accept failed with EMFILE. */
	for (nhogs = 0; nhogs < MAX_HOGS; nhogs++) {
		ck_assert_int_eq(itest_connect(&hogs[nhogs], srv.port), 0);
		itest_sends(&hogs[nhogs], HELLO_REQ);
		if (itest_read(&hogs[nhogs], &rs, 1000) == -1) {
			if (itest_wait_log(&srv, "Too many open files", 1000))
				break;
			/* Only slow, not refused: wait for the answer after all. */
			ck_assert_msg(itest_read(&hogs[nhogs], &rs, 5000) == 0, "connection %d not served",
			              nhogs);
		}
		ck_assert_int_eq(rs.status, 200);
	}
	ck_assert_msg(nhogs < MAX_HOGS, "the worker took %d connections with 48 descriptors", nhogs);
	/* The server works around it: a warning, not an error. */
	ck_assert(itest_wait_log(&srv, "warning: accept: pausing for 100 ms: Too many open files", 0));
	/* More wait in the listen queue, so the listener stays readable all along. */
	for (i = 0; i < PENDING; i++) {
		ck_assert_int_eq(itest_connect(&pending[i], srv.port), 0);
		itest_sends(&pending[i], HELLO_REQ);
	}
	/* For a second: the worker is nearly idle, and serves what it holds. */
	pauses0 = log_count("Too many open files");
	cpu0 = itest_cpu_ms(worker);
	t0 = itest_now();
	while (itest_now() - t0 < 1000) {
		itest_sends(&keep, HELLO_REQ);
		ck_assert_msg(itest_read(&keep, &rs, 1000) == 0, "a held connection not served at EMFILE");
		ck_assert_str_eq(rs.body, "Hello World!");
		reqs++;
		usleep(50000);
	}
	cpu1 = itest_cpu_ms(worker);
	t1 = itest_now();
	pauses1 = log_count("Too many open files");
	ck_assert_int_ge(cpu0, 0);
	ck_assert_int_ge(cpu1, 0);
	fprintf(stderr,
	        "fd exhaustion: %d connections, worker CPU %ld ms in %llu ms, %d EMFILE lines, %d requests\n",
	        nhogs, cpu1 - cpu0, (unsigned long long)(t1 - t0), pauses1 - pauses0, reqs);
	ck_assert_msg((uint64_t)(cpu1 - cpu0) * 100 < (t1 - t0) * 30, "worker used %ld ms of CPU in %llu ms",
	              cpu1 - cpu0, (unsigned long long)(t1 - t0));
	/* The log is not flooded either: the back-off is 100 ms, so about ten lines a second. */
	ck_assert_msg(pauses1 - pauses0 <= 50, "%d EMFILE lines in a second", pauses1 - pauses0);
	/*
	 * Recovery: once connections close, those that waited are served, then new ones. Under valgrind, an
	 * accept that returns a descriptor in the range valgrind keeps for itself is closed by valgrind and
	 * reported as EMFILE: the waiting connections are dropped, not kept waiting (so there the listener
	 * soon has nothing queued and the CPU check above proves less). Only new ones count there.
	 */
	ck_assert_msg(vg || !readable(hogs[nhogs].fd, 0), "answered while out of descriptors?");
	for (i = 0; i < nhogs; i++)
		itest_close(&hogs[i]);
	ck_assert_msg(itest_read(&hogs[nhogs], &rs, 5000) == 0 || vg,
	              "the waiting connection was not served");
	ck_assert_msg(vg || strcmp(rs.body, "Hello World!") == 0, "the waiting connection got %s", rs.body);
	itest_close(&hogs[nhogs]);
	for (i = 0; i < PENDING; i++) {
		ck_assert_msg(itest_read(&pending[i], &rs, 5000) == 0 || vg,
		              "queued connection %d not served", i);
		itest_close(&pending[i]);
	}
	hello_ms();
	itest_close(&keep);
	assert_workers_alive(&worker, 1);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * Peers that vanish at every point of an exchange: before the answer, in the middle of a file, after
 * pipelining more than they will read. Writing to them must never kill a worker (SIGPIPE), and every
 * descriptor they used must be released.
 */
START_TEST(test_peer_gone)
{
	pid_t pids[8];
	int i, fd, base, now;
	size_t nw;
	uint64_t deadline;
	char buf[256];

	big_file_setup();
	itest_start(&srv, "workers = 2;", big_routes);
	nw = itest_workers(srv.pid, pids, 8);
	ck_assert_uint_eq(nw, 2);
	hello_ms();
	base = settled_fds(pids, nw);
	for (i = 0; i < 40; i++) {
		/* Reset while a 1 MiB file is on its way. */
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		itest_sends(&cl, BIG_REQ);
		ck_assert_msg(readable(cl.fd, 5000) && recv(cl.fd, buf, sizeof(buf), 0) > 0,
		              "no part of the file came (did a worker die? see %s)", srv.log);
		close_reset(cl.fd);
		cl.fd = -1;
		/* Reset right after the request, before any answer. */
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		itest_sends(&cl, HELLO_REQ);
		close_reset(cl.fd);
		cl.fd = -1;
		/* Closed (FIN) after pipelining files it never reads: the writes after the first fail. */
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		itest_sends(&cl, BIG_REQ BIG_REQ BIG_REQ BIG_REQ);
		itest_close(&cl);
		/* Half a request, then a reset. */
		fd = itest_connect_nonblock(srv.port);
		wait_connected(fd);
		ck_assert_int_eq(send(fd, "GET /big/f.b", 12, MSG_NOSIGNAL), 12);
		close_reset(fd);
		/* Eight pipelined requests, then a reset before reading any answer. */
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		itest_sends(&cl,
		            HELLO_REQ HELLO_REQ HELLO_REQ HELLO_REQ HELLO_REQ HELLO_REQ HELLO_REQ HELLO_REQ);
		close_reset(cl.fd);
		cl.fd = -1;
		if (i % 10 == 0)
			hello_ms();
	}
	/* Every one of them released, in bounded time. */
	deadline = itest_now() + 10000;
	while ((now = worker_fds(pids, nw)) > base && itest_now() < deadline)
		usleep(20000);
	ck_assert_msg(now <= base, "workers hold %d descriptors, %d before", now, base);
	assert_workers_alive(pids, nw);
	hello_ms();
	itest_stop(&srv, SIGTERM);
	big_file_cleanup();
}
END_TEST

/* ---- privileges ---- */

/* The four ids (real, effective, saved, filesystem) on the "Uid:" or "Gid:" line of a process. */
static void
proc_ids(pid_t pid, const char *name, long ids[4])
{
	char path[64], line[256];
	size_t n = strlen(name);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, name, n) == 0 &&
		        sscanf(line + n, "%ld %ld %ld %ld", &ids[0], &ids[1], &ids[2], &ids[3]) == 4;
	fclose(f);
	ck_assert_msg(found, "no %s line for %ld", name, (long)pid);
}

/* The supplementary groups of a process, as /proc shows them (space-separated). */
static void
proc_groups(pid_t pid, char *out, size_t cap)
{
	char path[64], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Groups:", 7) == 0) {
			snprintf(out, cap, "%s", line + 7);
			out[strcspn(out, "\n")] = '\0';
		}
	fclose(f);
}

/* All four user ids and all four group ids of each process are uid and gid; gid is its only group. */
static void
assert_runs_as(const pid_t *pids, size_t n, uid_t uid, gid_t gid)
{
	char groups[1024], want[64], *g;
	int ngroups;
	long ids[4];
	size_t i, j;

	snprintf(want, sizeof(want), "%ld", (long)gid);
	for (i = 0; i < n; i++) {
		proc_ids(pids[i], "Uid:", ids);
		for (j = 0; j < 4; j++)
			ck_assert_msg(ids[j] == (long)uid, "worker %ld uid %ld", (long)pids[i], ids[j]);
		proc_ids(pids[i], "Gid:", ids);
		for (j = 0; j < 4; j++)
			ck_assert_msg(ids[j] == (long)gid, "worker %ld gid %ld", (long)pids[i], ids[j]);
		/* No group of root's is left behind. */
		proc_groups(pids[i], groups, sizeof(groups));
		ngroups = 0;
		for (g = strtok(groups, " \t"); g != NULL; g = strtok(NULL, " \t"), ngroups++)
			ck_assert_msg(strcmp(g, want) == 0, "worker %ld is in group %s", (long)pids[i], g);
		ck_assert_msg(ngroups == 1, "worker %ld is in %d groups", (long)pids[i], ngroups);
	}
}

/*
 * Whether a process that switched to uid and gid can open its /proc/PID/task, as LeakSanitizer does at
 * its exit. It cannot where a directory above /proc is closed to others, such as a root made by mktemp -d
 * (mode 0700): there LeakSanitizer dies in every worker that switched user, whatever the server does.
 */
static bool
proc_task_readable_as(uid_t uid, gid_t gid)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(2);
		fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_exit(fd == -1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) < 2, "cannot switch to uid %ld", (long)uid);
	return WEXITSTATUS(status) == 0;
}

/* A port below 1024 that 127.0.0.1 can bind now, or 0. */
static int
free_privileged_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int port, fd, ok;

	for (port = 1023; port >= 600; port--) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		sin.sin_port = htons((uint16_t)port);
		ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		close(fd);
		if (ok)
			return port;
	}
	return 0;
}

START_TEST(test_privileges)
{
	struct passwd *pw;
	bool no_leak_check;
	char *asan = NULL;
	pid_t pids[8];
	long ids[4];
	size_t nw, i, j;
	uid_t uid;
	gid_t gid;
	int port;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL) {
		fprintf(stderr, "not root, or no user nobody: skipping the privileges test\n");
		return;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	/* Not a leak in the server, so not a failure of this test: its workers go without a leak check. */
	no_leak_check = !proc_task_readable_as(uid, gid);
	if (no_leak_check) {
		fprintf(stderr,
		        "user nobody cannot open /proc/self/task: its workers run without a leak check\n");
		asan = env_append("ASAN_OPTIONS", ":", "detect_leaks=0");
	}
	itest_start(&srv, "workers = 2; user = \"nobody\";", itest_seed_routes);
	if (no_leak_check)
		env_restore("ASAN_OPTIONS", asan);
	nw = itest_workers(srv.pid, pids, 8);
	ck_assert_uint_eq(nw, 2);
	assert_runs_as(pids, nw, uid, gid);
	/* The master stays root, so a reload can bind a privileged port again. */
	proc_ids(srv.pid, "Uid:", ids);
	for (j = 0; j < 4; j++)
		ck_assert_int_eq(ids[j], 0);
	for (i = 0; i < 4; i++)
		hello_ms();
	/* Which is what it does: a reload to a port below 1024, served by workers that are nobody again. */
	if ((port = free_privileged_port()) == 0) {
		fprintf(stderr, "no free port below 1024: skipping the privileged reload\n");
	} else {
		srv.port = port;
		itest_write_config(&srv, "workers = 2; user = \"nobody\";", itest_seed_routes);
		ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
		ck_assert_msg(itest_wait_log(&srv, "generation 2: serving", 15000),
		              "no reload to port %d; see %s", port, srv.log);
		ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));
		hello_ms();
		nw = itest_workers(srv.pid, pids, 8);
		ck_assert_uint_eq(nw, 2);
		assert_runs_as(pids, nw, uid, gid);
	}
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* ---- pipelining ---- */

/* The largest buffer the kernel gives a TCP socket, from net.ipv4.tcp_rmem or tcp_wmem, in bytes. */
static long
tcp_mem_max(const char *which)
{
	char path[64];
	long lo, def, max = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", which);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld %ld %ld", &lo, &def, &max) != 3)
			max = 0;
		fclose(f);
	}
	return max > 0 ? max : 32L << 20;
}

/* Request i of a pipeline; its answer is "hello, I'm <i> and 1 years old." */
static size_t
pipeline_request(char *out, size_t cap, size_t i)
{
	int n = snprintf(out, cap, "GET /info?name=%zu&age=1 HTTP/1.1\r\nHost: x\r\n\r\n", i);

	ck_assert(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/*
 * There is no cap on how many requests a client may pipeline: the server answers every one, in order.
 * What is capped is what it buffers for them (src/conn.c): it parses and answers buffered requests only
 * until OUT_HIGH_WATER (64 KiB) of output is queued, and while output waits it watches the socket for
 * writing only and reads no more input. A deep pipeline thus costs a connection about 64 KiB of output and
 * max_header_size of input; the rest waits in the kernel's socket buffers, and TCP flow control holds the
 * client back.
 *
 * So a client that pipelines tiny requests without reading must be pushed back (its sends block) before it
 * has sent more than the kernel's buffers hold: the server's receive buffer, the client's send buffer, and
 * the requests whose (larger) answers fill the server's send buffer; 16 MiB more would be the server's own
 * buffering. Then, reading through a small receive buffer, it gets every answer (at least 5000) in order,
 * and the worker's peak RSS does not grow with the pipeline.
 */
START_TEST(test_pipeline_cap)
{
	enum { MIN_REQS = 5000 };
	static char in[1 << 20];
	char req[128], want[64];
	size_t req_len = 0, req_off = 0, nreq = 0, in_len = 0, answered = 0;
	long sent = 0, limit, hwm0, hwm1;
	uint64_t start, deadline, pushed_back;
	bool reading = false;
	int fd, size = 65536;
	pid_t worker;

	start_measured("workers = 1;", itest_seed_routes);
	worker = only_worker();
	hello_ms();
	hwm0 = itest_proc_status(worker, "VmHWM");
	limit = tcp_mem_max("tcp_rmem") + 2 * tcp_mem_max("tcp_wmem") + (16L << 20);
	fd = connect_small_rcvbuf(srv.port);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	start = pushed_back = itest_now();
	deadline = start + 40000;
	while (answered < nreq || !reading) {
		bool more = req_off < req_len || nreq < MIN_REQS || !reading;
		struct pollfd pfd = { .fd = fd, .events = (reading ? POLLIN : 0) | (more ? POLLOUT : 0) };
		size_t parsed = 0;
		ssize_t n;
		int r;

		ck_assert_msg(itest_now() < deadline, "%zu of %zu answered", answered, nreq);
		r = poll(&pfd, 1, reading ? 100 : 1000);
		ck_assert_int_ge(r, 0);
		if (r == 0 && !reading) {
			/* Sends blocked for a second: pushed back. From now on, read. */
			reading = true;
			pushed_back = itest_now();
			continue;
		}
		if (pfd.revents & POLLOUT) {
			if (req_off == req_len) {
				req_len = pipeline_request(req, sizeof(req), nreq++);
				req_off = 0;
			}
			n = send(fd, req + req_off, req_len - req_off, MSG_NOSIGNAL | MSG_DONTWAIT);
			ck_assert_msg(n > 0 || errno == EAGAIN, "send: %s", strerror(errno));
			req_off += n > 0 ? (size_t)n : 0;
			sent += n > 0 ? n : 0;
			ck_assert_msg(sent < limit,
			              "the server took %ld bytes of requests without pushing back", sent);
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in + in_len, sizeof(in) - 1 - in_len, MSG_DONTWAIT);
			ck_assert_msg(n > 0 || (n == -1 && errno == EAGAIN),
			              "connection ended after %zu answers", answered);
			in_len += n > 0 ? (size_t)n : 0;
		}
		/* Head, then body by Content-Length, which must name request number answered. */
		for (;;) {
			char *end, *length;
			size_t head, body;

			in[in_len] = '\0';
			if ((end = strstr(in + parsed, "\r\n\r\n")) == NULL)
				break;
			head = (size_t)(end - (in + parsed)) + 4;
			length = strstr(in + parsed, "Content-Length: ");
			ck_assert_msg(length != NULL && length < end, "answer %zu has no length", answered);
			body = strtoul(length + 16, NULL, 10);
			if (in_len - parsed < head + body)
				break;
			ck_assert_msg(strncmp(in + parsed, "HTTP/1.1 200 ", 13) == 0, "answer %zu: %.40s",
			              answered, in + parsed);
			snprintf(want, sizeof(want), "hello, I'm %zu and 1 years old.", answered);
			ck_assert_msg(body == strlen(want) && memcmp(in + parsed + head, want, body) == 0,
			              "answer %zu out of order: %.*s", answered, (int)body,
			              in + parsed + head);
			parsed += head + body;
			answered++;
		}
		memmove(in, in + parsed, in_len - parsed);
		in_len -= parsed;
		ck_assert_uint_lt(in_len, sizeof(in) - 1);
	}
	hwm1 = itest_proc_status(worker, "VmHWM");
	fprintf(stderr,
	        "pipeline: pushed back after %ld bytes in %llu ms; %zu requests answered in order in %llu "
	        "ms; "
	        "worker peak RSS +%ld kB\n",
	        sent, (unsigned long long)(pushed_back - start), nreq,
	        (unsigned long long)(itest_now() - start), hwm1 - hwm0);
	ck_assert_msg(hwm1 - hwm0 < 16 * 1024, "worker peak RSS grew by %ld kB", hwm1 - hwm0);
	close(fd);
	assert_workers_alive(&worker, 1);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* ---- the access log against forged lines ---- */

/*
 * A request a hostile client sends on a connection of its own, and what the access log must make of it:
 * json: method, target, protocol, referer and user agent as Python's json.dumps() writes what the line
 * parses to; combined: the request, referer and user agent fields, inside their quotes. Tab-separated.
 */
struct logged_case {
	const char *raw;
	size_t len;
	const char *json;
	const char *combined;
};

/* clang-format off */
#define LOGGED(raw, json, combined) { raw, sizeof(raw) - 1, json, combined }
#define UNPARSED(raw)               LOGGED(raw, "null\tnull\tnull\tnull\tnull", "-\t-\t-")
/* clang-format on */

static const struct logged_case logged_cases[] = {
	/* Quotes and backslashes in the target; in the user agent a forged end of line and of fields, a
	 * tab, a byte that is no UTF-8, a valid character, a surrogate and a C1 control. */
	LOGGED("GET /a\"b\\c?x=\"y\" HTTP/1.1\r\nHost: x\r\n"
	       "User-Agent: ua\" 200 1 \"-\\\t\xff\xc3\xa9\xed\xa0\x80\xc2\x85!\r\n"
	       "Referer: http://x/\"\\\r\n\r\n",
	       "\"GET\"\t\"/a\\\"b\\\\c?x=\\\"y\\\"\"\t\"HTTP/1.1\"\t\"http://x/\\\"\\\\\"\t"
	       "\"ua\\\" 200 1 \\\"-\\\\\\t\\u00ff\\u00e9\\u00ed\\u00a0\\u0080\\u0085!\"",
	       "GET /a\\x22b\\x5Cc?x=\\x22y\\x22 HTTP/1.1\thttp://x/\\x22\\x5C\t"
	       "ua\\x22 200 1 \\x22-\\x5C\\x09\\xFF\xc3\xa9\\xED\\xA0\\x80\\xC2\\x85!"),
	/* An overlong form and a truncated sequence beside a valid four-byte character; valid UTF-8. */
	LOGGED("GET /hello HTTP/1.0\r\nReferer: \xc0\xaf\xe2\x82(\xf0\x9f\x98\x80)\r\n"
	       "User-Agent: caf\xc3\xa9 \xe2\x82\xac\r\n\r\n",
	       "\"GET\"\t\"/hello\"\t\"HTTP/1.0\"\t\"\\u00c0\\u00af\\u00e2\\u0082(\\ud83d\\ude00)\"\t"
	       "\"caf\\u00e9 \\u20ac\"",
	       "GET /hello HTTP/1.0\t\\xC0\\xAF\\xE2\\x82(\xf0\x9f\x98\x80)\tcaf\xc3\xa9 \xe2\x82\xac"),
	/* Present but empty is not absent. */
	LOGGED("GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent:\r\nConnection: close\r\n\r\n",
	       "\"GET\"\t\"/hello\"\t\"HTTP/1.1\"\tnull\t\"\"", "GET /hello HTTP/1.1\t-\t"),
	/* Request lines that cannot be parsed: a control byte, a CR, a NUL, bytes that are no request. */
	UNPARSED("GET /a\x01"
	         "b HTTP/1.1\r\nHost: x\r\nUser-Agent: \"\r\n\r\n"),
	UNPARSED("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n"),
	UNPARSED("GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"),
	UNPARSED("\xff\xfe\"\\ \" 200 0\r\n\r\n"),
	/* A head that never ends: 408 after request_timeout, which json's duration must show. */
	UNPARSED("GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: \""),
};

#define NLOGGED (sizeof(logged_cases) / sizeof(logged_cases[0]))

/* What the test reads: the access log whole, at most 64 KiB; returns its length. */
static size_t
read_log(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_msg(f != NULL, "no access log at %s", path);
	n = fread(out, 1, cap - 1, f);
	ck_assert_msg(feof(f), "the access log is larger than the test expects");
	fclose(f);
	out[n] = '\0';
	return n;
}

/*
 * Serves every logged case with the access log in format, into dir/access.log; the status each got
 * goes to status[]. The server is stopped at the end, which writes out all the lines.
 */
static void
serve_logged_cases(const char *format, char *dir, int *status)
{
	char extra[512];
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(extra, sizeof(extra),
	         "workers = 1; request_timeout = 1; access_log = \"%s/access.log\"; access_log_format = "
	         "\"%s\";",
	         dir, format);
	itest_start(&srv, extra, itest_seed_routes);
	for (i = 0; i < NLOGGED; i++) {
		ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
		/* A send may fail once the server has answered and stopped reading; the answer counts. */
		(void)itest_try_send(&cl, logged_cases[i].raw, logged_cases[i].len);
		ck_assert_msg(itest_read(&cl, &rs, 5000) == 0, "case %zu: no answer", i);
		status[i] = rs.status;
		itest_close(&cl);
	}
	itest_stop(&srv, SIGTERM);
}

/*
 * Run by python3 on the access log: every line must parse as JSON, valid UTF-8, with the fields in
 * order and of the right types; prints the status and the client's strings as json.dumps() has them.
 */
static const char json_check_py[] =
        "import datetime, json, re, sys, time\n"
        "data = open(sys.argv[1], \"rb\").read()\n"
        "assert data.endswith(b\"\\n\"), \"the log does not end in a newline\"\n"
        "keys = [\"time\", \"remote_addr\", \"method\", \"target\", \"protocol\", \"status\",\n"
        "        \"body_bytes_sent\", \"duration_us\", \"referer\", \"user_agent\"]\n"
        "for line in data[:-1].split(b\"\\n\"):\n"
        "    o = json.loads(line.decode(\"utf-8\"))\n"
        "    assert list(o) == keys, list(o)\n"
        "    assert re.fullmatch(r\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00\", o[\"time\"]), "
        "o[\"time\"]\n"
        "    assert abs(datetime.datetime.fromisoformat(o[\"time\"]).timestamp() - time.time()) < 600\n"
        "    assert o[\"remote_addr\"] == \"127.0.0.1\", o[\"remote_addr\"]\n"
        "    for k in (\"status\", \"body_bytes_sent\", \"duration_us\"):\n"
        "        assert type(o[k]) is int and 0 <= o[k] < 10**9, (k, o[k])\n"
        "    assert o[\"status\"] != 408 or o[\"duration_us\"] >= 900000, o[\"duration_us\"]\n"
        "    print(o[\"status\"], *(json.dumps(o[k]) for k in\n"
        "          (\"method\", \"target\", \"protocol\", \"referer\", \"user_agent\")), sep=\"\\t\")\n";

/* Hostile requests, json: a real JSON parser reads every line back to what the client sent. */
START_TEST(test_access_log_json)
{
	char dir[64] = "/tmp/tinyhttpd-alog.XXXXXX", path[128], cmd[300], got[4096], want[4096];
	int status[NLOGGED];
	size_t i = 0;
	FILE *f;

	serve_logged_cases("json", dir, status);
	snprintf(path, sizeof(path), "%s/check.py", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(json_check_py, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "python3 %s/check.py %s/access.log", dir, dir);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	while (fgets(got, sizeof(got), f) != NULL) {
		ck_assert_msg(i < NLOGGED, "more lines than requests: %s", got);
		snprintf(want, sizeof(want), "%d\t%s\n", status[i], logged_cases[i].json);
		ck_assert_msg(strcmp(got, want) == 0, "case %zu:\n got %s want %s", i, got, want);
		i++;
	}
	ck_assert_msg(pclose(f) == 0,
	              "%s: a line is not what it must be (see python's message above), or python3 is missing "
	              "(scripts/install-deps --test)",
	              cmd);
	ck_assert_uint_eq(i, NLOGGED);
	itest_remove_tree(dir);
}
END_TEST

/* A quoted field of the Common formats: bytes other than '"' and '\', or \xHH. */
#define CLF_FIELD "\"(([^\"\\\\]|\\\\x[0-9A-F]{2})*)\""

/* Hostile requests, combined: each line has its fields, exactly, and nothing that could end one. */
START_TEST(test_access_log_combined)
{
	static const char pattern[] =
	        "^127\\.0\\.0\\.1 - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}(:[0-9]{2}){3} "
	        "\\+0000\\] " CLF_FIELD " ([0-9]{3}) ([0-9]+) " CLF_FIELD " " CLF_FIELD "$";
	enum { REQUEST = 2, STATUS = 4, REFERER = 6, AGENT = 8, NMATCH = 10 };
	char dir[64] = "/tmp/tinyhttpd-alog.XXXXXX", path[128], want[4096], got[4096];
	static char log[1 << 16];
	int status[NLOGGED];
	regmatch_t m[NMATCH];
	char *line, *end, *p;
	size_t i, len;
	regex_t re;

	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED), 0);
	serve_logged_cases("combined", dir, status);
	snprintf(path, sizeof(path), "%s/access.log", dir);
	len = read_log(path, log, sizeof(log));
	ck_assert_msg(len > 0 && log[len - 1] == '\n', "the log does not end in a newline");
	for (i = 0, line = log; line < log + len; i++, line = end + 1) {
		end = memchr(line, '\n', (size_t)(log + len - line));
		*end = '\0';
		ck_assert_msg(i < NLOGGED, "more lines than requests: %s", line);
		ck_assert_msg(strlen(line) == (size_t)(end - line), "case %zu: a NUL in the line", i);
		for (p = line; p < end; p++)
			ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "case %zu: a control byte: %s",
			              i, line);
		ck_assert_msg(regexec(&re, line, NMATCH, m, 0) == 0, "case %zu: not a combined line: %s", i,
		              line);
		ck_assert_int_eq(atoi(line + m[STATUS].rm_so), status[i]);
		snprintf(got, sizeof(got), "%.*s\t%.*s\t%.*s", (int)(m[REQUEST].rm_eo - m[REQUEST].rm_so),
		         line + m[REQUEST].rm_so, (int)(m[REFERER].rm_eo - m[REFERER].rm_so),
		         line + m[REFERER].rm_so, (int)(m[AGENT].rm_eo - m[AGENT].rm_so),
		         line + m[AGENT].rm_so);
		snprintf(want, sizeof(want), "%s", logged_cases[i].combined);
		ck_assert_msg(strcmp(got, want) == 0, "case %zu:\n got %s\nwant %s", i, got, want);
	}
	ck_assert_uint_eq(i, NLOGGED);
	regfree(&re);
	itest_remove_tree(dir);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("hostile", "integration", 60, test_malformed_table, test_head_with_broken_body,
	                       test_slowloris, test_idle_keepalive_closed, test_slow_reader,
	                       test_max_connections, test_fd_exhaustion, test_peer_gone, test_privileges,
	                       test_pipeline_cap, test_access_log_json, test_access_log_combined);
}
