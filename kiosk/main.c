/*
 * hallq-kiosk: the touch ticket kiosk. A citizen touches a service (or takes the priority
 * path, or checks an appointment in by its code) and gets a numbered ticket from hallqd,
 * shown large on the screen and printed on the thermal printer with a QR code of its
 * status page.
 *
 * One thread owns SDL, the screens and the spool. The network thread (net.c) asks hallqd
 * and the printer thread (printq.c) drives the printer; both post their results here as
 * SDL events. Nothing a citizen was given is ever lost: each request is in the spool
 * (spool.c) before it goes out and stays there until its ticket is on paper, and it is
 * retried under the same idempotency key, so a retry never makes a second ticket.
 *
 * stdout carries one line per thing a test or an operator's script may wait for: "ready"
 * (the first frame with the hall drawn), "online" / "offline", "screen NAME [LABEL]" once
 * the frame showing it is up (with the monotonic time in microseconds when
 * HALLQ_KIOSK_TRACE is set), "ticket LABEL ID", "printed LABEL", "not-printed LABEL
 * STATE", "printer STATE", "refused CODE", "found LABEL ID STATE", "reviewed LABEL LEVEL",
 * "review-kept LABEL", "shot: PATH". The log (stderr) says why.
 *
 * This file parses the options, starts the kiosk, runs its loop and shuts it down. The
 * main thread's other work is in input.c (touches and keys), messages.c (what the threads
 * post) and flow.c (the screens and a ticket's way), which share kiosk_app.h.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "hq_clock.h"
#include "hq_error.h"
#include "hq_log.h"
#include "kiosk_app.h"
#include "render.h"

#define IDLE_HOME_S 30        /* a half-finished choice goes back home after this */
#define PROG "hallq-kiosk"

/* ---- the main loop ---------------------------------------------------------------------- */

/* hallqd's clock, for the header: the hall's last reading run on (at hallqd's speed, which
 * is a simulation's under hallqd --speed), or ours before the first reading. */
static int64_t hall_now(const struct hq_kiosk *a)
{
	if (!a->hall_ms || !a->hall)
		return hq_real_now(NULL);
	return a->hall_ms + (hq_mono_ms() - a->hall_mono) * a->hall->clock_speed;
}

/* Time passing: countdowns, going home after idling, the clock's minute. */
static void tick(struct hq_kiosk *a, int64_t now)
{
	struct hq_kview *v = &a->v;
	int left;

	if (a->deadline_ms) {
		left = (int)((a->deadline_ms - now + 999) / 1000);
		if (left <= 0) {
			if (v->screen == HQ_KS_MESSAGE && *v->code)
				hq_kiosk_go(a, HQ_KS_KEYPAD);
			else if (v->screen == HQ_KS_RATE_WAIT)
				hq_kiosk_rate_timeout(a);
			else
				hq_kiosk_go_home(a);
		} else if (left != v->countdown_s) {
			v->countdown_s = left;
			a->dirty = true;
		}
	}
	if ((v->screen == HQ_KS_PRIORITY || v->screen == HQ_KS_SERVICES || v->screen == HQ_KS_KEYPAD ||
	     v->screen == HQ_KS_RATE_NUMBER || v->screen == HQ_KS_RATE_LEVEL || v->screen == HQ_KS_RATE_REASONS) &&
	    now - (a->last_touch_ms > a->screen_since_ms ? a->last_touch_ms : a->screen_since_ms) > IDLE_HOME_S * 1000)
		hq_kiosk_go_home(a);
	if (v->screen == HQ_KS_HOME && v->en && now - a->last_touch_ms > IDLE_HOME_S * 1000) {
		v->en = false;      /* the next citizen starts in Chinese */
		a->dirty = true;
	}
	if (v->wall_ms / 60000 != hall_now(a) / 60000)
		a->dirty = true;
}

static void present(struct hq_kiosk *a)
{
	const char *label;
	char line[64];

	a->v.wall_ms = hall_now(a);
	hq_kscreen_draw(a->scr, a->ui.ren, &a->v);
	hq_ren_present(a->ui.ren, NULL, 0);
	a->dirty = a->touched = false;
	/* The ticket's number on the screens of one ticket: the ticket, a review's. */
	label = a->v.screen == HQ_KS_TICKET ? a->v.t.label
	      : a->v.screen == HQ_KS_RATE_LEVEL || a->v.screen == HQ_KS_RATE_REASONS ||
		a->v.screen == HQ_KS_RATE_THANKS ? a->v.r.label : "";
	snprintf(line, sizeof line, "%s%s%s", hq_kscreen_name(a->v.screen), *label ? " " : "", label);
	if (strcmp(line, a->shown)) {
		snprintf(a->shown, sizeof a->shown, "%s", line);
		if (a->trace)
			hq_kiosk_say("screen %s %lld", line, (long long)hq_mono_us());
		else
			hq_kiosk_say("screen %s", line);
	}
	if (!a->ready && a->hall && a->v.screen != HQ_KS_START) {
		a->ready = true;
		hq_log(HQ_LOG_INFO, "showing %s", a->hall->name);
		hq_kiosk_say("ready");
	}
}

static void handle(struct hq_kiosk *a, const SDL_Event *e)
{
	if (e->type == a->ev_msg) {
		hq_kiosk_take_msg(a, e->user.data1);
	} else if (e->type == a->ui.ev_shot) {
		a->shots_wanted++;
	} else if (e->type == SDL_QUIT) {
		a->quit = true;
	} else if (e->type == SDL_KEYDOWN) {
		hq_kiosk_key(a, &e->key.keysym);
	} else if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
		/* A finger arrives here too: SDL turns touches into mouse events. */
		hq_kiosk_touch(a, e->button.x, e->button.y);
	} else if (e->type == SDL_WINDOWEVENT) {
		if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			if (hq_ren_resize(a->ui.ren))
				hq_log(HQ_LOG_ERROR, "%s", hq_ren_error(a->ui.ren));
			a->dirty = true;
		} else if (e->window.event == SDL_WINDOWEVENT_EXPOSED) {
			a->dirty = true;
		}
	}
}

static void run(struct hq_kiosk *a)
{
	SDL_Event e;
	int64_t now;
	int wait;

	hq_kiosk_go(a, HQ_KS_START);
	while (!a->quit) {
		now = hq_mono_ms();
		tick(a, now);
		if (a->dirty)
			present(a);
		for (; a->shots_wanted > 0; a->shots_wanted--)
			hq_app_save_shot(&a->ui, a->o.shot_dir, hq_kscreen_name(a->v.screen));
		/* Wake at the next second for countdowns and the clock; events wake us sooner. */
		wait = 1000 - (int)(hq_real_now(NULL) % 1000);
		if (SDL_WaitEventTimeout(&e, wait)) {
			handle(a, &e);
			while (!a->quit && SDL_PollEvent(&e))
				handle(a, &e);
		}
	}
}

/* ---- start-up --------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-kiosk --server URL [--token TOKEN] [--printer serial:PORT:BAUD | file:PATH | none]\n"
		"                   [--fullscreen | --window WxH] [--display N] [--shot-dir DIR]\n"
		"                   [--name NAME] [--spool FILE] [--preview-dir DIR] [--font PATH]\n"
		"                   [--report SECONDS] [--printer-poll MS]\n"
		"The token (role kiosk) may come from the HALLQ_TOKEN environment variable.\n"
		"An https:// server is verified against the system's CAs, or --ca FILE (HALLQ_CA).\n"
		"F12 or SIGUSR1 saves a screenshot in the shot directory. See docs/kiosk.md.\n");
}

static bool good_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > HQ_KIOSK_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int parse_opts(int argc, char **argv, struct hq_kiosk_opts *o)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' }, { "token", required_argument, NULL, 't' },
		{ "ca", required_argument, NULL, 'a' },
		{ "printer", required_argument, NULL, 'p' }, { "fullscreen", no_argument, NULL, 'f' },
		{ "window", required_argument, NULL, 'w' }, { "display", required_argument, NULL, 'd' },
		{ "shot-dir", required_argument, NULL, 'S' }, { "font", required_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'n' }, { "spool", required_argument, NULL, 'o' },
		{ "preview-dir", required_argument, NULL, 'P' }, { "report", required_argument, NULL, 'r' },
		{ "printer-poll", required_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ca = getenv("HALLQ_CA");
	char err[512];
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->url = optarg; break;
		case 't': o->token = optarg; break;
		case 'a': ca = optarg; break;
		case 'p': o->printer = optarg; break;
		case 'f': o->fullscreen = true; break;
		case 'w':
			if (hq_app_parse_window(PROG, optarg, "1080x1920", &o->win_w, &o->win_h))
				return 2;
			o->fullscreen = false;
			break;
		case 'd': if (hq_app_parse_int(PROG, "--display", optarg, 0, 63, &o->display)) return 2; break;
		case 'S': o->shot_dir = optarg; break;
		case 'F': o->font = optarg; break;
		case 'n':
			if (!good_name(optarg)) {
				fprintf(stderr, "hallq-kiosk: --name %s: want 1 to %d letters, digits, '-', '_' or '.'\n",
					optarg, HQ_KIOSK_NAME_MAX);
				return 2;
			}
			snprintf(o->name, sizeof o->name, "%s", optarg);
			break;
		case 'o': o->spool = optarg; break;
		case 'P': o->preview_dir = optarg; break;
		case 'r': if (hq_app_parse_int(PROG, "--report", optarg, 1, 3600, &o->report_s)) return 2; break;
		case 'l': if (hq_app_parse_int(PROG, "--printer-poll", optarg, 100, 60000, &o->poll_ms)) return 2; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !o->url) {
		usage(stderr);
		return 2;
	}
	if (!o->token || !*o->token) {
		fprintf(stderr, "hallq-kiosk: no token: give --token or set HALLQ_TOKEN\n");
		return 2;
	}
	if (hq_client_use_ca(ca, err, sizeof err)) {
		fprintf(stderr, "hallq-kiosk: --ca: %s\n", err);
		return 2;
	}
	return 0;
}

/* The kiosk's name for hallqd's health list and its keys: --name, else the host's name. */
static void default_name(struct hq_kiosk_opts *o)
{
	char host[256], *p;

	if (*o->name)
		return;
	if (gethostname(host, sizeof host) < 0 || !*host)
		snprintf(host, sizeof host, "kiosk");
	host[HQ_KIOSK_NAME_MAX] = '\0';
	for (p = host; *p; p++)
		if (!good_name((char[2]){ *p, 0 }))
			*p = '-';
	snprintf(o->name, sizeof o->name, "%.32s", host);
}

static int start_threads(struct hq_kiosk *a)
{
	struct hq_printer *p = NULL;
	char err[512];
	int i;

	if (strcmp(a->o.printer, "none")) {
		if (!(p = hq_printer_new(a->o.printer, err, sizeof err))) {
			fprintf(stderr, "hallq-kiosk: %s\n", err);
			return HQ_EINVAL;
		}
		struct hq_printq_opts po = { .poll_ms = a->o.poll_ms, .preview_dir = a->o.preview_dir,
					     .font_path = a->ui.font.path, .font_index = a->ui.font.index,
					     .post = hq_kiosk_post, .ctx = a };

		if (!(a->pq = hq_printq_start(p, &po))) {
			hq_printer_free(p);
			return HQ_ENOMEM;
		}
		a->has_printer = true;
	}
	struct hq_net_opts no = { .url = a->o.url, .token = a->o.token, .name = a->o.name,
				  .report_s = a->o.report_s, .post = hq_kiosk_post, .ctx = a };

	if (!(a->net = hq_net_start(&no)))
		return HQ_ENOMEM;
	/* What the spool owes from before: requests go again under their keys, tickets are
	 * printed once the printer says it can. */
	for (i = 0; i < hq_spool_size(a->spool); i++) {
		struct hq_spool_entry *e = hq_spool_at(a->spool, i);

		if (e->state != HQ_SPOOL_PENDING)
			continue;
		hq_log(HQ_LOG_INFO, "resending %s %s from before the restart",
		    e->review.ticket ? "review" : "request", e->key);
		if (e->review.ticket)
			hq_net_review(a->net, e->key, e->review.ticket, e->review.level, e->review.reasons);
		else if (*e->code)
			hq_net_checkin(a->net, e->key, e->code);
		else
			hq_net_issue(a->net, e->key, e->service, e->cls);
	}
	return HQ_OK;
}

static int open_spool(struct hq_kiosk *a)
{
	static char path[PATH_MAX];
	char err[PATH_MAX + 256], day[16];
	time_t t = time(NULL);
	struct tm tm;
	int n;

	if (!a->o.spool) {
		snprintf(path, sizeof path, "hallq-kiosk-%s.spool", a->o.name);
		a->o.spool = path;
	}
	if (!(a->spool = hq_spool_open(a->o.spool, err, sizeof err))) {
		fprintf(stderr, "hallq-kiosk: %s\n", err);
		return HQ_EIO;
	}
	localtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	if ((n = hq_spool_drop_old(a->spool, day)) > 0)
		hq_log(HQ_LOG_WARN, "%d unprinted ticket%s of an earlier day dropped from the spool", n, n == 1 ? "" : "s");
	if (hq_spool_size(a->spool))
		hq_log(HQ_LOG_INFO, "spool %s: %d request%s pending, %d ticket%s to print", a->o.spool,
		    hq_spool_count(a->spool, HQ_SPOOL_PENDING), hq_spool_count(a->spool, HQ_SPOOL_PENDING) == 1 ? "" : "s",
		    hq_spool_count(a->spool, HQ_SPOOL_UNPRINTED), hq_spool_count(a->spool, HQ_SPOOL_UNPRINTED) == 1 ? "" : "s");
	return HQ_OK;
}

int main(int argc, char **argv)
{
	struct hq_kiosk a = { .link = -1, .o = { .fullscreen = true, .shot_dir = ".", .printer = "none",
				.report_s = 5, .poll_ms = 2000 } };
	uint64_t rnd = 0;
	int rc = 1, r;

	hq_log_init("hallq-kiosk");
	a.o.token = getenv("HALLQ_TOKEN");
	a.trace = getenv("HALLQ_KIOSK_TRACE") && *getenv("HALLQ_KIOSK_TRACE");
	a.v.focus = -1;
	if ((rc = parse_opts(argc, argv, &a.o)))
		return rc == 1 ? 0 : rc;
	rc = 1;
	default_name(&a.o);
	/* Keys must never repeat across runs: a random run id besides the sequence. */
	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		rnd = (uint64_t)hq_real_now(NULL) ^ ((uint64_t)getpid() << 32);
	snprintf(a.run_id, sizeof a.run_id, "%016llx", (unsigned long long)rnd);
	if (open_spool(&a))
		return 1;

	if ((r = hq_app_init(&a.ui, PROG, a.o.font, hq_kscreen_fixed_text(), a.o.display))) {
		rc = r == HQ_EINVAL ? 2 : 1;     /* no such --display: a usage error */
		goto out;
	}
	if (hq_app_open_window(&a.ui, a.o.fullscreen, &a.o.win_w, &a.o.win_h))
		goto out;
	/* A touch screen needs no pointer; a window on a desktop keeps it for the mouse. */
	if (a.o.fullscreen)
		SDL_ShowCursor(SDL_DISABLE);
	/* A screen holds a few dozen texts; a big cache would only fill with old clock
	 * minutes and counts, so memory would climb for hours before it levels off. */
	hq_ren_set_cache(a.ui.ren, 200, 12u << 20);
	if (!(a.scr = hq_kscreen_new()) || (a.ev_msg = SDL_RegisterEvents(1)) == (Uint32)-1) {
		a.ev_msg = 0;
		fprintf(stderr, "hallq-kiosk: out of memory\n");
		goto out;
	}
	if (hq_app_start_signals(&a.ui))
		goto out;
	if (start_threads(&a))
		goto out;
	hq_log(HQ_LOG_INFO, "hallq-kiosk %s: %s as %s, printer %s, font %s, %dx%d", HQ_VERSION, a.o.url,
	    a.o.name, a.o.printer, a.ui.font.path, a.o.win_w, a.o.win_h);
	run(&a);
	hq_log(HQ_LOG_INFO, "stopping");
	rc = 0;
out:
	hq_net_stop(a.net);
	hq_printq_stop(a.pq);
	if (a.ev_msg) {
		SDL_Event e;

		while (SDL_PeepEvents(&e, 1, SDL_GETEVENT, a.ev_msg, a.ev_msg) == 1)
			hq_kmsg_free(e.user.data1);
	}
	if (a.spool && hq_spool_size(a.spool))
		hq_log(HQ_LOG_INFO, "spool %s keeps %d request%s and ticket%s for the next start", a.o.spool,
		    hq_spool_size(a.spool), hq_spool_size(a.spool) == 1 ? "" : "s", hq_spool_size(a.spool) == 1 ? "" : "s");
	hq_spool_close(a.spool);
	hq_hall_free(a.hall);
	hq_kscreen_free(a.scr);
	hq_app_close(&a.ui);
	return rc;
}
