/*
 * The start-up and shutdown the wall display and the kiosk share: the signal thread, SDL
 * and its libraries, the font, the window and its renderer, screenshots, and the two
 * option parsers both programs use. Each program keeps its own options, main loop and
 * event handling; this only saves them writing the same scaffolding twice.
 *
 * Unlike the rest of ui/, this is a program's start-up code, not a library: its functions
 * print what went wrong to stderr as "PROG: ...", exactly as the programs did themselves,
 * and return an error from hq_error.h for the caller to turn into an exit status.
 *
 * Signals are never handled in a handler. hq_app_init() blocks SIGUSR1, SIGTERM and SIGINT
 * before any thread starts, so every thread inherits the mask, and the thread that
 * hq_app_start_signals() starts takes them with sigwait: SIGUSR1 posts an event of type
 * ev_shot (the program saves a screenshot), SIGTERM and SIGINT post SDL_QUIT.
 *
 * Ownership: the struct is the caller's, zeroed before hq_app_init() (each program embeds
 * it in its own zeroed state). The window, the renderer and the signal thread belong to
 * it; hq_app_close() stops the thread, frees both and quits SDL, and is safe after any
 * failure of the functions below. prog is borrowed and must outlive the struct.
 */
#ifndef HQ_APP_H
#define HQ_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <SDL.h>

#include "render.h"

struct hq_app {
	const char *prog;           /* "hallq-display": messages, window title, shot names */
	int display;                /* the display (0 first) the window goes on */
	struct hq_font_pick font;   /* the font hq_app_init() found */
	SDL_Window *win;            /* owned */
	struct hq_ren *ren;         /* owned; draws in win */
	Uint32 ev_shot;             /* posted on SIGUSR1; 0 until hq_app_start_signals() */
	int shot_seq;               /* screenshots saved so far, for their names */
	pthread_t sig_th;
	bool sig_started;
	atomic_int signals_done;    /* tells the signal thread to end */
};

/*
 * Option values, with the message a user sees: "PROG: OPT S: want a number from LO to
 * HI", and for --window "PROG: --window ARG: want WIDTHxHEIGHT, e.g. EXAMPLE" (320x240 to
 * 16384x16384). Return 0 or HQ_EINVAL; *out, *w and *h are set only on success.
 */
int hq_app_parse_int(const char *prog, const char *opt, const char *s, int lo, int hi, int *out);
int hq_app_parse_window(const char *prog, const char *arg, const char *example, int *w, int *h);

/*
 * Before any thread starts: block the signals above (and ignore SIGPIPE), start SDL's
 * video with our hints, SDL_ttf and SDL_image, find the font (`font` when not NULL, else
 * one with every character of `need`) and check that `display` exists. Returns 0,
 * HQ_EINVAL when there is no such display (the program exits 2), or another error.
 */
int hq_app_init(struct hq_app *a, const char *prog, const char *font, const char *need, int display);

/*
 * The window, on the display given to hq_app_init(): fullscreen (borderless, the
 * display's size, which goes into *w and *h) or *w by *h and resizable. Then its renderer.
 * Returns 0 or HQ_EIO.
 */
int hq_app_open_window(struct hq_app *a, bool fullscreen, int *w, int *h);

/* Register ev_shot and start the signal thread. Returns 0, HQ_ENOMEM or HQ_EIO. */
int hq_app_start_signals(struct hq_app *a);

/*
 * Save the frame as DIR/PROG-YYYYmmdd-HHMMSS-PID-SEQ[-TAG].png, the texts on it beside it
 * in the same name ending .txt (hq_ren_save_texts), and print "shot: PATH" (the PNG's) on
 * stdout; a failure is logged. tag may be NULL.
 */
void hq_app_save_shot(struct hq_app *a, const char *dir, const char *tag);

/* Stop the signal thread, free the renderer and the window, quit SDL and its libraries. */
void hq_app_close(struct hq_app *a);

#endif
