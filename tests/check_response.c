/* SPDX-License-Identifier: ISC */
/* check_response.c: the exact bytes of status lines and headers, and the Date format. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "response.h"

static const char date[] = "Tue, 24 Nov 2026 22:33:58 GMT";
#define DATE_LINE "Tue, 24 Nov 2026 22:33:58 GMT\r\n"

/* The header block the config makes: the Server header first. */
#define SERVER STR_LIT("Server: tinyhttpd\r\n")

static void
expect_head(const struct response *r, const char *want)
{
	struct buf out = { 0 };

	ck_assert_int_eq(buf_append(&out, "x", 1), 0);
	ck_assert_int_eq(response_head(&out, r, date), 0);
	ck_assert_uint_eq(out.len, strlen(want) + 1);
	ck_assert_int_eq(memcmp(out.data, "x", 1), 0);
	ck_assert_msg(memcmp(out.data + 1, want, strlen(want)) == 0, "got %.*s", (int)out.len - 1,
	              out.data + 1);
	buf_free(&out);
}

START_TEST(test_heads)
{
	struct response ok = {
		.headers = SERVER, .status = 200, .content_type = "text/plain", .content_length = 12
	};
	struct response closing = { .headers = SERVER, .status = 404, .close = true };
	struct response old = {
		.headers = SERVER, .status = 200, .keep_alive_1_0 = true, .content_length = UINT64_MAX
	};
	struct response moved = {
		.headers = SERVER, .status = 301, .location = "http://x/a%20b", .allow = "GET, HEAD"
	};
	struct response odd = { .headers = SERVER, .status = 299, .close = true, .keep_alive_1_0 = true };

	expect_head(&ok, "HTTP/1.1 200 OK\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 22:33:58 GMT\r\n"
	                 "Content-Type: text/plain\r\nContent-Length: 12\r\n\r\n");
	expect_head(&closing,
	            "HTTP/1.1 404 Not Found\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 22:33:58 "
	            "GMT\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
	expect_head(&old, "HTTP/1.1 200 OK\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 22:33:58 GMT\r\n"
	                  "Connection: keep-alive\r\nContent-Length: 18446744073709551615\r\n\r\n");
	expect_head(&moved, "HTTP/1.1 301 Moved Permanently\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 "
	                    "22:33:58 GMT\r\nLocation: http://x/a%20b\r\nAllow: GET, HEAD\r\nContent-Length: "
	                    "0\r\n\r\n");
	/* Closing wins over keeping an HTTP/1.0 connection; an unknown code still gets a reason. */
	expect_head(&odd,
	            "HTTP/1.1 299 Unknown\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 22:33:58 GMT\r\n"
	            "Connection: close\r\nContent-Length: 0\r\n\r\n");
}
END_TEST

/* A file's headers, in their order; a 304 keeps the validators and Vary, and nothing about a body. */
START_TEST(test_file_heads)
{
	struct response part = { .headers = SERVER,
		                 .status = 206,
		                 .content_type = "text/css",
		                 .content_length = 10,
		                 .etag = "\"1-2-3\"",
		                 .last_modified = "Sun, 06 Nov 1994 08:49:37 GMT",
		                 .content_range = "bytes 0-9/100",
		                 .content_encoding = "br",
		                 .accept_ranges = true,
		                 .vary_encoding = true };
	struct response same = { .headers = SERVER,
		                 .status = 304,
		                 .content_type = "text/css",
		                 .etag = "\"1-2-3\"",
		                 .last_modified = "Sun, 06 Nov 1994 08:49:37 GMT",
		                 .vary_encoding = true };

	expect_head(&part, "HTTP/1.1 206 Partial Content\r\nServer: tinyhttpd\r\nDate: " DATE_LINE
	                   "Content-Type: text/css\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	                   "ETag: \"1-2-3\"\r\nAccept-Ranges: bytes\r\nContent-Range: bytes 0-9/100\r\n"
	                   "Content-Encoding: br\r\nVary: Accept-Encoding\r\nContent-Length: 10\r\n\r\n");
	expect_head(&same, "HTTP/1.1 304 Not Modified\r\nServer: tinyhttpd\r\nDate: " DATE_LINE
	                   "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nETag: \"1-2-3\"\r\n"
	                   "Vary: Accept-Encoding\r\n\r\n");
	ck_assert_str_eq(response_reason(412), "Precondition Failed");
	ck_assert_str_eq(response_reason(416), "Range Not Satisfiable");
}
END_TEST

START_TEST(test_text)
{
	struct response r = { .headers = SERVER, .status = 400 };
	struct buf out = { 0 };
	static const char want[] =
	        "HTTP/1.1 400 Bad Request\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 "
	        "22:33:58 GMT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
	        "10\r\n\r\nbad thing\n";

	ck_assert_int_eq(response_text(&out, &r, "bad thing", false, date), 10);
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(out.data, want, out.len), 0);
	/* HEAD: the same head, no body. */
	out.len = 0;
	ck_assert_int_eq(response_text(&out, &r, "bad thing", true, date), 0);
	ck_assert_uint_eq(out.len, sizeof(want) - 1 - 10);
	ck_assert_int_eq(memcmp(out.data, want, out.len), 0);
	buf_free(&out);
}
END_TEST

/* 1xx, 204 and 304 end with the head: no Content-Length or Content-Type, whatever the caller set. */
START_TEST(test_no_content)
{
	struct response none = {
		.headers = SERVER, .status = 204, .content_type = "text/plain", .content_length = 5
	};
	struct response unmodified = {
		.headers = SERVER, .status = 304, .content_type = "text/html", .content_length = 7
	};
	struct response interim = { .headers = SERVER, .status = 100, .content_length = 1 };
	struct response reset = { .headers = SERVER, .status = 205, .content_type = "text/plain" };
	struct buf out = { 0 };
	static const char want[] = "HTTP/1.1 204 No Content\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 "
	                           "22:33:58 GMT\r\n\r\n";

	expect_head(&none, want);
	expect_head(&unmodified, "HTTP/1.1 304 Not Modified\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 "
	                         "22:33:58 GMT\r\n\r\n");
	expect_head(&interim, "HTTP/1.1 100 Continue\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 "
	                      "22:33:58 GMT\r\n\r\n");
	/* 205 has no content either, but may say so with a Content-Length of 0 (RFC 9110 section 15.3.6). */
	expect_head(&reset, "HTTP/1.1 205 Reset Content\r\nServer: tinyhttpd\r\nDate: Tue, 24 Nov 2026 "
	                    "22:33:58 GMT\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
	/* A text answer with such a status: its head alone, and no body bytes to log. */
	none.content_type = NULL;
	ck_assert_int_eq(response_text(&out, &none, "ignored", false, date), 0);
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(out.data, want, out.len), 0);
	buf_free(&out);
}
END_TEST

/* The configured headers go out as the config merged them, after the status line; a page keeps its type. */
START_TEST(test_headers_page)
{
	struct response r = { .headers = STR_LIT(
		                      "Server: tinyhttpd/1.2\r\nX-A: 1\r\nCache-Control: no-store\r\n"),
		              .status = 404 };
	struct buf out = { 0 };
	static const char want[] =
	        "HTTP/1.1 404 Not Found\r\nServer: tinyhttpd/1.2\r\nX-A: 1\r\nCache-Control: "
	        "no-store\r\nDate: Tue, 24 Nov 2026 22:33:58 GMT\r\nContent-Type: "
	        "text/html; charset=utf-8\r\nContent-Length: 12\r\n\r\n<p>gone</p>\n";

	ck_assert_int_eq(
	        response_page(&out, &r, "text/html; charset=utf-8", "<p>gone</p>\n", 12, false, date), 12);
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(out.data, want, out.len), 0);
	/* HEAD: the head alone, with the page's length. */
	out.len = 0;
	ck_assert_int_eq(response_page(&out, &r, "text/html; charset=utf-8", "<p>gone</p>\n", 12, true, date),
	                 0);
	ck_assert_uint_eq(out.len, sizeof(want) - 1 - 12);
	ck_assert_int_eq(memcmp(out.data, want, out.len), 0);
	buf_free(&out);
}
END_TEST

START_TEST(test_date)
{
	char d[RESPONSE_DATE_LEN + 1];

	response_date(0, d);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	response_date(1795559638, d);
	ck_assert_str_eq(d, date);
	response_date(951782400, d); /* a leap day */
	ck_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 GMT");
}
END_TEST

int
main(void)
{
	return CHECK_RUN_TESTS("response", "response", 0, test_heads, test_file_heads, test_text,
	                       test_no_content, test_headers_page, test_date);
}
