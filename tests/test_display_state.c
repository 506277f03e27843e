/*
 * The wall display's model (display/state.c): which events are calls, which calls are too
 * old to announce, the recent calls' order, a new day, when a hall snapshot counts as a
 * change, a service with no counter open (no estimate), and the wait column's words with
 * the hall's ranges (estimate_display = range). No window, no server: events and snapshots
 * are built here, the clocks passed in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hq_error.h"
#include "hq_hall.h"
#include "screen.h"
#include "state.h"

/* 2026-11-23 10:19:40 in Beijing, 02:19:40 UTC. */
#define T0 1795400380000LL

static struct hq_devent ev(const char *type, const char *label, int counter, int64_t at)
{
	struct hq_devent e = { .counter = counter, .at_ms = at };
	static int64_t id;

	e.id = ++id;
	snprintf(e.type, sizeof e.type, "%s", type);
	snprintf(e.label, sizeof e.label, "%s", label);
	snprintf(e.service, sizeof e.service, "realestate");
	return e;
}

static void iso_times(void **unused)
{
	(void)unused;
	assert_int_equal(hq_iso_ms("2026-11-23T10:19:40+08:00"), T0);
	assert_int_equal(hq_iso_ms("2026-11-23T02:19:40Z"), T0);
	assert_int_equal(hq_iso_ms("2026-11-23T02:19:40"), T0);
	assert_int_equal(hq_iso_ms("2026-11-23T02:19:40.250Z"), T0 + 250);
	assert_int_equal(hq_iso_ms("2026-11-22T21:19:40-05:00"), T0);
	assert_int_equal(hq_iso_ms("2026-03-01T00:00:00+0000"), 1772323200000LL);
	assert_int_equal(hq_iso_ms(NULL), 0);
	assert_int_equal(hq_iso_ms(""), 0);
	assert_int_equal(hq_iso_ms("yesterday"), 0);
	assert_int_equal(hq_iso_ms("2026-13-01T00:00:00Z"), 0);
	assert_int_equal(hq_iso_ms("2026-11-23T02:19:40+08"), 0);
}

static void parse_event(void **unused)
{
	struct hq_sse_event sse = { .id = 42 };
	struct hq_devent e;

	(void)unused;
	snprintf(sse.type, sizeof sse.type, "called");
	sse.data = json_loads("{\"id\": 42, \"at\": \"2026-11-23T10:19:40+08:00\", \"type\": \"called\","
			      " \"ticket_id\": 17, \"label\": \"B012\", \"service\": \"realestate\","
			      " \"counter\": 3, \"value\": 0, \"detail\": \"0312\"}", 0, NULL);
	assert_non_null(sse.data);
	assert_int_equal(hq_devent_parse(&sse, &e), HQ_OK);
	assert_int_equal(e.id, 42);
	assert_string_equal(e.type, "called");
	assert_string_equal(e.label, "B012");
	assert_string_equal(e.service, "realestate");
	assert_int_equal(e.counter, 3);
	assert_int_equal(e.at_ms, T0);
	json_decref(sse.data);
	/* at_ms, when hallqd sends it, is taken over the whole-second "at". */
	sse.data = json_loads("{\"id\": 43, \"at\": \"2026-11-23T10:19:40+08:00\", \"at_ms\": 1795400380250,"
			      " \"type\": \"called\", \"label\": \"B013\", \"counter\": 3}", 0, NULL);
	assert_int_equal(hq_devent_parse(&sse, &e), HQ_OK);
	assert_int_equal(e.at_ms, T0 + 250);
	json_decref(sse.data);
	sse.data = json_string("not an object");
	assert_int_equal(hq_devent_parse(&sse, &e), HQ_EFRAME);
	json_decref(sse.data);
}

static void fresh_and_old_calls(void **unused)
{
	struct hq_dstate st;
	struct hq_devent e;

	(void)unused;
	hq_dstate_init(&st);
	/* Said at once: a call made a second ago. */
	e = ev("called", "B001", 3, T0 - 1000);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 5000), HQ_DS_CHANGED | HQ_DS_CALL);
	assert_int_equal(st.ncalls, 1);
	assert_int_equal(st.highlight_ms, 5000);
	/* At the limit still fresh; past it shown, not said, not highlighted. */
	e = ev("called", "B002", 4, T0 - HQ_DS_FRESH_MS);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 6000), HQ_DS_CHANGED | HQ_DS_CALL);
	e = ev("called", "B003", 4, T0 - HQ_DS_FRESH_MS - 1);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 7000), HQ_DS_CHANGED | HQ_DS_OLD);
	assert_int_equal(st.ncalls, 3);
	assert_string_equal(st.calls[0].label, "B003");
	assert_int_equal(st.highlight_ms, 0);
	/* An event without a time is said rather than lost. */
	e = ev("called", "B004", 3, 0);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 8000), HQ_DS_CHANGED | HQ_DS_CALL);
	/* Other events are not calls. */
	e = ev("issued", "B009", 0, T0);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 9000), 0);
	e = ev("finished", "B004", 3, T0);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 9000), 0);
	e = ev("called", "", 3, T0);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 9000), 0);
	assert_int_equal(st.ncalls, 4);
	hq_dstate_free(&st);
}

/* Under hallqd --speed 120 a call made a real second ago is two minutes old by hallqd's
 * clock: still fresh. At 120x the limit is 30 real seconds, one hour by hallqd's clock. */
static void fresh_under_a_simulated_clock(void **unused)
{
	struct hq_dstate st;
	struct hq_devent e;

	(void)unused;
	hq_dstate_init(&st);
	st.speed = 120;
	e = ev("called", "A001", 1, T0 - 120 * 1000);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 1000), HQ_DS_CHANGED | HQ_DS_CALL);
	e = ev("called", "A002", 1, T0 - 120LL * HQ_DS_FRESH_MS);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 2000), HQ_DS_CHANGED | HQ_DS_CALL);
	e = ev("called", "A003", 1, T0 - 120LL * HQ_DS_FRESH_MS - 120 * 1000);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 3000), HQ_DS_CHANGED | HQ_DS_OLD);
	/* The same two minutes at the real speed: old. */
	st.speed = 1;
	e = ev("called", "A004", 1, T0 - 120 * 1000);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 4000), HQ_DS_CHANGED | HQ_DS_OLD);
	hq_dstate_free(&st);
}

static void recall_moves_up(void **unused)
{
	struct hq_dstate st;
	struct hq_devent e;

	(void)unused;
	hq_dstate_init(&st);
	e = ev("called", "A001", 1, T0);
	hq_dstate_event(&st, &e, T0, 1000);
	e = ev("called", "B001", 3, T0);
	hq_dstate_event(&st, &e, T0, 2000);
	e = ev("recalled", "A001", 1, T0 + 5000);
	e.value = 1;
	assert_int_equal(hq_dstate_event(&st, &e, T0 + 5000, 7000), HQ_DS_CHANGED | HQ_DS_CALL);
	assert_int_equal(st.ncalls, 2);
	assert_string_equal(st.calls[0].label, "A001");
	assert_int_equal(st.calls[0].recalls, 1);
	assert_string_equal(st.calls[1].label, "B001");
	assert_int_equal(st.highlight_ms, 7000);
	/* A ticket called again elsewhere (a transfer keeps its label): one line, on top. */
	e = ev("called", "B001", 4, T0 + 9000);
	hq_dstate_event(&st, &e, T0 + 9000, 9000);
	assert_int_equal(st.ncalls, 2);
	assert_string_equal(st.calls[0].label, "B001");
	assert_int_equal(st.calls[0].counter, 4);
	assert_int_equal(st.calls[0].recalls, 0);
	hq_dstate_free(&st);
}

static void bounded_and_daily(void **unused)
{
	struct hq_dstate st;
	struct hq_devent e;
	char label[16];
	int i;

	(void)unused;
	hq_dstate_init(&st);
	for (i = 1; i <= HQ_DS_CALLS + 5; i++) {
		snprintf(label, sizeof label, "A%03d", i);
		e = ev("called", label, 1, T0 + i);
		hq_dstate_event(&st, &e, T0 + i, i);
	}
	assert_int_equal(st.ncalls, HQ_DS_CALLS);
	snprintf(label, sizeof label, "A%03d", HQ_DS_CALLS + 5);
	assert_string_equal(st.calls[0].label, label);
	assert_string_equal(st.calls[HQ_DS_CALLS - 1].label, "A006");
	/* Yesterday's calls, as a replay at start brings them, are not taken in... */
	e = ev("called", "Z001", 1, T0 - 86400000LL);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 1), 0);
	/* ...and at midnight today's go. */
	assert_false(hq_dstate_keep_day(&st, T0));
	assert_true(hq_dstate_keep_day(&st, T0 + 86400000LL));
	assert_int_equal(st.ncalls, 0);
	/* The end of a day, closed by the hall, clears them too. */
	e = ev("called", "A001", 1, T0);
	hq_dstate_event(&st, &e, T0, 1);
	e = ev("day_closed", "", 0, T0);
	assert_int_equal(hq_dstate_event(&st, &e, T0, 2), HQ_DS_CHANGED);
	assert_int_equal(st.ncalls, 0);
	assert_int_equal(st.highlight_ms, 0);
	hq_dstate_free(&st);
}

static void hall_snapshots(void **unused)
{
	struct hq_hall_service sv[2] = {
		{ .key = "realestate", .name = "不动产登记", .name_en = "Real estate", .open = true, .waiting = 4,
		  .est_wait_s = 600 },
		{ .key = "tax", .name = "税务", .open = true },
	};
	struct hq_hall_counter ct[1] = { { .number = 3, .name = "3号窗口", .serving = "B001" } };
	struct hq_hall h = { .name = "测试中心", .notice = "请带身份证", .lang_en = true, .services = sv,
			     .nservices = 2, .counters = ct, .ncounters = 1 };
	struct hq_dstate st;
	bool changed;

	(void)unused;
	hq_dstate_init(&st);
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	assert_true(st.have_hall);
	assert_string_equal(hq_dstate_service(&st, "realestate")->name, "不动产登记");
	assert_string_equal(hq_dstate_counter(&st, 3)->serving, "B001");
	assert_null(hq_dstate_service(&st, "nope"));
	assert_null(hq_dstate_counter(&st, 9));
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_false(changed);
	sv[1].waiting = 1;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	snprintf(h.notice, sizeof h.notice, "今日下午停电");
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	h.ncounters = 0;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	assert_int_equal(st.ncounters, 0);
	hq_dstate_free(&st);
	hq_dstate_free(&st);
}

/* A service no open counter serves has no estimate (HQ_EST_NONE), and perhaps the time its
 * hours open later today: both are kept, an opening time without HQ_EST_NONE is not (it
 * means nothing then), and a counter opening or closing redraws. */
static void no_counter_open(void **unused)
{
	struct hq_hall_service sv[2] = {
		{ .key = "tax", .name = "税务", .open = true, .waiting = 2, .est_wait_s = HQ_EST_NONE },
		{ .key = "realestate", .name = "不动产登记", .open = false, .est_wait_s = HQ_EST_NONE,
		  .est_opens_at = T0 + 600000 },
	};
	struct hq_hall h = { .name = "测试中心", .services = sv, .nservices = 2 };
	struct hq_dstate st;
	bool changed;

	(void)unused;
	hq_dstate_init(&st);
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_wait_s, HQ_EST_NONE);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_opens_at, 0);
	assert_int_equal(hq_dstate_service(&st, "realestate")->est_wait_s, HQ_EST_NONE);
	assert_int_equal(hq_dstate_service(&st, "realestate")->est_opens_at, T0 + 600000);
	/* A counter of tax opens: an estimate, a redraw. */
	sv[0].est_wait_s = 0;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_wait_s, 0);
	/* ...and closes again. */
	sv[0].est_wait_s = HQ_EST_NONE;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	/* The opening time moves (lunch, then the afternoon): a redraw. */
	sv[1].est_opens_at = T0 + 3600000;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	assert_int_equal(hq_dstate_service(&st, "realestate")->est_opens_at, T0 + 3600000);
	/* An opening time beside an estimate is no part of what is shown. */
	sv[1].est_wait_s = 300;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_int_equal(hq_dstate_service(&st, "realestate")->est_opens_at, 0);
	sv[1].est_opens_at = T0 + 7200000;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_false(changed);
	hq_dstate_free(&st);
}

/* The rule of the range's minutes (common/hall.c, issue 18's contract): low rounded down,
 * high up and at least a minute above it; within the first minute, "under a minute". */
static void range_minutes(void **unused)
{
	static const struct {
		int lo, hi;             /* seconds */
		bool shown;
		int min[2];
	} cases[] = {
		{ 900, 1500, true, { 15, 25 } },     /* whole minutes */
		{ 905, 1441, true, { 15, 25 } },     /* low down, high up */
		{ 959, 1500, true, { 15, 25 } },
		{ 0, 0, true, { 0, 1 } },            /* nothing to wait for: under a minute */
		{ 0, 59, true, { 0, 1 } },
		{ 0, 60, true, { 0, 1 } },           /* high of exactly a minute: still under it */
		{ 30, 45, true, { 0, 1 } },
		{ 0, 61, true, { 0, 2 } },           /* a second past: "约 0–2 分钟" */
		{ 60, 60, true, { 1, 2 } },          /* equal after rounding: widened by a minute */
		{ 600, 600, true, { 10, 11 } },
		{ 610, 650, true, { 10, 11 } },
		{ 599, 601, true, { 9, 11 } },
		{ 5400, 9000, true, { 90, 150 } },   /* no hours: minutes, as the contract says */
		{ HQ_EST_NONE, HQ_EST_NONE, false, { 0, 0 } }, /* null: the point */
		{ -5, 60, false, { 0, 0 } },
		{ 600, 300, false, { 0, 0 } },       /* high below low: not a range */
		{ 0, 100 * 3600, false, { 0, 0 } },
	};
	size_t i;
	int min[2];

	(void)unused;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r[2] = { cases[i].lo, cases[i].hi };
		bool shown = hq_est_range_minutes(r, min);

		if (shown != cases[i].shown || min[0] != cases[i].min[0] || min[1] != cases[i].min[1])
			fail_msg("range [%d, %d]: %s %d-%d, want %s %d-%d", r[0], r[1], shown ? "shown" : "none",
				 min[0], min[1], cases[i].shown ? "shown" : "none", cases[i].min[0], cases[i].min[1]);
	}
}

/* The model keeps a service's range only where the hall shows ranges and there is an
 * estimate: a hall of points, an older hallqd (no estimate_display) or no counter open
 * keep none. Switching between the two redraws. */
static void range_kept(void **unused)
{
	struct hq_hall_service sv[2] = {
		{ .key = "tax", .name = "税务", .open = true, .waiting = 4, .est_wait_s = 1200,
		  .est_range_s = { 900, 1500 } },
		{ .key = "business", .name = "企业开办", .open = true, .waiting = 2, .est_wait_s = HQ_EST_NONE,
		  .est_range_s = { HQ_EST_NONE, HQ_EST_NONE } },
	};
	struct hq_hall h = { .name = "测试中心", .services = sv, .nservices = 2 };
	struct hq_dstate st;
	bool changed;

	(void)unused;
	hq_dstate_init(&st);
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_range_s[0], HQ_EST_NONE);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_range_s[1], HQ_EST_NONE);
	h.estimate_range = true;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_range_s[0], 900);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_range_s[1], 1500);
	assert_int_equal(hq_dstate_service(&st, "business")->est_range_s[0], HQ_EST_NONE);
	/* A range beside no estimate (what hallqd never sends) is not kept either. */
	sv[1].est_range_s[0] = 0;
	sv[1].est_range_s[1] = 60;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_false(changed);
	assert_int_equal(hq_dstate_service(&st, "business")->est_range_s[1], HQ_EST_NONE);
	sv[0].est_range_s[1] = 1560;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	h.estimate_range = false;
	assert_int_equal(hq_dstate_set_hall(&st, &h, &changed), HQ_OK);
	assert_true(changed);
	assert_int_equal(hq_dstate_service(&st, "tax")->est_range_s[1], HQ_EST_NONE);
	hq_dstate_free(&st);
}

/* The wait column's words: the point as before, the range where the model keeps one, and
 * the no-counter words over everything. */
static void wait_column_words(void **unused)
{
	struct hq_dservice sv = { .key = "tax", .open = true, .waiting = 4, .est_wait_s = 1200,
				  .est_range_s = { HQ_EST_NONE, HQ_EST_NONE } };
	char zh[64], en[64];

	(void)unused;
	/* The point, exactly as before ranges. */
	assert_int_equal(hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en), 0);
	assert_string_equal(zh, "约 20 分钟");
	assert_string_equal(en, "~20 min");
	sv.est_wait_s = 30;
	assert_int_equal(hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en), 0);
	assert_string_equal(zh, "约 1 分钟");
	sv.est_wait_s = 150 * 60;
	assert_int_equal(hq_screen_wait_words(&sv, false, zh, sizeof zh, en, sizeof en), 0);
	assert_string_equal(zh, "约 2 小时");
	assert_string_equal(en, "");

	/* The range: two lines where the row has room. */
	sv.est_wait_s = 1200;
	sv.est_range_s[0] = 905;
	sv.est_range_s[1] = 1441;
	assert_int_equal(hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en), HQ_SCREEN_WW_TWO);
	assert_string_equal(zh, "约 15–25 分钟");
	assert_string_equal(en, "about 15–25 min");
	assert_int_equal(hq_screen_wait_words(&sv, false, zh, sizeof zh, en, sizeof en), HQ_SCREEN_WW_TWO);
	assert_string_equal(zh, "约 15–25 分钟");
	assert_string_equal(en, "");
	/* High within the first minute: the words for under a minute. */
	sv.est_range_s[0] = 0;
	sv.est_range_s[1] = 50;
	hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en);
	assert_string_equal(zh, "不到 1 分钟");
	assert_string_equal(en, "under a minute");
	/* Equal after rounding: a minute wide. */
	sv.est_range_s[0] = 610;
	sv.est_range_s[1] = 650;
	hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en);
	assert_string_equal(zh, "约 10–11 分钟");
	assert_string_equal(en, "about 10–11 min");
	/* Nobody waiting is no wait, whatever the range. */
	sv.waiting = 0;
	hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en);
	assert_string_equal(zh, "无需等候");
	/* A service closed now is closed. */
	sv.waiting = 3;
	sv.open = false;
	hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en);
	assert_string_equal(zh, "暂停取号");
	/* No counter open wins over everything (the model keeps no range then, but even so). */
	sv.open = true;
	sv.est_wait_s = HQ_EST_NONE;
	assert_int_equal(hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en),
			 HQ_SCREEN_WW_NOEST | HQ_SCREEN_WW_TWO);
	assert_string_equal(zh, "窗口暂未开放");
	assert_string_equal(en, "No counter open yet");
	sv.est_opens_at = T0 + 600000;
	hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en);
	assert_string_equal(zh, "约 02:29 后开始办理");
	/* No range (null): the point. */
	sv.est_opens_at = 0;
	sv.est_wait_s = 600;
	sv.est_range_s[0] = sv.est_range_s[1] = HQ_EST_NONE;
	assert_int_equal(hq_screen_wait_words(&sv, true, zh, sizeof zh, en, sizeof en), 0);
	assert_string_equal(zh, "约 10 分钟");
	assert_string_equal(en, "~10 min");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iso_times),
		cmocka_unit_test(parse_event),
		cmocka_unit_test(fresh_and_old_calls),
		cmocka_unit_test(fresh_under_a_simulated_clock),
		cmocka_unit_test(recall_moves_up),
		cmocka_unit_test(bounded_and_daily),
		cmocka_unit_test(hall_snapshots),
		cmocka_unit_test(no_counter_open),
		cmocka_unit_test(range_minutes),
		cmocka_unit_test(range_kept),
		cmocka_unit_test(wait_column_words),
	};

	/* Days are local days: one zone for the whole test. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("display_state", tests, NULL, NULL);
}
