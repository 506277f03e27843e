/*
 * The counter unit's rules: which presses become events, the acknowledgement, the register
 * map and the display. Byte layouts follow PROTOCOL.md sections 2.3, 2.4, 4 and 5; the
 * typing before a key (numbers, the PIN) is entry.c's.
 */
#include "unit.h"

static void put_str(struct hqfw_unit *u, const char *s)
{
	while (*s && u->ident_len < HQFW_IDENT_MAX - 1)
		u->ident[u->ident_len++] = *s++;
	u->ident[u->ident_len] = '\0';
}

static void put_cap(struct hqfw_unit *u, const char *name, int *first)
{
	if (!*first)
		put_str(u, ",");
	put_str(u, name);
	*first = 0;
}

/* The Report Server ID string, PROTOCOL.md 2.2; built once, without printf. */
static void build_ident(struct hqfw_unit *u)
{
	char ver[4];
	int first = 1;

	u->ident_len = 0;
	put_str(u, "hallq-unit/1 fw=");
	ver[0] = (char)('0' + HQFW_FW_MAJOR);
	ver[1] = '.';
	ver[2] = (char)('0' + HQFW_FW_MINOR);
	ver[3] = '\0';
	put_str(u, ver);
	put_str(u, " caps=");
	if (u->caps & HQFW_CAP_KEYS)
		put_cap(u, "keys", &first);
	if (u->caps & HQFW_CAP_SAT)
		put_cap(u, "sat", &first);
	if (u->caps & HQFW_CAP_SAT5)
		put_cap(u, "sat5", &first);
	if (u->caps & HQFW_CAP_DISPLAY)
		put_cap(u, "display", &first);
}

void hqfw_unit_init(struct hqfw_unit *u, uint8_t address, uint8_t caps, uint32_t now_ms)
{
	unsigned i;

	u->address = address;
	/* Five evaluator keys are satisfaction keys too: a host that knows only "sat" still
	 * sees that the unit has them (PROTOCOL.md 5.2). */
	u->caps = (caps & HQFW_CAP_SAT5) ? (uint8_t)(caps | HQFW_CAP_SAT) : caps;
	build_ident(u);
	hqfw_ring_init(&u->ring);
	u->status = HQFW_ST_BOOT;
	u->ack = 0;
	for (i = 0; i < sizeof u->text; i++)
		u->text[i] = 0;
	u->state = 0;
	u->waiting = 0;
	u->brightness = 100;
	u->clock = 0;
	u->uptime = 0;
	u->last_ms = now_ms;
	u->ms_acc = 0;
	u->sat_left_ms = 0;
	u->full_left_ms = 0;
	hqfw_entry_clear(&u->entry);
	u->crc_errors = 0;
	u->framing_errors = 0;
	u->overruns = 0;
}

static uint32_t count_down(uint32_t left, uint32_t elapsed)
{
	return left > elapsed ? left - elapsed : 0;
}

void hqfw_unit_tick(struct hqfw_unit *u, uint32_t now_ms)
{
	/* Unsigned subtraction stays right across the 49.7-day wrap of the tick. */
	uint32_t elapsed = now_ms - u->last_ms;

	u->last_ms = now_ms;
	u->ms_acc += elapsed;
	while (u->ms_acc >= 1000u) {
		u->ms_acc -= 1000u;
		u->uptime++;
		if (u->clock)
			u->clock++;
	}
	if (u->status & HQFW_ST_SAT_OPEN) {
		u->sat_left_ms = count_down(u->sat_left_ms, elapsed);
		if (u->sat_left_ms == 0)
			u->status &= (uint8_t)~HQFW_ST_SAT_OPEN;
	}
	u->full_left_ms = count_down(u->full_left_ms, elapsed);
	hqfw_entry_tick(&u->entry, elapsed);
}

/* PROTOCOL.md 4.5: refuse the newest, keep every unacknowledged press. */
static long refuse_full(struct hqfw_unit *u)
{
	u->status |= HQFW_ST_REFUSED;
	u->full_left_ms = HQFW_FULL_SHOW_MS;
	return -1;
}

/* The PIN confirmed: the sign-in's three events go into the ring together, or none of them
 * (the host takes them as one request), and the PIN leaves the keypad's memory. */
static long record_sign_in(struct hqfw_unit *u)
{
	struct hqfw_entry *e = &u->entry;
	uint16_t first, second, seq;

	if (e->n < HQFW_PIN_MIN)
		return 0; /* too short: the prompt stays for more digits */
	if (u->ring.count > HQFW_RING_SIZE - HQFW_SIGN_IN_EVENTS) {
		hqfw_entry_clear(e);
		return refuse_full(u);
	}
	hqfw_pin_pack(e->digit, e->n, &first, &second);
	seq = hqfw_ring_push(&u->ring, HQFW_KEY_SIGN_IN, e->clerk);
	(void)hqfw_ring_push(&u->ring, HQFW_KEY_PIN, first);
	(void)hqfw_ring_push(&u->ring, HQFW_KEY_PIN, second);
	hqfw_entry_clear(e);
	return (long)seq;
}

/* The keypad's own keys: typing, never an event by themselves except a confirmed PIN. */
static long pad_key(struct hqfw_unit *u, int key, uint16_t arg)
{
	switch (key) {
	case HQFW_PAD_DIGIT:
		return hqfw_entry_digit(&u->entry, arg) ? HQFW_TYPED : 0;
	case HQFW_PAD_CLEAR:
		return hqfw_entry_back(&u->entry) ? HQFW_TYPED : 0;
	case HQFW_PAD_ENTER:
		return u->entry.mode == HQFW_ENTRY_PIN ? record_sign_in(u) : 0;
	default:
		return 0;
	}
}

long hqfw_unit_key(struct hqfw_unit *u, int key, uint16_t arg)
{
	uint16_t seq;

	if (!(u->caps & HQFW_CAP_KEYS))
		return 0;
	if (key >= HQFW_PAD_DIGIT)
		return pad_key(u, key, arg);
	if (key < 1 || key > HQFW_KEY_MAX)
		return 0;
	switch (key) {
	case HQFW_KEY_RATE:
		/* PROTOCOL.md 5.2: only while the window opened by a finish is open, and only a
		 * score the evaluator has. The citizen's keys leave the clerk's typing alone. */
		if (!(u->status & HQFW_ST_SAT_OPEN) || arg < 1 || arg > HQFW_EVALUATOR_KEYS(u->caps))
			return 0;
		break;
	case HQFW_KEY_TRANSFER:
	case HQFW_KEY_CALL_NUMBER:
		/* The number composed by the keypad, or else the one typed (PROTOCOL.md 5.4). */
		if (arg == 0)
			arg = hqfw_entry_take_number(&u->entry);
		hqfw_entry_clear(&u->entry);
		if (arg == 0)
			return 0;
		break;
	case HQFW_KEY_SIGN_IN:
		/* Pressed again at the PIN prompt it confirms, as the enter key does. */
		if (u->entry.mode == HQFW_ENTRY_PIN)
			return record_sign_in(u);
		if (arg == 0)
			arg = hqfw_entry_take_number(&u->entry);
		if (arg == 0)
			return 0;
		hqfw_entry_ask_pin(&u->entry, arg);
		return HQFW_TYPED;
	case HQFW_KEY_PIN:
		return 0; /* not a key: only a sign-in makes these events */
	default:
		/* Another key ends what was being typed, a PIN prompt included. */
		hqfw_entry_clear(&u->entry);
		arg = 0;
		break;
	}
	seq = hqfw_ring_push(&u->ring, (uint8_t)key, arg);
	if (seq == 0)
		return refuse_full(u);
	switch (key) {
	case HQFW_KEY_FINISH:
		if (u->caps & HQFW_CAP_SAT) {
			u->status |= HQFW_ST_SAT_OPEN;
			u->sat_left_ms = HQFW_SAT_WINDOW_MS;
		}
		break;
	case HQFW_KEY_RATE:
	case HQFW_KEY_CALL_NEXT:
	case HQFW_KEY_CALL_NUMBER:
		u->status &= (uint8_t)~HQFW_ST_SAT_OPEN;
		u->sat_left_ms = 0;
		break;
	default:
		break;
	}
	return (long)seq;
}

void hqfw_unit_ack(struct hqfw_unit *u, uint16_t seq)
{
	u->ack = seq;
	if (seq == 0) {
		/* PROTOCOL.md 4.4: the host has reset its memory of this unit. */
		u->status &= (uint8_t)~HQFW_ST_BOOT;
		return;
	}
	/* Until the host has said it knows about the restart, a non-zero acknowledgement is a
	 * sequence number from before it and must not drop the new events that reuse it. */
	if (u->status & HQFW_ST_BOOT)
		return;
	if (hqfw_ring_ack(&u->ring, seq) > 0)
		u->status &= (uint8_t)~HQFW_ST_REFUSED;
}

static uint16_t input_reg(const struct hqfw_unit *u, uint16_t a)
{
	const struct hqfw_event *e;

	switch (a) {
	case HQFW_IR_VERSION: return HQFW_PROTOCOL_VERSION;
	case HQFW_IR_CAPS: return u->caps;
	case HQFW_IR_UPTIME: return (uint16_t)(u->uptime >> 16);
	case HQFW_IR_UPTIME + 1: return (uint16_t)(u->uptime & 0xFFFFu);
	case HQFW_IR_CRC_ERRORS: return u->crc_errors;
	case HQFW_IR_FRAMING_ERRORS: return u->framing_errors;
	case HQFW_IR_OVERRUNS: return u->overruns;
	case HQFW_IR_STATUS: return u->status;
	case HQFW_IR_PENDING: return u->ring.count;
	default: break;
	}
	e = hqfw_ring_get(&u->ring, (unsigned)(a - HQFW_IR_EVENTS) / 3u);
	if (!e)
		return 0;
	switch ((a - HQFW_IR_EVENTS) % 3u) {
	case 0: return e->seq;
	case 1: return e->key;
	default: return e->arg;
	}
}

int hqfw_unit_read_input(const struct hqfw_unit *u, uint16_t addr, uint16_t qty, uint16_t *out)
{
	uint16_t i;

	if ((uint32_t)addr + qty > HQFW_IR_COUNT)
		return HQFW_EX_ILLEGAL_ADDRESS;
	for (i = 0; i < qty; i++)
		out[i] = input_reg(u, (uint16_t)(addr + i));
	return 0;
}

static uint16_t holding_reg(const struct hqfw_unit *u, uint16_t a)
{
	switch (a) {
	case HQFW_HR_ACK: return u->ack;
	case HQFW_HR_STATE: return u->state;
	case HQFW_HR_WAITING: return u->waiting;
	case HQFW_HR_BRIGHTNESS: return u->brightness;
	case HQFW_HR_CLOCK: return (uint16_t)(u->clock >> 16);
	case HQFW_HR_CLOCK + 1: return (uint16_t)(u->clock & 0xFFFFu);
	default: break;
	}
	/* Display text: two ASCII bytes a register, high byte first. */
	a = (uint16_t)((a - HQFW_HR_TEXT) * 2u);
	return (uint16_t)((u->text[a] << 8) | u->text[a + 1]);
}

int hqfw_unit_read_holding(const struct hqfw_unit *u, uint16_t addr, uint16_t qty, uint16_t *out)
{
	uint16_t i;

	if ((uint32_t)addr + qty > HQFW_HR_COUNT)
		return HQFW_EX_ILLEGAL_ADDRESS;
	for (i = 0; i < qty; i++)
		out[i] = holding_reg(u, (uint16_t)(addr + i));
	return 0;
}

static int text_byte_ok(unsigned b)
{
	return b == 0 || (b >= 0x20u && b <= 0x7Eu);
}

int hqfw_unit_write_holding(struct hqfw_unit *u, uint16_t addr, uint16_t qty, const uint16_t *val)
{
	uint32_t end = (uint32_t)addr + qty;
	uint16_t i, a;

	if (qty == 0 || end > HQFW_HR_COUNT)
		return HQFW_EX_ILLEGAL_ADDRESS;
	/* The clock is written whole or not at all (PROTOCOL.md 2.4). */
	if ((addr <= HQFW_HR_CLOCK && end > HQFW_HR_CLOCK && end < HQFW_HR_CLOCK + 2u) ||
	    addr == HQFW_HR_CLOCK + 1u)
		return HQFW_EX_ILLEGAL_ADDRESS;
	for (i = 0; i < qty; i++) {
		a = (uint16_t)(addr + i);
		if (a >= HQFW_HR_TEXT && a < HQFW_HR_STATE &&
		    (!text_byte_ok(val[i] >> 8) || !text_byte_ok(val[i] & 0xFFu)))
			return HQFW_EX_ILLEGAL_VALUE;
		if (a == HQFW_HR_STATE && val[i] > 2)
			return HQFW_EX_ILLEGAL_VALUE;
		if (a == HQFW_HR_BRIGHTNESS && val[i] > 100)
			return HQFW_EX_ILLEGAL_VALUE;
	}
	for (i = 0; i < qty; i++) {
		a = (uint16_t)(addr + i);
		if (a == HQFW_HR_ACK) {
			hqfw_unit_ack(u, val[i]);
		} else if (a < HQFW_HR_STATE) {
			u->text[(a - HQFW_HR_TEXT) * 2u] = (uint8_t)(val[i] >> 8);
			u->text[(a - HQFW_HR_TEXT) * 2u + 1u] = (uint8_t)(val[i] & 0xFFu);
		} else if (a == HQFW_HR_STATE) {
			u->state = val[i];
		} else if (a == HQFW_HR_WAITING) {
			u->waiting = val[i];
		} else if (a == HQFW_HR_BRIGHTNESS) {
			u->brightness = val[i];
		} else if (a == HQFW_HR_CLOCK) {
			u->clock = ((uint32_t)val[i] << 16) | val[i + 1];
			u->ms_acc = 0;
			i++;
		}
	}
	return 0;
}

static void set_text(struct hqfw_view *v, const char *s)
{
	unsigned i;

	for (i = 0; i < 8 && s[i]; i++)
		v->text[i] = s[i];
	v->text[i] = '\0';
}

void hqfw_unit_view(const struct hqfw_unit *u, struct hqfw_view *v)
{
	unsigned i;

	v->waiting = u->waiting;
	v->brightness = (uint8_t)u->brightness;
	v->sat_open = (u->status & HQFW_ST_SAT_OPEN) ? 1 : 0;
	if (u->full_left_ms) {
		set_text(v, "FULL");
	} else if (hqfw_entry_view(&u->entry, v->text)) {
		/* What the clerk types shows over the host's text, even at a paused counter. */
	} else if (u->state == 1) {
		set_text(v, "PAUS");
	} else if (u->state == 2) {
		set_text(v, "CLSd");
	} else if (u->text[0] == 0) {
		set_text(v, "----");
	} else {
		for (i = 0; i < 8 && u->text[i]; i++)
			v->text[i] = (char)u->text[i];
		v->text[i] = '\0';
	}
}
