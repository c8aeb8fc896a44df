/* SPDX-License-Identifier: ISC */
/* check_proxy_proto.c: tables of good and bad v1 and v2 PROXY headers, each fed whole and byte by byte. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "proxy_proto.h"

#define NCASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* What a load balancer forwards after the header: the parser must leave all of it. */
#define REQUEST "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"

/* What a header must parse to. */
struct want {
	size_t bad_at; /* 0 for a good header; else the length of the shortest prefix refused */
	bool local;
	int family;
	const char *src, *dst; /* as inet_ntop() writes them */
	unsigned sport, dport;
};

#define WANT_ADDRS(fam, src, sport, dst, dport)                                                              \
	{                                                                                                    \
		0, false, (fam), (src), (dst), (sport), (dport)                                              \
	}
#define WANT_LOCAL                                                                                           \
	{                                                                                                    \
		0, true, AF_UNSPEC, NULL, NULL, 0, 0                                                         \
	}
#define WANT_BAD(at)                                                                                         \
	{                                                                                                    \
		(at), false, AF_UNSPEC, NULL, NULL, 0, 0                                                     \
	}

/* proxy_parse() on an exact-size copy of buf[0..len), so that a read past the end is caught by ASan. */
static ssize_t
parse_copy(const char *buf, size_t len, struct proxy_header *h)
{
	char *p = malloc(len > 0 ? len : 1);
	ssize_t r;

	ck_assert_ptr_nonnull(p);
	memcpy(p, buf, len);
	r = proxy_parse(p, len, h);
	free(p);
	return r;
}

static void
check_endpoint(const char *name, const struct sockaddr_storage *ss, int family, const char *addr,
               unsigned port)
{
	char text[INET6_ADDRSTRLEN];
	const void *a;
	uint16_t p;

	ck_assert_msg(ss->ss_family == family, "%s: family %d, want %d", name, ss->ss_family, family);
	if (family == AF_INET) {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
		p = ((const struct sockaddr_in *)ss)->sin_port;
	} else {
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		p = ((const struct sockaddr_in6 *)ss)->sin6_port;
	}
	ck_assert_ptr_nonnull(inet_ntop(family, a, text, sizeof(text)));
	ck_assert_msg(strcmp(text, addr) == 0, "%s: address %s, want %s", name, text, addr);
	ck_assert_msg(ntohs(p) == port, "%s: port %u, want %u", name, ntohs(p), port);
}

/*
 * Feeds hdr[0..hlen) with a request after it, whole and then every prefix in a copy of its own: a good
 * header is TH_AGAIN until it is complete, then its length whatever follows; a bad one is TH_AGAIN until
 * its first wrong byte and TH_ERROR from there on. *h changes only when a header is complete.
 */
static void
check_header(const char *name, const char *hdr, size_t hlen, const struct want *w)
{
	static char buf[PROXY_MAX_LEN + sizeof(REQUEST)];
	size_t len = hlen + strlen(REQUEST), k;
	struct proxy_header h, untouched;
	ssize_t r, want;

	ck_assert_uint_le(hlen, PROXY_MAX_LEN);
	memcpy(buf, hdr, hlen);
	memcpy(buf + hlen, REQUEST, strlen(REQUEST));
	memset(&untouched, 0xa5, sizeof(untouched));
	for (k = 0; k <= len; k++) {
		if (w->bad_at > 0)
			want = k < w->bad_at ? TH_AGAIN : TH_ERROR;
		else
			want = k < hlen ? TH_AGAIN : (ssize_t)hlen;
		h = untouched;
		r = parse_copy(buf, k, &h);
		ck_assert_msg(r == want, "%s: %zd for the first %zu bytes, want %zd", name, r, k, want);
		if (r < 0)
			ck_assert_msg(memcmp(&h, &untouched, sizeof(h)) == 0, "%s: header written on %zd",
			              name, r);
	}

	/* The whole, once more, to look at what it says. */
	memset(&h, 0xa5, sizeof(h));
	r = proxy_parse(buf, len, &h);
	if (w->bad_at > 0)
		return;
	ck_assert_msg(r == (ssize_t)hlen && memcmp(buf + r, REQUEST, strlen(REQUEST)) == 0,
	              "%s: the request after the header is not left", name);
	ck_assert_msg(h.local == w->local, "%s: local %d, want %d", name, h.local, w->local);
	if (w->local)
		return;
	check_endpoint(name, &h.src, w->family, w->src, w->sport);
	check_endpoint(name, &h.dst, w->family, w->dst, w->dport);
}

/* Headers written out as bytes: v1 lines, and whatever begins neither version. */
struct raw_case {
	const char *in;
	size_t len;
	struct want want;
};

#define RAW_OK(in, fam, src, sport, dst, dport)                                                              \
	{                                                                                                    \
		(in), sizeof(in) - 1, WANT_ADDRS(fam, src, sport, dst, dport)                                \
	}
#define RAW_LOCAL(in)                                                                                        \
	{                                                                                                    \
		(in), sizeof(in) - 1, WANT_LOCAL                                                             \
	}
/* good is the part a receiver cannot yet refuse; the first byte of bad is where it must. */
#define RAW_BAD(good, bad)                                                                                   \
	{                                                                                                    \
		good bad, sizeof(good bad) - 1, WANT_BAD(sizeof(good))                                       \
	}

#define FFFF8 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define X10   "xxxxxxxxxx"
#define V4MAP "0000:0000:0000:0000:0000:ffff:255.255.255.255"
#define V4    "PROXY TCP4 192.168.0.1 10.0.0.1 "

static const struct raw_case raw_cases[] = {
	RAW_OK("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", AF_INET, "192.168.0.1", 56324,
	       "192.168.0.11", 443),
	RAW_OK("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", AF_INET, "0.0.0.0", 0, "255.255.255.255",
	       65535),
	RAW_OK("PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 1234 80\r\n", AF_INET6, "2001:db8::1", 1234,
	       "2001:db8::2", 80),
	RAW_OK("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n", AF_INET6, "::ffff:192.0.2.1", 1, "::1", 2),
	/* The specification's longest TCP line, 104 bytes. */
	RAW_OK("PROXY TCP6 " FFFF8 " " FFFF8 " 65535 65535\r\n", AF_INET6, FFFF8, 65535, FFFF8, 65535),
	RAW_LOCAL("PROXY UNKNOWN\r\n"),
	RAW_LOCAL("PROXY UNKNOWN 192.168.0.1 10.0.0.1 1 2\r\n"),
	RAW_LOCAL("PROXY UNKNOWN \r\n"),
	/* The longest line of all, 107 bytes: UNKNOWN with the longest TCP6 fields after it. */
	RAW_LOCAL("PROXY UNKNOWN " FFFF8 " " FFFF8 " 65535 65535\r\n"),

	/* Neither version, from the first byte. */
	RAW_BAD("", "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	RAW_BAD("", "\x16\x03\x01\x00\xa5\x01"),
	RAW_BAD("", " PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("P", "roxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("\r\n\r\n", "GET / HTTP/1.1\r\n"),
	RAW_BAD("\r\n\r\n\0\r\nQUI", "X\n\x21\x11\x00\x0c"),

	/* v1 words and spaces. */
	RAW_BAD("PROXY", "\tTCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY ", " TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY ", "tcp4 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP", "5 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4", "\r\n"),
	RAW_BAD("PROXY TCP4 ", " 1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY UNK", "OWN\r\n"),
	RAW_BAD("PROXY UNKNOWN", "X\r\n"),
	RAW_BAD("PROXY UNKNOWN", "\n"),
	RAW_BAD("PROXY UNKNOWN junk", "\n"),
	RAW_BAD("PROXY UNKNOWN\r", "X\r\n"),
	RAW_BAD("PROXY UNKNOWN\r", "\r\n"),

	/* Addresses: refused at the byte that no address can go on with. */
	RAW_BAD("PROXY TCP4 25", "6.1.1.1 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 0", "1.2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 1.2.", ".3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 1.2.3.4", ".5 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 1.2.3", " 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 ", "::1 ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP4 ", "localhost 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 1.2.3.4 ", "::1 1 2\r\n"),
	RAW_BAD("PROXY TCP4 1.2.3.4", "\t5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP4 1.2.3.4", "\0 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP6 1", ".2.3.4 5.6.7.8 1 2\r\n"),
	RAW_BAD("PROXY TCP6 1::", ":2 ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 1::2:", ":3 ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 1234", "5::1 ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 1:2:3:4:5:6:7:8", ":9 ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 1:2:3:4:5:6:7", " ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 ", "g::1 ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 ", "[::1] ::1 1 2\r\n"),
	RAW_BAD("PROXY TCP6 ::01", ".2.3.4 ::1 1 2\r\n"),
	/* Longer than any address: the longer prefixes must not overrun the parser's copy of it. */
	RAW_BAD("PROXY TCP6 ffff", "f" FFFF8 FFFF8 " ::1 1 2\r\n"),

	/* Ports and the line end. */
	RAW_BAD(V4 "6553", "6 80\r\n"),
	RAW_BAD(V4 "0", "80 80\r\n"),
	RAW_BAD(V4, "-1 80\r\n"),
	RAW_BAD(V4, " 80 80\r\n"),
	RAW_BAD(V4 "80 ", "+80\r\n"),
	RAW_BAD(V4 "80", "\r\n"),
	RAW_BAD(V4 "80 80", " \r\n"),
	RAW_BAD(V4 "80 80", "\n"),
	RAW_BAD(V4 "80 80\r", "\r\n"),
	RAW_BAD(V4 "80 80\r", "X"),

	/* A line whose CRLF would not fit in 107 bytes is refused at its 106th byte. */
	RAW_BAD("PROXY UNKNOWN " X10 X10 X10 X10 X10 X10 X10 X10 X10 "x", "x\r\n"),
	RAW_BAD("PROXY TCP6 " V4MAP " " V4MAP " 65", "535 65535\r\n"),
};

START_TEST(test_raw)
{
	const struct raw_case *c = &raw_cases[_i];
	char name[32];

	snprintf(name, sizeof(name), "raw case %d", _i);
	check_header(name, c->in, c->len, &c->want);
}
END_TEST

/* v2 headers, built from their fields. */
struct v2_case {
	const char *name;
	unsigned char ver_cmd, fam;
	const char *body; /* the address block and TLVs */
	size_t body_len;
	size_t noop; /* then a PP2_TYPE_NOOP TLV with this many bytes of value, when > 0 */
	long len;    /* the length field, when >= 0; else that of the body and the TLV */
	struct want want;
};

/* 192.168.0.1:56324 to 10.0.0.1:443 */
#define IPV4_BLOCK "\xc0\xa8\x00\x01\x0a\x00\x00\x01\xdc\x04\x01\xbb"
/* [2001:db8::1]:1234 to [2001:db8::2]:80 */
#define IPV6_BLOCK                                                                                           \
	"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02\x04\xd2\x00"   \
	"\x50"
/* An ALPN and an authority, which a receiver may skip. */
#define TLVS                                                                                                 \
	"\x01\x00\x08http/1.1\x02\x00\x0b"                                                                   \
	"example.com"
#define WANT_IPV4 WANT_ADDRS(AF_INET, "192.168.0.1", 56324, "10.0.0.1", 443)
#define WANT_IPV6 WANT_ADDRS(AF_INET6, "2001:db8::1", 1234, "2001:db8::2", 80)

#define V2(name, ver_cmd, fam, body, noop, len, want)                                                        \
	{                                                                                                    \
		(name), (ver_cmd), (fam), (body), sizeof(body) - 1, (noop), (len), want                      \
	}

/* The version and command byte is the 13th, family and transport the 14th, the length the 15th and 16th. */
static const struct v2_case v2_cases[] = {
	V2("TCP4", 0x21, 0x11, IPV4_BLOCK, 0, -1, WANT_IPV4),
	V2("TCP6", 0x21, 0x21, IPV6_BLOCK, 0, -1, WANT_IPV6),
	V2("TCP4 with TLVs", 0x21, 0x11, IPV4_BLOCK TLVS, 0, -1, WANT_IPV4),
	V2("TCP6 with TLVs", 0x21, 0x21, IPV6_BLOCK TLVS, 0, -1, WANT_IPV6),
	V2("TCP4 with unknown bytes", 0x21, 0x11, IPV4_BLOCK "\xff\xff", 0, -1, WANT_IPV4),
	V2("TCP4, longest", 0x21, 0x11, IPV4_BLOCK, PROXY_MAX_LEN - 16 - 12 - 3, -1, WANT_IPV4),
	V2("LOCAL", 0x20, 0x00, "", 0, -1, WANT_LOCAL),
	V2("LOCAL with TCP4 addresses", 0x20, 0x11, IPV4_BLOCK, 0, -1, WANT_LOCAL),
	V2("LOCAL TCP4 without addresses", 0x20, 0x11, "", 0, -1, WANT_LOCAL),
	V2("LOCAL unix", 0x20, 0x31, "", 216 - 3, -1, WANT_LOCAL),
	V2("LOCAL UDP6", 0x20, 0x22, IPV6_BLOCK, 0, -1, WANT_LOCAL),
	V2("PROXY UNSPEC", 0x21, 0x00, "", 0, -1, WANT_LOCAL),
	V2("PROXY unix stream", 0x21, 0x31, "", 216 - 3, -1, WANT_LOCAL),
	V2("PROXY UDP4", 0x21, 0x12, IPV4_BLOCK, 0, -1, WANT_LOCAL),
	V2("PROXY INET, transport UNSPEC", 0x21, 0x10, IPV4_BLOCK, 0, -1, WANT_LOCAL),

	V2("version 1", 0x11, 0x11, IPV4_BLOCK, 0, -1, WANT_BAD(13)),
	V2("version 3", 0x31, 0x11, IPV4_BLOCK, 0, -1, WANT_BAD(13)),
	V2("version 0", 0x01, 0x11, IPV4_BLOCK, 0, -1, WANT_BAD(13)),
	V2("command 2", 0x22, 0x11, IPV4_BLOCK, 0, -1, WANT_BAD(13)),
	V2("command 15", 0x2f, 0x11, IPV4_BLOCK, 0, -1, WANT_BAD(13)),
	V2("family 4", 0x21, 0x41, IPV4_BLOCK, 0, -1, WANT_BAD(14)),
	V2("transport 3", 0x21, 0x13, IPV4_BLOCK, 0, -1, WANT_BAD(14)),
	V2("family and transport 0xff", 0x20, 0xff, "", 0, -1, WANT_BAD(14)),
	V2("TCP4, address block short", 0x21, 0x11, "\xc0\xa8\x00\x01\x0a\x00\x00\x01\xdc\x04\x01", 0, -1,
	   WANT_BAD(16)),
	V2("TCP6, address block short", 0x21, 0x21, IPV6_BLOCK, 0, 35, WANT_BAD(16)),
	V2("TCP6 with TCP4's block", 0x21, 0x21, IPV4_BLOCK, 0, -1, WANT_BAD(16)),
	V2("TCP4, too long", 0x21, 0x11, IPV4_BLOCK, PROXY_MAX_LEN - 16 - 12 - 3 + 1, -1, WANT_BAD(16)),
	V2("LOCAL, too long", 0x20, 0x00, "", 0, 0xffff, WANT_BAD(16)),
};

/* Writes c's header into out (room for PROXY_MAX_LEN bytes and more); returns its length. */
static size_t
v2_build(const struct v2_case *c, unsigned char *out)
{
	static const unsigned char sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
		                               0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	size_t n = c->body_len;

	memcpy(out, sig, sizeof(sig));
	out[12] = c->ver_cmd;
	out[13] = c->fam;
	memcpy(out + 16, c->body, c->body_len);
	if (c->noop > 0) {
		out[16 + n] = 0x04;
		out[16 + n + 1] = (unsigned char)(c->noop >> 8);
		out[16 + n + 2] = (unsigned char)c->noop;
		memset(out + 16 + n + 3, 0, c->noop);
		n += 3 + c->noop;
	}
	if (c->len >= 0)
		n = (size_t)c->len;
	out[14] = (unsigned char)(n >> 8);
	out[15] = (unsigned char)n;
	/* A length beyond what was built stands for a header that never ends: only its first 16 bytes. */
	return c->want.bad_at > 0 && 16 + n > PROXY_MAX_LEN ? 16 : 16 + n;
}

START_TEST(test_v2)
{
	const struct v2_case *c = &v2_cases[_i];
	static unsigned char hdr[PROXY_MAX_LEN + 16];

	check_header(c->name, (const char *)hdr, v2_build(c, hdr), &c->want);
}
END_TEST

static Suite *
proxy_proto_suite(void)
{
	Suite *s = suite_create("proxy_proto");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_raw, 0, NCASES(raw_cases));
	tcase_add_loop_test(tc, test_v2, 0, NCASES(v2_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(proxy_proto_suite());
}
