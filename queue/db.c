/*
 * The database side of the queue: opening and migrating the file, the prepared statements,
 * transactions, and keeping each context in step with the others on the same file (a new
 * configuration applied elsewhere, the first operation of a new day).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Long enough for a burst from a dozen counters; a caller never sees SQLITE_BUSY unless
 * the database is held for this long, which only a stuck process does. */
#define BUSY_TIMEOUT_MS 10000

static const char *const sql_text[SQL_COUNT_] = {
#define X(name, sql) sql,
	HQ_SQL_MAP(X)
#undef X
};

/* Migrations, applied in order: user_version N means steps 1..N are in. */
static const char *const migrations[] = {
	HQ_SCHEMA_V1,
	HQ_SCHEMA_V2,
	HQ_SCHEMA_V3,
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int hq__fail(struct hq_queue *q, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof q->err, fmt, ap);
	va_end(ap);
	return code;
}

int hq__dberr(struct hq_queue *q, int rc)
{
	int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? HQ_EBUSY : HQ_EDB;

	return hq__fail(q, code, "database: %s", sqlite3_errmsg(q->db));
}

sqlite3_stmt *hq__stmt(struct hq_queue *q, enum hq_sql which)
{
	sqlite3_stmt *s = q->st[which];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int hq__exec(struct hq_queue *q, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return hq__dberr(q, rc);
	sqlite3_reset(s);
	return HQ_OK;
}

void hq__bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

void hq_queue_set_clock(struct hq_queue *q, hq_clock_fn fn, void *ud)
{
	q->clock = fn ? fn : hq_real_now;
	q->clock_ud = fn ? ud : NULL;
}

int64_t hq_queue_now(struct hq_queue *q)
{
	return q->clock(q->clock_ud);
}

const char *hq_queue_errmsg(const struct hq_queue *q)
{
	return q ? q->err : "no queue";
}

const struct hq_config *hq_queue_config(const struct hq_queue *q)
{
	return q->cfg;
}

static int migrate(struct hq_queue *q)
{
	sqlite3_stmt *s;
	int version = 0, rc, i;

	rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return hq__dberr(q, rc);
	rc = sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > SCHEMA_VERSION) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return hq__fail(q, HQ_ESCHEMA, "database schema version %d is newer than this "
				"hallq's %d; upgrade hallq", version, SCHEMA_VERSION);
	}
	for (i = version; i < SCHEMA_VERSION; i++) {
		char pragma[40];

		rc = sqlite3_exec(q->db, migrations[i], NULL, NULL, NULL);
		if (rc == SQLITE_OK) {
			snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", i + 1);
			rc = sqlite3_exec(q->db, pragma, NULL, NULL, NULL);
		}
		if (rc != SQLITE_OK) {
			rc = hq__dberr(q, rc);
			sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return rc == SQLITE_OK ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_set_durable(struct hq_queue *q, bool durable)
{
	int rc = sqlite3_exec(q->db, durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
			      NULL, NULL, NULL);

	return rc == SQLITE_OK ? HQ_OK : hq__dberr(q, rc);
}

static void step_reset(struct hq_queue *q, enum hq_sql which);

/* Read a meta value into buf; "" when absent. */
static int meta_get(struct hq_queue *q, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_META_GET);
	int rc;

	hq__bind_text(s, 1, key);
	buf[0] = '\0';
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(s, 0));
	else if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	sqlite3_reset(s);
	return HQ_OK;
}

/* The stored config text, malloc'd; NULL (and HQ_OK) when the hall has none yet. */
static int meta_get_config(struct hq_queue *q, char **text)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_META_GET);
	int rc;

	*text = NULL;
	hq__bind_text(s, 1, "config");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*text = strdup((const char *)sqlite3_column_text(s, 0));
		if (!*text)
			return hq__fail(q, HQ_ENOMEM, "out of memory reading the configuration");
	} else if (rc != SQLITE_DONE) {
		return hq__dberr(q, rc);
	}
	sqlite3_reset(s);
	return HQ_OK;
}

static int meta_set(struct hq_queue *q, const char *key, const char *value)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_META_SET);

	hq__bind_text(s, 1, key);
	hq__bind_text(s, 2, value);
	return hq__exec(q, s);
}

/* Re-read the configuration when another process applied a new one. */
static int sync_config(struct hq_queue *q)
{
	struct hq_config *cfg = NULL;
	char buf[32], perr[512];
	char *text;
	long long version;
	int rc;

	if ((rc = meta_get(q, "config_version", buf, sizeof buf)))
		return rc;
	version = strtoll(buf, NULL, 10);
	if (version == q->cfg_version && q->cfg)
		return HQ_OK;
	if (version == 0)
		return HQ_OK;
	if ((rc = meta_get_config(q, &text)))
		return rc;
	rc = hq_config_parse_string(text ? text : "", "stored configuration", &cfg, perr, sizeof perr);
	free(text);
	if (rc)
		return hq__fail(q, rc, "%s", perr);
	hq_config_free(q->cfg);
	q->cfg = cfg;
	q->cfg_version = version;
	return HQ_OK;
}

int hq__close_open(struct hq_queue *q, const char *day, const char *reason, int *closed)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_OPEN_IDS);
	int64_t *ids = NULL, *grown;
	size_t n = 0, cap = 0, i;
	int rc;

	/* Collect first: each ticket gets its own update and event, and the select must not
	 * walk an index that those updates change. */
	hq__bind_text(s, 1, day);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(ids, cap * sizeof *ids))) {
				sqlite3_reset(s);
				free(ids);
				return hq__fail(q, HQ_ENOMEM, "out of memory closing the day");
			}
			ids = grown;
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	rc = rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
	for (i = 0; i < n && rc == HQ_OK; i++)
		rc = hq__end_ticket(q, ids[i], HQ_T_CANCELLED, reason, "cancelled", 0);
	free(ids);
	if (rc == HQ_OK)
		rc = hq__exec(q, hq__stmt(q, SQL_COUNTER_CLEAR_ENDED));
	if (rc == HQ_OK)
		rc = hq__exec(q, hq__stmt(q, SQL_COUNTER_FORGET_TURNS));
	if (rc == HQ_OK)
		rc = hq__event(q, "day_closed", NULL, 0, (int)n, day);
	if (rc == HQ_OK && closed)
		*closed = (int)n;
	return rc;
}

/* Close what earlier days left open; runs inside a write transaction. */
static int rollover_locked(struct hq_queue *q, const char *today, int *closed)
{
	sqlite3_stmt *s;
	char last[11];
	int rc, n = 0;

	/* `last` is the day the hall was last rolled to: it and the days before are over. */
	if ((rc = meta_get(q, "day", last, sizeof last)))
		return rc;
	if (last[0] && strcmp(last, today) < 0 && (rc = hq__close_open(q, last, "day closed", &n)))
		return rc;
	s = hq__stmt(q, SQL_IDEM_PURGE);
	sqlite3_bind_int64(s, 1, q->now - 86400000LL);
	if ((rc = hq__exec(q, s)))
		return rc;
	if ((rc = meta_set(q, "day", today)))
		return rc;
	if (closed)
		*closed = n;
	return HQ_OK;
}

int hq_queue_rollover(struct hq_queue *q, int *closed)
{
	char today[11];
	int rc;

	if (closed)
		*closed = 0;
	if (q->readonly)
		return hq__fail(q, HQ_EREADONLY, "the database is open for reading only");
	/* hq__begin rolls over by itself; do it here explicitly to learn the count. */
	q->day[0] = '\0';
	q->now = hq_queue_now(q);
	hq_local_day(q->now, today);
	rc = sqlite3_step(hq__stmt(q, SQL_BEGIN_WRITE));
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	rc = rollover_locked(q, today, closed);
	if (rc == HQ_OK)
		memcpy(q->day, today, sizeof q->day);
	return hq__end(q, rc);
}

/*
 * The first operation of a new day first closes the old one, in a transaction of its own:
 * if it shared the operation's transaction, an operation refused for its own reasons would
 * take the day's close down with it. In a batch it runs in the batch, outside the
 * operation's savepoint, and a batch that fails to commit makes the context look again.
 */
static int roll_if_new_day(struct hq_queue *q)
{
	char today[11], stored[11];
	int rc;

	hq_local_day(q->now, today);
	if (!q->cfg || strcmp(today, q->day) == 0)
		return HQ_OK;
	if (!q->batch) {
		rc = sqlite3_step(hq__stmt(q, SQL_BEGIN_WRITE));
		if (rc != SQLITE_DONE)
			return hq__dberr(q, rc);
	}
	rc = meta_get(q, "day", stored, sizeof stored);
	if (rc == HQ_OK && strcmp(stored, today) != 0)
		rc = rollover_locked(q, today, NULL);
	if (!q->batch) {
		if (rc == HQ_OK && sqlite3_step(hq__stmt(q, SQL_COMMIT)) != SQLITE_DONE)
			rc = hq__dberr(q, sqlite3_errcode(q->db));
		if (rc)
			step_reset(q, SQL_ROLLBACK);
		sqlite3_reset(q->st[SQL_COMMIT]);
	}
	if (rc == HQ_OK)
		memcpy(q->day, today, sizeof q->day);
	return rc;
}

int hq__begin(struct hq_queue *q, bool write)
{
	int rc;

	q->err[0] = '\0';
	q->now = hq_queue_now(q);
	if (q->readonly && write)
		return hq__fail(q, HQ_EREADONLY, "the database is open for reading only");
	if (!q->readonly && (rc = roll_if_new_day(q)))
		return rc;
	/* In a batch the transaction is open already: each operation gets a savepoint, so
	 * one that fails is undone alone. */
	rc = sqlite3_step(hq__stmt(q, q->batch ? SQL_SAVEPOINT : write ? SQL_BEGIN_WRITE : SQL_BEGIN_READ));
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	if ((rc = sync_config(q)))
		return hq__end(q, rc);
	if (!q->cfg && write)
		return hq__end(q, hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet: run hallq init"));
	/* Another process may have applied a config that made this a new day for us; a reader
	 * takes the day the writer rolled over to. */
	if (q->readonly && q->cfg && (rc = meta_get(q, "day", q->day, sizeof q->day)))
		return hq__end(q, rc);
	if (!q->day[0] && q->cfg && !q->readonly) {
		hq__end(q, HQ_OK);
		return hq__begin(q, write);
	}
	return HQ_OK;
}

static void step_reset(struct hq_queue *q, enum hq_sql which)
{
	sqlite3_step(hq__stmt(q, which));
	sqlite3_reset(q->st[which]);
}

int hq__end(struct hq_queue *q, int rc)
{
	int src;

	if (q->batch) {
		if (rc != HQ_OK)
			step_reset(q, SQL_ROLLBACK_TO);
		step_reset(q, SQL_RELEASE);
		return rc;
	}
	if (rc != HQ_OK) {
		step_reset(q, SQL_ROLLBACK);
		return rc;
	}
	src = sqlite3_step(hq__stmt(q, SQL_COMMIT));
	sqlite3_reset(q->st[SQL_COMMIT]);
	if (src != SQLITE_DONE) {
		rc = hq__dberr(q, src);
		step_reset(q, SQL_ROLLBACK);
	}
	return rc;
}

int hq_queue_batch_begin(struct hq_queue *q)
{
	int rc;

	if (q->batch)
		return hq__fail(q, HQ_EINVAL, "a batch is already open");
	if (q->readonly)
		return hq__fail(q, HQ_EREADONLY, "the database is open for reading only");
	rc = sqlite3_step(hq__stmt(q, SQL_BEGIN_WRITE));
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	q->batch = true;
	return HQ_OK;
}

int hq_queue_batch_end(struct hq_queue *q, bool commit)
{
	int rc = HQ_OK, src;

	if (!q->batch)
		return hq__fail(q, HQ_EINVAL, "no batch is open");
	q->batch = false;
	if (!commit) {
		step_reset(q, SQL_ROLLBACK);
		return HQ_OK;
	}
	src = sqlite3_step(hq__stmt(q, SQL_COMMIT));
	sqlite3_reset(q->st[SQL_COMMIT]);
	if (src != SQLITE_DONE) {
		rc = hq__dberr(q, src);
		step_reset(q, SQL_ROLLBACK);
		/* What the batch rolled over is gone: look again next time. */
		q->day[0] = '\0';
		q->cfg_version = 0;
	}
	return rc;
}

int hq_queue_idem_get(struct hq_queue *q, const char *key, char *route, size_t routelen, int *status,
		      char **body, char *location, size_t loclen)
{
	sqlite3_stmt *s;
	int rc = hq__begin(q, false), found = 0;

	*body = NULL;
	if (rc)
		return rc;
	s = hq__stmt(q, SQL_IDEM_GET);
	hq__bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(route, routelen, "%s", (const char *)sqlite3_column_text(s, 0));
		*status = sqlite3_column_int(s, 1);
		*body = strdup((const char *)sqlite3_column_text(s, 2));
		snprintf(location, loclen, "%s", (const char *)sqlite3_column_text(s, 3));
		found = 1;
		rc = *body ? HQ_OK : hq__fail(q, HQ_ENOMEM, "out of memory");
	} else {
		rc = rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
	}
	sqlite3_reset(s);
	rc = hq__end(q, rc);
	if (rc) {
		free(*body);
		*body = NULL;
		return rc;
	}
	return found;
}

int hq_queue_idem_put(struct hq_queue *q, const char *key, const char *route, int status, const char *body,
		      const char *location)
{
	sqlite3_stmt *s;
	int rc = hq__begin(q, true);

	if (rc)
		return rc;
	s = hq__stmt(q, SQL_IDEM_PUT);
	hq__bind_text(s, 1, key);
	hq__bind_text(s, 2, route);
	sqlite3_bind_int(s, 3, status);
	hq__bind_text(s, 4, body);
	hq__bind_text(s, 5, location);
	sqlite3_bind_int64(s, 6, q->now);
	return hq__end(q, hq__exec(q, s));
}

/* A reader takes the schema as it is: only a writer migrates. */
static int check_version(struct hq_queue *q)
{
	sqlite3_stmt *s;
	int version = -1, rc;

	rc = sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_OK || version < 0)
		return hq__dberr(q, rc);
	if (version == 0)
		return hq__fail(q, HQ_ECONFIG, "the database is empty: run hallq init");
	if (version != SCHEMA_VERSION)
		return hq__fail(q, HQ_ESCHEMA, "database schema version %d is not this hallq's %d; "
				"open it once for writing (hallqd) to upgrade it", version, SCHEMA_VERSION);
	return HQ_OK;
}

static int open_db(const char *path, bool readonly, struct hq_queue **out, char *err, size_t errlen)
{
	struct hq_queue *q;
	char stored[11];
	int rc, i;

	*out = NULL;
	q = calloc(1, sizeof *q);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return HQ_ENOMEM;
	}
	q->readonly = readonly;
	hq_queue_set_clock(q, NULL, NULL);
	rc = sqlite3_open_v2(path, &q->db, readonly ? SQLITE_OPEN_READONLY
						    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = hq__fail(q, HQ_EDB, "cannot open database %s: %s", path,
			      q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	/* WAL lets readers (displays, stats) run beside the writer; FULL sync makes each
	 * commit survive a power cut, which is what "your ticket was issued" promises. A
	 * reader changes neither, and query_only makes SQLite itself refuse any write. */
	rc = sqlite3_exec(q->db, readonly ? "PRAGMA query_only = 1"
					  : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
					    " PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = hq__fail(q, HQ_EDB, "cannot use database %s: %s", path, sqlite3_errmsg(q->db));
		goto fail;
	}
	if ((rc = readonly ? check_version(q) : migrate(q)))
		goto fail;
	for (i = 0; i < SQL_COUNT_; i++) {
		rc = sqlite3_prepare_v3(q->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL);
		if (rc != SQLITE_OK) {
			rc = hq__fail(q, HQ_EDB, "preparing statement %d: %s", i, sqlite3_errmsg(q->db));
			goto fail;
		}
	}
	/* A plain read, not hq__begin(): that would load the config and roll the day over by
	 * the real clock, before a caller that runs the hall on another clock (hallq with
	 * HALLQ_NOW, hallqd --clock, tests) could set it. */
	rc = sqlite3_step(hq__stmt(q, SQL_BEGIN_READ));
	if (rc != SQLITE_DONE) {
		rc = hq__dberr(q, rc);
		goto fail;
	}
	rc = meta_get(q, "day", stored, sizeof stored);
	if (rc == HQ_OK)
		rc = sync_config(q);
	if (rc == HQ_OK && readonly)
		memcpy(q->day, stored, sizeof q->day);
	step_reset(q, rc ? SQL_ROLLBACK : SQL_COMMIT);
	if (rc)
		goto fail;
	*out = q;
	return HQ_OK;
fail:
	snprintf(err, errlen, "%s", q->err);
	hq_queue_close(q);
	return rc;
}

int hq_queue_open(const char *path, struct hq_queue **out, char *err, size_t errlen)
{
	return open_db(path, false, out, err, errlen);
}

int hq_queue_open_readonly(const char *path, struct hq_queue **out, char *err, size_t errlen)
{
	return open_db(path, true, out, err, errlen);
}

void hq_queue_close(struct hq_queue *q)
{
	int i;

	if (!q)
		return;
	for (i = 0; i < SQL_COUNT_; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	hq_config_free(q->cfg);
	free(q);
}

int hq_queue_apply_config(struct hq_queue *q, const char *ini_text, const char *name)
{
	struct hq_config *cfg = NULL;
	char perr[512], version[32], buf[32];
	size_t i;
	int rc;

	q->err[0] = '\0';
	if (q->readonly)
		return hq__fail(q, HQ_EREADONLY, "the database is open for reading only");
	rc = hq_config_parse_string(ini_text, name ? name : "config", &cfg, perr, sizeof perr);
	if (rc)
		return hq__fail(q, rc, "%s", perr);
	/* Not hq__begin: that wants a configuration to exist already. */
	rc = sqlite3_step(hq__stmt(q, SQL_BEGIN_WRITE));
	if (rc != SQLITE_DONE) {
		hq_config_free(cfg);
		return hq__dberr(q, rc);
	}
	q->now = hq_queue_now(q);
	if ((rc = meta_get(q, "config_version", buf, sizeof buf)))
		goto done;
	snprintf(version, sizeof version, "%lld", strtoll(buf, NULL, 10) + 1);
	if ((rc = meta_set(q, "config", ini_text)) || (rc = meta_set(q, "config_name", name ? name : "")) ||
	    (rc = meta_set(q, "config_version", version)))
		goto done;
	for (i = 0; i < cfg->ncounters && rc == HQ_OK; i++) {
		sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_ADD);

		sqlite3_bind_int(s, 1, cfg->counters[i].number);
		rc = hq__exec(q, s);
	}
	if (rc == HQ_OK)
		rc = hq__event(q, "config_applied", NULL, 0, 0, cfg->name);
	if (rc == HQ_OK && !q->day[0]) {
		char today[11];

		hq_local_day(q->now, today);
		rc = rollover_locked(q, today, NULL);
		if (rc == HQ_OK)
			memcpy(q->day, today, sizeof q->day);
	}
done:
	rc = hq__end(q, rc);
	if (rc) {
		hq_config_free(cfg);
		return rc;
	}
	hq_config_free(q->cfg);
	q->cfg = cfg;
	q->cfg_version = strtoll(version, NULL, 10);
	return HQ_OK;
}
