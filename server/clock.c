/*
 * hallqd's clock: the wall clock, or a simulated one (hallqd --clock, --speed) under which a
 * whole day of the hall runs in minutes for hallq-sim and the tests. Everything the server
 * stamps goes through here: the queue's clock seam, the hall's "time", the default range of
 * the statistics. Simulated time is the start plus the monotonic time elapsed since the
 * server started, times the speed, so it never jumps when the machine's clock is set and
 * runs at an exact multiple of real time. Timeouts, heartbeats and health ages are not hall
 * time and stay on the real monotonic clock.
 */
#include <time.h>

#include "server.h"

static struct {
	int speed;                   /* 0: the wall clock */
	int64_t start_ms;            /* simulated unix ms at mono0 */
	int64_t mono0_us;
} clk;

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int hqd_clock_simulate(int64_t start_ms, int speed)
{
	if (speed < 1 || speed > HQD_SPEED_MAX)
		return HQ_EINVAL;
	clk.start_ms = start_ms;
	clk.mono0_us = mono_us();
	clk.speed = speed;
	return HQ_OK;
}

int hqd_clock_speed(void)
{
	return clk.speed;
}

int64_t hqd_clock_now(void *ud)
{
	(void)ud;
	if (!clk.speed)
		return hq_real_now(NULL);
	/* Microseconds times the speed, then to milliseconds: at 1000x a real millisecond is a
	 * simulated second, and rounding first would make time advance in such steps. */
	return clk.start_ms + (mono_us() - clk.mono0_us) * clk.speed / 1000;
}

int64_t hqd_now_ms(void)
{
	return hqd_clock_now(NULL);
}
