/* response.c: status lines and headers; no I/O, so the exact bytes are easy to test. */
#include <stdio.h>
#include <string.h>

#include "response.h"

const char *
response_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
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
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
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

int
response_head(struct buf *out, const struct response *r, const char *date)
{
	if (buf_printf(out, "HTTP/1.1 %d %s\r\nServer: tinyhttpd\r\nDate: %s\r\n", r->status,
	               response_reason(r->status), date) == -1)
		return -1;
	if (r->content_type != NULL && buf_printf(out, "Content-Type: %s\r\n", r->content_type) == -1)
		return -1;
	if (r->location != NULL && buf_printf(out, "Location: %s\r\n", r->location) == -1)
		return -1;
	if (r->allow != NULL && buf_printf(out, "Allow: %s\r\n", r->allow) == -1)
		return -1;
	if (r->close && buf_printf(out, "Connection: close\r\n") == -1)
		return -1;
	if (!r->close && r->keep_alive_1_0 && buf_printf(out, "Connection: keep-alive\r\n") == -1)
		return -1;
	return buf_printf(out, "Content-Length: %llu\r\n\r\n", (unsigned long long)r->content_length);
}

int
response_text(struct buf *out, struct response *r, const char *msg, bool head_only, const char *date)
{
	size_t len = strlen(msg);

	r->content_type = "text/plain; charset=utf-8";
	r->content_length = len + 1;
	if (response_head(out, r, date) == -1)
		return -1;
	if (head_only)
		return 0;
	if (buf_reserve(out, len + 1) == -1)
		return -1;
	memcpy(out->data + out->len, msg, len);
	out->data[out->len + len] = '\n';
	out->len += len + 1;
	return 0;
}
