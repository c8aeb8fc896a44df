/* conn.c: a connection's state machine: read a request, answer it, write, then keep alive or close. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "handlers.h"
#include "log.h"
#include "response.h"
#include "worker.h"

#define HEAD_ROOM      1024       /* free bytes below which a head's input grows by CONN_BUF_SIZE */
#define READ_GROW_MAX  65536      /* the most the input grows by for one read */
#define CHUNKED_WINDOW 16384      /* raw chunked bytes read ahead of decoding */
#define OUT_HIGH_WATER 65536      /* stop answering pipelined requests until this much is sent */
#define FILE_SLICE     (4u << 20) /* file bytes sent per turn, so one download cannot starve the rest */
#define LINGER_MS      2000

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

struct conn *
conn_new(struct worker *w, int fd, const struct sockaddr *sa)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_errno("cannot take a connection");
		close(fd);
		return NULL;
	}
	c->w = w;
	c->fd = fd;
	c->file_fd = -1;
	timer_init(&c->timer);
	c->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		c->addr.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		c->addr.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	return c;
}

const char *
conn_peer(const struct conn *c, char *buf)
{
	if ((c->family != AF_INET && c->family != AF_INET6) ||
	    inet_ntop(c->family, &c->addr, buf, INET6_ADDRSTRLEN) == NULL)
		return "-";
	return buf;
}

/* Between requests a connection holds no buffer: the pool keeps them for those that have bytes to read. */
static void
conn_release_buffers(struct conn *c)
{
	struct worker *w = c->w;

	buf_pool_put(&w->pool, &c->in);
	c->out_off = 0;
	buf_pool_put(&w->pool, &c->out);
}

/*
 * Closes the connection. Its memory is freed by the worker after the current batch of events, which
 * may still name it: fd -1 tells conn_on_event to ignore those.
 */
void
conn_close(struct conn *c)
{
	struct worker *w = c->w;

	timer_cancel(&w->timers, &c->timer);
	/*
	 * close() takes a socket out of the epoll set only with the last reference to it. A handed-over
	 * socket may have another for a moment (the sender closes its copy after sending), and an event
	 * for it then would name freed memory: remove it first.
	 */
	if (c->shared && c->events != 0 && epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL) == -1)
		log_errno("epoll_ctl: removing a handed-over connection");
	close(c->fd);
	c->fd = -1;
	if (c->file_fd != -1)
		close(c->file_fd);
	c->file_fd = -1;
	conn_release_buffers(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	w->nconns--;
	c->next = w->closed;
	w->closed = c;
	worker_conn_closed(w, c);
}

/* Between requests with nothing buffered either way: the client cannot tell who answers next. */
static bool
conn_idle(const struct conn *c)
{
	return c->fd != -1 && !c->lingering && !c->close_after && c->first_byte_us == 0 && c->in.len == 0 &&
	       c->head_len == 0 && c->out_off == c->out.len && c->file_fd == -1;
}

/* Gives an idle connection to the new generation. Returns true when it went (c is closed here). */
static bool
conn_handoff(struct conn *c)
{
	struct worker *w = c->w;

	if (c->stay || worker_handoff(w, c->fd) == -1) {
		c->stay = true;
		return false;
	}
	c->shared = true;
	conn_close(c);
	return true;
}

void
conn_drain(struct conn *c)
{
	if (conn_idle(c))
		conn_handoff(c);
}

static bool
output_pending(const struct conn *c)
{
	return c->out_off < c->out.len || c->file_fd != -1;
}

/* Sends what is queued. Returns 0 when all is out, HTTP_AGAIN when the socket is full, -1 on error. */
static int
conn_write(struct conn *c)
{
	uint64_t slice = FILE_SLICE;
	ssize_t n;

	while (c->out_off < c->out.len) {
		/*
		 * MSG_NOSIGNAL: a peer that went away is an error here, never a SIGPIPE. MSG_MORE: a file
		 * follows, or the close does, whose FIN then leaves in the same segment as the answer.
		 */
		n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
		         MSG_NOSIGNAL | (c->file_fd != -1 || c->close_after ? MSG_MORE : 0));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? HTTP_AGAIN : -1;
		}
		c->out_off += (size_t)n;
	}
	c->out.len = c->out_off = 0;
	while (c->file_fd != -1) {
		if (slice == 0)
			return HTTP_AGAIN;
		n = sendfile(c->fd, c->file_fd, &c->file_off, c->file_left < slice ? c->file_left : slice);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? HTTP_AGAIN : -1;
		}
		if (n == 0) {
			/* The file shrank under us: the promised length cannot be kept, so the connection
			 * goes. */
			log_warn("a file being sent shrank; closing the connection");
			return -1;
		}
		c->file_left -= (uint64_t)n;
		slice -= (uint64_t)n < slice ? (uint64_t)n : slice;
		if (c->file_left == 0) {
			close(c->file_fd);
			c->file_fd = -1;
		}
	}
	return 0;
}

/* Answers a request that cannot be read further, then closes: its framing is no longer trustworthy. */
static int
conn_fail(struct conn *c, int status, const char *msg)
{
	struct response r = { .status = status, .close = true };
	ssize_t body;

	c->close_after = true;
	c->linger = true;
	if ((body = response_text(&c->out, &r, msg, false, c->w->date)) == -1)
		return -1;
	worker_access_log(c->w, c, status, (uint64_t)body);
	return 1;
}

/*
 * Makes room to read more of the current request. A head is read a chunk at a time (the parser bounds
 * it); a body gets room as it arrives, up to what is left of it, not what a Content-Length promises:
 * promises cost nothing to make.
 */
static int
conn_in_reserve(struct conn *c)
{
	size_t room;

	if (c->in.data == NULL)
		return buf_pool_get(&c->w->pool, &c->in);
	if (c->head_len == 0)
		return c->in.cap - c->in.len >= HEAD_ROOM ? 0 : buf_reserve(&c->in, CONN_BUF_SIZE);
	room = c->in_need > c->in.len ? c->in_need - c->in.len : 0;
	if (room > READ_GROW_MAX)
		room = READ_GROW_MAX;
	if (room < CONN_BUF_SIZE)
		room = CONN_BUF_SIZE;
	return c->in.cap - c->in.len >= room ? 0 : buf_reserve(&c->in, room);
}

/* Reads what the socket has. Returns 0, or -1 when the connection is broken. */
static int
conn_read(struct conn *c)
{
	ssize_t n;

	if (conn_in_reserve(c) == -1) {
		log_errno("cannot buffer a request");
		return -1;
	}
	do
		n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		c->peer_eof = true;
		return 0;
	}
	if (c->in.len == 0 && c->head_len == 0)
		c->first_byte_us = c->w->now_us;
	c->in.len += (size_t)n;
	return 0;
}

/* The exchange for the current request, whose body is body; x->route is what was found before it came. */
static void
conn_exchange(struct conn *c, struct exchange *x, struct str body)
{
	struct worker *w = c->w;

	*x = (struct exchange){
		.req = &w->req,
		.body = body,
		.date = w->date,
		.scratch = &w->scratch,
		.files = &w->files,
		.now = w->now,
		.route = c->continue_route ? &w->cfg->routes[c->continue_route - 1] : NULL,
		.out = &c->out,
	};
	/* A draining worker keeps a connection alive only when it can hand it over afterwards. */
	x->close = !w->req.keep_alive || c->peer_eof || (w->draining && (!w->handoff || c->stay));
}

/* The answer to x is queued: the file to send after it, whether to close, the access log. Returns 1. */
static int
conn_answered(struct conn *c, const struct exchange *x)
{
	c->close_after = x->close;
	if (x->file_fd != -1) {
		c->file_fd = x->file_fd;
		c->file_off = 0;
		c->file_left = x->body_bytes;
	}
	worker_access_log(c->w, c, x->status, x->body_bytes);
	return 1;
}

/*
 * The body is not all here yet. A client that waits for our word before it sends the body (RFC 9110
 * section 10.1.1) gets "100 Continue" only once a route takes the request; the route is kept for when the
 * body has come. Otherwise the answer (404, 405, 400) goes now, and the connection closes after it: the
 * body, which the client may send anyway, must not be read as a request (RFC 9112 section 9.6).
 */
static int
conn_expect_body(struct conn *c, size_t have)
{
	struct worker *w = c->w;
	const struct http_request *req = &w->req;
	struct exchange x;

	if (!req->expect_continue || c->continue_route != 0 || have > 0 || req->minor_version == 0)
		return HTTP_AGAIN;
	conn_exchange(c, &x, (struct str){ "", 0 });
	x.close = true;
	if (handle_route(w->router, &x) == -1) {
		log_errno("cannot answer a request");
		return -1;
	}
	if (x.status != 0) {
		c->linger = true;
		return conn_answered(c, &x);
	}
	c->continue_route = (uint32_t)(x.route - w->cfg->routes) + 1;
	if (buf_append(&c->out, continue_line, sizeof(continue_line) - 1) == -1)
		return -1;
	return 1;
}

static int
conn_dispatch(struct conn *c, struct str body)
{
	struct exchange x;

	conn_exchange(c, &x, body);
	if (handle_request(c->w->router, &x) == -1) {
		log_errno("cannot answer a request");
		return -1;
	}
	return conn_answered(c, &x);
}

/*
 * Parses and answers the request at the front of the input. Returns 1 when something was queued for
 * output, HTTP_AGAIN when more input is needed, -1 when memory ran out.
 */
static int
conn_serve_one(struct conn *c)
{
	struct worker *w = c->w;
	const struct config *cfg = w->cfg;
	struct http_request *req = &w->req;
	struct str body = { "", 0 };
	size_t consumed, raw;
	ssize_t n;
	int r;

	if (c->head_len == 0 && c->in.len == 0)
		return HTTP_AGAIN;
	if (c->out.data == NULL && buf_pool_get(&w->pool, &c->out) == -1)
		return -1;
	if (c->head_len == 0) {
		n = http_parse_request(c->in.data, c->in.len, cfg->max_header_size, req);
		if (n == HTTP_AGAIN)
			return HTTP_AGAIN;
		if (n == HTTP_ERROR)
			return conn_fail(c, req->status, req->error);
		c->head_len = (uint32_t)n;
		c->body_len = 0;
		c->continue_route = 0;
		memset(&c->chunked, 0, sizeof(c->chunked));
		if (req->body == HTTP_BODY_LENGTH && req->content_length > cfg->max_body_size)
			return conn_fail(c, 413, "request body too large");
		c->in_need = c->head_len + (req->body == HTTP_BODY_LENGTH    ? (uint32_t)req->content_length
		                            : req->body == HTTP_BODY_CHUNKED ? CHUNKED_WINDOW
		                                                             : 0);
	} else if (http_parse_request(c->in.data, c->head_len, cfg->max_header_size, req) !=
	           (ssize_t)c->head_len) {
		/* The worker's request is whichever head it parsed last: this one is parsed again. */
		return conn_fail(c, 500, "internal error");
	}

	switch (req->body) {
	case HTTP_BODY_NONE: consumed = c->head_len; break;
	case HTTP_BODY_LENGTH:
		if (c->in.len - c->head_len < req->content_length)
			return conn_expect_body(c, c->in.len - c->head_len);
		body.p = c->in.data + c->head_len;
		body.len = (size_t)req->content_length;
		consumed = c->head_len + body.len;
		break;
	case HTTP_BODY_CHUNKED:
	default:
		raw = c->in.len - c->head_len - c->body_len;
		n = http_decode_chunked(&c->chunked, c->in.data + c->head_len + c->body_len, &raw);
		c->body_len += (uint32_t)raw;
		c->in_need = c->head_len + c->body_len + CHUNKED_WINDOW;
		if (n == HTTP_ERROR)
			return conn_fail(c, 400, "malformed chunked body");
		if (c->body_len > cfg->max_body_size)
			return conn_fail(c, 413, "request body too large");
		if (n == HTTP_AGAIN) {
			c->in.len = c->head_len + c->body_len;
			return conn_expect_body(c, c->body_len);
		}
		c->in.len = c->head_len + c->body_len + (size_t)n;
		body.p = c->in.data + c->head_len;
		body.len = c->body_len;
		consumed = c->head_len + c->body_len;
		break;
	}

	if ((r = conn_dispatch(c, body)) != 1)
		return r;
	buf_consume(&c->in, consumed);
	c->head_len = 0;
	c->first_byte_us = c->in.len ? c->w->now_us : 0;
	return 1;
}

/* Answers the complete requests buffered, up to a bound. Returns 1 when output waits, 0 when none, -1. */
static int
conn_serve(struct conn *c)
{
	int r;

	while (!c->close_after && c->file_fd == -1 && c->out.len < OUT_HIGH_WATER) {
		if ((r = conn_serve_one(c)) == -1)
			return -1;
		if (r == HTTP_AGAIN)
			break;
	}
	return output_pending(c) ? 1 : 0;
}

/* The last response is out and the connection is to close: close, or linger so the peer can read it. */
static void
conn_finish(struct conn *c)
{
	struct worker *w = c->w;

	/*
	 * The answer was sent with MSG_MORE: the FIN goes out with it, in one segment. shutdown() sends
	 * both before close(), which would reset the connection and drop them had the peer sent anything
	 * more (a request pipelined after Connection: close).
	 */
	if (c->peer_eof || shutdown(c->fd, SHUT_WR) == -1 || !c->linger) {
		conn_close(c);
		return;
	}
	c->lingering = true;
	if (worker_watch(w, c, EPOLLIN, w->now + LINGER_MS) == -1)
		conn_close(c);
}

/* Moves the connection as far as it can go without blocking. */
static void
conn_run(struct conn *c)
{
	struct worker *w = c->w;
	const struct config *cfg = w->cfg;
	uint64_t deadline;
	int r;

	for (;;) {
		if (output_pending(c)) {
			if ((r = conn_write(c)) == -1) {
				conn_close(c);
				return;
			}
			if (r == HTTP_AGAIN) {
				/* A reader that takes nothing for request_timeout is cut off: no unbounded
				 * buffering. */
				if (worker_watch(w, c, EPOLLOUT,
				                 w->now + (uint64_t)cfg->request_timeout * 1000) == -1)
					conn_close(c);
				return;
			}
		}
		if (c->close_after) {
			conn_finish(c);
			return;
		}
		if ((r = conn_serve(c)) == -1) {
			conn_close(c);
			return;
		}
		if (r == 1)
			continue;
		if (c->peer_eof) {
			conn_close(c);
			return;
		}
		break;
	}

	if (c->first_byte_us != 0) {
		deadline = c->first_byte_us / 1000 + (uint64_t)cfg->request_timeout * 1000;
	} else {
		if (w->draining && conn_idle(c) && conn_handoff(c))
			return;
		conn_release_buffers(c);
		deadline = w->now + (uint64_t)cfg->keepalive_timeout * 1000;
	}
	if (worker_watch(w, c, EPOLLIN, deadline) == -1)
		conn_close(c);
}

static void
conn_discard(struct conn *c)
{
	char sink[4096];
	ssize_t n;

	while ((n = recv(c->fd, sink, sizeof(sink), 0)) > 0)
		;
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

void
conn_on_event(struct conn *c, uint32_t events)
{
	if (c->fd == -1)
		return; /* closed earlier in this batch of events */
	if (c->lingering) {
		conn_discard(c);
		return;
	}
	if ((c->events & EPOLLIN) && conn_read(c) == -1) {
		conn_close(c);
		return;
	}
	conn_run(c);
}

void
conn_start(struct conn *c)
{
	struct worker *w = c->w;

	/* The listener defers accepting until the request is there (TCP_DEFER_ACCEPT): read it now. */
	if (conn_read(c) == -1) {
		conn_close(c);
		return;
	}
	if (c->in.len > 0 || c->peer_eof) {
		conn_run(c);
		return;
	}
	buf_pool_put(&w->pool, &c->in);
	if (worker_watch(w, c, EPOLLIN, w->now + (uint64_t)w->cfg->request_timeout * 1000) == -1)
		conn_close(c);
}

void
conn_on_timeout(struct conn *c)
{
	if (c->lingering || output_pending(c) || c->first_byte_us == 0) {
		/* Idle past keepalive_timeout, a reader that stalled, or a linger that ran out. */
		conn_close(c);
		return;
	}
	/* A request that did not arrive whole in request_timeout. */
	c->in.len = 0;
	c->head_len = 0;
	if (conn_fail(c, 408, "request timeout: the request did not arrive in time") == -1) {
		conn_close(c);
		return;
	}
	/* Only now: the access log line gives how long the request had. */
	c->first_byte_us = 0;
	conn_run(c);
}
