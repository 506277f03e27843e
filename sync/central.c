/*
 * The central writer: one libpq connection to the region's PostgreSQL, and the batch in one
 * transaction. Values never go into the SQL text: the batch's events go as one JSON
 * parameter that jsonb_to_recordset turns into rows, so a batch of 500 events is one
 * statement and one round trip, and the whole batch (events, the hall's last event id, the
 * hall and its services when they changed) commits or none of it does. A resend after a
 * lost COMMIT reply inserts nothing twice: ON CONFLICT (hall_id, event_id) DO NOTHING.
 * Any failure closes the connection; the caller waits and connects again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "hq_error.h"
#include "hq_sync.h"

struct hq_central {
	char *conninfo;
	char hall_id[32];
	PGconn *pg;
	json_t *hall;                /* to send with the next batch, or NULL */
	char err[512];
};

static const char sql_confirmed[] =
	"SELECT last_event_id FROM hallq.halls WHERE hall_id = $1";

static const char sql_touch[] =
	"UPDATE hallq.halls SET last_seen = now() WHERE hall_id = $1";

static const char sql_hall[] =
	"INSERT INTO hallq.halls AS h (hall_id, name, name_en, region, parent, config, last_seen) "
	"SELECT $1, coalesce(c->>'name', ''), coalesce(c->>'name_en', ''), "
	"       coalesce(c->>'region', ''), nullif(c->>'parent', ''), c, now() "
	"FROM (SELECT $2::jsonb AS c) AS x "
	"ON CONFLICT (hall_id) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, "
	"  region = EXCLUDED.region, parent = EXCLUDED.parent, config = EXCLUDED.config, "
	"  last_seen = now()";

static const char sql_services[] =
	"INSERT INTO hallq.services AS s (hall_id, key, name, name_en, prefix, target_minutes, "
	"  max_wait_minutes, position) "
	"SELECT $1, v.key, coalesce(v.name, ''), coalesce(v.name_en, ''), coalesce(v.prefix, ''), "
	"  v.target_minutes, v.max_wait_minutes, (o.n - 1)::int "
	"FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS o(e, n), "
	"  jsonb_to_record(o.e) AS v(key text, name text, name_en text, prefix text, "
	"  target_minutes int, max_wait_minutes int) "
	"ON CONFLICT (hall_id, key) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, "
	"  prefix = EXCLUDED.prefix, target_minutes = EXCLUDED.target_minutes, "
	"  max_wait_minutes = EXCLUDED.max_wait_minutes, position = EXCLUDED.position";

static const char sql_events[] =
	"INSERT INTO hallq.events (hall_id, event_id, at, at_ms, type, ticket_id, label, service, "
	"  counter, value, detail) "
	"SELECT $1, e.id, to_timestamp(e.at_ms / 1000.0), e.at_ms, e.type, e.ticket_id, e.label, "
	"  e.service, e.counter, e.value, e.detail "
	"FROM jsonb_to_recordset($2::jsonb) AS e(id bigint, at_ms bigint, type text, "
	"  ticket_id bigint, label text, service text, counter int, value bigint, detail text) "
	"ON CONFLICT (hall_id, event_id) DO NOTHING";

/* The hall's row exists before this (sql_hall at the first batch of a connection). */
static const char sql_last[] =
	"UPDATE hallq.halls SET last_event_at = CASE WHEN $2::bigint > last_event_id "
	"    THEN to_timestamp($3::bigint / 1000.0) ELSE last_event_at END, "
	"  last_event_id = greatest(last_event_id, $2::bigint), last_seen = now() "
	"WHERE hall_id = $1";

struct hq_central *hq_central_new(const char *conninfo, const char *hall_id)
{
	struct hq_central *c = calloc(1, sizeof *c);

	if (!c || !(c->conninfo = strdup(conninfo))) {
		free(c);
		return NULL;
	}
	snprintf(c->hall_id, sizeof c->hall_id, "%s", hall_id);
	return c;
}

void hq_central_free(struct hq_central *c)
{
	if (!c)
		return;
	hq_central_close(c);
	json_decref(c->hall);
	free(c->conninfo);
	free(c);
}

void hq_central_close(struct hq_central *c)
{
	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
}

bool hq_central_up(const struct hq_central *c)
{
	return c->pg && PQstatus(c->pg) == CONNECTION_OK;
}

const char *hq_central_error(const struct hq_central *c)
{
	return c->err;
}

void hq_central_set_hall(struct hq_central *c, json_t *hall)
{
	json_decref(c->hall);
	c->hall = hall;
}

/* The server's message, on one line, into c->err; the connection closed. */
static int failed(struct hq_central *c, const char *what, PGresult *res)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	size_t n;

	if (!*msg && c->pg)
		msg = PQerrorMessage(c->pg);
	snprintf(c->err, sizeof c->err, "%s: %s", what, *msg ? msg : "no answer");
	n = strlen(c->err);
	while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = '\0';
	for (char *p = c->err; *p; p++)
		if (*p == '\n')
			*p = ' ';
	PQclear(res);
	hq_central_close(c);
	return HQ_ELINK;
}

static PGresult *exec(struct hq_central *c, const char *sql, int n, const char *const *params)
{
	return PQexecParams(c->pg, sql, n, NULL, params, NULL, NULL, 0);
}

int hq_central_connect(struct hq_central *c, int64_t *confirmed)
{
	const char *params[1] = {c->hall_id};
	PGresult *res;

	if (!hq_central_up(c)) {
		hq_central_close(c);
		c->pg = PQconnectdb(c->conninfo);
		if (PQstatus(c->pg) != CONNECTION_OK)
			return failed(c, "connect", NULL);
	}
	res = exec(c, sql_confirmed, 1, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return failed(c, "read the hall's last event", res);
	*confirmed = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
	PQclear(res);
	return 0;
}

static json_t *events_json(const struct hq_sync_event *ev, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:I, s:s, s:s, s:i, s:I, s:s}",
			"id", (json_int_t)ev[i].id, "at_ms", (json_int_t)ev[i].at_ms, "type", ev[i].type,
			"ticket_id", (json_int_t)ev[i].ticket_id, "label", ev[i].label,
			"service", ev[i].service, "counter", ev[i].counter,
			"value", (json_int_t)ev[i].value, "detail", ev[i].detail));
	return a;
}

static int run(struct hq_central *c, const char *what, const char *sql, int n,
	       const char *const *params)
{
	PGresult *res = exec(c, sql, n, params);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return failed(c, what, res);
	PQclear(res);
	return 0;
}

int hq_central_touch(struct hq_central *c)
{
	const char *p[1] = {c->hall_id};

	if (!hq_central_up(c)) {
		snprintf(c->err, sizeof c->err, "not connected");
		return HQ_ELINK;
	}
	return run(c, "touch the hall", sql_touch, 1, p);
}

int hq_central_send(struct hq_central *c, const struct hq_sync_event *ev, size_t n)
{
	char last[24], last_at[24], *evs = NULL, *hall = NULL, *services = NULL;
	const char *p_hall[2], *p_ev[2], *p_last[3];
	json_t *a;
	int rc = HQ_ENOMEM;

	if (!hq_central_up(c)) {
		snprintf(c->err, sizeof c->err, "not connected");
		return HQ_ELINK;
	}
	if (!n)
		return 0;
	if (!(a = events_json(ev, n)) || !(evs = json_dumps(a, JSON_COMPACT)))
		goto done;
	if (c->hall) {
		json_t *svc = json_object_get(c->hall, "services");

		if (!(hall = json_dumps(c->hall, JSON_COMPACT)) ||
		    !(services = svc ? json_dumps(svc, JSON_COMPACT) : strdup("[]")))
			goto done;
	}
	snprintf(last, sizeof last, "%" PRId64, ev[n - 1].id);
	snprintf(last_at, sizeof last_at, "%" PRId64, ev[n - 1].at_ms);
	p_hall[0] = p_ev[0] = p_last[0] = c->hall_id;
	p_hall[1] = hall;
	p_ev[1] = evs;
	p_last[1] = last;
	p_last[2] = last_at;
	if ((rc = run(c, "BEGIN", "BEGIN", 0, NULL)))
		goto done;
	if (hall && ((rc = run(c, "upsert the hall", sql_hall, 2, p_hall)) ||
		     (p_hall[1] = services, rc = run(c, "upsert the services", sql_services, 2, p_hall))))
		goto done;
	if ((rc = run(c, "insert the events", sql_events, 2, p_ev)) ||
	    (rc = run(c, "the hall's last event", sql_last, 3, p_last)) ||
	    (rc = run(c, "COMMIT", "COMMIT", 0, NULL)))
		goto done;
	/* Sent: the hall goes again only when it changes. */
	if (hall)
		hq_central_set_hall(c, NULL);
done:
	if (rc == HQ_ENOMEM)
		snprintf(c->err, sizeof c->err, "out of memory");
	json_decref(a);
	free(evs);
	free(hall);
	free(services);
	return rc;
}
