/*
 * The wall display's renderer (render.h): the window's surface, one font at many sizes,
 * and the cache of rendered strings. Software drawing keeps the display independent of a
 * GPU driver (a hall PC under Xvfb, a small board on KMS) and lets the frame be shown a
 * rectangle at a time: an idle screen changes a clock and perhaps a ticker line, and only
 * those pixels travel to the X server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_image.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>

#include "hq_error.h"
#include "render.h"

/* A string's pixels are kept while they fit in these bounds. At 3840×2160 the newest call
 * alone is a few megabytes; the rest of a frame is small. */
#define CACHE_BUCKETS 512
#define CACHE_MAX_ENTRIES 600
#define CACHE_MAX_BYTES (48u << 20)
/* Font objects, one per size in use: a layout uses about a dozen. */
#define FONT_SLOTS 32
#define PX_MIN 6
#define PX_MAX 1600

struct entry {
	struct entry *next;         /* in its bucket */
	struct entry *newer, *older; /* the LRU list */
	uint64_t hash;
	int px;
	uint32_t rgb;
	char *text;
	SDL_Surface *surf;
	size_t bytes;
};

/* The texts on the frame, for a screenshot's text file (hq_ren_save_texts): each string
 * drawn, with its box, forgotten once a fill covers that box whole. A frame of the kiosk or
 * the display holds well under a hundred; past SHOWN_MAX the oldest go first. */
#define SHOWN_MAX 512

struct shown {
	SDL_Rect rc;                /* the string's box */
	SDL_Rect seen;              /* the part of it the clip rectangle let through */
	bool clipped;               /* seen is less than rc */
	char *text;
};

struct font_slot {
	int px;
	TTF_Font *font;
	uint64_t used;
};

struct hq_ren {
	SDL_Window *win;
	SDL_Surface *frame;         /* the window's surface; SDL owns it */
	void *font_data;            /* the font file, read once; every size opens it from memory */
	size_t font_len;
	int font_index;
	struct font_slot fonts[FONT_SLOTS];
	uint64_t tick;

	struct entry *buckets[CACHE_BUCKETS];
	struct entry *newest, *oldest;
	int entries, max_entries;
	size_t bytes, max_bytes;
	uint64_t hits, misses, evictions;
	struct shown *shown;        /* SHOWN_MAX of them, allocated at the first text */
	int nshown;
	char error[256];
};

uint32_t hq_utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t c;
	int n, i;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0)
		c = p[0] & 0x1F, n = 1;
	else if ((p[0] & 0xF0) == 0xE0)
		c = p[0] & 0x0F, n = 2;
	else if ((p[0] & 0xF8) == 0xF0)
		c = p[0] & 0x07, n = 3;
	else {
		*s += 1;
		return 0xFFFD;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*s += i;
			return 0xFFFD;
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	*s += n + 1;
	return c;
}

static bool font_has(TTF_Font *f, const char *text, uint32_t *missing)
{
	const char *p = text;

	while (*p) {
		uint32_t c = hq_utf8_next(&p);

		if (c <= ' ' || c == 0x3000) /* spaces need no glyph */
			continue;
		if (!TTF_GlyphIsProvided32(f, c)) {
			if (missing)
				*missing = c;
			return false;
		}
	}
	return true;
}

static void utf8_put(uint32_t c, char out[5])
{
	if (c < 0x80) {
		out[0] = (char)c, out[1] = 0;
	} else if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6), out[1] = (char)(0x80 | (c & 0x3F)), out[2] = 0;
	} else if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12), out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F)), out[3] = 0;
	} else {
		out[0] = (char)(0xF0 | c >> 18), out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3F)), out[3] = (char)(0x80 | (c & 0x3F));
		out[4] = 0;
	}
}

/* Whether the font file (face index) opens and has every character of need. */
static int try_font(const char *path, int index, const char *need, char *why, size_t n)
{
	TTF_Font *f = TTF_OpenFontIndex(path, 16, index);
	uint32_t missing = 0;
	char ch[5];

	if (!f) {
		snprintf(why, n, "does not open: %s", TTF_GetError());
		return -1;
	}
	if (!font_has(f, need, &missing)) {
		utf8_put(missing, ch);
		snprintf(why, n, "has no glyph for '%s' (U+%04X)", ch, (unsigned)missing);
		TTF_CloseFont(f);
		return -1;
	}
	TTF_CloseFont(f);
	return 0;
}

int hq_ren_find_font(const char *path, const char *need, struct hq_font_pick *out,
		     char *err, size_t errn)
{
	FcConfig *cfg;
	FcPattern *pat;
	FcFontSet *fs;
	FcResult res;
	char why[160], tried[768] = "";
	size_t tl = 0;
	int i, ntried = 0, found = 0;

	if (path) {
		if (try_font(path, 0, need, why, sizeof why)) {
			snprintf(err, errn, "font %s %s", path, why);
			return HQ_ECONFIG;
		}
		snprintf(out->path, sizeof out->path, "%s", path);
		out->index = 0;
		return HQ_OK;
	}
	if (!(cfg = FcInitLoadConfigAndFonts())) {
		snprintf(err, errn, "fontconfig could not load its configuration; give --font PATH");
		return HQ_ECONFIG;
	}
	pat = FcNameParse((const FcChar8 *)":lang=zh-cn");
	FcConfigSubstitute(cfg, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	fs = FcFontSort(cfg, pat, FcTrue, NULL, &res);
	for (i = 0; fs && i < fs->nfont && !found; i++) {
		FcPattern *p = fs->fonts[i];
		FcChar8 *file;
		FcLangSet *ls;
		int index = 0;

		if (FcPatternGetString(p, FC_FILE, 0, &file) != FcResultMatch)
			continue;
		FcPatternGetInteger(p, FC_INDEX, 0, &index);
		/* Fonts without Chinese at all (the Latin fallbacks fontconfig sorts after them)
		 * are not worth opening. */
		if (FcPatternGetLangSet(p, FC_LANG, 0, &ls) != FcResultMatch ||
		    FcLangSetHasLang(ls, (const FcChar8 *)"zh-cn") == FcLangDifferentLang)
			continue;
		ntried++;
		if (try_font((const char *)file, index, need, why, sizeof why) == 0) {
			snprintf(out->path, sizeof out->path, "%s", (const char *)file);
			out->index = index;
			found = 1;
		} else if (tl < sizeof tried) {
			tl += (size_t)snprintf(tried + tl, sizeof tried - tl, "%s%s %s", tl ? "; " : "",
					       (const char *)file, why);
		}
	}
	if (fs)
		FcFontSetDestroy(fs);
	FcPatternDestroy(pat);
	FcConfigDestroy(cfg);
	if (found)
		return HQ_OK;
	if (!ntried)
		snprintf(err, errn, "no Chinese font found (fontconfig has none for lang zh-cn); "
			 "install fonts-wqy-microhei or fonts-noto-cjk, or give --font PATH");
	else
		snprintf(err, errn, "no usable Chinese font: %s; install fonts-wqy-microhei or "
			 "fonts-noto-cjk, or give --font PATH", tried);
	return HQ_ECONFIG;
}

struct hq_ren *hq_ren_new(SDL_Window *win, const struct hq_font_pick *font, char *err, size_t errn)
{
	struct hq_ren *r = calloc(1, sizeof *r);

	if (r) {
		r->max_entries = CACHE_MAX_ENTRIES;
		r->max_bytes = CACHE_MAX_BYTES;
	}

	if (!r) {
		snprintf(err, errn, "out of memory");
		return NULL;
	}
	r->win = win;
	r->font_index = font->index;
	if (!(r->font_data = SDL_LoadFile(font->path, &r->font_len))) {
		snprintf(err, errn, "%s: %s", font->path, SDL_GetError());
		free(r);
		return NULL;
	}
	if (hq_ren_resize(r)) {
		snprintf(err, errn, "%s", r->error);
		hq_ren_free(r);
		return NULL;
	}
	return r;
}

static bool rect_inside(const SDL_Rect *in, const SDL_Rect *out)
{
	return in->x >= out->x && in->y >= out->y && in->x + in->w <= out->x + out->w &&
	       in->y + in->h <= out->y + out->h;
}

/* Forget the texts a fill of rc (NULL: all of them) painted over: those whose pixels it
 * covered, all of them (a scrolling ticker's string is wider than its strip). */
static void forget_shown(struct hq_ren *r, const SDL_Rect *rc)
{
	int i, k;

	for (i = k = 0; i < r->nshown; i++) {
		if (!rc || rect_inside(&r->shown[i].seen, rc))
			free(r->shown[i].text);
		else
			r->shown[k++] = r->shown[i];
	}
	r->nshown = k;
}

static void remember_shown(struct hq_ren *r, const char *text, const SDL_Rect *rc)
{
	struct shown *sh;

	if (!r->shown && !(r->shown = calloc(SHOWN_MAX, sizeof *r->shown)))
		return; /* only the screenshot's text file misses it */
	if (r->nshown == SHOWN_MAX) {
		free(r->shown[0].text);
		memmove(&r->shown[0], &r->shown[1], (SHOWN_MAX - 1) * sizeof r->shown[0]);
		r->nshown--;
	}
	sh = &r->shown[r->nshown];
	if (!SDL_IntersectRect(rc, &r->frame->clip_rect, &sh->seen))
		return; /* nothing of it is on the frame */
	if (!(sh->text = strdup(text)))
		return;
	sh->rc = *rc;
	sh->clipped = !rect_inside(rc, &r->frame->clip_rect);
	r->nshown++;
}

static void entry_free(struct entry *e)
{
	SDL_FreeSurface(e->surf);
	free(e->text);
	free(e);
}

void hq_ren_free(struct hq_ren *r)
{
	struct entry *e, *next;
	int i;

	if (!r)
		return;
	for (e = r->newest; e; e = next) {
		next = e->older;
		entry_free(e);
	}
	for (i = 0; i < FONT_SLOTS; i++)
		if (r->fonts[i].font)
			TTF_CloseFont(r->fonts[i].font);
	forget_shown(r, NULL);
	free(r->shown);
	SDL_free(r->font_data);
	free(r);
}

int hq_ren_resize(struct hq_ren *r)
{
	if (!(r->frame = SDL_GetWindowSurface(r->win))) {
		snprintf(r->error, sizeof r->error, "window surface: %s", SDL_GetError());
		return HQ_EIO;
	}
	forget_shown(r, NULL); /* a new surface: nothing drawn on it yet */
	return HQ_OK;
}

void hq_ren_size(const struct hq_ren *r, int *w, int *h)
{
	*w = r->frame ? r->frame->w : 0;
	*h = r->frame ? r->frame->h : 0;
}

static int clamp_px(int px)
{
	return px < PX_MIN ? PX_MIN : px > PX_MAX ? PX_MAX : px;
}

/* The font at size px, opened on first use; the least recently used size makes room. */
static TTF_Font *font_at(struct hq_ren *r, int px)
{
	struct font_slot *s, *lru = &r->fonts[0];
	SDL_RWops *rw;
	int i;

	px = clamp_px(px);
	r->tick++;
	for (i = 0; i < FONT_SLOTS; i++) {
		s = &r->fonts[i];
		if (s->font && s->px == px) {
			s->used = r->tick;
			return s->font;
		}
		if (!s->font || (lru->font && s->used < lru->used))
			lru = s;
	}
	if (lru->font)
		TTF_CloseFont(lru->font);
	lru->font = NULL;
	if (!(rw = SDL_RWFromConstMem(r->font_data, (int)r->font_len)))
		return NULL;
	if (!(lru->font = TTF_OpenFontIndexRW(rw, 1, px, r->font_index)))
		return NULL;
	TTF_SetFontHinting(lru->font, TTF_HINTING_LIGHT);
	lru->px = px;
	lru->used = r->tick;
	return lru->font;
}

void hq_ren_clip(struct hq_ren *r, const SDL_Rect *rc)
{
	SDL_SetClipRect(r->frame, rc);
}

void hq_ren_fill(struct hq_ren *r, const SDL_Rect *rc, uint32_t rgb)
{
	SDL_Rect painted = r->frame->clip_rect;

	SDL_FillRect(r->frame, rc, SDL_MapRGB(r->frame->format, (Uint8)(rgb >> 16),
					     (Uint8)(rgb >> 8), (Uint8)rgb));
	/* What the fill covered is what the clip let it: the texts wholly inside are gone. */
	if (!rc || SDL_IntersectRect(rc, &r->frame->clip_rect, &painted))
		forget_shown(r, &painted);
}

int hq_ren_text_width(struct hq_ren *r, const char *text, int px)
{
	TTF_Font *f = font_at(r, px);
	int w = 0, h = 0;

	if (!f || !*text || TTF_SizeUTF8(f, text, &w, &h))
		return 0;
	return w;
}

int hq_ren_line_height(struct hq_ren *r, int px)
{
	TTF_Font *f = font_at(r, px);

	return f ? TTF_FontHeight(f) : px;
}

int hq_ren_fit(struct hq_ren *r, const char *text, int px, int maxw)
{
	int w, tries;

	px = clamp_px(px);
	/* Sizes are rounded down to a few steps so that a layout uses a handful of fonts. */
	for (tries = 0; tries < 6 && px > PX_MIN; tries++) {
		if ((w = hq_ren_text_width(r, text, px)) <= maxw)
			break;
		px = (int)((int64_t)px * maxw / w);
		px -= px > 64 ? px % 4 : px > 24 ? px % 2 : 0;
		if (px < PX_MIN)
			px = PX_MIN;
	}
	return px;
}

static uint64_t key_hash(const char *text, int px, uint32_t rgb)
{
	uint64_t h = 1469598103934665603ull;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h = (h ^ (uint64_t)px) * 1099511628211ull;
	return (h ^ rgb) * 1099511628211ull;
}

static void lru_unlink(struct hq_ren *r, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		r->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		r->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void lru_push(struct hq_ren *r, struct entry *e)
{
	e->older = r->newest;
	e->newer = NULL;
	if (r->newest)
		r->newest->newer = e;
	r->newest = e;
	if (!r->oldest)
		r->oldest = e;
}

static void evict_oldest(struct hq_ren *r)
{
	struct entry *e = r->oldest, **pp;

	for (pp = &r->buckets[e->hash % CACHE_BUCKETS]; *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	lru_unlink(r, e);
	r->entries--;
	r->bytes -= e->bytes;
	r->evictions++;
	entry_free(e);
}

/* The rendered string, from the cache or made now; NULL when it cannot be rendered. */
static SDL_Surface *text_surface(struct hq_ren *r, const char *text, int px, uint32_t rgb)
{
	uint64_t h = key_hash(text, px, rgb);
	struct entry *e;
	TTF_Font *f;
	SDL_Color c = { (Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255 };
	SDL_Surface *s;
	char *safe = NULL;

	for (e = r->buckets[h % CACHE_BUCKETS]; e; e = e->next)
		if (e->hash == h && e->px == px && e->rgb == rgb && !strcmp(e->text, text)) {
			r->hits++;
			lru_unlink(r, e);
			lru_push(r, e);
			return e->surf;
		}
	r->misses++;
	if (!(f = font_at(r, px)))
		return NULL;
	if (!font_has(f, text, NULL)) {
		/* A name from the config with a character the font lacks: a '?' says more than
		 * the empty box the font would draw. The font was checked for every fixed text
		 * at start, so this is only ever a name. */
		const char *p = text;
		size_t n = 0;

		if (!(safe = malloc(strlen(text) + 1)))
			return NULL;
		while (*p) {
			const char *start = p;
			uint32_t cp = hq_utf8_next(&p);

			if (cp > ' ' && cp != 0x3000 && !TTF_GlyphIsProvided32(f, cp)) {
				safe[n++] = '?';
			} else {
				memcpy(safe + n, start, (size_t)(p - start));
				n += (size_t)(p - start);
			}
		}
		safe[n] = '\0';
	}
	s = TTF_RenderUTF8_Blended(f, safe ? safe : text, c);
	free(safe);
	if (!s)
		return NULL;
	if (!(e = calloc(1, sizeof *e)) || !(e->text = strdup(text))) {
		free(e);
		SDL_FreeSurface(s);
		return NULL;
	}
	e->hash = h;
	e->px = px;
	e->rgb = rgb;
	e->surf = s;
	e->bytes = (size_t)s->pitch * (size_t)s->h + sizeof *e;
	while (r->oldest && (r->entries >= r->max_entries || r->bytes + e->bytes > r->max_bytes))
		evict_oldest(r);
	e->next = r->buckets[h % CACHE_BUCKETS];
	r->buckets[h % CACHE_BUCKETS] = e;
	lru_push(r, e);
	r->entries++;
	r->bytes += e->bytes;
	return s;
}

int hq_ren_text(struct hq_ren *r, const char *text, int px, uint32_t rgb, int x, int y)
{
	SDL_Surface *s;
	SDL_Rect dst = { x, y, 0, 0 };

	if (!*text || !(s = text_surface(r, text, clamp_px(px), rgb)))
		return 0;
	SDL_BlitSurface(s, NULL, r->frame, &dst);
	remember_shown(r, text, &(SDL_Rect){ x, y, s->w, s->h });
	return s->w;
}

void hq_ren_present(struct hq_ren *r, const SDL_Rect *rects, int n)
{
	if (n > 0)
		SDL_UpdateWindowSurfaceRects(r->win, rects, n);
	else
		SDL_UpdateWindowSurface(r->win);
}

int hq_ren_save_png(struct hq_ren *r, const char *path)
{
	/* The window's pixels carry no alpha (XRGB): saved as they are, the PNG could come
	 * out transparent. RGB24 is what a screenshot is. */
	SDL_Surface *rgb = SDL_ConvertSurfaceFormat(r->frame, SDL_PIXELFORMAT_RGB24, 0);
	int rc = HQ_OK;

	if (!rgb) {
		snprintf(r->error, sizeof r->error, "%s", SDL_GetError());
		return HQ_EIO;
	}
	if (IMG_SavePNG(rgb, path)) {
		snprintf(r->error, sizeof r->error, "%s: %s", path, IMG_GetError());
		rc = HQ_EIO;
	}
	SDL_FreeSurface(rgb);
	return rc;
}

int hq_ren_save_texts(struct hq_ren *r, const char *path)
{
	FILE *f = fopen(path, "w");
	int i, rc = HQ_OK;

	if (!f) {
		snprintf(r->error, sizeof r->error, "%s: %s", path, strerror(errno));
		return HQ_EIO;
	}
	for (i = 0; i < r->nshown; i++) {
		const struct shown *sh = &r->shown[i];
		const char *p;

		fprintf(f, "%d %d %d %d %s ", sh->rc.x, sh->rc.y, sh->rc.w, sh->rc.h, sh->clipped ? "clipped" : "whole");
		/* One text a line, whatever it holds. */
		for (p = sh->text; *p; p++)
			fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
		fputc('\n', f);
	}
	if (ferror(f) | fclose(f)) {
		snprintf(r->error, sizeof r->error, "%s: write failed", path);
		rc = HQ_EIO;
	}
	return rc;
}

const char *hq_ren_error(const struct hq_ren *r)
{
	return r->error;
}

bool hq_ren_has_glyphs(struct hq_ren *r, const char *text, uint32_t *missing)
{
	TTF_Font *f = font_at(r, 16);

	return f && font_has(f, text, missing);
}

void hq_ren_set_cache(struct hq_ren *r, int entries, size_t bytes)
{
	r->max_entries = entries > 0 ? entries : CACHE_MAX_ENTRIES;
	r->max_bytes = bytes > 0 ? bytes : CACHE_MAX_BYTES;
}

void hq_ren_stats(const struct hq_ren *r, struct hq_ren_stats *st)
{
	int i;

	st->entries = r->entries;
	st->bytes = r->bytes;
	st->hits = r->hits;
	st->misses = r->misses;
	st->evictions = r->evictions;
	st->fonts = 0;
	for (i = 0; i < FONT_SLOTS; i++)
		st->fonts += r->fonts[i].font != NULL;
}
