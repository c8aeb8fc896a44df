/* SPDX-License-Identifier: ISC */
/* check_server.c: integration tests: the real tinyhttpd on a loopback port, over real sockets. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "itest.h"

static struct server srv;
static struct client cl;
static struct resp rs;

/* One request on a fresh connection; asserts the status and, when body is not NULL, the body. */
static void
expect(const char *raw, int status, const char *body)
{
	ck_assert_msg(itest_request(srv.port, raw, &rs) == 0, "no response to %s", raw);
	ck_assert_msg(rs.status == status, "%s: status %d, want %d", raw, rs.status, status);
	if (body != NULL)
		ck_assert_str_eq(rs.body, body);
}

START_TEST(test_seed_routes)
{
	itest_start(&srv, NULL, itest_seed_routes);
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/plain; charset=utf-8");
	ck_assert_str_eq(itest_header(&rs, "Content-Length"), "12");
	ck_assert_ptr_nonnull(itest_header(&rs, "Date"));
	expect("GET /info?name=Tom&age=20 HTTP/1.1\r\nHost: x\r\n\r\n", 200,
	       "hello, I'm Tom and 20 years old.");
	expect(itest_form("/form", "username=alice&password=x"), 200, "I'm alice and my password is x.");
	expect("GET /form HTTP/1.1\r\nHost: x\r\n\r\n", 200, NULL);
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(rs.body, "action=\"/form\""));
	ck_assert_ptr_nonnull(strstr(rs.body, "method=\"post\""));
	ck_assert_ptr_nonnull(strstr(rs.body, "name=\"username\""));
	ck_assert_ptr_nonnull(strstr(rs.body, "name=\"password\""));
	expect("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 302, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "/hello");
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_params)
{
	itest_start(&srv, NULL, itest_seed_routes);
	/* UTF-8 percent-encoded, '+' as space, parameters in any order, unknown ones ignored. */
	expect("GET /info?age=30&x=1&name=%E5%BC%A0%E4%B8%89 HTTP/1.1\r\nHost: x\r\n\r\n", 200,
	       "hello, I'm \xe5\xbc\xa0\xe4\xb8\x89 and 30 years old.");
	expect("GET /info?name=Tom+Jones&age=4%32 HTTP/1.1\r\nHost: x\r\n\r\n", 200,
	       "hello, I'm Tom Jones and 42 years old.");
	expect("GET /info?name=Tom HTTP/1.1\r\nHost: x\r\n\r\n", 400, "missing parameter: age\n");
	expect("GET /info HTTP/1.1\r\nHost: x\r\n\r\n", 400, "missing parameter: name, age\n");
	expect("GET /info?name=%zz&age=1 HTTP/1.1\r\nHost: x\r\n\r\n", 400,
	       "malformed percent-encoding in the parameters\n");
	/* A form body on POST; the query string counts too. */
	expect(itest_form("/form?username=bob", "password=p%26q"), 200, "I'm bob and my password is p&q.");
	expect(itest_form("/form", "username=alice"), 400, "missing parameter: password\n");
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_errors_and_methods)
{
	itest_start(&srv, NULL, itest_seed_routes);
	expect("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	expect("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", 405, NULL);
	ck_assert_str_eq(itest_header(&rs, "Allow"), "GET, HEAD, OPTIONS");
	expect("PUT /form HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405, NULL);
	ck_assert_str_eq(itest_header(&rs, "Allow"), "GET, HEAD, POST, OPTIONS");
	/* A method the server does not implement is 501 wherever it is sent, and says so. */
	expect("FOO /hello HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method not implemented\n");
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/plain; charset=utf-8");
	ck_assert_ptr_null(itest_header(&rs, "Allow"));
	expect("get /hello HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method not implemented\n");
	expect("CONNECT /nope HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method not implemented\n");
	/* HEAD: the GET route's headers, no body. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	cl.head_request = true;
	itest_sends(&cl, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(itest_header(&rs, "Content-Length"), "12");
	cl.head_request = false;
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* A 204 ends with its head: no Content-Length, no body, and the connection goes on (RFC 9110 15.3.5). */
START_TEST(test_no_content)
{
	itest_start(&srv, "access_log = \"-\";",
	            "{ method = \"POST\"; path = \"/beacon\"; text = \"\"; status = 204; },\n"
	            "{ path = \"/hello\"; text = \"Hello World!\"; }\n");
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	/* Pipelined: a byte of body after the 204's head would be read as the start of the next answer. */
	itest_sends(&cl, "POST /beacon HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
	                 "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 204);
	ck_assert_msg(itest_header(&rs, "Content-Length") == NULL &&
	                      itest_header(&rs, "Content-Type") == NULL &&
	                      itest_header(&rs, "Connection") == NULL,
	              "204 head: %s", rs.head);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body, "Hello World!");
	/* One at a time: the client knows the 204 is whole at its head and asks again on the connection. */
	itest_sends(&cl, "POST /beacon HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 204);
	itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	ck_assert_int_eq(cl.len, 0);
	itest_close(&cl);
	ck_assert(itest_wait_log(&srv, "\"POST /beacon HTTP/1.1\" 204 0", 10000));
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Host and an absolute-form target's authority: uri-host [ ":" port ] or 400 (RFC 9112 section 3.2). */
START_TEST(test_host_syntax)
{
	itest_start(&srv, NULL, itest_seed_routes);
	expect("GET /hello HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 200, "Hello World!");
	expect("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, "Hello World!");
	expect("GET /hello HTTP/1.1\r\nHost: xn--caf-dma.example:80\r\n\r\n", 200, "Hello World!");
	expect("GET /hello HTTP/1.1\r\nHost:\r\n\r\n", 200, "Hello World!");
	expect("GET http://localhost:80/hello HTTP/1.0\r\n\r\n", 200, "Hello World!");
	expect("GET http://[::1]/hello HTTP/1.1\r\nHost: [::1]\r\n\r\n", 200, "Hello World!");
	expect("GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host header\n");
	expect("GET /hello HTTP/1.1\r\nHost: localhost:80x\r\n\r\n", 400, "invalid Host header\n");
	expect("GET http://localhost:80x/ HTTP/1.0\r\n\r\n", 400, "invalid host in request target\n");
	expect("GET http://[::1/hello HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid host in request target\n");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * The request variables over a real socket: {host} as nginx's $host (no port, lower case), {path} and
 * {query} as sent, {remote_addr} the client's, which the access log line names too.
 */
START_TEST(test_request_variables)
{
	itest_start(&srv, "access_log = \"-\";",
	            "{ path = \"/secure\"; redirect = \"https://{host}{path}\"; status = 301; },\n"
	            "{ path = \"/whoami\"; text = \"{host} {path} {query} {remote_addr}\"; },\n"
	            "{ path = \"/echo\"; text = \"<p>{query}</p>\"; content_type = \"text/html\"; }\n");
	expect("GET /secure?x=1 HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n", 301, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "https://example.com/secure");
	expect("GET /secure HTTP/1.0\r\n\r\n", 301, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "https:///secure");
	expect("GET //secure HTTP/1.1\r\nHost: h%0D%0ASet-Cookie%3Ax=1\r\n\r\n", 301, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "https://h%0d%0aset-cookie%3ax=1//secure");
	ck_assert_ptr_null(itest_header(&rs, "Set-Cookie"));
	expect("GET /echo?<b>&'x' HTTP/1.1\r\nHost: x\r\n\r\n", 200, "<p>&lt;b&gt;&amp;&#39;x&#39;</p>");

	/* Two requests on one connection, each with its own host. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /whoami?a=%20b HTTP/1.1\r\nHost: WWW.Example.org:8080\r\n\r\n"
	                 "GET http://[::1]:81/whoami HTTP/1.1\r\nHost: other\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "www.example.org /whoami a=%20b 127.0.0.1");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "[::1] /whoami  127.0.0.1");
	itest_close(&cl);
	ck_assert(itest_wait_log(&srv, "127.0.0.1 - - [", 10000));
	ck_assert(itest_wait_log(&srv, "\"GET http://[::1]:81/whoami HTTP/1.1\" 200 24", 10000));
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* An OPTIONS answer: 200, Allow, and an empty body that leaves the connection ready for the next one. */
static void
expect_options(const char *raw, const char *allow)
{
	expect(raw, 200, "");
	ck_assert_str_eq(itest_header(&rs, "Allow"), allow);
	ck_assert_str_eq(itest_header(&rs, "Content-Length"), "0");
	ck_assert_ptr_null(itest_header(&rs, "Content-Type"));
	ck_assert_uint_eq(rs.body_len, 0);
}

START_TEST(test_options)
{
	char routes[2048];

	snprintf(routes, sizeof(routes),
	         "%s,\n{ method = \"OPTIONS\"; path = \"/api\"; text = \"api options\"; },\n"
	         "{ method = \"PATCH\"; path = \"/api\"; text = \"patched\"; }\n",
	         itest_seed_routes);
	itest_start(&srv, NULL, routes);
	expect_options("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	               "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
	expect_options("OPTIONS /hello HTTP/1.1\r\nHost: x\r\n\r\n", "GET, HEAD, OPTIONS");
	expect_options("OPTIONS /form HTTP/1.0\r\n\r\n", "GET, HEAD, POST, OPTIONS");
	expect_options("OPTIONS /static/a/b.css HTTP/1.1\r\nHost: x\r\n\r\n", "GET, HEAD, OPTIONS");
	expect_options("OPTIONS http://x/form?q HTTP/1.1\r\nHost: x\r\n\r\n", "GET, HEAD, POST, OPTIONS");
	expect("OPTIONS /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	/* A route for OPTIONS answers as configured; the path's Allow names OPTIONS once. */
	expect("OPTIONS /api HTTP/1.1\r\nHost: x\r\n\r\n", 200, "api options");
	expect("GET /api HTTP/1.1\r\nHost: x\r\n\r\n", 405, NULL);
	ck_assert_str_eq(itest_header(&rs, "Allow"), "PATCH, OPTIONS");
	/* The asterisk is for OPTIONS alone (RFC 9112 section 3.2.4). */
	expect("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, "asterisk-form target is only for OPTIONS\n");

	/* Content-Length: 0 frames it: the requests pipelined after it on one connection are answered. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS /hello HTTP/1.1\r\nHost: x\r\n\r\n"
	                 "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(itest_header(&rs, "Allow"), "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(itest_header(&rs, "Allow"), "GET, HEAD, OPTIONS");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_limits)
{
	char big[8192], filler[2001];

	itest_start(&srv, "max_header_size = 1024; max_body_size = 16;", itest_seed_routes);
	memset(filler, 'a', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	snprintf(big, sizeof(big), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", filler);
	expect(big, 414, NULL);
	snprintf(big, sizeof(big), "GET /hello HTTP/1.1\r\nHost: x\r\nX: %s\r\n\r\n", filler);
	expect(big, 431, NULL);
	expect("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n", 413, NULL);
	expect("POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "11\r\nusername=a&passwo\r\n0\r\n\r\n",
	       413, NULL);
	expect(itest_form("/form", "username=a&pa=b"), 400, NULL);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_keepalive_and_pipelining)
{
	int i;

	itest_start(&srv, NULL, itest_seed_routes);
	/* Several requests, one at a time, on one connection. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	for (i = 0; i < 5; i++) {
		itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
		ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
		ck_assert_str_eq(rs.body, "Hello World!");
		ck_assert_ptr_null(itest_header(&rs, "Connection"));
	}
	/* Pipelined in one write, answered in order; the last asks to close. */
	itest_sends(&cl,
	            "GET /info?name=a&age=1 HTTP/1.1\r\nHost: x\r\n\r\n"
	            "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	            "Content-Length: 21\r\n\r\nusername=b&password=c"
	            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
	            "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "hello, I'm a and 1 years old.");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "I'm b and my password is c.");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 404);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	ck_assert_str_eq(itest_header(&rs, "Connection"), "close");
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&cl);
	/* What a client sends after Connection: close is not answered, and does not cost it the answer. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	                 "GET /info?name=a&age=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), -1);
	itest_close(&cl);

	/* HTTP/1.0 closes unless it asks to keep alive. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(itest_header(&rs, "Connection"), "keep-alive");
	itest_sends(&cl, "GET /hello HTTP/1.0\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&cl);

	/* A client that half-closes after its request still gets the answer. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	shutdown(cl.fd, SHUT_WR);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_bodies)
{
	static const char head[] =
	        "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	        "Transfer-Encoding: chunked\r\n\r\n";
	static const char chunks[] =
	        "9\r\nusername=\r\n5;ext=1\r\nalice\r\n0B\r\n&password=x\r\n0\r\nX-T: 1\r\n\r\n";
	static struct client other;
	const char *form;
	size_t i;

	/* One worker, so that the requests of two connections interleave in it. */
	itest_start(&srv, "workers = 1;", itest_seed_routes);
	/* A chunked body, trickled a few bytes at a time. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, head);
	for (i = 0; i < sizeof(chunks) - 1; i += 7) {
		itest_send(&cl, chunks + i, sizeof(chunks) - 1 - i < 7 ? sizeof(chunks) - 1 - i : 7);
		usleep(2000);
	}
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body, "I'm alice and my password is x.");
	/* Expect: 100-continue gets its interim answer before the body is sent. */
	itest_sends(&cl,
	            "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	            "Content-Length: 21\r\nExpect: 100-continue\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 100);
	itest_sends(&cl, "username=d&password=e");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "I'm d and my password is e.");
	/* Another connection's request is answered while this body is half here; this one's is still its own.
	 */
	form = itest_form("/form", "username=carol&password=y");
	itest_send(&cl, form, strlen(form) - 5);
	usleep(20000);
	ck_assert_int_eq(itest_connect(&other, srv.port), 0);
	itest_sends(&other, "GET /info?name=a&age=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&other, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "hello, I'm a and 1 years old.");
	itest_sends(&cl, form + strlen(form) - 5);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "I'm carol and my password is y.");
	itest_close(&other);
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * A head with Expect: 100-continue, its body held back, must get its final answer at once, with no
 * "100 Continue" before it; what the client sends next, though shaped like a request, is not answered.
 */
static void
expect_refused(const char *method_path, const char *framing, int status)
{
	static const char smuggled[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
	char head[512];

	snprintf(head, sizeof(head), "%s HTTP/1.1\r\nHost: x\r\n%s\r\nExpect: 100-continue\r\n\r\n",
	         method_path, framing);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, head);
	ck_assert_msg(itest_read(&cl, &rs, 5000) == 0, "%s: no answer before the body", method_path);
	ck_assert_msg(rs.status == status, "%s: status %d, want %d", method_path, rs.status, status);
	ck_assert_str_eq(itest_header(&rs, "Connection"), "close");
	(void)itest_try_send(&cl, smuggled, sizeof(smuggled) - 1);
	ck_assert_msg(itest_read(&cl, &rs, 5000) == -1 && itest_closed(&cl, 5000),
	              "%s: the body sent after the answer was read", method_path);
	itest_close(&cl);
}

/* "100 Continue" only for a request that will be read: route, method and length are checked first. */
START_TEST(test_expect_continue)
{
	static const char form_head[] =
	        "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	        "%s\r\nExpect: 100-continue\r\n\r\n";
	char head[512];

	itest_start(&srv, NULL, itest_seed_routes);
	expect_refused("POST /nope", "Content-Length: 32", 404);
	expect_refused("POST /nope", "Transfer-Encoding: chunked", 404);
	expect_refused("PUT /hello", "Content-Length: 32", 405);
	expect_refused("POST /%zz", "Content-Length: 32", 400);
	expect_refused("POST /form", "Content-Length: 1048577", 413);

	/* Routed: the interim answer, then the body, then the final answer; the connection goes on. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	snprintf(head, sizeof(head), form_head, "Content-Length: 21");
	itest_sends(&cl, head);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 100);
	itest_sends(&cl, "username=d&password=e");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body, "I'm d and my password is e.");
	snprintf(head, sizeof(head), form_head, "Transfer-Encoding: chunked");
	itest_sends(&cl, head);
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 100);
	itest_sends(&cl, "15\r\nusername=f&password=g\r\n0\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "I'm f and my password is g.");
	/* A static route, whose file is found again from the route kept while the body came. */
	itest_sends(&cl, "GET /static/form.html HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
	                 "Expect: 100-continue\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 100);
	itest_sends(&cl, "abc");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_ptr_nonnull(strstr(rs.body, "action=\"/form\""));
	itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Bodies near max_body_size, by Content-Length and chunked: the input grows as they arrive. */
START_TEST(test_large_bodies)
{
	static char big[1100000];
	size_t n = 1048576 - 2, off, piece;
	char head[256];

	itest_start(&srv, NULL,
	            "{ method = \"POST\"; path = \"/len\"; params = [ \"a\" ]; text = \"got it\"; }");
	memset(big, 'x', sizeof(big));
	big[0] = 'a';
	big[1] = '=';
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	snprintf(head, sizeof(head),
	         "POST /len HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	         "Content-Length: %zu\r\n\r\n",
	         n);
	itest_sends(&cl, head);
	itest_send(&cl, big, n);
	ck_assert_int_eq(itest_read(&cl, &rs, 20000), 0);
	ck_assert_str_eq(rs.body, "got it");
	/* The same as chunks of 100000 bytes on the same connection. */
	itest_sends(&cl,
	            "POST /len HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n");
	for (off = 0; off < n; off += piece) {
		piece = n - off < 100000 ? n - off : 100000;
		snprintf(head, sizeof(head), "%zx\r\n", piece);
		itest_sends(&cl, head);
		itest_send(&cl, big + off, piece);
		itest_sends(&cl, "\r\n");
	}
	itest_sends(&cl, "0\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 20000), 0);
	ck_assert_str_eq(rs.body, "got it");
	itest_close(&cl);
	/* One byte over the limit, announced: refused before it is sent. */
	snprintf(head, sizeof(head), "POST /len HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 1048577);
	expect(head, 413, "request body too large\n");
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_static_files)
{
	char path[600], want[4096];
	FILE *f;
	size_t n;

	itest_start(&srv, NULL, itest_seed_routes);
	snprintf(path, sizeof(path), "%s/www/index.html", getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : ".");
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(want, 1, sizeof(want) - 1, f);
	want[n] = '\0';
	fclose(f);
	expect("GET /static/index.html HTTP/1.1\r\nHost: x\r\n\r\n", 200, want);
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/html; charset=utf-8");
	expect("GET /static/ HTTP/1.1\r\nHost: x\r\n\r\n", 200, want);
	expect("GET /static/nope.txt HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	expect("GET /static/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400, NULL);
	expect("GET /static/..%2f..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\n\r\n", 400, NULL);
	expect("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400, NULL);
	expect("GET /static/%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, NULL);
	expect("GET /static/%2e%2e/form.html HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Writes text to dir/name. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * Symlinks inside the root are followed; those that lead out of it are not, nor is a directory without an
 * index listed, unless the route says follow_symlinks or autoindex.
 */
START_TEST(test_static_symlinks)
{
	char root[64] = "/tmp/tinyhttpd-root.XXXXXX", outside[64] = "/tmp/tinyhttpd-out.XXXXXX";
	char path[160], routes[512];

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_ptr_nonnull(mkdtemp(outside));
	put_file(root, "page.txt", "inside\n");
	put_file(root, "a b&c.txt", "odd name\n");
	put_file(outside, "secret.txt", "outside\n");
	snprintf(path, sizeof(path), "%s/in.txt", root);
	ck_assert_int_eq(symlink("page.txt", path), 0);
	snprintf(path, sizeof(path), "%s/out", root);
	snprintf(routes, sizeof(routes), "%s/secret.txt", outside);
	ck_assert_int_eq(symlink(routes, path), 0);
	snprintf(path, sizeof(path), "%s/outdir", root);
	ck_assert_int_eq(symlink(outside, path), 0);
	snprintf(path, sizeof(path), "%s/empty", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(routes, sizeof(routes),
	         "{ prefix = \"/s/\"; root = \"%s\"; },\n"
	         "{ prefix = \"/f/\"; root = \"%s\"; follow_symlinks = true; autoindex = true; }",
	         root, root);
	itest_start(&srv, NULL, routes);
	expect("GET /s/page.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200, "inside\n");
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/plain; charset=utf-8");
	expect("GET /s/in.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200, "inside\n");
	expect("GET /s/out HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	expect("GET /s/outdir/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	expect("GET /s/ HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	expect("GET /s/empty/ HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	expect("GET /s/empty HTTP/1.1\r\nHost: x\r\n\r\n", 301, NULL);
	ck_assert_str_eq(itest_header(&rs, "Location"), "/s/empty/");
	/* The same tree through the route that allows both. */
	expect("GET /f/out HTTP/1.1\r\nHost: x\r\n\r\n", 200, "outside\n");
	expect("GET /f/outdir/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n", 200, "outside\n");
	expect("GET /f/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400, NULL);
	expect("GET /f/ HTTP/1.1\r\nHost: x\r\n\r\n", 200, NULL);
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(rs.body, "<a href=\"a%20b%26c.txt\">a b&amp;c.txt</a>"));
	ck_assert_ptr_nonnull(strstr(rs.body, "<a href=\"empty/\">empty/</a>"));
	ck_assert_ptr_nonnull(strstr(rs.body, "<a href=\"page.txt\">page.txt</a>"));
	ck_assert_ptr_null(strstr(rs.body, "../"));
	/* Sorted by name. */
	ck_assert(strstr(rs.body, "a b&amp;c.txt") < strstr(rs.body, "page.txt"));
	expect("GET /f/empty/ HTTP/1.1\r\nHost: x\r\n\r\n", 200, NULL);
	ck_assert_ptr_nonnull(strstr(rs.body, "<title>Index of /f/empty/</title>"));
	ck_assert_ptr_nonnull(strstr(rs.body, "<a href=\"../\">../</a>"));
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(root);
	itest_remove_tree(outside);
}
END_TEST

/* Asks with raw until the body is want, for at most timeout_ms; returns the milliseconds it took. */
static uint64_t
expect_soon(const char *raw, const char *want, int timeout_ms)
{
	uint64_t start = itest_now();

	for (;;) {
		ck_assert_int_eq(itest_request(srv.port, raw, &rs), 0);
		if (strcmp(rs.body, want) == 0)
			return itest_now() - start;
		ck_assert_msg(itest_now() - start < (uint64_t)timeout_ms, "%s: still \"%s\" after %d ms", raw,
		              rs.body, timeout_ms);
		usleep(20000);
	}
}

/*
 * Small files stay open for a second after they are served (FILE_CACHE_TTL_MS): a file written in place
 * shows at once, one that shrank is read afresh, one renamed over or removed is seen within the second.
 */
START_TEST(test_static_cache)
{
	static const char get[] = "GET /f/a.txt HTTP/1.1\r\nHost: x\r\n\r\n";
	char root[64] = "/tmp/tinyhttpd-cache.XXXXXX", routes[256], path[160], tmp[160];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(routes, sizeof(routes), "{ prefix = \"/f/\"; root = \"%s\"; }", root);
	snprintf(path, sizeof(path), "%s/a.txt", root);
	snprintf(tmp, sizeof(tmp), "%s/a.txt.new", root);
	put_file(root, "a.txt", "first version");
	/* One worker, so each request finds the same cache. */
	itest_start(&srv, "workers = 1;", routes);
	expect(get, 200, "first version");
	/* Rewritten in place with the same length: the open file reads the new bytes. */
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	fputs("FIRST", f);
	ck_assert_int_eq(fclose(f), 0);
	expect(get, 200, "FIRST version");
	/* Shorter now: the size no longer matches, so it is opened again at once. */
	put_file(root, "a.txt", "short");
	expect(get, 200, "short");
	/* Renamed over (how deploys replace files): the new file within a second or so. */
	put_file(root, "a.txt.new", "renamed in");
	ck_assert_int_eq(rename(tmp, path), 0);
	ck_assert_uint_le(expect_soon(get, "renamed in", 5000), 3000);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_uint_le(expect_soon(get, "not found\n", 5000), 3000);
	ck_assert_int_eq(rs.status, 404);
	itest_stop(&srv, SIGTERM);
	itest_remove_tree(root);
}
END_TEST

START_TEST(test_timeouts)
{
	uint64_t start;

	itest_start(&srv, "request_timeout = 1; keepalive_timeout = 1;", itest_seed_routes);
	/* A request that stops halfway gets 408 once request_timeout passes. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	start = itest_now();
	itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost:");
	ck_assert_int_eq(itest_read(&cl, &rs, 10000), 0);
	ck_assert_int_eq(rs.status, 408);
	ck_assert_uint_ge(itest_now() - start, 900);
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&cl);
	/* An idle keep-alive connection is closed after keepalive_timeout. */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	start = itest_now();
	ck_assert(itest_closed(&cl, 10000));
	ck_assert_uint_ge(itest_now() - start, 900);
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Polls until a request gets want as its body; every answer on the way must be a 200. */
static void
wait_for_body(int port, const char *raw, const char *old, const char *want)
{
	uint64_t deadline = itest_now() + 15000;

	while (itest_now() < deadline) {
		ck_assert_msg(itest_request(port, raw, &rs) == 0, "request failed during reload");
		ck_assert_int_eq(rs.status, 200);
		if (strcmp(rs.body, want) == 0)
			return;
		ck_assert_str_eq(rs.body, old);
		usleep(20000);
	}
	ck_abort_msg("never saw \"%s\"", want);
}

START_TEST(test_reload_route)
{
	pid_t before[64], after[64];
	size_t nb, na;
	int fds;

	itest_start(&srv, "workers = 1;", "{ path = \"/hello\"; text = \"one\"; }");
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "one");
	fds = itest_fd_count(srv.pid);
	nb = itest_workers(srv.pid, before, 64);
	ck_assert_uint_eq(nb, 1);
	itest_write_config(&srv, "workers = 3;", "{ path = \"/hello\"; text = \"two\"; }");
	kill(srv.pid, SIGHUP);
	wait_for_body(srv.port, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", "one", "two");
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));
	na = itest_workers(srv.pid, after, 64);
	ck_assert_uint_eq(na, 3);
	/* The old generation's worker is gone, and the master holds no more descriptors than before. */
	ck_assert(kill(before[0], 0) == -1);
	ck_assert_int_eq(itest_fd_count(srv.pid), fds + 2);
	ck_assert_uint_eq(itest_zombies(srv.pid), 0);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* A port that cannot be bound keeps the running generation whole. */
START_TEST(test_reload_bind_failure)
{
	static struct server other;
	int port;

	itest_start(&other, NULL, itest_seed_routes);
	itest_start(&srv, NULL, itest_seed_routes);
	port = srv.port;
	srv.port = other.port;
	itest_write_config(&srv, NULL, "{ path = \"/hello\"; text = \"moved\"; }");
	srv.port = port;
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "cannot bind", 10000));
	ck_assert(itest_wait_log(&srv, "the running configuration stays", 5000));
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	ck_assert(!itest_wait_log(&srv, "generation 2", 0));
	itest_stop(&srv, SIGTERM);
	itest_stop(&other, SIGTERM);
}
END_TEST

/* New limits apply to the new generation; a drain that cannot finish ends at shutdown_timeout. */
START_TEST(test_reload_limits_and_shutdown_timeout)
{
	uint64_t start;

	itest_start(&srv, "shutdown_timeout = 1;", itest_seed_routes);
	/*
	 * A request that will never complete holds the old worker; its 100 Continue proves the worker has
	 * read the head, so the reload cannot find the connection idle and hand it over.
	 */
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl,
	            "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_int_eq(rs.status, 100);
	itest_sends(&cl, "abc");
	itest_write_config(&srv, "shutdown_timeout = 1; max_body_size = 16;", itest_seed_routes);
	start = itest_now();
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 10000));
	/* It ended by the deadline, with the stuck connection closed, not handed over. */
	ck_assert_uint_ge(itest_now() - start, 900);
	ck_assert(itest_wait_log(&srv, "1 still open", 0));
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&cl);
	/* Only generation 2 is left to answer, with its own limit (the old one would wait for the body). */
	expect("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n", 413, NULL);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_reload_port)
{
	int old = 0;

	itest_start(&srv, NULL, itest_seed_routes);
	old = srv.port;
	srv.port = itest_free_port();
	itest_write_config(&srv, NULL, itest_seed_routes);
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "generation 2: serving", 15000));
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));
	ck_assert_int_eq(itest_connect(&cl, old), -1);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_reload_bad_config)
{
	FILE *f;

	itest_start(&srv, NULL, itest_seed_routes);
	f = fopen(srv.conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "server = { port = 8080; };\nroutes = (\n { path = \"/x\"; text = 5; }\n);\n");
	fclose(f);
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "test.conf:3:", 10000));
	ck_assert(itest_wait_log(&srv, "the running configuration stays", 1000));
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	ck_assert(!itest_wait_log(&srv, "generation 2", 0));
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_worker_replaced)
{
	pid_t pids[64], now[64];
	uint64_t deadline;
	size_t n, i;
	bool replaced = false;

	itest_start(&srv, NULL, itest_seed_routes);
	n = itest_workers(srv.pid, pids, 64);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(kill(pids[0], SIGKILL), 0);
	deadline = itest_now() + 10000;
	while (!replaced && itest_now() < deadline) {
		usleep(20000);
		if (itest_workers(srv.pid, now, 64) != 2)
			continue;
		replaced = true;
		for (i = 0; i < 2; i++)
			replaced &= now[i] != pids[0];
	}
	ck_assert_msg(replaced, "the killed worker was not replaced");
	ck_assert(itest_wait_log(&srv, "killed by signal 9", 1000));
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Workers that die young in a row are replaced ever more slowly, not in a fork storm. */
START_TEST(test_respawn_backoff)
{
	pid_t pids[8];
	uint64_t deadline;
	int kills = 0;

	itest_start(&srv, "workers = 1;", itest_seed_routes);
	deadline = itest_now() + 20000;
	while (kills < 3 && itest_now() < deadline) {
		if (itest_workers(srv.pid, pids, 8) == 1 && kill(pids[0], SIGKILL) == 0) {
			kills++;
			/* Wait until the master has reaped it, so the next kill hits its replacement. */
			while (kill(pids[0], 0) == 0 && itest_now() < deadline)
				usleep(1000);
		}
		usleep(1000);
	}
	ck_assert_int_eq(kills, 3);
	ck_assert(itest_wait_log(&srv, "replacing the worker in 100 ms", 5000));
	ck_assert(itest_wait_log(&srv, "replacing the worker in 200 ms", 5000));
	/* After the back-off it serves again. */
	deadline = itest_now() + 10000;
	while (itest_workers(srv.pid, pids, 8) != 1 && itest_now() < deadline)
		usleep(10000);
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	ck_assert_uint_eq(itest_zombies(srv.pid), 0);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* "::" listens on IPv6 and, dual stack, on IPv4 too. */
START_TEST(test_ipv6)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
		fprintf(stderr, "no IPv6 loopback here: skipping the IPv6 test\n");
		if (fd != -1)
			close(fd);
		return;
	}
	close(fd);
	itest_start(&srv, "address = \"::\";", itest_seed_routes);
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	ck_assert_int_eq(itest_connect_family(&cl, AF_INET6, srv.port), 0);
	itest_sends(&cl, "GET /info?name=v6&age=6 HTTP/1.1\r\nHost: [::1]\r\n\r\n");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "hello, I'm v6 and 6 years old.");
	itest_close(&cl);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_graceful_stop)
{
	static struct client idle, late;

	itest_start(&srv, "workers = 1; shutdown_timeout = 30;", itest_seed_routes);
	/* An idle keep-alive connection, and a request in flight when SIGQUIT arrives. */
	ck_assert_int_eq(itest_connect(&idle, srv.port), 0);
	itest_sends(&idle, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(itest_read(&idle, &rs, 5000), 0);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl,
	            "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	            "Content-Length: 21\r\n\r\nusername=");
	kill(srv.pid, SIGQUIT);
	/* The worker's own line: the master's comes before the worker has the signal. */
	ck_assert(itest_wait_log(&srv, "worker g1: info: draining", 5000));
	/*
	 * Nothing accepts any more, so nothing listens: a new connection is refused at once, and a load
	 * balancer tries another server. Queued on a socket nobody accepts from, it would be reset when the
	 * server exits, after the load balancer had sent the request.
	 */
	ck_assert_int_eq(itest_connect(&late, srv.port), -1);
	/* There is no new generation to move the idle connection to: it closes now, not at shutdown_timeout.
	 */
	ck_assert(itest_closed(&idle, 5000));
	/* While the request in flight, slower than that, is still answered, and told the connection closes.
	 */
	itest_sends(&cl, "q&password=r");
	ck_assert_int_eq(itest_read(&cl, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "I'm q and my password is r.");
	ck_assert_str_eq(itest_header(&rs, "Connection"), "close");
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&idle);
	itest_close(&cl);
	itest_stop(&srv, SIGQUIT);
}
END_TEST

/*
 * A graceful stop with only idle keep-alive connections open (a browser's) ends as soon as the workers have
 * closed them, well before shutdown_timeout: a service manager's stop or restart does not wait for it.
 */
START_TEST(test_graceful_stop_idle)
{
	static struct client idle[3];
	uint64_t t0;
	size_t i;

	itest_start(&srv, "workers = 2; shutdown_timeout = 30;", itest_seed_routes);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(itest_connect(&idle[i], srv.port), 0);
		itest_sends(&idle[i], "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
		ck_assert_int_eq(itest_read(&idle[i], &rs, 5000), 0);
	}
	t0 = itest_now();
	itest_stop(&srv, SIGQUIT);
	/* Under valgrind the processes take a few seconds to exit; the old behaviour took 30. */
	ck_assert_msg(itest_now() - t0 < 20000, "the stop took %llu ms",
	              (unsigned long long)(itest_now() - t0));
	for (i = 0; i < 3; i++) {
		ck_assert(itest_closed(&idle[i], 1000));
		itest_close(&idle[i]);
	}
}
END_TEST

/*
 * Between a graceful stop and the last worker closing the listener, the kernel queues no new connection
 * there: one queued then would be reset when the socket closes, its request sent. Its SYN is dropped
 * instead, and the retransmission finds the port closed. The worker is held stopped (SIGSTOP) to keep
 * the socket open meanwhile; a connection queued before the stop is still accepted and answered.
 */
START_TEST(test_graceful_stop_refuses_new)
{
	static struct client queued;
	struct pollfd pfd;
	pid_t worker;
	int fd, err;
	socklen_t len = sizeof(err);

	itest_start(&srv, "workers = 1; shutdown_timeout = 30;", itest_seed_routes);
	ck_assert_uint_eq(itest_workers(srv.pid, &worker, 1), 1);
	ck_assert_int_eq(kill(worker, SIGSTOP), 0);
	ck_assert_int_eq(itest_connect(&queued, srv.port), 0);
	itest_sends(&queued, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	kill(srv.pid, SIGQUIT);
	/* Said once the filter is on and the master's copy closed; "graceful stop" comes before both. */
	ck_assert(itest_wait_log(&srv, "generation 1: draining", 5000));
	/* The master's copy is closed, the stopped worker's still open: only the filter keeps it out. */
	fd = itest_connect_nonblock(srv.port);
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	ck_assert_int_eq(poll(&pfd, 1, 500), 0);
	ck_assert_int_eq(kill(worker, SIGCONT), 0);
	ck_assert_int_eq(itest_read(&queued, &rs, 5000), 0);
	ck_assert_str_eq(rs.body, "Hello World!");
	/* Once the worker has closed the listener, the next SYN (1, 3 or 7 s after the first) is refused. */
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	ck_assert_int_eq(err, ECONNREFUSED);
	close(fd);
	itest_close(&queued);
	itest_stop(&srv, SIGQUIT);
}
END_TEST

/* SIGTERM while a graceful stop waits for a request in flight: the fast stop takes over, and exits 0. */
START_TEST(test_fast_stop_during_graceful)
{
	itest_start(&srv, "workers = 1; shutdown_timeout = 30;", itest_seed_routes);
	ck_assert_int_eq(itest_connect(&cl, srv.port), 0);
	itest_sends(&cl, "GET /hello HTTP/1.1\r\n");
	kill(srv.pid, SIGQUIT);
	ck_assert(itest_wait_log(&srv, "worker g1: info: draining", 5000));
	itest_stop(&srv, SIGTERM);
	ck_assert(itest_closed(&cl, 5000));
	itest_close(&cl);
}
END_TEST

/*
 * A second stop request that comes while the master exits (an impatient admin, a service manager's
 * SIGTERM after a SIGQUIT) finds the stop done: the master still exits 0, not killed by that signal.
 */
START_TEST(test_second_stop_signal)
{
	static const int second[] = { SIGQUIT, SIGTERM };
	size_t i;

	for (i = 0; i < sizeof(second) / sizeof(second[0]); i++) {
		itest_start(&srv, NULL, itest_seed_routes);
		expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
		itest_stop_twice(&srv, SIGQUIT, second[i]);
	}
}
END_TEST

START_TEST(test_sigint_stops)
{
	itest_start(&srv, NULL, itest_seed_routes);
	expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	itest_stop(&srv, SIGINT);
}
END_TEST

/* Runs the binary with args and returns its exit status; its stderr goes to out. */
static int
run_binary(const char *args, char *out, size_t cap)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", getenv("TINYHTTPD") ? getenv("TINYHTTPD") : "src/tinyhttpd",
	         args);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_command_line)
{
	char out[4096], args[512], want[64], dump[32768];
	FILE *f;

	itest_start(&srv, NULL, itest_seed_routes);
	snprintf(args, sizeof(args), "-t -c %s", srv.conf);
	ck_assert_int_eq(run_binary(args, out, sizeof(out)), 0);
	/* -T: the check, then every setting, the listener and the host's routes as understood. */
	snprintf(args, sizeof(args), "-T -c %s", srv.conf);
	ck_assert_int_eq(run_binary(args, dump, sizeof(dump)), 0);
	snprintf(want, sizeof(want), "\n\t\tport = %d;", srv.port);
	ck_assert_msg(strstr(dump, "configuration is valid") != NULL && strstr(dump, want) != NULL &&
	                      strstr(dump, "\n\tkeepalive_timeout = 15;") != NULL &&
	                      strstr(dump, "# seconds an idle keep-alive connection is kept\n") != NULL &&
	                      strstr(dump, "\n\t\t\t\tprefix = \"/static/\";") != NULL &&
	                      strstr(dump, "\n\t\t\t\tstatus = 302;") != NULL &&
	                      strstr(dump, "\n);\n") != NULL,
	              "got: %.2000s", dump);
	f = fopen(srv.conf, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "bogus = 1;\n");
	fclose(f);
	ck_assert_int_eq(run_binary(args, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "test.conf:") != NULL && strstr(out, "bogus") != NULL, "got: %s", out);
	/* The same bad file at start: exit 1 with the same message. */
	snprintf(args, sizeof(args), "-c %s", srv.conf);
	ck_assert_int_eq(run_binary(args, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "bogus"));
	ck_assert_int_eq(run_binary("-V", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "tinyhttpd "));
	ck_assert_int_eq(run_binary("-h", out, sizeof(out)), 0);
	ck_assert_int_eq(run_binary("-x", out, sizeof(out)), 1);
	ck_assert_int_eq(run_binary("-c /nonexistent/tinyhttpd.conf", out, sizeof(out)), 1);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_port_in_use)
{
	char out[4096], args[512];

	itest_start(&srv, NULL, itest_seed_routes);
	/* A second server on the same port must say why it cannot start. */
	snprintf(args, sizeof(args), "-c %s", srv.conf);
	ck_assert_int_eq(run_binary(args, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "cannot bind") != NULL, "got: %s", out);
	itest_stop(&srv, SIGTERM);
}
END_TEST

START_TEST(test_curl)
{
	char cmd[512], out[4096];
	FILE *p;
	size_t n;

	if (system("command -v curl >/dev/null 2>&1") != 0) {
		fprintf(stderr, "curl is not installed: skipping the curl test\n");
		return;
	}
	itest_start(&srv, NULL, itest_seed_routes);
	snprintf(cmd, sizeof(cmd),
	         "curl -sS --max-time 10 http://127.0.0.1:%d/hello && echo && "
	         "curl -sS --max-time 10 'http://127.0.0.1:%d/info?name=Tom&age=20' && echo && "
	         "curl -sS --max-time 10 -d username=alice -d password=x http://127.0.0.1:%d/form && echo && "
	         "curl -sS --max-time 10 -L http://127.0.0.1:%d/",
	         srv.port, srv.port, srv.port, srv.port);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(out,
	                 "Hello World!\nhello, I'm Tom and 20 years old.\nI'm alice and my password is x.\n"
	                 "Hello World!");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* The value of the metrics line that starts with name (labels included), or -1 when there is none. */
static long long
metric(const char *body, const char *name)
{
	const char *p = body;
	size_t len = strlen(name);

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, len) == 0 && p[len] == ' ')
			return atoll(p + len + 1);
	return -1;
}

static long long
scrape(const char *name)
{
	expect("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, NULL);
	ck_assert_str_eq(itest_header(&rs, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
	return metric(rs.body, name);
}

/*
 * The metrics route sums every worker's counts; they survive a worker that is killed and a reload, which
 * counts itself and moves the generation on. promtool, when it is installed, reads the text as Prometheus.
 */
START_TEST(test_metrics)
{
	static const char ok[] = "tinyhttpd_requests_total{host=\"*\",status=\"2xx\"}";
	long long before, after;
	uint64_t deadline;
	pid_t workers[8];
	char path[400];
	FILE *f;
	int i;

	itest_start(
	        &srv, "workers = 2;",
	        "{ path = \"/hello\"; text = \"Hello World!\"; },\n{ path = \"/metrics\"; metrics = true; }");
	before = scrape(ok);
	ck_assert_int_ge(before, 0);
	for (i = 0; i < 10; i++)
		expect("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, "Hello World!");
	expect("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404, NULL);
	/* The scrape before counts once it is answered: 1 + 10 since. */
	ck_assert_int_eq(scrape(ok), before + 11);
	ck_assert_int_ge(metric(rs.body, "tinyhttpd_requests_total{host=\"*\",status=\"4xx\"}"), 1);
	ck_assert_int_ge(metric(rs.body, "tinyhttpd_connections_accepted_total"), 12);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_generation"), 1);
	ck_assert_int_ge(metric(rs.body, "tinyhttpd_request_duration_seconds_count"), before + 12);
	/* Timed by the clock, not the loop turn's, which would make every request take no time at all. */
	ck_assert_ptr_nonnull(strstr(rs.body, "\ntinyhttpd_request_duration_seconds_sum "));
	ck_assert(strtod(strstr(rs.body, "\ntinyhttpd_request_duration_seconds_sum ") + 40, NULL) > 0);

	snprintf(path, sizeof(path), "%s/metrics.txt", srv.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(rs.body, f);
	fclose(f);
	if (system("command -v promtool >/dev/null") == 0) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", path);
		ck_assert_msg(system(cmd) == 0, "promtool check metrics refused the text");
	} else {
		fprintf(stderr,
		        "test_metrics: promtool not installed; the text is not checked by Prometheus\n");
	}
	ck_assert_int_eq(unlink(path), 0);

	/* A worker killed outright: its counts stay in the sum. */
	after = scrape(ok);
	ck_assert_uint_eq(itest_workers(srv.pid, workers, 8), 2);
	ck_assert_int_eq(kill(workers[0], SIGKILL), 0);
	ck_assert(itest_wait_log(&srv, "killed by signal 9", 10000));
	/* The master counts the restart a moment after that line: scrape until it has. */
	deadline = itest_now() + 10000;
	while (scrape(ok) >= 0 && metric(rs.body, "tinyhttpd_worker_restarts_total") != 1 &&
	       itest_now() < deadline)
		usleep(20000);
	ck_assert_int_ge(metric(rs.body, ok), after + 1);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_worker_restarts_total"), 1);

	/* A reload: the counts go on, the reload is counted, the new generation serves. */
	after = scrape(ok);
	kill(srv.pid, SIGHUP);
	ck_assert(itest_wait_log(&srv, "generation 2: serving", 15000));
	ck_assert_int_eq(scrape(ok), after + 1);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_reloads_total"), 1);
	ck_assert_int_eq(metric(rs.body, "tinyhttpd_generation"), 2);
	itest_stop(&srv, SIGTERM);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS(
	        "server", "integration", 120, test_seed_routes, test_params, test_errors_and_methods,
	        test_limits, test_keepalive_and_pipelining, test_bodies, test_large_bodies, test_static_files,
	        test_static_symlinks, test_static_cache, test_timeouts, test_reload_route, test_reload_port,
	        test_reload_bind_failure, test_reload_limits_and_shutdown_timeout, test_reload_bad_config,
	        test_worker_replaced, test_respawn_backoff, test_ipv6, test_graceful_stop,
	        test_graceful_stop_idle, test_graceful_stop_refuses_new, test_fast_stop_during_graceful,
	        test_second_stop_signal, test_sigint_stops, test_command_line, test_port_in_use, test_curl,
	        test_no_content, test_expect_continue, test_host_syntax, test_request_variables, test_options,
	        test_metrics);
}
