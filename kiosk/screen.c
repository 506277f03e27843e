/*
 * The kiosk's screens (screen.h): a header with the hall, the clock and the language
 * switch; a body that differs per screen; a printer banner when the printer needs someone;
 * a footer with the ways on and back. Sizes are fractions of the window's short side, so
 * one layout serves 1280×720 up to 4K, portrait or landscape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qrencode.h>

#include "hq_hall.h"

#include "screen.h"

#define BTN_MAX 96

enum {
	C_BG = 0xF2F4F7, C_HEAD = 0x0B4F8A, C_HEADINK = 0xFFFFFF, C_INK = 0x1B1F24,
	C_SUB = 0x5B6570, C_BTN = 0xFFFFFF, C_EDGE = 0x0B4F8A, C_OFF = 0xD5D9DE,
	C_OFFINK = 0x7A828B, C_RED = 0xC62828, C_AMBER = 0xF9A825, C_FOCUS = 0xF9A825,
	C_PRIO = 0x2E7D32, C_NUM = 0x0B4F8A, C_WHITE = 0xFFFFFF, C_BLACK = 0x000000,
	C_RATE = 0x00796B, C_NOEST = 0xA15C00
};

struct button {
	SDL_Rect rc;
	enum hq_kact act;
	int arg;
};

struct hq_kscreen {
	struct button b[BTN_MAX];
	int nb;
	int w, h;
};

const char *const hq_kcat_zh[HQ_KCAT_N] = { "老年人", "残疾人", "绿色通道" };
const char *const hq_kcat_en[HQ_KCAT_N] = { "Senior citizens (65+)", "People with disabilities",
					    "Green channel (key projects)" };

/* 好差评's five levels as the national scheme names them (hq_level_name), with English. */
const char *const hq_klevel_zh[5] = { "非常不满意", "不满意", "基本满意", "满意", "非常满意" };
const char *const hq_klevel_en[5] = { "Very dissatisfied", "Dissatisfied", "Fairly satisfied", "Satisfied",
				      "Very satisfied" };
/* The reasons of a bad review, the offline indicators (hq_reason_name). */
const char *const hq_kreason_zh[HQ_KREASON_N] = { "服务效率", "服务水平", "服务态度", "其他" };
const char *const hq_kreason_en[HQ_KREASON_N] = { "Efficiency", "Skill", "Attitude", "Other" };
/* Each level's button: green for the good ones, blue for the middle, orange and red. */
static const uint32_t level_fill[5] = { 0xC62828, 0xE65100, 0x0B4F8A, 0x558B2F, 0x2E7D32 };

static const char *const screen_names[] = { "start", "home", "priority", "services", "keypad",
					    "issuing", "ticket", "message", "unavailable", "rate-number",
					    "rate-level", "rate-reasons", "rate-wait", "rate-thanks" };

const char *hq_kscreen_name(enum hq_kscreen_id id)
{
	return (unsigned)id < sizeof screen_names / sizeof screen_names[0] ? screen_names[id] : "?";
}

/* The review's screens' texts and rate.c's messages: their characters, once each. */
#define RATE_TEXT "“”不交他以价保修其再加务动厅原可后因基多大天如字存实对少常平态意感才找提改效数" \
	"整断无是服本核次母水求没法消满率结给络网能自至见评试询谢负责转过非！_"

/* Every fixed text, so that a font without one of its characters is refused at start. */
static const char fixed_text[] =
	"请选择办理事项优先取号预约签到返回上一页下一页等候人约分钟暂停取号今日号已取完"
	"您的号码前面还有预计等候马上就到请取走号票正在打印扫码查看进度触摸屏幕返回首页"
	"正在取号，请稍候…请输入6位预约码删除确认系统正在恢复老年人残疾人绿色通道中文"
	"办理时间：、打印机缺纸故障盖未关好离线纸将用完号码显示在屏幕上请拍照或记下正在连接"
	"为谁取号？选择事项（）·0123456789:-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	HQ_KNOEST_ZH "约后开始办理" HQ_EST_UNDER_MIN_ZH "–"
	RATE_TEXT
	"abcdefghijklmnopqrstuvwxyz ,.()/+!?'";

const char *hq_kscreen_fixed_text(void)
{
	return fixed_text;
}

struct hq_kscreen *hq_kscreen_new(void)
{
	return calloc(1, sizeof(struct hq_kscreen));
}

void hq_kscreen_free(struct hq_kscreen *s)
{
	free(s);
}

bool hq_kservice_open(const struct hq_hall_service *sv, const char **why_zh, const char **why_en)
{
	if (sv->at_cap) {
		*why_zh = "今日号已取完";
		*why_en = "No more tickets today";
		return false;
	}
	if (!sv->open) {
		*why_zh = "暂停取号";
		*why_en = "Not open now";
		return false;
	}
	*why_zh = *why_en = "";
	return true;
}

/* The words of a service with no counter open whose hours open later today, at HH:MM of
 * the kiosk's clock (the header's). */
static void opens_words(int64_t at_ms, char *zh, size_t nzh, char *en, size_t nen)
{
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;
	char hhmm[8];

	localtime_r(&t, &tm);
	strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
	snprintf(zh, nzh, HQ_KOPENS_ZH, hhmm);
	snprintf(en, nen, HQ_KOPENS_EN, hhmm);
}

/* ---- layout ----------------------------------------------------------------------------- */

static int cols_for(int w, int h)
{
	return w > h ? (w >= 1600 ? 4 : 3) : 2;
}

static int rows_for(int w, int h)
{
	return w > h ? 3 : 6;
}

int hq_kscreen_per_page(struct hq_kscreen *s, int w, int h)
{
	(void)s;
	return cols_for(w, h) * rows_for(w, h);
}

struct frame {
	struct hq_kscreen *s;
	struct hq_ren *r;
	const struct hq_kview *v;
	int w, h, u;                /* u: a hundredth of the short side */
	bool both;                  /* the hall shows English too */
	SDL_Rect head, body, banner, foot;
};

static void add_button(struct frame *f, SDL_Rect rc, enum hq_kact act, int arg)
{
	if (f->s->nb < BTN_MAX)
		f->s->b[f->s->nb++] = (struct button){ rc, act, arg };
}

static const char *pick(const struct frame *f, const char *zh, const char *en, bool first)
{
	if (!f->both)
		return first ? zh : "";
	return (f->v->en == first) ? en : zh;
}

/* Text centred in [x, x + w) at y, shrunk to fit; returns the line height used. */
static int centre(struct frame *f, const char *t, int px, uint32_t rgb, int x, int w, int y)
{
	int size;

	if (!t || !*t)
		return 0;
	size = hq_ren_fit(f->r, t, px, w);
	hq_ren_text(f->r, t, size, rgb, x + (w - hq_ren_text_width(f->r, t, size)) / 2, y);
	return hq_ren_line_height(f->r, size);
}

/* The first language's text large and the second's below it, smaller, both centred. */
static int centre2(struct frame *f, const char *zh, const char *en, int px, uint32_t rgb,
		   uint32_t rgb2, int x, int w, int y)
{
	int dy = centre(f, pick(f, zh, en, true), px, rgb, x, w, y);

	return dy + centre(f, pick(f, zh, en, false), px * 55 / 100, rgb2, x, w, y + dy);
}

static void box(struct frame *f, SDL_Rect rc, uint32_t fill, uint32_t edge, int bw)
{
	SDL_Rect in = { rc.x + bw, rc.y + bw, rc.w - 2 * bw, rc.h - 2 * bw };

	hq_ren_fill(f->r, &rc, edge);
	hq_ren_fill(f->r, &in, fill);
}

/* A button with one or two lines of text. */
static void text_button(struct frame *f, SDL_Rect rc, const char *zh, const char *en, uint32_t fill,
			uint32_t ink, enum hq_kact act, int arg)
{
	int px = rc.h * 36 / 100, lh;

	box(f, rc, fill, fill == C_BTN ? C_EDGE : fill, f->u / 3 + 1);
	lh = hq_ren_line_height(f->r, px) + (*pick(f, zh, en, false) ? hq_ren_line_height(f->r, px * 55 / 100) : 0);
	centre2(f, zh, en, px, ink, ink, rc.x + f->u, rc.w - 2 * f->u, rc.y + (rc.h - lh) / 2);
	add_button(f, rc, act, arg);
}

static void draw_header(struct frame *f)
{
	const struct hq_hall *h = f->v->hall;
	char clock[32];
	time_t t = (time_t)(f->v->wall_ms / 1000);
	struct tm tm;
	int px = f->head.h * 40 / 100, cw, lx;

	hq_ren_fill(f->r, &f->head, C_HEAD);
	localtime_r(&t, &tm);
	strftime(clock, sizeof clock, "%Y-%m-%d %H:%M", &tm);
	cw = hq_ren_text_width(f->r, clock, px * 75 / 100);
	hq_ren_text(f->r, clock, px * 75 / 100, C_HEADINK, f->w - cw - 2 * f->u,
		    f->head.y + (f->head.h - hq_ren_line_height(f->r, px * 75 / 100)) / 2);
	lx = f->w - cw - 4 * f->u;
	if (f->both && f->v->screen != HQ_KS_START && f->v->screen != HQ_KS_UNAVAILABLE) {
		SDL_Rect b = { lx - 20 * f->u, f->head.y + f->head.h / 5, 20 * f->u, f->head.h * 3 / 5 };
		const char *l = f->v->en ? "中文" : "English";

		box(f, b, C_HEAD, C_HEADINK, 2);
		centre(f, l, b.h * 50 / 100, C_HEADINK, b.x, b.w, b.y + (b.h - hq_ren_line_height(f->r, b.h * 50 / 100)) / 2);
		add_button(f, b, HQ_KA_LANG, 0);
		lx = b.x - 2 * f->u;
	}
	if (h) {
		const char *name = f->v->en && *h->name_en ? h->name_en : h->name;
		int size = hq_ren_fit(f->r, name, px, lx - 4 * f->u);

		hq_ren_text(f->r, name, size, C_HEADINK, 2 * f->u,
			    f->head.y + (f->head.h - hq_ren_line_height(f->r, size)) / 2);
	}
}

static void draw_banner(struct frame *f)
{
	const struct hq_kview *v = f->v;

	if (!*v->banner_zh)
		return;
	hq_ren_fill(f->r, &f->banner, v->banner_bad ? C_RED : C_AMBER);
	centre(f, pick(f, v->banner_zh, v->banner_en, true), f->banner.h * 42 / 100,
	       v->banner_bad ? C_WHITE : C_INK, f->banner.x + f->u, f->banner.w - 2 * f->u,
	       f->banner.y + (f->banner.h - hq_ren_line_height(f->r, f->banner.h * 42 / 100)) / 2);
}

/* Footer buttons, side by side from the left, the last one may sit at the right. */
static SDL_Rect foot_slot(const struct frame *f, int i, int n)
{
	int gap = 2 * f->u, bw = (f->foot.w - (n + 1) * gap) / n;

	return (SDL_Rect){ f->foot.x + gap + i * (bw + gap), f->foot.y + f->u, bw, f->foot.h - 2 * f->u };
}

static void title(struct frame *f, const char *zh, const char *en, int *y)
{
	*y += centre2(f, zh, en, 5 * f->u, C_INK, C_SUB, f->body.x, f->body.w, *y) + f->u;
}

/* The grid of services: home, or the services of a priority ticket. */
static void draw_services(struct frame *f, int y0)
{
	const struct hq_kview *v = f->v;
	const struct hq_hall *h = v->hall;
	int cols = cols_for(f->w, f->h), rows = rows_for(f->w, f->h), per = cols * rows;
	int gap = 2 * f->u, bw = (f->body.w - (cols + 1) * gap) / cols;
	int bh = (f->body.y + f->body.h - y0 - (rows + 1) * gap) / rows, i;

	if (!h)
		return;
	for (i = 0; i < per && v->page * per + i < v->nlist; i++) {
		int idx = v->list[v->page * per + i];
		const struct hq_hall_service *sv = &h->services[idx];
		SDL_Rect rc = { f->body.x + gap + (i % cols) * (bw + gap), y0 + gap + (i / cols) * (bh + gap), bw, bh };
		const char *why_zh, *why_en;
		bool open = hq_kservice_open(sv, &why_zh, &why_en) && !v->refuse;
		char key[4], line_zh[96], line_en[96];
		int px = bh * 24 / 100, y, est, rm[2];
		bool prio, ranged;
		uint32_t ink;

		if (px > 7 * f->u)
			px = 7 * f->u;
		box(f, rc, open ? C_BTN : C_OFF, i == v->focus ? C_FOCUS : open ? C_EDGE : C_OFF,
		    i == v->focus ? f->u : f->u / 3 + 1);
		if (i < 9) {
			snprintf(key, sizeof key, "%d", i + 1);
			hq_ren_text(f->r, key, px * 55 / 100, open ? C_SUB : C_OFFINK, rc.x + f->u, rc.y + f->u / 2);
		}
		y = rc.y + bh * 14 / 100;
		y += centre(f, f->v->en && *sv->name_en ? sv->name_en : sv->name, px, open ? C_INK : C_OFFINK,
			    rc.x + 2 * f->u, rc.w - 4 * f->u, y);
		if (f->both)
			y += centre(f, f->v->en ? sv->name : sv->name_en, px * 55 / 100, open ? C_SUB : C_OFFINK,
				    rc.x + 2 * f->u, rc.w - 4 * f->u, y);
		/* The priority path's buttons give the wait of the ticket it issues: a priority
		 * one (a priority lane's own estimate is of that class already). hallqd gives no
		 * range for that class, so those buttons keep the point where the hall shows
		 * ranges (estimate_display = range). */
		prio = v->screen == HQ_KS_SERVICES && !sv->priority_lane;
		est = prio ? sv->est_wait_priority_s : sv->est_wait_s;
		ranged = h->estimate_range && !prio && est != HQ_EST_NONE && hq_est_range_minutes(sv->est_range_s, rm);
		ink = open ? C_SUB : C_RED;
		if (est == HQ_EST_NONE && sv->est_opens_at && !sv->at_cap) {
			opens_words(sv->est_opens_at, line_zh, sizeof line_zh, line_en, sizeof line_en);
			ink = open ? C_NOEST : C_RED;
		} else if (!open && !v->refuse) {
			snprintf(line_zh, sizeof line_zh, "%s", why_zh);
			snprintf(line_en, sizeof line_en, "%s", why_en);
		} else if (est == HQ_EST_NONE || est < 0) {
			/* Nobody knows the wait while no counter serves it: never "a minute". */
			snprintf(line_zh, sizeof line_zh, "等候 %d 人 · %s", sv->waiting, HQ_KNOEST_ZH);
			snprintf(line_en, sizeof line_en, "%d waiting · %s", sv->waiting, HQ_KNOEST_EN);
			ink = open ? C_NOEST : C_OFFINK;
		} else if (ranged && rm[1] <= 1) {
			snprintf(line_zh, sizeof line_zh, "等候 %d 人 · " HQ_EST_UNDER_MIN_ZH, sv->waiting);
			snprintf(line_en, sizeof line_en, "%d waiting · " HQ_EST_UNDER_MIN_EN, sv->waiting);
		} else if (ranged) {
			snprintf(line_zh, sizeof line_zh, "等候 %d 人 · " HQ_EST_RANGE_ZH, sv->waiting, rm[0], rm[1]);
			snprintf(line_en, sizeof line_en, "%d waiting · " HQ_EST_RANGE_EN, sv->waiting, rm[0], rm[1]);
		} else if (est < 60) {
			snprintf(line_zh, sizeof line_zh, "等候 %d 人", sv->waiting);
			snprintf(line_en, sizeof line_en, "%d waiting", sv->waiting);
		} else {
			snprintf(line_zh, sizeof line_zh, "等候 %d 人 · 约 %d 分钟", sv->waiting, (est + 59) / 60);
			snprintf(line_en, sizeof line_en, "%d waiting · about %d min", sv->waiting, (est + 59) / 60);
		}
		centre(f, pick(f, line_zh, line_en, true), px * 60 / 100, ink,
		       rc.x + f->u, rc.w - 2 * f->u, rc.y + bh - hq_ren_line_height(f->r, px * 60 / 100) - bh * 10 / 100);
		add_button(f, rc, HQ_KA_SERVICE, idx);
	}
}

static int pages(const struct frame *f)
{
	int per = cols_for(f->w, f->h) * rows_for(f->w, f->h);

	return (f->v->nlist + per - 1) / per;
}

static void draw_home(struct frame *f)
{
	int y = f->body.y + 2 * f->u, n = 0, i = 0, np = pages(f);

	title(f, "请选择办理事项", "Please choose a service", &y);
	draw_services(f, y);
	n = f->v->priority + f->v->appointments + 1 + (np > 1 ? 2 : 0);
	if (f->v->priority)
		text_button(f, foot_slot(f, i++, n), "优先取号", "Priority ticket", C_PRIO, C_WHITE, HQ_KA_PRIORITY, 0);
	if (f->v->appointments)
		text_button(f, foot_slot(f, i++, n), "预约签到", "Appointment check-in", C_HEAD, C_WHITE,
			    HQ_KA_APPOINT, 0);
	text_button(f, foot_slot(f, i++, n), "评价服务", "Rate a service", C_RATE, C_WHITE, HQ_KA_RATE, 0);
	if (np > 1) {
		text_button(f, foot_slot(f, i++, n), "上一页", "Previous", C_BTN, C_INK, HQ_KA_PAGE, -1);
		text_button(f, foot_slot(f, i++, n), "下一页", "Next", C_BTN, C_INK, HQ_KA_PAGE, 1);
	}
}

static void draw_priority(struct frame *f)
{
	int y = f->body.y + 2 * f->u, i, gap = 2 * f->u;
	int bh = (f->body.y + f->body.h - y - 16 * f->u) / HQ_KCAT_N - gap;

	title(f, "优先取号：为谁取号？", "Priority ticket: who is it for?", &y);
	y += 2 * f->u;
	if (bh > 22 * f->u)
		bh = 22 * f->u;
	for (i = 0; i < HQ_KCAT_N; i++) {
		SDL_Rect rc = { f->body.x + f->body.w / 6, y + i * (bh + gap), f->body.w * 2 / 3, bh };
		char key[4];

		text_button(f, rc, hq_kcat_zh[i], hq_kcat_en[i], C_BTN, C_INK, HQ_KA_CATEGORY, i);
		snprintf(key, sizeof key, "%d", i + 1);
		hq_ren_text(f->r, key, bh / 4, C_SUB, rc.x + f->u, rc.y + f->u / 2);
	}
	text_button(f, foot_slot(f, 0, 2), "返回", "Back", C_BTN, C_INK, HQ_KA_BACK, 0);
}

static void draw_prio_services(struct frame *f)
{
	char zh[128], en[160];
	int y = f->body.y + 2 * f->u;

	snprintf(zh, sizeof zh, "优先取号（%s）：请选择办理事项", hq_kcat_zh[f->v->category]);
	snprintf(en, sizeof en, "Priority (%s): choose a service", hq_kcat_en[f->v->category]);
	title(f, zh, en, &y);
	draw_services(f, y);
	text_button(f, foot_slot(f, 0, pages(f) > 1 ? 3 : 2), "返回", "Back", C_BTN, C_INK, HQ_KA_BACK, 0);
	if (pages(f) > 1)
		text_button(f, foot_slot(f, 2, 3), "下一页", "Next", C_BTN, C_INK, HQ_KA_PAGE, 1);
}

static void draw_keypad(struct frame *f)
{
	static const char *const keys[12] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "删除", "0", "确认" };
	int y = f->body.y + 2 * f->u, i, kw, kh, gap = 2 * f->u, dx, padw;
	char shown[32];
	size_t n = strlen(f->v->code);

	title(f, "预约签到", "Appointment check-in", &y);
	y += centre2(f, "请输入6位预约码", "Enter your 6-digit code", 4 * f->u, C_SUB, C_SUB, f->body.x, f->body.w, y);
	for (i = 0; i < 6; i++) {
		shown[2 * i] = (size_t)i < n ? f->v->code[i] : '_';
		shown[2 * i + 1] = ' ';
	}
	shown[11] = '\0';
	y += centre(f, shown, 9 * f->u, C_NUM, f->body.x, f->body.w, y + f->u) + f->u;
	if (*f->v->msg_zh)
		y += centre2(f, f->v->msg_zh, f->v->msg_en, 3 * f->u, C_RED, C_RED, f->body.x, f->body.w, y);
	padw = f->w < f->h ? f->body.w * 8 / 10 : f->body.w * 45 / 100;
	kw = (padw - 2 * gap) / 3;
	kh = (f->body.y + f->body.h - y - 5 * gap) / 4;
	if (kh > kw * 6 / 10)
		kh = kw * 6 / 10;
	dx = f->body.x + (f->body.w - padw) / 2;
	for (i = 0; i < 12; i++) {
		SDL_Rect rc = { dx + (i % 3) * (kw + gap), y + gap + (i / 3) * (kh + gap), kw, kh };
		enum hq_kact act = i == 9 ? HQ_KA_DELETE : i == 11 ? HQ_KA_OK : HQ_KA_DIGIT;

		box(f, rc, i == 11 ? C_HEAD : C_BTN, C_EDGE, f->u / 3 + 1);
		centre(f, keys[i], kh * 45 / 100, i == 11 ? C_WHITE : C_INK, rc.x, rc.w,
		       rc.y + (rc.h - hq_ren_line_height(f->r, kh * 45 / 100)) / 2);
		add_button(f, rc, act, act == HQ_KA_DIGIT ? keys[i][0] - '0' : 0);
	}
	text_button(f, foot_slot(f, 0, 2), "返回", "Back", C_BTN, C_INK, HQ_KA_BACK, 0);
}

/* ---- 好差评: a review at the kiosk ------------------------------------------------------ */

/* The ticket the review is for: "A012 · 企业开办 · 1号窗口", in either language. */
static void rate_ticket_line(const struct frame *f, char *zh, size_t nzh, char *en, size_t nen)
{
	const struct hq_krate_view *rv = &f->v->r;

	snprintf(zh, nzh, "%s · %s%s%s", rv->label, rv->service, *rv->counter ? " · " : "", rv->counter);
	snprintf(en, nen, "%s · %s%s%s", rv->label, *rv->service_en ? rv->service_en : rv->service,
		 *rv->counter ? " · " : "", *rv->counter_en ? rv->counter_en : rv->counter);
}

/* The ticket's number, typed on the letters of the hall's prefixes and a digit pad laid out
 * as the appointment keypad's: the letters above the digits on a portrait screen, beside
 * them, four to a column, on a landscape one. */
static void draw_rate_number(struct frame *f)
{
	static const char *const keys[12] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "删除", "0", "确认" };
	const struct hq_krate_view *rv = &f->v->r;
	bool land = f->w > f->h;
	int y = f->body.y + 2 * f->u, i, kw, kh, gap = 2 * f->u, dx, padw, lrows, lcols, lw, lx, ly;
	int nl = (int)strlen(rv->letters);
	char shown[24];

	title(f, "评价服务", "Rate a service", &y);
	y += centre2(f, "请输入号票上的号码", "Type the number on your ticket", 4 * f->u, C_SUB, C_SUB,
		     f->body.x, f->body.w, y);
	snprintf(shown, sizeof shown, "%s_", rv->typed);
	y += centre(f, shown, 9 * f->u, C_NUM, f->body.x, f->body.w, y + f->u) + f->u;
	if (*f->v->msg_zh)
		y += centre2(f, f->v->msg_zh, f->v->msg_en, 4 * f->u, C_RED, C_RED, f->body.x, f->body.w, y);
	padw = land ? f->body.w * 40 / 100 : f->body.w * 8 / 10;
	kw = (padw - 2 * gap) / 3;
	lcols = land ? (nl + 3) / 4 : nl < 6 ? nl : 6;
	lrows = lcols ? (nl + lcols - 1) / lcols : 0;
	kh = (f->body.y + f->body.h - y - ((land ? 4 : 4 + lrows) + 1) * gap) / (land ? 4 : 4 + lrows);
	if (kh > kw * 6 / 10)
		kh = kw * 6 / 10;
	if (land) {
		lw = kh;
		dx = f->body.x + (f->body.w - padw - lcols * (lw + gap) - 2 * gap) / 2;
		lx = dx;
		ly = y + gap;
		dx += lcols * (lw + gap) + 2 * gap;
	} else {
		lw = lcols ? (padw - (lcols - 1) * gap) / lcols : 0;
		if (lw > kw)
			lw = kw;
		dx = f->body.x + (f->body.w - padw) / 2;
		lx = dx + (padw - lcols * lw - (lcols - 1) * gap) / 2;
		ly = y + gap;
		y += lrows * (kh + gap) + gap;
	}
	for (i = 0; i < nl; i++) {
		SDL_Rect rc = { lx + (i % lcols) * (lw + gap), ly + (i / lcols) * (kh + gap), lw, kh };
		char l[2] = { rv->letters[i], '\0' };

		box(f, rc, C_BTN, C_NUM, f->u / 3 + 1);
		centre(f, l, kh * 50 / 100, C_NUM, rc.x, rc.w, rc.y + (rc.h - hq_ren_line_height(f->r, kh * 50 / 100)) / 2);
		add_button(f, rc, HQ_KA_LETTER, rv->letters[i]);
	}
	for (i = 0; i < 12; i++) {
		SDL_Rect rc = { dx + (i % 3) * (kw + gap), y + gap + (i / 3) * (kh + gap), kw, kh };
		enum hq_kact act = i == 9 ? HQ_KA_DELETE : i == 11 ? HQ_KA_OK : HQ_KA_DIGIT;

		box(f, rc, i == 11 ? C_RATE : C_BTN, i == 11 ? C_RATE : C_EDGE, f->u / 3 + 1);
		centre(f, keys[i], kh * 45 / 100, i == 11 ? C_WHITE : C_INK, rc.x, rc.w,
		       rc.y + (rc.h - hq_ren_line_height(f->r, kh * 45 / 100)) / 2);
		add_button(f, rc, act, act == HQ_KA_DIGIT ? keys[i][0] - '0' : 0);
	}
	text_button(f, foot_slot(f, 0, 2), "返回", "Back", C_BTN, C_INK, HQ_KA_BACK, 0);
}

/* One level's button: its key, then its name, the second language beside it, smaller. */
static void level_button(struct frame *f, SDL_Rect rc, int level)
{
	const char *first = pick(f, hq_klevel_zh[level - 1], hq_klevel_en[level - 1], true);
	const char *second = pick(f, hq_klevel_zh[level - 1], hq_klevel_en[level - 1], false);
	int px = rc.h * 40 / 100, px2 = px * 60 / 100, x = rc.x + 4 * f->u, w1, key_w;
	char key[4];

	box(f, rc, level_fill[level - 1], level_fill[level - 1], 1);
	snprintf(key, sizeof key, "%d", level);
	key_w = hq_ren_text_width(f->r, key, px * 120 / 100);
	hq_ren_text(f->r, key, px * 120 / 100, C_WHITE, x, rc.y + (rc.h - hq_ren_line_height(f->r, px * 120 / 100)) / 2);
	x += key_w + 5 * f->u;
	px = hq_ren_fit(f->r, first, px, (rc.x + rc.w - x) * 60 / 100);
	w1 = hq_ren_text_width(f->r, first, px);
	hq_ren_text(f->r, first, px, C_WHITE, x, rc.y + (rc.h - hq_ren_line_height(f->r, px)) / 2);
	if (*second) {
		int x2 = x + w1 + 3 * f->u;

		px2 = hq_ren_fit(f->r, second, px2, rc.x + rc.w - x2 - 2 * f->u);
		hq_ren_text(f->r, second, px2, C_WHITE, x2, rc.y + (rc.h - hq_ren_line_height(f->r, px2)) / 2);
	}
	add_button(f, rc, HQ_KA_LEVEL, level);
}

static void draw_rate_level(struct frame *f)
{
	const struct hq_krate_view *rv = &f->v->r;
	int y = f->body.y + 2 * f->u, i, gap = 2 * f->u, bw, bh;
	char zh[320], en[320];

	title(f, "请为本次服务评价", "How was our service?", &y);
	rate_ticket_line(f, zh, sizeof zh, en, sizeof en);
	y += centre2(f, zh, en, 4 * f->u, C_SUB, C_SUB, f->body.x, f->body.w, y) + f->u;
	if (rv->old_level >= HQ_LEVEL_MIN && rv->old_level <= HQ_LEVEL_MAX) {
		snprintf(zh, sizeof zh, "您已评价“%s”，%s 前可以修改", hq_klevel_zh[rv->old_level - 1], rv->until);
		snprintf(en, sizeof en, "You rated it \"%s\"; you may change it until %s", hq_klevel_en[rv->old_level - 1],
			 rv->until);
		y += centre2(f, zh, en, 3 * f->u + f->u / 2, C_PRIO, C_PRIO, f->body.x, f->body.w, y) + f->u;
	}
	bh = (f->body.y + f->body.h - y - 6 * gap) / 5;
	if (bh > 20 * f->u)
		bh = 20 * f->u;
	bw = f->w > f->h ? f->body.w * 6 / 10 : f->body.w * 8 / 10;
	for (i = 0; i < 5; i++) {
		SDL_Rect rc = { f->body.x + (f->body.w - bw) / 2, y + gap + i * (bh + gap), bw, bh };

		level_button(f, rc, HQ_LEVEL_MAX - i);
	}
	text_button(f, foot_slot(f, 0, 2), "返回", "Back", C_BTN, C_INK, HQ_KA_BACK, 0);
}

static void draw_rate_reasons(struct frame *f)
{
	const struct hq_krate_view *rv = &f->v->r;
	int y = f->body.y + 2 * f->u, i, gap = 2 * f->u, bw, bh, cols, rows;
	char zh[320], en[320];

	title(f, "请选择不满意的原因（可多选）", "What was not good? Choose one or more", &y);
	rate_ticket_line(f, zh, sizeof zh, en, sizeof en);
	if (rv->level >= HQ_LEVEL_MIN && rv->level <= HQ_LEVEL_MAX) {
		size_t nz = strlen(zh), ne = strlen(en);

		snprintf(zh + nz, sizeof zh - nz, " · %s", hq_klevel_zh[rv->level - 1]);
		snprintf(en + ne, sizeof en - ne, " · %s", hq_klevel_en[rv->level - 1]);
	}
	y += centre2(f, zh, en, 4 * f->u, C_SUB, C_SUB, f->body.x, f->body.w, y) + f->u;
	if (*f->v->msg_zh)
		y += centre2(f, f->v->msg_zh, f->v->msg_en, 4 * f->u, C_RED, C_RED, f->body.x, f->body.w, y);
	/* One column on a portrait screen, two on a landscape one. */
	cols = f->w < f->h ? 1 : 2;
	rows = HQ_KREASON_N / cols;
	bw = (f->body.w * 8 / 10 - (cols - 1) * gap) / cols;
	bh = (f->body.y + f->body.h - y - (rows + 1) * gap) / rows;
	if (bh > 16 * f->u)
		bh = 16 * f->u;
	for (i = 0; i < HQ_KREASON_N; i++) {
		SDL_Rect rc = { f->body.x + f->body.w / 10 + (i % cols) * (bw + gap), y + gap + (i / cols) * (bh + gap),
				bw, bh };
		bool on = rv->reasons & (1u << i);
		char key[4];

		text_button(f, rc, hq_kreason_zh[i], hq_kreason_en[i], on ? C_RED : C_BTN, on ? C_WHITE : C_INK,
			    HQ_KA_REASON, (int)(1u << i));
		snprintf(key, sizeof key, "%d", i + 1);
		hq_ren_text(f->r, key, bh / 4, on ? C_WHITE : C_SUB, rc.x + f->u, rc.y + f->u / 2);
	}
	text_button(f, foot_slot(f, 0, 2), "返回", "Back", C_BTN, C_INK, HQ_KA_BACK, 0);
	text_button(f, foot_slot(f, 1, 2), "提交评价", "Submit", rv->reasons ? C_RATE : C_OFF,
		    rv->reasons ? C_WHITE : C_OFFINK, HQ_KA_SUBMIT, 0);
}

static void draw_rate_thanks(struct frame *f)
{
	const struct hq_krate_view *rv = &f->v->r;
	int y = f->body.y + f->body.h / 6, i;
	char zh[320], en[320];
	size_t nz = 0, ne = 0;

	y += centre2(f, "感谢您的评价！", "Thank you for your review!", 8 * f->u, C_PRIO, C_SUB,
		     f->body.x, f->body.w, y) + 3 * f->u;
	if (rv->level >= HQ_LEVEL_MIN && rv->level <= HQ_LEVEL_MAX)
		y += centre2(f, hq_klevel_zh[rv->level - 1], hq_klevel_en[rv->level - 1], 7 * f->u,
			     level_fill[rv->level - 1], C_SUB, f->body.x, f->body.w, y) + f->u;
	zh[0] = en[0] = '\0';
	for (i = 0; i < HQ_KREASON_N; i++)
		if (rv->reasons & (1u << i)) {
			nz += (size_t)snprintf(zh + nz, sizeof zh - nz, "%s%s", nz ? " · " : "", hq_kreason_zh[i]);
			ne += (size_t)snprintf(en + ne, sizeof en - ne, "%s%s", ne ? " · " : "", hq_kreason_en[i]);
		}
	if (*zh)
		y += centre2(f, zh, en, 4 * f->u, C_INK, C_SUB, f->body.x, f->body.w, y) + f->u;
	rate_ticket_line(f, zh, sizeof zh, en, sizeof en);
	y += centre2(f, zh, en, 4 * f->u, C_SUB, C_SUB, f->body.x, f->body.w, y) + 3 * f->u;
	if (rv->case_opened)
		y += centre2(f, "您的意见将转给大厅负责人核实整改", "The hall's managers will look into it and put it right",
			     3 * f->u + f->u / 2, C_INK, C_SUB, f->body.x, f->body.w, y) + f->u;
	if (rv->kept)
		centre2(f, "网络暂时中断：您的评价已保存，恢复后自动提交",
			"The system is busy: your review is kept and will be sent shortly", 3 * f->u + f->u / 2,
			C_RED, C_RED, f->body.x, f->body.w, y);
	snprintf(zh, sizeof zh, "触摸屏幕返回首页（%d）", f->v->countdown_s);
	snprintf(en, sizeof en, "Touch to return (%d)", f->v->countdown_s);
	centre2(f, zh, en, f->foot.h * 28 / 100, C_SUB, C_SUB, f->foot.x, f->foot.w, f->foot.y + f->u);
	add_button(f, (SDL_Rect){ 0, f->head.h, f->w, f->h - f->head.h }, HQ_KA_DISMISS, 0);
}

/* The QR code of the ticket's status URL, dark modules on white with a quiet zone. */
static void draw_qr(struct frame *f, const char *url, int x, int y, int size)
{
	QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	SDL_Rect bg = { x, y, size, size };
	int m, row, col, run;

	if (!qr)
		return;
	m = size / (qr->width + 8);            /* 4 modules of quiet zone each side */
	if (m < 1)
		m = 1;
	bg.w = bg.h = m * (qr->width + 8);
	hq_ren_fill(f->r, &bg, C_WHITE);
	for (row = 0; row < qr->width; row++)
		for (col = 0; col < qr->width; col += run ? run : 1) {
			for (run = 0; col + run < qr->width && (qr->data[row * qr->width + col + run] & 1); run++)
				;
			if (run) {
				SDL_Rect rc = { x + (4 + col) * m, y + (4 + row) * m, run * m, m };

				hq_ren_fill(f->r, &rc, C_BLACK);
			}
		}
	QRcode_free(qr);
}

static void draw_ticket(struct frame *f)
{
	const struct hq_kticket_view *t = &f->v->t;
	bool land = f->w > f->h;
	int qr = t->show_qr ? (land ? f->body.h * 55 / 100 : f->body.w * 45 / 100) : 0;
	int tw = t->show_qr && land ? f->body.w - qr - 6 * f->u : f->body.w;
	int y = f->body.y + 2 * f->u, px;
	char zh[160], en[160];

	/* A portrait screen without the QR code has room to spare: the number sits lower,
	 * nearer a standing citizen's eyes. */
	if (!land && !t->show_qr)
		y += f->body.h / 8;
	y += centre2(f, "您的号码", "Your number", 4 * f->u, C_SUB, C_SUB, f->body.x, tw, y);
	px = hq_ren_fit(f->r, t->label, land ? f->body.h * 38 / 100 : f->body.h * 22 / 100, tw * 9 / 10);
	y += centre(f, t->label, px, C_NUM, f->body.x, tw, y);
	y += centre2(f, t->service, t->service_en, 5 * f->u, C_INK, C_SUB, f->body.x, tw, y) + f->u;
	if (*t->cls_zh)
		y += centre2(f, t->cls_zh, t->cls_en, 3 * f->u, C_PRIO, C_PRIO, f->body.x, tw, y);
	if (t->ahead >= 0 || t->no_counter) {
		char wz[96] = "", we[96] = "";
		uint32_t ink = t->no_counter ? C_NOEST : C_INK;

		if (t->no_counter && *t->opens_at) {
			snprintf(wz, sizeof wz, HQ_KOPENS_ZH, t->opens_at);
			snprintf(we, sizeof we, HQ_KOPENS_EN, t->opens_at);
		} else if (t->no_counter) {
			snprintf(wz, sizeof wz, "%s", HQ_KNOEST_ZH);
			snprintf(we, sizeof we, "%s", HQ_KNOEST_EN);
		} else if (t->wait_min >= 0 && t->range_min[1] > 1) {
			snprintf(wz, sizeof wz, "预计等候" HQ_EST_RANGE_ZH, t->range_min[0], t->range_min[1]);
			snprintf(we, sizeof we, HQ_EST_RANGE_EN, t->range_min[0], t->range_min[1]);
		} else if (t->wait_min >= 0 && t->range_min[1] == 1) {
			snprintf(wz, sizeof wz, "预计等候" HQ_EST_UNDER_MIN_ZH);
			snprintf(we, sizeof we, HQ_EST_UNDER_MIN_EN);
		} else if (t->wait_min > 0) {
			snprintf(wz, sizeof wz, "预计等候约 %d 分钟", t->wait_min);
			snprintf(we, sizeof we, "about %d min", t->wait_min);
		} else if (t->wait_min == 0) {
			snprintf(wz, sizeof wz, "马上就到");
			snprintf(we, sizeof we, "next soon");
		}
		if (t->ahead < 0) {
			snprintf(zh, sizeof zh, "%s", wz);
			snprintf(en, sizeof en, "%s", we);
		} else {
			snprintf(zh, sizeof zh, "前面还有 %d 人%s%s", t->ahead, *wz ? " · " : "", wz);
			snprintf(en, sizeof en, "%d ahead of you%s%s", t->ahead, *we ? " · " : "", we);
		}
		y += centre2(f, zh, en, 4 * f->u, ink, C_SUB, f->body.x, tw, y) + f->u;
	}
	centre2(f, t->note_zh, t->note_en, 3 * f->u + f->u / 2, t->show_qr ? C_RED : C_PRIO,
		t->show_qr ? C_RED : C_PRIO, f->body.x, tw, y);
	if (t->show_qr) {
		int qx = land ? f->body.x + tw + 2 * f->u : f->body.x + (f->body.w - qr) / 2;
		int qy = land ? f->body.y + (f->body.h - qr) / 2 - 2 * f->u : f->body.y + f->body.h - qr - 6 * f->u;

		draw_qr(f, t->url, qx, qy, qr);
		centre2(f, "扫码查看进度", "Scan to follow your turn", 3 * f->u, C_INK, C_SUB, qx, qr, qy + qr + f->u);
	}
	snprintf(zh, sizeof zh, "触摸屏幕返回首页（%d）", f->v->countdown_s);
	snprintf(en, sizeof en, "Touch to return (%d)", f->v->countdown_s);
	centre2(f, zh, en, f->foot.h * 28 / 100, C_SUB, C_SUB, f->foot.x, f->foot.w, f->foot.y + f->u);
	add_button(f, (SDL_Rect){ 0, f->head.h, f->w, f->h - f->head.h }, HQ_KA_DISMISS, 0);
}

static void draw_message(struct frame *f)
{
	const struct hq_kview *v = f->v;
	int y = f->body.y + f->body.h / 3;
	char zh[96], en[96];

	centre2(f, v->msg_zh, v->msg_en, 6 * f->u, C_INK, C_SUB, f->body.x + 2 * f->u, f->body.w - 4 * f->u, y);
	snprintf(zh, sizeof zh, "触摸屏幕返回（%d）", v->countdown_s);
	snprintf(en, sizeof en, "Touch to return (%d)", v->countdown_s);
	centre2(f, zh, en, f->foot.h * 28 / 100, C_SUB, C_SUB, f->foot.x, f->foot.w, f->foot.y + f->u);
	add_button(f, (SDL_Rect){ 0, f->head.h, f->w, f->h - f->head.h }, HQ_KA_DISMISS, 0);
}

static void draw_plain(struct frame *f, const char *zh, const char *en, uint32_t ink)
{
	int y = f->body.y + f->body.h / 3;

	y += centre(f, zh, 12 * f->u, ink, f->body.x, f->body.w, y);
	if (f->both || !f->v->hall)
		y += centre(f, en, 5 * f->u, C_SUB, f->body.x, f->body.w, y);
	y += 3 * f->u;
	if (*f->v->msg_zh)
		centre2(f, f->v->msg_zh, f->v->msg_en, 4 * f->u, C_INK, C_SUB, f->body.x, f->body.w, y);
}

void hq_kscreen_draw(struct hq_kscreen *s, struct hq_ren *r, const struct hq_kview *v)
{
	struct frame f = { .s = s, .r = r, .v = v };
	int bh;

	hq_ren_size(r, &f.w, &f.h);
	s->w = f.w, s->h = f.h, s->nb = 0;
	f.u = (f.w < f.h ? f.w : f.h) / 100;
	if (f.u < 4)
		f.u = 4;
	f.both = v->hall ? v->hall->lang_en : true;
	f.head = (SDL_Rect){ 0, 0, f.w, f.h * 8 / 100 };
	f.foot = (SDL_Rect){ 0, f.h - f.h * 11 / 100, f.w, f.h * 11 / 100 };
	bh = *v->banner_zh ? f.h * 5 / 100 : 0;
	f.banner = (SDL_Rect){ 0, f.foot.y - bh, f.w, bh };
	f.body = (SDL_Rect){ 2 * f.u, f.head.h, f.w - 4 * f.u, f.banner.y - f.head.h };
	hq_ren_clip(r, NULL);
	hq_ren_fill(r, &(SDL_Rect){ 0, 0, f.w, f.h }, C_BG);
	draw_header(&f);
	switch (v->screen) {
	case HQ_KS_START: draw_plain(&f, "正在连接…", "Connecting…", C_SUB); break;
	case HQ_KS_HOME: draw_home(&f); break;
	case HQ_KS_PRIORITY: draw_priority(&f); break;
	case HQ_KS_SERVICES: draw_prio_services(&f); break;
	case HQ_KS_KEYPAD: draw_keypad(&f); break;
	case HQ_KS_ISSUING: draw_plain(&f, "正在取号，请稍候…", "Getting your ticket…", C_INK); break;
	case HQ_KS_TICKET: draw_ticket(&f); break;
	case HQ_KS_MESSAGE: draw_message(&f); break;
	case HQ_KS_UNAVAILABLE: draw_plain(&f, "暂停取号", "Temporarily unavailable", C_RED); break;
	case HQ_KS_RATE_NUMBER: draw_rate_number(&f); break;
	case HQ_KS_RATE_LEVEL: draw_rate_level(&f); break;
	case HQ_KS_RATE_REASONS: draw_rate_reasons(&f); break;
	case HQ_KS_RATE_WAIT: draw_plain(&f, "请稍候…", "One moment…", C_INK); break;
	case HQ_KS_RATE_THANKS: draw_rate_thanks(&f); break;
	}
	draw_banner(&f);
}

enum hq_kact hq_kscreen_hit(const struct hq_kscreen *s, int x, int y, int *arg)
{
	int i;

	/* Later buttons sit on top (the whole-screen dismiss comes last, under the header). */
	for (i = 0; i < s->nb; i++) {
		const SDL_Rect *rc = &s->b[i].rc;

		if (x >= rc->x && x < rc->x + rc->w && y >= rc->y && y < rc->y + rc->h) {
			*arg = s->b[i].arg;
			return s->b[i].act;
		}
	}
	return HQ_KA_NONE;
}
