/*
 * Randomized model test of the queue library. A seeded generator drives thousands of
 * operations (issue in every class, appointments, call next, call a number, recall, no-show,
 * start, finish, transfers, park/unpark, cancel, rating, counter states, the clock, group
 * commits some of which are rolled back, and one day roll-over, set off by hq_queue_rollover,
 * by an operation or by a read as the seed picks) on a hall with several services,
 * multi-service counters, a priority lane, priority_ratio and noshow_after_recalls. A small
 * in-memory model of docs/queue.md predicts every result: which ticket call-next must return,
 * which operations are refused and with which hq_err, which events each operation appends
 * (with their counter, value and detail). Invariants are checked as it goes and at the end:
 * labels unique per service and day, FIFO within service and class, no ticket held by two
 * counters, every ticket in exactly one final state after close-day, and statistics by
 * service and by counter equal to what the model and the event feed say. Each seed is
 * printed; HQ_SEED=n replays one, HQ_MODEL_OPS=n sets the length.
 *
 * Where docs/queue.md leaves a choice open, the model accepts each reasonable reading (listed
 * at "Readings" below) and, for the call order, keeps only the readings the library has been
 * consistent with so far, so a library that mixes two readings still fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define NSVC 5
#define NCTR 8
#define DAY_MS (24LL * 3600 * 1000)
#define LOG_LINES 40

static const char *hall_ini =
	"[hall]\n"
	"name = 模型大厅\n"
	"name_en = Model Hall\n"
	"sign_in = open\n"
	"languages = zh, en\n"
	"priority_ratio = 2\n"
	"noshow_after_recalls = 2\n"
	"checkin_early_minutes = 15\n"
	"checkin_late_minutes = 10\n"
	"slot_minutes = 30\n"
	/* A review stays as given: the model keeps one per ticket (test_review.c checks the
	 * changes within review_edit_minutes). */
	"review_edit_minutes = 0\n"
	"\n"
	"[service a]\nname = 企业开办\nprefix = A\nnumbers = 1-999\nhours = 08:00-18:00\n"
	"days = mon-sun\ntarget_minutes = 10\nmax_wait_minutes = 30\nappointments_per_slot = 2\n\n"
	"[service b]\nname = 不动产登记\nprefix = B\nnumbers = 1-999\nhours = 08:00-18:00\n"
	"days = mon-sun\ntarget_minutes = 20\nmax_wait_minutes = 20\n\n"
	"[service c]\nname = 公积金\nprefix = C\nnumbers = 1-99\ndaily_cap = 12\n"
	"hours = 08:00-18:00\ndays = mon-sun\ntarget_minutes = 5\nmax_wait_minutes = 15\n\n"
	"[service d]\nname = 社保\nprefix = D\nnumbers = 101-115\nhours = 08:00-18:00\n"
	"days = mon-sun\ntarget_minutes = 8\nmax_wait_minutes = 25\n\n"
	"[service g]\nname = 绿色通道\nprefix = G\nnumbers = 1-999\nhours = 08:00-18:00\n"
	"days = mon-sun\ntarget_minutes = 15\nmax_wait_minutes = 10\npriority_lane = yes\n\n"
	"[counter 1]\nservices = a\n\n"
	"[counter 2]\nservices = a, b\n\n"
	"[counter 3]\nservices = b, a\n\n"
	"[counter 4]\nservices = g, a, b\n\n"
	"[counter 5]\nservices = c, d\n\n"
	"[counter 6]\nservices = d, c, a\n\n"
	"[counter 7]\nservices = b\n\n"
	"[counter 8]\nservices = g, c\n";

/* The hall above, as the model knows it from the doc (not from the parsed config). */
static const char *const svc_key[NSVC] = { "a", "b", "c", "d", "g" };
static const char *const svc_prefix[NSVC] = { "A", "B", "C", "D", "G" };
static const int svc_first[NSVC] = { 1, 1, 1, 101, 1 };
static const int svc_last[NSVC] = { 999, 999, 99, 115, 999 };
static const int svc_cap[NSVC] = { 999, 999, 12, 15, 999 };
static const bool svc_lane[NSVC] = { false, false, false, false, true };
static const int svc_maxwait_min[NSVC] = { 30, 20, 15, 25, 10 };
static const int ctr_svcs[NCTR][4] = {
	{ 0, -1 }, { 0, 1, -1 }, { 1, 0, -1 }, { 4, 0, 1, -1 },
	{ 2, 3, -1 }, { 3, 2, 0, -1 }, { 1, -1 }, { 4, 2, -1 },
};
#define RATIO 2
#define NOSHOW_AFTER 2
#define EARLY_MIN 15
#define LATE_MIN 10
#define SLOT_MIN 30
#define PER_SLOT 2

/*
 * Readings of docs/queue.md that the text leaves open, as bits of a variant number; the
 * model predicts call-next under each and drops the ones the library contradicts.
 *   V_TGT_OLDEST  tickets waiting for a named counter: 0 = taken before the service queues
 *                 whenever one of the chosen class waits; 1 = they compete oldest-first with
 *                 the ticket the service order picks ("oldest first across both").
 *   V_CT          a call of a given number counts among "this counter's last N calls".
 *   V_DAY         the last-N-calls streak starts again each day.
 *   V_AGAIN       calling a ticket again after park/unpark counts as a call for the streak.
 */
enum { V_TGT_OLDEST = 1, V_CT = 2, V_DAY = 4, V_AGAIN = 8, NVAR = 16 };

struct mticket {
	int64_t id;
	int64_t parent;
	int64_t place;          /* issue time of the original ticket: the place in the queue */
	int64_t place_id;       /* id of the original ticket, to break ties */
	int svc;
	enum hq_class cls;
	enum hq_tstate state;
	int counter;            /* last counter that called it, 0 if none */
	int target;             /* counter it waits for, 0 any */
	int recalls;
	int day;
	int number;
	char label[HQ_LABEL_MAX];
	bool fresh;             /* a new number (issue or check-in), not a transfer */
	bool ever_called;
	bool day_closed;        /* cancelled by the roll-over */
	int rating;
	char clerk[HQ_CLERK_MAX]; /* who called it last */
	int64_t issued_at, queued_at, called_at, ended_at;
};

struct mcall {
	bool prio;
	bool via_next;
	bool again;
	int day;
};

struct mcounter {
	enum hq_cstate state;
	int64_t cur;
	int64_t last_done;
	char clerk[HQ_CLERK_MAX];
	struct mcall *calls;
	size_t ncalls, capcalls;
};

struct mbooking {
	int64_t id;
	char code[HQ_CODE_LEN + 1];
	int64_t slot;
	int day;
	bool used;
};

struct want {
	int n;
	int rc[12];
};

struct eexp {
	char type[24];
	int64_t ticket;         /* -1: any */
	int counter;            /* -1: any */
	bool optional;
	bool check_value;
	int value;
	char detail[HQ_NAME_MAX]; /* "" any */
	bool used;
};

struct model {
	unsigned long long seed;
	uint64_t rng;
	int nops;
	struct hq_queue *q;
	int64_t day0;           /* local midnight of day 0 */
	int day;
	int issued_today[NSVC];

	struct mticket *t;
	size_t nt, capt;
	int32_t *idx;           /* ticket id -> index in t, -1 if none */
	size_t nidx;
	int64_t max_id;

	struct mcounter c[NCTR];
	unsigned viable;        /* bit v set: reading v still consistent */

	struct mbooking *bk;
	size_t nbk, capbk;
	int booked_day[2], checked_day[2];

	struct hq_event *ev;
	size_t nev, capev;
	int64_t last_ev;
	struct eexp exp[8192];
	int nexp;
	int lenient_counter;    /* counter whose counter_* events may or may not appear */

	int opno;
	char log[LOG_LINES][200];
	int nlog;
	int rollovers;
	int stats_checks;
	int counts[32];         /* successful operations per kind, for the summary */
	int batch_left;         /* operations left in the open batch, 0 if none */
	bool batch_rollback;    /* the open batch will be rolled back */
	int batches, rollbacks;
	int by_ratio;           /* call-next took a normal ticket while priority ones waited */
	int by_target;          /* call-next took a ticket sent to that counter */
	int recall_noshows;     /* recalls past noshow_after_recalls */
	struct {                /* what the library answered where several answers were allowed */
		char what[24];
		char allowed[96];
		int rc, n;
	} open[64];
	int nopen;
};

static struct model M;
static bool seed_gate = true;   /* the fixed seeds must exercise every path */
static struct model SNAP;       /* the model when a batch that will be rolled back began */

/* ---- plumbing ------------------------------------------------------------------------- */

static uint64_t rnd(struct model *m)
{
	/* splitmix64: small, fast and good enough to drive a test */
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int rn(struct model *m, int n)
{
	return (int)(rnd(m) % (uint64_t)n);
}

static void logop(struct model *m, const char *fmt, ...)
{
	va_list ap;
	char *line = m->log[m->nlog % LOG_LINES];
	int n = snprintf(line, sizeof m->log[0], "#%d ", m->opno);

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof m->log[0] - (size_t)n, fmt, ap);
	va_end(ap);
	m->nlog++;
}

/* Print the recent operations and fail: what a replay needs besides the seed. */
static void die(struct model *m, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int i, from = m->nlog > LOG_LINES ? m->nlog - LOG_LINES : 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "model: seed %llu failed at op %d (replay: HQ_SEED=%llu); last operations:\n",
		m->seed, m->opno, m->seed);
	for (i = from; i < m->nlog; i++)
		fprintf(stderr, "  %s\n", m->log[i % LOG_LINES]);
	fail_msg("seed %llu op %d: %s", m->seed, m->opno, msg);
}

static const char *rcname(int rc)
{
	return hq_err_name(rc);
}

static void want_add(struct want *w, int rc)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->rc[i] == rc)
			return;
	assert_true(w->n < (int)(sizeof w->rc / sizeof w->rc[0]));
	w->rc[w->n++] = rc;
}

static bool want_has(const struct want *w, int rc)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->rc[i] == rc)
			return true;
	return false;
}

static void check_rc(struct model *m, const char *what, int rc, const struct want *w)
{
	char buf[512];
	int i, n = 0;

	for (i = 0; i < w->n; i++)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%s", i ? "|" : "",
			      w->rc[i] ? hq_err_code(w->rc[i]) : "ok");
	if (!want_has(w, rc))
		die(m, "%s returned %s (%s), expected %s", what, rcname(rc), hq_queue_errmsg(m->q), buf);
	/* Tally the library's choice where the model allowed several, for the summary. */
	if (w->n < 2 || (!strcmp(what, "call-next") && (rc == 0 || rc == HQ_EEMPTY)))
		return;
	for (i = 0; i < m->nopen; i++)
		if (!strcmp(m->open[i].what, what) && !strncmp(m->open[i].allowed, buf, 95) &&
		    m->open[i].rc == rc)
			break;
	if (i == m->nopen) {
		if (m->nopen == (int)(sizeof m->open / sizeof m->open[0]))
			return;
		snprintf(m->open[i].what, sizeof m->open[i].what, "%s", what);
		snprintf(m->open[i].allowed, sizeof m->open[i].allowed, "%.95s", buf);
		m->open[i].rc = rc;
		m->nopen++;
	}
	m->open[i].n++;
}

static int svc_index(const char *key)
{
	int i;

	for (i = 0; i < NSVC; i++)
		if (!strcmp(svc_key[i], key))
			return i;
	return -1;
}

static int64_t now_ms(void)
{
	return ts_clock_ms;
}

static int clock_day(const struct model *m)
{
	return (int)((ts_clock_ms - m->day0) / DAY_MS);
}

static int64_t day_start(const struct model *m, int day)
{
	return m->day0 + day * DAY_MS;
}

static void day_string(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static struct mticket *tk(struct model *m, int64_t id)
{
	if (id <= 0 || (size_t)id >= m->nidx || m->idx[id] < 0)
		return NULL;
	return &m->t[m->idx[id]];
}

static struct mticket *add_ticket(struct model *m, int64_t id)
{
	struct mticket *t;

	if (id <= 0 || id > 10000000)
		die(m, "ticket id %" PRId64 " is out of the range this test handles", id);
	if (tk(m, id))
		die(m, "ticket id %" PRId64 " was returned for a second new ticket", id);
	if ((size_t)id >= m->nidx) {
		size_t n = (size_t)id * 2 + 64, i;

		m->idx = realloc(m->idx, n * sizeof *m->idx);
		assert_non_null(m->idx);
		for (i = m->nidx; i < n; i++)
			m->idx[i] = -1;
		m->nidx = n;
	}
	if (m->nt == m->capt) {
		m->capt = m->capt ? m->capt * 2 : 1024;
		m->t = realloc(m->t, m->capt * sizeof *m->t);
		assert_non_null(m->t);
	}
	t = &m->t[m->nt];
	memset(t, 0, sizeof *t);
	t->id = id;
	m->idx[id] = (int32_t)m->nt++;
	if (id > m->max_id)
		m->max_id = id;
	return t;
}

static bool is_prio(enum hq_class c)
{
	return c == HQ_CLASS_PRIORITY || c == HQ_CLASS_APPOINTMENT;
}

static struct mcounter *ctr(struct model *m, int number)
{
	return number >= 1 && number <= NCTR ? &m->c[number - 1] : NULL;
}

static bool ctr_serves(int number, int svc)
{
	int i;

	for (i = 0; i < 4 && ctr_svcs[number - 1][i] >= 0; i++)
		if (ctr_svcs[number - 1][i] == svc)
			return true;
	return false;
}

/* ---- expected events ------------------------------------------------------------------ */

static void ev_expect(struct model *m, const char *type, int64_t ticket, int counter, bool optional)
{
	struct eexp *e;

	if (m->nexp >= (int)(sizeof m->exp / sizeof m->exp[0]))
		die(m, "too many expected events");
	e = &m->exp[m->nexp++];
	snprintf(e->type, sizeof e->type, "%s", type);
	e->ticket = ticket;
	e->counter = counter;
	e->optional = optional;
	e->check_value = false;
	e->value = 0;
	e->detail[0] = '\0';
	e->used = false;
}

/* The value and detail columns the doc's event table gives the last expected event. */
static void ev_value(struct model *m, int value)
{
	m->exp[m->nexp - 1].check_value = true;
	m->exp[m->nexp - 1].value = value;
}

static void ev_detail(struct model *m, const char *detail)
{
	char *d = m->exp[m->nexp - 1].detail;
	size_t n = strlen(detail);

	/* memmove: the clerk names it copies live in the same model struct */
	if (n >= sizeof m->exp[0].detail)
		n = sizeof m->exp[0].detail - 1;
	memmove(d, detail, n);
	d[n] = '\0';
}

static void ev_store(struct model *m, const struct hq_event *e)
{
	if (m->nev == m->capev) {
		m->capev = m->capev ? m->capev * 2 : 4096;
		m->ev = realloc(m->ev, m->capev * sizeof *m->ev);
		assert_non_null(m->ev);
	}
	m->ev[m->nev++] = *e;
}

/* Fetch the events the last operation appended and match them against the expectations. */
static void ev_check(struct model *m, const char *what)
{
	struct hq_event buf[64];
	int n, i, j;

	for (;;) {
		n = hq_queue_events(m->q, m->last_ev, buf, 64);
		if (n < 0)
			die(m, "hq_queue_events: %s", rcname(n));
		for (i = 0; i < n; i++) {
			struct hq_event *e = &buf[i];
			bool ok = false;

			if (e->id <= m->last_ev)
				die(m, "event id %" PRId64 " after %" PRId64 ": ids must grow", e->id,
				    m->last_ev);
			m->last_ev = e->id;
			ev_store(m, e);
			for (j = 0; j < m->nexp && !ok; j++) {
				struct eexp *x = &m->exp[j];

				if (x->used || strcmp(x->type, e->type))
					continue;
				if (x->ticket >= 0 && x->ticket != e->ticket_id)
					continue;
				if (x->counter >= 0 && x->counter != e->counter)
					continue;
				if ((x->check_value && x->value != e->value) ||
				    (x->detail[0] && strcmp(x->detail, e->detail)))
					continue;
				x->used = ok = true;
			}
			if (!ok && m->lenient_counter && e->counter == m->lenient_counter &&
			    e->ticket_id == 0 &&
			    (!strncmp(e->type, "counter_", 8) || !strncmp(e->type, "signed_", 7)))
				ok = true;
			if (!ok)
				die(m, "%s: unexpected event %s ticket %" PRId64 " counter %d (detail '%s')",
				    what, e->type, e->ticket_id, e->counter, e->detail);
		}
		if (n < 64)
			break;
	}
	for (j = 0; j < m->nexp; j++) {
		const struct eexp *x = &m->exp[j];

		if (!x->used && !x->optional)
			die(m, "%s: missing event %s ticket %" PRId64 " counter %d value %d (%s) detail '%s'",
			    what, x->type, x->ticket, x->counter, x->value,
			    x->check_value ? "checked" : "any",
			    x->detail);
	}
	m->nexp = 0;
	m->lenient_counter = 0;
}

/* ---- the model's transitions ---------------------------------------------------------- */

/* The library closes earlier days at the first operation of a new day; so does the model. */
static int model_rollover(struct model *m)
{
	size_t i;
	int closed = 0, d = clock_day(m);

	if (d == m->day)
		return 0;
	for (i = 0; i < m->nt; i++) {
		struct mticket *t = &m->t[i];

		if (t->day < d && !HQ_T_FINAL(t->state)) {
			t->state = HQ_T_CANCELLED;
			t->ended_at = now_ms();
			t->day_closed = true;
			ev_expect(m, "cancelled", t->id, -1, false);
			ev_detail(m, "day closed");
			closed++;
		}
	}
	for (i = 0; i < NCTR; i++) {
		m->c[i].cur = 0;
		/* The day's close signs every clerk out. */
		if (m->c[i].clerk[0]) {
			ev_expect(m, "signed_out", 0, (int)i + 1, false);
			ev_value(m, 2);
			ev_detail(m, m->c[i].clerk);
			m->c[i].clerk[0] = '\0';
		}
	}
	ev_expect(m, "day_closed", 0, -1, false);
	ev_value(m, closed);
	{
		char day[11];

		day_string(day_start(m, m->day), day, sizeof day);
		ev_detail(m, day);
	}
	m->day = d;
	memset(m->issued_today, 0, sizeof m->issued_today);
	m->rollovers++;
	return closed;
}

static void apply_finish(struct model *m, int c)
{
	struct mcounter *mc = ctr(m, c);
	struct mticket *t = tk(m, mc->cur);

	t->state = HQ_T_DONE;
	t->ended_at = now_ms();
	mc->last_done = t->id;
	mc->cur = 0;
	ev_expect(m, "finished", t->id, c, false);
	ev_detail(m, mc->clerk);
}

static void end_current(struct model *m, int c, enum hq_tstate st, const char *evtype)
{
	struct mcounter *mc = ctr(m, c);
	struct mticket *t = tk(m, mc->cur);

	t->state = st;
	t->ended_at = now_ms();
	mc->cur = 0;
	ev_expect(m, evtype, t->id, c, false);
}

static void push_call(struct mcounter *mc, const struct mcall *call)
{
	if (mc->ncalls == mc->capcalls) {
		mc->capcalls = mc->capcalls ? mc->capcalls * 2 : 64;
		mc->calls = realloc(mc->calls, mc->capcalls * sizeof *mc->calls);
		assert_non_null(mc->calls);
	}
	mc->calls[mc->ncalls++] = *call;
}

/* A ticket the library just called at counter c: check what it returned, then move it. */
static void apply_call(struct model *m, int c, struct mticket *t, const struct hq_ticket *out, bool via_next)
{
	struct mcounter *mc = ctr(m, c);
	struct mcall call = { is_prio(t->cls), via_next, t->ever_called, m->day };

	if (out->id != t->id || out->state != HQ_T_CALLED || out->counter != c)
		die(m, "call at %d returned ticket %" PRId64 " state %s counter %d, expected %" PRId64
		    " called at %d", c, out->id, hq_tstate_name(out->state), out->counter, t->id, c);
	if (strcmp(out->clerk, mc->clerk))
		die(m, "ticket %" PRId64 " called by clerk '%s', counter %d has '%s' signed in",
		    t->id, out->clerk, c, mc->clerk);
	if (!t->ever_called)
		t->called_at = now_ms();
	if (out->called_at != t->called_at)
		die(m, "ticket %" PRId64 " called_at %" PRId64 ", expected the first call %" PRId64,
		    t->id, out->called_at, t->called_at);
	/* Whether recalls start again after park/unpark is not written down: follow the library. */
	if (out->recalls != 0 && out->recalls != t->recalls)
		die(m, "ticket %" PRId64 " called with %d recalls, expected 0 or %d", t->id, out->recalls,
		    t->recalls);
	t->recalls = out->recalls;
	t->ever_called = true;
	t->state = HQ_T_CALLED;
	t->counter = c;
	snprintf(t->clerk, sizeof t->clerk, "%s", mc->clerk);
	t->target = 0;
	mc->cur = t->id;
	push_call(mc, &call);
	ev_expect(m, "called", t->id, c, false);
	ev_detail(m, mc->clerk);
}

/* Does reading v let counter c's last N calls make it take a normal ticket? */
static bool streak_full(const struct model *m, int c, unsigned v)
{
	const struct mcounter *mc = &m->c[c - 1];
	size_t i = mc->ncalls;
	int seen = 0;

	while (i > 0 && seen < RATIO) {
		const struct mcall *k = &mc->calls[--i];

		if (!k->via_next && !(v & V_CT))
			continue;
		if (k->again && !(v & V_AGAIN))
			continue;
		if (k->day != m->day && (v & V_DAY))
			break;
		if (!k->prio)
			return false;
		seen++;
	}
	return seen == RATIO;
}

static bool older(const struct mticket *a, const struct mticket *b)
{
	if (a->place != b->place)
		return a->place < b->place;
	return a->place_id < b->place_id;
}

/* The ticket call-next at c takes under one class choice and one reading of the targets. */
static int64_t pick(struct model *m, int c, bool want_prio, bool tgt_oldest)
{
	const struct mticket *tgt = NULL, *svc = NULL;
	int rank = 99;
	size_t i;

	for (i = 0; i < m->nt; i++) {
		const struct mticket *t = &m->t[i];
		int r;

		if (t->state != HQ_T_WAITING || is_prio(t->cls) != want_prio)
			continue;
		if (t->target == c) {
			if (!tgt || older(t, tgt))
				tgt = t;
			continue;
		}
		if (t->target != 0 || !ctr_serves(c, t->svc))
			continue;
		for (r = 0; ctr_svcs[c - 1][r] != t->svc; r++)
			;
		if (r < rank || (r == rank && older(t, svc))) {
			rank = r;
			svc = t;
		}
	}
	if (tgt && (!tgt_oldest || !svc || older(tgt, svc)))
		return tgt->id;
	return svc ? svc->id : 0;
}

/* Tickets call-next at counter c may return under each still viable reading (0 = none). */
static void predict_next(struct model *m, int c, int64_t pred[NVAR])
{
	int64_t p[2][2]; /* [prio][tgt_oldest] */
	unsigned v;
	int a, b;

	for (a = 0; a < 2; a++)
		for (b = 0; b < 2; b++)
			p[a][b] = pick(m, c, a, b);
	for (v = 0; v < NVAR; v++) {
		int o = (v & V_TGT_OLDEST) ? 1 : 0;

		pred[v] = -1;
		if (!(m->viable & (1u << v)))
			continue;
		if (p[1][o] && !(p[0][o] && streak_full(m, c, v)))
			pred[v] = p[1][o];
		else
			pred[v] = p[0][o];
	}
}

static void narrow(struct model *m, int c, const int64_t pred[NVAR], int64_t got)
{
	unsigned v, before = m->viable;
	char buf[512];
	int n = 0;

	for (v = 0; v < NVAR; v++)
		if ((m->viable & (1u << v)) && pred[v] != got)
			m->viable &= ~(1u << v);
	if (m->viable)
		return;
	/* Say which tickets the doc allowed, each with the readings that give it. */
	for (v = 0; v < NVAR; v++) {
		unsigned u;

		if (!(before & (1u << v)))
			continue;
		for (u = 0; u < v && !((before & (1u << u)) && pred[u] == pred[v]); u++)
			;
		if (u < v)
			continue;
		n += snprintf(buf + n, sizeof buf - (size_t)n, " %" PRId64 " (readings", pred[v]);
		for (u = v; u < NVAR; u++)
			if ((before & (1u << u)) && pred[u] == pred[v])
				n += snprintf(buf + n, sizeof buf - (size_t)n, " %u", u);
		n += snprintf(buf + n, sizeof buf - (size_t)n, ")");
	}
	die(m, "call-next at counter %d returned %" PRId64 " (0 = nobody); the doc's rules give%s",
	    c, got, buf);
}

/* ---- operations ----------------------------------------------------------------------- */

static void label_of(int svc, int number, char *buf, size_t len)
{
	char w[16];

	/* The width of the range's last number, at least three digits: C001 for 1-99. */
	snprintf(w, sizeof w, "%d", svc_last[svc]);
	snprintf(buf, len, "%s%0*d", svc_prefix[svc], strlen(w) < 3 ? 3 : (int)strlen(w), number);
}

/* A new number (issue or check-in) as the library returned it: check it and add it. */
static void add_fresh(struct model *m, int svc, enum hq_class cls, const struct hq_ticket *out)
{
	struct mticket *t;
	char label[HQ_LABEL_MAX], day[11];
	int number = svc_first[svc] + m->issued_today[svc];
	size_t i;

	label_of(svc, number, label, sizeof label);
	day_string(now_ms(), day, sizeof day);
	if (out->number != number || strcmp(out->label, label))
		die(m, "new ticket of %s is %s (number %d), expected %s (%d)", svc_key[svc], out->label,
		    out->number, label, number);
	if (strcmp(out->service, svc_key[svc]) || out->cls != cls || out->state != HQ_T_WAITING ||
	    out->counter != 0 || out->target_counter != 0 || out->parent_id != 0)
		die(m, "new ticket %s: service %s class %s state %s counter %d target %d parent %" PRId64,
		    out->label, out->service, hq_class_name(out->cls), hq_tstate_name(out->state),
		    out->counter, out->target_counter, out->parent_id);
	if (out->issued_at != now_ms() || out->queued_at != now_ms() || strcmp(out->day, day))
		die(m, "new ticket %s: issued_at %" PRId64 " queued_at %" PRId64 " day %s, expected %" PRId64
		    " and %s", out->label, out->issued_at, out->queued_at, out->day, now_ms(), day);
	/* Labels are unique per service and day among new numbers. */
	for (i = 0; i < m->nt; i++)
		if (m->t[i].fresh && m->t[i].day == m->day && m->t[i].svc == svc &&
		    !strcmp(m->t[i].label, label))
			die(m, "label %s issued twice today (tickets %" PRId64 " and %" PRId64 ")", label,
			    m->t[i].id, out->id);
	t = add_ticket(m, out->id);
	t->place = now_ms();
	t->place_id = out->id;
	t->svc = svc;
	t->cls = cls;
	t->state = HQ_T_WAITING;
	t->day = m->day;
	t->number = number;
	snprintf(t->label, sizeof t->label, "%s", label);
	t->fresh = true;
	t->issued_at = t->queued_at = now_ms();
	m->issued_today[svc]++;
}

static void step(struct model *m);

static void op_issue(struct model *m, int force_svc)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int r = rn(m, 100), svc, rc;
	enum hq_class cls = r < 68 ? HQ_CLASS_NORMAL : r < 95 ? HQ_CLASS_PRIORITY : HQ_CLASS_APPOINTMENT;
	const char *key;

	r = rn(m, 100);
	svc = force_svc >= 0 ? force_svc : r < 2 ? -1 : r < 40 ? 0 : r < 68 ? 1 : r < 76 ? 2 : r < 84 ? 3 : 4;
	if (force_svc >= 0)
		cls = HQ_CLASS_NORMAL;
	key = svc < 0 ? "zz" : svc_key[svc];
	logop(m, "issue %s %s", key, hq_class_name(cls));
	model_rollover(m);
	if (svc < 0) {
		want_add(&w, HQ_ENOSERVICE);
	} else if (m->issued_today[svc] >= svc_cap[svc]) {
		want_add(&w, HQ_ECAP);
		/* d's cap is its whole range: either reason is the doc's. */
		if (svc_cap[svc] == svc_last[svc] - svc_first[svc] + 1)
			want_add(&w, HQ_EEXHAUSTED);
	} else {
		want_add(&w, 0);
	}
	/* Appointment class is meant to come from check-in; refusing it from issue is fair. */
	if (cls == HQ_CLASS_APPOINTMENT)
		want_add(&w, HQ_EINVAL);
	rc = hq_queue_issue(m->q, key, cls, &out);
	check_rc(m, "issue", rc, &w);
	if (rc == 0) {
		enum hq_class got = cls;

		/* A priority lane makes every ticket priority (an appointment may stay one). */
		if (svc_lane[svc] && !(cls == HQ_CLASS_APPOINTMENT && out.cls == HQ_CLASS_APPOINTMENT))
			got = HQ_CLASS_PRIORITY;
		add_fresh(m, svc, got, &out);
		ev_expect(m, "issued", out.id, -1, false);
		ev_detail(m, hq_class_name(got));
		m->counts[0]++;
	}
	ev_check(m, "issue");
}

/* FIFO within class and service: call-next never passes over an older ticket of the same
 * service and class that waits for any counter, whatever reading of the doc holds. */
static void check_fifo(struct model *m, const struct mticket *got)
{
	size_t i;

	if (!got)
		die(m, "call-next returned a ticket the model does not know");
	if (got->target)
		return;
	for (i = 0; i < m->nt; i++) {
		const struct mticket *t = &m->t[i];

		if (t->state == HQ_T_WAITING && !t->target && t->svc == got->svc &&
		    is_prio(t->cls) == is_prio(got->cls) && older(t, got))
			die(m, "call-next took %s (ticket %" PRId64 ") before the older %s (ticket %" PRId64
			    ") of the same service and class", got->label, got->id, t->label, t->id);
	}
}

static void op_call_next(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int c = rn(m, 50) ? rn(m, NCTR) + 1 : NCTR + 1, rc;
	struct mcounter *mc = ctr(m, c);
	int64_t pred[NVAR], cur;
	unsigned v;

	logop(m, "call-next %d", c);
	model_rollover(m);
	if (!mc) {
		want_add(&w, HQ_ENOCOUNTER);
	} else if (mc->state == HQ_C_PAUSED) {
		want_add(&w, HQ_EPAUSED);
	} else if (mc->state == HQ_C_CLOSED) {
		want_add(&w, HQ_ECTRCLOSED);
	} else {
		predict_next(m, c, pred);
		for (v = 0; v < NVAR; v++)
			if (pred[v] >= 0)
				want_add(&w, pred[v] ? 0 : HQ_EEMPTY);
	}
	rc = hq_queue_call_next(m->q, c, &out);
	check_rc(m, "call-next", rc, &w);
	if (rc == 0) {
		narrow(m, c, pred, out.id);
		check_fifo(m, tk(m, out.id));
		m->by_ratio += !is_prio(tk(m, out.id)->cls) && pick(m, c, true, true);
		m->by_target += tk(m, out.id)->target == c;
		if (mc->cur)
			apply_finish(m, c);
		apply_call(m, c, tk(m, out.id), &out, true);
		m->counts[1]++;
	} else if (rc == HQ_EEMPTY) {
		narrow(m, c, pred, 0);
		/* When nobody waits nothing changes: the current ticket stays (the doc). */
		cur = mc->cur;
		if (cur) {
			struct hq_ticket x;

			if (hq_queue_ticket(m->q, cur, &x) != 0 || x.state != tk(m, cur)->state)
				die(m, "call-next at %d with nobody waiting changed its ticket %" PRId64
				    " to %s", c, cur, hq_tstate_name(x.state));
		}
	}
	ev_check(m, "call-next");
}

/* A ticket id for the by-number operations: mostly one in a useful state, sometimes not. */
static int64_t pick_ticket(struct model *m, int pref_a, int pref_b)
{
	int r = rn(m, 100);
	size_t i, n = 0, k;

	if (r < 5)
		return m->max_id + 1 + rn(m, 1000);
	if (r < 25 || m->nt == 0)
		return m->nt ? m->t[rn(m, (int)m->nt)].id : 1;
	for (i = 0; i < m->nt; i++)
		if ((int)m->t[i].state == pref_a || (int)m->t[i].state == pref_b)
			n++;
	if (!n)
		return m->t[rn(m, (int)m->nt)].id;
	k = (size_t)rn(m, (int)n);
	for (i = 0; i < m->nt; i++)
		if (((int)m->t[i].state == pref_a || (int)m->t[i].state == pref_b) && k-- == 0)
			return m->t[i].id;
	return 1;
}

static void op_call_ticket(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int c = rn(m, 50) ? rn(m, NCTR) + 1 : NCTR + 1, rc;
	struct mcounter *mc = ctr(m, c);
	int64_t id;
	struct mticket *t;

	model_rollover(m);
	id = pick_ticket(m, HQ_T_WAITING, HQ_T_PARKED);
	t = tk(m, id);
	logop(m, "call-ticket %d %" PRId64, c, id);
	if (!mc)
		want_add(&w, HQ_ENOCOUNTER);
	else if (mc->state == HQ_C_PAUSED)
		want_add(&w, HQ_EPAUSED);
	else if (mc->state == HQ_C_CLOSED)
		want_add(&w, HQ_ECTRCLOSED);
	if (!t)
		want_add(&w, HQ_ENOTICKET);
	else if (t->state != HQ_T_WAITING && t->state != HQ_T_PARKED)
		want_add(&w, HQ_ESTATE);
	if (!w.n)
		want_add(&w, 0);
	rc = hq_queue_call_ticket(m->q, c, id, &out);
	check_rc(m, "call-ticket", rc, &w);
	if (rc == 0) {
		if (mc->cur)
			apply_finish(m, c);
		apply_call(m, c, t, &out, false);
		m->counts[2]++;
	}
	ev_check(m, "call-ticket");
}

enum curop { CUR_RECALL, CUR_NOSHOW, CUR_START, CUR_FINISH, CUR_TSVC, CUR_TCTR, CUR_PARK };
static const char *const curop_name[] = {
	"recall", "no-show", "start", "finish", "transfer-service", "transfer-counter", "park",
};

/* A counter for an operation on its ticket: mostly one that has a ticket, so that chains
 * like a third recall happen; sometimes any, or one that does not exist. */
static int pick_busy_counter(struct model *m)
{
	int busy[NCTR], n = 0, i;

	for (i = 0; i < NCTR; i++)
		if (m->c[i].cur)
			busy[n++] = i + 1;
	if (n && rn(m, 10) < 7)
		return busy[rn(m, n)];
	return rn(m, 50) ? rn(m, NCTR) + 1 : NCTR + 1;
}

/* The operations on a counter's current ticket share their refusals. */
static void op_current(struct model *m, enum curop op)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int c = pick_busy_counter(m), rc = 0, to = 0, tsvc = 0, i, most = -1;
	struct mcounter *mc = ctr(m, c);
	struct mticket *t;
	const char *name = curop_name[op];
	char arg[32] = "";

	model_rollover(m);
	/* Half the recalls go to the most recalled ticket: chains up to the no-show. */
	if (op == CUR_RECALL && rn(m, 2)) {
		for (i = 0; i < NCTR; i++) {
			const struct mticket *x = tk(m, m->c[i].cur);

			if (x && x->state == HQ_T_CALLED && x->recalls > most) {
				most = x->recalls;
				c = i + 1;
			}
		}
		mc = ctr(m, c);
	}
	if (op == CUR_TSVC) {
		tsvc = rn(m, 30) ? rn(m, NSVC) : -1;
		snprintf(arg, sizeof arg, " %s", tsvc < 0 ? "zz" : svc_key[tsvc]);
	} else if (op == CUR_TCTR) {
		to = rn(m, 30) ? rn(m, NCTR) + 1 : NCTR + 7;
		if (to == c)
			to = to % NCTR + 1;
		snprintf(arg, sizeof arg, " %d", to);
	}
	logop(m, "%s %d%s", name, c, arg);
	t = mc ? tk(m, mc->cur) : NULL;
	if (!mc)
		want_add(&w, HQ_ENOCOUNTER);
	if (op == CUR_TSVC && tsvc < 0)
		want_add(&w, HQ_ENOSERVICE);
	if (op == CUR_TCTR && to > NCTR)
		want_add(&w, HQ_ENOCOUNTER);
	if (mc && !t) {
		want_add(&w, HQ_EIDLE);
		if (mc->state == HQ_C_CLOSED)
			want_add(&w, HQ_ECTRCLOSED);
	}
	if (!w.n) {
		/* Recall and no-show are for a called ticket (doc: "current (called) ticket", and
		 * the diagram); transfer and park work from called or serving; finish from both;
		 * starting twice the doc leaves open: refused or a no-op. */
		bool serving = t->state == HQ_T_SERVING;

		if (serving && (op == CUR_RECALL || op == CUR_NOSHOW || op == CUR_START))
			want_add(&w, HQ_ESTATE);
		if (!serving || (op != CUR_RECALL && op != CUR_NOSHOW))
			want_add(&w, 0);
		if (op == CUR_TCTR && ctr(m, to)->state == HQ_C_CLOSED)
			want_add(&w, HQ_ECTRCLOSED);
		/* A transfer to the service the ticket is in: the doc neither allows nor forbids. */
		if (op == CUR_TSVC && tsvc == t->svc)
			want_add(&w, HQ_EINVAL);
	}
	/* A paused counter may finish its ticket; for the rest the doc only says "no new calls". */
	if (mc && mc->state == HQ_C_PAUSED && op != CUR_FINISH)
		want_add(&w, HQ_EPAUSED);
	switch (op) {
	case CUR_RECALL: rc = hq_queue_recall(m->q, c, &out); break;
	case CUR_NOSHOW: rc = hq_queue_noshow(m->q, c, &out); break;
	case CUR_START: rc = hq_queue_start(m->q, c, &out); break;
	case CUR_FINISH: rc = hq_queue_finish(m->q, c, &out); break;
	case CUR_TSVC: rc = hq_queue_transfer_service(m->q, c, tsvc < 0 ? "zz" : svc_key[tsvc], &out); break;
	case CUR_TCTR: rc = hq_queue_transfer_counter(m->q, c, to, &out); break;
	case CUR_PARK: rc = hq_queue_park(m->q, c, &out); break;
	}
	check_rc(m, name, rc, &w);
	if (rc != 0) {
		ev_check(m, name);
		return;
	}
	m->counts[3 + op]++;
	switch (op) {
	case CUR_RECALL:
		if (t->recalls >= NOSHOW_AFTER) {
			if (out.state != HQ_T_NOSHOW || out.id != t->id)
				die(m, "recall after %d recalls returned %s, expected no-show", t->recalls,
				    hq_tstate_name(out.state));
			end_current(m, c, HQ_T_NOSHOW, "noshow");
			ev_detail(m, mc->clerk);
			ev_expect(m, "recalled", t->id, c, true);
			m->recall_noshows++;
		} else {
			t->recalls++;
			if (out.state != HQ_T_CALLED || out.recalls != t->recalls)
				die(m, "recall returned %s with %d recalls, expected called with %d",
				    hq_tstate_name(out.state), out.recalls, t->recalls);
			ev_expect(m, "recalled", t->id, c, false);
			ev_value(m, t->recalls);
			ev_detail(m, mc->clerk);
		}
		break;
	case CUR_NOSHOW:
		end_current(m, c, HQ_T_NOSHOW, "noshow");
		ev_detail(m, mc->clerk);
		break;
	case CUR_START:
		if (out.state != HQ_T_SERVING)
			die(m, "start returned %s", hq_tstate_name(out.state));
		ev_expect(m, "started", t->id, c, t->state == HQ_T_SERVING);
		ev_detail(m, mc->clerk);
		t->state = HQ_T_SERVING;
		break;
	case CUR_FINISH:
		if (out.state != HQ_T_DONE || out.id != t->id)
			die(m, "finish returned %s", hq_tstate_name(out.state));
		apply_finish(m, c);
		break;
	case CUR_TSVC:
	case CUR_TCTR: {
		struct mticket *n;
		int nsvc = op == CUR_TSVC ? tsvc : t->svc;
		enum hq_class ncls = t->cls;

		/* The new ticket keeps its class; a priority lane may make it priority. */
		if (svc_lane[nsvc] && out.cls == HQ_CLASS_PRIORITY)
			ncls = HQ_CLASS_PRIORITY;
		if (out.id == t->id || out.parent_id != t->id || strcmp(out.label, t->label) ||
		    out.number != t->number || strcmp(out.service, svc_key[nsvc]) || out.cls != ncls ||
		    out.state != HQ_T_WAITING || out.target_counter != (op == CUR_TCTR ? to : 0) ||
		    out.queued_at != now_ms())
			die(m, "%s of %" PRId64 " %s returned ticket %" PRId64 " parent %" PRId64
			    " %s %s %s %s"
			    " target %d queued %" PRId64, name, t->id, t->label, out.id, out.parent_id,
			    out.label, out.service, hq_class_name(out.cls), hq_tstate_name(out.state),
			    out.target_counter, out.queued_at);
		if (out.issued_at != t->issued_at && out.issued_at != now_ms())
			die(m, "transferred ticket issued_at %" PRId64, out.issued_at);
		end_current(m, c, HQ_T_TRANSFERRED, "transferred");
		ev_value(m, op == CUR_TCTR ? to : 0);
		ev_detail(m, svc_key[nsvc]);
		n = add_ticket(m, out.id);
		t = tk(m, out.parent_id); /* add_ticket may have moved the array */
		n->parent = t->id;
		n->place = t->place;
		n->place_id = t->place_id;
		n->svc = nsvc;
		n->cls = ncls;
		n->state = HQ_T_WAITING;
		n->target = op == CUR_TCTR ? to : 0;
		n->day = t->day;
		n->number = t->number;
		snprintf(n->label, sizeof n->label, "%s", t->label);
		n->issued_at = t->issued_at;
		n->queued_at = now_ms();
		ev_expect(m, "requeued", n->id, n->target, false);
		ev_detail(m, "transfer");
		break;
	}
	case CUR_PARK:
		if (out.state != HQ_T_PARKED || out.id != t->id)
			die(m, "park returned %s", hq_tstate_name(out.state));
		t->state = HQ_T_PARKED;
		mc->cur = 0;
		ev_expect(m, "parked", t->id, c, false);
		ev_detail(m, mc->clerk);
		break;
	}
	ev_check(m, name);
}

static void op_unpark(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int64_t id;
	struct mticket *t;
	int rc;

	model_rollover(m);
	id = pick_ticket(m, HQ_T_PARKED, HQ_T_PARKED);
	t = tk(m, id);
	logop(m, "unpark %" PRId64, id);
	want_add(&w, !t ? HQ_ENOTICKET : t->state != HQ_T_PARKED ? HQ_ESTATE : 0);
	rc = hq_queue_unpark(m->q, id, &out);
	check_rc(m, "unpark", rc, &w);
	if (rc == 0) {
		if (out.id != id || out.state != HQ_T_WAITING || out.target_counter != t->counter)
			die(m, "unpark of %" PRId64 " returned %" PRId64 " %s target %d, expected the same"
			    " ticket waiting for counter %d", id, out.id, hq_tstate_name(out.state),
			    out.target_counter, t->counter);
		t->state = HQ_T_WAITING;
		t->target = t->counter;
		ev_expect(m, "requeued", id, t->target, false);
		ev_detail(m, "unpark");
		m->counts[10]++;
	}
	ev_check(m, "unpark");
}

static void op_cancel(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int64_t id;
	struct mticket *t;
	int rc;

	model_rollover(m);
	id = pick_ticket(m, HQ_T_WAITING, HQ_T_PARKED);
	t = tk(m, id);
	logop(m, "cancel %" PRId64, id);
	want_add(&w, !t ? HQ_ENOTICKET :
		     (t->state != HQ_T_WAITING && t->state != HQ_T_PARKED) ? HQ_ESTATE : 0);
	rc = hq_queue_cancel(m->q, id, "left", &out);
	check_rc(m, "cancel", rc, &w);
	if (rc == 0) {
		if (out.id != id || out.state != HQ_T_CANCELLED)
			die(m, "cancel returned %s", hq_tstate_name(out.state));
		t->state = HQ_T_CANCELLED;
		t->ended_at = now_ms();
		ev_expect(m, "cancelled", id, -1, false);
		ev_detail(m, "left");
		m->counts[11]++;
	}
	ev_check(m, "cancel");
}

/* A rating is a review at levels 1 (非常不满意) to 5 (非常满意) from the API; one a ticket
 * here (review_edit_minutes = 0). The counter's last ticket only within 120 s of its finish. */
static void rate_want(struct want *w, const struct mticket *t, int score, bool last)
{
	if (score < 1 || score > 5)
		want_add(w, HQ_EINVAL);
	if (t && t->state != HQ_T_DONE)
		want_add(w, HQ_ESTATE);
	if (t && last && now_ms() - t->ended_at > 120000)
		want_add(w, HQ_ESTATE);
	if (t && t->rating)
		want_add(w, HQ_ERATED);
	if (!w->n)
		want_add(w, 0);
}

/* The review's event; a bad one (1 or 2) opens a case for the ticket too. */
static void apply_rate(struct model *m, struct mticket *t, int score, const struct hq_ticket *out)
{
	if (out->id != t->id || out->rating != score)
		die(m, "rate returned ticket %" PRId64 " rating %d", out->id, out->rating);
	t->rating = score;
	ev_expect(m, "reviewed", t->id, t->counter, false);
	ev_value(m, score);
	ev_detail(m, "api");
	if (score <= 2)
		ev_expect(m, "case_opened", t->id, t->counter, false);
}

static void op_rate(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int score = rn(m, 20) ? rn(m, 5) + 1 : rn(m, 2) * 6, rc;
	int64_t id;
	struct mticket *t;

	model_rollover(m);
	id = pick_ticket(m, HQ_T_DONE, HQ_T_DONE);
	t = tk(m, id);
	logop(m, "rate %" PRId64 " %d", id, score);
	if (!t)
		want_add(&w, HQ_ENOTICKET);
	rate_want(&w, t, score, false);
	rc = hq_queue_rate(m->q, id, score, &out);
	check_rc(m, "rate", rc, &w);
	if (rc == 0) {
		apply_rate(m, t, score, &out);
		m->counts[12]++;
	}
	ev_check(m, "rate");
}

static void op_rate_last(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	int c = rn(m, 50) ? rn(m, NCTR) + 1 : NCTR + 1, rc;
	int score = rn(m, 20) ? rn(m, 5) + 1 : rn(m, 2) * 6;
	struct mcounter *mc = ctr(m, c);
	struct mticket *t;

	model_rollover(m);
	t = mc ? tk(m, mc->last_done) : NULL;
	logop(m, "rate-last %d %d", c, score);
	if (!mc) {
		want_add(&w, HQ_ENOCOUNTER);
	} else if (!t) {
		/* A counter that never finished a ticket: the doc names no code. */
		want_add(&w, HQ_EIDLE);
		want_add(&w, HQ_ENOTICKET);
		want_add(&w, HQ_ESTATE);
		if (score < 1 || score > 5)
			want_add(&w, HQ_EINVAL);
	} else {
		rate_want(&w, t, score, true);
	}
	rc = hq_queue_rate_last(m->q, c, score, &out);
	check_rc(m, "rate-last", rc, &w);
	if (rc == 0) {
		apply_rate(m, t, score, &out);
		m->counts[13]++;
	}
	ev_check(m, "rate-last");
}

/* Read a counter's state back after an operation whose outcome the doc leaves open. */
static enum hq_cstate read_cstate(struct model *m, int c)
{
	struct hq_hall_state st;
	enum hq_cstate s;
	int rc = hq_queue_state(m->q, &st);

	if (rc != 0)
		die(m, "hq_queue_state: %s", rcname(rc));
	if (st.ncounters != NCTR || st.counters[c - 1].number != c)
		die(m, "hq_queue_state lists %zu counters", st.ncounters);
	s = st.counters[c - 1].state;
	hq_hall_state_free(&st);
	return s;
}

enum ctrop { C_PAUSE, C_RESUME, C_OPEN, C_CLOSE, C_SIGNIN };

static void op_counter(struct model *m, enum ctrop op)
{
	static const char *const names[] = { "pause", "resume", "open", "close", "sign-in" };
	struct want w = { 0 };
	int c = rn(m, 50) ? rn(m, NCTR) + 1 : NCTR + 1, rc = 0;
	struct mcounter *mc = ctr(m, c);
	enum hq_cstate before, after, expect = HQ_C_OPEN;
	char clerk[16];
	bool exact = true;

	model_rollover(m);
	snprintf(clerk, sizeof clerk, "E%03d", rn(m, 40));
	logop(m, "%s %d%s%s", names[op], c, op == C_SIGNIN ? " " : "", op == C_SIGNIN ? clerk : "");
	before = mc ? mc->state : HQ_C_OPEN;
	if (!mc) {
		want_add(&w, HQ_ENOCOUNTER);
	} else {
		switch (op) {
		case C_PAUSE:
			expect = HQ_C_PAUSED;
			if (before == HQ_C_OPEN) {
				want_add(&w, 0);
			} else if (before == HQ_C_PAUSED) {
				want_add(&w, 0);
				want_add(&w, HQ_ESTATE);
				exact = false;
			} else {
				want_add(&w, HQ_ESTATE);
				want_add(&w, HQ_ECTRCLOSED);
			}
			break;
		case C_RESUME:
			expect = HQ_C_OPEN;
			if (before == HQ_C_PAUSED) {
				want_add(&w, 0);
			} else if (before == HQ_C_OPEN) {
				want_add(&w, 0);
				want_add(&w, HQ_ESTATE);
				exact = false;
			} else {
				want_add(&w, HQ_ESTATE);
				want_add(&w, HQ_ECTRCLOSED);
			}
			break;
		case C_OPEN:
			expect = HQ_C_OPEN;
			want_add(&w, 0);
			if (before != HQ_C_CLOSED) {
				want_add(&w, HQ_ESTATE);
				exact = false;
			}
			break;
		case C_CLOSE:
			expect = HQ_C_CLOSED;
			if (mc->cur) {
				want_add(&w, HQ_EBUSYCTR);
			} else {
				want_add(&w, 0);
				if (before == HQ_C_CLOSED) {
					want_add(&w, HQ_ESTATE);
					exact = false;
				}
			}
			break;
		case C_SIGNIN:
			expect = before;
			want_add(&w, 0);
			break;
		}
	}
	switch (op) {
	case C_PAUSE: rc = hq_queue_pause(m->q, c, "午休"); break;
	case C_RESUME: rc = hq_queue_resume(m->q, c); break;
	case C_OPEN: rc = hq_queue_open_counter(m->q, c); break;
	case C_CLOSE: rc = hq_queue_close_counter(m->q, c); break;
	case C_SIGNIN: rc = hq_queue_sign_in(m->q, c, clerk); break;
	}
	check_rc(m, names[op], rc, &w);
	if (!mc) {
		ev_check(m, names[op]);
		return;
	}
	after = read_cstate(m, c);
	if (rc == 0 && after != expect && !(op == C_OPEN && before == HQ_C_PAUSED && after == HQ_C_PAUSED))
		die(m, "%s %d succeeded but the counter is %s", names[op], c, hq_cstate_name(after));
	if (rc != 0 && after != before)
		die(m, "%s %d was refused but the counter went from %s to %s", names[op], c,
		    hq_cstate_name(before), hq_cstate_name(after));
	mc->state = after;
	if (rc == 0) {
		static const char *const evs[] = { "counter_paused", "counter_resumed", "counter_opened",
						   "counter_closed", "signed_in" };

		m->counts[14 + op]++;
		if ((exact && before != after) || op == C_SIGNIN) {
			ev_expect(m, evs[op], 0, c, false);
			if (op == C_PAUSE)
				ev_detail(m, "午休");
			if (op == C_SIGNIN)
				ev_detail(m, clerk);
		} else {
			m->lenient_counter = c;
		}
		if (op == C_SIGNIN) {
			/* The clerk signed in before, if another, is signed out. */
			ev_expect(m, "signed_out", 0, c, true);
			snprintf(mc->clerk, sizeof mc->clerk, "%s", clerk);
		}
		if (op == C_CLOSE && mc->clerk[0]) {
			/* A close signs the counter's clerk out. */
			ev_expect(m, "signed_out", 0, c, false);
			ev_value(m, 1);
			ev_detail(m, mc->clerk);
			mc->clerk[0] = '\0';
		}
	}
	ev_check(m, names[op]);
}

/* ---- appointments --------------------------------------------------------------------- */

static void op_book(struct model *m)
{
	struct hq_appointment ap;
	struct want w = { 0 };
	int64_t ds, slot_ms = SLOT_MIN * 60000LL, slot, first;
	int r = rn(m, 100), svc = 0, rc;
	size_t i;
	int same = 0;

	model_rollover(m);
	ds = day_start(m, m->day);
	/* The next aligned slots that end by closing time; far enough ahead to check in early. */
	first = ((now_ms() - ds) / slot_ms + 1) * slot_ms + ds;
	slot = first + rn(m, 6) * slot_ms;
	if (r < 8)
		slot += 7 * 60000; /* not aligned */
	else if (r < 14)
		svc = 1;           /* b takes no appointments */
	logop(m, "book %s slot +%" PRId64 "min", svc_key[svc], (slot - now_ms()) / 60000);
	if (slot + slot_ms > ds + 18 * 3600000LL) {
		ev_check(m, "book");
		return;
	}
	for (i = 0; i < m->nbk; i++)
		if (m->bk[i].slot == slot)
			same++;
	if (svc != 0 || r < 8) {
		want_add(&w, HQ_ESLOT);
		want_add(&w, HQ_EINVAL);
	} else {
		want_add(&w, same >= PER_SLOT ? HQ_ESLOT : 0);
	}
	rc = hq_queue_book(m->q, svc_key[svc], slot, "张三", "13800000000", &ap);
	check_rc(m, "book", rc, &w);
	if (rc == 0) {
		struct mbooking *b;

		if (strlen(ap.code) != HQ_CODE_LEN || strspn(ap.code, "0123456789") != HQ_CODE_LEN ||
		    ap.slot_at != slot || strcmp(ap.service, "a"))
			die(m, "book returned code '%s' slot %" PRId64 " service %s", ap.code, ap.slot_at,
			    ap.service);
		for (i = 0; i < m->nbk; i++)
			if (!strcmp(m->bk[i].code, ap.code))
				die(m, "booking code %s given twice", ap.code);
		if (m->nbk == m->capbk) {
			m->capbk = m->capbk ? m->capbk * 2 : 64;
			m->bk = realloc(m->bk, m->capbk * sizeof *m->bk);
			assert_non_null(m->bk);
		}
		b = &m->bk[m->nbk++];
		memset(b, 0, sizeof *b);
		snprintf(b->code, sizeof b->code, "%s", ap.code);
		b->id = ap.id;
		b->slot = slot;
		b->day = m->day;
		m->booked_day[m->day]++;
		ev_expect(m, "booked", 0, -1, false);
		ev_value(m, (int)ap.id);
		{
			/* The slot's unix ms, as the centre counts appointments by it. */
			char ms[24];

			snprintf(ms, sizeof ms, "%" PRId64, slot);
			ev_detail(m, ms);
		}
		m->counts[19]++;
	}
	ev_check(m, "book");
}

static void op_checkin(struct model *m)
{
	struct hq_ticket out;
	struct want w = { 0 };
	struct mbooking *b = NULL;
	char code[16];
	int rc, r = rn(m, 100);
	size_t i, n = 0;

	model_rollover(m);
	for (i = 0; i < m->nbk; i++)
		if (m->bk[i].day == m->day)
			n++;
	if (r < 10 || n == 0) {
		/* A code nobody was given: 6 digits, checked against every booking. */
		do {
			snprintf(code, sizeof code, "%06d", rn(m, 1000000));
			for (i = 0; i < m->nbk && strcmp(m->bk[i].code, code); i++)
				;
		} while (i < m->nbk);
		want_add(&w, HQ_ENOCODE);
	} else {
		size_t k = (size_t)rn(m, (int)n);
		int64_t open = 0, close = 0;

		for (i = 0; i < m->nbk; i++)
			if (m->bk[i].day == m->day && k-- == 0)
				b = &m->bk[i];
		snprintf(code, sizeof code, "%s", b->code);
		open = b->slot - EARLY_MIN * 60000LL;
		close = b->slot + LATE_MIN * 60000LL;
		if (b->used)
			want_add(&w, HQ_EUSED);
		if (now_ms() < open)
			want_add(&w, HQ_EEARLY);
		if (now_ms() > close)
			want_add(&w, HQ_ELATE);
		if (!b->used && now_ms() >= open && now_ms() <= close)
			want_add(&w, 0);
		/* The edges of the window are not written down either way. */
		if (now_ms() == open)
			want_add(&w, HQ_EEARLY);
		if (now_ms() == close)
			want_add(&w, HQ_ELATE);
	}
	logop(m, "checkin %s", code);
	rc = hq_queue_checkin(m->q, code, &out);
	check_rc(m, "checkin", rc, &w);
	if (rc == 0) {
		add_fresh(m, 0, HQ_CLASS_APPOINTMENT, &out);
		b->used = true;
		m->checked_day[m->day]++;
		ev_expect(m, "checked_in", out.id, -1, false);
		ev_value(m, (int)b->id);
		ev_expect(m, "issued", out.id, -1, true);
		m->counts[20]++;
	}
	ev_check(m, "checkin");
}

/* ---- batches ------------------------------------------------------------------------- */

static void *dup(const void *p, size_t n)
{
	void *q;

	if (!p || !n)
		return NULL;
	q = malloc(n);
	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

static void snap_free(struct model *s)
{
	int i;

	free(s->t);
	free(s->idx);
	free(s->bk);
	for (i = 0; i < NCTR; i++)
		free(s->c[i].calls);
	memset(s, 0, sizeof *s);
}

static void snap_take(struct model *m)
{
	int i;

	snap_free(&SNAP);
	SNAP = *m;
	SNAP.t = dup(m->t, m->capt * sizeof *m->t);
	SNAP.idx = dup(m->idx, m->nidx * sizeof *m->idx);
	SNAP.bk = dup(m->bk, m->capbk * sizeof *m->bk);
	for (i = 0; i < NCTR; i++)
		SNAP.c[i].calls = dup(m->c[i].calls, m->c[i].capcalls * sizeof *m->c[i].calls);
}

/* A rolled-back batch leaves the hall as it was: so does the model. The generator, the log,
 * the readings learnt and the event store (cut back) go on. */
static void snap_restore(struct model *m)
{
	struct model keep = *m;
	int i;

	free(m->t);
	free(m->idx);
	free(m->bk);
	for (i = 0; i < NCTR; i++)
		free(m->c[i].calls);
	*m = SNAP;
	memset(&SNAP, 0, sizeof SNAP);
	m->rng = keep.rng;
	m->opno = keep.opno;
	m->nlog = keep.nlog;
	memcpy(m->log, keep.log, sizeof m->log);
	m->viable = keep.viable;
	m->ev = keep.ev;
	m->capev = keep.capev;
	memcpy(m->counts, keep.counts, sizeof m->counts);
	m->batches = keep.batches;
	m->rollbacks = keep.rollbacks;
	m->stats_checks = keep.stats_checks;
	m->by_ratio = keep.by_ratio;
	m->by_target = keep.by_target;
	m->recall_noshows = keep.recall_noshows;
	memcpy(m->open, keep.open, sizeof m->open);
	m->nopen = keep.nopen;
	m->batch_left = 0;
	m->batch_rollback = false;
}

static void batch_begin(struct model *m)
{
	int rc;

	m->batch_left = 1 + rn(m, 20);
	m->batch_rollback = rn(m, 5) == 0;
	logop(m, "batch begin (%d operations, %s)", m->batch_left, m->batch_rollback ? "rollback" : "commit");
	if (m->batch_rollback)
		snap_take(m);
	rc = hq_queue_batch_begin(m->q);
	if (rc != 0)
		die(m, "batch_begin: %s", rcname(rc));
	m->batches++;
}

static void check_state(struct model *m);
static void check_tickets(struct model *m);

static void batch_end(struct model *m)
{
	int rc;

	logop(m, "batch end (%s)", m->batch_rollback ? "rollback" : "commit");
	rc = hq_queue_batch_end(m->q, !m->batch_rollback);
	if (rc != 0)
		die(m, "batch_end: %s", rcname(rc));
	m->batch_left = 0;
	if (m->batch_rollback) {
		snap_restore(m);
		m->rollbacks++;
		check_state(m);
		check_tickets(m);
	}
}

/* ---- invariants ----------------------------------------------------------------------- */

static void check_state(struct model *m)
{
	struct hq_hall_state st;
	size_t i, j;
	int rc = hq_queue_state(m->q, &st);

	if (rc != 0)
		die(m, "hq_queue_state: %s", rcname(rc));
	if (st.ncounters != NCTR || st.nservices != NSVC)
		die(m, "state has %zu counters, %zu services", st.ncounters, st.nservices);
	for (i = 0; i < NCTR; i++) {
		const struct hq_counter_state *cs = &st.counters[i];
		const struct mcounter *mc = &m->c[i];

		if (cs->number != (int)i + 1 || cs->state != mc->state || cs->current.id != mc->cur ||
		    strcmp(cs->clerk, mc->clerk))
			die(m, "counter %d: state %s current %" PRId64 " clerk '%s'; model %s %" PRId64
			    " '%s'",
			    cs->number, hq_cstate_name(cs->state), cs->current.id, cs->clerk,
			    hq_cstate_name(mc->state), mc->cur, mc->clerk);
		/* No ticket is held by two counters. */
		for (j = 0; j < i; j++)
			if (cs->current.id && cs->current.id == st.counters[j].current.id)
				die(m, "counters %d and %d both hold ticket %" PRId64, cs->number,
				    st.counters[j].number, cs->current.id);
		if (cs->current.id) {
			const struct mticket *t = tk(m, cs->current.id);

			if (cs->current.state != t->state || cs->current.counter != cs->number)
				die(m, "counter %d's ticket %" PRId64 " is %s at %d, model says %s",
				    cs->number, t->id, hq_tstate_name(cs->current.state),
				    cs->current.counter, hq_tstate_name(t->state));
		}
	}
	for (i = 0; i < NSVC; i++) {
		const struct hq_service_state *ss = &st.services[i];
		int s = svc_index(ss->key), waiting = 0, parked = 0, served = 0;

		if (s < 0)
			die(m, "state lists unknown service '%s'", ss->key);
		for (j = 0; j < m->nt; j++) {
			const struct mticket *t = &m->t[j];

			if (t->svc != s || t->day != m->day)
				continue;
			waiting += t->state == HQ_T_WAITING;
			parked += t->state == HQ_T_PARKED;
			served += t->state == HQ_T_DONE;
		}
		/* Whether parked tickets count as waiting is not written down. */
		if ((ss->waiting != waiting && ss->waiting != waiting + parked) ||
		    ss->issued_today != m->issued_today[s] || ss->served_today != served ||
		    ss->at_cap != (m->issued_today[s] >= svc_cap[s]) || !ss->open)
			die(m, "service %s: waiting %d issued %d served %d at_cap %d open %d; model"
			    " %d(+%d parked) %d %d %d", ss->key, ss->waiting, ss->issued_today,
			    ss->served_today, ss->at_cap, ss->open, waiting, parked, m->issued_today[s],
			    served, m->issued_today[s] >= svc_cap[s]);
	}
	hq_hall_state_free(&st);
}

static void check_tickets(struct model *m)
{
	size_t i;

	for (i = 0; i < m->nt; i++) {
		const struct mticket *t = &m->t[i];
		struct hq_ticket x;
		int rc = hq_queue_ticket(m->q, t->id, &x);

		if (rc != 0)
			die(m, "hq_queue_ticket(%" PRId64 "): %s", t->id, rcname(rc));
		if (x.state != t->state || x.cls != t->cls || strcmp(x.service, svc_key[t->svc]) ||
		    strcmp(x.label, t->label) || x.number != t->number || x.parent_id != t->parent ||
		    x.rating != t->rating || x.queued_at != t->queued_at ||
		    x.called_at != (t->ever_called ? t->called_at : 0) ||
		    (HQ_T_FINAL(t->state) && x.ended_at != t->ended_at) ||
		    (t->ever_called && t->state != HQ_T_WAITING && x.counter != t->counter) ||
		    (t->state == HQ_T_WAITING && x.target_counter != t->target))
			die(m, "ticket %" PRId64 " %s: library %s %s %s n%d parent %" PRId64 " rating %d"
			    " queued %" PRId64 " called %" PRId64 " ended %" PRId64 " counter %d target %d;"
			    " model %s %s %s n%d parent %" PRId64 " rating %d queued %" PRId64 " called %"
			    PRId64 " ended %" PRId64
			    " counter %d target %d", t->id, t->label, hq_tstate_name(x.state),
			    hq_class_name(x.cls), x.service, x.number, x.parent_id, x.rating, x.queued_at,
			    x.called_at, x.ended_at, x.counter, x.target_counter, hq_tstate_name(t->state),
			    hq_class_name(t->cls), svc_key[t->svc], t->number, t->parent, t->rating,
			    t->queued_at, t->ever_called ? t->called_at : 0, t->ended_at, t->counter,
			    t->target);
		if (t->day_closed && strcmp(x.end_reason, "day closed"))
			die(m, "ticket %" PRId64 " closed by the new day has reason '%s'", t->id,
			    x.end_reason);
	}
}

/* ---- statistics ----------------------------------------------------------------------- */

/* What one group's row must say, from the model or from the events. */
struct agg {
	int tickets;
	int issued, called, served, noshow, transferred, cancelled, open, waiting, parked, rated, fair;
	int ontime;
	double wsum, wmax, wmin;
	double *w;               /* every wait, for the percentiles */
	size_t nw, capw;
};

struct derived {         /* one ticket as the event feed tells it */
	int64_t id;
	int64_t queued_at;
	int64_t first_call;
	int svc;
	int counter;
	int final;       /* hq_tstate, or -1 while open */
	int nfinal;
	bool fresh;
	int rating;
};

static void agg_add(struct agg *a, bool fresh, int state, bool called, double wait_s, int svc, int rating)
{
	a->tickets++;
	a->issued += fresh;
	a->served += state == HQ_T_DONE;
	a->noshow += state == HQ_T_NOSHOW;
	a->transferred += state == HQ_T_TRANSFERRED;
	a->cancelled += state == HQ_T_CANCELLED;
	a->open += !HQ_T_FINAL(state);
	a->waiting += state == HQ_T_WAITING;
	a->parked += state == HQ_T_PARKED;
	if (rating) {
		a->rated++;
		a->fair += rating >= 3; /* 基本满意 and above */
	}
	if (!called)
		return;
	if (!a->called || wait_s > a->wmax)
		a->wmax = wait_s;
	if (!a->called || wait_s < a->wmin)
		a->wmin = wait_s;
	a->called++;
	a->wsum += wait_s;
	if (a->nw == a->capw) {
		a->capw = a->capw ? a->capw * 2 : 64;
		a->w = realloc(a->w, a->capw * sizeof *a->w);
		assert_non_null(a->w);
	}
	a->w[a->nw++] = wait_s;
	a->ontime += wait_s <= svc_maxwait_min[svc] * 60.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank (the doc): the smallest value with at least p% of the values at or below. */
static double percentile(struct agg *a, int p)
{
	size_t rank;

	qsort(a->w, a->nw, sizeof *a->w, cmp_double);
	rank = ((size_t)p * a->nw + 99) / 100;
	return a->w[rank ? rank - 1 : 0];
}

static bool feq(double a, double b)
{
	return fabs(a - b) <= 1e-3 + 1e-9 * fabs(b);
}

static void agg_cmp(struct model *m, const char *what, const struct agg *a, const struct agg *b, bool all)
{
	if ((all && (a->issued != b->issued || a->cancelled != b->cancelled)) ||
	    a->called != b->called || a->served != b->served || a->noshow != b->noshow ||
	    a->transferred != b->transferred || a->rated != b->rated || a->fair != b->fair ||
	    a->ontime != b->ontime || !feq(a->wsum, b->wsum) || (a->called && !feq(a->wmax, b->wmax)))
		die(m, "%s: model and events disagree: issued %d/%d called %d/%d served %d/%d noshow %d/%d"
		    " transferred %d/%d cancelled %d/%d rated %d/%d wait sum %.3f/%.3f max %.3f/%.3f",
		    what, a->issued, b->issued, a->called, b->called, a->served, b->served, a->noshow,
		    b->noshow, a->transferred, b->transferred, a->cancelled, b->cancelled, a->rated,
		    b->rated, a->wsum, b->wsum, a->wmax, b->wmax);
}

static void row_cmp(struct model *m, const char *what, const struct hq_stats_row *r, struct agg *a,
		    bool all)
{
	double mean = a->called ? a->wsum / a->called : 0;
	double p50 = a->called ? percentile(a, 50) : 0, p90 = a->called ? percentile(a, 90) : 0;
	bool bad = false;

	if (all && (r->issued != a->issued || r->cancelled != a->cancelled))
		bad = true;
	/* "waiting: still open at the time of the query"; "still waiting" in the doc's list. */
	if (all && r->waiting != a->open && r->waiting != a->waiting && r->waiting != a->waiting + a->parked)
		bad = true;
	if (r->called != a->called || r->served != a->served || r->noshow != a->noshow ||
	    r->transferred != a->transferred || r->rated != a->rated)
		bad = true;
	if (a->called && (!feq(r->wait_mean_s, mean) || !feq(r->wait_max_s, a->wmax) ||
			  !feq(r->wait_p50_s, p50) || !feq(r->wait_p90_s, p90) ||
			  fabs(r->on_time_rate - (double)a->ontime / a->called) > 1e-9))
		bad = true;
	if (a->rated && fabs(r->satisfaction_rate - (double)a->fair / a->rated) > 1e-9)
		bad = true;
	if (bad)
		die(m, "stats %s: library issued %d called %d served %d noshow %d transferred %d cancelled %d"
		    " waiting %d rated %d wait mean %.3f p50 %.3f p90 %.3f max %.3f on-time %.4f sat %.4f;"
		    " expected issued %d called %d served %d noshow %d transferred %d cancelled %d open %d"
		    " (waiting %d parked %d) rated %d wait mean %.3f p50 %.3f p90 %.3f max %.3f on-time %.4f"
		    " sat %.4f",
		    what, r->issued, r->called, r->served, r->noshow, r->transferred, r->cancelled,
		    r->waiting, r->rated, r->wait_mean_s, r->wait_p50_s, r->wait_p90_s, r->wait_max_s,
		    r->on_time_rate, r->satisfaction_rate, a->issued, a->called, a->served, a->noshow,
		    a->transferred, a->cancelled, a->open, a->waiting, a->parked, a->rated, mean, p50, p90,
		    a->wmax,
		    a->called ? (double)a->ontime / a->called : 0, a->rated ? (double)a->fair / a->rated : 0);
}

static int count_groups(const struct agg *a, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += a[i].tickets > 0;
	return k;
}

/* The row for key: there exactly once when the group has tickets, absent when not (the
 * doc: "a group with no tickets in the range has no row"); a zero row stands in then. */
static const struct hq_stats_row *stats_row(struct model *m, const struct hq_stats *st, const char *key,
					    bool present, const char *what)
{
	static struct hq_stats_row zero;
	const struct hq_stats_row *r = NULL;
	size_t i;

	for (i = 0; i < st->nrows; i++) {
		if (strcmp(st->rows[i].key, key))
			continue;
		if (r)
			die(m, "%s: two rows", what);
		r = &st->rows[i];
	}
	if (!r && present)
		die(m, "%s: no row, but the group has tickets", what);
	if (r && !present)
		die(m, "%s: a row, but the group has no tickets", what);
	memset(&zero, 0, sizeof zero);
	return r ? r : &zero;
}

/* Rebuild every ticket from the event feed alone. */
static struct derived *derive(struct model *m, size_t *nd)
{
	struct derived *d = calloc(m->nidx ? m->nidx : 1, sizeof *d);
	size_t i;

	assert_non_null(d);
	for (i = 0; i < m->nidx; i++)
		d[i].final = -1;
	for (i = 0; i < m->nev; i++) {
		const struct hq_event *e = &m->ev[i];
		struct derived *x;
		int fin = -1;

		if (e->ticket_id <= 0)
			continue;
		if ((size_t)e->ticket_id >= m->nidx || !tk(m, e->ticket_id))
			die(m, "event %" PRId64 " (%s) names ticket %" PRId64 " the model never saw", e->id,
			    e->type, e->ticket_id);
		x = &d[e->ticket_id];
		if (!x->id) {
			x->id = e->ticket_id;
			x->svc = svc_index(e->service);
			if (!strcmp(e->type, "issued") || !strcmp(e->type, "checked_in")) {
				x->fresh = true;
			} else if (strcmp(e->type, "requeued")) {
				die(m, "first event of ticket %" PRId64 " is %s", e->ticket_id, e->type);
			}
			x->queued_at = e->at;
		}
		if (!strcmp(e->type, "called")) {
			if (!x->first_call)
				x->first_call = e->at;
			x->counter = e->counter;
		} else if (!strcmp(e->type, "reviewed")) {
			x->rating = e->value;
		} else if (!strcmp(e->type, "finished")) {
			fin = HQ_T_DONE;
		} else if (!strcmp(e->type, "noshow")) {
			fin = HQ_T_NOSHOW;
		} else if (!strcmp(e->type, "transferred")) {
			fin = HQ_T_TRANSFERRED;
		} else if (!strcmp(e->type, "cancelled")) {
			fin = HQ_T_CANCELLED;
		}
		if (fin >= 0) {
			x->final = fin;
			x->nfinal++;
		}
	}
	*nd = m->nidx;
	return d;
}

static void check_stats(struct model *m, int64_t from, int64_t to, const char *what)
{
	struct agg ms[NSVC], es[NSVC], mc[NCTR + 1], ec[NCTR + 1], mtot, etot;
	struct derived *d;
	struct hq_stats st;
	size_t nd, i;
	int rc, k;
	char name[96];

	memset(ms, 0, sizeof ms);
	memset(es, 0, sizeof es);
	memset(mc, 0, sizeof mc);
	memset(ec, 0, sizeof ec);
	memset(&mtot, 0, sizeof mtot);
	memset(&etot, 0, sizeof etot);
	d = derive(m, &nd);
	for (i = 0; i < m->nt; i++) {
		const struct mticket *t = &m->t[i];
		const struct derived *x = &d[t->id];
		double w = (double)(t->called_at - t->queued_at) / 1000.0;
		int st8 = x->final >= 0 ? x->final : HQ_T_WAITING;

		if (!x->id)
			die(m, "ticket %" PRId64 " has no event", t->id);
		if (t->issued_at < from || t->issued_at >= to)
			continue;
		agg_add(&ms[t->svc], t->fresh, t->state, t->ever_called, w, t->svc, t->rating);
		agg_add(&mtot, t->fresh, t->state, t->ever_called, w, t->svc, t->rating);
		agg_add(&mc[t->counter], t->fresh, t->state, t->ever_called, w, t->svc, t->rating);
		/* From the events alone: open tickets count as waiting there, so compare finals. */
		w = (double)(x->first_call - x->queued_at) / 1000.0;
		if (x->svc < 0)
			die(m, "ticket %" PRId64 "'s events name no known service", t->id);
		agg_add(&es[x->svc], x->fresh, st8, x->first_call != 0, w, x->svc, x->rating);
		agg_add(&etot, x->fresh, st8, x->first_call != 0, w, x->svc, x->rating);
		agg_add(&ec[x->counter], x->fresh, st8, x->first_call != 0, w, x->svc, x->rating);
		if (x->nfinal > 1 || (HQ_T_FINAL(t->state) && x->final != (int)t->state) ||
		    (!HQ_T_FINAL(t->state) && x->nfinal))
			die(m, "ticket %" PRId64 " is %s in the model but its events end %d time(s),"
			    " last as %s",
			    t->id, hq_tstate_name(t->state), x->nfinal,
			    x->final >= 0 ? hq_tstate_name((enum hq_tstate)x->final) : "open");
	}
	free(d);
	for (k = 0; k < NSVC; k++) {
		snprintf(name, sizeof name, "%s service %s", what, svc_key[k]);
		agg_cmp(m, name, &ms[k], &es[k], true);
	}
	for (k = 0; k <= NCTR; k++) {
		snprintf(name, sizeof name, "%s counter %d", what, k);
		agg_cmp(m, name, &mc[k], &ec[k], true);
	}
	agg_cmp(m, what, &mtot, &etot, true);

	rc = hq_queue_stats(m->q, HQ_BY_SERVICE, from, to, &st);
	if (rc != 0)
		die(m, "hq_queue_stats by service: %s", rcname(rc));
	for (k = 0; k < NSVC; k++) {
		snprintf(name, sizeof name, "%s by service %s", what, svc_key[k]);
		row_cmp(m, name, stats_row(m, &st, svc_key[k], ms[k].tickets > 0, name), &ms[k], true);
	}
	if (st.nrows != (size_t)count_groups(ms, NSVC))
		die(m, "%s: %zu rows by service for %d services with tickets", what, st.nrows,
		    count_groups(ms, NSVC));
	snprintf(name, sizeof name, "%s by service, total", what);
	row_cmp(m, name, &st.total, &mtot, true);
	hq_stats_free(&st);

	rc = hq_queue_stats(m->q, HQ_BY_COUNTER, from, to, &st);
	if (rc != 0)
		die(m, "hq_queue_stats by counter: %s", rcname(rc));
	for (k = 1; k <= NCTR; k++) {
		char key[16];

		snprintf(key, sizeof key, "%d", k);
		snprintf(name, sizeof name, "%s by counter %d", what, k);
		row_cmp(m, name, stats_row(m, &st, key, mc[k].tickets > 0, name), &mc[k], true);
	}
	/* Tickets never called have no counter, so no row. */
	if (st.nrows != (size_t)count_groups(mc + 1, NCTR))
		die(m, "%s: %zu rows by counter for %d counters with tickets", what, st.nrows,
		    count_groups(mc + 1, NCTR));
	hq_stats_free(&st);
	for (k = 0; k < NSVC; k++) {
		free(ms[k].w);
		free(es[k].w);
	}
	for (k = 0; k <= NCTR; k++) {
		free(mc[k].w);
		free(ec[k].w);
	}
	free(mtot.w);
	free(etot.w);
	m->stats_checks++;
}

/* Appointments per service: booked and, once the day is closed, missed. */
static void check_appointments(struct model *m, int day, bool closed)
{
	struct hq_stats st;
	size_t i;
	int rc = hq_queue_stats(m->q, HQ_BY_SERVICE, day_start(m, day), day_start(m, day + 1), &st);
	int booked = m->booked_day[day], checked = m->checked_day[day];

	if (rc != 0)
		die(m, "hq_queue_stats: %s", rcname(rc));
	for (i = 0; i < st.nrows; i++) {
		const struct hq_stats_row *r = &st.rows[i];

		if (strcmp(r->key, "a")) {
			if (r->appointments || r->missed_appointments)
				die(m, "service %s has %d appointments", r->key, r->appointments);
			continue;
		}
		/* "appointments" may count bookings or check-ins; the doc does not say. */
		if ((r->appointments != booked && r->appointments != checked) ||
		    (closed && r->missed_appointments != booked - checked))
			die(m, "day %d service a: appointments %d missed %d; booked %d checked in %d", day,
			    r->appointments, r->missed_appointments, booked, checked);
	}
	hq_stats_free(&st);
}

/* ---- the run -------------------------------------------------------------------------- */

static void advance(struct model *m)
{
	int64_t limit = day_start(m, clock_day(m)) + 17 * 3600000LL + 50 * 60000LL;

	/* Distinct times keep "oldest first" free of ties; stay within opening hours. */
	ts_clock_ms += 1 + rn(m, 12000);
	if (ts_clock_ms > limit)
		ts_clock_ms = limit;
}

static void step(struct model *m)
{
	int r = rn(m, 1000);

	advance(m);
	if (r < 240)
		op_issue(m, -1);
	else if (r < 410)
		op_call_next(m);
	else if (r < 440)
		op_call_ticket(m);
	else if (r < 500)
		op_current(m, CUR_RECALL);
	else if (r < 520)
		op_current(m, CUR_NOSHOW);
	else if (r < 600)
		op_current(m, CUR_START);
	else if (r < 670)
		op_current(m, CUR_FINISH);
	else if (r < 700)
		op_current(m, CUR_TSVC);
	else if (r < 730)
		op_current(m, CUR_TCTR);
	else if (r < 755)
		op_current(m, CUR_PARK);
	else if (r < 785)
		op_unpark(m);
	else if (r < 805)
		op_cancel(m);
	else if (r < 835)
		op_rate(m);
	else if (r < 855)
		op_rate_last(m);
	else if (r < 875)
		op_counter(m, C_PAUSE);
	else if (r < 905)
		op_counter(m, C_RESUME);
	else if (r < 912)
		op_counter(m, C_CLOSE);
	else if (r < 930)
		op_counter(m, C_OPEN);
	else if (r < 935)
		op_counter(m, C_SIGNIN);
	else if (r < 955)
		op_book(m);
	else
		op_checkin(m);
}

/* End of day 0: issue after closing time is refused, then the clock moves to day 1. */
static void cross_day(struct model *m)
{
	struct hq_ticket out;
	int rc, closed = -1, expect;

	m->opno++;
	ts_clock_ms = day_start(m, 0) + 18 * 3600000LL + 30 * 60000LL;
	logop(m, "issue a after hours");
	rc = hq_queue_issue(m->q, "a", HQ_CLASS_NORMAL, &out);
	if (rc != HQ_ECLOSED)
		die(m, "issue at 18:30 returned %s, expected HQ_ECLOSED", rcname(rc));
	ev_check(m, "issue after hours");
	check_tickets(m);
	check_stats(m, day_start(m, 0), day_start(m, 1), "day 0 before roll-over");
	check_appointments(m, 0, false);

	ts_clock_ms = day_start(m, 1) + 8 * 3600000LL + rn(m, 1800) * 1000LL;
	m->opno++;
	/* The old day closes by hq_queue_rollover, by the next operation (which may be refused:
	 * it still closes the day) or by a mere read, as the seed picks. */
	if (m->seed % 3 == 1) {
		logop(m, "rollover");
		expect = model_rollover(m);
		rc = hq_queue_rollover(m->q, &closed);
		if (rc != 0 || closed != expect)
			die(m, "rollover returned %s closing %d, expected %d", rcname(rc), closed, expect);
		ev_check(m, "rollover");
		rc = hq_queue_rollover(m->q, &closed);
		if (rc != 0 || closed != 0)
			die(m, "second rollover returned %s closing %d", rcname(rc), closed);
		ev_expect(m, "day_closed", 0, -1, true);
		ev_check(m, "second rollover");
	} else if (m->seed % 3 == 2) {
		logop(m, "read the hall state");
		model_rollover(m);
		read_cstate(m, 1);
		ev_check(m, "state read on a new day");
	} else {
		step(m);
	}
	/* Counter states across the night are not written down: take the library's. */
	for (rc = 1; rc <= NCTR; rc++)
		m->c[rc - 1].state = read_cstate(m, rc);
	check_state(m);
	check_tickets(m);
	check_appointments(m, 0, true);
}

static int teardown(void **state)
{
	struct model *m = &M;
	int i;

	(void)state;
	if (m->q)
		ts_close(m->q);
	m->q = NULL;
	for (i = 0; i < NCTR; i++)
		free(m->c[i].calls);
	free(m->t);
	free(m->idx);
	free(m->ev);
	free(m->bk);
	memset(m, 0, sizeof *m);
	snap_free(&SNAP);
	return 0;
}

static void test_model(void **state)
{
	struct model *m = &M;
	unsigned long long seed = *(unsigned long long *)*state;
	const char *env = getenv("HQ_MODEL_OPS");
	int i, rc, closed = -1, expect = 0;
	size_t k;

	memset(m, 0, sizeof *m);
	m->seed = seed;
	m->rng = seed;
	m->nops = env && atoi(env) > 0 ? atoi(env) : 5000;
	m->viable = (1u << NVAR) - 1;
	printf("model: seed %llu, %d operations (replay: HQ_SEED=%llu)\n", seed, m->nops, seed);
	fflush(stdout);
	m->q = ts_open(hall_ini);
	/* This test is about the rules, not fsync: keep it fast. */
	assert_int_equal(hq_queue_set_durable(m->q, false), 0);
	m->day0 = ts_local(2026, 11, 23, 0, 0);
	m->last_ev = 0;
	for (i = 0; i < NCTR; i++)
		m->c[i].state = HQ_C_OPEN;
	/* The configuration events so far are not the model's business. */
	m->last_ev = hq_queue_last_event_id(m->q);
	{
		const struct hq_config *cfg = hq_queue_config(m->q);

		assert_non_null(cfg);
		assert_int_equal(cfg->priority_ratio, RATIO);
		assert_int_equal(cfg->noshow_after_recalls, NOSHOW_AFTER);
		assert_int_equal(cfg->slot_minutes, SLOT_MIN);
	}
	for (i = 1; i <= NCTR; i++) {
		char clerk[16];

		snprintf(clerk, sizeof clerk, "E1%02d", i);
		assert_int_equal(hq_queue_sign_in(m->q, i, clerk), 0);
		snprintf(m->c[i - 1].clerk, sizeof m->c[i - 1].clerk, "%s", clerk);
		ev_expect(m, "signed_in", 0, i, false);
		ev_check(m, "sign-in");
	}
	for (m->opno = 1; m->opno <= m->nops; m->opno++) {
		int to_cross = m->nops / 2 - m->opno;

		if (m->opno == m->nops / 2)
			cross_day(m);
		/* Stretches of operations in one group commit, never across a day's end. */
		if (!m->batch_left && rn(m, 100) < 3 && (to_cross > 25 || to_cross < 0) &&
		    m->nops - m->opno > 25)
			batch_begin(m);
		step(m);
		if (m->batch_left && --m->batch_left == 0)
			batch_end(m);
		check_state(m);
		if (m->opno % 500 == 0) {
			check_tickets(m);
			check_stats(m, day_start(m, 0), day_start(m, 3), "running");
		}
	}

	/* Close the day after the last check-in window: every ticket ends in one final state. */
	ts_clock_ms = day_start(m, 1) + 17 * 3600000LL + 55 * 60000LL;
	m->opno++;
	logop(m, "close-day");
	for (k = 0; k < m->nt; k++) {
		struct mticket *t = &m->t[k];

		if (!HQ_T_FINAL(t->state)) {
			t->state = HQ_T_CANCELLED;
			t->ended_at = now_ms();
			ev_expect(m, "cancelled", t->id, -1, false);
			ev_detail(m, "hall closed");
			expect++;
		}
	}
	for (i = 0; i < NCTR; i++) {
		m->c[i].cur = 0;
		/* The day's close signs every clerk out. */
		if (m->c[i].clerk[0]) {
			ev_expect(m, "signed_out", 0, (int)i + 1, false);
			ev_value(m, 2);
			ev_detail(m, m->c[i].clerk);
			m->c[i].clerk[0] = '\0';
		}
	}
	ev_expect(m, "day_closed", 0, -1, false);
	ev_value(m, expect);
	rc = hq_queue_close_day(m->q, "hall closed", &closed);
	if (rc != 0 || closed != expect)
		die(m, "close-day returned %s closing %d, expected %d", rcname(rc), closed, expect);
	ev_check(m, "close-day");
	check_state(m);
	check_tickets(m);
	for (k = 0; k < m->nt; k++)
		if (!HQ_T_FINAL(m->t[k].state))
			die(m, "ticket %" PRId64 " still open after close-day", m->t[k].id);
	check_stats(m, day_start(m, 0), day_start(m, 1), "day 0");
	check_stats(m, day_start(m, 1), day_start(m, 2), "day 1");
	check_stats(m, day_start(m, 0), day_start(m, 2), "both days");
	check_appointments(m, 1, true);

	printf("model: seed %llu: %zu tickets, %zu events, %d roll-over, %d stats checks, %d batches"
	       " (%d rolled back); readings still consistent:", seed, m->nt, m->nev, m->rollovers,
	       m->stats_checks, m->batches, m->rollbacks);
	for (i = 0; i < NVAR; i++)
		if (m->viable & (1u << i))
			printf(" %d", i);
	printf("\nmodel: successes: issue %d next %d number %d recall %d noshow %d start %d finish %d"
	       " tsvc %d tctr %d park %d unpark %d cancel %d rate %d rate-last %d pause %d resume %d"
	       " open %d close %d book %d checkin %d\n", m->counts[0], m->counts[1], m->counts[2],
	       m->counts[3], m->counts[4], m->counts[5], m->counts[6], m->counts[7], m->counts[8],
	       m->counts[9], m->counts[10], m->counts[11], m->counts[12], m->counts[13], m->counts[14],
	       m->counts[15], m->counts[16], m->counts[17], m->counts[19], m->counts[20]);
	printf("model: where several answers were allowed, the library gave:");
	for (i = 0; i < m->nopen; i++)
		printf("%s %s [%s] -> %s x%d", i ? "," : "", m->open[i].what, m->open[i].allowed,
		       m->open[i].rc ? hq_err_code(m->open[i].rc) : "ok", m->open[i].n);
	printf("\n");
	printf("model: call-next took %d normal tickets by the ratio and %d sent to the counter;"
	       " %d recalls made no-shows\n", m->by_ratio, m->by_target, m->recall_noshows);
	/* A run that never exercised the interesting paths proves little. */
	if (m->counts[1] < m->nops / 20 || m->counts[7] == 0 || m->counts[8] == 0 || m->counts[10] == 0 ||
	    m->counts[20] == 0 || m->counts[3] == 0 || m->by_ratio == 0 || m->by_target == 0 ||
	    m->recall_noshows == 0 ||
	    m->rollbacks == 0) {
		/* The fixed seeds must cover every path; a replayed seed may be a thin one. */
		if (seed_gate)
			die(m, "the run exercised too little; raise HQ_MODEL_OPS");
		printf("model: seed %llu left some paths unexercised\n", seed);
	}
}

static unsigned long long seeds[] = { 1, 2, 3, 20261123 };
static unsigned long long seed_env;

int main(void)
{
	/* Fixed seeds keep CI repeatable (1, 2 and 3 close the first day each of the three ways);
	 * HQ_SEED=n runs that one seed instead. */
	const struct CMUnitTest fixed[] = {
		{ "model_seed_1", test_model, NULL, teardown, &seeds[0] },
		{ "model_seed_2", test_model, NULL, teardown, &seeds[1] },
		{ "model_seed_3", test_model, NULL, teardown, &seeds[2] },
		{ "model_seed_20261123", test_model, NULL, teardown, &seeds[3] },
	};
	const struct CMUnitTest one[] = {
		{ "model_seed_env", test_model, NULL, teardown, &seed_env },
	};
	const char *env = getenv("HQ_SEED");

	if (env && *env) {
		seed_env = strtoull(env, NULL, 10);
		seed_gate = false;
		return cmocka_run_group_tests(one, NULL, NULL);
	}
	return cmocka_run_group_tests(fixed, NULL, NULL);
}
