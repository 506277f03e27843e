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

/*
 * The levels of a review, as the national 政务服务"好差评" evaluation defines them
 * (queue/hq_review.h has the rest of it). A ticket's rating is its review's level.
 */
enum hq_score {
	HQ_SCORE_VERY_DISSATISFIED = 1, /* 非常不满意 */
	HQ_SCORE_DISSATISFIED = 2,      /* 不满意 */
	HQ_SCORE_FAIR = 3,              /* 基本满意 */
	HQ_SCORE_SATISFIED = 4,         /* 满意 */
	HQ_SCORE_VERY_SATISFIED = 5,    /* 非常满意 */
};
#define HQ_LEVEL_MIN 1
#define HQ_LEVEL_MAX 5
#define HQ_LEVEL_BAD 2          /* this level and below is a bad review (差评) */

/* The offline indicators of a bad review (its reasons, a bit set). */
#define HQ_REASON_EFFICIENCY 1u /* 服务效率 */
#define HQ_REASON_SKILL 2u      /* 服务水平 */
#define HQ_REASON_ATTITUDE 4u   /* 服务态度 */
#define HQ_REASON_OTHER 8u      /* 其他 */
#define HQ_REASONS_ALL 15u

#define HQ_LABEL_MAX 16
#define HQ_CLERK_MAX 64
#define HQ_REASON_MAX 64
#define HQ_CODE_LEN 6
#define HQ_SECRET_LEN 16      /* hex digits: 64 random bits */

/* An estimated wait nobody can give: no counter that serves the service is open (or, for a
 * ticket sent to one counter, that counter is not). Shown as "no counter open yet". */
#define HQ_EST_NONE (-1)

/*
 * An estimate's 80% range as a citizen reads it, where the hall's config says
 * estimate_display = range (issue 18): [low, high] seconds in whole minutes, low rounded
 * down, high up and at least a minute above low. Returns false when there is no range to
 * show (HQ_EST_NONE, a negative one, high below low, 100 hours or more): the point
 * estimate stands then. With min[1] <= 1 the wait is under a minute: HQ_EST_UNDER_MIN_*,
 * not a range. The words are the same on every screen and on paper.
 */
bool hq_est_range_minutes(const int range_s[2], int min[2]);
#define HQ_EST_RANGE_ZH "约 %d–%d 分钟"         /* en dash U+2013; GB18030 A8 43 on paper */
#define HQ_EST_RANGE_EN "about %d–%d min"
#define HQ_EST_UNDER_MIN_ZH "不到 1 分钟"
#define HQ_EST_UNDER_MIN_EN "under a minute"

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
	int est_wait_s;             /* at issue; HQ_EST_NONE when no counter of its service
				       was open */
	int est_range_s[2];         /* at issue: its 80% range; HQ_EST_NONE when none (no
				       counter open, a transfer, or before schema 8) */
	int rating;                 /* 0, or its review's level 1..5 (an hq_score) */
	int64_t issued_at;          /* unix ms; all times below likewise, 0 if not yet */
	int64_t queued_at;          /* issue, or transfer into this queue */
	int64_t called_at;          /* first call */
	int64_t started_at;
	int64_t ended_at;
	char end_reason[HQ_REASON_MAX];
	char secret[HQ_SECRET_LEN + 1]; /* its status URL's key, which lets a phone review it;
					   "" for a ticket from before schema 4 */
};

/* Statistics, grouped: by the local day of issue ("2026-11-23"), ISO 8601 week ("2026-W48",
 * Monday first) and month ("2026-11") too. */
enum hq_group { HQ_BY_SERVICE, HQ_BY_COUNTER, HQ_BY_CLERK, HQ_BY_HOUR, HQ_BY_DAY, HQ_BY_WEEK,
		HQ_BY_MONTH };

/*
 * The figures of one row, in output order: X(member, kind, head, base), where kind is INT
 * (a count), SECS (seconds), RATE (a share, 0..1) or SCORE (a mean review level, 1..5), head
 * the column's short heading, and base the count a mean or rate is over (none: "" for
 * counts), so that an empty base shows as "-". The struct, the CLI's table, CSV and JSON,
 * the API and hallq-sim's checks all come from this one list. docs/queue.md defines each.
 *   issued         new numbers (transfers are not new tickets)
 *   waiting        still open at the time of the query
 *   on_time_rate   share of called tickets whose wait was within the threshold
 *   rated          tickets with a review
 *   satisfaction_rate  share of reviews at level 3 (基本满意) or above
 *   score_mean     mean level of the reviews
 *   level1..level5 reviews at each level
 *   bad_reviews    reviews at level 1 or 2 (差评)
 *   rectify_rate   差评整改率: share of bad reviews whose case was rectified (or beyond)
 *   revisit_rate   回访率: share of bad reviews whose case was revisited or closed
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
	X(score_mean, SCORE, "score", "rated") \
	X(level1, INT, "lv1", "") \
	X(level2, INT, "lv2", "") \
	X(level3, INT, "lv3", "") \
	X(level4, INT, "lv4", "") \
	X(level5, INT, "lv5", "") \
	X(bad_reviews, INT, "bad", "") \
	X(rectify_rate, RATE, "rectify", "bad_reviews") \
	X(revisit_rate, RATE, "revisit", "bad_reviews") \
	X(appointments, INT, "appts", "") \
	X(missed_appointments, INT, "missed", "")

#define HQ_SF_TYPE_INT int
#define HQ_SF_TYPE_SECS double
#define HQ_SF_TYPE_RATE double
#define HQ_SF_TYPE_SCORE double

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
enum hq_sf_kind { HQ_SF_INT, HQ_SF_SECS, HQ_SF_RATE, HQ_SF_SCORE };
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
/* A review's level: its name in the national scheme ("非常满意"), its English key
 * ("very-satisfied"); parse takes "1".."5" or the key. "unknown" and -1 outside 1..5. */
const char *hq_level_name(int level);
const char *hq_level_key(int level);
int hq_level_parse(const char *s);
/* A reason bit's key ("efficiency", "skill", "attitude", "other") and name ("服务效率");
 * NULL for anything but one reason bit. parse: one key to its bit, 0 when unknown. */
const char *hq_reason_key(unsigned bit);
const char *hq_reason_name(unsigned bit);
unsigned hq_reason_parse(const char *key);
/* "efficiency,attitude" to bits; -1 when a key is unknown or the list is empty. Format:
 * the keys, comma-separated, "" for none, into buf (48 bytes hold them all). */
long hq_reasons_parse(const char *list);
void hq_reasons_format(unsigned reasons, char *buf, size_t len);

#endif
