/*
 * hallqd's parts and what they share. One thread, the worker, owns the queue database;
 * the HTTP connection threads hand it requests as jobs and wait for the answer. The worker
 * runs the jobs that arrived together in one transaction (group commit: one fsync for many
 * tickets) and then publishes the new events to the hub, from which every event-stream
 * connection reads.
 */
#ifndef HQD_SERVER_H
#define HQD_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hq_log.h"
#include "hq_queue.h"

#define HQD_BODY_MAX (16 * 1024)
#define HQD_IDEM_KEY_MAX 128
/* A gateway's health report may be larger (about 450 units); only a gateway or admin
 * token gets the larger buffer. */
#define HQD_REPORT_MAX (64 * 1024)

/* Roles, from the tokens file. */
enum hqd_role {
	ROLE_NONE,
	ROLE_KIOSK,
	ROLE_BOOKING,
	ROLE_DISPLAY,
	ROLE_COUNTER,
	ROLE_GATEWAY,                /* a counter-bus gateway: every counter, unit health */
	ROLE_MANAGER,
	ROLE_ADMIN,
};

struct hqd_token {
	enum hqd_role role;
	int counter;                 /* for ROLE_COUNTER */
	char token[257];
};

struct hqd_tokens {
	struct hqd_token *v;
	size_t n;
};

/* tokens.c. Load refuses a file others may read, a short token, a bad line (err says which). */
int hqd_tokens_load(const char *path, struct hqd_tokens *out, char *err, size_t errlen);
void hqd_tokens_free(struct hqd_tokens *t);
/* The entry whose token equals `token`, compared in constant time; NULL if none. */
const struct hqd_token *hqd_tokens_find(const struct hqd_tokens *t, const char *token);
const char *hqd_role_name(enum hqd_role r);

/* A request as the worker sees it: parsed by the HTTP thread, answered by the worker. */
struct hqd_req {
	const struct hqd_route *route;
	char method[8];
	char path[256];
	char args[2][64];            /* the {…} parts of the path, in order */
	json_t *body;                /* parsed JSON body, NULL if none */
	const char *(*query)(void *conn, const char *key); /* query string look-up */
	void *conn;
	char host[128];              /* Host header, for the status URLs */
	bool want_html;              /* the Accept header prefers text/html to JSON (a browser) */
	char idem_key[HQD_IDEM_KEY_MAX + 1];
	const struct hqd_token *who;

	/* The answer. */
	int status;
	char *resp;                  /* malloc'd body */
	const char *ctype;
	char location[320];
	char allow[32];              /* methods, for a 405 */
	bool vary_accept;            /* the answer depends on the Accept header */
	bool replayed;
};

/* api.c: the routes. */
enum hqd_perm {
	PERM_PUBLIC,                 /* no token */
	PERM_HALL,                   /* every role */
	PERM_FEED,                   /* every role but booking */
	PERM_ISSUE,                  /* kiosk, admin */
	PERM_BOOK,                   /* booking, admin */
	PERM_COUNTER,                /* counter:N of the path, gateway, admin */
	PERM_STATS,                  /* manager, admin */
	PERM_REPORT,                 /* gateway, admin: unit health reports */
	PERM_UNITS,                  /* manager, display, gateway, admin: unit health */
	PERM_KIOSK_REPORT,           /* kiosk, admin: kiosk health reports */
	PERM_KIOSKS,                 /* kiosk, display, manager, admin: kiosk health */
};

struct hqd_route {
	const char *method;
	const char *pattern;         /* '*' matches one path segment */
	enum hqd_perm perm;
	bool write;                  /* changes the hall: group commit and idempotency */
	void (*run)(struct hq_queue *q, struct hqd_req *r);
	const char *name;            /* label for metrics */
	bool local;                  /* runs on the connection thread, without the queue (q NULL) */
};

/* The route for method and path; NULL if none, with `allow` listing the methods the path
 * takes ("" for an unknown path). */
const struct hqd_route *hqd_route_match(const char *method, const char *path, struct hqd_req *r,
					char *allow, size_t allowlen);
bool hqd_allowed(const struct hqd_route *rt, const struct hqd_req *r);
/* Answer with an error body {"error", "message"}. */
void hqd_error(struct hqd_req *r, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Fields of a JSON object in a request body, for the routes' handlers. `where` names the
 * object in messages ("" for the body itself, "buses[1].units[0]" deeper). A missing or null
 * field is fine unless required; a wrong type answers 400 badjson, a number out of [lo, hi]
 * 400 inval, both naming the field. False when the request has been answered.
 */
bool hqd_field_string(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		      bool required, const char **out);
bool hqd_field_int(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		   bool required, long long lo, long long hi, long long *out, bool *given);
bool hqd_field_bool(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		    bool required, bool *out);
bool hqd_field_number(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		      bool required, double lo, double hi, double *out);
/* Always required; at most `max` entries (more: 400 inval). */
bool hqd_field_array(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		     size_t max, json_t **out);
/* Answer with a JSON value (stolen). */
void hqd_json(struct hqd_req *r, int status, json_t *v);
/* An hq_err from the queue, as HTTP. */
void hqd_queue_error(struct hq_queue *q, struct hqd_req *r, int err);
/* An event as an SSE frame, malloc'd. */
char *hqd_event_frame(const struct hq_event *e);

/* clock.c: the hall's time. By default the wall clock; hqd_clock_simulate() (before the
 * worker starts) makes it start_ms plus the real time since, times speed (1 to
 * HQ_SPEED_MAX). hqd_clock_now() is the queue's clock seam (hq_clock_fn); hqd_now_ms() the
 * same for the server's own stamps. hqd_clock_speed() is 0 for the wall clock. */
int hqd_clock_simulate(int64_t start_ms, int speed);
int hqd_clock_speed(void);
int64_t hqd_clock_now(void *ud);
int64_t hqd_now_ms(void);

/* worker.c */
struct hqd_worker;
int hqd_worker_start(struct hqd_worker **out, const char *db, const char *config_path,
		     char *err, size_t errlen);
/* Run the request on the worker and wait for its answer. */
void hqd_worker_submit(struct hqd_worker *w, struct hqd_req *r);
/* Run fn on the worker's queue and wait; for the server's own reads. */
int hqd_worker_call(struct hqd_worker *w, int (*fn)(struct hq_queue *q, void *arg), void *arg);
/* Ask the worker to re-read the config file (SIGHUP). */
void hqd_worker_reload(struct hqd_worker *w);
void hqd_worker_stop(struct hqd_worker *w);

/* hub.c: the event stream's fan-out. */
void hqd_hub_init(int64_t last_id);
void hqd_hub_publish(const struct hq_event *ev, int n);
void hqd_hub_shutdown(void);
/* Copy whole frames after *cursor into buf (at most len bytes); wait up to timeout_ms
 * for one. Returns bytes copied, 0 on timeout, -1 on shutdown, -2 when *cursor is older
 * than the hub keeps (the caller reads those from the database). */
long hqd_hub_read(int64_t *cursor, char *buf, size_t len, int timeout_ms);
int64_t hqd_hub_last(void);
int hqd_hub_subscribers(int delta);

/* metrics.c */
void hqd_metrics_request(const char *route, int status, double seconds);
void hqd_metrics_batch(int size);
/* Render; waiting[] per service from the hall state. */
char *hqd_metrics_render(const struct hq_hall_state *st);

/* units.c: counter units' health as the gateways report it; memory only. put, delete and
 * get are routes (local: q is NULL). */
void hqd_units_put(struct hq_queue *q, struct hqd_req *r);
void hqd_units_delete(struct hq_queue *q, struct hqd_req *r);
void hqd_units_get(struct hq_queue *q, struct hqd_req *r);
/* A gateway whose last report is older than this is stale (default 30 s). */
void hqd_units_set_stale(int seconds);
/* The hallq_gateway_, hallq_bus_ and hallq_unit_ families, in Prometheus text format. */
void hqd_units_metrics(FILE *f);

/* kiosks.c: ticket kiosks' printer health as the kiosks report it; memory only. put,
 * delete and get are routes (local: q is NULL). */
void hqd_kiosks_put(struct hq_queue *q, struct hqd_req *r);
void hqd_kiosks_delete(struct hq_queue *q, struct hqd_req *r);
void hqd_kiosks_get(struct hq_queue *q, struct hqd_req *r);
/* A kiosk whose last report is older than this is down (default 30 s). */
void hqd_kiosks_set_stale(int seconds);
/* The hallq_kiosk_ families, in Prometheus text format. */
void hqd_kiosks_metrics(FILE *f);

/* The ticket status page, assets/web/ticket.html, embedded by the build (NUL-terminated). */
extern const char hqd_ticket_page[];

#endif
