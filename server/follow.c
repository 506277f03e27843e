/*
 * A citizen's ticket stream (GET /api/v1/tickets/{id}/events): the status page on a phone
 * follows its ticket with it instead of polling. It needs no token, so it tells nothing but
 * that something changed: each event of the hall that may change the ticket's status
 * becomes a bare "change" with the event's id and type, and the page fetches its ticket
 * again. The events come from the hub as they are (hqd_hub_read_events) and are picked here,
 * on the connection thread; the worker is asked only where the ticket stands, at the start
 * and after an event that may have moved it. Each stream holds a thread, so their number is
 * capped (hallqd --ticket-streams).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* At most this many events a read: their frames fit a stream's block of 4 KiB. */
#define PAGE 16

/* What a public ticket stream follows: the ticket asked for and where it stands now
 * (itself, or the ticket it was transferred to), as of the last look at the queue. */
struct hqd_follow {
	char ref[64];                /* the path's: an id, or a label of today */
	int64_t first;               /* its ticket */
	int64_t latest;
	char service[HQ_KEY_MAX];    /* the latest's */
	int target_counter;          /* it waits for this counter by name; 0 any */
	bool ended;                  /* done, no-show, cancelled: only its own events matter */
	int ncounters;               /* the counters that serve its service */
	int counters[HQ_MAX_COUNTERS];
};

/* The queue's look at a followed ticket (on the worker): where it stands now, and which
 * counters serve its queue. */
static int look(struct hq_queue *q, void *arg)
{
	struct hqd_follow *f = arg;
	const struct hq_config *cfg = hq_queue_config(q);
	struct hq_ticket t;
	int si, rc;

	if ((rc = hq_queue_ticket_latest(q, f->first, &t)))
		return rc;
	f->latest = t.id;
	snprintf(f->service, sizeof f->service, "%s", t.service);
	f->target_counter = t.state == HQ_T_WAITING ? t.target_counter : 0;
	f->ended = t.state >= HQ_T_DONE;
	f->ncounters = 0;
	si = cfg ? hq_config_service_index(cfg, t.service) : -1;
	for (size_t i = 0; si >= 0 && i < cfg->ncounters; i++)
		for (int j = 0; j < cfg->counters[i].nservices; j++)
			if (cfg->counters[i].services[j] == si)
				f->counters[f->ncounters++] = cfg->counters[i].number;
	return HQ_OK;
}

/* The ticket of the path, by id or a label of today, then its look. */
static int find(struct hq_queue *q, void *arg)
{
	struct hqd_follow *f = arg;
	int rc;

	if ((rc = hq_queue_find(q, f->ref, &f->first)))
		return rc;
	return look(q, f);
}

/*
 * May this event change what the followed ticket's page shows? An event of the ticket
 * itself (or of the one it was asked as), and while it is open, any event of its queue
 * (people ahead, the estimate), of the counters that serve it (their pauses change the
 * estimate) or of the counter it waits for by name; the day's close and a new config.
 */
static bool concerns(const struct hqd_follow *f, const struct hq_event *e)
{
	if (e->ticket_id && (e->ticket_id == f->latest || e->ticket_id == f->first))
		return true;
	if (!strcmp(e->type, "day_closed") || !strcmp(e->type, "config_applied"))
		return true;
	if (f->ended || !strncmp(e->type, "alert_", 6))
		return false;
	if (e->service[0] && !strcmp(e->service, f->service))
		return true;
	if (e->counter && e->counter == f->target_counter)
		return true;
	for (int i = 0; !e->ticket_id && e->counter && i < f->ncounters; i++)
		if (f->counters[i] == e->counter)
			return true;
	return false;
}

/* The ticket stream's frames for a run of events: "change" and the event's id and type,
 * nothing of whose ticket it was. Looks again at the ticket after an event of its own (a
 * transfer moves it) or a new config. Returns the bytes written. */
static size_t frames(struct hqd *srv, struct hqd_follow *f, const struct hq_event *ev, int n,
		     int64_t *cursor, char *buf, size_t max)
{
	size_t used = 0;

	for (int i = 0; i < n; i++) {
		if (concerns(f, &ev[i])) {
			int w = snprintf(buf + used, max - used, "id: %lld\nevent: change\n"
					 "data: {\"event_id\": %lld, \"type\": \"%s\"}\n\n",
					 (long long)ev[i].id, (long long)ev[i].id, ev[i].type);

			/* A frame is under 100 bytes and a read at most PAGE events: never. */
			if (w < 0 || (size_t)w >= max - used)
				break;
			used += (size_t)w;
			if ((ev[i].ticket_id && ev[i].ticket_id == f->latest) ||
			    !strcmp(ev[i].type, "config_applied"))
				hqd_worker_call(srv->worker, look, f);
		}
		*cursor = ev[i].id;
	}
	return used;
}

/* Events after `since` from the database, for a stream further behind than the hub. */
long hqd_follow_read(struct hqd *srv, struct hqd_follow *f, int64_t *cursor, char *buf, size_t max)
{
	int64_t until = hq_mono_us() / 1000 + srv->heartbeat_ms;
	struct hq_event ev[PAGE];

	for (;;) {
		int64_t left = until - hq_mono_us() / 1000;
		size_t used = 0;
		int n;

		if (left <= 0) {
			snprintf(buf, max, ": ping\n\n");
			return (long)strlen(buf);
		}
		n = hqd_hub_read_events(srv->hub, cursor, ev, PAGE, (int)left);
		if (n == -1)
			return -1;
		if (n == -2) {
			/* Further back than the hub keeps (a phone back after a long sleep, or
			 * ?since=1). The page wants only to know that something changed, so one
			 * change stands for all it missed and the stream goes on from the newest:
			 * paging the history out of the database would let anyone without a token
			 * keep the worker busy. */
			*cursor = hqd_hub_last(srv->hub);
			hqd_worker_call(srv->worker, look, f);
			snprintf(buf, max, "id: %lld\nevent: change\ndata: {\"event_id\": %lld, \"type\": \"resync\"}\n\n",
				 (long long)*cursor, (long long)*cursor);
			return (long)strlen(buf);
		}
		if (n > 0)
			used = frames(srv, f, ev, n, cursor, buf, max);
		if (used)
			return (long)used;
	}
}

struct hqd_follow *hqd_follow_start(struct hqd_req *r)
{
	struct hqd *srv = r->srv;
	struct hqd_follow *f;
	int rc;

	if (!hqd_hub_ticket_streams(srv->hub, 1, srv->ticket_streams_max)) {
		r->retry_after = 30;
		hqd_error(r, 503, "busy", "%d ticket streams are open, as many as this hall serves; "
			  "fetch the ticket instead, or try again later", srv->ticket_streams_max);
		return NULL;
	}
	if (!(f = calloc(1, sizeof *f))) {
		hqd_hub_ticket_streams(srv->hub, -1, 0);
		hqd_error(r, 500, "nomem", "out of memory");
		return NULL;
	}
	snprintf(f->ref, sizeof f->ref, "%s", r->args[0]);
	if ((rc = hqd_worker_call(srv->worker, find, f))) {
		hqd_follow_free(srv, f);
		if (rc == HQ_EDB || rc == HQ_EBUSY || rc == HQ_ENOMEM || rc == HQ_EIO)
			hqd_error(r, 503, hq_err_name(rc), "the queue did not answer: %s", hq_strerror(rc));
		else
			hqd_error(r, 404, "noticket", "no ticket '%s'", r->args[0]);
		return NULL;
	}
	return f;
}

void hqd_follow_free(struct hqd *srv, struct hqd_follow *f)
{
	if (!f)
		return;
	hqd_hub_ticket_streams(srv->hub, -1, 0);
	free(f);
}
