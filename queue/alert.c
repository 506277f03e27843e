/*
 * 电子监察, electronic supervision (hq_alert.h): the rules of the hall config evaluated on the
 * hall as it is, the alerts they raise and clear, their acknowledgement, and what /metrics
 * shows of supervision. docs/queue.md states each rule, its subject and when it is raised
 * and cleared; this file is how.
 *
 * An evaluation must be cheap, because hallqd runs one after every batch that changed the
 * hall and on a timer: it may not scan the day's tickets. So a context keeps a memory of
 * the hall (struct hq__alerts) and learns what changed from the event feed since its last
 * evaluation: an event that names a service or a counter makes what the rules know of it
 * stale, and only that is read again, from the partial indexes of the waiting tickets or by
 * primary key. The feed also gives what the database does not keep: when a counter was
 * opened or its clerk signed out, its no-shows in a row, the service times of a service's
 * last finished tickets (for the median of the rule slow). A new context learns these by
 * reading the newest REPLAY_EVENTS events of the feed. The open alerts are the database's:
 * the memory keeps the list an evaluation leaves and reads it again when the feed shows
 * another program's raise or clear, so two programs evaluating the same hall agree. The
 * rules are judged first and what changed written after, so an evaluation inside a batch
 * that changes nothing (most of them) writes nothing and opens no savepoint.
 *
 * Opening hours. The rules about a counter (pause, pause_reason, unstaffed, idle) hold only
 * while one of its services is open, and count their minutes in those hours only: a pause
 * over lunch, or a counter left open overnight, is no alert. The rule device counts the
 * hall's opening hours (hq_config_open_count). The others hold at any hour: a citizen who
 * waits, or sits at a window, waits the same after the doors have closed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MIN_MS (60 * 1000LL)
#define DAY_MS (24 * 60 * MIN_MS)
#define REPLAY_EVENTS 20000     /* a new context learns from the newest this many events */
#define EVENT_PAGE 256
#define SLOW_SAMPLES 50         /* a service's median service time: of its last this many */
#define SLOW_SEED 5             /* fewer than this: target_minutes is the median */
#define MAX_DEVICES 512
#define HOURS_DAYS_MAX 40       /* opening hours are counted over at most this many days */

/* A pause without a reason: the queue writes "paused" for it. */
static bool no_reason(const char *reason)
{
	return !reason[0] || !strcmp(reason, "paused");
}

/* What a context remembers of a counter between evaluations. */
struct mem_counter {
	/* Learnt from the feed; 0 when the replayed part of the feed did not say. */
	int64_t open_since;         /* its last open or resume */
	int64_t noclerk_since;      /* its clerk's last sign-out */
	int64_t paused_ev;          /* its last pause (a new reason is a new pause) */
	bool pause_noreason;        /* that pause gave no reason */
	int noshows;                /* no-shows in a row, since its last served ticket */
	/* Its row, read again when an event names the counter. */
	bool fresh;
	enum hq_cstate state;
	char reason[HQ_REASON_MAX];
	char clerk[HQ_CLERK_MAX];
	int64_t active_at, paused_at;
	int64_t cur_id;             /* the called or serving ticket, 0 none */
	char cur_label[HQ_LABEL_MAX];
	int cur_service;            /* its service's index, -1 none or unknown */
	int64_t cur_from;           /* its start, or its call if it was never started */
	/* The tickets sent to it by name (transfers, unparks), with the whole hall's. */
	int targeted;
	int64_t targeted_oldest;
};

struct mem_service {
	bool fresh;                 /* waiting and oldest are as the database says */
	int waiting;                /* in the service's queue */
	int64_t oldest;             /* queued_at of the longest waiting, 0 none */
	int64_t times[SLOW_SAMPLES]; /* the last service times, a ring */
	int ntimes, next;
	int64_t median;             /* of times, when median_fresh */
	bool median_fresh;
};

struct mem_device {
	char subject[HQ_ALERT_SUBJECT_MAX];
	int64_t since;              /* first seen down */
	bool seen;                  /* down in this evaluation's facts */
	size_t fact;                /* which of them, when seen */
};

/* An open bad-review case, as the rules need it. */
struct mem_case {
	int64_t id;
	int state, level;
	char rectify_due[11], revisit_due[11];
	char service[HQ_KEY_MAX];
	int counter;
	char clerk[HQ_CLERK_MAX];
	char label[HQ_LABEL_MAX];
	char subject[HQ_ALERT_SUBJECT_MAX]; /* "case:12" */
};

struct open_alert {
	int64_t id;
	char rule[HQ_KEY_MAX];
	char subject[HQ_ALERT_SUBJECT_MAX];
	char service[HQ_KEY_MAX];
	int counter;
	bool holds;                 /* its condition holds now */
};

struct day {
	int64_t d0, d1;             /* local midnight, and the next */
	int wday;
};

#define HOURS_MAX 6            /* opening intervals of a day kept; more: worked out each time */
struct hours {
	bool known;
	signed char n;              /* intervals, or -1: more than HOURS_MAX */
	short iv[HOURS_MAX][2];     /* [open, close) minutes of the day, sorted, disjoint */
};

#define OPEN_KEPT 256          /* open alerts the memory keeps; more are read each time */

/*
 * The memory, one block: hq_queue_close() frees it with free(). The cases are its flexible
 * tail, so the block is reallocated when they outgrow it.
 */
struct hq__alerts {
	const struct hq_config *cfg; /* built for this config */
	long long cfg_version;
	unsigned epoch;             /* and this q->epoch: a batch rolled back undoes what it learnt */
	bool built;
	int64_t cursor;             /* the last event learnt from */
	/* The open alerts as the last evaluation left them, sorted by rule and subject; while
	 * open_fresh no other program has raised or cleared one (the feed would say). */
	bool open_fresh;
	size_t nopen;
	struct open_alert open[OPEN_KEPT];
	/* The local day of the last evaluation: worked out once a day, since the C library's
	 * mktime looks at the zone's file each time. */
	struct day day;
	char day_text[11];
	/* Each counter's opening hours on each weekday, and the hall's (the last). */
	struct hours hours[HQ_MAX_COUNTERS + 1][7];
	bool targeted_fresh;
	bool any_targeted;          /* some ticket waits for one counter */
	struct mem_counter ctr[HQ_MAX_COUNTERS];  /* by the config's counters */
	struct mem_service svc[HQ_MAX_SERVICES];  /* by the config's services */
	/* Their subjects, made once: an evaluation formats nothing it does not raise. */
	char ctr_subject[HQ_MAX_COUNTERS][16];
	char svc_subject[HQ_MAX_SERVICES][HQ_KEY_MAX + 8];
	struct mem_device dev[MAX_DEVICES];
	int ndev;
	bool cases_fresh;
	int64_t case_sig[3];        /* newest case, case step and review: a change shows */
	int64_t case_sig_at;        /* hall time it was last read */
	size_t ncases, cap;
	struct mem_case cases[];
};

const char *hq_device_kind_name(enum hq_device_kind k)
{
	static const char *const names[] = { "gateway", "unit", "kiosk", "printer" };

	return (unsigned)k <= HQ_DEV_PRINTER ? names[k] : "device";
}

/* ---- the memory and the feed ----------------------------------------------------------- */

/* A string into dst (len bytes), cut to fit: what an evaluation copies often, without the
 * cost of a printf. */
static void copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int counter_index(const struct hq_config *cfg, int number)
{
	const struct hq_counter_cfg *cc = number ? hq_config_counter(cfg, number) : NULL;

	return cc ? (int)(cc - cfg->counters) : -1;
}

static void add_time(struct mem_service *sv, int64_t ms)
{
	sv->times[sv->next] = ms > 0 ? ms : 0;
	sv->next = (sv->next + 1) % SLOW_SAMPLES;
	if (sv->ntimes < SLOW_SAMPLES)
		sv->ntimes++;
	sv->median_fresh = false;
}

/* A finished ticket's service time joins its service's last SLOW_SAMPLES. */
static int learn_service_time(struct hq_queue *q, struct hq__alerts *m, int64_t id)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_ALERT_SERVICE_TIME);
	int rc, i;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW &&
	    (i = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 0))) >= 0)
		add_time(&m->svc[i], sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

static void all_stale(struct hq__alerts *m)
{
	for (int i = 0; i < HQ_MAX_COUNTERS; i++)
		m->ctr[i].fresh = false;
	for (int i = 0; i < HQ_MAX_SERVICES; i++)
		m->svc[i].fresh = false;
	m->targeted_fresh = false;
	m->cases_fresh = false;
}

/* What the rules learn from an event of the feed. */
struct feed_event {
	int64_t id, at, ticket_id;
	char type[24];
	char service[HQ_KEY_MAX];
	int counter;
	bool no_reason;             /* a counter_paused event without a reason */
};

/* Learn from one event of the feed. */
static int learn(struct hq_queue *q, struct hq__alerts *m, const struct feed_event *e)
{
	const struct hq_config *cfg = q->cfg;
	int c = counter_index(cfg, e->counter), s;
	struct mem_counter *mc = c >= 0 ? &m->ctr[c] : NULL;
	bool was_fresh;

	/* Its own events are skipped (read_feed's cursor passes them); those of another
	 * program that evaluates mean the open alerts must be read again. */
	if (!strncmp(e->type, "alert_", 6)) {
		if (strcmp(e->type, "alert_acked"))
			m->open_fresh = false;
		return HQ_OK;
	}
	/* A new day starts every streak again; a new config may change any fact. */
	if (!strcmp(e->type, "day_closed"))
		for (int i = 0; i < HQ_MAX_COUNTERS; i++)
			m->ctr[i].noshows = 0;
	if (!strcmp(e->type, "day_closed") || !strcmp(e->type, "config_applied")) {
		all_stale(m);
		return HQ_OK;
	}
	if (!strncmp(e->type, "review", 6) || !strncmp(e->type, "case_", 5))
		m->cases_fresh = false;
	/* Tickets sent to a counter by name come with "requeued"; any other ticket event may
	 * be one of them leaving, if there are any. */
	if (!strcmp(e->type, "requeued") || (e->ticket_id && m->any_targeted))
		m->targeted_fresh = false;
	s = e->service[0] ? hq_config_service_index(cfg, e->service) : -1;
	if (s >= 0 && !strcmp(e->type, "issued") && m->svc[s].fresh) {
		/* A new ticket waits at the end of its queue, queued now: the longest wait is
		 * the same, one more waits. The rest is read again. */
		m->svc[s].waiting++;
		if (!m->svc[s].oldest)
			m->svc[s].oldest = e->at;
	} else if (s >= 0) {
		m->svc[s].fresh = false;
	}
	if (!mc)
		return HQ_OK;
	was_fresh = mc->fresh;
	mc->fresh = false;
	if (!strcmp(e->type, "counter_opened") || !strcmp(e->type, "counter_resumed")) {
		mc->open_since = e->at;
		mc->pause_noreason = false;
	}
	else if (!strcmp(e->type, "counter_paused")) {
		/* Paused again, still without a reason: the same pause without one, counted
		 * from its start (docs/queue.md); a reason given or taken away starts anew. */
		bool none = e->no_reason;

		if (!(none && mc->pause_noreason && mc->paused_ev))
			mc->paused_ev = e->at;
		mc->pause_noreason = none;
	}
	else if (!strcmp(e->type, "signed_out"))
		mc->noclerk_since = e->at;
	else if (!strcmp(e->type, "noshow"))
		mc->noshows++;
	else if (!strcmp(e->type, "transferred"))
		mc->noshows = 0;
	else if (!strcmp(e->type, "finished")) {
		mc->noshows = 0;
		/* The counter's citizen, as the rules last read it: its time is known. */
		if (was_fresh && mc->cur_id == e->ticket_id && mc->cur_service >= 0 && mc->cur_from > 0) {
			add_time(&m->svc[mc->cur_service], e->at - mc->cur_from);
			return HQ_OK;
		}
		return learn_service_time(q, m, e->ticket_id);
	}
	return HQ_OK;
}

/* Read the feed after the cursor. */
static int read_feed(struct hq_queue *q, struct hq__alerts *m)
{
	struct feed_event ev[EVENT_PAGE];
	int n, rc;

	do {
		sqlite3_stmt *s = hq__stmt(q, SQL_EVENT_SINCE);

		sqlite3_bind_int64(s, 1, m->cursor);
		sqlite3_bind_int(s, 2, EVENT_PAGE);
		for (n = 0; (rc = sqlite3_step(s)) == SQLITE_ROW && n < EVENT_PAGE; n++) {
			struct feed_event *e = &ev[n];

			e->id = sqlite3_column_int64(s, 0);
			e->at = sqlite3_column_int64(s, 1);
			hq__copy_col(e->type, sizeof e->type, s, 2);
			e->ticket_id = sqlite3_column_int64(s, 3);
			hq__copy_col(e->service, sizeof e->service, s, 5);
			e->counter = sqlite3_column_int(s, 6);
			e->no_reason = sqlite3_column_type(s, 8) == SQLITE_NULL ||
				       no_reason((const char *)sqlite3_column_text(s, 8));
		}
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return hq__dberr(q, rc);
		/* Learnt after the statement is reset: learning runs statements of its own. */
		for (int i = 0; i < n; i++) {
			if ((rc = learn(q, m, &ev[i])))
				return rc;
			m->cursor = ev[i].id;
		}
	} while (n == EVENT_PAGE);
	return HQ_OK;
}

/* The context's memory, made or made again for the config in force; NULL when out of
 * memory. A new one learns from the newest part of the feed. */
static int memory(struct hq_queue *q, struct hq__alerts **out)
{
	struct hq__alerts *m = q->alerts;
	int64_t last;
	size_t cap;
	int rc;

	if (!m) {
		if (!(m = calloc(1, sizeof *m)))
			return hq__fail(q, HQ_ENOMEM, "out of memory for the alerts' memory");
		q->alerts = m;
	}
	if (m->built && m->cfg == q->cfg && m->cfg_version == q->cfg_version && m->epoch == q->epoch) {
		*out = m;
		return read_feed(q, m);
	}
	cap = m->cap;
	memset(m, 0, offsetof(struct hq__alerts, cases));
	m->cap = cap;
	m->cfg = q->cfg;
	m->cfg_version = q->cfg_version;
	m->epoch = q->epoch;
	for (int i = 0; i < HQ_MAX_COUNTERS; i++)
		m->ctr[i].cur_service = -1;
	for (size_t i = 0; i < q->cfg->ncounters; i++)
		snprintf(m->ctr_subject[i], sizeof m->ctr_subject[i], "counter:%d", q->cfg->counters[i].number);
	for (size_t i = 0; i < q->cfg->nservices; i++)
		snprintf(m->svc_subject[i], sizeof m->svc_subject[i], "service:%s", q->cfg->services[i].key);
	if ((last = hq_queue_last_event_id(q)) < 0)
		return hq__dberr(q, sqlite3_errcode(q->db));
	m->cursor = last > REPLAY_EVENTS ? last - REPLAY_EVENTS : 0;
	if ((rc = read_feed(q, m)))
		return rc;
	all_stale(m);
	m->built = true;
	*out = m;
	return HQ_OK;
}

/* ---- the facts, read when stale ---------------------------------------------------------- */

static int service_facts(struct hq_queue *q, struct hq__alerts *m, int i, struct mem_service **out)
{
	struct mem_service *sv = &m->svc[i];
	sqlite3_stmt *s;
	int rc;

	*out = sv;
	if (sv->fresh)
		return HQ_OK;
	s = hq__stmt(q, SQL_ALERT_SVC_WAITING);
	hq__bind_text(s, 1, q->cfg->services[i].key);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sv->waiting = sqlite3_column_int(s, 0);
		sv->oldest = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return hq__dberr(q, rc);
	sv->fresh = true;
	return HQ_OK;
}

static int targeted_facts(struct hq_queue *q, struct hq__alerts *m)
{
	sqlite3_stmt *s;
	int rc;

	if (m->targeted_fresh)
		return HQ_OK;
	for (size_t i = 0; i < q->cfg->ncounters; i++) {
		m->ctr[i].targeted = 0;
		m->ctr[i].targeted_oldest = 0;
	}
	m->any_targeted = false;
	s = hq__stmt(q, SQL_ALERT_TARGETED);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int c = counter_index(q->cfg, sqlite3_column_int(s, 0));

		m->any_targeted = true;
		if (c >= 0) {
			m->ctr[c].targeted = sqlite3_column_int(s, 1);
			m->ctr[c].targeted_oldest = sqlite3_column_int64(s, 2);
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	m->targeted_fresh = true;
	return HQ_OK;
}

static int counter_facts(struct hq_queue *q, struct hq__alerts *m, int i, struct mem_counter **out)
{
	struct mem_counter *mc = &m->ctr[i];
	sqlite3_stmt *s;
	int rc;

	*out = mc;
	if (mc->fresh)
		return HQ_OK;
	s = hq__stmt(q, SQL_ALERT_COUNTER);
	sqlite3_bind_int(s, 1, q->cfg->counters[i].number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		mc->state = sqlite3_column_int(s, 0);
		hq__copy_col(mc->reason, sizeof mc->reason, s, 1);
		hq__copy_col(mc->clerk, sizeof mc->clerk, s, 2);
		mc->active_at = sqlite3_column_int64(s, 3);
		mc->paused_at = sqlite3_column_int64(s, 4);
		mc->cur_id = sqlite3_column_int64(s, 5);
		hq__copy_col(mc->cur_label, sizeof mc->cur_label, s, 6);
		mc->cur_service = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 7));
		mc->cur_from = sqlite3_column_int64(s, 9) ? sqlite3_column_int64(s, 9)
							   : sqlite3_column_int64(s, 8);
	} else if (rc == SQLITE_DONE) {
		/* A counter of the config without its row yet: as a new one, open and idle. */
		mc->state = HQ_C_OPEN;
		mc->reason[0] = mc->clerk[0] = mc->cur_label[0] = '\0';
		mc->active_at = mc->paused_at = mc->cur_id = mc->cur_from = 0;
		mc->cur_service = -1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	mc->fresh = true;
	return HQ_OK;
}

static int cmp_ms(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median service time of service i: of its last SLOW_SAMPLES finished tickets, nearest
 * rank (the statistics' p50); until there are SLOW_SEED, its target_minutes. */
static int64_t median_of(const struct hq_config *cfg, struct hq__alerts *m, int i)
{
	struct mem_service *sv = &m->svc[i];
	int64_t sorted[SLOW_SAMPLES];

	if (sv->median_fresh)
		return sv->median;
	if (sv->ntimes < SLOW_SEED) {
		sv->median = cfg->services[i].target_minutes * MIN_MS;
	} else {
		memcpy(sorted, sv->times, (size_t)sv->ntimes * sizeof sorted[0]);
		qsort(sorted, (size_t)sv->ntimes, sizeof sorted[0], cmp_ms);
		sv->median = sorted[(sv->ntimes + 1) / 2 - 1];
	}
	sv->median_fresh = true;
	return sv->median;
}

static int cases_facts(struct hq_queue *q, struct hq__alerts **mp)
{
	struct hq__alerts *m = *mp;
	int64_t sig[3];
	sqlite3_stmt *s;
	int rc;

	/* The reviews' own program writes events for each change (learn() marks the cases
	 * stale). A row put in by hand, or by a program that writes none, shows in the newest
	 * ids, looked at once a second of hall time: not on every request of a busy second. */
	if (m->cases_fresh && q->now - m->case_sig_at < 1000 && q->now >= m->case_sig_at)
		return HQ_OK;
	m->case_sig_at = q->now;
	s = hq__stmt(q, SQL_ALERT_CASES_SIG);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		for (int k = 0; k < 3; k++)
			sig[k] = sqlite3_column_int64(s, k);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return hq__dberr(q, rc);
	if (m->cases_fresh && !memcmp(sig, m->case_sig, sizeof sig))
		return HQ_OK;
	m->ncases = 0;
	s = hq__stmt(q, SQL_ALERT_CASES);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mem_case *c;

		if (m->ncases == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 64;
			struct hq__alerts *grown = realloc(m, sizeof *m + cap * sizeof m->cases[0]);

			if (!grown) {
				sqlite3_reset(s);
				return hq__fail(q, HQ_ENOMEM, "out of memory for the open cases");
			}
			*mp = q->alerts = m = grown;
			m->cap = cap;
		}
		c = &m->cases[m->ncases++];
		c->id = sqlite3_column_int64(s, 0);
		c->state = sqlite3_column_int(s, 1);
		hq__copy_col(c->rectify_due, sizeof c->rectify_due, s, 2);
		hq__copy_col(c->revisit_due, sizeof c->revisit_due, s, 3);
		c->level = sqlite3_column_int(s, 4);
		hq__copy_col(c->service, sizeof c->service, s, 5);
		c->counter = sqlite3_column_int(s, 6);
		hq__copy_col(c->clerk, sizeof c->clerk, s, 7);
		hq__copy_col(c->label, sizeof c->label, s, 8);
		snprintf(c->subject, sizeof c->subject, "case:%lld", (long long)c->id);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	memcpy(m->case_sig, sig, sizeof sig);
	m->cases_fresh = true;
	return HQ_OK;
}

/* ---- opening hours ------------------------------------------------------------------------ */

/* Is this counter (NULL: the hall, as hq_config_open_count counts it) open at the local
 * minute `minute` of weekday wday? */
static bool open_at(const struct hq_config *cfg, const struct hq_counter_cfg *cc, int wday,
		    int minute)
{
	int n = 0;

	if (cc) {
		for (int i = 0; i < cc->nservices; i++)
			if (hq_service_open_at(&cfg->services[cc->services[i]], wday, minute))
				return true;
		return false;
	}
	for (size_t i = 0; i < cfg->nservices; i++)
		n += hq_service_open_at(&cfg->services[i], wday, minute);
	return n >= hq_config_open_need(cfg);
}

static void add_edges(const struct hq_service *sv, int wday, int *edges, int *n)
{
	if (!(sv->days & (1u << wday)))
		return;
	for (int p = 0; p < sv->nperiods; p++) {
		edges[(*n)++] = sv->periods[p].open;
		edges[(*n)++] = sv->periods[p].close;
	}
}

#define EDGES_MAX (2 * HQ_MAX_PERIODS * HQ_MAX_SERVICES)

/* The opening hours of counter cc (NULL: the hall) on weekday wday, as sorted, disjoint
 * [open, close) minutes into iv; how many. Opening hours are whole local minutes, so between
 * two period edges of the day, open or not does not change. */
static int work_out_hours(const struct hq_config *cfg, const struct hq_counter_cfg *cc, int wday,
			  short iv[][2])
{
	int edges[EDGES_MAX], n = 0, k, niv = 0;

	if (cc)
		for (int i = 0; i < cc->nservices; i++)
			add_edges(&cfg->services[cc->services[i]], wday, edges, &n);
	else
		for (size_t i = 0; i < cfg->nservices; i++)
			add_edges(&cfg->services[i], wday, edges, &n);
	for (int a = 1; a < n; a++) /* insertion sort: a few dozen at most */
		for (k = a; k > 0 && edges[k - 1] > edges[k]; k--) {
			int t = edges[k];

			edges[k] = edges[k - 1];
			edges[k - 1] = t;
		}
	for (k = 0; k + 1 < n; k++) {
		if (edges[k] == edges[k + 1] || !open_at(cfg, cc, wday, edges[k]))
			continue;
		if (niv && iv[niv - 1][1] == edges[k])
			iv[niv - 1][1] = (short)edges[k + 1];
		else {
			iv[niv][0] = (short)edges[k];
			iv[niv++][1] = (short)edges[k + 1];
		}
	}
	return niv;
}

/* The local day of t: the cached one (today, mostly) or worked out, which costs a
 * localtime and a mktime. */
static void day_of(struct day *cache, int64_t t, struct day *d)
{
	int minute;

	if (cache->d1 && t >= cache->d0 && t < cache->d1) {
		*d = *cache;
		return;
	}
	d->d0 = hq_day_start(t);
	d->d1 = hq_day_start(d->d0 + DAY_MS + DAY_MS / 2);
	hq_local_parts(d->d0, &d->wday, &minute);
	if (!cache->d1)
		*cache = *d;
}

/*
 * How many ms of [from, to) counter cc (NULL: the hall) was open. Each weekday's hours are
 * worked out once (the memory keeps them). A day is taken as its midnight plus minutes,
 * which a zone with daylight saving would misread on its two changes a year; halls of China
 * have none.
 */
static int64_t open_ms(const struct hq_config *cfg, struct hq__alerts *m, struct day *cache,
		       const struct hq_counter_cfg *cc, int64_t from, int64_t to)
{
	short local[EDGES_MAX / 2][2];
	int64_t total = 0, t;

	if (to - from > HOURS_DAYS_MAX * DAY_MS)
		from = to - HOURS_DAYS_MAX * DAY_MS;
	for (t = from; t < to;) {
		struct hours *h = &m->hours[cc ? cc - cfg->counters : HQ_MAX_COUNTERS][0];
		short (*iv)[2];
		struct day day;
		int n;

		day_of(cache, t, &day);
		h += day.wday;
		if (!h->known) {
			n = work_out_hours(cfg, cc, day.wday, local);
			h->known = true;
			h->n = (signed char)(n <= HOURS_MAX ? n : -1);
			if (n <= HOURS_MAX)
				memcpy(h->iv, local, (size_t)n * sizeof local[0]);
		}
		if (h->n >= 0) {
			iv = h->iv;
			n = h->n;
		} else {
			iv = local;
			n = work_out_hours(cfg, cc, day.wday, local);
		}
		for (int k = 0; k < n; k++) {
			int64_t a = day.d0 + iv[k][0] * MIN_MS, b = day.d0 + iv[k][1] * MIN_MS;

			a = a > t ? a : t;
			b = b < to ? b : to;
			if (b > a)
				total += b - a;
		}
		if (day.d1 <= t)
			break; /* a clock library gone wrong: never loop */
		t = day.d1;
	}
	return total;
}

/* ---- evaluation ------------------------------------------------------------------------- */

/* An alert to raise, found by the rules and written once they are all evaluated. */
struct raise {
	const struct hq_alert_rule *rule;
	char subject[HQ_ALERT_SUBJECT_MAX];
	char service[HQ_KEY_MAX];
	int counter;
	char clerk[HQ_CLERK_MAX];
	char message[HQ_ALERT_MESSAGE_MAX];
};

/* One evaluation. */
struct eval {
	struct hq_queue *q;
	struct hq__alerts *m;
	const struct hq_config *cfg;
	int64_t now;
	int wday, minute;           /* now, local */
	struct day today_cache;     /* the local day of now, once worked out */
	char today[11];
	struct open_alert *open;    /* sorted by rule, subject; raised ones join them */
	size_t nopen, cap;
	bool cases_read;            /* the open cases are read for this evaluation */
	bool wrote;                 /* events written, the newest last_event */
	int64_t last_event;
	signed char in_hours[HQ_MAX_COUNTERS]; /* counter open now: 1, 0, or -1 not worked out */
	struct raise *raises;       /* to be raised */
	size_t nraises, raises_cap;
	int raised, cleared;
};

static int cmp_open(const void *a, const void *b)
{
	const struct open_alert *x = a, *y = b;
	int c = strcmp(x->rule, y->rule);

	return c ? c : strcmp(x->subject, y->subject);
}

/* Room for n more open alerts in the evaluation's list. */
static bool room_for(struct eval *ev, size_t n)
{
	struct open_alert *grown;
	size_t cap = ev->cap ? ev->cap : 32;

	if (ev->nopen + n <= ev->cap)
		return true;
	while (cap < ev->nopen + n)
		cap *= 2;
	if (!(grown = realloc(ev->open, cap * sizeof *grown)))
		return false;
	ev->open = grown;
	ev->cap = cap;
	return true;
}

static bool room_for_one(struct eval *ev)
{
	return room_for(ev, 1);
}

static int read_open(struct eval *ev)
{
	sqlite3_stmt *s;
	int rc;

	if (ev->m->open_fresh) {
		ev->nopen = 0;
		if (!ev->m->nopen)
			return HQ_OK;
		if (!room_for(ev, ev->m->nopen))
			return hq__fail(ev->q, HQ_ENOMEM, "out of memory for the open alerts");
		memcpy(ev->open, ev->m->open, ev->m->nopen * sizeof ev->open[0]);
		ev->nopen = ev->m->nopen;
		for (size_t i = 0; i < ev->nopen; i++)
			ev->open[i].holds = false;
		return HQ_OK;
	}
	s = hq__stmt(ev->q, SQL_ALERT_OPEN);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct open_alert *a;

		if (!room_for_one(ev)) {
			sqlite3_reset(s);
			return hq__fail(ev->q, HQ_ENOMEM, "out of memory for the open alerts");
		}
		a = &ev->open[ev->nopen++];
		a->id = sqlite3_column_int64(s, 0);
		hq__copy_col(a->rule, sizeof a->rule, s, 1);
		hq__copy_col(a->subject, sizeof a->subject, s, 2);
		hq__copy_col(a->service, sizeof a->service, s, 3);
		a->counter = sqlite3_column_int(s, 4);
		a->holds = false;
	}
	sqlite3_reset(s);
	/* In the order of the index alerts_open, which is cmp_open's: SQLite compares text
	 * bytewise, as strcmp does. */
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(ev->q, rc);
}

static int alert_event(struct hq_queue *q, const char *type, int64_t id, const char *rule,
		       const char *subject, const char *service, int counter)
{
	struct hq_ticket none = {0};
	char detail[HQ_NAME_MAX];

	snprintf(none.service, sizeof none.service, "%s", service);
	snprintf(detail, sizeof detail, "%s:%s", rule, subject);
	return hq__event(q, type, &none, counter, (int)id, detail);
}

/* An event of the evaluation: noted, so that the feed goes past its own. */
static int eval_event(struct eval *ev, const char *type, int64_t id, const char *rule,
		      const char *subject, const char *service, int counter)
{
	int rc = alert_event(ev->q, type, id, rule, subject, service, counter);

	if (rc == HQ_OK) {
		ev->wrote = true;
		ev->last_event = sqlite3_last_insert_rowid(ev->q->db);
	}
	return rc;
}

/*
 * The condition of rule r holds for subject: keep its open alert, or raise one (written
 * once every rule is evaluated). The message is made only for a new alert.
 */
__attribute__((format(printf, 7, 8)))
static int hold(struct eval *ev, const struct hq_alert_rule *r, const char *subject,
		const char *service, int counter, const char *clerk, const char *fmt, ...)
{
	struct open_alert key = {0};
	struct raise *n;
	size_t lo = 0, hi = ev->nopen;
	va_list ap;
	int c = 1;

	/* Where it is among the open ones (by rule, then subject), or would be. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (!(c = strcmp(ev->open[mid].rule, r->name)))
			c = strcmp(ev->open[mid].subject, subject);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ev->nopen && !strcmp(ev->open[lo].rule, r->name) &&
	    !strcmp(ev->open[lo].subject, subject)) {
		ev->open[lo].holds = true;
		return HQ_OK;
	}
	copy(key.rule, sizeof key.rule, r->name);
	copy(key.subject, sizeof key.subject, subject);
	if (!room_for_one(ev))
		return hq__fail(ev->q, HQ_ENOMEM, "out of memory for the open alerts");
	if (ev->nraises == ev->raises_cap) {
		size_t cap = ev->raises_cap ? ev->raises_cap * 2 : 8;
		struct raise *grown = realloc(ev->raises, cap * sizeof *grown);

		if (!grown)
			return hq__fail(ev->q, HQ_ENOMEM, "out of memory for the new alerts");
		ev->raises = grown;
		ev->raises_cap = cap;
	}
	n = &ev->raises[ev->nraises++];
	n->rule = r;
	copy(n->subject, sizeof n->subject, subject);
	copy(n->service, sizeof n->service, service);
	n->counter = counter;
	copy(n->clerk, sizeof n->clerk, clerk);
	va_start(ap, fmt);
	vsnprintf(n->message, sizeof n->message, fmt, ap);
	va_end(ap);
	/* It joins the open ones, in its place (its id once written): a subject named twice
	 * is raised once. */
	copy(key.service, sizeof key.service, service);
	key.counter = counter;
	key.holds = true;
	memmove(&ev->open[lo + 1], &ev->open[lo], (ev->nopen - lo) * sizeof key);
	ev->open[lo] = key;
	ev->nopen++;
	return HQ_OK;
}

/* Leave the open alerts of rule r as they are (their facts are not known now). */
static void keep_open(struct eval *ev, const struct hq_alert_rule *r)
{
	for (size_t i = 0; i < ev->nopen; i++)
		if (!strcmp(ev->open[i].rule, r->name))
			ev->open[i].holds = true;
}

static bool watched(const struct hq_alert_rule *r, int service)
{
	return !r->services || (service >= 0 && (r->services & (1ull << service)));
}

static bool counter_watched(const struct hq_alert_rule *r, const struct hq_counter_cfg *cc)
{
	if (!r->services)
		return true;
	for (int i = 0; i < cc->nservices; i++)
		if (r->services & (1ull << cc->services[i]))
			return true;
	return false;
}

static int64_t mins(int64_t ms)
{
	return ms / MIN_MS;
}

/* wait and queue: a service's queue. */
static int eval_service(struct eval *ev, const struct hq_alert_rule *r)
{
	const struct hq_config *cfg = ev->cfg;
	struct mem_service *sv;
	int rc;

	for (size_t i = 0; i < cfg->nservices; i++) {
		const struct hq_service *svc = &cfg->services[i];
		const char *subject = ev->m->svc_subject[i];

		if (!watched(r, (int)i))
			continue;
		if ((rc = service_facts(ev->q, ev->m, (int)i, &sv)))
			return rc;
		if (r->kind == HQ_ALERT_WAIT && sv->waiting > 0 && sv->oldest > 0) {
			int64_t limit = svc->max_wait_minutes * MIN_MS * r->percent / 100;

			if (ev->now - sv->oldest >= limit &&
			    (rc = hold(ev, r, subject, svc->key, 0, "", "the longest wait for %s is %lld min, "
				       "%d%% of its %d min", svc->name, (long long)mins(ev->now - sv->oldest),
				       r->percent, svc->max_wait_minutes)))
				return rc;
		} else if (r->kind == HQ_ALERT_QUEUE && sv->waiting > r->count &&
			   (rc = hold(ev, r, subject, svc->key, 0, "", "%d waiting for %s, more than %d",
				      sv->waiting, svc->name, r->count))) {
			return rc;
		}
	}
	return HQ_OK;
}

/* The people waiting for counter i: in the queues of its services and sent to it by name;
 * *since is when the longest-waiting of them came, 0 when nobody waits. */
static int waiting_for(struct eval *ev, int i, int *n, int64_t *since)
{
	const struct hq_counter_cfg *cc = &ev->cfg->counters[i];
	struct mem_service *sv;
	int rc;

	if ((rc = targeted_facts(ev->q, ev->m)))
		return rc;
	*n = ev->m->ctr[i].targeted;
	*since = ev->m->ctr[i].targeted_oldest;
	for (int k = 0; k < cc->nservices; k++) {
		if ((rc = service_facts(ev->q, ev->m, cc->services[k], &sv)))
			return rc;
		if (sv->waiting > 0 && sv->oldest > 0) {
			*n += sv->waiting;
			*since = !*since || sv->oldest < *since ? sv->oldest : *since;
		}
	}
	return HQ_OK;
}

static int64_t later(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The opening hours of counter cc (NULL: the hall's) in [from, now). */
static int64_t hours_ms(struct eval *ev, const struct hq_counter_cfg *cc, int64_t from)
{
	return open_ms(ev->cfg, ev->m, &ev->today_cache, cc, from, ev->now);
}

/* The counter rules that count opening hours: since when the condition has held (0: it
 * does not hold now), and the message's words for it. */
static int counter_since(struct eval *ev, const struct hq_alert_rule *r, int i,
			 const struct mem_counter *c, int64_t *since, int *waiting)
{
	int rc;

	*since = 0;
	*waiting = 0;
	switch (r->kind) {
	case HQ_ALERT_PAUSE:
		if (c->state == HQ_C_PAUSED)
			*since = c->paused_at;
		return HQ_OK;
	case HQ_ALERT_PAUSE_REASON:
		if (c->state == HQ_C_PAUSED && no_reason(c->reason))
			*since = later(c->paused_at, c->paused_ev);
		return HQ_OK;
	case HQ_ALERT_UNSTAFFED:
		if (c->state != HQ_C_OPEN || c->clerk[0])
			return HQ_OK;
		break;
	case HQ_ALERT_IDLE:
		if (c->state != HQ_C_OPEN || !c->clerk[0] || c->cur_id)
			return HQ_OK;
		break;
	default:
		return HQ_OK;
	}
	/* unstaffed and idle: from the arrival of the longest-waiting of the counter's people,
	 * and from its opening and its clerk's sign-out, or from its last sign of work. */
	if ((rc = waiting_for(ev, i, waiting, since)) || !*waiting)
		return rc;
	if (r->kind == HQ_ALERT_UNSTAFFED)
		*since = later(*since, later(c->open_since, c->noclerk_since));
	else
		*since = later(*since, c->active_at);
	return HQ_OK;
}

/* pause, pause_reason, unstaffed, idle, slow and noshows: a counter. */
static int eval_counter(struct eval *ev, const struct hq_alert_rule *r)
{
	const struct hq_config *cfg = ev->cfg;
	struct mem_counter *c;
	int64_t since, held;
	int rc, n;

	for (size_t i = 0; i < cfg->ncounters; i++) {
		const struct hq_counter_cfg *cc = &cfg->counters[i];
		const char *subject = ev->m->ctr_subject[i];

		if (r->kind != HQ_ALERT_SLOW && !counter_watched(r, cc))
			continue;
		if ((rc = counter_facts(ev->q, ev->m, (int)i, &c)))
			return rc;
		if (r->kind == HQ_ALERT_SLOW) {
			int64_t median, limit;

			if (!c->cur_id || c->cur_from <= 0 || c->cur_service < 0 || !watched(r, c->cur_service))
				continue;
			median = median_of(cfg, ev->m, c->cur_service);
			limit = later(median * r->percent / 100, r->minutes * MIN_MS);
			held = ev->now - c->cur_from;
			if (held >= limit &&
			    (rc = hold(ev, r, subject, cfg->services[c->cur_service].key, cc->number, c->clerk,
				       "%s has served %s for %lld min, %d%% of the median %lld min", cc->name,
				       c->cur_label, (long long)mins(held),
				       median > 0 ? (int)(held * 100 / median) : 0, (long long)mins(median))))
				return rc;
			continue;
		}
		if (r->kind == HQ_ALERT_NOSHOWS) {
			if (c->noshows >= r->count &&
			    (rc = hold(ev, r, subject, "", cc->number, c->clerk, "%d no-shows in a row at %s",
				       c->noshows, cc->name)))
				return rc;
			continue;
		}
		/* The rest hold only in the counter's opening hours, and count those alone. */
		if (ev->in_hours[i] < 0)
			ev->in_hours[i] = open_at(cfg, cc, ev->wday, ev->minute);
		if (!ev->in_hours[i])
			continue;
		if ((rc = counter_since(ev, r, (int)i, c, &since, &n)))
			return rc;
		if (!since || (held = hours_ms(ev, cc, since)) < r->minutes * MIN_MS)
			continue;
		if (r->kind == HQ_ALERT_PAUSE)
			rc = hold(ev, r, subject, "", cc->number, c->clerk, "%s paused for %lld min of opening "
				  "hours (%s)", cc->name, (long long)mins(held),
				  no_reason(c->reason) ? "no reason given" : c->reason);
		else if (r->kind == HQ_ALERT_PAUSE_REASON)
			rc = hold(ev, r, subject, "", cc->number, c->clerk, "%s paused with no reason for "
				  "%lld min", cc->name, (long long)mins(held));
		else if (r->kind == HQ_ALERT_UNSTAFFED)
			rc = hold(ev, r, subject, "", cc->number, "", "%s is open with %d waiting and no clerk "
				  "signed in, for %lld min", cc->name, n, (long long)mins(held));
		else
			rc = hold(ev, r, subject, "", cc->number, c->clerk, "%s (%s) has called nobody for "
				  "%lld min with %d waiting", cc->name, c->clerk, (long long)mins(held), n);
		if (rc)
			return rc;
	}
	return HQ_OK;
}

/* bad_review and case_overdue: the open bad-review cases. */
static int eval_cases(struct eval *ev, const struct hq_alert_rule *r)
{
	int rc;

	/* Read once an evaluation, for both rules about cases. */
	if (!ev->cases_read && (rc = cases_facts(ev->q, &ev->m)))
		return rc;
	ev->cases_read = true;
	for (size_t i = 0; i < ev->m->ncases; i++) {
		const struct mem_case *c = &ev->m->cases[i];
		const char *subject = c->subject;

		if (r->services && !watched(r, hq_config_service_index(ev->cfg, c->service)))
			continue;
		if (r->kind == HQ_ALERT_BAD_REVIEW) {
			if (c->state == HQ_CASE_OPEN && c->level <= HQ_LEVEL_BAD &&
			    (rc = hold(ev, r, subject, c->service, c->counter, c->clerk, "a bad review (level %d) "
				       "of %s at counter %d is not verified yet", c->level, c->label, c->counter)))
				return rc;
		/* Overdue as the case workflow says (review.c): its step's due date has passed
		 * on the hall's clock. */
		} else if (hq__case_overdue(c->state, c->rectify_due, c->revisit_due, ev->today)) {
			bool rectify = c->state < HQ_CASE_RECTIFIED;

			if ((rc = hold(ev, r, subject, c->service, c->counter, c->clerk, "case %lld (%s) was to "
				       "be %s by %s", (long long)c->id, c->label, rectify ? "rectified" : "revisited",
				       rectify ? c->rectify_due : c->revisit_due)))
				return rc;
		}
	}
	return HQ_OK;
}

static struct mem_device *device_memory(struct hq__alerts *m, const char *subject, int64_t now)
{
	for (int i = 0; i < m->ndev; i++)
		if (!strcmp(m->dev[i].subject, subject))
			return &m->dev[i];
	if (m->ndev == MAX_DEVICES)
		return NULL;
	snprintf(m->dev[m->ndev].subject, sizeof m->dev[0].subject, "%s", subject);
	m->dev[m->ndev].since = now;
	return &m->dev[m->ndev++];
}

static void device_subject(const struct hq_device_fact *d, char *subject, size_t len)
{
	if (d->kind == HQ_DEV_UNIT)
		snprintf(subject, len, "unit:%d", d->counter);
	else
		snprintf(subject, len, "%s:%s", hq_device_kind_name(d->kind), d->name);
}

/* What the devices say, learnt once an evaluation: when each that is down was first seen
 * down. One that is up, or no longer reported, is forgotten. */
static void learn_devices(struct eval *ev, const struct hq_device_fact *dev, size_t ndev)
{
	struct hq__alerts *m = ev->m;
	char subject[HQ_ALERT_SUBJECT_MAX];
	int i, k;

	for (i = 0; i < m->ndev; i++)
		m->dev[i].seen = false;
	for (size_t d = 0; d < ndev; d++) {
		struct mem_device *md;

		if (dev[d].up)
			continue;
		device_subject(&dev[d], subject, sizeof subject);
		if ((md = device_memory(m, subject, ev->now)) && !md->seen) {
			md->seen = true;
			md->fact = d;
		}
	}
	for (i = k = 0; i < m->ndev; i++)
		if (m->dev[i].seen)
			m->dev[k++] = m->dev[i];
	m->ndev = k;
}

/* device: each device down (learn_devices has them) for r->minutes of the hall's hours. */
static int eval_devices(struct eval *ev, const struct hq_alert_rule *r,
			const struct hq_device_fact *dev)
{
	int rc;

	if (!dev) {
		keep_open(ev, r);
		return HQ_OK;
	}
	if (!open_at(ev->cfg, NULL, ev->wday, ev->minute))
		return HQ_OK;
	for (int i = 0; i < ev->m->ndev; i++) {
		const struct mem_device *md = &ev->m->dev[i];
		const struct hq_device_fact *f = &dev[md->fact];
		const char *clerk = "";
		int64_t held;
		int c;

		if ((held = hours_ms(ev, NULL, md->since)) < r->minutes * MIN_MS)
			continue;
		if (f->kind == HQ_DEV_UNIT && (c = counter_index(ev->cfg, f->counter)) >= 0) {
			struct mem_counter *mc;

			if ((rc = counter_facts(ev->q, ev->m, c, &mc)))
				return rc;
			clerk = mc->clerk;
		}
		if ((rc = hold(ev, r, md->subject, "", f->kind == HQ_DEV_UNIT ? f->counter : 0, clerk,
			       "%s %s is down for %lld min of opening hours%s%s", hq_device_kind_name(f->kind),
			       md->subject + strcspn(md->subject, ":") + 1, (long long)mins(held),
			       f->detail[0] ? ": " : "", f->detail)))
			return rc;
	}
	return HQ_OK;
}

/* Write the new alerts; their ids go to their places among the open ones. */
static int raise_new(struct eval *ev)
{
	int rc;

	for (size_t i = 0; i < ev->nraises; i++) {
		const struct raise *n = &ev->raises[i];
		sqlite3_stmt *s = hq__stmt(ev->q, SQL_ALERT_INSERT);
		struct open_alert key = {0}, *a;
		int64_t id;

		hq__bind_text(s, 1, n->rule->name);
		sqlite3_bind_int(s, 2, n->rule->kind);
		sqlite3_bind_int(s, 3, n->rule->severity);
		hq__bind_text(s, 4, n->subject);
		hq__bind_text(s, 5, n->service);
		sqlite3_bind_int(s, 6, n->counter);
		hq__bind_text(s, 7, n->clerk);
		hq__bind_text(s, 8, n->message);
		sqlite3_bind_int64(s, 9, ev->now);
		if ((rc = hq__exec(ev->q, s)))
			return rc;
		id = sqlite3_last_insert_rowid(ev->q->db);
		copy(key.rule, sizeof key.rule, n->rule->name);
		copy(key.subject, sizeof key.subject, n->subject);
		if ((a = bsearch(&key, ev->open, ev->nopen, sizeof key, cmp_open)))
			a->id = id;
		if ((rc = eval_event(ev, "alert_raised", id, n->rule->name, n->subject, n->service, n->counter)))
			return rc;
		ev->raised++;
	}
	return HQ_OK;
}

/* Clear every open alert whose condition no longer holds (or whose rule is off or gone). */
static int clear_stale(struct eval *ev)
{
	int rc;

	for (size_t i = 0; i < ev->nopen; i++) {
		const struct open_alert *a = &ev->open[i];
		sqlite3_stmt *s;

		if (a->holds)
			continue;
		s = hq__stmt(ev->q, SQL_ALERT_CLEAR);
		sqlite3_bind_int64(s, 1, a->id);
		sqlite3_bind_int64(s, 2, ev->now);
		if ((rc = hq__exec(ev->q, s)) ||
		    (rc = eval_event(ev, "alert_cleared", a->id, a->rule, a->subject, a->service, a->counter)))
			return rc;
		ev->cleared++;
	}
	return HQ_OK;
}

/* Does the evaluation change anything: an alert to raise, or one to clear? */
static bool changes(const struct eval *ev)
{
	if (ev->nraises)
		return true;
	for (size_t i = 0; i < ev->nopen; i++)
		if (!ev->open[i].holds)
			return true;
	return false;
}

/*
 * Evaluate every rule, then write what changed: in the transaction the caller opened (own),
 * or, in a batch, in a savepoint of its own opened only when there is something to write,
 * as most evaluations after a request change nothing.
 */
static int eval_locked(struct eval *ev, const struct hq_device_fact *dev, size_t ndev, bool own)
{
	struct hq_queue *q = ev->q;
	struct day today;
	int rc;

	if ((rc = memory(q, &ev->m)))
		return rc;
	ev->cfg = q->cfg;
	ev->now = q->now;
	if (!ev->m->day.d1 || ev->now < ev->m->day.d0 || ev->now >= ev->m->day.d1) {
		struct day none = {0};

		day_of(&none, ev->now, &today);
		ev->m->day = today;
		hq_local_day(ev->now, ev->m->day_text);
	}
	ev->today_cache = ev->m->day;
	ev->wday = ev->m->day.wday;
	ev->minute = (int)((ev->now - ev->m->day.d0) / MIN_MS);
	memcpy(ev->today, ev->m->day_text, sizeof ev->today);
	memset(ev->in_hours, -1, sizeof ev->in_hours);
	if ((rc = read_open(ev)))
		return rc;
	if (dev)
		learn_devices(ev, dev, ndev);
	for (int i = 0; i < ev->cfg->nalerts && rc == HQ_OK; i++) {
		const struct hq_alert_rule *r = &ev->cfg->alerts[i];

		if (!r->enabled)
			continue;
		switch (r->kind) {
		case HQ_ALERT_WAIT:
		case HQ_ALERT_QUEUE:
			rc = eval_service(ev, r);
			break;
		case HQ_ALERT_BAD_REVIEW:
		case HQ_ALERT_CASE_OVERDUE:
			rc = eval_cases(ev, r);
			break;
		case HQ_ALERT_DEVICE:
			rc = eval_devices(ev, r, dev);
			break;
		default:
			rc = eval_counter(ev, r);
			break;
		}
	}
	if (rc)
		return rc;
	if (changes(ev)) {
		if (!own && (rc = hq__tx_begin(q, true)))
			return rc;
		if ((rc = raise_new(ev)) == HQ_OK)
			rc = clear_stale(ev);
		if (!own && (rc = hq__end(q, rc)))
			return rc;
		if (rc)
			return rc;
	}
	/* What stays open, for the next time; and the events just written are this
	 * evaluation's own (the transaction is the only writer): the feed goes past them. */
	ev->m->nopen = 0;
	for (size_t i = 0; i < ev->nopen && ev->m->nopen < OPEN_KEPT; i++)
		if (ev->open[i].holds)
			ev->m->open[ev->m->nopen++] = ev->open[i];
	ev->m->open_fresh = ev->m->nopen < OPEN_KEPT;
	if (ev->wrote)
		ev->m->cursor = ev->last_event;
	return HQ_OK;
}

int hq_queue_alerts_eval(struct hq_queue *q, const struct hq_device_fact *dev, size_t ndev,
			 int *raised, int *cleared)
{
	struct eval ev = {.q = q};
	char today[11];
	int rc;

	if (raised)
		*raised = 0;
	if (cleared)
		*cleared = 0;
	/* In a batch the transaction is open and the batch's requests brought the day and the
	 * config up to date: the rules read in it directly. Otherwise, and on the first call of
	 * a new day, one write transaction of its own (hq__begin). */
	if (q->batch && q->cfg && q->day[0]) {
		const struct hq__alerts *m = q->alerts;

		q->err[0] = '\0';
		q->now = hq_queue_now(q);
		if (m && m->day.d1 && q->now >= m->day.d0 && q->now < m->day.d1)
			memcpy(today, m->day_text, sizeof today);
		else
			hq_local_day(q->now, today);
		if (!strcmp(today, q->day)) {
			rc = eval_locked(&ev, dev, ndev, false);
			goto done;
		}
	}
	rc = hq__begin(q, true);
	rc = hq__end(q, rc ? rc : eval_locked(&ev, dev, ndev, true));
done:
	free(ev.open);
	free(ev.raises);
	/* Undone: what the memory learnt in it, and its open alerts, may not be so. */
	if (rc && q->alerts)
		q->alerts->built = false;
	if (rc == HQ_OK) {
		if (raised)
			*raised = ev.raised;
		if (cleared)
			*cleared = ev.cleared;
	}
	return rc;
}

/* ---- reading and acknowledging ----------------------------------------------------------- */

static void row_to_alert(sqlite3_stmt *s, struct hq_alert *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	hq__copy_col(a->rule, sizeof a->rule, s, 1);
	a->kind = sqlite3_column_int(s, 2);
	a->severity = sqlite3_column_int(s, 3);
	hq__copy_col(a->subject, sizeof a->subject, s, 4);
	hq__copy_col(a->service, sizeof a->service, s, 5);
	a->counter = sqlite3_column_int(s, 6);
	hq__copy_col(a->clerk, sizeof a->clerk, s, 7);
	hq__copy_col(a->message, sizeof a->message, s, 8);
	a->raised_at = sqlite3_column_int64(s, 9);
	a->cleared_at = sqlite3_column_int64(s, 10);
	a->acked_at = sqlite3_column_int64(s, 11);
	hq__copy_col(a->acked_by, sizeof a->acked_by, s, 12);
	hq__copy_col(a->ack_note, sizeof a->ack_note, s, 13);
}

static int load_alert(struct hq_queue *q, int64_t id, struct hq_alert *a)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_ALERT_GET);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_to_alert(s, a);
		sqlite3_reset(s);
		return HQ_OK;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	return hq__fail(q, HQ_ENOALERT, "no alert with id %lld", (long long)id);
}

int hq_queue_alert(struct hq_queue *q, int64_t id, struct hq_alert *out)
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : load_alert(q, id, out));
}

static int ack_locked(struct hq_queue *q, int64_t id, const char *who, const char *note,
		      struct hq_alert *out)
{
	struct hq_alert a;
	sqlite3_stmt *s;
	int rc;

	/* An acknowledgement's note is one line: the alerts' listings show it so. */
	if ((rc = hq__check_who(q, "who acknowledges", who)) ||
	    (rc = hq__check_text(q, "the note", note, HQ_ALERT_NOTE_CHARS, false)))
		return rc;
	if ((rc = load_alert(q, id, &a)))
		return rc;
	if (a.acked_at) {
		char when[32];

		hq_format_local_time(a.acked_at, when, sizeof when);
		return hq__fail(q, HQ_ESTATE, "alert %lld was acknowledged by %s at %s", (long long)id,
				a.acked_by, when);
	}
	s = hq__stmt(q, SQL_ALERT_ACK);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, q->now);
	hq__bind_text(s, 3, who);
	hq__bind_text(s, 4, note);
	if ((rc = hq__exec(q, s)) ||
	    (rc = alert_event(q, "alert_acked", id, a.rule, a.subject, a.service, a.counter)))
		return rc;
	return out ? load_alert(q, id, out) : HQ_OK;
}

int hq_queue_alert_ack(struct hq_queue *q, int64_t id, const char *who, const char *note,
		       struct hq_alert *out)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : ack_locked(q, id, who, note, out));
}

static int list_locked(struct hq_queue *q, bool open_only, int64_t from, int64_t to,
		       struct hq_alert **out, size_t *n)
{
	sqlite3_stmt *s = hq__stmt(q, open_only ? SQL_ALERT_LIST_OPEN : SQL_ALERT_LIST_ALL);
	size_t cap = 0;
	int rc;

	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			struct hq_alert *grown;

			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(*out, cap * sizeof *grown))) {
				sqlite3_reset(s);
				return hq__fail(q, HQ_ENOMEM, "out of memory listing the alerts");
			}
			*out = grown;
		}
		row_to_alert(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_alerts(struct hq_queue *q, bool open_only, int64_t from, int64_t to,
		    struct hq_alert **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = hq__begin(q, false)) == HQ_OK)
		rc = hq__end(q, list_locked(q, open_only, from, to, out, n));
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int supervision_locked(struct hq_queue *q, struct hq_supervision *out)
{
	const struct hq_config *cfg = q->cfg;
	sqlite3_stmt *s;
	int rc;

	out->nservices = cfg->nservices;
	for (size_t i = 0; i < cfg->nservices; i++) {
		s = hq__stmt(q, SQL_ALERT_SVC_WAITING);
		hq__bind_text(s, 1, cfg->services[i].key);
		if ((rc = sqlite3_step(s)) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0)
			out->oldest_wait_ms[i] = later(0, q->now - sqlite3_column_int64(s, 1));
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return hq__dberr(q, rc);
	}
	out->ncounters = cfg->ncounters;
	for (size_t i = 0; i < cfg->ncounters; i++) {
		out->counters[i].number = cfg->counters[i].number;
		out->counters[i].state = HQ_C_OPEN;
	}
	s = hq__stmt(q, SQL_ALERT_COUNTER_PAUSES);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int c = counter_index(cfg, sqlite3_column_int(s, 0));

		if (c < 0)
			continue;
		out->counters[c].state = sqlite3_column_int(s, 1);
		if (out->counters[c].state == HQ_C_PAUSED && sqlite3_column_int64(s, 2) > 0)
			out->counters[c].paused_ms = later(0, q->now - sqlite3_column_int64(s, 2));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	out->nrules = cfg->nalerts;
	s = hq__stmt(q, SQL_ALERT_OPEN_BY_RULE);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const struct hq_alert_rule *r = hq_config_alert(cfg, (const char *)sqlite3_column_text(s, 0));

		if (r)
			out->alerts_open[r - cfg->alerts] = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_supervision(struct hq_queue *q, struct hq_supervision *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = hq__begin(q, false)))
		return rc;
	if (!q->cfg)
		rc = hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet: run hallq init");
	else
		rc = supervision_locked(q, out);
	return hq__end(q, rc);
}
