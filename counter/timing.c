/*
 * The line timing of PROTOCOL.md 1.2, shared by the serial backends: character time, the
 * t3.5 silence between frames, and waiting for it on the monotonic clock.
 */
#include <time.h>

#include "bus.h"

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
	until->tv_sec += us / 1000000;
	until->tv_nsec += (us % 1000000) * 1000;
	if (until->tv_nsec >= 1000000000L) {
		until->tv_nsec -= 1000000000L;
		until->tv_sec++;
	}
}

void hq_cbus_wait_quiet(const struct timespec *until)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, until, NULL))
		;
}
