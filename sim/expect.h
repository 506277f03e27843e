/*
 * What electronic supervision (电子监察) should have raised on hallq-sim's day, by its own
 * record: for each rule of the hall config and each subject, the intervals in which the
 * rule's condition held, derived from the definitions in docs/queue.md ("Alerts") and from
 * the facts of the event feed the record follows, in code of its own and not queue/alert.c's
 * (a check made from the library's code could only catch wrong data, never a wrong rule);
 * then those intervals against the alerts hallqd raised and cleared, rule by rule, with a
 * tolerance for hallqd's evaluation period.
 *
 * The record (record.c) hands every event of the feed, in the feed's order, to
 * hq_sim_expect_event() with the ticket it concerns as the record has it after the event.
 * Between two events the facts do not change, so the instants at which a condition starts
 * or stops holding inside that stretch are worked out exactly (a threshold reached, a
 * counter's opening hours beginning or ending); at an event the facts change and the
 * conditions are judged again. An interval is thus what an evaluator that never sleeps
 * would see; hallqd evaluates after each change and at least once a second of hall time,
 * and the comparison allows for that. The feed's times are those of the programs that wrote
 * it: an event earlier than the one before it (hallq init on the real clock, then hallqd on
 * a simulated day that is earlier) sets the tracker's time back to it.
 *
 * What the record cannot know is not derived: device_down (the devices' health is not in
 * the feed) and case_overdue (a case opened on the simulated day is due on a later working
 * day; an older one's due dates are not in the feed). Any alert of those is unexplained.
 *
 * Ownership: hq_sim_expect_free() frees what the tracker holds; hq_sim_verdict_free() what
 * a comparison gave.
 */
#ifndef HQ_SIM_EXPECT_H
#define HQ_SIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"

struct hq_sim_event;
struct hq_sim_ticket;

#define HQ_SIM_SUBJECT_MAX 48  /* "service:KEY", "counter:N", "case:ID" */
#define HQ_SIM_SLOW_SAMPLES 50 /* a service's median service time: of its last this many */
#define HQ_SIM_SLOW_SEED 5     /* fewer than this: its target_minutes stands in */

/* An interval in which rule `rule` (an index into cfg->alerts) held for `subject`. */
struct hq_sim_alert {
	int rule;
	char subject[HQ_SIM_SUBJECT_MAX];
	int64_t from, to;           /* hall ms, [from, to); to 0: it still held at the end */
};

struct hq_sim_expect_counter;  /* each configured counter's facts (expect.c) */
struct hq_sim_expect_service;

/* A ticket waiting, as the rules see it: in its service's queue, or sent to one counter. */
struct hq_sim_waiter {
	int64_t id, queued_at;
	int service;                /* index into cfg->services, -1 unknown */
	int target;                 /* the counter's index it was sent to, -1 none */
};

/* A bad-review case. */
struct hq_sim_expect_case {
	int64_t id;
	int service;                /* its review's service, -1 unknown */
	int level, state;           /* the review's level; the case's state 0 open .. 4 closed */
};

/* A local day: its midnight, the next one, its weekday (0 Sunday). */
struct hq_sim_day {
	int64_t d0, d1;
	int wday;
};

/* One of hallqd's alerts as the feed showed it (alert_raised, alert_cleared: value its id,
 * detail "rule:subject"), for its times to the millisecond. */
struct hq_sim_feed_alert {
	int64_t id, raised, cleared;
	char what[HQ_KEY_MAX + HQ_SIM_SUBJECT_MAX];
};

struct hq_sim_expect {
	const struct hq_config *cfg;
	struct hq_sim_day day;      /* the last day looked up */
	bool started;
	int64_t at;                 /* the intervals are worked out up to here */
	struct hq_sim_expect_counter *ctr;      /* by the config's counters */
	struct hq_sim_expect_service *svc;      /* by the config's services */
	struct hq_sim_waiter *wait;
	size_t nwait, capwait;
	struct hq_sim_expect_case *cases;
	size_t ncases, capcases;
	/* Intervals: the closed ones, then (open[]) those that held at `at`. */
	struct hq_sim_alert *done;
	size_t ndone, capdone;
	struct hq_sim_alert *open;  /* .to: where its last piece ended */
	size_t nopen, capopen;
	struct hq_sim_feed_alert *feed;
	size_t nfeed, capfeed;
	bool nomem;                 /* an allocation failed: the intervals are incomplete */
};

/* HQ_ENOMEM when out of memory. */
int hq_sim_expect_init(struct hq_sim_expect *x, const struct hq_config *cfg);
void hq_sim_expect_free(struct hq_sim_expect *x);
/* One event of the feed, in order, after the record applied it; t is its ticket as the record
 * has it now (NULL for an event without one, or a ticket the record does not know). */
void hq_sim_expect_event(struct hq_sim_expect *x, const struct hq_sim_event *ev,
			 const struct hq_sim_ticket *t);
/* Work the intervals out up to `until` (hall ms) with the facts as they are: what held then
 * stays open. */
void hq_sim_expect_until(struct hq_sim_expect *x, int64_t until);
/* The intervals so far, closed and open (to 0), sorted by rule, subject and start: a malloc'd
 * array the caller frees; *n its length. NULL (and *n 0) when there are none or no memory. */
struct hq_sim_alert *hq_sim_expect_list(const struct hq_sim_expect *x, size_t *n);
/* The feed's raise and clear of hallqd's alert `id`; NULL when the feed showed none. */
const struct hq_sim_feed_alert *hq_sim_expect_feed(const struct hq_sim_expect *x, int64_t id);
/* Is this rule's kind one the record derives? (Not device nor case_overdue.) */
bool hq_sim_expect_derives(const struct hq_alert_rule *r);

/* ---- against hallqd's alerts ------------------------------------------------------------ */

/* An alert hallqd raised (GET /api/v1/alerts), its times from the feed when it showed them. */
struct hq_sim_seen {
	int64_t id;
	char rule[HQ_KEY_MAX];
	char subject[HQ_SIM_SUBJECT_MAX];
	int64_t raised, cleared;    /* hall ms; cleared 0 while open */
};

/*
 * What the comparison allows. hallqd judges the rules after each batch of requests that
 * changed the hall and whenever a second of hall time has passed since it last did, looking
 * every 100 ms of real time (server/worker.c): an alert is raised or cleared at most one such
 * period after the record's instant, plus the time a round in progress takes. tolerance is
 * that allowance; early a small one the other way (rounding).
 */
struct hq_sim_window {
	int64_t from;               /* compare only what began at or after this (the run's start) */
	int64_t asked;              /* hallqd's time just before its list was asked for */
	int64_t answered;           /* and just after: the record's intervals end there */
	int64_t tolerance, early;   /* ms of hall time */
};

/* The tolerance for hallqd at `speed`: two evaluation periods, max(1 s, 100 ms x speed). */
int64_t hq_sim_expect_tolerance(int speed);

enum hq_sim_finding_what {
	HQ_SIM_NOT_RAISED,          /* expected, not raised */
	HQ_SIM_RAISED_OFF,          /* raised, but not within the tolerance of the expected time */
	HQ_SIM_CLEARED_OFF,         /* cleared, but not within the tolerance of the expected end */
	HQ_SIM_STILL_OPEN,          /* expected to end, still open */
	HQ_SIM_CLEARED_OPEN,        /* cleared while the record says it still holds */
	HQ_SIM_UNEXPLAINED,         /* raised with nothing in the record to explain it */
};
const char *hq_sim_finding_name(enum hq_sim_finding_what w);

struct hq_sim_finding {
	int rule;                   /* -1: a rule the config does not have */
	char rule_name[HQ_KEY_MAX];
	char subject[HQ_SIM_SUBJECT_MAX];
	enum hq_sim_finding_what what;
	int64_t want, got;          /* hall ms (0: none): the record's time, hallqd's */
	int64_t alert;              /* hallqd's alert id, 0 none */
};

/* Per rule: intervals the record expects (certain: hallqd must raise them), those hallqd may
 * or may not have raised (shorter than the tolerance, or too near the edges of the window),
 * alerts hallqd raised, and how many of them matched. */
struct hq_sim_rule_tally {
	int expected, optional, seen, matched;
};

struct hq_sim_verdict {
	int nrules;                 /* cfg->nalerts; tally[nrules] is for rules not in it */
	struct hq_sim_rule_tally tally[HQ_MAX_ALERT_RULES + 1];
	int checks, mismatches;     /* one check per certain interval and per other alert */
	struct hq_sim_finding *f;   /* the mismatches */
	size_t nf;
	/* How late hallqd was against the record, over the matched alerts (ms of hall time). */
	int nraised, ncleared;
	int64_t raised_lag_max, cleared_lag_max;
	double raised_lag_sum, cleared_lag_sum;
};

/* Compare the record's intervals with hallqd's alerts (any order). HQ_ENOMEM. */
int hq_sim_expect_compare(const struct hq_sim_expect *x, const struct hq_sim_seen *seen, size_t nseen,
			  const struct hq_sim_window *w, struct hq_sim_verdict *out);
void hq_sim_verdict_free(struct hq_sim_verdict *v);

#endif
