/*
 * The national 政务服务"好差评" evaluation: a citizen's review of one ticket at five levels,
 * and the case (差评整改) that a bad review opens. Part of the queue library's API
 * (hq_queue.h includes it); docs/queue.md states the rules.
 *
 * Levels: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. A review at 1 or 2 carries
 * one or more reasons; any review may carry a comment of up to 200 characters. One review per
 * ticket: a second one replaces the first only within review_edit_minutes of it.
 */
#ifndef HQ_REVIEW_H
#define HQ_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"
#include "hq_hall.h"

struct hq_queue;

/* The levels (enum hq_score, HQ_LEVEL_*) and the reasons (HQ_REASON_*) are hq_hall.h's:
 * the hall's vocabulary, which the programs that never open the queue use too. */

#define HQ_COMMENT_CHARS 200    /* characters (UTF-8 code points), not bytes */
#define HQ_COMMENT_MAX (HQ_COMMENT_CHARS * 4 + 1)

/* Where a review came from, recorded with it. */
enum hq_channel {
	HQ_CH_UNIT,             /* the counter unit's evaluator keys */
	HQ_CH_PHONE,            /* the ticket's status page, by the secret of its URL */
	HQ_CH_KIOSK,            /* the kiosk, for a citizen who typed the ticket number */
	HQ_CH_API,              /* an external 好差评 system */
	HQ_CH_MIGRATED,         /* a three-level rating from before schema 4 */
	HQ_CH_PAD,              /* 平板: the counter's tablet facing the citizen (evaluator:N) */
};

struct hq_review {
	int64_t id;
	int64_t ticket_id;
	char day[11];
	char label[HQ_LABEL_MAX];
	char service[HQ_KEY_MAX];
	int counter;
	char clerk[HQ_CLERK_MAX];
	int level;
	unsigned reasons;
	char comment[HQ_COMMENT_MAX];
	enum hq_channel channel;
	int64_t at, updated_at;
	int64_t case_id;        /* the bad-review case, 0 if none */
};

enum hq_case_state {
	HQ_CASE_OPEN,           /* opened by the bad review */
	HQ_CASE_VERIFIED,       /* 核实: the complaint was looked into */
	HQ_CASE_RECTIFIED,      /* 整改: what was wrong was put right */
	HQ_CASE_REVISITED,      /* 回访: the citizen was asked again */
	HQ_CASE_CLOSED,
};

struct hq_case {
	int64_t id;
	enum hq_case_state state;
	int64_t opened_at, updated_at;
	char rectify_due[11];   /* local dates: rectify within rectify_working_days of the review */
	char revisit_due[11];   /* revisit within revisit_working_days of rectification; "" before */
	bool overdue;           /* a due date passed before its step was done */
	struct hq_review review;
};

struct hq_case_step {
	enum hq_case_state state;
	char who[HQ_CLERK_MAX];
	int64_t at;
	char note[HQ_COMMENT_MAX];
};

const char *hq_channel_name(enum hq_channel c);   /* "unit", "phone", ... */
int hq_channel_parse(const char *s);              /* -1 when unknown */
const char *hq_case_state_name(enum hq_case_state s); /* "open", "verified", ... */
int hq_case_state_parse(const char *s);           /* -1 when unknown */

/* The counter's last ticket is reviewed by its unit's keys only this long after its finish:
 * a key pressed later is the next citizen's, not a review of the last one. */
#define HQ_REVIEW_LAST_WINDOW_MS (120 * 1000LL)
/* The author of the steps hallq takes itself: a case opened by a review, or closed because
 * the review was changed to a good one. */
#define HQ_CASE_SYSTEM "hallq"

/*
 * Review a finished (done) ticket: level 1..5; reasons (HQ_REASON_ bits) one or more for a
 * level of 1 or 2 and none above; comment (NULL or "" for none) valid UTF-8 of at most
 * HQ_COMMENT_CHARS characters; channel any but HQ_CH_MIGRATED. A ticket has one review: a
 * second one replaces it within review_edit_minutes of the first (HQ_ERATED after), keeping
 * the first one's time. A review at 1 or 2 opens a case; a bad review changed to 3 or above
 * closes its case, a good one changed to 1 or 2 opens (or reopens) it. The ticket's rating
 * becomes the level. Events: reviewed or review_changed (value the level, detail the
 * channel), then case_opened (value the case id, detail its rectify_due) or case_step.
 * out (may be NULL) gets the review as stored.
 */
int hq_queue_review(struct hq_queue *q, int64_t ticket_id, int level, unsigned reasons,
		    const char *comment, enum hq_channel channel, struct hq_review *out);
/*
 * The counter unit's evaluator keys: review the counter's last finished ticket, if it was
 * finished within HQ_REVIEW_LAST_WINDOW_MS of hall time (else HQ_ESTATE) and has no review
 * from the same channel yet (else HQ_ERATED). A bad level without reasons (the keys of a
 * unit cannot say which) gets HQ_REASON_OTHER. Otherwise as hq_queue_review.
 */
int hq_queue_review_last(struct hq_queue *q, int counter, int level, unsigned reasons,
			 enum hq_channel channel, struct hq_review *out);

/* Until when (unix ms, the hall's clock) a second review of the ticket would replace rv:
 * review_edit_minutes after rv's first time (at); 0 when never (review_edit_minutes = 0). */
int64_t hq_review_edit_until(const struct hq_config *cfg, const struct hq_review *rv);

/* A ticket's review: HQ_OK with out->id 0 when it has none; HQ_ENOTICKET for no ticket. */
int hq_queue_ticket_review(struct hq_queue *q, int64_t ticket_id, struct hq_review *out);
/* Reviews first given in [from, to) (unix ms), at one level (0: any), oldest first, into a
 * malloc'd array the caller frees (NULL when none). */
int hq_queue_reviews(struct hq_queue *q, int64_t from, int64_t to, int level,
		     struct hq_review **out, size_t *n);

/*
 * The bad-review cases. A case's steps go forward one at a time: open -> verified ->
 * rectified -> revisited -> closed, each with who did it (required, at most
 * HQ_CLERK_MAX - 1 bytes), when (the hall's clock) and a note (as a comment). Its due dates
 * count working days (hq_config_add_working_days): rectify_due from the day it opened,
 * revisit_due from the day it was rectified. It is overdue while the due date of the step
 * it waits for has passed on the hall's clock: rectify_due before it is rectified,
 * revisit_due before it is revisited.
 */
/* Cases in one state (state >= 0), else those not closed (or all, with all), and of those
 * only the overdue ones when overdue; by id, into a malloc'd array the caller frees. */
int hq_queue_cases(struct hq_queue *q, int state, bool all, bool overdue, struct hq_case **out,
		   size_t *n);
/* One case (HQ_ENOCASE when none) and, when steps is not NULL, its steps in order into a
 * malloc'd array the caller frees. */
int hq_queue_case(struct hq_queue *q, int64_t id, struct hq_case *out, struct hq_case_step **steps,
		  size_t *nsteps);
/* Take case id to state `to`, the next one after its own (HQ_ESTATE otherwise). Event
 * case_step (value the new state, detail who) for the review's ticket. */
int hq_queue_case_step(struct hq_queue *q, int64_t id, enum hq_case_state to, const char *who,
		       const char *note, struct hq_case *out);
/* Cases not closed, and of those the overdue ones, for /metrics. */
int hq_queue_case_counts(struct hq_queue *q, int *open, int *overdue);

#endif
