/*
 * The estimated wait printed on a ticket, and where a waiting ticket stands: the rules use
 * it when issuing (queue.c), the live state for each service (stats.c).
 *
 * The estimate plays the hall forward from now, up to RUNS times, and prints the 70th
 * percentile of the waits it saw; the 5th to the 95th percentile is the range a hall may
 * show instead (POINT_Q and RANGE_*_Q below say why those). Each run:
 *
 *   counters the counters at work: open with a clerk signed in, a citizen at the window, or
 *            a call, an end of a ticket, an open or a resume in the last hour; and those
 *            paused less than half an hour ago (a break). A counter left open that nobody
 *            works does not count; but when none of the ticket's service's counters is at
 *            work (the start of the day), its open ones count. With no counter of the ticket's
 *            service among them, there is no estimate (HQ_EST_NONE): nobody knows when one
 *            will open. Only the counters linked to the ticket's service through the
 *            services they share are played.
 *   turns    how long a counter spends on one citizen of service X: drawn from X's turns
 *            of this time of day (history.c: the last 45 minutes, and 45 minutes either side
 *            of now on the last 7 days), or when fewer than `estimate_samples`, from X's
 *            last `estimate_samples` turns of the past week. A ticket's turn runs from its
 *            call to its counter's next call (the walk to the window, the service, the
 *            rating, the clerk's short breaks), less the time the counter had nobody to call,
 *            and with no more than HQ_TURN_GAP_MAX_MS of a pause, before or after the
 *            citizen's end (lunch). A ticket parked and called again has no turn, and no turn
 *            runs over a counter's close or the day's end. Until there are five (or
 *            estimate_samples, if fewer), the service's target_minutes stands in for the
 *            missing ones.
 *   now      a counter with a citizen at the window is free after the rest of a turn drawn
 *            among those longer than the time it has already taken (at least half the mean
 *            turn when none is); a paused one 15 minutes after its pause at the earliest.
 *   calls    a free counter calls as call next does: the priority class first, then by the
 *            order of its services, the tickets sent to it by name first in their class
 *            (each a turn of the ticket's service). The ticket is called when a counter takes
 *            it from the head of its queue: after the people ahead of it (for a priority
 *            ticket the waiting priority tickets, for a normal one every waiting ticket of
 *            the service).
 *   arrivals citizens who come later join the queues as history.c forecasts them: they go
 *            before the ticket when a counter prefers their service, or when they are of the
 *            priority class and the ticket is not.
 *
 * A queue too long to play to its end (CALLS_MAX calls, or six hours) is finished at the
 * pace it went in the run. The runs share CALLS_BUDGET, so that a hall of 200 counters plays
 * a few and a hall of ten plays all 48.
 *
 * A waiting ticket sent to one counter by name (a transfer, an unpark) waits for that
 * counter alone: the rest of what it has now and a turn for each ticket it calls first.
 * tests/test_estimate.c checks each rule on a small hall and measures the method's error on
 * simulated weeks against an oracle (docs/queue.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hq_time.h"

#define SEED_SAMPLES 5
#define MIN_MS (60 * 1000LL)
#define AT_WORK_MS (60 * MIN_MS)    /* an open counter with no sign of work this long is idle */
#define BREAK_MS (15 * MIN_MS)      /* a paused counter is expected back this long after */
#define BREAK_MAX_MS (30 * MIN_MS)  /* paused longer than this: away, not at work */
#define SAMPLES_MAX HQ_TURNS_MAX    /* estimate_samples' bound */
/* Runs of the hall an estimate plays: up to 48, as many as CALLS_BUDGET allows (calls, and
 * a counter readied at the start of each run), and at least RUNS_MIN. A hall of ten counters
 * plays all 48 in well under a millisecond; one of 200 plays 6 to 10. */
#define RUNS 48
#define RUNS_MIN 6
#define CALLS_BUDGET 2000
/*
 * What is printed: the 70th percentile of the runs' waits. The median would have the least
 * mean absolute error if the runs knew everything; they do not (breaks to come, the clerk's
 * pace on a hard case), their waits are short of real ones, and over the simulated weeks the
 * 70th percentile had less error than the median (36.6% of the mean wait against 37.0%) and a
 * quarter of its bias (-1.0 minutes against -3.8). The range: the 5th to the 95th percentile,
 * which held 80% of the real waits there, as the runs spread less than real waits do.
 */
#define POINT_Q 0.70
#define RANGE_LOW_Q 0.05
#define RANGE_HIGH_Q 0.95
#define CALLS_MAX 200               /* a run ends after this many calls... */
#define WAITING_CAP (CALLS_MAX + 1) /* queues are counted up to this */
#define HORIZON_S (HQ_ARRIVAL_SEGS * HQ_ARRIVAL_SEG_MS / 1000.0) /* ...or this far ahead */

static int step_count(struct hq_queue *q, sqlite3_stmt *s, int *n)
{
	int rc = sqlite3_step(s);

	*n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

/* What one estimate reads, read once: the state of hq_queue_state estimates every service
 * with one of these. The per-service figures are read when first needed. */
struct est_counter {
	const struct hq_counter_cfg *cfg;
	int state;
	bool clerk;
	int64_t active_at;
	int64_t current_id;         /* the citizen at the window, 0 none */
	int64_t paused_at;          /* when its pause began, 0 none */
	int targeted[2];            /* sent to it by name and ahead of S: [1] priority, [0] normal */
	int cur_svc;                /* the citizen's service, -1 none */
	int64_t called_at;          /* and when they were called */
};

struct est_ctx {
	struct est_counter ctr[HQ_MAX_COUNTERS];
	int nctr;
	bool loaded;
	double turn_s[HQ_MAX_SERVICES];             /* mean turn; 0: not read yet */
	float samples[HQ_MAX_SERVICES][SAMPLES_MAX];
	int nsamples[HQ_MAX_SERVICES];
	bool seeded[HQ_MAX_SERVICES];               /* the target stands in for some turns */
	int waiting[2][HQ_MAX_SERVICES];            /* [prio]: waiting of that class or higher */
	signed char have_waiting[HQ_MAX_SERVICES];
	bool have_rates;
	double rate[HQ_MAX_SERVICES][HQ_ARRIVAL_SEGS]; /* arrivals per second (history.c) */
	double prio_share[HQ_MAX_SERVICES];
	int64_t origin;                             /* the ticket's place in the queue, 0 a new one */
	int prio;                                   /* and its class */
};

static struct est_ctx *est_new(struct hq_queue *q, int64_t origin, int prio)
{
	struct est_ctx *x = malloc(sizeof *x);

	if (!x) {
		hq__fail(q, HQ_ENOMEM, "out of memory for an estimate");
		return NULL;
	}
	x->nctr = 0;
	x->origin = origin;
	x->prio = prio;
	x->loaded = false;
	x->have_rates = false;
	memset(x->turn_s, 0, sizeof x->turn_s);
	memset(x->have_waiting, 0, sizeof x->have_waiting);
	return x;
}

/* The index of service key, looked for first among the counter's own: a hall of hundreds
 * of counters asks this for each of them. */
static int service_of(const struct hq_queue *q, const struct hq_counter_cfg *cc, const char *key)
{
	for (int j = 0; j < cc->nservices; j++)
		if (!strcmp(q->cfg->services[cc->services[j]].key, key))
			return cc->services[j];
	return hq_config_service_index(q->cfg, key);
}

/* The counters' rows as load_counters reads them, kept between estimates until this
 * connection may have written one (q->counters_written), another connection committed
 * anything (PRAGMA data_version) or the config changed: a hall of 200 counters would read
 * 200 rows and their citizens for every ticket issued. */
struct hq__est_counters {
	unsigned written;
	int64_t data_version;
	long long cfg_version;
	/* And the waiting of each service (waiting_of), until this connection may have
	 * changed a waiting ticket other than by issuing one (q->tickets_written): issues are
	 * counted in as they come (hq__estimate_issued). */
	unsigned tickets_written;
	signed char have[HQ_MAX_SERVICES];
	int waiting[2][HQ_MAX_SERVICES];
	int n;
	struct est_row {
		int number, state, cur_svc;
		bool clerk;
		int64_t active_at, current_id, paused_at, called_at;
	} row[HQ_MAX_COUNTERS];
};

static int counter_rows(struct hq_queue *q, struct hq__est_counters **out)
{
	struct hq__est_counters *k = q->est_counters;
	sqlite3_stmt *s = hq__stmt(q, SQL_DATA_VERSION);
	int64_t version;
	int rc;

	if ((rc = sqlite3_step(s)) != SQLITE_ROW)
		return hq__dberr(q, rc);
	version = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!k && !(k = q->est_counters = calloc(1, sizeof *k)))
		return hq__fail(q, HQ_ENOMEM, "out of memory for the counters");
	*out = k;
	if (k->tickets_written != q->tickets_written || k->data_version != version ||
	    k->cfg_version != q->cfg_version) {
		memset(k->have, 0, sizeof k->have);
		k->tickets_written = q->tickets_written;
	}
	if (k->n > 0 && k->written == q->counters_written && k->data_version == version &&
	    k->cfg_version == q->cfg_version)
		return HQ_OK;
	k->n = 0;
	s = hq__stmt(q, SQL_COUNTER_WORK);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && k->n < HQ_MAX_COUNTERS) {
		struct est_row *r = &k->row[k->n++];
		const struct hq_counter_cfg *cc;

		r->number = sqlite3_column_int(s, 0);
		r->state = sqlite3_column_int(s, 1);
		r->clerk = sqlite3_column_int(s, 2) != 0;
		r->active_at = sqlite3_column_int64(s, 3);
		r->current_id = sqlite3_column_int64(s, 4);
		r->paused_at = sqlite3_column_int64(s, 5);
		cc = hq_config_counter(q->cfg, r->number);
		r->cur_svc = sqlite3_column_type(s, 6) == SQLITE_NULL || !cc ? -1 :
			     service_of(q, cc, (const char *)sqlite3_column_text(s, 6));
		r->called_at = sqlite3_column_int64(s, 7);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		k->n = 0;
		return hq__dberr(q, rc);
	}
	k->written = q->counters_written;
	k->data_version = version;
	k->cfg_version = q->cfg_version;
	return HQ_OK;
}

static int load_counters(struct hq_queue *q, struct est_ctx *x)
{
	struct hq__est_counters *k = NULL;
	sqlite3_stmt *s;
	int rc;

	if ((rc = counter_rows(q, &k)))
		return rc;
	for (int i = 0; i < k->n; i++) {
		const struct est_row *r = &k->row[i];
		struct est_counter *c = &x->ctr[x->nctr];

		/* Rows come by number, as a config usually lists its counters. */
		c->cfg = (size_t)x->nctr < q->cfg->ncounters && q->cfg->counters[x->nctr].number == r->number ?
			 &q->cfg->counters[x->nctr] : hq_config_counter(q->cfg, r->number);
		if (!c->cfg)
			continue;
		c->state = r->state;
		c->clerk = r->clerk;
		c->active_at = r->active_at;
		c->current_id = r->current_id;
		c->paused_at = r->paused_at;
		c->cur_svc = r->cur_svc;
		c->called_at = r->called_at;
		c->targeted[0] = c->targeted[1] = 0;
		x->nctr++;
	}
	/* A ticket sent to a counter (a transfer) competes there by its place in the queue:
	 * ahead of anyone who came after it. */
	s = hq__stmt(q, SQL_TICKET_TARGETED_WAITING);
	sqlite3_bind_int64(s, 1, x->origin);
	sqlite3_bind_int(s, 2, x->prio);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int number = sqlite3_column_int(s, 0);

		for (int i = 0; i < x->nctr; i++)
			if (x->ctr[i].cfg->number == number)
				x->ctr[i].targeted[sqlite3_column_int(s, 1)] = sqlite3_column_int(s, 2);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	x->loaded = true;
	return HQ_OK;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* The turns of service i in seconds (x->samples), and their mean: those of this time of day
 * (history.c), or when there are fewer than estimate_samples of them the service's last
 * estimate_samples of the past week, with the target standing in for up to five. */
static int turn_of(struct hq_queue *q, struct est_ctx *x, int i, double *turn)
{
	const struct hq_service *sv = &q->cfg->services[i];
	const int want = q->cfg->estimate_samples < SAMPLES_MAX ? q->cfg->estimate_samples : SAMPLES_MAX;
	double sum = 0;
	int n, seed;

	if (x->turn_s[i] > 0) {
		*turn = x->turn_s[i];
		return HQ_OK;
	}
	if ((n = hq__turns_now(q, i, x->samples[i], want)) < 0)
		return n;
	/* A minute rather than 0 should a config ever allow a target of 0. */
	seed = want < SEED_SAMPLES ? want : SEED_SAMPLES;
	x->seeded[i] = n < seed;
	while (n < seed)
		x->samples[i][n++] = sv->target_minutes > 0 ? sv->target_minutes * 60.0f : 60.0f;
	for (int k = 0; k < n; k++)
		sum += x->samples[i][k];
	/* Sorted, so that the turns longer than a time are found by halving (draw_rest). */
	qsort(x->samples[i], (size_t)n, sizeof x->samples[i][0], cmp_float);
	x->nsamples[i] = n;
	*turn = x->turn_s[i] = sum / n;
	return HQ_OK;
}

/* People waiting for service i in class prio or higher, counted up to CALLS_MAX + 1. */
static int waiting_of(struct hq_queue *q, struct est_ctx *x, int i, int prio, int *n)
{
	sqlite3_stmt *s;
	int rc;

	struct hq__est_counters *k = q->est_counters; /* read by load_counters */

	if (!x->have_waiting[i] && k && k->have[i]) {
		x->waiting[0][i] = k->waiting[0][i];
		x->waiting[1][i] = k->waiting[1][i];
		x->have_waiting[i] = 1;
	}
	if (!x->have_waiting[i]) {
		s = hq__stmt(q, SQL_TICKET_WAITING_BOTH);
		hq__bind_text(s, 1, q->cfg->services[i].key);
		/* A run makes at most CALLS_MAX calls: a longer queue never empties in one. */
		sqlite3_bind_int(s, 2, WAITING_CAP);
		rc = sqlite3_step(s);
		x->waiting[0][i] = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
		x->waiting[1][i] = rc == SQLITE_ROW ? sqlite3_column_int(s, 1) : 0;
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return hq__dberr(q, rc);
		x->have_waiting[i] = 1;
		if (k) {
			k->waiting[0][i] = x->waiting[0][i];
			k->waiting[1][i] = x->waiting[1][i];
			k->have[i] = 1;
		}
	}
	*n = x->waiting[prio][i];
	return HQ_OK;
}

static bool serves(const struct hq_counter_cfg *cc, int service)
{
	for (int i = 0; i < cc->nservices; i++)
		if (cc->services[i] == service)
			return true;
	return false;
}

/* Is the counter at work? `loose`: any open counter is (nobody shows signs of work yet). */
static bool at_work(const struct hq_queue *q, const struct est_counter *c, bool loose)
{
	if (c->state == HQ_C_PAUSED)
		return q->now - c->paused_at < BREAK_MAX_MS;
	if (c->state != HQ_C_OPEN)
		return false;
	return loose || c->clerk || c->current_id || q->now - c->active_at < AT_WORK_MS;
}

/* When counter c is done with what it has now, by the mean turn: the rest of its citizen's
 * turn (at least half a turn) and of its break. For a ticket sent to it by name. */
static int rest_of(struct hq_queue *q, struct est_ctx *x, struct est_counter *c, double *rest)
{
	double f = 0, t;
	int rc;

	if (c->cur_svc >= 0) {
		if ((rc = turn_of(q, x, c->cur_svc, &t)))
			return rc;
		f = fmax(t - (double)(q->now - c->called_at) / 1000.0, t / 2);
	}
	if (c->state == HQ_C_PAUSED)
		f = fmax(f, (double)(c->paused_at + BREAK_MS - q->now) / 1000.0);
	*rest = f;
	return HQ_OK;
}

/* ---- the hall played forward ----------------------------------------------------------- */

/* splitmix64: small, fast, and the same on every C library, so an estimate is the same
 * figure wherever the same hall is asked. */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
}

struct sim_counter {
	struct est_counter *c;
	double free;                /* seconds from now; INFINITY: nothing more to call */
	int tg[2];                  /* sent to it by name and still waiting */
};

struct sim {
	struct est_ctx *x;
	int self, prio;             /* the ticket's service and class */
	struct sim_counter ctr[HQ_MAX_COUNTERS];
	int nctr;
	int queue0[HQ_MAX_SERVICES][2]; /* waiting now, by class; self's own class: those ahead */
	int queue[HQ_MAX_SERVICES][2];
	double arrive[HQ_MAX_SERVICES]; /* the next arrival, seconds from now */
	unsigned char arrivals[HQ_MAX_SERVICES]; /* 1: the service's arrivals are played */
	unsigned char drawn[HQ_MAX_SERVICES];    /* 1: arrive[] is drawn in this run */
	int heap[HQ_MAX_COUNTERS];  /* indexes into ctr, a min-heap on free: a hall of 200
				       counters makes thousands of calls a run */
	uint64_t rng;
};

static void heap_down(struct sim *m, int i)
{
	for (;;) {
		int l = 2 * i + 1, least = i, t;

		if (l < m->nctr && m->ctr[m->heap[l]].free < m->ctr[m->heap[least]].free)
			least = l;
		if (l + 1 < m->nctr && m->ctr[m->heap[l + 1]].free < m->ctr[m->heap[least]].free)
			least = l + 1;
		if (least == i)
			return;
		t = m->heap[i], m->heap[i] = m->heap[least], m->heap[least] = t;
		i = least;
	}
}

static double draw_turn(struct sim *m, int svc)
{
	return m->x->samples[svc][next_u64(&m->rng) % (uint64_t)m->x->nsamples[svc]];
}

/* The rest of a turn of svc that has taken `done` seconds: a turn drawn among the longer
 * ones, less what is done; when none is longer, half the mean (as rest_of). */
static double draw_rest(struct sim *m, int svc, double done)
{
	const float *v = m->x->samples[svc];
	int n = m->x->nsamples[svc], lo = 0, hi = n;

	/* The first longer than done, in the sorted samples. */
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (v[mid] > done)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == n)
		return fmax(m->x->turn_s[svc] - done, m->x->turn_s[svc] / 2);
	return v[lo + (int)(next_u64(&m->rng) % (uint64_t)(n - lo))] - done;
}

/* The next arrival that matters for service i after t seconds from now: rates by segment
 * of the forecast, thinned to the priority class for the ticket's own service (a normal
 * one lets only priority arrivals by). */
static double draw_arrival(struct sim *m, int i, double t)
{
	const double seg = HQ_ARRIVAL_SEG_MS / 1000.0;
	double share = i == m->self ? (m->prio ? 0 : m->x->prio_share[i]) : 1;

	for (int k = (int)(t / seg); k < HQ_ARRIVAL_SEGS; k++) {
		double r = m->x->rate[i][k] * share, end = (k + 1) * seg;

		if (t < k * seg)
			t = k * seg;
		if (r <= 0)
			continue;
		t += -log(uniform(&m->rng)) / r;
		if (t < end)
			return t;
	}
	return INFINITY;
}

/* Service i's arrivals up to t join its queue. They are drawn only when a counter looks at
 * the queue: in a big hall most queues never run dry in a run, and need none. */
static void catch_up(struct sim *m, int i, double t)
{
	if (!m->arrivals[i])
		return;
	if (!m->drawn[i]) {
		m->arrive[i] = draw_arrival(m, i, 0);
		m->drawn[i] = 1;
	}
	while (m->arrive[i] <= t) {
		m->queue[i][i == m->self ? 1 : uniform(&m->rng) < m->x->prio_share[i]]++;
		m->arrive[i] = draw_arrival(m, i, m->arrive[i]);
	}
}

/* When the next citizen comes for service i after t: INFINITY none. */
static double next_arrival(struct sim *m, int i, double t)
{
	if (!m->arrivals[i])
		return INFINITY;
	catch_up(m, i, t);
	return m->arrive[i];
}

/* What counter k calls at time t: the service of the ticket it takes, -1 none, -2 the
 * ticket estimated. As call next: the priority class first, the tickets sent to it by name
 * first within their class, then its services in order. */
static int pick(struct sim *m, struct sim_counter *k, double t)
{
	for (int j = 0; j < k->c->cfg->nservices; j++)
		catch_up(m, k->c->cfg->services[j], t);
	for (int cls = 1; cls >= 0; cls--) {
		if (cls < m->prio)
			break; /* a priority ticket is called before any normal one */
		if (k->tg[cls] > 0) {
			k->tg[cls]--;
			return m->self;
		}
		for (int j = 0; j < k->c->cfg->nservices; j++) {
			int p = k->c->cfg->services[j];

			if (m->queue[p][cls] > 0) {
				m->queue[p][cls]--;
				return p;
			}
			if (p == m->self && cls == m->prio)
				return -2;
		}
	}
	return -1;
}

/* One run: the ticket's wait in seconds. */
static double play(struct hq_queue *q, struct sim *m, int *calls_made)
{
	double t = 0;
	int i, calls, mine = 0;

	memcpy(m->queue, m->queue0, sizeof m->queue);
	memset(m->drawn, 0, sizeof m->drawn);
	for (i = 0; i < m->nctr; i++) {
		struct sim_counter *k = &m->ctr[i];
		struct est_counter *c = k->c;

		k->free = c->cur_svc >= 0 ? draw_rest(m, c->cur_svc, (double)(q->now - c->called_at) / 1000.0) : 0;
		if (c->state == HQ_C_PAUSED)
			k->free = fmax(k->free, (double)(c->paused_at + BREAK_MS - q->now) / 1000.0);
		k->tg[0] = m->prio ? 0 : c->targeted[0];
		k->tg[1] = c->targeted[1];
		m->heap[i] = i;
	}
	for (i = m->nctr / 2 - 1; i >= 0; i--)
		heap_down(m, i);
	for (calls = 0; calls < CALLS_MAX && m->nctr > 0; calls++) {
		/* The counter free first; ties go by the config's order, as the heap has it. */
		struct sim_counter *k = &m->ctr[m->heap[0]];
		int svc;

		if (!(k->free < HORIZON_S))
			break;
		t = k->free;
		svc = pick(m, k, t);
		if (svc == -2) {
			*calls_made = calls + 1;
			return t;
		}
		mine += svc == m->self;
		if (svc >= 0) {
			k->free = t + draw_turn(m, svc);
		} else {
			/* Nobody to call: it calls the next who comes for one of its services. */
			k->free = INFINITY;
			for (i = 0; i < k->c->cfg->nservices; i++)
				k->free = fmin(k->free, next_arrival(m, k->c->cfg->services[i], t));
		}
		heap_down(m, 0);
	}
	*calls_made = calls;
	/* A queue too long to play to its end: the rest at the pace S's queue went so far,
	 * from the next call on. */
	t = m->nctr > 0 ? m->ctr[m->heap[0]].free : INFINITY;
	if (mine > 0 && isfinite(t)) {
		int left = m->queue[m->self][1] + (m->prio ? 0 : m->queue[m->self][0]);

		return fmin(t + left * t / mine, 24 * 3600.0);
	}
	return HORIZON_S;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The wait of someone with `ahead` people before them in service sv, class prio, and its
 * 80% range (may be NULL). */
static int wait_behind(struct hq_queue *q, struct est_ctx *x, const struct hq_service *sv,
		       int prio, int ahead, int *wait_s, int *range)
{
	const int self = (int)(sv - q->cfg->services);
	bool linked[HQ_MAX_SERVICES] = {false}, grew = true, strict_s = false;
	bool in[HQ_MAX_COUNTERS] = {false}, played[HQ_MAX_COUNTERS] = {false};
	bool served[HQ_MAX_SERVICES] = {false};
	double waits[RUNS], w, turn;
	struct sim *m;
	int i, j, n, runs, calls, rc;

	if (!x->loaded && (rc = load_counters(q, x)))
		return rc;
	/* The counters at work; when none of S's is, S's open ones (the start of the day). */
	for (i = 0; i < x->nctr; i++)
		strict_s |= serves(x->ctr[i].cfg, self) && at_work(q, &x->ctr[i], false);
	for (i = 0; i < x->nctr; i++)
		in[i] = at_work(q, &x->ctr[i], false) ||
			(!strict_s && serves(x->ctr[i].cfg, self) && at_work(q, &x->ctr[i], true));
	/* Of those, the ones linked to S through the services they share: the rest of the
	 * hall does not touch S's queue. */
	linked[self] = true;
	while (grew) {
		grew = false;
		for (i = 0; i < x->nctr; i++) {
			const struct hq_counter_cfg *cc = x->ctr[i].cfg;
			bool any = false;

			if (!in[i] || played[i])
				continue;
			for (j = 0; j < cc->nservices && !any; j++)
				any = linked[cc->services[j]];
			if (!any)
				continue;
			played[i] = grew = true;
			for (j = 0; j < cc->nservices; j++)
				linked[cc->services[j]] = true;
		}
	}
	if (!(m = malloc(sizeof *m)))
		return hq__fail(q, HQ_ENOMEM, "out of memory for an estimate");
	m->x = x;
	m->self = self;
	m->prio = prio;
	m->nctr = 0;
	memset(m->arrivals, 0, sizeof m->arrivals);
	for (i = 0; i < x->nctr; i++) {
		struct est_counter *c = &x->ctr[i];

		if (!played[i])
			continue;
		if (c->cur_svc >= 0 && (rc = turn_of(q, x, c->cur_svc, &turn)))
			goto out;
		m->ctr[m->nctr++].c = c;
	}
	for (i = 0, n = 0; i < m->nctr; i++)
		n += serves(m->ctr[i].c->cfg, self);
	/* No counter of S open: nobody can say when it will be called (HQ_EST_NONE). */
	if (n == 0) {
		*wait_s = HQ_EST_NONE;
		if (range)
			range[0] = range[1] = HQ_EST_NONE;
		goto out;
	}
	if (!x->have_rates) {
		if ((rc = hq__arrival_rates(q, x->rate, x->prio_share)))
			goto out;
		x->have_rates = true;
	}
	for (i = 0; i < m->nctr; i++)
		for (j = 0; j < m->ctr[i].c->cfg->nservices; j++)
			served[m->ctr[i].c->cfg->services[j]] = true;
	for (i = 0; i < (int)q->cfg->nservices; i++) {
		int all, hi;

		if (!served[i])
			continue;
		m->arrivals[i] = linked[i];
		if ((rc = turn_of(q, x, i, &turn)))
			goto out;
		if (i == self) {
			/* Ahead of a normal ticket: the waiting priority ones, then the rest. */
			if ((rc = waiting_of(q, x, i, 1, &hi)))
				goto out;
			m->queue0[i][1] = prio ? ahead : hi;
			m->queue0[i][0] = prio ? 0 : ahead > hi ? ahead - hi : 0;
			continue;
		}
		if ((rc = waiting_of(q, x, i, 0, &all)) || (rc = waiting_of(q, x, i, 1, &hi)))
			goto out;
		m->queue0[i][1] = hi;
		m->queue0[i][0] = all - hi;
	}
	/* The same hall asked in the same minute gives the same figures: the kiosk's button
	 * and the ticket taken from it agree, and a wall display does not flicker. */
	m->rng = (uint64_t)(q->now / 60000) * 0x9e3779b97f4a7c15ULL ^
		 (uint64_t)(self * 1000003 + prio * 7919 + ahead);
	/* As many runs as CALLS_BUDGET allows, at least RUNS_MIN: a long queue spreads less
	 * in proportion, and an issue must stay cheap. */
	waits[0] = play(q, m, &calls);
	runs = CALLS_BUDGET / (calls + m->nctr + 1); /* a run also readies each counter */
	runs = runs > RUNS ? RUNS : runs < RUNS_MIN ? RUNS_MIN : runs;
	for (i = 1; i < runs; i++)
		waits[i] = play(q, m, &calls);
	qsort(waits, runs, sizeof waits[0], cmp_double);
	w = waits[(int)lround(POINT_Q * (runs - 1))];
	*wait_s = w > 0 ? (int)lround(w) : 0;
	/* Turns of the target alone, all alike, tell nothing of the spread: no range. */
	if (range && x->seeded[self]) {
		range[0] = range[1] = HQ_EST_NONE;
	} else if (range) {
		range[0] = (int)lround(waits[(int)lround(RANGE_LOW_Q * (runs - 1))]);
		range[1] = (int)lround(waits[(int)lround(RANGE_HIGH_Q * (runs - 1))]);
	}
out:
	free(m);
	return rc;
}

static int estimate_in(struct hq_queue *q, struct est_ctx *x, const struct hq_service *sv, int prio,
		       int *ahead, int *wait_s, int *range)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_COUNT_AHEAD);
	int rc;

	hq__bind_text(s, 1, sv->key);
	sqlite3_bind_int(s, 2, prio);
	if ((rc = step_count(q, s, ahead)))
		return rc;
	return wait_behind(q, x, sv, prio, *ahead, wait_s, range);
}

void hq__estimate_issued(struct hq_queue *q, const struct hq_service *sv, int prio, unsigned before)
{
	struct hq__est_counters *k = q->est_counters;
	int i = (int)(sv - q->cfg->services);

	if (!k || k->tickets_written != before)
		return;
	k->tickets_written = q->tickets_written;
	if (!k->have[i])
		return;
	/* Counted with the priority class first (TICKET_WAITING_BOTH): up to the cap. */
	if (prio && k->waiting[1][i] < WAITING_CAP)
		k->waiting[1][i]++;
	if (k->waiting[0][i] < WAITING_CAP)
		k->waiting[0][i]++;
}

int hq__estimate(struct hq_queue *q, const struct hq_service *sv, int prio, int *ahead, int *wait_s,
		 int *range)
{
	struct est_ctx *x = est_new(q, 0, 0);
	int rc;

	if (!x)
		return HQ_ENOMEM;
	rc = estimate_in(q, x, sv, prio, ahead, wait_s, range);
	free(x);
	return rc;
}

int hq__estimate_services(struct hq_queue *q, struct hq_service_state *ss)
{
	struct est_ctx *x = est_new(q, 0, 0);
	int ahead, rc = HQ_OK;
	size_t i;

	if (!x)
		return HQ_ENOMEM;
	for (i = 0; i < q->cfg->nservices && rc == HQ_OK; i++) {
		const struct hq_service *sv = &q->cfg->services[i];

		/* A priority lane's tickets are all priority: its buttons show that class's. */
		rc = estimate_in(q, x, sv, sv->priority_lane, &ahead, &ss[i].est_wait_s, ss[i].est_range_s);
		if (rc == HQ_OK && sv->priority_lane)
			ss[i].est_wait_priority_s = ss[i].est_wait_s;
		else if (rc == HQ_OK)
			rc = estimate_in(q, x, sv, 1, &ahead, &ss[i].est_wait_priority_s, NULL);
		ss[i].est_opens_at = ss[i].est_wait_s == HQ_EST_NONE ? hq_service_opens_later(sv, q->now) : 0;
	}
	free(x);
	return rc;
}

/*
 * A ticket sent to one counter by name (a transfer, an unpark) waits for that counter alone:
 * ahead of it are the counter's other such tickets and the waiting tickets of the services
 * it serves that came before it (or are of a higher class); its wait is the rest of what the
 * counter has now and then a turn each. A counter that is not open counts from a turn.
 */
static int position_at_counter(struct hq_queue *q, const struct hq_ticket *t, const struct hq_service *sv,
			       int *ahead, int *wait_s, int *range)
{
	const struct hq_counter_cfg *cc = hq_config_counter(q->cfg, t->target_counter);
	const int prio = t->cls != HQ_CLASS_NORMAL;
	const int64_t origin = hq__ticket_origin(q, t->id);
	struct est_ctx *x = est_new(q, origin, prio);
	double turn, rest = 0;
	sqlite3_stmt *s;
	int i, n, rc;

	if (!x)
		return HQ_ENOMEM;
	s = hq__stmt(q, SQL_TICKET_POSITION_TARGETED);
	sqlite3_bind_int(s, 1, t->target_counter);
	sqlite3_bind_int(s, 2, prio);
	sqlite3_bind_int64(s, 3, origin);
	if ((rc = step_count(q, s, ahead)))
		goto out;
	for (i = 0; cc && i < cc->nservices; i++) {
		s = hq__stmt(q, SQL_TICKET_POSITION);
		hq__bind_text(s, 1, q->cfg->services[cc->services[i]].key);
		sqlite3_bind_int(s, 2, prio);
		sqlite3_bind_int64(s, 3, origin);
		if ((rc = step_count(q, s, &n)))
			goto out;
		*ahead += n;
	}
	if ((rc = load_counters(q, x)) || (rc = turn_of(q, x, (int)(sv - q->cfg->services), &turn)))
		goto out;
	/* A counter closed or away: nobody can say when it calls (HQ_EST_NONE). */
	*wait_s = HQ_EST_NONE;
	for (i = 0; i < x->nctr; i++)
		if (x->ctr[i].cfg->number == t->target_counter && at_work(q, &x->ctr[i], true)) {
			if ((rc = rest_of(q, x, &x->ctr[i], &rest)))
				goto out;
			*wait_s = (int)lround(rest + *ahead * turn);
		}
	/* One counter's pace, no runs: no range. */
	if (range)
		range[0] = range[1] = HQ_EST_NONE;
out:
	free(x);
	return rc;
}

static int position_locked(struct hq_queue *q, int64_t id, int *ahead, int *wait_s, int *range)
{
	const struct hq_service *sv;
	struct est_ctx *x;
	int64_t origin;
	struct hq_ticket t;
	sqlite3_stmt *s;
	int rc;

	if ((rc = hq__load_ticket(q, id, &t)))
		return rc;
	if (t.state != HQ_T_WAITING)
		return hq__fail(q, HQ_ESTATE, "ticket %s is %s, not waiting", t.label, hq_tstate_name(t.state));
	if (!(sv = hq_config_service(q->cfg, t.service)))
		return hq__fail(q, HQ_ENOSERVICE, "ticket %s waits for service '%s', which the hall no "
				"longer has", t.label, t.service);
	if (t.target_counter)
		return position_at_counter(q, &t, sv, ahead, wait_s, range);
	/* Ahead: waiting in the same queue with a higher class, or the same class and an
	 * older place. Tickets sent to one counter are not in that queue. */
	s = hq__stmt(q, SQL_TICKET_POSITION);
	hq__bind_text(s, 1, t.service);
	sqlite3_bind_int(s, 2, t.cls != HQ_CLASS_NORMAL);
	sqlite3_bind_int64(s, 3, origin = hq__ticket_origin(q, id));
	if ((rc = step_count(q, s, ahead)))
		return rc;
	if (!(x = est_new(q, origin, t.cls != HQ_CLASS_NORMAL)))
		return HQ_ENOMEM;
	rc = wait_behind(q, x, sv, t.cls != HQ_CLASS_NORMAL, *ahead, wait_s, range);
	free(x);
	return rc;
}

int hq_queue_position_range(struct hq_queue *q, int64_t id, int *ahead, int *wait_s, int range[2])
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : position_locked(q, id, ahead, wait_s, range));
}

int hq_queue_position(struct hq_queue *q, int64_t id, int *ahead, int *wait_s)
{
	return hq_queue_position_range(q, id, ahead, wait_s, NULL);
}

int hq_queue_estimate_range(struct hq_queue *q, const char *service, enum hq_class cls, int *ahead,
			    int *wait_s, int range[2])
{
	const struct hq_service *sv;
	int rc;

	if ((unsigned)cls > HQ_CLASS_APPOINTMENT)
		return hq__fail(q, HQ_EINVAL, "ticket class %d is not normal, priority or appointment", cls);
	if ((rc = hq__begin(q, false)))
		return rc;
	sv = q->cfg ? hq_config_service(q->cfg, service ? service : "") : NULL;
	if (!sv)
		rc = hq__fail(q, HQ_ENOSERVICE, "no service '%s' in this hall", service ? service : "");
	else
		rc = hq__estimate(q, sv, cls != HQ_CLASS_NORMAL, ahead, wait_s, range);
	return hq__end(q, rc);
}

int hq_queue_estimate(struct hq_queue *q, const char *service, enum hq_class cls, int *ahead, int *wait_s)
{
	return hq_queue_estimate_range(q, service, cls, ahead, wait_s, NULL);
}
