/*
 * The board support the firmware needs, as a table of functions the board (or the host
 * simulator, or a test) fills in: a millisecond tick, the RS-485 UART a byte at a time, the
 * key scanner, the number display and a beeper. The firmware never touches hardware or an
 * OS except through this table, and keeps no globals, so one process can run many units.
 *
 * "Line idle" is not a HAL call: the firmware notes the tick of each received byte and
 * treats the line as idle once it has been silent for t3.5 (see link.h), which is all a
 * board with a plain UART and a 1 ms timer can offer.
 */
#ifndef HQFW_HAL_H
#define HQFW_HAL_H

#include <stdint.h>

#define HQFW_HAL_NONE (-1)    /* uart_read: no byte waiting */
#define HQFW_HAL_OVERRUN (-2) /* uart_read: the UART lost bytes since the last call */

enum hqfw_beep {
	HQFW_BEEP_KEY = 1,     /* one short beep: press recorded */
	HQFW_BEEP_REFUSED = 2, /* two short beeps: press refused (ring full) or not allowed now */
	HQFW_BEEP_TYPED = 3    /* a click: a digit or the PIN prompt, nothing recorded yet */
};

/* The keypad's own keys, which never go on the wire by themselves (PROTOCOL.md 5.4). */
#define HQFW_PAD_DIGIT 0x100 /* *arg: the digit, 0..9 */
#define HQFW_PAD_CLEAR 0x101 /* the last digit typed, or with none the whole entry */
#define HQFW_PAD_ENTER 0x102 /* confirm the PIN */

/* What the display shows; built by the unit logic (unit.c), drawn by the board. */
struct hqfw_view {
	char text[9];       /* NUL-terminated, at most 8 characters */
	uint16_t waiting;   /* people waiting, for a second line if the board has one */
	uint8_t brightness; /* 0..100, 0 = off */
	uint8_t sat_open;   /* light the satisfaction keys */
};

struct hqfw_hal {
	void *ctx;
	/* Milliseconds since power-up; wraps after 49.7 days, which the firmware handles. */
	uint32_t (*millis)(void *ctx);
	/* The next received byte (0..255), HQFW_HAL_NONE, or HQFW_HAL_OVERRUN. */
	int (*uart_read)(void *ctx);
	/* Send a reply: enable the RS-485 driver, send, wait for the last stop bit, release. */
	void (*uart_write)(void *ctx, const uint8_t *buf, uint16_t len);
	/* A new press (debounced, once per press): its key code (PROTOCOL.md 5.1) with *arg
	 * set, one of the keypad's own keys below, or 0 when there is none. A keypad that
	 * composes typed numbers itself passes them as the argument of the key that takes them;
	 * one that reports its digits (HQFW_PAD_DIGIT) leaves that to the firmware, which
	 * shows them as they are typed. The PIN of a sign-in is always typed digit by digit,
	 * so that the firmware can mask it (PROTOCOL.md 5.4). */
	int (*key_scan)(void *ctx, uint16_t *arg);
	/* Draw the view; called only when it changed. */
	void (*display)(void *ctx, const struct hqfw_view *view);
	/* May be NULL on a board without a beeper. */
	void (*beep)(void *ctx, enum hqfw_beep kind);
};

#endif
