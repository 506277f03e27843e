/*
 * Shared test fixtures: a fake clock the tests drive instead of sleeping, scratch
 * directories, and a queue opened on a small test hall. Linked into every test program.
 */
#ifndef HQ_TEST_SUPPORT_H
#define HQ_TEST_SUPPORT_H

#include <stdint.h>

#include "hq_queue.h"

/* A small hall used by most tests: services a (A, 1-999), b (B, priority lane off),
 * g (green channel, priority lane), counters 1..4; opening 08:00-18:00 every day; any clerk
 * id signs in (sign_in = open). */
extern const char *ts_small_hall;

/* Fake clock: unix ms, starts at ts_local(2026, 11, 23, 9, 0) (a Monday). */
extern int64_t ts_clock_ms;
int64_t ts_clock(void *ud);
void ts_advance_s(double seconds);
/* Local time in TZ=Asia/Shanghai (set by ts_setup_tz, called by ts_open). */
int64_t ts_local(int y, int mon, int d, int h, int min);
void ts_setup_tz(void);

/* mkdtemp under $TMPDIR; path of a file inside it (static buffer per call site use). */
const char *ts_tmpdir(void);
char *ts_path(const char *dir, const char *name); /* malloc'd */
void ts_rmtree(const char *dir);

/* Open a fresh database in a new temp dir with the given INI (NULL = ts_small_hall),
 * fake clock installed. Fails the test on any error. ts_close frees and removes. */
struct hq_queue *ts_open(const char *ini);
struct hq_queue *ts_reopen(struct hq_queue *q); /* close and open the same file again */
void ts_close(struct hq_queue *q);
const char *ts_db_path(void); /* path of the last ts_open database */

#endif
