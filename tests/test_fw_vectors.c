/*
 * The example frames of firmware-proto/PROTOCOL.md, byte for byte: each row puts a unit in a
 * known state, feeds it the request and compares its reply (or its silence) with the
 * document. Each row also checks that both hex strings appear in PROTOCOL.md as written, so
 * the document and the firmware cannot drift apart unnoticed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modbus.h"
#include "plain.h"
#include "unit.h"

#define DOC "firmware-proto/PROTOCOL.md"

enum setup {
	FRESH,        /* just powered up: BOOT set, nothing pending */
	IDLE,         /* BOOT cleared, nothing pending */
	ONE_CALL,     /* BOOT cleared, one event: seq 1, call next */
	ONE_TRANSFER, /* BOOT cleared, one event: seq 1, transfer to counter 5 */
	FIVE_FRESH,   /* a five-key unit just powered up */
	FIVE_RATED_5, /* a five-key unit, BOOT cleared: seq 1 finish, seq 2 rating 5 */
	FIVE_RATED_4, /* the same with rating 4 */
	SIGNED_IN,    /* BOOT cleared: clerk 1024 typed, sign-in, PIN 012345 typed, enter */
	SIGNED_OUT    /* SIGNED_IN, acknowledged, then the sign-out key: seq 4 */
};

struct vector {
	const char *name;
	int plain;
	uint8_t address;
	enum setup setup;
	const char *request;
	const char *reply; /* "" for silence */
};

static const struct vector vectors[] = {
	{ "modbus report server id", 0, 1, FRESH, "01 11 C0 2C",
	  "01 11 2B 01 FF 68 61 6C 6C 71 2D 75 6E 69 74 2F 31 20 66 77 3D 30 2E 32 20 63 61 70 73 3D 6B 65 79 73 2C 73 61 74 2C 64 69 73 70 6C 61 79 1B 5F" },
	{ "modbus report server id, five-key unit", 0, 2, FIVE_FRESH, "02 11 C0 DC",
	  "02 11 30 01 FF 68 61 6C 6C 71 2D 75 6E 69 74 2F 31 20 66 77 3D 30 2E 32 20 63 61 70 73 3D 6B 65 79 73 2C 73 61 74 2C 73 61 74 35 2C 64 69 73 70 6C 61 79 1E 15" },
	{ "modbus capabilities, five-key unit", 0, 2, FIVE_FRESH, "02 04 00 01 00 01 60 39",
	  "02 04 02 00 0F BD 34" },
	{ "modbus capabilities, three-key unit", 0, 3, FRESH, "03 04 00 01 00 01 61 E8",
	  "03 04 02 00 07 81 32" },
	{ "modbus poll, five-key rating 5", 0, 2, FIVE_RATED_5, "02 04 00 07 00 08 40 3E",
	  "02 04 10 00 00 00 02 00 01 00 05 00 00 00 02 00 0A 00 05 B4 47" },
	{ "modbus poll, a sign-in", 0, 3, SIGNED_IN, "03 04 00 07 00 0B 01 EE",
	  "03 04 16 00 00 00 03 00 01 00 0B 04 00 00 02 00 0C 60 12 00 03 00 0C 03 45 E9 7D" },
	{ "modbus poll, nothing pending", 0, 3, IDLE, "03 04 00 07 00 05 80 2A",
	  "03 04 0A 00 00 00 00 00 00 00 00 00 00 D6 3F" },
	{ "modbus poll, one call", 0, 3, ONE_CALL, "03 04 00 07 00 05 80 2A",
	  "03 04 0A 00 00 00 01 00 01 00 01 00 00 AA FF" },
	{ "modbus poll, one transfer", 0, 3, ONE_TRANSFER, "03 04 00 07 00 05 80 2A",
	  "03 04 0A 00 00 00 01 00 01 00 07 00 05 8A FD" },
	{ "modbus acknowledge", 0, 3, ONE_CALL, "03 06 00 00 00 01 49 E8", "03 06 00 00 00 01 49 E8" },
	{ "modbus show", 0, 3, IDLE,
	  "03 10 00 01 00 07 0E 41 30 31 32 00 00 00 00 00 00 00 05 00 50 2E C6",
	  "03 10 00 01 00 07 D1 E9" },
	{ "modbus illegal function", 0, 3, IDLE, "03 05 00 00 FF 00 8D D8", "03 85 01 22 90" },
	{ "modbus illegal address", 0, 3, IDLE, "03 04 00 40 00 01 31 FC", "03 84 02 63 01" },
	{ "modbus illegal value", 0, 3, IDLE, "03 06 00 07 00 96 B9 87", "03 86 03 A3 A1" },
	{ "modbus broadcast clock", 0, 3, IDLE, "00 10 00 08 00 02 04 6B 04 05 40 A9 B0", "" },
	{ "plain ident", 1, 3, FRESH, "A5 03 01 00 80 50",
	  "A5 03 81 2B 01 07 68 61 6C 6C 71 2D 75 6E 69 74 2F 31 20 66 77 3D 30 2E 32 20 63 61 70 73 3D 6B 65 79 73 2C 73 61 74 2C 64 69 73 70 6C 61 79 9C 21" },
	{ "plain ident, five-key unit", 1, 2, FIVE_FRESH, "A5 02 01 00 D1 90",
	  "A5 02 81 30 01 0F 68 61 6C 6C 71 2D 75 6E 69 74 2F 31 20 66 77 3D 30 2E 32 20 63 61 70 73 3D 6B 65 79 73 2C 73 61 74 2C 73 61 74 35 2C 64 69 73 70 6C 61 79 6D 1B" },
	{ "plain poll, a sign-in", 1, 3, SIGNED_IN, "A5 03 02 02 00 00 C0 78",
	  "A5 03 82 11 00 03 00 01 0B 04 00 00 02 0C 60 12 00 03 0C 03 45 B5 06" },
	{ "plain poll, the sign-in acknowledged", 1, 3, SIGNED_IN, "A5 03 02 02 00 03 80 79",
	  "A5 03 82 02 00 00 E9 B8" },
	{ "plain poll, a sign-out", 1, 3, SIGNED_OUT, "A5 03 02 02 00 03 80 79",
	  "A5 03 82 07 00 01 00 04 0D 00 00 28 6A" },
	{ "plain poll, five-key rating 4", 1, 2, FIVE_RATED_4, "A5 02 02 02 00 00 FD B8",
	  "A5 02 82 0C 00 02 00 01 05 00 00 00 02 0A 00 04 B7 9E" },
	{ "plain poll, nothing pending", 1, 3, FRESH, "A5 03 02 02 00 00 C0 78", "A5 03 82 02 00 00 E9 B8" },
	{ "plain poll, one call", 1, 3, ONE_CALL, "A5 03 02 02 00 00 C0 78",
	  "A5 03 82 07 00 01 00 01 01 00 00 E8 A5" },
	{ "plain poll with ack", 1, 3, ONE_CALL, "A5 03 02 02 00 01 01 B8", "A5 03 82 02 00 00 E9 B8" },
	{ "plain show", 1, 3, IDLE, "A5 03 03 0C 41 30 31 32 00 00 00 00 00 00 05 50 0D BA",
	  "A5 03 83 00 E0 F0" },
	{ "plain unknown command", 1, 3, IDLE, "A5 03 09 00 87 90", "A5 03 FF 02 09 01 36 44" },
	{ "plain broadcast clock", 1, 3, IDLE, "A5 00 04 04 6B 04 05 40 B4 01", "" },
};

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned b;
	int used;

	while (sscanf(s, " %2x%n", &b, &used) == 1) {
		out[n++] = (uint8_t)b;
		s += used;
	}
	return n;
}

static char *read_doc(void)
{
	FILE *f = fopen(DOC, "r");
	char *buf;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Digits typed one by one on the keypad, as the clerk does. */
static void type(struct hqfw_unit *u, const char *digits)
{
	for (; *digits; digits++)
		assert_int_equal(hqfw_unit_key(u, HQFW_PAD_DIGIT, (uint16_t)(*digits - '0')), HQFW_TYPED);
}

static void setup_unit(struct hqfw_unit *u, const struct vector *v)
{
	int five = v->setup == FIVE_FRESH || v->setup == FIVE_RATED_5 || v->setup == FIVE_RATED_4;

	hqfw_unit_init(u, v->address, five ? HQFW_CAP_ALL5 : HQFW_CAP_ALL, 0);
	if (v->setup != FRESH && v->setup != FIVE_FRESH)
		hqfw_unit_ack(u, 0);
	if (v->setup == ONE_CALL)
		assert_int_equal(hqfw_unit_key(u, HQFW_KEY_CALL_NEXT, 0), 1);
	if (v->setup == ONE_TRANSFER)
		assert_int_equal(hqfw_unit_key(u, HQFW_KEY_TRANSFER, 5), 1);
	if (v->setup == FIVE_RATED_5 || v->setup == FIVE_RATED_4) {
		assert_int_equal(hqfw_unit_key(u, HQFW_KEY_FINISH, 0), 1);
		assert_int_equal(hqfw_unit_key(u, HQFW_KEY_RATE, v->setup == FIVE_RATED_5 ? 5 : 4), 2);
	}
	if (v->setup == SIGNED_IN || v->setup == SIGNED_OUT) {
		type(u, "1024");
		assert_int_equal(hqfw_unit_key(u, HQFW_KEY_SIGN_IN, 0), HQFW_TYPED);
		type(u, "012345");
		assert_int_equal(hqfw_unit_key(u, HQFW_PAD_ENTER, 0), 1);
	}
	if (v->setup == SIGNED_OUT) {
		hqfw_unit_ack(u, 3);
		assert_int_equal(hqfw_unit_key(u, HQFW_KEY_SIGN_OUT, 0), 4);
	}
}

static void test_vector(void **state)
{
	const struct vector *v = *state;
	uint8_t req[300], want[300], got[300];
	size_t nreq, nwant, ngot;
	struct hqfw_unit u;
	char *doc = read_doc();

	/* Both strings are in the document (in backticks when they stand alone). */
	assert_non_null(strstr(doc, v->request));
	if (v->reply[0])
		assert_non_null(strstr(doc, v->reply));
	free(doc);

	setup_unit(&u, v);
	nreq = unhex(v->request, req);
	nwant = unhex(v->reply, want);
	if (v->plain)
		ngot = hqfw_plain_handle(&u, req, nreq, 0, got);
	else
		ngot = hqfw_modbus_rtu(&u, req, nreq, 0, got);
	assert_int_equal(ngot, nwant);
	assert_memory_equal(got, want, nwant);
	assert_int_equal(u.crc_errors, 0);
	assert_int_equal(u.framing_errors, 0);
}

/* The broadcast vectors set the clock to 1795425600 on every unit, unanswered. */
static void test_broadcast_clock_applied(void **state)
{
	uint8_t req[32], rep[300];
	struct hqfw_unit u;
	uint16_t r[2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		if (!strstr(vectors[i].name, "broadcast clock"))
			continue;
		setup_unit(&u, &vectors[i]);
		assert_int_equal(vectors[i].plain ? hqfw_plain_handle(&u, req, unhex(vectors[i].request, req), 0, rep)
						  : hqfw_modbus_rtu(&u, req, unhex(vectors[i].request, req), 0, rep), 0);
		assert_int_equal(hqfw_unit_read_holding(&u, HQFW_HR_CLOCK, 2, r), 0);
		assert_int_equal(((uint32_t)r[0] << 16) | r[1], 1795425600u);
	}
}

int main(void)
{
	struct CMUnitTest tests[sizeof vectors / sizeof vectors[0] + 1];
	size_t i;

	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(test_vector, (void *)&vectors[i]);
		tests[i].name = vectors[i].name;
	}
	tests[i] = (struct CMUnitTest)cmocka_unit_test(test_broadcast_clock_applied);
	return _cmocka_run_group_tests("fw_vectors", tests, i + 1, NULL, NULL);
}
