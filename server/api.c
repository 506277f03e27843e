/*
 * API v1: the route table, who may call what, and each route's work on the queue, with the
 * JSON in and out. docs/api.md is the reference; the handlers run on the worker thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

/* An estimate as every answer gives it: PREFIXest_wait_s in seconds and
 * PREFIXest_wait_range_s its 80% range [low, high] (null when not known), or both null
 * with PREFIXest_reason "no_counter" and PREFIXest_opens_at when the service's hours open
 * later that day (docs/api.md). */
void hqd_estimate_json(json_t *v, const char *prefix, int wait_s, const int *range, int64_t opens_at)
{
	char key[48];
	bool none = wait_s == HQ_EST_NONE;

	snprintf(key, sizeof key, "%sest_wait_range_s", prefix);
	json_object_set_new(v, key, !none && range && range[0] != HQ_EST_NONE && range[1] != HQ_EST_NONE ?
			    json_pack("[i, i]", range[0], range[1]) : json_null());

	snprintf(key, sizeof key, "%sest_wait_s", prefix);
	json_object_set_new(v, key, none ? json_null() : json_integer(wait_s));
	snprintf(key, sizeof key, "%sest_reason", prefix);
	json_object_set_new(v, key, none ? json_string("no_counter") : json_null());
	snprintf(key, sizeof key, "%sest_opens_at", prefix);
	json_object_set_new(v, key, none && opens_at ? hqd_iso_time(opens_at) : json_null());
}

static json_t *ticket_json(struct hq_queue *q, const struct hqd_req *r, const struct hq_ticket *t)
{
	const struct hq_config *cfg = hq_queue_config(q);
	const struct hq_service *sv = hq_config_service(cfg, t->service);
	const struct hq_counter_cfg *cc = t->counter ? hq_config_counter(cfg, t->counter) : NULL;
	char url[360], key[HQ_SECRET_LEN + 8] = "";
	json_t *v;

	/* The QR code on the ticket opens this on a citizen's phone: the hall's public address
	 * when the config gives one, since the kiosk itself may reach us at 127.0.0.1. Its key,
	 * which lets the phone review the ticket, goes only to whoever gives the ticket out or
	 * holds it already: never to a clerk's page or a display (reviews.c). */
	if (t->secret[0] && hqd_review_may_see(r, t))
		snprintf(key, sizeof key, "?key=%s", t->secret);
	if (cfg->public_url[0])
		snprintf(url, sizeof url, "%s/api/v1/tickets/%lld%s", cfg->public_url, (long long)t->id, key);
	else
		snprintf(url, sizeof url, "http://%s/api/v1/tickets/%lld%s", r->host, (long long)t->id, key);
	v = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:i,"
			 " s:i, s:i, s:s, s:o, s:o, s:o, s:o, s:s, s:s}",
			 "id", (json_int_t)t->id, "parent_id", (json_int_t)t->parent_id,
			 "label", t->label, "service", t->service,
			 "service_name", sv ? sv->name : "", "service_name_en", sv ? sv->name_en : "",
			 "number", t->number, "class", hq_class_name(t->cls),
			 "state", hq_tstate_name(t->state), "counter", t->counter,
			 "counter_name", cc ? cc->name : "", "counter_name_en", cc ? cc->name_en : "",
			 "target_counter", t->target_counter,
			 "clerk", t->clerk, "recalls", t->recalls, "people_ahead", t->people_ahead,
			 "rating", t->rating, "day", t->day,
			 "issued_at", hqd_iso_time(t->issued_at), "called_at", hqd_iso_time(t->called_at),
			 "started_at", hqd_iso_time(t->started_at), "ended_at", hqd_iso_time(t->ended_at),
			 "end_reason", t->end_reason, "status_url", url);
	hqd_estimate_json(v, "", t->est_wait_s, t->est_range_s, t->est_wait_s == HQ_EST_NONE ?
			  hq_service_opens_later(sv, t->issued_at) : 0);
	json_object_set_new(v, "estimate_display", json_string(cfg->estimate_range ? "range" : "point"));
	return v;
}

static void answer_ticket(struct hq_queue *q, struct hqd_req *r, int rc, int status,
			  const struct hq_ticket *t)
{
	if (rc)
		hqd_queue_error(q, r, rc);
	else
		hqd_json(r, status, ticket_json(q, r, t));
}

static bool body_string(struct hqd_req *r, const char *key, bool required, const char **out)
{
	return hqd_field_string(r, r->body, "", key, required, out);
}

static bool body_int(struct hqd_req *r, const char *key, bool required, long long lo, long long hi,
		     long long *out, bool *given)
{
	return hqd_field_int(r, r->body, "", key, required, lo, hi, out, given);
}

/* A ticket named in a body: a label of today ("A012") or an id. */
static bool body_ticket(struct hq_queue *q, struct hqd_req *r, const char *key, bool required,
			int64_t *id, bool *given)
{
	json_t *v = hqd_field(r, r->body, "", key, required);
	char ref[32];
	int rc;

	*given = false;
	if (!v)
		return !required;
	if (json_is_integer(v))
		snprintf(ref, sizeof ref, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(ref, sizeof ref, "%s", json_string_value(v));
	else {
		hqd_error(r, 400, "badjson", "\"%s\" must be a ticket number like \"A012\" or an id", key);
		return false;
	}
	if ((rc = hq_queue_find(q, ref, id))) {
		hqd_queue_error(q, r, rc);
		return false;
	}
	*given = true;
	return true;
}

/* A positive number in the path; anything else, or too large, names nothing here. */
static bool path_int(struct hqd_req *r, int i, const char *what, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(r->args[i], &end, 10);
	if (*end || end == r->args[i] || *out <= 0 || errno ||
	    (what[0] == 'c' && *out > 9999)) {
		hqd_error(r, 404, what[0] == 'c' ? "nocounter" : "noticket", "no %s '%s'", what, r->args[i]);
		return false;
	}
	return true;
}

/* Routes ------------------------------------------------------------------------------ */

/* A service's opening hours as the config writes them: "08:30-12:00, 13:30-17:30". */
static void hours_text(const struct hq_service *sv, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sv->nperiods && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%02d:%02d-%02d:%02d", i ? ", " : "",
				      sv->periods[i].open / 60, sv->periods[i].open % 60,
				      sv->periods[i].close / 60, sv->periods[i].close % 60);
}

/* A counter as /api/v1/hall and the counter operations show it. */
static json_t *counter_json(struct hq_queue *q, const struct hqd_req *r, const struct hq_counter_state *cs)
{
	const struct hq_config *cfg = hq_queue_config(q);
	const struct hq_counter_cfg *cc = hq_config_counter(cfg, cs->number);
	json_t *keys = json_array();
	int j;

	for (j = 0; cc && j < cc->nservices; j++)
		json_array_append_new(keys, json_string(cfg->services[cc->services[j]].key));
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "number", cs->number,
			 "name", cc ? cc->name : "", "name_en", cc ? cc->name_en : "",
			 "state", hq_cstate_name(cs->state), "reason", cs->reason, "clerk", cs->clerk,
			 "services", keys,
			 "serving", cs->current.id ? ticket_json(q, r, &cs->current) : json_null(),
			 "since", hqd_iso_time(cs->since));
}

/* Seconds, or null for the -1 that means none. */
static json_t *seconds_or_null(int s)
{
	return s < 0 ? json_null() : json_integer(s);
}

static void run_hall(struct hq_queue *q, struct hqd_req *r)
{
	const struct hq_config *cfg = hq_queue_config(q);
	struct hq_hall_state st;
	json_t *v, *services, *counters;
	char hours[64];
	int64_t now_ms;
	size_t i;
	int rc = hq_queue_state(q, &st);

	if (rc) {
		hqd_queue_error(q, r, rc);
		return;
	}
	services = json_array();
	for (i = 0; i < st.nservices; i++) {
		const struct hq_service *sv = &cfg->services[i];
		const struct hq_service_state *ss = &st.services[i];

		hours_text(sv, hours, sizeof hours);
		json_array_append_new(services, json_pack(
			"{s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:i, s:i, s:i, s:i, s:b, s:o, s:o}",
			"key", sv->key, "name", sv->name, "name_en", sv->name_en, "prefix", sv->prefix,
			"priority_lane", sv->priority_lane, "hours", hours, "open", ss->open,
			"waiting", ss->waiting,
			"waiting_priority", ss->waiting_priority,
			"issued_today", ss->issued_today, "served_today", ss->served_today,
			"at_cap", ss->at_cap, "oldest_wait_s", seconds_or_null(ss->oldest_wait_s),
			"est_wait_priority_s", ss->est_wait_priority_s == HQ_EST_NONE ? json_null()
					       : json_integer(ss->est_wait_priority_s)));
		hqd_estimate_json(json_array_get(services, i), "", ss->est_wait_s, ss->est_range_s,
				  ss->est_opens_at);
		json_object_set_new(json_array_get(services, i), "target_minutes",
				    json_integer(sv->target_minutes));
		json_object_set_new(json_array_get(services, i), "max_wait_minutes",
				    json_integer(sv->max_wait_minutes));
	}
	counters = json_array();
	for (i = 0; i < st.ncounters; i++)
		json_array_append_new(counters, counter_json(q, r, &st.counters[i]));
	now_ms = hq_sim_clock_now(&r->srv->clock);
	v = json_pack("{s:s, s:s, s:[s], s:s, s:o, s:I, s:i, s:I, s:o, s:o, s:{s:s, s:i, s:b, s:b, s:s}}",
		      "name", cfg->name, "name_en", cfg->name_en, "languages", "zh",
		      "notice", cfg->notice, "time", hqd_iso_time(now_ms), "time_ms", (json_int_t)now_ms,
		      "clock_speed", r->srv->clock.speed > 0 ? r->srv->clock.speed : 1,
		      "last_event_id", (json_int_t)st.last_event_id, "services", services,
		      "counters", counters, "kiosk",
		      "on_printer_fault", cfg->kiosk.refuse_on_fault ? "refuse" : "screen",
		      "confirm_seconds", cfg->kiosk.confirm_seconds, "priority", cfg->kiosk.priority,
		      "appointments", cfg->kiosk.appointments, "footer", cfg->kiosk.footer);
	if (cfg->lang_en)
		json_array_append_new(json_object_get(v, "languages"), json_string("en"));
	json_object_set_new(v, "estimate_display", json_string(cfg->estimate_range ? "range" : "point"));
	/* The hall's place among halls, for hallq-sync (docs/central.md): "" when not set. */
	json_object_set_new(v, "id", json_string(cfg->hall_id));
	json_object_set_new(v, "region", json_string(cfg->region));
	json_object_set_new(v, "parent", json_string(cfg->parent));
	/* What the centre scores the hall with (hallq.ranking reads these keys of the config
	 * hallq-sync forwards, hallq.stats the check-in window for missed appointments). */
	json_object_set_new(v, "appraisal", json_pack(
		"{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		"weight_volume", cfg->appraisal.weight_volume,
		"weight_on_time", cfg->appraisal.weight_on_time,
		"weight_satisfaction", cfg->appraisal.weight_satisfaction,
		"weight_rectify", cfg->appraisal.weight_rectify,
		"penalty_alert", cfg->appraisal.penalty_alert,
		"penalty_absence", cfg->appraisal.penalty_absence,
		"penalty_bad_review", cfg->appraisal.penalty_bad_review,
		"red_flag_count", cfg->appraisal.red_flag_count,
		"min_served", cfg->appraisal.min_served));
	json_object_set_new(v, "checkin_late_minutes", json_integer(cfg->checkin_late_minutes));
	hq_hall_state_free(&st);
	hqd_json(r, 200, v);
}

static void run_issue(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	const char *service, *cls_name;
	int cls = HQ_CLASS_NORMAL, rc;

	if (!body_string(r, "service", true, &service) || !body_string(r, "class", false, &cls_name))
		return;
	if (cls_name && (cls = hq_class_parse(cls_name)) < 0) {
		hqd_error(r, 400, "inval", "class '%s' is not normal, priority or appointment", cls_name);
		return;
	}
	rc = hq_queue_issue(q, service, cls, &t);
	if (rc == HQ_OK)
		snprintf(r->location, sizeof r->location, "/api/v1/tickets/%lld", (long long)t.id);
	answer_ticket(q, r, rc, 201, &t);
}

/* The ticket of the path: its id, or a label of today as printed on it ("A012"; "a12" too),
 * which is what a citizen can type at the kiosk. */
static bool path_ticket(struct hq_queue *q, struct hqd_req *r, long long *id)
{
	const char *s = r->args[0];
	int64_t found;
	int rc;

	if (*s >= '0' && *s <= '9')
		return path_int(r, 0, "ticket", id);
	if ((rc = hq_queue_find(q, s, &found))) {
		hqd_queue_error(q, r, rc);
		return false;
	}
	*id = found;
	return true;
}

/* The ticket's review in its status: the review, and whether a new one would still replace
 * it now (review_edit_minutes, on the hall's clock), so that the kiosk and the status page
 * can say so before the citizen chooses. */
static json_t *status_review(struct hq_queue *q, struct hqd_req *r, const struct hq_review *rv)
{
	int64_t until = hq_review_edit_until(hq_queue_config(q), rv);
	json_t *v = hqd_review_json(rv);

	json_object_set_new(v, "editable_until", until ? hqd_iso_time(until) : json_null());
	json_object_set_new(v, "editable", json_boolean(until && hq_sim_clock_now(&r->srv->clock) <= until));
	return v;
}

static void ticket_status(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	long long id;
	json_t *v;
	int ahead, wait_s, range[2], rc;

	if (!path_ticket(q, r, &id))
		return;
	if ((rc = hq_queue_ticket_latest(q, id, &t))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	v = ticket_json(q, r, &t);
	/* The status page has no token to read /api/v1/hall with, and shows English only when
	 * the hall speaks it. */
	json_object_set_new(v, "languages", hq_queue_config(q)->lang_en ? json_pack("[s, s]", "zh", "en")
			    : json_pack("[s]", "zh"));
	if (t.state == HQ_T_WAITING && hq_queue_position_range(q, t.id, &ahead, &wait_s, range) == HQ_OK) {
		json_object_set_new(v, "now_ahead", json_integer(ahead));
		hqd_estimate_json(v, "now_", wait_s, range, wait_s == HQ_EST_NONE ? hq_service_opens_later(
			hq_config_service(hq_queue_config(q), t.service), hq_sim_clock_now(&r->srv->clock)) : 0);
	}
	/* Its review, for the status page's rating and whoever may review it: a citizen's
	 * opinion is not for anyone who counts through the ids. */
	if (hqd_review_may_see(r, &t)) {
		struct hq_review rv;

		if ((rc = hq_queue_ticket_review(q, t.id, &rv))) {
			json_decref(v);
			hqd_queue_error(q, r, rc);
			return;
		}
		json_object_set_new(v, "review", rv.id ? status_review(q, r, &rv) : json_null());
	}
	hqd_json(r, 200, v);
}

/*
 * The status URL is what the QR code on a ticket opens. A phone's browser asks for HTML
 * and gets the status page (assets/web/ticket.html), which fetches this same URL as JSON
 * and shows it; everyone else gets the JSON. The page goes out with the status the JSON
 * would have (404 for an unknown ticket), and itself tells the citizen what went wrong.
 */
static void run_ticket(struct hq_queue *q, struct hqd_req *r)
{
	const struct hqd_asset *page;

	ticket_status(q, r);
	r->vary_accept = true;
	if (!r->want_html)
		return;
	page = hqd_asset_find("ticket.html");
	free(r->resp);
	r->resp = page ? strdup((const char *)page->data) : NULL;
	r->ctype = "text/html; charset=utf-8";
	if (!r->resp)
		hqd_error(r, 500, "nomem", page ? "out of memory" : "this hallqd was built without ticket.html");
}

static void run_cancel(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	const char *reason;
	long long id;

	if (!path_int(r, 0, "ticket", &id) || !body_string(r, "reason", false, &reason))
		return;
	answer_ticket(q, r, hq_queue_cancel(q, id, reason, &t), 200, &t);
}

static void run_book(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_appointment a;
	const char *service, *slot, *name, *phone;
	char when[32];
	int64_t at;
	int rc;

	if (!body_string(r, "service", true, &service) || !body_string(r, "slot", true, &slot) ||
	    !body_string(r, "name", false, &name) || !body_string(r, "phone", false, &phone))
		return;
	if (hq_parse_local_time(slot, &at)) {
		hqd_error(r, 400, "inval", "slot '%s' is not a time like \"2026-11-24 10:00\"", slot);
		return;
	}
	if ((rc = hq_queue_book(q, service, at, name, phone, &a))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	hq_format_local_time(a.slot_at, when, sizeof when);
	when[16] = '\0';
	hqd_json(r, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)a.id, "code", a.code,
				   "service", a.service, "slot", when));
}

static void run_checkin(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	int rc = hq_queue_checkin(q, r->args[0], &t);

	if (rc == HQ_OK)
		snprintf(r->location, sizeof r->location, "/api/v1/tickets/%lld", (long long)t.id);
	answer_ticket(q, r, rc, 201, &t);
}

static void answer_counter(struct hq_queue *q, struct hqd_req *r, int rc, int number)
{
	struct hq_hall_state st;
	size_t i;

	if (rc || (rc = hq_queue_state(q, &st))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	for (i = 0; i < st.ncounters; i++)
		if (st.counters[i].number == number)
			hqd_json(r, 200, counter_json(q, r, &st.counters[i]));
	hq_hall_state_free(&st);
}

/* The counter of the path, which must be one of the hall's; false when answered. */
static bool path_counter(struct hq_queue *q, struct hqd_req *r, int *c)
{
	long long n;

	if (!path_int(r, 0, "counter", &n))
		return false;
	*c = (int)n;
	if (!hq_config_counter(hq_queue_config(q), *c)) {
		hqd_error(r, 404, "nocounter", "no counter %d in this hall", *c);
		return false;
	}
	return true;
}

static json_t *tickets_json(struct hq_queue *q, const struct hqd_req *r, const struct hq_ticket *t, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, ticket_json(q, r, &t[i]));
	return list;
}

/* GET /api/v1/counters/{n}: what the counter's page shows (hq_queue_counter_view). */
static void run_counter(struct hq_queue *q, struct hqd_req *r)
{
	const struct hq_config *cfg = hq_queue_config(q);
	const struct hq_counter_cfg *cc;
	struct hq_counter_view v;
	json_t *counter, *services;
	int c, rc;

	if (!path_counter(q, r, &c))
		return;
	if ((rc = hq_queue_counter_view(q, c, &v))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	cc = hq_config_counter(cfg, c);
	counter = counter_json(q, r, v.counter);
	json_object_set_new(counter, "paused_at", hqd_iso_time(v.counter->paused_at));
	services = json_array();
	for (int j = 0; j < cc->nservices; j++) {
		const struct hq_service *sv = &cfg->services[cc->services[j]];
		const struct hq_service_state *ss = &v.state.services[cc->services[j]];

		json_array_append_new(services, json_pack("{s:s, s:s, s:s, s:i, s:o}",
			"key", sv->key, "name", sv->name, "name_en", sv->name_en, "waiting", ss->waiting,
			"oldest_wait_s", seconds_or_null(ss->oldest_wait_s)));
		hqd_estimate_json(json_array_get(services, j), "", ss->est_wait_s, ss->est_range_s,
				  ss->est_opens_at);
	}
	hqd_json(r, 200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "counter", counter,
		 "parked", tickets_json(q, r, v.parked, v.nparked),
		 "sent_here", tickets_json(q, r, v.sent_here, v.nsent_here), "services", services,
		 "last_finished", v.last_finished.id ? ticket_json(q, r, &v.last_finished) : json_null(),
		 "time", hqd_iso_time(hq_sim_clock_now(&r->srv->clock))));
	hq_counter_view_free(&v);
}

/* The counter operations without a body: the route's queue function, answered with the
 * ticket it acted on or with the counter. */
static void counter_ticket_op(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	int c;

	if (path_counter(q, r, &c))
		answer_ticket(q, r, r->route->ticket_op(q, c, &t), 200, &t);
}

static void counter_state_op(struct hq_queue *q, struct hqd_req *r)
{
	int c;

	if (path_counter(q, r, &c))
		answer_counter(q, r, r->route->counter_op(q, c), c);
}

static void counter_call_next(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	int c, rc;

	if (!path_counter(q, r, &c))
		return;
	rc = hq_queue_call_next(q, c, &t);
	if (rc == HQ_EEMPTY)
		r->status = 204;
	else
		answer_ticket(q, r, rc, 200, &t);
}

/* A ticket by label or id, or a number typed on the unit's keypad ("12"). */
static void counter_call(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	long long v;
	int64_t id;
	bool given;
	int c, rc;

	if (!path_counter(q, r, &c) || !body_int(r, "number", false, 0, 9999, &v, &given))
		return;
	if (given == (hqd_field(r, r->body, "", "ticket", false) != NULL))
		hqd_error(r, 400, "badjson", "call needs either \"ticket\" or \"number\"");
	else if (given && (rc = hq_queue_find_number(q, c, (int)v, &id)))
		hqd_queue_error(q, r, rc);
	else if (given || body_ticket(q, r, "ticket", true, &id, &given))
		answer_ticket(q, r, hq_queue_call_ticket(q, c, id, &t), 200, &t);
}

static void counter_transfer(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	const char *s;
	long long v;
	bool given;
	int c;

	if (!path_counter(q, r, &c) || !body_string(r, "service", false, &s) ||
	    !body_int(r, "counter", false, 1, 9999, &v, &given))
		return;
	if (!s == !given)
		hqd_error(r, 400, "badjson", "transfer needs either \"service\" or \"counter\"");
	else if (s)
		answer_ticket(q, r, hq_queue_transfer_service(q, c, s, &t), 200, &t);
	else
		answer_ticket(q, r, hq_queue_transfer_counter(q, c, (int)v, &t), 200, &t);
}

static void counter_unpark(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	int64_t id;
	bool given;
	int c;

	if (!path_counter(q, r, &c) || !body_ticket(q, r, "ticket", true, &id, &given))
		return;
	/* The path's counter is the one acting, and a parked ticket goes back to the counter
	 * that parked it: another counter's clerk (whose role allows this path) must not move
	 * the citizen who waits at that counter. The worker runs one request at a time, so the
	 * ticket cannot change between this look and the unpark. */
	if (hq_queue_ticket(q, id, &t) == HQ_OK && t.state == HQ_T_PARKED && t.counter != c) {
		hqd_error(r, 403, "forbidden", "ticket %s is parked at counter %d; only counter %d "
			  "calls it back", t.label, t.counter, t.counter);
		return;
	}
	answer_ticket(q, r, hq_queue_unpark(q, id, &t), 200, &t);
}

/* A rating given for a citizen by a manager: a review at level "score" (1..5) from the API
 * channel (hq_queue_rate). Nobody rates their own work: the counter's and the gateway's
 * tokens may not (the unit's keys use /evaluate, reviews.c). */
static void counter_rate(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket t;
	long long v;
	int64_t id;
	bool given;
	int c;

	if (!path_counter(q, r, &c) || !body_int(r, "score", true, HQ_LEVEL_MIN, HQ_LEVEL_MAX, &v, &given) ||
	    !body_ticket(q, r, "ticket", false, &id, &given))
		return;
	if (given)
		answer_ticket(q, r, hq_queue_rate(q, id, (int)v, &t), 200, &t);
	else
		answer_ticket(q, r, hq_queue_rate_last(q, c, (int)v, &t), 200, &t);
}

static void counter_pause(struct hq_queue *q, struct hqd_req *r)
{
	const char *reason;
	int c;

	if (path_counter(q, r, &c) && body_string(r, "reason", false, &reason))
		answer_counter(q, r, hq_queue_pause(q, c, reason), c);
}

/* {"clerk", "pin"}: a roster hall (sign_in = roster) wants the clerk's PIN, whoever asks;
 * a refusal is 403 "signin". */
static void counter_sign_in(struct hq_queue *q, struct hqd_req *r)
{
	const char *clerk, *pin;
	int c;

	if (path_counter(q, r, &c) && body_string(r, "clerk", true, &clerk) &&
	    body_string(r, "pin", false, &pin))
		answer_counter(q, r, hq_queue_sign_in_pin(q, c, clerk, pin), c);
}

/* Any other operation is unknown, but only once the counter is known to be the hall's. */
static void counter_unknown(struct hq_queue *q, struct hqd_req *r)
{
	int c;

	if (path_counter(q, r, &c))
		hqd_error(r, 404, "noroute", "counters have no operation '%s'", r->args[1]);
}

static json_t *stats_row(const struct hq_stats_row *w)
{
	json_t *o = json_pack("{s:s}", "key", w->key);

	for (size_t i = 0; o && i < HQ_STATS_NFIELDS; i++) {
		const struct hq_stats_field *f = &hq_stats_fields[i];

		json_object_set_new(o, f->name, f->kind == HQ_SF_INT ? json_integer(hq_stats_int(w, f))
								     : json_real(hq_stats_value(w, f)));
	}
	return o;
}

static char *stats_csv(const struct hq_stats *st)
{
	char *out = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fputs("key", f);
	for (j = 0; j < HQ_STATS_NFIELDS; j++)
		fprintf(f, ",%s", hq_stats_fields[j].name);
	fputc('\n', f);
	for (i = 0; i <= st->nrows; i++) {
		const struct hq_stats_row *w = i < st->nrows ? &st->rows[i] : &st->total;
		const char *k;

		/* Keys are ours (service keys, numbers, hours) but clerk ids are typed by people. */
		fputc('"', f);
		for (k = w->key; *k; k++)
			fputs(*k == '"' ? "\"\"" : (char[]){*k, 0}, f);
		fputc('"', f);
		for (j = 0; j < HQ_STATS_NFIELDS; j++) {
			const struct hq_stats_field *fd = &hq_stats_fields[j];

			if (fd->kind == HQ_SF_INT)
				fprintf(f, ",%d", hq_stats_int(w, fd));
			else
				fprintf(f, fd->kind == HQ_SF_SECS ? ",%.1f" : fd->kind == HQ_SF_SCORE ? ",%.2f"
					: ",%.4f", hq_stats_value(w, fd));
		}
		fputc('\n', f);
	}
	fclose(f);
	return out;
}

static void run_stats(struct hq_queue *q, struct hqd_req *r)
{
	const char *by_name = r->query(r->conn, "by"), *format = r->query(r->conn, "format");
	struct hq_stats st;
	int64_t now = hq_sim_clock_now(&r->srv->clock), today, from, to;
	char day[16];
	json_t *rows;
	size_t i;
	int by, rc;

	by = hq_group_parse(by_name && *by_name ? by_name : "service");
	if (by < 0) {
		hqd_error(r, 400, "inval", "by '%s' is not service, counter, clerk, hour, day, week or month",
			   by_name);
		return;
	}
	if (format && *format && strcmp(format, "csv") && strcmp(format, "json")) {
		hqd_error(r, 400, "inval", "format '%s' is not json or csv", format);
		return;
	}
	hq_format_local_time(now, day, sizeof day);
	day[10] = '\0';
	hq_parse_local_time(day, &today);
	from = today;
	to = now + 60000;
	if (!hqd_query_time(r, "from", false, &from) || !hqd_query_time(r, "to", true, &to))
		return;
	if ((rc = hq_queue_stats(q, by, from, to, &st))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	if (format && !strcmp(format, "csv")) {
		r->status = 200;
		r->resp = stats_csv(&st);
		r->ctype = "text/csv; charset=utf-8";
	} else {
		rows = json_array();
		for (i = 0; i < st.nrows; i++)
			json_array_append_new(rows, stats_row(&st.rows[i]));
		hqd_json(r, 200, json_pack("{s:s, s:o, s:o, s:o, s:o}", "by", by_name && *by_name ? by_name : "service",
					   "from", hqd_iso_time(from), "to", hqd_iso_time(to), "rows", rows,
					   "total", stats_row(&st.total)));
	}
	hq_stats_free(&st);
}

static void run_healthz(struct hq_queue *q, struct hqd_req *r)
{
	int64_t last = hq_queue_last_event_id(q);

	if (last < 0)
		hqd_error(r, 503, "db", "the database does not answer");
	else
		hqd_json(r, 200, json_pack("{s:b, s:I}", "ok", 1, "last_event_id", (json_int_t)last));
}

static void run_metrics(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_hall_state st;
	struct hq_supervision *sv = malloc(sizeof *sv);
	int rc = sv ? hq_queue_state(q, &st) : HQ_ENOMEM;

	if (rc == HQ_OK && (rc = hq_queue_supervision(q, sv)))
		hq_hall_state_free(&st);
	if (rc) {
		hqd_queue_error(q, r, rc);
		free(sv);
		return;
	}
	r->status = 200;
	r->resp = hqd_metrics_render(r->srv, &st, hq_queue_config(q), sv);
	r->ctype = "text/plain; version=0.0.4";
	hq_hall_state_free(&st);
	/* The bad-review cases (reviews.c) after the rest. */
	if (r->resp) {
		char *cases = hqd_review_metrics(q), *all = NULL;

		if (cases && asprintf(&all, "%s%s", r->resp, cases) >= 0) {
			free(r->resp);
			r->resp = all;
		}
		free(cases);
	}
	free(sv);
}

/* A counter operation: POST /api/v1/counters/{n}/op, its handler and the queue function if
 * the handler takes one. Every operation counts as "counter" in /metrics. */
#define COUNTER(op, ...) {.method = "POST", .pattern = "/api/v1/counters/*/" op, .perm = PERM_COUNTER, \
			  .write = true, .name = "counter", __VA_ARGS__}

/* The route table, matched in order. The event streams have no `run`: hallqd.c serves
 * them from the hub. The unit and kiosk health routes are local: they keep to memory and need
 * not wait for the worker. */
static const struct hqd_route routes[] = {
	{.method = "GET", .pattern = "/api/v1/hall", .perm = PERM_HALL,
	 .run = run_hall, .name = "hall"},
	{.method = "POST", .pattern = "/api/v1/tickets", .perm = PERM_ISSUE, .write = true,
	 .run = run_issue, .name = "issue"},
	{.method = "GET", .pattern = "/api/v1/tickets/*", .perm = PERM_PUBLIC,
	 .run = run_ticket, .name = "ticket"},
	{.method = "POST", .pattern = "/api/v1/tickets/*/cancel", .perm = PERM_ISSUE, .write = true,
	 .run = run_cancel, .name = "cancel"},
	{.method = "POST", .pattern = "/api/v1/appointments", .perm = PERM_BOOK, .write = true,
	 .run = run_book, .name = "book"},
	{.method = "POST", .pattern = "/api/v1/appointments/*/check-in", .perm = PERM_ISSUE, .write = true,
	 .run = run_checkin, .name = "checkin"},
	{.method = "GET", .pattern = "/api/v1/counters/*", .perm = PERM_COUNTER_VIEW,
	 .run = run_counter, .name = "counter_view"},
	COUNTER("call-next", .run = counter_call_next),
	COUNTER("call", .run = counter_call),
	COUNTER("recall", .run = counter_ticket_op, .ticket_op = hq_queue_recall),
	COUNTER("no-show", .run = counter_ticket_op, .ticket_op = hq_queue_noshow),
	COUNTER("start", .run = counter_ticket_op, .ticket_op = hq_queue_start),
	COUNTER("finish", .run = counter_ticket_op, .ticket_op = hq_queue_finish),
	COUNTER("park", .run = counter_ticket_op, .ticket_op = hq_queue_park),
	COUNTER("transfer", .run = counter_transfer),
	COUNTER("unpark", .run = counter_unpark),
	{.method = "POST", .pattern = "/api/v1/counters/*/rate", .perm = PERM_RATE, .write = true,
	 .run = counter_rate, .name = "counter"},
	COUNTER("pause", .run = counter_pause),
	COUNTER("resume", .run = counter_state_op, .counter_op = hq_queue_resume),
	COUNTER("open", .run = counter_state_op, .counter_op = hq_queue_open_counter),
	COUNTER("close", .run = counter_state_op, .counter_op = hq_queue_close_counter),
	COUNTER("sign-in", .run = counter_sign_in),
	COUNTER("sign-out", .run = counter_state_op, .counter_op = hq_queue_sign_out),
	{.method = "GET", .pattern = "/api/v1/events", .perm = PERM_FEED,
	 .run = NULL, .stream = HQD_STREAM_HALL, .name = "events"},
	/* A citizen's phone, without a token: whether to fetch its ticket again, no more. */
	{.method = "GET", .pattern = "/api/v1/tickets/*/events", .perm = PERM_PUBLIC,
	 .run = NULL, .stream = HQD_STREAM_TICKET, .name = "ticket_events"},
	{.method = "GET", .pattern = "/api/v1/stats", .perm = PERM_STATS,
	 .run = run_stats, .name = "stats"},
	{.method = "GET", .pattern = "/healthz", .perm = PERM_PUBLIC,
	 .run = run_healthz, .name = "healthz"},
	{.method = "GET", .pattern = "/metrics", .perm = PERM_STATS,
	 .run = run_metrics, .name = "metrics"},
	{.method = "GET", .pattern = "/api/v1/units", .perm = PERM_UNITS,
	 .run = hqd_units_get, .name = "units", .local = true},
	{.method = "PUT", .pattern = "/api/v1/units/*", .perm = PERM_REPORT,
	 .run = hqd_units_put, .name = "units_report", .local = true},
	{.method = "DELETE", .pattern = "/api/v1/units/*", .perm = PERM_REPORT,
	 .run = hqd_units_delete, .name = "units_forget", .local = true},
	{.method = "GET", .pattern = "/api/v1/kiosks", .perm = PERM_KIOSKS,
	 .run = hqd_kiosks_get, .name = "kiosks", .local = true},
	{.method = "PUT", .pattern = "/api/v1/kiosks/*", .perm = PERM_KIOSK_REPORT,
	 .run = hqd_kiosks_put, .name = "kiosks_report", .local = true},
	{.method = "DELETE", .pattern = "/api/v1/kiosks/*", .perm = PERM_KIOSK_REPORT,
	 .run = hqd_kiosks_delete, .name = "kiosks_forget", .local = true},
	{.method = "GET", .pattern = "/api/v1/syncs", .perm = PERM_SYNCS,
	 .run = hqd_syncs_get, .name = "syncs", .local = true},
	{.method = "PUT", .pattern = "/api/v1/syncs/*", .perm = PERM_SYNC_REPORT,
	 .run = hqd_syncs_put, .name = "syncs_report", .local = true},
	{.method = "DELETE", .pattern = "/api/v1/syncs/*", .perm = PERM_SYNC_REPORT,
	 .run = hqd_syncs_delete, .name = "syncs_forget", .local = true},
	{0},
};

/* Last, after every feature's table, for what no line took: an unknown counter operation
 * still needs the counter's token, and an unknown counter is named before the operation. */
static const struct hqd_route last_routes[] = {
	COUNTER("*", .run = counter_unknown),
	{0},
};

/* Match a path against a pattern, copying the parts under each star into r->args. */
static bool match(const char *pattern, const char *path, struct hqd_req *r)
{
	int arg = 0;

	while (*pattern && *path) {
		if (pattern[0] == '*' && pattern[1] == '*')
			return true; /* the rest, which the handler reads from r->path */
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= sizeof r->args[0] || arg >= 2)
				return false;
			memcpy(r->args[arg], path, n);
			r->args[arg++][n] = '\0';
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

/* Is method in the list "GET, POST" built so far? */
static bool method_listed(const char *list, const char *method)
{
	size_t m = strlen(method), w;
	const char *p;

	for (p = list; *p; p += strspn(p, ", ")) {
		w = strcspn(p, ",");
		if (w == m && !strncmp(p, method, m))
			return true;
		p += w;
	}
	return false;
}

/* The routes of the core (above), the 好差评 evaluation (reviews.c), electronic
 * supervision (alerts.c), the reports (reports.c), the web pages' sessions (sessions.c) and
 * the pages (web.c), then the catch-all; each table ends with a NULL method; matched in
 * this order. */
static const struct hqd_route *const tables[] = {
	routes, hqd_review_routes, hqd_alert_routes, hqd_report_routes, hqd_session_routes,
	hqd_web_routes, last_routes,
};

const struct hqd_route *hqd_route_match(const char *method, const char *path, struct hqd_req *r,
					char *allow, size_t allowlen)
{
	size_t t, n = 0;
	const struct hqd_route *rt;

	allow[0] = '\0';
	for (t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (rt = tables[t]; rt->method; rt++) {
			if (!match(rt->pattern, path, r))
				continue;
			if (!strcmp(rt->method, method))
				return rt;
			/* For a 405: what this path does take (RFC 9110, 15.5.6), each method
			 * once (a counter operation matches its own route and the catch-all). */
			if (!method_listed(allow, rt->method))
				n += (size_t)snprintf(allow + n, n < allowlen ? allowlen - n : 0,
						      "%s%s", n ? ", " : "", rt->method);
		}
	return NULL;
}

/* Is the counter of the path (its first star) the one of the caller's role? */
static bool own_counter(const struct hqd_req *r)
{
	return r->who->counter == strtol(r->args[0], NULL, 10) &&
	       strspn(r->args[0], "0123456789") == strlen(r->args[0]);
}

bool hqd_allowed(const struct hqd_route *rt, const struct hqd_req *r)
{
	enum hqd_role role = r->who ? r->who->role : ROLE_NONE;

	if (role == ROLE_ADMIN || rt->perm == PERM_PUBLIC)
		return true;
	switch (rt->perm) {
	case PERM_HALL:
		return role != ROLE_NONE;
	case PERM_FEED:
		return role != ROLE_NONE && role != ROLE_BOOKING;
	case PERM_ISSUE:
		return role == ROLE_KIOSK;
	case PERM_BOOK:
		return role == ROLE_BOOKING;
	case PERM_COUNTER:
		if (role == ROLE_GATEWAY)
			return true;
		return role == ROLE_COUNTER && own_counter(r);
	case PERM_COUNTER_VIEW:
		if (role == ROLE_GATEWAY || role == ROLE_DISPLAY || role == ROLE_MANAGER)
			return true;
		return (role == ROLE_COUNTER || role == ROLE_EVALUATOR) && own_counter(r);
	case PERM_STATS:
		return role == ROLE_MANAGER;
	case PERM_REPORT:
		return role == ROLE_GATEWAY;
	case PERM_UNITS:
		return role == ROLE_MANAGER || role == ROLE_DISPLAY || role == ROLE_GATEWAY;
	case PERM_KIOSK_REPORT:
		return role == ROLE_KIOSK;
	case PERM_KIOSKS:
		return role == ROLE_KIOSK || role == ROLE_DISPLAY || role == ROLE_MANAGER;
	case PERM_SYNC_REPORT:
		return role == ROLE_SYNC;
	case PERM_SYNCS:
		return role == ROLE_SYNC || role == ROLE_DISPLAY || role == ROLE_MANAGER;
	case PERM_ALERTS:
		return role == ROLE_MANAGER || role == ROLE_DISPLAY;
	case PERM_EVALUATE:
		return role == ROLE_GATEWAY || (role == ROLE_EVALUATOR && own_counter(r));
	case PERM_RATE:
		return role == ROLE_MANAGER;
	case PERM_REVIEWS:
		return role == ROLE_REVIEW || role == ROLE_MANAGER;
	default:
		return false;
	}
}
