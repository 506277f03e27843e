/*
 * The link to hallqd (link.h). The views are rebuilt from GET /api/v1/hall rather than
 * patched event by event: after a reconnect, a missed event or a change made with the
 * hallq command, the next snapshot is right again by itself. The follower only says that
 * something changed; the refresher coalesces a burst of events into one read.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_clock.h"
#include "hq_error.h"
#include "hq_log.h"
#include "keys.h"
#include "link.h"

#define REFRESH_MIN_MS 50    /* at most this often after events */
#define REFRESH_IDLE_MS 5000 /* and at least this often */
#define REFRESH_DOWN_MS 1000 /* while hallqd is away, to notice its return soon */

struct view {
	int number;
	struct hq_cshow show;
	char name[128];
};

struct hq_link {
	struct hq_link_opts o;
	struct hq_client *follow_cl, *refresh_cl;
	pthread_t follower, refresher;
	int started;
	volatile int stop;           /* read by libcurl's progress callback */
	atomic_int up;
	atomic_bool told;            /* the first try's outcome is logged, reachable or not */

	pthread_mutex_t lock;
	pthread_cond_t changed;      /* views changed, or a refresh is wanted */
	struct view *views;
	int nviews;
	char hall_name[128];
	uint64_t version;
	uint64_t reads;              /* hall snapshots read so far */
	int dirty;
};

static void set_up(struct hq_link *l, int up, const char *why)
{
	int was = atomic_exchange(&l->up, up);
	bool first = !atomic_exchange(&l->told, true);

	/* Said at the first try too: a hallqd never reached (a wrong URL, token or --ca) shows
	 * why in the log, not only as "unreachable". */
	if ((was || first) && !up)
		hq_log(HQ_LOG_WARN, "hallqd unreachable: %s", why);
	else if (!was && up)
		hq_log(HQ_LOG_INFO, "hallqd reachable at %s", l->o.url);
}

/* Put a new snapshot in place; a view whose content changed bumps the version. */
static void apply(struct hq_link *l, const struct hq_hall *h)
{
	struct view *v;
	int i, changed = 0;

	pthread_mutex_lock(&l->lock);
	if (l->nviews != h->ncounters) {
		if (!(v = calloc((size_t)h->ncounters + 1, sizeof *v))) {
			pthread_mutex_unlock(&l->lock);
			return;
		}
		free(l->views);
		l->views = v;
		l->nviews = h->ncounters;
		changed = 1;
	}
	snprintf(l->hall_name, sizeof l->hall_name, "%s", h->name);
	for (i = 0; i < h->ncounters; i++) {
		const struct hq_hall_counter *c = &h->counters[i];
		struct view n = { .number = c->number };

		snprintf(n.show.text, sizeof n.show.text, "%.8s", c->serving);
		n.show.state = c->state;
		n.show.waiting = c->waiting;
		n.show.brightness = l->o.brightness;
		snprintf(n.name, sizeof n.name, "%s", c->name);
		if (memcmp(&n, &l->views[i], sizeof n)) {
			l->views[i] = n;
			changed = 1;
		}
	}
	if (changed) {
		l->version++;
		pthread_cond_broadcast(&l->changed);
	}
	pthread_mutex_unlock(&l->lock);
}

static void want_refresh(struct hq_link *l)
{
	pthread_mutex_lock(&l->lock);
	l->dirty = 1;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
}

static int on_event(void *ctx, const struct hq_sse_event *ev)
{
	(void)ev;
	want_refresh(ctx);
	return 0;
}

/* Follow the event stream for ever, reconnecting with a growing pause while hallqd is away. */
static void *follower(void *arg)
{
	struct hq_link *l = arg;
	int64_t since = -1;
	int backoff = 250, rc;

	while (!l->stop) {
		int64_t t0 = hq_mono_ms();

		rc = hq_client_follow(l->follow_cl, &since, 0, on_event, l, &l->stop);
		if (l->stop)
			break;
		if (rc == HQ_EINVAL)
			hq_log(HQ_LOG_ERROR, "event stream refused: %s (check the token)",
			       hq_client_error(l->follow_cl));
		set_up(l, 0, hq_client_error(l->follow_cl));
		want_refresh(l); /* events may have been missed: read the whole hall again */
		if (hq_mono_ms() - t0 > 5000)
			backoff = 250;
		for (int waited = 0; waited < backoff && !l->stop; waited += 50)
			nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
	return NULL;
}

static void send_report(struct hq_link *l)
{
	char path[160];
	json_t *body = l->o.report(l->o.report_ctx, path, sizeof path);
	long status;

	if (!body)
		return;
	if (hq_client_request(l->refresh_cl, "PUT", path, body, NULL, &status, NULL) == 0 &&
	    status >= 300)
		hq_log(HQ_LOG_WARN, "health report refused: %s", hq_client_error(l->refresh_cl));
	json_decref(body);
}

static void *refresher(void *arg)
{
	struct hq_link *l = arg;
	int64_t last = 0, next_report = hq_mono_ms() + l->o.report_ms;
	struct timespec ts;

	while (!l->stop) {
		struct hq_hall *h;
		int rc;

		pthread_mutex_lock(&l->lock);
		while (!l->dirty && !l->stop &&
		       hq_mono_ms() - last < (atomic_load(&l->up) ? REFRESH_IDLE_MS : REFRESH_DOWN_MS) &&
		       !(l->o.report_ms && hq_mono_ms() >= next_report)) {
			hq_deadline(&ts, 200);
			pthread_cond_timedwait(&l->changed, &l->lock, &ts);
		}
		l->dirty = 0;
		pthread_mutex_unlock(&l->lock);
		if (l->stop)
			break;
		if (l->o.report_ms && l->o.report && hq_mono_ms() >= next_report) {
			next_report = hq_mono_ms() + l->o.report_ms;
			send_report(l);
			if (l->stop)
				break;
		}
		if ((rc = hq_client_hall(l->refresh_cl, &h)) == HQ_OK) {
			set_up(l, 1, "");
			apply(l, h);
			hq_hall_free(h);
		} else {
			set_up(l, 0, hq_client_error(l->refresh_cl));
		}
		pthread_mutex_lock(&l->lock);
		l->reads++;
		pthread_cond_broadcast(&l->changed);
		pthread_mutex_unlock(&l->lock);
		last = hq_mono_ms();
		/* A burst of events becomes one read. */
		nanosleep(&(struct timespec){ 0, REFRESH_MIN_MS * 1000000L }, NULL);
	}
	return NULL;
}

struct hq_link *hq_link_start(const struct hq_link_opts *o)
{
	struct hq_link *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->o = *o;
	pthread_mutex_init(&l->lock, NULL);
	hq_cond_init_mono(&l->changed);
	l->follow_cl = hq_client_new(o->url, o->token);
	l->refresh_cl = hq_client_new(o->url, o->token);
	if (!l->follow_cl || !l->refresh_cl)
		goto fail;
	/* A hallqd that hangs must not hold up a stop by the client's full timeout. */
	hq_client_set_abort(l->refresh_cl, &l->stop);
	l->dirty = 1;
	if (pthread_create(&l->follower, NULL, follower, l))
		goto fail;
	if (pthread_create(&l->refresher, NULL, refresher, l)) {
		l->stop = 1;
		pthread_join(l->follower, NULL);
		goto fail;
	}
	l->started = 1;
	return l;
fail:
	hq_client_free(l->follow_cl);
	hq_client_free(l->refresh_cl);
	free(l);
	return NULL;
}

void hq_link_stop(struct hq_link *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = 1;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
	if (l->started) {
		pthread_join(l->follower, NULL);
		pthread_join(l->refresher, NULL);
	}
	hq_client_free(l->follow_cl);
	hq_client_free(l->refresh_cl);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->changed);
	free(l->views);
	free(l);
}

static struct view *find_view(struct hq_link *l, int number)
{
	int i;

	for (i = 0; i < l->nviews; i++)
		if (l->views[i].number == number)
			return &l->views[i];
	return NULL;
}

void hq_link_view(struct hq_link *l, int number, struct hq_cshow *out)
{
	struct view *v;

	pthread_mutex_lock(&l->lock);
	if ((v = find_view(l, number)))
		*out = v->show;
	else
		*out = (struct hq_cshow){ .brightness = l->o.brightness };
	pthread_mutex_unlock(&l->lock);
}

int hq_link_up(struct hq_link *l)
{
	return atomic_load(&l->up);
}

void hq_link_wait(struct hq_link *l, uint64_t *version, int timeout_ms)
{
	struct timespec ts;

	hq_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&l->lock);
	while (l->version == *version && !l->stop)
		if (pthread_cond_timedwait(&l->changed, &l->lock, &ts))
			break;
	*version = l->version;
	pthread_mutex_unlock(&l->lock);
}

void hq_link_sync(struct hq_link *l, int timeout_ms)
{
	struct timespec ts;
	uint64_t want;

	hq_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&l->lock);
	/* A read that starts after now: the one in progress may predate the change. */
	want = l->reads + 2;
	l->dirty = 1;
	pthread_cond_broadcast(&l->changed);
	while (l->reads < want && !l->stop)
		if (pthread_cond_timedwait(&l->changed, &l->lock, &ts))
			break;
	pthread_mutex_unlock(&l->lock);
}

void hq_link_names(struct hq_link *l, int number, char *hall, size_t hn, char *counter, size_t cn)
{
	struct view *v;

	pthread_mutex_lock(&l->lock);
	snprintf(hall, hn, "%s", l->hall_name);
	v = find_view(l, number);
	snprintf(counter, cn, "%s", v ? v->name : "");
	pthread_mutex_unlock(&l->lock);
}

/* Show the answer at once, before the refresher's next read: the clerk pressed the key and
 * waits for the number. */
static void show_answer(struct hq_link *l, int counter, json_t *ans)
{
	const char *label = json_string_value(json_object_get(ans, "label"));
	const char *state = json_string_value(json_object_get(ans, "state"));
	int at = (int)json_integer_value(json_object_get(ans, "counter"));
	struct view *v;

	if (!label || !state)
		return;
	pthread_mutex_lock(&l->lock);
	if ((v = find_view(l, counter))) {
		if (at == counter && (!strcmp(state, "called") || !strcmp(state, "serving")))
			snprintf(v->show.text, sizeof v->show.text, "%.8s", label);
		else
			v->show.text[0] = '\0';
		l->version++;
		pthread_cond_broadcast(&l->changed);
	}
	pthread_mutex_unlock(&l->lock);
}

/* hallqd's answer to a press, for the log: what was done, or why not. */
static void summarize(const struct hq_key *k, long status, json_t *ans, int arg,
		      struct hq_client *cl, char *summary, size_t n)
{
	const char *label = json_string_value(json_object_get(ans, "label"));
	const char *state = json_string_value(json_object_get(ans, "state"));

	if (status == 204)
		snprintf(summary, n, "%s: nobody is waiting", k->op);
	else if (status >= 300)
		snprintf(summary, n, "%s refused: %s", k->op, hq_client_error(cl));
	else if (k->code == 10)
		snprintf(summary, n, "%s: level %d", k->op, arg);
	else if (label)
		snprintf(summary, n, "%s: %s %s", k->op, label, state ? state : "");
	else
		snprintf(summary, n, "%s: counter %s", k->op, state ? state : "");
}

enum hq_gw_press hq_link_press(struct hq_link *l, struct hq_client *cl, int counter, int key,
			       int arg, const char *idem, char *summary, size_t n)
{
	const struct hq_key *k = hq_key_by_code(key);
	json_t *body, *ans = NULL;
	char path[96];
	long status;
	int rc;

	if (!k || !k->op || (k->flags & HQ_KEY_SEQUENCE)) {
		snprintf(summary, n, "unknown key %d", key);
		return HQ_GW_DONE;
	}
	if (k->arg && (arg < k->arg_min || arg > k->arg_max)) {
		snprintf(summary, n, "%s: %d is out of range %d..%d", k->name, arg, k->arg_min, k->arg_max);
		return HQ_GW_REFUSED;
	}
	if (!hq_link_up(l)) {
		snprintf(summary, n, "%s: hallqd unreachable", k->op);
		return HQ_GW_RETRY;
	}
	snprintf(path, sizeof path, "/api/v1/counters/%d/%s", counter, k->op);
	body = hq_key_body(k, arg);
	rc = hq_client_request(cl, "POST", path, body, idem, &status, &ans);
	json_decref(body);
	if (rc || status >= 500) {
		snprintf(summary, n, "%s: %s", k->op, hq_client_error(cl));
		json_decref(ans);
		if (rc == HQ_ELINK)
			set_up(l, 0, hq_client_error(cl));
		return HQ_GW_RETRY;
	}
	summarize(k, status, ans, arg, cl, summary, n);
	if (status < 300 && k->code != 10)
		show_answer(l, counter, ans);
	json_decref(ans);
	want_refresh(l);
	return status >= 300 && status != 204 ? HQ_GW_REFUSED : HQ_GW_DONE;
}

/* Every copy of the PIN in s becomes stars: hallqd's message is not ours to trust. */
static void mask(char *s, const char *pin)
{
	size_t len = strlen(pin);
	char *at;

	while (len && (at = strstr(s, pin)))
		memset(at, '*', len);
}

enum hq_gw_press hq_link_sign_in(struct hq_link *l, struct hq_client *cl, int counter,
				 const char *clerk, const char *pin, const char *idem,
				 char *summary, size_t n)
{
	json_t *body, *ans = NULL;
	char path[96];
	long status;
	int rc;

	if (!hq_link_up(l)) {
		snprintf(summary, n, "sign-in: hallqd unreachable");
		return HQ_GW_RETRY;
	}
	snprintf(path, sizeof path, "/api/v1/counters/%d/sign-in", counter);
	if (!(body = json_pack("{s:s, s:s}", "clerk", clerk, "pin", pin))) {
		snprintf(summary, n, "sign-in: out of memory");
		return HQ_GW_RETRY;
	}
	rc = hq_client_request(cl, "POST", path, body, idem, &status, &ans);
	json_decref(body);
	json_decref(ans);
	if (rc || status >= 500) {
		snprintf(summary, n, "sign-in: %s", hq_client_error(cl));
		if (rc == HQ_ELINK)
			set_up(l, 0, hq_client_error(cl));
		mask(summary, pin);
		return HQ_GW_RETRY;
	}
	if (status >= 300)
		snprintf(summary, n, "sign-in refused: clerk %s: %s", clerk, hq_client_error(cl));
	else
		snprintf(summary, n, "sign-in: clerk %s signed in", clerk);
	mask(summary, pin);
	want_refresh(l);
	return status >= 300 ? HQ_GW_REFUSED : HQ_GW_DONE;
}
