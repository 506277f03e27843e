/*
 * hallq-sim's model and record (sim/model.c, sim/record.c). The model: the generator is
 * seeded and repeatable, the arrival rates add up to the tickets asked for over the day,
 * follow the peaks and the shares and are zero while a service is closed, and arrivals
 * drawn by thinning have that distribution. The record: fed the event feed of a random day
 * run through the real queue library, it computes the same figures as hq_queue_stats() for
 * every grouping, which is what lets hallq-sim check hallqd's figures exactly; it notices
 * a broken invariant; and fed a small morning written out by hand, it gives the figures
 * worked out by hand from the definitions in docs/queue.md ("Statistics"), every one of
 * them, as hq_queue_stats() does for the same morning played through the library, the
 * 好差评 figures (levels, mean score, bad reviews and their cases' 整改率 and 回访率) with
 * the rest.
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
	"sign_in = open\n"
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
	double levels[6] = {0}, unrated = 0;
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
			assert_true(a[i].level >= 0 && a[i].level <= 5);
			/* Reasons with a bad review, and only then. */
			assert_true((a[i].level >= 1 && a[i].level <= 2) == (a[i].reasons != 0));
			assert_true((a[i].reasons & ~HQ_REASONS_ALL) == 0);
			if (a[i].level)
				levels[a[i].level]++;
			else
				unrated++;
		}
		free(a);
	}
	/* The mean count is 150 within four standard errors (Poisson: variance = mean). */
	assert_true(fabs(total / seeds - 150) < 4 * sqrt(150.0 / seeds));
	/* Per minute the peak has 1.8 times the base rate (the morning has no mystery gap). */
	assert_true(fabs((peak / 90) / (base / 90) - 1.8) < 0.08);
	for (int s = 0; s < 4; s++)
		assert_true(fabs(per_service[s] / total - want[s]) < 0.01);
	/* 80% review; of them 1% at level 1, 3% at 2, 6% at 3, 20% at 4 and 70% at 5, each
	 * share within four standard errors of a binomial over the reviews (about 60 000). */
	{
		struct hq_sim_params p;
		double reviews = total - unrated;

		hq_sim_params_default(&p);
		assert_true(fabs(reviews / total - p.p_rate) < 4 * sqrt(0.8 * 0.2 / total));
		for (int l = 1; l <= 5; l++) {
			double want_l = p.level_share[l - 1];

			assert_true(fabs(levels[l] / reviews - want_l) < 4 * sqrt(want_l * (1 - want_l) / reviews));
		}
	}
	hq_config_free(cfg);
}

static bool same_arrival(const struct hq_sim_arrival *a, const struct hq_sim_arrival *b)
{
	return a->minute == b->minute && a->service == b->service && a->priority == b->priority &&
	       a->noshow == b->noshow && a->late == b->late && a->transfer == b->transfer &&
	       a->service_min == b->service_min && a->level == b->level && a->reasons == b->reasons &&
	       a->patience_min == b->patience_min;
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
	assert_int_equal(a->level1, b->level1);
	assert_int_equal(a->level2, b->level2);
	assert_int_equal(a->level3, b->level3);
	assert_int_equal(a->level4, b->level4);
	assert_int_equal(a->level5, b->level5);
	assert_int_equal(a->bad_reviews, b->bad_reviews);
	/* The same millisecond times summed, perhaps in another order. */
	assert_true(fabs(a->wait_mean_s - b->wait_mean_s) < 1e-9);
	assert_true(a->wait_p50_s == b->wait_p50_s && a->wait_p90_s == b->wait_p90_s);
	assert_true(a->wait_max_s == b->wait_max_s);
	assert_true(fabs(a->service_mean_s - b->service_mean_s) < 1e-9);
	assert_true(a->service_p90_s == b->service_p90_s);
	assert_true(a->on_time_rate == b->on_time_rate);
	assert_true(a->satisfaction_rate == b->satisfaction_rate);
	assert_true(a->score_mean == b->score_mean);
	assert_true(a->rectify_rate == b->rectify_rate && a->revisit_rate == b->revisit_rate);
}

/* A random day through the real library; the record's figures must be the library's. */
static void record_matches_library(void **state)
{
	struct hq_queue *q = ts_open(hall);
	struct hq_sim_record *rec = malloc(sizeof *rec);
	struct hq_sim_rng rng;
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	static const char *const keys[] = {"business", "social", "enquiry", "mystery"};
	int step, calls = 0, transfers = 0, reviews = 0, steps = 0;

	(void)state;
	assert_non_null(rec);
	hq_sim_rng_seed(&rng, 20261123);
	hq_queue_set_durable(q, false);
	hq_queue_sign_in(q, 2, "0207");
	for (step = 0; step < 1500; step++) {
		int c = 1 + (int)(hq_sim_uniform(&rng) * 5), op = (int)(hq_sim_uniform(&rng) * 13);
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
		case 10: {
			/* A review at a level from 1 to 5 by the counter's keys, within 120 s of its
			 * last finish or refused; bad ones with a reason. Often a bad one. */
			int level = 1 + (int)(hq_sim_uniform(&rng) * 5);
			unsigned why = level <= 2 ? 1u << (int)(hq_sim_uniform(&rng) * 4) : 0;

			reviews += hq_queue_review_last(q, c, level, why, HQ_CH_UNIT, NULL) == HQ_OK;
			break;
		}
		case 12: {
			/* The supervisor takes a random open case one step on. */
			struct hq_case *v;
			size_t n;

			if (hq_queue_cases(q, -1, false, false, &v, &n) == HQ_OK && n) {
				const struct hq_case *k = &v[(size_t)(hq_sim_uniform(&rng) * (double)n) % n];

				steps += hq_queue_case_step(q, k->id, k->state + 1, "0900", NULL, NULL) == HQ_OK;
			}
			free(v);
			break;
		}
		case 11:
			if (hq_sim_uniform(&rng) < 0.3 && hq_queue_find(q, "C003", &t.id) == HQ_OK)
				hq_queue_cancel(q, t.id, "left", NULL);
			else
				hq_queue_noshow(q, c, NULL);
			break;
		}
	}
	assert_true(calls > 50 && transfers > 5 && reviews > 10 && steps > 5);
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

/* The reviews' invariants: one review a ticket (a second one is a change), of a finished
 * ticket; a case for a bad review only, its steps one at a time. */
static void record_review_breaches(void **state)
{
	struct hq_config *cfg = cfg_of();
	struct hq_sim_record *rec = malloc(sizeof *rec);
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	struct hq_sim_event e;
	int id = 1;

	(void)state;
	assert_non_null(rec);
	hq_sim_record_init(rec, cfg, day0, day0 + 86400000LL);
#define FEED(type, ticket, label, v)                                                          \
	(e = ev(id++, type, ticket, label, 2), e.value = (v), hq_sim_record_event(rec, &e))
	FEED("issued", 1, "A001", 0);
	FEED("issued", 2, "A002", 0);
	FEED("called", 1, "A001", 0);
	FEED("reviewed", 1, "A001", 5);         /* not finished yet */
	assert_int_equal(rec->breaches, 1);
	FEED("finished", 1, "A001", 0);
	FEED("review_changed", 2, "A002", 4);   /* A002 never reviewed, nor finished */
	assert_int_equal(rec->breaches, 2);
	FEED("reviewed", 1, "A001", 5);         /* the first review was wrong, this one twice */
	assert_int_equal(rec->breaches, 3);
	FEED("case_step", 1, "A001", 1);        /* no case */
	FEED("case_opened", 1, "A001", 1);      /* for a review at 5 */
	assert_int_equal(rec->breaches, 5);
	FEED("review_changed", 1, "A001", 2);
	FEED("case_opened", 1, "A001", 2);
	FEED("case_step", 1, "A001", 1);
	assert_int_equal(rec->breaches, 5);
	FEED("case_step", 1, "A001", 3);        /* rectified skipped */
	assert_int_equal(rec->breaches, 6);
	FEED("review_changed", 1, "A001", 3);
	FEED("case_step", 1, "A001", 4);        /* closed early by the change: fine */
	assert_int_equal(rec->breaches, 6);
#undef FEED
	hq_sim_record_free(rec);
	free(rec);
	hq_config_free(cfg);
}

/* ---- the figures by their definitions, worked out by hand ------------------------------ */

/*
 * A morning on the test hall, Monday 2026-11-23, in milliseconds after 09:00:00.000. The
 * on-time limits (max_wait_minutes): business 30 min = 1 800 000 ms, social 20 = 1 200 000,
 * enquiry 15 = 900 000. Counter 1 has no clerk signed in; counter 2's clerk changes from
 * 0207 to 0208 after A001. One ticket of Friday (its A001) is still open and is closed by
 * the day's roll-over: it was not issued in the day, so it counts nowhere.
 *
 *  ticket  svc       issued     first call (ctr, clerk)  wait ms            end                        service ms       review
 *  A001    business        0    1 800 000 (2, 0207)      1 800 000 on time  done 2 460 000 (start 1 860 000)  600 000   5
 *  A002    business   60 000    1 860 001 (5, 0501)      1 800 001 late     no-show 2 000 000                    -      -
 *  C001    social    120 000      420 000 (3, 0303)        300 000 on time  transferred to business 900 000    -      -
 *  Z001    enquiry   200 000    1 100 250 (1, none)        900 250 late     done 1 320 000 (start 1 120 000)  200 000   1, then 4
 *  A003    business  300 000    -                          -                cancelled 1 000 000                  -      -
 *  C001'   business  (C001's)   2 460 500 (2, 0208)      1 560 500 on time  done 2 760 500, never started     300 000   2, case
 *  A004    business 3 600 000   -                          -                still waiting                        -      -
 *  C002    social   3 700 000   3 800 000 (3, 0303)        100 000 on time  still called                         -      -
 *
 * C001' is the transfer's continuation: not a new number, its wait from the transfer (900 000),
 * its hour of issue C001's; its service time from its call, as it was never started.
 * A001 waited exactly the limit, which counts as on time; A002 and Z001 one millisecond
 * and 250 ms over it. Rows come in the documented order.
 *
 * The reviews, by the counters' keys: Z001 at level 1 (a case opens, rectification due 15
 * working days later, 2026-12-14), changed through the API 70 s later to 4 (满意), which
 * closes the case: Z001 counts as a review at 4 and no bad one. A001 at 5. C001' at 2 for
 * its attitude: case 2 opens, is verified (3 000 000) and rectified (3 300 000), not yet
 * revisited. So the day has 3 reviews, one each at 2, 4 and 5: satisfied (3 and above) 2/3,
 * mean score 11/3, one bad review, rectified (差评整改率 1/1) and not revisited (回访率 0/1).
 */
static const struct step {
	int64_t ms;
	const char *type;
	int64_t ticket;
	const char *label, *service;
	int counter, value;
	const char *detail;
} morning[] = {
	{0, "cancelled", 1, "A001", "business", 0, 0, "day closed"},
	{0, "signed_in", 0, "", "", 2, 0, "0207"},
	{0, "issued", 2, "A001", "business", 0, 0, "normal"},
	{60000, "issued", 3, "A002", "business", 0, 1, "normal"},
	{120000, "issued", 4, "C001", "social", 0, 0, "normal"},
	{200000, "issued", 5, "Z001", "enquiry", 0, 0, "normal"},
	{300000, "issued", 6, "A003", "business", 0, 2, "normal"},
	{420000, "called", 4, "C001", "social", 3, 0, "0303"},
	{450000, "started", 4, "C001", "social", 3, 0, "0303"},
	{900000, "transferred", 4, "C001", "social", 3, 0, "business"},
	{900000, "requeued", 7, "C001", "business", 0, 0, "transfer"},
	{1000000, "cancelled", 6, "A003", "business", 0, 0, "left"},
	{1100250, "called", 5, "Z001", "enquiry", 1, 0, ""},
	{1120000, "started", 5, "Z001", "enquiry", 1, 0, ""},
	{1320000, "finished", 5, "Z001", "enquiry", 1, 0, ""},
	{1330000, "reviewed", 5, "Z001", "enquiry", 1, 1, "unit"},
	{1330000, "case_opened", 5, "Z001", "enquiry", 1, 1, "2026-12-14"},
	{1400000, "review_changed", 5, "Z001", "enquiry", 1, 4, "api"},
	{1400000, "case_step", 5, "Z001", "enquiry", 1, 4, "hallq"},
	{1800000, "called", 2, "A001", "business", 2, 0, "0207"},
	{1860000, "started", 2, "A001", "business", 2, 0, "0207"},
	{1860001, "called", 3, "A002", "business", 5, 0, "0501"},
	{2000000, "noshow", 3, "A002", "business", 5, 0, "0501"},
	{2460000, "finished", 2, "A001", "business", 2, 0, "0207"},
	{2460100, "reviewed", 2, "A001", "business", 2, 5, "unit"},
	{2460200, "signed_out", 0, "", "", 2, 0, "0207"},
	{2460300, "signed_in", 0, "", "", 2, 0, "0208"},
	{2460500, "called", 7, "C001", "business", 2, 0, "0208"},
	{2760500, "finished", 7, "C001", "business", 2, 0, "0208"},
	{2770000, "reviewed", 7, "C001", "business", 2, 2, "unit"},
	{2770000, "case_opened", 7, "C001", "business", 2, 2, "2026-12-14"},
	{3000000, "case_step", 7, "C001", "business", 2, 1, "0900"},
	{3300000, "case_step", 7, "C001", "business", 2, 2, "0900"},
	{3600000, "issued", 8, "A004", "business", 0, 0, "normal"},
	{3700000, "issued", 9, "C002", "social", 0, 0, "normal"},
	{3800000, "called", 9, "C002", "social", 3, 0, "0303"},
};

static int64_t at_nine(int64_t ms)
{
	return ts_local(2026, 11, 23, 9, 0) + ms;
}

static struct hq_sim_event step_event(int64_t id, const struct step *st)
{
	struct hq_sim_event e = {.id = id, .at_ms = at_nine(st->ms), .ticket_id = st->ticket,
				 .counter = st->counter, .value = st->value};

	snprintf(e.type, sizeof e.type, "%s", st->type);
	snprintf(e.label, sizeof e.label, "%s", st->label);
	snprintf(e.service, sizeof e.service, "%s", st->service);
	snprintf(e.detail, sizeof e.detail, "%s", st->detail);
	return e;
}

/*
 * The whole day, every ticket in it (8):
 * issued 7 (not C001'); called 6; served 3 (A001 Z001 C001'); no-show 1 (A002);
 * transferred 1 (C001); cancelled 1 (A003); waiting 2 (A004 waiting, C002 called).
 * Waits sorted: 100 000, 300 000, 900 250, 1 560 500, 1 800 000, 1 800 001; sum 6 460 751,
 * mean 6460.751 / 6 s. p50: ceil(0.5 * 6) = 3rd, 900.25 s (the lower middle, not the mean
 * of the two middle ones); p90: ceil(0.9 * 6) = ceil(5.4) = 6th, 1800.001 s; max 1800.001.
 * On time: all but 900 250 (enquiry) and 1 800 001 (business): 4/6.
 * Service sorted: 200 000, 300 000, 600 000: mean 1100 / 3 s; p90 ceil(2.7) = 3rd, 600.
 * Reviews 4, 5, 2 (above).
 */
#define REVIEWS_ALL                                                                           \
	.rated = 3, .satisfaction_rate = 2.0 / 3, .score_mean = 11.0 / 3, .level2 = 1,          \
	.level4 = 1, .level5 = 1, .bad_reviews = 1, .rectify_rate = 1, .revisit_rate = 0
static const struct hq_stats_row day_total = {
	.key = "total", .issued = 7, .called = 6, .served = 3, .noshow = 1, .transferred = 1,
	.cancelled = 1, .waiting = 2, .wait_mean_s = 6460.751 / 6, .wait_p50_s = 900.25,
	.wait_p90_s = 1800.001, .wait_max_s = 1800.001, .service_mean_s = 1100.0 / 3,
	.service_p90_s = 600, .on_time_rate = 4.0 / 6, REVIEWS_ALL,
};

/* Z001 alone: wait 900.25 s, late; served in 200 s; reviewed 4 in the end (its bad first
 * review and its case count nowhere). Every mean and percentile is its one value. */
#define Z001_ALONE(k)                                                                         \
	{.key = k, .issued = 1, .called = 1, .served = 1, .wait_mean_s = 900.25,                \
	 .wait_p50_s = 900.25, .wait_p90_s = 900.25, .wait_max_s = 900.25, .service_mean_s = 200, \
	 .service_p90_s = 200, .on_time_rate = 0, .rated = 1, .satisfaction_rate = 1,           \
	 .score_mean = 4, .level4 = 1}
/* C001 (transferred, waited 300 s) and C002 (called, waited 100 s): mean 200; p50 the
 * ceil(1)st = 100; p90 the ceil(1.8) = 2nd = 300; both within 20 minutes. Nobody served or
 * rated: the service times and the satisfaction rate are 0. */
#define SOCIAL_TWO(k)                                                                         \
	{.key = k, .issued = 2, .called = 2, .transferred = 1, .waiting = 1, .wait_mean_s = 200, \
	 .wait_p50_s = 100, .wait_p90_s = 300, .wait_max_s = 300, .on_time_rate = 1}
/* A002 alone: waited 1800.001 s, 1 ms over 30 minutes, no-show. */
#define A002_ALONE(k)                                                                         \
	{.key = k, .issued = 1, .called = 1, .noshow = 1, .wait_mean_s = 1800.001,              \
	 .wait_p50_s = 1800.001, .wait_p90_s = 1800.001, .wait_max_s = 1800.001, .on_time_rate = 0}

/*
 * By service, in the configuration's order (mystery has no tickets: no row).
 * business: A001 A002 A003 C001' A004: issued 4, called 3, served 2, no-show 1, cancelled 1,
 * waiting 1. Waits sorted 1 560 500, 1 800 000, 1 800 001 (odd count): mean 5 160 501 / 3 =
 * 1 720 167 ms; p50 the ceil(1.5) = 2nd, 1800; p90 the ceil(2.7) = 3rd, 1800.001; on time
 * 2/3 (1 800 000 is, the limit included). Service 300 000, 600 000: mean 450, p90 the
 * ceil(1.8) = 2nd, 600. Reviews 5 (A001) and 2 (C001'): 1/2 satisfied, mean 3.5; the bad
 * one's case rectified, not revisited.
 */
#define REVIEWS_A001_C001                                                               \
	.rated = 2, .satisfaction_rate = 0.5, .score_mean = 3.5, .level2 = 1, .level5 = 1,      \
	.bad_reviews = 1, .rectify_rate = 1, .revisit_rate = 0
static const struct hq_stats_row by_service[] = {
	{.key = "business", .issued = 4, .called = 3, .served = 2, .noshow = 1, .cancelled = 1,
	 .waiting = 1, .wait_mean_s = 1720.167, .wait_p50_s = 1800, .wait_p90_s = 1800.001,
	 .wait_max_s = 1800.001, .service_mean_s = 450, .service_p90_s = 600, .on_time_rate = 2.0 / 3,
	 REVIEWS_A001_C001},
	SOCIAL_TWO("social"),
	Z001_ALONE("enquiry"),
};

/*
 * By counter, by number; A003 and A004 were never called and have no counter.
 * 2: A001 and C001' (issued 1: C001' is no new number). Waits 1 560 500, 1 800 000: mean
 * 1680.25, p50 the 1st 1560.5, p90 the 2nd 1800; both on time. Service 600 and 300: mean
 * 450, p90 600. Reviews 5 and 2, as business's.
 */
static const struct hq_stats_row by_counter[] = {
	Z001_ALONE("1"),
	{.key = "2", .issued = 1, .called = 2, .served = 2, .wait_mean_s = 1680.25,
	 .wait_p50_s = 1560.5, .wait_p90_s = 1800, .wait_max_s = 1800, .service_mean_s = 450,
	 .service_p90_s = 600, .on_time_rate = 1, REVIEWS_A001_C001},
	SOCIAL_TWO("3"),
	A002_ALONE("5"),
};

/*
 * By clerk, by the clerk's text ("-" sorts before digits). Counter 1 had nobody signed in:
 * "-". Counter 2's two clerks are two rows: 0207 had A001 (1800 s, on time, the limit
 * included; 600 s; reviewed 5), 0208 had C001' (1560.5 s, 300 s, reviewed 2: 不满意, 0/1
 * satisfied, its one bad review rectified).
 */
static const struct hq_stats_row by_clerk[] = {
	Z001_ALONE("-"),
	{.key = "0207", .issued = 1, .called = 1, .served = 1, .wait_mean_s = 1800, .wait_p50_s = 1800,
	 .wait_p90_s = 1800, .wait_max_s = 1800, .service_mean_s = 600, .service_p90_s = 600,
	 .on_time_rate = 1, .rated = 1, .satisfaction_rate = 1, .score_mean = 5, .level5 = 1},
	{.key = "0208", .issued = 0, .called = 1, .served = 1, .wait_mean_s = 1560.5,
	 .wait_p50_s = 1560.5, .wait_p90_s = 1560.5, .wait_max_s = 1560.5, .service_mean_s = 300,
	 .service_p90_s = 300, .on_time_rate = 1, .rated = 1, .satisfaction_rate = 0, .score_mean = 2,
	 .level2 = 1, .bad_reviews = 1, .rectify_rate = 1, .revisit_rate = 0},
	SOCIAL_TWO("0303"),
	A002_ALONE("0501"),
};

/*
 * By local hour of issue. 09: A001 A002 C001 Z001 A003 and C001' (C001's issue time):
 * issued 5, called 5, served 3, no-show 1, transferred 1, cancelled 1, waiting 0. Waits
 * sorted 300 000, 900 250, 1 560 500, 1 800 000, 1 800 001 (odd count): sum 6 360 751,
 * mean 6360.751 / 5 s; p50 the ceil(2.5) = 3rd, 1560.5; p90 the ceil(4.5) = 5th,
 * 1800.001; on time 3/5. Service and reviews as the day's.
 * 10: A004 (waiting) and C002 (called, 100 s, on time).
 */
static const struct hq_stats_row by_hour[] = {
	{.key = "09", .issued = 5, .called = 5, .served = 3, .noshow = 1, .transferred = 1,
	 .cancelled = 1, .wait_mean_s = 6360.751 / 5, .wait_p50_s = 1560.5, .wait_p90_s = 1800.001,
	 .wait_max_s = 1800.001, .service_mean_s = 1100.0 / 3, .service_p90_s = 600,
	 .on_time_rate = 0.6, REVIEWS_ALL},
	{.key = "10", .issued = 2, .called = 1, .waiting = 2, .wait_mean_s = 100, .wait_p50_s = 100,
	 .wait_p90_s = 100, .wait_max_s = 100, .on_time_rate = 1},
};

static const struct worked {
	enum hq_group by;
	const struct hq_stats_row *rows;
	size_t n;
} worked[] = {
#define W(by, rows) {by, rows, sizeof rows / sizeof rows[0]}
	W(HQ_BY_SERVICE, by_service), W(HQ_BY_COUNTER, by_counter),
	W(HQ_BY_CLERK, by_clerk), W(HQ_BY_HOUR, by_hour),
#undef W
};

static void figure(const char *who, const char *key, const char *field, double got, double want)
{
	/* Whole milliseconds give these to far better than 1e-9 s; counts exactly. */
	if (fabs(got - want) > 1e-9)
		fail_msg("%s, row %s: %s is %.6f, worked out by hand %.6f", who, key, field, got, want);
}

static void as_worked_out(const char *who, const struct hq_stats_row *got, const struct hq_stats_row *want)
{
#define F(m) figure(who, want->key, #m, (double)got->m, (double)want->m)
	if (strcmp(got->key, want->key))
		fail_msg("%s: row %s where the documented order has %s", who, got->key, want->key);
	F(issued); F(called); F(served); F(noshow); F(transferred); F(cancelled); F(waiting);
	F(wait_mean_s); F(wait_p50_s); F(wait_p90_s); F(wait_max_s);
	F(service_mean_s); F(service_p90_s); F(on_time_rate);
	F(rated); F(satisfaction_rate); F(score_mean); F(level1); F(level2); F(level3); F(level4);
	F(level5); F(bad_reviews); F(rectify_rate); F(revisit_rate);
	F(appointments); F(missed_appointments);
#undef F
}

static void all_as_worked_out(const char *who, const struct hq_stats *st, const struct worked *w)
{
	if (st->nrows != w->n)
		fail_msg("%s: %zu rows by grouping %d, worked out by hand %zu", who, st->nrows, w->by, w->n);
	for (size_t i = 0; i < w->n; i++)
		as_worked_out(who, &st->rows[i], &w->rows[i]);
	as_worked_out(who, &st->total, &day_total);
}

/* The record, fed the morning's events by hand, gives the figures worked out by hand. */
static void record_figures_by_definition(void **state)
{
	struct hq_config *cfg = cfg_of();
	struct hq_sim_record *rec = malloc(sizeof *rec);
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	struct hq_sim_event e = {.id = 1, .at_ms = ts_local(2026, 11, 20, 16, 0), .ticket_id = 1};

	(void)state;
	assert_non_null(rec);
	hq_sim_record_init(rec, cfg, day0, day0 + 86400000LL);
	/* Friday's A001, which the roll-over closes at the start of the morning. */
	snprintf(e.type, sizeof e.type, "issued");
	snprintf(e.label, sizeof e.label, "A001");
	snprintf(e.service, sizeof e.service, "business");
	snprintf(e.detail, sizeof e.detail, "normal");
	hq_sim_record_event(rec, &e);
	for (size_t i = 0; i < sizeof morning / sizeof morning[0]; i++) {
		e = step_event((int64_t)i + 2, &morning[i]);
		hq_sim_record_event(rec, &e);
	}
	assert_int_equal(rec->breaches, 0);
	for (size_t g = 0; g < sizeof worked / sizeof worked[0]; g++) {
		struct hq_stats st;

		assert_int_equal(hq_sim_record_stats(rec, worked[g].by, &st), HQ_OK);
		all_as_worked_out("hallq-sim's record", &st, &worked[g]);
		hq_stats_free(&st);
	}
	assert_int_equal(hq_sim_record_close(rec), 2); /* A004 waiting, C002 called */
	assert_int_equal(rec->breaches, 0);
	hq_sim_record_free(rec);
	free(rec);
	hq_config_free(cfg);
}

/*
 * The same morning played through the real queue library on its fake clock: hq_queue_stats
 * gives the figures worked out by hand too, and so does a record fed the library's own
 * event feed (which the hand-written events above copy).
 */
static void library_figures_by_definition(void **state)
{
	struct hq_queue *q = ts_open(hall);
	struct hq_sim_record *rec = malloc(sizeof *rec);
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	struct hq_ticket a1, a2, c1, z1, a3, cc, a4, c2, t;
	struct hq_review rv;

	(void)state;
	assert_non_null(rec);
	hq_queue_set_durable(q, false);
	ts_clock_ms = ts_local(2026, 11, 20, 16, 0);
	assert_int_equal(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, &t), HQ_OK);
#define AT(ms) (ts_clock_ms = at_nine(ms))
#define OK(expr) assert_int_equal((expr), HQ_OK)
	AT(0);
	OK(hq_queue_sign_in(q, 2, "0207"));
	OK(hq_queue_sign_in(q, 3, "0303"));
	OK(hq_queue_sign_in(q, 5, "0501"));
	OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, &a1));
	AT(60000), OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, &a2));
	AT(120000), OK(hq_queue_issue(q, "social", HQ_CLASS_NORMAL, &c1));
	AT(200000), OK(hq_queue_issue(q, "enquiry", HQ_CLASS_NORMAL, &z1));
	AT(300000), OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, &a3));
	AT(420000), OK(hq_queue_call_next(q, 3, &t));
	assert_int_equal(t.id, c1.id);
	AT(450000), OK(hq_queue_start(q, 3, NULL));
	AT(900000), OK(hq_queue_transfer_service(q, 3, "business", &cc));
	AT(1000000), OK(hq_queue_cancel(q, a3.id, "left", NULL));
	AT(1100250), OK(hq_queue_call_next(q, 1, &t));
	assert_int_equal(t.id, z1.id);
	AT(1120000), OK(hq_queue_start(q, 1, NULL));
	AT(1320000), OK(hq_queue_finish(q, 1, NULL));
	AT(1330000), OK(hq_queue_review_last(q, 1, 1, 0, HQ_CH_UNIT, &rv));
	assert_int_equal(rv.case_id, 1);
	AT(1400000), OK(hq_queue_review(q, z1.id, 4, 0, NULL, HQ_CH_API, &rv));
	AT(1800000), OK(hq_queue_call_next(q, 2, &t));
	assert_int_equal(t.id, a1.id);
	AT(1860000), OK(hq_queue_start(q, 2, NULL));
	AT(1860001), OK(hq_queue_call_next(q, 5, &t));
	assert_int_equal(t.id, a2.id);
	AT(2000000), OK(hq_queue_noshow(q, 5, NULL));
	AT(2460000), OK(hq_queue_finish(q, 2, NULL));
	AT(2460100), OK(hq_queue_review_last(q, 2, 5, 0, HQ_CH_UNIT, NULL));
	AT(2460200), OK(hq_queue_sign_out(q, 2));
	AT(2460300), OK(hq_queue_sign_in(q, 2, "0208"));
	AT(2460500), OK(hq_queue_call_next(q, 2, &t));
	assert_int_equal(t.id, cc.id);
	AT(2760500), OK(hq_queue_finish(q, 2, NULL));
	AT(2770000), OK(hq_queue_review_last(q, 2, 2, HQ_REASON_ATTITUDE, HQ_CH_UNIT, &rv));
	assert_int_equal(rv.case_id, 2);
	AT(3000000), OK(hq_queue_case_step(q, 2, HQ_CASE_VERIFIED, "0900", "called the citizen", NULL));
	AT(3300000), OK(hq_queue_case_step(q, 2, HQ_CASE_RECTIFIED, "0900", NULL, NULL));
	AT(3600000), OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, &a4));
	AT(3700000), OK(hq_queue_issue(q, "social", HQ_CLASS_NORMAL, &c2));
	AT(3800000), OK(hq_queue_call_next(q, 3, &t));
	assert_int_equal(t.id, c2.id);
	AT(3900000);
#undef OK
#undef AT
	assert_int_equal(a4.state, HQ_T_WAITING);
	hq_sim_record_init(rec, hq_queue_config(q), day0, day0 + 86400000LL);
	feed(q, rec);
	assert_int_equal(rec->breaches, 0);
	for (size_t g = 0; g < sizeof worked / sizeof worked[0]; g++) {
		struct hq_stats lib, ours;

		assert_int_equal(hq_queue_stats(q, worked[g].by, day0, day0 + 86400000LL, &lib), HQ_OK);
		all_as_worked_out("hq_queue_stats", &lib, &worked[g]);
		assert_int_equal(hq_sim_record_stats(rec, worked[g].by, &ours), HQ_OK);
		all_as_worked_out("the record of the library's events", &ours, &worked[g]);
		hq_stats_free(&lib);
		hq_stats_free(&ours);
	}
	hq_sim_record_free(rec);
	free(rec);
	ts_close(q);
}

/* ---- electronic supervision: the record's expected alerts ------------------------------- */

/* The test hall with rules that fire often on a short random day. */
static const char *alert_rules =
	"[alert long_wait]\npercent = 50\n"
	"[alert long_queue]\ncount = 3\n"
	"[alert long_pause]\nminutes = 4\n"
	"[alert unstaffed]\nminutes = 2\n"
	"[alert no_calls]\nminutes = 3\n"
	"[alert slow_service]\npercent = 150\nminutes = 1\n"
	"[alert noshow_streak]\ncount = 2\n"
	"[alert busy_business]\nrule = queue\ncount = 1\nservices = business\n";

static char *hall_with(const char *more)
{
	char *text = malloc(strlen(hall) + strlen(more) + 1);

	assert_non_null(text);
	strcpy(text, hall);
	strcat(text, more);
	return text;
}

/* hallqd's alerts as hallq-sim reads them, from the library's list. */
static struct hq_sim_seen *library_alerts(struct hq_queue *q, size_t *n)
{
	struct hq_alert *v;
	struct hq_sim_seen *seen;

	assert_int_equal(hq_queue_alerts(q, false, 0, INT64_MAX, &v, n), HQ_OK);
	seen = calloc(*n ? *n : 1, sizeof *seen);
	assert_non_null(seen);
	for (size_t i = 0; i < *n; i++) {
		seen[i].id = v[i].id;
		snprintf(seen[i].rule, sizeof seen[i].rule, "%s", v[i].rule);
		snprintf(seen[i].subject, sizeof seen[i].subject, "%s", v[i].subject);
		seen[i].raised = v[i].raised_at;
		seen[i].cleared = v[i].cleared_at;
	}
	free(v);
	return seen;
}

static void print_findings(const struct hq_sim_verdict *v)
{
	for (size_t i = 0; i < v->nf; i++) {
		const struct hq_sim_finding *f = &v->f[i];
		char want[32] = "-", got[32] = "-";

		if (f->want)
			hq_format_local_time(f->want, want, sizeof want);
		if (f->got)
			hq_format_local_time(f->got, got, sizeof got);
		print_message("  %s %s: %s: record %s, library %s (alert %lld)\n", f->rule_name, f->subject,
			      hq_sim_finding_name(f->what), want, got, (long long)f->alert);
	}
}

/*
 * A random day through the real library, its rules evaluated after every operation and every
 * step of the clock (at most 20 s), as hallqd does after each batch and on its timer: every
 * alert the library raised and cleared is one the record expects, within the 20 s of the
 * clock's steps, and every interval the record expects longer than that is an alert of the
 * library's. The rules are made to fire often; the day runs from 09:00 over lunch to the
 * end of the afternoon, so that the counter rules' opening hours count.
 */
static void record_alerts_match_library(void **state)
{
	char *text = hall_with(alert_rules);
	struct hq_queue *q = ts_open(text);
	struct hq_sim_record *rec = malloc(sizeof *rec);
	struct hq_sim_rng rng;
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	static const char *const keys[] = {"business", "social", "enquiry", "mystery"};
	static const char *const reasons[] = {"", "lunch", "paused", "meeting"};
	const int64_t step_ms = 20000;
	struct hq_sim_window w = {.early = 0, .tolerance = step_ms};
	struct hq_sim_verdict v;
	struct hq_sim_seen *seen;
	size_t nseen;
	int kinds[HQ_ALERT_NKINDS] = {0};
	bool reasonless[6] = {false}; /* counter paused with no reason given, by number */

	(void)state;
	assert_non_null(rec);
	hq_sim_rng_seed(&rng, 14);
	hq_queue_set_durable(q, false);
	w.from = ts_clock_ms; /* ts_open's 09:00 */
	for (int c = 1; c <= 5; c++)
		hq_queue_sign_in(q, c, c == 3 ? "0303" : "0100");
	for (int step = 0; step < 3000; step++) {
		int c = 1 + (int)(hq_sim_uniform(&rng) * 5), op = (int)(hq_sim_uniform(&rng) * 20);
		struct hq_ticket t;

		ts_clock_ms += (int64_t)(hq_sim_uniform(&rng) * (double)step_ms);
		assert_int_equal(hq_queue_alerts_eval(q, NULL, 0, NULL, NULL), HQ_OK);
		switch (op) {
		case 0: case 1: case 2: case 3:
			hq_queue_issue(q, keys[(int)(hq_sim_uniform(&rng) * 4)], HQ_CLASS_NORMAL, NULL);
			break;
		case 4: case 5: hq_queue_call_next(q, c, NULL); break;
		case 6: hq_queue_start(q, c, NULL); break;
		case 7: hq_queue_finish(q, c, NULL); break;
		case 8: hq_queue_recall(q, c, NULL); break;
		case 9: hq_queue_noshow(q, c, NULL); break;
		case 10:
			if (hq_sim_uniform(&rng) < 0.5)
				hq_queue_transfer_counter(q, c, 1 + (c % 5), NULL);
			else
				hq_queue_transfer_service(q, c, keys[(int)(hq_sim_uniform(&rng) * 4)], NULL);
			break;
		case 11: {
			/* Pausing again without a reason while paused without one is left out: the
			 * library counts from the second pause, docs/queue.md from the first (the
			 * record follows the docs; hallq-sim never pauses twice). */
			const char *why = reasons[(int)(hq_sim_uniform(&rng) * 4)];
			bool none = !*why || !strcmp(why, "paused");

			if (none && reasonless[c])
				why = "meeting", none = false;
			if (hq_queue_pause(q, c, why) == HQ_OK)
				reasonless[c] = none;
			break;
		}
		case 12: case 13:
			if (hq_queue_resume(q, c) == HQ_OK)
				reasonless[c] = false;
			break;
		case 14:
			if (hq_sim_uniform(&rng) < 0.5)
				hq_queue_sign_out(q, c);
			else
				hq_queue_sign_in(q, c, hq_sim_uniform(&rng) < 0.5 ? "0100" : "0200");
			break;
		case 15:
			if (hq_sim_uniform(&rng) < 0.3 ? hq_queue_close_counter(q, c) == HQ_OK
						       : hq_queue_open_counter(q, c) == HQ_OK)
				reasonless[c] = false;
			break;
		case 16:
			if (hq_sim_uniform(&rng) < 0.5)
				hq_queue_park(q, c, NULL);
			else if (hq_queue_find(q, "A003", &t.id) == HQ_OK)
				hq_queue_unpark(q, t.id, NULL);
			break;
		case 17:
			hq_queue_review_last(q, c, 1 + (int)(hq_sim_uniform(&rng) * 5), HQ_REASON_SKILL, HQ_CH_UNIT,
					     NULL);
			break;
		case 18: {
			struct hq_case *k;
			size_t n;

			if (hq_queue_cases(q, -1, false, false, &k, &n) == HQ_OK && n)
				hq_queue_case_step(q, k[0].id, k[0].state + 1, "0900", NULL, NULL);
			free(k);
			break;
		}
		case 19:
			if (hq_queue_find(q, "C002", &t.id) == HQ_OK)
				hq_queue_cancel(q, t.id, "left", NULL);
			break;
		}
		assert_int_equal(hq_queue_alerts_eval(q, NULL, 0, NULL, NULL), HQ_OK);
	}
	assert_true(ts_clock_ms > ts_local(2026, 11, 23, 14, 0)); /* over lunch, into the afternoon */
	assert_int_equal(hq_sim_record_init(rec, hq_queue_config(q), day0, day0 + 86400000LL), HQ_OK);
	feed(q, rec);
	hq_sim_expect_until(&rec->expect, ts_clock_ms);
	w.asked = w.answered = ts_clock_ms;
	seen = library_alerts(q, &nseen);
	assert_int_equal(hq_sim_expect_compare(&rec->expect, seen, nseen, &w, &v), HQ_OK);
	if (v.mismatches)
		print_findings(&v);
	assert_int_equal(v.mismatches, 0);
	/* Every derived kind was raised, most of them many times. */
	for (size_t i = 0; i < nseen; i++)
		kinds[hq_config_alert(hq_queue_config(q), seen[i].rule)->kind]++;
	print_message("  %zu alerts: wait %d, queue %d, pause %d, pause_reason %d, unstaffed %d, idle %d, "
		      "slow %d, noshows %d, bad_review %d; %d checks, raised up to %.1f s after the record\n",
		      nseen, kinds[HQ_ALERT_WAIT], kinds[HQ_ALERT_QUEUE], kinds[HQ_ALERT_PAUSE],
		      kinds[HQ_ALERT_PAUSE_REASON], kinds[HQ_ALERT_UNSTAFFED], kinds[HQ_ALERT_IDLE],
		      kinds[HQ_ALERT_SLOW], kinds[HQ_ALERT_NOSHOWS], kinds[HQ_ALERT_BAD_REVIEW], v.checks,
		      (double)v.raised_lag_max / 1000);
	for (int k = 0; k < HQ_ALERT_NKINDS; k++)
		if (k != HQ_ALERT_DEVICE && k != HQ_ALERT_CASE_OVERDUE)
			assert_true(kinds[k] > 0);
	assert_true(v.checks > 50 && v.nraised > 50);
	assert_true(v.raised_lag_max <= step_ms);
	hq_sim_verdict_free(&v);
	free(seen);
	hq_sim_record_free(rec);
	free(rec);
	ts_close(q);
	free(text);
}

/*
 * A morning worked out by hand from docs/queue.md's rules. The hall above, Monday: business
 * and social open 09:00-12:00 and 13:30-17:00, enquiry 08:30-12:00 and 13:30-17:30, mystery
 * 09:00-12:00; counter 1 serves enquiry, 2 business and enquiry, 3 social, 4 social and
 * mystery, 5 mystery and business. The default rules, but long_queue's count is 2 and
 * noshow_streak's 2. Times are hh:mm:ss of the day; [from, to).
 */
static const char *morning_rules = "[alert long_queue]\ncount = 2\n[alert noshow_streak]\ncount = 2\n";

static const struct by_hand {
	const char *rule, *subject, *from, *to; /* to "": still held at 14:00 */
} alerts_by_hand[] = {
	/* Z001 09:00, Z002 09:10, Z003 09:12 wait for enquiry: three, more than 2, until
	 * counter 2 calls Z001 at 09:14. */
	{"long_queue", "service:enquiry", "09:12:00", "09:14:00"},
	/* Counter 1 is open and nobody signed in: from the arrival of Z001, 5 minutes. The call
	 * of Z001 elsewhere makes Z002 (09:10) the longest-waiting of its people: 4 minutes, no
	 * longer held; 5 at 09:15. Its clerk signs in at 09:30. */
	{"unstaffed", "counter:1", "09:05:00", "09:14:00"},
	{"unstaffed", "counter:1", "09:15:00", "09:30:00"},
	/* Z002 waits 15 minutes (enquiry's max_wait_minutes) at 09:25; called at 09:31, Z003
	 * (09:12) has waited 19: still held; called at 09:34: nobody waits. */
	{"long_wait", "service:enquiry", "09:25:00", "09:34:00"},
	/* Z001 started at 09:14:30 at counter 2; enquiry has no 5 finished tickets: its target,
	 * 5 minutes, is the median; 300% of it is 15 minutes (more than the rule's 5); finished
	 * at 09:40. Z003, called at counter 1 at 09:34 and never started, counts from its call:
	 * 15 minutes at 09:49, finished at 09:50. */
	{"slow_service", "counter:2", "09:29:30", "09:40:00"},
	{"slow_service", "counter:1", "09:49:00", "09:50:00"},
	/* Counter 3 paused at 09:20 with no reason: 2 minutes at 09:22; the reason "lunch" given
	 * at 10:00 ends it (the pause goes on: 30 minutes of it at 09:50, until the resume). */
	{"pause_no_reason", "counter:3", "09:22:00", "10:00:00"},
	{"long_pause", "counter:3", "09:50:00", "10:10:00"},
	/* Counter 2: A001 and A002 no-shows in a row (10:04, 10:09); A003 finished at 10:20. */
	{"noshow_streak", "counter:2", "10:09:00", "10:20:00"},
	/* A003 reviewed 2 (不满意) at 10:21: case 1, verified at 10:30. */
	{"bad_review", "case:1", "10:21:00", "10:30:00"},
	/* Counter 5 paused at 11:55 without a reason: 2 minutes at 11:57; its hours end at
	 * 12:00, and start again at 13:30 (business) with the pause 5 minutes old: held again
	 * at once, until the resume at 13:40. */
	{"pause_no_reason", "counter:5", "11:57:00", "12:00:00"},
	{"pause_no_reason", "counter:5", "13:30:00", "13:40:00"},
	/* Counter 4 paused at 11:50 for lunch: 10 minutes of its hours by 12:00, 30 at 13:50;
	 * resumed at 13:55. */
	{"long_pause", "counter:4", "13:50:00", "13:55:00"},
};

static int64_t hms(const char *t)
{
	int h, m, sec;

	assert_int_equal(sscanf(t, "%d:%d:%d", &h, &m, &sec), 3);
	return ts_local(2026, 11, 23, h, m) + sec * 1000LL;
}

/* The morning through the real library, its rules evaluated after each operation and every
 * second between them, as hallqd does at real speed. */
static struct hq_queue *morning_library(char **text)
{
	struct hq_queue *q;
	struct hq_ticket t;
	int64_t until;

	*text = hall_with(morning_rules);
	q = ts_open(*text);
	hq_queue_set_durable(q, false);
#define AT(h, m, s)                                                                              \
	do {                                                                                     \
		for (until = ts_local(2026, 11, 23, h, m) + (s) * 1000LL; ts_clock_ms < until;) { \
			ts_clock_ms = ts_clock_ms + 1000 < until ? ts_clock_ms + 1000 : until;    \
			assert_int_equal(hq_queue_alerts_eval(q, NULL, 0, NULL, NULL), HQ_OK);    \
		}                                                                                \
	} while (0)
#define OK(expr)                                                                                 \
	do {                                                                                     \
		assert_int_equal((expr), HQ_OK);                                                 \
		assert_int_equal(hq_queue_alerts_eval(q, NULL, 0, NULL, NULL), HQ_OK);            \
	} while (0)
	AT(9, 0, 0);
	OK(hq_queue_sign_in(q, 2, "0207"));
	OK(hq_queue_issue(q, "enquiry", HQ_CLASS_NORMAL, NULL));
	AT(9, 10, 0); OK(hq_queue_issue(q, "enquiry", HQ_CLASS_NORMAL, NULL));
	AT(9, 12, 0); OK(hq_queue_issue(q, "enquiry", HQ_CLASS_NORMAL, NULL));
	AT(9, 14, 0); OK(hq_queue_call_next(q, 2, &t));
	assert_string_equal(t.label, "Z001");
	AT(9, 14, 30); OK(hq_queue_start(q, 2, NULL));
	AT(9, 20, 0); OK(hq_queue_pause(q, 3, NULL));
	AT(9, 30, 0); OK(hq_queue_sign_in(q, 1, "0101"));
	AT(9, 31, 0); OK(hq_queue_call_next(q, 1, &t));
	assert_string_equal(t.label, "Z002");
	AT(9, 33, 0); OK(hq_queue_finish(q, 1, NULL));
	AT(9, 34, 0); OK(hq_queue_call_next(q, 1, &t));
	assert_string_equal(t.label, "Z003");
	AT(9, 40, 0); OK(hq_queue_finish(q, 2, NULL));
	AT(9, 50, 0); OK(hq_queue_finish(q, 1, NULL));
	AT(10, 0, 0); OK(hq_queue_pause(q, 3, "lunch"));
	OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, NULL));
	AT(10, 1, 0); OK(hq_queue_call_next(q, 2, &t));
	AT(10, 4, 0); OK(hq_queue_noshow(q, 2, NULL));
	AT(10, 5, 0); OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, NULL));
	AT(10, 6, 0); OK(hq_queue_call_next(q, 2, &t));
	AT(10, 9, 0); OK(hq_queue_noshow(q, 2, NULL));
	AT(10, 10, 0); OK(hq_queue_issue(q, "business", HQ_CLASS_NORMAL, NULL));
	OK(hq_queue_resume(q, 3));
	AT(10, 11, 0); OK(hq_queue_call_next(q, 2, &t));
	assert_string_equal(t.label, "A003");
	AT(10, 12, 0); OK(hq_queue_start(q, 2, NULL));
	AT(10, 20, 0); OK(hq_queue_finish(q, 2, NULL));
	AT(10, 21, 0); OK(hq_queue_review_last(q, 2, 2, HQ_REASON_ATTITUDE, HQ_CH_UNIT, NULL));
	AT(10, 30, 0); OK(hq_queue_case_step(q, 1, HQ_CASE_VERIFIED, "0900", NULL, NULL));
	AT(11, 50, 0); OK(hq_queue_pause(q, 4, "lunch"));
	AT(11, 55, 0); OK(hq_queue_pause(q, 5, NULL));
	AT(13, 40, 0); OK(hq_queue_resume(q, 5));
	AT(13, 55, 0); OK(hq_queue_resume(q, 4));
	AT(14, 0, 0);
#undef AT
#undef OK
	return q;
}

/* The record, fed the morning's feed, expects the alerts worked out by hand, to the
 * millisecond; and the library raised and cleared exactly those. */
static void alerts_by_definition(void **state)
{
	char *text;
	struct hq_queue *q = morning_library(&text);
	struct hq_sim_record *rec = malloc(sizeof *rec);
	int64_t day0 = ts_local(2026, 11, 23, 0, 0), end = ts_clock_ms;
	const size_t want = sizeof alerts_by_hand / sizeof alerts_by_hand[0];
	struct hq_sim_alert *got;
	struct hq_sim_seen *seen;
	size_t n, nseen;

	(void)state;
	assert_non_null(rec);
	assert_int_equal(hq_sim_record_init(rec, hq_queue_config(q), day0, day0 + 86400000LL), HQ_OK);
	feed(q, rec);
	hq_sim_expect_until(&rec->expect, end);
	got = hq_sim_expect_list(&rec->expect, &n);
	seen = library_alerts(q, &nseen);
	assert_int_equal(n, want);
	assert_int_equal(nseen, want);
	for (size_t i = 0; i < want; i++) {
		const struct by_hand *h = &alerts_by_hand[i];
		int64_t from = hms(h->from), to = *h->to ? hms(h->to) : 0;
		bool in_record = false, in_library = false;

		for (size_t k = 0; k < n; k++)
			in_record |= !strcmp(hq_queue_config(q)->alerts[got[k].rule].name, h->rule) &&
				     !strcmp(got[k].subject, h->subject) && got[k].from == from && got[k].to == to;
		for (size_t k = 0; k < nseen; k++)
			in_library |= !strcmp(seen[k].rule, h->rule) && !strcmp(seen[k].subject, h->subject) &&
				      seen[k].raised == from && seen[k].cleared == to;
		if (!in_record || !in_library)
			fail_msg("%s %s from %s to %s: %s", h->rule, h->subject, h->from, h->to,
				 !in_record ? "not as the record has it" : "not as the library raised it");
	}
	free(got);
	free(seen);
	hq_sim_record_free(rec);
	free(rec);
	ts_close(q);
	free(text);
}

/* A copy of the library's alerts with one changed, compared with the record's intervals. */
static void findings_of(const struct hq_sim_expect *x, const struct hq_sim_seen *seen, size_t n,
			const struct hq_sim_window *w, struct hq_sim_verdict *v)
{
	assert_int_equal(hq_sim_expect_compare(x, seen, n, w, v), HQ_OK);
}

static struct hq_sim_seen *seen_of(struct hq_sim_seen *seen, size_t n, const char *rule, const char *subject,
				   const char *from)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(seen[i].rule, rule) && !strcmp(seen[i].subject, subject) && seen[i].raised == hms(from))
			return &seen[i];
	fail_msg("no alert %s %s at %s", rule, subject, from);
	return NULL;
}

static void one_finding(const struct hq_sim_verdict *v, enum hq_sim_finding_what what, const char *rule,
			const char *subject)
{
	if (v->mismatches != 1 || v->nf != 1 || v->f[0].what != what || strcmp(v->f[0].rule_name, rule) ||
	    strcmp(v->f[0].subject, subject)) {
		print_findings(v);
		fail_msg("want one finding: %s %s %s; got %d", hq_sim_finding_name(what), rule, subject,
			 v->mismatches);
	}
}

/*
 * The comparison, on the morning above with a tolerance of 30 s (hallqd's at 150x): the
 * library's alerts match every interval, and each way of being wrong is one finding: raised
 * 31 s late, cleared 2 s early or 31 s late, an interval not raised, an alert not explained,
 * two intervals 90 minutes apart taken as one alert, one still open. 29 s late is within it,
 * and so is an interval shorter than the tolerance that hallqd missed, and one near the end
 * of the window that it has not raised yet.
 */
static void alerts_compared(void **state)
{
	char *text;
	struct hq_queue *q = morning_library(&text);
	struct hq_sim_record *rec = malloc(sizeof *rec);
	int64_t day0 = ts_local(2026, 11, 23, 0, 0);
	struct hq_sim_window w = {.from = hms("09:00:00"), .asked = hms("14:00:00"), .answered = hms("14:00:00"),
				  .tolerance = 30000, .early = 1000};
	struct hq_sim_seen *lib, *seen, *a;
	struct hq_sim_verdict v;
	size_t n;

	(void)state;
	assert_non_null(rec);
	assert_int_equal(hq_sim_record_init(rec, hq_queue_config(q), day0, day0 + 86400000LL), HQ_OK);
	feed(q, rec);
	hq_sim_expect_until(&rec->expect, ts_clock_ms);
	lib = library_alerts(q, &n);
	seen = malloc((n + 1) * sizeof *seen);
	assert_non_null(seen);
	assert_int_equal(n, 13);

	/* As they are: one check per interval, each matched. */
	findings_of(&rec->expect, lib, n, &w, &v);
	assert_int_equal(v.checks, 13);
	assert_int_equal(v.mismatches, 0);
	assert_int_equal(v.tally[0].expected, 1); /* long_wait, the first rule */
	assert_int_equal(v.tally[0].matched, 1);
	hq_sim_verdict_free(&v);

#define CHANGED(change)                                                                         \
	do {                                                                                    \
		memcpy(seen, lib, n * sizeof *seen);                                            \
		change;                                                                         \
		findings_of(&rec->expect, seen, n, &w, &v);                                     \
	} while (0)
	/* 29 s late, raised and cleared: within. */
	CHANGED((a = seen_of(seen, n, "long_pause", "counter:3", "09:50:00"), a->raised += 29000, a->cleared += 29000));
	assert_int_equal(v.mismatches, 0);
	assert_int_equal(v.raised_lag_max, 29000);
	hq_sim_verdict_free(&v);
	/* 31 s late. */
	CHANGED((a = seen_of(seen, n, "long_pause", "counter:3", "09:50:00"), a->raised += 31000));
	one_finding(&v, HQ_SIM_RAISED_OFF, "long_pause", "counter:3");
	assert_int_equal(v.f[0].want, hms("09:50:00"));
	assert_int_equal(v.f[0].got, hms("09:50:31"));
	hq_sim_verdict_free(&v);
	/* Cleared 2 s early, or 31 s late. */
	CHANGED((a = seen_of(seen, n, "bad_review", "case:1", "10:21:00"), a->cleared -= 2000));
	one_finding(&v, HQ_SIM_CLEARED_OFF, "bad_review", "case:1");
	hq_sim_verdict_free(&v);
	CHANGED((a = seen_of(seen, n, "bad_review", "case:1", "10:21:00"), a->cleared += 31000));
	one_finding(&v, HQ_SIM_CLEARED_OFF, "bad_review", "case:1");
	hq_sim_verdict_free(&v);
	/* Still open, long after the record's end. */
	CHANGED((a = seen_of(seen, n, "noshow_streak", "counter:2", "10:09:00"), a->cleared = 0));
	one_finding(&v, HQ_SIM_STILL_OPEN, "noshow_streak", "counter:2");
	hq_sim_verdict_free(&v);
	/* Not raised: the list without it. */
	a = seen_of(lib, n, "slow_service", "counter:1", "09:49:00");
	memcpy(seen, lib, (size_t)(a - lib) * sizeof *seen);
	memcpy(seen + (a - lib), a + 1, (n - (size_t)(a - lib) - 1) * sizeof *seen);
	findings_of(&rec->expect, seen, n - 1, &w, &v);
	one_finding(&v, HQ_SIM_NOT_RAISED, "slow_service", "counter:1");
	assert_int_equal(v.checks, 13);
	hq_sim_verdict_free(&v);
	/* One more that nothing explains: a check of its own. */
	CHANGED((seen[n] = seen[0], snprintf(seen[n].rule, sizeof seen[n].rule, "no_calls"),
		 snprintf(seen[n].subject, sizeof seen[n].subject, "counter:4")));
	hq_sim_verdict_free(&v);
	findings_of(&rec->expect, seen, n + 1, &w, &v);
	one_finding(&v, HQ_SIM_UNEXPLAINED, "no_calls", "counter:4");
	assert_int_equal(v.checks, 14);
	hq_sim_verdict_free(&v);
	/* Counter 5's two pieces, 11:57-12:00 and 13:30-13:40, as one alert: its clear is 90
	 * minutes off, and the second piece has no alert. */
	memcpy(seen, lib, n * sizeof *seen);
	a = seen_of(seen, n, "pause_no_reason", "counter:5", "11:57:00");
	a->cleared = hms("13:40:00");
	*seen_of(seen, n, "pause_no_reason", "counter:5", "13:30:00") = seen[n - 1];
	findings_of(&rec->expect, seen, n - 1, &w, &v);
	assert_int_equal(v.mismatches, 2);
	assert_int_equal(v.f[0].what, HQ_SIM_CLEARED_OFF);
	assert_int_equal(v.f[1].what, HQ_SIM_NOT_RAISED);
	hq_sim_verdict_free(&v);
	/* Near the ends of the window hallqd may not have got to it yet: asked at 13:50:20, the
	 * long pause of 13:50 need not be raised; one that ended at 13:40 must be cleared. */
	w.asked = hms("13:50:20");
	a = seen_of(lib, n, "long_pause", "counter:4", "13:50:00");
	memcpy(seen, lib, (size_t)(a - lib) * sizeof *seen);
	memcpy(seen + (a - lib), a + 1, (n - (size_t)(a - lib) - 1) * sizeof *seen);
	findings_of(&rec->expect, seen, n - 1, &w, &v);
	assert_int_equal(v.mismatches, 0);
	assert_int_equal(v.tally[2].optional, 1); /* long_pause is the third rule */
	hq_sim_verdict_free(&v);
	/* With a tolerance of 2 minutes, the slow service of 09:49-09:50 is shorter than it:
	 * hallqd may have missed it. */
	w.asked = hms("14:00:00");
	w.tolerance = 120000;
	a = seen_of(lib, n, "slow_service", "counter:1", "09:49:00");
	memcpy(seen, lib, (size_t)(a - lib) * sizeof *seen);
	memcpy(seen + (a - lib), a + 1, (n - (size_t)(a - lib) - 1) * sizeof *seen);
	findings_of(&rec->expect, seen, n - 1, &w, &v);
	assert_int_equal(v.mismatches, 0);
	hq_sim_verdict_free(&v);
#undef CHANGED
	free(seen);
	free(lib);
	hq_sim_record_free(rec);
	free(rec);
	ts_close(q);
	free(text);
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
		cmocka_unit_test(record_review_breaches),
		cmocka_unit_test(record_figures_by_definition),
		cmocka_unit_test(library_figures_by_definition),
		cmocka_unit_test(record_alerts_match_library),
		cmocka_unit_test(alerts_by_definition),
		cmocka_unit_test(alerts_compared),
	};

	ts_setup_tz();
	return cmocka_run_group_tests_name("test_sim_model", tests, NULL, NULL);
}
