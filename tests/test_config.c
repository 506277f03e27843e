/*
 * Tests of the hall configuration parser (queue/config.c): the sample hall and the test
 * hall parse to the values written in them, every default is what docs/config.md says,
 * and each kind of mistake is refused with HQ_ECONFIG, the right line and a message that
 * names the problem. The bad inputs are a table, one case a row, each run as its own test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hq_config.h"
#include "hq_error.h"
#include "support.h"

#define MON_FRI 0x3eu /* tm_wday bits 1..5 */
#define SUN 0
#define MON 1
#define SAT 6
#define HM(h, m) ((h) * 60 + (m))

static struct hq_config *parse_ok(const char *ini)
{
	struct hq_config *cfg = NULL;
	char err[512] = "";
	int rc = hq_config_parse_string(ini, "test.ini", &cfg, err, sizeof err);

	if (rc != 0)
		fail_msg("parse failed (%s): %s", hq_err_name(rc), err);
	assert_non_null(cfg);
	return cfg;
}

/* The sample ships in assets/; find it from the repository root or from the binary. */
static char *sample_path(void)
{
	static const char rel[] = "assets/halls/county-centre.ini";
	char exe[PATH_MAX];
	ssize_t n;
	char *p;

	if (access(rel, R_OK) == 0)
		return strdup(rel);
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	/* build/tests/test_config -> repository root */
	for (int i = 0; i < 3 && (p = strrchr(exe, '/')); i++)
		*p = '\0';
	return ts_path(exe, rel);
}

/* ---- the sample hall ------------------------------------------------------------------ */

static void test_sample_hall(void **state)
{
	struct hq_config *cfg = NULL;
	char err[512] = "";
	char *path = sample_path();
	const struct hq_service *s;
	const struct hq_counter_cfg *c;
	int rc;

	(void)state;
	rc = hq_config_parse_file(path, &cfg, err, sizeof err);
	if (rc != 0)
		fail_msg("%s: %s", path, err);
	free(path);

	assert_string_equal(cfg->name, "云溪县政务服务中心");
	assert_true(cfg->lang_en);
	assert_int_equal(cfg->priority_ratio, 3);
	assert_int_equal(cfg->noshow_after_recalls, 2);
	assert_int_equal(cfg->checkin_early_minutes, 30);
	assert_int_equal(cfg->slot_minutes, 30);
	assert_int_equal(cfg->nservices, 11);
	assert_int_equal(cfg->ncounters, 20);
	assert_int_equal(cfg->nbuses, 3);

	s = hq_config_service(cfg, "realestate");
	assert_non_null(s);
	assert_string_equal(s->name, "不动产登记");
	assert_string_equal(s->prefix, "B");
	assert_int_equal(s->daily_cap, 45);
	assert_int_equal(s->nperiods, 2);
	assert_int_equal(s->periods[0].open, HM(9, 0));
	assert_int_equal(s->periods[0].close, HM(12, 0));
	assert_int_equal(s->periods[1].open, HM(13, 30));
	assert_int_equal(s->periods[1].close, HM(16, 30));
	assert_int_equal(s->days, MON_FRI);
	assert_int_equal(s->appointments_per_slot, 3);

	s = hq_config_service(cfg, "green");
	assert_non_null(s);
	assert_true(s->priority_lane);
	assert_int_equal(s->daily_cap, 99); /* default: the whole range 1-99 */
	assert_int_equal(s->digits, 3);

	s = hq_config_service(cfg, "saturday");
	assert_non_null(s);
	assert_int_equal(s->days, 1u << SAT);
	assert_true(hq_service_open_at(s, SAT, HM(9, 0)));
	assert_false(hq_service_open_at(s, SAT, HM(14, 0)));
	assert_false(hq_service_open_at(s, MON, HM(9, 0)));

	/* Every service is served, and priority lanes are only where the file says. */
	for (size_t i = 0; i < cfg->nservices; i++)
		assert_int_equal(cfg->services[i].priority_lane,
				 strcmp(cfg->services[i].key, "green") == 0);

	c = hq_config_counter(cfg, 20);
	assert_non_null(c);
	assert_string_equal(c->name, "绿色通道专窗");
	assert_int_equal(c->nservices, 4);
	assert_int_equal(c->services[0], hq_config_service_index(cfg, "green"));
	assert_int_equal(c->services[3], hq_config_service_index(cfg, "realestate"));
	assert_string_equal(cfg->buses[c->bus].key, "floor2");
	assert_int_equal(c->address, 2);

	c = hq_config_counter(cfg, 7);
	assert_non_null(c);
	assert_string_equal(c->name, "7号窗口");
	assert_string_equal(c->name_en, "Counter 7");
	assert_string_equal(cfg->buses[c->bus].key, "floor1-left");

	c = hq_config_counter(cfg, 19);
	assert_non_null(c);
	assert_int_equal(c->bus, -1);

	assert_int_equal(cfg->buses[0].type, HQ_BUS_PLAIN);
	assert_string_equal(cfg->buses[0].port, "/dev/ttyUSB0");
	assert_int_equal(cfg->buses[0].baud, 19200);
	assert_int_equal(cfg->buses[0].parity, 'E');
	assert_int_equal(cfg->buses[1].type, HQ_BUS_MODBUS_RTU);
	assert_int_equal(cfg->buses[1].baud, 9600);
	assert_int_equal(cfg->buses[1].timeout_ms, 200);
	assert_int_equal(cfg->buses[2].type, HQ_BUS_MODBUS_TCP);
	assert_string_equal(cfg->buses[2].port, "192.168.10.50");
	assert_int_equal(cfg->buses[2].tcp_port, 502);

	/* public_url is only a comment there; [kiosk] gives the defaults and a footer. */
	assert_string_equal(cfg->public_url, "");
	assert_false(cfg->kiosk.refuse_on_fault);
	assert_int_equal(cfg->kiosk.confirm_seconds, 15);
	assert_true(cfg->kiosk.priority);
	assert_true(cfg->kiosk.appointments);
	assert_string_equal(cfg->kiosk.footer, "过号请重新取号。请留意叫号屏及语音提示。");
	hq_config_free(cfg);
}

/* ---- the test hall of tests/support.c --------------------------------------------------- */

static void test_small_hall(void **state)
{
	struct hq_config *cfg = parse_ok(ts_small_hall);
	const struct hq_counter_cfg *c;

	(void)state;
	assert_string_equal(cfg->name, "测试大厅");
	assert_string_equal(cfg->name_en, "Test Hall");
	assert_true(cfg->lang_en);
	assert_int_equal(cfg->priority_ratio, 2);
	assert_int_equal(cfg->noshow_after_recalls, 2);
	assert_int_equal(cfg->nservices, 3);
	assert_int_equal(cfg->ncounters, 4);
	assert_int_equal(cfg->nbuses, 0);
	assert_int_equal(cfg->services[0].appointments_per_slot, 2);
	assert_int_equal(cfg->services[2].last, 99);
	assert_int_equal(cfg->services[2].digits, 3);
	assert_true(cfg->services[2].priority_lane);
	assert_int_equal(cfg->services[1].days, 0x7f);
	c = hq_config_counter(cfg, 4);
	assert_non_null(c);
	assert_int_equal(c->nservices, 3);
	assert_int_equal(c->services[0], 2);
	assert_int_equal(c->services[1], 0);
	assert_int_equal(c->services[2], 1);
	assert_int_equal(c->bus, -1);
	assert_string_equal(c->name_en, "Counter 4");
	hq_config_free(cfg);
}

/* ---- defaults and accepted forms ------------------------------------------------------ */

static const char minimal[] =
	"[hall]\n"
	"name = 最小大厅\n"
	"[service a]\n"
	"name = 综合\n"
	"prefix = A\n"
	"[counter 1]\n"
	"services = a\n";

static void test_defaults(void **state)
{
	struct hq_config *cfg = parse_ok(minimal);
	const struct hq_service *s = &cfg->services[0];
	const struct hq_counter_cfg *c = &cfg->counters[0];

	(void)state;
	assert_string_equal(cfg->name_en, "");
	assert_false(cfg->lang_en);
	assert_string_equal(cfg->notice, "");
	assert_int_equal(cfg->priority_ratio, 0);
	assert_int_equal(cfg->noshow_after_recalls, 0);
	assert_int_equal(cfg->checkin_early_minutes, 15);
	assert_int_equal(cfg->checkin_late_minutes, 10);
	assert_int_equal(cfg->slot_minutes, 30);
	assert_int_equal(cfg->estimate_samples, 20);
	assert_string_equal(cfg->public_url, "");

	/* No [kiosk] section: the kiosk defaults all the same. */
	assert_false(cfg->kiosk.refuse_on_fault);
	assert_int_equal(cfg->kiosk.confirm_seconds, 15);
	assert_true(cfg->kiosk.priority);
	assert_true(cfg->kiosk.appointments);
	assert_string_equal(cfg->kiosk.footer, "");

	assert_string_equal(s->key, "a");
	assert_int_equal(s->first, 1);
	assert_int_equal(s->last, 999);
	assert_int_equal(s->digits, 3);
	assert_int_equal(s->daily_cap, 999);
	assert_int_equal(s->nperiods, 1);
	assert_int_equal(s->periods[0].open, HM(9, 0));
	assert_int_equal(s->periods[0].close, HM(17, 0));
	assert_int_equal(s->days, MON_FRI);
	assert_int_equal(s->target_minutes, 10);
	assert_int_equal(s->max_wait_minutes, 30);
	assert_false(s->priority_lane);
	assert_int_equal(s->appointments_per_slot, 0);

	assert_int_equal(c->number, 1);
	assert_string_equal(c->name, "1号窗口");
	assert_string_equal(c->name_en, "Counter 1");
	assert_int_equal(c->nservices, 1);
	assert_int_equal(c->services[0], 0);
	assert_int_equal(c->bus, -1);
	hq_config_free(cfg);
}

static void test_bus_defaults(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[hall]\nname = h\n"
		"[service a]\nname = a\nprefix = A\n"
		"[bus rtu]\ntype = modbus-rtu\ndevice = /dev/ttyS0\n"
		"[bus net]\ntype = modbus-tcp\nhost = 10.0.0.7\n"
		"[counter 1]\nservices = a\nbus = rtu\naddress = 1\n"
		"[counter 2]\nservices = a\nbus = net\naddress = 1\n");

	(void)state;
	assert_int_equal(cfg->nbuses, 2);
	assert_int_equal(cfg->buses[0].baud, 19200);
	assert_int_equal(cfg->buses[0].timeout_ms, 100);
	assert_int_equal(cfg->buses[0].tcp_port, 0);
	assert_int_equal(cfg->buses[1].tcp_port, 502);
	assert_int_equal(cfg->buses[1].baud, 0);
	assert_int_equal(cfg->buses[1].timeout_ms, 100);
	/* The same address on two buses is two different units. */
	assert_int_equal(cfg->counters[0].address, cfg->counters[1].address);
	assert_int_equal(cfg->counters[0].bus, 0);
	assert_int_equal(cfg->counters[1].bus, 1);
	hq_config_free(cfg);
}

static void test_number_width(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[hall]\nname = h\n"
		"[service a]\nname = a\nprefix = A\nnumbers = 0-9999\n"
		"[service b]\nname = b\nprefix = BC\nnumbers = 1-99\ndaily_cap = 99\n"
		"[service c]\nname = c\nprefix = XYZ\nnumbers = 500 - 1000\n"
		"[counter 1]\nservices = a, b, c\n");

	(void)state;
	assert_int_equal(cfg->services[0].first, 0);
	assert_int_equal(cfg->services[0].digits, 4);
	assert_int_equal(cfg->services[0].daily_cap, 10000);
	assert_int_equal(cfg->services[1].digits, 3);
	assert_int_equal(cfg->services[1].daily_cap, 99);
	assert_int_equal(cfg->services[2].first, 500);
	assert_int_equal(cfg->services[2].digits, 4);
	assert_int_equal(cfg->services[2].daily_cap, 501);
	hq_config_free(cfg);
}

/* Counters may name services and buses defined further down the file. */
static void test_forward_references(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[counter 12]\nservices = late, early\nbus = b\naddress = 247\n"
		"[service early]\nname = e\nprefix = E\n"
		"[bus b]\ntype = plain\ndevice = /dev/ttyUSB0\n"
		"[service late]\nname = l\nprefix = L\n"
		"[hall]\nname = h\n");

	(void)state;
	assert_int_equal(cfg->counters[0].services[0], 1);
	assert_int_equal(cfg->counters[0].services[1], 0);
	assert_int_equal(cfg->counters[0].bus, 0);
	assert_int_equal(cfg->counters[0].address, 247);
	hq_config_free(cfg);
}

static void test_accepted_forms(void **state)
{
	struct hq_config *cfg = parse_ok(
		"\xef\xbb\xbf# a byte-order mark, CRLF line ends and # comments are fine\r\n"
		"[hall]\r\n"
		"name=紧凑\r\n"
		"languages = zh,en\r\n"
		"notice = 请排队; 谢谢\r\n"
		"  name_en = Indented keys are keys, not continuations\r\n"
		"[ service a ]\r\n"
		"name = a\r\n"
		"prefix = A\r\n"
		"hours = 9:00-12:00 , 13:00 - 24:00\r\n"
		"days = Mon-Fri, sat-sun\r\n"
		"priority_lane = TRUE\r\n"
		"[service b]\r\n"
		"name = b\r\n"
		"prefix = B\r\n"
		"days = mon, wed-thu\r\n"
		"priority_lane = 0\r\n"
		"[counter 007]\r\n"
		"services = a,b\r\n");

	(void)state;
	assert_true(cfg->lang_en);
	assert_string_equal(cfg->name, "紧凑");
	assert_string_equal(cfg->notice, "请排队; 谢谢");
	assert_string_equal(cfg->name_en, "Indented keys are keys, not continuations");
	assert_int_equal(cfg->services[0].periods[0].open, HM(9, 0));
	assert_int_equal(cfg->services[0].periods[1].close, HM(24, 0));
	assert_int_equal(cfg->services[0].days, 0x7f);
	assert_true(cfg->services[0].priority_lane);
	assert_int_equal(cfg->services[1].days, (1u << 1) | (1u << 3) | (1u << 4));
	assert_false(cfg->services[1].priority_lane);
	assert_int_equal(cfg->counters[0].number, 7);
	assert_string_equal(cfg->counters[0].name, "7号窗口");
	hq_config_free(cfg);
}

/* Every [kiosk] key, in a section that may come anywhere in the file. */
static void test_kiosk(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[kiosk]\n"
		"on_printer_fault = refuse\n"
		"confirm_seconds = 3\n"
		"priority = no\n"
		"appointments = false\n"
		"footer = 过号请重新取号; keep this ticket\n"
		"[hall]\nname = h\n"
		"[service a]\nname = a\nprefix = A\n"
		"[counter 1]\nservices = a\n");

	(void)state;
	assert_true(cfg->kiosk.refuse_on_fault);
	assert_int_equal(cfg->kiosk.confirm_seconds, 3);
	assert_false(cfg->kiosk.priority);
	assert_false(cfg->kiosk.appointments);
	assert_string_equal(cfg->kiosk.footer, "过号请重新取号; keep this ticket");
	hq_config_free(cfg);

	/* An empty section keeps the defaults; the top of each range is taken. */
	cfg = parse_ok("[hall]\nname = h\n[service a]\nname = a\nprefix = A\n[counter 1]\n"
		       "services = a\n[kiosk]\n");
	assert_false(cfg->kiosk.refuse_on_fault);
	assert_int_equal(cfg->kiosk.confirm_seconds, 15);
	assert_true(cfg->kiosk.priority);
	assert_true(cfg->kiosk.appointments);
	hq_config_free(cfg);
	cfg = parse_ok("[hall]\nname = h\n[service a]\nname = a\nprefix = A\n[counter 1]\n"
		       "services = a\n[kiosk]\non_printer_fault = screen\nconfirm_seconds = 120\n"
		       "footer =\n");
	assert_false(cfg->kiosk.refuse_on_fault);
	assert_int_equal(cfg->kiosk.confirm_seconds, 120);
	assert_string_equal(cfg->kiosk.footer, "");
	hq_config_free(cfg);
}

/* The forms of public_url that are taken, as written. */
static void test_public_url(void **state)
{
	static const char *const ok[] = {
		"http://hall.example.cn:8080",
		"https://hall.example.cn",
		"http://192.168.10.2:8080",
		"http://[2001:db8::1]:8080",
		"https://zwfw.example.gov.cn/yunxi/hallq",
		"http://localhost:1/a.b_c~d-e",
		"",
	};
	char ini[512];

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct hq_config *cfg;

		snprintf(ini, sizeof ini, "[hall]\nname = h\npublic_url = %s\n[service a]\nname = a\n"
			 "prefix = A\n[counter 1]\nservices = a\n", ok[i]);
		cfg = parse_ok(ini);
		assert_string_equal(cfg->public_url, ok[i]);
		hq_config_free(cfg);
	}
}

/* ---- opening hours and look-ups -------------------------------------------------------- */

static void test_open_at(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[hall]\nname = h\n"
		"[service a]\nname = a\nprefix = A\nhours = 09:00-12:00, 13:30-17:00\n"
		"[service night]\nname = n\nprefix = N\nhours = 00:00-01:00, 22:00-24:00\n"
		"days = sun\n"
		"[counter 1]\nservices = a, night\n");
	const struct hq_service *a = hq_config_service(cfg, "a");
	const struct hq_service *n = hq_config_service(cfg, "night");

	(void)state;
	assert_false(hq_service_open_at(a, MON, HM(8, 59)));
	assert_true(hq_service_open_at(a, MON, HM(9, 0)));
	assert_true(hq_service_open_at(a, MON, HM(11, 59)));
	assert_false(hq_service_open_at(a, MON, HM(12, 0)));  /* close is exclusive */
	assert_false(hq_service_open_at(a, MON, HM(13, 29)));
	assert_true(hq_service_open_at(a, MON, HM(13, 30)));
	assert_true(hq_service_open_at(a, 5, HM(16, 59)));     /* Friday */
	assert_false(hq_service_open_at(a, 5, HM(17, 0)));
	assert_false(hq_service_open_at(a, SAT, HM(10, 0)));
	assert_false(hq_service_open_at(a, SUN, HM(10, 0)));
	assert_false(hq_service_open_at(a, 7, HM(10, 0)));
	assert_false(hq_service_open_at(a, -1, HM(10, 0)));
	assert_false(hq_service_open_at(a, MON, -1));

	assert_true(hq_service_open_at(n, SUN, 0));
	assert_false(hq_service_open_at(n, SUN, HM(1, 0)));
	assert_true(hq_service_open_at(n, SUN, HM(23, 59)));
	assert_false(hq_service_open_at(n, SUN, HM(24, 0)));
	assert_false(hq_service_open_at(n, MON, HM(23, 59)));
	assert_false(hq_service_open_at(NULL, SUN, 0));
	hq_config_free(cfg);
}

static void test_lookups(void **state)
{
	struct hq_config *cfg = parse_ok(ts_small_hall);

	(void)state;
	assert_int_equal(hq_config_service_index(cfg, "a"), 0);
	assert_int_equal(hq_config_service_index(cfg, "g"), 2);
	assert_int_equal(hq_config_service_index(cfg, "x"), -1);
	assert_int_equal(hq_config_service_index(cfg, "A"), -1);
	assert_int_equal(hq_config_service_index(cfg, NULL), -1);
	assert_int_equal(hq_config_service_index(NULL, "a"), -1);
	assert_ptr_equal(hq_config_service(cfg, "b"), &cfg->services[1]);
	assert_null(hq_config_service(cfg, "zz"));
	assert_null(hq_config_service(NULL, "a"));
	assert_ptr_equal(hq_config_counter(cfg, 3), &cfg->counters[2]);
	assert_null(hq_config_counter(cfg, 5));
	assert_null(hq_config_counter(cfg, 0));
	assert_null(hq_config_counter(NULL, 1));
	hq_config_free(cfg);
	hq_config_free(NULL);
}

/* ---- files ----------------------------------------------------------------------------- */

static void test_file_errors(void **state)
{
	const char *dir = ts_tmpdir();
	char *path = ts_path(dir, "bad.ini");
	char *missing = ts_path(dir, "missing.ini");
	struct hq_config sentinel;
	struct hq_config *cfg = &sentinel; /* a failed parse must set it to NULL */
	char err[512], want[600];
	FILE *f;

	(void)state;
	assert_int_equal(hq_config_parse_file(missing, &cfg, err, sizeof err), HQ_EIO);
	assert_null(cfg);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));

	/* Errors in a file carry its path, like a compiler's. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[hall]\nname = h\n\nbogus = 1\n", f);
	fclose(f);
	assert_int_equal(hq_config_parse_file(path, &cfg, err, sizeof err), HQ_ECONFIG);
	snprintf(want, sizeof want, "%s:4: unknown key 'bogus' in [hall]", path);
	assert_string_equal(err, want);

	/* A directory is unreadable as a file. */
	assert_int_equal(hq_config_parse_file(dir, &cfg, err, sizeof err), HQ_EIO);

	/* No error buffer is fine too. */
	assert_int_equal(hq_config_parse_file(path, &cfg, NULL, 0), HQ_ECONFIG);
	assert_int_equal(hq_config_parse_string("x", "t", &cfg, NULL, 0), HQ_ECONFIG);
	assert_int_equal(hq_config_parse_string(NULL, "t", &cfg, err, sizeof err), HQ_EINVAL);

	free(path);
	free(missing);
	ts_rmtree(dir);
}

/* A 1 KiB value is refused as too long, with its own line, not split into two lines. */
static void test_long_line(void **state)
{
	char ini[2048];
	struct hq_config *cfg = NULL;
	char err[512];
	size_t n;

	(void)state;
	n = (size_t)snprintf(ini, sizeof ini, "[hall]\nname = h\nnotice = ");
	memset(ini + n, 'x', 1100);
	strcpy(ini + n + 1100, "\nnoshow_after_recalls = 1\n");
	assert_int_equal(hq_config_parse_string(ini, "test.ini", &cfg, err, sizeof err),
			 HQ_ECONFIG);
	assert_non_null(strstr(err, "test.ini:3: line is too long"));
}

/* ---- mistakes -------------------------------------------------------------------------- */

struct bad {
	const char *name;
	const char *ini;
	const char *where; /* "test.ini:LINE:" */
	const char *what;  /* a part of the reason */
};

/* Lines 1-2, 3-5 and 6-7 of most cases: a hall, a service and a counter that serves it. */
#define HALL "[hall]\nname = 测试\n"
#define SVC "[service a]\nname = 甲\nprefix = A\n"
#define CTR "[counter 1]\nservices = a\n"

static const struct bad bad_cases[] = {
	/* sections */
	{ "unknown_section", HALL "[services a]\n", "test.ini:3:", "unknown section [services a]" },
	{ "unknown_section_case", HALL SVC CTR "[Counter 2]\nservices = a\n",
	  "test.ini:8:", "unknown section [Counter 2]" },
	{ "duplicate_section", HALL SVC CTR "\n[service a]\nname = 乙\n",
	  "test.ini:9:", "[service a] is defined twice (first at line 3)" },
	{ "duplicate_hall", HALL SVC CTR "[hall]\n", "test.ini:8:", "[hall] is defined twice" },
	{ "duplicate_counter", HALL SVC CTR "[counter 01]\nservices = a\n",
	  "test.ini:8:", "[counter 1] is defined twice (first at line 6)" },
	{ "hall_with_name", "[hall main]\nname = x\n", "test.ini:1:", "[hall] takes no name" },
	{ "section_without_name", HALL "[service]\n", "test.ini:3:", "[service] needs a name" },
	{ "section_two_spaces", HALL "[service  a]\n", "test.ini:3:", "one space" },
	{ "section_bad_key", HALL "[service Tax]\n", "test.ini:3:", "'Tax' is not a valid key" },
	{ "section_long_key", HALL "[bus abcdefghijklmnopqrstuvwxyz012345]\n",
	  "test.ini:3:", "is not a valid key" },
	{ "counter_zero", HALL "[counter 0]\n", "test.ini:3:", "1 to 9999" },
	{ "counter_too_big", HALL "[counter 10000]\n", "test.ini:3:", "1 to 9999" },
	{ "counter_not_number", HALL "[counter a]\n", "test.ini:3:", "1 to 9999" },
	{ "section_unclosed", HALL "[service a\r\n", "test.ini:3:",
	  "test.ini:3: section header [service a has no closing ']'" },
	{ "section_trailing_text", HALL "[service a] ; tax\n", "test.ini:3:",
	  "text after the section header" },
	{ "missing_hall", "; no hall here\n" SVC CTR, "test.ini:1:", "no [hall] section" },
	{ "empty_file", "", "test.ini:1:", "no [hall] section" },
	{ "no_services", HALL "\n", "test.ini:3:", "no [service KEY] sections" },
	{ "no_counters", HALL SVC, "test.ini:5:", "no [counter N] sections" },

	/* keys */
	{ "unknown_key", HALL SVC "colour = red\n" CTR, "test.ini:6:",
	  "unknown key 'colour' in [service a]" },
	{ "key_of_other_section", HALL "address = 3\n" SVC CTR, "test.ini:3:",
	  "unknown key 'address' in [hall]" },
	{ "key_case", HALL "Name_en = x\n" SVC CTR, "test.ini:3:", "unknown key 'Name_en'" },
	{ "duplicate_key", HALL SVC "prefix = B\n" CTR, "test.ini:6:",
	  "prefix is given twice in [service a] (first at line 5)" },
	{ "key_before_section", "name = x\n" HALL, "test.ini:1:", "outside any section" },
	{ "no_equals", HALL "priority_ratio 3\n", "test.ini:3:", "expected 'key = value'" },
	{ "no_key", HALL "= 3\n", "test.ini:3:", "no key before '='" },
	{ "missing_required", HALL "[service a]\nname = 甲\n\n" CTR, "test.ini:3:",
	  "[service a] has no prefix; it is required" },
	{ "missing_hall_name", "[hall]\nname_en = x\n" SVC CTR, "test.ini:1:",
	  "[hall] has no name" },
	{ "missing_services", HALL SVC "[counter 1]\nname = x\n", "test.ini:6:",
	  "[counter 1] has no services" },
	{ "empty_name", HALL "[service a]\nname =\nprefix = A\n" CTR, "test.ini:4:",
	  "name is empty" },
	{ "empty_counter_name", HALL SVC "[counter 1]\nname =\nservices = a\n", "test.ini:7:",
	  "name is empty" },
	{ "name_too_long", HALL SVC "name_en = "
	  "0123456789012345678901234567890123456789012345678901234567890123"
	  "0123456789012345678901234567890123456789012345678901234567890123\n" CTR,
	  "test.ini:6:", "name_en is 128 bytes long; at most 127" },
	{ "bom_keeps_line_numbers", "\xef\xbb\xbf[hall]\nbogus = 1\n", "test.ini:2:",
	  "unknown key 'bogus'" },
	{ "not_utf8", HALL SVC "name_en = \xb2\xe2\xca\xd4\n" CTR, "test.ini:6:",
	  "not valid UTF-8" },

	/* numbers */
	{ "out_of_range", HALL "priority_ratio = 11\n" SVC CTR, "test.ini:3:",
	  "priority_ratio = 11 is out of range (0 to 10)" },
	{ "negative", HALL SVC "target_minutes = -5\n" CTR, "test.ini:6:",
	  "target_minutes = -5 is out of range (1 to 480)" },
	{ "huge", HALL SVC "max_wait_minutes = 99999999999999999999\n" CTR, "test.ini:6:",
	  "is out of range (1 to 1440)" },
	{ "not_a_number", HALL SVC CTR "[bus net]\ntype = modbus-tcp\nhost = 10.0.0.1\n"
	  "port abc\n", "test.ini:11:", "expected 'key = value'" },
	{ "port_abc", HALL SVC CTR "[bus net]\ntype = modbus-tcp\nhost = 10.0.0.1\n"
	  "port = abc\n", "test.ini:11:", "port = abc is not a whole number" },
	{ "number_with_unit", HALL SVC "target_minutes = 10min\n" CTR, "test.ini:6:",
	  "target_minutes = 10min is not a whole number" },
	{ "inline_comment", HALL SVC "daily_cap = 50 ; busy days\n" CTR, "test.ini:6:",
	  "daily_cap = 50 ; busy days is not a whole number" },
	{ "empty_number", HALL "estimate_samples =\n" SVC CTR, "test.ini:3:",
	  "estimate_samples is empty" },
	{ "slot_not_dividing_day", HALL "slot_minutes = 7\n" SVC CTR, "test.ini:3:",
	  "slot_minutes = 7 does not divide a day" },
	{ "slot_too_small", HALL "slot_minutes = 4\n" SVC CTR, "test.ini:3:",
	  "slot_minutes = 4 is out of range (5 to 240)" },
	{ "languages", HALL "languages = en\n" SVC CTR, "test.ini:3:",
	  "languages = en is not supported" },
	{ "languages_order", HALL "languages = en, zh\n" SVC CTR, "test.ini:3:",
	  "languages = en, zh is not supported" },
	{ "bool", HALL SVC "priority_lane = maybe\n" CTR, "test.ini:6:",
	  "priority_lane = maybe is not yes or no" },

	/* numbers, prefix, cap */
	{ "numbers_shape", HALL SVC "numbers = 1..999\n" CTR, "test.ini:6:",
	  "numbers = 1..999 is not a range like 1-999" },
	{ "numbers_negative", HALL SVC "numbers = -1-5\n" CTR, "test.ini:6:",
	  "is not a range like 1-999" },
	{ "numbers_too_big", HALL SVC "numbers = 1-10000\n" CTR, "test.ini:6:",
	  "is not a range like 1-999" },
	{ "numbers_reversed", HALL SVC "numbers = 500-100\n" CTR, "test.ini:6:",
	  "the first number is larger than the last" },
	{ "cap_above_range", HALL SVC "daily_cap = 120\nnumbers = 1-99\n" CTR, "test.ini:6:",
	  "daily_cap = 120 is more than the 99 numbers in 1-99; numbers would repeat" },
	{ "cap_above_default_range", HALL SVC "daily_cap = 1000\n" CTR, "test.ini:6:",
	  "daily_cap = 1000 is more than the 999 numbers" },
	{ "cap_zero", HALL SVC "daily_cap = 0\n" CTR, "test.ini:6:",
	  "daily_cap = 0 is out of range" },
	{ "prefix_lower", HALL "[service a]\nname = 甲\nprefix = a\n" CTR, "test.ini:5:",
	  "prefix = a must be 1 to 3 upper-case letters" },
	{ "prefix_long", HALL "[service a]\nname = 甲\nprefix = ABCD\n" CTR, "test.ini:5:",
	  "prefix = ABCD must be" },
	{ "prefix_digit", HALL "[service a]\nname = 甲\nprefix = A1\n" CTR, "test.ini:5:",
	  "prefix = A1 must be" },
	{ "prefix_duplicate", HALL SVC "[service b]\nname = 乙\nprefix = A\n" CTR,
	  "test.ini:8:", "prefix A is already used by [service a] (line 3)" },

	/* hours and days */
	{ "hours_shape", HALL SVC "hours = 9.00-12:00\n" CTR, "test.ini:6:",
	  "'9.00-12:00' is not a period like 09:00-12:00" },
	{ "hours_minutes", HALL SVC "hours = 09:60-12:00\n" CTR, "test.ini:6:",
	  "'09:60-12:00' is not a period" },
	{ "hours_single_time", HALL SVC "hours = 09:00\n" CTR, "test.ini:6:",
	  "'09:00' is not a period" },
	{ "hours_open_at_24", HALL SVC "hours = 24:00-24:00\n" CTR, "test.ini:6:",
	  "is not a period" },
	{ "hours_after_24", HALL SVC "hours = 23:00-24:30\n" CTR, "test.ini:6:",
	  "is not a period" },
	{ "hours_backwards", HALL SVC "hours = 17:00-09:00\n" CTR, "test.ini:6:",
	  "17:00-09:00 closes before it opens" },
	{ "hours_empty_period", HALL SVC "hours = 09:00-09:00\n" CTR, "test.ini:6:",
	  "closes before it opens" },
	{ "hours_overlap", HALL SVC "hours = 09:00-12:00, 11:30-14:00\n" CTR, "test.ini:6:",
	  "11:30-14:00 overlaps 09:00-12:00" },
	{ "hours_order", HALL SVC "hours = 13:30-17:00, 09:00-12:00\n" CTR, "test.ini:6:",
	  "in time order" },
	{ "hours_too_many", HALL SVC "hours = 08:00-09:00, 10:00-11:00, 12:00-13:00, "
	  "14:00-15:00, 16:00-17:00\n" CTR, "test.ini:6:", "more than 4 periods" },
	{ "hours_empty_item", HALL SVC "hours = 09:00-12:00,\n" CTR, "test.ini:6:",
	  "'' is not a period" },
	{ "days_name", HALL SVC "days = mon-fry\n" CTR, "test.ini:6:",
	  "days: 'mon-fry' is not a day" },
	{ "days_chinese", HALL SVC "days = 周一至周五\n" CTR, "test.ini:6:",
	  "is not a day" },
	{ "days_backwards", HALL SVC "days = fri-mon\n" CTR, "test.ini:6:",
	  "fri-mon runs backwards" },
	{ "days_twice", HALL SVC "days = mon-fri, wed\n" CTR, "test.ini:6:",
	  "wed is listed twice" },
	{ "days_empty", HALL SVC "days =\n" CTR, "test.ini:6:", "is not a day" },

	/* counters */
	{ "counter_unknown_service", HALL SVC "[counter 1]\nname = 一号\nservices = a, tax\n",
	  "test.ini:8:", "[counter 1] serves 'tax', but there is no [service tax]" },
	{ "counter_service_twice", HALL SVC "[counter 1]\nservices = a, a\n", "test.ini:7:",
	  "services: a is listed twice" },
	{ "counter_service_bad_key", HALL SVC "[counter 1]\nservices = A\n", "test.ini:7:",
	  "'A' is not a service key" },
	{ "counter_too_many_services", HALL SVC "[counter 1]\nservices = "
	  "a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q\n", "test.ini:7:",
	  "at most 16 services" },
	{ "counter_empty_services", HALL SVC "[counter 1]\nservices =\n", "test.ini:7:",
	  "'' is not a service key" },
	{ "service_not_served", HALL SVC "\n[service b]\nname = 乙\nprefix = B\n" CTR,
	  "test.ini:7:", "no counter serves [service b]" },

	/* buses */
	{ "bus_unknown", HALL SVC "[counter 1]\nservices = a\nbus = rs485\naddress = 1\n",
	  "test.ini:8:", "[counter 1] is on bus 'rs485', but there is no [bus rs485]" },
	{ "address_out_of_range", HALL SVC "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "[counter 1]\nservices = a\nbus = b\naddress = 248\n", "test.ini:12:",
	  "address = 248 is out of range (1 to 247)" },
	{ "address_zero", HALL SVC "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "[counter 1]\nservices = a\nbus = b\naddress = 0\n", "test.ini:12:",
	  "address = 0 is out of range" },
	{ "address_duplicate", HALL SVC "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "[counter 1]\nservices = a\nbus = b\naddress = 5\n"
	  "[counter 2]\naddress = 5\nservices = a\nbus = b\n", "test.ini:14:",
	  "address 5 on bus 'b' is already used by [counter 1] (line 12)" },
	{ "address_without_bus", HALL SVC "[counter 1]\nservices = a\naddress = 3\n",
	  "test.ini:8:", "address is set but [counter 1] has no bus" },
	{ "bus_without_address", HALL SVC "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "[counter 1]\nservices = a\nbus = b\n", "test.ini:9:",
	  "[counter 1] is on bus 'b' and needs an address" },
	{ "bus_type_missing", HALL SVC CTR "[bus b]\ndevice = /dev/ttyS0\n", "test.ini:8:",
	  "[bus b] has no type" },
	{ "bus_type_unknown", HALL SVC CTR "[bus b]\ntype = rs485\n", "test.ini:9:",
	  "type = rs485 is not a bus type" },
	{ "bus_host_on_serial", HALL SVC CTR "[bus b]\ntype = modbus-rtu\n"
	  "device = /dev/ttyS0\nhost = 10.0.0.1\n", "test.ini:11:",
	  "host does not apply to a modbus-rtu bus" },
	{ "bus_port_on_serial", HALL SVC CTR "[bus b]\nport = 502\ntype = plain\n"
	  "device = /dev/ttyS0\n", "test.ini:9:", "port does not apply to a plain bus" },
	{ "bus_device_on_tcp", HALL SVC CTR "[bus b]\ntype = modbus-tcp\nhost = gw\n"
	  "device = /dev/ttyS0\n", "test.ini:11:", "device does not apply to a modbus-tcp bus" },
	{ "bus_baud_on_tcp", HALL SVC CTR "[bus b]\ntype = modbus-tcp\nhost = gw\n"
	  "baud = 9600\n", "test.ini:11:", "baud does not apply to a modbus-tcp bus" },
	{ "bus_no_device", HALL SVC CTR "[bus b]\ntype = plain\n", "test.ini:8:",
	  "[bus b] is a plain bus and needs device" },
	{ "bus_no_host", HALL SVC CTR "[bus b]\ntype = modbus-tcp\nport = 1502\n",
	  "test.ini:8:", "[bus b] is a modbus-tcp bus and needs host" },
	{ "bus_baud", HALL SVC CTR "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "baud = 4800\n", "test.ini:11:", "baud = 4800 is not supported" },
	{ "bus_parity", HALL SVC CTR "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "parity = mark\n", "test.ini:11:", "parity = mark is not a parity" },
	{ "bus_parity_on_tcp", HALL SVC CTR "[bus b]\ntype = modbus-tcp\nhost = gw\n"
	  "parity = none\n", "test.ini:11:", "parity does not apply to a modbus-tcp bus" },
	{ "bus_timeout", HALL SVC CTR "[bus b]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "timeout_ms = 5001\n", "test.ini:11:", "timeout_ms = 5001 is out of range (10 to 5000)" },
	{ "bus_tcp_port", HALL SVC CTR "[bus b]\ntype = modbus-tcp\nhost = gw\n"
	  "port = 65536\n", "test.ini:11:", "port = 65536 is out of range (1 to 65535)" },
	{ "bus_same_device", HALL SVC CTR "[bus a1]\ntype = plain\ndevice = /dev/ttyS0\n"
	  "[bus a2]\ntype = modbus-rtu\ndevice = /dev/ttyS0\n", "test.ini:13:",
	  "device /dev/ttyS0 is already used by [bus a1] (line 8)" },

	/* public_url */
	{ "url_scheme", HALL "public_url = ftp://hall.example.cn\n" SVC CTR, "test.ini:3:",
	  "public_url = ftp://hall.example.cn must start with http:// or https://" },
	{ "url_no_scheme", HALL "public_url = hall.example.cn:8080\n" SVC CTR, "test.ini:3:",
	  "must start with http:// or https://" },
	{ "url_trailing_slash", HALL "public_url = http://hall.example.cn:8080/\n" SVC CTR,
	  "test.ini:3:", "ends with '/'; write it without the trailing slash" },
	{ "url_path_slash", HALL "public_url = https://h.cn/q/\n" SVC CTR, "test.ini:3:",
	  "ends with '/'" },
	{ "url_no_host", HALL "public_url = http://:8080\n" SVC CTR, "test.ini:3:",
	  "the host is a name or address" },
	{ "url_host_chars", HALL "public_url = http://hall_1.cn\n" SVC CTR, "test.ini:3:",
	  "the host is a name or address" },
	{ "url_host_dot", HALL "public_url = http://hall.cn.\n" SVC CTR, "test.ini:3:",
	  "the host is a name or address" },
	{ "url_userinfo", HALL "public_url = http://user@hall.cn\n" SVC CTR, "test.ini:3:",
	  "the host is a name or address" },
	{ "url_ipv6", HALL "public_url = http://[::1\n" SVC CTR, "test.ini:3:",
	  "an IPv6 address is written [2001:db8::1]" },
	{ "url_port_zero", HALL "public_url = http://h.cn:0\n" SVC CTR, "test.ini:3:",
	  "the port is a number from 1 to 65535" },
	{ "url_port_big", HALL "public_url = http://h.cn:65536\n" SVC CTR, "test.ini:3:",
	  "the port is a number from 1 to 65535" },
	{ "url_port_empty", HALL "public_url = http://h.cn:/q\n" SVC CTR, "test.ini:3:",
	  "the port is a number" },
	{ "url_port_name", HALL "public_url = http://h.cn:http\n" SVC CTR, "test.ini:3:",
	  "the port is a number" },
	{ "url_query", HALL "public_url = http://h.cn/q?x=1\n" SVC CTR, "test.ini:3:",
	  "only a path of letters, digits and . _ ~ - /" },
	{ "url_space", HALL "public_url = http://h.cn/my hall\n" SVC CTR, "test.ini:3:",
	  "only a path" },
	{ "url_long", HALL "public_url = http://h.cn/"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
	  SVC CTR, "test.ini:3:", "public_url is 212 bytes long; at most 199" },

	/* [kiosk] */
	{ "kiosk_fault", HALL SVC CTR "[kiosk]\non_printer_fault = print\n", "test.ini:9:",
	  "on_printer_fault = print is not screen or refuse" },
	{ "kiosk_fault_case", HALL SVC CTR "[kiosk]\non_printer_fault = Screen\n", "test.ini:9:",
	  "on_printer_fault = Screen is not screen or refuse" },
	{ "kiosk_confirm_low", HALL SVC CTR "[kiosk]\nconfirm_seconds = 2\n", "test.ini:9:",
	  "confirm_seconds = 2 is out of range (3 to 120)" },
	{ "kiosk_confirm_high", HALL SVC CTR "[kiosk]\nconfirm_seconds = 121\n", "test.ini:9:",
	  "confirm_seconds = 121 is out of range (3 to 120)" },
	{ "kiosk_confirm_unit", HALL SVC CTR "[kiosk]\nconfirm_seconds = 15s\n", "test.ini:9:",
	  "confirm_seconds = 15s is not a whole number" },
	{ "kiosk_priority", HALL SVC CTR "[kiosk]\npriority = sometimes\n", "test.ini:9:",
	  "priority = sometimes is not yes or no" },
	{ "kiosk_appointments", HALL SVC CTR "[kiosk]\nappointments = 2\n", "test.ini:9:",
	  "appointments = 2 is not yes or no" },
	{ "kiosk_footer_long", HALL SVC CTR "[kiosk]\nfooter = "
	  "过号请重新取号过号请重新取号过号请重新取号过号请重新取号过号请重新取号过号请重新取号"
	  "过号请重新取号过号请重新取号过号请重新取号过号请重新取号过号请重新取号过号请重新取号"
	  "过号请重新取号\n", "test.ini:9:", "footer is 273 bytes long; at most 255" },
	{ "kiosk_footer_control", HALL SVC CTR "[kiosk]\nfooter = 过号\x1b@重新取号\n",
	  "test.ini:9:", "footer contains a control character" },
	{ "kiosk_unknown_key", HALL SVC CTR "[kiosk]\nconfirm_seconds = 9\nprinter = usb\n",
	  "test.ini:10:", "unknown key 'printer' in [kiosk]" },
	{ "kiosk_key_twice", HALL SVC CTR "[kiosk]\npriority = no\npriority = yes\n",
	  "test.ini:10:", "priority is given twice in [kiosk] (first at line 9)" },
	{ "kiosk_twice", HALL SVC CTR "[kiosk]\n[kiosk]\n", "test.ini:9:",
	  "[kiosk] is defined twice (first at line 8)" },
	{ "kiosk_with_name", HALL SVC CTR "[kiosk hall-1]\n", "test.ini:8:",
	  "[kiosk] takes no name: write just [kiosk]" },
	{ "kiosk_key_in_hall", HALL "footer = x\n" SVC CTR, "test.ini:3:",
	  "unknown key 'footer' in [hall]" },
};

#define NBAD (sizeof bad_cases / sizeof bad_cases[0])

static void test_bad(void **state)
{
	const struct bad *b = *state;
	struct hq_config *cfg = NULL;
	char err[512] = "";
	int rc = hq_config_parse_string(b->ini, "test.ini", &cfg, err, sizeof err);

	if (rc != HQ_ECONFIG)
		fail_msg("%s: expected HQ_ECONFIG, got %s (%s)", b->name, hq_err_name(rc), err);
	assert_null(cfg);
	if (strncmp(err, b->where, strlen(b->where)) || !strstr(err, b->what))
		fail_msg("%s: got \"%s\", expected \"%s ...%s...\"", b->name, err, b->where, b->what);
}

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_sample_hall),
	cmocka_unit_test(test_small_hall),
	cmocka_unit_test(test_defaults),
	cmocka_unit_test(test_bus_defaults),
	cmocka_unit_test(test_number_width),
	cmocka_unit_test(test_forward_references),
	cmocka_unit_test(test_accepted_forms),
	cmocka_unit_test(test_kiosk),
	cmocka_unit_test(test_public_url),
	cmocka_unit_test(test_open_at),
	cmocka_unit_test(test_lookups),
	cmocka_unit_test(test_file_errors),
	cmocka_unit_test(test_long_line),
};

#define NFIXED (sizeof fixed_tests / sizeof fixed_tests[0])

int main(void)
{
	/* One cmocka test per bad case, named after it, so a failure says which input. */
	static struct CMUnitTest config_tests[NFIXED + NBAD];
	static char names[NBAD][64];
	size_t i;

	for (i = 0; i < NFIXED; i++)
		config_tests[i] = fixed_tests[i];
	for (i = 0; i < NBAD; i++) {
		snprintf(names[i], sizeof names[i], "bad_%s", bad_cases[i].name);
		config_tests[NFIXED + i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_bad,
			.initial_state = (void *)&bad_cases[i],
		};
	}
	return cmocka_run_group_tests(config_tests, NULL, NULL);
}
