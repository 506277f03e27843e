/*
 * The web pages' sign-in (docs/api.md, Sessions): a page signs in with a token or with a
 * clerk's id and PIN, and gets a cookie that stands for a session of the queue
 * (hq_session.h). The cookie is HttpOnly and SameSite=Strict, so no script reads it and no
 * other site's page sends it; a write that it signs in must still carry the session's CSRF
 * token in a header and come from no other Origin, since a browser sends a cookie with any
 * request to its site. The cookie's secret comes from gnutls_rnd; the database keeps its
 * sha256 only, so that a copy of the file signs nobody in.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "server.h"

#define SECRET_BYTES 32              /* the cookie's secret: 64 hex digits */
#define CSRF_BYTES 16                /* the page's CSRF token: 32 hex digits */

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* n random bytes as 2n hex digits into out; false when gnutls has none to give. */
static bool random_hex(size_t n, char *out)
{
	unsigned char b[SECRET_BYTES];

	if (n > sizeof b || gnutls_rnd(GNUTLS_RND_KEY, b, n) < 0)
		return false;
	to_hex(b, n, out);
	explicit_bzero(b, sizeof b);
	return true;
}

static bool secret_ok(const char *s)
{
	return strlen(s) == 2 * SECRET_BYTES && strspn(s, "0123456789abcdef") == 2 * SECRET_BYTES;
}

/* The hex sha256 of a cookie's secret: what the database knows it by. */
static bool secret_hash(const char *secret, char out[HQ_SESSION_HASH_LEN + 1])
{
	unsigned char d[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), d) < 0)
		return false;
	to_hex(d, sizeof d, out);
	return true;
}

/* Compared in the same time wherever they differ. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned diff = (unsigned)(la ^ lb);

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return diff == 0 && la > 0;
}

/* Looking a session up ---------------------------------------------------------------- */

struct find {
	char hash[HQ_SESSION_HASH_LEN + 1];
	struct hq_session *out;
	char *err;
	size_t errlen;
};

static int find_on_worker(struct hq_queue *q, void *arg)
{
	struct find *f = arg;
	int rc = hq_queue_session_find(q, f->hash, f->out);

	if (rc)
		snprintf(f->err, f->errlen, "%s", rc == HQ_ENOSESSION ? hq_queue_errmsg(q) :
			 "the session could not be looked up; try again");
	return rc;
}

int hqd_session_lookup(struct hqd *srv, const char *secret, struct hq_session *out,
		       struct hqd_token *who, char *err, size_t errlen)
{
	struct find f = {.out = out, .err = err, .errlen = errlen};

	memset(who, 0, sizeof *who);
	if (!secret_ok(secret)) {
		snprintf(err, errlen, "the %s cookie is not a session's; sign in again", HQD_COOKIE);
		return -1;
	}
	if (!secret_hash(secret, f.hash)) {
		snprintf(err, errlen, "the session could not be checked; try again");
		return -1;
	}
	err[0] = '\0';
	if (hqd_worker_call(srv->worker, find_on_worker, &f)) {
		if (!err[0])
			snprintf(err, errlen, "the session could not be looked up; try again");
		return -1;
	}
	if (hqd_role_parse(out->role, who)) {
		snprintf(err, errlen, "session %s has a role unknown here (%s)", out->id, out->role);
		return -1;
	}
	return 0;
}

/* Is the Origin header's host (and port) the Host the request was sent to? */
static bool same_origin(const char *origin, const char *host)
{
	const char *p = strstr(origin, "://");

	if (!p || !host || !*host)
		return false;
	p += 3;
	return strcasecmp(p, host) == 0;
}

static void sign_in_route(struct hq_queue *q, struct hqd_req *r);

bool hqd_session_write_ok(struct hqd_req *r, const char *origin, const char *host,
			  const char *csrf)
{
	bool sign_in = r->route && r->route->run == sign_in_route;

	if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD") || (!r->session && !sign_in))
		return true;
	/* The sign-in acts for no session, but a page of another site must not sign a
	 * browser in here either. */
	if (origin && !same_origin(origin, host)) {
		hqd_error(r, 403, "origin", "this request came from another site (Origin %.100s); "
			  "only the hall's own pages may send it", origin);
		return false;
	}
	if (sign_in)
		return true;
	if (!csrf || !same_secret(csrf, r->session->csrf)) {
		hqd_error(r, 403, "csrf", "this needs the page's X-CSRF-Token header (the csrf of "
			  "GET /api/v1/session)");
		return false;
	}
	return true;
}

/* Ending the sessions of removed tokens ------------------------------------------------- */

struct sweep {
	char (*hashes)[HQ_SESSION_HASH_LEN + 1]; /* the tokens file's, as sessions keep them */
	size_t n;
	int ended;
};

static int sweep_on_worker(struct hq_queue *q, void *arg)
{
	struct sweep *w = arg;
	struct hq_session *v;
	size_t n, i, j;
	int rc;

	if ((rc = hq_queue_sessions(q, false, &v, &n)))
		return rc;
	for (i = 0; i < n && rc == HQ_OK; i++) {
		if (!v[i].token_sha256[0])
			continue; /* a clerk's PIN: it ends with the clerk's sign-in */
		for (j = 0; j < w->n && strcmp(w->hashes[j], v[i].token_sha256); j++)
			;
		if (j < w->n)
			continue;
		if ((rc = hq_queue_session_revoke(q, v[i].id, "its token was removed")) == HQ_OK) {
			hq_log(HQ_LOG_INFO, "session %s (%s): its token is no longer in the tokens file; "
			       "ended", v[i].id, v[i].role);
			w->ended++;
		}
	}
	free(v);
	return rc;
}

int hqd_sessions_sweep(struct hqd *srv)
{
	struct sweep w = {0};
	size_t i, total;
	int rc = -1;

	pthread_rwlock_rdlock(&srv->tokens_lock);
	total = srv->tokens.n;
	if (total && !(w.hashes = calloc(total, sizeof *w.hashes))) {
		pthread_rwlock_unlock(&srv->tokens_lock);
		goto fail;
	}
	/* The tokens file keeps only its tokens' sha256, which is what a session keeps too. */
	for (i = 0; i < total; i++)
		to_hex(srv->tokens.v[i].sha256, sizeof srv->tokens.v[i].sha256, w.hashes[w.n++]);
	pthread_rwlock_unlock(&srv->tokens_lock);
	rc = hqd_worker_call(srv->worker, sweep_on_worker, &w) ? -1 : w.ended;
fail:
	if (rc < 0)
		hq_log(HQ_LOG_WARN, "the sessions of removed tokens could not be ended; they last until "
		       "they expire or are revoked (hallq sessions revoke)");
	free(w.hashes);
	return rc;
}

/* The routes ---------------------------------------------------------------------------- */

/* Set-Cookie for the session's secret, for as long as it lasts; NULL secret: the cookie
 * removed. Secure only over TLS: a browser drops a Secure cookie sent over plain HTTP. */
static void set_cookie(struct hqd_req *r, const char *secret, int64_t max_age_s)
{
	snprintf(r->cookie, sizeof r->cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
		 HQD_COOKIE, secret ? secret : "", secret ? (long long)max_age_s : 0LL,
		 r->tls ? "; Secure" : "");
}

static json_t *session_json(struct hq_queue *q, const struct hq_session *s)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:s}", "session", s->id, "role", s->role,
			 "counter", s->counter, "clerk", s->clerk, "csrf", s->csrf,
			 "expires", hqd_iso_time(s->expires), "hall", hq_queue_config(q)->name);
}

/* The role a token signs a page in as; false when answered (unknown token, or a role that
 * no page is for). */
static bool token_role(struct hqd_req *r, const char *token, struct hq_session *s)
{
	struct hqd_token who = {0};
	const struct hqd_token *t;

	pthread_rwlock_rdlock(&r->srv->tokens_lock);
	if ((t = hqd_tokens_find(&r->srv->tokens, token)))
		who = *t;
	pthread_rwlock_unlock(&r->srv->tokens_lock);
	if (!t) {
		hqd_error(r, 401, "unauthorized", "that token is not known here");
		return false;
	}
	hqd_role_label(&who, s->role, sizeof s->role);
	/* The token came in the body: over plain HTTP, as readable as in a header. */
	if (!hqd_plain_token(r, s->role))
		return false;
	/* A booking system and a gateway are programs, not people at a page: their tokens
	 * stay in their own config files. */
	if (who.role == ROLE_BOOKING || who.role == ROLE_GATEWAY) {
		hqd_error(r, 403, "session", "a %s token cannot sign a page in; it is for its program's "
			  "Authorization header", hqd_role_name(who.role));
		return false;
	}
	hqd_role_label(&who, s->role, sizeof s->role);
	s->counter = who.counter;
	/* Which token it was, so that removing it from the file ends this session. */
	if (!secret_hash(token, s->token_sha256)) {
		hqd_error(r, 500, "random", "the token could not be hashed");
		return false;
	}
	return true;
}

/* A clerk's id and PIN: signed in at the counter exactly as POST /counters/N/sign-in does;
 * false when answered. */
static bool clerk_role(struct hq_queue *q, struct hqd_req *r, struct hq_session *s)
{
	const char *clerk, *pin;
	long long counter;
	bool given;
	int rc;

	if (!hqd_field_int(r, r->body, "", "counter", true, 1, 9999, &counter, &given) ||
	    !hqd_field_string(r, r->body, "", "clerk", true, &clerk) ||
	    !hqd_field_string(r, r->body, "", "pin", true, &pin))
		return false;
	if (hq_queue_config(q)->roster_open) {
		hqd_error(r, 403, "signin", "this hall signs clerks in without PINs: sign in with the "
			  "counter's token");
		return false;
	}
	if (!hq_config_counter(hq_queue_config(q), (int)counter)) {
		hqd_error(r, 404, "nocounter", "no counter %lld in this hall", counter);
		return false;
	}
	if ((rc = hq_queue_sign_in_pin(q, (int)counter, clerk, pin))) {
		hqd_queue_error(q, r, rc);
		return false;
	}
	snprintf(s->role, sizeof s->role, "counter:%lld", counter);
	s->counter = (int)counter;
	snprintf(s->clerk, sizeof s->clerk, "%s", clerk);
	return true;
}

/* POST /api/v1/session {"token"} or {"counter", "clerk", "pin"} */
static void sign_in_route(struct hq_queue *q, struct hqd_req *r)
{
	struct hq_session s = {0};
	char secret[2 * SECRET_BYTES + 1], hash[HQ_SESSION_HASH_LEN + 1];
	const struct hq_config *cfg = hq_queue_config(q);
	int64_t ttl = r->srv->session_ttl_ms ? r->srv->session_ttl_ms : cfg->session_hours * 3600000LL;
	const char *token;
	int rc;

	if (!r->body) {
		hqd_error(r, 400, "badjson", "sign in with {\"token\": T} or {\"counter\": N, \"clerk\": ID, "
			  "\"pin\": PIN}");
		return;
	}
	if (!hqd_field_string(r, r->body, "", "token", false, &token))
		return;
	if (token && (hqd_field(r, r->body, "", "clerk", false) || hqd_field(r, r->body, "", "pin", false))) {
		hqd_error(r, 400, "badjson", "sign in with a token or with a clerk's PIN, not both");
		return;
	}
	if (token ? !token_role(r, token, &s) : !clerk_role(q, r, &s))
		return;
	if (!random_hex(SECRET_BYTES, secret) || !random_hex(CSRF_BYTES, s.csrf) ||
	    !secret_hash(secret, hash)) {
		hqd_error(r, 500, "random", "no random bytes for a session");
		return;
	}
	snprintf(s.address, sizeof s.address, "%s", r->address);
	rc = hq_queue_session_add(q, hash, ttl, &s);
	if (rc) {
		hqd_queue_error(q, r, rc);
	} else {
		hqd_json(r, 201, session_json(q, &s));
		set_cookie(r, secret, ttl / 1000);
		hq_log(HQ_LOG_INFO, "session %s: %s%s%s signed in from %s", s.id, s.role,
		       s.clerk[0] ? ", clerk " : "", s.clerk, s.address);
	}
	explicit_bzero(secret, sizeof secret);
}

/* The request's session, or 401 nosession saying why there is none; false when answered. */
static bool need_session(struct hqd_req *r)
{
	if (r->session)
		return true;
	hqd_error(r, 401, "nosession", "%s", r->session_err[0] ? r->session_err :
		  "this needs a session: sign in with POST /api/v1/session");
	return false;
}

/* GET /api/v1/session: the session again, for a page that was reloaded. */
static void session_route(struct hq_queue *q, struct hqd_req *r)
{
	if (need_session(r))
		hqd_json(r, 200, session_json(q, r->session));
}

/* DELETE /api/v1/session[?sign_out=1]: the page signs out; a clerk's may sign the clerk out
 * of the counter too, which ends every session of theirs there. */
static void sign_out_route(struct hq_queue *q, struct hqd_req *r)
{
	const char *so = r->query(r->conn, "sign_out");
	bool clerk_out = so && !strcmp(so, "1");
	int rc;

	if (so && *so && strcmp(so, "0") && strcmp(so, "1")) {
		hqd_error(r, 400, "inval", "sign_out '%.40s' is not 0 or 1", so);
		return;
	}
	set_cookie(r, NULL, 0);
	if (!need_session(r))
		return;
	if (clerk_out && r->session->clerk[0] && (rc = hq_queue_sign_out(q, r->session->counter))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	if ((rc = hq_queue_session_revoke(q, r->session->id, "signed out of the page"))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	r->status = 204;
}

static json_t *listed_json(const struct hq_session *s)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:s}", "id", s->id,
			 "role", s->role, "counter", s->counter, "clerk", s->clerk,
			 "created", hqd_iso_time(s->created), "last_seen", hqd_iso_time(s->last_seen),
			 "expires", hqd_iso_time(s->expires), "address", s->address,
			 "state", hq_session_state_name(s->state), "revoked_at", hqd_iso_time(s->revoked_at),
			 "revoked_why", s->revoked_why);
}

/* GET /api/v1/sessions[?all=1] */
static void sessions_route(struct hq_queue *q, struct hqd_req *r)
{
	const char *all = r->query(r->conn, "all");
	struct hq_session *v;
	json_t *list;
	size_t n, i;
	int rc;

	if (all && *all && strcmp(all, "0") && strcmp(all, "1")) {
		hqd_error(r, 400, "inval", "all '%.40s' is not 0 or 1", all);
		return;
	}
	if ((rc = hq_queue_sessions(q, all && !strcmp(all, "1"), &v, &n))) {
		hqd_queue_error(q, r, rc);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, listed_json(&v[i]));
	free(v);
	hqd_json(r, 200, json_pack("{s:o}", "sessions", list));
}

/* DELETE /api/v1/sessions/{id} */
static void revoke_route(struct hq_queue *q, struct hqd_req *r)
{
	const char *id = r->args[0];
	int rc;

	if (strlen(id) != HQ_SESSION_ID_LEN || strspn(id, "0123456789abcdef") != HQ_SESSION_ID_LEN) {
		hqd_error(r, 404, "nosession", "no session '%s'", id);
		return;
	}
	if ((rc = hq_queue_session_revoke(q, id, "revoked by admin")))
		hqd_queue_error(q, r, rc);
	else
		r->status = 204;
}

/* The session's own routes are public: each handler says what it needs. Sign-in and
 * sign-out set a cookie, which an idempotent replay could not give again. */
const struct hqd_route hqd_session_routes[] = {
	{.method = "POST", .pattern = "/api/v1/session", .perm = PERM_PUBLIC, .write = true,
	 .no_idem = true, .run = sign_in_route, .name = "session"},
	{.method = "GET", .pattern = "/api/v1/session", .perm = PERM_PUBLIC,
	 .run = session_route, .name = "session"},
	{.method = "DELETE", .pattern = "/api/v1/session", .perm = PERM_PUBLIC, .write = true,
	 .no_idem = true, .run = sign_out_route, .name = "session"},
	{.method = "GET", .pattern = "/api/v1/sessions", .perm = PERM_STATS,
	 .run = sessions_route, .name = "sessions"},
	{.method = "DELETE", .pattern = "/api/v1/sessions/*", .perm = PERM_ADMIN, .write = true,
	 .run = revoke_route, .name = "sessions"},
	{0},
};
