/*
 * The display's model (state.h). The hall's figures are replaced whole by each snapshot,
 * as the counter gateway does: after a missed event or a reconnect the next read is right
 * by itself. The calls cannot be read back from hallqd, so they are kept from the event
 * stream; main.c replays the recent past of the stream at start to fill them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_error.h"
#include "hq_hall.h"
#include "state.h"

void hq_dstate_init(struct hq_dstate *st)
{
	memset(st, 0, sizeof *st);
}

void hq_dstate_free(struct hq_dstate *st)
{
	if (!st)
		return;
	free(st->services);
	free(st->counters);
	st->services = NULL;
	st->counters = NULL;
	st->nservices = st->ncounters = 0;
}

int hq_dstate_set_hall(struct hq_dstate *st, const struct hq_hall *h, bool *changed)
{
	struct hq_dservice *sv = calloc((size_t)h->nservices + 1, sizeof *sv);
	struct hq_dcounter *ct = calloc((size_t)h->ncounters + 1, sizeof *ct);
	bool ch = !st->have_hall;
	int i;

	*changed = false;
	if (!sv || !ct) {
		free(sv);
		free(ct);
		return HQ_ENOMEM;
	}
	for (i = 0; i < h->nservices; i++) {
		const struct hq_hall_service *s = &h->services[i];

		snprintf(sv[i].key, sizeof sv[i].key, "%s", s->key);
		snprintf(sv[i].name, sizeof sv[i].name, "%s", s->name);
		snprintf(sv[i].name_en, sizeof sv[i].name_en, "%s", s->name_en);
		sv[i].open = s->open;
		sv[i].waiting = s->waiting;
		sv[i].est_wait_s = s->est_wait_s;
		sv[i].est_opens_at = s->est_wait_s == HQ_EST_NONE ? s->est_opens_at : 0;
		/* Kept only where it is shown: a hall that shows points keeps none, so its
		 * ranges moving change nothing on the screen. */
		sv[i].est_range_s[0] = sv[i].est_range_s[1] = HQ_EST_NONE;
		if (h->estimate_range && s->est_wait_s != HQ_EST_NONE) {
			sv[i].est_range_s[0] = s->est_range_s[0];
			sv[i].est_range_s[1] = s->est_range_s[1];
		}
	}
	for (i = 0; i < h->ncounters; i++) {
		const struct hq_hall_counter *c = &h->counters[i];

		ct[i].number = c->number;
		snprintf(ct[i].name, sizeof ct[i].name, "%s", c->name);
		snprintf(ct[i].name_en, sizeof ct[i].name_en, "%s", c->name_en);
		ct[i].state = c->state;
		snprintf(ct[i].serving, sizeof ct[i].serving, "%s", c->serving);
	}
	/* Both sides were zeroed before being filled, so whole structs compare. */
	if (h->nservices != st->nservices || h->ncounters != st->ncounters)
		ch = true;
	else if ((st->nservices && memcmp(sv, st->services, (size_t)st->nservices * sizeof *sv)) ||
		 (st->ncounters && memcmp(ct, st->counters, (size_t)st->ncounters * sizeof *ct)))
		ch = true;
	if (strcmp(st->name, h->name) || strcmp(st->name_en, h->name_en) ||
	    strcmp(st->notice, h->notice) || st->lang_en != h->lang_en)
		ch = true;
	free(st->services);
	free(st->counters);
	st->services = sv;
	st->counters = ct;
	st->nservices = h->nservices;
	st->ncounters = h->ncounters;
	snprintf(st->name, sizeof st->name, "%s", h->name);
	snprintf(st->name_en, sizeof st->name_en, "%s", h->name_en);
	snprintf(st->notice, sizeof st->notice, "%s", h->notice);
	st->lang_en = h->lang_en;
	st->have_hall = true;
	*changed = ch;
	return HQ_OK;
}

int hq_devent_parse(const struct hq_sse_event *ev, struct hq_devent *out)
{
	json_t *d = ev->data;
	const char *s;

	memset(out, 0, sizeof *out);
	if (!json_is_object(d))
		return HQ_EFRAME;
	out->id = ev->id;
	snprintf(out->type, sizeof out->type, "%s", ev->type);
	if ((s = json_string_value(json_object_get(d, "label"))))
		snprintf(out->label, sizeof out->label, "%s", s);
	if ((s = json_string_value(json_object_get(d, "service"))))
		snprintf(out->service, sizeof out->service, "%s", s);
	out->counter = (int)json_integer_value(json_object_get(d, "counter"));
	out->value = (int)json_integer_value(json_object_get(d, "value"));
	if (json_is_integer(json_object_get(d, "at_ms")))
		out->at_ms = (int64_t)json_integer_value(json_object_get(d, "at_ms"));
	else
		out->at_ms = hq_iso_ms(json_string_value(json_object_get(d, "at")));
	return HQ_OK;
}

static int local_day(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static void remove_call(struct hq_dstate *st, int i)
{
	memmove(&st->calls[i], &st->calls[i + 1], (size_t)(st->ncalls - i - 1) * sizeof st->calls[0]);
	st->ncalls--;
}

int hq_dstate_event(struct hq_dstate *st, const struct hq_devent *ev, int64_t server_now_ms,
		    int64_t mono_ms)
{
	bool recall = !strcmp(ev->type, "recalled");
	struct hq_dcall c = { 0 };
	int i;

	if (!strcmp(ev->type, "day_closed")) {
		if (!st->ncalls)
			return 0;
		st->ncalls = 0;
		st->highlight_ms = 0;
		return HQ_DS_CHANGED;
	}
	if ((!recall && strcmp(ev->type, "called")) || !ev->label[0])
		return 0;
	if (ev->at_ms && local_day(ev->at_ms) != local_day(server_now_ms))
		return 0; /* yesterday's, from a replay at start */
	/* One line per ticket: a recall, or a parked ticket called again, moves it up. */
	for (i = 0; i < st->ncalls; i++)
		if (!strcmp(st->calls[i].label, ev->label)) {
			c = st->calls[i];
			remove_call(st, i);
			break;
		}
	c.event_id = ev->id;
	snprintf(c.label, sizeof c.label, "%s", ev->label);
	snprintf(c.service, sizeof c.service, "%s", ev->service);
	c.counter = ev->counter;
	c.at_ms = ev->at_ms;
	c.recalls = recall ? ev->value : 0;
	if (st->ncalls == HQ_DS_CALLS)
		st->ncalls--;
	memmove(&st->calls[1], &st->calls[0], (size_t)st->ncalls * sizeof st->calls[0]);
	st->calls[0] = c;
	st->ncalls++;
	/* An event without a time is taken as new: better announced once too often than a
	 * call nobody hears. */
	/* Under a simulated clock (hallqd --speed) a call a real second old is `speed` seconds
	 * old by hallqd's clock: freshness is a matter of real time. */
	if (ev->at_ms && (server_now_ms - ev->at_ms) / (st->speed > 1 ? st->speed : 1) > HQ_DS_FRESH_MS) {
		st->highlight_ms = 0;
		return HQ_DS_CHANGED | HQ_DS_OLD;
	}
	st->highlight_ms = mono_ms ? mono_ms : 1;
	return HQ_DS_CHANGED | HQ_DS_CALL;
}

bool hq_dstate_keep_day(struct hq_dstate *st, int64_t server_now_ms)
{
	int today = local_day(server_now_ms), i, n = st->ncalls;

	for (i = st->ncalls - 1; i >= 0; i--)
		if (st->calls[i].at_ms && local_day(st->calls[i].at_ms) != today)
			remove_call(st, i);
	if (st->ncalls == 0)
		st->highlight_ms = 0;
	return st->ncalls != n;
}

const struct hq_dservice *hq_dstate_service(const struct hq_dstate *st, const char *key)
{
	int i;

	for (i = 0; i < st->nservices; i++)
		if (!strcmp(st->services[i].key, key))
			return &st->services[i];
	return NULL;
}

const struct hq_dcounter *hq_dstate_counter(const struct hq_dstate *st, int number)
{
	int i;

	for (i = 0; i < st->ncounters; i++)
		if (st->counters[i].number == number)
			return &st->counters[i];
	return NULL;
}
