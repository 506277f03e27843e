/*
 * The hallqd test's HTTP client (see http.h): plain libcurl easy requests that collect the
 * status, header lines and body, and a Server-Sent Events subscriber. The subscriber parses
 * the stream as the HTML standard's event-stream format says: lines end at LF (a CR before
 * it is dropped), a line starting with ':' is a comment, "field: value" sets a field (one
 * space after the colon is dropped), and an empty line dispatches the event.
 */
#include "http.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct buf {
	char *p;
	size_t len, cap;
};

static bool buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

struct req_ctx {
	struct buf body, head;
	long status;
	unsigned flags;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct req_ctx *c = ud;
	return buf_add(&c->body, p, size * n) ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct req_ctx *c = ud;
	size_t len = size * n;
	int major, minor;
	long status;

	/* A new status line (after "100 Continue", say) starts the answer's headers over. */
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		c->head.len = 0;
		if (sscanf(p, "HTTP/%d.%d %ld", &major, &minor, &status) == 3 ||
		    sscanf(p, "HTTP/%d %ld", &major, &status) == 2)
			c->status = status;
	}
	if (!buf_add(&c->head, p, len))
		return 0;
	if ((c->flags & THTTP_HEAD_ONLY) && (len == 2 || len == 1) && (p[0] == '\r' || p[0] == '\n') &&
	    c->status >= 200)
		return 0; /* the header block is over: abort, the caller has what it wants */
	return len;
}

void thttp_resp_free(struct thttp_resp *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->head);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

bool thttp_request(CURL *h, const char *method, const char *url, const char *token,
		   const char *body, const char *const *headers, unsigned flags, long timeout_ms,
		   struct thttp_resp *r)
{
	struct req_ctx c = {.flags = flags};
	struct curl_slist *hl = NULL;
	char auth[512];

	thttp_resp_free(r);
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	} else {
		/* PUT and the rest: the body, when there is one, as a POST would carry it. */
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		}
	}
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, auth);
	}
	if (body)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	/* Send bodies at once rather than after "100 Continue": the test is about the server. */
	hl = curl_slist_append(hl, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);

	r->rc = curl_easy_perform(h);
	curl_slist_free_all(hl);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	if (!c.body.p)
		buf_add(&c.body, "", 0);
	if (!c.head.p)
		buf_add(&c.head, "", 0);
	r->status = c.status;
	r->body = c.body.p;
	r->len = c.body.len;
	r->head = c.head.p;
	r->hlen = c.head.len;
	if (r->body && r->len)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	if (r->rc != CURLE_OK && !r->err[0])
		snprintf(r->err, sizeof r->err, "%s", curl_easy_strerror(r->rc));
	return r->status != 0;
}

bool thttp_header(const struct thttp_resp *r, const char *name, char *buf, size_t n)
{
	size_t nl = strlen(name);
	const char *p = r->head;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			const char *end = p + len;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' '))
				end--;
			snprintf(buf, n, "%.*s", (int)(end - v), v);
			return true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}

/* ---- the event-stream subscriber ------------------------------------------------------ */

struct sse {
	pthread_t th;
	bool started;
	char *url, *token, *last_id;
	atomic_bool stop;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	long status;                /* set at the end of the header block */
	bool open, ended;
	struct sse_event *ev;
	size_t n, cap;
	int bad;
	int comments;

	/* Parser state, used by the subscriber's thread only. */
	struct buf line;
	struct buf data;
	char f_id[32], f_event[32];
	bool has_id;
	long hstatus;
};

static void sse_dispatch(struct sse *s)
{
	struct sse_event e = {.id = -1};
	char *end;

	if (s->data.len == 0) {
		/* An event without data is not dispatched (the standard); reset the fields. */
		s->f_event[0] = '\0';
		s->has_id = false;
		return;
	}
	if (s->has_id) {
		errno = 0;
		long long v = strtoll(s->f_id, &end, 10);
		if (!errno && end != s->f_id && !*end)
			e.id = v;
	}
	snprintf(e.type, sizeof e.type, "%s", s->f_event[0] ? s->f_event : "message");
	json_t *d = json_loadb(s->data.p, s->data.len, 0, NULL);
	if (json_is_object(d) && json_is_integer(json_object_get(d, "id"))) {
		json_t *v;
		e.data_ok = true;
		e.data_id = json_integer_value(json_object_get(d, "id"));
		if (json_is_string(v = json_object_get(d, "type")))
			snprintf(e.data_type, sizeof e.data_type, "%s", json_string_value(v));
		if (json_is_string(v = json_object_get(d, "label")))
			snprintf(e.label, sizeof e.label, "%s", json_string_value(v));
		if (json_is_integer(v = json_object_get(d, "ticket_id")))
			e.ticket_id = json_integer_value(v);
		static const char *fields[] = {"id", "at", "at_ms", "type", "ticket_id", "label", "service",
					       "counter", "value", "detail"};
		e.data_complete = true;
		for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
			e.data_complete &= json_object_get(d, fields[i]) != NULL;
	}
	json_decref(d);
	s->data.len = 0;
	s->f_event[0] = '\0';
	s->has_id = false;

	pthread_mutex_lock(&s->mu);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct sse_event *p = realloc(s->ev, cap * sizeof *p);
		if (!p) {
			s->bad++;
			pthread_mutex_unlock(&s->mu);
			return;
		}
		s->ev = p;
		s->cap = cap;
	}
	s->ev[s->n++] = e;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void sse_line(struct sse *s, char *l, size_t len)
{
	if (len && l[len - 1] == '\r')
		l[--len] = '\0';
	if (len == 0) {
		sse_dispatch(s);
		return;
	}
	if (l[0] == ':') {
		/* A comment, such as the ": ping" keep-alive. */
		pthread_mutex_lock(&s->mu);
		s->comments++;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		return;
	}
	char *colon = memchr(l, ':', len);
	const char *v = "";
	if (colon) {
		*colon = '\0';
		v = colon + 1;
		if (*v == ' ')
			v++;
	}
	if (strcmp(l, "data") == 0) {
		if (s->data.len)
			buf_add(&s->data, "\n", 1);
		buf_add(&s->data, v, strlen(v));
	} else if (strcmp(l, "id") == 0) {
		snprintf(s->f_id, sizeof s->f_id, "%s", v);
		s->has_id = true;
	} else if (strcmp(l, "event") == 0) {
		snprintf(s->f_event, sizeof s->f_event, "%s", v);
	} else if (strcmp(l, "retry") != 0) {
		pthread_mutex_lock(&s->mu);
		s->bad++;
		pthread_mutex_unlock(&s->mu);
	}
}

static size_t sse_on_body(char *p, size_t size, size_t n, void *ud)
{
	struct sse *s = ud;
	size_t len = size * n;

	if (atomic_load(&s->stop))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			buf_add(&s->line, "", 0);
			sse_line(s, s->line.p, s->line.len);
			s->line.len = 0;
		} else if (!buf_add(&s->line, p + i, 1)) {
			return 0;
		}
	}
	return len;
}

static size_t sse_on_header(char *p, size_t size, size_t n, void *ud)
{
	struct sse *s = ud;
	size_t len = size * n;
	int major, minor;
	long status;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0 &&
	    (sscanf(p, "HTTP/%d.%d %ld", &major, &minor, &status) == 3 ||
	     sscanf(p, "HTTP/%d %ld", &major, &status) == 2))
		s->hstatus = status;
	if ((len == 1 || len == 2) && (p[0] == '\r' || p[0] == '\n') && s->hstatus >= 200) {
		pthread_mutex_lock(&s->mu);
		s->status = s->hstatus;
		s->open = true;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	return len;
}

static int sse_on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct sse *s = ud;
	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&s->stop) ? 1 : 0;
}

static void *sse_main(void *ud)
{
	struct sse *s = ud;
	struct curl_slist *hl = NULL;
	char hdr[512];
	CURL *h = curl_easy_init();

	if (h) {
		curl_easy_setopt(h, CURLOPT_URL, s->url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sse_on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sse_on_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
		hl = curl_slist_append(hl, "Accept: text/event-stream");
		if (s->token) {
			snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", s->token);
			hl = curl_slist_append(hl, hdr);
		}
		if (s->last_id) {
			snprintf(hdr, sizeof hdr, "Last-Event-ID: %s", s->last_id);
			hl = curl_slist_append(hl, hdr);
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		curl_easy_perform(h);
		curl_easy_cleanup(h);
		curl_slist_free_all(hl);
	}
	pthread_mutex_lock(&s->mu);
	s->ended = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct sse *sse_start(const char *url, const char *token, const char *last_event_id)
{
	struct sse *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->url = strdup(url);
	s->token = token ? strdup(token) : NULL;
	s->last_id = last_event_id ? strdup(last_event_id) : NULL;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->th, NULL, sse_main, s) == 0) {
		s->started = true;
	} else {
		s->ended = true;
	}
	return s;
}

static struct timespec deadline(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

long sse_wait_open(struct sse *s, long timeout_ms)
{
	struct timespec t = deadline(timeout_ms);
	long status = 0;

	pthread_mutex_lock(&s->mu);
	while (!s->open && !s->ended)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &t) == ETIMEDOUT)
			break;
	if (s->open)
		status = s->status;
	pthread_mutex_unlock(&s->mu);
	return status;
}

bool sse_wait_id(struct sse *s, int64_t id, long timeout_ms)
{
	struct timespec t = deadline(timeout_ms);
	bool ok;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		ok = s->n && s->ev[s->n - 1].id >= id;
		if (ok || s->ended)
			break;
		if (pthread_cond_timedwait(&s->cv, &s->mu, &t) == ETIMEDOUT)
			break;
	}
	ok = s->n && s->ev[s->n - 1].id >= id;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool sse_wait_label(struct sse *s, const char *type, const char *label, long timeout_ms)
{
	struct timespec t = deadline(timeout_ms);
	size_t seen = 0;
	bool ok = false;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		for (; seen < s->n && !ok; seen++)
			ok = strcmp(s->ev[seen].type, type) == 0 && strcmp(s->ev[seen].label, label) == 0;
		if (ok || s->ended)
			break;
		if (pthread_cond_timedwait(&s->cv, &s->mu, &t) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool sse_wait_comment(struct sse *s, long timeout_ms)
{
	struct timespec t = deadline(timeout_ms);
	bool seen;

	pthread_mutex_lock(&s->mu);
	while (!s->comments && !s->ended)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &t) == ETIMEDOUT)
			break;
	seen = s->comments > 0;
	pthread_mutex_unlock(&s->mu);
	return seen;
}

bool sse_wait_end(struct sse *s, long timeout_ms)
{
	struct timespec t = deadline(timeout_ms);
	bool ended;

	pthread_mutex_lock(&s->mu);
	while (!s->ended)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &t) == ETIMEDOUT)
			break;
	ended = s->ended;
	pthread_mutex_unlock(&s->mu);
	return ended;
}

size_t sse_events(struct sse *s, struct sse_event **out)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->n;
	*out = malloc((n ? n : 1) * sizeof **out);
	if (*out)
		memcpy(*out, s->ev, n * sizeof **out);
	else
		n = 0;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int sse_bad_lines(struct sse *s)
{
	int bad;

	pthread_mutex_lock(&s->mu);
	bad = s->bad;
	pthread_mutex_unlock(&s->mu);
	return bad;
}

void sse_stop(struct sse *s)
{
	if (!s || !s->started)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	s->started = false;
}

void sse_free(struct sse *s)
{
	if (!s)
		return;
	sse_stop(s);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->ev);
	free(s->line.p);
	free(s->data.p);
	free(s->url);
	free(s->token);
	free(s->last_id);
	free(s);
}
