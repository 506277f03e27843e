/*
 * Clocks. Hall time (what a ticket is stamped with, what decides the day and the opening
 * hours) goes through one seam, an hq_clock_fn, so tests and simulated days can drive it;
 * intervals, timeouts and ages use the monotonic clock, which never jumps when the wall
 * clock is set. Timed waits (pthread_cond_timedwait) wait on a monotonic deadline for the
 * same reason.
 */
#ifndef HQ_CLOCK_H
#define HQ_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* The time seam: wall-clock unix milliseconds. */
typedef int64_t (*hq_clock_fn)(void *ud);

/* The machine's wall clock, as an hq_clock_fn (ud is unused). */
int64_t hq_real_now(void *ud);
/* The monotonic clock in milliseconds and microseconds: for intervals and ages. */
int64_t hq_mono_ms(void);
int64_t hq_mono_us(void);

/*
 * A simulated hall clock: it starts at start_ms and runs `speed` times as fast as the
 * monotonic clock, so it never jumps and runs at an exact multiple of real time. speed 0
 * is the wall clock. hq_sim_clock_now() is an hq_clock_fn whose ud is the struct.
 */
struct hq_sim_clock {
	int speed;
	int64_t start_ms;
	int64_t mono0_us;
};
#define HQ_SPEED_MAX 1000
/* HQ_EINVAL for a speed outside 1..HQ_SPEED_MAX. */
int hq_sim_clock_start(struct hq_sim_clock *c, int64_t start_ms, int speed);
int64_t hq_sim_clock_now(void *ud);

/* An absolute monotonic deadline `ms` from now, for pthread_cond_timedwait on a condition
 * made by hq_cond_init_mono() and for clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME). */
void hq_deadline(struct timespec *ts, int64_t ms);
/* A condition variable whose timed waits use the monotonic clock. */
int hq_cond_init_mono(pthread_cond_t *cond);

#endif
