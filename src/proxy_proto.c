/* SPDX-License-Identifier: ISC */
/* proxy_proto.c: the PROXY protocol header, v1 and v2, parsed without I/O or allocation. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "proxy_proto.h"
#include "str.h"

/* v2: the signature, a byte of version and command, one of family and transport, two of length. */
static const unsigned char v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
	                                  0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
#define V2_VER_CMD   12
#define V2_FAM       13
#define V2_LEN       14
#define V2_ADDRS     16
#define V2_CMD_PROXY 0x1
#define V2_AF_UNIX   0x3
#define V2_DGRAM     0x2
#define V2_TCP4      0x11
#define V2_TCP6      0x21

/* One pass over a v1 line. */
struct line {
	const char *buf;
	size_t pos;
	size_t len;
	size_t end; /* min(len, PROXY_V1_MAX_LEN - 1): the CR comes before it, only the LF may be at it */
};

/* The cursor is at end: more bytes may still make a line, unless its CRLF would no longer fit. */
static int
line_short(const struct line *l)
{
	return l->end == PROXY_V1_MAX_LEN - 1 ? TH_ERROR : TH_AGAIN;
}

/* Consumes the literal s, as far as the bytes go. */
static int
line_literal(struct line *l, const char *s)
{
	for (; *s != '\0'; s++, l->pos++) {
		if (l->pos == l->end)
			return line_short(l);
		if (l->buf[l->pos] != *s)
			return TH_ERROR;
	}
	return TH_OK;
}

/* "TCP4 ", "TCP6 " or "UNKNOWN": the family of the addresses that follow, AF_UNSPEC for none. */
static int
line_proto(struct line *l, int *family)
{
	int r;

	if (l->pos < l->end && l->buf[l->pos] == 'U') {
		*family = AF_UNSPEC;
		return line_literal(l, "UNKNOWN");
	}
	if ((r = line_literal(l, "TCP")) != TH_OK)
		return r;
	if (l->pos == l->end)
		return line_short(l);
	if (l->buf[l->pos] == '4')
		*family = AF_INET;
	else if (l->buf[l->pos] == '6')
		*family = AF_INET6;
	else
		return TH_ERROR;
	l->pos++;
	return line_literal(l, " ");
}

/* Where a sockaddr_in or sockaddr_in6 keeps its address, once ss says which it is. */
static void *
sockaddr_addr(struct sockaddr_storage *ss, int family)
{
	ss->ss_family = family;
	if (family == AF_INET)
		return &((struct sockaddr_in *)ss)->sin_addr;
	return &((struct sockaddr_in6 *)ss)->sin6_addr;
}

/* port is in network order. */
static void
sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = port;
}

static bool
is_addr_char(int family, unsigned char c)
{
	if ((c >= '0' && c <= '9') || c == '.')
		return true;
	return family == AF_INET6 && (c == ':' || hex_digit(c) >= 0);
}

/*
 * The shortest endings that make an address of whatever can begin one: a number for an empty last part
 * and the dots a dotted quad still lacks; for IPv6, a ':' that makes "::" of a lone one, or a "::" that
 * stands for the groups still missing.
 */
static const char *const addr_endings[] = {
	"", "0", ".0", "0.0", ".0.0", "0.0.0", ".0.0.0", "0.0.0.0", ":", "::",
};

/*
 * Whether text[0..n), an address cut short by the end of the bytes, can still become one: it can when
 * one of the endings makes it one. So a trickled "256" or "1:::" is refused at its wrong byte.
 */
static bool
addr_may_continue(int family, char *text, size_t n, void *addr)
{
	size_t i;

	for (i = 0; i < sizeof(addr_endings) / sizeof(addr_endings[0]); i++) {
		memcpy(text + n, addr_endings[i], strlen(addr_endings[i]) + 1);
		if (inet_pton(family, text, addr) == 1)
			return true;
	}
	return false;
}

/* An address in the family the line named, and the space after it. */
static int
line_addr(struct line *l, int family, struct sockaddr_storage *ss)
{
	/* The longest address, the longest ending tried after it and a NUL. */
	char text[INET6_ADDRSTRLEN + 8];
	size_t max = family == AF_INET ? INET_ADDRSTRLEN - 1 : INET6_ADDRSTRLEN - 1;
	size_t start = l->pos, n;
	void *addr = sockaddr_addr(ss, family);

	while (l->pos < l->end && is_addr_char(family, l->buf[l->pos]))
		l->pos++;
	if ((n = l->pos - start) > max)
		return TH_ERROR;
	memcpy(text, l->buf + start, n);
	if (l->pos == l->end)
		return addr_may_continue(family, text, n, addr) ? line_short(l) : TH_ERROR;
	text[n] = '\0';
	if (l->buf[l->pos] != ' ' || inet_pton(family, text, addr) != 1)
		return TH_ERROR;
	l->pos++;
	return TH_OK;
}

/* A port in [0, 65535], without leading zeros so that no one reads it as octal, and the byte after it. */
static int
line_port(struct line *l, char term, struct sockaddr_storage *ss)
{
	size_t start = l->pos;
	unsigned long port = 0;
	char c;

	for (;; l->pos++) {
		if (l->pos == l->end)
			return line_short(l);
		c = l->buf[l->pos];
		if (c < '0' || c > '9')
			break;
		if (l->pos > start && port == 0)
			return TH_ERROR;
		if ((port = port * 10 + (unsigned long)(c - '0')) > 65535)
			return TH_ERROR;
	}
	if (l->pos == start || c != term)
		return TH_ERROR;
	l->pos++;
	sockaddr_set_port(ss, htons((uint16_t)port));
	return TH_OK;
}

/*
 * What follows UNKNOWN, through the CR: the sender may omit it or say anything there, and the receiver
 * must ignore it. It must start with a space all the same, or "UNKNOWNX" would be a protocol.
 */
static int
line_skip(struct line *l)
{
	size_t start = l->pos;
	char c;

	for (;; l->pos++) {
		if (l->pos == l->end)
			return line_short(l);
		c = l->buf[l->pos];
		if (c == '\r')
			break;
		if (c == '\n' || (l->pos == start && c != ' '))
			return TH_ERROR;
	}
	l->pos++;
	return TH_OK;
}

/* The LF after the CR that ended the line: a lone CR or LF is no line end in v1. */
static int
line_lf(struct line *l)
{
	if (l->pos == l->len)
		return TH_AGAIN;
	if (l->buf[l->pos] != '\n')
		return TH_ERROR;
	l->pos++;
	return TH_OK;
}

static ssize_t
parse_v1(const char *buf, size_t len, struct proxy_header *h)
{
	struct line l = { buf, 0, len, len < PROXY_V1_MAX_LEN - 1 ? len : PROXY_V1_MAX_LEN - 1 };
	struct proxy_header v;
	int family, r;

	memset(&v, 0, sizeof(v));
	if ((r = line_literal(&l, "PROXY ")) != TH_OK || (r = line_proto(&l, &family)) != TH_OK)
		return r;
	if (family == AF_UNSPEC) {
		v.local = true;
		r = line_skip(&l);
	} else if ((r = line_addr(&l, family, &v.src)) == TH_OK &&
	           (r = line_addr(&l, family, &v.dst)) == TH_OK && (r = line_port(&l, ' ', &v.src)) == TH_OK)
		r = line_port(&l, '\r', &v.dst);
	if (r != TH_OK || (r = line_lf(&l)) != TH_OK)
		return r;
	*h = v;
	return (ssize_t)l.pos;
}

/* Whether byte i of a v2 header, one of those before the length, may be c. */
static bool
v2_byte_ok(size_t i, unsigned char c)
{
	if (i < sizeof(v2_sig))
		return c == v2_sig[i];
	/* Version 2 and the LOCAL or PROXY command: the specification has receivers drop anything else. */
	if (i == V2_VER_CMD)
		return c >> 4 == 2 && (c & 0xf) <= V2_CMD_PROXY;
	/* Family UNSPEC, INET, INET6 or UNIX; transport UNSPEC, STREAM or DGRAM. */
	return c >> 4 <= V2_AF_UNIX && (c & 0xf) <= V2_DGRAM;
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

/* TCP's address block: both addresses, then both ports, all in network order. */
static void
v2_addresses(const unsigned char *p, int family, struct proxy_header *h)
{
	size_t alen = addr_len(family);
	uint16_t port;

	memcpy(sockaddr_addr(&h->src, family), p, alen);
	memcpy(sockaddr_addr(&h->dst, family), p + alen, alen);
	memcpy(&port, p + 2 * alen, sizeof(port));
	sockaddr_set_port(&h->src, port);
	memcpy(&port, p + 2 * alen + 2, sizeof(port));
	sockaddr_set_port(&h->dst, port);
}

static ssize_t
parse_v2(const unsigned char *b, size_t len, struct proxy_header *h)
{
	size_t i, n, need;
	bool proxied;
	int family;

	for (i = 0; i < V2_LEN; i++) {
		if (i == len)
			return TH_AGAIN;
		if (!v2_byte_ok(i, b[i]))
			return TH_ERROR;
	}
	if (len < V2_ADDRS)
		return TH_AGAIN;

	/*
	 * Only TCP's addresses are read; every other family and transport falls back to the socket's own
	 * addresses, as the specification asks of a receiver that does not implement them.
	 */
	proxied = (b[V2_VER_CMD] & 0xf) == V2_CMD_PROXY && (b[V2_FAM] == V2_TCP4 || b[V2_FAM] == V2_TCP6);
	family = b[V2_FAM] == V2_TCP4 ? AF_INET : AF_INET6;
	need = proxied ? 2 * addr_len(family) + 2 * sizeof(uint16_t) : 0;
	n = (size_t)b[V2_LEN] << 8 | b[V2_LEN + 1];
	if (n < need || n > PROXY_MAX_LEN - V2_ADDRS)
		return TH_ERROR;
	if (len < V2_ADDRS + n)
		return TH_AGAIN;

	memset(h, 0, sizeof(*h));
	h->local = !proxied;
	if (proxied)
		v2_addresses(b + V2_ADDRS, family, h);
	return (ssize_t)(V2_ADDRS + n);
}

ssize_t
proxy_parse(const char *buf, size_t len, struct proxy_header *h)
{
	if (len == 0)
		return TH_AGAIN;
	/* v1 begins with "PROXY", v2 with a signature that begins with a CR. */
	if (buf[0] == 'P')
		return parse_v1(buf, len, h);
	return parse_v2((const unsigned char *)buf, len, h);
}
