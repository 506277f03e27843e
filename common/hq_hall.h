/*
 * The hall's vocabulary, shared by the queue library and every program that talks about a
 * hall without opening its database: ticket classes and states, counter states, a ticket,
 * and a row of the statistics. The queue library (hq_queue.h) fills these; the clients
 * read them from hallqd's JSON and compare them (hallq-sim).
 */
#ifndef HQ_HALL_H
#define HQ_HALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"

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

/* Statistics, grouped: by the local day of issue ("2026-11-23"), ISO 8601 week ("2026-W48",
 * Monday first) and month ("2026-11") too. */
enum hq_group { HQ_BY_SERVICE, HQ_BY_COUNTER, HQ_BY_CLERK, HQ_BY_HOUR, HQ_BY_DAY, HQ_BY_WEEK,
		HQ_BY_MONTH };

/*
 * The figures of one row, in output order: X(member, kind, head, base), where kind is INT
 * (a count), SECS (seconds) or RATE (a share, 0..1), head the column's short heading, and
 * base the count a mean or rate is over (none: "" for counts), so that an empty base shows
 * as "-". The struct, the CLI's table, CSV and JSON, the API and hallq-sim's checks all
 * come from this one list.
 *   issued         new numbers (transfers are not new tickets)
 *   waiting        still open at the time of the query
 *   on_time_rate   share of called tickets whose wait was within the threshold
 *   satisfaction_rate  share of ratings that are fair or satisfied
 *   appointments, missed_appointments: by service only
 */
#define HQ_STATS_FIELDS(X) \
	X(issued, INT, "issued", "") \
	X(called, INT, "called", "") \
	X(served, INT, "served", "") \
	X(noshow, INT, "noshow", "") \
	X(transferred, INT, "xfer", "") \
	X(cancelled, INT, "cancel", "") \
	X(waiting, INT, "waiting", "") \
	X(wait_mean_s, SECS, "wait_avg", "called") \
	X(wait_p50_s, SECS, "wait_p50", "called") \
	X(wait_p90_s, SECS, "wait_p90", "called") \
	X(wait_max_s, SECS, "wait_max", "called") \
	X(service_mean_s, SECS, "svc_avg", "served") \
	X(service_p90_s, SECS, "svc_p90", "served") \
	X(on_time_rate, RATE, "on_time", "called") \
	X(rated, INT, "rated", "") \
	X(satisfaction_rate, RATE, "satisf", "rated") \
	X(appointments, INT, "appts", "") \
	X(missed_appointments, INT, "missed", "")

#define HQ_SF_TYPE_INT int
#define HQ_SF_TYPE_SECS double
#define HQ_SF_TYPE_RATE double

struct hq_stats_row {
	char key[HQ_NAME_MAX];      /* service key, counter number, clerk, "09", "2026-11-23",
				       "2026-W48" or "2026-11" */
#define HQ_SF_MEMBER(m, kind, head, base) HQ_SF_TYPE_##kind m;
	HQ_STATS_FIELDS(HQ_SF_MEMBER)
#undef HQ_SF_MEMBER
};

struct hq_stats {
	struct hq_stats_row *rows;
	size_t nrows;
	struct hq_stats_row total;
};
/* Frees the rows, not st; NULL is fine. */
void hq_stats_free(struct hq_stats *st);

/* The fields as a table, for code that walks them (output, comparisons). */
enum {
#define HQ_SF_INDEX(m, kind, head, base) HQ_SF_I_##m,
	HQ_STATS_FIELDS(HQ_SF_INDEX)
#undef HQ_SF_INDEX
	HQ_STATS_NFIELDS
};
enum hq_sf_kind { HQ_SF_INT, HQ_SF_SECS, HQ_SF_RATE };
struct hq_stats_field {
	const char *name;           /* the member's name: the JSON and CSV key */
	const char *head;
	enum hq_sf_kind kind;
	size_t off;
	const char *base;           /* NULL for counts */
};
extern const struct hq_stats_field hq_stats_fields[HQ_STATS_NFIELDS];
const struct hq_stats_field *hq_stats_field(const char *name);
/* A field's value in a row: a count as int, and every field as a double. */
int hq_stats_int(const struct hq_stats_row *r, const struct hq_stats_field *f);
double hq_stats_value(const struct hq_stats_row *r, const struct hq_stats_field *f);
/* True when the mean or rate f is over nothing in r (its base count is 0). */
bool hq_stats_empty(const struct hq_stats_row *r, const struct hq_stats_field *f);

/* Names for enums, and the reverse; parse functions return -1 for unknown text. */
const char *hq_class_name(enum hq_class c);
int hq_class_parse(const char *s);
const char *hq_tstate_name(enum hq_tstate s);
const char *hq_cstate_name(enum hq_cstate s);
const char *hq_group_name(enum hq_group g);
int hq_group_parse(const char *s);

#endif
