/*
 * The clerks: one state machine per counter, driven by the simulated clock. A clerk with a
 * counter unit presses its keys by writing "ADDRESS KEY [ARG]" to the fifo of the unit's
 * bus (hallq-unit-sim reads it; the gateway polls the unit and calls hallqd), exactly as a
 * hand on the keypad would; a clerk without one calls the API as a terminal clerk would.
 * Either way a press counts only once the event stream shows its effect. The citizen's
 * review (好差评) goes over HTTP for every counter: the evaluator's keys as the gateway sends
 * them (/evaluate). A unit press that
 * shows nothing in time is settled with the gateway's health report: once the unit's event
 * count has reached the press, hallqd has answered it, so no event means hallqd refused it
 * (nobody waiting, typically), and only then is it pressed again. Never sooner: the gateway
 * delivers each press exactly once, so an early second press would be a second call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hq_log.h"
#include "sim.h"

#define CONFIRM_MS 3000         /* real time a press may take through the bus and hallqd */
#define GRACE_MS 500            /* after the gateway's count shows it done, for its event */
#define STABLE_MS 8000          /* the count not moving this long: the unit never took it */
#define BLIND_MS 20000          /* no health report at all: give the press up after this */

static bool open_at(const struct hq_clerk *c, int minute)
{
	const struct hq_config *cfg = c->sim->cfg;

	for (int i = 0; i < c->cc->nservices; i++)
		if (hq_service_open_at(&cfg->services[c->cc->services[i]], c->sim->wday, minute))
			return true;
	return false;
}

/* The next minute of the day after `minute` at which one of its services opens; -1 none. */
static int next_open(const struct hq_clerk *c, int minute)
{
	for (int m = minute + 1; m < HQ_SIM_DAY_MIN; m++)
		if (open_at(c, m) && !open_at(c, m - 1))
			return m;
	return -1;
}

static void plan_breaks(struct hq_clerk *c)
{
	int cand[HQ_SIM_DAY_MIN], n = 0, nb, i, m;
	int64_t day0;

	/* Well inside its opening hours: not in the first half hour or the last hour. */
	for (m = 30; m < HQ_SIM_DAY_MIN - 60; m++)
		if (open_at(c, m - 30) && open_at(c, m) && open_at(c, m + 60))
			cand[n++] = m;
	if (!n)
		return;
	hq_parse_local_time(c->sim->day, &day0);
	nb = hq_sim_uniform(&c->rng) < 0.5 ? 1 : 2;
	for (i = 0; i < nb; i++) {
		m = cand[(int)(hq_sim_uniform(&c->rng) * n) % n];
		c->break_at[i] = day0 + m * MIN_MS + (int64_t)(hq_sim_uniform(&c->rng) * MIN_MS);
		c->break_min[i] = 10 + (int)(hq_sim_uniform(&c->rng) * 11);
	}
}

void hq_clerk_init(struct hq_clerk *c, struct hq_sim *s, const struct hq_counter_cfg *cc, int fifo)
{
	memset(c, 0, sizeof *c);
	c->sim = s;
	c->cc = cc;
	c->fifo = fifo;
	snprintf(c->clerk_id, sizeof c->clerk_id, "S%04d", cc->number % 10000);
	hq_sim_rng_seed(&c->rng, s->seed * 1000003u + (uint64_t)cc->number);
	c->state = CLERK_IDLE;
	plan_breaks(c);
}

bool hq_clerk_quiet(const struct hq_clerk *c)
{
	return !c->press.on && (c->state == CLERK_IDLE || c->state == CLERK_PAUSED || c->state == CLERK_ABSENT) &&
	       hq_sim_record_waiting_for(&c->sim->rec, c->cc) == 0;
}

static int64_t minutes(double m)
{
	return (int64_t)(m * MIN_MS);
}

/* The API's form of a key, for a counter without a unit. */
static int api_press(struct hq_clerk *c, const char *key, int arg, const char *svc, long *status)
{
	struct hq_sim *s = c->sim;
	static const char *const ops[][2] = {
		{"call", "call-next"}, {"recall", "recall"}, {"noshow", "no-show"}, {"start", "start"},
		{"finish", "finish"}, {"transfer", "transfer"}, {"pause", "pause"}, {"resume", "resume"},
		{"signout", "sign-out"}, {"signin", "sign-in"},
	};
	const char *op = NULL;
	char path[96], idem[96];
	json_t *body = NULL;
	int rc;

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(ops[i][0], key))
			op = ops[i][1];
	if (!op)
		return HQ_EINVAL;
	if (!strcmp(key, "transfer"))
		body = svc ? json_pack("{s:s}", "service", svc) : json_pack("{s:i}", "counter", arg);
	else if (!strcmp(key, "pause"))
		body = json_pack("{s:s}", "reason", c->lunch ? "lunch" : "break");
	else if (!strcmp(key, "signin") && c->pin[0])
		body = json_pack("{s:s, s:s}", "clerk", c->clerk_id, "pin", c->pin);
	else if (!strcmp(key, "signin"))
		body = json_pack("{s:s}", "clerk", c->clerk_id);
	snprintf(path, sizeof path, "/api/v1/counters/%d/%s", c->cc->number, op);
	snprintf(idem, sizeof idem, "sim-%s-c%d-%d", s->run_id, c->cc->number, c->presses);
	rc = hq_sim_post(s, s->admin, path, body, idem, status, NULL);
	json_decref(body);
	return rc;
}

static void refused(struct hq_clerk *c, int64_t now, const char *why);

/* Press a key and wait for `expect` to show up in the event stream. */
static void press(struct hq_clerk *c, int64_t now, const char *key, int arg, const char *svc,
		  const char *expect)
{
	struct hq_press *p = &c->press;
	char line[64], what[48];
	int n;

	memset(p, 0, sizeof *p);
	snprintf(p->key, sizeof p->key, "%s", key);
	p->arg = arg;
	snprintf(p->expect, sizeof p->expect, "%s", expect);
	c->presses++;
	if (svc)
		snprintf(what, sizeof what, "%s %s", key, svc);
	else if (arg)
		snprintf(what, sizeof what, "%s %d", key, arg);
	else
		snprintf(what, sizeof what, "%s", key);
	hq_log(HQ_LOG_DEBUG, "counter %d: %s %s", c->cc->number, c->fifo >= 0 ? "presses" : "calls", what);
	/* Signing out and in again is done at the clerk's terminal (the API), with a unit too. */
	if (c->fifo < 0 || !strcmp(key, "signout") || !strcmp(key, "signin")) {
		long status = 0;

		p->api = true;
		if (api_press(c, key, arg, svc, &status) != HQ_OK) {
			hq_log(HQ_LOG_ERROR, "counter %d: %s: %s", c->cc->number, key, hq_client_error(c->sim->admin));
			*c->sim->stop = 1;
			return;
		}
		p->on = true;
		p->sent_mono = hq_mono_ms();
		if (status == 204 || status >= 300)
			refused(c, now, status == 204 ? "nobody waiting" : hq_client_error(c->sim->admin));
		return;
	}
	n = arg ? snprintf(line, sizeof line, "%d %s %d\n", c->cc->address, key, arg)
		: snprintf(line, sizeof line, "%d %s\n", c->cc->address, key);
	/* One write of a short line: a pipe keeps it whole among the other clerks' lines. */
	while (write(c->fifo, line, (size_t)n) < 0) {
		if (errno == EINTR)
			continue;
		hq_log(HQ_LOG_ERROR, "counter %d: cannot press %s: %s", c->cc->number, key, strerror(errno));
		*c->sim->stop = 1;
		return;
	}
	p->on = true;
	p->sent_mono = hq_mono_ms();
	p->want_events = ++c->unit_events;
}

/*
 * The citizen reviews the service (好差评) on the counter's evaluator, as the gateway passes a
 * unit's keys on: POST /api/v1/counters/N/evaluate with the admin token, for a five-key
 * evaluator with a reason screen (PROTOCOL.md; a three-key unit gives 1, 3 and 5 only). Without
 * an admin token, the ticket's review through the API with the manager's.
 */
static void review(struct hq_clerk *c, int64_t now)
{
	struct hq_sim *s = c->sim;
	struct hq_press *p = &c->press;
	struct hq_client *cl = s->admin ? s->admin : s->reader;
	json_t *body, *reasons = json_array();
	char path[96], idem[96];
	long status = 0;

	memset(p, 0, sizeof *p);
	snprintf(p->key, sizeof p->key, "review");
	p->arg = c->plan.level;
	snprintf(p->expect, sizeof p->expect, "reviewed");
	p->api = true;
	c->presses++;
	for (unsigned bit = HQ_REASON_EFFICIENCY; bit <= HQ_REASON_OTHER; bit <<= 1)
		if (c->plan.reasons & bit)
			json_array_append_new(reasons, json_string(hq_reason_key(bit)));
	body = json_pack("{s:i, s:o}", "level", c->plan.level, "reasons", reasons);
	if (s->admin)
		snprintf(path, sizeof path, "/api/v1/counters/%d/evaluate", c->cc->number);
	else
		snprintf(path, sizeof path, "/api/v1/tickets/%lld/review", (long long)c->ticket);
	snprintf(idem, sizeof idem, "sim-%s-c%d-%d", s->run_id, c->cc->number, c->presses);
	hq_log(HQ_LOG_DEBUG, "counter %d: the citizen reviews it at level %d", c->cc->number, c->plan.level);
	if (hq_sim_post(s, cl, path, body, idem, &status, NULL) != HQ_OK) {
		hq_log(HQ_LOG_ERROR, "counter %d: review: %s", c->cc->number, hq_client_error(cl));
		json_decref(body);
		*s->stop = 1;
		return;
	}
	json_decref(body);
	p->on = true;
	p->sent_mono = hq_mono_ms();
	if (status >= 300)
		refused(c, now, hq_client_error(cl));
}

/* A clerk's other counter for a transfer: at work, open now, not this one. */
static int transfer_target(struct hq_clerk *c, int minute)
{
	struct hq_sim *s = c->sim;
	int cand[HQ_MAX_COUNTERS], n = 0;

	for (int i = 0; i < s->nclerks; i++) {
		struct hq_clerk *o = &s->clerks[i];

		if (o != c && o->state != CLERK_PAUSED && open_at(o, minute) && open_at(o, minute + 30))
			cand[n++] = o->cc->number;
	}
	return n ? cand[(int)(hq_sim_uniform(&c->rng) * n) % n] : 0;
}

/* Another service open now, for a transfer through the API; NULL if none. */
static const char *transfer_service(struct hq_clerk *c, const char *from, int minute)
{
	const struct hq_config *cfg = c->sim->cfg;
	const char *cand[HQ_MAX_SERVICES];
	int n = 0;

	for (size_t i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].key, from) && hq_service_open_at(&cfg->services[i], c->sim->wday, minute) &&
		    hq_service_open_at(&cfg->services[i], c->sim->wday, minute + 30))
			cand[n++] = cfg->services[i].key;
	return n ? cand[(int)(hq_sim_uniform(&c->rng) * n) % n] : NULL;
}

/* Calls already pressed at counters that share a service with c and not yet seen: each
 * will take one of the people waiting. Counting them keeps two clerks from racing for the
 * last citizen (the loser's call is refused, which costs it a simulated minute). */
static int pending_calls(const struct hq_clerk *c)
{
	const struct hq_sim *s = c->sim;
	int n = 0;

	for (int i = 0; i < s->nclerks; i++) {
		const struct hq_clerk *o = &s->clerks[i];
		bool shares = false;

		if (o == c || !o->press.on || strcmp(o->press.key, "call"))
			continue;
		for (int a = 0; a < c->cc->nservices && !shares; a++)
			for (int b = 0; b < o->cc->nservices && !shares; b++)
				shares = c->cc->services[a] == o->cc->services[b];
		n += shares;
	}
	return n;
}

/* Breaks that would fall before `until` are not taken: an incident of the scenario takes
 * their place. */
static void drop_breaks(struct hq_clerk *c, int64_t until)
{
	for (int i = 0; i < 2; i++)
		if (c->break_at[i] && c->break_at[i] < until)
			c->break_at[i] = 0;
}

/* The scenario's incidents, once their time has come and the window is free: the clerk
 * leaves, signed out, with the counter open; or pauses for long. True when one began. */
static bool incident(struct hq_clerk *c, int64_t now)
{
	if (c->absent_from && now >= c->absent_from) {
		c->absent_from = 0;
		drop_breaks(c, c->absent_to + 30 * MIN_MS);
		hq_log(HQ_LOG_INFO, "counter %d: the clerk leaves, signed out, the counter open", c->cc->number);
		press(c, now, "signout", 0, NULL, "signed_out");
		return true;
	}
	if (c->long_pause_at && now >= c->long_pause_at) {
		c->long_pause_at = 0;
		drop_breaks(c, now + c->long_pause_ms + 30 * MIN_MS);
		c->lunch = false;
		c->long_pausing = true;
		c->resume_at = now + c->long_pause_ms;
		hq_log(HQ_LOG_INFO, "counter %d: a pause of %lld minutes", c->cc->number,
		       (long long)(c->long_pause_ms / MIN_MS));
		press(c, now, "pause", 0, NULL, "counter_paused");
		return true;
	}
	return false;
}

static void step_idle(struct hq_clerk *c, int64_t now, int minute)
{
	struct hq_sim *s = c->sim;
	int waiting = hq_sim_record_waiting_for(&s->rec, c->cc), m;
	bool open = open_at(c, minute);

	if (open)
		c->worked = true;
	if (incident(c, now))
		return;
	for (int i = 0; i < 2; i++) {
		if (!c->break_at[i] || now < c->break_at[i])
			continue;
		c->break_at[i] = 0;
		if (!open)
			continue; /* the hall closed meanwhile: no break to take */
		c->lunch = false;
		c->resume_at = now + c->break_min[i] * MIN_MS;
		c->breaks++;
		press(c, now, "pause", 0, NULL, "counter_paused");
		return;
	}
	if (now < c->next_at)
		return;
	if (waiting - pending_calls(c) > 0) {
		press(c, now, "call", 0, NULL, "called");
		return;
	}
	/* Lunch: the services closed for a while (not the last minutes before they reopen,
	 * which is when a clerk comes back) and nobody is left for this counter. */
	if (c->worked && !open && !waiting && (m = next_open(c, minute)) >= 0 && m - minute >= 15) {
		int64_t day0;

		hq_parse_local_time(s->day, &day0);
		c->lunch = true;
		c->lunches++;
		c->resume_at = day0 + m * MIN_MS - (int64_t)(hq_sim_uniform(&c->rng) * 3 * MIN_MS);
		press(c, now, "pause", 0, NULL, "counter_paused");
	}
}

void hq_clerk_step(struct hq_clerk *c, int64_t now)
{
	struct hq_press *p = &c->press;
	int minute = hq_sim_minute(now);

	if (p->on) {
		int64_t real = hq_mono_ms(), count;

		if (p->api) {
			/* hallqd said yes; its event is on the way, unless the stream lost it. */
			if (real - p->sent_mono > BLIND_MS)
				refused(c, now, "accepted, but no event came");
			return;
		}
		if (real - p->sent_mono < CONFIRM_MS)
			return;
		if (!p->doubt) {
			p->doubt = true;
			p->doubt_since = real;
			p->stable_count = -1;
			hq_log(HQ_LOG_INFO, "counter %d: no event %.1f s after \"%s\"; asking the gateway",
			       c->cc->number, (real - p->sent_mono) / 1000.0, p->key);
		}
		hq_sim_read_units(c->sim, false);
		count = c->sim->unit_events[c->cc->number];
		if (!c->unit_known || count < 0) {
			if (real - p->doubt_since > BLIND_MS)
				refused(c, now, "no event, and no health report from the gateway");
			return;
		}
		if (count >= p->want_events) {
			/* The gateway has hallqd's answer; its event, if any, was sent before it. */
			if (!p->stable_since)
				p->stable_since = real;
			else if (real - p->stable_since > GRACE_MS)
				refused(c, now, "refused by hallqd");
			return;
		}
		if (count != p->stable_count) {
			p->stable_count = count;
			p->stable_since = 0;
			p->doubt_since = real;
		} else if (real - p->doubt_since > STABLE_MS) {
			/* The unit never recorded it (a full ring). */
			c->unit_events--;
			refused(c, now, "never taken by the unit");
		}
		return;
	}
	switch (c->state) {
	case CLERK_IDLE:
		step_idle(c, now, minute);
		break;
	case CLERK_CALLED:
		if (now < c->next_at)
			break;
		if (c->plan.noshow) {
			int limit = c->sim->cfg->noshow_after_recalls > 0 ? c->sim->cfg->noshow_after_recalls : 2;

			if (c->recalls < limit)
				press(c, now, "recall", 0, NULL, "recalled");
			else
				press(c, now, "noshow", 0, NULL, "noshow");
		} else if (c->plan.late && c->recalls == 0) {
			press(c, now, "recall", 0, NULL, "recalled");
		} else {
			press(c, now, "start", 0, NULL, "started");
		}
		break;
	case CLERK_SERVING:
		if (now < c->next_at)
			break;
		if (c->plan.transfer) {
			const char *svc = NULL;
			int to = 0;
			struct hq_sim_ticket *t = hq_sim_record_find(&c->sim->rec, c->ticket);

			/* A unit's transfer key names a counter; the API may name a service too. */
			if (c->fifo < 0 && t && hq_sim_uniform(&c->rng) < 0.5)
				svc = transfer_service(c, t->service, minute);
			if (!svc)
				to = transfer_target(c, minute);
			if (svc || to) {
				press(c, now, "transfer", to, svc, "transferred");
				break;
			}
		}
		press(c, now, "finish", 0, NULL, "finished");
		break;
	case CLERK_REVIEWING:
		if (now < c->next_at)
			break;
		if (c->plan.level) {
			review(c, now);
		} else {
			c->state = CLERK_IDLE;
			c->next_at = now;
		}
		break;
	case CLERK_PAUSED:
		if (now >= c->resume_at)
			press(c, now, "resume", 0, NULL, "counter_resumed");
		break;
	case CLERK_ABSENT:
		if (now >= c->absent_to && now >= c->next_at)
			press(c, now, "signin", 0, NULL, "signed_in");
		break;
	}
}

/* A press that took no effect. */
static void refused(struct hq_clerk *c, int64_t now, const char *why)
{
	struct hq_press *p = &c->press;

	p->on = false;
	if (!strcmp(p->key, "call")) {
		/* Somebody else's call took the last citizen: look again in a minute. */
		c->empty_calls++;
		c->next_at = now + MIN_MS;
		return;
	}
	if (!strcmp(p->key, "review")) {
		const struct hq_sim_ticket *t = hq_sim_record_find(&c->sim->rec, c->ticket);

		/* No review, and nothing else changes. The evaluator takes one only within 120 s
		 * of the finish: a citizen whom the simulator let press later (it fell behind the
		 * hall's clock) was too late, which is the rule, not a fault. */
		c->state = CLERK_IDLE;
		c->next_at = now;
		if (t && t->ended_at && now - t->ended_at > 90000) {
			c->sim->tally.late_reviews++;
			hq_log(HQ_LOG_INFO, "counter %d: the review came %lld s after the finish: too late (%s)",
			       c->cc->number, (long long)((now - t->ended_at) / 1000), why);
		} else {
			c->unexpected++;
			hq_log(HQ_LOG_WARN, "counter %d: the review was refused (%s)", c->cc->number, why);
		}
		return;
	}
	/* The sim's idea of the counter is wrong, or the press was lost: press it again (a new
	 * press) a minute later, and say so in the report. */
	if (!strcmp(p->key, "pause"))
		c->long_pausing = false;
	c->unexpected++;
	c->retries++;
	c->next_at = now + MIN_MS;
	hq_log(HQ_LOG_WARN, "counter %d: \"%s\" took no effect (%s); again in a simulated minute",
	       c->cc->number, p->key, why);
}

static bool mine(const struct hq_clerk *c, const struct hq_sim_event *ev)
{
	return ev->counter == c->cc->number;
}

void hq_clerk_event(struct hq_clerk *c, const struct hq_sim_event *ev, const struct hq_sim_ticket *t)
{
	struct hq_sim *s = c->sim;
	struct hq_press *p = &c->press;
	bool expected = p->on && !strcmp(p->expect, ev->type) && mine(c, ev);
	int64_t at = ev->at_ms;

	if (!mine(c, ev))
		return;
	if (!expected) {
		/* Events this clerk did not ask for: the ones its own presses bring along
		 * (a transfer's requeued, a bad review's case) are fine; a call it did not make
		 * is not. */
		if (!strcmp(ev->type, "called")) {
			hq_log(HQ_LOG_WARN, "counter %d: %s called without a press of ours", c->cc->number, ev->label);
			c->unexpected++;
			c->ticket = ev->ticket_id;
			c->state = CLERK_CALLED;
			c->recalls = 0;
			memset(&c->plan, 0, sizeof c->plan);
			c->plan.service_min = 10;
			c->next_at = at + MIN_MS;
		}
		return;
	}
	p->on = false;
	if (!strcmp(ev->type, "called")) {
		c->calls++;
		c->ticket = ev->ticket_id;
		c->recalls = 0;
		if (t && t->plan >= 0 && (size_t)t->plan < s->nplans) {
			c->plan = s->plans[t->plan];
		} else {
			int si = hq_config_service_index(s->cfg, ev->service);

			hq_sim_citizen(&c->rng, &s->rates, si >= 0 ? si : 0, &c->plan);
		}
		c->state = CLERK_CALLED;
		/* Walking up to the window; a no-show is recalled after a minute. */
		c->next_at = at + (c->plan.noshow ? MIN_MS : minutes(hq_sim_between(&c->rng, 0.5, 2)));
	} else if (!strcmp(ev->type, "recalled")) {
		c->recalls++;
		c->recalls_made++;
		c->next_at = at + (c->plan.noshow ? MIN_MS : minutes(hq_sim_between(&c->rng, 0.3, 1)));
	} else if (!strcmp(ev->type, "noshow")) {
		c->noshows++;
		c->state = CLERK_IDLE;
		c->next_at = at + minutes(hq_sim_between(&c->rng, 0.2, 0.5));
	} else if (!strcmp(ev->type, "started")) {
		c->state = CLERK_SERVING;
		c->next_at = at + minutes(c->plan.service_min);
	} else if (!strcmp(ev->type, "finished")) {
		c->served++;
		c->state = CLERK_REVIEWING;
		c->next_at = at + minutes(hq_sim_between(&c->rng, 0.1, 0.4));
	} else if (!strcmp(ev->type, "transferred")) {
		c->transfers++;
		c->state = CLERK_IDLE;
		c->next_at = at + minutes(hq_sim_between(&c->rng, 0.2, 0.5));
	} else if (!strcmp(ev->type, "reviewed")) {
		c->reviews++;
		c->state = CLERK_IDLE;
		c->next_at = at + minutes(hq_sim_between(&c->rng, 0.2, 1));
	} else if (!strcmp(ev->type, "counter_paused")) {
		c->state = CLERK_PAUSED;
		if (c->long_pausing) {
			/* The long pause lasts its minutes from when hallqd paused the counter. */
			c->resume_at = at + c->long_pause_ms;
			c->long_paused_at = at;
		}
	} else if (!strcmp(ev->type, "counter_resumed")) {
		c->state = CLERK_IDLE;
		c->next_at = at;
		if (c->long_pausing) {
			c->long_pausing = false;
			c->long_resumed_at = at;
		}
	} else if (!strcmp(ev->type, "signed_out")) {
		c->state = CLERK_ABSENT;
		c->signed_out_at = at;
		c->next_at = at;
	} else if (!strcmp(ev->type, "signed_in")) {
		c->state = CLERK_IDLE;
		c->signed_in_at = at;
		c->next_at = at;
	}
}
