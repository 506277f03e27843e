/*
 * The kiosk's ticket printer (kiosk/printer.c, escpos.c, preview.c) and the simulated
 * printer's decoder (kiosk/sim/escpos_decode.c): the status bytes as readable vectors,
 * the ticket's bytes decoded back (whole, byte by byte, with status requests in between),
 * text that is not valid UTF-8 or carries control characters, random bytes into the
 * decoder, the printer specs, the file printer, and the PNG preview read back with zbarimg.
 *
 * The serial printer is tested for real: a socat pty pair with hallq-printer-sim on the far
 * end, switched between states through its control FIFO; the line is unplugged (socat
 * stopped) and plugged back. Every helper is waited for by its own output ("ready", "state
 * X", "ticket N LABEL", socat's "starting data transfer loop") and stopped by its PID.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <SDL_image.h>

#include "escpos.h"
#include "escpos_decode.h"
#include "hq_error.h"
#include "port.h"
#include "preview.h"
#include "printer.h"

#define URL "http://hall.example.cn/t/20261123-B012?k=9f3a"

static const struct hq_print_ticket full = {
	.hall = "某某县政务服务中心",
	.hall_en = "County Government Service Centre",
	.label = "B012",
	.service = "不动产登记",
	.service_en = "Real estate registration",
	.cls = "优先 Priority · 老年人",
	.issued = "2026-11-23 10:02",
	.people_ahead = 3,
	.est_wait_min = 12,
	.url = URL,
	.footer = "请留意叫号 Please watch the display",
	.en = true,
};

/* ---- helpers ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char tmpdir[512]; /* short, so tmp_path() always fits */

static const char *tmp_path(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tmpdir, name);
	return buf[i];
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long len;

	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len >= 0 && (b = malloc((size_t)len + 1)) && fread(b, 1, (size_t)len, f) == (size_t)len) {
		b[len] = 0;
		*n = (size_t)len;
	}
	fclose(f);
	return b;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	return memmem(hay, n, needle, m);
}

/* Decoded tickets, copied out of the decoder's callback. */
struct got {
	struct hq_escdec_line lines[64];
	size_t nlines;
	char qr[512];
	int qr_module;
	bool init, cut, has_qr;
	size_t bytes, nerrors;
	char first_error[200];
};

static struct decoded {
	struct got t[8];
	int n;             /* tickets seen */
	int status[5];     /* DLE EOT n requests seen, by n */
	size_t data;       /* ticket bytes seen */
	size_t all_errors; /* over all tickets, for the random input */
} dec;

static void cb_status(void *ud, int n)
{
	(void)ud;
	assert_true(n >= 1 && n <= 4);
	dec.status[n]++;
}

static void cb_data(void *ud)
{
	(void)ud;
	dec.data++;
}

static void cb_ticket(void *ud, const struct hq_escdec_ticket *t)
{
	struct got *g = &dec.t[dec.n % 8];
	size_t i;

	(void)ud;
	dec.n++;
	dec.all_errors += t->nerrors + t->errors_dropped;
	for (i = 0; i < g->nlines; i++)
		free(g->lines[i].text);
	memset(g, 0, sizeof *g);
	for (i = 0; i < t->nlines && i < 64; i++) {
		g->lines[i] = t->lines[i];
		g->lines[i].text = strdup(t->lines[i].text);
	}
	g->nlines = i;
	if ((g->has_qr = t->qr != NULL))
		snprintf(g->qr, sizeof g->qr, "%s", t->qr);
	g->qr_module = t->qr_module;
	g->init = t->init;
	g->cut = t->cut;
	g->bytes = t->bytes;
	g->nerrors = t->nerrors + t->errors_dropped;
	if (t->nerrors)
		snprintf(g->first_error, sizeof g->first_error, "%s", t->errors[0]);
}

static void dec_reset(void)
{
	int i;
	size_t j;

	for (i = 0; i < 8; i++)
		for (j = 0; j < dec.t[i].nlines; j++)
			free(dec.t[i].lines[j].text);
	memset(&dec, 0, sizeof dec);
}

static struct hq_escdec *new_decoder(void)
{
	struct hq_escdec_ops ops = { .status = cb_status, .data = cb_data, .ticket = cb_ticket };
	struct hq_escdec *d;

	dec_reset();
	d = hq_escdec_new(&ops);
	assert_non_null(d);
	return d;
}

static int teardown_dec(void **state)
{
	(void)state;
	dec_reset();
	return 0;
}

static const struct hq_escdec_line *line_with(const struct got *g, const char *text)
{
	size_t i;

	for (i = 0; i < g->nlines; i++)
		if (strcmp(g->lines[i].text, text) == 0)
			return &g->lines[i];
	return NULL;
}

/* ---- status bytes ------------------------------------------------------------------- */

static void status_bytes(void **unused)
{
	/* The answers to DLE EOT 1, 2 and 4, as a printer sends them. */
	static const struct {
		uint8_t n1, n2, n4;
		const char *state;
		int ready;
	} v[] = {
		{ 0x12, 0x12, 0x12, "ok", 1 },
		{ 0x12, 0x12, 0x1E, "near_end", 1 },      /* n=4 bits 2+3: near end */
		{ 0x12, 0x12, 0x16, "near_end", 1 },      /* either sensor bit will do */
		{ 0x1A, 0x32, 0x72, "paper_out", 0 },     /* offline, stopped by paper end, paper end */
		{ 0x1A, 0x32, 0x7E, "paper_out", 0 },     /* out, and near end as well */
		{ 0x12, 0x12, 0x72, "paper_out", 0 },     /* the roll sensor alone */
		{ 0x1A, 0x16, 0x12, "cover_open", 0 },    /* n=2 bit 2 */
		{ 0x1A, 0x36, 0x72, "cover_open", 0 },    /* cover open comes before paper out */
		{ 0x1A, 0x52, 0x12, "error", 0 },         /* n=2 bit 6 */
		{ 0x1A, 0x12, 0x12, "error", 0 },         /* offline, no reason given */
		{ 0x1A, 0x52, 0x1E, "error", 0 },         /* error comes before near end */
	};
	static const uint8_t bad[] = { 0x00, 0x13, 0x92, 0x02, 0x10, 0xFF };
	struct hq_printer_status st;
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(hq_escpos_parse_status(v[i].n1, v[i].n2, v[i].n4, &st), HQ_OK);
		assert_true(st.online);
		assert_string_equal(hq_printer_state_name(&st), v[i].state);
		assert_int_equal(hq_printer_ready(&st), v[i].ready);
	}
	for (i = 0; i < sizeof bad; i++) {
		assert_false(hq_escpos_status_byte_ok(bad[i]));
		assert_int_equal(hq_escpos_parse_status(0x12, bad[i], 0x12, &st), HQ_EFRAME);
		assert_false(st.online);
		assert_string_equal(hq_printer_state_name(&st), "offline");
		assert_int_equal(hq_printer_ready(&st), 0);
	}
	/* Offline wins over everything. */
	st = (struct hq_printer_status){ .online = false, .cover_open = true, .paper_out = true };
	assert_string_equal(hq_printer_state_name(&st), "offline");
	st = (struct hq_printer_status){ .online = true, .paper_out = true, .error = true };
	assert_string_equal(hq_printer_state_name(&st), "paper_out");
}

/* ---- the builder and the decoder ---------------------------------------------------- */

static void decode_all(const uint8_t *b, size_t n)
{
	struct hq_escdec *d = new_decoder();

	hq_escdec_feed(d, b, n);
	hq_escdec_finish(d);
	hq_escdec_free(d);
}

/* Print the ticket and decode what the printer got (into dec). */
static void print_and_decode(const struct hq_print_ticket *t)
{
	uint8_t *b = NULL;
	size_t n = 0;

	assert_int_equal(hq_escpos_ticket(t, HQ_PRINTER_DOTS, &b, &n), HQ_OK);
	decode_all(b, n);
	free(b);
}

static void round_trip(void **unused)
{
	static const uint8_t init[] = { 0x1B, 0x40, 0x1C, 0x26 };              /* ESC @, FS & */
	static const uint8_t cut[] = { 0x1D, 0x56, 0x42, 0x00 };               /* GS V 66 0 */
	static const uint8_t label[] = { 0x1D, 0x21, 0x33, 0x1B, 0x45, 0x00, 'B', '0', '1', '2', 0x0A };
	static const uint8_t service_gb[] = { 0xB2, 0xBB, 0xB6, 0xAF, 0xB2, 0xFA, 0xB5, 0xC7, 0xBC, 0xC7 };
	static const uint8_t qr_store[] = { 0x1D, 0x28, 0x6B, sizeof URL - 1 + 3, 0x00, 0x31, 0x50, 0x30 };
	static const uint8_t qr_model[] = { 0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00 };
	static const uint8_t qr_size[] = { 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06 };
	static const uint8_t qr_ecc[] = { 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31 };
	static const uint8_t qr_print[] = { 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30 };
	struct hq_escpos_layout l;
	const struct hq_escdec_line *ln;
	const struct got *g = &dec.t[0];
	uint8_t *b;
	size_t n, i, k;

	(void)unused;
	assert_int_equal(hq_escpos_ticket(&full, HQ_PRINTER_DOTS, &b, &n), HQ_OK);
	assert_memory_equal(b, init, sizeof init);
	assert_memory_equal(b + n - sizeof cut, cut, sizeof cut);
	assert_non_null(find(b, n, label, sizeof label));
	assert_non_null(find(b, n, service_gb, sizeof service_gb));
	assert_non_null(find(b, n, qr_model, sizeof qr_model));
	assert_non_null(find(b, n, qr_size, sizeof qr_size));
	assert_non_null(find(b, n, qr_ecc, sizeof qr_ecc));
	assert_non_null(find(b, n, qr_print, sizeof qr_print));
	assert_ptr_equal(find(b, n, qr_store, sizeof qr_store) + sizeof qr_store,
			 find(b, n, URL, sizeof URL - 1));

	decode_all(b, n);
	assert_int_equal(dec.n, 1);
	assert_true(g->init);
	assert_true(g->cut);
	assert_int_equal(g->nerrors, 0);
	assert_int_equal(g->bytes, n);
	assert_true(g->has_qr);
	assert_string_equal(g->qr, URL);
	assert_int_equal(g->qr_module, 6);
	ln = line_with(g, "B012");
	assert_non_null(ln);
	assert_int_equal(ln->w, 4);
	assert_int_equal(ln->h, 4);
	assert_int_equal(ln->align, HQ_ESCDEC_CENTER);
	assert_non_null(ln = line_with(g, "不动产登记"));
	assert_int_equal(ln->w, 2);
	assert_int_equal(ln->h, 2);
	assert_non_null(ln = line_with(g, "某某县政务服务中心"));
	assert_int_equal(ln->w, 1);
	assert_int_equal(ln->h, 2);
	assert_true(ln->bold);
	assert_non_null(line_with(g, "优先 Priority · 老年人"));
	assert_non_null(line_with(g, "Real estate registration"));
	assert_non_null(line_with(g, "前面还有 3 人 / 3 people ahead"));
	assert_non_null(line_with(g, "预计等候约 12 分钟 / about 12 min wait"));
	assert_non_null(line_with(g, "取号时间 / Time: 2026-11-23 10:02"));
	assert_non_null(line_with(g, "请留意叫号 Please watch the display"));

	/* The decoder's lines are the layout's text lines, in order and in every attribute. */
	assert_int_equal(hq_escpos_layout(&full, HQ_PRINTER_DOTS, &l), HQ_OK);
	for (i = 0, k = 0; i < l.n; i++) {
		if (l.items[i].kind != HQ_ESCPOS_TEXT)
			continue;
		assert_true(k < g->nlines);
		assert_string_equal(g->lines[k].text, l.items[i].text);
		assert_int_equal(g->lines[k].w, l.items[i].w);
		assert_int_equal(g->lines[k].h, l.items[i].h);
		assert_int_equal((int)g->lines[k].align, (int)l.items[i].align);
		assert_int_equal(g->lines[k].bold, l.items[i].bold);
		k++;
	}
	assert_int_equal(k, g->nlines);
	hq_escpos_layout_free(&l);
	hq_escpos_layout_free(&l); /* freeing twice is harmless */
	free(b);
}

static void chinese_only(void **unused)
{
	struct hq_print_ticket t = full;
	const struct got *g = &dec.t[0];
	uint8_t *b;
	size_t n, i;

	(void)unused;
	t.en = false;
	t.est_wait_min = 0;
	print_and_decode(&t);
	assert_int_equal(dec.n, 1);
	assert_non_null(line_with(g, "前面还有 3 人"));
	assert_non_null(line_with(g, "马上就到"));
	assert_non_null(line_with(g, "取号时间: 2026-11-23 10:02"));
	assert_null(line_with(g, "Real estate registration"));
	assert_null(line_with(g, "County Government Service Centre"));

	/* Left out: no class, no count, no wait, no QR code, no footer; one person ahead. */
	t = (struct hq_print_ticket){ .label = "A001", .people_ahead = 1, .est_wait_min = -1, .en = true };
	print_and_decode(&t);
	assert_int_equal(g->nlines, 2);
	assert_string_equal(g->lines[0].text, "A001");
	assert_string_equal(g->lines[1].text, "前面还有 1 人 / 1 person ahead");
	assert_false(g->has_qr);
	t.people_ahead = -1;
	print_and_decode(&t);
	assert_int_equal(g->nlines, 1);
	for (i = 0; i < g->nlines; i++)
		assert_null(strstr(g->lines[i].text, "前面"));
	/* A ticket is refused only for a reason. */
	assert_int_equal(hq_escpos_ticket(NULL, HQ_PRINTER_DOTS, &b, &n), HQ_EINVAL);
	assert_null(b);
	assert_int_equal(hq_escpos_ticket(&t, 100, &b, &n), HQ_EINVAL);
}

/* Whether any printed line holds text. */
static bool printed(const struct got *g, const char *text)
{
	size_t i;

	for (i = 0; i < g->nlines; i++)
		if (strstr(g->lines[i].text, text))
			return true;
	return false;
}

/* No counter open for the service (issue 18): the no-counter words where the wait goes, in
 * one line under the count, never a number of minutes nor "next"; with the time its hours
 * open, that line instead; in Chinese alone for a hall that speaks only Chinese. */
static void no_counter(void **unused)
{
	struct hq_print_ticket t = full;
	const struct got *g = &dec.t[0];
	const struct hq_escdec_line *ln;

	(void)unused;
	t.no_counter = true;
	t.est_wait_min = 0; /* what an old kiosk made of null: the words win */
	print_and_decode(&t);
	assert_int_equal(dec.n, 1);
	assert_int_equal(g->nerrors, 0);
	assert_non_null(ln = line_with(g, "窗口暂未开放 / No counter open yet"));
	assert_int_equal(ln->w, 1);
	assert_int_equal(ln->align, HQ_ESCDEC_CENTER);
	/* Right under the count, before the time. */
	assert_ptr_equal(ln - 1, line_with(g, "前面还有 3 人 / 3 people ahead"));
	assert_ptr_equal(ln + 1, line_with(g, "取号时间 / Time: 2026-11-23 10:02"));
	assert_false(printed(g, "分钟"));
	assert_false(printed(g, "min"));
	assert_false(printed(g, "马上就到"));

	t.opens_at = "13:30";
	print_and_decode(&t);
	/* 46 cells: one line on 80 mm paper (48). */
	assert_non_null(line_with(g, "约 13:30 后开始办理 / Service from about 13:30"));
	assert_false(printed(g, "窗口暂未开放"));
	assert_false(printed(g, "分钟"));

	t.en = false;
	print_and_decode(&t);
	assert_non_null(line_with(g, "约 13:30 后开始办理"));
	assert_false(printed(g, "Service from"));
	t.opens_at = "";
	print_and_decode(&t);
	assert_non_null(line_with(g, "窗口暂未开放"));
	assert_false(printed(g, "No counter"));
	assert_false(printed(g, "开始办理"));

	/* A reprint leaves the figures out, the words with them. */
	t.no_counter = false;
	t.people_ahead = t.est_wait_min = -1;
	t.opens_at = "13:30";
	print_and_decode(&t);
	assert_false(printed(g, "窗口"));
	assert_false(printed(g, "开始办理"));
	assert_false(printed(g, "马上就到"));
}

/* Whether the bytes hold the sequence. */
static bool has_bytes(const uint8_t *b, size_t n, const uint8_t *seq, size_t k)
{
	size_t i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(b + i, seq, k))
			return true;
	return false;
}

/* The hall's 80% range (estimate_display = range, issue 18): "约 L–H 分钟" where the minutes
 * go, the en dash as GB18030 A8 43 (it encodes, so no hyphen is needed), one line on 80 mm
 * paper; under a minute its own words; the no-counter words still win, and a reprint
 * leaves the figures out, the range with them. */
static void range(void **unused)
{
	static const uint8_t dash_gb[] = { '1', '5', 0xA8, 0x43, '2', '5' };
	struct hq_print_ticket t = full;
	const struct got *g = &dec.t[0];
	const struct hq_escdec_line *ln;
	uint8_t *b;
	size_t n;

	(void)unused;
	t.est_range_min[0] = 15;
	t.est_range_min[1] = 25;
	assert_int_equal(hq_escpos_ticket(&t, HQ_PRINTER_DOTS, &b, &n), HQ_OK);
	assert_true(has_bytes(b, n, dash_gb, sizeof dash_gb));
	decode_all(b, n);
	free(b);
	assert_int_equal(dec.n, 1);
	assert_int_equal(g->nerrors, 0);
	assert_non_null(ln = line_with(g, "预计等候约 15–25 分钟 / about 15–25 min"));
	assert_int_equal(ln->w, 1);
	assert_int_equal(ln->align, HQ_ESCDEC_CENTER);
	assert_ptr_equal(ln - 1, line_with(g, "前面还有 3 人 / 3 people ahead"));
	assert_ptr_equal(ln + 1, line_with(g, "取号时间 / Time: 2026-11-23 10:02"));
	assert_false(printed(g, "约 12 分钟"));

	/* Three digits both: 45 cells, still one line on 80 mm paper (48). */
	t.est_range_min[0] = 100;
	t.est_range_min[1] = 150;
	print_and_decode(&t);
	assert_non_null(line_with(g, "预计等候约 100–150 分钟 / about 100–150 min"));

	t.est_range_min[0] = 0;
	t.est_range_min[1] = 1;
	t.est_wait_min = 1;
	print_and_decode(&t);
	assert_non_null(line_with(g, "预计等候不到 1 分钟 / under a minute"));
	assert_false(printed(g, "约 1 分钟"));
	assert_false(printed(g, "马上就到"));

	t.en = false;
	t.est_range_min[0] = 15;
	t.est_range_min[1] = 25;
	print_and_decode(&t);
	assert_non_null(line_with(g, "预计等候约 15–25 分钟"));
	assert_false(printed(g, "about"));

	/* No counter open wins. */
	t.en = true;
	t.no_counter = true;
	print_and_decode(&t);
	assert_non_null(line_with(g, "窗口暂未开放 / No counter open yet"));
	assert_false(printed(g, "分钟"));

	/* A reprint: no figures. */
	t.no_counter = false;
	t.people_ahead = t.est_wait_min = -1;
	print_and_decode(&t);
	assert_false(printed(g, "分钟"));
	assert_false(printed(g, "min"));

	/* No range: the point, as ever. */
	t = full;
	print_and_decode(&t);
	assert_non_null(line_with(g, "预计等候约 12 分钟 / about 12 min wait"));
	assert_false(printed(g, "–"));
}

static void odd_text(void **unused)
{
	static const uint8_t smile_gb[] = { 0x94, 0x39, 0xFC, 0x36 }; /* U+1F600, four bytes */
	struct hq_print_ticket t = { .label = "C\xff" "7", .people_ahead = -1, .est_wait_min = -1 };
	const struct got *g = &dec.t[0];
	uint8_t *b;
	size_t n;

	(void)unused;
	/* An invalid UTF-8 byte becomes '?'; a truncated sequence too; ESC inside a name is a
	 * space, never a command; a character outside the BMP goes as four GB18030 bytes. */
	t.service = "X\x1b@Y\xe4\xb8";
	t.footer = "Smile \xf0\x9f\x98\x80";
	assert_int_equal(hq_escpos_ticket(&t, HQ_PRINTER_DOTS, &b, &n), HQ_OK);
	assert_non_null(find(b, n, smile_gb, sizeof smile_gb));
	assert_null(find(b + 2, n - 2, "\x1b@", 2)); /* one ESC @, the first */
	decode_all(b, n);
	free(b);
	assert_int_equal(dec.n, 1);
	assert_int_equal(g->nerrors, 0);
	assert_string_equal(g->lines[0].text, "X @Y?");
	assert_string_equal(g->lines[1].text, "C?7");
	assert_string_equal(g->lines[2].text, "Smile \xf0\x9f\x98\x80");
}

static void wrapping(void **unused)
{
	/* Twelve Chinese characters fill a double-width line on 80 mm paper (576 / 48). */
	struct hq_print_ticket t = { .service = "社会保障卡申领补换挂失解挂与信息变更业务", .people_ahead = -1,
				     .est_wait_min = -1, .en = true,
				     .service_en = "Social security card application, replacement, loss report and change of details" };
	const struct got *g = &dec.t[0];
	char joined[256] = "";
	size_t i;

	(void)unused;
	print_and_decode(&t);
	assert_string_equal(g->lines[0].text, "社会保障卡申领补换挂失解");
	assert_string_equal(g->lines[1].text, "挂与信息变更业务");
	/* English breaks at a space, within 48 cells. */
	for (i = 2; i < g->nlines; i++) {
		assert_true(strlen(g->lines[i].text) <= 48);
		strcat(joined, i > 2 ? " " : "");
		strcat(joined, g->lines[i].text);
	}
	assert_true(g->nlines >= 4);
	assert_string_equal(joined, t.service_en);
	assert_string_equal(g->lines[2].text, "Social security card application, replacement,");
}

/* A status request between any two commands is answered and is no part of the ticket;
 * inside the QR code's counted data the same bytes are data. */
static void realtime_and_bytewise(void **unused)
{
	static const uint8_t dle_eot[] = { 0x10, 0x04, 0x02 };
	struct hq_print_ticket t = full;
	struct got whole;
	struct hq_escdec *d;
	uint8_t *b, *mixed;
	size_t n, i, m = 0, lfs = 0;

	(void)unused;
	t.url = "http://x/\x10\x04\x01\x10\x04";
	assert_int_equal(hq_escpos_ticket(&t, HQ_PRINTER_DOTS, &b, &n), HQ_OK);
	decode_all(b, n);
	assert_int_equal(dec.n, 1);
	assert_int_equal(dec.status[1] + dec.status[2] + dec.status[4], 0);
	assert_string_equal(dec.t[0].qr, t.url);
	whole = dec.t[0];
	for (i = 0; i < whole.nlines; i++)
		whole.lines[i].text = strdup(whole.lines[i].text);

	/* Byte by byte, with DLE EOT 2 after every line feed. */
	assert_non_null(mixed = malloc(n * 4));
	for (i = 0; i < n; i++) {
		mixed[m++] = b[i];
		if (b[i] == 0x0A) {
			memcpy(mixed + m, dle_eot, sizeof dle_eot);
			m += sizeof dle_eot;
			lfs++;
		}
	}
	d = new_decoder();
	for (i = 0; i < m; i++)
		hq_escdec_feed(d, mixed + i, 1);
	assert_int_equal(hq_escdec_pending(d), 0);
	hq_escdec_finish(d);
	hq_escdec_free(d);
	assert_int_equal(dec.n, 1);
	assert_int_equal(dec.status[2], lfs);
	assert_true(lfs > 5);
	assert_int_equal(dec.data, n);
	assert_int_equal(dec.t[0].bytes, n);
	assert_int_equal(dec.t[0].nerrors, 0);
	assert_string_equal(dec.t[0].qr, whole.qr);
	assert_int_equal(dec.t[0].nlines, whole.nlines);
	for (i = 0; i < whole.nlines; i++) {
		assert_string_equal(dec.t[0].lines[i].text, whole.lines[i].text);
		assert_int_equal(dec.t[0].lines[i].w, whole.lines[i].w);
		assert_int_equal(dec.t[0].lines[i].h, whole.lines[i].h);
		free(whole.lines[i].text);
	}
	free(mixed);
	free(b);
}

static void decoder_errors(void **unused)
{
	/* Unknown commands, a bad justification, a truncated ticket: reported, not fatal. */
	static const uint8_t in[] = "\x1b@" "\x1b\x7f" "\x1b" "a\x09" "ok\n" "\x1d(k\x03\x00\x31\x63\x00"
				    "\x10\x04\x09" "\x07" "tail";
	const struct got *g = &dec.t[0];
	struct hq_escdec *d = new_decoder();

	(void)unused;
	hq_escdec_feed(d, in, sizeof in - 1);
	assert_int_equal(dec.n, 0);
	assert_int_equal(hq_escdec_pending(d), sizeof in - 1);
	hq_escdec_finish(d);
	hq_escdec_finish(d); /* nothing more to hand over */
	hq_escdec_free(d);
	assert_int_equal(dec.n, 1);
	assert_false(g->cut);
	assert_true(g->init);
	assert_int_equal(g->nerrors, 5);
	assert_string_equal(g->first_error, "byte 4: unknown command ESC 0x7f");
	assert_int_equal(g->nlines, 2);
	assert_string_equal(g->lines[0].text, "ok");
	assert_string_equal(g->lines[1].text, "tail");
	hq_escdec_free(NULL);
}

static uint32_t rnd_state = 20261123;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* 1 MB of random bytes, then 1 MB of a real ticket torn into random pieces (status requests
 * among them) with random bytes between: commands cut short, lengths that lie, text that
 * is not GB18030. Under the sanitizers this is the decoder's crash test. */
static void decoder_random(void **unused)
{
	enum { SIZE = 1 << 20 };
	uint8_t *b = malloc(2 * SIZE), *t;
	struct hq_escdec *d;
	size_t i, at = 0, n;

	(void)unused;
	assert_non_null(b);
	assert_int_equal(hq_escpos_ticket(&full, HQ_PRINTER_DOTS, &t, &n), HQ_OK);
	for (i = 0; i < SIZE; i++)
		b[i] = (uint8_t)rnd();
	while (i < 2 * SIZE) {
		size_t from = rnd() % n, len = 1 + rnd() % 300, k;

		for (k = 0; k < len && from + k < n && i < 2 * SIZE; k++)
			b[i++] = t[from + k];
		for (k = rnd() % 4; k > 0 && i < 2 * SIZE; k--)
			b[i++] = rnd() % 2 ? (uint8_t)rnd() : "\x10\x04\x01\x1d\x56\x42"[rnd() % 6];
		for (k = 0; rnd() % 4 == 0 && k < 3 && i < 2 * SIZE; k++)
			b[i++] = "\x10\x04\x01"[k];
	}
	free(t);
	d = new_decoder();
	while (at < 2 * SIZE) {
		size_t chunk = 1 + rnd() % 700;

		if (chunk > 2 * SIZE - at)
			chunk = 2 * SIZE - at;
		hq_escdec_feed(d, b + at, chunk);
		at += chunk;
	}
	hq_escdec_finish(d);
	hq_escdec_free(d);
	free(b);
	print_message("random: %d tickets, %zu errors, %d status requests\n", dec.n, dec.all_errors,
		      dec.status[1] + dec.status[2] + dec.status[3] + dec.status[4]);
	assert_true(dec.n > 100);
	assert_true(dec.all_errors > 1000);
	assert_true(dec.status[1] > 10);
}

/* ---- specs and the file printer ----------------------------------------------------- */

static void specs(void **unused)
{
	static const struct {
		const char *spec, *err;
	} bad[] = {
		{ "serial:/dev/ttyS0:abc", "printer 'serial:/dev/ttyS0:abc': baud 'abc' is not a number" },
		{ "serial:/dev/ttyS0:", "printer 'serial:/dev/ttyS0:': baud '' is not a number" },
		{ "serial:/dev/ttyS0:96OO", "printer 'serial:/dev/ttyS0:96OO': baud '96OO' is not a number" },
		{ "serial:/dev/ttyS0:1234", "printer 'serial:/dev/ttyS0:1234': baud 1234: 9600, 19200, 38400, 57600 or 115200" },
		{ "serial:/dev/ttyS0", "printer 'serial:/dev/ttyS0': expected serial:PORT:BAUD, e.g. serial:/dev/ttyUSB0:9600" },
		{ "serial::9600", "printer 'serial::9600': expected serial:PORT:BAUD, e.g. serial:/dev/ttyUSB0:9600" },
		{ "file:", "printer 'file:': expected file:PATH, the path is empty" },
		{ "lp0", "printer 'lp0': expected serial:PORT:BAUD, file:PATH or none" },
		{ "", "printer '': expected serial:PORT:BAUD, file:PATH or none" },
		{ NULL, "printer '': expected serial:PORT:BAUD, file:PATH or none" },
	};
	struct hq_printer_status st = { .online = true };
	struct hq_printer *p;
	char err[256];
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(hq_printer_new(bad[i].spec, err, sizeof err));
		assert_string_equal(err, bad[i].err);
	}
	assert_null(hq_printer_new("lp0", NULL, 0));

	/* The port is everything up to the last ':', colons and all. */
	p = hq_printer_new("serial:/nonexistent/usb-1a86:if00-port0:115200", err, sizeof err);
	assert_non_null(p);
	assert_string_equal(hq_printer_kind(p), "serial");
	assert_int_equal(hq_printer_status(p, &st), HQ_ELINK);
	assert_false(st.online);
	assert_non_null(strstr(hq_printer_error(p), "/nonexistent/usb-1a86:if00-port0: open: No such file"));
	assert_int_equal(hq_printer_print(p, &full), HQ_ELINK);
	hq_printer_free(p);

	p = hq_printer_new("none", err, sizeof err);
	assert_string_equal(hq_printer_kind(p), "none");
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_false(st.online);
	assert_string_equal(hq_printer_state_name(&st), "offline");
	assert_int_equal(hq_printer_print(p, &full), HQ_EINVAL);
	assert_string_equal(hq_printer_error(p), "printer none: there is no printer to print on");
	hq_printer_free(p);
	hq_printer_free(NULL);
}

static void file_printer(void **unused)
{
	struct hq_print_ticket t2 = full;
	struct hq_printer_status st;
	struct hq_printer *p;
	uint8_t *b1, *b2, *got;
	size_t n1, n2, n;
	char spec[PATH_MAX + 16], err[256];

	(void)unused;
	t2.label = "B013";
	t2.people_ahead = 4;
	snprintf(spec, sizeof spec, "file:%s", tmp_path("tickets.escpos"));
	assert_non_null(p = hq_printer_new(spec, err, sizeof err));
	assert_string_equal(hq_printer_kind(p), "file");
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_true(hq_printer_ready(&st));
	assert_string_equal(hq_printer_state_name(&st), "ok");
	assert_int_equal(hq_printer_print(p, &full), HQ_OK);
	assert_int_equal(hq_printer_print(p, &t2), HQ_OK);
	assert_int_equal(hq_printer_print(p, NULL), HQ_EINVAL);
	assert_non_null(strstr(hq_printer_error(p), ": cannot build the ticket: invalid argument"));
	hq_printer_free(p);

	assert_int_equal(hq_escpos_ticket(&full, HQ_PRINTER_DOTS, &b1, &n1), HQ_OK);
	assert_int_equal(hq_escpos_ticket(&t2, HQ_PRINTER_DOTS, &b2, &n2), HQ_OK);
	assert_non_null(got = slurp(tmp_path("tickets.escpos"), &n));
	assert_int_equal(n, n1 + n2);
	assert_memory_equal(got, b1, n1);
	assert_memory_equal(got + n1, b2, n2);
	/* And the file decodes as two tickets. */
	decode_all(got, n);
	assert_int_equal(dec.n, 2);
	assert_non_null(line_with(&dec.t[1], "B013"));
	free(got);
	free(b1);
	free(b2);

	/* A directory that is not there. */
	snprintf(spec, sizeof spec, "file:%s", tmp_path("no-such-dir/tickets.escpos"));
	assert_non_null(p = hq_printer_new(spec, err, sizeof err));
	assert_int_equal(hq_printer_print(p, &full), HQ_EIO);
	assert_non_null(strstr(hq_printer_error(p), tmp_path("no-such-dir/tickets.escpos")));
	assert_non_null(strstr(hq_printer_error(p), "No such file or directory"));
	hq_printer_free(p);
	/* A full disk. */
	if (access("/dev/full", W_OK) == 0) {
		assert_non_null(p = hq_printer_new("file:/dev/full", err, sizeof err));
		assert_int_equal(hq_printer_print(p, &full), HQ_EIO);
		assert_string_equal(hq_printer_error(p), "printer file:/dev/full: write /dev/full: No space left on device");
		hq_printer_free(p);
	}
}

/* ---- the preview -------------------------------------------------------------------- */

static const char *cjk_font(void)
{
	static const char path[] = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

	return access(path, R_OK) == 0 ? path : NULL;
}

static void preview(void **unused)
{
	const char *font = cjk_font(), *png = tmp_path("ticket.png");
	SDL_Surface *s, *img;
	char err[256], cmd[PATH_MAX + 64], out[512] = "";
	long dark = 0;
	FILE *zb;
	int x, y;

	(void)unused;
	if (!font) {
		print_message("preview: skipped, fonts-wqy-microhei is not installed\n");
		skip();
	}
	assert_int_equal(hq_preview_png(&full, "/nonexistent.ttf", 0, png, err, sizeof err), HQ_EIO);
	assert_non_null(strstr(err, "font /nonexistent.ttf (face 0)"));
	assert_int_equal(hq_preview_png(&full, font, 0, png, err, sizeof err), HQ_OK);
	assert_non_null(img = IMG_Load(png));
	assert_non_null(s = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_ARGB8888, 0));
	SDL_FreeSurface(img);
	assert_int_equal(s->w, HQ_PRINTER_DOTS);
	assert_true(s->h > 600);
	for (y = 0; y < s->h; y++)
		for (x = 0; x < s->w; x++)
			if ((((Uint32 *)((Uint8 *)s->pixels + y * s->pitch))[x] & 0xFF) < 128)
				dark++;
	SDL_FreeSurface(s);
	/* Ink, but mostly paper. */
	assert_true(dark > 20000);
	assert_true(dark < (long)HQ_PRINTER_DOTS * 600 / 2);

	snprintf(cmd, sizeof cmd, "zbarimg --raw -q '%s' 2>/dev/null", png);
	if (system("command -v zbarimg >/dev/null 2>&1") != 0) {
		print_message("preview: QR code not read back, zbarimg (zbar-tools) is not installed\n");
		return;
	}
	assert_non_null(zb = popen(cmd, "r"));
	if (!fgets(out, sizeof out, zb))
		out[0] = '\0';
	pclose(zb);
	out[strcspn(out, "\n")] = '\0';
	assert_string_equal(out, URL);
}

/* ---- the serial printer, against hallq-printer-sim ---------------------------------- */

struct proc {
	pid_t pid;
	int out;              /* its stdout (or stderr) */
	char buf[16384];
	size_t len, seen;     /* bytes read, bytes already matched */
};

static pid_t spawn(struct proc *p, char *const argv[], int which_fd)
{
	int fds[2];

	memset(p, 0, sizeof *p);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(fds[1], which_fd);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	p->out = fds[0];
	fcntl(p->out, F_SETFL, O_NONBLOCK);
	return p->pid;
}

/* Wait for a line of p's output that begins with want, after those already matched. */
static bool wait_line(struct proc *p, const char *want, int ms)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		char *s = p->buf + p->seen, *nl;
		struct pollfd pfd = { .fd = p->out, .events = POLLIN };
		int left = (int)(end - now_ms());
		ssize_t r;

		while ((nl = memchr(s, '\n', p->len - (size_t)(s - p->buf))) != NULL) {
			bool match = strncmp(s, want, strlen(want)) == 0;

			s = nl + 1;
			if (match) {
				p->seen = (size_t)(s - p->buf);
				return true;
			}
		}
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		if (p->len == sizeof p->buf - 1)
			break;
		if ((r = read(p->out, p->buf + p->len, sizeof p->buf - 1 - p->len)) <= 0)
			break;
		p->len += (size_t)r;
		p->buf[p->len] = '\0';
	}
	print_message("waited %d ms for '%s'; output so far:\n%s\n", ms, want, p->buf);
	return false;
}

/* Wait until text appears anywhere in p's output. */
static bool wait_text(struct proc *p, const char *text, int ms)
{
	int64_t end = now_ms() + ms;

	while (!strstr(p->buf, text)) {
		struct pollfd pfd = { .fd = p->out, .events = POLLIN };
		int left = (int)(end - now_ms());
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, left) <= 0 || p->len == sizeof p->buf - 1 ||
		    (r = read(p->out, p->buf + p->len, sizeof p->buf - 1 - p->len)) <= 0) {
			print_message("waited %d ms for '%s'; output so far:\n%s\n", ms, text, p->buf);
			return false;
		}
		p->len += (size_t)r;
		p->buf[p->len] = '\0';
	}
	return true;
}

static int stop_proc(struct proc *p, int sig)
{
	int status = -1, i;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, sig);
	for (i = 0; i < 300 && waitpid(p->pid, &status, WNOHANG) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (i == 300) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	close(p->out);
	p->pid = 0;
	return status;
}

static struct proc socat, psim;
static char sim_path[PATH_MAX];
static int ctl = -1;

static void start_socat(void)
{
	char a[PATH_MAX + 40], b[PATH_MAX + 40];
	char *argv[] = { "socat", "-d", "-d", a, b, NULL };

	snprintf(a, sizeof a, "pty,raw,echo=0,link=%s", tmp_path("A"));
	snprintf(b, sizeof b, "pty,raw,echo=0,link=%s", tmp_path("B"));
	spawn(&socat, argv, 2);
	/* Its log lines begin with a date: wait for the one that says both ends are open. */
	assert_true(wait_text(&socat, "starting data transfer loop", 5000));
}

static void send_word(const char *w)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s\n", w);

	assert_int_equal(write(ctl, line, (size_t)n), n);
}

static int64_t timed_status(struct hq_printer *p, struct hq_printer_status *st, int *rc)
{
	int64_t t0 = now_ms();

	*rc = hq_printer_status(p, st);
	return now_ms() - t0;
}

static json_t *jsonl_line(const char *path, size_t index)
{
	size_t n, i = 0;
	uint8_t *b = slurp(path, &n);
	char *line, *save = NULL;
	json_t *j = NULL;

	assert_non_null(b);
	for (line = strtok_r((char *)b, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++)
		if (i == index) {
			json_error_t e;

			j = json_loads(line, 0, &e);
			if (!j)
				print_message("bad JSON line %zu: %s\n%s\n", index, e.text, line);
			break;
		}
	free(b);
	assert_non_null(j);
	return j;
}

static void serial_printer(void **unused)
{
	char spec[PATH_MAX + 16], err[256];
	char *sim_argv[] = { sim_path, "--port", NULL, "--out", NULL, "--raw", NULL, "--control", NULL, NULL };
	struct hq_printer_status st;
	struct hq_printer *p;
	struct hq_port *port;
	json_t *j, *lines, *l;
	uint8_t *b, *raw;
	size_t n, nraw, i;
	int rc, status, found = 0;
	int64_t ms;

	(void)unused;
	if (system("command -v socat >/dev/null 2>&1") != 0) {
		print_message("serial: skipped, socat is not installed\n");
		skip();
	}
	if (access(sim_path, X_OK) != 0) {
		print_message("serial: %s is missing (make tests builds it)\n", sim_path);
		fail();
	}
	start_socat();
	sim_argv[2] = (char *)tmp_path("B");
	sim_argv[4] = (char *)tmp_path("out.jsonl");
	sim_argv[6] = (char *)tmp_path("raw.bin");
	sim_argv[8] = (char *)tmp_path("control");
	spawn(&psim, sim_argv, 1);
	assert_true(wait_line(&psim, "ready", 5000));
	/* Held open for the whole test, so the FIFO never reaches its end between words. */
	assert_true((ctl = open(tmp_path("control"), O_WRONLY | O_CLOEXEC)) >= 0);

	snprintf(spec, sizeof spec, "serial:%s:9600", tmp_path("A"));
	assert_non_null(p = hq_printer_new(spec, err, sizeof err));
	assert_string_equal(hq_printer_kind(p), "serial");

	/* Ready, and a ticket printed and decoded on the far side. */
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_true(st.online);
	assert_string_equal(hq_printer_state_name(&st), "ok");
	assert_true(hq_printer_ready(&st));
	assert_int_equal(hq_printer_print(p, &full), HQ_OK);
	assert_true(wait_line(&psim, "ticket 1 B012", 5000));
	j = jsonl_line(tmp_path("out.jsonl"), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1);
	assert_true(json_is_true(json_object_get(j, "printed")));
	assert_true(json_is_true(json_object_get(j, "cut")));
	assert_string_equal(json_string_value(json_object_get(j, "qr")), URL);
	assert_int_equal(json_array_size(json_object_get(j, "errors")), 0);
	lines = json_object_get(j, "lines");
	for (i = 0; i < json_array_size(lines); i++) {
		l = json_array_get(lines, i);
		if (strcmp(json_string_value(json_object_get(l, "text")), "B012") == 0) {
			assert_int_equal(json_integer_value(json_object_get(l, "w")), 4);
			assert_int_equal(json_integer_value(json_object_get(l, "h")), 4);
			assert_string_equal(json_string_value(json_object_get(l, "align")), "center");
			found++;
		}
		if (strcmp(json_string_value(json_object_get(l, "text")), "不动产登记") == 0)
			found++;
	}
	assert_int_equal(found, 2);
	assert_int_equal(hq_escpos_ticket(&full, HQ_PRINTER_DOTS, &b, &n), HQ_OK);
	assert_int_equal(json_integer_value(json_object_get(j, "bytes")), n);
	json_decref(j);
	/* --raw has every byte: the status request (DLE EOT 1, 2, 4), then the ticket. */
	raw = slurp(tmp_path("raw.bin"), &nraw);
	assert_int_equal(nraw, 9 + n);
	assert_memory_equal(raw, "\x10\x04\x01\x10\x04\x02\x10\x04\x04", 9);
	assert_memory_equal(raw + 9, b, n);
	free(raw);
	free(b);

	/* The states, through the control FIFO. */
	send_word("paper_out");
	assert_true(wait_line(&psim, "state paper_out", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_true(st.online && st.paper_out);
	assert_false(hq_printer_ready(&st));
	assert_string_equal(hq_printer_state_name(&st), "paper_out");
	/* Sent anyway: the printer would not print it, and the simulator says so. */
	assert_int_equal(hq_printer_print(p, &full), HQ_OK);
	assert_true(wait_line(&psim, "ticket 2 B012", 5000));
	j = jsonl_line(tmp_path("out.jsonl"), 1);
	assert_true(json_is_false(json_object_get(j, "printed")));
	json_decref(j);

	send_word("near_end");
	assert_true(wait_line(&psim, "state near_end", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_string_equal(hq_printer_state_name(&st), "near_end");
	assert_true(hq_printer_ready(&st));
	send_word("cover_open");
	assert_true(wait_line(&psim, "state cover_open", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_string_equal(hq_printer_state_name(&st), "cover_open");
	assert_false(hq_printer_ready(&st));
	send_word("error");
	assert_true(wait_line(&psim, "state error", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_string_equal(hq_printer_state_name(&st), "error");

	/* Switched off: no answer, HQ_ELINK after the status timeout, and back after "ok". */
	send_word("offline");
	assert_true(wait_line(&psim, "state offline", 2000));
	ms = timed_status(p, &st, &rc);
	assert_int_equal(rc, HQ_ELINK);
	assert_false(st.online);
	assert_string_equal(hq_printer_state_name(&st), "offline");
	assert_non_null(strstr(hq_printer_error(p), "no answer to the status request within 300 ms"));
	print_message("offline printer: HQ_ELINK after %lld ms\n", (long long)ms);
	assert_true(ms >= HQ_PRINTER_STATUS_MS - 20 && ms < 1500);
	send_word("ok");
	assert_true(wait_line(&psim, "state ok", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_string_equal(hq_printer_state_name(&st), "ok");

	/* Unplugged: the line goes away (socat stopped) and comes back under the same name. */
	stop_proc(&socat, SIGTERM);
	assert_true(wait_line(&psim, "port lost", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_ELINK);
	assert_false(st.online);
	assert_int_equal(hq_printer_status(p, &st), HQ_ELINK);
	assert_non_null(strstr(hq_printer_error(p), "No such file or directory"));
	start_socat();
	assert_true(wait_line(&psim, "ready", 2000));
	assert_int_equal(hq_printer_status(p, &st), HQ_OK);
	assert_true(hq_printer_ready(&st));
	assert_int_equal(hq_printer_print(p, &full), HQ_OK);
	assert_true(wait_line(&psim, "ticket 3 B012", 5000));
	hq_printer_free(p);

	/* A ticket cut short, then SIGTERM: the simulator writes what it had, and exits 0. */
	assert_non_null(port = hq_port_new(tmp_path("A"), 9600, 'N'));
	assert_int_equal(hq_port_connect(port), HQ_OK);
	assert_int_equal(hq_port_write(port, (const uint8_t *)"\x1b@\x1b!\x30half a ticket\n", 19), HQ_OK);
	/* A status request answered proves the bytes before it were taken in. */
	assert_int_equal(hq_port_write(port, (const uint8_t *)"\x10\x04\x01", 3), HQ_OK);
	assert_int_equal(hq_port_read(port, (uint8_t *)err, 1, 2000, 10), 1);
	assert_int_equal((uint8_t)err[0], 0x12);
	hq_port_free(port);
	status = stop_proc(&psim, SIGTERM);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	j = jsonl_line(tmp_path("out.jsonl"), 3);
	assert_true(json_is_false(json_object_get(j, "cut")));
	assert_true(json_is_true(json_object_get(j, "init")));
	l = json_array_get(json_object_get(j, "lines"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "text")), "half a ticket");
	assert_int_equal(json_integer_value(json_object_get(l, "w")), 2);
	assert_int_equal(json_integer_value(json_object_get(l, "h")), 2);
	json_decref(j);
	close(ctl);
	ctl = -1;
	stop_proc(&socat, SIGTERM);
}

/* The simulator driven from stdin, and "quit". */
static void sim_stdin_quit(void **unused)
{
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	char cmd[PATH_MAX * 3];
	struct proc p;
	int status = -1;

	(void)unused;
	if (system("command -v socat >/dev/null 2>&1") != 0)
		skip();
	start_socat();
	snprintf(cmd, sizeof cmd, "printf 'cover_open\\nbogus\\nquit\\n' | exec '%s' --port '%s' --state paper_out --control - 2>&1",
		 sim_path, tmp_path("B"));
	argv[2] = cmd;
	spawn(&p, argv, 1);
	assert_true(wait_line(&p, "ready", 5000));
	assert_true(wait_line(&p, "state cover_open", 5000));
	assert_true(wait_line(&p, "hallq-printer-sim: unknown control word 'bogus'", 5000));
	for (int i = 0; i < 500 && waitpid(p.pid, &status, WNOHANG) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p.out);
	stop_proc(&socat, SIGTERM);
}

/* Control words from writers that each open the FIFO, write one word and close it (as
 * `echo paper_out > FIFO` does): none is lost; "quit" ends the simulator cleanly. */
static void sim_control_fifo(void **unused)
{
	static const char *const words[] = { "paper_out", "ok", "cover_open", "near_end", "offline", "error" };
	char *argv[] = { sim_path, "--port", NULL, "--control", NULL, "--state", "offline", NULL };
	struct proc p;
	int i, fd, status = -1;

	(void)unused;
	if (system("command -v socat >/dev/null 2>&1") != 0)
		skip();
	start_socat();
	argv[2] = (char *)tmp_path("B");
	argv[4] = (char *)tmp_path("control2");
	spawn(&p, argv, 1);
	assert_true(wait_line(&p, "ready", 5000));
	for (i = 0; i < 60; i++) {
		char want[64];
		int n = snprintf(want, sizeof want, "%s\n", words[i % 6]);

		assert_true((fd = open(tmp_path("control2"), O_WRONLY | O_CLOEXEC)) >= 0);
		assert_int_equal(write(fd, want, (size_t)n), n);
		close(fd);
		snprintf(want, sizeof want, "state %s", words[i % 6]);
		assert_true(wait_line(&p, want, 2000));
	}
	assert_true((fd = open(tmp_path("control2"), O_WRONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(write(fd, "quit\n", 5), 5);
	close(fd);
	for (i = 0; i < 500 && waitpid(p.pid, &status, WNOHANG) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(p.out);
	stop_proc(&socat, SIGTERM);
}

/* What a file: printer wrote, decoded by the simulator from the file itself. */
static void sim_reads_file(void **unused)
{
	struct hq_print_ticket t2 = full;
	char spec[PATH_MAX + 16], err[256];
	char *argv[] = { sim_path, "--port", NULL, "--out", NULL, NULL };
	struct hq_printer *p;
	struct proc sp;
	json_t *j;
	int status;

	(void)unused;
	t2.label = "B013";
	snprintf(spec, sizeof spec, "file:%s", tmp_path("two.escpos"));
	assert_non_null(p = hq_printer_new(spec, err, sizeof err));
	assert_int_equal(hq_printer_print(p, &full), HQ_OK);
	assert_int_equal(hq_printer_print(p, &t2), HQ_OK);
	hq_printer_free(p);
	chmod(tmp_path("two.escpos"), 0444); /* read-only is enough */
	argv[2] = (char *)tmp_path("two.escpos");
	argv[4] = (char *)tmp_path("two.jsonl");
	spawn(&sp, argv, 1);
	assert_true(wait_line(&sp, "ticket 1 B012", 5000));
	assert_true(wait_line(&sp, "ticket 2 B013", 5000));
	assert_int_equal(waitpid(sp.pid, &status, 0), sp.pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(sp.out);
	j = jsonl_line(tmp_path("two.jsonl"), 1);
	assert_string_equal(json_string_value(json_object_get(j, "qr")), URL);
	assert_true(json_is_true(json_object_get(j, "printed")));
	json_decref(j);
}

/* ---- main --------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	char exe[PATH_MAX], *dir;
	ssize_t n;

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "%s/hq-printer-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	/* build/tests/test_kiosk_printer -> build/hallq-printer-sim */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0)
		return -1;
	exe[n] = '\0';
	dir = dirname(dirname(exe));
	snprintf(sim_path, sizeof sim_path, "%s/hallq-printer-sim", dir);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	stop_proc(&psim, SIGTERM);
	stop_proc(&socat, SIGTERM);
	dec_reset();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_bytes),
		cmocka_unit_test_teardown(round_trip, teardown_dec),
		cmocka_unit_test_teardown(chinese_only, teardown_dec),
		cmocka_unit_test_teardown(no_counter, teardown_dec),
		cmocka_unit_test_teardown(range, teardown_dec),
		cmocka_unit_test_teardown(odd_text, teardown_dec),
		cmocka_unit_test_teardown(wrapping, teardown_dec),
		cmocka_unit_test_teardown(realtime_and_bytewise, teardown_dec),
		cmocka_unit_test_teardown(decoder_errors, teardown_dec),
		cmocka_unit_test_teardown(decoder_random, teardown_dec),
		cmocka_unit_test(specs),
		cmocka_unit_test_teardown(file_printer, teardown_dec),
		cmocka_unit_test(preview),
		cmocka_unit_test(serial_printer),
		cmocka_unit_test(sim_stdin_quit),
		cmocka_unit_test(sim_control_fifo),
		cmocka_unit_test(sim_reads_file),
	};

	return cmocka_run_group_tests_name("kiosk_printer", tests, group_setup, group_teardown);
}
