/*
 * The web pages' sign-in sessions: what a browser's cookie stands for. Part of the queue
 * library's API (hq_queue.h includes it); hallqd makes and checks them, `hallq sessions`
 * lists and revokes them, both through these calls.
 *
 * The cookie holds a secret that the server made; the database keeps only its sha256 (64
 * lower-case hex digits, which the caller computes: the queue has no hash of its own), so a
 * copy of the database signs nobody in. A session acts as a role ("manager",
 * "counter:3", "evaluator:3", as the tokens file spells them). A clerk's session (clerk not
 * "") is also bound to the clerk's sign-in at its counter: whatever signs that clerk out (a
 * sign-out, another clerk's sign-in, the counter's close, the day's close) ends the session
 * in the same transaction.
 *
 * Times are unix ms of the sessions' own clock, the real one by default: a hall run on a
 * simulated clock (hallqd --clock) still has sessions that last hours, not minutes. Tests
 * move it with hq_queue_set_session_clock.
 */
#ifndef HQ_SESSION_H
#define HQ_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_clock.h"
#include "hq_hall.h"

struct hq_queue;

#define HQ_SESSION_ID_LEN 8        /* hex digits of the public id */
#define HQ_SESSION_HASH_LEN 64     /* hex digits of the secret's sha256 */
#define HQ_SESSION_CSRF_MAX 65     /* the page's CSRF token, up to 64 characters */
#define HQ_SESSION_ROLE_MAX 32
#define HQ_SESSION_ADDR_MAX 64
#define HQ_SESSION_WHY_MAX 128       /* a reason of up to 31 characters */
/* last_seen is written at most this often: a page's every request need not write. */
#define HQ_SESSION_SEEN_MS 60000LL
/* Ended sessions are kept this long for `hallq sessions --all`, then purged at a day's
 * roll-over. */
#define HQ_SESSION_KEEP_MS (30 * 86400000LL)

enum hq_session_state {
	HQ_SESSION_ACTIVE,
	HQ_SESSION_EXPIRED,
	HQ_SESSION_REVOKED,
};

struct hq_session {
	char id[HQ_SESSION_ID_LEN + 1];
	char role[HQ_SESSION_ROLE_MAX];
	int counter;                    /* of the role ("counter:3"), 0 if none */
	char clerk[HQ_CLERK_MAX];       /* "" unless a clerk signed in with their PIN */
	char csrf[HQ_SESSION_CSRF_MAX];
	int64_t created, last_seen, expires;
	char address[HQ_SESSION_ADDR_MAX]; /* where it was made from */
	int64_t revoked_at;             /* 0 while not ended */
	char revoked_why[HQ_SESSION_WHY_MAX];
	/* The hex sha256 of the token that signed it in, "" for a clerk's PIN: hallqd ends the
	 * session when that token leaves its tokens file, even if another token of the same
	 * role stays (a token replaced because it leaked must take its sessions along). */
	char token_sha256[HQ_SESSION_HASH_LEN + 1];
	enum hq_session_state state;    /* as of the call that read it */
};

const char *hq_session_state_name(enum hq_session_state s); /* "active", ... */

/* The sessions' clock (NULL: the real clock, hq_real_now). */
void hq_queue_set_session_clock(struct hq_queue *q, hq_clock_fn fn, void *ud);

/*
 * A new session: s gives role, counter, clerk, csrf, address and token_sha256 ("" or 64
 * lower-case hex digits); the call gives it an id,
 * created = last_seen = now and expires = now + ttl_ms, and s gets them. secret_sha256 is
 * the hex sha256 of the cookie's secret. A clerk's session needs that clerk signed in at
 * the counter now (HQ_ESIGNIN otherwise). HQ_EINVAL for a malformed hash, role, csrf or a
 * ttl_ms that is not positive.
 */
int hq_queue_session_add(struct hq_queue *q, const char *secret_sha256, int64_t ttl_ms,
			 struct hq_session *s);
/*
 * The session whose secret has this sha256. HQ_OK only for an active one, whose last_seen
 * is brought up to date (at most once in HQ_SESSION_SEEN_MS). HQ_ENOSESSION otherwise, with
 * the message saying why (unknown, expired when, ended when and why); out is filled when
 * the session is known (out->id[0] is '\0' when not).
 */
int hq_queue_session_find(struct hq_queue *q, const char *secret_sha256, struct hq_session *out);
/* The session `id`, in any state; HQ_ENOSESSION when there is none. */
int hq_queue_session_get(struct hq_queue *q, const char *id, struct hq_session *out);
/* The active sessions (all: every one still kept), oldest first, into a malloc'd array the
 * caller frees (NULL when none). */
int hq_queue_sessions(struct hq_queue *q, bool all, struct hq_session **out, size_t *n);
/* End the session `id` now, with why (NULL: "revoked"). HQ_ENOSESSION for an unknown id;
 * one ended already stays as it was (HQ_OK). */
int hq_queue_session_revoke(struct hq_queue *q, const char *id, const char *why);
/* End every active session of clerk (NULL or "": any clerk, or none) at counter (0: any),
 * so both empty ends them all; *n (may be NULL) gets how many. */
int hq_queue_sessions_revoke(struct hq_queue *q, const char *clerk, int counter, const char *why,
			     int *n);

#endif
