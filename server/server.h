/*
 * hallqd's parts and what they share. One thread, the worker, owns the queue database;
 * the HTTP connection threads hand it requests as jobs and wait for the answer. The worker
 * runs the jobs that arrived together in one transaction (group commit: one fsync for many
 * tickets) and then publishes the new events to the hub, from which every event-stream
 * connection reads. All of it hangs off one struct hqd, made in main and handed down.
 */
#ifndef HQD_SERVER_H
#define HQD_SERVER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hq_log.h"
#include "hq_queue.h"

struct hqd;

/* [limits] body_bytes's default. */
#define HQD_BODY_MAX (16 * 1024)
#define HQD_IDEM_KEY_MAX 128
/* A gateway's health report may be larger (about 450 units); only a gateway or admin
 * token gets the larger buffer. */
#define HQD_REPORT_MAX (64 * 1024)
/* Counts in health reports go up to 2^53 - 1: exact as the float64 of a Prometheus sample
 * and in any JSON reader. */
#define HQD_COUNT_MAX 9007199254740991LL

/* Roles, from the tokens file. */
enum hqd_role {
	ROLE_NONE,
	ROLE_KIOSK,
	ROLE_BOOKING,
	ROLE_DISPLAY,
	ROLE_COUNTER,
	ROLE_GATEWAY,                /* a counter-bus gateway: every counter, unit health */
	ROLE_REVIEW,                 /* an external 好差评 system: reviews tickets, reads reviews */
	ROLE_EVALUATOR,              /* evaluator:N, counter N's tablet facing the citizen */
	ROLE_SYNC,                   /* hallq-sync: reads hall, events, tickets; reports its health */
	ROLE_MANAGER,
	ROLE_ADMIN,
};

/* Only the token's sha256 is kept: the file's `ROLE sha256:HEX` line gives it, a plain
 * `ROLE TOKEN` line is hashed as it is read. A token presented is hashed and compared with
 * every entry's. */
#define HQD_TOKEN_MAX 256            /* a token's characters, at most */
#define HQD_TOKEN_NEW_BYTES 32       /* hallq token new: random bytes, as twice as many hex digits */
struct hqd_token {
	enum hqd_role role;
	int counter;                 /* for ROLE_COUNTER and ROLE_EVALUATOR */
	unsigned char sha256[32];
};

struct hqd_tokens {
	struct hqd_token *v;
	size_t n;
};

/* tokens.c. Load refuses a file others may read, a short token, a bad line (err says which). */
int hqd_tokens_load(const char *path, struct hqd_tokens *out, char *err, size_t errlen);
void hqd_tokens_free(struct hqd_tokens *t);
/* The entry whose sha256 is the token's, every entry compared in full; NULL if none. */
const struct hqd_token *hqd_tokens_find(const struct hqd_tokens *t, const char *token);
/* The token's sha256; false when gnutls could not make it. */
bool hqd_token_digest(const char *token, unsigned char out[32]);
/* A new token: HQD_TOKEN_NEW_BYTES random bytes as hex into token, and its tokens-file
 * line for role (spelled as the file spells it: hqd_role_parse) into line:
 * "ROLE sha256:HEX". -1 with err set when the role is none or gnutls gave no random bytes. */
int hqd_token_new(const char *role, char token[2 * HQD_TOKEN_NEW_BYTES + 1], char *line,
		  size_t linelen, char *err, size_t errlen);
const char *hqd_role_name(enum hqd_role r);
/* A role as the tokens file spells it ("manager", "counter:3", "evaluator:3") into t's role
 * and counter; -1 when it is none. And back: t's role so spelled, into buf. */
int hqd_role_parse(const char *s, struct hqd_token *t);
void hqd_role_label(const struct hqd_token *t, char *buf, size_t len);

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
	/* A request signed in by the session cookie, not a token: its session (who is then its
	 * role); NULL otherwise, and session_err says why a cookie sent was refused. */
	const struct hq_session *session;
	char session_err[256];
	bool tls;                    /* came over TLS (hallqd --tls-cert), for Secure cookies */
	char address[64];            /* the client's IP address */
	char limit_client[80];       /* whom [limits] count it against (handle.c) */
	struct hqd *srv;             /* the server the request came to */
	/* What who and session point to: copies, since a reload may replace the tokens while
	 * the request waits for the worker. role labels the caller in the log ("-" for none). */
	struct hqd_token who_copy;
	struct hq_session session_copy;
	char role[64];               /* "counter:3", "manager (session 1a2b3c4d)" */
	int64_t cursor;              /* an event stream's: the last event its client has */

	/* The answer. */
	int status;
	char *resp;                  /* malloc'd body */
	const char *ctype;
	char location[320];
	char allow[32];              /* methods, for a 405 */
	char cookie[256];            /* a Set-Cookie header, "" for none */
	bool vary_accept;            /* the answer depends on the Accept header */
	bool replayed;
	int retry_after;             /* seconds, for a 503; 0 for none */
	/* A page or file of assets/web (web.c), sent from the binary as it is with its ETag,
	 * instead of resp: 304 without it when the request's If-None-Match has that ETag. */
	const struct hqd_asset *asset;
	const char *cache;           /* its Cache-Control */
	const char *if_none_match;   /* the request's header, NULL if none */
};

/*
 * handle.c: a request below libmicrohttpd, as hallqd's callback and the fuzzing harness
 * (tests/fuzz/fuzz_http.c) both hand it over. Every string is the caller's, NULL when the
 * request has no such header; query(ctx, key) is the query string's decoded value of key,
 * NULL when it has none, and is called until hqd_handle returns.
 */
struct hqd_http {
	const char *method;
	const char *path;            /* decoded, without the query string */
	const char *(*query)(void *ctx, const char *key);
	void *ctx;
	const char *authorization;
	const char *idempotency_key;
	const char *origin;
	const char *host;
	const char *csrf_token;      /* X-CSRF-Token */
	const char *accept;
	const char *if_none_match;
	const char *last_event_id;
	/* The session cookie's value as the Cookie header gives it first, and how many cookies
	 * of that name every Cookie header of the request holds (hqd_session_cookies). */
	const char *cookie;
	int cookies;
	const char *address;         /* the client's IP address, "" when not known */
	const char *body;            /* len bytes; NULL and 0 for none */
	size_t len;
	size_t limit;                /* the body's limit (hqd_body_limit), named in a 413 */
	bool too_large;              /* the body went over it, and none of it is here */
};
/*
 * Route, authenticate, authorise and run the request on srv (on the worker, or here for a
 * local route), into r (zeroed by the caller; its answer is the caller's to send and free:
 * r->body, r->resp). True when r holds the answer; false for an event stream to start
 * after r->cursor (r->route->stream says which; a ticket's still to be found, follow.c).
 */
bool hqd_handle(struct hqd *srv, struct hqd_req *r, const struct hqd_http *in);
/* The body limit of a request, known before its body is read: HQD_BODY_MAX, or
 * HQD_REPORT_MAX for a unit health report with a gateway's or admin's token. */
size_t hqd_body_limit(struct hqd *srv, const char *method, const char *path, const char *auth);
/* Cookies of the session's name (HQD_COOKIE) in one Cookie header's value. */
int hqd_session_cookies(const char *header);
/* Does an Accept header prefer text/html to JSON (a browser's does)? NULL: no. */
bool hqd_prefers_html(const char *accept);
/* Where an event stream starts, from the Last-Event-ID header or else ?since=, either NULL
 * or "" when not given: the newest event (newest) when neither, else the id given, at most
 * newest. False when the one that counts is not an event id. */
bool hqd_event_cursor(const char *last_event_id, const char *since, int64_t newest, int64_t *cursor);

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
	PERM_SYNC_REPORT,            /* sync, admin: hallq-sync's health reports */
	PERM_SYNCS,                  /* sync, display, manager, admin: hallq-sync's health */
	PERM_ALERTS,                 /* manager, display, admin: electronic supervision */
	PERM_EVALUATE,               /* gateway, admin: a counter unit's evaluator keys */
	PERM_RATE,                   /* manager, admin: a rating given for a citizen */
	PERM_REVIEWS,                /* review, manager, admin: reading the reviews */
	PERM_ADMIN,                  /* admin only */
	PERM_COUNTER_VIEW,           /* counter:N of the path, gateway, display, manager, admin */
};

/* The event streams, served by hallqd.c on the connection thread (routes without `run`). */
enum hqd_stream {
	HQD_STREAM_HALL,             /* /api/v1/events: every event of the hall */
	HQD_STREAM_TICKET,           /* /api/v1/tickets/{id}/events: public, "change" only */
};
/* At most this many public ticket streams at once (hallqd --ticket-streams): each holds a
 * thread; more are refused with 503 and Retry-After. */
#define HQD_TICKET_STREAMS 2000

struct hqd_route {
	const char *method;
	const char *pattern;         /* '*' matches one path segment */
	enum hqd_perm perm;
	bool write;                  /* changes the hall: group commit and idempotency */
	void (*run)(struct hq_queue *q, struct hqd_req *r);
	const char *name;            /* label for metrics */
	enum hqd_stream stream;      /* for a route without run: which event stream */
	bool local;                  /* runs on the connection thread, without the queue (q NULL) */
	bool no_idem;                /* keeps no idempotency record (its answer sets a cookie) */
	/* A counter operation's queue function, for the handler shared by the operations
	 * that take no body: the counter of the path, answered with the ticket or the counter. */
	int (*ticket_op)(struct hq_queue *q, int counter, struct hq_ticket *out);
	int (*counter_op)(struct hq_queue *q, int counter);
};

/* The routes of the 好差评 evaluation, electronic supervision and the reports, each a table
 * ending with {0}, matched after api.c's own. */
extern const struct hqd_route hqd_review_routes[];
/* reviews.c, for the ticket's JSON (api.c): may this request see the ticket's review and
 * the key of its status URL? Roles that review (review, kiosk, manager, admin), or the
 * ticket's key in the query (?key=). The review as JSON; case counts for /metrics, as
 * Prometheus text (malloc'd; NULL when the queue or memory failed). */
bool hqd_review_may_see(const struct hqd_req *r, const struct hq_ticket *t);
json_t *hqd_review_json(const struct hq_review *rv);
char *hqd_review_metrics(struct hq_queue *q);
extern const struct hqd_route hqd_alert_routes[];
extern const struct hqd_route hqd_report_routes[];
extern const struct hqd_route hqd_session_routes[];

/*
 * sessions.c: the web pages' sign-in (docs/api.md, Sessions). The cookie's name; the
 * session whose secret is the cookie's value, looked up on the worker (which also brings its
 * last_seen up to date), into out and as a role into who: 0, or -1 with err saying why (an
 * unknown, expired or ended session). A write signed in by the cookie must come from the
 * hall's own pages: no Origin but the Host, and the session's CSRF token in the header;
 * false when refused (403 origin or csrf, answered).
 */
#define HQD_COOKIE "hallq_session"
int hqd_session_lookup(struct hqd *srv, const char *secret, struct hq_session *out,
		       struct hqd_token *who, char *err, size_t errlen);
bool hqd_session_write_ok(struct hqd_req *r, const char *origin, const char *host,
			  const char *csrf);
/* End every active session made with a token that the tokens file no longer has (each
 * session keeps its token's sha256; a clerk's PIN session is left to its sign-in), through
 * the worker: at start-up and after each reload of the tokens. How many it ended, or -1
 * (logged) when it could not look. */
int hqd_sessions_sweep(struct hqd *srv);

/* The route for method and path; NULL if none, with `allow` listing the methods the path
 * takes ("" for an unknown path). */
const struct hqd_route *hqd_route_match(const char *method, const char *path, struct hqd_req *r,
					char *allow, size_t allowlen);
bool hqd_allowed(const struct hqd_route *rt, const struct hqd_req *r);

/* reply.c: answering a request. */
/* Answer with an error body {"error", "message"}. */
void hqd_error(struct hqd_req *r, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Fields of a JSON object in a request body, for the routes' handlers. `where` names the
 * object in messages ("" for the body itself, "buses[1].units[0]" deeper). A missing or null
 * field is fine unless required; a wrong type answers 400 badjson, a number out of [lo, hi]
 * 400 inval, both naming the field. False when the request has been answered.
 */
json_t *hqd_field(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		 bool required); /* any type; NULL when absent or null */
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
/* A bound of a range in the query (?from=, ?to=): hq_parse_local_bound's forms, a bare date
 * ending a range being the end of that day; *out is left as it is when the key is absent or
 * empty. False when the request has been answered (400 inval). */
bool hqd_query_time(struct hqd_req *r, const char *key, bool end, int64_t *out);
/* Answer with a JSON value (stolen); NULL (json_pack failed) answers 500 with this body. */
#define HQD_ANSWER_FAILED "{\"error\":\"answer\",\"message\":\"the answer could not be made\"}"
void hqd_json(struct hqd_req *r, int status, json_t *v);
/* An hq_err from the queue, as HTTP. */
void hqd_queue_error(struct hq_queue *q, struct hqd_req *r, int err);
/* An event as an SSE frame, malloc'd. */
char *hqd_event_frame(const struct hq_event *e);
/* ISO 8601 with the zone's offset, "2026-11-23T10:02:11+08:00"; JSON null for 0. */
json_t *hqd_iso_time(int64_t ms);
void hqd_estimate_json(json_t *v, const char *prefix, int wait_s, const int *range, int64_t opens_at);

/* worker.c. The worker stamps hall time with srv->clock and publishes to srv->hub, so both
 * are set before it starts; stop it before freeing them. */
struct hqd_worker;
int hqd_worker_start(struct hqd_worker **out, struct hqd *srv, const char *db,
		     const char *config_path, char *err, size_t errlen);
/* Run the request on the worker and wait for its answer. */
void hqd_worker_submit(struct hqd_worker *w, struct hqd_req *r);
/* Run fn on the worker's queue and wait; for the server's own reads. */
int hqd_worker_call(struct hqd_worker *w, int (*fn)(struct hq_queue *q, void *arg), void *arg);
/* Ask the worker to re-read the config file (SIGHUP). */
void hqd_worker_reload(struct hqd_worker *w);
void hqd_worker_stop(struct hqd_worker *w);

/* hub.c: the event stream's fan-out. new: NULL when out of memory; free takes NULL. */
struct hqd_hub;
struct hqd_hub *hqd_hub_new(void);
void hqd_hub_free(struct hqd_hub *h);
/* The ring starts after last_id, the newest event in the database (the worker's start). */
void hqd_hub_start(struct hqd_hub *h, int64_t last_id);
void hqd_hub_publish(struct hqd_hub *h, const struct hq_event *ev, int n);
void hqd_hub_shutdown(struct hqd_hub *h);
/* Copy whole frames after *cursor into buf (at most len bytes); wait up to timeout_ms
 * for one. Returns bytes copied, 0 on timeout, -1 on shutdown, -2 when *cursor is older
 * than the hub keeps (the caller reads those from the database). */
long hqd_hub_read(struct hqd_hub *h, int64_t *cursor, char *buf, size_t len, int timeout_ms);
/* The same as events: up to max after *cursor into ev, for a stream that picks its own
 * (the public ticket streams); the same returns, a count of events. */
int hqd_hub_read_events(struct hqd_hub *h, int64_t *cursor, struct hq_event *ev, int max, int timeout_ms);
/* Public ticket streams open: add delta, and say whether the count stays within max (a
 * refused add leaves it as it was). */
bool hqd_hub_ticket_streams(struct hqd_hub *h, int delta, int max);
int64_t hqd_hub_last(struct hqd_hub *h);
int hqd_hub_subscribers(struct hqd_hub *h, int delta);

/*
 * follow.c: what a citizen's ticket stream follows (GET /api/v1/tickets/{id}/events), on the
 * connection thread. start finds the ticket of the path (an id or a label of today) through
 * the worker and counts the stream against srv->ticket_streams_max; NULL when it may not
 * start, the request answered (404, 503 with Retry-After). free ends it and its count (NULL
 * is fine). read writes the frames of the events after *cursor that concern the ticket,
 * waiting up to a heartbeat for one: bytes written (": ping" when none came), -1 when the
 * hub shuts down, -2 when the queue failed.
 */
struct hqd_follow;
struct hqd_follow *hqd_follow_start(struct hqd_req *r);
void hqd_follow_free(struct hqd *srv, struct hqd_follow *f);
long hqd_follow_read(struct hqd *srv, struct hqd_follow *f, int64_t *cursor, char *buf, size_t max);

/*
 * limits.c: what one client may take ([limits], docs/config.md). new starts the thread that
 * closes connections whose request is late (NULL when out of memory or threads); free
 * stops it and takes NULL. load reads the [limits] of a config file (an hq_err, err saying
 * why); set applies a reloaded one (header_bytes and idle_timeout wait for a restart);
 * config is a copy of what applies.
 *
 * Connections (libmicrohttpd's accept policy and connection notices): accept is false when
 * the address holds twice its limit already (refused without an answer); conn_open makes
 * the connection's record (its socket context; NULL when out of memory, which every call
 * below takes) and conn_close frees it. conn_over is the Retry-After for a 503 when the
 * connection was one over its address's limit, else 0. line_seen (a request line came),
 * arrived (the request is whole) and answered (the response is sent) keep the deadline
 * of request_timeout for each request on the connection.
 *
 * Per client (key "t:TOKEN", "s:SESSION" or "a:ADDRESS"): take spends one request of its
 * bucket, stream_open one of its streams (ended by stream_close); each returns 0 when
 * allowed, else the Retry-After in seconds. count adds a refusal made elsewhere (the body's
 * 413), mhd_message reads libmicrohttpd's log for the ones it makes (431, 414), and metrics
 * writes hallq_limited_total.
 */
enum hqd_limit {
	HQD_LIMIT_CONN,
	HQD_LIMIT_RATE,
	HQD_LIMIT_HEADER,
	HQD_LIMIT_BODY,
	HQD_LIMIT_SLOW,
	HQD_LIMIT_STREAMS,
	HQD_NLIMITS
};
struct hqd_limits;
struct hqd_limits_conn;
struct sockaddr;
struct hqd_limits *hqd_limits_new(const struct hq_limits_cfg *cfg);
void hqd_limits_free(struct hqd_limits *l);
int hqd_limits_load(const char *config_path, struct hq_limits_cfg *out, char *err, size_t errlen);
void hqd_limits_set(struct hqd_limits *l, const struct hq_limits_cfg *cfg);
struct hq_limits_cfg hqd_limits_config(struct hqd_limits *l);
bool hqd_limits_accept(struct hqd_limits *l, const struct sockaddr *sa);
struct hqd_limits_conn *hqd_limits_conn_open(struct hqd_limits *l, const struct sockaddr *sa, int fd);
void hqd_limits_conn_close(struct hqd_limits *l, struct hqd_limits_conn *k);
int hqd_limits_conn_over(struct hqd_limits *l, struct hqd_limits_conn *k);
void hqd_limits_line_seen(struct hqd_limits *l, struct hqd_limits_conn *k);
void hqd_limits_arrived(struct hqd_limits *l, struct hqd_limits_conn *k);
void hqd_limits_answered(struct hqd_limits *l, struct hqd_limits_conn *k);
int hqd_limits_take(struct hqd_limits *l, const char *key);
int hqd_limits_stream_open(struct hqd_limits *l, const char *key);
void hqd_limits_stream_close(struct hqd_limits *l, const char *key);
void hqd_limits_count(struct hqd_limits *l, enum hqd_limit which);
void hqd_limits_mhd_message(struct hqd_limits *l, const char *msg);
void hqd_limits_metrics(struct hqd_limits *l, FILE *f);

/* metrics.c. new: NULL when out of memory; free takes NULL. */
struct hqd_metrics;
struct hqd_metrics *hqd_metrics_new(void);
void hqd_metrics_free(struct hqd_metrics *m);
void hqd_metrics_request(struct hqd_metrics *m, const char *route, int status, double seconds);
void hqd_metrics_batch(struct hqd_metrics *m, int size);
/* Render srv's counters, hub, units and kiosks; waiting[] per service from the hall state,
 * the supervision families from sv (its rules and names from cfg). */
char *hqd_metrics_render(struct hqd *srv, const struct hq_hall_state *st, const struct hq_config *cfg,
			 const struct hq_supervision *sv);

/*
 * health.c: the store behind the units' and the kiosks' health. Devices report under a
 * name and each report replaces the last; a name silent for longer than stale_ms is stale.
 * Entries are kept in name order; one mutex inside guards the store, because connection
 * threads write it while the worker renders /metrics. The store owns the reports it keeps
 * and frees them with `drop`.
 */
#define HQD_HEALTH_NAME_MAX 32
struct hqd_health_entry {
	char name[HQD_HEALTH_NAME_MAX + 1];
	int64_t at;                  /* monotonic ms of the last report */
	int64_t age_ms;              /* since then, as of the put or walk that hands it out */
	bool stale;                  /* age_ms is over the store's threshold */
	void *data;                  /* the report */
};
struct hqd_health;
/* At most max names. NULL when out of memory; free takes NULL and drops every report. */
struct hqd_health *hqd_health_new(size_t max, int64_t stale_ms, void (*drop)(void *data));
void hqd_health_free(struct hqd_health *h);
/* Names go into paths, label values and the log: 1 to HQD_HEALTH_NAME_MAX of A-Z a-z 0-9 _ . - */
bool hqd_health_name_ok(const char *name);
/* Keep data as name's report, stamped now. False when the store is full of other names
 * (data stays the caller's). Else *was is the entry replaced, with was->data NULL for a
 * new name; that report is the caller's to free, so it may look at it first. */
bool hqd_health_put(struct hqd_health *h, const char *name, void *data, struct hqd_health_entry *was);
/* True once the store has been up longer than its stale threshold: before that, a device
 * that has not reported yet cannot be told from one that is down. */
bool hqd_health_settled(struct hqd_health *h);
/* Append f to the growing list v (n used of cap); false when out of memory. */
bool hqd_device_fact_add(struct hq_device_fact **v, size_t *n, size_t *cap, const struct hq_device_fact *f);
/* Forget name and drop its report; false if it has none. */
bool hqd_health_delete(struct hqd_health *h, const char *name);
/* Call fn once with the store locked, with the entries in name order (ages as of now),
 * so that a listing or every family of a scrape sees one picture. */
void hqd_health_walk(struct hqd_health *h,
		     void (*fn)(const struct hqd_health_entry *e, size_t n, void *arg), void *arg);

/* units.c: counter units' health as the gateways report it; memory only. new: the store
 * for srv->units (NULL when out of memory; hqd_health_free frees it), where a gateway whose
 * last report is older than stale_ms is stale. put, delete and get are routes (local: q is
 * NULL) on r->srv->units. */
struct hqd_health *hqd_units_new(int64_t stale_ms);
void hqd_units_put(struct hq_queue *q, struct hqd_req *r);
void hqd_units_delete(struct hq_queue *q, struct hqd_req *r);
void hqd_units_get(struct hq_queue *q, struct hqd_req *r);
/* The hallq_gateway_, hallq_bus_ and hallq_unit_ families, in Prometheus text format. */
void hqd_units_metrics(struct hqd_health *units, FILE *f);
/* Append the gateways and their units to the device facts of electronic supervision: a
 * gateway is down when its report is stale, a unit when its gateway last said it was
 * offline. False when out of memory. */
bool hqd_units_facts(struct hqd_health *units, struct hq_device_fact **facts, size_t *n, size_t *cap);

/* kiosks.c: ticket kiosks' printer health as the kiosks report it; memory only. new: the
 * store for srv->kiosks (NULL when out of memory; hqd_health_free frees it), where a kiosk
 * whose last report is older than stale_ms is down. put, delete and get are routes (local:
 * q is NULL) on r->srv->kiosks. */
struct hqd_health *hqd_kiosks_new(int64_t stale_ms);
void hqd_kiosks_put(struct hq_queue *q, struct hqd_req *r);
void hqd_kiosks_delete(struct hq_queue *q, struct hqd_req *r);
void hqd_kiosks_get(struct hq_queue *q, struct hqd_req *r);
/* The hallq_kiosk_ families, in Prometheus text format. */
void hqd_kiosks_metrics(struct hqd_health *kiosks, FILE *f);
/* syncs.c: the health of the hall's forwarders to the central database (hallq-sync),
 * as they report it; memory only, like the kiosks'. new: the store for srv->syncs (NULL when
 * out of memory; hqd_health_free frees it). The routes are local (q is NULL). */
struct hqd_health *hqd_syncs_new(int64_t stale_ms);
void hqd_syncs_put(struct hq_queue *q, struct hqd_req *r);
void hqd_syncs_delete(struct hq_queue *q, struct hqd_req *r);
void hqd_syncs_get(struct hq_queue *q, struct hqd_req *r);
/* The hallq_sync_ families, in Prometheus text format. */
void hqd_syncs_metrics(struct hqd_health *syncs, FILE *f);
/* Append the kiosks and their printers to the device facts: a kiosk is down when its
 * report is stale, a printer when it cannot print (a kiosk without one has none). */
bool hqd_kiosks_facts(struct hqd_health *kiosks, struct hq_device_fact **facts, size_t *n, size_t *cap);

/* alerts.c: electronic supervision. Evaluate the rules on the worker's queue now, with the
 * device facts of srv's health stores (none before the stores have settled); logs what it
 * raised and cleared. Returns the queue's rc. */
int hqd_alerts_eval(struct hqd *srv, struct hq_queue *q);

/*
 * The server: main makes one, owns what it points to, and hands it down: to the connection
 * threads (libmicrohttpd's cls), to the routes (hqd_req.srv) and to the worker. Only the log
 * (hq_log) is process-wide.
 */
struct hqd {
	/* Hall time: the wall clock, or simulated (hallqd --clock, --speed) so that a day of
	 * the hall runs in minutes. Everything the server stamps reads it: the queue's clock
	 * seam, the hall's "time", the default range of the statistics. Timeouts, heartbeats
	 * and health ages are not hall time and stay on the monotonic clock. */
	struct hq_sim_clock clock;
	struct hqd_worker *worker;
	struct hqd_hub *hub;
	struct hqd_metrics *metrics;
	struct hqd_limits *limits;   /* limits.c */
	struct hqd_health *units;    /* per gateway (units.c) */
	struct hqd_health *kiosks;   /* per kiosk (kiosks.c) */
	struct hqd_health *syncs;    /* per hallq-sync (syncs.c) */
	/* The tokens file, replaced whole on SIGHUP: readers hold the lock while they look. */
	const char *tokens_path;
	struct hqd_tokens tokens;
	pthread_rwlock_t tokens_lock;
	int heartbeat_ms;            /* a comment line on an event stream idle this long */
	/* How long a web session lasts: the config's session_hours when 0, else this (a
	 * hidden option of hallqd's, so that tests see sessions expire in seconds). */
	int64_t session_ttl_ms;
	int ticket_streams_max;      /* public ticket streams at once (HQD_TICKET_STREAMS) */
	bool tls;                    /* every connection is TLS (hallqd --tls-cert, --tls-key) */
	/* The config's require_tls, set by the worker whenever it applies the config. */
	atomic_bool require_tls;
	struct hqd_plain *plain;     /* the plain-HTTP token warnings given (tls.c) */
};

/*
 * tls.c. load: the PEM certificate (chain) and key files of hallqd --tls-cert and
 * --tls-key into *cert and *key (malloc'd, the caller's to free), checked to parse and to
 * be a pair: 0, or -1 with err naming the file and what is wrong with it.
 */
int hqd_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
		 char *err, size_t errlen);
/* 127.0.0.0/8 or ::1 (or 127.x mapped into IPv6), as the textual address r->address has. */
bool hqd_address_loopback(const char *addr);
/*
 * The tokens that came over plain HTTP: which role from which address was warned about
 * last, and when. new: NULL when out of memory; free takes NULL. check: what to do about a
 * token of `role` from `address` over plain HTTP at now_ms (monotonic): OK from loopback,
 * REFUSE when require_tls, else WARN the first time for that role and address in an hour
 * and QUIET in between. Thread-safe.
 */
enum hqd_plain_verdict { HQD_PLAIN_OK, HQD_PLAIN_WARN, HQD_PLAIN_QUIET, HQD_PLAIN_REFUSE };
struct hqd_plain;
struct hqd_plain *hqd_plain_new(void);
void hqd_plain_free(struct hqd_plain *p);
enum hqd_plain_verdict hqd_plain_check(struct hqd_plain *p, const char *role, const char *address,
				       bool require_tls, int64_t now_ms);
/* A token of `role` (its label, "counter:3") that authenticates r: true when it may go on
 * (TLS, loopback, or plain HTTP with a warning logged), false when r has been answered
 * 403 tls (require_tls = yes). */
bool hqd_plain_token(struct hqd_req *r, const char *role);

/*
 * web.c: the pages and their files. Every file under assets/web is in the binary (the
 * Makefile, tools/embed-web), in hqd_assets sorted by path, each followed by a NUL that
 * len does not count. The pages' and /web/ routes are a table like the features' above.
 */
struct hqd_asset {
	const char *path;            /* under assets/web: "ticket.html", "vendor/x-1.2/x.js" */
	const unsigned char *data;
	size_t len;
	const char *etag;            /* "\"0123456789abcdef\"": sha256's first 16 hex digits */
};
extern const struct hqd_asset hqd_assets[];
extern const size_t hqd_nassets;
/* The file at path under assets/web; NULL if there is none. */
const struct hqd_asset *hqd_asset_find(const char *path);
/* Its Content-Type, by its name's extension. */
const char *hqd_asset_type(const struct hqd_asset *a);
extern const struct hqd_route hqd_web_routes[];
/* Headers that every page and file carries, and the policy of a page: scripts, styles and
 * requests from this server only, never in a frame (docs/api.md, Pages). */
#define HQD_PAGE_CSP "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " \
		     "frame-ancestors 'none'"

#endif
