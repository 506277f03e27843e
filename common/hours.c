/*
 * The hall's calendar (hq_config.h): how many of its services are open at a moment, the
 * next moment at which enough of them are (the demo hall starts then on an evening or a
 * weekend), when a service opens later in a day, and working days for the due dates of
 * bad-review cases.
 */
#include "hq_config.h"
#include "hq_error.h"
#include "hq_time.h"

/* A week and a day: any hall that opens at all opens within it. */
#define SCAN_MINUTES (8 * 24 * 60)

int hq_config_open_count(const struct hq_config *cfg, int64_t ms)
{
	int wday, minute, n = 0;

	hq_local_parts(ms, &wday, &minute);
	for (size_t i = 0; i < cfg->nservices; i++)
		n += hq_service_open_at(&cfg->services[i], wday, minute);
	return n;
}

int64_t hq_service_opens_later(const struct hq_service *s, int64_t ms)
{
	int wday, minute, next = -1;

	hq_local_parts(ms, &wday, &minute);
	if (!s || !(s->days & (1u << wday)) || hq_service_open_at(s, wday, minute))
		return 0;
	for (int i = 0; i < s->nperiods; i++)
		if (s->periods[i].open > minute && (next < 0 || s->periods[i].open < next))
			next = s->periods[i].open;
	/* From this minute's start: the hall keeps no clock change within its opening hours. */
	return next < 0 ? 0 : ms - ms % 60000 + (int64_t)(next - minute) * 60000;
}

int hq_config_open_need(const struct hq_config *cfg)
{
	return cfg->nservices ? (int)(cfg->nservices + 1) / 2 : 1;
}

int64_t hq_config_next_open(const struct hq_config *cfg, int64_t ms, int need)
{
	int64_t t;

	if (hq_config_open_count(cfg, ms) >= need)
		return ms;
	/* Whole minutes from the next one: opening hours are in minutes. */
	t = ms - ms % 60000 + 60000;
	for (int i = 0; i < SCAN_MINUTES; i++, t += 60000)
		if (hq_config_open_count(cfg, t) >= need)
			return t;
	return 0;
}

/* Is day in the sorted list? */
static bool listed(const int32_t *days, int n, int64_t day)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (days[mid] == day)
			return true;
		if (days[mid] < day)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/*
 * A working day: a weekend day worked instead of a holiday (调休, [hall] workdays), or a
 * weekday that is not a holiday. The parser refuses a day that is both, so the order of the
 * two tests does not matter.
 */
static bool working(const struct hq_config *cfg, int64_t day)
{
	int wday = hq_civil_wday(day);

	if (!cfg)
		return wday != 0 && wday != 6;
	if (listed(cfg->workdays, cfg->nworkdays, day))
		return true;
	return wday != 0 && wday != 6 && !listed(cfg->holidays, cfg->nholidays, day);
}

bool hq_config_working_day(const struct hq_config *cfg, const char *day)
{
	int64_t d;

	return hq_parse_day(day, &d) == 0 && working(cfg, d);
}

int hq_config_add_working_days(const struct hq_config *cfg, const char *day, int n, char out[11])
{
	int64_t d;

	if (!out || hq_parse_day(day, &d) || n < 0 || n > HQ_MAX_WORKING_DAYS)
		return HQ_EINVAL;
	/* It ends: at most HQ_MAX_DATES holidays stand between the weekdays. */
	while (n > 0)
		if (working(cfg, ++d))
			n--;
	if (d > hq_civil_days(9999, 12, 31))
		return HQ_EINVAL; /* past what a "YYYY-MM-DD" can say */
	hq_format_day(d, out);
	return HQ_OK;
}
