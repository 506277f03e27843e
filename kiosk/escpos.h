/*
 * A ticket as ESC/POS bytes, and the printer's status bytes read back; no I/O. The ticket
 * is first laid out (hq_escpos_layout: the printed lines with their size and alignment,
 * the QR code, the feeds), then encoded; the PNG preview (preview.h) draws the same
 * layout, so what the kiosk shows and what the printer prints cannot drift apart.
 *
 * Text is laid out in the printer's own cells: font A is 12 x 24 dots, a Chinese character
 * (and, in Chinese mode, any non-ASCII character) 24 x 24, times the line's magnification;
 * a line that does not fit the paper is wrapped here, at a space where there is one, so
 * the printer never wraps on its own.
 *
 * Ownership: hq_escpos_ticket() and hq_escpos_encode() return malloc'd bytes the caller
 * frees with free(); a layout filled by hq_escpos_layout() is freed with
 * hq_escpos_layout_free() (NULL or zeroed is fine).
 */
#ifndef HQ_ESCPOS_H
#define HQ_ESCPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "printer.h"

/* The character cell of font A at 1x, in dots (and of a Chinese character: twice as wide). */
#define HQ_ESCPOS_CELL_W 12
#define HQ_ESCPOS_CELL_H 24
/* The printer's default line spacing, in dots (ESC 2). */
#define HQ_ESCPOS_LINE_DOTS 30
/* The QR module size asked for (GS ( k fn 67), unless the symbol would not fit the paper. */
#define HQ_ESCPOS_QR_MODULE 6
/* What a QR code model 2 at error correction M holds at most, in bytes (version 40). */
#define HQ_ESCPOS_QR_MAX 2331

enum hq_escpos_align { HQ_ESCPOS_LEFT, HQ_ESCPOS_CENTER, HQ_ESCPOS_RIGHT };
enum hq_escpos_kind { HQ_ESCPOS_TEXT, HQ_ESCPOS_QR, HQ_ESCPOS_FEED };

struct hq_escpos_item {
	enum hq_escpos_kind kind;
	char *text;                 /* TEXT: one printed line, valid UTF-8; QR: the payload */
	int w, h;                   /* TEXT: magnification 1..8; QR: w = module size in dots */
	enum hq_escpos_align align; /* TEXT and QR */
	bool bold;                  /* TEXT */
	int lines;                  /* FEED: blank lines */
};

struct hq_escpos_layout {
	struct hq_escpos_item *items;
	size_t n;
	int width_dots;
};

/*
 * Lay out a ticket for paper width_dots wide (at least 192). Text is cleaned first: an
 * invalid UTF-8 byte becomes '?', a control character a space (a name must never carry an
 * ESC/POS command). Returns 0, HQ_EINVAL (no ticket, paper too narrow, a URL longer than
 * HQ_ESCPOS_QR_MAX) or HQ_ENOMEM; on failure *out is left empty.
 */
int hq_escpos_layout(const struct hq_print_ticket *t, int width_dots, struct hq_escpos_layout *out);
void hq_escpos_layout_free(struct hq_escpos_layout *l);

/*
 * The bytes for a layout: ESC @, FS &, the items, GS V 66 0. Text goes out in GB18030
 * (iconv); a character iconv cannot convert becomes '?'. Returns 0, HQ_ENOMEM, or HQ_EIO
 * when the system has no GB18030 converter.
 */
int hq_escpos_encode(const struct hq_escpos_layout *l, uint8_t **out, size_t *n);

/* hq_escpos_layout() then hq_escpos_encode(): malloc'd bytes, caller frees. */
int hq_escpos_ticket(const struct hq_print_ticket *t, int width_dots, uint8_t **out, size_t *n);

/* The module size the encoder asks for a payload of len bytes on paper width_dots wide. */
int hq_escpos_qr_module(size_t len, int width_dots);

/* The status request the printer answers at once, even mid-ticket: DLE EOT n, n = 1..4. */
#define HQ_ESCPOS_DLE 0x10
#define HQ_ESCPOS_EOT 0x04

/* Does b have the fixed bits of a DLE EOT answer (bits 1 and 4 set, 0 and 7 clear)? */
bool hq_escpos_status_byte_ok(uint8_t b);

/*
 * The answers to DLE EOT 1 (printer), 2 (offline cause) and 4 (roll paper sensor) into st
 * (online set true). Returns 0, or HQ_EFRAME when a byte lacks the fixed bits (st is then
 * left all false).
 */
int hq_escpos_parse_status(uint8_t n1, uint8_t n2, uint8_t n4, struct hq_printer_status *st);

#endif
