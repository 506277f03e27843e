/*
 * The gateway's rules for one bus, apart from any thread, socket or HTTP: poll each unit,
 * take its key events exactly once (the host's rule of firmware-proto/PROTOCOL.md 4.3 and
 * 4.4), read a rating on the scale of the unit's evaluator (5.2) and a sign-in's three
 * events as one (5.4), hand them to the sink, keep each unit's display equal to what its
 * counter should show (or `Err` after a refused sign-in), and mark units offline and
 * online. Everything the rules do to the outside world goes through struct hq_gw_sink, and
 * the time too, so the tests drive them with a fake bus and a fake clock.
 */
#ifndef HQ_GATEWAY_H
#define HQ_GATEWAY_H

#include <stdatomic.h>
#include <stdint.h>

#include "bus.h"

#define HQ_GW_OFFLINE_AFTER 3       /* missed polls in a row (PROTOCOL.md 1.2) */
#define HQ_GW_OFFLINE_POLL_MS 1000  /* how often an offline unit is tried */
#define HQ_GW_RECONNECT_MS 1000     /* how often a vanished line is reopened */
#define HQ_GW_SERVER_RETRY_MS 2000  /* after hallqd did not answer a press */
#define HQ_GW_CLOCK_EVERY_S 3600    /* the units' clocks are set again this often */
#define HQ_GW_STATUS_EVERY_MS 60000 /* the units' own error counters are read this often */
#define HQ_GW_WAITING_SHOWS 8       /* display writes a round for a changed waiting count only */
#define HQ_GW_ERR_SHOW_MS 3000      /* how long a unit shows Err after a refused sign-in */
#define HQ_GW_ERR_TEXT "Err"

enum { HQ_GW_INFO, HQ_GW_WARN, HQ_GW_ERROR };

/* Result of handing a key press to the sink. */
enum hq_gw_press {
	HQ_GW_DONE,     /* carried out (or nothing to do, e.g. nobody waiting): acknowledge */
	HQ_GW_RETRY,    /* hallqd did not answer: keep the event in the unit, try again later */
	HQ_GW_REFUSED,  /* hallqd refused it for good (4xx): acknowledge; a sign-in shows Err */
};

struct hq_gw_sink {
	void *ctx;
	/* Carry out a press at a counter; idem is the idempotency key of the press. For the
	 * satisfaction key (10) arg is the level 1..5 already (PROTOCOL.md 5.2). */
	enum hq_gw_press (*press)(void *ctx, int counter, int key, int arg, const char *idem);
	/* A clerk's sign-in at a counter: the id in decimal and the PIN's digits, which the
	 * sink must neither log nor keep; idem is the key of the sign-in's code-11 event. */
	enum hq_gw_press (*sign_in)(void *ctx, int counter, const char *clerk, const char *pin,
				    const char *idem);
	/* What the counter's unit should show now. */
	void (*view)(void *ctx, int counter, struct hq_cshow *out);
	/* A unit's L or series changed: keep them across restarts of the gateway (the
	 * idempotency keys depend on them). The series must be on disk before it is used. */
	void (*save)(void *ctx);
	void (*log)(void *ctx, int level, const char *msg);
	int64_t (*now_ms)(void *ctx);   /* monotonic */
	/* Checked between units, so a round over many dead units does not delay a stop;
	 * may be NULL. */
	int (*stopping)(void *ctx);
	uint32_t (*wall_s)(void *ctx);  /* unix seconds, for unit clocks and generations */
};

struct hq_gw_unit {
	int counter;                /* the counter number the unit stands at */
	int address;
	/* L and the key series, kept across gateway restarts by the sink's save (read by
	 * another thread). */
	_Atomic uint16_t last;      /* L: the last sequence processed */
	_Atomic uint32_t gen;       /* changes when the unit restarts */
	int64_t status_due_ms;
	int misses;                 /* polls in a row without a good answer */
	int said_offline;           /* the log has said it is offline */
	int64_t next_try_ms;        /* offline: when to try again */
	int64_t retry_ms;           /* a press hallqd did not take: when to try again */
	int shown_valid;            /* shown is what the unit displays */
	struct hq_cshow shown;
	int64_t clock_due_ms;       /* when to set the unit's clock (0: at once) */
	int caps;                   /* from the unit's identity (PROTOCOL.md 2.2) */
	int ident_ok;               /* caps were read since the unit last came or restarted */
	int eval_keys;              /* its evaluator: 0, 3 or 5 keys */
	int64_t err_until_ms;       /* show Err until then (a refused sign-in) */
	/* Read by the health reporter from another thread. */
	atomic_int online;          /* 0 never seen or offline, 1 answering */
	atomic_ullong polls, timeouts, crc_errors, exceptions, events, refused;
	atomic_uint unit_crc_errors; /* as the unit counts them */
};

struct hq_gw_bus {
	struct hq_cbus *bus;
	struct hq_gw_unit *units;
	int nunits;
	int64_t next_connect_ms;
	unsigned connect_failures;  /* in a row */
	int64_t cycle_start_ms;
	int cycle_skipped;          /* a unit was skipped as offline: not a full cycle */
	int waiting_shows;          /* this round's display writes for a waiting count only */
	atomic_int up;
	atomic_ullong reopens;
	/* Full cycles since the last hq_gw_cycle_stats(), and their total time. */
	atomic_ullong cycles, cycle_us_sum, cycle_us_max;
	char msg[384];              /* the message being logged */
};

/*
 * Poll one unit: its events go to the sink, its display and clock are brought up to date.
 * Returns HQ_ELINK when the line went away (the bus is then closed; hq_gw_round reopens
 * it), else 0.
 */
int hq_gw_poll_unit(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s);

/*
 * One round over the bus: connect it if it is down (at most every HQ_GW_RECONNECT_MS), then
 * poll every unit that is due. Returns how many units were polled (0 when none was due, so
 * the caller may sleep up to hq_gw_idle_ms()).
 */
int hq_gw_round(struct hq_gw_bus *gb, const struct hq_gw_sink *s);
int hq_gw_idle_ms(const struct hq_gw_bus *gb, const struct hq_gw_sink *s);

/* Mean and longest full-cycle time since the last call, in milliseconds (0 when none). */
void hq_gw_cycle_stats(struct hq_gw_bus *gb, double *mean_ms, double *max_ms, unsigned long long *n);

/*
 * A unit as the gateway starts, with the L and series it saved (PROTOCOL.md 4.3, 4.4). A
 * gateway that resumes with its L acknowledges that, not 0, so a unit that restarted while
 * it was away still shows BOOT, and the presses it may have sent before it stopped go out
 * again under the same keys. Without a saved state: gen = now, last = 0.
 */
void hq_gw_unit_init(struct hq_gw_unit *u, int counter, int address, uint32_t gen, uint16_t last);

/* The level (1..5) a satisfaction key's argument stands for on an evaluator of `keys` keys:
 * five keys are the level itself, three keys 1/2/3 are levels 1/3/5 (PROTOCOL.md 5.2). 0
 * when the key is not one the evaluator has. */
int hq_gw_level(int keys, int arg);

/* The idempotency key of a unit's event: the same press always gets the same key, also
 * across a restart of the gateway; a press after a restart of the unit gets a new one. */
void hq_gw_idem_key(const struct hq_gw_bus *gb, const struct hq_gw_unit *u, uint16_t seq,
		    char *out, size_t n);

#endif
