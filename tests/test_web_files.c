/*
 * Serving embedded web files (common/web.c): a file's type by its extension, and whether
 * an If-None-Match header names the file's ETag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hq_web.h"

static void types(void **state)
{
	(void)state;
	assert_string_equal(hq_web_type("/web/counter.js"), "text/javascript; charset=utf-8");
	assert_string_equal(hq_web_type("index.html"), "text/html; charset=utf-8");
	assert_string_equal(hq_web_type("vendor/echarts.min.js"), "text/javascript; charset=utf-8");
	assert_string_equal(hq_web_type("LICENSE"), "application/octet-stream");
	assert_string_equal(hq_web_type("a.tar.gz"), "application/octet-stream");
}

static void etags(void **state)
{
	(void)state;
	assert_true(hq_web_etag_listed("\"abc\"", "\"abc\""));
	assert_true(hq_web_etag_listed("W/\"abc\"", "\"abc\""));
	assert_true(hq_web_etag_listed("\"x\", \"abc\" ", "\"abc\""));
	assert_true(hq_web_etag_listed("*", "\"abc\""));
	assert_false(hq_web_etag_listed("\"abcd\"", "\"abc\""));
	assert_false(hq_web_etag_listed("\"ab\", \"x\"", "\"abc\""));
	assert_false(hq_web_etag_listed("", "\"abc\""));
	assert_false(hq_web_etag_listed(NULL, "\"abc\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types),
		cmocka_unit_test(etags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
