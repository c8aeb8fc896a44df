/* SPDX-License-Identifier: ISC */
/* fuzz_proxy_proto.c: libFuzzer harness for proxy_parse: every prefix, and each header it reads rewritten. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proxy_proto.h"

static bool
same_header(const struct proxy_header *a, const struct proxy_header *b)
{
	return a->local == b->local && memcmp(&a->src, &b->src, sizeof(a->src)) == 0 &&
	       memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0;
}

/*
 * proxy_parse() on an exact-size copy, so AddressSanitizer sees a read past the end. Until a header is
 * complete *h is left alone, and a reader with room for PROXY_MAX_LEN bytes is never left waiting.
 */
static ssize_t
parse(const char *in, size_t len, struct proxy_header *h)
{
	struct proxy_header before;
	char *p = fuzz_dup(in, len);
	ssize_t r;

	memset(h, 0xa5, sizeof(*h));
	memset(&before, 0xa5, sizeof(before));
	r = proxy_parse(p, len, h);
	free(p);
	CHECK(r == TH_AGAIN || r == TH_ERROR || (r > 0 && (size_t)r <= len && r <= PROXY_MAX_LEN));
	CHECK(r != TH_AGAIN || len < PROXY_MAX_LEN);
	if (r < 0)
		CHECK(memcmp(h, &before, sizeof(before)) == 0);
	return r;
}

/* What the connection will use: a v1 line within its limit, two addresses of one family or none. */
static void
check_meaning(const char *in, ssize_t r, const struct proxy_header *h)
{
	if (in[0] == 'P')
		CHECK(r <= PROXY_V1_MAX_LEN && in[r - 2] == '\r' && in[r - 1] == '\n');
	if (h->local)
		return;
	CHECK(h->src.ss_family == AF_INET || h->src.ss_family == AF_INET6);
	CHECK(h->dst.ss_family == h->src.ss_family);
}

static const void *
endpoint(const struct sockaddr_storage *ss, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		*port = ((const struct sockaddr_in *)ss)->sin_port;
		return &((const struct sockaddr_in *)ss)->sin_addr;
	}
	*port = ((const struct sockaddr_in6 *)ss)->sin6_port;
	return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

/* The header h, written as a v1 line and as a v2 header, parses back to h in both. */
static void
check_rewritten(const struct proxy_header *h)
{
	static const unsigned char sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
		                               0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	char line[PROXY_V1_MAX_LEN + 1], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	unsigned char bin[16 + 36];
	const void *sa, *da;
	uint16_t sport, dport;
	size_t alen, n;
	struct proxy_header again;
	int family = h->src.ss_family, len;

	memcpy(bin, sig, sizeof(sig));
	if (h->local) {
		len = snprintf(line, sizeof(line), "PROXY UNKNOWN\r\n");
		bin[12] = 0x20;
		bin[13] = 0x00;
		n = 0;
	} else {
		sa = endpoint(&h->src, &sport);
		da = endpoint(&h->dst, &dport);
		CHECK(inet_ntop(family, sa, src, sizeof(src)) != NULL);
		CHECK(inet_ntop(family, da, dst, sizeof(dst)) != NULL);
		len = snprintf(line, sizeof(line), "PROXY TCP%c %s %s %u %u\r\n",
		               family == AF_INET ? '4' : '6', src, dst, ntohs(sport), ntohs(dport));
		alen = family == AF_INET ? 4 : 16;
		bin[12] = 0x21;
		bin[13] = family == AF_INET ? 0x11 : 0x21;
		memcpy(bin + 16, sa, alen);
		memcpy(bin + 16 + alen, da, alen);
		memcpy(bin + 16 + 2 * alen, &sport, 2);
		memcpy(bin + 16 + 2 * alen + 2, &dport, 2);
		n = 2 * alen + 4;
	}
	bin[14] = 0;
	bin[15] = (unsigned char)n;
	CHECK(len > 0 && len <= PROXY_V1_MAX_LEN);
	CHECK(parse(line, (size_t)len, &again) == len && same_header(&again, h));
	CHECK(parse((const char *)bin, 16 + n, &again) == (ssize_t)(16 + n) && same_header(&again, h));
}

/*
 * The server parses the header again each time more bytes arrive, so every prefix must agree with the
 * whole: before a header ends only TH_AGAIN, after it the same header; for a bad one TH_AGAIN, then
 * TH_ERROR from the first wrong byte on. No header is longer than PROXY_MAX_LEN, so the prefixes stop
 * there.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct proxy_header whole, part;
	size_t last = size < PROXY_MAX_LEN + 1 ? size : PROXY_MAX_LEN + 1, k;
	ssize_t r = parse(in, size, &whole), rk;
	bool failed = false;

	if (r > 0) {
		check_meaning(in, r, &whole);
		check_rewritten(&whole);
	}
	for (k = 0; k <= last; k++) {
		rk = parse(in, k, &part);
		if (r > 0 && k >= (size_t)r)
			CHECK(rk == r && same_header(&part, &whole));
		else if (r != TH_ERROR)
			CHECK(rk == TH_AGAIN);
		else
			CHECK(rk == TH_ERROR || (rk == TH_AGAIN && !failed));
		failed = rk == TH_ERROR;
	}
	/* A bad header is refused by the time PROXY_MAX_LEN + 1 bytes are in. */
	CHECK(r != TH_ERROR || failed);
	return 0;
}
