/*
 * The plain protocol slave; see plain.h and PROTOCOL.md section 3. Multi-byte values are
 * big-endian like Modbus registers; the CRC is low byte first.
 */
#include "crc16.h"
#include "plain.h"

size_t hqfw_plain_build(uint8_t *out, uint8_t address, uint8_t cmd, const uint8_t *payload,
			uint8_t len)
{
	uint8_t i;

	out[0] = HQFW_PLAIN_SOF;
	out[1] = address;
	out[2] = cmd;
	out[3] = len;
	for (i = 0; i < len; i++)
		out[4 + i] = payload[i];
	/* The CRC covers address .. payload, not the start byte. */
	return 1u + hqfw_crc16_append(out + 1, 3u + len);
}

static size_t error_reply(const struct hqfw_unit *u, uint8_t *rep, uint8_t cmd, int code)
{
	uint8_t p[2];

	p[0] = cmd;
	p[1] = (uint8_t)code;
	return hqfw_plain_build(rep, u->address, HQFW_PLAIN_ERROR, p, 2);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)(v & 0xFFu);
}

static size_t ident(const struct hqfw_unit *u, uint8_t *rep)
{
	uint8_t p[HQFW_PLAIN_PAYLOAD_MAX];
	uint8_t i, len;

	p[0] = HQFW_PROTOCOL_VERSION;
	p[1] = u->caps;
	len = u->ident_len < HQFW_PLAIN_PAYLOAD_MAX - 2 ? u->ident_len : HQFW_PLAIN_PAYLOAD_MAX - 2;
	for (i = 0; i < len; i++)
		p[2 + i] = (uint8_t)u->ident[i];
	return hqfw_plain_build(rep, u->address, HQFW_PLAIN_IDENT | HQFW_PLAIN_REPLY, p,
			       (uint8_t)(2u + len));
}

/* POLL: apply the acknowledgement first, then report (PROTOCOL.md 3.2). */
static size_t poll(struct hqfw_unit *u, const uint8_t *pl, uint8_t *rep)
{
	uint8_t p[2 + 5 * HQFW_WINDOW];
	const struct hqfw_event *e;
	unsigned i;
	uint8_t len = 2;

	hqfw_unit_ack(u, (uint16_t)((pl[0] << 8) | pl[1]));
	p[0] = u->status;
	p[1] = u->ring.count;
	for (i = 0; i < HQFW_WINDOW && (e = hqfw_ring_get(&u->ring, i)) != 0; i++) {
		put16(p + len, e->seq);
		p[len + 2] = e->key;
		put16(p + len + 3, e->arg);
		len = (uint8_t)(len + 5);
	}
	return hqfw_plain_build(rep, u->address, HQFW_PLAIN_POLL | HQFW_PLAIN_REPLY, p, len);
}

/* SHOW: text (8), state (1), waiting (2), brightness (1), written as holding 0x0001..7. */
static int show(struct hqfw_unit *u, const uint8_t *pl)
{
	uint16_t v[7];
	unsigned i;

	for (i = 0; i < 4; i++)
		v[i] = (uint16_t)((pl[2 * i] << 8) | pl[2 * i + 1]);
	v[4] = pl[8];
	v[5] = (uint16_t)((pl[9] << 8) | pl[10]);
	v[6] = pl[11];
	return hqfw_unit_write_holding(u, HQFW_HR_TEXT, 7, v);
}

static int clock_set(struct hqfw_unit *u, const uint8_t *pl)
{
	uint16_t v[2];

	v[0] = (uint16_t)((pl[0] << 8) | pl[1]);
	v[1] = (uint16_t)((pl[2] << 8) | pl[3]);
	return hqfw_unit_write_holding(u, HQFW_HR_CLOCK, 2, v);
}

static size_t status(const struct hqfw_unit *u, uint8_t *rep)
{
	uint8_t p[11];

	put16(p, (uint16_t)(u->uptime >> 16));
	put16(p + 2, (uint16_t)(u->uptime & 0xFFFFu));
	put16(p + 4, u->crc_errors);
	put16(p + 6, u->framing_errors);
	put16(p + 8, u->overruns);
	/* The flags let a host that does not know its L see BOOT without a POLL, whose
	 * acknowledgement of 0 would clear it (PROTOCOL.md 4.4). */
	p[10] = u->status;
	return hqfw_plain_build(rep, u->address, HQFW_PLAIN_STATUS | HQFW_PLAIN_REPLY, p, 11);
}

static size_t ok(const struct hqfw_unit *u, uint8_t *rep, uint8_t cmd)
{
	return hqfw_plain_build(rep, u->address, (uint8_t)(cmd | HQFW_PLAIN_REPLY), 0, 0);
}

size_t hqfw_plain_handle(struct hqfw_unit *u, const uint8_t *frame, size_t n, int overrun,
			 uint8_t *rep)
{
	uint8_t addr, cmd, len;
	const uint8_t *pl;
	int ex;

	if (overrun) {
		u->overruns++;
		return 0;
	}
	if (n < 6 || n > HQFW_PLAIN_FRAME_MAX || frame[0] != HQFW_PLAIN_SOF ||
	    frame[3] > HQFW_PLAIN_PAYLOAD_MAX || frame[3] + 6u != n) {
		u->framing_errors++;
		return 0;
	}
	if (hqfw_crc16(frame + 1, n - 1) != 0) {
		u->crc_errors++;
		return 0;
	}
	addr = frame[1];
	cmd = frame[2];
	len = frame[3];
	pl = frame + 4;
	if (addr == 0) {
		/* PROTOCOL.md 3.2: only CLOCK is acted on at the broadcast address, silently. */
		if (cmd == HQFW_PLAIN_CLOCK && len == 4)
			(void)clock_set(u, pl);
		return 0;
	}
	if (addr != u->address)
		return 0;
	switch (cmd) {
	case HQFW_PLAIN_IDENT:
		return len == 0 ? ident(u, rep) : error_reply(u, rep, cmd, HQFW_PLAIN_E_LENGTH);
	case HQFW_PLAIN_POLL:
		return len == 2 ? poll(u, pl, rep) : error_reply(u, rep, cmd, HQFW_PLAIN_E_LENGTH);
	case HQFW_PLAIN_SHOW:
		if (len != 12)
			return error_reply(u, rep, cmd, HQFW_PLAIN_E_LENGTH);
		ex = show(u, pl);
		return ex ? error_reply(u, rep, cmd, ex) : ok(u, rep, cmd);
	case HQFW_PLAIN_CLOCK:
		if (len != 4)
			return error_reply(u, rep, cmd, HQFW_PLAIN_E_LENGTH);
		ex = clock_set(u, pl);
		return ex ? error_reply(u, rep, cmd, ex) : ok(u, rep, cmd);
	case HQFW_PLAIN_STATUS:
		return len == 0 ? status(u, rep) : error_reply(u, rep, cmd, HQFW_PLAIN_E_LENGTH);
	default:
		return error_reply(u, rep, cmd, HQFW_PLAIN_E_COMMAND);
	}
}
