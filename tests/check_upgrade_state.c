/* SPDX-License-Identifier: ISC */
/* check_upgrade_state.c: the upgrade state survives its text form whole, and a damaged text is refused. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "check_run.h"
#include "upgrade_state.h"

static size_t lst_a[] = { 0, 1 }, lst_b[] = { 1 };
static struct upgrade_proc procs_a[] = { { 4242, 7, true, 123456789, 0 }, { 4243, 8, false, 123456790, 1 } };
static struct upgrade_proc procs_b[] = { { 4100, 9, true, 1000, -1 } };
static struct upgrade_listener listeners[2];
static struct upgrade_gen gens[] = {
	{ 3, 0, 99999, 10, 2, lst_a, 2, procs_a },
	{ 2, 2, 55555, 7, 1, lst_b, 1, procs_b },
};

/* A state with one of each record, and strings that need escaping. */
static void
sample(struct upgrade_state *st)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&listeners[0].addr;
	struct sockaddr_un *sun = (struct sockaddr_un *)&listeners[1].addr;

	memset(st, 0, sizeof(*st));
	memset(listeners, 0, sizeof(listeners));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8080);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listeners[0] = (struct upgrade_listener){ 3, 2, false, 0, 0, sizeof(*sin), listeners[0].addr };
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, "/run/a b%c.sock");
	listeners[1] = (struct upgrade_listener){
		5, 1, true, 2049, 18446744073709551615ull, sizeof(*sun), listeners[1].addr
	};
	snprintf(st->from, sizeof(st->from), "0.1.0+old build");
	snprintf(st->exe, sizeof(st->exe), "/opt/tiny httpd/%%sbin\n/tinyhttpd");
	st->next_id = 3;
	st->master_shard = 0;
	st->nshared = 2;
	st->shared[0] = (struct upgrade_shared){ "metrics", 4 };
	st->shared[1] = (struct upgrade_shared){ "ticket-keys", 11 };
	st->nlisteners = 2;
	st->listeners = listeners;
	st->ngens = 2;
	st->gens = gens;
}

/* The text of the sample state, NUL-terminated; the caller frees b. */
static const char *
sample_text(struct buf *b)
{
	struct upgrade_state st;

	sample(&st);
	ck_assert_int_eq(upgrade_state_format(&st, b), 0);
	ck_assert_int_eq(buf_append(b, "", 1), 0);
	b->len--;
	return b->data;
}

static void
assert_gen_eq(const struct upgrade_gen *got, const struct upgrade_gen *want)
{
	size_t i;

	ck_assert_uint_eq(got->id, want->id);
	ck_assert_int_eq(got->state, want->state);
	ck_assert_uint_eq(got->deadline, want->deadline);
	ck_assert_int_eq(got->shutdown_timeout, want->shutdown_timeout);
	ck_assert_uint_eq(got->nlst, want->nlst);
	for (i = 0; i < want->nlst; i++)
		ck_assert_uint_eq(got->lst[i], want->lst[i]);
	ck_assert_uint_eq(got->nprocs, want->nprocs);
	for (i = 0; i < want->nprocs; i++) {
		ck_assert_int_eq(got->procs[i].pid, want->procs[i].pid);
		ck_assert_int_eq(got->procs[i].channel, want->procs[i].channel);
		ck_assert_int_eq(got->procs[i].ready, want->procs[i].ready);
		ck_assert_uint_eq(got->procs[i].started, want->procs[i].started);
		ck_assert_int_eq(got->procs[i].shard, want->procs[i].shard);
	}
}

START_TEST(test_round_trip)
{
	struct upgrade_state want, got;
	struct buf b = { 0 };
	const char *text = sample_text(&b);
	char err[128];
	size_t i;

	/* One record a line, strings escaped so that neither a space nor a newline cuts them. */
	ck_assert_ptr_nonnull(strstr(text, "tinyhttpd-state 1\nfrom 0.1.0+old%20build\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nexe /opt/tiny%20httpd/%25sbin%0A/tinyhttpd\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nshared metrics 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ngeneration 3 0 99999 10 2 0 1\nworker 4242 7 1 123456789 0\n"));
	ck_assert_int_eq(upgrade_state_parse(&got, b.data, b.len, err, sizeof(err)), 0);
	sample(&want);
	ck_assert_str_eq(got.from, want.from);
	ck_assert_str_eq(got.exe, want.exe);
	ck_assert_uint_eq(got.next_id, 3);
	ck_assert_int_eq(got.master_shard, 0);
	ck_assert_int_eq(upgrade_state_shared(&got, "metrics"), 4);
	ck_assert_int_eq(upgrade_state_shared(&got, "ticket-keys"), 11);
	ck_assert_int_eq(upgrade_state_shared(&got, "none"), -1);
	ck_assert_uint_eq(got.nlisteners, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(got.listeners[i].fd, want.listeners[i].fd);
		ck_assert_int_eq(got.listeners[i].refs, want.listeners[i].refs);
		ck_assert_int_eq(got.listeners[i].ipv6_only, want.listeners[i].ipv6_only);
		ck_assert_uint_eq(got.listeners[i].dev, want.listeners[i].dev);
		ck_assert_uint_eq(got.listeners[i].ino, want.listeners[i].ino);
		ck_assert_uint_eq(got.listeners[i].addrlen, want.listeners[i].addrlen);
		ck_assert_mem_eq(&got.listeners[i].addr, &want.listeners[i].addr, want.listeners[i].addrlen);
	}
	ck_assert_uint_eq(got.ngens, 2);
	assert_gen_eq(&got.gens[0], &want.gens[0]);
	assert_gen_eq(&got.gens[1], &want.gens[1]);
	upgrade_state_free(&got);
	buf_free(&b);
}
END_TEST

/* A newer writer's record kinds are skipped, so a rollback to an older binary still takes the state. */
START_TEST(test_unknown_record_skipped)
{
	static const char text[] = "tinyhttpd-state 1\nfrom 2.0\nexe /x\nnext-id 9\n"
	                           "ticket-key 1 00112233445566778899aabbccddeeff\n"
	                           "generation 8 1 0 10 0\nend\n";
	struct upgrade_state st;
	char err[128];

	ck_assert_int_eq(upgrade_state_parse(&st, text, sizeof(text) - 1, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.next_id, 9);
	ck_assert_uint_eq(st.ngens, 1);
	ck_assert_uint_eq(st.gens[0].id, 8);
	ck_assert_uint_eq(st.gens[0].nprocs, 0);
	ck_assert_int_eq(st.master_shard, -1);
	upgrade_state_free(&st);
}
END_TEST

/* Each way a state can be damaged is refused, with the line that shows it. */
START_TEST(test_damaged_refused)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "", "line 1: cut short: no end record" },
		{ "HTTP/1.1 200 OK\nend\n", "line 1: not a tinyhttpd upgrade state" },
		{ "tinyhttpd-state 2\nend\n", "line 1: version 2, this binary reads version 1" },
		{ "tinyhttpd-state 1\nnext-id 2\n", "line 3: cut short: no end record" },
		{ "tinyhttpd-state 1\nnext-id 2", "line 2: a line without its end" },
		{ "tinyhttpd-state 1\nnext-id x\nend\n", "line 2: not a number in range" },
		{ "tinyhttpd-state 1\nnext-id 2 3\nend\n", "line 2: too many fields" },
		{ "tinyhttpd-state 1\n\nend\n", "line 2: too few fields" },
		{ "tinyhttpd-state 1\nexe /a%2\nend\n", "line 2: a bad escape" },
		{ "tinyhttpd-state 1\nexe /a%00b\nend\n", "line 2: a NUL in a string" },
		{ "tinyhttpd-state 1\nworker 1 2 1 3 0\nend\n", "line 2: a worker before any generation" },
		{ "tinyhttpd-state 1\nlistener 3 1 0 0 0 0g00\nend\n", "line 2: a bad address" },
		{ "tinyhttpd-state 1\nlistener 3 1 0 0 0 020\nend\n", "line 2: a bad address" },
		{ "tinyhttpd-state 1\nlistener 3 0 0 0 0 0200\nend\n", "line 2: not a number in range" },
		/* A generation names listeners by their place in the list before it. */
		{ "tinyhttpd-state 1\nlistener 3 1 0 0 0 0200\ngeneration 1 1 0 10 1 1\nend\n",
		  "line 3: not a number in range" },
		{ "tinyhttpd-state 1\ngeneration 1 1 0 10 1 0\nend\n", "line 2: not a number in range" },
		{ "tinyhttpd-state 1\ngeneration 1 1 0 10\nend\n", "line 2: too few fields" },
		{ "tinyhttpd-state 1\ngeneration 1 1 0 10 0\nworker 0 5 1 0 0\nend\n",
		  "line 3: not a number in range" },
	};
	struct upgrade_state st;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(upgrade_state_parse(&st, cases[i].text, strlen(cases[i].text), err,
		                                  sizeof(err)) == -1,
		              "accepted case %zu", i);
		ck_assert_msg(strcmp(err, cases[i].err) == 0, "case %zu: \"%s\", expected \"%s\"", i, err,
		              cases[i].err);
		ck_assert_ptr_null(st.gens);
		ck_assert_ptr_null(st.listeners);
	}
}
END_TEST

/* Every prefix of a whole state lacks its end record: none is taken for a state. */
START_TEST(test_every_prefix_refused)
{
	struct upgrade_state st;
	struct buf b = { 0 };
	char err[128];
	size_t n;

	sample_text(&b);
	for (n = 0; n < b.len; n++)
		ck_assert_msg(upgrade_state_parse(&st, b.data, n, err, sizeof(err)) == -1, "prefix %zu taken",
		              n);
	ck_assert_int_eq(upgrade_state_parse(&st, b.data, b.len, err, sizeof(err)), 0);
	upgrade_state_free(&st);
	buf_free(&b);
}
END_TEST

/* A shared name is one word; a writer that gets it wrong learns it, not the reader. */
START_TEST(test_bad_shared_name_not_written)
{
	struct upgrade_state st;
	struct buf b = { 0 };

	sample(&st);
	snprintf(st.shared[1].name, sizeof(st.shared[1].name), "ticket keys");
	ck_assert_int_eq(upgrade_state_format(&st, &b), -1);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("upgrade_state", "text", 0, test_round_trip, test_unknown_record_skipped,
	                       test_damaged_refused, test_every_prefix_refused,
	                       test_bad_shared_name_not_written);
}
