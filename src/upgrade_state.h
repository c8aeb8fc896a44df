/* SPDX-License-Identifier: ISC */
/* upgrade_state.h: what a master hands to the executable it replaces itself with, as versioned text. */
#ifndef UPGRADE_STATE_H
#define UPGRADE_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"

/* Raised only when a record changes meaning: a new kind of record is ignored by a reader that lacks it. */
#define UPGRADE_STATE_VERSION 1

#define UPGRADE_SHARED_MAX  8  /* named descriptors */
#define UPGRADE_NAME_MAX    32 /* bytes of a descriptor's name, with the NUL */
#define UPGRADE_VERSION_MAX 64 /* bytes of a version string, with the NUL */

/* A listening socket, kept open across the exec. */
struct upgrade_listener {
	int fd;
	int refs; /* generations using it, and the service manager's own reference */
	bool ipv6_only;
	uint64_t dev, ino; /* a unix socket's file, 0 when none */
	socklen_t addrlen;
	struct sockaddr_storage addr;
};

/* A worker: its channel is kept open across the exec, and it stays the master's child. */
struct upgrade_proc {
	pid_t pid;
	int channel;
	bool ready;
	uint64_t started; /* CLOCK_MONOTONIC ms, which an exec does not reset */
	int shard;        /* its shard in the metrics segment, -1 for none */
};

struct upgrade_gen {
	unsigned id;
	int state; /* the master's enum gen_state */
	uint64_t deadline;
	int shutdown_timeout;
	size_t nlst;
	size_t *lst; /* indexes into listeners */
	size_t nprocs;
	struct upgrade_proc *procs; /* live workers only */
};

/*
 * Memory or keys shared with the workers, passed as a descriptor under a name ("metrics"): one more
 * kind of shared state is one more name, without a change to the format.
 */
struct upgrade_shared {
	char name[UPGRADE_NAME_MAX];
	int fd;
};

struct upgrade_state {
	char from[UPGRADE_VERSION_MAX]; /* the version that wrote it */
	char exe[PATH_MAX];             /* the executable's path, which later upgrades look at */
	unsigned next_id;               /* of the next generation */
	int master_shard;               /* the master's own shard in the metrics segment */
	size_t nshared;
	struct upgrade_shared shared[UPGRADE_SHARED_MAX];
	size_t nlisteners;
	struct upgrade_listener *listeners;
	size_t ngens;
	struct upgrade_gen *gens; /* newest first */
};

/* Appends st as text to b. Returns 0, or -1 without memory or when a string has no room in a reader. */
int upgrade_state_format(const struct upgrade_state *st, struct buf *b);

/*
 * Fills st, zeroed first, from text (len bytes, whole: it must end with the end record). Returns 0, or
 * -1 with "line N: why" in err; st is freed then. Descriptors are numbers only: nothing is opened.
 */
int upgrade_state_parse(struct upgrade_state *st, const char *text, size_t len, char *err, size_t errlen);

/* The descriptor passed under name, or -1. */
int upgrade_state_shared(const struct upgrade_state *st, const char *name);

/* Frees what upgrade_state_parse() allocated, or what a writer put in listeners and gens with malloc. */
void upgrade_state_free(struct upgrade_state *st);

#endif
