/* SPDX-License-Identifier: ISC */
/* metrics.c: the shared counter segment, its shards and host slots, and the Prometheus text format. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "metrics.h"
#include "shm.h"
#include "status.h"
#include "version.h"

/* Raised whenever struct metrics or struct metrics_shard changes: an upgrade then starts a new segment. */
#define LAYOUT 1

#define CLASSES 5 /* status classes 1xx to 5xx */
#define BUCKETS 9 /* of the request duration histogram, the last +Inf */

/* The histogram's upper bounds, inclusive: in microseconds to count, in seconds to show. */
static const struct {
	uint64_t us;
	const char *le;
} buckets[BUCKETS - 1] = {
	{ 1000, "0.001" }, { 5000, "0.005" }, { 10000, "0.01" }, { 50000, "0.05" },
	{ 100000, "0.1" }, { 500000, "0.5" }, { 1000000, "1" },  { 5000000, "5" },
};

/* What no host name can be, so the shared slot cannot be taken for a host's own. */
#define OTHER_NAME "(other)"

/* Updated with relaxed atomics: they order nothing, they only must not lose or tear an update. */
struct metrics_shard {
	uint64_t requests[METRICS_HOSTS + 1][CLASSES];
	uint64_t sent[METRICS_HOSTS + 1]; /* body bytes */
	uint64_t duration[BUCKETS];       /* requests per bucket, not cumulative: one add per request */
	uint64_t duration_us;             /* their sum */
	uint64_t counters[METRICS_NCOUNTERS];
	int64_t gauges[METRICS_NGAUGES];
} __attribute__((aligned(64))); /* no cache line shared with another worker's shard */

struct metrics {
	uint32_t layout; /* LAYOUT, written once by metrics_map() */
	uint64_t generation;
	uint32_t nhosts;  /* hosts[0 .. nhosts) are named; stored with release after the name is written */
	uint32_t nshards; /* shards[0 .. nshards) were ever given out: what formatting sums */
	uint32_t users[METRICS_SHARDS]; /* the master's alone: the live workers counting in each shard */
	char hosts[METRICS_HOSTS][METRICS_HOST_MAX + 1];
	struct metrics_shard shards[METRICS_SHARDS];
};

struct metrics *
metrics_map(int *fd)
{
	struct metrics *m;
	int mfd;

	if ((m = shm_new("tinyhttpd-metrics", sizeof(*m), &mfd)) == NULL)
		return NULL;
	m->layout = LAYOUT;
	if (fd != NULL)
		*fd = mfd;
	else
		close(mfd);
	return m;
}

struct metrics *
metrics_attach(int fd)
{
	struct metrics *m;

	if ((m = shm_attach(fd, sizeof(*m))) == NULL)
		return NULL;
	if (m->layout != LAYOUT) {
		munmap(m, sizeof(*m));
		errno = EPROTO;
		return NULL;
	}
	return m;
}

void
metrics_unmap(struct metrics *m)
{
	munmap(m, sizeof(*m));
}

int
metrics_host_slot(struct metrics *m, const char *name)
{
	size_t len = strlen(name);
	uint32_t i;

	for (i = 0; i < m->nhosts; i++)
		if (strcasecmp(m->hosts[i], name) == 0)
			return (int)i;
	if (i == METRICS_HOSTS || len > METRICS_HOST_MAX)
		return METRICS_OTHER;
	memcpy(m->hosts[i], name, len + 1);
	/* A worker formatting now sees the slot only once its name is whole. */
	__atomic_store_n(&m->nhosts, i + 1, __ATOMIC_RELEASE);
	return (int)i;
}

struct metrics_shard *
metrics_shard_get(struct metrics *m)
{
	size_t i, best = 0;

	for (i = 1; i < METRICS_SHARDS && m->users[best] != 0; i++)
		if (m->users[i] < m->users[best])
			best = i;
	m->users[best]++;
	if (best >= m->nshards)
		__atomic_store_n(&m->nshards, (uint32_t)best + 1, __ATOMIC_RELAXED);
	return &m->shards[best];
}

void
metrics_shard_put(struct metrics *m, struct metrics_shard *s)
{
	size_t i = (size_t)(s - m->shards);
	size_t g;

	if (--m->users[i] != 0)
		return;
	for (g = 0; g < METRICS_NGAUGES; g++)
		__atomic_store_n(&s->gauges[g], 0, __ATOMIC_RELAXED);
}

int
metrics_shard_index(const struct metrics *m, const struct metrics_shard *s)
{
	return (int)(s - m->shards);
}

struct metrics_shard *
metrics_shard_at(struct metrics *m, int i)
{
	return i >= 0 && i < METRICS_SHARDS ? &m->shards[i] : NULL;
}

static void
add(uint64_t *v, uint64_t n)
{
	__atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

void
metrics_request(struct metrics_shard *s, int host_slot, int status, uint64_t bytes, uint64_t duration_us)
{
	size_t h = host_slot >= 0 && host_slot < METRICS_OTHER ? (size_t)host_slot : METRICS_OTHER;
	size_t b;

	if (status < 100 || status > 599)
		return;
	for (b = 0; b < BUCKETS - 1 && duration_us > buckets[b].us; b++)
		;
	add(&s->requests[h][status / 100 - 1], 1);
	add(&s->sent[h], bytes);
	add(&s->duration[b], 1);
	add(&s->duration_us, duration_us);
}

void
metrics_gauge_add(struct metrics_shard *s, enum metrics_gauge g, int64_t delta)
{
	__atomic_fetch_add(&s->gauges[g], delta, __ATOMIC_RELAXED);
}

void
metrics_count(struct metrics_shard *s, enum metrics_counter c, uint64_t n)
{
	add(&s->counters[c], n);
}

void
metrics_set_generation(struct metrics *m, uint64_t gen)
{
	__atomic_store_n(&m->generation, gen, __ATOMIC_RELAXED);
}

static void
sum(uint64_t *to, const uint64_t *from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		to[i] += __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

/* Every shard's counts added up into t, a shard that belongs to no process. */
static void
metrics_total(const struct metrics *m, struct metrics_shard *t)
{
	const struct metrics_shard *s;
	uint32_t i, n = __atomic_load_n(&m->nshards, __ATOMIC_RELAXED);
	size_t g;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		s = &m->shards[i];
		sum(&t->requests[0][0], &s->requests[0][0], sizeof(s->requests) / sizeof(uint64_t));
		sum(t->sent, s->sent, METRICS_HOSTS + 1);
		sum(t->duration, s->duration, BUCKETS);
		sum(&t->duration_us, &s->duration_us, 1);
		sum(t->counters, s->counters, METRICS_NCOUNTERS);
		for (g = 0; g < METRICS_NGAUGES; g++)
			t->gauges[g] += __atomic_load_n(&s->gauges[g], __ATOMIC_RELAXED);
	}
}

static const struct {
	const char *name;
	const char *help;
} gauge_families[METRICS_NGAUGES] = {
	[METRICS_OPEN] = { "connections_open", "Connections open." },
	[METRICS_IDLE] = { "connections_idle", "Keep-alive connections waiting for their next request." },
};

static const struct {
	const char *name;
	const char *help;
} counter_families[METRICS_NCOUNTERS] = {
	[METRICS_ACCEPTS] = { "connections_accepted_total", "Connections accepted." },
	[METRICS_HANDOFFS] = { "connections_handed_over_total",
	                       "Idle connections a draining worker handed over to a serving one." },
	[METRICS_RELOADS] = { "reloads_total",
	                      "Configuration reloads that started a new generation of workers." },
	[METRICS_RESTARTS] = { "worker_restarts_total", "Workers replaced after they died." },
};

static int
family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP tinyhttpd_%s %s\n# TYPE tinyhttpd_%s %s\n", name, help, name, type);
}

/* v as a label value: backslash, double quote and newline escaped, as the format asks. */
static int
label_value(struct buf *b, const char *v)
{
	const char *run = v, *esc;

	for (; *v != '\0'; v++) {
		esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
		if (esc == NULL)
			continue;
		if (buf_append(b, run, (size_t)(v - run)) == -1 || buf_append(b, esc, 2) == -1)
			return -1;
		run = v + 1;
	}
	return buf_append(b, run, (size_t)(v - run));
}

/* `tinyhttpd_NAME{host="HOST"`, the start of a sample of a per-host family; the caller ends it. */
static int
host_sample(struct buf *b, const char *name, const char *host)
{
	if (buf_printf(b, "tinyhttpd_%s{host=\"", name) == -1 || label_value(b, host) == -1)
		return -1;
	return buf_append(b, "\"", 1);
}

/* The i-th host to show, i from 0 to n (the named slots): its slot, the shared one last; *name its name. */
static size_t
host_at(const struct metrics *m, uint32_t n, size_t i, const char **name)
{
	*name = i < n ? m->hosts[i] : OTHER_NAME;
	return i < n ? i : METRICS_OTHER;
}

static int
format_requests(const struct metrics *m, uint32_t n, const struct metrics_shard *t, struct buf *b)
{
	const char *host;
	size_t i, h, c;

	if (family(b, "requests_total", "counter", "Requests answered, by host and status class.") == -1)
		return -1;
	for (i = 0; i <= n; i++) {
		h = host_at(m, n, i, &host);
		for (c = 0; c < CLASSES; c++)
			if (host_sample(b, "requests_total", host) == -1 ||
			    buf_printf(b, ",status=\"%zuxx\"} %" PRIu64 "\n", c + 1, t->requests[h][c]) == -1)
				return -1;
	}
	return 0;
}

static int
format_sent(const struct metrics *m, uint32_t n, const struct metrics_shard *t, struct buf *b)
{
	const char *host;
	size_t i, h;

	if (family(b, "sent_bytes_total", "counter", "Response body bytes sent, by host.") == -1)
		return -1;
	for (i = 0; i <= n; i++) {
		h = host_at(m, n, i, &host);
		if (host_sample(b, "sent_bytes_total", host) == -1 ||
		    buf_printf(b, "} %" PRIu64 "\n", t->sent[h]) == -1)
			return -1;
	}
	return 0;
}

static int
format_duration(const struct metrics_shard *t, struct buf *b)
{
	uint64_t below = 0;
	size_t i;

	if (family(b, "request_duration_seconds", "histogram", "Time taken to answer requests.") == -1)
		return -1;
	for (i = 0; i < BUCKETS; i++) {
		below += t->duration[i];
		if (buf_printf(b, "tinyhttpd_request_duration_seconds_bucket{le=\"%s\"} %" PRIu64 "\n",
		               i < BUCKETS - 1 ? buckets[i].le : "+Inf", below) == -1)
			return -1;
	}
	return buf_printf(b,
	                  "tinyhttpd_request_duration_seconds_sum %" PRIu64 ".%06" PRIu64 "\n"
	                  "tinyhttpd_request_duration_seconds_count %" PRIu64 "\n",
	                  t->duration_us / 1000000, t->duration_us % 1000000, below);
}

static int
format_scalars(const struct metrics *m, const struct metrics_shard *t, struct buf *b)
{
	size_t i;

	for (i = 0; i < METRICS_NGAUGES; i++)
		if (family(b, gauge_families[i].name, "gauge", gauge_families[i].help) == -1 ||
		    buf_printf(b, "tinyhttpd_%s %" PRId64 "\n", gauge_families[i].name, t->gauges[i]) == -1)
			return -1;
	for (i = 0; i < METRICS_NCOUNTERS; i++)
		if (family(b, counter_families[i].name, "counter", counter_families[i].help) == -1 ||
		    buf_printf(b, "tinyhttpd_%s %" PRIu64 "\n", counter_families[i].name, t->counters[i]) ==
		            -1)
			return -1;
	if (family(b, "generation", "gauge", "The configuration generation serving requests.") == -1 ||
	    buf_printf(b, "tinyhttpd_generation %" PRIu64 "\n",
	               __atomic_load_n(&m->generation, __ATOMIC_RELAXED)) == -1)
		return -1;
	/* The formatting worker's version: after an upgrade, the new generation's answers say the new one. */
	if (family(b, "build_info", "gauge", "The version serving, as a label; always 1.") == -1 ||
	    buf_printf(b, "tinyhttpd_build_info{version=\"") == -1 || label_value(b, tinyhttpd_version) == -1)
		return -1;
	return buf_printf(b, "\"} 1\n");
}

int
metrics_format(const struct metrics *m, struct buf *b)
{
	uint32_t n = __atomic_load_n(&m->nhosts, __ATOMIC_ACQUIRE);
	struct metrics_shard t;

	metrics_total(m, &t);
	if (format_requests(m, n, &t, b) == -1 || format_sent(m, n, &t, b) == -1 ||
	    format_duration(&t, b) == -1 || format_scalars(m, &t, b) == -1)
		return TH_ERROR;
	return TH_OK;
}
