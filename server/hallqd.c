/*
 * hallqd, the hall server: HTTP through libmicrohttpd, one thread per connection (so a
 * request may simply wait for the worker, and an event stream may wait for the next event),
 * the queue behind the worker thread, and the signals: SIGTERM stops, SIGHUP reloads.
 * main makes the server (struct hqd) and hands it to libmicrohttpd's callbacks; then the
 * main thread does nothing but wait for signals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "hq_service.h"
#include "server.h"

/* Small on purpose: a hall keeps hundreds of streams open, each with its own buffers. */
#define SSE_BLOCK (4 * 1024)

/* libmicrohttpd's own messages ("Failed to send ... the socket is no longer available"
 * when an event stream's client has gone) go into the same log, in its format; the limits
 * count the requests it refuses itself. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct hqd *srv = cls;
	char line[1024];
	size_t n;

	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	hq_log(HQ_LOG_WARN, "libmicrohttpd: %s", line);
	hqd_limits_mhd_message(srv->limits, line);
}

/* The limits' look at each connection (limits.c): at accept, at its start and close, and
 * when its request line has come. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addrlen;
	return hqd_limits_accept(((struct hqd *)cls)->limits, addr) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct hqd *srv = cls;
	const union MHD_ConnectionInfo *addr, *fd;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		hqd_limits_conn_close(srv->limits, *socket_context);
		*socket_context = NULL;
		return;
	}
	addr = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	*socket_context = hqd_limits_conn_open(srv->limits, addr ? addr->client_addr : NULL,
					       fd ? fd->connect_fd : -1);
}

static struct hqd_limits_conn *limits_conn(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
	(void)uri;
	hqd_limits_line_seen(((struct hqd *)cls)->limits, limits_conn(mc));
	return NULL;
}

/* What one connection's current request carries from call to call of the handler. */
struct conn {
	struct hqd_req req;
	char *body;
	size_t len;
	size_t limit;                /* of the body: [limits] body_bytes, more for a health report */
	bool too_large;
	bool close;                  /* the answer closes the connection */
	double start;
	int status;
};

struct sse {
	struct hqd *srv;
	int64_t cursor;
	bool greeted;
	struct hqd_follow *follow;   /* a public ticket stream's (follow.c); NULL for the hall's */
	char client[272];            /* whose stream it is, for the limits */
};

static const char *query_value(void *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result send_answer(struct MHD_Connection *mc, struct conn *c)
{
	struct hqd_req *r = &c->req;
	struct MHD_Response *resp;
	const char *body = r->resp ? r->resp : "";
	bool html = r->ctype && !strncmp(r->ctype, "text/html", 9);
	enum MHD_Result ok;

	if (r->status == 204 || r->status == 304)
		body = "";
	/* A page or file is sent from the binary's own bytes, which outlive every request. */
	if (r->asset && r->status == 200)
		resp = MHD_create_response_from_buffer(r->asset->len, (void *)r->asset->data,
						       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (r->status != 204 && r->status != 304)
		MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/json");
	if (r->location[0] && r->status < 300)
		MHD_add_response_header(resp, "Location", r->location);
	if (r->cookie[0]) {
		MHD_add_response_header(resp, "Set-Cookie", r->cookie);
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	}
	if (r->replayed)
		MHD_add_response_header(resp, "Idempotent-Replayed", "true");
	if (r->status == 405)
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->vary_accept)
		MHD_add_response_header(resp, "Vary", "Accept");
	if (c->close)
		MHD_add_response_header(resp, "Connection", "close");
	if (r->retry_after) {
		char secs[16];

		snprintf(secs, sizeof secs, "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", secs);
	}
	if (r->asset) {
		MHD_add_response_header(resp, "ETag", r->asset->etag);
		MHD_add_response_header(resp, "Cache-Control", r->cache);
	}
	if (html)
		/* Every page, the ticket status page too, loads this server's scripts and styles
		 * only (web.c): no inline script, nothing from elsewhere. */
		MHD_add_response_header(resp, "Content-Security-Policy", HQD_PAGE_CSP);
	if (html || r->asset) {
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	c->status = r->status;
	ok = MHD_queue_response(mc, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static int read_events(struct hq_queue *q, void *arg)
{
	struct {
		int64_t since;
		struct hq_event ev[64];
		int n;
	} *a = arg;

	a->n = hq_queue_events(q, a->since, a->ev, 64);
	return a->n < 0 ? a->n : 0;
}

/* The event stream: frames from the hub, or from the database for a subscriber further
 * behind than the hub keeps; a comment line when nothing happened for a while. */
static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	long n;

	(void)pos;
	if (!s->greeted) {
		s->greeted = true;
		n = snprintf(buf, max, "retry: 2000\n\n");
		return n;
	}
	if (s->follow) {
		n = hqd_follow_read(s->srv, s->follow, &s->cursor, buf, max);
		return n >= 0 ? n : n == -1 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = hqd_hub_read(s->srv->hub, &s->cursor, buf, max, s->srv->heartbeat_ms);
	if (n == -1)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0) {
		memcpy(buf, ": ping\n\n", 8);
		return 8;
	}
	if (n == -2) {
		struct {
			int64_t since;
			struct hq_event ev[64];
			int n;
		} a = {.since = s->cursor};
		size_t used = 0;
		int i;

		if (hqd_worker_call(s->srv->worker, read_events, &a) || a.n <= 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		for (i = 0; i < a.n; i++) {
			char *f = hqd_event_frame(&a.ev[i]);
			size_t fl = f ? strlen(f) : 0;

			if (!f || used + fl > max) {
				free(f);
				break;
			}
			memcpy(buf + used, f, fl);
			used += fl;
			s->cursor = a.ev[i].id;
			free(f);
		}
		return (ssize_t)used;
	}
	return n;
}

static void sse_free(void *cls)
{
	struct sse *s = cls;

	hqd_hub_subscribers(s->srv->hub, -1);
	hqd_limits_stream_close(s->srv->limits, s->client);
	hqd_follow_free(s->srv, s->follow);
	free(s);
}

/* An event stream that hqd_handle let through: the hall's from r->cursor, or a ticket's,
 * which follow.c finds first. */
static enum MHD_Result start_stream(struct MHD_Connection *mc, struct conn *c)
{
	struct hqd *srv = c->req.srv;
	struct MHD_Response *resp;
	struct sse *s = calloc(1, sizeof *s);
	enum MHD_Result ok;

	if (!s)
		return MHD_NO;
	if ((c->req.retry_after = hqd_limits_stream_open(srv->limits, c->req.limit_client))) {
		free(s);
		hqd_error(&c->req, 503, "busy", "this client has as many event streams open as "
			  "[limits] streams_per_token allows");
		return send_answer(mc, c);
	}
	snprintf(s->client, sizeof s->client, "%s", c->req.limit_client);
	s->srv = srv;
	s->cursor = c->req.cursor;
	if (c->req.route->stream == HQD_STREAM_TICKET && !(s->follow = hqd_follow_start(&c->req))) {
		hqd_limits_stream_close(srv->limits, c->req.limit_client);
		free(s);
		return send_answer(mc, c);
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, s, sse_free);
	if (!resp) {
		hqd_limits_stream_close(srv->limits, c->req.limit_client);
		hqd_follow_free(srv, s->follow);
		free(s);
		return MHD_NO;
	}
	hqd_hub_subscribers(srv->hub, 1);
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	c->status = 200;
	ok = MHD_queue_response(mc, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* The client's address, for the sessions' list. */
static void client_address(struct MHD_Connection *mc, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
}

/* Counts the cookies of the session's name in every Cookie header (MHD parses the first
 * header only). */
static enum MHD_Result count_cookie(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	(void)kind;
	if (key && !strcasecmp(key, "Cookie") && value)
		*(int *)cls += hqd_session_cookies(value);
	return MHD_YES;
}

static const char *header(struct MHD_Connection *mc, const char *name)
{
	return MHD_lookup_connection_value(mc, MHD_HEADER_KIND, name);
}

/* The request as libmicrohttpd parsed it, to hqd_handle (handle.c); then its answer. A
 * connection over [limits] conn_per_addr is answered here, before anything is parsed. */
static enum MHD_Result dispatch(struct hqd *srv, struct MHD_Connection *mc, struct conn *c,
				const char *url, const char *method)
{
	char address[64];
	struct hqd_http in = {
		.method = method, .path = url, .query = query_value, .ctx = mc,
		.authorization = header(mc, "Authorization"),
		.idempotency_key = header(mc, "Idempotency-Key"),
		.origin = header(mc, "Origin"), .host = header(mc, "Host"),
		.csrf_token = header(mc, "X-CSRF-Token"), .accept = header(mc, "Accept"),
		.if_none_match = header(mc, "If-None-Match"),
		.last_event_id = header(mc, "Last-Event-ID"),
		.cookie = MHD_lookup_connection_value(mc, MHD_COOKIE_KIND, HQD_COOKIE),
		.address = address, .body = c->body, .len = c->len, .limit = c->limit,
		.too_large = c->too_large,
	};

	hqd_limits_arrived(srv->limits, limits_conn(mc));
	if ((c->req.retry_after = hqd_limits_conn_over(srv->limits, limits_conn(mc)))) {
		c->close = true;
		snprintf(c->req.method, sizeof c->req.method, "%s", method);
		snprintf(c->req.path, sizeof c->req.path, "%s", url);
		hqd_error(&c->req, 503, "busy", "this address has as many connections open as [limits] "
			  "conn_per_addr allows");
		return send_answer(mc, c);
	}
	client_address(mc, address, sizeof address);
	if (in.cookie && *in.cookie && !in.authorization)
		MHD_get_connection_values(mc, MHD_HEADER_KIND, count_cookie, &in.cookies);
	if (hqd_handle(srv, &c->req, &in))
		return send_answer(mc, c);
	return start_stream(mc, c);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct hqd *srv = cls;
	struct conn *c = *con_cls;

	(void)version;
	if (!c) {
		if (!(c = calloc(1, sizeof *c)))
			return MHD_NO;
		c->start = (hq_mono_us() / 1e6);
		c->limit = hqd_body_limit(srv, method, url, header(mc, "Authorization"));
		snprintf(c->req.role, sizeof c->req.role, "-");
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Read and drop the rest of an oversized body, so the 413 can be sent. */
		if (!c->too_large && c->len + *upload_size <= c->limit) {
			char *grown = realloc(c->body, c->len + *upload_size);

			if (!grown)
				return MHD_NO;
			c->body = grown;
			memcpy(c->body + c->len, upload, *upload_size);
			c->len += *upload_size;
		} else {
			c->too_large = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(srv, mc, c, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct hqd *srv = cls;
	struct conn *c = *con_cls;
	double took;

	(void)why;
	hqd_limits_answered(srv->limits, limits_conn(mc));
	if (!c)
		return;
	took = (hq_mono_us() / 1e6) - c->start;
	if (c->req.route) {
		hqd_metrics_request(srv->metrics, c->req.route->name, c->status, took);
		hq_log(HQ_LOG_INFO, "%s %s %d %.1fms %s", c->req.method, c->req.path, c->status, took * 1000.0, c->req.role);
	}
	json_decref(c->req.body);
	free(c->req.resp);
	free(c->body);
	free(c);
	*con_cls = NULL;
}

static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof host)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
	}
}

static void reload_tokens(struct hqd *srv)
{
	struct hqd_tokens fresh, old;
	char err[512];

	if (hqd_tokens_load(srv->tokens_path, &fresh, err, sizeof err)) {
		hq_log(HQ_LOG_WARN, "reload: %s; keeping the running tokens", err);
		return;
	}
	pthread_rwlock_wrlock(&srv->tokens_lock);
	old = srv->tokens;
	srv->tokens = fresh;
	pthread_rwlock_unlock(&srv->tokens_lock);
	hqd_tokens_free(&old);
	hq_log(HQ_LOG_INFO, "reload: %zu tokens from %s", fresh.n, srv->tokens_path);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hallqd --config FILE --db FILE --listen ADDR:PORT --tokens FILE [--heartbeat SECONDS]\n"
		   "              [--tls-cert FILE --tls-key FILE]\n"
		   "              [--unit-stale SECONDS] [--kiosk-stale SECONDS] [--ticket-streams N]\n"
		   "              [--clock \"YYYY-MM-DD HH:MM\" [--speed N]]\n"
		   "  The hall server: HTTP/JSON API and event stream over the queue. See docs/api.md.\n"
		   "  --tls-cert, --tls-key: serve HTTPS with this PEM certificate (chain) and its key.\n"
		   "  --heartbeat: comment lines on idle event streams (default 15 s); --unit-stale: a\n"
		   "  gateway silent this long shows as down in /api/v1/units and /metrics (default 30 s);\n"
		   "  --kiosk-stale: the same for a kiosk in /api/v1/kiosks and /metrics (default 30 s).\n"
		   "  --ticket-streams: citizens' ticket streams open at once, more get 503 (default 2000).\n"
		   "  --clock, --speed: a simulated clock for simulations and tests, never in a running hall:\n"
		   "  the hall's time starts at --clock (local time) and runs N times as fast (1 to 1000).\n"
		   "  SIGTERM stops it; SIGHUP re-reads the config and the tokens file.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'}, {"tokens", required_argument, NULL, 't'},
		{"heartbeat", required_argument, NULL, 'b'}, {"unit-stale", required_argument, NULL, 's'},
		{"kiosk-stale", required_argument, NULL, 'k'}, {"clock", required_argument, NULL, 'C'},
		{"speed", required_argument, NULL, 'S'}, {"ticket-streams", required_argument, NULL, 'T'},
		{"tls-cert", required_argument, NULL, 'E'}, {"tls-key", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		/* Hidden, for tests: sessions that last seconds instead of session_hours. */
		{"session-seconds", required_argument, NULL, 'x'},
		{"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *db = NULL, *listen_at = NULL, *clock_at = NULL;
	const char *tls_cert = NULL, *tls_key = NULL;
	char *cert_pem = NULL, *key_pem = NULL;
	struct hqd srv = {.heartbeat_ms = 15000, .ticket_streams_max = HQD_TICKET_STREAMS};
	int64_t clock_ms = 0, unit_stale_ms = 30000, kiosk_stale_ms = 30000;
	long speed = 0;
	struct sockaddr_storage addr;
	struct hq_limits_cfg limits;
	struct MHD_Daemon *d;
	char err[1024], *end;
	sigset_t sigs;
	int opt, sig, rc = 1;
	long n;

	hq_log_init("hallqd");
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'd': db = optarg; break;
		case 'l': listen_at = optarg; break;
		case 't': srv.tokens_path = optarg; break;
		case 'b':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 3600) {
				fprintf(stderr, "hallqd: --heartbeat takes 1 to 3600 seconds, not '%s'\n", optarg);
				return 2;
			}
			srv.heartbeat_ms = (int)n * 1000;
			break;
		case 's':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 3600) {
				fprintf(stderr, "hallqd: --unit-stale takes 1 to 3600 seconds, not '%s'\n", optarg);
				return 2;
			}
			unit_stale_ms = n * 1000;
			break;
		case 'k':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 3600) {
				fprintf(stderr, "hallqd: --kiosk-stale takes 1 to 3600 seconds, not '%s'\n", optarg);
				return 2;
			}
			kiosk_stale_ms = n * 1000;
			break;
		case 'T':
			n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > HQD_TICKET_STREAMS) {
				fprintf(stderr, "hallqd: --ticket-streams takes 0 to %d, not '%s'\n",
					HQD_TICKET_STREAMS, optarg);
				return 2;
			}
			srv.ticket_streams_max = (int)n;
			break;
		case 'C':
			if (hq_parse_local_time(optarg, &clock_ms)) {
				fprintf(stderr, "hallqd: --clock takes a local time \"YYYY-MM-DD HH:MM\", not '%s'\n", optarg);
				return 2;
			}
			clock_at = optarg;
			break;
		case 'S':
			speed = strtol(optarg, &end, 10);
			if (*end || speed < 1 || speed > HQ_SPEED_MAX) {
				fprintf(stderr, "hallqd: --speed takes 1 to %d, not '%s'\n", HQ_SPEED_MAX, optarg);
				return 2;
			}
			break;
		case 'x':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 720 * 3600) {
				fprintf(stderr, "hallqd: --session-seconds takes 1 to %d, not '%s'\n", 720 * 3600, optarg);
				return 2;
			}
			srv.session_ttl_ms = n * 1000LL;
			break;
		case 'E': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hallqd %s\n", HQ_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config || !db || !listen_at || !srv.tokens_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (speed && !clock_at) {
		fprintf(stderr, "hallqd: --speed needs --clock, the simulated time to start from\n");
		return 2;
	}
	if (parse_listen(listen_at, &addr)) {
		fprintf(stderr, "hallqd: --listen '%s' is not ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080\n", listen_at);
		return 2;
	}
	if (!tls_cert != !tls_key) {
		fprintf(stderr, "hallqd: --tls-cert and --tls-key go together: the certificate and its key\n");
		return 2;
	}
	if (tls_cert && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		fprintf(stderr, "hallqd: this libmicrohttpd was built without TLS\n");
		return 1;
	}
	if (tls_cert && hqd_tls_load(tls_cert, tls_key, &cert_pem, &key_pem, err, sizeof err)) {
		fprintf(stderr, "hallqd: %s\n", err);
		return 1;
	}
	srv.tls = tls_cert != NULL;
	/* The worker checks the whole file again; hallqd needs its [limits] before it listens. */
	if (hqd_limits_load(config, &limits, err, sizeof err)) {
		fprintf(stderr, "hallqd: %s\n", err);
		goto keys;
	}
	if (hqd_tokens_load(srv.tokens_path, &srv.tokens, err, sizeof err)) {
		fprintf(stderr, "hallqd: %s\n", err);
		goto keys;
	}
	pthread_rwlock_init(&srv.tokens_lock, NULL);
	/* Signals go to this thread only, via sigwait; every thread started below inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Set before the worker opens the hall: the first thing it stamps is hall time. */
	if (clock_at)
		hq_sim_clock_start(&srv.clock, clock_ms, speed ? (int)speed : 1);
	if (!(srv.hub = hqd_hub_new()) || !(srv.metrics = hqd_metrics_new()) ||
	    !(srv.units = hqd_units_new(unit_stale_ms)) || !(srv.kiosks = hqd_kiosks_new(kiosk_stale_ms)) ||
	    !(srv.syncs = hqd_syncs_new(kiosk_stale_ms)) ||
	    !(srv.plain = hqd_plain_new()) || !(srv.limits = hqd_limits_new(&limits))) {
		fprintf(stderr, "hallqd: out of memory\n");
		goto done;
	}
	if (hqd_worker_start(&srv.worker, &srv, db, config, err, sizeof err)) {
		fprintf(stderr, "hallqd: %s\n", err);
		goto done;
	}
	/* The tokens file may have lost a token while hallqd was down. */
	hqd_sessions_sweep(&srv);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			     MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
			     (srv.tls ? MHD_USE_TLS : 0),
			     0, on_accept, &srv, on_request, &srv,
			     /* First, so that it also hears about the options after it. */
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &srv,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)limits.idle_timeout,
			     MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)limits.header_bytes,
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, &srv,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, &srv,
			     MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
			     /* Last: without TLS, the list ends at the first of them. */
			     srv.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert_pem,
			     MHD_OPTION_HTTPS_MEM_KEY, key_pem,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "hallqd: cannot listen on %s: %s\n", listen_at, strerror(errno));
		goto done;
	}
	hq_log(HQ_LOG_INFO, "listening on %s%s; hall database %s, config %s", listen_at,
	       srv.tls ? " (TLS)" : "", db, config);
	if (clock_at) {
		char when[32];

		/* Loud: a hall run on this clock by mistake would stamp every ticket wrongly. */
		hq_format_local_time(hq_sim_clock_now(&srv.clock), when, sizeof when);
		hq_log(HQ_LOG_INFO, "clock: SIMULATED, started at %s, %dx real time; now %s (not for a running hall)",
			clock_at, srv.clock.speed, when);
	}
	/* The worker has the hall open and the socket listens: requests are answered now. */
	hq_service_ready(listen_at);

	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			/* The worker's reload is synchronous: READY=1 comes after the new config. */
			hq_service_reloading();
			reload_tokens(&srv);
			if (!hqd_limits_load(config, &limits, err, sizeof err))
				hqd_limits_set(srv.limits, &limits);
			hqd_sessions_sweep(&srv);
			hqd_worker_reload(srv.worker);
			hq_service_ready(listen_at);
			continue;
		}
		break;
	}
	hq_service_stopping();
	hq_log(HQ_LOG_INFO, "stopping (signal %d)", sig);
	hqd_hub_shutdown(srv.hub);
	MHD_stop_daemon(d);
	rc = 0;
done:
	/* The worker first: it publishes to the hub and counts into the metrics. */
	hqd_worker_stop(srv.worker);
	hqd_health_free(srv.kiosks);
	hqd_health_free(srv.syncs);
	hqd_health_free(srv.units);
	hqd_metrics_free(srv.metrics);
	hqd_limits_free(srv.limits);
	hqd_hub_free(srv.hub);
	hqd_plain_free(srv.plain);
	hqd_tokens_free(&srv.tokens);
	pthread_rwlock_destroy(&srv.tokens_lock);
	if (!rc)
		hq_log(HQ_LOG_INFO, "stopped");
keys:
	/* After the daemon has stopped (or never started): it reads them while it starts. */
	if (key_pem)
		explicit_bzero(key_pem, strlen(key_pem));
	free(key_pem);
	free(cert_pem);
	return rc;
}
