/*
 * Helpers shared by the queue's unit tests (tests/test_queue*.c): checked wrappers around
 * the API, so that a test reads as the hall's script and a failure names the call, the
 * error and the queue's message; and look-ups in the event feed and the hall state. All
 * static inline, so each test program has its own copy and unused ones cost nothing.
 */
#ifndef HQ_TEST_QUEUE_H
#define HQ_TEST_QUEUE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Fail at the caller's line unless `expr` returned 0. */
#define TQ_OK(q, expr) tq_check((q), 0, (expr), #expr, __FILE__, __LINE__)
/* Fail at the caller's line unless `expr` returned exactly `code`. */
#define TQ_ERR(q, code, expr) tq_check((q), (code), (expr), #expr, __FILE__, __LINE__)
/* Doubles compared to 0.001, as the statistics are specified. */
#define TQ_NEAR(want, got) tq_near((double)(want), (double)(got), #got, __FILE__, __LINE__)

static inline void tq_check(struct hq_queue *q, int want, int got, const char *what,
			    const char *file, int line)
{
	if (want == got)
		return;
	print_error("%s returned %s (%d), expected %s; errmsg: \"%s\"\n", what,
		       hq_err_name(got), got, hq_err_name(want), q ? hq_queue_errmsg(q) : "");
	_fail(file, line);
}

static inline void tq_near(double want, double got, const char *what, const char *file,
			   int line)
{
	if (fabs(want - got) <= 0.001)
		return;
	print_error("%s is %.4f, expected %.4f\n", what, got, want);
	_fail(file, line);
}

/* The queue a test has open, so that tq_teardown closes it when an assertion failed. */
static struct hq_queue *tq_live;

/* A fresh hall (NULL: ts_small_hall) with fast commits; tests do not need fsync. */
static inline struct hq_queue *tq_open(const char *ini)
{
	struct hq_queue *q = ts_open(ini);

	tq_live = q;
	assert_int_equal(hq_queue_set_durable(q, false), 0);
	return q;
}

static inline struct hq_queue *tq_reopen(struct hq_queue *q)
{
	tq_live = NULL;
	q = ts_reopen(q);
	tq_live = q;
	assert_int_equal(hq_queue_set_durable(q, false), 0);
	return q;
}

static inline void tq_close(struct hq_queue *q)
{
	tq_live = NULL;
	ts_close(q);
}

/* Teardown of every test: a failed assertion leaves its queue and scratch files here. */
static inline int tq_teardown(void **state)
{
	(void)state;
	if (tq_live)
		tq_close(tq_live);
	return 0;
}

#define TQ_TEST(f) cmocka_unit_test_teardown(f, tq_teardown)

/* Set the fake clock to a local time on the test day, 2026-11-23 (a Monday). */
static inline void tq_at(int h, int min)
{
	ts_clock_ms = ts_local(2026, 11, 23, h, min);
}

/* Seconds after 09:00 on the test day. */
static inline void tq_at_s(int s)
{
	ts_clock_ms = ts_local(2026, 11, 23, 9, 0) + (int64_t)s * 1000;
}

static inline struct hq_ticket tq_issue(struct hq_queue *q, const char *service, enum hq_class cls)
{
	struct hq_ticket t;

	memset(&t, 0xa5, sizeof t);
	TQ_OK(q, hq_queue_issue(q, service, cls, &t));
	return t;
}

static inline struct hq_ticket tq_next(struct hq_queue *q, int counter)
{
	struct hq_ticket t;

	memset(&t, 0xa5, sizeof t);
	TQ_OK(q, hq_queue_call_next(q, counter, &t));
	return t;
}

static inline struct hq_ticket tq_get(struct hq_queue *q, int64_t id)
{
	struct hq_ticket t;

	memset(&t, 0xa5, sizeof t);
	TQ_OK(q, hq_queue_ticket(q, id, &t));
	return t;
}

static inline enum hq_tstate tq_tstate(struct hq_queue *q, int64_t id)
{
	return tq_get(q, id).state;
}

/* The label call_next gives this counter now. */
static inline const char *tq_next_label(struct hq_queue *q, int counter)
{
	static char label[HQ_LABEL_MAX];
	struct hq_ticket t = tq_next(q, counter);

	snprintf(label, sizeof label, "%s", t.label);
	return label;
}

/* One counter's live state. */
static inline struct hq_counter_state tq_counter(struct hq_queue *q, int counter)
{
	struct hq_hall_state st;
	struct hq_counter_state c;
	size_t i;

	memset(&st, 0, sizeof st);
	memset(&c, 0, sizeof c);
	TQ_OK(q, hq_queue_state(q, &st));
	for (i = 0; i < st.ncounters; i++)
		if (st.counters[i].number == counter)
			break;
	if (i == st.ncounters) {
		hq_hall_state_free(&st);
		fail_msg("counter %d is not in the hall state", counter);
	}
	c = st.counters[i];
	hq_hall_state_free(&st);
	return c;
}

/* One service's live state. */
static inline struct hq_service_state tq_service(struct hq_queue *q, const char *key)
{
	struct hq_hall_state st;
	struct hq_service_state s;
	size_t i;

	memset(&st, 0, sizeof st);
	memset(&s, 0, sizeof s);
	TQ_OK(q, hq_queue_state(q, &st));
	for (i = 0; i < st.nservices; i++)
		if (!strcmp(st.services[i].key, key))
			break;
	if (i == st.nservices) {
		hq_hall_state_free(&st);
		fail_msg("service %s is not in the hall state", key);
	}
	s = st.services[i];
	hq_hall_state_free(&st);
	return s;
}

/*
 * Events after `since` of this type (and this ticket, unless ticket_id is 0): how many,
 * and the last of them in *out when out is not NULL.
 */
static inline int tq_events(struct hq_queue *q, int64_t since, const char *type,
			    int64_t ticket_id, struct hq_event *out)
{
	struct hq_event ev[64];
	int n, i, found = 0;

	for (;;) {
		n = hq_queue_events(q, since, ev, 64);
		if (n < 0)
			fail_msg("hq_queue_events: %s: %s", hq_err_name(n), hq_queue_errmsg(q));
		for (i = 0; i < n; i++) {
			if (!strcmp(ev[i].type, type) &&
			    (!ticket_id || ev[i].ticket_id == ticket_id)) {
				found++;
				if (out)
					*out = ev[i];
			}
		}
		if (n < 64)
			break;
		since = ev[n - 1].id;
	}
	return found;
}

/* Exactly one event of this type (for this ticket) after `since`; returned. */
static inline struct hq_event tq_event1(struct hq_queue *q, int64_t since, const char *type,
					int64_t ticket_id)
{
	struct hq_event e;
	int n;

	memset(&e, 0, sizeof e);
	n = tq_events(q, since, type, ticket_id, &e);
	if (n != 1)
		fail_msg("expected one '%s' event for ticket %lld after event %lld, found %d",
			 type, (long long)ticket_id, (long long)since, n);
	return e;
}

/* All events after `since`, how many. */
static inline int tq_count_events(struct hq_queue *q, int64_t since)
{
	struct hq_event ev[64];
	int n, total = 0;

	for (;;) {
		n = hq_queue_events(q, since, ev, 64);
		assert_true(n >= 0);
		total += n;
		if (n < 64)
			return total;
		since = ev[n - 1].id;
	}
}

#endif
