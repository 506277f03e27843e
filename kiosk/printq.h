/*
 * The kiosk's printer thread: tickets are printed here, one after another, so a slow
 * serial line never holds up the screen. Before each ticket it asks the printer for its
 * status (DLE EOT) and prints only when the printer can; between tickets it asks every
 * couple of seconds, so the screen and hallqd learn of a paper-out or an opened cover
 * before the next citizen touches, and of the printer being back.
 *
 * Results go to the main thread as messages (kiosk.h): HQ_KM_PRINTER on a change of state,
 * HQ_KM_PRINTED or HQ_KM_NOT_PRINTED for each ticket. A ticket that was not printed is the
 * main thread's to keep (in the spool) and to hand back once the printer is ready.
 *
 * Ownership: hq_printq_start() takes the printer; hq_printq_stop() stops the thread and
 * frees both. Jobs are copied.
 */
#ifndef HQ_KIOSK_PRINTQ_H
#define HQ_KIOSK_PRINTQ_H

#include "kiosk.h"
#include "printer.h"

struct hq_pjob {
	char key[HQ_IDEM_KEY_MAX];
	char hall[128], hall_en[128];
	char label[16], service[128], service_en[128];
	char cls[128], issued[32], url[320], footer[256];
	int ahead, wait_min;        /* -1: leave out (a reprint: the figures are old) */
	int range_min[2];           /* the range in minutes instead of wait_min; {0, 0}: none */
	bool no_counter;            /* no estimate: no counter was open (hq_print_ticket) */
	char opens_at[6];           /* with no_counter: "HH:MM", or "" */
	bool en;
};

struct hq_printq_opts {
	int poll_ms;                /* status between tickets */
	const char *preview_dir;    /* NULL, or save a PNG of each ticket there */
	const char *font_path;      /* for the preview */
	int font_index;
	hq_kpost_fn post;
	void *ctx;
};

struct hq_printq;

struct hq_printq *hq_printq_start(struct hq_printer *p, const struct hq_printq_opts *o);
void hq_printq_stop(struct hq_printq *q);
/* Returns 0, or HQ_EFULL when 256 tickets wait already. */
int hq_printq_add(struct hq_printq *q, const struct hq_pjob *j);
/* Ask the printer for its state now (a PRINTER message follows if it changed). */
void hq_printq_check(struct hq_printq *q);

#endif
