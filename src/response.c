/* SPDX-License-Identifier: ISC */
/* response.c: status lines and headers; no I/O, so the exact bytes are easy to test. */
#include <stdio.h>
#include <string.h>

#include "response.h"

/*
 * 1xx, 204 and 304 answers end with their head: they have no content, so neither a Content-Length nor a
 * Content-Type to describe it (RFC 9110 sections 8.6, 15.2, 15.3.5 and 15.4.5).
 */
static bool
has_content(int status)
{
	return status >= 200 && status != 204 && status != 304;
}

const char *
response_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

void
response_date(time_t t, char *date)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	/* Not strftime: its names follow the locale, and HTTP wants English. */
	gmtime_r(&t, &tm);
	snprintf(date, RESPONSE_DATE_LEN + 1, "%s, %02u %s %04u %02u:%02u:%02u GMT",
	         days[(unsigned)tm.tm_wday % 7], (unsigned)tm.tm_mday % 100, months[(unsigned)tm.tm_mon % 12],
	         (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
	         (unsigned)tm.tm_sec % 100);
}

static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT(p, literal) put(p, literal, sizeof(literal) - 1)

/* A header whose value may be absent: "Name: value\r\n", or nothing. */
static char *
put_header(char *p, const char *name, size_t name_len, const char *value, size_t value_len)
{
	if (value == NULL)
		return p;
	p = put(p, name, name_len);
	p = put(p, value, value_len);
	return PUT(p, "\r\n");
}

#define PUT_HEADER(p, name, value, value_len) put_header(p, name, sizeof(name) - 1, value, value_len)

static char *
put_uint(char *p, uint64_t v)
{
	char digits[20], *d = digits + sizeof(digits);

	do
		*--d = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return put(p, d, (size_t)(digits + sizeof(digits) - d));
}

static size_t
len_or_0(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* Every request goes through here: copies into room reserved once, no printf. */
int
response_head(struct buf *out, const struct response *r, const char *date)
{
	static const char close[] = "Connection: close\r\n", keep[] = "Connection: keep-alive\r\n";
	const char *reason = response_reason(r->status);
	size_t reason_len = strlen(reason), type_len = len_or_0(r->content_type),
	       location_len = len_or_0(r->location), allow_len = len_or_0(r->allow),
	       etag_len = len_or_0(r->etag), range_len = len_or_0(r->content_range),
	       encoding_len = len_or_0(r->content_encoding), hsts_len = len_or_0(r->hsts);
	char *p;

	/* The fixed text is under 330 bytes; a status has 3 digits and a length at most 20. */
	if (buf_reserve(out, 330 + reason_len + r->headers.len + type_len + location_len + allow_len +
	                             etag_len + range_len + encoding_len + hsts_len + RESPONSE_DATE_LEN +
	                             23) == -1)
		return -1;
	p = out->data + out->len;
	p = PUT(p, "HTTP/1.1 ");
	p = put_uint(p, (uint64_t)(r->status % 1000));
	*p++ = ' ';
	p = put(p, reason, reason_len);
	p = PUT(p, "\r\n");
	p = put(p, r->headers.p, r->headers.len);
	p = PUT(p, "Date: ");
	p = put(p, date, RESPONSE_DATE_LEN);
	p = PUT(p, "\r\n");
	if (has_content(r->status))
		p = PUT_HEADER(p, "Content-Type: ", r->content_type, type_len);
	p = PUT_HEADER(p, "Location: ", r->location, location_len);
	p = PUT_HEADER(p, "Allow: ", r->allow, allow_len);
	p = PUT_HEADER(p, "Last-Modified: ", r->last_modified, RESPONSE_DATE_LEN);
	p = PUT_HEADER(p, "ETag: ", r->etag, etag_len);
	if (r->accept_ranges)
		p = PUT(p, "Accept-Ranges: bytes\r\n");
	p = PUT_HEADER(p, "Content-Range: ", r->content_range, range_len);
	p = PUT_HEADER(p, "Content-Encoding: ", r->content_encoding, encoding_len);
	if (r->vary_encoding)
		p = PUT(p, "Vary: Accept-Encoding\r\n");
	p = PUT_HEADER(p, "Strict-Transport-Security: ", r->hsts, hsts_len);
	if (r->close)
		p = PUT(p, close);
	else if (r->keep_alive_1_0)
		p = PUT(p, keep);
	if (has_content(r->status)) {
		p = PUT(p, "Content-Length: ");
		p = put_uint(p, r->content_length);
		p = PUT(p, "\r\n");
	}
	p = PUT(p, "\r\n");
	out->len = (size_t)(p - out->data);
	return 0;
}

/* A whole response of type whose body is body[0..len) and then end (a newline, or ""). */
static ssize_t
respond(struct buf *out, struct response *r, const char *type, const char *body, size_t len, const char *end,
        bool head_only, const char *date)
{
	size_t end_len = strlen(end);

	r->content_type = type;
	r->content_length = len + end_len;
	if (response_head(out, r, date) == -1)
		return -1;
	if (head_only || !has_content(r->status))
		return 0;
	if (buf_reserve(out, len + end_len) == -1)
		return -1;
	memcpy(out->data + out->len, body, len);
	memcpy(out->data + out->len + len, end, end_len);
	out->len += len + end_len;
	return (ssize_t)(len + end_len);
}

ssize_t
response_text(struct buf *out, struct response *r, const char *msg, bool head_only, const char *date)
{
	return respond(out, r, "text/plain; charset=utf-8", msg, strlen(msg), "\n", head_only, date);
}

ssize_t
response_page(struct buf *out, struct response *r, const char *type, const char *body, size_t len,
              bool head_only, const char *date)
{
	return respond(out, r, type, body, len, "", head_only, date);
}
