/*
 * Tests of the counter-unit firmware's core on the host (firmware-proto/fw): the CRC, the
 * event ring with its sequence numbers and acknowledgement, the key rules (satisfaction keys
 * only after a finish, three or five of them, a full ring refuses the newest press), the
 * keypad's typing (numbers, the sign-in with its masked PIN, the timeout) and the PIN's wire
 * form, the display, the silence framing of the link, and the main loop driven through a
 * fake HAL whose clock the tests advance by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "crc16.h"
#include "entry.h"
#include "fw.h"
#include "link.h"
#include "ring.h"
#include "unit.h"

/* ---- CRC-16/MODBUS ---- */

static void test_crc_check_value(void **state)
{
	(void)state;
	/* The catalogue check value of CRC-16/MODBUS. */
	assert_int_equal(hqfw_crc16((const uint8_t *)"123456789", 9), 0x4B37);
	assert_int_equal(hqfw_crc16((const uint8_t *)"", 0), 0xFFFF);
}

static void test_crc_frame(void **state)
{
	/* The read-one-holding-register frame quoted in MODBUS over Serial Line 6.2.2 examples
	 * and every master's documentation: 01 03 00 00 00 01 84 0A. */
	uint8_t f[8] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x01 };

	(void)state;
	assert_int_equal(hqfw_crc16_append(f, 6), 8);
	assert_int_equal(f[6], 0x84);
	assert_int_equal(f[7], 0x0A);
	/* Over the frame with its CRC the remainder is 0; one flipped bit breaks it. */
	assert_int_equal(hqfw_crc16(f, 8), 0);
	f[2] ^= 0x10;
	assert_int_not_equal(hqfw_crc16(f, 8), 0);
	/* Computing in pieces gives the same value. */
	assert_int_equal(hqfw_crc16_update(hqfw_crc16_update(HQFW_CRC16_INIT, (const uint8_t *)"1234", 4),
					   (const uint8_t *)"56789", 5), 0x4B37);
}

/* ---- the ring ---- */

static void push_n(struct hqfw_ring *r, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		assert_int_not_equal(hqfw_ring_push(r, HQFW_KEY_CALL_NEXT, 0), 0);
}

static void test_ring_sequence(void **state)
{
	struct hqfw_ring r;

	(void)state;
	hqfw_ring_init(&r);
	assert_int_equal(hqfw_ring_push(&r, HQFW_KEY_RECALL, 0), 1);
	assert_int_equal(hqfw_ring_push(&r, HQFW_KEY_TRANSFER, 7), 2);
	assert_int_equal(r.count, 2);
	assert_int_equal(hqfw_ring_get(&r, 1)->key, HQFW_KEY_TRANSFER);
	assert_int_equal(hqfw_ring_get(&r, 1)->arg, 7);
	assert_null(hqfw_ring_get(&r, 2));
}

static void test_ring_wrap(void **state)
{
	struct hqfw_ring r;

	(void)state;
	hqfw_ring_init(&r);
	hqfw_ring_set_next_seq(&r, 65534);
	assert_int_equal(hqfw_ring_push(&r, 1, 0), 65534);
	assert_int_equal(hqfw_ring_push(&r, 1, 0), 65535);
	assert_int_equal(hqfw_ring_push(&r, 1, 0), 1); /* 0 is skipped */
	assert_int_equal(hqfw_ring_push(&r, 1, 0), 2);
	/* An acknowledgement across the wrap drops exactly the older ones. */
	assert_int_equal(hqfw_ring_ack(&r, 1), 3);
	assert_int_equal(r.count, 1);
	assert_int_equal(hqfw_ring_get(&r, 0)->seq, 2);
}

static void test_ring_ack_exact(void **state)
{
	struct hqfw_ring r;

	(void)state;
	hqfw_ring_init(&r);
	push_n(&r, 5);
	assert_int_equal(hqfw_ring_ack(&r, 3), 3);
	assert_int_equal(r.count, 2);
	assert_int_equal(hqfw_ring_get(&r, 0)->seq, 4);
	assert_int_equal(hqfw_ring_get(&r, 1)->seq, 5);
}

static void test_ring_old_ack_changes_nothing(void **state)
{
	struct hqfw_ring r;

	(void)state;
	hqfw_ring_init(&r);
	push_n(&r, 5);
	assert_int_equal(hqfw_ring_ack(&r, 3), 3);
	assert_int_equal(hqfw_ring_ack(&r, 3), 0); /* repeated */
	assert_int_equal(hqfw_ring_ack(&r, 1), 0); /* older */
	assert_int_equal(hqfw_ring_ack(&r, 0), 0); /* none */
	assert_int_equal(hqfw_ring_ack(&r, 9), 0); /* never issued */
	assert_int_equal(r.count, 2);
	assert_int_equal(hqfw_ring_get(&r, 0)->seq, 4);
}

static void test_ring_full_keeps_oldest(void **state)
{
	struct hqfw_ring r;
	unsigned i;

	(void)state;
	hqfw_ring_init(&r);
	push_n(&r, HQFW_RING_SIZE);
	assert_int_equal(hqfw_ring_push(&r, HQFW_KEY_RECALL, 0), 0);
	assert_int_equal(r.count, HQFW_RING_SIZE);
	for (i = 0; i < HQFW_RING_SIZE; i++)
		assert_int_equal(hqfw_ring_get(&r, i)->seq, i + 1);
	/* The refused press used no sequence number: the next one follows on. */
	assert_int_equal(hqfw_ring_ack(&r, 1), 1);
	assert_int_equal(hqfw_ring_push(&r, HQFW_KEY_RECALL, 0), HQFW_RING_SIZE + 1);
	assert_int_equal(hqfw_ring_get(&r, HQFW_RING_SIZE - 1)->key, HQFW_KEY_RECALL);
}

/* ---- keys ---- */

static void test_unit_boot_flag(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	assert_true(u.status & HQFW_ST_BOOT);
	hqfw_unit_key(&u, HQFW_KEY_CALL_NEXT, 0);
	hqfw_unit_key(&u, HQFW_KEY_RECALL, 0);
	/* A non-zero ack while BOOT is set is from before the restart: nothing is dropped. */
	hqfw_unit_ack(&u, 1);
	assert_true(u.status & HQFW_ST_BOOT);
	assert_int_equal(u.ring.count, 2);
	hqfw_unit_ack(&u, 0);
	assert_false(u.status & HQFW_ST_BOOT);
	assert_int_equal(u.ring.count, 2);
	hqfw_unit_ack(&u, 1);
	assert_int_equal(u.ring.count, 1);
}

static void test_rate_only_after_finish(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 0);
	assert_int_equal(u.ring.count, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_FINISH, 0), 1);
	assert_true(u.status & HQFW_ST_SAT_OPEN);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 4), 0); /* 1..3 only */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 0), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 2), 2);
	assert_int_equal(hqfw_ring_get(&u.ring, 1)->arg, 2);
	/* One finish, one rating. */
	assert_false(u.status & HQFW_ST_SAT_OPEN);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 0);
	assert_int_equal(u.ring.count, 2);
}

static void test_rate_window_closes(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 1000);
	hqfw_unit_key(&u, HQFW_KEY_FINISH, 0);
	hqfw_unit_tick(&u, 1000 + HQFW_SAT_WINDOW_MS - 1);
	assert_true(u.status & HQFW_ST_SAT_OPEN);
	hqfw_unit_tick(&u, 1000 + HQFW_SAT_WINDOW_MS);
	assert_false(u.status & HQFW_ST_SAT_OPEN);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 0);
	/* Call next closes the window too. */
	hqfw_unit_key(&u, HQFW_KEY_FINISH, 0);
	hqfw_unit_key(&u, HQFW_KEY_CALL_NEXT, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 0);
	/* So does call a typed number. */
	hqfw_unit_key(&u, HQFW_KEY_FINISH, 0);
	hqfw_unit_key(&u, HQFW_KEY_CALL_NUMBER, 12);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 0);
}

static void test_rate_needs_capability(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_KEYS | HQFW_CAP_DISPLAY, 0);
	hqfw_unit_key(&u, HQFW_KEY_FINISH, 0);
	assert_false(u.status & HQFW_ST_SAT_OPEN);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 0);
	/* A unit without keys never makes events. */
	hqfw_unit_init(&u, 3, HQFW_CAP_DISPLAY, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NEXT, 0), 0);
}

static void test_key_arguments(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_TRANSFER, 0), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NUMBER, 0), 0);
	assert_int_equal(hqfw_unit_key(&u, 0, 0), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_MAX + 1, 0), 0);
	/* Keys without an argument carry 0 whatever the keypad passed. */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_PAUSE, 99), 1);
	assert_int_equal(hqfw_ring_get(&u.ring, 0)->arg, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NUMBER, 12), 2);
	assert_int_equal(hqfw_ring_get(&u.ring, 1)->arg, 12);
}

static void test_full_ring_refuses_newest(void **state)
{
	struct hqfw_unit u;
	struct hqfw_view v;
	unsigned i;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	for (i = 0; i < HQFW_RING_SIZE; i++)
		assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NUMBER, (uint16_t)(100 + i)), i + 1);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NEXT, 0), -1);
	assert_true(u.status & HQFW_ST_REFUSED);
	hqfw_unit_view(&u, &v);
	assert_string_equal(v.text, "FULL");
	/* A refused finish does not open the satisfaction keys. */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_FINISH, 0), -1);
	assert_false(u.status & HQFW_ST_SAT_OPEN);
	assert_int_equal(hqfw_ring_get(&u.ring, 0)->arg, 100);
	hqfw_unit_tick(&u, HQFW_FULL_SHOW_MS);
	hqfw_unit_view(&u, &v);
	assert_string_equal(v.text, "----");
	/* An acknowledgement makes room and clears REFUSED; an empty one does not. */
	hqfw_unit_ack(&u, 0);
	assert_true(u.status & HQFW_ST_REFUSED);
	hqfw_unit_ack(&u, 2);
	assert_false(u.status & HQFW_ST_REFUSED);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NEXT, 0), HQFW_RING_SIZE + 1);
}

/* ---- the five-key evaluator ---- */

static void test_five_key_rating(void **state)
{
	struct hqfw_unit u;
	int level;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL5, 0);
	assert_int_equal(u.caps, 0x0F);
	/* Each of the five keys, each after its own finish. */
	for (level = 1; level <= 5; level++) {
		assert_true(hqfw_unit_key(&u, HQFW_KEY_FINISH, 0) > 0);
		assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 0), 0);
		assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 6), 0);
		assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, (uint16_t)level), 2 * level);
		assert_int_equal(hqfw_ring_get(&u.ring, (unsigned)(2 * level - 1))->arg, level);
		assert_false(u.status & HQFW_ST_SAT_OPEN);
		assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, (uint16_t)level), 0);
	}
	/* The same 60-second window as three keys. */
	hqfw_unit_key(&u, HQFW_KEY_FINISH, 0);
	hqfw_unit_tick(&u, HQFW_SAT_WINDOW_MS);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 5), 0);
	/* A three-key unit has no 4 or 5. */
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	hqfw_unit_key(&u, HQFW_KEY_FINISH, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 5), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 4), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 3), 2);
}

/* ---- typing: numbers, the sign-in with its PIN ---- */

static void view_is(const struct hqfw_unit *u, const char *want)
{
	struct hqfw_view v;

	hqfw_unit_view(u, &v);
	assert_string_equal(v.text, want);
}

static long type(struct hqfw_unit *u, const char *digits)
{
	long r = HQFW_TYPED;

	for (; *digits && r == HQFW_TYPED; digits++)
		r = hqfw_unit_key(u, HQFW_PAD_DIGIT, (uint16_t)(*digits - '0'));
	return r;
}

static void assert_wiped(const struct hqfw_unit *u)
{
	unsigned i;

	assert_int_equal(u->entry.mode, HQFW_ENTRY_NONE);
	assert_int_equal(u->entry.n, 0);
	for (i = 0; i < HQFW_PIN_MAX; i++)
		assert_int_equal(u->entry.digit[i], 0);
}

static void test_typed_number(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	assert_int_equal(type(&u, "12"), HQFW_TYPED);
	view_is(&u, "12");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_TRANSFER, 0), 1);
	assert_int_equal(hqfw_ring_get(&u.ring, 0)->arg, 12);
	view_is(&u, "----");
	/* Nothing typed: nothing to transfer to. */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_TRANSFER, 0), 0);
	/* At most 65535 and five digits; clear takes back the last digit, then the entry. */
	assert_int_equal(type(&u, "6553"), HQFW_TYPED);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_DIGIT, 6), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_DIGIT, 5), HQFW_TYPED);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_DIGIT, 0), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_DIGIT, 10), 0);
	view_is(&u, "65535");
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_CLEAR, 0), HQFW_TYPED);
	view_is(&u, "6553");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NUMBER, 0), 2);
	assert_int_equal(hqfw_ring_get(&u.ring, 1)->arg, 6553);
	assert_int_equal(type(&u, "7"), HQFW_TYPED);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_CLEAR, 0), HQFW_TYPED);
	assert_wiped(&u);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_CLEAR, 0), 0);
	/* A keypad that composes the number itself still works, and wins over digits typed. */
	type(&u, "9");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_TRANSFER, 5), 3);
	assert_int_equal(hqfw_ring_get(&u.ring, 2)->arg, 5);
	assert_wiped(&u);
	/* Typing shows over PAUS. */
	u.state = 1;
	type(&u, "4");
	view_is(&u, "4");
}

static void test_sign_in_sequence(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	assert_int_equal(type(&u, "1024"), HQFW_TYPED);
	view_is(&u, "1024");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0), HQFW_TYPED);
	assert_int_equal(u.ring.count, 0); /* nothing recorded before the PIN */
	view_is(&u, "PIn");
	assert_int_equal(type(&u, "012"), HQFW_TYPED);
	view_is(&u, "P---");
	/* Three digits are too few: the prompt stays. */
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_ENTER, 0), 0);
	assert_int_equal(u.entry.mode, HQFW_ENTRY_PIN);
	assert_int_equal(type(&u, "345"), HQFW_TYPED);
	view_is(&u, "P------");
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_DIGIT, 6), 0); /* a seventh */
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_CLEAR, 0), HQFW_TYPED);
	view_is(&u, "P-----");
	assert_int_equal(type(&u, "5"), HQFW_TYPED);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_ENTER, 0), 1);
	/* Three events together: the id, then the PIN's two halves with its leading zero. */
	assert_int_equal(u.ring.count, 3);
	assert_int_equal(hqfw_ring_get(&u.ring, 0)->key, HQFW_KEY_SIGN_IN);
	assert_int_equal(hqfw_ring_get(&u.ring, 0)->arg, 1024);
	assert_int_equal(hqfw_ring_get(&u.ring, 1)->key, HQFW_KEY_PIN);
	assert_int_equal(hqfw_ring_get(&u.ring, 1)->arg, 0x6012);
	assert_int_equal(hqfw_ring_get(&u.ring, 2)->key, HQFW_KEY_PIN);
	assert_int_equal(hqfw_ring_get(&u.ring, 2)->arg, 0x0345);
	assert_wiped(&u);
	view_is(&u, "----");
	/* Sign-out is one key, argument 0. */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_SIGN_OUT, 7), 4);
	assert_int_equal(hqfw_ring_get(&u.ring, 3)->arg, 0);
	/* Acknowledged events leave nothing of the PIN in the ring's memory. */
	hqfw_unit_ack(&u, 0);
	hqfw_unit_ack(&u, 4);
	assert_int_equal(u.ring.count, 0);
	for (unsigned i = 0; i < HQFW_RING_SIZE; i++)
		assert_int_equal(u.ring.ev[i].arg, 0);
}

static void test_sign_in_keys(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	/* No id typed: no sign-in. 12 is not a key. Enter outside a PIN does nothing. */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_PIN, 0x4123), 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_ENTER, 0), 0);
	/* A keypad that composes the id; the sign-in key again confirms (no enter key). */
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 7), HQFW_TYPED);
	type(&u, "0000");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0), 1);
	assert_int_equal(hqfw_ring_get(&u.ring, 0)->arg, 7);
	assert_int_equal(hqfw_ring_get(&u.ring, 1)->arg, 0x4000);
	assert_int_equal(hqfw_ring_get(&u.ring, 2)->arg, 0x00FF);
	/* Clear at an empty prompt abandons the sign-in. */
	type(&u, "5");
	hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_CLEAR, 0), HQFW_TYPED);
	assert_wiped(&u);
	/* Another key abandons it and is taken; the citizen's rating leaves it alone. */
	type(&u, "5");
	hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0);
	type(&u, "99");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_FINISH, 0), 4);
	assert_wiped(&u);
	type(&u, "5");
	hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0);
	type(&u, "99");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_RATE, 2), 5);
	view_is(&u, "P--");
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_CALL_NEXT, 0), 6);
	assert_wiped(&u);
	/* A unit without keys types nothing. */
	hqfw_unit_init(&u, 3, HQFW_CAP_DISPLAY, 0);
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_DIGIT, 1), 0);
}

static void test_sign_in_timeout(void **state)
{
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 1000);
	type(&u, "1024");
	hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0);
	type(&u, "12");
	/* The clock counts from the last key. */
	hqfw_unit_tick(&u, 1000 + HQFW_ENTRY_TIMEOUT_MS - 1);
	type(&u, "3");
	hqfw_unit_tick(&u, 1000 + 2 * HQFW_ENTRY_TIMEOUT_MS - 2);
	view_is(&u, "P---");
	hqfw_unit_tick(&u, 1000 + 2 * HQFW_ENTRY_TIMEOUT_MS - 1);
	assert_wiped(&u);
	view_is(&u, "----");
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_ENTER, 0), 0);
	assert_int_equal(u.ring.count, 0);
	/* A typed number times out too. */
	type(&u, "12");
	hqfw_unit_tick(&u, 1000 + 3 * HQFW_ENTRY_TIMEOUT_MS);
	assert_int_equal(hqfw_unit_key(&u, HQFW_KEY_TRANSFER, 0), 0);
}

static void test_sign_in_needs_three_places(void **state)
{
	struct hqfw_unit u;
	unsigned i;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	for (i = 0; i < HQFW_RING_SIZE - 2; i++)
		hqfw_unit_key(&u, HQFW_KEY_RECALL, 0);
	type(&u, "1024");
	hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0);
	type(&u, "1234");
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_ENTER, 0), -1);
	assert_int_equal(u.ring.count, HQFW_RING_SIZE - 2);
	assert_true(u.status & HQFW_ST_REFUSED);
	view_is(&u, "FULL");
	assert_wiped(&u);
	/* With three places it goes in whole. */
	hqfw_unit_ack(&u, 0);
	hqfw_unit_ack(&u, 1);
	type(&u, "1024");
	hqfw_unit_key(&u, HQFW_KEY_SIGN_IN, 0);
	type(&u, "1234");
	assert_int_equal(hqfw_unit_key(&u, HQFW_PAD_ENTER, 0), HQFW_RING_SIZE - 1);
	assert_int_equal(u.ring.count, HQFW_RING_SIZE);
}

static void test_pin_wire_form(void **state)
{
	static const struct { const char *pin; uint16_t first, second; } ex[] = {
		{ "012345", 0x6012, 0x0345 }, /* PROTOCOL.md 5.4's examples */
		{ "0042", 0x4004, 0x02FF },
		{ "98765", 0x5987, 0x065F },
		{ "0000", 0x4000, 0x00FF },
		{ "999999", 0x6999, 0x0999 },
	};
	static const uint16_t bad[][2] = {
		{ 0x3123, 0x0FFF }, /* three digits */
		{ 0x7123, 0x0456 }, /* seven */
		{ 0x41A3, 0x04FF }, /* not a digit */
		{ 0x4123, 0x040F }, /* padding where the fourth digit is */
		{ 0x4123, 0x04F0 }, /* a digit beyond the count */
		{ 0x6123, 0x1456 }, /* the second half's top nibble */
		{ 0x5123, 0x045F + 0x1000 },
	};
	uint8_t d[HQFW_PIN_MAX];
	uint16_t a, b;
	char out[HQFW_PIN_MAX + 1];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		n = strlen(ex[i].pin);
		for (j = 0; j < n; j++)
			d[j] = (uint8_t)(ex[i].pin[j] - '0');
		hqfw_pin_pack(d, (unsigned)n, &a, &b);
		assert_int_equal(a, ex[i].first);
		assert_int_equal(b, ex[i].second);
		assert_int_equal(hqfw_pin_unpack(a, b, out), n);
		assert_string_equal(out, ex[i].pin);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 'x', sizeof out);
		assert_int_equal(hqfw_pin_unpack(bad[i][0], bad[i][1], out), 0);
		assert_string_equal(out, "");
	}
}

/* ---- display, clock, uptime ---- */

static void test_view(void **state)
{
	uint16_t text[4] = { 0x4130, 0x3132, 0, 0 }, val;
	struct hqfw_unit u;
	struct hqfw_view v;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0);
	hqfw_unit_view(&u, &v);
	assert_string_equal(v.text, "----");
	assert_int_equal(v.brightness, 100);
	assert_int_equal(hqfw_unit_write_holding(&u, HQFW_HR_TEXT, 4, text), 0);
	hqfw_unit_view(&u, &v);
	assert_string_equal(v.text, "A012");
	val = 1;
	hqfw_unit_write_holding(&u, HQFW_HR_STATE, 1, &val);
	hqfw_unit_view(&u, &v);
	assert_string_equal(v.text, "PAUS");
	val = 2;
	hqfw_unit_write_holding(&u, HQFW_HR_STATE, 1, &val);
	hqfw_unit_view(&u, &v);
	assert_string_equal(v.text, "CLSd");
	val = 37;
	hqfw_unit_write_holding(&u, HQFW_HR_WAITING, 1, &val);
	hqfw_unit_view(&u, &v);
	assert_int_equal(v.waiting, 37);
}

static void test_uptime_and_clock(void **state)
{
	uint16_t clock[2] = { 0x6B04, 0x0540 }, r[2];
	struct hqfw_unit u;

	(void)state;
	hqfw_unit_init(&u, 3, HQFW_CAP_ALL, 0xFFFFF000u); /* near the tick's wrap */
	hqfw_unit_tick(&u, 0xFFFFF000u + 2500u);         /* wraps */
	assert_int_equal(u.uptime, 2);
	assert_int_equal(hqfw_unit_write_holding(&u, HQFW_HR_CLOCK, 2, clock), 0);
	hqfw_unit_tick(&u, 0xFFFFF000u + 5500u);
	assert_int_equal(hqfw_unit_read_holding(&u, HQFW_HR_CLOCK, 2, r), 0);
	assert_int_equal(((uint32_t)r[0] << 16) | r[1], 1795425600u + 3u);
	assert_int_equal(hqfw_unit_read_input(&u, HQFW_IR_UPTIME, 2, r), 0);
	assert_int_equal(r[1], 5);
}

/* ---- link ---- */

static void test_link_gap(void **state)
{
	(void)state;
	/* t3.5 = 4.01 ms at 9600, 2.005 ms at 19200, 1.75 ms above: whole ticks + 1. */
	assert_int_equal(hqfw_link_gap_ms(9600), 6);
	assert_int_equal(hqfw_link_gap_ms(19200), 4);
	assert_int_equal(hqfw_link_gap_ms(38400), 3);
	assert_int_equal(hqfw_link_gap_ms(115200), 3);
}

static void test_link_frames_by_silence(void **state)
{
	struct hqfw_link l;
	int i;

	(void)state;
	hqfw_link_init(&l, 19200);
	assert_int_equal(hqfw_link_frame(&l, 100), 0); /* silence alone is no frame */
	hqfw_link_byte(&l, 0x01, 10);
	hqfw_link_byte(&l, 0x02, 12); /* a short gap inside the frame */
	hqfw_link_byte(&l, 0x03, 13);
	assert_int_equal(hqfw_link_frame(&l, 16), 0);
	assert_int_equal(hqfw_link_frame(&l, 17), 3);
	assert_int_equal(l.buf[2], 0x03);
	hqfw_link_reset(&l);
	/* Too long: counted but not stored beyond the buffer. */
	for (i = 0; i < 300; i++)
		hqfw_link_byte(&l, 0x55, 20);
	assert_int_equal(hqfw_link_frame(&l, 30), 300);
	hqfw_link_reset(&l);
	hqfw_link_byte(&l, HQFW_HAL_OVERRUN, 40);
	assert_int_not_equal(hqfw_link_frame(&l, 50), 0);
	assert_true(l.overrun);
}

/* ---- the main loop through a fake HAL ---- */

struct fake {
	uint32_t now;
	uint8_t rx[300];
	size_t rx_len, rx_pos;
	uint8_t tx[300];
	size_t tx_len;
	int key;
	uint16_t key_arg;
	int beeps[4];
	unsigned draws;
	struct hqfw_view last;
};

static uint32_t f_millis(void *ctx) { return ((struct fake *)ctx)->now; }

static int f_read(void *ctx)
{
	struct fake *f = ctx;

	return f->rx_pos < f->rx_len ? f->rx[f->rx_pos++] : HQFW_HAL_NONE;
}

static void f_write(void *ctx, const uint8_t *buf, uint16_t len)
{
	struct fake *f = ctx;

	memcpy(f->tx + f->tx_len, buf, len);
	f->tx_len += len;
}

static int f_key(void *ctx, uint16_t *arg)
{
	struct fake *f = ctx;
	int k = f->key;

	*arg = f->key_arg;
	f->key = 0;
	return k;
}

static void f_display(void *ctx, const struct hqfw_view *v)
{
	struct fake *f = ctx;

	f->draws++;
	f->last = *v;
}

static void f_beep(void *ctx, enum hqfw_beep kind)
{
	((struct fake *)ctx)->beeps[kind]++;
}

static void test_main_loop(void **state)
{
	static const uint8_t poll[] = { 0x03, 0x04, 0x00, 0x07, 0x00, 0x05, 0x80, 0x2A };
	static const uint8_t show[] = { 0x03, 0x10, 0x00, 0x01, 0x00, 0x07, 0x0E, 0x41, 0x30,
					0x31, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					0x05, 0x00, 0x50, 0x2E, 0xC6 };
	struct fake f;
	struct hqfw_hal hal = { &f, f_millis, f_read, f_write, f_key, f_display, f_beep };
	struct hqfw_fw fw;

	(void)state;
	memset(&f, 0, sizeof f);
	f.now = 1000;
	hqfw_fw_init(&fw, &hal, HQFW_PROTO_MODBUS_RTU, 3, HQFW_CAP_ALL, 19200);
	hqfw_fw_step(&fw);
	assert_int_equal(f.draws, 1);
	assert_string_equal(f.last.text, "----");
	hqfw_fw_step(&fw);
	assert_int_equal(f.draws, 1); /* nothing changed, nothing drawn */

	f.key = HQFW_KEY_CALL_NEXT;
	hqfw_fw_step(&fw);
	assert_int_equal(f.beeps[HQFW_BEEP_KEY], 1);
	f.key = HQFW_KEY_RATE;
	f.key_arg = 3;
	hqfw_fw_step(&fw);
	assert_int_equal(f.beeps[HQFW_BEEP_REFUSED], 1);

	/* Typing: a digit is a click and a redraw; the PIN is drawn masked. */
	f.key = HQFW_PAD_DIGIT;
	f.key_arg = 7;
	hqfw_fw_step(&fw);
	assert_int_equal(f.beeps[HQFW_BEEP_TYPED], 1);
	assert_int_equal(f.beeps[HQFW_BEEP_KEY], 1);
	assert_string_equal(f.last.text, "7");
	f.key = HQFW_KEY_SIGN_IN;
	f.key_arg = 0;
	hqfw_fw_step(&fw);
	assert_string_equal(f.last.text, "PIn");
	f.key = HQFW_PAD_DIGIT;
	f.key_arg = 1;
	hqfw_fw_step(&fw);
	assert_string_equal(f.last.text, "P-");
	assert_int_equal(f.beeps[HQFW_BEEP_TYPED], 3);
	f.key = HQFW_PAD_CLEAR;
	hqfw_fw_step(&fw);
	f.key = HQFW_PAD_CLEAR;
	hqfw_fw_step(&fw);
	assert_string_equal(f.last.text, "----");
	assert_int_equal(f.draws, 6); /* 7, PIn, P-, PIn, ---- */
	f.draws = 1;

	/* A poll arrives; no reply until t3.5 of silence has passed. */
	memcpy(f.rx, poll, sizeof poll);
	f.rx_len = sizeof poll;
	hqfw_fw_step(&fw);
	assert_int_equal(f.tx_len, 0);
	f.now += 3;
	hqfw_fw_step(&fw);
	assert_int_equal(f.tx_len, 0);
	f.now += 1;
	hqfw_fw_step(&fw);
	assert_int_equal(f.tx_len, 15);
	assert_int_equal(f.tx[1], 0x04);
	assert_int_equal(f.tx[6], 0x01); /* pending 1 */
	assert_int_equal(f.tx[3], HQFW_ST_BOOT >> 8);
	assert_int_equal(f.tx[4], HQFW_ST_BOOT);

	/* The host shows a number: the display is redrawn once. */
	f.tx_len = 0;
	f.rx_len = f.rx_pos = 0;
	memcpy(f.rx, show, sizeof show);
	f.rx_len = sizeof show;
	hqfw_fw_step(&fw);
	f.now += 4;
	hqfw_fw_step(&fw);
	assert_int_equal(f.tx_len, 8);
	assert_int_equal(f.draws, 2);
	assert_string_equal(f.last.text, "A012");
	assert_int_equal(f.last.waiting, 5);
	assert_int_equal(f.last.brightness, 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_check_value),
		cmocka_unit_test(test_crc_frame),
		cmocka_unit_test(test_ring_sequence),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_ring_ack_exact),
		cmocka_unit_test(test_ring_old_ack_changes_nothing),
		cmocka_unit_test(test_ring_full_keeps_oldest),
		cmocka_unit_test(test_unit_boot_flag),
		cmocka_unit_test(test_rate_only_after_finish),
		cmocka_unit_test(test_rate_window_closes),
		cmocka_unit_test(test_rate_needs_capability),
		cmocka_unit_test(test_key_arguments),
		cmocka_unit_test(test_full_ring_refuses_newest),
		cmocka_unit_test(test_five_key_rating),
		cmocka_unit_test(test_typed_number),
		cmocka_unit_test(test_sign_in_sequence),
		cmocka_unit_test(test_sign_in_keys),
		cmocka_unit_test(test_sign_in_timeout),
		cmocka_unit_test(test_sign_in_needs_three_places),
		cmocka_unit_test(test_pin_wire_form),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_uptime_and_clock),
		cmocka_unit_test(test_link_gap),
		cmocka_unit_test(test_link_frames_by_silence),
		cmocka_unit_test(test_main_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
