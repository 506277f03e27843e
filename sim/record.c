/*
 * hallq-sim's record of the day (record.h). Its figures follow the definitions written in
 * docs/queue.md ("Statistics") and are computed independently of queue/stats.c, on purpose
 * (see "the figures" below), so that comparing them with hallqd's tests the library's
 * definitions as well as its data; they agree with hallqd's to the millisecond.
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

int hq_sim_record_init(struct hq_sim_record *r, const struct hq_config *cfg, int64_t day_from,
		       int64_t day_to)
{
	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->day_from = day_from;
	r->day_to = day_to;
	r->breach_list = json_array();
	return r->breach_list ? hq_sim_expect_init(&r->expect, cfg) : HQ_ENOMEM;
}

void hq_sim_record_free(struct hq_sim_record *r)
{
	if (!r)
		return;
	free(r->t);
	json_decref(r->breach_list);
	hq_sim_expect_free(&r->expect);
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
	/* null: no counter was open, so nothing to measure */
	t->est_known = json_is_integer(json_object_get(v, "est_wait_s"));
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

static struct hq_sim_ticket *apply(struct hq_sim_record *r, const struct hq_sim_event *ev)
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
	} else if (!strcmp(ty, "reviewed") || !strcmp(ty, "review_changed")) {
		/* One review a ticket: a second one is a change of the first. */
		bool change = !strcmp(ty, "review_changed");

		if (t->state != HQ_T_DONE)
			hq_sim_record_breach(r, "%s reviewed while %s", t->label, hq_tstate_name(t->state));
		else if (!change && t->rating)
			hq_sim_record_breach(r, "%s reviewed twice", t->label);
		else if (change && !t->rating)
			hq_sim_record_breach(r, "%s: a review changed that was never given", t->label);
		t->rating = ev->value;
	} else if (!strcmp(ty, "case_opened")) {
		/* Opened by a bad review, or again by a good one changed back to bad. */
		if (t->rating < 1 || t->rating > 2)
			hq_sim_record_breach(r, "%s: a case opened for a review at level %d", t->label, t->rating);
		t->case_id = ev->value;
		t->case_state = 0;
	} else if (!strcmp(ty, "case_step")) {
		/* One step forward at a time; a close comes early only when the review was
		 * changed to a good one. */
		if (!t->case_id)
			hq_sim_record_breach(r, "%s: a case step without a case", t->label);
		else if (ev->value != t->case_state + 1 && !(ev->value == 4 && t->rating > 2))
			hq_sim_record_breach(r, "%s: case %lld went from state %d to %d", t->label,
					     (long long)t->case_id, t->case_state, ev->value);
		t->case_state = ev->value;
	}
	return t;
}

struct hq_sim_ticket *hq_sim_record_event(struct hq_sim_record *r, const struct hq_sim_event *ev)
{
	struct hq_sim_ticket *t = apply(r, ev);

	hq_sim_expect_event(&r->expect, ev, t);
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

/* ---- the figures, from their definitions ----------------------------------------------
 *
 * The specification is docs/queue.md, "Statistics". This code is written from those
 * sentences, not from queue/stats.c, and on purpose in another shape: a check that repeats
 * the library's code would repeat its mistakes too, and could only ever catch wrong data.
 * Each ticket of the day is first reduced to the facts the definitions ask of it; a row is
 * then one pass over the facts of its group. Times stay whole milliseconds until a row is
 * written, so sums are exact and a percentile is one of the measured times.
 */

enum outcome { SERVED, NOSHOW, TRANSFERRED, CANCELLED, STILL_OPEN, NOUTCOMES };

/* What one ticket counts for. */
struct fact {
	bool new_number;        /* counts toward issued: not the continuation of a transfer */
	enum outcome outcome;   /* its final state, or still open at the end of the record */
	bool called;            /* called at least once; then wait_ms and on_time mean something */
	int64_t wait_ms;        /* first call minus queue time */
	bool on_time;           /* wait_ms at most the service's max_wait_minutes */
	int64_t service_ms;     /* served: end minus start, or minus the first call if not started */
	int level;              /* its review's, 1..5; 0 when not reviewed */
	int case_state;         /* its bad review's case: 0 open .. 4 closed; -1 none */
	bool grouped;           /* it has a row under the grouping asked for */
	int rank;               /* the row's place in the documented order, then key */
	char key[HQ_NAME_MAX];
};

static enum outcome outcome_of(enum hq_tstate st)
{
	switch (st) {
	case HQ_T_DONE: return SERVED;
	case HQ_T_NOSHOW: return NOSHOW;
	case HQ_T_TRANSFERRED: return TRANSFERRED;
	case HQ_T_CANCELLED: return CANCELLED;
	default: return STILL_OPEN; /* waiting, called, serving or parked */
	}
}

/* The group of t under `by`, as docs/queue.md words it; f->grouped false when it has none. */
static void group_of(const struct hq_sim_record *r, enum hq_group by, const struct hq_sim_ticket *t,
		     struct fact *f)
{
	time_t sec;
	struct tm tm;
	int i;

	f->grouped = true;
	if (by == HQ_BY_SERVICE) {
		/* Configuration order; a service the hall no longer has after them all. */
		i = hq_config_service_index(r->cfg, t->service);
		f->rank = i >= 0 ? i : HQ_MAX_SERVICES;
		copy(f->key, sizeof f->key, t->service);
	} else if (by == HQ_BY_HOUR) {
		/* The local hour of issue, which a transfer's continuation has from its original. */
		sec = (time_t)(t->issued_at / 1000);
		localtime_r(&sec, &tm);
		f->rank = tm.tm_hour;
		snprintf(f->key, sizeof f->key, "%02d", tm.tm_hour);
	} else if (!t->counter) {
		f->grouped = false; /* never called: no counter and no clerk to count it for */
	} else if (by == HQ_BY_COUNTER) {
		f->rank = t->counter;
		snprintf(f->key, sizeof f->key, "%d", t->counter);
	} else {
		f->rank = 0; /* clerks by their id's text */
		copy(f->key, sizeof f->key, t->clerk[0] ? t->clerk : "-");
	}
}

static struct fact facts_of(const struct hq_sim_record *r, enum hq_group by, const struct hq_sim_ticket *t)
{
	const struct hq_service *sv = hq_config_service(r->cfg, t->service);
	/* A service the configuration no longer has: max_wait_minutes' default, 30. */
	int64_t limit_ms = (int64_t)(sv ? sv->max_wait_minutes : 30) * 60000;
	struct fact f = {
		.new_number = t->parent_id == 0,
		.outcome = outcome_of(t->state),
		.called = t->called_at != 0,
		.level = t->rating,
		.case_state = t->case_id ? t->case_state : -1,
	};

	if (f.called) {
		f.wait_ms = t->called_at - t->queued_at;
		f.on_time = f.wait_ms <= limit_ms;
	}
	if (f.outcome == SERVED)
		f.service_ms = t->ended_at - (t->started_at ? t->started_at : t->called_at);
	group_of(r, by, t, &f);
	return f;
}

/* Rows in the documented order; the facts of no group after all the others. */
static int by_group(const void *pa, const void *pb)
{
	const struct fact *a = pa, *b = pb;

	if (a->grouped != b->grouped)
		return a->grouped ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int by_ms(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

static double seconds(int64_t ms)
{
	return (double)ms / 1000.0;
}

/*
 * Nearest rank: the smallest of the n sorted values with at least pct percent of them at
 * or below it. That is the k-th smallest for the least k with k / n >= pct / 100, so
 * k = ceil(pct * n / 100), done in integers so that no rounding can move it.
 */
static int64_t nearest_rank(const int64_t *sorted, size_t n, unsigned pct)
{
	size_t k = (pct * n + 99) / 100;

	return sorted[k ? k - 1 : 0];
}

/* Mean, median, 90th percentile and maximum of n millisecond times (sorted here); all 0
 * over no times, as the library reports them. */
struct spread {
	double mean_s, p50_s, p90_s, max_s;
};

static struct spread spread_of(int64_t *ms, size_t n)
{
	struct spread s = {0};
	int64_t sum = 0;

	if (!n)
		return s;
	for (size_t i = 0; i < n; i++)
		sum += ms[i];
	qsort(ms, n, sizeof *ms, by_ms);
	s.mean_s = seconds(sum) / (double)n;
	s.p50_s = seconds(nearest_rank(ms, n, 50));
	s.p90_s = seconds(nearest_rank(ms, n, 90));
	s.max_s = seconds(ms[n - 1]);
	return s;
}

/* A share, 0 over nothing. */
static double share(size_t part, size_t whole)
{
	return whole ? (double)part / (double)whole : 0;
}

/* The mean of a sum over a count, 0 over nothing. */
static double mean_of(size_t sum, size_t count)
{
	return count ? (double)sum / (double)count : 0;
}

/* One row from the facts of its tickets; scratch has room for n times. */
static void row_of(const struct fact *f, size_t n, int64_t *scratch, const char *key,
		   struct hq_stats_row *row)
{
	size_t ended[NOUTCOMES] = {0}, waits = 0, services = 0, on_time = 0;
	/* Reviews: how many at each level 1..5 (at[0] unused), their sum, and of the bad ones
	 * those whose case was rectified, revisited (each step counts for those before it). */
	size_t at[6] = {0}, rated = 0, good = 0, level_sum = 0, bad = 0, rectified = 0, revisited = 0;
	int issued = 0;
	struct spread w, sv;

	for (size_t i = 0; i < n; i++) {
		issued += f[i].new_number;
		ended[f[i].outcome]++;
		if (f[i].called) {
			scratch[waits++] = f[i].wait_ms;
			on_time += f[i].on_time;
		}
		if (f[i].level < 1 || f[i].level > 5)
			continue;
		/* docs/queue.md, "Reviews": satisfied is 3 (基本满意) and above, bad 1 and 2. */
		rated++;
		at[f[i].level]++;
		level_sum += (size_t)f[i].level;
		good += f[i].level >= 3;
		if (f[i].level <= 2) {
			bad++;
			rectified += f[i].case_state >= 2;
			revisited += f[i].case_state >= 3;
		}
	}
	w = spread_of(scratch, waits);
	for (size_t i = 0; i < n; i++)
		if (f[i].outcome == SERVED)
			scratch[services++] = f[i].service_ms;
	sv = spread_of(scratch, services);
	/* appointments and missed_appointments stay 0: the record has no appointments. */
	*row = (struct hq_stats_row){
		.issued = issued, .called = (int)waits,
		.served = (int)ended[SERVED], .noshow = (int)ended[NOSHOW],
		.transferred = (int)ended[TRANSFERRED], .cancelled = (int)ended[CANCELLED],
		.waiting = (int)ended[STILL_OPEN],
		.wait_mean_s = w.mean_s, .wait_p50_s = w.p50_s, .wait_p90_s = w.p90_s, .wait_max_s = w.max_s,
		.service_mean_s = sv.mean_s, .service_p90_s = sv.p90_s,
		.on_time_rate = share(on_time, waits),
		.rated = (int)rated, .satisfaction_rate = share(good, rated),
		.score_mean = mean_of(level_sum, rated),
		.level1 = (int)at[1], .level2 = (int)at[2], .level3 = (int)at[3], .level4 = (int)at[4],
		.level5 = (int)at[5], .bad_reviews = (int)bad,
		.rectify_rate = share(rectified, bad), .revisit_rate = share(revisited, bad),
	};
	copy(row->key, sizeof row->key, key);
}

int hq_sim_record_stats(const struct hq_sim_record *r, enum hq_group by, struct hq_stats *out)
{
	struct fact *f;
	int64_t *scratch;
	size_t n = 0, groups = 0, i, j;

	memset(out, 0, sizeof *out);
	for (i = 0; i < r->n; i++)
		n += in_day(r, r->t[i].issued_at);
	f = malloc((n ? n : 1) * sizeof *f);
	scratch = malloc((n ? n : 1) * sizeof *scratch);
	if (!f || !scratch)
		goto nomem;
	for (i = j = 0; i < r->n; i++)
		if (in_day(r, r->t[i].issued_at))
			f[j++] = facts_of(r, by, &r->t[i]);
	qsort(f, n, sizeof *f, by_group);
	for (i = 0; i < n && f[i].grouped; i++)
		groups += i == 0 || by_group(&f[i - 1], &f[i]) != 0;
	if (groups && !(out->rows = malloc(groups * sizeof *out->rows)))
		goto nomem;
	/* Each run of facts with one key is a row. */
	for (i = 0; i < n && f[i].grouped; i = j) {
		for (j = i + 1; j < n && by_group(&f[i], &f[j]) == 0; j++)
			;
		row_of(&f[i], j - i, scratch, f[i].key, &out->rows[out->nrows++]);
	}
	row_of(f, n, scratch, "total", &out->total);
	free(f);
	free(scratch);
	return HQ_OK;
nomem:
	free(f);
	free(scratch);
	return HQ_ENOMEM;
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
