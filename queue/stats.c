/*
 * What the hall knows about itself: the live state a wall display shows (with each
 * service's estimated wait, from estimate.c) and the figures a hall manager reports.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Live state ------------------------------------------------------------------------- */

static struct hq_service_state *state_service(struct hq_hall_state *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->nservices; i++)
		if (strcmp(st->services[i].key, key) == 0)
			return &st->services[i];
	return NULL;
}

/* Run a "key, count[, count]" grouping query and hand each row to fn. */
static int each_row(struct hq_queue *q, sqlite3_stmt *s, struct hq_hall_state *st,
		    void (*fn)(struct hq_service_state *, sqlite3_stmt *))
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hq_service_state *ss = state_service(st, (const char *)sqlite3_column_text(s, 0));

		if (ss)
			fn(ss, s);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

/* The waiting of each queue by class, and its longest wait: the earliest queued_at of
 * those waiting (issue, or the transfer into it), into oldest[] by the config's order. */
static int read_waiting(struct hq_queue *q, struct hq_hall_state *st, int64_t *oldest)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_STATE_WAITING);
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hq_service_state *ss = state_service(st, (const char *)sqlite3_column_text(s, 0));
		int n = sqlite3_column_int(s, 2);
		int64_t queued = sqlite3_column_int64(s, 3);

		if (!ss || n <= 0)
			continue;
		ss->waiting += n;
		if (sqlite3_column_int(s, 1))
			ss->waiting_priority += n;
		if (!oldest[ss - st->services] || queued < oldest[ss - st->services])
			oldest[ss - st->services] = queued;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

static void add_issued(struct hq_service_state *ss, sqlite3_stmt *s)
{
	ss->issued_today = sqlite3_column_int(s, 1);
}

static void add_served(struct hq_service_state *ss, sqlite3_stmt *s)
{
	ss->served_today = sqlite3_column_int(s, 1);
}

static int state_locked(struct hq_queue *q, struct hq_hall_state *st)
{
	const struct hq_config *cfg = q->cfg;
	int64_t oldest[HQ_MAX_SERVICES] = {0};
	sqlite3_stmt *s;
	char day[11];
	int wday, minute, rc;
	size_t i;

	st->nservices = cfg->nservices;
	st->ncounters = cfg->ncounters;
	st->services = calloc(cfg->nservices, sizeof *st->services);
	st->counters = calloc(cfg->ncounters, sizeof *st->counters);
	if (!st->services || !st->counters)
		return hq__fail(q, HQ_ENOMEM, "out of memory for the hall state");
	hq_local_parts(q->now, &wday, &minute);
	/* The hall's day: the clock's for the writer, who has rolled over to it; for a reader,
	 * the one its writer left, whatever the reader's clock says. */
	memcpy(day, q->day, sizeof day);
	for (i = 0; i < cfg->nservices; i++) {
		snprintf(st->services[i].key, sizeof st->services[i].key, "%s", cfg->services[i].key);
		st->services[i].open = hq_service_open_at(&cfg->services[i], wday, minute);
	}
	if ((rc = read_waiting(q, st, oldest)))
		return rc;
	for (i = 0; i < cfg->nservices; i++) {
		int64_t waited = oldest[i] && q->now > oldest[i] ? q->now - oldest[i] : 0;

		st->services[i].oldest_wait_s = oldest[i] ? (int)(waited / 1000) : -1;
	}
	s = hq__stmt(q, SQL_STATE_TODAY);
	hq__bind_text(s, 1, day);
	if ((rc = each_row(q, s, st, add_issued)))
		return rc;
	s = hq__stmt(q, SQL_STATE_SERVED);
	hq__bind_text(s, 1, day);
	if ((rc = each_row(q, s, st, add_served)))
		return rc;
	for (i = 0; i < cfg->nservices; i++)
		st->services[i].at_cap = st->services[i].issued_today >= cfg->services[i].daily_cap;
	if ((rc = hq__estimate_services(q, st->services)))
		return rc;

	s = hq__stmt(q, SQL_COUNTER_ALL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int number = sqlite3_column_int(s, 0);
		struct hq_counter_state *cs = NULL;
		int64_t cur;

		for (i = 0; i < cfg->ncounters; i++)
			if (cfg->counters[i].number == number)
				cs = &st->counters[i];
		if (!cs)
			continue;
		cs->number = number;
		cs->state = sqlite3_column_int(s, 1);
		snprintf(cs->reason, sizeof cs->reason, "%s", (const char *)sqlite3_column_text(s, 2));
		snprintf(cs->clerk, sizeof cs->clerk, "%s", (const char *)sqlite3_column_text(s, 3));
		cur = sqlite3_column_int64(s, 4);
		cs->since = sqlite3_column_int64(s, 5);
		cs->paused_at = cs->state == HQ_C_PAUSED ? sqlite3_column_int64(s, 6) : 0;
		if (cur) {
			/* A nested read on another statement; `s` keeps its place. */
			if ((rc = hq__load_ticket(q, cur, &cs->current)))
				break;
			if (cs->current.state != HQ_T_CALLED && cs->current.state != HQ_T_SERVING)
				memset(&cs->current, 0, sizeof cs->current);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return rc > 0 ? hq__dberr(q, rc) : rc;
	st->last_event_id = hq_queue_last_event_id(q);
	return HQ_OK;
}

int hq_queue_state(struct hq_queue *q, struct hq_hall_state *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = hq__begin(q, false)))
		return rc;
	if (!q->cfg)
		rc = hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet: run hallq init");
	else
		rc = state_locked(q, out);
	rc = hq__end(q, rc);
	if (rc)
		hq_hall_state_free(out);
	return rc;
}

void hq_hall_state_free(struct hq_hall_state *st)
{
	if (!st)
		return;
	free(st->services);
	free(st->counters);
	st->services = NULL;
	st->counters = NULL;
	st->nservices = st->ncounters = 0;
}

/* A counter's page ----------------------------------------------------------------------- */

/* The tickets whose ids a statement gives, at most HQ_VIEW_MAX, into a new array. */
static int view_tickets(struct hq_queue *q, sqlite3_stmt *s, struct hq_ticket **out, size_t *n)
{
	int64_t ids[HQ_VIEW_MAX];
	size_t i, got = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW && got < HQ_VIEW_MAX)
		ids[got++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return hq__dberr(q, rc);
	if (!got)
		return HQ_OK;
	if (!(*out = calloc(got, sizeof **out)))
		return hq__fail(q, HQ_ENOMEM, "out of memory for a counter's tickets");
	for (i = 0; i < got; i++)
		if ((rc = hq__load_ticket(q, ids[i], &(*out)[i])))
			return rc;
	*n = got;
	return HQ_OK;
}

static int view_locked(struct hq_queue *q, int counter, struct hq_counter_view *v)
{
	sqlite3_stmt *s;
	int64_t last = 0;
	size_t i;
	int rc;

	if (!hq_config_counter(q->cfg, counter))
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", counter);
	if ((rc = state_locked(q, &v->state)))
		return rc;
	for (i = 0; i < v->state.ncounters; i++)
		if (v->state.counters[i].number == counter)
			v->counter = &v->state.counters[i];
	if (!v->counter)
		return hq__fail(q, HQ_ENOCOUNTER, "counter %d has no record; run hallq init again", counter);
	s = hq__stmt(q, SQL_VIEW_PARKED);
	hq__bind_text(s, 1, q->day);
	sqlite3_bind_int(s, 2, counter);
	sqlite3_bind_int(s, 3, HQ_VIEW_MAX);
	if ((rc = view_tickets(q, s, &v->parked, &v->nparked)))
		return rc;
	s = hq__stmt(q, SQL_VIEW_SENT);
	sqlite3_bind_int(s, 1, counter);
	sqlite3_bind_int(s, 2, HQ_VIEW_MAX);
	if ((rc = view_tickets(q, s, &v->sent_here, &v->nsent_here)))
		return rc;
	/* The counter's last finished ticket is kept across days; only today's is asked to
	 * be rated. */
	s = hq__stmt(q, SQL_COUNTER_GET);
	sqlite3_bind_int(s, 1, counter);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		last = sqlite3_column_int64(s, 4);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	if (last && (rc = hq__load_ticket(q, last, &v->last_finished)))
		return rc;
	if (strcmp(v->last_finished.day, q->day) || v->last_finished.state != HQ_T_DONE)
		memset(&v->last_finished, 0, sizeof v->last_finished);
	return HQ_OK;
}

int hq_queue_counter_view(struct hq_queue *q, int counter, struct hq_counter_view *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = hq__begin(q, false)))
		return rc;
	if (!q->cfg)
		rc = hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet: run hallq init");
	else
		rc = view_locked(q, counter, out);
	rc = hq__end(q, rc);
	if (rc)
		hq_counter_view_free(out);
	return rc;
}

void hq_counter_view_free(struct hq_counter_view *v)
{
	if (!v)
		return;
	hq_hall_state_free(&v->state);
	free(v->parked);
	free(v->sent_here);
	v->counter = NULL;
	v->parked = v->sent_here = NULL;
	v->nparked = v->nsent_here = 0;
}

/* Statistics ------------------------------------------------------------------------- */

struct samples {
	double *v;
	size_t n, cap;
};

struct acc {
	struct hq_stats_row row;
	struct samples waits, services;
	int on_time, satisfied, level_sum, rectified, revisited;
	double wait_sum, service_sum;
};

struct accs {
	struct acc *a;
	size_t n, cap;
	struct acc total;
	enum hq_group by;
	const struct hq_config *cfg;
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

static struct acc *acc_for(struct accs *as, const char *key)
{
	size_t i;

	for (i = 0; i < as->n; i++)
		if (strcmp(as->a[i].row.key, key) == 0)
			return &as->a[i];
	if (as->n == as->cap) {
		size_t cap = as->cap ? as->cap * 2 : 16;
		struct acc *na = realloc(as->a, cap * sizeof *na);

		if (!na)
			return NULL;
		as->a = na;
		as->cap = cap;
	}
	memset(&as->a[as->n], 0, sizeof as->a[0]);
	snprintf(as->a[as->n].row.key, sizeof as->a[0].row.key, "%s", key);
	return &as->a[as->n++];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile: the smallest sample with at least p of them at or below it. */
static double percentile(const struct samples *s, double p)
{
	size_t rank;

	if (!s->n)
		return 0;
	rank = (size_t)ceil(p * (double)s->n);
	return s->v[rank ? rank - 1 : 0];
}

struct tk {
	const char *service;
	int counter;
	const char *clerk;
	int64_t issued_at;
	int64_t parent_id;
	int state;
	int64_t queued_at, called_at, started_at, ended_at;
	int rating;                 /* its review's level, 0 for none */
	int case_state;             /* of its review's case, -1 for none */
};

static int add_ticket(struct acc *a, const struct tk *t, const struct hq_service *sv)
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
		/* A service taken out of the config keeps the default threshold. */
		if (w <= (sv ? sv->max_wait_minutes : 30) * 60.0)
			a->on_time++;
	}
	if (rc == HQ_OK && t->state == HQ_T_DONE) {
		int64_t from = t->started_at ? t->started_at : t->called_at;
		double d = (double)(t->ended_at - from) / 1000.0;

		a->service_sum += d;
		rc = push(&a->services, d);
	}
	if (t->rating >= HQ_LEVEL_MIN && t->rating <= HQ_LEVEL_MAX) {
		int *level[] = {&a->row.level1, &a->row.level2, &a->row.level3, &a->row.level4,
				&a->row.level5};

		a->row.rated++;
		(*level[t->rating - 1])++;
		a->level_sum += t->rating;
		a->satisfied += t->rating >= HQ_SCORE_FAIR;
		if (t->rating <= HQ_LEVEL_BAD) {
			a->row.bad_reviews++;
			a->rectified += t->case_state >= HQ_CASE_RECTIFIED;
			a->revisited += t->case_state >= HQ_CASE_REVISITED;
		}
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
	if (r->rated) {
		r->satisfaction_rate = (double)a->satisfied / r->rated;
		r->score_mean = (double)a->level_sum / r->rated;
	}
	if (r->bad_reviews) {
		r->rectify_rate = (double)a->rectified / r->bad_reviews;
		r->revisit_rate = (double)a->revisited / r->bad_reviews;
	}
	free(a->waits.v);
	free(a->services.v);
	a->waits.v = a->services.v = NULL;
}

/* Rows in the order a manager reads them: config order for services, numbers ascending;
 * the rest (clerks, hours, days, weeks, months) by their text, which for the times is their
 * order. */
static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct accs *as = ctx;
	const char *a = ((const struct acc *)pa)->row.key, *b = ((const struct acc *)pb)->row.key;

	if (as->by == HQ_BY_SERVICE) {
		int ia = hq_config_service_index(as->cfg, a), ib = hq_config_service_index(as->cfg, b);

		ia = ia < 0 ? HQ_MAX_SERVICES : ia;
		ib = ib < 0 ? HQ_MAX_SERVICES : ib;
		if (ia != ib)
			return ia - ib;
	} else if (as->by == HQ_BY_COUNTER) {
		return atoi(a) - atoi(b);
	}
	return strcmp(a, b);
}

static int group_key(const struct accs *as, const struct tk *t, char *key, size_t len)
{
	time_t sec = (time_t)(t->issued_at / 1000);
	struct tm tm;

	switch (as->by) {
	case HQ_BY_SERVICE:
		snprintf(key, len, "%s", t->service);
		return 1;
	case HQ_BY_COUNTER:
		snprintf(key, len, "%d", t->counter);
		return t->counter != 0; /* never called: no counter to count it against */
	case HQ_BY_CLERK:
		snprintf(key, len, "%s", t->clerk[0] ? t->clerk : "-");
		return t->counter != 0;
	case HQ_BY_HOUR:
		localtime_r(&sec, &tm);
		snprintf(key, len, "%02d", tm.tm_hour);
		return 1;
	case HQ_BY_DAY:
		localtime_r(&sec, &tm);
		snprintf(key, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		return 1;
	case HQ_BY_WEEK: {
		int year, week;

		localtime_r(&sec, &tm);
		hq_iso_week(hq_civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), &year, &week);
		snprintf(key, len, "%04d-W%02d", year, week);
		return 1;
	}
	case HQ_BY_MONTH:
		localtime_r(&sec, &tm);
		snprintf(key, len, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
		return 1;
	}
	return 0;
}

static int stats_locked(struct hq_queue *q, struct accs *as, int64_t from, int64_t to)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_STATS_TICKETS);
	char key[HQ_NAME_MAX];
	int rc;

	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct tk t = {
			.service = (const char *)sqlite3_column_text(s, 0),
			.counter = sqlite3_column_int(s, 1),
			.clerk = (const char *)sqlite3_column_text(s, 2),
			.issued_at = sqlite3_column_int64(s, 3),
			.parent_id = sqlite3_column_int64(s, 4),
			.state = sqlite3_column_int(s, 5),
			.queued_at = sqlite3_column_int64(s, 6),
			.called_at = sqlite3_column_int64(s, 7),
			.started_at = sqlite3_column_int64(s, 8),
			.ended_at = sqlite3_column_int64(s, 9),
			.rating = sqlite3_column_int(s, 10),
			.case_state = sqlite3_column_int(s, 11),
		};
		const struct hq_service *sv = hq_config_service(q->cfg, t.service);
		struct acc *a;

		if ((rc = add_ticket(&as->total, &t, sv)))
			goto nomem;
		if (!group_key(as, &t, key, sizeof key))
			continue;
		if (!(a = acc_for(as, key)) || add_ticket(a, &t, sv))
			goto nomem;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	if (as->by != HQ_BY_SERVICE)
		return HQ_OK;

	/* Appointments whose slot falls in the range, and those nobody came for. */
	s = hq__stmt(q, SQL_STATS_APPOINTMENTS);
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	sqlite3_bind_int64(s, 3, q->cfg->checkin_late_minutes * 60000LL);
	sqlite3_bind_int64(s, 4, q->now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct acc *a = acc_for(as, (const char *)sqlite3_column_text(s, 0));

		if (!a)
			goto nomem;
		a->row.appointments += sqlite3_column_int(s, 1);
		a->row.missed_appointments += sqlite3_column_int(s, 2);
		as->total.row.appointments += sqlite3_column_int(s, 1);
		as->total.row.missed_appointments += sqlite3_column_int(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
nomem:
	sqlite3_reset(s);
	return hq__fail(q, HQ_ENOMEM, "out of memory computing statistics");
}

int hq_queue_stats(struct hq_queue *q, enum hq_group by, int64_t from, int64_t to, struct hq_stats *out)
{
	struct accs as = {.by = by};
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if ((unsigned)by > HQ_BY_MONTH)
		return hq__fail(q, HQ_EINVAL, "statistics group %d is not service, counter, clerk, "
				"hour, day, week or month", by);
	if (to <= from)
		return hq__fail(q, HQ_EINVAL, "the statistics range ends before it starts");
	if ((rc = hq__begin(q, false)))
		return rc;
	if (!q->cfg)
		return hq__end(q, hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet"));
	as.cfg = q->cfg;
	snprintf(as.total.row.key, sizeof as.total.row.key, "total");
	rc = hq__end(q, stats_locked(q, &as, from, to));
	for (i = 0; i < as.n; i++)
		finish_acc(&as.a[i]);
	finish_acc(&as.total);
	if (rc) {
		free(as.a);
		return rc;
	}
	if (as.n)
		qsort_r(as.a, as.n, sizeof *as.a, cmp_rows, &as);
	out->rows = as.n ? malloc(as.n * sizeof *out->rows) : NULL;
	if (as.n && !out->rows) {
		free(as.a);
		return hq__fail(q, HQ_ENOMEM, "out of memory computing statistics");
	}
	for (i = 0; i < as.n; i++)
		out->rows[i] = as.a[i].row;
	out->nrows = as.n;
	out->total = as.total.row;
	free(as.a);
	return HQ_OK;
}
