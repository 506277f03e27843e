/*
 * Unit tests of the queue's hall-wide operations, written from docs/queue.md and
 * queue/hq_queue.h rather than from the implementation: opening and configuring a hall,
 * the error names, counters (pause, close, clerks), finding tickets, the live state, day
 * roll-over and close-day, and the event feed that every operation appends to. Ticket
 * rules are in test_queue_tickets.c, appointments in test_queue_appointments.c and the
 * figures in test_queue_stats.c.
 */
#include "test_queue.h"

/* ---- opening and configuration ------------------------------------------------------- */

static void test_open_without_config(void **state)
{
	const char *dir = ts_tmpdir();
	char *path = ts_path(dir, "hall.db");
	struct hq_queue *q = NULL;
	char err[256] = "";
	int rc;

	(void)state;
	ts_setup_tz();
	TQ_OK(NULL, hq_queue_open(path, &q, err, sizeof err));
	assert_non_null(q);
	hq_queue_set_clock(q, ts_clock, NULL);
	ts_clock_ms = ts_local(2026, 11, 23, 9, 0);
	assert_null(hq_queue_config(q));
	/* Without a configuration only apply_config is possible. */
	rc = hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL);
	assert_true(rc < 0);
	assert_true(hq_queue_errmsg(q)[0] != '\0');
	TQ_OK(q, hq_queue_apply_config(q, ts_small_hall, "small.ini"));
	assert_non_null(hq_queue_config(q));
	assert_string_equal(hq_queue_config(q)->name, "测试大厅");
	TQ_OK(q, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	hq_queue_close(q);
	hq_queue_close(NULL); /* NULL is fine */
	ts_rmtree(dir);
	free(path);
}

static void test_open_bad_path(void **state)
{
	struct hq_queue *q = (struct hq_queue *)&q; /* not NULL, to see it cleared */
	char err[256] = "";

	(void)state;
	assert_true(hq_queue_open("/nonexistent-hallq-dir/sub/hall.db", &q, err, sizeof err) < 0);
	assert_null(q);
	assert_true(err[0] != '\0');
}

static void test_config_bad_text_keeps_old(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	const char *bad =
		"[hall]\nname = 坏配置\n"
		"[service a]\nname = 甲\nprefix = A\n"
		"[counter 1]\nservices = a, zzq\n";
	int64_t last;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ECONFIG, hq_queue_apply_config(q, bad, "bad.ini"));
	assert_non_null(strstr(hq_queue_errmsg(q), "zzq"));
	TQ_ERR(q, HQ_ECONFIG, hq_queue_apply_config(q, "[hall]\nname = x\nbogus_key = 1\n", "bad2.ini"));
	assert_non_null(strstr(hq_queue_errmsg(q), "bogus_key"));
	TQ_ERR(q, HQ_ECONFIG, hq_queue_apply_config(q, "", "empty.ini"));
	assert_true(hq_queue_errmsg(q)[0] != '\0');
	/* The old hall is still in force, and nothing was recorded. */
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_string_equal(hq_queue_config(q)->name, "测试大厅");
	assert_int_equal(hq_queue_config(q)->nservices, 3);
	assert_int_equal(hq_queue_config(q)->ncounters, 4);
	assert_int_equal(hq_queue_config(q)->priority_ratio, 2);
	assert_string_equal(tq_issue(q, "b", HQ_CLASS_NORMAL).label, "B001");
	assert_string_equal(hq_queue_errmsg(q), "");
	assert_string_equal(tq_next_label(q, 4), "A001");
	/* And after a reopen. */
	q = tq_reopen(q);
	assert_string_equal(hq_queue_config(q)->name, "测试大厅");
	assert_int_equal(hq_queue_config(q)->nservices, 3);
	tq_close(q);
}

static const char *bigger_hall =
	"[hall]\nname = 新大厅\npriority_ratio = 2\nnoshow_after_recalls = 2\n"
	"[service a]\nname = 企业开办\nprefix = A\nnumbers = 1-999\n"
	"hours = 08:00-18:00\ndays = mon-sun\n"
	"[service b]\nname = 不动产登记\nprefix = B\nnumbers = 1-999\n"
	"hours = 08:00-18:00\ndays = mon-sun\n"
	"[service g]\nname = 绿色通道\nprefix = G\nnumbers = 1-99\n"
	"hours = 08:00-18:00\ndays = mon-sun\npriority_lane = yes\n"
	"[service c]\nname = 社保\nprefix = C\nnumbers = 1-999\n"
	"hours = 08:00-18:00\ndays = mon-sun\n"
	"[counter 1]\nservices = a\n"
	"[counter 2]\nservices = a, b\n"
	"[counter 3]\nservices = b, a\n"
	"[counter 4]\nservices = g, a, b\n"
	"[counter 5]\nservices = c\n";

static void test_config_apply_new(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1;
	struct hq_event e;
	int64_t last;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_ENOSERVICE, hq_queue_issue(q, "c", HQ_CLASS_NORMAL, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_call_next(q, 5, NULL));
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_apply_config(q, bigger_hall, "bigger.ini"));
	e = tq_event1(q, last, "config_applied", 0);
	assert_string_equal(e.detail, "新大厅");
	assert_string_equal(hq_queue_config(q)->name, "新大厅");
	assert_int_equal(hq_queue_config(q)->nservices, 4);
	/* The new service and counter work; counters are added open. */
	assert_string_equal(tq_issue(q, "c", HQ_CLASS_NORMAL).label, "C001");
	assert_int_equal(tq_counter(q, 5).state, HQ_C_OPEN);
	assert_string_equal(tq_next_label(q, 5), "C001");
	/* Tickets and numbering are kept. */
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_WAITING);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A002");
	/* The stored config is what a reopened queue sees. */
	q = tq_reopen(q);
	assert_string_equal(hq_queue_config(q)->name, "新大厅");
	assert_int_equal(hq_queue_config(q)->ncounters, 5);
	tq_close(q);
}

static void test_reopen_keeps_everything(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, t;
	int64_t last, id;

	(void)state;
	TQ_OK(q, hq_queue_sign_in(q, 1, "10234"));
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	tq_next(q, 1); /* A002, priority */
	TQ_OK(q, hq_queue_pause(q, 2, "系统维护"));
	TQ_OK(q, hq_queue_close_counter(q, 3));
	last = hq_queue_last_event_id(q);

	q = tq_reopen(q);
	TQ_OK(q, hq_queue_set_durable(q, false));
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_string_equal(hq_queue_config(q)->name, "测试大厅");
	TQ_OK(q, hq_queue_find(q, "A001", &id));
	assert_int_equal(id, a1.id);
	t = tq_get(q, a2.id);
	assert_int_equal(t.state, HQ_T_CALLED);
	assert_int_equal(t.counter, 1);
	assert_string_equal(t.clerk, "10234");
	assert_int_equal(t.cls, HQ_CLASS_PRIORITY);
	assert_int_equal(tq_counter(q, 1).current.id, a2.id);
	assert_string_equal(tq_counter(q, 1).clerk, "10234");
	assert_int_equal(tq_counter(q, 2).state, HQ_C_PAUSED);
	assert_string_equal(tq_counter(q, 2).reason, "系统维护");
	assert_int_equal(tq_counter(q, 3).state, HQ_C_CLOSED);
	/* Work goes on where it stopped. */
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A003");
	assert_int_equal(tq_next(q, 1).id, a1.id);
	assert_int_equal(tq_tstate(q, a2.id), HQ_T_DONE);
	tq_close(q);
}

static void test_durable_and_clock(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t real;

	(void)state;
	TQ_OK(q, hq_queue_set_durable(q, true));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	TQ_OK(q, hq_queue_set_durable(q, false));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A002");
	TQ_OK(q, hq_queue_set_durable(q, true));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A003");

	/* The queue reads time through the seam. */
	assert_int_equal(hq_queue_now(q), ts_clock_ms);
	ts_advance_s(12.5);
	assert_int_equal(hq_queue_now(q), ts_clock_ms);
	real = hq_real_now(NULL);
	assert_true(real > 1700000000000LL); /* after 2023 */
	hq_queue_set_clock(q, NULL, NULL);
	assert_true(llabs(hq_queue_now(q) - real) < 86400000LL);
	tq_close(q);
}

/* ---- errors and names ---------------------------------------------------------------- */

static void test_error_names(void **state)
{
	int a, b, n = 0;

	(void)state;
	for (a = HQ_ERR_FIRST_ + 1; a < HQ_ERR_LAST_; a++) {
		assert_true(a < 0);
		assert_true(hq_strerror(a)[0] != '\0');
		assert_string_not_equal(hq_strerror(a), "unknown error");
		assert_true(!strncmp(hq_err_name(a), "HQ_E", 4));
		assert_true(hq_err_code(a)[0] != '\0');
		assert_string_not_equal(hq_err_code(a), "unknown");
		for (b = HQ_ERR_FIRST_ + 1; b < a; b++) {
			assert_string_not_equal(hq_strerror(a), hq_strerror(b));
			assert_string_not_equal(hq_err_name(a), hq_err_name(b));
			assert_string_not_equal(hq_err_code(a), hq_err_code(b));
		}
		n++;
	}
	assert_int_equal(n, 37);
	assert_string_equal(hq_err_code(HQ_ESIGNIN), "signin");
	assert_string_equal(hq_err_code(HQ_ENOCASE), "nocase");
	assert_string_equal(hq_err_code(HQ_ENOSESSION), "nosession");
	assert_string_equal(hq_err_name(HQ_ENOSERVICE), "HQ_ENOSERVICE");
	assert_string_equal(hq_err_code(HQ_ENOSERVICE), "noservice");
	assert_string_equal(hq_err_name(HQ_ERATED), "HQ_ERATED");
	assert_string_equal(hq_err_code(HQ_EBUSYCTR), "busyctr");
	assert_string_equal(hq_strerror(HQ_EEMPTY), "nobody is waiting");
	assert_string_equal(hq_err_name(HQ_OK), "HQ_OK");
	assert_string_not_equal(hq_strerror(HQ_OK), hq_strerror(HQ_EINVAL));
	/* Unknown codes still give a string. */
	assert_string_equal(hq_strerror(-1), "unknown error");
	assert_string_equal(hq_strerror(HQ_ERR_LAST_), "unknown error");
	assert_string_equal(hq_strerror(12345), "unknown error");
	assert_non_null(hq_err_name(-5));
	assert_non_null(hq_err_code(99));
}

static void test_enum_names(void **state)
{
	const char *cls[] = { "normal", "priority", "appointment" };
	const char *ts[] = { "waiting", "called", "serving", "parked",
			     "done", "noshow", "transferred", "cancelled" };
	const char *cs[] = { "open", "paused", "closed" };
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_string_equal(hq_class_name((enum hq_class)i), cls[i]);
		assert_int_equal(hq_class_parse(cls[i]), i);
		assert_string_equal(hq_cstate_name((enum hq_cstate)i), cs[i]);
	}
	for (i = 0; i < 8; i++)
		assert_string_equal(hq_tstate_name((enum hq_tstate)i), ts[i]);
	assert_int_equal(hq_class_parse("vip"), -1);
	assert_int_equal(hq_class_parse(""), -1);
	assert_int_equal(hq_group_parse("service"), HQ_BY_SERVICE);
	assert_int_equal(hq_group_parse("counter"), HQ_BY_COUNTER);
	assert_int_equal(hq_group_parse("clerk"), HQ_BY_CLERK);
	assert_int_equal(hq_group_parse("hour"), HQ_BY_HOUR);
	assert_int_equal(hq_group_parse("weekday"), -1);
	assert_true(HQ_T_FINAL(HQ_T_DONE) && HQ_T_FINAL(HQ_T_CANCELLED));
	assert_false(HQ_T_FINAL(HQ_T_PARKED));
}

static void test_local_time(void **state)
{
	int64_t ms = 0;
	char buf[64];

	(void)state;
	ts_setup_tz();
	TQ_OK(NULL, hq_parse_local_time("2026-11-23 09:00", &ms));
	assert_int_equal(ms, ts_local(2026, 11, 23, 9, 0));
	TQ_OK(NULL, hq_parse_local_time("2026-11-23 09:00:30", &ms));
	assert_int_equal(ms, ts_local(2026, 11, 23, 9, 0) + 30000);
	/* Asia/Shanghai is UTC+8 all year. */
	TQ_OK(NULL, hq_parse_local_time("2026-07-01 08:00", &ms));
	assert_int_equal(ms, 1782864000000LL);
	/* A date alone is not the documented form; if taken, it can only mean midnight. */
	if (hq_parse_local_time("2026-11-23", &ms) == 0)
		assert_int_equal(ms, ts_local(2026, 11, 23, 0, 0));
	assert_true(hq_parse_local_time("tomorrow 9am", &ms) < 0);
	assert_true(hq_parse_local_time("2026-13-01 09:00", &ms) < 0);
	assert_true(hq_parse_local_time("2026-11-23 25:00", &ms) < 0);

	hq_format_local_time(ts_local(2026, 11, 23, 14, 5) + 7000, buf, sizeof buf);
	assert_true(!strncmp(buf, "2026-11-23 14:05", 16));
	TQ_OK(NULL, hq_parse_local_time(buf, &ms));
	assert_int_equal(ms, ts_local(2026, 11, 23, 14, 5) + 7000);

	/* A range's bounds: a bare date ending a range is the next midnight. */
	TQ_OK(NULL, hq_parse_local_bound("2026-11-23", false, &ms));
	assert_int_equal(ms, ts_local(2026, 11, 23, 0, 0));
	TQ_OK(NULL, hq_parse_local_bound("2026-11-23", true, &ms));
	assert_int_equal(ms, ts_local(2026, 11, 24, 0, 0));
	TQ_OK(NULL, hq_parse_local_bound("2026-11-23 09:30", true, &ms));
	assert_int_equal(ms, ts_local(2026, 11, 23, 9, 30));
	TQ_OK(NULL, hq_parse_local_bound("2026-12-31", true, &ms));
	assert_int_equal(ms, ts_local(2027, 1, 1, 0, 0));
	ms = 42;
	assert_int_equal(hq_parse_local_bound("2026-11-31", true, &ms), HQ_EINVAL);
	assert_int_equal(hq_parse_local_bound("yesterday", false, &ms), HQ_EINVAL);
	assert_int_equal(ms, 42);
	/* Where the clocks change, a day is 25 or 23 hours long: New York's 2026-11-01 ends
	 * 25 hours after it starts, and 2026-03-08 23 hours. */
	setenv("TZ", "America/New_York", 1);
	tzset();
	{
		int64_t d0, d1;

		TQ_OK(NULL, hq_parse_local_bound("2026-11-01", false, &d0));
		TQ_OK(NULL, hq_parse_local_bound("2026-11-01", true, &d1));
		assert_int_equal(d1 - d0, 25 * 3600000LL);
		TQ_OK(NULL, hq_parse_local_bound("2026-03-08", false, &d0));
		TQ_OK(NULL, hq_parse_local_bound("2026-03-08", true, &d1));
		assert_int_equal(d1 - d0, 23 * 3600000LL);
	}
	ts_setup_tz();
}

/* ---- counters ------------------------------------------------------------------------ */

static void test_counters_initial_state(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_hall_state st;
	size_t i;

	(void)state;
	memset(&st, 0, sizeof st);
	TQ_OK(q, hq_queue_state(q, &st));
	assert_int_equal(st.ncounters, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(st.counters[i].number, (int)i + 1);
		assert_int_equal(st.counters[i].state, HQ_C_OPEN);
		assert_string_equal(st.counters[i].reason, "");
		assert_string_equal(st.counters[i].clerk, "");
		assert_int_equal(st.counters[i].current.id, 0);
	}
	hq_hall_state_free(&st);
	tq_close(q);
}

static void test_counter_pause_resume(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_counter_state c;
	struct hq_ticket a1;
	struct hq_event e;
	int64_t last;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_pause(q, 1, "午休"));
	e = tq_event1(q, last, "counter_paused", 0);
	assert_int_equal(e.counter, 1);
	assert_string_equal(e.detail, "午休");
	c = tq_counter(q, 1);
	assert_int_equal(c.state, HQ_C_PAUSED);
	assert_string_equal(c.reason, "午休");
	/* The current ticket may still be finished; no new calls. */
	assert_int_equal(c.current.id, a1.id);
	TQ_ERR(q, HQ_EPAUSED, hq_queue_call_next(q, 1, NULL));
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_CALLED);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_DONE);
	TQ_ERR(q, HQ_EPAUSED, hq_queue_call_next(q, 1, NULL));
	/* Others go on. */
	assert_string_equal(tq_next_label(q, 2), "A002");

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_resume(q, 1));
	e = tq_event1(q, last, "counter_resumed", 0);
	assert_int_equal(e.counter, 1);
	c = tq_counter(q, 1);
	assert_int_equal(c.state, HQ_C_OPEN);
	assert_string_equal(c.reason, "");
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_string_equal(tq_next_label(q, 1), "A003");

	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_pause(q, 7, "x"));
	assert_non_null(strstr(hq_queue_errmsg(q), "7"));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_resume(q, 7));
	tq_close(q);
}

static void test_counter_close_open(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_event e;
	int64_t last;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	last = hq_queue_last_event_id(q);
	/* Not while a ticket is called or served there. */
	TQ_ERR(q, HQ_EBUSYCTR, hq_queue_close_counter(q, 1));
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	TQ_ERR(q, HQ_EBUSYCTR, hq_queue_close_counter(q, 1));
	assert_int_equal(hq_queue_last_event_id(q), last + 1); /* only 'started' */
	assert_int_equal(tq_counter(q, 1).state, HQ_C_OPEN);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_close_counter(q, 1));
	e = tq_event1(q, last, "counter_closed", 0);
	assert_int_equal(e.counter, 1);
	assert_int_equal(tq_counter(q, 1).state, HQ_C_CLOSED);
	TQ_ERR(q, HQ_ECTRCLOSED, hq_queue_call_next(q, 1, NULL));

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_open_counter(q, 1));
	e = tq_event1(q, last, "counter_opened", 0);
	assert_int_equal(e.counter, 1);
	assert_int_equal(tq_counter(q, 1).state, HQ_C_OPEN);
	assert_string_equal(tq_next_label(q, 1), "A002");

	/* A paused counter with nobody at it may close. */
	TQ_OK(q, hq_queue_pause(q, 2, "break"));
	TQ_OK(q, hq_queue_close_counter(q, 2));
	assert_int_equal(tq_counter(q, 2).state, HQ_C_CLOSED);
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_close_counter(q, 5));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_open_counter(q, 5));
	tq_close(q);
}

static void test_sign_in_out(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket t1, t2, t3;
	struct hq_event e;
	int64_t last;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_sign_in(q, 1, "10234"));
	e = tq_event1(q, last, "signed_in", 0);
	assert_int_equal(e.counter, 1);
	assert_string_equal(e.detail, "10234");
	assert_string_equal(tq_counter(q, 1).clerk, "10234");
	assert_string_equal(tq_counter(q, 2).clerk, "");

	last = hq_queue_last_event_id(q);
	t1 = tq_next(q, 1);
	assert_string_equal(t1.clerk, "10234");
	assert_string_equal(tq_get(q, t1.id).clerk, "10234");
	assert_string_equal(tq_event1(q, last, "called", t1.id).detail, "10234");

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_sign_out(q, 1));
	e = tq_event1(q, last, "signed_out", 0);
	assert_int_equal(e.counter, 1);
	assert_string_equal(e.detail, "10234");
	assert_string_equal(tq_counter(q, 1).clerk, "");
	t2 = tq_next(q, 1);
	assert_string_equal(t2.clerk, "");

	TQ_OK(q, hq_queue_sign_in(q, 1, "王芳"));
	t3 = tq_next(q, 1);
	assert_string_equal(t3.clerk, "王芳");
	/* Earlier tickets keep their clerk. */
	assert_string_equal(tq_get(q, t1.id).clerk, "10234");
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_sign_in(q, 0, "x"));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_sign_out(q, 10000));
	tq_close(q);
}

/* ---- finding tickets ----------------------------------------------------------------- */

static void test_find(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, b1, t1, t2, t;
	char ref[32];
	int64_t id;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_find(q, "A002", &id));
	assert_int_equal(id, a2.id);
	TQ_OK(q, hq_queue_find(q, "B001", &id));
	assert_int_equal(id, b1.id);
	snprintf(ref, sizeof ref, "%lld", (long long)a1.id);
	TQ_OK(q, hq_queue_find(q, ref, &id));
	assert_int_equal(id, a1.id);
	/* As a citizen types it at the kiosk: lower case, without the number's zeros. */
	TQ_OK(q, hq_queue_find(q, "a2", &id));
	assert_int_equal(id, a2.id);
	TQ_OK(q, hq_queue_find(q, "B01", &id));
	assert_int_equal(id, b1.id);
	TQ_OK(q, hq_queue_find(q, "b0001", &id));
	assert_int_equal(id, b1.id);
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "A3", &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "A", &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "A2B", &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "Z002", &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "A003", &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "99999", &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "G01", &id));
	assert_true(hq_queue_find(q, "", &id) < 0);
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_ticket(q, 99999, &t));

	/* After transfers the label finds the newest ticket; latest follows the chain. */
	assert_int_equal(tq_next(q, 1).id, a1.id);
	TQ_OK(q, hq_queue_transfer_service(q, 1, "b", &t1));
	TQ_OK(q, hq_queue_find(q, "A001", &id));
	assert_int_equal(id, t1.id);
	TQ_OK(q, hq_queue_call_ticket(q, 3, t1.id, NULL));
	TQ_OK(q, hq_queue_transfer_counter(q, 3, 2, &t2));
	assert_int_equal(t2.parent_id, t1.id);
	TQ_OK(q, hq_queue_find(q, "A001", &id));
	assert_int_equal(id, t2.id);
	TQ_OK(q, hq_queue_ticket_latest(q, a1.id, &t));
	assert_int_equal(t.id, t2.id);
	assert_int_equal(t.state, HQ_T_WAITING);
	assert_int_equal(t.target_counter, 2);
	TQ_OK(q, hq_queue_ticket_latest(q, t1.id, &t));
	assert_int_equal(t.id, t2.id);
	TQ_OK(q, hq_queue_ticket_latest(q, t2.id, &t));
	assert_int_equal(t.id, t2.id);
	TQ_OK(q, hq_queue_ticket_latest(q, b1.id, &t));
	assert_int_equal(t.id, b1.id);
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_ticket_latest(q, 424242, &t));
	/* The old ticket itself is still there. */
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_TRANSFERRED);

	/* Labels are today's: yesterday's A002 is not found by label, by id it is. */
	ts_clock_ms = ts_local(2026, 11, 24, 9, 0);
	t = tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_find(q, "A001", &id));
	assert_int_equal(id, t.id);
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find(q, "A002", &id));
	snprintf(ref, sizeof ref, "%lld", (long long)a2.id);
	TQ_OK(q, hq_queue_find(q, ref, &id));
	assert_int_equal(id, a2.id);
	tq_close(q);
}

/* ---- live state ---------------------------------------------------------------------- */

static void test_state(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_hall_state st;
	struct hq_ticket p;
	int ahead, wait;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	p = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	tq_issue(q, "a", HQ_CLASS_PRIORITY);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	tq_issue(q, "g", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	assert_int_equal(tq_next(q, 2).id, p.id);
	TQ_OK(q, hq_queue_start(q, 2, NULL));
	TQ_OK(q, hq_queue_pause(q, 3, "培训"));

	memset(&st, 0, sizeof st);
	TQ_OK(q, hq_queue_state(q, &st));
	assert_int_equal(st.nservices, 3);
	assert_string_equal(st.services[0].key, "a");
	assert_string_equal(st.services[1].key, "b");
	assert_string_equal(st.services[2].key, "g");
	assert_true(st.services[0].open);
	assert_int_equal(st.services[0].waiting, 3);
	assert_int_equal(st.services[0].waiting_priority, 1);
	assert_int_equal(st.services[0].issued_today, 4);
	assert_int_equal(st.services[0].served_today, 0);
	assert_false(st.services[0].at_cap);
	assert_int_equal(st.services[1].waiting, 1);
	assert_int_equal(st.services[1].waiting_priority, 0);
	assert_int_equal(st.services[1].issued_today, 1);
	assert_int_equal(st.services[2].waiting, 1);
	assert_int_equal(st.services[2].waiting_priority, 1);
	assert_int_equal(st.ncounters, 4);
	assert_int_equal(st.counters[1].number, 2);
	assert_int_equal(st.counters[1].state, HQ_C_OPEN);
	assert_string_equal(st.counters[1].clerk, "c2");
	assert_int_equal(st.counters[1].current.id, p.id);
	assert_string_equal(st.counters[1].current.label, "A003");
	assert_int_equal(st.counters[1].current.state, HQ_T_SERVING);
	assert_int_equal(st.counters[0].current.id, 0);
	assert_int_equal(st.counters[2].state, HQ_C_PAUSED);
	assert_string_equal(st.counters[2].reason, "培训");
	assert_int_equal(st.last_event_id, hq_queue_last_event_id(q));
	/* The state's estimate is that of a normal ticket taken now. */
	TQ_OK(q, hq_queue_estimate(q, "a", HQ_CLASS_NORMAL, &ahead, &wait));
	assert_int_equal(ahead, 3);
	assert_int_equal(st.services[0].est_wait_s, wait);
	hq_hall_state_free(&st);

	TQ_OK(q, hq_queue_finish(q, 2, NULL));
	assert_int_equal(tq_service(q, "a").served_today, 1);
	assert_int_equal(tq_counter(q, 2).current.id, 0);
	/* At night the services are shut. */
	tq_at(19, 0);
	assert_false(tq_service(q, "a").open);
	assert_false(tq_service(q, "g").open);
	assert_int_equal(tq_service(q, "a").waiting, 3);
	hq_hall_state_free(NULL);
	tq_close(q);
}

/* The longest wait of each queue and when each counter entered its state (docs/queue.md,
 * Counters). The hall is set up at 09:00 (tq_open). */
static void test_state_waits_and_since(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_counter_state c;
	struct hq_ticket a1;

	(void)state;
	/* Nobody waits: no longest wait; counters are open since the hall was set up. */
	assert_int_equal(tq_service(q, "a").oldest_wait_s, -1);
	c = tq_counter(q, 3);
	assert_int_equal(c.since, ts_local(2026, 11, 23, 9, 0));
	assert_int_equal(c.paused_at, 0);
	tq_at_s(10);
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_at_s(70);
	tq_issue(q, "a", HQ_CLASS_PRIORITY);
	tq_at_s(100);
	/* The longest of the waiting, whatever its class: A001, 90 s. */
	assert_int_equal(tq_service(q, "a").oldest_wait_s, 90);
	assert_int_equal(tq_service(q, "b").oldest_wait_s, -1);
	/* Called, it waits no more; the next one's 30 s are the longest now. */
	TQ_OK(q, hq_queue_call_ticket(q, 1, a1.id, NULL));
	assert_int_equal(tq_service(q, "a").oldest_wait_s, 30);
	/* Sent to counter 2 by name it waits in service b from the transfer on. */
	tq_at_s(200);
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 2, NULL));
	tq_at_s(260);
	assert_int_equal(tq_service(q, "a").oldest_wait_s, 190);
	/* A pause is the counter's state from its start; pressed again it is the same pause. */
	tq_at_s(300);
	TQ_OK(q, hq_queue_pause(q, 3, "午休"));
	tq_at_s(320);
	TQ_OK(q, hq_queue_pause(q, 3, "培训"));
	c = tq_counter(q, 3);
	assert_int_equal(c.state, HQ_C_PAUSED);
	assert_int_equal(c.since, ts_local(2026, 11, 23, 9, 5));
	assert_int_equal(c.paused_at, ts_local(2026, 11, 23, 9, 5));
	tq_at_s(400);
	TQ_OK(q, hq_queue_resume(q, 3));
	c = tq_counter(q, 3);
	assert_int_equal(c.since, ts_clock_ms);
	assert_int_equal(c.paused_at, 0);
	/* Opening an open counter changes nothing; closing it does. */
	tq_at_s(500);
	TQ_OK(q, hq_queue_open_counter(q, 3));
	assert_int_equal(tq_counter(q, 3).since, ts_local(2026, 11, 23, 9, 0) + 400000);
	TQ_OK(q, hq_queue_close_counter(q, 3));
	assert_int_equal(tq_counter(q, 3).since, ts_clock_ms);
	/* And the counter's state since survives a reopen of the database. */
	q = tq_reopen(q);
	assert_int_equal(tq_counter(q, 3).since, ts_local(2026, 11, 23, 9, 0) + 500000);
	tq_close(q);
}

/* What a counter's page reads: its parked tickets, those sent to it by name and the ticket
 * it finished last today, with the hall's state. */
static void test_counter_view(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_counter_view v;
	struct hq_ticket a[6];
	int i;

	(void)state;
	for (i = 0; i < 6; i++)
		a[i] = tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_counter_view(q, 9, &v));
	assert_null(v.parked);
	TQ_OK(q, hq_queue_counter_view(q, 2, &v));
	assert_non_null(v.counter);
	assert_int_equal(v.counter->number, 2);
	assert_int_equal(v.state.ncounters, 4);
	assert_int_equal(v.state.services[0].waiting, 6);
	assert_int_equal(v.nparked, 0);
	assert_int_equal(v.nsent_here, 0);
	assert_int_equal(v.last_finished.id, 0);
	hq_counter_view_free(&v);

	/* Counter 2 parks A002 and A001 (in that order), finishes A003; counter 1 sends A004
	 * to it by name, then a priority ticket is sent there too; counter 3 parks A005. */
	TQ_OK(q, hq_queue_call_ticket(q, 2, a[1].id, NULL));
	TQ_OK(q, hq_queue_park(q, 2, NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 2, a[0].id, NULL));
	TQ_OK(q, hq_queue_park(q, 2, NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 2, a[2].id, NULL));
	TQ_OK(q, hq_queue_finish(q, 2, NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 1, a[3].id, NULL));
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 2, NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 3, a[4].id, NULL));
	TQ_OK(q, hq_queue_park(q, 3, NULL));
	{
		struct hq_ticket p = tq_issue(q, "b", HQ_CLASS_PRIORITY);

		TQ_OK(q, hq_queue_call_ticket(q, 1, p.id, NULL));
		TQ_OK(q, hq_queue_transfer_counter(q, 1, 2, NULL));
	}
	TQ_OK(q, hq_queue_counter_view(q, 2, &v));
	assert_int_equal(v.nparked, 2);
	assert_string_equal(v.parked[0].label, "A001");
	assert_string_equal(v.parked[1].label, "A002");
	assert_int_equal(v.parked[0].state, HQ_T_PARKED);
	/* In the order counter 2 would call them: the priority ticket first. */
	assert_int_equal(v.nsent_here, 2);
	assert_string_equal(v.sent_here[0].label, "B001");
	assert_string_equal(v.sent_here[1].label, "A004");
	assert_int_equal(v.sent_here[1].target_counter, 2);
	assert_int_equal(v.last_finished.id, a[2].id);
	assert_int_equal(v.last_finished.state, HQ_T_DONE);
	hq_counter_view_free(&v);
	TQ_OK(q, hq_queue_counter_view(q, 3, &v));
	assert_int_equal(v.nparked, 1);
	assert_string_equal(v.parked[0].label, "A005");
	assert_int_equal(v.nsent_here, 0);
	assert_int_equal(v.last_finished.id, 0);
	hq_counter_view_free(&v);

	/* The next day: yesterday's last ticket is not asked to be rated, and nothing parked
	 * is left (the day's close cancelled it). */
	ts_clock_ms = ts_local(2026, 11, 24, 9, 0);
	TQ_OK(q, hq_queue_counter_view(q, 2, &v));
	assert_int_equal(v.nparked, 0);
	assert_int_equal(v.nsent_here, 0);
	assert_int_equal(v.last_finished.id, 0);
	hq_counter_view_free(&v);
	hq_counter_view_free(NULL);
	tq_close(q);
}

/* ---- days ---------------------------------------------------------------------------- */

/* A day with one ticket in each open state: returns how many are open. */
static int busy_day(struct hq_queue *q, int64_t ids[6])
{
	struct hq_ticket t[6];
	int i;

	for (i = 0; i < 5; i++)
		t[i] = tq_issue(q, "a", HQ_CLASS_NORMAL);
	t[5] = tq_issue(q, "b", HQ_CLASS_NORMAL);
	for (i = 0; i < 6; i++)
		ids[i] = t[i].id;
	/* A001 waits; A002 called at 1; A003 served at 2; A004 parked by 3; A005 done. */
	TQ_OK(q, hq_queue_call_ticket(q, 1, ids[1], NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 2, ids[2], NULL));
	TQ_OK(q, hq_queue_start(q, 2, NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 3, ids[3], NULL));
	TQ_OK(q, hq_queue_park(q, 3, NULL));
	TQ_OK(q, hq_queue_call_ticket(q, 4, ids[4], NULL));
	TQ_OK(q, hq_queue_finish(q, 4, NULL));
	return 5;
}

static void check_closed(struct hq_queue *q, const int64_t ids[6], const char *reason)
{
	struct hq_ticket t;
	int i;

	for (i = 0; i < 6; i++) {
		t = tq_get(q, ids[i]);
		if (i == 4) {
			assert_int_equal(t.state, HQ_T_DONE);
			assert_string_equal(t.end_reason, "");
			continue;
		}
		assert_int_equal(t.state, HQ_T_CANCELLED);
		assert_string_equal(t.end_reason, reason);
		assert_true(t.ended_at > 0);
	}
	for (i = 1; i <= 4; i++)
		assert_int_equal(tq_counter(q, i).current.id, 0);
}

static void test_rollover_on_next_operation(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t ids[6], last;
	struct hq_event e;
	int n, closed = -1;

	(void)state;
	n = busy_day(q, ids);
	last = hq_queue_last_event_id(q);
	ts_clock_ms = ts_local(2026, 11, 24, 8, 30);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	check_closed(q, ids, "day closed");
	e = tq_event1(q, last, "day_closed", 0);
	assert_int_equal(e.value, n);
	assert_string_equal(e.detail, "2026-11-23");
	/* Once only. */
	TQ_OK(q, hq_queue_rollover(q, &closed));
	assert_int_equal(closed, 0);
	assert_int_equal(tq_events(q, last, "day_closed", 0, NULL), 1);
	/* Nothing of yesterday is called today. */
	assert_string_equal(tq_next_label(q, 1), "A001");
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 2, NULL));
	tq_close(q);
}

/*
 * The first operation of the day may be refused (a clerk presses next before anyone
 * came): the day is closed all the same, and yesterday's tickets are never called.
 */
static void test_rollover_after_refused_first_operation(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t ids[6], last;
	int n, closed = -1;

	(void)state;
	n = busy_day(q, ids);
	last = hq_queue_last_event_id(q);
	ts_clock_ms = ts_local(2026, 11, 24, 8, 30);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	/* A later operation that succeeds: yesterday is closed by now. */
	TQ_OK(q, hq_queue_pause(q, 3, "开会"));
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	check_closed(q, ids, "day closed");
	assert_int_equal(tq_service(q, "a").waiting, 0);
	assert_int_equal(tq_event1(q, last, "day_closed", 0).value, n);
	TQ_OK(q, hq_queue_rollover(q, &closed));
	assert_int_equal(closed, 0);
	tq_close(q);
}

static void test_rollover_explicit(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t ids[6], last;
	int n, closed = -1;

	(void)state;
	n = busy_day(q, ids);
	TQ_OK(q, hq_queue_rollover(q, &closed));
	assert_int_equal(closed, 0); /* same day: nothing of earlier days */
	assert_int_equal(tq_tstate(q, ids[0]), HQ_T_WAITING);
	last = hq_queue_last_event_id(q);
	ts_clock_ms = ts_local(2026, 11, 24, 7, 0);
	TQ_OK(q, hq_queue_rollover(q, &closed));
	assert_int_equal(closed, n);
	check_closed(q, ids, "day closed");
	assert_int_equal(tq_event1(q, last, "day_closed", 0).value, n);
	TQ_OK(q, hq_queue_rollover(q, NULL));
	tq_close(q);
}

/* A display's read of the state on the new day does not show yesterday's queue. */
static void test_rollover_seen_by_state(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t ids[6];

	(void)state;
	busy_day(q, ids);
	ts_clock_ms = ts_local(2026, 11, 26, 8, 0); /* two days later */
	assert_int_equal(tq_service(q, "a").waiting, 0);
	assert_int_equal(tq_service(q, "b").waiting, 0);
	assert_int_equal(tq_service(q, "a").issued_today, 0);
	assert_int_equal(tq_counter(q, 1).current.id, 0);
	assert_int_equal(tq_counter(q, 2).current.id, 0);
	check_closed(q, ids, "day closed");
	tq_close(q);
}

/* A reader opened on a later day than the hall's (hallq state under another clock) sees
 * the hall as its writer left it and writes nothing: no day closed, no event, and every
 * write refused. Only the writer closes the day when it next runs. */
static void test_readonly_never_rolls_over(void **state)
{
	struct hq_queue *q = tq_open(NULL), *r = NULL;
	struct hq_hall_state st;
	struct hq_event ev[4];
	int64_t ids[6], last;
	char err[256];

	(void)state;
	busy_day(q, ids);
	last = hq_queue_last_event_id(q);
	ts_clock_ms = ts_local(2026, 11, 26, 8, 0); /* three days later, by the reader's clock */
	assert_int_equal(hq_queue_open_readonly(ts_db_path(), &r, err, sizeof err), 0);
	hq_queue_set_clock(r, ts_clock, NULL);
	assert_int_equal(hq_queue_state(r, &st), 0);
	assert_int_equal(st.services[0].waiting, 1); /* A001 still waits: the day is not closed */
	assert_int_equal(st.services[0].issued_today, 5);
	assert_int_equal(st.last_event_id, last);
	hq_hall_state_free(&st);
	assert_int_equal(hq_queue_events(r, last, ev, 4), 0);
	TQ_ERR(r, HQ_EREADONLY, hq_queue_issue(r, "a", HQ_CLASS_NORMAL, NULL));
	TQ_ERR(r, HQ_EREADONLY, hq_queue_call_next(r, 1, NULL));
	TQ_ERR(r, HQ_EREADONLY, hq_queue_rollover(r, NULL));
	TQ_ERR(r, HQ_EREADONLY, hq_queue_batch_begin(r));
	TQ_ERR(r, HQ_EREADONLY, hq_queue_apply_config(r, ts_small_hall, "x"));
	assert_int_equal(hq_queue_last_event_id(r), last);
	hq_queue_close(r);
	/* The writer, on the same later clock, closes the day at its next operation. */
	assert_string_equal(tq_service(q, "a").key, "a");
	check_closed(q, ids, "day closed");
	tq_close(q);
}

static void test_readonly_open_errors(void **state)
{
	struct hq_queue *r = (struct hq_queue *)1;
	char err[256] = "";
	char *path = ts_path(ts_tmpdir(), "none.db");

	(void)state;
	assert_int_equal(hq_queue_open_readonly(path, &r, err, sizeof err), HQ_EDB);
	assert_null(r);
	assert_non_null(strstr(err, "cannot open database"));
	free(path);
}

static void test_close_day(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t ids[6], last;
	struct hq_event e;
	int n, closed = -1;

	(void)state;
	n = busy_day(q, ids);
	tq_at(17, 0);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_close_day(q, "闭厅", &closed));
	assert_int_equal(closed, n);
	check_closed(q, ids, "闭厅");
	e = tq_event1(q, last, "day_closed", 0);
	assert_int_equal(e.value, n);
	assert_string_equal(e.detail, "2026-11-23");
	TQ_OK(q, hq_queue_close_day(q, "闭厅", &closed));
	assert_int_equal(closed, 0);
	/* History is kept, and a number is never issued twice on one day. */
	tq_at(17, 30);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A006");
	TQ_OK(q, hq_queue_close_day(q, "闭厅", NULL));
	/* The next day has nothing left to close. */
	ts_clock_ms = ts_local(2026, 11, 24, 9, 0);
	TQ_OK(q, hq_queue_rollover(q, &closed));
	assert_int_equal(closed, 0);
	tq_close(q);
}

/* ---- events -------------------------------------------------------------------------- */

static void expect_ticket_event(struct hq_queue *q, int64_t since, const char *type,
				const struct hq_ticket *t, int counter, const char *detail)
{
	struct hq_event e = tq_event1(q, since, type, t->id);

	assert_int_equal(e.counter, counter);
	assert_string_equal(e.label, t->label);
	assert_int_equal(e.at, ts_clock_ms);
	if (detail)
		assert_string_equal(e.detail, detail);
}

static void test_events_each_operation(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, a3, nt, t;
	struct hq_event e;
	int64_t last;

	(void)state;
	TQ_OK(q, hq_queue_sign_in(q, 1, "c1"));

	last = hq_queue_last_event_id(q);
	ts_advance_s(1);
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	e = tq_event1(q, last, "issued", a1.id);
	assert_int_equal(e.value, 0);
	assert_string_equal(e.detail, "normal");
	assert_string_equal(e.label, "A001");
	assert_string_equal(e.service, "a");
	assert_int_equal(e.at, ts_clock_ms);
	a2 = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	e = tq_event1(q, last, "issued", a2.id);
	assert_int_equal(e.value, 0); /* priority: nobody ahead */
	assert_string_equal(e.detail, "priority");
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_int_equal(tq_event1(q, last, "issued", a3.id).value, 2);

	last = hq_queue_last_event_id(q);
	ts_advance_s(1);
	t = tq_next(q, 1);
	assert_int_equal(t.id, a2.id);
	expect_ticket_event(q, last, "called", &a2, 1, "c1");
	assert_string_equal(tq_event1(q, last, "called", a2.id).service, "a");

	last = hq_queue_last_event_id(q);
	ts_advance_s(1);
	TQ_OK(q, hq_queue_recall(q, 1, NULL));
	expect_ticket_event(q, last, "recalled", &a2, 1, "c1");
	assert_int_equal(tq_event1(q, last, "recalled", a2.id).value, 1);

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	expect_ticket_event(q, last, "started", &a2, 1, "c1");

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	expect_ticket_event(q, last, "finished", &a2, 1, "c1");

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_review_last(q, 1, 4, 0, HQ_CH_UNIT, NULL));
	e = tq_event1(q, last, "reviewed", a2.id);
	assert_int_equal(e.counter, 1);
	assert_int_equal(e.value, 4);
	assert_string_equal(e.detail, "unit");

	/* call-next over a current ticket: finished, then called. */
	tq_next(q, 1); /* A001 */
	last = hq_queue_last_event_id(q);
	t = tq_next(q, 1); /* A003 */
	expect_ticket_event(q, last, "finished", &a1, 1, "c1");
	expect_ticket_event(q, last, "called", &a3, 1, "c1");
	assert_true(tq_event1(q, last, "finished", a1.id).id <
		    tq_event1(q, last, "called", a3.id).id);

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_park(q, 1, NULL));
	expect_ticket_event(q, last, "parked", &a3, 1, "c1");
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_unpark(q, a3.id, NULL));
	tq_event1(q, last, "requeued", a3.id);

	TQ_OK(q, hq_queue_call_ticket(q, 1, a3.id, NULL));
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_transfer_service(q, 1, "b", &nt));
	e = tq_event1(q, last, "transferred", a3.id);
	assert_int_equal(e.counter, 1);
	assert_int_equal(e.value, 0);
	assert_string_equal(e.detail, "b");
	tq_event1(q, last, "requeued", nt.id);

	TQ_OK(q, hq_queue_call_ticket(q, 1, nt.id, NULL));
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 3, &t));
	e = tq_event1(q, last, "transferred", nt.id);
	assert_int_equal(e.counter, 1);
	assert_int_equal(e.value, 3);
	tq_event1(q, last, "requeued", t.id);

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_call_ticket(q, 3, t.id, NULL));
	TQ_OK(q, hq_queue_noshow(q, 3, NULL));
	expect_ticket_event(q, last, "noshow", &t, 3, "");

	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_cancel(q, a1.id, "走了", NULL));
	e = tq_event1(q, last, "cancelled", a1.id);
	assert_string_equal(e.detail, "走了");

	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_pause(q, 2, "午休"));
	TQ_OK(q, hq_queue_resume(q, 2));
	TQ_OK(q, hq_queue_close_counter(q, 2));
	TQ_OK(q, hq_queue_open_counter(q, 2));
	TQ_OK(q, hq_queue_sign_out(q, 1));
	assert_int_equal(tq_event1(q, last, "counter_paused", 0).counter, 2);
	assert_int_equal(tq_event1(q, last, "counter_resumed", 0).counter, 2);
	assert_int_equal(tq_event1(q, last, "counter_closed", 0).counter, 2);
	assert_int_equal(tq_event1(q, last, "counter_opened", 0).counter, 2);
	assert_int_equal(tq_event1(q, last, "signed_out", 0).counter, 1);
	assert_int_equal(tq_event1(q, last, "counter_paused", 0).ticket_id, 0);
	assert_int_equal(tq_count_events(q, last), 5);
	tq_close(q);
}

/* Ids only grow, and paging with a small max sees every event once. */
static void test_events_paging(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_event all[128], page[3];
	int nall, n, got = 0, i;
	int64_t since = 0, first;

	(void)state;
	for (i = 0; i < 10; i++) {
		tq_issue(q, i % 2 ? "a" : "b", HQ_CLASS_NORMAL);
		if (i % 3 == 0)
			tq_next(q, 3);
	}
	nall = hq_queue_events(q, 0, all, 128);
	/* config_applied + 10 issued + 4 called + 3 finished, at least. */
	assert_true(nall >= 18);
	assert_true(nall < 128);
	for (i = 1; i < nall; i++)
		assert_true(all[i].id > all[i - 1].id);
	assert_int_equal(all[nall - 1].id, hq_queue_last_event_id(q));
	assert_int_equal(tq_events(q, 0, "issued", 0, NULL), 10);
	assert_int_equal(tq_events(q, 0, "called", 0, NULL), 4);
	assert_int_equal(tq_events(q, 0, "config_applied", 0, NULL), 1);
	first = all[0].id;

	for (;;) {
		n = hq_queue_events(q, since, page, 3);
		assert_true(n >= 0 && n <= 3);
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			assert_true(got < nall);
			assert_int_equal(page[i].id, all[got].id);
			assert_string_equal(page[i].type, all[got].type);
			assert_int_equal(page[i].ticket_id, all[got].ticket_id);
			got++;
		}
		since = page[n - 1].id;
	}
	assert_int_equal(got, nall);
	/* From the middle, and past the end. */
	n = hq_queue_events(q, all[4].id, page, 3);
	assert_int_equal(n, 3);
	assert_int_equal(page[0].id, all[5].id);
	assert_int_equal(hq_queue_events(q, hq_queue_last_event_id(q), page, 3), 0);
	assert_int_equal(hq_queue_events(q, first - 1, page, 1), 1);
	assert_int_equal(page[0].id, first);

	/* Ids keep growing after a reopen. */
	q = tq_reopen(q);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	n = hq_queue_events(q, all[nall - 1].id, page, 3);
	assert_int_equal(n, 1);
	assert_true(page[0].id > all[nall - 1].id);
	assert_string_equal(page[0].type, "issued");
	tq_close(q);
}

/* A refused operation appends nothing. */
static void test_events_not_on_refusal(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t last;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	last = hq_queue_last_event_id(q);
	assert_true(hq_queue_issue(q, "nope", HQ_CLASS_NORMAL, NULL) < 0);
	assert_true(hq_queue_call_next(q, 9, NULL) < 0);
	assert_true(hq_queue_recall(q, 1, NULL) < 0);
	assert_true(hq_queue_finish(q, 1, NULL) < 0);
	assert_true(hq_queue_cancel(q, 999, "x", NULL) < 0);
	assert_true(hq_queue_rate(q, 1, 3, NULL) < 0);
	assert_true(hq_queue_pause(q, 9, "x") < 0);
	assert_true(hq_queue_apply_config(q, "[nonsense", "x.ini") < 0);
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_int_equal(tq_count_events(q, last), 0);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_open_without_config),
		TQ_TEST(test_open_bad_path),
		TQ_TEST(test_config_bad_text_keeps_old),
		TQ_TEST(test_config_apply_new),
		TQ_TEST(test_reopen_keeps_everything),
		TQ_TEST(test_durable_and_clock),
		TQ_TEST(test_error_names),
		TQ_TEST(test_enum_names),
		TQ_TEST(test_local_time),
		TQ_TEST(test_counters_initial_state),
		TQ_TEST(test_counter_pause_resume),
		TQ_TEST(test_counter_close_open),
		TQ_TEST(test_sign_in_out),
		TQ_TEST(test_find),
		TQ_TEST(test_state),
		TQ_TEST(test_state_waits_and_since),
		TQ_TEST(test_counter_view),
		TQ_TEST(test_rollover_on_next_operation),
		TQ_TEST(test_rollover_after_refused_first_operation),
		TQ_TEST(test_rollover_explicit),
		TQ_TEST(test_rollover_seen_by_state),
		TQ_TEST(test_readonly_never_rolls_over),
		TQ_TEST(test_readonly_open_errors),
		TQ_TEST(test_close_day),
		TQ_TEST(test_events_each_operation),
		TQ_TEST(test_events_paging),
		TQ_TEST(test_events_not_on_refusal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
