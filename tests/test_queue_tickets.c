/*
 * Unit tests of the queue's ticket operations, written from docs/queue.md and
 * queue/hq_queue.h rather than from the implementation: issuing (labels, numbering, classes,
 * hours, caps), the call order (class, ratio, service order, place), calling a number,
 * recall and no-show, start and finish, transfers, park and unpark, cancel and rating, with
 * every refusal the API documents. Each test opens a fresh database on the small test hall
 * (tests/support.c) with the fake clock at Monday 2026-11-23 09:00.
 */
#include "test_queue.h"

/* ---- issue --------------------------------------------------------------------------- */

static void test_issue_labels_and_fields(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t t0 = ts_clock_ms;
	struct hq_ticket a1, a2, b1, a3;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_string_equal(a1.label, "A001");
	assert_int_equal(a1.number, 1);
	assert_string_equal(a1.service, "a");
	assert_string_equal(a1.day, "2026-11-23");
	assert_int_equal(a1.cls, HQ_CLASS_NORMAL);
	assert_int_equal(a1.state, HQ_T_WAITING);
	assert_true(a1.id > 0);
	assert_int_equal(a1.parent_id, 0);
	assert_int_equal(a1.counter, 0);
	assert_int_equal(a1.target_counter, 0);
	assert_int_equal(a1.recalls, 0);
	assert_int_equal(a1.rating, 0);
	assert_string_equal(a1.clerk, "");
	assert_int_equal(a1.issued_at, t0);
	assert_int_equal(a1.queued_at, t0);
	assert_int_equal(a1.called_at, 0);
	assert_int_equal(a1.started_at, 0);
	assert_int_equal(a1.ended_at, 0);

	ts_advance_s(30);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_string_equal(a2.label, "A002");
	assert_int_equal(a2.number, 2);
	assert_true(a2.id != a1.id);
	assert_int_equal(a2.issued_at, t0 + 30000);

	/* Each service numbers its own tickets. */
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	assert_string_equal(b1.label, "B001");
	assert_string_equal(b1.service, "b");
	a3 = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	assert_string_equal(a3.label, "A003");

	/* What issue returned is what the database keeps. */
	a2 = tq_get(q, a2.id);
	assert_string_equal(a2.label, "A002");
	assert_int_equal(a2.state, HQ_T_WAITING);
	assert_int_equal(a2.number, 2);
	tq_close(q);
}

static const char *hall_one_service(const char *numbers, const char *extra)
{
	static char ini[1024];

	snprintf(ini, sizeof ini,
		 "[hall]\nname = 测试\n"
		 "[service a]\nname = 甲\nprefix = A\nnumbers = %s\n"
		 "hours = 08:00-18:00\ndays = mon-sun\n%s"
		 "[counter 1]\nservices = a\n",
		 numbers, extra ? extra : "");
	return ini;
}

/* The number is zero-padded to the width of the range's last number. */
static void test_issue_padding_width(void **state)
{
	struct hq_queue *q;

	(void)state;
	q = tq_open(hall_one_service("1-9999", NULL));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A0001");
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A0002");
	tq_close(q);

	/* Numbering starts at the range's first number. */
	q = tq_open(hall_one_service("100-999", NULL));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A100");
	assert_int_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).number, 101);
	tq_close(q);
}

/* docs/queue.md: padded to the width of the range's last number, at least three digits. */
static void test_issue_padding_two_digits(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket g;

	(void)state;
	g = tq_issue(q, "g", HQ_CLASS_NORMAL);
	assert_int_equal(g.number, 1);
	assert_string_equal(g.label, "G001");
	tq_close(q);

	q = tq_open(hall_one_service("1-9", NULL));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	tq_close(q);
}

static void test_issue_classes(void **state)
{
	struct hq_queue *q = tq_open(NULL);

	(void)state;
	assert_int_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).cls, HQ_CLASS_NORMAL);
	assert_int_equal(tq_issue(q, "a", HQ_CLASS_PRIORITY).cls, HQ_CLASS_PRIORITY);
	assert_int_equal(tq_issue(q, "b", HQ_CLASS_PRIORITY).cls, HQ_CLASS_PRIORITY);
	/* Every ticket of a priority-lane service is priority, whatever was asked. */
	assert_int_equal(tq_issue(q, "g", HQ_CLASS_NORMAL).cls, HQ_CLASS_PRIORITY);
	assert_int_equal(tq_issue(q, "g", HQ_CLASS_PRIORITY).cls, HQ_CLASS_PRIORITY);
	/* ... and counts as priority waiting. */
	assert_int_equal(tq_service(q, "g").waiting, 2);
	assert_int_equal(tq_service(q, "g").waiting_priority, 2);
	assert_int_equal(tq_service(q, "a").waiting, 2);
	assert_int_equal(tq_service(q, "a").waiting_priority, 1);
	tq_close(q);
}

static void test_issue_people_ahead(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket t[4], p, n, b;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i] = tq_issue(q, "a", HQ_CLASS_NORMAL);
		assert_int_equal(t[i].people_ahead, i);
		assert_true(t[i].est_wait_s >= 0);
		if (i)
			assert_true(t[i].est_wait_s >= t[i - 1].est_wait_s);
	}
	/* A priority ticket is called before the normal ones: nobody is ahead of it. */
	p = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	assert_int_equal(p.people_ahead, 0);
	assert_true(p.est_wait_s <= t[3].est_wait_s);
	/* A normal ticket has the four normal and the priority one ahead. */
	n = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_int_equal(n.people_ahead, 5);
	assert_true(n.est_wait_s >= t[3].est_wait_s);
	/* Another service's queue is not ahead. */
	b = tq_issue(q, "b", HQ_CLASS_NORMAL);
	assert_int_equal(b.people_ahead, 0);

	/* Called tickets are no longer ahead. */
	tq_next(q, 1); /* the priority one */
	tq_next(q, 2); /* A001 */
	n = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_int_equal(n.people_ahead, 4);
	/* The kept value is the one at issue. */
	assert_int_equal(tq_get(q, t[3].id).people_ahead, 3);
	tq_close(q);
}

static void test_issue_unknown_service(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t last = hq_queue_last_event_id(q);

	(void)state;
	TQ_ERR(q, HQ_ENOSERVICE, hq_queue_issue(q, "zz9", HQ_CLASS_NORMAL, NULL));
	assert_non_null(strstr(hq_queue_errmsg(q), "zz9"));
	TQ_ERR(q, HQ_ENOSERVICE, hq_queue_issue(q, "A", HQ_CLASS_NORMAL, NULL));
	/* A refusal changes nothing: no event, no number used. */
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	assert_string_equal(hq_queue_errmsg(q), "");
	tq_close(q);
}

static void test_issue_invalid_class(void **state)
{
	struct hq_queue *q = tq_open(NULL);

	(void)state;
	TQ_ERR(q, HQ_EINVAL, hq_queue_issue(q, "a", (enum hq_class)7, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_issue(q, "a", (enum hq_class)-1, NULL));
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	tq_close(q);
}

static void test_issue_outside_hours(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t last;

	(void)state;
	tq_at(7, 59);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	tq_at(8, 0);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	tq_at(17, 59);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A002");
	/* Periods are [open, close): at 18:00 the hall is shut. */
	tq_at(18, 0);
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "g", HQ_CLASS_PRIORITY, NULL));
	tq_at(23, 30);
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "b", HQ_CLASS_NORMAL, NULL));
	tq_close(q);
}

static void test_issue_wrong_weekday_and_lunch(void **state)
{
	struct hq_queue *q = tq_open(
		"[hall]\nname = 测试\n"
		"[service a]\nname = 甲\nprefix = A\nnumbers = 1-999\n"
		"hours = 08:30-12:00, 13:30-17:00\ndays = mon-fri\n"
		"[service w]\nname = 周末\nprefix = W\nnumbers = 1-999\n"
		"hours = 09:00-12:00\ndays = sat, sun\n"
		"[counter 1]\nservices = a, w\n");

	(void)state;
	/* Monday. */
	tq_at(8, 29);
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	tq_at(9, 0);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "w", HQ_CLASS_NORMAL, NULL));
	tq_at(12, 30); /* lunch */
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	tq_at(13, 30);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A002");
	/* Friday 2026-11-27: a only. */
	ts_clock_ms = ts_local(2026, 11, 27, 10, 0);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "w", HQ_CLASS_NORMAL, NULL));
	/* Saturday 2026-11-28: w only. */
	ts_clock_ms = ts_local(2026, 11, 28, 10, 0);
	TQ_ERR(q, HQ_ECLOSED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	assert_string_equal(tq_issue(q, "w", HQ_CLASS_NORMAL).label, "W001");
	tq_close(q);
}

static void test_issue_daily_cap(void **state)
{
	struct hq_queue *q = tq_open(hall_one_service("1-999", "daily_cap = 3\n"));
	struct hq_ticket t;
	int64_t last;

	(void)state;
	t = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_false(tq_service(q, "a").at_cap);
	tq_issue(q, "a", HQ_CLASS_PRIORITY);
	assert_true(tq_service(q, "a").at_cap);
	assert_int_equal(tq_service(q, "a").issued_today, 3);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ECAP, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	TQ_ERR(q, HQ_ECAP, hq_queue_issue(q, "a", HQ_CLASS_PRIORITY, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	/* A cancelled ticket still used its number. */
	TQ_OK(q, hq_queue_cancel(q, t.id, "left", NULL));
	TQ_ERR(q, HQ_ECAP, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	/* The next day the cap starts again. */
	ts_clock_ms = ts_local(2026, 11, 24, 9, 0);
	assert_string_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).label, "A001");
	assert_false(tq_service(q, "a").at_cap);
	tq_close(q);
}

static void test_issue_range_exhausted(void **state)
{
	struct hq_queue *q = tq_open(hall_one_service("1-3", NULL));
	struct hq_ticket t;

	(void)state;
	assert_int_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).number, 1);
	assert_int_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).number, 2);
	t = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_int_equal(t.number, 3);
	TQ_ERR(q, HQ_EEXHAUSTED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	/* Served or not, a number is never issued twice on one day. */
	tq_next(q, 1);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	TQ_ERR(q, HQ_EEXHAUSTED, hq_queue_issue(q, "a", HQ_CLASS_NORMAL, NULL));
	assert_true(tq_service(q, "a").at_cap);
	ts_clock_ms = ts_local(2026, 11, 24, 8, 0);
	assert_int_equal(tq_issue(q, "a", HQ_CLASS_NORMAL).number, 1);
	tq_close(q);
}

static void test_issue_numbering_restarts_next_day(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket old1, t;
	int64_t id;

	(void)state;
	old1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	ts_clock_ms = ts_local(2026, 11, 24, 8, 30);
	t = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_string_equal(t.label, "A001");
	assert_int_equal(t.number, 1);
	assert_string_equal(t.day, "2026-11-24");
	assert_true(t.id != old1.id);
	/* Yesterday's tickets are not ahead. */
	assert_int_equal(t.people_ahead, 0);
	assert_string_equal(tq_issue(q, "b", HQ_CLASS_NORMAL).label, "B001");
	/* The label finds today's ticket. */
	TQ_OK(q, hq_queue_find(q, "A001", &id));
	assert_int_equal(id, t.id);
	/* The old one still exists, with its day. */
	assert_string_equal(tq_get(q, old1.id).day, "2026-11-23");
	tq_close(q);
}

/* ---- call next ----------------------------------------------------------------------- */

static void test_call_next_fifo(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, a3, c;
	int64_t t_call;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(10);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(10);
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(60);
	t_call = ts_clock_ms;
	c = tq_next(q, 1);
	assert_int_equal(c.id, a1.id);
	assert_string_equal(c.label, "A001");
	assert_int_equal(c.state, HQ_T_CALLED);
	assert_int_equal(c.counter, 1);
	assert_int_equal(c.called_at, t_call);
	assert_int_equal(tq_get(q, a1.id).state, HQ_T_CALLED);
	assert_int_equal(tq_counter(q, 1).current.id, a1.id);

	ts_advance_s(60);
	c = tq_next(q, 1);
	assert_int_equal(c.id, a2.id);
	/* The counter's previous ticket was finished by the call. */
	c = tq_get(q, a1.id);
	assert_int_equal(c.state, HQ_T_DONE);
	assert_int_equal(c.ended_at, ts_clock_ms);
	assert_string_equal(tq_next_label(q, 1), "A003");
	assert_int_equal(tq_get(q, a2.id).state, HQ_T_DONE);
	assert_int_equal(tq_get(q, a3.id).state, HQ_T_CALLED);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	tq_close(q);
}

/* Within a class the counter's services list decides, first to last. */
static void test_call_next_service_order(void **state)
{
	struct hq_queue *q = tq_open(NULL);

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A001, older */
	ts_advance_s(10);
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B001 */
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B002 */
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A002 */
	/* Counter 3 serves b, a: b first even though A001 is older. */
	assert_string_equal(tq_next_label(q, 3), "B001");
	/* Counter 2 serves a, b. */
	assert_string_equal(tq_next_label(q, 2), "A001");
	assert_string_equal(tq_next_label(q, 3), "B002");
	assert_string_equal(tq_next_label(q, 3), "A002");
	/* Counter 1 serves only a: b waits, but not for it. */
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	assert_string_equal(tq_next_label(q, 2), "B003");
	tq_close(q);
}

static void test_call_next_priority_first(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket g;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);   /* A001 */
	tq_issue(q, "b", HQ_CLASS_NORMAL);   /* B001 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A002 */
	/* Class comes before service order: counter 3 (b, a) takes priority A002. */
	assert_string_equal(tq_next_label(q, 3), "A002");
	assert_string_equal(tq_next_label(q, 3), "B001");

	/* Counter 4 serves g, a, b: green channel first, then the services in order. */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A003 */
	g = tq_issue(q, "g", HQ_CLASS_NORMAL); /* priority lane */
	tq_issue(q, "b", HQ_CLASS_PRIORITY); /* B002 */
	assert_int_equal(tq_next(q, 4).id, g.id);
	assert_string_equal(tq_next_label(q, 4), "A003");
	/* Two priority calls in a row at counter 4 (priority_ratio = 2): a normal one. */
	assert_string_equal(tq_next_label(q, 4), "A001");
	assert_string_equal(tq_next_label(q, 4), "B002");
	tq_close(q);
}

/* priority_ratio = 2: after two priority calls in a row this counter takes a normal one. */
static void test_call_next_priority_ratio(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	const char *want[] = { "A003", "A004", "A001", "A005", "A006", "A002", "A007" };
	size_t i;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);   /* A001 */
	tq_issue(q, "a", HQ_CLASS_NORMAL);   /* A002 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A003 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A004 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A005 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A006 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A007 */
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(tq_next_label(q, 1), want[i]);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	tq_close(q);
}

/* With no normal ticket waiting, priority keeps going; the run is per counter. */
static void test_call_next_ratio_per_counter(void **state)
{
	struct hq_queue *q = tq_open(NULL);

	(void)state;
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A001 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A002 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A003 */
	assert_string_equal(tq_next_label(q, 1), "A001");
	assert_string_equal(tq_next_label(q, 1), "A002");
	/* Nothing normal waits: a third priority call. */
	assert_string_equal(tq_next_label(q, 1), "A003");

	tq_issue(q, "a", HQ_CLASS_NORMAL);   /* A004 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A005 */
	tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A006 */
	/* Counter 2 has made no priority calls: priority first. */
	assert_string_equal(tq_next_label(q, 2), "A005");
	/* Counter 1's last two calls were priority: the normal one. */
	assert_string_equal(tq_next_label(q, 1), "A004");
	/* A normal call ends the run: priority again. */
	assert_string_equal(tq_next_label(q, 1), "A006");
	tq_close(q);
}

static void test_call_next_ratio_zero_strict(void **state)
{
	struct hq_queue *q = tq_open(
		"[hall]\nname = 测试\npriority_ratio = 0\n"
		"[service a]\nname = 甲\nprefix = A\nnumbers = 1-999\n"
		"hours = 08:00-18:00\ndays = mon-sun\n"
		"[counter 1]\nservices = a\n");
	int i;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A001 */
	for (i = 0; i < 5; i++)
		tq_issue(q, "a", HQ_CLASS_PRIORITY); /* A002..A006 */
	for (i = 0; i < 5; i++)
		assert_int_equal(tq_next(q, 1).cls, HQ_CLASS_PRIORITY);
	assert_string_equal(tq_next_label(q, 1), "A001");
	tq_close(q);
}

static void test_call_next_empty(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t last;

	(void)state;
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	/* Waiting for services counter 1 does not serve. */
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	tq_issue(q, "g", HQ_CLASS_PRIORITY);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	assert_int_equal(tq_service(q, "b").waiting, 1);
	assert_int_equal(tq_service(q, "g").waiting, 1);
	tq_close(q);
}

static void test_call_next_counter_refusals(void **state)
{
	struct hq_queue *q = tq_open(NULL);

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_call_next(q, 99, NULL));
	assert_non_null(strstr(hq_queue_errmsg(q), "99"));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_call_next(q, 0, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_call_next(q, -1, NULL));
	TQ_OK(q, hq_queue_pause(q, 1, "午休"));
	TQ_ERR(q, HQ_EPAUSED, hq_queue_call_next(q, 1, NULL));
	TQ_OK(q, hq_queue_close_counter(q, 2));
	TQ_ERR(q, HQ_ECTRCLOSED, hq_queue_call_next(q, 2, NULL));
	/* Nothing was called by the refusals. */
	assert_int_equal(tq_service(q, "a").waiting, 1);
	assert_string_equal(tq_next_label(q, 3), "A001");
	tq_close(q);
}

static void test_call_next_finishes_serving(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;
	int64_t t_start;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	ts_advance_s(30);
	t_start = ts_clock_ms;
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	ts_advance_s(300);
	assert_string_equal(tq_next_label(q, 1), "A002");
	t = tq_get(q, a1.id);
	assert_int_equal(t.state, HQ_T_DONE);
	assert_int_equal(t.started_at, t_start);
	assert_int_equal(t.ended_at, ts_clock_ms);
	tq_close(q);
}

/* Two counters never get one ticket, and every ticket is called once. */
static void test_call_next_no_double_call(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	int64_t seen[40];
	int n = 0, i, j, c, rc;
	struct hq_ticket t;

	(void)state;
	for (i = 0; i < 10; i++) {
		tq_issue(q, "a", HQ_CLASS_NORMAL);
		tq_issue(q, "b", i % 3 ? HQ_CLASS_NORMAL : HQ_CLASS_PRIORITY);
		tq_issue(q, "g", HQ_CLASS_NORMAL);
	}
	for (i = 0; n < 30 && i < 200; i++) {
		c = 1 + i % 4;
		rc = hq_queue_call_next(q, c, &t);
		if (rc == HQ_EEMPTY)
			continue;
		TQ_OK(q, rc);
		assert_int_equal(t.counter, c);
		for (j = 0; j < n; j++)
			assert_true(seen[j] != t.id);
		seen[n++] = t.id;
	}
	assert_int_equal(n, 30);
	for (c = 1; c <= 4; c++)
		TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, c, NULL));
	tq_close(q);
}

/* ---- call a number ------------------------------------------------------------------- */

static void test_call_ticket_out_of_order(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a3, b1, t;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_call_ticket(q, 1, a3.id, &t));
	assert_int_equal(t.id, a3.id);
	assert_int_equal(t.state, HQ_T_CALLED);
	assert_int_equal(t.counter, 1);
	assert_int_equal(tq_counter(q, 1).current.id, a3.id);
	/* Any counter, even one that does not serve the ticket's service. */
	TQ_OK(q, hq_queue_call_ticket(q, 1, b1.id, &t));
	assert_int_equal(t.id, b1.id);
	assert_int_equal(t.counter, 1);
	/* The counter's current ticket was finished first. */
	assert_int_equal(tq_tstate(q, a3.id), HQ_T_DONE);
	/* The queue goes on in order. */
	assert_int_equal(tq_next(q, 1).id, a1.id);
	assert_int_equal(tq_tstate(q, b1.id), HQ_T_DONE);
	assert_string_equal(tq_next_label(q, 1), "A002");
	tq_close(q);
}

static void test_call_ticket_parked(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	TQ_OK(q, hq_queue_park(q, 1, NULL));
	/* Another counter may call the parked ticket by number. */
	TQ_OK(q, hq_queue_call_ticket(q, 2, a1.id, &t));
	assert_int_equal(t.state, HQ_T_CALLED);
	assert_int_equal(t.counter, 2);
	assert_int_equal(tq_counter(q, 2).current.id, a1.id);
	tq_close(q);
}

static void test_call_ticket_refusals(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, a3, a4;
	int64_t last;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a4 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);           /* A001 called at 1 */
	tq_next(q, 2);           /* A002 called at 2 */
	TQ_OK(q, hq_queue_finish(q, 2, NULL)); /* A002 done */
	TQ_OK(q, hq_queue_cancel(q, a3.id, "left", NULL));
	TQ_OK(q, hq_queue_pause(q, 3, "break"));
	TQ_OK(q, hq_queue_close_counter(q, 4));
	last = hq_queue_last_event_id(q);
	/* Called elsewhere. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_call_ticket(q, 2, a1.id, NULL));
	/* Done, cancelled. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_call_ticket(q, 2, a2.id, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_call_ticket(q, 2, a3.id, NULL));
	/* Its own current ticket is not waiting either. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_call_ticket(q, 1, a1.id, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_call_ticket(q, 2, 9999, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_call_ticket(q, 42, a4.id, NULL));
	/* A paused or closed counter makes no new calls. */
	TQ_ERR(q, HQ_EPAUSED, hq_queue_call_ticket(q, 3, a4.id, NULL));
	TQ_ERR(q, HQ_ECTRCLOSED, hq_queue_call_ticket(q, 4, a4.id, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	/* The refused calls changed nothing. */
	assert_int_equal(tq_get(q, a1.id).counter, 1);
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_CALLED);
	assert_int_equal(tq_tstate(q, a4.id), HQ_T_WAITING);
	assert_int_equal(tq_counter(q, 1).current.id, a1.id);
	tq_close(q);
}

/* ---- a number typed at the counter ---------------------------------------------------- */

static int64_t tq_find_number(struct hq_queue *q, int counter, int number)
{
	int64_t id = -1;

	TQ_OK(q, hq_queue_find_number(q, counter, number, &id));
	return id;
}

/* The counter's services in its order, newest first within one; called tickets are not
 * found, nor tickets of services the counter does not serve. */
static void test_find_number_service_order(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, b1, a2, b2, b3;
	int64_t last, id = 0;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	b2 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	b3 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	last = hq_queue_last_event_id(q);
	/* Counter 2 serves a, b; counter 3 b, a; counter 1 only a. */
	assert_int_equal(tq_find_number(q, 2, 1), a1.id);
	assert_int_equal(tq_find_number(q, 3, 1), b1.id);
	assert_int_equal(tq_find_number(q, 1, 1), a1.id);
	assert_int_equal(tq_find_number(q, 2, 2), a2.id);
	assert_int_equal(tq_find_number(q, 3, 2), b2.id);
	assert_int_equal(tq_find_number(q, 2, 3), b3.id);
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 1, 3, &id));
	assert_string_equal(hq_queue_errmsg(q), "no waiting ticket 3 for counter 1");
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 2, 4, &id));
	/* Finding changes nothing. */
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_int_equal(tq_tstate(q, b1.id), HQ_T_WAITING);

	/* Once called, B001 is not waiting: counter 3 finds A001 instead. */
	TQ_OK(q, hq_queue_call_ticket(q, 3, tq_find_number(q, 3, 1), NULL));
	assert_int_equal(tq_counter(q, 3).current.id, b1.id);
	assert_int_equal(tq_find_number(q, 3, 1), a1.id);
	TQ_OK(q, hq_queue_call_ticket(q, 2, a1.id, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 2, 1, &id));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 3, 1, &id));
	tq_close(q);
}

/* Tickets sent to this counter or parked at it come before the counter's services; a
 * ticket sent to another counter is not this counter's to call. */
static void test_find_number_targeted_and_parked(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, b1, a2, b2, nt;
	int64_t id = 0;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b2 = tq_issue(q, "b", HQ_CLASS_NORMAL);

	/* Parked at counter 3 (b, a): A001 comes before its own service's B001. */
	TQ_OK(q, hq_queue_call_ticket(q, 3, a1.id, NULL));
	TQ_OK(q, hq_queue_park(q, 3, NULL));
	assert_int_equal(tq_find_number(q, 3, 1), a1.id);
	/* Other counters find a parked ticket of their services too. */
	assert_int_equal(tq_find_number(q, 1, 1), a1.id);
	assert_int_equal(tq_find_number(q, 2, 1), a1.id);

	/* B002 sent to counter 1, which does not serve b: found there before A002. */
	TQ_OK(q, hq_queue_call_ticket(q, 2, b2.id, NULL));
	TQ_OK(q, hq_queue_transfer_counter(q, 2, 1, &nt));
	assert_int_equal(tq_find_number(q, 1, 2), nt.id);
	/* Counters 2 and 3 serve b, but B002 now waits for counter 1 only. */
	assert_int_equal(tq_find_number(q, 2, 2), a2.id);
	assert_int_equal(tq_find_number(q, 3, 2), a2.id);
	TQ_OK(q, hq_queue_call_ticket(q, 1, tq_find_number(q, 1, 2), NULL));
	assert_int_equal(tq_get(q, nt.id).state, HQ_T_CALLED);
	assert_int_equal(tq_get(q, nt.id).counter, 1);

	/* Unparked for counter 3: still counter 3's first, and no longer counter 1's. */
	TQ_OK(q, hq_queue_unpark(q, a1.id, NULL));
	assert_int_equal(tq_find_number(q, 3, 1), a1.id);
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 1, 1, &id));
	/* Counter 4 (g, a, b) finds B001 waiting in b once A002 is called. */
	assert_int_equal(tq_find_number(q, 4, 2), a2.id);
	TQ_OK(q, hq_queue_call_ticket(q, 4, a2.id, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 4, 2, &id));
	assert_int_equal(tq_find_number(q, 4, 1), b1.id);
	tq_close(q);
}

/* Two tickets of one service with one number (a transfer keeps its number): the newest. */
static void test_find_number_newest(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, b1, nt;
	int64_t id = 0;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_call_ticket(q, 3, b1.id, NULL));
	TQ_OK(q, hq_queue_transfer_service(q, 3, "a", &nt));
	assert_string_equal(nt.label, "B001");
	assert_int_equal(nt.number, 1);
	assert_true(nt.id > a1.id);
	assert_int_equal(tq_find_number(q, 1, 1), nt.id);
	TQ_OK(q, hq_queue_cancel(q, nt.id, "left", NULL));
	assert_int_equal(tq_find_number(q, 1, 1), a1.id);

	/* Refusals. */
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_find_number(q, 42, 1, &id));
	TQ_ERR(q, HQ_EINVAL, hq_queue_find_number(q, 1, -1, &id));

	/* Yesterday's numbers are not today's. */
	ts_clock_ms += 24 * 3600 * 1000LL;
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_find_number(q, 1, 1, &id));
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_string_equal(a1.day, "2026-11-24");
	assert_int_equal(tq_find_number(q, 1, 1), a1.id);
	tq_close(q);
}

/* ---- recall, no-show, start, finish -------------------------------------------------- */

static void test_recall_then_noshow(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;
	int64_t called_at;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(60);
	called_at = ts_clock_ms;
	tq_next(q, 1);
	ts_advance_s(30);
	TQ_OK(q, hq_queue_recall(q, 1, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.recalls, 1);
	assert_int_equal(t.state, HQ_T_CALLED);
	/* The wait counts to the first call. */
	assert_int_equal(t.called_at, called_at);
	ts_advance_s(30);
	TQ_OK(q, hq_queue_recall(q, 1, &t));
	assert_int_equal(t.recalls, 2);
	assert_int_equal(tq_get(q, a1.id).recalls, 2);
	assert_int_equal(tq_get(q, a1.id).state, HQ_T_CALLED);
	/* noshow_after_recalls = 2: the third recall marks it no-show. */
	ts_advance_s(30);
	TQ_OK(q, hq_queue_recall(q, 1, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_NOSHOW);
	t = tq_get(q, a1.id);
	assert_int_equal(t.state, HQ_T_NOSHOW);
	assert_int_equal(t.ended_at, ts_clock_ms);
	assert_int_equal(tq_counter(q, 1).current.id, 0);
	TQ_ERR(q, HQ_EIDLE, hq_queue_recall(q, 1, NULL));
	tq_close(q);
}

static void test_recall_never_noshow_with_zero(void **state)
{
	struct hq_queue *q = tq_open(hall_one_service("1-999", NULL)); /* default: 0 */
	struct hq_ticket t;
	int i;

	(void)state;
	assert_int_equal(hq_queue_config(q)->noshow_after_recalls, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	for (i = 1; i <= 6; i++) {
		TQ_OK(q, hq_queue_recall(q, 1, &t));
		assert_int_equal(t.recalls, i);
		assert_int_equal(t.state, HQ_T_CALLED);
	}
	tq_close(q);
}

static void test_recall_refusals(void **state)
{
	struct hq_queue *q = tq_open(NULL);

	(void)state;
	TQ_ERR(q, HQ_EIDLE, hq_queue_recall(q, 1, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_recall(q, 77, NULL));
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	/* The citizen is at the counter: no recall. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_recall(q, 1, NULL));
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	TQ_ERR(q, HQ_EIDLE, hq_queue_recall(q, 1, NULL));
	tq_close(q);
}

static void test_noshow(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_EIDLE, hq_queue_noshow(q, 1, NULL));
	tq_next(q, 1);
	ts_advance_s(90);
	TQ_OK(q, hq_queue_noshow(q, 1, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_NOSHOW);
	assert_int_equal(t.ended_at, ts_clock_ms);
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_NOSHOW);
	assert_int_equal(tq_counter(q, 1).current.id, 0);
	TQ_ERR(q, HQ_EIDLE, hq_queue_noshow(q, 1, NULL));
	/* A no-show is final: not called again. */
	assert_string_equal(tq_next_label(q, 1), "A002");
	/* Serving: the citizen came, so no no-show. */
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_noshow(q, 1, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_noshow(q, 5, NULL));
	tq_close(q);
}

static void test_start_finish(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;
	int64_t t_start;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_EIDLE, hq_queue_start(q, 1, NULL));
	TQ_ERR(q, HQ_EIDLE, hq_queue_finish(q, 1, NULL));
	tq_next(q, 1);
	ts_advance_s(20);
	t_start = ts_clock_ms;
	TQ_OK(q, hq_queue_start(q, 1, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_SERVING);
	assert_int_equal(t.started_at, t_start);
	assert_int_equal(tq_counter(q, 1).current.id, a1.id);
	assert_int_equal(tq_counter(q, 1).current.state, HQ_T_SERVING);
	/* Start twice is refused. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_start(q, 1, NULL));
	assert_int_equal(tq_get(q, a1.id).started_at, t_start);
	ts_advance_s(600);
	TQ_OK(q, hq_queue_finish(q, 1, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_DONE);
	assert_int_equal(t.ended_at, ts_clock_ms);
	assert_int_equal(tq_get(q, a1.id).state, HQ_T_DONE);
	assert_int_equal(tq_counter(q, 1).current.id, 0);
	TQ_ERR(q, HQ_EIDLE, hq_queue_finish(q, 1, NULL));
	TQ_ERR(q, HQ_EIDLE, hq_queue_start(q, 1, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_start(q, 9, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_finish(q, 9, NULL));
	tq_close(q);
}

static void test_finish_from_called(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 2);
	ts_advance_s(120);
	TQ_OK(q, hq_queue_finish(q, 2, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_DONE);
	assert_int_equal(t.started_at, 0);
	assert_int_equal(t.ended_at, ts_clock_ms);
	assert_int_equal(tq_counter(q, 2).current.id, 0);
	tq_close(q);
}

/* ---- transfers ----------------------------------------------------------------------- */

static void test_transfer_service(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, nt, old;
	int64_t t_tr;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_PRIORITY);
	tq_next(q, 1);
	ts_advance_s(120);
	t_tr = ts_clock_ms;
	memset(&nt, 0, sizeof nt);
	TQ_OK(q, hq_queue_transfer_service(q, 1, "b", &nt));
	assert_true(nt.id > 0);
	assert_true(nt.id != a1.id);
	assert_int_equal(nt.parent_id, a1.id);
	assert_string_equal(nt.label, "A001");
	assert_string_equal(nt.service, "b");
	assert_int_equal(nt.cls, HQ_CLASS_PRIORITY);
	assert_int_equal(nt.state, HQ_T_WAITING);
	assert_int_equal(nt.target_counter, 0);
	/* Its wait counts from the transfer. */
	assert_int_equal(nt.queued_at, t_tr);
	assert_int_equal(nt.called_at, 0);

	old = tq_get(q, a1.id);
	assert_int_equal(old.state, HQ_T_TRANSFERRED);
	assert_int_equal(old.ended_at, t_tr);
	assert_int_equal(tq_counter(q, 1).current.id, 0);
	/* The stored copy agrees. */
	assert_int_equal(tq_get(q, nt.id).parent_id, a1.id);
	assert_string_equal(tq_get(q, nt.id).service, "b");
	assert_int_equal(tq_service(q, "b").waiting, 1);
	assert_int_equal(tq_service(q, "b").waiting_priority, 1);
	assert_int_equal(tq_service(q, "a").waiting, 0);
	/* A transfer is not a new number: b's numbering is untouched. */
	assert_string_equal(tq_issue(q, "b", HQ_CLASS_NORMAL).label, "B001");
	/* Counter 1 (a only) no longer sees it; counter 3 (b, a) calls it. */
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	assert_int_equal(tq_next(q, 3).id, nt.id);
	tq_close(q);
}

/* The new ticket keeps the original's place: before tickets issued after the original. */
static void test_transfer_service_keeps_place(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket nt;

	(void)state;
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B001 */
	ts_advance_s(10);
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A001 */
	ts_advance_s(10);
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B002 */
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B003 */
	ts_advance_s(60);
	assert_string_equal(tq_next_label(q, 1), "A001");
	ts_advance_s(60);
	TQ_OK(q, hq_queue_transfer_service(q, 1, "b", &nt));
	ts_advance_s(10);
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B004 */
	assert_string_equal(tq_next_label(q, 3), "B001");
	assert_int_equal(tq_next(q, 3).id, nt.id);
	assert_string_equal(tq_next_label(q, 3), "B002");
	assert_string_equal(tq_next_label(q, 3), "B003");
	assert_string_equal(tq_next_label(q, 3), "B004");
	tq_close(q);
}

static void test_transfer_counter(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, nt;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 2, &nt));
	assert_int_equal(nt.parent_id, a1.id);
	assert_string_equal(nt.label, "A001");
	assert_string_equal(nt.service, "a");
	assert_int_equal(nt.target_counter, 2);
	assert_int_equal(nt.state, HQ_T_WAITING);
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_TRANSFERRED);
	/* Only counter 2 may call it: not 1, 3 or 4, though they serve a. */
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 1, NULL));
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 3, NULL));
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 4, NULL));
	/* A later ticket of a goes to the others. */
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_string_equal(tq_next_label(q, 3), "A002");
	a1 = tq_next(q, 2);
	assert_int_equal(a1.id, nt.id);
	assert_int_equal(a1.counter, 2);
	tq_close(q);
}

/* Targeted tickets and the service queues are one order for the counter: oldest first. */
static void test_transfer_counter_oldest_across_both(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a3, a4, b1, nt1, nt3, nt4;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A002 */
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_int_equal(tq_next(q, 1).id, a1.id);
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 3, &nt1));
	/* The targeted ticket has A001's place, older than A002. */
	assert_int_equal(tq_next(q, 3).id, nt1.id);

	/* A targeted ticket with a newer place waits behind an older one of the service. */
	TQ_OK(q, hq_queue_call_ticket(q, 1, a3.id, NULL));
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 3, &nt3));
	assert_string_equal(tq_next_label(q, 3), "A002");
	assert_int_equal(tq_next(q, 3).id, nt3.id);

	/* Class first: a targeted normal ticket waits behind a priority one. */
	a4 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_call_ticket(q, 1, a4.id, NULL));
	TQ_OK(q, hq_queue_transfer_counter(q, 1, 3, &nt4));
	b1 = tq_issue(q, "b", HQ_CLASS_PRIORITY);
	assert_int_equal(tq_next(q, 3).id, b1.id);
	assert_int_equal(tq_next(q, 3).id, nt4.id);
	TQ_ERR(q, HQ_EEMPTY, hq_queue_call_next(q, 3, NULL));
	tq_close(q);
}

static void test_transfer_refusals(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1;
	int64_t last;

	(void)state;
	TQ_ERR(q, HQ_EIDLE, hq_queue_transfer_service(q, 1, "b", NULL));
	TQ_ERR(q, HQ_EIDLE, hq_queue_transfer_counter(q, 1, 2, NULL));
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ENOSERVICE, hq_queue_transfer_service(q, 1, "nope", NULL));
	assert_non_null(strstr(hq_queue_errmsg(q), "nope"));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_transfer_counter(q, 1, 12, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_transfer_service(q, 12, "b", NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_transfer_counter(q, 12, 1, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	/* Nothing moved. */
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_CALLED);
	assert_int_equal(tq_counter(q, 1).current.id, a1.id);
	assert_int_equal(tq_service(q, "b").waiting, 0);
	tq_close(q);
}

/* ---- park and unpark ----------------------------------------------------------------- */

static void test_park_unpark(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, t;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(10);
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A002 */
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A003 */
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A004 */
	tq_next(q, 1);
	TQ_OK(q, hq_queue_park(q, 1, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_PARKED);
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_PARKED);
	assert_int_equal(tq_counter(q, 1).current.id, 0);
	/* Parked is not waiting. */
	assert_int_equal(tq_service(q, "a").waiting, 3);
	assert_string_equal(tq_next_label(q, 1), "A002");

	TQ_OK(q, hq_queue_unpark(q, a1.id, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_WAITING);
	assert_int_equal(t.target_counter, 1);
	assert_int_equal(tq_tstate(q, a1.id), HQ_T_WAITING);
	/* It waits for counter 1 only... */
	assert_string_equal(tq_next_label(q, 2), "A003");
	/* ...in its original place, ahead of A004. */
	t = tq_next(q, 1);
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.counter, 1);
	assert_string_equal(tq_next_label(q, 1), "A004");
	tq_close(q);
}

static void test_park_refusals(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2;

	(void)state;
	TQ_ERR(q, HQ_EIDLE, hq_queue_park(q, 1, NULL));
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_park(q, 8, NULL));
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	/* Unpark what is not parked. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_unpark(q, a1.id, NULL));
	tq_next(q, 1);
	TQ_ERR(q, HQ_ESTATE, hq_queue_unpark(q, a1.id, NULL));
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_unpark(q, a1.id, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_unpark(q, 12345, NULL));
	/* Unpark twice. */
	tq_next(q, 1);
	TQ_OK(q, hq_queue_park(q, 1, NULL));
	TQ_OK(q, hq_queue_unpark(q, a2.id, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_unpark(q, a2.id, NULL));
	tq_close(q);
}

/* ---- cancel -------------------------------------------------------------------------- */

static void test_cancel(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, a3, a4, t;
	int64_t last;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a4 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	ts_advance_s(45);
	TQ_OK(q, hq_queue_cancel(q, a1.id, "citizen left", &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.state, HQ_T_CANCELLED);
	assert_string_equal(t.end_reason, "citizen left");
	assert_int_equal(t.ended_at, ts_clock_ms);
	t = tq_get(q, a1.id);
	assert_int_equal(t.state, HQ_T_CANCELLED);
	assert_string_equal(t.end_reason, "citizen left");
	assert_int_equal(tq_service(q, "a").waiting, 3);
	/* The cancelled one is skipped. */
	assert_int_equal(tq_next(q, 1).id, a2.id);
	/* A parked ticket may be cancelled. */
	TQ_OK(q, hq_queue_park(q, 1, NULL));
	TQ_OK(q, hq_queue_cancel(q, a2.id, "did not come back", NULL));
	assert_int_equal(tq_tstate(q, a2.id), HQ_T_CANCELLED);
	/* Called, serving and final tickets may not. */
	tq_next(q, 1); /* A003 */
	TQ_ERR(q, HQ_ESTATE, hq_queue_cancel(q, a3.id, "x", NULL));
	assert_int_equal(tq_tstate(q, a3.id), HQ_T_CALLED);
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_cancel(q, a3.id, "x", NULL));
	assert_int_equal(tq_tstate(q, a3.id), HQ_T_SERVING);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ESTATE, hq_queue_cancel(q, a3.id, "x", NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_cancel(q, a1.id, "again", NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_cancel(q, 99999, "x", NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_cancel(q, 0, "x", NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_string_equal(tq_get(q, a1.id).end_reason, "citizen left");
	assert_int_equal(tq_tstate(q, a3.id), HQ_T_DONE);
	assert_int_equal(tq_tstate(q, a4.id), HQ_T_WAITING);
	tq_close(q);
}

/* ---- rating ------------------------------------------------------------------------------
 * A rating is a review from the API (hq_review.h; test_review.c has the rest): levels 1..5,
 * one a ticket, changed only within review_edit_minutes (30 in the small hall).
 */

static void test_rate(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, a3, t;
	int64_t last;

	(void)state;
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	/* Waiting, called: not finished. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_rate(q, a1.id, 3, NULL));
	tq_next(q, 1);
	TQ_ERR(q, HQ_ESTATE, hq_queue_rate(q, a1.id, 3, NULL));
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	/* Levels are 1..5. */
	TQ_ERR(q, HQ_EINVAL, hq_queue_rate(q, a1.id, 0, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_rate(q, a1.id, 6, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_rate(q, a1.id, -1, NULL));
	assert_int_equal(tq_get(q, a1.id).rating, 0);
	TQ_OK(q, hq_queue_rate(q, a1.id, HQ_SCORE_FAIR, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.rating, 3);
	assert_int_equal(tq_get(q, a1.id).rating, 3);
	/* Within the edit window a second rating replaces the first... */
	ts_advance_s(29 * 60);
	TQ_OK(q, hq_queue_rate(q, a1.id, HQ_SCORE_SATISFIED, &t));
	assert_int_equal(t.rating, 4);
	/* ... and after it, counted from the first, nothing changes. */
	ts_advance_s(61);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ERATED, hq_queue_rate(q, a1.id, 3, NULL));
	TQ_ERR(q, HQ_ERATED, hq_queue_rate(q, a1.id, 2, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_int_equal(tq_get(q, a1.id).rating, 4);
	/* No-show and cancelled tickets were not served. */
	tq_next(q, 1);
	TQ_OK(q, hq_queue_noshow(q, 1, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_rate(q, a2.id, 3, NULL));
	TQ_OK(q, hq_queue_cancel(q, a3.id, "x", NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_rate(q, a3.id, 3, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_rate(q, 4242, 3, NULL));
	/* Each level is accepted: a bad one without reasons as "other". */
	for (int level = HQ_LEVEL_MIN; level <= HQ_LEVEL_MAX; level++) {
		struct hq_review rv;

		tq_issue(q, "b", HQ_CLASS_NORMAL);
		t = tq_next(q, 3);
		TQ_OK(q, hq_queue_finish(q, 3, NULL));
		TQ_OK(q, hq_queue_rate(q, t.id, level, NULL));
		assert_int_equal(tq_get(q, t.id).rating, level);
		TQ_OK(q, hq_queue_ticket_review(q, t.id, &rv));
		assert_int_equal(rv.level, level);
		assert_int_equal(rv.channel, HQ_CH_API);
		assert_int_equal(rv.reasons, level <= HQ_LEVEL_BAD ? HQ_REASON_OTHER : 0);
	}
	tq_close(q);
}

static void test_rate_last(void **state)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, b1, t;

	(void)state;
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_rate_last(q, 31, 3, NULL));
	/* Nothing finished yet at counter 1. */
	assert_true(hq_queue_rate_last(q, 1, 3, NULL) < 0);
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	tq_next(q, 1);
	/* Called, not finished. */
	assert_true(hq_queue_rate_last(q, 1, 3, NULL) < 0);
	assert_int_equal(tq_get(q, a1.id).rating, 0);
	/* call-next finished A001: it is counter 1's last finished ticket. */
	tq_next(q, 1);
	TQ_ERR(q, HQ_EINVAL, hq_queue_rate_last(q, 1, 6, NULL));
	TQ_OK(q, hq_queue_rate_last(q, 1, 5, &t));
	assert_int_equal(t.id, a1.id);
	assert_int_equal(t.rating, 5);
	assert_int_equal(tq_get(q, a1.id).rating, 5);
	assert_int_equal(tq_get(q, a2.id).rating, 0);
	/* A second press of the same channel's keys is not a change of mind. */
	TQ_ERR(q, HQ_ERATED, hq_queue_rate_last(q, 1, 1, NULL));
	/* Another counter's finished ticket is its own. */
	tq_next(q, 3);
	TQ_OK(q, hq_queue_finish(q, 3, NULL));
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	TQ_OK(q, hq_queue_rate_last(q, 3, 1, &t));
	assert_int_equal(t.id, b1.id);
	/* The keys review the last ticket only within 120 s of its finish. */
	ts_advance_s(121);
	TQ_ERR(q, HQ_ESTATE, hq_queue_rate_last(q, 1, 2, &t));
	ts_advance_s(-1);
	TQ_OK(q, hq_queue_rate_last(q, 1, 2, &t));
	assert_int_equal(t.id, a2.id);
	assert_int_equal(tq_get(q, b1.id).rating, 1);
	assert_int_equal(tq_get(q, a2.id).rating, 2);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_issue_labels_and_fields),
		TQ_TEST(test_issue_padding_width),
		TQ_TEST(test_issue_padding_two_digits),
		TQ_TEST(test_issue_classes),
		TQ_TEST(test_issue_people_ahead),
		TQ_TEST(test_issue_unknown_service),
		TQ_TEST(test_issue_invalid_class),
		TQ_TEST(test_issue_outside_hours),
		TQ_TEST(test_issue_wrong_weekday_and_lunch),
		TQ_TEST(test_issue_daily_cap),
		TQ_TEST(test_issue_range_exhausted),
		TQ_TEST(test_issue_numbering_restarts_next_day),
		TQ_TEST(test_call_next_fifo),
		TQ_TEST(test_call_next_service_order),
		TQ_TEST(test_call_next_priority_first),
		TQ_TEST(test_call_next_priority_ratio),
		TQ_TEST(test_call_next_ratio_per_counter),
		TQ_TEST(test_call_next_ratio_zero_strict),
		TQ_TEST(test_call_next_empty),
		TQ_TEST(test_call_next_counter_refusals),
		TQ_TEST(test_call_next_finishes_serving),
		TQ_TEST(test_call_next_no_double_call),
		TQ_TEST(test_call_ticket_out_of_order),
		TQ_TEST(test_call_ticket_parked),
		TQ_TEST(test_call_ticket_refusals),
		TQ_TEST(test_find_number_service_order),
		TQ_TEST(test_find_number_targeted_and_parked),
		TQ_TEST(test_find_number_newest),
		TQ_TEST(test_recall_then_noshow),
		TQ_TEST(test_recall_never_noshow_with_zero),
		TQ_TEST(test_recall_refusals),
		TQ_TEST(test_noshow),
		TQ_TEST(test_start_finish),
		TQ_TEST(test_finish_from_called),
		TQ_TEST(test_transfer_service),
		TQ_TEST(test_transfer_service_keeps_place),
		TQ_TEST(test_transfer_counter),
		TQ_TEST(test_transfer_counter_oldest_across_both),
		TQ_TEST(test_transfer_refusals),
		TQ_TEST(test_park_unpark),
		TQ_TEST(test_park_refusals),
		TQ_TEST(test_cancel),
		TQ_TEST(test_rate),
		TQ_TEST(test_rate_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
