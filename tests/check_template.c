/* SPDX-License-Identifier: ISC */
/* check_template.c: compile errors, rendering, escaping and snprintf-like sizing of template.c. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "template.h"

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const params[] = { "name", "age", "x", "y" };

#define HINT "declare it in params" /* what to do about an unknown name */

struct error_case {
	const char *src;
	const char *msg; /* a substring the operator must see */
};

static const struct error_case error_cases[] = {
	{ "{nmae}", "unknown placeholder {nmae}; declare it in params" },
	{ "hello {Name}", "unknown placeholder {Name}" },
	{ "{name }", "unknown placeholder {name }" },
	{ "{ name}", "unknown placeholder { name}" },
	{ "{name}{agee}", "unknown placeholder {agee}" },
	{ "{}", "empty placeholder" },
	{ "a {} b", "empty placeholder" },
	{ "{{{}}}", "empty placeholder" },
	{ "{", "unclosed '{' at offset 0" },
	{ "abc{", "unclosed '{' at offset 3" },
	{ "abc{name", "unclosed '{' at offset 3" },
	{ "{name{age}", "unclosed '{' at offset 0" },
	{ "{{{", "unclosed '{' at offset 2" },
	{ "{{name}", "lone '}' at offset 6" },
	{ "}", "lone '}' at offset 0" },
	{ "abc}", "lone '}' at offset 3" },
	{ "{name}}", "lone '}' at offset 6" },
	{ "}}}", "lone '}' at offset 2" },
	{ "a } b", "lone '}'" },
};

START_TEST(test_compile_errors)
{
	const struct error_case *c = &error_cases[_i];
	struct template t;
	char err[256] = "";

	memset(&t, 0xa5, sizeof(t));
	ck_assert_int_eq(template_compile(&t, c->src, params, NCASES(params), HINT, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, c->msg) != NULL, "\"%s\": error \"%s\" lacks \"%s\"", c->src, err, c->msg);
	/* A failed compile leaves nothing to free, and freeing it anyway is harmless. */
	ck_assert_ptr_null(t.src);
	ck_assert_ptr_null(t.parts);
	ck_assert_uint_eq(t.nparts, 0);
	template_free(&t);
}
END_TEST

START_TEST(test_compile_error_small_buffer)
{
	struct template t;
	char err[8];

	memset(err, 'X', sizeof(err));
	ck_assert_int_eq(template_compile(&t, "{nmae}", params, NCASES(params), HINT, err, sizeof(err)), -1);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(template_compile(&t, "{nmae}", params, NCASES(params), HINT, NULL, 0), -1);
}
END_TEST

START_TEST(test_compile_no_params)
{
	struct template t;
	char err[128];

	ck_assert_int_eq(template_compile(&t, "{name}", NULL, 0, HINT, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown placeholder {name}"));
	ck_assert_int_eq(template_compile(&t, "plain {{text}}", NULL, 0, HINT, err, sizeof(err)), 0);
	ck_assert_uint_eq(template_render(&t, NULL, false, NULL, 0), strlen("plain {text}"));
	template_free(&t);
}
END_TEST

/* Without a hint the message ends at the name. */
START_TEST(test_compile_no_hint)
{
	struct template t;
	char err[128];

	ck_assert_int_eq(template_compile(&t, "a{b}", params, 4, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown placeholder {b}");
}
END_TEST

START_TEST(test_is_literal)
{
	static const struct {
		const char *src;
		bool literal;
	} cases[] = {
		{ "", true },        { "abc", true },      { "a{{x}}b", true }, { "{{", true },
		{ "{x}", false },    { "a{x}", false },    { "{x}b", false },   { "a{x}b", false },
		{ "{x}{y}", false }, { "{{{x}}}", false },
	};
	struct template t;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(template_compile(&t, cases[i].src, params, 4, HINT, err, sizeof(err)), 0);
		ck_assert_msg(template_is_literal(&t) == cases[i].literal, "\"%s\"", cases[i].src);
		template_free(&t);
	}
}
END_TEST

/*
 * A route's names: its params, then the request variables. The first of a name wins, so a param hides the
 * variable it shares a name with; the variables render and escape as any value does.
 */
static const char *const route_names[] = { "host", "name", "host", "path", "query", "remote_addr" };

START_TEST(test_variables)
{
	static const struct str values[] = { STR_LIT("param"),
		                             STR_LIT("Ann"),
		                             STR_LIT("var.example"),
		                             STR_LIT("/a%20b"),
		                             STR_LIT("q=<script>&x='1'"),
		                             STR_LIT("192.0.2.1") };
	struct template t;
	char err[128], out[256];
	size_t n;

	ck_assert_int_eq(template_compile(&t, "https://{host}{path}?{query} {remote_addr} {name}",
	                                  route_names, NCASES(route_names), HINT, err, sizeof(err)),
	                 0);
	n = template_render(&t, values, false, out, sizeof(out));
	ck_assert_uint_lt(n, sizeof(out));
	out[n] = '\0';
	ck_assert_str_eq(out, "https://param/a%20b?q=<script>&x='1' 192.0.2.1 Ann");
	n = template_render(&t, values, true, out, sizeof(out));
	ck_assert_uint_lt(n, sizeof(out));
	out[n] = '\0';
	ck_assert_str_eq(out, "https://param/a%20b?q=&lt;script&gt;&amp;x=&#39;1&#39; 192.0.2.1 Ann");
	template_free(&t);
}
END_TEST

struct render_case {
	const char *src;
	struct str values[4]; /* for name, age, x, y */
	struct str plain;
	struct str html;
};

/* Lengths from sizeof, so that a value or an expectation may hold a NUL. */
#define V(s)                                                                                                 \
	{                                                                                                    \
		(s), sizeof(s) - 1                                                                           \
	}

static const struct render_case render_cases[] = {
	{ "", { V(""), V(""), V(""), V("") }, V(""), V("") },
	{ "Hello World!", { V(""), V(""), V(""), V("") }, V("Hello World!"), V("Hello World!") },
	{ "hello, I'm {name} and {age} years old.",
	  { V("Ann"), V("42"), V(""), V("") },
	  V("hello, I'm Ann and 42 years old."),
	  V("hello, I'm Ann and 42 years old.") },
	{ "{name}", { V("Ann"), V(""), V(""), V("") }, V("Ann"), V("Ann") },
	{ "{name}!", { V("Ann"), V(""), V(""), V("") }, V("Ann!"), V("Ann!") },
	{ "hi {name}", { V("Ann"), V(""), V(""), V("") }, V("hi Ann"), V("hi Ann") },
	{ "{x}{y}", { V(""), V(""), V("1"), V("2") }, V("12"), V("12") },
	{ "{x}{x}{x}", { V(""), V(""), V("ab"), V("") }, V("ababab"), V("ababab") },
	{ "[{x}][{y}]", { V(""), V(""), V(""), V("") }, V("[][]"), V("[][]") },
	{ "{{", { V(""), V(""), V(""), V("") }, V("{"), V("{") },
	{ "}}", { V(""), V(""), V(""), V("") }, V("}"), V("}") },
	{ "{{}}", { V(""), V(""), V(""), V("") }, V("{}"), V("{}") },
	{ "{{name}}", { V("Ann"), V(""), V(""), V("") }, V("{name}"), V("{name}") },
	{ "{{{name}}}", { V("Ann"), V(""), V(""), V("") }, V("{Ann}"), V("{Ann}") },
	{ "a{{b}}c{x}d{{", { V(""), V(""), V("X"), V("") }, V("a{b}cXd{"), V("a{b}cXd{") },
	{ "json: {{\"n\": \"{name}\"}}",
	  { V("Ann"), V(""), V(""), V("") },
	  V("json: {\"n\": \"Ann\"}"),
	  V("json: {\"n\": \"Ann\"}") },
	{ "<b>{name}</b>",
	  { V("<i>&\"'</i>"), V(""), V(""), V("") },
	  V("<b><i>&\"'</i></b>"),
	  V("<b>&lt;i&gt;&amp;&quot;&#39;&lt;/i&gt;</b>") },
	{ "{x}", { V(""), V(""), V("&&"), V("") }, V("&&"), V("&amp;&amp;") },
	{ "{x}", { V(""), V(""), V("a<b>c"), V("") }, V("a<b>c"), V("a&lt;b&gt;c") },
	{ "{x}", { V(""), V(""), V("&amp;"), V("") }, V("&amp;"), V("&amp;amp;") },
	{ "I'm {name} & \"you\"",
	  { V("张三"), V(""), V(""), V("") },
	  V("I'm 张三 & \"you\""),
	  V("I'm 张三 & \"you\"") },
	{ "{x}", { V(""), V(""), V("a\0b"), V("") }, V("a\0b"), V("a\0b") },
};

static void
render_check(int i, const struct render_case *c, bool html)
{
	const char *want = html ? c->html.p : c->plain.p;
	size_t wlen = html ? c->html.len : c->plain.len, cap, n;
	struct template t;
	char err[128], *out;

	ck_assert_msg(template_compile(&t, c->src, params, NCASES(params), HINT, err, sizeof(err)) == 0,
	              "case %d \"%s\": %s", i, c->src, err);
	ck_assert_uint_eq(template_render(&t, c->values, html, NULL, 0), wlen);

	/* Every capacity, from nothing to more than enough, into a buffer exactly that size. */
	for (cap = 0; cap <= wlen + 2; cap++) {
		ck_assert_ptr_nonnull(out = malloc(cap ? cap : 1));
		n = template_render(&t, c->values, html, out, cap);
		ck_assert_msg(n == wlen, "case %d cap %zu: returned %zu, want %zu", i, cap, n, wlen);
		ck_assert_msg(memcmp(out, want, cap < wlen ? cap : wlen) == 0, "case %d cap %zu: \"%.*s\"", i,
		              cap, (int)(cap < wlen ? cap : wlen), out);
		free(out);
	}
	template_free(&t);
}

START_TEST(test_render_plain)
{
	render_check(_i, &render_cases[_i], false);
}
END_TEST

START_TEST(test_render_html)
{
	render_check(_i, &render_cases[_i], true);
}
END_TEST

/* The output is not NUL-terminated, and nothing past cap is touched. */
START_TEST(test_render_canary)
{
	static const struct str values[] = { STR_LIT("Ann"), STR_LIT("42"), STR_LIT(""), STR_LIT("") };
	struct template t;
	char err[128], out[32];
	size_t cap;

	ck_assert_int_eq(template_compile(&t, "hi {name}, {age}", params, 4, HINT, err, sizeof(err)), 0);
	for (cap = 0; cap < 20; cap++) {
		memset(out, '#', sizeof(out));
		ck_assert_uint_eq(template_render(&t, values, true, out, cap), 10);
		ck_assert(memcmp(out, "hi Ann, 42", cap < 10 ? cap : 10) == 0);
		for (size_t k = cap < 10 ? cap : 10; k < sizeof(out); k++)
			ck_assert_int_eq(out[k], '#');
	}
	template_free(&t);
}
END_TEST

/* Truncation may fall inside an escape sequence; the prefix is still exact. */
START_TEST(test_render_truncates_inside_escape)
{
	static const struct str values[] = { STR_LIT("<"), STR_LIT(""), STR_LIT(""), STR_LIT("") };
	struct template t;
	char err[128], out[8];

	ck_assert_int_eq(template_compile(&t, "a{name}b", params, 4, HINT, err, sizeof(err)), 0);
	memset(out, '#', sizeof(out));
	ck_assert_uint_eq(template_render(&t, values, true, out, 3), 6);
	ck_assert(memcmp(out, "a&l#", 4) == 0);
	template_free(&t);
}
END_TEST

/* An empty value may be a NULL pointer, as an unset struct str is. */
START_TEST(test_render_null_empty_value)
{
	struct str values[4] = { { NULL, 0 }, STR_LIT("1"), { NULL, 0 }, { NULL, 0 } };
	struct template t;
	char err[128], out[16];

	ck_assert_int_eq(template_compile(&t, "[{name}|{age}]", params, 4, HINT, err, sizeof(err)), 0);
	ck_assert_uint_eq(template_render(&t, values, false, out, sizeof(out)), 4);
	ck_assert(memcmp(out, "[|1]", 4) == 0);
	ck_assert_uint_eq(template_render(&t, values, true, out, sizeof(out)), 4);
	template_free(&t);
}
END_TEST

/* Parts point at the unescaped copy; adjacent placeholders leave no empty literals between them. */
START_TEST(test_compile_parts)
{
	struct template t;
	char err[128];

	ck_assert_int_eq(template_compile(&t, "{{a}}{x}{y}b", params, 4, HINT, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nparts, 4);
	ck_assert_int_eq(t.parts[0].param, -1);
	ck_assert_uint_eq(t.parts[0].len, 3);
	ck_assert(memcmp(t.src + t.parts[0].off, "{a}", 3) == 0);
	ck_assert_int_eq(t.parts[1].param, 2);
	ck_assert_int_eq(t.parts[2].param, 3);
	ck_assert_int_eq(t.parts[3].param, -1);
	ck_assert_uint_eq(t.parts[3].len, 1);
	ck_assert_int_eq(t.src[t.parts[3].off], 'b');
	template_free(&t);

	ck_assert_int_eq(template_compile(&t, "", params, 4, HINT, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nparts, 0);
	template_free(&t);
}
END_TEST

/* The template keeps its own copy: the config text can go away after compiling. */
START_TEST(test_compile_copies)
{
	static const struct str values[] = { STR_LIT("Ann"), STR_LIT(""), STR_LIT(""), STR_LIT("") };
	struct template t;
	char err[128], out[32], *src;

	ck_assert_ptr_nonnull(src = strdup("hello {name}"));
	ck_assert_int_eq(template_compile(&t, src, params, 4, HINT, err, sizeof(err)), 0);
	memset(src, 'Z', strlen(src));
	free(src);
	ck_assert_uint_eq(template_render(&t, values, false, out, sizeof(out)), 9);
	ck_assert(memcmp(out, "hello Ann", 9) == 0);
	template_free(&t);
}
END_TEST

START_TEST(test_free_zeroed_and_twice)
{
	struct template t;
	char err[128];

	memset(&t, 0, sizeof(t));
	template_free(&t);
	ck_assert_int_eq(template_compile(&t, "{x}", params, 4, HINT, err, sizeof(err)), 0);
	template_free(&t);
	ck_assert_ptr_null(t.src);
	ck_assert_ptr_null(t.parts);
	ck_assert_uint_eq(t.nparts, 0);
	template_free(&t);
}
END_TEST

/* Many placeholders: the part array bound holds and every value lands in place. */
START_TEST(test_render_many)
{
	static const struct str values[] = { STR_LIT("N"), STR_LIT("A"), STR_LIT("X"), STR_LIT("Y") };
	static const char *const pieces[] = { "{name}", "{age}", "{x}", "{y}", "{{", "}}", "-" };
	static const char outs[] = { 'N', 'A', 'X', 'Y', '{', '}', '-' };
	char src[4096], want[1024], out[1024], err[128];
	size_t slen = 0, wlen = 0;
	struct template t;
	unsigned seed = 1;
	int i, k;

	for (i = 0; i < 500; i++) {
		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 16) % NCASES(pieces));
		memcpy(src + slen, pieces[k], strlen(pieces[k]));
		slen += strlen(pieces[k]);
		want[wlen++] = outs[k];
	}
	src[slen] = '\0';
	ck_assert_int_eq(template_compile(&t, src, params, 4, HINT, err, sizeof(err)), 0);
	ck_assert_uint_eq(template_render(&t, values, false, out, sizeof(out)), wlen);
	ck_assert(memcmp(out, want, wlen) == 0);
	template_free(&t);
}
END_TEST

START_TEST(test_escape_html)
{
	static const char in[] = "a&b<c>d\"e'f \xe5\xbc\xa0";
	static const char want[] = "a&amp;b&lt;c&gt;d&quot;e&#39;f \xe5\xbc\xa0";
	char out[64], small[6] = "######";

	ck_assert_uint_eq(template_escape_html(in, sizeof(in) - 1, NULL, 0), sizeof(want) - 1);
	ck_assert_uint_eq(template_escape_html(in, sizeof(in) - 1, out, sizeof(out)), sizeof(want) - 1);
	ck_assert_mem_eq(out, want, sizeof(want) - 1);
	/* Cut inside "&amp;": what fits is written, and nothing beyond cap. */
	ck_assert_uint_eq(template_escape_html(in, sizeof(in) - 1, small, 4), sizeof(want) - 1);
	ck_assert_mem_eq(small, "a&am##", 6);
}
END_TEST

static Suite *
template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc;

	tc = tcase_create("compile");
	tcase_add_loop_test(tc, test_compile_errors, 0, NCASES(error_cases));
	tcase_add_test(tc, test_compile_error_small_buffer);
	tcase_add_test(tc, test_compile_no_params);
	tcase_add_test(tc, test_compile_no_hint);
	tcase_add_test(tc, test_is_literal);
	tcase_add_test(tc, test_compile_parts);
	tcase_add_test(tc, test_compile_copies);
	tcase_add_test(tc, test_free_zeroed_and_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("escape");
	tcase_add_test(tc, test_escape_html);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_add_loop_test(tc, test_render_plain, 0, NCASES(render_cases));
	tcase_add_loop_test(tc, test_render_html, 0, NCASES(render_cases));
	tcase_add_test(tc, test_render_canary);
	tcase_add_test(tc, test_render_truncates_inside_escape);
	tcase_add_test(tc, test_render_null_empty_value);
	tcase_add_test(tc, test_render_many);
	tcase_add_test(tc, test_variables);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(template_suite());
}
