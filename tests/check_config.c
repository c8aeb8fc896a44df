/* SPDX-License-Identifier: ISC */
/* check_config.c: tests for config_load: the bundled file, defaults, path resolution and every error. */
#define _XOPEN_SOURCE 700 /* nftw, to remove each test's directory */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "config.h"
#include "tls.h"

#ifndef nitems
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A valid routes list, for configs that test something else. */
#define ROUTES "routes = ( { path = \"/\"; text = \"x\"; } );\n"

/* Each test gets a fresh directory holding www/a.html and logs/, which configs refer to. */
static char tmpdir[PATH_MAX];
static char conf[PATH_MAX + 16];
static char err[1024];

static void
tmp_path(char *buf, size_t len, const char *name)
{
	ck_assert_int_lt(snprintf(buf, len, "%s/%s", tmpdir, name), (int)len);
}

/* The same with the test directory's symlinks resolved, as the loader resolves paths. */
static void
real_tmp_path(char *buf, size_t len, const char *name)
{
	char dir[PATH_MAX];

	ck_assert_ptr_nonnull(realpath(tmpdir, dir));
	ck_assert_int_lt(snprintf(buf, len, "%s/%s", dir, name), (int)len);
}

static void
write_file(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *fp;

	tmp_path(path, sizeof(path), name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_ge(fputs(text, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
make_dir(const char *name)
{
	char path[PATH_MAX + 64];

	tmp_path(path, sizeof(path), name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s", "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	make_dir("www");
	make_dir("logs");
	write_file("www/a.html", "<p>a</p>\n");
	tmp_path(conf, sizeof(conf), "t.conf");
	err[0] = '\0';
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
teardown(void)
{
	ck_assert_int_eq(nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Writes text as t.conf in the test directory and loads it. */
static struct config *
load_text(const char *text)
{
	write_file("t.conf", text);
	return config_load(conf, err, sizeof(err));
}

static int
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 512 ? 512 : (int)n;
}

static void
check_route(const struct route *rt, enum route_kind kind, const char *method, const char *path, int status)
{
	ck_assert_int_eq(rt->kind, kind);
	ck_assert_str_eq(rt->method, method);
	ck_assert_str_eq(rt->path, path);
	ck_assert_int_eq(rt->status, status);
	ck_assert_ptr_null(rt->content_type);
}

static void
check_render(const struct route *rt, const struct str *values, const char *want)
{
	char out[256];
	size_t n;

	n = template_render(&rt->tmpl, values, false, out, sizeof(out));
	ck_assert_uint_lt(n, sizeof(out));
	out[n] = '\0';
	ck_assert_str_eq(out, want);
}

static void
check_realpath(const char *got, const char *path)
{
	char *want = realpath(path, NULL);

	ck_assert_ptr_nonnull(want);
	ck_assert_str_eq(got, want);
	free(want);
}

START_TEST(test_bundled)
{
	const char *top = getenv("TOP_SRCDIR") != NULL ? getenv("TOP_SRCDIR") : ".";
	const struct str info[] = { STR_LIT("Ada"), STR_LIT("36") };
	const struct str form[] = { STR_LIT("ada"), STR_LIT("s3cret") };
	char path[PATH_MAX], www[PATH_MAX];
	struct config *cfg;
	size_t i;

	snprintf(path, sizeof(path), "%s/etc/tinyhttpd.conf", top);
	cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->file, path);
	ck_assert_str_eq(cfg->address, "127.0.0.1");
	ck_assert_int_eq(cfg->port, 8080);
	ck_assert_int_eq(cfg->workers, cpu_count());
	ck_assert_int_eq(cfg->backlog, 511);
	ck_assert_str_eq(cfg->user, "");
	ck_assert_int_eq(cfg->keepalive_timeout, 15);
	ck_assert_int_eq(cfg->request_timeout, 10);
	ck_assert_int_eq(cfg->shutdown_timeout, 10);
	ck_assert_int_eq(cfg->max_connections, 4096);
	ck_assert_uint_eq(cfg->max_header_size, 8192);
	ck_assert_uint_eq(cfg->max_body_size, 1048576);
	ck_assert_str_eq(cfg->access_log, "-");
	ck_assert_int_eq(cfg->access_log_format, ACCESS_COMMON);
	ck_assert_uint_eq(cfg->nroutes, 6);
	/* The demo's headers and styled error pages. */
	ck_assert_str_eq(cfg->answer.block,
	                 "Server: tinyhttpd/" PACKAGE_VERSION "\r\nX-Content-Type-Options: nosniff\r\n");
	ck_assert_uint_eq(cfg->answer.npages, 2);
	for (i = 0; i < cfg->answer.npages; i++) {
		ck_assert_str_eq(cfg->answer.pages[i].type, "text/html; charset=utf-8");
		ck_assert_ptr_nonnull(strstr(cfg->answer.pages[i].body, "<style>"));
	}
	ck_assert_ptr_nonnull(strstr(config_error_page(&cfg->routes[0].answer, 404)->body, "<title>404 "));
	ck_assert_ptr_nonnull(strstr(config_error_page(&cfg->routes[0].answer, 400)->body, "<title>400 "));

	check_route(&cfg->routes[0], ROUTE_TEXT, "GET", "/hello", 200);
	check_render(&cfg->routes[0], NULL, "Hello World!");
	check_route(&cfg->routes[1], ROUTE_TEXT, "GET", "/info", 200);
	ck_assert_uint_eq(cfg->routes[1].nparams, 2);
	ck_assert_str_eq(cfg->routes[1].params[0], "name");
	ck_assert_str_eq(cfg->routes[1].params[1], "age");
	check_render(&cfg->routes[1], info, "hello, I'm Ada and 36 years old.");
	check_route(&cfg->routes[2], ROUTE_TEXT, "POST", "/form", 200);
	ck_assert_uint_eq(cfg->routes[2].nparams, 2);
	ck_assert_str_eq(cfg->routes[2].params[0], "username");
	ck_assert_str_eq(cfg->routes[2].params[1], "password");
	check_render(&cfg->routes[2], form, "I'm ada and my password is s3cret.");
	check_route(&cfg->routes[3], ROUTE_FILE, "GET", "/form", 200);
	snprintf(www, sizeof(www), "%s/www/form.html", top);
	check_realpath(cfg->routes[3].target, www);
	check_route(&cfg->routes[4], ROUTE_DIR, "GET", "/static/", 200);
	snprintf(www, sizeof(www), "%s/www", top);
	check_realpath(cfg->routes[4].target, www);
	check_route(&cfg->routes[5], ROUTE_REDIRECT, "GET", "/", 302);
	ck_assert_str_eq(cfg->routes[5].target, "/hello");
	for (i = 1; i < cfg->nroutes; i++)
		ck_assert_int_gt(cfg->routes[i].line, cfg->routes[i - 1].line);
	config_free(cfg);
}
END_TEST

START_TEST(test_defaults)
{
	struct config *cfg = load_text(ROUTES);

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->file, conf);
	ck_assert_str_eq(cfg->address, "0.0.0.0");
	ck_assert_int_eq(cfg->port, 8080);
	ck_assert_int_eq(cfg->workers, cpu_count());
	ck_assert_int_eq(cfg->backlog, 511);
	ck_assert_str_eq(cfg->user, "");
	ck_assert_int_eq((int)cfg->uid, -1);
	ck_assert_int_eq((int)cfg->gid, -1);
	ck_assert_int_eq(cfg->keepalive_timeout, 15);
	ck_assert_int_eq(cfg->request_timeout, 10);
	ck_assert_int_eq(cfg->shutdown_timeout, 10);
	ck_assert_int_eq(cfg->max_connections, 4096);
	ck_assert_uint_eq(cfg->max_header_size, 8192);
	ck_assert_uint_eq(cfg->max_body_size, 1048576);
	ck_assert_str_eq(cfg->access_log, "-");
	ck_assert_int_eq(cfg->access_log_format, ACCESS_COMMON);
	ck_assert_uint_eq(cfg->nroutes, 1);
	check_route(&cfg->routes[0], ROUTE_TEXT, "GET", "/", 200);
	ck_assert_uint_eq(cfg->routes[0].nparams, 0);
	ck_assert_str_eq(cfg->routes[0].target, "x");
	ck_assert_int_eq(cfg->routes[0].line, 1);
	config_free(cfg);
}
END_TEST

static void
check_tcp(const struct listen_cfg *l, const char *name, const char *address, int port, int line)
{
	if (name == NULL)
		ck_assert_ptr_null(l->name);
	else
		ck_assert_str_eq(l->name, name);
	ck_assert_str_eq(l->address, address);
	ck_assert_int_eq(l->port, port);
	ck_assert_ptr_null(l->path);
	ck_assert_int_eq(l->line, line);
}

/* A host's names, and that it holds routes[first .. first + n), which say they are its own. */
static void
check_host(const struct config *cfg, size_t i, const char *const *names, size_t first, size_t n)
{
	const struct host_cfg *h = &cfg->hosts[i];
	size_t j;

	for (j = 0; names[j] != NULL; j++) {
		ck_assert_uint_lt(j, h->nnames);
		ck_assert_str_eq(h->names[j], names[j]);
	}
	ck_assert_uint_eq(h->nnames, j);
	ck_assert_uint_eq(h->first_route, first);
	ck_assert_uint_eq(h->nroutes, n);
	for (j = first; j < first + n; j++)
		ck_assert_uint_eq(cfg->routes[j].host, i);
}

/* A file of today: server.address and server.port are one listener, the routes one host for every name. */
START_TEST(test_legacy_listen_hosts)
{
	static const char *const any[] = { "*", NULL };
	struct config *cfg;

	cfg = load_text(ROUTES);
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 1);
	check_tcp(&cfg->listeners[0], NULL, "0.0.0.0", 8080, 1);
	ck_assert(!cfg->listeners[0].ipv6_only && !cfg->listeners[0].proxy_protocol);
	ck_assert_uint_eq(cfg->nhosts, 1);
	check_host(cfg, 0, any, 0, 1);
	ck_assert_ptr_null(cfg->hosts[0].listen);
	ck_assert_uint_eq(cfg->hosts[0].nlisten, 0);
	ck_assert_int_eq(cfg->hosts[0].line, 1);
	config_free(cfg);

	cfg = load_text(
	        "server = {\n  workers = 1;\n  address = \"::\";\n  port = 81;\n};\n"
	        "routes = (\n  { path = \"/a\"; text = \"x\"; },\n  { path = \"/b\"; text = \"x\"; }\n);\n");
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 1);
	/* Its line is server.port's, for messages about binding it. */
	check_tcp(&cfg->listeners[0], NULL, "::", 81, 4);
	ck_assert_str_eq(cfg->address, "::");
	ck_assert_int_eq(cfg->port, 81);
	ck_assert_uint_eq(cfg->nhosts, 1);
	check_host(cfg, 0, any, 0, 2);
	ck_assert_int_eq(cfg->hosts[0].line, 6);
	config_free(cfg);
}
END_TEST

/* A socket file at path, as a server that crashed leaves it. */
static void
make_socket_file(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	tmp_path(sun.sun_path, sizeof(sun.sun_path), name);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(close(fd), 0);
}

/* The example: listeners of each kind, named hosts with wildcards, a host on one listener. */
static const char listen_hosts_text[] =
        "server = { workers = 1; };\n"
        "listen = (\n"
        "  { name = \"public\"; address = \"0.0.0.0\"; port = 80; },\n"
        "  { name = \"public6\"; address = \"::\"; port = 80; ipv6_only = true; },\n"
        "  { path = \"logs/http.sock\"; mode = \"0660\"; },\n"
        "  { name = \"lb\"; address = \"127.0.0.1\"; port = 8081; proxy_protocol = true; },\n"
        "  { name = \"local_2\"; path = \"./www/../logs/old.sock\"; },\n"
        "  { port = 8082; }\n"
        ");\n"
        "hosts = (\n"
        "  { names = [ \"Example.COM\", \"www.example.com\" ];\n"
        "    routes = ( { path = \"/\"; text = \"a\"; }, { prefix = \"/s/\"; root = \"www\"; } ); },\n"
        "  { names = [ \"*.example.org\" ]; listen = [ \"public\", \"public6\" ];\n"
        "    routes = ( { path = \"/\"; text = \"b\"; } ); },\n"
        "  { names = [ \"*\" ];\n"
        "    routes = ( { path = \"/\"; redirect = \"/x\"; }, { path = \"/x\"; text = \"c\"; } ); },\n"
        "  { names = [ \"status.internal\", \"example.org\" ]; listen = [ \"lb\" ];\n"
        "    routes = ( { path = \"/\"; text = \"d\"; } ); },\n"
        "  { names = [ \"*.example.org\" ]; listen = [ \"lb\" ];\n"
        "    routes = ( { path = \"/\"; text = \"e\"; } ); }\n"
        ");\n";

START_TEST(test_listen_hosts)
{
	static const char *const example_com[] = { "example.com", "www.example.com", NULL };
	static const char *const example_org[] = { "*.example.org", NULL };
	static const char *const any[] = { "*", NULL };
	static const char *const internal[] = { "status.internal", "example.org", NULL };
	char path[PATH_MAX + 64];
	const struct listen_cfg *l;
	struct config *cfg;

	make_socket_file("logs/old.sock");
	cfg = load_text(listen_hosts_text);
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nlisteners, 6);
	l = cfg->listeners;
	check_tcp(&l[0], "public", "0.0.0.0", 80, 3);
	ck_assert(!l[0].ipv6_only && !l[0].proxy_protocol);
	check_tcp(&l[1], "public6", "::", 80, 4);
	ck_assert(l[1].ipv6_only);
	ck_assert_ptr_null(l[2].name);
	ck_assert_ptr_null(l[2].address);
	real_tmp_path(path, sizeof(path), "logs/http.sock");
	ck_assert_str_eq(l[2].path, path);
	ck_assert_int_eq(l[2].mode, 0660);
	ck_assert_int_eq(l[2].line, 5);
	check_tcp(&l[3], "lb", "127.0.0.1", 8081, 6);
	ck_assert(l[3].proxy_protocol);
	/* Resolved, and a socket a crash left is no obstacle. */
	ck_assert_str_eq(l[4].name, "local_2");
	real_tmp_path(path, sizeof(path), "logs/old.sock");
	ck_assert_str_eq(l[4].path, path);
	ck_assert_int_eq(l[4].mode, 0666);
	check_tcp(&l[5], NULL, "0.0.0.0", 8082, 8);

	ck_assert_uint_eq(cfg->nhosts, 5);
	ck_assert_uint_eq(cfg->nroutes, 7);
	check_host(cfg, 0, example_com, 0, 2);
	ck_assert_ptr_null(cfg->hosts[0].listen);
	ck_assert_int_eq(cfg->hosts[0].line, 11);
	check_host(cfg, 1, example_org, 2, 1);
	ck_assert_uint_eq(cfg->hosts[1].nlisten, 2);
	ck_assert_str_eq(cfg->hosts[1].listen[0], "public");
	ck_assert_str_eq(cfg->hosts[1].listen[1], "public6");
	check_host(cfg, 2, any, 3, 2);
	check_host(cfg, 3, internal, 5, 1);
	ck_assert_uint_eq(cfg->hosts[3].nlisten, 1);
	ck_assert_str_eq(cfg->hosts[3].listen[0], "lb");
	/* The same name on another listener is another site. */
	check_host(cfg, 4, example_org, 6, 1);
	ck_assert_int_eq(cfg->hosts[4].line, 19);
	/* In file order, each where it was written; GET / once per host. */
	check_route(&cfg->routes[0], ROUTE_TEXT, "GET", "/", 200);
	check_route(&cfg->routes[1], ROUTE_DIR, "GET", "/s/", 200);
	check_route(&cfg->routes[3], ROUTE_REDIRECT, "GET", "/", 302);
	ck_assert_str_eq(cfg->routes[6].target, "e");
	ck_assert_int_eq(cfg->routes[0].line, 12);
	ck_assert_int_eq(cfg->routes[6].line, 20);
	config_free(cfg);
}
END_TEST

START_TEST(test_values)
{
	struct config *cfg =
	        load_text("server = {\n"
	                  "  address = \"::\"; port = 80; workers = 3; backlog = 1;\n"
	                  "  user = \"root\"; keepalive_timeout = 3600; request_timeout = 1;\n"
	                  "  shutdown_timeout = 2; max_connections = 1000000; access_log_format = \"json\";\n"
	                  "  max_header_size = 1024; max_body_size = 1073741824L; access_log = \"\";\n"
	                  "};\n"
	                  "routes = (\n"
	                  "  { method = \"POST\"; path = \"/t\"; params = ( \"a-b\", \"c.d_1\" );\n"
	                  "    text = \"{{{a-b}}} {c.d_1}\"; content_type = \"text/html\"; status = 201; },\n"
	                  "  { method = \"DELETE\"; path = \"/t\"; text = \"gone\"; status = 599; },\n"
	                  "  { method = \"GET\"; path = \"/t/\"; text = \"dir\"; },\n"
	                  "  { prefix = \"/t/\"; root = \"www\"; },\n"
	                  "  { prefix = \"/\"; root = \"www\"; },\n"
	                  "  { path = \"/r\"; redirect = \"https://example.com/?a=b#c\"; status = 308; },\n"
	                  "  { method = \"POST\"; path = \"/r\"; text = \"\"; status = 204; }\n"
	                  ");\n");
	const struct str values[] = { STR_LIT("1"), STR_LIT("2") };

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->address, "::");
	ck_assert_int_eq(cfg->port, 80);
	ck_assert_int_eq(cfg->workers, 3);
	ck_assert_int_eq(cfg->backlog, 1);
	ck_assert_str_eq(cfg->user, "root");
	ck_assert_int_eq(cfg->uid, 0);
	ck_assert_int_eq(cfg->gid, 0);
	ck_assert_int_eq(cfg->keepalive_timeout, 3600);
	ck_assert_int_eq(cfg->request_timeout, 1);
	ck_assert_int_eq(cfg->shutdown_timeout, 2);
	ck_assert_int_eq(cfg->max_connections, 1000000);
	ck_assert_uint_eq(cfg->max_header_size, 1024);
	ck_assert_uint_eq(cfg->max_body_size, 1073741824);
	ck_assert_str_eq(cfg->access_log, "");
	ck_assert_int_eq(cfg->access_log_format, ACCESS_JSON);
	ck_assert_uint_eq(cfg->nroutes, 7);
	ck_assert_str_eq(cfg->routes[0].content_type, "text/html");
	ck_assert(cfg->routes[0].html);
	ck_assert(!cfg->routes[1].html);
	ck_assert_int_eq(cfg->routes[0].status, 201);
	ck_assert_int_eq(cfg->routes[0].line, 8);
	check_render(&cfg->routes[0], values, "{1} 2");
	ck_assert_int_eq(cfg->routes[1].status, 599);
	ck_assert_str_eq(cfg->routes[2].path, "/t/");
	ck_assert_int_eq(cfg->routes[3].kind, ROUTE_DIR);
	ck_assert_str_eq(cfg->routes[4].path, "/");
	ck_assert_str_eq(cfg->routes[5].target, "https://example.com/?a=b#c");
	ck_assert_int_eq(cfg->routes[5].status, 308);
	ck_assert_int_eq(cfg->routes[6].status, 204);
	config_free(cfg);
}
END_TEST

/* Each name of server.access_log_format gives its format. */
START_TEST(test_access_log_formats)
{
	static const struct {
		const char *name;
		enum access_format format;
	} formats[] = { { "common", ACCESS_COMMON },
		        { "combined", ACCESS_COMBINED },
		        { "json", ACCESS_JSON } };
	char text[256];
	struct config *cfg;
	size_t i;

	for (i = 0; i < nitems(formats); i++) {
		snprintf(text, sizeof(text), "server = { access_log_format = \"%s\"; };\n" ROUTES,
		         formats[i].name);
		cfg = load_text(text);
		ck_assert_msg(cfg != NULL, "%s", err);
		ck_assert_int_eq(cfg->access_log_format, formats[i].format);
		config_free(cfg);
	}
}
END_TEST

START_TEST(test_relative_paths)
{
	char path[PATH_MAX + 64], abs[PATH_MAX + 64], text[3 * PATH_MAX];
	struct config *cfg;

	make_dir("etc");
	tmp_path(abs, sizeof(abs), "www/a.html");
	write_file("etc/inc.conf", "access_log = \"../logs/access.log\";\n");
	snprintf(text, sizeof(text),
	         "server = {\n  @include \"inc.conf\"\n};\n"
	         "routes = (\n"
	         "  { path = \"/a\"; file = \"../www/a.html\"; },\n"
	         "  { path = \"/b\"; file = \"%s\"; },\n"
	         "  { prefix = \"/s/\"; root = \"../www/\"; }\n"
	         ");\n",
	         abs);
	write_file("etc/t.conf", text);
	tmp_path(path, sizeof(path), "etc/t.conf");
	cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	check_realpath(cfg->routes[0].target, abs);
	ck_assert_str_eq(cfg->routes[1].target, cfg->routes[0].target);
	tmp_path(abs, sizeof(abs), "www");
	check_realpath(cfg->routes[2].target, abs);
	ck_assert_ptr_nonnull(realpath(tmpdir, abs));
	strcat(abs, "/etc/../logs/access.log");
	ck_assert_str_eq(cfg->access_log, abs);
	config_free(cfg);
}
END_TEST

/* Run from the config file's directory too: a bare file name has no directory part. */
START_TEST(test_bare_file_name)
{
	char cwd[PATH_MAX], path[PATH_MAX + 64];
	struct config *cfg;

	write_file("t.conf", "routes = ( { path = \"/\"; file = \"www/a.html\"; } );\n");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	cfg = config_load("t.conf", err, sizeof(err));
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_msg(cfg != NULL, "%s", err);
	tmp_path(path, sizeof(path), "www/a.html");
	check_realpath(cfg->routes[0].target, path);
	config_free(cfg);
}
END_TEST

START_TEST(test_unreadable)
{
	char want[sizeof(conf) + 64];

	ck_assert_ptr_null(config_load(conf, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", conf);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);

	ck_assert_ptr_null(config_load(tmpdir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tmpdir);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
}
END_TEST

/* A message longer than the buffer is cut, not written past its end. */
START_TEST(test_small_buffer)
{
	char small[8];

	write_file("t.conf", "nonsense = 1;\n" ROUTES);
	ck_assert_ptr_null(config_load(conf, small, sizeof(small)));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_ptr_null(config_load(conf, NULL, 0));
}
END_TEST

/* A socket file name that makes the path in the test directory longer than sun_path. */
#define LONG_NAME                                                                                            \
	"a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i123456789j1234567" \
	".sock"

/* A config that must fail, the line its message must name and a word that must be in it. */
struct bad {
	const char *text;
	int line;
	const char *word;
};

static const struct bad bad_configs[] = {
	/* syntax */
	{ "server = {\n  port = ;\n};\n" ROUTES, 2, "syntax error" },
	{ ROUTES "routes = ();\n", 2, "duplicate setting name" },
	/* top level */
	{ ROUTES "ssl = 80;\n", 2,
	  "unknown setting 'ssl'; expected types, server, tls, listen, hosts or routes" },
	{ ROUTES "tls = 80;\n", 2, "tls must be a group (tls = { ... };), not an integer" },
	{ "server = 5;\n" ROUTES, 1, "server must be a group" },
	{ "server = {};\n", 1, "no routes; add at least one route" },
	{ "server = {};\n\nroutes = ();\n", 3, "no routes" },
	{ "server = {};\nroutes = [];\n", 2, "no routes" },
	{ "routes = \"/\";\n", 1, "routes must be a list" },
	/* server keys */
	{ "server = {\n  port = 80;\n  prot = 80;\n};\n" ROUTES, 3,
	  "unknown setting 'prot' in server; expected address" },
	{ "server = {\n  port = \"80\";\n};\n" ROUTES, 2,
	  "server.port must be an integer from 1 to 65535, not a string" },
	{ "server = {\n  workers = 1.5;\n};\n" ROUTES, 2,
	  "server.workers must be an integer from 0 to 512, not a float" },
	{ "server = {\n  backlog = true;\n};\n" ROUTES, 2, "not a boolean" },
	{ "server = {\n  max_connections = [ 1 ];\n};\n" ROUTES, 2, "not an array" },
	{ "server = {\n  port = 0;\n};\n" ROUTES, 2,
	  "server.port must be an integer from 1 to 65535, not 0" },
	{ "server = {\n  port = 70000;\n};\n" ROUTES, 2,
	  "server.port must be an integer from 1 to 65535, not 70000" },
	{ "server = {\n  workers = -1;\n};\n" ROUTES, 2,
	  "server.workers must be an integer from 0 to 512, not -1" },
	{ "server = {\n  workers = 513;\n};\n" ROUTES, 2, "from 0 to 512, not 513" },
	{ "server = {\n  backlog = 0;\n};\n" ROUTES, 2,
	  "server.backlog must be an integer from 1 to 65535, not 0" },
	{ "server = {\n  backlog = 65536;\n};\n" ROUTES, 2, "from 1 to 65535, not 65536" },
	{ "server = {\n  keepalive_timeout = 0;\n};\n" ROUTES, 2,
	  "server.keepalive_timeout must be an integer from 1 to 3600" },
	{ "server = {\n  keepalive_timeout = 3601;\n};\n" ROUTES, 2, "from 1 to 3600, not 3601" },
	{ "server = {\n  request_timeout = 0;\n};\n" ROUTES, 2,
	  "server.request_timeout must be an integer from 1 to 3600" },
	{ "server = {\n  request_timeout = 3601;\n};\n" ROUTES, 2, "from 1 to 3600, not 3601" },
	{ "server = {\n  shutdown_timeout = 0;\n};\n" ROUTES, 2,
	  "server.shutdown_timeout must be an integer from 1 to 3600" },
	{ "server = {\n  shutdown_timeout = 3601;\n};\n" ROUTES, 2, "from 1 to 3600, not 3601" },
	{ "server = {\n  max_connections = 0;\n};\n" ROUTES, 2,
	  "server.max_connections must be an integer from 1 to 1000000" },
	{ "server = {\n  max_connections = 1000001;\n};\n" ROUTES, 2, "not 1000001" },
	{ "server = {\n  max_header_size = 1023;\n};\n" ROUTES, 2,
	  "server.max_header_size must be an integer from 1024 to 1048576" },
	{ "server = {\n  max_header_size = 1048577;\n};\n" ROUTES, 2, "not 1048577" },
	{ "server = {\n  max_body_size = -1;\n};\n" ROUTES, 2,
	  "server.max_body_size must be an integer from 0 to 1073741824, not -1" },
	{ "server = {\n  max_body_size = 1073741825;\n};\n" ROUTES, 2, "not 1073741825" },
	{ "server = {\n  max_body_size = 4294967296L;\n};\n" ROUTES, 2, "not 4294967296" },
	{ "server = {\n  address = \"localhost\";\n};\n" ROUTES, 2, "numeric IPv4 or IPv6 address" },
	{ "server = {\n  address = \"1.2.3\";\n};\n" ROUTES, 2, "not \"1.2.3\"" },
	{ "server = {\n  address = 0;\n};\n" ROUTES, 2, "server.address must be a string" },
	{ "server = {\n  user = \"no-such-user-tinyhttpd\";\n};\n" ROUTES, 2,
	  "unknown user 'no-such-user-tinyhttpd'" },
	{ "server = {\n  access_log = \"nodir/access.log\";\n};\n" ROUTES, 2,
	  "server.access_log \"nodir/access.log\": directory" },
	{ "server = {\n  access_log = \"www/a.html/access.log\";\n};\n" ROUTES, 2, "Not a directory" },
	{ "server = {\n  access_log_format = \"clf\";\n};\n" ROUTES, 2,
	  "server.access_log_format must be common, combined or json, not \"clf\"" },
	{ "server = {\n  access_log_format = \"JSON\";\n};\n" ROUTES, 2, "not \"JSON\"; write \"json\"" },
	{ "server = {\n  access_log_format = \"\";\n};\n" ROUTES, 2, "not \"\"" },
	{ "server = {\n  access_log_format = 1;\n};\n" ROUTES, 2,
	  "server.access_log_format must be a string" },
	/* route shape */
	/* libconfig gives a scalar in a list the line of the token after it: keep the comma on its line. */
	{ "routes = (\n  \"/\", \"/\"\n);\n", 2, "each route must be a group" },
	{ "routes = (\n  { path = \"/\";\n    txt = \"x\"; }\n);\n", 3, "unknown setting 'txt' in a route" },
	{ "routes = (\n  { path = \"/\"; }\n);\n", 2,
	  "route needs exactly one of text, file, root, redirect or metrics; add one" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    file = \"www/a.html\"; }\n);\n", 3,
	  "not both text and file" },
	{ "routes = (\n  { prefix = \"/\"; root = \"www\";\n    redirect = \"/x\"; }\n);\n", 3,
	  "not both root and redirect" },
	{ "routes = (\n  { path = \"/\";\n    text = 5; }\n);\n", 3, "route text must be a string" },
	/* method */
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    method = \"FETCH\"; }\n);\n", 3,
	  "route method must be GET, HEAD, POST, PUT, DELETE, PATCH or OPTIONS" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    method = \"get\"; }\n);\n", 3,
	  "not \"get\"; write \"GET\"" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    method = 1; }\n);\n", 3,
	  "route method must be a string" },
	/* path and prefix */
	{ "routes = (\n  { text = \"x\";\n    path = \"hello\"; }\n);\n", 3,
	  "route path must start with '/': write \"/hello\"" },
	{ "routes = (\n  { text = \"x\";\n    path = \"\"; }\n);\n", 3, "must start with '/'" },
	{ "routes = (\n  { text = \"x\";\n    path = \"/a b\"; }\n);\n", 3, "must not contain spaces" },
	{ "routes = (\n  { text = \"x\";\n    path = \"/a?b=1\"; }\n);\n", 3, "'?' or '#'" },
	{ "routes = (\n  { text = \"x\";\n    path = \"/a#b\"; }\n);\n", 3, "'?' or '#'" },
	{ "routes = (\n  { text = \"x\";\n    path = \"/a\\tb\"; }\n);\n", 3,
	  "route path \"/a\\x09b\" must not contain" },
	{ "routes = (\n  { text = \"x\";\n    path = \"//a\"; }\n);\n", 3, "could never match" },
	{ "routes = (\n  { text = \"x\";\n    path = \"/a/../b\"; }\n);\n", 3, "could never match" },
	{ "routes = (\n  { text = \"x\";\n    path = \"/a/.\"; }\n);\n", 3, "could never match" },
	{ "routes = (\n  { text = \"x\"; }\n);\n", 2, "route needs path = \"/...\"" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    prefix = \"/\"; }\n);\n", 3,
	  "prefix is only for root or redirect routes" },
	/* A key the route's kind does not take is named before a key it lacks. */
	{ "routes = (\n  { text = \"x\";\n    prefix = \"/a/\"; }\n);\n", 3,
	  "prefix is only for root or redirect routes; use path = \"/...\"" },
	{ "routes = (\n  { root = \"www\"; }\n);\n", 2, "route needs prefix = \"/dir/\"" },
	{ "routes = (\n  { root = \"www\"; prefix = \"/s/\";\n    path = \"/s/\"; }\n);\n", 3,
	  "path is only for text, file, redirect or metrics routes; a root route takes prefix = \"/dir/\"" },
	{ "routes = (\n  { root = \"www\";\n    prefix = \"/static\"; }\n);\n", 3,
	  "route prefix must end with '/': write \"/static/\"" },
	{ "routes = (\n  { root = \"www\";\n    prefix = \"static/\"; }\n);\n", 3,
	  "route prefix must start with '/'" },
	{ "routes = (\n  { root = \"www\";\n    prefix = 5; }\n);\n", 3, "route prefix must be a string" },
	/* params and text */
	{ "routes = (\n  { path = \"/\"; file = \"www/a.html\";\n    params = [ \"a\" ]; }\n);\n", 3,
	  "params is only for text routes; remove it" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    params = \"a\"; }\n);\n", 3,
	  "route params must be a list of strings" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    params = ( \"a\", 1 ); }\n);\n", 3,
	  "each of route params must be a string" },
	{ "routes = (\n  { path = \"/\"; text = \"{a}\"; params = [ \"a\",\n    \"a\" ]; }\n);\n", 3,
	  "duplicate parameter \"a\"" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    params = [ \"a b\" ]; }\n);\n", 3,
	  "parameter name \"a b\" may only use letters" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    params = [ \"a{b\" ]; }\n);\n", 3,
	  "may only use letters" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    params = [ \"\" ]; }\n);\n", 3,
	  "may only use letters" },
	{ "routes = (\n  { path = \"/\"; params = [ \"name\" ];\n    text = \"{nmae}\"; }\n);\n", 3,
	  "unknown placeholder {nmae}; declare it in params, or use {host}, {path}, {query} or "
	  "{remote_addr}" },
	{ "routes = (\n  { path = \"/\";\n    text = \"a } b\"; }\n);\n", 3, "lone '}'" },
	{ "routes = (\n  { path = \"/\";\n    text = \"{Host}\"; }\n);\n", 3,
	  "unknown placeholder {Host}; declare it in params, or use {host}, {path}, {query} or "
	  "{remote_addr}" },
	/* file and root */
	{ "routes = (\n  { path = \"/\";\n    file = \"www/missing.html\"; }\n);\n", 3,
	  "file \"www/missing.html\"" },
	{ "routes = (\n  { path = \"/\";\n    file = \"www/missing.html\"; }\n);\n", 3,
	  "No such file or directory" },
	{ "routes = (\n  { path = \"/\";\n    file = \"www\"; }\n);\n", 3, "not a regular file" },
	{ "routes = (\n  { prefix = \"/\";\n    root = \"www/a.html\"; }\n);\n", 3, "Not a directory" },
	{ "routes = (\n  { prefix = \"/\";\n    root = \"nowhere\"; }\n);\n", 3, "root \"nowhere\"" },
	/* redirect, status, content_type */
	{ "routes = (\n  { path = \"/\"; redirect = \"/x\";\n    status = 200; }\n);\n", 3,
	  "redirect status must be an integer from 301 to 308, not 200" },
	{ "routes = (\n  { path = \"/\"; redirect = \"/x\";\n    status = 304; }\n);\n", 3,
	  "redirect status must be 301, 302, 303, 307 or 308, not 304" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    status = 199; }\n);\n", 3,
	  "route status must be an integer from 200 to 599, not 199" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    status = 600; }\n);\n", 3, "not 600" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    status = \"200\"; }\n);\n", 3, "not a string" },
	/* 304 answers conditional requests; 204 and 205 have no content to send. */
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    status = 304; }\n);\n", 3,
	  "route status 304 answers only conditional requests" },
	{ "routes = (\n  { path = \"/\"; file = \"www/a.html\";\n    status = 304; }\n);\n", 3,
	  "route status 304" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    status = 204; }\n);\n", 3,
	  "route status 204 sends no content: only a text route with text = \"\" may have it" },
	{ "routes = (\n  { path = \"/\"; params = [ \"a\" ]; text = \"{a}\";\n    status = 205; }\n);\n", 3,
	  "route status 205 sends no content" },
	{ "routes = (\n  { path = \"/\"; file = \"www/a.html\";\n    status = 204; }\n);\n", 3,
	  "route status 204 sends no content" },
	{ "routes = (\n  { prefix = \"/\"; root = \"www\";\n    status = 205; }\n);\n", 3,
	  "route status 205 sends no content" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"\"; }\n);\n", 3,
	  "route redirect must be a non-empty URL" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"/a b\"; }\n);\n", 3, "without spaces" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"/a\\nb\"; }\n);\n", 3, "not \"/a\\x0ab\"" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"https://{hots}{path}\"; }\n);\n", 3,
	  "unknown placeholder {hots}; a redirect may use {host}, {path}, {query} or {remote_addr}; write {{ "
	  "and }} for literal braces" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"/{name}\"; }\n);\n", 3,
	  "unknown placeholder {name}" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"/a}b\"; }\n);\n", 3, "lone '}' at offset 2" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"/{host\"; }\n);\n", 3,
	  "unclosed '{' at offset 1" },
	{ "routes = (\n  { path = \"/\";\n    redirect = \"/{}\"; }\n);\n", 3, "empty placeholder" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    content_type = \"\"; }\n);\n", 3,
	  "route content_type must be a non-empty media type" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    content_type = \"text/html\\r\\nX: y\"; }\n);\n",
	  3, "printable ASCII" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    content_type = 1; }\n);\n", 3,
	  "route content_type must be a string" },
	/* static directory options */
	{ "routes = (\n  { prefix = \"/s/\"; root = \"www\";\n    autoindex = 1; }\n);\n", 3,
	  "route autoindex must be true or false" },
	{ "routes = (\n  { prefix = \"/s/\"; root = \"www\";\n    follow_symlinks = \"yes\"; }\n);\n", 3,
	  "route follow_symlinks must be true or false" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    autoindex = true; }\n);\n", 3,
	  "autoindex is only for root routes" },
	{ "routes = (\n  { path = \"/\"; file = \"www/a.html\";\n    follow_symlinks = false; }\n);\n", 3,
	  "follow_symlinks is only for root routes" },
	{ "routes = (\n  { prefix = \"/s/\"; root = \"www\";\n    precompressed = \"br\"; }\n);\n", 3,
	  "route precompressed must be true or false" },
	{ "routes = (\n  { path = \"/\"; text = \"x\";\n    precompressed = true; }\n);\n", 3,
	  "precompressed is only for file or root routes" },
	{ "routes = (\n  { path = \"/\"; redirect = \"/x\";\n    precompressed = false; }\n);\n", 3,
	  "precompressed is only for file or root routes" },
	/* listen */
	{ "listen = (\n  { port = 80; },\n  { address = \"0.0.0.0\"; port = 80; }\n);\n" ROUTES, 3,
	  "listen 0.0.0.0 port 80 is also the listener at line 2; remove one" },
	{ "listen = (\n  { address = \"::1\"; port = 80; },\n  { address = \"0:0::1\"; port = 80; "
	  "}\n);\n" ROUTES,
	  3, "is also the listener at line 2" },
	{ "listen = (\n  { port = 80; },\n  { address = \"127.0.0.1\"; port = 80; }\n);\n" ROUTES, 3,
	  "listen 127.0.0.1 port 80 overlaps 0.0.0.0 port 80, the listener at line 2" },
	{ "listen = (\n  { address = \"::\"; port = 80; },\n  { address = \"0.0.0.0\"; port = 80; "
	  "}\n);\n" ROUTES,
	  3, "\"::\" on every address unless ipv6_only = true" },
	{ "listen = (\n  { address = \"::\"; port = 80; ipv6_only = true; },\n  { port = 80; },\n"
	  "  { address = \"::1\"; port = 80; }\n);\n" ROUTES,
	  4, "overlaps :: port 80, the listener at line 2" },
	{ "listen = (\n  { path = \"logs/a.sock\"; },\n  { path = \"www/../logs/a.sock\"; }\n);\n" ROUTES, 3,
	  "/logs/a.sock is also the listener at line 2; remove one" },
	{ "listen = (\n  { name = \"a\"; port = 80; },\n  { port = 81;\n    name = \"a\"; }\n);\n" ROUTES, 4,
	  "listen name \"a\" is also the name of the listener at line 2" },
	{ "listen = (\n  { port = 80;\n    name = \"a.b\"; }\n);\n" ROUTES, 3,
	  "listen name \"a.b\" may only use letters, digits, '_' and '-'" },
	{ "listen = (\n  { port = 80;\n    name = \"\"; }\n);\n" ROUTES, 3, "listen name \"\" may only use" },
	{ "listen = (\n  { name = \"a\"; }\n);\n" ROUTES, 2,
	  "listener needs exactly one of port or path; add one" },
	{ "listen = (\n  { port = 80;\n    path = \"logs/a.sock\"; }\n);\n" ROUTES, 3,
	  "not both port and path; split it into two listeners" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    address = \"0.0.0.0\"; }\n);\n" ROUTES, 3,
	  "address is only for TCP listeners; remove it" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    ipv6_only = false; }\n);\n" ROUTES, 3,
	  "ipv6_only is only for TCP listeners" },
	{ "listen = (\n  { port = 80;\n    mode = \"0660\"; }\n);\n" ROUTES, 3,
	  "mode is only for unix socket listeners; remove it" },
	{ "listen = (\n  { port = 0; }\n);\n" ROUTES, 2,
	  "listen port must be an integer from 1 to 65535, not 0" },
	{ "listen = (\n  { port = 80;\n    address = \"localhost\"; }\n);\n" ROUTES, 3,
	  "listen address must be a numeric IPv4 or IPv6 address" },
	{ "listen = (\n  { port = 80; address = \"0.0.0.0\";\n    ipv6_only = true; }\n);\n" ROUTES, 3,
	  "listen ipv6_only is only for an IPv6 address such as \"::\", not \"0.0.0.0\"" },
	{ "listen = (\n  { port = 80; address = \"::ffff:10.0.0.1\";\n    ipv6_only = true; }\n);\n" ROUTES,
	  3, "not \"::ffff:10.0.0.1\"" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    mode = 660; }\n);\n" ROUTES, 3,
	  "listen mode must be an octal string in double quotes such as \"0660\", not an integer" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    mode = \"0680\"; }\n);\n" ROUTES, 3,
	  "listen mode must be permissions in octal from \"0000\" to \"0777\", such as \"0660\", not "
	  "\"0680\"" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    mode = \"4755\"; }\n);\n" ROUTES, 3, "not \"4755\"" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    mode = \"66\"; }\n);\n" ROUTES, 3, "not \"66\"" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    mode = \"00660\"; }\n);\n" ROUTES, 3,
	  "not \"00660\"" },
	{ "listen = (\n  { path = \"logs/a.sock\";\n    mode = \"\"; }\n);\n" ROUTES, 3, "not \"\"" },
	{ "listen = (\n  {\n    path = \"nodir/a.sock\"; }\n);\n" ROUTES, 3,
	  "listen path \"nodir/a.sock\": directory" },
	{ "listen = (\n  {\n    path = \"www/a.html/a.sock\"; }\n);\n" ROUTES, 3, "Not a directory" },
	{ "listen = (\n  {\n    path = \"www/a.html\"; }\n);\n" ROUTES, 3, "exists and is not a socket" },
	{ "listen = (\n  {\n    path = \"logs/\"; }\n);\n" ROUTES, 3,
	  "listen path \"logs/\" must end in the socket's file name" },
	{ "listen = (\n  {\n    path = \"logs/..\"; }\n);\n" ROUTES, 3,
	  "must end in the socket's file name" },
	{ "listen = (\n  {\n    path = \"logs/" LONG_NAME "\"; }\n);\n" ROUTES, 3,
	  "a unix socket's path has at most 107" },
	{ "listen = (\n  { port = 80; prot = 1; }\n);\n" ROUTES, 2,
	  "unknown setting 'prot' in a listener; expected name, address, port, ipv6_only, path, mode, "
	  "proxy_protocol or tls" },
	{ "listen = (\n  { port = 80; },\n  8080,\n  { port = 81; }\n);\n" ROUTES, 3,
	  "each listener must be a group" },
	{ "listen = { port = 80; };\n" ROUTES, 1, "listen must be a list of groups" },
	{ "listen = ();\n" ROUTES, 1, "listen is empty; add a listener" },
	{ "server = {\n  port = 80;\n};\nlisten = (\n  { port = 80; }\n);\n" ROUTES, 2,
	  "server.port cannot be used with listen (line 4): use either server.address/port or listen" },
	{ "server = {\n  address = \"::\";\n};\nlisten = ( { port = 80; } );\n" ROUTES, 2,
	  "server.address cannot be used with listen (line 4)" },
	/* hosts */
	{ "hosts = (\n  { names = [ \"a.com\" ];\n    " ROUTES
	  "  },\n  { names = [ \"b.com\",\n    \"A.Com\" ];\n    " ROUTES "  }\n);\n",
	  6, "host name \"a.com\" is also a name of the host at line 2, on the same listener" },
	{ "listen = (\n  { name = \"a\"; port = 80; },\n  { name = \"b\"; port = 81; }\n);\n"
	  "hosts = (\n  { names = [ \"*\" ]; listen = [ \"b\", \"a\" ]; " ROUTES "  },\n"
	  "  { names = [ \"*\" ]; listen = [ \"a\" ]; " ROUTES "  }\n);\n",
	  8, "host name \"*\" is also a name of the host at line 6" },
	{ "listen = (\n  { name = \"a\"; port = 80; },\n  { port = 81; }\n);\n"
	  "hosts = (\n  { names = [ \"*\" ]; listen = [ \"a\" ]; " ROUTES "  },\n"
	  "  { names = [ \"*\" ]; " ROUTES "  }\n);\n",
	  8, "is also a name of the host at line 6" },
	{ "listen = (\n  { name = \"a\"; port = 80; }\n);\n"
	  "hosts = (\n  { names = [ \"x\" ];\n    listen = [ \"b\" ]; " ROUTES "  }\n);\n",
	  6, "host listen \"b\" is not the name of a listener; give one name = \"b\"" },
	{ "hosts = (\n  { names = [ \"x\" ];\n    listen = [ \"a\" ]; " ROUTES "  }\n);\n", 3,
	  "host listen \"a\" is not the name of a listener" },
	{ "listen = (\n  { name = \"a\"; port = 80; }\n);\n"
	  "hosts = (\n  { names = [ \"x\" ];\n    listen = [ ]; " ROUTES "  }\n);\n",
	  6, "host listen is empty" },
	{ "listen = (\n  { name = \"a\"; port = 80; }\n);\n"
	  "hosts = (\n  { names = [ \"x\" ]; listen = [ \"a\",\n    \"a\" ]; " ROUTES "  }\n);\n",
	  6, "duplicate listener \"a\" in listen; list each once" },
	{ "listen = (\n  { name = \"a\"; port = 80; },\n  { name = \"b\"; port = 81; }\n);\n"
	  "hosts = (\n  { names = [ \"x\" ]; listen = [ \"a\" ]; " ROUTES "  }\n);\n",
	  3, "listener \"b\" is on no host" },
	{ "listen = (\n  { name = \"a\"; port = 80; },\n  { port = 81; }\n);\n"
	  "hosts = (\n  { names = [ \"x\" ]; listen = [ \"a\" ]; " ROUTES "  }\n);\n",
	  3, "this listener is on no host" },
	{ "hosts = (\n  { " ROUTES "  }\n);\n", 2, "host needs names = [ \"example.com\", ... ]" },
	{ "hosts = (\n  { " ROUTES "    names = [ ]; }\n);\n", 3, "host names is empty" },
	{ "hosts = (\n  { " ROUTES "    names = \"x\"; }\n);\n", 3, "host names must be a list of strings" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"a.*.b\" ]; }\n);\n", 3,
	  "host name \"a.*.b\" must be letters, digits, '-' and '.' such as \"example.com\", or a wildcard" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"*a.b\" ]; }\n);\n", 3, "host name \"*a.b\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"*.\" ]; }\n);\n", 3, "host name \"*.\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"**\" ]; }\n);\n", 3, "host name \"**\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"\" ]; }\n);\n", 3, "host name \"\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"a..b\" ]; }\n);\n", 3, "host name \"a..b\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"a.b.\" ]; }\n);\n", 3, "host name \"a.b.\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"a_b.c\" ]; }\n);\n", 3, "host name \"a_b.c\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"[::1]\" ]; }\n);\n", 3, "host name \"[::1]\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"a:80\" ]; }\n);\n", 3, "host name \"a:80\" must be" },
	{ "hosts = (\n  { " ROUTES "    names = [ \"x\", \"X\" ]; }\n);\n", 3,
	  "duplicate name \"x\" in names" },
	{ "hosts = (\n  { names = [ \"x\" ]; }\n);\n", 2, "no routes; add at least one route" },
	{ "hosts = (\n  { names = [ \"x\" ];\n    routes = ( ); }\n);\n", 3, "no routes" },
	{ "hosts = (\n  { names = [ \"x\" ];\n    routes = 1; }\n);\n", 3,
	  "host routes must be a list of groups" },
	{ "hosts = (\n  { names = [ \"x\" ]; routes = (\n    { path = \"/\"; text = \"x\"; },\n"
	  "    { path = \"/\"; file = \"www/a.html\"; } ); }\n);\n",
	  4, "duplicate route GET / (first at line 3)" },
	{ "hosts = (\n  { names = [ \"x\" ]; routes = (\n    { path = \"/\";\n      txt = \"x\"; } ); "
	  "}\n);\n",
	  4, "unknown setting 'txt' in a route" },
	{ "hosts = (\n  { names = [ \"x\" ]; " ROUTES "    tl = true; }\n);\n", 3,
	  "unknown setting 'tl' in a host; expected names, listen, tls, headers, error_pages or routes" },
	{ "hosts = (\n  { names = [ \"x\" ]; " ROUTES "    tls = true; }\n);\n", 3,
	  "tls must be a group (tls = { ... };), not a boolean" },
	{ "hosts = (\n  { names = [ \"x\" ]; " ROUTES "    tls = {\n  cert = \"a\"; }; }\n);\n", 4,
	  "unknown setting 'cert' in a host's tls; expected certificate or key" },
	{ "hosts = (\n  \"x\",\n  \"y\"\n);\n", 2, "each host must be a group" },
	{ "hosts = ();\n", 1, "no hosts; add at least one host" },
	{ ROUTES "hosts = (\n  { names = [ \"x\" ]; " ROUTES "  }\n);\n", 1,
	  "top-level routes cannot be used with hosts (line 2): move them into a host" },
	{ "hosts = (\n  { names = [ \"x\" ]; " ROUTES "  }\n);\n" ROUTES, 5,
	  "top-level routes cannot be used with hosts (line 1)" },
	/* index */
	{ "routes = ( { prefix = \"/\"; root = \"www\";\n  index = \"index.html\"; } );\n", 2,
	  "route index must be a list of strings" },
	{ "routes = ( { prefix = \"/\"; root = \"www\"; index = [ \"a.html\",\n  \"sub/index.html\" ]; } "
	  ");\n",
	  2, "route index \"sub/index.html\" must be a file name such as \"index.html\", without '/'" },
	{ "routes = ( { prefix = \"/\"; root = \"www\"; index = [\n  \"..\" ]; } );\n", 2,
	  "route index \"..\" must be a file name" },
	{ "routes = ( { prefix = \"/\"; root = \"www\"; index = [\n  \"\" ]; } );\n", 2,
	  "route index \"\" must be a file name" },
	{ "routes = ( { prefix = \"/\"; root = \"www\"; index = [ \"a\",\n  \"a\" ]; } );\n", 2,
	  "duplicate index file \"a\" in index" },
	{ "routes = ( { path = \"/\"; text = \"x\";\n  index = [ \"a\" ]; } );\n", 2,
	  "index is only for root routes" },
	/* types */
	{ "types = [ \"a\" ];\n" ROUTES, 1, "types must be a group of strings" },
	{ "types = {\n  wasm = 5;\n};\n" ROUTES, 2, "types wasm must be a string" },
	{ "types = {\n  wasm = \"wasm\";\n};\n" ROUTES, 2,
	  "types wasm must be a media type of printable ASCII such as \"application/wasm\", not \"wasm\"" },
	{ "types = {\n  x = \"text/x\\n\";\n};\n" ROUTES, 2, "types x must be a media type" },
	{ "types = { gz = \"a/b\";\n  GZ = \"c/d\"; };\n" ROUTES, 2,
	  "types GZ is also set as gz, case aside; set it once" },
	/* server_tokens, headers */
	{ "server = {\n  server_tokens = \"no\";\n};\n" ROUTES, 2,
	  "server.server_tokens must be true or false" },
	{ "server = {\n  headers = [ \"X-A: 1\" ];\n};\n" ROUTES, 2, "server.headers must be a group" },
	{ "server = { headers = {\n  X-A = 1; }; };\n" ROUTES, 2, "server.headers X-A must be a string" },
	{ "server = { headers = {\n  Server = \"x\"; }; };\n" ROUTES, 2,
	  "server.headers Server is the server's own header; set server.server_tokens" },
	{ "server = { headers = {\n  content-length = \"1\"; }; };\n" ROUTES, 2,
	  "server.headers content-length is the server's own header; remove it" },
	{ "server = { headers = {\n  X-A = \"a\\r\\nX-B: b\"; }; };\n" ROUTES, 2,
	  "server.headers X-A must be printable ASCII" },
	{ "server = { headers = {\n  X-A = \"caf\xc3\xa9\"; }; };\n" ROUTES, 2,
	  "server.headers X-A must be printable ASCII" },
	{ "server = { headers = {\n  X-A = \" a\"; }; };\n" ROUTES, 2,
	  "server.headers X-A must not start or end with a space or tab" },
	{ "server = { headers = { X-A = \"1\";\n  x-a = \"2\"; }; };\n" ROUTES, 2,
	  "header x-a is also set as X-A, case aside" },
	{ "hosts = ( { names = [ \"*\" ]; " ROUTES "\n  headers = { Location = \"/\"; }; } );\n", 3,
	  "host headers Location is the server's own header; use a redirect route" },
	{ "routes = ( { path = \"/\"; text = \"x\";\n  headers = { Content-Type = \"a/b\"; }; } );\n", 2,
	  "route headers Content-Type is the server's own header; set the route's content_type" },
	/* error_pages */
	{ "server = {\n  error_pages = { status = 404; };\n};\n" ROUTES, 2,
	  "server.error_pages must be a list of groups" },
	{ "server = { error_pages = (\n  404 ); };\n" ROUTES, 2, "each error page must be a group" },
	{ "server = { error_pages = (\n  { status = 404; } ); };\n" ROUTES, 2,
	  "error page needs file = \"errors/404.html\";" },
	{ "server = { error_pages = (\n  { file = \"www/a.html\"; } ); };\n" ROUTES, 2,
	  "error page needs status = 404;" },
	{ "server = { error_pages = ( { file = \"www/a.html\";\n  status = 403; } ); };\n" ROUTES, 2,
	  "error page status 403 is not an error the server makes itself" },
	{ "server = { error_pages = ( { file = \"www/a.html\";\n  status = 399; } ); };\n" ROUTES, 2,
	  "error page status must be an integer from 400 to 599, not 399" },
	{ "server = { error_pages = ( { status = 404;\n  file = \"www/none.html\"; } ); };\n" ROUTES, 2,
	  "error page file \"www/none.html\" (" },
	{ "server = { error_pages = ( { status = 404;\n  file = \"www\"; } ); };\n" ROUTES, 2,
	  "Invalid argument" },
	{ "server = { error_pages = ( { status = 404; file = \"www/a.html\"; },\n"
	  "  { status = 404; file = \"www/a.html\"; } ); };\n" ROUTES,
	  2, "error page for 404 is also at line 1; remove one" },
	{ "server = { error_pages = ( { status = 404; file = \"www/a.html\";\n  page = 1; } ); };\n" ROUTES,
	  2, "unknown setting 'page' in an error page; expected status or file" },
	{ "hosts = ( { names = [ \"*\" ]; " ROUTES "\n  error_pages = ( { status = 500; file = \"x\"; } ); "
	  "} );\n",
	  3, "error page file \"x\"" },
	{ "routes = ( { path = \"/\"; text = \"x\";\n  error_pages = ( ); } );\n", 2,
	  "unknown setting 'error_pages' in a route" },
	/* duplicates */
	{ "routes = (\n  { path = \"/a\"; text = \"x\"; },\n  { path = \"/b\"; text = \"x\"; },\n"
	  "  { method = \"GET\"; path = \"/a\"; file = \"www/a.html\"; }\n);\n",
	  4, "duplicate route GET /a (first at line 2)" },
	{ "routes = (\n  { method = \"POST\"; prefix = \"/s/\"; root = \"www\"; },\n"
	  "  { method = \"POST\"; prefix = \"/s/\"; root = \".\"; }\n);\n",
	  3, "duplicate route POST /s/ (first at line 2)" },
};

/* Config #i, b, is refused at its line with its words. */
static void
expect_bad(const struct bad *b, int i)
{
	char want[sizeof(conf) + 32];

	ck_assert_ptr_null(load_text(b->text));
	snprintf(want, sizeof(want), "%s:%d: ", conf, b->line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "config #%d: want \"%s\" at the start of \"%s\"",
	              i, want, err);
	ck_assert_msg(strstr(err, b->word) != NULL, "config #%d: want \"%s\" in \"%s\"", i, b->word, err);
}

START_TEST(test_bad)
{
	expect_bad(&bad_configs[_i], _i);
}
END_TEST

/* Headers merge server, host, route by name, without case; an empty value removes one; pages inherit. */
START_TEST(test_answers)
{
	struct config *cfg;
	const struct error_page *page;

	write_file("e.txt", "bad\n");
	cfg = load_text(
	        "types = { wasm = \"application/x-wasm\"; Foo = \"text/x-foo\"; };\n"
	        "server = { server_tokens = false;\n"
	        "  headers = { X-A = \"1\"; X-B = \"2\"; Cache-Control = \"no-cache\"; };\n"
	        "  error_pages = ( { status = 404; file = \"www/a.html\"; } ); };\n"
	        "hosts = ( { names = [ \"*\" ];\n"
	        "  headers = { x-b = \"\"; X-C = \"3\"; X-D = \"\"; };\n"
	        "  error_pages = ( { status = 400; file = \"e.txt\"; } );\n"
	        "  routes = ( { path = \"/\"; text = \"x\"; headers = { X-A = \"r\"; x-c = \"\"; }; },\n"
	        "             { path = \"/b\"; text = \"y\"; } ); } );\n");
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->answer.block,
	                 "Server: tinyhttpd\r\nX-A: 1\r\nX-B: 2\r\nCache-Control: no-cache\r\n");
	ck_assert_uint_eq(cfg->answer.block_len, strlen(cfg->answer.block));
	ck_assert_str_eq(cfg->hosts[0].answer.block,
	                 "Server: tinyhttpd\r\nX-A: 1\r\nCache-Control: no-cache\r\nX-C: 3\r\n");
	ck_assert_str_eq(cfg->routes[0].answer.block,
	                 "Server: tinyhttpd\r\nX-A: r\r\nCache-Control: no-cache\r\n");
	ck_assert_str_eq(cfg->routes[1].answer.block, cfg->hosts[0].answer.block);
	/* The host's page, then the server's; a file's type comes from its extension. */
	ck_assert_ptr_nonnull(page = config_error_page(&cfg->routes[0].answer, 404));
	ck_assert_str_eq(page->body, "<p>a</p>\n");
	ck_assert_uint_eq(page->len, 9);
	ck_assert_str_eq(page->type, "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(page = config_error_page(&cfg->routes[1].answer, 400));
	ck_assert_str_eq(page->body, "bad\n");
	ck_assert_str_eq(page->type, "text/plain; charset=utf-8");
	ck_assert_ptr_null(config_error_page(&cfg->answer, 400));
	ck_assert_ptr_null(config_error_page(&cfg->routes[0].answer, 500));
	/* types over /etc/mime.types over the built-in table, by extension in any case. */
	ck_assert_str_eq(mime_lookup(&cfg->types, "a.WASM"), "application/x-wasm");
	ck_assert_str_eq(mime_lookup(&cfg->types, "a.foo"), "text/x-foo; charset=utf-8");
	ck_assert_str_eq(mime_lookup(&cfg->types, "a.mp4"), "video/mp4");
	ck_assert_str_eq(mime_lookup(&cfg->types, "a.webmanifest"), "application/manifest+json");
	config_free(cfg);

	/* By default: the version, and a host of top-level routes gets the server's headers. */
	cfg = load_text("server = { headers = { X-A = \"1\"; }; };\n" ROUTES);
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert(cfg->server_tokens);
	ck_assert_str_eq(cfg->answer.block, "Server: tinyhttpd/" PACKAGE_VERSION "\r\nX-A: 1\r\n");
	ck_assert_str_eq(cfg->hosts[0].answer.block, cfg->answer.block);
	ck_assert_str_eq(cfg->routes[0].answer.block, cfg->answer.block);
	config_free(cfg);
}
END_TEST

/* A redirect takes a prefix, to send a whole tree elsewhere; root routes always have one. */
START_TEST(test_redirect_prefix)
{
	struct config *cfg;

	cfg = load_text(
	        "routes = (\n  { prefix = \"/old/\"; redirect = \"https://{host}{path}\"; status = 301; },\n"
	        "  { path = \"/old\"; redirect = \"/old/\"; },\n  { prefix = \"/s/\"; root = \"www\"; "
	        "}\n);\n");
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert(cfg->routes[0].prefix);
	ck_assert_str_eq(cfg->routes[0].path, "/old/");
	ck_assert(!cfg->routes[1].prefix);
	ck_assert(cfg->routes[2].prefix);
	config_free(cfg);
	ck_assert_ptr_null(load_text(
	        "routes = (\n  { path = \"/a\";\n    prefix = \"/a/\"; redirect = \"/b\"; }\n);\n"));
	ck_assert_msg(strstr(err, "t.conf:3: a redirect takes path or prefix, not both") != NULL, "%s", err);
	ck_assert_ptr_null(load_text("routes = (\n  { prefix = \"/a\"; redirect = \"/b\"; }\n);\n"));
	ck_assert_msg(strstr(err, "t.conf:2: route prefix must end with '/'") != NULL, "%s", err);
	ck_assert_ptr_null(load_text("routes = (\n  { redirect = \"/b\"; }\n);\n"));
	ck_assert_msg(strstr(err, "route needs path = \"/...\"") != NULL, "%s", err);
}
END_TEST

/* TLS settings a build with OpenSSL refuses before reading any certificate. */
static const struct bad bad_tls[] = {
	{ "tls = {\n  protocols = [ \"TLSv1.2\",\n    \"TLSv1.1\" ]; };\n" ROUTES, 2,
	  "tls protocols: \"TLSv1.1\" is not one this server speaks" },
	{ "tls = {\n  protocols = [ ]; };\n" ROUTES, 2, "tls protocols is empty" },
	{ "tls = {\n  certificate = [ \"a.crt\", \"b.crt\" ];\n  key = \"a.key\"; };\n" ROUTES, 3,
	  "tls has 2 certificates and 1 key; give one key for each certificate" },
	{ "tls = {\n  certificate = \"a.crt\"; };\n" ROUTES, 2, "tls has 1 certificate and 0 keys" },
	{ "tls = {\n  hsts = \"max-age=1\\r\\nX: y\"; };\n" ROUTES, 2, "tls hsts has a control character" },
	{ "tls = {\n  ticket_key_lifetime = 10; };\n" ROUTES, 2, "tls ticket_key_lifetime must be" },
	{ "listen = (\n  { port = 443; tls = 1; }\n);\n" ROUTES, 2, "listen tls must be true or false" },
	/* A host on a TLS listener needs a certificate: its own or the top level's. */
	{ "listen = (\n  { port = 443; tls = true; }\n);\n" ROUTES, 4,
	  "host \"*\" is served on a TLS listener but has no certificate" },
	{ "listen = (\n  { name = \"s\"; port = 443; tls = true; },\n  { name = \"p\"; port = 80; }\n);\n"
	  "hosts = (\n  { names = [ \"p\" ]; listen = [ \"p\" ]; " ROUTES " },\n"
	  "  { names = [ \"s\" ];\n    " ROUTES " }\n);\n",
	  8, "host \"s\" is served on a TLS listener but has no certificate" },
};

START_TEST(test_tls_bad)
{
	if (tls_available)
		expect_bad(&bad_tls[_i], _i);
}
END_TEST

/* Writes a self-signed certificate name.crt and its key name.key (an EC or RSA one) into the test dir. */
static void
make_cert(const char *name, const char *type, int days)
{
	char cmd[PATH_MAX * 2 + 256];

	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && openssl req -x509 -newkey %s -nodes -keyout %s.key -out %s.crt -days %d "
	         "-subj /CN=%s 2>/dev/null",
	         tmpdir, strcmp(type, "rsa") == 0 ? "rsa:2048" : "ec -pkeyopt ec_paramgen_curve:P-256", name,
	         name, days, name);
	ck_assert_int_eq(system(cmd), 0);
}

/* Loads text with stderr, where warnings go, into the test dir's warn.log; returns the config. */
static struct config *
load_warned(const char *text, char *warnings, size_t cap)
{
	char path[PATH_MAX + 64];
	struct config *cfg;
	int saved = dup(STDERR_FILENO), fd;
	FILE *f;
	size_t n;

	tmp_path(path, sizeof(path), "warn.log");
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	cfg = load_text(text);
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(warnings, 1, cap - 1, f);
	warnings[n] = '\0';
	fclose(f);
	return cfg;
}

/*
 * Certificates are read at load: a context for each host on a TLS listener and for no other, the same
 * host with an ECDSA and an RSA pair, a key that does not fit its certificate, a missing file, and a
 * certificate about to expire (a warning, not an error).
 */
START_TEST(test_tls_certificates)
{
	static const char listen[] = "listen = (\n  { name = \"s\"; port = 443; tls = true; },\n  { name = "
	                             "\"p\"; port = 80; }\n);\n";
	char text[2048], warnings[1024];
	struct config *cfg;

	if (!tls_available) {
		ck_assert_ptr_null(load_text("listen = (\n  { port = 443; tls = true; }\n);\n" ROUTES));
		ck_assert_ptr_nonnull(
		        strstr(err, ":2: listen tls: this tinyhttpd was built without OpenSSL"));
		return;
	}
	make_cert("ec", "ec", 365);
	make_cert("rsa", "rsa", 365);
	make_cert("soon", "ec", 3);
	snprintf(text, sizeof(text),
	         "%shosts = (\n  { names = [ \"p\" ]; listen = [ \"p\" ]; " ROUTES " },\n"
	         "  { names = [ \"s\" ]; tls = { certificate = [ \"ec.crt\", \"rsa.crt\" ];\n"
	         "      key = [ \"ec.key\", \"rsa.key\" ]; };\n    " ROUTES " }\n);\n",
	         listen);
	cfg = load_warned(text, warnings, sizeof(warnings));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_ptr_null(cfg->hosts[0].tls);
	ck_assert_ptr_nonnull(cfg->hosts[1].tls);
	ck_assert_str_eq(warnings, "");
	config_free(cfg);

	/* The top-level pair serves a host without its own; -t warns of the one that expires soon. */
	snprintf(text, sizeof(text), "tls = {\n  certificate = \"soon.crt\";\n  key = \"soon.key\"; };\n%s",
	         "listen = (\n  { port = 443; tls = true; }\n);\n" ROUTES);
	cfg = load_warned(text, warnings, sizeof(warnings));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_ptr_nonnull(cfg->hosts[0].tls);
	ck_assert_msg(strstr(warnings, "t.conf:3: certificate ") != NULL &&
	                      strstr(warnings, "soon.crt expires in") != NULL,
	              "%s", warnings);
	config_free(cfg);

	ck_assert_ptr_null(load_text("tls = {\n  certificate = \"ec.crt\";\n  key = \"rsa.key\"; };\n"
	                             "listen = (\n  { port = 443; tls = true; }\n);\n" ROUTES));
	ck_assert_msg(strstr(err, "t.conf:3: tls key ") != NULL &&
	                      strstr(err, "does not match certificate") != NULL,
	              "%s", err);
	ck_assert_ptr_null(load_text("tls = {\n  certificate = \"none.crt\";\n  key = \"ec.key\"; };\n"
	                             "listen = (\n  { port = 443; tls = true; }\n);\n" ROUTES));
	ck_assert_msg(strstr(err, "t.conf:3: tls certificate ") != NULL &&
	                      strstr(err, "No such file") != NULL,
	              "%s", err);
	/* Not a certificate at all. */
	write_file("junk.crt", "not a certificate\n");
	ck_assert_ptr_null(load_text("tls = {\n  certificate = \"junk.crt\";\n  key = \"ec.key\"; };\n"
	                             "listen = (\n  { port = 443; tls = true; }\n);\n" ROUTES));
	ck_assert_msg(strstr(err, "t.conf:3: tls certificate ") != NULL &&
	                      strstr(err, "PEM certificates") != NULL,
	              "%s", err);
}
END_TEST

/* An error inside an @include names the included file, by its absolute path, and its line. */
static void
check_include_error(const char *inc, const char *want_tail)
{
	char want[PATH_MAX + 128];

	write_file("inc.conf", inc);
	ck_assert_ptr_null(load_text("server = {\n  @include \"inc.conf\"\n};\n" ROUTES));
	ck_assert_ptr_nonnull(realpath(tmpdir, want));
	strcat(want, want_tail);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "want \"%s\", got \"%s\"", want, err);
}

START_TEST(test_bad_include)
{
	check_include_error("port = 1;\nportt = 2;\n", "/inc.conf:2: unknown setting 'portt' in server");
	check_include_error("port = 1;\nbacklog = ;\n", "/inc.conf:2: syntax error");
}
END_TEST

/* A redirect's status is 302 unless it says otherwise; every other route's 200. */
START_TEST(test_default_status)
{
	struct config *cfg = load_text("routes = (\n"
	                               "  { path = \"/a\"; redirect = \"/b\"; },\n"
	                               "  { path = \"/b\"; file = \"www/a.html\"; }\n"
	                               ");\n");

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(cfg->routes[0].status, 302);
	ck_assert_int_eq(cfg->routes[1].status, 200);
	config_free(cfg);
}
END_TEST

/*
 * Texts and redirects may use the request variables, after the params in the values they are rendered
 * with; a param of the same name hides one. A redirect without any stays a literal, braces unescaped.
 */
START_TEST(test_variables)
{
	struct config *cfg = load_text("routes = (\n"
	                               "  { path = \"/v\"; params = [ \"name\" ];\n"
	                               "    text = \"{name}@{host}{path}?{query} {remote_addr}\"; },\n"
	                               "  { path = \"/r\"; redirect = \"https://{host}:8443{path}\"; },\n"
	                               "  { path = \"/s\"; params = [ \"host\" ]; text = \"{host}\"; },\n"
	                               "  { path = \"/l\"; redirect = \"/a{{b}}\"; }\n"
	                               ");\n");
	const struct str vars[] = { STR_LIT("h"), STR_LIT("/p"), STR_LIT("q"), STR_LIT("192.0.2.1") };
	const struct str text[] = { STR_LIT("Ann"), STR_LIT("h"), STR_LIT("/p"), STR_LIT("q"),
		                    STR_LIT("192.0.2.1") };
	const struct str hidden[] = { STR_LIT("mine"), STR_LIT("h"), STR_LIT("/p"), STR_LIT("q"),
		                      STR_LIT("192.0.2.1") };

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(nitems(vars), ROUTE_NVARS);
	check_render(&cfg->routes[0], text, "Ann@h/p?q 192.0.2.1");
	check_render(&cfg->routes[1], vars, "https://h:8443/p");
	ck_assert(!template_is_literal(&cfg->routes[1].tmpl));
	ck_assert_str_eq(cfg->routes[1].target, "https://{host}:8443{path}");
	check_render(&cfg->routes[2], hidden, "mine");
	ck_assert(template_is_literal(&cfg->routes[3].tmpl));
	ck_assert_str_eq(cfg->routes[3].tmpl.src, "/a{b}");
	ck_assert_str_eq(cfg->routes[3].target, "/a{{b}}");
	config_free(cfg);
}
END_TEST

/* The same path may serve several methods, and an exact path may share its text with a prefix. */
START_TEST(test_not_duplicates)
{
	struct config *cfg = load_text("routes = (\n"
	                               "  { path = \"/a/\"; text = \"x\"; },\n"
	                               "  { method = \"HEAD\"; path = \"/a/\"; text = \"x\"; },\n"
	                               "  { method = \"POST\"; path = \"/a/\"; text = \"x\"; },\n"
	                               "  { prefix = \"/a/\"; root = \"www\"; }\n"
	                               ");\n");

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->nroutes, 4);
	config_free(cfg);
}
END_TEST

/* config_print into a string the caller frees. */
static char *
print_config(const struct config *cfg)
{
	char *text = NULL;
	size_t len;
	FILE *fp;

	fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(config_print(cfg, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
	return text;
}

/* Drops the numbers from the "# line N" of each route, which differ once the printed file is read. */
static void
drop_line_numbers(char *text)
{
	char *p = text, *digits;

	while ((p = strstr(p, "# line ")) != NULL) {
		digits = p += strlen("# line ");
		while (*p >= '0' && *p <= '9')
			p++;
		memmove(digits, p, strlen(p) + 1);
		p = digits;
	}
}

/*
 * What tinyhttpd -T prints is a config that loads to the same config: printed again, it reads the same (line
 * numbers aside). Returns what text printed as (the caller frees it), and in *cfg the config it loads to.
 */
static char *
print_round_trip(const char *text, struct config **cfg)
{
	char *first, *bare, *second, path[PATH_MAX + 16];

	*cfg = load_text(text);
	ck_assert_msg(*cfg != NULL, "%s", err);
	first = print_config(*cfg);
	config_free(*cfg);
	write_file("printed.conf", first);
	tmp_path(path, sizeof(path), "printed.conf");
	*cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(*cfg != NULL, "%s in:\n%s", err, first);
	second = print_config(*cfg);
	drop_line_numbers(second);
	ck_assert_ptr_nonnull(bare = strdup(first));
	drop_line_numbers(bare);
	ck_assert_msg(strcmp(bare, second) == 0, "printed:\n%.1000s\nprinted again:\n%.1000s", bare, second);
	free(bare);
	free(second);
	return first;
}

/*
 * Each key shows the value in effect (defaults, one worker per CPU, absolute paths) with its help; a file
 * of today as it is understood, a listener and a host.
 */
START_TEST(test_print)
{
	const char *text =
	        "server = { port = 81; access_log = \"logs/a.log\"; access_log_format = \"json\"; };\n"
	        "routes = (\n"
	        "  { method = \"POST\"; path = \"/t\"; params = [ \"a\", \"b\" ];\n"
	        "    text = \"q\\\" b\\\\ {a} {{x}}\\n\\t\\x01 caf\xc3\xa9\"; content_type = \"text/html\"; "
	        "},\n"
	        "  { prefix = \"/s/\"; root = \"www\"; autoindex = true; precompressed = true; },\n"
	        "  { path = \"/f\"; file = \"www/a.html\"; status = 203; },\n"
	        "  { path = \"/r\"; redirect = \"/t\"; }\n"
	        ");\n";
	char *first, want[PATH_MAX + 64];
	struct config *cfg;

	first = print_round_trip(text, &cfg);
	ck_assert_ptr_nonnull(strstr(first, "\t\t\t{\t# line 3\n"));
	/* server.port is a listener now, and the routes a host. */
	ck_assert_ptr_null(strstr(first, "\n\tport"));
	ck_assert_ptr_null(strstr(first, "\n\taddress"));
	ck_assert_ptr_nonnull(strstr(first, "\nlisten = (\n\t{\t# line 1\n\t\t# name is not set "));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\taddress = \"0.0.0.0\";"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tport = 81;"));
	ck_assert_ptr_nonnull(strstr(first, "\nhosts = (\n\t{\t# line 2\n\t\tnames = [ \"*\" ];"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t# listen is not set "));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\troutes = (\n"));
	ck_assert_ptr_null(strstr(first, "\nroutes"));

	ck_assert_ptr_nonnull(strstr(first, "\n\tkeepalive_timeout = 15;"));
	ck_assert_ptr_nonnull(strstr(first, "# seconds an idle keep-alive connection is kept\n"));
	snprintf(want, sizeof(want), "\n\tworkers = %d;", cpu_count());
	ck_assert_ptr_nonnull(strstr(first, want));
	ck_assert_ptr_nonnull(strstr(first, "\n\taccess_log_format = \"json\";"));
	snprintf(want, sizeof(want), "\n\taccess_log = \"%s\";", cfg->access_log);
	ck_assert_ptr_nonnull(strstr(first, want));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tparams = [ \"a\", \"b\" ];"));
	ck_assert_ptr_nonnull(
	        strstr(first, "\n\t\t\t\ttext = \"q\\\" b\\\\ {a} {{x}}\\x0a\\x09\\x01 caf\xc3\xa9\";"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tcontent_type = \"text/html\";"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tautoindex = true;"));
	ck_assert(cfg->routes[1].precompressed && !cfg->routes[2].precompressed);
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tprecompressed = true;"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tprecompressed = false;"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tindex = [ \"index.html\" ];"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tstatus = 203;"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\tstatus = 302;"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\t# content_type is not set "));
	/* Only the keys a route's kind takes. */
	ck_assert_ptr_null(strstr(first, "\tpath = \"/s/\""));
	ck_assert_ptr_nonnull(strstr(first, "\tprefix = \"/s/\""));
	snprintf(want, sizeof(want), "\n\t\t\t\troot = \"%s\";", cfg->routes[1].target);
	ck_assert_ptr_nonnull(strstr(first, want));
	config_free(cfg);
	free(first);
}
END_TEST

/* types, headers and error pages print as they load: the map's settings, the pages' absolute files. */
START_TEST(test_print_answers)
{
	const char *text =
	        "types = { wasm = \"application/x-wasm\"; };\n"
	        "server = { server_tokens = false; headers = { X-A = \"1\"; X-B = \"a \\\"b\\\"\"; };\n"
	        "  error_pages = ( { status = 404; file = \"www/a.html\"; } ); };\n"
	        "hosts = ( { names = [ \"*\" ]; headers = { X-A = \"\"; };\n"
	        "  error_pages = ( { status = 500; file = \"www/a.html\"; } );\n"
	        "  routes = ( { path = \"/\"; text = \"x\"; headers = { X-C = \"c\"; }; } ); } );\n";
	char *first, want[PATH_MAX + 64];
	struct config *cfg;

	first = print_round_trip(text, &cfg);
	ck_assert_ptr_nonnull(strstr(first, "types = { wasm = \"application/x-wasm\"; };"));
	ck_assert_ptr_nonnull(strstr(first, "\n\tserver_tokens = false;"));
	ck_assert_ptr_nonnull(strstr(first, "\n\theaders = { X-A = \"1\"; X-B = \"a \\\"b\\\"\"; };"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\theaders = { X-A = \"\"; };"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\theaders = { X-C = \"c\"; };"));
	ck_assert_ptr_nonnull(strstr(first, "\n\terror_pages = (\n\t\t{\t# line 3\n\t\t\tstatus = 404;"));
	ck_assert_ptr_nonnull(
	        strstr(first, "\n\t\terror_pages = (\n\t\t\t{\t# line 5\n\t\t\t\tstatus = 500;"));
	real_tmp_path(want, sizeof(want), "www/a.html");
	ck_assert_ptr_nonnull(strstr(first, want));
	ck_assert_str_eq(cfg->routes[0].answer.block, "Server: tinyhttpd\r\nX-B: a \"b\"\r\nX-C: c\r\n");
	config_free(cfg);
	free(first);
}
END_TEST

/* Listeners with the keys of their kind, hosts with their names, listeners and routes, as written. */
START_TEST(test_print_listen_hosts)
{
	char *first, want[PATH_MAX + 64];
	struct config *cfg;

	make_socket_file("logs/old.sock");
	first = print_round_trip(listen_hosts_text, &cfg);
	ck_assert_uint_eq(cfg->nlisteners, 6);
	ck_assert_uint_eq(cfg->nhosts, 5);
	ck_assert_uint_eq(cfg->nroutes, 7);
	ck_assert_ptr_null(strstr(first, "\n\tport"));
	ck_assert_ptr_nonnull(strstr(first, "\nlisten = (\n\t{\t# line 3\n\t\tname = \"public\";"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tipv6_only = true;"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tproxy_protocol = true;"));
	snprintf(want, sizeof(want), "\n\t\tpath = \"%s\";", cfg->listeners[2].path);
	ck_assert_ptr_nonnull(strstr(first, want));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tmode = \"0660\";"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tmode = \"0666\";"));
	/* A unix socket has no address, port or ipv6_only; a TCP listener no path or mode. */
	ck_assert_ptr_nonnull(strstr(first, "\t{\t# line 5\n\t\t# name is not set "));
	ck_assert_ptr_null(strstr(first, "# path is not set"));
	ck_assert_ptr_null(strstr(first, "# address is not set"));
	ck_assert_ptr_nonnull(strstr(
	        first, "\nhosts = (\n\t{\t# line 11\n\t\tnames = [ \"example.com\", \"www.example.com\" ];"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tlisten = [ \"public\", \"public6\" ];"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\tlisten = [ \"lb\" ];"));
	ck_assert_ptr_nonnull(strstr(first, "\n\t\t\t\ttext = \"e\";"));
	config_free(cfg);
	free(first);
}
END_TEST

static size_t
count_choices(const char *const *choices)
{
	size_t n = 0;

	while (choices[n] != NULL)
		n++;
	return n;
}

/* A new row is checked here before any config uses it: its default fits its own rules. */
START_TEST(test_key_tables)
{
	const struct config_key *keys, *k;
	size_t i, j, n;
	int sec;

	for (sec = 0; sec < CONFIG_NSECTIONS; sec++) {
		keys = config_keys(sec, &n);
		ck_assert_uint_gt(n, 0);
		for (i = 0; i < n; i++) {
			k = &keys[i];
			ck_assert_msg(k->help != NULL && k->help[0] != '\0', "%s has no help", k->name);
			for (j = 0; j < i; j++)
				ck_assert_str_ne(keys[j].name, k->name);
			/* A kind key is always given: it has no default. */
			if ((k->type == KEY_INT || k->type == KEY_SIZE) && !k->sets_kind) {
				ck_assert_msg(k->min <= k->def && k->def <= k->max,
				              "%s: default out of range", k->name);
				ck_assert(k->type == KEY_INT ? k->min >= INT_MIN && k->max <= INT_MAX
				                             : k->min >= 0);
			}
			if (k->type == KEY_MODE)
				ck_assert_msg(k->def >= 0 && k->def <= 0777, "%s: default out of range",
				              k->name);
			if (k->type == KEY_ENUM)
				ck_assert(k->choices != NULL && k->def >= 0 &&
				          (size_t)k->def < count_choices(k->choices));
			if (k->type == KEY_STRING && k->choices != NULL) {
				for (j = 0; k->choices[j] != NULL; j++)
					if (k->def_str != NULL && strcmp(k->choices[j], k->def_str) == 0)
						break;
				ck_assert_msg(k->choices[j] != NULL, "%s: the default is not a choice",
				              k->name);
			}
			if (k->sets_kind)
				ck_assert_msg(k->kinds != 0 && (k->kinds & (k->kinds - 1)) == 0,
				              "%s: a kind key belongs to one kind", k->name);
			if (k->type == KEY_GROUP || k->type == KEY_LIST)
				ck_assert_int_gt(k->section, sec);
		}
	}
}
END_TEST

/* A key's entry in tinyhttpd.conf(5): ".TP", then ".B name" or ".BR name ...", under ".SH <SECTION> KEYS". */
struct man_entry {
	enum config_section section;
	char name[64];
	int line;
};

/* What the manual page test found wrong, all of it, for one message. */
static char problems[4096];

static void add_problem(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));

static void
add_problem(const char *fmt, ...)
{
	size_t n = strlen(problems);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problems + n, sizeof(problems) - n, fmt, ap);
	va_end(ap);
	n = strlen(problems);
	snprintf(problems + n, sizeof(problems) - n, "\n");
}

/* The section a ".SH" heading lists the keys of; -1 for a heading that is not a list of keys. */
static int
heading_section(const char *heading, int line)
{
	char want[64];
	size_t i;
	int sec;

	for (sec = 0; sec < CONFIG_NSECTIONS; sec++) {
		snprintf(want, sizeof(want), "%s KEYS", config_section_name(sec));
		for (i = 0; want[i] != '\0'; i++)
			want[i] = (char)toupper((unsigned char)want[i]);
		if (config_section_name(sec)[0] != '\0' && strcmp(heading, want) == 0)
			return sec;
	}
	if (strstr(heading, " KEYS") != NULL)
		add_problem("line %d: heading \"%s\" names no section of the config", line, heading);
	return -1;
}

/* The key an entry's tag names, from ".B name" or ".BR name \" (...)\"", into e. */
static void
entry_name(const char *tag, struct man_entry *e)
{
	const char *p;

	if (strncmp(tag, ".BR ", 4) == 0)
		p = tag + 4;
	else if (strncmp(tag, ".B ", 3) == 0)
		p = tag + 3;
	else {
		add_problem("line %d: an entry whose tag is not .B name or .BR name: %s", e->line, tag);
		p = "";
	}
	snprintf(e->name, sizeof(e->name), "%.*s", (int)strcspn(p, " "), p);
}

/* The key entries of the page at path, at most cap of them, into e; returns their number. */
static size_t
read_man_entries(const char *path, struct man_entry *e, size_t cap)
{
	int lineno = 0, depth = 0, sec = -1;
	bool tag_next = false;
	char line[1024];
	size_t n = 0;
	FILE *fp;

	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".SH ", 4) == 0) {
			sec = heading_section(line + 4, lineno);
			depth = 0;
		} else if (strncmp(line, ".RS", 3) == 0 && (line[3] == '\0' || line[3] == ' '))
			depth++; /* an indented list inside an entry, such as the values of access_log_format
			          */
		else if (strcmp(line, ".RE") == 0)
			depth--;
		else if (sec != -1 && depth == 0 && tag_next) {
			ck_assert_uint_lt(n, cap);
			e[n].section = sec;
			e[n].line = lineno;
			entry_name(line, &e[n++]);
		}
		tag_next = strcmp(line, ".TP") == 0;
	}
	ck_assert_int_eq(fclose(fp), 0);
	return n;
}

static size_t
count_entries(const struct man_entry *e, size_t n, enum config_section sec, const char *name)
{
	size_t i, found = 0;

	for (i = 0; i < n; i++)
		found += e[i].section == sec && strcmp(e[i].name, name) == 0;
	return found;
}

static bool
is_key(enum config_section sec, const char *name)
{
	const struct config_key *keys;
	size_t i, n;

	keys = config_keys(sec, &n);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return true;
	return false;
}

/*
 * tinyhttpd.conf(5) has an entry for every key of every section the loader knows (the top level's keys are
 * the sections), once, and no entry for a key it does not know.
 */
START_TEST(test_man_page)
{
	const char *top = getenv("TOP_SRCDIR") != NULL ? getenv("TOP_SRCDIR") : ".";
	struct man_entry entries[128];
	const struct config_key *keys;
	size_t i, k, n, nkeys, found;
	char path[PATH_MAX];
	int sec;

	snprintf(path, sizeof(path), "%s/man/tinyhttpd.conf.5.in", top);
	problems[0] = '\0';
	n = read_man_entries(path, entries, nitems(entries));
	for (sec = 0; sec < CONFIG_NSECTIONS; sec++) {
		if (config_section_name(sec)[0] == '\0')
			continue;
		keys = config_keys(sec, &nkeys);
		for (k = 0; k < nkeys; k++)
			if ((found = count_entries(entries, n, sec, keys[k].name)) != 1)
				add_problem("%s key %s: %zu entries, want 1", config_section_name(sec),
				            keys[k].name, found);
	}
	for (i = 0; i < n; i++)
		if (!is_key(entries[i].section, entries[i].name))
			add_problem("line %d: an entry for %s key \"%s\", which the loader does not know",
			            entries[i].line, config_section_name(entries[i].section),
			            entries[i].name);
	ck_assert_msg(problems[0] == '\0', "%s:\n%s", path, problems);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bundled);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_legacy_listen_hosts);
	tcase_add_test(tc, test_listen_hosts);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_access_log_formats);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_bare_file_name);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_small_buffer);
	tcase_add_loop_test(tc, test_bad, 0, (int)nitems(bad_configs));
	tcase_add_test(tc, test_bad_include);
	tcase_add_test(tc, test_default_status);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_not_duplicates);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_print);
	tcase_add_test(tc, test_print_answers);
	tcase_add_test(tc, test_print_listen_hosts);
	tcase_add_loop_test(tc, test_tls_bad, 0, sizeof(bad_tls) / sizeof(bad_tls[0]));
	tcase_add_test(tc, test_tls_certificates);
	tcase_add_test(tc, test_redirect_prefix);
	tcase_add_test(tc, test_key_tables);
	tcase_add_test(tc, test_man_page);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(config_suite());
}
