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

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *frame[RING];
	size_t flen[RING];
	int64_t last;        /* id of the newest event published */
	int64_t first;       /* id of the oldest event still in the ring */
	bool shutdown;
	int subscribers;
} hub = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

void hqd_hub_init(int64_t last_id)
{
	pthread_cond_destroy(&hub.cond);
	hq_cond_init_mono(&hub.cond);
	hub.last = last_id;
	hub.first = last_id + 1;
}

void hqd_hub_publish(const struct hq_event *ev, int n)
{
	int i;

	pthread_mutex_lock(&hub.lock);
	for (i = 0; i < n; i++) {
		size_t slot = (size_t)(ev[i].id % RING);
		char *f;

		if (ev[i].id <= hub.last)
			continue;
		if (!(f = hqd_event_frame(&ev[i])))
			continue;
		free(hub.frame[slot]);
		hub.frame[slot] = f;
		hub.flen[slot] = strlen(f);
		/* Ids can have holes (a rolled-back batch); the ring holds the newest RING ids. */
		hub.last = ev[i].id;
		if (hub.last - hub.first >= RING)
			hub.first = hub.last - RING + 1;
	}
	pthread_cond_broadcast(&hub.cond);
	pthread_mutex_unlock(&hub.lock);
}

void hqd_hub_shutdown(void)
{
	pthread_mutex_lock(&hub.lock);
	hub.shutdown = true;
	pthread_cond_broadcast(&hub.cond);
	pthread_mutex_unlock(&hub.lock);
}

int64_t hqd_hub_last(void)
{
	int64_t v;

	pthread_mutex_lock(&hub.lock);
	v = hub.last;
	pthread_mutex_unlock(&hub.lock);
	return v;
}

int hqd_hub_subscribers(int delta)
{
	int v;

	pthread_mutex_lock(&hub.lock);
	hub.subscribers += delta;
	v = hub.subscribers;
	pthread_mutex_unlock(&hub.lock);
	return v;
}

long hqd_hub_read(int64_t *cursor, char *buf, size_t len, int timeout_ms)
{
	struct timespec until;
	size_t used = 0;
	int64_t id;
	long rc;

	hq_deadline(&until, timeout_ms);
	pthread_mutex_lock(&hub.lock);
	while (!hub.shutdown && *cursor >= hub.last)
		if (pthread_cond_timedwait(&hub.cond, &hub.lock, &until) == ETIMEDOUT)
			break;
	if (hub.shutdown) {
		rc = -1;
	} else if (*cursor >= hub.last) {
		rc = 0;
	} else if (*cursor + 1 < hub.first) {
		rc = -2;
	} else {
		for (id = *cursor + 1; id <= hub.last; id++) {
			size_t slot = (size_t)(id % RING);

			/* A hole in the ids, or a slot since reused: skip it. */
			if (!hub.frame[slot] || strtoll(hub.frame[slot] + 4, NULL, 10) != id)
				continue;
			if (used + hub.flen[slot] > len)
				break;
			memcpy(buf + used, hub.frame[slot], hub.flen[slot]);
			used += hub.flen[slot];
			*cursor = id;
		}
		if (id > hub.last)
			*cursor = hub.last;
		rc = (long)used;
	}
	pthread_mutex_unlock(&hub.lock);
	return rc;
}
