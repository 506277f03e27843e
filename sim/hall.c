/*
 * hallqd as hallq-sim reaches it: its clock, which the simulator keeps in step with from the
 * hall's time (hallqd runs on --clock and --speed), requests retried under one idempotency
 * key, the gateway's unit health, and the event stream, followed in a thread of its own that
 * queues each event for the main thread.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_log.h"
#include "sim.h"

int64_t hq_sim_now(const struct hq_sim *s)
{
	return s->sync_sim + (hq_mono_ms() - s->sync_mono) * s->speed;
}

int hq_sim_minute(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

void hq_sim_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int hq_sim_post(struct hq_sim *s, struct hq_client *cl, const char *path, json_t *body,
		const char *idem, long *status, json_t **answer)
{
	int rc = HQ_ELINK;

	/* The same key every time: a try that did reach hallqd is answered from its record. */
	for (int attempt = 0; attempt < 20 && !*s->stop; attempt++) {
		if ((rc = hq_client_request(cl, "POST", path, body, idem, status, answer)) != HQ_ELINK)
			return rc;
		hq_log(HQ_LOG_WARN, "%s; trying again", hq_client_error(cl));
		hq_sim_nap_ms(500);
	}
	return rc;
}

void hq_sim_read_units(struct hq_sim *s, bool force)
{
	int64_t now = hq_mono_ms();
	json_t *ans = NULL, *gw, *bus, *unit;
	size_t i, j, k;
	long status;

	if (!force && now - s->units_read_mono < 300)
		return;
	s->units_read_mono = now;
	if (hq_client_request(s->reader, "GET", "/api/v1/units", NULL, NULL, &status, &ans) || status != 200) {
		s->units_ok = false;
		json_decref(ans);
		return;
	}
	for (i = 0; i < HQ_SIM_MAX_COUNTER; i++)
		s->unit_events[i] = -1;
	json_array_foreach(json_object_get(ans, "gateways"), i, gw)
		json_array_foreach(json_object_get(gw, "buses"), j, bus)
			json_array_foreach(json_object_get(bus, "units"), k, unit) {
				json_int_t c = json_integer_value(json_object_get(unit, "counter"));

				if (c > 0 && c < HQ_SIM_MAX_COUNTER)
					s->unit_events[c] = (s->unit_events[c] < 0 ? 0 : s->unit_events[c]) +
							    json_integer_value(json_object_get(unit, "events"));
			}
	s->units_ok = true;
	json_decref(ans);
}

/* ---- the event stream ------------------------------------------------------------------- */

static int on_event(void *ctx, const struct hq_sse_event *e)
{
	struct hq_sim_follower *f = ctx;
	struct hq_sim_event ev;

	if (hq_sim_event_parse(e->id, e->data, &ev)) {
		snprintf(f->why, sizeof f->why, "event %lld has no at_ms: this hallqd is older than "
			 "hallq-sim (it needs the events' millisecond times)", (long long)e->id);
		f->failed = 1;
		return 1;
	}
	pthread_mutex_lock(&f->lock);
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct hq_sim_event *g = realloc(f->q, cap * sizeof *g);

		if (!g) {
			pthread_mutex_unlock(&f->lock);
			f->failed = 1;
			snprintf(f->why, sizeof f->why, "out of memory");
			return 1;
		}
		f->q = g;
		f->cap = cap;
	}
	f->q[f->n++] = ev;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void *follow_main(void *arg)
{
	struct hq_sim_follower *f = arg;
	int64_t since = 0;           /* the whole feed: the day may have begun before us */

	while (!f->quit && !*f->stop && !f->failed) {
		int rc = hq_client_follow(f->cl, &since, 45000, on_event, f, &f->quit);

		if (f->quit || f->failed)
			break;
		if (rc == HQ_EINVAL) {
			snprintf(f->why, sizeof f->why, "%s", hq_client_error(f->cl));
			f->failed = 1;
			break;
		}
		hq_log(HQ_LOG_WARN, "event stream: %s; following again", hq_client_error(f->cl));
		hq_sim_nap_ms(500);
	}
	pthread_mutex_lock(&f->lock);
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Wait up to ms for events, then take them all; returns how many (*out to free). */
size_t hq_sim_follow_take(struct hq_sim_follower *f, long ms, struct hq_sim_event **out)
{
	struct timespec until;
	size_t n;

	pthread_mutex_lock(&f->lock);
	if (!f->n && ms > 0) {
		hq_deadline(&until, ms);
		pthread_cond_timedwait(&f->cond, &f->lock, &until);
	}
	*out = f->q;
	n = f->n;
	f->q = NULL;
	f->n = f->cap = 0;
	pthread_mutex_unlock(&f->lock);
	return n;
}

int hq_sim_follow_start(struct hq_sim_follower *f, struct hq_client *cl, volatile int *stop)
{
	memset(f, 0, sizeof *f);
	f->cl = cl;
	f->stop = stop;
	pthread_mutex_init(&f->lock, NULL);
	hq_cond_init_mono(&f->cond);
	if (pthread_create(&f->thread, NULL, follow_main, f))
		return HQ_ENOMEM;
	f->started = true;
	return HQ_OK;
}

void hq_sim_follow_stop(struct hq_sim_follower *f)
{
	if (f->started) {
		f->quit = 1;
		pthread_join(f->thread, NULL);
		f->started = false;
	}
	free(f->q);
	f->q = NULL;
	f->n = f->cap = 0;
}

/* "2026-11-23T10:02:11+08:00", hallqd's ISO time, to unix ms; our zone must be hallqd's. */
static int iso_ms(const char *iso, int64_t *ms)
{
	char mine[HQ_ISO_MAX];

	if (!iso || strlen(iso) < 25 || !(*ms = hq_iso_ms(iso)))
		return HQ_EINVAL;
	hq_format_iso(*ms, mine, sizeof mine);
	if (strcmp(mine + 19, iso + 19))
		return HQ_ECONFIG; /* not a bad time: another zone */
	return HQ_OK;
}

int hq_sim_hall_time(struct hq_sim *s, int64_t *ms, json_t **hall)
{
	json_t *ans = NULL;
	long status;
	int rc;

	if (hq_client_request(s->kiosk, "GET", "/api/v1/hall", NULL, NULL, &status, &ans) || status != 200) {
		hq_log(HQ_LOG_ERROR, "GET /api/v1/hall: %s", hq_client_error(s->kiosk));
		json_decref(ans);
		return HQ_ELINK;
	}
	rc = iso_ms(json_string_value(json_object_get(ans, "time")), ms);
	if (rc == HQ_ECONFIG)
		hq_log(HQ_LOG_ERROR, "hallqd's time %s is in another time zone than ours: run both with "
		       "the same TZ", json_string_value(json_object_get(ans, "time")));
	else if (rc)
		hq_log(HQ_LOG_ERROR, "hallqd's hall has no time we can read");
	if (hall && !rc)
		*hall = ans;
	else
		json_decref(ans);
	return rc;
}

/* The instant hallqd's clock turns a second: its time to the precision of our polling. */
static int clock_edge(struct hq_sim *s, long speed, int64_t *sim, int64_t *mono)
{
	int64_t t0, t, before, deadline = hq_mono_ms() + 3000;
	long gap = speed > 0 ? 250 / speed : 5;

	if (hq_sim_hall_time(s, &t0, NULL))
		return HQ_ELINK;
	do {
		hq_sim_nap_ms(gap < 1 ? 1 : gap > 5 ? 5 : gap);
		before = hq_mono_ms();
		if (hq_sim_hall_time(s, &t, NULL))
			return HQ_ELINK;
	} while (t == t0 && hq_mono_ms() < deadline && !*s->stop);
	if (t == t0)
		return HQ_ETIMEOUT;
	*sim = t;
	*mono = (before + hq_mono_ms()) / 2;
	return HQ_OK;
}

/* Keep our clock in step with hallqd's: two turns of its second, a second or more apart,
 * give its time now and its speed. */
int hq_sim_sync_clock(struct hq_sim *s, long speed)
{
	int64_t sim0, mono0, sim1, mono1;
	double measured;

	if (clock_edge(s, speed, &sim0, &mono0))
		goto fail;
	hq_sim_nap_ms(1000);
	if (clock_edge(s, speed, &sim1, &mono1))
		goto fail;
	measured = (double)(sim1 - sim0) / (double)(mono1 - mono0);
	if (!speed)
		speed = lround(measured) < 1 ? 1 : lround(measured);
	if (fabs(measured / (double)speed - 1) > 0.1 + 1.5 / (double)(sim1 - sim0) * 1000) {
		hq_log(HQ_LOG_ERROR, "hallqd's clock runs at %.1fx real time, but --speed is %ld: give "
		       "hallq-sim hallqd's --speed (or leave it out)", measured, speed);
		return HQ_EINVAL;
	}
	s->speed = (int)speed;
	s->sync_sim = sim1;
	s->sync_mono = mono1;
	return HQ_OK;
fail:
	hq_log(HQ_LOG_ERROR, "cannot read hallqd's clock (is hallqd running? its clock should move)");
	return HQ_ELINK;
}
