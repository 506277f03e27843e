/*
 * The health store that the counter units' health (units.c) and the kiosks' (kiosks.c)
 * share: devices report under a name, each report replaces the last, and a name silent for
 * longer than the threshold is stale until it reports again or is deleted. What a report
 * holds is the caller's business; the store keeps it, in name order, behind one mutex.
 * Ages are monotonic: setting the wall clock must not make a whole hall stale. The device
 * facts that electronic supervision judges are gathered here too, one list for both stores.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct hqd_health {
	pthread_mutex_t lock;
	struct hqd_health_entry *v;  /* sorted by name */
	size_t n, max;
	int64_t stale_ms;
	int64_t created;             /* monotonic ms */
	void (*drop)(void *data);
};

struct hqd_health *hqd_health_new(size_t max, int64_t stale_ms, void (*drop)(void *data))
{
	struct hqd_health *h = calloc(1, sizeof *h);

	if (!h || !(h->v = calloc(max, sizeof *h->v))) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->max = max;
	h->stale_ms = stale_ms;
	h->created = hq_mono_ms();
	h->drop = drop;
	return h;
}

bool hqd_health_settled(struct hqd_health *h)
{
	return hq_mono_ms() - h->created > h->stale_ms;
}

bool hqd_device_fact_add(struct hq_device_fact **v, size_t *n, size_t *cap, const struct hq_device_fact *f)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct hq_device_fact *grown = realloc(*v, c * sizeof *grown);

		if (!grown)
			return false;
		*v = grown;
		*cap = c;
	}
	(*v)[(*n)++] = *f;
	return true;
}

void hqd_health_free(struct hqd_health *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++)
		h->drop(h->v[i].data);
	pthread_mutex_destroy(&h->lock);
	free(h->v);
	free(h);
}

bool hqd_health_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= HQD_HEALTH_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static void age(const struct hqd_health *h, struct hqd_health_entry *e, int64_t now)
{
	e->age_ms = now - e->at;
	e->stale = e->age_ms > h->stale_ms;
}

bool hqd_health_put(struct hqd_health *h, const char *name, void *data, struct hqd_health_entry *was)
{
	int64_t now = hq_mono_ms();
	size_t i;
	int cmp = 1;

	memset(was, 0, sizeof *was);
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->n && (cmp = strcmp(h->v[i].name, name)) < 0; i++)
		;
	if (i < h->n && cmp == 0) {
		age(h, &h->v[i], now);
		*was = h->v[i];
	} else if (h->n == h->max) {
		pthread_mutex_unlock(&h->lock);
		return false;
	} else {
		memmove(&h->v[i + 1], &h->v[i], (h->n - i) * sizeof h->v[0]);
		memset(&h->v[i], 0, sizeof h->v[i]);
		snprintf(h->v[i].name, sizeof h->v[i].name, "%s", name);
		h->n++;
	}
	h->v[i].at = now;
	h->v[i].data = data;
	pthread_mutex_unlock(&h->lock);
	return true;
}

bool hqd_health_delete(struct hqd_health *h, const char *name)
{
	void *data = NULL;
	size_t i;
	bool found;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->n && strcmp(h->v[i].name, name); i++)
		;
	found = i < h->n;
	if (found) {
		data = h->v[i].data;
		memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof h->v[0]);
		h->n--;
	}
	pthread_mutex_unlock(&h->lock);
	if (found)
		h->drop(data);
	return found;
}

void hqd_health_walk(struct hqd_health *h,
		     void (*fn)(const struct hqd_health_entry *e, size_t n, void *arg), void *arg)
{
	int64_t now = hq_mono_ms();
	size_t i;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->n; i++)
		age(h, &h->v[i], now);
	fn(h->v, h->n, arg);
	pthread_mutex_unlock(&h->lock);
}
