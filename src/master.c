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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#include "tls.h"
#include "upgrade_state.h"
#include "version.h"
#include "worker.h"

#define START_TIMEOUT_MS 10000 /* a new generation's workers must be ready within this */
#define STOP_TIMEOUT_MS  5000  /* fast stop: what is left after this is killed */
#define KILL_GRACE_MS    1000  /* past shutdown_timeout, before a draining worker is killed */
#define QUICK_DEATH_MS   1000  /* a worker dying sooner than this counts toward the back-off */
#define RESPAWN_MAX_MS   10000
#define START_FAILURES   3     /* quick deaths after which a starting generation is given up */
#define CHECK_TIMEOUT_MS 10000 /* an upgrade's new executable must have checked the config within this */
#define CHECK_OUTPUT     1024  /* bytes of what it says that go to the log */

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

/*
 * cfg is NULL in a generation adopted from the master an upgrade replaced: its workers run code that is
 * no longer on disk, so none is forked for it again; it serves until a new generation does, then drains.
 */
struct generation {
	struct generation *next;
	unsigned id;
	enum gen_state state;
	struct config *cfg;
	size_t nlst;
	struct listener **lst; /* indexed like cfg->listeners */
	int *lfds;             /* their descriptors, for the workers */
	int shutdown_timeout;
	char where[256]; /* "127.0.0.1:8080, unix:/run/x.sock", for messages */
	int access_fd;   /* -1: none; STDERR_FILENO is shared, not owned */
	int *host_slots; /* the metrics slot of each of cfg->hosts */
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
	int metrics_fd;              /* their memfd, which an upgrade passes on */
	int keys_fd;                 /* the session ticket keys' memfd, likewise; -1: none (no TLS) */
	uint64_t keys_rotate_at;     /* the next new session ticket key */
	int keys_lifetime;           /* seconds, tls.ticket_key_lifetime of the newest config */
	struct metrics_shard *shard; /* the master's own: reloads, restarts */
	char exe[PATH_MAX];          /* the executable's path; empty when unknown: no upgrade then */
	struct stat exe_st;          /* the running executable, to tell when the path holds another */
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

/* "127.0.0.1:8080, unix:/run/x.sock": g's listeners, for messages. */
static void
gen_describe(struct generation *g)
{
	size_t i, n = 0;
	int w;

	g->where[0] = '\0';
	for (i = 0; i < g->nlst; i++) {
		w = snprintf(g->where + n, sizeof(g->where) - n, "%s%s", i ? ", " : "", g->lst[i]->name);
		if (w > 0 && (size_t)w < sizeof(g->where) - n)
			n += (size_t)w;
	}
}

/* Takes cfg's listeners, binding those no generation has yet. Returns 0, or -1 (none taken) with why logged.
 */
static int
gen_get_listeners(struct generation *g, const struct config *cfg)
{
	size_t i;

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
	}
	g->nlst = cfg->nlisteners;
	gen_describe(g);
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
	gen_put_listeners(g, g->nlst);
	if (g->access_fd > STDERR_FILENO)
		close(g->access_fd);
	free(g->host_slots);
	config_free(g->cfg);
	free(g->procs);
	free(g);
}

/*
 * A generation whose last worker is gone. Said only once its listeners are closed (and unix sockets
 * unlinked): whoever reads the line may count on the ports being gone.
 */
static void
gen_end(struct generation *g)
{
	unsigned id = g->id;

	gen_free(g);
	log_info("generation %u: ended", id);
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
	g->shutdown_timeout = cfg->shutdown_timeout;
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

	for (i = 0; i < g->nlst; i++)
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
	close(m.metrics_fd);
	if (m.keys_fd != -1)
		close(m.keys_fd);
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

	for (j = 0; s != NULL && j < g->nlst; j++)
		retiring += !gen_uses(s, g->lst[j]);
	if (g->state != GEN_DRAINING) {
		g->state = GEN_DRAINING;
		g->deadline = m.now + (uint64_t)g->shutdown_timeout * 1000 + KILL_GRACE_MS;
		log_info("generation %u: draining %zu workers%s", g->id, gen_alive(g),
		         retiring ? ", listeners retiring" : "");
	}
	for (i = 0; i < g->nprocs; i++) {
		struct proc *p = &g->procs[i];
		int rc = 0;

		if (p->pid == 0)
			continue;
		/* The listeners that go away travel as themselves: the worker knows them by their socket. */
		for (j = 0; s != NULL && j < g->nlst && rc == 0; j++)
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

/* How many generations hold a reference to l. */
static int
gens_using(const struct listener *l)
{
	const struct generation *g;
	int n = 0;

	for (g = m.gens; g != NULL; g = g->next)
		n += gen_uses(g, l);
	return n;
}

static void
master_stop(bool graceful)
{
	struct generation *g, *next;
	struct listener *l;
	int timeout = 0;

	if (m.stopping && graceful)
		return;
	log_info("%s stop", graceful ? "graceful" : "fast");
	notify("STOPPING=1\nSTATUS=%s stop", graceful ? "graceful" : "fast");
	m.stopping = true;
	/*
	 * The listeners this stop closes, those held by generations alone (not one a service manager
	 * passed, which outlives the server): a connection the kernel queued after the last worker's last
	 * accept would be reset with a request sent. Refused instead, it goes to another server.
	 */
	for (l = m.listeners; l != NULL; l = l->next)
		if (graceful && l->refs == gens_using(l))
			listener_refuse_new(l);
	for (g = m.gens; g != NULL; g = next) {
		next = g->next;
		if (gen_alive(g) == 0) {
			gen_free(g);
			continue;
		}
		if (g->shutdown_timeout > timeout)
			timeout = g->shutdown_timeout;
		/*
		 * No worker is forked from now on, so the master's copies of the listeners have no use left:
		 * kept, they would keep each socket listening after its last worker stopped accepting, and
		 * what the kernel queued there meanwhile would be reset when the master exits, requests sent.
		 * Without them a listener closes as its last worker lets go of it (having taken what was
		 * queued), and later connections are refused: a load balancer takes them to another server.
		 */
		gen_put_listeners(g, g->nlst);
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

/* A new session ticket key, for lifetime seconds; the previous one still opens the tickets of the last. */
static void
master_rotate_keys(int lifetime)
{
	tls_keys_rotate();
	m.keys_lifetime = lifetime;
	m.keys_rotate_at = m.now + (uint64_t)lifetime * 1000;
}

/* Starts a generation with cfg; it serves once its workers are ready. Returns 0, or -1 with why logged. */
static int
master_start(struct config *cfg)
{
	struct generation *g, *o;
	size_t i;

	if ((g = gen_new(cfg)) == NULL)
		return -1;
	/* New certificates, a new ticket key: the previous one still resumes the sessions of the last. */
	master_rotate_keys(cfg->tls_ticket_key_lifetime);
	/* A reload that had not finished starting is superseded by this one. */
	for (o = g->next; o != NULL; o = o->next)
		if (o->state == GEN_STARTING)
			gen_drain(o, g);
	for (i = 0; i < g->nprocs; i++)
		proc_spawn(g, &g->procs[i]);
	return 0;
}

/*
 * Reads the config again and starts a generation with it. A config that fails leaves what serves, which
 * stays says to the log and, after failed, to the service manager's status.
 */
static void
master_load(const char *failed, const char *stays)
{
	struct config *cfg;
	char err[1024];

	if ((cfg = config_load(m.path, err, sizeof(err))) == NULL) {
		log_err("%s; %s", err, stays);
		notify("READY=1\nSTATUS=%s: %s; %s", failed, err, stays);
		return;
	}
	if (master_start(cfg) == -1) {
		log_err("cannot apply %s; %s", m.path, stays);
		notify("READY=1\nSTATUS=%s: cannot apply %s; %s", failed, m.path, stays);
		config_free(cfg);
		return;
	}
	metrics_count(m.shard, METRICS_RELOADS, 1);
}

/*
 * The running executable: known, the path an upgrade executed, else /proc/self/exe resolved now, while it
 * still names the file (once a package manager renames a new one over it, it reads "PATH (deleted)").
 * Its identity comes from the open file: valgrind answers an open of /proc/self/exe with the program it
 * runs, a stat with itself.
 */
static void
master_find_exe(const char *known)
{
	int fd = -1;

	if (known != NULL)
		snprintf(m.exe, sizeof(m.exe), "%s", known);
	if ((known == NULL && realpath("/proc/self/exe", m.exe) == NULL) ||
	    (fd = open("/proc/self/exe", O_PATH | O_CLOEXEC)) == -1 || fstat(fd, &m.exe_st) == -1) {
		log_warn_errno(
		        "cannot tell which executable runs; SIGHUP will only reload the configuration");
		m.exe[0] = '\0';
	}
	if (fd != -1)
		close(fd);
}

/* Whether the executable's path holds another file than the one running: a new binary to upgrade to. */
static bool
master_exe_replaced(void)
{
	struct stat st;

	if (m.exe[0] == '\0')
		return false;
	if (stat(m.exe, &st) == -1) {
		log_warn_errno("%s: cannot look for a new executable; reloading with the running code",
		               m.exe);
		return false;
	}
	return st.st_dev != m.exe_st.st_dev || st.st_ino != m.exe_st.st_ino ||
	       st.st_mtim.tv_sec != m.exe_st.st_mtim.tv_sec || st.st_mtim.tv_nsec != m.exe_st.st_mtim.tv_nsec;
}

/* A listener's place in m.listeners, which the upgrade state names it by. */
static size_t
listener_index(const struct listener *l)
{
	const struct listener *o;
	size_t i = 0;

	for (o = m.listeners; o != l; o = o->next)
		i++;
	return i;
}

/* The state's record of g, its live workers only. Returns 0, or -1 without memory. */
static int
gen_save(const struct generation *g, struct upgrade_gen *ug)
{
	size_t i;

	*ug = (struct upgrade_gen){ .id = g->id,
		                    .state = (int)g->state,
		                    .deadline = g->deadline,
		                    .shutdown_timeout = g->shutdown_timeout,
		                    .nlst = g->nlst };
	if ((ug->lst = calloc(g->nlst + 1, sizeof(*ug->lst))) == NULL ||
	    (ug->procs = calloc(g->nprocs + 1, sizeof(*ug->procs))) == NULL)
		return -1;
	for (i = 0; i < g->nlst; i++)
		ug->lst[i] = listener_index(g->lst[i]);
	for (i = 0; i < g->nprocs; i++) {
		const struct proc *p = &g->procs[i];

		if (p->pid != 0)
			ug->procs[ug->nprocs++] = (struct upgrade_proc){
				p->pid, p->channel, p->ready, p->started,
				p->shard != NULL ? metrics_shard_index(m.metrics, p->shard) : -1
			};
	}
	return 0;
}

/* Fills st with what the next master takes over. Returns 0, or -1 without memory. */
static int
master_fill_state(struct upgrade_state *st)
{
	const struct generation *g;
	const struct listener *l;
	size_t n = 0;

	snprintf(st->from, sizeof(st->from), "%s", tinyhttpd_version);
	snprintf(st->exe, sizeof(st->exe), "%s", m.exe);
	st->next_id = m.next_id;
	st->master_shard = metrics_shard_index(m.metrics, m.shard);
	st->shared[st->nshared++] = (struct upgrade_shared){ "metrics", m.metrics_fd };
	if (m.keys_fd != -1)
		st->shared[st->nshared++] = (struct upgrade_shared){ "tls_keys", m.keys_fd };
	for (l = m.listeners; l != NULL; l = l->next)
		n++;
	if ((st->listeners = calloc(n + 1, sizeof(*st->listeners))) == NULL)
		return -1;
	for (l = m.listeners; l != NULL; l = l->next)
		st->listeners[st->nlisteners++] =
		        (struct upgrade_listener){ l->fd,  l->refs,    l->ipv6_only, l->dev,
			                           l->ino, l->addrlen, l->addr };
	for (n = 0, g = m.gens; g != NULL; g = g->next)
		n++;
	if ((st->gens = calloc(n + 1, sizeof(*st->gens))) == NULL)
		return -1;
	for (g = m.gens; g != NULL; g = g->next)
		if (gen_save(g, &st->gens[st->ngens++]) == -1)
			return -1;
	return 0;
}

/* The state, as the text of a memfd whose descriptor the next master gets. Returns it, or -1 with why logged.
 */
static int
master_save_state(void)
{
	struct upgrade_state st = { 0 };
	struct buf b = { 0 };
	size_t off = 0;
	ssize_t w;
	int fd = -1;

	if (master_fill_state(&st) == -1 || upgrade_state_format(&st, &b) == -1) {
		log_err("upgrade: no memory for the state; reloading with the running code");
		goto done;
	}
	if ((fd = memfd_create("tinyhttpd-upgrade", MFD_CLOEXEC)) == -1) {
		log_errno("upgrade: cannot make the state's memfd; reloading with the running code");
		goto done;
	}
	for (; off < b.len; off += (size_t)w) {
		if ((w = write(fd, b.data + off, b.len - off)) == -1) {
			log_errno("upgrade: cannot write the state; reloading with the running code");
			close(fd);
			fd = -1;
			break;
		}
	}
done:
	upgrade_state_free(&st);
	buf_free(&b);
	return fd;
}

/* Reads what the child says on fd until it closes it or deadline, keeping the first cap - 1 bytes. */
static void
check_read(int fd, uint64_t deadline, char *out, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char discard[256];
	size_t len = 0;
	ssize_t n;
	uint64_t now;
	size_t i;

	while ((now = timer_now()) < deadline) {
		if (poll(&pfd, 1, (int)(deadline - now)) == -1 && errno != EINTR)
			break;
		if (len + 1 < cap)
			n = read(fd, out + len, cap - 1 - len);
		else
			n = read(fd, discard, sizeof(discard));
		if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN))
			break;
		if (n > 0 && len + 1 < cap)
			len += (size_t)n;
	}
	/* One log line: its lines joined. */
	while (len > 0 && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
	for (i = 0; i < len; i++)
		if (out[i] == '\n')
			out[i] = ' ';
}

/*
 * Waits for the check's child until deadline, then kills it. Returns its wait status, and *late when it
 * had to be killed.
 */
static int
check_wait(pid_t pid, uint64_t deadline, bool *late)
{
	int wstatus = 0;
	pid_t r;

	*late = false;
	while ((r = waitpid(pid, &wstatus, WNOHANG)) == 0 || (r == -1 && errno == EINTR)) {
		if (timer_now() >= deadline) {
			*late = true;
			kill(pid, SIGKILL);
			while (waitpid(pid, &wstatus, 0) == -1 && errno == EINTR)
				;
			break;
		}
		poll(NULL, 0, 10);
	}
	return wstatus;
}

/*
 * Runs the new executable with -t on the config and on the state it is to take over: a file that is not
 * a tinyhttpd, cannot run here, refuses the config or cannot read the state fails here, while the running
 * master can still carry on. Returns 0 when it passed, -1 with why logged.
 */
static int
master_check_upgrade(int state_fd)
{
	uint64_t deadline = timer_now() + CHECK_TIMEOUT_MS;
	char out[CHECK_OUTPUT], fdarg[16], why[64];
	char *argv[] = { m.exe, "-t", "-c", m.path, "-u", fdarg, NULL };
	int pipefd[2], wstatus;
	sigset_t none;
	bool late;
	pid_t pid;

	snprintf(fdarg, sizeof(fdarg), "%d", state_fd);
	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		log_errno("upgrade: pipe; reloading with the running code");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_errno("upgrade: fork; reloading with the running code");
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		/* What it says goes to the log; the signals the master keeps blocked are its own to take. */
		sigemptyset(&none);
		if (dup2(pipefd[1], STDOUT_FILENO) == -1 || dup2(pipefd[1], STDERR_FILENO) == -1 ||
		    fcntl(state_fd, F_SETFD, 0) == -1 || sigprocmask(SIG_SETMASK, &none, NULL) == -1)
			_exit(126);
		execv(m.exe, argv);
		fprintf(stderr, "cannot execute it: %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	check_read(pipefd[0], deadline, out, sizeof(out));
	close(pipefd[0]);
	wstatus = check_wait(pid, deadline, &late);
	if (!late && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	if (late)
		snprintf(why, sizeof(why), "no answer within %d s", CHECK_TIMEOUT_MS / 1000);
	else if (WIFSIGNALED(wstatus))
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(wstatus));
	log_err("upgrade: %s -t failed (%s): %s; reloading with the running code", m.exe, why, out);
	return -1;
}

/*
 * Clears close-on-exec on exactly what the next master takes over (inherit), or sets it back. Returns 0,
 * or -1 with why logged.
 */
static int
master_inherit(int state_fd, bool inherit)
{
	const struct generation *g;
	const struct listener *l;
	int flag = inherit ? 0 : FD_CLOEXEC, rc = 0;
	size_t i;

	rc |= fcntl(state_fd, F_SETFD, flag);
	rc |= fcntl(m.metrics_fd, F_SETFD, flag);
	if (m.keys_fd != -1)
		rc |= fcntl(m.keys_fd, F_SETFD, flag);
	for (l = m.listeners; l != NULL; l = l->next)
		rc |= fcntl(l->fd, F_SETFD, flag);
	for (g = m.gens; g != NULL; g = g->next)
		for (i = 0; i < g->nprocs; i++)
			if (g->procs[i].pid != 0)
				rc |= fcntl(g->procs[i].channel, F_SETFD, flag);
	if (rc != 0)
		log_errno("upgrade: fcntl F_SETFD");
	return rc != 0 ? -1 : 0;
}

/*
 * Replaces this process's code with the new executable, which takes the state over under the same PID.
 * The signals stay blocked across the exec: one that comes meanwhile waits for the new master.
 * Returns only when the exec failed, with why logged.
 */
static void
master_exec(int state_fd)
{
	char fdarg[16];
	char *argv[] = { m.exe, "-c", m.path, "-u", fdarg, NULL };
	int err;

	snprintf(fdarg, sizeof(fdarg), "%d", state_fd);
	log_info("upgrade: %s passed its check; executing it", m.exe);
	if (master_inherit(state_fd, true) == -1) {
		log_err("upgrade: cannot pass the descriptors on; reloading with the running code");
	} else {
		notify_pass_on(true);
		execv(m.exe, argv);
		err = errno;
		notify_pass_on(false);
		log_msg(LOG_LVL_ERR, err, "upgrade: cannot execute %s; reloading with the running code",
		        m.exe);
	}
	master_inherit(state_fd, false);
}

/* The executable was replaced: check the new one, then become it. Returns when that cannot be done. */
static void
master_upgrade(void)
{
	int fd;

	log_info("upgrade: %s is a new executable; checking it", m.exe);
	if ((fd = master_save_state()) == -1)
		return;
	if (master_check_upgrade(fd) == 0)
		master_exec(fd);
	close(fd);
}

/* SIGHUP: a new executable (an upgrade) or the running one, then the config read again. */
static void
master_reload(void)
{
	log_info("reloading %s", m.path);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s", (unsigned long long)m.now * 1000,
	       m.path);
	/* An upgrade that works does not come back here: the new code reloads. */
	if (master_exe_replaced())
		master_upgrade();
	master_load("reload failed", "the running configuration stays");
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
	if (p->shard != NULL)
		metrics_shard_put(m.metrics, p->shard);
	p->shard = NULL;
	if (g->state == GEN_DRAINING || m.stopping || g->cfg == NULL) {
		if (gen_alive(g) == 0)
			gen_end(g);
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
	} else if (m.keys_fd != -1) {
		if (m.now >= m.keys_rotate_at)
			master_rotate_keys(m.keys_lifetime);
		soonest = m.keys_rotate_at;
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
		if (m.stopping || g->cfg == NULL)
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

/* Serves until the last generation has ended after a stop. Returns the exit status. */
static int
master_loop(void)
{
	size_t n;
	int timeout;

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
	close(m.metrics_fd);
	if (m.keys_fd != -1)
		close(m.keys_fd);
	return m.status;
}

/* What every master does first, started or upgraded. Returns 0, or -1 with why logged. */
static int
master_init(const char *path)
{
	log_set_role("master");
	if ((m.path = strdup(path)) == NULL) {
		log_errno("strdup");
		return -1;
	}
	m.pid = getpid();
	m.now = timer_now();
	m.status = EXIT_SUCCESS;
	m.metrics_fd = -1;
	m.keys_fd = -1;
	return 0;
}

int
master_run(struct config *cfg)
{
	struct generation *g;
	size_t i;

	/* Every config carries its file name; the master keeps its own copy across generations. */
	if (master_init(cfg->file) == -1) {
		config_free(cfg);
		return EXIT_FAILURE;
	}
	/* Mapped once, before any fork, so every worker of every generation counts into the same memory. */
	if ((m.metrics = metrics_map(&m.metrics_fd)) == NULL) {
		log_errno("cannot map the metrics counters");
		free(m.path);
		config_free(cfg);
		return EXIT_FAILURE;
	}
	m.shard = metrics_shard_get(m.metrics);
	/* Likewise the session ticket keys, so a session resumes on any worker. */
	if (tls_keys_init(&m.keys_fd) == -1) {
		log_errno("cannot map the session ticket keys");
		free(m.path);
		config_free(cfg);
		return EXIT_FAILURE;
	}
	m.keys_lifetime = cfg->tls_ticket_key_lifetime;
	m.keys_rotate_at = m.now + (uint64_t)m.keys_lifetime * 1000;
	master_find_exe(NULL);
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
	return master_loop();
}

/* Reads the whole state in fd (an upgrade's, from offset 0 whoever read it before) and parses it. */
static int
master_read_state(int fd, struct upgrade_state *st, char *err, size_t errlen)
{
	struct stat sb;
	char *text;
	size_t len = 0;
	ssize_t n;
	int rc;

	if (fstat(fd, &sb) == -1 || (text = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(err, errlen, "descriptor %d: %s", fd, strerror(errno));
		return -1;
	}
	while (len < (size_t)sb.st_size &&
	       (n = pread(fd, text + len, (size_t)sb.st_size - len, (off_t)len)) > 0)
		len += (size_t)n;
	rc = upgrade_state_parse(st, text, len, err, errlen);
	free(text);
	return rc;
}

int
master_check_state(int fd, char *err, size_t errlen)
{
	struct upgrade_state st;

	if (master_read_state(fd, &st, err, errlen) == -1)
		return -1;
	upgrade_state_free(&st);
	return 0;
}

/* The counters the replaced master passed on, or a new segment when this binary's layout differs. */
static void
master_adopt_metrics(const struct upgrade_state *st, bool *same)
{
	int fd = upgrade_state_shared(st, "metrics");

	*same = fd != -1 && (m.metrics = metrics_attach(fd)) != NULL;
	if (*same) {
		m.metrics_fd = fd;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
			log_errno("metrics: fcntl");
		if ((m.shard = metrics_shard_at(m.metrics, st->master_shard)) == NULL)
			m.shard = metrics_shard_get(m.metrics);
		return;
	}
	log_warn_errno("upgrade: cannot map the metrics counters again; they start from zero");
	if (fd != -1)
		close(fd);
	if ((m.metrics = metrics_map(&m.metrics_fd)) != NULL)
		m.shard = metrics_shard_get(m.metrics);
}

/*
 * The session ticket keys the replaced master passed on, so sessions resume across the upgrade; new ones
 * when there were none (a build without TLS before) or they cannot be mapped.
 */
static int
master_adopt_keys(const struct upgrade_state *st)
{
	int fd = upgrade_state_shared(st, "tls_keys");

	/* Until a config says otherwise. */
	m.keys_lifetime = TLS_TICKET_KEY_LIFETIME;
	m.keys_rotate_at = m.now + (uint64_t)m.keys_lifetime * 1000;
	if (fd != -1 && tls_keys_attach(fd) == 0) {
		m.keys_fd = fd;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
			log_errno("tls keys: fcntl");
		return 0;
	}
	if (fd != -1) {
		log_warn_errno("upgrade: cannot map the session ticket keys again; sessions start anew");
		close(fd);
	}
	if (tls_keys_init(&m.keys_fd) == -1) {
		log_errno("cannot map the session ticket keys");
		return -1;
	}
	return 0;
}

/* A generation of the replaced master, its workers still this process's children. Appended at *tail. */
static int
gen_adopt(const struct upgrade_gen *ug, struct listener *const *lst, bool same_metrics,
          struct generation ***tail)
{
	struct generation *g;
	size_t i;

	if ((g = calloc(1, sizeof(*g))) == NULL || (g->lst = calloc(ug->nlst + 1, sizeof(*g->lst))) == NULL ||
	    (g->procs = calloc(ug->nprocs + 1, sizeof(*g->procs))) == NULL) {
		log_errno("upgrade: cannot take generation %u over", ug->id);
		if (g != NULL)
			free(g->lst);
		free(g);
		return -1;
	}
	g->id = ug->id;
	g->state = ug->state == GEN_STARTING || ug->state == GEN_ACTIVE ? (enum gen_state)ug->state
	                                                                : GEN_DRAINING;
	g->deadline = ug->deadline;
	g->shutdown_timeout = ug->shutdown_timeout;
	g->access_fd = -1;
	g->nlst = ug->nlst;
	for (i = 0; i < ug->nlst; i++)
		g->lst[i] = lst[ug->lst[i]];
	gen_describe(g);
	g->nprocs = ug->nprocs;
	for (i = 0; i < ug->nprocs; i++) {
		const struct upgrade_proc *up = &ug->procs[i];
		struct proc *p = &g->procs[i];

		p->pid = up->pid;
		p->channel = up->channel;
		p->ready = up->ready;
		p->started = up->started;
		p->shard = same_metrics ? metrics_shard_at(m.metrics, up->shard) : NULL;
		if (fcntl(p->channel, F_SETFD, FD_CLOEXEC) == -1)
			log_errno("worker %ld: fcntl", (long)p->pid);
	}
	**tail = g;
	*tail = &g->next;
	return 0;
}

/* Takes over the listeners and generations in st. Returns 0, or -1 with why logged. */
static int
master_adopt(const struct upgrade_state *st)
{
	struct generation **tail = &m.gens, *g, *next;
	struct listener **lst;
	bool same;
	size_t i;
	int rc = 0;

	master_adopt_metrics(st, &same);
	if (m.metrics == NULL) {
		log_errno("cannot map the metrics counters");
		return -1;
	}
	if (master_adopt_keys(st) == -1)
		return -1;
	if ((lst = calloc(st->nlisteners + 1, sizeof(*lst))) == NULL) {
		log_errno("upgrade: cannot take the listeners over");
		return -1;
	}
	for (i = 0; i < st->nlisteners && rc == 0; i++)
		if ((lst[i] = listener_adopt(&m.listeners, &st->listeners[i])) == NULL)
			rc = -1;
	for (i = 0; i < st->ngens && rc == 0; i++)
		rc = gen_adopt(&st->gens[i], lst, same, &tail);
	free(lst);
	m.next_id = st->next_id;
	/* One whose workers had all died waits for none: it ends now, letting go of its listeners. */
	for (g = m.gens; g != NULL; g = next) {
		next = g->next;
		if (gen_alive(g) == 0)
			gen_end(g);
	}
	return rc;
}

int
master_resume(const char *path, int state_fd)
{
	struct upgrade_state st;
	char err[1024];
	int rc;

	if (master_init(path) == -1)
		return EXIT_FAILURE;
	rc = master_read_state(state_fd, &st, err, sizeof(err));
	close(state_fd);
	if (rc == -1) {
		log_err("upgrade: the state passed on: %s; cannot take the workers over", err);
		return EXIT_FAILURE;
	}
	master_find_exe(st.exe);
	master_raise_nofile();
	notify_init();
	rc = master_setup_signals() == -1 || master_adopt(&st) == -1 ? -1 : 0;
	if (rc == 0)
		log_info("upgrading from %s to %s (%s): took over %zu listeners and %zu generations", st.from,
		         tinyhttpd_version, m.exe, st.nlisteners, st.ngens);
	upgrade_state_free(&st);
	if (rc == -1)
		return EXIT_FAILURE;
	/* Workers that died while the code changed: their SIGCHLD waits in the signalfd, reaped here anyway.
	 */
	master_reap();
	master_load("upgrade", "the workers taken over keep serving with the old code");
	return master_loop();
}
