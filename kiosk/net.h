/*
 * The kiosk's link to hallqd: one thread with its own client. It re-reads the hall every
 * couple of seconds (and at once after a ticket), carries out the requests the citizens
 * made (tickets, check-ins, looking a ticket up, reviews), in order, and reports the
 * kiosk's health (its printer) to hallqd.
 *
 * A ticket request or a review is retried under its idempotency key until hallqd answers,
 * however long that takes: a request that timed out may have been carried out already, and
 * only the retry with the same key can tell, without making a second ticket or review.
 * While hallqd does not answer, the thread says so (HQ_KM_LINK) and tries again every
 * second. A look-up changes nothing and a citizen waits for it: it is asked once.
 *
 * Ownership: hq_net_start() returns a link that hq_net_stop() stops and frees. Strings and
 * JSON given to it are copied.
 */
#ifndef HQ_KIOSK_NET_H
#define HQ_KIOSK_NET_H

#include <stdint.h>

#include <jansson.h>

#include "kiosk.h"

struct hq_net_opts {
	const char *url, *token;
	const char *name;           /* the kiosk's name in hallqd's health list */
	int report_s;               /* health report interval */
	hq_kpost_fn post;
	void *ctx;
};

struct hq_net;

struct hq_net *hq_net_start(const struct hq_net_opts *o);
void hq_net_stop(struct hq_net *n);

/* A ticket for service in class ("normal", "priority"), or an appointment check-in by
 * code (service NULL). Answered by HQ_KM_ISSUED or HQ_KM_REFUSED with the same key.
 * Returns 0, HQ_EFULL when 64 requests wait already, HQ_ENOMEM. */
int hq_net_issue(struct hq_net *n, const char *key, const char *service, const char *cls);
int hq_net_checkin(struct hq_net *n, const char *key, const char *code);
/* Today's ticket of that label (as printed, "A012"; letters and digits only), for a review:
 * answered by HQ_KM_FOUND with its status JSON, or HQ_KM_NOT_FOUND (code "offline" when
 * hallqd did not answer). HQ_EINVAL for a label of anything else. */
int hq_net_lookup(struct hq_net *n, const char *key, const char *label);
/* A review (好差评) of ticket id at level 1..5 with reasons (HQ_REASON_ bits), channel kiosk
 * by the kiosk's token: answered by HQ_KM_REVIEWED or HQ_KM_REVIEW_REFUSED with the same key. */
int hq_net_review(struct hq_net *n, const char *key, int64_t ticket, int level, unsigned reasons);
/* Read the hall again soon. */
void hq_net_refresh(struct hq_net *n);
/* The kiosk's health report (PUT /api/v1/kiosks/NAME), sent now and then every report_s. */
void hq_net_health(struct hq_net *n, json_t *report);

#endif
