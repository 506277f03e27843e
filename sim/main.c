/*
 * hallq-sim: a simulated day in the hall, played through the real programs. Citizens take
 * tickets from hallqd as the kiosk does (Poisson arrivals with a morning and a post-lunch
 * peak), clerks press the keys of the simulated counter units (hallq-unit-sim, through the
 * gateway hallq-counter) or call the API, and hallqd runs on a simulated clock (hallqd
 * --clock --speed) so that a day takes minutes. At the end the simulator compares the
 * day's figures hallqd gives (those of `hallq stats`) with its own record, checks the hall's
 * invariants, checks the alerts of electronic supervision hallqd raised and cleared against
 * those its record expects, and measures the estimated waits. A scenario may script
 * incidents into the day (an absent clerk, a long pause, a surge of citizens) for those
 * alerts. docs/sim.md tells how to run it.
 *
 * This file has the options, the day's plan (arrivals, clerks, the end) and the loop that runs
 * it; hall.c reaches hallqd, clerk.c works the counters, record.c keeps the record and
 * report.c compares. Threads: the main thread runs the day; one more follows the event stream
 * (hall.c) and queues the events for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hq_log.h"
#include "sim.h"


static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void hhmm(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, n, "%H:%M", &tm);
}

int hq_sim_add_plan(struct hq_sim *s, const struct hq_sim_arrival *a)
{
	if (s->nplans == s->capplans) {
		size_t cap = s->capplans ? s->capplans * 2 : 256;
		struct hq_sim_arrival *g = realloc(s->plans, cap * sizeof *g);

		if (!g)
			return -1;
		s->plans = g;
		s->capplans = cap;
	}
	s->plans[s->nplans] = *a;
	return (int)s->nplans++;
}

/* ---- the simulator ------------------------------------------------------------------------- */

/* The scenario's incidents (--absent, --long-pause, --surge): docs/sim.md. */
#define MAX_INCIDENTS 8
struct incident {
	int counter;                /* --absent, --long-pause */
	int service;                /* --surge: index into cfg->services */
	char key[HQ_KEY_MAX];
	int from, to;               /* minutes of the day: an absence [from, to), a pause or surge at from */
	int n;                      /* --long-pause: minutes; --surge: tickets */
	int issued;                 /* --surge: of those, issued */
};

struct opts {
	const char *server, *config, *keys, *report, *start, *end, *counters, *kiosk_press, *pins;
	const char *kiosk_token, *admin_token, *manager_token;
	double tickets, kiosk_share, service_scale;
	long speed;
	unsigned long long seed;
	bool strict_estimate;
	int verbose;
	struct incident absent[MAX_INCIDENTS], pause[MAX_INCIDENTS], surge[MAX_INCIDENTS];
	int nabsent, npause, nsurge;
};

struct run {
	struct hq_sim s;
	struct opts o;
	struct hq_sim_follower f;
	struct hq_client *f_cl;     /* the follower's */
	struct hq_sim_arrival *arr;
	bool *burst;                /* arr[i] is one of a --surge: issued through the API */
	int *burst_of;              /* and of which (its index in o.surge) */
	size_t narr, next;
	int64_t day0, start_ms;
	struct hq_clerk *by_number[HQ_SIM_MAX_COUNTER];
	struct hq_sim_rng misc;     /* transferred tickets' second service, kiosk hook shares */
	int kiosk_pending[HQ_MAX_SERVICES][64]; /* plans of kiosk-pressed arrivals, by service */
	int kiosk_npending[HQ_MAX_SERVICES];
	bool running;               /* the day's own part began: arrivals and clerks */
	int64_t running_at;         /* hallqd's time then: the alerts are compared from here */
	bool winding;
	struct hq_sim_checks k;
};

/* The hall hallqd runs must be the one in our config: the same services. */
static int same_hall(struct run *r, json_t *hall)
{
	json_t *svcs = json_object_get(hall, "services"), *v;
	size_t i;

	if (json_array_size(svcs) != r->s.cfg->nservices) {
		hq_log(HQ_LOG_ERROR, "hallqd's hall has %zu services, %s has %zu: not the same hall",
		       json_array_size(svcs), r->o.config, r->s.cfg->nservices);
		return HQ_ECONFIG;
	}
	json_array_foreach(svcs, i, v)
		if (!hq_config_service(r->s.cfg, json_string_value(json_object_get(v, "key")))) {
			hq_log(HQ_LOG_ERROR, "hallqd's service '%s' is not in %s: not the same hall",
			       json_string_value(json_object_get(v, "key")), r->o.config);
			return HQ_ECONFIG;
		}
	return HQ_OK;
}

static bool counter_wanted(const char *list, int number)
{
	const char *p = list;

	if (!list)
		return true;
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (number >= a && number <= b)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p != ',' && *p)
			break;
	}
	return false;
}

/*
 * --pins FILE: "CLERK PIN" a line, # for comments. A hall with a roster (sign_in = roster,
 * the default) signs in only its clerks, with their PINs: the counters hallq-sim works get
 * the roster's clerks in its order, each with its PIN from the file (the sample hall's demo
 * PINs are assets/halls/county-centre.pins). A hall with sign_in = open takes any id.
 */
static int assign_roster(struct run *r)
{
	struct hq_sim *s = &r->s;
	char line[256], id[HQ_CLERK_MAX], pin[16];
	FILE *f = NULL;
	int i, n, rc = HQ_OK;

	if (r->o.pins && !(f = fopen(r->o.pins, "r"))) {
		hq_log(HQ_LOG_ERROR, "--pins %s: %s", r->o.pins, strerror(errno));
		return HQ_EINVAL;
	}
	for (i = 0; i < s->nclerks && (size_t)i < s->cfg->nclerks; i++)
		snprintf(s->clerks[i].clerk_id, sizeof s->clerks[i].clerk_id, "%s", s->cfg->clerks[i].id);
	for (n = 1; f && fgets(line, sizeof line, f); n++) {
		char *p = line + strspn(line, " \t");

		if (*p == '#' || *p == '\n' || !*p)
			continue;
		if (sscanf(p, "%63s %15s", id, pin) != 2) {
			hq_log(HQ_LOG_ERROR, "%s:%d: want CLERK PIN", r->o.pins, n);
			rc = HQ_EINVAL;
			break;
		}
		for (i = 0; i < s->nclerks; i++)
			if (!strcmp(s->clerks[i].clerk_id, id))
				snprintf(s->clerks[i].pin, sizeof s->clerks[i].pin, "%s", pin);
	}
	if (f)
		fclose(f);
	for (i = 0; rc == HQ_OK && !s->cfg->roster_open && i < s->nclerks; i++) {
		if ((size_t)i >= s->cfg->nclerks) {
			hq_log(HQ_LOG_ERROR, "%s signs in only the clerks of its roster, and it has %zu for "
			       "the %d counters worked: add [clerk ID] sections or fewer --counters",
			       r->o.config, s->cfg->nclerks, s->nclerks);
			rc = HQ_EINVAL;
		} else if (!s->clerks[i].pin[0]) {
			hq_log(HQ_LOG_ERROR, "clerk %s (counter %d) has no PIN%s%s: %s signs its roster's "
			       "clerks in with their PINs", s->clerks[i].clerk_id, s->clerks[i].cc->number,
			       r->o.pins ? " in " : "; give --pins FILE", r->o.pins ? r->o.pins : "", r->o.config);
			rc = HQ_EINVAL;
		}
	}
	return rc;
}

static int setup_clerks(struct run *r)
{
	struct hq_sim *s = &r->s;
	int fifo[64];
	size_t i;

	for (i = 0; i < 64; i++)
		fifo[i] = -2;
	s->clerks = calloc(s->cfg->ncounters, sizeof *s->clerks);
	if (!s->clerks)
		return HQ_ENOMEM;
	for (i = 0; i < s->cfg->ncounters; i++) {
		const struct hq_counter_cfg *cc = &s->cfg->counters[i];
		int fd = -1;

		if (!counter_wanted(r->o.counters, cc->number))
			continue;
		if (cc->bus >= 0 && cc->bus < 64 && r->o.keys) {
			if (fifo[cc->bus] == -2) {
				char path[600];

				snprintf(path, sizeof path, "%s/keys-%s", r->o.keys, s->cfg->buses[cc->bus].key);
				/* Non-blocking: without a reader (the unit sim gone) the open fails
				 * at once instead of hanging. */
				fifo[cc->bus] = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
				if (fifo[cc->bus] < 0) {
					hq_log(HQ_LOG_ERROR, "%s: %s (the key fifo of bus %s's hallq-unit-sim)", path,
					       strerror(errno), s->cfg->buses[cc->bus].key);
					return HQ_EIO;
				}
				/* Lines are short and the unit sim reads at once: block rather than
				 * lose a press if the pipe is ever full. */
				fcntl(fifo[cc->bus], F_SETFL, fcntl(fifo[cc->bus], F_GETFL) & ~O_NONBLOCK);
			}
			fd = fifo[cc->bus];
		} else if (!s->admin) {
			hq_log(HQ_LOG_WARN, "counter %d has no unit%s and there is no --admin-token: nobody works it",
			       cc->number, cc->bus >= 0 ? " key fifo (--keys)" : "");
			continue;
		}
		hq_clerk_init(&s->clerks[s->nclerks], s, cc, fd);
		if (cc->number < HQ_SIM_MAX_COUNTER)
			r->by_number[cc->number] = &s->clerks[s->nclerks];
		s->nclerks++;
	}
	if (!s->nclerks) {
		hq_log(HQ_LOG_ERROR, "no counter is worked: give --keys DIR, --admin-token, or other --counters");
		return HQ_EINVAL;
	}
	return assign_roster(r);
}

/* The gateway's count of each unit's presses, as the clerks start: what their presses
 * count from. */
static void units_base(struct run *r)
{
	struct hq_sim *s = &r->s;
	int64_t deadline = hq_mono_ms() + 15000;
	int missing;

	do {
		hq_sim_read_units(s, true);
		missing = 0;
		for (int i = 0; i < s->nclerks; i++)
			missing += s->clerks[i].fifo >= 0 && s->unit_events[s->clerks[i].cc->number] < 0;
		if (missing)
			hq_sim_nap_ms(500);
	} while (missing && hq_mono_ms() < deadline && !stop);
	for (int i = 0; i < s->nclerks; i++) {
		struct hq_clerk *c = &s->clerks[i];

		if (c->fifo < 0)
			continue;
		c->unit_events = s->unit_events[c->cc->number];
		c->unit_known = c->unit_events >= 0;
		if (!c->unit_known)
			hq_log(HQ_LOG_WARN, "counter %d: the gateway reports no unit for it (%s); a press that "
			       "shows nothing is given up after %d s", c->cc->number,
			       s->units_ok ? "not in GET /api/v1/units" : "GET /api/v1/units failed", 20);
	}
}

static void counter_op(struct hq_sim *s, int number, const char *op, json_t *body)
{
	char path[64], idem[96];
	long status;

	snprintf(path, sizeof path, "/api/v1/counters/%d/%s", number, op);
	snprintf(idem, sizeof idem, "sim-%s-%s-%d", s->run_id, op, number);
	if (hq_sim_post(s, s->admin, path, body, idem, &status, NULL) || status != 200)
		hq_log(HQ_LOG_WARN, "counter %d: %s: %s", number, op, hq_client_error(s->admin));
	else if (!strcmp(op, "close"))
		s->tally.closed_counters++;
	json_decref(body);
}

/*
 * The counters as the day begins: those nobody works closed (hallqd's estimates count the
 * open counters, and a hall closes the windows it has no clerk for), the others open, with
 * nobody at the window (a day begun before may have left them otherwise), and the clerks
 * signed in.
 */
static void prepare_counters(struct run *r)
{
	struct hq_sim *s = &r->s;
	struct hq_hall *hall = NULL;

	if (!s->admin) {
		if (s->nclerks < (int)s->cfg->ncounters)
			hq_log(HQ_LOG_WARN, "without an admin token the %d counters nobody works stay open, and "
			       "hallqd's estimates count them", (int)s->cfg->ncounters - s->nclerks);
		return;
	}
	if (hq_client_hall(s->admin, &hall)) {
		hq_log(HQ_LOG_WARN, "GET /api/v1/hall: %s", hq_client_error(s->admin));
		return;
	}
	for (size_t i = 0; i < s->cfg->ncounters; i++) {
		int number = s->cfg->counters[i].number;
		const struct hq_hall_counter *hc = hq_hall_counter(hall, number);
		bool worked = number < HQ_SIM_MAX_COUNTER && r->by_number[number];

		if (hc && hc->serving[0])
			counter_op(s, number, "finish", NULL);
		if (!worked && (!hc || hc->state != 2))
			counter_op(s, number, "close", NULL);
		else if (worked && hc && hc->state == 2)
			counter_op(s, number, "open", NULL);
		else if (worked && hc && hc->state == 1)
			counter_op(s, number, "resume", NULL);
		if (worked && r->by_number[number]->pin[0])
			counter_op(s, number, "sign-in", json_pack("{s:s, s:s}", "clerk", r->by_number[number]->clerk_id,
								  "pin", r->by_number[number]->pin));
		else if (worked)
			counter_op(s, number, "sign-in", json_pack("{s:s}", "clerk", r->by_number[number]->clerk_id));
	}
	hq_hall_free(hall);
}

/* A ticket another program issued (the kiosk hook): what was printed on it. */
static void fetch_estimate(struct run *r, struct hq_sim_ticket *t)
{
	char path[64];
	json_t *ans = NULL;
	long status;

	snprintf(path, sizeof path, "/api/v1/tickets/%lld", (long long)t->id);
	if (!hq_client_request(r->s.kiosk, "GET", path, NULL, NULL, &status, &ans) && status == 200) {
		/* null: no counter was open, so nothing to measure */
		t->est_known = json_is_integer(json_object_get(ans, "est_wait_s"));
		t->est_wait_s = (int)json_integer_value(json_object_get(ans, "est_wait_s"));
		t->people_ahead = (int)json_integer_value(json_object_get(ans, "people_ahead"));
	}
	json_decref(ans);
}

static void apply_events(struct run *r, long wait_ms)
{
	struct hq_sim *s = &r->s;
	struct hq_sim_event *ev;
	size_t n = hq_sim_follow_take(&r->f, wait_ms, &ev);

	for (size_t i = 0; i < n; i++) {
		struct hq_sim_ticket *t = hq_sim_record_event(&s->rec, &ev[i]);
		int si;

		if (t && !strcmp(ev[i].type, "issued") && !t->by_sim && t->issued_at >= s->rec.day_from &&
		    t->issued_at < s->rec.day_to && r->running) {
			s->tally.issued_others++;
			si = hq_config_service_index(s->cfg, t->service);
			if (si >= 0 && r->kiosk_npending[si] > 0) {
				t->plan = r->kiosk_pending[si][0];
				memmove(&r->kiosk_pending[si][0], &r->kiosk_pending[si][1],
					--r->kiosk_npending[si] * sizeof(int));
			}
			fetch_estimate(r, t);
		}
		if (t && !strcmp(ev[i].type, "requeued") && t->parent_id && t->plan < 0 &&
		    (si = hq_config_service_index(s->cfg, t->service)) >= 0) {
			/* The citizen is in the hall already: walks over, is served, done. */
			struct hq_sim_arrival a;

			hq_sim_citizen(&r->misc, &s->rates, si, &a);
			a.noshow = a.late = a.transfer = false;
			a.patience_min = 0;
			t->plan = hq_sim_add_plan(s, &a);
		}
		/* The feed from before the run (replayed from its start) is history, not news. */
		if (r->running && ev[i].counter > 0 && ev[i].counter < HQ_SIM_MAX_COUNTER &&
		    r->by_number[ev[i].counter])
			hq_clerk_event(r->by_number[ev[i].counter], &ev[i], t);
	}
	free(ev);
}

static void kiosk_press(struct run *r, const struct hq_sim_arrival *a)
{
	const char *key = r->s.cfg->services[a->service].key;
	pid_t pid;

	if (r->kiosk_npending[a->service] < 64)
		r->kiosk_pending[a->service][r->kiosk_npending[a->service]++] = hq_sim_add_plan(&r->s, a);
	pid = fork();
	if (pid == 0) {
		char cmd[1024];

		snprintf(cmd, sizeof cmd, "%s \"$1\" \"$2\"", r->o.kiosk_press);
		execl("/bin/sh", "sh", "-c", cmd, "sh", key, a->priority ? "priority" : "normal", (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		hq_log(HQ_LOG_WARN, "--kiosk-press: %s", strerror(errno));
	else
		r->s.tally.kiosk_presses++;
}

static void issue(struct run *r, size_t idx)
{
	struct hq_sim *s = &r->s;
	const struct hq_sim_arrival *a = &r->arr[idx];
	const char *key = s->cfg->services[a->service].key, *code;
	json_t *body, *ans = NULL;
	char idem[96];
	long status = 0;
	int rc;

	if (!r->burst[idx] && r->o.kiosk_press && hq_sim_uniform(&r->misc) < r->o.kiosk_share) {
		kiosk_press(r, a);
		return;
	}
	body = json_pack("{s:s, s:s}", "service", key, "class", a->priority ? "priority" : "normal");
	snprintf(idem, sizeof idem, "sim-%s-a%zu", s->run_id, idx);
	rc = hq_sim_post(s, s->kiosk, "/api/v1/tickets", body, idem, &status, &ans);
	json_decref(body);
	if (rc) {
		hq_log(HQ_LOG_ERROR, "issue %s: %s", key, hq_client_error(s->kiosk));
		s->tally.refused_other++;
	} else if (status == 201) {
		struct hq_sim_ticket *t = hq_sim_record_issued(&s->rec, ans);

		s->tally.issued++;
		if (r->burst[idx])
			r->o.surge[r->burst_of[idx]].issued++;
		if (t)
			t->plan = hq_sim_add_plan(s, a);
	} else {
		/* Refusals are part of the day, not errors: a closed service, a full day. */
		code = json_string_value(json_object_get(ans, "error"));
		if (code && !strcmp(code, "closed"))
			s->tally.refused_closed++;
		else if (code && (!strcmp(code, "cap") || !strcmp(code, "exhausted")))
			s->tally.refused_cap++;
		else
			s->tally.refused_other++;
		hq_log(HQ_LOG_DEBUG, "issue %s refused: %s", key, hq_client_error(s->kiosk));
	}
	json_decref(ans);
}

/* Citizens who give up waiting cancel their ticket at the kiosk. */
static void renege(struct run *r, int64_t now)
{
	struct hq_sim *s = &r->s;

	for (size_t i = 0; i < s->rec.n; i++) {
		struct hq_sim_ticket *t = &s->rec.t[i];
		char path[64], idem[96];
		json_t *body;
		long status = 0;

		if (t->state != HQ_T_WAITING || t->cancel_sent || t->plan < 0 || t->parent_id ||
		    !s->plans[t->plan].patience_min || !t->queued_at ||
		    now < t->queued_at + (int64_t)(s->plans[t->plan].patience_min * MIN_MS))
			continue;
		t->cancel_sent = true;
		body = json_pack("{s:s}", "reason", "left the hall");
		snprintf(path, sizeof path, "/api/v1/tickets/%lld/cancel", (long long)t->id);
		snprintf(idem, sizeof idem, "sim-%s-x%lld", s->run_id, (long long)t->id);
		if (!hq_sim_post(s, s->kiosk, path, body, idem, &status, NULL)) {
			if (status == 200)
				s->tally.cancels++;
			else
				s->tally.cancels_late++; /* called just before: stays */
		}
		json_decref(body);
	}
}

static int last_close(const struct hq_sim *s)
{
	int last = -1;

	for (size_t i = 0; i < s->cfg->nservices; i++)
		for (int m = 0; m < HQ_SIM_DAY_MIN; m++)
			if (hq_service_open_at(&s->cfg->services[i], s->wday, m) && m + 1 > last)
				last = m + 1;
	return last;
}

static int open_tickets(const struct hq_sim *s, int *waiting, int *at_counters)
{
	*waiting = *at_counters = 0;
	for (size_t i = 0; i < s->rec.n; i++) {
		const struct hq_sim_ticket *t = &s->rec.t[i];

		if (t->issued_at < s->rec.day_from || t->issued_at >= s->rec.day_to || HQ_T_FINAL(t->state))
			continue;
		if (t->state == HQ_T_CALLED || t->state == HQ_T_SERVING)
			(*at_counters)++;
		else
			(*waiting)++;
	}
	return *waiting + *at_counters;
}

static void progress(struct run *r, int64_t now)
{
	struct hq_sim *s = &r->s;
	int waiting, at, served = 0, paused = 0;
	char when[8];

	open_tickets(s, &waiting, &at);
	for (int i = 0; i < s->nclerks; i++) {
		served += s->clerks[i].served;
		paused += s->clerks[i].state == CLERK_PAUSED;
	}
	hhmm(now, when, sizeof when);
	hq_log(HQ_LOG_INFO, "%s  issued %d (refused %d)  served %d  waiting %d  at counters %d  paused %d",
	       when, s->tally.issued, s->tally.refused_closed + s->tally.refused_cap + s->tally.refused_other,
	       served, waiting, at, paused);
}

/* hallqd's last event id, and the stream caught up with it. */
static void catch_up(struct run *r, long max_ms)
{
	json_t *ans = NULL;
	long status;
	int64_t last = 0, deadline = hq_mono_ms() + max_ms;

	if (!hq_client_request(r->s.kiosk, "GET", "/healthz", NULL, NULL, &status, &ans) && status == 200)
		last = json_integer_value(json_object_get(ans, "last_event_id"));
	json_decref(ans);
	while (r->s.rec.last_event < last && hq_mono_ms() < deadline && !r->f.failed)
		apply_events(r, 50);
}

/* Is hallqd still there? Asked every few seconds; false once it has not answered for 30. */
static bool alive(struct run *r)
{
	static int64_t asked, answered;
	int64_t real = hq_mono_ms();
	long status = 0;

	if (!answered)
		answered = real;
	if (real - asked < 3000)
		return true;
	asked = real;
	if (!hq_client_request(r->s.reader, "GET", "/healthz", NULL, NULL, &status, NULL) && status == 200)
		answered = real;
	else
		hq_log(HQ_LOG_WARN, "hallqd does not answer /healthz: %s", hq_client_error(r->s.reader));
	return real - answered < 30000;
}

static int run_day(struct run *r)
{
	struct hq_sim *s = &r->s;
	int64_t now, next_log, wind_until = 0;
	int close = last_close(s), waiting, at;
	bool hard = false;

	now = hq_sim_now(s);
	next_log = (now / 3600000 + 1) * 3600000;
	while (!stop && !r->f.failed) {
		if (!alive(r)) {
			hq_log(HQ_LOG_ERROR, "hallqd has not answered for 30 s: the day cannot go on");
			return HQ_ELINK;
		}
		apply_events(r, 0);
		now = hq_sim_now(s);
		while (!r->winding && r->next < r->narr &&
		       r->day0 + (int64_t)(r->arr[r->next].minute * MIN_MS) <= now && !stop)
			issue(r, r->next++);
		if (!r->winding)
			renege(r, now);
		for (int i = 0; i < s->nclerks; i++)
			if (!r->winding || s->clerks[i].press.on)
				hq_clerk_step(&s->clerks[i], now);
		if (!r->winding)
			hq_sim_supervise(s, now);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (now >= next_log) {
			progress(r, now);
			next_log += 3600000;
		}
		if (r->winding) {
			bool busy = false;

			for (int i = 0; i < s->nclerks; i++)
				busy |= s->clerks[i].press.on;
			if (!busy || hq_mono_ms() > wind_until)
				break;
		} else if (now >= s->end_ms) {
			hard = true;
			r->winding = true;
			wind_until = hq_mono_ms() + 30000;
		} else if (r->next >= r->narr && hq_sim_minute(now) >= close && !open_tickets(s, &waiting, &at)) {
			bool quiet = true;

			for (int i = 0; i < s->nclerks; i++)
				quiet &= hq_clerk_quiet(&s->clerks[i]);
			if (quiet)
				break;
		}
		apply_events(r, 10);
	}
	progress(r, hq_sim_now(s));
	if (hard)
		hq_log(HQ_LOG_WARN, "the day ended at --end with tickets still open");
	return r->f.failed ? HQ_ELINK : HQ_OK;
}

/* ---- options and main ------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-sim --server URL --config HALL.ini [--keys DIR] [--speed N] [--start \"YYYY-MM-DD HH:MM\"]\n"
		"                 [--end HH:MM] [--tickets N] [--seed S] [--report FILE.json] [--counters LIST]\n"
		"                 [--service-scale F] [--kiosk-press CMD [--kiosk-share F]] [--pins FILE]\n"
		"                 [--absent COUNTER@HH:MM-HH:MM] [--long-pause COUNTER@HH:MM+MINUTES]\n"
		"                 [--surge SERVICE@HH:MM+TICKETS] [--strict-estimate] [-v]\n"
		"  A simulated day through the real programs: citizens take tickets at hallqd, clerks press\n"
		"  the keys of the simulated counter units (the fifos DIR/keys-BUS of hallq-unit-sim) or call\n"
		"  the API, hallqd runs on its simulated clock (hallqd --clock --speed). At the end the day's\n"
		"  figures from hallqd are checked against the simulator's own record. See docs/sim.md.\n"
		"  An https:// server is verified against the system's CAs, or --ca FILE (HALLQ_CA).\n"
		"  Tokens: --kiosk-token (HALLQ_KIOSK_TOKEN), --admin-token (HALLQ_ADMIN_TOKEN) and/or\n"
		"  --manager-token (HALLQ_MANAGER_TOKEN). --pins FILE (\"CLERK PIN\" lines): the PINs of the\n"
		"  roster's clerks, whom it signs in at the counters it works (a hall with sign_in = open\n"
		"  takes any clerk id and needs none).\n"
		"  A scenario for electronic supervision (each option up to 8 times): --absent: that counter's\n"
		"  clerk signs out and leaves it open, and signs in again at the end; --long-pause: its clerk\n"
		"  pauses that long; --surge: that many tickets of the service at once. The alerts hallqd\n"
		"  raised and cleared are checked against the record's in any run.\n"
		"  Exit status: 0 every figure agrees, 1 a mismatch or a broken invariant, 2 usage,\n"
		"  3 the day could not be run (hallqd unreachable, wrong hall, ...).\n");
}

/* "HH:MM" at *p: the minute of the day; p moves past it. */
static bool hhmm_at(const char **p, int *minute)
{
	int h, m, n = 0;

	if (sscanf(*p, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h > 23 || m > 59)
		return false;
	*minute = h * 60 + m;
	*p += n;
	return true;
}

/*
 * An incident of the scenario: "WHO@HH:MM-HH:MM" (--absent), "WHO@HH:MM+N" (--long-pause,
 * --surge). WHO is a counter's number, or a service's key for a surge; N is minutes or
 * tickets, 1 to `max`.
 */
static int parse_incident(const char *opt, const char *arg, bool range, bool service, int max,
			  struct incident *v, int *n)
{
	struct incident *in = &v[*n];
	const char *at = strchr(arg, '@'), *p;
	char *end;
	long k;

	memset(in, 0, sizeof *in);
	if (*n == MAX_INCIDENTS) {
		fprintf(stderr, "hallq-sim: at most %d of %s\n", MAX_INCIDENTS, opt);
		return 2;
	}
	if (!at || at == arg || at - arg >= HQ_KEY_MAX)
		goto bad;
	if (service) {
		snprintf(in->key, sizeof in->key, "%.*s", (int)(at - arg), arg);
	} else {
		k = strtol(arg, &end, 10);
		if (end != at || k < 1 || k > 9999)
			goto bad;
		in->counter = (int)k;
	}
	p = at + 1;
	if (!hhmm_at(&p, &in->from))
		goto bad;
	if (range) {
		if (*p++ != '-' || !hhmm_at(&p, &in->to) || *p || in->to <= in->from)
			goto bad;
	} else {
		if (*p++ != '+')
			goto bad;
		k = strtol(p, &end, 10);
		if (end == p || *end || k < 1 || k > max)
			goto bad;
		in->n = (int)k;
	}
	(*n)++;
	return 0;
bad:
	fprintf(stderr, "hallq-sim: %s takes %s, not '%s'\n", opt,
		range ? "COUNTER@HH:MM-HH:MM (a later end)" : service ? "SERVICE@HH:MM+TICKETS (1 to 500)"
		: "COUNTER@HH:MM+MINUTES (1 to 480)", arg);
	return 2;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"server", required_argument, NULL, 's'}, {"config", required_argument, NULL, 'c'},
		{"kiosk-token", required_argument, NULL, 'K'}, {"admin-token", required_argument, NULL, 'A'},
		{"manager-token", required_argument, NULL, 'M'}, {"keys", required_argument, NULL, 'k'},
		{"speed", required_argument, NULL, 'x'}, {"start", required_argument, NULL, 'S'},
		{"end", required_argument, NULL, 'E'}, {"tickets", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 'r'}, {"report", required_argument, NULL, 'o'},
		{"counters", required_argument, NULL, 'C'}, {"service-scale", required_argument, NULL, 'g'},
		{"kiosk-press", required_argument, NULL, 'p'}, {"kiosk-share", required_argument, NULL, 'q'},
		{"strict-estimate", no_argument, NULL, 'e'}, {"verbose", no_argument, NULL, 'v'},
		{"pins", required_argument, NULL, 'P'}, {"absent", required_argument, NULL, 'a'},
		{"long-pause", required_argument, NULL, 'l'}, {"surge", required_argument, NULL, 'u'},
		{"ca", required_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	const char *ca = getenv("HALLQ_CA");
	char *end, err[512];
	int opt, rc;

	*o = (struct opts){.tickets = 125, .seed = 1, .service_scale = 1, .kiosk_share = -1};
	o->kiosk_token = getenv("HALLQ_KIOSK_TOKEN");
	o->admin_token = getenv("HALLQ_ADMIN_TOKEN");
	o->manager_token = getenv("HALLQ_MANAGER_TOKEN");
	while ((opt = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (opt) {
		case 's': o->server = optarg; break;
		case 'Q': ca = optarg; break;
		case 'c': o->config = optarg; break;
		case 'K': o->kiosk_token = optarg; break;
		case 'A': o->admin_token = optarg; break;
		case 'M': o->manager_token = optarg; break;
		case 'k': o->keys = optarg; break;
		case 'S': o->start = optarg; break;
		case 'E': o->end = optarg; break;
		case 'o': o->report = optarg; break;
		case 'C': o->counters = optarg; break;
		case 'p': o->kiosk_press = optarg; break;
		case 'P': o->pins = optarg; break;
		case 'e': o->strict_estimate = true; break;
		case 'v': o->verbose++; break;
		case 'a':
			if ((rc = parse_incident("--absent", optarg, true, false, 0, o->absent, &o->nabsent)))
				return rc;
			break;
		case 'l':
			if ((rc = parse_incident("--long-pause", optarg, false, false, 480, o->pause, &o->npause)))
				return rc;
			break;
		case 'u':
			if ((rc = parse_incident("--surge", optarg, false, true, 500, o->surge, &o->nsurge)))
				return rc;
			break;
		case 'x':
			o->speed = strtol(optarg, &end, 10);
			if (*end || o->speed < 1 || o->speed > 1000) {
				fprintf(stderr, "hallq-sim: --speed takes 1 to 1000, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			o->tickets = strtod(optarg, &end);
			if (*end || !(o->tickets >= 0 && o->tickets <= 100000)) {
				fprintf(stderr, "hallq-sim: --tickets takes 0 to 100000, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			o->seed = strtoull(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "hallq-sim: --seed takes a whole number, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'g':
			o->service_scale = strtod(optarg, &end);
			if (*end || !(o->service_scale >= 0.1 && o->service_scale <= 10)) {
				fprintf(stderr, "hallq-sim: --service-scale takes 0.1 to 10, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'q':
			o->kiosk_share = strtod(optarg, &end);
			if (*end || !(o->kiosk_share >= 0 && o->kiosk_share <= 1)) {
				fprintf(stderr, "hallq-sim: --kiosk-share takes 0 to 1, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("hallq-sim %s\n", HQ_VERSION); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (!o->server || !o->config || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!o->kiosk_token || (!o->admin_token && !o->manager_token)) {
		fprintf(stderr, "hallq-sim: it needs a kiosk token and an admin or manager token "
			"(--kiosk-token, --admin-token, --manager-token or HALLQ_*_TOKEN)\n");
		return 2;
	}
	if (hq_client_use_ca(ca, err, sizeof err)) {
		fprintf(stderr, "hallq-sim: --ca: %s\n", err);
		return 2;
	}
	if (o->kiosk_share < 0)
		o->kiosk_share = o->kiosk_press ? 0.1 : 0;
	return 0;
}

/* Day, start and end in simulated time. */
static int plan_day(struct run *r, int64_t hall_now)
{
	struct hq_sim *s = &r->s;
	time_t t;
	struct tm tm;
	char buf[32];
	int h, m, n = 0;

	if (r->o.start) {
		if (hq_parse_local_time(r->o.start, &r->start_ms)) {
			hq_log(HQ_LOG_ERROR, "--start '%s' is not \"YYYY-MM-DD HH:MM\"", r->o.start);
			return 2;
		}
	} else {
		r->start_ms = hall_now;
	}
	t = (time_t)(r->start_ms / 1000);
	localtime_r(&t, &tm);
	strftime(s->day, sizeof s->day, "%Y-%m-%d", &tm);
	s->wday = tm.tm_wday;
	hq_parse_local_time(s->day, &r->day0);
	hq_format_local_time(hall_now, buf, sizeof buf);
	if (strncmp(buf, s->day, 10)) {
		hq_log(HQ_LOG_ERROR, "hallqd's time is %s, not on the day of --start %s: start hallqd with "
		       "--clock \"%s\"", buf, s->day, r->o.start);
		return 3;
	}
	if (hall_now > r->start_ms + 2 * MIN_MS)
		hq_log(HQ_LOG_WARN, "hallqd's clock is at %s already, past --start: the arrivals before now are "
		       "not simulated", buf + 11);
	if (r->o.end) {
		if (sscanf(r->o.end, "%2d:%2d%n", &h, &m, &n) != 2 || r->o.end[n] || h > 24 || m > 59 ||
		    h * 60 + m > 24 * 60) {
			hq_log(HQ_LOG_ERROR, "--end '%s' is not HH:MM", r->o.end);
			return 2;
		}
		s->end_ms = r->day0 + (h * 60 + m) * MIN_MS;
	} else {
		int close = last_close(s);

		s->end_ms = r->day0 + (close < 0 ? 18 * 60 : close + 60 > 1439 ? 1439 : close + 60) * MIN_MS;
	}
	return 0;
}

/* The scenario's absences and long pauses go to their clerks; each needs its counter worked,
 * an absence the admin token (the clerk signs out and in through the API). */
static int plan_incidents(struct run *r)
{
	struct opts *o = &r->o;

	for (int i = 0; i < o->nabsent + o->npause; i++) {
		bool absent = i < o->nabsent;
		const struct incident *in = absent ? &o->absent[i] : &o->pause[i - o->nabsent];
		const char *opt = absent ? "--absent" : "--long-pause";
		struct hq_clerk *c = in->counter < HQ_SIM_MAX_COUNTER ? r->by_number[in->counter] : NULL;

		if (!c) {
			hq_log(HQ_LOG_ERROR, "%s: counter %d is not worked (--counters, --keys, tokens)", opt, in->counter);
			return HQ_EINVAL;
		}
		if (absent && !r->s.admin) {
			hq_log(HQ_LOG_ERROR, "--absent needs --admin-token: the clerk signs out and in at the API");
			return HQ_EINVAL;
		}
		if (absent ? c->absent_to != 0 : c->long_pause_ms != 0) {
			hq_log(HQ_LOG_ERROR, "%s: counter %d has one already", opt, in->counter);
			return HQ_EINVAL;
		}
		if (absent) {
			c->absent_from = r->day0 + in->from * MIN_MS;
			c->absent_to = r->day0 + in->to * MIN_MS;
		} else {
			c->long_pause_at = r->day0 + in->from * MIN_MS;
			c->long_pause_ms = in->n * MIN_MS;
		}
	}
	for (int i = 0; i < o->nsurge; i++)
		if ((o->surge[i].service = hq_config_service_index(r->s.cfg, o->surge[i].key)) < 0) {
			hq_log(HQ_LOG_ERROR, "--surge: %s has no service '%s'", r->o.config, o->surge[i].key);
			return HQ_EINVAL;
		}
	return HQ_OK;
}

/*
 * The surges join the day's arrivals: n citizens of the service at that minute, a few
 * simulated milliseconds apart, drawn from a stream of their own (the seed's other citizens
 * stay the same). A surge before the simulated part of the day (`from`) is left out.
 */
static int add_bursts(struct run *r, double from)
{
	struct hq_sim_rng rng;
	struct hq_sim_arrival *all, *b = NULL;
	int *of = NULL;
	size_t nb = 0, i, j, k;

	hq_sim_rng_seed(&rng, r->s.seed ^ 0x5a76e5a76eULL);
	for (int si = 0; si < r->o.nsurge; si++) {
		const struct incident *in = &r->o.surge[si];
		struct hq_sim_arrival *g = realloc(b, (nb + (size_t)in->n) * sizeof *b);
		int *go = realloc(of, (nb + (size_t)in->n) * sizeof *of);

		if (g)
			b = g;
		if (go)
			of = go;
		if (!g || !go)
			goto nomem;
		if (in->from < from) {
			hq_log(HQ_LOG_WARN, "--surge %s@%02d:%02d is before the simulated part of the day: left out",
			       in->key, in->from / 60, in->from % 60);
			continue;
		}
		for (int n = 0; n < in->n; n++, nb++) {
			hq_sim_citizen(&rng, &r->s.rates, in->service, &b[nb]);
			b[nb].minute = in->from + n * 1e-4;
			of[nb] = si;
		}
	}
	all = malloc((r->narr + nb + 1) * sizeof *all);
	r->burst = calloc(r->narr + nb + 1, sizeof *r->burst);
	r->burst_of = calloc(r->narr + nb + 1, sizeof *r->burst_of);
	if (!all || !r->burst || !r->burst_of) {
		free(all);
		goto nomem;
	}
	/* Merge by time; the drawn arrivals first at the same instant. */
	for (i = j = k = 0; i < r->narr || j < nb; k++) {
		if (j < nb && (i >= r->narr || b[j].minute < r->arr[i].minute)) {
			all[k] = b[j];
			r->burst[k] = true;
			r->burst_of[k] = of[j++];
		} else {
			all[k] = r->arr[i++];
		}
	}
	free(r->arr);
	r->arr = all;
	r->narr += nb;
	free(b);
	free(of);
	return HQ_OK;
nomem:
	free(b);
	free(of);
	return HQ_ENOMEM;
}

/* What the scenario did, as the event stream showed it: a line, and report["scenario"]. */
static void print_scenario(struct run *r, json_t *report)
{
	const struct opts *o = &r->o;
	json_t *sc = json_object(), *ab = json_array(), *lp = json_array(), *su = json_array();
	char a[8], b[8], c[8], d[8];

	if (!o->nabsent && !o->npause && !o->nsurge) {
		json_decref(sc);
		json_decref(ab);
		json_decref(lp);
		json_decref(su);
		return;
	}
	printf("\nThe scenario:");
	for (int i = 0; i < o->nabsent; i++) {
		const struct hq_clerk *k = r->by_number[o->absent[i].counter];

		hhmm(r->day0 + o->absent[i].from * MIN_MS, a, sizeof a);
		hhmm(r->day0 + o->absent[i].to * MIN_MS, b, sizeof b);
		hhmm(k->signed_out_at, c, sizeof c);
		hhmm(k->signed_in_at, d, sizeof d);
		printf(" counter %d's clerk away %s-%s (signed out %s, in again %s);", k->cc->number, a, b,
		       k->signed_out_at ? c : "never", k->signed_in_at ? d : "never");
		json_array_append_new(ab, json_pack("{s:i, s:s, s:s, s:o, s:o}", "counter", k->cc->number, "from", a,
						    "to", b, "signed_out", k->signed_out_at ? json_string(c) : json_null(),
						    "signed_in", k->signed_in_at ? json_string(d) : json_null()));
	}
	for (int i = 0; i < o->npause; i++) {
		const struct hq_clerk *k = r->by_number[o->pause[i].counter];

		hhmm(r->day0 + o->pause[i].from * MIN_MS, a, sizeof a);
		hhmm(k->long_paused_at, c, sizeof c);
		hhmm(k->long_resumed_at, d, sizeof d);
		printf(" counter %d paused %d min from %s (%s to %s);", k->cc->number, o->pause[i].n, a,
		       k->long_paused_at ? c : "never", k->long_resumed_at ? d : "not resumed");
		json_array_append_new(lp, json_pack("{s:i, s:s, s:i, s:o, s:o}", "counter", k->cc->number, "at", a,
						    "minutes", o->pause[i].n, "paused", k->long_paused_at ? json_string(c) : json_null(),
						    "resumed", k->long_resumed_at ? json_string(d) : json_null()));
	}
	for (int i = 0; i < o->nsurge; i++) {
		hhmm(r->day0 + o->surge[i].from * MIN_MS, a, sizeof a);
		printf(" %d tickets of %s at %s (%d issued);", o->surge[i].n, o->surge[i].key, a, o->surge[i].issued);
		json_array_append_new(su, json_pack("{s:s, s:s, s:i, s:i}", "service", o->surge[i].key, "at", a,
						    "tickets", o->surge[i].n, "issued", o->surge[i].issued));
	}
	printf("\n");
	json_object_set_new(sc, "absent", ab);
	json_object_set_new(sc, "long_pause", lp);
	json_object_set_new(sc, "surge", su);
	json_object_set_new(report, "scenario", sc);
}

/* hallqd's alerts of the day against the record's (report.c), the stream caught up with the
 * moment hallqd listed them. */
static void check_alerts(struct run *r, json_t *report)
{
	struct hq_sim *s = &r->s;
	struct hq_sim_seen *seen = NULL;
	struct hq_sim_window w = {.from = r->running_at, .tolerance = hq_sim_expect_tolerance(s->speed),
				  .early = 1000};
	size_t n = 0;
	int rc = hq_sim_fetch_alerts(s, &seen, &n, &w.asked, &w.answered);

	if (rc == HQ_ENOALERT) {
		printf("\nAlerts: hallqd has none (GET /api/v1/alerts: 404, an older hallqd): not compared\n");
	} else if (rc) {
		r->k.checks++;
		hq_sim_mismatch(&r->k, "alert", "all", "GET /api/v1/alerts", 0, 0);
	} else {
		catch_up(r, 10000);
		hq_sim_expect_until(&s->rec.expect, w.answered);
		hq_sim_compare_alerts(s, &r->k, seen, n, &w, report);
	}
	free(seen);
}

static int by_units(const struct hq_sim *s)
{
	int n = 0;

	for (int i = 0; i < s->nclerks; i++)
		n += s->clerks[i].fifo >= 0;
	return n;
}

static int write_report(struct run *r, json_t *report)
{
	if (!r->o.report)
		return 0;
	if (json_dump_file(report, r->o.report, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		hq_log(HQ_LOG_ERROR, "cannot write the report %s", r->o.report);
		return -1;
	}
	return 0;
}

static json_t *clerks_json(const struct hq_sim *s)
{
	json_t *a = json_array();

	for (int i = 0; i < s->nclerks; i++) {
		const struct hq_clerk *c = &s->clerks[i];

		json_array_append_new(a, json_pack("{s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
			"counter", c->cc->number, "via", c->fifo >= 0 ? "unit" : "api", "calls", c->calls,
			"empty_calls", c->empty_calls, "served", c->served, "noshows", c->noshows,
			"transfers", c->transfers, "recalls", c->recalls_made, "reviews", c->reviews,
			"breaks", c->breaks, "lunches", c->lunches, "presses", c->presses,
			"unexpected", c->unexpected));
	}
	return a;
}

int main(int argc, char **argv)
{
	static struct run run;      /* large: the record's per-counter tables */
	struct run *r = &run;
	struct hq_sim *s = &r->s;
	struct hq_config *cfg = NULL;
	json_t *hall = NULL, *report = NULL, *open_list;
	char err[512], when[32];
	int64_t hall_now, t0 = hq_mono_ms();
	int rc, status = 3, still_open;
	int met = -1;

	hq_log_init("hallq-sim");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((rc = parse_opts(argc, argv, &r->o)))
		return rc;
	hq_log_level = r->o.verbose ? HQ_LOG_DEBUG : HQ_LOG_INFO;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (hq_config_parse_file(r->o.config, &cfg, err, sizeof err)) {
		fprintf(stderr, "hallq-sim: %s\n", err);
		return 3;
	}
	s->cfg = cfg;
	s->seed = r->o.seed;
	snprintf(s->run_id, sizeof s->run_id, "%lx-%x", (unsigned long)time(NULL), (unsigned)getpid());
	s->stop = &stop;
	hq_sim_params_default(&s->params);
	s->params.tickets = r->o.tickets;
	s->params.service_scale = r->o.service_scale;
	hq_sim_rng_seed(&r->misc, s->seed ^ 0x5eed5eed5eedULL);
	hq_sim_rng_seed(&s->case_rng, s->seed ^ 0xca5eca5eca5eULL);
	r->k.list = json_array();
	s->kiosk = hq_client_new(r->o.server, r->o.kiosk_token);
	s->admin = r->o.admin_token ? hq_client_new(r->o.server, r->o.admin_token) : NULL;
	s->reader = hq_client_new(r->o.server, r->o.admin_token ? r->o.admin_token : r->o.manager_token);
	r->f_cl = hq_client_new(r->o.server, r->o.kiosk_token);
	if (!s->kiosk || !s->reader || !r->f_cl || (r->o.admin_token && !s->admin)) {
		fprintf(stderr, "hallq-sim: out of memory\n");
		goto out;
	}
	hq_client_set_timeouts(s->kiosk, 2000, 10000);
	hq_client_set_timeouts(s->reader, 2000, 10000);
	hq_client_set_abort(s->kiosk, &stop);
	if (s->admin)
		hq_client_set_timeouts(s->admin, 2000, 10000);

	/* hallqd's clock and hall. */
	if (hq_sim_hall_time(s, &hall_now, &hall) || same_hall(r, hall) || hq_sim_sync_clock(s, r->o.speed))
		goto out;
	hall_now = hq_sim_now(s);
	if ((rc = plan_day(r, hall_now))) {
		status = rc;
		goto out;
	}
	hq_format_local_time(hall_now, when, sizeof when);
	hq_log(HQ_LOG_INFO, "hallqd at %s: its clock reads %s and runs at %dx; the simulated day is %s",
	       r->o.server, when, s->speed, s->day);
	if (hall_now < r->start_ms) {
		hq_log(HQ_LOG_INFO, "waiting %.1f s for --start %s", (double)(r->start_ms - hall_now) / s->speed / 1000,
		       r->o.start);
		while (hq_sim_now(s) < r->start_ms && !stop)
			hq_sim_nap_ms(20);
	}
	if (hq_sim_rates_init(&s->rates, cfg, s->wday, &s->params)) {
		hq_log(HQ_LOG_ERROR, "no service of %s opens on %s: nothing to simulate", r->o.config, s->day);
		goto out;
	}
	if (hq_sim_record_init(&s->rec, cfg, r->day0, r->day0 + 86400000LL)) {
		hq_log(HQ_LOG_ERROR, "out of memory for the record");
		goto out;
	}

	if (hq_sim_follow_start(&r->f, r->f_cl, &stop)) {
		hq_log(HQ_LOG_ERROR, "cannot start the event follower");
		goto out;
	}
	if ((rc = setup_clerks(r)) || (rc = plan_incidents(r))) {
		status = rc == HQ_EINVAL ? 2 : 3;
		goto out;
	}
	units_base(r);
	prepare_counters(r);
	catch_up(r, 30000);
	if (r->f.failed) {
		hq_log(HQ_LOG_ERROR, "event stream: %s", r->f.why);
		goto out;
	}
	{
		/* A day begun before (another run on this database): its figures are checked with
		 * the rest, but what this run did is counted from here. */
		struct hq_stats st;

		if (hq_sim_record_stats(&s->rec, HQ_BY_SERVICE, &st) == HQ_OK) {
			s->before = st.total;
			hq_stats_free(&st);
		}
		r->running = true;
		r->running_at = hq_sim_now(s);
		if (s->before.issued)
			hq_log(HQ_LOG_WARN, "the day %s has %d tickets already (%d still open): they are part "
			       "of the day's figures; a fresh database is better", s->day, s->before.issued,
			       s->before.waiting);
	}
	{
		double from = (double)(hq_sim_now(s) - r->day0) / MIN_MS;
		char endt[8];

		struct hq_sim_rng arr_rng;

		/* The arrivals come from a stream of their own, so that one seed gives the same
		 * citizens whatever the clerks draw. */
		hq_sim_rng_seed(&arr_rng, s->seed);
		if (hq_sim_arrivals(&s->rates, &arr_rng, from, (double)(s->end_ms - r->day0) / MIN_MS,
				    &r->arr, &r->narr)) {
			hq_log(HQ_LOG_ERROR, "out of memory for the arrivals");
			goto out;
		}
		if (add_bursts(r, from)) {
			hq_log(HQ_LOG_ERROR, "out of memory for the arrivals");
			goto out;
		}
		s->tally.arrivals = (int)r->narr;
		for (size_t i = 0; i < r->narr; i++)
			s->tally.impatient += r->arr[i].patience_min > 0;
		hhmm(s->end_ms, endt, sizeof endt);
		hq_log(HQ_LOG_INFO, "%zu citizens will come (%.1f expected from now to the end; %.0f over the whole day), "
		       "%d counters at work (%d by their units, %d closed), the day ends by %s", r->narr,
		       hq_sim_expected(&s->rates, from, (double)(s->end_ms - r->day0) / MIN_MS),
		       s->params.tickets, s->nclerks, by_units(s), s->tally.closed_counters, endt);
	}

	if (run_day(r) == HQ_ELINK && !r->f.failed)
		goto out;
	if (stop)
		hq_log(HQ_LOG_WARN, "stopped by a signal: the figures are of the day so far");
	if (r->f.failed) {
		hq_log(HQ_LOG_ERROR, "event stream: %s", r->f.why);
		goto out;
	}
	catch_up(r, 10000);
	still_open = hq_sim_record_close(&s->rec);

	report = json_pack("{s:i, s:s, s:I, s:s, s:i, s:f, s:i}", "hallq_sim", 1, "server", r->o.server,
			   "seed", (json_int_t)s->seed, "day", s->day, "speed", s->speed, "tickets_expected",
			   s->params.tickets, "arrivals", (int)r->narr);
	{
		json_t *stats = json_object();

		if (hq_sim_compare_by(s, &r->k, HQ_BY_SERVICE, "service", stats) ||
		    hq_sim_compare_by(s, &r->k, HQ_BY_COUNTER, "counter", stats) ||
		    hq_sim_compare_by(s, &r->k, HQ_BY_HOUR, "hour", stats) ||
		    hq_sim_compare_by(s, &r->k, HQ_BY_CLERK, "clerk", stats)) {
			json_decref(stats);
			goto out;
		}
		{
			json_t *tot = json_object_get(json_object_get(stats, "service"), "total");
			struct hq_stats_row total;

			hq_sim_row_from_json(tot, &total);
			hq_sim_compare_own(s, &r->k, &total, report);
		}
		json_object_set_new(report, "stats", stats);
	}

	/* Invariants, checked all day long. */
	r->k.checks++;
	printf("\nInvariants (no ticket called twice, no label issued twice, one ticket a counter, one end a "
	       "ticket): %s\n", s->rec.breaches ? "BROKEN" : "ok");
	for (int i = 0; i < s->rec.breaches && i < 8; i++)
		printf("  %s\n", s->rec.breach[i]);
	if (s->rec.breaches)
		hq_sim_mismatch(&r->k, "invariant", "all", "breaches", s->rec.breaches, 0);
	print_scenario(r, report);
	check_alerts(r, report);
	open_list = json_array();
	if (still_open) {
		int shown = 0;

		printf("Still open at the end of the day: %d ticket%s:", still_open, still_open == 1 ? "" : "s");
		for (size_t i = 0; i < s->rec.n; i++) {
			const struct hq_sim_ticket *t = &s->rec.t[i];

			if (t->issued_at < s->rec.day_from || t->issued_at >= s->rec.day_to || HQ_T_FINAL(t->state))
				continue;
			json_array_append_new(open_list, json_pack("{s:s, s:s}", "label", t->label, "state",
								   hq_tstate_name(t->state)));
			if (shown++ < 20)
				printf(" %s (%s)", t->label, hq_tstate_name(t->state));
		}
		printf("%s\n", shown > 20 ? " ..." : "");
	}

	json_object_set_new(report, "estimate", json_pack("{s:s, s:f, s:o}", "steady_hours",
		"issued >= 60 min after the opening period began and >= 60 min before it ends; called; root tickets",
		"target_ratio", HQ_SIM_TARGET_RATIO, "rows", hq_sim_estimates(s, &met)));
	json_object_set_new(json_object_get(report, "estimate"), "met", met < 0 ? json_null() : json_boolean(met));

	printf("\nThe day: %d citizens, %d tickets issued, %d refused (closed %d, full %d, other %d), %d cancelled "
	       "by citizens who left (of %d impatient)\n", s->tally.arrivals, s->tally.issued,
	       s->tally.refused_closed + s->tally.refused_cap + s->tally.refused_other, s->tally.refused_closed,
	       s->tally.refused_cap, s->tally.refused_other, s->tally.cancels, s->tally.impatient);
	printf("Clerks: %d calls (%d found nobody), %d served, %d no-shows, %d transfers, %d reviews (%d too "
	       "late); %d bad-review case steps; %.0f s real time\n",
	       s->tally.calls, s->tally.empty_calls, s->tally.served, s->tally.noshows, s->tally.transfers,
	       s->tally.reviews, s->tally.late_reviews, s->tally.case_steps, (double)(hq_mono_ms() - t0) / 1000);

	status = r->k.mismatches || (r->o.strict_estimate && !met) || stop ? 1 : 0;
	json_object_set_new(report, "tally", json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		"arrivals", s->tally.arrivals, "impatient", s->tally.impatient, "closed_counters",
		s->tally.closed_counters, "issued", s->tally.issued, "kiosk_presses", s->tally.kiosk_presses,
		"issued_others", s->tally.issued_others,
		"refused_closed", s->tally.refused_closed, "refused_cap", s->tally.refused_cap,
		"refused_other", s->tally.refused_other, "cancels", s->tally.cancels, "cancels_late",
		s->tally.cancels_late, "empty_calls", s->tally.empty_calls, "unexpected", s->tally.unexpected));
	json_object_set_new(json_object_get(report, "tally"), "late_reviews", json_integer(s->tally.late_reviews));
	json_object_set_new(json_object_get(report, "tally"), "case_steps", json_integer(s->tally.case_steps));
	json_object_set_new(report, "clerks", clerks_json(s));
	json_object_set_new(report, "invariants", json_pack("{s:i, s:O}", "breaches", s->rec.breaches, "list",
							     s->rec.breach_list));
	json_object_set_new(report, "open_tickets", open_list);
	json_object_set_new(report, "checks", json_integer(r->k.checks));
	json_object_set_new(report, "mismatches", json_integer(r->k.mismatches));
	json_object_set(report, "mismatch_list", r->k.list);
	json_object_set_new(report, "interrupted", json_boolean(stop));
	json_object_set_new(report, "real_seconds", json_real((double)(hq_mono_ms() - t0) / 1000));
	json_object_set_new(report, "exit", json_integer(status));
	if (write_report(r, report))
		status = status ? status : 3;
	printf("hallq-sim: %d checks, %d mismatches\n", r->k.checks, r->k.mismatches);
out:
	if (status == 3)
		printf("hallq-sim: the day could not be run (see above)\n");
	hq_sim_follow_stop(&r->f);
	json_decref(report);
	json_decref(hall);
	json_decref(r->k.list);
	hq_sim_record_free(&s->rec);
	free(r->arr);
	free(r->burst);
	free(r->burst_of);
	free(s->plans);
	free(s->cases);
	free(s->clerks);
	hq_client_free(s->kiosk);
	hq_client_free(s->admin);
	hq_client_free(s->reader);
	hq_client_free(r->f_cl);
	hq_config_free(cfg);
	return status;
}
