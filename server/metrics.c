/*
 * Counters for /metrics, in Prometheus text format: requests and latency per route, the
 * size of each group commit, and at scrape time the hall's waiting counts, what electronic
 * supervision watches (the longest wait of each queue, each counter's state and pause, the
 * open alerts of each rule), the counter units' health the
 * gateways reported (units.c) and the kiosks' printers (kiosks.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define ROUTES 64                /* route names (a route's .name): room to spare */
#define STATUSES 12
static const double bucket[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NB ((int)(sizeof bucket / sizeof bucket[0]))
static const double batch_bucket[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define NBB ((int)(sizeof batch_bucket / sizeof batch_bucket[0]))

struct hqd_metrics {
	pthread_mutex_t lock;        /* connection threads count requests, the worker batches */
	struct {
		const char *route;
		int status[STATUSES];
		unsigned long long count[STATUSES];
		unsigned long long hist[NB + 1];
		double sum;
		unsigned long long total;
	} r[ROUTES];
	int nroutes;
	unsigned long long batch_hist[NBB + 1];
	unsigned long long batches;
	double batch_sum;
};

struct hqd_metrics *hqd_metrics_new(void)
{
	struct hqd_metrics *m = calloc(1, sizeof *m);

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void hqd_metrics_free(struct hqd_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void hqd_metrics_request(struct hqd_metrics *m, const char *route, int status, double seconds)
{
	int i, k;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nroutes && strcmp(m->r[i].route, route); i++)
		;
	if (i == m->nroutes && m->nroutes < ROUTES)
		m->r[m->nroutes++].route = route;
	if (i < m->nroutes) {
		for (k = 0; k < STATUSES && m->r[i].status[k] && m->r[i].status[k] != status; k++)
			;
		if (k < STATUSES) {
			m->r[i].status[k] = status;
			m->r[i].count[k]++;
		}
		for (k = 0; k < NB && seconds > bucket[k]; k++)
			;
		m->r[i].hist[k]++;
		m->r[i].sum += seconds;
		m->r[i].total++;
	}
	pthread_mutex_unlock(&m->lock);
}

void hqd_metrics_batch(struct hqd_metrics *m, int size)
{
	int k;

	pthread_mutex_lock(&m->lock);
	for (k = 0; k < NBB && size > batch_bucket[k]; k++)
		;
	m->batch_hist[k]++;
	m->batches++;
	m->batch_sum += size;
	pthread_mutex_unlock(&m->lock);
}

/* Electronic supervision's families, from the queue's figures of the scrape. */
static void supervision(FILE *f, const struct hq_config *cfg, const struct hq_supervision *sv)
{
	static const enum hq_cstate states[] = {HQ_C_OPEN, HQ_C_PAUSED, HQ_C_CLOSED};
	size_t i;
	int k;

	fputs("# HELP hallq_service_oldest_wait_seconds How long the longest-waiting ticket of each "
	      "service's queue has waited (0 when nobody waits).\n"
	      "# TYPE hallq_service_oldest_wait_seconds gauge\n", f);
	for (i = 0; i < sv->nservices && i < cfg->nservices; i++)
		fprintf(f, "hallq_service_oldest_wait_seconds{service=\"%s\"} %.3f\n", cfg->services[i].key,
			sv->oldest_wait_ms[i] / 1000.0);
	fputs("# HELP hallq_counter_state Each counter's state: 1 for the one it is in, 0 for the "
	      "others.\n# TYPE hallq_counter_state gauge\n", f);
	for (i = 0; i < sv->ncounters; i++)
		for (k = 0; k < 3; k++)
			fprintf(f, "hallq_counter_state{counter=\"%d\",state=\"%s\"} %d\n",
				sv->counters[i].number, hq_cstate_name(states[k]), sv->counters[i].state == states[k]);
	fputs("# HELP hallq_counter_paused_seconds How long each counter has been in its current "
	      "pause (0 when it is not paused).\n# TYPE hallq_counter_paused_seconds gauge\n", f);
	for (i = 0; i < sv->ncounters; i++)
		fprintf(f, "hallq_counter_paused_seconds{counter=\"%d\"} %.3f\n", sv->counters[i].number,
			sv->counters[i].paused_ms / 1000.0);
	fputs("# HELP hallq_alerts_open Open alerts of each rule of electronic supervision "
	      "(电子监察).\n# TYPE hallq_alerts_open gauge\n", f);
	for (k = 0; k < sv->nrules && k < cfg->nalerts; k++)
		fprintf(f, "hallq_alerts_open{rule=\"%s\"} %d\n", cfg->alerts[k].name, sv->alerts_open[k]);
}

char *hqd_metrics_render(struct hqd *srv, const struct hq_hall_state *st,
			 const struct hq_config *cfg, const struct hq_supervision *sv)
{
	struct hqd_metrics *m = srv->metrics;
	unsigned long long cum;
	char *out = NULL;
	size_t len = 0, s;
	FILE *f = open_memstream(&out, &len);
	int i, k;

	if (!f)
		return NULL;
	pthread_mutex_lock(&m->lock);
	fputs("# HELP hallq_http_requests_total HTTP requests by route and status.\n"
	      "# TYPE hallq_http_requests_total counter\n", f);
	for (i = 0; i < m->nroutes; i++)
		for (k = 0; k < STATUSES && m->r[i].status[k]; k++)
			fprintf(f, "hallq_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				m->r[i].route, m->r[i].status[k], m->r[i].count[k]);
	fputs("# HELP hallq_http_request_seconds Time to answer a request.\n"
	      "# TYPE hallq_http_request_seconds histogram\n", f);
	for (i = 0; i < m->nroutes; i++) {
		for (k = 0, cum = 0; k <= NB; k++) {
			cum += m->r[i].hist[k];
			if (k < NB)
				fprintf(f, "hallq_http_request_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
					m->r[i].route, bucket[k], cum);
			else
				fprintf(f, "hallq_http_request_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					m->r[i].route, cum);
		}
		fprintf(f, "hallq_http_request_seconds_sum{route=\"%s\"} %.6f\n", m->r[i].route, m->r[i].sum);
		fprintf(f, "hallq_http_request_seconds_count{route=\"%s\"} %llu\n", m->r[i].route, m->r[i].total);
	}
	fputs("# HELP hallq_batch_size Operations committed together (group commit).\n"
	      "# TYPE hallq_batch_size histogram\n", f);
	for (k = 0, cum = 0; k <= NBB; k++) {
		cum += m->batch_hist[k];
		if (k < NBB)
			fprintf(f, "hallq_batch_size_bucket{le=\"%g\"} %llu\n", batch_bucket[k], cum);
		else
			fprintf(f, "hallq_batch_size_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	fprintf(f, "hallq_batch_size_sum %.0f\nhallq_batch_size_count %llu\n", m->batch_sum, m->batches);
	pthread_mutex_unlock(&m->lock);

	fputs("# HELP hallq_waiting Tickets waiting per service.\n# TYPE hallq_waiting gauge\n", f);
	for (s = 0; s < st->nservices; s++)
		fprintf(f, "hallq_waiting{service=\"%s\"} %d\n", st->services[s].key, st->services[s].waiting);
	fprintf(f, "# HELP hallq_events_total Events in the hall's feed.\n# TYPE hallq_events_total counter\n"
		"hallq_events_total %lld\n", (long long)st->last_event_id);
	fprintf(f, "# HELP hallq_event_subscribers Open event streams.\n# TYPE hallq_event_subscribers gauge\n"
		"hallq_event_subscribers %d\n", hqd_hub_subscribers(srv->hub, 0));
	supervision(f, cfg, sv);
	if (srv->limits)
		hqd_limits_metrics(srv->limits, f);
	hqd_units_metrics(srv->units, f);
	hqd_kiosks_metrics(srv->kiosks, f);
	hqd_syncs_metrics(srv->syncs, f);
	fclose(f);
	return out;
}
