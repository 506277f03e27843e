/*
 * The monthly window appraisal (月考核, 红旗窗口) and the clerks' roster it ranks. Part of
 * the queue library's API (hq_queue.h includes it); docs/queue.md states the rules.
 *
 * The roster is the config's [clerk ID] sections and the database's clerks (hallq clerk
 * add); where both have an id, the config's wins. A PIN is kept only as its crypt(3) hash
 * (the library's preferred method, yescrypt on Debian 12) and never appears in a message,
 * an event or a listing; neither does the hash outside the config file and the database.
 *
 * Ownership: hq_queue_clerk_list() gives a malloc'd array (free()); hq_queue_appraisal()
 * fills the caller's struct hq_appraisal, whose arrays hq_appraisal_free() frees.
 */
#ifndef HQ_APPRAISAL_H
#define HQ_APPRAISAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"
#include "hq_hall.h"

struct hq_queue;

/* ---- the roster and sign-in ------------------------------------------------------------ */

/* A PIN is 4 to 12 digits: a counter unit's keypad types it. */
#define HQ_PIN_MIN 4
#define HQ_PIN_MAX 12
/* This many wrong PINs in a row for one clerk lock their sign-in with a PIN for this long
 * (hall time), so that a PIN of four digits is not found by trying them all at a counter. */
#define HQ_PIN_TRIES 5
#define HQ_PIN_LOCK_MINUTES 15

enum hq_clerk_source {
	HQ_CLERK_CONFIG,            /* a [clerk ID] section of the hall's config */
	HQ_CLERK_DATABASE,          /* hallq clerk add */
};

/* A clerk of the roster, without the PIN's hash. */
struct hq_clerk {
	char id[HQ_KEY_MAX];        /* staff id (工号): 1 to 31 of a-z, 0-9, _ and - */
	char name[HQ_NAME_MAX];
	enum hq_clerk_source source;
	bool active;                /* false: removed (hallq clerk remove), still named in reports */
	int64_t added_at;           /* unix ms, database clerks; 0 for the config's */
};

/* True when s is a PIN (HQ_PIN_MIN to HQ_PIN_MAX digits). */
bool hq_pin_valid(const char *pin);
/*
 * The crypt(3) hash of a PIN, with a fresh salt, for a [clerk ID] section (`pin = ...`) or
 * the clerks table: "$y$..." on Debian 12. HQ_EINVAL when pin is not a PIN, HQ_ENOMEM when
 * hash (len bytes, HQ_PIN_HASH_MAX is enough) is too small, HQ_EIO when crypt fails.
 */
int hq_pin_hash(const char *pin, char *hash, size_t len);
/* Does pin match the crypt(3) hash? Compared in constant time; false for a bad hash. */
bool hq_pin_check(const char *pin, const char *hash);

/*
 * The database's roster. add: a new clerk (id, a name of 1 to 127 bytes, a PIN), or one
 * removed before, back with this name and PIN; HQ_EINVAL for a malformed id, name or PIN or
 * an id the config's roster has (change it there), HQ_ECLERK for an id already on the
 * database's roster (remove it first: a typo must not take a colleague's PIN). remove:
 * HQ_ENOCLERK for an id that is not on it (HQ_EINVAL for one of the config: remove its
 * section). list: the config's clerks in its order, then the database's by id; `all` adds
 * the removed ones. *out is malloc'd (free()); NULL when *n is 0.
 */
int hq_queue_clerk_add(struct hq_queue *q, const char *id, const char *name, const char *pin);
int hq_queue_clerk_remove(struct hq_queue *q, const char *id);
int hq_queue_clerk_list(struct hq_queue *q, bool all, struct hq_clerk **out, size_t *n);

/*
 * Sign clerk in at counter with a PIN, as a counter unit's key sequence or a clerk's page
 * does. With sign_in = roster (the default) the clerk must be on the roster (active) and
 * pin its PIN, else HQ_ESIGNIN, the message saying which; with sign_in = open any clerk id
 * of 1 to 63 bytes will do and pin is not looked at. hq_queue_sign_in() (hq_queue.h) is the
 * same without a PIN: for an open hall, and for a manager who signs a roster clerk in by hand
 * (hallq signin --force; its event says so). Either signs out whoever was signed in at the
 * counter before. Every sign-in and sign-out is a row of the signins table: the hours a
 * clerk was signed in, for the appraisal.
 */
int hq_queue_sign_in_pin(struct hq_queue *q, int counter, const char *clerk, const char *pin);

/* ---- periods --------------------------------------------------------------------------- */

/*
 * A period of the reports, as local midnights [from, to): a month "2026-11", an ISO 8601
 * week "2026-W48" (Monday to Sunday; week 1 holds the year's first Thursday), a quarter
 * "2026-Q4" (季度), or a day "2026-11-23". label (may be NULL) gets the text back in its
 * canonical form. HQ_EINVAL when the text is not one, with no change to the outputs.
 */
enum hq_period_kind { HQ_PERIOD_DAY, HQ_PERIOD_WEEK, HQ_PERIOD_MONTH, HQ_PERIOD_QUARTER };
#define HQ_PERIOD_LABEL_MAX 16
int hq_period_parse(enum hq_period_kind kind, const char *text, int64_t *from, int64_t *to,
		    char label[HQ_PERIOD_LABEL_MAX]);

/* ---- the appraisal ---------------------------------------------------------------------- */

/* Alerts caused, by rule: at most this many rules a row; more are counted under "other". */
#define HQ_APPRAISAL_RULES 8

struct hq_appraisal_alerts {
	char rule[HQ_KEY_MAX];
	int count;
};

/*
 * One window (counter) or clerk over the period. The figures are those of docs/queue.md's
 * "The monthly appraisal (月考核)"; a rate or mean over nothing is 0 and its count says so.
 */
struct hq_appraisal_row {
	char key[HQ_CLERK_MAX];     /* the counter's number, or the clerk's id */
	char name[HQ_NAME_MAX];     /* the window's or the clerk's name; "" when unknown */
	int counter;                /* window rows: the number; clerk rows: 0 */
	/* work */
	int called;                 /* tickets it called (the base of wait and on-time) */
	int served;                 /* volume: tickets it finished (done) */
	double on_time_rate;        /* of called, the share whose wait was within max_wait */
	double wait_mean_s;         /* over called */
	double service_mean_s;      /* over served */
	/* 好差评 */
	int reviews;
	double satisfaction_rate;   /* of reviews, the share at level 3 or above */
	double mean_level;          /* mean review level, 1..5 */
	int bad_reviews;            /* at level 1 or 2 */
	int cases;                  /* bad-review cases opened (a migrated bad review has none) */
	double rectify_rate;        /* 差评整改率: of cases, the share that reached rectified */
	double revisit_rate;        /* 回访率: of cases, the share that reached revisited */
	/* 电子监察 and attendance */
	int alerts;                 /* caused (see docs/queue.md), by rule below */
	struct hq_appraisal_alerts by_rule[HQ_APPRAISAL_RULES];
	int nrules;
	int absences;               /* window rows: unstaffed alerts raised at the counter */
	double hours;               /* signed in (a clerk's: at any counter, overlaps once) */
	/* the score: each component 0..100, then weighted and less the penalties */
	double volume_pts, on_time_pts, satisfaction_pts, rectify_pts;
	double penalty;             /* points taken off */
	double score;
	bool ranked;                /* served at least min_served */
	int rank;                   /* 1 = best, ties share one; 0 when not ranked */
	bool red_flag;              /* 红旗窗口: a window of rank red_flag_count or better */
};

struct hq_appraisal {
	int64_t from, to;           /* the period, unix ms, [from, to) */
	struct hq_appraisal_cfg cfg; /* the weights and penalties it was scored with */
	int busiest_window;         /* the most served by one window: volume's 100 */
	int busiest_clerk;
	/* Every configured counter and any other the period shows; every clerk of the roster
	 * and any other the period shows. Each ranked first, by rank, then the rest; ties and
	 * the rest by counter number or clerk id. */
	struct hq_appraisal_row *windows;
	size_t nwindows;
	struct hq_appraisal_row *clerks;
	size_t nclerks;
	/*
	 * The whole hall as one window, scored by the same function as the windows: every
	 * ticket issued in the period (called or not), every review of them, every alert the
	 * windows' conduct raised (with a counter or not), the unstaffed alerts of every
	 * counter as absences, the windows' hours summed. Its volume is 100 when it served
	 * anything: alone, the hall is its own busiest. The centre's ranking (hallq.ranking,
	 * central/schema-derived.sql) scores it the same way with volume against the region's
	 * busiest hall, so a hall that is the busiest of its region has this score there, and
	 * any other this score less weight_volume x (100 - its volume there) / 100. key is
	 * "hall", name the hall's; ranked (rank 1) when it served min_served or more.
	 */
	struct hq_appraisal_row hall;
};

/* The appraisal of the tickets issued in [from, to) and of what happened in it (sign-ins,
 * alerts). Reads only. */
int hq_queue_appraisal(struct hq_queue *q, int64_t from, int64_t to, struct hq_appraisal *out);
/* Frees the arrays, not a; NULL is fine. */
void hq_appraisal_free(struct hq_appraisal *a);
/*
 * The appraisal as CSV (RFC 4180), the same for `hallq report appraisal --csv` and
 * GET /api/v1/reports/appraisal?format=csv: a header line, then a row a window and a row a
 * clerk, then the hall's (kind window, clerk or hall; key, name, rank, red_flag, the fields
 * of hq_appraisal_fields, alerts_by_rule as "rule:count;..."). Malloc'd, the caller frees
 * it; NULL when out of memory.
 */
char *hq_appraisal_csv(const struct hq_appraisal *a);

/*
 * The figures of a row, in output order, for the programs that print them (hallq's table,
 * CSV and JSON, hallqd's JSON and CSV): X(member, kind, head, base) as HQ_STATS_FIELDS, kind
 * INT, SECS, RATE, HOURS or POINTS; base the count a mean or rate is over ("" for none).
 */
#define HQ_APPRAISAL_FIELDS(X) \
	X(served, INT, "served", "") \
	X(called, INT, "called", "") \
	X(on_time_rate, RATE, "on_time", "called") \
	X(wait_mean_s, SECS, "wait_avg", "called") \
	X(service_mean_s, SECS, "svc_avg", "served") \
	X(reviews, INT, "reviews", "") \
	X(satisfaction_rate, RATE, "satisf", "reviews") \
	X(mean_level, POINTS, "level", "reviews") \
	X(bad_reviews, INT, "bad", "") \
	X(cases, INT, "cases", "") \
	X(rectify_rate, RATE, "rectify", "cases") \
	X(revisit_rate, RATE, "revisit", "cases") \
	X(alerts, INT, "alerts", "") \
	X(absences, INT, "absent", "") \
	X(hours, HOURS, "hours", "") \
	X(volume_pts, POINTS, "vol_pts", "") \
	X(on_time_pts, POINTS, "ontime_pts", "") \
	X(satisfaction_pts, POINTS, "satisf_pts", "") \
	X(rectify_pts, POINTS, "rectify_pts", "") \
	X(penalty, POINTS, "penalty", "") \
	X(score, POINTS, "score", "")

enum hq_af_kind { HQ_AF_INT, HQ_AF_SECS, HQ_AF_RATE, HQ_AF_HOURS, HQ_AF_POINTS };
struct hq_appraisal_field {
	const char *name;           /* the member's name: the JSON and CSV key */
	const char *head;           /* the table's column */
	enum hq_af_kind kind;
	size_t off;
	const char *base;           /* NULL for counts */
};
enum {
#define HQ_AF_INDEX(m, kind, head, base) HQ_AF_I_##m,
	HQ_APPRAISAL_FIELDS(HQ_AF_INDEX)
#undef HQ_AF_INDEX
	HQ_APPRAISAL_NFIELDS
};
extern const struct hq_appraisal_field hq_appraisal_fields[HQ_APPRAISAL_NFIELDS];
/* A field's value in a row as a double (a count too). */
double hq_appraisal_value(const struct hq_appraisal_row *r, const struct hq_appraisal_field *f);
/* True when the mean or rate f is over nothing in r (its base count is 0). */
bool hq_appraisal_empty(const struct hq_appraisal_row *r, const struct hq_appraisal_field *f);

#endif
