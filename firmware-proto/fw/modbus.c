/*
 * Modbus slave; see modbus.h. Checks run in the order of the state diagrams of MODBUS
 * Application Protocol V1.1b3 section 6 (function code, then quantity and byte count:
 * exception 03, then address range: exception 02, then the values: exception 03).
 */
#include "crc16.h"
#include "modbus.h"

#define FC_READ_HOLDING 0x03u
#define FC_READ_INPUT 0x04u
#define FC_WRITE_SINGLE 0x06u
#define FC_WRITE_MULTIPLE 0x10u
#define FC_REPORT_SERVER_ID 0x11u

#define SERVER_ID 0x01u    /* the model hallq-unit/1, PROTOCOL.md 2.2 */
#define RUN_INDICATOR 0xFFu /* ON, MODBUS Application Protocol 6.13 */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static size_t exception(uint8_t *rep, uint8_t fc, int code)
{
	rep[0] = (uint8_t)(fc | 0x80u);
	rep[1] = (uint8_t)code;
	return 2;
}

/* 0x03 / 0x04: request fc, start (2), quantity (2); reply fc, byte count, registers. */
static size_t read_regs(struct hqfw_unit *u, const uint8_t *req, size_t n, uint8_t *rep)
{
	uint16_t regs[125];
	uint16_t addr, qty, i;
	int ex;

	if (n != 5)
		return exception(rep, req[0], HQFW_EX_ILLEGAL_VALUE);
	addr = be16(req + 1);
	qty = be16(req + 3);
	if (qty < 1 || qty > 125)
		return exception(rep, req[0], HQFW_EX_ILLEGAL_VALUE);
	if (req[0] == FC_READ_INPUT)
		ex = hqfw_unit_read_input(u, addr, qty, regs);
	else
		ex = hqfw_unit_read_holding(u, addr, qty, regs);
	if (ex)
		return exception(rep, req[0], ex);
	rep[0] = req[0];
	rep[1] = (uint8_t)(qty * 2u);
	for (i = 0; i < qty; i++) {
		rep[2 + 2 * i] = (uint8_t)(regs[i] >> 8);
		rep[3 + 2 * i] = (uint8_t)(regs[i] & 0xFFu);
	}
	return 2u + qty * 2u;
}

/* 0x06: request fc, address (2), value (2); the reply echoes the request. */
static size_t write_single(struct hqfw_unit *u, const uint8_t *req, size_t n, uint8_t *rep)
{
	uint16_t val;
	size_t i;
	int ex;

	if (n != 5)
		return exception(rep, req[0], HQFW_EX_ILLEGAL_VALUE);
	val = be16(req + 3);
	ex = hqfw_unit_write_holding(u, be16(req + 1), 1, &val);
	if (ex)
		return exception(rep, req[0], ex);
	for (i = 0; i < 5; i++)
		rep[i] = req[i];
	return 5;
}

/* 0x10: request fc, start (2), quantity (2), byte count, values; reply fc, start, quantity. */
static size_t write_multiple(struct hqfw_unit *u, int broadcast, const uint8_t *req, size_t n,
			     uint8_t *rep)
{
	uint16_t vals[123];
	uint16_t addr, qty, i;
	int ex;

	if (n < 6)
		return exception(rep, req[0], HQFW_EX_ILLEGAL_VALUE);
	addr = be16(req + 1);
	qty = be16(req + 3);
	if (qty < 1 || qty > 123 || req[5] != qty * 2u || n != 6u + req[5])
		return exception(rep, req[0], HQFW_EX_ILLEGAL_VALUE);
	/* PROTOCOL.md 1.1: a broadcast is acted on only when it writes exactly the clock. */
	if (broadcast && (addr != HQFW_HR_CLOCK || qty != 2))
		return 0;
	for (i = 0; i < qty; i++)
		vals[i] = be16(req + 6 + 2 * i);
	ex = hqfw_unit_write_holding(u, addr, qty, vals);
	if (ex)
		return exception(rep, req[0], ex);
	for (i = 0; i < 5; i++)
		rep[i] = req[i];
	return 5;
}

/* 0x11: reply fc, byte count, server id, run indicator, identity string. */
static size_t report_server_id(struct hqfw_unit *u, const uint8_t *req, size_t n, uint8_t *rep)
{
	uint8_t i;

	if (n != 1)
		return exception(rep, req[0], HQFW_EX_ILLEGAL_VALUE);
	rep[0] = req[0];
	rep[1] = (uint8_t)(2u + u->ident_len);
	rep[2] = SERVER_ID;
	rep[3] = RUN_INDICATOR;
	for (i = 0; i < u->ident_len; i++)
		rep[4 + i] = (uint8_t)u->ident[i];
	return 4u + u->ident_len;
}

size_t hqfw_modbus_pdu(struct hqfw_unit *u, int broadcast, const uint8_t *req, size_t n,
		       uint8_t *rep)
{
	size_t len;

	if (n < 1)
		return 0;
	switch (req[0]) {
	case FC_READ_HOLDING:
	case FC_READ_INPUT:
		len = read_regs(u, req, n, rep);
		break;
	case FC_WRITE_SINGLE:
		len = broadcast ? 0 : write_single(u, req, n, rep);
		break;
	case FC_WRITE_MULTIPLE:
		len = write_multiple(u, broadcast, req, n, rep);
		break;
	case FC_REPORT_SERVER_ID:
		len = report_server_id(u, req, n, rep);
		break;
	default:
		len = exception(rep, req[0], HQFW_EX_ILLEGAL_FUNCTION);
		break;
	}
	return broadcast ? 0 : len;
}

size_t hqfw_modbus_rtu(struct hqfw_unit *u, const uint8_t *frame, size_t n, int overrun,
		       uint8_t *rep)
{
	size_t len;
	int broadcast;

	if (overrun) {
		u->overruns++;
		return 0;
	}
	/* Address, function code and CRC at least; 256 bytes at most (Serial Line 2.5.1). */
	if (n < 4 || n > 256) {
		u->framing_errors++;
		return 0;
	}
	/* The CRC over the whole frame, its own two bytes included, is 0 when it is right. */
	if (hqfw_crc16(frame, n) != 0) {
		u->crc_errors++;
		return 0;
	}
	if (frame[0] != u->address && frame[0] != 0)
		return 0;
	broadcast = frame[0] == 0;
	len = hqfw_modbus_pdu(u, broadcast, frame + 1, n - 3, rep + 1);
	if (len == 0 || broadcast)
		return 0;
	rep[0] = u->address;
	return hqfw_crc16_append(rep, len + 1);
}
