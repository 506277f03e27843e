/*
 * Unit tests of the web pages' sessions (queue/session.c, hq_session.h): a session made and
 * found by its secret's hash, its last_seen written at most once a minute, its expiry on the
 * sessions' own clock (driven here, never waited for), and the hall clock beside it; the
 * end of a clerk's session whenever the counter's clerk changes (sign-out, another clerk,
 * the counter's close, the day's close and the roll-over to a new day) and not when the same
 * clerk signs in again; revoking one, a clerk's, a counter's and all; the list; refusals
 * of bad input; the upgrade of a schema-4 database; and the tablet's review channel, pad.
 */
#include <sqlite3.h>

#include "test_queue.h"

/* The sessions' clock, apart from the hall's (ts_clock): real unix ms in a running hall. */
static int64_t wall_ms;

static int64_t wall(void *ud)
{
	(void)ud;
	return wall_ms;
}

#define HOUR (3600 * 1000LL)

static struct hq_queue *open_hall(void)
{
	struct hq_queue *q = tq_open(NULL);

	wall_ms = 1700000000000LL;
	hq_queue_set_session_clock(q, wall, NULL);
	tq_at(9, 0);
	return q;
}

/* A hash that differs by n: any 64 hex digits will do for the queue. */
static const char *hash_of(int n)
{
	static char buf[8][HQ_SESSION_HASH_LEN + 1];
	char *h = buf[n & 7];

	snprintf(h, sizeof buf[0], "%064x", n + 1);
	return h;
}

static struct hq_session add(struct hq_queue *q, int n, const char *role, int counter, const char *clerk)
{
	struct hq_session s = {0};

	snprintf(s.role, sizeof s.role, "%s", role);
	s.counter = counter;
	snprintf(s.clerk, sizeof s.clerk, "%s", clerk);
	snprintf(s.csrf, sizeof s.csrf, "csrf%028d", n);
	snprintf(s.address, sizeof s.address, "127.0.0.1");
	TQ_OK(q, hq_queue_session_add(q, hash_of(n), 12 * HOUR, &s));
	return s;
}

static enum hq_session_state state_of(struct hq_queue *q, const char *id)
{
	struct hq_session s;

	TQ_OK(q, hq_queue_session_get(q, id, &s));
	return s.state;
}

static void test_add_and_find(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_session s = add(q, 1, "manager", 0, ""), f;

	(void)state;
	assert_int_equal(strlen(s.id), HQ_SESSION_ID_LEN);
	assert_int_equal(strspn(s.id, "0123456789abcdef"), HQ_SESSION_ID_LEN);
	assert_int_equal(s.created, wall_ms);
	assert_int_equal(s.expires, wall_ms + 12 * HOUR);
	TQ_OK(q, hq_queue_session_find(q, hash_of(1), &f));
	assert_string_equal(f.id, s.id);
	assert_string_equal(f.role, "manager");
	assert_string_equal(f.csrf, s.csrf);
	assert_string_equal(f.address, "127.0.0.1");
	assert_int_equal(f.state, HQ_SESSION_ACTIVE);
	/* last_seen: not written within a minute, written after one. */
	wall_ms += 30000;
	TQ_OK(q, hq_queue_session_find(q, hash_of(1), &f));
	assert_int_equal(f.last_seen, s.created);
	wall_ms += 31000;
	TQ_OK(q, hq_queue_session_find(q, hash_of(1), &f));
	assert_int_equal(f.last_seen, wall_ms);
	TQ_OK(q, hq_queue_session_get(q, s.id, &f));
	assert_int_equal(f.last_seen, wall_ms);
	/* An unknown secret, a malformed one. */
	TQ_ERR(q, HQ_ENOSESSION, hq_queue_session_find(q, hash_of(2), &f));
	assert_string_equal(f.id, "");
	assert_non_null(strstr(hq_queue_errmsg(q), "not known"));
	TQ_ERR(q, HQ_ENOSESSION, hq_queue_session_find(q, "zz", &f));
	/* Two sessions, two ids. */
	assert_string_not_equal(add(q, 3, "admin", 0, "").id, s.id);
	tq_close(q);
}

static void test_expiry(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_session s = add(q, 1, "counter:2", 2, ""), f;

	(void)state;
	/* The hall's clock running ahead (a simulated day) does not age a session. */
	tq_at(23, 0);
	TQ_OK(q, hq_queue_session_find(q, hash_of(1), &f));
	wall_ms += 12 * HOUR - 1;
	TQ_OK(q, hq_queue_session_find(q, hash_of(1), &f));
	wall_ms += 1;
	TQ_ERR(q, HQ_ENOSESSION, hq_queue_session_find(q, hash_of(1), &f));
	assert_non_null(strstr(hq_queue_errmsg(q), "expired"));
	assert_string_equal(f.id, s.id);
	assert_int_equal(f.state, HQ_SESSION_EXPIRED);
	assert_int_equal(state_of(q, s.id), HQ_SESSION_EXPIRED);
	tq_close(q);
}

static void test_clerk_session_bound(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_session s = {.counter = 1}, a, b, other, tok, f;

	(void)state;
	/* Made only for the clerk signed in there now. */
	snprintf(s.role, sizeof s.role, "counter:1");
	snprintf(s.clerk, sizeof s.clerk, "1024");
	snprintf(s.csrf, sizeof s.csrf, "0123456789abcdef");
	TQ_ERR(q, HQ_ESIGNIN, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	TQ_OK(q, hq_queue_sign_in(q, 1, "1024"));
	a = add(q, 1, "counter:1", 1, "1024");
	b = add(q, 2, "counter:1", 1, "1024");
	TQ_OK(q, hq_queue_sign_in(q, 2, "2048"));
	other = add(q, 3, "counter:2", 2, "2048");
	tok = add(q, 4, "counter:1", 1, "");   /* the counter's token: no clerk */

	/* The same clerk again keeps theirs. */
	TQ_OK(q, hq_queue_sign_in(q, 1, "1024"));
	assert_int_equal(state_of(q, a.id), HQ_SESSION_ACTIVE);
	/* Another clerk at the counter ends them, and only them. */
	TQ_OK(q, hq_queue_sign_in(q, 1, "4096"));
	assert_int_equal(state_of(q, a.id), HQ_SESSION_REVOKED);
	assert_int_equal(state_of(q, b.id), HQ_SESSION_REVOKED);
	assert_int_equal(state_of(q, other.id), HQ_SESSION_ACTIVE);
	assert_int_equal(state_of(q, tok.id), HQ_SESSION_ACTIVE);
	TQ_ERR(q, HQ_ENOSESSION, hq_queue_session_find(q, hash_of(1), &f));
	assert_non_null(strstr(hq_queue_errmsg(q), "another clerk signed in"));
	assert_int_equal(f.revoked_at, wall_ms);

	/* A sign-out. */
	a = add(q, 5, "counter:1", 1, "4096");
	TQ_OK(q, hq_queue_sign_out(q, 1));
	TQ_OK(q, hq_queue_session_get(q, a.id, &f));
	assert_int_equal(f.state, HQ_SESSION_REVOKED);
	assert_string_equal(f.revoked_why, "clerk signed out");

	/* The counter's close. */
	TQ_OK(q, hq_queue_close_counter(q, 2));
	TQ_OK(q, hq_queue_session_get(q, other.id, &f));
	assert_string_equal(f.revoked_why, "counter closed");

	/* The day's close, and the roll-over of a day nobody closed. */
	TQ_OK(q, hq_queue_open_counter(q, 2));
	TQ_OK(q, hq_queue_sign_in(q, 2, "2048"));
	other = add(q, 6, "counter:2", 2, "2048");
	TQ_OK(q, hq_queue_close_day(q, NULL, NULL));
	TQ_OK(q, hq_queue_session_get(q, other.id, &f));
	assert_string_equal(f.revoked_why, "day closed");
	TQ_OK(q, hq_queue_sign_in(q, 2, "2048"));
	other = add(q, 7, "counter:2", 2, "2048");
	ts_clock_ms += 24 * HOUR;
	TQ_ERR(q, HQ_ENOSESSION, hq_queue_session_find(q, hash_of(7), &f));
	assert_string_equal(f.revoked_why, "day closed");
	/* The token's session outlives them all. */
	TQ_OK(q, hq_queue_session_find(q, hash_of(4), &f));
	tq_close(q);
}

static void test_revoke_and_list(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_session m, c1, c2, c3, *v;
	size_t n;
	int count;

	(void)state;
	TQ_OK(q, hq_queue_sign_in(q, 1, "1024"));
	TQ_OK(q, hq_queue_sign_in(q, 2, "2048"));
	m = add(q, 1, "manager", 0, "");
	wall_ms += 1000;
	c1 = add(q, 2, "counter:1", 1, "1024");
	wall_ms += 1000;
	c2 = add(q, 3, "counter:2", 2, "2048");
	wall_ms += 1000;
	c3 = add(q, 4, "evaluator:2", 2, "");

	TQ_OK(q, hq_queue_sessions(q, false, &v, &n));
	assert_int_equal(n, 4);
	assert_string_equal(v[0].id, m.id);      /* oldest first */
	assert_string_equal(v[3].id, c3.id);
	free(v);

	TQ_OK(q, hq_queue_session_revoke(q, m.id, NULL));
	assert_int_equal(state_of(q, m.id), HQ_SESSION_REVOKED);
	TQ_OK(q, hq_queue_session_revoke(q, m.id, "again"));   /* ended already: as it was */
	TQ_ERR(q, HQ_ENOSESSION, hq_queue_session_revoke(q, "00000000", NULL));
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_revoke(q, c1.id, "a reason far longer than thirty-one characters"));

	TQ_OK(q, hq_queue_sessions_revoke(q, "1024", 0, NULL, &count));
	assert_int_equal(count, 1);
	assert_int_equal(state_of(q, c1.id), HQ_SESSION_REVOKED);
	TQ_OK(q, hq_queue_sessions_revoke(q, NULL, 2, NULL, &count));
	assert_int_equal(count, 2);
	assert_int_equal(state_of(q, c2.id), HQ_SESSION_REVOKED);
	assert_int_equal(state_of(q, c3.id), HQ_SESSION_REVOKED);

	wall_ms += 1000;
	add(q, 5, "admin", 0, "");
	add(q, 6, "display", 0, "");
	TQ_OK(q, hq_queue_sessions_revoke(q, NULL, 0, "everyone out", &count));
	assert_int_equal(count, 2);
	TQ_OK(q, hq_queue_sessions(q, false, &v, &n));
	assert_int_equal(n, 0);
	assert_null(v);
	TQ_OK(q, hq_queue_sessions(q, true, &v, &n));
	assert_int_equal(n, 6);
	assert_string_equal(v[5].revoked_why, "everyone out");
	assert_int_equal(v[5].state, HQ_SESSION_REVOKED);
	free(v);

	/* Ended a month ago: purged at a day's roll-over. */
	wall_ms += HQ_SESSION_KEEP_MS + 1000;
	ts_clock_ms += 24 * HOUR;
	TQ_OK(q, hq_queue_rollover(q, NULL));
	TQ_OK(q, hq_queue_sessions(q, true, &v, &n));
	assert_int_equal(n, 0);
	free(v);
	tq_close(q);
}

static void test_bad_input(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_session s = {0};

	(void)state;
	snprintf(s.role, sizeof s.role, "manager");
	snprintf(s.csrf, sizeof s.csrf, "0123456789abcdef");
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, "abc", HOUR, &s));
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, "ABCDEF0000000000000000000000000000000000000000000000000000000000", HOUR, &s));
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, hash_of(1), 0, &s));
	snprintf(s.role, sizeof s.role, "Manager; DROP");
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	snprintf(s.role, sizeof s.role, "manager");
	snprintf(s.csrf, sizeof s.csrf, "short");
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	snprintf(s.csrf, sizeof s.csrf, "0123456789abcdef");
	snprintf(s.address, sizeof s.address, "bad\naddress");
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	snprintf(s.address, sizeof s.address, "::1");
	snprintf(s.token_sha256, sizeof s.token_sha256, "not-a-hash");
	TQ_ERR(q, HQ_EINVAL, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	s.token_sha256[0] = '\0';
	s.counter = 99;
	snprintf(s.clerk, sizeof s.clerk, "1024");
	TQ_ERR(q, HQ_ENOCOUNTER, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	/* Nothing of those was kept; the same hash twice is refused by the database. */
	s.counter = 0;
	s.clerk[0] = '\0';
	TQ_OK(q, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	TQ_ERR(q, HQ_EDB, hq_queue_session_add(q, hash_of(1), HOUR, &s));
	assert_string_equal(hq_session_state_name(HQ_SESSION_EXPIRED), "expired");
	assert_string_equal(hq_session_state_name(99), "unknown");
	tq_close(q);
}

static void test_upgrade_from_4(void **state)
{
	struct hq_queue *q = open_hall();
	sqlite3 *db;

	(void)state;
	tq_live = NULL;
	hq_queue_close(q);
	assert_int_equal(sqlite3_open(ts_db_path(), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE sessions; ALTER TABLE counters DROP COLUMN state_at;"
				      "ALTER TABLE tickets DROP COLUMN est_low_s;"
				      "ALTER TABLE tickets DROP COLUMN est_high_s;"
				      "PRAGMA user_version = 4;", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	q = tq_reopen(NULL);
	hq_queue_set_session_clock(q, wall, NULL);
	add(q, 1, "manager", 0, "");
	tq_close(q);
}

/* Schema 7 keeps each session's token: a session made before it has none (""), and acts
 * on; one made after keeps its token's hash. */
static void test_upgrade_from_6(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_session s = add(q, 1, "manager", 0, ""), got;
	sqlite3 *db;

	(void)state;
	tq_live = NULL;
	hq_queue_close(q);
	assert_int_equal(sqlite3_open(ts_db_path(), &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE sessions DROP COLUMN token_sha256;"
				      "ALTER TABLE tickets DROP COLUMN est_low_s;"
				      "ALTER TABLE tickets DROP COLUMN est_high_s;"
				      "PRAGMA user_version = 6;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	q = tq_reopen(NULL);
	hq_queue_set_session_clock(q, wall, NULL);
	TQ_OK(q, hq_queue_session_find(q, hash_of(1), &got));
	assert_string_equal(got.id, s.id);
	assert_string_equal(got.token_sha256, "");
	memset(&s, 0, sizeof s);
	snprintf(s.role, sizeof s.role, "manager");
	snprintf(s.csrf, sizeof s.csrf, "0123456789abcdef");
	snprintf(s.token_sha256, sizeof s.token_sha256, "%s", hash_of(7));
	TQ_OK(q, hq_queue_session_add(q, hash_of(2), HOUR, &s));
	TQ_OK(q, hq_queue_session_get(q, s.id, &got));
	assert_string_equal(got.token_sha256, hash_of(7));
	tq_close(q);
}

/* A review from the counter's tablet: channel pad, by the counter's last ticket. */
static void test_pad_channel(void **state)
{
	struct hq_queue *q = open_hall();
	struct hq_ticket t;
	struct hq_review r;

	(void)state;
	tq_issue(q, "a", HQ_CLASS_NORMAL);
	t = tq_next(q, 1);
	TQ_OK(q, hq_queue_finish(q, 1, &t));
	TQ_OK(q, hq_queue_review_last(q, 1, 5, 0, HQ_CH_PAD, &r));
	assert_int_equal(r.channel, HQ_CH_PAD);
	assert_string_equal(hq_channel_name(HQ_CH_PAD), "pad");
	assert_int_equal(hq_channel_parse("pad"), HQ_CH_PAD);
	TQ_ERR(q, HQ_ERATED, hq_queue_review_last(q, 1, 4, 0, HQ_CH_PAD, &r));
	TQ_ERR(q, HQ_EINVAL, hq_queue_review(q, t.id, 4, 0, NULL, HQ_CH_MIGRATED, &r));
	tq_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TQ_TEST(test_add_and_find),
		TQ_TEST(test_expiry),
		TQ_TEST(test_clerk_session_bound),
		TQ_TEST(test_revoke_and_list),
		TQ_TEST(test_bad_input),
		TQ_TEST(test_upgrade_from_4),
		TQ_TEST(test_upgrade_from_6),
		TQ_TEST(test_pad_channel),
	};

	ts_setup_tz();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
