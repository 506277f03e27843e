/*
 * A small HTTP client for the hallqd integration test: one request at a time on the
 * caller's curl handle, giving back the answer's status, header lines and body (parsed as
 * JSON when it is JSON), and an event-stream subscriber that runs in a thread of its own
 * and parses Server-Sent Events. Nothing here knows the API's rules; test_hallqd.c checks
 * them.
 *
 * Ownership: thttp_request() fills a struct thttp_resp that thttp_resp_free() empties (a
 * zeroed one is fine, and so is freeing twice). sse_start() allocates a subscriber that
 * sse_free() stops and frees; sse_events() copies into an array the caller frees.
 */
#ifndef HQ_TEST_HTTP_H
#define HQ_TEST_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

struct thttp_resp {
	long status;                /* from the status line; 0 when no answer came */
	CURLcode rc;
	char *body;                 /* NUL-terminated; len excludes the NUL */
	size_t len;
	char *head;                 /* the final answer's header lines, CRLF kept */
	size_t hlen;
	json_t *json;               /* the body parsed, NULL when it is not JSON */
	char err[CURL_ERROR_SIZE];
};

/* Stop reading at the end of the header block (for endless answers such as a stream). */
#define THTTP_HEAD_ONLY 1u

/*
 * Send METHOD url with an optional bearer token, body (sent as JSON) and extra header lines
 * ("Name: value", NULL-terminated list, may be NULL). Waits at most timeout_ms. Returns
 * true when a status line came back; r is filled either way.
 */
bool thttp_request(CURL *h, const char *method, const char *url, const char *token,
		   const char *body, const char *const *headers, unsigned flags, long timeout_ms,
		   struct thttp_resp *r);
void thttp_resp_free(struct thttp_resp *r);
/* The value of header `name` (case-insensitive) into buf; false when absent. */
bool thttp_header(const struct thttp_resp *r, const char *name, char *buf, size_t n);

/* One Server-Sent Event as the subscriber saw it. */
struct sse_event {
	int64_t id;                 /* the SSE "id:" field, -1 when absent or not a number */
	char type[32];              /* the SSE "event:" field */
	bool data_ok;               /* "data:" was a JSON object with a numeric "id" */
	bool data_complete;         /* ... with every field of docs/api.md */
	int64_t data_id;
	char data_type[32];
	char label[16];
	int64_t ticket_id;
};

struct sse;

/* Subscribe in a new thread; last_event_id (may be NULL) is sent as Last-Event-ID. */
struct sse *sse_start(const char *url, const char *token, const char *last_event_id);
/* Wait until the answer's header block arrived: its status, or 0 on timeout or failure. */
long sse_wait_open(struct sse *s, long timeout_ms);
/* Wait until an event with id >= id arrived; false on timeout or end of stream. */
bool sse_wait_id(struct sse *s, int64_t id, long timeout_ms);
/* Wait until an event matching type and label arrived; false on timeout. */
bool sse_wait_label(struct sse *s, const char *type, const char *label, long timeout_ms);
/* Wait until the server ended the stream by itself; false on timeout. */
bool sse_wait_end(struct sse *s, long timeout_ms);
/* A copy of the events so far (malloc'd, caller frees); returns how many. */
size_t sse_events(struct sse *s, struct sse_event **out);
/* Wait until a comment line (": ping") arrived; false on timeout or end of stream. */
bool sse_wait_comment(struct sse *s, long timeout_ms);
/* Lines the parser could not make sense of (a field without a colon in a data block, ...). */
int sse_bad_lines(struct sse *s);
/* Disconnect and join the thread. sse_free() does this too; NULL is fine for both. */
void sse_stop(struct sse *s);
void sse_free(struct sse *s);

#endif
