/*
 * Retention (queue/retention.c, hq_retention.h) on a simulated clock: half a year of a small
 * hall (appointments with names and phones, tickets served and reviewed with comments, bad
 * reviews and their cases, sign-ins, events), then the rules applied. Checks that names and
 * phones go exactly personal_days after the appointment's day and not a day before, that
 * comments outlive the appraisal period only where a case is still open, that what is
 * older than keep_months is purged and archived as JSON lines without personal data, that
 * a dry run counts the same and changes nothing, and that the figures of the months kept
 * (statistics by service and by day, the appraisal of a month) are the same after as before.
 */
#include "test_queue.h"

#include <sqlite3.h>
#include <unistd.h>

static char *archive_path;
static const char *archive_dir;

/* The small test hall with a [retention] section. */
static struct hq_queue *open_hall(int personal_days, int keep_months)
{
	static char ini[8192];

	archive_dir = ts_tmpdir();
	free(archive_path);
	archive_path = ts_path(archive_dir, "archive.jsonl");
	snprintf(ini, sizeof ini, "%s\n[retention]\npersonal_days = %d\nkeep_months = %d\n"
		 "archive = %s\n", ts_small_hall, personal_days, keep_months, archive_path);
	return tq_open(ini);
}

/* One number the test reads from the database file beside the queue. */
static long long db_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(ts_db_path(), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void retain(struct hq_queue *q, struct hq_retention_report *r)
{
	TQ_OK(q, hq_queue_retention(q, &hq_queue_config(q)->retention, r));
}

/* ---- personal data: exactly personal_days after the appointment's day ---------------- */

static void test_personal_days_exact(void **state)
{
	struct hq_queue *q = open_hall(30, 0);
	struct hq_retention_report r;
	struct hq_appointment ap;

	(void)state;
	ts_clock_ms = ts_local(2026, 11, 20, 9, 0);
	TQ_OK(q, hq_queue_book(q, "a", ts_local(2026, 11, 23, 10, 0), "张三", "13800000000", &ap));
	TQ_OK(q, hq_queue_book(q, "a", ts_local(2026, 11, 24, 10, 0), "李四", "13900000000", &ap));
	/* The last minute of the 29th day after: both kept. */
	ts_clock_ms = ts_local(2026, 12, 22, 23, 59);
	retain(q, &r);
	assert_int_equal(r.appointments_erased, 0);
	assert_string_equal(r.personal_before, "2026-11-23");
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments WHERE name <> '' AND phone <> ''"), 2);
	/* The 30th day after the 23rd: that one's name and phone go, the 24th's stay. */
	ts_clock_ms = ts_local(2026, 12, 23, 0, 1);
	retain(q, &r);
	assert_int_equal(r.appointments_erased, 1);
	assert_string_equal(r.today, "2026-12-23");
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments WHERE name = '' AND phone = ''"
				" AND slot_at < strftime('%s', '2026-11-23 16:00') * 1000"), 1);
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments WHERE name = '李四'"), 1);
	/* Run again the same day: nothing more. */
	retain(q, &r);
	assert_int_equal(r.appointments_erased, 0);
	/* Nothing else was touched: no history is purged with keep_months = 0. */
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments"), 2);
	assert_string_equal(r.purge_before, "");
	tq_close(q);
	ts_rmtree(archive_dir);
}

/* ---- half a year of a hall, then the purge --------------------------------------------- */

/* A day of the hall: an appointment booked, n tickets served at counter 1 by clerk 1001,
 * each reviewed (the first badly, with a comment), the bad review's case closed unless
 * `keep_case_open`. */
static void hall_day(struct hq_queue *q, int m, int d, int n, bool keep_case_open)
{
	struct hq_appointment ap;
	struct hq_review rv;
	int i;

	ts_clock_ms = ts_local(2026, m, d, 9, 0);
	TQ_OK(q, hq_queue_sign_in(q, 1, "1001"));
	TQ_OK(q, hq_queue_book(q, "a", ts_local(2026, m, d, 16, 0), "王五", "13700000000", &ap));
	for (i = 0; i < n; i++) {
		struct hq_ticket t = tq_issue(q, i % 2 ? "b" : "a", HQ_CLASS_NORMAL);

		ts_advance_s(120 + 60 * i);
		TQ_OK(q, hq_queue_call_ticket(q, 1, t.id, NULL));
		TQ_OK(q, hq_queue_start(q, 1, NULL));
		ts_advance_s(240 + 30 * (d % 7));
		TQ_OK(q, hq_queue_finish(q, 1, NULL));
		TQ_OK(q, hq_queue_review(q, t.id, i == 0 ? 2 : 5, i == 0 ? HQ_REASON_OTHER : 0,
					 i == 0 ? "窗口人员态度差，电话13812345678" : "很好", HQ_CH_API, &rv));
		if (i == 0 && !keep_case_open) {
			struct hq_case *cs;
			size_t nc, k;
			int st;

			TQ_OK(q, hq_queue_cases(q, HQ_CASE_OPEN, false, false, &cs, &nc));
			/* Only this ticket's case: the one kept open stays so. */
			for (k = 0; k < nc; k++)
				for (st = HQ_CASE_VERIFIED; cs[k].review.ticket_id == t.id &&
				     st <= HQ_CASE_CLOSED; st++)
					TQ_OK(q, hq_queue_case_step(q, cs[k].id, st, "1001", "done", NULL));
			free(cs);
		}
		ts_advance_s(60);
	}
	TQ_OK(q, hq_queue_sign_out(q, 1));
}

static bool same_stats(const struct hq_stats *a, const struct hq_stats *b)
{
	size_t i, f;

	if (a->nrows != b->nrows)
		return false;
	for (i = 0; i <= a->nrows; i++) {
		const struct hq_stats_row *ra = i < a->nrows ? &a->rows[i] : &a->total;
		const struct hq_stats_row *rb = i < b->nrows ? &b->rows[i] : &b->total;

		if (strcmp(ra->key, rb->key))
			return false;
		for (f = 0; f < HQ_STATS_NFIELDS; f++)
			if (hq_stats_value(ra, &hq_stats_fields[f]) != hq_stats_value(rb, &hq_stats_fields[f]))
				return false;
	}
	return true;
}

static bool same_appraisal(const struct hq_appraisal *a, const struct hq_appraisal *b)
{
	size_t i;

	if (a->nwindows != b->nwindows || a->nclerks != b->nclerks)
		return false;
	for (i = 0; i < a->nwindows + a->nclerks; i++) {
		const struct hq_appraisal_row *x = i < a->nwindows ? &a->windows[i] : &a->clerks[i - a->nwindows];
		const struct hq_appraisal_row *y = i < a->nwindows ? &b->windows[i] : &b->clerks[i - a->nwindows];

		if (strcmp(x->key, y->key) || x->called != y->called || x->served != y->served ||
		    x->reviews != y->reviews || x->bad_reviews != y->bad_reviews ||
		    x->cases != y->cases || x->rectify_rate != y->rectify_rate ||
		    x->on_time_rate != y->on_time_rate || x->wait_mean_s != y->wait_mean_s ||
		    x->service_mean_s != y->service_mean_s || x->hours != y->hours ||
		    x->score != y->score || x->rank != y->rank)
			return false;
	}
	return true;
}

/* The figures of the kept months, as the reports read them. */
struct figures {
	struct hq_stats by_service, by_day, by_month;
	struct hq_appraisal sep, oct;
};

static void figures(struct hq_queue *q, struct figures *f)
{
	int64_t sep = ts_local(2026, 9, 1, 0, 0), oct = ts_local(2026, 10, 1, 0, 0);
	int64_t nov = ts_local(2026, 11, 1, 0, 0), dec = ts_local(2026, 12, 1, 0, 0);

	TQ_OK(q, hq_queue_stats(q, HQ_BY_SERVICE, sep, dec, &f->by_service));
	TQ_OK(q, hq_queue_stats(q, HQ_BY_DAY, sep, dec, &f->by_day));
	TQ_OK(q, hq_queue_stats(q, HQ_BY_MONTH, sep, dec, &f->by_month));
	TQ_OK(q, hq_queue_appraisal(q, sep, oct, &f->sep));
	TQ_OK(q, hq_queue_appraisal(q, oct, nov, &f->oct));
}

static void figures_free(struct figures *f)
{
	hq_stats_free(&f->by_service);
	hq_stats_free(&f->by_day);
	hq_stats_free(&f->by_month);
	hq_appraisal_free(&f->sep);
	hq_appraisal_free(&f->oct);
}

/* Lines of the archive, and of one table ("\"table\":\"tickets\""). */
static long archive_lines(const char *needle)
{
	FILE *f = fopen(archive_path, "r");
	char line[8192];
	long n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!needle || strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static void test_purge_keeps_figures(void **state)
{
	struct hq_queue *q = open_hall(30, 2);
	struct hq_retention_report dry, r;
	struct figures before, after;
	long long tickets, old_tickets, events;
	int m, d;

	(void)state;
	/* June to the 20th of November, every other day, three to five citizens a day; one
	 * June bad review's case is never closed. */
	for (m = 6; m <= 11; m++)
		for (d = 1; d <= (m == 11 ? 19 : 28); d += 2)
			hall_day(q, m, d, 3 + d % 3, m == 6 && d == 3);
	ts_clock_ms = ts_local(2026, 11, 20, 8, 0);
	figures(q, &before);
	tickets = db_int("SELECT COUNT(*) FROM tickets");
	old_tickets = db_int("SELECT COUNT(*) FROM tickets WHERE day < '2026-09-01'");
	events = db_int("SELECT COUNT(*) FROM events");
	assert_true(old_tickets > 100);

	/* A dry run counts and changes nothing. */
	TQ_OK(q, hq_queue_retention_dry(q, &hq_queue_config(q)->retention, &dry));
	assert_true(dry.dry_run);
	assert_int_equal(db_int("SELECT COUNT(*) FROM tickets"), tickets);
	assert_int_equal(db_int("SELECT COUNT(*) FROM events"), events);
	assert_int_equal(archive_lines(NULL), 0);
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments WHERE name = ''"), 0);

	retain(q, &r);
	assert_false(r.dry_run);
	assert_string_equal(r.today, "2026-11-20");
	assert_string_equal(r.purge_before, "2026-09-01");
	assert_string_equal(r.comments_before, "2026-10-01");
	assert_string_equal(r.personal_before, "2026-10-22");
	/* The dry run said what the run did. */
	assert_int_equal(dry.tickets, r.tickets);
	assert_int_equal(dry.events, r.events);
	assert_int_equal(dry.reviews, r.reviews);
	assert_int_equal(dry.cases, r.cases);
	assert_int_equal(dry.case_steps, r.case_steps);
	assert_int_equal(dry.appointments_erased, r.appointments_erased);
	assert_int_equal(dry.comments_erased, r.comments_erased);
	assert_int_equal(dry.signins, r.signins);

	/* Purged: every ticket before September but the one with its case open. */
	assert_int_equal(r.tickets, old_tickets - 1);
	assert_int_equal(db_int("SELECT COUNT(*) FROM tickets WHERE day < '2026-09-01'"), 1);
	assert_int_equal(db_int("SELECT COUNT(*) FROM tickets"), tickets - r.tickets);
	assert_int_equal(db_int("SELECT COUNT(*) FROM reviews WHERE day < '2026-09-01'"), 1);
	assert_int_equal(db_int("SELECT COUNT(*) FROM cases WHERE state < 4"), 1);
	assert_int_equal(db_int("SELECT COUNT(*) FROM events WHERE at < strftime('%s', '2026-08-31 16:00') * 1000"), 0);
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments WHERE slot_at < strftime('%s', '2026-08-31 16:00') * 1000"), 0);
	assert_int_equal(db_int("SELECT COUNT(*) FROM signins WHERE out_at < strftime('%s', '2026-08-31 16:00') * 1000"), 0);
	assert_true(r.events > 0 && r.reviews == r.tickets && r.cases > 0 && r.case_steps >= 4 * r.cases);
	/* Archived first: one line a row, each table's count, no personal data in them. */
	assert_int_equal(archive_lines(NULL), r.archived);
	assert_int_equal(r.archived, r.tickets + r.reviews + r.cases + r.case_steps + r.events +
			 r.appointments + r.alerts + r.signins);
	assert_int_equal(archive_lines("{\"table\":\"tickets\","), r.tickets);
	assert_int_equal(archive_lines("{\"table\":\"events\","), r.events);
	assert_int_equal(archive_lines("\"name\""), 0);
	assert_int_equal(archive_lines("\"phone\""), 0);
	assert_int_equal(archive_lines("\"comment\""), 0);
	assert_int_equal(archive_lines("13812345678"), 0);
	assert_int_equal(archive_lines("\"label\":\"A001\"") > 0, 1);

	/* Personal data: names and phones of appointments before 2026-10-22 gone, later kept. */
	assert_int_equal(db_int("SELECT COUNT(*) FROM appointments WHERE name <> '' AND"
				" slot_at < strftime('%s', '2026-10-21 16:00') * 1000"), 0);
	assert_true(db_int("SELECT COUNT(*) FROM appointments WHERE name = '王五'") > 0);
	/* Comments: kept for October and November, and for the open case; erased else. */
	assert_int_equal(db_int("SELECT COUNT(*) FROM reviews WHERE comment <> '' AND day < '2026-10-01'"), 1);
	assert_true(db_int("SELECT COUNT(*) FROM reviews WHERE comment <> '' AND day >= '2026-10-01'") > 0);

	/* The figures of the months kept are the same. */
	figures(q, &after);
	assert_true(same_stats(&before.by_service, &after.by_service));
	assert_true(same_stats(&before.by_day, &after.by_day));
	assert_true(same_stats(&before.by_month, &after.by_month));
	assert_true(same_appraisal(&before.sep, &after.sep));
	assert_true(same_appraisal(&before.oct, &after.oct));
	assert_true(before.by_service.total.issued > 0);
	figures_free(&before);
	figures_free(&after);

	/* A second run the same day finds nothing more, and the hall goes on. */
	retain(q, &r);
	assert_int_equal(r.tickets + r.events + r.comments_erased + r.appointments_erased, 0);
	ts_clock_ms = ts_local(2026, 11, 20, 10, 0);
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	tq_close(q);
	ts_rmtree(archive_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_personal_days_exact),
		TQ_TEST(test_purge_keeps_figures),
	};

	ts_setup_tz();
	return cmocka_run_group_tests_name("retention", tests, NULL, NULL);
}
