/* SPDX-License-Identifier: ISC */
/* worker.c: a worker's event loop: accept on the shared listener, run connections, timers, drain. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access_format.h"
#include "access_log.h"
#include "channel.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"
#include "loop.h"
#include "response.h"
#include "tls.h"
#include "worker.h"

#define MAX_EVENTS      256
#define ACCEPT_BATCH    64    /* accepts per wake-up, so connections already open are not starved */
#define ACCEPT_PAUSE_MS 100   /* back-off when the process or system is out of file descriptors */
#define ACCESS_FLUSH    16384 /* bytes of access log lines that go to the writer at once, */
#define ACCESS_FLUSH_MS 200   /* or after this long */
#define ACCESS_STOP_MS  2000  /* how long an exiting worker waits for the disk */
#define ACCESS_KEEP     65536 /* a larger line buffer, grown by huge escaped headers, is given back */
#define RETIRE_QUIET_MS 1000  /* a retiring listener closes once no connection came for this long */
#define POOL_KEEP       64    /* idle connection buffers a worker keeps for reuse */
#define SCRATCH_KEEP    65536 /* a larger scratch buffer is given back after the loop turn */

/* One of the shared listening sockets, indexed like cfg->listeners. */
struct wlistener {
	int fd;         /* -1 once draining let it go */
	bool accepting; /* fd is in the epoll set */
	bool retiring;  /* the new generation does not serve it: taken while draining, until it is quiet */
};

struct worker {
	const struct config *cfg;
	struct loop loop;
	struct conn_ctx ctx; /* what its connections share */
	struct wlistener *lst;
	size_t nlst;
	size_t nopen; /* listeners not closed yet */
	int sigfd;
	int channel;               /* to the master: "ready" goes out on it */
	bool accept_paused;        /* out of descriptors: accepting resumes on accept_timer */
	bool handoff;              /* draining for a reload: idle connections go to the new generation */
	bool stopping;             /* leave the loop now */
	size_t handed_off;         /* connections given to the new generation */
	struct timer accept_timer; /* the end of an EMFILE pause */
	struct timer retire_timer; /* retiring listeners close when no connection came for a while */
	struct timer drain_timer;  /* shutdown_timeout: a drain ends here whatever is still open */
	struct timer flush_timer;  /* access log lines go to the writer by then */
	struct timer files_timer;  /* the file cache's next expiry */

	time_t date_sec;
	char date[RESPONSE_DATE_LEN + 1];
	char log_time[ACCESS_TIME_LEN]; /* this second in the access log's format */
	struct access_log *access_log;  /* NULL: none */
};

/* epoll user data for the fds that are neither connections nor listeners. */
static char tag_signal, tag_channel;

static void
worker_clock(struct worker *w)
{
	time_t t = time(NULL);

	if (t == w->date_sec)
		return;
	/* Formatting a date is costly next to a request: once a second is enough. */
	w->date_sec = t;
	response_date(t, w->date);
	access_format_time(w->cfg->access_log_format, t, w->log_time);
}

static void
worker_arm(struct worker *w, struct timer *t, uint64_t deadline)
{
	/* The only failure is memory for the heap; a timer that cannot be armed fires late, not never. */
	if (loop_timer_set(&w->loop, t, deadline) == -1)
		log_errno("cannot arm a worker timer");
}

static void
worker_listen(struct worker *w, struct wlistener *l, bool on)
{
	/* EPOLLEXCLUSIVE: one worker wakes per new connection, not the whole pool. */
	if (l->fd == -1 || l->accepting == on)
		return;
	if (loop_ctl(&w->loop, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, l->fd, EPOLLIN | EPOLLEXCLUSIVE, l) ==
	    -1) {
		log_errno("epoll_ctl on a listener");
		return;
	}
	l->accepting = on;
}

/* A retiring listener is still served while draining; a kept one belongs to the new generation. */
static bool
worker_may_accept(const struct worker *w, const struct wlistener *l)
{
	return l->fd != -1 && !w->stopping && !w->accept_paused &&
	       w->ctx.nconns < (size_t)w->cfg->max_connections && (!w->ctx.draining || l->retiring);
}

/* Sends the idle connection c to the master for the new generation; one that cannot go stays here. */
static void
worker_handoff(struct worker *w, struct conn *c)
{
	if (c->stay || !conn_can_move(c))
		return;
	if (channel_send(w->channel, CHANNEL_CONN, c->fd) == -1) {
		/* It stays here; its next answer says Connection: close. */
		log_warn_errno("cannot hand a connection to the new generation");
		c->stay = true;
		return;
	}
	w->handed_off++;
	metrics_count(w->ctx.shard, METRICS_HANDOFFS, 1);
	conn_handed_over(c);
}

static void
worker_access_flush(struct worker *w)
{
	loop_timer_cancel(&w->loop, &w->flush_timer);
	if (w->ctx.access.len == 0)
		return;
	access_log_write(w->access_log, w->ctx.access.data, w->ctx.access.len);
	w->ctx.access.len = 0;
	if (w->ctx.access.cap > ACCESS_KEEP)
		buf_free(&w->ctx.access);
}

static void
worker_on_flush(struct timer *t)
{
	worker_access_flush(container_of(t, struct worker, flush_timer));
}

/* The master reopened the access log (SIGUSR1): the lines from now on go to fd. */
static void
worker_access_reopen(struct worker *w, int fd)
{
	if (w->access_log == NULL) {
		close(fd);
		return;
	}
	worker_access_flush(w);
	access_log_reopen(w->access_log, fd);
}

/* Takes up to ACCEPT_BATCH connections from l. Returns true when it took that many: more may wait. */
static bool
worker_accept(struct worker *w, struct wlistener *l)
{
	struct sockaddr_storage ss;
	struct conn *c;
	socklen_t len;
	int fd, i;

	/* The listener may have closed earlier in this batch of events. */
	for (i = 0; i < ACCEPT_BATCH && l->fd != -1; i++) {
		if (w->ctx.nconns >= (size_t)w->cfg->max_connections) {
			worker_listen(w, l, false);
			return false;
		}
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
			case EINTR:
			case ECONNABORTED: return false;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Retrying at once would spin: pause accepting while connections close. */
				log_warn_errno("accept: pausing for %d ms", ACCEPT_PAUSE_MS);
				file_cache_clear(&w->ctx.files);
				worker_listen(w, l, false);
				w->accept_paused = true;
				worker_arm(w, &w->accept_timer, w->loop.now + ACCEPT_PAUSE_MS);
				return false;
			default: log_errno("accept"); return false;
			}
		}
		metrics_count(w->ctx.shard, METRICS_ACCEPTS, 1);
		if (l->retiring)
			worker_arm(w, &w->retire_timer, w->loop.now + RETIRE_QUIET_MS);
		/* Read first: what already arrived is a request in flight, answered here even when draining.
		 */
		if ((c = conn_new(&w->ctx, fd, (struct sockaddr *)&ss, (size_t)(l - w->lst))) == NULL)
			continue;
		if (w->cfg->listeners[c->listener].tls &&
		    (c->tp = tls_transport_new(w->cfg, handlers_names(w->ctx.handlers, c->listener))) ==
		            NULL) {
			log_warn_errno("cannot take a TLS connection");
			c->tp = &transport_tcp;
			conn_close(c);
			continue;
		}
		conn_start(c, false);
	}
	return i == ACCEPT_BATCH;
}

static void
worker_on_accept_resume(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, accept_timer);

	w->accept_paused = false;
}

static void
worker_close_listener(struct worker *w, struct wlistener *l)
{
	if (l->fd == -1)
		return;
	worker_listen(w, l, false);
	close(l->fd);
	l->fd = -1;
	w->nopen--;
}

/* The retiring listeners had no connection for RETIRE_QUIET_MS: nobody sends to them any more. */
static void
worker_on_retire(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, retire_timer);
	size_t i;

	for (i = 0; i < w->nlst; i++)
		worker_close_listener(w, &w->lst[i]);
}

/* The master says the listener whose socket fd also is goes away with this generation. */
static void
worker_retire(struct worker *w, int fd)
{
	struct stat st, mine;
	size_t i;

	if (fstat(fd, &st) == 0)
		for (i = 0; i < w->nlst; i++)
			if (w->lst[i].fd != -1 && fstat(w->lst[i].fd, &mine) == 0 &&
			    mine.st_ino == st.st_ino && mine.st_dev == st.st_dev)
				w->lst[i].retiring = true;
	close(fd);
}

static void
worker_on_drain_deadline(struct timer *t)
{
	container_of(t, struct worker, drain_timer)->stopping = true;
}

/*
 * Finish in-flight requests and take no new work. On a reload (handoff) idle connections move to the new
 * generation; on a stop they close at once (worker_after_batch), and an answer in flight says Connection:
 * close. What is queued on the listeners is taken first; a retiring listener keeps being served until it
 * is quiet.
 */
static void
worker_drain(struct worker *w, char how)
{
	size_t i, retiring = 0;

	if (w->ctx.draining) {
		/* A stop that follows a reload: nobody is left to hand connections to. */
		if (how == CHANNEL_STOP) {
			w->handoff = false;
			w->ctx.keepalive = false;
		}
		return;
	}
	w->ctx.draining = true;
	w->handoff = how != CHANNEL_STOP;
	/* A draining worker keeps a connection alive only when it can hand it over afterwards. */
	w->ctx.keepalive = w->handoff;
	worker_arm(w, &w->drain_timer, w->loop.now + (uint64_t)w->cfg->shutdown_timeout * 1000);
	w->accept_paused = false;
	loop_timer_cancel(&w->loop, &w->accept_timer);
	for (i = 0; i < w->nlst; i++) {
		struct wlistener *l = &w->lst[i];

		/* On a stop the listeners go too, but nobody is served better by accepting longer. */
		l->retiring = l->retiring && w->handoff;
		retiring += l->retiring;
		/* Everything queued: what is left when the listener closes would be reset. */
		while (worker_accept(w, l))
			;
		if (!l->retiring)
			worker_close_listener(w, l);
	}
	log_info("draining %zu connections%s%s", w->ctx.nconns, w->handoff ? ", handing idle ones over" : "",
	         retiring ? "; listeners retiring" : "");
	if (retiring)
		worker_arm(w, &w->retire_timer, w->loop.now + RETIRE_QUIET_MS);
}

/* Whether a TCP listener bound to l takes connections to the local address a: same port, same or any address.
 */
static bool
sockaddr_serves(const struct sockaddr_storage *l, const struct sockaddr_storage *a)
{
	if (l->ss_family == AF_INET) {
		const struct sockaddr_in *ls = (const void *)l, *as = (const void *)a;

		return ls->sin_port == as->sin_port && (ls->sin_addr.s_addr == htonl(INADDR_ANY) ||
		                                        ls->sin_addr.s_addr == as->sin_addr.s_addr);
	} else {
		const struct sockaddr_in6 *ls = (const void *)l, *as = (const void *)a;

		return ls->sin6_port == as->sin6_port && (IN6_IS_ADDR_UNSPECIFIED(&ls->sin6_addr) ||
		                                          IN6_ARE_ADDR_EQUAL(&ls->sin6_addr, &as->sin6_addr));
	}
}

/*
 * The listener a handed-over connection came in on, found by its local address: the older generation's
 * listeners are numbered by its own config. One this generation does not serve (it was retired) counts as
 * the first.
 */
static size_t
worker_listener_of(const struct worker *w, int fd)
{
	struct sockaddr_storage local, ls;
	socklen_t len = sizeof(local), llen;
	size_t i;

	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		return 0;
	for (i = 0; i < w->nlst; i++) {
		llen = sizeof(ls);
		if (w->lst[i].fd == -1 || getsockname(w->lst[i].fd, (struct sockaddr *)&ls, &llen) == -1 ||
		    ls.ss_family != local.ss_family)
			continue;
		if (local.ss_family == AF_UNIX ? llen == len && memcmp(&ls, &local, len) == 0
		                               : sockaddr_serves(&ls, &local))
			return i;
	}
	return 0;
}

/* A connection handed over from a worker of an older generation, between two of its requests. */
static void
worker_adopt(struct worker *w, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct conn *c;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		/* The peer left while the connection was in flight: nothing to serve. */
		close(fd);
		return;
	}
	if ((c = conn_new(&w->ctx, fd, (struct sockaddr *)&ss, worker_listener_of(w, fd))) == NULL)
		return;
	c->shared = true;
	conn_start(c, true);
}

static void
worker_channel(struct worker *w)
{
	char msg;
	int fd, r;

	while ((r = channel_recv(w->channel, &msg, &fd)) == 1) {
		if (msg == CHANNEL_CONN && fd != -1)
			worker_adopt(w, fd);
		else if (msg == CHANNEL_LOG && fd != -1)
			worker_access_reopen(w, fd);
		else if (msg == CHANNEL_RETIRE && fd != -1)
			worker_retire(w, fd);
		else if (fd != -1)
			close(fd);
		else if (msg == CHANNEL_DRAIN || msg == CHANNEL_STOP)
			worker_drain(w, msg);
	}
	/* The master is gone: nobody would replace this worker or forward a reload. */
	if (r == -1)
		w->stopping = true;
}

static void
worker_signal(struct worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGQUIT: worker_drain(w, CHANNEL_STOP); break;
		case SIGTERM:
		case SIGINT: w->stopping = true; break;
		}
	}
}

static void
worker_on_files_expire(struct timer *t)
{
	struct worker *w = container_of(t, struct worker, files_timer);

	file_cache_expire(&w->ctx.files, w->loop.now);
}

/*
 * What the connections' work of this turn asks of the worker: free the closed, hand idle ones over (or
 * close them on a stop), take the listener back in or out, send log lines on, time the file cache.
 */
static void
worker_after_batch(struct worker *w)
{
	struct conn *c, *next;
	uint64_t files_next;
	size_t i;

	conn_ctx_sweep(&w->ctx);
	if (w->ctx.draining) {
		for (c = w->ctx.conns; c != NULL; c = next) {
			next = c->next;
			if (w->handoff && conn_is_idle(c))
				worker_handoff(w, c);
			/*
			 * A stop: nobody would serve the next request on the connection, and keeping it
			 * would hold the stop up for shutdown_timeout. A request that races the close is
			 * retried by the client (RFC 9112 9.3.1). One accepted with nothing read yet keeps
			 * its request_timeout: its client never had an answer on it, so would not retry.
			 */
			else if (!w->handoff && c->state == CONN_IDLE)
				conn_close(c);
		}
		conn_ctx_sweep(&w->ctx);
	}
	for (i = 0; i < w->nlst; i++)
		worker_listen(w, &w->lst[i], worker_may_accept(w, &w->lst[i]));
	if (w->ctx.scratch.cap > SCRATCH_KEEP)
		buf_free(&w->ctx.scratch);
	if (w->ctx.access.len >= ACCESS_FLUSH)
		worker_access_flush(w);
	else if (w->ctx.access.len > 0 && w->flush_timer.index == TIMER_UNSET)
		worker_arm(w, &w->flush_timer, w->loop.now + ACCESS_FLUSH_MS);
	if ((files_next = file_cache_next(&w->ctx.files)) == UINT64_MAX)
		loop_timer_cancel(&w->loop, &w->files_timer);
	else
		worker_arm(w, &w->files_timer, files_next);
}

static void
worker_loop(struct worker *w)
{
	struct epoll_event events[MAX_EVENTS];
	int i, n;

	while (!w->stopping) {
		if ((n = loop_wait(&w->loop, events, MAX_EVENTS)) == -1) {
			log_errno("epoll_wait");
			return;
		}
		worker_clock(w);
		for (i = 0; i < n; i++) {
			void *p = events[i].data.ptr;

			if (p >= (void *)w->lst && p < (void *)(w->lst + w->nlst))
				worker_accept(w, p);
			else if (p == &tag_signal)
				worker_signal(w);
			else if (p == &tag_channel)
				worker_channel(w);
			else
				conn_on_event(p, events[i].events);
		}
		loop_run_timers(&w->loop);
		worker_after_batch(w);
		if (w->ctx.draining && w->ctx.nconns == 0 && w->nopen == 0)
			break;
	}
	if (w->ctx.draining)
		log_info("drained: %zu connections handed over, %zu still open", w->handed_off,
		         w->ctx.nconns);
}

static int
worker_add(struct worker *w, int fd, void *tag)
{
	return loop_ctl(&w->loop, EPOLL_CTL_ADD, fd, EPOLLIN, tag);
}
/* Workers run as server.user when the master started as root: nothing after this needs privileges. */
static int
worker_drop_privileges(const struct config *cfg)
{
	if (cfg->user[0] == '\0' || geteuid() != 0)
		return 0;
	if (setgroups(1, &cfg->gid) == -1 || setresgid(cfg->gid, cfg->gid, cfg->gid) == -1 ||
	    setresuid(cfg->uid, cfg->uid, cfg->uid) == -1) {
		log_errno("cannot drop privileges to user '%s'", cfg->user);
		return -1;
	}
	return 0;
}

static int
worker_setup(struct worker *w, int access_fd, const struct metrics *metrics)
{
	sigset_t mask;
	size_t i;

	/* The master's signals are for the master; a worker listens for its own three. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_SETMASK, &mask, NULL) == -1 ||
	    (w->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_errno("signalfd");
		return -1;
	}
	if (worker_drop_privileges(w->cfg) == -1)
		return -1;
	if ((w->ctx.handlers = handlers_new(w->cfg, metrics)) == NULL) {
		log_errno("cannot build the route table");
		return -1;
	}
	if (access_fd != -1 && (w->access_log = access_log_start(access_fd)) == NULL) {
		log_errno("cannot start the access log writer");
		return -1;
	}
	w->ctx.access_log = w->access_log != NULL;
	if (loop_init(&w->loop) == -1) {
		log_errno("epoll_create1");
		return -1;
	}
	if (worker_add(w, w->sigfd, &tag_signal) == -1 || worker_add(w, w->channel, &tag_channel) == -1) {
		log_errno("epoll_ctl");
		return -1;
	}
	for (i = 0; i < w->nlst; i++) {
		worker_listen(w, &w->lst[i], true);
		if (!w->lst[i].accepting)
			return -1;
	}
	return 0;
}

int
worker_run(const struct worker_args *a)
{
	const struct config *cfg = a->cfg;
	struct worker w = {
		.cfg = cfg,
		.loop = { .epfd = -1 },
		.nlst = cfg->nlisteners,
		.sigfd = -1,
		.channel = a->channel,
	};
	int status = EXIT_FAILURE;
	size_t i;

	if ((w.lst = calloc(w.nlst, sizeof(*w.lst))) == NULL) {
		log_errno("cannot start a worker");
		return EXIT_FAILURE;
	}
	for (i = 0; i < w.nlst; i++)
		w.lst[i].fd = a->lfds[i];
	w.nopen = w.nlst;

	w.ctx = (struct conn_ctx){
		.cfg = cfg,
		.loop = &w.loop,
		.date = w.date,
		.log_time = w.log_time,
		.keepalive = true,
		.shard = a->shard,
		.host_slots = a->host_slots,
		.pool = { .size = CONN_BUF_SIZE, .max = POOL_KEEP },
	};
	timer_init(&w.accept_timer, worker_on_accept_resume);
	timer_init(&w.retire_timer, worker_on_retire);
	timer_init(&w.drain_timer, worker_on_drain_deadline);
	timer_init(&w.flush_timer, worker_on_flush);
	timer_init(&w.files_timer, worker_on_files_expire);
	worker_clock(&w);
	if (worker_setup(&w, a->access_fd, a->metrics) == 0) {
		if (channel_send(w.channel, CHANNEL_READY, -1) == -1)
			log_errno("cannot tell the master this worker is ready");
		else {
			worker_loop(&w);
			status = EXIT_SUCCESS;
		}
	}
	w.stopping = true;
	while (w.ctx.conns != NULL)
		conn_close(w.ctx.conns);
	conn_ctx_sweep(&w.ctx);
	if (w.access_log != NULL) {
		worker_access_flush(&w);
		access_log_stop(w.access_log, ACCESS_STOP_MS);
	}
	buf_free(&w.ctx.access);
	buf_free(&w.ctx.scratch);
	buf_pool_free(&w.ctx.pool);
	file_cache_clear(&w.ctx.files);
	handlers_free(w.ctx.handlers);
	loop_free(&w.loop);
	if (w.sigfd != -1)
		close(w.sigfd);
	for (i = 0; i < w.nlst; i++)
		if (w.lst[i].fd != -1)
			close(w.lst[i].fd);
	free(w.lst);
	return status;
}
