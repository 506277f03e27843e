/*
 * The one PostgreSQL connection of hallq-central. It is allocated once and connected
 * lazily; when a query finds it broken (PostgreSQL restarted, the network cut), it is reset
 * and the query tried once more, so that the first request after PostgreSQL comes back is
 * answered. While PostgreSQL stays away, a new attempt is made at most once a second and
 * the requests in between are told "down" at once (503 with Retry-After), so that a board
 * polling every few seconds never piles up connection attempts. The HTTP daemon runs the
 * routes on one thread, so the connection needs no lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "central.h"
#include "hq_clock.h"
#include "hq_log.h"

#define RETRY_MS 1000

/* Type OIDs (src/include/catalog/pg_type.dat), fixed since PostgreSQL 7. */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_JSON = 114,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700, OID_JSONB = 3802 };

struct hqc_pg {
	char *conninfo;
	PGconn *conn;
	int64_t next_try_ms;   /* monotonic; no connection attempt before it */
	bool up;
	int schema;            /* hallq.schema_version's max, 0 none; -1 not read on this connection */
	int64_t next_schema_ms; /* monotonic; while too old, no new look before it */
};

struct hqc_pg *hqc_pg_new(const char *conninfo)
{
	struct hqc_pg *pg = calloc(1, sizeof *pg);

	if (pg)
		pg->schema = -1;
	if (pg && !(pg->conninfo = strdup(conninfo))) {
		free(pg);
		return NULL;
	}
	return pg;
}

void hqc_pg_free(struct hqc_pg *pg)
{
	if (!pg)
		return;
	if (pg->conn)
		PQfinish(pg->conn);
	free(pg->conninfo);
	free(pg);
}

bool hqc_pg_up(struct hqc_pg *pg)
{
	return pg->up;
}

/* The statements of a view must never hold the board up for long. */
static void session_setup(PGconn *c)
{
	PGresult *res = PQexec(c, "SET statement_timeout = '15s'; SET application_name = 'hallq-central'");

	PQclear(res);
}

/* A usable connection, or false when PostgreSQL is away (and was tried at most RETRY_MS ago). */
static bool ensure(struct hqc_pg *pg, bool force)
{
	int64_t now = hq_mono_ms();

	if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK)
		return true;
	if (!force && now < pg->next_try_ms)
		return false;
	pg->next_try_ms = now + RETRY_MS;
	if (pg->conn) {
		PQreset(pg->conn);
	} else {
		pg->conn = PQconnectdb(pg->conninfo);
	}
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		if (pg->up)
			hq_log(HQ_LOG_WARN, "PostgreSQL is away: %s",
			       pg->conn ? strtok(PQerrorMessage(pg->conn), "\n") : "out of memory");
		pg->up = false;
		return false;
	}
	if (!pg->up)
		hq_log(HQ_LOG_INFO, "connected to PostgreSQL (server %d)", PQserverVersion(pg->conn));
	pg->up = true;
	pg->schema = -1;
	session_setup(pg->conn);
	return true;
}

/* Reads the schema's version when it has not been read on this connection, or when it was
 * too old and a second has passed; logs a change once. True when it is new enough. */
static bool schema_ok(struct hqc_pg *pg)
{
	int64_t now = hq_mono_ms();
	PGresult *res;
	int v;

	if (pg->schema >= HQC_SCHEMA_NEED)
		return true;
	if (pg->schema >= 0 && now < pg->next_schema_ms)
		return false;
	pg->next_schema_ms = now + RETRY_MS;
	/* Two statements: one naming a missing table would fail to plan, and the missing
	 * table is version 0, not an error. */
	res = PQexec(pg->conn, "SELECT to_regclass('hallq.schema_version') IS NOT NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(res, 0, 0), "t")) {
		PQclear(res);
		res = PQexec(pg->conn, "SELECT COALESCE(max(version), 0) FROM hallq.schema_version");
	} else if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		PQclear(res);
		res = PQexec(pg->conn, "SELECT 0");
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* Most likely the connection broke: the query that follows finds out. */
		PQclear(res);
		return true;
	}
	v = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (v != pg->schema && v < HQC_SCHEMA_NEED)
		hq_log(HQ_LOG_ERROR, "the central schema is at version %d, hallq-central needs %d: "
		       "run tools/central-migrate", v, HQC_SCHEMA_NEED);
	else if (v != pg->schema && pg->schema > 0)
		hq_log(HQ_LOG_INFO, "the central schema is now at version %d", v);
	pg->schema = v;
	return v >= HQC_SCHEMA_NEED;
}

static json_t *value_json(const PGresult *res, int row, int col)
{
	const char *v = PQgetvalue(res, row, col);

	if (PQgetisnull(res, row, col))
		return json_null();
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return json_boolean(v[0] == 't');
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return json_integer(strtoll(v, NULL, 10));
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC: {
		/* NaN and the infinities have no JSON: null. */
		double d = strtod(v, NULL);

		return d == d && d - d == 0 ? json_real(d) : json_null();
	}
	case OID_JSON:
	case OID_JSONB: {
		json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);

		return j ? j : json_string(v);
	}
	default:
		return json_string(v);
	}
}

/* Appends s to the buffer (grown by doubling); false when out of memory. */
static bool put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 1024;
		char *b;

		while (c < *len + n + 1)
			c *= 2;
		if (!(b = realloc(*buf, c)))
			return false;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
static bool put_field(char **buf, size_t *len, size_t *cap, const char *v)
{
	if (!v[strcspn(v, ",\"\r\n")])
		return put(buf, len, cap, v, strlen(v));
	if (!put(buf, len, cap, "\"", 1))
		return false;
	for (const char *p = v; *p; p++)
		if (!put(buf, len, cap, p, 1) || (*p == '"' && !put(buf, len, cap, "\"", 1)))
			return false;
	return put(buf, len, cap, "\"", 1);
}

static char *result_csv(const PGresult *res)
{
	int nf = PQnfields(res), nt = PQntuples(res);
	size_t len = 0, cap = 0;
	char *buf = NULL;
	bool ok = true;

	for (int c = 0; c < nf && ok; c++)
		ok = (c == 0 || put(&buf, &len, &cap, ",", 1)) && put_field(&buf, &len, &cap, PQfname(res, c));
	ok = ok && put(&buf, &len, &cap, "\r\n", 2);
	for (int r = 0; r < nt && ok; r++) {
		for (int c = 0; c < nf && ok; c++)
			ok = (c == 0 || put(&buf, &len, &cap, ",", 1)) &&
			     put_field(&buf, &len, &cap, PQgetisnull(res, r, c) ? "" : PQgetvalue(res, r, c));
		ok = ok && put(&buf, &len, &cap, "\r\n", 2);
	}
	if (!ok) {
		free(buf);
		return NULL;
	}
	return buf;
}

int hqc_pg_query(struct hqc_pg *pg, const char *sql, int nparams, const char *const *params,
		 json_t **rows, char **csv, char *err, size_t errlen, char sqlstate[6])
{
	PGresult *res = NULL;
	int rc = HQC_PG_ERROR;

	*rows = NULL;
	if (csv)
		*csv = NULL;
	sqlstate[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!ensure(pg, attempt > 0)) {
			snprintf(err, errlen, "PostgreSQL cannot be reached");
			return HQC_PG_DOWN;
		}
		if (!schema_ok(pg)) {
			snprintf(err, errlen, "the central schema is at version %d; this hallq-central "
				 "needs version %d (run tools/central-migrate)", pg->schema, HQC_SCHEMA_NEED);
			return HQC_PG_SCHEMA;
		}
		res = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK || PQstatus(pg->conn) == CONNECTION_OK)
			break;
		/* The connection broke under this query: once more on a new one. */
		PQclear(res);
		res = NULL;
		pg->up = false;
	}
	if (!res) {
		snprintf(err, errlen, "PostgreSQL cannot be reached");
		return HQC_PG_DOWN;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
		snprintf(sqlstate, 6, "%s", st ? st : "");
		/* Class 57 (operator intervention: shutdown) and 08 (connection) mean away. */
		rc = !strncmp(sqlstate, "57", 2) || !strncmp(sqlstate, "08", 2) ? HQC_PG_DOWN : HQC_PG_ERROR;
		goto done;
	}
	if (!(*rows = json_array()))
		goto nomem;
	for (int r = 0; r < PQntuples(res); r++) {
		json_t *o = json_object();

		if (!o || json_array_append_new(*rows, o))
			goto nomem;
		for (int c = 0; c < PQnfields(res); c++)
			json_object_set_new(o, PQfname(res, c), value_json(res, r, c));
	}
	if (csv && !(*csv = result_csv(res)))
		goto nomem;
	rc = HQC_PG_OK;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
	json_decref(*rows);
	*rows = NULL;
	rc = HQC_PG_ERROR;
done:
	PQclear(res);
	return rc;
}
