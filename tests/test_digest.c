/*
 * Token digests as the tokens files write them (common/digest.c): "sha256:" and 64 hex
 * digits, either case, and nothing else; compared in full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hq_digest.h"

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"

static void parse(void **state)
{
	unsigned char d[HQ_DIGEST_LEN];

	(void)state;
	assert_true(hq_digest_marked("sha256:x"));
	assert_false(hq_digest_marked("sha25:x"));
	assert_false(hq_digest_marked(NULL));
	assert_true(hq_digest_parse("sha256:" HEX64, d));
	assert_int_equal(d[0], 0x00);
	assert_int_equal(d[1], 0x11);
	assert_int_equal(d[15], 0xff);
	assert_int_equal(d[31], 0xff);
	/* Not exactly 64 hex digits after the prefix, or no prefix: refused. */
	assert_false(hq_digest_parse(HEX64, d));
	assert_false(hq_digest_parse("sha256:" HEX64 "0", d));
	assert_false(hq_digest_parse("sha256:" "0112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF", d));
	assert_false(hq_digest_parse("sha256:" "0g112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF", d));
	assert_false(hq_digest_parse("sha256:", d));
}

static void equal(void **state)
{
	unsigned char a[HQ_DIGEST_LEN] = {0}, b[HQ_DIGEST_LEN] = {0};

	(void)state;
	assert_true(hq_digest_equal(a, b));
	b[31] = 1;
	assert_false(hq_digest_equal(a, b));
	b[31] = 0;
	b[0] = 0x80;
	assert_false(hq_digest_equal(a, b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
