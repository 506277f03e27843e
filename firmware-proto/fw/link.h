/*
 * The receiver shared by both wire forms: bytes are gathered until the line has been silent
 * for t3.5 (3.5 characters of 11 bits, fixed at 1.75 ms above 19200 baud: MODBUS over Serial
 * Line V1.02, section 2.5.1.1), and what was gathered is one frame. Measured with the 1 ms
 * tick, so the silence is rounded up to whole milliseconds plus one, so that a gap shorter
 * than t3.5 is never taken for the end of a frame.
 */
#ifndef HQFW_LINK_H
#define HQFW_LINK_H

#include <stdint.h>

#define HQFW_LINK_MAX 256 /* the longest RTU frame, MODBUS over Serial Line 2.5.1 */

struct hqfw_link {
	uint8_t buf[HQFW_LINK_MAX];
	uint16_t len;     /* bytes received in this frame, counting those beyond the buffer */
	uint8_t overrun;  /* the UART lost bytes during this frame */
	uint8_t gap_ms;   /* silence that ends a frame */
	uint32_t last_ms; /* tick of the last byte */
};

/* The silence, in whole ticks, that marks the end of a frame at this baud rate. */
uint8_t hqfw_link_gap_ms(uint32_t baud);
void hqfw_link_init(struct hqfw_link *l, uint32_t baud);
/* One received byte, or HQFW_HAL_OVERRUN. */
void hqfw_link_byte(struct hqfw_link *l, int byte, uint32_t now_ms);
/* When a frame has ended (line idle for gap_ms after at least one byte), its length (which
 * may exceed HQFW_LINK_MAX: then it is too long and only the first bytes are kept);
 * otherwise 0. The caller handles buf and then calls hqfw_link_reset. */
uint16_t hqfw_link_frame(const struct hqfw_link *l, uint32_t now_ms);
void hqfw_link_reset(struct hqfw_link *l);

#endif
