/*
 * hallq-sync: forwards one hall's event feed to the region's central PostgreSQL
 * (docs/central.md). Two threads: the follower reads hallqd's event stream from the cursor
 * on and queues the events; the sender takes them from the queue in batches, writes each
 * batch in one transaction, and only once it has committed moves the durable cursor and
 * drops the batch from the queue. Either side being away costs nothing but time: the
 * follower resumes the stream where it left it, the sender keeps its batch and tries again
 * with a backoff doubling from 0.5 s to 30 s. Every --report seconds the sender tells
 * hallqd how far behind the centre is (PUT /api/v1/syncs/NAME), for its /metrics.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hq_client.h"
#include "hq_clock.h"
#include "hq_error.h"
#include "hq_log.h"
#include "hq_sync.h"

#define QUEUE_MAX 20000              /* events held in memory; the follower waits beyond */
#define BATCH_WAIT_MS 100            /* a batch not full goes after this long */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
/* How often a sender with nothing to send touches the hall's last_seen (the boards call a
 * hall out of contact after hallq-central --contact-seconds, 120 by default). */
#define TOUCH_MS 30000

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *server, *token, *central, *state, *ca, *name;
	int batch;
	int report_ms;
};

/* The queue between the follower and the sender: a ring of events, oldest first. */
struct queue {
	pthread_mutex_t lock;
	pthread_cond_t changed;      /* an event came in, or room was made */
	struct hq_sync_event *ev;
	size_t head, n;
	int64_t since;               /* the follower's position: the last event id queued */
	bool full;                   /* the follower stopped for want of room */
};

struct sync {
	struct opts o;
	struct queue q;
	char hall_id[32];
	struct hq_client *follow_cl; /* the follower's; the sender has its own */
};

/* ---- the follower ------------------------------------------------------------------- */

static int on_event(void *ctx, const struct hq_sse_event *e)
{
	struct sync *s = ctx;
	struct queue *q = &s->q;
	struct hq_sync_event ev;

	if (!hq_sync_event_parse(e->data, e->id, e->type, &ev)) {
		hq_log(HQ_LOG_WARN, "event %lld: not an event of the feed; skipped", (long long)e->id);
		return 0;
	}
	ev.recv_ms = hq_mono_ms();
	pthread_mutex_lock(&q->lock);
	if (q->n == QUEUE_MAX) {
		/* Stop the stream rather than hold hallqd's connection still: the follower goes
		 * on from since once the sender has made room. since stays at the last queued. */
		q->full = true;
		pthread_mutex_unlock(&q->lock);
		return 1;
	}
	q->ev[(q->head + q->n) % QUEUE_MAX] = ev;
	q->n++;
	q->since = e->id;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* Sleep ms, or less when stopping. */
static void nap(int64_t ms)
{
	int64_t end = hq_mono_ms() + ms;

	while (!stop && hq_mono_ms() < end)
		usleep(50000);
}

static void *follower(void *arg)
{
	struct sync *s = arg;
	struct queue *q = &s->q;
	int64_t backoff = BACKOFF_MIN_MS, since;
	bool was_down = false;
	int rc;

	while (!stop) {
		pthread_mutex_lock(&q->lock);
		while (q->full && q->n == QUEUE_MAX && !stop) {
			struct timespec ts;

			hq_deadline(&ts, 500);
			pthread_cond_timedwait(&q->changed, &q->lock, &ts);
		}
		q->full = false;
		since = q->since;
		pthread_mutex_unlock(&q->lock);
		/* on_event advances q->since; the client's own copy goes with it. */
		rc = hq_client_follow(s->follow_cl, &since, 0, on_event, s, &stop);
		if (stop)
			break;
		pthread_mutex_lock(&q->lock);
		if (q->full) {
			pthread_mutex_unlock(&q->lock);
			continue;
		}
		pthread_mutex_unlock(&q->lock);
		if (rc == 0) {
			backoff = BACKOFF_MIN_MS;
			continue;
		}
		if (!was_down)
			hq_log(HQ_LOG_WARN, "hallqd's event stream: %s; trying again",
			       hq_client_error(s->follow_cl));
		was_down = true;
		nap(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
		/* A stream that delivered again resets the backoff at its next end. */
		pthread_mutex_lock(&q->lock);
		if (q->since != since)
			was_down = false;
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

/* ---- the hall ----------------------------------------------------------------------- */

/* The hall's time zone, as the centre needs it to cut days and hours as the hall does: TZ
 * (hallq-sync runs beside hallqd, in its zone), else the zone /etc/localtime names. */
static json_t *time_zone(void)
{
	const char *tz = getenv("TZ");
	char link[256];
	ssize_t n;

	if (tz && *tz)
		return json_string(tz[0] == ':' ? tz + 1 : tz);
	n = readlink("/etc/localtime", link, sizeof link - 1);
	if (n > 0) {
		link[n] = '\0';
		if (strstr(link, "zoneinfo/"))
			return json_string(strstr(link, "zoneinfo/") + 9);
	}
	return json_string("");
}

/* GET /api/v1/hall less its live state: what the centre keeps as the hall's config. */
static int fetch_hall(struct hq_client *cl, json_t **out, int64_t *last_event_id)
{
	static const char *const live[] = {"time", "time_ms", "clock_speed", "last_event_id",
					   "counters"};
	static const char *const live_svc[] = {"open", "waiting", "waiting_priority", "est_wait_s",
					       "issued_today", "served_today", "at_cap",
					       "oldest_wait_s"};
	json_t *h = NULL, *sv;
	long status;
	size_t i, j;
	int rc = hq_client_request(cl, "GET", "/api/v1/hall", NULL, NULL, &status, &h);

	if (rc || status != 200 || !json_is_object(h)) {
		json_decref(h);
		return rc ? rc : HQ_ELINK;
	}
	*last_event_id = json_integer_value(json_object_get(h, "last_event_id"));
	if (!out) {
		json_decref(h);
		return 0;
	}
	for (i = 0; i < sizeof live / sizeof live[0]; i++)
		json_object_del(h, live[i]);
	json_array_foreach(json_object_get(h, "services"), i, sv)
		for (j = 0; j < sizeof live_svc / sizeof live_svc[0]; j++)
			json_object_del(sv, live_svc[j]);
	json_object_set_new(h, "timezone", time_zone());
	*out = h;
	return 0;
}

/* ---- the sender --------------------------------------------------------------------- */

struct health {
	int64_t confirmed;           /* the cursor */
	int64_t hall_last;           /* the hall's newest event id, as last seen */
	int64_t caught_up_ms;        /* when the centre last had every event known */
	int64_t next_report_ms;
};

static void report(struct sync *s, struct hq_client *cl, struct hq_central *c, struct health *h)
{
	struct queue *q = &s->q;
	int64_t now = hq_mono_ms(), head_recv = 0, since, last = 0;
	double lag = 0;
	char path[128];
	json_t *body;
	long status;

	if (now < h->next_report_ms)
		return;
	h->next_report_ms = now + s->o.report_ms;
	if (fetch_hall(cl, NULL, &last) == 0 && last > h->hall_last)
		h->hall_last = last;
	pthread_mutex_lock(&q->lock);
	if (q->n)
		head_recv = q->ev[q->head].recv_ms;
	since = q->since;
	pthread_mutex_unlock(&q->lock);
	if (since > h->hall_last)
		h->hall_last = since;
	/* The lag is how long the centre has been without an event the hall has: since the
	 * oldest queued one came in, or, when the stream is behind too, since the centre last
	 * had all. */
	if (head_recv)
		lag = (double)(now - head_recv) / 1000;
	else if (h->confirmed < h->hall_last)
		lag = (double)(now - h->caught_up_ms) / 1000;
	if (!head_recv && h->confirmed >= h->hall_last)
		h->caught_up_ms = now;
	if (lag < 0) /* an event queued after now was read */
		lag = 0;
	snprintf(path, sizeof path, "/api/v1/syncs/%s", s->o.name);
	body = json_pack("{s:f, s:I, s:I, s:b}", "lag_s", lag,
			 "backlog", (json_int_t)(h->hall_last > h->confirmed ? h->hall_last - h->confirmed : 0),
			 "last_confirmed", (json_int_t)h->confirmed, "central_up", hq_central_up(c));
	if (hq_client_request(cl, "PUT", path, body, NULL, &status, NULL) == 0 && status != 204)
		hq_log(HQ_LOG_WARN, "PUT %s: %ld (%s)", path, status, hq_client_error(cl));
	json_decref(body);
}

static int run(struct sync *s)
{
	struct queue *q = &s->q;
	struct hq_client *cl = hq_client_new(s->o.server, s->o.token);
	struct hq_central *c = NULL;
	struct hq_sync_event *batch = calloc((size_t)s->o.batch, sizeof *batch);
	struct health h = {0};
	int64_t backoff = BACKOFF_MIN_MS, confirmed, file_cursor, last, touched_ms;
	json_t *hall = NULL;
	pthread_t th;
	char err[512];
	bool central_was_up = true, started = false;
	int rc = 1;

	if (!cl || !batch || !(s->follow_cl = hq_client_new(s->o.server, s->o.token))) {
		hq_log(HQ_LOG_ERROR, "out of memory");
		goto done;
	}
	hq_client_set_abort(cl, &stop);
	hq_client_set_abort(s->follow_cl, &stop);
	if (hq_sync_cursor_load(s->o.state, &file_cursor, err, sizeof err)) {
		hq_log(HQ_LOG_ERROR, "%s", err);
		goto done;
	}
	/* The hall's id and config: nothing can be sent before them. */
	while (!stop && fetch_hall(cl, &hall, &last)) {
		hq_log(HQ_LOG_WARN, "GET /api/v1/hall: %s; trying again", hq_client_error(cl));
		nap(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	if (stop)
		goto done;
	snprintf(s->hall_id, sizeof s->hall_id, "%s", json_string_value(json_object_get(hall, "id")) ?
		 json_string_value(json_object_get(hall, "id")) : "");
	if (!s->hall_id[0]) {
		hq_log(HQ_LOG_ERROR, "the hall has no id: set [hall] id in its config (docs/config.md)");
		goto done;
	}
	if (!s->o.name)
		s->o.name = s->hall_id;
	if (!(c = hq_central_new(s->o.central, s->hall_id))) {
		hq_log(HQ_LOG_ERROR, "out of memory");
		goto done;
	}
	/* Resume from the cursor; when the centre is reachable now, from what it has, which is
	 * the truth should the file be lost or the centre restored from an older backup. */
	h.confirmed = file_cursor;
	if (hq_central_connect(c, &confirmed) == 0 && confirmed >= 0 && confirmed != file_cursor) {
		hq_log(HQ_LOG_INFO, "the centre has events up to %lld, the cursor says %lld: resuming "
		       "from the centre's", (long long)confirmed, (long long)file_cursor);
		h.confirmed = confirmed;
	}
	h.hall_last = last;
	h.caught_up_ms = hq_mono_ms();
	hq_central_set_hall(c, json_incref(hall));
	q->since = h.confirmed;
	if (pthread_create(&th, NULL, follower, s)) {
		hq_log(HQ_LOG_ERROR, "cannot start the follower thread");
		goto done;
	}
	started = true;
	hq_log(HQ_LOG_INFO, "hall %s: forwarding from event %lld", s->hall_id, (long long)h.confirmed);
	backoff = BACKOFF_MIN_MS;
	touched_ms = hq_mono_ms();
	while (!stop) {
		size_t n = 0, i;
		bool refetch = false;

		report(s, cl, c, &h);
		/* A batch: as many as are queued, up to --batch, once it is full or its oldest has
		 * waited BATCH_WAIT_MS. */
		pthread_mutex_lock(&q->lock);
		if (!q->n || (q->n < (size_t)s->o.batch &&
			      hq_mono_ms() - q->ev[q->head].recv_ms < BATCH_WAIT_MS)) {
			struct timespec ts;
			bool idle = !q->n;

			hq_deadline(&ts, q->n ? BATCH_WAIT_MS / 2 : 200);
			pthread_cond_timedwait(&q->changed, &q->lock, &ts);
			pthread_mutex_unlock(&q->lock);
			/* A hall with nothing to send still says it is there, so that the boards
			 * tell a quiet hall from one out of contact. */
			if (idle && hq_mono_ms() - touched_ms >= TOUCH_MS) {
				touched_ms = hq_mono_ms();
				if (hq_central_connect(c, &confirmed) == 0)
					hq_central_touch(c);
			}
			continue;
		}
		for (n = 0; n < q->n && n < (size_t)s->o.batch; n++)
			batch[n] = q->ev[(q->head + n) % QUEUE_MAX];
		pthread_mutex_unlock(&q->lock);
		/* Events the centre has (a resend after a restart) need not go again. */
		for (i = 0; i < n && batch[i].id <= h.confirmed; i++)
			;
		rc = hq_central_connect(c, &confirmed);
		if (rc == 0 && !central_was_up)
			hq_central_set_hall(c, json_incref(hall));
		if (rc == 0 && i < n)
			rc = hq_central_send(c, batch + i, n - i);
		if (rc) {
			if (central_was_up)
				hq_log(HQ_LOG_WARN, "central database: %s; keeping %zu events and trying again",
				       hq_central_error(c), n);
			central_was_up = false;
			report(s, cl, c, &h);
			nap(backoff);
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		if (!central_was_up)
			hq_log(HQ_LOG_INFO, "central database: back");
		central_was_up = true;
		backoff = BACKOFF_MIN_MS;
		for (i = 0; i < n; i++)
			if (!strcmp(batch[i].type, "config_applied"))
				refetch = true;
		if (batch[n - 1].id > h.confirmed) {
			h.confirmed = batch[n - 1].id;
			if (hq_sync_cursor_save(s->o.state, h.confirmed, err, sizeof err))
				hq_log(HQ_LOG_ERROR, "the cursor: %s (the centre has the events; a restart "
				       "sends them again, harmlessly)", err);
		}
		pthread_mutex_lock(&q->lock);
		q->head = (q->head + n) % QUEUE_MAX;
		q->n -= n;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
		if (refetch) {
			json_t *fresh = NULL;

			if (fetch_hall(cl, &fresh, &last) == 0) {
				json_decref(hall);
				hall = fresh;
				hq_central_set_hall(c, json_incref(hall));
			}
		}
	}
	rc = 0;
done:
	stop = 1;
	if (started)
		pthread_join(th, NULL);
	hq_central_free(c);
	hq_client_free(s->follow_cl);
	hq_client_free(cl);
	json_decref(hall);
	free(batch);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-sync --server URL --central CONNINFO --state FILE [--token TOKEN]\n"
		"                  [--batch N] [--name NAME] [--report SECONDS] [--ca FILE] [-v]\n"
		"Forwards the hall's events to the central PostgreSQL (docs/central.md).\n"
		"  --server: hallqd, http://HOST:PORT or https://HOST:PORT\n"
		"  --central: a libpq connection string, e.g. \"host=county.example.cn dbname=hallq\"\n"
		"  --state: the durable cursor, the last event id the centre confirmed\n"
		"  --token: role sync (or admin); default $HALLQ_TOKEN\n"
		"  --batch: events a transaction, 1 to 5000 (default 500)\n"
		"  --name: the name it reports its health under (default the hall's id)\n"
		"  --report: seconds between health reports to hallqd (default 2)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"server", required_argument, NULL, 's'}, {"token", required_argument, NULL, 't'},
		{"central", required_argument, NULL, 'c'}, {"state", required_argument, NULL, 'f'},
		{"batch", required_argument, NULL, 'b'}, {"name", required_argument, NULL, 'n'},
		{"report", required_argument, NULL, 'r'}, {"ca", required_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	static struct sync s;
	char err[512], *end;
	long n;
	int opt;

	hq_log_init("hallq-sync");
	s.o.token = getenv("HALLQ_TOKEN");
	s.o.ca = getenv("HALLQ_CA");
	s.o.batch = 500;
	s.o.report_ms = 2000;
	while ((opt = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (opt) {
		case 's': s.o.server = optarg; break;
		case 't': s.o.token = optarg; break;
		case 'c': s.o.central = optarg; break;
		case 'f': s.o.state = optarg; break;
		case 'n': s.o.name = optarg; break;
		case 'a': s.o.ca = optarg; break;
		case 'b':
		case 'r':
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end || n < 1 || n > (opt == 'b' ? 5000 : 3600)) {
				fprintf(stderr, "hallq-sync: --%s takes 1 to %d, not '%s'\n",
					opt == 'b' ? "batch" : "report", opt == 'b' ? 5000 : 3600, optarg);
				return 2;
			}
			if (opt == 'b')
				s.o.batch = (int)n;
			else
				s.o.report_ms = (int)n * 1000;
			break;
		case 'v': hq_log_level = HQ_LOG_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!s.o.server || !s.o.central || !s.o.state || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!s.o.token || !*s.o.token) {
		fprintf(stderr, "hallq-sync: no token: give --token or set HALLQ_TOKEN\n");
		return 2;
	}
	if (s.o.name) {
		size_t len = strlen(s.o.name);

		if (!len || len > 32 || s.o.name[strspn(s.o.name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789_.-")]) {
			fprintf(stderr, "hallq-sync: --name is 1 to 32 of A-Z a-z 0-9 _ . -\n");
			return 2;
		}
	}
	if (hq_client_use_ca(s.o.ca, err, sizeof err)) {
		fprintf(stderr, "hallq-sync: %s\n", err);
		return 2;
	}
	if (!(s.q.ev = calloc(QUEUE_MAX, sizeof *s.q.ev))) {
		fprintf(stderr, "hallq-sync: out of memory\n");
		return 1;
	}
	pthread_mutex_init(&s.q.lock, NULL);
	hq_cond_init_mono(&s.q.changed);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	n = run(&s);
	free(s.q.ev);
	return (int)n;
}
