/*
 * The rules of a hall's queue: issuing, calling, serving, transferring and closing
 * tickets; counter states; appointments (clerks sign in and out in clerk.c). docs/queue.md
 * states the rules in prose. Each public function is one transaction: hq__begin, the rule,
 * hq__end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

#define MIN_MS (60 * 1000LL)

static int is_prio(int cls)
{
	return cls != HQ_CLASS_NORMAL;
}

/* Fill the caller's ticket, if it wants one, with the row as it is now. */
static int give(struct hq_queue *q, int64_t id, struct hq_ticket *out)
{
	return out ? hq__load_ticket(q, id, out) : HQ_OK;
}

/* Counters ------------------------------------------------------------------------- */

struct counter_row {
	const struct hq_counter_cfg *cfg;
	enum hq_cstate state;
	char reason[HQ_REASON_MAX];
	char clerk[HQ_CLERK_MAX];
	int64_t current_id;
	int64_t last_id;
	int prio_run;
	int64_t called_id;          /* the ticket it called last, for its turn */
};

static int load_counter(struct hq_queue *q, int number, struct counter_row *c)
{
	sqlite3_stmt *s;
	int rc;

	memset(c, 0, sizeof *c);
	c->cfg = hq_config_counter(q->cfg, number);
	if (!c->cfg)
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", number);
	s = hq__stmt(q, SQL_COUNTER_GET);
	sqlite3_bind_int(s, 1, number);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->state = sqlite3_column_int(s, 0);
		hq__copy_col(c->reason, sizeof c->reason, s, 1);
		hq__copy_col(c->clerk, sizeof c->clerk, s, 2);
		c->current_id = sqlite3_column_int64(s, 3);
		c->last_id = sqlite3_column_int64(s, 4);
		c->prio_run = sqlite3_column_int(s, 5);
		c->called_id = sqlite3_column_int64(s, 6);
		sqlite3_reset(s);
		return HQ_OK;
	}
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	return hq__fail(q, HQ_ENOCOUNTER, "counter %d has no record; run hallq init again", number);
}

static int set_counter_int(struct hq_queue *q, enum hq_sql which, int number, int64_t v)
{
	sqlite3_stmt *s = hq__stmt(q, which);

	sqlite3_bind_int(s, 1, number);
	sqlite3_bind_int64(s, 2, v);
	return hq__exec(q, s);
}

/* The counter's citizen: id, or 0 when it frees the window. Either is the counter at work. */
static int set_current(struct hq_queue *q, struct counter_row *c, int64_t id)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_SET_CURRENT);

	sqlite3_bind_int(s, 1, c->cfg->number);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, q->now);
	c->current_id = id;
	return hq__exec(q, s);
}

static int counter_must_call(struct hq_queue *q, const struct counter_row *c)
{
	if (c->state == HQ_C_PAUSED)
		return hq__fail(q, HQ_EPAUSED, "counter %d is paused (%s); resume it first",
				c->cfg->number, c->reason[0] ? c->reason : "no reason given");
	if (c->state == HQ_C_CLOSED)
		return hq__fail(q, HQ_ECTRCLOSED, "counter %d is closed; open it first", c->cfg->number);
	return HQ_OK;
}

/* The counter's called or serving ticket, or HQ_EIDLE. */
static int current_ticket(struct hq_queue *q, const struct counter_row *c, struct hq_ticket *t)
{
	int rc;

	if (!c->current_id)
		return hq__fail(q, HQ_EIDLE, "counter %d has no current ticket", c->cfg->number);
	if ((rc = hq__load_ticket(q, c->current_id, t)))
		return rc;
	if (t->state != HQ_T_CALLED && t->state != HQ_T_SERVING)
		return hq__fail(q, HQ_EIDLE, "counter %d has no current ticket", c->cfg->number);
	return HQ_OK;
}

/* End a counter's current ticket in a final state (or parked), freeing the counter. */
static int end_current(struct hq_queue *q, struct counter_row *c, const struct hq_ticket *t,
		       enum hq_tstate state, const char *reason, const char *event, int value,
		       const char *detail)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_END);
	int rc;

	sqlite3_bind_int64(s, 1, t->id);
	sqlite3_bind_int(s, 2, state);
	sqlite3_bind_int64(s, 3, state == HQ_T_PARKED ? 0 : q->now);
	hq__bind_text(s, 4, reason);
	if ((rc = hq__exec(q, s)))
		return rc;
	if ((rc = set_current(q, c, 0)))
		return rc;
	if (state == HQ_T_DONE) {
		if ((rc = set_counter_int(q, SQL_COUNTER_SET_LAST, c->cfg->number, t->id)))
			return rc;
		c->last_id = t->id;
	}
	return hq__ticket_event(q, event, t->id, c->cfg->number, value, detail);
}

/* A clerk who presses "next" is done with the citizen at the window. */
static int finish_current(struct hq_queue *q, struct counter_row *c)
{
	struct hq_ticket t;
	int rc;

	if (!c->current_id)
		return HQ_OK;
	rc = current_ticket(q, c, &t);
	if (rc == HQ_EIDLE) {
		q->err[0] = '\0';
		return set_current(q, c, 0);
	}
	if (rc)
		return rc;
	return end_current(q, c, &t, HQ_T_DONE, "", "finished", 0, c->clerk);
}

/* Move a waiting or parked ticket to the counter. */
static int call_ticket(struct hq_queue *q, struct counter_row *c, int64_t id, int prio, bool update_run)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_CALL);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, c->cfg->number);
	hq__bind_text(s, 3, c->clerk);
	sqlite3_bind_int64(s, 4, q->now);
	if ((rc = hq__exec(q, s)))
		return rc;
	/* The WHERE state guard inside the transaction is what makes a double call impossible. */
	if (sqlite3_changes(q->db) != 1)
		return hq__fail(q, HQ_ESTATE, "ticket %lld is no longer waiting", (long long)id);
	/* This call ends the turn of the counter's previous ticket: the estimated wait
	 * learns the counter's pace from these (queue/estimate.c). */
	if (c->called_id && c->called_id != id) {
		s = hq__stmt(q, SQL_TICKET_SET_TURN);
		sqlite3_bind_int64(s, 1, c->called_id);
		sqlite3_bind_int64(s, 2, q->now);
		sqlite3_bind_int64(s, 3, id);
		sqlite3_bind_int64(s, 4, HQ_TURN_GAP_MAX_MS);
		sqlite3_bind_int(s, 5, c->cfg->number);
		/* The estimate keeps each service's turns for a minute unless one is written. */
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			int i = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 0));

			if (i >= 0)
				q->turns_written[i]++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return hq__dberr(q, rc);
	}
	if ((rc = set_current(q, c, id)))
		return rc;
	c->called_id = id;
	if (update_run && (rc = set_counter_int(q, SQL_COUNTER_SET_RUN, c->cfg->number,
						prio ? c->prio_run + 1 : 0)))
		return rc;
	return hq__ticket_event(q, "called", id, c->cfg->number, 0, c->clerk);
}

struct candidate {
	int64_t id;
	int64_t origin;
};

/* Step a "first waiting" query; fills cand when it finds one that beats it. */
static int first_waiting(struct hq_queue *q, sqlite3_stmt *s, struct candidate *cand, bool *found)
{
	int rc = sqlite3_step(s);

	*found = false;
	if (rc == SQLITE_ROW) {
		int64_t origin = sqlite3_column_int64(s, 1);

		*found = true;
		if (!cand->id || origin < cand->origin) {
			cand->id = sqlite3_column_int64(s, 0);
			cand->origin = origin;
		}
		sqlite3_reset(s);
		return HQ_OK;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

/* The ticket this counter would call next in class `prio`: its service order first, the
 * first service with someone waiting wins; tickets sent to this counter by name compete
 * with that winner by their place in the queue. */
static int best_in_class(struct hq_queue *q, const struct counter_row *c, int prio, struct candidate *cand)
{
	sqlite3_stmt *s;
	bool found;
	int i, rc;

	memset(cand, 0, sizeof *cand);
	for (i = 0; i < c->cfg->nservices; i++) {
		s = hq__stmt(q, SQL_TICKET_FIRST_SERVICE);
		hq__bind_text(s, 1, q->cfg->services[c->cfg->services[i]].key);
		sqlite3_bind_int(s, 2, prio);
		if ((rc = first_waiting(q, s, cand, &found)))
			return rc;
		if (found)
			break;
	}
	s = hq__stmt(q, SQL_TICKET_FIRST_TARGETED);
	sqlite3_bind_int(s, 1, c->cfg->number);
	sqlite3_bind_int(s, 2, prio);
	return first_waiting(q, s, cand, &found);
}

static int do_call_next(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	struct counter_row c;
	struct candidate prio, normal, *pick;
	int ratio, rc;

	if ((rc = load_counter(q, counter, &c)) || (rc = counter_must_call(q, &c)))
		return rc;
	if ((rc = best_in_class(q, &c, 1, &prio)) || (rc = best_in_class(q, &c, 0, &normal)))
		return rc;
	if (!prio.id && !normal.id)
		return hq__fail(q, HQ_EEMPTY, "nobody is waiting for counter %d", counter);
	/* Priority first, but after `ratio` priority calls in a row a waiting normal ticket
	 * gets its turn, so the normal queue never starves. */
	ratio = q->cfg->priority_ratio;
	if (prio.id && (!normal.id || ratio == 0 || c.prio_run < ratio))
		pick = &prio;
	else
		pick = &normal;
	if ((rc = finish_current(q, &c)))
		return rc;
	if ((rc = call_ticket(q, &c, pick->id, pick == &prio, true)))
		return rc;
	return give(q, pick->id, out);
}

static int do_call_ticket(struct hq_queue *q, int counter, int64_t id, struct hq_ticket *out)
{
	struct counter_row c;
	struct hq_ticket t;
	int rc;

	if ((rc = load_counter(q, counter, &c)) || (rc = counter_must_call(q, &c)))
		return rc;
	if ((rc = hq__load_ticket(q, id, &t)))
		return rc;
	if (t.state != HQ_T_WAITING && t.state != HQ_T_PARKED)
		return hq__fail(q, HQ_ESTATE, "ticket %s is %s, not waiting or parked", t.label,
				hq_tstate_name(t.state));
	if (strcmp(t.day, q->day) != 0)
		return hq__fail(q, HQ_ESTATE, "ticket %s is from %s, not today", t.label, t.day);
	if ((rc = finish_current(q, &c)))
		return rc;
	/* Out of order: it does not count toward the priority run. */
	if ((rc = call_ticket(q, &c, id, is_prio(t.cls), false)))
		return rc;
	return give(q, id, out);
}

/* Operations on the counter's current ticket share this shape. */
enum cur_op { OP_RECALL, OP_NOSHOW, OP_START, OP_FINISH, OP_PARK };

static int do_current(struct hq_queue *q, int counter, enum cur_op op, struct hq_ticket *out)
{
	struct counter_row c;
	struct hq_ticket t;
	sqlite3_stmt *s;
	int rc, limit;

	if ((rc = load_counter(q, counter, &c)) || (rc = current_ticket(q, &c, &t)))
		return rc;
	switch (op) {
	case OP_RECALL:
		if (t.state != HQ_T_CALLED)
			return hq__fail(q, HQ_ESTATE, "ticket %s is being served; a recall is for a "
					"called ticket", t.label);
		limit = q->cfg->noshow_after_recalls;
		if (limit > 0 && t.recalls >= limit) {
			rc = end_current(q, &c, &t, HQ_T_NOSHOW, "no-show after recalls", "noshow",
					 t.recalls, c.clerk);
			break;
		}
		s = hq__stmt(q, SQL_TICKET_RECALL);
		sqlite3_bind_int64(s, 1, t.id);
		if ((rc = hq__exec(q, s)))
			return rc;
		rc = hq__ticket_event(q, "recalled", t.id, counter, t.recalls + 1, c.clerk);
		break;
	case OP_NOSHOW:
		if (t.state != HQ_T_CALLED)
			return hq__fail(q, HQ_ESTATE, "ticket %s is being served, so it cannot be a "
					"no-show", t.label);
		rc = end_current(q, &c, &t, HQ_T_NOSHOW, "no-show", "noshow", t.recalls, c.clerk);
		break;
	case OP_START:
		if (t.state != HQ_T_CALLED)
			return hq__fail(q, HQ_ESTATE, "ticket %s is already being served", t.label);
		s = hq__stmt(q, SQL_TICKET_START);
		sqlite3_bind_int64(s, 1, t.id);
		sqlite3_bind_int64(s, 2, q->now);
		if ((rc = hq__exec(q, s)))
			return rc;
		rc = hq__ticket_event(q, "started", t.id, counter, 0, c.clerk);
		break;
	case OP_FINISH:
		rc = end_current(q, &c, &t, HQ_T_DONE, "", "finished", 0, c.clerk);
		break;
	case OP_PARK:
		rc = end_current(q, &c, &t, HQ_T_PARKED, "", "parked", 0, c.clerk);
		break;
	default:
		rc = HQ_EINVAL;
	}
	return rc ? rc : give(q, t.id, out);
}

/* A new waiting ticket row. Issue gives it a new number; a transfer copies one. */
struct new_ticket {
	int64_t parent_id, origin_id;   /* origin 0: the ticket is its own place */
	const char *day, *service, *origin_service, *label;
	int number, cls, target_counter, ahead, wait_s;
	int range[2];                   /* the estimate's 80% range, HQ_EST_NONE none */
	int64_t issued_at;
	const char *secret;             /* a transfer's: its ticket's; NULL: a new one */
};

/*
 * The key of a new ticket's status URL: 64 bits from the kernel's generator, as 16 hex
 * digits. Whoever holds the printed ticket holds its key, and the key alone lets a phone
 * review the ticket, so it must not be guessed from the id or the time.
 */
static int new_secret(struct hq_queue *q, char out[HQ_SECRET_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[HQ_SECRET_LEN / 2];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);

		if (n < 0 && errno != EINTR)
			return hq__fail(q, HQ_EIO, "no random bytes for the ticket's key: %s", strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof b; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[HQ_SECRET_LEN] = '\0';
	return HQ_OK;
}

static int insert_ticket(struct hq_queue *q, const struct new_ticket *nt, int64_t *id)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_NEXT_ID);
	char secret[HQ_SECRET_LEN + 1];
	int rc;

	if (nt->secret)
		snprintf(secret, sizeof secret, "%s", nt->secret);
	else if ((rc = new_secret(q, secret)))
		return rc;
	if ((rc = sqlite3_step(s)) != SQLITE_ROW)
		return hq__dberr(q, rc);
	*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);

	s = hq__stmt(q, SQL_TICKET_INSERT);
	sqlite3_bind_int64(s, 1, *id);
	sqlite3_bind_int64(s, 2, nt->parent_id);
	sqlite3_bind_int64(s, 3, nt->origin_id ? nt->origin_id : *id);
	hq__bind_text(s, 4, nt->day);
	hq__bind_text(s, 5, nt->service);
	hq__bind_text(s, 6, nt->origin_service);
	sqlite3_bind_int(s, 7, nt->number);
	hq__bind_text(s, 8, nt->label);
	sqlite3_bind_int(s, 9, nt->cls);
	sqlite3_bind_int(s, 10, is_prio(nt->cls));
	sqlite3_bind_int(s, 11, nt->target_counter);
	sqlite3_bind_int(s, 12, nt->ahead);
	sqlite3_bind_int(s, 13, nt->wait_s);
	sqlite3_bind_int64(s, 14, nt->issued_at);
	sqlite3_bind_int64(s, 15, q->now);
	sqlite3_bind_int(s, 17, nt->range[0]);
	sqlite3_bind_int(s, 18, nt->range[1]);
	hq__bind_text(s, 16, secret);
	return hq__exec(q, s);
}

/* A new waiting ticket that continues `t`: same label, class and place in the queue. */
static int requeue_as_child(struct hq_queue *q, const struct hq_ticket *t, const char *service,
			    int target_counter, int64_t *child)
{
	struct new_ticket nt = {.parent_id = t->id, .day = t->day, .service = service, .label = t->label,
				.number = t->number, .cls = t->cls, .target_counter = target_counter,
				.range = {HQ_EST_NONE, HQ_EST_NONE}, .issued_at = t->issued_at,
				.secret = t->secret};
	char origin_service[HQ_KEY_MAX];
	sqlite3_stmt *s;
	int rc;

	s = hq__stmt(q, SQL_TICKET_ORIGIN);
	sqlite3_bind_int64(s, 1, t->id);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW)
		return hq__dberr(q, rc);
	nt.origin_id = sqlite3_column_int64(s, 0);
	hq__copy_col(origin_service, sizeof origin_service, s, 1);
	sqlite3_reset(s);
	nt.origin_service = origin_service;
	if ((rc = insert_ticket(q, &nt, child)))
		return rc;
	return hq__ticket_event(q, "requeued", *child, target_counter, 0, "transfer");
}

static int do_transfer(struct hq_queue *q, int counter, const char *service, int to_counter,
		       struct hq_ticket *out)
{
	struct counter_row c;
	struct hq_ticket t;
	int64_t child = 0;
	int rc;

	if ((rc = load_counter(q, counter, &c)))
		return rc;
	if (service && !hq_config_service(q->cfg, service))
		return hq__fail(q, HQ_ENOSERVICE, "no service '%s' in this hall", service);
	if (!service && !hq_config_counter(q->cfg, to_counter))
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", to_counter);
	if (!service && to_counter == counter)
		return hq__fail(q, HQ_EINVAL, "a ticket cannot be transferred to its own counter");
	if ((rc = current_ticket(q, &c, &t)))
		return rc;
	if (service && strcmp(service, t.service) == 0)
		return hq__fail(q, HQ_EINVAL, "ticket %s is already in service '%s'", t.label, service);
	rc = end_current(q, &c, &t, HQ_T_TRANSFERRED, service ? "to service" : "to counter",
			 "transferred", service ? 0 : to_counter, service ? service : t.service);
	if (rc == HQ_OK)
		rc = requeue_as_child(q, &t, service ? service : t.service, service ? 0 : to_counter, &child);
	return rc ? rc : give(q, child, out);
}

static int do_unpark(struct hq_queue *q, int64_t id, struct hq_ticket *out)
{
	sqlite3_stmt *s;
	struct hq_ticket t;
	int rc;

	if ((rc = hq__load_ticket(q, id, &t)))
		return rc;
	if (t.state != HQ_T_PARKED)
		return hq__fail(q, HQ_ESTATE, "ticket %s is %s, not parked", t.label, hq_tstate_name(t.state));
	/* It keeps its row and so its place; only the counter that parked it calls it. */
	s = hq__stmt(q, SQL_TICKET_REQUEUE);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, t.counter);
	sqlite3_bind_int64(s, 3, t.queued_at);
	if ((rc = hq__exec(q, s)) || (rc = hq__ticket_event(q, "requeued", id, t.counter, 0, "unpark")))
		return rc;
	return give(q, id, out);
}

static int do_cancel(struct hq_queue *q, int64_t id, const char *reason, struct hq_ticket *out)
{
	struct hq_ticket t;
	int rc;

	if ((rc = hq__load_ticket(q, id, &t)))
		return rc;
	if (t.state != HQ_T_WAITING && t.state != HQ_T_PARKED)
		return hq__fail(q, HQ_ESTATE, "ticket %s is %s; only waiting or parked tickets can be "
				"cancelled", t.label, hq_tstate_name(t.state));
	rc = hq__end_ticket(q, id, HQ_T_CANCELLED, reason && *reason ? reason : "cancelled",
			    "cancelled", 0);
	return rc ? rc : give(q, id, out);
}

/* Issue ---------------------------------------------------------------------------- */

static int do_issue(struct hq_queue *q, const char *key, enum hq_class cls, bool check_hours,
		    struct hq_ticket *out, int64_t *id_out)
{
	const struct hq_service *sv = key ? hq_config_service(q->cfg, key) : NULL;
	struct new_ticket nt;
	sqlite3_stmt *s;
	int64_t id;
	int count, number, wday, minute, ahead, wait_s, range[2], rc;
	unsigned written;
	char label[HQ_LABEL_MAX];

	if (!sv)
		return hq__fail(q, HQ_ENOSERVICE, "no service '%s' in this hall", key ? key : "");
	if ((unsigned)cls > HQ_CLASS_APPOINTMENT)
		return hq__fail(q, HQ_EINVAL, "ticket class %d is not normal, priority or appointment", cls);
	if (sv->priority_lane && cls == HQ_CLASS_NORMAL)
		cls = HQ_CLASS_PRIORITY;
	hq_local_parts(q->now, &wday, &minute);
	if (check_hours && !hq_service_open_at(sv, wday, minute))
		return hq__fail(q, HQ_ECLOSED, "service '%s' (%s) is closed now", sv->key, sv->name);

	/* Numbers run in order from `first`, so the last one tells how many were issued:
	 * one index probe instead of counting the day's tickets. */
	s = hq__stmt(q, SQL_TICKET_DAY_LAST);
	hq__bind_text(s, 1, q->day);
	hq__bind_text(s, 2, sv->key);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW)
		return hq__dberr(q, rc);
	number = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	count = number >= sv->first ? number - sv->first + 1 : 0;
	number = number < sv->first ? sv->first : number + 1;
	if (number > sv->last)
		return hq__fail(q, HQ_EEXHAUSTED, "service '%s' has used all numbers %s%0*d-%s%0*d today",
				sv->key, sv->prefix, sv->digits, sv->first, sv->prefix, sv->digits, sv->last);
	if (count >= sv->daily_cap)
		return hq__fail(q, HQ_ECAP, "service '%s' has issued its %d tickets for today",
				sv->key, sv->daily_cap);
	snprintf(label, sizeof label, "%s%0*d", sv->prefix, sv->digits, number);

	if ((rc = hq__estimate(q, sv, is_prio(cls), &ahead, &wait_s, range)))
		return rc;
	nt = (struct new_ticket){.day = q->day, .service = sv->key, .origin_service = sv->key,
				 .label = label, .number = number, .cls = cls, .ahead = ahead,
				 .wait_s = wait_s, .range = {range[0], range[1]}, .issued_at = q->now};
	written = q->tickets_written;
	if ((rc = insert_ticket(q, &nt, &id)) ||
	    (rc = hq__ticket_event(q, "issued", id, 0, ahead, hq_class_name(cls))))
		return rc;
	hq__estimate_issued(q, sv, is_prio(cls), written);
	if (id_out)
		*id_out = id;
	return give(q, id, out);
}

/* Appointments --------------------------------------------------------------------- */

static int do_book(struct hq_queue *q, const char *key, int64_t slot_at, const char *name,
		   const char *phone, struct hq_appointment *out)
{
	const struct hq_service *sv = key ? hq_config_service(q->cfg, key) : NULL;
	sqlite3_stmt *s;
	char code[HQ_CODE_LEN + 1];
	int wday, minute, booked, tries, rc;
	unsigned r;

	if (!sv)
		return hq__fail(q, HQ_ENOSERVICE, "no service '%s' in this hall", key ? key : "");
	if (sv->appointments_per_slot == 0)
		return hq__fail(q, HQ_ESLOT, "service '%s' takes no appointments", sv->key);
	hq_local_parts(slot_at, &wday, &minute);
	if (slot_at % MIN_MS != 0 || minute % q->cfg->slot_minutes != 0)
		return hq__fail(q, HQ_ESLOT, "appointment slots start every %d minutes; that time is "
				"not the start of one", q->cfg->slot_minutes);
	if (!hq_service_open_at(sv, wday, minute))
		return hq__fail(q, HQ_ESLOT, "service '%s' is not open at that time", sv->key);
	if (slot_at + q->cfg->checkin_late_minutes * MIN_MS < q->now)
		return hq__fail(q, HQ_ESLOT, "that slot has already passed");
	s = hq__stmt(q, SQL_APPT_SLOT_COUNT);
	hq__bind_text(s, 1, sv->key);
	sqlite3_bind_int64(s, 2, slot_at);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW)
		return hq__dberr(q, rc);
	booked = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (booked >= sv->appointments_per_slot)
		return hq__fail(q, HQ_ESLOT, "that slot is full (%d appointments)", booked);

	/* Six random digits, never reused, so an old code can never check in a new booking. */
	for (tries = 0;; tries++) {
		if (tries == 50)
			return hq__fail(q, HQ_EDB, "could not find a free appointment code");
		sqlite3_randomness(sizeof r, &r);
		snprintf(code, sizeof code, "%06u", r % 1000000u);
		s = hq__stmt(q, SQL_APPT_CODE_USED);
		hq__bind_text(s, 1, code);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW)
			return hq__dberr(q, rc);
	}
	s = hq__stmt(q, SQL_APPT_INSERT);
	hq__bind_text(s, 1, code);
	hq__bind_text(s, 2, sv->key);
	sqlite3_bind_int64(s, 3, slot_at);
	hq__bind_text(s, 4, name);
	hq__bind_text(s, 5, phone);
	sqlite3_bind_int64(s, 6, q->now);
	if ((rc = hq__exec(q, s)))
		return rc;
	if (out) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_last_insert_rowid(q->db);
		memcpy(out->code, code, sizeof out->code);
		snprintf(out->service, sizeof out->service, "%s", sv->key);
		out->slot_at = slot_at;
		snprintf(out->name, sizeof out->name, "%s", name ? name : "");
		snprintf(out->phone, sizeof out->phone, "%s", phone ? phone : "");
	}
	/* The code is the citizen's key: it stays out of the feed that displays read. The
	 * slot's time is not personal, and the centre counts appointments and missed ones by
	 * it (central/schema-derived.sql): its unix ms as decimal text in the detail, since
	 * value holds the appointment id and is too narrow for ms. */
	{
		struct hq_ticket none = {0};
		char slot[24];

		snprintf(none.service, sizeof none.service, "%s", sv->key);
		snprintf(slot, sizeof slot, "%lld", (long long)slot_at);
		return hq__event(q, "booked", &none, 0, (int)sqlite3_last_insert_rowid(q->db), slot);
	}
}

static int do_checkin(struct hq_queue *q, const char *code, struct hq_ticket *out)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_APPT_GET);
	char service[HQ_KEY_MAX];
	int64_t appt, slot_at, ticket, id;
	int rc;

	hq__bind_text(s, 1, code);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return hq__fail(q, HQ_ENOCODE, "no appointment has the code '%s'", code ? code : "");
	if (rc != SQLITE_ROW)
		return hq__dberr(q, rc);
	appt = sqlite3_column_int64(s, 0);
	hq__copy_col(service, sizeof service, s, 2);
	slot_at = sqlite3_column_int64(s, 3);
	ticket = sqlite3_column_int64(s, 6);
	sqlite3_reset(s);
	if (ticket)
		return hq__fail(q, HQ_EUSED, "appointment %s was already checked in", code);
	if (q->now < slot_at - q->cfg->checkin_early_minutes * MIN_MS)
		return hq__fail(q, HQ_EEARLY, "too early: check-in opens %d minutes before the "
				"appointment", q->cfg->checkin_early_minutes);
	if (q->now > slot_at + q->cfg->checkin_late_minutes * MIN_MS)
		return hq__fail(q, HQ_ELATE, "too late: check-in closed %d minutes after the "
				"appointment time", q->cfg->checkin_late_minutes);
	/* The booking was checked against the opening hours; the early window may fall
	 * just before the doors open. */
	if ((rc = do_issue(q, service, HQ_CLASS_APPOINTMENT, false, NULL, &id)))
		return rc;
	s = hq__stmt(q, SQL_APPT_SET_TICKET);
	sqlite3_bind_int64(s, 1, appt);
	sqlite3_bind_int64(s, 2, id);
	if ((rc = hq__exec(q, s)) || (rc = hq__ticket_event(q, "checked_in", id, 0, (int)appt, "")))
		return rc;
	return give(q, id, out);
}

/* Counter states --------------------------------------------------------------------- */

enum ctr_op { OP_PAUSE, OP_RESUME, OP_OPEN, OP_CLOSE };

static int set_state(struct hq_queue *q, struct counter_row *c, enum hq_cstate state,
		     const char *reason, const char *event)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_SET_STATE);
	int rc;

	sqlite3_bind_int(s, 1, c->cfg->number);
	sqlite3_bind_int(s, 2, state);
	hq__bind_text(s, 3, reason);
	sqlite3_bind_int64(s, 4, q->now);
	if ((rc = hq__exec(q, s)))
		return rc;
	return hq__event(q, event, NULL, c->cfg->number, 0, reason);
}

static int do_counter(struct hq_queue *q, int counter, enum ctr_op op, const char *arg)
{
	struct counter_row c;
	int rc;

	if ((rc = load_counter(q, counter, &c)))
		return rc;
	switch (op) {
	case OP_PAUSE:
		if (c.state == HQ_C_CLOSED)
			return hq__fail(q, HQ_ESTATE, "counter %d is closed; a closed counter cannot "
					"pause", counter);
		return set_state(q, &c, HQ_C_PAUSED, arg && *arg ? arg : "paused", "counter_paused");
	case OP_RESUME:
		if (c.state == HQ_C_CLOSED)
			return hq__fail(q, HQ_ESTATE, "counter %d is closed; open it instead", counter);
		if (c.state == HQ_C_OPEN)
			return HQ_OK; /* a repeated key press changes nothing */
		return set_state(q, &c, HQ_C_OPEN, "", "counter_resumed");
	case OP_OPEN:
		if (c.state == HQ_C_OPEN)
			return HQ_OK;
		return set_state(q, &c, HQ_C_OPEN, "", "counter_opened");
	case OP_CLOSE:
		/* Whoever is signed in leaves with the close: their hours end here. */
		if (c.state == HQ_C_CLOSED)
			return hq__sign_out(q, counter, HQ__OUT_CLOSED, false);
		if (c.current_id) {
			struct hq_ticket t;

			if ((rc = current_ticket(q, &c, &t)) == HQ_OK)
				return hq__fail(q, HQ_EBUSYCTR, "counter %d still has ticket %s; finish "
						"or transfer it first", counter, t.label);
			if (rc != HQ_EIDLE)
				return rc;
			q->err[0] = '\0';
		}
		if ((rc = hq__sign_out(q, counter, HQ__OUT_CLOSED, false)))
			return rc;
		return set_state(q, &c, HQ_C_CLOSED, arg && *arg ? arg : "", "counter_closed");
	}
	return HQ_EINVAL;
}

/* Public entry points: one transaction each. ----------------------------------------- */

#define TX_OP(call)                                \
	do {                                       \
		int rc_ = hq__begin(q, true);      \
		return hq__end(q, rc_ ? rc_ : (call)); \
	} while (0)

int hq_queue_issue(struct hq_queue *q, const char *service, enum hq_class cls, struct hq_ticket *out)
{
	TX_OP(do_issue(q, service, cls, true, out, NULL));
}

int hq_queue_call_next(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	TX_OP(do_call_next(q, counter, out));
}

int hq_queue_call_ticket(struct hq_queue *q, int counter, int64_t id, struct hq_ticket *out)
{
	TX_OP(do_call_ticket(q, counter, id, out));
}

int hq_queue_recall(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	TX_OP(do_current(q, counter, OP_RECALL, out));
}

int hq_queue_noshow(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	TX_OP(do_current(q, counter, OP_NOSHOW, out));
}

int hq_queue_start(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	TX_OP(do_current(q, counter, OP_START, out));
}

int hq_queue_finish(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	TX_OP(do_current(q, counter, OP_FINISH, out));
}

int hq_queue_park(struct hq_queue *q, int counter, struct hq_ticket *out)
{
	TX_OP(do_current(q, counter, OP_PARK, out));
}

int hq_queue_transfer_service(struct hq_queue *q, int counter, const char *service, struct hq_ticket *out)
{
	if (!service)
		return hq__fail(q, HQ_EINVAL, "no target service given");
	TX_OP(do_transfer(q, counter, service, 0, out));
}

int hq_queue_transfer_counter(struct hq_queue *q, int counter, int to_counter, struct hq_ticket *out)
{
	TX_OP(do_transfer(q, counter, NULL, to_counter, out));
}

int hq_queue_unpark(struct hq_queue *q, int64_t id, struct hq_ticket *out)
{
	TX_OP(do_unpark(q, id, out));
}

int hq_queue_cancel(struct hq_queue *q, int64_t id, const char *reason, struct hq_ticket *out)
{
	TX_OP(do_cancel(q, id, reason, out));
}

int hq_queue_pause(struct hq_queue *q, int counter, const char *reason)
{
	TX_OP(do_counter(q, counter, OP_PAUSE, reason));
}

int hq_queue_resume(struct hq_queue *q, int counter)
{
	TX_OP(do_counter(q, counter, OP_RESUME, NULL));
}

int hq_queue_open_counter(struct hq_queue *q, int counter)
{
	TX_OP(do_counter(q, counter, OP_OPEN, NULL));
}

int hq_queue_close_counter(struct hq_queue *q, int counter)
{
	TX_OP(do_counter(q, counter, OP_CLOSE, NULL));
}

int hq_queue_book(struct hq_queue *q, const char *service, int64_t slot_at, const char *name,
		  const char *phone, struct hq_appointment *out)
{
	TX_OP(do_book(q, service, slot_at, name, phone, out));
}

int hq_queue_checkin(struct hq_queue *q, const char *code, struct hq_ticket *out)
{
	TX_OP(do_checkin(q, code, out));
}

/* Reads -------------------------------------------------------------------------------- */

int hq_queue_ticket(struct hq_queue *q, int64_t id, struct hq_ticket *out)
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : hq__load_ticket(q, id, out));
}

/*
 * A label as a citizen or a clerk may type it, as the hall prints it: upper case, and the
 * number padded as its service pads it, so that "a12" and "A12" find A012. Anything that is
 * not a service's prefix and a number is kept as typed (upper-cased), to find nothing.
 */
static void typed_label(const struct hq_config *cfg, const char *ref, char *label, size_t len)
{
	size_t i, np;
	long long n;
	char *end;

	for (i = 0; ref[i] && i + 1 < len; i++)
		label[i] = (ref[i] >= 'a' && ref[i] <= 'z') ? (char)(ref[i] - 32) : ref[i];
	label[i] = '\0';
	for (np = 0; label[np] >= 'A' && label[np] <= 'Z'; np++)
		;
	if (np == 0 || label[np] < '0' || label[np] > '9' || strlen(label + np) > 9)
		return;
	n = strtoll(label + np, &end, 10);
	if (*end)
		return;
	for (i = 0; i < cfg->nservices; i++) {
		const struct hq_service *sv = &cfg->services[i];

		if (strlen(sv->prefix) == np && !strncmp(sv->prefix, label, np)) {
			snprintf(label, len, "%s%0*lld", sv->prefix, sv->digits, n);
			return;
		}
	}
}

static int find_locked(struct hq_queue *q, const char *ref, int64_t *id)
{
	sqlite3_stmt *s;
	char label[HQ_LABEL_MAX], day[11], *end;
	long long n;
	int rc;

	if (!ref || !*ref)
		return hq__fail(q, HQ_EINVAL, "no ticket given");
	n = strtoll(ref, &end, 10);
	if (*end == '\0' && n > 0) {
		struct hq_ticket t;

		if ((rc = hq__load_ticket(q, n, &t)))
			return rc;
		*id = n;
		return HQ_OK;
	}
	typed_label(q->cfg, ref, label, sizeof label);
	memcpy(day, q->day, sizeof day); /* the hall's day: a reader's clock may be elsewhere */
	s = hq__stmt(q, SQL_TICKET_FIND_LABEL);
	hq__bind_text(s, 1, day);
	hq__bind_text(s, 2, label);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return HQ_OK;
	}
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	return hq__fail(q, HQ_ENOTICKET, "no ticket %s today", label);
}

int hq_queue_find(struct hq_queue *q, const char *ref, int64_t *id)
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : find_locked(q, ref, id));
}

/* Step a "newest ticket with that number" query: *id when it found one. */
static int number_hit(struct hq_queue *q, sqlite3_stmt *s, int64_t *id, bool *found)
{
	int rc = sqlite3_step(s);

	*found = rc == SQLITE_ROW;
	if (*found)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return *found || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

/* Tickets sent to this counter (by a transfer or an unpark) or parked here first: the clerk
 * typing a number most likely means the citizen the counter dealt with. Then the counter's
 * services in its order of preference. Within each, the newest. */
static int find_number_locked(struct hq_queue *q, int counter, int number, int64_t *id)
{
	const struct hq_counter_cfg *cc = hq_config_counter(q->cfg, counter);
	sqlite3_stmt *s;
	bool found;
	int i, rc;

	if (!cc)
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", counter);
	if (number < 0)
		return hq__fail(q, HQ_EINVAL, "ticket number %d is negative", number);
	s = hq__stmt(q, SQL_TICKET_NUMBER_MINE);
	hq__bind_text(s, 1, q->day);
	sqlite3_bind_int(s, 2, number);
	sqlite3_bind_int(s, 3, counter);
	if ((rc = number_hit(q, s, id, &found)) || found)
		return rc;
	for (i = 0; i < cc->nservices; i++) {
		s = hq__stmt(q, SQL_TICKET_NUMBER_SERVICE);
		hq__bind_text(s, 1, q->day);
		sqlite3_bind_int(s, 2, number);
		hq__bind_text(s, 3, q->cfg->services[cc->services[i]].key);
		sqlite3_bind_int(s, 4, counter);
		if ((rc = number_hit(q, s, id, &found)) || found)
			return rc;
	}
	return hq__fail(q, HQ_ENOTICKET, "no waiting ticket %d for counter %d", number, counter);
}

int hq_queue_find_number(struct hq_queue *q, int counter, int number, int64_t *id)
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : find_number_locked(q, counter, number, id));
}

static int latest_locked(struct hq_queue *q, int64_t id, struct hq_ticket *out)
{
	sqlite3_stmt *s;
	int rc, hops;

	for (hops = 0; hops < 1000; hops++) {
		s = hq__stmt(q, SQL_TICKET_CHILD);
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW)
			return hq__dberr(q, rc);
		id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return hq__load_ticket(q, id, out);
}

int hq_queue_ticket_latest(struct hq_queue *q, int64_t id, struct hq_ticket *out)
{
	int rc = hq__begin(q, false);

	return hq__end(q, rc ? rc : latest_locked(q, id, out));
}

static int events_locked(struct hq_queue *q, int64_t since, struct hq_event *ev, int max, int *n)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_EVENT_SINCE);
	int rc;

	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int(s, 2, max);
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
		struct hq_event *e = &ev[(*n)++];

		memset(e, 0, sizeof *e);
		e->id = sqlite3_column_int64(s, 0);
		e->at = sqlite3_column_int64(s, 1);
		hq__copy_col(e->type, sizeof e->type, s, 2);
		e->ticket_id = sqlite3_column_int64(s, 3);
		hq__copy_col(e->label, sizeof e->label, s, 4);
		hq__copy_col(e->service, sizeof e->service, s, 5);
		e->counter = sqlite3_column_int(s, 6);
		e->value = sqlite3_column_int(s, 7);
		hq__copy_col(e->detail, sizeof e->detail, s, 8);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_events(struct hq_queue *q, int64_t since, struct hq_event *ev, int max)
{
	int n = 0, rc;

	if (max <= 0 || !ev)
		return hq__fail(q, HQ_EINVAL, "no room for events");
	rc = hq__begin(q, false);
	rc = hq__end(q, rc ? rc : events_locked(q, since, ev, max, &n));
	return rc ? rc : n;
}
