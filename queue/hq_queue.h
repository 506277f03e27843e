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

#include "hq_config.h"
#include "hq_error.h"

struct hq_queue;

enum hq_class {
	HQ_CLASS_NORMAL,
	HQ_CLASS_PRIORITY,    /* elderly, disabled, green channel */
	HQ_CLASS_APPOINTMENT, /* checked in from a booking; called like priority */
};

enum hq_tstate {
	HQ_T_WAITING,
	HQ_T_CALLED,
	HQ_T_SERVING,
	HQ_T_PARKED,
	/* final states from here on */
	HQ_T_DONE,
	HQ_T_NOSHOW,
	HQ_T_TRANSFERRED,
	HQ_T_CANCELLED,
};
#define HQ_T_FINAL(s) ((s) >= HQ_T_DONE)

enum hq_cstate {
	HQ_C_OPEN,
	HQ_C_PAUSED,
	HQ_C_CLOSED,
};

/* Satisfaction scores, as the counter unit's three keys. */
enum hq_score {
	HQ_SCORE_DISSATISFIED = 1, /* 不满意 */
	HQ_SCORE_FAIR = 2,         /* 基本满意 */
	HQ_SCORE_SATISFIED = 3,    /* 满意 */
};

#define HQ_LABEL_MAX 16
#define HQ_CLERK_MAX 64
#define HQ_REASON_MAX 64
#define HQ_CODE_LEN 6

struct hq_ticket {
	int64_t id;
	int64_t parent_id;          /* ticket this one was transferred from, 0 if none */
	char day[11];               /* local date of issue, YYYY-MM-DD */
	char label[HQ_LABEL_MAX];   /* "B012" */
	char service[HQ_KEY_MAX];   /* service the ticket now waits for */
	int number;
	enum hq_class cls;
	enum hq_tstate state;
	int counter;                /* counter that called it, 0 if none */
	int target_counter;         /* only this counter may call it (transfer to counter), 0 any */
	char clerk[HQ_CLERK_MAX];
	int recalls;
	int people_ahead;           /* at issue */
	int est_wait_s;             /* at issue */
	int rating;                 /* 0, or an hq_score */
	int64_t issued_at;          /* unix ms; all times below likewise, 0 if not yet */
	int64_t queued_at;          /* issue, or transfer into this queue */
	int64_t called_at;          /* first call */
	int64_t started_at;
	int64_t ended_at;
	char end_reason[HQ_REASON_MAX];
};

struct hq_appointment {
	int64_t id;
	char code[HQ_CODE_LEN + 1];
	char service[HQ_KEY_MAX];
	int64_t slot_at;            /* unix ms, start of the slot */
	char name[HQ_NAME_MAX];
	char phone[32];
	int64_t ticket_id;          /* after check-in */
};

/* The time seam: wall-clock unix milliseconds. Tests drive it; NULL restores the real one. */
typedef int64_t (*hq_clock_fn)(void *ud);
int64_t hq_real_now(void *ud);
/* A monotonic clock in ms, for intervals and ages that must not jump when the wall clock
 * is set; the programs' one clock for that. */
int64_t hq_mono_ms(void);

/*
 * Open (creating and migrating as needed) the database at path. A database that has no
 * configuration yet can only take hq_queue_apply_config(). On failure *out is NULL and
 * err holds the reason.
 */
int hq_queue_open(const char *path, struct hq_queue **out, char *err, size_t errlen);
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
int hq_queue_rate(struct hq_queue *q, int64_t ticket_id, int score, struct hq_ticket *out);
/* Rate the ticket the counter finished last (the unit's satisfaction keys). */
int hq_queue_rate_last(struct hq_queue *q, int counter, int score, struct hq_ticket *out);

int hq_queue_ticket(struct hq_queue *q, int64_t id, struct hq_ticket *out);
/* "B012" (today's, the newest of that label) or a numeric id. */
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
int hq_queue_close_counter(struct hq_queue *q, int counter);
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

/* Estimated wait for a ticket taken now; see the method in stats.c. */
int hq_queue_estimate(struct hq_queue *q, const char *service, enum hq_class cls, int *ahead, int *wait_s);

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
	int est_wait_s;             /* for a normal ticket taken now */
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

/* Statistics over tickets issued in [from, to) (unix ms), grouped. */
enum hq_group { HQ_BY_SERVICE, HQ_BY_COUNTER, HQ_BY_CLERK, HQ_BY_HOUR };
struct hq_stats_row {
	char key[HQ_NAME_MAX];      /* service key, counter number, clerk, or "09" */
	int issued;                 /* new numbers (transfers are not new tickets) */
	int called;
	int served;
	int noshow;
	int transferred;
	int cancelled;
	int waiting;                /* still open at the time of the query */
	double wait_mean_s, wait_p50_s, wait_p90_s, wait_max_s;
	double service_mean_s, service_p90_s;
	double on_time_rate;        /* share of called tickets whose wait was within the threshold */
	int rated;
	double satisfaction_rate;   /* share of ratings that are fair or satisfied */
	int appointments, missed_appointments; /* by service only */
};
struct hq_stats {
	struct hq_stats_row *rows;
	size_t nrows;
	struct hq_stats_row total;
};
int hq_queue_stats(struct hq_queue *q, enum hq_group by, int64_t from, int64_t to, struct hq_stats *out);
void hq_stats_free(struct hq_stats *st);

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

/* Names for enums, and the reverse; parse functions return -1 for unknown text. */
const char *hq_class_name(enum hq_class c);
int hq_class_parse(const char *s);
const char *hq_tstate_name(enum hq_tstate s);
const char *hq_cstate_name(enum hq_cstate s);
int hq_group_parse(const char *s);

/* Local-time helpers shared by the programs: "YYYY-MM-DD HH:MM[:SS]" <-> unix ms. */
int hq_parse_local_time(const char *s, int64_t *ms);
void hq_format_local_time(int64_t ms, char *buf, size_t len);

#endif
