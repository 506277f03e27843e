/*
 * An ESC/POS decoder for the simulated printer and the tests: bytes go in as they arrive,
 * in pieces of any size, and come out as tickets (the printed lines with their size,
 * alignment and weight, the QR code's payload) at each cut. It knows the commands a
 * receipt printer is commonly sent, decodes GB18030 text in Chinese mode (FS &) and
 * code page 437 otherwise, and reports the status requests (DLE EOT n) at once, as a
 * printer answers them in real time. Whatever it does not know or finds malformed becomes
 * an entry in the ticket's errors, never a crash: random bytes are valid input.
 *
 * It is written from the ESC/POS command reference, not from kiosk/escpos.c, so the tests
 * check the builder against an independent reading of the same commands.
 *
 * Ownership: hq_escdec_new() returns a decoder hq_escdec_free() frees (NULL is fine). The
 * ticket handed to the ticket callback, and all it points to, lives until the callback
 * returns; copy what you keep.
 */
#ifndef HQ_ESCPOS_DECODE_H
#define HQ_ESCPOS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hq_escdec_align { HQ_ESCDEC_LEFT, HQ_ESCDEC_CENTER, HQ_ESCDEC_RIGHT };

struct hq_escdec_line {
	char *text;                  /* UTF-8; a byte that did not decode is U+FFFD */
	int w, h;                    /* magnification 1..8, the largest used on the line */
	enum hq_escdec_align align;  /* as it was at the line's first character */
	bool bold;                   /* any of the line was bold */
};

/* Lines that are only spaces, or empty (a bare LF, a feed), are not listed. */
struct hq_escdec_ticket {
	struct hq_escdec_line *lines;
	size_t nlines;
	char *qr;                    /* the payload of the last QR code printed, or NULL */
	int qr_module;               /* its module size (GS ( k fn 67; 3 if never set) */
	bool init;                   /* the ticket began with ESC @ */
	bool cut;                    /* it ended with GS V (false: the stream ended first) */
	size_t bytes;                /* its bytes, the status requests not counted */
	char **errors;               /* "byte N: what", at most HQ_ESCDEC_MAX_ERRORS */
	size_t nerrors;
	size_t errors_dropped;       /* those past the limit */
};

#define HQ_ESCDEC_MAX_ERRORS 32

struct hq_escdec_ops {
	void *ud;
	/* DLE EOT n (n = 1..4) was received: a printer answers now. */
	void (*status)(void *ud, int n);
	/* A byte that belongs to the ticket (not a status request) was received. */
	void (*data)(void *ud);
	/* A ticket ended (a cut, or hq_escdec_finish()). */
	void (*ticket)(void *ud, const struct hq_escdec_ticket *t);
};

/* NULL when out of memory or without iconv's GB18030. ops is copied; any callback may be NULL. */
struct hq_escdec *hq_escdec_new(const struct hq_escdec_ops *ops);
void hq_escdec_free(struct hq_escdec *d);

void hq_escdec_feed(struct hq_escdec *d, const uint8_t *buf, size_t n);
/* Hand over what came since the last cut as a ticket with cut = false (nothing if none). */
void hq_escdec_finish(struct hq_escdec *d);
/* Bytes of the ticket under way (0: nothing since the last cut). */
size_t hq_escdec_pending(const struct hq_escdec *d);

#endif
