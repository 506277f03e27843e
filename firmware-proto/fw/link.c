/*
 * Frame gathering by inter-character silence; see link.h.
 */
#include "hal.h"
#include "link.h"

uint8_t hqfw_link_gap_ms(uint32_t baud)
{
	/* t3.5 = 3.5 * 11 bits / baud = 38500 / baud ms; 1.75 ms above 19200. A gap of n ticks
	 * guarantees only n - 1 ms of real silence, hence the + 1. */
	uint32_t ms;

	if (baud == 0)
		baud = 19200;
	if (baud > 19200)
		return 3; /* ceil(1.75) + 1 */
	ms = (38500u + baud - 1u) / baud;
	return (uint8_t)(ms + 1u);
}

void hqfw_link_init(struct hqfw_link *l, uint32_t baud)
{
	l->gap_ms = hqfw_link_gap_ms(baud);
	l->last_ms = 0;
	hqfw_link_reset(l);
}

void hqfw_link_byte(struct hqfw_link *l, int byte, uint32_t now_ms)
{
	l->last_ms = now_ms;
	if (byte == HQFW_HAL_OVERRUN) {
		l->overrun = 1;
		return;
	}
	if (byte < 0)
		return;
	if (l->len < HQFW_LINK_MAX)
		l->buf[l->len] = (uint8_t)byte;
	if (l->len < 0xFFFFu)
		l->len++;
}

uint16_t hqfw_link_frame(const struct hqfw_link *l, uint32_t now_ms)
{
	if ((l->len == 0 && !l->overrun) || now_ms - l->last_ms < l->gap_ms)
		return 0;
	/* An overrun with no byte still ends "a frame" so it is counted and dropped. */
	return l->len ? l->len : 1;
}

void hqfw_link_reset(struct hqfw_link *l)
{
	l->len = 0;
	l->overrun = 0;
}
