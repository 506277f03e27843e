/*
 * The unit's Modbus slave: function codes 0x03, 0x04, 0x06, 0x10 and 0x11 over the register
 * map of unit.h, with the exception replies of MODBUS Application Protocol V1.1b3 section 7.
 * hqfw_modbus_pdu works on the PDU (function code and data) and serves Modbus TCP as well;
 * hqfw_modbus_rtu adds the RTU address and CRC (MODBUS over Serial Line V1.02, 2.5.1).
 */
#ifndef HQFW_MODBUS_H
#define HQFW_MODBUS_H

#include <stddef.h>
#include <stdint.h>

#include "unit.h"

#define HQFW_MODBUS_PDU_MAX 253

/* Handle one request PDU; write the reply PDU into rep (HQFW_MODBUS_PDU_MAX bytes) and
 * return its length, or 0 when there must be no reply (a broadcast). */
size_t hqfw_modbus_pdu(struct hqfw_unit *u, int broadcast, const uint8_t *req, size_t n,
		       uint8_t *rep);

/* Handle one RTU frame as gathered by the link (n may exceed 256: too long; overrun set
 * when the UART lost bytes). Writes the reply ADU into rep (256 bytes) and returns its
 * length, or 0 for silence: bad CRC, bad length, overrun, another address, broadcast. */
size_t hqfw_modbus_rtu(struct hqfw_unit *u, const uint8_t *frame, size_t n, int overrun,
		       uint8_t *rep);

#endif
