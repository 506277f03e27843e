/*
 * The ticket drawn as the printer would print it: each layout line in its cell size
 * (24 dots a Chinese character at 1x, times the magnification), centred where the printer
 * centres it, the QR code at the module size the printer is asked for, the feeds as blank
 * lines. Proportional TrueType text is narrower than the printer's fixed cells, so a line
 * is a little shorter here than on paper; sizes, order and line breaks are the printer's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <qrencode.h>

#include "escpos.h"
#include "hq_error.h"
#include "preview.h"

/* Paper before the first line: the printer starts right at the print head, but a picture
 * that begins with ink looks cut off. */
#define TOP_DOTS 16

static int line_dots(const struct hq_escpos_item *it)
{
	return HQ_ESCPOS_CELL_H * it->h + (HQ_ESCPOS_LINE_DOTS - HQ_ESCPOS_CELL_H);
}

static int x_for(enum hq_escpos_align a, int w, int paper)
{
	if (w >= paper || a == HQ_ESCPOS_LEFT)
		return 0;
	return a == HQ_ESCPOS_RIGHT ? paper - w : (paper - w) / 2;
}

static int draw_text(SDL_Surface *s, TTF_Font *f, const struct hq_escpos_item *it, int y,
		     char *err, size_t errn)
{
	static const SDL_Color black = { 0, 0, 0, 255 };
	SDL_Surface *g;
	SDL_Rect d;
	int box = line_dots(it);

	if (!*it->text)
		return HQ_OK;
	/* Render at the line's height, then stretch sideways for a width unlike the height
	 * (the hall name is twice as tall as wide), as the printer doubles its dots. */
	if (TTF_SetFontSize(f, HQ_ESCPOS_CELL_H * it->h) < 0) {
		snprintf(err, errn, "font size %d: %s", HQ_ESCPOS_CELL_H * it->h, TTF_GetError());
		return HQ_EIO;
	}
	TTF_SetFontStyle(f, it->bold ? TTF_STYLE_BOLD : TTF_STYLE_NORMAL);
	if (!(g = TTF_RenderUTF8_Blended(f, it->text, black))) {
		snprintf(err, errn, "text '%s': %s", it->text, TTF_GetError());
		return HQ_EIO;
	}
	d.w = g->w * it->w / it->h;
	d.h = g->h;
	if (d.w > s->w) {
		d.h = d.h * s->w / d.w;
		d.w = s->w;
	}
	d.x = x_for(it->align, d.w, s->w);
	d.y = y + (box - d.h) / 2;
	SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_BLEND);
	SDL_BlitScaled(g, NULL, s, &d);
	SDL_FreeSurface(g);
	return HQ_OK;
}

static QRcode *encode_qr(const struct hq_escpos_item *it, char *err, size_t errn)
{
	/* Byte mode, smallest version, level M: what the printer makes of GS ( k fn 69 n = 49. */
	QRcode *qr = QRcode_encodeData((int)strlen(it->text), (const unsigned char *)it->text, 0, QR_ECLEVEL_M);

	if (!qr)
		snprintf(err, errn, "QR code for '%.60s': %s", it->text, strerror(errno));
	return qr;
}

/* The symbol's height with the blank it needs around it to be read (a quiet zone of four
 * modules, ISO/IEC 18004 section 6.3.8, above and below). */
static int qr_dots(const QRcode *qr, int m)
{
	return (qr->width + 8) * m;
}

static void draw_qr(SDL_Surface *s, const QRcode *qr, const struct hq_escpos_item *it, int y)
{
	int m = it->w, side = qr->width * m, x0 = x_for(it->align, side, s->w), r, c;
	Uint32 black = SDL_MapRGB(s->format, 0, 0, 0);

	y += 4 * m;
	for (r = 0; r < qr->width; r++)
		for (c = 0; c < qr->width; c++)
			if (qr->data[r * qr->width + c] & 1) {
				SDL_Rect d = { x0 + c * m, y + r * m, m, m };

				SDL_FillRect(s, &d, black);
			}
}

static int render(const struct hq_print_ticket *t, const char *font, int face, SDL_Surface **out,
		  char *err, size_t errn)
{
	struct hq_escpos_layout l;
	SDL_Surface *s = NULL;
	TTF_Font *f = NULL;
	QRcode *qr = NULL;
	int rc, height = TOP_DOTS, y;
	size_t i;

	if ((rc = hq_escpos_layout(t, HQ_PRINTER_DOTS, &l))) {
		snprintf(err, errn, "ticket: %s", hq_strerror(rc));
		return rc;
	}
	if (TTF_Init() < 0) {
		snprintf(err, errn, "SDL_ttf: %s", TTF_GetError());
		hq_escpos_layout_free(&l);
		return HQ_EIO;
	}
	rc = HQ_EIO;
	if (!font || !(f = TTF_OpenFontIndex(font, HQ_ESCPOS_CELL_H, face))) {
		snprintf(err, errn, "font %s (face %d): %s", font ? font : "(none)", face,
			 font ? TTF_GetError() : "no font given");
		goto fail;
	}
	/* Measure first: the surface is as tall as the ticket. */
	for (i = 0; i < l.n; i++) {
		const struct hq_escpos_item *it = &l.items[i];

		if (it->kind == HQ_ESCPOS_TEXT)
			height += line_dots(it);
		else if (it->kind == HQ_ESCPOS_FEED)
			height += it->lines * HQ_ESCPOS_LINE_DOTS;
		else {
			if (!qr && !(qr = encode_qr(it, err, errn))) {
				rc = HQ_EINVAL;
				goto fail;
			}
			height += qr_dots(qr, it->w);
		}
	}
	if (!(s = SDL_CreateRGBSurfaceWithFormat(0, HQ_PRINTER_DOTS, height, 32, SDL_PIXELFORMAT_ARGB8888))) {
		snprintf(err, errn, "surface %dx%d: %s", HQ_PRINTER_DOTS, height, SDL_GetError());
		rc = HQ_ENOMEM;
		goto fail;
	}
	SDL_FillRect(s, NULL, SDL_MapRGB(s->format, 255, 255, 255));
	y = TOP_DOTS;
	for (i = 0; i < l.n; i++) {
		const struct hq_escpos_item *it = &l.items[i];

		if (it->kind == HQ_ESCPOS_TEXT) {
			if (draw_text(s, f, it, y, err, errn))
				goto fail;
			y += line_dots(it);
		} else if (it->kind == HQ_ESCPOS_FEED) {
			y += it->lines * HQ_ESCPOS_LINE_DOTS;
		} else {
			draw_qr(s, qr, it, y);
			y += qr_dots(qr, it->w);
		}
	}
	QRcode_free(qr);
	TTF_CloseFont(f);
	TTF_Quit();
	hq_escpos_layout_free(&l);
	*out = s;
	return HQ_OK;
fail:
	SDL_FreeSurface(s);
	QRcode_free(qr);
	if (f)
		TTF_CloseFont(f);
	TTF_Quit();
	hq_escpos_layout_free(&l);
	return rc;
}

SDL_Surface *hq_preview_render(const struct hq_print_ticket *t, const char *font, int face,
			       char *err, size_t errn)
{
	SDL_Surface *s = NULL;

	render(t, font, face, &s, err, errn);
	return s;
}

int hq_preview_png(const struct hq_print_ticket *t, const char *font, int face, const char *png,
		   char *err, size_t errn)
{
	SDL_Surface *s = NULL;
	int rc = render(t, font, face, &s, err, errn);

	if (rc)
		return rc;
	if (IMG_SavePNG(s, png) < 0) {
		snprintf(err, errn, "%s: %s", png, IMG_GetError());
		rc = HQ_EIO;
	}
	SDL_FreeSurface(s);
	return rc;
}
