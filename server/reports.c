/*
 * The period reports over HTTP: the monthly window appraisal (月考核, 红旗窗口) and the
 * clerks' roster (docs/api.md). Both are for managers; the roster never carries a PIN's hash.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ---- GET /api/v1/clerks ------------------------------------------------------------------ */

static void run_clerks(struct hq_queue *q, struct hqd_req *r)
{
	const char *all = r->query(r->conn, "all");
	struct hq_clerk *v;
	json_t *a;
	size_t n;
	int rc;

	if (all && *all && strcmp(all, "1") && strcmp(all, "0")) {
		hqd_error(r, 400, "inval", "all '%s' is not 1 or 0", all);
		return;
	}
	if ((rc = hq_queue_clerk_list(q, all && !strcmp(all, "1"), &v, &n))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:o}", "id", v[i].id,
						   "name", v[i].name, "source",
						   v[i].source == HQ_CLERK_CONFIG ? "config" : "database",
						   "active", v[i].active, "added_at",
						   hqd_iso_time(v[i].added_at)));
	free(v);
	hqd_json(r, 200, json_pack("{s:o}", "clerks", a));
}

/* ---- GET /api/v1/reports/appraisal --------------------------------------------------------- */

/* As hallq prints them: seconds to 0.1, rates to 0.001, hours and points to 0.01. */
static json_t *af_json(const struct hq_appraisal_row *w, const struct hq_appraisal_field *f)
{
	double v = hq_appraisal_value(w, f);
	double step = f->kind == HQ_AF_SECS ? 0.1 : f->kind == HQ_AF_RATE ? 0.001 : 0.01;

	if (f->kind == HQ_AF_INT)
		return json_integer((json_int_t)v);
	return json_real(round(v / step) * step);
}

static json_t *row_json(const struct hq_appraisal_row *w, bool window)
{
	json_t *o = window ? json_pack("{s:i}", "counter", w->counter) : json_pack("{s:s}", "clerk", w->key);
	json_t *rules = json_object();

	json_object_set_new(o, "name", json_string(w->name));
	json_object_set_new(o, "rank", w->ranked ? json_integer(w->rank) : json_null());
	if (window)
		json_object_set_new(o, "red_flag", json_boolean(w->red_flag));
	for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++)
		json_object_set_new(o, hq_appraisal_fields[i].name, af_json(w, &hq_appraisal_fields[i]));
	for (int i = 0; i < w->nrules; i++)
		json_object_set_new(rules, w->by_rule[i].rule, json_integer(w->by_rule[i].count));
	json_object_set_new(o, "alerts_by_rule", rules);
	return o;
}

static json_t *appraisal_json(const struct hq_appraisal *a, const char *period)
{
	const struct hq_appraisal_cfg *c = &a->cfg;
	json_t *wins = json_array(), *clerks = json_array();

	for (size_t i = 0; i < a->nwindows; i++)
		json_array_append_new(wins, row_json(&a->windows[i], true));
	json_t *hall = row_json(&a->hall, false), *v;

	for (size_t i = 0; i < a->nclerks; i++)
		json_array_append_new(clerks, row_json(&a->clerks[i], false));
	/* The whole hall, scored as a window (hq_appraisal.h): what the centre ranks. */
	json_object_del(hall, "clerk");
	v = json_pack("{s:o, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i},"
			 " s:i, s:i, s:o, s:o}",
			 "period", *period ? json_string(period) : json_null(),
			 "from", hqd_iso_time(a->from), "to", hqd_iso_time(a->to),
			 "appraisal", "weight_volume", c->weight_volume, "weight_on_time",
			 c->weight_on_time, "weight_satisfaction", c->weight_satisfaction,
			 "weight_rectify", c->weight_rectify, "penalty_alert", c->penalty_alert,
			 "penalty_absence", c->penalty_absence, "penalty_bad_review",
			 c->penalty_bad_review, "red_flag_count", c->red_flag_count,
			 "min_served", c->min_served,
			 "busiest_window", a->busiest_window, "busiest_clerk", a->busiest_clerk,
			 "windows", wins, "clerks", clerks);
	if (v)
		json_object_set_new(v, "hall", hall);
	else
		json_decref(hall);
	return v;
}

/* The period of the query: one of month=, week=, quarter= or from= and to=. */
static bool period_of(struct hqd_req *r, int64_t *from, int64_t *to, char *label)
{
	static const struct {
		const char *key;
		enum hq_period_kind kind;
		const char *form;
	} kinds[] = {
		{"month", HQ_PERIOD_MONTH, "YYYY-MM"},
		{"week", HQ_PERIOD_WEEK, "YYYY-Www, an ISO week"},
		{"quarter", HQ_PERIOD_QUARTER, "YYYY-Qn"},
	};
	const char *f = r->query(r->conn, "from"), *t = r->query(r->conn, "to");
	int given = 0;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const char *v = r->query(r->conn, kinds[i].key);

		if (!v)
			continue;
		given++;
		if (hq_period_parse(kinds[i].kind, v, from, to, label)) {
			hqd_error(r, 400, "inval", "%s '%s' is not %s", kinds[i].key, v, kinds[i].form);
			return false;
		}
	}
	if (f || t) {
		given++;
		if (!f || !t) {
			hqd_error(r, 400, "inval", "a range needs both from and to");
			return false;
		}
		if (!hqd_query_time(r, "from", false, from) || !hqd_query_time(r, "to", true, to))
			return false;
		if (*to <= *from) {
			hqd_error(r, 400, "inval", "to must be after from");
			return false;
		}
	}
	if (given != 1) {
		hqd_error(r, 400, "inval", "give one period: month=YYYY-MM, week=YYYY-Www, "
			  "quarter=YYYY-Qn or from= and to=");
		return false;
	}
	return true;
}

static void run_appraisal(struct hq_queue *q, struct hqd_req *r)
{
	const char *format = r->query(r->conn, "format");
	char label[HQ_PERIOD_LABEL_MAX] = "";
	struct hq_appraisal a;
	int64_t from = 0, to = 0;
	int rc;

	if (format && *format && strcmp(format, "csv") && strcmp(format, "json")) {
		hqd_error(r, 400, "inval", "format '%s' is not json or csv", format);
		return;
	}
	if (!period_of(r, &from, &to, label))
		return;
	if ((rc = hq_queue_appraisal(q, from, to, &a))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	if (format && !strcmp(format, "csv")) {
		r->status = 200;
		r->resp = hq_appraisal_csv(&a);
		r->ctype = "text/csv; charset=utf-8";
	} else {
		/* Ten digits: 1.33 hours, not 1.3300000000000001. */
		json_t *v = appraisal_json(&a, label);

		r->status = 200;
		r->resp = v ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
		r->ctype = "application/json";
		json_decref(v);
	}
	if (!r->resp)
		hqd_error(r, 500, "nomem", "out of memory writing the appraisal");
	hq_appraisal_free(&a);
}

const struct hqd_route hqd_report_routes[] = {
	{.method = "GET", .pattern = "/api/v1/reports/appraisal", .perm = PERM_STATS,
	 .run = run_appraisal, .name = "appraisal"},
	{.method = "GET", .pattern = "/api/v1/clerks", .perm = PERM_STATS,
	 .run = run_clerks, .name = "clerks"},
	{0},
};
