/*
 * Unit tests of the hall's figures: the statistics of a small scripted day, grouped by
 * service, counter, clerk and hour, with every expected number worked out by hand below
 * (the estimated wait has its own tests, tests/test_estimate.c). The percentiles are
 * nearest-rank (stats.c: the smallest sample with at least p of them at or below it), so for
 * n samples p is the ceil(p * n)-th smallest.
 */
#include "test_queue.h"

static const struct hq_stats_row *row(const struct hq_stats *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->nrows; i++)
		if (!strcmp(st->rows[i].key, key))
			return &st->rows[i];
	fail_msg("no stats row '%s'", key);
	return NULL;
}

/* The counts of a row: issued, called, served, noshow, transferred, cancelled, waiting. */
static void counts(const struct hq_stats_row *r, int issued, int called, int served,
		   int noshow, int transferred, int cancelled, int waiting)
{
	if (issued >= 0)
		assert_int_equal(r->issued, issued);
	assert_int_equal(r->called, called);
	assert_int_equal(r->served, served);
	assert_int_equal(r->noshow, noshow);
	assert_int_equal(r->transferred, transferred);
	assert_int_equal(r->cancelled, cancelled);
	assert_int_equal(r->waiting, waiting);
}

static void waits(const struct hq_stats_row *r, double mean, double p50, double p90, double max)
{
	TQ_NEAR(mean, r->wait_mean_s);
	TQ_NEAR(p50, r->wait_p50_s);
	TQ_NEAR(p90, r->wait_p90_s);
	TQ_NEAR(max, r->wait_max_s);
}

static void service(const struct hq_stats_row *r, double mean, double p90, double on_time)
{
	TQ_NEAR(mean, r->service_mean_s);
	TQ_NEAR(p90, r->service_p90_s);
	TQ_NEAR(on_time, r->on_time_rate);
}

/* Reviews: how many, the share at 3 (基本满意) or above, the mean level. */
static void rated(const struct hq_stats_row *r, int n, double rate, double mean)
{
	assert_int_equal(r->rated, n);
	TQ_NEAR(n ? rate : 0, r->satisfaction_rate);
	TQ_NEAR(n ? mean : 0, r->score_mean);
}

/* Reviews at levels 1 to 5. */
static void levels(const struct hq_stats_row *r, int l1, int l2, int l3, int l4, int l5)
{
	assert_int_equal(r->level1, l1);
	assert_int_equal(r->level2, l2);
	assert_int_equal(r->level3, l3);
	assert_int_equal(r->level4, l4);
	assert_int_equal(r->level5, l5);
}

/* Bad reviews, the share whose case was rectified (差评整改率) and revisited (回访率). */
static void bad(const struct hq_stats_row *r, int n, double rectified, double revisited)
{
	assert_int_equal(r->bad_reviews, n);
	TQ_NEAR(n ? rectified : 0, r->rectify_rate);
	TQ_NEAR(n ? revisited : 0, r->revisit_rate);
}

/*
 * The scripted day, seconds after 09:00 on Monday 2026-11-23, on the small hall (a: 30
 * minutes on time, b: 40, g: 10; counters 1 a; 2 a,b; 3 b,a; 4 g,a,b):
 *
 *   ticket  svc  issued  called (ctr, clerk)  wait  end                 service  review
 *   A001    a       0     420 (1, c1)          420  done 1080, start 480   600     4
 *   A002    a      60    1200 (1, c1)         1140  no-show 1380 (3rd recall)
 *   B001    b     120     900 (3, c3)          780  transferred to a at 1500
 *   A003    a     180      -                    -   cancelled 1980
 *   G01     g     240     500 (4, c4)          260  done 800, not started  300     5
 *   A004    a     300    2700 (2, c2)         2400  done 3660, start 2760  900     -
 *   B002    b     360    2100 (3, c3)         1740  done 3000, start 2160  840     2, case 2
 *   X=B001' a    (1500)  1560 (1, c9)           60  done 1920, start 1620  300     1, case 1
 *   A005    a    2000    4400 (2, c2)         2400  done 5360, start 4460  900     -
 *   B003    b    3900      -                    -   still waiting (10:05)
 *
 * X is B001 transferred to service a: its wait counts from the transfer, it is not a new
 * number (not issued), and it keeps B001's place, so counter 1 calls it before A003/A004.
 * Counter 1's clerk changes from c1 to c9 at 1500. G01 is reviewed at the kiosk, the others
 * by their counters' keys. X's bad review (attitude) opens case 1, verified at 2000,
 * rectified at 2500 and revisited at 3100; B002's (efficiency) opens case 2, verified at
 * 3500 only.
 */
static struct hq_queue *scripted_day(void)
{
	struct hq_queue *q = tq_open(NULL);
	struct hq_ticket a1, a2, b1, a3, g1, a4, b2, x, a5, t;
	struct hq_review rv;

	TQ_OK(q, hq_queue_sign_in(q, 1, "c1"));
	TQ_OK(q, hq_queue_sign_in(q, 2, "c2"));
	TQ_OK(q, hq_queue_sign_in(q, 3, "c3"));
	TQ_OK(q, hq_queue_sign_in(q, 4, "c4"));
	tq_at_s(0);
	a1 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_at_s(60);
	a2 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_at_s(120);
	b1 = tq_issue(q, "b", HQ_CLASS_NORMAL);
	tq_at_s(180);
	a3 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_at_s(240);
	g1 = tq_issue(q, "g", HQ_CLASS_NORMAL);
	tq_at_s(300);
	a4 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_at_s(360);
	b2 = tq_issue(q, "b", HQ_CLASS_NORMAL);

	tq_at_s(420);
	assert_int_equal(tq_next(q, 1).id, a1.id);
	tq_at_s(480);
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	tq_at_s(500);
	assert_int_equal(tq_next(q, 4).id, g1.id);
	tq_at_s(800);
	TQ_OK(q, hq_queue_finish(q, 4, NULL));
	tq_at_s(810);
	TQ_OK(q, hq_queue_review(q, g1.id, 5, 0, NULL, HQ_CH_KIOSK, NULL));
	tq_at_s(900);
	assert_int_equal(tq_next(q, 3).id, b1.id);
	tq_at_s(1080);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	tq_at_s(1090);
	TQ_OK(q, hq_queue_rate_last(q, 1, 4, &t));
	assert_int_equal(t.id, a1.id);
	tq_at_s(1200);
	assert_int_equal(tq_next(q, 1).id, a2.id);
	tq_at_s(1260);
	TQ_OK(q, hq_queue_recall(q, 1, NULL));
	tq_at_s(1320);
	TQ_OK(q, hq_queue_recall(q, 1, NULL));
	tq_at_s(1380);
	TQ_OK(q, hq_queue_recall(q, 1, &t));
	assert_int_equal(t.state, HQ_T_NOSHOW);
	tq_at_s(1500);
	TQ_OK(q, hq_queue_transfer_service(q, 3, "a", &x));
	TQ_OK(q, hq_queue_sign_out(q, 1));
	TQ_OK(q, hq_queue_sign_in(q, 1, "c9"));
	tq_at_s(1560);
	assert_int_equal(tq_next(q, 1).id, x.id);
	tq_at_s(1620);
	TQ_OK(q, hq_queue_start(q, 1, NULL));
	tq_at_s(1920);
	TQ_OK(q, hq_queue_finish(q, 1, NULL));
	tq_at_s(1930);
	TQ_OK(q, hq_queue_review_last(q, 1, 1, HQ_REASON_ATTITUDE, HQ_CH_UNIT, &rv));
	assert_int_equal(rv.ticket_id, x.id);
	assert_int_equal(rv.case_id, 1);
	tq_at_s(1980);
	TQ_OK(q, hq_queue_cancel(q, a3.id, "left", NULL));
	tq_at_s(2000);
	a5 = tq_issue(q, "a", HQ_CLASS_NORMAL);
	TQ_OK(q, hq_queue_case_step(q, 1, HQ_CASE_VERIFIED, "主任", NULL, NULL));
	tq_at_s(2100);
	assert_int_equal(tq_next(q, 3).id, b2.id);
	tq_at_s(2160);
	TQ_OK(q, hq_queue_start(q, 3, NULL));
	tq_at_s(2500);
	TQ_OK(q, hq_queue_case_step(q, 1, HQ_CASE_RECTIFIED, "主任", NULL, NULL));
	tq_at_s(2700);
	assert_int_equal(tq_next(q, 2).id, a4.id);
	tq_at_s(2760);
	TQ_OK(q, hq_queue_start(q, 2, NULL));
	tq_at_s(3000);
	TQ_OK(q, hq_queue_finish(q, 3, NULL));
	tq_at_s(3010);
	TQ_OK(q, hq_queue_review_last(q, 3, 2, HQ_REASON_EFFICIENCY, HQ_CH_UNIT, &rv));
	assert_int_equal(rv.ticket_id, b2.id);
	assert_int_equal(rv.case_id, 2);
	tq_at_s(3100);
	TQ_OK(q, hq_queue_case_step(q, 1, HQ_CASE_REVISITED, "主任", NULL, NULL));
	tq_at_s(3500);
	TQ_OK(q, hq_queue_case_step(q, 2, HQ_CASE_VERIFIED, "主任", NULL, NULL));
	tq_at_s(3660);
	TQ_OK(q, hq_queue_finish(q, 2, NULL));
	tq_at_s(3900);
	tq_issue(q, "b", HQ_CLASS_NORMAL); /* B003, 10:05 */
	tq_at_s(4400);
	assert_int_equal(tq_next(q, 2).id, a5.id);
	tq_at_s(4460);
	TQ_OK(q, hq_queue_start(q, 2, NULL));
	tq_at_s(5360);
	TQ_OK(q, hq_queue_finish(q, 2, NULL));
	tq_at_s(5400);
	return q;
}

static void stats(struct hq_queue *q, enum hq_group by, int64_t from, int64_t to,
		  struct hq_stats *st)
{
	memset(st, 0, sizeof *st);
	TQ_OK(q, hq_queue_stats(q, by, from, to, st));
}

static int64_t day_start(void)
{
	return ts_local(2026, 11, 23, 0, 0);
}

static int64_t day_end(void)
{
	return ts_local(2026, 11, 24, 0, 0);
}

/*
 * Whole day, all tickets: issued 9 (X is not new), called 8, served 6, 1 no-show,
 * 1 transferred, 1 cancelled, 1 waiting.
 * Waits, sorted: 60 260 420 780 1140 1740 2400 2400: mean 9200/8 = 1150; p50 is the 4th,
 * 780; p90 the 8th, 2400; max 2400. On time (a 1800 s, b 2400 s, g 600 s): all but A004 and
 * A005, 6/8. Service times, sorted: 300 300 600 840 900 900: mean 3840/6 = 640, p90 the
 * 6th, 900. Reviews 4 (A001), 5 (G01), 1 (X), 2 (B002): 2 of 4 at 3 or above, mean
 * 12/4 = 3. Two bad reviews: X's case was rectified and revisited, B002's only verified, so
 * 1/2 rectified and 1/2 revisited.
 */
static void check_total(const struct hq_stats_row *r)
{
	counts(r, 9, 8, 6, 1, 1, 1, 1);
	waits(r, 1150, 780, 2400, 2400);
	service(r, 640, 900, 0.75);
	rated(r, 4, 0.5, 3.0);
	levels(r, 1, 1, 0, 1, 1);
	bad(r, 2, 0.5, 0.5);
}

static void test_stats_by_service(void **state)
{
	struct hq_queue *q = scripted_day();
	struct hq_stats st;
	const struct hq_stats_row *r;

	(void)state;
	stats(q, HQ_BY_SERVICE, day_start(), day_end(), &st);
	assert_int_equal(st.nrows, 3);
	check_total(&st.total);

	/*
	 * a: A001 A002 A003 A004 A005 and X. Issued 5, called 5, served 4 (A001 X A004 A005),
	 * no-show A002, cancelled A003. Waits 60 420 1140 2400 2400: mean 6420/5 = 1284, p50
	 * the 3rd 1140, p90 the 5th 2400; on time 3/5. Service 300 600 900 900: mean 675,
	 * p90 the 4th 900. Reviews 4 (A001), 1 (X): 1/2 satisfied, mean 2.5; X's case rectified
	 * and revisited: 1/1 and 1/1.
	 */
	r = row(&st, "a");
	counts(r, 5, 5, 4, 1, 0, 1, 0);
	waits(r, 1284, 1140, 2400, 2400);
	service(r, 675, 900, 0.6);
	rated(r, 2, 0.5, 2.5);
	levels(r, 1, 0, 0, 1, 0);
	bad(r, 1, 1.0, 1.0);
	assert_int_equal(r->appointments, 0);
	assert_int_equal(r->missed_appointments, 0);

	/*
	 * b: B001 (transferred) B002 (done) B003 (waiting). Waits 780 1740: mean 1260, p50 the
	 * 1st 780, p90 the 2nd 1740; both within 40 minutes. Service 840. Review 2 (不满意):
	 * 0/1 satisfied, mean 2, its case only verified: 0/1 and 0/1.
	 */
	r = row(&st, "b");
	counts(r, 3, 2, 1, 0, 1, 0, 1);
	waits(r, 1260, 780, 1740, 1740);
	service(r, 840, 840, 1.0);
	rated(r, 1, 0.0, 2.0);
	levels(r, 0, 1, 0, 0, 0);
	bad(r, 1, 0.0, 0.0);

	/* g: G01 alone; wait 260 within 10 minutes; service 300 from the call; review 5. */
	r = row(&st, "g");
	counts(r, 1, 1, 1, 0, 0, 0, 0);
	waits(r, 260, 260, 260, 260);
	service(r, 300, 300, 1.0);
	rated(r, 1, 1.0, 5.0);
	levels(r, 0, 0, 0, 0, 1);
	bad(r, 0, 0, 0);
	hq_stats_free(&st);

	/* The live state agrees: served today per service, new numbers per service. */
	assert_int_equal(tq_service(q, "a").issued_today, 5);
	assert_int_equal(tq_service(q, "a").served_today, 4);
	assert_int_equal(tq_service(q, "b").issued_today, 3);
	assert_int_equal(tq_service(q, "b").served_today, 1);
	assert_int_equal(tq_service(q, "b").waiting, 1);
	tq_close(q);
}

static void test_stats_by_counter(void **state)
{
	struct hq_queue *q = scripted_day();
	struct hq_stats st;
	const struct hq_stats_row *r;

	(void)state;
	stats(q, HQ_BY_COUNTER, day_start(), day_end(), &st);
	check_total(&st.total);

	/*
	 * Counter 1: A001 (420, 600 s, 4), A002 (1140, no-show), X (60, 300 s, 1). Waits
	 * 60 420 1140: mean 540, p50 the 2nd 420, p90 the 3rd 1140. Service 300 600: mean 450,
	 * p90 the 2nd 600. All on time. Reviews 4, 1, as service a's.
	 */
	r = row(&st, "1");
	counts(r, -1, 3, 2, 1, 0, 0, 0);
	waits(r, 540, 420, 1140, 1140);
	service(r, 450, 600, 1.0);
	rated(r, 2, 0.5, 2.5);
	levels(r, 1, 0, 0, 1, 0);
	bad(r, 1, 1.0, 1.0);

	/* Counter 2: A004 and A005, both waited 2400 s (late), served 900 s each, unreviewed. */
	r = row(&st, "2");
	counts(r, -1, 2, 2, 0, 0, 0, 0);
	waits(r, 2400, 2400, 2400, 2400);
	service(r, 900, 900, 0.0);
	rated(r, 0, 0, 0);
	levels(r, 0, 0, 0, 0, 0);
	bad(r, 0, 0, 0);

	/* Counter 3: B001 (780, transferred), B002 (1740, 840 s, reviewed 2, case verified). */
	r = row(&st, "3");
	counts(r, -1, 2, 1, 0, 1, 0, 0);
	waits(r, 1260, 780, 1740, 1740);
	service(r, 840, 840, 1.0);
	rated(r, 1, 0.0, 2.0);
	bad(r, 1, 0.0, 0.0);

	/* Counter 4: G01, reviewed 5. */
	r = row(&st, "4");
	counts(r, -1, 1, 1, 0, 0, 0, 0);
	waits(r, 260, 260, 260, 260);
	service(r, 300, 300, 1.0);
	rated(r, 1, 1.0, 5.0);
	hq_stats_free(&st);
	tq_close(q);
}

static void test_stats_by_clerk(void **state)
{
	struct hq_queue *q = scripted_day();
	struct hq_stats st;
	const struct hq_stats_row *r;

	(void)state;
	stats(q, HQ_BY_CLERK, day_start(), day_end(), &st);
	check_total(&st.total);

	/* c1: A001 (420, 600 s, 4) and A002 (1140, no-show). */
	r = row(&st, "c1");
	counts(r, -1, 2, 1, 1, 0, 0, 0);
	waits(r, 780, 420, 1140, 1140);
	service(r, 600, 600, 1.0);
	rated(r, 1, 1.0, 4.0);
	bad(r, 0, 0, 0);

	/* c9 took over counter 1: X (60, 300 s, reviewed 1: 非常不满意; its case rectified and
	 * revisited). */
	r = row(&st, "c9");
	counts(r, -1, 1, 1, 0, 0, 0, 0);
	waits(r, 60, 60, 60, 60);
	service(r, 300, 300, 1.0);
	rated(r, 1, 0.0, 1.0);
	levels(r, 1, 0, 0, 0, 0);
	bad(r, 1, 1.0, 1.0);

	r = row(&st, "c2");
	counts(r, -1, 2, 2, 0, 0, 0, 0);
	waits(r, 2400, 2400, 2400, 2400);
	service(r, 900, 900, 0.0);

	r = row(&st, "c3");
	counts(r, -1, 2, 1, 0, 1, 0, 0);
	waits(r, 1260, 780, 1740, 1740);
	rated(r, 1, 0.0, 2.0);
	bad(r, 1, 0.0, 0.0);

	r = row(&st, "c4");
	counts(r, -1, 1, 1, 0, 0, 0, 0);
	waits(r, 260, 260, 260, 260);
	hq_stats_free(&st);
	tq_close(q);
}

static void test_stats_by_hour(void **state)
{
	struct hq_queue *q = scripted_day();
	struct hq_stats st;
	const struct hq_stats_row *r;

	(void)state;
	stats(q, HQ_BY_HOUR, day_start(), day_end(), &st);
	assert_int_equal(st.nrows, 2);
	check_total(&st.total);

	/* Everything but B003 was issued in the 09 hour; so the waits are the day's. */
	r = row(&st, "09");
	counts(r, 8, 8, 6, 1, 1, 1, 0);
	waits(r, 1150, 780, 2400, 2400);
	service(r, 640, 900, 0.75);
	rated(r, 4, 0.5, 3.0);
	levels(r, 1, 1, 0, 1, 1);
	bad(r, 2, 0.5, 0.5);

	r = row(&st, "10");
	counts(r, 1, 0, 0, 0, 0, 0, 1);
	rated(r, 0, 0, 0);
	bad(r, 0, 0, 0);
	hq_stats_free(&st);
	tq_close(q);
}

/* The range is over issue times, [from, to). */
static void test_stats_range(void **state)
{
	struct hq_queue *q = scripted_day();
	struct hq_stats st;

	(void)state;
	/* 09:00-09:05: A001 A002 B001 A003 G01 are new numbers issued in it. */
	stats(q, HQ_BY_SERVICE, ts_local(2026, 11, 23, 9, 0), ts_local(2026, 11, 23, 9, 5), &st);
	assert_int_equal(st.total.issued, 5);
	assert_int_equal(row(&st, "g")->issued, 1);
	assert_int_equal(row(&st, "g")->served, 1);
	hq_stats_free(&st);

	/* 10:00-11:00: B003 alone. */
	stats(q, HQ_BY_SERVICE, ts_local(2026, 11, 23, 10, 0), ts_local(2026, 11, 23, 11, 0), &st);
	counts(&st.total, 1, 0, 0, 0, 0, 0, 1);
	hq_stats_free(&st);

	/* A001 was issued at exactly 09:00: in [09:00, ...), not in [..., 09:00). */
	stats(q, HQ_BY_SERVICE, day_start(), ts_local(2026, 11, 23, 9, 0), &st);
	assert_int_equal(st.total.issued, 0);
	assert_int_equal(st.total.called, 0);
	hq_stats_free(&st);

	/* The next day has nothing. */
	stats(q, HQ_BY_SERVICE, day_end(), day_end() + 86400000LL, &st);
	assert_int_equal(st.total.issued, 0);
	hq_stats_free(&st);
	hq_stats_free(NULL);
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_stats_by_service),
		TQ_TEST(test_stats_by_counter),
		TQ_TEST(test_stats_by_clerk),
		TQ_TEST(test_stats_by_hour),
		TQ_TEST(test_stats_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
