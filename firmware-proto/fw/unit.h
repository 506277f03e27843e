/*
 * The counter unit's state and rules, independent of the wire form: the event ring, the
 * input and holding registers of PROTOCOL.md sections 2.3 and 2.4 (the plain protocol maps
 * onto the same registers), the satisfaction-key window of a three- or five-key evaluator,
 * the keypad's typed numbers and the sign-in sequence (entry.c), and what the display
 * shows. The Modbus and plain slaves (modbus.c, plain.c) only translate frames into these
 * calls.
 */
#ifndef HQFW_UNIT_H
#define HQFW_UNIT_H

#include <stdint.h>

#include "entry.h"
#include "hal.h"
#include "ring.h"

#define HQFW_FW_MAJOR 0
#define HQFW_FW_MINOR 2
#define HQFW_PROTOCOL_VERSION 1

/* Capability bits, input register 0x0001 (PROTOCOL.md 2.3). SAT5 says the evaluator has
 * five keys rather than three; it comes with SAT, which hqfw_unit_init adds to it. */
#define HQFW_CAP_KEYS 0x01u
#define HQFW_CAP_SAT 0x02u
#define HQFW_CAP_DISPLAY 0x04u
#define HQFW_CAP_SAT5 0x08u
#define HQFW_CAP_ALL (HQFW_CAP_KEYS | HQFW_CAP_SAT | HQFW_CAP_DISPLAY) /* three-key evaluator */
#define HQFW_CAP_ALL5 (HQFW_CAP_ALL | HQFW_CAP_SAT5)                   /* five-key evaluator */
/* The evaluator's keys from the capability bits: 0 (none), 3 or 5 (PROTOCOL.md 5.2). */
#define HQFW_EVALUATOR_KEYS(caps) \
	(!((caps) & HQFW_CAP_SAT) ? 0 : ((caps) & HQFW_CAP_SAT5) ? 5 : 3)

/* Status bits, input register 0x0007 and the plain POLL flags. */
#define HQFW_ST_BOOT 0x01u
#define HQFW_ST_REFUSED 0x02u
#define HQFW_ST_SAT_OPEN 0x04u

/* Key codes, PROTOCOL.md 5.1. */
enum hqfw_key {
	HQFW_KEY_CALL_NEXT = 1,
	HQFW_KEY_RECALL = 2,
	HQFW_KEY_NOSHOW = 3,
	HQFW_KEY_START = 4,
	HQFW_KEY_FINISH = 5,
	HQFW_KEY_PAUSE = 6,
	HQFW_KEY_TRANSFER = 7,
	HQFW_KEY_RESUME = 8,
	HQFW_KEY_CALL_NUMBER = 9,
	HQFW_KEY_RATE = 10,      /* the evaluator: 1..3 on a three-key unit, 1..5 on a five-key one */
	HQFW_KEY_SIGN_IN = 11,   /* the clerk's id, 1..65535 */
	HQFW_KEY_PIN = 12,       /* two events after a sign-in: the PIN (entry.h) */
	HQFW_KEY_SIGN_OUT = 13
};
#define HQFW_KEY_MAX 13
#define HQFW_SIGN_IN_EVENTS 3 /* 11, 12, 12: recorded together or not at all */

/* hqfw_unit_key's answer for a press taken without an event (a digit, the PIN prompt): above
 * every sequence number, so "> 0" still means "taken". */
#define HQFW_TYPED 0x10000L

/* Register map, PROTOCOL.md 2.3 (input) and 2.4 (holding). */
#define HQFW_IR_VERSION 0x0000u
#define HQFW_IR_CAPS 0x0001u
#define HQFW_IR_UPTIME 0x0002u
#define HQFW_IR_CRC_ERRORS 0x0004u
#define HQFW_IR_FRAMING_ERRORS 0x0005u
#define HQFW_IR_OVERRUNS 0x0006u
#define HQFW_IR_STATUS 0x0007u
#define HQFW_IR_PENDING 0x0008u
#define HQFW_IR_EVENTS 0x0009u
#define HQFW_WINDOW 8
#define HQFW_IR_COUNT (HQFW_IR_EVENTS + 3u * HQFW_WINDOW) /* 0x21 */

#define HQFW_HR_ACK 0x0000u
#define HQFW_HR_TEXT 0x0001u
#define HQFW_HR_STATE 0x0005u
#define HQFW_HR_WAITING 0x0006u
#define HQFW_HR_BRIGHTNESS 0x0007u
#define HQFW_HR_CLOCK 0x0008u
#define HQFW_HR_COUNT 0x000Au

/* Modbus exception codes (MODBUS Application Protocol V1.1b3, section 7); the plain
 * protocol's error codes are the same numbers. */
#define HQFW_EX_ILLEGAL_FUNCTION 0x01u
#define HQFW_EX_ILLEGAL_ADDRESS 0x02u
#define HQFW_EX_ILLEGAL_VALUE 0x03u

#define HQFW_SAT_WINDOW_MS 60000u
#define HQFW_FULL_SHOW_MS 1000u
#define HQFW_IDENT_MAX 64

struct hqfw_unit {
	uint8_t address; /* 1..247 */
	uint8_t caps;
	char ident[HQFW_IDENT_MAX]; /* "hallq-unit/1 fw=X.Y caps=..." */
	uint8_t ident_len;

	struct hqfw_ring ring;
	uint8_t status;
	uint16_t ack; /* holding 0x0000 reads back the last value written */

	uint8_t text[8];
	uint16_t state, waiting, brightness;
	uint32_t clock; /* unix seconds, counted on by the tick */

	uint32_t uptime;  /* seconds */
	uint32_t last_ms; /* tick at the last hqfw_unit_tick */
	uint32_t ms_acc;  /* milliseconds not yet counted into uptime and clock */
	uint32_t sat_left_ms;  /* while SAT_OPEN */
	uint32_t full_left_ms; /* while showing FULL */
	struct hqfw_entry entry; /* what the clerk is typing */

	uint16_t crc_errors, framing_errors, overruns;
};

void hqfw_unit_init(struct hqfw_unit *u, uint8_t address, uint8_t caps, uint32_t now_ms);
/* Let time pass: uptime, clock, the satisfaction window, the FULL message, the typing's
 * timeout. */
void hqfw_unit_tick(struct hqfw_unit *u, uint32_t now_ms);

/* A key press from the keypad: a key code of PROTOCOL.md 5.1 with its argument (0 for a key
 * that takes the number typed on the keypad), or one of the keypad's own keys (hal.h
 * HQFW_PAD_*). Returns the sequence number of the event recorded (of the first of a
 * sign-in's three), HQFW_TYPED when the press was taken without an event, 0 when the key is
 * not allowed now (no event, e.g. a rating without a finish), and -1 when the ring is full
 * and the press was refused. */
long hqfw_unit_key(struct hqfw_unit *u, int key, uint16_t arg);

/* The host's acknowledgement (holding 0x0000, or the POLL payload), PROTOCOL.md 4.2/4.4. */
void hqfw_unit_ack(struct hqfw_unit *u, uint16_t seq);

/* Register access; each returns 0 or an exception code and changes nothing on error.
 * Writes are checked in full before any register is changed. */
int hqfw_unit_read_input(const struct hqfw_unit *u, uint16_t addr, uint16_t qty, uint16_t *out);
int hqfw_unit_read_holding(const struct hqfw_unit *u, uint16_t addr, uint16_t qty, uint16_t *out);
int hqfw_unit_write_holding(struct hqfw_unit *u, uint16_t addr, uint16_t qty, const uint16_t *val);

/* What the display should show now. */
void hqfw_unit_view(const struct hqfw_unit *u, struct hqfw_view *v);

#endif
