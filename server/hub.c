/*
 * The event stream's fan-out. The worker publishes each new event once, as a ready SSE
 * frame, into a ring; every subscriber's connection thread copies frames from it at its own
 * pace. A subscriber further behind than the ring (a display resuming after an hour) reads
 * the old events from the database instead. The ring also keeps each event as it is, for
 * the public ticket streams, which pick the few that concern their ticket (hallqd.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define RING 4096

struct hqd_hub {
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* monotonic, for the readers' timed waits */
	char *frame[RING];
	size_t flen[RING];
	struct hq_event ev[RING];    /* the events of the frames; id 0 in a slot never used */
	int64_t last;                /* id of the newest event published */
	int64_t first;               /* id of the oldest event still in the ring */
	bool shutdown;
	int subscribers;
	int ticket_streams;
};

struct hqd_hub *hqd_hub_new(void)
{
	struct hqd_hub *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	if (hq_cond_init_mono(&h->cond)) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->first = 1;
	return h;
}

void hqd_hub_free(struct hqd_hub *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < RING; i++)
		free(h->frame[i]);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void hqd_hub_start(struct hqd_hub *h, int64_t last_id)
{
	pthread_mutex_lock(&h->lock);
	h->last = last_id;
	h->first = last_id + 1;
	pthread_mutex_unlock(&h->lock);
}

void hqd_hub_publish(struct hqd_hub *h, const struct hq_event *ev, int n)
{
	int i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < n; i++) {
		size_t slot = (size_t)(ev[i].id % RING);
		char *f;

		if (ev[i].id <= h->last)
			continue;
		if (!(f = hqd_event_frame(&ev[i])))
			continue;
		free(h->frame[slot]);
		h->frame[slot] = f;
		h->flen[slot] = strlen(f);
		h->ev[slot] = ev[i];
		/* Ids can have holes (a rolled-back batch); the ring holds the newest RING ids. */
		h->last = ev[i].id;
		if (h->last - h->first >= RING)
			h->first = h->last - RING + 1;
	}
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

void hqd_hub_shutdown(struct hqd_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->shutdown = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

int64_t hqd_hub_last(struct hqd_hub *h)
{
	int64_t v;

	pthread_mutex_lock(&h->lock);
	v = h->last;
	pthread_mutex_unlock(&h->lock);
	return v;
}

int hqd_hub_subscribers(struct hqd_hub *h, int delta)
{
	int v;

	pthread_mutex_lock(&h->lock);
	h->subscribers += delta;
	v = h->subscribers;
	pthread_mutex_unlock(&h->lock);
	return v;
}

bool hqd_hub_ticket_streams(struct hqd_hub *h, int delta, int max)
{
	bool ok;

	pthread_mutex_lock(&h->lock);
	ok = h->ticket_streams + delta <= max;
	if (ok || delta < 0)
		h->ticket_streams += delta;
	pthread_mutex_unlock(&h->lock);
	return ok;
}

/* Wait until there is something after *cursor, the hub shuts down or timeout_ms passes,
 * with h->lock held: -1 shutdown, 0 nothing, -2 too far behind, 1 something to read. */
static int wait_locked(struct hqd_hub *h, int64_t *cursor, int timeout_ms)
{
	struct timespec until;

	hq_deadline(&until, timeout_ms);
	while (!h->shutdown && *cursor >= h->last)
		if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
			break;
	if (h->shutdown)
		return -1;
	if (*cursor >= h->last)
		return 0;
	if (*cursor + 1 < h->first)
		return -2;
	return 1;
}

int hqd_hub_read_events(struct hqd_hub *h, int64_t *cursor, struct hq_event *ev, int max, int timeout_ms)
{
	int64_t id;
	int n = 0, rc;

	pthread_mutex_lock(&h->lock);
	if ((rc = wait_locked(h, cursor, timeout_ms)) == 1) {
		for (id = *cursor + 1; id <= h->last && n < max; id++) {
			size_t slot = (size_t)(id % RING);

			/* A hole in the ids, or a slot since reused: skip it. */
			if (h->ev[slot].id == id)
				ev[n++] = h->ev[slot];
			*cursor = id;
		}
		rc = n;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

long hqd_hub_read(struct hqd_hub *h, int64_t *cursor, char *buf, size_t len, int timeout_ms)
{
	size_t used = 0;
	int64_t id;
	long rc;

	pthread_mutex_lock(&h->lock);
	if ((rc = wait_locked(h, cursor, timeout_ms)) == 1) {
		for (id = *cursor + 1; id <= h->last; id++) {
			size_t slot = (size_t)(id % RING);

			/* A hole in the ids, or a slot since reused: skip it. */
			if (!h->frame[slot] || strtoll(h->frame[slot] + 4, NULL, 10) != id)
				continue;
			if (used + h->flen[slot] > len)
				break;
			memcpy(buf + used, h->frame[slot], h->flen[slot]);
			used += h->flen[slot];
			*cursor = id;
		}
		if (id > h->last)
			*cursor = h->last;
		rc = (long)used;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
