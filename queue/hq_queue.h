/*
 * The hall queue: tickets, counters, appointments and the event feed, kept in one SQLite
 * database. This is the only module that holds SQL and the single source of truth of a
 * hall; in a running hall only hallqd opens it for writing.
 *
 * Every operation is one transaction (BEGIN IMMEDIATE when it reads before it writes),
 * appends its changes to the events table, and returns 0 or a negative hq_err. On error,
 * hq_queue_errmsg() says what was wrong in a sentence; nothing is printed.
 *
 * Durability: WAL with synchronous=FULL, so an operation that returned 0 survives a crash
 * of the process and a power cut (the WAL is fsynced at each commit).
 *
 * Ownership: hq_queue_open() allocates the context, hq_queue_close() frees it (NULL is
 * fine). Output structs are filled by the caller's storage; the few functions returning
 * arrays say how to free them. A context is used by one thread at a time.
 */
#ifndef HQ_QUEUE_H
#define HQ_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_clock.h"
#include "hq_config.h"
#include "hq_error.h"
#include "hq_hall.h"
#include "hq_time.h"

struct hq_queue;

struct hq_appointment {
	int64_t id;
	char code[HQ_CODE_LEN + 1];
	char service[HQ_KEY_MAX];
	int64_t slot_at;            /* unix ms, start of the slot */
	char name[HQ_NAME_MAX];
	char phone[32];
	int64_t ticket_id;          /* after check-in */
};

/*
 * Open (creating and migrating as needed) the database at path. A database that has no
 * configuration yet can only take hq_queue_apply_config(). On failure *out is NULL and
 * err holds the reason.
 */
int hq_queue_open(const char *path, struct hq_queue **out, char *err, size_t errlen);
/*
 * Open an existing database for reading only (SQLite mode=ro, query_only): nothing is ever
 * written to it, not even the close of a day that this context's clock has passed, since
 * only the hall's writer (hallqd, or a write command of hallq) may close a day. Reads see
 * the hall as its writer left it, on the day it was last rolled over to. Every operation
 * that would write fails with HQ_EREADONLY. A database made by another version of hallq,
 * older or newer, is HQ_ESCHEMA: the writer upgrades it on its next open.
 */
int hq_queue_open_readonly(const char *path, struct hq_queue **out, char *err, size_t errlen);
void hq_queue_close(struct hq_queue *q);
void hq_queue_set_clock(struct hq_queue *q, hq_clock_fn fn, void *ud);
int64_t hq_queue_now(struct hq_queue *q);
/*
 * Durable (the default) commits fsync the WAL: synchronous=FULL. Turning it off keeps the
 * database consistent after a crash of the process but may lose the last commits on a
 * power cut; it is for bulk set-up in benchmarks and tests, never for a running hall.
 */
int hq_queue_set_durable(struct hq_queue *q, bool durable);
/* Detail of the last error, a full sentence; "" after success. Valid until the next call. */
const char *hq_queue_errmsg(const struct hq_queue *q);

/*
 * Check a configuration and make it the hall's: stored in the database so every program
 * opening it sees the same hall, counters added as needed. A bad text changes nothing.
 */
int hq_queue_apply_config(struct hq_queue *q, const char *ini_text, const char *name);
/* The hall's configuration, owned by q; NULL before one was applied. */
const struct hq_config *hq_queue_config(const struct hq_queue *q);

/* Tickets. `out` may be NULL where the caller does not need the ticket back. */
int hq_queue_issue(struct hq_queue *q, const char *service, enum hq_class cls, struct hq_ticket *out);
int hq_queue_call_next(struct hq_queue *q, int counter, struct hq_ticket *out);
int hq_queue_call_ticket(struct hq_queue *q, int counter, int64_t ticket_id, struct hq_ticket *out);
int hq_queue_recall(struct hq_queue *q, int counter, struct hq_ticket *out);
int hq_queue_noshow(struct hq_queue *q, int counter, struct hq_ticket *out);
int hq_queue_start(struct hq_queue *q, int counter, struct hq_ticket *out);
int hq_queue_finish(struct hq_queue *q, int counter, struct hq_ticket *out);
/* Transfers end the counter's ticket as TRANSFERRED and return the new ticket that waits
 * in the target queue with the same label and the original ticket's place. */
int hq_queue_transfer_service(struct hq_queue *q, int counter, const char *service, struct hq_ticket *out);
int hq_queue_transfer_counter(struct hq_queue *q, int counter, int to_counter, struct hq_ticket *out);
int hq_queue_park(struct hq_queue *q, int counter, struct hq_ticket *out);
/* Back to waiting, in its original place, for the counter that parked it. */
int hq_queue_unpark(struct hq_queue *q, int64_t ticket_id, struct hq_ticket *out);
int hq_queue_cancel(struct hq_queue *q, int64_t ticket_id, const char *reason, struct hq_ticket *out);
/*
 * A rating is a review (hq_review.h) at `level` 1..5 from the API channel, without a
 * comment and, at 1 or 2, with the reason 其他 (other); out gets the ticket. rate_last
 * reviews the ticket the counter finished last, as hq_queue_review_last does.
 */
int hq_queue_rate(struct hq_queue *q, int64_t ticket_id, int level, struct hq_ticket *out);
int hq_queue_rate_last(struct hq_queue *q, int counter, int level, struct hq_ticket *out);

int hq_queue_ticket(struct hq_queue *q, int64_t id, struct hq_ticket *out);
/* "B012" (today's, the newest of that label; typed as "b12" it is found too: upper case,
 * the number padded as its service pads it) or a numeric id. */
int hq_queue_find(struct hq_queue *q, const char *ref, int64_t *id);
/*
 * A number typed on a counter's keypad without its letter ("12" for B012): today's waiting
 * or parked ticket with that number that this counter may call. Tickets sent to this
 * counter (transfer to a counter, unpark) or parked at it come first, then the counter's
 * services in its order of preference; the newest where several match. A ticket waiting
 * for another named counter is not found. HQ_ENOTICKET when none, HQ_ENOCOUNTER for an
 * unknown counter. It only finds: hq_queue_call_ticket() calls.
 */
int hq_queue_find_number(struct hq_queue *q, int counter, int number, int64_t *id);
/* The ticket a citizen's status page follows: this one or where it was transferred. */
int hq_queue_ticket_latest(struct hq_queue *q, int64_t id, struct hq_ticket *out);

/* Counters. */
int hq_queue_pause(struct hq_queue *q, int counter, const char *reason);
int hq_queue_resume(struct hq_queue *q, int counter);
int hq_queue_open_counter(struct hq_queue *q, int counter);
/* Closing a counter signs its clerk out. */
int hq_queue_close_counter(struct hq_queue *q, int counter);
/*
 * Clerks. A hall with sign_in = roster (the default) signs in only the clerks of its roster,
 * with their PIN: hq_queue_sign_in_pin() (hq_appraisal.h). hq_queue_sign_in() takes no PIN:
 * any clerk id (1 to 63 bytes) in a hall with sign_in = open; in a roster hall a clerk of
 * the roster, signed in by a manager without the PIN (hallq signin --force), which the
 * signed_in event's value 1 records. HQ_ESIGNIN for an id not on the roster.
 */
int hq_queue_sign_in(struct hq_queue *q, int counter, const char *clerk);
int hq_queue_sign_out(struct hq_queue *q, int counter);

/* Appointments: book a slot (local time, aligned to slot_minutes), check in by code. */
int hq_queue_book(struct hq_queue *q, const char *service, int64_t slot_at, const char *name,
		  const char *phone, struct hq_appointment *out);
int hq_queue_checkin(struct hq_queue *q, const char *code, struct hq_ticket *out);

/*
 * End of day. Tickets of earlier days still open are closed as cancelled ("day closed") and
 * appointments never checked in are counted as missed; every operation does this by itself
 * on the first call of a new day. hq_queue_close_day() also closes today's open tickets,
 * for a hall that shuts its doors. `closed` (may be NULL) gets how many tickets it closed.
 */
int hq_queue_rollover(struct hq_queue *q, int *closed);
int hq_queue_close_day(struct hq_queue *q, const char *reason, int *closed);

/* Estimated wait for a ticket taken now; see the method in estimate.c. HQ_EST_NONE when no
 * counter serving it is open. The _range form also gives its 80% range, range[0] to
 * range[1] seconds (HQ_EST_NONE likewise). */
int hq_queue_estimate(struct hq_queue *q, const char *service, enum hq_class cls, int *ahead, int *wait_s);
int hq_queue_estimate_range(struct hq_queue *q, const char *service, enum hq_class cls, int *ahead,
			    int *wait_s, int range[2]);

/* The event feed: every state change, ids strictly increasing, never reused. */
struct hq_event {
	int64_t id;
	int64_t at;
	char type[24];              /* "issued", "called", "recalled", "counter_paused", ... */
	int64_t ticket_id;          /* 0 for counter-only events */
	char label[HQ_LABEL_MAX];
	char service[HQ_KEY_MAX];
	int counter;
	int value;                  /* score, target counter, closed count: per type */
	char detail[HQ_NAME_MAX];   /* reason, clerk, target service: per type */
};
/* Up to `max` events with id > since, into ev (caller's array). Returns how many, or < 0. */
int hq_queue_events(struct hq_queue *q, int64_t since, struct hq_event *ev, int max);
int64_t hq_queue_last_event_id(struct hq_queue *q);

/* Live hall state. */
struct hq_service_state {
	char key[HQ_KEY_MAX];
	bool open;                  /* within opening hours now */
	int waiting;
	int waiting_priority;       /* of those, priority and appointment class */
	int est_wait_s;             /* for a ticket taken now: normal class, priority for a
				       priority lane; HQ_EST_NONE when no counter serving it
				       is open */
	int est_range_s[2];         /* est_wait_s's 80% range (the 5th and 95th percentile of
				       the estimate's runs); HQ_EST_NONE when not known */
	int est_wait_priority_s;    /* for a priority ticket taken now; HQ_EST_NONE likewise */
	int64_t est_opens_at;       /* with HQ_EST_NONE: when the service's hours open later
				       today (unix ms), else 0 */
	int oldest_wait_s;          /* how long the longest of `waiting` has waited since it
				       joined this queue (issue or transfer); -1 when none waits */
	int issued_today;
	int served_today;
	bool at_cap;
};
struct hq_counter_state {
	int number;
	enum hq_cstate state;
	char reason[HQ_REASON_MAX]; /* why paused */
	char clerk[HQ_CLERK_MAX];
	struct hq_ticket current;   /* id 0 when the counter has no called or serving ticket */
	int64_t since;              /* when it entered its state (unix ms); 0 when not known,
				       for a counter unchanged since before schema 6 */
	int64_t paused_at;          /* when its pause began; 0 unless paused */
};
struct hq_hall_state {
	struct hq_service_state *services; /* one per configured service, config order */
	size_t nservices;
	struct hq_counter_state *counters; /* one per configured counter, config order */
	size_t ncounters;
	int64_t last_event_id;
};
int hq_queue_state(struct hq_queue *q, struct hq_hall_state *out);
void hq_hall_state_free(struct hq_hall_state *st); /* frees the arrays, not st */

/*
 * What a counter's own page shows, read in one transaction: the hall's state (as
 * hq_queue_state), the tickets parked at the counter today in their place in the queue
 * (oldest first), those waiting for it by name (a transfer or an unpark to it) in the order
 * it would call them, each list at most HQ_VIEW_MAX long, and the ticket it finished last
 * today, whose citizen may still rate it (id 0 when none). HQ_ENOCOUNTER for a counter the
 * hall does not have. hq_counter_view_free frees the arrays (not v; NULL is fine).
 */
#define HQ_VIEW_MAX 100
struct hq_counter_view {
	struct hq_hall_state state;
	const struct hq_counter_state *counter; /* the counter's entry in state.counters */
	struct hq_ticket *parked;
	size_t nparked;
	struct hq_ticket *sent_here;
	size_t nsent_here;
	struct hq_ticket last_finished;
};
int hq_queue_counter_view(struct hq_queue *q, int counter, struct hq_counter_view *out);
void hq_counter_view_free(struct hq_counter_view *v);

/* Statistics over tickets issued in [from, to) (unix ms), grouped (hq_hall.h). */
int hq_queue_stats(struct hq_queue *q, enum hq_group by, int64_t from, int64_t to, struct hq_stats *out);

/*
 * Group commit, for a server with many clients: between batch_begin and batch_end every
 * operation runs in a savepoint of one transaction (one that fails is undone alone), and
 * batch_end(commit) makes them all durable with one fsync. Nothing of the batch is done
 * until batch_end returns 0, so answer no client before that. apply_config and rollover
 * may not run inside a batch.
 */
int hq_queue_batch_begin(struct hq_queue *q);
int hq_queue_batch_end(struct hq_queue *q, bool commit);

/*
 * Idempotency records: the response (status, body, Location) a server gave to a request
 * with a client's key, put in
 * the same transaction (batch) as the operation. get returns 1 and a malloc'd body when the
 * key is known, 0 when not, < 0 on error. Records older than a day go at the day's roll-over.
 */
int hq_queue_idem_get(struct hq_queue *q, const char *key, char *route, size_t routelen,
		      int *status, char **body, char *location, size_t loclen);
int hq_queue_idem_put(struct hq_queue *q, const char *key, const char *route, int status,
		      const char *body, const char *location);

/* Where a waiting ticket stands now: people ahead of it and the estimated wait. */
int hq_queue_position(struct hq_queue *q, int64_t id, int *ahead, int *wait_s);
int hq_queue_position_range(struct hq_queue *q, int64_t id, int *ahead, int *wait_s, int range[2]);

/* The 好差评 evaluation, electronic supervision, the appraisal and the web pages' sessions,
 * a header each; included
 * last, so that they may use everything above. */
#include "hq_review.h"
#include "hq_alert.h"
#include "hq_appraisal.h"
#include "hq_session.h"
#include "hq_retention.h"

#endif
