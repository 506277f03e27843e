/*
 * Answering a request, for every route of the API: errors as JSON with their HTTP status,
 * the queue's errors as HTTP, a JSON body, the fields of a request's body checked for type
 * and range, ISO times, and an event as a frame of the event stream. It calls nothing else
 * of the server, so the routes (api.c), the device health (units.c, kiosks.c), the hub and
 * the worker all stand on it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ISO 8601 with the zone's offset, "2026-11-23T10:02:11+08:00"; JSON null for 0. */
json_t *hqd_iso_time(int64_t ms)
{
	char buf[HQ_ISO_MAX];

	if (!ms)
		return json_null();
	hq_format_iso(ms, buf, sizeof buf);
	return json_string(buf);
}

/* The bytes of a well-formed UTF-8 sequence at s (RFC 3629, 4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/* Messages quote what the client sent (a path, a query value), which need not be UTF-8,
 * and vsnprintf may cut a character in two: every byte that is not part of a well-formed
 * character becomes '?', since JSON strings are UTF-8 and jansson refuses anything else. */
static void utf8_clean(char *msg)
{
	unsigned char *p = (unsigned char *)msg;

	while (*p) {
		size_t n = utf8_seq(p);

		if (n)
			p += n;
		else
			*p++ = '?';
	}
}

void hqd_error(struct hqd_req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	utf8_clean(msg);
	hqd_json(r, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

/* v is NULL when json_pack failed (no memory, or a string that is not UTF-8): a client
 * still gets an error it can read, never a JSON type with an empty body. */
void hqd_json(struct hqd_req *r, int status, json_t *v)
{
	free(r->resp);
	r->status = v ? status : 500;
	r->resp = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (!r->resp)
		r->status = 500, r->resp = strdup(HQD_ANSWER_FAILED);
	r->ctype = "application/json";
	json_decref(v);
}

static int http_status(int err)
{
	switch (err) {
	case HQ_ENOSERVICE: case HQ_ENOCOUNTER: case HQ_ENOTICKET: case HQ_ENOCODE: case HQ_ENOCASE:
	case HQ_ENOCLERK: case HQ_ENOALERT: case HQ_ENOSESSION:
		return 404;
	case HQ_ESIGNIN:
		return 403;
	case HQ_EINVAL: case HQ_ECONFIG:
		return 400;
	case HQ_ECLOSED: case HQ_ECAP: case HQ_EEXHAUSTED: case HQ_EPAUSED: case HQ_ECTRCLOSED:
	case HQ_ESTATE: case HQ_EIDLE: case HQ_EBUSYCTR: case HQ_EEARLY: case HQ_ELATE:
	case HQ_EUSED: case HQ_ESLOT: case HQ_ERATED: case HQ_EEMPTY: case HQ_ECLERK:
		return 409;
	case HQ_EBUSY:
		return 503;
	default:
		return 500;
	}
}

void hqd_queue_error(struct hq_queue *q, struct hqd_req *r, int err)
{
	const char *msg = hq_queue_errmsg(q);

	hqd_error(r, http_status(err), hq_err_code(err), "%s", msg && *msg ? msg : hq_strerror(err));
}

char *hqd_event_frame(const struct hq_event *e)
{
	json_t *v = json_pack("{s:I, s:o, s:I, s:s, s:I, s:s, s:s, s:i, s:i, s:s}", "id", (json_int_t)e->id,
			      "at", hqd_iso_time(e->at), "at_ms", (json_int_t)e->at, "type", e->type,
			      "ticket_id", (json_int_t)e->ticket_id,
			      "label", e->label, "service", e->service, "counter", e->counter,
			      "value", e->value, "detail", e->detail);
	char *data = v ? json_dumps(v, JSON_COMPACT) : NULL;
	char *frame = NULL;

	json_decref(v);
	if (data && asprintf(&frame, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)e->id, e->type,
			     data) < 0)
		frame = NULL;
	free(data);
	return frame;
}

/* Body fields. A missing optional field is fine; a field of the wrong type is not. The value
 * of obj[key] when it is there (not null); NULL otherwise, answered when it was required. */
json_t *hqd_field(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		 bool required)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	if (v && !json_is_null(v))
		return v;
	if (required)
		hqd_error(r, 400, "badjson", "%s needs \"%s\"", *where ? where : "the body", key);
	return NULL;
}

/* Answer that obj[key] is not `what`; false, for the caller to return. */
static bool wrong_type(struct hqd_req *r, const char *where, const char *key, const char *what)
{
	hqd_error(r, 400, "badjson", "\"%s%s%s\" must be %s", where, *where ? "." : "", key, what);
	return false;
}

bool hqd_query_time(struct hqd_req *r, const char *key, bool end, int64_t *out)
{
	const char *s = r->query(r->conn, key);

	if (!s || !*s)
		return true;
	if (hq_parse_local_bound(s, end, out) == HQ_OK)
		return true;
	hqd_error(r, 400, "inval", "%s '%s' is not a time like 2026-11-23 or \"2026-11-23 09:00\"", key, s);
	return false;
}

bool hqd_field_string(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		      bool required, const char **out)
{
	json_t *v = hqd_field(r, obj, where, key, required);

	*out = NULL;
	if (!v)
		return !required;
	if (!json_is_string(v))
		return wrong_type(r, where, key, "a string");
	*out = json_string_value(v);
	return true;
}

bool hqd_field_int(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		   bool required, long long lo, long long hi, long long *out, bool *given)
{
	json_t *v = hqd_field(r, obj, where, key, required);

	*given = false;
	if (!v)
		return !required;
	if (!json_is_integer(v))
		return wrong_type(r, where, key, "a whole number");
	*out = json_integer_value(v);
	if (*out < lo || *out > hi) {
		hqd_error(r, 400, "inval", "\"%s%s%s\" must be from %lld to %lld", where,
			  *where ? "." : "", key, lo, hi);
		return false;
	}
	*given = true;
	return true;
}

bool hqd_field_bool(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		    bool required, bool *out)
{
	json_t *v = hqd_field(r, obj, where, key, required);

	if (!v)
		return !required;
	if (!json_is_boolean(v))
		return wrong_type(r, where, key, "true or false");
	*out = json_is_true(v);
	return true;
}

bool hqd_field_number(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		      bool required, double lo, double hi, double *out)
{
	json_t *v = hqd_field(r, obj, where, key, required);

	if (!v)
		return !required;
	if (!json_is_number(v))
		return wrong_type(r, where, key, "a number");
	*out = json_number_value(v);
	if (*out < lo || *out > hi) {
		hqd_error(r, 400, "inval", "\"%s%s%s\" must be from %g to %g", where, *where ? "." : "",
			  key, lo, hi);
		return false;
	}
	return true;
}

bool hqd_field_array(struct hqd_req *r, const json_t *obj, const char *where, const char *key,
		     size_t max, json_t **out)
{
	*out = hqd_field(r, obj, where, key, true);
	if (!*out)
		return false;
	if (!json_is_array(*out))
		return wrong_type(r, where, key, "an array");
	if (json_array_size(*out) > max) {
		hqd_error(r, 400, "inval", "\"%s%s%s\" may hold at most %zu entries, not %zu", where,
			  *where ? "." : "", key, max, json_array_size(*out));
		return false;
	}
	return true;
}
