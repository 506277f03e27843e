/*
 * What the kiosk's threads say, and what the main thread does about it. The network and
 * printer threads hand each result to hq_kiosk_post(), which makes it an SDL event, so that
 * only the main thread changes the screen and the spool; there hq_kiosk_take_msg() acts on
 * it: a new hall, hallqd coming and going, a ticket issued or refused, the printer's state,
 * a ticket printed or not, a review's look-up and the review answered. Each ticket is shown
 * and printed through flow.c; the reviews' answers go to rate.c.
 */
#include <stdio.h>
#include <string.h>

#include <SDL.h>

#include "hq_clock.h"
#include "hq_log.h"
#include "kiosk_app.h"

/* ---- threads that post to the main loop ------------------------------------------------- */

void hq_kiosk_post(void *ctx, struct hq_kmsg *m)
{
	struct hq_kiosk *a = ctx;
	SDL_Event e = { .type = a->ev_msg };

	e.user.data1 = m;
	if (SDL_PushEvent(&e) != 1) {
		/* Never seen (the queue holds 65535); the spool still has the ticket. */
		hq_log(HQ_LOG_ERROR, "event queue full: a message from a worker thread was dropped");
		hq_kmsg_free(m);
	}
}

/* ---- what the threads say --------------------------------------------------------------- */

static void refused_words(const struct hq_kmsg *m, char *zh, size_t nzh, char *en, size_t nen)
{
	static const struct { const char *code, *zh, *en; } words[] = {
		{ "closed", "该事项现在不办理", "This service is not open now" },
		{ "cap", "该事项今日号已取完", "No more tickets for this service today" },
		{ "exhausted", "该事项今日号码已用完", "No more numbers for this service today" },
		{ "noservice", "没有这个事项", "There is no such service" },
		{ "nocode", "预约码不存在，请核对", "No appointment has this code: please check it" },
		{ "early", "还未到签到时间，请在预约时间前30分钟内签到", "Too early: check in within 30 minutes of your slot" },
		{ "late", "已超过签到时间，请重新取号", "Too late to check in: please take a ticket" },
		{ "used", "该预约已签到", "This appointment has checked in already" },
	};
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(m->code, words[i].code)) {
			snprintf(zh, nzh, "%s", words[i].zh);
			snprintf(en, nen, "%s", words[i].en);
			return;
		}
	snprintf(zh, nzh, "暂时无法取号（%.200s）", *m->why ? m->why : m->code);
	snprintf(en, nen, "No ticket now (%.200s)", *m->why ? m->why : m->code);
}

static void take_issued(struct hq_kiosk *a, struct hq_kmsg *m)
{
	struct hq_spool_entry *e;
	const char *label = hq_kiosk_jstr(m->ticket, "label");
	bool mine = !strcmp(m->key, a->cur_key);

	if (hq_spool_issued(a->spool, m->key, m->ticket))
		hq_log(HQ_LOG_ERROR, "%s", hq_spool_error(a->spool));
	a->issued++;
	hq_kiosk_say("ticket %s %lld", label, (long long)json_integer_value(json_object_get(m->ticket, "id")));
	hq_log(HQ_LOG_INFO, "ticket %s for %s (%s)", label, hq_kiosk_jstr(m->ticket, "service"), m->key);
	if (!(e = hq_spool_find(a->spool, m->key)))
		return;
	/* A late answer to an earlier citizen is printed, not pushed in front of this one. */
	if (mine || a->v.screen == HQ_KS_HOME || a->v.screen == HQ_KS_START)
		hq_kiosk_show_ticket(a, e);
	if (!a->has_printer) {
		if (mine)
			hq_kiosk_note_unprinted(a);
		hq_spool_remove(a->spool, m->key);
	} else if (hq_kiosk_printer_ok(a)) {
		if (mine) {
			snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "正在打印…");
			snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "Printing…");
		}
		hq_kiosk_queue_print(a, e, false);
	} else if (mine) {
		hq_kiosk_note_unprinted(a);
	}
	hq_kiosk_report_health(a);
}

static void take_refused(struct hq_kiosk *a, struct hq_kmsg *m)
{
	struct hq_spool_entry *e = hq_spool_find(a->spool, m->key);
	bool checkin = e && *e->code;
	char zh[256], en[256];

	hq_spool_remove(a->spool, m->key);
	hq_log(HQ_LOG_INFO, "no ticket for %s: %ld %s %s", m->key, m->status, m->code, m->why);
	hq_kiosk_say("refused %s", *m->code ? m->code : "error");
	if (strcmp(m->key, a->cur_key))
		return;
	refused_words(m, zh, sizeof zh, en, sizeof en);
	a->cur_key[0] = '\0';
	if (checkin) {
		hq_kiosk_go(a, HQ_KS_KEYPAD);
		a->v.code[0] = '\0';
		snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "%s", zh);
		snprintf(a->v.msg_en, sizeof a->v.msg_en, "%s", en);
	} else {
		hq_kiosk_message(a, zh, en);
	}
}

static void take_printer(struct hq_kiosk *a, struct hq_kmsg *m)
{
	bool was_ok = hq_kiosk_printer_ok(a);

	const char *zh, *en;

	a->pst = m->pst;
	a->pst_known = true;
	hq_kiosk_printer_words(a, &zh, &en);
	snprintf(a->pst_why, sizeof a->pst_why, "%s", en);
	hq_kiosk_say("printer %s", hq_kiosk_printer_state(a));
	if (!hq_kiosk_printer_ok(a))
		hq_log(HQ_LOG_WARN, "printer: %s", hq_kiosk_printer_state(a));
	else if (!was_ok)
		hq_log(HQ_LOG_INFO, "printer ready%s", a->pst.paper_near_end ? " (paper near its end)" : "");
	hq_kiosk_update_banner(a);
	if (hq_kiosk_printer_ok(a) && !was_ok)
		hq_kiosk_print_owed(a);
	hq_kiosk_report_health(a);
	a->dirty = true;
}

static void take_printed(struct hq_kiosk *a, struct hq_kmsg *m, bool ok)
{
	struct hq_spool_entry *e = hq_spool_find(a->spool, m->key);
	const char *label = e ? hq_kiosk_jstr(e->ticket, "label") : "?";
	bool shown = a->v.screen == HQ_KS_TICKET && !strcmp(m->key, a->cur_key);

	if (ok) {
		hq_kiosk_say("printed %s", label);
		a->printed++;
		if (shown) {
			snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "请取走号票");
			snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "Please take your ticket");
			a->dirty = true;
		}
		hq_spool_remove(a->spool, m->key);
	} else {
		hq_kiosk_say("not-printed %s %s", label, hq_printer_state_name(&m->pst));
		hq_log(HQ_LOG_WARN, "ticket %s not printed (%s): kept to print when the printer is back",
		    label, m->why);
		if (e)
			e->queued = false;
		a->pst = m->pst;
		a->pst_known = true;
		snprintf(a->pst_why, sizeof a->pst_why, "%s", m->why);
		hq_kiosk_update_banner(a);
		if (shown) {
			hq_kiosk_note_unprinted(a);
			a->dirty = true;
		}
	}
	hq_kiosk_report_health(a);
}

static void take_hall(struct hq_kiosk *a, struct hq_kmsg *m)
{
	bool first = !a->hall;

	if (m->hall->time_ms) {
		a->hall_ms = m->hall->time_ms;
		a->hall_mono = hq_mono_ms();
	}
	hq_hall_free(a->hall);
	a->hall = m->hall;
	m->hall = NULL;
	a->v.hall = a->hall;
	a->v.priority = a->hall->kiosk.priority;
	a->v.appointments = a->hall->kiosk.appointments;
	if (!a->hall->lang_en)
		a->v.en = false;
	hq_kiosk_update_banner(a);
	if (first && a->v.screen == HQ_KS_START)
		hq_kiosk_go_home(a);
	else if (a->v.screen == HQ_KS_HOME || a->v.screen == HQ_KS_SERVICES)
		hq_kiosk_make_list(a);
	a->dirty = true;
}

static void take_link(struct hq_kiosk *a, struct hq_kmsg *m)
{
	a->link = m->up;
	hq_kiosk_say("%s", m->up ? "online" : "offline");
	if (!m->up) {
		hq_log(HQ_LOG_WARN, "hallqd does not answer: %s", m->why);
		if (a->v.screen == HQ_KS_TICKET || a->v.screen == HQ_KS_MESSAGE || a->v.screen == HQ_KS_RATE_THANKS)
			return;
		/* A review the citizen gave is kept and goes when hallqd is back: thank them now. */
		if (hq_kiosk_rate_keep(a))
			return;
		if (*a->cur_key) {
			snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "您的取号请求已保留，恢复后自动出号");
			snprintf(a->v.msg_en, sizeof a->v.msg_en, "Your request is kept: the ticket comes as soon as we are back");
		} else {
			a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
		}
		hq_kiosk_go(a, HQ_KS_UNAVAILABLE);
		return;
	}
	hq_log(HQ_LOG_INFO, "hallqd answers at %s", a->o.url);
	if (a->v.screen == HQ_KS_UNAVAILABLE) {
		if (*a->cur_key && hq_spool_find(a->spool, a->cur_key))
			hq_kiosk_go(a, HQ_KS_ISSUING);
		else
			hq_kiosk_go_home(a);
	}
	hq_kiosk_report_health(a);
}

void hq_kiosk_take_msg(struct hq_kiosk *a, struct hq_kmsg *m)
{
	switch (m->kind) {
	case HQ_KM_HALL: take_hall(a, m); break;
	case HQ_KM_LINK: take_link(a, m); break;
	case HQ_KM_ISSUED: take_issued(a, m); break;
	case HQ_KM_REFUSED: take_refused(a, m); break;
	case HQ_KM_PRINTER: take_printer(a, m); break;
	case HQ_KM_PRINTED: take_printed(a, m, true); break;
	case HQ_KM_NOT_PRINTED: take_printed(a, m, false); break;
	case HQ_KM_FOUND: hq_kiosk_rate_found(a, m); break;
	case HQ_KM_NOT_FOUND: hq_kiosk_rate_not_found(a, m); break;
	case HQ_KM_REVIEWED: hq_kiosk_rate_reviewed(a, m); break;
	case HQ_KM_REVIEW_REFUSED: hq_kiosk_rate_refused(a, m); break;
	}
	hq_kmsg_free(m);
}

