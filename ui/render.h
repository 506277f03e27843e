/*
 * The renderer of the wall display and the kiosk: a small API over one window, so a layout
 * (screen.c) never touches SDL or SDL_ttf directly. It draws into the window's own surface
 * (software, as rxi/lite does) and shows only the rectangles it is told changed, so a
 * clock tick sends a few hundred pixels to the screen instead of the whole frame.
 *
 * Text is rendered with one CJK font, at any pixel size; each rendered string is kept in a
 * cache keyed by text, size and colour (bounded in entries and bytes, least recently used
 * first out), so a frame that redraws the same words costs only blits.
 *
 * Sizes are the font's em size in pixels. Colours are 0xRRGGBB.
 *
 * Ownership: hq_ren_new() returns a renderer that hq_ren_free() frees (NULL is fine); it
 * draws in the window it is given but does not own it. hq_ren_find_font() only fills the
 * caller's struct.
 */
#ifndef HQ_RENDER_H
#define HQ_RENDER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

struct hq_ren;

struct hq_font_pick {
	char path[PATH_MAX];
	int index;                  /* the face in a .ttc collection */
};

/*
 * Find the font to use: `path` when not NULL (face 0), else what fontconfig offers for
 * lang zh-cn, best first. A font is taken only when it really has a glyph for every
 * character of `need` (UTF-8). Returns 0, or HQ_ECONFIG with err saying what was tried
 * and what was missing.
 */
int hq_ren_find_font(const char *path, const char *need, struct hq_font_pick *out,
		     char *err, size_t errn);

/* TTF_Init must have been called. Returns NULL with err set on failure. */
struct hq_ren *hq_ren_new(SDL_Window *win, const struct hq_font_pick *font, char *err, size_t errn);
void hq_ren_free(struct hq_ren *r);
/* The window changed size (or was shown again): fetch its surface anew. Returns 0 or HQ_EIO. */
int hq_ren_resize(struct hq_ren *r);
void hq_ren_size(const struct hq_ren *r, int *w, int *h);

/* Drawing, into the frame; nothing is seen until hq_ren_present(). */
void hq_ren_clip(struct hq_ren *r, const SDL_Rect *rc); /* NULL: the whole frame */
void hq_ren_fill(struct hq_ren *r, const SDL_Rect *rc, uint32_t rgb);
/* The width of text at size px, and the height of a line of it. */
int hq_ren_text_width(struct hq_ren *r, const char *text, int px);
int hq_ren_line_height(struct hq_ren *r, int px);
/* The largest size <= px (and >= 6) at which text is at most maxw wide. */
int hq_ren_fit(struct hq_ren *r, const char *text, int px, int maxw);
/* Draw text with the top of its line at (x, y); returns its width. */
int hq_ren_text(struct hq_ren *r, const char *text, int px, uint32_t rgb, int x, int y);

/* Show these rectangles of the frame on the screen; n == 0 shows it all. */
void hq_ren_present(struct hq_ren *r, const SDL_Rect *rects, int n);
/* Save the frame as a PNG. Returns 0 or HQ_EIO (hq_ren_error() says why). */
int hq_ren_save_png(struct hq_ren *r, const char *path);
/*
 * Save the texts on the frame, one a line in the order drawn: "X Y W H whole TEXT", the box
 * its pixels went to, "clipped" in place of "whole" when part of that box fell outside the
 * clip rectangle of the time (or the frame). A text is on the frame from hq_ren_text() until
 * a fill covers its box whole. Tests read a screen's words here rather than from its pixels.
 * Returns 0 or HQ_EIO (hq_ren_error() says why).
 */
int hq_ren_save_texts(struct hq_ren *r, const char *path);
const char *hq_ren_error(const struct hq_ren *r);

/* Whether the font has every character of text; the first one missing in *missing. */
bool hq_ren_has_glyphs(struct hq_ren *r, const char *text, uint32_t *missing);

struct hq_ren_stats {
	int entries, fonts;
	size_t bytes;
	uint64_t hits, misses, evictions;
};
void hq_ren_stats(const struct hq_ren *r, struct hq_ren_stats *st);
/* Bound the text cache (default 600 strings, 48 MB; 0 keeps a default). A program with
 * few texts on screen, like the kiosk, needs far less and should not hold more. */
void hq_ren_set_cache(struct hq_ren *r, int entries, size_t bytes);

/* Decode one UTF-8 character at *s, advancing *s; 0xFFFD for a bad byte. */
uint32_t hq_utf8_next(const char **s);

#endif
