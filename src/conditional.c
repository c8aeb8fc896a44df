/* SPDX-License-Identifier: ISC */
/* conditional.c: ETags, HTTP dates and the precondition order of RFC 9110 section 13.2.2; no I/O. */
#include <stdint.h>
#include <string.h>

#include "conditional.h"
#include "str.h"

static char *
put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16], *t = tmp + sizeof(tmp);

	do
		*--t = digits[v & 15];
	while ((v >>= 4) != 0);
	memcpy(p, t, (size_t)(tmp + sizeof(tmp) - t));
	return p + (tmp + sizeof(tmp) - t);
}

void
cond_validators(const struct stat *st, struct validators *v)
{
	char *p = v->etag;

	v->mtime = st->st_mtim.tv_sec;
	*p++ = '"';
	p = put_hex(p, (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec);
	*p++ = '-';
	p = put_hex(p, (uint64_t)st->st_size);
	*p++ = '-';
	p = put_hex(p, (uint64_t)st->st_ino);
	*p++ = '"';
	*p = '\0';
	v->etag_len = (size_t)(p - v->etag);
	response_date(st->st_mtim.tv_sec, v->last_modified);
}

/* n digits at s into *v; false when one is not a digit. */
static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return false;
		*v = *v * 10 + (*s++ - '0');
	}
	return true;
}

/* The index of the three-letter name at s among names (case-sensitive, as HTTP-date is), or -1. */
static int
name_index(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (memcmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const days[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const long_days[7] = { "Monday,", "Tuesday,",  "Wednesday,", "Thursday,",
	                                  "Friday,", "Saturday,", "Sunday," };

/* "HH:MM:SS" at s. */
static bool
parse_clock(const char *s, int *hour, int *min, int *sec)
{
	return digits(s, 2, hour) && s[2] == ':' && digits(s + 3, 2, min) && s[5] == ':' &&
	       digits(s + 6, 2, sec) && *hour < 24 && *min < 60 && *sec <= 60;
}

/* Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm): no timegm(), no time zone. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
valid_day(int year, int month, int day)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return day >= 1 && day <= mdays[month] && (month != 1 || day <= 28 || leap);
}

/* The year now falls in. */
static int
year_of(time_t now)
{
	struct tm tm;

	return gmtime_r(&now, &tm) != NULL ? tm.tm_year + 1900 : 1970;
}

int
cond_parse_date(const char *s, size_t len, time_t now, time_t *t)
{
	int year, month, day, hour, min, sec, i;
	const char *p;

	if (len == 29 && s[3] == ',' && s[4] == ' ' && name_index(s, days, 7) != -1) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (!digits(s + 5, 2, &day) || s[7] != ' ' || (month = name_index(s + 8, months, 12)) == -1 ||
		    s[11] != ' ' || !digits(s + 12, 4, &year) || s[16] != ' ' ||
		    !parse_clock(s + 17, &hour, &min, &sec) || memcmp(s + 25, " GMT", 4) != 0)
			return -1;
	} else if (len == 24 && s[3] == ' ' && name_index(s, days, 7) != -1) {
		/* asctime: "Sun Nov  6 08:49:37 1994", the day padded with a space */
		if ((month = name_index(s + 4, months, 12)) == -1 || s[7] != ' ' ||
		    !(s[8] == ' ' ? digits(s + 9, 1, &day) : digits(s + 8, 2, &day)) || s[10] != ' ' ||
		    !parse_clock(s + 11, &hour, &min, &sec) || s[19] != ' ' || !digits(s + 20, 4, &year))
			return -1;
	} else {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		for (i = 0; i < 7; i++)
			if (len > strlen(long_days[i]) && memcmp(s, long_days[i], strlen(long_days[i])) == 0)
				break;
		if (i == 7 || len != strlen(long_days[i]) + 23)
			return -1;
		p = s + strlen(long_days[i]);
		if (p[0] != ' ' || !digits(p + 1, 2, &day) || p[3] != '-' ||
		    (month = name_index(p + 4, months, 12)) == -1 || p[7] != '-' ||
		    !digits(p + 8, 2, &year) || p[10] != ' ' || !parse_clock(p + 11, &hour, &min, &sec) ||
		    memcmp(p + 19, " GMT", 4) != 0)
			return -1;
		/* Section 5.6.7: more than 50 years ahead means the century before. */
		year += year_of(now) / 100 * 100;
		if (year > year_of(now) + 50)
			year -= 100;
	}
	if (!valid_day(year, month, day))
		return -1;
	*t = (time_t)(days_from_civil(year, month + 1, day) * 86400 + hour * 3600 + min * 60 + sec);
	return 0;
}

bool
cond_etag_match(const char *s, size_t len, const char *etag, size_t etag_len, bool weak)
{
	const char *p = s, *end = s + len, *tag;
	bool is_weak, found = false;

	p = str_skip_ows(p, end);
	if (p < end && *p == '*' && str_skip_ows(p + 1, end) == end)
		return true;
	for (;;) {
		p = str_skip_ows(p, end);
		if (p < end && *p != ',') {
			is_weak = end - p >= 2 && p[0] == 'W' && p[1] == '/';
			if (is_weak)
				p += 2;
			if (p == end || *p != '"')
				return false;
			/* etagc: any visible byte but the quote, and obs-text */
			for (tag = p++; p < end && *p != '"'; p++)
				if ((unsigned char)*p < 0x21 || *p == 0x7f)
					return false;
			if (p == end)
				return false;
			p++;
			if ((size_t)(p - tag) == etag_len && memcmp(tag, etag, etag_len) == 0 &&
			    (weak || !is_weak))
				found = true;
			p = str_skip_ows(p, end);
		}
		if (p == end)
			return found;
		if (*p++ != ',')
			return false;
	}
}

/* A date header: -1 when it cannot be read (then it is ignored), else whether the file is no newer. */
static int
not_modified_since(struct str date, const struct validators *v, time_t now)
{
	time_t t;

	if (cond_parse_date(date.p, date.len, now, &t) == -1)
		return -1;
	return v->mtime <= t;
}

enum cond_result
cond_evaluate(const struct cond_headers *h, const struct validators *v, bool get_or_head, time_t now)
{
	if (h->if_match.p != NULL) {
		if (!cond_etag_match(h->if_match.p, h->if_match.len, v->etag, v->etag_len, false))
			return COND_FAILED;
	} else if (h->if_unmodified_since.p != NULL &&
	           not_modified_since(h->if_unmodified_since, v, now) == 0) {
		return COND_FAILED;
	}
	if (h->if_none_match.p != NULL) {
		if (cond_etag_match(h->if_none_match.p, h->if_none_match.len, v->etag, v->etag_len, true))
			return get_or_head ? COND_NOT_MODIFIED : COND_FAILED;
	} else if (get_or_head && h->if_modified_since.p != NULL &&
	           not_modified_since(h->if_modified_since, v, now) == 1) {
		return COND_NOT_MODIFIED;
	}
	return COND_PROCEED;
}

bool
cond_if_range(struct str if_range, const struct validators *v, time_t now)
{
	time_t t;

	if (if_range.p == NULL)
		return true;
	/* An entity-tag starts with a quote or W/; anything else is taken for a date (section 13.1.5). */
	if (if_range.len >= 2 && (if_range.p[0] == '"' || (if_range.p[0] == 'W' && if_range.p[1] == '/')))
		return if_range.len == v->etag_len && memcmp(if_range.p, v->etag, v->etag_len) == 0;
	return cond_parse_date(if_range.p, if_range.len, now, &t) == 0 && t == v->mtime;
}
