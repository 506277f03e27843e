/*
 * The ticket laid out in printer cells and encoded as ESC/POS, and the printer's status
 * bytes parsed. Command bytes follow the Epson "ESC/POS Application Programming Guide" and
 * "ESC/POS Command Reference"; the Chinese printers kiosks carry (Xprinter, GP, SPRT...)
 * take the same commands and print GB18030 text in Chinese mode (FS &).
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escpos.h"
#include "hq_error.h"
#include "hq_hall.h"

/* ---- the layout --------------------------------------------------------------------- */

/* Bytes of the UTF-8 sequence at s, or 0 when it is not a valid one (overlong forms,
 * surrogates and code points past U+10FFFF are invalid: RFC 3629 section 4). */
static size_t utf8_len(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, v = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* A copy of s that is valid UTF-8 without control characters: a bad byte becomes '?',
 * a C0 or C1 control (and DEL) a space, so no text can smuggle a command to the printer. */
static char *clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) + 1), *o = out;
	unsigned cp;
	size_t n;

	if (!out)
		return NULL;
	while (*p) {
		if (!(n = utf8_len(p, &cp))) {
			/* One '?' for a sequence cut short (its lead byte and the continuation
			 * bytes that came), one for each other stray byte. */
			size_t want = *p >= 0xC2 && *p <= 0xDF ? 2 : *p >= 0xE0 && *p <= 0xEF ? 3 :
				      *p >= 0xF0 && *p <= 0xF4 ? 4 : 1;

			*o++ = '?';
			for (p++; --want && (*p & 0xC0) == 0x80; p++)
				;
		} else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			*o++ = ' ';
			p += n;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

struct lay {
	struct hq_escpos_layout *l;
	size_t cap;
};

static struct hq_escpos_item *add_item(struct lay *L, enum hq_escpos_kind kind)
{
	struct hq_escpos_layout *l = L->l;

	if (l->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 32;
		struct hq_escpos_item *it = realloc(l->items, cap * sizeof *it);

		if (!it)
			return NULL;
		l->items = it;
		L->cap = cap;
	}
	memset(&l->items[l->n], 0, sizeof l->items[0]);
	l->items[l->n].kind = kind;
	return &l->items[l->n++];
}

static int add_feed(struct lay *L, int lines)
{
	struct hq_escpos_item *it = add_item(L, HQ_ESCPOS_FEED);

	if (!it)
		return HQ_ENOMEM;
	it->lines = lines;
	return HQ_OK;
}

static int add_line(struct lay *L, const char *s, size_t len, int w, int h,
		    enum hq_escpos_align align, bool bold)
{
	struct hq_escpos_item *it = add_item(L, HQ_ESCPOS_TEXT);

	if (!it || !(it->text = strndup(s, len)))
		return HQ_ENOMEM;
	it->w = w;
	it->h = h;
	it->align = align;
	it->bold = bold;
	return HQ_OK;
}

/*
 * Add text (already clean) as as many lines as it needs. A line holds width/(12*w) half
 * cells; ASCII takes one, anything else two (in Chinese mode the printer draws every
 * non-ASCII character from its 24-dot Chinese font). Lines break after the last space that
 * fits, or mid-word when a word is longer than a line.
 */
static int add_text(struct lay *L, const char *s, int w, int h, enum hq_escpos_align align, bool bold)
{
	int cols = L->l->width_dots / (HQ_ESCPOS_CELL_W * w);
	const char *start = s;
	int rc;

	while (*start == ' ')
		start++;
	while (*start) {
		const char *p = start, *brk = NULL, *end;
		int used = 0;
		unsigned cp;

		while (*p) {
			size_t n = utf8_len((const unsigned char *)p, &cp);
			int cw = cp < 0x80 ? 1 : 2;

			if (used + cw > cols)
				break;
			if (cp == ' ')
				brk = p;
			used += cw;
			p += n ? n : 1;
		}
		/* Break at a space where there is one (unless the rest fits). */
		end = *p && brk ? brk : p;
		if (end == start) /* a wide character on a line one cell wide */
			end = p + utf8_len((const unsigned char *)p, &cp);
		while (end > start && end[-1] == ' ')
			end--;
		if ((rc = add_line(L, start, (size_t)(end - start), w, h, align, bold)))
			return rc;
		start = *p && brk ? brk : p;
		if (start == p && end > p)
			start = end;
		while (*start == ' ')
			start++;
	}
	return HQ_OK;
}

static int add_field(struct lay *L, const char *s, int w, int h, enum hq_escpos_align align, bool bold)
{
	char *c;
	int rc;

	if (!s || !*s)
		return HQ_OK;
	if (!(c = clean_text(s)))
		return HQ_ENOMEM;
	rc = add_text(L, c, w, h, align, bold);
	free(c);
	return rc;
}

/* A line of the ticket's fixed wording, centred at normal size. */
static int add_printf(struct lay *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add_printf(struct lay *L, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	return add_field(L, line, 1, 1, HQ_ESCPOS_CENTER, false);
}

/* Bytes a QR code model 2 at error correction M holds in byte mode, by version (ISO/IEC
 * 18004:2015 table 7). */
static const short qr_capacity_m[40] = {
	14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624,
	666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809,
	1911, 1989, 2099, 2213, 2331,
};

int hq_escpos_qr_module(size_t len, int width_dots)
{
	int v = 0, modules, m;

	while (v < 39 && (size_t)qr_capacity_m[v] < len)
		v++;
	modules = 17 + 4 * (v + 1);
	m = width_dots / modules;
	return m > HQ_ESCPOS_QR_MODULE ? HQ_ESCPOS_QR_MODULE : m < 1 ? 1 : m;
}

int hq_escpos_layout(const struct hq_print_ticket *t, int width_dots, struct hq_escpos_layout *out)
{
	struct lay L = { .l = out };
	struct hq_escpos_item *it;
	bool en;
	int rc;

	memset(out, 0, sizeof *out);
	/* 192 dots: the 4x ticket number needs 4 cells of 48, and a version 40 QR code fits. */
	if (!t || width_dots < 192)
		return HQ_EINVAL;
	if (t->url && strlen(t->url) > HQ_ESCPOS_QR_MAX)
		return HQ_EINVAL;
	out->width_dots = width_dots;
	en = t->en;
	if ((rc = add_field(&L, t->hall, 1, 2, HQ_ESCPOS_CENTER, true)) ||
	    (en && (rc = add_field(&L, t->hall_en, 1, 1, HQ_ESCPOS_CENTER, false))) ||
	    (rc = add_feed(&L, 1)) ||
	    (rc = add_field(&L, t->service, 2, 2, HQ_ESCPOS_CENTER, true)) ||
	    (en && (rc = add_field(&L, t->service_en, 1, 1, HQ_ESCPOS_CENTER, false))) ||
	    (rc = add_field(&L, t->label, 4, 4, HQ_ESCPOS_CENTER, false)) ||
	    (rc = add_field(&L, t->cls, 1, 1, HQ_ESCPOS_CENTER, true)) ||
	    (rc = add_feed(&L, 1)))
		goto fail;
	if (t->people_ahead >= 0) {
		int n = t->people_ahead;

		rc = en ? add_printf(&L, "前面还有 %d 人 / %d %s ahead", n, n, n == 1 ? "person" : "people")
			: add_printf(&L, "前面还有 %d 人", n);
		if (rc)
			goto fail;
	}
	/* No counter open: nobody knows the wait, and the ticket must not guess one; when the
	 * service's hours open later today, it says when (docs/kiosk.md, issue 18). */
	if (t->no_counter && t->opens_at && *t->opens_at)
		rc = en ? add_printf(&L, "约 %.5s 后开始办理 / Service from about %.5s", t->opens_at, t->opens_at)
			: add_printf(&L, "约 %.5s 后开始办理", t->opens_at);
	else if (t->no_counter)
		rc = add_printf(&L, en ? "窗口暂未开放 / No counter open yet" : "窗口暂未开放");
	else if (t->est_wait_min >= 0 && t->est_range_min[1] > 1)
		/* The hall's 80% range (estimate_display = range); the en dash is GB18030 A8 43.
		 * No "wait" after the English, so three-digit minutes still fit one line (45). */
		rc = en ? add_printf(&L, "预计等候" HQ_EST_RANGE_ZH " / " HQ_EST_RANGE_EN, t->est_range_min[0],
				     t->est_range_min[1], t->est_range_min[0], t->est_range_min[1])
			: add_printf(&L, "预计等候" HQ_EST_RANGE_ZH, t->est_range_min[0], t->est_range_min[1]);
	else if (t->est_wait_min >= 0 && t->est_range_min[1] == 1)
		rc = add_printf(&L, en ? "预计等候" HQ_EST_UNDER_MIN_ZH " / " HQ_EST_UNDER_MIN_EN
				: "预计等候" HQ_EST_UNDER_MIN_ZH);
	else if (t->est_wait_min > 0)
		rc = en ? add_printf(&L, "预计等候约 %d 分钟 / about %d min wait", t->est_wait_min, t->est_wait_min)
			: add_printf(&L, "预计等候约 %d 分钟", t->est_wait_min);
	else if (t->est_wait_min == 0)
		rc = add_printf(&L, en ? "马上就到 / next" : "马上就到");
	if (rc)
		goto fail;
	if (t->issued && *t->issued &&
	    (rc = add_printf(&L, en ? "取号时间 / Time: %s" : "取号时间: %s", t->issued)))
		goto fail;
	if (t->url && *t->url) {
		if ((rc = add_feed(&L, 1)) || !(it = add_item(&L, HQ_ESCPOS_QR)) || !(it->text = strdup(t->url))) {
			rc = rc ? rc : HQ_ENOMEM;
			goto fail;
		}
		it->w = hq_escpos_qr_module(strlen(t->url), width_dots);
		it->align = HQ_ESCPOS_CENTER;
	}
	if ((rc = add_field(&L, t->footer, 1, 1, HQ_ESCPOS_CENTER, false)) || (rc = add_feed(&L, 2)))
		goto fail;
	return HQ_OK;
fail:
	hq_escpos_layout_free(out);
	return rc;
}

void hq_escpos_layout_free(struct hq_escpos_layout *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->items[i].text);
	free(l->items);
	memset(l, 0, sizeof *l);
}

/* ---- the bytes ---------------------------------------------------------------------- */

struct buf {
	uint8_t *b;
	size_t n, cap;
	int err;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		uint8_t *nb;

		while (cap < b->n + n)
			cap *= 2;
		if (!(nb = realloc(b->b, cap))) {
			b->err = HQ_ENOMEM;
			return;
		}
		b->b = nb;
		b->cap = cap;
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

#define PUT(b, ...) put((b), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* UTF-8 to GB18030. GB18030 maps all of Unicode, so only what clean_text() let through
 * and the converter still refuses (nothing, with glibc) becomes '?'. */
static void put_gb18030(struct buf *b, iconv_t cd, const char *s)
{
	char out[256];
	char *in = (char *)s;
	size_t inleft = strlen(s);

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft && !b->err) {
		char *o = out;
		size_t oleft = sizeof out;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);

		put(b, out, (size_t)(o - out));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		put(b, "?", 1);
		if (errno == EINVAL) /* cut short at the end */
			break;
		/* EILSEQ: skip the character (its lead byte and any continuation bytes). */
		do {
			in++;
			inleft--;
		} while (inleft && ((unsigned char)*in & 0xC0) == 0x80);
	}
}

static uint8_t align_byte(enum hq_escpos_align a)
{
	return a == HQ_ESCPOS_RIGHT ? 2 : a == HQ_ESCPOS_CENTER ? 1 : 0;
}

static void put_qr(struct buf *b, const struct hq_escpos_item *it)
{
	size_t len = strlen(it->text), k = len + 3;

	/* ESC a n: justification, which also places the symbol. */
	PUT(b, 0x1B, 0x61, align_byte(it->align));
	/* GS ( k pL pH cn fn n1 n2 = 1D 28 6B 04 00 31 41 32 00: <fn 165> select the model,
	 * n1 = 50: model 2. */
	PUT(b, 0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00);
	/* GS ( k 03 00 31 43 n: <fn 167> module size, n dots. */
	PUT(b, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, (uint8_t)it->w);
	/* GS ( k 03 00 31 45 n: <fn 169> error correction level, n = 49: M (15 %). */
	PUT(b, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31);
	/* GS ( k pL pH 31 50 30 d1...dk: <fn 180> store the data, (pL + pH*256) = k + 3. */
	PUT(b, 0x1D, 0x28, 0x6B, (uint8_t)(k & 0xFF), (uint8_t)(k >> 8), 0x31, 0x50, 0x30);
	put(b, it->text, len);
	/* GS ( k 03 00 31 51 30: <fn 181> print the stored symbol. */
	PUT(b, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30);
}

int hq_escpos_encode(const struct hq_escpos_layout *l, uint8_t **out, size_t *n)
{
	struct buf b = { 0 };
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t i;

	*out = NULL;
	*n = 0;
	if (cd == (iconv_t)-1)
		return HQ_EIO;
	/* ESC @ = 1B 40: initialise the printer (modes, sizes, alignment back to defaults). */
	PUT(&b, 0x1B, 0x40);
	/* FS & = 1C 26: Chinese (Kanji) character mode, so two-byte GB18030 codes print as
	 * Chinese characters rather than two code-page symbols. */
	PUT(&b, 0x1C, 0x26);
	for (i = 0; i < l->n; i++) {
		const struct hq_escpos_item *it = &l->items[i];

		switch (it->kind) {
		case HQ_ESCPOS_TEXT:
			/* ESC a n = 1B 61 n: justification, 0 left, 1 centre, 2 right; taken at the
			 * start of a line, so every line sets its own. */
			PUT(&b, 0x1B, 0x61, align_byte(it->align));
			/* GS ! n = 1D 21 n: character size, width - 1 in bits 4-6, height - 1 in
			 * bits 0-2 (0x33: four times both ways). */
			PUT(&b, 0x1D, 0x21, (uint8_t)((it->w - 1) << 4 | (it->h - 1)));
			/* ESC E n = 1B 45 n: emphasised (bold) on when bit 0 is set. */
			PUT(&b, 0x1B, 0x45, it->bold ? 1 : 0);
			put_gb18030(&b, cd, it->text);
			/* LF = 0A: print the line and feed one line. */
			PUT(&b, 0x0A);
			break;
		case HQ_ESCPOS_FEED:
			/* ESC d n = 1B 64 n: print and feed n lines. */
			PUT(&b, 0x1B, 0x64, (uint8_t)it->lines);
			break;
		case HQ_ESCPOS_QR:
			put_qr(&b, it);
			break;
		}
	}
	/* Back to normal size, left, not bold: a printer shared with another program starts
	 * from the defaults even if it skips ESC @. */
	PUT(&b, 0x1D, 0x21, 0x00, 0x1B, 0x45, 0x00, 0x1B, 0x61, 0x00);
	/* GS V m n = 1D 56 42 00: function B, m = 66: feed to the cutting position (+ n
	 * motion units) and cut partially, leaving a hinge so the ticket does not fall. */
	PUT(&b, 0x1D, 0x56, 0x42, 0x00);
	iconv_close(cd);
	if (b.err) {
		free(b.b);
		return b.err;
	}
	*out = b.b;
	*n = b.n;
	return HQ_OK;
}

int hq_escpos_ticket(const struct hq_print_ticket *t, int width_dots, uint8_t **out, size_t *n)
{
	struct hq_escpos_layout l;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = hq_escpos_layout(t, width_dots, &l)))
		return rc;
	rc = hq_escpos_encode(&l, out, n);
	hq_escpos_layout_free(&l);
	return rc;
}

/* ---- status ------------------------------------------------------------------------- */

bool hq_escpos_status_byte_ok(uint8_t b)
{
	return (b & 0x93) == 0x12;
}

/*
 * DLE EOT n (Transmit real-time status) answers one byte each:
 *   n = 1, printer status:        bit 3 offline
 *   n = 2, offline cause:         bit 2 cover open, bit 5 printing stopped by paper end,
 *                                 bit 6 an error occurred
 *   n = 4, roll paper sensor:     bits 2+3 paper near its end, bits 5+6 paper end
 * A printer that is offline for none of those reasons (waiting for a recovery the status
 * does not name) cannot print either, so that counts as an error.
 */
int hq_escpos_parse_status(uint8_t n1, uint8_t n2, uint8_t n4, struct hq_printer_status *st)
{
	memset(st, 0, sizeof *st);
	if (!hq_escpos_status_byte_ok(n1) || !hq_escpos_status_byte_ok(n2) || !hq_escpos_status_byte_ok(n4))
		return HQ_EFRAME;
	st->online = true;
	st->cover_open = n2 & 0x04;
	st->paper_out = (n2 & 0x20) || (n4 & 0x60);
	st->error = n2 & 0x40;
	st->paper_near_end = n4 & 0x0C;
	if ((n1 & 0x08) && !st->cover_open && !st->paper_out && !st->error)
		st->error = true;
	return HQ_OK;
}
