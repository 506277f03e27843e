/*
 * The ESC/POS decoder: a byte-at-a-time state machine over the command set of the Epson
 * "ESC/POS Command Reference" that receipt printers share. Every command it knows has its
 * length taken from the reference, including the ones whose data is counted (GS ( k, GS v 0,
 * ESC *, GS k), so a status request byte pair inside a QR code's data is data, and the
 * decoder never loses its place on a well-formed stream.
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escpos_decode.h"

#define LINE_RAW_MAX 8192   /* a printed line is at most a few hundred bytes */
#define MAX_LINES 10000

enum state {
	S_TEXT,      /* between commands */
	S_ESC, S_GS, S_FS, S_DLE, S_DLE_EOT,
	S_ARGS,      /* collecting a command's fixed arguments */
	S_PAREN_FN,  /* GS ( : the function letter */
	S_PAREN_BODY,/* GS ( X pL pH ... : the counted body */
	S_SKIP,      /* counted data we do not look at */
	S_NUL,       /* data up to a NUL */
};

/* Commands by prefix and letter; the continuations of variable-length ones get codes of
 * their own. */
#define C(prefix, ch) ((prefix) << 8 | (ch))
#define ESC_ 0x1B
#define GS_ 0x1D
#define FS_ 0x1C
enum { K_GS_V_N = 0x10000, K_GS_K_N, K_GS_V0, K_PAREN_LEN };

struct hq_escdec {
	struct hq_escdec_ops ops;
	iconv_t gb, cp437;
	enum state st;
	int cmd;
	uint8_t args[8];
	int nargs, need;
	unsigned long long skip;
	int nul_left;
	int paren_fn;
	size_t paren_len, paren_have;
	uint8_t *paren;               /* 65535 bytes: the largest GS ( body */
	/* The modes, as ESC @ leaves them. */
	int w, h;
	enum hq_escdec_align align;
	bool bold, chinese;
	/* The line being filled: raw bytes not yet converted, and the text so far. */
	uint8_t raw[LINE_RAW_MAX];
	size_t nraw;
	bool raw_chinese, line_started, line_overflow;
	char *utf;
	size_t nutf, utfcap;
	int lw, lh;
	enum hq_escdec_align la;
	bool lbold;
	/* The QR code's stored data (GS ( k fn 80) and module size (fn 67). */
	uint8_t *qr;
	size_t qr_len;
	int qr_module;
	/* The ticket under way. */
	struct hq_escdec_ticket t;
	size_t linecap;
	bool lines_full;
};

static void err(struct hq_escdec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err(struct hq_escdec *d, const char *fmt, ...)
{
	char what[200], *e, **ne;
	va_list ap;
	int n;

	if (d->t.nerrors == HQ_ESCDEC_MAX_ERRORS) {
		d->t.errors_dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "byte %zu: %s", d->t.bytes, what);
	if (!(e = malloc((size_t)n + 1)) || !(ne = realloc(d->t.errors, (d->t.nerrors + 1) * sizeof *ne))) {
		free(e);
		d->t.errors_dropped++;
		return;
	}
	snprintf(e, (size_t)n + 1, "byte %zu: %s", d->t.bytes, what);
	d->t.errors = ne;
	d->t.errors[d->t.nerrors++] = e;
}

static void count(struct hq_escdec *d, int n)
{
	while (n-- > 0) {
		d->t.bytes++;
		if (d->ops.data)
			d->ops.data(d->ops.ud);
	}
}

/* ---- text --------------------------------------------------------------------------- */

static void utf_put(struct hq_escdec *d, const char *s, size_t n)
{
	if (d->nutf + n + 1 > d->utfcap) {
		size_t cap = d->utfcap ? d->utfcap : 256;
		char *u;

		while (cap < d->nutf + n + 1)
			cap *= 2;
		if (!(u = realloc(d->utf, cap)))
			return;
		d->utf = u;
		d->utfcap = cap;
	}
	memcpy(d->utf + d->nutf, s, n);
	d->nutf += n;
	d->utf[d->nutf] = '\0';
}

/* The raw bytes of the line so far into UTF-8: GB18030 in Chinese mode, else code page 437
 * (the default character table, ESC t 0). */
static void convert(struct hq_escdec *d)
{
	static const char bad[] = "\xEF\xBF\xBD"; /* U+FFFD */
	iconv_t cd = d->raw_chinese ? d->gb : d->cp437;
	char *in = (char *)d->raw;
	size_t inleft = d->nraw;

	d->nraw = 0;
	if (cd == (iconv_t)-1) {
		while (inleft--)
			utf_put(d, bad, 3);
		return;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft) {
		char out[512], *o = out;
		size_t oleft = sizeof out, r = iconv(cd, &in, &inleft, &o, &oleft);

		utf_put(d, out, (size_t)(o - out));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		utf_put(d, bad, 3);
		err(d, "text byte 0x%02x is not %s", (unsigned char)*in, d->raw_chinese ? "GB18030" : "CP437");
		if (errno != EILSEQ) /* EINVAL: a character cut short at the end of the line */
			break;
		in++;
		inleft--;
	}
}

static void text_byte(struct hq_escdec *d, uint8_t c)
{
	if (!d->line_started) {
		d->line_started = true;
		d->la = d->align;
		d->lw = d->w;
		d->lh = d->h;
		d->lbold = d->bold;
	} else {
		d->lw = d->w > d->lw ? d->w : d->lw;
		d->lh = d->h > d->lh ? d->h : d->lh;
		d->lbold |= d->bold;
	}
	if (d->nraw && d->raw_chinese != d->chinese)
		convert(d);
	d->raw_chinese = d->chinese;
	if (d->nraw == sizeof d->raw) {
		if (!d->line_overflow)
			err(d, "line longer than %d bytes: the rest is dropped", LINE_RAW_MAX);
		d->line_overflow = true;
		return;
	}
	d->raw[d->nraw++] = c;
}

static void clear_line(struct hq_escdec *d)
{
	d->nraw = 0;
	d->nutf = 0;
	d->line_started = d->line_overflow = false;
}

/* Print the line (LF, ESC d, ESC J, a cut, a QR code). */
static void print_line(struct hq_escdec *d)
{
	struct hq_escdec_line *l;
	size_t i;

	convert(d);
	for (i = 0; i < d->nutf && d->utf[i] == ' '; i++)
		;
	if (!d->line_started || i == d->nutf)
		goto done;
	if (d->t.nlines == MAX_LINES) {
		if (!d->lines_full)
			err(d, "more than %d lines: the rest are not listed", MAX_LINES);
		d->lines_full = true;
		goto done;
	}
	if (d->t.nlines == d->linecap) {
		size_t cap = d->linecap ? d->linecap * 2 : 32;

		if (!(l = realloc(d->t.lines, cap * sizeof *l)))
			goto done;
		d->t.lines = l;
		d->linecap = cap;
	}
	l = &d->t.lines[d->t.nlines];
	if (!(l->text = strndup(d->utf, d->nutf)))
		goto done;
	l->w = d->lw;
	l->h = d->lh;
	l->align = d->la;
	l->bold = d->lbold;
	d->t.nlines++;
done:
	clear_line(d);
}

/* ---- tickets ------------------------------------------------------------------------ */

static void drop_ticket(struct hq_escdec *d)
{
	size_t i;

	for (i = 0; i < d->t.nlines; i++)
		free(d->t.lines[i].text);
	for (i = 0; i < d->t.nerrors; i++)
		free(d->t.errors[i]);
	free(d->t.lines);
	free(d->t.errors);
	free(d->t.qr);
	memset(&d->t, 0, sizeof d->t);
	d->linecap = 0;
	d->lines_full = false;
}

static void emit(struct hq_escdec *d, bool cut)
{
	d->t.cut = cut;
	if (d->ops.ticket)
		d->ops.ticket(d->ops.ud, &d->t);
	drop_ticket(d);
}

static void reset_modes(struct hq_escdec *d)
{
	d->w = d->h = 1;
	d->align = HQ_ESCDEC_LEFT;
	d->bold = false;
	/* Epson's default; Chinese models may start in Chinese mode by a memory switch, which
	 * is why a ticket should say FS & itself. */
	d->chinese = false;
}

/* ---- commands ----------------------------------------------------------------------- */

static void want(struct hq_escdec *d, int cmd, int n)
{
	d->cmd = cmd;
	d->nargs = 0;
	d->need = n;
	d->st = S_ARGS;
}

static void skip(struct hq_escdec *d, unsigned long long n)
{
	d->skip = n;
	d->st = n ? S_SKIP : S_TEXT;
}

/* GS ( k: two-dimensional codes; cn 49 is QR Code. Function numbers are Epson's
 * "Function 165" etc. less 100: fn 65 model, 67 module size, 69 error correction,
 * 80 store data, 81 print, 82 transmit size. */
static void gs_paren_k(struct hq_escdec *d)
{
	const uint8_t *b = d->paren;
	size_t L = d->paren_len;
	int cn, fn;

	if (L < 2) {
		err(d, "GS ( k with %zu bytes of parameters", L);
		return;
	}
	cn = b[0];
	fn = b[1];
	if (cn != 49) {
		err(d, "GS ( k cn %d: only QR codes (cn 49) are decoded", cn);
		return;
	}
	switch (fn) {
	case 65:
		if (L != 4 || b[2] < 49 || b[2] > 51 || b[3] != 0)
			err(d, "GS ( k fn 65 (QR model): bad parameters");
		break;
	case 67:
		if (L != 3 || b[2] < 1 || b[2] > 16)
			err(d, "GS ( k fn 67 (QR module size): bad parameters");
		else
			d->qr_module = b[2];
		break;
	case 69:
		if (L != 3 || b[2] < 48 || b[2] > 51)
			err(d, "GS ( k fn 69 (QR error correction): bad parameters");
		break;
	case 80: {
		uint8_t *q;

		if (L < 4 || b[2] != 48) {
			err(d, "GS ( k fn 80 (QR store): bad parameters");
			break;
		}
		if (!(q = realloc(d->qr, L - 3 + 1)))
			break;
		memcpy(q, b + 3, L - 3);
		d->qr = q;
		d->qr_len = L - 3;
		break;
	}
	case 81:
		if (L != 3 || b[2] != 48) {
			err(d, "GS ( k fn 81 (QR print): bad parameters");
			break;
		}
		if (!d->qr) {
			err(d, "GS ( k fn 81: print a QR code that has no data");
			break;
		}
		print_line(d);
		free(d->t.qr);
		d->t.qr = strndup((const char *)d->qr, d->qr_len);
		d->t.qr_module = d->qr_module;
		break;
	case 82:
		break;
	default:
		err(d, "GS ( k fn %d: unknown function", fn);
	}
}

static void run(struct hq_escdec *d)
{
	const uint8_t *a = d->args;

	d->st = S_TEXT;
	switch (d->cmd) {
	case C(ESC_, '@'): /* ESC @: initialise; the print buffer is cleared, not printed */
		if (d->t.bytes == 2)
			d->t.init = true;
		clear_line(d);
		reset_modes(d);
		break;
	case C(ESC_, 'a'): /* ESC a n: justification */
		if (a[0] == 0 || a[0] == 48)
			d->align = HQ_ESCDEC_LEFT;
		else if (a[0] == 1 || a[0] == 49)
			d->align = HQ_ESCDEC_CENTER;
		else if (a[0] == 2 || a[0] == 50)
			d->align = HQ_ESCDEC_RIGHT;
		else
			err(d, "ESC a %d: justification is 0, 1 or 2", a[0]);
		break;
	case C(ESC_, 'E'): /* ESC E n: emphasised */
		d->bold = a[0] & 1;
		break;
	case C(ESC_, '!'): /* ESC ! n: print mode: bit 3 emphasised, 4 double height, 5 double width */
		d->bold = a[0] & 0x08;
		d->h = a[0] & 0x10 ? 2 : 1;
		d->w = a[0] & 0x20 ? 2 : 1;
		break;
	case C(ESC_, 'd'): /* ESC d n: print and feed n lines */
	case C(ESC_, 'J'): /* ESC J n: print and feed n motion units */
		print_line(d);
		break;
	case C(ESC_, '*'): { /* ESC * m nL nH d1...dk: bit image, k = n (8-dot) or 3n (24-dot) */
		unsigned n = a[1] | a[2] << 8;

		if (a[0] == 0 || a[0] == 1)
			skip(d, n);
		else if (a[0] == 32 || a[0] == 33)
			skip(d, 3ull * n);
		else
			err(d, "ESC * %d: unknown bit image mode", a[0]);
		break;
	}
	case C(GS_, '!'): /* GS ! n: character size, width - 1 in bits 4-6, height - 1 in 0-2 */
		if (a[0] & 0x88)
			err(d, "GS ! 0x%02x: bits 3 and 7 must be 0", a[0]);
		d->w = (a[0] >> 4 & 7) + 1;
		d->h = (a[0] & 7) + 1;
		break;
	case C(GS_, 'V'): /* GS V m [n]: cut; m 0/48 full, 1/49 partial; 65/66 and the others
			   * feed first and take n */
		if (a[0] == 0 || a[0] == 48 || a[0] == 1 || a[0] == 49) {
			print_line(d);
			emit(d, true);
		} else if (a[0] == 65 || a[0] == 66 || a[0] == 97 || a[0] == 98 || a[0] == 103 || a[0] == 104) {
			want(d, K_GS_V_N, 1);
		} else {
			err(d, "GS V %d: unknown cut", a[0]);
		}
		break;
	case K_GS_V_N:
		print_line(d);
		emit(d, true);
		break;
	case C(GS_, 'k'): /* GS k m ...: barcode; m 0-6 data up to NUL, m 65-73 n then n bytes */
		if (a[0] <= 6) {
			d->nul_left = 256;
			d->st = S_NUL;
		} else if (a[0] >= 65 && a[0] <= 73) {
			want(d, K_GS_K_N, 1);
		} else {
			err(d, "GS k %d: unknown barcode system", a[0]);
		}
		break;
	case K_GS_K_N:
		skip(d, a[0]);
		break;
	case C(GS_, 'v'): /* GS v 0 m xL xH yL yH d1...dk: raster image, k = x * y */
		if (a[0] == '0')
			want(d, K_GS_V0, 5);
		else
			err(d, "GS v 0x%02x: only GS v 0 is known", a[0]);
		break;
	case K_GS_V0:
		skip(d, (unsigned long long)(a[1] | a[2] << 8) * (unsigned long long)(a[3] | a[4] << 8));
		break;
	case K_PAREN_LEN:
		d->paren_len = a[0] | a[1] << 8;
		d->paren_have = 0;
		if (d->paren_fn != 'k') {
			err(d, "GS ( %c: not decoded, %zu bytes skipped", d->paren_fn, d->paren_len);
			skip(d, d->paren_len);
		} else if (d->paren_len == 0) {
			err(d, "GS ( k with no parameters");
		} else {
			d->st = S_PAREN_BODY;
		}
		break;
	case C(FS_, '&'): /* FS &: Chinese character mode on */
		d->chinese = true;
		break;
	case C(FS_, '.'): /* FS .: Chinese character mode off */
		d->chinese = false;
		break;
	default:
		/* Known, with no bearing on what the ticket says (underline, line spacing,
		 * code table, font, drawer pulse...). */
		break;
	}
}

/* Arguments of the commands known, -1 for the unknown; -2 marks those handled apart. */
static int esc_args(uint8_t c)
{
	switch (c) {
	case '@': case '2': case '<':
		return 0;
	case 'a': case 'E': case 'd': case 'J': case '!': case '-': case '3': case 't': case 'M':
	case 'R': case '{': case 'G': case 'e': case 'V': case ' ': case 'U': case 'r': case 'K':
		return 1;
	case 'c': case 'B': case '$': case '\\':
		return 2;
	case 'p': case '*':
		return 3;
	case 'D':
		return -2;
	default:
		return -1;
	}
}

static int gs_args(uint8_t c)
{
	switch (c) {
	case '!': case 'V': case 'B': case 'h': case 'w': case 'H': case 'f': case 'a': case 'r':
	case 'I': case 'k': case 'v': case 'b':
		return 1;
	case 'L': case 'W': case 'P': case '$': case '\\':
		return 2;
	case '(':
		return -2;
	default:
		return -1;
	}
}

static int fs_args(uint8_t c)
{
	switch (c) {
	case '&': case '.':
		return 0;
	case '!': case '-': case 'C': case 'W':
		return 1;
	case 'S': case 'p':
		return 2;
	default:
		return -1;
	}
}

static void command(struct hq_escdec *d, int prefix, uint8_t c)
{
	const char *name = prefix == ESC_ ? "ESC" : prefix == GS_ ? "GS" : "FS";
	int n = prefix == ESC_ ? esc_args(c) : prefix == GS_ ? gs_args(c) : fs_args(c);

	d->st = S_TEXT;
	if (n == -1) {
		err(d, "unknown command %s 0x%02x", name, c);
	} else if (n == -2 && prefix == ESC_) { /* ESC D n1...nk NUL: tab positions */
		d->nul_left = 33;
		d->st = S_NUL;
	} else if (n == -2) { /* GS ( fn pL pH ... */
		d->st = S_PAREN_FN;
	} else {
		want(d, C(prefix, c), n);
		if (n == 0)
			run(d);
	}
}

static void byte(struct hq_escdec *d, uint8_t c)
{
	switch (d->st) {
	case S_TEXT:
		/* DLE EOT is a real-time request, not part of the ticket: count it only once it
		 * turns out to be something else. */
		if (c == 0x10) {
			d->st = S_DLE;
			return;
		}
		count(d, 1);
		if (c == ESC_)
			d->st = S_ESC;
		else if (c == GS_)
			d->st = S_GS;
		else if (c == FS_)
			d->st = S_FS;
		else if (c == '\n')
			print_line(d);
		else if (c == '\t')
			text_byte(d, ' ');
		else if (c == '\r')
			; /* ignored, as with auto line feed off */
		else if (c < 0x20 || c == 0x7F)
			err(d, "control byte 0x%02x ignored", c);
		else
			text_byte(d, c);
		break;
	case S_DLE:
		if (c == 0x04) { /* DLE EOT */
			d->st = S_DLE_EOT;
			return;
		}
		count(d, 2);
		if (c == 0x05) { /* DLE ENQ n: a real-time request we have nothing to do for */
			want(d, C(0x10, 0x05), 1);
			return;
		}
		d->st = S_TEXT;
		err(d, "unknown real-time command DLE 0x%02x", c);
		break;
	case S_DLE_EOT:
		d->st = S_TEXT;
		if (c >= 1 && c <= 4) {
			if (d->ops.status)
				d->ops.status(d->ops.ud, c);
		} else {
			count(d, 3);
			err(d, "DLE EOT %d: n is 1 to 4", c);
		}
		break;
	case S_ESC:
		count(d, 1);
		command(d, ESC_, c);
		break;
	case S_GS:
		count(d, 1);
		command(d, GS_, c);
		break;
	case S_FS:
		count(d, 1);
		command(d, FS_, c);
		break;
	case S_ARGS:
		count(d, 1);
		d->args[d->nargs++] = c;
		if (d->nargs == d->need)
			run(d);
		break;
	case S_PAREN_FN:
		count(d, 1);
		d->paren_fn = c;
		want(d, K_PAREN_LEN, 2);
		break;
	case S_PAREN_BODY:
		count(d, 1);
		d->paren[d->paren_have++] = c;
		if (d->paren_have == d->paren_len) {
			d->st = S_TEXT;
			gs_paren_k(d);
		}
		break;
	case S_SKIP:
		count(d, 1);
		if (--d->skip == 0)
			d->st = S_TEXT;
		break;
	case S_NUL:
		count(d, 1);
		if (c == 0) {
			d->st = S_TEXT;
		} else if (--d->nul_left == 0) {
			err(d, "no NUL to end the command's data");
			d->st = S_TEXT;
		}
		break;
	}
}

/* ---- the interface ------------------------------------------------------------------ */

struct hq_escdec *hq_escdec_new(const struct hq_escdec_ops *ops)
{
	struct hq_escdec *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	if (ops)
		d->ops = *ops;
	d->cp437 = iconv_open("UTF-8", "CP437");
	d->gb = iconv_open("UTF-8", "GB18030");
	if (d->gb == (iconv_t)-1 || !(d->paren = malloc(65535))) {
		hq_escdec_free(d);
		return NULL;
	}
	d->qr_module = 3;
	reset_modes(d);
	return d;
}

void hq_escdec_free(struct hq_escdec *d)
{
	if (!d)
		return;
	drop_ticket(d);
	if (d->gb != (iconv_t)-1)
		iconv_close(d->gb);
	if (d->cp437 != (iconv_t)-1)
		iconv_close(d->cp437);
	free(d->paren);
	free(d->qr);
	free(d->utf);
	free(d);
}

void hq_escdec_feed(struct hq_escdec *d, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		byte(d, buf[i]);
}

void hq_escdec_finish(struct hq_escdec *d)
{
	if (d->st != S_TEXT && d->t.bytes)
		err(d, "the stream ended inside a command");
	d->st = S_TEXT;
	print_line(d);
	if (d->t.bytes || d->t.nlines)
		emit(d, false);
}

size_t hq_escdec_pending(const struct hq_escdec *d)
{
	return d->t.bytes;
}
