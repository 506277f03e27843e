/*
 * hallq-sim's parts and what they share: the simulated hall (the clock it keeps in step
 * with hallqd's, the record, the citizens' plans, the tallies of what it did) and the
 * clerks, one per counter, each a state machine that presses its unit's keys (or calls the
 * API, for a counter without a unit) and waits for the event stream to show each press took
 * effect. Everything here runs on the main thread; only the event follower (main.c) runs
 * beside it, and hands over events through a locked queue.
 *
 * Ownership: main.c makes and frees the struct hq_sim and all it holds (clients, record,
 * plans, clerks); a clerk only borrows its hq_sim and its counter's config.
 */
#ifndef HQ_SIM_H
#define HQ_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hq_client.h"
#include "model.h"
#include "record.h"

#define MIN_MS 60000LL

enum hq_clerk_state {
	CLERK_IDLE,                 /* nobody at the window */
	CLERK_CALLED,               /* a ticket called; the citizen is on the way, or not */
	CLERK_SERVING,
	CLERK_REVIEWING,            /* finished; the citizen may review it (好差评) */
	CLERK_PAUSED,               /* a break or lunch */
	CLERK_ABSENT,               /* signed out, the counter left open (--absent) */
};

/* A key pressed and not yet seen to take effect. */
struct hq_press {
	bool on;
	char key[16];               /* as hallq-unit-sim names it: call, recall, ... */
	int arg;
	char expect[24];            /* the event type that shows it took effect */
	bool api;                   /* sent over HTTP (no unit, or the review), not to a fifo */
	int64_t sent_mono;          /* real ms */
	int64_t want_events;        /* the unit's event count once the gateway took it */
	bool doubt;                 /* no event in time: asking the gateway's health report */
	int64_t doubt_since, stable_count, stable_since;
};

struct hq_sim;

struct hq_clerk {
	struct hq_sim *sim;
	const struct hq_counter_cfg *cc;
	int fifo;                   /* the unit's bus's key fifo; -1: worked through the API */
	char clerk_id[HQ_CLERK_MAX];
	char pin[16];               /* the PIN it signs in with (--pins); "" for none */
	struct hq_sim_rng rng;
	enum hq_clerk_state state;
	int64_t next_at;            /* sim ms of its next step */
	int64_t ticket;             /* the ticket at the window */
	struct hq_sim_arrival plan; /* what that citizen does */
	int recalls;
	struct hq_press press;
	int64_t unit_events;        /* the count the gateway's health report should reach */
	bool unit_known;            /* the gateway reported this unit at the start */
	int64_t break_at[2];        /* sim ms, 0 taken or none */
	int break_min[2];
	int64_t resume_at;
	bool worked;                /* has been open for business today (for lunch) */
	bool lunch;
	/* The scenario's incidents at this counter (sim ms, 0 none): an absence, signed out with
	 * the counter left open (--absent), and a long pause (--long-pause); when they happened,
	 * as the event stream showed them. */
	int64_t absent_from, absent_to, long_pause_at, long_pause_ms;
	bool long_pausing;          /* the pause pressed is the long one: it lasts from its event */
	int64_t signed_out_at, signed_in_at, long_paused_at, long_resumed_at;
	/* What it did, confirmed by the event stream. */
	int calls, empty_calls, served, noshows, transfers, recalls_made, reviews, breaks, lunches;
	int presses, retries, unexpected;
};

struct hq_sim_tally {
	int arrivals;               /* drawn by the model for the simulated part of the day */
	int impatient;              /* of those, citizens who give up after a while */
	int closed_counters;        /* closed at the start: nobody works them */
	int issued, kiosk_presses;
	int issued_others;          /* issued during the run by others (the kiosk hook) */
	int refused_closed, refused_cap, refused_other;
	int cancels, cancels_late;
	int calls, empty_calls, served, noshows, transfers, reviews;
	int late_reviews;           /* refused: the citizen came after the unit's 120 s */
	int case_steps;             /* bad-review case steps the supervisor took */
	int unexpected;             /* presses refused that should not have been */
};

struct hq_sim {
	const struct hq_config *cfg;
	struct hq_sim_params params;
	struct hq_sim_rates rates;
	struct hq_sim_record rec;
	struct hq_client *kiosk, *admin, *reader;   /* admin may be NULL; reader: stats, units */
	uint64_t seed;
	char run_id[24];            /* in every idempotency key: this run's requests only */
	char day[11];
	int wday;
	int speed;
	int64_t sync_sim, sync_mono;   /* hallqd's time at a real monotonic instant */
	int64_t end_ms;
	struct hq_clerk *clerks;
	int nclerks;
	/* Plans for tickets, by the index in hq_sim_ticket.plan. */
	struct hq_sim_arrival *plans;
	size_t nplans, capplans;
	struct hq_sim_tally tally;
	struct hq_stats_row before;    /* the day's figures when the run began (a day begun before) */
	volatile int *stop;
	/* The gateway's health report, read when a press is in doubt. */
	int64_t units_read_mono;
	bool units_ok;
	int64_t unit_events[HQ_SIM_MAX_COUNTER]; /* -1: no unit reported */
	/* The supervisor of the bad-review cases (supervisor.c). */
	struct hq_sim_rng case_rng;
	struct hq_sim_case *cases;
	size_t ncases, capcases;
};

/* A bad-review case as the supervisor works it: how far it will take it, and when next. */
struct hq_sim_case {
	int64_t id;                 /* the case's id (the case_opened event's value) */
	int64_t ticket;
	int goal;                   /* the state it will reach today: 1 verified .. 4 closed */
	int seen;                   /* its state when the supervisor last acted */
	int64_t next_at;            /* sim ms of the next step */
	bool sent;                  /* a step asked for, its event not seen yet */
};

/* hall.c: hallqd as the simulator reaches it. */
void hq_sim_nap_ms(long ms);
/* hallqd's time now, as far as the simulator can tell (to a few simulated seconds). */
int64_t hq_sim_now(const struct hq_sim *s);
/* Minute of the day of a sim time, local. */
int hq_sim_minute(int64_t ms);
/* A plan for a ticket; returns its index. */
int hq_sim_add_plan(struct hq_sim *s, const struct hq_sim_arrival *a);
/* Read the gateway's health report into s->unit_events (at most every 300 ms). */
void hq_sim_read_units(struct hq_sim *s, bool force);
/* A POST to hallqd, retried with the same idempotency key while hallqd cannot be reached. */
int hq_sim_post(struct hq_sim *s, struct hq_client *cl, const char *path, json_t *body,
		const char *idem, long *status, json_t **answer);

/* hallqd's hall time (and, when hall is not NULL, the hall: the caller's to json_decref). */
int hq_sim_hall_time(struct hq_sim *s, int64_t *ms, json_t **hall);
/* Put our clock in step with hallqd's: two turns of its second, a second apart, give its time
 * and its speed, which must be `speed` (0: take it as measured). */
int hq_sim_sync_clock(struct hq_sim *s, long speed);

/* The event stream, followed from its start (the day may have begun before us) in a thread
 * that queues each event; the main thread takes them. failed and why say it gave up: the
 * token was refused, or hallqd sends no at_ms. */
struct hq_sim_follower {
	pthread_t thread;
	bool started;
	struct hq_client *cl;       /* borrowed; the follower's own */
	volatile int *stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hq_sim_event *q;
	size_t n, cap;
	int quit;
	int failed;
	char why[300];
};
int hq_sim_follow_start(struct hq_sim_follower *f, struct hq_client *cl, volatile int *stop);
/* Wait up to ms for events, then take them all; returns how many (*out the caller frees). */
size_t hq_sim_follow_take(struct hq_sim_follower *f, long ms, struct hq_sim_event **out);
void hq_sim_follow_stop(struct hq_sim_follower *f);

/* report.c: the figures compared, one check each. */
#define HQ_SIM_TARGET_RATIO 0.2   /* the estimate's goal: MAE under 20% of the mean wait */
#define HQ_SIM_QUEUE_MIN_S 120.0  /* below this mean wait nobody queued: no verdict */

struct hq_sim_checks {
	int checks, mismatches;
	json_t *list;               /* every mismatch: by, key, field, sim, hallqd */
};

void hq_sim_mismatch(struct hq_sim_checks *k, const char *by, const char *key, const char *what,
		     double ours, double theirs);
void hq_sim_row_from_json(const json_t *o, struct hq_stats_row *row);
/* Fetch hallqd's figures by `name` (service, counter, hour, clerk) for the day, compare them
 * with the record's, and keep hallqd's answer in stats[name]; the table is printed for
 * service. HQ_ELINK when hallqd did not answer. */
int hq_sim_compare_by(struct hq_sim *s, struct hq_sim_checks *k, enum hq_group by, const char *name,
		      json_t *stats);
/* The simulator's own counts (its clerks', its tally) against hallqd's total row. */
void hq_sim_compare_own(struct hq_sim *s, struct hq_sim_checks *k, const struct hq_stats_row *total,
			json_t *report);
/* hallqd's alerts of the simulated day (GET /api/v1/alerts?state=all), *out malloc'd (the
 * caller frees it), with hallqd's time just before asking and just after its answer (to its
 * second, as bounds). HQ_ENOALERT: a hallqd without alerts (older); HQ_ELINK. */
int hq_sim_fetch_alerts(struct hq_sim *s, struct hq_sim_seen **out, size_t *n, int64_t *asked, int64_t *answered);
/* Those alerts against the record's (expect.h), rule by rule: printed, a check each, the
 * mismatches listed; report["alerts"] gets every figure. Their times are taken from the
 * event feed, where each raise and clear must be. */
void hq_sim_compare_alerts(struct hq_sim *s, struct hq_sim_checks *k, struct hq_sim_seen *seen, size_t n,
			   const struct hq_sim_window *w, json_t *report);
/* Print the estimate quality; its rows as JSON. *met: 1 met, 0 not, -1 no verdict. */
json_t *hq_sim_estimates(struct hq_sim *s, int *met);

/* supervisor.c: take each bad-review case the record knows some way through its steps (a
 * manager or admin token: s->reader), a few simulated minutes apart. */
void hq_sim_supervise(struct hq_sim *s, int64_t now);

/* clerk.c */
void hq_clerk_init(struct hq_clerk *c, struct hq_sim *s, const struct hq_counter_cfg *cc, int fifo);
/* Advance the clerk: press what is due, settle presses in doubt. */
void hq_clerk_step(struct hq_clerk *c, int64_t now);
/* An event of the stream, after the record took it. */
void hq_clerk_event(struct hq_clerk *c, const struct hq_sim_event *ev, const struct hq_sim_ticket *t);
/* Nothing at the window, nothing pressed, nothing waiting for it. */
bool hq_clerk_quiet(const struct hq_clerk *c);

#endif
