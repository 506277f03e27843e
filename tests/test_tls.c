/*
 * Unit tests of hallqd's transport security and tokens at rest (server/tls.c,
 * server/tokens.c): which addresses are loopback; the plain-HTTP token check, warned about
 * once an hour for each role and address on a clock driven here, refused with
 * require_tls, never for loopback, and its table of warnings full; the tokens file with
 * hashed lines beside plain ones, its refusals, and hallq token new's line loaded back.
 * The same checks through a running hallqd, over TLS, are in tests/tls.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "server.h"
#include "support.h"

#define HOUR (3600 * 1000LL)

static void loopback_addresses(void **state)
{
	(void)state;
	assert_true(hqd_address_loopback("127.0.0.1"));
	assert_true(hqd_address_loopback("127.0.0.2"));
	assert_true(hqd_address_loopback("127.255.255.254"));
	assert_true(hqd_address_loopback("::1"));
	assert_true(hqd_address_loopback("::ffff:127.0.0.1"));
	assert_false(hqd_address_loopback("128.0.0.1"));
	assert_false(hqd_address_loopback("126.255.255.255"));
	assert_false(hqd_address_loopback("192.0.2.2"));
	assert_false(hqd_address_loopback("10.0.0.1"));
	assert_false(hqd_address_loopback("::ffff:192.0.2.2"));
	assert_false(hqd_address_loopback("fd00::2"));
	assert_false(hqd_address_loopback("::"));
	/* Not an address at all: treated as another machine, so it is warned about. */
	assert_false(hqd_address_loopback(""));
	assert_false(hqd_address_loopback("localhost"));
}

static void plain_warned_once_an_hour(void **state)
{
	struct hqd_plain *p = hqd_plain_new();
	int64_t t = 5 * HOUR;

	(void)state;
	assert_non_null(p);
	assert_int_equal(hqd_plain_check(p, "gateway", "127.0.0.1", false, t), HQD_PLAIN_OK);
	assert_int_equal(hqd_plain_check(p, "gateway", "::1", true, t), HQD_PLAIN_OK);
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.7", false, t), HQD_PLAIN_WARN);
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.7", false, t + 1000), HQD_PLAIN_QUIET);
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.7", false, t + HOUR - 1), HQD_PLAIN_QUIET);
	/* Another role from the same address, the same role from another: each its own. */
	assert_int_equal(hqd_plain_check(p, "counter:3", "192.0.2.7", false, t + 2000), HQD_PLAIN_WARN);
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.8", false, t + 2000), HQD_PLAIN_WARN);
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.7", false, t + HOUR), HQD_PLAIN_WARN);
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.7", false, t + HOUR + 1), HQD_PLAIN_QUIET);
	/* require_tls: every one refused, even one warned about a moment ago. */
	assert_int_equal(hqd_plain_check(p, "gateway", "192.0.2.7", true, t + HOUR + 2), HQD_PLAIN_REFUSE);
	assert_int_equal(hqd_plain_check(p, "admin", "fd00::9", true, t), HQD_PLAIN_REFUSE);
	hqd_plain_free(p);
	hqd_plain_free(NULL);
}

/* More roles and addresses than the table keeps: the oldest warning is forgotten first,
 * so it is given again, while the newest stays quiet. */
static void plain_table_full(void **state)
{
	struct hqd_plain *p = hqd_plain_new();
	char addr[64];
	int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		snprintf(addr, sizeof addr, "10.0.%d.%d", i / 256, i % 256);
		assert_int_equal(hqd_plain_check(p, "kiosk", addr, false, 1000 + i), HQD_PLAIN_WARN);
	}
	assert_int_equal(hqd_plain_check(p, "kiosk", "10.0.1.43", false, 2000), HQD_PLAIN_QUIET);
	assert_int_equal(hqd_plain_check(p, "kiosk", "10.0.0.0", false, 2000), HQD_PLAIN_WARN);
	/* The clock's zero is a time like any other. */
	hqd_plain_free(p);
	p = hqd_plain_new();
	assert_int_equal(hqd_plain_check(p, "kiosk", "10.9.9.9", false, 0), HQD_PLAIN_WARN);
	assert_int_equal(hqd_plain_check(p, "kiosk", "10.9.9.9", false, 10), HQD_PLAIN_QUIET);
	hqd_plain_free(p);
}

/* ---- the tokens file ---------------------------------------------------------------- */

static char *dir;

static int load(const char *text, struct hqd_tokens *t, char *err, size_t errlen)
{
	char *path = ts_path(dir, "tokens");
	FILE *f = fopen(path, "w");
	int rc;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	rc = hqd_tokens_load(path, t, err, errlen);
	free(path);
	return rc;
}

#define KIOSK_TOKEN "kiosk-0123456789abcdef"

static void tokens_hashed_and_plain(void **state)
{
	struct hqd_tokens t;
	char err[512], line[600];
	unsigned char d[32];
	const struct hqd_token *who;

	(void)state;
	assert_true(hqd_token_digest(KIOSK_TOKEN, d));
	/* The hashed line of KIOSK_TOKEN, upper-case hex: either case is read. */
	snprintf(line, sizeof line, "# a comment\nmanager manager-0123456789abcdef\nkiosk sha256:");
	for (int i = 0; i < 32; i++)
		snprintf(line + strlen(line), 3, "%02X", d[i]);
	strcat(line, "\n\ncounter:3 counter3-0123456789abcdef\n");
	assert_int_equal(load(line, &t, err, sizeof err), 0);
	*strchr(strstr(line, "sha256:"), '\n') = '\0';
	assert_int_equal(t.n, 3);
	assert_non_null(who = hqd_tokens_find(&t, KIOSK_TOKEN));
	assert_int_equal(who->role, ROLE_KIOSK);
	assert_non_null(who = hqd_tokens_find(&t, "counter3-0123456789abcdef"));
	assert_int_equal(who->role, ROLE_COUNTER);
	assert_int_equal(who->counter, 3);
	assert_non_null(who = hqd_tokens_find(&t, "manager-0123456789abcdef"));
	assert_int_equal(who->role, ROLE_MANAGER);
	/* Near misses, the hash itself and nothing at all are nobody. */
	assert_null(hqd_tokens_find(&t, "kiosk-0123456789abcdeF"));
	assert_null(hqd_tokens_find(&t, "kiosk-0123456789abcde"));
	assert_null(hqd_tokens_find(&t, strstr(line, "sha256:")));
	assert_null(hqd_tokens_find(&t, strstr(line, "sha256:") + 7));
	assert_null(hqd_tokens_find(&t, ""));
	assert_null(hqd_tokens_find(&t, NULL));
	hqd_tokens_free(&t);
}

static void tokens_refused(void **state)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{"kiosk sha256:0123\n", "sha256: and 64 hex digits"},
		{"kiosk sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
		 "sha256: and 64 hex digits"},
		{"kiosk sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\n",
		 "sha256: and 64 hex digits"},
		{"kiosk sha256:\n", "sha256: and 64 hex digits"},
		{"kiosk short\n", "16 to 256 characters"},
		{"nobody kiosk-0123456789abcdef\n", "unknown role 'nobody'"},
		{"counter:0 kiosk-0123456789abcdef\n", "unknown role"},
		{"kiosk kiosk-0123456789abcdef extra\n", "expected `ROLE TOKEN` or `ROLE sha256:HEX`"},
		/* The same token twice, once plain and once hashed. */
		{"admin " KIOSK_TOKEN "\nkiosk sha256:%s\n", "given twice"},
		{"# nothing\n", "no tokens"},
	};
	struct hqd_tokens t;
	char err[512], text[600], hex[65];
	unsigned char d[32];

	(void)state;
	assert_true(hqd_token_digest(KIOSK_TOKEN, d));
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, bad[i].text, hex);
		err[0] = '\0';
		assert_int_equal(load(text, &t, err, sizeof err), -1);
		if (!strstr(err, bad[i].says))
			fail_msg("line %zu: '%s' does not say '%s'", i, err, bad[i].says);
		assert_int_equal(t.n, 0);
	}
}

/* hallq token new's line is one the file takes, for the token it printed, and for the
 * role spelled as the file spells it. */
static void token_new_loads(void **state)
{
	static const char *const roles[] = {"kiosk", "booking", "display", "counter:12", "gateway",
					    "review", "evaluator:4", "manager", "admin"};
	char token[2 * HQD_TOKEN_NEW_BYTES + 1], other[sizeof token], line[128], err[256], text[300];
	struct hqd_tokens t;
	const struct hqd_token *who;
	struct hqd_token want;

	(void)state;
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		assert_int_equal(hqd_token_new(roles[i], token, line, sizeof line, err, sizeof err), 0);
		assert_int_equal(strlen(token), 64);
		assert_int_equal(strspn(token, "0123456789abcdef"), 64);
		assert_int_equal(strncmp(line, roles[i], strlen(roles[i])), 0);
		assert_string_equal(line + strlen(roles[i]), strstr(line, " sha256:"));
		assert_int_equal(strlen(strstr(line, "sha256:")), 7 + 64);
		snprintf(text, sizeof text, "%s\n", line);
		assert_int_equal(load(text, &t, err, sizeof err), 0);
		assert_non_null(who = hqd_tokens_find(&t, token));
		want = (struct hqd_token){0};
		assert_int_equal(hqd_role_parse(roles[i], &want), 0);
		assert_int_equal(who->role, want.role);
		assert_int_equal(who->counter, want.counter);
		hqd_tokens_free(&t);
	}
	assert_int_equal(hqd_token_new("kiosk", other, line, sizeof line, err, sizeof err), 0);
	assert_string_not_equal(token, other);
	assert_int_equal(hqd_token_new("counter:007", token, line, sizeof line, err, sizeof err), 0);
	assert_int_equal(strncmp(line, "counter:7 sha256:", 17), 0);
	assert_int_equal(hqd_token_new("counter", token, line, sizeof line, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown role 'counter'"));
	assert_int_equal(hqd_token_new("root", token, line, sizeof line, err, sizeof err), -1);
}

static int setup(void **state)
{
	(void)state;
	dir = strdup(ts_tmpdir());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ts_rmtree(dir);
	free(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopback_addresses),
		cmocka_unit_test(plain_warned_once_an_hour),
		cmocka_unit_test(plain_table_full),
		cmocka_unit_test(tokens_hashed_and_plain),
		cmocka_unit_test(tokens_refused),
		cmocka_unit_test(token_new_loads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
