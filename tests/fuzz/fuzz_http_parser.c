/* SPDX-License-Identifier: ISC */
/* fuzz_http_parser.c: libFuzzer harness for http_parse_request on prefixes, http_decode_chunked in pieces. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http_parser.h"
#include "url.h"

/*
 * Input: one control byte, one seed byte, then the bytes a client sent. The control byte's low two bits
 * pick max_head (small ones reach the 414 and 431 limits) and the next three the largest chunked piece.
 */
static const size_t max_heads[] = { 16, 64, 512, 8192 };

static bool
inside(struct str s, const char *buf, size_t len)
{
	return s.p >= buf && s.len <= len && s.p - buf <= (ptrdiff_t)(len - s.len);
}

/* Callers rebase every str when they move their buffer, so each must point into the bytes given. */
static void
check_inside(const struct http_request *req, const char *buf, size_t len)
{
	size_t i;

	CHECK(inside(req->method, buf, len) && inside(req->target, buf, len));
	CHECK(inside(req->path, buf, len) && inside(req->query, buf, len));
	CHECK(inside(req->host, buf, len) && inside(req->content_type, buf, len));
	CHECK(inside(req->authority, buf, len));
	CHECK(req->num_headers <= HTTP_MAX_HEADERS);
	for (i = 0; i < req->num_headers; i++)
		CHECK(inside(req->headers[i].name, buf, len) && inside(req->headers[i].value, buf, len));
}

/* What the server relies on after a parse: a route path, one framing, an answer for every error. */
static void
check_meaning(ssize_t r, const struct http_request *req)
{
	if (r == TH_ERROR) {
		CHECK(req->error != NULL);
		CHECK(req->status == 400 || req->status == 414 || req->status == 431 || req->status == 501 ||
		      req->status == 505);
	}
	if (r <= 0)
		return;
	CHECK(req->method.len > 0 && req->path.len > 0 && (req->path.p[0] == '/' || req->path.p[0] == '*'));
	/* The handler takes "*" for OPTIONS * without looking at the method again. */
	CHECK(req->path.p[0] != '*' || (req->path.len == 1 && str_eq(req->method, "OPTIONS")));
	CHECK(req->minor_version == 0 || req->minor_version == 1);
	CHECK(req->body != HTTP_BODY_CHUNKED || req->minor_version == 1);
	CHECK(req->body == HTTP_BODY_LENGTH ? req->content_length <= INT64_MAX : req->content_length == 0);
	CHECK(!req->expect_continue || req->minor_version == 1);
	CHECK(req->host.len == 0 || url_host_valid(req->host.p, req->host.len));
	/* It may go into a Location as it is: no byte that could end or split a header. */
	CHECK(req->authority.len == 0 || url_host_valid(req->authority.p, req->authority.len));
}

static bool
same_str(struct str a, const char *abuf, struct str b, const char *bbuf)
{
	return a.p - abuf == b.p - bbuf && a.len == b.len;
}

/* Two parses of the same head, in different copies, found the same request. */
static bool
same_request(const struct http_request *a, const char *abuf, const struct http_request *b, const char *bbuf)
{
	size_t i;

	if (!same_str(a->method, abuf, b->method, bbuf) || !same_str(a->target, abuf, b->target, bbuf) ||
	    !same_str(a->path, abuf, b->path, bbuf) || !same_str(a->query, abuf, b->query, bbuf) ||
	    !same_str(a->host, abuf, b->host, bbuf) || !same_str(a->authority, abuf, b->authority, bbuf) ||
	    !same_str(a->content_type, abuf, b->content_type, bbuf) || a->minor_version != b->minor_version ||
	    a->num_headers != b->num_headers || a->body != b->body ||
	    a->content_length != b->content_length || a->keep_alive != b->keep_alive ||
	    a->expect_continue != b->expect_continue)
		return false;
	for (i = 0; i < a->num_headers; i++)
		if (!same_str(a->headers[i].name, abuf, b->headers[i].name, bbuf) ||
		    !same_str(a->headers[i].value, abuf, b->headers[i].value, bbuf))
			return false;
	return true;
}

/* Prefixes tried per input: each one of a short input, a spread of a long one, whose parses cost its square.
 */
#define MAX_PREFIXES 256

/*
 * The server parses the head again each time more bytes arrive, so every prefix must agree with the whole:
 * before the head ends only TH_AGAIN or the whole's own error, and once an error, always that error.
 * Prefixes longer than the head, or than max_head, show the parser no byte it has not seen, so the first
 * of them is the last tried; it always is, as the one where a read past the head would show.
 */
static ssize_t
parse_prefixes(const char *in, size_t len, size_t max_head, unsigned seed)
{
	struct http_request whole, part;
	bool failed = false;
	char *buf = fuzz_dup(in, len);
	ssize_t r = http_parse_request(buf, len, max_head, &whole), rk;
	size_t last = r > 0 ? (size_t)r : max_head < len ? max_head : len, step = last / MAX_PREFIXES + 1, k;

	CHECK(r == TH_AGAIN || r == TH_ERROR || (r > 0 && (size_t)r <= len && (size_t)r <= max_head));
	check_inside(&whole, buf, r > 0 ? (size_t)r : len);
	check_meaning(r, &whole);
	for (k = seed % step;; k += step) {
		char *p;

		if (k > last)
			k = last;
		p = fuzz_dup(in, k);
		rk = http_parse_request(p, k, max_head, &part);
		check_inside(&part, p, k);
		if (r > 0 && k >= (size_t)r)
			CHECK(rk == r && same_request(&whole, buf, &part, p));
		else if (rk == TH_ERROR)
			CHECK(r == TH_ERROR && part.status == whole.status &&
			      strcmp(part.error, whole.error) == 0);
		else
			CHECK(rk == TH_AGAIN && !failed);
		failed = rk == TH_ERROR;
		free(p);
		if (k == last)
			break;
	}
	free(buf);
	return r;
}

/* The decoded bytes, how the decode ended and, when it did, how many raw bytes followed the body. */
struct decoded {
	char *data;
	size_t len;
	ssize_t r;
};

/* Decodes in[0..len) in pieces of at most max_piece bytes (0 to decode it whole), each in its own copy. */
static struct decoded
decode_in_pieces(const char *in, size_t len, size_t max_piece, uint32_t seed)
{
	struct decoded d = { fuzz_alloc(len), 0, TH_AGAIN };
	struct http_chunked dec = { 0 };
	size_t off = 0;

	while (d.r == TH_AGAIN && off < len) {
		size_t piece = len - off, n;
		char *p;

		if (max_piece > 0) {
			/* xorshift32: the split points depend on the input only, so a crash reproduces. */
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			/* Empty pieces too: a read that returned nothing must not change the decode. */
			if (piece > seed % (max_piece + 1))
				piece = seed % (max_piece + 1);
		}
		p = fuzz_dup(in + off, piece);
		n = piece;
		d.r = http_decode_chunked(&dec, p, &n);
		/* Chunk sizes are bounded like Content-Length, so no size can wrap or overflow an off_t. */
		CHECK(n <= piece && dec.remaining <= INT64_MAX);
		if (n > 0)
			memcpy(d.data + d.len, p, n);
		d.len += n;
		if (d.r >= 0) {
			/* What follows the body is left as it came, right after the decoded bytes. */
			CHECK((size_t)d.r <= piece - n &&
			      memcmp(p + n, in + off + piece - d.r, (size_t)d.r) == 0);
			d.r += (ssize_t)(len - off - piece);
		}
		off += piece;
		free(p);
	}
	return d;
}

static void
check_chunked(const char *in, size_t len, size_t max_piece, uint32_t seed)
{
	struct decoded whole = decode_in_pieces(in, len, 0, 0);
	struct decoded split = decode_in_pieces(in, len, max_piece, seed);

	CHECK(whole.len <= len && whole.r >= TH_AGAIN && whole.r <= (ssize_t)(len - whole.len));
	CHECK(split.r == whole.r && split.len == whole.len && memcmp(split.data, whole.data, whole.len) == 0);
	free(whole.data);
	free(split.data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 2;
	size_t len, max_head, max_piece;
	ssize_t head;

	if (size < 2)
		return 0;
	len = size - 2;
	max_head = max_heads[data[0] & 3];
	max_piece = (size_t)1 << ((data[0] >> 2) & 7);
	head = parse_prefixes(in, len, max_head, data[1]);
	/* When no head parses, the whole input is a body: the decoder sees every input the fuzzer makes. */
	if (head > 0)
		check_chunked(in + head, len - (size_t)head, max_piece, data[1] + 1u);
	else
		check_chunked(in, len, max_piece, data[1] + 1u);
	return 0;
}
