/*
 * What the clerk types on the unit's keypad before a key takes it (PROTOCOL.md 5.4): a
 * number, shown as it is typed, for the keys that take one (transfer, call a typed number,
 * sign-in); and after the sign-in key the PIN, shown masked, one '-' a digit. An entry is
 * forgotten after HQFW_ENTRY_TIMEOUT_MS without a key, and its digits are wiped whenever it
 * ends, so a PIN stays in RAM no longer than it takes to record it.
 *
 * Also the PIN's wire form, which host and unit share: two arguments of key code 12, each
 * holding three digits as BCD nibbles, the first led by the digit count, so that a PIN's
 * leading zeros travel (PROTOCOL.md 5.4).
 */
#ifndef HQFW_ENTRY_H
#define HQFW_ENTRY_H

#include <stdint.h>

#define HQFW_NUMBER_DIGITS 5 /* a typed number: 1..65535 */
#define HQFW_PIN_MIN 4
#define HQFW_PIN_MAX 6
#define HQFW_ENTRY_TIMEOUT_MS 20000u

enum hqfw_entry_mode {
	HQFW_ENTRY_NONE = 0,
	HQFW_ENTRY_NUMBER = 1, /* digits typed, not yet taken by a key */
	HQFW_ENTRY_PIN = 2     /* after the sign-in key: the PIN of `clerk` */
};

struct hqfw_entry {
	uint8_t mode;
	uint8_t n;                    /* digits typed */
	uint8_t digit[HQFW_PIN_MAX];  /* 0..9 each */
	uint16_t clerk;               /* HQFW_ENTRY_PIN: the clerk id it belongs to */
	uint32_t idle_ms;             /* since the last key of this entry */
};

/* End the entry (any mode) and wipe its digits. */
void hqfw_entry_clear(struct hqfw_entry *e);

/* A digit 0..9: starts a number when nothing is being typed. Returns 1 when taken, 0 when
 * it does not fit (a sixth digit of a number or a value over 65535, a seventh of a PIN). */
int hqfw_entry_digit(struct hqfw_entry *e, unsigned d);

/* The clear key: drops the last digit, or with none the whole entry (a PIN prompt too).
 * Returns 1, or 0 when nothing was being typed. */
int hqfw_entry_back(struct hqfw_entry *e);

/* The number typed, for the key that takes it; 0 when no number was typed. Ends the entry. */
uint16_t hqfw_entry_take_number(struct hqfw_entry *e);

/* Ask for the PIN of this clerk (the sign-in key was pressed): a new, empty PIN entry. */
void hqfw_entry_ask_pin(struct hqfw_entry *e, uint16_t clerk);

/* Let time pass; an entry idle for HQFW_ENTRY_TIMEOUT_MS ends (wiped). */
void hqfw_entry_tick(struct hqfw_entry *e, uint32_t elapsed_ms);

/* What the display shows while typing, into text (9 bytes, NUL-terminated): the digits of a
 * number ("1024"); "PIn" at the PIN prompt, then 'P' and one '-' per digit ("P----").
 * Returns 0 (and leaves text alone) when nothing is being typed. */
int hqfw_entry_view(const struct hqfw_entry *e, char *text);

/* The PIN's two arguments: first = n << 12 | d1 << 8 | d2 << 4 | d3 and second =
 * d4 << 8 | d5 << 4 | d6, a digit beyond n written as 0xF. n is 4..6. */
void hqfw_pin_pack(const uint8_t *digit, unsigned n, uint16_t *first, uint16_t *second);

/* The PIN back from its two arguments as ASCII digits, NUL-terminated, in out (at least
 * HQFW_PIN_MAX + 1 bytes). Returns the digit count, or 0 when the pair is not a PIN in
 * that form (out is then the empty string). */
unsigned hqfw_pin_unpack(uint16_t first, uint16_t second, char *out);

#endif
