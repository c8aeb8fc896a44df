/* SPDX-License-Identifier: ISC */
/* master.c: binds, forks and supervises workers; a config load is a generation; signals via signalfd. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "listener.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "notify.h"
#include "timer.h"
#include "worker.h"

#define START_TIMEOUT_MS 10000 /* a new generation's workers must be ready within this */
#define STOP_TIMEOUT_MS  5000  /* fast stop: what is left after this is killed */
#define KILL_GRACE_MS    1000  /* past shutdown_timeout, before a draining worker is killed */
#define QUICK_DEATH_MS   1000  /* a worker dying sooner than this counts toward the back-off */
#define RESPAWN_MAX_MS   10000
#define START_FAILURES   3 /* quick deaths after which a starting generation is given up */

enum gen_state {
	GEN_STARTING, /* workers forked, not all ready yet */
	GEN_ACTIVE,   /* the generation that serves */
	GEN_DRAINING, /* told to finish and exit */
};

struct proc {
	pid_t pid;   /* 0: the slot is empty */
	int channel; /* the master's end of the socket pair; -1 when the slot is empty */
	bool ready;
	uint64_t started;
	uint64_t respawn_at;         /* an empty slot of a live generation forks again then */
	struct metrics_shard *shard; /* where the worker counts; given back when it is reaped */
};

struct generation {
	struct generation *next;
	unsigned id;
	enum gen_state state;
	struct config *cfg;
	struct listener **lst; /* indexed like cfg->listeners */
	int *lfds;             /* their descriptors, for the workers */
	char where[256];       /* "127.0.0.1:8080, unix:/run/x.sock", for messages */
	int access_fd;         /* -1: none; STDERR_FILENO is shared, not owned */
	int *host_slots;       /* the metrics slot of each of cfg->hosts */
	struct proc *procs;
	size_t nprocs;
	unsigned failures; /* quick deaths in a row */
	size_t next_proc;  /* round robin for handed-over connections */
	uint64_t deadline; /* STARTING: give up; DRAINING: kill */
};

static struct {
	char *path;
	pid_t pid;
	struct generation *gens; /* newest first */
	struct listener *listeners;
	unsigned next_id;
	int sigfd;
	bool stopping;
	int status; /* exit status once stopped */
	uint64_t stop_deadline;
	uint64_t now;
	struct pollfd *pfds;
	size_t npfds;
	struct metrics *metrics;     /* counters shared with every worker, mapped before the first fork */
	struct metrics_shard *shard; /* the master's own: reloads, restarts */
} m;

static size_t
gen_alive(const struct generation *g)
{
	size_t i, n = 0;

	for (i = 0; i < g->nprocs; i++)
		n += g->procs[i].pid != 0;
	return n;
}

static void
gen_signal(struct generation *g, int sig)
{
	size_t i;

	for (i = 0; i < g->nprocs; i++)
		if (g->procs[i].pid != 0 && kill(g->procs[i].pid, sig) == -1 && errno != ESRCH)
			log_errno("kill %ld", (long)g->procs[i].pid);
}

/*
 * Gives back g's first n listeners (none when a stop gave them back already): the master closes each one no
 * other generation uses.
 */
static void
gen_put_listeners(struct generation *g, size_t n)
{
	size_t i;

	for (i = 0; g->lst != NULL && i < n; i++)
		listener_put(&m.listeners, g->lst[i]);
	free(g->lst);
	free(g->lfds);
	g->lst = NULL;
	g->lfds = NULL;
}

/* Takes cfg's listeners, binding those no generation has yet. Returns 0, or -1 (none taken) with why logged.
 */
static int
gen_get_listeners(struct generation *g, const struct config *cfg)
{
	size_t i, n = 0;
	int w;

	if ((g->lst = calloc(cfg->nlisteners, sizeof(*g->lst))) == NULL ||
	    (g->lfds = calloc(cfg->nlisteners, sizeof(*g->lfds))) == NULL) {
		log_errno("cannot start a generation");
		free(g->lst);
		return -1;
	}
	for (i = 0; i < cfg->nlisteners; i++) {
		if ((g->lst[i] = listener_get(&m.listeners, &cfg->listeners[i], cfg->backlog)) == NULL) {
			gen_put_listeners(g, i);
			return -1;
		}
		g->lfds[i] = g->lst[i]->fd;
		w = snprintf(g->where + n, sizeof(g->where) - n, "%s%s", i ? ", " : "", g->lst[i]->name);
		if (w > 0 && (size_t)w < sizeof(g->where) - n)
			n += (size_t)w;
	}
	return 0;
}

static void
gen_free(struct generation *g)
{
	struct generation **pp;

	for (pp = &m.gens; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	gen_put_listeners(g, g->cfg->nlisteners);
	if (g->access_fd > STDERR_FILENO)
		close(g->access_fd);
	free(g->host_slots);
	config_free(g->cfg);
	free(g->procs);
	free(g);
}

static int
open_access_log(const struct config *cfg)
{
	int fd;

	if (cfg->access_log[0] == '\0')
		return -1;
	if (strcmp(cfg->access_log, "-") == 0)
		return STDERR_FILENO;
	if ((fd = open(cfg->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) == -1)
		log_errno("cannot open the access log %s", cfg->access_log);
	return fd;
}

/* Binds what cfg asks for and opens its log. Returns NULL, having logged why, when it cannot. */
static struct generation *
gen_new(struct config *cfg)
{
	struct generation *g;
	size_t i;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->procs = calloc((size_t)cfg->workers, sizeof(*g->procs))) == NULL) {
		log_errno("cannot start a generation");
		free(g);
		return NULL;
	}
	g->nprocs = (size_t)cfg->workers;
	if ((g->host_slots = calloc(cfg->nhosts, sizeof(*g->host_slots))) == NULL) {
		log_errno("cannot start a generation");
		free(g->procs);
		free(g);
		return NULL;
	}
	/* A host keeps its slot across reloads by its first name, so its counts go on. */
	for (i = 0; i < cfg->nhosts; i++)
		g->host_slots[i] = metrics_host_slot(m.metrics, cfg->hosts[i].names[0]);
	if (gen_get_listeners(g, cfg) == -1) {
		free(g->host_slots);
		free(g->procs);
		free(g);
		return NULL;
	}
	g->access_fd = open_access_log(cfg);
	if (g->access_fd == -1 && cfg->access_log[0] != '\0') {
		gen_put_listeners(g, cfg->nlisteners);
		free(g->host_slots);
		free(g->procs);
		free(g);
		return NULL;
	}
	g->cfg = cfg;
	g->id = ++m.next_id;
	g->state = GEN_STARTING;
	g->deadline = m.now + START_TIMEOUT_MS;
	g->next = m.gens;
	m.gens = g;
	log_info("generation %u: starting %zu workers on %s", g->id, g->nprocs, g->where);
	return g;
}

static bool
gen_uses(const struct generation *g, const struct listener *l)
{
	size_t i;

	for (i = 0; i < g->cfg->nlisteners; i++)
		if (g->lst[i] == l)
			return true;
	return false;
}

/* In a new worker: keep only what this worker uses of the master's descriptors. */
static void
child_close_inherited(const struct generation *mine)
{
	const struct generation *g;
	const struct listener *l;
	size_t i;

	close(m.sigfd);
	for (l = m.listeners; l != NULL; l = l->next)
		if (!gen_uses(mine, l))
			close(l->fd);
	for (g = m.gens; g != NULL; g = g->next) {
		for (i = 0; i < g->nprocs; i++)
			if (g->procs[i].channel != -1)
				close(g->procs[i].channel);
		if (g != mine && g->access_fd > STDERR_FILENO)
			close(g->access_fd);
	}
}

static void
proc_spawn(struct generation *g, struct proc *p)
{
	struct worker_args a = { g->cfg, g->lfds, -1, g->access_fd, m.metrics, NULL, g->host_slots };
	char role[32];
	int sv[2];
	pid_t pid;

	p->respawn_at = 0;
	if (channel_pair(sv) == -1) {
		log_errno("socketpair for a worker");
		p->respawn_at = m.now + RESPAWN_MAX_MS;
		return;
	}
	a.shard = p->shard = metrics_shard_get(m.metrics);
	if ((pid = fork()) == -1) {
		log_errno("fork");
		metrics_shard_put(m.metrics, p->shard);
		p->shard = NULL;
		close(sv[0]);
		close(sv[1]);
		p->respawn_at = m.now + RESPAWN_MAX_MS;
		return;
	}
	if (pid == 0) {
		/* A worker must not outlive its master, even one killed with SIGKILL. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != m.pid)
			_exit(EXIT_FAILURE);
		close(sv[0]);
		child_close_inherited(g);
		snprintf(role, sizeof(role), "worker g%u", g->id);
		log_set_role(role);
		a.channel = sv[1];
		exit(worker_run(&a));
	}
	close(sv[1]);
	p->pid = pid;
	p->channel = sv[0];
	p->ready = false;
	p->started = m.now;
}

/*
 * Tells g's workers to finish and exit: for the serving generation s on a reload (idle connections move
 * to it, and each listener s does not use is retired: served until it is quiet), or with s NULL on a
 * graceful stop. Sent again to a generation already draining, a stop withdraws the handoff.
 */
static void
gen_drain(struct generation *g, const struct generation *s)
{
	size_t i, j, retiring = 0;

	for (j = 0; s != NULL && j < g->cfg->nlisteners; j++)
		retiring += !gen_uses(s, g->lst[j]);
	if (g->state != GEN_DRAINING) {
		g->state = GEN_DRAINING;
		g->deadline = m.now + (uint64_t)g->cfg->shutdown_timeout * 1000 + KILL_GRACE_MS;
		log_info("generation %u: draining %zu workers%s", g->id, gen_alive(g),
		         retiring ? ", listeners retiring" : "");
	}
	for (i = 0; i < g->nprocs; i++) {
		struct proc *p = &g->procs[i];
		int rc = 0;

		if (p->pid == 0)
			continue;
		/* The listeners that go away travel as themselves: the worker knows them by their socket. */
		for (j = 0; s != NULL && j < g->cfg->nlisteners && rc == 0; j++)
			if (!gen_uses(s, g->lst[j]))
				rc = channel_send(p->channel, CHANNEL_RETIRE, g->lst[j]->fd);
		/* A worker whose channel is full or gone still understands the signal. */
		if ((rc == -1 ||
		     channel_send(p->channel, s != NULL ? CHANNEL_DRAIN : CHANNEL_STOP, -1) == -1) &&
		    kill(p->pid, SIGQUIT) == -1 && errno != ESRCH)
			log_errno("kill %ld", (long)p->pid);
	}
}

static struct generation *
gen_serving(void)
{
	struct generation *g;

	for (g = m.gens; g != NULL && g->state != GEN_ACTIVE; g = g->next)
		;
	return g;
}

/*
 * An idle keep-alive connection from a draining worker: a worker of the serving generation takes it. In a
 * graceful stop any worker still there does: it answers what the client sent already, else closes it.
 */
static void
master_forward(int fd)
{
	struct generation *g = m.stopping ? NULL : gen_serving();
	size_t n;

	for (g = g ? g : m.gens; g != NULL && gen_alive(g) == 0; g = g->next)
		;
	for (n = 0; g != NULL && n < g->nprocs; n++) {
		struct proc *p = &g->procs[g->next_proc++ % g->nprocs];

		if (p->pid != 0 && p->ready && channel_send(p->channel, CHANNEL_CONN, fd) == 0) {
			close(fd);
			return;
		}
	}
	log_warn("no worker can take a handed-over connection; closing it");
	close(fd);
}

/* Every worker of g is accepting: g serves from now on, and the generations before it drain. */
static void
gen_promote(struct generation *g)
{
	struct generation *o;

	g->state = GEN_ACTIVE;
	metrics_set_generation(m.metrics, g->id);
	log_info("generation %u: serving %s with %zu workers", g->id, g->where, g->nprocs);
	notify("READY=1\nSTATUS=generation %u serving %s with %zu workers", g->id, g->where, g->nprocs);
	for (o = m.gens; o != NULL; o = o->next)
		if (o != g && o->state != GEN_DRAINING)
			gen_drain(o, g);
}

static void
master_stop(bool graceful)
{
	struct generation *g, *next;
	int timeout = 0;

	if (m.stopping && graceful)
		return;
	log_info("%s stop", graceful ? "graceful" : "fast");
	notify("STOPPING=1\nSTATUS=%s stop", graceful ? "graceful" : "fast");
	m.stopping = true;
	for (g = m.gens; g != NULL; g = next) {
		next = g->next;
		if (gen_alive(g) == 0) {
			gen_free(g);
			continue;
		}
		if (g->cfg->shutdown_timeout > timeout)
			timeout = g->cfg->shutdown_timeout;
		/*
		 * No worker is forked from now on, so the master's copies of the listeners have no use left:
		 * kept, they would keep each socket listening after its last worker stopped accepting, and
		 * what the kernel queued there meanwhile would be reset when the master exits, requests sent.
		 * Without them a listener closes as its last worker lets go of it (having taken what was
		 * queued), and later connections are refused: a load balancer takes them to another server.
		 */
		gen_put_listeners(g, g->cfg->nlisteners);
		if (graceful)
			gen_drain(g, NULL);
		else
			gen_signal(g, SIGTERM);
	}
	m.stop_deadline = m.now + (graceful ? (uint64_t)timeout * 1000 + KILL_GRACE_MS : STOP_TIMEOUT_MS);
}

/* A starting generation that cannot get ready: the one before keeps serving, if there is one. */
static void
gen_abandon(struct generation *g, const char *why)
{
	struct generation *o;

	for (o = m.gens; o != NULL; o = o->next)
		if (o != g && o->state == GEN_ACTIVE)
			break;
	if (o == NULL) {
		log_err("generation %u: %s; nothing else to serve with, stopping", g->id, why);
		m.status = EXIT_FAILURE;
		master_stop(false);
		return;
	}
	log_err("generation %u: %s; generation %u keeps serving", g->id, why, o->id);
	notify("READY=1\nSTATUS=reload failed: %s; generation %u keeps serving", why, o->id);
	gen_drain(g, o);
}

static void
master_reload(void)
{
	struct generation *g, *o;
	struct config *cfg;
	char err[1024];
	size_t i;

	log_info("reloading %s", m.path);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s", (unsigned long long)m.now * 1000,
	       m.path);
	if ((cfg = config_load(m.path, err, sizeof(err))) == NULL) {
		log_err("%s; the running configuration stays", err);
		notify("READY=1\nSTATUS=reload failed: %s; the running configuration stays", err);
		return;
	}
	if ((g = gen_new(cfg)) == NULL) {
		log_err("cannot apply %s; the running configuration stays", m.path);
		notify("READY=1\nSTATUS=reload failed: cannot apply %s; the running configuration stays",
		       m.path);
		config_free(cfg);
		return;
	}
	metrics_count(m.shard, METRICS_RELOADS, 1);
	/* A reload that had not finished starting is superseded by this one. */
	for (o = g->next; o != NULL; o = o->next)
		if (o->state == GEN_STARTING)
			gen_drain(o, g);
	for (i = 0; i < g->nprocs; i++)
		proc_spawn(g, &g->procs[i]);
}

static void proc_read_channel(struct generation *g, struct proc *p);

static struct proc *
proc_find(pid_t pid, struct generation **gp)
{
	struct generation *g;
	size_t i;

	for (g = m.gens; g != NULL; g = g->next) {
		for (i = 0; i < g->nprocs; i++) {
			if (g->procs[i].pid == pid) {
				*gp = g;
				return &g->procs[i];
			}
		}
	}
	return NULL;
}

static void
proc_died(struct generation *g, struct proc *p, int wstatus)
{
	bool clean = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	bool quick = !p->ready || m.now - p->started < QUICK_DEATH_MS;
	uint64_t delay;

	if (WIFSIGNALED(wstatus))
		log_msg(g->state == GEN_DRAINING || m.stopping ? LOG_LVL_INFO : LOG_LVL_ERR, 0,
		        "worker %ld of generation %u killed by signal %d (%s)", (long)p->pid, g->id,
		        WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		log_msg(clean && (g->state == GEN_DRAINING || m.stopping) ? LOG_LVL_INFO : LOG_LVL_ERR, 0,
		        "worker %ld of generation %u exited with status %d", (long)p->pid, g->id,
		        WEXITSTATUS(wstatus));
	/* Connections it handed over just before it exited are still in the channel: pass them on. */
	proc_read_channel(g, p);
	close(p->channel);
	p->channel = -1;
	p->pid = 0;
	p->ready = false;
	/* Its counts stay; its gauges go, unless another worker still shares the shard. */
	metrics_shard_put(m.metrics, p->shard);
	p->shard = NULL;
	if (g->state == GEN_DRAINING || m.stopping) {
		if (gen_alive(g) == 0) {
			log_info("generation %u: ended", g->id);
			gen_free(g);
		}
		return;
	}
	/* Replace it; when workers die in a loop, wait longer each time instead of forking in a storm. */
	g->failures = quick ? g->failures + 1 : 0;
	if (g->state == GEN_STARTING && g->failures >= START_FAILURES) {
		gen_abandon(g, "workers keep dying before they are ready");
		return;
	}
	metrics_count(m.shard, METRICS_RESTARTS, 1);
	delay = g->failures ? 100ull << (g->failures - 1 < 7 ? g->failures - 1 : 7) : 0;
	p->respawn_at = m.now + (delay < RESPAWN_MAX_MS ? delay : RESPAWN_MAX_MS);
	if (delay)
		log_warn("generation %u: replacing the worker in %llu ms", g->id, (unsigned long long)delay);
}

static void
master_reap(void)
{
	struct generation *g;
	struct proc *p;
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		if ((p = proc_find(pid, &g)) != NULL)
			proc_died(g, p, wstatus);
}

/* SIGUSR1, after logrotate moved the files: each generation opens its access log anew for its workers. */
static void
master_reopen_logs(void)
{
	struct generation *g;
	size_t i;
	int fd;

	for (g = m.gens; g != NULL; g = g->next) {
		if (g->access_fd <= STDERR_FILENO)
			continue;
		/* When it cannot be opened (logged), the old file stays in use. */
		if ((fd = open_access_log(g->cfg)) == -1)
			continue;
		close(g->access_fd);
		g->access_fd = fd;
		for (i = 0; i < g->nprocs; i++)
			if (g->procs[i].pid != 0 && channel_send(g->procs[i].channel, CHANNEL_LOG, fd) == -1)
				log_errno("cannot give worker %ld the reopened access log",
				          (long)g->procs[i].pid);
	}
	log_info("access logs reopened");
}

static void
master_signals(void)
{
	struct signalfd_siginfo si;

	while (read(m.sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD: master_reap(); break;
		case SIGHUP:
			if (!m.stopping)
				master_reload();
			break;
		case SIGTERM:
		case SIGINT: master_stop(false); break;
		case SIGQUIT: master_stop(true); break;
		case SIGUSR1: master_reopen_logs(); break;
		}
	}
}

static void
proc_ready(struct generation *g, struct proc *p)
{
	size_t i;

	p->ready = true;
	if (g->state != GEN_STARTING)
		return;
	for (i = 0; i < g->nprocs && g->procs[i].ready; i++)
		;
	if (i == g->nprocs)
		gen_promote(g);
}

static void
proc_read_channel(struct generation *g, struct proc *p)
{
	char msg;
	int fd;

	/* At EOF the worker is going, and SIGCHLD tells the rest. */
	while (channel_recv(p->channel, &msg, &fd) == 1) {
		if (msg == CHANNEL_CONN && fd != -1)
			master_forward(fd);
		else if (fd != -1)
			close(fd);
		else if (msg == CHANNEL_READY)
			proc_ready(g, p);
	}
}

static void
soonest_of(uint64_t *soonest, uint64_t t)
{
	if (t < *soonest)
		*soonest = t;
}

/*
 * Deadlines that passed: kill what overstayed, give up slow starts, respawn due workers.
 * Returns the poll timeout until the next deadline.
 */
static int
master_timers(void)
{
	struct generation *g;
	uint64_t soonest = UINT64_MAX;
	size_t i;

	if (m.stopping) {
		if (m.now >= m.stop_deadline) {
			log_warn("workers still running at the stop deadline; killing them");
			for (g = m.gens; g != NULL; g = g->next)
				gen_signal(g, SIGKILL);
			m.stop_deadline = m.now + STOP_TIMEOUT_MS;
		}
		soonest = m.stop_deadline;
	}
	for (g = m.gens; g != NULL; g = g->next) {
		if (g->state == GEN_DRAINING) {
			if (m.now >= g->deadline) {
				log_warn("generation %u: %zu workers still busy after shutdown_timeout; "
				         "killing them",
				         g->id, gen_alive(g));
				gen_signal(g, SIGKILL);
				g->deadline = m.now + STOP_TIMEOUT_MS;
			}
			soonest_of(&soonest, g->deadline);
			continue;
		}
		if (m.stopping)
			continue;
		if (g->state == GEN_STARTING) {
			if (m.now >= g->deadline) {
				/* This can free generations: look again on the next turn. */
				gen_abandon(g, "workers not ready in time");
				return 0;
			}
			soonest_of(&soonest, g->deadline);
		}
		for (i = 0; i < g->nprocs; i++) {
			struct proc *p = &g->procs[i];

			if (p->pid != 0)
				continue;
			if (p->respawn_at <= m.now)
				proc_spawn(g, p);
			if (p->pid == 0)
				soonest_of(&soonest, p->respawn_at);
		}
	}
	if (soonest == UINT64_MAX)
		return -1;
	return soonest <= m.now ? 0 : soonest - m.now > 60000 ? 60000 : (int)(soonest - m.now);
}

static size_t
master_pollfds(void)
{
	struct generation *g;
	size_t i, n = 1, want = 1;

	for (g = m.gens; g != NULL; g = g->next)
		want += g->nprocs;
	if (want > m.npfds) {
		struct pollfd *p = realloc(m.pfds, want * sizeof(*p));

		if (p == NULL)
			return 1; /* signals still work; readiness waits for memory */
		m.pfds = p;
		m.npfds = want;
	}
	m.pfds[0] = (struct pollfd){ .fd = m.sigfd, .events = POLLIN };
	for (g = m.gens; g != NULL; g = g->next)
		for (i = 0; i < g->nprocs; i++)
			if (g->procs[i].pid != 0)
				m.pfds[n++] = (struct pollfd){ .fd = g->procs[i].channel, .events = POLLIN };
	return n;
}

static void
master_channels(const struct pollfd *pfds, size_t n)
{
	struct generation *g;
	size_t i, j;

	for (j = 1; j < n; j++) {
		if (pfds[j].revents == 0)
			continue;
		for (g = m.gens; g != NULL; g = g->next)
			for (i = 0; i < g->nprocs; i++)
				if (g->procs[i].channel == pfds[j].fd && g->procs[i].pid != 0)
					proc_read_channel(g, &g->procs[i]);
	}
}

/*
 * Connections, and descriptors in flight between workers on a reload, count against RLIMIT_NOFILE, whose
 * usual soft limit (1024) is below max_connections: take the hard limit.
 */
static void
master_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn_errno("cannot raise the open files limit to %llu",
			               (unsigned long long)rl.rlim_max);
	}
}

/*
 * Signals wait in the signalfd until the loop reads them: none is lost, none interrupts a fork. They stay
 * blocked until the process ends: a stop signal that comes after the loop's last read, such as a second
 * SIGQUIT while the master exits, would otherwise kill it on the way out instead of letting it exit 0.
 */
static int
master_setup_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (m.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_errno("signalfd");
		return -1;
	}
	return 0;
}

int
master_run(struct config *cfg)
{
	struct generation *g;
	size_t i, n;
	int timeout;

	log_set_role("master");
	/* Every config carries its file name; the master keeps its own copy across generations. */
	if ((m.path = strdup(cfg->file)) == NULL) {
		log_errno("strdup");
		config_free(cfg);
		return EXIT_FAILURE;
	}
	m.pid = getpid();
	m.now = timer_now();
	m.status = EXIT_SUCCESS;
	/* Mapped once, before any fork, so every worker of every generation counts into the same memory. */
	if ((m.metrics = metrics_map()) == NULL) {
		log_errno("cannot map the metrics counters");
		free(m.path);
		config_free(cfg);
		return EXIT_FAILURE;
	}
	m.shard = metrics_shard_get(m.metrics);
	master_raise_nofile();
	notify_init();
	listener_adopt_activated(&m.listeners);
	if (master_setup_signals() == -1) {
		config_free(cfg);
		return EXIT_FAILURE;
	}
	if ((g = gen_new(cfg)) == NULL) {
		config_free(cfg);
		close(m.sigfd);
		return EXIT_FAILURE;
	}
	for (i = 0; i < g->nprocs; i++)
		proc_spawn(g, &g->procs[i]);

	while (!m.stopping || m.gens != NULL) {
		m.now = timer_now();
		timeout = master_timers();
		n = master_pollfds();
		if (poll(m.pfds, n, timeout) == -1 && errno != EINTR) {
			log_errno("poll");
			m.status = EXIT_FAILURE;
			master_stop(false);
			continue;
		}
		m.now = timer_now();
		if (m.pfds[0].revents)
			master_signals();
		master_channels(m.pfds, n);
	}
	log_info("stopped");
	notify_close();
	while (m.listeners != NULL)
		listener_put(&m.listeners, m.listeners);
	free(m.pfds);
	free(m.path);
	close(m.sigfd);
	metrics_unmap(m.metrics);
	return m.status;
}
