/*
 * A picture of a ticket as the printer would put it on 80 mm paper (HQ_PRINTER_DOTS wide,
 * one pixel a dot, black on white), drawn from the same layout the ESC/POS bytes are made
 * from (escpos.h): text with SDL_ttf in the caller's font, the QR code with libqrencode.
 * For looking at a ticket without a printer, for the kiosk's screen, and for tests.
 *
 * No window and no SDL_Init are needed; TTF_Init/TTF_Quit are called here (SDL_ttf counts
 * them, so a caller that uses SDL_ttf itself is not disturbed).
 *
 * Ownership: hq_preview_render() returns a surface the caller frees with SDL_FreeSurface();
 * the ticket and the font path stay the caller's.
 */
#ifndef HQ_PREVIEW_H
#define HQ_PREVIEW_H

#include <stddef.h>

#include <SDL.h>

#include "printer.h"

/*
 * The ticket as an ARGB8888 surface HQ_PRINTER_DOTS wide, as tall as the ticket. font is
 * a TrueType/OpenType file with Chinese glyphs, face its index in a .ttc collection.
 * NULL with err set (the font, the QR code, or memory).
 */
SDL_Surface *hq_preview_render(const struct hq_print_ticket *t, const char *font, int face,
			       char *err, size_t errn);

/* hq_preview_render() saved as a PNG. Returns 0, or HQ_EINVAL/HQ_EIO/HQ_ENOMEM with err set. */
int hq_preview_png(const struct hq_print_ticket *t, const char *font, int face, const char *png,
		   char *err, size_t errn);

#endif
