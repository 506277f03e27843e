/*
 * The health of the hall's forwarders to the central database (hallq-sync, sync/), as they
 * report it: how far behind the centre is (lag in seconds, backlog in events), the last
 * event the centre confirmed, and whether the central database answers. A forwarder PUTs
 * its report every few seconds; each report replaces its last. Like the kiosks' health
 * (kiosks.c) it lives in memory only, and a forwarder silent for longer than the stale
 * threshold (hallqd --kiosk-stale) shows as down. It is served at /api/v1/syncs and in
 * /metrics (hallq_sync_up, hallq_sync_lag_seconds, hallq_sync_backlog_events), where the
 * hall's monitoring sees that the county no longer sees the hall. A change of central_up is
 * written to hallqd's log.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define SYNCS_MAX 8 /* one forwarder a central database; a hall reports to one or two */

struct sync_report {
	double lag_s;
	long long backlog, last_confirmed;
	bool central_up;
};

struct hqd_health *hqd_syncs_new(int64_t stale_ms)
{
	return hqd_health_new(SYNCS_MAX, stale_ms, free);
}

static bool parse_report(struct hqd_req *r, struct sync_report *s)
{
	bool given;

	return hqd_field_number(r, r->body, "", "lag_s", true, 0, 1e9, &s->lag_s) &&
	       hqd_field_int(r, r->body, "", "backlog", true, 0, HQD_COUNT_MAX, &s->backlog, &given) &&
	       hqd_field_int(r, r->body, "", "last_confirmed", true, 0, HQD_COUNT_MAX,
			     &s->last_confirmed, &given) &&
	       hqd_field_bool(r, r->body, "", "central_up", true, &s->central_up);
}

void hqd_syncs_put(struct hq_queue *q, struct hqd_req *r)
{
	struct hqd_health_entry was;
	struct sync_report s = {0}, *kept;
	const struct sync_report *old;

	(void)q;
	if (!hqd_health_name_ok(r->args[0])) {
		hqd_error(r, 400, "inval", "a sync's name is 1 to %d of A-Z a-z 0-9 _ . -, not '%s'",
			  HQD_HEALTH_NAME_MAX, r->args[0]);
		return;
	}
	if (!parse_report(r, &s))
		return;
	if (!(kept = malloc(sizeof *kept))) {
		hqd_error(r, 500, "nomem", "out of memory");
		return;
	}
	*kept = s;
	if (!hqd_health_put(r->srv->syncs, r->args[0], kept, &was)) {
		free(kept);
		hqd_error(r, 409, "toomany", "hallqd keeps the reports of at most %d syncs; "
			  "DELETE /api/v1/syncs/NAME of one that is gone", SYNCS_MAX);
		return;
	}
	old = was.data;
	if (!old || old->central_up != s.central_up || was.stale)
		hq_log(HQ_LOG_INFO, "sync %s: central database %s, %lld events behind, lag %.1f s",
		       r->args[0], s.central_up ? "up" : "away", s.backlog, s.lag_s);
	free(was.data);
	r->status = 204;
}

void hqd_syncs_delete(struct hq_queue *q, struct hqd_req *r)
{
	(void)q;
	if (hqd_health_delete(r->srv->syncs, r->args[0])) {
		hq_log(HQ_LOG_INFO, "sync %s: forgotten", r->args[0]);
		r->status = 204;
	} else {
		hqd_error(r, 404, "nosync", "no sync '%s' has reported here", r->args[0]);
	}
}

static void list_syncs(const struct hqd_health_entry *e, size_t n, void *arg)
{
	json_t *list = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sync_report *s = e[i].data;

		json_array_append_new(list, json_pack(
			"{s:s, s:b, s:I, s:f, s:I, s:I, s:b}", "name", e[i].name, "up", !e[i].stale,
			"age_s", (json_int_t)(e[i].age_ms / 1000), "lag_s", s->lag_s,
			"backlog", (json_int_t)s->backlog, "last_confirmed", (json_int_t)s->last_confirmed,
			"central_up", s->central_up));
	}
}

void hqd_syncs_get(struct hq_queue *q, struct hqd_req *r)
{
	json_t *list = json_array();

	(void)q;
	hqd_health_walk(r->srv->syncs, list_syncs, list);
	hqd_json(r, 200, json_pack("{s:o}", "syncs", list));
}

/* Metrics: names need no escaping, hqd_health_name_ok() keeps them plain. A silent sync's
 * lag is not known; it is given as its last report plus the time since, which is what the
 * centre has been missing at least. hallq_sync_up is 1 only while the sync reports and the
 * central database answers it. */
static void write_families(const struct hqd_health_entry *e, size_t n, void *arg)
{
	FILE *f = arg;
	size_t i;

	fputs("# HELP hallq_sync_up 1 while the sync reports and reaches the central database.\n"
	      "# TYPE hallq_sync_up gauge\n", f);
	for (i = 0; i < n; i++) {
		const struct sync_report *s = e[i].data;

		fprintf(f, "hallq_sync_up{sync=\"%s\"} %d\n", e[i].name, !e[i].stale && s->central_up);
	}
	fputs("# HELP hallq_sync_lag_seconds Seconds since the central database last had every "
	      "event of the hall.\n# TYPE hallq_sync_lag_seconds gauge\n", f);
	for (i = 0; i < n; i++) {
		const struct sync_report *s = e[i].data;

		fprintf(f, "hallq_sync_lag_seconds{sync=\"%s\"} %.3f\n", e[i].name,
			s->lag_s + (e[i].stale ? (double)e[i].age_ms / 1000 : 0));
	}
	fputs("# HELP hallq_sync_backlog_events Events of the hall the central database has not "
	      "confirmed.\n# TYPE hallq_sync_backlog_events gauge\n", f);
	for (i = 0; i < n; i++) {
		const struct sync_report *s = e[i].data;

		fprintf(f, "hallq_sync_backlog_events{sync=\"%s\"} %lld\n", e[i].name, s->backlog);
	}
}

void hqd_syncs_metrics(struct hqd_health *syncs, FILE *f)
{
	hqd_health_walk(syncs, write_families, f);
}
