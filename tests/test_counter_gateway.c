/*
 * The gateway's rules (counter/gateway.c) against units that run the real firmware logic
 * (firmware-proto/fw/unit.c) behind a fake bus that loses requests, replies and
 * acknowledgements on demand. hallqd is a fake too: it remembers idempotency keys as the
 * server does, so "carried out once" means "one distinct key per press". Both wire styles
 * are covered: plain (the poll carries the acknowledgement) and Modbus (a write of its own).
 * Besides the exactly-once rule: ratings read on the scale of each unit's evaluator (three
 * keys become levels 1/3/5, five keys are the level), the sign-in's three events sent as
 * one request, Err on the unit after a refusal, and no PIN in the log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateway.h"
#include "hq_error.h"
#include "unit.h"

#define NUNITS 3
#define MAX_PRESSES 20000
#define MAX_KEYS 40000
#define MAX_OTHER 256

/* ---- fake units and line ------------------------------------------------------------ */

enum fault { F_NONE, F_LOSE_REQUEST, F_LOSE_REPLY, F_GARBLE_REPLY, F_LINK };

static struct world {
	struct hqfw_unit unit[NUNITS + 1]; /* by address */
	int modbus;                         /* acknowledgement by its own write */
	enum fault next_fault;              /* applies to the next command, then clears */
	unsigned fault_rate;                /* random faults: 1 in fault_rate commands (0: none) */
	int64_t now;
	uint32_t wall;
	int connected, connects;
	/* the fake hallqd */
	char keys[MAX_KEYS][64];
	int nkeys;
	int effects[MAX_PRESSES + 1];       /* by the press's argument */
	int server_down;
	int ident_fail;                     /* the bus's identity reads time out */
	/* presses other than call-a-number, and sign-ins, each once per idempotency key */
	struct { int counter, key, arg; char idem[64]; } other[MAX_OTHER];
	int nother;
	struct { int counter; char clerk[8], pin[8], idem[64]; enum hq_gw_press answer; } signin[MAX_OTHER];
	int nsignin;
	int shows, clocks, saves;
	struct hq_cshow view;
	char log[64][200];
	int nlog;
} w;

static unsigned rnd_state = 1;

static unsigned rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static enum fault take_fault(void)
{
	enum fault f = w.next_fault;

	w.next_fault = F_NONE;
	if (f == F_NONE && w.fault_rate && rnd() % w.fault_rate == 0)
		f = (enum fault)(F_LOSE_REQUEST + rnd() % 3);
	return f;
}

/* The result of a command whose request reached the unit (or not), by the fault drawn. */
static int outcome(enum fault f)
{
	return f == F_LINK ? HQ_ELINK : f == F_GARBLE_REPLY ? HQ_EFRAME : f ? HQ_ETIMEOUT : HQ_OK;
}

static int fb_connect(struct hq_cbus *b)
{
	(void)b;
	w.connects++;
	w.connected = 1;
	return HQ_OK;
}

static void fb_close(struct hq_cbus *b)
{
	(void)b;
	w.connected = 0;
}

static int fb_ident(struct hq_cbus *b, int addr, struct hq_cident *id)
{
	(void)b;
	if (w.ident_fail)
		return HQ_ETIMEOUT;
	id->caps = w.unit[addr].caps;
	snprintf(id->text, sizeof id->text, "%s", w.unit[addr].ident);
	return HQ_OK;
}

static int fb_poll(struct hq_cbus *b, int addr, uint16_t ack, struct hq_cpoll *out)
{
	enum fault f = take_fault();
	uint16_t r[2 + 3 * HQ_CBUS_WINDOW];
	int i;

	(void)b;
	assert_true(w.connected);
	if (f == F_LOSE_REQUEST || f == F_LINK)
		return outcome(f);
	if (!w.modbus)
		hqfw_unit_ack(&w.unit[addr], ack);
	assert_int_equal(hqfw_unit_read_input(&w.unit[addr], HQFW_IR_STATUS, 2 + 3 * HQ_CBUS_WINDOW, r), 0);
	if (f)
		return outcome(f);
	memset(out, 0, sizeof *out);
	out->status = (uint8_t)r[0];
	out->pending = r[1];
	for (i = 0; i < HQ_CBUS_WINDOW && r[2 + 3 * i]; i++) {
		out->ev[i].seq = r[2 + 3 * i];
		out->ev[i].key = (uint8_t)r[3 + 3 * i];
		out->ev[i].arg = r[4 + 3 * i];
	}
	out->nev = i;
	return HQ_OK;
}

static int fb_ack(struct hq_cbus *b, int addr, uint16_t seq)
{
	enum fault f = take_fault();

	(void)b;
	if (f != F_LOSE_REQUEST && f != F_LINK)
		hqfw_unit_ack(&w.unit[addr], seq);
	return outcome(f);
}

static int fb_status(struct hq_cbus *b, int addr, struct hq_cstatus *st)
{
	enum fault f = take_fault();

	(void)b;
	if (f)
		return outcome(f);
	st->flags = w.unit[addr].status;
	st->uptime = w.unit[addr].uptime;
	st->crc_errors = 0;
	return HQ_OK;
}

static int fb_show(struct hq_cbus *b, int addr, const struct hq_cshow *s)
{
	enum fault f = take_fault();
	uint16_t v[7] = { 0 };
	size_t i;

	(void)b;
	if (f)
		return outcome(f);
	for (i = 0; i < strlen(s->text); i++)
		v[i / 2] |= (uint16_t)((uint8_t)s->text[i] << (i % 2 ? 0 : 8));
	v[4] = (uint16_t)s->state;
	v[5] = (uint16_t)s->waiting;
	v[6] = (uint16_t)s->brightness;
	assert_int_equal(hqfw_unit_write_holding(&w.unit[addr], HQFW_HR_TEXT, 7, v), 0);
	w.shows++;
	return HQ_OK;
}

static int fb_clock(struct hq_cbus *b, int addr, uint32_t t)
{
	(void)b, (void)addr, (void)t;
	w.clocks++;
	return HQ_OK;
}

static const struct hq_cbus_ops plain_style = {
	.name = "fake-plain", .connect = fb_connect, .close = fb_close, .ident = fb_ident,
	.poll = fb_poll, .ack = NULL, .status = fb_status, .show = fb_show, .clock = fb_clock,
};
static const struct hq_cbus_ops modbus_style = {
	.name = "fake-modbus", .connect = fb_connect, .close = fb_close, .ident = fb_ident,
	.poll = fb_poll, .ack = fb_ack, .status = fb_status, .show = fb_show, .clock = fb_clock,
};

/* ---- the fake sink: hallqd with idempotency, and the clock ---------------------------- */

static enum hq_gw_press s_press(void *ctx, int counter, int key, int arg, const char *idem)
{
	int i;

	(void)ctx;
	if (w.server_down)
		return HQ_GW_RETRY;
	if (key != HQFW_KEY_CALL_NUMBER) {
		for (i = 0; i < w.nother; i++)
			if (!strcmp(w.other[i].idem, idem))
				return HQ_GW_DONE;
		assert_true(w.nother < MAX_OTHER);
		w.other[w.nother].counter = counter;
		w.other[w.nother].key = key;
		w.other[w.nother].arg = arg;
		snprintf(w.other[w.nother++].idem, sizeof w.other[0].idem, "%s", idem);
		return HQ_GW_DONE;
	}
	for (i = 0; i < w.nkeys; i++)
		if (!strcmp(w.keys[i], idem))
			return HQ_GW_DONE; /* replayed: no effect */
	assert_true(w.nkeys < MAX_KEYS);
	snprintf(w.keys[w.nkeys++], sizeof w.keys[0], "%s", idem);
	assert_true(arg >= 1 && arg <= MAX_PRESSES);
	w.effects[arg]++;
	return HQ_GW_DONE;
}

/* The roster: clerk 1024, PIN 012345. A repeat of a key gets the first answer again. */
static enum hq_gw_press s_sign_in(void *ctx, int counter, const char *clerk, const char *pin,
				  const char *idem)
{
	int i;

	(void)ctx;
	if (w.server_down)
		return HQ_GW_RETRY;
	for (i = 0; i < w.nsignin; i++)
		if (!strcmp(w.signin[i].idem, idem))
			return w.signin[i].answer;
	assert_true(w.nsignin < MAX_OTHER);
	w.signin[w.nsignin].counter = counter;
	snprintf(w.signin[w.nsignin].clerk, sizeof w.signin[0].clerk, "%s", clerk);
	snprintf(w.signin[w.nsignin].pin, sizeof w.signin[0].pin, "%s", pin);
	snprintf(w.signin[w.nsignin].idem, sizeof w.signin[0].idem, "%s", idem);
	w.signin[w.nsignin].answer = !strcmp(clerk, "1024") && !strcmp(pin, "012345") ? HQ_GW_DONE
										       : HQ_GW_REFUSED;
	return w.signin[w.nsignin++].answer;
}

static void s_view(void *ctx, int counter, struct hq_cshow *out)
{
	(void)ctx, (void)counter;
	*out = w.view;
}

static void save_state(void);

static void s_save(void *ctx)
{
	(void)ctx;
	w.saves++;
	save_state();
}

static void s_log(void *ctx, int level, const char *msg)
{
	(void)ctx, (void)level;
	if (w.nlog < 64)
		snprintf(w.log[w.nlog++], sizeof w.log[0], "%s", msg);
}

static int64_t s_now(void *ctx)
{
	(void)ctx;
	return w.now;
}

static uint32_t s_wall(void *ctx)
{
	(void)ctx;
	return w.wall;
}

static const struct hq_gw_sink sink = {
	.press = s_press, .sign_in = s_sign_in, .view = s_view, .save = s_save, .log = s_log, .now_ms = s_now,
	.wall_s = s_wall,
};

static struct hq_cbus bus;
static struct hq_gw_bus gb;
static struct hq_gw_unit units[NUNITS];

static int logged(const char *needle)
{
	int i;

	for (i = 0; i < w.nlog; i++)
		if (strstr(w.log[i], needle))
			return 1;
	return 0;
}

/* A gateway (re)started with the state it saved, as main.c's state file does. */
static uint32_t saved_gen[NUNITS];
static uint16_t saved_last[NUNITS];

static void save_state(void)
{
	int i;

	for (i = 0; i < NUNITS; i++) {
		saved_gen[i] = atomic_load(&units[i].gen);
		saved_last[i] = atomic_load(&units[i].last);
	}
}

static void gateway_start(int resume)
{
	int i;

	memset(&gb, 0, sizeof gb);
	for (i = 0; i < NUNITS; i++)
		hq_gw_unit_init(&units[i], i + 1, i + 1, resume ? saved_gen[i] : w.wall, resume ? saved_last[i] : 0);
	gb.bus = &bus;
	gb.units = units;
	gb.nunits = NUNITS;
}

static void setup_world(int modbus)
{
	int a;

	memset(&w, 0, sizeof w);
	w.modbus = modbus;
	w.now = 1000;
	w.wall = 1795425600;
	for (a = 1; a <= NUNITS; a++)
		hqfw_unit_init(&w.unit[a], (uint8_t)a, HQFW_CAP_ALL, 0);
	memset(&bus, 0, sizeof bus);
	bus.ops = modbus ? &modbus_style : &plain_style;
	snprintf(bus.cfg.key, sizeof bus.cfg.key, "line");
	snprintf(w.view.text, sizeof w.view.text, "A001");
	w.view.brightness = 100;
	gateway_start(0);
	save_state();
}

static int press(int addr, int n)
{
	return (int)hqfw_unit_key(&w.unit[addr], HQFW_KEY_CALL_NUMBER, (uint16_t)n);
}

/* Run rounds, a few milliseconds apart, until every unit's ring is empty. */
static void drain(int max_rounds)
{
	int r, a, left = 1;

	for (r = 0; r < max_rounds && left; r++) {
		hq_gw_round(&gb, &sink);
		w.now += 5;
		w.wall += r % 200 == 0;
		for (left = 0, a = 1; a <= NUNITS; a++)
			left += w.unit[a].ring.count;
	}
	assert_int_equal(left, 0);
}

static void assert_each_once(int n)
{
	int i;

	for (i = 1; i <= n; i++)
		if (w.effects[i] != 1)
			fail_msg("press %d carried out %d times", i, w.effects[i]);
}

/* ---- tests -------------------------------------------------------------------------- */

static void presses_reach_hallqd_once(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink); /* first contact */
	assert_int_equal(atomic_load(&units[2].online), 1);
	assert_true(logged("line unit 3 (counter 3) online: hallq-unit/1"));
	assert_int_equal(press(3, 1), 1);
	assert_int_equal(press(3, 2), 2);
	assert_int_equal(press(1, 3), 1);
	drain(10);
	assert_each_once(3);
	assert_int_equal(w.nkeys, 3);
	assert_int_equal(units[2].last, 2);
	assert_int_equal(atomic_load(&units[2].events), 2);
}

/* The unit took the acknowledgement but its reply was lost: the same events come back
 * (plain: they were acknowledged only by the next poll; Modbus: the ack write's reply lost). */
static void lost_replies_double_nothing(void **state)
{
	int modbus = *(int *)*state, i;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	for (i = 1; i <= 5; i++)
		press(2, i);
	w.next_fault = F_LOSE_REPLY;
	hq_gw_round(&gb, &sink); /* unit 1's poll reply lost */
	hq_gw_round(&gb, &sink);
	w.next_fault = F_GARBLE_REPLY;
	drain(20);
	assert_each_once(5);
	assert_int_equal(w.nkeys, 5);
	assert_true(atomic_load(&units[0].timeouts) + atomic_load(&units[0].crc_errors) +
		    atomic_load(&units[1].timeouts) + atomic_load(&units[1].crc_errors) >= 1);
}

static void hallqd_away_keeps_events_in_unit(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	press(1, 1);
	press(1, 2);
	w.server_down = 1;
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.unit[1].ring.count, 2); /* nothing acknowledged */
	assert_int_equal(units[0].last, 0);
	w.now += 500;
	hq_gw_round(&gb, &sink); /* still within the retry pause: not even tried */
	w.server_down = 0;
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.nkeys, 0);
	w.now += HQ_GW_SERVER_RETRY_MS;
	drain(10);
	assert_each_once(2);
}

static void offline_after_three_misses_and_back(void **state)
{
	int modbus = *(int *)*state, i;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	for (i = 0; i < 3; i++) {
		w.next_fault = F_LOSE_REQUEST; /* unit 1's poll each round */
		hq_gw_round(&gb, &sink);
		w.now += 5;
	}
	assert_int_equal(atomic_load(&units[0].online), 0);
	assert_true(logged("line unit 1 (counter 1) offline"));
	assert_int_equal(atomic_load(&units[0].timeouts), 3);
	/* Offline: tried once a second, so it costs the line nothing in between. */
	i = (int)atomic_load(&units[0].polls);
	hq_gw_round(&gb, &sink);
	assert_int_equal((int)atomic_load(&units[0].polls), i);
	w.now += HQ_GW_OFFLINE_POLL_MS;
	press(1, 1);
	hq_gw_round(&gb, &sink);
	assert_int_equal(atomic_load(&units[0].online), 1);
	drain(5);
	assert_each_once(1);
	/* Coming back it is shown again, whatever it showed before. */
	assert_true(w.shows >= NUNITS + 1);
}

/* PROTOCOL.md 4.4: a unit restarts while the gateway's L is 2; its new presses reuse the
 * sequence numbers 1 and 2 and must neither be skipped nor take the old keys. */
static void unit_restart_is_a_new_series(void **state)
{
	int modbus = *(int *)*state;
	uint32_t g;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	press(2, 1);
	press(2, 2);
	drain(5);
	g = atomic_load(&units[1].gen);
	w.wall += 10;
	hqfw_unit_init(&w.unit[2], 2, HQFW_CAP_ALL, 0); /* power cut */
	press(2, 3);
	press(2, 4);
	drain(10);
	assert_each_once(4);
	assert_true(atomic_load(&units[1].gen) > g);
	assert_true(logged("restarted"));
}

/* The gateway stops after sending presses but before acknowledging them: the new gateway
 * sends the same keys for them (hallqd replays) and new keys for later presses. */
static void gateway_restart_resends_under_old_keys(void **state)
{
	int modbus = *(int *)*state, i;
	uint32_t before;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	press(3, 1);
	drain(5);
	for (i = 2; i <= 4; i++)
		press(3, i);
	/* Carry them out at hallqd, but lose every acknowledgement. */
	w.fault_rate = 0;
	gb.units[2].retry_ms = 0;
	{
		struct hq_cpoll p;

		assert_int_equal(bus.ops->poll(&bus, 3, units[2].last, &p), 0);
		for (i = 0; i < p.nev; i++) {
			char key[128];

			hq_gw_idem_key(&gb, &units[2], p.ev[i].seq, key, sizeof key);
			s_press(NULL, 3, p.ev[i].key, p.ev[i].arg, key);
		}
	}
	assert_int_equal(w.nkeys, 4);
	before = saved_gen[2];
	w.wall += 60;
	gateway_start(1);
	assert_int_equal(units[2].last, 1);
	press(3, 5);
	drain(10);
	assert_each_once(5);
	assert_int_equal(w.nkeys, 5); /* three replays, one new */
	assert_int_equal(atomic_load(&units[2].gen), before);
}

/* A unit that restarted while the gateway was away shows BOOT in its status before the
 * first poll clears it: its presses must not take the saved (old) keys. */
static void unit_restart_while_gateway_away(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	press(1, 1);
	press(1, 2);
	drain(5);
	hqfw_unit_init(&w.unit[1], 1, HQFW_CAP_ALL, 0);
	press(1, 3); /* seq 1 again */
	press(1, 4); /* seq 2 again */
	w.wall += 60;
	gateway_start(1);
	drain(10);
	assert_each_once(4);
	assert_true(logged("restarted"));
}

static void display_written_only_when_changed(void **state)
{
	int modbus = *(int *)*state, shows;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.shows, NUNITS);
	assert_int_equal(w.clocks, NUNITS);
	hq_gw_round(&gb, &sink);
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.shows, NUNITS);
	shows = w.shows;
	snprintf(w.view.text, sizeof w.view.text, "B012");
	w.view.waiting = 7;
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.shows, shows + NUNITS);
	assert_int_equal(w.unit[2].waiting, 7);
	/* A failed write is tried again next round. */
	w.view.waiting = 8;
	w.next_fault = F_LOSE_REPLY; /* poll of unit 1 */
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.shows, shows + 2 * NUNITS - 1);
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.shows, shows + 2 * NUNITS);
	/* The clock is set again after an hour. */
	w.now += HQ_GW_CLOCK_EVERY_S * 1000LL;
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.clocks, 2 * NUNITS);
}

static void lost_line_is_reopened(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.connects, 1);
	press(2, 1);
	w.next_fault = F_LINK;
	hq_gw_round(&gb, &sink);
	assert_int_equal(atomic_load(&gb.up), 0);
	assert_int_equal(w.connected, 0);
	assert_true(logged("line lost"));
	w.now += HQ_GW_RECONNECT_MS / 2;
	assert_int_equal(hq_gw_round(&gb, &sink), 0);
	assert_int_equal(w.connects, 1);
	assert_true(hq_gw_idle_ms(&gb, &sink) <= HQ_GW_RECONNECT_MS / 2);
	w.now += HQ_GW_RECONNECT_MS / 2;
	drain(5);
	assert_int_equal(w.connects, 2);
	assert_int_equal(atomic_load(&gb.reopens), 2);
	assert_each_once(1);
}

static void unknown_key_is_acknowledged(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	/* A newer unit's key code: logged, acknowledged, not sent. */
	hqfw_ring_push(&w.unit[1].ring, 42, 0);
	press(1, 1);
	drain(5);
	assert_true(logged("unknown key code 42"));
	assert_each_once(1);
	assert_int_equal(w.nkeys, 1);
}

/* ---- the evaluator and the sign-in ------------------------------------------------- */

static void type(int addr, const char *digits)
{
	for (; *digits; digits++)
		assert_int_equal(hqfw_unit_key(&w.unit[addr], HQFW_PAD_DIGIT, (uint16_t)(*digits - '0')),
				 HQFW_TYPED);
}

/* The clerk's fingers: id, sign-in, PIN, enter. Returns the first event's sequence. */
static int sign_in_at(int addr, const char *clerk, const char *pin)
{
	type(addr, clerk);
	assert_int_equal(hqfw_unit_key(&w.unit[addr], HQFW_KEY_SIGN_IN, 0), HQFW_TYPED);
	type(addr, pin);
	return (int)hqfw_unit_key(&w.unit[addr], HQFW_PAD_ENTER, 0);
}

static void rate_at(int addr, int key)
{
	assert_true(hqfw_unit_key(&w.unit[addr], HQFW_KEY_FINISH, 0) > 0);
	assert_true(hqfw_unit_key(&w.unit[addr], HQFW_KEY_RATE, (uint16_t)key) > 0);
}

/* The levels sent for a counter's ratings, in order, as "1 3 5". */
static const char *levels(int counter)
{
	static char out[128];
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < w.nother; i++)
		if (w.other[i].counter == counter && w.other[i].key == HQFW_KEY_RATE)
			n += (size_t)snprintf(out + n, sizeof out - n, "%s%d", n ? " " : "", w.other[i].arg);
	return out;
}

static int count_key(int counter, int key)
{
	int i, n = 0;

	for (i = 0; i < w.nother; i++)
		n += w.other[i].counter == counter && w.other[i].key == key;
	return n;
}

static void assert_log_lacks(const char *secret)
{
	int i;

	for (i = 0; i < w.nlog; i++)
		if (strstr(w.log[i], secret))
			fail_msg("the log says \"%s\"", w.log[i]);
}

static void level_table(void **state)
{
	(void)state;
	/* PROTOCOL.md 5.2: three keys are the scale's ends and middle; five are the level. */
	assert_int_equal(hq_gw_level(3, 1), 1);
	assert_int_equal(hq_gw_level(3, 2), 3);
	assert_int_equal(hq_gw_level(3, 3), 5);
	assert_int_equal(hq_gw_level(3, 4), 0);
	assert_int_equal(hq_gw_level(3, 0), 0);
	for (int k = 1; k <= 5; k++)
		assert_int_equal(hq_gw_level(5, k), k);
	assert_int_equal(hq_gw_level(5, 6), 0);
	assert_int_equal(hq_gw_level(0, 1), 0);
}

/* Unit 1 has three evaluator keys, unit 2 five: each rating goes out once, as its level,
 * though replies are lost on the way. */
static void ratings_on_each_scale(void **state)
{
	int modbus = *(int *)*state, k;

	setup_world(modbus);
	hqfw_unit_init(&w.unit[2], 2, HQFW_CAP_ALL5, 0);
	hq_gw_round(&gb, &sink);
	assert_int_equal(units[0].eval_keys, 3);
	assert_int_equal(units[1].eval_keys, 5);
	assert_true(logged("line unit 2 (counter 2) online: hallq-unit/1 fw=0.2 caps=keys,sat,sat5,display"));
	for (k = 1; k <= 5; k++) {
		if (k <= 3)
			rate_at(1, k);
		rate_at(2, k);
		w.next_fault = k % 2 ? F_LOSE_REPLY : F_GARBLE_REPLY;
		drain(20);
	}
	assert_string_equal(levels(1), "1 3 5");
	assert_string_equal(levels(2), "1 2 3 4 5");
	assert_int_equal(count_key(1, HQFW_KEY_FINISH), 3);
	assert_int_equal(count_key(2, HQFW_KEY_FINISH), 5);
}

/* The scale is the unit's: while its identity cannot be read, a rating waits in the unit
 * (the presses before it go on); a unit swapped for one with five keys is read again. */
static void rating_waits_for_the_identity(void **state)
{
	int modbus = *(int *)*state, i;

	setup_world(modbus);
	w.ident_fail = 1;
	hq_gw_round(&gb, &sink);
	assert_true(logged("line unit 3 (counter 3) online"));
	assert_false(units[2].ident_ok);
	press(3, 1);
	rate_at(3, 2);
	for (i = 0; i < 5; i++)
		hq_gw_round(&gb, &sink);
	assert_each_once(1);
	assert_int_equal(count_key(3, HQFW_KEY_FINISH), 1);
	assert_string_equal(levels(3), "");
	assert_int_equal(w.unit[3].ring.count, 1); /* the rating, kept */
	w.ident_fail = 0;
	drain(5);
	assert_string_equal(levels(3), "3");
	/* Another unit at the counter: it restarts (BOOT) with five keys. */
	hqfw_unit_init(&w.unit[3], 3, HQFW_CAP_ALL5, 0);
	hq_gw_round(&gb, &sink);
	rate_at(3, 2);
	drain(10);
	assert_string_equal(levels(3), "3 2");
}

/* A faulty unit's rating beyond its scale is logged, acknowledged and not sent. */
static void rating_beyond_the_scale(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	hqfw_ring_push(&w.unit[1].ring, HQFW_KEY_RATE, 4);
	press(1, 1);
	drain(5);
	assert_true(logged("line unit 1: rating 4 is not a key of its 3-key evaluator"));
	assert_string_equal(levels(1), "");
	assert_each_once(1);
}

/* A sign-in: one request with the id and the PIN (its leading zero kept), under the key of
 * its first event, once though replies are lost; the PIN in no log line. */
static void sign_in_once(void **state)
{
	int modbus = *(int *)*state, seq;
	char key[128];

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	press(3, 1);
	seq = sign_in_at(3, "1024", "012345");
	assert_int_equal(seq, 2);
	hqfw_unit_key(&w.unit[3], HQFW_KEY_SIGN_OUT, 0);
	w.next_fault = F_GARBLE_REPLY;
	hq_gw_round(&gb, &sink);
	w.next_fault = F_LOSE_REPLY;
	drain(20);
	assert_int_equal(w.nsignin, 1);
	assert_int_equal(w.signin[0].counter, 3);
	assert_string_equal(w.signin[0].clerk, "1024");
	assert_string_equal(w.signin[0].pin, "012345");
	hq_gw_idem_key(&gb, &units[2], (uint16_t)seq, key, sizeof key);
	assert_string_equal(w.signin[0].idem, key);
	assert_int_equal(count_key(3, HQFW_KEY_SIGN_OUT), 1);
	assert_int_equal(units[2].last, 5);
	assert_int_equal(atomic_load(&units[2].events), 5);
	assert_each_once(1);
	assert_log_lacks("012345");
	/* Accepted: the unit shows what its counter shows. */
	assert_string_equal((const char *)w.unit[3].text, "A001");
}

/* A wrong PIN: refused, acknowledged, and the unit shows Err (over PAUS) for 3 s. */
static void refused_sign_in_shows_err(void **state)
{
	int modbus = *(int *)*state;
	struct hqfw_view v;

	setup_world(modbus);
	w.view.state = 1;
	hq_gw_round(&gb, &sink);
	hqfw_unit_view(&w.unit[2], &v);
	assert_string_equal(v.text, "PAUS");
	sign_in_at(2, "1024", "9999");
	drain(5);
	assert_int_equal(w.nsignin, 1);
	assert_int_equal(w.signin[0].answer, HQ_GW_REFUSED);
	assert_int_equal(w.unit[2].ring.count, 0);
	hqfw_unit_view(&w.unit[2], &v);
	assert_string_equal(v.text, HQ_GW_ERR_TEXT);
	hqfw_unit_view(&w.unit[1], &v);
	assert_string_equal(v.text, "PAUS"); /* only the unit signed in at */
	w.now += HQ_GW_ERR_SHOW_MS - 100;
	hq_gw_round(&gb, &sink);
	hqfw_unit_view(&w.unit[2], &v);
	assert_string_equal(v.text, HQ_GW_ERR_TEXT);
	w.now += 100;
	hq_gw_round(&gb, &sink);
	hqfw_unit_view(&w.unit[2], &v);
	assert_string_equal(v.text, "PAUS");
	assert_log_lacks("9999");
}

/* hallqd away: the sign-in stays in the unit and goes once hallqd is back. */
static void sign_in_waits_for_hallqd(void **state)
{
	int modbus = *(int *)*state;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	sign_in_at(1, "1024", "012345");
	w.server_down = 1;
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.unit[1].ring.count, 3);
	assert_int_equal(units[0].last, 0);
	w.server_down = 0;
	w.now += HQ_GW_SERVER_RETRY_MS;
	drain(10);
	assert_int_equal(w.nsignin, 1);
	assert_int_equal(w.signin[0].answer, HQ_GW_DONE);
}

/* Six presses and then a sign-in: the first answer's window (8 events) ends inside the
 * sign-in, so the gateway stops before it and takes it whole from the next answer. */
static void sign_in_split_by_the_window(void **state)
{
	int modbus = *(int *)*state, i;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	for (i = 1; i <= 6; i++)
		press(2, i);
	sign_in_at(2, "1024", "012345");
	assert_int_equal(w.unit[2].ring.count, 9);
	hq_gw_round(&gb, &sink);
	assert_int_equal(w.nkeys, 6);
	assert_int_equal(w.nsignin, 0);
	assert_int_equal(units[1].last, 6);
	drain(5);
	assert_int_equal(w.nsignin, 1);
	assert_string_equal(w.signin[0].pin, "012345");
	assert_each_once(6);
	assert_false(logged("malformed"));
}

/* Events no conforming unit makes: a sign-in without its PIN, a PIN without its sign-in, a
 * PIN that is not in the form of PROTOCOL.md 5.4. Logged without their values, acknowledged,
 * Err shown; the presses around them go on. */
static void malformed_sign_in(void **state)
{
	int modbus = *(int *)*state;
	struct hqfw_view v;

	setup_world(modbus);
	hq_gw_round(&gb, &sink);
	hqfw_ring_push(&w.unit[1].ring, HQFW_KEY_PIN, 0x6012);
	press(1, 1);
	hqfw_ring_push(&w.unit[1].ring, HQFW_KEY_SIGN_IN, 1024);
	hqfw_ring_push(&w.unit[1].ring, HQFW_KEY_PIN, 0x6012);
	hqfw_ring_push(&w.unit[1].ring, HQFW_KEY_PIN, 0x03A5); /* A is no digit */
	press(1, 2);
	hqfw_ring_push(&w.unit[1].ring, HQFW_KEY_SIGN_IN, 1024); /* the last, nothing after it */
	drain(5);
	assert_true(logged("line unit 1 (counter 1): a PIN without its sign-in (seq 1)"));
	assert_true(logged("line unit 1 (counter 1): malformed sign-in (seq 3, 3 of its 3 events)"));
	assert_true(logged("line unit 1 (counter 1): malformed sign-in (seq 7, 1 of its 3 events)"));
	assert_int_equal(w.nsignin, 0);
	assert_each_once(2);
	assert_log_lacks("24594"); /* 0x6012 */
	assert_log_lacks("6012");
	hqfw_unit_view(&w.unit[1], &v);
	assert_string_equal(v.text, HQ_GW_ERR_TEXT);
}

/* Many presses, on a line that loses and garbles one command in five, with hallqd going
 * away now and then, units restarting when idle, the gateway restarting at any moment (it
 * keeps its state file) and sequence numbers crossing the wrap: each press carried out once,
 * and each sign-in among them (three events, which a window may cut) sent once. */
static void random_line_exactly_once(void **state)
{
	enum { PRESSES = 6000 };
	int modbus = *(int *)*state, pressed = 0, signins = 0, a, round;

	setup_world(modbus);
	rnd_state = modbus ? 77 : 78;
	for (a = 1; a <= NUNITS; a++)
		hqfw_ring_set_next_seq(&w.unit[a].ring, (uint16_t)(65530 - a * 40));
	w.fault_rate = 5;
	for (round = 0; pressed < PRESSES && round < 400000; round++) {
		int burst = rnd() % 30 == 0 ? 10 : (int)(rnd() % 2);

		while (burst-- > 0 && pressed < PRESSES)
			if (press(1 + (int)(rnd() % NUNITS), pressed + 1) > 0)
				pressed++;
		if (rnd() % 150 == 0 && sign_in_at(1 + (int)(rnd() % NUNITS), "1024", "012345") > 0)
			signins++;
		if (rnd() % 500 == 0)
			w.server_down = !w.server_down;
		if (rnd() % 700 == 0)
			gateway_start(1);
		a = 1 + (int)(rnd() % NUNITS);
		if (rnd() % 900 == 0 && w.unit[a].ring.count == 0)
			hqfw_unit_init(&w.unit[a], (uint8_t)a, HQFW_CAP_ALL, 0);
		hq_gw_round(&gb, &sink);
		w.now += 1 + rnd() % 30;
		w.wall += rnd() % 40 == 0;
	}
	assert_int_equal(pressed, PRESSES);
	w.server_down = 0;
	w.fault_rate = 0;
	w.now += HQ_GW_SERVER_RETRY_MS + HQ_GW_OFFLINE_POLL_MS;
	drain(1000);
	assert_each_once(PRESSES);
	assert_true(signins > 10);
	assert_true(w.nsignin <= MAX_OTHER);
	assert_int_equal(w.nsignin, signins);
	for (a = 0; a < w.nsignin; a++)
		assert_int_equal(w.signin[a].answer, HQ_GW_DONE);
	for (a = 0; a < NUNITS; a++)
		assert_true(atomic_load(&units[a].timeouts) + atomic_load(&units[a].crc_errors) > 0);
}

static int plain_case = 0, modbus_case = 1;

#define BOTH(t) cmocka_unit_test_prestate(t, &plain_case), cmocka_unit_test_prestate(t, &modbus_case)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(presses_reach_hallqd_once),
		BOTH(lost_replies_double_nothing),
		BOTH(hallqd_away_keeps_events_in_unit),
		BOTH(offline_after_three_misses_and_back),
		BOTH(unit_restart_is_a_new_series),
		BOTH(gateway_restart_resends_under_old_keys),
		BOTH(unit_restart_while_gateway_away),
		BOTH(display_written_only_when_changed),
		BOTH(lost_line_is_reopened),
		BOTH(unknown_key_is_acknowledged),
		cmocka_unit_test(level_table),
		BOTH(ratings_on_each_scale),
		BOTH(rating_waits_for_the_identity),
		BOTH(rating_beyond_the_scale),
		BOTH(sign_in_once),
		BOTH(refused_sign_in_shows_err),
		BOTH(sign_in_waits_for_hallqd),
		BOTH(sign_in_split_by_the_window),
		BOTH(malformed_sign_in),
		BOTH(random_line_exactly_once),
	};

	return cmocka_run_group_tests_name("counter gateway", tests, NULL, NULL);
}
