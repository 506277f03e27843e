/*
 * The display's link to hallqd (feed.h). The same shape as the counter gateway's link: the
 * follower only reports events and that something changed, the refresher re-reads the
 * whole hall, so a missed event or a change made with the hallq command is right again
 * after the next read.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed.h"
#include "hq_clock.h"
#include "hq_error.h"

#define REFRESH_MIN_MS 50    /* at most this often after events */
#define REFRESH_IDLE_MS 10000 /* and at least this often (opening hours change the figures) */
#define REFRESH_DOWN_MS 1000 /* while hallqd is away, to notice its return soon */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 4000

struct hq_feed {
	struct hq_feed_opts o;
	struct hq_client *follow_cl, *refresh_cl;
	pthread_t follower, refresher;
	int nthreads;
	volatile int stop;          /* read by libcurl's progress callbacks */
	atomic_int up;              /* -1 not known yet, 0 down, 1 up */

	pthread_mutex_t lock;
	pthread_cond_t wake;
	int dirty;
};

static void post(struct hq_feed *f, struct hq_feed_msg *m)
{
	f->o.post(f->o.ctx, m);
}

static struct hq_feed_msg *msg_new(enum hq_feed_kind kind)
{
	struct hq_feed_msg *m = calloc(1, sizeof *m);

	if (m)
		m->kind = kind;
	return m;
}

void hq_feed_msg_free(struct hq_feed_msg *m)
{
	if (!m)
		return;
	hq_hall_free(m->hall);
	free(m);
}

/* Report a change of reachability (only changes: a hallqd that stays away is one message). */
static void set_up(struct hq_feed *f, int up, const char *why)
{
	struct hq_feed_msg *m;

	if (atomic_exchange(&f->up, up) == up || !(m = msg_new(HQ_FEED_LINK)))
		return;
	m->up = up;
	snprintf(m->why, sizeof m->why, "%s", why);
	post(f, m);
}

static void want_refresh(struct hq_feed *f)
{
	pthread_mutex_lock(&f->lock);
	f->dirty = 1;
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
}

/* Wait on the feed's condition until woken or ms passed; the lock is held. */
static void wait_ms(struct hq_feed *f, int ms)
{
	struct timespec ts;

	hq_deadline(&ts, ms);
	pthread_cond_timedwait(&f->wake, &f->lock, &ts);
}

static int on_event(void *ctx, const struct hq_sse_event *ev)
{
	struct hq_feed *f = ctx;
	struct hq_feed_msg *m = msg_new(HQ_FEED_EVENT);

	if (m && hq_devent_parse(ev, &m->ev) == HQ_OK)
		post(f, m);
	else
		free(m);
	want_refresh(f);
	return 0;
}

/*
 * Before following the stream: hallqd's clock (an event's age is judged by it, not by a
 * display whose own clock may be off) and, the first time, where to start so that the
 * recent calls are replayed. The hall's time has whole seconds: half a second is added.
 */
static int connect_read(struct hq_feed *f, int64_t *since)
{
	struct hq_feed_msg *m;
	json_t *v = NULL;
	long status = 0;
	int64_t t, last;

	if (hq_client_request(f->follow_cl, "GET", "/api/v1/hall", NULL, NULL, &status, &v))
		return HQ_ELINK;
	if (status != 200 || !json_is_object(v)) {
		json_decref(v);
		return status == 401 || status == 403 ? HQ_EINVAL : HQ_EFRAME;
	}
	if ((t = hq_iso_ms(json_string_value(json_object_get(v, "time")))) &&
	    (m = msg_new(HQ_FEED_CLOCK))) {
		json_t *ms = json_object_get(v, "time_ms"), *sp = json_object_get(v, "clock_speed");

		m->server_ms = json_is_integer(ms) ? (int64_t)json_integer_value(ms) : t + 500;
		m->skew_ms = m->server_ms - hq_real_now(NULL);
		m->mono_ms = hq_mono_ms();
		m->speed = json_is_integer(sp) && json_integer_value(sp) > 1 ? (int)json_integer_value(sp) : 1;
		post(f, m);
	}
	last = json_integer_value(json_object_get(v, "last_event_id"));
	if (*since < 0)
		*since = last > f->o.replay ? last - f->o.replay : 0;
	json_decref(v);
	return HQ_OK;
}

/* What the log says when hallqd cannot be used. */
static const char *why(int rc, const struct hq_client *cl, char *out, size_t n)
{
	if (rc == HQ_EINVAL)
		snprintf(out, n, "hallqd refused the token (a display, kiosk or admin token is needed)");
	else
		snprintf(out, n, "hallqd unreachable: %s", hq_client_error(cl));
	return out;
}

static void *follower(void *arg)
{
	struct hq_feed *f = arg;
	int64_t since = -1, t0;
	int backoff = BACKOFF_MIN_MS, rc, waited;
	char reason[256];

	while (!f->stop) {
		t0 = hq_mono_ms();
		if ((rc = connect_read(f, &since)) == HQ_OK)
			rc = hq_client_follow(f->follow_cl, &since, 0, on_event, f, &f->stop);
		if (f->stop)
			break;
		set_up(f, 0, why(rc, f->follow_cl, reason, sizeof reason));
		/* Events may have been missed: the whole hall is read again. */
		want_refresh(f);
		if (hq_mono_ms() - t0 > 5000)
			backoff = BACKOFF_MIN_MS;
		for (waited = 0; waited < backoff && !f->stop; waited += 50)
			nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}

static void *refresher(void *arg)
{
	struct hq_feed *f = arg;
	int64_t last = 0, t0;
	struct hq_feed_msg *m;
	struct hq_hall *h;
	char reason[256];
	int rc;

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		int period = atomic_load(&f->up) == 1 ? REFRESH_IDLE_MS : REFRESH_DOWN_MS;

		if (!f->dirty && hq_mono_ms() - last < period) {
			wait_ms(f, (int)(period - (hq_mono_ms() - last)));
			continue;
		}
		f->dirty = 0;
		pthread_mutex_unlock(&f->lock);
		if ((rc = hq_client_hall(f->refresh_cl, &h)) == HQ_OK) {
			if ((m = msg_new(HQ_FEED_HALL))) {
				m->hall = h;
				post(f, m);
			} else {
				hq_hall_free(h);
			}
			set_up(f, 1, "");
		} else if (!f->stop) {
			set_up(f, 0, why(rc, f->refresh_cl, reason, sizeof reason));
		}
		last = hq_mono_ms();
		/* A burst of events becomes one read. */
		pthread_mutex_lock(&f->lock);
		for (t0 = hq_mono_ms(); !f->stop && hq_mono_ms() - t0 < REFRESH_MIN_MS;)
			wait_ms(f, REFRESH_MIN_MS);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct hq_feed *hq_feed_start(const struct hq_feed_opts *o)
{
	struct hq_feed *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->o = *o;
	atomic_init(&f->up, -1);
	pthread_mutex_init(&f->lock, NULL);
	hq_cond_init_mono(&f->wake);
	f->follow_cl = hq_client_new(o->url, o->token);
	f->refresh_cl = hq_client_new(o->url, o->token);
	if (!f->follow_cl || !f->refresh_cl)
		goto fail;
	/* A hallqd that hangs must not hold up the display's exit by a client's timeout. */
	hq_client_set_abort(f->follow_cl, &f->stop);
	hq_client_set_abort(f->refresh_cl, &f->stop);
	f->dirty = 1;
	if (pthread_create(&f->follower, NULL, follower, f))
		goto fail;
	f->nthreads = 1;
	if (pthread_create(&f->refresher, NULL, refresher, f))
		goto fail;
	f->nthreads = 2;
	return f;
fail:
	hq_feed_stop(f);
	return NULL;
}

void hq_feed_stop(struct hq_feed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
	if (f->nthreads > 0)
		pthread_join(f->follower, NULL);
	if (f->nthreads > 1)
		pthread_join(f->refresher, NULL);
	hq_client_free(f->follow_cl);
	hq_client_free(f->refresh_cl);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->wake);
	free(f);
}
