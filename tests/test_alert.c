/*
 * Unit tests of electronic supervision (电子监察), written from docs/queue.md's "Alerts" and
 * queue/hq_alert.h: each kind of rule raised exactly at its threshold on a worked clock (a
 * second before: nothing; at it: one alert; while it holds: still that one; when the
 * condition goes: cleared), once per subject, the opening hours that counter and device
 * rules count, `services` and `enabled = no`, the acknowledgement (which does not clear),
 * the events, what a new context learns from the feed, the listing and the figures of
 * /metrics. Reviews and cases are put in with plain SQL, as the 好差评 side writes them.
 */
#include "test_queue.h"

#include <sqlite3.h>

/*
 * The test hall: two services open 09:00-12:00 and 13:30-17:00 every day (a: 30 minutes on
 * time, target 10; b: 40, target 20), counter 1 serving a, 2 serving a and b, 3 serving b.
 * Every test adds its own [alert] sections to it (ALERT_HALL "..." ).
 */
#define ALERT_HALL ALERT_HALL_HEAD ALERT_HALL_REST
#define ALERT_HALL_HEAD "[hall]\nname = 监察大厅\nname_en = Supervised Hall\nsign_in = open\n"
#define ALERT_HALL_REST                                                                    \
	"[service a]\nname = 企业开办\nprefix = A\nnumbers = 1-999\n"                       \
	"hours = 09:00-12:00, 13:30-17:00\ndays = mon-sun\ntarget_minutes = 10\n"          \
	"max_wait_minutes = 30\n"                                                          \
	"[service b]\nname = 不动产登记\nprefix = B\nnumbers = 1-999\n"                     \
	"hours = 09:00-12:00, 13:30-17:00\ndays = mon-sun\ntarget_minutes = 20\n"          \
	"max_wait_minutes = 40\n"                                                          \
	"[counter 1]\nname = 1号窗口\nservices = a\n"                                       \
	"[counter 2]\nname = 2号窗口\nservices = a, b\n"                                    \
	"[counter 3]\nname = 3号窗口\nservices = b\n"

/* The test day, Monday 2026-11-23, at h:m:s. */
static void at(int h, int m, int s)
{
	ts_clock_ms = ts_local(2026, 11, 23, h, m) + s * 1000LL;
}

/* Evaluate with no device facts known; the counts of what it did. */
static void eval(struct hq_queue *q, int *raised, int *cleared)
{
	int r, c;

	TQ_OK(q, hq_queue_alerts_eval(q, NULL, 0, &r, &c));
	if (raised)
		*raised = r;
	if (cleared)
		*cleared = c;
}

static void eval_dev(struct hq_queue *q, const struct hq_device_fact *dev, size_t n)
{
	TQ_OK(q, hq_queue_alerts_eval(q, dev, n, NULL, NULL));
}

/* Alerts of rule and subject: how many ever (all), how many open; the newest in *out. */
static int alerts_of(struct hq_queue *q, const char *rule, const char *subject, bool open_only,
		     struct hq_alert *out)
{
	struct hq_alert *v;
	size_t n, i;
	int found = 0;

	TQ_OK(q, hq_queue_alerts(q, open_only, 0, INT64_MAX, &v, &n));
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].rule, rule) && !strcmp(v[i].subject, subject)) {
			found++;
			if (out)
				*out = v[i];
		}
	free(v);
	return found;
}

static bool is_open(struct hq_queue *q, const char *rule, const char *subject)
{
	return alerts_of(q, rule, subject, true, NULL) == 1;
}

/* Exactly one alert of rule and subject ever, and open or not as wanted. */
#define ONE(q, rule, subject, open)                                                            \
	do {                                                                                   \
		assert_int_equal(alerts_of((q), (rule), (subject), false, NULL), 1);           \
		assert_int_equal(is_open((q), (rule), (subject)), (open));                     \
	} while (0)
#define NONE(q, rule, subject) assert_int_equal(alerts_of((q), (rule), (subject), false, NULL), 0)

static struct hq_queue *open_hall(const char *alerts)
{
	char ini[4096];

	snprintf(ini, sizeof ini, "%s%s", ALERT_HALL, alerts ? alerts : "");
	return tq_open(ini);
}

/* Plain SQL on the test database, beside the queue's own connection. */
static void sql(const char *text)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(ts_db_path(), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", text, err ? err : "?");
	sqlite3_close(db);
}

/* ---- wait and queue ------------------------------------------------------------------- */

static void test_wait(void **state)
{
	struct hq_queue *q = open_hall("[alert half_wait]\nrule = wait\npercent = 50\nservices = b\n");
	struct hq_alert a;
	struct hq_ticket t;
	int raised, cleared;

	(void)state;
	at(9, 0, 0);
	t = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	/* b: 50% of its 40 minutes. */
	at(9, 19, 59);
	eval(q, &raised, NULL);
	NONE(q, "half_wait", "service:b");
	at(9, 20, 0);
	eval(q, &raised, NULL);
	ONE(q, "half_wait", "service:b", true);
	/* a: 100% of 30 minutes; half_wait watches b only. */
	at(9, 29, 59);
	eval(q, NULL, NULL);
	NONE(q, "long_wait", "service:a");
	at(9, 30, 0);
	eval(q, &raised, NULL);
	assert_int_equal(raised, 1);
	ONE(q, "long_wait", "service:a", true);
	NONE(q, "half_wait", "service:a");
	alerts_of(q, "long_wait", "service:a", true, &a);
	assert_string_equal(a.service, "a");
	assert_int_equal(a.kind, HQ_ALERT_WAIT);
	assert_int_equal(a.severity, HQ_SEV_WARNING);
	assert_int_equal(a.raised_at, ts_clock_ms);
	assert_int_equal(a.cleared_at, 0);
	assert_non_null(strstr(a.message, "30 min"));
	/* Still one while it holds: a second ticket waiting long is the same alert. */
	at(9, 31, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, &raised, &cleared);
	assert_int_equal(raised, 0);
	assert_int_equal(cleared, 0);
	at(10, 2, 0);
	eval(q, NULL, NULL);
	ONE(q, "long_wait", "service:a", true);
	/* The longest-waiting is called: the next waited 31 minutes, still too long. */
	assert_int_equal(tq_next(q, 1).id, t.id);
	eval(q, NULL, &cleared);
	assert_int_equal(cleared, 0);
	/* Called too: nobody waits for a any more. */
	at(10, 3, 0);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	tq_next(q, 1);
	eval(q, NULL, &cleared);
	assert_true(cleared >= 1); /* and counter 1's unstaffed: nobody waits for it now */
	ONE(q, "long_wait", "service:a", false);
	alerts_of(q, "long_wait", "service:a", false, &a);
	assert_int_equal(a.cleared_at, ts_clock_ms);
	tq_close(q);
}

static void test_queue_length(void **state)
{
	struct hq_queue *q = open_hall("[alert long_queue]\ncount = 2\n");

	(void)state;
	at(9, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	NONE(q, "long_queue", "service:a"); /* 2 is not more than 2 */
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", true);
	NONE(q, "long_queue", "service:b");
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", true);
	tq_next(q, 1);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", true); /* 3 */
	tq_next(q, 1);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", false); /* 2 */
	/* Over again: a second alert, the first stays cleared. */
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	assert_int_equal(alerts_of(q, "long_queue", "service:a", false, NULL), 2);
	assert_true(is_open(q, "long_queue", "service:a"));
	tq_close(q);
}

/* ---- counters: pause, pause_reason, unstaffed, idle --------------------------------------- */

static void test_pause(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "1024"));
	TQ_OK(q, hq_queue_pause(q, 1, "meeting"));
	at(9, 29, 59);
	eval(q, NULL, NULL);
	NONE(q, "long_pause", "counter:1");
	at(9, 30, 0);
	eval(q, NULL, NULL);
	ONE(q, "long_pause", "counter:1", true);
	alerts_of(q, "long_pause", "counter:1", true, &a);
	assert_int_equal(a.counter, 1);
	assert_string_equal(a.clerk, "1024");
	assert_non_null(strstr(a.message, "meeting"));
	NONE(q, "pause_no_reason", "counter:1"); /* it has one */
	at(9, 40, 0);
	eval(q, NULL, NULL);
	ONE(q, "long_pause", "counter:1", true);
	TQ_OK(q, hq_queue_resume(q, 1));
	eval(q, NULL, NULL);
	ONE(q, "long_pause", "counter:1", false);

	/* Opening hours: paused at 11:50, ten minutes count before lunch, none during it. */
	at(11, 50, 0);
	TQ_OK(q, hq_queue_pause(q, 1, "lunch"));
	at(12, 30, 0);
	eval(q, NULL, NULL);
	at(13, 49, 59);
	eval(q, NULL, NULL);
	assert_int_equal(alerts_of(q, "long_pause", "counter:1", false, NULL), 1);
	at(13, 50, 0);
	eval(q, NULL, NULL);
	assert_int_equal(alerts_of(q, "long_pause", "counter:1", false, NULL), 2);
	assert_true(is_open(q, "long_pause", "counter:1"));
	/* The close of the hours clears it; the next opening raises it again. */
	at(16, 59, 59);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "long_pause", "counter:1"));
	at(17, 0, 0);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "long_pause", "counter:1"));
	tq_close(q);
}

static void test_pause_reason(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	int n;

	(void)state;
	at(10, 0, 0);
	TQ_OK(q, hq_queue_pause(q, 2, NULL));
	at(10, 1, 59);
	eval(q, NULL, NULL);
	NONE(q, "pause_no_reason", "counter:2");
	at(10, 2, 0);
	eval(q, NULL, NULL);
	ONE(q, "pause_no_reason", "counter:2", true);
	/* A reason given now ends it, though the pause goes on. */
	at(10, 3, 0);
	TQ_OK(q, hq_queue_pause(q, 2, "lunch"));
	eval(q, NULL, NULL);
	ONE(q, "pause_no_reason", "counter:2", false);
	/* Back without one: two minutes from then, not from the start of the pause. */
	at(10, 4, 0);
	TQ_OK(q, hq_queue_pause(q, 2, ""));
	at(10, 5, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "pause_no_reason", "counter:2"));
	at(10, 6, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "pause_no_reason", "counter:2"));
	/* Pause pressed again, still without a reason: the same pause; the alert stays open,
	 * counted from 10:04 (docs/queue.md), and is not cleared and raised again. */
	n = alerts_of(q, "pause_no_reason", "counter:2", false, NULL);
	at(10, 7, 0);
	TQ_OK(q, hq_queue_pause(q, 2, NULL));
	eval(q, NULL, NULL);
	assert_true(is_open(q, "pause_no_reason", "counter:2"));
	at(10, 8, 30);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "pause_no_reason", "counter:2"));
	assert_int_equal(alerts_of(q, "pause_no_reason", "counter:2", false, NULL), n);
	/* A paused counter with a reason never is. */
	TQ_OK(q, hq_queue_pause(q, 3, "training"));
	at(11, 0, 0);
	eval(q, NULL, NULL);
	NONE(q, "pause_no_reason", "counter:3");
	tq_close(q);
}

static void test_unstaffed(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "c1"));
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	at(9, 4, 59);
	eval(q, NULL, NULL);
	NONE(q, "unstaffed", "counter:3");
	at(9, 5, 0);
	eval(q, NULL, NULL);
	ONE(q, "unstaffed", "counter:3", true);
	alerts_of(q, "unstaffed", "counter:3", true, &a);
	assert_int_equal(a.kind, HQ_ALERT_UNSTAFFED);
	assert_int_equal(a.severity, HQ_SEV_CRITICAL);
	NONE(q, "unstaffed", "counter:1");
	NONE(q, "unstaffed", "counter:2");
	/* A clerk signs in: cleared. */
	at(9, 6, 0);
	TQ_OK(q, hq_queue_sign_in(q, 3, "c3"));
	eval(q, NULL, NULL);
	ONE(q, "unstaffed", "counter:3", false);
	/* A sign-out counts from itself, however long the citizen has waited. */
	at(10, 0, 0);
	TQ_OK(q, hq_queue_sign_out(q, 3));
	at(10, 4, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "unstaffed", "counter:3"));
	at(10, 5, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "unstaffed", "counter:3"));
	/* Nobody waiting: no alert. */
	tq_next(q, 2);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "unstaffed", "counter:3"));
	/* Opening hours: two minutes before lunch and three after. */
	at(11, 58, 0);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	at(12, 10, 0);
	eval(q, NULL, NULL);
	at(13, 32, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "unstaffed", "counter:3"));
	at(13, 33, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "unstaffed", "counter:3"));
	/* A closed counter is not unstaffed, nor one opened again but a minute ago. */
	TQ_OK(q, hq_queue_close_counter(q, 3));
	eval(q, NULL, NULL);
	assert_false(is_open(q, "unstaffed", "counter:3"));
	at(13, 40, 0);
	TQ_OK(q, hq_queue_open_counter(q, 3));
	at(13, 44, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "unstaffed", "counter:3"));
	at(13, 45, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "unstaffed", "counter:3"));
	tq_close(q);
}

static void test_idle(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "c1"));
	TQ_OK(q, hq_queue_close_counter(q, 2));
	at(9, 2, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	/* From the later of the sign-in and the citizen's arrival. */
	at(9, 16, 59);
	eval(q, NULL, NULL);
	NONE(q, "no_calls", "counter:1");
	at(9, 17, 0);
	eval(q, NULL, NULL);
	ONE(q, "no_calls", "counter:1", true);
	alerts_of(q, "no_calls", "counter:1", true, &a);
	assert_string_equal(a.clerk, "c1");
	/* No clerk at 3: unstaffed, not idle. */
	NONE(q, "no_calls", "counter:3");
	/* A call clears it; the citizen at the window is no idleness either. */
	tq_next(q, 1);
	eval(q, NULL, NULL);
	ONE(q, "no_calls", "counter:1", false);
	/* Finished at 9:20, someone waits from 9:21: fifteen minutes from 9:21. */
	at(9, 20, 0);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	at(9, 21, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	at(9, 35, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "no_calls", "counter:1"));
	at(9, 36, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "no_calls", "counter:1"));
	tq_close(q);
}

/* ---- slow, noshows ------------------------------------------------------------------------ */

static void test_slow(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;
	int i;

	(void)state;
	/* No service times yet: a's target (10 minutes) stands in for the median; 300% of it. */
	at(9, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	at(9, 29, 59);
	eval(q, NULL, NULL);
	NONE(q, "slow_service", "counter:1");
	at(9, 30, 0);
	eval(q, NULL, NULL);
	ONE(q, "slow_service", "counter:1", true);
	alerts_of(q, "slow_service", "counter:1", true, &a);
	assert_string_equal(a.service, "a");
	assert_int_equal(a.counter, 1);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	eval(q, NULL, NULL);
	ONE(q, "slow_service", "counter:1", false);
	/* Five services of two minutes (started a minute after the call): with the first
	 * one of 30 minutes the median is 2 minutes; 300% is 6, above the 5 of `minutes`. */
	for (i = 0; i < 5; i++) {
		at(10, 10 * i, 0);
		tq_issue(q, "a", HQ_CLASS_NORMAL);
		tq_next(q, 1);
		at(10, 10 * i + 1, 0);
		TQ_OK(q, hq_queue_start(q, 1, NULL));
		at(10, 10 * i + 3, 0);
		TQ_OK(q, hq_queue_finish(q, 1, NULL));
		eval(q, NULL, NULL);
	}
	at(11, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	at(11, 5, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "slow_service", "counter:1"));
	at(11, 6, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "slow_service", "counter:1"));
	assert_int_equal(alerts_of(q, "slow_service", "counter:1", false, NULL), 2);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	/* `minutes` is the floor: with ten services of 1 minute the median of the 17 is 1
	 * minute, which would say 3; the rule waits for 5. */
	for (i = 0; i < 10; i++) {
		at(13, 30 + 2 * i, 0);
		tq_issue(q, "a", HQ_CLASS_NORMAL);
		tq_next(q, 1);
		eval(q, NULL, NULL); /* seen at the window: its end is timed from what was seen */
		at(13, 31 + 2 * i, 0);
		TQ_OK(q, hq_queue_finish(q, 1, NULL));
		eval(q, NULL, NULL);
	}
	at(14, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	at(14, 4, 59);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "slow_service", "counter:1"));
	at(14, 5, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "slow_service", "counter:1"));
	tq_close(q);
}

static void test_noshows(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	int i;

	(void)state;
	at(9, 0, 0);
	for (i = 0; i < 8; i++)
		tq_issue(q, "a", HQ_CLASS_NORMAL);
	for (i = 0; i < 2; i++) {
		tq_next(q, 1);
		TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	}
	eval(q, NULL, NULL);
	NONE(q, "noshow_streak", "counter:1");
	tq_next(q, 1);
	TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	eval(q, NULL, NULL);
	ONE(q, "noshow_streak", "counter:1", true);
	/* A fourth is the same alert; a served ticket ends the streak. */
	tq_next(q, 1);
	TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	eval(q, NULL, NULL);
	ONE(q, "noshow_streak", "counter:1", true);
	tq_next(q, 1);
	eval(q, NULL, NULL);
	ONE(q, "noshow_streak", "counter:1", true); /* called, not served yet */
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	eval(q, NULL, NULL);
	ONE(q, "noshow_streak", "counter:1", false);
	/* Streaks are per counter: two at 1 and one at 2 are none. */
	for (i = 0; i < 2; i++) {
		tq_next(q, 1);
		TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	}
	tq_next(q, 2);
	TQ_OK(q, hq_queue_noshow(q, 2, NULL));
	eval(q, NULL, NULL);
	assert_false(is_open(q, "noshow_streak", "counter:1"));
	NONE(q, "noshow_streak", "counter:2");
	tq_close(q);
}

/* ---- bad reviews and their cases ---------------------------------------------------------- */

/* Rows put in by hand come with no event: the rules see them within a second of hall time
 * (alert.c looks at the newest ids of the cases once a second). */
static void sql_rows(const char *text)
{
	sql(text);
	ts_advance_s(1);
}

/* A finished ticket of counter 2 with a review at level and a case in state. */
static void reviewed(struct hq_queue *q, int level, int case_state, const char *rectify_due,
			const char *revisit_due)
{
	struct hq_ticket t = tq_issue(q, "b", HQ_CLASS_NORMAL);
	char text[1024];

	TQ_OK(q, hq_queue_call_ticket(q, 2, t.id, NULL));
	TQ_OK(q, hq_queue_finish(q, 2, NULL));
	snprintf(text, sizeof text,
		 "INSERT INTO reviews(ticket_id, day, service, counter, clerk, level, reasons,"
		 " channel, at, updated_at) VALUES(%lld, '%s', 'b', 2, 'c2', %d, 4, 1, %lld, %lld);"
		 "INSERT INTO cases(review_id, state, opened_at, rectify_due, revisit_due, updated_at)"
		 " VALUES(last_insert_rowid(), %d, %lld, '%s', '%s', %lld);",
		 (long long)t.id, t.day, level, (long long)ts_clock_ms, (long long)ts_clock_ms, case_state,
		 (long long)ts_clock_ms, rectify_due, revisit_due, (long long)ts_clock_ms);
	sql_rows(text);
}

/* A step of case id to state, as the case workflow writes it. */
static void step(int64_t id, int state, const char *revisit_due)
{
	char text[512];

	snprintf(text, sizeof text,
		 "UPDATE cases SET state = %d, revisit_due = '%s', updated_at = %lld WHERE id = %lld;"
		 "INSERT INTO case_steps(case_id, state, who, at) VALUES(%lld, %d, 'supervisor', %lld);",
		 state, revisit_due, (long long)ts_clock_ms, (long long)id, (long long)id, state,
		 (long long)ts_clock_ms);
	sql_rows(text);
}

static void test_bad_review(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	eval(q, NULL, NULL);
	reviewed(q, 2, 0, "2026-12-14", "");  /* case 1 */
	reviewed(q, 3, 0, "2026-12-14", "");  /* case 2: not a bad review */
	eval(q, NULL, NULL);
	ONE(q, "bad_review", "case:1", true);
	NONE(q, "bad_review", "case:2");
	alerts_of(q, "bad_review", "case:1", true, &a);
	assert_string_equal(a.service, "b");
	assert_int_equal(a.counter, 2);
	assert_string_equal(a.clerk, "c2");
	assert_non_null(strstr(a.message, "B001"));
	eval(q, NULL, NULL);
	ONE(q, "bad_review", "case:1", true);
	/* Verified (核实): cleared. */
	at(10, 0, 0);
	step(1, HQ_CASE_VERIFIED, "");
	eval(q, NULL, NULL);
	ONE(q, "bad_review", "case:1", false);
	/* A level-1 review on a later day still counts. */
	ts_clock_ms = ts_local(2026, 11, 24, 9, 30);
	reviewed(q, 1, 0, "2026-12-15", "");
	eval(q, NULL, NULL);
	ONE(q, "bad_review", "case:3", true);
	/* With the event the reviews write (case_opened), at once, not a second later. */
	eval(q, NULL, NULL);
	sql("INSERT INTO reviews(ticket_id, day, service, counter, level, channel, at, updated_at)"
	    " VALUES(99, '2026-11-24', 'a', 1, 1, 3, 0, 0);"
	    "INSERT INTO cases(review_id, state, opened_at, rectify_due, updated_at)"
	    " VALUES(last_insert_rowid(), 0, 0, '2026-12-15', 0);"
	    "INSERT INTO events(at, type, service, counter, value) VALUES(0, 'case_opened', 'a', 1, 4);");
	eval(q, NULL, NULL);
	ONE(q, "bad_review", "case:4", true);
	tq_close(q);
}

/*
 * Overdue as the case workflow has it: from the day after the due date of the step the case
 * waits for. Rectify by Friday 2026-11-27 is overdue on Saturday the 28th; revisit by
 * Wednesday 12-02 is overdue on Thursday.
 */
static void test_case_overdue(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	reviewed(q, 1, 0, "2026-11-27", "");
	step(1, HQ_CASE_VERIFIED, "");
	ts_clock_ms = ts_local(2026, 11, 27, 23, 59) + 59000;
	eval(q, NULL, NULL);
	NONE(q, "case_overdue", "case:1");
	ts_clock_ms = ts_local(2026, 11, 28, 0, 0);
	eval(q, NULL, NULL);
	ONE(q, "case_overdue", "case:1", true);
	alerts_of(q, "case_overdue", "case:1", true, &a);
	assert_int_equal(a.severity, HQ_SEV_CRITICAL);
	assert_non_null(strstr(a.message, "2026-11-27"));
	/* Rectified on the Monday, revisit due Wednesday: cleared, then overdue Thursday. */
	ts_clock_ms = ts_local(2026, 11, 30, 10, 0);
	step(1, HQ_CASE_RECTIFIED, "2026-12-02");
	eval(q, NULL, NULL);
	ONE(q, "case_overdue", "case:1", false);
	ts_clock_ms = ts_local(2026, 12, 2, 23, 0);
	eval(q, NULL, NULL);
	assert_false(is_open(q, "case_overdue", "case:1"));
	ts_clock_ms = ts_local(2026, 12, 3, 0, 0);
	eval(q, NULL, NULL);
	assert_true(is_open(q, "case_overdue", "case:1"));
	/* Revisited: done with. */
	step(1, HQ_CASE_REVISITED, "2026-12-02");
	eval(q, NULL, NULL);
	assert_false(is_open(q, "case_overdue", "case:1"));
	assert_int_equal(alerts_of(q, "case_overdue", "case:1", false, NULL), 2);
	tq_close(q);
}

/*
 * Through the 好差评 workflow itself (queue/review.c): a bad review opens its case with the
 * event case_opened, due 15 working days on, counting the hall's holidays; each step is a
 * case_step event. Both rules follow at once, and agree with the case's own overdue flag.
 */
static void test_reviews_workflow(void **state)
{
	/* A holiday inside the 15 working days: due Tuesday 12-15, not Monday 12-14. */
	struct hq_queue *q = tq_open(ALERT_HALL_HEAD "holidays = 2026-12-01\n" ALERT_HALL_REST);
	struct hq_review rv;
	struct hq_case c;
	struct hq_ticket t;
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	t = tq_issue(q, "b", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_call_ticket(q, 2, t.id, NULL));
	at(9, 20, 0);
	TQ_OK(q, hq_queue_finish(q, 2, NULL));
	eval(q, NULL, NULL);
	TQ_OK(q, hq_queue_review(q, t.id, 2, HQ_REASON_ATTITUDE, "等了很久", HQ_CH_API, &rv));
	assert_int_equal(rv.case_id, 1);
	TQ_OK(q, hq_queue_case(q, rv.case_id, &c, NULL, NULL));
	assert_string_equal(c.rectify_due, "2026-12-15");
	eval(q, NULL, NULL); /* the same second: the event says so */
	ONE(q, "bad_review", "case:1", true);
	alerts_of(q, "bad_review", "case:1", true, &a);
	assert_int_equal(a.counter, 2);
	assert_string_equal(a.clerk, "c2");
	assert_string_equal(a.service, "b");
	at(10, 0, 0);
	TQ_OK(q, hq_queue_case_step(q, rv.case_id, HQ_CASE_VERIFIED, "王主任", "核实属实", NULL));
	eval(q, NULL, NULL);
	ONE(q, "bad_review", "case:1", false);
	/* Overdue on the 16th, as the case itself says. */
	ts_clock_ms = ts_local(2026, 12, 15, 23, 59);
	eval(q, NULL, NULL);
	TQ_OK(q, hq_queue_case(q, rv.case_id, &c, NULL, NULL));
	assert_false(c.overdue);
	NONE(q, "case_overdue", "case:1");
	ts_clock_ms = ts_local(2026, 12, 16, 0, 0);
	eval(q, NULL, NULL);
	TQ_OK(q, hq_queue_case(q, rv.case_id, &c, NULL, NULL));
	assert_true(c.overdue);
	ONE(q, "case_overdue", "case:1", true);
	TQ_OK(q, hq_queue_case_step(q, rv.case_id, HQ_CASE_RECTIFIED, "王主任", "已整改", NULL));
	eval(q, NULL, NULL);
	ONE(q, "case_overdue", "case:1", false);
	tq_close(q);
}

/* ---- devices ------------------------------------------------------------------------------ */

static void test_device(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_device_fact dev[4] = {
		{.kind = HQ_DEV_KIOSK, .name = "hall-1", .up = true},
		{.kind = HQ_DEV_PRINTER, .name = "hall-1", .up = false, .detail = "paper_out"},
		{.kind = HQ_DEV_UNIT, .counter = 2, .up = true},
		{.kind = HQ_DEV_GATEWAY, .name = "floor1", .up = true},
	};
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	eval_dev(q, dev, 4);
	at(9, 0, 59);
	eval_dev(q, dev, 4);
	NONE(q, "device_down", "printer:hall-1");
	at(9, 1, 0);
	eval_dev(q, dev, 4);
	ONE(q, "device_down", "printer:hall-1", true);
	alerts_of(q, "device_down", "printer:hall-1", true, &a);
	assert_non_null(strstr(a.message, "paper_out"));
	NONE(q, "device_down", "kiosk:hall-1");
	/* A unit goes down: its counter and clerk are on the alert. */
	dev[2].up = false;
	eval_dev(q, dev, 4);
	at(9, 2, 0);
	eval_dev(q, dev, 4);
	ONE(q, "device_down", "unit:2", true);
	alerts_of(q, "device_down", "unit:2", true, &a);
	assert_int_equal(a.counter, 2);
	assert_string_equal(a.clerk, "c2");
	/* Facts unknown (a server just started): nothing changes. */
	dev[1].up = true;
	eval(q, NULL, NULL);
	assert_true(is_open(q, "device_down", "printer:hall-1"));
	assert_true(is_open(q, "device_down", "unit:2"));
	/* Known again: the printer is back; a unit no longer reported is forgotten. */
	eval_dev(q, dev, 2);
	ONE(q, "device_down", "printer:hall-1", false);
	ONE(q, "device_down", "unit:2", false);
	/* Down since before the opening: the minutes count from the opening. */
	dev[3].up = false;
	at(8, 0, 0);
	eval_dev(q, dev, 4);
	at(9, 0, 59);
	eval_dev(q, dev, 4);
	NONE(q, "device_down", "gateway:floor1");
	at(9, 1, 0);
	eval_dev(q, dev, 4);
	ONE(q, "device_down", "gateway:floor1", true);
	/* Lunch: the hall is closed and the alert with it. */
	at(12, 0, 0);
	eval_dev(q, dev, 4);
	ONE(q, "device_down", "gateway:floor1", false);
	tq_close(q);
}

/* ---- the config: enabled, services, severity ---------------------------------------------- */

static void test_enabled_no(void **state)
{
	struct hq_queue *q = open_hall("[alert long_queue]\ncount = 1\nseverity = critical\n");
	char ini[4096];
	struct hq_alert a;

	(void)state;
	at(9, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", true);
	alerts_of(q, "long_queue", "service:a", true, &a);
	assert_int_equal(a.severity, HQ_SEV_CRITICAL);
	/* Turned off: its open alert clears, and no new one comes. */
	snprintf(ini, sizeof ini, "%s[alert long_queue]\ncount = 1\nenabled = no\n", ALERT_HALL);
	TQ_OK(q, hq_queue_apply_config(q, ini, "off.ini"));
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", false);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", false);
	/* A rule of the hall's own, watching b only, and then none at all. */
	snprintf(ini, sizeof ini, "%s[alert b_queue]\nrule = queue\ncount = 1\nservices = b\n",
		 ALERT_HALL);
	TQ_OK(q, hq_queue_apply_config(q, ini, "b.ini"));
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	ONE(q, "b_queue", "service:b", true);
	NONE(q, "b_queue", "service:a");
	TQ_OK(q, hq_queue_apply_config(q, ALERT_HALL, "plain.ini"));
	eval(q, NULL, NULL);
	ONE(q, "b_queue", "service:b", false); /* a rule gone clears too */
	tq_close(q);
}

/* A rule of the hall's own takes what it does not give from the default rule of its kind. */
static void test_new_rule_defaults(void **state)
{
	struct hq_queue *q = open_hall("[alert streak]\nrule = noshows\n"
				       "[alert b_slow]\nrule = slow\nservices = b\nminutes = 10\nseverity = critical\n");
	const struct hq_alert_rule *r = hq_config_alert(hq_queue_config(q), "streak");
	int i;

	(void)state;
	assert_non_null(r);
	assert_int_equal(r->kind, HQ_ALERT_NOSHOWS);
	assert_int_equal(r->count, 3);
	assert_int_equal(r->severity, HQ_SEV_INFO);
	assert_true(r->enabled);
	r = hq_config_alert(hq_queue_config(q), "b_slow");
	assert_int_equal(r->percent, 300);
	assert_int_equal(r->minutes, 10);
	assert_int_equal(r->severity, HQ_SEV_CRITICAL);
	/* Both streak rules see the same three no-shows. */
	at(9, 0, 0);
	for (i = 0; i < 3; i++) {
		tq_issue(q, "a", HQ_CLASS_NORMAL);
		tq_next(q, 1);
		TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	}
	eval(q, NULL, NULL);
	ONE(q, "streak", "counter:1", true);
	ONE(q, "noshow_streak", "counter:1", true);
	tq_close(q);
}

/* `services` on slow and bad_review: tickets and reviews of those services only. */
static void test_services_filter(void **state)
{
	struct hq_queue *q = open_hall("[alert slow_service]\nservices = b\n"
				       "[alert bad_review]\nservices = a\n");

	(void)state;
	at(9, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	tq_next(q, 1); /* a: 10 minutes target, 30 at 300% */
	tq_next(q, 3); /* b: 20 minutes target, 60 at 300% */
	at(10, 0, 0);
	eval(q, NULL, NULL);
	NONE(q, "slow_service", "counter:1");
	ONE(q, "slow_service", "counter:3", true);
	reviewed(q, 1, 0, "2026-12-14", ""); /* a review of b */
	eval(q, NULL, NULL);
	NONE(q, "bad_review", "case:1");
	tq_close(q);
}

/* ---- acknowledgement, events ------------------------------------------------------------ */

static void test_ack(void **state)
{
	struct hq_queue *q = open_hall("[alert long_queue]\ncount = 1\n");
	struct hq_alert a, b;
	struct hq_event e;
	int64_t since;
	char long_note[1000];

	(void)state;
	at(9, 0, 0);
	since = hq_queue_last_event_id(q);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	alerts_of(q, "long_queue", "service:a", true, &a);
	assert_int_equal(tq_events(q, since, "alert_raised", 0, &e), 1);
	assert_int_equal(e.value, (int)a.id);
	assert_string_equal(e.detail, "long_queue:service:a");
	assert_string_equal(e.service, "a");
	assert_int_equal(e.at, ts_clock_ms);

	at(9, 5, 0);
	TQ_OK(q, hq_queue_alert_ack(q, a.id, "王主任", "已安排加开窗口", &b));
	assert_int_equal(b.acked_at, ts_clock_ms);
	assert_string_equal(b.acked_by, "王主任");
	assert_string_equal(b.ack_note, "已安排加开窗口");
	assert_int_equal(b.cleared_at, 0);
	assert_int_equal(tq_events(q, since, "alert_acked", 0, &e), 1);
	assert_int_equal(e.value, (int)a.id);
	/* Acknowledged is still open while the queue is long. */
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", true);
	/* Once only; unknown ids, no one, a note too long or not text: refused, nothing written. */
	since = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ESTATE, hq_queue_alert_ack(q, a.id, "someone", NULL, NULL));
	assert_non_null(strstr(hq_queue_errmsg(q), "王主任"));
	TQ_ERR(q, HQ_ENOALERT, hq_queue_alert_ack(q, 999, "someone", NULL, NULL));
	TQ_ERR(q, HQ_ENOALERT, hq_queue_alert(q, 999, &b));
	memset(long_note, 'x', 201);
	long_note[201] = '\0';
	/* Cleared, and over again: a second alert b. */
	tq_next(q, 1);
	eval(q, NULL, NULL);
	ONE(q, "long_queue", "service:a", false);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, NULL, NULL);
	alerts_of(q, "long_queue", "service:a", true, &b);
	assert_true(b.id != a.id);
	since = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "", NULL, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, NULL, NULL, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", long_note, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", "line\nbreak", NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", "\xff\xfe", NULL));
	/* Not UTF-8 as RFC 3629 has it, which JSON (jansson) would refuse to carry: a
	 * surrogate, an overlong form, a code point above U+10FFFF, a cut sequence. */
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", "\xed\xa0\x80", NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", "\xe0\x80\xaf", NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", "\xf5\x80\x80\x80", NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "x", "\xe5\xad", NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "\xed\xa0\x80", NULL, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_alert_ack(q, b.id, "王\t主任", NULL, NULL));
	assert_int_equal(hq_queue_last_event_id(q), since);
	/* 200 characters of Chinese are 600 bytes, and fine. */
	long_note[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(long_note, "字");
	/* A cleared alert may be acknowledged, for the record. */
	tq_next(q, 1);
	eval(q, NULL, NULL);
	TQ_OK(q, hq_queue_alert(q, b.id, &b));
	assert_true(b.cleared_at > 0);
	TQ_OK(q, hq_queue_alert_ack(q, b.id, "x", long_note, &b));
	assert_string_equal(b.ack_note, long_note);
	tq_close(q);
}

static void test_cleared_event(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_alert a;
	struct hq_event e;
	int64_t since;

	(void)state;
	at(10, 0, 0);
	TQ_OK(q, hq_queue_pause(q, 3, NULL));
	at(10, 2, 0);
	eval(q, NULL, NULL);
	alerts_of(q, "pause_no_reason", "counter:3", true, &a);
	since = hq_queue_last_event_id(q);
	at(10, 3, 0);
	TQ_OK(q, hq_queue_resume(q, 3));
	eval(q, NULL, NULL);
	assert_int_equal(tq_events(q, since, "alert_cleared", 0, &e), 1);
	assert_int_equal(e.value, (int)a.id);
	assert_int_equal(e.counter, 3);
	assert_string_equal(e.detail, "pause_no_reason:counter:3");
	/* Nothing to do: no event at all. */
	since = hq_queue_last_event_id(q);
	eval(q, NULL, NULL);
	assert_int_equal(hq_queue_last_event_id(q), since);
	tq_close(q);
}

/* ---- what a new context learns from the feed ---------------------------------------------- */

static void test_new_context(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	int i;

	(void)state;
	at(9, 0, 0);
	for (i = 0; i < 4; i++)
		tq_issue(q, "a", HQ_CLASS_NORMAL);
	for (i = 0; i < 3; i++) {
		tq_next(q, 1);
		TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	}
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	at(9, 30, 0);
	TQ_OK(q, hq_queue_sign_out(q, 2));
	/* Never evaluated before: the feed says three no-shows in a row, and that counter 2's
	 * clerk signed out at 9:30, so it is unstaffed from then (not from the 9:00 wait). */
	q = tq_reopen(q);
	at(9, 34, 59);
	eval(q, NULL, NULL);
	ONE(q, "noshow_streak", "counter:1", true);
	NONE(q, "unstaffed", "counter:2");
	at(9, 35, 0);
	eval(q, NULL, NULL);
	ONE(q, "unstaffed", "counter:2", true);
	/* And another context on the same file sees the open alerts, not new ones. */
	q = tq_reopen(q);
	eval(q, NULL, NULL);
	ONE(q, "noshow_streak", "counter:1", true);
	ONE(q, "unstaffed", "counter:2", true);
	tq_close(q);
}

/* Two programs evaluate the same hall: each sees what the other raised and cleared. */
static void test_two_contexts(void **state)
{
	struct hq_queue *q = open_hall("[alert long_queue]\ncount = 1\n"), *q2;
	struct hq_ticket t;
	char err[256];
	int raised, cleared;

	(void)state;
	at(9, 0, 0);
	TQ_OK(NULL, hq_queue_open(ts_db_path(), &q2, err, sizeof err));
	hq_queue_set_clock(q2, ts_clock, NULL);
	t = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, &raised, NULL);
	assert_int_equal(raised, 1);
	/* The other clears it... */
	TQ_OK(q2, hq_queue_call_ticket(q2, 1, t.id, NULL));
	TQ_OK(q2, hq_queue_alerts_eval(q2, NULL, 0, NULL, &cleared));
	assert_int_equal(cleared, 1);
	/* ...so when the queue is long again, this one raises a new alert. */
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	eval(q, &raised, NULL);
	assert_int_equal(raised, 1);
	assert_int_equal(alerts_of(q, "long_queue", "service:a", false, NULL), 2);
	/* And the other, which did not raise it, clears it when it stops. */
	tq_next(q, 2);
	TQ_OK(q2, hq_queue_alerts_eval(q2, NULL, 0, NULL, &cleared));
	assert_int_equal(cleared, 1);
	assert_false(is_open(q, "long_queue", "service:a"));
	hq_queue_close(q2);
	tq_close(q);
}

/* Operations inside a batch and the evaluation with them commit together. */
static void test_in_batch(void **state)
{
	struct hq_queue *q = open_hall("[alert long_queue]\ncount = 1\n");
	int raised;

	(void)state;
	at(9, 0, 0);
	TQ_OK(q, hq_queue_batch_begin(q));
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_alerts_eval(q, NULL, 0, &raised, NULL));
	assert_int_equal(raised, 1);
	TQ_OK(q, hq_queue_batch_end(q, false)); /* rolled back, alert and all */
	NONE(q, "long_queue", "service:a");
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_batch_begin(q));
	eval(q, NULL, NULL);
	TQ_OK(q, hq_queue_batch_end(q, true));
	ONE(q, "long_queue", "service:a", true);
	tq_close(q);
}

/* ---- listing and the figures of /metrics -------------------------------------------------- */

static void test_list_and_supervision(void **state)
{
	struct hq_queue *q = open_hall("[alert long_queue]\ncount = 1\n");
	struct hq_supervision sv;
	struct hq_alert *v;
	size_t n;
	int r;

	(void)state;
	at(9, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_pause(q, 3, NULL));
	at(9, 2, 0);
	eval(q, NULL, NULL); /* long_queue service:a, pause_no_reason counter:3 */
	at(9, 3, 0);
	TQ_OK(q, hq_queue_resume(q, 3));
	eval(q, NULL, NULL);
	TQ_OK(q, hq_queue_alerts(q, true, 0, INT64_MAX, &v, &n));
	assert_int_equal(n, 1);
	assert_string_equal(v[0].rule, "long_queue");
	free(v);
	TQ_OK(q, hq_queue_alerts(q, false, 0, INT64_MAX, &v, &n));
	assert_int_equal(n, 2);
	free(v);
	/* Raised in [from, to). */
	TQ_OK(q, hq_queue_alerts(q, false, ts_local(2026, 11, 23, 9, 3), INT64_MAX, &v, &n));
	assert_int_equal(n, 0);
	assert_null(v);
	TQ_OK(q, hq_queue_alerts(q, false, 0, ts_local(2026, 11, 23, 9, 2), &v, &n));
	assert_int_equal(n, 0);
	TQ_OK(q, hq_queue_alerts(q, false, 0, ts_local(2026, 11, 23, 9, 2) + 1, &v, &n));
	assert_int_equal(n, 2);
	free(v);

	sql("INSERT INTO reviews(ticket_id, day, service, level, channel, at, updated_at)"
	    " VALUES(1, '2026-11-23', 'a', 1, 3, 0, 0), (2, '2026-11-23', 'a', 2, 3, 0, 0);"
	    "INSERT INTO cases(review_id, state, opened_at, rectify_due, updated_at)"
	    " VALUES(1, 0, 0, '2026-12-14', 0), (2, 4, 0, '2026-12-14', 0);");
	TQ_OK(q, hq_queue_pause(q, 2, "lunch"));
	at(9, 10, 30);
	TQ_OK(q, hq_queue_supervision(q, &sv));
	assert_int_equal(sv.nservices, 2);
	assert_int_equal(sv.oldest_wait_ms[0], (10 * 60 + 30) * 1000);
	assert_int_equal(sv.oldest_wait_ms[1], 0);
	assert_int_equal(sv.ncounters, 3);
	assert_int_equal(sv.counters[1].number, 2);
	assert_int_equal(sv.counters[1].state, HQ_C_PAUSED);
	assert_int_equal(sv.counters[1].paused_ms, (7 * 60 + 30) * 1000);
	assert_int_equal(sv.counters[2].state, HQ_C_OPEN);
	assert_int_equal(sv.counters[2].paused_ms, 0);
	for (r = 0; r < sv.nrules; r++)
		assert_int_equal(sv.alerts_open[r],
				 !strcmp(hq_queue_config(q)->alerts[r].name, "long_queue") ? 1 : 0);
	tq_close(q);
}

/* The evaluation of a database opened for reading only is refused; nothing is written. */
static void test_readonly(void **state)
{
	struct hq_queue *q = open_hall(NULL), *ro;
	char err[256];

	(void)state;
	at(9, 0, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(NULL, hq_queue_open_readonly(ts_db_path(), &ro, err, sizeof err));
	hq_queue_set_clock(ro, ts_clock, NULL);
	TQ_ERR(ro, HQ_EREADONLY, hq_queue_alerts_eval(ro, NULL, 0, NULL, NULL));
	hq_queue_close(ro);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_wait),
		TQ_TEST(test_queue_length),
		TQ_TEST(test_pause),
		TQ_TEST(test_pause_reason),
		TQ_TEST(test_unstaffed),
		TQ_TEST(test_idle),
		TQ_TEST(test_slow),
		TQ_TEST(test_noshows),
		TQ_TEST(test_bad_review),
		TQ_TEST(test_case_overdue),
		TQ_TEST(test_reviews_workflow),
		TQ_TEST(test_device),
		TQ_TEST(test_enabled_no),
		TQ_TEST(test_new_rule_defaults),
		TQ_TEST(test_services_filter),
		TQ_TEST(test_ack),
		TQ_TEST(test_cleared_event),
		TQ_TEST(test_new_context),
		TQ_TEST(test_two_contexts),
		TQ_TEST(test_in_batch),
		TQ_TEST(test_list_and_supervision),
		TQ_TEST(test_readonly),
	};

	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
