/*
 * The scaffolding the wall display and the kiosk share (app.h): the signal thread, SDL's
 * start and end, the window, screenshots and two option parsers. It prints its messages
 * itself, with the program's name in front, because it is the programs' start-up code.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL_image.h>
#include <SDL_ttf.h>

#include "app.h"
#include "hq_error.h"
#include "hq_log.h"

static void signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

int hq_app_parse_int(const char *prog, const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: %s %s: want a number from %d to %d\n", prog, opt, s, lo, hi);
		return HQ_EINVAL;
	}
	*out = (int)v;
	return HQ_OK;
}

int hq_app_parse_window(const char *prog, const char *arg, const char *example, int *w, int *h)
{
	char *end;
	long lw, lh = 0;

	/* In long, so that a width past INT_MAX is refused rather than wrapped into range. */
	lw = strtol(arg, &end, 10);
	if (*end != 'x' || (lh = strtol(end + 1, &end, 10), *end) ||
	    lw < 320 || lh < 240 || lw > 16384 || lh > 16384) {
		fprintf(stderr, "%s: --window %s: want WIDTHxHEIGHT, e.g. %s\n", prog, arg, example);
		return HQ_EINVAL;
	}
	*w = (int)lw;
	*h = (int)lh;
	return HQ_OK;
}

int hq_app_init(struct hq_app *a, const char *prog, const char *font, const char *need, int display)
{
	sigset_t set;
	char err[1024];
	int n;

	a->prog = prog;
	a->display = display;
	/* Before any thread starts (SDL's, curl's, ours), so that every thread inherits it. */
	signal_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	/* Draw into the window's own surface and send the X server only the changed
	 * rectangles; a GL texture in between would present the whole frame every time.
	 * (SDL_FRAMEBUFFER_ACCELERATION in the environment still overrides it.) */
	SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	if (SDL_Init(SDL_INIT_VIDEO)) {
		fprintf(stderr, "%s: no video: %s (is DISPLAY set?)\n", prog, SDL_GetError());
		return HQ_EIO;
	}
	if (TTF_Init() || !(IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG)) {
		fprintf(stderr, "%s: SDL_ttf/SDL_image: %s\n", prog, SDL_GetError());
		return HQ_EIO;
	}
	if (hq_ren_find_font(font, need, &a->font, err, sizeof err)) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return HQ_ECONFIG;
	}
	if (display >= (n = SDL_GetNumVideoDisplays())) {
		fprintf(stderr, "%s: --display %d: there %s only %d display%s (0 to %d)\n", prog, display,
			n == 1 ? "is" : "are", n, n == 1 ? "" : "s", n - 1);
		return HQ_EINVAL;
	}
	return HQ_OK;
}

int hq_app_open_window(struct hq_app *a, bool fullscreen, int *w, int *h)
{
	Uint32 flags = SDL_WINDOW_SHOWN;
	char err[1024];
	int x, y;

	if (fullscreen) {
		SDL_Rect b;

		SDL_GetDisplayBounds(a->display, &b);
		*w = b.w, *h = b.h;
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
	} else {
		flags |= SDL_WINDOW_RESIZABLE;
	}
	x = y = SDL_WINDOWPOS_CENTERED_DISPLAY(a->display);
	if (!(a->win = SDL_CreateWindow(a->prog, x, y, *w, *h, flags))) {
		fprintf(stderr, "%s: window: %s\n", a->prog, SDL_GetError());
		return HQ_EIO;
	}
	if (!(a->ren = hq_ren_new(a->win, &a->font, err, sizeof err))) {
		fprintf(stderr, "%s: %s\n", a->prog, err);
		return HQ_EIO;
	}
	return HQ_OK;
}

/* Signals arrive here, never in a handler: SIGUSR1 asks for a screenshot, SIGTERM and
 * SIGINT for a clean exit. All are blocked in every thread but taken by sigwait. */
static void *signal_thread(void *arg)
{
	struct hq_app *a = arg;
	sigset_t set;
	int sig;

	signal_set(&set);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (atomic_load(&a->signals_done))
			return NULL;
		if (sig == SIGUSR1) {
			SDL_Event e = { .type = a->ev_shot };

			e.user.code = sig;
			SDL_PushEvent(&e);
		} else {
			SDL_Event e = { .type = SDL_QUIT };

			SDL_PushEvent(&e);
		}
	}
}

int hq_app_start_signals(struct hq_app *a)
{
	int err;

	if ((a->ev_shot = SDL_RegisterEvents(1)) == (Uint32)-1) {
		a->ev_shot = 0;
		fprintf(stderr, "%s: %s\n", a->prog, SDL_GetError());
		return HQ_ENOMEM;
	}
	/* Without this thread the blocked SIGTERM would never end the program. */
	if ((err = pthread_create(&a->sig_th, NULL, signal_thread, a))) {
		fprintf(stderr, "%s: no signal thread: %s\n", a->prog, strerror(err));
		return HQ_EIO;
	}
	a->sig_started = true;
	return HQ_OK;
}

void hq_app_save_shot(struct hq_app *a, const char *dir, const char *tag)
{
	char path[PATH_MAX], txt[PATH_MAX], stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	/* The PID keeps two programs that share a shot directory apart. */
	snprintf(path, sizeof path, "%s/%s-%s-%ld-%d%s%s.png", dir, a->prog, stamp, (long)getpid(),
		 ++a->shot_seq, tag ? "-" : "", tag ? tag : "");
	if (hq_ren_save_png(a->ren, path)) {
		hq_log(HQ_LOG_ERROR, "screenshot not saved: %s", hq_ren_error(a->ren));
		return;
	}
	/* Its words beside it, PATH with .txt for .png, written before "shot:" is said. */
	snprintf(txt, sizeof txt, "%.*s.txt", (int)strlen(path) - 4, path);
	if (hq_ren_save_texts(a->ren, txt))
		hq_log(HQ_LOG_WARN, "screenshot's texts not saved: %s", hq_ren_error(a->ren));
	printf("shot: %s\n", path);
	fflush(stdout);
}

void hq_app_close(struct hq_app *a)
{
	if (a->sig_started) {
		atomic_store(&a->signals_done, 1);
		pthread_kill(a->sig_th, SIGUSR1);
		pthread_join(a->sig_th, NULL);
		a->sig_started = false;
	}
	hq_ren_free(a->ren);
	a->ren = NULL;
	if (a->win)
		SDL_DestroyWindow(a->win);
	a->win = NULL;
	IMG_Quit();
	TTF_Quit();
	SDL_Quit();
}
