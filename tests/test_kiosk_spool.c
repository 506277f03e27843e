/*
 * The kiosk's spool (kiosk/spool.c): what it owes a citizen survives a restart, each change
 * is on disk when the call returns, a spool it cannot read stops the start instead of being
 * forgotten, and tickets of an earlier day are dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hq_error.h"
#include "hq_hall.h"
#include "spool.h"

struct fix {
	char dir[64], path[96];
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/hq-spool-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/spool", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static struct hq_spool_entry pending(const char *key, const char *service)
{
	struct hq_spool_entry e = { .state = HQ_SPOOL_PENDING };

	snprintf(e.key, sizeof e.key, "%s", key);
	snprintf(e.service, sizeof e.service, "%s", service);
	snprintf(e.cls, sizeof e.cls, "normal");
	return e;
}

static json_t *ticket(const char *label, const char *day)
{
	return json_pack("{s:s, s:s, s:i}", "label", label, "day", day, "id", 7);
}

static void test_empty_start(void **state)
{
	struct fix *f = *state;
	char err[256] = "";
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err);

	assert_non_null(s);
	assert_int_equal(hq_spool_size(s), 0);
	assert_int_equal(access(f->path, F_OK), -1);  /* nothing written until a change */
	hq_spool_close(s);
}

static void test_survives_restart(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err);
	struct hq_spool_entry a = pending("k-1", "business"), b = pending("k-2", "tax");
	json_t *t = ticket("A001", "2026-11-23");

	snprintf(b.category, sizeof b.category, "老年人");
	assert_int_equal(hq_spool_add(s, &a), HQ_OK);
	assert_int_equal(hq_spool_add(s, &b), HQ_OK);
	assert_int_equal(hq_spool_issued(s, "k-1", t), HQ_OK);
	json_decref(t);
	/* No close: a crash right here must lose nothing. */
	struct hq_spool *s2 = hq_spool_open(f->path, err, sizeof err);

	assert_non_null(s2);
	assert_int_equal(hq_spool_size(s2), 2);
	assert_int_equal(hq_spool_count(s2, HQ_SPOOL_UNPRINTED), 1);
	assert_int_equal(hq_spool_count(s2, HQ_SPOOL_PENDING), 1);
	assert_string_equal(json_string_value(json_object_get(hq_spool_find(s2, "k-1")->ticket, "label")), "A001");
	assert_string_equal(hq_spool_find(s2, "k-2")->service, "tax");
	assert_string_equal(hq_spool_find(s2, "k-2")->category, "老年人");
	assert_false(hq_spool_find(s2, "k-2")->queued);
	assert_int_equal(hq_spool_remove(s2, "k-1"), HQ_OK);
	assert_int_equal(hq_spool_remove(s2, "nope"), HQ_OK);
	hq_spool_close(s2);
	hq_spool_close(s);
	s = hq_spool_open(f->path, err, sizeof err);
	assert_int_equal(hq_spool_size(s), 1);
	assert_null(hq_spool_find(s, "k-1"));
	hq_spool_close(s);
}

/* A review (好差评) the citizen gave, kept until hallqd answers it, across a restart. */
static void test_review_survives_restart(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err);
	struct hq_spool_entry r = { .state = HQ_SPOOL_PENDING }, g = { .state = HQ_SPOOL_PENDING };
	const struct hq_spool_entry *e;

	snprintf(r.key, sizeof r.key, "k-r");
	r.review.ticket = 17;
	r.review.level = 2;
	r.review.reasons = HQ_REASON_EFFICIENCY | HQ_REASON_ATTITUDE;
	snprintf(r.review.label, sizeof r.review.label, "A012");
	snprintf(g.key, sizeof g.key, "k-g");
	g.review.ticket = 18;
	g.review.level = 5;
	assert_int_equal(hq_spool_add(s, &r), HQ_OK);
	assert_int_equal(hq_spool_add(s, &g), HQ_OK);
	struct hq_spool *s2 = hq_spool_open(f->path, err, sizeof err);

	assert_non_null(s2);
	assert_int_equal(hq_spool_count(s2, HQ_SPOOL_PENDING), 2);
	e = hq_spool_find(s2, "k-r");
	assert_non_null(e);
	assert_int_equal(e->review.ticket, 17);
	assert_int_equal(e->review.level, 2);
	assert_int_equal(e->review.reasons, HQ_REASON_EFFICIENCY | HQ_REASON_ATTITUDE);
	assert_string_equal(e->review.label, "A012");
	assert_string_equal(e->service, "");
	e = hq_spool_find(s2, "k-g");
	assert_int_equal(e->review.level, 5);
	assert_int_equal(e->review.reasons, 0);
	/* A review is never an earlier day's ticket to drop: it goes once hallqd answers. */
	assert_int_equal(hq_spool_drop_old(s2, "2026-11-24"), 0);
	assert_int_equal(hq_spool_remove(s2, "k-r"), HQ_OK);
	hq_spool_close(s2);
	hq_spool_close(s);
	s = hq_spool_open(f->path, err, sizeof err);
	assert_int_equal(hq_spool_size(s), 1);
	assert_null(hq_spool_find(s, "k-r"));
	hq_spool_close(s);
}

/* A ticket issued while no counter was open has no estimate: est_wait_s null, with its
 * reason and opening time. A restart keeps the null a null (the kiosk prints the no-counter
 * words from it, never a wait of 0), and a spool an older kiosk wrote, its tickets with a
 * number and no reason, still opens as it was. */
static void test_no_estimate_survives_restart(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err), *s2;
	struct hq_spool_entry a = pending("k-n", "tax");
	json_t *t = json_pack("{s:s, s:s, s:i, s:n, s:s, s:s}", "label", "F003", "day", "2026-11-23", "id", 9,
			      "est_wait_s", "est_reason", "no_counter", "est_opens_at", "2026-11-23T13:30:00+08:00");
	const struct hq_spool_entry *e;
	FILE *fp;

	assert_int_equal(hq_spool_add(s, &a), HQ_OK);
	assert_int_equal(hq_spool_issued(s, "k-n", t), HQ_OK);
	json_decref(t);
	s2 = hq_spool_open(f->path, err, sizeof err);
	assert_non_null(s2);
	assert_non_null(e = hq_spool_find(s2, "k-n"));
	assert_true(json_is_null(json_object_get(e->ticket, "est_wait_s")));
	assert_string_equal(json_string_value(json_object_get(e->ticket, "est_reason")), "no_counter");
	assert_string_equal(json_string_value(json_object_get(e->ticket, "est_opens_at")), "2026-11-23T13:30:00+08:00");
	hq_spool_close(s2);
	hq_spool_close(s);

	fp = fopen(f->path, "w");
	fputs("{\"version\": 1, \"entries\": [{\"key\": \"k-o\", \"state\": \"unprinted\", \"service\": "
	      "\"business\", \"class\": \"normal\", \"code\": \"\", \"category\": \"\", \"ticket\": "
	      "{\"label\": \"A007\", \"day\": \"2026-11-23\", \"id\": 7, \"people_ahead\": 2, "
	      "\"est_wait_s\": 540}}]}", fp);
	fclose(fp);
	s = hq_spool_open(f->path, err, sizeof err);
	assert_non_null(s);
	assert_non_null(e = hq_spool_find(s, "k-o"));
	assert_int_equal(e->state, HQ_SPOOL_UNPRINTED);
	assert_int_equal(json_integer_value(json_object_get(e->ticket, "est_wait_s")), 540);
	assert_null(json_object_get(e->ticket, "est_reason"));
	hq_spool_close(s);
}

/* A ticket of a hall that shows ranges (estimate_display = range) keeps its range and the
 * hall's choice through a restart, as hallqd sent them, so a ticket printed after the
 * restart prints the range it was issued with. */
static void test_range_survives_restart(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err), *s2;
	struct hq_spool_entry a = pending("k-r", "tax");
	json_t *t = json_pack("{s:s, s:s, s:i, s:i, s:i, s:[i, i], s:n, s:s}", "label", "F007", "day", "2026-11-23",
			      "id", 11, "people_ahead", 4, "est_wait_s", 1200, "est_wait_range_s", 905, 1441,
			      "est_reason", "estimate_display", "range");
	const struct hq_spool_entry *e;
	json_t *r;

	assert_int_equal(hq_spool_add(s, &a), HQ_OK);
	assert_int_equal(hq_spool_issued(s, "k-r", t), HQ_OK);
	json_decref(t);
	s2 = hq_spool_open(f->path, err, sizeof err);
	assert_non_null(s2);
	assert_non_null(e = hq_spool_find(s2, "k-r"));
	assert_int_equal(e->state, HQ_SPOOL_UNPRINTED);
	assert_int_equal(json_integer_value(json_object_get(e->ticket, "est_wait_s")), 1200);
	r = json_object_get(e->ticket, "est_wait_range_s");
	assert_int_equal(json_array_size(r), 2);
	assert_int_equal(json_integer_value(json_array_get(r, 0)), 905);
	assert_int_equal(json_integer_value(json_array_get(r, 1)), 1441);
	assert_string_equal(json_string_value(json_object_get(e->ticket, "estimate_display")), "range");
	hq_spool_close(s2);
	hq_spool_close(s);
}

static void test_issued_without_pending(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err);
	json_t *t = ticket("B002", "2026-11-23");

	/* An answer for a request the spool never saw (saved before a failed save) is kept. */
	assert_int_equal(hq_spool_issued(s, "k-9", t), HQ_OK);
	json_decref(t);
	assert_int_equal(hq_spool_count(s, HQ_SPOOL_UNPRINTED), 1);
	hq_spool_close(s);
}

static void test_corrupt_file_refused(void **state)
{
	struct fix *f = *state;
	char err[256] = "";
	FILE *fp = fopen(f->path, "w");

	fputs("{\"entries\": [", fp);
	fclose(fp);
	assert_null(hq_spool_open(f->path, err, sizeof err));
	assert_non_null(strstr(err, f->path));
	fp = fopen(f->path, "w");
	fputs("{\"entries\": [{\"key\": \"k\", \"state\": \"unprinted\"}]}", fp);
	fclose(fp);
	assert_null(hq_spool_open(f->path, err, sizeof err));
	assert_non_null(strstr(err, "no ticket"));
	fp = fopen(f->path, "w");
	fputs("{\"entries\": [{\"state\": \"pending\", \"service\": \"x\"}]}", fp);
	fclose(fp);
	assert_null(hq_spool_open(f->path, err, sizeof err));
	assert_non_null(strstr(err, "no key"));
	/* A review without a ticket, at level 6, or with a reason nobody knows. */
	static const char *const bad[] = {
		"{\"entries\": [{\"key\": \"k\", \"state\": \"pending\", \"review\": {\"level\": 5}}]}",
		"{\"entries\": [{\"key\": \"k\", \"state\": \"pending\", \"review\": {\"ticket\": 3, \"level\": 6}}]}",
		"{\"entries\": [{\"key\": \"k\", \"state\": \"pending\", \"review\": {\"ticket\": 3, "
		"\"level\": 1, \"reasons\": [\"rude\"]}}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fp = fopen(f->path, "w");
		fputs(bad[i], fp);
		fclose(fp);
		assert_null(hq_spool_open(f->path, err, sizeof err));
		assert_non_null(strstr(err, "review"));
	}
}

static void test_drop_old_day(void **state)
{
	struct fix *f = *state;
	char err[256];
	struct hq_spool *s = hq_spool_open(f->path, err, sizeof err);
	struct hq_spool_entry p = pending("k-p", "tax");
	json_t *old = ticket("A001", "2026-11-22"), *today = ticket("A002", "2026-11-23");

	assert_int_equal(hq_spool_issued(s, "k-old", old), HQ_OK);
	assert_int_equal(hq_spool_issued(s, "k-new", today), HQ_OK);
	assert_int_equal(hq_spool_add(s, &p), HQ_OK);
	json_decref(old);
	json_decref(today);
	assert_int_equal(hq_spool_drop_old(s, "2026-11-23"), 1);
	assert_null(hq_spool_find(s, "k-old"));
	assert_non_null(hq_spool_find(s, "k-new"));
	assert_non_null(hq_spool_find(s, "k-p"));     /* a request is never dropped */
	assert_int_equal(hq_spool_drop_old(s, "2026-11-23"), 0);
	hq_spool_close(s);
}

static void test_full_and_unsaved(void **state)
{
	struct fix *f = *state;
	char err[256], path[128], key[32];
	struct hq_spool *s;
	int i;

	snprintf(path, sizeof path, "%s/missing/spool", f->dir);
	s = hq_spool_open(path, err, sizeof err);
	assert_non_null(s);
	struct hq_spool_entry e = pending("k-1", "tax");

	/* The change is kept in memory and the caller told the disk refused it. */
	assert_int_equal(hq_spool_add(s, &e), HQ_EIO);
	assert_non_null(strstr(hq_spool_error(s), path));
	assert_int_equal(hq_spool_size(s), 1);
	hq_spool_close(s);

	s = hq_spool_open(f->path, err, sizeof err);
	for (i = 0; i < HQ_SPOOL_MAX; i++) {
		snprintf(key, sizeof key, "k-%d", i);
		e = pending(key, "tax");
		if (i == HQ_SPOOL_MAX - 1)
			assert_int_equal(hq_spool_add(s, &e), HQ_OK);
		else
			hq_spool_add(s, &e);
	}
	e = pending("one-more", "tax");
	assert_int_equal(hq_spool_add(s, &e), HQ_EFULL);
	assert_int_equal(hq_spool_size(s), HQ_SPOOL_MAX);
	hq_spool_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_review_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_estimate_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issued_without_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_old_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_and_unsaved, setup, teardown),
	};

	return cmocka_run_group_tests_name("kiosk spool", tests, NULL, NULL);
}
