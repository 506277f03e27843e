/*
 * CRC-16/MODBUS, the frame check of both wire forms: polynomial 0x8005 processed reflected
 * (0xA001), initial value 0xFFFF, no final XOR, sent low byte first (MODBUS over Serial Line
 * V1.02, section 6.2.2). Check value of "123456789": 0x4B37.
 */
#ifndef HQFW_CRC16_H
#define HQFW_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define HQFW_CRC16_INIT 0xFFFFu

/* Continue a CRC over len more bytes; start with HQFW_CRC16_INIT. */
uint16_t hqfw_crc16_update(uint16_t crc, const uint8_t *buf, size_t len);
/* The CRC of one buffer. */
uint16_t hqfw_crc16(const uint8_t *buf, size_t len);
/* Append the CRC of buf[0..len) at buf[len], low byte first; returns len + 2. */
size_t hqfw_crc16_append(uint8_t *buf, size_t len);

#endif
