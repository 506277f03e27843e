/*
 * The kiosk's screens and a ticket's way through it: which screen shows and for how long,
 * the printer's state as the citizen and hallqd read it, and a request from the citizen's
 * choice to hallqd under a new idempotency key (into the spool first), then to paper, or to
 * the screen with its QR code when the printer cannot print. input.c and messages.c drive
 * it; it calls neither, so the screens change in one place whatever moved them.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hq_clock.h"
#include "hq_log.h"
#include "kiosk_app.h"

#define MESSAGE_S 8             /* seconds a message (and a review's thanks) stays up */
#define RATE_WAIT_S 10          /* the longest a citizen waits for a look-up or a review */

/* ---- output ----------------------------------------------------------------------------- */

void hq_kiosk_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- screens ---------------------------------------------------------------------------- */

void hq_kiosk_go(struct hq_kiosk *a, enum hq_kscreen_id s)
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
	else if (s == HQ_KS_MESSAGE || s == HQ_KS_RATE_THANKS)
		a->deadline_ms = a->screen_since_ms + MESSAGE_S * 1000;
	else if (s == HQ_KS_RATE_WAIT)
		a->deadline_ms = a->screen_since_ms + RATE_WAIT_S * 1000;
	a->dirty = true;
}

/* The services a list screen offers: home shows every service but the priority lanes
 * (those are the green channel's, on the priority path) unless there is no priority path. */
void hq_kiosk_make_list(struct hq_kiosk *a)
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

void hq_kiosk_go_home(struct hq_kiosk *a)
{
	a->v.code[0] = a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	a->cur_key[0] = a->rate_key[0] = '\0';
	memset(&a->v.r, 0, sizeof a->v.r);
	hq_kiosk_go(a, a->link == 0 ? HQ_KS_UNAVAILABLE : a->hall ? HQ_KS_HOME : HQ_KS_START);
	hq_kiosk_make_list(a);
}

void hq_kiosk_message(struct hq_kiosk *a, const char *zh, const char *en)
{
	snprintf(a->v.msg_zh, sizeof a->v.msg_zh, "%s", zh);
	snprintf(a->v.msg_en, sizeof a->v.msg_en, "%s", en);
	hq_kiosk_go(a, HQ_KS_MESSAGE);
}

/* ---- the printer ------------------------------------------------------------------------ */

bool hq_kiosk_printer_ok(const struct hq_kiosk *a)
{
	return a->has_printer && a->pst_known && hq_printer_ready(&a->pst);
}

const char *hq_kiosk_printer_state(const struct hq_kiosk *a)
{
	if (!a->has_printer)
		return "none";
	return a->pst_known ? hq_printer_state_name(&a->pst) : "offline";
}

/* Why a ticket cannot go on paper now, as the citizen reads it. */
void hq_kiosk_printer_words(const struct hq_kiosk *a, const char **zh, const char **en)
{
	const char *s = hq_kiosk_printer_state(a);

	if (!strcmp(s, "paper_out"))
		*zh = "打印机缺纸", *en = "The printer is out of paper";
	else if (!strcmp(s, "cover_open"))
		*zh = "打印机盖未关好", *en = "The printer cover is open";
	else if (!strcmp(s, "error"))
		*zh = "打印机故障", *en = "The printer has a fault";
	else
		*zh = "打印机离线", *en = "The printer is offline";
}

void hq_kiosk_update_banner(struct hq_kiosk *a)
{
	struct hq_kview *v = &a->v;
	const char *zh, *en;
	bool refuse_cfg = a->hall && a->hall->kiosk.refuse_on_fault;

	v->banner_zh[0] = v->banner_en[0] = '\0';
	v->banner_bad = false;
	v->refuse = false;
	if (!a->has_printer)
		return;
	if (hq_kiosk_printer_ok(a)) {
		if (a->pst.paper_near_end) {
			snprintf(v->banner_zh, sizeof v->banner_zh, "打印纸即将用完，请工作人员更换");
			snprintf(v->banner_en, sizeof v->banner_en, "Ticket paper is running low");
		}
		return;
	}
	if (!a->pst_known)
		return;
	hq_kiosk_printer_words(a, &zh, &en);
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

void hq_kiosk_report_health(struct hq_kiosk *a)
{
	json_t *r;
	const char *detail = a->pst_known && !hq_kiosk_printer_ok(a) && a->has_printer ? a->pst_why : "";

	if (!a->net)
		return;
	r = json_pack("{s:s, s:s, s:i, s:I, s:I}", "printer", hq_kiosk_printer_state(a), "detail", detail,
		      "unprinted", hq_spool_count(a->spool, HQ_SPOOL_UNPRINTED), "issued", (json_int_t)a->issued,
		      "printed", (json_int_t)a->printed);
	if (r)
		hq_net_health(a->net, r);
	json_decref(r);
}

const char *hq_kiosk_jstr(json_t *t, const char *key)
{
	const char *s = json_string_value(json_object_get(t, key));

	return s ? s : "";
}

static int jint(json_t *t, const char *key, int dflt)
{
	json_t *v = json_object_get(t, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* "HH:MM" of an ISO 8601 local time ("2026-11-23T13:30:00+08:00"): the hall's own clock,
 * as hallqd wrote it, whatever zone the kiosk's machine is set to. False when it is not one. */
static bool iso_hhmm(const char *iso, char out[6])
{
	const char *p = iso + 11;

	if (strlen(iso) < 16 || iso[10] != 'T' || p[2] != ':' || !isdigit((unsigned char)p[0]) ||
	    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]) ||
	    (p[0] - '0') * 10 + (p[1] - '0') > 23 || p[3] > '5')
		return false;
	memcpy(out, p, 5);
	out[5] = '\0';
	return true;
}

/*
 * A ticket's estimate as hallqd gave it (docs/api.md): est_wait_s in seconds, or null with
 * est_reason "no_counter" when no counter serving it was open, and then est_opens_at when
 * the service's hours open later that day. An older hallqd sends the number alone. Null is
 * never a wait of 0 ("next soon"): it is *no_counter, with the opening time in opens (or
 * ""). Anything else (a negative or non-numeric wait, a reason this kiosk does not know) is
 * no estimate at all: *wait_min -1, the line left out, and the log says so; the ticket
 * itself is good and goes on to the screen and the paper.
 *
 * Where the ticket says "estimate_display": "range" (the hall's choice when it was issued,
 * kept with the ticket in the spool) and has est_wait_range_s [low, high], range_min is
 * that range in minutes (hq_est_range_minutes) to show instead of the point; else {0, 0}.
 * An older hallqd sends neither: the point, as before.
 */
static void ticket_estimate(json_t *t, int *wait_min, int range_min[2], bool *no_counter, char opens[6])
{
	json_t *v = json_object_get(t, "est_wait_s"), *rv = json_object_get(t, "est_wait_range_s");
	const char *reason = json_string_value(json_object_get(t, "est_reason"));
	const char *at = json_string_value(json_object_get(t, "est_opens_at"));
	const char *display = json_string_value(json_object_get(t, "estimate_display"));
	const char *label = hq_kiosk_jstr(t, "label");
	json_t *lo = json_array_get(rv, 0), *hi = json_array_get(rv, 1);
	int range_s[2];

	*wait_min = -1;
	range_min[0] = range_min[1] = 0;
	*no_counter = false;
	opens[0] = '\0';
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < 100 * 3600) {
		*wait_min = (int)((json_integer_value(v) + 59) / 60);
	} else if (json_is_null(v) && (!reason || !strcmp(reason, "no_counter"))) {
		*no_counter = true;
		if (at && !iso_hhmm(at, opens))
			hq_log(HQ_LOG_WARN, "ticket %s: est_opens_at '%.40s' is not a time; left out", label, at);
		return;
	} else if (v) {
		hq_log(HQ_LOG_WARN, "ticket %s: no estimate shown (est_wait_s %s, est_reason %.40s)", label,
		       json_is_integer(v) ? "out of range" : json_is_null(v) ? "null" : "not a number",
		       reason ? reason : "none");
	}
	if (*wait_min < 0 || !display || strcmp(display, "range") || !rv || json_is_null(rv))
		return;
	range_s[0] = range_s[1] = HQ_EST_NONE;
	if (json_array_size(rv) == 2 && json_is_integer(lo) && json_is_integer(hi) &&
	    json_integer_value(lo) >= 0 && json_integer_value(hi) < 100 * 3600) {
		range_s[0] = (int)json_integer_value(lo);
		range_s[1] = (int)json_integer_value(hi);
	}
	if (!hq_est_range_minutes(range_s, range_min))
		hq_log(HQ_LOG_WARN, "ticket %s: est_wait_range_s is not a range; the point is shown", label);
}

/* The class line of a ticket: priority with its category, appointment. */
static void class_words(json_t *t, const char *category, char *zh, size_t nzh, char *en, size_t nen)
{
	const char *cls = hq_kiosk_jstr(t, "class");
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

void hq_kiosk_queue_print(struct hq_kiosk *a, struct hq_spool_entry *e, bool reprint)
{
	struct hq_pjob j = { .ahead = -1, .wait_min = -1 };
	json_t *t = e->ticket;
	char zh[128], en[128];
	const char *issued = hq_kiosk_jstr(t, "issued_at");

	snprintf(j.key, sizeof j.key, "%s", e->key);
	if (a->hall) {
		snprintf(j.hall, sizeof j.hall, "%s", a->hall->name);
		snprintf(j.hall_en, sizeof j.hall_en, "%s", a->hall->name_en);
		snprintf(j.footer, sizeof j.footer, "%s", a->hall->kiosk.footer);
		j.en = a->hall->lang_en;
	}
	snprintf(j.label, sizeof j.label, "%s", hq_kiosk_jstr(t, "label"));
	snprintf(j.service, sizeof j.service, "%s", hq_kiosk_jstr(t, "service_name"));
	snprintf(j.service_en, sizeof j.service_en, "%s", hq_kiosk_jstr(t, "service_name_en"));
	class_words(t, e->category, zh, sizeof zh, en, sizeof en);
	if (reprint)
		snprintf(j.cls, sizeof j.cls, "%.60s%s补打 Reprint", zh, *zh ? " · " : "");
	else
		snprintf(j.cls, sizeof j.cls, "%.60s%s%.60s", zh, *en ? " " : "", en);
	/* "2026-11-23T10:02:11+08:00" → "2026-11-23 10:02" */
	snprintf(j.issued, sizeof j.issued, "%.10s %.5s", issued, strlen(issued) > 11 ? issued + 11 : "");
	snprintf(j.url, sizeof j.url, "%s", hq_kiosk_jstr(t, "status_url"));
	if (!reprint) {
		j.ahead = jint(t, "people_ahead", -1);
		ticket_estimate(t, &j.wait_min, j.range_min, &j.no_counter, j.opens_at);
	}
	if (hq_printq_add(a->pq, &j)) {
		hq_log(HQ_LOG_ERROR, "ticket %s: the print queue is full; it stays in the spool", j.label);
		return;
	}
	e->queued = true;
}

/* Every ticket still owed on paper, once the printer can print. */
void hq_kiosk_print_owed(struct hq_kiosk *a)
{
	int i;

	for (i = 0; i < hq_spool_size(a->spool); i++) {
		struct hq_spool_entry *e = hq_spool_at(a->spool, i);

		if (e->state == HQ_SPOOL_UNPRINTED && !e->queued) {
			hq_log(HQ_LOG_INFO, "reprinting %s, issued while the printer could not print",
			    hq_kiosk_jstr(e->ticket, "label"));
			hq_kiosk_queue_print(a, e, true);
		}
	}
}

/* ---- requests --------------------------------------------------------------------------- */

void hq_kiosk_new_key(struct hq_kiosk *a, char *key, size_t n)
{
	snprintf(key, n, "kiosk-%s-%s-%u", a->o.name, a->run_id, ++a->seq);
}

void hq_kiosk_request(struct hq_kiosk *a, const char *service, const char *cls, const char *category,
		      const char *code)
{
	struct hq_spool_entry e = { .state = HQ_SPOOL_PENDING };
	int rc;

	if (a->v.refuse) {
		const char *zh, *en;
		char mz[256], me[256];

		hq_kiosk_printer_words(a, &zh, &en);
		snprintf(mz, sizeof mz, "%s，暂停取号。请联系工作人员。", zh);
		snprintf(me, sizeof me, "%s: no tickets for now. Please ask the staff.", en);
		hq_kiosk_say("refused printer");
		hq_kiosk_message(a, mz, me);
		return;
	}
	hq_kiosk_new_key(a, e.key, sizeof e.key);
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
		hq_kiosk_message(a, "请求过多，请稍候再试", "Too many requests waiting: please try again shortly");
		return;
	}
	snprintf(a->cur_key, sizeof a->cur_key, "%s", e.key);
	a->v.msg_zh[0] = a->v.msg_en[0] = '\0';
	hq_kiosk_go(a, a->link == 0 ? HQ_KS_UNAVAILABLE : HQ_KS_ISSUING);
}

void hq_kiosk_take_service(struct hq_kiosk *a, int idx)
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
		hq_kiosk_say("refused %s", sv->at_cap ? "cap" : "closed");
		hq_kiosk_message(a, mz, me);
		return;
	}
	hq_kiosk_request(a, sv->key, prio || sv->priority_lane ? "priority" : "normal",
		prio ? hq_kcat_zh[a->v.category] : NULL, NULL);
}

void hq_kiosk_show_ticket(struct hq_kiosk *a, struct hq_spool_entry *e)
{
	struct hq_kticket_view *t = &a->v.t;
	json_t *j = e->ticket;

	memset(t, 0, sizeof *t);
	snprintf(t->label, sizeof t->label, "%s", hq_kiosk_jstr(j, "label"));
	snprintf(t->service, sizeof t->service, "%s", hq_kiosk_jstr(j, "service_name"));
	snprintf(t->service_en, sizeof t->service_en, "%s", hq_kiosk_jstr(j, "service_name_en"));
	snprintf(t->url, sizeof t->url, "%s", hq_kiosk_jstr(j, "status_url"));
	class_words(j, e->category, t->cls_zh, sizeof t->cls_zh, t->cls_en, sizeof t->cls_en);
	t->ahead = jint(j, "people_ahead", -1);
	ticket_estimate(j, &t->wait_min, t->range_min, &t->no_counter, t->opens_at);
	snprintf(a->cur_key, sizeof a->cur_key, "%s", e->key);
	hq_kiosk_go(a, HQ_KS_TICKET);
}

void hq_kiosk_note_unprinted(struct hq_kiosk *a)
{
	const char *zh, *en;

	a->v.t.show_qr = true;
	if (!a->has_printer) {
		snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "请拍照或记下您的号码");
		snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "Please take a photo or note your number");
		return;
	}
	hq_kiosk_printer_words(a, &zh, &en);
	snprintf(a->v.t.note_zh, sizeof a->v.t.note_zh, "%s，请拍照或记下您的号码", zh);
	snprintf(a->v.t.note_en, sizeof a->v.t.note_en, "%s: please take a photo or note your number", en);
}

