/*
 * A ticket as the rules handle it: read from its row, its place in the queue, put in a final
 * state; and the event feed that records each change. The rules (queue.c), the day's close
 * (day.c) and the estimate (estimate.c) build on these, which need only the statements.
 */
#include <string.h>

#include "internal.h"

static void row_to_ticket(sqlite3_stmt *s, struct hq_ticket *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(s, 0);
	t->parent_id = sqlite3_column_int64(s, 1);
	hq__copy_col(t->day, sizeof t->day, s, 2);
	hq__copy_col(t->label, sizeof t->label, s, 3);
	hq__copy_col(t->service, sizeof t->service, s, 4);
	t->number = sqlite3_column_int(s, 5);
	t->cls = sqlite3_column_int(s, 6);
	t->state = sqlite3_column_int(s, 7);
	t->counter = sqlite3_column_int(s, 8);
	t->target_counter = sqlite3_column_int(s, 9);
	hq__copy_col(t->clerk, sizeof t->clerk, s, 10);
	t->recalls = sqlite3_column_int(s, 11);
	t->people_ahead = sqlite3_column_int(s, 12);
	t->est_wait_s = sqlite3_column_int(s, 13);
	t->rating = sqlite3_column_int(s, 14);
	t->issued_at = sqlite3_column_int64(s, 15);
	t->queued_at = sqlite3_column_int64(s, 16);
	t->called_at = sqlite3_column_int64(s, 17);
	t->started_at = sqlite3_column_int64(s, 18);
	t->ended_at = sqlite3_column_int64(s, 19);
	hq__copy_col(t->end_reason, sizeof t->end_reason, s, 20);
	hq__copy_col(t->secret, sizeof t->secret, s, 21);
	t->est_range_s[0] = sqlite3_column_int(s, 22);
	t->est_range_s[1] = sqlite3_column_int(s, 23);
}

int hq__load_ticket(struct hq_queue *q, int64_t id, struct hq_ticket *t)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_GET);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_to_ticket(s, t);
		sqlite3_reset(s);
		return HQ_OK;
	}
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	return hq__fail(q, HQ_ENOTICKET, "no ticket with id %lld", (long long)id);
}

int64_t hq__ticket_origin(struct hq_queue *q, int64_t id)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_ORIGIN);
	int64_t origin = id;

	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		origin = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return origin;
}

int hq__event(struct hq_queue *q, const char *type, const struct hq_ticket *t, int counter,
	      int value, const char *detail)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_EVENT_ADD);

	sqlite3_bind_int64(s, 1, q->now);
	hq__bind_text(s, 2, type);
	sqlite3_bind_int64(s, 3, t ? t->id : 0);
	hq__bind_text(s, 4, t ? t->label : "");
	hq__bind_text(s, 5, t ? t->service : "");
	sqlite3_bind_int(s, 6, counter);
	sqlite3_bind_int(s, 7, value);
	hq__bind_text(s, 8, detail);
	return hq__exec(q, s);
}

int hq__ticket_event(struct hq_queue *q, const char *type, int64_t id, int counter, int value,
		     const char *detail)
{
	struct hq_ticket t;
	int rc = hq__load_ticket(q, id, &t);

	return rc ? rc : hq__event(q, type, &t, counter, value, detail);
}

int hq__end_ticket(struct hq_queue *q, int64_t id, enum hq_tstate state, const char *reason,
		   const char *event, int counter)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_END);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, state);
	sqlite3_bind_int64(s, 3, q->now);
	hq__bind_text(s, 4, reason);
	if ((rc = hq__exec(q, s)))
		return rc;
	return hq__ticket_event(q, event, id, counter, 0, reason);
}

int64_t hq_queue_last_event_id(struct hq_queue *q)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_EVENT_LAST);
	int64_t id = -1;

	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}
