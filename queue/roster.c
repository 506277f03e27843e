/*
 * Who works at the counters, as the rules handle it: a clerk's entry in the roster (the
 * config's [clerk ID] first, then the database's clerks), and signing clerks in and out.
 * Each sign-in opens a row of the signins table and each sign-out closes it, whatever ends
 * it: the clerk, the counter's close, the day's close or another clerk signing in at the
 * counter; so the appraisal can sum the hours a clerk was signed in. Whatever ends it also
 * ends the clerk's web sessions of that counter (hq_session.h), in the same transaction, so
 * that a page signed in by a clerk never acts for the next one. The public entry points
 * (clerk.c), the counter's close (queue.c) and the day's close (day.c) build on these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int hq__roster_find(struct hq_queue *q, const char *id, char *name, size_t namelen,
		    char *hash, size_t hashlen)
{
	const struct hq_clerk_cfg *cc = hq_config_clerk(q->cfg, id);
	sqlite3_stmt *s;
	int rc;

	if (cc) {
		if (name)
			snprintf(name, namelen, "%s", cc->name);
		if (hash)
			snprintf(hash, hashlen, "%s", cc->pin_hash);
		return 1;
	}
	s = hq__stmt(q, SQL_CLERK_GET);
	hq__bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		bool active = sqlite3_column_int(s, 2) != 0;

		if (active && name)
			hq__copy_col(name, namelen, s, 0);
		if (active && hash)
			hq__copy_col(hash, hashlen, s, 1);
		sqlite3_reset(s);
		return active ? 1 : 0;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : hq__dberr(q, rc);
}

/* The clerk signed in at the counter ("" for nobody), from the counter's row. */
static int counter_clerk(struct hq_queue *q, int counter, char *clerk, size_t len)
{
	sqlite3_stmt *s;
	int rc;

	if (!hq_config_counter(q->cfg, counter))
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", counter);
	s = hq__stmt(q, SQL_COUNTER_GET);
	sqlite3_bind_int(s, 1, counter);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		hq__copy_col(clerk, len, s, 2);
		sqlite3_reset(s);
		return HQ_OK;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	return hq__fail(q, HQ_ENOCOUNTER, "counter %d has no record; run hallq init again", counter);
}

/* counters.clerk; a sign-out also clears active_at: the counter is no longer at work
 * (estimate.c). */
static int set_clerk(struct hq_queue *q, int counter, const char *clerk)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_SET_CLERK);

	sqlite3_bind_int(s, 1, counter);
	hq__bind_text(s, 2, clerk);
	sqlite3_bind_int64(s, 3, *clerk ? q->now : 0);
	return hq__exec(q, s);
}

static int end_signin(struct hq_queue *q, int counter)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_SIGNIN_END);

	sqlite3_bind_int(s, 1, counter);
	sqlite3_bind_int64(s, 2, q->now);
	return hq__exec(q, s);
}

/* Is the counter's open signins row this clerk's? (A database from before schema 4 has a
 * clerk signed in without one.) */
static int signin_open_for(struct hq_queue *q, int counter, const char *clerk, bool *open)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_SIGNIN_OPEN_CLERK);
	int rc;

	sqlite3_bind_int(s, 1, counter);
	rc = sqlite3_step(s);
	*open = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(s, 0), clerk);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

/* Why a clerk's sessions ended, by the signed_out event's value (enum hq__signout). */
static const char *const session_why[] = {"clerk signed out", "counter closed", "day closed",
					  "another clerk signed in"};

/* End the clerk sessions of the counter but those of `keep` ("" for none). */
static int end_sessions(struct hq_queue *q, int counter, const char *keep, enum hq__signout why)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_SESSION_END_COUNTER);

	sqlite3_bind_int(s, 1, counter);
	hq__bind_text(s, 2, keep);
	sqlite3_bind_int64(s, 3, hq__wall_now(q));
	hq__bind_text(s, 4, session_why[why]);
	return hq__exec(q, s);
}

int hq__sign_out(struct hq_queue *q, int counter, enum hq__signout why, bool always)
{
	char was[HQ_CLERK_MAX];
	int rc;

	if ((rc = counter_clerk(q, counter, was, sizeof was)))
		return rc;
	if (!*was && !always)
		return HQ_OK;
	if ((rc = end_signin(q, counter)) || (rc = set_clerk(q, counter, "")) ||
	    (rc = end_sessions(q, counter, "", why)))
		return rc;
	return hq__event(q, "signed_out", NULL, counter, (int)why, was);
}

int hq__sign_in(struct hq_queue *q, int counter, const char *clerk, int how)
{
	char was[HQ_CLERK_MAX];
	bool open;
	int rc;

	if ((rc = counter_clerk(q, counter, was, sizeof was)))
		return rc;
	/* The same clerk again (a repeated key sequence) keeps the sign-in running. */
	if (*was && strcmp(was, clerk) && (rc = hq__sign_out(q, counter, HQ__OUT_REPLACED, false)))
		return rc;
	if ((rc = signin_open_for(q, counter, clerk, &open)))
		return rc;
	if (!open) {
		sqlite3_stmt *s;

		if ((rc = end_signin(q, counter)))
			return rc;
		s = hq__stmt(q, SQL_SIGNIN_ADD);
		sqlite3_bind_int(s, 1, counter);
		hq__bind_text(s, 2, clerk);
		sqlite3_bind_int64(s, 3, q->now);
		if ((rc = hq__exec(q, s)))
			return rc;
	}
	/* A session left by an earlier clerk (the counter's clerk cleared by hand, or a
	 * database from before sessions) does not carry over to this one. */
	if ((rc = set_clerk(q, counter, clerk)) ||
	    (rc = end_sessions(q, counter, clerk, HQ__OUT_REPLACED)))
		return rc;
	return hq__event(q, "signed_in", NULL, counter, how, clerk);
}

int hq__sign_out_all(struct hq_queue *q, bool idle)
{
	struct { int counter; char clerk[HQ_CLERK_MAX]; } *who = NULL;
	sqlite3_stmt *s;
	size_t n = 0, cap = 0, i;
	int rc;

	/* The rows first, each as of the counter's last work (before the clerks' sign-outs
	 * below clear it) or now. */
	s = hq__stmt(q, idle ? SQL_SIGNIN_END_IDLE : SQL_SIGNIN_END_ALL);
	sqlite3_bind_int64(s, 1, q->now);
	if ((rc = hq__exec(q, s)))
		return rc;
	s = hq__stmt(q, SQL_COUNTER_CLERKS);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			void *grown;

			cap = cap ? cap * 2 : 32;
			if (!(grown = realloc(who, cap * sizeof *who))) {
				sqlite3_reset(s);
				free(who);
				return hq__fail(q, HQ_ENOMEM, "out of memory signing the clerks out");
			}
			who = grown;
		}
		who[n].counter = sqlite3_column_int(s, 0);
		hq__copy_col(who[n].clerk, sizeof who[n].clerk, s, 1);
		n++;
	}
	sqlite3_reset(s);
	rc = rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
	if (rc == HQ_OK) {
		s = hq__stmt(q, SQL_SESSION_END_CLERKS);
		sqlite3_bind_int64(s, 1, hq__wall_now(q));
		hq__bind_text(s, 2, session_why[HQ__OUT_DAY]);
		rc = hq__exec(q, s);
	}
	for (i = 0; i < n && rc == HQ_OK; i++)
		if ((rc = set_clerk(q, who[i].counter, "")) == HQ_OK)
			rc = hq__event(q, "signed_out", NULL, who[i].counter, HQ__OUT_DAY, who[i].clerk);
	free(who);
	return rc;
}
