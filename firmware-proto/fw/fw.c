/*
 * The firmware's main loop; see fw.h. Nothing here blocks: a step does what is ready and
 * returns, so a board can sleep until the next tick or UART interrupt between steps.
 */
#include "fw.h"
#include "modbus.h"
#include "plain.h"

void hqfw_fw_init(struct hqfw_fw *fw, const struct hqfw_hal *hal, enum hqfw_proto proto,
		  uint8_t address, uint8_t caps, uint32_t baud)
{
	uint32_t now = hal->millis(hal->ctx);

	fw->hal = hal;
	fw->proto = proto;
	hqfw_unit_init(&fw->unit, address, caps, now);
	hqfw_link_init(&fw->link, baud);
	fw->link.last_ms = now;
	fw->shown_valid = 0;
}

static int view_equal(const struct hqfw_view *a, const struct hqfw_view *b)
{
	unsigned i;

	for (i = 0; i < sizeof a->text; i++) {
		if (a->text[i] != b->text[i])
			return 0;
		if (a->text[i] == '\0')
			break;
	}
	return a->waiting == b->waiting && a->brightness == b->brightness &&
	       a->sat_open == b->sat_open;
}

static void beep(struct hqfw_fw *fw, enum hqfw_beep kind)
{
	if (fw->hal->beep)
		fw->hal->beep(fw->hal->ctx, kind);
}

void hqfw_fw_step(struct hqfw_fw *fw)
{
	const struct hqfw_hal *hal = fw->hal;
	struct hqfw_view v;
	uint32_t now = hal->millis(hal->ctx);
	uint16_t n, arg = 0;
	size_t len;
	int c, key;
	long r;

	hqfw_unit_tick(&fw->unit, now);
	while ((c = hal->uart_read(hal->ctx)) != HQFW_HAL_NONE)
		hqfw_link_byte(&fw->link, c, now);
	n = hqfw_link_frame(&fw->link, now);
	if (n) {
		if (fw->proto == HQFW_PROTO_PLAIN)
			len = hqfw_plain_handle(&fw->unit, fw->link.buf, n, fw->link.overrun, fw->reply);
		else
			len = hqfw_modbus_rtu(&fw->unit, fw->link.buf, n, fw->link.overrun, fw->reply);
		hqfw_link_reset(&fw->link);
		if (len)
			hal->uart_write(hal->ctx, fw->reply, (uint16_t)len);
	}
	key = hal->key_scan(hal->ctx, &arg);
	if (key) {
		r = hqfw_unit_key(&fw->unit, key, arg);
		beep(fw, r == HQFW_TYPED ? HQFW_BEEP_TYPED : r > 0 ? HQFW_BEEP_KEY : HQFW_BEEP_REFUSED);
	}
	hqfw_unit_view(&fw->unit, &v);
	if (!fw->shown_valid || !view_equal(&v, &fw->shown)) {
		fw->shown = v;
		fw->shown_valid = 1;
		hal->display(hal->ctx, &v);
	}
}
