/* SPDX-License-Identifier: ISC */
/*
 * check_handlers.c: the route kinds answered from a temporary tree, without a process or a socket: files,
 * roots with symlinks and listings, the file cache, templated text and redirects with the request's
 * variables, OPTIONS and refused methods.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "conditional.h"
#include "handlers.h"

#define DATE       "Tue, 24 Nov 2026 22:33:58 GMT"
#define SMALL_FILE 16384 /* as in handlers.c: larger files are sent with sendfile() */
#define INDEX      "<!DOCTYPE html>\n<title>home</title>\n"
#define SMALL      "small text\n"
#define SECRET     "outside the root\n"
#define ODD        "<&\"'>.txt"                         /* a name that needs escaping in a listing */
#define GREETING   "text = \"<p>Hello, {name}!</p>\"; " /* a route's template, HTML or not */
#define HTML       "content_type = \"text/html; charset=utf-8\"; "
#define PEER       "192.0.2.7" /* the client's address, as text */

/* The tree under the temporary directory, made in this order and removed in the reverse one. */
static const struct entry {
	const char *name;
	char kind;        /* 'd' directory, 'f' file, 'l' symlink */
	const char *text; /* a file's content (NULL: size bytes of pattern()), a symlink's target */
	size_t size;
} tree[] = {
	{ "www", 'd', NULL, 0 },
	{ "www/index.html", 'f', INDEX, 0 },
	{ "www/small.txt", 'f', SMALL, 0 },
	{ "www/edge.bin", 'f', NULL, SMALL_FILE },
	{ "www/big.bin", 'f', NULL, SMALL_FILE + 1 },
	{ "www/sub", 'd', NULL, 0 },
	{ "www/sub/a.txt", 'f', "a\n", 0 },
	{ "www/sub/" ODD, 'f', "odd\n", 0 },
	{ "www/sub/.hidden", 'f', "hidden\n", 0 },
	{ "www/sub/deeper", 'd', NULL, 0 },
	{ "www/in.txt", 'l', "small.txt", 0 },
	{ "www/out.txt", 'l', "../secret.txt", 0 },
	{ "secret.txt", 'f', SECRET, 0 },
	{ "gone.txt", 'f', "soon gone\n", 0 },
};

static char dir[64], conf[128];
static struct config *cfg;
static struct handlers *h;
static struct buf out, scratch;
static struct file_cache files;
static uint64_t now = 1000000;
static int fds; /* open before setup, to find a descriptor left open */

/* What handle_request() produced for one request. */
struct answer {
	int status;
	const char *text; /* the output buffer, NUL-terminated */
	uint64_t body_bytes;
	off_t file_size; /* of the file to send after text, or -1 when there is none */
	ino_t file_ino;
	uint64_t file_off; /* where sending it starts */
};

/* Generated content for the large files: letters that differ from byte to byte, so an offset shows. */
static char *
pattern(size_t size)
{
	char *p = malloc(size + 1);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < size; i++)
		p[i] = (char)('a' + i % 26);
	p[size] = '\0';
	return p;
}

static void
in_dir(char *path, size_t cap, const char *name)
{
	ck_assert_int_lt(snprintf(path, cap, "%s/%s", dir, name), (int)cap);
}

static void
write_file(const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	in_dir(path, sizeof(path), name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
remove_file(const char *name)
{
	char path[256];

	in_dir(path, sizeof(path), name);
	ck_assert_int_eq(unlink(path), 0);
}

static void
make_tree(void)
{
	const struct entry *e;
	char path[256], *p;

	for (e = tree; e < tree + sizeof(tree) / sizeof(tree[0]); e++) {
		in_dir(path, sizeof(path), e->name);
		if (e->kind == 'd') {
			ck_assert_int_eq(mkdir(path, 0755), 0);
		} else if (e->kind == 'l') {
			ck_assert_int_eq(symlink(e->text, path), 0);
		} else if (e->text != NULL) {
			write_file(e->name, e->text, strlen(e->text));
		} else {
			p = pattern(e->size);
			write_file(e->name, p, e->size);
			free(p);
		}
	}
}

/* How many descriptors this process has open. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	ck_assert_int_eq(closedir(d), 0);
	return n;
}

static void
setup(void)
{
	static const char text[] =
	        "routes = (\n"
	        "{ path = \"/file\"; file = \"www/small.txt\"; },\n"
	        "{ path = \"/page\"; file = \"www/index.html\"; },\n"
	        "{ path = \"/gone\"; file = \"gone.txt\"; },\n"
	        "{ prefix = \"/static/\"; root = \"www\"; },\n"
	        "{ prefix = \"/index/\"; root = \"www\"; autoindex = true; },\n"
	        "{ prefix = \"/follow/\"; root = \"www\"; follow_symlinks = true; },\n"
	        "{ prefix = \"/several/\"; root = \"www\"; index = [ \"default.htm\", \"index.htm\", "
	        "\"index.html\" ]; },\n"
	        "{ prefix = \"/listed/\"; root = \"www\"; index = [ ]; autoindex = true; },\n"
	        "{ prefix = \"/bare/\"; root = \"www\"; index = [ ]; },\n"
	        "{ path = \"/hello\"; params = [ \"name\" ]; " GREETING HTML "},\n"
	        "{ method = \"POST\"; path = \"/hello\"; params = [ \"name\" ]; " GREETING HTML "},\n"
	        "{ path = \"/plain\"; params = [ \"name\" ]; " GREETING "},\n"
	        "{ path = \"/pair\"; params = [ \"first\", \"last\" ]; text = \"{first} {last}\"; },\n"
	        "{ path = \"/old\"; redirect = \"/new\"; },\n"
	        "{ path = \"/moved\"; redirect = \"https://example.com/x\"; status = 308; },\n"
	        "{ path = \"/braces\"; redirect = \"/a{{b}}\"; },\n"
	        "{ path = \"/vars\"; text = \"{host} {path} {query} {remote_addr}\"; },\n"
	        "{ path = \"/echo\"; text = \"<p>{host} {path} {query}</p>\"; " HTML "},\n"
	        "{ path = \"/shadow\"; params = [ \"host\" ]; text = \"{host}\"; },\n"
	        "{ path = \"/secure\"; redirect = \"https://{host}{path}\"; status = 301; },\n"
	        "{ path = \"/keep\"; redirect = \"https://{host}:8443{path}?{query}\"; }\n"
	        ");\n";
	char err[512];

	fds = open_fds();
	snprintf(dir, sizeof(dir), "/tmp/check_handlers.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_tree();
	in_dir(conf, sizeof(conf), "t.conf");
	write_file("t.conf", text, strlen(text));
	cfg = config_load(conf, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_ptr_nonnull(h = handlers_new(cfg, NULL));
}

static void
teardown(void)
{
	const struct entry *e;
	char path[256];

	file_cache_clear(&files);
	buf_free(&out);
	buf_free(&scratch);
	handlers_free(h);
	config_free(cfg);
	/* Tests remove some files themselves. */
	for (e = tree + sizeof(tree) / sizeof(tree[0]); e-- > tree;) {
		in_dir(path, sizeof(path), e->name);
		ck_assert_msg(remove(path) == 0 || errno == ENOENT, "%s: %s", path, strerror(errno));
	}
	ck_assert_int_eq(unlink(conf), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(open_fds(), fds);
}

/*
 * Answers the raw request, whose bytes after the head are its body. A file to send is checked (size,
 * inode) and closed, so a descriptor left open shows as a leak.
 */
static struct answer
ask(const char *request)
{
	static struct http_request req;
	size_t len = strlen(request);
	ssize_t head = http_parse_request(request, len, 8192, &req);
	struct answer a = { .file_size = -1 };
	struct exchange x;
	struct in_addr peer;
	struct stat st;

	ck_assert_int_gt(head, 0);
	x = (struct exchange){
		.req = &req,
		.body = { request + head, len - (size_t)head },
		.date = DATE,
		.close = !req.keep_alive,
		.scratch = &scratch,
		.files = &files,
		.now = now,
		.out = &out,
	};
	/* As conn_exchange() fills it in: the address, formatted only when a template asks for it. */
	ck_assert_int_eq(inet_pton(AF_INET, PEER, &peer), 1);
	x.peer_family = AF_INET;
	x.peer_addr = &peer;
	out.len = 0;
	ck_assert_int_eq(handle_request(h, &x), TH_OK);
	if (x.file_fd != -1) {
		ck_assert_int_ge(x.file_fd, 0);
		ck_assert_int_eq(fstat(x.file_fd, &st), 0);
		a.file_size = st.st_size;
		a.file_ino = st.st_ino;
		a.file_off = x.file_off;
		ck_assert_int_eq(close(x.file_fd), 0);
	}
	ck_assert_int_eq(buf_append(&out, "", 1), 0);
	a.status = x.status;
	a.text = out.data;
	out.len--;
	a.body_bytes = x.body_bytes;
	return a;
}

/* A request without a body: "GET /file". */
static struct answer
ask_for(const char *method, const char *target)
{
	char request[512];

	ck_assert_int_lt(
	        snprintf(request, sizeof(request), "%s %s HTTP/1.1\r\nHost: a\r\n\r\n", method, target),
	        (int)sizeof(request));
	return ask(request);
}

/* A GET with this Host header, of any length. */
static struct answer
ask_host(const char *target, const char *host)
{
	size_t cap = strlen(target) + strlen(host) + 64;
	char *request = malloc(cap);
	struct answer a;

	ck_assert_ptr_nonnull(request);
	ck_assert_int_lt(snprintf(request, cap, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, host),
	                 (int)cap);
	a = ask(request);
	free(request);
	return a;
}

/* A POST with a body of type. */
static struct answer
post(const char *target, const char *type, const char *body)
{
	char request[512];

	ck_assert_int_lt(
	        snprintf(request, sizeof(request),
	                 "POST %s HTTP/1.1\r\nHost: a\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
	                 target, type, strlen(body), body),
	        (int)sizeof(request));
	return ask(request);
}

/*
 * The whole response is exactly the status line ("404 Not Found"), Server, Date, headers (each with its
 * CRLF), the empty line and body; body_bytes counts the body.
 */
static void
expect(struct answer a, const char *status, const char *headers, const char *body)
{
	size_t cap = strlen(status) + strlen(headers) + strlen(body) + 128;
	char *want = malloc(cap);

	ck_assert_ptr_nonnull(want);
	ck_assert_int_lt(snprintf(want, cap,
	                          "HTTP/1.1 %s\r\nServer: tinyhttpd/" PACKAGE_VERSION "\r\nDate: " DATE
	                          "\r\n%s\r\n%s",
	                          status, headers, body),
	                 (int)cap);
	ck_assert_int_eq(a.status, atoi(status));
	/* Not ck_assert_str_eq: a message as long as a whole small file is more than Check can carry. */
	ck_assert_msg(strcmp(a.text, want) == 0, "got:\n%.1000s\nwant:\n%.1000s", a.text, want);
	ck_assert_uint_eq(a.body_bytes, strlen(body));
	ck_assert_int_eq(a.file_size, -1);
	free(want);
}

/* A plain-text answer whose body is msg and a newline; extra holds the headers between type and length. */
static void
expect_text(struct answer a, const char *status, const char *extra, const char *msg)
{
	char headers[512], body[512];

	snprintf(body, sizeof(body), "%s\n", msg);
	snprintf(headers, sizeof(headers),
	         "Content-Type: text/plain; charset=utf-8\r\n%sContent-Length: %zu\r\n", extra, strlen(body));
	expect(a, status, headers, body);
}

/* A 200 with body (a file's content, a rendered text) of type, copied after the head. */
static void
expect_ok(struct answer a, const char *type, const char *body)
{
	char headers[256];

	snprintf(headers, sizeof(headers), "Content-Type: %s\r\nContent-Length: %zu\r\n", type, strlen(body));
	expect(a, "200 OK", headers, body);
}

/* The validators of name in the tree as it is now. */
static struct validators
validators_of(const char *name)
{
	struct validators v;
	char path[256];
	struct stat st;

	in_dir(path, sizeof(path), name);
	ck_assert_int_eq(stat(path, &st), 0);
	cond_validators(&st, &v);
	return v;
}

/* The head of a 200 from a file with validators v, of type, whose body has len bytes. */
static const char *
file_head(const struct validators *v, const char *type, size_t len)
{
	static char headers[512];

	snprintf(headers, sizeof(headers),
	         "Content-Type: %s\r\nLast-Modified: %s\r\nETag: %s\r\nAccept-Ranges: "
	         "bytes\r\nContent-Length: "
	         "%zu\r\n",
	         type, v->last_modified, v->etag, len);
	return headers;
}

/* A 200 with a file's body of type, and the validators v it was opened with. */
static void
expect_file_as(struct answer a, const struct validators *v, const char *type, const char *body)
{
	expect(a, "200 OK", file_head(v, type, strlen(body)), body);
}

/* The same for the file name of the tree as it is now. */
static void
expect_file(struct answer a, const char *name, const char *type, const char *body)
{
	struct validators v = validators_of(name);

	expect_file_as(a, &v, type, body);
}

START_TEST(test_file)
{
	struct validators v = validators_of("www/small.txt");

	expect_file(ask_for("GET", "/file"), "www/small.txt", "text/plain; charset=utf-8", SMALL);
	expect_file(ask_for("GET", "/page"), "www/index.html", "text/html; charset=utf-8", INDEX);
	/* HEAD: the same headers, Content-Length included, and no body. */
	expect(ask_for("HEAD", "/file"), "200 OK", file_head(&v, "text/plain; charset=utf-8", 11), "");
}
END_TEST

/* The file went away after the config was loaded: 404, not a crash or a 500. */
START_TEST(test_file_gone)
{
	remove_file("gone.txt");
	expect_text(ask_for("GET", "/gone"), "404 Not Found", "", "the file of this route cannot be read");
}
END_TEST

START_TEST(test_root_files)
{
	expect_file(ask_for("GET", "/static/"), "www/index.html", "text/html; charset=utf-8", INDEX);
	expect_file(ask_for("GET", "/static/small.txt"), "www/small.txt", "text/plain; charset=utf-8", SMALL);
	expect_file(ask_for("GET", "/static/sub/a.txt"), "www/sub/a.txt", "text/plain; charset=utf-8", "a\n");
	expect_file(ask_for("GET", "/static/index.html"), "www/index.html", "text/html; charset=utf-8",
	            INDEX);
	expect_text(ask_for("GET", "/static/nothing.txt"), "404 Not Found", "", "not found");
	expect_text(ask_for("GET", "/static/sub/nothing/"), "404 Not Found", "", "not found");
}
END_TEST

/* A directory without its slash: relative links would break, so the client is sent to the name with it. */
START_TEST(test_root_slash)
{
	expect_text(ask_for("GET", "/static/sub"), "301 Moved Permanently", "Location: /static/sub/\r\n",
	            "moved to /static/sub/");
	expect_text(ask_for("GET", "/static/sub?x=1"), "301 Moved Permanently",
	            "Location: /static/sub/?x=1\r\n", "moved to /static/sub/?x=1");
}
END_TEST

/* A directory is answered with the first of the route's index files it has, from the file cache too. */
START_TEST(test_root_index)
{
	struct answer a;

	write_file("www/sub/index.htm", "htm\n", 4);
	expect_file(ask_for("GET", "/several/"), "www/index.html", "text/html; charset=utf-8", INDEX);
	expect_file(ask_for("GET", "/several/sub/"), "www/sub/index.htm", "text/html; charset=utf-8",
	            "htm\n");
	expect_file(ask_for("GET", "/several/sub/"), "www/sub/index.htm", "text/html; charset=utf-8",
	            "htm\n");
	ck_assert_uint_eq(files.n, 2);
	ck_assert_str_eq(files.slots[1].name, "./sub/index.htm");
	expect_text(ask_for("GET", "/several/sub?a=b"), "301 Moved Permanently",
	            "Location: /several/sub/?a=b\r\n", "moved to /several/sub/?a=b");
	/* The default is index.html alone. */
	expect_text(ask_for("GET", "/static/sub/"), "404 Not Found", "", "not found");
	/* None: a directory is listed, with autoindex, even when it has an index.html; or it is not found. */
	a = ask_for("GET", "/listed/");
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(strstr(a.text, "<li><a href=\"index.html\">index.html</a></li>"));
	expect_text(ask_for("GET", "/bare/"), "404 Not Found", "", "not found");
	expect_file(ask_for("GET", "/bare/small.txt"), "www/small.txt", "text/plain; charset=utf-8", SMALL);
	remove_file("www/sub/index.htm");
}
END_TEST

/* Up to SMALL_FILE bytes the body is copied after the head; one byte more and it is sent from the file. */
START_TEST(test_root_large)
{
	char *edge = pattern(SMALL_FILE), path[256], want[1024];
	struct validators v;
	struct answer a;
	struct stat st;

	expect_file(ask_for("GET", "/static/edge.bin"), "www/edge.bin", "application/octet-stream", edge);
	free(edge);

	in_dir(path, sizeof(path), "www/big.bin");
	ck_assert_int_eq(stat(path, &st), 0);
	v = validators_of("www/big.bin");
	a = ask_for("GET", "/static/big.bin");
	ck_assert_int_eq(a.status, 200);
	snprintf(want, sizeof(want),
	         "HTTP/1.1 200 OK\r\nServer: tinyhttpd/" PACKAGE_VERSION "\r\nDate: " DATE "\r\n%s\r\n",
	         file_head(&v, "application/octet-stream", 16385));
	ck_assert_str_eq(a.text, want);
	ck_assert_int_eq(a.file_size, SMALL_FILE + 1);
	ck_assert_uint_eq(a.file_ino, st.st_ino);
	ck_assert_uint_eq(a.file_off, 0);
	ck_assert_uint_eq(a.body_bytes, SMALL_FILE + 1);

	/* HEAD: the same head, no file to send. */
	expect(ask_for("HEAD", "/static/big.bin"), "200 OK", file_head(&v, "application/octet-stream", 16385),
	       "");
}
END_TEST

/* ".." is resolved before routing: inside the root it is fine, above "/" it is malformed. */
START_TEST(test_root_dotdot)
{
	static const char *const above[] = {
		"/static/../../secret.txt",
		"/static/%2e%2e/%2e%2e/secret.txt",
		"/static/sub/..%2f..%2f..%2fsecret.txt",
		"/static/%2E%2E/%2e./secret.txt",
	};
	const char *msg = "malformed path: bad percent-encoding, NUL byte or .. above the root";
	size_t i;

	for (i = 0; i < sizeof(above) / sizeof(above[0]); i++)
		expect_text(ask_for("GET", above[i]), "400 Bad Request", "", msg);
	/* Out of the prefix but not above "/": another path, which no route has. */
	expect_text(ask_for("GET", "/static/../secret.txt"), "404 Not Found", "", "not found");
	expect_text(ask_for("GET", "/static/sub/%2e%2e/%2e%2e/secret.txt"), "404 Not Found", "", "not found");
	expect_file(ask_for("GET", "/static/sub/../small.txt"), "www/small.txt", "text/plain; charset=utf-8",
	            SMALL);
}
END_TEST

/* Makes name a symlink to the absolute path of target, both in the test directory; removed in teardown. */
static void
abs_symlink(const char *name, const char *target)
{
	char path[256], to[256];

	in_dir(path, sizeof(path), name);
	in_dir(to, sizeof(to), target);
	ck_assert_int_eq(symlink(to, path), 0);
}

START_TEST(test_root_symlinks)
{
	expect_file(ask_for("GET", "/static/in.txt"), "www/small.txt", "text/plain; charset=utf-8", SMALL);
	expect_text(ask_for("GET", "/static/out.txt"), "404 Not Found", "", "not found");
	expect_file(ask_for("GET", "/follow/out.txt"), "secret.txt", "text/plain; charset=utf-8", SECRET);
	expect_file(ask_for("GET", "/follow/in.txt"), "www/small.txt", "text/plain; charset=utf-8", SMALL);
	/* An absolute target inside the root is served, a file or a directory on the way; outside, not. */
	abs_symlink("www/abs-in.txt", "www/small.txt");
	abs_symlink("www/abs-dir", "www/sub");
	abs_symlink("www/abs-out.txt", "secret.txt");
	abs_symlink("www/sub/abs-up", "www");
	expect_file(ask_for("GET", "/static/abs-in.txt"), "www/small.txt", "text/plain; charset=utf-8",
	            SMALL);
	expect_file(ask_for("GET", "/static/abs-dir/a.txt"), "www/sub/a.txt", "text/plain; charset=utf-8",
	            "a\n");
	expect_file(ask_for("GET", "/static/sub/abs-up/small.txt"), "www/small.txt",
	            "text/plain; charset=utf-8", SMALL);
	expect_text(ask_for("GET", "/static/abs-out.txt"), "404 Not Found", "", "not found");
	expect_file(ask_for("GET", "/follow/abs-out.txt"), "secret.txt", "text/plain; charset=utf-8", SECRET);
	remove_file("www/abs-in.txt");
	remove_file("www/abs-dir");
	remove_file("www/abs-out.txt");
	remove_file("www/sub/abs-up");
}
END_TEST

START_TEST(test_autoindex)
{
	static const char listing[] =
	        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of "
	        "/index/sub/</title></head>\n"
	        "<body><h1>Index of /index/sub/</h1>\n<ul>\n"
	        "<li><a href=\"../\">../</a></li>\n"
	        "<li><a href=\"%3C%26%22%27%3E.txt\">&lt;&amp;&quot;&#39;&gt;.txt</a></li>\n"
	        "<li><a href=\"a.txt\">a.txt</a></li>\n"
	        "<li><a href=\"deeper/\">deeper/</a></li>\n"
	        "</ul>\n</body></html>\n";
	char headers[128];
	struct answer a;

	a = ask_for("GET", "/index/sub/");
	snprintf(headers, sizeof(headers),
	         "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n", strlen(listing));
	expect(a, "200 OK", headers, listing);
	ck_assert_ptr_null(strstr(a.text, ODD));
	ck_assert_ptr_null(strstr(a.text, ".hidden"));
	/* The route's own root is not listed when it has an index.html, and has no "../". */
	expect_file(ask_for("GET", "/index/"), "www/index.html", "text/html; charset=utf-8", INDEX);
	/* Without autoindex, the same directory is not found. */
	expect_text(ask_for("GET", "/static/sub/"), "404 Not Found", "", "not found");
}
END_TEST

/* Within its time to live a small file is answered from the descriptor kept open: removed, it is still
 * served. */
START_TEST(test_cache_used)
{
	struct validators v = validators_of("www/small.txt");

	expect_file_as(ask_for("GET", "/static/small.txt"), &v, "text/plain; charset=utf-8", SMALL);
	ck_assert_uint_eq(files.n, 1);
	ck_assert_str_eq(files.slots[0].name, "./small.txt");
	ck_assert_uint_eq(files.slots[0].expires, now + FILE_CACHE_TTL_MS);
	remove_file("www/small.txt");
	now += FILE_CACHE_TTL_MS - 1;
	expect_file_as(ask_for("GET", "/static/small.txt"), &v, "text/plain; charset=utf-8", SMALL);
	now += 1;
	expect_text(ask_for("GET", "/static/small.txt"), "404 Not Found", "", "not found");
	ck_assert_uint_eq(files.n, 0);
}
END_TEST

/* A directory's index.html is served from the cache too, by the directory's own path. */
START_TEST(test_cache_index)
{
	struct validators v = validators_of("www/index.html");

	expect_file_as(ask_for("GET", "/static/"), &v, "text/html; charset=utf-8", INDEX);
	ck_assert_uint_eq(files.n, 1);
	ck_assert_str_eq(files.slots[0].name, "./index.html");
	remove_file("www/index.html");
	expect_file_as(ask_for("GET", "/static/"), &v, "text/html; charset=utf-8", INDEX);
	now += FILE_CACHE_TTL_MS;
	expect_text(ask_for("GET", "/static/"), "404 Not Found", "", "not found");
}
END_TEST

/*
 * Changed in place while cached: the same size is read as it is now (with the validators it was opened
 * with, for what is left of its time to live); a smaller or a larger one no longer matches the cached
 * Content-Length, so the entry is dropped and the file opened afresh, with its new length and validators.
 */
START_TEST(test_cache_changed)
{
	struct validators v = validators_of("www/small.txt");
	const char *type = "text/plain; charset=utf-8";

	expect_file_as(ask_for("GET", "/static/small.txt"), &v, type, SMALL);
	write_file("www/small.txt", "SMALL TEXT\n", strlen(SMALL));
	expect_file_as(ask_for("GET", "/static/small.txt"), &v, type, "SMALL TEXT\n");
	write_file("www/small.txt", "tiny\n", 5);
	expect_file(ask_for("GET", "/static/small.txt"), "www/small.txt", type, "tiny\n");
	ck_assert_uint_eq(files.n, 1);
	ck_assert_int_eq(files.slots[0].st.st_size, 5);
	expect_file(ask_for("GET", "/static/small.txt"), "www/small.txt", type, "tiny\n");
	/* Grown: the cached length would cut it short. */
	write_file("www/small.txt", "tiny, and then some more\n", 25);
	expect_file(ask_for("GET", "/static/small.txt"), "www/small.txt", type, "tiny, and then some more\n");
	ck_assert_int_eq(files.slots[0].st.st_size, 25);
}
END_TEST

/* The same template as HTML escapes what the client sent, and as plain text does not. */
START_TEST(test_text)
{
	expect_ok(ask_for("GET", "/hello?name=%3Cb%3E%26%22%27"), "text/html; charset=utf-8",
	          "<p>Hello, &lt;b&gt;&amp;&quot;&#39;!</p>");
	expect_ok(ask_for("GET", "/plain?name=%3Cb%3E%26%22%27"), "text/plain; charset=utf-8",
	          "<p>Hello, <b>&\"'!</p>");
	expect(ask_for("HEAD", "/plain?name=x"), "200 OK",
	       "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 16\r\n", "");
}
END_TEST

START_TEST(test_text_missing)
{
	expect_text(ask_for("GET", "/hello"), "400 Bad Request", "", "missing parameter: name");
	expect_text(ask_for("GET", "/pair?last=b"), "400 Bad Request", "", "missing parameter: first");
	expect_text(ask_for("GET", "/pair?middle=b"), "400 Bad Request", "",
	            "missing parameter: first, last");
	expect_text(ask_for("GET", "/hello?name=%zz"), "400 Bad Request", "",
	            "malformed percent-encoding in the parameters");
}
END_TEST

/* A form body supplies parameters; a body of another type does not. */
START_TEST(test_text_form)
{
	expect_ok(post("/hello", "application/x-www-form-urlencoded", "name=%3Ci%3E+%26+x"),
	          "text/html; charset=utf-8", "<p>Hello, &lt;i&gt; &amp; x!</p>");
	expect_ok(post("/hello?name=query", "application/x-www-form-urlencoded; charset=utf-8", "name=body"),
	          "text/html; charset=utf-8", "<p>Hello, query!</p>");
	expect_text(post("/hello", "text/plain", "name=x"), "400 Bad Request", "", "missing parameter: name");
}
END_TEST

START_TEST(test_redirect)
{
	expect_text(ask_for("GET", "/old"), "302 Found", "Location: /new\r\n", "moved to /new");
	expect_text(ask_for("GET", "/moved"), "308 Permanent Redirect", "Location: https://example.com/x\r\n",
	            "moved to https://example.com/x");
}
END_TEST

/* The request variables in a plain text: the host as nginx's $host, the path and query as sent. */
START_TEST(test_text_vars)
{
	static const char type[] = "text/plain; charset=utf-8";

	expect_ok(ask_host("/vars?a=1&b=%20", "Example.COM:8080"), type, "example.com /vars a=1&b=%20 " PEER);
	expect_ok(ask_host("/vars", "h."), type, "h /vars  " PEER);
	expect_ok(ask_host("/./vars?x", "[2001:DB8::1]:80"), type, "[2001:db8::1] /./vars x " PEER);
	expect_ok(ask_host("/vars?<'&'>", "a'b&c"), type, "a'b&c /vars <'&'> " PEER);
	/* The authority of an absolute-form target wins over Host (RFC 9112 section 3.2.2). */
	expect_ok(ask_host("http://Target.Example:81/vars?q", "other.example"), type,
	          "target.example /vars q " PEER);
	/* HTTP/1.0 may leave the host out: {host} is empty then. */
	expect(ask("GET /vars?q HTTP/1.0\r\n\r\n"), "200 OK",
	       "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 18\r\n",
	       " /vars q " PEER);
}
END_TEST

/* In an HTML text every variable is escaped as a parameter is: none can inject markup. */
START_TEST(test_text_vars_html)
{
	static const char type[] = "text/html; charset=utf-8";

	expect_ok(ask_host("/echo?<script>alert('x')</script>&\"", "it's&co"), type,
	          "<p>it&#39;s&amp;co /echo &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;</p>");
	expect_ok(ask_host("/<b>/../echo?<i>", "h"), type, "<p>h /&lt;b&gt;/../echo &lt;i&gt;</p>");
}
END_TEST

/* A param named like a variable hides it, as it did before variables: old configs keep their meaning. */
START_TEST(test_text_param_hides_var)
{
	expect_ok(ask_host("/shadow?host=mine", "theirs"), "text/plain; charset=utf-8", "mine");
	expect_text(ask_host("/shadow", "theirs"), "400 Bad Request", "", "missing parameter: host");
}
END_TEST

/*
 * The head of a (NUL-terminated) redirect is the lines a redirect has, each once, and its Location holds
 * only printable ASCII without spaces: nothing the client sent can add or split a header.
 */
static void
assert_location_clean(const char *text)
{
	static const char *const names[] = { "HTTP/1.1 ",      "Server: ",   "Date: ",
		                             "Content-Type: ", "Location: ", "Content-Length: " };
	const char *end = strstr(text, "\r\n\r\n"), *line, *eol, *p;
	bool seen[sizeof(names) / sizeof(names[0])] = { false };
	size_t i;

	ck_assert_ptr_nonnull(end);
	for (line = text; line < end + 2; line = eol + 2) {
		ck_assert_ptr_nonnull(eol = strstr(line, "\r\n"));
		for (p = line; p < eol; p++)
			ck_assert_msg(*p >= ' ' && *p <= '~', "byte 0x%02x in the head", (unsigned char)*p);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strncmp(line, names[i], strlen(names[i])) == 0)
				break;
		ck_assert_msg(i < sizeof(names) / sizeof(names[0]) && !seen[i], "line \"%.*s\"",
		              (int)(eol - line), line);
		seen[i] = true;
		if (strcmp(names[i], "Location: ") == 0)
			for (p = line + strlen(names[i]); p < eol; p++)
				ck_assert_msg(*p != ' ', "space in \"%.*s\"", (int)(eol - line), line);
	}
	ck_assert_msg(seen[4], "no Location");
}

/* The redirect to the same path over https, with and without a query, which {path} leaves out. */
START_TEST(test_redirect_vars)
{
	static const char *const hostile[][2] = {
		{ "/secure", "h%0D%0ASet-Cookie%3Ax=1" },
		{ "/x/%2e%2e/keep?%0d%0aX:%20y", "h" },
		{ "//keep?\"><script>", "a'b" },
		{ "http://Evil.Example%0d%0a:80/./secure?a", "good" },
	};
	struct answer a;
	size_t i;

	expect_text(ask_host("/secure", "Example.com:8443"), "301 Moved Permanently",
	            "Location: https://example.com/secure\r\n", "moved to https://example.com/secure");
	expect_text(ask_host("/secure?a=b&c=%20", "example.com"), "301 Moved Permanently",
	            "Location: https://example.com/secure\r\n", "moved to https://example.com/secure");
	expect_text(ask_host("/keep?a=b&c=%20", "Example.com:8080"), "302 Found",
	            "Location: https://example.com:8443/keep?a=b&c=%20\r\n",
	            "moved to https://example.com:8443/keep?a=b&c=%20");
	expect_text(ask_host("/keep", "example.com"), "302 Found",
	            "Location: https://example.com:8443/keep?\r\n",
	            "moved to https://example.com:8443/keep?");
	/* The path as sent, still percent-encoded, as a Location must carry it. */
	expect_text(ask_host("/%73ecure", "h"), "301 Moved Permanently", "Location: https://h/%73ecure\r\n",
	            "moved to https://h/%73ecure");
	/* A literal one is its text with the braces unescaped, as a template's. */
	expect_text(ask_host("/braces", "h"), "302 Found", "Location: /a{b}\r\n", "moved to /a{b}");
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		a = ask_host(hostile[i][0], hostile[i][1]);
		ck_assert(a.status == 301 || a.status == 302);
		assert_location_clean(a.text);
	}
}
END_TEST

/* A Location that would be longer than the server sends is a 414, not a cut one. */
START_TEST(test_redirect_too_long)
{
	char host[4200];

	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	expect_text(ask_host("/secure", host), "414 URI Too Long", "",
	            "the location to redirect to would be too long");
	/* Just short enough: "https://" and "/secure" around the host make 4095 bytes. */
	host[4095 - strlen("https:///secure")] = '\0';
	ck_assert_int_eq(ask_host("/secure", host).status, 301);
	assert_location_clean(out.data);
}
END_TEST

START_TEST(test_methods)
{
	expect(ask_for("OPTIONS", "/hello"), "200 OK",
	       "Allow: GET, HEAD, POST, OPTIONS\r\nContent-Length: 0\r\n", "");
	expect(ask_for("OPTIONS", "/static/small.txt"), "200 OK",
	       "Allow: GET, HEAD, OPTIONS\r\nContent-Length: 0\r\n", "");
	expect(ask_for("OPTIONS", "*"), "200 OK",
	       "Allow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS\r\nContent-Length: 0\r\n", "");
	expect_text(ask_for("BREW", "/file"), "501 Not Implemented", "", "method not implemented");
	expect_text(ask_for("BREW", "/nothing"), "501 Not Implemented", "", "method not implemented");
	expect_text(ask_for("PUT", "/hello"), "405 Method Not Allowed", "Allow: GET, HEAD, POST, OPTIONS\r\n",
	            "method not allowed");
	expect_text(ask_for("DELETE", "/static/small.txt"), "405 Method Not Allowed",
	            "Allow: GET, HEAD, OPTIONS\r\n", "method not allowed");
	expect_text(ask_for("GET", "/nothing"), "404 Not Found", "", "not found");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("handlers");
	TCase *tc = tcase_create("tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_gone);
	tcase_add_test(tc, test_root_files);
	tcase_add_test(tc, test_root_slash);
	tcase_add_test(tc, test_root_large);
	tcase_add_test(tc, test_root_dotdot);
	tcase_add_test(tc, test_root_symlinks);
	tcase_add_test(tc, test_autoindex);
	tcase_add_test(tc, test_cache_used);
	tcase_add_test(tc, test_cache_index);
	tcase_add_test(tc, test_cache_changed);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_text_missing);
	tcase_add_test(tc, test_text_form);
	tcase_add_test(tc, test_redirect);
	tcase_add_test(tc, test_text_vars);
	tcase_add_test(tc, test_text_vars_html);
	tcase_add_test(tc, test_text_param_hides_var);
	tcase_add_test(tc, test_redirect_vars);
	tcase_add_test(tc, test_redirect_too_long);
	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_root_index);
	suite_add_tcase(s, tc);
	return check_run(s);
}
