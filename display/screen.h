/*
 * The wall display's screen: where each part of a display state goes for a window of a
 * given size, and drawing it with the renderer. Every size is computed from the window
 * (1280×720 to 3840×2160, landscape or portrait), never fixed in pixels.
 *
 * The screen is cut into regions (hall name, clock, offline marker, the newest call, the
 * recent calls, the services, the counters, the notice ticker). Each region remembers a
 * signature of what it last drew; hq_screen_draw() redraws only the regions whose content
 * changed and hands back their rectangles, which are all that needs showing.
 *
 * Ownership: hq_screen_new() returns a screen that hq_screen_free() frees (NULL is fine).
 */
#ifndef HQ_SCREEN_H
#define HQ_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "render.h"
#include "state.h"

#define HQ_SCREEN_REGIONS 9

struct hq_screen_opts {
	int recent;                 /* lines of recent calls, at most */
	int highlight_ms;           /* how long a new call stays highlighted */
	bool counters;              /* show the counters' states */
	int ticker_fps;             /* frames a second while the notice scrolls */
};

struct hq_screen_now {
	int64_t mono_ms;            /* the display's monotonic clock */
	int64_t wall_ms;            /* hallqd's clock, as far as the display knows it */
};

struct hq_screen *hq_screen_new(const struct hq_screen_opts *o);
void hq_screen_free(struct hq_screen *s);
/* Lay the screen out for a window of w×h; the next draw redraws everything. */
void hq_screen_layout(struct hq_screen *s, int w, int h);
/* Draw what changed; returns how many rectangles of rects (room for HQ_SCREEN_REGIONS)
 * need showing, 0 when nothing changed. */
int hq_screen_draw(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st,
		   const struct hq_screen_now *now, SDL_Rect *rects);
/* Milliseconds until the screen changes by itself (clock, highlight, ticker). */
int hq_screen_next_ms(const struct hq_screen *s, const struct hq_dstate *st,
		      const struct hq_screen_now *now);
/* The regions, one "layout NAME X Y W H" line each (for tests and operators). */
void hq_screen_print_layout(const struct hq_screen *s, FILE *f);
/* Every fixed text the screen may draw, for checking the font at start. */
const char *hq_screen_fixed_text(void);

/*
 * A service's words in the wait column, Chinese in zh and English in e ("" unless en):
 * "约 25 分钟" / "~25 min", with the hall's range "约 15–25 分钟" / "about 15–25 min" where
 * the model keeps one (estimate_display = range), 无需等候, 暂停取号, or the no-counter words
 * (issue 18). Returns HQ_SCREEN_WW_ flags: NOEST for the no-counter words (in amber), TWO
 * for words that take two lines, Chinese above English, where the row has room.
 */
enum { HQ_SCREEN_WW_NOEST = 1, HQ_SCREEN_WW_TWO = 2 };
int hq_screen_wait_words(const struct hq_dservice *sv, bool en, char *zh, size_t nz, char *e, size_t ne);

#endif
