/*
 * The wall display's layout and drawing (screen.h). A citizen glances up from a seat
 * across the hall: the newest call takes the most room and the brightest colours, the rest
 * is quieter. Text sizes are fractions of the region they sit in, shrunk where a long name
 * would not fit, so the same code serves a 1280×720 panel and a 3840×2160 wall, and a
 * portrait screen by the door.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_hall.h"
#include "screen.h"

/* The regions; R_BODY is the frame the panels sit in, printed with the layout but never
 * drawn by itself (the background fill of a full redraw covers it). */
enum { R_TITLE, R_CLOCK, R_STATUS, R_CALL, R_RECENT, R_SERVICES, R_COUNTERS, R_TICKER, R_BODY };

static const char *const region_names[HQ_SCREEN_REGIONS] = {
	"title", "clock", "status", "call", "recent", "services", "counters", "ticker", "body",
};

/* Colours: a dark hall-display blue, white text, amber for numbers. */
#define C_BG 0x0A1A33
#define C_HEADER 0x06122A
#define C_PANEL 0x112B52
#define C_ROW 0x0E244A
#define C_TEXT 0xFFFFFF
#define C_DIM 0x9DB4D6
#define C_ACCENT 0xFFD54F
#define C_HL1 0xFFC107      /* the newest call, highlighted */
#define C_HL2 0xFF7A00      /* and its blink */
#define C_HL_TEXT 0x0A1A33
#define C_OFFLINE 0xD32F2F
#define C_OPEN 0x1E5631
#define C_PAUSED 0x7A5C00
#define C_CLOSED 0x333D4D
#define C_TICKER 0x040C1C
#define C_NOEST 0xFFB74D    /* no estimate: no counter open */

#define BLINK_MS 3000        /* the first seconds of a highlight blink... */
#define BLINK_PHASE_MS 500   /* ...once a second: slow enough for anyone, never a strobe */

/* The fixed texts (and every character the date may need), for the font check at start. */
static const char fixed_text[] =
	"正在呼叫 请到 办理 最近呼叫 等候人数 等候 预计 人 约 分钟 小时 无需等候 暂停取号 "
	"窗口暂未开放 约 后开始办理 不到 1 分钟 – "
	"窗口 号 空闲 暂停 关闭 离线 正在连接 再次呼叫 等候叫号 年月日 星期一二三四五六日 → · "
	"0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz :~-";

struct hq_screen {
	struct hq_screen_opts o;
	int w, h, pad;
	bool portrait;
	SDL_Rect header, body;
	SDL_Rect rc[HQ_SCREEN_REGIONS];
	uint64_t sig[HQ_SCREEN_REGIONS];
	bool drawn[HQ_SCREEN_REGIONS];
	bool all;                   /* the next draw redraws the whole window */
	bool ticker_scrolls;
	int64_t ticker_t0;
	uint64_t ticker_key;        /* the notice and size ticker_w was measured for */
	int ticker_w;
};

const char *hq_screen_fixed_text(void)
{
	return fixed_text;
}

struct hq_screen *hq_screen_new(const struct hq_screen_opts *o)
{
	struct hq_screen *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->o = *o;
	if (s->o.recent < 1)
		s->o.recent = 1;
	if (s->o.ticker_fps < 1)
		s->o.ticker_fps = 30;
	s->all = true;
	return s;
}

void hq_screen_free(struct hq_screen *s)
{
	free(s);
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

static int imin(int a, int b)
{
	return a < b ? a : b;
}

static SDL_Rect rect(int x, int y, int w, int h)
{
	return (SDL_Rect){ x, y, imax(w, 0), imax(h, 0) };
}

void hq_screen_layout(struct hq_screen *s, int w, int h)
{
	int m = imin(w, h), hh, th, status_w, clock_w, bx, by, bw, bh, p;

	s->w = w;
	s->h = h;
	s->portrait = h > w;
	s->pad = p = imax(4, m / 60);
	hh = s->portrait ? h * 8 / 100 : h * 11 / 100;
	th = s->portrait ? h * 4 / 100 : h * 7 / 100;
	clock_w = s->portrait ? w * 40 / 100 : w * 28 / 100;
	status_w = m * 17 / 100;
	s->header = rect(0, 0, w, hh);
	s->rc[R_CLOCK] = rect(w - clock_w - p, 0, clock_w, hh);
	s->rc[R_STATUS] = rect(s->rc[R_CLOCK].x - status_w - p, hh * 28 / 100, status_w, hh * 44 / 100);
	s->rc[R_TITLE] = rect(p, 0, s->rc[R_STATUS].x - 2 * p, hh);
	s->rc[R_TICKER] = rect(0, h - th, w, th);
	bx = p, by = hh + p, bw = w - 2 * p, bh = h - hh - th - 2 * p;
	s->body = rect(0, hh, w, h - hh - th);
	if (!s->portrait) {
		int lw = (bw - p) * 60 / 100, rw = bw - p - lw;
		int ch = (bh - p) * 56 / 100;
		int sh = s->o.counters ? (bh - p) * 58 / 100 : bh;

		s->rc[R_CALL] = rect(bx, by, lw, ch);
		s->rc[R_RECENT] = rect(bx, by + ch + p, lw, bh - ch - p);
		s->rc[R_SERVICES] = rect(bx + lw + p, by, rw, sh);
		s->rc[R_COUNTERS] = s->o.counters ? rect(bx + lw + p, by + sh + p, rw, bh - sh - p)
						  : rect(0, 0, 0, 0);
	} else {
		int inner = bh - 3 * p;
		int ch = inner * 30 / 100, rh = inner * 22 / 100;
		int sh = s->o.counters ? inner * 28 / 100 : inner - ch - rh;

		s->rc[R_CALL] = rect(bx, by, bw, ch);
		s->rc[R_RECENT] = rect(bx, by + ch + p, bw, rh);
		s->rc[R_SERVICES] = rect(bx, by + ch + rh + 2 * p, bw, sh);
		s->rc[R_COUNTERS] = s->o.counters ? rect(bx, by + ch + rh + sh + 3 * p, bw,
							 inner - ch - rh - sh)
						  : rect(0, 0, 0, 0);
	}
	s->rc[R_BODY] = s->body;
	s->all = true;
}

void hq_screen_print_layout(const struct hq_screen *s, FILE *f)
{
	int i;

	for (i = 0; i < HQ_SCREEN_REGIONS; i++)
		fprintf(f, "layout %s %d %d %d %d\n", region_names[i], s->rc[i].x, s->rc[i].y,
			s->rc[i].w, s->rc[i].h);
}

/* ---- signatures: a region is redrawn when the hash of what it shows changes ------------- */

static void sig_str(uint64_t *h, const char *str)
{
	const unsigned char *p;

	for (p = (const unsigned char *)str; *p; p++)
		*h = (*h ^ *p) * 1099511628211ull;
	*h = (*h ^ 0xFF) * 1099511628211ull;
}

static void sig_int(uint64_t *h, int64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		*h = (*h ^ (uint64_t)(v & 0xFF)) * 1099511628211ull;
}

/* ---- what is written ------------------------------------------------------------------- */

static void counter_name(const struct hq_dstate *st, int number, bool en, char *out, size_t n)
{
	const struct hq_dcounter *c = hq_dstate_counter(st, number);

	if (c && en && c->name_en[0])
		snprintf(out, n, "%s", c->name_en);
	else if (c && !en && c->name[0])
		snprintf(out, n, "%s", c->name);
	else
		snprintf(out, n, en ? "Counter %d" : "%d号窗口", number);
}

static void service_name(const struct hq_dstate *st, const char *key, bool en, char *out, size_t n)
{
	const struct hq_dservice *sv = hq_dstate_service(st, key);

	snprintf(out, n, "%s", !sv ? "" : en ? sv->name_en : sv->name);
}

/* 0: not highlighted, 1: highlighted, 2: the blink's other colour. */
static int highlight_phase(const struct hq_screen *s, const struct hq_dstate *st, int64_t mono)
{
	int64_t age;

	if (!st->ncalls || !st->highlight_ms)
		return 0;
	age = mono - st->highlight_ms;
	if (age < 0 || age >= s->o.highlight_ms)
		return 0;
	if (age < BLINK_MS && (age / BLINK_PHASE_MS) % 2)
		return 2;
	return 1;
}

static void clock_text(int64_t wall_ms, bool en, char *tm_out, size_t tn, char *date, size_t dn)
{
	static const char *const wd[] = { "日", "一", "二", "三", "四", "五", "六" };
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	int n;

	localtime_r(&t, &tm);
	strftime(tm_out, tn, "%H:%M:%S", &tm);
	n = snprintf(date, dn, "%d年%d月%d日 星期%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     wd[tm.tm_wday]);
	/* The C locale (never changed) gives English day and month names. */
	if (en && n > 0 && (size_t)n < dn)
		strftime(date + n, dn - (size_t)n, " · %a %d %b", &tm);
}

/* ---- drawing helpers ------------------------------------------------------------------- */

enum { LEFT, CENTER, RIGHT };

/* Text at up to px, shrunk to the box's width, placed in the box (vertically centred).
 * Returns the size used. */
static int text_in(struct hq_ren *r, const char *t, int px, uint32_t rgb, SDL_Rect box, int align)
{
	int fpx, tw, lh, x;

	if (!*t || box.w <= 0)
		return px;
	fpx = hq_ren_fit(r, t, px, box.w);
	tw = hq_ren_text_width(r, t, fpx);
	lh = hq_ren_line_height(r, fpx);
	x = align == LEFT ? box.x : align == CENTER ? box.x + (box.w - tw) / 2 : box.x + box.w - tw;
	hq_ren_text(r, t, fpx, rgb, x, box.y + (box.h - lh) / 2);
	return fpx;
}

/* A region's caption: Chinese, and English after it in a dimmer colour. Its height (what
 * the rows below start after) depends on the size only, so paging can be worked out
 * without the font. */
static int caption_h(int px, int pad)
{
	return px * 3 / 2 + pad / 2;
}

static int caption(struct hq_ren *r, SDL_Rect rc, int pad, int px, const char *zh, const char *en,
		   bool with_en)
{
	int lh = hq_ren_line_height(r, px), x = rc.x + pad;

	x += hq_ren_text(r, zh, px, C_DIM, x, rc.y + pad / 2);
	if (with_en && en)
		hq_ren_text(r, en, px * 8 / 10, C_DIM, x + px / 2,
			    rc.y + pad / 2 + (lh - hq_ren_line_height(r, px * 8 / 10)) * 3 / 4);
	return caption_h(px, pad);
}

/* ---- the regions ----------------------------------------------------------------------- */

static uint64_t sig_title(const struct hq_dstate *st)
{
	uint64_t h = 1469598103934665603ull;

	sig_int(&h, st->have_hall);
	sig_int(&h, st->lang_en);
	sig_str(&h, st->name);
	sig_str(&h, st->name_en);
	return h;
}

static void draw_title(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st)
{
	SDL_Rect rc = s->rc[R_TITLE], top = rc, bottom;
	const char *zh = st->have_hall ? st->name : "hallq";
	bool en = st->have_hall ? st->lang_en && st->name_en[0] : false;

	hq_ren_fill(r, &rc, C_HEADER);
	if (!en) {
		text_in(r, zh, rc.h * 46 / 100, C_TEXT, rc, LEFT);
		return;
	}
	top.h = rc.h * 62 / 100;
	bottom = rect(rc.x, rc.y + top.h - rc.h * 8 / 100, rc.w, rc.h - top.h);
	top.y += rc.h * 6 / 100;
	text_in(r, zh, rc.h * 44 / 100, C_TEXT, top, LEFT);
	text_in(r, st->name_en, rc.h * 20 / 100, C_DIM, bottom, LEFT);
}

static uint64_t sig_clock(const struct hq_dstate *st, const struct hq_screen_now *now)
{
	uint64_t h = 1469598103934665603ull;

	sig_int(&h, now->wall_ms / 1000);
	sig_int(&h, st->lang_en);
	return h;
}

static void draw_clock(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st,
		       const struct hq_screen_now *now)
{
	SDL_Rect rc = s->rc[R_CLOCK], top = rc, bottom;
	char t[16], date[96];

	clock_text(now->wall_ms, st->lang_en, t, sizeof t, date, sizeof date);
	hq_ren_fill(r, &rc, C_HEADER);
	top.h = rc.h * 62 / 100;
	top.y += rc.h * 4 / 100;
	bottom = rect(rc.x, rc.y + top.h - rc.h * 6 / 100, rc.w, rc.h - top.h);
	text_in(r, t, rc.h * 44 / 100, C_TEXT, top, RIGHT);
	text_in(r, date, rc.h * 19 / 100, C_DIM, bottom, RIGHT);
}

static uint64_t sig_status(const struct hq_dstate *st)
{
	uint64_t h = 1469598103934665603ull;

	sig_int(&h, st->online);
	sig_int(&h, st->lang_en);
	return h;
}

static void draw_status(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st)
{
	SDL_Rect rc = s->rc[R_STATUS];

	hq_ren_fill(r, &rc, C_HEADER);
	if (st->online)
		return;
	hq_ren_fill(r, &rc, C_OFFLINE);
	rc.x += rc.h / 4;
	rc.w -= rc.h / 2;
	text_in(r, st->lang_en ? "离线 · Offline" : "离线 · 正在重连", rc.h * 52 / 100, C_TEXT, rc, CENTER);
}

static uint64_t sig_call(const struct hq_screen *s, const struct hq_dstate *st, int64_t mono)
{
	uint64_t h = 1469598103934665603ull;
	char name[128];

	sig_int(&h, st->lang_en);
	sig_int(&h, st->have_hall);
	sig_int(&h, highlight_phase(s, st, mono));
	if (st->ncalls) {
		const struct hq_dcall *c = &st->calls[0];

		sig_str(&h, c->label);
		sig_int(&h, c->recalls);
		counter_name(st, c->counter, false, name, sizeof name);
		sig_str(&h, name);
		counter_name(st, c->counter, true, name, sizeof name);
		sig_str(&h, name);
		service_name(st, c->service, false, name, sizeof name);
		sig_str(&h, name);
		service_name(st, c->service, true, name, sizeof name);
		sig_str(&h, name);
	}
	return h;
}

static void draw_call(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st, int64_t mono)
{
	SDL_Rect rc = s->rc[R_CALL], line, area;
	int phase = highlight_phase(s, st, mono), p = s->pad, px, spx, epx = 0, cap, x, w1, w2, w3;
	int lh, sl, el = 0, y;
	uint32_t bg = phase == 1 ? C_HL1 : phase == 2 ? C_HL2 : C_PANEL;
	uint32_t fg = phase ? C_HL_TEXT : C_TEXT, num = phase ? C_HL_TEXT : C_ACCENT;
	uint32_t dim = phase ? C_HL_TEXT : C_DIM;
	const struct hq_dcall *c = st->ncalls ? &st->calls[0] : NULL;
	char ctr[128], svc[128], svc_en[128], ctr_en[128], big[256], en[400];
	const char *arrow = "  →  ";

	hq_ren_fill(r, &rc, bg);
	cap = imax(10, rc.h * 8 / 100);
	hq_ren_text(r, "正在呼叫", cap, dim, rc.x + p, rc.y + p / 2);
	if (st->lang_en)
		hq_ren_text(r, "Now calling", cap * 8 / 10, dim,
			    rc.x + p + hq_ren_text_width(r, "正在呼叫", cap) + cap / 2,
			    rc.y + p / 2 + cap / 6);
	if (c && c->recalls > 0) {
		const char *again = st->lang_en ? "再次呼叫 Recall" : "再次呼叫";

		hq_ren_text(r, again, cap, dim, rc.x + rc.w - p - hq_ren_text_width(r, again, cap),
			    rc.y + p / 2);
	}
	if (!c) {
		line = rect(rc.x + p, rc.y + rc.h / 3, rc.w - 2 * p, rc.h / 3);
		text_in(r, st->lang_en ? "等候叫号 · Waiting for the next call" : "等候叫号",
			rc.h * 14 / 100, C_DIM, line, CENTER);
		return;
	}
	counter_name(st, c->counter, false, ctr, sizeof ctr);
	counter_name(st, c->counter, true, ctr_en, sizeof ctr_en);
	service_name(st, c->service, false, svc, sizeof svc);
	service_name(st, c->service, true, svc_en, sizeof svc_en);

	/* "B012 → 3号窗口": the number in its own colour, all at one size that fits; under it
	 * the service, and the English line; the block centred below the caption. */
	snprintf(big, sizeof big, "%s%s%s", c->label, arrow, ctr);
	area = rect(rc.x + p, rc.y + cap * 3 / 2 + p / 2, rc.w - 2 * p, rc.h - cap * 3 / 2 - p);
	px = hq_ren_fit(r, big, area.h * (st->lang_en ? 50 : 58) / 100, area.w);
	spx = hq_ren_fit(r, svc, area.h * 16 / 100, area.w);
	lh = hq_ren_line_height(r, px);
	sl = *svc ? hq_ren_line_height(r, spx) : 0;
	if (st->lang_en) {
		snprintf(en, sizeof en, "%s, please go to %s%s%s", c->label, ctr_en, svc_en[0] ? " · " : "",
			 svc_en);
		epx = hq_ren_fit(r, en, area.h * 9 / 100, area.w);
		el = hq_ren_line_height(r, epx) + p / 2;
	}
	y = area.y + (area.h - lh - sl - el) / 2;
	w1 = hq_ren_text_width(r, c->label, px);
	w2 = hq_ren_text_width(r, arrow, px);
	w3 = hq_ren_text_width(r, ctr, px);
	x = area.x + (area.w - (w1 + w2 + w3)) / 2;
	hq_ren_text(r, c->label, px, num, x, y);
	hq_ren_text(r, arrow, px, dim, x + w1, y);
	hq_ren_text(r, ctr, px, fg, x + w1 + w2, y);
	y += lh;
	if (*svc)
		hq_ren_text(r, svc, spx, fg, area.x + (area.w - hq_ren_text_width(r, svc, spx)) / 2, y);
	y += sl + p / 2;
	if (st->lang_en)
		hq_ren_text(r, en, epx, dim, area.x + (area.w - hq_ren_text_width(r, en, epx)) / 2, y);
}

static int recent_rows(const struct hq_screen *s, const struct hq_dstate *st)
{
	return imax(0, imin(s->o.recent, st->ncalls - 1));
}

static uint64_t sig_recent(const struct hq_screen *s, const struct hq_dstate *st)
{
	uint64_t h = 1469598103934665603ull;
	char name[128];
	int i, n = recent_rows(s, st);

	sig_int(&h, st->lang_en);
	sig_int(&h, n);
	for (i = 1; i <= n; i++) {
		sig_str(&h, st->calls[i].label);
		counter_name(st, st->calls[i].counter, false, name, sizeof name);
		sig_str(&h, name);
		service_name(st, st->calls[i].service, false, name, sizeof name);
		sig_str(&h, name);
		service_name(st, st->calls[i].service, true, name, sizeof name);
		sig_str(&h, name);
	}
	return h;
}

static void draw_recent(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st)
{
	SDL_Rect rc = s->rc[R_RECENT], cell;
	int p = s->pad, cap = imax(10, imin(rc.h * 11 / 100, s->rc[R_CALL].h * 8 / 100));
	int top, rows = s->o.recent, n = recent_rows(s, st), rh, i, px, c0, c1, c2;
	char ctr[128], svc[128], svc_en[128], line[300];

	hq_ren_fill(r, &rc, C_PANEL);
	top = caption(r, rc, p, cap, "最近呼叫", "Recent calls", st->lang_en);
	/* Rows are sized for the lines wanted, so they do not grow while the hall fills up. */
	rh = (rc.h - top - p / 2) / rows;
	if (rh < cap) {
		rows = imax(1, (rc.h - top - p / 2) / imax(cap, 1));
		rh = (rc.h - top - p / 2) / rows;
		n = imin(n, rows);
	}
	px = imin(rh * 62 / 100, cap * 19 / 10);
	c0 = (rc.w - 2 * p) * 24 / 100;
	c1 = (rc.w - 2 * p) * 32 / 100;
	c2 = rc.w - 2 * p - c0 - c1;
	for (i = 0; i < n; i++) {
		const struct hq_dcall *c = &st->calls[i + 1];
		int y = rc.y + top + i * rh;

		if (i % 2 == 0) {
			cell = rect(rc.x + p / 2, y, rc.w - p, rh);
			hq_ren_fill(r, &cell, C_ROW);
		}
		counter_name(st, c->counter, false, ctr, sizeof ctr);
		service_name(st, c->service, false, svc, sizeof svc);
		service_name(st, c->service, true, svc_en, sizeof svc_en);
		cell = rect(rc.x + p, y, c0 - p / 2, rh);
		text_in(r, c->label, px, C_ACCENT, cell, LEFT);
		cell = rect(rc.x + p + c0, y, c1 - p / 2, rh);
		text_in(r, ctr, px, C_TEXT, cell, LEFT);
		cell = rect(rc.x + p + c0 + c1, y, c2, rh);
		if (st->lang_en && svc_en[0] &&
		    hq_ren_text_width(r, svc, px) + hq_ren_text_width(r, svc_en, px * 7 / 10) + px <= c2) {
			int w = hq_ren_text_width(r, svc, px), lh = hq_ren_line_height(r, px);
			int lh2 = hq_ren_line_height(r, px * 7 / 10);

			hq_ren_text(r, svc, px, C_TEXT, cell.x, y + (rh - lh) / 2);
			hq_ren_text(r, svc_en, px * 7 / 10, C_DIM, cell.x + w + px / 3,
				    y + (rh - lh) / 2 + (lh - lh2) * 3 / 4);
		} else {
			snprintf(line, sizeof line, "%s", svc);
			text_in(r, line, px, C_TEXT, cell, LEFT);
		}
	}
}

/* How the services are laid out: rows of a size still readable from the seats; a hall
 * with more services than fit shows them a page at a time, open services first. */
struct svc_pages {
	int cap, top, rh, per_page, pages, page;
	int order[64];              /* indexes into st->services, open ones first */
	int n;
};

#define SERVICE_PAGE_MS 8000

static void service_pages(const struct hq_screen *s, const struct hq_dstate *st, int64_t wall_ms,
			  struct svc_pages *sp)
{
	SDL_Rect rc = s->rc[R_SERVICES];
	int avail, i, open;

	sp->cap = imax(10, imin(rc.h * 8 / 100, s->rc[R_CALL].h * 8 / 100));
	sp->top = caption_h(sp->cap, s->pad);
	sp->n = 0;
	for (open = 1; open >= 0; open--)
		for (i = 0; i < st->nservices && sp->n < 64; i++)
			if (st->services[i].open == open)
				sp->order[sp->n++] = i;
	avail = rc.h - sp->top - s->pad / 2;
	sp->per_page = sp->n ? sp->n : 1;
	sp->rh = sp->n ? imin(avail / sp->n, sp->cap * 3) : 0;
	if (sp->n && sp->rh < sp->cap * 14 / 10) {
		sp->per_page = imax(1, avail / (sp->cap * 14 / 10));
		sp->rh = avail / sp->per_page;
	}
	sp->pages = (sp->n + sp->per_page - 1) / sp->per_page;
	sp->page = sp->pages > 1 ? (int)(wall_ms / SERVICE_PAGE_MS % sp->pages) : 0;
}

static int est_minutes(const struct hq_dservice *sv)
{
	return sv->est_wait_s == HQ_EST_NONE ? -1 : (sv->est_wait_s + 59) / 60;
}

static uint64_t sig_services(const struct hq_screen *s, const struct hq_dstate *st, int64_t wall_ms)
{
	uint64_t h = 1469598103934665603ull;
	struct svc_pages sp;
	int i, rm[2];

	service_pages(s, st, wall_ms, &sp);
	sig_int(&h, st->lang_en);
	sig_int(&h, st->nservices);
	sig_int(&h, sp.page);
	for (i = 0; i < st->nservices; i++) {
		const struct hq_dservice *sv = &st->services[i];

		sig_str(&h, sv->name);
		sig_str(&h, sv->name_en);
		sig_int(&h, sv->open);
		sig_int(&h, sv->waiting);
		sig_int(&h, est_minutes(sv));
		sig_int(&h, hq_est_range_minutes(sv->est_range_s, rm));
		sig_int(&h, rm[0]);
		sig_int(&h, rm[1]);
		sig_int(&h, sv->est_opens_at / 60000);
	}
	return h;
}

/*
 * The wait column's words (screen.h). A service no open counter serves has no estimate and
 * says so, never "no wait" nor a number (issue 18: the same words as the kiosk and the
 * ticket); when its hours open later today, it says when instead. Where the hall shows
 * ranges (estimate_display = range) a service with one gives it, "约 15–25 分钟", in place of
 * the point's minutes; nobody waiting is still 无需等候.
 */
int hq_screen_wait_words(const struct hq_dservice *sv, bool en, char *zh, size_t nz, char *e, size_t ne)
{
	int min = est_minutes(sv), rm[2];
	char hhmm[8];

	e[0] = '\0';
	if (sv->est_wait_s == HQ_EST_NONE && sv->est_opens_at) {
		time_t t = (time_t)(sv->est_opens_at / 1000);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(hhmm, sizeof hhmm, "%H:%M", &tm);
		snprintf(zh, nz, "约 %s 后开始办理", hhmm);
		if (en)
			snprintf(e, ne, "Service from about %s", hhmm);
		return HQ_SCREEN_WW_NOEST | HQ_SCREEN_WW_TWO;
	}
	if (!sv->open) {
		snprintf(zh, nz, "暂停取号");
		if (en)
			snprintf(e, ne, "Closed");
	} else if (sv->est_wait_s == HQ_EST_NONE) {
		snprintf(zh, nz, "窗口暂未开放");
		if (en)
			snprintf(e, ne, "No counter open yet");
		return HQ_SCREEN_WW_NOEST | HQ_SCREEN_WW_TWO;
	} else if (!sv->waiting) {
		snprintf(zh, nz, "无需等候");
		if (en)
			snprintf(e, ne, "No wait");
	} else if (hq_est_range_minutes(sv->est_range_s, rm)) {
		/* "about 15–25 min" after the Chinese on one line would be too small to read
		 * from the seats: two lines, as the names. */
		if (rm[1] <= 1) {
			snprintf(zh, nz, HQ_EST_UNDER_MIN_ZH);
			if (en)
				snprintf(e, ne, HQ_EST_UNDER_MIN_EN);
		} else {
			snprintf(zh, nz, HQ_EST_RANGE_ZH, rm[0], rm[1]);
			if (en)
				snprintf(e, ne, HQ_EST_RANGE_EN, rm[0], rm[1]);
		}
		return HQ_SCREEN_WW_TWO;
	} else if (min >= 120) {
		snprintf(zh, nz, "约 %d 小时", min / 60);
		if (en)
			snprintf(e, ne, "~%d h", min / 60);
	} else {
		snprintf(zh, nz, "约 %d 分钟", min);
		if (en)
			snprintf(e, ne, "~%d min", min);
	}
	return 0;
}

static void draw_services(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st,
			  int64_t wall_ms)
{
	SDL_Rect rc = s->rc[R_SERVICES], cell;
	int p = s->pad, rh, px, i, c0, c1, c2;
	struct svc_pages sp;
	char num[32], wait[160], wz[64], we[64];
	uint32_t ink;
	bool two;
	int ww;

	service_pages(s, st, wall_ms, &sp);
	hq_ren_fill(r, &rc, C_PANEL);
	caption(r, rc, p, sp.cap, "等候人数", "Waiting", st->lang_en);
	if (!sp.n)
		return;
	if (sp.pages > 1) {
		snprintf(num, sizeof num, "%d/%d", sp.page + 1, sp.pages);
		hq_ren_text(r, num, sp.cap * 8 / 10, C_DIM,
			    rc.x + rc.w - p - hq_ren_text_width(r, num, sp.cap * 8 / 10), rc.y + p / 2);
	}
	rh = sp.rh;
	px = rh * 50 / 100;
	c2 = (rc.w - 2 * p) * (st->lang_en ? 36 : 30) / 100;
	c1 = (rc.w - 2 * p) * 16 / 100;
	c0 = rc.w - 2 * p - c1 - c2;
	for (i = 0; i < sp.per_page && sp.page * sp.per_page + i < sp.n; i++) {
		const struct hq_dservice *sv = &st->services[sp.order[sp.page * sp.per_page + i]];
		int y = rc.y + sp.top + i * rh;
		uint32_t fg = sv->open ? C_TEXT : C_DIM;

		if (i % 2 == 0) {
			cell = rect(rc.x + p / 2, y, rc.w - p, rh);
			hq_ren_fill(r, &cell, C_ROW);
		}
		if (st->lang_en && sv->name_en[0] && rh >= sp.cap * 2) {
			cell = rect(rc.x + p, y + rh * 4 / 100, c0 - p / 2, rh * 58 / 100);
			text_in(r, sv->name, px * 9 / 10, fg, cell, LEFT);
			cell = rect(rc.x + p, y + rh * 58 / 100, c0 - p / 2, rh * 38 / 100);
			text_in(r, sv->name_en, px * 5 / 10, C_DIM, cell, LEFT);
		} else {
			cell = rect(rc.x + p, y, c0 - p / 2, rh);
			text_in(r, sv->name, px, fg, cell, LEFT);
		}
		snprintf(num, sizeof num, "%d 人", sv->waiting);
		cell = rect(rc.x + p + c0, y, c1 - p / 2, rh);
		text_in(r, sv->open || sv->waiting ? num : "", px, sv->waiting ? C_ACCENT : C_DIM, cell, RIGHT);
		ww = hq_screen_wait_words(sv, st->lang_en, wz, sizeof wz, we, sizeof we);
		ink = ww & HQ_SCREEN_WW_NOEST ? C_NOEST : C_DIM;
		cell = rect(rc.x + p + c0 + c1, y, c2, rh);
		if ((ww & HQ_SCREEN_WW_TWO) && *we && rh >= sp.cap * 2) {
			/* Two lines, as the service's names beside them. */
			cell = rect(rc.x + p + c0 + c1, y + rh * 4 / 100, c2, rh * 58 / 100);
			text_in(r, wz, px * 8 / 10, ink, cell, RIGHT);
			cell = rect(rc.x + p + c0 + c1, y + rh * 58 / 100, c2, rh * 38 / 100);
			text_in(r, we, px * 5 / 10, ink, cell, RIGHT);
		} else {
			/* A row too low for two lines keeps the Chinese alone, as the names do: both on
			 * one line would be too small to read from the seats (a range's figures still
			 * say it to whoever reads no Chinese). */
			two = ww & HQ_SCREEN_WW_TWO;
			snprintf(wait, sizeof wait, "%s%s%s", wz, *we && !two ? " " : "", two ? "" : we);
			text_in(r, wait, px * 8 / 10, ink, cell, RIGHT);
		}
	}
}

static uint64_t sig_counters(const struct hq_dstate *st)
{
	uint64_t h = 1469598103934665603ull;
	int i;

	sig_int(&h, st->lang_en);
	sig_int(&h, st->ncounters);
	for (i = 0; i < st->ncounters; i++) {
		sig_str(&h, st->counters[i].name);
		sig_int(&h, st->counters[i].number);
		sig_int(&h, st->counters[i].state);
		sig_str(&h, st->counters[i].serving);
	}
	return h;
}

/* "1号窗口（咨询导办）" in a small chip: the part before the bracket, rather than all of it
 * too small to read. */
static void short_name(struct hq_ren *r, char *name, int px, int w)
{
	char *cut = strstr(name, "（");

	if (!cut)
		cut = strchr(name, '(');
	if (cut && cut > name && hq_ren_fit(r, name, px, w) < px * 7 / 10) {
		while (cut > name && cut[-1] == ' ')
			cut--;
		*cut = '\0';
	}
}

static void draw_counters(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st)
{
	SDL_Rect rc = s->rc[R_COUNTERS], chip, half;
	int p = s->pad, cap = imax(10, imin(rc.h * 11 / 100, s->rc[R_CALL].h * 8 / 100));
	int top, n = st->ncounters, cols, rows, cw, ch, best = 0, bc = 1, i, gap = imax(2, p / 2);

	if (rc.w <= 0 || rc.h <= 0)
		return;
	hq_ren_fill(r, &rc, C_PANEL);
	top = caption(r, rc, p, cap, "窗口", "Counters", st->lang_en);
	if (!n)
		return;
	/* The column count that gives the largest text: a chip's text is as tall as the chip
	 * allows and, for "12号窗口", about half as wide as the chip is. */
	for (cols = 1; cols <= n; cols++) {
		rows = (n + cols - 1) / cols;
		cw = (rc.w - 2 * p - (cols - 1) * gap) / cols;
		ch = imin((rc.h - top - p - (rows - 1) * gap) / rows, cw * 2 / 3);
		if (imin(ch, cw / 2) > best)
			best = imin(ch, cw / 2), bc = cols;
	}
	cols = bc;
	rows = (n + cols - 1) / cols;
	cw = (rc.w - 2 * p - (cols - 1) * gap) / cols;
	ch = imin((rc.h - top - p - (rows - 1) * gap) / rows, cw * 2 / 3);
	for (i = 0; i < n; i++) {
		const struct hq_dcounter *c = &st->counters[i];
		const char *what = c->serving;
		uint32_t bg = C_OPEN, fg = C_ACCENT;
		int wpx = ch * 38 / 100;
		char name[128];

		if (c->state == 1)
			bg = C_PAUSED, fg = C_TEXT, what = st->lang_en ? "暂停 Paused" : "暂停";
		else if (c->state == 2)
			bg = C_CLOSED, fg = C_DIM, what = st->lang_en ? "关闭 Closed" : "关闭";
		else if (!*what)
			fg = C_DIM, what = st->lang_en ? "空闲 Free" : "空闲";
		if (!*c->serving || c->state)
			wpx = ch * 28 / 100;
		counter_name(st, c->number, false, name, sizeof name);
		chip = rect(rc.x + p + (i % cols) * (cw + gap), rc.y + top + (i / cols) * (ch + gap), cw, ch);
		hq_ren_fill(r, &chip, bg);
		half = rect(chip.x + gap, chip.y, chip.w - 2 * gap, chip.h / 2);
		half.y += chip.h / 20;
		short_name(r, name, ch * 28 / 100, half.w);
		text_in(r, name, ch * 28 / 100, C_TEXT, half, CENTER);
		half.y = chip.y + chip.h / 2 - chip.h / 20;
		text_in(r, what, wpx, fg, half, CENTER);
	}
}

/* The notice: still when it fits, else scrolling right to left at a steady speed. */
static int ticker_px(const struct hq_screen *s)
{
	return s->rc[R_TICKER].h * 55 / 100;
}

static int ticker_speed(const struct hq_screen *s)
{
	return imax(20, s->rc[R_TICKER].h * 2); /* pixels a second */
}

static int64_t ticker_offset(const struct hq_screen *s, int tw, int64_t mono)
{
	int64_t span = (int64_t)tw + s->w, frame_ms = 1000 / s->o.ticker_fps;
	int64_t t = (mono - s->ticker_t0) / frame_ms * frame_ms; /* whole frames only */

	/* It starts with the notice's beginning at the left edge, readable at once. */
	return (t * ticker_speed(s) / 1000 + s->w - s->pad) % span;
}

/* The notice's width, measured again only when it or the layout changed: shaping a long
 * line thirty times a second would cost more than drawing it. */
static int ticker_width(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st)
{
	uint64_t h = 1469598103934665603ull;

	sig_str(&h, st->notice);
	sig_int(&h, ticker_px(s));
	if (h != s->ticker_key) {
		s->ticker_key = h;
		s->ticker_w = *st->notice ? hq_ren_text_width(r, st->notice, ticker_px(s)) : 0;
	}
	return s->ticker_w;
}

static uint64_t sig_ticker(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st,
			   int64_t mono)
{
	uint64_t h = 1469598103934665603ull;
	int tw = ticker_width(s, r, st);

	s->ticker_scrolls = tw > s->w - 2 * s->pad;
	sig_str(&h, st->notice);
	if (s->ticker_scrolls)
		sig_int(&h, ticker_offset(s, tw, mono));
	return h;
}

static void draw_ticker(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st, int64_t mono)
{
	SDL_Rect rc = s->rc[R_TICKER];
	int px = ticker_px(s), tw, lh;

	hq_ren_fill(r, &rc, C_TICKER);
	if (!*st->notice)
		return;
	tw = ticker_width(s, r, st);
	lh = hq_ren_line_height(r, px);
	if (!s->ticker_scrolls) {
		hq_ren_text(r, st->notice, px, C_TEXT, (s->w - tw) / 2, rc.y + (rc.h - lh) / 2);
		return;
	}
	hq_ren_clip(r, &rc);
	hq_ren_text(r, st->notice, px, C_TEXT, s->w - (int)ticker_offset(s, tw, mono),
		    rc.y + (rc.h - lh) / 2);
	hq_ren_clip(r, NULL);
}

int hq_screen_draw(struct hq_screen *s, struct hq_ren *r, const struct hq_dstate *st,
		   const struct hq_screen_now *now, SDL_Rect *rects)
{
	uint64_t sig[HQ_SCREEN_REGIONS] = { 0 };
	int i, n = 0;

	if (!s->ticker_t0)
		s->ticker_t0 = now->mono_ms;
	sig[R_TITLE] = sig_title(st);
	sig[R_CLOCK] = sig_clock(st, now);
	sig[R_STATUS] = sig_status(st);
	sig[R_CALL] = sig_call(s, st, now->mono_ms);
	sig[R_RECENT] = sig_recent(s, st);
	sig[R_SERVICES] = sig_services(s, st, now->wall_ms);
	sig[R_COUNTERS] = sig_counters(st);
	sig[R_TICKER] = sig_ticker(s, r, st, now->mono_ms);
	if (s->all) {
		SDL_Rect whole = rect(0, 0, s->w, s->h);

		hq_ren_fill(r, &whole, C_BG);
		hq_ren_fill(r, &s->header, C_HEADER);
		memset(s->drawn, 0, sizeof s->drawn);
	}
	for (i = 0; i < R_BODY; i++) {
		if (s->drawn[i] && s->sig[i] == sig[i])
			continue;
		if (s->rc[i].w <= 0 || s->rc[i].h <= 0)
			continue;
		hq_ren_clip(r, &s->rc[i]);
		switch (i) {
		case R_TITLE: draw_title(s, r, st); break;
		case R_CLOCK: draw_clock(s, r, st, now); break;
		case R_STATUS: draw_status(s, r, st); break;
		case R_CALL: draw_call(s, r, st, now->mono_ms); break;
		case R_RECENT: draw_recent(s, r, st); break;
		case R_SERVICES: draw_services(s, r, st, now->wall_ms); break;
		case R_COUNTERS: draw_counters(s, r, st); break;
		case R_TICKER: draw_ticker(s, r, st, now->mono_ms); break;
		}
		hq_ren_clip(r, NULL);
		s->sig[i] = sig[i];
		s->drawn[i] = true;
		rects[n++] = s->rc[i];
	}
	if (s->all) {
		s->all = false;
		rects[0] = rect(0, 0, s->w, s->h);
		n = 1;
	}
	return n;
}

int hq_screen_next_ms(const struct hq_screen *s, const struct hq_dstate *st,
		      const struct hq_screen_now *now)
{
	int64_t next = 1000 - now->wall_ms % 1000; /* the clock's next second */
	struct svc_pages sp;
	int64_t age;

	if (highlight_phase(s, st, now->mono_ms)) {
		age = now->mono_ms - st->highlight_ms;
		if (age < BLINK_MS)
			next = imin((int)next, (int)(BLINK_PHASE_MS - age % BLINK_PHASE_MS));
		else
			next = imin((int)next, (int)(s->o.highlight_ms - age));
	}
	service_pages(s, st, now->wall_ms, &sp);
	if (sp.pages > 1)
		next = imin((int)next, (int)(SERVICE_PAGE_MS - now->wall_ms % SERVICE_PAGE_MS));
	if (s->ticker_scrolls) {
		int frame = 1000 / s->o.ticker_fps;

		next = imin((int)next, (int)(frame - (now->mono_ms - s->ticker_t0) % frame));
	}
	return (int)(next < 1 ? 1 : next);
}
