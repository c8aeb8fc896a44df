/* SPDX-License-Identifier: ISC */
/* conn.c: a connection's state machine: read a request, answer it, write, then keep alive or close. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access_format.h"
#include "conn.h"
#include "handlers.h"
#include "log.h"
#include "proxy_proto.h"
#include "response.h"

#define HEAD_ROOM      1024       /* free bytes below which a head's input grows by CONN_BUF_SIZE */
#define READ_GROW_MAX  65536      /* the most the input grows by for one read */
#define CHUNKED_WINDOW 16384      /* raw chunked bytes read ahead of decoding */
#define OUT_HIGH_WATER 65536      /* stop answering pipelined requests until this much is sent */
#define FILE_SLICE     (4u << 20) /* file bytes sent per turn, so one download cannot starve the rest */
#define LINGER_MS      2000

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void conn_on_timeout(struct timer *t);

struct conn *
conn_new(struct conn_ctx *ctx, int fd, const struct sockaddr *sa, size_t listener)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_errno("cannot take a connection");
		close(fd);
		return NULL;
	}
	c->ctx = ctx;
	c->fd = fd;
	c->file_fd = -1;
	c->tp = &transport_tcp;
	timer_init(&c->timer, conn_on_timeout);
	c->listener = (uint8_t)listener;
	if (sa->sa_family == AF_INET) {
		c->family = CONN_ADDR_V4;
		c->addr.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		c->family = CONN_ADDR_V6;
		c->addr.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	}
	c->next = ctx->conns;
	if (ctx->conns != NULL)
		ctx->conns->prev = c;
	ctx->conns = c;
	ctx->nconns++;
	metrics_gauge_add(ctx->shard, METRICS_OPEN, 1);
	return c;
}

const char *
conn_peer(const struct conn *c, char *buf)
{
	if (c->family == CONN_ADDR_NONE || inet_ntop(c->family == CONN_ADDR_V4 ? AF_INET : AF_INET6, &c->addr,
	                                             buf, INET6_ADDRSTRLEN) == NULL)
		strcpy(buf, "-");
	return buf;
}

/* Between requests a connection holds no buffer: the pool keeps them for those that have bytes to read. */
static void
conn_release_buffers(struct conn *c)
{
	struct conn_ctx *ctx = c->ctx;

	buf_pool_put(&ctx->pool, &c->in);
	c->out_off = 0;
	buf_pool_put(&ctx->pool, &c->out);
}

/*
 * Watches c's socket for what its state waits for: output room in SEND, input otherwise, unless a TLS
 * record needs the other way first. Returns 0, or -1 with c closed.
 */
static int
conn_watch(struct conn *c)
{
	struct conn_ctx *ctx = c->ctx;
	uint8_t events = c->tp->wants != 0       ? (uint8_t)c->tp->wants
	                 : c->state == CONN_SEND ? EPOLLOUT
	                                         : EPOLLIN;

	if (c->events == events)
		return 0;
	if (loop_ctl(ctx->loop, c->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, events, c) == -1) {
		log_errno("epoll_ctl on a connection");
		conn_close(c);
		return -1;
	}
	c->events = events;
	return 0;
}

/*
 * Sets c's state, with the epoll interest and the deadline that go with it; a connection that waits for a
 * request gives its buffers back. On failure c is closed.
 */
static void
conn_set_state(struct conn *c, enum conn_state state)
{
	struct conn_ctx *ctx = c->ctx;
	const struct config *cfg = ctx->cfg;
	uint64_t now = ctx->loop->now, deadline;

	switch (state) {
	case CONN_IDLE:
		conn_release_buffers(c);
		deadline = now + (uint64_t)cfg->keepalive_timeout * 1000;
		break;
	case CONN_HEAD:
	case CONN_BODY: deadline = c->first_byte_us / 1000 + (uint64_t)cfg->request_timeout * 1000; break;
	case CONN_LINGER: deadline = now + LINGER_MS; break;
	case CONN_PROXY:
		if (c->in.len == 0)
			conn_release_buffers(c);
		/* A header trickled in does not move the deadline: it runs from accept. */
		deadline = c->timer.index != TIMER_UNSET ? c->timer.deadline
		                                         : now + (uint64_t)cfg->request_timeout * 1000;
		break;
	case CONN_NEW: conn_release_buffers(c); /* fall through */
	case CONN_SEND:
	default:
		/* A reader that takes nothing for request_timeout is cut off: no unbounded buffering. */
		deadline = now + (uint64_t)cfg->request_timeout * 1000;
		break;
	}
	if ((state == CONN_IDLE) != (c->state == CONN_IDLE))
		metrics_gauge_add(ctx->shard, METRICS_IDLE, state == CONN_IDLE ? 1 : -1);
	c->state = (uint8_t)state;
	if (conn_watch(c) == -1)
		return;
	if (loop_timer_set(ctx->loop, &c->timer, deadline) == -1) {
		log_errno("cannot arm a connection timer");
		conn_close(c);
	}
}

/*
 * Closes the connection. Its memory is freed by conn_ctx_sweep() after the current batch of events,
 * which may still name it: fd -1 tells conn_on_event to ignore those.
 */
void
conn_close(struct conn *c)
{
	struct conn_ctx *ctx = c->ctx;

	loop_timer_cancel(ctx->loop, &c->timer);
	/*
	 * close() takes a socket out of the epoll set only with the last reference to it. A handed-over
	 * socket may have another for a moment (the sender closes its copy after sending), and an event
	 * for it then would name freed memory: remove it first.
	 */
	if (c->shared && c->events != 0 && loop_ctl(ctx->loop, EPOLL_CTL_DEL, c->fd, 0, NULL) == -1)
		log_errno("epoll_ctl: removing a handed-over connection");
	c->tp->ops->release(c->tp);
	close(c->fd);
	c->fd = -1;
	if (c->file_fd != -1)
		close(c->file_fd);
	c->file_fd = -1;
	conn_release_buffers(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctx->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctx->nconns--;
	metrics_gauge_add(ctx->shard, METRICS_OPEN, -1);
	if (c->state == CONN_IDLE)
		metrics_gauge_add(ctx->shard, METRICS_IDLE, -1);
	c->next = ctx->closed;
	ctx->closed = c;
}

void
conn_ctx_sweep(struct conn_ctx *ctx)
{
	struct conn *c;

	while ((c = ctx->closed) != NULL) {
		ctx->closed = c->next;
		free(c);
	}
}

bool
conn_can_move(const struct conn *c)
{
	/* A PROXY header's address would be lost; TLS state lives in this process. */
	return !c->proxied && c->tp == &transport_tcp;
}

bool
conn_is_idle(const struct conn *c)
{
	return c->fd != -1 && (c->state == CONN_IDLE || c->state == CONN_NEW);
}

void
conn_handed_over(struct conn *c)
{
	c->shared = true;
	conn_close(c);
}

static bool
output_pending(const struct conn *c)
{
	return c->out_off < c->out.len || c->file_fd != -1;
}

/*
 * Sends what is queued. Returns TH_OK when all is out, TH_WANT_WRITE (or TH_WANT_READ, for a transport
 * that needs it) when the socket is full or a slice of a file went out, TH_ERROR when the connection broke.
 */
static int
conn_write(struct conn *c)
{
	uint64_t slice = FILE_SLICE;
	ssize_t n;

	while (c->out_off < c->out.len) {
		/* MSG_MORE: a file follows, or the close does, whose FIN then leaves in the answer's segment.
		 */
		n = c->tp->ops->send(c->tp, c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
		                     c->file_fd != -1 || c->close_after);
		if (n < 0)
			return (int)n;
		c->out_off += (uint32_t)n;
	}
	c->out.len = c->out_off = 0;
	while (c->file_fd != -1) {
		if (slice == 0)
			return TH_WANT_WRITE; /* the rest after the other connections had their turn */
		n = c->tp->ops->sendfile(c->tp, c->fd, c->file_fd, &c->file_off,
		                         c->file_left < slice ? c->file_left : slice);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			/* The file shrank under us: the promised length cannot be kept, so the connection
			 * goes. */
			log_warn("a file being sent shrank; closing the connection");
			return TH_ERROR;
		}
		c->file_left -= (uint64_t)n;
		slice -= (uint64_t)n < slice ? (uint64_t)n : slice;
		if (c->file_left == 0) {
			close(c->file_fd);
			c->file_fd = -1;
		}
	}
	return TH_OK;
}

/* The first Referer and User-Agent of req, as nginx logs them, for the formats that have them. */
static void
conn_log_headers(const struct http_request *req, struct access_entry *e)
{
	size_t i;

	for (i = 0; i < req->num_headers; i++) {
		if (e->referer.p == NULL && str_eq_nocase(req->headers[i].name, "Referer"))
			e->referer = req->headers[i].value;
		else if (e->user_agent.p == NULL && str_eq_nocase(req->headers[i].name, "User-Agent"))
			e->user_agent = req->headers[i].value;
	}
}

/* One access log line for the exchange just answered. */
static void
conn_log(const struct conn *c, int status, uint64_t bytes)
{
	struct conn_ctx *ctx = c->ctx;
	enum access_format fmt = ctx->cfg->access_log_format;
	const struct http_request *req = &ctx->req;
	char peer[INET6_ADDRSTRLEN];
	struct access_entry e;
	uint64_t now_us;

	if (!ctx->access_log)
		return;
	e = (struct access_entry){ .time = ctx->log_time, .status = status, .body_bytes = bytes };
	e.remote_addr = conn_peer(c, peer);
	/* No head: it could not be parsed, and what the parser left in ctx->req is not a request to log. */
	if (c->head_len > 0) {
		e.method = req->method;
		e.target = req->target;
		e.minor_version = req->minor_version;
		if (fmt != ACCESS_COMMON)
			conn_log_headers(req, &e);
	}
	/*
	 * The start is the loop turn's clock, read once for all its events; the end is read now, since the
	 * answer may have taken a good part of the turn. One vDSO call, and only for the format that uses it.
	 */
	if (fmt == ACCESS_JSON && c->first_byte_us != 0) {
		now_us = timer_now_us();
		e.duration_us = now_us > c->first_byte_us ? now_us - c->first_byte_us : 0;
	}
	if (access_format_line(&ctx->access, fmt, &e) == -1)
		log_errno("cannot format an access log line");
}

/*
 * One answered request in the metrics, timed from its first byte to now: the loop turn's clock would say 0
 * for every request answered in the turn that read it. One vDSO call.
 */
static void
conn_count(const struct conn *c, int host_slot, int status, uint64_t bytes)
{
	uint64_t now = timer_now_us();

	metrics_request(c->ctx->shard, host_slot, status, bytes,
	                c->first_byte_us != 0 && now > c->first_byte_us ? now - c->first_byte_us : 0);
}

/* The Strict-Transport-Security value a TLS connection's answers carry; NULL for none, or plain HTTP. */
static const char *
conn_hsts(const struct conn *c)
{
	const char *v = c->ctx->cfg->tls_hsts;

	return c->tp != &transport_tcp && v[0] != '\0' ? v : NULL;
}

/*
 * Answers a request that cannot be read further, then closes: its framing is no longer trustworthy. No host
 * is known yet: the server's headers and error pages apply. A HEAD whose body broke gets no body either
 * (RFC 9110 section 9.3.2); before a head is read its method is not known.
 */
static int
conn_fail(struct conn *c, int status, const char *msg)
{
	const struct answer_cfg *a = &c->ctx->cfg->answer;
	struct response r = {
		.status = status, .headers = { a->block, a->block_len }, .hsts = conn_hsts(c), .close = true
	};
	bool head = c->head_len != 0 && str_eq(c->ctx->req.method, "HEAD");
	ssize_t body;

	c->close_after = true;
	c->linger = true;
	if ((body = answer_error(&c->out, &r, a, msg, head, c->ctx->date)) == -1)
		return TH_ERROR;
	conn_log(c, status, (uint64_t)body);
	/* Before the head is read there is no host to count it under. */
	conn_count(c, METRICS_OTHER, status, (uint64_t)body);
	return TH_OK;
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
		return buf_pool_get(&c->ctx->pool, &c->in);
	if (c->head_len == 0)
		return c->in.cap - c->in.len >= HEAD_ROOM ? 0 : buf_reserve(&c->in, CONN_BUF_SIZE);
	room = c->in_need > c->in.len ? c->in_need - c->in.len : 0;
	if (room > READ_GROW_MAX)
		room = READ_GROW_MAX;
	if (room < CONN_BUF_SIZE)
		room = CONN_BUF_SIZE;
	return c->in.cap - c->in.len >= room ? 0 : buf_reserve(&c->in, room);
}

/*
 * A PROXY header in front of TLS: reads its bytes and none after it, which begin the handshake and are
 * OpenSSL's to read from the socket. A look at what is there says how many are the header's: all of them
 * while it is incomplete (nothing is left to spin on), up to its end once it is whole. Returns what a
 * transport's recv would.
 */
static ssize_t
conn_recv_proxy(struct conn *c, size_t room)
{
	char *at = c->in.data + c->in.len;
	struct proxy_header h;
	ssize_t n, whole;

	do
		n = recv(c->fd, at, room, MSG_PEEK);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : errno == EAGAIN ? TH_WANT_READ : TH_ERROR;
	whole = proxy_parse(c->in.data, c->in.len + (size_t)n, &h);
	if (whole > 0)
		n = whole - (ssize_t)c->in.len;
	do
		n = recv(c->fd, at, (size_t)n, 0);
	while (n == -1 && errno == EINTR);
	return n >= 0 ? n : errno == EAGAIN ? TH_WANT_READ : TH_ERROR;
}

/*
 * Reads what the socket has. Returns TH_OK when bytes or the end of the stream came, TH_AGAIN when
 * nothing did (a TLS record that is not all here, or carried no data), TH_ERROR when it broke.
 */
static int
conn_read(struct conn *c)
{
	ssize_t n;

	if (conn_in_reserve(c) == -1) {
		log_errno("cannot buffer a request");
		return TH_ERROR;
	}
	if (c->state == CONN_PROXY && c->tp != &transport_tcp)
		n = conn_recv_proxy(c, c->in.cap - c->in.len);
	else
		n = c->tp->ops->recv(c->tp, c->fd, c->in.data + c->in.len, c->in.cap - c->in.len);
	if (n == TH_WANT_READ || n == TH_WANT_WRITE)
		return TH_AGAIN;
	if (n < 0)
		return TH_ERROR;
	if (n == 0) {
		c->peer_eof = true;
		return TH_OK;
	}
	if (c->in.len == 0 && c->head_len == 0)
		c->first_byte_us = c->ctx->loop->now_us;
	c->in.len += (size_t)n;
	return TH_OK;
}

/* The exchange for the current request, whose body is body; x->route is what was found before it came. */
static void
conn_exchange(struct conn *c, struct exchange *x, struct str body)
{
	struct conn_ctx *ctx = c->ctx;

	*x = (struct exchange){
		.req = &ctx->req,
		.body = body,
		.date = ctx->date,
		.scratch = &ctx->scratch,
		.files = &ctx->files,
		.now = ctx->loop->now,
		.listener = c->listener,
		.hsts = conn_hsts(c),
		.route = c->continue_route ? &ctx->cfg->routes[c->continue_route - 1] : NULL,
		.out = &c->out,
	};
	/* A connection that cannot be handed over finishes here while draining. */
	x->close = !ctx->req.keep_alive || c->peer_eof || !ctx->keepalive || c->stay ||
	           (!conn_can_move(c) && ctx->draining);
	x->peer_family = c->family == CONN_ADDR_V4   ? AF_INET
	                 : c->family == CONN_ADDR_V6 ? AF_INET6
	                                             : AF_UNSPEC;
	x->peer_addr = &c->addr;
}

/* The answer to x is queued: the file to send after it, whether to close, the access log. */
static int
conn_answered(struct conn *c, const struct exchange *x)
{
	c->close_after = x->close;
	if (x->file_fd != -1) {
		c->file_fd = x->file_fd;
		c->file_off = (off_t)x->file_off;
		c->file_left = x->body_bytes;
	}
	conn_log(c, x->status, x->body_bytes);
	conn_count(c, c->ctx->host_slots[x->host], x->status, x->body_bytes);
	return TH_OK;
}

/*
 * The body is not all here yet. A client that waits for our word before it sends the body (RFC 9110
 * section 10.1.1) gets "100 Continue" only once a route takes the request; the route is kept for when the
 * body has come. Otherwise the answer (404, 405, 400) goes now, and the connection closes after it: the
 * body, which the client may send anyway, must not be read as a request (RFC 9112 section 9.6).
 * Returns TH_OK when something was queued, TH_AGAIN to wait for the body, TH_ERROR.
 */
static int
conn_expect_body(struct conn *c, size_t have)
{
	struct conn_ctx *ctx = c->ctx;
	const struct http_request *req = &ctx->req;
	struct exchange x;

	if (!req->expect_continue || c->continue_route != 0 || have > 0 || req->minor_version == 0)
		return TH_AGAIN;
	conn_exchange(c, &x, (struct str){ "", 0 });
	x.close = true;
	if (handle_route(ctx->handlers, &x) == TH_ERROR) {
		log_errno("cannot answer a request");
		return TH_ERROR;
	}
	if (x.status != 0) {
		c->linger = true;
		return conn_answered(c, &x);
	}
	c->continue_route = (uint32_t)(x.route - ctx->cfg->routes) + 1;
	if (buf_append(&c->out, continue_line, sizeof(continue_line) - 1) == -1)
		return TH_ERROR;
	return TH_OK;
}

static int
conn_dispatch(struct conn *c, struct str body)
{
	struct exchange x;

	conn_exchange(c, &x, body);
	if (handle_request(c->ctx->handlers, &x) == TH_ERROR) {
		log_errno("cannot answer a request");
		return TH_ERROR;
	}
	return conn_answered(c, &x);
}

/*
 * Parses and answers the request at the front of the input. Returns TH_OK when something was queued for
 * output, TH_AGAIN when more input is needed, TH_ERROR when memory ran out.
 */
static int
conn_serve_one(struct conn *c)
{
	struct conn_ctx *ctx = c->ctx;
	const struct config *cfg = ctx->cfg;
	struct http_request *req = &ctx->req;
	struct str body = { "", 0 };
	size_t consumed, raw;
	ssize_t n;
	int r;

	if (c->head_len == 0 && c->in.len == 0)
		return TH_AGAIN;
	if (c->out.data == NULL && buf_pool_get(&ctx->pool, &c->out) == -1)
		return TH_ERROR;
	if (c->head_len == 0) {
		n = http_parse_request(c->in.data, c->in.len, cfg->max_header_size, req);
		if (n == TH_AGAIN)
			return TH_AGAIN;
		if (n == TH_ERROR)
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
		/* The context's request is whichever head it parsed last: this one is parsed again. */
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
		if (n == TH_ERROR)
			return conn_fail(c, 400, "malformed chunked body");
		if (c->body_len > cfg->max_body_size)
			return conn_fail(c, 413, "request body too large");
		if (n == TH_AGAIN) {
			c->in.len = c->head_len + c->body_len;
			return conn_expect_body(c, c->body_len);
		}
		c->in.len = c->head_len + c->body_len + (size_t)n;
		body.p = c->in.data + c->head_len;
		body.len = c->body_len;
		consumed = c->head_len + c->body_len;
		break;
	}

	if ((r = conn_dispatch(c, body)) != TH_OK)
		return r;
	buf_consume(&c->in, consumed);
	c->head_len = 0;
	c->first_byte_us = c->in.len ? ctx->loop->now_us : 0;
	return TH_OK;
}

/*
 * Answers the complete requests buffered, up to a bound. Returns TH_OK when output waits, TH_AGAIN when
 * there is none, TH_ERROR.
 */
static int
conn_serve(struct conn *c)
{
	int r;

	while (!c->close_after && c->file_fd == -1 && c->out.len < OUT_HIGH_WATER) {
		if ((r = conn_serve_one(c)) == TH_ERROR)
			return TH_ERROR;
		if (r == TH_AGAIN)
			break;
	}
	return output_pending(c) ? TH_OK : TH_AGAIN;
}

/* The last response is out and the connection is to close: close, or linger so the peer can read it. */
static void
conn_finish(struct conn *c)
{
	/*
	 * The answer was sent with MSG_MORE: the FIN goes out with it, in one segment. Shutting down sends
	 * both before close(), which would reset the connection and drop them had the peer sent anything
	 * more (a request pipelined after Connection: close).
	 */
	if (c->peer_eof || c->tp->ops->shutdown(c->tp, c->fd) != TH_OK || !c->linger) {
		conn_close(c);
		return;
	}
	conn_set_state(c, CONN_LINGER);
}

/*
 * The PROXY header a load balancer sends first: its source is the client from now on. Returns TH_OK once it
 * is read and the request follows in the same bytes, TH_AGAIN while c waits (in CONN_PROXY for the rest of
 * the header, or in CONN_NEW for the request), or TH_ERROR when c was closed: a connection without a valid
 * header gets no answer, since it is not speaking HTTP to us.
 */
static int
conn_proxy(struct conn *c)
{
	struct proxy_header h;
	ssize_t n;

	if ((n = proxy_parse(c->in.data, c->in.len, &h)) == TH_AGAIN && !c->peer_eof &&
	    c->in.len < PROXY_MAX_LEN) {
		conn_set_state(c, CONN_PROXY);
		return TH_AGAIN;
	}
	if (n < 0) {
		conn_close(c);
		return TH_ERROR;
	}
	if (!h.local && h.src.ss_family == AF_INET) {
		c->family = CONN_ADDR_V4;
		c->addr.v4 = ((const struct sockaddr_in *)&h.src)->sin_addr;
	} else if (!h.local && h.src.ss_family == AF_INET6) {
		c->family = CONN_ADDR_V6;
		c->addr.v6 = ((const struct sockaddr_in6 *)&h.src)->sin6_addr;
	}
	buf_consume(&c->in, (size_t)n);
	c->first_byte_us = c->in.len > 0 ? c->ctx->loop->now_us : 0;
	c->proxied = true;
	c->state = CONN_NEW;
	if (c->in.len > 0 || c->peer_eof)
		return TH_OK;
	/* The request is still to come: request_timeout for it, as for any new connection. */
	conn_set_state(c, CONN_NEW);
	return TH_AGAIN;
}

/* Moves the connection as far as it can go without blocking, and into the state it then waits in. */
static void
conn_run(struct conn *c)
{
	int r;

	if (c->state == CONN_PROXY && conn_proxy(c) != TH_OK)
		return;

	for (;;) {
		if (output_pending(c)) {
			if ((r = conn_write(c)) == TH_ERROR) {
				conn_close(c);
				return;
			}
			if (r != TH_OK) {
				conn_set_state(c, CONN_SEND);
				return;
			}
		}
		if (c->close_after) {
			conn_finish(c);
			return;
		}
		if ((r = conn_serve(c)) == TH_ERROR) {
			conn_close(c);
			return;
		}
		if (r == TH_OK)
			continue;
		/* The rest of a TLS record: the socket will not say it is readable for it. */
		if (c->tp->buffered && !c->peer_eof) {
			if (conn_read(c) == TH_ERROR) {
				conn_close(c);
				return;
			}
			continue;
		}
		if (c->peer_eof) {
			conn_close(c);
			return;
		}
		break;
	}

	if (c->first_byte_us != 0) {
		conn_set_state(c, c->head_len == 0 ? CONN_HEAD : CONN_BODY);
		return;
	}
	conn_set_state(c, CONN_IDLE);
}

/* Lingering: what the peer still sends is read and dropped, until its end or the deadline. */
static void
conn_discard(struct conn *c)
{
	char sink[4096];
	ssize_t n;

	while ((n = c->tp->ops->recv(c->tp, c->fd, sink, sizeof(sink))) > 0)
		;
	if (n == 0 || n == TH_ERROR)
		conn_close(c);
}

void
conn_on_event(struct conn *c, uint32_t events)
{
	int r;

	(void)events;
	if (c->fd == -1)
		return; /* closed earlier in this batch of events */
	if (c->state == CONN_LINGER) {
		conn_discard(c);
		return;
	}
	/* An answer waiting for room holds reading back: what a client pipelines waits in the socket. */
	if (c->state != CONN_SEND) {
		if ((r = conn_read(c)) == TH_ERROR) {
			conn_close(c);
			return;
		}
		if (r == TH_AGAIN) {
			/* Nothing for HTTP (a TLS handshake going on): the same wait, the deadline unmoved.
			 */
			conn_watch(c);
			return;
		}
	}
	conn_run(c);
}

void
conn_start(struct conn *c, bool idle)
{
	if (!idle && c->ctx->cfg->listeners[c->listener].proxy_protocol)
		c->state = CONN_PROXY;
	/* The listener defers accepting until the request is there (TCP_DEFER_ACCEPT): read it now. */
	if (conn_read(c) == TH_ERROR) {
		conn_close(c);
		return;
	}
	if (c->in.len > 0 || c->peer_eof) {
		conn_run(c);
		return;
	}
	conn_set_state(c, c->state == CONN_PROXY ? CONN_PROXY : idle ? CONN_IDLE : CONN_NEW);
}

static void
conn_on_timeout(struct timer *t)
{
	struct conn *c = container_of(t, struct conn, timer);

	if (c->state != CONN_HEAD && c->state != CONN_BODY) {
		/* Idle past keepalive_timeout, silent since accept, a reader that stalled, a linger run out.
		 */
		conn_close(c);
		return;
	}
	/* A request that did not arrive whole in request_timeout. */
	c->in.len = 0;
	c->head_len = 0;
	if (conn_fail(c, 408, "request timeout: the request did not arrive in time") == TH_ERROR) {
		conn_close(c);
		return;
	}
	/* Only now: the access log line gives how long the request had. */
	c->first_byte_us = 0;
	conn_run(c);
}
