/* SPDX-License-Identifier: ISC */
/*
 * check_conn.c: one connection driven over a socketpair with a context of its own, no worker and no
 * process: pipelining, bodies that arrive in pieces, 100-continue, timeouts, lingering, the idle state.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "conn.h"

#define BIG_FILE (256 * 1024) /* sent with sendfile, in several turns through a small socket buffer */

static char dir[64], conf[128], big[128];
static struct config *cfg;
static struct loop loop;
static struct conn_ctx ctx;
static struct conn *c;
static int peer = -1;
static struct metrics *metrics;
static const int host_slot = 0;

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
setup(void)
{
	static char bytes[BIG_FILE];
	char text[1024], err[512];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int sv[2];

	snprintf(dir, sizeof(dir), "/tmp/check_conn.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(big, sizeof(big), "%s/big.bin", dir);
	memset(bytes, 'b', sizeof(bytes));
	write_file(big, bytes, sizeof(bytes));
	snprintf(conf, sizeof(conf), "%s/t.conf", dir);
	snprintf(text, sizeof(text),
	         "server = { request_timeout = 5; keepalive_timeout = 15; max_body_size = 64; };\n"
	         "routes = (\n"
	         "{ path = \"/hello\"; text = \"Hello World!\"; },\n"
	         "{ method = \"POST\"; path = \"/form\"; params = [ \"a\" ]; text = \"a={a}\"; },\n"
	         "{ path = \"/big\"; file = \"big.bin\"; }\n"
	         ");\n");
	write_file(conf, text, strlen(text));
	cfg = config_load(conf, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);

	ck_assert_int_eq(loop_init(&loop), 0);
	ctx = (struct conn_ctx){
		.cfg = cfg,
		.loop = &loop,
		.date = "Tue, 24 Nov 2026 22:33:58 GMT",
		.log_time = "24/Nov/2026:22:33:58 +0000",
		.access_log = true,
		.keepalive = true,
		.pool = { .size = CONN_BUF_SIZE, .max = 4 },
	};
	ck_assert_ptr_nonnull(metrics = metrics_map(NULL));
	ck_assert_ptr_nonnull(ctx.shard = metrics_shard_get(metrics));
	ctx.host_slots = &host_slot;
	ctx.handlers = handlers_new(cfg, metrics);
	ck_assert_ptr_nonnull(ctx.handlers);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	peer = sv[1];
	/* A small socket buffer, so that a large answer takes several turns. */
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 16384 }, sizeof(int)), 0);
	c = conn_new(&ctx, sv[0], (struct sockaddr *)&sun, 0);
	ck_assert_ptr_nonnull(c);
}

static void
teardown(void)
{
	char path[160];

	while (ctx.conns != NULL)
		conn_close(ctx.conns);
	conn_ctx_sweep(&ctx);
	close(peer);
	buf_free(&ctx.access);
	buf_free(&ctx.scratch);
	buf_pool_free(&ctx.pool);
	file_cache_clear(&ctx.files);
	handlers_free(ctx.handlers);
	metrics_unmap(metrics);
	loop_free(&loop);
	config_free(cfg);
	snprintf(path, sizeof(path), "%s/big.bin", dir);
	unlink(path);
	unlink(conf);
	rmdir(dir);
}

/* One turn of a worker's loop without blocking: dispatch what epoll has, run due timers, sweep. */
static void
turn(void)
{
	struct epoll_event ev[8];
	int i, n;

	n = epoll_wait(loop.epfd, ev, 8, 0);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++)
		conn_on_event(ev[i].data.ptr, ev[i].events);
	loop_run_timers(&loop);
	conn_ctx_sweep(&ctx);
}

static void
send_peer(const char *s)
{
	ck_assert_int_eq(write(peer, s, strlen(s)), (ssize_t)strlen(s));
}

/* Everything the connection sent so far, after a few turns so it has sent what it can. */
static size_t
recv_peer(char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 4; i++) {
		turn();
		while (len < cap - 1 && (n = read(peer, buf + len, cap - 1 - len)) > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* The access log lines formatted so far, as a string. */
static const char *
access_text(void)
{
	ck_assert_int_eq(buf_append(&ctx.access, "", 1), 0);
	ctx.access.len--;
	return ctx.access.data;
}

/* Nothing read yet: the state waits with no buffer taken. */
START_TEST(test_new_holds_nothing)
{
	conn_start(c, false);
	ck_assert_int_eq(c->state, CONN_NEW);
	ck_assert_ptr_null(c->in.data);
	ck_assert_ptr_null(c->out.data);
	ck_assert(conn_is_idle(c));
}
END_TEST

START_TEST(test_pipelined)
{
	char buf[4096];

	conn_start(c, false);
	send_peer("GET /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
	          "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_int_eq(count(buf, "HTTP/1.1 200 OK\r\n"), 2);
	ck_assert_int_eq(count(buf, "Hello World!"), 2);
	ck_assert_int_eq(count(buf, "HTTP/1.1 404 "), 1);
	/* In order: the 404 answers the third. */
	ck_assert(strstr(buf, "Hello World!") < strstr(buf, "404"));
	/* Answered, kept alive, and idle: no buffers held between requests. */
	ck_assert_int_eq(c->state, CONN_IDLE);
	ck_assert_ptr_null(c->in.data);
	ck_assert_ptr_null(c->out.data);
	ck_assert_int_eq(count(access_text(), "\"GET /hello HTTP/1.1\" 200 12\n"), 2);
	ck_assert_int_eq(count(access_text(), "\"GET /nothing HTTP/1.1\" 404 "), 1);
}
END_TEST

/* A chunked body in pieces, a turn between each: the decode resumes where it stopped. */
START_TEST(test_chunked_in_pieces)
{
	static const char *const pieces[] = {
		"POST /form HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n",
		"Content-Type: application/x-www-form-urlencoded\r\n\r\n",
		"2\r\na=",
		"\r\n3",
		"\r\nxyz\r\n0\r\n",
		"\r\n",
	};
	char buf[4096];
	size_t i;

	conn_start(c, false);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		send_peer(pieces[i]);
		ck_assert_uint_eq(recv_peer(buf, sizeof(buf)),
		                  i + 1 < sizeof(pieces) / sizeof(pieces[0]) ? 0 : strlen(buf));
		if (i + 1 < sizeof(pieces) / sizeof(pieces[0]))
			ck_assert_int_eq(c->state, i == 0 ? CONN_HEAD : CONN_BODY);
	}
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\r\n\r\na=xyz"));
	ck_assert_int_eq(c->state, CONN_IDLE);
}
END_TEST

START_TEST(test_continue)
{
	char buf[4096];

	conn_start(c, false);
	send_peer("POST /form HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n"
	          "Content-Type: application/x-www-form-urlencoded\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_str_eq(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	ck_assert_int_eq(c->state, CONN_BODY);
	send_peer("a=xyz");
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	ck_assert_int_eq(count(buf, "100 Continue"), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\r\n\r\na=xyz"));
}
END_TEST

/* A head that stops arriving gets 408 at request_timeout from its first byte, then the connection lingers. */
START_TEST(test_request_timeout)
{
	char buf[4096];

	conn_start(c, false);
	send_peer("GET /hello HTTP/1.1\r\nHo");
	ck_assert_uint_eq(recv_peer(buf, sizeof(buf)), 0);
	ck_assert_int_eq(c->state, CONN_HEAD);
	ck_assert_uint_eq(c->timer.deadline, c->first_byte_us / 1000 + 5000);
	loop.now = c->first_byte_us / 1000 + 4999;
	ck_assert_uint_eq(recv_peer(buf, sizeof(buf)), 0);
	loop.now = c->first_byte_us / 1000 + 5000;
	loop_run_timers(&loop);
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 408 Request Timeout\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Connection: close\r\n"));
	ck_assert_int_eq(c->state, CONN_LINGER);
	ck_assert_ptr_nonnull(strstr(access_text(), "\"-\" 408 "));
}
END_TEST

/* Lingering reads and drops what the peer still sends, and closes at its end of stream. */
START_TEST(test_linger)
{
	char buf[4096];

	conn_start(c, false);
	send_peer("GET /hello HTTP/1.1\r\nContent-Length: x\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 400 "));
	ck_assert_int_eq(c->state, CONN_LINGER);
	/* Our side is shut down: the peer reads the end of the stream after the answer. */
	ck_assert_int_eq(read(peer, buf, sizeof(buf)), 0);
	send_peer("more bytes the client had in flight");
	turn();
	ck_assert_int_eq(ctx.nconns, 1);
	ck_assert_int_eq(shutdown(peer, SHUT_WR), 0);
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
}
END_TEST

/* A linger that the peer never ends runs out after LINGER_MS. */
START_TEST(test_linger_deadline)
{
	char buf[4096];

	conn_start(c, false);
	send_peer("BAD\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_int_eq(c->state, CONN_LINGER);
	loop.now = c->timer.deadline;
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
}
END_TEST

START_TEST(test_keepalive_timeout)
{
	char buf[4096];

	conn_start(c, true);
	ck_assert_int_eq(c->state, CONN_IDLE);
	send_peer("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_int_eq(c->state, CONN_IDLE);
	ck_assert_uint_eq(c->timer.deadline, loop.now + 15000);
	loop.now += 14999;
	turn();
	ck_assert_int_eq(ctx.nconns, 1);
	loop.now += 1;
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
	/* Closed without a word: the peer reads the end of the stream. */
	ck_assert_int_eq(read(peer, buf, sizeof(buf)), 0);
}
END_TEST

/* A body larger than the socket takes is sent in turns (SEND), then the connection is idle again. */
START_TEST(test_file_in_turns)
{
	static char buf[BIG_FILE + 4096];
	size_t len = 0, head;
	ssize_t n;
	int turns = 0;

	conn_start(c, false);
	send_peer("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
	turn();
	ck_assert_int_eq(c->state, CONN_SEND);
	while (c->state == CONN_SEND && turns++ < 1000) {
		while ((n = read(peer, buf + len, sizeof(buf) - len)) > 0)
			len += (size_t)n;
		turn();
	}
	while ((n = read(peer, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	ck_assert_int_eq(c->state, CONN_IDLE);
	ck_assert_ptr_nonnull(strstr(buf, "Content-Length: 262144\r\n"));
	head = (size_t)(strstr(buf, "\r\n\r\n") + 4 - buf);
	ck_assert_uint_eq(len - head, BIG_FILE);
	ck_assert(buf[head] == 'b' && buf[len - 1] == 'b');
}
END_TEST

/* A reader that takes nothing for request_timeout is cut off. */
START_TEST(test_send_stall)
{
	conn_start(c, false);
	send_peer("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
	turn();
	ck_assert_int_eq(c->state, CONN_SEND);
	ck_assert_uint_eq(c->timer.deadline, loop.now + 5000);
	loop.now += 5000;
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
}
END_TEST

/* While stopping, an answer closes its connection. */
START_TEST(test_no_keepalive)
{
	char buf[4096];

	ctx.keepalive = false;
	conn_start(c, false);
	send_peer("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "Connection: close\r\n"));
	ck_assert_int_eq(ctx.nconns, 0);
	ck_assert_int_eq(read(peer, buf, sizeof(buf)), 0);
}
END_TEST

/* Behind a load balancer: the PROXY header comes first, and its source is the client from then on. */
START_TEST(test_proxy_v1)
{
	char buf[4096];

	cfg->listeners[0].proxy_protocol = true;
	conn_start(c, false);
	ck_assert_int_eq(c->state, CONN_PROXY);
	send_peer("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(access_text(), "203.0.113.7 - - ["));
	ck_assert_int_eq(c->state, CONN_IDLE);
	/* The next request on the connection needs no header of its own. */
	send_peer("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 200 OK\r\n"));
}
END_TEST

/* A header trickled a byte at a time is read whole, and the trickle does not move the deadline. */
START_TEST(test_proxy_trickled)
{
	static const char header[] = "PROXY TCP6 2001:db8::1 2001:db8::2 51000 443\r\n";
	char buf[4096];
	uint64_t deadline;
	size_t i;

	cfg->listeners[0].proxy_protocol = true;
	conn_start(c, false);
	deadline = c->timer.deadline;
	for (i = 0; i < sizeof(header) - 2; i++) {
		ck_assert_int_eq(write(peer, header + i, 1), 1);
		loop.now += 10;
		turn();
		ck_assert_int_eq(c->state, CONN_PROXY);
		ck_assert_uint_eq(c->timer.deadline, deadline);
	}
	send_peer("\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
	recv_peer(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	ck_assert_ptr_nonnull(strstr(access_text(), "2001:db8::1 - - ["));
}
END_TEST

/* Without a valid header the connection is closed without a word: it is not speaking to us. */
START_TEST(test_proxy_garbage)
{
	char buf[64];

	cfg->listeners[0].proxy_protocol = true;
	conn_start(c, false);
	send_peer("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
	ck_assert_int_eq(read(peer, buf, sizeof(buf)), 0);
}
END_TEST

/* A header that never comes: closed at request_timeout from accept. */
START_TEST(test_proxy_timeout)
{
	cfg->listeners[0].proxy_protocol = true;
	conn_start(c, false);
	send_peer("PROXY TCP4 ");
	turn();
	ck_assert_int_eq(c->state, CONN_PROXY);
	loop.now = c->timer.deadline;
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
}
END_TEST

/* A header and then nothing: the request gets request_timeout, as on any new connection, not keep-alive's. */
START_TEST(test_proxy_then_nothing)
{
	char buf[64];

	cfg->listeners[0].proxy_protocol = true;
	conn_start(c, false);
	send_peer("PROXY TCP4 203.0.113.7 192.0.2.1 51000 80\r\n");
	turn();
	ck_assert_int_eq(c->state, CONN_NEW);
	ck_assert_ptr_null(c->in.data);
	ck_assert_uint_eq(c->timer.deadline, loop.now + 5000);
	loop.now = c->timer.deadline;
	turn();
	ck_assert_int_eq(ctx.nconns, 0);
	ck_assert_int_eq(read(peer, buf, sizeof(buf)), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("socketpair");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new_holds_nothing);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_chunked_in_pieces);
	tcase_add_test(tc, test_continue);
	tcase_add_test(tc, test_request_timeout);
	tcase_add_test(tc, test_linger);
	tcase_add_test(tc, test_linger_deadline);
	tcase_add_test(tc, test_keepalive_timeout);
	tcase_add_test(tc, test_file_in_turns);
	tcase_add_test(tc, test_send_stall);
	tcase_add_test(tc, test_no_keepalive);
	tcase_add_test(tc, test_proxy_v1);
	tcase_add_test(tc, test_proxy_trickled);
	tcase_add_test(tc, test_proxy_garbage);
	tcase_add_test(tc, test_proxy_timeout);
	tcase_add_test(tc, test_proxy_then_nothing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
