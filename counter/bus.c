/*
 * Picking a bus backend by the config's type, and the line timing of PROTOCOL.md 1.2.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"

struct hq_cbus *hq_cbus_new(const struct hq_bus *cfg)
{
	struct hq_cbus *b = calloc(1, sizeof *b);

	if (!b)
		return NULL;
	b->cfg = *cfg;
	b->ops = cfg->type == HQ_BUS_PLAIN ? &hq_cbus_plain :
		 cfg->type == HQ_BUS_MODBUS_RTU ? &hq_cbus_modbus_rtu : &hq_cbus_modbus_tcp;
	return b;
}

void hq_cbus_free(struct hq_cbus *b)
{
	if (!b)
		return;
	if (b->ops->destroy)
		b->ops->destroy(b);
	free(b);
}

long hq_cbus_char_us(int baud)
{
	return baud > 0 ? 11000000L / baud : 0;
}

long hq_cbus_t35_us(int baud)
{
	if (baud <= 0)
		return 0;
	/* 3.5 characters of 11 bits */
	return baud > 19200 ? 1750 : (38500000L + baud / 2) / baud;
}

void hq_cbus_quiet_from_now(struct timespec *until, long us)
{
	clock_gettime(CLOCK_MONOTONIC, until);
	until->tv_nsec += us * 1000;
	while (until->tv_nsec >= 1000000000L) {
		until->tv_nsec -= 1000000000L;
		until->tv_sec++;
	}
}

void hq_cbus_wait_quiet(const struct timespec *until)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, until, NULL))
		;
}
