/*
 * The national 政务服务"好差评" evaluation (hq_review.h): a citizen's review of a finished
 * ticket, from the counter unit's evaluator keys, the phone, the kiosk or an external
 * system, one per ticket; the case (差评整改) a bad review opens, taken through its steps
 * with due dates in working days; and the reads of both. docs/queue.md, "Reviews (好差评)",
 * states the rules. Like queue.c it stands on ticket.c, day.c and db.c, and it calls
 * neither queue.c nor stats.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COUNT(table) (sizeof table / sizeof table[0])

static const char *const channel_names[] = {"unit", "phone", "kiosk", "api", "migrated", "pad"};
static const char *const case_state_names[] = {"open", "verified", "rectified", "revisited",
					       "closed"};
/* What takes a case to each state, for the sentences of a refusal. */
static const char *const step_verbs[] = {"open", "verify", "rectify", "revisit", "close"};

const char *hq_channel_name(enum hq_channel c)
{
	return (unsigned)c < COUNT(channel_names) ? channel_names[c] : "unknown";
}

int hq_channel_parse(const char *s)
{
	for (size_t i = 0; s && i < COUNT(channel_names); i++)
		if (!strcmp(channel_names[i], s))
			return (int)i;
	return -1;
}

const char *hq_case_state_name(enum hq_case_state s)
{
	return (unsigned)s < COUNT(case_state_names) ? case_state_names[s] : "unknown";
}

int hq_case_state_parse(const char *s)
{
	for (size_t i = 0; s && i < COUNT(case_state_names); i++)
		if (!strcmp(case_state_names[i], s))
			return (int)i;
	return -1;
}

/* Checks ----------------------------------------------------------------------------- */

/* A comment or a note: NULL or "" for none, else text of at most HQ_COMMENT_CHARS, on
 * any number of lines. */
static int check_text(struct hq_queue *q, const char *what, const char *text)
{
	return hq__check_text(q, what, text, HQ_COMMENT_CHARS, true);
}

static int check_review(struct hq_queue *q, int level, unsigned reasons, const char *comment,
			enum hq_channel channel)
{
	if (level < HQ_LEVEL_MIN || level > HQ_LEVEL_MAX)
		return hq__fail(q, HQ_EINVAL, "level %d is not one of 1 (非常不满意) to 5 (非常满意)",
				level);
	if (reasons & ~HQ_REASONS_ALL)
		return hq__fail(q, HQ_EINVAL, "reasons 0x%x are not efficiency, skill, attitude or "
				"other", reasons);
	if (level <= HQ_LEVEL_BAD && !reasons)
		return hq__fail(q, HQ_EINVAL, "a review at level %d (%s) needs at least one reason: "
				"efficiency (服务效率), skill (服务水平), attitude (服务态度) or other "
				"(其他)", level, hq_level_name(level));
	if (level > HQ_LEVEL_BAD && reasons)
		return hq__fail(q, HQ_EINVAL, "a review at level %d (%s) takes no reasons: they "
				"are for levels 1 and 2", level, hq_level_name(level));
	if ((unsigned)channel > HQ_CH_PAD || channel == HQ_CH_MIGRATED)
		return hq__fail(q, HQ_EINVAL, "channel %d is not unit, phone, kiosk, api or pad", channel);
	return check_text(q, "the comment", comment);
}

/* Rows -------------------------------------------------------------------------------- */

/* A review from HQ_REVIEW_COLS, starting at column col. */
static void review_row(sqlite3_stmt *s, int col, struct hq_review *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, col);
	r->ticket_id = sqlite3_column_int64(s, col + 1);
	hq__copy_col(r->day, sizeof r->day, s, col + 2);
	hq__copy_col(r->label, sizeof r->label, s, col + 3);
	hq__copy_col(r->service, sizeof r->service, s, col + 4);
	r->counter = sqlite3_column_int(s, col + 5);
	hq__copy_col(r->clerk, sizeof r->clerk, s, col + 6);
	r->level = sqlite3_column_int(s, col + 7);
	r->reasons = (unsigned)sqlite3_column_int(s, col + 8);
	hq__copy_col(r->comment, sizeof r->comment, s, col + 9);
	r->channel = sqlite3_column_int(s, col + 10);
	r->at = sqlite3_column_int64(s, col + 11);
	r->updated_at = sqlite3_column_int64(s, col + 12);
	r->case_id = sqlite3_column_int64(s, col + 13);
}

static bool overdue(const struct hq_case *c, const char *today)
{
	return hq__case_overdue(c->state, c->rectify_due, c->revisit_due, today);
}

/* A case from HQ_CASE_COLS, overdue as of the hall's clock. */
static void case_row(struct hq_queue *q, sqlite3_stmt *s, struct hq_case *c)
{
	char today[11];

	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	c->state = sqlite3_column_int(s, 1);
	c->opened_at = sqlite3_column_int64(s, 2);
	c->updated_at = sqlite3_column_int64(s, 3);
	hq__copy_col(c->rectify_due, sizeof c->rectify_due, s, 4);
	hq__copy_col(c->revisit_due, sizeof c->revisit_due, s, 5);
	review_row(s, 6, &c->review);
	hq_local_day(q->now, today);
	c->overdue = overdue(c, today);
}

/* The ticket's review into r; r->id is 0 when it has none. */
static int get_review(struct hq_queue *q, int64_t ticket_id, struct hq_review *r)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_REVIEW_OF_TICKET);
	int rc;

	memset(r, 0, sizeof *r);
	sqlite3_bind_int64(s, 1, ticket_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		review_row(s, 0, r);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

static int get_case(struct hq_queue *q, int64_t id, struct hq_case *c)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_CASE_GET);
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		case_row(q, s, c);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return HQ_OK;
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	return hq__fail(q, HQ_ENOCASE, "no bad-review case %lld", (long long)id);
}

/* The case's steps ---------------------------------------------------------------------- */

/* Record a step of case c of ticket t, and its event: case_step, or case_opened when it
 * (re)opens the case, whose value is the case id and detail the rectify due date. */
static int add_step(struct hq_queue *q, const struct hq_case *c, const struct hq_ticket *t,
		    enum hq_case_state state, const char *who, const char *note)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_CASE_STEP_ADD);
	int rc;

	sqlite3_bind_int64(s, 1, c->id);
	sqlite3_bind_int(s, 2, state);
	hq__bind_text(s, 3, who);
	sqlite3_bind_int64(s, 4, q->now);
	hq__bind_text(s, 5, note);
	if ((rc = hq__exec(q, s)))
		return rc;
	if (state == HQ_CASE_OPEN)
		return hq__event(q, "case_opened", t, t->counter, (int)c->id, c->rectify_due);
	return hq__event(q, "case_step", t, t->counter, state, who);
}

/* Set a case's state (and its revisit due date) now. */
static int set_case_state(struct hq_queue *q, int64_t id, enum hq_case_state state,
			  const char *revisit_due)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_CASE_SET_STATE);

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, state);
	sqlite3_bind_int64(s, 3, q->now);
	hq__bind_text(s, 4, revisit_due);
	return hq__exec(q, s);
}

/* The date n working days after today, by the hall's calendar. */
static int due_after(struct hq_queue *q, int n, char out[11])
{
	char today[11];

	hq_local_day(q->now, today);
	if (hq_config_add_working_days(q->cfg, today, n, out))
		return hq__fail(q, HQ_EINVAL, "no date %d working days after %s", n, today);
	return HQ_OK;
}

/*
 * A bad review r of ticket t: its case opens, or opens again if a change of the review to
 * a good one closed it. Rectification is due rectify_working_days after today.
 */
static int open_case(struct hq_queue *q, const struct hq_review *r, const struct hq_ticket *t)
{
	struct hq_case c = {.id = r->case_id};
	char note[160], reasons[48];
	sqlite3_stmt *s;
	int rc;

	if ((rc = due_after(q, q->cfg->rectify_working_days, c.rectify_due)))
		return rc;
	s = hq__stmt(q, c.id ? SQL_CASE_REOPEN : SQL_CASE_INSERT);
	sqlite3_bind_int64(s, 1, c.id ? c.id : r->id);
	sqlite3_bind_int64(s, 2, q->now);
	hq__bind_text(s, 3, c.rectify_due);
	if ((rc = hq__exec(q, s)))
		return rc;
	if (!c.id)
		c.id = sqlite3_last_insert_rowid(q->db);
	hq_reasons_format(r->reasons, reasons, sizeof reasons);
	snprintf(note, sizeof note, "%s a level-%d (%s) review from the %s; reasons: %s",
		 r->case_id ? "reopened by" : "opened by", r->level, hq_level_name(r->level),
		 hq_channel_name(r->channel), reasons);
	return add_step(q, &c, t, HQ_CASE_OPEN, HQ_CASE_SYSTEM, note);
}

/* A bad review changed to a good one within the edit window: its case, if still open, is
 * closed with a note; nothing is left to put right. */
static int close_by_change(struct hq_queue *q, const struct hq_review *r, const struct hq_ticket *t)
{
	struct hq_case c;
	char note[160];
	int rc;

	if ((rc = get_case(q, r->case_id, &c)) || c.state == HQ_CASE_CLOSED)
		return rc;
	if ((rc = set_case_state(q, c.id, HQ_CASE_CLOSED, c.revisit_due)))
		return rc;
	snprintf(note, sizeof note, "closed: the review was changed to level %d (%s) within "
		 "the edit window", r->level, hq_level_name(r->level));
	return add_step(q, &c, t, HQ_CASE_CLOSED, HQ_CASE_SYSTEM, note);
}

/* Reviews -------------------------------------------------------------------------------- */

int64_t hq_review_edit_until(const struct hq_config *cfg, const struct hq_review *rv)
{
	return cfg->review_edit_minutes ? rv->at + cfg->review_edit_minutes * 60000LL : 0;
}

/* Review ticket t (loaded, in this transaction); the arguments were checked. */
static int write_review(struct hq_queue *q, const struct hq_ticket *t, int level, unsigned reasons,
			const char *comment, enum hq_channel channel, struct hq_review *out)
{
	struct hq_review old, now;
	sqlite3_stmt *s;
	int minutes = q->cfg->review_edit_minutes, rc;
	int64_t until;

	if (t->state != HQ_T_DONE)
		return hq__fail(q, HQ_ESTATE, "ticket %s is %s; only a finished ticket can be reviewed",
				t->label, hq_tstate_name(t->state));
	if ((rc = get_review(q, t->id, &old)))
		return rc;
	until = hq_review_edit_until(q->cfg, &old);
	if (old.id && (!until || q->now > until)) {
		char when[32];

		hq_format_local_time(old.at, when, sizeof when);
		return hq__fail(q, HQ_ERATED, "ticket %s was reviewed at %s (level %d, %s); a review "
				"can be changed only within %d minutes of it", t->label, when,
				old.level, hq_level_name(old.level), minutes);
	}
	if (old.id) {
		s = hq__stmt(q, SQL_REVIEW_UPDATE);
		sqlite3_bind_int64(s, 1, old.id);
		sqlite3_bind_int(s, 2, level);
		sqlite3_bind_int(s, 3, (int)reasons);
		hq__bind_text(s, 4, comment);
		sqlite3_bind_int(s, 5, channel);
		sqlite3_bind_int64(s, 6, q->now);
	} else {
		s = hq__stmt(q, SQL_REVIEW_INSERT);
		sqlite3_bind_int64(s, 1, t->id);
		hq__bind_text(s, 2, t->day);
		hq__bind_text(s, 3, t->service);
		sqlite3_bind_int(s, 4, t->counter);
		hq__bind_text(s, 5, t->clerk);
		sqlite3_bind_int(s, 6, level);
		sqlite3_bind_int(s, 7, (int)reasons);
		hq__bind_text(s, 8, comment);
		sqlite3_bind_int(s, 9, channel);
		sqlite3_bind_int64(s, 10, q->now);
	}
	if ((rc = hq__exec(q, s)))
		return rc;
	/* The ticket's rating is the level: the statistics and the ticket's JSON read it. */
	s = hq__stmt(q, SQL_TICKET_RATE);
	sqlite3_bind_int64(s, 1, t->id);
	sqlite3_bind_int(s, 2, level);
	if ((rc = hq__exec(q, s)) ||
	    (rc = hq__event(q, old.id ? "review_changed" : "reviewed", t, t->counter, level,
			    hq_channel_name(channel))) ||
	    (rc = get_review(q, t->id, &now)))
		return rc;
	if (level <= HQ_LEVEL_BAD) {
		struct hq_case c;

		/* A new bad review, or a good one made bad: a case to follow up, or again when a
		 * change to the good level had closed it. A bad one made another bad level goes
		 * on with its case. */
		if (!now.case_id)
			rc = open_case(q, &now, t);
		else if (old.level > HQ_LEVEL_BAD && !(rc = get_case(q, now.case_id, &c)) &&
			 c.state == HQ_CASE_CLOSED)
			rc = open_case(q, &now, t);
	} else if (now.case_id) {
		rc = close_by_change(q, &now, t);
	}
	if (rc == HQ_OK && out)
		rc = get_review(q, t->id, out);
	return rc;
}

static int review_locked(struct hq_queue *q, int64_t ticket_id, int level, unsigned reasons,
			 const char *comment, enum hq_channel channel, struct hq_review *out)
{
	struct hq_ticket t;
	int rc;

	if ((rc = check_review(q, level, reasons, comment, channel)) ||
	    (rc = hq__load_ticket(q, ticket_id, &t)))
		return rc;
	return write_review(q, &t, level, reasons, comment, channel, out);
}

int hq_queue_review(struct hq_queue *q, int64_t ticket_id, int level, unsigned reasons,
		    const char *comment, enum hq_channel channel, struct hq_review *out)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : review_locked(q, ticket_id, level, reasons, comment, channel, out));
}

/* The counter's last finished ticket, reviewed by its keys; its id into *id. */
static int last_locked(struct hq_queue *q, int counter, int level, unsigned reasons,
		       enum hq_channel channel, struct hq_review *out, int64_t *id)
{
	sqlite3_stmt *s;
	struct hq_review old;
	struct hq_ticket t;
	int64_t ago;
	int rc;

	if (!hq_config_counter(q->cfg, counter))
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", counter);
	s = hq__stmt(q, SQL_COUNTER_GET);
	sqlite3_bind_int(s, 1, counter);
	rc = sqlite3_step(s);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 4) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	if (!*id)
		return hq__fail(q, HQ_ENOTICKET, "counter %d has finished no ticket to review", counter);
	/* The keys cannot say why: a bad review from them is for another reason (其他). */
	if (level >= HQ_LEVEL_MIN && level <= HQ_LEVEL_BAD && !reasons)
		reasons = HQ_REASON_OTHER;
	if ((rc = check_review(q, level, reasons, NULL, channel)) ||
	    (rc = hq__load_ticket(q, *id, &t)) || (rc = get_review(q, t.id, &old)))
		return rc;
	ago = q->now - t.ended_at;
	if (ago > HQ_REVIEW_LAST_WINDOW_MS)
		return hq__fail(q, HQ_ESTATE, "counter %d's last ticket %s was finished %lld s ago; "
				"it is reviewed this way only within %lld s of its finish", counter,
				t.label, (long long)(ago / 1000),
				(long long)(HQ_REVIEW_LAST_WINDOW_MS / 1000));
	if (old.id && old.channel == channel)
		return hq__fail(q, HQ_ERATED, "ticket %s was reviewed from the %s already (level %d, "
				"%s)", t.label, hq_channel_name(channel), old.level,
				hq_level_name(old.level));
	return write_review(q, &t, level, reasons, NULL, channel, out);
}

int hq_queue_review_last(struct hq_queue *q, int counter, int level, unsigned reasons,
			 enum hq_channel channel, struct hq_review *out)
{
	int64_t id;
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : last_locked(q, counter, level, reasons, channel, out, &id));
}

/* The shorthand of a rating: from the API, with the reason "other" when bad. */
static unsigned rate_reasons(int level)
{
	return level >= HQ_LEVEL_MIN && level <= HQ_LEVEL_BAD ? HQ_REASON_OTHER : 0;
}

int hq_queue_rate(struct hq_queue *q, int64_t id, int level, struct hq_ticket *out)
{
	int rc = hq__begin(q, true);

	if (rc == HQ_OK)
		rc = review_locked(q, id, level, rate_reasons(level), NULL, HQ_CH_API, NULL);
	if (rc == HQ_OK && out)
		rc = hq__load_ticket(q, id, out);
	return hq__end(q, rc);
}

int hq_queue_rate_last(struct hq_queue *q, int counter, int level, struct hq_ticket *out)
{
	int64_t id = 0;
	int rc = hq__begin(q, true);

	if (rc == HQ_OK)
		rc = last_locked(q, counter, level, rate_reasons(level), HQ_CH_API, NULL, &id);
	if (rc == HQ_OK && out)
		rc = hq__load_ticket(q, id, out);
	return hq__end(q, rc);
}

/* Reads ----------------------------------------------------------------------------------- */

static int ticket_review_locked(struct hq_queue *q, int64_t ticket_id, struct hq_review *out)
{
	struct hq_ticket t;
	int rc = hq__load_ticket(q, ticket_id, &t);

	return rc ? rc : get_review(q, ticket_id, out);
}

int hq_queue_ticket_review(struct hq_queue *q, int64_t ticket_id, struct hq_review *out)
{
	int rc = hq__begin(q, false);

	memset(out, 0, sizeof *out);
	return hq__end(q, rc ? rc : ticket_review_locked(q, ticket_id, out));
}

static int reviews_locked(struct hq_queue *q, int64_t from, int64_t to, int level,
			  struct hq_review **out, size_t *n)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_REVIEW_RANGE);
	size_t cap = 0;
	int rc;

	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	sqlite3_bind_int(s, 3, level);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			struct hq_review *g = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof *g);

			if (!g) {
				sqlite3_reset(s);
				return hq__fail(q, HQ_ENOMEM, "out of memory reading reviews");
			}
			*out = g;
		}
		review_row(s, 0, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_reviews(struct hq_queue *q, int64_t from, int64_t to, int level,
		     struct hq_review **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if (level < 0 || level > HQ_LEVEL_MAX)
		return hq__fail(q, HQ_EINVAL, "level %d is not 1 to 5 (or 0 for any)", level);
	if (to <= from)
		return hq__fail(q, HQ_EINVAL, "the range of reviews ends before it starts");
	rc = hq__begin(q, false);
	rc = hq__end(q, rc ? rc : reviews_locked(q, from, to, level, out, n));
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int cases_locked(struct hq_queue *q, int state, bool all, bool only_overdue,
			struct hq_case **out, size_t *n)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_CASE_LIST);
	size_t cap = 0;
	int rc;

	sqlite3_bind_int(s, 1, state);
	sqlite3_bind_int(s, 2, all);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hq_case c;

		case_row(q, s, &c);
		if (only_overdue && !c.overdue)
			continue;
		if (*n == cap) {
			struct hq_case *g = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof *g);

			if (!g) {
				sqlite3_reset(s);
				return hq__fail(q, HQ_ENOMEM, "out of memory reading cases");
			}
			*out = g;
		}
		(*out)[(*n)++] = c;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_cases(struct hq_queue *q, int state, bool all, bool only_overdue, struct hq_case **out,
		   size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if (state > HQ_CASE_CLOSED)
		return hq__fail(q, HQ_EINVAL, "case state %d is not open, verified, rectified, "
				"revisited or closed", state);
	rc = hq__begin(q, false);
	rc = hq__end(q, rc ? rc : cases_locked(q, state < 0 ? -1 : state, all, only_overdue, out, n));
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int case_locked(struct hq_queue *q, int64_t id, struct hq_case *out,
		       struct hq_case_step **steps, size_t *nsteps)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if ((rc = get_case(q, id, out)) || !steps)
		return rc;
	s = hq__stmt(q, SQL_CASE_STEPS);
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hq_case_step *st;

		if (*nsteps == cap) {
			struct hq_case_step *g = realloc(*steps, (cap = cap ? cap * 2 : 8) * sizeof *g);

			if (!g) {
				sqlite3_reset(s);
				return hq__fail(q, HQ_ENOMEM, "out of memory reading a case's steps");
			}
			*steps = g;
		}
		st = &(*steps)[(*nsteps)++];
		memset(st, 0, sizeof *st);
		st->state = sqlite3_column_int(s, 0);
		hq__copy_col(st->who, sizeof st->who, s, 1);
		st->at = sqlite3_column_int64(s, 2);
		hq__copy_col(st->note, sizeof st->note, s, 3);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_case(struct hq_queue *q, int64_t id, struct hq_case *out, struct hq_case_step **steps,
		  size_t *nsteps)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (steps) {
		*steps = NULL;
		*nsteps = 0;
	}
	rc = hq__begin(q, false);
	rc = hq__end(q, rc ? rc : case_locked(q, id, out, steps, nsteps));
	if (rc && steps) {
		free(*steps);
		*steps = NULL;
		*nsteps = 0;
	}
	return rc;
}

static int step_locked(struct hq_queue *q, int64_t id, enum hq_case_state to, const char *who,
		       const char *note, struct hq_case *out)
{
	struct hq_case c;
	struct hq_ticket t;
	char revisit_due[11];
	int rc;

	if (to < HQ_CASE_VERIFIED || to > HQ_CASE_CLOSED)
		return hq__fail(q, HQ_EINVAL, "a case's steps are verify, rectify, revisit and close");
	if (!who || !*who)
		return hq__fail(q, HQ_EINVAL, "a case's step needs who took it");
	if ((rc = hq__check_who(q, "who took the step", who)) ||
	    (rc = check_text(q, "the note", note)) || (rc = get_case(q, id, &c)))
		return rc;
	if (c.state == HQ_CASE_CLOSED)
		return hq__fail(q, HQ_ESTATE, "case %lld is closed", (long long)id);
	if (c.state >= to)
		return hq__fail(q, HQ_ESTATE, "case %lld is %s already", (long long)id,
				hq_case_state_name(c.state));
	if (to != c.state + 1)
		return hq__fail(q, HQ_ESTATE, "case %lld is %s: %s it first, one step at a time, "
				"before it can be %s", (long long)id, hq_case_state_name(c.state),
				step_verbs[c.state + 1], hq_case_state_name(to));
	/* Revisiting is due revisit_working_days after the rectification. */
	snprintf(revisit_due, sizeof revisit_due, "%s", c.revisit_due);
	if (to == HQ_CASE_RECTIFIED && (rc = due_after(q, q->cfg->revisit_working_days, revisit_due)))
		return rc;
	if ((rc = set_case_state(q, id, to, revisit_due)) ||
	    (rc = hq__load_ticket(q, c.review.ticket_id, &t)) ||
	    (rc = add_step(q, &c, &t, to, who, note)))
		return rc;
	return out ? get_case(q, id, out) : HQ_OK;
}

int hq_queue_case_step(struct hq_queue *q, int64_t id, enum hq_case_state to, const char *who,
		       const char *note, struct hq_case *out)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : step_locked(q, id, to, who, note, out));
}

static int counts_locked(struct hq_queue *q, int *open, int *late)
{
	sqlite3_stmt *s = hq__stmt(q, SQL_CASE_OPEN_DUES);
	char today[11];
	int rc;

	hq_local_day(q->now, today);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hq_case c = {.state = sqlite3_column_int(s, 0)};

		hq__copy_col(c.rectify_due, sizeof c.rectify_due, s, 1);
		hq__copy_col(c.revisit_due, sizeof c.revisit_due, s, 2);
		(*open)++;
		*late += overdue(&c, today);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

int hq_queue_case_counts(struct hq_queue *q, int *open, int *overdue_n)
{
	int rc = hq__begin(q, false);

	*open = *overdue_n = 0;
	return hq__end(q, rc ? rc : counts_locked(q, open, overdue_n));
}
