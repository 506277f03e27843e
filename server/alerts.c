/*
 * Electronic supervision (电子监察) over HTTP: the alerts (GET /api/v1/alerts), their
 * acknowledgement by a manager (POST /api/v1/alerts/{id}/ack), and the evaluation of the
 * rules that the worker runs after each batch that changed the hall and on its timer, with
 * the device facts of the units' and the kiosks' health stores (docs/api.md, docs/queue.md).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int hqd_alerts_eval(struct hqd *srv, struct hq_queue *q)
{
	static const struct hq_device_fact none[1];
	struct hq_device_fact *facts = NULL;
	size_t n = 0, cap = 0;
	bool known;
	int raised, cleared, rc;

	/* Until both stores have been up for their stale threshold, a device that has not
	 * reported yet looks like one that is gone: its alerts are left as they are. */
	known = hqd_health_settled(srv->units) && hqd_health_settled(srv->kiosks);
	if (known && (!hqd_units_facts(srv->units, &facts, &n, &cap) ||
		      !hqd_kiosks_facts(srv->kiosks, &facts, &n, &cap))) {
		hq_log(HQ_LOG_WARN, "alerts: out of memory for the device facts; devices not judged");
		known = false;
	}
	rc = hq_queue_alerts_eval(q, known ? (facts ? facts : none) : NULL, n, &raised, &cleared);
	free(facts);
	if (rc)
		hq_log(HQ_LOG_WARN, "alerts: the rules could not be evaluated: %s", hq_queue_errmsg(q));
	else if (raised || cleared)
		hq_log(HQ_LOG_INFO, "alerts: %d raised, %d cleared", raised, cleared);
	return rc;
}

static json_t *alert_json(const struct hq_alert *a)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:o, s:o, s:o, s:s, s:s}",
			 "id", (json_int_t)a->id, "rule", a->rule, "kind", hq_alert_kind_name(a->kind),
			 "severity", hq_severity_name(a->severity), "subject", a->subject,
			 "service", a->service, "counter", a->counter, "clerk", a->clerk,
			 "message", a->message, "open", a->cleared_at == 0,
			 "raised_at", hqd_iso_time(a->raised_at), "cleared_at", hqd_iso_time(a->cleared_at),
			 "acked_at", hqd_iso_time(a->acked_at), "acked_by", a->acked_by,
			 "ack_note", a->ack_note);
}

/* GET /api/v1/alerts?state=open|all&from=&to=: open ones (by default) whenever raised, or
 * all raised in [from, to), by default today's. */
static void alerts_list(struct hq_queue *q, struct hqd_req *r)
{
	const char *state = r->query(r->conn, "state");
	int64_t from = 0, to = INT64_MAX;
	struct hq_alert *v;
	bool open_only;
	json_t *list;
	size_t n, i;
	int rc;

	if (state && *state && strcmp(state, "open") && strcmp(state, "all")) {
		hqd_error(r, 400, "inval", "state '%s' is not open or all", state);
		return;
	}
	open_only = !state || !*state || !strcmp(state, "open");
	if (!open_only)
		from = hq_day_start(hq_sim_clock_now(&r->srv->clock));
	if (!hqd_query_time(r, "from", false, &from) || !hqd_query_time(r, "to", true, &to))
		return;
	if (to <= from) {
		hqd_error(r, 400, "inval", "to must be after from");
		return;
	}
	if ((rc = hq_queue_alerts(q, open_only, from, to, &v, &n))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, alert_json(&v[i]));
	free(v);
	hqd_json(r, 200, json_pack("{s:s, s:o, s:o, s:o}", "state", open_only ? "open" : "all",
				   "from", hqd_iso_time(from), "to", to == INT64_MAX ? json_null() : hqd_iso_time(to),
				   "alerts", list));
}

/* POST /api/v1/alerts/{id}/ack {"who", "note"}: a manager has seen it. */
static void alerts_ack(struct hq_queue *q, struct hqd_req *r)
{
	const char *who, *note;
	struct hq_alert a;
	long long id;
	char *end;
	int rc;

	errno = 0;
	id = strtoll(r->args[0], &end, 10);
	if (*end || end == r->args[0] || id <= 0 || errno) {
		hqd_error(r, 404, "noalert", "no alert '%s'", r->args[0]);
		return;
	}
	if (!hqd_field_string(r, r->body, "", "who", true, &who) ||
	    !hqd_field_string(r, r->body, "", "note", false, &note))
		return;
	if ((rc = hq_queue_alert_ack(q, id, who, note, &a)))
		hqd_queue_error(q, r, rc);
	else
		hqd_json(r, 200, alert_json(&a));
}

const struct hqd_route hqd_alert_routes[] = {
	{.method = "GET", .pattern = "/api/v1/alerts", .perm = PERM_ALERTS,
	 .run = alerts_list, .name = "alerts"},
	{.method = "POST", .pattern = "/api/v1/alerts/*/ack", .perm = PERM_STATS, .write = true,
	 .run = alerts_ack, .name = "alert_ack"},
	{0},
};
