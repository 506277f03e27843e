/*
 * The gateway's reading of Modbus replies (counter/bus_modbus.c, PROTOCOL.md section 2):
 * the registers of the identity, the poll window, the status, and the write results, as
 * libmodbus would hand them over (stub_modbus.c answers from the input within libmodbus's
 * contract), taken by the gateway's rules (gw_drive.h).
 */
#include "gw_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gw_run(size && (data[0] & 1) ? HQ_BUS_MODBUS_TCP : HQ_BUS_MODBUS_RTU, data, size);
	return 0;
}
