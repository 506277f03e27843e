/* The clocks (hq_clock.h). */
#include "hq_clock.h"
#include "hq_error.h"

int64_t hq_real_now(void *ud)
{
	struct timespec ts;

	(void)ud;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hq_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t hq_mono_ms(void)
{
	return hq_mono_us() / 1000;
}

int hq_sim_clock_start(struct hq_sim_clock *c, int64_t start_ms, int speed)
{
	if (speed < 1 || speed > HQ_SPEED_MAX)
		return HQ_EINVAL;
	c->start_ms = start_ms;
	c->mono0_us = hq_mono_us();
	c->speed = speed;
	return HQ_OK;
}

int64_t hq_sim_clock_now(void *ud)
{
	const struct hq_sim_clock *c = ud;

	if (!c || !c->speed)
		return hq_real_now(NULL);
	/* Microseconds times the speed, then to milliseconds: at 1000x a real millisecond is a
	 * simulated second, and rounding first would make time advance in such steps. */
	return c->start_ms + (hq_mono_us() - c->mono0_us) * c->speed / 1000;
}

void hq_deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int hq_cond_init_mono(pthread_cond_t *cond)
{
	pthread_condattr_t ca;
	int rc;

	if (pthread_condattr_init(&ca))
		return HQ_ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
	return rc ? HQ_ENOMEM : HQ_OK;
}
