/*
 * hallq-counter: the counter-bus gateway. It reads the hall config for the buses and which
 * unit stands at which counter, runs one thread per bus that polls its units (gateway.c),
 * turns their key presses into hallqd counter operations, keeps their displays showing the
 * number served and the people waiting, and reports the health of every bus and unit to
 * hallqd. With --terminal N it is instead a counter unit in a terminal (terminal.c).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"
#include "hq_clock.h"
#include "hq_config.h"
#include "hq_error.h"
#include "hq_log.h"
#include "hq_service.h"
#include "link.h"
#include "terminal.h"

struct app;

struct bus_run {
	struct app *app;
	struct hq_gw_bus gb;
	struct hq_client *cl;        /* this bus thread's own connection to hallqd */
	struct hq_gw_sink sink;
	pthread_t thread;
	int started;
};

struct app {
	struct hq_config *cfg;
	struct hq_link *link;
	struct bus_run *runs;
	int nruns;
	const char *name;
	const char *state_path;
	pthread_mutex_t state_lock;
	int state_warned;
	atomic_int stop;
	atomic_int first_rounds;      /* bus threads through their first round (ready when all) */
	int64_t last_summary_ms;
};

/* ---- the sink: what the gateway's rules do to the world ------------------------------ */

static enum hq_gw_press sink_press(void *ctx, int counter, int key, int arg, const char *idem)
{
	struct bus_run *br = ctx;
	char summary[600];
	enum hq_gw_press r = hq_link_press(br->app->link, br->cl, counter, key, arg, idem, summary,
					   sizeof summary);

	hq_log(r == HQ_GW_RETRY ? HQ_LOG_WARN : HQ_LOG_INFO, "counter %d: %s%s", counter, summary,
	       r == HQ_GW_RETRY ? " (kept in the unit; will retry)" : "");
	return r;
}

/* The PIN goes to hallqd and nowhere else: the summary never holds it. */
static enum hq_gw_press sink_sign_in(void *ctx, int counter, const char *clerk, const char *pin,
				     const char *idem)
{
	struct bus_run *br = ctx;
	char summary[600];
	enum hq_gw_press r = hq_link_sign_in(br->app->link, br->cl, counter, clerk, pin, idem,
					     summary, sizeof summary);

	hq_log(r == HQ_GW_RETRY ? HQ_LOG_WARN : HQ_LOG_INFO, "counter %d: %s%s", counter, summary,
	       r == HQ_GW_RETRY ? " (kept in the unit; will retry)" : r == HQ_GW_REFUSED ?
	       " (the unit shows " HQ_GW_ERR_TEXT ")" : "");
	return r;
}

static void sink_view(void *ctx, int counter, struct hq_cshow *out)
{
	struct bus_run *br = ctx;

	hq_link_view(br->app->link, counter, out);
}

static void sink_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	hq_log(level == HQ_GW_ERROR ? HQ_LOG_ERROR : level == HQ_GW_WARN ? HQ_LOG_WARN : HQ_LOG_INFO,
	       "%s", msg);
}

static int64_t sink_now(void *ctx)
{
	(void)ctx;
	return hq_mono_ms();
}

static int sink_stopping(void *ctx)
{
	return atomic_load(&((struct bus_run *)ctx)->app->stop);
}

static uint32_t sink_wall(void *ctx)
{
	(void)ctx;
	return (uint32_t)time(NULL);
}

/* ---- the state file: each unit's L and key series ----------------------------------- */

static void state_save(void *ctx)
{
	struct app *app = ((struct bus_run *)ctx)->app;
	char tmp[1024];
	FILE *f;
	int i, j, ok;

	if (!app->state_path)
		return;
	pthread_mutex_lock(&app->state_lock);
	snprintf(tmp, sizeof tmp, "%s.tmp", app->state_path);
	if ((f = fopen(tmp, "w"))) {
		fprintf(f, "# hallq-counter: BUS ADDRESS SERIES LAST of each unit; keep across restarts\n");
		for (i = 0; i < app->nruns; i++)
			for (j = 0; j < app->runs[i].gb.nunits; j++) {
				struct hq_gw_unit *u = &app->runs[i].gb.units[j];

				fprintf(f, "%s %d %lu %u\n", app->runs[i].gb.bus->cfg.key, u->address,
					(unsigned long)atomic_load(&u->gen), (unsigned)atomic_load(&u->last));
			}
		ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
		ok = fclose(f) == 0 && ok;
		ok = ok && rename(tmp, app->state_path) == 0;
	} else {
		ok = 0;
	}
	if (!ok && !app->state_warned) {
		hq_log(HQ_LOG_WARN, "%s: cannot save the unit state (%s); a gateway restart may then "
		       "repeat a press in flight", app->state_path, strerror(errno));
		app->state_warned = 1;
	}
	pthread_mutex_unlock(&app->state_lock);
}

static void state_load(struct app *app)
{
	char line[256], bus[64];
	unsigned long gen;
	unsigned last;
	int addr, i, j, lineno = 0;
	FILE *f = app->state_path ? fopen(app->state_path, "r") : NULL;

	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %d %lu %u", bus, &addr, &gen, &last) != 4 || !gen || last > 65535) {
			hq_log(HQ_LOG_WARN, "%s:%d: not `BUS ADDRESS SERIES LAST`; ignored", app->state_path, lineno);
			continue;
		}
		for (i = 0; i < app->nruns; i++)
			for (j = 0; j < app->runs[i].gb.nunits; j++)
				if (!strcmp(app->runs[i].gb.bus->cfg.key, bus) &&
				    app->runs[i].gb.units[j].address == addr) {
					atomic_store(&app->runs[i].gb.units[j].gen, (uint32_t)gen);
					atomic_store(&app->runs[i].gb.units[j].last, (uint16_t)last);
				}
	}
	fclose(f);
}

/* ---- health ------------------------------------------------------------------------- */

static json_t *health(void *ctx, char *path, size_t n)
{
	struct app *app = ctx;
	json_t *buses = json_array();
	int64_t now = hq_mono_ms();
	int summary = now - app->last_summary_ms >= 60000;
	int i, j;

	if (summary)
		app->last_summary_ms = now;
	snprintf(path, n, "/api/v1/units/%s", app->name);
	for (i = 0; i < app->nruns; i++) {
		struct hq_gw_bus *gb = &app->runs[i].gb;
		json_t *units = json_array();
		unsigned long long cycles, to = 0, crc = 0;
		double mean, max;
		int online = 0;

		hq_gw_cycle_stats(gb, &mean, &max, &cycles);
		for (j = 0; j < gb->nunits; j++) {
			struct hq_gw_unit *u = &gb->units[j];

			online += atomic_load(&u->online);
			to += atomic_load(&u->timeouts);
			crc += atomic_load(&u->crc_errors);
			json_array_append_new(units, json_pack(
				"{s:i, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "counter", u->counter,
				"address", u->address, "online", atomic_load(&u->online),
				"polls", (json_int_t)atomic_load(&u->polls),
				"timeouts", (json_int_t)atomic_load(&u->timeouts),
				"crc_errors", (json_int_t)atomic_load(&u->crc_errors),
				"exceptions", (json_int_t)atomic_load(&u->exceptions),
				"events", (json_int_t)atomic_load(&u->events),
				"refused", (json_int_t)atomic_load(&u->refused),
				"unit_crc_errors", (json_int_t)atomic_load(&u->unit_crc_errors)));
		}
		json_array_append_new(buses, json_pack("{s:s, s:s, s:b, s:I, s:f, s:f, s:I, s:o}",
			"bus", gb->bus->cfg.key, "type", gb->bus->ops->name, "up", atomic_load(&gb->up),
			"reopens", (json_int_t)(atomic_load(&gb->reopens) ? atomic_load(&gb->reopens) - 1 : 0),
			"cycle_ms", mean, "cycle_max_ms", max, "cycles", (json_int_t)cycles, "units", units));
		hq_log(summary ? HQ_LOG_INFO : HQ_LOG_DEBUG,
		       "%s: %s, %d/%d units online, %llu cycles of %.1f ms (max %.1f), "
		       "%llu timeouts and %llu bad replies in all", gb->bus->cfg.key,
		       atomic_load(&gb->up) ? "up" : "down", online, gb->nunits, cycles, mean, max, to, crc);
	}
	return json_pack("{s:o}", "buses", buses);
}

/* ---- the buses ---------------------------------------------------------------------- */

/* A round of polls takes at least this long. A serial line is slower than this by itself;
 * Modbus TCP answers in microseconds, and without a floor a gateway and its units would
 * spend a core each on thousands of polls a second. 50 ms adds at most that to a press. */
#define MIN_ROUND_MS 50

static void *bus_main(void *arg)
{
	struct bus_run *br = arg;
	int64_t t0;
	long spent;
	int rc, first = 1;

	while (!atomic_load(&br->app->stop)) {
		t0 = hq_mono_ms();
		rc = hq_gw_round(&br->gb, &br->sink);
		/* Ready once every bus has been opened and polled once, or has failed to open: a
		 * bus that is down shows in /metrics (hallq_bus_up), while a service manager that
		 * waited for it would restart the whole gateway in a loop. */
		if (first && atomic_fetch_add(&br->app->first_rounds, 1) + 1 == br->app->nruns)
			hq_service_ready(br->app->name);
		first = 0;
		if (rc == 0) {
			int ms = hq_gw_idle_ms(&br->gb, &br->sink);

			ms = ms > 100 ? 100 : ms < 1 ? 1 : ms;
			nanosleep(&(struct timespec){ 0, ms * 1000000L }, NULL);
			continue;
		}
		spent = (long)(hq_mono_ms() - t0);
		if (spent < MIN_ROUND_MS)
			nanosleep(&(struct timespec){ 0, (MIN_ROUND_MS - spent) * 1000000L }, NULL);
	}
	br->gb.bus->ops->close(br->gb.bus);
	return NULL;
}

static int setup_buses(struct app *app, char **only, int nonly, const char *url, const char *token)
{
	const struct hq_config *cfg = app->cfg;
	size_t i, c;
	int k, n = 0;

	if (!(app->runs = calloc(cfg->nbuses + 1, sizeof *app->runs)))
		return HQ_ENOMEM;
	for (i = 0; i < cfg->nbuses; i++) {
		struct bus_run *br = &app->runs[app->nruns];
		int wanted = nonly == 0;

		for (k = 0; k < nonly; k++)
			wanted |= !strcmp(only[k], cfg->buses[i].key);
		if (!wanted)
			continue;
		br->app = app;
		br->gb.bus = hq_cbus_new(&cfg->buses[i]);
		br->gb.units = calloc(cfg->ncounters + 1, sizeof *br->gb.units);
		br->cl = hq_client_new(url, token);
		if (!br->gb.bus || !br->gb.units || !br->cl)
			return HQ_ENOMEM;
		for (c = 0; c < cfg->ncounters; c++) {
			const struct hq_counter_cfg *cc = &cfg->counters[c];
			struct hq_gw_unit *u = &br->gb.units[br->gb.nunits];

			if (cc->bus != (int)i)
				continue;
			hq_gw_unit_init(u, cc->number, cc->address, (uint32_t)time(NULL), 0);
			br->gb.nunits++;
		}
		/* A press must not wait long on a hallqd that went away: the line waits too. */
		hq_client_set_timeouts(br->cl, 300, 2000);
		br->sink = (struct hq_gw_sink){ .ctx = br, .press = sink_press, .sign_in = sink_sign_in,
						.view = sink_view,
						.save = state_save, .log = sink_log, .now_ms = sink_now,
						.wall_s = sink_wall, .stopping = sink_stopping };
		app->nruns++;
		n += br->gb.nunits;
	}
	for (k = 0; k < nonly; k++) {
		for (i = 0; i < cfg->nbuses && strcmp(only[k], cfg->buses[i].key); i++)
			;
		if (i == cfg->nbuses) {
			hq_log(HQ_LOG_ERROR, "--bus %s: no such bus in the config", only[k]);
			return HQ_EINVAL;
		}
	}
	if (app->nruns == 0 || n == 0) {
		hq_log(HQ_LOG_ERROR, "no counter units to serve: the config has no [bus] with counters on it");
		return HQ_EINVAL;
	}
	return HQ_OK;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-counter --config FILE --server URL [--bus KEY]... [--name NAME]\n"
		"                     [--state FILE] [--report SECONDS] [--brightness 0-100] [-v]\n"
		"       hallq-counter --terminal N --server URL\n"
		"The token comes from --token TOKEN or the HALLQ_TOKEN environment variable\n"
		"(role gateway for the bus gateway; counter:N or gateway for --terminal N).\n"
		"An https:// server is verified against the system's CAs, or --ca FILE (HALLQ_CA).\n"
		"See docs/counter.md.\n");
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "hallq-counter: %s %s: want a number from %d to %d\n", opt, s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' }, { "bus", required_argument, NULL, 'b' },
		{ "name", required_argument, NULL, 'n' }, { "state", required_argument, NULL, 'S' },
		{ "report", required_argument, NULL, 'r' }, { "brightness", required_argument, NULL, 'B' },
		{ "terminal", required_argument, NULL, 'T' }, { "verbose", no_argument, NULL, 'v' },
		{ "ca", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	const char *ca = getenv("HALLQ_CA");
	struct app app = { .name = NULL };
	const char *config = NULL, *url = NULL, *token = getenv("HALLQ_TOKEN");
	char *only[32], err[512], host[64];
	int nonly = 0, report_s = 5, brightness = 100, terminal = 0, c, i, rc = 1, sig;
	struct hq_link *link = NULL;
	sigset_t set;

	hq_log_init("hallq-counter");
	app.state_path = "/var/lib/hallq/counter.state";
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': url = optarg; break;
		case 't': token = optarg; break;
		case 'a': ca = optarg; break;
		case 'b':
			if (nonly == 32) {
				fprintf(stderr, "hallq-counter: at most 32 --bus options\n");
				return 2;
			}
			only[nonly++] = optarg;
			break;
		case 'n': app.name = optarg; break;
		case 'S': app.state_path = *optarg ? optarg : NULL; break;
		case 'r': if (parse_int("--report", optarg, 0, 3600, &report_s)) return 2; break;
		case 'B': if (parse_int("--brightness", optarg, 0, 100, &brightness)) return 2; break;
		case 'T': if (parse_int("--terminal", optarg, 1, 9999, &terminal)) return 2; break;
		case 'v': hq_log_level = HQ_LOG_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !url || (!terminal && !config)) {
		usage(stderr);
		return 2;
	}
	if (!token || !*token) {
		fprintf(stderr, "hallq-counter: no token: give --token or set HALLQ_TOKEN\n");
		return 2;
	}
	if (hq_client_use_ca(ca, err, sizeof err)) {
		fprintf(stderr, "hallq-counter: --ca: %s\n", err);
		return 2;
	}
	if (!app.name) {
		if (gethostname(host, sizeof host) < 0 || !*host)
			snprintf(host, sizeof host, "gateway");
		host[sizeof host - 1] = '\0';
		for (i = 0; host[i]; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", host[i]))
				host[i] = '-';
		app.name = host;
	}

	/* Signals are taken by sigwait in the main thread; every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);

	if (terminal) {
		struct hq_link_opts lo = { .url = url, .token = token, .brightness = brightness };

		/* The terminal is the clerk's screen: only what goes wrong is logged there. */
		if (hq_log_level == HQ_LOG_INFO)
			hq_log_level = HQ_LOG_WARN;
		if (!(link = hq_link_start(&lo))) {
			fprintf(stderr, "hallq-counter: out of memory\n");
			return 1;
		}
		rc = hq_terminal_run(link, url, token, terminal);
		hq_link_stop(link);
		return rc;
	}

	if (hq_config_parse_file(config, &app.cfg, err, sizeof err)) {
		fprintf(stderr, "hallq-counter: %s\n", err);
		return 1;
	}
	pthread_mutex_init(&app.state_lock, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (setup_buses(&app, only, nonly, url, token))
		goto out;
	state_load(&app);
	state_save(&app.runs[0]);
	{
		struct hq_link_opts lo = { .url = url, .token = token, .brightness = brightness,
					   .report_ms = report_s * 1000L, .report = health,
					   .report_ctx = &app };

		if (!(app.link = hq_link_start(&lo)))
			goto out;
	}
	app.last_summary_ms = hq_mono_ms();
	for (i = 0; i < app.nruns; i++) {
		struct bus_run *br = &app.runs[i];

		hq_log(HQ_LOG_INFO, "%s: %s %s, %d units", br->gb.bus->cfg.key, br->gb.bus->ops->name,
		       br->gb.bus->cfg.port, br->gb.nunits);
		if (pthread_create(&br->thread, NULL, bus_main, br)) {
			hq_log(HQ_LOG_ERROR, "cannot start a thread for bus %s", br->gb.bus->cfg.key);
			goto out;
		}
		br->started = 1;
	}
	hq_log(HQ_LOG_INFO, "hallq-counter %s: gateway \"%s\" serving %d bus%s for %s", HQ_VERSION,
	       app.name, app.nruns, app.nruns == 1 ? "" : "es", url);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGHUP) {
			hq_log(HQ_LOG_INFO, "SIGHUP: the gateway reads its config only at start; restart it "
			       "to apply a changed one");
			continue;
		}
		hq_service_stopping();
		hq_log(HQ_LOG_INFO, "%s: stopping", strsignal(sig));
		break;
	}
	rc = 0;
out:
	atomic_store(&app.stop, 1);
	for (i = 0; i < app.nruns; i++)
		if (app.runs[i].started)
			pthread_join(app.runs[i].thread, NULL);
	hq_link_stop(app.link);
	for (i = 0; i < app.nruns; i++) {
		hq_cbus_free(app.runs[i].gb.bus);
		free(app.runs[i].gb.units);
		hq_client_free(app.runs[i].cl);
	}
	free(app.runs);
	hq_config_free(app.cfg);
	pthread_mutex_destroy(&app.state_lock);
	return rc;
}
