/*
 * The few libmodbus calls counter/bus_modbus.c makes, answering from the fuzzer's input
 * within libmodbus's documented contract, so what is fuzzed is our reading of the
 * registers, not libmodbus's framing. Each call takes one control byte: with its top bit
 * set the call fails with an errno picked by the rest of it (a timeout, a CRC error, each
 * Modbus exception, a dead line); otherwise it succeeds: a read returns exactly the count
 * asked for (libmodbus checks the reply's count against the request and fails with
 * EMBBADDATA otherwise) with register values from the input, Report Server ID a byte count
 * of up to 251 (the most a 256-byte RTU or 260-byte TCP ADU carries) of which at most
 * max_dest bytes are copied, as libmodbus does. An exhausted input times out.
 */
#include <errno.h>
#include <string.h>

#include <modbus/modbus.h>

#include "fuzz.h"

struct _modbus {
	int slave;
};

static const int errs[] = {
	ETIMEDOUT, EMBBADCRC, EMBBADDATA, EMBBADEXC, EMBUNKEXC, EMBMDATA, EMBBADSLAVE,
	EMSGSIZE, EMBXILFUN, EMBXILADD, EMBXILVAL, EMBXSFAIL, EMBXACK, EMBXSBUSY, EMBXNACK,
	EMBXMEMPAR, EMBXGPATH, EMBXGTAR, EIO, ECONNRESET, EPIPE, EBADF,
};

/* 1 when the call goes ahead, else -1 with errno set. */
static int control(void)
{
	int c = fuzz_byte();

	if (c < 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (c & 0x80) {
		errno = errs[(c & 0x7F) % (int)(sizeof errs / sizeof errs[0])];
		return -1;
	}
	return 1;
}

modbus_t *modbus_new_rtu(const char *device, int baud, char parity, int data_bit, int stop_bit)
{
	(void)device;
	(void)baud;
	(void)parity;
	(void)data_bit;
	(void)stop_bit;
	return calloc(1, sizeof(modbus_t));
}

modbus_t *modbus_new_tcp_pi(const char *node, const char *service)
{
	(void)node;
	(void)service;
	return calloc(1, sizeof(modbus_t));
}

void modbus_free(modbus_t *ctx)
{
	free(ctx);
}

int modbus_set_error_recovery(modbus_t *ctx, modbus_error_recovery_mode mode)
{
	(void)ctx;
	(void)mode;
	return 0;
}

int modbus_set_response_timeout(modbus_t *ctx, uint32_t s, uint32_t us)
{
	(void)ctx;
	(void)s;
	(void)us;
	return 0;
}

int modbus_set_byte_timeout(modbus_t *ctx, uint32_t s, uint32_t us)
{
	(void)ctx;
	(void)s;
	(void)us;
	return 0;
}

int modbus_connect(modbus_t *ctx)
{
	(void)ctx;
	return 0;
}

void modbus_close(modbus_t *ctx)
{
	(void)ctx;
}

int modbus_flush(modbus_t *ctx)
{
	(void)ctx;
	return 0;
}

int modbus_set_slave(modbus_t *ctx, int slave)
{
	ctx->slave = slave;
	return 0;
}

const char *modbus_strerror(int errnum)
{
	return errnum >= MODBUS_ENOBASE ? "modbus error" : strerror(errnum);
}

int modbus_report_slave_id(modbus_t *ctx, int max_dest, uint8_t *dest)
{
	int count, i;

	(void)ctx;
	if (control() < 0)
		return -1;
	if ((count = fuzz_byte()) < 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (count > 251)
		count = 251;
	for (i = 0; i < count && i < max_dest; i++)
		dest[i] = (uint8_t)(fuzz_left() ? fuzz_byte() : 0);
	return count;
}

int modbus_read_input_registers(modbus_t *ctx, int addr, int nb, uint16_t *dest)
{
	int i, hi, lo;

	(void)ctx;
	(void)addr;
	FUZZ_CHECK(nb >= 1 && nb <= MODBUS_MAX_READ_REGISTERS, "a read of 1..125 registers");
	if (control() < 0)
		return -1;
	for (i = 0; i < nb; i++) {
		hi = fuzz_byte();
		lo = fuzz_byte();
		if (lo < 0) {
			errno = ETIMEDOUT; /* the reply was cut short */
			return -1;
		}
		dest[i] = (uint16_t)(hi << 8 | lo);
	}
	return nb;
}

int modbus_write_register(modbus_t *ctx, int addr, uint16_t value)
{
	(void)ctx;
	(void)addr;
	(void)value;
	return control() < 0 ? -1 : 1;
}

int modbus_write_registers(modbus_t *ctx, int addr, int nb, const uint16_t *src)
{
	(void)ctx;
	(void)addr;
	(void)src;
	FUZZ_CHECK(nb >= 1 && nb <= MODBUS_MAX_WRITE_REGISTERS, "a write of 1..123 registers");
	return control() < 0 ? -1 : nb;
}
