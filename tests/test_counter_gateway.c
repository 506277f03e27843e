/*
 * The gateway's rules (counter/gateway.c) against units that run the real firmware logic
 * (firmware-proto/fw/unit.c) behind a fake bus that loses requests, replies and
 * acknowledgements on demand. hallqd is a fake too: it remembers idempotency keys as the
 * server does, so "carried out once" means "one distinct key per press". Both wire styles
 * are covered: plain (the poll carries the acknowledgement) and Modbus (a write of its own).
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

	(void)ctx, (void)counter;
	if (w.server_down)
		return HQ_GW_RETRY;
	assert_int_equal(key, HQFW_KEY_CALL_NUMBER);
	for (i = 0; i < w.nkeys; i++)
		if (!strcmp(w.keys[i], idem))
			return HQ_GW_DONE; /* replayed: no effect */
	assert_true(w.nkeys < MAX_KEYS);
	snprintf(w.keys[w.nkeys++], sizeof w.keys[0], "%s", idem);
	assert_true(arg >= 1 && arg <= MAX_PRESSES);
	w.effects[arg]++;
	return HQ_GW_DONE;
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
	.press = s_press, .view = s_view, .save = s_save, .log = s_log, .now_ms = s_now,
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

/* Many presses, on a line that loses and garbles one command in five, with hallqd going
 * away now and then, units restarting when idle, the gateway restarting at any moment (it
 * keeps its state file) and sequence numbers crossing the wrap: each press carried out once. */
static void random_line_exactly_once(void **state)
{
	enum { PRESSES = 6000 };
	int modbus = *(int *)*state, pressed = 0, a, round;

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
		BOTH(random_line_exactly_once),
	};

	return cmocka_run_group_tests_name("counter gateway", tests, NULL, NULL);
}
