/*
 * The key-event ring. Consecutive pending events always have consecutive sequence numbers,
 * so an acknowledgement is found by walking at most HQFW_RING_SIZE entries.
 */
#include "ring.h"

void hqfw_ring_init(struct hqfw_ring *r)
{
	unsigned i;

	for (i = 0; i < HQFW_RING_SIZE; i++) {
		r->ev[i].seq = 0;
		r->ev[i].key = 0;
		r->ev[i].arg = 0;
	}
	r->head = 0;
	r->count = 0;
	r->next_seq = 1;
}

uint16_t hqfw_ring_push(struct hqfw_ring *r, uint8_t key, uint16_t arg)
{
	struct hqfw_event *e;
	uint16_t seq;

	if (r->count >= HQFW_RING_SIZE)
		return 0;
	seq = r->next_seq;
	e = &r->ev[(r->head + r->count) % HQFW_RING_SIZE];
	e->seq = seq;
	e->key = key;
	e->arg = arg;
	r->count++;
	/* 65535 wraps to 1: 0 is reserved for "no event". */
	r->next_seq = (uint16_t)(seq == 0xFFFFu ? 1u : seq + 1u);
	return seq;
}

unsigned hqfw_ring_ack(struct hqfw_ring *r, uint16_t seq)
{
	unsigned i, j;

	if (seq == 0)
		return 0;
	for (i = 0; i < r->count; i++) {
		if (r->ev[(r->head + i) % HQFW_RING_SIZE].seq == seq) {
			/* Wiped as they go: a sign-in's PIN stays in RAM only until acknowledged. */
			for (j = 0; j <= i; j++) {
				struct hqfw_event *e = &r->ev[(r->head + j) % HQFW_RING_SIZE];

				e->seq = 0;
				e->key = 0;
				e->arg = 0;
			}
			r->head = (uint8_t)((r->head + i + 1) % HQFW_RING_SIZE);
			r->count = (uint8_t)(r->count - (i + 1));
			return i + 1;
		}
	}
	return 0;
}

const struct hqfw_event *hqfw_ring_get(const struct hqfw_ring *r, unsigned i)
{
	if (i >= r->count)
		return 0;
	return &r->ev[(r->head + i) % HQFW_RING_SIZE];
}

void hqfw_ring_set_next_seq(struct hqfw_ring *r, uint16_t seq)
{
	if (r->count == 0 && seq != 0)
		r->next_seq = seq;
}
