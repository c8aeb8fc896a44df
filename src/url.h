/* SPDX-License-Identifier: ISC */
/* url.h: percent-decoding, path normalisation, urlencoded form lookup, the syntax and name of a host. */
#ifndef URL_H
#define URL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "str.h"

/*
 * Percent-decodes src[0..len) into dst, which has room for len bytes and may be src itself.
 * With plus, '+' becomes a space (application/x-www-form-urlencoded). Bytes >= 0x80 pass through
 * untouched, so UTF-8 stays intact. Returns the decoded length, or -1 on a malformed escape.
 */
ssize_t url_decode(char *dst, const char *src, size_t len, bool plus);

/*
 * Percent-decodes the path src[0..len) into dst (room for len bytes, may be src), folds repeated
 * slashes and removes "." and ".." segments. Returns the new length, or -1 when the path does not
 * start with '/', has a malformed escape, decodes to a NUL byte, or climbs above the root.
 */
ssize_t url_normalize_path(char *dst, const char *src, size_t len);

/*
 * Looks up names[0..n) in the urlencoded string s[0..len) ("a=1&b=2", '+' as space). For each name
 * whose values[i].p is still NULL, the first pair with that name sets values[i] to its decoded value,
 * written into dst (room for len bytes). A pair without '=' has an empty value. Returns 0, or -1 on a
 * malformed escape.
 */
int url_form_lookup(const char *s, size_t len, char *dst, const char *const *names, size_t n,
                    struct str *values);

/*
 * Percent-encodes p[0..n) for a URL path into out[0..cap), as much as fits, and returns the whole length:
 * every byte but letters, digits, '-', '.', '_', '~' and '/' becomes %XX.
 */
size_t url_encode_path(const char *p, size_t n, char *out, size_t cap);

/*
 * Whether p[0..len) is uri-host [ ":" port ] (RFC 3986 section 3.2.2, RFC 9110 section 7.2), as a Host
 * header or the authority of an absolute-form target carries it: a bracketed IPv6 address or IPvFuture, or
 * a reg-name (IPv4 addresses among them) of letters, digits, "-._~", sub-delims and %XX escapes; then
 * optionally ':' and a port of 1 to 5 digits. The host must not be empty (RFC 9110 section 4.2.1).
 */
bool url_host_valid(const char *p, size_t len);

/*
 * The host name of p[0..len), a uri-host [ ":" port ] that url_host_valid() took or empty, as nginx's $host
 * is: without the port or a trailing dot, in lower case. Writes it to out (room for len bytes, may be p)
 * and returns its length.
 */
size_t url_host_name(const char *p, size_t len, char *out);

#endif
