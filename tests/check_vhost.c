/* SPDX-License-Identifier: ISC */
/* check_vhost.c: unit tests for virtual host lookup: names, wildcards, ports, defaults and duplicates. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "vhost.h"

#define HOST(names_)                                                                                         \
	{                                                                                                    \
		.names = (names_), .nnames = sizeof(names_) / sizeof((names_)[0])                            \
	}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char *status_names[] = { "status.internal" };
static char *com_names[] = { "example.com", "WWW.Example.COM" };
static char *org_names[] = { "*.example.org" };
static char *deep_names[] = { "*.deep.example.org", "[::1]", "127.0.0.1", "[FE80::1]" };
static char *any_names[] = { "*" };
static char *org_exact_names[] = { "example.org.", "Mail.Example.Org" };

/* Host 0 is not served on the listener: which leaves it out, so its name is just another unknown name. */
static struct host_cfg hosts[] = {
	HOST(status_names), HOST(com_names), HOST(org_names),
	HOST(deep_names),   HOST(any_names), HOST(org_exact_names),
};
static const size_t which[] = { 1, 2, 3, 4, 5 };

static struct vhost_table *t;

static void
setup(void)
{
	t = vhost_new(hosts, which, COUNT(which));
	ck_assert_ptr_nonnull(t);
}

static void
teardown(void)
{
	vhost_free(t);
}

static size_t
match(const struct vhost_table *table, const char *name)
{
	return vhost_match(table, (struct str){ name, strlen(name) });
}

static const struct {
	const char *name;
	size_t host;
} cases[] = {
	/* Exact names, any case, each of a host's names. */
	{ "example.com", 1 },
	{ "EXAMPLE.com", 1 },
	{ "www.example.com", 1 },
	{ "wWw.ExAmPlE.cOm", 1 },
	{ "example.co", 4 },
	{ "xexample.com", 4 },
	{ "example.comx", 4 },
	{ "a.example.com", 4 }, /* no wildcard covers example.com */
	/* Ports and a trailing dot are not part of the name. */
	{ "example.com:8080", 1 },
	{ "example.com:", 1 },
	{ "example.com.", 1 },
	{ "Example.Com.:80", 1 },
	{ "example.com..", 4 }, /* one trailing dot, not any number */
	{ "example.org", 5 },   /* written "example.org." */
	{ "example.org.:443", 5 },
	/* Wildcards: any name that ends in the suffix, not the suffix's own name; the longest first. */
	{ "a.example.org", 2 },
	{ "A.B.Example.ORG", 2 },
	{ "a.example.org.:80", 2 },
	{ ".example.org", 4 }, /* '*' stands for something */
	{ "aexample.org", 4 },
	{ "org", 4 },
	{ "x.deep.example.org", 3 },
	{ "a.b.deep.example.org.", 3 },
	{ "deep.example.org", 2 },
	{ "xdeep.example.org", 2 },
	{ "mail.example.org", 5 }, /* an exact name wins over a wildcard */
	{ "MAIL.example.org:25", 5 },
	{ "x.mail.example.org", 2 },
	/* IP literals: the port follows ']', and an IPv6 address's hex digits have a case. */
	{ "[::1]", 3 },
	{ "[::1]:8080", 3 },
	{ "[::1]:", 3 },
	{ "[fe80::1]:80", 3 },
	{ "[FE80::1]", 3 },
	{ "[::2]:80", 4 },
	{ "[::1", 4 }, /* malformed (the parser refuses it): no port to strip, no match */
	{ "127.0.0.1", 3 },
	{ "127.0.0.1:80", 3 },
	{ "127.0.0.2", 4 },
	/* Not served on this listener, nothing, and the empty name of an HTTP/1.0 request: "*". */
	{ "status.internal", 4 },
	{ "unknown.test", 4 },
	{ "", 4 },
	{ ".", 4 },
	{ ":80", 4 },
};

START_TEST(test_match)
{
	ck_assert_msg(match(t, cases[_i].name) == cases[_i].host, "\"%s\": host %zu, want %zu",
	              cases[_i].name, match(t, cases[_i].name), cases[_i].host);
}
END_TEST

/* Without a host named "*", the first host the listener serves answers what nothing else does. */
START_TEST(test_first_host_default)
{
	static const size_t some[] = { 2, 3, 5 };
	struct vhost_table *u = vhost_new(hosts, some, COUNT(some));

	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(match(u, "unknown.test"), 2);
	ck_assert_uint_eq(match(u, ""), 2);
	ck_assert_uint_eq(match(u, "example.com"), 2); /* host 1 is not among them */
	ck_assert_uint_eq(match(u, "example.org"), 5);
	ck_assert_uint_eq(match(u, "[::1]:80"), 3);
	vhost_free(u);
}
END_TEST

/* The file without hosts = ( ... ): one host, "*", answers everything. */
START_TEST(test_only_any)
{
	static const size_t one[] = { 4 };
	struct vhost_table *u = vhost_new(hosts, one, COUNT(one));

	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(match(u, "example.com"), 4);
	ck_assert_uint_eq(match(u, ""), 4);
	vhost_free(u);
}
END_TEST

/* A host with no name at all can still be the default. */
START_TEST(test_nameless)
{
	static const size_t one[] = { 0 };
	struct host_cfg nameless = { .nnames = 0 };
	struct vhost_table *u = vhost_new(&nameless, one, COUNT(one));

	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(match(u, "example.com"), 0);
	vhost_free(u);
}
END_TEST

/* Names around VHOST_NAME_MAX bytes: the longest DNS name matches; a longer one matches no exact name. */
START_TEST(test_long_names)
{
	static char max[VHOST_NAME_MAX + 1], over[VHOST_NAME_MAX + 2];
	static char *long_names[] = { max, over };
	static char *wild_names[] = { "*.example.org" };
	struct host_cfg long_hosts[] = { HOST(any_names), HOST(long_names), HOST(wild_names) };
	static const size_t all[] = { 0, 1, 2 };
	char name[VHOST_NAME_MAX + 20], *huge;
	size_t huge_len = 100000;
	struct vhost_table *u;

	memset(max, 'a', VHOST_NAME_MAX - 4);
	memcpy(max + VHOST_NAME_MAX - 4, ".COM", 5);
	memset(over, 'b', VHOST_NAME_MAX + 1 - 4);
	memcpy(over + VHOST_NAME_MAX + 1 - 4, ".com", 5);
	ck_assert_uint_eq(strlen(max), VHOST_NAME_MAX);
	ck_assert_uint_eq(strlen(over), VHOST_NAME_MAX + 1);
	u = vhost_new(long_hosts, all, COUNT(all));
	ck_assert_ptr_nonnull(u);

	ck_assert_uint_eq(match(u, max), 1);
	snprintf(name, sizeof(name), "%s.:8080", max);
	ck_assert_uint_eq(match(u, name), 1);
	ck_assert_uint_eq(match(u, over), 0);
	/* Its last VHOST_NAME_MAX bytes are an exact name, but it is longer. */
	snprintf(name, sizeof(name), "x%s", max);
	ck_assert_uint_eq(match(u, name), 0);
	snprintf(name, sizeof(name), "%s.", over);
	ck_assert_uint_eq(match(u, name), 0);

	/* A wildcard still matches by its suffix, however long the name. */
	memset(name, 'c', sizeof(name));
	memcpy(name + VHOST_NAME_MAX + 20 - 18, ".example.org:8080", 18);
	ck_assert_uint_eq(match(u, name), 2);
	ck_assert_ptr_nonnull(huge = malloc(huge_len));
	memset(huge, 'd', huge_len);
	memcpy(huge + huge_len - 13, ".example.org", 13);
	ck_assert_uint_eq(match(u, huge), 2);
	huge[huge_len - 2] = 'x';
	ck_assert_uint_eq(match(u, huge), 0);
	free(huge);
	vhost_free(u);
}
END_TEST

/* Many hosts: bisection must find each exact name and each wildcard, and nothing between them. */
START_TEST(test_many)
{
	enum { N = 1000 };
	static struct host_cfg many[N + 1];
	static char names[N][2][24], *lists[N][2];
	static size_t all[N + 1];
	char probe[40];
	struct vhost_table *u;
	size_t i, k;

	for (i = 0; i < N; i++) {
		k = (i * 7919) % N;
		snprintf(names[i][0], sizeof(names[i][0]), "H%zu.test", k);
		snprintf(names[i][1], sizeof(names[i][1]), "*.w%zu.test", k);
		lists[i][0] = names[i][0];
		lists[i][1] = names[i][1];
		many[i] = (struct host_cfg){ .names = lists[i], .nnames = 2 };
		all[i] = i;
	}
	many[N] = (struct host_cfg){ .names = any_names, .nnames = 1 };
	all[N] = N;
	u = vhost_new(many, all, N + 1);
	ck_assert_ptr_nonnull(u);
	for (i = 0; i < N; i++) {
		k = (i * 7919) % N;
		snprintf(probe, sizeof(probe), "h%zu.test", k);
		ck_assert_uint_eq(match(u, probe), i);
		snprintf(probe, sizeof(probe), "x.y.w%zu.test:80", k);
		ck_assert_uint_eq(match(u, probe), i);
		snprintf(probe, sizeof(probe), "h%zux.test", k);
		ck_assert_uint_eq(match(u, probe), N);
		snprintf(probe, sizeof(probe), "w%zu.test", k);
		ck_assert_uint_eq(match(u, probe), N);
	}
	ck_assert(!vhost_duplicate(u, &i, &k, &(const char *){ NULL }));
	vhost_free(u);
}
END_TEST

/* Checks that hosts[which[0..n)] repeat want (NULL: none), of host b, as a repeat of a name of host a. */
static void
check_duplicate(const struct host_cfg *hs, const size_t *w, size_t n, const char *want, size_t want_a,
                size_t want_b)
{
	struct vhost_table *u = vhost_new(hs, w, n);
	size_t a = 99, b = 99;
	const char *name = NULL;
	bool dup;

	ck_assert_ptr_nonnull(u);
	dup = vhost_duplicate(u, &a, &b, &name);
	if (want == NULL) {
		ck_assert_msg(!dup, "unexpected duplicate \"%s\"", dup ? name : "");
	} else {
		ck_assert_msg(dup, "\"%s\" not found twice", want);
		ck_assert_str_eq(name, want);
		ck_assert_uint_eq(a, want_a);
		ck_assert_uint_eq(b, want_b);
	}
	vhost_free(u);
}

START_TEST(test_duplicate)
{
	static char *wild_lower[] = { "*.a" }, *wild_upper[] = { "*.x", "*.A" }, *exact_a[] = { "a" };
	static char *dot_a[] = { ".a" }, *com_dotted[] = { "Example.COM." },
	            *twice[] = { "x.test", "X.Test" };
	static char *ab[] = { "b.test", "a.test" }, *ba[] = { "a.test", "b.test" },
	            *ab_again[] = { "A.test" };
	struct host_cfg hs[] = {
		HOST(wild_lower), HOST(wild_upper), HOST(exact_a),   HOST(dot_a),
		HOST(com_names),  HOST(com_dotted), HOST(any_names), HOST(any_names),
		HOST(twice),      HOST(ab),         HOST(ba),        HOST(ab_again),
	};

	check_duplicate(hosts, which, COUNT(which), NULL, 0, 0);
	/* Case-insensitively, wildcards among themselves; "*.a", "a" and ".a" are three different names. */
	check_duplicate(hs, (const size_t[]){ 0, 1 }, 2, "*.A", 0, 1);
	check_duplicate(hs, (const size_t[]){ 0, 2, 3 }, 3, NULL, 0, 0);
	/* With and without the trailing dot. */
	check_duplicate(hs, (const size_t[]){ 4, 5 }, 2, "Example.COM.", 4, 5);
	check_duplicate(hs, (const size_t[]){ 2, 6, 7 }, 3, "*", 6, 7);
	/* Within one host. */
	check_duplicate(hs, (const size_t[]){ 2, 8 }, 2, "X.Test", 8, 8);
	/* The repeat that comes first in the file, as a repeat of the earliest name. */
	check_duplicate(hs, (const size_t[]){ 9, 10 }, 2, "a.test", 9, 10);
	check_duplicate(hs, (const size_t[]){ 9, 10, 11 }, 3, "a.test", 9, 10);
	check_duplicate(hs, (const size_t[]){ 9, 11 }, 2, "A.test", 9, 11);
	/* Hosts served on different listeners may share names: the check is per listener. */
	check_duplicate(hs, (const size_t[]){ 4, 6 }, 2, NULL, 0, 0);
	check_duplicate(hs, (const size_t[]){ 5, 7 }, 2, NULL, 0, 0);
}
END_TEST

START_TEST(test_name_valid)
{
	static const char *valid[] = {
		"*",     "*.",        "example.com", "Example.COM.", "*.example.org",         "*.org",
		"[::1]", "[FE80::1]", "127.0.0.1",   "localhost",    "xn--bcher-kva.example", "a",
	};
	static const char *invalid[] = {
		"",
		".",
		"..",
		"example.com:80",
		"example.com:",
		"[::1]:80",
		"*example.com",
		"www.*.com",
		"*.*.example.org",
		"**",
		"*..",
		"*.[::1]",
		"exa mple.com",
		"a/b",
		"a@b",
		"[::1",
		"*.a:80",
	};
	char name[VHOST_NAME_MAX + 3];
	size_t i;

	for (i = 0; i < COUNT(valid); i++)
		ck_assert_msg(vhost_name_valid(valid[i]), "\"%s\" refused", valid[i]);
	for (i = 0; i < COUNT(invalid); i++)
		ck_assert_msg(!vhost_name_valid(invalid[i]), "\"%s\" accepted", invalid[i]);

	memset(name, 'a', VHOST_NAME_MAX);
	name[VHOST_NAME_MAX] = '\0';
	ck_assert(vhost_name_valid(name));
	strcpy(name + VHOST_NAME_MAX, ".");
	ck_assert(vhost_name_valid(name));
	strcpy(name + VHOST_NAME_MAX, "a");
	ck_assert(!vhost_name_valid(name));
	name[0] = '*';
	name[1] = '.';
	ck_assert(!vhost_name_valid(name));
	name[VHOST_NAME_MAX] = '\0';
	ck_assert(vhost_name_valid(name));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vhost");
	TCase *tc = tcase_create("match");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_match, 0, COUNT(cases));
	tcase_add_test(tc, test_first_host_default);
	tcase_add_test(tc, test_only_any);
	tcase_add_test(tc, test_nameless);
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_name_valid);
	suite_add_tcase(s, tc);
	return check_run(s);
}
