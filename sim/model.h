/*
 * hallq-sim's model of a day in the hall, apart from any I/O so the tests can check it: a
 * seedable random generator (never rand(), whose sequence differs between C libraries), the
 * arrival rate of each service over the day (a base rate, a morning and a post-lunch peak,
 * per-service shares, zero while the service is closed), the arrivals drawn from it by
 * thinning, and what each citizen will do at the counter (show up or not, how long the
 * matter takes, a transfer, a review). docs/sim.md lists the parameters.
 *
 * Ownership: hq_sim_arrivals() returns an array the caller frees with free().
 */
#ifndef HQ_SIM_MODEL_H
#define HQ_SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"
#include "hq_hall.h"

#define HQ_SIM_DAY_MIN 1440

/* xoshiro256** (Blackman and Vigna, 2018), seeded through splitmix64. */
struct hq_sim_rng {
	uint64_t s[4];
};

void hq_sim_rng_seed(struct hq_sim_rng *r, uint64_t seed);
uint64_t hq_sim_rng_next(struct hq_sim_rng *r);
double hq_sim_uniform(struct hq_sim_rng *r);            /* in (0, 1) */
double hq_sim_exp(struct hq_sim_rng *r, double mean);
double hq_sim_normal(struct hq_sim_rng *r);             /* mean 0, deviation 1 */
/* Lognormal with this mean and this deviation of its logarithm. */
double hq_sim_lognormal(struct hq_sim_rng *r, double mean, double sigma);
double hq_sim_between(struct hq_sim_rng *r, double lo, double hi);
/* An index in [0, n) drawn with weights w (not all zero); -1 if they are all zero. */
int hq_sim_pick(struct hq_sim_rng *r, const double *w, int n);

struct hq_sim_params {
	double tickets;             /* expected arrivals over the whole day */
	double peak_factor;         /* arrival rate at a peak, relative to the base rate */
	int peak_from[2], peak_to[2]; /* the peaks, minutes of the day [from, to) */
	double p_priority;          /* share of priority tickets (elderly, disabled) */
	double p_noshow;            /* called and never comes: recalls, then no-show */
	double p_late;              /* comes only after the first recall */
	double p_transfer;          /* served, then sent to another counter */
	double p_rate;              /* reviews the service after it (好差评) */
	double level_share[HQ_LEVEL_MAX]; /* of those reviews, the share at level 1..5 */
	double p_second_reason;     /* a bad review gives a second reason */
	double p_renege;            /* gives up waiting after some patience and cancels */
	double service_sigma;       /* deviation of the log of the service time */
	double service_scale;       /* true mean service time over target_minutes */
	double default_minutes;     /* service time where the config gives no target */
};

/* The defaults of docs/sim.md. */
void hq_sim_params_default(struct hq_sim_params *p);
/* The shape of the day at a minute: 1, or peak_factor in a peak. */
double hq_sim_shape(const struct hq_sim_params *p, int minute);
/* A service's weight among arrivals: the sample hall's shares by key; 0 when unknown. */
double hq_sim_share_of(const char *key);

/*
 * Arrival rates per minute for each service on one weekday: K * share * shape * open, with
 * K such that the whole day sums to p->tickets. Services with unknown keys get the mean
 * share of the known ones (all equal when none is known).
 */
struct hq_sim_rates {
	const struct hq_config *cfg;
	struct hq_sim_params p;
	int wday;
	double share[HQ_MAX_SERVICES];
	double k;
	double total[HQ_SIM_DAY_MIN];  /* all services, per minute */
	double max;                    /* the largest of total[] */
};

/* HQ_EINVAL when no service opens that day (nothing can arrive). */
int hq_sim_rates_init(struct hq_sim_rates *r, const struct hq_config *cfg, int wday,
		      const struct hq_sim_params *p);
double hq_sim_rate(const struct hq_sim_rates *r, int service, int minute);
/* The expected arrivals in [from, to), minutes of the day. */
double hq_sim_expected(const struct hq_sim_rates *r, double from, double to);

/* One citizen: when, for what, and what they will do. */
struct hq_sim_arrival {
	double minute;              /* of the day, fractional */
	int service;                /* index into cfg->services */
	bool priority;
	bool noshow, late, transfer;
	double service_min;         /* how long the matter takes at the counter */
	int level;                  /* the review's level 1..5, 0 none */
	unsigned reasons;           /* a bad review's HQ_REASON_ bits, 0 otherwise */
	double patience_min;        /* 0: waits however long it takes */
};

/* What one citizen will do, for an arrival or a transferred ticket's second service. */
void hq_sim_citizen(struct hq_sim_rng *rng, const struct hq_sim_rates *r, int service,
		    struct hq_sim_arrival *a);

/* Arrivals in [from, to) by thinning a Poisson process of rate r->max (Lewis and Shedler,
 * 1979), in time order. */
int hq_sim_arrivals(const struct hq_sim_rates *r, struct hq_sim_rng *rng, double from, double to,
		    struct hq_sim_arrival **out, size_t *n);

#endif
