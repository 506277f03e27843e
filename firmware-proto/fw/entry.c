/*
 * The keypad's typing and the PIN's wire form; see entry.h and PROTOCOL.md 5.4.
 */
#include "entry.h"

void hqfw_entry_clear(struct hqfw_entry *e)
{
	/* Through a volatile pointer, so the compiler cannot drop the wipe as a dead store. */
	volatile uint8_t *p = e->digit;
	unsigned i;

	for (i = 0; i < HQFW_PIN_MAX; i++)
		p[i] = 0;
	e->mode = HQFW_ENTRY_NONE;
	e->n = 0;
	e->clerk = 0;
	e->idle_ms = 0;
}

static uint32_t number_of(const struct hqfw_entry *e)
{
	uint32_t v = 0;
	unsigned i;

	for (i = 0; i < e->n; i++)
		v = v * 10u + e->digit[i];
	return v;
}

int hqfw_entry_digit(struct hqfw_entry *e, unsigned d)
{
	if (d > 9)
		return 0;
	if (e->mode == HQFW_ENTRY_NONE) {
		hqfw_entry_clear(e);
		e->mode = HQFW_ENTRY_NUMBER;
	}
	if (e->mode == HQFW_ENTRY_NUMBER &&
	    (e->n >= HQFW_NUMBER_DIGITS || number_of(e) * 10u + d > 65535u))
		return 0;
	if (e->mode == HQFW_ENTRY_PIN && e->n >= HQFW_PIN_MAX)
		return 0;
	e->digit[e->n++] = (uint8_t)d;
	e->idle_ms = 0;
	return 1;
}

int hqfw_entry_back(struct hqfw_entry *e)
{
	if (e->mode == HQFW_ENTRY_NONE)
		return 0;
	if (e->n == 0) {
		hqfw_entry_clear(e);
		return 1;
	}
	e->digit[--e->n] = 0;
	e->idle_ms = 0;
	if (e->n == 0 && e->mode == HQFW_ENTRY_NUMBER)
		hqfw_entry_clear(e);
	return 1;
}

uint16_t hqfw_entry_take_number(struct hqfw_entry *e)
{
	uint16_t v = e->mode == HQFW_ENTRY_NUMBER ? (uint16_t)number_of(e) : 0;

	hqfw_entry_clear(e);
	return v;
}

void hqfw_entry_ask_pin(struct hqfw_entry *e, uint16_t clerk)
{
	hqfw_entry_clear(e);
	e->mode = HQFW_ENTRY_PIN;
	e->clerk = clerk;
}

void hqfw_entry_tick(struct hqfw_entry *e, uint32_t elapsed_ms)
{
	if (e->mode == HQFW_ENTRY_NONE)
		return;
	e->idle_ms = e->idle_ms + elapsed_ms < e->idle_ms ? HQFW_ENTRY_TIMEOUT_MS : e->idle_ms + elapsed_ms;
	if (e->idle_ms >= HQFW_ENTRY_TIMEOUT_MS)
		hqfw_entry_clear(e);
}

int hqfw_entry_view(const struct hqfw_entry *e, char *text)
{
	unsigned i;

	switch (e->mode) {
	case HQFW_ENTRY_NUMBER:
		for (i = 0; i < e->n; i++)
			text[i] = (char)('0' + e->digit[i]);
		text[i] = '\0';
		return 1;
	case HQFW_ENTRY_PIN:
		if (e->n == 0) {
			text[0] = 'P', text[1] = 'I', text[2] = 'n', text[3] = '\0';
			return 1;
		}
		/* Masked: how many digits, never which. */
		text[0] = 'P';
		for (i = 0; i < e->n; i++)
			text[1 + i] = '-';
		text[1 + i] = '\0';
		return 1;
	default:
		return 0;
	}
}

static uint16_t nibble_or_pad(const uint8_t *digit, unsigned n, unsigned i)
{
	return i < n ? digit[i] : 0xFu;
}

void hqfw_pin_pack(const uint8_t *digit, unsigned n, uint16_t *first, uint16_t *second)
{
	*first = (uint16_t)(n << 12 | (unsigned)digit[0] << 8 | (unsigned)digit[1] << 4 | digit[2]);
	*second = (uint16_t)(nibble_or_pad(digit, n, 3) << 8 | nibble_or_pad(digit, n, 4) << 4 |
			     nibble_or_pad(digit, n, 5));
}

unsigned hqfw_pin_unpack(uint16_t first, uint16_t second, char *out)
{
	unsigned n = first >> 12, i, d;

	if (n < HQFW_PIN_MIN || n > HQFW_PIN_MAX || (second >> 12) != 0)
		goto bad;
	for (i = 0; i < HQFW_PIN_MAX; i++) {
		d = i < 3 ? (first >> (8 - 4 * i)) & 0xFu : (second >> (8 - 4 * (i - 3))) & 0xFu;
		/* A digit within the count, and exactly the padding beyond it. */
		if (i < n ? d > 9 : d != 0xFu)
			goto bad;
		if (i < n)
			out[i] = (char)('0' + d);
	}
	out[n] = '\0';
	return n;
bad:
	for (i = 0; i <= HQFW_PIN_MAX; i++)
		out[i] = '\0';
	return 0;
}
