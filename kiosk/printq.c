/*
 * The printer thread (printq.h): a queue of tickets, the status asked before each one, and
 * the status asked between them.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_clock.h"
#include "hq_error.h"
#include "hq_log.h"
#include "preview.h"
#include "printq.h"

#define JOBS_MAX 256

struct hq_printq {
	struct hq_printer *p;
	struct hq_printq_opts o;
	char *preview_dir, *font_path;
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, check;
	struct hq_pjob *jobs;       /* a ring of JOBS_MAX */
	int head, njobs;
	bool have_state;
	struct hq_printer_status last;
};

static void post(struct hq_printq *q, struct hq_kmsg *m)
{
	if (m)
		q->o.post(q->o.ctx, m);
}

static void to_ticket(const struct hq_pjob *j, struct hq_print_ticket *t)
{
	*t = (struct hq_print_ticket){
		.hall = j->hall, .hall_en = j->hall_en, .label = j->label, .service = j->service,
		.service_en = j->service_en, .cls = j->cls, .issued = j->issued,
		.people_ahead = j->ahead, .est_wait_min = j->wait_min,
		.est_range_min = { j->range_min[0], j->range_min[1] }, .no_counter = j->no_counter,
		.opens_at = j->opens_at, .url = j->url,
		.footer = j->footer, .en = j->en,
	};
}

/* Read the status and tell the main thread when it changed. */
static void read_status(struct hq_printq *q, struct hq_printer_status *st)
{
	struct hq_kmsg *m;

	memset(st, 0, sizeof *st);
	hq_printer_status(q->p, st);
	if (q->have_state && !memcmp(st, &q->last, sizeof *st))
		return;
	if (!st->online)
		hq_log(HQ_LOG_WARN, "printer: %s", hq_printer_error(q->p));
	q->have_state = true;
	q->last = *st;
	if ((m = hq_kmsg_new(HQ_KM_PRINTER)))
		m->pst = *st;
	post(q, m);
}

static void save_preview(struct hq_printq *q, const struct hq_pjob *j, const struct hq_print_ticket *t)
{
	char path[PATH_MAX], err[256];

	snprintf(path, sizeof path, "%s/ticket-%s-%s.png", q->preview_dir, j->label, j->key);
	if (hq_preview_png(t, q->font_path, q->o.font_index, path, err, sizeof err))
		hq_log(HQ_LOG_WARN, "ticket preview not saved: %s", err);
}

static void print_one(struct hq_printq *q, const struct hq_pjob *j)
{
	struct hq_printer_status st;
	struct hq_print_ticket t;
	struct hq_kmsg *m;
	int rc = HQ_OK;

	to_ticket(j, &t);
	if (q->preview_dir)
		save_preview(q, j, &t);
	read_status(q, &st);
	if (hq_printer_ready(&st) && (rc = hq_printer_print(q->p, &t)) == HQ_OK) {
		if ((m = hq_kmsg_new(HQ_KM_PRINTED)))
			snprintf(m->key, sizeof m->key, "%s", j->key);
		post(q, m);
		return;
	}
	if ((m = hq_kmsg_new(HQ_KM_NOT_PRINTED))) {
		snprintf(m->key, sizeof m->key, "%s", j->key);
		m->pst = st;
		if (rc) {
			/* It said it was ready but the bytes did not go: call it offline. */
			m->pst.online = false;
			snprintf(m->why, sizeof m->why, "%s", hq_printer_error(q->p));
		} else {
			snprintf(m->why, sizeof m->why, "printer %s", hq_printer_state_name(&st));
		}
	}
	post(q, m);
}

static void *run(void *arg)
{
	struct hq_printq *q = arg;
	struct hq_printer_status st;
	struct timespec ts;
	struct hq_pjob j;

	pthread_mutex_lock(&q->lock);
	while (!q->stop) {
		if (q->njobs) {
			j = q->jobs[q->head];
			q->head = (q->head + 1) % JOBS_MAX;
			q->njobs--;
			pthread_mutex_unlock(&q->lock);
			print_one(q, &j);
			pthread_mutex_lock(&q->lock);
			continue;
		}
		q->check = false;
		pthread_mutex_unlock(&q->lock);
		read_status(q, &st);
		pthread_mutex_lock(&q->lock);
		if (q->stop || q->njobs || q->check)
			continue;
		hq_deadline(&ts, q->o.poll_ms);
		pthread_cond_timedwait(&q->cond, &q->lock, &ts);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct hq_printq *hq_printq_start(struct hq_printer *p, const struct hq_printq_opts *o)
{
	struct hq_printq *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->p = p;
	q->o = *o;
	if (q->o.poll_ms <= 0)
		q->o.poll_ms = 2000;
	q->jobs = calloc(JOBS_MAX, sizeof *q->jobs);
	if (o->preview_dir) {
		q->preview_dir = strdup(o->preview_dir);
		q->font_path = strdup(o->font_path ? o->font_path : "");
	}
	pthread_mutex_init(&q->lock, NULL);
	hq_cond_init_mono(&q->cond);
	if (!q->jobs || (o->preview_dir && (!q->preview_dir || !q->font_path)) ||
	    pthread_create(&q->th, NULL, run, q)) {
		free(q->jobs);
		free(q->preview_dir);
		free(q->font_path);
		free(q);
		return NULL;
	}
	return q;
}

void hq_printq_stop(struct hq_printq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->th, NULL);
	hq_printer_free(q->p);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q->jobs);
	free(q->preview_dir);
	free(q->font_path);
	free(q);
}

int hq_printq_add(struct hq_printq *q, const struct hq_pjob *j)
{
	int rc = HQ_OK;

	pthread_mutex_lock(&q->lock);
	if (q->njobs == JOBS_MAX) {
		rc = HQ_EFULL;
	} else {
		q->jobs[(q->head + q->njobs) % JOBS_MAX] = *j;
		q->njobs++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void hq_printq_check(struct hq_printq *q)
{
	pthread_mutex_lock(&q->lock);
	q->check = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}
