/*
 * hallqd over HTTP with libcurl and jansson: plain requests, the hall snapshot, and the
 * Server-Sent Events stream (https://html.spec.whatwg.org/multipage/server-sent-events.html,
 * the subset hallqd sends: id, event, data lines and ": ping" comments).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "hq_client.h"
#include "hq_error.h"
#include "hq_time.h"

#define ANSWER_MAX (4u << 20) /* the hall snapshot of a big hall is well under this */
#define LINE_MAX_SSE 65536

/* hq_client_use_ca's file, set in main before the threads that read it start. */
static char *ca_file;

struct hq_client {
	CURL *curl;
	char *base, *token;
	long connect_ms, total_ms;
	volatile const int *abort;   /* give up requests once it is set */
	char error[512];
};

struct buf {
	char *p;
	size_t len, cap;
	int overflow;
};

static size_t buf_write(char *data, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t add = size * n;
	char *p;

	if (b->len + add + 1 > ANSWER_MAX) {
		b->overflow = 1;
		return 0;
	}
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + add + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

int hq_client_use_ca(const char *path, char *err, size_t errlen)
{
	char head[1 << 16];
	size_t n;
	FILE *f;

	free(ca_file);
	ca_file = NULL;
	if (!path || !*path)
		return HQ_OK;
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errlen, "CA file %s: %s", path, strerror(errno));
		return HQ_EINVAL;
	}
	n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	if (!strstr(head, "-----BEGIN CERTIFICATE-----")) {
		snprintf(err, errlen, "CA file %s: no PEM certificate in it", path);
		return HQ_EINVAL;
	}
	if (!(ca_file = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		return HQ_ENOMEM;
	}
	return HQ_OK;
}

struct hq_client *hq_client_new(const char *base_url, const char *token)
{
	static int inited;
	struct hq_client *cl;
	size_t n;

	/* curl_global_init is not thread-safe in older libcurl: programs call us first from
	 * main, before they start threads. */
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	if (!(cl = calloc(1, sizeof *cl)))
		return NULL;
	cl->base = strdup(base_url);
	cl->token = strdup(token ? token : "");
	cl->curl = curl_easy_init();
	if (!cl->base || !cl->token || !cl->curl) {
		hq_client_free(cl);
		return NULL;
	}
	n = strlen(cl->base);
	while (n > 0 && cl->base[n - 1] == '/')
		cl->base[--n] = '\0';
	cl->connect_ms = 1000;
	cl->total_ms = 3000;
	return cl;
}

void hq_client_free(struct hq_client *cl)
{
	if (!cl)
		return;
	if (cl->curl)
		curl_easy_cleanup(cl->curl);
	free(cl->base);
	free(cl->token);
	free(cl);
}

void hq_client_set_timeouts(struct hq_client *cl, long connect_ms, long total_ms)
{
	cl->connect_ms = connect_ms;
	cl->total_ms = total_ms;
}

void hq_client_set_abort(struct hq_client *cl, volatile const int *stop)
{
	cl->abort = stop;
}

static int request_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct hq_client *cl = ctx;

	(void)a, (void)b, (void)c, (void)d;
	return cl->abort && *cl->abort;
}

const char *hq_client_error(const struct hq_client *cl)
{
	return cl->error;
}

/* Common options of every transfer; returns the header list the caller frees. */
static struct curl_slist *setup(struct hq_client *cl, const char *path, const char *idem,
				bool json_body)
{
	struct curl_slist *h = NULL, *t;
	char line[640];

	curl_easy_reset(cl->curl);
	snprintf(line, sizeof line, "%s%s", cl->base, path);
	curl_easy_setopt(cl->curl, CURLOPT_URL, line);
	curl_easy_setopt(cl->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cl->curl, CURLOPT_CONNECTTIMEOUT_MS, cl->connect_ms);
	curl_easy_setopt(cl->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(cl->curl, CURLOPT_ERRORBUFFER, NULL);
	/* hallqd speaks HTTP or HTTPS, nothing else (no redirect to file:// either); an
	 * https:// server is verified, its chain and its name, with no way to turn that off. */
	curl_easy_setopt(cl->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cl->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cl->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file)
		curl_easy_setopt(cl->curl, CURLOPT_CAINFO, ca_file);
	if (*cl->token) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", cl->token);
		h = curl_slist_append(h, line);
	}
	if (idem && h) {
		snprintf(line, sizeof line, "Idempotency-Key: %s", idem);
		if ((t = curl_slist_append(h, line)))
			h = t;
	}
	if (json_body && h && (t = curl_slist_append(h, "Content-Type: application/json")))
		h = t;
	/* hallqd answers at once; a 100-continue round trip would only add latency. */
	if (h && (t = curl_slist_append(h, "Expect:")))
		h = t;
	curl_easy_setopt(cl->curl, CURLOPT_HTTPHEADER, h);
	return h;
}

int hq_client_request(struct hq_client *cl, const char *method, const char *path,
		      json_t *body, const char *idem_key, long *status, json_t **answer)
{
	struct buf b = { 0 };
	struct curl_slist *h;
	json_t *v;
	char *text = NULL;
	CURLcode cc;
	int rc = 0;

	if (answer)
		*answer = NULL;
	*status = 0;
	if (body && !(text = json_dumps(body, JSON_COMPACT)))
		return HQ_ENOMEM;
	h = setup(cl, path, idem_key, body != NULL);
	curl_easy_setopt(cl->curl, CURLOPT_TIMEOUT_MS, cl->total_ms);
	curl_easy_setopt(cl->curl, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDS, text ? text : "");
		curl_easy_setopt(cl->curl, CURLOPT_POSTFIELDSIZE, (long)(text ? strlen(text) : 0));
	}
	curl_easy_setopt(cl->curl, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEDATA, &b);
	if (cl->abort) {
		curl_easy_setopt(cl->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(cl->curl, CURLOPT_XFERINFOFUNCTION, request_progress);
		curl_easy_setopt(cl->curl, CURLOPT_XFERINFODATA, cl);
	}
	cc = curl_easy_perform(cl->curl);
	if (cc != CURLE_OK) {
		snprintf(cl->error, sizeof cl->error, "%s %s%s: %s", method, cl->base, path,
			 b.overflow ? "answer too large" : curl_easy_strerror(cc));
		rc = b.overflow ? HQ_EFRAME : HQ_ELINK;
		goto out;
	}
	curl_easy_getinfo(cl->curl, CURLINFO_RESPONSE_CODE, status);
	v = b.len ? json_loadb(b.p, b.len, 0, NULL) : NULL;
	if (*status >= 400) {
		const char *code = json_string_value(json_object_get(v, "error"));
		const char *msg = json_string_value(json_object_get(v, "message"));

		snprintf(cl->error, sizeof cl->error, "%ld %s: %s", *status, code ? code : "?",
			 msg ? msg : "(no message)");
	}
	if (answer)
		*answer = v;
	else
		json_decref(v);
out:
	curl_slist_free_all(h);
	free(text);
	free(b.p);
	return rc;
}

/* ---- the hall snapshot -------------------------------------------------------------- */

static void copy_str(char *dst, size_t n, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	snprintf(dst, n, "%s", s ? s : "");
}

static int int_of(json_t *obj, const char *key)
{
	return (int)json_integer_value(json_object_get(obj, key));
}

/* An estimate in seconds; null (no counter open) is HQ_EST_NONE. */
static int est_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : HQ_EST_NONE;
}

/* An estimate's range [low, high] in seconds: both HQ_EST_NONE when null, absent or not two
 * integers 0 <= low <= high (what no hallqd sends), and when there is no estimate at all. */
static void range_of(json_t *obj, const char *key, int wait_s, int range[2])
{
	json_t *v = json_object_get(obj, key), *lo = json_array_get(v, 0), *hi = json_array_get(v, 1);

	range[0] = range[1] = HQ_EST_NONE;
	if (wait_s == HQ_EST_NONE || json_array_size(v) != 2 || !json_is_integer(lo) || !json_is_integer(hi) ||
	    json_integer_value(lo) < 0 || json_integer_value(hi) < json_integer_value(lo) ||
	    json_integer_value(hi) > INT_MAX)
		return;
	range[0] = (int)json_integer_value(lo);
	range[1] = (int)json_integer_value(hi);
}

/* obj[key] when it is a boolean, else dflt (a field an older server does not send). */
static bool bool_or(json_t *obj, const char *key, bool dflt)
{
	json_t *b = json_object_get(obj, key);

	return json_is_boolean(b) ? json_is_true(b) : dflt;
}

static int parse_hall(json_t *v, struct hq_hall *h)
{
	json_t *svcs = json_object_get(v, "services"), *ctrs = json_object_get(v, "counters");
	json_t *langs = json_object_get(v, "languages"), *kiosk = json_object_get(v, "kiosk"), *e, *k;
	const char *fault = json_string_value(json_object_get(kiosk, "on_printer_fault")), *display;
	json_t *confirm = json_object_get(kiosk, "confirm_seconds");
	size_t i, j, l;

	if (!json_is_array(svcs) || !json_is_array(ctrs))
		return HQ_EFRAME;
	h->kiosk.refuse_on_fault = fault && !strcmp(fault, "refuse");
	h->kiosk.confirm_s = json_is_integer(confirm) ? (int)json_integer_value(confirm) : 15;
	h->kiosk.priority = bool_or(kiosk, "priority", true);
	h->kiosk.appointments = bool_or(kiosk, "appointments", true);
	copy_str(h->kiosk.footer, sizeof h->kiosk.footer, kiosk, "footer");
	copy_str(h->name, sizeof h->name, v, "name");
	copy_str(h->name_en, sizeof h->name_en, v, "name_en");
	copy_str(h->notice, sizeof h->notice, v, "notice");
	json_array_foreach(langs, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), "en"))
			h->lang_en = true;
	h->last_event_id = json_integer_value(json_object_get(v, "last_event_id"));
	h->time_ms = json_integer_value(json_object_get(v, "time_ms"));
	display = json_string_value(json_object_get(v, "estimate_display"));
	h->estimate_range = display && !strcmp(display, "range");
	h->clock_speed = json_integer_value(json_object_get(v, "clock_speed")) > 1 ?
		(int)json_integer_value(json_object_get(v, "clock_speed")) : 1;
	h->services = calloc(json_array_size(svcs) + 1, sizeof *h->services);
	h->counters = calloc(json_array_size(ctrs) + 1, sizeof *h->counters);
	if (!h->services || !h->counters)
		return HQ_ENOMEM;
	json_array_foreach(svcs, i, e) {
		struct hq_hall_service *s = &h->services[h->nservices++];

		copy_str(s->key, sizeof s->key, e, "key");
		copy_str(s->name, sizeof s->name, e, "name");
		copy_str(s->name_en, sizeof s->name_en, e, "name_en");
		copy_str(s->prefix, sizeof s->prefix, e, "prefix");
		s->open = json_is_true(json_object_get(e, "open"));
		s->at_cap = json_is_true(json_object_get(e, "at_cap"));
		s->waiting = int_of(e, "waiting");
		s->waiting_priority = int_of(e, "waiting_priority");
		s->est_wait_s = est_of(e, "est_wait_s");
		range_of(e, "est_wait_range_s", s->est_wait_s, s->est_range_s);
		/* An older server gives no priority estimate: the service's own stands in. */
		s->est_wait_priority_s = json_object_get(e, "est_wait_priority_s") ?
					 est_of(e, "est_wait_priority_s") : s->est_wait_s;
		s->est_opens_at = json_is_string(json_object_get(e, "est_opens_at")) ?
				  hq_iso_ms(json_string_value(json_object_get(e, "est_opens_at"))) : 0;
		s->issued_today = int_of(e, "issued_today");
		s->served_today = int_of(e, "served_today");
		s->priority_lane = bool_or(e, "priority_lane", false);
		copy_str(s->hours, sizeof s->hours, e, "hours");
	}
	json_array_foreach(ctrs, i, e) {
		struct hq_hall_counter *c = &h->counters[h->ncounters++];
		const char *st = json_string_value(json_object_get(e, "state"));
		json_t *serving = json_object_get(e, "serving");

		c->number = int_of(e, "number");
		copy_str(c->name, sizeof c->name, e, "name");
		copy_str(c->name_en, sizeof c->name_en, e, "name_en");
		c->state = !st || !strcmp(st, "open") ? 0 : !strcmp(st, "paused") ? 1 : 2;
		if (json_is_object(serving))
			copy_str(c->serving, sizeof c->serving, serving, "label");
		json_array_foreach(json_object_get(e, "services"), j, k) {
			for (l = 0; l < (size_t)h->nservices && c->nservices < 16; l++) {
				if (json_is_string(k) && !strcmp(json_string_value(k), h->services[l].key)) {
					c->services[c->nservices++] = (int)l;
					c->waiting += h->services[l].waiting;
				}
			}
		}
	}
	return HQ_OK;
}

int hq_client_hall(struct hq_client *cl, struct hq_hall **out)
{
	struct hq_hall *h;
	json_t *v = NULL;
	long status;
	int rc;

	*out = NULL;
	if ((rc = hq_client_request(cl, "GET", "/api/v1/hall", NULL, NULL, &status, &v)))
		return rc;
	if (status != 200 || !json_is_object(v)) {
		if (status == 200)
			snprintf(cl->error, sizeof cl->error, "GET /api/v1/hall: not a JSON object");
		json_decref(v);
		return status == 401 || status == 403 ? HQ_EINVAL : HQ_EFRAME;
	}
	if (!(h = calloc(1, sizeof *h))) {
		json_decref(v);
		return HQ_ENOMEM;
	}
	rc = parse_hall(v, h);
	json_decref(v);
	if (rc) {
		snprintf(cl->error, sizeof cl->error, "GET /api/v1/hall: unexpected answer");
		hq_hall_free(h);
		return rc;
	}
	*out = h;
	return HQ_OK;
}

void hq_hall_free(struct hq_hall *h)
{
	if (!h)
		return;
	free(h->services);
	free(h->counters);
	free(h);
}

const struct hq_hall_counter *hq_hall_counter(const struct hq_hall *h, int number)
{
	int i;

	for (i = 0; h && i < h->ncounters; i++)
		if (h->counters[i].number == number)
			return &h->counters[i];
	return NULL;
}

/* ---- the event stream --------------------------------------------------------------- */

struct sse {
	struct hq_client *cl;
	char line[LINE_MAX_SSE];
	size_t len;
	int skipping;               /* a line too long to keep: dropped to its end */
	int64_t id;
	char type[32];
	char *data;
	size_t data_len;
	int64_t *since;
	hq_sse_cb cb;
	void *ctx;
	volatile const int *stop;
	int stopped;
};

/* One complete line of the stream: a field of the event being built, or its end. */
static int sse_line(struct sse *s, char *line)
{
	char *val;

	if (!*line) { /* a blank line dispatches the event */
		if (s->data && s->id > 0) {
			struct hq_sse_event ev = { .id = s->id };
			int rc = 0;

			snprintf(ev.type, sizeof ev.type, "%s", s->type);
			ev.data = json_loads(s->data, 0, NULL);
			if (ev.data) {
				rc = s->cb(s->ctx, &ev);
				*s->since = s->id;
			}
			json_decref(ev.data);
			if (rc)
				s->stopped = 1;
		}
		free(s->data);
		s->data = NULL;
		s->data_len = 0;
		s->id = 0;
		s->type[0] = '\0';
		return s->stopped;
	}
	if (line[0] == ':')
		return 0;
	if ((val = strchr(line, ':'))) {
		*val++ = '\0';
		if (*val == ' ')
			val++;
	} else {
		val = line + strlen(line);
	}
	if (!strcmp(line, "id")) {
		s->id = strtoll(val, NULL, 10);
	} else if (!strcmp(line, "event")) {
		snprintf(s->type, sizeof s->type, "%s", val);
	} else if (!strcmp(line, "data")) {
		size_t n = strlen(val);
		char *p = realloc(s->data, s->data_len + n + 2);

		if (!p)
			return 1;
		if (s->data_len)
			p[s->data_len++] = '\n';
		memcpy(p + s->data_len, val, n + 1);
		s->data = p;
		s->data_len += n;
	}
	return 0;
}

static size_t sse_write(char *data, size_t size, size_t n, void *ctx)
{
	struct sse *s = ctx;
	size_t i, all = size * n;

	for (i = 0; i < all; i++) {
		char c = data[i];

		if (c == '\r')
			continue;
		if (c != '\n') {
			if (s->len + 1 < sizeof s->line)
				s->line[s->len++] = c;
			else
				s->skipping = 1;
			continue;
		}
		s->line[s->len] = '\0';
		if (!s->skipping && sse_line(s, s->line))
			return 0; /* stops the transfer */
		s->len = 0;
		s->skipping = 0;
	}
	return all;
}

static int sse_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct sse *s = ctx;

	(void)a, (void)b, (void)c, (void)d;
	if (s->stop && *s->stop) {
		s->stopped = 1;
		return 1;
	}
	return 0;
}

int hq_client_follow(struct hq_client *cl, int64_t *since, long silence_ms, hq_sse_cb cb,
		     void *ctx, volatile const int *stop)
{
	struct sse *s = calloc(1, sizeof *s);
	struct curl_slist *h;
	char path[64];
	CURLcode cc;
	int rc = HQ_ELINK;

	if (!s)
		return HQ_ENOMEM;
	s->cl = cl;
	s->since = since;
	s->cb = cb;
	s->ctx = ctx;
	s->stop = stop;
	if (*since >= 0)
		snprintf(path, sizeof path, "/api/v1/events?since=%lld", (long long)*since);
	else
		snprintf(path, sizeof path, "/api/v1/events");
	h = setup(cl, path, NULL, false);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEFUNCTION, sse_write);
	curl_easy_setopt(cl->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(cl->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(cl->curl, CURLOPT_XFERINFOFUNCTION, sse_progress);
	curl_easy_setopt(cl->curl, CURLOPT_XFERINFODATA, s);
	/* The heartbeat keeps a live stream above 1 byte a second over this window; a
	 * server that vanished without closing (cable pulled) falls below it. */
	curl_easy_setopt(cl->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(cl->curl, CURLOPT_LOW_SPEED_TIME, (silence_ms > 0 ? silence_ms : 45000) / 1000);
	cc = curl_easy_perform(cl->curl);
	if (s->stopped) {
		rc = HQ_OK;
	} else {
		long status = 0;

		curl_easy_getinfo(cl->curl, CURLINFO_RESPONSE_CODE, &status);
		if (cc == CURLE_OK && status == 200)
			snprintf(cl->error, sizeof cl->error, "event stream closed by the server");
		else if (status >= 400)
			snprintf(cl->error, sizeof cl->error, "GET %s%s: HTTP %ld", cl->base, path, status);
		else
			snprintf(cl->error, sizeof cl->error, "GET %s%s: %s", cl->base, path,
				 curl_easy_strerror(cc));
		rc = status == 401 || status == 403 ? HQ_EINVAL : HQ_ELINK;
	}
	curl_slist_free_all(h);
	free(s->data);
	free(s);
	return rc;
}
