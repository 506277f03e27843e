/*
 * The gateway's side of the plain protocol (counter/bus_plain.c, PROTOCOL.md section 3):
 * the input is every byte the line brings back, reply after reply, read by the real
 * backend (frame header, length, CRC, the IDENT, POLL and STATUS payloads) and taken by the
 * gateway's rules (gw_drive.h), whose sink checks what would reach hallqd.
 */
#include "gw_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gw_run(HQ_BUS_PLAIN, data, size);
	return 0;
}
