/*
 * The monthly window appraisal (月考核, 红旗窗口): each window (counter) and each clerk over
 * a period, their work, their 好差评 reviews and bad-review cases, the alerts they caused,
 * their attendance, and a score from the hall's [appraisal] weights that ranks them; the
 * best windows are 红旗窗口. docs/queue.md, "The monthly appraisal (月考核)", has the rules
 * and a worked example of the score, which tests/test_appraisal.c checks. Also the periods
 * the reports name: a day, an ISO week, a month, a quarter.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HOUR_MS 3600000.0

/* ---- periods --------------------------------------------------------------------------- */

/* n digits at s. */
static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Local midnight at the start of a day (days since 1970-01-01). */
static int64_t midnight(int64_t days)
{
	char day[11];
	int64_t ms = 0;

	hq_format_day(days, day);
	hq_parse_local_time(day, &ms);
	return ms;
}

int hq_period_parse(enum hq_period_kind kind, const char *text, int64_t *from, int64_t *to,
		    char label[HQ_PERIOD_LABEL_MAX])
{
	int64_t d0, d1;
	int y, n;

	if (!text || !digits(text, 4) || text[4] != '-')
		return HQ_EINVAL;
	y = num(text, 4);
	switch (kind) {
	case HQ_PERIOD_DAY:
		if (hq_parse_day(text, &d0))
			return HQ_EINVAL;
		d1 = d0 + 1;
		break;
	case HQ_PERIOD_WEEK: /* 2026-W48 */
		if (text[5] != 'W' || !digits(text + 6, 2) || text[8] ||
		    hq_iso_week_monday(y, num(text + 6, 2), &d0))
			return HQ_EINVAL;
		d1 = d0 + 7;
		break;
	case HQ_PERIOD_MONTH: /* 2026-11 */
		if (!digits(text + 5, 2) || text[7] || (n = num(text + 5, 2)) < 1 || n > 12)
			return HQ_EINVAL;
		d0 = hq_civil_days(y, n, 1);
		d1 = n == 12 ? hq_civil_days(y + 1, 1, 1) : hq_civil_days(y, n + 1, 1);
		break;
	case HQ_PERIOD_QUARTER: /* 2026-Q4: October to December */
		if (text[5] != 'Q' || !digits(text + 6, 1) || text[7] || (n = num(text + 6, 1)) < 1 || n > 4)
			return HQ_EINVAL;
		d0 = hq_civil_days(y, 3 * (n - 1) + 1, 1);
		d1 = n == 4 ? hq_civil_days(y + 1, 1, 1) : hq_civil_days(y, 3 * n + 1, 1);
		break;
	default:
		return HQ_EINVAL;
	}
	*from = midnight(d0);
	*to = midnight(d1);
	if (label)
		snprintf(label, HQ_PERIOD_LABEL_MAX, "%s", text);
	return HQ_OK;
}

/* ---- the figures ------------------------------------------------------------------------ */

const struct hq_appraisal_field hq_appraisal_fields[HQ_APPRAISAL_NFIELDS] = {
#define F(m, kind, head, base) {#m, head, HQ_AF_##kind, offsetof(struct hq_appraisal_row, m), \
				 base[0] ? base : NULL},
	HQ_APPRAISAL_FIELDS(F)
#undef F
};

double hq_appraisal_value(const struct hq_appraisal_row *r, const struct hq_appraisal_field *f)
{
	const char *p = (const char *)r + f->off;

	return f->kind == HQ_AF_INT ? *(const int *)p : *(const double *)p;
}

bool hq_appraisal_empty(const struct hq_appraisal_row *r, const struct hq_appraisal_field *f)
{
	for (size_t i = 0; f->base && i < HQ_APPRAISAL_NFIELDS; i++)
		if (!strcmp(hq_appraisal_fields[i].name, f->base))
			return hq_appraisal_value(r, &hq_appraisal_fields[i]) == 0;
	return false;
}

void hq_appraisal_free(struct hq_appraisal *a)
{
	if (!a)
		return;
	free(a->windows);
	free(a->clerks);
	a->windows = a->clerks = NULL;
	a->nwindows = a->nclerks = 0;
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Seconds to 0.1, rates to 0.001, hours and points to 0.01: as the report is read. */
static void csv_row(FILE *f, const struct hq_appraisal_row *r, const char *kind)
{
	bool window = !strcmp(kind, "window");

	fprintf(f, "%s,", kind);
	csv_field(f, r->key);
	fputc(',', f);
	csv_field(f, r->name);
	if (r->ranked)
		fprintf(f, ",%d", r->rank);
	else
		fputc(',', f);
	fprintf(f, ",%d", window && r->red_flag);
	for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++) {
		const struct hq_appraisal_field *fd = &hq_appraisal_fields[i];
		double v = hq_appraisal_value(r, fd);

		if (fd->kind == HQ_AF_INT)
			fprintf(f, ",%d", (int)v);
		else
			fprintf(f, fd->kind == HQ_AF_SECS ? ",%.1f" : fd->kind == HQ_AF_RATE ? ",%.3f" : ",%.2f", v);
	}
	/* "rule:count" pairs; rule names are config keys, [a-z0-9_-]. */
	fputc(',', f);
	for (int i = 0; i < r->nrules; i++)
		fprintf(f, "%s%s:%d", i ? ";" : "", r->by_rule[i].rule, r->by_rule[i].count);
	fputc('\n', f);
}

char *hq_appraisal_csv(const struct hq_appraisal *a)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fputs("kind,key,name,rank,red_flag", f);
	for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++)
		fprintf(f, ",%s", hq_appraisal_fields[i].name);
	fputs(",alerts_by_rule\n", f);
	for (size_t i = 0; i < a->nwindows; i++)
		csv_row(f, &a->windows[i], "window");
	for (size_t i = 0; i < a->nclerks; i++)
		csv_row(f, &a->clerks[i], "clerk");
	csv_row(f, &a->hall, "hall");
	if (ferror(f)) {
		fclose(f);
		free(out);
		return NULL;
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/* What a row adds up before its rates and means. */
struct acc {
	int on_time, satisfied, rectified, revisited;
	double wait_sum, service_sum, level_sum, signed_ms;
	int64_t span_end;           /* clerks: the end of their sign-ins so far, for overlaps */
	bool whole;                 /* the hall's row: absences of every counter */
};

/* The rows of one kind (windows or clerks) and their sums. */
struct rows {
	struct hq_appraisal_row *v;
	struct acc *acc;
	size_t n, cap;
};

struct work {
	struct hq_queue *q;
	struct rows win, clk;
	struct hq_appraisal_row hall;   /* the whole hall: every call of both() adds to it */
	struct acc hall_acc;
	int64_t from, to;
};

static int add_row(struct work *w, struct rows *rs, const char *key, const char *name, int counter,
		   size_t *at)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 32;
		struct hq_appraisal_row *v = realloc(rs->v, cap * sizeof *v);
		struct acc *acc;

		if (v)
			rs->v = v;
		acc = v ? realloc(rs->acc, cap * sizeof *acc) : NULL;
		if (!acc)
			return hq__fail(w->q, HQ_ENOMEM, "out of memory for the appraisal");
		rs->acc = acc;
		rs->cap = cap;
	}
	memset(&rs->v[rs->n], 0, sizeof rs->v[0]);
	memset(&rs->acc[rs->n], 0, sizeof rs->acc[0]);
	snprintf(rs->v[rs->n].key, sizeof rs->v[0].key, "%s", key);
	snprintf(rs->v[rs->n].name, sizeof rs->v[0].name, "%s", name ? name : "");
	rs->v[rs->n].counter = counter;
	*at = rs->n++;
	return HQ_OK;
}

/* The window row of a counter, made when the period shows one no longer configured. */
static int window(struct work *w, int counter, size_t *at)
{
	char key[16];

	for (size_t i = 0; i < w->win.n; i++)
		if (w->win.v[i].counter == counter) {
			*at = i;
			return HQ_OK;
		}
	snprintf(key, sizeof key, "%d", counter);
	return add_row(w, &w->win, key, "", counter, at);
}

/* The clerk row of an id, made for one not on the roster (an open hall's, or one removed:
 * the database still has the name). */
static int clerk(struct work *w, const char *id, size_t *at)
{
	sqlite3_stmt *s;
	char name[HQ_NAME_MAX] = "";

	for (size_t i = 0; i < w->clk.n; i++)
		if (!strcmp(w->clk.v[i].key, id)) {
			*at = i;
			return HQ_OK;
		}
	s = hq__stmt(w->q, SQL_CLERK_GET);
	hq__bind_text(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		hq__copy_col(name, sizeof name, s, 0);
	sqlite3_reset(s);
	return add_row(w, &w->clk, id, name, 0, at);
}

/* Every configured window and every clerk of the roster, whether or not they worked. */
static int seed_rows(struct work *w)
{
	const struct hq_config *cfg = w->q->cfg;
	sqlite3_stmt *s;
	size_t at;
	int rc;

	for (size_t i = 0; i < cfg->ncounters; i++) {
		char key[16];

		snprintf(key, sizeof key, "%d", cfg->counters[i].number);
		if ((rc = add_row(w, &w->win, key, cfg->counters[i].name, cfg->counters[i].number, &at)))
			return rc;
	}
	for (size_t i = 0; i < cfg->nclerks; i++)
		if ((rc = add_row(w, &w->clk, cfg->clerks[i].id, cfg->clerks[i].name, 0, &at)))
			return rc;
	s = hq__stmt(w->q, SQL_CLERK_ALL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);

		if (!sqlite3_column_int(s, 2) || hq_config_clerk(cfg, id))
			continue;
		if ((rc = add_row(w, &w->clk, id, (const char *)sqlite3_column_text(s, 1), 0, &at))) {
			sqlite3_reset(s);
			return rc;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(w->q, rc);
}

/* Apply fn to the window row of counter (if any) and the clerk row of id (if any). */
static int both(struct work *w, int counter, const char *id,
		void (*fn)(struct hq_appraisal_row *, struct acc *, const void *), const void *arg)
{
	size_t at;
	int rc;

	fn(&w->hall, &w->hall_acc, arg);
	if (counter > 0) {
		if ((rc = window(w, counter, &at)))
			return rc;
		fn(&w->win.v[at], &w->win.acc[at], arg);
	}
	if (id && *id) {
		if ((rc = clerk(w, id, &at)))
			return rc;
		fn(&w->clk.v[at], &w->clk.acc[at], arg);
	}
	return HQ_OK;
}

/* Tickets: as hq_queue_stats counts them by counter and clerk. */
struct tk {
	int state;
	int64_t queued_at, called_at, started_at, ended_at;
	int max_wait_s;
};

static void add_ticket(struct hq_appraisal_row *r, struct acc *a, const void *arg)
{
	const struct tk *t = arg;

	if (t->called_at) {
		double wait = (double)(t->called_at - t->queued_at) / 1000.0;

		r->called++;
		a->wait_sum += wait;
		a->on_time += wait <= t->max_wait_s;
	}
	if (t->state == HQ_T_DONE) {
		int64_t from = t->started_at ? t->started_at : t->called_at;

		r->served++;
		a->service_sum += (double)(t->ended_at - from) / 1000.0;
	}
}

static int read_tickets(struct work *w)
{
	sqlite3_stmt *s = hq__stmt(w->q, SQL_APPRAISAL_TICKETS);
	int rc;

	sqlite3_bind_int64(s, 1, w->from);
	sqlite3_bind_int64(s, 2, w->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const struct hq_service *sv = hq_config_service(w->q->cfg, (const char *)sqlite3_column_text(s, 0));
		char id[HQ_CLERK_MAX];
		/* A service taken out of the config keeps the default threshold (as stats). */
		struct tk t = {
			.state = sqlite3_column_int(s, 3),
			.queued_at = sqlite3_column_int64(s, 4),
			.called_at = sqlite3_column_int64(s, 5),
			.started_at = sqlite3_column_int64(s, 6),
			.ended_at = sqlite3_column_int64(s, 7),
			.max_wait_s = (sv ? sv->max_wait_minutes : 30) * 60,
		};

		hq__copy_col(id, sizeof id, s, 2);
		/* The row functions use other statements: this one keeps its place. */
		if ((rc = both(w, sqlite3_column_int(s, 1), id, add_ticket, &t)))
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : rc > 0 ? hq__dberr(w->q, rc) : rc;
}

/* Reviews and their cases. */
struct rv {
	int level;
	bool has_case, rectified, revisited;
};

static void add_review(struct hq_appraisal_row *r, struct acc *a, const void *arg)
{
	const struct rv *v = arg;

	r->reviews++;
	a->level_sum += v->level;
	a->satisfied += v->level > HQ_LEVEL_BAD;
	r->bad_reviews += v->level <= HQ_LEVEL_BAD;
	/* A bad review's case: one made good in the edit window keeps its closed case, which
	 * has nothing left to put right. */
	if (v->has_case && v->level <= HQ_LEVEL_BAD) {
		r->cases++;
		a->rectified += v->rectified;
		a->revisited += v->revisited;
	}
}

static int read_reviews(struct work *w)
{
	sqlite3_stmt *s = hq__stmt(w->q, SQL_APPRAISAL_REVIEWS);
	int rc;

	sqlite3_bind_int64(s, 1, w->from);
	sqlite3_bind_int64(s, 2, w->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char id[HQ_CLERK_MAX];
		struct rv v = {
			.level = sqlite3_column_int(s, 2),
			.has_case = sqlite3_column_int(s, 3) == 0,
			.rectified = sqlite3_column_int(s, 4) != 0,
			.revisited = sqlite3_column_int(s, 5) != 0,
		};

		hq__copy_col(id, sizeof id, s, 1);
		if ((rc = both(w, sqlite3_column_int(s, 0), id, add_review, &v)))
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : rc > 0 ? hq__dberr(w->q, rc) : rc;
}

/*
 * Alerts. An unstaffed alert is the window's absence; bad reviews and overdue cases weigh in
 * through the reviews already, and a device down is the equipment's: the rest (waits,
 * queues, pauses, idleness, slow service, no-shows) are the alerts a window or clerk caused.
 */
static bool caused(int kind)
{
	switch (kind) {
	case HQ_ALERT_WAIT: case HQ_ALERT_QUEUE: case HQ_ALERT_PAUSE: case HQ_ALERT_PAUSE_REASON:
	case HQ_ALERT_IDLE: case HQ_ALERT_SLOW: case HQ_ALERT_NOSHOWS:
		return true;
	default:
		return false;
	}
}

struct al {
	const char *rule;
	int kind, count, counter;
};

static void add_alerts(struct hq_appraisal_row *r, struct acc *a, const void *arg)
{
	const struct al *x = arg;
	int i;

	if (x->kind == HQ_ALERT_UNSTAFFED) {
		r->absences += x->counter > 0 && (r->counter || a->whole) ? x->count : 0;
		return;
	}
	if (!caused(x->kind))
		return;
	r->alerts += x->count;
	for (i = 0; i < r->nrules && strcmp(r->by_rule[i].rule, x->rule); i++)
		;
	if (i == r->nrules && r->nrules < HQ_APPRAISAL_RULES) {
		snprintf(r->by_rule[i].rule, sizeof r->by_rule[i].rule, "%s", x->rule);
		r->nrules++;
	} else if (i == r->nrules) {
		/* No room: the last place counts the rest, as "other". */
		i = HQ_APPRAISAL_RULES - 1;
		snprintf(r->by_rule[i].rule, sizeof r->by_rule[i].rule, "other");
	}
	r->by_rule[i].count += x->count;
}

/* Every alert of the period: one with neither counter nor clerk (a queue too long, a wait
 * too long in a service) is the whole hall's only. */
static int read_alerts(struct work *w)
{
	sqlite3_stmt *s = hq__stmt(w->q, SQL_APPRAISAL_ALERTS);
	int rc;

	sqlite3_bind_int64(s, 1, w->from);
	sqlite3_bind_int64(s, 2, w->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char rule[HQ_KEY_MAX], id[HQ_CLERK_MAX];
		struct al x = {.rule = rule, .kind = sqlite3_column_int(s, 1),
			       .count = sqlite3_column_int(s, 4), .counter = sqlite3_column_int(s, 2)};

		hq__copy_col(rule, sizeof rule, s, 0);
		hq__copy_col(id, sizeof id, s, 3);
		if ((rc = both(w, sqlite3_column_int(s, 2), id, add_alerts, &x)))
			break;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : rc > 0 ? hq__dberr(w->q, rc) : rc;
}

/*
 * Sign-ins, cut to the period. One still open runs to now; one open since a day the hall's
 * writer has not rolled over yet (a report read before the next day's first operation) ends
 * as that roll-over will end it, at the counter's last sign of work. A window's hours are
 * its sign-ins' (one clerk at a time); a clerk's are the time signed in at one counter or
 * more: the rows come by clerk and start, so an overlap with the ones before counts once.
 */
static int read_signins(struct work *w)
{
	sqlite3_stmt *s = hq__stmt(w->q, SQL_APPRAISAL_SIGNINS);
	int64_t until = w->to < w->q->now ? w->to : w->q->now;
	char today[11], day[11];
	size_t at;
	int rc;

	hq_local_day(w->q->now, today);
	sqlite3_bind_int64(s, 1, w->from);
	sqlite3_bind_int64(s, 2, w->to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t start = sqlite3_column_int64(s, 2), end = sqlite3_column_int64(s, 3);
		char id[HQ_CLERK_MAX];
		struct acc *a;

		hq__copy_col(id, sizeof id, s, 1);
		hq_local_day(start, day);
		if (!end && strcmp(day, today) < 0) {
			end = sqlite3_column_int64(s, 4);
			if (end < start)
				end = start;
		}
		if (start < w->from)
			start = w->from;
		if (!end)
			end = until; /* still signed in */
		else if (end > w->to)
			end = w->to;
		if (end <= start)
			continue;
		if ((rc = window(w, sqlite3_column_int(s, 0), &at)))
			break;
		w->win.acc[at].signed_ms += (double)(end - start);
		w->hall_acc.signed_ms += (double)(end - start);
		if (!*id)
			continue;
		if ((rc = clerk(w, id, &at)))
			break;
		a = &w->clk.acc[at];
		if (end > a->span_end) {
			a->signed_ms += (double)(end - (start > a->span_end ? start : a->span_end));
			a->span_end = end;
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : rc > 0 ? hq__dberr(w->q, rc) : rc;
}

/* ---- the score and the rank --------------------------------------------------------------- */

static void score_row(struct hq_appraisal_row *r, const struct acc *a,
		      const struct hq_appraisal_cfg *cfg, int busiest)
{
	if (r->called) {
		r->on_time_rate = (double)a->on_time / r->called;
		r->wait_mean_s = a->wait_sum / r->called;
	}
	if (r->served)
		r->service_mean_s = a->service_sum / r->served;
	if (r->reviews) {
		r->satisfaction_rate = (double)a->satisfied / r->reviews;
		r->mean_level = a->level_sum / r->reviews;
	}
	if (r->cases) {
		r->rectify_rate = (double)a->rectified / r->cases;
		r->revisit_rate = (double)a->revisited / r->cases;
	}
	r->hours = a->signed_ms / HOUR_MS;
	/* No work earns nothing; no review and no case mean nothing to hold against it. */
	r->volume_pts = busiest ? 100.0 * r->served / busiest : 0;
	r->on_time_pts = r->called ? 100.0 * r->on_time_rate : 0;
	r->satisfaction_pts = r->reviews ? 100.0 * r->satisfaction_rate : 100;
	r->rectify_pts = r->cases ? 100.0 * r->rectify_rate : 100;
	r->penalty = cfg->penalty_alert * r->alerts + cfg->penalty_absence * r->absences +
		     cfg->penalty_bad_review * r->bad_reviews;
	r->score = (cfg->weight_volume * r->volume_pts + cfg->weight_on_time * r->on_time_pts +
		    cfg->weight_satisfaction * r->satisfaction_pts +
		    cfg->weight_rectify * r->rectify_pts) / 100.0 - r->penalty;
	/* To the hundredth, as reported: two windows that read the same score share a rank. */
	r->score = round(r->score * 100.0) / 100.0;
}

/* Ranked first, by rank; then the rest; each by counter number or clerk id. */
static int cmp_rank(const void *pa, const void *pb)
{
	const struct hq_appraisal_row *a = pa, *b = pb;

	if (a->ranked != b->ranked)
		return a->ranked ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->counter != b->counter)
		return a->counter - b->counter;
	return strcmp(a->key, b->key);
}

static void rank_rows(struct rows *rs, const struct hq_appraisal_cfg *cfg, int *busiest, bool flags)
{
	size_t i, j;

	*busiest = 0;
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].served > *busiest)
			*busiest = rs->v[i].served;
	for (i = 0; i < rs->n; i++) {
		score_row(&rs->v[i], &rs->acc[i], cfg, *busiest);
		rs->v[i].ranked = rs->v[i].served >= cfg->min_served && rs->v[i].served > 0;
	}
	/* Competition ranking: one more than the number of ranked rows scoring higher. */
	for (i = 0; i < rs->n; i++) {
		struct hq_appraisal_row *r = &rs->v[i];

		if (!r->ranked)
			continue;
		r->rank = 1;
		for (j = 0; j < rs->n; j++)
			r->rank += rs->v[j].ranked && rs->v[j].score > r->score;
		r->red_flag = flags && r->rank <= cfg->red_flag_count;
	}
	if (rs->n)
		qsort(rs->v, rs->n, sizeof *rs->v, cmp_rank);
}

static int appraise_locked(struct work *w)
{
	int rc;

	if (!w->q->cfg)
		return hq__fail(w->q, HQ_ECONFIG, "the hall has no configuration yet");
	if ((rc = seed_rows(w)) || (rc = read_tickets(w)) || (rc = read_reviews(w)) ||
	    (rc = read_alerts(w)) || (rc = read_signins(w)))
		return rc;
	return HQ_OK;
}

int hq_queue_appraisal(struct hq_queue *q, int64_t from, int64_t to, struct hq_appraisal *out)
{
	struct work w = {.q = q, .from = from, .to = to, .hall_acc = {.whole = true}};
	int rc;

	memset(out, 0, sizeof *out);
	if (to <= from)
		return hq__fail(q, HQ_EINVAL, "the appraisal's period ends before it starts");
	rc = hq__begin(q, false);
	rc = hq__end(q, rc ? rc : appraise_locked(&w));
	if (rc == HQ_OK) {
		out->from = from;
		out->to = to;
		out->cfg = q->cfg->appraisal;
		/* Only windows are 红旗窗口; clerks are ranked alone. */
		rank_rows(&w.win, &out->cfg, &out->busiest_window, true);
		rank_rows(&w.clk, &out->cfg, &out->busiest_clerk, false);
		/* The hall alone is its own busiest (see hq_appraisal.h). */
		out->hall = w.hall;
		snprintf(out->hall.key, sizeof out->hall.key, "hall");
		snprintf(out->hall.name, sizeof out->hall.name, "%s", q->cfg->name);
		score_row(&out->hall, &w.hall_acc, &out->cfg, out->hall.served);
		out->hall.ranked = out->hall.served >= out->cfg.min_served && out->hall.served > 0;
		out->hall.rank = out->hall.ranked;
		out->windows = w.win.v;
		out->nwindows = w.win.n;
		out->clerks = w.clk.v;
		out->nclerks = w.clk.n;
		w.win.v = w.clk.v = NULL;
	}
	free(w.win.v);
	free(w.clk.v);
	free(w.win.acc);
	free(w.clk.acc);
	return rc;
}
