/* Local and ISO 8601 time (hq_time.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hq_error.h"
#include "hq_time.h"

static void local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000);

	localtime_r(&t, tm);
}

void hq_local_day(int64_t ms, char day[11])
{
	struct tm tm;

	local_tm(ms, &tm);
	strftime(day, 11, "%Y-%m-%d", &tm);
}

void hq_local_parts(int64_t ms, int *wday, int *minute)
{
	struct tm tm;

	local_tm(ms, &tm);
	*wday = tm.tm_wday;
	*minute = tm.tm_hour * 60 + tm.tm_min;
}

int64_t hq_day_start(int64_t ms)
{
	struct tm tm;

	local_tm(ms, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int hq_parse_local_time(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, fields;
	time_t t;

	fields = sscanf(s, "%4d-%2d-%2d%n %2d:%2d%n:%2d%n", &y, &mo, &d, &n, &h, &mi, &n, &sec, &n);
	if ((fields != 3 && fields != 5 && fields != 6) || s[n] != '\0')
		return HQ_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0)
		return HQ_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)
		return HQ_EINVAL;
	*ms = (int64_t)t * 1000;
	return HQ_OK;
}

int hq_parse_local_bound(const char *s, bool end, int64_t *ms)
{
	int64_t t;

	if (hq_parse_local_time(s, &t) != HQ_OK)
		return HQ_EINVAL;
	/* A bare date has no time after a space. Its next midnight is the day of a time a day
	 * and a half later: a day is 23 to 25 hours long. */
	if (end && !strchr(s, ' '))
		t = hq_day_start(t + 36 * 3600000LL);
	*ms = t;
	return HQ_OK;
}

void hq_format_local_time(int64_t ms, char *buf, size_t len)
{
	struct tm tm;

	local_tm(ms, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void hq_format_iso(int64_t ms, char *buf, size_t len)
{
	char tz[8];
	struct tm tm;
	size_t n;

	local_tm(ms, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof tz, "%z", &tm);
	snprintf(buf + n, len - n, "%.3s:%.2s", tz, tz + 3);
}

/* H. Hinnant's days_from_civil and civil_from_days. */
int64_t hq_civil_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t hq_iso_ms(const char *iso)
{
	int y, mo, d, h, mi, s, n = 0, oh = 0, om = 0, ms = 0, sign = 1;
	const char *p;

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return 0;
	p = iso + n;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(p + 1, "%2d%2d", &oh, &om) != 2)
			return 0;
	} else if (*p != 'Z' && *p != '\0') {
		return 0;
	}
	return ((hq_civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) -
		sign * (oh * 3600 + om * 60)) * 1000 + ms;
}

void hq_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int hq_civil_wday(int64_t days)
{
	/* 1970-01-01 was a Thursday. */
	return (int)(((days % 7) + 7 + 4) % 7);
}

/* n decimal digits at s, and nothing else in them, to *out. */
static bool fixed_digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

/*
 * Exactly "YYYY-MM-DD", four, two and two digits: no sign, no blanks, no short fields
 * (sscanf's %d would take " 202-1-01" and "2026-+1-01"), a year from 0001 to 9999, and a
 * day that exists in its month (2026-02-30 and 2025-02-29 do not; 2024-02-29 does).
 */
int hq_parse_day(const char *s, int64_t *days)
{
	int y, m, d, yy, mm, dd;

	if (!s || !days || !fixed_digits(s, 4, &y) || s[4] != '-' || !fixed_digits(s + 5, 2, &m) ||
	    s[7] != '-' || !fixed_digits(s + 8, 2, &d) || s[10] || y < 1 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return HQ_EINVAL;
	/* The 30th of February comes back as a day of March. */
	hq_civil_from_days(hq_civil_days(y, m, d), &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return HQ_EINVAL;
	*days = hq_civil_days(y, m, d);
	return HQ_OK;
}

void hq_format_day(int64_t days, char out[11])
{
	int y, m, d;

	hq_civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* ISO 8601's weekday: Monday = 1 ... Sunday = 7. */
static int iso_weekday(int64_t days)
{
	int wday = hq_civil_wday(days);

	return wday ? wday : 7;
}

void hq_iso_week(int64_t days, int *year, int *week)
{
	/* A week belongs to the year of its Thursday (ISO 8601). */
	int64_t thursday = days - iso_weekday(days) + 4;
	int m, d;

	hq_civil_from_days(thursday, year, &m, &d);
	*week = (int)((thursday - hq_civil_days(*year, 1, 1)) / 7) + 1;
}

int hq_iso_week_monday(int year, int week, int64_t *days)
{
	/* 4 January is always in week 1. */
	int64_t jan4 = hq_civil_days(year, 1, 4), monday = jan4 - iso_weekday(jan4) + 1;
	int y, w;

	if (week < 1 || week > 53)
		return HQ_EINVAL;
	monday += (int64_t)(week - 1) * 7;
	hq_iso_week(monday, &y, &w);
	if (y != year || w != week)
		return HQ_EINVAL; /* week 53 of a year of 52 */
	*days = monday;
	return HQ_OK;
}
