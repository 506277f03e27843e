/*
 * CRC-16/MODBUS computed bit by bit. A table would be faster, but a 512-byte table is a
 * noticeable share of a small microcontroller's flash and the bit loop costs well under a
 * character time per byte even at 115200 baud on an 8 MHz core.
 */
#include "crc16.h"

uint16_t hqfw_crc16_update(uint16_t crc, const uint8_t *buf, size_t len)
{
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
	}
	return crc;
}

uint16_t hqfw_crc16(const uint8_t *buf, size_t len)
{
	return hqfw_crc16_update(HQFW_CRC16_INIT, buf, len);
}

size_t hqfw_crc16_append(uint8_t *buf, size_t len)
{
	uint16_t crc = hqfw_crc16(buf, len);

	buf[len] = (uint8_t)(crc & 0xFFu);
	buf[len + 1] = (uint8_t)(crc >> 8);
	return len + 2;
}
