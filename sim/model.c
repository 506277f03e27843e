/*
 * hallq-sim's model of the day (model.h): the generator, the arrival rates and the
 * citizens. Rates are kept per whole minute, as opening hours are, so the day's integral is
 * an exact sum and the thinning bound is exact.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hq_error.h"
#include "model.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void hq_sim_rng_seed(struct hq_sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t hq_sim_rng_next(struct hq_sim_rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double hq_sim_uniform(struct hq_sim_rng *r)
{
	/* 53 random bits, shifted off zero so that log() never sees it. */
	return ((double)(hq_sim_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}

double hq_sim_exp(struct hq_sim_rng *r, double mean)
{
	return -mean * log(hq_sim_uniform(r));
}

double hq_sim_normal(struct hq_sim_rng *r)
{
	/* Box-Muller; one of the pair is enough here. */
	return sqrt(-2.0 * log(hq_sim_uniform(r))) * cos(2.0 * M_PI * hq_sim_uniform(r));
}

double hq_sim_lognormal(struct hq_sim_rng *r, double mean, double sigma)
{
	/* E[exp(N(mu, s))] = exp(mu + s^2 / 2): choose mu so the mean is the one asked. */
	return exp(log(mean) - sigma * sigma / 2 + sigma * hq_sim_normal(r));
}

double hq_sim_between(struct hq_sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * hq_sim_uniform(r);
}

int hq_sim_pick(struct hq_sim_rng *r, const double *w, int n)
{
	double sum = 0, x;
	int i, last = -1;

	for (i = 0; i < n; i++)
		sum += w[i] > 0 ? w[i] : 0;
	if (sum <= 0)
		return -1;
	x = hq_sim_uniform(r) * sum;
	for (i = 0; i < n; i++) {
		if (w[i] <= 0)
			continue;
		last = i;
		if ((x -= w[i]) < 0)
			return i;
	}
	return last; /* rounding left a crumb of x: the last candidate */
}

void hq_sim_params_default(struct hq_sim_params *p)
{
	*p = (struct hq_sim_params){
		.tickets = 125,             /* the sample hall's usual day */
		.peak_factor = 1.8,
		.peak_from = {9 * 60 + 30, 14 * 60},
		.peak_to = {11 * 60, 15 * 60 + 30},
		.p_priority = 0.04,
		.p_noshow = 0.05,
		.p_late = 0.05,
		.p_transfer = 0.05,
		.p_rate = 0.8,
		/* Mostly 非常满意 and 满意, a few 基本满意, rarely 不满意 or 非常不满意: the shape
		 * of the halls' published 好差评 figures, where satisfaction is 95% and more. */
		.level_share = {0.01, 0.03, 0.06, 0.20, 0.70},
		.p_second_reason = 0.3,
		.p_renege = 0.03,
		.service_sigma = 0.5,
		.service_scale = 1.0,
		.default_minutes = 10,
	};
}

double hq_sim_shape(const struct hq_sim_params *p, int minute)
{
	for (int i = 0; i < 2; i++)
		if (minute >= p->peak_from[i] && minute < p->peak_to[i])
			return p->peak_factor;
	return 1.0;
}

/* Shares of the sample hall's services (assets/halls/county-centre.ini), in percent of a
 * weekday's tickets: what a county centre of that size sees. */
static const struct {
	const char *key;
	double share;
} shares[] = {
	{"business", 8}, {"realestate", 14}, {"social", 22}, {"hukou", 14}, {"exit-entry", 6},
	{"tax", 12}, {"fund", 8}, {"construction", 2}, {"enquiry", 12}, {"green", 2},
	{"saturday", 10}, /* on Saturdays it is alone, so its share is all */
};

double hq_sim_share_of(const char *key)
{
	for (size_t i = 0; i < sizeof shares / sizeof shares[0]; i++)
		if (!strcmp(shares[i].key, key))
			return shares[i].share;
	return 0;
}

int hq_sim_rates_init(struct hq_sim_rates *r, const struct hq_config *cfg, int wday,
		      const struct hq_sim_params *p)
{
	double known = 0, z = 0;
	int nknown = 0, m;
	size_t s;

	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->p = *p;
	r->wday = wday;
	for (s = 0; s < cfg->nservices; s++) {
		r->share[s] = hq_sim_share_of(cfg->services[s].key);
		if (r->share[s] > 0) {
			known += r->share[s];
			nknown++;
		}
	}
	for (s = 0; s < cfg->nservices; s++)
		if (r->share[s] <= 0)
			r->share[s] = nknown ? known / nknown : 1.0;
	for (s = 0; s < cfg->nservices; s++)
		for (m = 0; m < HQ_SIM_DAY_MIN; m++)
			if (hq_service_open_at(&cfg->services[s], wday, m))
				z += r->share[s] * hq_sim_shape(p, m);
	if (z <= 0)
		return HQ_EINVAL;
	r->k = p->tickets / z;
	for (m = 0; m < HQ_SIM_DAY_MIN; m++) {
		for (s = 0; s < cfg->nservices; s++)
			r->total[m] += hq_sim_rate(r, (int)s, m);
		if (r->total[m] > r->max)
			r->max = r->total[m];
	}
	return HQ_OK;
}

double hq_sim_rate(const struct hq_sim_rates *r, int service, int minute)
{
	if (minute < 0 || minute >= HQ_SIM_DAY_MIN || service < 0 || (size_t)service >= r->cfg->nservices ||
	    !hq_service_open_at(&r->cfg->services[service], r->wday, minute))
		return 0;
	return r->k * r->share[service] * hq_sim_shape(&r->p, minute);
}

double hq_sim_expected(const struct hq_sim_rates *r, double from, double to)
{
	double sum = 0;

	for (int m = 0; m < HQ_SIM_DAY_MIN; m++) {
		double lo = from > m ? from : m, hi = to < m + 1 ? to : m + 1;

		if (hi > lo)
			sum += r->total[m] * (hi - lo);
	}
	return sum;
}

void hq_sim_citizen(struct hq_sim_rng *rng, const struct hq_sim_rates *r, int service,
		    struct hq_sim_arrival *a)
{
	const struct hq_sim_params *p = &r->p;
	const struct hq_service *sv = &r->cfg->services[service];
	double mean = (sv->target_minutes > 0 ? sv->target_minutes : p->default_minutes) * p->service_scale;
	double u;

	a->service = service;
	a->priority = !sv->priority_lane && hq_sim_uniform(rng) < p->p_priority;
	u = hq_sim_uniform(rng);
	a->noshow = u < p->p_noshow;
	a->late = !a->noshow && u < p->p_noshow + p->p_late;
	a->service_min = hq_sim_lognormal(rng, mean, p->service_sigma);
	a->transfer = hq_sim_uniform(rng) < p->p_transfer;
	a->level = 0;
	a->reasons = 0;
	if (hq_sim_uniform(rng) < p->p_rate) {
		a->level = 1 + hq_sim_pick(rng, p->level_share, HQ_LEVEL_MAX);
		/* A bad review says why: one of the four reasons, sometimes a second one. */
		if (a->level >= HQ_LEVEL_MIN && a->level <= HQ_LEVEL_BAD) {
			a->reasons = 1u << (int)(hq_sim_uniform(rng) * 4);
			if (hq_sim_uniform(rng) < p->p_second_reason)
				a->reasons |= 1u << (int)(hq_sim_uniform(rng) * 4);
		}
	}
	a->patience_min = hq_sim_uniform(rng) < p->p_renege ? hq_sim_between(rng, 15, 45) : 0;
}

int hq_sim_arrivals(const struct hq_sim_rates *r, struct hq_sim_rng *rng, double from, double to,
		    struct hq_sim_arrival **out, size_t *n)
{
	struct hq_sim_arrival *v = NULL, *grown;
	size_t cap = 0, len = 0;
	double t = from, w[HQ_MAX_SERVICES];

	*out = NULL;
	*n = 0;
	if (r->max <= 0)
		return HQ_OK;
	for (;;) {
		int m, s;

		t += hq_sim_exp(rng, 1.0 / r->max);
		if (t >= to || t >= HQ_SIM_DAY_MIN)
			break;
		m = (int)t;
		if (hq_sim_uniform(rng) * r->max >= r->total[m])
			continue;
		for (s = 0; s < (int)r->cfg->nservices; s++)
			w[s] = hq_sim_rate(r, s, m);
		if ((s = hq_sim_pick(rng, w, (int)r->cfg->nservices)) < 0)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				free(v);
				return HQ_ENOMEM;
			}
			v = grown;
		}
		v[len].minute = t;
		hq_sim_citizen(rng, r, s, &v[len]);
		len++;
	}
	*out = v;
	*n = len;
	return HQ_OK;
}
