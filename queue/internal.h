/*
 * What the queue's source files share and nobody else sees: the context struct, the
 * prepared statements, the transaction helpers and the ticket-level helpers the rules
 * build on. Names here are hq__ (internal).
 *
 * The files are layers, each calling only into those below it, so that no file needs
 * another that needs it back, directly or round a circle:
 *
 *   queue.c  review.c  stats.c          the rules; the 好差评 reviews and their cases; the live
 *   idem.c  setup.c  alert.c            state and figures; idempotency records; applying a
 *   clerk.c  appraisal.c                configuration; electronic supervision; the roster and
 *   session.c                           sign-in; the monthly appraisal; the web pages' sessions
 *   estimate.c                          the estimated wait and a ticket's position
 *   day.c                               a day's close and roll-over; hq__begin
 *   roster.c                            the roster's look-up; signing clerks in and out
 *   ticket.c                            load, place in the queue, end a ticket; the event feed
 *   db.c                                open, migrate, statements, transactions, meta, config
 *
 * The one knot is the start of an operation: the first operation of a new day closes the
 * old day first, closing a day ends tickets (ticket.c), and ending a ticket takes
 * statements (db.c). So the begin every operation calls, hq__begin, is day.c's: it rolls
 * the day over and then opens the transaction with db.c's hq__tx_begin. A function pointer
 * in struct hq_queue would let db.c call up instead, but whatever set it at open would
 * still name day.c's function; a plain call down reads better, and db.c stays a database
 * layer that never runs a rule.
 */
#ifndef HQ_INTERNAL_H
#define HQ_INTERNAL_H

#include <string.h>

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
	/* The real clock of the sessions (session.c), which a simulated hall clock must not
	 * make expire early or never; a seam of its own for the tests. */
	hq_clock_fn wall;
	void *wall_ud;
	int64_t now;               /* clock read once per operation, so one op has one time */
	bool batch;                /* inside hq_queue_batch_begin/end */
	bool readonly;             /* hq_queue_open_readonly: never writes, never rolls over */
	/* What alert.c remembers of the hall between two evaluations of the rules: one block
	 * without pointers inside, made at the first evaluation, freed with free() at close. */
	struct hq__alerts *alerts;
	struct hq__history *history;  /* history.c's days before today, or NULL */
	void *history_turns;          /* and their turns, or NULL */
	unsigned epoch;            /* bumped when a batch is rolled back or fails to commit */
	unsigned turns_written[HQ_MAX_SERVICES]; /* bumped when this connection writes a
						     turn of the service (history.c) */
	unsigned counters_written; /* bumped when this connection may change a counter's row */
	unsigned tickets_written;  /* ... or a waiting ticket, but by issuing one */
	struct hq__est_counters *est_counters; /* estimate.c's copy of them, or NULL */
	/* clerk.c: the clerks who gave a wrong PIN lately, so that HQ_PIN_TRIES in a row lock
	 * their sign-in with a PIN for a while. In memory: a program that signs clerks in for
	 * others (hallqd) is where PINs are tried; one with the database in hand has the
	 * hashes already. */
	struct hq__pin_tries {
		char clerk[HQ_CLERK_MAX];
		int wrong;                 /* in a row */
		int64_t last, until;       /* the last wrong one; locked until (hall time) */
	} pin_tries[16];
	char err[512];
};

/* db.c ------------------------------------------------------------------------------ */

/* Record the detail of an error and return its code. */
int hq__fail(struct hq_queue *q, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Text a person gave (a review's comment, a case's or an alert's note): NULL for none, else
 * UTF-8 as RFC 3629 has it, of at most max_chars characters (not bytes), without control
 * characters but, when `lines`, tabs and line breaks; HQ_EINVAL naming `what` otherwise. */
int hq__check_text(struct hq_queue *q, const char *what, const char *text, long max_chars,
		   bool lines);
/* Who took a step or acknowledged (what: "who took the step"): 1 to HQ_CLERK_MAX - 1 bytes
 * of such text on one line; HQ_EINVAL otherwise. */
int hq__check_who(struct hq_queue *q, const char *what, const char *who);
/* Map a sqlite result to an hq_err, keeping sqlite's message. */
int hq__dberr(struct hq_queue *q, int rc);

/* A statement, reset and with its bindings cleared, ready to bind. */
sqlite3_stmt *hq__stmt(struct hq_queue *q, enum hq_sql which);
/* Step a statement that returns no row; HQ_OK or an error. */
int hq__exec(struct hq_queue *q, sqlite3_stmt *s);
/* Step a statement and reset it, its result unread: for ROLLBACK and the like. */
void hq__step_reset(struct hq_queue *q, enum hq_sql which);
/* Bind a C string, or NULL as ''. */
void hq__bind_text(sqlite3_stmt *s, int i, const char *v);
/* Copy a text column into dst; NULL reads as "". */
void hq__copy_col(char *dst, size_t len, sqlite3_stmt *s, int col);

/* The sessions' clock now (hq_queue_set_session_clock): real unix ms. */
int64_t hq__wall_now(struct hq_queue *q);

/* Read a meta value into buf ("" when absent); set one. Inside a transaction. */
int hq__meta_get(struct hq_queue *q, const char *key, char *buf, size_t len);
int hq__meta_set(struct hq_queue *q, const char *key, const char *value);

/* Open an operation's transaction (a savepoint in a batch) and bring the configuration up
 * to date; a reader also takes the day its writer rolled over to. No roll-over: callers
 * use hq__begin. */
int hq__tx_begin(struct hq_queue *q, bool write);
/* End an operation's transaction with commit on rc == 0 and rollback otherwise, returning
 * rc (or the commit's error). */
int hq__end(struct hq_queue *q, int rc);

/* ticket.c -------------------------------------------------------------------------- */

/* A ticket by id; HQ_ENOTICKET when there is none. */
int hq__load_ticket(struct hq_queue *q, int64_t id, struct hq_ticket *t);
/* The place in the queue of a ticket (its first ancestor's id). */
int64_t hq__ticket_origin(struct hq_queue *q, int64_t id);
/* Append to the event feed; t and detail may be NULL. */
int hq__event(struct hq_queue *q, const char *type, const struct hq_ticket *t, int counter,
	      int value, const char *detail);
/* An event for a ticket as it is after the change, so the feed carries its new state. */
int hq__ticket_event(struct hq_queue *q, const char *type, int64_t id, int counter, int value,
		     const char *detail);
/* Put a ticket in a final state (ended now, with a reason) and append the event. */
int hq__end_ticket(struct hq_queue *q, int64_t id, enum hq_tstate state, const char *reason,
		   const char *event, int counter);

/*
 * Is a bad-review case in `state` overdue on the local day `today`: past the due date of the
 * step it waits for, rectify_due before it is rectified, revisit_due ("" until then) before
 * it is revisited? Dates "YYYY-MM-DD" compare as text. The workflow's reading (review.c),
 * which the rule case_overdue (alert.c) holds exactly.
 */
static inline bool hq__case_overdue(int state, const char *rectify_due, const char *revisit_due,
				    const char *today)
{
	if (state < HQ_CASE_RECTIFIED)
		return rectify_due[0] && strcmp(today, rectify_due) > 0;
	if (state == HQ_CASE_RECTIFIED)
		return revisit_due[0] && strcmp(today, revisit_due) > 0;
	return false;
}

/* roster.c -------------------------------------------------------------------------- */

/* The value of a signed_out event: why the clerk left (docs/queue.md, Events). */
enum hq__signout {
	HQ__OUT_CLERK,              /* signed out */
	HQ__OUT_CLOSED,             /* the counter closed */
	HQ__OUT_DAY,                /* the day closed */
	HQ__OUT_REPLACED,           /* another clerk signed in at the counter */
};
/* The value of a signed_in event: 1 when a roster hall's clerk was signed in without the
 * PIN (a manager's hallq signin --force), else 0. */
#define HQ__IN_FORCED 1

/* The roster's clerk `id`: the config's [clerk ID], else the database's active clerk.
 * Returns 1 (found; name and hash, each may be NULL, filled), 0 (not on it) or an error. */
int hq__roster_find(struct hq_queue *q, const char *id, char *name, size_t namelen,
		    char *hash, size_t hashlen);
/* Inside a write transaction: sign clerk in at counter now, after signing out another
 * clerk signed in there; `how` is the signed_in event's value. */
int hq__sign_in(struct hq_queue *q, int counter, const char *clerk, int how);
/* Sign the counter's clerk out now, `why` in the event. A counter nobody was signed in at
 * still gets its event when `always` (an explicit sign-out), else nothing. */
int hq__sign_out(struct hq_queue *q, int counter, enum hq__signout why, bool always);
/* The day closes: every clerk still signed in is signed out, now or (`idle`, a day that
 * ended without a close) as of the counter's last sign of work. */
int hq__sign_out_all(struct hq_queue *q, bool idle);

/* day.c ----------------------------------------------------------------------------- */

/* Begin an operation: read the clock, close the old day first if this is the first
 * operation of a new one, then hq__tx_begin. End it with hq__end. */
int hq__begin(struct hq_queue *q, bool write);
/* Inside a write transaction: close what the days before `today` left open and make
 * `today` the hall's day; *closed (may be NULL) gets how many tickets were closed. */
int hq__rollover_locked(struct hq_queue *q, const char *today, int *closed);

/* history.c ------------------------------------------------------------------------- */

/* The forecast reaches this far ahead, in segments of 15 minutes. */
#define HQ_ARRIVAL_SEG_MS (15 * 60000LL)
#define HQ_ARRIVAL_SEGS 24
/* Citizens expected to join each service's queue, per second, in each segment from now on
 * (rate[i][k] for the config's services[i], segment k), and the share of them of the
 * priority class. The days before today are kept in q->history, read again on a new day. */
int hq__arrival_rates(struct hq_queue *q, double rate[][HQ_ARRIVAL_SEGS], double *prio_share);
/* Turns of service svc (seconds) at this time of day: today's last minutes and the same
 * minutes of the days before; when fewer than `want`, the last `want` of the past week. At
 * most HQ_TURNS_MAX into out. Returns how many, or < 0. */
#define HQ_TURNS_MAX 200
int hq__turns_now(struct hq_queue *q, int svc, float *out, int want);

/* estimate.c ------------------------------------------------------------------------ */

/* The people ahead of a ticket of service s and class prio taken now, its wait, and the
 * wait's 80% range (range may be NULL). */
int hq__estimate(struct hq_queue *q, const struct hq_service *s, int prio, int *ahead, int *wait_s,
		 int *range);
/* A ticket of service s and class prio was issued: the estimate's count of the waiting
 * takes it in, if nothing else changed them since q->tickets_written was `before`. */
void hq__estimate_issued(struct hq_queue *q, const struct hq_service *s, int prio, unsigned before);
/* The estimated waits of each of the hall's services, into ss[i] for the config's
 * services[i]: the counters, turns and arrivals are read once for all. */
int hq__estimate_services(struct hq_queue *q, struct hq_service_state *ss);
/* A ticket's turn at its counter counts at most this much of the time between its end and
 * the counter's next call, and of a pause with the citizen at the window: a short break is
 * part of a counter's pace, lunch is not. */
#define HQ_TURN_GAP_MAX_MS (30 * 60000LL)

#endif
