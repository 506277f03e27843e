/*
 * The kiosk's ticket printer behind one handle, chosen by a spec string: an ESC/POS
 * thermal printer on a serial line ("serial:PORT:BAUD"), a file the ticket's ESC/POS bytes
 * are appended to ("file:PATH", for halls without a printer and for tests), or no printer
 * at all ("none"). The bytes themselves are built by escpos.h; this file only moves them
 * and asks the printer how it is (DLE EOT, ESC/POS "Transmit real-time status").
 *
 * As with the serial port, a handle outlives its device: a serial printer whose USB
 * adapter was unplugged answers nothing, the port is closed, and the next call opens it
 * again, so the kiosk just keeps asking.
 *
 * Ownership: hq_printer_new() returns a handle that hq_printer_free() frees (NULL is
 * fine). The ticket passed to hq_printer_print() stays the caller's; nothing keeps a
 * pointer into it. Strings returned by hq_printer_kind(), hq_printer_error() and
 * hq_printer_state_name() belong to the library (the error text lives until the next call
 * on the same handle).
 */
#ifndef HQ_PRINTER_H
#define HQ_PRINTER_H

#include <stdbool.h>
#include <stddef.h>

/* 80 mm paper: 72 mm printable at 203 dpi (8 dots/mm). */
#define HQ_PRINTER_DOTS 576
/* How long a serial printer has to answer a status request. */
#define HQ_PRINTER_STATUS_MS 300

struct hq_printer_status {
	bool online;          /* the printer answered */
	bool paper_out, paper_near_end, cover_open, error;  /* error: cutter/unrecoverable/auto-recoverable error bits */
};

struct hq_print_ticket {          /* what goes on paper; all strings UTF-8, NULL or "" = leave out */
	const char *hall, *hall_en;
	const char *label;            /* "B012" printed at quadruple size (GS ! 0x33), centred */
	const char *service, *service_en;
	const char *cls;              /* e.g. "优先 Priority · 老年人", "预约 Appointment", NULL for normal */
	const char *issued;           /* "2026-11-23 10:02" */
	int people_ahead;             /* -1: leave out */
	int est_wait_min;             /* -1: leave out; 0: "马上就到" */
	int est_range_min[2];         /* with est_wait_min >= 0, the hall's 80% range in minutes
				       * to print instead (hq_est_range_minutes: "约 15–25 分钟",
				       * high <= 1 "不到 1 分钟"); {0, 0}: none, the point */
	bool no_counter;              /* no counter serves the service now, so there is no
				       * estimate: the no-counter words, and never a wait */
	const char *opens_at;         /* with no_counter: "HH:MM" when its hours open later
				       * today ("约 HH:MM 后开始办理"), NULL or "" otherwise */
	const char *url;              /* QR payload (the ticket's status URL) */
	const char *footer;           /* a line at the bottom */
	bool en;                      /* add the English lines */
};

struct hq_printer;

/*
 * "serial:PORT:BAUD" (split on the last ':'; BAUD 9600, 19200, 38400, 57600 or 115200),
 * "file:PATH" or "none". NULL with err set on a bad spec. Nothing is opened yet: a serial
 * port is opened by the first status or print, a file at each print.
 */
struct hq_printer *hq_printer_new(const char *spec, char *err, size_t errn);
void hq_printer_free(struct hq_printer *p);

const char *hq_printer_kind(const struct hq_printer *p); /* "serial", "file", "none" */
const char *hq_printer_error(const struct hq_printer *p);/* detail of the last failure */

/*
 * Ask the printer how it is. serial: opens the port when closed, drops stale input, sends
 * DLE EOT 1, 2 and 4 and reads the three answers; no answer within HQ_PRINTER_STATUS_MS
 * gives online = false, HQ_ELINK and a closed port (the next call reopens it). An answer
 * without the fixed bits of a status byte gives online = false and HQ_EFRAME. A printer
 * that says it is offline without saying why counts as error. file: always online and
 * clear. none: online = false, returns 0.
 */
int hq_printer_status(struct hq_printer *p, struct hq_printer_status *st);

/*
 * Print one ticket (hq_escpos_ticket at HQ_PRINTER_DOTS). serial: writes every byte and
 * waits until they have left; HQ_ELINK when the line is down (the port is closed).
 * file: appends to PATH, HQ_EIO with the path and reason on failure. none: HQ_EINVAL.
 * It does not ask the status first: call hq_printer_status() and hq_printer_ready().
 */
int hq_printer_print(struct hq_printer *p, const struct hq_print_ticket *t);

/* 1 when a ticket can be printed now: online && !paper_out && !cover_open && !error */
int hq_printer_ready(const struct hq_printer_status *st);
/* "offline", "cover_open", "paper_out", "error", "near_end" or "ok": the first that applies. */
const char *hq_printer_state_name(const struct hq_printer_status *st);

#endif
