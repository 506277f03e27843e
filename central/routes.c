/*
 * hallq-central's API: who asks (a Bearer token, tokens.c), which hall they ask about and
 * whether it is theirs (PostgreSQL walks halls.parent), then one statement, its rows as JSON
 * or CSV. Every statement is a constant with $n parameters; nothing a client sends is ever
 * pasted into SQL. The statements read the contract's names only: the base tables halls,
 * events and services (central/schema.sql) and the derived hallq.tickets, hallq.stats(...)
 * and hallq.ranking(...) (central/schema-derived.sql), whose columns are passed through as
 * they come, so that a column added there reaches the JSON and the CSV with no change here.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "central.h"
#include "hq_log.h"

#define ERRLEN 512

/* The halls at and below $1 (every top hall when $1 is NULL, for admin), with their depth
 * and the path of ids that orders them as a tree. The depth bound stops a cycle that a bad
 * parent column would make. */
#define TREE_CTE \
	"WITH RECURSIVE tree AS (" \
	" SELECT hall_id, 0 AS depth, ARRAY[hall_id] AS path FROM hallq.halls" \
	"  WHERE CASE WHEN $1::text IS NULL THEN parent IS NULL ELSE hall_id = $1 END" \
	" UNION ALL" \
	" SELECT h.hall_id, t.depth + 1, t.path || h.hall_id FROM hallq.halls h" \
	"  JOIN tree t ON h.parent = t.hall_id WHERE t.depth < 16)"

static const char SQL_HALLS[] =
	TREE_CTE
	" SELECT h.hall_id, h.name, h.name_en, h.region, h.parent, t.depth"
	" FROM tree t JOIN hallq.halls h USING (hall_id) ORDER BY t.path";

/*
 * The live board. Waiting: the hall's tickets in state 0 (waiting) as the events have told
 * the centre; the oldest wait is counted to now, so that it keeps growing for a hall that
 * has gone silent (its waiting may be stale then, which in_contact says). Open alerts: each
 * alert_raised whose alert id (the event's value) has no alert_cleared. Lag: how long its
 * newest event took from the hall's commit to the centre's. In contact: something heard
 * from the hall (an event, or hallq-sync's touch of last_seen) within $2 seconds.
 */
static const char SQL_BOARD[] =
	TREE_CTE ","
	" w AS (SELECT k.hall_id, k.service, count(*) AS n, min(k.queued_at_ms) AS oldest_ms"
	"  FROM hallq.tickets k JOIN tree USING (hall_id) WHERE k.state = 0 GROUP BY 1, 2),"
	" a AS (SELECT e.hall_id, count(*) AS n FROM hallq.events e JOIN tree USING (hall_id)"
	"  WHERE e.type = 'alert_raised' AND NOT EXISTS (SELECT 1 FROM hallq.events c"
	"   WHERE c.hall_id = e.hall_id AND c.type = 'alert_cleared' AND c.value = e.value)"
	"  GROUP BY 1)"
	" SELECT h.hall_id, h.name, h.name_en, h.region, h.parent, t.depth,"
	"  coalesce((SELECT sum(n) FROM w WHERE w.hall_id = h.hall_id), 0)::int AS waiting,"
	"  coalesce((SELECT jsonb_agg(jsonb_build_object('service', w.service, 'name', s.name,"
	"     'name_en', s.name_en, 'waiting', w.n,"
	"     'oldest_wait_s', greatest(0, round(extract(epoch FROM now()) - w.oldest_ms / 1000.0)))"
	"     ORDER BY w.service)"
	"   FROM w LEFT JOIN hallq.services s ON s.hall_id = w.hall_id AND s.key = w.service"
	"   WHERE w.hall_id = h.hall_id), '[]'::jsonb) AS services,"
	"  (SELECT CASE WHEN count(*) > 0 THEN"
	"    greatest(0, round(extract(epoch FROM now()) - min(w.oldest_ms) / 1000.0))::bigint END"
	"   FROM w WHERE w.hall_id = h.hall_id) AS oldest_wait_s,"
	"  coalesce(a.n, 0)::int AS open_alerts,"
	"  h.last_event_id,"
	"  to_json(h.last_event_at) #>> '{}' AS last_event_at,"
	"  to_json(h.last_seen) #>> '{}' AS last_seen,"
	"  (SELECT round(extract(epoch FROM e.received_at - e.at)::numeric, 3)::float8"
	"   FROM hallq.events e WHERE e.hall_id = h.hall_id AND e.event_id = h.last_event_id) AS lag_s,"
	"  round(extract(epoch FROM now() - greatest(h.last_seen, h.last_event_at)))::bigint AS silent_s,"
	"  coalesce(now() - greatest(h.last_seen, h.last_event_at) <= make_interval(secs => $2::int),"
	"   false) AS in_contact"
	" FROM tree t JOIN hallq.halls h USING (hall_id) LEFT JOIN a USING (hall_id) ORDER BY t.path";

/* Is $2 at or below $1? And does $2 exist? Walks up from $2. */
static const char SQL_UNDER[] =
	"WITH RECURSIVE up AS ("
	" SELECT hall_id, parent, 0 AS n FROM hallq.halls WHERE hall_id = $2"
	" UNION ALL SELECT h.hall_id, h.parent, up.n + 1 FROM hallq.halls h"
	"  JOIN up ON h.hall_id = up.parent WHERE up.n < 16)"
	" SELECT coalesce(bool_or(hall_id = $1), false) AS under, count(*) > 0 AS known FROM up";

/* The period's dates, both included, as the hall's own local days: from the first one's
 * midnight to the midnight after the last, in the hall's time zone (hallq.hall_tz). A
 * missing date is the hall's today. */
#define DAY_MS(hall, day, plus) "hallq.day_start_ms(hallq.hall_tz(" hall "), coalesce(" day \
	", (now() AT TIME ZONE hallq.hall_tz(" hall "))::date) + " plus ")"
static const char SQL_RANKING[] = "SELECT * FROM hallq.ranking($1, " DAY_MS("$1", "$2::date", "0")
	", " DAY_MS("$1", "$3::date", "1") ")";
static const char SQL_STATS[] = "SELECT * FROM hallq.stats($1, $2, " DAY_MS("$1", "$3::date", "0")
	", " DAY_MS("$1", "$4::date", "1") ")";
static const char SQL_PING[] = "SELECT 1 AS up";

/* ---- answers ---------------------------------------------------------------------------- */

static void answer(struct hqc_req *r, int status, const char *ctype, char *body)
{
	free(r->body);
	r->status = status;
	r->ctype = ctype;
	r->body = body;
	r->len = body ? strlen(body) : 0;
}

static void answer_json(struct hqc_req *r, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (!s) {
		hqc_error(r, 500, "nomem", "out of memory");
		return;
	}
	answer(r, status, "application/json", s);
}

void hqc_error(struct hqc_req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (status == 503)
		r->retry_after = 5;
	answer_json(r, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

/* A statement's failure as the client sees it: PostgreSQL away is 503, the rest 500 (the
 * detail goes to the log, not to the client). */
static void answer_pg(struct hqc_req *r, int rc, const char *err)
{
	if (rc == HQC_PG_DOWN) {
		hqc_error(r, 503, "central_down", "the central database cannot be reached; try again");
		return;
	}
	if (rc == HQC_PG_SCHEMA) {
		/* The operator's fix, not the client's: say what it is. */
		hqc_error(r, 503, "central_schema", "%s", err);
		return;
	}
	hq_log(HQ_LOG_ERROR, "%s %s: %s", r->method, r->path, err);
	hqc_error(r, 500, "db", "the central database refused the query");
}

static bool want_csv(const struct hqc_req *r)
{
	const char *f = r->arg(r->conn, "format");

	if (f)
		return !strcmp(f, "csv");
	return r->accept && strstr(r->accept, "text/csv") && !strstr(r->accept, "application/json");
}

/* Runs sql and answers with its rows: CSV, or {key: rows, ...extra}. */
static void answer_rows(struct hqc_server *s, struct hqc_req *r, const char *sql, int n,
			const char *const *params, const char *key, json_t *extra)
{
	char err[ERRLEN], state[6], *csv = NULL;
	bool csv_wanted = want_csv(r);
	json_t *rows;
	int rc;

	rc = hqc_pg_query(s->pg, sql, n, params, &rows, csv_wanted ? &csv : NULL, err, sizeof err, state);
	if (rc) {
		json_decref(extra);
		answer_pg(r, rc, err);
		return;
	}
	if (csv_wanted) {
		json_decref(rows);
		json_decref(extra);
		answer(r, 200, "text/csv; charset=utf-8", csv);
		return;
	}
	if (!extra)
		extra = json_object();
	json_object_set_new(extra, key, rows);
	answer_json(r, 200, extra);
}

/* ---- who asks, and about which hall ------------------------------------------------------ */

struct who {
	enum hqc_role role;
	char hall[HQC_HALL_ID_MAX + 1];
};

static bool authenticate(struct hqc_server *s, struct hqc_req *r, struct who *w)
{
	const struct hqc_token *t;
	const char *h = r->authorization;

	if (!h || strncasecmp(h, "Bearer ", 7)) {
		hqc_error(r, 401, "unauthorized", "a viewer's token is needed (Authorization: Bearer TOKEN)");
		return false;
	}
	pthread_rwlock_rdlock(s->tokens_lock);
	t = hqc_tokens_find(&s->tokens, h + 7 + strspn(h + 7, " "));
	if (t) {
		w->role = t->role;
		snprintf(w->hall, sizeof w->hall, "%s", t->hall);
	}
	pthread_rwlock_unlock(s->tokens_lock);
	if (!t) {
		hqc_error(r, 401, "unauthorized", "unknown token");
		return false;
	}
	return true;
}

/*
 * The hall a request names (its `name` argument), checked against who asks: a viewer's own
 * hall when it names none; for admin, NULL (every hall) when it names none and none is
 * required. A viewer asking about a hall not below its own is refused with 403 whether or
 * not that hall exists, so that a viewer cannot probe for other regions' ids.
 */
static bool pick_hall(struct hqc_server *s, struct hqc_req *r, const struct who *w, const char *name,
		      bool required, const char **hall)
{
	const char *want = r->arg(r->conn, name);
	const char *params[2];
	char err[ERRLEN], state[6];
	json_t *rows, *row;
	bool under, known;
	int rc;

	if (want && !hqc_hall_id_valid(want)) {
		hqc_error(r, 400, "inval", "%s: a hall id is 1 to 31 of A-Z a-z 0-9 _ -", name);
		return false;
	}
	if (!want && w->role == HQC_VIEWER)
		want = w->hall;
	if (!want) {
		if (required) {
			hqc_error(r, 400, "inval", "%s=HALL_ID is needed", name);
			return false;
		}
		*hall = NULL;
		return true;
	}
	params[0] = w->role == HQC_VIEWER ? w->hall : want;
	params[1] = want;
	if ((rc = hqc_pg_query(s->pg, SQL_UNDER, 2, params, &rows, NULL, err, sizeof err, state))) {
		answer_pg(r, rc, err);
		return false;
	}
	row = json_array_get(rows, 0);
	under = json_is_true(json_object_get(row, "under"));
	known = json_is_true(json_object_get(row, "known"));
	json_decref(rows);
	if (w->role == HQC_VIEWER && !under) {
		hqc_error(r, 403, "forbidden", "hall %s is not under this viewer's hall %s", want, w->hall);
		return false;
	}
	if (!known) {
		hqc_error(r, 404, "nohall", "no hall %s", want);
		return false;
	}
	*hall = want;
	return true;
}

/* ---- periods ---------------------------------------------------------------------------- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* "YYYY-MM-DD", a real date. */
static bool valid_date(const char *s)
{
	int y, m, d, n = 0;

	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10)
		return false;
	return y >= 2000 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m);
}

/*
 * The period of a request, both ends inclusive, into from and to: month=YYYY-MM, or
 * from=YYYY-MM-DD&to=YYYY-MM-DD (to defaults to from), or today (PostgreSQL's date, in the
 * server's TimeZone) when neither is given and dflt_today.
 */
static bool pick_period(struct hqc_req *r, char from[11], char to[11], bool dflt_today)
{
	const char *month = r->arg(r->conn, "month"), *f = r->arg(r->conn, "from"), *t = r->arg(r->conn, "to");
	int y, m, n = 0;

	if (month) {
		if (f || t || strlen(month) != 7 || sscanf(month, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 ||
		    month[4] != '-' || strspn(month, "0123456789-") != 7 || y < 2000 || y > 2200 ||
		    m < 1 || m > 12) {
			hqc_error(r, 400, "inval", "month is YYYY-MM, and comes without from and to");
			return false;
		}
		snprintf(from, 11, "%04d-%02d-01", y, m);
		snprintf(to, 11, "%04d-%02d-%02d", y, m, month_days(y, m));
		return true;
	}
	if (!f && !t && dflt_today) {
		from[0] = to[0] = '\0';
		return true;
	}
	if (!f || !valid_date(f) || (t && !valid_date(t))) {
		hqc_error(r, 400, "inval", "from and to are dates, YYYY-MM-DD (or month=YYYY-MM)");
		return false;
	}
	snprintf(from, 11, "%s", f);
	snprintf(to, 11, "%s", t ? t : f);
	if (strcmp(from, to) > 0) {
		hqc_error(r, 400, "inval", "from %s is after to %s", from, to);
		return false;
	}
	return true;
}

/* ---- the routes ------------------------------------------------------------------------- */

static void run_healthz(struct hqc_server *s, struct hqc_req *r)
{
	char err[ERRLEN], state[6];
	json_t *rows;
	int rc = hqc_pg_query(s->pg, SQL_PING, 0, NULL, &rows, NULL, err, sizeof err, state);

	json_decref(rows);
	/* The process answers; whether PostgreSQL does is a field, not the status, so that a
	 * supervisor does not restart hallq-central for an outage it cannot mend. */
	answer_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "central",
				    rc == HQC_PG_SCHEMA ? "schema_old" : rc ? "down" : "up"));
}

static void run_whoami(struct hqc_server *s, struct hqc_req *r, const struct who *w)
{
	(void)s;
	answer_json(r, 200, json_pack("{s:s, s:s?}", "role", w->role == HQC_ADMIN ? "admin" : "viewer",
				      "hall", w->role == HQC_VIEWER ? w->hall : NULL));
}

static void run_halls(struct hqc_server *s, struct hqc_req *r, const struct who *w)
{
	const char *hall;

	if (pick_hall(s, r, w, "under", false, &hall))
		answer_rows(s, r, SQL_HALLS, 1, (const char *[]){hall}, "halls",
			    json_pack("{s:s?}", "under", hall));
}

static void run_board(struct hqc_server *s, struct hqc_req *r, const struct who *w)
{
	char contact[16];
	const char *hall;

	if (!pick_hall(s, r, w, "hall", false, &hall))
		return;
	snprintf(contact, sizeof contact, "%d", s->contact_s);
	answer_rows(s, r, SQL_BOARD, 2, (const char *[]){hall, contact}, "halls",
		    json_pack("{s:s?, s:i}", "hall", hall, "contact_s", s->contact_s));
}

static void run_ranking(struct hqc_server *s, struct hqc_req *r, const struct who *w)
{
	char from[11], to[11];
	const char *hall;

	if (!pick_period(r, from, to, false) || !pick_hall(s, r, w, "hall", true, &hall))
		return;
	answer_rows(s, r, SQL_RANKING, 3, (const char *[]){hall, from, to}, "halls",
		    json_pack("{s:s, s:s, s:s}", "hall", hall, "from", from, "to", to));
}

static void run_stats(struct hqc_server *s, struct hqc_req *r, const struct who *w)
{
	static const char *const bys[] = {"service", "counter", "clerk", "hour", "day", "month"};
	const char *by = r->arg(r->conn, "by"), *hall;
	char from[11], to[11];
	bool known = false;

	for (size_t i = 0; by && i < sizeof bys / sizeof bys[0]; i++)
		known |= !strcmp(by, bys[i]);
	if (!by)
		by = "service", known = true;
	if (!known) {
		hqc_error(r, 400, "inval", "by is service, counter, clerk, hour, day or month");
		return;
	}
	if (!pick_period(r, from, to, true) || !pick_hall(s, r, w, "hall", true, &hall))
		return;
	answer_rows(s, r, SQL_STATS, 4, (const char *[]){hall, by, from[0] ? from : NULL, to[0] ? to : NULL},
		    "rows", json_pack("{s:s, s:s, s:s?, s:s?}", "hall", hall, "by", by,
				      "from", from[0] ? from : NULL, "to", to[0] ? to : NULL));
}

static const struct {
	const char *path;
	void (*run)(struct hqc_server *, struct hqc_req *, const struct who *);
} routes[] = {
	{"/api/v1/whoami", run_whoami},
	{"/api/v1/halls", run_halls},
	{"/api/v1/board", run_board},
	{"/api/v1/ranking", run_ranking},
	{"/api/v1/stats", run_stats},
};

void hqc_route(struct hqc_server *s, struct hqc_req *r)
{
	struct who w = {0};

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		hqc_error(r, 405, "method", "only GET and HEAD here");
		return;
	}
	if (!strcmp(r->path, "/healthz")) {
		run_healthz(s, r);
		return;
	}
	if (hqc_web(r)) {
		if (r->status == 404 && !r->asset)
			hqc_error(r, 404, "noasset", "no file %s", r->path);
		return;
	}
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(r->path, routes[i].path)) {
			if (authenticate(s, r, &w))
				routes[i].run(s, r, &w);
			return;
		}
	hqc_error(r, 404, "notfound", "no route %s", r->path);
}
