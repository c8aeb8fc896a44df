/* SPDX-License-Identifier: ISC */
/* http_parser.c: strict RFC 9112 request heads and chunked bodies, parsed without I/O or allocation. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_parser.h"
#include "url.h"

/* Body lengths must fit an off_t, so the caller can hand them to lseek/sendfile without another check. */
#define BODY_LENGTH_MAX ((uint64_t)INT64_MAX)
#define CHUNK_EXT_MAX   4096
#define TRAILER_MAX     8192

const char *const http_methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", NULL };

bool
http_method_known(struct str method)
{
	const char *const *m;

	for (m = http_methods; *m != NULL; m++)
		if (str_eq(method, *m))
			return true;
	return false;
}

/* One pass over a request head; what the header lines mean is gathered here until the head ends. */
struct head {
	const char *buf;
	size_t pos;
	size_t end; /* min(len, max_head): nothing at or beyond it is ever read */
	struct http_request *req;
	bool has_length;
	bool has_te;
	bool te_chunked;
	bool te_other;
	bool has_host;
	bool has_content_type;
	bool conn_close;
	bool conn_keep_alive;
};

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110 section 5.6.2: the characters of a token, i.e. visible ASCII other than the delimiters. */
static bool
is_tchar(unsigned char c)
{
	if (is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Field content other than whitespace: VCHAR and obs-text (RFC 9110 section 5.5). */
static bool
is_field_vchar(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

static int
fail(struct http_request *req, int status, const char *why)
{
	req->status = status;
	req->error = why;
	return TH_ERROR;
}

static struct str
trim_ows(const char *p, const char *end)
{
	while (p < end && is_ows(p[0]))
		p++;
	while (end > p && is_ows(end[-1]))
		end--;
	return (struct str){ p, (size_t)(end - p) };
}

static bool
is_token(struct str s)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		if (!is_tchar(s.p[i]))
			return false;
	return s.len > 0;
}

/*
 * Takes the next element of a comma-separated list off the front of *list, trimmed of OWS; empty elements
 * come back with length 0 so callers can skip them, as RFC 9110 section 5.6.1 asks of recipients.
 */
static bool
list_next(struct str *list, struct str *elem)
{
	const char *end = list->p + list->len;
	const char *comma;

	if (list->len == 0)
		return false;
	comma = memchr(list->p, ',', list->len);
	*elem = trim_ows(list->p, comma != NULL ? comma : end);
	list->p = comma != NULL ? comma + 1 : end;
	list->len = (size_t)(end - list->p);
	return true;
}

/*
 * Consumes CRLF or, leniently, a bare LF at the cursor. Returns 1 when it did, 0 when no line ends here,
 * TH_AGAIN at the end of the bytes, TH_ERROR for a CR without LF, which some recipients take as a line
 * end and others do not: the root of request smuggling.
 */
static int
eat_eol(struct head *h)
{
	if (h->pos == h->end)
		return TH_AGAIN;
	if (h->buf[h->pos] == '\n') {
		h->pos++;
		return 1;
	}
	if (h->buf[h->pos] != '\r')
		return 0;
	if (h->pos + 1 == h->end)
		return TH_AGAIN;
	if (h->buf[h->pos + 1] != '\n')
		return fail(h->req, 400, "bare CR in request head");
	h->pos += 2;
	return 1;
}

static void
split_path_query(struct http_request *req, const char *p, const char *end)
{
	const char *q = memchr(p, '?', (size_t)(end - p));

	if (q == NULL) {
		req->path = (struct str){ p, (size_t)(end - p) };
		req->query = (struct str){ end, 0 };
	} else {
		req->path = (struct str){ p, (size_t)(q - p) };
		req->query = (struct str){ q + 1, (size_t)(end - q - 1) };
	}
}

static int
parse_absolute_form(struct http_request *req)
{
	const char *t = req->target.p, *end = t + req->target.len;
	const char *authority, *rest;
	size_t scheme;

	if (req->target.len >= 7 && strncasecmp(t, "http://", 7) == 0)
		scheme = 7;
	else if (req->target.len >= 8 && strncasecmp(t, "https://", 8) == 0)
		scheme = 8;
	else
		return fail(req, 400, "invalid request target");

	/*
	 * RFC 9110 section 4.2.4: userinfo is never sent in an http(s) target, and a recipient should treat
	 * it as an error, since it is a way to make one host look like another.
	 */
	authority = t + scheme;
	for (rest = authority; rest < end && *rest != '/' && *rest != '?'; rest++)
		if (*rest == '@')
			return fail(req, 400, "userinfo in request target");
	if (rest == authority)
		return fail(req, 400, "missing host in request target");
	if (!url_host_valid(authority, (size_t)(rest - authority)))
		return fail(req, 400, "invalid host in request target");
	req->authority = (struct str){ authority, (size_t)(rest - authority) };

	split_path_query(req, rest, end);
	/* "http://host" has no path of its own: borrow the last '/' of "://" to keep path inside buf. */
	if (req->path.len == 0)
		req->path = (struct str){ authority - 1, 1 };
	return 0;
}

static int
parse_target(struct http_request *req)
{
	struct str t = req->target;

	if (t.p[0] == '/') {
		split_path_query(req, t.p, t.p + t.len);
		return 0;
	}
	if (t.p[0] == '*') {
		if (t.len != 1)
			return fail(req, 400, "invalid request target");
		if (!str_eq(req->method, "OPTIONS"))
			return fail(req, 400, "asterisk-form target is only for OPTIONS");
		req->path = t;
		req->query = (struct str){ t.p + 1, 0 };
		return 0;
	}
	return parse_absolute_form(req);
}

static int
parse_version(struct head *h)
{
	/* '#' stands for one DIGIT. */
	static const char form[] = "HTTP/#.#";
	size_t start = h->pos, i;
	int major, minor, r;

	for (i = 0; form[i] != '\0'; i++, h->pos++) {
		unsigned char c;

		if (h->pos == h->end)
			return TH_AGAIN;
		c = h->buf[h->pos];
		if (form[i] == '#' ? !is_digit(c) : c != form[i])
			return fail(h->req, 400, "invalid HTTP version");
	}
	if ((r = eat_eol(h)) == 0)
		return fail(h->req, 400, "invalid HTTP version");
	if (r < 0)
		return r;

	major = h->buf[start + 5] - '0';
	minor = h->buf[start + 7] - '0';
	if (major != 1)
		return fail(h->req, 505, "HTTP version not supported");
	/* A higher 1.x minor version is still HTTP/1.1 to us (RFC 9110 section 6.2). */
	h->req->minor_version = minor == 0 ? 0 : 1;
	return 0;
}

static int
parse_request_line(struct head *h)
{
	struct http_request *req = h->req;
	const char *b = h->buf;
	size_t start;
	int r;

	while ((r = eat_eol(h)) == 1)
		continue;
	if (r < 0)
		return r;

	start = h->pos;
	while (h->pos < h->end && is_tchar(b[h->pos]))
		h->pos++;
	if (h->pos == h->end)
		return TH_AGAIN;
	if (b[h->pos] != ' ' || h->pos == start)
		return fail(req, 400, "invalid method");
	req->method = (struct str){ b + start, h->pos - start };

	start = ++h->pos;
	while (h->pos < h->end && is_field_vchar(b[h->pos]) && (unsigned char)b[h->pos] < 0x80) {
		if (b[h->pos] == '#')
			return fail(req, 400, "fragment in request target");
		h->pos++;
	}
	if (h->pos == h->end)
		return TH_AGAIN;
	if (b[h->pos] != ' ' || h->pos == start)
		return fail(req, 400, "invalid request target");
	req->target = (struct str){ b + start, h->pos - start };
	h->pos++;
	if (parse_target(req) < 0)
		return TH_ERROR;

	return parse_version(h);
}

/* Strictly 1*DIGIT: a sign, space or list here is how one request gets two different lengths. */
static int
parse_content_length(struct head *h, struct str v)
{
	struct http_request *req = h->req;
	uint64_t n = 0;
	size_t i;

	if (v.len == 0)
		return fail(req, 400, "invalid Content-Length");
	for (i = 0; i < v.len; i++) {
		unsigned char c = v.p[i];

		if (!is_digit(c))
			return fail(req, 400, "invalid Content-Length");
		if (n > (BODY_LENGTH_MAX - (c - '0')) / 10)
			return fail(req, 400, "Content-Length too large");
		n = n * 10 + (c - '0');
	}
	if (h->has_te)
		return fail(req, 400, "conflicting Content-Length and Transfer-Encoding");
	if (h->has_length && n != req->content_length)
		return fail(req, 400, "conflicting Content-Length values");
	h->has_length = true;
	req->content_length = n;
	return 0;
}

/*
 * Several Transfer-Encoding lines form one list. chunked must come last and only once; any other coding
 * is 501, but that is decided when the head ends, so a framing error later in the head still wins.
 */
static int
parse_transfer_encoding(struct head *h, struct str v)
{
	struct http_request *req = h->req;
	struct str coding;
	bool any = false;

	if (req->minor_version == 0)
		return fail(req, 400, "Transfer-Encoding in an HTTP/1.0 request");
	if (h->has_length)
		return fail(req, 400, "conflicting Content-Length and Transfer-Encoding");
	h->has_te = true;
	while (list_next(&v, &coding)) {
		if (coding.len == 0)
			continue;
		if (!is_token(coding))
			return fail(req, 400, "invalid Transfer-Encoding");
		if (str_eq_nocase(coding, "chunked")) {
			if (h->te_chunked)
				return fail(req, 400, "chunked transfer coding applied twice");
			h->te_chunked = true;
		} else {
			if (h->te_chunked)
				return fail(req, 400, "chunked is not the last transfer coding");
			h->te_other = true;
		}
		any = true;
	}
	if (!any)
		return fail(req, 400, "empty Transfer-Encoding");
	return 0;
}

static void
parse_connection(struct head *h, struct str v)
{
	struct str option;

	while (list_next(&v, &option)) {
		if (str_eq_nocase(option, "close"))
			h->conn_close = true;
		else if (str_eq_nocase(option, "keep-alive"))
			h->conn_keep_alive = true;
	}
}

static int
header_meaning(struct head *h, const struct http_header *hdr)
{
	struct http_request *req = h->req;

	if (str_eq_nocase(hdr->name, "Content-Length"))
		return parse_content_length(h, hdr->value);
	if (str_eq_nocase(hdr->name, "Transfer-Encoding"))
		return parse_transfer_encoding(h, hdr->value);
	if (str_eq_nocase(hdr->name, "Connection"))
		parse_connection(h, hdr->value);
	else if (str_eq_nocase(hdr->name, "Host")) {
		if (h->has_host)
			return fail(req, 400, "more than one Host header");
		/* Empty is what RFC 9112 section 3.2 has a client send for a target without an authority. */
		if (hdr->value.len > 0 && !url_host_valid(hdr->value.p, hdr->value.len))
			return fail(req, 400, "invalid Host header");
		h->has_host = true;
		req->host = hdr->value;
	} else if (str_eq_nocase(hdr->name, "Content-Type")) {
		/* Which of two types the form parser would believe is a guess; refuse instead. */
		if (h->has_content_type)
			return fail(req, 400, "more than one Content-Type header");
		h->has_content_type = true;
		req->content_type = hdr->value;
	} else if (str_eq_nocase(hdr->name, "Expect")) {
		/* RFC 9110 section 10.1.1: an HTTP/1.0 client cannot wait for 100 Continue. */
		if (req->minor_version == 1 && str_eq_nocase(hdr->value, "100-continue"))
			req->expect_continue = true;
	}
	return 0;
}

static int
parse_header(struct head *h)
{
	struct http_request *req = h->req;
	const char *b = h->buf;
	struct http_header *hdr;
	size_t start, vstart, vend;
	int r;

	/* obs-fold: proxies disagree on what it means, and RFC 9112 section 5.2 lets a server answer 400. */
	if (is_ows(b[h->pos]))
		return fail(req, 400, "obsolete line folding");
	if (req->num_headers == HTTP_MAX_HEADERS)
		return fail(req, 431, "too many header fields");

	start = h->pos;
	while (h->pos < h->end && is_tchar(b[h->pos]))
		h->pos++;
	if (h->pos == h->end)
		return TH_AGAIN;
	if (b[h->pos] != ':' || h->pos == start) {
		if (h->pos > start && is_ows(b[h->pos]))
			return fail(req, 400, "whitespace after header name");
		return fail(req, 400, "invalid header name");
	}
	hdr = &req->headers[req->num_headers];
	hdr->name = (struct str){ b + start, h->pos - start };

	h->pos++;
	while (h->pos < h->end && is_ows(b[h->pos]))
		h->pos++;
	vstart = vend = h->pos;
	while (h->pos < h->end && (is_ows(b[h->pos]) || is_field_vchar(b[h->pos])))
		if (!is_ows(b[h->pos++]))
			vend = h->pos;
	if ((r = eat_eol(h)) == 0)
		return fail(req, 400, "invalid character in header value");
	if (r < 0)
		return r;
	hdr->value = (struct str){ b + vstart, vend - vstart };
	req->num_headers++;
	return header_meaning(h, hdr);
}

static ssize_t
finish_head(struct head *h)
{
	struct http_request *req = h->req;

	if (req->minor_version == 1 && !h->has_host)
		return fail(req, 400, "missing Host header");
	if (req->authority.len == 0)
		req->authority = req->host;
	if (h->te_other)
		return fail(req, 501, "unsupported transfer coding");
	if (h->te_chunked)
		req->body = HTTP_BODY_CHUNKED;
	else if (h->has_length)
		req->body = HTTP_BODY_LENGTH;

	if (h->conn_close)
		req->keep_alive = false;
	else if (h->conn_keep_alive)
		req->keep_alive = true;
	else
		req->keep_alive = req->minor_version == 1;
	return (ssize_t)h->pos;
}

/* Running out of bytes is only a wait while the head may still grow; at max_head it is too large. */
static ssize_t
out_of_bytes(struct http_request *req, size_t len, size_t max_head, int status, const char *why)
{
	if (len >= max_head)
		return fail(req, status, why);
	return TH_AGAIN;
}

/* Every str starts out empty but inside buf, so a caller may rebase them all when it moves the buffer. */
static void
request_reset(struct http_request *req, const char *buf)
{
	struct str empty = { buf, 0 };

	req->method = req->target = req->path = req->query = empty;
	req->minor_version = 0;
	req->num_headers = 0;
	req->body = HTTP_BODY_NONE;
	req->content_length = 0;
	req->keep_alive = false;
	req->expect_continue = false;
	req->host = req->authority = req->content_type = empty;
	req->status = 0;
	req->error = NULL;
}

ssize_t
http_parse_request(const char *buf, size_t len, size_t max_head, struct http_request *req)
{
	struct head h = { .buf = buf, .end = len < max_head ? len : max_head, .req = req };
	int r;

	request_reset(req, buf);
	r = parse_request_line(&h);
	if (r == TH_AGAIN)
		return out_of_bytes(req, len, max_head, 414, "request line too long");
	if (r < 0)
		return r;

	while ((r = eat_eol(&h)) == 0) {
		r = parse_header(&h);
		if (r < 0)
			break;
	}
	if (r == TH_AGAIN)
		return out_of_bytes(req, len, max_head, 431, "request header fields too large");
	if (r < 0)
		return r;
	return finish_head(&h);
}

/* Chunked decoder states; 0 is where a zeroed struct http_chunked starts. Ranges below are tested. */
enum {
	CH_SIZE_START,
	CH_SIZE,
	/* The rest of the chunk-size line, the part bounded by CHUNK_EXT_MAX. */
	CH_SIZE_WS,
	CH_EXT_NAME_START,
	CH_EXT_NAME,
	CH_EXT_AFTER_NAME,
	CH_EXT_VALUE_START,
	CH_EXT_TOKEN,
	CH_EXT_QUOTED,
	CH_EXT_QUOTED_PAIR,
	CH_EXT_AFTER_VALUE,
	/* Line end and data. */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_END,
	CH_DATA_LF,
	/* The trailer section, bounded by TRAILER_MAX. */
	CH_TRAILER_START,
	CH_TRAILER_NAME,
	CH_TRAILER_VALUE,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE,
};

static int
chunk_size_line_done(struct http_chunked *dec)
{
	dec->ext_len = 0;
	return dec->remaining == 0 ? CH_TRAILER_START : CH_DATA;
}

static int
chunk_size_line_end(struct http_chunked *dec, unsigned char c)
{
	if (c == '\r')
		return CH_SIZE_LF;
	if (c == '\n')
		return chunk_size_line_done(dec);
	return TH_ERROR;
}

/*
 * One byte of everything but chunk data. Returns the next state or TH_ERROR. Extensions follow
 * RFC 9112 section 7.1.1 (BWS around ';' and '=', value a token or quoted-string) and are then ignored.
 */
static int
chunk_step(struct http_chunked *dec, int state, unsigned char c)
{
	int d;

	switch (state) {
	case CH_SIZE_START:
		if ((d = hex_digit(c)) < 0)
			return TH_ERROR;
		dec->remaining = (uint64_t)d;
		return CH_SIZE;
	case CH_SIZE:
		if ((d = hex_digit(c)) >= 0) {
			if (dec->remaining > (BODY_LENGTH_MAX - (uint64_t)d) / 16)
				return TH_ERROR;
			dec->remaining = dec->remaining * 16 + (uint64_t)d;
			return CH_SIZE;
		}
		if (c == ';')
			return CH_EXT_NAME_START;
		if (is_ows(c))
			return CH_SIZE_WS;
		return chunk_size_line_end(dec, c);
	case CH_SIZE_WS:
		if (is_ows(c))
			return CH_SIZE_WS;
		return c == ';' ? CH_EXT_NAME_START : TH_ERROR;
	case CH_EXT_NAME_START:
		if (is_ows(c))
			return CH_EXT_NAME_START;
		return is_tchar(c) ? CH_EXT_NAME : TH_ERROR;
	case CH_EXT_NAME:
		if (is_tchar(c))
			return CH_EXT_NAME;
		/* FALLTHROUGH */
	case CH_EXT_AFTER_NAME:
		if (is_ows(c))
			return CH_EXT_AFTER_NAME;
		if (c == '=')
			return CH_EXT_VALUE_START;
		if (c == ';')
			return CH_EXT_NAME_START;
		return chunk_size_line_end(dec, c);
	case CH_EXT_VALUE_START:
		if (is_ows(c))
			return CH_EXT_VALUE_START;
		if (c == '"')
			return CH_EXT_QUOTED;
		return is_tchar(c) ? CH_EXT_TOKEN : TH_ERROR;
	case CH_EXT_TOKEN:
		if (is_tchar(c))
			return CH_EXT_TOKEN;
		/* FALLTHROUGH */
	case CH_EXT_AFTER_VALUE:
		if (is_ows(c))
			return CH_EXT_AFTER_VALUE;
		if (c == ';')
			return CH_EXT_NAME_START;
		return chunk_size_line_end(dec, c);
	case CH_EXT_QUOTED:
		if (c == '"')
			return CH_EXT_AFTER_VALUE;
		if (c == '\\')
			return CH_EXT_QUOTED_PAIR;
		return is_ows(c) || is_field_vchar(c) ? CH_EXT_QUOTED : TH_ERROR;
	case CH_EXT_QUOTED_PAIR: return is_ows(c) || is_field_vchar(c) ? CH_EXT_QUOTED : TH_ERROR;
	case CH_SIZE_LF: return c == '\n' ? chunk_size_line_done(dec) : TH_ERROR;
	case CH_DATA_END:
		if (c == '\r')
			return CH_DATA_LF;
		/* FALLTHROUGH */
	case CH_DATA_LF: return c == '\n' ? CH_SIZE_START : TH_ERROR;
	case CH_TRAILER_START:
		if (c == '\r')
			return CH_END_LF;
		if (c == '\n')
			return CH_DONE;
		/* A leading space would be obs-fold; a trailer line is a header line, nothing looser. */
		return is_tchar(c) ? CH_TRAILER_NAME : TH_ERROR;
	case CH_TRAILER_NAME:
		if (is_tchar(c))
			return CH_TRAILER_NAME;
		return c == ':' ? CH_TRAILER_VALUE : TH_ERROR;
	case CH_TRAILER_VALUE:
		if (is_ows(c) || is_field_vchar(c))
			return CH_TRAILER_VALUE;
		if (c == '\r')
			return CH_TRAILER_LF;
		return c == '\n' ? CH_TRAILER_START : TH_ERROR;
	case CH_TRAILER_LF: return c == '\n' ? CH_TRAILER_START : TH_ERROR;
	case CH_END_LF: return c == '\n' ? CH_DONE : TH_ERROR;
	}
	return TH_ERROR;
}

/* Charges the byte that led from prev to state against the extension or the trailer bound. */
static bool
chunk_within_bounds(struct http_chunked *dec, int prev, int state)
{
	/* By the state it leads to, so the first byte after the size (';' or BWS) counts too. */
	if (state >= CH_SIZE_WS && state <= CH_EXT_AFTER_VALUE)
		return ++dec->ext_len <= CHUNK_EXT_MAX;
	if (prev >= CH_TRAILER_START)
		return ++dec->trailer_len <= TRAILER_MAX;
	return true;
}

ssize_t
http_decode_chunked(struct http_chunked *dec, char *buf, size_t *len)
{
	size_t in = 0, out = 0, n = *len;
	int state = dec->state;

	while (in < n && state != CH_DONE) {
		int prev = state;

		if (state == CH_DATA) {
			size_t take = n - in;

			if (take > dec->remaining)
				take = (size_t)dec->remaining;
			memmove(buf + out, buf + in, take);
			in += take;
			out += take;
			dec->remaining -= take;
			if (dec->remaining == 0)
				state = CH_DATA_END;
			continue;
		}
		state = chunk_step(dec, prev, (unsigned char)buf[in++]);
		if (state >= 0 && !chunk_within_bounds(dec, prev, state))
			state = TH_ERROR;
		if (state < 0)
			break;
	}
	*len = out;
	if (state < 0)
		return TH_ERROR;
	dec->state = state;
	if (state != CH_DONE)
		return TH_AGAIN;
	memmove(buf + out, buf + in, n - in);
	return (ssize_t)(n - in);
}
