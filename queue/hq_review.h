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

#define HQ_LEVEL_MIN 1
#define HQ_LEVEL_MAX 5
#define HQ_LEVEL_BAD 2          /* this level and below is a bad review (差评) */

/* The offline indicators of a bad review (reasons, a bit set). */
#define HQ_REASON_EFFICIENCY 1u /* 服务效率 */
#define HQ_REASON_SKILL 2u      /* 服务水平 */
#define HQ_REASON_ATTITUDE 4u   /* 服务态度 */
#define HQ_REASON_OTHER 8u      /* 其他 */
#define HQ_REASONS_ALL 15u

#define HQ_COMMENT_CHARS 200    /* characters (UTF-8 code points), not bytes */
#define HQ_COMMENT_MAX (HQ_COMMENT_CHARS * 4 + 1)

/* Where a review came from, recorded with it. */
enum hq_channel {
	HQ_CH_UNIT,             /* the counter unit's evaluator keys */
	HQ_CH_PHONE,            /* the ticket's status page, by the secret of its URL */
	HQ_CH_KIOSK,            /* the kiosk, for a citizen who typed the ticket number */
	HQ_CH_API,              /* an external 好差评 system */
	HQ_CH_MIGRATED,         /* a three-level rating from before schema 4 */
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

const char *hq_channel_name(enum hq_channel c);
int hq_channel_parse(const char *s);
const char *hq_case_state_name(enum hq_case_state s);
int hq_case_state_parse(const char *s);

#endif
