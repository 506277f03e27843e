/*
 * The counter gateway's benchmark. It builds the real chain on a virtual RS-485 line that
 * runs at the real baud rate: hallq-counter <-> socat pty pair A <-> hallq-relay --baud B
 * <-> socat pty pair B <-> hallq-unit-sim with 32 units, the gateway reporting to a hallqd
 * on loopback with a scratch database. Ptys move bytes as fast as memory, so the relay
 * delivers each byte 11/B seconds after the one before, as a wire would. It measures (1) the
 * gateway's full poll cycle over 32 idle units, plain protocol and Modbus RTU at 19200 and
 * 115200 baud, against the minimum of firmware-proto/PROTOCOL.md section 6, and (2) the time
 * from a key press on a unit to the `called` event in hallqd's event stream, against the
 * protocol's expected half a cycle plus one poll. It prints figures and judges nothing by
 * its exit status: it exits non-zero only when a part does not start or an operation fails.
 * docs/bench.md says what each figure means and which environment variables size the work.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "hall.h"
#include "hq_client.h"
#include "hq_error.h"

#define NUNITS 32
#define SERVICE "general"
#define GATEWAY_NAME "bench"
#define BUS_KEY "line"

#define ONLINE_TIMEOUT_S 30.0  /* for every unit to answer and show the hall */
#define REPORT_TIMEOUT_S 10.0  /* between two health reports (--report 1) */
#define PRESS_TIMEOUT_S 10.0   /* from a press to its `called` event */
#define SHOWN_TIMEOUT_S 10.0   /* from a call to every display showing it */
#define TARGET_RATIO 1.30      /* measured cycle over the formula's minimum */

/* How much work each part does; see docs/bench.md. */
struct sizes {
	double seconds;     /* measured per poll-cycle case */
	long presses;       /* at 19200 baud */
	long fast_presses;  /* at 115200 baud */
	long seed;
	long port;          /* 0: pick a free one */
};

static const char *socat_bin;
static bool keep_files;

/* Every program the bench runs, checked before any work is done. */
static void find_programs(void)
{
	static const char *const progs[] = {
		"hallq", "hallqd", "hallq-counter", "hallq-unit-sim", "tests/hallq-relay",
	};

	bench_find_programs(progs, sizeof progs / sizeof progs[0]);
	socat_bin = bench_find_tool("socat", "socat");
}

/* ---- hallqd ------------------------------------------------------------------------ */

static char gateway_env[64];
static struct hq_client *admin, *kiosk;

/* The hall: one service open all day every day (24:00 rather than 23:59, so the bench
 * also runs in the day's last minute) and NUNITS counters serving it, counter N on the
 * bus at address N. The [bus] section is the part the cases change. */
static void write_hall(const char *name, const char *type, long baud)
{
	struct bench_text t;
	FILE *f = bench_text_begin(&t);
	char dev[4200];
	int i;

	bench_path(dev, sizeof dev, "a1");
	fprintf(f, "[hall]\nname = 基准大厅\nname_en = Bench Hall\n\n"
		"[service " SERVICE "]\nname = 综合业务\nname_en = General\nprefix = A\n"
		"numbers = 1-9999\nhours = 00:00-24:00\ndays = mon-sun\n\n");
	for (i = 1; i <= NUNITS; i++)
		fprintf(f, "[counter %d]\nservices = " SERVICE "\nbus = " BUS_KEY "\naddress = %d\n\n",
			i, i);
	fprintf(f, "[bus " BUS_KEY "]\ntype = %s\ndevice = %s\nbaud = %ld\n", type, dev, baud);
	bench_text_end(&t, name, 0644);
}

static void issue_tickets(long n)
{
	bench_hall_issue(kiosk, SERVICE, n);
}

/* People waiting for counter 1, as hallqd tells it; every counter serves the one service,
 * so every unit shows this number. */
static int waiting_now(void)
{
	struct hq_hall *h = NULL;
	const struct hq_hall_counter *c;
	int rc = hq_client_hall(admin, &h), n;

	if (rc || !(c = hq_hall_counter(h, 1)))
		bench_die("GET /api/v1/hall: %s", rc ? hq_client_error(admin) : "no counter 1");
	n = c->waiting;
	hq_hall_free(h);
	return n;
}

static bool is(json_t *obj, const char *key, const char *value)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && !strcmp(s, value);
}

/* The bus as hallqd shows the gateway's last report: its cycle_ms and units online. */
static double hallqd_cycle_ms(int *online)
{
	json_t *v = bench_hall_request(admin, "GET", "/api/v1/units", NULL, NULL, 200), *g, *b, *u;
	double ms = -1;
	size_t i, j, k;

	*online = 0;
	json_array_foreach(json_object_get(v, "gateways"), i, g) {
		if (!is(g, "gateway", GATEWAY_NAME))
			continue;
		json_array_foreach(json_object_get(g, "buses"), j, b) {
			if (!is(b, "bus", BUS_KEY))
				continue;
			ms = json_number_value(json_object_get(b, "cycle_ms"));
			json_array_foreach(json_object_get(b, "units"), k, u)
				*online += json_is_true(json_object_get(u, "online"));
		}
	}
	json_decref(v);
	return ms;
}

/* ---- the line ---------------------------------------------------------------------- */

/* One health report of the gateway's -v log: "line: up, 32/32 units online, 12 cycles of
 * 470.1 ms (max 480.2), 0 timeouts and 0 bad replies in all". */
struct report {
	int online, units;
	unsigned long long cycles, timeouts, bad;
	double mean_ms, max_ms;
};

static bool parse_report(const char *line, struct report *r)
{
	const char *p = strstr(line, " " BUS_KEY ": ");

	if (!p)
		return false;
	p += strlen(BUS_KEY) + 3;
	if (!strncmp(p, "up, ", 4))
		p += 4;
	else if (!strncmp(p, "down, ", 6))
		p += 6;
	else
		return false;
	return sscanf(p, "%d/%d units online, %llu cycles of %lf ms (max %lf), %llu timeouts and"
		      " %llu bad replies in all", &r->online, &r->units, &r->cycles, &r->mean_ms,
		      &r->max_ms, &r->timeouts, &r->bad) == 7;
}

/* Full cycles as a run of reports tells them. */
struct cycles {
	long reports;
	unsigned long long n;
	double mean_ms, max_ms, lo_ms, hi_ms; /* lo/hi: the least and largest report mean */
};

static void cycles_add(struct cycles *c, const struct report *r)
{
	c->reports++;
	c->mean_ms = (c->mean_ms * (double)c->n + r->mean_ms * (double)r->cycles) /
		     (double)(c->n + r->cycles);
	c->n += r->cycles;
	if (r->max_ms > c->max_ms)
		c->max_ms = r->max_ms;
	if (c->lo_ms == 0 || r->mean_ms < c->lo_ms)
		c->lo_ms = r->mean_ms;
	if (r->mean_ms > c->hi_ms)
		c->hi_ms = r->mean_ms;
}

/* A case: one protocol at one rate, with the formula's minimum cycle for idle units. */
struct bus_case {
	const char *type;      /* the [bus] type and hallq-unit-sim's --bus form */
	long baud;
	int req, rep;          /* bytes of an idle poll and its reply (PROTOCOL.md 6) */
	/* what was measured */
	double warm_s;         /* start to every unit online and shown */
	struct cycles all;
	/* Only the reports without a timeout or a bad reply in their window or the one
	 * before (the cycle a timeout fell in may end in the next window): the cycle the
	 * gateway keeps when the virtual line does not lose a frame. */
	struct cycles clean;
	unsigned long long timeouts, bad;
	double hallqd_ms;
	int hallqd_online;
	char relay[160];       /* how late the relay's paced bytes were */
};

/* PROTOCOL.md 1.2 and 6: 11 bits a character; t3.5 fixed at 1.75 ms above 19200 bit/s; a
 * turnaround of 1 ms. */
static double t_char_ms(long baud)
{
	return 11000.0 / (double)baud;
}

static double t35_ms(long baud)
{
	return baud > 19200 ? 1.75 : 3.5 * t_char_ms(baud);
}

static double poll_ms(long baud, int req, int rep)
{
	return (req + rep) * t_char_ms(baud) + 2 * t35_ms(baud) + 1.0;
}

static double min_cycle_ms(const struct bus_case *c)
{
	return NUNITS * poll_ms(c->baud, c->req, c->rep);
}

/* The running line: two socat pairs, the relay, the units and the gateway. */
struct line {
	struct bus_case *c;
	char tag[32];          /* "plain-19200": names the logs */
	int first_kid;         /* kids from here on belong to the line */
	int relay, sim, gateway;
	int sim_in;            /* the units' keypads: "ADDRESS KEY" lines */
	struct bench_tail gw, units;
	struct report last;    /* the gateway's last report */
	long nreports;
	bool last_troubled;    /* the last report's window had a timeout or a bad reply */
	int shown[NUNITS + 1]; /* what each unit's display says is waiting; -1 unknown */
	double shown_at[NUNITS + 1];
};

static void start_socat(struct line *l, char pair)
{
	char name[32], log[64], one[4200], two[4200], arg1[4300], arg2[4300];
	char *argv[] = { (char *)socat_bin, "-d", "-d", arg1, arg2, NULL };
	struct stat st;
	double t0;
	int k;

	snprintf(name, sizeof name, "%c1", pair);
	bench_path(one, sizeof one, name);
	snprintf(name, sizeof name, "%c2", pair);
	bench_path(two, sizeof two, name);
	unlink(one);
	unlink(two);
	snprintf(arg1, sizeof arg1, "pty,raw,echo=0,link=%s", one);
	snprintf(arg2, sizeof arg2, "pty,raw,echo=0,link=%s", two);
	snprintf(name, sizeof name, "socat pair %c", pair == 'a' ? 'A' : 'B');
	snprintf(log, sizeof log, "socat-%c-%s.log", pair, l->tag);
	k = bench_kid_start(name, log, argv, NULL, NULL);
	/* Ready when both links lead to a pty. */
	t0 = bench_now_s();
	while (stat(one, &st) != 0 || stat(two, &st) != 0) {
		bench_kids_check();
		if (bench_now_s() - t0 > BENCH_START_TIMEOUT_S) {
			bench_log_tail(log, 10);
			bench_die("%s made no ptys within %.0f s", bench_kid(k)->name,
				  BENCH_START_TIMEOUT_S);
		}
		bench_nap_ms(5);
	}
}

static void start_line(struct line *l, struct bus_case *c)
{
	char relay[4200], sim[4200], gw[4200], a2[4200], b1[4200], b2[4200], baud[16], bus[4300];
	char ini[4200], state[4200], log[64], name[64];
	char *relay_argv[] = { relay, "--a", a2, "--b", b1, "--baud", baud, NULL };
	char *sim_argv[] = { sim, "--bus", bus, "--address", "1-32", NULL };
	char *gw_argv[] = { gw, "--config", ini, "--server", (char *)bench_hall_url(), "--state",
			    state, "--name", GATEWAY_NAME, "--report", "1", "-v", NULL };
	char *gw_env[] = { gateway_env, NULL };
	int i;

	memset(l, 0, sizeof *l);
	l->c = c;
	snprintf(l->tag, sizeof l->tag, "%s-%ld", c->type, c->baud);
	l->first_kid = bench_kids_count();
	for (i = 0; i <= NUNITS; i++)
		l->shown[i] = -1;
	snprintf(baud, sizeof baud, "%ld", c->baud);
	bench_bin_path(relay, sizeof relay, "tests/hallq-relay");
	bench_bin_path(sim, sizeof sim, "hallq-unit-sim");
	bench_bin_path(gw, sizeof gw, "hallq-counter");
	bench_path(a2, sizeof a2, "a2");
	bench_path(b1, sizeof b1, "b1");
	bench_path(b2, sizeof b2, "b2");
	snprintf(bus, sizeof bus, "%s:%s:%ld", c->type, b2, c->baud);

	start_socat(l, 'a');
	start_socat(l, 'b');
	snprintf(log, sizeof log, "relay-%s.log", l->tag);
	l->relay = bench_kid_start("hallq-relay", log, relay_argv, NULL, NULL);
	bench_wait_ready(l->relay, "ready", BENCH_START_TIMEOUT_S);

	snprintf(log, sizeof log, "units-%s.log", l->tag);
	l->sim = bench_kid_start("hallq-unit-sim", log, sim_argv, &l->sim_in, NULL);
	bench_wait_ready(l->sim, "ready", BENCH_START_TIMEOUT_S);
	bench_tail_open(&l->units, log);

	snprintf(name, sizeof name, "gateway-%s.ini", l->tag);
	write_hall(name, c->type, c->baud);
	bench_path(ini, sizeof ini, name);
	snprintf(name, sizeof name, "counter-%s.state", l->tag);
	bench_path(state, sizeof state, name);
	snprintf(log, sizeof log, "gateway-%s.log", l->tag);
	l->gateway = bench_kid_start("hallq-counter", log, gw_argv, NULL, gw_env);
	bench_wait_ready(l->gateway, "ready", BENCH_START_TIMEOUT_S);
	bench_tail_open(&l->gw, log);
}

/* The relay's counters line, printed as it stops: how late its paced bytes went out. */
static void relay_lateness(const char *log, char *out, size_t len)
{
	char path[4200], text[1024], last[1024] = "";
	const char *a, *b, *m;
	FILE *f;

	bench_path(path, sizeof path, log);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(text, sizeof text, f))
		if (!strncmp(text, "counters ", 9))
			snprintf(last, sizeof last, "%s", text);
	fclose(f);
	a = strstr(last, "late_avg_us=");
	m = strstr(last, "late_max_us=");
	b = strstr(last, "end_late_avg_us=");
	if (a && m && b)
		snprintf(out, len, "the relay's paced writes, over its run: late by %.0f µs on average"
			 " (max %.0f µs), a frame's last byte by %.0f µs", strtod(a + 12, NULL),
			 strtod(m + 12, NULL), strtod(b + 16, NULL));
}

static void stop_line(struct line *l)
{
	char log[64];

	bench_tail_close(&l->gw);
	bench_tail_close(&l->units);
	if (l->sim_in >= 0)
		close(l->sim_in);
	l->sim_in = -1;
	snprintf(log, sizeof log, "%s", bench_kid(l->relay)->log);
	bench_kids_stop(l->first_kid, false);
	relay_lateness(log, l->c->relay, sizeof l->c->relay);
}

/* Take what the gateway and the units logged since the last look. A report while
 * `acc` is set is added to the case's figures. */
static void pump(struct line *l, struct bus_case *acc)
{
	const char *s;
	struct report r;

	bench_kids_check();
	while ((s = bench_tail_next(&l->gw))) {
		bool troubled, clean;

		if (!parse_report(s, &r))
			continue;
		troubled = !l->nreports || r.timeouts != l->last.timeouts || r.bad != l->last.bad;
		clean = !troubled && !l->last_troubled;
		l->last = r;
		l->last_troubled = troubled;
		l->nreports++;
		if (!acc || !r.cycles)
			continue;
		cycles_add(&acc->all, &r);
		if (clean)
			cycles_add(&acc->clean, &r);
	}
	while ((s = bench_tail_next(&l->units))) {
		unsigned u;
		const char *w = strstr(s, "\" waiting ");

		if (sscanf(s, "unit %u: display", &u) == 1 && w && u >= 1 && u <= NUNITS) {
			l->shown[u] = (int)strtol(w + 10, NULL, 10);
			l->shown_at[u] = bench_now_s();
		}
	}
}

/* Wait until every unit displays `waiting`; returns when the last one did. */
static double wait_shown(struct line *l, int waiting, double timeout_s, const char *what)
{
	double t0 = bench_now_s(), last = 0;
	int u;

	for (;;) {
		pump(l, NULL);
		for (u = 1; u <= NUNITS && l->shown[u] == waiting; u++)
			if (l->shown_at[u] > last)
				last = l->shown_at[u];
		if (u > NUNITS)
			return last;
		if (bench_now_s() - t0 > timeout_s) {
			bench_log_tail(bench_kid(l->gateway)->log, 15);
			bench_die("%s: unit %d still shows %d waiting, not %d, after %.0f s", what, u,
				  l->shown[u], waiting, timeout_s);
		}
		bench_nap_ms(2);
	}
}

/* Wait for the next health report of the gateway. */
static void next_report(struct line *l, struct bus_case *acc)
{
	long n = l->nreports;
	double t0 = bench_now_s();

	while (l->nreports == n) {
		if (bench_now_s() - t0 > REPORT_TIMEOUT_S) {
			bench_log_tail(bench_kid(l->gateway)->log, 15);
			bench_die("the gateway sent no health report for %.0f s (--report 1 -v)",
				  REPORT_TIMEOUT_S);
		}
		bench_nap_ms(10);
		pump(l, acc);
	}
}

/* Every unit online and showing the hall's count; then the report under way, which may
 * hold cycles with SHOW and CLOCK commands, is let go by. */
static void warm_up(struct line *l)
{
	double t0 = bench_now_s();

	do {
		next_report(l, NULL);
		if (bench_now_s() - t0 > ONLINE_TIMEOUT_S) {
			bench_log_tail(bench_kid(l->gateway)->log, 15);
			bench_die("%s: only %d of %d units online after %.0f s", l->tag, l->last.online,
				  NUNITS, ONLINE_TIMEOUT_S);
		}
	} while (l->last.online < NUNITS);
	wait_shown(l, waiting_now(), ONLINE_TIMEOUT_S, l->tag);
	next_report(l, NULL);
	l->c->warm_s = bench_now_s() - t0;
}

/* ---- 1. the poll cycle ------------------------------------------------------------- */

static void measure_cycle(struct line *l, double seconds)
{
	struct bus_case *c = l->c;
	unsigned long long to0 = l->last.timeouts, bad0 = l->last.bad;
	double t0 = bench_now_s();

	while (bench_now_s() - t0 < seconds || c->all.n == 0)
		next_report(l, c);
	c->timeouts = l->last.timeouts - to0;
	c->bad = l->last.bad - bad0;
	c->hallqd_ms = hallqd_cycle_ms(&c->hallqd_online);
}

static void print_cycle(const struct bus_case *c)
{
	double min = min_cycle_ms(c), ratio = c->all.mean_ms / min;

	printf("   %s at %ld baud: every unit online and shown after %.1f s; %ld reports of %llu"
	       " full cycles\n", c->type, c->baud, c->warm_s, c->all.reports, c->all.n);
	printf("      cycle mean %.1f ms (reports %.1f to %.1f), max %.1f ms; per unit %.2f ms\n",
	       c->all.mean_ms, c->all.lo_ms, c->all.hi_ms, c->all.max_ms, c->all.mean_ms / NUNITS);
	printf("      formula %.1f ms (%.2f ms a unit): ratio %.2f (target ≤ %.2f: %s)\n", min,
	       min / NUNITS, ratio, TARGET_RATIO, bench_met(ratio <= TARGET_RATIO));
	printf("      timeouts %llu, bad replies %llu while measuring (each costs its cycle up to"
	       " timeout_ms, 100 ms)\n", c->timeouts, c->bad);
	if (c->clean.n)
		printf("      the %ld reports clear of them: mean %.1f ms over %llu cycles,"
		       " ratio %.2f\n", c->clean.reports, c->clean.mean_ms, c->clean.n,
		       c->clean.mean_ms / min);
	else
		printf("      no report was clear of them\n");
	printf("      hallqd's GET /api/v1/units after the last report: cycle_ms %.1f, %d/%d"
	       " units online\n", c->hallqd_ms, c->hallqd_online, NUNITS);
	if (c->relay[0])
		printf("      %s\n", c->relay);
}

/* ---- 2. key press to ticket called ------------------------------------------------- */

/* The event stream, followed by a thread of its own; the main thread arms it with the
 * event it waits for, then makes the change. */
struct follow {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hq_client *cl;
	pthread_t thread;
	int64_t since;
	volatile int stop;
	const char *want;      /* event type */
	int want_counter;      /* 0: any */
	bool got, failed;
	double got_at;
	char error[300];
};

static int on_event(void *ctx, const struct hq_sse_event *ev)
{
	struct follow *f = ctx;
	double at = bench_now_s();
	int counter = (int)json_integer_value(json_object_get(ev->data, "counter"));

	pthread_mutex_lock(&f->lock);
	if (f->want && !f->got && !strcmp(ev->type, f->want) &&
	    (!f->want_counter || counter == f->want_counter)) {
		f->got = true;
		f->got_at = at;
		pthread_cond_signal(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static void *follow_main(void *arg)
{
	struct follow *f = arg;
	int rc = hq_client_follow(f->cl, &f->since, 0, on_event, f, &f->stop);

	pthread_mutex_lock(&f->lock);
	if (!f->stop) {
		f->failed = true;
		snprintf(f->error, sizeof f->error, "the event stream ended: %s",
			 rc ? hq_client_error(f->cl) : "stopped");
		pthread_cond_signal(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static void follow_arm(struct follow *f, const char *type, int counter)
{
	pthread_mutex_lock(&f->lock);
	f->want = type;
	f->want_counter = counter;
	f->got = false;
	pthread_mutex_unlock(&f->lock);
}

/* When the armed event arrived; dies after timeout_s. */
static double follow_wait(struct follow *f, double timeout_s, const char *what)
{
	double t0 = bench_now_s(), at = 0;
	struct timespec ts;
	bool got = false;

	while (!got) {
		bench_kids_check();
		pthread_mutex_lock(&f->lock);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 50000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!f->got && !f->failed)
			pthread_cond_timedwait(&f->cond, &f->lock, &ts);
		got = f->got;
		at = f->got_at;
		if (f->failed) {
			pthread_mutex_unlock(&f->lock);
			bench_die("%s: %s", what, f->error);
		}
		pthread_mutex_unlock(&f->lock);
		if (!got && bench_now_s() - t0 > timeout_s)
			return -1;
	}
	return at;
}

static void follow_start(struct follow *f)
{
	pthread_condattr_t ca;
	json_t *h = bench_hall_request(admin, "GET", "/healthz", NULL, NULL, 200);

	memset(f, 0, sizeof *f);
	f->since = json_integer_value(json_object_get(h, "last_event_id"));
	json_decref(h);
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	f->cl = bench_hall_client("admin");
	if (pthread_create(&f->thread, NULL, follow_main, f))
		bench_die("cannot start the event-stream thread");
}

static void follow_stop(struct follow *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_mutex_unlock(&f->lock);
	/* The client looks at stop at least once a second. */
	pthread_join(f->thread, NULL);
	hq_client_free(f->cl);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
}

struct press_result {
	const char *type;
	long baud, n;
	double cycle_ms;              /* the measured cycle the pauses were drawn from */
	double min_cycle_ms;          /* the formula's */
	struct bench_figures lat, shown, server;
	double expect_formula, expect_measured;
};

/* hallqd's own time for the gateway's call-next requests, from its log: one line a request,
 * "POST /api/v1/counters/3/call-next 200 2.1ms gateway". */
static void server_times(struct bench_tail *t, struct bench_sample *s)
{
	const char *line, *p;
	double ms;
	int status;

	while ((line = bench_tail_next(t)))
		if ((p = strstr(line, "/call-next ")) && sscanf(p + 11, "%d %lfms", &status, &ms) == 2)
			bench_sample_add(s, ms);
}

/* Presses on random units, one at a time. Each waits until the previous call has reached
 * every display (a call changes every unit's waiting count, and the SHOWs that carry it
 * lengthen that cycle) and then a random part of a cycle, so the presses fall at random
 * points of an idle cycle, which is what the protocol's expectation assumes. */
static void measure_presses(struct line *l, long n, double cycle_ms, unsigned short rng[3],
			    struct press_result *r)
{
	struct bench_sample lat = {0}, shown = {0}, server = {0};
	struct bench_tail hq;
	struct follow f;
	double t0, at, done;
	char key[32];
	int waiting;
	long i;

	follow_start(&f);
	/* The stream is connected and delivering once it brings a change made after it
	 * started; presses timed before that would be charged the connection. */
	follow_arm(&f, "issued", 0);
	issue_tickets(1);
	if (follow_wait(&f, PRESS_TIMEOUT_S, "the event stream") < 0)
		bench_die("the event stream brought no `issued` event within %.0f s",
			  PRESS_TIMEOUT_S);
	waiting = waiting_now();
	wait_shown(l, waiting, SHOWN_TIMEOUT_S, "after issuing a ticket");
	bench_tail_open(&hq, "hallqd.log");
	server_times(&hq, &server);
	bench_sample_free(&server);

	for (i = 0; i < n; i++) {
		int unit = 1 + (int)(nrand48(rng) % NUNITS), len;
		int pause_ms = (int)(erand48(rng) * cycle_ms);

		bench_nap_ms(pause_ms);
		bench_kids_check();
		follow_arm(&f, "called", unit);
		len = snprintf(key, sizeof key, "%d call\n", unit);
		t0 = bench_now_s();
		if (write(l->sim_in, key, (size_t)len) != len)
			bench_die("cannot write a key press to hallq-unit-sim: %s", strerror(errno));
		if ((at = follow_wait(&f, PRESS_TIMEOUT_S, "a press")) < 0) {
			bench_log_tail(bench_kid(l->gateway)->log, 15);
			bench_die("press %ld (\"%d call\"): no `called` event for counter %d within"
				  " %.0f s", i + 1, unit, unit, PRESS_TIMEOUT_S);
		}
		bench_sample_add(&lat, (at - t0) * 1e3);
		waiting--;
		done = wait_shown(l, waiting, SHOWN_TIMEOUT_S, "after a call");
		bench_sample_add(&shown, (done - at) * 1e3);
	}
	follow_stop(&f);
	server_times(&hq, &server);
	bench_tail_close(&hq);
	r->type = l->c->type;
	r->baud = l->c->baud;
	r->n = n;
	r->cycle_ms = cycle_ms;
	r->lat = bench_summarize(&lat);
	r->shown = bench_summarize(&shown);
	r->server = bench_summarize(&server);
	bench_sample_free(&lat);
	bench_sample_free(&shown);
	bench_sample_free(&server);
	/* PROTOCOL.md 6: half a cycle on average, then the poll whose reply carries the event
	 * (13 bytes in the plain protocol; Modbus adds the write of the acknowledgement). */
	r->min_cycle_ms = min_cycle_ms(l->c);
	r->expect_formula = r->min_cycle_ms / 2;
	if (!strcmp(l->c->type, "plain"))
		r->expect_formula += poll_ms(r->baud, 8, 13);
	else
		r->expect_formula += poll_ms(r->baud, 8, 15) + poll_ms(r->baud, 8, 8);
	r->expect_measured = cycle_ms / 2 + cycle_ms / NUNITS;
}

static void print_presses(const struct press_result *r)
{
	printf("   %s at %ld baud, %ld presses on random units:\n", r->type, r->baud, r->n);
	printf("      press to `called`: p50 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms\n",
	       r->lat.p50, r->lat.p99, r->lat.max, r->lat.mean);
	printf("      of which hallqd's call-next, as its log times it: p50 %.1f ms, max %.1f ms"
	       " (%ld requests)\n", r->server.p50, r->server.max, r->server.n);
	printf("      expected mean from the formula %.1f ms (half the %.1f ms minimum cycle + the"
	       " %.2f ms poll\n      that carries the event): p50 %.2f of it, mean %.2f of it\n",
	       r->expect_formula, r->min_cycle_ms, r->expect_formula - r->min_cycle_ms / 2,
	       r->lat.p50 / r->expect_formula, r->lat.mean / r->expect_formula);
	printf("      expected mean from the measured %.1f ms cycle: %.1f ms; p50 %.2f of it\n",
	       r->cycle_ms, r->expect_measured, r->lat.p50 / r->expect_measured);
	printf("      the call on all %d displays (their waiting count) after the event: p50 %.0f"
	       " ms, max %.0f ms\n", NUNITS, r->shown.p50, r->shown.max);
}

/* ---- main ------------------------------------------------------------------------- */

int main(void)
{
	/* Run order: the plain lines last, so the presses use the 19200 line as it stands. */
	struct bus_case cases[] = {
		{ .type = "modbus-rtu", .baud = 19200, .req = 8, .rep = 15 },
		{ .type = "modbus-rtu", .baud = 115200, .req = 8, .rep = 15 },
		{ .type = "plain", .baud = 115200, .req = 8, .rep = 8 },
		{ .type = "plain", .baud = 19200, .req = 8, .rep = 8 },
	};
	static const int show_order[] = { 3, 2, 0, 1 };
	const int ncases = (int)(sizeof cases / sizeof cases[0]);
	struct press_result pr[2];
	int npr = 0, i;
	unsigned short rng[3];
	struct sizes z;
	struct line l;
	double t_start = bench_now_s();
	static const char *const roles[] = { "admin", "kiosk", "gateway", NULL };

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_init("bench_counter", bench_kids_on_die);
	bench_catch_signals();
	z.seconds = (double)bench_env_long("HQ_BENCH_CYCLE_SECONDS", 6, 1, 3600);
	z.presses = bench_env_long("HQ_BENCH_PRESSES", 36, 0, 5000);
	z.fast_presses = bench_env_long("HQ_BENCH_FAST_PRESSES", 0, 0, 5000);
	z.seed = bench_env_long("HQ_BENCH_SEED", (long)(getpid() ^ time(NULL)) & 0x7fffffff, 0,
				LONG_MAX);
	z.port = bench_env_long("HQ_BENCH_PORT", 0, 0, 65535);
	keep_files = bench_env_long("HQ_BENCH_KEEP", 0, 0, 1) != 0;
	rng[0] = 0x330e;
	rng[1] = (unsigned short)z.seed;
	rng[2] = (unsigned short)(z.seed >> 16);

	printf("bench_counter: hallq-counter on a virtual RS-485 line paced at the real baud rate,"
	       " %d units\n", NUNITS);
	printf("HQ_BENCH_CYCLE_SECONDS=%.0f HQ_BENCH_PRESSES=%ld HQ_BENCH_FAST_PRESSES=%ld"
	       " HQ_BENCH_SEED=%ld\n", z.seconds, z.presses, z.fast_presses, z.seed);
	find_programs();
	bench_make_dir("counter-bench", "files");
	write_hall("hall.ini", "plain", 19200);
	bench_hall_write_tokens(roles);
	snprintf(gateway_env, sizeof gateway_env, "HALLQ_TOKEN=%s", bench_hall_token("gateway"));
	bench_hall_start(z.port ? z.port : bench_free_port());
	admin = bench_hall_client("admin");
	kiosk = bench_hall_client("kiosk");
	/* One ticket a press and a few more, so nobody's press finds the queue empty. */
	issue_tickets(z.presses + z.fast_presses + 8);
	printf("%ld tickets issued; the line: gateway <-> pty <-> hallq-relay --baud B <-> pty <->"
	       " hallq-unit-sim\n", z.presses + z.fast_presses + 8);

	printf("\n1. poll cycle over %d idle units, as the gateway measures it (-v --report 1),"
	       " %.0f s a case\n", NUNITS, z.seconds);
	for (i = 0; i < ncases; i++) {
		struct bus_case *c = &cases[i];

		start_line(&l, c);
		warm_up(&l);
		measure_cycle(&l, z.seconds);
		if (!strcmp(c->type, "plain") && ((c->baud == 19200 && z.presses) ||
						 (c->baud == 115200 && z.fast_presses))) {
			measure_presses(&l, c->baud == 19200 ? z.presses : z.fast_presses,
					c->all.mean_ms, rng, &pr[npr++]);
		}
		stop_line(&l);
		print_cycle(c);
	}

	printf("\n   %-10s %6s %8s %7s %8s %6s %9s %9s %6s\n", "protocol", "baud", "mean ms",
	       "max ms", "formula", "ratio", "ms a unit", "timeouts", "clean");
	for (i = 0; i < ncases; i++) {
		const struct bus_case *c = &cases[show_order[i]];
		double min = min_cycle_ms(c);

		printf("   %-10s %6ld %8.1f %7.1f %8.1f %6.2f %9.2f %9llu %6.2f\n", c->type, c->baud,
		       c->all.mean_ms, c->all.max_ms, min, c->all.mean_ms / min, c->all.mean_ms / NUNITS,
		       c->timeouts + c->bad, c->clean.mean_ms / min);
	}
	printf("   (clean: the ratio of the reports clear of timeouts and bad replies)\n");

	if (npr) {
		printf("\n2. key press to ticket called: \"N call\" written to the units' stdin to the"
		       " `called` event for\n   counter N in GET /api/v1/events\n");
		for (i = npr - 1; i >= 0; i--)
			print_presses(&pr[i]);
	}

	bench_finish(keep_files);
	hq_client_free(admin);
	hq_client_free(kiosk);

	printf("\nsummary (%.0f s)\n", bench_now_s() - t_start);
	for (i = 0; i < ncases; i++) {
		const struct bus_case *c = &cases[show_order[i]];
		double ratio = c->all.mean_ms / min_cycle_ms(c);

		printf("poll cycle, %s %ld: %.1f ms for %d units, %.2f of the formula's %.1f ms"
		       " (target ≤ %.2f: %s); %llu timeouts or bad replies\n", c->type, c->baud,
		       c->all.mean_ms, NUNITS, ratio, min_cycle_ms(c), TARGET_RATIO,
		       bench_met(ratio <= TARGET_RATIO), c->timeouts + c->bad);
	}
	for (i = npr - 1; i >= 0; i--)
		printf("press to called, %s %ld: p50 %.0f ms, p99 %.0f ms; expected mean %.0f ms,"
		       " p50 %.2f of it\n", pr[i].type, pr[i].baud, pr[i].lat.p50, pr[i].lat.p99,
		       pr[i].expect_formula, pr[i].lat.p50 / pr[i].expect_formula);
	return 0;
}
