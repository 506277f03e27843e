/*
 * hallq-sim's record of the day (record.h). The figures are computed exactly as
 * queue/stats.c computes them (which tickets count, the sums in seconds as doubles, the
 * nearest-rank percentiles), so that they can be compared with hallqd's to the millisecond.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"

/* Copy, cut to fit. */
static void copy(char *dst, size_t n, const char *src)
{
	size_t len = src ? strnlen(src, n - 1) : 0;

	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

int hq_sim_event_parse(int64_t id, json_t *d, struct hq_sim_event *ev)
{
	json_t *at = json_object_get(d, "at_ms"), *tid = json_object_get(d, "ticket_id");

	memset(ev, 0, sizeof *ev);
	ev->id = id;
	if (!json_is_integer(at) || !json_is_integer(tid) || !json_is_string(json_object_get(d, "type")))
		return HQ_EINVAL;
	ev->at_ms = json_integer_value(at);
	ev->ticket_id = json_integer_value(tid);
	copy(ev->type, sizeof ev->type, json_string_value(json_object_get(d, "type")));
	copy(ev->label, sizeof ev->label, json_string_value(json_object_get(d, "label")));
	copy(ev->service, sizeof ev->service, json_string_value(json_object_get(d, "service")));
	copy(ev->detail, sizeof ev->detail, json_string_value(json_object_get(d, "detail")));
	ev->counter = (int)json_integer_value(json_object_get(d, "counter"));
	ev->value = (int)json_integer_value(json_object_get(d, "value"));
	return HQ_OK;
}

void hq_sim_record_init(struct hq_sim_record *r, const struct hq_config *cfg, int64_t day_from,
			int64_t day_to)
{
	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->day_from = day_from;
	r->day_to = day_to;
	r->breach_list = json_array();
}

void hq_sim_record_free(struct hq_sim_record *r)
{
	if (!r)
		return;
	free(r->t);
	json_decref(r->breach_list);
	r->t = NULL;
	r->n = r->cap = 0;
	r->breach_list = NULL;
}

void hq_sim_record_breach(struct hq_sim_record *r, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->breaches < (int)(sizeof r->breach / sizeof r->breach[0]))
		copy(r->breach[r->breaches], sizeof r->breach[0], msg);
	r->breaches++;
	json_array_append_new(r->breach_list, json_string(msg));
}

struct hq_sim_ticket *hq_sim_record_find(struct hq_sim_record *r, int64_t id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->t[mid].id == id)
			return &r->t[mid];
		if (r->t[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The ticket with this id, made when new. Ids only grow, so a new one almost always goes
 * at the end; the answer to an issue may come before or after its event. */
static struct hq_sim_ticket *ticket(struct hq_sim_record *r, int64_t id)
{
	struct hq_sim_ticket *t = hq_sim_record_find(r, id);
	size_t at;

	if (t)
		return t;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct hq_sim_ticket *g = realloc(r->t, cap * sizeof *g);

		if (!g)
			return NULL;
		r->t = g;
		r->cap = cap;
	}
	for (at = r->n; at > 0 && r->t[at - 1].id > id; at--)
		;
	memmove(&r->t[at + 1], &r->t[at], (r->n - at) * sizeof *r->t);
	r->n++;
	t = &r->t[at];
	memset(t, 0, sizeof *t);
	t->id = id;
	t->plan = -1;
	t->state = HQ_T_WAITING;
	return t;
}

static int svc_index(const struct hq_sim_record *r, const char *key)
{
	return hq_config_service_index(r->cfg, key);
}

/* The waiting counts follow each ticket into and out of the waiting state. */
static void waiting_add(struct hq_sim_record *r, const struct hq_sim_ticket *t, int d)
{
	int s;

	if (t->target_counter > 0 && t->target_counter < HQ_SIM_MAX_COUNTER)
		r->waiting_counter[t->target_counter] += d;
	else if ((s = svc_index(r, t->service)) >= 0)
		r->waiting_service[s] += d;
}

static void set_state(struct hq_sim_record *r, struct hq_sim_ticket *t, enum hq_tstate st)
{
	if (t->state == HQ_T_WAITING)
		waiting_add(r, t, -1);
	t->state = st;
	if (st == HQ_T_WAITING)
		waiting_add(r, t, +1);
}

struct hq_sim_ticket *hq_sim_record_issued(struct hq_sim_record *r, const json_t *v)
{
	json_int_t id = json_integer_value(json_object_get(v, "id"));
	struct hq_sim_ticket *t;
	bool fresh;

	if (id <= 0)
		return NULL;
	fresh = !hq_sim_record_find(r, id);
	if (!(t = ticket(r, id)))
		return NULL;
	if (fresh) {
		/* The answer came before the event: it waits from now on. */
		copy(t->label, sizeof t->label, json_string_value(json_object_get(v, "label")));
		copy(t->service, sizeof t->service, json_string_value(json_object_get(v, "service")));
		waiting_add(r, t, +1);
	}
	t->priority = json_is_string(json_object_get(v, "class")) &&
		      strcmp(json_string_value(json_object_get(v, "class")), "normal") != 0;
	t->est_known = true;
	t->est_wait_s = (int)json_integer_value(json_object_get(v, "est_wait_s"));
	t->people_ahead = (int)json_integer_value(json_object_get(v, "people_ahead"));
	t->by_sim = true;
	return t;
}

static bool in_day(const struct hq_sim_record *r, int64_t at)
{
	return at >= r->day_from && at < r->day_to;
}

/* A ticket reaches a final state: once only. */
static void final(struct hq_sim_record *r, struct hq_sim_ticket *t, enum hq_tstate st, int64_t at,
		  const char *type)
{
	if (HQ_T_FINAL(t->state) && in_day(r, t->issued_at))
		hq_sim_record_breach(r, "%s (ticket %lld) %s after it was %s already", t->label,
				     (long long)t->id, type, hq_tstate_name(t->state));
	t->finals++;
	set_state(r, t, st);
	t->ended_at = at;
	if (t->counter > 0 && t->counter < HQ_SIM_MAX_COUNTER && r->current[t->counter] == t->id)
		r->current[t->counter] = 0;
}

struct hq_sim_ticket *hq_sim_record_event(struct hq_sim_record *r, const struct hq_sim_event *ev)
{
	struct hq_sim_ticket *t = NULL;
	const char *ty = ev->type;
	int c = ev->counter;

	r->last_event = ev->id;
	if (c < 0 || c >= HQ_SIM_MAX_COUNTER)
		c = 0;
	if (!ev->ticket_id)
		return NULL;
	if (!strcmp(ty, "issued")) {
		bool fresh = !hq_sim_record_find(r, ev->ticket_id);
		size_t i;

		if (!(t = ticket(r, ev->ticket_id)))
			return NULL;
		copy(t->label, sizeof t->label, ev->label);
		copy(t->service, sizeof t->service, ev->service);
		t->priority = strcmp(ev->detail, "normal") != 0;
		t->issued_at = t->queued_at = ev->at_ms;
		if (fresh)
			waiting_add(r, t, +1);
		/* Numbers restart every day and are never issued twice in one. */
		for (i = 0; in_day(r, t->issued_at) && i < r->n; i++)
			if (&r->t[i] != t && !r->t[i].parent_id && in_day(r, r->t[i].issued_at) &&
			    !strcmp(r->t[i].label, t->label))
				hq_sim_record_breach(r, "label %s issued twice today (tickets %lld and %lld)",
						     t->label, (long long)r->t[i].id, (long long)t->id);
		return t;
	}
	if (!strcmp(ty, "requeued")) {
		struct hq_sim_ticket *parent;

		if (!(t = hq_sim_record_find(r, ev->ticket_id))) {
			/* A transfer: a new row that continues the old ticket. */
			if (!(t = ticket(r, ev->ticket_id)))
				return NULL;
			copy(t->label, sizeof t->label, ev->label);
			copy(t->service, sizeof t->service, ev->service);
			t->state = HQ_T_PARKED; /* counted as waiting just below */
			t->queued_at = ev->at_ms; /* its wait counts from the transfer */
			parent = hq_sim_record_find(r, r->last_transferred);
			if (parent && !strcmp(parent->label, t->label)) {
				t->parent_id = parent->id;
				t->issued_at = parent->issued_at;
				t->priority = parent->priority;
			} else {
				hq_sim_record_breach(r, "%s (ticket %lld) requeued without a transfer before it",
						     t->label, (long long)t->id);
			}
		}
		/* Transfer or unpark: waiting again (an unparked ticket keeps its place and its
		 * queue time), maybe for one counter only. */
		if (t->state != HQ_T_WAITING) {
			t->target_counter = c;
			set_state(r, t, HQ_T_WAITING);
		}
		return t;
	}
	if (!(t = hq_sim_record_find(r, ev->ticket_id)))
		return NULL; /* a ticket of an earlier day, from before the record began */
	if (!strcmp(ty, "called")) {
		if (t->state == HQ_T_CALLED || t->state == HQ_T_SERVING)
			hq_sim_record_breach(r, "%s called at counter %d while counter %d has it", t->label,
					     c, t->counter);
		else if (t->state != HQ_T_WAITING && t->state != HQ_T_PARKED)
			hq_sim_record_breach(r, "%s called at counter %d but it is %s", t->label, c,
					     hq_tstate_name(t->state));
		if (c && r->current[c] && r->current[c] != t->id) {
			struct hq_sim_ticket *o = hq_sim_record_find(r, r->current[c]);

			if (o && (o->state == HQ_T_CALLED || o->state == HQ_T_SERVING))
				hq_sim_record_breach(r, "counter %d called %s while it still has %s", c,
						     t->label, o->label);
		}
		if (!t->called_at)
			t->called_at = ev->at_ms;
		set_state(r, t, HQ_T_CALLED);
		t->counter = c;
		t->target_counter = 0;
		copy(t->clerk, sizeof t->clerk, ev->detail);
		if (c)
			r->current[c] = t->id;
	} else if (!strcmp(ty, "recalled")) {
		t->recalls = ev->value;
	} else if (!strcmp(ty, "started")) {
		t->started_at = ev->at_ms;
		set_state(r, t, HQ_T_SERVING);
	} else if (!strcmp(ty, "finished")) {
		final(r, t, HQ_T_DONE, ev->at_ms, ty);
	} else if (!strcmp(ty, "noshow")) {
		final(r, t, HQ_T_NOSHOW, ev->at_ms, ty);
	} else if (!strcmp(ty, "transferred")) {
		final(r, t, HQ_T_TRANSFERRED, ev->at_ms, ty);
		r->last_transferred = t->id;
	} else if (!strcmp(ty, "cancelled")) {
		final(r, t, HQ_T_CANCELLED, ev->at_ms, ty);
	} else if (!strcmp(ty, "parked")) {
		set_state(r, t, HQ_T_PARKED);
		if (c && r->current[c] == t->id)
			r->current[c] = 0;
	} else if (!strcmp(ty, "rated")) {
		if (t->rating)
			hq_sim_record_breach(r, "%s rated twice", t->label);
		t->rating = ev->value;
	}
	return t;
}

int hq_sim_record_waiting_for(const struct hq_sim_record *r, const struct hq_counter_cfg *c)
{
	int n = c->number < HQ_SIM_MAX_COUNTER ? r->waiting_counter[c->number] : 0;

	for (int i = 0; i < c->nservices; i++)
		n += r->waiting_service[c->services[i]];
	return n;
}

int hq_sim_record_close(struct hq_sim_record *r)
{
	int open = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct hq_sim_ticket *t = &r->t[i];

		if (!in_day(r, t->issued_at))
			continue;
		if (t->finals > 1)
			hq_sim_record_breach(r, "%s (ticket %lld) ended %d times", t->label, (long long)t->id,
					     t->finals);
		if (!HQ_T_FINAL(t->state))
			open++;
	}
	return open;
}

/* ---- the figures, as queue/stats.c ---------------------------------------------------- */

struct samples {
	double *v;
	size_t n, cap;
};

struct acc {
	struct hq_stats_row row;
	struct samples waits, services;
	int on_time, satisfied;
	double wait_sum, service_sum;
};

static int push(struct samples *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *nv = realloc(s->v, cap * sizeof *nv);

		if (!nv)
			return HQ_ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return HQ_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(const struct samples *s, double p)
{
	size_t rank;

	if (!s->n)
		return 0;
	rank = (size_t)ceil(p * (double)s->n);
	return s->v[rank ? rank - 1 : 0];
}

static int add_ticket(struct acc *a, const struct hq_sim_ticket *t, const struct hq_service *sv)
{
	int rc = HQ_OK;

	if (!t->parent_id)
		a->row.issued++;
	switch (t->state) {
	case HQ_T_DONE: a->row.served++; break;
	case HQ_T_NOSHOW: a->row.noshow++; break;
	case HQ_T_TRANSFERRED: a->row.transferred++; break;
	case HQ_T_CANCELLED: a->row.cancelled++; break;
	default: a->row.waiting++; break;
	}
	if (t->called_at) {
		double w = (double)(t->called_at - t->queued_at) / 1000.0;

		a->row.called++;
		a->wait_sum += w;
		rc = push(&a->waits, w);
		if (w <= (sv ? sv->max_wait_minutes : 30) * 60.0)
			a->on_time++;
	}
	if (rc == HQ_OK && t->state == HQ_T_DONE) {
		int64_t from = t->started_at ? t->started_at : t->called_at;
		double d = (double)(t->ended_at - from) / 1000.0;

		a->service_sum += d;
		rc = push(&a->services, d);
	}
	if (t->rating) {
		a->row.rated++;
		a->satisfied += t->rating >= HQ_SCORE_FAIR;
	}
	return rc;
}

static void finish_acc(struct acc *a)
{
	struct hq_stats_row *r = &a->row;

	if (a->waits.n)
		qsort(a->waits.v, a->waits.n, sizeof(double), cmp_double);
	if (a->services.n)
		qsort(a->services.v, a->services.n, sizeof(double), cmp_double);
	if (a->waits.n) {
		r->wait_mean_s = a->wait_sum / (double)a->waits.n;
		r->wait_p50_s = percentile(&a->waits, 0.5);
		r->wait_p90_s = percentile(&a->waits, 0.9);
		r->wait_max_s = a->waits.v[a->waits.n - 1];
		r->on_time_rate = (double)a->on_time / (double)a->waits.n;
	}
	if (a->services.n) {
		r->service_mean_s = a->service_sum / (double)a->services.n;
		r->service_p90_s = percentile(&a->services, 0.9);
	}
	if (r->rated)
		r->satisfaction_rate = (double)a->satisfied / r->rated;
	free(a->waits.v);
	free(a->services.v);
}

static int group_key(enum hq_group by, const struct hq_sim_ticket *t, char *key, size_t len)
{
	time_t sec = (time_t)(t->issued_at / 1000);
	struct tm tm;

	switch (by) {
	case HQ_BY_SERVICE:
		snprintf(key, len, "%s", t->service);
		return 1;
	case HQ_BY_COUNTER:
		snprintf(key, len, "%d", t->counter);
		return t->counter != 0;
	case HQ_BY_CLERK:
		snprintf(key, len, "%s", t->clerk[0] ? t->clerk : "-");
		return t->counter != 0;
	case HQ_BY_HOUR:
		localtime_r(&sec, &tm);
		snprintf(key, len, "%02d", tm.tm_hour);
		return 1;
	}
	return 0;
}

int hq_sim_record_stats(const struct hq_sim_record *r, enum hq_group by, struct hq_stats *out)
{
	struct acc total = {0}, *accs = NULL;
	size_t nacc = 0, i, j;
	char key[HQ_NAME_MAX];
	int rc = HQ_OK;

	memset(out, 0, sizeof *out);
	snprintf(total.row.key, sizeof total.row.key, "total");
	/* Tickets in id order, as the table holds them. */
	for (i = 0; i < r->n && rc == HQ_OK; i++) {
		const struct hq_sim_ticket *t = &r->t[i];
		const struct hq_service *sv = hq_config_service(r->cfg, t->service);

		if (!in_day(r, t->issued_at))
			continue;
		if ((rc = add_ticket(&total, t, sv)))
			break;
		if (!group_key(by, t, key, sizeof key))
			continue;
		for (j = 0; j < nacc && strcmp(accs[j].row.key, key); j++)
			;
		if (j == nacc) {
			struct acc *g = realloc(accs, (nacc + 1) * sizeof *g);

			if (!g) {
				rc = HQ_ENOMEM;
				break;
			}
			accs = g;
			memset(&accs[nacc], 0, sizeof *accs);
			snprintf(accs[nacc].row.key, sizeof accs[nacc].row.key, "%s", key);
			nacc++;
		}
		rc = add_ticket(&accs[j], t, sv);
	}
	for (i = 0; i < nacc; i++)
		finish_acc(&accs[i]);
	finish_acc(&total);
	if (rc == HQ_OK && nacc && !(out->rows = malloc(nacc * sizeof *out->rows)))
		rc = HQ_ENOMEM;
	if (rc == HQ_OK) {
		for (i = 0; i < nacc; i++)
			out->rows[i] = accs[i].row;
		out->nrows = nacc;
		out->total = total.row;
	}
	free(accs);
	return rc;
}

/* ---- estimates ------------------------------------------------------------------------- */

/* Is minute m of the day at least an hour into one of the service's opening periods and
 * an hour before its end? */
static bool steady(const struct hq_service *sv, int m)
{
	for (int i = 0; i < sv->nperiods; i++)
		if (m >= sv->periods[i].open + 60 && m < sv->periods[i].close - 60)
			return true;
	return false;
}

struct est_acc {
	int n, within;
	double abs_sum, wait_sum, err_sum;
};

static void est_row(struct hq_sim_estimate *e, const char *key, const struct est_acc *a)
{
	copy(e->key, sizeof e->key, key);
	e->n = a->n;
	e->mae_s = a->n ? a->abs_sum / a->n : 0;
	e->mean_wait_s = a->n ? a->wait_sum / a->n : 0;
	e->bias_s = a->n ? a->err_sum / a->n : 0;
	e->within5 = a->n ? (double)a->within / a->n : 0;
}

int hq_sim_record_estimates(const struct hq_sim_record *r, struct hq_sim_estimate *out, int max)
{
	struct est_acc per[HQ_MAX_SERVICES] = {{0}}, all = {0};
	int n = 0;
	size_t i, s;

	for (i = 0; i < r->n; i++) {
		const struct hq_sim_ticket *t = &r->t[i];
		int si = svc_index(r, t->service);
		time_t sec = (time_t)(t->issued_at / 1000);
		struct tm tm;
		double wait, err;

		if (si < 0 || t->parent_id || !t->est_known || !t->called_at || !in_day(r, t->issued_at))
			continue;
		localtime_r(&sec, &tm);
		if (!steady(&r->cfg->services[si], tm.tm_hour * 60 + tm.tm_min))
			continue;
		wait = (double)(t->called_at - t->issued_at) / 1000.0;
		err = t->est_wait_s - wait;
		for (struct est_acc *a = &per[si];; a = &all) {
			a->n++;
			a->abs_sum += fabs(err);
			a->err_sum += err;
			a->wait_sum += wait;
			a->within += fabs(err) <= 300.0;
			if (a == &all)
				break;
		}
	}
	for (s = 0; s < r->cfg->nservices && n < max - 1; s++)
		if (per[s].n)
			est_row(&out[n++], r->cfg->services[s].key, &per[s]);
	if (n < max)
		est_row(&out[n++], "total", &all);
	return n;
}
