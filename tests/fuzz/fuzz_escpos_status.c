/*
 * The kiosk's reading of its printer's status (kiosk/printer.c, kiosk/escpos.c): the
 * printer spec string, then the answers to DLE EOT 1, 2, 4 (ESC/POS "Transmit real-time
 * status") from a serial printer whose bytes are the input (stub_port.c): three bytes, too
 * few, none, garbage, answer after answer. The state the kiosk acts on must follow from the
 * bytes: no answer or a wrong one is offline and not ready, ready means nothing is wrong,
 * and the state name is one of the documented six. The input starts with the spec, up to
 * a NUL (empty: a serial printer).
 */
#include <string.h>

#include "escpos.h"
#include "fuzz.h"
#include "hq_error.h"
#include "printer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_state(const struct hq_printer_status *st)
{
	static const char *const names[] = { "offline", "cover_open", "paper_out", "error", "near_end", "ok" };
	const char *name = hq_printer_state_name(st);
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i]))
			break;
	FUZZ_CHECK(i < sizeof names / sizeof names[0], "a documented state name");
	FUZZ_CHECK(!hq_printer_ready(st) || (st->online && !st->paper_out && !st->cover_open && !st->error),
		   "ready means nothing is wrong");
	FUZZ_CHECK(st->online || !hq_printer_ready(st), "offline is not ready");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size < 200 ? size : 200);
	char spec[256], err[512];
	struct hq_printer *p;
	struct hq_printer_status st;
	size_t speclen = nul ? (size_t)(nul - data) : 0;
	int i, rc;

	memcpy(spec, data, speclen);
	spec[speclen] = '\0';
	if (nul) {
		data += speclen + 1;
		size -= speclen + 1;
	}
	if (!speclen)
		snprintf(spec, sizeof spec, "serial:/dev/ttyFUZZ:9600");
	err[0] = '\0';
	if (!(p = hq_printer_new(spec, err, sizeof err))) {
		FUZZ_CHECK(err[0], "a bad spec says why");
		return 0;
	}
	FUZZ_CHECK(!strcmp(hq_printer_kind(p), "serial") || !strcmp(hq_printer_kind(p), "file") ||
		   !strcmp(hq_printer_kind(p), "none"), "a known kind");
	if (strcmp(hq_printer_kind(p), "serial")) {
		hq_printer_free(p);
		return 0;
	}
	fuzz_in_set(data, size);
	for (i = 0; i < 16 && (i == 0 || fuzz_left()); i++) {
		size_t before = fuzz_in.pos;

		rc = hq_printer_status(p, &st);
		check_state(&st);
		if (fuzz_in.pos - before < 3) {
			FUZZ_CHECK(rc == HQ_ELINK && !st.online, "a short answer is a lost printer");
		} else {
			const uint8_t *a = fuzz_in.p + before;
			int fixed = hq_escpos_status_byte_ok(a[0]) && hq_escpos_status_byte_ok(a[1]) &&
				    hq_escpos_status_byte_ok(a[2]);

			FUZZ_CHECK(fixed ? rc == HQ_OK && st.online : rc == HQ_EFRAME && !st.online,
				   "three bytes are a status exactly when each has the fixed bits");
			if (rc == HQ_OK)
				FUZZ_CHECK(st.cover_open == !!(a[1] & 0x04) && st.paper_near_end == !!(a[2] & 0x0C),
					   "cover and paper-near-end from their bits");
		}
		if (rc)
			FUZZ_CHECK(hq_printer_error(p)[0], "a failure says why");
	}
	hq_printer_free(p);
	return 0;
}
