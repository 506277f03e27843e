/*
 * The plain framed protocol of PROTOCOL.md section 3: start byte 0xA5, address, command,
 * length, payload (0..64), CRC-16/MODBUS over address..payload, low byte first. Commands
 * IDENT, POLL, SHOW, CLOCK and STATUS map onto the same unit registers as Modbus.
 */
#ifndef HQFW_PLAIN_H
#define HQFW_PLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "unit.h"

#define HQFW_PLAIN_SOF 0xA5u
#define HQFW_PLAIN_PAYLOAD_MAX 64
#define HQFW_PLAIN_FRAME_MAX (6 + HQFW_PLAIN_PAYLOAD_MAX)

#define HQFW_PLAIN_IDENT 0x01u
#define HQFW_PLAIN_POLL 0x02u
#define HQFW_PLAIN_SHOW 0x03u
#define HQFW_PLAIN_CLOCK 0x04u
#define HQFW_PLAIN_STATUS 0x05u
#define HQFW_PLAIN_REPLY 0x80u
#define HQFW_PLAIN_ERROR 0xFFu

/* Error codes of the 0xFF reply, PROTOCOL.md 3.1 (the Modbus exception numbers). */
#define HQFW_PLAIN_E_COMMAND 1
#define HQFW_PLAIN_E_LENGTH 2
#define HQFW_PLAIN_E_VALUE 3

/* Build a frame into out (HQFW_PLAIN_FRAME_MAX bytes); returns its length. Used by the
 * unit for replies, and by tests and hosts for requests. */
size_t hqfw_plain_build(uint8_t *out, uint8_t address, uint8_t cmd, const uint8_t *payload,
			uint8_t len);

/* Handle one frame as gathered by the link; write the reply into rep and return its
 * length, or 0 for silence (bad start byte, length or CRC, overrun, another address,
 * broadcast). */
size_t hqfw_plain_handle(struct hqfw_unit *u, const uint8_t *frame, size_t n, int overrun,
			 uint8_t *rep);

#endif
