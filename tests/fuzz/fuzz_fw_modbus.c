/*
 * The unit's Modbus RTU slave (firmware-proto/fw/modbus.c, PROTOCOL.md section 2): any
 * frame in (fw_drive.h), and out either silence or one well-formed reply (MODBUS
 * Application Protocol V1.1b3 sections 6 and 7): the unit's address, the function code or
 * an exception with code 1..3, a byte count that matches, a good CRC; silence to a
 * broadcast and to another unit. A read changes nothing; a write that was answered reads
 * back as written, and only writes inside the holding map (0x0000..0x0009) are acted on.
 */
#include "fw_drive.h"
#include "modbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The unit without its error counters, which any frame may move. */
static int same_but_counters(const struct hqfw_unit *a, const struct hqfw_unit *b)
{
	struct hqfw_unit x, y;

	/* Copied byte for byte, padding included, so that memcmp compares like with like. */
	memcpy(&x, a, sizeof x);
	memcpy(&y, b, sizeof y);

	x.crc_errors = y.crc_errors = 0;
	x.framing_errors = y.framing_errors = 0;
	x.overruns = y.overruns = 0;
	return !memcmp(&x, &y, sizeof x);
}

static void check_modbus(const struct hqfw_unit *a, const struct hqfw_unit *u, const uint8_t *f,
			 size_t n, const uint8_t *rep, size_t len)
{
	int good = n >= 4 && hqfw_crc16(f, n) == 0;
	uint8_t fc = n >= 2 ? f[1] : 0;
	uint16_t regs[125];

	if (good && f[0] != 0 && f[0] != u->address)
		FUZZ_CHECK(same_but_counters(a, u), "a frame for another unit changes nothing");
	if (!len) {
		FUZZ_CHECK(!good || f[0] != u->address, "a good frame for this unit is answered");
		return;
	}
	FUZZ_CHECK(good && f[0] == u->address, "a reply only to a good frame for this unit");
	FUZZ_CHECK(len >= 5 && rep[0] == u->address && hqfw_crc16(rep, len) == 0,
		   "address, at least a function code and data, a good CRC");
	if (rep[1] == (fc | 0x80u)) {
		FUZZ_CHECK(len == 5 && rep[2] >= 1 && rep[2] <= 3, "an exception has code 1..3");
		FUZZ_CHECK(same_but_counters(a, u), "a refused request changes nothing");
		return;
	}
	FUZZ_CHECK(rep[1] == fc, "the reply answers the function code");
	switch (fc) {
	case 0x03:
	case 0x04:
		FUZZ_CHECK(rep[2] == len - 5 && rep[2] == 2 * be16(f + 4) && rep[2] <= 250,
			   "a read returns the registers asked for");
		FUZZ_CHECK(same_but_counters(a, u), "a read changes nothing");
		break;
	case 0x11:
		FUZZ_CHECK(rep[2] == len - 5, "Report Server ID's byte count");
		FUZZ_CHECK(same_but_counters(a, u), "Report Server ID changes nothing");
		break;
	case 0x06:
		FUZZ_CHECK(len == 8 && !memcmp(rep, f, 6), "a write single echoes the request");
		FUZZ_CHECK(be16(f + 2) < HQFW_HR_COUNT, "a write inside the holding map");
		FUZZ_CHECK(hqfw_unit_read_holding(u, be16(f + 2), 1, regs) == 0 && regs[0] == be16(f + 4),
			   "the register reads back as written");
		break;
	case 0x10: {
		uint16_t start = be16(f + 2), qty = be16(f + 4);

		FUZZ_CHECK(len == 8 && !memcmp(rep, f, 6), "a write multiple echoes start and quantity");
		FUZZ_CHECK(qty >= 1 && (uint32_t)start + qty <= HQFW_HR_COUNT, "writes inside the holding map");
		FUZZ_CHECK(hqfw_unit_read_holding(u, start, qty, regs) == 0, "the written registers read");
		for (uint16_t i = 0; i < qty; i++)
			FUZZ_CHECK(regs[i] == be16(f + 7 + 2 * i), "each register reads back as written");
		break;
	}
	default:
		FUZZ_CHECK(0, "only function codes 3, 4, 6, 16 and 17 succeed");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fw_run(data, size, hqfw_modbus_rtu, check_modbus);
	return 0;
}
