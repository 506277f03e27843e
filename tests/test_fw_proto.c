/*
 * Tests of the counter unit's two slaves on the host (firmware-proto/fw/modbus.c and
 * plain.c): the RTU frame checks (good frame; silence for a bad CRC, another address, a
 * truncated or too long frame, an overrun), each function code and each exception of the
 * MODBUS Application Protocol V1.1b3, each plain command and error, and exactly-once
 * delivery of key events through a line that corrupts requests and replies at random (with
 * a fixed seed), using the host's rule of PROTOCOL.md section 4.3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crc16.h"
#include "modbus.h"
#include "plain.h"
#include "unit.h"

static struct hqfw_unit unit;
static uint8_t rep[300];

static int setup(void **state)
{
	(void)state;
	hqfw_unit_init(&unit, 3, HQFW_CAP_ALL, 0);
	hqfw_unit_ack(&unit, 0);
	return 0;
}

/* Send an RTU request built from the PDU bytes given (address and CRC added). */
static size_t rtu(uint8_t address, const uint8_t *pdu, size_t n)
{
	uint8_t f[300];

	f[0] = address;
	memcpy(f + 1, pdu, n);
	return hqfw_modbus_rtu(&unit, f, hqfw_crc16_append(f, n + 1), 0, rep);
}

#define RTU(addr, ...) rtu((addr), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void assert_exception(size_t len, uint8_t fc, uint8_t code)
{
	assert_int_equal(len, 5);
	assert_int_equal(rep[0], 3);
	assert_int_equal(rep[1], fc | 0x80);
	assert_int_equal(rep[2], code);
	assert_int_equal(hqfw_crc16(rep, 5), 0);
}

static uint16_t rep_reg(unsigned i)
{
	return (uint16_t)((rep[3 + 2 * i] << 8) | rep[4 + 2 * i]);
}

/* ---- RTU framing ---- */

static void test_rtu_good_frame(void **state)
{
	size_t len;

	(void)state;
	len = RTU(3, 0x04, 0x00, 0x00, 0x00, 0x02);
	assert_int_equal(len, 3 + 4 + 2);
	assert_int_equal(rep[2], 4);
	assert_int_equal(rep_reg(0), HQFW_PROTOCOL_VERSION);
	assert_int_equal(rep_reg(1), HQFW_CAP_ALL);
	assert_int_equal(hqfw_crc16(rep, len), 0);
}

static void test_rtu_bad_crc_is_silent(void **state)
{
	uint8_t f[8] = { 0x03, 0x04, 0x00, 0x00, 0x00, 0x02 };

	(void)state;
	hqfw_crc16_append(f, 6);
	f[7] ^= 0x01;
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 8, 0, rep), 0);
	assert_int_equal(unit.crc_errors, 1);
	f[7] ^= 0x01;
	f[3] ^= 0x80; /* a flipped data bit */
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 8, 0, rep), 0);
	assert_int_equal(unit.crc_errors, 2);
	/* The counter is readable. */
	assert_int_equal(RTU(3, 0x04, 0x00, 0x04, 0x00, 0x03), 11);
	assert_int_equal(rep_reg(0), 2);
	assert_int_equal(rep_reg(1), 0);
}

static void test_rtu_other_address_is_silent(void **state)
{
	(void)state;
	assert_int_equal(RTU(4, 0x04, 0x00, 0x00, 0x00, 0x02), 0);
	assert_int_equal(RTU(248, 0x11), 0);
	/* Even an unsupported function for another unit gets no exception from this one. */
	assert_int_equal(RTU(4, 0x2B, 0x0E, 0x01, 0x00), 0);
	assert_int_equal(unit.crc_errors, 0);
	assert_int_equal(unit.framing_errors, 0);
}

static void test_rtu_truncated_and_too_long(void **state)
{
	uint8_t f[300];

	(void)state;
	memset(f, 0x03, sizeof f);
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 3, 0, rep), 0);
	assert_int_equal(unit.framing_errors, 1);
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 257, 0, rep), 0);
	assert_int_equal(unit.framing_errors, 2);
	/* A request cut short but long enough to be checked fails its CRC. */
	f[0] = 3; f[1] = 4; f[2] = 0; f[3] = 0; f[4] = 0; f[5] = 2;
	hqfw_crc16_append(f, 6);
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 7, 0, rep), 0);
	assert_int_equal(unit.crc_errors, 1);
	/* An overrun spoils the frame whatever it holds. */
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 8, 1, rep), 0);
	assert_int_equal(unit.overruns, 1);
	assert_int_equal(hqfw_modbus_rtu(&unit, f, 8, 0, rep), 9);
}

/* ---- function codes ---- */

static void test_fc03_read_holding(void **state)
{
	(void)state;
	assert_int_equal(RTU(3, 0x10, 0x00, 0x01, 0x00, 0x07, 0x0E, 'B', '0', '0', '7', 0, 0, 0, 0,
			     0x00, 0x01, 0x01, 0x2C, 0x00, 0x32), 8);
	assert_int_equal(RTU(3, 0x03, 0x00, 0x00, 0x00, 0x0A), 3 + 20 + 2);
	assert_int_equal(rep_reg(0), 0);	/* ack */
	assert_int_equal(rep_reg(1), 0x4230);	/* "B0" */
	assert_int_equal(rep_reg(2), 0x3037);	/* "07" */
	assert_int_equal(rep_reg(5), 1);	/* paused */
	assert_int_equal(rep_reg(6), 300);	/* waiting */
	assert_int_equal(rep_reg(7), 50);	/* brightness */
	assert_exception(RTU(3, 0x03, 0x00, 0x0A, 0x00, 0x01), 0x03, 2);
	assert_exception(RTU(3, 0x03, 0x00, 0x05, 0x00, 0x06), 0x03, 2);
	assert_exception(RTU(3, 0x03, 0x00, 0x00, 0x00, 0x00), 0x03, 3);
	assert_exception(RTU(3, 0x03, 0x00, 0x00, 0x00, 0x7E), 0x03, 3);
	assert_exception(RTU(3, 0x03, 0x00, 0x00, 0x00), 0x03, 3); /* short PDU */
}

static void test_fc04_read_input(void **state)
{
	unsigned i;

	(void)state;
	hqfw_unit_key(&unit, HQFW_KEY_CALL_NEXT, 0);
	hqfw_unit_key(&unit, HQFW_KEY_TRANSFER, 9);
	assert_int_equal(RTU(3, 0x04, 0x00, 0x00, 0x00, HQFW_IR_COUNT), 3 + 2 * HQFW_IR_COUNT + 2);
	assert_int_equal(rep_reg(HQFW_IR_PENDING), 2);
	assert_int_equal(rep_reg(HQFW_IR_EVENTS + 0), 1);
	assert_int_equal(rep_reg(HQFW_IR_EVENTS + 1), HQFW_KEY_CALL_NEXT);
	assert_int_equal(rep_reg(HQFW_IR_EVENTS + 3), 2);
	assert_int_equal(rep_reg(HQFW_IR_EVENTS + 4), HQFW_KEY_TRANSFER);
	assert_int_equal(rep_reg(HQFW_IR_EVENTS + 5), 9);
	for (i = HQFW_IR_EVENTS + 6; i < HQFW_IR_COUNT; i++)
		assert_int_equal(rep_reg(i), 0);
	assert_exception(RTU(3, 0x04, 0x00, 0x00, 0x00, HQFW_IR_COUNT + 1), 0x04, 2);
	assert_exception(RTU(3, 0x04, 0x00, 0x21, 0x00, 0x01), 0x04, 2);
	assert_exception(RTU(3, 0x04, 0xFF, 0xFF, 0x00, 0x02), 0x04, 2);
	assert_exception(RTU(3, 0x04, 0x00, 0x00, 0x00, 0x00), 0x04, 3);
}

static void test_fc06_write_single(void **state)
{
	(void)state;
	assert_int_equal(RTU(3, 0x06, 0x00, 0x07, 0x00, 0x64), 8);
	assert_int_equal(rep[5], 0x64);
	assert_int_equal(unit.brightness, 100);
	assert_exception(RTU(3, 0x06, 0x00, 0x05, 0x00, 0x03), 0x06, 3); /* state 3 */
	assert_exception(RTU(3, 0x06, 0x00, 0x01, 0x41, 0x07), 0x06, 3); /* not ASCII */
	assert_exception(RTU(3, 0x06, 0x00, 0x0A, 0x00, 0x00), 0x06, 2); /* past the map */
	assert_exception(RTU(3, 0x06, 0x00, 0x08, 0x00, 0x01), 0x06, 2); /* half a clock */
	assert_exception(RTU(3, 0x06, 0x00, 0x09, 0x00, 0x01), 0x06, 2);
	assert_int_equal(unit.state, 0);
	assert_int_equal(unit.clock, 0);
}

static void test_fc06_ack(void **state)
{
	(void)state;
	hqfw_unit_key(&unit, HQFW_KEY_CALL_NEXT, 0);
	hqfw_unit_key(&unit, HQFW_KEY_START, 0);
	hqfw_unit_key(&unit, HQFW_KEY_FINISH, 0);
	assert_int_equal(RTU(3, 0x06, 0x00, 0x00, 0x00, 0x02), 8);
	assert_int_equal(unit.ring.count, 1);
	/* The same acknowledgement again (its reply was lost) changes nothing. */
	assert_int_equal(RTU(3, 0x06, 0x00, 0x00, 0x00, 0x02), 8);
	assert_int_equal(unit.ring.count, 1);
	assert_int_equal(RTU(3, 0x03, 0x00, 0x00, 0x00, 0x01), 7);
	assert_int_equal(rep_reg(0), 2);
}

static void test_fc10_write_multiple(void **state)
{
	(void)state;
	/* Clock as a whole: accepted and read back. */
	assert_int_equal(RTU(3, 0x10, 0x00, 0x08, 0x00, 0x02, 0x04, 0x6B, 0x04, 0x05, 0x40), 8);
	assert_int_equal(unit.clock, 1795425600u);
	/* Half a clock. */
	assert_exception(RTU(3, 0x10, 0x00, 0x07, 0x00, 0x02, 0x04, 0x00, 0x10, 0x00, 0x00), 0x10, 2);
	assert_int_equal(unit.brightness, 100);
	/* Checked in full first: a bad brightness leaves the text alone. */
	assert_exception(RTU(3, 0x10, 0x00, 0x01, 0x00, 0x07, 0x0E, 'C', '0', '0', '1', 0, 0, 0, 0,
			     0x00, 0x00, 0x00, 0x00, 0x00, 0x65), 0x10, 3);
	assert_int_equal(unit.text[0], 0);
	/* Byte count that does not match the quantity, quantity 0, quantity over 123. */
	assert_exception(RTU(3, 0x10, 0x00, 0x06, 0x00, 0x01, 0x04, 0x00, 0x01), 0x10, 3);
	assert_exception(RTU(3, 0x10, 0x00, 0x06, 0x00, 0x01, 0x02, 0x00, 0x01, 0x00), 0x10, 3);
	assert_exception(RTU(3, 0x10, 0x00, 0x06, 0x00, 0x00, 0x00), 0x10, 3);
	assert_exception(RTU(3, 0x10, 0x00, 0x06, 0x00, 0x7C, 0xF8), 0x10, 3);
	assert_exception(RTU(3, 0x10, 0x00, 0x09, 0x00, 0x02, 0x04, 0, 0, 0, 0), 0x10, 2);
	assert_exception(RTU(3, 0x10, 0x00), 0x10, 3);
}

static void test_fc11_report_server_id(void **state)
{
	size_t len;

	(void)state;
	hqfw_unit_init(&unit, 3, HQFW_CAP_KEYS | HQFW_CAP_DISPLAY, 0);
	len = RTU(3, 0x11);
	assert_int_equal(rep[1], 0x11);
	assert_int_equal(rep[3], 0x01);
	assert_int_equal(rep[4], 0xFF);
	assert_int_equal(rep[2], len - 5);
	assert_memory_equal(rep + 5, "hallq-unit/1 fw=0.2 caps=keys,display", 37);
	assert_int_equal(rep[2], 2 + 37);
	assert_exception(RTU(3, 0x11, 0x00), 0x11, 3);
}

static void test_illegal_functions(void **state)
{
	static const uint8_t fcs[] = { 0x01, 0x02, 0x05, 0x0F, 0x16, 0x17, 0x2B, 0x7F };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof fcs; i++)
		assert_exception(rtu(3, &fcs[i], 1), fcs[i], 1);
}

static void test_broadcast(void **state)
{
	(void)state;
	/* Never answered; only the clock write is acted on. */
	assert_int_equal(RTU(0, 0x06, 0x00, 0x07, 0x00, 0x0A), 0);
	assert_int_equal(unit.brightness, 100);
	assert_int_equal(RTU(0, 0x10, 0x00, 0x07, 0x00, 0x03, 0x06, 0, 0x0A, 0, 0, 0, 1), 0);
	assert_int_equal(unit.brightness, 100);
	assert_int_equal(RTU(0, 0x11), 0);
	assert_int_equal(RTU(0, 0x05, 0x00, 0x00, 0xFF, 0x00), 0);
	assert_int_equal(RTU(0, 0x10, 0x00, 0x08, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0x2A), 0);
	assert_int_equal(unit.clock, 42);
}

/* ---- plain protocol ---- */

static size_t plain(uint8_t address, uint8_t cmd, const uint8_t *payload, uint8_t len)
{
	uint8_t f[HQFW_PLAIN_FRAME_MAX];
	size_t n = hqfw_plain_build(f, address, cmd, payload, len);

	return hqfw_plain_handle(&unit, f, n, 0, rep);
}

static void assert_plain_error(size_t len, uint8_t cmd, uint8_t code)
{
	assert_int_equal(len, 8);
	assert_int_equal(rep[2], HQFW_PLAIN_ERROR);
	assert_int_equal(rep[4], cmd);
	assert_int_equal(rep[5], code);
	assert_int_equal(hqfw_crc16(rep + 1, 7), 0);
}

static void test_plain_ident_status(void **state)
{
	size_t len;

	(void)state;
	len = plain(3, HQFW_PLAIN_IDENT, 0, 0);
	assert_int_equal(rep[0], HQFW_PLAIN_SOF);
	assert_int_equal(rep[2], 0x81);
	assert_int_equal(rep[4], 1);
	assert_int_equal(rep[5], HQFW_CAP_ALL);
	assert_memory_equal(rep + 6, "hallq-unit/1 fw=0.2 caps=keys,sat,display", 41);
	assert_int_equal(len, 6 + 2 + 41);
	unit.crc_errors = 7;
	unit.uptime = 0x00012345;
	assert_int_equal(plain(3, HQFW_PLAIN_STATUS, 0, 0), 17);
	assert_int_equal(rep[5], 0x01);
	assert_int_equal(rep[7], 0x45);
	assert_int_equal(rep[9], 7);
	assert_int_equal(rep[14], unit.status); /* the flags, BOOT among them */
	assert_plain_error(plain(3, HQFW_PLAIN_IDENT, (const uint8_t *)"x", 1), HQFW_PLAIN_IDENT,
			   HQFW_PLAIN_E_LENGTH);
}

static void test_plain_poll_ack(void **state)
{
	static const uint8_t ack0[2] = { 0, 0 }, ack2[2] = { 0, 2 }, ack9[2] = { 0, 9 };
	unsigned i;

	(void)state;
	for (i = 0; i < 10; i++)
		hqfw_unit_key(&unit, HQFW_KEY_CALL_NUMBER, (uint16_t)(500 + i));
	/* Up to 8 events shown, all 10 counted. */
	assert_int_equal(plain(3, HQFW_PLAIN_POLL, ack0, 2), 6 + 2 + 8 * 5);
	assert_int_equal(rep[4], 0);
	assert_int_equal(rep[5], 10);
	assert_int_equal(rep[6], 0);
	assert_int_equal(rep[7], 1);
	assert_int_equal(rep[8], HQFW_KEY_CALL_NUMBER);
	assert_int_equal((rep[9] << 8) | rep[10], 500);
	/* The acknowledgement applies before the reply is built. */
	assert_int_equal(plain(3, HQFW_PLAIN_POLL, ack2, 2), 6 + 2 + 8 * 5);
	assert_int_equal(rep[5], 8);
	assert_int_equal(rep[7], 3);
	/* A repeated one changes nothing. */
	assert_int_equal(plain(3, HQFW_PLAIN_POLL, ack2, 2), 6 + 2 + 8 * 5);
	assert_int_equal(rep[5], 8);
	assert_int_equal(plain(3, HQFW_PLAIN_POLL, ack9, 2), 6 + 2 + 1 * 5);
	assert_int_equal(rep[5], 1);
	assert_int_equal(rep[7], 10);
	assert_plain_error(plain(3, HQFW_PLAIN_POLL, ack9, 1), HQFW_PLAIN_POLL, HQFW_PLAIN_E_LENGTH);
}

static void test_plain_show_clock(void **state)
{
	uint8_t p[12] = { 'D', '0', '1', '5', 0, 0, 0, 0, 1, 0x00, 0x09, 30 };
	uint8_t c[4] = { 0x6B, 0x04, 0x05, 0x40 };

	(void)state;
	assert_int_equal(plain(3, HQFW_PLAIN_SHOW, p, 12), 6);
	assert_int_equal(rep[2], 0x83);
	assert_int_equal(unit.text[3], '5');
	assert_int_equal(unit.state, 1);
	assert_int_equal(unit.waiting, 9);
	assert_int_equal(unit.brightness, 30);
	p[0] = 'E';
	p[8] = 3; /* bad state: refused, nothing changes */
	assert_plain_error(plain(3, HQFW_PLAIN_SHOW, p, 12), HQFW_PLAIN_SHOW, HQFW_PLAIN_E_VALUE);
	assert_int_equal(unit.text[0], 'D');
	assert_plain_error(plain(3, HQFW_PLAIN_SHOW, p, 11), HQFW_PLAIN_SHOW, HQFW_PLAIN_E_LENGTH);
	assert_int_equal(plain(3, HQFW_PLAIN_CLOCK, c, 4), 6);
	assert_int_equal(unit.clock, 1795425600u);
	/* At the broadcast address only CLOCK acts, and nothing answers. */
	p[8] = 0;
	assert_int_equal(plain(0, HQFW_PLAIN_SHOW, p, 12), 0);
	assert_int_equal(unit.text[0], 'D');
	c[3] = 0x41;
	assert_int_equal(plain(0, HQFW_PLAIN_CLOCK, c, 4), 0);
	assert_int_equal(unit.clock, 1795425601u);
	assert_plain_error(plain(3, 0x40, 0, 0), 0x40, HQFW_PLAIN_E_COMMAND);
}

/* A five-key unit: sat5 brings sat with it, in the bits and in the string (PROTOCOL.md 2.2). */
static void test_five_key_identity(void **state)
{
	static const char id[] = "hallq-unit/1 fw=0.2 caps=keys,sat,sat5,display";
	size_t len;

	(void)state;
	hqfw_unit_init(&unit, 3, HQFW_CAP_KEYS | HQFW_CAP_SAT5 | HQFW_CAP_DISPLAY, 0);
	len = RTU(3, 0x11);
	assert_int_equal(len, 5 + 2 + sizeof id - 1);
	assert_memory_equal(rep + 5, id, sizeof id - 1);
	assert_int_equal(RTU(3, 0x04, 0x00, 0x01, 0x00, 0x01), 7);
	assert_int_equal(rep_reg(0), 0x0F);
	assert_int_equal(HQFW_EVALUATOR_KEYS(rep_reg(0)), 5);
	len = plain(3, HQFW_PLAIN_IDENT, 0, 0);
	assert_int_equal(rep[5], 0x0F);
	assert_memory_equal(rep + 6, id, sizeof id - 1);
	assert_int_equal(len, 6 + 2 + sizeof id - 1);
	/* A three-key unit and one without satisfaction keys. */
	assert_int_equal(HQFW_EVALUATOR_KEYS(HQFW_CAP_ALL), 3);
	assert_int_equal(HQFW_EVALUATOR_KEYS(HQFW_CAP_KEYS | HQFW_CAP_DISPLAY), 0);
}

/* A sign-in over the plain protocol: the three events in one POLL, dropped (and wiped from
 * the ring's memory) by one acknowledgement of the last (PROTOCOL.md 5.4). */
static void test_plain_sign_in(void **state)
{
	static const char *digits = "10240042";
	uint8_t ack[2] = { 0, 0 };
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++)
		hqfw_unit_key(&unit, HQFW_PAD_DIGIT, (uint16_t)(digits[i] - '0'));
	assert_int_equal(hqfw_unit_key(&unit, HQFW_KEY_SIGN_IN, 0), HQFW_TYPED);
	for (; digits[i]; i++)
		hqfw_unit_key(&unit, HQFW_PAD_DIGIT, (uint16_t)(digits[i] - '0'));
	assert_int_equal(hqfw_unit_key(&unit, HQFW_KEY_SIGN_IN, 0), 1); /* sign-in again confirms */
	assert_int_equal(plain(3, HQFW_PLAIN_POLL, ack, 2), 6 + 2 + 15);
	assert_int_equal(rep[5], 3);
	assert_memory_equal(rep + 6, ((const uint8_t[]){ 0, 1, 11, 0x04, 0x00, 0, 2, 12, 0x40, 0x04,
							   0, 3, 12, 0x02, 0xFF }), 15);
	ack[1] = 3;
	assert_int_equal(plain(3, HQFW_PLAIN_POLL, ack, 2), 8);
	assert_int_equal(rep[5], 0);
	for (i = 0; i < HQFW_RING_SIZE; i++)
		assert_int_equal(unit.ring.ev[i].arg, 0);
}

static void test_plain_framing(void **state)
{
	uint8_t f[HQFW_PLAIN_FRAME_MAX + 8];
	size_t n;

	(void)state;
	n = hqfw_plain_build(f, 3, HQFW_PLAIN_IDENT, 0, 0);
	assert_int_equal(plain(4, HQFW_PLAIN_IDENT, 0, 0), 0); /* another unit */
	f[0] = 0x5A;
	assert_int_equal(hqfw_plain_handle(&unit, f, n, 0, rep), 0); /* bad start byte */
	assert_int_equal(unit.framing_errors, 1);
	f[0] = HQFW_PLAIN_SOF;
	assert_int_equal(hqfw_plain_handle(&unit, f, n - 1, 0, rep), 0); /* truncated */
	assert_int_equal(unit.framing_errors, 2);
	f[n] = 0;
	assert_int_equal(hqfw_plain_handle(&unit, f, n + 1, 0, rep), 0); /* one byte too many */
	assert_int_equal(unit.framing_errors, 3);
	f[n - 1] ^= 0xFF;
	assert_int_equal(hqfw_plain_handle(&unit, f, n, 0, rep), 0); /* bad CRC */
	assert_int_equal(unit.crc_errors, 1);
	f[n - 1] ^= 0xFF;
	assert_int_equal(hqfw_plain_handle(&unit, f, n, 1, rep), 0); /* overrun */
	assert_int_equal(unit.overruns, 1);
	/* A length byte over 64. */
	memset(f, 0, sizeof f);
	f[0] = HQFW_PLAIN_SOF; f[1] = 3; f[2] = 1; f[3] = 65;
	hqfw_crc16_append(f + 1, 3 + 65);
	assert_int_equal(hqfw_plain_handle(&unit, f, 6 + 65, 0, rep), 0);
	assert_int_equal(unit.framing_errors, 4);
	assert_int_equal(hqfw_plain_handle(&unit, f, 6 + 65 + 1, 0, rep), 0);
	n = hqfw_plain_build(f, 3, HQFW_PLAIN_IDENT, 0, 0);
	assert_int_not_equal(hqfw_plain_handle(&unit, f, n, 0, rep), 0);
}

/* ---- exactly once over a bad line ---- */

/* The host's rule of PROTOCOL.md 4.3 and 4.4, as the gateway is to apply it. Events are
 * given as (seq, arg) pairs; processed args are appended to out. Returns the new L. */
static uint16_t host_take(uint16_t last, int boot, const uint8_t *ev, unsigned n, uint16_t *out,
			  unsigned *nout)
{
	unsigned i, from = 0;

	if (boot)
		return 0;
	for (i = 0; i < n; i++)
		if (((ev[5 * i] << 8) | ev[5 * i + 1]) == last)
			from = i + 1;
	for (i = from; i < n; i++) {
		out[(*nout)++] = (uint16_t)((ev[5 * i + 3] << 8) | ev[5 * i + 4]);
		last = (uint16_t)((ev[5 * i] << 8) | ev[5 * i + 1]);
	}
	return last;
}

static void test_exactly_once_on_a_bad_line(void **state)
{
	enum { PRESSES = 3000 };
	static uint16_t got[PRESSES + 16];
	uint8_t f[HQFW_PLAIN_FRAME_MAX], p[2];
	unsigned nout = 0, pressed = 0, refused = 0, polls = 0, i;
	uint16_t last = 0;
	size_t n, len;
	int burst;

	(void)state;
	srand(4);
	hqfw_unit_init(&unit, 3, HQFW_CAP_ALL, 0);
	hqfw_ring_set_next_seq(&unit.ring, 65000); /* cross the wrap on the way */
	while (pressed < PRESSES || unit.ring.count > 0) {
		assert_true(++polls < 100000);
		/* Presses come in bursts, sometimes faster than the host drains them. */
		burst = rand() % 40 == 0 ? 20 : rand() % 3 == 0;
		while (burst-- > 0 && pressed < PRESSES) {
			long r = hqfw_unit_key(&unit, HQFW_KEY_CALL_NUMBER, (uint16_t)(pressed + 1));

			if (r > 0)
				pressed++;
			else
				refused++;
		}
		p[0] = (uint8_t)(last >> 8);
		p[1] = (uint8_t)(last & 0xFF);
		n = hqfw_plain_build(f, 3, HQFW_PLAIN_POLL, p, 2);
		if (rand() % 5 == 0)
			f[rand() % n] ^= (uint8_t)(1u << (rand() % 8)); /* request corrupted */
		len = hqfw_plain_handle(&unit, f, n, 0, rep);
		if (len == 0)
			continue; /* timeout */
		if (rand() % 4 == 0)
			rep[rand() % len] ^= (uint8_t)(1u << (rand() % 8)); /* reply corrupted */
		if (rep[0] != HQFW_PLAIN_SOF || rep[2] != 0x82 || rep[3] + 6u != len ||
		    hqfw_crc16(rep + 1, len - 1) != 0)
			continue; /* the host drops it */
		last = host_take(last, rep[4] & HQFW_ST_BOOT, rep + 6, (unsigned)(len - 8) / 5, got, &nout);
	}
	assert_int_equal(nout, PRESSES);
	for (i = 0; i < nout; i++)
		assert_int_equal(got[i], i + 1);
	assert_true(refused > 0); /* the ring did fill at times, and said so */
	assert_true(unit.crc_errors > 0);
}

/* A unit that restarts while the host's L is 2 makes new events 1, 2, 3: the host's POLLs
 * still carry ack 2, which must not drop them, and the host must not skip 1 and 2. */
static void test_restart_loses_no_new_press(void **state)
{
	uint16_t got[8];
	unsigned nout = 0, i;
	uint16_t last = 2;
	uint8_t p[2];
	size_t len;

	(void)state;
	hqfw_unit_init(&unit, 3, HQFW_CAP_ALL, 0); /* power cut: BOOT set again */
	for (i = 0; i < 3; i++)
		hqfw_unit_key(&unit, HQFW_KEY_CALL_NUMBER, (uint16_t)(70 + i));
	for (i = 0; i < 3; i++) {
		p[0] = (uint8_t)(last >> 8);
		p[1] = (uint8_t)(last & 0xFF);
		len = plain(3, HQFW_PLAIN_POLL, p, 2);
		assert_true(len >= 8);
		last = host_take(last, rep[4] & HQFW_ST_BOOT, rep + 6, (unsigned)(len - 8) / 5, got, &nout);
	}
	assert_int_equal(nout, 3);
	assert_int_equal(got[0], 70);
	assert_int_equal(got[2], 72);
	assert_int_equal(unit.ring.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rtu_good_frame, setup),
		cmocka_unit_test_setup(test_rtu_bad_crc_is_silent, setup),
		cmocka_unit_test_setup(test_rtu_other_address_is_silent, setup),
		cmocka_unit_test_setup(test_rtu_truncated_and_too_long, setup),
		cmocka_unit_test_setup(test_fc03_read_holding, setup),
		cmocka_unit_test_setup(test_fc04_read_input, setup),
		cmocka_unit_test_setup(test_fc06_write_single, setup),
		cmocka_unit_test_setup(test_fc06_ack, setup),
		cmocka_unit_test_setup(test_fc10_write_multiple, setup),
		cmocka_unit_test_setup(test_fc11_report_server_id, setup),
		cmocka_unit_test_setup(test_illegal_functions, setup),
		cmocka_unit_test_setup(test_broadcast, setup),
		cmocka_unit_test_setup(test_plain_ident_status, setup),
		cmocka_unit_test_setup(test_plain_poll_ack, setup),
		cmocka_unit_test_setup(test_plain_show_clock, setup),
		cmocka_unit_test_setup(test_five_key_identity, setup),
		cmocka_unit_test_setup(test_plain_sign_in, setup),
		cmocka_unit_test_setup(test_plain_framing, setup),
		cmocka_unit_test_setup(test_exactly_once_on_a_bad_line, setup),
		cmocka_unit_test_setup(test_restart_loses_no_new_press, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
