/*
 * One counter unit (firmware-proto/fw) fed frames from the fuzzer's input, for
 * fuzz_fw_plain.c and fuzz_fw_modbus.c. The input is a setup byte (bits 0-1: the unit's
 * address 1, 2, 3 or 247; bits 2-3: its keys and evaluator; bits 4-7: clear BOOT and press
 * that many keys) and then steps: a byte 0xF0..0xFF is a key press (code & 0x0F, argument
 * from the next byte), 0xEF a long frame (a 16-bit length follows), any other byte the
 * length of the frame that follows. Each frame goes through the link (link.c) as the
 * main loop hands it over, so frames longer than the link buffer are met too.
 *
 * What is checked around every frame is the register map (PROTOCOL.md 2.3, 2.4): nothing
 * outside the unit is touched (guard bytes around it), the unit's identity, uptime, typing
 * and timers never change on a frame, events are never added by one, status bits are only
 * cleared (BOOT, REFUSED), the holding registers stay within their documented values, and
 * the error counters move by at most one. The harness then checks its own protocol's reply.
 */
#include <string.h>

#include "crc16.h"
#include "fuzz.h"
#include "link.h"
#include "unit.h"

#define GUARD 64

struct fw_box {
	uint8_t pre[GUARD];
	struct hqfw_unit u;
	uint8_t post[GUARD];
};

static const uint8_t fw_addresses[4] = { 1, 2, 3, 247 };
static const uint8_t fw_caps[4] = { HQFW_CAP_ALL, HQFW_CAP_ALL5, HQFW_CAP_KEYS, 0 };

static void fw_setup(struct fw_box *b, uint8_t setup)
{
	int i, presses = setup >> 4;

	memset(b->pre, 0xA5, GUARD);
	memset(b->post, 0x5A, GUARD);
	hqfw_unit_init(&b->u, fw_addresses[setup & 3], fw_caps[(setup >> 2) & 3], 0);
	if (presses) {
		hqfw_unit_ack(&b->u, 0);
		for (i = 0; i < presses; i++)
			(void)hqfw_unit_key(&b->u, 1 + (i * 4) % HQFW_KEY_MAX, (uint16_t)(i + 1));
	}
}

static void fw_check_guards(const struct fw_box *b)
{
	for (int i = 0; i < GUARD; i++) {
		FUZZ_CHECK(b->pre[i] == 0xA5, "nothing written before the unit");
		FUZZ_CHECK(b->post[i] == 0x5A, "nothing written after the unit");
	}
}

static int counter_step(uint16_t before, uint16_t after)
{
	return after == before ? 0 : (uint16_t)(before + 1) == after ? 1 : 2;
}

/* The rules of the register map across one frame; see the top of the file. */
static void fw_check_frame(const struct hqfw_unit *a, const struct hqfw_unit *u)
{
	int i, moved;

	FUZZ_CHECK(u->address == a->address && u->caps == a->caps, "address and caps are fixed");
	FUZZ_CHECK(u->ident_len == a->ident_len && !memcmp(u->ident, a->ident, sizeof u->ident),
		   "the identity is fixed");
	FUZZ_CHECK(u->uptime == a->uptime && u->last_ms == a->last_ms, "a frame does not move time");
	FUZZ_CHECK(u->ms_acc == a->ms_acc || u->ms_acc == 0, "only a clock write resets the tick");
	FUZZ_CHECK(u->sat_left_ms == a->sat_left_ms && u->full_left_ms == a->full_left_ms,
		   "a frame does not touch the timers");
	FUZZ_CHECK(!memcmp(&u->entry, &a->entry, sizeof u->entry), "a frame does not touch the typing");
	FUZZ_CHECK((u->status & ~a->status) == 0, "a frame never sets a status bit");
	FUZZ_CHECK((u->status & HQFW_ST_SAT_OPEN) == (a->status & HQFW_ST_SAT_OPEN),
		   "a frame does not open or close the evaluator");
	FUZZ_CHECK(u->ring.count <= a->ring.count, "a frame never adds an event");
	FUZZ_CHECK(u->state <= 2, "state is 0, 1 or 2");
	FUZZ_CHECK(u->brightness <= 100, "brightness is 0..100");
	for (i = 0; i < 8; i++)
		FUZZ_CHECK(u->text[i] == 0 || (u->text[i] >= 0x20 && u->text[i] <= 0x7E),
			   "display text is printable ASCII");
	moved = counter_step(a->crc_errors, u->crc_errors) + counter_step(a->framing_errors, u->framing_errors) +
		counter_step(a->overruns, u->overruns);
	FUZZ_CHECK(moved <= 1, "one frame counts at most one error");
}

/*
 * Run the steps of the input; handle(u, frame, n, overrun, rep) is the slave under test
 * and check(before, after, frame, n, rep, len) its reply's rules. rep has 256 bytes.
 */
typedef size_t (*fw_handler)(struct hqfw_unit *u, const uint8_t *frame, size_t n, int overrun,
			     uint8_t *rep);
typedef void (*fw_checker)(const struct hqfw_unit *before, const struct hqfw_unit *after,
			   const uint8_t *frame, size_t n, const uint8_t *rep, size_t len);

static void fw_run(const uint8_t *data, size_t size, fw_handler handle, fw_checker check)
{
	static struct fw_box box;
	struct hqfw_link link;
	struct hqfw_unit before;
	uint8_t rep[256 + GUARD];
	size_t pos = 1, len, i, n;
	uint32_t now = 10;
	int steps = 0;

	if (size < 1)
		return;
	fw_setup(&box, data[0]);
	hqfw_link_init(&link, 19200);
	while (pos < size && steps++ < 64) {
		uint8_t op = data[pos++];

		if (op >= 0xF0) {
			uint16_t arg = pos < size ? data[pos++] : 0;

			(void)hqfw_unit_key(&box.u, op & 0x0F, arg);
			fw_check_guards(&box);
			continue;
		}
		if (op == 0xEF) {
			if (pos + 2 > size)
				break;
			n = (size_t)data[pos] << 8 | data[pos + 1];
			pos += 2;
		} else {
			n = op;
		}
		if (n > size - pos)
			n = size - pos;
		/* The bytes arrive one a tick apart and the frame ends with the line's silence. */
		hqfw_link_reset(&link);
		for (i = 0; i < n; i++)
			hqfw_link_byte(&link, data[pos + i], now++);
		pos += n;
		if (!(n = hqfw_link_frame(&link, now + link.gap_ms)))
			continue;
		now += link.gap_ms;
		memcpy(&before, &box.u, sizeof before);
		memset(rep, 0xEE, sizeof rep);
		len = handle(&box.u, link.buf, n, link.overrun, rep);
		fw_check_guards(&box);
		FUZZ_CHECK(len <= 256, "a reply fits the 256-byte buffer");
		for (i = 256; i < sizeof rep; i++)
			FUZZ_CHECK(rep[i] == 0xEE, "nothing written past the reply buffer");
		fw_check_frame(&before, &box.u);
		check(&before, &box.u, link.buf, n > HQFW_LINK_MAX ? HQFW_LINK_MAX : n, rep, len);
		hqfw_link_reset(&link);
	}
}
