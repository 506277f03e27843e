/*
 * What the queue's source files share and nobody else sees: the context struct, the
 * prepared statements and the transaction helpers. Names here are hq__ (internal).
 */
#ifndef HQ_INTERNAL_H
#define HQ_INTERNAL_H

#include <sqlite3.h>

#include "hq_queue.h"
#include "sql.h"

struct hq_queue {
	sqlite3 *db;
	sqlite3_stmt *st[SQL_COUNT_];
	struct hq_config *cfg;     /* parsed from the text stored in meta */
	long long cfg_version;     /* meta config_version this cfg was parsed from */
	char day[11];              /* local day the database was last rolled over to */
	hq_clock_fn clock;
	void *clock_ud;
	int64_t now;               /* clock read once per operation, so one op has one time */
	bool batch;                /* inside hq_queue_batch_begin/end */
	bool readonly;             /* hq_queue_open_readonly: never writes, never rolls over */
	char err[512];
};

/* Record the detail of an error and return its code. */
int hq__fail(struct hq_queue *q, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Map a sqlite result to an hq_err, keeping sqlite's message. */
int hq__dberr(struct hq_queue *q, int rc);

/* A statement, reset and with its bindings cleared, ready to bind. */
sqlite3_stmt *hq__stmt(struct hq_queue *q, enum hq_sql which);
/* Step a statement that returns no row; HQ_OK or an error. */
int hq__exec(struct hq_queue *q, sqlite3_stmt *s);
/* Bind a C string, or NULL as ''. */
void hq__bind_text(sqlite3_stmt *s, int i, const char *v);

/* Begin a transaction and bring the context up to date (config, day roll-over); end it
 * with commit on rc == 0 and rollback otherwise, returning rc (or the commit's error). */
int hq__begin(struct hq_queue *q, bool write);
int hq__end(struct hq_queue *q, int rc);

/* Append to the event feed; t and detail may be NULL. */
int hq__event(struct hq_queue *q, const char *type, const struct hq_ticket *t, int counter,
	      int value, const char *detail);
/* Close open tickets of `day` and earlier as cancelled; *closed gets how many. */
int hq__close_open(struct hq_queue *q, const char *day, const char *reason, int *closed);

/* Put a ticket in a final state (ended now, with a reason) and append the event. */
int hq__end_ticket(struct hq_queue *q, int64_t id, enum hq_tstate state, const char *reason,
		   const char *event, int counter);
/* The place in the queue of a ticket (its first ancestor's id). */
int64_t hq__ticket_origin(struct hq_queue *q, int64_t id);
/* A ticket by id; HQ_ENOTICKET when there is none. */
int hq__load_ticket(struct hq_queue *q, int64_t id, struct hq_ticket *t);

/* stats.c: the estimate, used when issuing. */
int hq__estimate(struct hq_queue *q, const struct hq_service *s, int prio, int *ahead, int *wait_s);
/* A ticket's turn at its counter counts at most this much of the time between its end and
 * the counter's next call, and of a pause with the citizen at the window: a short break is
 * part of a counter's pace, lunch is not. */
#define HQ_TURN_GAP_MAX_MS (30 * 60000LL)

#endif
