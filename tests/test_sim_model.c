/*
 * hallq-sim's model and record (sim/model.c, sim/record.c). The model: the generator is
 * seeded and repeatable, the arrival rates add up to the tickets asked for over the day,
 * follow the peaks and the shares and are zero while a service is closed, and arrivals
 * drawn by thinning have that distribution. The record: fed the event feed of a random day
 * run through the real queue library, it computes the same figures as hq_queue_stats() for
 * every grouping, which is what lets hallq-sim check hallqd's figures exactly; and it
 * notices a broken invariant.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "record.h"
#include "support.h"

static const char *hall =
	"[hall]\n"
	"name = 模拟测试大厅\n"
	"noshow_after_recalls = 2\n"
	"[service business]\nname = 企业开办\nprefix = A\nhours = 09:00-12:00, 13:30-17:00\n"
	"days = mon-fri\ntarget_minutes = 20\nmax_wait_minutes = 30\n"
	"[service social]\nname = 社保医保\nprefix = C\nhours = 09:00-12:00, 13:30-17:00\n"
	"days = mon-fri\ntarget_minutes = 10\nmax_wait_minutes = 20\n"
	"[service enquiry]\nname = 综合咨询\nprefix = Z\nhours = 08:30-12:00, 13:30-17:30\n"
	"days = mon-fri\ntarget_minutes = 5\nmax_wait_minutes = 15\n"
	"[service mystery]\nname = 未知业务\nprefix = M\nhours = 09:00-12:00\n"
	"days = mon-fri\ntarget_minutes = 10\n"
	"[counter 1]\nservices = enquiry\n"
	"[counter 2]\nservices = business, enquiry\n"
	"[counter 3]\nservices = social\n"
	"[counter 4]\nservices = social, mystery\n"
	"[counter 5]\nservices = mystery, business\n";

enum { BUSINESS, SOCIAL, ENQUIRY, MYSTERY };
#define MONDAY 1

static struct hq_config *cfg_of(void)
{
	struct hq_config *cfg = NULL;
	char err[256];

	assert_int_equal(hq_config_parse_string(hall, "test", &cfg, err, sizeof err), HQ_OK);
	return cfg;
}

static void rates(struct hq_sim_rates *r, const struct hq_config *cfg, double tickets)
{
	struct hq_sim_params p;

	hq_sim_params_default(&p);
	p.tickets = tickets;
	assert_int_equal(hq_sim_rates_init(r, cfg, MONDAY, &p), HQ_OK);
}

static void generator(void **state)
{
	struct hq_sim_rng a, b;
	double sum = 0, esum = 0, lsum = 0;
	int i, n = 200000;

	(void)state;
	hq_sim_rng_seed(&a, 42);
	hq_sim_rng_seed(&b, 42);
	for (i = 0; i < 1000; i++)
		assert_true(hq_sim_rng_next(&a) == hq_sim_rng_next(&b));
	hq_sim_rng_seed(&b, 43);
	assert_true(hq_sim_rng_next(&a) != hq_sim_rng_next(&b));
	for (i = 0; i < n; i++) {
		double u = hq_sim_uniform(&a);

		assert_true(u > 0 && u < 1);
		sum += u;
		esum += hq_sim_exp(&a, 3.0);
		lsum += hq_sim_lognormal(&a, 20.0, 0.5);
	}
	assert_true(fabs(sum / n - 0.5) < 0.005);
	assert_true(fabs(esum / n - 3.0) < 0.05);
	assert_true(fabs(lsum / n - 20.0) < 0.25);
	{
		double w[3] = {1, 0, 3};
		int count[3] = {0};

		for (i = 0; i < 40000; i++)
			count[hq_sim_pick(&a, w, 3)]++;
		assert_int_equal(count[1], 0);
		assert_true(fabs(count[2] / 40000.0 - 0.75) < 0.02);
		w[0] = w[2] = 0;
		assert_int_equal(hq_sim_pick(&a, w, 3), -1);
	}
}

static void rates_add_up(void **state)
{
	struct hq_config *cfg = cfg_of();
	struct hq_sim_rates r;
	struct hq_sim_params p;

	(void)state;
	rates(&r, cfg, 150);
	/* The whole day's expected arrivals are the tickets asked for. */
	assert_true(fabs(hq_sim_expected(&r, 0, HQ_SIM_DAY_MIN) - 150) < 1e-9);
	/* Nothing while a service is closed: before opening, at lunch, after closing. */
	assert_true(hq_sim_rate(&r, BUSINESS, 8 * 60 + 59) == 0);
	assert_true(hq_sim_rate(&r, BUSINESS, 12 * 60 + 30) == 0);
	assert_true(hq_sim_rate(&r, MYSTERY, 14 * 60) == 0);
	assert_true(hq_sim_rate(&r, ENQUIRY, 8 * 60 + 30) > 0);
	assert_true(r.total[12 * 60 + 45] == 0 && r.total[17 * 60 + 30] == 0);
	/* The peaks, and the shares of the sample hall (an unknown key gets their mean). */
	assert_true(fabs(hq_sim_rate(&r, BUSINESS, 10 * 60) / hq_sim_rate(&r, BUSINESS, 9 * 60 + 10) - 1.8) < 1e-12);
	assert_true(fabs(hq_sim_rate(&r, BUSINESS, 14 * 60 + 30) / hq_sim_rate(&r, BUSINESS, 16 * 60) - 1.8) < 1e-12);
	assert_true(fabs(hq_sim_rate(&r, SOCIAL, 10 * 60) / hq_sim_rate(&r, BUSINESS, 10 * 60) - 22.0 / 8) < 1e-12);
	assert_true(fabs(hq_sim_rate(&r, MYSTERY, 10 * 60) / hq_sim_rate(&r, BUSINESS, 10 * 60) - 14.0 / 8) < 1e-12);
	/* A part of the day. */
	assert_true(fabs(hq_sim_expected(&r, 0, 12 * 60) + hq_sim_expected(&r, 12 * 60, HQ_SIM_DAY_MIN) - 150) < 1e-9);
	assert_true(hq_sim_expected(&r, 12 * 60, 13 * 60 + 30) == 0);
	/* Sunday: every service is closed, nothing can be simulated. */
	hq_sim_params_default(&p);
	assert_int_equal(hq_sim_rates_init(&r, cfg, 0, &p), HQ_EINVAL);
	hq_config_free(cfg);
}

static void thinning(void **state)
{
	struct hq_config *cfg = cfg_of();
	struct hq_sim_rates r;
	struct hq_sim_rng rng;
	double peak = 0, base = 0, per_service[4] = {0}, want[4] = {0}, total = 0;
	int seeds = 500, m;
	size_t i;

	(void)state;
	rates(&r, cfg, 150);
	for (m = 0; m < HQ_SIM_DAY_MIN; m++)
		for (int s = 0; s < 4; s++)
			want[s] += hq_sim_rate(&r, s, m) / 150;
	for (int seed = 1; seed <= seeds; seed++) {
		struct hq_sim_arrival *a;
		size_t n;

		hq_sim_rng_seed(&rng, (uint64_t)seed);
		assert_int_equal(hq_sim_arrivals(&r, &rng, 0, HQ_SIM_DAY_MIN, &a, &n), HQ_OK);
		total += (double)n;
		for (i = 0; i < n; i++) {
			m = (int)a[i].minute;
			assert_true(i == 0 || a[i].minute >= a[i - 1].minute);
			assert_true(hq_sim_rate(&r, a[i].service, m) > 0);
			per_service[a[i].service]++;
			/* Morning: the peak 09:30-11:00 against the base 09:00-09:30 and 11:00-12:00. */
			if (m >= 9 * 60 + 30 && m < 11 * 60)
				peak++;
			else if ((m >= 9 * 60 && m < 9 * 60 + 30) || (m >= 11 * 60 && m < 12 * 60))
				base++;
			assert_true(a[i].service_min > 0);
			assert_true(a[i].score >= 0 && a[i].score <= 3);
		}
		free(a);
	}
	/* The mean count is 150 within four standard errors (Poisson: variance = mean). */
	assert_true(fabs(total / seeds - 150) < 4 * sqrt(150.0 / seeds));
	/* Per minute the peak has 1.8 times the base rate (the morning has no mystery gap). */
	assert_true(fabs((peak / 90) / (base / 90) - 1.8) < 0.08);
	for (int s = 0; s < 4; s++)
		assert_true(fabs(per_service[s] / total - want[s]) < 0.01);
	hq_config_free(cfg);
}

static bool same_arrival(const struct hq_sim_arrival *a, const struct hq_sim_arrival *b)
{
	return a->minute == b->minute && a->service == b->service && a->priority == b->priority &&
	       a->noshow == b->noshow && a->late == b->late && a->transfer == b->transfer &&
	       a->service_min == b->service_min && a->score == b->score && a->patience_min == b->patience_min;
}

static void seeded(void **state)
{
	struct hq_config *cfg = cfg_of();
	struct hq_sim_rates r;
	struct hq_sim_rng rng;
	struct hq_sim_arrival *a, *b, *c;
	size_t na, nb, nc;

	(void)state;
	rates(&r, cfg, 150);
	hq_sim_rng_seed(&rng, 7);
	assert_int_equal(hq_sim_arrivals(&r, &rng, 0, HQ_SIM_DAY_MIN, &a, &na), HQ_OK);
	hq_sim_rng_seed(&rng, 7);
	assert_int_equal(hq_sim_arrivals(&r, &rng, 0, HQ_SIM_DAY_MIN, &b, &nb), HQ_OK);
	hq_sim_rng_seed(&rng, 8);
	assert_int_equal(hq_sim_arrivals(&r, &rng, 0, HQ_SIM_DAY_MIN, &c, &nc), HQ_OK);
	assert_true(na > 0);
	assert_true(na == nb);
	for (size_t i = 0; i < na; i++)
		assert_true(same_arrival(&a[i], &b[i]));
	if (na == nc) {
		size_t i = 0;

		while (i < na && same_arrival(&a[i], &c[i]))
			i++;
		assert_true(i < na);
	}
	/* A later start gives the tail of the day only. */
	free(c);
	hq_sim_rng_seed(&rng, 7);
	assert_int_equal(hq_sim_arrivals(&r, &rng, 14 * 60, HQ_SIM_DAY_MIN, &c, &nc), HQ_OK);
	for (size_t i = 0; i < nc; i++)
		assert_true(c[i].minute >= 14 * 60);
	free(a);
	free(b);
	free(c);
	hq_config_free(cfg);
}

/* Feed the whole event feed of q to the record. */
static void feed(struct hq_queue *q, struct hq_sim_record *rec)
{
	struct hq_event ev[128];
	int64_t since = 0;
	int n, i;

	while ((n = hq_queue_events(q, since, ev, 128)) > 0) {
		for (i = 0; i < n; i++) {
			struct hq_sim_event se = {.id = ev[i].id, .at_ms = ev[i].at, .ticket_id = ev[i].ticket_id,
						  .counter = ev[i].counter, .value = ev[i].value};

			snprintf(se.type, sizeof se.type, "%s", ev[i].type);
			snprintf(se.label, sizeof se.label, "%s", ev[i].label);
			snprintf(se.service, sizeof se.service, "%s", ev[i].service);
			snprintf(se.detail, sizeof se.detail, "%.127s", ev[i].detail);
			hq_sim_record_event(rec, &se);
		}
		since = ev[n - 1].id;
	}
	assert_true(n >= 0);
}

static void same_rows(const struct hq_stats_row *a, const struct hq_stats_row *b)
{
	assert_string_equal(a->key, b->key);
	assert_int_equal(a->issued, b->issued);
	assert_int_equal(a->called, b->called);
	assert_int_equal(a->served, b->served);
	assert_int_equal(a->noshow, b->noshow);
	assert_int_equal(a->transferred, b->transferred);
	assert_int_equal(a->cancelled, b->cancelled);
	assert_int_equal(a->waiting, b->waiting);
	assert_int_equal(a->rated, b->rated);
	/* The same millisecond times summed, perhaps in another order. */
	assert_true(fabs(a->wait_mean_s - b->wait_mean_s) < 1e-9);
	assert_true(a->wait_p50_s == b->wait_p50_s && a->wait_p90_s == b->wait_p90_s);
	assert_true(a->wait_max_s == b->wait_max_s);
	assert_true(fabs(a->service_mean_s - b->service_mean_s) < 1e-9);
	assert_true(a->service_p90_s == b->service_p90_s);
	assert_true(a->on_time_rate == b->on_time_rate);
	assert_true(a->satisfaction_rate == b->satisfaction_rate);
}

/* A random day through the real library; the record's figures must be the library's. */
static void record_matches_library(void **state)
{
	struct hq_queue *q = ts_open(hall);
	struct hq_sim_record *rec = malloc(sizeof *rec);
	struct hq_sim_rng rng;
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	static const char *const keys[] = {"business", "social", "enquiry", "mystery"};
	int step, calls = 0, transfers = 0;

	(void)state;
	assert_non_null(rec);
	hq_sim_rng_seed(&rng, 20261123);
	hq_queue_set_durable(q, false);
	hq_queue_sign_in(q, 2, "0207");
	for (step = 0; step < 1500; step++) {
		int c = 1 + (int)(hq_sim_uniform(&rng) * 5), op = (int)(hq_sim_uniform(&rng) * 12);
		struct hq_ticket t;

		/* Milliseconds matter: the figures must agree to the millisecond. */
		ts_advance_s(hq_sim_uniform(&rng) * 25);
		switch (op) {
		case 0: case 1: case 2:
			hq_queue_issue(q, keys[(int)(hq_sim_uniform(&rng) * 4)],
				       hq_sim_uniform(&rng) < 0.1 ? HQ_CLASS_PRIORITY : HQ_CLASS_NORMAL, NULL);
			break;
		case 3: case 4:
			calls += hq_queue_call_next(q, c, NULL) == HQ_OK;
			break;
		case 5: hq_queue_start(q, c, NULL); break;
		case 6: case 7: hq_queue_finish(q, c, NULL); break;
		case 8: hq_queue_recall(q, c, NULL); break;
		case 9:
			if (hq_sim_uniform(&rng) < 0.5)
				transfers += hq_queue_transfer_counter(q, c, 1 + (c % 5), NULL) == HQ_OK;
			else
				transfers += hq_queue_transfer_service(q, c, keys[(int)(hq_sim_uniform(&rng) * 4)],
								       NULL) == HQ_OK;
			break;
		case 10:
			hq_queue_rate_last(q, c, 1 + (int)(hq_sim_uniform(&rng) * 3), NULL);
			break;
		case 11:
			if (hq_sim_uniform(&rng) < 0.3 && hq_queue_find(q, "C003", &t.id) == HQ_OK)
				hq_queue_cancel(q, t.id, "left", NULL);
			else
				hq_queue_noshow(q, c, NULL);
			break;
		}
	}
	assert_true(calls > 50 && transfers > 5);
	hq_sim_record_init(rec, hq_queue_config(q), day0, day0 + 86400000LL);
	feed(q, rec);
	assert_int_equal(rec->breaches, 0);
	for (int by = HQ_BY_SERVICE; by <= HQ_BY_HOUR; by++) {
		struct hq_stats lib, ours;

		assert_int_equal(hq_queue_stats(q, (enum hq_group)by, day0, day0 + 86400000LL, &lib), HQ_OK);
		assert_int_equal(hq_sim_record_stats(rec, (enum hq_group)by, &ours), HQ_OK);
		assert_int_equal(ours.nrows, lib.nrows);
		for (size_t i = 0; i < lib.nrows; i++) {
			size_t j = 0;

			while (j < ours.nrows && strcmp(ours.rows[j].key, lib.rows[i].key))
				j++;
			assert_true(j < ours.nrows);
			same_rows(&ours.rows[j], &lib.rows[i]);
		}
		same_rows(&ours.total, &lib.total);
		assert_true(lib.total.issued > 30 && lib.total.served > 10 && lib.total.transferred > 0);
		hq_stats_free(&lib);
		hq_stats_free(&ours);
	}
	hq_sim_record_close(rec);
	assert_int_equal(rec->breaches, 0);
	hq_sim_record_free(rec);
	free(rec);
	ts_close(q);
}

static struct hq_sim_event ev(int64_t id, const char *type, int64_t ticket, const char *label, int counter)
{
	struct hq_sim_event e = {.id = id, .at_ms = ts_local(2026, 11, 23, 10, 0) + id * 1000,
				 .ticket_id = ticket, .counter = counter};

	snprintf(e.type, sizeof e.type, "%s", type);
	snprintf(e.label, sizeof e.label, "%s", label);
	snprintf(e.service, sizeof e.service, "business");
	snprintf(e.detail, sizeof e.detail, "normal");
	return e;
}

static void record_breaches(void **state)
{
	struct hq_config *cfg = cfg_of();
	struct hq_sim_record *rec = malloc(sizeof *rec);
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	struct hq_sim_event e;
	struct hq_counter_cfg c2 = {.number = 2, .services = {BUSINESS}, .nservices = 1};

	(void)state;
	assert_non_null(rec);
	hq_sim_record_init(rec, cfg, day0, day0 + 86400000LL);
	e = ev(1, "issued", 1, "A001", 0);
	hq_sim_record_event(rec, &e);
	e = ev(2, "issued", 2, "A002", 0);
	hq_sim_record_event(rec, &e);
	assert_int_equal(hq_sim_record_waiting_for(rec, &c2), 2);
	e = ev(3, "called", 1, "A001", 2);
	hq_sim_record_event(rec, &e);
	assert_int_equal(hq_sim_record_waiting_for(rec, &c2), 1);
	assert_int_equal(rec->breaches, 0);
	/* The same ticket at a second counter; a counter with two tickets; a label twice. */
	e = ev(4, "called", 1, "A001", 3);
	hq_sim_record_event(rec, &e);
	assert_int_equal(rec->breaches, 1);
	e = ev(5, "called", 2, "A002", 3);
	hq_sim_record_event(rec, &e);
	assert_int_equal(rec->breaches, 2);
	e = ev(6, "issued", 3, "A001", 0);
	hq_sim_record_event(rec, &e);
	assert_int_equal(rec->breaches, 3);
	/* Two ends for one ticket. */
	e = ev(7, "finished", 2, "A002", 3);
	hq_sim_record_event(rec, &e);
	e = ev(8, "noshow", 2, "A002", 3);
	hq_sim_record_event(rec, &e);
	assert_int_equal(rec->breaches, 4);
	assert_int_equal(hq_sim_record_close(rec), 2); /* A001 called, the second A001 waiting */
	assert_int_equal(rec->breaches, 5);            /* ... and A002 ended twice */
	assert_int_equal((int)json_array_size(rec->breach_list), 5);
	hq_sim_record_free(rec);
	free(rec);
	hq_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generator),
		cmocka_unit_test(rates_add_up),
		cmocka_unit_test(thinning),
		cmocka_unit_test(seeded),
		cmocka_unit_test(record_matches_library),
		cmocka_unit_test(record_breaches),
	};

	ts_setup_tz();
	return cmocka_run_group_tests_name("test_sim_model", tests, NULL, NULL);
}
