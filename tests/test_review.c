/*
 * Unit tests of the 好差评 evaluation (queue/review.c, docs/queue.md "Reviews"): each level,
 * reason and channel; the reasons a bad review needs and a good one may not have; the
 * comment's length in characters; the one review a ticket and its change within
 * review_edit_minutes; the counter unit's review of its last ticket within 120 s; the
 * bad-review case's steps in order and refused out of order, its due dates in working days
 * (a weekend inside, a holiday, a worked weekend day), and overdue on a worked clock; the
 * figures of the statistics; and the upgrade of a schema-3 database's three-level ratings.
 */
#include <sqlite3.h>

#include "test_queue.h"

/* A hall open every day, two services and three counters; the [hall] keys of the reviews
 * given by the test (edit minutes, working days, the calendar). */
static struct hq_queue *open_hall(const char *hall_keys)
{
	char ini[2048];

	snprintf(ini, sizeof ini,
		 "[hall]\nname = 评价测试大厅\nsign_in = open\n%s\n"
		 "[service a]\nname = 企业开办\nprefix = A\nhours = 00:00-23:59\ndays = mon-sun\n"
		 "[service b]\nname = 不动产登记\nprefix = B\nhours = 00:00-23:59\ndays = mon-sun\n"
		 "[counter 1]\nservices = a\n[counter 2]\nservices = a, b\n[counter 3]\nservices = b\n",
		 hall_keys ? hall_keys : "");
	return tq_open(ini);
}

/* A ticket of service a, called and finished at counter 1, now. */
static struct hq_ticket served(struct hq_queue *q)
{
	struct hq_ticket t;

	tq_issue(q, "a", HQ_CLASS_NORMAL);
	t = tq_next(q, 1);
	TQ_OK(q, hq_queue_finish(q, 1, &t));
	return t;
}

static struct hq_review review_of(struct hq_queue *q, int64_t ticket)
{
	struct hq_review r;

	TQ_OK(q, hq_queue_ticket_review(q, ticket, &r));
	return r;
}

static struct hq_case case_of(struct hq_queue *q, int64_t id)
{
	struct hq_case c;

	TQ_OK(q, hq_queue_case(q, id, &c, NULL, NULL));
	return c;
}

/* ---- levels, reasons, channels ------------------------------------------------------------ */

static void test_each_level_and_channel(void **state)
{
	static const enum hq_channel channels[] = {HQ_CH_UNIT, HQ_CH_PHONE, HQ_CH_KIOSK, HQ_CH_API};
	struct hq_queue *q = open_hall(NULL);
	int64_t last;

	(void)state;
	tq_at(9, 0);
	for (int level = HQ_LEVEL_MIN; level <= HQ_LEVEL_MAX; level++)
		for (size_t c = 0; c < sizeof channels / sizeof channels[0]; c++) {
			struct hq_ticket t = served(q);
			unsigned why = level <= HQ_LEVEL_BAD ? HQ_REASON_SKILL : 0;
			struct hq_review r;
			struct hq_event e;

			last = hq_queue_last_event_id(q);
			TQ_OK(q, hq_queue_review(q, t.id, level, why, "谢谢", channels[c], &r));
			assert_int_equal(r.ticket_id, t.id);
			assert_int_equal(r.level, level);
			assert_int_equal(r.reasons, why);
			assert_int_equal(r.channel, channels[c]);
			assert_string_equal(r.comment, "谢谢");
			assert_string_equal(r.label, t.label);
			assert_string_equal(r.service, "a");
			assert_int_equal(r.counter, 1);
			assert_int_equal(r.at, ts_clock_ms);
			assert_int_equal(r.updated_at, ts_clock_ms);
			/* The ticket's rating is the level; the event says the level and the channel. */
			assert_int_equal(tq_get(q, t.id).rating, level);
			e = tq_event1(q, last, "reviewed", t.id);
			assert_int_equal(e.value, level);
			assert_int_equal(e.counter, 1);
			assert_string_equal(e.detail, hq_channel_name(channels[c]));
			/* A bad review opens a case, a good one none. */
			assert_int_equal(r.case_id != 0, level <= HQ_LEVEL_BAD);
			assert_int_equal(tq_events(q, last, "case_opened", t.id, NULL), level <= HQ_LEVEL_BAD);
			assert_int_equal(review_of(q, t.id).id, r.id);
			ts_advance_s(10);
		}
	/* Names, both ways. */
	for (int c = HQ_CH_UNIT; c <= HQ_CH_MIGRATED; c++)
		assert_int_equal(hq_channel_parse(hq_channel_name(c)), c);
	assert_int_equal(hq_channel_parse("fax"), -1);
	for (int l = HQ_LEVEL_MIN; l <= HQ_LEVEL_MAX; l++)
		assert_int_equal(hq_level_parse(hq_level_key(l)), l);
	assert_string_equal(hq_level_name(5), "非常满意");
	assert_string_equal(hq_level_name(1), "非常不满意");
	assert_int_equal(hq_level_parse("fair"), 3);
	assert_int_equal(hq_level_parse("0"), -1);
	assert_int_equal(hq_level_parse("6"), -1);
	tq_close(q);
}

static void test_reasons(void **state)
{
	static const unsigned each[] = {HQ_REASON_EFFICIENCY, HQ_REASON_SKILL, HQ_REASON_ATTITUDE,
					HQ_REASON_OTHER};
	struct hq_queue *q = open_hall(NULL);
	struct hq_ticket t;
	struct hq_review r;
	char buf[48];

	(void)state;
	tq_at(9, 0);
	/* Each reason alone, and all of them, with a bad review. */
	for (size_t i = 0; i < 4; i++) {
		t = served(q);
		TQ_OK(q, hq_queue_review(q, t.id, 2, each[i], NULL, HQ_CH_API, &r));
		assert_int_equal(r.reasons, each[i]);
		assert_non_null(hq_reason_key(each[i]));
		assert_int_equal(hq_reason_parse(hq_reason_key(each[i])), each[i]);
	}
	t = served(q);
	TQ_OK(q, hq_queue_review(q, t.id, 1, HQ_REASONS_ALL, NULL, HQ_CH_API, &r));
	assert_int_equal(r.reasons, HQ_REASONS_ALL);
	/* A bad review needs one; a review at 3..5 takes none; no unknown bit. */
	t = served(q);
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 1, 0, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 2, 0, NULL, HQ_CH_API, NULL));
	for (int level = 3; level <= 5; level++)
		TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, level, HQ_REASON_OTHER, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 2, 16, NULL, HQ_CH_API, NULL));
	/* Levels and channels out of range. */
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 0, 0, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 6, 0, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 5, 0, NULL, HQ_CH_MIGRATED, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 5, 0, NULL, (enum hq_channel)9, NULL));
	assert_int_equal(review_of(q, t.id).id, 0);
	assert_int_equal(tq_get(q, t.id).rating, 0);
	/* The reasons as text, both ways. */
	hq_reasons_format(HQ_REASON_EFFICIENCY | HQ_REASON_ATTITUDE, buf, sizeof buf);
	assert_string_equal(buf, "efficiency,attitude");
	assert_int_equal(hq_reasons_parse("attitude,efficiency"), HQ_REASON_EFFICIENCY | HQ_REASON_ATTITUDE);
	assert_int_equal(hq_reasons_parse("skill,other"), HQ_REASON_SKILL | HQ_REASON_OTHER);
	assert_int_equal(hq_reasons_parse("rude"), -1);
	assert_int_equal(hq_reasons_parse(""), -1);
	assert_int_equal(hq_reasons_parse("skill,"), -1);
	tq_close(q);
}

/* 200 characters, not bytes: 200 Chinese characters (600 bytes) pass, 201 do not. */
static void test_comment_length(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	char text[4 * 210 + 1];
	struct hq_ticket t;
	struct hq_review r;
	size_t n;

	(void)state;
	tq_at(9, 0);
	t = served(q);
	for (n = 0; n < 200; n++)
		memcpy(text + 3 * n, "好", 3);
	text[3 * n] = '\0';
	TQ_OK(q, hq_queue_review(q, t.id, 4, 0, text, HQ_CH_PHONE, &r));
	assert_string_equal(r.comment, text);
	memcpy(text + 3 * n, "好", 4);
	t = served(q);
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, text, HQ_CH_PHONE, NULL));
	/* The same in ASCII, and four-byte characters. */
	memset(text, 'x', 200);
	text[200] = '\0';
	TQ_OK(q, hq_queue_review(q, t.id, 4, 0, text, HQ_CH_PHONE, NULL));
	text[200] = 'x';
	text[201] = '\0';
	t = served(q);
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, text, HQ_CH_PHONE, NULL));
	for (n = 0; n < 200; n++)
		memcpy(text + 4 * n, "\xf0\x9f\x98\x80", 4); /* U+1F600 */
	text[4 * n] = '\0';
	TQ_OK(q, hq_queue_review(q, t.id, 4, 0, text, HQ_CH_PHONE, &r));
	assert_int_equal(strlen(r.comment), 800);
	/* Not UTF-8: overlong, a surrogate, cut short, above U+10FFFF; a control character. */
	t = served(q);
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, "\xc0\xaf", HQ_CH_PHONE, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, "\xed\xa0\x80", HQ_CH_PHONE, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, "好\xe5\xa5", HQ_CH_PHONE, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, "\xf4\x90\x80\x80", HQ_CH_PHONE, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, "bell\a", HQ_CH_PHONE, NULL));
	assert_int_equal(review_of(q, t.id).id, 0);
	/* Line breaks are text; no comment is fine. */
	TQ_OK(q, hq_queue_review(q, t.id, 4, 0, "第一行\n第二行", HQ_CH_PHONE, NULL));
	t = served(q);
	TQ_OK(q, hq_queue_review(q, t.id, 5, 0, "", HQ_CH_PHONE, &r));
	assert_string_equal(r.comment, "");
	tq_close(q);
}

/* Only a finished ticket. */
static void test_review_state(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_ticket a, b, x;

	(void)state;
	tq_at(9, 0);
	a = tq_issue(q, "a", HQ_CLASS_NORMAL);
	b = tq_issue(q, "b", HQ_CLASS_NORMAL);
	TQ_ERR(q, HQ_ESTATE, hq_queue_review(q, a.id, 5, 0, NULL, HQ_CH_API, NULL));
	tq_next(q, 1);
	TQ_ERR(q, HQ_ESTATE, hq_queue_review(q, a.id, 5, 0, NULL, HQ_CH_API, NULL));
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_review(q, a.id, 5, 0, NULL, HQ_CH_API, NULL));
	/* Transferred: the ticket that goes on is the one to review, once it is done. */
	TQ_OK(q, hq_queue_transfer_service(q, 1, "b", &x));
	TQ_ERR(q, HQ_ESTATE, hq_queue_review(q, a.id, 5, 0, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_review(q, x.id, 5, 0, NULL, HQ_CH_API, NULL));
	/* The transfer keeps the ticket's place, and its status URL's key. */
	assert_int_equal(tq_next(q, 3).id, x.id);
	assert_string_equal(tq_get(q, x.id).secret, a.secret);
	TQ_OK(q, hq_queue_finish(q, 3, NULL));
	TQ_OK(q, hq_queue_review(q, x.id, 5, 0, NULL, HQ_CH_API, NULL));
	tq_next(q, 3);
	TQ_OK(q, hq_queue_noshow(q, 3, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_review(q, b.id, 5, 0, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_review(q, 999, 5, 0, NULL, HQ_CH_API, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_ticket_review(q, 999, &(struct hq_review){0}));
	tq_close(q);
}

/* Each new ticket has a key of 16 hex digits of its own. */
static void test_ticket_secret(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_ticket t[8];

	(void)state;
	tq_at(9, 0);
	for (int i = 0; i < 8; i++) {
		t[i] = tq_issue(q, i % 2 ? "a" : "b", HQ_CLASS_NORMAL);
		assert_int_equal(strlen(t[i].secret), HQ_SECRET_LEN);
		assert_int_equal(strspn(t[i].secret, "0123456789abcdef"), HQ_SECRET_LEN);
		assert_string_equal(tq_get(q, t[i].id).secret, t[i].secret);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(t[i].secret, t[j].secret);
	}
	tq_close(q);
}

/* ---- one review a ticket, changed within the window -------------------------------------- */

static void test_edit_window(void **state)
{
	struct hq_queue *q = open_hall("review_edit_minutes = 30");
	struct hq_ticket t;
	struct hq_review r;
	struct hq_event e;
	int64_t first, last;

	(void)state;
	tq_at(9, 0);
	t = served(q);
	first = ts_clock_ms;
	TQ_OK(q, hq_queue_review(q, t.id, 3, 0, NULL, HQ_CH_KIOSK, &r));
	/* Within the window, from another channel: replaced, its first time kept. */
	ts_advance_s(10 * 60);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_review(q, t.id, 5, 0, "改一下", HQ_CH_PHONE, &r));
	assert_int_equal(r.level, 5);
	assert_int_equal(r.channel, HQ_CH_PHONE);
	assert_string_equal(r.comment, "改一下");
	assert_int_equal(r.at, first);
	assert_int_equal(r.updated_at, ts_clock_ms);
	assert_int_equal(tq_get(q, t.id).rating, 5);
	e = tq_event1(q, last, "review_changed", t.id);
	assert_int_equal(e.value, 5);
	assert_string_equal(e.detail, "phone");
	assert_int_equal(tq_events(q, last, "reviewed", 0, NULL), 0);
	/* Thirty minutes after the first, to the millisecond, it may still change (the time the
	 * status JSON gives as editable_until)... */
	assert_int_equal(hq_review_edit_until(hq_queue_config(q), &r), first + 30 * 60000LL);
	ts_clock_ms = first + 30 * 60000LL;
	TQ_OK(q, hq_queue_review(q, t.id, 4, 0, NULL, HQ_CH_PHONE, NULL));
	/* ... one millisecond later it may not, and nothing happens. */
	ts_clock_ms++;
	last = hq_queue_last_event_id(q);
	TQ_ERR(q, HQ_ERATED, hq_queue_review(q, t.id, 1, HQ_REASON_OTHER, NULL, HQ_CH_PHONE, NULL));
	assert_non_null(strstr(hq_queue_errmsg(q), "30 minutes"));
	assert_int_equal(hq_queue_last_event_id(q), last);
	assert_int_equal(review_of(q, t.id).level, 4);
	tq_close(q);

	/* review_edit_minutes = 0: a review is never changed. */
	q = open_hall("review_edit_minutes = 0");
	tq_at(9, 0);
	t = served(q);
	TQ_OK(q, hq_queue_review(q, t.id, 3, 0, NULL, HQ_CH_KIOSK, &r));
	assert_int_equal(hq_review_edit_until(hq_queue_config(q), &r), 0);
	TQ_ERR(q, HQ_ERATED, hq_queue_review(q, t.id, 4, 0, NULL, HQ_CH_KIOSK, NULL));
	tq_close(q);
}

/* A bad review changed to a good one closes its case; a good one made bad (re)opens it. */
static void test_edit_and_case(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_case_step *steps;
	struct hq_ticket t, u;
	struct hq_review r;
	struct hq_event e;
	struct hq_case c;
	size_t n;
	int64_t last, id;

	(void)state;
	tq_at(9, 0);
	t = served(q);
	TQ_OK(q, hq_queue_review(q, t.id, 2, HQ_REASON_ATTITUDE, NULL, HQ_CH_PHONE, &r));
	id = r.case_id;
	assert_true(id > 0);
	TQ_OK(q, hq_queue_case_step(q, id, HQ_CASE_VERIFIED, "王主任", NULL, NULL));
	/* Bad to bad: the case goes on as it was. */
	ts_advance_s(60);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_review(q, t.id, 1, HQ_REASON_ATTITUDE | HQ_REASON_SKILL, NULL, HQ_CH_PHONE, &r));
	assert_int_equal(r.case_id, id);
	assert_int_equal(case_of(q, id).state, HQ_CASE_VERIFIED);
	assert_int_equal(tq_events(q, last, "case_opened", 0, NULL) + tq_events(q, last, "case_step", 0, NULL), 0);
	/* Bad to good: closed by hallq, with a note. */
	ts_advance_s(60);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_review(q, t.id, 4, 0, NULL, HQ_CH_PHONE, &r));
	assert_int_equal(r.case_id, id);
	TQ_OK(q, hq_queue_case(q, id, &c, &steps, &n));
	assert_int_equal(c.state, HQ_CASE_CLOSED);
	assert_int_equal(n, 3);
	assert_int_equal(steps[0].state, HQ_CASE_OPEN);
	assert_string_equal(steps[0].who, HQ_CASE_SYSTEM);
	assert_int_equal(steps[1].state, HQ_CASE_VERIFIED);
	assert_string_equal(steps[1].who, "王主任");
	assert_int_equal(steps[2].state, HQ_CASE_CLOSED);
	assert_string_equal(steps[2].who, HQ_CASE_SYSTEM);
	assert_int_equal(steps[2].at, ts_clock_ms);
	assert_non_null(strstr(steps[2].note, "changed to level 4"));
	free(steps);
	e = tq_event1(q, last, "case_step", t.id);
	assert_int_equal(e.value, HQ_CASE_CLOSED);
	assert_string_equal(e.detail, HQ_CASE_SYSTEM);
	/* Good to bad again: the same case opens again, due from today. */
	ts_advance_s(60);
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_review(q, t.id, 2, HQ_REASON_OTHER, NULL, HQ_CH_PHONE, &r));
	assert_int_equal(r.case_id, id);
	c = case_of(q, id);
	assert_int_equal(c.state, HQ_CASE_OPEN);
	assert_string_equal(c.revisit_due, "");
	e = tq_event1(q, last, "case_opened", t.id);
	assert_int_equal(e.value, id);
	assert_string_equal(e.detail, c.rectify_due);
	/* A good review made bad opens a case of its own. */
	u = served(q);
	TQ_OK(q, hq_queue_review(q, u.id, 5, 0, NULL, HQ_CH_KIOSK, &r));
	assert_int_equal(r.case_id, 0);
	TQ_OK(q, hq_queue_review(q, u.id, 1, HQ_REASON_EFFICIENCY, NULL, HQ_CH_KIOSK, &r));
	assert_true(r.case_id > id);
	assert_int_equal(case_of(q, r.case_id).state, HQ_CASE_OPEN);
	tq_close(q);
}

/* The unit's keys: the counter's last finished ticket, within 120 s, once from the unit. */
static void test_review_last(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_ticket t;
	struct hq_review r;

	(void)state;
	tq_at(9, 0);
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_review_last(q, 9, 5, 0, HQ_CH_UNIT, NULL));
	TQ_ERR(q, HQ_ENOTICKET, hq_queue_review_last(q, 1, 5, 0, HQ_CH_UNIT, NULL));
	t = served(q);
	ts_advance_s(120);
	TQ_ERR(q, HQ_EINVAL, hq_queue_review_last(q, 1, 0, 0, HQ_CH_UNIT, NULL));
	/* A bad level from the keys, which cannot say why: "other". */
	TQ_OK(q, hq_queue_review_last(q, 1, 1, 0, HQ_CH_UNIT, &r));
	assert_int_equal(r.ticket_id, t.id);
	assert_int_equal(r.reasons, HQ_REASON_OTHER);
	assert_int_equal(r.channel, HQ_CH_UNIT);
	/* A unit whose evaluator has a reason screen gives them. */
	TQ_ERR(q, HQ_ERATED, hq_queue_review_last(q, 1, 2, HQ_REASON_SKILL, HQ_CH_UNIT, NULL));
	t = served(q);
	TQ_OK(q, hq_queue_review_last(q, 1, 2, HQ_REASON_SKILL, HQ_CH_UNIT, &r));
	assert_int_equal(r.reasons, HQ_REASON_SKILL);
	/* 121 s after the finish the keys are the next citizen's. */
	t = served(q);
	ts_advance_s(121);
	TQ_ERR(q, HQ_ESTATE, hq_queue_review_last(q, 1, 5, 0, HQ_CH_UNIT, NULL));
	assert_int_equal(review_of(q, t.id).id, 0);
	/* A review from the phone first: the unit's replaces it within the edit window. */
	t = served(q);
	TQ_OK(q, hq_queue_review(q, t.id, 3, 0, NULL, HQ_CH_PHONE, NULL));
	TQ_OK(q, hq_queue_review_last(q, 1, 5, 0, HQ_CH_UNIT, &r));
	assert_int_equal(r.level, 5);
	assert_int_equal(r.channel, HQ_CH_UNIT);
	/* Another counter's last ticket is its own. */
	tq_issue(q, "b", HQ_CLASS_NORMAL);
	t = tq_next(q, 3);
	TQ_OK(q, hq_queue_finish(q, 3, NULL));
	TQ_OK(q, hq_queue_review_last(q, 3, 4, 0, HQ_CH_UNIT, &r));
	assert_int_equal(r.ticket_id, t.id);
	tq_close(q);
}

/* ---- the case ------------------------------------------------------------------------------ */

static void test_case_steps(void **state)
{
	static const enum hq_case_state order[] = {HQ_CASE_VERIFIED, HQ_CASE_RECTIFIED,
						   HQ_CASE_REVISITED, HQ_CASE_CLOSED};
	struct hq_queue *q = open_hall("rectify_working_days = 15\nrevisit_working_days = 5");
	struct hq_case_step *steps;
	struct hq_ticket t;
	struct hq_review r;
	struct hq_case c;
	struct hq_event e;
	char note[4 * 201 + 1];
	size_t n;
	int64_t last, opened;

	(void)state;
	tq_at(9, 0);
	t = served(q);
	opened = ts_clock_ms;
	last = hq_queue_last_event_id(q);
	TQ_OK(q, hq_queue_review(q, t.id, 1, HQ_REASON_EFFICIENCY, "等了两个小时", HQ_CH_PHONE, &r));
	/* Monday 2026-11-23 plus 15 working days: three weeks less the day itself. */
	c = case_of(q, r.case_id);
	assert_int_equal(c.state, HQ_CASE_OPEN);
	assert_int_equal(c.opened_at, opened);
	assert_string_equal(c.rectify_due, "2026-12-14");
	assert_string_equal(c.revisit_due, "");
	assert_false(c.overdue);
	assert_int_equal(c.review.id, r.id);
	assert_string_equal(c.review.comment, "等了两个小时");
	e = tq_event1(q, last, "case_opened", t.id);
	assert_int_equal(e.value, c.id);
	assert_string_equal(e.detail, "2026-12-14");
	/* Out of order: nothing but the next step. */
	TQ_ERR(q, HQ_ESTATE, hq_queue_case_step(q, c.id, HQ_CASE_RECTIFIED, "王主任", NULL, NULL));
	TQ_ERR(q, HQ_ESTATE, hq_queue_case_step(q, c.id, HQ_CASE_CLOSED, "王主任", NULL, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_case_step(q, c.id, HQ_CASE_OPEN, "王主任", NULL, NULL));
	/* Who is required, a name on one line; a note of at most 200 characters. */
	TQ_ERR(q, HQ_EINVAL, hq_queue_case_step(q, c.id, HQ_CASE_VERIFIED, "", NULL, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_case_step(q, c.id, HQ_CASE_VERIFIED, NULL, NULL, NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_case_step(q, c.id, HQ_CASE_VERIFIED, "王\n主任", NULL, NULL));
	for (n = 0; n < 201; n++)
		memcpy(note + 3 * n, "查", 3);
	note[3 * n] = '\0';
	TQ_ERR(q, HQ_EINVAL, hq_queue_case_step(q, c.id, HQ_CASE_VERIFIED, "王主任", note, NULL));
	TQ_ERR(q, HQ_ENOCASE, hq_queue_case_step(q, 999, HQ_CASE_VERIFIED, "王主任", NULL, NULL));
	TQ_ERR(q, HQ_ENOCASE, hq_queue_case(q, 999, &c, NULL, NULL));
	assert_int_equal(case_of(q, r.case_id).state, HQ_CASE_OPEN);
	/* In order, a day apart: each with who, when and a note; each once. */
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		char who[16];

		ts_advance_s(86400);
		snprintf(who, sizeof who, "经办%zu", i);
		last = hq_queue_last_event_id(q);
		TQ_OK(q, hq_queue_case_step(q, r.case_id, order[i], who, i == 1 ? "窗口已调整" : NULL, &c));
		assert_int_equal(c.state, order[i]);
		assert_int_equal(c.updated_at, ts_clock_ms);
		e = tq_event1(q, last, "case_step", t.id);
		assert_int_equal(e.value, order[i]);
		assert_string_equal(e.detail, who);
		assert_int_equal(e.counter, 1);
		TQ_ERR(q, HQ_ESTATE, hq_queue_case_step(q, r.case_id, order[i], who, NULL, NULL));
		if (order[i] == HQ_CASE_RECTIFIED)
			/* Rectified on Wednesday 11-25: revisit within 5 working days, Wednesday. */
			assert_string_equal(c.revisit_due, "2026-12-02");
	}
	for (int s = HQ_CASE_VERIFIED; s <= HQ_CASE_CLOSED; s++)
		TQ_ERR(q, HQ_ESTATE, hq_queue_case_step(q, r.case_id, s, "王主任", NULL, NULL));
	TQ_OK(q, hq_queue_case(q, r.case_id, &c, &steps, &n));
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(steps[i].state, (int)i);
		assert_int_equal(steps[i].at, opened + (int64_t)i * 86400000LL);
	}
	assert_string_equal(steps[0].who, HQ_CASE_SYSTEM);
	assert_non_null(strstr(steps[0].note, "level-1"));
	assert_string_equal(steps[2].who, "经办1");
	assert_string_equal(steps[2].note, "窗口已调整");
	assert_string_equal(steps[3].note, "");
	free(steps);
	for (int s = HQ_CASE_OPEN; s <= HQ_CASE_CLOSED; s++)
		assert_int_equal(hq_case_state_parse(hq_case_state_name(s)), s);
	tq_close(q);
}

/* The due dates count working days: Monday to Friday, less holidays, plus 调休 days. */
static void test_due_dates(void **state)
{
	static const struct {
		const char *calendar, *rectify_due, *revisit_due;
	} cases[] = {
		/* Thursday 11-26 + 3: Friday, (weekend), Monday, Tuesday. Rectified on Friday 11-27:
		 * + 2 is Monday, Tuesday. */
		{"", "2026-12-01", "2026-12-01"},
		/* Monday 11-30 a holiday: Friday, Tuesday, Wednesday; from Friday: Tue, Wed. */
		{"holidays = 2026-11-30", "2026-12-02", "2026-12-02"},
		/* Saturday 11-28 worked (调休): Friday, Saturday, Monday; from Friday: Sat, Mon. */
		{"workdays = 2026-11-28", "2026-11-30", "2026-11-30"},
		/* Friday to Tuesday off but Sunday 11-29 worked: Sunday, Wednesday, Thursday; from
		 * Friday (rectified on a holiday): Sunday, Wednesday. */
		{"holidays = 2026-11-27, 2026-11-30..2026-12-01\nworkdays = 2026-11-29", "2026-12-03", "2026-12-02"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char keys[256];
		struct hq_queue *q;
		struct hq_ticket t;
		struct hq_review r;
		struct hq_case c;

		snprintf(keys, sizeof keys, "rectify_working_days = 3\nrevisit_working_days = 2\n%s",
			 cases[i].calendar);
		q = open_hall(keys);
		ts_clock_ms = ts_local(2026, 11, 26, 16, 0);
		t = served(q);
		TQ_OK(q, hq_queue_review(q, t.id, 2, HQ_REASON_OTHER, NULL, HQ_CH_API, &r));
		c = case_of(q, r.case_id);
		if (strcmp(c.rectify_due, cases[i].rectify_due))
			fail_msg("calendar \"%s\": rectify due %s, expected %s", cases[i].calendar,
				 c.rectify_due, cases[i].rectify_due);
		ts_clock_ms = ts_local(2026, 11, 27, 10, 0);
		TQ_OK(q, hq_queue_case_step(q, c.id, HQ_CASE_VERIFIED, "a", NULL, NULL));
		TQ_OK(q, hq_queue_case_step(q, c.id, HQ_CASE_RECTIFIED, "a", NULL, &c));
		if (strcmp(c.revisit_due, cases[i].revisit_due))
			fail_msg("calendar \"%s\": revisit due %s, expected %s", cases[i].calendar,
				 c.revisit_due, cases[i].revisit_due);
		tq_close(q);
	}
}

/* Overdue on the hall's clock: after the due day of the step the case waits for. */
static void test_overdue(void **state)
{
	struct hq_queue *q = open_hall("rectify_working_days = 2\nrevisit_working_days = 1");
	struct hq_ticket t, u;
	struct hq_review r, s;
	struct hq_case *v;
	size_t n;
	int open, late;

	(void)state;
	/* Friday 11-27: rectification due Tuesday 12-01. */
	ts_clock_ms = ts_local(2026, 11, 27, 11, 0);
	t = served(q);
	TQ_OK(q, hq_queue_review(q, t.id, 1, HQ_REASON_ATTITUDE, NULL, HQ_CH_API, &r));
	u = served(q);
	TQ_OK(q, hq_queue_review(q, u.id, 5, 0, NULL, HQ_CH_API, &s));
	assert_string_equal(case_of(q, r.case_id).rectify_due, "2026-12-01");
	TQ_OK(q, hq_queue_case_step(q, r.case_id, HQ_CASE_VERIFIED, "a", NULL, NULL));
	/* The last second of the due day: in time. */
	ts_clock_ms = ts_local(2026, 12, 1, 23, 59) + 59999;
	assert_false(case_of(q, r.case_id).overdue);
	TQ_OK(q, hq_queue_cases(q, -1, false, true, &v, &n));
	assert_int_equal(n, 0);
	free(v);
	TQ_OK(q, hq_queue_case_counts(q, &open, &late));
	assert_int_equal(open, 1);
	assert_int_equal(late, 0);
	/* The next day: overdue, listed, counted. */
	ts_clock_ms = ts_local(2026, 12, 2, 0, 0);
	assert_true(case_of(q, r.case_id).overdue);
	TQ_OK(q, hq_queue_cases(q, -1, false, true, &v, &n));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, r.case_id);
	assert_true(v[0].overdue);
	free(v);
	TQ_OK(q, hq_queue_case_counts(q, &open, &late));
	assert_int_equal(late, 1);
	/* Rectified late on Wednesday 12-02: no longer overdue; revisit due Thursday 12-03. */
	TQ_OK(q, hq_queue_case_step(q, r.case_id, HQ_CASE_RECTIFIED, "a", NULL, NULL));
	assert_false(case_of(q, r.case_id).overdue);
	assert_string_equal(case_of(q, r.case_id).revisit_due, "2026-12-03");
	ts_clock_ms = ts_local(2026, 12, 4, 9, 0);
	assert_true(case_of(q, r.case_id).overdue);
	TQ_OK(q, hq_queue_case_step(q, r.case_id, HQ_CASE_REVISITED, "a", NULL, NULL));
	assert_false(case_of(q, r.case_id).overdue);
	TQ_OK(q, hq_queue_case_counts(q, &open, &late));
	assert_int_equal(open, 1);
	assert_int_equal(late, 0);
	/* Listing by state; closed ones only when asked. */
	TQ_OK(q, hq_queue_cases(q, HQ_CASE_REVISITED, false, false, &v, &n));
	assert_int_equal(n, 1);
	free(v);
	TQ_OK(q, hq_queue_case_step(q, r.case_id, HQ_CASE_CLOSED, "a", NULL, NULL));
	TQ_OK(q, hq_queue_cases(q, -1, false, false, &v, &n));
	assert_int_equal(n, 0);
	free(v);
	TQ_OK(q, hq_queue_cases(q, -1, true, false, &v, &n));
	assert_int_equal(n, 1);
	free(v);
	TQ_OK(q, hq_queue_cases(q, HQ_CASE_CLOSED, false, false, &v, &n));
	assert_int_equal(n, 1);
	assert_false(v[0].overdue);
	free(v);
	TQ_ERR(q, HQ_EINVAL, hq_queue_cases(q, 7, false, false, &v, &n));
	TQ_OK(q, hq_queue_case_counts(q, &open, &late));
	assert_int_equal(open + late, 0);
	tq_close(q);
}

/* The reviews of a range of time, by when they were first given. */
static void test_reviews_range(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_review *v;
	struct hq_ticket t;
	size_t n;

	(void)state;
	for (int h = 9; h <= 11; h++) {
		tq_at(h, 0);
		t = served(q);
		TQ_OK(q, hq_queue_review(q, t.id, h - 7, h == 9 ? HQ_REASON_OTHER : 0, NULL, HQ_CH_API, NULL));
	}
	TQ_OK(q, hq_queue_reviews(q, ts_local(2026, 11, 23, 0, 0), ts_local(2026, 11, 24, 0, 0), 0, &v, &n));
	assert_int_equal(n, 3);
	assert_int_equal(v[0].level, 2);
	assert_true(v[0].case_id > 0);
	assert_int_equal(v[2].level, 4);
	free(v);
	/* [from, to): the 10:00 review is in [10:00, 11:00), not in [09:00, 10:00). */
	TQ_OK(q, hq_queue_reviews(q, ts_local(2026, 11, 23, 10, 0), ts_local(2026, 11, 23, 11, 0), 0, &v, &n));
	assert_int_equal(n, 1);
	assert_int_equal(v[0].level, 3);
	free(v);
	TQ_OK(q, hq_queue_reviews(q, ts_local(2026, 11, 23, 0, 0), ts_local(2026, 11, 24, 0, 0), 4, &v, &n));
	assert_int_equal(n, 1);
	free(v);
	TQ_OK(q, hq_queue_reviews(q, ts_local(2026, 11, 24, 0, 0), ts_local(2026, 11, 25, 0, 0), 0, &v, &n));
	assert_int_equal(n, 0);
	assert_null(v);
	TQ_ERR(q, HQ_EINVAL, hq_queue_reviews(q, 2, 1, 0, &v, &n));
	TQ_ERR(q, HQ_EINVAL, hq_queue_reviews(q, 1, 2, 6, &v, &n));
	tq_close(q);
}

/* ---- the figures ---------------------------------------------------------------------------- */

/*
 * Five tickets at counter 1 (clerk c1), reviewed 5, 3, 1, 2 and 2-then-4:
 *   T1  5
 *   T2  3
 *   T3  1  its case verified and rectified
 *   T4  2  its case taken all the way to closed
 *   T5  2, changed to 4 within the window: its case closed by the change
 * rated 5, one at each level (T5 counts at 4); satisfied (3 and above) T1 T2 T5: 3/5; mean
 * (5 + 3 + 1 + 2 + 4) / 5 = 3. Bad reviews T3 and T4 (T5 is no longer one): 2. 差评整改率:
 * both reached rectified or beyond, 2/2; 回访率: T4 only, 1/2.
 */
static void test_figures(void **state)
{
	static const int level[] = {5, 3, 1, 2, 2};
	struct hq_queue *q = open_hall(NULL);
	struct hq_ticket t[5];
	struct hq_review r[5];
	struct hq_stats st;
	const struct hq_stats_row *w;

	(void)state;
	tq_at(9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "c1"));
	for (int i = 0; i < 5; i++) {
		t[i] = served(q);
		TQ_OK(q, hq_queue_review(q, t[i].id, level[i], level[i] <= 2 ? HQ_REASON_SKILL : 0, NULL,
					 HQ_CH_API, &r[i]));
		ts_advance_s(60);
	}
	TQ_OK(q, hq_queue_review(q, t[4].id, 4, 0, NULL, HQ_CH_API, NULL));
	TQ_OK(q, hq_queue_case_step(q, r[2].case_id, HQ_CASE_VERIFIED, "a", NULL, NULL));
	TQ_OK(q, hq_queue_case_step(q, r[2].case_id, HQ_CASE_RECTIFIED, "a", NULL, NULL));
	for (int s = HQ_CASE_VERIFIED; s <= HQ_CASE_CLOSED; s++)
		TQ_OK(q, hq_queue_case_step(q, r[3].case_id, s, "a", NULL, NULL));
	for (int by = HQ_BY_SERVICE; by <= HQ_BY_HOUR; by++) {
		TQ_OK(q, hq_queue_stats(q, by, ts_local(2026, 11, 23, 0, 0), ts_local(2026, 11, 24, 0, 0), &st));
		assert_int_equal(st.nrows, 1);
		for (w = st.rows; w; w = w == st.rows ? &st.total : NULL) {
			assert_int_equal(w->rated, 5);
			assert_int_equal(w->level1, 1);
			assert_int_equal(w->level2, 1);
			assert_int_equal(w->level3, 1);
			assert_int_equal(w->level4, 1);
			assert_int_equal(w->level5, 1);
			TQ_NEAR(0.6, w->satisfaction_rate);
			TQ_NEAR(3.0, w->score_mean);
			assert_int_equal(w->bad_reviews, 2);
			TQ_NEAR(1.0, w->rectify_rate);
			TQ_NEAR(0.5, w->revisit_rate);
		}
		hq_stats_free(&st);
	}
	/* The field table has them, the mean score as a kind of its own, over the reviews. */
	assert_int_equal(hq_stats_field("score_mean")->kind, HQ_SF_SCORE);
	assert_string_equal(hq_stats_field("score_mean")->base, "rated");
	assert_string_equal(hq_stats_field("rectify_rate")->base, "bad_reviews");
	assert_string_equal(hq_stats_field("revisit_rate")->base, "bad_reviews");
	assert_int_equal(hq_stats_field("level3")->kind, HQ_SF_INT);
	tq_close(q);
}

/* ---- the upgrade from schema 3 ----------------------------------------------------------- */

/*
 * A database of schema 3 (before the reviews): its ratings 1 不满意, 2 基本满意 and 3 满意 on
 * tickets.rating. Opened by this hallq, they become levels 1, 3 and 5, each with a review of
 * channel migrated at the ticket's end, and no case, not even for the bad one.
 */
static void test_upgrade_from_3(void **state)
{
	struct hq_queue *q = open_hall(NULL);
	struct hq_ticket t[4];
	struct hq_review r;
	struct hq_case *v;
	struct hq_stats st;
	sqlite3 *db;
	size_t n;

	(void)state;
	tq_at(9, 0);
	for (int i = 0; i < 4; i++) {
		t[i] = served(q);
		ts_advance_s(60);
	}
	tq_live = NULL;
	hq_queue_close(q);
	/* Back to schema 3 as the hallq before this one left it, with its ratings. */
	assert_int_equal(sqlite3_open(ts_db_path(), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE reviews; DROP TABLE cases; DROP TABLE case_steps;"
				      "DROP TABLE alerts; DROP TABLE clerks; DROP TABLE signins;"
				      "DROP TABLE sessions; ALTER TABLE counters DROP COLUMN state_at;"
				      "ALTER TABLE tickets DROP COLUMN secret;"
				      "UPDATE tickets SET rating = id WHERE id <= 3;" /* 1, 2, 3 */
				      "ALTER TABLE tickets DROP COLUMN est_low_s;"
				      "ALTER TABLE tickets DROP COLUMN est_high_s;"
				      "PRAGMA user_version = 3;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	q = tq_reopen(NULL);
	for (int i = 0; i < 4; i++) {
		static const int want[] = {1, 3, 5, 0};

		assert_int_equal(tq_get(q, t[i].id).rating, want[i]);
		assert_string_equal(tq_get(q, t[i].id).secret, "");
		r = review_of(q, t[i].id);
		if (!want[i]) {
			assert_int_equal(r.id, 0);
			continue;
		}
		assert_int_equal(r.level, want[i]);
		assert_int_equal(r.channel, HQ_CH_MIGRATED);
		assert_int_equal(r.reasons, 0);
		assert_int_equal(r.at, t[i].ended_at);
		assert_int_equal(r.counter, 1);
		assert_int_equal(r.case_id, 0);
	}
	TQ_OK(q, hq_queue_cases(q, -1, true, false, &v, &n));
	assert_int_equal(n, 0);
	free(v);
	/* The figures read them as five-level reviews: a bad one, followed up on paper. */
	TQ_OK(q, hq_queue_stats(q, HQ_BY_SERVICE, ts_local(2026, 11, 23, 0, 0), ts_local(2026, 11, 24, 0, 0), &st));
	assert_int_equal(st.total.rated, 3);
	assert_int_equal(st.total.level1, 1);
	assert_int_equal(st.total.level3, 1);
	assert_int_equal(st.total.level5, 1);
	assert_int_equal(st.total.bad_reviews, 1);
	TQ_NEAR(2.0 / 3, st.total.satisfaction_rate);
	TQ_NEAR(3.0, st.total.score_mean);
	TQ_NEAR(0, st.total.rectify_rate);
	hq_stats_free(&st);
	/* New tickets get their key. */
	t[0] = tq_issue(q, "a", HQ_CLASS_NORMAL);
	assert_int_equal(strlen(t[0].secret), HQ_SECRET_LEN);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_each_level_and_channel),
		TQ_TEST(test_reasons),
		TQ_TEST(test_comment_length),
		TQ_TEST(test_review_state),
		TQ_TEST(test_ticket_secret),
		TQ_TEST(test_edit_window),
		TQ_TEST(test_edit_and_case),
		TQ_TEST(test_review_last),
		TQ_TEST(test_case_steps),
		TQ_TEST(test_due_dates),
		TQ_TEST(test_overdue),
		TQ_TEST(test_reviews_range),
		TQ_TEST(test_figures),
		TQ_TEST(test_upgrade_from_3),
	};

	ts_setup_tz();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
