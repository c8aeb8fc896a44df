/* SPDX-License-Identifier: ISC */
/* url.c: percent-decoding, path normalisation, form lookup and host syntax; pure, allocates nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "url.h"

/* RFC 3986's classes of bytes, looked up once per byte on the hot path (every Host header). */
enum {
	URI_UNRESERVED = 1, /* section 2.3: the bytes a URI never needs to escape */
	URI_SUB_DELIM = 2,  /* section 2.2 */
};

static const unsigned char uri_class[256] = {
	['a' ... 'z'] = URI_UNRESERVED, ['A' ... 'Z'] = URI_UNRESERVED, ['0' ... '9'] = URI_UNRESERVED,
	['-'] = URI_UNRESERVED,         ['.'] = URI_UNRESERVED,         ['_'] = URI_UNRESERVED,
	['~'] = URI_UNRESERVED,         ['!'] = URI_SUB_DELIM,          ['$'] = URI_SUB_DELIM,
	['&'] = URI_SUB_DELIM,          ['\''] = URI_SUB_DELIM,         ['('] = URI_SUB_DELIM,
	[')'] = URI_SUB_DELIM,          ['*'] = URI_SUB_DELIM,          ['+'] = URI_SUB_DELIM,
	[','] = URI_SUB_DELIM,          [';'] = URI_SUB_DELIM,          ['='] = URI_SUB_DELIM,
};

static inline bool
is_unreserved(unsigned char c)
{
	return uri_class[c] & URI_UNRESERVED;
}

static inline bool
is_sub_delim(unsigned char c)
{
	return uri_class[c] & URI_SUB_DELIM;
}

ssize_t
url_decode(char *dst, const char *src, size_t len, bool plus)
{
	size_t r, w;
	int hi, lo;

	/* w never passes r, so writing dst[w] is safe when dst is src. */
	for (r = 0, w = 0; r < len; w++) {
		unsigned char c = (unsigned char)src[r];

		if (c == '%') {
			if (len - r < 3)
				return -1;
			hi = hex_digit((unsigned char)src[r + 1]);
			lo = hex_digit((unsigned char)src[r + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			dst[w] = (char)(hi << 4 | lo);
			r += 3;
		} else {
			dst[w] = (plus && c == '+') ? ' ' : (char)c;
			r++;
		}
	}
	return (ssize_t)w;
}

ssize_t
url_normalize_path(char *dst, const char *src, size_t len)
{
	ssize_t dlen;
	size_t n, r, w, start, seglen;
	bool trailing = false;

	/*
	 * The request target itself must start with '/': "%2fetc" is not an origin-form path even though
	 * it decodes to one. Checked before decoding because dst may be src.
	 */
	if (len == 0 || src[0] != '/')
		return -1;
	/*
	 * Decode first so that "%2e%2e" and "%2f" are seen as the dots and slashes the file system will
	 * see; normalising the encoded form would let "..%2f" climb out of a static root.
	 */
	if ((dlen = url_decode(dst, src, len, false)) == -1)
		return -1;
	n = (size_t)dlen;
	if (memchr(dst, '\0', n) != NULL)
		return -1;

	/*
	 * Rewrite in place: dst[0..w) holds the normalised "/seg/seg" so far. Each kept segment is
	 * written as "/" plus its bytes, and in the input it was preceded by at least one '/', so w
	 * stays at or behind the segment being read. An empty output stands for the root.
	 */
	for (r = 0, w = 0; r < n;) {
		if (dst[r] == '/') {
			r++;
			continue;
		}
		start = r;
		while (r < n && dst[r] != '/')
			r++;
		seglen = r - start;

		if (seglen == 1 && dst[start] == '.') {
			/* "/a/." names the directory, so it keeps its slash. */
			trailing = true;
			continue;
		}
		if (seglen == 2 && dst[start] == '.' && dst[start + 1] == '.') {
			if (w == 0)
				return -1;
			while (dst[w - 1] != '/')
				w--;
			w--;
			trailing = true;
			continue;
		}
		dst[w++] = '/';
		memmove(dst + w, dst + start, seglen);
		w += seglen;
		trailing = r < n;
	}
	/* w < n here: a root or a trailing slash always leaves at least one input byte unused. */
	if (w == 0 || trailing)
		dst[w++] = '/';
	return (ssize_t)w;
}

int
url_form_lookup(const char *s, size_t len, char *dst, const char *const *names, size_t n, struct str *values)
{
	const char *pair, *next, *end, *amp, *eq;
	char *name;
	size_t used = 0, i;
	ssize_t nlen, vlen;
	bool kept;

	/*
	 * Only kept values advance used, and nothing decodes longer than it is written, so dst[used..)
	 * has room for the whole decoded pair being looked at: its value goes first, where it stays if
	 * kept, and its name right after as scratch. Pairs nobody asked for are decoded too, so that a
	 * malformed escape anywhere fails the whole string. On failure, values found before the bad
	 * pair stay set.
	 */
	for (pair = s, end = s + len; pair < end; pair = next) {
		if ((amp = memchr(pair, '&', (size_t)(end - pair))) == NULL)
			amp = end;
		next = amp == end ? end : amp + 1;
		if (amp == pair)
			continue;
		if ((eq = memchr(pair, '=', (size_t)(amp - pair))) == NULL)
			eq = amp;

		if (eq == amp)
			vlen = 0;
		else if ((vlen = url_decode(dst + used, eq + 1, (size_t)(amp - eq - 1), true)) == -1)
			return -1;
		name = dst + used + vlen;
		if ((nlen = url_decode(name, pair, (size_t)(eq - pair), true)) == -1)
			return -1;

		/* The same name may be asked for twice; every unset slot for it gets this first value. */
		kept = false;
		for (i = 0; i < n; i++) {
			if (values[i].p == NULL && strlen(names[i]) == (size_t)nlen &&
			    memcmp(names[i], name, (size_t)nlen) == 0) {
				values[i].p = dst + used;
				values[i].len = (size_t)vlen;
				kept = true;
			}
		}
		if (kept)
			used += (size_t)vlen;
	}
	return 0;
}

size_t
url_encode_path(const char *p, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, pos = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if (is_unreserved(c) || c == '/') {
			if (pos < cap)
				out[pos] = (char)c;
			pos++;
			continue;
		}
		for (size_t k = 0; k < 3; k++, pos++)
			if (pos < cap)
				out[pos] = esc[k];
	}
	return pos;
}

/* IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ), between the brackets. */
static bool
ipvfuture_valid(const char *p, size_t len)
{
	size_t i = 1;

	if (len == 0 || (p[0] != 'v' && p[0] != 'V'))
		return false;
	while (i < len && hex_digit((unsigned char)p[i]) >= 0)
		i++;
	if (i == 1 || i == len || p[i++] != '.' || i == len)
		return false;
	for (; i < len; i++)
		if (!is_unreserved((unsigned char)p[i]) && !is_sub_delim((unsigned char)p[i]) && p[i] != ':')
			return false;
	return true;
}

/* An IP-literal at p[0] == '[': the bytes it spans through its ']', or 0 when it is malformed. */
static size_t
ip_literal_len(const char *p, size_t len)
{
	const char *close = memchr(p, ']', len);
	char text[INET6_ADDRSTRLEN];
	struct in6_addr addr;
	size_t n;

	if (close == NULL)
		return 0;
	n = (size_t)(close - p) - 1;
	if (n > 0 && (p[1] == 'v' || p[1] == 'V'))
		return ipvfuture_valid(p + 1, n) ? n + 2 : 0;
	/* inet_pton() takes RFC 4291 text, the IPv6address of RFC 3986, and would stop at a NUL. */
	if (n >= sizeof(text) || memchr(p + 1, '\0', n) != NULL)
		return 0;
	memcpy(text, p + 1, n);
	text[n] = '\0';
	return inet_pton(AF_INET6, text, &addr) == 1 ? n + 2 : 0;
}

/* A reg-name: the bytes it spans from p[0] up to a ':' or the end, or 0 when it is empty or malformed. */
static size_t
reg_name_len(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)p[i];

		/* The common bytes first: one lookup each. */
		if (uri_class[c] & (URI_UNRESERVED | URI_SUB_DELIM))
			i++;
		else if (c == ':')
			break;
		else if (c == '%' && len - i >= 3 && hex_digit((unsigned char)p[i + 1]) >= 0 &&
		         hex_digit((unsigned char)p[i + 2]) >= 0)
			i += 3;
		else
			return 0;
	}
	return i;
}

bool
url_host_valid(const char *p, size_t len)
{
	size_t host = len > 0 && p[0] == '[' ? ip_literal_len(p, len) : reg_name_len(p, len), i;

	if (host == 0)
		return false;
	if (host == len)
		return true;
	/*
	 * RFC 3986 lets a port be empty or of any length, but a sender should leave an empty one out (its
	 * section 3.2.3), and a TCP port (RFC 9110 section 4.2.1) has at most 5 digits.
	 */
	if (p[host] != ':' || len - host - 1 < 1 || len - host - 1 > 5)
		return false;
	for (i = host + 1; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

size_t
url_host_name(const char *p, size_t len, char *out)
{
	/* Valid: an IP literal ends at its ']', a reg-name at the port's ':', and neither has one inside. */
	const char *end = memchr(p, len > 0 && p[0] == '[' ? ']' : ':', len);
	size_t n = end == NULL ? len : (size_t)(end - p) + (p[0] == '['), i;

	/* "example.com." names the same host as "example.com" (RFC 1034 section 3.1). */
	if (n > 0 && p[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++)
		out[i] = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] | 0x20) : p[i];
	return n;
}
