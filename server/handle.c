/*
 * A request's way from HTTP to its answer, below libmicrohttpd: the route, who sent it (a
 * token or a session cookie), whether they may, the checks of a page's writes, the body as
 * JSON, the headers the routes read, and then the route itself, on the worker or here.
 * hallqd.c only gathers what libmicrohttpd parsed into a struct hqd_http and sends the
 * answer; the fuzzing harness (tests/fuzz/fuzz_http.c) calls the same hqd_handle, so what it
 * finds is what a client on the network would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

/* A Host header goes into status URLs printed as QR codes: keep it to host-name bytes. */
static void copy_host(char *dst, size_t len, const char *host)
{
	size_t i = 0;

	for (; host && *host && i + 1 < len; host++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", *host))
			dst[i++] = *host;
	dst[i] = '\0';
	if (!i)
		snprintf(dst, len, "localhost");
}

/*
 * Does an Accept header (RFC 9110, 12.5.1) prefer text/html to JSON? A browser's does: it
 * names text/html with the full weight and everything else with less. JSON's weight is that
 * of its most specific match: application/json, else application/ with any subtype, else
 * the any-type wildcard. text/html must be named, so curl's wildcard and a missing header
 * get JSON, and so does a tie with application/json named.
 */
bool hqd_prefers_html(const char *accept)
{
	double html = 0, json = 0;
	int json_rank = 0;           /* 3 application/json, 2 application/any, 1 any/any, 0 none */
	const char *p = accept, *end, *semi, *v;

	while (p && *p) {
		char type[48];
		double q = 1;
		size_t n;

		end = p + strcspn(p, ",");
		p += strspn(p, " \t");
		n = strcspn(p, "; \t,");
		if (p + n > end)
			n = (size_t)(end - p);
		if (n < sizeof type) {
			for (size_t i = 0; i < n; i++)
				type[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
			type[n] = '\0';
		} else {
			type[0] = '\0';
		}
		for (semi = memchr(p, ';', (size_t)(end - p)); semi;
		     semi = memchr(semi + 1, ';', (size_t)(end - semi - 1))) {
			v = semi + 1 + strspn(semi + 1, " \t");
			if ((*v == 'q' || *v == 'Q') && v[1] == '=') {
				q = strtod(v + 2, NULL);
				q = q < 0 ? 0 : q > 1 ? 1 : q;
			}
		}
		if (!strcmp(type, "text/html"))
			html = q;
		else if (!strcmp(type, "application/json"))
			json = q, json_rank = 3;
		else if (!strcmp(type, "application/*") && json_rank < 2)
			json = q, json_rank = 2;
		else if (!strcmp(type, "*/*") && json_rank < 1)
			json = q, json_rank = 1;
		p = *end ? end + 1 : end;
	}
	return html > 0 && (html > json || (html == json && json_rank < 3));
}

bool hqd_event_cursor(const char *last_event_id, const char *since, int64_t newest, int64_t *cursor)
{
	const char *v = last_event_id && *last_event_id ? last_event_id : since;
	long long n;
	char *end;

	*cursor = newest;
	if (!v || !*v)
		return true;
	n = strtoll(v, &end, 10);
	if (*end || n < 0)
		return false;
	*cursor = n > newest ? newest : n;
	return true;
}

/* At the header's start, or after a ';' and any blanks: the name, any blanks, '='. */
int hqd_session_cookies(const char *header)
{
	const size_t len = strlen(HQD_COOKIE);
	int n = 0;

	for (const char *p = header; p && *p; p += strcspn(p, ";"), p += *p == ';') {
		p += strspn(p, " \t");
		if (!strncmp(p, HQD_COOKIE, len)) {
			const char *eq = p + len;

			while (*eq == ' ' || *eq == '\t')
				eq++;
			if (*eq == '=')
				n++;
		}
	}
	return n;
}

/* Bodies are read before the request is authorised, so only a known gateway or admin gets
 * the larger buffer of a health report; everyone else [limits] body_bytes. */
size_t hqd_body_limit(struct hqd *srv, const char *method, const char *path, const char *auth)
{
	const struct hqd_token *who;
	size_t limit = srv->limits ? (size_t)hqd_limits_config(srv->limits).body_bytes : HQD_BODY_MAX;

	if (strcmp(method, "PUT") || strncmp(path, "/api/v1/units/", 14) || !auth || strncmp(auth, "Bearer ", 7))
		return limit;
	pthread_rwlock_rdlock(&srv->tokens_lock);
	who = hqd_tokens_find(&srv->tokens, auth + 7);
	if (who && (who->role == ROLE_GATEWAY || who->role == ROLE_ADMIN))
		limit = limit > HQD_REPORT_MAX ? limit : HQD_REPORT_MAX;
	pthread_rwlock_unlock(&srv->tokens_lock);
	return limit;
}

/* Who sent the request: a Bearer token if the request has an Authorization header, else the
 * session of its cookie (looked up on the worker). r->who stays NULL when neither. A request
 * with two cookies of the session's name gets neither: hallqd sets one only, so the other
 * was planted (a page of a sibling host, or a man in the middle of plain HTTP, can set a
 * cookie with a longer Path that the browser sends first), and acting as whichever comes
 * first would sign the clerk's page in as someone else's session. */
static void authenticate(struct hqd *srv, struct hqd_req *r, const struct hqd_http *in)
{
	const char *auth = in->authorization;

	if (auth) {
		pthread_rwlock_rdlock(&srv->tokens_lock);
		r->who = !strncmp(auth, "Bearer ", 7) ? hqd_tokens_find(&srv->tokens, auth + 7) : NULL;
		if (r->who) {
			r->who_copy = *r->who;
			r->who = &r->who_copy;
			hqd_role_label(&r->who_copy, r->role, sizeof r->role);
		}
		pthread_rwlock_unlock(&srv->tokens_lock);
		return;
	}
	if (!in->cookie || !*in->cookie)
		return;
	if (in->cookies > 1) {
		snprintf(r->session_err, sizeof r->session_err, "the request has %d %s cookies; "
			 "hallqd sets one: clear this site's cookies and sign in again", in->cookies, HQD_COOKIE);
		return;
	}
	if (hqd_session_lookup(srv, in->cookie, &r->session_copy, &r->who_copy, r->session_err,
			       sizeof r->session_err))
		return;
	r->who = &r->who_copy;
	r->session = &r->session_copy;
	snprintf(r->role, sizeof r->role, "%s (session %s)", r->session_copy.role, r->session_copy.id);
}

/* Whom the limits count a request against: its session, its token (named by its hash: the
 * token itself is kept nowhere), else its address. */
static void limits_client(const struct hqd_req *r, char *buf, size_t len)
{
	if (r->session) {
		snprintf(buf, len, "s:%s", r->session->id);
	} else if (r->who) {
		size_t n = (size_t)snprintf(buf, len, "t:");

		for (size_t i = 0; i < 16 && n + 2 < len; i++, n += 2)
			snprintf(buf + n, len - n, "%02x", r->who->sha256[i]);
	} else {
		snprintf(buf, len, "a:%s", r->address);
	}
}

bool hqd_handle(struct hqd *srv, struct hqd_req *r, const struct hqd_http *in)
{
	const char *method = in->method, *url = in->path;

	r->srv = srv;
	if (!r->role[0])
		snprintf(r->role, sizeof r->role, "-");
	snprintf(r->method, sizeof r->method, "%s", method);
	snprintf(r->path, sizeof r->path, "%s", url);
	r->route = hqd_route_match(method, url, r, r->allow, sizeof r->allow);
	if (!r->route) {
		if (r->allow[0])
			hqd_error(r, 405, "method", "%s is not allowed on %s", method, url);
		else
			hqd_error(r, 404, "noroute", "no such path: %s", url);
		return true;
	}
	snprintf(r->address, sizeof r->address, "%s", in->address ? in->address : "");
	r->tls = srv->tls;
	authenticate(srv, r, in);
	limits_client(r, r->limit_client, sizeof r->limit_client);
	if (srv->limits && (r->retry_after = hqd_limits_take(srv->limits, r->limit_client))) {
		hqd_error(r, 429, "rate", "more requests than [limits] rate allows for this client");
		return true;
	}
	if (in->authorization && r->who && !r->session && !hqd_plain_token(r, r->role))
		return true;
	if (r->route->perm != PERM_PUBLIC && !r->who) {
		if (r->session_err[0])
			hqd_error(r, 401, "nosession", "%s", r->session_err);
		else
			hqd_error(r, 401, "unauthorized", in->authorization ? "that token is not known here" :
				  "this needs an Authorization: Bearer token or a session");
		return true;
	}
	if (!hqd_allowed(r->route, r)) {
		hqd_error(r, 403, "forbidden", "role %s may not %s %s", r->role, method, url);
		return true;
	}
	if (!hqd_session_write_ok(r, in->origin, in->host, in->csrf_token))
		return true;
	if (in->too_large) {
		if (srv->limits)
			hqd_limits_count(srv->limits, HQD_LIMIT_BODY);
		hqd_error(r, 413, "toolarge", "request bodies are limited to %zu bytes", in->limit);
		return true;
	}
	if (in->len) {
		json_error_t jerr;

		r->body = json_loadb(in->body, in->len, 0, &jerr);
		if (!r->body || !json_is_object(r->body)) {
			hqd_error(r, 400, "badjson", r->body ? "the body must be a JSON object" :
				  "malformed JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
			return true;
		}
	}
	if (in->idempotency_key) {
		const char *key = in->idempotency_key;

		if (!*key || strlen(key) > HQD_IDEM_KEY_MAX) {
			hqd_error(r, 400, "inval", "Idempotency-Key must be 1 to %d characters", HQD_IDEM_KEY_MAX);
			return true;
		}
		snprintf(r->idem_key, sizeof r->idem_key, "%s", key);
	}
	copy_host(r->host, sizeof r->host, in->host);
	r->want_html = hqd_prefers_html(in->accept);
	r->if_none_match = in->if_none_match;
	r->query = in->query;
	r->conn = in->ctx;
	if (!r->route->run) {
		const char *since = in->query(in->ctx, "since");

		if (!hqd_event_cursor(in->last_event_id, since, hqd_hub_last(srv->hub), &r->cursor)) {
			hqd_error(r, 400, "inval", "'%s' is not an event id",
				  in->last_event_id && *in->last_event_id ? in->last_event_id : since);
			return true;
		}
		return false;
	}
	if (r->route->local)
		r->route->run(NULL, r);
	else
		hqd_worker_submit(srv->worker, r);
	return true;
}
