/* SPDX-License-Identifier: ISC */
/* check_tls.c: HTTPS against the real server: versions, ALPN, SNI, resumption across workers and reloads,
 * certificates changed by a reload, files, pipelining, and clients that do not speak TLS. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "check_run.h"
#include "itest.h"

static struct server srv;
static struct resp r;
static char certs[64]; /* the test's certificates: a directory of its own, made before the server starts */

static const char get_hello[] = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n";

static void
setup(void)
{
	snprintf(certs, sizeof(certs), "/tmp/tinyhttpd-certs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certs));
	itest_tls_versions(0, 0);
	itest_tls_alpn(NULL, 0);
}

static void
teardown(void)
{
	itest_remove_tree(certs);
}

/* The file's text for one TLS listener on @PORT@ with the top-level certificate "a" and then body. */
static const char *
tls_config(const char *body)
{
	static char conf[8192];

	snprintf(conf, sizeof(conf),
	         "listen = ( { address = \"127.0.0.1\"; port = @PORT@; tls = true; } );\n"
	         "tls = { certificate = \"%s/a.crt\"; key = \"%s/a.key\"; hsts = \"max-age=600\"; };\n%s",
	         certs, certs, body);
	return conf;
}

static const char *
seed_config(void)
{
	static char routes[4096];

	snprintf(routes, sizeof(routes), "routes = ( %s );\n", itest_seed_routes);
	return tls_config(routes);
}

/* "test.conf:N: tls key": the message for a bad key of seed_config()'s tls group, on line N. */
static const char *
tls_line(void)
{
	static char want[64];
	char line[512];
	FILE *f;
	int n = 0;

	ck_assert_ptr_nonnull(f = fopen(srv.conf, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (strncmp(line, "tls = {", 7) == 0)
			break;
	}
	fclose(f);
	snprintf(want, sizeof(want), "test.conf:%d: tls key", n);
	return want;
}

/* One request on client c, which is connected and speaks TLS; its answer in r. */
static void
ask(struct client *c, const char *raw)
{
	itest_sends(c, raw);
	ck_assert_int_eq(itest_read(c, &r, 10000), 0);
}

static void
connect_tls(struct client *c, const char *sni, void *session)
{
	ck_assert_int_eq(itest_connect(c, srv.port), 0);
	ck_assert_msg(itest_tls(c, sni, session) == 0, "handshake: %s", itest_tls_error);
}

/* What curl, a real client, gets over TLS version ver ("1.2", "1.3"): its -w summary and the body. */
static void
curl_tls(const char *ver, const char *path, char *out, size_t cap)
{
	char cmd[512];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
	         "curl -sS -k --tlsv%s --tls-max %s -w ' %%{http_code} %%{http_version}' "
	         "'https://127.0.0.1:%d%s'",
	         ver, ver, srv.port, path);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
}

START_TEST(test_tls_versions_alpn_hsts)
{
	static struct client c;
	char out[256];

	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	itest_start(&srv, "", seed_config());

	connect_tls(&c, "localhost", NULL);
	ck_assert_str_eq(itest_tls_protocol(&c), "TLSv1.3");
	ask(&c, get_hello);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "Hello World!");
	ck_assert_str_eq(itest_header(&r, "Strict-Transport-Security"), "max-age=600");
	/* Keep-alive and pipelining: two requests in one record, two answers in order. */
	ask(&c, "GET /info?name=a&age=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /info?name=b&age=2 HTTP/1.1\r\nHost: "
	        "x\r\n\r\n");
	ck_assert_str_eq(r.body, "hello, I'm a and 1 years old.");
	ck_assert_int_eq(itest_read(&c, &r, 10000), 0);
	ck_assert_str_eq(r.body, "hello, I'm b and 2 years old.");
	ask(&c, itest_form("/form", "username=alice&password=x"));
	ck_assert_str_eq(r.body, "I'm alice and my password is x.");
	/* A request that cannot be read gets its 400 with the header too: still this server answers. */
	ask(&c, "GET /hello HTTP/1.1\r\nNoColon\r\n\r\n");
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(itest_header(&r, "Strict-Transport-Security"), "max-age=600");
	itest_close(&c);

	itest_tls_versions(TLS1_2_VERSION, TLS1_2_VERSION);
	connect_tls(&c, "localhost", NULL);
	ck_assert_str_eq(itest_tls_protocol(&c), "TLSv1.2");
	ask(&c, get_hello);
	ck_assert_str_eq(r.body, "Hello World!");
	itest_close(&c);

	/* TLS 1.0 and 1.1: the server refuses them with a protocol_version alert. */
	itest_tls_versions(TLS1_VERSION, TLS1_1_VERSION);
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	ck_assert_int_eq(itest_tls(&c, "localhost", NULL), -1);
	ck_assert_msg(strstr(itest_tls_error, "protocol version") != NULL, "refused how? %s",
	              itest_tls_error);
	itest_close(&c);
	itest_tls_versions(0, 0);

	/* ALPN: http/1.1 when offered; a client asking for h2 alone gets no ALPN and HTTP/1.1 works. */
	itest_tls_alpn((const unsigned char *)"\x02h2\x08http/1.1", 12);
	connect_tls(&c, "localhost", NULL);
	ck_assert_str_eq(itest_tls_alpn_chosen(&c), "http/1.1");
	itest_close(&c);
	itest_tls_alpn((const unsigned char *)"\x02h2", 3);
	connect_tls(&c, "localhost", NULL);
	ck_assert_str_eq(itest_tls_alpn_chosen(&c), "");
	ask(&c, get_hello);
	ck_assert_str_eq(r.body, "Hello World!");
	itest_close(&c);
	itest_tls_alpn(NULL, 0);

	curl_tls("1.2", "/hello", out, sizeof(out));
	ck_assert_str_eq(out, "Hello World! 200 1.1");
	curl_tls("1.3", "/info?name=Tom&age=20", out, sizeof(out));
	ck_assert_str_eq(out, "hello, I'm Tom and 20 years old. 200 1.1");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* The certificate follows the client's server name: exact, then wildcard, then the default host's. */
START_TEST(test_tls_sni)
{
	static struct client c;
	static const struct {
		const char *sni;
		long serial;
		const char *body;
	} cases[] = {
		{ "a.test", 1, "site a" },     { "A.Test", 1, "site a" },        { "b.test", 2, "site b" },
		{ "x.w.test", 3, "wildcard" }, { "unknown.test", 4, "default" }, { NULL, 4, "default" },
	};
	char conf[4096];
	size_t i;

	itest_make_cert(certs, "a", "default.test", 4, "ec", 30);
	itest_make_cert(certs, "site-a", "a.test", 1, "ec", 30);
	itest_make_cert(certs, "site-b", "b.test", 2, "rsa", 30);
	itest_make_cert(certs, "wild", "*.w.test", 3, "ec", 30);
	itest_make_cert(certs, "dual-ec", "d.test", 5, "ec", 30);
	itest_make_cert(certs, "dual-rsa", "d.test", 6, "rsa", 30);
	snprintf(conf, sizeof(conf),
	         "hosts = (\n"
	         "  { names = [ \"*\" ]; routes = ( { path = \"/\"; text = \"default\"; } ); },\n"
	         "  { names = [ \"a.test\" ]; tls = { certificate = \"%s/site-a.crt\"; key = "
	         "\"%s/site-a.key\"; };\n"
	         "    routes = ( { path = \"/\"; text = \"site a\"; } ); },\n"
	         "  { names = [ \"b.test\" ]; tls = { certificate = \"%s/site-b.crt\"; key = "
	         "\"%s/site-b.key\"; };\n"
	         "    routes = ( { path = \"/\"; text = \"site b\"; } ); },\n"
	         "  { names = [ \"*.w.test\" ]; tls = { certificate = \"%s/wild.crt\"; key = "
	         "\"%s/wild.key\"; };\n"
	         "    routes = ( { path = \"/\"; text = \"wildcard\"; } ); },\n"
	         "  { names = [ \"d.test\" ]; tls = { certificate = [ \"%s/dual-ec.crt\", "
	         "\"%s/dual-rsa.crt\" ];\n"
	         "      key = [ \"%s/dual-ec.key\", \"%s/dual-rsa.key\" ]; };\n"
	         "    routes = ( { path = \"/\"; text = \"dual\"; } ); }\n"
	         ");\n",
	         certs, certs, certs, certs, certs, certs, certs, certs, certs, certs);
	itest_start(&srv, "", tls_config(conf));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char raw[128];

		connect_tls(&c, cases[i].sni, NULL);
		ck_assert_msg(itest_tls_serial(&c) == cases[i].serial, "SNI %s: certificate %ld, want %ld",
		              cases[i].sni, itest_tls_serial(&c), cases[i].serial);
		/* The Host header picks the site, as on plain HTTP. */
		snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		         cases[i].sni != NULL ? cases[i].sni : "");
		ask(&c, raw);
		ck_assert_str_eq(r.body, cases[i].body);
		itest_close(&c);
	}
	/* One host, an ECDSA and an RSA certificate: a client gets the one it can check. */
	itest_tls_sigalgs("ECDSA+SHA256");
	connect_tls(&c, "d.test", NULL);
	ck_assert_int_eq(itest_tls_serial(&c), 5);
	itest_close(&c);
	itest_tls_sigalgs("rsa_pss_rsae_sha256:RSA+SHA256");
	connect_tls(&c, "d.test", NULL);
	ck_assert_int_eq(itest_tls_serial(&c), 6);
	itest_close(&c);
	itest_tls_sigalgs(NULL);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* A session from a full handshake (and one request: TLS 1.3's ticket comes after the handshake). */
static void *
fresh_session(void)
{
	static struct client c;
	void *session;

	connect_tls(&c, "localhost", NULL);
	ck_assert(!itest_tls_resumed(&c));
	ask(&c, get_hello);
	session = itest_tls_session(&c);
	itest_close(&c);
	return session;
}

/* Whether a connection with session resumes it; the session it ends with replaces *session. */
static bool
resumes(void **session)
{
	static struct client c;
	bool resumed;

	connect_tls(&c, "localhost", *session);
	resumed = itest_tls_resumed(&c);
	ask(&c, get_hello);
	ck_assert_str_eq(r.body, "Hello World!");
	itest_tls_session_free(*session);
	*session = itest_tls_session(&c);
	itest_close(&c);
	return resumed;
}

/* A session made by one worker resumes on any other, across a reload too; two reloads retire its key. */
START_TEST(test_tls_resume_on_other_workers)
{
	void *session, *once, *twice;
	int i;

	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	itest_start(&srv, "workers = 2;", seed_config());
	session = fresh_session();
	/* Whichever of the two workers accepts, the session resumes. */
	for (i = 0; i < 20; i++)
		ck_assert_msg(resumes(&session), "connection %d: a full handshake", i);
	once = fresh_session();
	twice = fresh_session();
	/* New workers, a new current key: the previous one still opens the ticket. */
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));
	ck_assert(resumes(&once));
	ck_assert(resumes(&session));
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 2: ended", 15000));
	ck_assert_msg(!resumes(&twice), "a ticket two keys old still opened");
	itest_tls_session_free(once);
	itest_tls_session_free(twice);
	itest_tls_session_free(session);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * A reload to a new certificate serves it on new connections; one to a broken key keeps the old one.
 * Meanwhile an idle TLS keep-alive connection stays with its old worker, which answers its next request
 * and closes it: TLS state cannot be handed over.
 */
START_TEST(test_tls_reload_certificates)
{
	static struct client c, idle;

	itest_make_cert(certs, "a", "localhost", 10, "ec", 30);
	itest_start(&srv, "workers = 1;", seed_config());
	connect_tls(&idle, "localhost", NULL);
	ck_assert_int_eq(itest_tls_serial(&idle), 10);
	ask(&idle, get_hello);
	ck_assert_ptr_null(itest_header(&r, "Connection"));

	itest_make_cert(certs, "a", "localhost", 11, "ec", 30);
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "generation 2: serving", 15000));
	/* Until its worker has the drain message, generation 1 still accepts: its line comes after. */
	ck_assert(itest_wait_log(&srv, "worker g1: info: draining", 15000));
	connect_tls(&c, "localhost", NULL);
	ck_assert_int_eq(itest_tls_serial(&c), 11);
	ask(&c, get_hello);
	ck_assert_str_eq(r.body, "Hello World!");
	itest_close(&c);

	ask(&idle, get_hello);
	ck_assert_str_eq(r.body, "Hello World!");
	ck_assert_str_eq(itest_header(&r, "Connection"), "close");
	ck_assert(itest_closed(&idle, 5000));
	itest_close(&idle);
	ck_assert(itest_wait_log(&srv, "generation 1: ended", 15000));

	/* A key that is not one: the reload fails with the line, generation 2 keeps serving serial 11. */
	{
		char path[128];
		FILE *f;

		snprintf(path, sizeof(path), "%s/a.key", certs);
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		fputs("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n", f);
		ck_assert_int_eq(fclose(f), 0);
	}
	ck_assert_int_eq(kill(srv.pid, SIGHUP), 0);
	ck_assert(itest_wait_log(&srv, "the running configuration stays", 15000));
	ck_assert_msg(itest_wait_log(&srv, tls_line(), 0), "no \"%s\" in %s", tls_line(), srv.log);
	connect_tls(&c, "localhost", NULL);
	ck_assert_int_eq(itest_tls_serial(&c), 11);
	ask(&c, get_hello);
	ck_assert_str_eq(r.body, "Hello World!");
	itest_close(&c);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* The usual pair: HTTPS serves, plain HTTP sends every path, query kept, to it with a 301. */
START_TEST(test_tls_redirect_from_http)
{
	char conf[2048];
	int plain = itest_free_port();

	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	snprintf(conf, sizeof(conf),
	         "listen = ( { name = \"https\"; address = \"127.0.0.1\"; port = @PORT@; tls = true; },\n"
	         "  { name = \"http\"; address = \"127.0.0.1\"; port = %d; } );\n"
	         "tls = { certificate = \"%s/a.crt\"; key = \"%s/a.key\"; };\n"
	         "hosts = ( { names = [ \"*\" ]; listen = [ \"https\" ]; routes = ( %s ); },\n"
	         "  { names = [ \"*\" ]; listen = [ \"http\" ];\n"
	         "    routes = ( { prefix = \"/\"; redirect = \"https://{host}:@PORT@{path}?{query}\"; "
	         "status = 301; } ); } );\n",
	         plain, certs, certs, itest_seed_routes);
	itest_start(&srv, "", conf);
	ck_assert_int_eq(
	        itest_request(plain, "GET /info?name=a&age=1 HTTP/1.1\r\nHost: Example.test:80\r\n\r\n", &r),
	        0);
	ck_assert_int_eq(r.status, 301);
	snprintf(conf, sizeof(conf), "https://example.test:%d/info?name=a&age=1", srv.port);
	ck_assert_str_eq(itest_header(&r, "Location"), conf);
	ck_assert_ptr_null(itest_header(&r, "Strict-Transport-Security"));
	ck_assert_int_eq(itest_tls_request(srv.port, "localhost",
	                                   "GET /info?name=a&age=1 HTTP/1.1\r\nHost: x\r\n\r\n", &r),
	                 0);
	ck_assert_str_eq(r.body, "hello, I'm a and 1 years old.");
	itest_stop(&srv, SIGTERM);
}
END_TEST

/*
 * TLS behind a load balancer in TCP mode: the PROXY header comes first, in plain text, then the handshake.
 * The header's address is the client's; what follows it, in the same segment too, is OpenSSL's.
 */
START_TEST(test_tls_proxy_protocol)
{
	static const char v2[] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c"
	                         "\xc0\x00\x02\x07\xc0\x00\x02\x02\x15\xb3\x01\xbb";
	static struct client c;
	char conf[1024];

	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	snprintf(conf, sizeof(conf),
	         "listen = ( { address = \"127.0.0.1\"; port = @PORT@; tls = true; proxy_protocol = true; } "
	         ");\n"
	         "tls = { certificate = \"%s/a.crt\"; key = \"%s/a.key\"; };\n"
	         "routes = ( { path = \"/who\"; text = \"{remote_addr}\"; } );\n",
	         certs, certs);
	itest_start(&srv, "request_timeout = 2;", conf);

	/* v1, on its own. */
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	itest_sends(&c, "PROXY TCP4 192.0.2.1 192.0.2.2 5555 443\r\n");
	ck_assert_msg(itest_tls(&c, "localhost", NULL) == 0, "%s", itest_tls_error);
	ask(&c, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_str_eq(r.body, "192.0.2.1");
	itest_close(&c);
	/* v2, held back (MSG_MORE) to leave in one segment with the ClientHello. */
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	ck_assert_int_eq(send(c.fd, v2, sizeof(v2) - 1, MSG_MORE), (ssize_t)sizeof(v2) - 1);
	ck_assert_msg(itest_tls(&c, "localhost", NULL) == 0, "%s", itest_tls_error);
	ask(&c, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_str_eq(r.body, "192.0.2.7");
	itest_close(&c);
	/* v1 trickled in two parts. */
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	itest_sends(&c, "PROXY TCP4 192.0.2.3 ");
	usleep(100000);
	itest_sends(&c, "192.0.2.2 5555 443\r\n");
	ck_assert_msg(itest_tls(&c, "localhost", NULL) == 0, "%s", itest_tls_error);
	ask(&c, "GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_str_eq(r.body, "192.0.2.3");
	itest_close(&c);
	/* A handshake without the header is not one: closed without a word. */
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	ck_assert_int_eq(itest_tls(&c, "localhost", NULL), -1);
	itest_close(&c);
	ck_assert(!itest_wait_log(&srv, "died", 0));
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* A file larger than many records, through curl, and HEAD: the 16 KiB record path without kTLS. */
START_TEST(test_tls_files)
{
	char cmd[512], path[300], conf[1024];
	unsigned char chunk[4096];
	FILE *f;
	int i;

	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	snprintf(path, sizeof(path), "%s/big.bin", certs);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (i = 0; i < 300; i++) {
		memset(chunk, 'a' + i % 26, sizeof(chunk));
		chunk[0] = (unsigned char)i;
		ck_assert_uint_eq(fwrite(chunk, 1, sizeof(chunk), f), sizeof(chunk));
	}
	ck_assert_int_eq(fclose(f), 0);
	snprintf(conf, sizeof(conf), "routes = ( { path = \"/big\"; file = \"%s\"; } );\n", path);
	itest_start(&srv, "", tls_config(conf));
	snprintf(cmd, sizeof(cmd),
	         "curl -sS -k -o '%s/got.bin' https://127.0.0.1:%d/big && cmp '%s' '%s/got.bin'", certs,
	         srv.port, path, certs);
	ck_assert_msg(system(cmd) == 0, "the file did not arrive whole: %s", cmd);
	snprintf(cmd, sizeof(cmd), "curl -sS -k -I https://127.0.0.1:%d/big | grep -q 'Content-Length: %d'",
	         srv.port, 300 * 4096);
	ck_assert_int_eq(system(cmd), 0);
	itest_stop(&srv, SIGTERM);
}
END_TEST

/* Whether the server closes c within timeout_ms without answering anything. */
static bool
closed_silently(struct client *c, int timeout_ms)
{
	bool closed = itest_closed(c, timeout_ms);

	return closed && c->len == 0;
}

START_TEST(test_tls_hostile)
{
	static struct client c;
	uint64_t t0;

	itest_make_cert(certs, "a", "localhost", 1, "ec", 30);
	itest_start(&srv, "request_timeout = 2;", seed_config());

	/* Plain HTTP to the TLS port: told so, in plain text, then closed. */
	ck_assert_int_eq(itest_request(srv.port, get_hello, &r), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "speaks HTTPS"));
	ck_assert_str_eq(itest_header(&r, "Connection"), "close");

	/* Garbage, and a record that claims to be a handshake but is not: closed, no answer. */
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	itest_send(&c, "\x00\x01\x02garbage\r\n\r\n", 13);
	ck_assert(closed_silently(&c, 5000));
	itest_close(&c);
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	itest_send(&c, "\x16\x03\x01\x00\x05hello", 10);
	ck_assert(closed_silently(&c, 5000));
	itest_close(&c);

	/* A handshake that never finishes is cut off at request_timeout, like a slow head. */
	t0 = itest_now();
	ck_assert_int_eq(itest_connect(&c, srv.port), 0);
	itest_send(&c, "\x16\x03\x01\x02", 4);
	ck_assert(closed_silently(&c, 8000));
	ck_assert_uint_ge(itest_now() - t0, 1500);
	itest_close(&c);
	/* So is a client that finishes the handshake and then says nothing. */
	t0 = itest_now();
	connect_tls(&c, "localhost", NULL);
	ck_assert(itest_closed(&c, 8000));
	ck_assert_uint_ge(itest_now() - t0, 1500);
	itest_close(&c);

	/* The workers lived through it all. */
	ck_assert_int_eq(itest_tls_request(srv.port, "localhost", get_hello, &r), 0);
	ck_assert_str_eq(r.body, "Hello World!");
	ck_assert(!itest_wait_log(&srv, "died", 0));
	itest_stop(&srv, SIGTERM);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("integration");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tls_versions_alpn_hsts);
	tcase_add_test(tc, test_tls_sni);
	tcase_add_test(tc, test_tls_resume_on_other_workers);
	tcase_add_test(tc, test_tls_reload_certificates);
	tcase_add_test(tc, test_tls_redirect_from_http);
	tcase_add_test(tc, test_tls_proxy_protocol);
	tcase_add_test(tc, test_tls_files);
	tcase_add_test(tc, test_tls_hostile);
	suite_add_tcase(s, tc);
	return check_run(s);
}
