/*
 * When a hall is open (hq_config.h): how many of its services are open at a moment, and the
 * next moment at which enough of them are, from their hours and days. The demo hall uses it
 * to start on a morning when the real time is an evening or a weekend.
 */
#include "hq_config.h"
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
