/*
 * The firmware's main loop: one unit on one line. hqfw_fw_step is called as often as the
 * board can (every pass of main(), or from a 1 ms timer): it reads the UART through the
 * HAL, answers a complete frame in the configured wire form, turns key presses into events
 * with a beep, and redraws the display when what it shows changed.
 */
#ifndef HQFW_FW_H
#define HQFW_FW_H

#include <stdint.h>

#include "hal.h"
#include "link.h"
#include "unit.h"

enum hqfw_proto {
	HQFW_PROTO_MODBUS_RTU = 0,
	HQFW_PROTO_PLAIN = 1
};

struct hqfw_fw {
	const struct hqfw_hal *hal;
	enum hqfw_proto proto;
	struct hqfw_unit unit;
	struct hqfw_link link;
	struct hqfw_view shown;
	uint8_t shown_valid;
	uint8_t reply[HQFW_LINK_MAX];
};

void hqfw_fw_init(struct hqfw_fw *fw, const struct hqfw_hal *hal, enum hqfw_proto proto,
		  uint8_t address, uint8_t caps, uint32_t baud);
void hqfw_fw_step(struct hqfw_fw *fw);

#endif
