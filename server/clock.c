/*
 * hallqd's clock: the wall clock, or a simulated one (hallqd --clock, --speed) under which a
 * whole day of the hall runs in minutes for hallq-sim and the tests. Everything the server
 * stamps goes through here: the queue's clock seam, the hall's "time", the default range of
 * the statistics. Timeouts, heartbeats and health ages are not hall time and stay on the
 * monotonic clock.
 */
#include "server.h"

static struct hq_sim_clock clk;

int hqd_clock_simulate(int64_t start_ms, int speed)
{
	return hq_sim_clock_start(&clk, start_ms, speed);
}

int hqd_clock_speed(void)
{
	return clk.speed;
}

int64_t hqd_clock_now(void *ud)
{
	(void)ud;
	return hq_sim_clock_now(&clk);
}

int64_t hqd_now_ms(void)
{
	return hq_sim_clock_now(&clk);
}
