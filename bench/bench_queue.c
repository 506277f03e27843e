/*
 * The foundation benchmarks of the queue. A hall's promise is that a ticket reported issued
 * is on disk, so the floor under every operation is one fsynced SQLite commit: this program
 * first measures that bare cost on this machine and filesystem, then how close
 * hq_queue_issue and hq_queue_call_next come to it, and last whether call-next stays flat
 * from 100 to 100,000 waiting tickets in a hall of 200 counters. It prints figures and
 * judges nothing by its exit status: it exits non-zero only when an operation fails.
 * docs/bench.md says what each figure means and which environment variables size the work.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "hq_queue.h"

#define NSERVICES 20       /* 20 x 9999 numbers: room for 100,000 tickets in one day */
#define NCOUNTERS 200
#define LAST_NUMBER 9999
#define CLOCK_AT "2026-03-02 10:00" /* a Monday morning; the bench hall never closes anyway */

/* How much work each part does; see docs/bench.md. */
struct sizes {
	long ops;          /* timed operations in parts 1-3 */
	long calls;        /* timed call-next per scale case and durability */
	long small;        /* waiting tickets, small scale case */
	long big;          /* waiting tickets, large scale case */
	double seconds;    /* a timed loop stops early after this long */
};

/* However slow the library, a timed loop measures at least this many operations. */
#define MIN_TIMED 50

/* Operations are timed one by one and two kinds are interleaved, so the rate is taken
 * from the time spent in the operations, not from the wall time of the loop. */
struct figures {
	long n;            /* operations measured */
	double busy_s;
	bool cut;          /* stopped by the time budget before its count */
	double rate;       /* ops/s: n / busy_s */
	double mean, p50, p99; /* µs */
};

static bool keep_files;
static double budget_s;
static int64_t fake_now;

static int64_t fake_clock(void *ud)
{
	(void)ud;
	return fake_now;
}

/* A library that got slow must not make the run take an hour: a timed loop that started
 * at t0 stops once it has measured MIN_TIMED operations and used up the budget. */
static bool over_budget(double t0, long done)
{
	return done >= MIN_TIMED && bench_now_s() - t0 > budget_s;
}

/* An operation of the library failed: say which, with the queue's own sentence. */
static void die_op(struct hq_queue *q, const char *what, int rc)
{
	bench_die("%s failed: %s (%s): %s", what, hq_err_name(rc), hq_strerror(rc), hq_queue_errmsg(q));
}

static void die_sql(sqlite3 *db, const char *what)
{
	bench_die("baseline: %s failed: %s", what, sqlite3_errmsg(db));
}

/* ---- where the databases go ------------------------------------------------------- */

static void remove_db(const char *name)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[4200];
	size_t i;

	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(path, sizeof path, "%s/%s%s", bench_dir(), name, suffix[i]);
		unlink(path);
	}
}

/* ---- figures ---------------------------------------------------------------------- */

/* The figures of a sample of latencies in µs, which it frees. */
static struct figures summarize(struct bench_sample *s, long wanted)
{
	struct bench_figures b = bench_summarize(s);
	struct figures f = {0};

	f.n = b.n;
	f.busy_s = s->sum / 1e6;
	f.cut = b.n < wanted;
	f.rate = f.busy_s > 0 ? (double)f.n / f.busy_s : 0;
	f.mean = b.mean;
	f.p50 = b.p50;
	f.p99 = b.p99;
	bench_sample_free(s);
	return f;
}

static void print_rate(const char *what, const struct figures *f)
{
	printf("   %s%ld ops, %.2f s: %.0f ops/s; latency mean %.0f µs, p50 %.0f µs, p99 %.0f µs\n",
	       what, f->n, f->busy_s, f->rate, f->mean, f->p50, f->p99);
	if (f->cut)
		printf("   (stopped early: the %.0f s budget of HQ_BENCH_SECONDS ran out)\n", budget_s);
}

/* ---- the bench hall --------------------------------------------------------------- */

/* 20 services open all day every day with numbers 1-9999 (daily_cap defaults to the
 * range), and 200 counters serving 1 to 3 of them. Counter c prefers service c mod 20,
 * so each service is the first choice of 10 counters and calling the counters in turn
 * drains the services evenly. */
static char *bench_hall(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	if (!f)
		bench_die("out of memory for the hall configuration");
	fprintf(f, "[hall]\nname = 基准大厅\nname_en = Bench Hall\n\n");
	for (i = 0; i < NSERVICES; i++)
		fprintf(f, "[service s%02d]\nname = 业务%d\nprefix = %c\nnumbers = 1-%d\n"
			"hours = 00:00-24:00\ndays = mon-sun\n\n", i, i, 'A' + i, LAST_NUMBER);
	for (i = 1; i <= NCOUNTERS; i++) {
		int first = i % NSERVICES, n = 1 + i % 3;

		fprintf(f, "[counter %d]\nservices = s%02d", i, first);
		if (n > 1)
			fprintf(f, ", s%02d", (first + 1) % NSERVICES);
		if (n > 2)
			fprintf(f, ", s%02d", (first + 7) % NSERVICES);
		fprintf(f, "\n\n");
	}
	if (fclose(f) != 0 || !text)
		bench_die("out of memory for the hall configuration");
	return text;
}

static struct hq_queue *open_hall(const char *name, const char *ini)
{
	struct hq_queue *q;
	char path[4200], err[512];
	int rc;

	bench_path(path, sizeof path, name);
	rc = hq_queue_open(path, &q, err, sizeof err);
	if (rc)
		bench_die("hq_queue_open %s failed: %s: %s", path, hq_err_name(rc), err);
	hq_queue_set_clock(q, fake_clock, NULL);
	if ((rc = hq_queue_apply_config(q, ini, "bench hall")))
		die_op(q, "hq_queue_apply_config", rc);
	return q;
}

static void close_hall(struct hq_queue *q, const char *name)
{
	hq_queue_close(q);
	if (!keep_files)
		remove_db(name);
}

static void set_durable(struct hq_queue *q, bool on)
{
	int rc = hq_queue_set_durable(q, on);

	if (rc)
		die_op(q, on ? "hq_queue_set_durable(true)" : "hq_queue_set_durable(false)", rc);
}

static const char *service_key(long i)
{
	static char key[8];

	snprintf(key, sizeof key, "s%02ld", i % NSERVICES);
	return key;
}

/* Issue n normal tickets round the services, untimed; returns the seconds it took. */
static double fill(struct hq_queue *q, long n, long *next_service)
{
	double t0 = bench_now_s();
	long i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = hq_queue_issue(q, service_key((*next_service)++), HQ_CLASS_NORMAL, NULL)))
			die_op(q, "hq_queue_issue (filling the queue)", rc);
	return bench_now_s() - t0;
}

static int call_next(struct hq_queue *q, long i, struct hq_ticket *t)
{
	return hq_queue_call_next(q, (int)(i % NCOUNTERS) + 1, t);
}

/* One call per counter, untimed, so every timed call also finishes a current ticket. */
static void warm_up(struct hq_queue *q)
{
	long i;
	int rc;

	for (i = 0; i < NCOUNTERS; i++)
		if ((rc = call_next(q, i, NULL)))
			die_op(q, "hq_queue_call_next (warm-up)", rc);
}

/* ---- 1. baseline ------------------------------------------------------------------ */

/* A bare SQLite database opened as the queue opens its own (WAL, synchronous=FULL), one
 * small row a transaction: BEGIN IMMEDIATE, INSERT, COMMIT, prepared once. */
struct baseline {
	sqlite3 *db;
	sqlite3_stmt *begin, *ins, *commit;
};

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die_sql(db, sql);
	return s;
}

static void step_done(sqlite3 *db, sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		die_sql(db, what);
	sqlite3_reset(s);
}

static void baseline_open(struct baseline *b)
{
	char path[4200];

	bench_path(path, sizeof path, "baseline.db");
	if (sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		bench_die("baseline: cannot open %s: %s", path,
		    b->db ? sqlite3_errmsg(b->db) : "out of memory");
	if (sqlite3_exec(b->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			 " CREATE TABLE t(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
			 " label TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		die_sql(b->db, "setting up");
	b->begin = prepare(b->db, "BEGIN IMMEDIATE");
	b->ins = prepare(b->db, "INSERT INTO t(at, label) VALUES(?1, ?2)");
	b->commit = prepare(b->db, "COMMIT");
}

/* One timed transaction; its latency in µs. */
static double baseline_op(struct baseline *b)
{
	double a = bench_now_s();

	step_done(b->db, b->begin, "BEGIN IMMEDIATE");
	sqlite3_bind_int64(b->ins, 1, fake_now);
	sqlite3_bind_text(b->ins, 2, "A001", -1, SQLITE_STATIC);
	step_done(b->db, b->ins, "INSERT");
	step_done(b->db, b->commit, "COMMIT");
	return (bench_now_s() - a) * 1e6;
}

static void baseline_close(struct baseline *b)
{
	sqlite3_finalize(b->begin);
	sqlite3_finalize(b->ins);
	sqlite3_finalize(b->commit);
	sqlite3_close(b->db);
	if (!keep_files)
		remove_db("baseline.db");
}

/* ---- 2 and 3. issue and call-next ------------------------------------------------- */

static const char *met(bool ok)
{
	return ok ? "met" : "NOT met";
}

struct ops_result {
	struct figures base_issue;  /* the baseline, measured alternately with issue */
	struct figures issue;
	struct figures base_call;   /* and with call-next */
	struct figures call;
	long waiting;               /* when the timed calls started */
	double fill_s;
};

static double timed_issue(struct hq_queue *q, long *next_service)
{
	double a = bench_now_s();
	int rc = hq_queue_issue(q, service_key((*next_service)++), HQ_CLASS_NORMAL, NULL);

	if (rc)
		die_op(q, "hq_queue_issue", rc);
	return (bench_now_s() - a) * 1e6;
}

static double timed_call(struct hq_queue *q, long i)
{
	double a = bench_now_s();
	int rc = call_next(q, i, NULL);

	if (rc)
		die_op(q, "hq_queue_call_next", rc);
	return (bench_now_s() - a) * 1e6;
}

/* Each operation of the queue is timed alternately with a baseline transaction, which
 * goes first on even turns and second on odd ones: the machine's load and the disk's
 * mood change by the minute, and the ratio should not change with them. */
static void bench_ops(const char *ini, long ops, struct ops_result *r)
{
	struct hq_queue *q = open_hall("ops.db", ini);
	struct baseline b;
	struct bench_sample sb = {0}, sq = {0};
	long i, next_service = 0, extra;
	double t0;

	baseline_open(&b);
	t0 = bench_now_s();
	for (i = 0; i < ops && !over_budget(t0, i); i++) {
		if (i % 2 == 0)
			bench_sample_add(&sb, baseline_op(&b));
		bench_sample_add(&sq, timed_issue(q, &next_service));
		if (i % 2 == 1)
			bench_sample_add(&sb, baseline_op(&b));
	}
	r->base_issue = summarize(&sb, ops);
	r->issue = summarize(&sq, ops);

	/* Enough waiting that no counter finds its first service empty: the warm-up and the
	 * timed calls take ops + 200 tickets, evenly from the services; leave as many again.
	 * The fill skips the fsync; the durable warm-up then flushes what it left behind. */
	extra = ops + 2 * NCOUNTERS;
	set_durable(q, false);
	r->fill_s = fill(q, extra, &next_service);
	set_durable(q, true);
	warm_up(q);
	r->waiting = r->issue.n + extra - NCOUNTERS;

	t0 = bench_now_s();
	for (i = 0; i < ops && !over_budget(t0, i); i++) {
		if (i % 2 == 0)
			bench_sample_add(&sb, baseline_op(&b));
		bench_sample_add(&sq, timed_call(q, i));
		if (i % 2 == 1)
			bench_sample_add(&sb, baseline_op(&b));
	}
	r->base_call = summarize(&sb, ops);
	r->call = summarize(&sq, ops);
	baseline_close(&b);
	close_hall(q, "ops.db");
}

static void print_ops(const struct ops_result *r)
{
	double ri = r->issue.rate / r->base_issue.rate, rc = r->call.rate / r->base_call.rate;

	printf("\n1. baseline: bare SQLite, one INSERT + COMMIT per transaction (WAL, synchronous=FULL)\n");
	print_rate("alongside issue:     ", &r->base_issue);
	print_rate("alongside call-next: ", &r->base_call);

	printf("\n2. hq_queue_issue, durable (the default), normal tickets round %d services\n",
	       NSERVICES);
	print_rate("", &r->issue);
	printf("   ratio to baseline: %.2f (target ≥ 0.50: %s)\n", ri, met(ri >= 0.5));

	printf("\n3. hq_queue_call_next, durable, round %d counters, %ld waiting at the start\n"
	       "   (each call also finishes the counter's current ticket; queue filled without\n"
	       "   fsync in %.2f s, then one untimed call per counter)\n",
	       NCOUNTERS, r->waiting, r->fill_s);
	print_rate("", &r->call);
	printf("   ratio to baseline: %.2f\n", rc);
}

/* ---- 4. scale --------------------------------------------------------------------- */

/* A timed call-next and an untimed issue to the service the call took from, which keeps
 * the queue at its level. The issue commits as durably as the call: one left unsynced in
 * the WAL would be flushed by the next call's fsync and charged to it. */
static double call_and_refill(struct hq_queue *q, long i)
{
	struct hq_ticket t;
	double a = bench_now_s(), us;
	int rc = call_next(q, i, &t);

	us = (bench_now_s() - a) * 1e6;
	if (rc)
		die_op(q, "hq_queue_call_next", rc);
	if ((rc = hq_queue_issue(q, t.service, HQ_CLASS_NORMAL, NULL)))
		die_op(q, "hq_queue_issue (keeping the queue level)", rc);
	return us;
}

struct scale_case {
	const char *file;
	long waiting;
	struct hq_queue *q;
	double fill_s;
	struct figures durable, fast;
};

/* The two cases' calls alternate, for the same reason as in bench_ops. */
static void timed_pair(struct scale_case *c, long calls, bool durable)
{
	struct bench_sample s[2] = {{0}};
	long i;
	double t0;
	int k;

	/* One untimed round of the counters first, so the fsync that flushes what was
	 * written before without one is not charged to a timed call. */
	for (k = 0; k < 2; k++) {
		set_durable(c[k].q, durable);
		for (i = 0; i < NCOUNTERS; i++)
			call_and_refill(c[k].q, i);
	}
	t0 = bench_now_s();
	for (i = 0; i < calls && !over_budget(t0, i); i++)
		for (k = 0; k < 2; k++) {
			int which = (int)(i % 2) ^ k;

			bench_sample_add(&s[which], call_and_refill(c[which].q, i));
		}
	for (k = 0; k < 2; k++) {
		if (durable)
			c[k].durable = summarize(&s[k], calls);
		else
			c[k].fast = summarize(&s[k], calls);
	}
}

static void print_scale_row(const struct scale_case *c, const char *how, const struct figures *f)
{
	char what[64];

	snprintf(what, sizeof what, "%ld waiting, %s", c->waiting, how);
	printf("   %-28s %6ld %9.0f %9.0f %9.0f %9.0f%s\n", what, f->n, f->mean, f->p50, f->p99,
	       f->rate, f->cut ? "  (budget ran out)" : "");
}

/* c[0] is the small case, c[1] the large one. */
static void bench_scale(const char *ini, const struct sizes *z, struct scale_case *c)
{
	double rd, rf;
	int k;

	c[0].file = "scale-small.db";
	c[0].waiting = z->small;
	c[1].file = "scale-big.db";
	c[1].waiting = z->big;
	for (k = 0; k < 2; k++) {
		long next_service = 0;

		c[k].q = open_hall(c[k].file, ini);
		set_durable(c[k].q, false);
		c[k].fill_s = fill(c[k].q, c[k].waiting + NCOUNTERS, &next_service);
		warm_up(c[k].q);
	}
	timed_pair(c, z->calls, false);
	timed_pair(c, z->calls, true);
	for (k = 0; k < 2; k++) {
		if (keep_files)
			printf("kept %s/%s for inspection\n", bench_dir(), c[k].file);
		close_hall(c[k].q, c[k].file);
		c[k].q = NULL;
	}

	printf("\n4. scale: hq_queue_call_next with %ld and %ld waiting, %d counters, %d services\n"
	       "   (the queue held at its level by an untimed issue after each call; the two\n"
	       "   cases' calls alternate)\n", c[0].waiting, c[1].waiting, NCOUNTERS, NSERVICES);
	printf("   filled %ld tickets in %.2f s and %ld in %.2f s (without fsync)\n",
	       c[0].waiting + NCOUNTERS, c[0].fill_s, c[1].waiting + NCOUNTERS, c[1].fill_s);
	/* A literal: printf pads bytes, and µ is two of them. */
	printf("                                 calls   mean µs    p50 µs    p99 µs     ops/s\n");
	print_scale_row(&c[0], "durable", &c[0].durable);
	print_scale_row(&c[1], "durable", &c[1].durable);
	print_scale_row(&c[0], "no fsync", &c[0].fast);
	print_scale_row(&c[1], "no fsync", &c[1].fast);
	rd = c[1].durable.mean / c[0].durable.mean;
	rf = c[1].fast.mean / c[0].fast.mean;
	printf("   ratio %ld/%ld, durable:  mean %.2f, p50 %.2f, p99 %.2f (target ≤ 2.00 on the mean: %s)\n",
	       c[1].waiting, c[0].waiting, rd, c[1].durable.p50 / c[0].durable.p50,
	       c[1].durable.p99 / c[0].durable.p99, met(rd <= 2.0));
	printf("   ratio %ld/%ld, no fsync: mean %.2f, p50 %.2f, p99 %.2f (the query cost alone)\n",
	       c[1].waiting, c[0].waiting, rf, c[1].fast.p50 / c[0].fast.p50,
	       c[1].fast.p99 / c[0].fast.p99);
}

int main(void)
{
	struct sizes z;
	struct ops_result r;
	struct scale_case c[2];
	char when[32];
	char *ini;
	double ri, rc, rd;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_init("bench_queue", NULL);
	z.ops = bench_env_long("HQ_BENCH_OPS", 3000, 10, LONG_MAX);
	z.calls = bench_env_long("HQ_BENCH_CALLS", 2000, 10, LONG_MAX);
	z.small = bench_env_long("HQ_BENCH_SMALL", 100, 1, LONG_MAX);
	z.big = bench_env_long("HQ_BENCH_BIG", 100000, 1, LONG_MAX);
	z.seconds = (double)bench_env_long("HQ_BENCH_SECONDS", 10, 1, LONG_MAX);
	keep_files = bench_env_long("HQ_BENCH_KEEP", 0, 0, LONG_MAX) != 0;
	budget_s = z.seconds;
	if (z.big + NCOUNTERS + 2 * (z.calls + NCOUNTERS) > (long)NSERVICES * LAST_NUMBER ||
	    z.small + NCOUNTERS + 2 * (z.calls + NCOUNTERS) > (long)NSERVICES * LAST_NUMBER)
		bench_die("HQ_BENCH_BIG, HQ_BENCH_SMALL and HQ_BENCH_CALLS ask for more tickets than the"
		    " bench hall's %ld a day", (long)NSERVICES * LAST_NUMBER);
	if (3 * z.ops + 2 * NCOUNTERS > (long)NSERVICES * LAST_NUMBER)
		bench_die("HQ_BENCH_OPS = %ld is more than the bench hall can issue in a day", z.ops);
	if ((err = hq_parse_local_time(CLOCK_AT, &fake_now)))
		bench_die("cannot read the clock time %s: %s", CLOCK_AT, hq_strerror(err));
	hq_format_local_time(fake_now, when, sizeof when);

	printf("bench_queue: the queue against one durable SQLite commit\n");
	printf("sqlite %s; fake clock %s local\n", sqlite3_libversion(), when);
	printf("HQ_BENCH_OPS=%ld HQ_BENCH_CALLS=%ld HQ_BENCH_SMALL=%ld HQ_BENCH_BIG=%ld"
	       " HQ_BENCH_SECONDS=%.0f\n", z.ops, z.calls, z.small, z.big, z.seconds);
	bench_make_dir("hallq-bench", "databases");
	ini = bench_hall();

	bench_ops(ini, z.ops, &r);
	print_ops(&r);
	bench_scale(ini, &z, c);
	free(ini);
	if (!keep_files)
		bench_remove_dir();

	ri = r.issue.rate / r.base_issue.rate;
	rc = r.call.rate / r.base_call.rate;
	rd = c[1].durable.mean / c[0].durable.mean;
	printf("\nsummary\n");
	printf("baseline: %.0f ops/s, p50 %.0f µs, p99 %.0f µs (INSERT + COMMIT, WAL, synchronous=FULL,"
	       " alongside issue)\n", r.base_issue.rate, r.base_issue.p50, r.base_issue.p99);
	printf("issue: %.0f ops/s, %.2f of baseline (target ≥ 0.50: %s)\n", r.issue.rate, ri,
	       met(ri >= 0.5));
	printf("call-next: %.0f ops/s, %.2f of baseline\n", r.call.rate, rc);
	printf("scale: call-next mean %.0f µs at %ld waiting, %.0f µs at %ld: ratio %.2f"
	       " (target ≤ 2.00: %s); without fsync %.2f\n",
	       c[0].durable.mean, c[0].waiting, c[1].durable.mean, c[1].waiting, rd,
	       met(rd <= 2.0), c[1].fast.mean / c[0].fast.mean);
	return 0;
}
