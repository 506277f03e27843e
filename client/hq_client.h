/*
 * The hallqd client: what every program that is not the server (counter gateway, wall
 * display, kiosk, simulator) uses to talk to it over HTTP. One struct hq_client per thread
 * (a libcurl easy handle keeps its connection alive between requests; handles are not
 * shared between threads). Requests never hang: every transfer has a connect timeout and a
 * total timeout, and the event stream notices a dead server by its missing heartbeat.
 *
 * Errors: HQ_ELINK when the server could not be reached or did not answer in time (the
 * caller retries later, with the same idempotency key), otherwise the HTTP status says how
 * the server judged the request. hq_client_error() keeps the detail for the caller's log.
 *
 * Ownership: hq_client_new() returns a client that hq_client_free() frees (NULL is fine).
 * Answers returned as json_t are the caller's, to json_decref(); struct hq_hall from
 * hq_client_hall() is freed with hq_hall_free().
 */
#ifndef HQ_CLIENT_H
#define HQ_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hq_hall.h"

struct hq_client;

/*
 * TLS: an https:// base URL is verified, always: the server's certificate must chain to a
 * trusted CA and name the URL's host. The CA is the system's, or the one of this PEM file
 * (a program's --ca FILE or HALLQ_CA) for every client made afterwards; NULL or "" keeps
 * the system's. Checks that the file can be read and holds a certificate: HQ_EINVAL with
 * the reason in err when not. Call it from main before any thread starts, like
 * curl_global_init: the clients of a program all talk to the one hallqd.
 */
int hq_client_use_ca(const char *ca_file, char *err, size_t errlen);

struct hq_client *hq_client_new(const char *base_url, const char *token);
void hq_client_free(struct hq_client *cl);
/* Per-request limits in milliseconds (defaults: connect 1000, total 3000). */
void hq_client_set_timeouts(struct hq_client *cl, long connect_ms, long total_ms);
/* Give up any request in progress (within a second) once *stop becomes non-zero, as a
 * program that is shutting down wants; NULL turns it off. */
void hq_client_set_abort(struct hq_client *cl, volatile const int *stop);
/* The last error, e.g. "http://127.0.0.1:8080: Connection refused" or
 * "409 state: counter has no current ticket". */
const char *hq_client_error(const struct hq_client *cl);

/*
 * One request. body may be NULL; idem_key, when not NULL, goes in Idempotency-Key. On a
 * server answer returns 0 with *status set and *answer the parsed JSON body (NULL for an
 * empty or non-JSON body; answer may be NULL when the caller does not want it). Returns
 * HQ_ELINK when there was no answer, HQ_ENOMEM when out of memory.
 */
int hq_client_request(struct hq_client *cl, const char *method, const char *path,
		      json_t *body, const char *idem_key, long *status, json_t **answer);

/* The hall as GET /api/v1/hall tells it (the parts the programs need). */
struct hq_hall_service {
	char key[32];
	char name[128], name_en[128];
	char prefix[4];
	bool open, at_cap;
	int waiting, waiting_priority;
	int est_wait_s;             /* for a ticket taken now (its class on a priority lane);
				       HQ_EST_NONE when no counter serving it is open */
	int est_range_s[2];         /* est_wait_s's 80% range [low, high] in seconds;
				       HQ_EST_NONE, HQ_EST_NONE when null or not sent (an older
				       server). There is none for est_wait_priority_s. */
	int est_wait_priority_s;    /* for a priority ticket taken now; HQ_EST_NONE likewise */
	int64_t est_opens_at;       /* with HQ_EST_NONE: when its hours open later today, else 0 */
	int issued_today, served_today;
	bool priority_lane;         /* every ticket of the service is a priority ticket */
	char hours[64];             /* opening hours as the config writes them: "08:30-12:00, 13:30-17:30" */
};

struct hq_hall_counter {
	int number;
	char name[128], name_en[128];
	int state;                  /* enum hq_cstate: 0 open, 1 paused, 2 closed */
	char serving[16];           /* label of the called or served ticket, "" if none */
	int services[16];           /* indexes into hq_hall.services */
	int nservices;
	int waiting;                /* people waiting for any of its services */
};

struct hq_hall {
	char name[128], name_en[128];
	char notice[512];
	bool lang_en;
	int64_t last_event_id;
	int64_t time_ms;            /* hallqd's clock when it answered (0 from an old hallqd) */
	int clock_speed;            /* 1, or N under hallqd --speed N */
	bool estimate_range;        /* "estimate_display": "range": show est_range_s where there
				       is one (hq_est_range_minutes); false for "point" and from
				       an older server, which sends none */
	struct hq_hall_service *services;
	int nservices;
	struct hq_hall_counter *counters;
	int ncounters;
	/* The config's [kiosk] section. A server older than this part of the API sends none:
	 * then screen, 15 s, true, true, "", the defaults of docs/config.md. */
	struct {
		bool refuse_on_fault;   /* on_printer_fault = refuse; false: screen */
		int confirm_s;          /* confirm_seconds */
		bool priority, appointments;
		char footer[256];
	} kiosk;
};

int hq_client_hall(struct hq_client *cl, struct hq_hall **out);
void hq_hall_free(struct hq_hall *h);
const struct hq_hall_counter *hq_hall_counter(const struct hq_hall *h, int number);

/* One Server-Sent Event of GET /api/v1/events. */
struct hq_sse_event {
	int64_t id;
	char type[32];
	json_t *data;               /* the event's JSON object; valid during the callback */
};

/*
 * Follow the event stream from after event `since` (-1: from the next change) until the
 * connection ends, the callback returns non-zero, or *stop becomes true (checked at least
 * every second). Each event is passed to cb in order; *since is advanced past it, so a
 * caller that loops on hq_client_follow() resumes where it left off. Returns 0 when
 * stopped by the callback or *stop, HQ_ELINK when the connection failed or went silent for
 * longer than silence_ms (the server sends a heartbeat; 0 means 45000).
 */
typedef int (*hq_sse_cb)(void *ctx, const struct hq_sse_event *ev);
int hq_client_follow(struct hq_client *cl, int64_t *since, long silence_ms, hq_sse_cb cb,
		     void *ctx, volatile const int *stop);

#endif
