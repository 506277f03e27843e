/*
 * The web pages' sign-in sessions (hq_session.h): made, found by the sha256 of their
 * cookie's secret, listed and ended. The clerk's sessions that a sign-out ends are ended by
 * roster.c, where the clerk changes; this file only reads the counter's clerk, when a
 * clerk's session is made, to bind it to a sign-in that holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

static const char *const state_names[] = {"active", "expired", "revoked"};

const char *hq_session_state_name(enum hq_session_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "unknown";
}

static bool all_of(const char *s, size_t lo, size_t hi, const char *set)
{
	size_t n = s ? strlen(s) : 0;

	return n >= lo && n <= hi && strspn(s, set) == n;
}

static bool hash_ok(const char *h)
{
	return all_of(h, HQ_SESSION_HASH_LEN, HQ_SESSION_HASH_LEN, "0123456789abcdef");
}

/* The public id: 32 random bits in hex, from the kernel. */
static int new_id(struct hq_queue *q, char out[HQ_SESSION_ID_LEN + 1])
{
	unsigned char b[HQ_SESSION_ID_LEN / 2];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return hq__fail(q, HQ_EIO, "no random bytes for a session's id");
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return HQ_OK;
}

/* A row of HQ_SESSION_COLS, with its state as of now. */
static void read_row(struct hq_queue *q, sqlite3_stmt *s, struct hq_session *out)
{
	memset(out, 0, sizeof *out);
	hq__copy_col(out->id, sizeof out->id, s, 0);
	hq__copy_col(out->role, sizeof out->role, s, 1);
	out->counter = sqlite3_column_int(s, 2);
	hq__copy_col(out->clerk, sizeof out->clerk, s, 3);
	hq__copy_col(out->csrf, sizeof out->csrf, s, 4);
	out->created = sqlite3_column_int64(s, 5);
	out->last_seen = sqlite3_column_int64(s, 6);
	out->expires = sqlite3_column_int64(s, 7);
	hq__copy_col(out->address, sizeof out->address, s, 8);
	out->revoked_at = sqlite3_column_int64(s, 9);
	hq__copy_col(out->revoked_why, sizeof out->revoked_why, s, 10);
	hq__copy_col(out->token_sha256, sizeof out->token_sha256, s, 11);
	out->state = out->revoked_at ? HQ_SESSION_REVOKED
		     : hq__wall_now(q) >= out->expires ? HQ_SESSION_EXPIRED : HQ_SESSION_ACTIVE;
}

/* One session by its hash or id: 1 found, 0 not, or an error. */
static int load(struct hq_queue *q, enum hq_sql which, const char *key, struct hq_session *out)
{
	sqlite3_stmt *s = hq__stmt(q, which);
	int rc;

	hq__bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_row(q, s, out);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : hq__dberr(q, rc);
}

/* The clerk signed in at the counter now, into clerk. */
static int counter_clerk(struct hq_queue *q, int counter, char *clerk, size_t len)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_GET);
	int rc;

	sqlite3_bind_int(s, 1, counter);
	clerk[0] = '\0';
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		hq__copy_col(clerk, len, s, 2);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

static int add_locked(struct hq_queue *q, const char *hash, int64_t ttl_ms, struct hq_session *in)
{
	char now_clerk[HQ_CLERK_MAX];
	sqlite3_stmt *s;
	int rc, tries;

	if (!hash_ok(hash))
		return hq__fail(q, HQ_EINVAL, "a session's secret is kept as 64 hex digits of its sha256");
	if (!all_of(in->role, 1, HQ_SESSION_ROLE_MAX - 1, "abcdefghijklmnopqrstuvwxyz0123456789:"))
		return hq__fail(q, HQ_EINVAL, "role '%s' is not a role of the tokens file", in->role);
	if (!all_of(in->csrf, 16, HQ_SESSION_CSRF_MAX - 1,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))
		return hq__fail(q, HQ_EINVAL, "a CSRF token is 16 to %d of A-Z a-z 0-9 _ -",
				HQ_SESSION_CSRF_MAX - 1);
	if (in->token_sha256[0] && !hash_ok(in->token_sha256))
		return hq__fail(q, HQ_EINVAL, "a session's token is kept as 64 hex digits of its sha256");
	if (ttl_ms <= 0)
		return hq__fail(q, HQ_EINVAL, "a session must last longer than 0 ms");
	if (in->counter < 0 || in->counter > 9999)
		return hq__fail(q, HQ_EINVAL, "counter %d is out of range", in->counter);
	if (in->clerk[0]) {
		if (!hq_config_counter(q->cfg, in->counter))
			return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", in->counter);
		if ((rc = counter_clerk(q, in->counter, now_clerk, sizeof now_clerk)))
			return rc;
		if (strcmp(now_clerk, in->clerk))
			return hq__fail(q, HQ_ESIGNIN, "clerk %s is not signed in at counter %d",
					in->clerk, in->counter);
	}
	if ((rc = hq__check_text(q, "the address", in->address, HQ_SESSION_ADDR_MAX - 1, false)))
		return rc;
	in->created = in->last_seen = hq__wall_now(q);
	in->expires = in->created + ttl_ms;
	in->revoked_at = 0;
	in->revoked_why[0] = '\0';
	in->state = HQ_SESSION_ACTIVE;
	/* 32 bits of id: a clash is rare, and then another id is drawn. */
	for (tries = 0; tries < 8; tries++) {
		struct hq_session was;

		if ((rc = new_id(q, in->id)))
			return rc;
		if ((rc = load(q, SQL_SESSION_BY_ID, in->id, &was)) < 0)
			return rc;
		if (rc == 0)
			break;
	}
	if (tries == 8)
		return hq__fail(q, HQ_EIO, "no free session id after 8 tries");
	s = hq__stmt(q, SQL_SESSION_ADD);
	hq__bind_text(s, 1, in->id);
	hq__bind_text(s, 2, hash);
	hq__bind_text(s, 3, in->role);
	sqlite3_bind_int(s, 4, in->counter);
	hq__bind_text(s, 5, in->clerk);
	hq__bind_text(s, 6, in->csrf);
	sqlite3_bind_int64(s, 7, in->created);
	sqlite3_bind_int64(s, 8, in->expires);
	hq__bind_text(s, 9, in->address);
	hq__bind_text(s, 10, in->token_sha256);
	return hq__exec(q, s);
}

int hq_queue_session_add(struct hq_queue *q, const char *secret_sha256, int64_t ttl_ms,
			 struct hq_session *s)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : add_locked(q, secret_sha256, ttl_ms, s));
}

static int find_locked(struct hq_queue *q, const char *hash, struct hq_session *out)
{
	char when[32];
	sqlite3_stmt *s;
	int rc;

	if (!hash_ok(hash))
		return hq__fail(q, HQ_ENOSESSION, "that is not a session's secret");
	if ((rc = load(q, SQL_SESSION_BY_HASH, hash, out)) < 0)
		return rc;
	if (rc == 0)
		return hq__fail(q, HQ_ENOSESSION, "that session is not known here; sign in again");
	if (out->state == HQ_SESSION_REVOKED) {
		hq_format_local_time(out->revoked_at, when, sizeof when);
		return hq__fail(q, HQ_ENOSESSION, "session %s was ended at %s (%s); sign in again",
				out->id, when, out->revoked_why);
	}
	if (out->state == HQ_SESSION_EXPIRED) {
		hq_format_local_time(out->expires, when, sizeof when);
		return hq__fail(q, HQ_ENOSESSION, "session %s expired at %s; sign in again", out->id,
				when);
	}
	if (hq__wall_now(q) - out->last_seen < HQ_SESSION_SEEN_MS)
		return HQ_OK;
	out->last_seen = hq__wall_now(q);
	s = hq__stmt(q, SQL_SESSION_SEEN);
	hq__bind_text(s, 1, out->id);
	sqlite3_bind_int64(s, 2, out->last_seen);
	return hq__exec(q, s);
}

int hq_queue_session_find(struct hq_queue *q, const char *secret_sha256, struct hq_session *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = hq__begin(q, true);
	return hq__end(q, rc ? rc : find_locked(q, secret_sha256, out));
}

static int get_locked(struct hq_queue *q, const char *id, struct hq_session *out)
{
	int rc = load(q, SQL_SESSION_BY_ID, id ? id : "", out);

	if (rc == 0)
		return hq__fail(q, HQ_ENOSESSION, "no session '%s'", id ? id : "");
	return rc < 0 ? rc : HQ_OK;
}

int hq_queue_session_get(struct hq_queue *q, const char *id, struct hq_session *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = hq__begin(q, false);
	return hq__end(q, rc ? rc : get_locked(q, id, out));
}

static int list_locked(struct hq_queue *q, bool all, struct hq_session **out, size_t *n)
{
	struct hq_session *v = NULL, *grown;
	sqlite3_stmt *s = hq__stmt(q, SQL_SESSION_ALL);
	size_t cap = 0;
	int rc;

	sqlite3_bind_int(s, 1, all);
	sqlite3_bind_int64(s, 2, hq__wall_now(q));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				sqlite3_reset(s);
				free(v);
				*n = 0;
				return hq__fail(q, HQ_ENOMEM, "out of memory listing the sessions");
			}
			v = grown;
		}
		read_row(q, s, &v[(*n)++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return hq__dberr(q, rc);
	}
	*out = v;
	return HQ_OK;
}

int hq_queue_sessions(struct hq_queue *q, bool all, struct hq_session **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	rc = hq__begin(q, false);
	return hq__end(q, rc ? rc : list_locked(q, all, out, n));
}

static int revoke_locked(struct hq_queue *q, const char *id, const char *why)
{
	struct hq_session was;
	sqlite3_stmt *s;
	int rc;

	if ((rc = get_locked(q, id, &was)))
		return rc;
	s = hq__stmt(q, SQL_SESSION_REVOKE);
	hq__bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, hq__wall_now(q));
	hq__bind_text(s, 3, why);
	return hq__exec(q, s);
}

static int check_why(struct hq_queue *q, const char **why)
{
	if (!*why || !**why)
		*why = "revoked";
	return hq__check_text(q, "the reason", *why, 31, false);
}

int hq_queue_session_revoke(struct hq_queue *q, const char *id, const char *why)
{
	int rc = hq__begin(q, true);

	if (rc == HQ_OK)
		rc = check_why(q, &why);
	return hq__end(q, rc ? rc : revoke_locked(q, id, why));
}

int hq_queue_sessions_revoke(struct hq_queue *q, const char *clerk, int counter, const char *why,
			     int *n)
{
	sqlite3_stmt *s;
	int rc = hq__begin(q, true);

	if (n)
		*n = 0;
	if (rc == HQ_OK)
		rc = check_why(q, &why);
	if (rc)
		return hq__end(q, rc);
	s = hq__stmt(q, SQL_SESSION_REVOKE_WHERE);
	hq__bind_text(s, 1, clerk);
	sqlite3_bind_int(s, 2, counter);
	sqlite3_bind_int64(s, 3, hq__wall_now(q));
	hq__bind_text(s, 4, why);
	rc = hq__exec(q, s);
	if (rc == HQ_OK && n)
		*n = sqlite3_changes(q->db);
	return hq__end(q, rc);
}
