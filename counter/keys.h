/*
 * The counter unit's keys (firmware-proto/PROTOCOL.md 5.1) and the hallqd counter
 * operation each one stands for: one table for the bus gateway and the terminal counter,
 * so a key means the same thing wherever it is pressed.
 */
#ifndef HQ_KEYS_H
#define HQ_KEYS_H

#include <jansson.h>

/* hq_key.flags */
#define HQ_KEY_UNIT_ONLY 0x01 /* not on the terminal counter: the citizen's rating, a PIN */
#define HQ_KEY_SEQUENCE 0x02  /* part of the sign-in sequence, not a press by itself: the
			       * gateway sends it with hq_link_sign_in (PROTOCOL.md 5.4) */

struct hq_key {
	int code;                   /* the unit's key code, 1..13 */
	const char *name;           /* as hallq-unit-sim and the terminal counter call it */
	const char *op;             /* POST /api/v1/counters/{n}/OP; NULL for the PIN (12) */
	const char *arg;            /* the body field the argument goes in, or NULL */
	int arg_min, arg_max;
	const char *label;          /* for people: "call next (叫号)" */
	int flags;
};

const struct hq_key *hq_key_by_code(int code);
const struct hq_key *hq_key_by_name(const char *name);
/* The request body for a press with this argument (NULL when the key takes none). The
 * caller json_decref()s it. */
json_t *hq_key_body(const struct hq_key *k, int arg);

#endif
