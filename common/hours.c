/*
 * The hall's calendar (hq_config.h): how many of its services are open at a moment, the
 * next moment at which enough of them are (the demo hall starts then on an evening or a
 * weekend), working days for the due dates of bad-review cases, and look-ups of the alert
 * rules and the clerks' roster.
 */
#include <string.h>

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

static bool listed(const int32_t *days, int n, int64_t day)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (days[mid] == day)
			return true;
		if (days[mid] < day)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static bool working(const struct hq_config *cfg, int64_t day)
{
	/* 1970-01-01 was a Thursday: weekday 0 = Sunday as tm_wday. */
	int wday = (int)(((day % 7) + 7 + 4) % 7);

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

	if (hq_parse_day(day, &d) || n < 0)
		return HQ_EINVAL;
	while (n > 0)
		if (working(cfg, ++d))
			n--;
	hq_format_day(d, out);
	return HQ_OK;
}

const struct hq_alert_rule *hq_config_alert(const struct hq_config *cfg, const char *name)
{
	for (int i = 0; name && i < cfg->nalerts; i++)
		if (!strcmp(cfg->alerts[i].name, name))
			return &cfg->alerts[i];
	return NULL;
}

const struct hq_clerk_cfg *hq_config_clerk(const struct hq_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->nclerks; i++)
		if (!strcmp(cfg->clerks[i].id, id))
			return &cfg->clerks[i];
	return NULL;
}
