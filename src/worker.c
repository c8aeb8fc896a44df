/* worker.c: a worker's epoll loop: accept on the shared listener, run connections, timers, drain. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "access_format.h"
#include "access_log.h"
#include "channel.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"
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

/* epoll user data for the fds that are not connections. */
static char tag_listener, tag_signal, tag_channel;

static void
worker_clock(struct worker *w)
{
	time_t t = time(NULL);

	w->now_us = timer_now_us();
	w->now = w->now_us / 1000;
	if (t == w->date_sec)
		return;
	/* Formatting a date is costly next to a request: once a second is enough. */
	w->date_sec = t;
	response_date(t, w->date);
	access_format_time(w->cfg->access_log_format, t, w->log_time);
}

int
worker_watch(struct worker *w, struct conn *c, uint32_t events, uint64_t deadline)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };
	int op = c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;

	if (c->events != events) {
		if (epoll_ctl(w->epfd, op, c->fd, &ev) == -1) {
			log_errno("epoll_ctl on a connection");
			return -1;
		}
		c->events = events;
	}
	if (timer_set(&w->timers, &c->timer, deadline) == -1) {
		log_errno("cannot arm a connection timer");
		return -1;
	}
	return 0;
}

static void
worker_listen(struct worker *w, bool on)
{
	/* EPOLLEXCLUSIVE: one worker wakes per new connection, not the whole pool. */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &tag_listener };

	if (w->lfd == -1 || w->accepting == on)
		return;
	if (epoll_ctl(w->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, w->lfd, &ev) == -1) {
		log_errno("epoll_ctl on the listener");
		return;
	}
	w->accepting = on;
}

/* A retiring listener is still served while draining; a kept one belongs to the new generation. */
static bool
worker_may_accept(const struct worker *w)
{
	return w->lfd != -1 && !w->stopping && w->accept_resume == 0 &&
	       w->nconns < (size_t)w->cfg->max_connections && (!w->draining || w->retiring);
}

void
worker_conn_closed(struct worker *w, struct conn *c)
{
	if (worker_may_accept(w))
		worker_listen(w, true);
}

int
worker_handoff(struct worker *w, int fd)
{
	if (!w->draining || !w->handoff)
		return -1;
	if (channel_send(w->channel, CHANNEL_CONN, fd) == -1) {
		/* The connection stays here; its next answer says Connection: close. */
		log_warn_errno("cannot hand a connection to the new generation");
		return -1;
	}
	w->handed_off++;
	return 0;
}

/* The first Referer and User-Agent of req, as nginx logs them, for the formats that have them. */
static void
worker_access_headers(const struct http_request *req, struct access_entry *e)
{
	size_t i;

	for (i = 0; i < req->num_headers; i++) {
		if (e->referer.p == NULL && str_eq_nocase(req->headers[i].name, "Referer"))
			e->referer = req->headers[i].value;
		else if (e->user_agent.p == NULL && str_eq_nocase(req->headers[i].name, "User-Agent"))
			e->user_agent = req->headers[i].value;
	}
}

void
worker_access_log(struct worker *w, const struct conn *c, int status, uint64_t bytes)
{
	enum access_format fmt = w->cfg->access_log_format;
	const struct http_request *req = &w->req;
	char peer[INET6_ADDRSTRLEN];
	struct access_entry e = { .time = w->log_time, .status = status, .body_bytes = bytes };
	uint64_t now_us;

	if (w->access_log == NULL)
		return;
	if (w->access.len == 0)
		w->access_due = w->now + ACCESS_FLUSH_MS;
	e.remote_addr = conn_peer(c, peer);
	/* No head: it could not be parsed, and what the parser left in w->req is not a request to log. */
	if (c->head_len > 0) {
		e.method = req->method;
		e.target = req->target;
		e.minor_version = req->minor_version;
		if (fmt != ACCESS_COMMON)
			worker_access_headers(req, &e);
	}
	/*
	 * The start is the loop turn's clock, read once for all its events; the end is read now, since the
	 * answer may have taken a good part of the turn. One vDSO call, and only for the format that uses it.
	 */
	if (fmt == ACCESS_JSON && c->first_byte_us != 0) {
		now_us = timer_now_us();
		e.duration_us = now_us > c->first_byte_us ? now_us - c->first_byte_us : 0;
	}
	if (access_format_line(&w->access, fmt, &e) == -1)
		log_errno("cannot format an access log line");
}

static void
worker_access_flush(struct worker *w)
{
	if (w->access.len == 0)
		return;
	access_log_write(w->access_log, w->access.data, w->access.len);
	w->access.len = 0;
	if (w->access.cap > ACCESS_KEEP)
		buf_free(&w->access);
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

static void
worker_accept(struct worker *w)
{
	struct sockaddr_storage ss;
	struct conn *c;
	socklen_t len;
	int fd, i;

	/* The listener may have closed earlier in this batch of events. */
	for (i = 0; i < ACCEPT_BATCH && w->lfd != -1; i++) {
		if (w->nconns >= (size_t)w->cfg->max_connections) {
			worker_listen(w, false);
			return;
		}
		len = sizeof(ss);
		fd = accept4(w->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
			case EINTR:
			case ECONNABORTED: return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Retrying at once would spin: pause accepting while connections close. */
				log_warn_errno("accept: pausing for %d ms", ACCEPT_PAUSE_MS);
				file_cache_clear(&w->files);
				worker_listen(w, false);
				w->accept_resume = w->now + ACCEPT_PAUSE_MS;
				return;
			default: log_errno("accept"); return;
			}
		}
		w->last_accept = w->now;
		if ((c = conn_new(w, fd, (struct sockaddr *)&ss)) == NULL)
			continue;
		/* Read first: what already arrived is a request in flight, answered here even when draining.
		 */
		conn_start(c);
		if (c->fd != -1 && w->draining)
			conn_drain(c);
	}
}

static void
worker_close_listener(struct worker *w)
{
	if (w->lfd == -1)
		return;
	worker_listen(w, false);
	close(w->lfd);
	w->lfd = -1;
}

/*
 * Finish in-flight requests and take no new work. On a reload (handoff) idle connections move to the new
 * generation; on a stop they stay until their next request, answered with Connection: close. What is
 * queued on the listener is taken first; a retiring listener keeps being served until it is quiet.
 */
static void
worker_drain(struct worker *w, char how)
{
	struct conn *c, *next;

	if (w->draining) {
		/* A stop that follows a reload: nobody is left to hand connections to. */
		if (how == CHANNEL_STOP)
			w->handoff = false;
		return;
	}
	w->draining = true;
	w->handoff = how != CHANNEL_STOP;
	/* On a stop the listener goes too, but nobody is served better by accepting longer. */
	w->retiring = how == CHANNEL_DRAIN_RETIRE;
	w->drain_deadline = w->now + (uint64_t)w->cfg->shutdown_timeout * 1000;
	log_info("draining %zu connections%s%s", w->nconns, w->handoff ? ", handing idle ones over" : "",
	         w->retiring ? "; listener retiring" : "");
	w->accept_resume = 0;
	w->last_accept = w->now;
	if (w->lfd != -1)
		worker_accept(w);
	if (!w->retiring)
		worker_close_listener(w);
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		conn_drain(c);
	}
}

/* A connection handed over from a worker of an older generation. */
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
	if ((c = conn_new(w, fd, (struct sockaddr *)&ss)) == NULL)
		return;
	c->shared = true;
	if (w->draining)
		conn_drain(c);
	if (c->fd != -1 &&
	    worker_watch(w, c, EPOLLIN, w->now + (uint64_t)w->cfg->keepalive_timeout * 1000) == -1)
		conn_close(c);
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
		else if (fd != -1)
			close(fd);
		else if (msg == CHANNEL_DRAIN_KEEP || msg == CHANNEL_DRAIN_RETIRE || msg == CHANNEL_STOP)
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

static int
worker_timeout(const struct worker *w)
{
	struct timer *t = timer_min(&w->timers);
	uint64_t next = UINT64_MAX;

	if (t != NULL)
		next = t->deadline;
	if (w->accept_resume != 0 && w->accept_resume < next)
		next = w->accept_resume;
	if (w->draining && w->drain_deadline < next)
		next = w->drain_deadline;
	if (file_cache_next(&w->files) < next)
		next = file_cache_next(&w->files);
	if (w->access.len > 0 && w->access_due < next)
		next = w->access_due;
	if (w->draining && w->lfd != -1 && w->last_accept + RETIRE_QUIET_MS < next)
		next = w->last_accept + RETIRE_QUIET_MS;
	if (next == UINT64_MAX)
		return -1;
	return next <= w->now ? 0 : next - w->now > 60000 ? 60000 : (int)(next - w->now);
}

static void
worker_expire(struct worker *w)
{
	struct timer *t;

	while ((t = timer_min(&w->timers)) != NULL && t->deadline <= w->now) {
		timer_cancel(&w->timers, t);
		conn_on_timeout((struct conn *)((char *)t - offsetof(struct conn, timer)));
	}
	if (w->accept_resume != 0 && w->accept_resume <= w->now) {
		w->accept_resume = 0;
		if (worker_may_accept(w))
			worker_listen(w, true);
	}
	if (w->draining && w->lfd != -1 && w->now >= w->last_accept + RETIRE_QUIET_MS)
		worker_close_listener(w);
	file_cache_expire(&w->files, w->now);
}

static void
worker_free_closed(struct worker *w)
{
	struct conn *c;

	while ((c = w->closed) != NULL) {
		w->closed = c->next;
		free(c);
	}
}

static void
worker_loop(struct worker *w)
{
	struct epoll_event events[MAX_EVENTS];
	int i, n;

	while (!w->stopping) {
		n = epoll_wait(w->epfd, events, MAX_EVENTS, worker_timeout(w));
		if (n == -1 && errno != EINTR) {
			log_errno("epoll_wait");
			return;
		}
		worker_clock(w);
		for (i = 0; i < n; i++) {
			void *p = events[i].data.ptr;

			if (p == &tag_listener)
				worker_accept(w);
			else if (p == &tag_signal)
				worker_signal(w);
			else if (p == &tag_channel)
				worker_channel(w);
			else
				conn_on_event(p, events[i].events);
		}
		worker_expire(w);
		worker_free_closed(w);
		if (w->scratch.cap > SCRATCH_KEEP)
			buf_free(&w->scratch);
		if (w->access.len >= ACCESS_FLUSH || (w->access.len > 0 && w->now >= w->access_due))
			worker_access_flush(w);
		if (w->draining && ((w->nconns == 0 && w->lfd == -1) || w->now >= w->drain_deadline)) {
			log_info("drained: %zu connections handed over, %zu still open", w->handed_off,
			         w->nconns);
			return;
		}
	}
}

static int
worker_add(struct worker *w, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
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
worker_setup(struct worker *w, int access_fd)
{
	sigset_t mask;

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
	if ((w->router = router_new(w->cfg->routes, w->cfg->nroutes)) == NULL) {
		log_errno("cannot build the route table");
		return -1;
	}
	handlers_open_roots(w->cfg->routes, w->cfg->nroutes);
	if (access_fd != -1 && (w->access_log = access_log_start(access_fd)) == NULL) {
		log_errno("cannot start the access log writer");
		return -1;
	}
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_errno("epoll_create1");
		return -1;
	}
	if (worker_add(w, w->sigfd, &tag_signal) == -1 || worker_add(w, w->channel, &tag_channel) == -1) {
		log_errno("epoll_ctl");
		return -1;
	}
	worker_listen(w, true);
	return w->accepting ? 0 : -1;
}

int
worker_run(const struct config *cfg, int lfd, int channel, int access_fd)
{
	struct worker w = {
		.cfg = cfg,
		.epfd = -1,
		.lfd = lfd,
		.sigfd = -1,
		.channel = channel,
		.pool = { .size = CONN_BUF_SIZE, .max = POOL_KEEP },
	};
	int status = EXIT_FAILURE;

	worker_clock(&w);
	if (worker_setup(&w, access_fd) == 0) {
		if (channel_send(channel, CHANNEL_READY, -1) == -1)
			log_errno("cannot tell the master this worker is ready");
		else {
			worker_loop(&w);
			status = EXIT_SUCCESS;
		}
	}
	w.stopping = true;
	while (w.conns != NULL)
		conn_close(w.conns);
	worker_free_closed(&w);
	if (w.access_log != NULL) {
		worker_access_flush(&w);
		access_log_stop(w.access_log, ACCESS_STOP_MS);
	}
	buf_free(&w.access);
	buf_free(&w.scratch);
	buf_pool_free(&w.pool);
	file_cache_clear(&w.files);
	timer_heap_free(&w.timers);
	router_free(w.router);
	if (w.epfd != -1)
		close(w.epfd);
	if (w.sigfd != -1)
		close(w.sigfd);
	if (w.lfd != -1)
		close(w.lfd);
	return status;
}
