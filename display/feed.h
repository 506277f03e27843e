/*
 * The wall display's link to hallqd. Two threads of its own: the follower reads
 * GET /api/v1/events (resuming from the last event id after a break, with a growing pause
 * while hallqd is away), and the refresher reads GET /api/v1/hall after changes (a burst
 * of events becomes one read), every few seconds while all is quiet and every second while
 * hallqd is away. What they learn is handed to the caller's post() callback, from those
 * threads; the display turns each message into an SDL event so that only its main thread
 * ever touches the state.
 *
 * Ownership: hq_feed_start() returns a feed that hq_feed_stop() stops and frees. Every
 * message passed to post() is the receiver's, to free with hq_feed_msg_free().
 */
#ifndef HQ_FEED_H
#define HQ_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "hq_client.h"
#include "state.h"

enum hq_feed_kind {
	HQ_FEED_EVENT,              /* ev: one event of the stream, in order */
	HQ_FEED_HALL,               /* hall: a new snapshot */
	HQ_FEED_LINK,               /* up: hallqd became reachable or not (why says why not) */
	HQ_FEED_CLOCK               /* skew_ms: hallqd's clock minus ours, read at each connect;
				     * server_ms, mono_ms, speed: to run a simulated clock along */
};

struct hq_feed_msg {
	enum hq_feed_kind kind;
	struct hq_devent ev;
	struct hq_hall *hall;
	bool up;
	int64_t skew_ms;
	int64_t server_ms, mono_ms; /* HQ_FEED_CLOCK: hallqd's time and our monotonic one then */
	int speed;                  /* HQ_FEED_CLOCK: hallqd's clock speed (1, or a simulation's) */
	char why[256];
};

struct hq_feed_opts {
	const char *url, *token;
	int replay;                 /* at start, replay this many past events (recent calls) */
	void (*post)(void *ctx, struct hq_feed_msg *m);
	void *ctx;
};

struct hq_feed *hq_feed_start(const struct hq_feed_opts *o);
void hq_feed_stop(struct hq_feed *f);
void hq_feed_msg_free(struct hq_feed_msg *m);

#endif
