/*
 * The ESC/POS decoder of the simulated printer and the kiosk's tests
 * (kiosk/sim/escpos_decode.c): random bytes are valid input, so any stream must decode
 * without a crash into tickets whose lines are UTF-8 with magnifications 1..8, and feeding
 * the same stream in pieces (sizes taken from the input's first byte) must give exactly the
 * tickets and status requests that feeding it whole gives, as bytes arrive from a serial
 * line in any grouping.
 */
#include <stdlib.h>
#include <string.h>

#include "escpos_decode.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the decoder reported, written down so two runs can be compared. */
struct record {
	char *s;
	size_t n, cap;
};

static void put(struct record *r, const void *p, size_t n)
{
	if (r->n + n > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;
		char *s;

		while (cap < r->n + n)
			cap *= 2;
		if (!(s = realloc(r->s, cap)))
			abort();
		r->s = s;
		r->cap = cap;
	}
	memcpy(r->s + r->n, p, n);
	r->n += n;
}

static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 :
			(*s & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0)
			return false;
		for (s++; n > 0; n--, s++)
			if ((*s & 0xC0) != 0x80)
				return false;
	}
	return true;
}

static void on_status(void *ud, int n)
{
	char c = (char)('0' + n);

	FUZZ_CHECK(n >= 1 && n <= 4, "DLE EOT n is 1..4");
	put(ud, "S", 1);
	put(ud, &c, 1);
}

static void on_ticket(void *ud, const struct hq_escdec_ticket *t)
{
	size_t i;

	put(ud, "T", 1);
	for (i = 0; i < t->nlines; i++) {
		const struct hq_escdec_line *l = &t->lines[i];

		FUZZ_CHECK(l->text && utf8_ok((const unsigned char *)l->text), "a line is UTF-8");
		FUZZ_CHECK(l->w >= 1 && l->w <= 8 && l->h >= 1 && l->h <= 8, "magnification 1..8");
		FUZZ_CHECK(l->align >= HQ_ESCDEC_LEFT && l->align <= HQ_ESCDEC_RIGHT, "an alignment");
		put(ud, l->text, strlen(l->text) + 1);
		put(ud, &l->w, sizeof l->w);
		put(ud, &l->h, sizeof l->h);
		put(ud, &l->align, sizeof l->align);
		put(ud, &l->bold, sizeof l->bold);
	}
	if (t->qr)
		put(ud, t->qr, strlen(t->qr) + 1);
	FUZZ_CHECK(t->nerrors <= HQ_ESCDEC_MAX_ERRORS, "errors within the limit");
	for (i = 0; i < t->nerrors; i++)
		put(ud, t->errors[i], strlen(t->errors[i]) + 1);
	put(ud, &t->qr_module, sizeof t->qr_module);
	put(ud, &t->init, sizeof t->init);
	put(ud, &t->cut, sizeof t->cut);
	put(ud, &t->bytes, sizeof t->bytes);
	put(ud, &t->errors_dropped, sizeof t->errors_dropped);
}

static struct hq_escdec *decoder(struct record *r)
{
	const struct hq_escdec_ops ops = { .ud = r, .status = on_status, .ticket = on_ticket };

	return hq_escdec_new(&ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record whole = { 0 }, pieces = { 0 };
	struct hq_escdec *a, *b;
	size_t pos = 0, step, k = 0;
	uint8_t sizes;

	if (size < 1)
		return 0;
	sizes = data[0];
	data++;
	size--;
	a = decoder(&whole);
	b = decoder(&pieces);
	FUZZ_CHECK(a && b, "a decoder (iconv has GB18030)");
	hq_escdec_feed(a, data, size);
	FUZZ_CHECK(hq_escdec_pending(a) <= size, "pending bytes are bytes fed");
	hq_escdec_finish(a);
	while (pos < size) {
		/* 1..8 bytes at a time, in a pattern from the first byte. */
		step = 1 + ((sizes >> (k++ % 8)) & 7);
		if (step > size - pos)
			step = size - pos;
		hq_escdec_feed(b, data + pos, step);
		pos += step;
	}
	hq_escdec_finish(b);
	FUZZ_CHECK(whole.n == pieces.n && (!whole.n || !memcmp(whole.s, pieces.s, whole.n)),
		   "the same tickets whatever the pieces");
	hq_escdec_free(a);
	hq_escdec_free(b);
	free(whole.s);
	free(pieces.s);
	return 0;
}
