/*
 * The worker: the one thread that owns the queue database. Connection threads queue their
 * requests here and sleep until answered. The worker takes everything that has queued up,
 * runs it in one transaction (each operation in a savepoint of its own), commits once, and
 * only then lets the answers go: a durable commit costs an fsync, and sharing it is what
 * lets one server take thousands of tickets a second. After each round it publishes the
 * new events, its own and those other programs (the hallq command) wrote to the file.
 * It also evaluates the rules of electronic supervision (alerts.c): in the round's own
 * transaction when the round changed the hall, so that an alert and what raised it commit
 * together, and on a timer, at least once a second of hall time, since most rules are
 * about time passing (a wait, a pause) and a simulated clock runs fast. On the same timer,
 * once a hall day, it applies the config's [retention] (queue/hq_retention.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define ROUND_MAX 256   /* jobs in one transaction */
#define POLL_MS 100     /* how soon a change made by another program reaches the stream */
#define EVAL_HALL_MS 1000 /* the rules are evaluated when this much hall time has passed */

struct job {
	struct hqd_req *req;
	int (*fn)(struct hq_queue *q, void *arg);
	void *arg;
	int rc;
	bool reload;
	bool done;
	pthread_cond_t cond;        /* its own, so finishing a round wakes only its waiters */
	struct job *next;
};

struct hqd_worker {
	struct hqd *srv;             /* its clock, hub and metrics */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct job *head, *tail;
	bool stop;
	struct hq_queue *q;
	char *config_path;
	int64_t last_event;
	int64_t evaluated_at;       /* hall time of the last evaluation of the alert rules */
	char retained_day[11];      /* the hall's day [retention] last ran for ("" at start) */
};

static void evaluate(struct hqd_worker *w)
{
	w->evaluated_at = hq_sim_clock_now(&w->srv->clock);
	hqd_alerts_eval(w->srv, w->q);
}

/*
 * [retention] once a hall day, on the timer: at the first tick of hallqd (a hall restarted
 * each morning gets it too) and at each roll-over of the day. The day's first request may
 * have rolled it over already; this tick then finds the new day and runs. Between rounds,
 * never inside one: a purge of years goes in chunks of its own transactions.
 */
static void retain(struct hqd_worker *w)
{
	const struct hq_config *cfg = hq_queue_config(w->q);
	struct hq_retention_report r;
	char today[11];

	hq_local_day(hq_sim_clock_now(&w->srv->clock), today);
	if (!cfg || !strcmp(today, w->retained_day))
		return;
	memcpy(w->retained_day, today, sizeof today);
	if (hq_queue_retention(w->q, &cfg->retention, &r) != HQ_OK) {
		hq_log(HQ_LOG_ERROR, "retention: %s", hq_queue_errmsg(w->q));
		return;
	}
	hq_log(HQ_LOG_INFO, "retention %s: %ld names erased, %ld comments erased; purged %ld "
	       "tickets, %ld reviews, %ld cases, %ld events, %ld appointments, %ld alerts, %ld "
	       "sign-ins (before %s); %ld archived", r.today, r.appointments_erased,
	       r.comments_erased, r.tickets, r.reviews, r.cases, r.events, r.appointments,
	       r.alerts, r.signins, r.purge_before[0] ? r.purge_before : "-", r.archived);
}

static void publish_new_events(struct hqd_worker *w)
{
	struct hq_event ev[128];
	int n;

	do {
		n = hq_queue_events(w->q, w->last_event, ev, 128);
		if (n <= 0)
			break;
		hqd_hub_publish(w->srv->hub, ev, n);
		w->last_event = ev[n - 1].id;
	} while (n == 128);
}

static void reload_config(struct hqd_worker *w)
{
	FILE *f = fopen(w->config_path, "rb");
	char *text = NULL;
	long len;

	if (!f) {
		hq_log(HQ_LOG_WARN, "reload: cannot read %s; keeping the running configuration", w->config_path);
		return;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && len < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, (size_t)len + 1)) &&
	    fread(text, 1, (size_t)len, f) == (size_t)len) {
		if (hq_queue_apply_config(w->q, text, w->config_path) == HQ_OK) {
			atomic_store(&w->srv->require_tls, hq_queue_config(w->q)->require_tls);
			hq_log(HQ_LOG_INFO, "reload: %s applied", w->config_path);
		} else
			hq_log(HQ_LOG_WARN, "reload: %s; keeping the running configuration", hq_queue_errmsg(w->q));
	} else {
		hq_log(HQ_LOG_WARN, "reload: cannot read %s; keeping the running configuration", w->config_path);
	}
	free(text);
	fclose(f);
}

/* One request, inside the round's transaction when it writes. */
static void run_request(struct hq_queue *q, struct hqd_req *r)
{
	char route[300], stored[300];
	char *body = NULL;
	int status, found;

	snprintf(route, sizeof route, "%s %s", r->method, r->path);
	if (r->route->write && r->idem_key[0] && !r->route->no_idem) {
		found = hq_queue_idem_get(q, r->idem_key, stored, sizeof stored, &status, &body,
					  r->location, sizeof r->location);
		if (found < 0) {
			hqd_queue_error(q, r, found);
			return;
		}
		if (found) {
			if (strcmp(stored, route) != 0) {
				free(body);
				hqd_error(r, 422, "idempotency", "Idempotency-Key %s was used for %s",
					  r->idem_key, stored);
				return;
			}
			r->status = status;
			r->resp = body;
			r->ctype = "application/json";
			r->replayed = true;
			return;
		}
	}
	r->route->run(q, r);
	/* Refusals are kept too: a retry must get the same answer, not a second try. */
	if (r->route->write && r->idem_key[0] && !r->route->no_idem && r->status < 500 &&
	    hq_queue_idem_put(q, r->idem_key, route, r->status, r->resp ? r->resp : "", r->location) != HQ_OK) {
		free(r->resp);
		r->resp = NULL;
		hqd_queue_error(q, r, HQ_EDB);
	}
}

static void run_round(struct hqd_worker *w, struct job *list)
{
	struct job *j;
	bool writes = false;
	int64_t before;
	int n = 0, rc;

	for (j = list; j; j = j->next) {
		if (j->reload) {
			reload_config(w);
			j->rc = 0;
		}
		writes |= (j->req && j->req->route->write) || j->fn;
		n++;
	}
	rc = writes ? hq_queue_batch_begin(w->q) : HQ_OK;
	before = rc == HQ_OK && writes ? hq_queue_last_event_id(w->q) : 0;
	for (j = list; j; j = j->next) {
		if (rc != HQ_OK && j->req) {
			hqd_queue_error(w->q, j->req, rc);
			continue;
		}
		if (j->req)
			run_request(w->q, j->req);
		else if (j->fn)
			j->rc = j->fn(w->q, j->arg);
	}
	/* A round that changed the hall (its events say so) is judged in its transaction. */
	if (writes && rc == HQ_OK && hq_queue_last_event_id(w->q) > before)
		evaluate(w);
	if (writes && rc == HQ_OK) {
		rc = hq_queue_batch_end(w->q, true);
		if (rc != HQ_OK) {
			/* Nothing of the round happened: every writer hears so. */
			hq_log(HQ_LOG_ERROR, "commit failed: %s", hq_queue_errmsg(w->q));
			for (j = list; j; j = j->next) {
				if (j->req && j->req->route->write) {
					free(j->req->resp);
					j->req->resp = NULL;
					hqd_queue_error(w->q, j->req, rc);
				} else if (j->fn) {
					j->rc = rc;
				}
			}
		}
	}
	if (writes)
		hqd_metrics_batch(w->srv->metrics, n);
	publish_new_events(w);
}

static void *worker_main(void *arg)
{
	struct hqd_worker *w = arg;
	struct timespec until;
	struct job *list, *last;
	int n;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		if (!w->head && !w->stop) {
			hq_deadline(&until, POLL_MS);
			pthread_cond_timedwait(&w->work, &w->lock, &until);
		}
		if (w->stop && !w->head) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		/* Take up to ROUND_MAX jobs; later ones wait for the next round. */
		list = w->head;
		for (last = list, n = 1; last && last->next && n < ROUND_MAX; last = last->next)
			n++;
		if (last) {
			w->head = last->next;
			if (!w->head)
				w->tail = NULL;
			last->next = NULL;
		}
		pthread_mutex_unlock(&w->lock);

		if (list)
			run_round(w, list);
		else
			publish_new_events(w);

		if (list) {
			pthread_mutex_lock(&w->lock);
			struct job *next;

			for (last = list; last; last = next) {
				next = last->next;
				last->done = true;
				pthread_cond_signal(&last->cond);
			}
			pthread_mutex_unlock(&w->lock);
		}
		/* The timer, after the answers have gone: a busy server evaluates too. */
		if (hq_sim_clock_now(&w->srv->clock) - w->evaluated_at >= EVAL_HALL_MS) {
			retain(w);
			evaluate(w);
			publish_new_events(w);
		}
	}
	return NULL;
}

static void submit(struct hqd_worker *w, struct job *j)
{
	pthread_cond_init(&j->cond, NULL);
	pthread_mutex_lock(&w->lock);
	j->next = NULL;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_signal(&w->work);
	while (!j->done)
		pthread_cond_wait(&j->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&j->cond);
}

void hqd_worker_submit(struct hqd_worker *w, struct hqd_req *r)
{
	struct job j = {.req = r};

	submit(w, &j);
}

int hqd_worker_call(struct hqd_worker *w, int (*fn)(struct hq_queue *q, void *arg), void *arg)
{
	struct job j = {.fn = fn, .arg = arg};

	submit(w, &j);
	return j.rc;
}

void hqd_worker_reload(struct hqd_worker *w)
{
	struct job j = {.reload = true};

	submit(w, &j);
}

int hqd_worker_start(struct hqd_worker **out, struct hqd *srv, const char *db,
		     const char *config_path, char *err, size_t errlen)
{
	struct hqd_worker *w = calloc(1, sizeof *w);
	FILE *f = NULL;
	char *text = NULL;
	long len;
	int rc;

	*out = NULL;
	if (!w || !(w->config_path = strdup(config_path))) {
		snprintf(err, errlen, "out of memory");
		free(w);
		return -1;
	}
	w->srv = srv;
	if ((rc = hq_queue_open(db, &w->q, err, errlen)))
		goto fail;
	/* Before the config is applied: its event, and the day it opens, are hall time too. */
	hq_queue_set_clock(w->q, hq_sim_clock_now, &srv->clock);
	/* The config is checked before anything listens: a hall with a bad file never opens. */
	f = fopen(config_path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || len >= (1 << 20) ||
	    fseek(f, 0, SEEK_SET) || !(text = calloc(1, (size_t)len + 1)) ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "%s: %s", config_path, f ? "cannot read it" : strerror(errno));
		goto fail;
	}
	if ((rc = hq_queue_apply_config(w->q, text, config_path))) {
		snprintf(err, errlen, "%s", hq_queue_errmsg(w->q));
		goto fail;
	}
	/* Read by the connection threads (tls.c), which never see the config itself. */
	atomic_store(&srv->require_tls, hq_queue_config(w->q)->require_tls);
	free(text);
	fclose(f);
	text = NULL;
	f = NULL;
	w->last_event = hq_queue_last_event_id(w->q);
	hqd_hub_start(srv->hub, w->last_event);

	pthread_mutex_init(&w->lock, NULL);
	hq_cond_init_mono(&w->work);
	if (pthread_create(&w->thread, NULL, worker_main, w)) {
		snprintf(err, errlen, "cannot start the worker thread");
		goto fail;
	}
	*out = w;
	return 0;
fail:
	free(text);
	if (f)
		fclose(f);
	hq_queue_close(w->q);
	free(w->config_path);
	free(w);
	return -1;
}

void hqd_worker_stop(struct hqd_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	hq_queue_close(w->q);
	free(w->config_path);
	free(w);
}
