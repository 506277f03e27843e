/*
 * The event stream's fan-out. The worker publishes each new event once, as a ready SSE
 * frame, into a ring; every subscriber's connection thread copies frames from it at its own
 * pace. A subscriber further behind than the ring (a display resuming after an hour) reads
 * the old events from the database instead.
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
	int64_t last;                /* id of the newest event published */
	int64_t first;               /* id of the oldest event still in the ring */
	bool shutdown;
	int subscribers;
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

long hqd_hub_read(struct hqd_hub *h, int64_t *cursor, char *buf, size_t len, int timeout_ms)
{
	struct timespec until;
	size_t used = 0;
	int64_t id;
	long rc;

	hq_deadline(&until, timeout_ms);
	pthread_mutex_lock(&h->lock);
	while (!h->shutdown && *cursor >= h->last)
		if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
			break;
	if (h->shutdown) {
		rc = -1;
	} else if (*cursor >= h->last) {
		rc = 0;
	} else if (*cursor + 1 < h->first) {
		rc = -2;
	} else {
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
