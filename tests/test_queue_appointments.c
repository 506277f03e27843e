/*
 * Unit tests of appointments (预约), written from docs/queue.md and queue/hq_queue.h:
 * booking a slot (6-digit code, alignment, opening hours, capacity), checking in at the
 * kiosk within the window around the slot, the appointment ticket that is called like a
 * priority one, and missed appointments counted after the day rolls over. The test hall
 * sets the window explicitly: slots of 30 minutes, check-in from 30 minutes before to 10
 * after the slot's start.
 */
#include <ctype.h>

#include "test_queue.h"

static const char *appt_hall =
	"[hall]\nname = 预约大厅\npriority_ratio = 2\n"
	"slot_minutes = 30\ncheckin_early_minutes = 30\ncheckin_late_minutes = 10\n"
	"[service a]\nname = 企业开办\nprefix = A\nnumbers = 1-999\n"
	"hours = 08:00-12:00, 13:00-17:00\ndays = mon-fri\nappointments_per_slot = 2\n"
	"[service b]\nname = 不动产登记\nprefix = B\nnumbers = 1-999\n"
	"hours = 08:00-17:00\ndays = mon-fri\n"
	"[counter 1]\nservices = a\n"
	"[counter 2]\nservices = b, a\n";

/* Monday 2026-11-23, local time. */
static int64_t mon(int h, int m)
{
	return ts_local(2026, 11, 23, h, m);
}

static struct hq_appointment book(struct hq_queue *q, int64_t slot)
{
	struct hq_appointment ap;

	memset(&ap, 0, sizeof ap);
	TQ_OK(q, hq_queue_book(q, "a", slot, "张三", "13800138000", &ap));
	return ap;
}

static void assert_code(const char *code)
{
	int i;

	assert_int_equal(strlen(code), HQ_CODE_LEN);
	for (i = 0; i < HQ_CODE_LEN; i++)
		assert_true(isdigit((unsigned char)code[i]));
}

static void test_book(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	struct hq_appointment ap, ap2, ap3;
	int64_t last = hq_queue_last_event_id(q);

	(void)state;
	memset(&ap, 0, sizeof ap);
	TQ_OK(q, hq_queue_book(q, "a", mon(10, 0), "张三", "13800138000", &ap));
	assert_code(ap.code);
	assert_true(ap.id > 0);
	assert_string_equal(ap.service, "a");
	assert_int_equal(ap.slot_at, mon(10, 0));
	assert_string_equal(ap.name, "张三");
	assert_string_equal(ap.phone, "13800138000");
	assert_int_equal(ap.ticket_id, 0);
	assert_int_equal(tq_count_events(q, last), 1);
	tq_event1(q, last, "booked", 0);

	ap2 = book(q, mon(10, 0));
	assert_code(ap2.code);
	assert_string_not_equal(ap.code, ap2.code);
	assert_true(ap2.id != ap.id);
	/* The last slot of each period, and another day. */
	ap3 = book(q, mon(11, 30));
	assert_int_equal(ap3.slot_at, mon(11, 30));
	book(q, mon(16, 30));
	book(q, mon(13, 0));
	book(q, ts_local(2026, 11, 27, 8, 0)); /* Friday */
	tq_close(q);
}

static void test_book_codes_unique(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	char codes[32][HQ_CODE_LEN + 1];
	struct hq_appointment ap;
	int i, j;

	(void)state;
	for (i = 0; i < 32; i++) {
		/* Tuesday: 16 slots of 2 places: 08:00..11:30 and 13:00..16:30. */
		int slot = i / 2;
		int64_t at = slot < 8 ? ts_local(2026, 11, 24, 8, 0) + slot * 1800000LL
				      : ts_local(2026, 11, 24, 13, 0) + (slot - 8) * 1800000LL;

		ap = book(q, at);
		assert_code(ap.code);
		snprintf(codes[i], sizeof codes[i], "%s", ap.code);
		for (j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	/* Every slot of the day is now full. */
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", ts_local(2026, 11, 24, 9, 0), "x", "1", NULL));
	tq_close(q);
}

static void test_book_refusals(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	int64_t last;

	(void)state;
	book(q, mon(11, 0));
	book(q, mon(11, 0));
	last = hq_queue_last_event_id(q);
	/* Full. */
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(11, 0), "李四", "139", NULL));
	/* Not aligned to slot_minutes. */
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(10, 15), "李四", "139", NULL));
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(10, 0) + 30000, "李四", "139", NULL));
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(10, 0) + 1, "李四", "139", NULL));
	/* Outside the opening hours and days. */
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(7, 30), "李四", "139", NULL));
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(12, 30), "李四", "139", NULL));
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(17, 0), "李四", "139", NULL));
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", mon(20, 0), "李四", "139", NULL));
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "a", ts_local(2026, 11, 28, 10, 0), "李四", "139", NULL));
	/* A service that takes no appointments has no slot to give (0 per slot). */
	TQ_ERR(q, HQ_ESLOT, hq_queue_book(q, "b", mon(10, 0), "李四", "139", NULL));
	TQ_ERR(q, HQ_ENOSERVICE, hq_queue_book(q, "zz", mon(10, 0), "李四", "139", NULL));
	assert_non_null(strstr(hq_queue_errmsg(q), "zz"));
	assert_int_equal(hq_queue_last_event_id(q), last);
	/* The next slot still has room. */
	book(q, mon(11, 30));
	tq_close(q);
}

/* A 6-digit code that was not handed out. */
static void unused_code(char out[HQ_CODE_LEN + 1], const struct hq_appointment *ap, int n)
{
	int c, i, clash;

	for (c = 0; c < 1000000; c += 7919) {
		snprintf(out, HQ_CODE_LEN + 1, "%06d", c);
		for (clash = 0, i = 0; i < n; i++)
			clash |= !strcmp(out, ap[i].code);
		if (!clash)
			return;
	}
	fail_msg("no unused code found");
}

static void test_checkin(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	struct hq_appointment ap[3];
	struct hq_ticket t, u;
	char code[HQ_CODE_LEN + 1];
	int64_t last;

	(void)state;
	tq_at(8, 0);
	ap[0] = book(q, mon(10, 0));
	ap[1] = book(q, mon(10, 0));
	ap[2] = book(q, mon(10, 30));
	tq_issue(q, "a", HQ_CLASS_NORMAL); /* A001 */

	/* 09:20 is 40 minutes before 10:00: too early. */
	tq_at(9, 20);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_EEARLY, hq_queue_checkin(q, ap[0].code, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);

	tq_at(9, 45);
	memset(&t, 0, sizeof t);
	TQ_OK(q, hq_queue_checkin(q, ap[0].code, &t));
	assert_int_equal(t.cls, HQ_CLASS_APPOINTMENT);
	assert_string_equal(t.service, "a");
	assert_string_equal(t.label, "A002"); /* the service's numbering */
	assert_int_equal(t.state, HQ_T_WAITING);
	assert_int_equal(t.queued_at, ts_clock_ms);
	assert_int_equal(tq_get(q, t.id).cls, HQ_CLASS_APPOINTMENT);
	tq_event1(q, last, "checked_in", t.id);
	/* Twice. */
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_EUSED, hq_queue_checkin(q, ap[0].code, NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);

	/* Five minutes after the slot's start is within the late window. */
	tq_at(10, 5);
	TQ_OK(q, hq_queue_checkin(q, ap[1].code, &u));
	assert_int_equal(u.cls, HQ_CLASS_APPOINTMENT);
	assert_true(u.id != t.id);
	TQ_ERR(q, HQ_EUSED, hq_queue_checkin(q, ap[1].code, NULL));
	TQ_ERR(q, HQ_EUSED, hq_queue_checkin(q, ap[0].code, NULL));

	/* 10:45 is 15 minutes after 10:30: too late. */
	tq_at(10, 45);
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ELATE, hq_queue_checkin(q, ap[2].code, NULL));
	/* Refused codes stay refused for the same reason. */
	TQ_ERR(q, HQ_ELATE, hq_queue_checkin(q, ap[2].code, NULL));

	unused_code(code, ap, 3);
	TQ_ERR(q, HQ_ENOCODE, hq_queue_checkin(q, code, NULL));
	TQ_ERR(q, HQ_ENOCODE, hq_queue_checkin(q, "12ab56", NULL));
	assert_int_equal(hq_queue_last_event_id(q), last);
	tq_close(q);
}

/* Appointment tickets are called as priority. */
static void test_appointment_called_as_priority(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	struct hq_appointment ap;
	struct hq_ticket n1, n2, t;

	(void)state;
	tq_at(9, 0);
	ap = book(q, mon(9, 30));
	n1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	n2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_at(9, 20);
	TQ_OK(q, hq_queue_checkin(q, ap.code, &t));
	assert_int_equal(tq_service(q, "a").waiting, 3);
	assert_int_equal(tq_service(q, "a").waiting_priority, 1);
	/* Counter 2 serves b first, but class comes first. */
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	assert_int_equal(tq_next(q, 2).id, t.id);
	assert_int_equal(tq_next(q, 1).id, n1.id);
	assert_int_equal(tq_next(q, 1).id, n2.id);
	tq_close(q);
}

/* docs/queue.md, Events: `booked` and `checked_in` carry the appointment id, never the
 * code: the feed goes to wall displays, and the code is what checks a citizen in. */
static void test_appointment_events(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	struct hq_appointment ap;
	struct hq_ticket t;
	struct hq_event e;
	int64_t last = hq_queue_last_event_id(q);

	(void)state;
	ap = book(q, mon(9, 30));
	e = tq_event1(q, last, "booked", 0);
	assert_int_equal(e.at, ts_clock_ms);
	assert_int_equal(e.value, ap.id);
	/* The slot's unix ms, which the centre counts by; never the code, name or phone. */
	{
		char slot[24];

		snprintf(slot, sizeof slot, "%lld", (long long)ap.slot_at);
		assert_string_equal(e.detail, slot);
	}
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_checkin(q, ap.code, &t));
	e = tq_event1(q, last, "checked_in", t.id);
	assert_string_equal(e.label, t.label);
	assert_int_equal(e.value, ap.id);
	assert_string_equal(e.detail, "");
	tq_close(q);
}

static const struct hq_stats_row *find_row(const struct hq_stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->nrows; i++)
		if (!strcmp(st->rows[i].key, key))
			return &st->rows[i];
	return NULL;
}

static const struct hq_stats_row *row(const struct hq_stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->nrows; i++)
		if (!strcmp(st->rows[i].key, key))
			return &st->rows[i];
	fail_msg("no stats row '%s'", key);
	return NULL;
}

static void test_missed_appointments(void **state)
{
	struct hq_queue *q = tq_open(appt_hall);
	struct hq_appointment ap;
	struct hq_stats st;
	const struct hq_stats_row *r;
	int64_t day1 = ts_local(2026, 11, 23, 0, 0);
	int64_t day2 = ts_local(2026, 11, 24, 0, 0);
	int64_t day3 = ts_local(2026, 11, 25, 0, 0);

	(void)state;
	tq_at(8, 0);
	ap = book(q, mon(10, 0));
	book(q, mon(10, 0));                          /* missed */
	book(q, mon(14, 0));                          /* missed */
	book(q, ts_local(2026, 11, 24, 15, 0));       /* tomorrow, not yet due */
	tq_at(9, 50);
	TQ_OK(q, hq_queue_checkin(q, ap.code, NULL));

	/* The next morning's first operation rolls the day over. */
	ts_clock_ms = ts_local(2026, 11, 24, 9, 0);
	tq_issue(q, "b", HQ_CLASS_NORMAL);

	memset(&st, 0, sizeof st);
	TQ_OK(q, hq_queue_stats(q, HQ_BY_SERVICE, day1, day2, &st));
	r = row(&st, "a");
	assert_int_equal(r->appointments, 3);
	assert_int_equal(r->missed_appointments, 2);
	/* The checked-in appointment is one issued ticket, closed at the roll-over. */
	assert_int_equal(r->issued, 1);
	assert_int_equal(r->cancelled, 1);
	/* b had nothing that day; a row for it, if any, has no appointments. */
	r = find_row(&st, "b");
	if (r) {
		assert_int_equal(r->appointments, 0);
		assert_int_equal(r->missed_appointments, 0);
	}
	hq_stats_free(&st);

	/* Over both days: tomorrow's booking is not missed yet. */
	memset(&st, 0, sizeof st);
	TQ_OK(q, hq_queue_stats(q, HQ_BY_SERVICE, day1, day3, &st));
	r = row(&st, "a");
	assert_int_equal(r->appointments, 4);
	assert_int_equal(r->missed_appointments, 2);
	hq_stats_free(&st);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_book),
		TQ_TEST(test_book_codes_unique),
		TQ_TEST(test_book_refusals),
		TQ_TEST(test_checkin),
		TQ_TEST(test_appointment_called_as_priority),
		TQ_TEST(test_appointment_events),
		TQ_TEST(test_missed_appointments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
