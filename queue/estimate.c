/*
 * The estimated wait printed on a ticket, and where a waiting ticket stands: the rules use
 * it when issuing (queue.c), the live state for each service (stats.c).
 *
 * The estimated wait for a ticket taken now in service S is the time the counters need to
 * call everyone ahead of it, and then it:
 *
 *   ahead    the tickets of S called before it: for a priority ticket the waiting priority
 *            tickets, for a normal one all waiting tickets of S.
 *   turn(X)  how long a counter spends on one citizen of service X: the mean of the last
 *            `estimate_samples` turns of X in the past week. A ticket's turn runs from its
 *            call to its counter's next call (the walk to the window, the service, the rating,
 *            the clerk's short breaks), less the time the counter had nobody to call, and
 *            with no more than HQ_TURN_GAP_MAX_MS of a pause, before or after the citizen's
 *            end (lunch). A ticket parked and called again has no turn, and no turn runs
 *            over a counter's close or the day's end. Until there are five (or
 *            estimate_samples, if fewer), the service's target_minutes stands in.
 *   at work  the counters serving S that are open and show signs of work: a clerk signed in,
 *            a citizen at the window, or a call, an end of a ticket, an open or a resume in
 *            the last hour; and those paused less than half an hour ago (a break). A counter
 *            left open that nobody works does not count. When none of S's counters is at work
 *            (the start of the day) its open ones count; when none is open either, there is
 *            no estimate (HQ_EST_NONE): nobody knows when a counter will open.
 *   free(c)  when counter c can first call for S: after the rest of its citizen's turn (at
 *            least half a turn), after its break (15 minutes from the pause), and after its
 *            part of the people it calls before S: those waiting for the services it prefers
 *            to S and, for a normal ticket, the priority tickets of its other services (call
 *            next takes the class first). Each such queue is shared among the counters at
 *            work that call its service first (all that serve it, if none does). Tickets
 *            sent to c by name (transfers) that came before go first too, a turn of S each.
 *
 * From free(c) on, counter c calls for S once a turn: at free(c), free(c) + turn(S),
 * free(c) + 2 turn(S) and so on. The wait is the moment of the (ahead + 1)th of all the
 * counters' calls: with c counters free now, the first c people are called at once, the
 * next c one turn later, and so on. A waiting ticket sent to one counter by name (a
 * transfer, an unpark) waits for that counter alone: the rest of what it has now and a turn
 * for each ticket it calls first. tests/test_estimate.c checks each rule on a small hall and
 * measures the method's error on a simulated week.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SEED_SAMPLES 5
#define HISTORY_DAYS 7
#define MIN_MS (60 * 1000LL)
#define AT_WORK_MS (60 * MIN_MS)    /* an open counter with no sign of work this long is idle */
#define BREAK_MS (15 * MIN_MS)      /* a paused counter is expected back this long after */
#define BREAK_MAX_MS (30 * MIN_MS)  /* paused longer than this: away, not at work */
/* Queues a counter serves before S are counted up to this many a counter of the hall: even
 * shared among them all, more would keep each out of reach of S's queue for hours. */
#define QUEUE_COUNT_MAX 50

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
};

struct est_ctx {
	struct est_counter ctr[HQ_MAX_COUNTERS];
	int nctr;
	bool loaded;
	double turn_s[HQ_MAX_SERVICES];             /* 0: not read yet */
	int waiting[2][HQ_MAX_SERVICES];            /* [prio]: waiting of that class or higher */
	signed char have_waiting[2][HQ_MAX_SERVICES];
	int sharers[2][HQ_MAX_SERVICES];            /* [loose]: 0 not counted yet */
	int64_t origin;                             /* the ticket's place in the queue, 0 a new one */
	int prio;                                   /* and its class */
};

static void est_init(struct est_ctx *x, int64_t origin, int prio)
{
	x->nctr = 0;
	x->origin = origin;
	x->prio = prio;
	x->loaded = false;
	memset(x->turn_s, 0, sizeof x->turn_s);
	memset(x->have_waiting, 0, sizeof x->have_waiting);
	memset(x->sharers, 0, sizeof x->sharers);
}

static int load_counters(struct hq_queue *q, struct est_ctx *x)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_WORK);
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW && x->nctr < HQ_MAX_COUNTERS) {
		struct est_counter *c = &x->ctr[x->nctr];
		int number = sqlite3_column_int(s, 0);

		/* Rows come by number, as a config usually lists its counters. */
		c->cfg = (size_t)x->nctr < q->cfg->ncounters && q->cfg->counters[x->nctr].number == number ?
			 &q->cfg->counters[x->nctr] : hq_config_counter(q->cfg, number);
		if (!c->cfg)
			continue;
		c->state = sqlite3_column_int(s, 1);
		c->clerk = sqlite3_column_int(s, 2) != 0;
		c->active_at = sqlite3_column_int64(s, 3);
		c->current_id = sqlite3_column_int64(s, 4);
		c->paused_at = sqlite3_column_int64(s, 5);
		c->targeted[0] = c->targeted[1] = 0;
		x->nctr++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return hq__dberr(q, rc);
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

/* turn(i) in seconds, seeded with the target. */
static int turn_of(struct hq_queue *q, struct est_ctx *x, int i, double *turn)
{
	const struct hq_service *sv = &q->cfg->services[i];
	sqlite3_stmt *s;
	double sum = 0;
	int n = 0, seed, rc;

	if (x->turn_s[i] > 0) {
		*turn = x->turn_s[i];
		return HQ_OK;
	}
	s = hq__stmt(q, SQL_TICKET_RECENT_TURNS);
	hq__bind_text(s, 1, sv->key);
	sqlite3_bind_int64(s, 2, q->now - HISTORY_DAYS * 86400000LL);
	sqlite3_bind_int(s, 3, q->cfg->estimate_samples);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sum += sqlite3_column_int64(s, 0) / 1000.0;
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	/* Until there are SEED_SAMPLES (or estimate_samples, if fewer), the target stands in. */
	seed = q->cfg->estimate_samples < SEED_SAMPLES ? q->cfg->estimate_samples : SEED_SAMPLES;
	if (n < seed) {
		sum += (seed - n) * sv->target_minutes * 60.0;
		n = seed;
	}
	/* A minute rather than 0 should a config ever allow a target of 0. */
	*turn = x->turn_s[i] = sum > 0 && n > 0 ? sum / n : 60;
	return HQ_OK;
}

/* People waiting for service i in class prio or higher, counted up to QUEUE_COUNT_MAX a
 * counter. */
static int waiting_of(struct hq_queue *q, struct est_ctx *x, int i, int prio, int *n)
{
	sqlite3_stmt *s;
	int rc;

	if (!x->have_waiting[prio][i]) {
		s = hq__stmt(q, SQL_TICKET_WAITING_UPTO);
		hq__bind_text(s, 1, q->cfg->services[i].key);
		sqlite3_bind_int(s, 2, prio);
		sqlite3_bind_int(s, 3, QUEUE_COUNT_MAX * (x->nctr > 0 ? x->nctr : 1));
		if ((rc = step_count(q, s, &x->waiting[prio][i])))
			return rc;
		x->have_waiting[prio][i] = 1;
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

/* Among how many counters at work a queue of service p is shared: those that call it first,
 * or if none does, all that serve it. */
static int sharers(const struct hq_queue *q, struct est_ctx *x, int p, bool loose)
{
	int first = 0, any = 0;

	if (x->sharers[loose][p])
		return x->sharers[loose][p];
	for (int i = 0; i < x->nctr; i++) {
		const struct est_counter *c = &x->ctr[i];

		if (!at_work(q, c, loose) || !serves(c->cfg, p))
			continue;
		any++;
		first += c->cfg->services[0] == p;
	}
	return x->sharers[loose][p] = first ? first : any ? any : 1;
}

/* free(c) in seconds from now: see the top of this file. */
/* When counter c is done with what it has now: the rest of its citizen's turn (at least
 * half a turn) and of its break. */
static int rest_of(struct hq_queue *q, struct est_ctx *x, const struct est_counter *c, double *rest)
{
	double f = 0, t;
	int rc;

	if (c->current_id) {
		sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_AT_WINDOW);
		int cur = -1;
		int64_t called_at = 0;

		sqlite3_bind_int64(s, 1, c->current_id);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			cur = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 0));
			called_at = sqlite3_column_int64(s, 1);
		}
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return hq__dberr(q, rc);
		if (cur >= 0) {
			if ((rc = turn_of(q, x, cur, &t)))
				return rc;
			f = fmax(t - (double)(q->now - called_at) / 1000.0, t / 2);
		}
	}
	if (c->state == HQ_C_PAUSED)
		f = fmax(f, (double)(c->paused_at + BREAK_MS - q->now) / 1000.0);
	*rest = f;
	return HQ_OK;
}

static int free_at(struct hq_queue *q, struct est_ctx *x, const struct est_counter *c, int self,
		   int prio, bool loose, double *free_s)
{
	bool preferred = true;
	double f = 0, t;
	int i, n, rc;

	if ((rc = rest_of(q, x, c, &f)))
		return rc;
	for (i = 0; i < c->cfg->nservices; i++) {
		int p = c->cfg->services[i];

		if (p == self) {
			preferred = false;
			continue;
		}
		if (!preferred && prio)
			continue; /* a priority ticket goes before the other services' */
		if ((rc = waiting_of(q, x, p, preferred ? prio : 1, &n)))
			return rc;
		if (!n)
			continue;
		if ((rc = turn_of(q, x, p, &t)))
			return rc;
		f += n * t / sharers(q, x, p, loose);
	}
	/* The tickets sent to this counter by name (transfers) that came before: a turn each,
	 * of S's length as their services are not read. */
	if ((n = c->targeted[1] + (prio ? 0 : c->targeted[0]))) {
		if ((rc = turn_of(q, x, self, &t)))
			return rc;
		f += n * t;
	}
	*free_s = f;
	return HQ_OK;
}

/* Calls made by the counters free at free_s[0..n) by the time t (see the top of the file). */
static double calls_by(const double *free_s, int n, double turn, double t)
{
	double calls = 0;

	for (int i = 0; i < n && free_s[i] <= t; i++)
		calls += floor((t - free_s[i]) / turn) + 1;
	return calls;
}

/* The time of the need-th call: the earliest t with calls_by(t) >= need, found to the
 * second by halving and then set on the call it falls on. */
static double nth_call(const double *free_s, int n, double turn, int need)
{
	double lo = 0, hi = free_s[n - 1] + need * turn, at = 0;

	if (calls_by(free_s, n, turn, 0) >= need)
		return 0;
	while (hi - lo > 1) {
		double mid = (lo + hi) / 2;

		if (calls_by(free_s, n, turn, mid) >= need)
			hi = mid;
		else
			lo = mid;
	}
	for (int i = 0; i < n && free_s[i] <= hi; i++)
		at = fmax(at, free_s[i] + floor((hi - free_s[i]) / turn) * turn);
	return at;
}

/* The wait of someone with `ahead` people before them in service sv, class prio. */
static int wait_behind(struct hq_queue *q, struct est_ctx *x, const struct hq_service *sv,
		       int prio, int ahead, int *wait_s)
{
	const int self = (int)(sv - q->cfg->services);
	double free_s[HQ_MAX_COUNTERS], turn, w;
	int n = 0, pass, i, j, rc;

	if (!x->loaded && (rc = load_counters(q, x)))
		return rc;
	if ((rc = turn_of(q, x, self, &turn)))
		return rc;
	/* The counters at work; if none of S's is, its open ones (pass 1). */
	for (pass = 0; pass < 2 && n == 0; pass++) {
		for (i = 0; i < x->nctr; i++) {
			const struct est_counter *c = &x->ctr[i];
			double f = 0;

			if (!serves(c->cfg, self))
				continue;
			if (!at_work(q, c, pass == 1))
				continue;
			if ((rc = free_at(q, x, c, self, prio, pass == 1, &f)))
				return rc;
			/* Kept sorted by insertion: a service has a few counters. */
			for (j = n++; j > 0 && free_s[j - 1] > f; j--)
				free_s[j] = free_s[j - 1];
			free_s[j] = f;
		}
	}
	/* No counter of S open: nobody can say when it will be called (HQ_EST_NONE). */
	if (n == 0) {
		*wait_s = HQ_EST_NONE;
		return HQ_OK;
	}
	w = nth_call(free_s, n, turn, ahead + 1);
	*wait_s = w > 0 ? (int)lround(w) : 0;
	return HQ_OK;
}

static int estimate_in(struct hq_queue *q, struct est_ctx *x, const struct hq_service *sv, int prio,
		       int *ahead, int *wait_s)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_COUNT_AHEAD);
	int rc;

	hq__bind_text(s, 1, sv->key);
	sqlite3_bind_int(s, 2, prio);
	if ((rc = step_count(q, s, ahead)))
		return rc;
	return wait_behind(q, x, sv, prio, *ahead, wait_s);
}

int hq__estimate(struct hq_queue *q, const struct hq_service *sv, int prio, int *ahead, int *wait_s)
{
	struct est_ctx x;

	est_init(&x, 0, 0);
	return estimate_in(q, &x, sv, prio, ahead, wait_s);
}

int hq__estimate_services(struct hq_queue *q, struct hq_service_state *ss)
{
	struct est_ctx *x = malloc(sizeof *x);
	int ahead, rc = HQ_OK;
	size_t i;

	if (!x)
		return hq__fail(q, HQ_ENOMEM, "out of memory for the hall state");
	est_init(x, 0, 0);
	for (i = 0; i < q->cfg->nservices && rc == HQ_OK; i++) {
		const struct hq_service *sv = &q->cfg->services[i];

		/* A priority lane's tickets are all priority: its buttons show that class's. */
		rc = estimate_in(q, x, sv, sv->priority_lane, &ahead, &ss[i].est_wait_s);
		if (rc == HQ_OK && sv->priority_lane)
			ss[i].est_wait_priority_s = ss[i].est_wait_s;
		else if (rc == HQ_OK)
			rc = estimate_in(q, x, sv, 1, &ahead, &ss[i].est_wait_priority_s);
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
			       int *ahead, int *wait_s)
{
	const struct hq_counter_cfg *cc = hq_config_counter(q->cfg, t->target_counter);
	const int prio = t->cls != HQ_CLASS_NORMAL;
	const int64_t origin = hq__ticket_origin(q, t->id);
	struct est_ctx *x = malloc(sizeof *x);
	double turn, rest = 0;
	sqlite3_stmt *s;
	int i, n, rc;

	if (!x)
		return hq__fail(q, HQ_ENOMEM, "out of memory for an estimate");
	est_init(x, origin, prio);
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
out:
	free(x);
	return rc;
}

static int position_locked(struct hq_queue *q, int64_t id, int *ahead, int *wait_s)
{
	const struct hq_service *sv;
	struct est_ctx x;
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
		return position_at_counter(q, &t, sv, ahead, wait_s);
	/* Ahead: waiting in the same queue with a higher class, or the same class and an
	 * older place. Tickets sent to one counter are not in that queue. */
	s = hq__stmt(q, SQL_TICKET_POSITION);
	hq__bind_text(s, 1, t.service);
	sqlite3_bind_int(s, 2, t.cls != HQ_CLASS_NORMAL);
	sqlite3_bind_int64(s, 3, origin = hq__ticket_origin(q, id));
	if ((rc = step_count(q, s, ahead)))
		return rc;
	est_init(&x, origin, t.cls != HQ_CLASS_NORMAL);
	return wait_behind(q, &x, sv, t.cls != HQ_CLASS_NORMAL, *ahead, wait_s);
}

int hq_queue_position(struct hq_queue *q, int64_t id, int *ahead, int *wait_s)
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : position_locked(q, id, ahead, wait_s));
}

int hq_queue_estimate(struct hq_queue *q, const char *service, enum hq_class cls, int *ahead, int *wait_s)
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
		rc = hq__estimate(q, sv, cls != HQ_CLASS_NORMAL, ahead, wait_s);
	return hq__end(q, rc);
}
