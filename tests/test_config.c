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
#include "hq_time.h"
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

	/* The review keys and [appraisal] as the defaults; the calendar only a comment. */
	assert_int_equal(cfg->review_edit_minutes, 30);
	assert_int_equal(cfg->rectify_working_days, 15);
	assert_int_equal(cfg->revisit_working_days, 5);
	assert_int_equal(cfg->nholidays, 0);
	assert_int_equal(cfg->nworkdays, 0);
	assert_int_equal(cfg->appraisal.weight_volume, 30);
	assert_int_equal(cfg->appraisal.weight_on_time, 25);
	assert_int_equal(cfg->appraisal.weight_satisfaction, 30);
	assert_int_equal(cfg->appraisal.weight_rectify, 15);
	assert_int_equal(cfg->appraisal.penalty_alert, 1);
	assert_int_equal(cfg->appraisal.penalty_absence, 2);
	assert_int_equal(cfg->appraisal.penalty_bad_review, 2);
	assert_int_equal(cfg->appraisal.red_flag_count, 3);
	assert_int_equal(cfg->appraisal.min_served, 10);
	/* No [retention]: names and phones go after 30 days, history is kept, no archive. */
	assert_int_equal(cfg->retention.personal_days, 30);
	assert_int_equal(cfg->retention.keep_months, 0);
	assert_string_equal(cfg->retention.archive, "");
	hq_config_free(cfg);
}

/* The sample's commented 2026 calendar is right: uncommented, it parses to the State
 * Council's 2026 holidays (33 days off, 6 weekend days worked). */
static void test_sample_calendar(void **state)
{
	char *path = sample_path(), *text, *line, err[512] = "";
	struct hq_config *cfg = NULL;
	FILE *f = fopen(path, "rb");
	long len;
	int found = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (line = text; (line = strstr(line, "\n; ")); line++)
		if (!strncmp(line + 3, "holidays = ", 11) || !strncmp(line + 3, "workdays = ", 11)) {
			memset(line + 1, ' ', 2); /* "; " off: the key is indented, which is fine */
			found++;
		}
	assert_int_equal(found, 2);
	if (hq_config_parse_string(text, path, &cfg, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(cfg->nholidays, 3 + 9 + 3 + 5 + 3 + 3 + 7);
	assert_int_equal(cfg->nworkdays, 6);
	assert_false(hq_config_working_day(cfg, "2026-02-16"));  /* Monday, 春节 */
	assert_true(hq_config_working_day(cfg, "2026-02-14"));   /* Saturday, worked */
	assert_false(hq_config_working_day(cfg, "2026-06-19"));  /* Friday, 端午 */
	assert_true(hq_config_working_day(cfg, "2026-10-10"));
	hq_config_free(cfg);
	free(text);
	free(path);
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

/* [hall] id, region and parent: taken as written; a wrong form, an unknown level, a hall
 * above itself and a parent without an id are errors on their line. */
static void test_hall_identity(void **state)
{
	static const char *const bad[][2] = {
		{ "id = 330110 001\n", "test.ini:3: id = 330110 001: a hall id is" },
		{ "id = 0123456789012345678901234567890123\n", "test.ini:3: id = " },
		{ "id = 县中心\n", "test.ini:3: id = " },
		{ "region = province\n", "test.ini:3: region = province is not township, county or city" },
		{ "id = a\nparent = a\n", "test.ini:4: parent = a is this hall's own id" },
		{ "parent = a\n", "test.ini:3: parent is set but id is not" },
	};
	struct hq_config *cfg = parse_ok("[hall]\nname = h\nid = 330110-001\nregion = township\n"
					 "parent = 330110\n[service a]\nname = a\nprefix = A\n"
					 "[counter 1]\nservices = a\n");
	char ini[512], err[512];

	(void)state;
	assert_string_equal(cfg->hall_id, "330110-001");
	assert_string_equal(cfg->region, "township");
	assert_string_equal(cfg->parent, "330110");
	hq_config_free(cfg);
	cfg = parse_ok("[hall]\nname = h\n[service a]\nname = a\nprefix = A\n[counter 1]\nservices = a\n");
	assert_string_equal(cfg->hall_id, "");
	assert_string_equal(cfg->region, "");
	assert_string_equal(cfg->parent, "");
	hq_config_free(cfg);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cfg = NULL;
		snprintf(ini, sizeof ini, "[hall]\nname = h\n%s[service a]\nname = a\nprefix = A\n"
			 "[counter 1]\nservices = a\n", bad[i][0]);
		assert_int_not_equal(hq_config_parse_string(ini, "test.ini", &cfg, err, sizeof err), 0);
		assert_null(cfg);
		if (strncmp(err, bad[i][1], strlen(bad[i][1])))
			fail_msg("%s: got '%s', want '%s...'", bad[i][0], err, bad[i][1]);
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

/* Lines 1-2, 3-5 and 6-7 of most cases: a hall, a service and a counter that serves it. */
#define HALL "[hall]\nname = 测试\n"
#define SVC "[service a]\nname = 甲\nprefix = A\n"
#define CTR "[counter 1]\nservices = a\n"

/* ---- reviews, the working calendar, sign-in, alerts, the appraisal and the roster ---- */

#define SHA512_2580 "$6$q7Tn0cVb3LmZ8rWx$4Mmlo4Vaj5/AGoHYQBUd5rCtn.89SAfNbE71SXxiBIBV5CKM." \
	"M0a0tVn6EnLzf2HOWR9TRnbGszoyedRS3Ivq1"
#define SHA256_2580 "$5$q7Tn0cVb3LmZ8rWx$Y1litkstn2IS9qDGvkxykGdPPQxk7J0LXfjn16hhLn7"
#define BCRYPT_2580 "$2b$12$x0vwSG3jU4e9sNwxf12/ueRRlAKEzNDhMSxuCe.8XTyTHrOVauh5S"
#define YESCRYPT "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"

/* The days since 1970-01-01 of a date, for comparing with the config's lists. */
static int32_t day_of(const char *s)
{
	int64_t d = -1;

	assert_int_equal(hq_parse_day(s, &d), HQ_OK);
	return (int32_t)d;
}

/* A hall without any of the new sections has every default docs/config.md gives. */
static void test_supervision_defaults(void **state)
{
	struct hq_config *cfg = parse_ok(minimal);
	struct hq_alert_rule want[HQ_MAX_ALERT_RULES];
	int n = hq_config_default_alerts(want, HQ_MAX_ALERT_RULES);

	(void)state;
	assert_int_equal(cfg->review_edit_minutes, 30);
	assert_int_equal(cfg->rectify_working_days, 15);
	assert_int_equal(cfg->revisit_working_days, 5);
	assert_int_equal(cfg->nholidays, 0);
	assert_int_equal(cfg->nworkdays, 0);
	assert_false(cfg->roster_open);

	assert_int_equal(n, HQ_ALERT_NKINDS);
	assert_int_equal(cfg->nalerts, n);
	assert_memory_equal(cfg->alerts, want, sizeof want[0] * (size_t)n);

	assert_int_equal(cfg->appraisal.weight_volume, 30);
	assert_int_equal(cfg->appraisal.weight_on_time, 25);
	assert_int_equal(cfg->appraisal.weight_satisfaction, 30);
	assert_int_equal(cfg->appraisal.weight_rectify, 15);
	assert_int_equal(cfg->appraisal.penalty_alert, 1);
	assert_int_equal(cfg->appraisal.penalty_absence, 2);
	assert_int_equal(cfg->appraisal.penalty_bad_review, 2);
	assert_int_equal(cfg->appraisal.red_flag_count, 3);
	assert_int_equal(cfg->appraisal.min_served, 10);

	assert_int_equal(cfg->nclerks, 0);
	assert_null(hq_config_clerk(cfg, "1024"));
	hq_config_free(cfg);
}

/* Every new [hall] key at the ends of its range, and the forms a date list takes. */
static void test_hall_review_keys(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[hall]\nname = h\n"
		"review_edit_minutes = 0\n"
		"rectify_working_days = 90\n"
		"revisit_working_days = 1\n"
		"sign_in = open\n"
		/* Out of order, with blanks around "..", a single day among the ranges. */
		"holidays = 2026-10-01..2026-10-07, 2026-09-25 .. 2026-09-27,2026-01-01\n"
		"workdays = 2026-10-10, 2026-09-20\n"
		"[service a]\nname = a\nprefix = A\n[counter 1]\nservices = a\n");
	static const char *const holidays[] = {
		"2026-01-01", "2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-02",
		"2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
	};

	(void)state;
	assert_int_equal(cfg->review_edit_minutes, 0);
	assert_int_equal(cfg->rectify_working_days, 90);
	assert_int_equal(cfg->revisit_working_days, 1);
	assert_true(cfg->roster_open);
	assert_int_equal(cfg->nholidays, 11);
	for (int i = 0; i < 11; i++)
		assert_int_equal(cfg->holidays[i], day_of(holidays[i]));
	assert_int_equal(cfg->nworkdays, 2);
	assert_int_equal(cfg->workdays[0], day_of("2026-09-20"));
	assert_int_equal(cfg->workdays[1], day_of("2026-10-10"));
	hq_config_free(cfg);

	/* The other ends, the explicit defaults, and empty lists. */
	cfg = parse_ok("[hall]\nname = h\nreview_edit_minutes = 1440\nrectify_working_days = 1\n"
		       "revisit_working_days = 90\nsign_in = roster\nholidays =\nworkdays =\n"
		       "[service a]\nname = a\nprefix = A\n[counter 1]\nservices = a\n");
	assert_int_equal(cfg->review_edit_minutes, 1440);
	assert_int_equal(cfg->rectify_working_days, 1);
	assert_int_equal(cfg->revisit_working_days, 90);
	assert_false(cfg->roster_open);
	assert_int_equal(cfg->nholidays, 0);
	assert_int_equal(cfg->nworkdays, 0);
	hq_config_free(cfg);
}

/*
 * HQ_MAX_DATES days fit, in one range. The count goes to nholidays and nowhere else: a
 * notice of 511 bytes, the field just before the lists' neighbours, is kept whole.
 */
static void test_dates_full(void **state)
{
	char ini[2048], notice[512];
	struct hq_config *cfg;

	(void)state;
	memset(notice, 'n', 511);
	notice[511] = '\0';
	/* 2026-01-01 + 127 days = 2026-05-08. */
	snprintf(ini, sizeof ini, "[hall]\nname = h\nnotice = %s\nholidays = 2026-01-01..2026-05-08\n"
		 "workdays = 2026-05-09\n[service a]\nname = a\nprefix = A\n[counter 1]\n"
		 "services = a\n", notice);
	cfg = parse_ok(ini);
	assert_int_equal(cfg->nholidays, HQ_MAX_DATES);
	assert_int_equal(cfg->holidays[0], day_of("2026-01-01"));
	assert_int_equal(cfg->holidays[HQ_MAX_DATES - 1], day_of("2026-05-08"));
	assert_int_equal(cfg->nworkdays, 1);
	assert_string_equal(cfg->notice, notice);
	assert_string_equal(cfg->name, "h");
	hq_config_free(cfg);
}

/* The eleven default rules: one of each kind, in order, with the documented values and 0
 * in each parameter their kind does not use. */
static void test_default_alerts(void **state)
{
	static const struct {
		const char *name, *kind;
		enum hq_severity sev;
		int minutes, count, percent;
	} want[] = {
		{ "long_wait", "wait", HQ_SEV_WARNING, 0, 0, 100 },
		{ "long_queue", "queue", HQ_SEV_WARNING, 0, 20, 0 },
		{ "long_pause", "pause", HQ_SEV_WARNING, 30, 0, 0 },
		{ "pause_no_reason", "pause_reason", HQ_SEV_INFO, 2, 0, 0 },
		{ "unstaffed", "unstaffed", HQ_SEV_CRITICAL, 5, 0, 0 },
		{ "no_calls", "idle", HQ_SEV_WARNING, 15, 0, 0 },
		{ "slow_service", "slow", HQ_SEV_INFO, 5, 0, 300 },
		{ "noshow_streak", "noshows", HQ_SEV_INFO, 0, 3, 0 },
		{ "bad_review", "bad_review", HQ_SEV_WARNING, 0, 0, 0 },
		{ "case_overdue", "case_overdue", HQ_SEV_CRITICAL, 0, 0, 0 },
		{ "device_down", "device", HQ_SEV_CRITICAL, 1, 0, 0 },
	};
	struct hq_alert_rule r[HQ_MAX_ALERT_RULES];
	int n = hq_config_default_alerts(r, HQ_MAX_ALERT_RULES);

	(void)state;
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (int i = 0; i < n; i++) {
		assert_string_equal(r[i].name, want[i].name);
		assert_int_equal(r[i].kind, i);
		assert_string_equal(hq_alert_kind_name(r[i].kind), want[i].kind);
		assert_int_equal(r[i].severity, want[i].sev);
		assert_true(r[i].enabled);
		assert_int_equal(r[i].minutes, want[i].minutes);
		assert_int_equal(r[i].count, want[i].count);
		assert_int_equal(r[i].percent, want[i].percent);
		assert_int_equal(r[i].services, 0);
	}
	/* At most max are copied. */
	memset(r, 0, sizeof r);
	assert_int_equal(hq_config_default_alerts(r, 2), 2);
	assert_string_equal(r[1].name, "long_queue");
	assert_string_equal(r[2].name, "");
	assert_int_equal(hq_config_default_alerts(r, 0), 0);

	assert_string_equal(hq_alert_kind_name(HQ_ALERT_NKINDS), "unknown");
	assert_string_equal(hq_alert_kind_name((enum hq_alert_kind)-1), "unknown");
	assert_string_equal(hq_severity_name(HQ_SEV_INFO), "info");
	assert_string_equal(hq_severity_name(HQ_SEV_WARNING), "warning");
	assert_string_equal(hq_severity_name(HQ_SEV_CRITICAL), "critical");
	assert_string_equal(hq_severity_name((enum hq_severity)3), "unknown");
}

/* Default rules changed and turned off, new rules added; services resolved to bits. */
static void test_alerts(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[hall]\nname = h\n"
		/* A rule may name a service defined further down. */
		"[alert long_queue]\ncount = 30\nseverity = critical\nservices = late, a\n"
		"[alert unstaffed]\nenabled = no\n"
		"[alert long_wait]\nrule = wait\npercent = 80\n"
		"[alert slow_service]\npercent = 250\nminutes = 0\nservices = late\n"
		/* New rules: what they do not say comes from the default rule of their kind. */
		"[alert queue_late]\nrule = queue\nservices = late\n"
		"[alert kiosk_down]\nrule = device\nminutes = 0\nseverity = info\n"
		"[alert streak]\nrule = noshows\ncount = 2\nenabled = false\n"
		"[service a]\nname = a\nprefix = A\n"
		"[service b]\nname = b\nprefix = B\n"
		"[service late]\nname = l\nprefix = L\n"
		"[counter 1]\nservices = a, b, late\n");
	const struct hq_alert_rule *r;

	(void)state;
	assert_int_equal(cfg->nalerts, HQ_ALERT_NKINDS + 3);

	r = hq_config_alert(cfg, "long_queue");
	assert_ptr_equal(r, &cfg->alerts[HQ_ALERT_QUEUE]);
	assert_int_equal(r->kind, HQ_ALERT_QUEUE);
	assert_int_equal(r->count, 30);
	assert_int_equal(r->severity, HQ_SEV_CRITICAL);
	assert_true(r->enabled);
	assert_int_equal(r->services, (1u << 0) | (1u << 2));

	r = hq_config_alert(cfg, "unstaffed");
	assert_false(r->enabled);
	assert_int_equal(r->minutes, 5);
	assert_int_equal(r->severity, HQ_SEV_CRITICAL);

	r = hq_config_alert(cfg, "long_wait");
	assert_int_equal(r->kind, HQ_ALERT_WAIT); /* rule = its own kind is fine */
	assert_int_equal(r->percent, 80);
	assert_int_equal(r->services, 0);

	r = hq_config_alert(cfg, "slow_service");
	assert_int_equal(r->percent, 250);
	assert_int_equal(r->minutes, 0);
	assert_int_equal(r->services, 1u << 2);

	r = hq_config_alert(cfg, "queue_late");
	assert_ptr_equal(r, &cfg->alerts[HQ_ALERT_NKINDS]);
	assert_int_equal(r->kind, HQ_ALERT_QUEUE);
	assert_int_equal(r->count, 20);
	assert_int_equal(r->minutes, 0);
	assert_int_equal(r->percent, 0);
	assert_int_equal(r->severity, HQ_SEV_WARNING);
	assert_true(r->enabled);
	assert_int_equal(r->services, 1u << 2);

	r = hq_config_alert(cfg, "kiosk_down");
	assert_int_equal(r->kind, HQ_ALERT_DEVICE);
	assert_int_equal(r->minutes, 0);
	assert_int_equal(r->severity, HQ_SEV_INFO);

	r = hq_config_alert(cfg, "streak");
	assert_int_equal(r->kind, HQ_ALERT_NOSHOWS);
	assert_int_equal(r->count, 2);
	assert_int_equal(r->severity, HQ_SEV_INFO); /* the noshow_streak default's */
	assert_false(r->enabled);

	/* The untouched defaults are as they were. */
	r = hq_config_alert(cfg, "device_down");
	assert_int_equal(r->minutes, 1);
	assert_true(r->enabled);
	assert_null(hq_config_alert(cfg, "nope"));
	assert_null(hq_config_alert(cfg, NULL));
	assert_null(hq_config_alert(NULL, "long_wait"));
	hq_config_free(cfg);

	/* A rule may watch every one of 64 services; bit 63 is the last service's. */
	{
		char ini[16384];
		size_t n = (size_t)snprintf(ini, sizeof ini, "[hall]\nname = h\n[alert long_wait]\n"
					    "services = ");

		for (int i = 0; i < HQ_MAX_SERVICES; i++)
			n += (size_t)snprintf(ini + n, sizeof ini - n, "%ss%d", i ? ", " : "", i);
		n += (size_t)snprintf(ini + n, sizeof ini - n, "\n[counter 1]\nservices = s0\n");
		for (int i = 0; i < HQ_MAX_SERVICES; i++)
			n += (size_t)snprintf(ini + n, sizeof ini - n, "[service s%d]\nname = s\n"
					      "prefix = %c%c\n[counter %d]\nservices = s%d\n", i,
					      'A' + i / 26, 'A' + i % 26, i + 2, i);
		assert_true(n < sizeof ini);
		cfg = parse_ok(ini);
		assert_true(hq_config_alert(cfg, "long_wait")->services == UINT64_MAX);
		hq_config_free(cfg);
	}
}

/* HQ_MAX_ALERT_RULES in all: the defaults and 21 of the hall's own; one more is refused. */
static void test_alert_limit(void **state)
{
	char ini[8192], err[512] = "";
	struct hq_config *cfg = NULL;
	int extra = HQ_MAX_ALERT_RULES - HQ_ALERT_NKINDS, line;
	size_t n = (size_t)snprintf(ini, sizeof ini, HALL SVC CTR);

	(void)state;
	for (int i = 0; i < extra; i++)
		n += (size_t)snprintf(ini + n, sizeof ini - n, "[alert q%d]\nrule = queue\n"
				      "count = %d\n", i, 10 + i);
	cfg = parse_ok(ini);
	assert_int_equal(cfg->nalerts, HQ_MAX_ALERT_RULES);
	assert_int_equal(cfg->alerts[HQ_MAX_ALERT_RULES - 1].count, 10 + extra - 1);
	hq_config_free(cfg);
	cfg = NULL;

	line = 8 + 3 * extra; /* the header after 7 lines and extra sections of 3 */
	snprintf(ini + n, sizeof ini - n, "[alert one_more]\nrule = queue\n");
	assert_int_equal(hq_config_parse_string(ini, "test.ini", &cfg, err, sizeof err), HQ_ECONFIG);
	assert_null(cfg);
	{
		char want[128];

		snprintf(want, sizeof want, "test.ini:%d: too many alert rules; a hall has at most %d",
			 line, HQ_MAX_ALERT_RULES);
		assert_string_equal(err, want);
	}
}

static void test_appraisal(void **state)
{
	struct hq_config *cfg = parse_ok(
		"[appraisal]\n"
		"weight_volume = 40\nweight_on_time = 20\nweight_satisfaction = 40\nweight_rectify = 0\n"
		"penalty_alert = 0\npenalty_absence = 100\npenalty_bad_review = 5\n"
		"red_flag_count = 0\nmin_served = 100000\n"
		HALL SVC CTR);

	(void)state;
	assert_int_equal(cfg->appraisal.weight_volume, 40);
	assert_int_equal(cfg->appraisal.weight_on_time, 20);
	assert_int_equal(cfg->appraisal.weight_satisfaction, 40);
	assert_int_equal(cfg->appraisal.weight_rectify, 0);
	assert_int_equal(cfg->appraisal.penalty_alert, 0);
	assert_int_equal(cfg->appraisal.penalty_absence, 100);
	assert_int_equal(cfg->appraisal.penalty_bad_review, 5);
	assert_int_equal(cfg->appraisal.red_flag_count, 0);
	assert_int_equal(cfg->appraisal.min_served, 100000);
	hq_config_free(cfg);

	/* An empty section keeps the defaults; one weight may take it all. */
	cfg = parse_ok(HALL SVC CTR "[appraisal]\n");
	assert_int_equal(cfg->appraisal.weight_volume, 30);
	assert_int_equal(cfg->appraisal.min_served, 10);
	hq_config_free(cfg);
	cfg = parse_ok(HALL SVC CTR "[appraisal]\nweight_volume = 0\nweight_on_time = 0\n"
		       "weight_satisfaction = 100\nweight_rectify = 0\nred_flag_count = 100\n");
	assert_int_equal(cfg->appraisal.weight_satisfaction, 100);
	assert_int_equal(cfg->appraisal.red_flag_count, 100);
	assert_int_equal(cfg->appraisal.penalty_absence, 2);
	hq_config_free(cfg);
}

static void test_clerks(void **state)
{
	struct hq_config *cfg = parse_ok(
		HALL SVC CTR
		"[clerk 1024]\nname = 王芳\npin = " SHA512_2580 "\n"
		"[clerk 0042]\nname = 李强\npin = " SHA256_2580 "\n"
		"[clerk 42]\npin = " BCRYPT_2580 "\nname = 赵敏\n"
		"[clerk zhang-san]\nname = 张三\npin = " YESCRYPT "\n"
		"[clerk md5]\nname = m\npin = $1$abcdefgh$eaPgyn2A41yAxm5/hbIw5/\n"
		"[clerk rounds]\nname = r\npin = $6$rounds=656000$q7Tn0cVb3LmZ8rWx$"
		"4Mmlo4Vaj5/AGoHYQBUd5rCtn.89SAfNbE71SXxiBIBV5CKM.M0a0tVn6EnLzf2HOWR9TRnbGszo\n");
	const struct hq_clerk_cfg *c;

	(void)state;
	assert_int_equal(cfg->nclerks, 6);
	c = hq_config_clerk(cfg, "1024");
	assert_ptr_equal(c, &cfg->clerks[0]);
	assert_string_equal(c->id, "1024");
	assert_string_equal(c->name, "王芳");
	assert_string_equal(c->pin_hash, SHA512_2580);
	/* Ids are matched as written: 0042 and 42 are two clerks. */
	assert_string_equal(hq_config_clerk(cfg, "0042")->name, "李强");
	assert_string_equal(hq_config_clerk(cfg, "42")->name, "赵敏");
	assert_string_equal(hq_config_clerk(cfg, "42")->pin_hash, BCRYPT_2580);
	assert_string_equal(hq_config_clerk(cfg, "zhang-san")->pin_hash, YESCRYPT);
	assert_non_null(hq_config_clerk(cfg, "md5"));
	assert_non_null(hq_config_clerk(cfg, "rounds"));
	assert_null(hq_config_clerk(cfg, "1025"));
	assert_null(hq_config_clerk(cfg, NULL));
	assert_null(hq_config_clerk(NULL, "1024"));
	hq_config_free(cfg);
}

/* A PIN written in clear is refused, and the message does not repeat it. */
static void test_clear_pin_not_echoed(void **state)
{
	static const char *const pins[] = { "1234", "$123456789012345678901234", "258025802580" };
	char ini[512], err[512];

	(void)state;
	for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
		struct hq_config *cfg = NULL;

		snprintf(ini, sizeof ini, HALL SVC CTR "[clerk 1024]\nname = 王芳\npin = %s\n", pins[i]);
		assert_int_equal(hq_config_parse_string(ini, "test.ini", &cfg, err, sizeof err),
				 HQ_ECONFIG);
		assert_null(cfg);
		assert_non_null(strstr(err, "test.ini:10: pin is not a crypt(3) hash"));
		assert_null(strstr(err, pins[i]));
	}
}

/* The clerks of a big hall's roster: HQ_MAX_CLERKS fit, one more is refused. */
static void test_clerk_limit(void **state)
{
	size_t cap = 64 + (size_t)(HQ_MAX_CLERKS + 1) * 96, n;
	char *ini = malloc(cap), err[512] = "", want[160];
	struct hq_config *cfg = NULL;

	(void)state;
	assert_non_null(ini);
	n = (size_t)snprintf(ini, cap, HALL SVC CTR);
	for (int i = 0; i < HQ_MAX_CLERKS; i++)
		n += (size_t)snprintf(ini + n, cap - n, "[clerk %d]\nname = c\npin = " SHA256_2580 "\n",
				      10000 + i);
	cfg = parse_ok(ini);
	assert_int_equal(cfg->nclerks, HQ_MAX_CLERKS);
	assert_non_null(hq_config_clerk(cfg, "11999"));
	hq_config_free(cfg);
	cfg = NULL;
	snprintf(ini + n, cap - n, "[clerk one-more]\nname = c\npin = " SHA256_2580 "\n");
	assert_int_equal(hq_config_parse_string(ini, "test.ini", &cfg, err, sizeof err), HQ_ECONFIG);
	snprintf(want, sizeof want, "test.ini:%d: too many clerks; the roster in a hall's config "
		 "has at most %d", 8 + 3 * HQ_MAX_CLERKS, HQ_MAX_CLERKS);
	assert_non_null(strstr(err, want));
	free(ini);
}

/* ---- days and the working calendar ----------------------------------------------------- */

static void test_days(void **state)
{
	static const char *const bad[] = {
		"2026-02-30", "2025-02-29", "1900-02-29", "2100-02-29", "2026-04-31", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-01-32", "0000-01-01", "2026-1-01", "2026-01-1",
		" 2026-01-01", "2026-01-01 ", "2026/01/01", "+026-01-01", "-001-01-01", "2026-+1-01",
		"2026- 1-01", "20260101", "2026-01-01T00:00", "", "2026-01-0",
	};
	int64_t d;
	int y, m, dd;
	char out[11];

	(void)state;
	assert_int_equal(hq_parse_day("1970-01-01", &d), HQ_OK);
	assert_int_equal(d, 0);
	assert_int_equal(hq_parse_day("1969-12-31", &d), HQ_OK);
	assert_int_equal(d, -1);
	/* 56 years of 365 days, 14 leap days (1972..2024), and January to September. */
	assert_int_equal(hq_parse_day("2026-10-01", &d), HQ_OK);
	assert_int_equal(d, 56 * 365 + 14 + 273);
	assert_int_equal(hq_civil_days(2026, 10, 1), d);
	hq_civil_from_days(d, &y, &m, &dd);
	assert_int_equal(y, 2026);
	assert_int_equal(m, 10);
	assert_int_equal(dd, 1);
	assert_int_equal(hq_civil_wday(0), 4);       /* a Thursday */
	assert_int_equal(hq_civil_wday(-1), 3);
	assert_int_equal(hq_civil_wday(d), 4);       /* 2026-10-01, a Thursday */
	assert_int_equal(hq_civil_wday(d + 9), 6);   /* 2026-10-10, a Saturday */
	assert_int_equal(hq_civil_wday(d + 10), 0);  /* 2026-10-11, a Sunday */

	/* Leap years: every fourth, not every hundredth, but every four hundredth. */
	assert_int_equal(hq_parse_day("2024-02-29", &d), HQ_OK);
	assert_int_equal(d + 1, hq_civil_days(2024, 3, 1));
	assert_int_equal(hq_parse_day("2000-02-29", &d), HQ_OK);
	assert_int_equal(hq_parse_day("2025-02-28", &d), HQ_OK);
	assert_int_equal(d + 1, hq_civil_days(2025, 3, 1));
	assert_int_equal(hq_parse_day("0001-01-01", &d), HQ_OK);
	hq_format_day(d, out);
	assert_string_equal(out, "0001-01-01");
	assert_int_equal(hq_parse_day("9999-12-31", &d), HQ_OK);
	hq_format_day(d, out);
	assert_string_equal(out, "9999-12-31");

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		d = 12345;
		if (hq_parse_day(bad[i], &d) != HQ_EINVAL)
			fail_msg("hq_parse_day took \"%s\"", bad[i]);
		assert_int_equal(d, 12345); /* untouched */
	}
	assert_int_equal(hq_parse_day(NULL, &d), HQ_EINVAL);
	assert_int_equal(hq_parse_day("2026-10-01", NULL), HQ_EINVAL);

	/* Every day from 1999-12-25 to 2101-01-05 goes round: days, text, days, and the date
	 * parts agree with the text; consecutive days are consecutive dates. */
	for (int64_t i = hq_civil_days(1999, 12, 25); i <= hq_civil_days(2101, 1, 5); i++) {
		char want[11];

		hq_format_day(i, out);
		assert_int_equal(hq_parse_day(out, &d), HQ_OK);
		assert_int_equal(d, i);
		hq_civil_from_days(i, &y, &m, &dd);
		snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, dd);
		assert_string_equal(out, want);
		assert_int_equal(hq_civil_days(y, m, dd), i);
		assert_int_equal(hq_civil_wday(i), (hq_civil_wday(i - 1) + 1) % 7);
	}
}

/*
 * The working calendar of 2026's Mid-Autumn Festival and National Day (中秋、国庆) as the
 * State Council set it: 09-25..27 and 10-01..07 off, Sunday 09-20 and Saturday 10-10 worked
 * (调休); plus New Year's Day 2027 off, to cross a year end.
 */
static const char calendar_hall[] =
	"[hall]\nname = h\n"
	"holidays = 2026-09-25..2026-09-27, 2026-10-01..2026-10-07, 2027-01-01\n"
	"workdays = 2026-09-20, 2026-10-10\n"
	"[service a]\nname = a\nprefix = A\n[counter 1]\nservices = a\n";

static void add_days(const struct hq_config *cfg, const char *from, int n, const char *want)
{
	char out[11] = "";
	int rc = hq_config_add_working_days(cfg, from, n, out);

	if (rc != HQ_OK || strcmp(out, want))
		fail_msg("%s + %d working days: got %s (%s), want %s", from, n, out,
			 hq_err_name(rc), want);
}

static void test_working_days(void **state)
{
	struct hq_config *cal = parse_ok(calendar_hall);
	struct hq_config *plain = parse_ok(minimal);
	char out[11] = "x";

	(void)state;
	/* Which days are working days. */
	assert_true(hq_config_working_day(cal, "2026-09-18"));   /* Friday */
	assert_false(hq_config_working_day(cal, "2026-09-19"));  /* Saturday */
	assert_true(hq_config_working_day(cal, "2026-09-20"));   /* Sunday, worked (调休) */
	assert_false(hq_config_working_day(plain, "2026-09-20"));
	assert_false(hq_config_working_day(cal, "2026-09-25"));  /* Friday, 中秋 */
	assert_true(hq_config_working_day(cal, "2026-09-30"));   /* Wednesday */
	assert_false(hq_config_working_day(cal, "2026-10-01"));  /* Thursday, 国庆 */
	assert_true(hq_config_working_day(plain, "2026-10-01"));
	assert_false(hq_config_working_day(cal, "2026-10-07"));  /* Wednesday, 国庆 */
	assert_true(hq_config_working_day(cal, "2026-10-08"));   /* Thursday */
	assert_true(hq_config_working_day(cal, "2026-10-10"));   /* Saturday, worked */
	assert_false(hq_config_working_day(cal, "2026-10-11"));  /* Sunday */
	assert_false(hq_config_working_day(cal, "2027-01-01"));  /* Friday, 元旦 */
	assert_false(hq_config_working_day(cal, "2026-10-1"));   /* not a date */
	assert_false(hq_config_working_day(cal, NULL));
	assert_true(hq_config_working_day(NULL, "2026-10-01"));  /* a plain week */
	assert_false(hq_config_working_day(NULL, "2026-10-03"));

	/* A weekend inside the interval: Friday + 1 is Monday, across a month end too. */
	add_days(plain, "2026-11-20", 1, "2026-11-23");
	add_days(plain, "2026-11-27", 2, "2026-12-01");
	add_days(plain, "2026-11-21", 1, "2026-11-23");          /* from a Saturday */
	add_days(plain, "2026-11-23", 15, "2026-12-14");         /* three whole weeks */
	add_days(plain, "2026-11-23", 0, "2026-11-23");
	add_days(plain, "2026-11-22", 0, "2026-11-22");          /* n = 0: the day itself */
	/* Across a year end, with and without New Year's Day off. */
	add_days(plain, "2026-12-24", 5, "2026-12-31");
	add_days(plain, "2026-12-24", 6, "2027-01-01");
	add_days(cal, "2026-12-24", 6, "2027-01-04");
	add_days(cal, "2026-12-31", 1, "2027-01-04");
	/* Across February's end, leap year and not. */
	add_days(plain, "2024-02-28", 1, "2024-02-29");
	add_days(plain, "2025-02-27", 2, "2025-03-03");

	/* The holiday week: from the last day before it to the first after it. */
	add_days(cal, "2026-09-30", 1, "2026-10-08");
	add_days(cal, "2026-09-30", 2, "2026-10-09");
	add_days(cal, "2026-09-30", 3, "2026-10-10");            /* the Saturday worked */
	add_days(cal, "2026-09-30", 4, "2026-10-12");
	add_days(cal, "2026-10-03", 1, "2026-10-08");            /* from inside it */
	add_days(cal, "2026-09-18", 1, "2026-09-20");            /* the Sunday worked */
	add_days(cal, "2026-09-24", 1, "2026-09-28");            /* over 中秋 */
	/*
	 * A bad review on Thursday 09-24, rectified within 15 working days: 09-28, 29, 30 (3),
	 * 10-08, 09, 10 (6), 12..16 (11), 19..22 (15). Without the holidays: 10-15.
	 */
	add_days(cal, "2026-09-24", 15, "2026-10-22");
	add_days(plain, "2026-09-24", 15, "2026-10-15");
	add_days(NULL, "2026-09-24", 15, "2026-10-15");

	/* Refusals leave out alone. */
	assert_int_equal(hq_config_add_working_days(cal, "2026-02-30", 1, out), HQ_EINVAL);
	assert_int_equal(hq_config_add_working_days(cal, "2026-9-24", 1, out), HQ_EINVAL);
	assert_int_equal(hq_config_add_working_days(cal, NULL, 1, out), HQ_EINVAL);
	assert_int_equal(hq_config_add_working_days(cal, "2026-09-24", -1, out), HQ_EINVAL);
	assert_int_equal(hq_config_add_working_days(cal, "2026-09-24", HQ_MAX_WORKING_DAYS + 1,
						    out), HQ_EINVAL);
	assert_int_equal(hq_config_add_working_days(cal, "9999-12-30", 2, out), HQ_EINVAL);
	assert_string_equal(out, "x");
	assert_int_equal(hq_config_add_working_days(cal, "2026-09-24", 1, NULL), HQ_EINVAL);
	/* The largest n: 1000 working days of a plain week are 200 weeks. */
	assert_int_equal(hq_config_add_working_days(plain, "2026-11-20", HQ_MAX_WORKING_DAYS, out),
			 HQ_OK);
	assert_string_equal(out, "2030-09-20");
	hq_config_free(cal);
	hq_config_free(plain);
}

/* ---- mistakes -------------------------------------------------------------------------- */

struct bad {
	const char *name;
	const char *ini;
	const char *where; /* "test.ini:LINE:" */
	const char *what;  /* a part of the reason */
};


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

	/* [hall]: reviews, cases, sign-in */
	{ "review_edit_negative", HALL "review_edit_minutes = -1\n" SVC CTR, "test.ini:3:",
	  "review_edit_minutes = -1 is out of range (0 to 1440)" },
	{ "review_edit_day", HALL "review_edit_minutes = 1441\n" SVC CTR, "test.ini:3:",
	  "review_edit_minutes = 1441 is out of range (0 to 1440)" },
	{ "review_edit_unit", HALL "review_edit_minutes = 30min\n" SVC CTR, "test.ini:3:",
	  "review_edit_minutes = 30min is not a whole number" },
	{ "rectify_zero", HALL "rectify_working_days = 0\n" SVC CTR, "test.ini:3:",
	  "rectify_working_days = 0 is out of range (1 to 90)" },
	{ "rectify_high", HALL "rectify_working_days = 91\n" SVC CTR, "test.ini:3:",
	  "rectify_working_days = 91 is out of range (1 to 90)" },
	{ "revisit_zero", HALL "revisit_working_days = 0\n" SVC CTR, "test.ini:3:",
	  "revisit_working_days = 0 is out of range (1 to 90)" },
	{ "revisit_empty", HALL "revisit_working_days =\n" SVC CTR, "test.ini:3:",
	  "revisit_working_days is empty; it needs a number from 1 to 90" },
	{ "sign_in_word", HALL "sign_in = pin\n" SVC CTR, "test.ini:3:",
	  "sign_in = pin: write roster (only the clerks of the roster, with their PIN) or open" },
	{ "sign_in_case", HALL "sign_in = Open\n" SVC CTR, "test.ini:3:", "sign_in = Open: write" },
	{ "sign_in_twice", HALL "sign_in = open\nsign_in = roster\n" SVC CTR, "test.ini:4:",
	  "sign_in is given twice in [hall] (first at line 3)" },

	/* [hall]: holidays and workdays */
	{ "holiday_no_day", HALL "holidays = 2026-10-32\n" SVC CTR, "test.ini:3:",
	  "holidays: '2026-10-32' is not a date YYYY-MM-DD that exists, or a range" },
	{ "holiday_feb_30", HALL "holidays = 2026-01-01, 2026-02-30\n" SVC CTR, "test.ini:3:",
	  "holidays: '2026-02-30' is not a date" },
	{ "holiday_not_leap", HALL "holidays = 2025-02-29\n" SVC CTR, "test.ini:3:",
	  "holidays: '2025-02-29' is not a date" },
	{ "holiday_short", HALL "holidays = 2026-10-1\n" SVC CTR, "test.ini:3:",
	  "holidays: '2026-10-1' is not a date" },
	{ "holiday_slashes", HALL "holidays = 10/01/2026\n" SVC CTR, "test.ini:3:",
	  "holidays: '10/01/2026' is not a date" },
	{ "holiday_chinese", HALL "holidays = 2026年10月1日\n" SVC CTR, "test.ini:3:",
	  "holidays: '2026年10月1日' is not a date" },
	{ "holiday_open_range", HALL "holidays = 2026-10-01..\n" SVC CTR, "test.ini:3:",
	  "holidays: '2026-10-01..' is not a date" },
	{ "holiday_dash_range", HALL "holidays = 2026-10-01-2026-10-07\n" SVC CTR, "test.ini:3:",
	  "holidays: '2026-10-01-2026-10-07' is not a date" },
	{ "holiday_bad_range_end", HALL "holidays = 2026-10-01..2026-10-32\n" SVC CTR,
	  "test.ini:3:", "holidays: '2026-10-01..2026-10-32' is not a date" },
	{ "holiday_range_backwards", HALL "holidays = 2026-10-07..2026-10-01\n" SVC CTR,
	  "test.ini:3:", "holidays: 2026-10-07..2026-10-01 ends before it starts" },
	{ "holiday_range_year", HALL "holidays = 2026-01-01..2026-12-31\n" SVC CTR, "test.ini:3:",
	  "holidays: 2026-01-01..2026-12-31 is 365 days; the list holds at most 128 days in all" },
	{ "holiday_range_129", HALL "holidays = 2026-01-01..2026-05-09\n" SVC CTR, "test.ini:3:",
	  "2026-01-01..2026-05-09 is 129 days; the list holds at most 128" },
	{ "holidays_too_many", HALL "holidays = 2026-01-01..2026-03-31, 2027-01-01..2027-03-31\n"
	  SVC CTR, "test.ini:3:", "holidays: more than 128 days in all; list this year's and "
	  "next year's only" },
	{ "holiday_twice", HALL "holidays = 2026-10-01, 2026-05-01, 2026-10-01\n" SVC CTR,
	  "test.ini:3:", "holidays: 2026-10-01 is listed twice" },
	{ "holiday_ranges_overlap", HALL "holidays = 2026-10-01..2026-10-07, 2026-10-05..2026-10-08\n"
	  SVC CTR, "test.ini:3:", "holidays: 2026-10-05 is listed twice" },
	{ "holiday_trailing_comma", HALL "holidays = 2026-10-01,\n" SVC CTR, "test.ini:3:",
	  "holidays: '' is not a date" },
	{ "holiday_item_too_long", HALL "holidays = 2026-10-01...................................."
	  "........................2026-10-07\n" SVC CTR, "test.ini:3:",
	  "is not a list of dates YYYY-MM-DD and ranges" },
	{ "holidays_twice", HALL "holidays = 2026-10-01\nname_en = x\nholidays = 2026-10-02\n"
	  SVC CTR, "test.ini:5:", "holidays is given twice in [hall] (first at line 3)" },
	{ "workday_weekday", HALL "workdays = 2026-10-10, 2026-10-12\n" SVC CTR, "test.ini:3:",
	  "workdays: 2026-10-12 is a Monday, a working day anyway; workdays lists the Saturdays "
	  "and Sundays worked instead of a holiday (调休)" },
	{ "workday_friday", HALL "workdays = 2026-10-09\n" SVC CTR, "test.ini:3:",
	  "workdays: 2026-10-09 is a Friday, a working day anyway" },
	{ "workday_twice", HALL "workdays = 2026-10-10, 2026-10-10\n" SVC CTR, "test.ini:3:",
	  "workdays: 2026-10-10 is listed twice" },
	{ "workday_bad", HALL "workdays = 2026-02-29\n" SVC CTR, "test.ini:3:",
	  "workdays: '2026-02-29' is not a date" },
	{ "holiday_and_workday", HALL "holidays = 2026-10-01..2026-10-07\nworkdays = 2026-10-04\n"
	  SVC CTR, "test.ini:4:", "2026-10-04 is both a holiday and a workday (holidays at line 3); "
	  "a day is one or the other" },
	{ "workday_and_holiday", HALL "workdays = 2026-09-20, 2026-10-10\nnotice = x\n"
	  "holidays = 2026-10-10\n" SVC CTR, "test.ini:5:",
	  "2026-10-10 is both a holiday and a workday (workdays at line 3)" },

	/* [alert NAME] */
	{ "alert_no_name", HALL SVC CTR "[alert]\n", "test.ini:8:",
	  "[alert] needs a name, e.g. [alert long_wait]" },
	{ "alert_bad_name", HALL SVC CTR "[alert Long_Wait]\n", "test.ini:8:",
	  "[alert Long_Wait]: 'Long_Wait' is not a valid key" },
	{ "alert_twice", HALL SVC CTR "[alert long_wait]\npercent = 80\n[alert long_wait]\n",
	  "test.ini:10:", "[alert long_wait] is defined twice (first at line 8)" },
	{ "alert_new_without_rule", HALL SVC CTR "[alert lunch]\nminutes = 60\n", "test.ini:8:",
	  "[alert lunch] is not a default rule and needs rule = (wait, queue, pause" },
	{ "alert_unknown_rule", HALL SVC CTR "[alert x]\nrule = overtime\n", "test.ini:9:",
	  "rule = overtime is not a rule; rules are wait, queue, pause, pause_reason, unstaffed, "
	  "idle, slow, noshows, bad_review, case_overdue and device" },
	{ "alert_default_other_rule", HALL SVC CTR "[alert long_wait]\nrule = queue\n",
	  "test.ini:9:", "[alert long_wait] is the default wait rule; rule = queue would change "
	  "what it watches: give a queue rule a name of its own" },
	{ "alert_severity", HALL SVC CTR "[alert long_wait]\nseverity = high\n", "test.ini:9:",
	  "severity = high: write info, warning or critical" },
	{ "alert_severity_case", HALL SVC CTR "[alert long_wait]\nseverity = Critical\n",
	  "test.ini:9:", "severity = Critical: write info, warning or critical" },
	{ "alert_enabled", HALL SVC CTR "[alert long_wait]\nenabled = off\n", "test.ini:9:",
	  "enabled = off is not yes or no" },
	{ "alert_unknown_key", HALL SVC CTR "[alert long_queue]\nthreshold = 30\n", "test.ini:9:",
	  "unknown key 'threshold' in [alert long_queue]" },
	{ "alert_key_twice", HALL SVC CTR "[alert long_queue]\ncount = 30\ncount = 40\n",
	  "test.ini:10:", "count is given twice in [alert long_queue] (first at line 9)" },
	{ "alert_count_on_pause", HALL SVC CTR "[alert long_pause]\nminutes = 20\ncount = 3\n",
	  "test.ini:10:", "count does not apply to a pause rule; a pause rule uses minutes" },
	{ "alert_percent_on_queue", HALL SVC CTR "[alert long_queue]\npercent = 150\n",
	  "test.ini:9:", "percent does not apply to a queue rule; a queue rule uses count and "
	  "services" },
	{ "alert_minutes_on_wait", HALL SVC CTR "[alert long_wait]\nminutes = 10\n", "test.ini:9:",
	  "minutes does not apply to a wait rule; a wait rule uses percent and services" },
	{ "alert_minutes_on_noshows", HALL SVC CTR "[alert noshow_streak]\nminutes = 10\n",
	  "test.ini:9:", "minutes does not apply to a noshows rule; a noshows rule uses count" },
	{ "alert_services_on_device", HALL SVC CTR "[alert device_down]\nservices = a\n",
	  "test.ini:9:", "services does not apply to a device rule; a device rule uses minutes" },
	{ "alert_services_on_pause", HALL SVC CTR "[alert p]\nservices = a\nrule = pause\n",
	  "test.ini:9:", "services does not apply to a pause rule" },
	{ "alert_minutes_on_bad_review", HALL SVC CTR "[alert bad_review]\nminutes = 60\n",
	  "test.ini:9:", "minutes does not apply to a bad_review rule; a bad_review rule uses "
	  "services" },
	{ "alert_count_on_case_overdue", HALL SVC CTR "[alert late]\nrule = case_overdue\n"
	  "count = 1\n", "test.ini:10:", "count does not apply to a case_overdue rule" },
	{ "alert_percent_on_unstaffed", HALL SVC CTR
	  "[alert unstaffed]\npercent = 100\n", "test.ini:9:",
	  "percent does not apply to an unstaffed rule; an unstaffed rule uses minutes" },
	{ "alert_noshows_one", HALL SVC CTR "[alert streak]\nrule = noshows\ncount = 1\n",
	  "test.ini:10:", "count = 1 is out of range for a noshows rule (2 to 100)" },
	{ "alert_noshows_many", HALL SVC CTR "[alert noshow_streak]\ncount = 101\n",
	  "test.ini:9:", "count = 101 is out of range for a noshows rule (2 to 100)" },
	{ "alert_slow_at_median", HALL SVC CTR "[alert slow_service]\npercent = 100\n",
	  "test.ini:9:", "percent = 100 is out of range for a slow rule (110 to 1000)" },
	{ "alert_pause_zero", HALL SVC CTR "[alert long_pause]\nminutes = 0\n", "test.ini:9:",
	  "minutes = 0 is out of range for a pause rule (1 to 480)" },
	{ "alert_idle_zero", HALL SVC CTR "[alert no_calls]\nminutes = 0\n", "test.ini:9:",
	  "minutes = 0 is out of range for an idle rule (1 to 480)" },
	{ "alert_minutes_high", HALL SVC CTR "[alert long_pause]\nminutes = 481\n", "test.ini:9:",
	  "minutes = 481 is out of range (0 to 480)" },
	{ "alert_percent_low", HALL SVC CTR "[alert long_wait]\npercent = 20\n", "test.ini:9:",
	  "percent = 20 is out of range (50 to 1000)" },
	{ "alert_count_zero", HALL SVC CTR "[alert long_queue]\ncount = 0\n", "test.ini:9:",
	  "count = 0 is out of range (1 to 10000)" },
	{ "alert_unknown_service", HALL SVC CTR "[alert long_queue]\ncount = 5\nservices = a, tax\n",
	  "test.ini:10:", "[alert long_queue] watches 'tax', but there is no [service tax]" },
	{ "alert_services_empty", HALL SVC CTR "[alert long_queue]\nservices =\n", "test.ini:9:",
	  "services is empty; leave it out to watch every service" },
	{ "alert_service_twice", HALL SVC CTR "[alert long_queue]\nservices = a, a\n",
	  "test.ini:9:", "services: a is listed twice" },
	{ "alert_service_bad_key", HALL SVC CTR "[alert long_queue]\nservices = A\n",
	  "test.ini:9:", "services: 'A' is not a service key" },
	{ "alert_service_empty_item", HALL SVC CTR "[alert long_queue]\nservices = a,\n",
	  "test.ini:9:", "services: '' is not a service key" },
	{ "alert_key_in_hall", HALL "severity = info\n" SVC CTR, "test.ini:3:",
	  "unknown key 'severity' in [hall]" },

	/* [appraisal] */
	{ "appraisal_with_name", HALL SVC CTR "[appraisal 2026]\n", "test.ini:8:",
	  "[appraisal] takes no name: write just [appraisal]" },
	{ "appraisal_twice", HALL SVC CTR "[appraisal]\n[appraisal]\n", "test.ini:9:",
	  "[appraisal] is defined twice (first at line 8)" },
	{ "appraisal_weight_high", HALL SVC CTR "[appraisal]\nweight_volume = 101\n", "test.ini:9:",
	  "weight_volume = 101 is out of range (0 to 100)" },
	{ "appraisal_weight_negative", HALL SVC CTR "[appraisal]\nweight_rectify = -5\n",
	  "test.ini:9:", "weight_rectify = -5 is out of range (0 to 100)" },
	{ "appraisal_weight_percent", HALL SVC CTR "[appraisal]\nweight_on_time = 25%\n",
	  "test.ini:9:", "weight_on_time = 25% is not a whole number" },
	{ "appraisal_weights_90", HALL SVC CTR "[appraisal]\nweight_satisfaction = 20\n",
	  "test.ini:8:", "[appraisal]: the weights add up to 90 (weight_volume 30 + weight_on_time "
	  "25 + weight_satisfaction 20 + weight_rectify 15); they share a perfect score of 100 and "
	  "must add up to 100" },
	{ "appraisal_weights_200", HALL SVC CTR "\n[appraisal]\nweight_volume = 100\n"
	  "weight_on_time = 100\nweight_satisfaction = 0\nweight_rectify = 0\n", "test.ini:9:",
	  "[appraisal]: the weights add up to 200" },
	{ "appraisal_penalty", HALL SVC CTR "[appraisal]\npenalty_alert = 101\n", "test.ini:9:",
	  "penalty_alert = 101 is out of range (0 to 100)" },
	{ "appraisal_absence", HALL SVC CTR "[appraisal]\npenalty_absence = -1\n", "test.ini:9:",
	  "penalty_absence = -1 is out of range (0 to 100)" },
	{ "appraisal_bad_review", HALL SVC CTR "[appraisal]\npenalty_bad_review = 2.5\n",
	  "test.ini:9:", "penalty_bad_review = 2.5 is not a whole number" },
	{ "appraisal_red_flags", HALL SVC CTR "[appraisal]\nred_flag_count = 101\n", "test.ini:9:",
	  "red_flag_count = 101 is out of range (0 to 100)" },
	{ "appraisal_min_served", HALL SVC CTR "[appraisal]\nmin_served = 100001\n", "test.ini:9:",
	  "min_served = 100001 is out of range (0 to 100000)" },
	{ "appraisal_min_served_empty", HALL SVC CTR "[appraisal]\nmin_served =\n", "test.ini:9:",
	  "min_served is empty" },
	{ "appraisal_unknown_key", HALL SVC CTR "[appraisal]\nweight_wait = 10\n", "test.ini:9:",
	  "unknown key 'weight_wait' in [appraisal]" },

	/* [clerk ID] */
	{ "clerk_no_id", HALL SVC CTR "[clerk]\n", "test.ini:8:",
	  "[clerk] needs a name, e.g. [clerk 1024]" },
	{ "clerk_chinese_id", HALL SVC CTR "[clerk 张三]\nname = 张三\n", "test.ini:8:",
	  "[clerk 张三]: '张三' is not a valid key; use 1 to 31 of a-z, 0-9, _ and -" },
	{ "clerk_upper_id", HALL SVC CTR "[clerk ZS01]\n", "test.ini:8:",
	  "[clerk ZS01]: 'ZS01' is not a valid key" },
	{ "clerk_twice", HALL SVC CTR "[clerk 1024]\nname = 王芳\npin = " SHA256_2580 "\n"
	  "[clerk 1024]\nname = 李强\n", "test.ini:11:",
	  "[clerk 1024] is defined twice (first at line 8)" },
	{ "clerk_no_name", HALL SVC CTR "[clerk 1024]\npin = " SHA256_2580 "\n", "test.ini:8:",
	  "[clerk 1024] has no name; it is required" },
	{ "clerk_empty_name", HALL SVC CTR "[clerk 1024]\nname =\npin = " SHA256_2580 "\n",
	  "test.ini:9:", "name is empty; it needs a value" },
	{ "clerk_no_pin", HALL SVC CTR "[clerk 1024]\nname = 王芳\n", "test.ini:8:",
	  "[clerk 1024] has no pin; it is required" },
	{ "clerk_empty_pin", HALL SVC CTR "[clerk 1024]\nname = 王芳\npin =\n", "test.ini:10:",
	  "pin is empty; write the PIN's hash from `hallq clerk hash`" },
	{ "clerk_clear_pin", HALL SVC CTR "[clerk 1024]\nname = 王芳\npin = 2580\n", "test.ini:10:",
	  "pin is not a crypt(3) hash such as $y$j9T$...; make one with `hallq clerk hash` and "
	  "write that (a PIN is never written in clear)" },
	{ "clerk_pin_no_method", HALL SVC CTR "[clerk 1024]\nname = 王芳\n"
	  "pin = $$q7Tn0cVb3LmZ8rWx$Y1litkstn2IS9qDGvkxykGdPPQxk7J0LXfjn16hhLn7\n", "test.ini:10:",
	  "pin is not a crypt(3) hash" },
	{ "clerk_pin_short_hash", HALL SVC CTR "[clerk 1024]\nname = 王芳\n"
	  "pin = $6$q7Tn0cVb3LmZ8rWx$Y1litkstn2\n", "test.ini:10:", "pin is not a crypt(3) hash" },
	{ "clerk_pin_space", HALL SVC CTR "[clerk 1024]\nname = 王芳\n"
	  "pin = $5$q7Tn0cVb3LmZ8rWx$Y1litkstn2IS9qDGvkx ykGdPPQxk7J0LXfjn16hhLn7\n", "test.ini:10:",
	  "pin is not a crypt(3) hash" },
	{ "clerk_pin_des", HALL SVC CTR "[clerk 1024]\nname = 王芳\npin = abJnggxhB/yWI\n",
	  "test.ini:10:", "pin is not a crypt(3) hash" },
	{ "clerk_pin_long", HALL SVC CTR "[clerk 1024]\nname = 王芳\n"
	  "pin = $6$rounds=999999999$q7Tn0cVb3LmZ8rWx$4Mmlo4Vaj5/AGoHYQBUd5rCtn.89SAfNbE71SXxiBIBV5"
	  "CKM.M0a0tVn6EnLzf2HOWR9TRnbGszoyedRS3Ivq1xxxxxx\n", "test.ini:10:",
	  "pin is a hash of 129 bytes; at most 127 are allowed" },
	{ "clerk_pin_twice", HALL SVC CTR "[clerk 1024]\nname = 王芳\npin = " SHA256_2580 "\n"
	  "pin = " SHA512_2580 "\n", "test.ini:11:",
	  "pin is given twice in [clerk 1024] (first at line 10)" },
	{ "clerk_unknown_key", HALL SVC CTR "[clerk 1024]\nname = 王芳\npassword = 2580\n",
	  "test.ini:10:", "unknown key 'password' in [clerk 1024]" },
	{ "unknown_section_lists_new", HALL SVC CTR "[staff 1024]\n", "test.ini:8:",
	  "sections are [hall], [service KEY], [counter N], [bus KEY], [kiosk], [alert NAME], "
	  "[appraisal], [retention], [clerk ID] and [limits]" },
	{ "retention_relative_archive", HALL SVC CTR "[retention]\narchive = archive.jsonl\n",
	  "test.ini:9:", "archive = archive.jsonl is not an absolute path" },
	{ "retention_personal_days_zero", HALL SVC CTR "[retention]\npersonal_days = 0\n",
	  "test.ini:9:", "personal_days" },
	{ "retention_keep_months_negative", HALL SVC CTR "[retention]\nkeep_months = -1\n",
	  "test.ini:9:", "keep_months" },
	{ "retention_named", HALL SVC CTR "[retention x]\n", "test.ini:8:", "[retention] takes no name" },

	/* [limits] */
	{ "limits_with_name", HALL SVC CTR "[limits hall]\n", "test.ini:8:",
	  "[limits] takes no name: write just [limits]" },
	{ "limits_rate_negative", HALL SVC CTR "[limits]\nrate = -1\n", "test.ini:9:",
	  "rate = -1 is out of range (0 to 100000)" },
	{ "limits_header_small", HALL SVC CTR "[limits]\nheader_bytes = 1024\n", "test.ini:9:",
	  "header_bytes = 1024 is out of range (4096 to 65536)" },
	{ "limits_unknown_key", HALL SVC CTR "[limits]\nrps = 5\n", "test.ini:9:",
	  "unknown key 'rps' in [limits]" },
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
	cmocka_unit_test(test_sample_calendar),
	cmocka_unit_test(test_small_hall),
	cmocka_unit_test(test_defaults),
	cmocka_unit_test(test_bus_defaults),
	cmocka_unit_test(test_number_width),
	cmocka_unit_test(test_forward_references),
	cmocka_unit_test(test_accepted_forms),
	cmocka_unit_test(test_kiosk),
	cmocka_unit_test(test_public_url),
	cmocka_unit_test(test_hall_identity),
	cmocka_unit_test(test_open_at),
	cmocka_unit_test(test_lookups),
	cmocka_unit_test(test_file_errors),
	cmocka_unit_test(test_long_line),
	cmocka_unit_test(test_supervision_defaults),
	cmocka_unit_test(test_hall_review_keys),
	cmocka_unit_test(test_dates_full),
	cmocka_unit_test(test_default_alerts),
	cmocka_unit_test(test_alerts),
	cmocka_unit_test(test_alert_limit),
	cmocka_unit_test(test_appraisal),
	cmocka_unit_test(test_clerks),
	cmocka_unit_test(test_clear_pin_not_echoed),
	cmocka_unit_test(test_clerk_limit),
	cmocka_unit_test(test_days),
	cmocka_unit_test(test_working_days),
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
