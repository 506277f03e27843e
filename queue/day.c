/*
 * The hall's day: the close of a day (its open tickets cancelled, its clerks signed out, its
 * counters' last tickets and turns forgotten) and the roll-over to the next, which the first
 * operation of a new day runs before its own. hq__begin, the start of every operation, lives
 * here and not in db.c for that reason: see internal.h.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Close open tickets of `day` and earlier as cancelled (*closed gets how many) and sign the
 * clerks out: now, or for a day that ended without a close (`idle`, the roll-over), as of
 * each counter's last sign of work, so that a clerk who forgot to sign out is not counted
 * as at work all night. */
static int close_open(struct hq_queue *q, const char *day, const char *reason, bool idle, int *closed)
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
		rc = hq__sign_out_all(q, idle);
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

int hq__rollover_locked(struct hq_queue *q, const char *today, int *closed)
{
	sqlite3_stmt *s;
	char last[11];
	int rc, n = 0;

	/* `last` is the day the hall was last rolled to: it and the days before are over. */
	if ((rc = hq__meta_get(q, "day", last, sizeof last)))
		return rc;
	if (last[0] && strcmp(last, today) < 0 && (rc = close_open(q, last, "day closed", true, &n)))
		return rc;
	s = hq__stmt(q, SQL_IDEM_PURGE);
	sqlite3_bind_int64(s, 1, q->now - 86400000LL);
	if ((rc = hq__exec(q, s)))
		return rc;
	/* Sessions ended a month ago are history nobody asks for (hq_session.h). */
	s = hq__stmt(q, SQL_SESSION_PURGE);
	sqlite3_bind_int64(s, 1, hq__wall_now(q) - HQ_SESSION_KEEP_MS);
	if ((rc = hq__exec(q, s)))
		return rc;
	if ((rc = hq__meta_set(q, "day", today)))
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
	rc = hq__rollover_locked(q, today, closed);
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
	rc = hq__meta_get(q, "day", stored, sizeof stored);
	if (rc == HQ_OK && strcmp(stored, today) != 0)
		rc = hq__rollover_locked(q, today, NULL);
	if (!q->batch) {
		if (rc == HQ_OK && sqlite3_step(hq__stmt(q, SQL_COMMIT)) != SQLITE_DONE)
			rc = hq__dberr(q, sqlite3_errcode(q->db));
		if (rc)
			hq__step_reset(q, SQL_ROLLBACK);
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
	if ((rc = hq__tx_begin(q, write)))
		return rc;
	/* Another process may have applied a config that made this a new day for us: the
	 * context had none when roll_if_new_day looked, and sync_config just read it. */
	if (!q->day[0] && q->cfg && !q->readonly) {
		hq__end(q, HQ_OK);
		return hq__begin(q, write);
	}
	return HQ_OK;
}

int hq_queue_close_day(struct hq_queue *q, const char *reason, int *closed)
{
	int rc = hq__begin(q, true);

	if (rc == HQ_OK)
		rc = close_open(q, q->day, reason && *reason ? reason : "hall closed", false, closed);
	return hq__end(q, rc);
}
