/* SPDX-License-Identifier: ISC */
/* check_mime.c: the media type table: mime.types text, the built-in table, overrides, charsets, lookups. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "mime.h"

static void
add(struct mime_types *m, const char *ext, const char *type)
{
	ck_assert_int_eq(mime_add(m, ext, strlen(ext), type, strlen(type)), 0);
}

static void
parse(struct mime_types *m, const char *text)
{
	ck_assert_int_eq(mime_parse(m, text, strlen(text)), 0);
}

START_TEST(test_parse)
{
	struct mime_types m = { 0 };

	parse(&m, "# a comment line\n"
	          "\n"
	          "application/x-thing\tthing  thg # trailing comment ext\n"
	          "text/plain txt\r\n"
	          "image/x-lonely\n"
	          "   video/mp4 mp4 m4v\n"
	          "notatype foo\n"
	          "application/x-long a123456789012345678901234567890123 ok\n"
	          "application/x-last last");
	mime_finish(&m);
	ck_assert_str_eq(mime_lookup(&m, "a.thing"), "application/x-thing");
	ck_assert_str_eq(mime_lookup(&m, "/dir/b.thg"), "application/x-thing");
	ck_assert_str_eq(mime_lookup(&m, "c.ext"), MIME_DEFAULT);
	ck_assert_str_eq(mime_lookup(&m, "c.comment"), MIME_DEFAULT);
	ck_assert_str_eq(mime_lookup(&m, "d.txt"), "text/plain; charset=utf-8");
	ck_assert_str_eq(mime_lookup(&m, "e.m4v"), "video/mp4");
	/* A type needs a '/'; an extension longer than MIME_EXT_MAX is skipped, not the line. */
	ck_assert_str_eq(mime_lookup(&m, "f.foo"), MIME_DEFAULT);
	ck_assert_str_eq(mime_lookup(&m, "g.ok"), "application/x-long");
	ck_assert_str_eq(mime_lookup(&m, "g.a123456789012345678901234567890123"), MIME_DEFAULT);
	/* The last line needs no newline. */
	ck_assert_str_eq(mime_lookup(&m, "h.last"), "application/x-last");
	ck_assert_uint_eq(m.n, 7);
	mime_free(&m);
}
END_TEST

/* Extensions are matched in any case; the dot that counts is the last one of the last component. */
START_TEST(test_lookup)
{
	struct mime_types m = { 0 };

	add(&m, "HTML", "text/html");
	add(&m, "gz", "application/gzip");
	mime_finish(&m);
	ck_assert_str_eq(mime_lookup(&m, "INDEX.HTML"), "text/html; charset=utf-8");
	ck_assert_str_eq(mime_lookup(&m, "index.Html"), "text/html; charset=utf-8");
	ck_assert_str_eq(mime_lookup(&m, "a.tar.gz"), "application/gzip");
	ck_assert_str_eq(mime_lookup(&m, "./v1.html/README"), MIME_DEFAULT);
	ck_assert_str_eq(mime_lookup(&m, "noext"), MIME_DEFAULT);
	ck_assert_str_eq(mime_lookup(&m, "trailing."), MIME_DEFAULT);
	ck_assert_str_eq(mime_lookup(&m, ".html"), "text/html; charset=utf-8");
	mime_free(&m);

	/* An empty table answers the default. */
	mime_finish(&m);
	ck_assert_str_eq(mime_lookup(&m, "a.html"), MIME_DEFAULT);
}
END_TEST

/* The later of two entries for an extension wins: the file over the built-in table, overrides over both. */
START_TEST(test_overrides)
{
	struct mime_types m = { 0 };

	ck_assert_int_eq(mime_add_builtin(&m), 0);
	parse(&m, "application/javascript js\napplication/x-thing thing\nimage/x-icon ico\n");
	add(&m, "ico", "image/vnd.microsoft.icon");
	add(&m, "Wasm", "application/x-wasm-override");
	add(&m, "txt", "text/plain; charset=iso-8859-1");
	mime_finish(&m);
	ck_assert_str_eq(mime_lookup(&m, "a.js"), "application/javascript; charset=utf-8");
	ck_assert_str_eq(mime_lookup(&m, "a.thing"), "application/x-thing");
	ck_assert_str_eq(mime_lookup(&m, "a.ico"), "image/vnd.microsoft.icon");
	ck_assert_str_eq(mime_lookup(&m, "a.wasm"), "application/x-wasm-override");
	/* A type with parameters keeps them and gets no second charset. */
	ck_assert_str_eq(mime_lookup(&m, "a.txt"), "text/plain; charset=iso-8859-1");
	/* Entries the file does not name keep the built-in table's types. */
	ck_assert_str_eq(mime_lookup(&m, "a.css"), "text/css; charset=utf-8");
	mime_free(&m);
}
END_TEST

/* charset=utf-8 goes on text/ types and the two application types nginx's charset_types names. */
START_TEST(test_charset)
{
	static const struct {
		const char *ext, *type, *want;
	} cases[] = {
		{ "a", "text/css", "text/css; charset=utf-8" },
		{ "b", "TEXT/Markdown", "TEXT/Markdown; charset=utf-8" },
		{ "c", "application/javascript", "application/javascript; charset=utf-8" },
		{ "d", "application/rss+xml", "application/rss+xml; charset=utf-8" },
		{ "e", "application/json", "application/json" },
		{ "f", "application/xml", "application/xml" },
		{ "g", "image/svg+xml", "image/svg+xml" },
		{ "h", "text/", "text/" },
		{ "i", "textual/x", "textual/x" },
	};
	struct mime_types m = { 0 };
	char name[8];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		add(&m, cases[i].ext, cases[i].type);
	mime_finish(&m);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "x.%s", cases[i].ext);
		ck_assert_str_eq(mime_lookup(&m, name), cases[i].want);
	}
	mime_free(&m);
}
END_TEST

static const struct {
	const char *name, *type;
} web_types[] = {
	{ "v.mp4", "video/mp4" },
	{ "v.webm", "video/webm" },
	{ "i.avif", "image/avif" },
	{ "m.wasm", "application/wasm" },
	{ "site.webmanifest", "application/manifest+json" },
	{ "a.zip", "application/zip" },
	{ "index.html", "text/html; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "s.css", "text/css; charset=utf-8" },
	{ "d.json", "application/json" },
	{ "i.svg", "image/svg+xml" },
	{ "f.woff2", "font/woff2" },
};

/* What issue 15 names, from the built-in table alone: a system without /etc/mime.types. */
START_TEST(test_builtin)
{
	struct mime_types m = { 0 };
	size_t i;

	ck_assert_int_eq(mime_add_builtin(&m), 0);
	mime_finish(&m);
	for (i = 0; i < sizeof(web_types) / sizeof(web_types[0]); i++)
		ck_assert_str_eq(mime_lookup(&m, web_types[i].name), web_types[i].type);
	mime_free(&m);
}
END_TEST

/* Debian's media-types gives the same answers, over the built-in table; skipped without it. */
START_TEST(test_system_file)
{
	struct mime_types m = { 0 };
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;

	if ((fp = fopen("/etc/mime.types", "r")) == NULL) {
		fprintf(stderr, "check_mime: no /etc/mime.types (package media-types): skipped\n");
		return;
	}
	ck_assert_int_eq(getdelim(&text, &len, '\0', fp) > 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(mime_add_builtin(&m), 0);
	parse(&m, text);
	free(text);
	mime_finish(&m);
	ck_assert_uint_gt(m.n, 1000);
	for (i = 0; i < sizeof(web_types) / sizeof(web_types[0]); i++)
		ck_assert_str_eq(mime_lookup(&m, web_types[i].name), web_types[i].type);
	/* Sorted and without duplicates: what bsearch needs. */
	for (i = 1; i < m.n; i++)
		ck_assert_int_lt(strcmp(m.v[i - 1].ext, m.v[i].ext), 0);
	mime_free(&m);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("mime", "table", 0, test_parse, test_lookup, test_overrides, test_charset,
	                       test_builtin, test_system_file);
}
