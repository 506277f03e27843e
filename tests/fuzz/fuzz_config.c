/*
 * The hall config (common/config.c): INI text and every value parser behind it (times,
 * opening hours, days, number ranges, holidays and workdays, [alert], [clerk], [kiosk],
 * [appraisal], buses and counters), through both entry points: hq_config_parse_string(),
 * which hallqd and hallq use (the text up to its first NUL), and hq_config_parse_file(),
 * which the gateway and the simulator use (every byte of the file, NULs included). A
 * config that parses is then checked against what hq_config.h promises and asked the
 * questions the programs ask of it (open hours, working days, look-ups); a config that
 * does not parse must say why, naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "hq_config.h"
#include "hq_time.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	/* A zone with a daylight-saving change, so local days of 23 and 25 hours are met. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	path = fuzz_scratch("config.ini");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0)
		close(fd);
	return 0;
}

static void check_config(const struct hq_config *c)
{
	static const char *const days[] = { "2024-01-01", "2024-03-31", "2024-10-27", "2025-05-01",
					    "2000-02-29", "bad" };
	int64_t ms = 1711843200000LL; /* 2024-03-31, the spring change in Berlin */
	char out[11];
	size_t i;
	int k;

	FUZZ_CHECK(c->nservices <= HQ_MAX_SERVICES && c->ncounters <= HQ_MAX_COUNTERS, "within the limits");
	FUZZ_CHECK(c->nholidays <= HQ_MAX_DATES && c->nworkdays <= HQ_MAX_DATES, "dates within the limit");
	FUZZ_CHECK(c->nalerts >= HQ_ALERT_NKINDS && c->nalerts <= HQ_MAX_ALERT_RULES, "the default alerts and more");
	for (k = 1; k < c->nholidays; k++)
		FUZZ_CHECK(c->holidays[k - 1] < c->holidays[k], "holidays sorted, without repeats");
	for (k = 1; k < c->nworkdays; k++)
		FUZZ_CHECK(c->workdays[k - 1] < c->workdays[k], "workdays sorted, without repeats");
	for (i = 0; i < c->nservices; i++) {
		const struct hq_service *s = &c->services[i];

		FUZZ_CHECK(s->first <= s->last && s->daily_cap <= s->last - s->first + 1, "a number range");
		FUZZ_CHECK(s->nperiods >= 0 && s->nperiods <= HQ_MAX_PERIODS, "periods within the limit");
		for (k = 0; k < s->nperiods; k++)
			FUZZ_CHECK(s->periods[k].open < s->periods[k].close && s->periods[k].open >= 0 &&
				   s->periods[k].close <= 24 * 60, "a period within the day");
		FUZZ_CHECK(memchr(s->key, 0, sizeof s->key) && memchr(s->name, 0, sizeof s->name),
			   "strings are terminated");
		FUZZ_CHECK(hq_config_service(c, s->key) == s, "a service is found by its key");
		(void)hq_service_open_at(s, 1, 600);
	}
	for (i = 0; i < c->ncounters; i++) {
		const struct hq_counter_cfg *ct = &c->counters[i];

		FUZZ_CHECK(ct->nservices >= 0 && ct->nservices <= HQ_MAX_COUNTER_SERVICES, "counter services");
		for (k = 0; k < ct->nservices; k++)
			FUZZ_CHECK(ct->services[k] >= 0 && (size_t)ct->services[k] < c->nservices,
				   "a counter's service exists");
		FUZZ_CHECK(ct->bus == -1 || (ct->bus >= 0 && (size_t)ct->bus < c->nbuses), "a counter's bus exists");
		FUZZ_CHECK(hq_config_counter(c, ct->number) != NULL, "a counter is found by its number");
	}
	for (k = 0; k < c->nalerts; k++)
		FUZZ_CHECK(hq_config_alert(c, c->alerts[k].name) != NULL &&
			   (unsigned)c->alerts[k].kind < HQ_ALERT_NKINDS, "an alert rule of a known kind");
	for (i = 0; i < c->nclerks; i++)
		FUZZ_CHECK(hq_config_clerk(c, c->clerks[i].id) != NULL, "a clerk is found by id");
	for (k = 0; k < 3; k++) {
		int need = hq_config_open_need(c);
		int64_t next = hq_config_next_open(c, ms + k * 43200000LL, need);

		(void)hq_config_open_count(c, ms + k * 43200000LL);
		FUZZ_CHECK(next == 0 || next >= ms + k * 43200000LL, "the next opening is not in the past");
	}
	for (i = 0; i < sizeof days / sizeof days[0]; i++) {
		(void)hq_config_working_day(c, days[i]);
		if (hq_config_add_working_days(c, days[i], (int)(i * 37), out) == 0)
			FUZZ_CHECK(strlen(out) == 10, "a day is YYYY-MM-DD");
	}
}

static void parse_one(int (*parse)(const char *, struct hq_config **, char *, size_t), const char *arg)
{
	struct hq_config *cfg = NULL;
	char err[512];
	int rc = parse(arg, &cfg, err, sizeof err);

	if (rc == 0) {
		FUZZ_CHECK(cfg != NULL, "a parsed config");
		check_config(cfg);
	} else {
		FUZZ_CHECK(cfg == NULL, "nothing is kept from a bad config");
		FUZZ_CHECK(err[0] != '\0', "a bad config says why");
	}
	hq_config_free(cfg);
}

static int parse_text(const char *text, struct hq_config **out, char *err, size_t n)
{
	int rc = hq_config_parse_string(text, "fuzz.ini", out, err, n);

	if (rc)
		FUZZ_CHECK(!strncmp(err, "fuzz.ini", 8), "the message names the text");
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	FILE *f;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	parse_one(parse_text, text);
	free(text);
	/* The file reader sees every byte, NULs and all. */
	if ((f = fopen(path, "wb"))) {
		size_t w = fwrite(data, 1, size, f);

		fclose(f);
		if (w == size)
			parse_one(hq_config_parse_file, path);
	}
	return 0;
}
