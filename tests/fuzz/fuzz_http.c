/*
 * libFuzzer harness of hallqd's request handling: every input is one HTTP request, handed
 * to hqd_handle (server/handle.c), the function hallqd's libmicrohttpd callback calls, on a
 * server made once like hallqd's main makes it: the sample hall (assets/halls/
 * county-centre.ini, or $HALLQ_FUZZ_HALL) on a database in memory, behind the real worker
 * thread, with one token of every role and two signed-in web sessions.
 *
 * An input reads like the request on the wire, so that the seeds (tests/fuzz/corpus/http/)
 * are readable and the fuzzer's mutations stay requests:
 *
 *     POST /api/v1/counters/3/call-next?x=1
 *     Authorization: @3
 *     Idempotency-Key: k1
 *
 *     {"json": "body"}
 *
 * The first line is the method and the target (its path percent-decoded, as libmicrohttpd
 * does; its query string split and decoded into pairs); then header lines up to an empty
 * one; the rest is the body. Tokens cannot be guessed, so placeholders stand for them:
 * "Authorization: @C" is "Bearer " and the token of entry C (a digit, else the byte % 10, of
 * the table below), a Cookie
 * header's "@N" is session N % 2's secret (0 the manager's, 1 counter 3's) and so is an
 * X-CSRF-Token's "@N" its CSRF token. Anything else is sent as it is. An input may hold up
 * to 8 requests, each ended by a line "###", run in order: a ticket issued, called and
 * finished, then reviewed.
 *
 * Every answered request must have a status from 200 to 599 and, when its type is JSON, a
 * body that is JSON: a route that forgets to answer, or an answer that json_pack could not
 * build (bytes that are not UTF-8 in a message; hqd_json answers 500 "answer" then), is a
 * crash here, since the client gets no answer it asked for.
 *
 * The hall grows with every ticket issued: every HALLQ_FUZZ_RESET inputs (default 2000; 1
 * to reproduce a crash that needs a fresh hall) the server is made again on a new database.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <crypt.h>

#include "server.h"

#define MAX_PAIRS 16
#define MAX_COOKIES 4

/* The tokens, one of each role; "Authorization: @C" picks entry C % NTOKENS. */
static const struct {
	enum hqd_role role;
	int counter;
	const char *token;
} tokens[] = {
	{ROLE_KIOSK, 0, "fuzz-kiosk-0123456789abcdef"},
	{ROLE_BOOKING, 0, "fuzz-booking-0123456789abcdef"},
	{ROLE_DISPLAY, 0, "fuzz-display-0123456789abcdef"},
	{ROLE_COUNTER, 3, "fuzz-counter3-0123456789abcdef"},
	{ROLE_GATEWAY, 0, "fuzz-gateway-0123456789abcdef"},
	{ROLE_REVIEW, 0, "fuzz-review-0123456789abcdef"},
	{ROLE_EVALUATOR, 3, "fuzz-evaluator3-0123456789abcdef"},
	{ROLE_MANAGER, 0, "fuzz-manager-0123456789abcdef"},
	{ROLE_ADMIN, 0, "fuzz-admin-0123456789abcdef"},
	{ROLE_COUNTER, 1, "fuzz-counter1-0123456789abcdef"},
};
#define NTOKENS (sizeof tokens / sizeof tokens[0])

static struct hqd srv;
static const char *hall;
static long reset_every = 2000, handled;
static bool verbose;               /* HALLQ_FUZZ_VERBOSE: each request and its answer */
/* The web sessions signed in at each start: 0 by the manager's token, 1 by counter 3's. */
static struct {
	char secret[128];
	char csrf[128];
} sessions[2];

struct query {
	char *key[MAX_PAIRS], *value[MAX_PAIRS];
	int n;
};

static const char *query_value(void *ctx, const char *key)
{
	const struct query *q = ctx;

	for (int i = 0; i < q->n; i++)
		if (!strcmp(q->key[i], key))
			return q->value[i];
	return NULL;
}

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* %XX and, in a query, '+' for a blank, in place, as libmicrohttpd decodes them. */
static void unescape(char *s, bool plus)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
			*o++ = (char)(hex(s[1]) * 16 + hex(s[2]));
			s += 2;
		} else {
			*o++ = plus && *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

static void split_query(char *s, struct query *q)
{
	q->n = 0;
	while (s && *s && q->n < MAX_PAIRS) {
		char *amp = strchr(s, '&'), *eq;

		if (amp)
			*amp = '\0';
		if ((eq = strchr(s, '=')))
			*eq = '\0';
		unescape(s, true);
		q->key[q->n] = s;
		q->value[q->n] = eq ? eq + 1 : s + strlen(s);
		unescape(q->value[q->n], true);
		q->n++;
		s = amp ? amp + 1 : NULL;
	}
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_http: %s\n", what);
	abort();
}

/* The session cookie's value as libmicrohttpd parses the first Cookie header: the value of
 * the first pair named HQD_COOKIE, without its quotes; into out. */
static const char *cookie_value(const char *header, char *out, size_t len)
{
	const size_t name = strlen(HQD_COOKIE);

	for (const char *p = header; p && *p;) {
		p += strspn(p, " \t");
		if (!strncmp(p, HQD_COOKIE, name) && p[name] == '=') {
			const char *v = p + name + 1;
			size_t n = strcspn(v, ";");

			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v++;
				n -= 2;
			}
			snprintf(out, len, "%.*s", (int)n, v);
			return out;
		}
		p = strchr(p, ';');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

/* s with each "@N" replaced by what(N); into buf. */
static const char *expand(const char *s, char *buf, size_t len, bool csrf)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++) {
		if (*s == '@' && s[1]) {
			const char *v = csrf ? sessions[(unsigned char)s[1] % 2].csrf
					     : sessions[(unsigned char)s[1] % 2].secret;

			n += (size_t)snprintf(buf + n, len - n, "%s", v);
			if (n >= len)
				n = len - 1;
			s++;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* The answer must be one a client could read. */
static void check_answer(const struct hqd_req *r)
{
	if (r->status < 200 || r->status > 599)
		fail("a request was answered without an HTTP status");
	if (r->status == 204 || r->status == 304 || r->asset)
		return;
	if (r->ctype && !strcmp(r->ctype, "application/json")) {
		json_t *v = r->resp ? json_loads(r->resp, 0, NULL) : NULL;

		if (!v)
			fail("a JSON answer has no body, or one that is not JSON");
		json_decref(v);
		if (!strcmp(r->resp, HQD_ANSWER_FAILED))
			fail("a route's answer could not be made (json_pack failed)");
	}
}

/* Sign a page in with a token, as the browser does, keeping its cookie and CSRF token. */
static void sign_in(int which, const char *token)
{
	char body[160];
	struct hqd_req r = {0};
	struct query q = {0};
	struct hqd_http in = {.method = "POST", .path = "/api/v1/session", .query = query_value,
			      .ctx = &q, .host = "hall.example", .address = "127.0.0.1",
			      .body = body, .limit = HQD_BODY_MAX};
	json_t *v;
	const char *csrf, *c;

	in.len = (size_t)snprintf(body, sizeof body, "{\"token\": \"%s\"}", token);
	if (!hqd_handle(&srv, &r, &in) || r.status != 201 || !r.cookie[0])
		fail(r.resp ? r.resp : "cannot sign a session in");
	c = r.cookie + strlen(HQD_COOKIE "=");
	snprintf(sessions[which].secret, sizeof sessions[which].secret, "%.*s", (int)strcspn(c, ";"), c);
	v = json_loads(r.resp, 0, NULL);
	csrf = json_string_value(json_object_get(v, "csrf"));
	snprintf(sessions[which].csrf, sizeof sessions[which].csrf, "%s", csrf ? csrf : "");
	json_decref(v);
	json_decref(r.body);
	free(r.resp);
}

static void server_stop(void)
{
	hqd_worker_stop(srv.worker);
	hqd_health_free(srv.kiosks);
	hqd_health_free(srv.syncs);
	hqd_health_free(srv.units);
	hqd_metrics_free(srv.metrics);
	hqd_hub_free(srv.hub);
	srv.worker = NULL;
}

static void server_start(void)
{
	char err[512];
	int64_t at;

	/* A Monday at 10:00, when every weekday service is open; it runs on from there. */
	if (hq_parse_local_time("2026-11-23 10:00", &at) || hq_sim_clock_start(&srv.clock, at, 1))
		fail("cannot set the clock");
	if (!(srv.hub = hqd_hub_new()) || !(srv.metrics = hqd_metrics_new()) ||
	    !(srv.units = hqd_units_new(30000)) || !(srv.kiosks = hqd_kiosks_new(30000)) ||
	    !(srv.syncs = hqd_syncs_new(30000)))
		fail("out of memory");
	if (hqd_worker_start(&srv.worker, &srv, ":memory:", hall, err, sizeof err))
		fail(err);
	sign_in(0, tokens[7].token);
	sign_in(1, tokens[3].token);
}

/*
 * The hall with cheap PIN hashes: the sample's are yescrypt at the default cost, about 0.1 s
 * each, which would hold every clerk's sign-in the fuzzer tries to a few a second. Each
 * clerk of the pins file beside the hall (county-centre.pins: CLERK PIN) gets a SHA-256
 * crypt of the same PIN at the least cost instead, in a copy of the hall in $TMPDIR; the
 * rest of the file is the sample's, byte for byte. The path of the copy, or of the hall
 * itself when it has no pins file.
 */
static char hall_copy[4096];

static void remove_copy(void)
{
	unlink(hall_copy);
}

static const char *cheap_pins(const char *path)
{
	char pins_path[4096], line[1024], clerk[64] = "", pins[64][2][32], hash[256];
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	FILE *in, *pf, *out;
	int npins = 0, fd;
	size_t n = strlen(path);

	snprintf(pins_path, sizeof pins_path, "%.*s.pins", (int)(n > 4 && !strcmp(path + n - 4, ".ini") ? n - 4 : n), path);
	if (!(pf = fopen(pins_path, "r")))
		return path;
	while (npins < 64 && fgets(line, sizeof line, pf))
		if (line[0] != '#' && sscanf(line, "%31s %31s", pins[npins][0], pins[npins][1]) == 2)
			npins++;
	fclose(pf);
	snprintf(hall_copy, sizeof hall_copy, "%s/fuzz_http-hall-XXXXXX", tmp);
	if ((fd = mkstemp(hall_copy)) < 0 || !(out = fdopen(fd, "w")))
		fail("cannot copy the hall to $TMPDIR");
	if (!(in = fopen(path, "r")))
		fail("cannot read the hall");
	atexit(remove_copy);
	while (fgets(line, sizeof line, in)) {
		const char *pin = NULL;

		if (sscanf(line, "[clerk %63[^]]]", clerk) != 1 && strncmp(line, "pin = ", 6) == 0)
			for (int i = 0; i < npins && !pin; i++)
				if (!strcmp(pins[i][0], clerk))
					pin = pins[i][1];
		if (line[0] == '[' && strncmp(line, "[clerk ", 7))
			clerk[0] = '\0';
		if (pin) {
			struct crypt_data cd = {0};
			const char *h = crypt_r(pin, "$5$rounds=1000$fuzzhttp$", &cd);

			snprintf(hash, sizeof hash, "%s", h ? h : "*");
			fprintf(out, "pin = %s\n", hash);
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	if (fclose(out))
		fail("cannot copy the hall to $TMPDIR");
	return hall_copy;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("HALLQ_FUZZ_RESET");

	(void)argc;
	(void)argv;
	hq_log_init("fuzz_http");
	hq_log_level = getenv("HALLQ_FUZZ_LOG") ? HQ_LOG_DEBUG : HQ_LOG_ERROR + 1;
	hall = cheap_pins(getenv("HALLQ_FUZZ_HALL") ? getenv("HALLQ_FUZZ_HALL") : "assets/halls/county-centre.ini");
	verbose = getenv("HALLQ_FUZZ_VERBOSE") != NULL;
	if (e && atol(e) > 0)
		reset_every = atol(e);
	srv.tokens.n = NTOKENS;
	if (!(srv.tokens.v = calloc(NTOKENS, sizeof *srv.tokens.v)))
		fail("out of memory");
	for (size_t i = 0; i < NTOKENS; i++) {
		srv.tokens.v[i].role = tokens[i].role;
		srv.tokens.v[i].counter = tokens[i].counter;
		if (!hqd_token_digest(tokens[i].token, srv.tokens.v[i].sha256))
			abort();
	}
	pthread_rwlock_init(&srv.tokens_lock, NULL);
	/* An event stream's wait for the next event: as short as can be. */
	srv.heartbeat_ms = 1;
	srv.ticket_streams_max = 4;
	server_start();
	return 0;
}

/* An event stream hqd_handle let through: started and read once, as hallqd would. */
static void stream(struct hqd_req *r)
{
	char buf[4096];
	int64_t cursor = r->cursor;

	if (r->route->stream == HQD_STREAM_TICKET) {
		struct hqd_follow *f = hqd_follow_start(r);

		if (!f) {
			check_answer(r);
			return;
		}
		hqd_follow_read(&srv, f, &cursor, buf, sizeof buf);
		hqd_follow_free(&srv, f);
		return;
	}
	hqd_hub_read(srv.hub, &cursor, buf, sizeof buf, 0);
}

/* One request of the input: text, len bytes, NUL-terminated, split up in place. */
static void one_request(char *text, size_t len)
{
	char *line, *next, *target, *qs, *body = NULL;
	char auth[300], cookie[512], value[512], csrf[256];
	char *cookies[MAX_COOKIES];
	int ncookies = 0;
	struct query q = {0};
	struct hqd_req r = {0};
	struct hqd_http in = {.query = query_value, .ctx = &q, .address = "192.0.2.7"};

	/* The request line. */
	next = strchr(text, '\n');
	if (next)
		*next++ = '\0';
	line = text;
	line[strcspn(line, "\r")] = '\0';
	target = strchr(line, ' ');
	if (!target || target == line)
		return;
	*target++ = '\0';
	target[strcspn(target, " ")] = '\0';
	if ((qs = strchr(target, '?')))
		*qs++ = '\0';
	unescape(target, false);
	split_query(qs, &q);
	in.method = line;
	in.path = target;
	/* The headers, up to an empty line; the body after it. */
	while (next) {
		char *colon, *v;

		line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (!*line) {
			body = next;
			break;
		}
		if (!(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		v = colon + 1 + strspn(colon + 1, " \t");
		if (!strcasecmp(line, "Authorization")) {
			if (v[0] == '@' && v[1] && !v[2]) {
				unsigned c = (unsigned char)v[1];

				c = c >= '0' && c <= '9' ? c - '0' : c % NTOKENS;
				snprintf(auth, sizeof auth, "Bearer %s", tokens[c].token);
				v = auth;
			}
			in.authorization = v;
		} else if (!strcasecmp(line, "Cookie")) {
			if (ncookies < MAX_COOKIES)
				cookies[ncookies++] = v;
		} else if (!strcasecmp(line, "Idempotency-Key")) {
			in.idempotency_key = v;
		} else if (!strcasecmp(line, "Origin")) {
			in.origin = v;
		} else if (!strcasecmp(line, "Host")) {
			in.host = v;
		} else if (!strcasecmp(line, "X-CSRF-Token")) {
			in.csrf_token = expand(v, csrf, sizeof csrf, true);
		} else if (!strcasecmp(line, "Accept")) {
			in.accept = v;
		} else if (!strcasecmp(line, "If-None-Match")) {
			in.if_none_match = v;
		} else if (!strcasecmp(line, "Last-Event-ID")) {
			in.last_event_id = v;
		}
	}
	/* libmicrohttpd parses the first Cookie header only; hallqd counts the session's
	 * cookies in every one, when no token comes first. */
	if (ncookies)
		in.cookie = cookie_value(expand(cookies[0], cookie, sizeof cookie, false), value, sizeof value);
	if (in.cookie && *in.cookie && !in.authorization)
		for (int i = 0; i < ncookies; i++)
			in.cookies += hqd_session_cookies(i ? cookies[i] : cookie);
	if (body) {
		in.body = body;
		in.len = len - (size_t)(body - text);
	}
	in.limit = hqd_body_limit(&srv, in.method, in.path, in.authorization);
	if (in.len > in.limit) {
		in.too_large = true;
		in.body = NULL;
		in.len = 0;
	}
	if (hqd_handle(&srv, &r, &in))
		check_answer(&r);
	else
		stream(&r);
	if (verbose)
		fprintf(stderr, "%s %s -> %d %.200s\n", in.method, in.path, r.status,
			r.asset ? "(asset)" : r.resp ? r.resp : "");
	json_decref(r.body);
	free(r.resp);
}

/* The requests of one input, each ending at a line "###" (at most MAX_REQUESTS). */
#define SEPARATOR "\n###\n"
#define MAX_REQUESTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p, *end;
	int n = 0;

	if (!text)
		return 0;
	if (++handled % reset_every == 0) {
		server_stop();
		server_start();
	}
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; p && n < MAX_REQUESTS; n++) {
		size_t len;

		/* memmem, not strstr: a body may hold NUL bytes. */
		end = memmem(p, size - (size_t)(p - text), SEPARATOR, strlen(SEPARATOR));
		len = end ? (size_t)(end - p) : size - (size_t)(p - text);
		if (end)
			*end = '\0';
		one_request(p, len);
		p = end ? end + strlen(SEPARATOR) : NULL;
	}
	free(text);
	return 0;
}
