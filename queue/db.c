/*
 * The database side of the queue, the bottom layer: opening and migrating the file, the
 * prepared statements, transactions and batches, the meta table, and keeping each context's
 * configuration in step with the others on the same file. It runs no rule: the close of a
 * day, which the first operation of a new day runs first, is day.c's, and so is hq__begin,
 * which then opens the operation's transaction with hq__tx_begin here (internal.h says why).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hq_backup.h"
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
	HQ_SCHEMA_V4,
	HQ_SCHEMA_V5,
	HQ_SCHEMA_V6,
	HQ_SCHEMA_V7,
	HQ_SCHEMA_V8,
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int hq_schema_version(void)
{
	return SCHEMA_VERSION;
}

int hq__fail(struct hq_queue *q, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof q->err, fmt, ap);
	va_end(ap);
	return code;
}

/* Characters of a UTF-8 string (RFC 3629: no overlong form, no surrogate, nothing above
 * U+10FFFF), -1 when it is not UTF-8; a control character counts as not text either (-2),
 * but for a tab or a line break when `lines`, since text goes into tables, CSV and logs. */
static long text_chars(const char *str, bool lines)
{
	const unsigned char *s = (const unsigned char *)str;
	long n = 0;

	while (*s) {
		unsigned c = *s, cp;
		int len, i;

		if (c < 0x80) {
			if ((c < 0x20 && !(lines && (c == '\n' || c == '\t'))) || c == 0x7f)
				return -2;
			s++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return -1;
		/* A string cut short ends in NUL, which is no continuation byte. */
		for (i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return -1;
		s += len;
		n++;
	}
	return n;
}

int hq__check_text(struct hq_queue *q, const char *what, const char *text, long max_chars,
		   bool lines)
{
	long n;

	if (!text)
		return HQ_OK;
	n = text_chars(text, lines);
	if (n == -1)
		return hq__fail(q, HQ_EINVAL, "%s is not valid UTF-8 text", what);
	if (n == -2)
		return hq__fail(q, HQ_EINVAL, "%s holds a control character (%s)", what,
				lines ? "only tabs and line breaks may be in it" : "it is one line of text");
	if (n > max_chars)
		return hq__fail(q, HQ_EINVAL, "%s has %ld characters; at most %ld are kept", what, n,
				max_chars);
	return HQ_OK;
}

int hq__check_who(struct hq_queue *q, const char *what, const char *who)
{
	if (!who || !*who || strlen(who) >= HQ_CLERK_MAX || text_chars(who, false) < 0)
		return hq__fail(q, HQ_EINVAL, "%s must be a name of 1 to %d bytes of UTF-8 text on "
				"one line", what, HQ_CLERK_MAX - 1);
	return HQ_OK;
}

int hq__dberr(struct hq_queue *q, int rc)
{
	int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? HQ_EBUSY : HQ_EDB;

	return hq__fail(q, code, "database: %s", sqlite3_errmsg(q->db));
}

sqlite3_stmt *hq__stmt(struct hq_queue *q, enum hq_sql which)
{
	sqlite3_stmt *s = q->st[which];

	/* The estimate keeps the counters' rows and the waiting counts until this connection
	 * may have changed them (or undone a change): statements are fetched to be run. */
	switch (which) {
	case SQL_COUNTER_ADD: case SQL_COUNTER_SET_STATE: case SQL_COUNTER_SET_CLERK:
	case SQL_COUNTER_SET_CURRENT: case SQL_COUNTER_SET_RUN: case SQL_COUNTER_CLEAR_ENDED:
	case SQL_COUNTER_FORGET_TURNS:
		q->counters_written++;
		break;
	case SQL_TICKET_INSERT: case SQL_TICKET_CALL: case SQL_TICKET_SET_STATE: case SQL_TICKET_END:
	case SQL_TICKET_REQUEUE:
		q->tickets_written++;
		break;
	case SQL_ROLLBACK: case SQL_ROLLBACK_TO:
		q->counters_written++;
		q->tickets_written++;
		break;
	default:
		break;
	}

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

void hq__copy_col(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(dst, len, "%s", v ? (const char *)v : "");
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

void hq_queue_set_session_clock(struct hq_queue *q, hq_clock_fn fn, void *ud)
{
	q->wall = fn ? fn : hq_real_now;
	q->wall_ud = fn ? ud : NULL;
}

int64_t hq__wall_now(struct hq_queue *q)
{
	return q->wall(q->wall_ud);
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

int hq__meta_get(struct hq_queue *q, const char *key, char *buf, size_t len)
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

int hq__meta_set(struct hq_queue *q, const char *key, const char *value)
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

	if ((rc = hq__meta_get(q, "config_version", buf, sizeof buf)))
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

int hq__tx_begin(struct hq_queue *q, bool write)
{
	int rc;

	/* In a batch the transaction is open already: each operation gets a savepoint, so
	 * one that fails is undone alone. */
	rc = sqlite3_step(hq__stmt(q, q->batch ? SQL_SAVEPOINT : write ? SQL_BEGIN_WRITE : SQL_BEGIN_READ));
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	if ((rc = sync_config(q)))
		return hq__end(q, rc);
	if (!q->cfg && write)
		return hq__end(q, hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet: run hallq init"));
	/* A reader never rolls over: it takes the day the writer rolled over to. */
	if (q->readonly && q->cfg && (rc = hq__meta_get(q, "day", q->day, sizeof q->day)))
		return hq__end(q, rc);
	return HQ_OK;
}

void hq__step_reset(struct hq_queue *q, enum hq_sql which)
{
	sqlite3_step(hq__stmt(q, which));
	sqlite3_reset(q->st[which]);
}

int hq__end(struct hq_queue *q, int rc)
{
	int src;

	if (q->batch) {
		if (rc != HQ_OK)
			hq__step_reset(q, SQL_ROLLBACK_TO);
		hq__step_reset(q, SQL_RELEASE);
		return rc;
	}
	if (rc != HQ_OK) {
		hq__step_reset(q, SQL_ROLLBACK);
		return rc;
	}
	src = sqlite3_step(hq__stmt(q, SQL_COMMIT));
	sqlite3_reset(q->st[SQL_COMMIT]);
	if (src != SQLITE_DONE) {
		rc = hq__dberr(q, src);
		hq__step_reset(q, SQL_ROLLBACK);
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
		hq__step_reset(q, SQL_ROLLBACK);
		q->epoch++;
		return HQ_OK;
	}
	src = sqlite3_step(hq__stmt(q, SQL_COMMIT));
	sqlite3_reset(q->st[SQL_COMMIT]);
	if (src != SQLITE_DONE) {
		rc = hq__dberr(q, src);
		hq__step_reset(q, SQL_ROLLBACK);
		/* What the batch rolled over is gone: look again next time. */
		q->day[0] = '\0';
		q->cfg_version = 0;
		q->epoch++;
	}
	return rc;
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
	hq_queue_set_session_clock(q, NULL, NULL);
	/* One thread at a time uses a context (hq_queue.h), so SQLite's own locking of each
	 * call is not needed: an estimate makes thousands of them. */
	rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_NOMUTEX | (readonly ? SQLITE_OPEN_READONLY
						    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE), NULL);
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
	rc = hq__meta_get(q, "day", stored, sizeof stored);
	if (rc == HQ_OK)
		rc = sync_config(q);
	if (rc == HQ_OK && readonly)
		memcpy(q->day, stored, sizeof q->day);
	hq__step_reset(q, rc ? SQL_ROLLBACK : SQL_COMMIT);
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
	free(q->alerts);
	free(q->history);
	free(q->history_turns);
	free(q->est_counters);
	free(q);
}
