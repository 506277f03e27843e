/* Shared fixtures for the cmocka tests; see support.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

const char *ts_small_hall =
	"[hall]\n"
	"name = 测试大厅\n"
	"name_en = Test Hall\n"
	"languages = zh, en\n"
	"priority_ratio = 2\n"
	"noshow_after_recalls = 2\n"
	/* The queue's tests sign clerks in by any id; the roster and its PINs are
	 * test_appraisal.c's. */
	"sign_in = open\n"
	"\n"
	"[service a]\n"
	"name = 企业开办\n"
	"name_en = Business\n"
	"prefix = A\n"
	"numbers = 1-999\n"
	"hours = 08:00-18:00\n"
	"days = mon-sun\n"
	"target_minutes = 10\n"
	"max_wait_minutes = 30\n"
	"appointments_per_slot = 2\n"
	"\n"
	"[service b]\n"
	"name = 不动产登记\n"
	"name_en = Real estate\n"
	"prefix = B\n"
	"numbers = 1-999\n"
	"hours = 08:00-18:00\n"
	"days = mon-sun\n"
	"target_minutes = 20\n"
	"max_wait_minutes = 40\n"
	"\n"
	"[service g]\n"
	"name = 绿色通道\n"
	"name_en = Green channel\n"
	"prefix = G\n"
	"numbers = 1-99\n"
	"hours = 08:00-18:00\n"
	"days = mon-sun\n"
	"target_minutes = 15\n"
	"max_wait_minutes = 10\n"
	"priority_lane = yes\n"
	"\n"
	"[counter 1]\n"
	"name = 1号窗口\n"
	"services = a\n"
	"\n"
	"[counter 2]\n"
	"name = 2号窗口\n"
	"services = a, b\n"
	"\n"
	"[counter 3]\n"
	"name = 3号窗口\n"
	"services = b, a\n"
	"\n"
	"[counter 4]\n"
	"name = 4号窗口\n"
	"services = g, a, b\n";

int64_t ts_clock_ms;

int64_t ts_clock(void *ud)
{
	(void)ud;
	return ts_clock_ms;
}

void ts_advance_s(double seconds)
{
	ts_clock_ms += (int64_t)(seconds * 1000.0);
}

void ts_setup_tz(void)
{
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
}

int64_t ts_local(int y, int mon, int d, int h, int min)
{
	struct tm tm = {0};

	ts_setup_tz();
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

const char *ts_tmpdir(void)
{
	static char buf[4096];
	const char *base = getenv("TMPDIR");

	snprintf(buf, sizeof buf, "%s/hallq-test-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(buf));
	return buf;
}

char *ts_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void ts_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char db_dir[4096];
static char db_path[4200];

const char *ts_db_path(void)
{
	return db_path;
}

static struct hq_queue *open_path(void)
{
	struct hq_queue *q = NULL;
	char err[256] = "";
	int rc = hq_queue_open(db_path, &q, err, sizeof err);

	if (rc != 0)
		fail_msg("hq_queue_open(%s): %s", db_path, err);
	hq_queue_set_clock(q, ts_clock, NULL);
	return q;
}

struct hq_queue *ts_open(const char *ini)
{
	struct hq_queue *q;
	int rc;

	ts_setup_tz();
	ts_clock_ms = ts_local(2026, 11, 23, 9, 0);
	snprintf(db_dir, sizeof db_dir, "%s", ts_tmpdir());
	snprintf(db_path, sizeof db_path, "%s/hall.db", db_dir);
	q = open_path();
	rc = hq_queue_apply_config(q, ini ? ini : ts_small_hall, "test.ini");
	if (rc != 0)
		fail_msg("apply_config: %s", hq_queue_errmsg(q));
	return q;
}

struct hq_queue *ts_reopen(struct hq_queue *q)
{
	hq_queue_close(q);
	return open_path();
}

void ts_close(struct hq_queue *q)
{
	hq_queue_close(q);
	if (db_dir[0])
		ts_rmtree(db_dir);
	db_dir[0] = '\0';
}
