/*
 * hallq-kiosk: the touch ticket kiosk. A citizen touches a service (or takes the priority
 * path, or checks an appointment in by its code) and gets a numbered ticket from hallqd,
 * shown large on the screen and printed on the thermal printer with a QR code of its
 * status page.
 *
 * One thread owns SDL, the screens and the spool. The network thread (net.c) asks hallqd
 * and the printer thread (printq.c) drives the printer; both post their results here as
 * SDL events. Nothing a citizen was given is ever lost: each request is in the spool
 * (spool.c) before it goes out and stays there until its ticket is on paper, and it is
 * retried under the same idempotency key, so a retry never makes a second ticket.
 *
 * stdout carries one line per thing a test or an operator's script may wait for: "ready"
 * (the first frame with the hall drawn), "online" / "offline", "screen NAME [LABEL]" once
 * the frame showing it is up (with the monotonic time in microseconds when
 * HALLQ_KIOSK_TRACE is set), "ticket LABEL ID", "printed LABEL", "not-printed LABEL
 * STATE", "printer STATE", "refused CODE", "shot: PATH". The log (stderr) says why.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "app.h"
#include "hq_clock.h"
#include "hq_error.h"
#include "hq_log.h"
#include "kiosk.h"
#include "net.h"
#include "printer.h"
#include "printq.h"
#include "render.h"
#include "screen.h"
#include "spool.h"

#define IDLE_HOME_S 30        /* a half-finished choice goes back home after this */
#define MESSAGE_S 8
#define NAME_MAX_LEN 32
#define PROG "hallq-kiosk"

struct opts {
	const char *url, *token, *printer, *shot_dir, *font, *spool, *preview_dir;
	char name[NAME_MAX_LEN + 1];
	int win_w, win_h, display, report_s, poll_ms;
	bool fullscreen;
};

struct app {
	struct opts o;
	struct hq_app ui;           /* the window, its renderer and font, the signal thread */
	struct hq_kscreen *scr;
	struct hq_net *net;
	struct hq_printq *pq;
	bool has_printer;           /* --printer is not none */
	struct hq_spool *spool;
	struct hq_hall *hall;
	struct hq_kview v;
	Uint32 ev_msg;
	int link;                   /* -1 unknown, 0 no, 1 yes */
	struct hq_printer_status pst;
	bool pst_known;
	char pst_why[256];
	char run_id[20];
	unsigned seq;
	char cur_key[HQ_IDEM_KEY_MAX];   /* the request of the citizen in front of the kiosk */
	int64_t screen_since_ms, last_touch_ms, deadline_ms;
	long issued, printed;
	int64_t hall_ms, hall_mono; /* hallqd's time at the last hall read, and ours then */
	bool quit, ready, dirty, trace;
	char shown[64];             /* what the last "screen" line said */
	int shots_wanted;
};

/* ---- clocks and output ------------------------------------------------------------------ */

/* hallqd's clock, for the header: the hall's last reading run on (at hallqd's speed, which
 * is a simulation's under hallqd --speed), or ours before the first reading. */
static int64_t hall_now(const struct app *a)
{
	if (!a->hall_ms || !a->hall)
		return hq_real_now(NULL);
	return a->hall_ms + (hq_mono_ms() - a->hall_mono) * a->hall->clock_speed;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- threads that post to the main loop ------------------------------------------------- */

static void post_msg(void *ctx, struct hq_kmsg *m)
{
	struct app *a = ctx;
	SDL_Event e = { .type = a->ev_msg };

	e.user.data1 = m;
	if (SDL_PushEvent(&e) != 1) {
		/* Never seen (the queue holds 65535); the spool still has the ticket. */
		hq_log(HQ_LOG_ERROR, "event queue full: a message from a worker thread was dropped");
		hq_kmsg_free(m);
	}
}

/* ---- screens ---------------------------------------------------------------------------- */

static void go(struct app *a, enum hq_kscreen_id s)
{
	if (a->v.screen != s) {
		a->v.screen = s;
		a->v.focus = -1;
		a->v.page = 0;
	}
	a->screen_since_ms = hq_mono_ms();
	a->deadline_ms = 0;
	if (s == HQ_KS_TICKET)
		a->deadline_ms = a->screen_since_ms + (int64_t)(a->hall ? a->hall->kiosk.confirm_s : 15) * 1000;
	else if (s == HQ_KS_MESSAGE)
		a->deadline_ms = a->screen_since_ms + MESSAGE_S * 1000;
	a->dirty = true;
}

/* The services a list screen offers: home shows every service but the priority lanes
 * (those are the green channel's, on the priority path) unless there is no priority path. */
static void make_list(struct app *a)
{
	const struct hq_hall *h = a->hall;
	int i;

	a->v.nlist = 0;
	if (!h)
		return;
	for (i = 0; i < h->nservices && a->v.nlist < (int)(sizeof a->v.list / sizeof a->v.list[0]); i++) {
		bool lane = h->services[i].priority_lane;
		bool want;

		if (a->v.screen == HQ_KS_SERVICES)
			want = (a->v.category == HQ_KCAT_GREEN) == lane;
		else
			want = !lane || !a->v.priority;
		if (want)
			a->v.list[a->v.nlist++] = i;
	}
}

static void go_home(struct app *a)
{
	a->v.code[0] = a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	a->cur_key[0] = '\0';
	go(a, a->link == 0 ? HQ_KS_UNAVAILABLE : a->hall ? HQ_KS_HOME : HQ_KS_START);
	make_list(a);
}

static void message(struct app *a, const char *zh, const char *en)
{
	snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "%s", zh);
	snprintf(a->v.msg_en, sizeof a->v.msg_en, "%s", en);
	go(a, HQ_KS_MESSAGE);
}

/* ---- the printer ------------------------------------------------------------------------ */

static bool printer_ok(const struct app *a)
{
	return a->has_printer && a->pst_known && hq_printer_ready(&a->pst);
}

static const char *printer_state(const struct app *a)
{
	if (!a->has_printer)
		return "none";
	return a->pst_known ? hq_printer_state_name(&a->pst) : "offline";
}

/* Why a ticket cannot go on paper now, as the citizen reads it. */
static void printer_words(const struct app *a, const char **zh, const char **en)
{
	const char *s = printer_state(a);

	if (!strcmp(s, "paper_out"))
		*zh = "打印机缺纸", *en = "The printer is out of paper";
	else if (!strcmp(s, "cover_open"))
		*zh = "打印机盖未关好", *en = "The printer cover is open";
	else if (!strcmp(s, "error"))
		*zh = "打印机故障", *en = "The printer has a fault";
	else
		*zh = "打印机离线", *en = "The printer is offline";
}

static void update_banner(struct app *a)
{
	struct hq_kview *v = &a->v;
	const char *zh, *en;
	bool refuse_cfg = a->hall && a->hall->kiosk.refuse_on_fault;

	v->banner_zh[0] = v->banner_en[0] = '\0';
	v->banner_bad = false;
	v->refuse = false;
	if (!a->has_printer)
		return;
	if (printer_ok(a)) {
		if (a->pst.paper_near_end) {
			snprintf(v->banner_zh, sizeof v->banner_zh, "打印纸即将用完，请工作人员更换");
			snprintf(v->banner_en, sizeof v->banner_en, "Ticket paper is running low");
		}
		return;
	}
	if (!a->pst_known)
		return;
	printer_words(a, &zh, &en);
	v->banner_bad = true;
	v->refuse = refuse_cfg;
	if (refuse_cfg) {
		snprintf(v->banner_zh, sizeof v->banner_zh, "%s，暂停取号，请联系工作人员", zh);
		snprintf(v->banner_en, sizeof v->banner_en, "%s: no tickets for now, please ask the staff", en);
	} else {
		snprintf(v->banner_zh, sizeof v->banner_zh, "%s：号码将显示在屏幕上", zh);
		snprintf(v->banner_en, sizeof v->banner_en, "%s: your number will be shown on the screen", en);
	}
}

static void report_health(struct app *a)
{
	json_t *r;
	const char *detail = a->pst_known && !printer_ok(a) && a->has_printer ? a->pst_why : "";

	if (!a->net)
		return;
	r = json_pack("{s:s, s:s, s:i, s:I, s:I}", "printer", printer_state(a), "detail", detail,
		      "unprinted", hq_spool_count(a->spool, HQ_SPOOL_UNPRINTED), "issued", (json_int_t)a->issued,
		      "printed", (json_int_t)a->printed);
	if (r)
		hq_net_health(a->net, r);
	json_decref(r);
}

static const char *jstr(json_t *t, const char *key)
{
	const char *s = json_string_value(json_object_get(t, key));

	return s ? s : "";
}

static int jint(json_t *t, const char *key, int dflt)
{
	json_t *v = json_object_get(t, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* The class line of a ticket: priority with its category, appointment. */
static void class_words(json_t *t, const char *category, char *zh, size_t nzh, char *en, size_t nen)
{
	const char *cls = jstr(t, "class");
	int i;

	zh[0] = en[0] = '\0';
	if (!strcmp(cls, "priority")) {
		for (i = 0; i < HQ_KCAT_N && strcmp(category, hq_kcat_zh[i]); i++)
			;
		snprintf(zh, nzh, "优先%s%s", *category ? " · " : "", category);
		snprintf(en, nen, "Priority%s%s", i < HQ_KCAT_N ? " · " : "", i < HQ_KCAT_N ? hq_kcat_en[i] : "");
	} else if (!strcmp(cls, "appointment")) {
		snprintf(zh, nzh, "预约");
		snprintf(en, nen, "Appointment");
	}
}

static void queue_print(struct app *a, struct hq_spool_entry *e, bool reprint)
{
	struct hq_pjob j = { .ahead = -1, .wait_min = -1 };
	json_t *t = e->ticket;
	char zh[128], en[128];
	const char *issued = jstr(t, "issued_at");

	snprintf(j.key, sizeof j.key, "%s", e->key);
	if (a->hall) {
		snprintf(j.hall, sizeof j.hall, "%s", a->hall->name);
		snprintf(j.hall_en, sizeof j.hall_en, "%s", a->hall->name_en);
		snprintf(j.footer, sizeof j.footer, "%s", a->hall->kiosk.footer);
		j.en = a->hall->lang_en;
	}
	snprintf(j.label, sizeof j.label, "%s", jstr(t, "label"));
	snprintf(j.service, sizeof j.service, "%s", jstr(t, "service_name"));
	snprintf(j.service_en, sizeof j.service_en, "%s", jstr(t, "service_name_en"));
	class_words(t, e->category, zh, sizeof zh, en, sizeof en);
	if (reprint)
		snprintf(j.cls, sizeof j.cls, "%.60s%s补打 Reprint", zh, *zh ? " · " : "");
	else
		snprintf(j.cls, sizeof j.cls, "%.60s%s%.60s", zh, *en ? " " : "", en);
	/* "2026-11-23T10:02:11+08:00" → "2026-11-23 10:02" */
	snprintf(j.issued, sizeof j.issued, "%.10s %.5s", issued, strlen(issued) > 11 ? issued + 11 : "");
	snprintf(j.url, sizeof j.url, "%s", jstr(t, "status_url"));
	if (!reprint) {
		j.ahead = jint(t, "people_ahead", -1);
		j.wait_min = (jint(t, "est_wait_s", 0) + 59) / 60;
	}
	if (hq_printq_add(a->pq, &j)) {
		hq_log(HQ_LOG_ERROR, "ticket %s: the print queue is full; it stays in the spool", j.label);
		return;
	}
	e->queued = true;
}

/* Every ticket still owed on paper, once the printer can print. */
static void print_owed(struct app *a)
{
	int i;

	for (i = 0; i < hq_spool_size(a->spool); i++) {
		struct hq_spool_entry *e = hq_spool_at(a->spool, i);

		if (e->state == HQ_SPOOL_UNPRINTED && !e->queued) {
			hq_log(HQ_LOG_INFO, "reprinting %s, issued while the printer could not print",
			    jstr(e->ticket, "label"));
			queue_print(a, e, true);
		}
	}
}

/* ---- requests --------------------------------------------------------------------------- */

static void new_key(struct app *a, char *key, size_t n)
{
	snprintf(key, n, "kiosk-%s-%s-%u", a->o.name, a->run_id, ++a->seq);
}

static void request(struct app *a, const char *service, const char *cls, const char *category,
		    const char *code)
{
	struct hq_spool_entry e = { .state = HQ_SPOOL_PENDING };
	int rc;

	if (a->v.refuse) {
		const char *zh, *en;
		char mz[256], me[256];

		printer_words(a, &zh, &en);
		snprintf(mz, sizeof mz, "%s，暂停取号。请联系工作人员。", zh);
		snprintf(me, sizeof me, "%s: no tickets for now. Please ask the staff.", en);
		say("refused printer");
		message(a, mz, me);
		return;
	}
	new_key(a, e.key, sizeof e.key);
	snprintf(e.service, sizeof e.service, "%s", service ? service : "");
	snprintf(e.cls, sizeof e.cls, "%s", cls ? cls : "");
	snprintf(e.code, sizeof e.code, "%s", code ? code : "");
	snprintf(e.category, sizeof e.category, "%s", category ? category : "");
	/* Into the spool first: from here on the request survives a crash of the kiosk. */
	if ((rc = hq_spool_add(a->spool, &e)))
		hq_log(HQ_LOG_ERROR, "%s; the ticket is requested anyway", hq_spool_error(a->spool));
	rc = code ? hq_net_checkin(a->net, e.key, code) : hq_net_issue(a->net, e.key, service, cls);
	if (rc) {
		hq_spool_remove(a->spool, e.key);
		message(a, "请求过多，请稍候再试", "Too many requests waiting: please try again shortly");
		return;
	}
	snprintf(a->cur_key, sizeof a->cur_key, "%s", e.key);
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	go(a, a->link == 0 ? HQ_KS_UNAVAILABLE : HQ_KS_ISSUING);
}

static void take_service(struct app *a, int idx)
{
	const struct hq_hall_service *sv;
	const char *zh, *en;
	char mz[256], me[256];
	bool prio = a->v.screen == HQ_KS_SERVICES;

	if (!a->hall || idx < 0 || idx >= a->hall->nservices)
		return;
	sv = &a->hall->services[idx];
	if (!hq_kservice_open(sv, &zh, &en)) {
		snprintf(mz, sizeof mz, "%s：%s%s%s", sv->name, zh, *sv->hours ? "。办理时间：" : "", sv->hours);
		snprintf(me, sizeof me, "%s: %s%s%s", *sv->name_en ? sv->name_en : sv->key, en,
			 *sv->hours ? ". Hours: " : "", sv->hours);
		say("refused %s", sv->at_cap ? "cap" : "closed");
		message(a, mz, me);
		return;
	}
	request(a, sv->key, prio || sv->priority_lane ? "priority" : "normal",
		prio ? hq_kcat_zh[a->v.category] : NULL, NULL);
}

static void take_category(struct app *a, int cat)
{
	if (cat < 0 || cat >= HQ_KCAT_N)
		return;
	a->v.category = cat;
	go(a, HQ_KS_SERVICES);
	make_list(a);
	/* The green channel with one lane service needs no second choice. */
	if (cat == HQ_KCAT_GREEN && a->v.nlist == 1)
		take_service(a, a->v.list[0]);
}

static void show_ticket(struct app *a, struct hq_spool_entry *e)
{
	struct hq_kticket_view *t = &a->v.t;
	json_t *j = e->ticket;

	memset(t, 0, sizeof *t);
	snprintf(t->label, sizeof t->label, "%s", jstr(j, "label"));
	snprintf(t->service, sizeof t->service, "%s", jstr(j, "service_name"));
	snprintf(t->service_en, sizeof t->service_en, "%s", jstr(j, "service_name_en"));
	snprintf(t->url, sizeof t->url, "%s", jstr(j, "status_url"));
	class_words(j, e->category, t->cls_zh, sizeof t->cls_zh, t->cls_en, sizeof t->cls_en);
	t->ahead = jint(j, "people_ahead", -1);
	t->wait_min = (jint(j, "est_wait_s", 0) + 59) / 60;
	snprintf(a->cur_key, sizeof a->cur_key, "%s", e->key);
	go(a, HQ_KS_TICKET);
}

static void note_unprinted(struct app *a)
{
	const char *zh, *en;

	a->v.t.show_qr = true;
	if (!a->has_printer) {
		snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "请拍照或记下您的号码");
		snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "Please take a photo or note your number");
		return;
	}
	printer_words(a, &zh, &en);
	snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "%s，请拍照或记下您的号码", zh);
	snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "%s: please take a photo or note your number", en);
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

static void take_issued(struct app *a, struct hq_kmsg *m)
{
	struct hq_spool_entry *e;
	const char *label = jstr(m->ticket, "label");
	bool mine = !strcmp(m->key, a->cur_key);

	if (hq_spool_issued(a->spool, m->key, m->ticket))
		hq_log(HQ_LOG_ERROR, "%s", hq_spool_error(a->spool));
	a->issued++;
	say("ticket %s %lld", label, (long long)json_integer_value(json_object_get(m->ticket, "id")));
	hq_log(HQ_LOG_INFO, "ticket %s for %s (%s)", label, jstr(m->ticket, "service"), m->key);
	if (!(e = hq_spool_find(a->spool, m->key)))
		return;
	/* A late answer to an earlier citizen is printed, not pushed in front of this one. */
	if (mine || a->v.screen == HQ_KS_HOME || a->v.screen == HQ_KS_START)
		show_ticket(a, e);
	if (!a->has_printer) {
		if (mine)
			note_unprinted(a);
		hq_spool_remove(a->spool, m->key);
	} else if (printer_ok(a)) {
		if (mine) {
			snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "正在打印…");
			snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "Printing…");
		}
		queue_print(a, e, false);
	} else if (mine) {
		note_unprinted(a);
	}
	report_health(a);
}

static void take_refused(struct app *a, struct hq_kmsg *m)
{
	struct hq_spool_entry *e = hq_spool_find(a->spool, m->key);
	bool checkin = e && *e->code;
	char zh[256], en[256];

	hq_spool_remove(a->spool, m->key);
	hq_log(HQ_LOG_INFO, "no ticket for %s: %ld %s %s", m->key, m->status, m->code, m->why);
	say("refused %s", *m->code ? m->code : "error");
	if (strcmp(m->key, a->cur_key))
		return;
	refused_words(m, zh, sizeof zh, en, sizeof en);
	a->cur_key[0] = '\0';
	if (checkin) {
		go(a, HQ_KS_KEYPAD);
		a->v.code[0] = '\0';
		snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "%s", zh);
		snprintf(a->v.msg_en, sizeof a->v.msg_en, "%s", en);
	} else {
		message(a, zh, en);
	}
}

static void take_printer(struct app *a, struct hq_kmsg *m)
{
	bool was_ok = printer_ok(a);

	const char *zh, *en;

	a->pst = m->pst;
	a->pst_known = true;
	printer_words(a, &zh, &en);
	snprintf(a->pst_why, sizeof a->pst_why, "%s", en);
	say("printer %s", printer_state(a));
	if (!printer_ok(a))
		hq_log(HQ_LOG_WARN, "printer: %s", printer_state(a));
	else if (!was_ok)
		hq_log(HQ_LOG_INFO, "printer ready%s", a->pst.paper_near_end ? " (paper near its end)" : "");
	update_banner(a);
	if (printer_ok(a) && !was_ok)
		print_owed(a);
	report_health(a);
	a->dirty = true;
}

static void take_printed(struct app *a, struct hq_kmsg *m, bool ok)
{
	struct hq_spool_entry *e = hq_spool_find(a->spool, m->key);
	const char *label = e ? jstr(e->ticket, "label") : "?";
	bool shown = a->v.screen == HQ_KS_TICKET && !strcmp(m->key, a->cur_key);

	if (ok) {
		say("printed %s", label);
		a->printed++;
		if (shown) {
			snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "请取走号票");
			snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "Please take your ticket");
			a->dirty = true;
		}
		hq_spool_remove(a->spool, m->key);
	} else {
		say("not-printed %s %s", label, hq_printer_state_name(&m->pst));
		hq_log(HQ_LOG_WARN, "ticket %s not printed (%s): kept to print when the printer is back",
		    label, m->why);
		if (e)
			e->queued = false;
		a->pst = m->pst;
		a->pst_known = true;
		snprintf(a->pst_why, sizeof a->pst_why, "%s", m->why);
		update_banner(a);
		if (shown) {
			note_unprinted(a);
			a->dirty = true;
		}
	}
	report_health(a);
}

static void take_hall(struct app *a, struct hq_kmsg *m)
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
	update_banner(a);
	if (first && a->v.screen == HQ_KS_START)
		go_home(a);
	else if (a->v.screen == HQ_KS_HOME || a->v.screen == HQ_KS_SERVICES)
		make_list(a);
	a->dirty = true;
}

static void take_link(struct app *a, struct hq_kmsg *m)
{
	a->link = m->up;
	say("%s", m->up ? "online" : "offline");
	if (!m->up) {
		hq_log(HQ_LOG_WARN, "hallqd does not answer: %s", m->why);
		if (a->v.screen == HQ_KS_TICKET || a->v.screen == HQ_KS_MESSAGE)
			return;
		if (*a->cur_key) {
			snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "您的取号请求已保留，恢复后自动出号");
			snprintf(a->v.msg_en, sizeof a->v.msg_en, "Your request is kept: the ticket comes as soon as we are back");
		} else {
			a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
		}
		go(a, HQ_KS_UNAVAILABLE);
		return;
	}
	hq_log(HQ_LOG_INFO, "hallqd answers at %s", a->o.url);
	if (a->v.screen == HQ_KS_UNAVAILABLE) {
		if (*a->cur_key && hq_spool_find(a->spool, a->cur_key))
			go(a, HQ_KS_ISSUING);
		else
			go_home(a);
	}
	report_health(a);
}

static void take_msg(struct app *a, struct hq_kmsg *m)
{
	switch (m->kind) {
	case HQ_KM_HALL: take_hall(a, m); break;
	case HQ_KM_LINK: take_link(a, m); break;
	case HQ_KM_ISSUED: take_issued(a, m); break;
	case HQ_KM_REFUSED: take_refused(a, m); break;
	case HQ_KM_PRINTER: take_printer(a, m); break;
	case HQ_KM_PRINTED: take_printed(a, m, true); break;
	case HQ_KM_NOT_PRINTED: take_printed(a, m, false); break;
	}
	hq_kmsg_free(m);
}

/* ---- input ------------------------------------------------------------------------------ */

static void act(struct app *a, enum hq_kact k, int arg)
{
	struct hq_kview *v = &a->v;
	int per, w, h;

	a->last_touch_ms = hq_mono_ms();
	switch (k) {
	case HQ_KA_NONE:
		return;
	case HQ_KA_SERVICE:
		take_service(a, arg);
		break;
	case HQ_KA_LANG:
		v->en = !v->en;
		break;
	case HQ_KA_PRIORITY:
		go(a, HQ_KS_PRIORITY);
		break;
	case HQ_KA_APPOINT:
		v->code[0] = v->msg_zh[0] = v->msg_en[0] = '\0';
		go(a, HQ_KS_KEYPAD);
		break;
	case HQ_KA_CATEGORY:
		take_category(a, arg);
		break;
	case HQ_KA_DIGIT:
		if (strlen(v->code) < 6) {
			size_t n = strlen(v->code);

			v->code[n] = (char)('0' + arg);
			v->code[n + 1] = '\0';
		}
		v->msg_zh[0] = v->msg_en[0] = '\0';
		break;
	case HQ_KA_DELETE:
		if (*v->code)
			v->code[strlen(v->code) - 1] = '\0';
		break;
	case HQ_KA_OK:
		if (strlen(v->code) != 6) {
			snprintf(v->msg_zh, sizeof v->msg_zh, "预约码是6位数字");
			snprintf(v->msg_en, sizeof v->msg_en, "The code has 6 digits");
			break;
		}
		request(a, NULL, NULL, NULL, v->code);
		break;
	case HQ_KA_BACK:
		if (v->screen == HQ_KS_SERVICES)
			go(a, HQ_KS_PRIORITY);
		else
			go_home(a);
		break;
	case HQ_KA_PAGE:
		hq_ren_size(a->ui.ren, &w, &h);
		per = hq_kscreen_per_page(a->scr, w, h);
		v->page += arg;
		if (v->page < 0 || v->page * per >= v->nlist)
			v->page = 0;
		v->focus = -1;
		break;
	case HQ_KA_DISMISS:
		if (v->screen == HQ_KS_MESSAGE && *v->code)
			go(a, HQ_KS_KEYPAD);
		else
			go_home(a);
		break;
	}
	a->dirty = true;
}

/* Kiosks with hardware buttons, and keyboards for accessibility: 1–9 choose the Nth item,
 * arrows move the focus, Enter takes it, Escape goes back. */
static void key(struct app *a, const SDL_Keysym *ks)
{
	struct hq_kview *v = &a->v;
	SDL_Keycode c = ks->sym;
	int digit = c >= SDLK_0 && c <= SDLK_9 ? (int)(c - SDLK_0)
		  : c >= SDLK_KP_1 && c <= SDLK_KP_9 ? (int)(c - SDLK_KP_1) + 1
		  : c == SDLK_KP_0 ? 0 : -1;
	bool enter = c == SDLK_RETURN || c == SDLK_KP_ENTER;
	int per, w, h, n;

	if (c == SDLK_F12) {
		a->shots_wanted++;
		return;
	}
	if (c == SDLK_q && (ks->mod & KMOD_CTRL)) {
		a->quit = true;
		return;
	}
	hq_ren_size(a->ui.ren, &w, &h);
	per = hq_kscreen_per_page(a->scr, w, h);
	n = v->nlist - v->page * per < per ? v->nlist - v->page * per : per;
	switch (v->screen) {
	case HQ_KS_HOME:
	case HQ_KS_SERVICES:
		if (digit >= 1 && digit <= n && digit <= 9)
			act(a, HQ_KA_SERVICE, v->list[v->page * per + digit - 1]);
		else if ((c == SDLK_RIGHT || c == SDLK_DOWN || c == SDLK_TAB) && n)
			v->focus = (v->focus + 1) % n, a->dirty = true;
		else if ((c == SDLK_LEFT || c == SDLK_UP) && n)
			v->focus = (v->focus + n - 1) % n, a->dirty = true;
		else if (enter && v->focus >= 0 && v->focus < n)
			act(a, HQ_KA_SERVICE, v->list[v->page * per + v->focus]);
		else if (c == SDLK_PAGEDOWN || c == SDLK_PAGEUP)
			act(a, HQ_KA_PAGE, c == SDLK_PAGEDOWN ? 1 : -1);
		else if (c == SDLK_ESCAPE && v->screen == HQ_KS_SERVICES)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_PRIORITY:
		if (digit >= 1 && digit <= HQ_KCAT_N)
			act(a, HQ_KA_CATEGORY, digit - 1);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_KEYPAD:
		if (digit >= 0)
			act(a, HQ_KA_DIGIT, digit);
		else if (c == SDLK_BACKSPACE)
			act(a, HQ_KA_DELETE, 0);
		else if (enter)
			act(a, HQ_KA_OK, 0);
		else if (c == SDLK_ESCAPE)
			act(a, HQ_KA_BACK, 0);
		break;
	case HQ_KS_TICKET:
	case HQ_KS_MESSAGE:
		if (enter || c == SDLK_ESCAPE || c == SDLK_SPACE)
			act(a, HQ_KA_DISMISS, 0);
		break;
	default:
		break;
	}
}

static void handle(struct app *a, const SDL_Event *e)
{
	int arg = 0;
	enum hq_kact k;

	if (e->type == a->ev_msg) {
		take_msg(a, e->user.data1);
	} else if (e->type == a->ui.ev_shot) {
		a->shots_wanted++;
	} else if (e->type == SDL_QUIT) {
		a->quit = true;
	} else if (e->type == SDL_KEYDOWN) {
		key(a, &e->key.keysym);
	} else if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
		/* A finger arrives here too: SDL turns touches into mouse events. */
		k = hq_kscreen_hit(a->scr, e->button.x, e->button.y, &arg);
		act(a, k, arg);
	} else if (e->type == SDL_WINDOWEVENT) {
		if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			if (hq_ren_resize(a->ui.ren))
				hq_log(HQ_LOG_ERROR, "%s", hq_ren_error(a->ui.ren));
			a->dirty = true;
		} else if (e->window.event == SDL_WINDOWEVENT_EXPOSED) {
			a->dirty = true;
		}
	}
}

/* ---- the main loop ---------------------------------------------------------------------- */

/* Time passing: countdowns, going home after idling, the clock's minute. */
static void tick(struct app *a, int64_t now)
{
	struct hq_kview *v = &a->v;
	int left;

	if (a->deadline_ms) {
		left = (int)((a->deadline_ms - now + 999) / 1000);
		if (left <= 0) {
			if (v->screen == HQ_KS_MESSAGE && *v->code)
				go(a, HQ_KS_KEYPAD);
			else
				go_home(a);
		} else if (left != v->countdown_s) {
			v->countdown_s = left;
			a->dirty = true;
		}
	}
	if ((v->screen == HQ_KS_PRIORITY || v->screen == HQ_KS_SERVICES || v->screen == HQ_KS_KEYPAD) &&
	    now - (a->last_touch_ms > a->screen_since_ms ? a->last_touch_ms : a->screen_since_ms) > IDLE_HOME_S * 1000)
		go_home(a);
	if (v->screen == HQ_KS_HOME && v->en && now - a->last_touch_ms > IDLE_HOME_S * 1000) {
		v->en = false;      /* the next citizen starts in Chinese */
		a->dirty = true;
	}
	if (v->wall_ms / 60000 != hall_now(a) / 60000)
		a->dirty = true;
}

static void present(struct app *a)
{
	char line[64];
	struct timespec ts;

	a->v.wall_ms = hall_now(a);
	hq_kscreen_draw(a->scr, a->ui.ren, &a->v);
	hq_ren_present(a->ui.ren, NULL, 0);
	a->dirty = false;
	snprintf(line, sizeof line, "%s%s%s", hq_kscreen_name(a->v.screen),
		 a->v.screen == HQ_KS_TICKET ? " " : "", a->v.screen == HQ_KS_TICKET ? a->v.t.label : "");
	if (strcmp(line, a->shown)) {
		snprintf(a->shown, sizeof a->shown, "%s", line);
		if (a->trace) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			say("screen %s %lld", line, (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
		} else {
			say("screen %s", line);
		}
	}
	if (!a->ready && a->hall && a->v.screen != HQ_KS_START) {
		a->ready = true;
		hq_log(HQ_LOG_INFO, "showing %s", a->hall->name);
		say("ready");
	}
}

static void run(struct app *a)
{
	SDL_Event e;
	int64_t now;
	int wait;

	go(a, HQ_KS_START);
	while (!a->quit) {
		now = hq_mono_ms();
		tick(a, now);
		if (a->dirty)
			present(a);
		for (; a->shots_wanted > 0; a->shots_wanted--)
			hq_app_save_shot(&a->ui, a->o.shot_dir, hq_kscreen_name(a->v.screen));
		/* Wake at the next second for countdowns and the clock; events wake us sooner. */
		wait = 1000 - (int)(hq_real_now(NULL) % 1000);
		if (SDL_WaitEventTimeout(&e, wait)) {
			handle(a, &e);
			while (!a->quit && SDL_PollEvent(&e))
				handle(a, &e);
		}
	}
}

/* ---- start-up --------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-kiosk --server URL [--token TOKEN] [--printer serial:PORT:BAUD | file:PATH | none]\n"
		"                   [--fullscreen | --window WxH] [--display N] [--shot-dir DIR]\n"
		"                   [--name NAME] [--spool FILE] [--preview-dir DIR] [--font PATH]\n"
		"                   [--report SECONDS] [--printer-poll MS]\n"
		"The token (role kiosk) may come from the HALLQ_TOKEN environment variable.\n"
		"F12 or SIGUSR1 saves a screenshot in the shot directory. See docs/kiosk.md.\n");
}

static bool good_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > NAME_MAX_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' }, { "token", required_argument, NULL, 't' },
		{ "printer", required_argument, NULL, 'p' }, { "fullscreen", no_argument, NULL, 'f' },
		{ "window", required_argument, NULL, 'w' }, { "display", required_argument, NULL, 'd' },
		{ "shot-dir", required_argument, NULL, 'S' }, { "font", required_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'n' }, { "spool", required_argument, NULL, 'o' },
		{ "preview-dir", required_argument, NULL, 'P' }, { "report", required_argument, NULL, 'r' },
		{ "printer-poll", required_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->url = optarg; break;
		case 't': o->token = optarg; break;
		case 'p': o->printer = optarg; break;
		case 'f': o->fullscreen = true; break;
		case 'w':
			if (hq_app_parse_window(PROG, optarg, "1080x1920", &o->win_w, &o->win_h))
				return 2;
			o->fullscreen = false;
			break;
		case 'd': if (hq_app_parse_int(PROG, "--display", optarg, 0, 63, &o->display)) return 2; break;
		case 'S': o->shot_dir = optarg; break;
		case 'F': o->font = optarg; break;
		case 'n':
			if (!good_name(optarg)) {
				fprintf(stderr, "hallq-kiosk: --name %s: want 1 to %d letters, digits, '-', '_' or '.'\n",
					optarg, NAME_MAX_LEN);
				return 2;
			}
			snprintf(o->name, sizeof o->name, "%s", optarg);
			break;
		case 'o': o->spool = optarg; break;
		case 'P': o->preview_dir = optarg; break;
		case 'r': if (hq_app_parse_int(PROG, "--report", optarg, 1, 3600, &o->report_s)) return 2; break;
		case 'l': if (hq_app_parse_int(PROG, "--printer-poll", optarg, 100, 60000, &o->poll_ms)) return 2; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !o->url) {
		usage(stderr);
		return 2;
	}
	if (!o->token || !*o->token) {
		fprintf(stderr, "hallq-kiosk: no token: give --token or set HALLQ_TOKEN\n");
		return 2;
	}
	return 0;
}

/* The kiosk's name for hallqd's health list and its keys: --name, else the host's name. */
static void default_name(struct opts *o)
{
	char host[256], *p;

	if (*o->name)
		return;
	if (gethostname(host, sizeof host) < 0 || !*host)
		snprintf(host, sizeof host, "kiosk");
	host[NAME_MAX_LEN] = '\0';
	for (p = host; *p; p++)
		if (!good_name((char[2]){ *p, 0 }))
			*p = '-';
	snprintf(o->name, sizeof o->name, "%.32s", host);
}

static int start_threads(struct app *a)
{
	struct hq_printer *p = NULL;
	char err[512];
	int i;

	if (strcmp(a->o.printer, "none")) {
		if (!(p = hq_printer_new(a->o.printer, err, sizeof err))) {
			fprintf(stderr, "hallq-kiosk: %s\n", err);
			return HQ_EINVAL;
		}
		struct hq_printq_opts po = { .poll_ms = a->o.poll_ms, .preview_dir = a->o.preview_dir,
					     .font_path = a->ui.font.path, .font_index = a->ui.font.index,
					     .post = post_msg, .ctx = a };

		if (!(a->pq = hq_printq_start(p, &po))) {
			hq_printer_free(p);
			return HQ_ENOMEM;
		}
		a->has_printer = true;
	}
	struct hq_net_opts no = { .url = a->o.url, .token = a->o.token, .name = a->o.name,
				  .report_s = a->o.report_s, .post = post_msg, .ctx = a };

	if (!(a->net = hq_net_start(&no)))
		return HQ_ENOMEM;
	/* What the spool owes from before: requests go again under their keys, tickets are
	 * printed once the printer says it can. */
	for (i = 0; i < hq_spool_size(a->spool); i++) {
		struct hq_spool_entry *e = hq_spool_at(a->spool, i);

		if (e->state != HQ_SPOOL_PENDING)
			continue;
		hq_log(HQ_LOG_INFO, "resending request %s from before the restart", e->key);
		if (*e->code)
			hq_net_checkin(a->net, e->key, e->code);
		else
			hq_net_issue(a->net, e->key, e->service, e->cls);
	}
	return HQ_OK;
}

static int open_spool(struct app *a)
{
	static char path[PATH_MAX];
	char err[PATH_MAX + 256], day[16];
	time_t t = time(NULL);
	struct tm tm;
	int n;

	if (!a->o.spool) {
		snprintf(path, sizeof path, "hallq-kiosk-%s.spool", a->o.name);
		a->o.spool = path;
	}
	if (!(a->spool = hq_spool_open(a->o.spool, err, sizeof err))) {
		fprintf(stderr, "hallq-kiosk: %s\n", err);
		return HQ_EIO;
	}
	localtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	if ((n = hq_spool_drop_old(a->spool, day)) > 0)
		hq_log(HQ_LOG_WARN, "%d unprinted ticket%s of an earlier day dropped from the spool", n, n == 1 ? "" : "s");
	if (hq_spool_size(a->spool))
		hq_log(HQ_LOG_INFO, "spool %s: %d request%s pending, %d ticket%s to print", a->o.spool,
		    hq_spool_count(a->spool, HQ_SPOOL_PENDING), hq_spool_count(a->spool, HQ_SPOOL_PENDING) == 1 ? "" : "s",
		    hq_spool_count(a->spool, HQ_SPOOL_UNPRINTED), hq_spool_count(a->spool, HQ_SPOOL_UNPRINTED) == 1 ? "" : "s");
	return HQ_OK;
}

int main(int argc, char **argv)
{
	struct app a = { .link = -1, .o = { .fullscreen = true, .shot_dir = ".", .printer = "none",
				.report_s = 5, .poll_ms = 2000 } };
	uint64_t rnd = 0;
	int rc = 1, r;

	hq_log_init("hallq-kiosk");
	a.o.token = getenv("HALLQ_TOKEN");
	a.trace = getenv("HALLQ_KIOSK_TRACE") && *getenv("HALLQ_KIOSK_TRACE");
	a.v.focus = -1;
	if ((rc = parse_opts(argc, argv, &a.o)))
		return rc == 1 ? 0 : rc;
	rc = 1;
	default_name(&a.o);
	/* Keys must never repeat across runs: a random run id besides the sequence. */
	if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
		rnd = (uint64_t)hq_real_now(NULL) ^ ((uint64_t)getpid() << 32);
	snprintf(a.run_id, sizeof a.run_id, "%016llx", (unsigned long long)rnd);
	if (open_spool(&a))
		return 1;

	if ((r = hq_app_init(&a.ui, PROG, a.o.font, hq_kscreen_fixed_text(), a.o.display))) {
		rc = r == HQ_EINVAL ? 2 : 1;     /* no such --display: a usage error */
		goto out;
	}
	if (hq_app_open_window(&a.ui, a.o.fullscreen, &a.o.win_w, &a.o.win_h))
		goto out;
	/* A touch screen needs no pointer; a window on a desktop keeps it for the mouse. */
	if (a.o.fullscreen)
		SDL_ShowCursor(SDL_DISABLE);
	/* A screen holds a few dozen texts; a big cache would only fill with old clock
	 * minutes and counts, so memory would climb for hours before it levels off. */
	hq_ren_set_cache(a.ui.ren, 200, 12u << 20);
	if (!(a.scr = hq_kscreen_new()) || (a.ev_msg = SDL_RegisterEvents(1)) == (Uint32)-1) {
		a.ev_msg = 0;
		fprintf(stderr, "hallq-kiosk: out of memory\n");
		goto out;
	}
	if (hq_app_start_signals(&a.ui))
		goto out;
	if (start_threads(&a))
		goto out;
	hq_log(HQ_LOG_INFO, "hallq-kiosk %s: %s as %s, printer %s, font %s, %dx%d", HQ_VERSION, a.o.url,
	    a.o.name, a.o.printer, a.ui.font.path, a.o.win_w, a.o.win_h);
	run(&a);
	hq_log(HQ_LOG_INFO, "stopping");
	rc = 0;
out:
	hq_net_stop(a.net);
	hq_printq_stop(a.pq);
	if (a.ev_msg) {
		SDL_Event e;

		while (SDL_PeepEvents(&e, 1, SDL_GETEVENT, a.ev_msg, a.ev_msg) == 1)
			hq_kmsg_free(e.user.data1);
	}
	if (a.spool && hq_spool_size(a.spool))
		hq_log(HQ_LOG_INFO, "spool %s keeps %d request%s and ticket%s for the next start", a.o.spool,
		    hq_spool_size(a.spool), hq_spool_size(a.spool) == 1 ? "" : "s", hq_spool_size(a.spool) == 1 ? "" : "s");
	hq_spool_close(a.spool);
	hq_hall_free(a.hall);
	hq_kscreen_free(a.scr);
	hq_app_close(&a.ui);
	return rc;
}
