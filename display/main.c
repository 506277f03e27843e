/*
 * hallq-display: the lobby wall display. It follows hallqd (feed.c), keeps what it shows
 * in a display state (state.c), draws it (screen.c, ../ui/render.c) and speaks each new call
 * (voice.c). One thread owns SDL, the state and the voice: the feed's threads and the
 * signal thread (../ui/app.c) only post SDL events to it, and it sleeps in
 * SDL_WaitEventTimeout until an event, the clock's next second, the end of a highlight,
 * the next frame of a scrolling notice or the voice's next step.
 *
 * stdout carries one line per thing a test or an operator's script may wait for: "ready"
 * (the first frame with the hall drawn), "online" / "offline", "call LABEL COUNTER" and
 * "recall LABEL COUNTER" (with " old" when the call was too old to announce), "said ID
 * PLAYED_MS/EXPECTED_MS", "shot: PATH". The log (stderr) says why.
 */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "app.h"
#include "feed.h"
#include "hq_clock.h"
#include "hq_error.h"
#include "hq_log.h"
#include "render.h"
#include "screen.h"
#include "state.h"
#include "voice.h"

#define REPLAY_EVENTS 400     /* past events read at start to fill the recent calls */
#define SKEW_IGNORE_MS 2000   /* a clock difference below this is hallqd's rounding */
#define TICKER_FPS 30
#define MAX_LINES 64
#define MAX_VOICE_DIRS 8
#define PROG "hallq-display"

struct opts {
	const char *url, *token, *shot_dir, *font;
	int win_w, win_h, display, recent, highlight_s, repeat;
	bool fullscreen, voice, counters, print_layout;
	const char *voice_dirs[MAX_VOICE_DIRS];
	int nvoice_dirs;
};

struct app {
	struct opts o;
	struct hq_app ui;           /* the window, its renderer, the signal thread */
	struct hq_screen *scr;
	struct hq_voice *voice;
	struct hq_feed *feed;
	struct hq_dstate st;
	Uint32 ev_feed;
	int64_t skew_ms;
	int64_t sim_server_ms, sim_mono_ms; /* hallqd's simulated clock, read at sim_mono_ms */
	int link;                   /* hallqd reachable: -1 not known yet, 0 no, 1 yes */
	int day;
	bool quit, ready, full_present;
	bool trace;                 /* HALLQ_DISPLAY_TRACE: "presented" lines for bench_display */
	char traced_label[16];
	int64_t traced_hl;
	int shots_wanted;
	char lines[MAX_LINES][96];  /* stdout lines, written once the frame showing them is up */
	int nlines;
	uint32_t warned[64];        /* characters the font lacks, warned about once */
	int nwarned;
};

/* ---- log and status lines --------------------------------------------------------------- */


static void flush_lines(struct app *a)
{
	int i;

	for (i = 0; i < a->nlines; i++)
		printf("%s\n", a->lines[i]);
	a->nlines = 0;
	fflush(stdout);
}

/* A status line for stdout, held until the frame that shows it is on the screen. */
static void status_line(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status_line(struct app *a, const char *fmt, ...)
{
	va_list ap;

	/* A replay at start brings many old calls in one go: those lines need no frame. */
	if (a->nlines == MAX_LINES)
		flush_lines(a);
	va_start(ap, fmt);
	vsnprintf(a->lines[a->nlines++], sizeof a->lines[0], fmt, ap);
	va_end(ap);
}

/* ---- clocks ----------------------------------------------------------------------------- */

/* hallqd's clock as far as we know it: ours, corrected when it is clearly off. */
static int64_t server_ms(const struct app *a)
{
	/* A simulated clock (hallqd --speed) runs on from its last reading at its own pace. */
	if (a->st.speed > 1)
		return a->sim_server_ms + (hq_mono_ms() - a->sim_mono_ms) * a->st.speed;
	return hq_real_now(NULL) + a->skew_ms;
}

static int local_day(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_year * 1000 + tm.tm_yday;
}

/* ---- threads that post to the main loop ------------------------------------------------- */

static void feed_post(void *ctx, struct hq_feed_msg *m)
{
	struct app *a = ctx;
	SDL_Event e = { .type = a->ev_feed };

	e.user.data1 = m;
	/* A full queue (65535 events, never seen) loses the message; the next hall read
	 * puts the figures right. */
	if (SDL_PushEvent(&e) != 1)
		hq_feed_msg_free(m);
}

/* ---- what the feed says ----------------------------------------------------------------- */

/* Warn once per character the font lacks in the hall's own texts (the fixed ones were
 * checked at start): the screen shows '?' there instead of an empty box. */
static void check_glyphs(struct app *a, const char *what, const char *text)
{
	const char *p = text;
	uint32_t missing;
	int i;

	while (*p && !hq_ren_has_glyphs(a->ui.ren, p, &missing)) {
		for (i = 0; i < a->nwarned && a->warned[i] != missing; i++)
			;
		if (i == a->nwarned && a->nwarned < 64) {
			a->warned[a->nwarned++] = missing;
			hq_log(HQ_LOG_WARN, "the font has no glyph for U+%04X in %s \"%s\": it shows as '?'; "
			    "give --font with a font that has it", (unsigned)missing, what, text);
		}
		/* Go on after that character. */
		while (*p) {
			const char *q = p;

			if (hq_utf8_next(&q) == missing) {
				p = q;
				break;
			}
			p = q;
		}
	}
}

static void take_hall(struct app *a, const struct hq_hall *h)
{
	bool changed;
	int i;

	if (hq_dstate_set_hall(&a->st, h, &changed)) {
		hq_log(HQ_LOG_ERROR, "out of memory taking the hall");
		return;
	}
	if (!changed)
		return;
	check_glyphs(a, "the hall's name", h->name);
	check_glyphs(a, "the hall's English name", h->name_en);
	check_glyphs(a, "the notice", h->notice);
	for (i = 0; i < h->nservices; i++) {
		check_glyphs(a, "a service's name", h->services[i].name);
		check_glyphs(a, "a service's English name", h->services[i].name_en);
	}
	for (i = 0; i < h->ncounters; i++) {
		check_glyphs(a, "a counter's name", h->counters[i].name);
		check_glyphs(a, "a counter's English name", h->counters[i].name_en);
	}
}

static void announce(struct app *a, const struct hq_dcall *c)
{
	const char *seq[HQ_VOICE_SEQ_MAX];
	int n, id;

	if (!a->voice)
		return;
	if ((n = hq_voice_sequence(c->label, c->counter, a->st.lang_en, seq, HQ_VOICE_SEQ_MAX)) < 0) {
		hq_log(HQ_LOG_WARN, "%s at counter %d cannot be spoken (%s)", c->label, c->counter, hq_strerror(n));
		return;
	}
	if ((id = hq_voice_announce(a->voice, seq, n, a->o.repeat)) < 0) {
		hq_log(HQ_LOG_WARN, "%s at counter %d not spoken: %s", c->label, c->counter,
		    *hq_voice_error(a->voice) ? hq_voice_error(a->voice) : hq_strerror(id));
		return;
	}
	status_line(a, "announce %d %s %d", id, c->label, c->counter);
}

static void take_event(struct app *a, const struct hq_devent *ev)
{
	int r = hq_dstate_event(&a->st, ev, server_ms(a), hq_mono_ms());
	const struct hq_dcall *c = &a->st.calls[0];
	const char *what = strcmp(ev->type, "recalled") ? "call" : "recall";

	if (r & HQ_DS_CALL) {
		status_line(a, "%s %s %d", what, c->label, c->counter);
		announce(a, c);
	} else if (r & HQ_DS_OLD) {
		status_line(a, "%s %s %d old", what, c->label, c->counter);
	}
}

static void take_feed(struct app *a, struct hq_feed_msg *m)
{
	switch (m->kind) {
	case HQ_FEED_EVENT:
		take_event(a, &m->ev);
		break;
	case HQ_FEED_HALL:
		take_hall(a, m->hall);
		break;
	case HQ_FEED_LINK:
		if (m->up == a->link)
			break;
		a->link = m->up;
		a->st.online = m->up;
		if (m->up)
			hq_log(HQ_LOG_INFO, "hallqd reachable at %s", a->o.url);
		else
			hq_log(HQ_LOG_WARN, "offline: %s; the screen keeps the last state", m->why);
		status_line(a, "%s", m->up ? "online" : "offline");
		break;
	case HQ_FEED_CLOCK: {
		int64_t skew = m->skew_ms > -SKEW_IGNORE_MS && m->skew_ms < SKEW_IGNORE_MS ? 0 : m->skew_ms;

		if (m->speed > 1) {
			if (a->st.speed != m->speed)
				hq_log(HQ_LOG_INFO, "hallqd runs a simulated clock at %dx: showing its time", m->speed);
			a->st.speed = m->speed;
			a->sim_server_ms = m->server_ms;
			a->sim_mono_ms = m->mono_ms;
			break;
		}
		a->st.speed = 1;
		if (skew && (skew > a->skew_ms + SKEW_IGNORE_MS || skew < a->skew_ms - SKEW_IGNORE_MS))
			hq_log(HQ_LOG_WARN, "this machine's clock is %.1f s off hallqd's: showing hallqd's time",
			    (double)skew / 1000);
		a->skew_ms = skew;
		break;
	}
	}
	hq_feed_msg_free(m);
}

/* ---- the main loop ---------------------------------------------------------------------- */

static void relayout(struct app *a)
{
	int w, h;

	if (hq_ren_resize(a->ui.ren)) {
		hq_log(HQ_LOG_ERROR, "%s", hq_ren_error(a->ui.ren));
		return;
	}
	hq_ren_size(a->ui.ren, &w, &h);
	hq_screen_layout(a->scr, w, h);
	if (a->o.print_layout) {
		hq_screen_print_layout(a->scr, stdout);
		fflush(stdout);
	}
}

static void handle(struct app *a, const SDL_Event *e)
{
	if (e->type == a->ev_feed) {
		take_feed(a, e->user.data1);
	} else if (e->type == a->ui.ev_shot) {
		a->shots_wanted++;
	} else if (e->type == SDL_QUIT) {
		a->quit = true;
	} else if (e->type == SDL_KEYDOWN) {
		if (e->key.keysym.sym == SDLK_F12)
			a->shots_wanted++;
		else if (e->key.keysym.sym == SDLK_q && (e->key.keysym.mod & KMOD_CTRL))
			a->quit = true;
	} else if (e->type == SDL_WINDOWEVENT) {
		if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
			relayout(a);
		else if (e->window.event == SDL_WINDOWEVENT_EXPOSED)
			a->full_present = true;
	}
}

static void voice_hook(void *ud, const struct hq_voice_report *r)
{
	struct app *a = ud;

	if (r->event == HQ_VOICE_FINISHED)
		status_line(a, "said %d %d/%d", r->id, r->played_ms, r->expected_ms);
}

/* With HALLQ_DISPLAY_TRACE set (docs/bench.md): "presented LABEL MONO_US" once the frame
 * that shows a new newest call, or a call highlighted again, is on the screen. */
static void trace_presented(struct app *a)
{
	const struct hq_dcall *c = &a->st.calls[0];

	if (!a->st.ncalls || (!strcmp(c->label, a->traced_label) && a->st.highlight_ms == a->traced_hl))
		return;
	snprintf(a->traced_label, sizeof a->traced_label, "%s", c->label);
	a->traced_hl = a->st.highlight_ms;
	printf("presented %s %lld\n", c->label, (long long)hq_mono_us());
	fflush(stdout);
}

static void run(struct app *a)
{
	SDL_Rect rects[HQ_SCREEN_REGIONS];
	struct hq_screen_now now;
	SDL_Event e;
	int n, wait, vw, day;

	relayout(a);
	a->day = local_day(server_ms(a));
	while (!a->quit) {
		now.mono_ms = hq_mono_ms();
		now.wall_ms = server_ms(a);
		wait = hq_screen_next_ms(a->scr, &a->st, &now);
		if (a->voice && (vw = hq_voice_next_ms(a->voice)) >= 0 && vw < wait)
			wait = vw < 1 ? 1 : vw;
		if (SDL_WaitEventTimeout(&e, wait)) {
			handle(a, &e);
			while (!a->quit && SDL_PollEvent(&e))
				handle(a, &e);
		}
		if (a->quit)
			break;
		if (a->voice && hq_voice_step(a->voice))
			hq_log(HQ_LOG_WARN, "voice: %s", hq_voice_error(a->voice));
		now.mono_ms = hq_mono_ms();
		now.wall_ms = server_ms(a);
		if ((day = local_day(now.wall_ms)) != a->day) {
			a->day = day;
			hq_dstate_keep_day(&a->st, now.wall_ms);
		}
		if ((n = hq_screen_draw(a->scr, a->ui.ren, &a->st, &now, rects)) > 0)
			hq_ren_present(a->ui.ren, rects, n);
		else if (a->full_present)
			hq_ren_present(a->ui.ren, NULL, 0);
		a->full_present = false;
		if (n > 0 && a->trace)
			trace_presented(a);
		if (!a->ready && a->st.have_hall) {
			a->ready = true;
			hq_log(HQ_LOG_INFO, "showing %s", a->st.name);
			printf("ready\n");
		}
		flush_lines(a);
		for (; a->shots_wanted > 0; a->shots_wanted--)
			hq_app_save_shot(&a->ui, a->o.shot_dir, NULL);
	}
}

/* ---- start-up --------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-display --server URL [--token TOKEN] [--fullscreen | --window WxH]\n"
		"                     [--display N] [--shot-dir DIR] [--font PATH] [--recent N]\n"
		"                     [--highlight SECONDS] [--no-counters] [--no-voice]\n"
		"                     [--repeat N] [--voice-dir DIR]... [--print-layout]\n"
		"The token (role display) may come from the HALLQ_TOKEN environment variable.\n"
		"An https:// server is verified against the system's CAs, or --ca FILE (HALLQ_CA).\n"
		"F12 or SIGUSR1 saves a screenshot in the shot directory. See docs/display.md.\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' }, { "token", required_argument, NULL, 't' },
		{ "ca", required_argument, NULL, 'a' },
		{ "fullscreen", no_argument, NULL, 'f' }, { "window", required_argument, NULL, 'w' },
		{ "display", required_argument, NULL, 'd' }, { "shot-dir", required_argument, NULL, 'S' },
		{ "font", required_argument, NULL, 'F' }, { "recent", required_argument, NULL, 'r' },
		{ "highlight", required_argument, NULL, 'H' }, { "no-counters", no_argument, NULL, 'C' },
		{ "no-voice", no_argument, NULL, 'V' }, { "repeat", required_argument, NULL, 'R' },
		{ "voice-dir", required_argument, NULL, 'v' }, { "print-layout", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	const char *ca = getenv("HALLQ_CA");
	char err[512];
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->url = optarg; break;
		case 't': o->token = optarg; break;
		case 'a': ca = optarg; break;
		case 'f': o->fullscreen = true; o->win_w = 0; break;
		case 'w':
			if (hq_app_parse_window(PROG, optarg, "1920x1080", &o->win_w, &o->win_h))
				return 2;
			o->fullscreen = false;
			break;
		case 'd': if (hq_app_parse_int(PROG, "--display", optarg, 0, 63, &o->display)) return 2; break;
		case 'S': o->shot_dir = optarg; break;
		case 'F': o->font = optarg; break;
		case 'r': if (hq_app_parse_int(PROG, "--recent", optarg, 1, 20, &o->recent)) return 2; break;
		case 'H': if (hq_app_parse_int(PROG, "--highlight", optarg, 1, 600, &o->highlight_s)) return 2; break;
		case 'C': o->counters = false; break;
		case 'V': o->voice = false; break;
		case 'R':
			if (hq_app_parse_int(PROG, "--repeat", optarg, 1, HQ_VOICE_REPEAT_MAX, &o->repeat))
				return 2;
			break;
		case 'v':
			if (o->nvoice_dirs == MAX_VOICE_DIRS) {
				fprintf(stderr, "hallq-display: at most %d --voice-dir options\n", MAX_VOICE_DIRS);
				return 2;
			}
			o->voice_dirs[o->nvoice_dirs++] = optarg;
			break;
		case 'L': o->print_layout = true; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !o->url) {
		usage(stderr);
		return 2;
	}
	if (!o->token || !*o->token) {
		fprintf(stderr, "hallq-display: no token: give --token or set HALLQ_TOKEN\n");
		usage(stderr);
		return 2;
	}
	if (hq_client_use_ca(ca, err, sizeof err)) {
		fprintf(stderr, "hallq-display: --ca: %s\n", err);
		return 2;
	}
	return 0;
}

/* The voice's clip folders: the hall's recordings in assets/voice, then the clips made at
 * build next to the program (build/voice) or installed beside it (share/hallq/voice), then
 * where make install put them (HQ_DATADIR/voice, for a BINDIR outside PREFIX). */
static int default_voice_dirs(struct opts *o, char store[2][PATH_MAX])
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	o->voice_dirs[o->nvoice_dirs++] = "assets/voice";
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return 0;
	*slash = '\0';
	snprintf(store[0], PATH_MAX, "%.*s/voice", PATH_MAX - 8, exe);
	snprintf(store[1], PATH_MAX, "%.*s/../share/hallq/voice", PATH_MAX - 24, exe);
	o->voice_dirs[o->nvoice_dirs++] = store[0];
	o->voice_dirs[o->nvoice_dirs++] = store[1];
#ifdef HQ_DATADIR
	o->voice_dirs[o->nvoice_dirs++] = HQ_DATADIR "/voice";
#endif
	return 0;
}

/* Load every clip a call can use, so that a missing one stops the start, not the first
 * call of the day: every letter and digit in a label, and counters 1 to 99 and a few
 * larger ones (every counting word, Chinese and English). */
static int preload_voice(struct hq_voice *v)
{
	static const char *const labels[] = { "ABC0123", "DEF4567", "GHI8901", "JKL2345", "MNO6789",
					      "PQR0000", "STU0000", "VWX0000", "YZ0000" };
	static const int big[] = { 100, 105, 110, 200, 1000, 1010, 1234, 2000, 2222, 5678, 9999 };
	const char *seq[HQ_VOICE_SEQ_MAX];
	int i, n, rc, ncounters = 99 + (int)(sizeof big / sizeof big[0]);

	for (i = 0; i < ncounters; i++) {
		int counter = i < 99 ? i + 1 : big[i - 99];

		n = hq_voice_sequence(labels[i % (int)(sizeof labels / sizeof labels[0])], counter, 1, seq,
				      HQ_VOICE_SEQ_MAX);
		if (n > 0 && (rc = hq_voice_preload(v, seq, n)))
			return rc;
	}
	return HQ_OK;
}

static int start_voice(struct app *a)
{
	int rc;

	if (!(a->voice = hq_voice_new(a->o.voice_dirs, a->o.nvoice_dirs)))
		return HQ_ENOMEM;
	if ((rc = preload_voice(a->voice))) {
		fprintf(stderr, "hallq-display: %s (make builds the clips; --no-voice runs silent)\n",
			hq_voice_error(a->voice));
		return rc;
	}
	if ((rc = hq_voice_open(a->voice, NULL))) {
		hq_log(HQ_LOG_WARN, "no sound: %s; calls are queued on a silent device", hq_voice_error(a->voice));
		if ((rc = hq_voice_open(a->voice, "dummy"))) {
			fprintf(stderr, "hallq-display: %s\n", hq_voice_error(a->voice));
			return rc;
		}
	}
	hq_voice_set_hook(a->voice, voice_hook, a);
	return HQ_OK;
}

int main(int argc, char **argv)
{
	struct app a = { .link = -1, .o = { .recent = 6, .highlight_s = 10, .repeat = 2, .fullscreen = true,
				.voice = true, .counters = true, .shot_dir = "." } };
	struct hq_screen_opts so;
	char vdirs[2][PATH_MAX];
	int rc = 1, r;

	hq_log_init("hallq-display");
	a.o.token = getenv("HALLQ_TOKEN");
	a.trace = getenv("HALLQ_DISPLAY_TRACE") && *getenv("HALLQ_DISPLAY_TRACE");
	if ((rc = parse_opts(argc, argv, &a.o)))
		return rc == 1 ? 0 : rc;
	rc = 1;
	if (!a.o.nvoice_dirs)
		default_voice_dirs(&a.o, vdirs);

	if ((r = hq_app_init(&a.ui, PROG, a.o.font, hq_screen_fixed_text(), a.o.display))) {
		rc = r == HQ_EINVAL ? 2 : 1;     /* no such --display: a usage error */
		goto out;
	}
	if (a.o.voice && start_voice(&a))
		goto out;
	if (hq_app_open_window(&a.ui, a.o.fullscreen, &a.o.win_w, &a.o.win_h))
		goto out;
	if (a.o.fullscreen)
		SDL_ShowCursor(SDL_DISABLE);
	so = (struct hq_screen_opts){ .recent = a.o.recent, .highlight_ms = a.o.highlight_s * 1000,
				      .counters = a.o.counters, .ticker_fps = TICKER_FPS };
	if (!(a.scr = hq_screen_new(&so)))
		goto out;
	hq_dstate_init(&a.st);
	if ((a.ev_feed = SDL_RegisterEvents(1)) == (Uint32)-1) {
		a.ev_feed = 0;
		fprintf(stderr, "hallq-display: %s\n", SDL_GetError());
		goto out;
	}
	if (hq_app_start_signals(&a.ui))
		goto out;
	{
		struct hq_feed_opts fo = { .url = a.o.url, .token = a.o.token, .replay = REPLAY_EVENTS,
					   .post = feed_post, .ctx = &a };

		if (!(a.feed = hq_feed_start(&fo))) {
			fprintf(stderr, "hallq-display: out of memory\n");
			goto out;
		}
	}
	hq_log(HQ_LOG_INFO, "hallq-display %s: %s, font %s, %dx%d%s", HQ_VERSION, a.o.url, a.ui.font.path,
	    a.o.win_w, a.o.win_h, a.voice ? "" : ", no voice");
	run(&a);
	hq_log(HQ_LOG_INFO, "stopping");
	rc = 0;
out:
	hq_feed_stop(a.feed);
	/* Messages the feed posted that the loop did not take. */
	if (a.ev_feed) {
		SDL_Event e;

		while (SDL_PeepEvents(&e, 1, SDL_GETEVENT, a.ev_feed, a.ev_feed) == 1)
			hq_feed_msg_free(e.user.data1);
	}
	hq_voice_free(a.voice);
	hq_screen_free(a.scr);
	hq_dstate_free(&a.st);
	hq_app_close(&a.ui);
	return rc;
}
