/*
 * Local and ISO 8601 time, the way every hallq program writes and reads it. A hall runs in
 * its machine's local zone (TZ): the day a ticket belongs to, the opening hours and the
 * hour of the statistics are local; the API's times are ISO 8601 with the zone's offset.
 */
#ifndef HQ_TIME_H
#define HQ_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD" of a unix ms time, local. */
void hq_local_day(int64_t ms, char day[11]);
/* Weekday (0 = Sunday) and minute since local midnight. */
void hq_local_parts(int64_t ms, int *wday, int *minute);
/* Local midnight that starts the day of ms. */
int64_t hq_day_start(int64_t ms);

/* "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DD" (midnight), local, to unix ms; HQ_EINVAL. */
int hq_parse_local_time(const char *s, int64_t *ms);
/*
 * A bound of a range as the commands and the API take it (--from/--to, ?from=&to=): a local
 * time as hq_parse_local_time reads it, except that a bare date ending a range (end) means
 * the next midnight, so that "from D to D" holds the whole of day D, 23 or 25 hours long
 * where the clocks change. *ms is written only on success; HQ_EINVAL.
 */
int hq_parse_local_bound(const char *s, bool end, int64_t *ms);
/* "YYYY-MM-DD HH:MM:SS", local. */
void hq_format_local_time(int64_t ms, char *buf, size_t len);

/*
 * Days since 1970-01-01 (negative before it) of a proleptic Gregorian date, and back, for
 * calendars that count days rather than seconds (the working days of hq_config.h).
 * hq_parse_day takes exactly "YYYY-MM-DD" of a date that exists, years 0001 to 9999, and
 * gives HQ_EINVAL for anything else ("2026-2-1", "2026-02-30", "2025-02-29", " 2026-02-01");
 * *days is written only on success. hq_format_day writes "YYYY-MM-DD" and its NUL, for the
 * days of years 0001 to 9999 (what hq_parse_day gives).
 */
int64_t hq_civil_days(int64_t y, int m, int d);
void hq_civil_from_days(int64_t days, int *y, int *m, int *d);
/* The weekday of a day: 0 = Sunday ... 6 = Saturday, as tm_wday. */
int hq_civil_wday(int64_t days);
int hq_parse_day(const char *s, int64_t *days);
void hq_format_day(int64_t days, char out[11]);
/* ISO 8601 weeks (Monday to Sunday; week 1 holds the year's first Thursday): the year and
 * week of a day (at a year's ends the year may be the next's or the last's: 2027-01-01 is
 * in 2026-W53), and the Monday that starts a week (HQ_EINVAL for a week the year lacks). */
void hq_iso_week(int64_t days, int *year, int *week);
int hq_iso_week_monday(int year, int week, int64_t *days);

#define HQ_ISO_MAX 32
/* "2026-11-23T10:02:11+08:00": local, with the zone's offset. */
void hq_format_iso(int64_t ms, char *buf, size_t len);
/* Any "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|+HHMM]" to unix ms (no offset: UTC); 0 when it is
 * not one. */
int64_t hq_iso_ms(const char *iso);

#endif
