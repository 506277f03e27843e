/*
 * What electronic supervision should have raised, by hallq-sim's record (expect.h). The
 * rules are those of docs/queue.md ("Alerts"), read as sentences and written here in a shape
 * of their own: the facts the sentences name (who waits since when, each counter's state,
 * clerk and last sign of work, its citizen, its no-shows in a row, the open cases) are kept
 * from the feed, and for each stretch between two events, in which they do not change, each
 * rule's condition gives at most a few pieces of time in which it holds. Pieces that touch
 * make one interval: one alert.
 *
 * The comparison with hallqd's alerts is at the end of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "hq_error.h"
#include "hq_hall.h"
#include "hq_time.h"
#include "record.h"

#define MIN_MS 60000LL
#define DAY_MIN 1440
#define HOURS_DAYS_MAX 40       /* an hours count looks back this far at most */
#define HOURS_IV (HQ_MAX_COUNTER_SERVICES * HQ_MAX_PERIODS)
#define NEVER INT64_MAX

/* A counter's opening hours on one weekday: the minutes in which one of its services is
 * open, as [open, close) runs. */
struct day_hours {
	bool known;
	int n;
	short iv[HOURS_IV][2];
};

struct hq_sim_expect_counter {
	const struct hq_counter_cfg *cc;
	struct day_hours week[7];
	enum hq_cstate state;       /* counters are open until something says otherwise */
	bool reasonless;            /* paused, with no reason given */
	bool clerk;                 /* a clerk is signed in */
	int64_t open_since;         /* its last open or resume */
	int64_t noclerk_since;      /* its clerk's last sign-out */
	int64_t active_at;          /* its last sign of work; 0 after a sign-out */
	int64_t paused_at;          /* its pause began (pausing again keeps it) */
	int64_t reasonless_since;   /* the pause that left it without a reason */
	int64_t cur;                /* the ticket at its window (called or serving), 0 none */
	int64_t cur_from;           /* that ticket's start, or its first call when not started */
	int cur_service;
	int noshows;                /* no-shows in a row since its last served ticket */
	/* Scratch of one stretch: the people sent to it by name. */
	int targeted;
	int64_t targeted_oldest;
};

struct hq_sim_expect_service {
	int64_t times[HQ_SIM_SLOW_SAMPLES]; /* the last service times, a ring */
	int ntimes, next;
	/* Scratch of one stretch: its queue. */
	int waiting;
	int64_t oldest;
};

/* ---- the tracker -------------------------------------------------------------------------- */

int hq_sim_expect_init(struct hq_sim_expect *x, const struct hq_config *cfg)
{
	memset(x, 0, sizeof *x);
	x->cfg = cfg;
	x->ctr = calloc(cfg->ncounters ? cfg->ncounters : 1, sizeof *x->ctr);
	x->svc = calloc(cfg->nservices ? cfg->nservices : 1, sizeof *x->svc);
	if (!x->ctr || !x->svc) {
		hq_sim_expect_free(x);
		return HQ_ENOMEM;
	}
	for (size_t i = 0; i < cfg->ncounters; i++) {
		x->ctr[i].cc = &cfg->counters[i];
		x->ctr[i].state = HQ_C_OPEN;
		x->ctr[i].cur_service = -1;
	}
	return HQ_OK;
}

void hq_sim_expect_free(struct hq_sim_expect *x)
{
	if (!x)
		return;
	free(x->ctr);
	free(x->svc);
	free(x->wait);
	free(x->cases);
	free(x->done);
	free(x->open);
	free(x->feed);
	memset(x, 0, sizeof *x);
}

bool hq_sim_expect_derives(const struct hq_alert_rule *r)
{
	return r->kind != HQ_ALERT_DEVICE && r->kind != HQ_ALERT_CASE_OVERDUE;
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *g;

	if (n < *cap)
		return p;
	g = realloc(p, c * size);
	if (g)
		*cap = c;
	return g;
}

static int counter_of(const struct hq_sim_expect *x, int number)
{
	const struct hq_counter_cfg *cc = number > 0 ? hq_config_counter(x->cfg, number) : NULL;

	return cc ? (int)(cc - x->cfg->counters) : -1;
}

/* ---- opening hours ------------------------------------------------------------------------ */

static bool counter_open_at(const struct hq_config *cfg, const struct hq_counter_cfg *cc, int wday, int minute)
{
	for (int i = 0; i < cc->nservices; i++)
		if (hq_service_open_at(&cfg->services[cc->services[i]], wday, minute))
			return true;
	return false;
}

static const struct day_hours *hours_on(struct hq_sim_expect *x, struct hq_sim_expect_counter *c, int wday)
{
	struct day_hours *h = &c->week[wday];

	if (h->known)
		return h;
	h->known = true;
	for (int m = 0; m < DAY_MIN; m++) {
		if (!counter_open_at(x->cfg, c->cc, wday, m))
			continue;
		if (h->n && h->iv[h->n - 1][1] == m)
			h->iv[h->n - 1][1] = (short)(m + 1);
		else if (h->n < HOURS_IV) {
			h->iv[h->n][0] = (short)m;
			h->iv[h->n++][1] = (short)(m + 1);
		}
	}
	return h;
}

/* The local day of t: its midnight, the next, its weekday. The last one is kept, since
 * working it out asks the C library for the zone each time. */
static struct hq_sim_day day_of(struct hq_sim_expect *x, int64_t t)
{
	struct hq_sim_day d;
	int minute;

	if (x->day.d1 && t >= x->day.d0 && t < x->day.d1)
		return x->day;
	d.d0 = hq_day_start(t);
	d.d1 = hq_day_start(d.d0 + 36 * 60 * MIN_MS);
	hq_local_parts(d.d0, &d.wday, &minute);
	if (d.d1 <= d.d0)
		d.d1 = d.d0 + DAY_MIN * MIN_MS; /* a clock library gone wrong: never loop */
	x->day = d;
	return d;
}

/*
 * The pieces of [a, b) in the counter's hours, one call of fn each; fn returns false to stop.
 * Days are midnight plus minutes (a zone with daylight saving would be off on its two
 * changes a year; China's has none).
 */
static void hours_pieces(struct hq_sim_expect *x, struct hq_sim_expect_counter *c, int64_t a, int64_t b,
			 bool (*fn)(void *ctx, int64_t p, int64_t q), void *ctx)
{
	for (int64_t t = a; t < b;) {
		struct hq_sim_day d = day_of(x, t);
		const struct day_hours *h = hours_on(x, c, d.wday);

		for (int i = 0; i < h->n; i++) {
			int64_t p = d.d0 + h->iv[i][0] * MIN_MS, q = d.d0 + h->iv[i][1] * MIN_MS;

			p = p > t ? p : t;
			q = q < b ? q : b;
			if (p < q && !fn(ctx, p, q))
				return;
		}
		t = d.d1;
	}
}

static bool add_up(void *ctx, int64_t p, int64_t q)
{
	*(int64_t *)ctx += q - p;
	return true;
}

/* How much of [a, b) was in the counter's hours. */
static int64_t hours_in(struct hq_sim_expect *x, struct hq_sim_expect_counter *c, int64_t a, int64_t b)
{
	int64_t sum = 0;

	if (b - a > HOURS_DAYS_MAX * DAY_MIN * MIN_MS)
		a = b - HOURS_DAYS_MAX * DAY_MIN * MIN_MS;
	hours_pieces(x, c, a, b, add_up, &sum);
	return sum;
}

struct reach {
	int64_t need, at;
};

static bool use_up(void *ctx, int64_t p, int64_t q)
{
	struct reach *r = ctx;

	if (q - p >= r->need) {
		r->at = p + r->need;
		return false;
	}
	r->need -= q - p;
	return true;
}

/* The first instant in [a, b) at which the counter has been `need` ms of its hours in the
 * condition that began at `since`; NEVER when not before b. */
static int64_t reach(struct hq_sim_expect *x, struct hq_sim_expect_counter *c, int64_t since, int64_t a,
		     int64_t b, int64_t need)
{
	struct reach r;

	r.need = need - hours_in(x, c, since, a);
	if (r.need <= 0)
		return a;
	r.at = NEVER;
	hours_pieces(x, c, a, b, use_up, &r);
	return r.at;
}

/* ---- intervals ---------------------------------------------------------------------------- */

static void close_open(struct hq_sim_expect *x, size_t i)
{
	void *g = grow(x->done, &x->capdone, x->ndone, sizeof *x->done);

	if (!g) {
		x->nomem = true;
	} else {
		x->done = g;
		x->done[x->ndone++] = x->open[i];
	}
	x->open[i] = x->open[--x->nopen];
}

/* The condition of rule `rule` held for `subject` in [p, q): it continues the open interval
 * that ended at p, or begins a new one. */
static void piece(struct hq_sim_expect *x, int rule, const char *subject, int64_t p, int64_t q)
{
	struct hq_sim_alert *a;
	void *g;

	for (size_t i = 0; i < x->nopen; i++) {
		a = &x->open[i];
		if (a->rule != rule || strcmp(a->subject, subject))
			continue;
		if (a->to == p) {
			a->to = q;
			return;
		}
		close_open(x, i);
		break;
	}
	if (!(g = grow(x->open, &x->capopen, x->nopen, sizeof *x->open))) {
		x->nomem = true;
		return;
	}
	x->open = g;
	a = &x->open[x->nopen++];
	memset(a, 0, sizeof *a);
	a->rule = rule;
	snprintf(a->subject, sizeof a->subject, "%s", subject);
	a->from = p;
	a->to = q;
}

struct pieces_ctx {
	struct hq_sim_expect *x;
	int rule;
	const char *subject;
};

static bool held(void *ctx, int64_t p, int64_t q)
{
	struct pieces_ctx *pc = ctx;

	piece(pc->x, pc->rule, pc->subject, p, q);
	return true;
}

static bool watched(const struct hq_alert_rule *r, int service)
{
	return !r->services || (service >= 0 && service < 64 && ((r->services >> service) & 1));
}

/* The median service time of service s: of its last HQ_SIM_SLOW_SAMPLES finished tickets,
 * the nearest-rank 50th percentile, i.e. the ceil(n/2)-th smallest; target_minutes until it
 * has HQ_SIM_SLOW_SEED. */
static int64_t median(const struct hq_sim_expect *x, int s)
{
	const struct hq_sim_expect_service *sv = &x->svc[s];
	int64_t v[HQ_SIM_SLOW_SAMPLES];
	int n = sv->ntimes;

	if (n < HQ_SIM_SLOW_SEED)
		return x->cfg->services[s].target_minutes * MIN_MS;
	memcpy(v, sv->times, (size_t)n * sizeof v[0]);
	for (int i = 1; i < n; i++) /* at most 50: insertion sort */
		for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
			int64_t t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return v[(n + 1) / 2 - 1];
}

/* The queues as they are: each service's, and each counter's own (tickets sent to it). */
static void queues(struct hq_sim_expect *x)
{
	for (size_t s = 0; s < x->cfg->nservices; s++) {
		x->svc[s].waiting = 0;
		x->svc[s].oldest = 0;
	}
	for (size_t c = 0; c < x->cfg->ncounters; c++) {
		x->ctr[c].targeted = 0;
		x->ctr[c].targeted_oldest = 0;
	}
	for (size_t i = 0; i < x->nwait; i++) {
		const struct hq_sim_waiter *w = &x->wait[i];
		int *n;
		int64_t *oldest;

		if (w->target >= 0) {
			n = &x->ctr[w->target].targeted;
			oldest = &x->ctr[w->target].targeted_oldest;
		} else if (w->service >= 0) {
			n = &x->svc[w->service].waiting;
			oldest = &x->svc[w->service].oldest;
		} else {
			continue;
		}
		(*n)++;
		if (!*oldest || w->queued_at < *oldest)
			*oldest = w->queued_at;
	}
}

/* The people counter c could call, and when the longest-waiting of them came (0: nobody). */
static int waiting_for(const struct hq_sim_expect *x, const struct hq_sim_expect_counter *c, int64_t *oldest)
{
	int n = c->targeted;

	*oldest = c->targeted_oldest;
	for (int i = 0; i < c->cc->nservices; i++) {
		const struct hq_sim_expect_service *sv = &x->svc[c->cc->services[i]];

		n += sv->waiting;
		if (sv->waiting && (!*oldest || sv->oldest < *oldest))
			*oldest = sv->oldest;
	}
	return n;
}

static int64_t latest(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Since when the condition of a counter rule that counts opening hours has held (0: it does
 * not hold now), as docs/queue.md words each. */
static int64_t counter_since(const struct hq_sim_expect *x, const struct hq_alert_rule *r,
			     const struct hq_sim_expect_counter *c)
{
	int64_t oldest;

	switch (r->kind) {
	case HQ_ALERT_PAUSE:
		return c->state == HQ_C_PAUSED ? c->paused_at : 0;
	case HQ_ALERT_PAUSE_REASON:
		return c->state == HQ_C_PAUSED && c->reasonless ? c->reasonless_since : 0;
	case HQ_ALERT_UNSTAFFED:
		/* Open, nobody signed in, people waiting: from the latest of their arrival, the
		 * opening and the sign-out. */
		if (c->state != HQ_C_OPEN || c->clerk || !waiting_for(x, c, &oldest))
			return 0;
		return latest(oldest, latest(c->open_since, c->noclerk_since));
	case HQ_ALERT_IDLE:
		/* Open, a clerk, nobody at the window, people waiting: from the latest of their
		 * arrival and the counter's last sign of work. */
		if (c->state != HQ_C_OPEN || !c->clerk || c->cur || !waiting_for(x, c, &oldest))
			return 0;
		return latest(oldest, c->active_at);
	default:
		return 0;
	}
}

/* Rule r (index ri) over [a, b), the facts standing still. */
static void judge(struct hq_sim_expect *x, int ri, int64_t a, int64_t b)
{
	const struct hq_config *cfg = x->cfg;
	const struct hq_alert_rule *r = &cfg->alerts[ri];
	char subject[HQ_SIM_SUBJECT_MAX];

	switch (r->kind) {
	case HQ_ALERT_WAIT:
	case HQ_ALERT_QUEUE:
		for (size_t s = 0; s < cfg->nservices; s++) {
			const struct hq_sim_expect_service *sv = &x->svc[s];
			int64_t from = a;

			if (!watched(r, (int)s) || !sv->waiting)
				continue;
			if (r->kind == HQ_ALERT_QUEUE && sv->waiting <= r->count)
				continue;
			/* The longest wait reaches percent% of max_wait_minutes. */
			if (r->kind == HQ_ALERT_WAIT)
				from = latest(a, sv->oldest + cfg->services[s].max_wait_minutes * MIN_MS * r->percent / 100);
			if (from < b) {
				snprintf(subject, sizeof subject, "service:%s", cfg->services[s].key);
				piece(x, ri, subject, from, b);
			}
		}
		break;
	case HQ_ALERT_SLOW:
		for (size_t i = 0; i < cfg->ncounters; i++) {
			const struct hq_sim_expect_counter *c = &x->ctr[i];
			int64_t limit, from;

			if (!c->cur || c->cur_from <= 0 || c->cur_service < 0 || !watched(r, c->cur_service))
				continue;
			limit = latest(median(x, c->cur_service) * r->percent / 100, r->minutes * MIN_MS);
			if ((from = latest(a, c->cur_from + limit)) < b) {
				snprintf(subject, sizeof subject, "counter:%d", c->cc->number);
				piece(x, ri, subject, from, b);
			}
		}
		break;
	case HQ_ALERT_NOSHOWS:
		for (size_t i = 0; i < cfg->ncounters; i++)
			if (x->ctr[i].noshows >= r->count) {
				snprintf(subject, sizeof subject, "counter:%d", x->ctr[i].cc->number);
				piece(x, ri, subject, a, b);
			}
		break;
	case HQ_ALERT_BAD_REVIEW:
		for (size_t i = 0; i < x->ncases; i++) {
			const struct hq_sim_expect_case *k = &x->cases[i];

			if (k->state == 0 && k->level >= HQ_LEVEL_MIN && k->level <= HQ_LEVEL_BAD &&
			    watched(r, k->service)) {
				snprintf(subject, sizeof subject, "case:%lld", (long long)k->id);
				piece(x, ri, subject, a, b);
			}
		}
		break;
	case HQ_ALERT_PAUSE:
	case HQ_ALERT_PAUSE_REASON:
	case HQ_ALERT_UNSTAFFED:
	case HQ_ALERT_IDLE:
		/* Held for `minutes` of the counter's hours, and holding only in them. */
		for (size_t i = 0; i < cfg->ncounters; i++) {
			struct hq_sim_expect_counter *c = &x->ctr[i];
			int64_t since = counter_since(x, r, c), from;
			struct pieces_ctx pc = {.x = x, .rule = ri, .subject = subject};

			if (!since || (from = reach(x, c, since, a, b, r->minutes * MIN_MS)) >= b)
				continue;
			snprintf(subject, sizeof subject, "counter:%d", c->cc->number);
			hours_pieces(x, c, from, b, held, &pc);
		}
		break;
	default:
		break; /* device, case_overdue: not derived (expect.h) */
	}
}

/* The stretch [a, b) in which the facts stand still. */
static void stretch(struct hq_sim_expect *x, int64_t a, int64_t b)
{
	queues(x);
	for (int i = 0; i < x->cfg->nalerts; i++)
		if (x->cfg->alerts[i].enabled && hq_sim_expect_derives(&x->cfg->alerts[i]))
			judge(x, i, a, b);
	/* What did not hold up to b has stopped. */
	for (size_t i = 0; i < x->nopen;)
		if (x->open[i].to < b)
			close_open(x, i);
		else
			i++;
}

void hq_sim_expect_until(struct hq_sim_expect *x, int64_t until)
{
	if (!x->started) {
		x->started = true;
		x->at = until;
	}
	if (until > x->at) {
		stretch(x, x->at, until);
		x->at = until;
	}
}

/* ---- the facts, from the feed ------------------------------------------------------------- */

static void forget_waiter(struct hq_sim_expect *x, int64_t id)
{
	for (size_t i = 0; i < x->nwait; i++)
		if (x->wait[i].id == id) {
			x->wait[i] = x->wait[--x->nwait];
			return;
		}
}

/* A ticket waits (in its service's queue, or for one counter) or not, as the record says. */
static void ticket_waits(struct hq_sim_expect *x, const struct hq_sim_ticket *t)
{
	struct hq_sim_waiter *w = NULL;
	void *g;

	if (t->state != HQ_T_WAITING) {
		forget_waiter(x, t->id);
		return;
	}
	for (size_t i = 0; i < x->nwait && !w; i++)
		if (x->wait[i].id == t->id)
			w = &x->wait[i];
	if (!w) {
		if (!(g = grow(x->wait, &x->capwait, x->nwait, sizeof *x->wait))) {
			x->nomem = true;
			return;
		}
		x->wait = g;
		w = &x->wait[x->nwait++];
	}
	w->id = t->id;
	w->queued_at = t->queued_at;
	w->service = hq_config_service_index(x->cfg, t->service);
	w->target = t->target_counter ? counter_of(x, t->target_counter) : -1;
}

static void ticket_case(struct hq_sim_expect *x, const struct hq_sim_ticket *t)
{
	struct hq_sim_expect_case *k = NULL;
	void *g;

	for (size_t i = 0; i < x->ncases && !k; i++)
		if (x->cases[i].id == t->case_id)
			k = &x->cases[i];
	if (!k) {
		if (!(g = grow(x->cases, &x->capcases, x->ncases, sizeof *x->cases))) {
			x->nomem = true;
			return;
		}
		x->cases = g;
		k = &x->cases[x->ncases++];
		k->id = t->case_id;
	}
	k->service = hq_config_service_index(x->cfg, t->service);
	k->level = t->rating;
	k->state = t->case_state;
}

static void service_time(struct hq_sim_expect *x, const struct hq_sim_ticket *t)
{
	int s = hq_config_service_index(x->cfg, t->service);
	struct hq_sim_expect_service *sv;

	if (s < 0 || t->state != HQ_T_DONE || !t->called_at)
		return;
	sv = &x->svc[s];
	sv->times[sv->next] = t->ended_at - (t->started_at ? t->started_at : t->called_at);
	sv->next = (sv->next + 1) % HQ_SIM_SLOW_SAMPLES;
	if (sv->ntimes < HQ_SIM_SLOW_SAMPLES)
		sv->ntimes++;
}

static bool is(const struct hq_sim_event *ev, const char *type)
{
	return !strcmp(ev->type, type);
}

/* What the event changes of the facts. */
static void learn(struct hq_sim_expect *x, const struct hq_sim_event *ev, const struct hq_sim_ticket *t)
{
	int ci = counter_of(x, ev->counter);
	struct hq_sim_expect_counter *c = ci >= 0 ? &x->ctr[ci] : NULL;
	int64_t at = ev->at_ms;

	if (is(ev, "day_closed"))
		for (size_t i = 0; i < x->cfg->ncounters; i++)
			x->ctr[i].noshows = 0;
	if (t) {
		ticket_waits(x, t);
		if (t->case_id)
			ticket_case(x, t);
		/* A ticket no longer called nor served is at nobody's window. */
		if (t->state != HQ_T_CALLED && t->state != HQ_T_SERVING)
			for (size_t i = 0; i < x->cfg->ncounters; i++)
				if (x->ctr[i].cur == t->id)
					x->ctr[i].cur = 0;
	}
	if (!c)
		return;
	if (is(ev, "called")) {
		c->cur = ev->ticket_id;
		c->cur_from = t && t->started_at ? t->started_at : t ? t->called_at : at;
		c->cur_service = hq_config_service_index(x->cfg, ev->service);
		c->active_at = at;
	} else if (is(ev, "started")) {
		if (c->cur == ev->ticket_id)
			c->cur_from = at;
	} else if (is(ev, "finished") || is(ev, "noshow") || is(ev, "transferred") || is(ev, "parked")) {
		if (c->cur == ev->ticket_id)
			c->cur = 0;
		c->active_at = at;
		if (is(ev, "noshow"))
			c->noshows++;
		else if (!is(ev, "parked"))
			c->noshows = 0; /* served: finished or sent on */
		if (is(ev, "finished") && t)
			service_time(x, t);
	} else if (is(ev, "counter_opened") || is(ev, "counter_resumed")) {
		c->state = HQ_C_OPEN;
		c->reasonless = false;
		c->open_since = at;
		c->active_at = at;
	} else if (is(ev, "counter_paused")) {
		/* hallq stores "paused" for a pause given no reason. */
		bool none = !ev->detail[0] || !strcmp(ev->detail, "paused");

		if (c->state != HQ_C_PAUSED)
			c->paused_at = at;
		if (none && (c->state != HQ_C_PAUSED || !c->reasonless))
			c->reasonless_since = at;
		c->reasonless = none;
		c->state = HQ_C_PAUSED;
		c->active_at = at;
	} else if (is(ev, "counter_closed")) {
		c->state = HQ_C_CLOSED;
		c->reasonless = false;
		c->active_at = at;
	} else if (is(ev, "signed_in")) {
		c->clerk = true;
		c->active_at = at;
	} else if (is(ev, "signed_out")) {
		c->clerk = false;
		c->noclerk_since = at;
		c->active_at = 0;
	}
}

/* hallqd's own word on its alerts, kept for their times. */
static void feed_alert(struct hq_sim_expect *x, const struct hq_sim_event *ev)
{
	struct hq_sim_feed_alert *a = NULL;
	void *g;

	for (size_t i = x->nfeed; i > 0 && !a; i--)
		if (x->feed[i - 1].id == ev->value)
			a = &x->feed[i - 1];
	if (!a) {
		if (!(g = grow(x->feed, &x->capfeed, x->nfeed, sizeof *x->feed))) {
			x->nomem = true;
			return;
		}
		x->feed = g;
		a = &x->feed[x->nfeed++];
		memset(a, 0, sizeof *a);
		a->id = ev->value;
		snprintf(a->what, sizeof a->what, "%.*s", (int)sizeof a->what - 1, ev->detail);
	}
	if (is(ev, "alert_raised"))
		a->raised = ev->at_ms;
	else
		a->cleared = ev->at_ms;
}

const struct hq_sim_feed_alert *hq_sim_expect_feed(const struct hq_sim_expect *x, int64_t id)
{
	for (size_t i = 0; i < x->nfeed; i++)
		if (x->feed[i].id == id)
			return &x->feed[i];
	return NULL;
}

void hq_sim_expect_event(struct hq_sim_expect *x, const struct hq_sim_event *ev, const struct hq_sim_ticket *t)
{
	/* The conditions as they were up to the event; then the facts it changes. The feed is in
	 * order, but its times are those of the programs that wrote it: an event before the last
	 * one (hallq init on the real clock, then hallqd on a simulated day before it) sets the
	 * time back, and what follows is judged from there. */
	if (x->started && ev->at_ms < x->at)
		x->at = ev->at_ms;
	hq_sim_expect_until(x, ev->at_ms);
	if (is(ev, "alert_raised") || is(ev, "alert_cleared"))
		feed_alert(x, ev);
	else
		learn(x, ev, t);
}

static int by_rule_subject(const void *pa, const void *pb)
{
	const struct hq_sim_alert *a = pa, *b = pb;
	int c = a->rule - b->rule;

	if (!c)
		c = strcmp(a->subject, b->subject);
	if (!c)
		c = a->from < b->from ? -1 : a->from > b->from;
	return c;
}

struct hq_sim_alert *hq_sim_expect_list(const struct hq_sim_expect *x, size_t *n)
{
	struct hq_sim_alert *v;

	*n = x->ndone + x->nopen;
	if (!*n || !(v = malloc(*n * sizeof *v))) {
		*n = 0;
		return NULL;
	}
	if (x->ndone)
		memcpy(v, x->done, x->ndone * sizeof *v);
	for (size_t i = 0; i < x->nopen; i++) {
		v[x->ndone + i] = x->open[i];
		if (x->open[i].to >= x->at)
			v[x->ndone + i].to = 0; /* it still holds */
	}
	qsort(v, *n, sizeof *v, by_rule_subject);
	return v;
}

/* ---- against hallqd's alerts -------------------------------------------------------------- */

int64_t hq_sim_expect_tolerance(int speed)
{
	int64_t period = (int64_t)speed * 100;

	return 2 * (period > 1000 ? period : 1000);
}

const char *hq_sim_finding_name(enum hq_sim_finding_what w)
{
	static const char *const names[] = {
		"not raised", "raised off time", "cleared off time", "still open", "cleared while it holds",
		"unexplained",
	};

	return (unsigned)w < sizeof names / sizeof names[0] ? names[w] : "?";
}

/* An expected interval as the comparison takes it: clipped to the window, with how sure the
 * record is that hallqd raised it. */
struct want {
	const struct hq_sim_alert *a;
	int64_t from, to;           /* to 0: holds when hallqd answered */
	bool optional;
};

struct got {
	const struct hq_sim_seen *s;
	int rule;
};

static int by_raised(const void *pa, const void *pb)
{
	const struct got *a = pa, *b = pb;
	int c = a->rule - b->rule;

	if (!c)
		c = strcmp(a->s->subject, b->s->subject);
	if (!c)
		c = a->s->raised < b->s->raised ? -1 : a->s->raised > b->s->raised;
	return c;
}

static int finding(struct hq_sim_verdict *v, size_t *cap, int rule, const char *rule_name, const char *subject,
		   enum hq_sim_finding_what what, int64_t want, int64_t got, int64_t alert)
{
	struct hq_sim_finding *f;
	void *g = grow(v->f, cap, v->nf, sizeof *v->f);

	if (!g)
		return HQ_ENOMEM;
	v->f = g;
	f = &v->f[v->nf++];
	memset(f, 0, sizeof *f);
	f->rule = rule;
	snprintf(f->rule_name, sizeof f->rule_name, "%s", rule_name);
	snprintf(f->subject, sizeof f->subject, "%s", subject);
	f->what = what;
	f->want = want;
	f->got = got;
	f->alert = alert;
	v->mismatches++;
	return HQ_OK;
}

/* hallqd raised it within the tolerance of the record's start. */
static bool starts_with(const struct want *e, const struct hq_sim_seen *s, const struct hq_sim_window *w)
{
	return s->raised >= e->from - w->early && s->raised <= e->from + w->tolerance;
}

/* hallqd cleared it (or has it open) as the record's end says. */
static bool ends_with(const struct want *e, const struct hq_sim_seen *s, const struct hq_sim_window *w)
{
	if (!e->to)
		return !s->cleared;
	if (!s->cleared)
		return e->to > w->asked - w->tolerance; /* ended too lately for hallqd to have seen it */
	return s->cleared >= e->to - w->early && s->cleared <= e->to + w->tolerance;
}

/* Match one rule and subject: wants e[0..ne) by start, gots g[0..ng) by raise. */
static int match(struct hq_sim_verdict *v, size_t *cap, struct want *e, size_t ne, struct got *g, size_t ng,
		 const struct hq_sim_window *w, const char *rule_name)
{
	size_t i = 0, j = 0;
	int rule = ng ? g[0].rule : e[0].a->rule, rc = HQ_OK;
	struct hq_sim_rule_tally *t = &v->tally[rule >= 0 ? rule : v->nrules];
	const char *subject = ng ? g[0].s->subject : e[0].a->subject;

	for (size_t k = 0; k < ne; k++) {
		t->expected += !e[k].optional;
		t->optional += e[k].optional;
		v->checks += !e[k].optional;
	}
	t->seen += (int)ng;
	while (rc == HQ_OK && (i < ne || j < ng)) {
		const struct hq_sim_seen *s = j < ng ? g[j].s : NULL;
		bool certain = false;
		size_t k;

		if (i < ne && s && starts_with(&e[i], s, w)) {
			/* Pieces the evaluation may not have told apart (a gap shorter than the
			 * tolerance) may be one alert. */
			for (k = i; !ends_with(&e[k], s, w) && k + 1 < ne && e[k].to &&
				    e[k + 1].from - e[k].to <= w->tolerance; k++)
				;
			if (!ends_with(&e[k], s, w) && e[i].optional && i + 1 < ne && starts_with(&e[i + 1], s, w)) {
				i++; /* a short one hallqd did not see, then this one */
				continue;
			}
			for (size_t m = i; m <= k; m++)
				certain |= !e[m].optional;
			if (ends_with(&e[k], s, w)) {
				t->matched++;
				v->nraised++;
				v->raised_lag_sum += (double)(s->raised - e[i].from);
				if (s->raised - e[i].from > v->raised_lag_max)
					v->raised_lag_max = s->raised - e[i].from;
				if (s->cleared && e[k].to) {
					v->ncleared++;
					v->cleared_lag_sum += (double)(s->cleared - e[k].to);
					if (s->cleared - e[k].to > v->cleared_lag_max)
						v->cleared_lag_max = s->cleared - e[k].to;
				}
				v->checks += !certain; /* an alert of its own, explained */
			} else {
				if (!certain)
					v->checks++;
				rc = finding(v, cap, rule, rule_name, subject,
					     !s->cleared ? HQ_SIM_STILL_OPEN : !e[k].to ? HQ_SIM_CLEARED_OPEN
					     : HQ_SIM_CLEARED_OFF, e[k].to, s->cleared, s->id);
			}
			i = k + 1;
			j++;
		} else if (i < ne && (!s || s->raised > e[i].from + w->tolerance)) {
			/* Nothing raised near its start: late while it still held, or not at all. */
			if (s && !e[i].optional && s->raised <= (e[i].to ? e[i].to : w->answered) + w->tolerance) {
				rc = finding(v, cap, rule, rule_name, subject, HQ_SIM_RAISED_OFF, e[i].from, s->raised, s->id);
				j++;
			} else if (!e[i].optional) {
				rc = finding(v, cap, rule, rule_name, subject, HQ_SIM_NOT_RAISED, e[i].from, 0, 0);
			}
			i++;
		} else {
			/* Raised before anything the record has for it. */
			v->checks++;
			rc = finding(v, cap, rule, rule_name, subject, HQ_SIM_UNEXPLAINED, i < ne ? e[i].from : 0,
				     s->raised, s->id);
			j++;
		}
	}
	return rc;
}

int hq_sim_expect_compare(const struct hq_sim_expect *x, const struct hq_sim_seen *seen, size_t nseen,
			  const struct hq_sim_window *w, struct hq_sim_verdict *out)
{
	const struct hq_config *cfg = x->cfg;
	struct hq_sim_alert *all;
	struct want *e = NULL;
	struct got *g = NULL;
	size_t n, ne = 0, ng = 0, cap = 0, i, j;
	int rc = HQ_OK;

	memset(out, 0, sizeof *out);
	out->nrules = cfg->nalerts;
	all = hq_sim_expect_list(x, &n);
	e = calloc(n ? n : 1, sizeof *e);
	g = calloc(nseen ? nseen : 1, sizeof *g);
	if ((n && !all) || !e || !g || x->nomem) {
		rc = HQ_ENOMEM;
		goto done;
	}
	/* The record's intervals in the window: from a little before its start (what began just
	 * before may be raised just after) to hallqd's answer. */
	for (i = 0; i < n; i++) {
		struct want *k = &e[ne];
		int64_t end;

		if (all[i].from < w->from - w->tolerance || all[i].from >= w->answered ||
		    (all[i].to && all[i].to <= w->from))
			continue;
		k->a = &all[i];
		k->from = all[i].from;
		k->to = all[i].to && all[i].to <= w->answered ? all[i].to : 0;
		end = k->to ? k->to : w->answered;
		/* hallqd may have missed it, or not got to it yet. */
		k->optional = end - k->from < w->tolerance || k->from < w->from + w->tolerance ||
			      k->from > w->asked - w->tolerance;
		ne++;
	}
	for (i = 0; i < nseen; i++) {
		const struct hq_alert_rule *r = hq_config_alert(cfg, seen[i].rule);

		if (seen[i].raised < w->from)
			continue;
		g[ng].s = &seen[i];
		g[ng++].rule = r ? (int)(r - cfg->alerts) : -1;
	}
	qsort(g, ng, sizeof *g, by_raised);
	/* Both sorted by rule, subject and time: walk them group by group. */
	for (i = 0, j = 0; rc == HQ_OK && (i < ne || j < ng);) {
		size_t i1 = i, j1 = j;
		int rule;
		const char *subject;

		if (j < ng && (i >= ne || g[j].rule < e[i].a->rule ||
			       (g[j].rule == e[i].a->rule && strcmp(g[j].s->subject, e[i].a->subject) < 0))) {
			rule = g[j].rule;
			subject = g[j].s->subject;
		} else {
			rule = e[i].a->rule;
			subject = e[i].a->subject;
		}
		while (i1 < ne && e[i1].a->rule == rule && !strcmp(e[i1].a->subject, subject))
			i1++;
		while (j1 < ng && g[j1].rule == rule && !strcmp(g[j1].s->subject, subject))
			j1++;
		rc = match(out, &cap, e + i, i1 - i, g + j, j1 - j, w,
			   rule >= 0 ? cfg->alerts[rule].name : g[j].s->rule);
		i = i1;
		j = j1;
	}
done:
	free(all);
	free(e);
	free(g);
	if (rc)
		hq_sim_verdict_free(out);
	return rc;
}

void hq_sim_verdict_free(struct hq_sim_verdict *v)
{
	if (!v)
		return;
	free(v->f);
	v->f = NULL;
	v->nf = 0;
}
