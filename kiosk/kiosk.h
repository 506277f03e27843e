/*
 * What the kiosk's threads tell its main thread. The network thread (net.c) talks to
 * hallqd and the printer thread (printq.c) to the ticket printer; neither touches the
 * screen or the spool. Each result becomes one struct hq_kmsg, handed to the post()
 * callback given at start, which the kiosk turns into an SDL event so that only the main
 * thread ever changes what the citizen sees and what the spool keeps.
 *
 * Ownership: a message passed to post() is the receiver's, to free with hq_kmsg_free()
 * (it frees the hall snapshot and the ticket inside).
 */
#ifndef HQ_KIOSK_H
#define HQ_KIOSK_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "hq_client.h"
#include "printer.h"

#define HQ_IDEM_KEY_MAX 64           /* an idempotency key, "kiosk-NAME-RUN-SEQ" */

enum hq_kmsg_kind {
	HQ_KM_HALL,             /* hall: a new snapshot of the hall */
	HQ_KM_LINK,             /* up: hallqd answers or not; why says why not */
	HQ_KM_ISSUED,           /* key, ticket: hallqd issued (or replayed) the ticket */
	HQ_KM_REFUSED,          /* key, status, code, why: hallqd said no (closed, cap, bad code) */
	HQ_KM_PRINTER,          /* pst: the printer's state changed (or was first read) */
	HQ_KM_PRINTED,          /* key: the ticket is on paper */
	HQ_KM_NOT_PRINTED,      /* key, pst, why: the ticket could not be printed */
	HQ_KM_FOUND,            /* key, ticket: the ticket a citizen typed, as its status says */
	HQ_KM_NOT_FOUND,        /* key, status, code, why: no such ticket today; or status 0 and
				 * code "offline": hallqd did not answer, or failed */
	HQ_KM_REVIEWED,         /* key, ticket (the review): hallqd took (or replayed) the review */
	HQ_KM_REVIEW_REFUSED    /* key, status, code, why: hallqd said no (rated, state) */
};

struct hq_kmsg {
	enum hq_kmsg_kind kind;
	struct hq_hall *hall;
	bool up;
	char key[HQ_IDEM_KEY_MAX];
	json_t *ticket;             /* the ticket; HQ_KM_REVIEWED: the review */
	long status;
	char code[32];
	char why[256];
	struct hq_printer_status pst;
};

typedef void (*hq_kpost_fn)(void *ctx, struct hq_kmsg *m);

struct hq_kmsg *hq_kmsg_new(enum hq_kmsg_kind kind);
void hq_kmsg_free(struct hq_kmsg *m);

#endif
