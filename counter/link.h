/*
 * The gateway's link to hallqd: what each counter should show (kept up to date by
 * following the event stream and re-reading the hall after each change, so a call made at
 * another program shows on the unit too), and carrying out key presses as counter
 * operations. Two threads of its own: the event follower and the refresher, which also
 * sends the periodic health report the caller builds.
 *
 * Ownership: hq_link_start() returns a link that hq_link_stop() stops and frees.
 */
#ifndef HQ_LINK_H
#define HQ_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bus.h"
#include "gateway.h"
#include "hq_client.h"

struct hq_link;

struct hq_link_opts {
	const char *url, *token;
	int brightness;             /* what every unit is told, 0..100 */
	long report_ms;             /* health report period; 0: none */
	/* Builds the health report (PUT body) and its path; called by the refresher. */
	json_t *(*report)(void *ctx, char *path, size_t n);
	void *report_ctx;
};

struct hq_link *hq_link_start(const struct hq_link_opts *o);
void hq_link_stop(struct hq_link *l);

/* What counter `number` should show now. */
void hq_link_view(struct hq_link *l, int number, struct hq_cshow *out);
/* Whether hallqd answered the last request or stream (a press is not tried while not). */
int hq_link_up(struct hq_link *l);
/* Wait up to timeout_ms for the views to change after *version; updates *version. */
void hq_link_wait(struct hq_link *l, uint64_t *version, int timeout_ms);
/* Read the hall again and wait (at most timeout_ms) until that read is in. */
void hq_link_sync(struct hq_link *l, int timeout_ms);
/* The hall's name and a counter's, for the terminal counter ("" until known). */
void hq_link_names(struct hq_link *l, int number, char *hall, size_t hn, char *counter, size_t cn);

/*
 * Carry out a key press at a counter through cl (one client per calling thread); for the
 * satisfaction key (10) arg is the level 1..5. Returns HQ_GW_DONE when hallqd did it (or
 * there was nothing to do: nobody waiting), HQ_GW_REFUSED when hallqd refused it for good
 * (4xx; *summary says why) and HQ_GW_RETRY when it could not be reached or failed inside
 * (5xx). The sign-in's keys (11, 12) are not presses: see hq_link_sign_in.
 */
enum hq_gw_press hq_link_press(struct hq_link *l, struct hq_client *cl, int counter, int key,
			       int arg, const char *idem, char *summary, size_t n);

/*
 * Sign a clerk in at a counter with their PIN (POST /api/v1/counters/{n}/sign-in, body
 * {"clerk", "pin"}). Returns as hq_link_press: HQ_GW_REFUSED for an unknown clerk or a
 * wrong PIN (403 signin) or any other 4xx. The PIN never appears in *summary, even when
 * hallqd's answer quotes it.
 */
enum hq_gw_press hq_link_sign_in(struct hq_link *l, struct hq_client *cl, int counter,
				 const char *clerk, const char *pin, const char *idem,
				 char *summary, size_t n);

#endif
