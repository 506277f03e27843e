/*
 * The gateway's rules (counter/gateway.c) over one bus whose replies are the fuzzer's
 * input, for fuzz_bus_plain.c and fuzz_bus_modbus.c: a few units are polled round after
 * round until the input runs out, with a fake clock that moves on each round and a sink
 * that checks what reaches hallqd: only known key codes, a rating on the national scale
 * 1..5, a sign-in with a numeric clerk id and a PIN of digits, a display text that fits.
 */
#include <ctype.h>
#include <string.h>

#include "bus.h"
#include "entry.h"
#include "fuzz.h"
#include "gateway.h"
#include "hq_error.h"
#include "unit.h"

struct gw_fake {
	int64_t now;
	unsigned calls;
};

static enum hq_gw_press gw_result(struct gw_fake *f)
{
	/* Mostly done; now and then hallqd is away, or refuses. */
	unsigned c = f->calls++;

	return c % 7 == 3 ? HQ_GW_RETRY : c % 5 == 4 ? HQ_GW_REFUSED : HQ_GW_DONE;
}

static enum hq_gw_press gw_press(void *ctx, int counter, int key, int arg, const char *idem)
{
	FUZZ_CHECK(counter >= 1, "a press at a configured counter");
	FUZZ_CHECK(key >= 1 && key <= HQFW_KEY_MAX && key != HQFW_KEY_SIGN_IN && key != HQFW_KEY_PIN,
		   "a press is a key code of PROTOCOL.md 5.1, never part of a sign-in");
	if (key == HQFW_KEY_RATE)
		FUZZ_CHECK(arg >= 1 && arg <= 5, "a rating is a level 1..5");
	FUZZ_CHECK(idem && strlen(idem) > 0 && strlen(idem) < 128, "an idempotency key");
	return gw_result(ctx);
}

static enum hq_gw_press gw_sign_in(void *ctx, int counter, const char *clerk, const char *pin,
				   const char *idem)
{
	size_t i, n = strlen(pin);

	FUZZ_CHECK(counter >= 1, "a sign-in at a configured counter");
	FUZZ_CHECK(clerk[0] && strlen(clerk) <= 5 && clerk[0] != '0', "a clerk id 1..65535");
	for (i = 0; clerk[i]; i++)
		FUZZ_CHECK(isdigit((unsigned char)clerk[i]), "a clerk id of digits");
	FUZZ_CHECK(n >= HQFW_PIN_MIN && n <= HQFW_PIN_MAX, "a PIN of the allowed length");
	for (i = 0; i < n; i++)
		FUZZ_CHECK(isdigit((unsigned char)pin[i]), "a PIN of digits");
	FUZZ_CHECK(idem && *idem, "an idempotency key");
	return gw_result(ctx);
}

static void gw_view(void *ctx, int counter, struct hq_cshow *out)
{
	struct gw_fake *f = ctx;

	memset(out, 0, sizeof *out);
	snprintf(out->text, sizeof out->text, "A%03d", (int)(f->now / 1000 % 1000));
	out->state = counter % 3;
	out->waiting = (int)(f->now / 700 % 70000);
	out->brightness = 80;
}

static void gw_save(void *ctx)
{
	(void)ctx;
}

static void gw_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	FUZZ_CHECK(level >= HQ_GW_INFO && level <= HQ_GW_ERROR, "a log level");
	FUZZ_CHECK(strlen(msg) < 384, "a log line within the buffer");
}

static int64_t gw_now(void *ctx)
{
	return ((struct gw_fake *)ctx)->now;
}

static uint32_t gw_wall(void *ctx)
{
	return 1700000000u + (uint32_t)(((struct gw_fake *)ctx)->now / 1000);
}

/* Poll units 1, 2 and 247 of a bus of this type until the input is used up. */
static void gw_run(enum hq_bus_type type, const uint8_t *data, size_t size)
{
	struct hq_bus cfg;
	struct gw_fake f = { .now = 1000 };
	const struct hq_gw_sink sink = {
		.ctx = &f, .press = gw_press, .sign_in = gw_sign_in, .view = gw_view,
		.save = gw_save, .log = gw_log, .now_ms = gw_now, .stopping = NULL,
		.wall_s = gw_wall,
	};
	struct hq_gw_unit units[3];
	struct hq_gw_bus gb;
	int round;

	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.key, sizeof cfg.key, "fuzz");
	snprintf(cfg.port, sizeof cfg.port, "/dev/null");
	cfg.type = type;
	cfg.baud = 0; /* no t3.5 to wait for: the stub line has no timing */
	cfg.parity = 'E';
	cfg.timeout_ms = 10;
	memset(&gb, 0, sizeof gb);
	if (!(gb.bus = hq_cbus_new(&cfg)))
		return;
	hq_gw_unit_init(&units[0], 1, 1, 1600000000u, 0);
	hq_gw_unit_init(&units[1], 2, 2, 1600000000u, 7);
	hq_gw_unit_init(&units[2], 9999, 247, 1600000000u, 0xFFFF);
	gb.units = units;
	gb.nunits = 3;
	gb.next_connect_ms = 0;
	fuzz_in_set(data, size);
	for (round = 0; round < 64 && fuzz_left(); round++) {
		size_t before = fuzz_in.pos;

		hq_gw_round(&gb, &sink);
		f.now += 1500 + (int64_t)round * 997;
		if (fuzz_in.pos == before && round > 4)
			break;
	}
	for (int i = 0; i < 3; i++)
		FUZZ_CHECK(units[i].shown.text[sizeof units[i].shown.text - 1] == '\0',
			   "the text shown is a string");
	hq_cbus_free(gb.bus);
}
