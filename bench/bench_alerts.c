/*
 * The cost of electronic supervision (电子监察). hallqd evaluates every rule of the hall's
 * config after each request that changed the hall, in that request's transaction, and on a
 * timer; so the question is what an evaluation costs, and what it takes from the hot path.
 * On the sample hall (assets/halls/county-centre.ini: 11 services, 20 counters; its daily
 * caps lifted and its numbers widened to 1-999, as a bench issues more than a day's share)
 * on a Monday morning, with every default rule on, people waiting, clerks at most counters, a
 * pause with a reason and one without, two counters with nobody signed in, open bad-review
 * cases (some overdue) and the health of 2 gateways, 20 units and 2 kiosks:
 *
 *  1. evaluation: hq_queue_alerts_eval alone, its p50 and p99, on a clock that moves a second
 *     per evaluation and a queue operation every tenth; without fsync, so that it is the
 *     rules' cost (an evaluation that changes nothing writes nothing and has no fsync to
 *     pay), and durable, as the timer runs it. Target: under 1 ms p99.
 *  2. the hot path: issue and call-next, each as hallqd runs a request (a batch, the
 *     operation, commit), on two databases measured alternately, one operation of each in
 *     turn: one with every default rule evaluated in each batch, one without rules (no
 *     evaluation, the hall before supervision). Durable, as a hall runs; the ratio of the
 *     rates (operations over the time spent in them) is the figure. Target: 0.90 or more.
 *     The ratio of the medians follows it (less moved by the odd slow fsync or checkpoint).
 *     The same without fsync follows, which shows the evaluation's share of the CPU alone
 *     (no target).
 *
 * It prints figures and judges nothing by its exit status (docs/bench.md).
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "hq_queue.h"

#define CLOCK_AT "2026-03-02 09:30" /* a Monday morning, inside the sample hall's hours */
#define HALL_FILE "assets/halls/county-centre.ini"
#define SERVING 14                  /* counters 1..14 have a citizen at the window */
#define WAITING 80                  /* tickets issued at the start */
#define CASES 20

static int64_t fake_now;

static int64_t fake_clock(void *ud)
{
	(void)ud;
	return fake_now;
}

static void die_op(struct hq_queue *q, const char *what, int rc)
{
	bench_die("%s failed: %s (%s): %s", what, hq_err_name(rc), hq_strerror(rc), hq_queue_errmsg(q));
}

static char *read_hall(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	if (!f)
		bench_die("cannot read %s (run from the repository, as make bench does, or set "
			  "HQ_BENCH_HALL)", path);
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		bench_die("cannot read %s", path);
	text = bench_xmalloc((size_t)n + 1);
	if (fread(text, 1, (size_t)n, f) != (size_t)n)
		bench_die("cannot read %s", path);
	text[n] = '\0';
	fclose(f);
	/* No daily_cap (a comment keeps the line count, so errors still name the right line)
	 * and no range short of 999. */
	for (char *p = text; (p = strstr(p, "\ndaily_cap")); p++)
		p[1] = ';';
	for (char *p = text; (p = strstr(p, "\nnumbers = 1-99\n")); p++)
		p[1] = ';';
	return text;
}

/* The device health hallqd would hand the rules: 2 gateways of 10 units each (counter 5's
 * offline), 2 kiosks (hall-2's printer out of paper). */
static size_t device_facts(struct hq_device_fact *dev)
{
	size_t n = 0;

	for (int g = 0; g < 2; g++) {
		dev[n] = (struct hq_device_fact){.kind = HQ_DEV_GATEWAY, .up = true};
		snprintf(dev[n++].name, sizeof dev[0].name, "floor%d", g + 1);
		for (int u = 1; u <= 10; u++)
			dev[n++] = (struct hq_device_fact){.kind = HQ_DEV_UNIT, .counter = g * 10 + u,
							   .up = g * 10 + u != 5};
	}
	for (int k = 0; k < 2; k++) {
		dev[n] = (struct hq_device_fact){.kind = HQ_DEV_KIOSK, .up = true};
		snprintf(dev[n++].name, sizeof dev[0].name, "hall-%d", k + 1);
		dev[n] = (struct hq_device_fact){.kind = HQ_DEV_PRINTER, .up = k == 0};
		snprintf(dev[n++].name, sizeof dev[0].name, "hall-%d", k + 1);
	}
	return n;
}

/* The first service of counter c that is open now: what a call there takes from. */
static const char *counter_service(struct hq_queue *q, int c)
{
	const struct hq_config *cfg = hq_queue_config(q);
	const struct hq_counter_cfg *cc = hq_config_counter(cfg, c);
	int wday, minute;

	hq_local_parts(fake_now, &wday, &minute);
	for (int i = 0; cc && i < cc->nservices; i++)
		if (hq_service_open_at(&cfg->services[cc->services[i]], wday, minute))
			return cfg->services[cc->services[i]].key;
	return NULL;
}

/* The morning as the bench has it; see the top of the file. */
static struct hq_queue *open_hall(const char *name, const char *ini)
{
	struct hq_queue *q;
	char path[4200], err[512], sql[512];
	sqlite3 *db;
	int rc, i, issued = 0;

	bench_path(path, sizeof path, name);
	if ((rc = hq_queue_open(path, &q, err, sizeof err)))
		bench_die("hq_queue_open %s failed: %s: %s", path, hq_err_name(rc), err);
	hq_queue_set_clock(q, fake_clock, NULL);
	if ((rc = hq_queue_apply_config(q, ini, HALL_FILE)))
		die_op(q, "hq_queue_apply_config", rc);
	if ((rc = hq_queue_set_durable(q, false)))
		die_op(q, "hq_queue_set_durable", rc);
	for (i = 1; i <= 16; i++) {
		char clerk[16];

		snprintf(clerk, sizeof clerk, "10%02d", i);
		if ((rc = hq_queue_sign_in(q, i, clerk)))
			die_op(q, "hq_queue_sign_in", rc);
	}
	if ((rc = hq_queue_pause(q, 17, "training")) || (rc = hq_queue_pause(q, 18, NULL)))
		die_op(q, "hq_queue_pause", rc);
	for (i = 0; issued < WAITING + SERVING; i++) {
		const char *sv = counter_service(q, 1 + i % 20);

		if (!sv)
			continue;
		if ((rc = hq_queue_issue(q, sv, HQ_CLASS_NORMAL, NULL)))
			die_op(q, "hq_queue_issue", rc);
		issued++;
	}
	for (i = 1; i <= SERVING; i++)
		if ((rc = hq_queue_call_next(q, i, NULL)) && rc != HQ_EEMPTY)
			die_op(q, "hq_queue_call_next", rc);
	/* Bad reviews with their cases, as the 好差评 side writes them; some past due. */
	if (sqlite3_open(path, &db) != SQLITE_OK)
		bench_die("cannot open %s for the cases", path);
	sqlite3_busy_timeout(db, 10000);
	for (i = 0; i < CASES; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO reviews(ticket_id, day, service, counter, clerk, level, reasons,"
			 " channel, at, updated_at) VALUES(%d, '2026-02-%02d', 'tax', %d, '10%02d', %d, 1, 1,"
			 " 0, 0); INSERT INTO cases(review_id, state, opened_at, rectify_due, updated_at)"
			 " VALUES(last_insert_rowid(), %d, 0, '2026-03-%02d', 0)",
			 100000 + i, 1 + i, 1 + i % 16, 1 + i % 16, 1 + i % 2, i % 3, 1 + i % 5);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			bench_die("inserting the cases: %s", sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return q;
}

static void close_hall(struct hq_queue *q, const char *name, bool keep)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char path[4200];

	hq_queue_close(q);
	for (size_t i = 0; !keep && i < 3; i++) {
		bench_path(path, sizeof path, name);
		strcat(path, suffix[i]);
		remove(path);
	}
}

/* An operation of the morning, untimed or timed by the caller: issue for counter c's
 * service, or call there. */
static void operate(struct hq_queue *q, int c, bool call)
{
	const char *sv = counter_service(q, c);
	int rc;

	if (call)
		rc = hq_queue_call_next(q, c, NULL);
	else
		rc = sv ? hq_queue_issue(q, sv, HQ_CLASS_NORMAL, NULL) : HQ_OK;
	if (rc && rc != HQ_EEMPTY)
		die_op(q, call ? "hq_queue_call_next" : "hq_queue_issue", rc);
}

static double eval_us(struct hq_queue *q, const struct hq_device_fact *dev, size_t ndev,
		      int *changed)
{
	double a = bench_now_s();
	int raised, cleared, rc = hq_queue_alerts_eval(q, dev, ndev, &raised, &cleared);

	if (rc)
		die_op(q, "hq_queue_alerts_eval", rc);
	*changed += raised + cleared;
	return (bench_now_s() - a) * 1e6;
}

/* ---- 1. evaluation ----------------------------------------------------------------------- */

struct eval_result {
	double cold_us;
	struct bench_figures fast, durable;
	int changed_fast, changed_durable;
};

static void bench_eval(const char *ini, long evals, struct eval_result *r)
{
	struct hq_device_fact dev[64];
	size_t ndev = device_facts(dev);
	struct hq_queue *q = open_hall("eval.db", ini);
	struct bench_sample s = {0};
	int changed = 0, rc;

	r->cold_us = eval_us(q, dev, ndev, &changed);
	for (int pass = 0; pass < 2; pass++) {
		if ((rc = hq_queue_set_durable(q, pass == 1)))
			die_op(q, "hq_queue_set_durable", rc);
		changed = 0;
		for (long i = 0; i < evals; i++) {
			fake_now += 1000;
			if (i % 10 == 0)
				operate(q, 1 + (int)(i / 10) % SERVING, (i / 10) % 2);
			bench_sample_add(&s, eval_us(q, dev, ndev, &changed));
		}
		if (pass == 0) {
			r->fast = bench_summarize(&s);
			r->changed_fast = changed;
		} else {
			r->durable = bench_summarize(&s);
			r->changed_durable = changed;
		}
		bench_sample_free(&s);
	}
	close_hall(q, "eval.db", false);
}

/* ---- 2. the hot path, with rules and without ------------------------------------------------ */

struct side {
	struct hq_queue *q;
	bool rules;
	struct bench_sample issue, call;
	struct bench_sample eval_issue, eval_call; /* the evaluation's part of each */
	int changed;
};

/* One request as hallqd runs it: a batch, the operation, the rules when on, commit. */
static void request(struct side *sd, int c, bool call, const struct hq_device_fact *dev,
		    size_t ndev)
{
	double a = bench_now_s();
	int rc;

	if ((rc = hq_queue_batch_begin(sd->q)))
		die_op(sd->q, "hq_queue_batch_begin", rc);
	operate(sd->q, c, call);
	if (sd->rules) {
		double b = bench_now_s();
		int raised, cleared;

		if ((rc = hq_queue_alerts_eval(sd->q, dev, ndev, &raised, &cleared)))
			die_op(sd->q, "hq_queue_alerts_eval", rc);
		sd->changed += raised + cleared;
		bench_sample_add(call ? &sd->eval_call : &sd->eval_issue, (bench_now_s() - b) * 1e6);
	}
	if ((rc = hq_queue_batch_end(sd->q, true)))
		die_op(sd->q, "hq_queue_batch_end", rc);
	bench_sample_add(call ? &sd->call : &sd->issue, (bench_now_s() - a) * 1e6);
}

struct rate {
	double issue, call;         /* ops/s */
	double issue_p50, call_p50; /* µs */
	struct bench_figures eval_issue, eval_call; /* the evaluation in the batch */
	int changed;
};

static double rate_of(struct bench_sample *s, double *p50)
{
	struct bench_figures f = bench_summarize(s);

	*p50 = f.p50;
	return f.sum > 0 ? f.n / (f.sum / 1e6) : 0;
}

static void bench_hot(const char *ini, long ops, bool durable, struct rate *with,
		      struct rate *without)
{
	struct hq_device_fact dev[64];
	size_t ndev = device_facts(dev);
	struct side sd[2] = {{.rules = true}, {.rules = false}};
	int64_t start = fake_now;
	int rc;

	sd[0].q = open_hall("rules.db", ini);
	fake_now = start;
	sd[1].q = open_hall("plain.db", ini);
	for (int k = 0; k < 2; k++) {
		if ((rc = hq_queue_set_durable(sd[k].q, durable)))
			die_op(sd[k].q, "hq_queue_set_durable", rc);
		/* The first evaluation learns the feed: a hallqd does it once, at its start. */
		if (sd[k].rules && (rc = hq_queue_alerts_eval(sd[k].q, dev, ndev, NULL, NULL)))
			die_op(sd[k].q, "hq_queue_alerts_eval", rc);
	}
	for (long i = 0; i < ops; i++) {
		int c = 1 + (int)(i % SERVING);

		fake_now += 2000;
		for (int call = 0; call < 2; call++)
			for (int k = 0; k < 2; k++)
				request(&sd[(int)(i % 2) ^ k], c, call, dev, ndev);
	}
	with->issue = rate_of(&sd[0].issue, &with->issue_p50);
	with->call = rate_of(&sd[0].call, &with->call_p50);
	with->changed = sd[0].changed;
	with->eval_issue = bench_summarize(&sd[0].eval_issue);
	with->eval_call = bench_summarize(&sd[0].eval_call);
	bench_sample_free(&sd[0].eval_issue);
	bench_sample_free(&sd[0].eval_call);
	without->issue = rate_of(&sd[1].issue, &without->issue_p50);
	without->call = rate_of(&sd[1].call, &without->call_p50);
	for (int k = 0; k < 2; k++) {
		bench_sample_free(&sd[k].issue);
		bench_sample_free(&sd[k].call);
	}
	close_hall(sd[0].q, "rules.db", false);
	close_hall(sd[1].q, "plain.db", false);
}

static void print_hot(const char *how, const struct rate *w, const struct rate *o, bool target)
{
	double ri = w->issue / o->issue, rc = w->call / o->call;
	char ti[40] = "", tc[40] = "";

	if (target) {
		snprintf(ti, sizeof ti, " (target ≥ 0.90: %s)", bench_met(ri >= 0.9));
		snprintf(tc, sizeof tc, " (target ≥ 0.90: %s)", bench_met(rc >= 0.9));
	}
	printf("   %s:\n", how);
	printf("     issue:     %6.0f ops/s (p50 %5.0f µs) with the rules, %6.0f ops/s (p50 %5.0f µs)"
	       " without: %.2f%s; p50s %.2f\n", w->issue, w->issue_p50, o->issue, o->issue_p50, ri, ti,
	       o->issue_p50 / w->issue_p50);
	printf("     call-next: %6.0f ops/s (p50 %5.0f µs) with the rules, %6.0f ops/s (p50 %5.0f µs)"
	       " without: %.2f%s; p50s %.2f\n", w->call, w->call_p50, o->call, o->call_p50, rc, tc,
	       o->call_p50 / w->call_p50);
	printf("     the evaluation in the batch: p50 %.0f µs, p99 %.0f µs after an issue; p50 %.0f µs,"
	       " p99 %.0f µs after a call\n", w->eval_issue.p50, w->eval_issue.p99, w->eval_call.p50,
	       w->eval_call.p99);
	printf("     (%d alerts raised or cleared on the way)\n", w->changed);
}

int main(void)
{
	const char *hall = getenv("HQ_BENCH_HALL");
	struct eval_result e;
	struct rate dw, dwo, fw, fwo;
	long evals, ops;
	int64_t start;
	char when[32];
	char *ini;
	int err;

	bench_init("bench_alerts", NULL);
	evals = bench_env_long("HQ_BENCH_EVALS", 5000, 100, 100000);
	ops = bench_env_long("HQ_BENCH_ALERT_OPS", 1000, 50, 20000);
	if (!hall || !*hall)
		hall = HALL_FILE;
	if ((err = hq_parse_local_time(CLOCK_AT, &start)))
		bench_die("cannot read the clock time %s: %s", CLOCK_AT, hq_strerror(err));
	hq_format_local_time(start, when, sizeof when);
	ini = read_hall(hall);

	printf("bench_alerts: electronic supervision (电子监察), every default rule on\n");
	printf("sqlite %s; hall %s; fake clock from %s local\n", sqlite3_libversion(), hall, when);
	printf("HQ_BENCH_EVALS=%ld HQ_BENCH_ALERT_OPS=%ld\n", evals, ops);
	bench_make_dir("hallq-bench", "databases");

	fake_now = start;
	bench_eval(ini, evals, &e);
	printf("\n1. evaluation of every rule: 20 counters, 11 services, %d open cases, 24 devices;\n"
	       "   a second of hall time between two, a queue operation every tenth\n", CASES);
	printf("   the first (learns the feed):   %.0f µs\n", e.cold_us);
	printf("   no fsync (the rules' cost):    p50 %.0f µs, p99 %.0f µs, mean %.0f µs, max %.0f µs"
	       " (%ld; %d alerts raised or cleared)\n", e.fast.p50, e.fast.p99, e.fast.mean, e.fast.max,
	       e.fast.n, e.changed_fast);
	printf("   durable (as on the timer):     p50 %.0f µs, p99 %.0f µs, mean %.0f µs, max %.0f µs"
	       " (%ld; %d alerts raised or cleared)\n", e.durable.p50, e.durable.p99, e.durable.mean,
	       e.durable.max, e.durable.n, e.changed_durable);

	fake_now = start;
	bench_hot(ini, ops, true, &dw, &dwo);
	fake_now = start;
	bench_hot(ini, ops, false, &fw, &fwo);
	printf("\n2. issue and call-next as hallqd runs a request (batch, operation, commit), each\n"
	       "   %ld times, with every default rule evaluated in the batch and without rules,\n"
	       "   alternately\n", ops);
	print_hot("durable (as a hall runs)", &dw, &dwo, true);
	print_hot("no fsync (the evaluation's share of the CPU)", &fw, &fwo, false);
	bench_remove_dir();
	free(ini);

	printf("\nsummary\n");
	printf("evaluation: p50 %.0f µs, p99 %.0f µs for 20 counters and 11 services (target < 1000 µs"
	       " p99: %s)\n", e.fast.p50, e.fast.p99, bench_met(e.fast.p99 < 1000));
	printf("issue with every default rule: %.2f of its rate without rules (target ≥ 0.90: %s)\n",
	       dw.issue / dwo.issue, bench_met(dw.issue / dwo.issue >= 0.9));
	printf("call-next with every default rule: %.2f of its rate without rules (target ≥ 0.90: %s)\n",
	       dw.call / dwo.call, bench_met(dw.call / dwo.call >= 0.9));
	return 0;
}
