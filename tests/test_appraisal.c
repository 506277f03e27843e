/*
 * Unit tests of the monthly window appraisal (月考核, 红旗窗口) and the clerks' roster it
 * ranks: the score of docs/queue.md's worked example, worked by hand; the rank, its ties and
 * the red flags; the hours signed in across sign-ins, sign-outs, a counter's close, the
 * day's close and the roll-over; absences and the alerts a window caused; reviews and
 * bad-review cases; the periods (month, ISO week across a year's end, quarter); the
 * statistics by day, week and month; and sign-in: the roster of the config and of the
 * database, PINs right and wrong, an open hall, and no hash in anything the library says.
 *
 * Reviews, cases and alerts are other parts' tables (their schema is fixed): these tests
 * write their rows with plain SQL, as those parts would.
 */
#include "test_queue.h"

#include <sqlite3.h>

#define H_MS 3600000.0

/* ---- helpers ------------------------------------------------------------------------------ */

/* Run SQL on the test's database through a connection of its own (sqlite3_mprintf formats:
 * %Q quotes a string). */
static void sql(const char *fmt, ...)
{
	sqlite3 *db;
	char *text, *err = NULL;
	va_list ap;

	va_start(ap, fmt);
	text = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open(ts_db_path(), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", text, err);
	sqlite3_free(text);
	sqlite3_close(db);
}

static long long sql_int(const char *fmt, ...)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	char *text;
	long long v = -1;
	va_list ap;

	va_start(ap, fmt);
	text = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open(ts_db_path(), &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, text, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_free(text);
	sqlite3_close(db);
	return v;
}

/* The clock at a local time of November 2026 (the 23rd is a Monday). */
static void at(int day, int h, int min)
{
	ts_clock_ms = ts_local(2026, 11, day, h, min);
}

static void appraise(struct hq_queue *q, const char *month, struct hq_appraisal *a)
{
	int64_t from, to;

	assert_int_equal(hq_period_parse(HQ_PERIOD_MONTH, month, &from, &to, NULL), HQ_OK);
	TQ_OK(q, hq_queue_appraisal(q, from, to, a));
}

static const struct hq_appraisal_row *window(const struct hq_appraisal *a, int counter)
{
	for (size_t i = 0; i < a->nwindows; i++)
		if (a->windows[i].counter == counter)
			return &a->windows[i];
	fail_msg("no window %d in the appraisal", counter);
	return NULL;
}

static const struct hq_appraisal_row *clerk(const struct hq_appraisal *a, const char *id)
{
	for (size_t i = 0; i < a->nclerks; i++)
		if (!strcmp(a->clerks[i].key, id))
			return &a->clerks[i];
	fail_msg("no clerk %s in the appraisal", id);
	return NULL;
}

static int rule_count(const struct hq_appraisal_row *r, const char *rule)
{
	for (int i = 0; i < r->nrules; i++)
		if (!strcmp(r->by_rule[i].rule, rule))
			return r->by_rule[i].count;
	return 0;
}

/* Issue a ticket of service a now, call it at counter after `wait_s`, end it `svc_s` later:
 * done, or a no-show. The clock ends at the end. */
static void serve(struct hq_queue *q, int counter, int wait_s, int svc_s, bool noshow)
{
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(wait_s);
	tq_next(q, counter);
	ts_advance_s(svc_s);
	if (noshow)
		TQ_OK(q, hq_queue_noshow(q, counter, NULL));
	else
		TQ_OK(q, hq_queue_finish(q, counter, NULL));
}

/* A review of a ticket (as the 好差评 part writes one), its case when bad, and the case's
 * steps up to `reached` (-1: no case). */
static void review(int64_t ticket, int level, int reached, int64_t at_ms)
{
	sql("INSERT INTO reviews(ticket_id, day, service, counter, clerk, level, reasons, channel,"
	    " at, updated_at) SELECT id, day, service, counter, clerk, %d, %d, %d, %lld, %lld"
	    " FROM tickets WHERE id = %lld", level, level <= 2 ? 1 : 0, HQ_CH_PHONE,
	    (long long)at_ms, (long long)at_ms, (long long)ticket);
	if (reached < 0)
		return;
	sql("INSERT INTO cases(review_id, state, opened_at, rectify_due, updated_at)"
	    " SELECT id, %d, %lld, '2026-12-14', %lld FROM reviews WHERE ticket_id = %lld", reached,
	    (long long)at_ms, (long long)at_ms, (long long)ticket);
	for (int st = HQ_CASE_VERIFIED; st <= reached; st++)
		sql("INSERT INTO case_steps(case_id, state, who, at, note) VALUES((SELECT MAX(id) FROM"
		    " cases), %d, '主任', %lld, '')", st, (long long)at_ms + st);
}

/* An alert as the electronic supervision part raises one. */
static void alert(const char *rule, enum hq_alert_kind kind, int counter, const char *clerk_id,
		  int64_t raised_at)
{
	sql("INSERT INTO alerts(rule, kind, severity, subject, counter, clerk, raised_at, cleared_at)"
	    " VALUES(%Q, %d, 1, 'counter:%d', %d, %Q, %lld, %lld)", rule, kind, counter, counter,
	    clerk_id, (long long)raised_at, (long long)raised_at + 600000);
}

/* ---- the worked example of docs/queue.md ---------------------------------------------------- */

static const char *example_hall =
	"[hall]\nname = 考核大厅\nsign_in = open\n"
	"[service a]\nname = 综合受理\nprefix = A\nnumbers = 1-999\nhours = 08:00-18:00\n"
	"days = mon-sun\nmax_wait_minutes = 30\n"
	"[counter 3]\nname = 3号窗口\nservices = a\n"
	"[counter 5]\nname = 5号窗口\nservices = a\n"
	"[counter 7]\nname = 7号窗口\nservices = a\n";

/*
 * November 2026, on Monday the 23rd, with the default weights (30 volume, 25 on time, 30
 * satisfaction, 15 rectified; 1 point an alert, 2 an absence, 2 a bad review; 3 red flags,
 * ranked from 10 served):
 *   window 3 (clerk 1003): 25 citizens waited 31 to 55 minutes, then 100 were called at
 *     once, 5 of them no-shows: called 125, served 120, on time 100/125 = 80%; 50 reviews,
 *     48 at level 5 and 2 at level 1, whose cases reached rectified and revisited (one) and
 *     verified (the other); alerts: a long pause (its clerk's), an unstaffed counter (an
 *     absence), a device down and a bad review (neither counts);
 *   window 5 (clerk 1005): 150 served at once, no review, no alert: the busiest;
 *   window 7 (clerk 1007): 6 served at once: listed, not ranked.
 */
static void test_worked_example(void **state)
{
	struct hq_queue *q = tq_open(example_hall);
	struct hq_appraisal a, w48, w47;
	struct hq_stats st;
	const struct hq_appraisal_row *w3, *w5, *w7, *k3;
	int64_t from, to, t;
	int i;

	(void)state;
	at(23, 8, 0);
	TQ_OK(q, hq_queue_sign_in(q, 3, "1003"));
	TQ_OK(q, hq_queue_sign_in(q, 5, "1005"));
	TQ_OK(q, hq_queue_sign_in(q, 7, "1007"));
	for (i = 0; i < 25; i++)
		tq_issue(q, "a", HQ_CLASS_NORMAL);
	at(23, 8, 31);
	for (i = 0; i < 25; i++) { /* waits of 31, 32, ... 55 minutes, a minute at the window */
		tq_next(q, 3);
		ts_advance_s(60);
		TQ_OK(q, hq_queue_finish(q, 3, NULL));
	}
	for (i = 0; i < 100; i++)
		serve(q, 3, 0, 30, i % 20 == 19);
	for (i = 0; i < 150; i++)
		serve(q, 5, 0, 20, false);
	for (i = 0; i < 6; i++)
		serve(q, 7, 0, 20, false);
	t = ts_clock_ms;
	for (i = 0; i < 48; i++)
		review(sql_int("SELECT id FROM tickets WHERE counter = 3 AND state = 4 ORDER BY id"
			       " LIMIT 1 OFFSET %d", i), 5, -1, t);
	review(sql_int("SELECT id FROM tickets WHERE counter = 3 AND state = 4 ORDER BY id LIMIT 1"
		       " OFFSET 48"), 1, HQ_CASE_REVISITED, t);
	review(sql_int("SELECT id FROM tickets WHERE counter = 3 AND state = 4 ORDER BY id LIMIT 1"
		       " OFFSET 49"), 1, HQ_CASE_VERIFIED, t);
	alert("long_pause", HQ_ALERT_PAUSE, 3, "1003", t);
	alert("unstaffed", HQ_ALERT_UNSTAFFED, 3, "", t);
	alert("device_down", HQ_ALERT_DEVICE, 3, "", t);
	alert("bad_review", HQ_ALERT_BAD_REVIEW, 3, "1003", t);
	/* October's is another month's. */
	alert("long_pause", HQ_ALERT_PAUSE, 5, "1005", ts_local(2026, 10, 30, 10, 0));
	at(23, 12, 0);
	TQ_OK(q, hq_queue_close_counter(q, 7));
	at(23, 17, 0);
	TQ_OK(q, hq_queue_sign_out(q, 3));
	at(23, 17, 30);
	TQ_OK(q, hq_queue_close_day(q, NULL, NULL));

	at(30, 18, 0);
	appraise(q, "2026-11", &a);
	assert_int_equal(a.nwindows, 3);
	assert_int_equal(a.busiest_window, 150);
	w3 = window(&a, 3);
	w5 = window(&a, 5);
	w7 = window(&a, 7);

	/* Window 3, by hand. */
	assert_string_equal(w3->name, "3号窗口");
	assert_int_equal(w3->called, 125);
	assert_int_equal(w3->served, 120);
	TQ_NEAR(0.8, w3->on_time_rate);
	/* Waits: 31..55 minutes for 25, 0 for 100: (25 x 31 + 300) x 60 / 125 = 516 s. */
	TQ_NEAR(516, w3->wait_mean_s);
	/* Service: 60 s for 25, 30 s for 95: (1500 + 2850) / 120. */
	TQ_NEAR(4350.0 / 120, w3->service_mean_s);
	assert_int_equal(w3->reviews, 50);
	TQ_NEAR(0.96, w3->satisfaction_rate);
	TQ_NEAR((48 * 5 + 2) / 50.0, w3->mean_level);
	assert_int_equal(w3->bad_reviews, 2);
	assert_int_equal(w3->cases, 2);
	TQ_NEAR(0.5, w3->rectify_rate);
	TQ_NEAR(0.5, w3->revisit_rate);
	assert_int_equal(w3->alerts, 1);
	assert_int_equal(rule_count(w3, "long_pause"), 1);
	assert_int_equal(w3->nrules, 1);
	assert_int_equal(w3->absences, 1);
	TQ_NEAR(9.0, w3->hours);
	/* The score: (30 x 80 + 25 x 80 + 30 x 96 + 15 x 50) / 100 = 80.30, less 1 + 2 + 2 x 2. */
	TQ_NEAR(80, w3->volume_pts);
	TQ_NEAR(80, w3->on_time_pts);
	TQ_NEAR(96, w3->satisfaction_pts);
	TQ_NEAR(50, w3->rectify_pts);
	TQ_NEAR(7, w3->penalty);
	TQ_NEAR(73.30, w3->score);

	/* Window 5: everything full, nothing against it. */
	TQ_NEAR(100, w5->volume_pts);
	TQ_NEAR(100, w5->on_time_pts);
	TQ_NEAR(100, w5->satisfaction_pts);
	TQ_NEAR(100, w5->rectify_pts);
	TQ_NEAR(100.00, w5->score);
	assert_int_equal(w5->reviews, 0);
	assert_int_equal(w5->alerts, 0);
	TQ_NEAR(9.5, w5->hours);

	/* Window 7: 6 of 150 is 4 points of volume, (30 x 4 + 2500 + 3000 + 1500) / 100. */
	assert_int_equal(w7->served, 6);
	TQ_NEAR(71.20, w7->score);
	TQ_NEAR(4.0, w7->hours);

	/* The rank: 5 then 3; 7 below min_served. Both ranked windows are red flags (3). */
	assert_true(w5->ranked && w5->rank == 1 && w5->red_flag);
	assert_true(w3->ranked && w3->rank == 2 && w3->red_flag);
	assert_true(!w7->ranked && w7->rank == 0 && !w7->red_flag);
	assert_int_equal(a.windows[0].counter, 5);
	assert_int_equal(a.windows[1].counter, 3);
	assert_int_equal(a.windows[2].counter, 7);

	/* Clerk 1003: window 3's figures, its long pause but no absence: 80.30 - 5. */
	k3 = clerk(&a, "1003");
	assert_int_equal(k3->served, 120);
	assert_int_equal(k3->alerts, 1);
	assert_int_equal(k3->absences, 0);
	TQ_NEAR(5, k3->penalty);
	TQ_NEAR(75.30, k3->score);
	TQ_NEAR(9.0, k3->hours);
	assert_int_equal(k3->rank, 2);
	assert_false(k3->red_flag); /* red flags are windows' */
	assert_int_equal(clerk(&a, "1005")->rank, 1);
	TQ_NEAR(9.5, clerk(&a, "1005")->hours);

	/* The work figures are the statistics' by counter over the same tickets. */
	TQ_OK(q, hq_queue_stats(q, HQ_BY_COUNTER, a.from, a.to, &st));
	for (size_t r = 0; r < st.nrows; r++) {
		const struct hq_appraisal_row *w = window(&a, atoi(st.rows[r].key));

		assert_int_equal(w->served, st.rows[r].served);
		assert_int_equal(w->called, st.rows[r].called);
		TQ_NEAR(st.rows[r].on_time_rate, w->on_time_rate);
		TQ_NEAR(st.rows[r].wait_mean_s, w->wait_mean_s);
		TQ_NEAR(st.rows[r].service_mean_s, w->service_mean_s);
	}
	hq_stats_free(&st);

	/* The ISO week of the 23rd gives the same; the week before, nothing. */
	assert_int_equal(hq_period_parse(HQ_PERIOD_WEEK, "2026-W48", &from, &to, NULL), HQ_OK);
	TQ_OK(q, hq_queue_appraisal(q, from, to, &w48));
	TQ_NEAR(73.30, window(&w48, 3)->score);
	assert_int_equal(hq_period_parse(HQ_PERIOD_WEEK, "2026-W47", &from, &to, NULL), HQ_OK);
	TQ_OK(q, hq_queue_appraisal(q, from, to, &w47));
	assert_int_equal(window(&w47, 3)->served, 0);
	assert_false(window(&w47, 3)->ranked);
	TQ_NEAR(0, window(&w47, 3)->hours);
	hq_appraisal_free(&w47);
	hq_appraisal_free(&w48);
	hq_appraisal_free(&a);
	hq_appraisal_free(NULL);
	TQ_ERR(q, HQ_EINVAL, hq_queue_appraisal(q, to, from, &a));
	tq_close(q);
}

/* ---- the rank, its ties and the red flags ------------------------------------------------- */

static void test_rank_ties_red_flags(void **state)
{
	struct hq_queue *q = tq_open(
		"[hall]\nname = 排名\nsign_in = open\n"
		"[service a]\nname = 甲\nprefix = A\nhours = 08:00-18:00\ndays = mon-sun\n"
		"[counter 1]\nservices = a\n[counter 2]\nservices = a\n[counter 3]\nservices = a\n"
		"[counter 4]\nservices = a\n[counter 5]\nservices = a\n"
		"[appraisal]\nweight_volume = 100\nweight_on_time = 0\nweight_satisfaction = 0\n"
		"weight_rectify = 0\nred_flag_count = 2\nmin_served = 1\n");
	static const int served[] = {0, 4, 2, 2, 1, 0};
	struct hq_appraisal a;

	(void)state;
	at(24, 9, 0);
	for (int c = 1; c <= 5; c++) {
		char id[8];

		snprintf(id, sizeof id, "k%d", c);
		TQ_OK(q, hq_queue_sign_in(q, c, id));
		for (int i = 0; i < served[c]; i++)
			serve(q, c, 60, 60, false);
	}
	appraise(q, "2026-11", &a);
	/* Volume alone: 100, 50, 50, 25. The two at 50 share rank 2 and both fly the red flag;
	 * the next is 4th. Window 5 served nothing: not ranked. */
	TQ_NEAR(100, window(&a, 1)->score);
	TQ_NEAR(50, window(&a, 2)->score);
	TQ_NEAR(25, window(&a, 4)->score);
	assert_int_equal(window(&a, 1)->rank, 1);
	assert_int_equal(window(&a, 2)->rank, 2);
	assert_int_equal(window(&a, 3)->rank, 2);
	assert_int_equal(window(&a, 4)->rank, 4);
	assert_false(window(&a, 5)->ranked);
	assert_true(window(&a, 1)->red_flag && window(&a, 2)->red_flag && window(&a, 3)->red_flag);
	assert_false(window(&a, 4)->red_flag || window(&a, 5)->red_flag);
	for (int i = 0; i < 5; i++)
		assert_int_equal(a.windows[i].counter, i + 1); /* by rank, then number */
	assert_int_equal(clerk(&a, "k2")->rank, 2);
	assert_int_equal(clerk(&a, "k3")->rank, 2);
	assert_int_equal(clerk(&a, "k4")->rank, 4);
	for (size_t i = 0; i < a.nclerks; i++)
		assert_false(a.clerks[i].red_flag);
	hq_appraisal_free(&a);
	tq_close(q);
}

/* ---- hours signed in ----------------------------------------------------------------------- */

static int signed_out_value(struct hq_queue *q, int64_t since, int counter)
{
	struct hq_event e = tq_event1(q, since, "signed_out", 0);

	assert_int_equal(e.counter, counter);
	return e.value;
}

static void test_hours_signed_in(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_appraisal a;
	int64_t last;

	(void)state;
	at(23, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "a1"));
	at(23, 10, 0);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_sign_in(q, 1, "a2")); /* another clerk: a1 leaves counter 1 */
	assert_int_equal(signed_out_value(q, last, 1), 3);
	at(23, 10, 30);
	TQ_OK(q, hq_queue_sign_in(q, 2, "a1"));
	at(23, 11, 0);
	TQ_OK(q, hq_queue_sign_in(q, 3, "a1")); /* at two counters at once: counted once */
	at(23, 12, 0);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_close_counter(q, 2));
	assert_int_equal(signed_out_value(q, last, 2), 1);
	assert_string_equal(tq_counter(q, 2).clerk, "");
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_close_counter(q, 2)); /* closed already, nobody there: nothing */
	assert_int_equal(tq_count_events(q, last), 0);
	at(23, 12, 30);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_sign_out(q, 3));
	assert_int_equal(signed_out_value(q, last, 3), 0);
	at(23, 14, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "a2")); /* again: the same sign-in goes on */
	assert_int_equal(sql_int("SELECT COUNT(*) FROM signins WHERE clerk = 'a2'"), 1);
	at(23, 17, 0);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_close_day(q, NULL, NULL));
	assert_int_equal(signed_out_value(q, last, 1), 2);
	assert_string_equal(tq_counter(q, 1).clerk, "");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM signins WHERE out_at = 0"), 0);

	appraise(q, "2026-11", &a);
	/* Counter 1: a1 9-10, a2 10-17; counter 2: a1 10:30-12; counter 3: a1 11-12:30. */
	TQ_NEAR(8, window(&a, 1)->hours);
	TQ_NEAR(1.5, window(&a, 2)->hours);
	TQ_NEAR(1.5, window(&a, 3)->hours);
	TQ_NEAR(0, window(&a, 4)->hours);
	/* a1: 9-10, then 10:30-12:30 at one counter or two. */
	TQ_NEAR(3, clerk(&a, "a1")->hours);
	TQ_NEAR(7, clerk(&a, "a2")->hours);
	hq_appraisal_free(&a);

	/* A period cuts the sign-ins: 11:00 to 12:00 of the 23rd. */
	TQ_OK(q, hq_queue_appraisal(q, ts_local(2026, 11, 23, 11, 0), ts_local(2026, 11, 23, 12, 0), &a));
	TQ_NEAR(1, window(&a, 1)->hours);
	TQ_NEAR(1, window(&a, 2)->hours);
	TQ_NEAR(1, window(&a, 3)->hours);
	TQ_NEAR(1, clerk(&a, "a1")->hours);
	hq_appraisal_free(&a);
	tq_close(q);
}

/* A day that ends without a close: the roll-over signs the clerk out as of the counter's last
 * sign of work, and a report read before it says the same. One signed in today runs to now. */
static void test_hours_roll_over(void **state)
{
	struct hq_queue *q = tq_open(NULL), *ro;
	struct hq_appraisal a;
	char err[256];
	int64_t last;

	(void)state;
	at(23, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "b1"));
	at(23, 10, 30);
	serve(q, 1, 0, 30 * 60, false); /* finished at 11:00: its last work */
	at(24, 9, 0);
	assert_int_equal(hq_queue_open_readonly(ts_db_path(), &ro, err, sizeof err), HQ_OK);
	hq_queue_set_clock(ro, ts_clock, NULL);
	appraise(ro, "2026-11", &a);
	TQ_NEAR(2, clerk(&a, "b1")->hours);
	TQ_NEAR(2, window(&a, 1)->hours);
	hq_appraisal_free(&a);
	hq_queue_close(ro);

	last = hq_queue_last_event_id(q);
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* the first operation of the 24th */
	assert_int_equal(signed_out_value(q, last, 1), 2);
	assert_string_equal(tq_counter(q, 1).clerk, "");
	assert_int_equal(sql_int("SELECT out_at FROM signins WHERE clerk = 'b1'"),
			 ts_local(2026, 11, 23, 11, 0));
	TQ_OK(q, hq_queue_sign_in(q, 2, "b2"));
	at(24, 10, 15);
	appraise(q, "2026-11", &a);
	TQ_NEAR(2, clerk(&a, "b1")->hours);
	TQ_NEAR(1.25, clerk(&a, "b2")->hours); /* still signed in: to now */
	hq_appraisal_free(&a);
	tq_close(q);
}

/* ---- alerts caused and absences ------------------------------------------------------------ */

static void test_alerts_and_absences(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_appraisal a;
	const struct hq_appraisal_row *w1, *w2;
	int64_t nov = ts_local(2026, 11, 1, 0, 0), dec = ts_local(2026, 12, 1, 0, 0);
	char rule[16];

	(void)state;
	alert("long_pause", HQ_ALERT_PAUSE, 1, "c1", nov);
	alert("long_pause", HQ_ALERT_PAUSE, 1, "c1", dec - 1);
	alert("long_pause", HQ_ALERT_PAUSE, 1, "c1", nov - 1);     /* October */
	alert("long_pause", HQ_ALERT_PAUSE, 1, "c1", dec);         /* December */
	alert("no_calls", HQ_ALERT_IDLE, 1, "c9", nov + 1000);     /* another clerk at counter 1 */
	alert("slow_service", HQ_ALERT_SLOW, 1, "", nov + 2000);
	alert("noshow_streak", HQ_ALERT_NOSHOWS, 1, "", nov + 3000);
	alert("unstaffed", HQ_ALERT_UNSTAFFED, 1, "", nov + 4000);
	alert("unstaffed", HQ_ALERT_UNSTAFFED, 1, "", nov + 5000);
	alert("device_down", HQ_ALERT_DEVICE, 1, "", nov + 6000);
	alert("case_overdue", HQ_ALERT_CASE_OVERDUE, 1, "c1", nov + 7000);
	alert("bad_review", HQ_ALERT_BAD_REVIEW, 1, "c1", nov + 8000);
	/* More rules than a row keeps: the eighth place counts the rest as "other". */
	for (int i = 0; i < 9; i++) {
		snprintf(rule, sizeof rule, "idle_%d", i);
		alert(rule, HQ_ALERT_IDLE, 2, "", nov + 9000 + i);
	}
	appraise(q, "2026-11", &a);
	w1 = window(&a, 1);
	/* Caused: long_pause x2, no_calls, slow_service, noshow_streak. */
	assert_int_equal(w1->alerts, 5);
	assert_int_equal(rule_count(w1, "long_pause"), 2);
	assert_int_equal(rule_count(w1, "no_calls"), 1);
	assert_int_equal(rule_count(w1, "slow_service"), 1);
	assert_int_equal(rule_count(w1, "noshow_streak"), 1);
	assert_int_equal(rule_count(w1, "device_down") + rule_count(w1, "bad_review") +
			 rule_count(w1, "case_overdue") + rule_count(w1, "unstaffed"), 0);
	assert_int_equal(w1->absences, 2);
	/* 5 alerts and 2 absences: 5 + 4 points. */
	TQ_NEAR(9, w1->penalty);
	assert_int_equal(clerk(&a, "c1")->alerts, 2);
	assert_int_equal(clerk(&a, "c1")->absences, 0);
	assert_int_equal(clerk(&a, "c9")->alerts, 1);
	w2 = window(&a, 2);
	assert_int_equal(w2->alerts, 9);
	assert_int_equal(w2->nrules, HQ_APPRAISAL_RULES);
	assert_string_equal(w2->by_rule[HQ_APPRAISAL_RULES - 1].rule, "other");
	assert_int_equal(w2->by_rule[HQ_APPRAISAL_RULES - 1].count, 2);
	assert_int_equal(rule_count(w2, "idle_0"), 1);
	/* The whole hall: every caused alert once (c9's and c1's at counter 1 are window 1's
	 * too), those of no window or clerk as well, the unstaffed ones as absences. */
	alert("long_queue", HQ_ALERT_QUEUE, 0, "", nov + 20000);
	hq_appraisal_free(&a);
	appraise(q, "2026-11", &a);
	assert_string_equal(a.hall.key, "hall");
	assert_int_equal(a.hall.alerts, 5 + 9 + 1);
	assert_int_equal(a.hall.absences, 2);
	assert_int_equal(window(&a, 1)->alerts, 5);
	TQ_NEAR(15 + 4, a.hall.penalty);
	assert_false(a.hall.ranked);       /* nothing served */
	hq_appraisal_free(&a);
	tq_close(q);
}

/* ---- reviews and bad-review cases ------------------------------------------------------------ */

static void test_reviews_and_cases(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_appraisal a;
	const struct hq_appraisal_row *w;
	int64_t oct_ticket, t[6];

	(void)state;
	/* A ticket of October, reviewed in November: October's. */
	ts_clock_ms = ts_local(2026, 10, 30, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "r1"));
	serve(q, 1, 0, 60, false);
	oct_ticket = sql_int("SELECT MAX(id) FROM tickets");
	at(23, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "r1"));
	for (int i = 0; i < 6; i++) {
		serve(q, 1, 0, 60, false);
		t[i] = sql_int("SELECT MAX(id) FROM tickets");
	}
	review(oct_ticket, 1, HQ_CASE_OPEN, ts_clock_ms);
	review(t[0], 5, -1, ts_clock_ms);
	review(t[1], 4, -1, ts_clock_ms);
	review(t[2], 3, -1, ts_clock_ms);
	review(t[3], 2, HQ_CASE_RECTIFIED, ts_clock_ms);
	review(t[4], 1, HQ_CASE_CLOSED, ts_clock_ms);
	/* A three-level rating from before schema 4 (channel 4, migrated): no case. */
	review(t[5], 1, -1, ts_clock_ms);
	sql("UPDATE reviews SET channel = %d WHERE ticket_id = %lld", HQ_CH_MIGRATED, (long long)t[5]);
	appraise(q, "2026-11", &a);
	w = window(&a, 1);
	assert_int_equal(w->served, 6);
	assert_int_equal(w->reviews, 6);
	TQ_NEAR(0.5, w->satisfaction_rate);
	TQ_NEAR(16.0 / 6, w->mean_level);
	assert_int_equal(w->bad_reviews, 3);
	assert_int_equal(w->cases, 2);
	TQ_NEAR(1.0, w->rectify_rate);  /* both reached rectified */
	TQ_NEAR(0.5, w->revisit_rate);  /* one was revisited */
	TQ_NEAR(50, w->satisfaction_pts);
	TQ_NEAR(100, w->rectify_pts);
	TQ_NEAR(6, w->penalty);         /* three bad reviews */
	assert_int_equal(clerk(&a, "r1")->reviews, 6);
	hq_appraisal_free(&a);
	appraise(q, "2026-10", &a);
	w = window(&a, 1);
	assert_int_equal(w->reviews, 1);
	assert_int_equal(w->cases, 1);
	TQ_NEAR(0, w->rectify_rate);
	TQ_NEAR(0, w->rectify_pts);
	hq_appraisal_free(&a);
	tq_close(q);
}

/*
 * Reviews changed within the edit window, through the review API: a bad review made good
 * closes its case, which is then no bad review's case and counts in no rate (a key pressed
 * by mistake and put right on the phone must not cost the window its rectify points); a
 * case rectified, closed by a change to good and opened again by a change back to bad
 * starts again, unrectified, as the statistics count it.
 */
static void test_changed_reviews_and_cases(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_appraisal a;
	const struct hq_appraisal_row *w;
	struct hq_review rv;
	struct hq_stats st;
	int64_t t[3];

	(void)state;
	at(23, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "r1"));
	for (int i = 0; i < 3; i++) {
		serve(q, 1, 0, 60, false);
		t[i] = sql_int("SELECT MAX(id) FROM tickets");
	}
	/* t0: level 1 on the unit, 5 on the phone a minute later: its case closes. */
	TQ_OK(q, hq_queue_review(q, t[0], 1, HQ_REASON_OTHER, NULL, HQ_CH_UNIT, &rv));
	assert_true(rv.case_id > 0);
	ts_advance_s(60);
	TQ_OK(q, hq_queue_review(q, t[0], 5, 0, NULL, HQ_CH_PHONE, NULL));
	/* t1: bad, verified and rectified, made good, then bad again: opened again. */
	TQ_OK(q, hq_queue_review(q, t[1], 2, HQ_REASON_ATTITUDE, NULL, HQ_CH_PHONE, &rv));
	TQ_OK(q, hq_queue_case_step(q, rv.case_id, HQ_CASE_VERIFIED, "主任", NULL, NULL));
	TQ_OK(q, hq_queue_case_step(q, rv.case_id, HQ_CASE_RECTIFIED, "主任", NULL, NULL));
	ts_advance_s(60);
	TQ_OK(q, hq_queue_review(q, t[1], 4, 0, NULL, HQ_CH_PHONE, NULL));
	ts_advance_s(60);
	TQ_OK(q, hq_queue_review(q, t[1], 1, HQ_REASON_ATTITUDE, NULL, HQ_CH_PHONE, NULL));
	/* t2: good. */
	TQ_OK(q, hq_queue_review(q, t[2], 5, 0, NULL, HQ_CH_KIOSK, NULL));

	appraise(q, "2026-11", &a);
	w = window(&a, 1);
	assert_int_equal(w->reviews, 3);
	assert_int_equal(w->bad_reviews, 1);
	assert_int_equal(w->cases, 1);          /* t1's; t0's belongs to a good review now */
	TQ_NEAR(0, w->rectify_rate);            /* opened again: not rectified since */
	TQ_NEAR(0, w->revisit_rate);
	TQ_NEAR(0, w->rectify_pts);
	/* The statistics say the same of the same tickets. */
	TQ_OK(q, hq_queue_stats(q, HQ_BY_COUNTER, a.from, a.to, &st));
	assert_int_equal(st.nrows >= 1, 1);
	assert_int_equal(st.rows[0].bad_reviews, w->bad_reviews);
	TQ_NEAR(st.rows[0].rectify_rate, w->rectify_rate);
	hq_stats_free(&st);
	assert_int_equal(clerk(&a, "r1")->cases, 1);
	hq_appraisal_free(&a);
	tq_close(q);
}

/* The CSV hallq and hallqd both give: its header, a quoted name, a row not ranked, the
 * alerts by rule. */
static void test_csv(void **state)
{
	struct hq_queue *q = tq_open(
		"[hall]\nname = CSV\nsign_in = open\n"
		"[service a]\nname = 甲\nprefix = A\nhours = 08:00-18:00\ndays = mon-sun\n"
		"[counter 1]\nname = 1号窗口, \"东\"\nservices = a\n");
	struct hq_appraisal a;
	char *csv, want[512];

	(void)state;
	at(23, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "k1"));
	serve(q, 1, 0, 60, false);
	alert("long_pause", HQ_ALERT_PAUSE, 1, "k1", ts_clock_ms);
	appraise(q, "2026-11", &a);
	csv = hq_appraisal_csv(&a);
	assert_non_null(csv);
	snprintf(want, sizeof want, "kind,key,name,rank,red_flag");
	for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), ",%s", hq_appraisal_fields[i].name);
	strcat(want, ",alerts_by_rule\n");
	assert_true(!strncmp(csv, want, strlen(want)));
	/* One served, below min_served: no rank; 0 for the red flag. */
	assert_non_null(strstr(csv, "\nwindow,1,\"1号窗口, \"\"东\"\"\",,0,1,1,"));
	assert_non_null(strstr(csv, ",long_pause:1\nclerk,k1,,,0,1,"));
	assert_int_equal(csv[strlen(csv) - 1], '\n');
	free(csv);
	hq_appraisal_free(&a);
	tq_close(q);
}

/* ---- periods -------------------------------------------------------------------------------- */

static void period(enum hq_period_kind kind, const char *text, int fy, int fm, int fd, int ty,
		   int tm, int td)
{
	char label[HQ_PERIOD_LABEL_MAX];
	int64_t from, to;

	if (hq_period_parse(kind, text, &from, &to, label) != HQ_OK)
		fail_msg("%s is not a period", text);
	assert_string_equal(label, text);
	assert_int_equal(from, ts_local(fy, fm, fd, 0, 0));
	assert_int_equal(to, ts_local(ty, tm, td, 0, 0));
}

static void test_periods(void **state)
{
	static const char *const bad_weeks[] = {"2026-W00", "2026-W54", "2025-W53", "2026-w48",
						"2026-W4", "2026-W488", "2026W48", NULL};
	static const char *const bad_months[] = {"2026-13", "2026-00", "2026-1", "2026-011", "26-11",
						 " 2026-11", "2026-11x", "+026-11", "", NULL};
	static const char *const bad_quarters[] = {"2026-Q0", "2026-Q5", "2026-q4", "2026-Q", NULL};
	int64_t from = 7, to = 7;
	int y, w;

	(void)state;
	ts_setup_tz();
	period(HQ_PERIOD_MONTH, "2026-11", 2026, 11, 1, 2026, 12, 1);
	period(HQ_PERIOD_MONTH, "2026-12", 2026, 12, 1, 2027, 1, 1);
	period(HQ_PERIOD_MONTH, "2028-02", 2028, 2, 1, 2028, 3, 1);
	period(HQ_PERIOD_WEEK, "2026-W48", 2026, 11, 23, 2026, 11, 30);
	/* 2026 has 53 weeks (it starts on a Thursday): the last runs into 2027. */
	period(HQ_PERIOD_WEEK, "2026-W53", 2026, 12, 28, 2027, 1, 4);
	period(HQ_PERIOD_WEEK, "2027-W01", 2027, 1, 4, 2027, 1, 11);
	/* 2025's week 1 starts in 2024. */
	period(HQ_PERIOD_WEEK, "2025-W01", 2024, 12, 30, 2025, 1, 6);
	period(HQ_PERIOD_QUARTER, "2026-Q4", 2026, 10, 1, 2027, 1, 1);
	period(HQ_PERIOD_QUARTER, "2026-Q1", 2026, 1, 1, 2026, 4, 1);
	period(HQ_PERIOD_DAY, "2026-11-23", 2026, 11, 23, 2026, 11, 24);
	for (int i = 0; bad_weeks[i]; i++)
		assert_int_equal(hq_period_parse(HQ_PERIOD_WEEK, bad_weeks[i], &from, &to, NULL), HQ_EINVAL);
	for (int i = 0; bad_months[i]; i++)
		assert_int_equal(hq_period_parse(HQ_PERIOD_MONTH, bad_months[i], &from, &to, NULL), HQ_EINVAL);
	for (int i = 0; bad_quarters[i]; i++)
		assert_int_equal(hq_period_parse(HQ_PERIOD_QUARTER, bad_quarters[i], &from, &to, NULL),
				 HQ_EINVAL);
	assert_int_equal(hq_period_parse(HQ_PERIOD_DAY, "2026-02-30", &from, &to, NULL), HQ_EINVAL);
	assert_int_equal(hq_period_parse(HQ_PERIOD_MONTH, NULL, &from, &to, NULL), HQ_EINVAL);
	assert_true(from == 7 && to == 7); /* a refusal leaves them */

	hq_iso_week(hq_civil_days(2027, 1, 1), &y, &w);
	assert_true(y == 2026 && w == 53);
	hq_iso_week(hq_civil_days(2026, 12, 28), &y, &w);
	assert_true(y == 2026 && w == 53);
	hq_iso_week(hq_civil_days(2024, 12, 30), &y, &w);
	assert_true(y == 2025 && w == 1);
	hq_iso_week(hq_civil_days(2026, 11, 29), &y, &w); /* a Sunday ends its week */
	assert_true(y == 2026 && w == 48);
	hq_iso_week(hq_civil_days(2021, 1, 3), &y, &w);   /* 2020 had 53 weeks too */
	assert_true(y == 2020 && w == 53);
}

/* ---- the statistics by day, week and month, across a year's end --------------------------------- */

static void test_stats_by_day_week_month(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_stats st;
	int64_t from = ts_local(2026, 12, 1, 0, 0), to = ts_local(2027, 2, 1, 0, 0);

	(void)state;
	ts_clock_ms = ts_local(2026, 12, 31, 10, 0);  /* Thursday, 2026-W53 */
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_clock_ms = ts_local(2027, 1, 1, 10, 0);    /* Friday, still 2026-W53 */
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_clock_ms = ts_local(2027, 1, 4, 10, 0);    /* Monday, 2027-W01 */
	tq_issue(q, "b", HQ_CLASS_NORMAL);

	TQ_OK(q, hq_queue_stats(q, HQ_BY_DAY, from, to, &st));
	assert_int_equal(st.nrows, 3);
	assert_string_equal(st.rows[0].key, "2026-12-31");
	assert_int_equal(st.rows[0].issued, 2);
	assert_string_equal(st.rows[1].key, "2027-01-01");
	assert_string_equal(st.rows[2].key, "2027-01-04");
	assert_int_equal(st.total.issued, 4);
	hq_stats_free(&st);

	TQ_OK(q, hq_queue_stats(q, HQ_BY_WEEK, from, to, &st));
	assert_int_equal(st.nrows, 2);
	assert_string_equal(st.rows[0].key, "2026-W53");
	assert_int_equal(st.rows[0].issued, 3);
	assert_int_equal(st.rows[0].cancelled, 3); /* closed as their days ended */
	assert_string_equal(st.rows[1].key, "2027-W01");
	assert_int_equal(st.rows[1].issued, 1);
	hq_stats_free(&st);

	TQ_OK(q, hq_queue_stats(q, HQ_BY_MONTH, from, to, &st));
	assert_int_equal(st.nrows, 2);
	assert_string_equal(st.rows[0].key, "2026-12");
	assert_int_equal(st.rows[0].issued, 2);
	assert_string_equal(st.rows[1].key, "2027-01");
	assert_int_equal(st.rows[1].issued, 2);
	hq_stats_free(&st);

	assert_int_equal(hq_group_parse("day"), HQ_BY_DAY);
	assert_int_equal(hq_group_parse("week"), HQ_BY_WEEK);
	assert_int_equal(hq_group_parse("month"), HQ_BY_MONTH);
	assert_string_equal(hq_group_name(HQ_BY_WEEK), "week");
	TQ_ERR(q, HQ_EINVAL, hq_queue_stats(q, (enum hq_group)(HQ_BY_MONTH + 1), from, to, &st));
	tq_close(q);
}

/* ---- the roster and sign-in ------------------------------------------------------------------- */

#define PIN_1024 "2468"

static char pin_hash_1024[HQ_PIN_HASH_MAX];

/* A roster hall: clerk 1024 (PIN 2468) in the config. */
static const char *roster_hall(const char *extra)
{
	static char text[1024];

	if (!pin_hash_1024[0])
		assert_int_equal(hq_pin_hash(PIN_1024, pin_hash_1024, sizeof pin_hash_1024), HQ_OK);
	snprintf(text, sizeof text,
		 "[hall]\nname = 名册\n%s"
		 "[service a]\nname = 甲\nprefix = A\nhours = 08:00-18:00\ndays = mon-sun\n"
		 "[counter 1]\nservices = a\n[counter 2]\nservices = a\n"
		 "[clerk 1024]\nname = 王芳\npin = %s\n", extra, pin_hash_1024);
	return text;
}

/* Nothing the library says holds a PIN or a hash: its message, the feed. */
static void no_secret(struct hq_queue *q, const char *pin)
{
	struct hq_event ev[256];
	int n;

	assert_null(strstr(hq_queue_errmsg(q), "$y$"));
	assert_null(strstr(hq_queue_errmsg(q), pin));
	n = hq_queue_events(q, 0, ev, 256);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		assert_null(strstr(ev[i].detail, "$y$"));
		assert_null(strstr(ev[i].detail, pin));
	}
}

static void test_pins(void **state)
{
	char h1[HQ_PIN_HASH_MAX], h2[HQ_PIN_HASH_MAX], tiny[8];

	(void)state;
	assert_true(hq_pin_valid("1234") && hq_pin_valid("123456789012"));
	assert_false(hq_pin_valid("123") || hq_pin_valid("1234567890123") || hq_pin_valid("12a4") ||
		     hq_pin_valid("") || hq_pin_valid(NULL) || hq_pin_valid(" 1234"));
	assert_int_equal(hq_pin_hash("2468", h1, sizeof h1), HQ_OK);
	assert_int_equal(hq_pin_hash("2468", h2, sizeof h2), HQ_OK);
	/* yescrypt, the library's preferred method, with a new salt each time. */
	assert_int_equal(strncmp(h1, "$y$", 3), 0);
	assert_string_not_equal(h1, h2);
	assert_null(strstr(h1, "2468"));
	assert_true(hq_pin_check("2468", h1) && hq_pin_check("2468", h2));
	assert_false(hq_pin_check("2469", h1) || hq_pin_check("24680", h1));
	assert_false(hq_pin_check("2468", "") || hq_pin_check("2468", "*") || hq_pin_check("2468", "$y$"));
	assert_int_equal(hq_pin_hash("24", h1, sizeof h1), HQ_EINVAL);
	assert_int_equal(hq_pin_hash("2468", tiny, sizeof tiny), HQ_ENOMEM);
}

static void test_roster_config(void **state)
{
	struct hq_queue *q = tq_open(roster_hall(""));
	struct hq_clerk *v;
	size_t n;
	int64_t last;

	(void)state;
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1025", PIN_1024));
	assert_non_null(strstr(hq_queue_errmsg(q), "not on the hall's roster"));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", "1111"));
	assert_non_null(strstr(hq_queue_errmsg(q), "wrong PIN"));
	no_secret(q, "1111");
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", NULL));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", ""));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", "24681234567890"));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in(q, 1, "1025")); /* a manager signs in roster clerks only */
	assert_string_equal(tq_counter(q, 1).clerk, "");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM signins"), 0);
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_sign_in_pin(q, 9, "1024", PIN_1024));
	TQ_ERR(q, HQ_EINVAL, hq_queue_sign_in_pin(q, 1, "", PIN_1024));

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_sign_in_pin(q, 1, "1024", PIN_1024));
	assert_int_equal(tq_event1(q, last, "signed_in", 0).value, 0);
	assert_string_equal(tq_counter(q, 1).clerk, "1024");
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_sign_in(q, 2, "1024"));        /* hallq signin --force */
	assert_int_equal(tq_event1(q, last, "signed_in", 0).value, 1);
	no_secret(q, PIN_1024);

	TQ_OK(q, hq_queue_clerk_list(q, false, &v, &n));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "1024");
	assert_string_equal(v[0].name, "王芳");
	assert_int_equal(v[0].source, HQ_CLERK_CONFIG);
	free(v);
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_remove(q, "1024"));
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_add(q, "1024", "另一个", "1357"));
	tq_close(q);
}

/*
 * A PIN is not found by trying them all through a counter's sign-in (a counter's token is on
 * every clerk's page): after HQ_PIN_TRIES wrong PINs in a row, the clerk's sign-in with a PIN
 * is refused for HQ_PIN_LOCK_MINUTES of hall time, the right PIN too, without the hash's
 * cost; other clerks sign in as before, and a manager may still sign the clerk in.
 */
static void test_pin_tries(void **state)
{
	struct hq_queue *q;
	char hall[1200];

	(void)state;
	snprintf(hall, sizeof hall, "%s[clerk 1030]\nname = 张伟\npin = %s\n", roster_hall(""),
		 pin_hash_1024);
	q = tq_open(hall);
	at(23, 9, 0);
	for (int i = 0; i < HQ_PIN_TRIES - 1; i++)
		TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", "1111"));
	/* A right PIN before the last try starts the count again. */
	TQ_OK(q, hq_queue_sign_in_pin(q, 1, "1024", PIN_1024));
	for (int i = 0; i < HQ_PIN_TRIES; i++) {
		TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 2, "1024", "1111"));
		assert_non_null(strstr(hq_queue_errmsg(q), "wrong PIN"));
	}
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 2, "1024", PIN_1024));
	assert_non_null(strstr(hq_queue_errmsg(q), "09:15"));
	no_secret(q, PIN_1024);
	assert_string_equal(tq_counter(q, 2).clerk, "");
	/* Another clerk is not held up; a manager signs the clerk in by hand. */
	TQ_OK(q, hq_queue_sign_in_pin(q, 2, "1030", PIN_1024));
	TQ_OK(q, hq_queue_sign_in(q, 2, "1024"));
	at(23, 9, 14);
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", PIN_1024));
	/* The lock over, a wrong PIN starts a new count: it does not lock again. */
	at(23, 9, 15);
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", "1111"));
	assert_non_null(strstr(hq_queue_errmsg(q), "wrong PIN"));
	TQ_OK(q, hq_queue_sign_in_pin(q, 1, "1024", PIN_1024));
	tq_close(q);
}

static void test_roster_database(void **state)
{
	struct hq_queue *q = tq_open(roster_hall(""));
	struct hq_clerk *v;
	size_t n;

	(void)state;
	TQ_OK(q, hq_queue_clerk_add(q, "2001", "李明", "1357"));
	/* Only the hash is kept, and it is not the PIN's. */
	assert_int_equal(sql_int("SELECT pin_hash LIKE '$y$%%' AND instr(pin_hash, '1357') = 0"
				 " FROM clerks WHERE id = '2001'"), 1);
	TQ_ERR(q, HQ_ECLERK, hq_queue_clerk_add(q, "2001", "李明", "9999"));
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_add(q, "Li", "李明", "9999"));
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_add(q, "2002", "", "9999"));
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_add(q, "2002", "a\nb", "9999"));
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_add(q, "2002", "李", "99"));
	TQ_ERR(q, HQ_EINVAL, hq_queue_clerk_add(q, "2002", "李", NULL));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "2001", "9999"));
	TQ_OK(q, hq_queue_sign_in_pin(q, 1, "2001", "1357"));

	TQ_OK(q, hq_queue_clerk_add(q, "0907", "赵六", "86420"));
	TQ_OK(q, hq_queue_clerk_list(q, false, &v, &n));
	assert_int_equal(n, 3);   /* the config's first, then the database's by id */
	assert_string_equal(v[0].id, "1024");
	assert_string_equal(v[1].id, "0907");
	assert_string_equal(v[2].id, "2001");
	assert_int_equal(v[2].source, HQ_CLERK_DATABASE);
	assert_true(v[2].active && v[2].added_at == ts_clock_ms);
	free(v);

	TQ_OK(q, hq_queue_clerk_remove(q, "2001"));
	TQ_ERR(q, HQ_ENOCLERK, hq_queue_clerk_remove(q, "2001"));
	TQ_ERR(q, HQ_ENOCLERK, hq_queue_clerk_remove(q, "2999"));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 2, "2001", "1357"));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in(q, 2, "2001"));
	TQ_OK(q, hq_queue_clerk_list(q, false, &v, &n));
	assert_int_equal(n, 2);
	free(v);
	TQ_OK(q, hq_queue_clerk_list(q, true, &v, &n));
	assert_int_equal(n, 3);
	assert_false(v[2].active);
	free(v);
	/* Back, with another PIN. */
	TQ_OK(q, hq_queue_clerk_add(q, "2001", "李明", "2580"));
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 2, "2001", "1357"));
	TQ_OK(q, hq_queue_sign_in_pin(q, 2, "2001", "2580"));
	no_secret(q, "1357");
	no_secret(q, "2580");

	/* The config wins: a database row for 1024 with another PIN is not the roster's. */
	sql("INSERT INTO clerks(id, name, pin_hash, added_at) SELECT '1024', '冒名', pin_hash, 0"
	    " FROM clerks WHERE id = '2001'");
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_sign_in_pin(q, 1, "1024", "2580"));
	TQ_OK(q, hq_queue_sign_in_pin(q, 1, "1024", PIN_1024));
	TQ_OK(q, hq_queue_clerk_list(q, true, &v, &n));
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "王芳");
	for (size_t i = 1; i < n; i++)
		assert_string_not_equal(v[i].id, "1024");
	free(v);
	tq_close(q);
}

/* sign_in = open: any id, the PIN not looked at (the old behaviour); a roster is not needed. */
static void test_roster_open(void **state)
{
	struct hq_queue *q = tq_open(roster_hall("sign_in = open\n"));
	int64_t last = hq_queue_last_event_id(q);

	(void)state;
	TQ_OK(q, hq_queue_sign_in_pin(q, 1, "王芳", NULL));
	TQ_OK(q, hq_queue_sign_in_pin(q, 2, "1024", "0000"));
	TQ_OK(q, hq_queue_sign_in(q, 1, "visitor-7"));
	assert_int_equal(tq_events(q, last, "signed_in", 0, NULL), 3);
	TQ_ERR(q, HQ_EINVAL, hq_queue_sign_in(q, 1, ""));
	assert_int_equal(sql_int("SELECT COUNT(*) FROM signins"), 3);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_worked_example),
		TQ_TEST(test_rank_ties_red_flags),
		TQ_TEST(test_hours_signed_in),
		TQ_TEST(test_hours_roll_over),
		TQ_TEST(test_alerts_and_absences),
		TQ_TEST(test_reviews_and_cases),
		TQ_TEST(test_changed_reviews_and_cases),
		TQ_TEST(test_csv),
		TQ_TEST(test_periods),
		TQ_TEST(test_stats_by_day_week_month),
		TQ_TEST(test_pins),
		TQ_TEST(test_roster_config),
		TQ_TEST(test_pin_tries),
		TQ_TEST(test_roster_database),
		TQ_TEST(test_roster_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
