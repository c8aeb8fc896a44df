/* SPDX-License-Identifier: ISC */
/* metrics.h: counters every process shares through one mapping, and their Prometheus text exposition. */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

#include "buf.h"

#define METRICS_HOSTS    64            /* host slots with a name; more hosts count under METRICS_OTHER */
#define METRICS_OTHER    METRICS_HOSTS /* the slot of hosts without one, and of requests without a host */
#define METRICS_HOST_MAX 253           /* bytes of a host name, as in DNS */
#define METRICS_SHARDS   128           /* workers alive at once beyond this share shards */

/* Added to and subtracted from by workers: what is open now. */
enum metrics_gauge {
	METRICS_OPEN, /* connections open */
	METRICS_IDLE, /* keep-alive connections waiting for a request */
	METRICS_NGAUGES
};

enum metrics_counter {
	METRICS_ACCEPTS,  /* connections accepted */
	METRICS_HANDOFFS, /* idle connections a draining worker handed over */
	METRICS_RELOADS,  /* reloads that started a new generation (the master's) */
	METRICS_RESTARTS, /* workers replaced after they died (the master's) */
	METRICS_NCOUNTERS
};

/*
 * The shared segment: host names, the serving generation, and the shards. It holds no pointers, so it
 * means the same in every process that inherited it.
 */
struct metrics;

/*
 * The counters one worker (or, past METRICS_SHARDS, a few) adds to, so workers on different CPUs do not
 * fight over cache lines. A shard is never cleared: a replaced worker's counts stay in the sum, and the
 * worker that takes the shard over adds to them.
 */
struct metrics_shard;

/*
 * The master, once, before the first fork: a zeroed segment in a memfd, so that the master that replaces
 * it on an upgrade can map the same memory again (metrics_attach). The descriptor, close-on-exec, goes to
 * *fd, or is closed when fd is NULL. Returns NULL with errno set on failure.
 */
struct metrics *metrics_map(int *fd);

/*
 * The segment in fd, made by metrics_map() in a binary whose segment has the same layout. Returns NULL
 * with errno set when it cannot be mapped, EPROTO when the layout differs.
 */
struct metrics *metrics_attach(int fd);

void metrics_unmap(struct metrics *m);

/*
 * The master, at each config load, for each host's first name: its slot. A name seen before (case
 * ignored) keeps its slot, so its counts continue across reloads; slots are never reused. When all are
 * taken, or the name is longer than METRICS_HOST_MAX, the answer is METRICS_OTHER.
 */
int metrics_host_slot(struct metrics *m, const char *name);

/*
 * The master, before forking a worker: the shard it will count in, a free one when there is one, else the
 * least shared. The master may keep one for its own counts (reloads, restarts) and never put it back.
 */
struct metrics_shard *metrics_shard_get(struct metrics *m);

/*
 * The master, once the worker that counted in s was reaped. When s has no other worker, its gauges go back
 * to zero: whatever the dead worker had open, the kernel closed.
 */
void metrics_shard_put(struct metrics *m, struct metrics_shard *s);

/* A shard's place in the segment, and the shard at a place (NULL when out of range): for an upgrade. */
int metrics_shard_index(const struct metrics *m, const struct metrics_shard *s);
struct metrics_shard *metrics_shard_at(struct metrics *m, int i);

/*
 * One answered request: status 100 to 599 (another is not counted), the body bytes sent, the time taken.
 * A host_slot that metrics_host_slot() did not give counts under METRICS_OTHER.
 */
void metrics_request(struct metrics_shard *s, int host_slot, int status, uint64_t bytes,
                     uint64_t duration_us);

void metrics_gauge_add(struct metrics_shard *s, enum metrics_gauge g, int64_t delta);

void metrics_count(struct metrics_shard *s, enum metrics_counter c, uint64_t n);

/* The master, when a generation starts serving. */
void metrics_set_generation(struct metrics *m, uint64_t gen);

/*
 * Appends the Prometheus text exposition format (version 0.0.4) of m to b: every shard summed, each value
 * read once, so a histogram's buckets only grow with le and its count is its +Inf bucket. Workers go on
 * counting meanwhile: the snapshot is not of one instant. Returns TH_OK, or TH_ERROR without memory.
 */
int metrics_format(const struct metrics *m, struct buf *b);

#endif
