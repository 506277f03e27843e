/*
 * The 好差评 evaluation over HTTP: reviews of tickets from each channel and the bad-review
 * cases' workflow (docs/api.md). Who may review is the point of it: an external 好差评
 * system (the review role), the kiosk, a manager or an admin with their tokens; a citizen's
 * phone by the ticket's key, which only the printed or shown ticket carries; and the counter
 * unit's evaluator keys through the gateway (/evaluate). A counter's own token, the clerk's
 * page, never reviews: nobody rates their own work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* JSON ---------------------------------------------------------------------------------- */

json_t *hqd_review_json(const struct hq_review *rv)
{
	json_t *reasons = json_array();

	for (unsigned bit = 1; bit <= HQ_REASON_OTHER; bit <<= 1)
		if (rv->reasons & bit)
			json_array_append_new(reasons, json_string(hq_reason_key(bit)));
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:o, s:s, s:s, s:o, s:o, s:o}",
			 "id", (json_int_t)rv->id, "ticket_id", (json_int_t)rv->ticket_id,
			 "label", rv->label, "day", rv->day, "service", rv->service,
			 "counter", rv->counter, "clerk", rv->clerk, "level", rv->level,
			 "level_name", hq_level_name(rv->level), "reasons", reasons,
			 "comment", rv->comment, "channel", hq_channel_name(rv->channel),
			 "at", hqd_iso_time(rv->at), "updated_at", hqd_iso_time(rv->updated_at),
			 "case_id", rv->case_id ? json_integer(rv->case_id) : json_null());
}

static json_t *case_json(const struct hq_case *c, const struct hq_case_step *steps, size_t n)
{
	json_t *v = json_pack("{s:I, s:s, s:o, s:o, s:s, s:o, s:b, s:o}", "id", (json_int_t)c->id,
			      "state", hq_case_state_name(c->state), "opened_at", hqd_iso_time(c->opened_at),
			      "updated_at", hqd_iso_time(c->updated_at), "rectify_due", c->rectify_due,
			      "revisit_due", c->revisit_due[0] ? json_string(c->revisit_due) : json_null(),
			      "overdue", c->overdue, "review", hqd_review_json(&c->review));

	if (v && steps) {
		json_t *list = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:s}",
							      "state", hq_case_state_name(steps[i].state),
							      "who", steps[i].who, "at", hqd_iso_time(steps[i].at),
							      "note", steps[i].note));
		json_object_set_new(v, "steps", list);
	}
	return v;
}

/* Who reviews --------------------------------------------------------------------------- */

/* The ticket's key, compared in the same time wherever a guess goes wrong. */
static bool key_ok(const struct hq_ticket *t, const char *key)
{
	unsigned diff;
	size_t i;

	if (!key || !t->secret[0] || strlen(key) != HQ_SECRET_LEN)
		return false;
	for (diff = 0, i = 0; i < HQ_SECRET_LEN; i++)
		diff |= (unsigned)(key[i] ^ t->secret[i]);
	return diff == 0;
}

static bool reviewing_role(enum hqd_role role)
{
	return role == ROLE_REVIEW || role == ROLE_KIOSK || role == ROLE_MANAGER || role == ROLE_ADMIN;
}

bool hqd_review_may_see(const struct hqd_req *r, const struct hq_ticket *t)
{
	if (r->who && reviewing_role(r->who->role))
		return true;
	return r->query && key_ok(t, r->query(r->conn, "key"));
}

/*
 * Who reviews, before the ticket is read: the token's role gives the channel; without a
 * token, the ticket's key (?key=) must be there, and *key is it, for key_ok once the ticket
 * is known (the phone). False when the request has been answered: a role that may not
 * review, or neither a token nor a key.
 */
static bool review_who(struct hqd_req *r, enum hq_channel *ch, const char **key)
{
	*key = NULL;
	if (r->who) {
		switch (r->who->role) {
		case ROLE_REVIEW: case ROLE_MANAGER: case ROLE_ADMIN:
			*ch = HQ_CH_API;
			return true;
		case ROLE_KIOSK:
			*ch = HQ_CH_KIOSK;
			return true;
		default:
			hqd_error(r, 403, "forbidden", "role %s may not review a ticket: nobody rates "
				  "their own work, and a counter unit's keys go through /evaluate",
				  hqd_role_name(r->who->role));
			return false;
		}
	}
	*key = r->query(r->conn, "key");
	if (!*key || !**key) {
		hqd_error(r, 401, "unauthorized", "a review needs the ticket's key (?key= of its "
			  "status URL) or an Authorization: Bearer token");
		return false;
	}
	*ch = HQ_CH_PHONE;
	return true;
}

/* Path and body ------------------------------------------------------------------------- */

/* A positive id in the path; anything else names no `what` (404 with `code`). */
static bool path_id(struct hqd_req *r, int i, const char *what, const char *code, long long max,
		    long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(r->args[i], &end, 10);
	if (*end || end == r->args[i] || *out <= 0 || *out > max || errno) {
		hqd_error(r, 404, code, "no %s '%s'", what, r->args[i]);
		return false;
	}
	return true;
}

/* "reasons": an optional array of reason keys, into bits. */
static bool body_reasons(struct hqd_req *r, unsigned *out)
{
	json_t *v = hqd_field(r, r->body, "", "reasons", false), *e;
	size_t i;

	*out = 0;
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) > 8) {
		hqd_error(r, 400, "badjson", "\"reasons\" must be an array of efficiency, skill, "
			  "attitude and other");
		return false;
	}
	json_array_foreach(v, i, e) {
		unsigned bit = json_is_string(e) ? hq_reason_parse(json_string_value(e)) : 0;

		if (!bit) {
			hqd_error(r, 400, "inval", "reasons[%zu] is not efficiency (服务效率), skill "
				  "(服务水平), attitude (服务态度) or other (其他)", i);
			return false;
		}
		*out |= bit;
	}
	return true;
}

static void answer_review(struct hq_queue *q, struct hqd_req *r, int rc, const struct hq_review *rv)
{
	if (rc)
		hqd_queue_error(q, r, rc);
	else
		hqd_json(r, 200, hqd_review_json(rv));
}

/* Who reviews (review_who), then the ticket of the path (root), whose key a phone must
 * have, and the one a review is for: the last of its transfers. */
static bool path_tickets(struct hq_queue *q, struct hqd_req *r, enum hq_channel *ch,
			 struct hq_ticket *last)
{
	struct hq_ticket root;
	const char *key;
	long long id;
	int rc;

	if (!review_who(r, ch, &key) || !path_id(r, 0, "ticket", "noticket", INT64_MAX, &id))
		return false;
	if ((rc = hq_queue_ticket(q, id, &root)) || (rc = hq_queue_ticket_latest(q, id, last))) {
		hqd_queue_error(q, r, rc);
		return false;
	}
	if (key && !key_ok(&root, key)) {
		hqd_error(r, 403, "forbidden", "that is not the key of ticket %s", root.label);
		return false;
	}
	return true;
}

/* Routes --------------------------------------------------------------------------------- */

/* POST /api/v1/tickets/{id}/review {"level", "reasons", "comment"} */
static void run_review(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket last;
	struct hq_review rv;
	enum hq_channel ch;
	const char *comment;
	unsigned reasons;
	long long level;
	bool given;

	if (!path_tickets(q, r, &ch, &last) ||
	    !hqd_field_int(r, r->body, "", "level", true, HQ_LEVEL_MIN, HQ_LEVEL_MAX, &level, &given) ||
	    !body_reasons(r, &reasons) || !hqd_field_string(r, r->body, "", "comment", false, &comment))
		return;
	answer_review(q, r, hq_queue_review(q, last.id, (int)level, reasons, comment, ch, &rv), &rv);
}

/* GET /api/v1/tickets/{id}/review */
static void run_review_get(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_ticket last;
	struct hq_review rv;
	enum hq_channel ch;
	int rc;

	if (!path_tickets(q, r, &ch, &last))
		return;
	if ((rc = hq_queue_ticket_review(q, last.id, &rv)))
		hqd_queue_error(q, r, rc);
	else if (!rv.id)
		hqd_error(r, 404, "noreview", "ticket %s has no review", last.label);
	else
		hqd_json(r, 200, hqd_review_json(&rv));
}

/* POST /api/v1/counters/{n}/evaluate {"level", "reasons"}: a key of the counter unit's
 * evaluator, which the gateway sends, or the choice on the counter's tablet (evaluator:N). */
static void run_evaluate(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_review rv;
	unsigned reasons;
	long long c, level;
	bool given;
	int rc;

	if (!path_id(r, 0, "counter", "nocounter", 9999, &c))
		return;
	if (!hq_config_counter(hq_queue_config(q), (int)c)) {
		hqd_error(r, 404, "nocounter", "no counter %lld in this hall", c);
		return;
	}
	if (!hqd_field_int(r, r->body, "", "level", true, HQ_LEVEL_MIN, HQ_LEVEL_MAX, &level, &given) ||
	    !body_reasons(r, &reasons))
		return;
	/* The counter's tablet (evaluator:N) is a channel of its own; the gateway's keys are the unit's. */
	rc = hq_queue_review_last(q, (int)c, (int)level, reasons,
				  r->who && r->who->role == ROLE_EVALUATOR ? HQ_CH_PAD : HQ_CH_UNIT, &rv);
	/* Nothing to review is a refusal like the others: the key was pressed too late. */
	if (rc == HQ_ENOTICKET)
		hqd_error(r, 409, hq_err_code(rc), "%s", hq_queue_errmsg(q));
	else
		answer_review(q, r, rc, &rv);
}

/* GET /api/v1/reviews?from=&to=&level= : reviews first given in the range (default today). */
static void run_reviews(struct hq_queue *q, struct hqd_req *r)
{
	const char *lv = r->query(r->conn, "level");
	int64_t now = hq_sim_clock_now(&r->srv->clock), from = hq_day_start(now), to = now + 60000;
	struct hq_review *v;
	size_t n, i;
	json_t *list;
	int level = 0, rc;

	if (lv && *lv && (level = hq_level_parse(lv)) < 0) {
		hqd_error(r, 400, "inval", "level '%s' is not 1 to 5", lv);
		return;
	}
	if (!hqd_query_time(r, "from", false, &from) || !hqd_query_time(r, "to", true, &to))
		return;
	if ((rc = hq_queue_reviews(q, from, to, level, &v, &n))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, hqd_review_json(&v[i]));
	free(v);
	hqd_json(r, 200, json_pack("{s:o, s:o, s:o}", "from", hqd_iso_time(from), "to", hqd_iso_time(to),
				   "reviews", list));
}

/* GET /api/v1/cases?state=open|...|closed|all&overdue=1 : by default those not closed. */
static void run_cases(struct hq_queue *q, struct hqd_req *r)
{
	const char *st = r->query(r->conn, "state"), *od = r->query(r->conn, "overdue");
	struct hq_case *v;
	size_t n, i;
	json_t *list;
	int state = -1, rc;
	bool all = false;

	if (st && *st && !(all = !strcmp(st, "all")) && (state = hq_case_state_parse(st)) < 0) {
		hqd_error(r, 400, "inval", "state '%s' is not open, verified, rectified, revisited, "
			  "closed or all", st);
		return;
	}
	if (od && *od && strcmp(od, "0") && strcmp(od, "1")) {
		hqd_error(r, 400, "inval", "overdue '%s' is not 0 or 1", od);
		return;
	}
	if ((rc = hq_queue_cases(q, state, all, od && !strcmp(od, "1"), &v, &n))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, case_json(&v[i], NULL, 0));
	free(v);
	hqd_json(r, 200, json_pack("{s:o}", "cases", list));
}

static void answer_case(struct hq_queue *q, struct hqd_req *r, int64_t id)
{
	struct hq_case_step *steps;
	struct hq_case c;
	size_t n;
	int rc = hq_queue_case(q, id, &c, &steps, &n);

	if (rc) {
		hqd_queue_error(q, r, rc);
		return;
	}
	hqd_json(r, 200, case_json(&c, steps, n));
	free(steps);
}

/* GET /api/v1/cases/{id}: the case with its steps. */
static void run_case(struct hq_queue *q, struct hqd_req *r)
{
	long long id;

	if (path_id(r, 0, "case", "nocase", INT64_MAX, &id))
		answer_case(q, r, id);
}

/* POST /api/v1/cases/{id}/{verify|rectify|revisit|close} {"who", "note"} */
static void run_case_step(struct hq_queue *q, struct hqd_req *r)
{
	static const struct {
		const char *op;
		enum hq_case_state to;
	} ops[] = {
		{"verify", HQ_CASE_VERIFIED}, {"rectify", HQ_CASE_RECTIFIED},
		{"revisit", HQ_CASE_REVISITED}, {"close", HQ_CASE_CLOSED},
	};
	const char *who, *note;
	long long id;
	size_t i;
	int rc;

	if (!path_id(r, 0, "case", "nocase", INT64_MAX, &id))
		return;
	for (i = 0; i < sizeof ops / sizeof ops[0] && strcmp(ops[i].op, r->args[1]); i++)
		;
	if (i == sizeof ops / sizeof ops[0]) {
		hqd_error(r, 404, "noroute", "a case's steps are verify, rectify, revisit and close, "
			  "not '%s'", r->args[1]);
		return;
	}
	if (!hqd_field_string(r, r->body, "", "who", true, &who) ||
	    !hqd_field_string(r, r->body, "", "note", false, &note))
		return;
	if ((rc = hq_queue_case_step(q, id, ops[i].to, who, note, NULL)))
		hqd_queue_error(q, r, rc);
	else
		answer_case(q, r, id);
}

char *hqd_review_metrics(struct hq_queue *q)
{
	char *out = NULL;
	int open, overdue;

	if (hq_queue_case_counts(q, &open, &overdue) ||
	    asprintf(&out, "# HELP hallq_cases_open Bad-review cases (差评整改) not closed.\n"
		     "# TYPE hallq_cases_open gauge\nhallq_cases_open %d\n"
		     "# HELP hallq_cases_overdue Open bad-review cases past the due date of their "
		     "next step.\n# TYPE hallq_cases_overdue gauge\nhallq_cases_overdue %d\n",
		     open, overdue) < 0)
		return NULL;
	return out;
}

const struct hqd_route hqd_review_routes[] = {
	/* The ticket's key or the token decides, in the handler: the route is public. */
	{.method = "POST", .pattern = "/api/v1/tickets/*/review", .perm = PERM_PUBLIC, .write = true,
	 .run = run_review, .name = "review"},
	{.method = "GET", .pattern = "/api/v1/tickets/*/review", .perm = PERM_PUBLIC,
	 .run = run_review_get, .name = "review"},
	{.method = "POST", .pattern = "/api/v1/counters/*/evaluate", .perm = PERM_EVALUATE,
	 .write = true, .run = run_evaluate, .name = "evaluate"},
	{.method = "GET", .pattern = "/api/v1/reviews", .perm = PERM_REVIEWS,
	 .run = run_reviews, .name = "reviews"},
	{.method = "GET", .pattern = "/api/v1/cases", .perm = PERM_STATS,
	 .run = run_cases, .name = "cases"},
	{.method = "GET", .pattern = "/api/v1/cases/*", .perm = PERM_STATS,
	 .run = run_case, .name = "case"},
	{.method = "POST", .pattern = "/api/v1/cases/*/*", .perm = PERM_STATS, .write = true,
	 .run = run_case_step, .name = "case_step"},
	{0},
};
