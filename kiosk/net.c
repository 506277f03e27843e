/*
 * The kiosk's hallqd thread: hall snapshots, ticket requests and reviews retried under
 * their keys, look-ups asked once, and health reports (net.h). Everything it learns goes to
 * the main thread as messages.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_clock.h"
#include "hq_error.h"
#include "hq_hall.h"
#include "hq_log.h"
#include "net.h"

#define JOBS_MAX 64
#define HALL_EVERY_MS 2000
#define HALL_DOWN_MS 1000      /* while hallqd is away, look for it every second */
#define RETRY_MS 1000

enum job_kind { JOB_ISSUE, JOB_CHECKIN, JOB_LOOKUP, JOB_REVIEW };

struct job {
	enum job_kind kind;
	char key[HQ_IDEM_KEY_MAX];
	char service[64], cls[16], code[32];
	char label[16];             /* JOB_LOOKUP */
	int64_t ticket;             /* JOB_REVIEW: the ticket, its level and reasons */
	int level;
	unsigned reasons;
};

struct hq_net {
	struct hq_net_opts o;
	char *url, *token, *name;
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	volatile int stop;
	struct job jobs[JOBS_MAX];  /* a ring: head is being carried out */
	int head, njobs;
	bool refresh;
	json_t *health;
	bool health_dirty;
	int up;                     /* -1 unknown, 0 no, 1 yes */
	bool told_no_kiosks;
};

struct hq_kmsg *hq_kmsg_new(enum hq_kmsg_kind kind)
{
	struct hq_kmsg *m = calloc(1, sizeof *m);

	if (m)
		m->kind = kind;
	return m;
}

void hq_kmsg_free(struct hq_kmsg *m)
{
	if (!m)
		return;
	hq_hall_free(m->hall);
	json_decref(m->ticket);
	free(m);
}

static void post(struct hq_net *n, struct hq_kmsg *m)
{
	if (m)
		n->o.post(n->o.ctx, m);
}

static void set_up(struct hq_net *n, bool up, const char *why)
{
	struct hq_kmsg *m;

	if (n->up == (int)up)
		return;
	n->up = up;
	if ((m = hq_kmsg_new(HQ_KM_LINK))) {
		m->up = up;
		snprintf(m->why, sizeof m->why, "%s", why ? why : "");
	}
	post(n, m);
}

/* hallqd's JSON error body: {"error": CODE, "message": TEXT}. */
static void error_of(json_t *v, char *code, size_t ncode, char *why, size_t nwhy)
{
	const char *c = json_string_value(json_object_get(v, "error"));
	const char *t = json_string_value(json_object_get(v, "message"));

	snprintf(code, ncode, "%s", c ? c : "");
	snprintf(why, nwhy, "%s", t ? t : "");
}

/* A message of kind for job j's key: status, and the code and why of hallqd's error body. */
static struct hq_kmsg *answer(enum hq_kmsg_kind kind, const struct job *j, long status, json_t *v)
{
	struct hq_kmsg *m = hq_kmsg_new(kind);

	if (m) {
		snprintf(m->key, sizeof m->key, "%s", j->key);
		m->status = status;
		error_of(v, m->code, sizeof m->code, m->why, sizeof m->why);
	}
	return m;
}

/* Look a ticket up by its label, once: the citizen is waiting, and asking again later would
 * answer someone who has gone. Always done (true). */
static bool do_lookup(struct hq_net *n, struct hq_client *cl, const struct job *j)
{
	char path[64];
	json_t *v = NULL;
	struct hq_kmsg *m;
	long status = 0;
	int rc;

	snprintf(path, sizeof path, "/api/v1/tickets/%s", j->label);
	rc = hq_client_request(cl, "GET", path, NULL, NULL, &status, &v);
	if (rc || status >= 500) {
		hq_log(HQ_LOG_WARN, "looking up %s: %s", j->label, rc ? hq_client_error(cl) : "hallqd answered with an error");
		if (rc)
			set_up(n, false, hq_client_error(cl));
		if ((m = answer(HQ_KM_NOT_FOUND, j, 0, NULL)))
			snprintf(m->code, sizeof m->code, "offline");
	} else if (status == 200) {
		set_up(n, true, NULL);
		if ((m = hq_kmsg_new(HQ_KM_FOUND))) {
			snprintf(m->key, sizeof m->key, "%s", j->key);
			m->ticket = v;
			v = NULL;
		}
	} else {
		set_up(n, true, NULL);
		m = answer(HQ_KM_NOT_FOUND, j, status, v);
	}
	json_decref(v);
	post(n, m);
	return true;
}

/* The body of a review: {"level", "reasons": [...]}. */
static json_t *review_body(const struct job *j)
{
	json_t *reasons = json_array();

	for (unsigned bit = 1; reasons && bit <= HQ_REASON_OTHER; bit <<= 1)
		if (j->reasons & bit)
			json_array_append_new(reasons, json_string(hq_reason_key(bit)));
	return json_pack("{s:i, s:o}", "level", j->level, "reasons", reasons);
}

/* Carry out the first request. Returns true when hallqd answered it (it leaves the queue). */
static bool do_job(struct hq_net *n, struct hq_client *cl, const struct job *j)
{
	char path[96], why[256];
	json_t *body = NULL, *v = NULL;
	struct hq_kmsg *m;
	long status = 0;
	int rc;

	if (j->kind == JOB_LOOKUP)
		return do_lookup(n, cl, j);
	if (j->kind == JOB_CHECKIN) {
		snprintf(path, sizeof path, "/api/v1/appointments/%s/check-in", j->code);
	} else if (j->kind == JOB_REVIEW) {
		snprintf(path, sizeof path, "/api/v1/tickets/%lld/review", (long long)j->ticket);
		if (!(body = review_body(j)))
			return false;
	} else {
		snprintf(path, sizeof path, "/api/v1/tickets");
		body = json_pack("{s:s, s:s}", "service", j->service, "class", j->cls);
		if (!body)
			return false;
	}
	rc = hq_client_request(cl, "POST", path, body, j->key, &status, &v);
	json_decref(body);
	if (rc || status >= 500) {
		/* No answer, or hallqd could not do it now (busy, shutting down, disk): the same
		 * key again later either does it or replays what was done. */
		snprintf(why, sizeof why, "%s", rc ? hq_client_error(cl) : "hallqd answered with an error");
		if (!rc)
			error_of(v, (char[32]){0}, 32, why, sizeof why);
		hq_log(HQ_LOG_WARN, "%s %s not answered (%s); trying again",
		    j->kind == JOB_REVIEW ? "review" : "ticket request", j->key, why);
		set_up(n, false, why);
		json_decref(v);
		return false;
	}
	set_up(n, true, NULL);
	if (status == 200 || status == 201) {
		if ((m = hq_kmsg_new(j->kind == JOB_REVIEW ? HQ_KM_REVIEWED : HQ_KM_ISSUED))) {
			snprintf(m->key, sizeof m->key, "%s", j->key);
			m->ticket = v;
			v = NULL;
		}
	} else {
		m = answer(j->kind == JOB_REVIEW ? HQ_KM_REVIEW_REFUSED : HQ_KM_REFUSED, j, status, v);
		if (m && (status == 401 || status == 403))
			hq_log(HQ_LOG_ERROR, "hallqd refused the kiosk's token (%ld %s): give a token of role kiosk",
			    status, m->code);
	}
	json_decref(v);
	post(n, m);
	return true;
}

static void do_hall(struct hq_net *n, struct hq_client *cl)
{
	struct hq_hall *h = NULL;
	struct hq_kmsg *m;
	int rc = hq_client_hall(cl, &h);

	if (rc) {
		set_up(n, false, hq_client_error(cl));
		return;
	}
	set_up(n, true, NULL);
	if ((m = hq_kmsg_new(HQ_KM_HALL)))
		m->hall = h;
	else
		hq_hall_free(h);
	post(n, m);
}

static void do_health(struct hq_net *n, struct hq_client *cl, json_t *report)
{
	char path[128];
	long status = 0;

	snprintf(path, sizeof path, "/api/v1/kiosks/%s", n->name);
	if (hq_client_request(cl, "PUT", path, report, NULL, &status, NULL))
		return;             /* the hall read says when hallqd is away */
	if (status == 404 && !n->told_no_kiosks) {
		n->told_no_kiosks = true;
		hq_log(HQ_LOG_WARN, "hallqd does not take kiosk health reports (404): an older hallqd?");
	} else if (status >= 300 && status != 404) {
		hq_log(HQ_LOG_WARN, "health report: %s", hq_client_error(cl));
	}
}

static void *run(void *arg)
{
	struct hq_net *n = arg;
	struct hq_client *cl = hq_client_new(n->url, n->token);
	int64_t next_hall = 0, next_health = 0, retry_at = 0, now, wake;
	struct timespec ts;
	struct job j;
	json_t *report;

	if (!cl) {
		hq_log(HQ_LOG_ERROR, "out of memory starting the hallqd link");
		return NULL;
	}
	hq_client_set_abort(cl, &n->stop);
	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		now = hq_mono_ms();
		if (n->njobs && now >= retry_at) {
			j = n->jobs[n->head];
			pthread_mutex_unlock(&n->lock);
			bool done = do_job(n, cl, &j);
			pthread_mutex_lock(&n->lock);
			if (done) {
				n->head = (n->head + 1) % JOBS_MAX;
				n->njobs--;
				n->refresh = true;
			} else {
				retry_at = hq_mono_ms() + RETRY_MS;
			}
			continue;
		}
		if (n->refresh || now >= next_hall) {
			n->refresh = false;
			pthread_mutex_unlock(&n->lock);
			do_hall(n, cl);
			pthread_mutex_lock(&n->lock);
			next_hall = hq_mono_ms() + (n->up == 1 ? HALL_EVERY_MS : HALL_DOWN_MS);
			continue;
		}
		if (n->health && (n->health_dirty || now >= next_health) && n->up == 1) {
			report = json_incref(n->health);
			n->health_dirty = false;
			pthread_mutex_unlock(&n->lock);
			do_health(n, cl, report);
			json_decref(report);
			pthread_mutex_lock(&n->lock);
			next_health = hq_mono_ms() + (int64_t)n->o.report_s * 1000;
			continue;
		}
		wake = next_hall;
		if (n->njobs && retry_at < wake)
			wake = retry_at;
		if (n->health && n->up == 1 && next_health < wake)
			wake = next_health;
		if (wake > now) {
			hq_deadline(&ts, wake - now);
			pthread_cond_timedwait(&n->cond, &n->lock, &ts);
		}
	}
	pthread_mutex_unlock(&n->lock);
	hq_client_free(cl);
	return NULL;
}

struct hq_net *hq_net_start(const struct hq_net_opts *o)
{
	struct hq_net *n = calloc(1, sizeof *n);

	if (!n)
		return NULL;
	n->o = *o;
	n->up = -1;
	n->url = strdup(o->url);
	n->token = strdup(o->token);
	n->name = strdup(o->name);
	if (n->o.report_s <= 0)
		n->o.report_s = 10;
	pthread_mutex_init(&n->lock, NULL);
	hq_cond_init_mono(&n->cond);
	if (!n->url || !n->token || !n->name || pthread_create(&n->th, NULL, run, n)) {
		free(n->url);
		free(n->token);
		free(n->name);
		free(n);
		return NULL;
	}
	return n;
}

void hq_net_stop(struct hq_net *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = 1;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->th, NULL);
	if (n->njobs)
		hq_log(HQ_LOG_WARN, "%d request%s unanswered at exit: kept in the spool", n->njobs,
		    n->njobs == 1 ? "" : "s");
	json_decref(n->health);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	free(n->url);
	free(n->token);
	free(n->name);
	free(n);
}

static int add_job(struct hq_net *n, const struct job *j)
{
	int rc = HQ_OK;

	pthread_mutex_lock(&n->lock);
	if (n->njobs == JOBS_MAX) {
		rc = HQ_EFULL;
	} else {
		n->jobs[(n->head + n->njobs) % JOBS_MAX] = *j;
		n->njobs++;
		pthread_cond_signal(&n->cond);
	}
	pthread_mutex_unlock(&n->lock);
	return rc;
}

int hq_net_issue(struct hq_net *n, const char *key, const char *service, const char *cls)
{
	struct job j = { .kind = JOB_ISSUE };

	snprintf(j.key, sizeof j.key, "%s", key);
	snprintf(j.service, sizeof j.service, "%s", service);
	snprintf(j.cls, sizeof j.cls, "%s", cls && *cls ? cls : "normal");
	return add_job(n, &j);
}

int hq_net_checkin(struct hq_net *n, const char *key, const char *code)
{
	struct job j = { .kind = JOB_CHECKIN };

	snprintf(j.key, sizeof j.key, "%s", key);
	snprintf(j.code, sizeof j.code, "%s", code);
	return add_job(n, &j);
}

int hq_net_lookup(struct hq_net *n, const char *key, const char *label)
{
	struct job j = { .kind = JOB_LOOKUP };
	size_t i;

	/* It goes into a path: what the kiosk's keypad can type, and nothing else. */
	for (i = 0; label[i]; i++)
		if (!((label[i] >= 'A' && label[i] <= 'Z') || (label[i] >= '0' && label[i] <= '9')))
			return HQ_EINVAL;
	if (i == 0 || i >= sizeof j.label)
		return HQ_EINVAL;
	snprintf(j.key, sizeof j.key, "%s", key);
	snprintf(j.label, sizeof j.label, "%s", label);
	return add_job(n, &j);
}

int hq_net_review(struct hq_net *n, const char *key, int64_t ticket, int level, unsigned reasons)
{
	struct job j = { .kind = JOB_REVIEW, .ticket = ticket, .level = level, .reasons = reasons };

	snprintf(j.key, sizeof j.key, "%s", key);
	return add_job(n, &j);
}

void hq_net_refresh(struct hq_net *n)
{
	pthread_mutex_lock(&n->lock);
	n->refresh = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

void hq_net_health(struct hq_net *n, json_t *report)
{
	json_t *copy = json_deep_copy(report);

	if (!copy)
		return;
	pthread_mutex_lock(&n->lock);
	json_decref(n->health);
	n->health = copy;
	n->health_dirty = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
}
