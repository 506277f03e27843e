/*
 * hallq-sim's own record of the day: every ticket as the event stream and hallqd's answers
 * showed it, with hallqd's own timestamps (the events' at_ms). From it the simulator checks
 * the hall's invariants as the day goes, computes the day's figures to compare them with
 * what hallqd reports, works out when each rule of electronic supervision should have
 * raised and cleared an alert (expect.h, fed every event), and measures how good the
 * estimated wait printed on each ticket was.
 * The figures follow the definitions written in docs/queue.md ("Statistics") and are
 * computed independently of queue/stats.c, on purpose: a check made from the library's own
 * code could only catch wrong data, never a wrong definition.
 *
 * Ownership: hq_sim_record_free() frees everything the record holds; hq_sim_record_stats()
 * fills a struct hq_stats whose rows hq_stats_free() frees.
 */
#ifndef HQ_SIM_RECORD_H
#define HQ_SIM_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "expect.h"
#include "hq_clock.h"
#include "hq_error.h"
#include "hq_hall.h"
#include "hq_time.h"

/* One event of GET /api/v1/events, as the simulator keeps it. */
struct hq_sim_event {
	int64_t id, at_ms, ticket_id;
	char type[32];
	char label[16];
	char service[HQ_KEY_MAX];
	int counter, value;
	char detail[128];
};

/* Fill ev from the event's JSON data; HQ_EINVAL when a field is missing (at_ms included:
 * a hallqd too old to send it cannot be compared to the millisecond). */
int hq_sim_event_parse(int64_t id, json_t *data, struct hq_sim_event *ev);

struct hq_sim_ticket {
	int64_t id, parent_id;
	char label[16];
	char service[HQ_KEY_MAX];
	char clerk[HQ_CLERK_MAX];
	bool priority;
	enum hq_tstate state;
	int counter, target_counter, recalls;
	int rating;                 /* its review's level 1..5, 0 for none */
	int64_t case_id;            /* its bad review's case, 0 for none */
	int case_state;             /* that case's state: 0 open .. 4 closed */
	int64_t issued_at, queued_at, called_at, started_at, ended_at;
	/* At issue, from hallqd's answer (or the ticket's status when another program issued it). */
	bool est_known;
	int est_wait_s, people_ahead;
	bool by_sim;                /* issued by this simulator through the API */
	int finals;                 /* final-state events seen: exactly one when it is over */
	int plan;                   /* index of what the citizen will do, -1 none yet */
	bool cancel_sent;
};

#define HQ_SIM_MAX_COUNTER 10000

struct hq_sim_record {
	struct hq_sim_ticket *t;    /* in id order */
	size_t n, cap;
	int64_t day_from, day_to;   /* the simulated day, unix ms [from, to) */
	int64_t last_event;
	int64_t current[HQ_SIM_MAX_COUNTER]; /* each counter's called or serving ticket */
	int64_t last_transferred;   /* for the requeued event of the same operation */
	/* Waiting now: by service index (any counter), and sent to one counter. */
	const struct hq_config *cfg;
	int waiting_service[HQ_MAX_SERVICES];
	int waiting_counter[HQ_SIM_MAX_COUNTER];
	int breaches;               /* invariants broken */
	char breach[8][200];        /* the first few, for the report */
	json_t *breach_list;        /* every one, for the JSON report */
	/* What electronic supervision should have raised (expect.h), from every event. */
	struct hq_sim_expect expect;
};

/* HQ_ENOMEM when out of memory. */
int hq_sim_record_init(struct hq_sim_record *r, const struct hq_config *cfg, int64_t day_from,
		       int64_t day_to);
void hq_sim_record_free(struct hq_sim_record *r);
struct hq_sim_ticket *hq_sim_record_find(struct hq_sim_record *r, int64_t id);
/* A ticket that this simulator issued: hallqd's answer to POST /api/v1/tickets. */
struct hq_sim_ticket *hq_sim_record_issued(struct hq_sim_record *r, const json_t *ticket);
/* Apply one event, in the stream's order (the expected alerts follow it too); the ticket it
 * concerns, or NULL. */
struct hq_sim_ticket *hq_sim_record_event(struct hq_sim_record *r, const struct hq_sim_event *ev);
/* People waiting that counter c may call now (its services' queues and tickets sent to it). */
int hq_sim_record_waiting_for(const struct hq_sim_record *r, const struct hq_counter_cfg *c);
/* Note an invariant broken; printf-like. */
void hq_sim_record_breach(struct hq_sim_record *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* At the end of the day: tickets neither in a final state nor waiting, and any ticket
 * ended twice, are breaches; returns how many tickets are still open (waiting, called). */
int hq_sim_record_close(struct hq_sim_record *r);

/* The day's figures as docs/queue.md defines them, over the tickets issued in the day,
 * rows in the documented order. appointments and missed_appointments are 0: the record
 * has no appointments (the simulator books none), and hallq-sim does not compare them. */
int hq_sim_record_stats(const struct hq_sim_record *r, enum hq_group by, struct hq_stats *out);

/*
 * Estimate quality over the steady hours: tickets issued at least an hour after their
 * service's opening period began and an hour before it ends (so neither the first samples
 * nor the run-down before lunch and closing count), and called. err = est - wait.
 */
struct hq_sim_estimate {
	char key[HQ_KEY_MAX];       /* service, or "total" */
	int n;
	double mae_s, mean_wait_s, within5; /* within5: share with |err| <= 300 s */
	double bias_s;              /* mean of est - wait: > 0 the estimate was too long */
};
/* Rows per service (config order, only services with tickets) then the total; returns n. */
int hq_sim_record_estimates(const struct hq_sim_record *r, struct hq_sim_estimate *out, int max);

#endif
