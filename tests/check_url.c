/* SPDX-License-Identifier: ISC */
/* check_url.c: tables of decoding, path normalisation, form lookup and host syntax cases for url.c. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "check_run.h"
#include "url.h"

/* Expected output, or NULL when the function must return -1. Inputs may hold NULs, hence the lengths. */
struct decode_case {
	const char *in;
	size_t inlen;
	bool plus;
	const char *out;
	size_t outlen;
};

#define DEC(in, plus, out)                                                                                   \
	{                                                                                                    \
		(in), sizeof(in) - 1, (plus), (out), sizeof(out) - 1                                         \
	}
#define DEC_BAD(in, plus)                                                                                    \
	{                                                                                                    \
		(in), sizeof(in) - 1, (plus), NULL, 0                                                        \
	}

static const struct decode_case decode_cases[] = {
	DEC("", false, ""),
	DEC("abc", false, "abc"),
	DEC("a%20b", false, "a b"),
	DEC("%41%42%43", false, "ABC"),
	DEC("%4a%4A", false, "JJ"),
	DEC("%7e%7E", false, "~~"),
	DEC("%ff%FF%fF", false, "\xff\xff\xff"),
	DEC("%00", false, "\0"),
	DEC("a%00b", false, "a\0b"),
	DEC("%25", false, "%"),
	DEC("%2525", false, "%25"),
	DEC("100%25", false, "100%"),
	DEC("a+b", false, "a+b"),
	DEC("a+b", true, "a b"),
	DEC("+++", true, "   "),
	DEC("%2B", true, "+"),
	DEC("%2b+", true, "+ "),
	DEC("%E5%BC%A0%E4%B8%89", false, "张三"),
	DEC("%e5%bc%a0%e4%b8%89", true, "张三"),
	DEC("张三", false, "张三"),
	DEC("caf\xc3\xa9+%C3%A9", true, "caf\xc3\xa9 \xc3\xa9"),
	DEC("%0D%0A", false, "\r\n"),
	DEC("/a%2fb", false, "/a/b"),
	DEC_BAD("%", false),
	DEC_BAD("%4", false),
	DEC_BAD("a%", true),
	DEC_BAD("a%4", true),
	DEC_BAD("%g0", false),
	DEC_BAD("%0g", false),
	DEC_BAD("%%41", false),
	DEC_BAD("%-1", false),
	DEC_BAD("% 1", false),
	DEC_BAD("%+1", true),
	DEC_BAD("%\xc3\xa9", false),
	DEC_BAD("abc%2", false),
	DEC_BAD("ok%41%zz", false),
};

START_TEST(test_decode_table)
{
	const struct decode_case *c = &decode_cases[_i];
	char buf[64];
	ssize_t n;

	memset(buf, 'X', sizeof(buf));
	n = url_decode(buf, c->in, c->inlen, c->plus);
	if (c->out == NULL) {
		ck_assert_msg(n == -1, "case %d \"%s\": got %zd, want -1", _i, c->in, n);
		return;
	}
	ck_assert_msg(n == (ssize_t)c->outlen, "case %d \"%s\": got %zd, want %zu", _i, c->in, n, c->outlen);
	ck_assert_msg(memcmp(buf, c->out, c->outlen) == 0, "case %d \"%s\": wrong bytes", _i, c->in);
	/* Nothing is written past the decoded length. */
	ck_assert_int_eq(buf[n], 'X');
}
END_TEST

/* Decoding in place must give the same result as decoding into another buffer. */
START_TEST(test_decode_aliased)
{
	const struct decode_case *c = &decode_cases[_i];
	char buf[64];
	ssize_t n;

	memcpy(buf, c->in, c->inlen);
	n = url_decode(buf, buf, c->inlen, c->plus);
	if (c->out == NULL) {
		ck_assert_int_eq(n, -1);
		return;
	}
	ck_assert_int_eq(n, (ssize_t)c->outlen);
	ck_assert(memcmp(buf, c->out, c->outlen) == 0);
}
END_TEST

/* The input is read only up to len: a stray '%' beyond it must not matter. */
START_TEST(test_decode_respects_len)
{
	char buf[8];

	ck_assert_int_eq(url_decode(buf, "ab%zz", 2, false), 2);
	ck_assert(memcmp(buf, "ab", 2) == 0);
	ck_assert_int_eq(url_decode(buf, "a%41", 3, false), -1);
	ck_assert_int_eq(url_decode(buf, "", 0, true), 0);
}
END_TEST

/* Every byte value round-trips through %XX in both cases. */
START_TEST(test_decode_all_bytes)
{
	static const char hex_lower[] = "0123456789abcdef", hex_upper[] = "0123456789ABCDEF";
	char in[3 * 256], out[3 * 256];
	const char *hex;
	int pass, b;

	for (pass = 0; pass < 2; pass++) {
		hex = pass ? hex_upper : hex_lower;
		for (b = 0; b < 256; b++) {
			in[3 * b] = '%';
			in[3 * b + 1] = hex[b >> 4];
			in[3 * b + 2] = hex[b & 15];
		}
		ck_assert_int_eq(url_decode(out, in, sizeof(in), true), 256);
		for (b = 0; b < 256; b++)
			ck_assert_int_eq((unsigned char)out[b], b);
	}
}
END_TEST

struct path_case {
	const char *in;
	size_t inlen;
	const char *out; /* NULL: rejected */
};

#define PATH(in, out)                                                                                        \
	{                                                                                                    \
		(in), sizeof(in) - 1, (out)                                                                  \
	}
#define PATH_BAD(in)                                                                                         \
	{                                                                                                    \
		(in), sizeof(in) - 1, NULL                                                                   \
	}

static const struct path_case path_cases[] = {
	PATH("/", "/"),
	PATH("//", "/"),
	PATH("///", "/"),
	PATH("/./", "/"),
	PATH("/.", "/"),
	PATH("/./.", "/"),
	PATH("/hello", "/hello"),
	PATH("/a/b/c", "/a/b/c"),
	PATH("/dir/", "/dir/"),
	PATH("/dir//", "/dir/"),
	PATH("//a//b//", "/a/b/"),
	PATH("/a/./b", "/a/b"),
	PATH("/a/.", "/a/"),
	PATH("/a/./", "/a/"),
	PATH("/a/b/..", "/a/"),
	PATH("/a/b/../", "/a/"),
	PATH("/a/b/../c", "/a/c"),
	PATH("/a/../b/../c", "/c"),
	PATH("/a/..", "/"),
	PATH("/a/../", "/"),
	PATH("/a/b/../..", "/"),
	PATH("/a/./../b", "/b"),
	PATH("/a//..//b", "/b"),
	PATH("/...", "/..."),
	PATH("/..a", "/..a"),
	PATH("/a..", "/a.."),
	PATH("/.a/.b", "/.a/.b"),
	PATH("/a/.../b", "/a/.../b"),
	PATH("/.hidden/", "/.hidden/"),
	PATH("/a%20b", "/a b"),
	PATH("/a+b", "/a+b"),
	PATH("/%41", "/A"),
	PATH("/a%2fb", "/a/b"),
	PATH("/a%2F%2Fb", "/a/b"),
	PATH("/%2e", "/"),
	PATH("/a/%2e%2e", "/"),
	PATH("/a/b/%2E%2E/c", "/a/c"),
	PATH("/a/.%2e/b", "/b"),
	PATH("/static/%E5%BC%A0%E4%B8%89.txt", "/static/张三.txt"),
	PATH("/static/css/../img/x.png", "/static/img/x.png"),
	PATH_BAD(""),
	PATH_BAD("a"),
	PATH_BAD("hello/"),
	PATH_BAD("./a"),
	PATH_BAD("../a"),
	PATH_BAD("%2fetc"),
	PATH_BAD("*"),
	PATH_BAD("/.."),
	PATH_BAD("/../"),
	PATH_BAD("/../a"),
	PATH_BAD("//../a"),
	PATH_BAD("/./../a"),
	PATH_BAD("/a/../.."),
	PATH_BAD("/a/../../etc/passwd"),
	PATH_BAD("/a/b/../../../c"),
	PATH_BAD("/%2e%2e"),
	PATH_BAD("/%2E%2E/etc"),
	PATH_BAD("/.%2e/etc"),
	PATH_BAD("/%2e./etc"),
	PATH_BAD("/a/%2e%2e/%2e%2e/etc"),
	PATH_BAD("/static/..%2f..%2fx"),
	PATH_BAD("/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
	PATH_BAD("/%2f.."),
	PATH_BAD("/%00"),
	PATH_BAD("/a%00b"),
	PATH_BAD("/a\0b"),
	PATH_BAD("/a%"),
	PATH_BAD("/a%2"),
	PATH_BAD("/a%2g"),
	PATH_BAD("/a%%2e"),
};

START_TEST(test_path_table)
{
	const struct path_case *c = &path_cases[_i];
	char buf[128];
	ssize_t n;

	memset(buf, 'X', sizeof(buf));
	n = url_normalize_path(buf, c->in, c->inlen);
	if (c->out == NULL) {
		ck_assert_msg(n == -1, "case %d \"%s\": got %zd \"%.*s\", want -1", _i, c->in, n,
		              n > 0 ? (int)n : 0, buf);
		return;
	}
	ck_assert_msg(n == (ssize_t)strlen(c->out) && memcmp(buf, c->out, (size_t)n) == 0,
	              "case %d \"%s\": got %zd \"%.*s\", want \"%s\"", _i, c->in, n, n > 0 ? (int)n : 0, buf,
	              c->out);
	/* dst[n..len) is scratch the function may have used, but nothing past len is touched. */
	ck_assert_int_eq(buf[c->inlen], 'X');
}
END_TEST

START_TEST(test_path_aliased)
{
	const struct path_case *c = &path_cases[_i];
	char buf[128];
	ssize_t n;

	memcpy(buf, c->in, c->inlen);
	n = url_normalize_path(buf, buf, c->inlen);
	if (c->out == NULL) {
		ck_assert_int_eq(n, -1);
		return;
	}
	ck_assert_int_eq(n, (ssize_t)strlen(c->out));
	ck_assert(memcmp(buf, c->out, (size_t)n) == 0);
}
END_TEST

/*
 * Heap-allocated exactly to size, so AddressSanitizer or valgrind catches a write or read past len.
 * The output never needs more room than the input, whatever the mix of segments.
 */
START_TEST(test_path_exact_buffer)
{
	const struct path_case *c = &path_cases[_i];
	char *buf;
	ssize_t n;

	if (c->inlen == 0)
		return;
	ck_assert_ptr_nonnull(buf = malloc(c->inlen));
	memcpy(buf, c->in, c->inlen);
	n = url_normalize_path(buf, buf, c->inlen);
	ck_assert_int_eq(n, c->out == NULL ? -1 : (ssize_t)strlen(c->out));
	free(buf);
}
END_TEST

/* Normalising is idempotent: a normalised path with no '%' left comes back unchanged. */
START_TEST(test_path_idempotent)
{
	const struct path_case *c = &path_cases[_i];
	char once[128], twice[128];
	ssize_t n1, n2;

	if (c->out == NULL || strchr(c->out, '%') != NULL)
		return;
	n1 = url_normalize_path(once, c->in, c->inlen);
	ck_assert_int_ge(n1, 1);
	n2 = url_normalize_path(twice, once, (size_t)n1);
	ck_assert_int_eq(n1, n2);
	ck_assert(memcmp(once, twice, (size_t)n1) == 0);
}
END_TEST

/* Deep but balanced climbs stay inside; one more ".." than segments escapes. */
START_TEST(test_path_deep)
{
	char in[4096], out[4096];
	size_t len = 0;
	int i;

	for (i = 0; i < 300; i++) {
		memcpy(in + len, "/d", 2);
		len += 2;
	}
	for (i = 0; i < 300; i++) {
		memcpy(in + len, "/..", 3);
		len += 3;
	}
	ck_assert_int_eq(url_normalize_path(out, in, len), 1);
	ck_assert_int_eq(out[0], '/');
	memcpy(in + len, "/..", 3);
	ck_assert_int_eq(url_normalize_path(out, in, len + 3), -1);
}
END_TEST

#define MAXNAMES 4

struct form_case {
	const char *in;
	const char *names[MAXNAMES]; /* NULL-terminated */
	int ret;
	struct str want[MAXNAMES]; /* UNSET: the name stays unset */
};

/* Lengths from sizeof, so that a value may hold a NUL. */
#define V(s)                                                                                                 \
	{                                                                                                    \
		(s), sizeof(s) - 1                                                                           \
	}
#define UNSET                                                                                                \
	{                                                                                                    \
		NULL, 0                                                                                      \
	}

static const struct form_case form_cases[] = {
	{ "", { "a" }, 0, { UNSET } },
	{ "a=1", { "a" }, 0, { V("1") } },
	{ "a=1&b=2", { "a", "b" }, 0, { V("1"), V("2") } },
	{ "a=1&b=2", { "b", "a" }, 0, { V("2"), V("1") } },
	{ "a=1&b=2", { "c" }, 0, { UNSET } },
	{ "a=1&b=2", { "a", "c" }, 0, { V("1"), UNSET } },
	{ "a=1&a=2", { "a" }, 0, { V("1") } },
	{ "a=&a=2", { "a" }, 0, { V("") } },
	{ "a=1&&b=2", { "a", "b" }, 0, { V("1"), V("2") } },
	{ "&&a=1&&", { "a" }, 0, { V("1") } },
	{ "&", { "a" }, 0, { UNSET } },
	{ "a", { "a" }, 0, { V("") } },
	{ "a&b=2", { "a", "b" }, 0, { V(""), V("2") } },
	{ "a=", { "a" }, 0, { V("") } },
	{ "=1&a=2", { "a" }, 0, { V("2") } },
	{ "a==1", { "a" }, 0, { V("=1") } },
	{ "a=1=2", { "a" }, 0, { V("1=2") } },
	{ "a=x+y", { "a" }, 0, { V("x y") } },
	{ "a=x%2By", { "a" }, 0, { V("x+y") } },
	{ "a=%26b%3D1", { "a", "b" }, 0, { V("&b=1"), UNSET } },
	{ "first+name=Ann&last%20name=Lee", { "first name", "last name" }, 0, { V("Ann"), V("Lee") } },
	{ "%61=1", { "a" }, 0, { V("1") } },
	{ "ab=1", { "a" }, 0, { UNSET } },
	{ "a=1", { "ab" }, 0, { UNSET } },
	{ "A=1", { "a" }, 0, { UNSET } },
	{ "a%00=1&a=2", { "a" }, 0, { V("2") } },
	{ "a=x%00y", { "a" }, 0, { V("x\0y") } },
	{ "name=%E5%BC%A0%E4%B8%89", { "name" }, 0, { V("张三") } },
	{ "%E5%90%8D=%E5%BC%A0%E4%B8%89", { "名" }, 0, { V("张三") } },
	{ "username=bob&password=p%40ss+w%C3%B6rd",
	  { "username", "password" },
	  0,
	  { V("bob"), V("p@ss wörd") } },
	{ "a=1&a=2", { "a", "a" }, 0, { V("1"), V("1") } },
	{ "a=1&b=2&c=3", { "c", "b", "a" }, 0, { V("3"), V("2"), V("1") } },
	{ "a=%", { "a" }, -1, { UNSET } },
	{ "a=%4", { "a" }, -1, { UNSET } },
	{ "a=%zz", { "a" }, -1, { UNSET } },
	{ "%=1", { "a" }, -1, { UNSET } },
	{ "a%g=1", { "a" }, -1, { UNSET } },
	{ "a=1&b=%", { "a" }, -1, { UNSET } },
	{ "b=%&a=1", { "a" }, -1, { UNSET } },
	{ "a=1&x%", { "a" }, -1, { UNSET } },
	{ "a=1&a=%", { "a" }, -1, { UNSET } },
};

static void
form_check(int i, const struct form_case *c, const char *s, size_t len, char *dst)
{
	struct str values[MAXNAMES];
	size_t n, k;
	int ret;

	for (n = 0; n < MAXNAMES && c->names[n] != NULL; n++)
		;
	for (k = 0; k < MAXNAMES; k++)
		values[k] = (struct str){ NULL, 0 };
	ret = url_form_lookup(s, len, dst, c->names, n, values);
	ck_assert_msg(ret == c->ret, "case %d \"%s\": got %d, want %d", i, c->in, ret, c->ret);
	if (ret == -1)
		return;
	for (k = 0; k < n; k++) {
		if (c->want[k].p == NULL) {
			ck_assert_msg(values[k].p == NULL, "case %d \"%s\": %s should be unset", i, c->in,
			              c->names[k]);
			continue;
		}
		ck_assert_msg(values[k].p != NULL, "case %d \"%s\": %s unset", i, c->in, c->names[k]);
		ck_assert_msg(values[k].len == c->want[k].len &&
		                      memcmp(values[k].p, c->want[k].p, c->want[k].len) == 0,
		              "case %d \"%s\": %s = \"%.*s\", want \"%s\"", i, c->in, c->names[k],
		              (int)values[k].len, values[k].p, c->want[k].p);
		/* Values point into dst, never into the input. */
		ck_assert(values[k].p >= dst && values[k].p + values[k].len <= dst + len);
	}
}

START_TEST(test_form_table)
{
	const struct form_case *c = &form_cases[_i];
	size_t len = strlen(c->in);
	char *s, *dst;

	/* Both buffers exactly len bytes (malloc(0) may give NULL), so going past either is caught. */
	ck_assert_ptr_nonnull(s = malloc(len ? len : 1));
	ck_assert_ptr_nonnull(dst = malloc(len ? len : 1));
	memcpy(s, c->in, len);
	form_check(_i, c, s, len, dst);
	free(s);
	free(dst);
}
END_TEST

START_TEST(test_form_preset_kept)
{
	const char *names[] = { "a", "b" };
	struct str values[2] = { STR_LIT("from query"), { NULL, 0 } };
	char dst[16];

	ck_assert_int_eq(url_form_lookup("a=1&b=2", 7, dst, names, 2, values), 0);
	ck_assert(str_eq(values[0], "from query"));
	ck_assert(str_eq(values[1], "2"));
}
END_TEST

/* Every decoded value of a long form must fit in len bytes of dst, even when all are kept. */
START_TEST(test_form_all_kept_fits)
{
	const char *names[] = { "a", "b", "c", "d" };
	const char *in = "a=%41%41%41&b=bbbbbbbbbbbbbbbb&c=%E5%BC%A0&d=+";
	size_t len = strlen(in);
	struct str values[4] = { { NULL, 0 } };
	char *dst;

	ck_assert_ptr_nonnull(dst = malloc(len));
	ck_assert_int_eq(url_form_lookup(in, len, dst, names, 4, values), 0);
	ck_assert(str_eq(values[0], "AAA"));
	ck_assert(str_eq(values[1], "bbbbbbbbbbbbbbbb"));
	ck_assert(str_eq(values[2], "张"));
	ck_assert(str_eq(values[3], " "));
	free(dst);
}
END_TEST

/* Only len bytes of s are looked at: a body is not NUL-terminated. */
START_TEST(test_form_respects_len)
{
	const char *names[] = { "a", "b" };
	struct str values[2] = { { NULL, 0 } };
	char dst[16];

	ck_assert_int_eq(url_form_lookup("a=12&b=%", 4, dst, names, 2, values), 0);
	ck_assert(str_eq(values[0], "12"));
	ck_assert_ptr_null(values[1].p);
}
END_TEST

START_TEST(test_form_no_names)
{
	char dst[8];

	ck_assert_int_eq(url_form_lookup("a=1", 3, dst, NULL, 0, NULL), 0);
	ck_assert_int_eq(url_form_lookup("a=%", 3, dst, NULL, 0, NULL), -1);
}
END_TEST

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
	const char *in;
	const char *out;
} encode_cases[] = {
	{ "", "" },
	{ "plain-name_1.txt~", "plain-name_1.txt~" },
	{ "dir/sub/", "dir/sub/" },
	{ "a b", "a%20b" },
	{ "100%", "100%25" },
	{ "q?x#y&z=1", "q%3Fx%23y%26z%3D1" },
	{ "\"<'>", "%22%3C%27%3E" },
	{ "\xe5\xbc\xa0", "%E5%BC%A0" },
	{ "\x01\x7f\xff", "%01%7F%FF" },
};

START_TEST(test_encode_table)
{
	char out[64];
	size_t n = url_encode_path(encode_cases[_i].in, strlen(encode_cases[_i].in), out, sizeof(out));

	ck_assert_uint_eq(n, strlen(encode_cases[_i].out));
	ck_assert_mem_eq(out, encode_cases[_i].out, n);
	/* Sizing alone gives the same length; decoding gives the input back. */
	ck_assert_uint_eq(url_encode_path(encode_cases[_i].in, strlen(encode_cases[_i].in), NULL, 0), n);
	ck_assert_int_eq(url_decode(out, out, n, false), (ssize_t)strlen(encode_cases[_i].in));
	ck_assert_mem_eq(out, encode_cases[_i].in, strlen(encode_cases[_i].in));
}
END_TEST

START_TEST(test_encode_truncates)
{
	char out[5] = "#####";

	/* "a b" is 5 bytes encoded; 4 fit, nothing past them is written. */
	ck_assert_uint_eq(url_encode_path("a b", 3, out, 4), 5);
	ck_assert_mem_eq(out, "a%20#", 5);
}
END_TEST

/* Inputs may hold NULs, hence the lengths. */
struct host_case {
	const char *in;
	size_t len;
	bool valid;
};

#define HOST_OK(s)                                                                                           \
	{                                                                                                    \
		s, sizeof(s) - 1, true                                                                       \
	}
#define HOST_BAD(s)                                                                                          \
	{                                                                                                    \
		s, sizeof(s) - 1, false                                                                      \
	}

/* clang-format off */
static const struct host_case host_cases[] = {
	HOST_OK("localhost"),
	HOST_OK("example.com"),
	HOST_OK("EXAMPLE.com."),
	HOST_OK("xn--caf-dma.example"),
	HOST_OK("a"),
	HOST_OK("127.0.0.1"),
	HOST_OK("999.1.1.1"),          /* not an IPv4 address, but a well-formed reg-name */
	HOST_OK("localhost:80"),
	HOST_OK("h:0"),
	HOST_OK("h:65535"),
	HOST_OK("h:99999"),            /* 5 digits */
	HOST_OK("h:00080"),
	HOST_OK("my_host~1"),
	HOST_OK("a!$&'()*+,;=b"),      /* sub-delims */
	HOST_OK("caf%C3%A9.example"),  /* pct-encoded */
	HOST_OK("[::1]"),
	HOST_OK("[::1]:8080"),
	HOST_OK("[::]"),
	HOST_OK("[2001:db8::ff00:42:8329]"),
	HOST_OK("[2001:0db8:0000:0000:0000:ff00:0042:8329]:443"),
	HOST_OK("[::ffff:192.0.2.1]"),
	HOST_OK("[1:2:3:4:5:6:7::]"),
	HOST_OK("[FE80::A]"),
	HOST_OK("[v1.fe80::a+en1]"),   /* IPvFuture */
	HOST_OK("[V7.x:y]:1"),
	HOST_BAD(""),
	HOST_BAD(":80"),               /* no host */
	HOST_BAD("h:"),                /* empty port */
	HOST_BAD("h:123456"),          /* 6 digits */
	HOST_BAD("h:80x"),
	HOST_BAD("h:-1"),
	HOST_BAD("h:+80"),
	HOST_BAD("h:8 0"),
	HOST_BAD("h:80:81"),
	HOST_BAD("h::80"),
	HOST_BAD("a b"),
	HOST_BAD(" a"),
	HOST_BAD("a\tb"),
	HOST_BAD("a/b"),
	HOST_BAD("a\\b"),
	HOST_BAD("a?b"),
	HOST_BAD("a#b"),
	HOST_BAD("u@h"),               /* userinfo */
	HOST_BAD("a\"b"),
	HOST_BAD("a<b>"),
	HOST_BAD("a[b]"),
	HOST_BAD("a{b}"),
	HOST_BAD("a|b"),
	HOST_BAD("a^b"),
	HOST_BAD("a`b"),
	HOST_BAD("a\0b"),
	HOST_BAD("a\x01"),
	HOST_BAD("a\r\nX: y"),
	HOST_BAD("a\x7f"),
	HOST_BAD("caf\xc3\xa9.example"), /* raw UTF-8: IDNs go as xn-- */
	HOST_BAD("a%"),
	HOST_BAD("a%4"),
	HOST_BAD("a%zz"),
	HOST_BAD("::1"),               /* an IPv6 address needs its brackets */
	HOST_BAD("2001:db8::1:80"),
	HOST_BAD("[::1"),
	HOST_BAD("::1]"),
	HOST_BAD("[]"),
	HOST_BAD("[::1]x"),
	HOST_BAD("[::1]:"),
	HOST_BAD("[::1]:80x"),
	HOST_BAD("[::1]]"),
	HOST_BAD("[[::1]]"),
	HOST_BAD("[::1%25eth0]"),     /* zone identifiers are not part of RFC 9110's URIs */
	HOST_BAD("[1::2::3]"),
	HOST_BAD("[1:2:3:4:5:6:7:8:9]"),
	HOST_BAD("[12345::]"),
	HOST_BAD("[::g]"),
	HOST_BAD("[::1.2.3]"),
	HOST_BAD("[::1.2.3.256]"),
	HOST_BAD("[127.0.0.1]"),
	HOST_BAD("[example.com]"),
	HOST_BAD("[ ::1]"),
	HOST_BAD("[::1 ]"),
	HOST_BAD("[::1\0]"),
	HOST_BAD("[0000:0000:0000:0000:0000:0000:0000:0000:0000]"),
	HOST_BAD("[v]"),
	HOST_BAD("[v1]"),
	HOST_BAD("[v1.]"),
	HOST_BAD("[v.x]"),
	HOST_BAD("[vg.x]"),
	HOST_BAD("[v1.x/y]"),
};
/* clang-format on */

START_TEST(test_host_table)
{
	const struct host_case *c = &host_cases[_i];

	ck_assert_msg(url_host_valid(c->in, c->len) == c->valid, "case %d \"%.*s\": want %s", _i, (int)c->len,
	              c->in, c->valid ? "valid" : "invalid");
}
END_TEST

/* Nothing past len is looked at: a valid host followed by garbage is judged on the host alone. */
START_TEST(test_host_respects_len)
{
	ck_assert(url_host_valid("h:80x", 4));
	ck_assert(url_host_valid("[::1]:80/", 8));
	ck_assert(!url_host_valid("[::1]", 4));
	ck_assert(!url_host_valid("h", 0));
}
END_TEST

static const struct {
	const char *in;
	const char *name;
} host_name_cases[] = {
	{ "example.com", "example.com" },
	{ "Example.COM:8080", "example.com" },
	{ "EXAMPLE.com.", "example.com" },
	{ "example.com.:80", "example.com" },
	{ "[::1]", "[::1]" },
	{ "[FE80::A]:443", "[fe80::a]" },
	{ "[V7.X:Y]:1", "[v7.x:y]" },
	{ "127.0.0.1:80", "127.0.0.1" },
	{ "A!$&'()*+,;=B", "a!$&'()*+,;=b" },
	{ "caf%C3%A9.example", "caf%c3%a9.example" },
	{ "h", "h" },
	{ "", "" },
};

START_TEST(test_host_name)
{
	const char *in = host_name_cases[_i].in, *want = host_name_cases[_i].name;
	size_t len = strlen(in), n;
	char out[64], *copy;

	ck_assert(len == 0 || url_host_valid(in, len));
	memset(out, '#', sizeof(out));
	n = url_host_name(in, len, out);
	ck_assert_msg(n == strlen(want) && memcmp(out, want, n) == 0, "\"%s\": got \"%.*s\"", in, (int)n,
	              out);
	ck_assert_int_eq(out[n], '#');
	/* In place, as the comment allows. */
	ck_assert_ptr_nonnull(copy = strdup(in));
	ck_assert_uint_eq(url_host_name(copy, len, copy), n);
	ck_assert_mem_eq(copy, want, n);
	free(copy);
}
END_TEST

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc;

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_decode_table, 0, NCASES(decode_cases));
	tcase_add_loop_test(tc, test_decode_aliased, 0, NCASES(decode_cases));
	tcase_add_test(tc, test_decode_respects_len);
	tcase_add_test(tc, test_decode_all_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("path");
	tcase_add_loop_test(tc, test_path_table, 0, NCASES(path_cases));
	tcase_add_loop_test(tc, test_path_aliased, 0, NCASES(path_cases));
	tcase_add_loop_test(tc, test_path_exact_buffer, 0, NCASES(path_cases));
	tcase_add_loop_test(tc, test_path_idempotent, 0, NCASES(path_cases));
	tcase_add_test(tc, test_path_deep);
	suite_add_tcase(s, tc);

	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_encode_table, 0, NCASES(encode_cases));
	tcase_add_test(tc, test_encode_truncates);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_loop_test(tc, test_host_table, 0, NCASES(host_cases));
	tcase_add_test(tc, test_host_respects_len);
	tcase_add_loop_test(tc, test_host_name, 0, NCASES(host_name_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("form");
	tcase_add_loop_test(tc, test_form_table, 0, NCASES(form_cases));
	tcase_add_test(tc, test_form_preset_kept);
	tcase_add_test(tc, test_form_all_kept_fits);
	tcase_add_test(tc, test_form_respects_len);
	tcase_add_test(tc, test_form_no_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(url_suite());
}
