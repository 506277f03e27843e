/*
 * 好差评 at the kiosk, for a citizen who typed the number on their ticket: the kiosk looks
 * the ticket up (today's, and finished), offers the five levels and, for a bad one, its
 * reasons, and sends the review to hallqd (POST /api/v1/tickets/ID/review; the kiosk's token
 * makes its channel kiosk). The review goes into the spool first and out under a new
 * idempotency key, retried until hallqd answers, so that a double touch or a hallqd that went
 * away never doubles or loses it; a citizen whose review is kept that way is thanked at
 * once and told so. input.c and messages.c drive it; it moves between screens through flow.c.
 */
#include <stdio.h>
#include <string.h>

#include "hq_hall.h"
#include "hq_log.h"
#include "kiosk_app.h"

#define TYPED_MAX 8             /* the longest label a citizen can type: "ABC12345" */

/* The letters of the hall's prefixes, each once, in alphabetical order. */
static void hall_letters(const struct hq_hall *h, char *out, size_t n)
{
	bool seen[26] = { false };
	size_t k = 0;
	int i, c;

	for (i = 0; h && i < h->nservices; i++)
		for (const char *p = h->services[i].prefix; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				seen[*p - 'A'] = true;
	for (c = 0; c < 26 && k + 1 < n; c++)
		if (seen[c])
			out[k++] = (char)('A' + c);
	out[k] = '\0';
}

void hq_kiosk_rate_start(struct hq_kiosk *a)
{
	memset(&a->v.r, 0, sizeof a->v.r);
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	a->rate_key[0] = '\0';
	hall_letters(a->hall, a->v.r.letters, sizeof a->v.r.letters);
	hq_kiosk_go(a, HQ_KS_RATE_NUMBER);
}

static void say_typed(struct hq_kiosk *a, const char *zh, const char *en)
{
	snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "%s", zh);
	snprintf(a->v.msg_en, sizeof a->v.msg_en, "%s", en);
}

void hq_kiosk_rate_type(struct hq_kiosk *a, char c)
{
	struct hq_krate_view *r = &a->v.r;
	size_t n = strlen(r->typed);

	if (a->v.screen != HQ_KS_RATE_NUMBER)
		return;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	/* Only what a label of this hall can hold: its prefixes' letters and digits. */
	if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && strchr(r->letters, c))))
		return;
	if (n < TYPED_MAX) {
		r->typed[n] = c;
		r->typed[n + 1] = '\0';
	}
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
}

void hq_kiosk_rate_delete(struct hq_kiosk *a)
{
	size_t n = strlen(a->v.r.typed);

	if (a->v.screen == HQ_KS_RATE_NUMBER && n)
		a->v.r.typed[n - 1] = '\0';
}

/*
 * The label to look up from what was typed: letters then digits ("A012"; hallqd also finds
 * "A12"). Digits alone are a label of the hall's only service when it has one; otherwise
 * the citizen is asked for the letters too. False, with the reason on the keypad, when what
 * was typed is not a label.
 */
static bool typed_label(struct hq_kiosk *a, char *label, size_t n)
{
	const char *t = a->v.r.typed;
	size_t nl = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), nd = strspn(t + nl, "0123456789");
	const char *example = a->hall && a->hall->nservices ? a->hall->services[0].prefix : "A";
	char zh[128], en[128];

	if (!*t) {
		say_typed(a, "请输入号票上的号码", "Type the number on your ticket");
		return false;
	}
	if (nd == 0 || t[nl + nd] || nl > 3) {
		snprintf(zh, sizeof zh, "号码是字母加数字，如 %s012", example);
		snprintf(en, sizeof en, "A number is letters then digits, like %s012", example);
		say_typed(a, zh, en);
		return false;
	}
	if (nl == 0) {
		if (!a->hall || a->hall->nservices != 1) {
			snprintf(zh, sizeof zh, "请输入号码前面的字母，如 %s012", example);
			snprintf(en, sizeof en, "Type the letters too, like %s012", example);
			say_typed(a, zh, en);
			return false;
		}
		snprintf(label, n, "%s%s", a->hall->services[0].prefix, t);
		return true;
	}
	snprintf(label, n, "%s", t);
	return true;
}

void hq_kiosk_rate_lookup(struct hq_kiosk *a)
{
	struct hq_krate_view *r = &a->v.r;

	if (a->v.screen != HQ_KS_RATE_NUMBER || !typed_label(a, r->label, sizeof r->label))
		return;
	hq_kiosk_new_key(a, a->rate_key, sizeof a->rate_key);
	if (hq_net_lookup(a->net, a->rate_key, r->label)) {
		a->rate_key[0] = '\0';
		say_typed(a, "请求过多，请稍候再试", "Too many requests waiting: please try again shortly");
		return;
	}
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	hq_kiosk_go(a, HQ_KS_RATE_WAIT);
}

/* Is this the answer the citizen in front of the kiosk waits for? */
static bool awaited(const struct hq_kiosk *a, const struct hq_kmsg *m)
{
	return *a->rate_key && !strcmp(m->key, a->rate_key) && a->v.screen == HQ_KS_RATE_WAIT;
}

/* No review of what was typed: why, on the keypad, to type it again. */
static void refuse_typed(struct hq_kiosk *a, const char *code, const char *zh, const char *en)
{
	hq_kiosk_say("refused %s", code);
	a->v.r.typed[0] = '\0';
	say_typed(a, zh, en);
	hq_kiosk_go(a, HQ_KS_RATE_NUMBER);
}

/* Why a ticket in this state has no review to give. */
static void state_words(const char *label, const char *state, char *zh, size_t nzh, char *en, size_t nen)
{
	if (!strcmp(state, "noshow")) {
		snprintf(zh, nzh, "%s 号已过号，没有办理，不能评价", label);
		snprintf(en, nen, "%s missed its call and was not served: there is nothing to rate", label);
	} else if (!strcmp(state, "cancelled")) {
		snprintf(zh, nzh, "%s 号已取消，不能评价", label);
		snprintf(en, nen, "%s was cancelled: there is nothing to rate", label);
	} else {
		snprintf(zh, nzh, "%s 号还在办理中，办结后才能评价", label);
		snprintf(en, nen, "%s is not finished yet: rate it once it is done", label);
	}
}

void hq_kiosk_rate_found(struct hq_kiosk *a, struct hq_kmsg *m)
{
	struct hq_krate_view *r = &a->v.r;
	json_t *t = m->ticket, *rv = json_object_get(t, "review");
	const char *label = hq_kiosk_jstr(t, "label"), *state = hq_kiosk_jstr(t, "state");
	long long id = (long long)json_integer_value(json_object_get(t, "id"));
	char zh[256], en[256];

	hq_kiosk_say("found %s %lld %s", label, id, state);
	if (!awaited(a, m)) {
		hq_log(HQ_LOG_INFO, "ticket %s found after its citizen left the screen", label);
		return;
	}
	a->rate_key[0] = '\0';
	if (strcmp(state, "done")) {
		state_words(label, state, zh, sizeof zh, en, sizeof en);
		refuse_typed(a, "state", zh, en);
		return;
	}
	/* Reviewed already, and past review_edit_minutes: a new review would be refused. */
	if (json_is_object(rv) && json_is_false(json_object_get(rv, "editable"))) {
		snprintf(zh, sizeof zh, "%s 号已评价过，不能再次评价", label);
		snprintf(en, sizeof en, "%s has been reviewed already and it is too late to change it", label);
		refuse_typed(a, "rated", zh, en);
		return;
	}
	r->ticket = id;
	snprintf(r->label, sizeof r->label, "%s", label);
	snprintf(r->service, sizeof r->service, "%s", hq_kiosk_jstr(t, "service_name"));
	snprintf(r->service_en, sizeof r->service_en, "%s", hq_kiosk_jstr(t, "service_name_en"));
	snprintf(r->counter, sizeof r->counter, "%s", hq_kiosk_jstr(t, "counter_name"));
	snprintf(r->counter_en, sizeof r->counter_en, "%s", hq_kiosk_jstr(t, "counter_name_en"));
	r->old_level = json_is_object(rv) ? (int)json_integer_value(json_object_get(rv, "level")) : 0;
	/* "2026-11-23T10:31:07+08:00" → "10:31", the hall's local time */
	snprintf(r->until, sizeof r->until, "%.5s",
		 strlen(hq_kiosk_jstr(rv, "editable_until")) > 16 ? hq_kiosk_jstr(rv, "editable_until") + 11 : "");
	r->level = 0;
	r->reasons = 0;
	hq_kiosk_go(a, HQ_KS_RATE_LEVEL);
}

void hq_kiosk_rate_not_found(struct hq_kiosk *a, struct hq_kmsg *m)
{
	char zh[256], en[256];

	if (!awaited(a, m)) {
		hq_log(HQ_LOG_INFO, "look-up %s answered after its citizen left the screen", m->key);
		return;
	}
	a->rate_key[0] = '\0';
	if (m->status == 0) {
		refuse_typed(a, "offline", "暂时无法查询，请稍后再试", "Cannot look it up just now: please try again shortly");
	} else if (!strcmp(m->code, "noticket")) {
		snprintf(zh, sizeof zh, "没有找到今天的 %s 号，请核对号票", a->v.r.label);
		snprintf(en, sizeof en, "No ticket %s today: please check the number on your ticket", a->v.r.label);
		refuse_typed(a, "noticket", zh, en);
	} else {
		hq_log(HQ_LOG_WARN, "looking up %s: %ld %s %s", a->v.r.label, m->status, m->code, m->why);
		snprintf(zh, sizeof zh, "暂时无法查询（%.160s）", *m->code ? m->code : "error");
		snprintf(en, sizeof en, "Cannot look it up just now (%.160s)", *m->code ? m->code : "error");
		refuse_typed(a, *m->code ? m->code : "error", zh, en);
	}
}

/* Into the spool, then to hallqd under its key: from here the review survives a crash. */
static void submit(struct hq_kiosk *a)
{
	struct hq_krate_view *r = &a->v.r;
	struct hq_spool_entry e = { .state = HQ_SPOOL_PENDING };

	hq_kiosk_new_key(a, e.key, sizeof e.key);
	e.review.ticket = r->ticket;
	e.review.level = r->level;
	e.review.reasons = r->level <= HQ_LEVEL_BAD ? r->reasons : 0;
	snprintf(e.review.label, sizeof e.review.label, "%s", r->label);
	if (hq_spool_add(a->spool, &e))
		hq_log(HQ_LOG_ERROR, "%s; the review is sent anyway", hq_spool_error(a->spool));
	if (hq_net_review(a->net, e.key, e.review.ticket, e.review.level, e.review.reasons)) {
		hq_spool_remove(a->spool, e.key);
		hq_kiosk_message(a, "请求过多，请稍候再试", "Too many requests waiting: please try again shortly");
		return;
	}
	hq_log(HQ_LOG_INFO, "review of %s at level %d (%s)", r->label, r->level, e.key);
	snprintf(a->rate_key, sizeof a->rate_key, "%s", e.key);
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	hq_kiosk_go(a, HQ_KS_RATE_WAIT);
	/* hallqd is away already: no answer is coming soon, and the citizen need not wait. */
	if (a->link == 0)
		hq_kiosk_rate_keep(a);
}

void hq_kiosk_rate_level(struct hq_kiosk *a, int level)
{
	struct hq_krate_view *r = &a->v.r;

	if (a->v.screen != HQ_KS_RATE_LEVEL || level < HQ_LEVEL_MIN || level > HQ_LEVEL_MAX)
		return;
	r->level = level;
	r->reasons = 0;
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	if (level <= HQ_LEVEL_BAD)
		hq_kiosk_go(a, HQ_KS_RATE_REASONS);
	else
		submit(a);
}

void hq_kiosk_rate_reason(struct hq_kiosk *a, unsigned bit)
{
	if (a->v.screen != HQ_KS_RATE_REASONS)
		return;
	a->v.r.reasons ^= bit & HQ_REASONS_ALL;
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
}

void hq_kiosk_rate_submit(struct hq_kiosk *a)
{
	if (a->v.screen != HQ_KS_RATE_REASONS)
		return;
	if (!a->v.r.reasons) {
		say_typed(a, "请至少选择一个原因", "Choose at least one reason");
		return;
	}
	submit(a);
}

void hq_kiosk_rate_back(struct hq_kiosk *a)
{
	switch (a->v.screen) {
	case HQ_KS_RATE_REASONS:
		a->v.r.reasons = 0;
		a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
		hq_kiosk_go(a, HQ_KS_RATE_LEVEL);
		break;
	case HQ_KS_RATE_LEVEL:
		hq_kiosk_rate_start(a);
		break;
	default:
		hq_kiosk_go_home(a);
		break;
	}
}

void hq_kiosk_rate_reviewed(struct hq_kiosk *a, struct hq_kmsg *m)
{
	struct hq_spool_entry *e = hq_spool_find(a->spool, m->key);
	char label[16];
	int level = (int)json_integer_value(json_object_get(m->ticket, "level"));

	snprintf(label, sizeof label, "%s", e ? e->review.label : hq_kiosk_jstr(m->ticket, "label"));
	hq_spool_remove(a->spool, m->key);
	hq_kiosk_say("reviewed %s %d", label, level);
	hq_log(HQ_LOG_INFO, "review of %s at level %d taken by hallqd (%s)", label, level, m->key);
	if (!awaited(a, m))
		return;
	a->rate_key[0] = '\0';
	a->v.r.case_opened = json_is_integer(json_object_get(m->ticket, "case_id"));
	hq_kiosk_go(a, HQ_KS_RATE_THANKS);
}

void hq_kiosk_rate_refused(struct hq_kiosk *a, struct hq_kmsg *m)
{
	struct hq_spool_entry *e = hq_spool_find(a->spool, m->key);
	char label[16], zh[256], en[256];

	snprintf(label, sizeof label, "%s", e ? e->review.label : "?");
	hq_spool_remove(a->spool, m->key);
	hq_kiosk_say("refused %s", *m->code ? m->code : "error");
	/* rated and state are the citizen's (a review given elsewhere meanwhile); anything else
	 * is the kiosk's own mistake, worth a look. */
	hq_log(!strcmp(m->code, "rated") || !strcmp(m->code, "state") ? HQ_LOG_INFO : HQ_LOG_WARN,
	    "review of %s refused: %ld %s %s", label, m->status, m->code, m->why);
	if (!awaited(a, m))
		return;
	a->rate_key[0] = '\0';
	if (!strcmp(m->code, "rated")) {
		snprintf(zh, sizeof zh, "%s 号已评价过，不能再次评价", label);
		snprintf(en, sizeof en, "%s has been reviewed already and it is too late to change it", label);
	} else if (!strcmp(m->code, "state")) {
		snprintf(zh, sizeof zh, "%s 号还在办理中，办结后才能评价", label);
		snprintf(en, sizeof en, "%s is not finished yet: rate it once it is done", label);
	} else {
		snprintf(zh, sizeof zh, "评价未能提交（%.160s）", *m->code ? m->code : "error");
		snprintf(en, sizeof en, "The review could not be sent (%.160s)", *m->code ? m->code : "error");
	}
	hq_kiosk_message(a, zh, en);
}

bool hq_kiosk_rate_keep(struct hq_kiosk *a)
{
	if (a->v.screen != HQ_KS_RATE_WAIT || !*a->rate_key || !hq_spool_find(a->spool, a->rate_key))
		return false;
	hq_kiosk_say("review-kept %s", a->v.r.label);
	hq_log(HQ_LOG_INFO, "review of %s kept until hallqd answers (%s)", a->v.r.label, a->rate_key);
	a->rate_key[0] = '\0';
	a->v.r.kept = true;
	hq_kiosk_go(a, HQ_KS_RATE_THANKS);
	return true;
}

void hq_kiosk_rate_timeout(struct hq_kiosk *a)
{
	if (!hq_kiosk_rate_keep(a))
		hq_kiosk_go_home(a);
}
