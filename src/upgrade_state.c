/* SPDX-License-Identifier: ISC */
/*
 * upgrade_state.c: the upgrade state as text, one record a line, the kind first:
 *
 *	tinyhttpd-state 1
 *	from 0.1.0
 *	exe /usr/sbin/tinyhttpd
 *	next-id 3
 *	master-shard 0
 *	shared metrics 4
 *	listener FD REFS IPV6_ONLY DEV INO ADDR           ADDR: the sockaddr's bytes in hex
 *	generation ID STATE DEADLINE SHUTDOWN_TIMEOUT N L1 .. LN
 *	worker PID CHANNEL READY STARTED SHARD            of the generation above it
 *	end
 *
 * Strings are the rest of their line, with bytes up to the space, '%' and DEL written as %XX. A reader
 * skips a kind it does not know, so an older binary takes a newer one's state; the end record tells a
 * whole state from a cut one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upgrade_state.h"

#define MAGIC "tinyhttpd-state"

static int
put_string(struct buf *b, const char *kind, const char *s)
{
	const unsigned char *p;

	if (buf_printf(b, "%s ", kind) == -1)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p <= ' ' || *p == '%' || *p == 0x7f ? buf_printf(b, "%%%02X", *p)
		                                          : buf_append(b, p, 1)) == -1)
			return -1;
	return buf_append(b, "\n", 1);
}

static int
put_listener(struct buf *b, const struct upgrade_listener *l)
{
	const unsigned char *a = (const unsigned char *)&l->addr;
	socklen_t i;

	if (l->addrlen == 0 || l->addrlen > sizeof(l->addr) ||
	    buf_printf(b, "listener %d %d %d %llu %llu ", l->fd, l->refs, l->ipv6_only,
	               (unsigned long long)l->dev, (unsigned long long)l->ino) == -1)
		return -1;
	for (i = 0; i < l->addrlen; i++)
		if (buf_printf(b, "%02x", a[i]) == -1)
			return -1;
	return buf_append(b, "\n", 1);
}

static int
put_gen(struct buf *b, const struct upgrade_gen *g)
{
	const struct upgrade_proc *p;
	size_t i;

	if (buf_printf(b, "generation %u %d %llu %d %zu", g->id, g->state, (unsigned long long)g->deadline,
	               g->shutdown_timeout, g->nlst) == -1)
		return -1;
	for (i = 0; i < g->nlst; i++)
		if (buf_printf(b, " %zu", g->lst[i]) == -1)
			return -1;
	if (buf_append(b, "\n", 1) == -1)
		return -1;
	for (p = g->procs; p < g->procs + g->nprocs; p++)
		if (buf_printf(b, "worker %ld %d %d %llu %d\n", (long)p->pid, p->channel, p->ready,
		               (unsigned long long)p->started, p->shard) == -1)
			return -1;
	return 0;
}

int
upgrade_state_format(const struct upgrade_state *st, struct buf *b)
{
	size_t i;

	if (buf_printf(b, MAGIC " %d\n", UPGRADE_STATE_VERSION) == -1 ||
	    put_string(b, "from", st->from) == -1 || put_string(b, "exe", st->exe) == -1 ||
	    buf_printf(b, "next-id %u\nmaster-shard %d\n", st->next_id, st->master_shard) == -1)
		return -1;
	for (i = 0; i < st->nshared; i++) {
		const char *n = st->shared[i].name;

		/* A name is one word, so that a reader can take the descriptor after it. */
		if (n[0] == '\0' || n[strcspn(n, " %\n")] != '\0' ||
		    buf_printf(b, "shared %s %d\n", n, st->shared[i].fd) == -1)
			return -1;
	}
	for (i = 0; i < st->nlisteners; i++)
		if (put_listener(b, &st->listeners[i]) == -1)
			return -1;
	for (i = 0; i < st->ngens; i++)
		if (put_gen(b, &st->gens[i]) == -1)
			return -1;
	return buf_append(b, "end\n", 4);
}

/* One line being read: its fields are taken from p up to end. */
struct line {
	const char *p, *end;
	const char *why; /* set by the first field that fails */
};

/* The next space-separated field; NULL with why set when the line has no more. */
static const char *
field(struct line *ln, size_t *len)
{
	const char *f = ln->p;

	if (ln->p >= ln->end) {
		ln->why = ln->why ? ln->why : "too few fields";
		return NULL;
	}
	while (ln->p < ln->end && *ln->p != ' ')
		ln->p++;
	*len = (size_t)(ln->p - f);
	if (ln->p < ln->end)
		ln->p++;
	return f;
}

/* A decimal field from min to max; 0 with why set when it is not one. */
static long long
number(struct line *ln, long long min, long long max)
{
	char digits[24], *end;
	const char *f;
	long long v;
	size_t len;

	if ((f = field(ln, &len)) == NULL)
		return 0;
	if (len == 0 || len >= sizeof(digits)) {
		ln->why = ln->why ? ln->why : "not a number";
		return 0;
	}
	memcpy(digits, f, len);
	digits[len] = '\0';
	v = strtoll(digits, &end, 10);
	if (*end != '\0' || v < min || v > max) {
		ln->why = ln->why ? ln->why : "not a number in range";
		return 0;
	}
	return v;
}

/* The same for an unsigned 64-bit value (device and inode numbers, clock readings). */
static uint64_t
number_u64(struct line *ln)
{
	char digits[24], *end;
	const char *f;
	uint64_t v;
	size_t len;

	if ((f = field(ln, &len)) == NULL)
		return 0;
	if (len == 0 || len >= sizeof(digits) || f[0] < '0' || f[0] > '9') {
		ln->why = ln->why ? ln->why : "not a number";
		return 0;
	}
	memcpy(digits, f, len);
	digits[len] = '\0';
	v = strtoull(digits, &end, 10);
	if (*end != '\0') {
		ln->why = ln->why ? ln->why : "not a number";
		return 0;
	}
	return v;
}

static int
hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* The rest of the line, unescaped, into out (cap bytes with the NUL). */
static void
string(struct line *ln, char *out, size_t cap)
{
	size_t n = 0;
	int hi, lo;

	for (; ln->p < ln->end; ln->p++) {
		char c = *ln->p;

		if (c == '%') {
			if (ln->end - ln->p < 3 || (hi = hex_digit(ln->p[1])) < 0 ||
			    (lo = hex_digit(ln->p[2])) < 0) {
				ln->why = "a bad escape";
				return;
			}
			c = (char)(hi << 4 | lo);
			ln->p += 2;
		}
		if (c == '\0' || n + 1 >= cap) {
			ln->why = c == '\0' ? "a NUL in a string" : "a string too long";
			return;
		}
		out[n++] = c;
	}
	out[n] = '\0';
}

static void
parse_shared(struct upgrade_state *st, struct line *ln)
{
	struct upgrade_shared *s = &st->shared[st->nshared];
	const char *name;
	size_t len;

	if (st->nshared == UPGRADE_SHARED_MAX) {
		ln->why = "too many shared descriptors";
		return;
	}
	if ((name = field(ln, &len)) == NULL)
		return;
	if (len == 0 || len >= sizeof(s->name)) {
		ln->why = "a bad name";
		return;
	}
	memcpy(s->name, name, len);
	s->name[len] = '\0';
	s->fd = (int)number(ln, 0, INT_MAX);
	st->nshared++;
}

static void
parse_listener(struct upgrade_state *st, struct line *ln)
{
	struct upgrade_listener *l, *grown;
	unsigned char *a;
	const char *hex;
	size_t len, i;

	if ((grown = realloc(st->listeners, (st->nlisteners + 1) * sizeof(*grown))) == NULL) {
		ln->why = "out of memory";
		return;
	}
	st->listeners = grown;
	l = memset(&grown[st->nlisteners++], 0, sizeof(*l));
	l->fd = (int)number(ln, 0, INT_MAX);
	l->refs = (int)number(ln, 1, INT_MAX);
	l->ipv6_only = number(ln, 0, 1);
	l->dev = number_u64(ln);
	l->ino = number_u64(ln);
	if ((hex = field(ln, &len)) == NULL)
		return;
	if (len == 0 || len % 2 != 0 || len / 2 > sizeof(l->addr) || ln->p < ln->end) {
		ln->why = "a bad address";
		return;
	}
	a = (unsigned char *)&l->addr;
	for (i = 0; i < len / 2; i++) {
		if (hex_digit(hex[2 * i]) < 0 || hex_digit(hex[2 * i + 1]) < 0) {
			ln->why = "a bad address";
			return;
		}
		a[i] = (unsigned char)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
	}
	l->addrlen = (socklen_t)(len / 2);
}

static void
parse_gen(struct upgrade_state *st, struct line *ln)
{
	struct upgrade_gen *g, *grown;
	size_t i;

	if ((grown = realloc(st->gens, (st->ngens + 1) * sizeof(*grown))) == NULL) {
		ln->why = "out of memory";
		return;
	}
	st->gens = grown;
	g = memset(&grown[st->ngens++], 0, sizeof(*g));
	g->id = (unsigned)number(ln, 1, UINT_MAX);
	g->state = (int)number(ln, 0, INT_MAX);
	g->deadline = number_u64(ln);
	g->shutdown_timeout = (int)number(ln, 0, INT_MAX);
	g->nlst = (size_t)number(ln, 0, (long long)st->nlisteners);
	if (ln->why != NULL)
		return;
	if (g->nlst > 0 && (g->lst = calloc(g->nlst, sizeof(*g->lst))) == NULL) {
		ln->why = "out of memory";
		return;
	}
	/* Listeners come first, so an index names one that exists. */
	for (i = 0; i < g->nlst; i++)
		g->lst[i] = (size_t)number(ln, 0, (long long)st->nlisteners - 1);
}

static void
parse_worker(struct upgrade_state *st, struct line *ln)
{
	struct upgrade_proc *p, *grown;
	struct upgrade_gen *g;

	if (st->ngens == 0) {
		ln->why = "a worker before any generation";
		return;
	}
	g = &st->gens[st->ngens - 1];
	if ((grown = realloc(g->procs, (g->nprocs + 1) * sizeof(*grown))) == NULL) {
		ln->why = "out of memory";
		return;
	}
	g->procs = grown;
	p = &grown[g->nprocs++];
	p->pid = (pid_t)number(ln, 1, INT_MAX);
	p->channel = (int)number(ln, 0, INT_MAX);
	p->ready = number(ln, 0, 1);
	p->started = number_u64(ln);
	p->shard = (int)number(ln, -1, INT_MAX);
}

static void
parse_record(struct upgrade_state *st, const char *kind, size_t len, struct line *ln)
{
#define IS(k) (len == sizeof(k) - 1 && memcmp(kind, k, len) == 0)
	if (IS("from"))
		string(ln, st->from, sizeof(st->from));
	else if (IS("exe"))
		string(ln, st->exe, sizeof(st->exe));
	else if (IS("next-id"))
		st->next_id = (unsigned)number(ln, 0, UINT_MAX);
	else if (IS("master-shard"))
		st->master_shard = (int)number(ln, -1, INT_MAX);
	else if (IS("shared"))
		parse_shared(st, ln);
	else if (IS("listener"))
		parse_listener(st, ln);
	else if (IS("generation"))
		parse_gen(st, ln);
	else if (IS("worker"))
		parse_worker(st, ln);
#undef IS
	/* Another kind is a newer writer's, for a reader that knows it. */
	else
		ln->p = ln->end;
	if (ln->why == NULL && ln->p < ln->end)
		ln->why = "too many fields";
}

int
upgrade_state_parse(struct upgrade_state *st, const char *text, size_t len, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *nl, *kind;
	struct line ln = { 0 };
	bool ended = false;
	size_t n = 0, klen;
	long long version;

	memset(st, 0, sizeof(*st));
	st->master_shard = -1;
	for (; p < end && !ended && ln.why == NULL; p = nl + 1) {
		n++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			ln.why = "a line without its end";
			break;
		}
		ln.p = p;
		ln.end = nl;
		if ((kind = field(&ln, &klen)) == NULL)
			break;
		if (n == 1) {
			if (klen != sizeof(MAGIC) - 1 || memcmp(kind, MAGIC, klen) != 0) {
				ln.why = "not a tinyhttpd upgrade state";
			} else if ((version = number(&ln, 0, INT_MAX)) != UPGRADE_STATE_VERSION && !ln.why) {
				snprintf(err, errlen, "line 1: version %lld, this binary reads version %d",
				         version, UPGRADE_STATE_VERSION);
				upgrade_state_free(st);
				return -1;
			}
		} else if (klen == 3 && memcmp(kind, "end", 3) == 0) {
			ended = true;
		} else {
			parse_record(st, kind, klen, &ln);
		}
	}
	if (ln.why == NULL && !ended) {
		ln.why = "cut short: no end record";
		n++;
	}
	if (ln.why == NULL)
		return 0;
	snprintf(err, errlen, "line %zu: %s", n, ln.why);
	upgrade_state_free(st);
	return -1;
}

int
upgrade_state_shared(const struct upgrade_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nshared; i++)
		if (strcmp(st->shared[i].name, name) == 0)
			return st->shared[i].fd;
	return -1;
}

void
upgrade_state_free(struct upgrade_state *st)
{
	size_t i;

	for (i = 0; i < st->ngens; i++) {
		free(st->gens[i].lst);
		free(st->gens[i].procs);
	}
	free(st->gens);
	free(st->listeners);
	st->gens = NULL;
	st->listeners = NULL;
	st->ngens = st->nlisteners = 0;
}
