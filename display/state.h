/*
 * What the wall display shows, as data: the hall from the last GET /api/v1/hall (names,
 * notice, per service the people waiting and the estimated wait, per counter its state),
 * the calls from the event stream (the newest first), whether hallqd is reachable, and
 * when the newest call's highlight began. It knows nothing of SDL or HTTP: main.c feeds it
 * snapshots and events, screen.c draws it, and its rules (which events are calls, which
 * calls are too old to announce) can be tested alone.
 *
 * Ownership: the state owns its arrays; hq_dstate_free() frees them (not the struct).
 */
#ifndef HQ_DSTATE_H
#define HQ_DSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "hq_client.h"
#include "hq_time.h"

#define HQ_DS_CALLS 24
/* A call whose event is older than this (hallqd's clock) is shown but not announced nor
 * highlighted: it arrived late, as when a display resumes the stream after a break. */
#define HQ_DS_FRESH_MS 30000

struct hq_devent {
	int64_t id;
	char type[32];
	char label[16];
	char service[32];
	int counter;
	int value;
	int64_t at_ms;              /* hallqd's time of the event, unix ms; 0 if unknown */
};

struct hq_dcall {
	int64_t event_id;
	char label[16];
	char service[32];           /* the service's key */
	int counter;
	int64_t at_ms;
	int recalls;
};

struct hq_dservice {
	char key[32];
	char name[128], name_en[128];
	bool open;
	int waiting;
	int est_wait_s;             /* HQ_EST_NONE: no counter serving it is open, no estimate */
	int est_range_s[2];         /* its 80% range to show instead, where the hall says
				       estimate_display = range and hallqd gave one; else
				       HQ_EST_NONE, HQ_EST_NONE (the point is shown) */
	int64_t est_opens_at;       /* with HQ_EST_NONE: when its hours open later today, else 0 */
};

struct hq_dcounter {
	int number;
	char name[128], name_en[128];
	int state;                  /* 0 open, 1 paused, 2 closed */
	char serving[16];
};

struct hq_dstate {
	bool have_hall;
	bool online;
	int speed;                  /* hallqd's clock speed: 1, or a simulation's (--speed) */
	char name[128], name_en[128];
	char notice[512];
	bool lang_en;
	struct hq_dservice *services;
	int nservices;
	struct hq_dcounter *counters;
	int ncounters;
	struct hq_dcall calls[HQ_DS_CALLS]; /* calls[0] is the newest */
	int ncalls;
	int64_t highlight_ms;       /* monotonic ms the newest call's highlight began; 0: none */
};

void hq_dstate_init(struct hq_dstate *st);
void hq_dstate_free(struct hq_dstate *st);

/* Take a hall snapshot. Returns 0, or HQ_ENOMEM (the old one is kept); *changed says
 * whether anything shown changed. */
int hq_dstate_set_hall(struct hq_dstate *st, const struct hq_hall *h, bool *changed);

/* Read an event of the stream (data as GET /api/v1/events sends it). Returns 0 or HQ_EFRAME. */
int hq_devent_parse(const struct hq_sse_event *ev, struct hq_devent *out);

enum {
	HQ_DS_CHANGED = 1,          /* the calls changed: redraw */
	HQ_DS_CALL = 2,             /* a fresh call or recall: highlight it, announce it */
	HQ_DS_OLD = 4               /* a call or recall too old to announce */
};
/*
 * Apply one event. server_now_ms is hallqd's clock now (the display's corrected by the
 * known difference), mono_ms the display's monotonic clock (for the highlight). Returns a
 * mask of HQ_DS_* flags.
 */
int hq_dstate_event(struct hq_dstate *st, const struct hq_devent *ev, int64_t server_now_ms,
		    int64_t mono_ms);
/* Forget calls not made on the local day of server_now_ms; true when some were. Calls of
 * another day are also never taken in by hq_dstate_event(). */
bool hq_dstate_keep_day(struct hq_dstate *st, int64_t server_now_ms);

const struct hq_dservice *hq_dstate_service(const struct hq_dstate *st, const char *key);
const struct hq_dcounter *hq_dstate_counter(const struct hq_dstate *st, int number);


#endif
