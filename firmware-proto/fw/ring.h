/*
 * The key-event ring: presses waiting for the host's acknowledgement, each with a sequence
 * number 1..65535 that wraps to 1 (0 means "none"). See PROTOCOL.md section 4: an event
 * leaves the ring only when the host acknowledges its sequence number or a later one, and a
 * press that finds the ring full is refused rather than pushing an older event out.
 */
#ifndef HQFW_RING_H
#define HQFW_RING_H

#include <stdint.h>

#define HQFW_RING_SIZE 16

struct hqfw_event {
	uint16_t seq;
	uint8_t key;
	uint16_t arg;
};

struct hqfw_ring {
	struct hqfw_event ev[HQFW_RING_SIZE];
	uint8_t head;      /* index of the oldest pending event */
	uint8_t count;     /* pending events */
	uint16_t next_seq; /* sequence number of the next press */
};

void hqfw_ring_init(struct hqfw_ring *r);
/* Record a press; returns its sequence number, or 0 when the ring is full (nothing recorded). */
uint16_t hqfw_ring_push(struct hqfw_ring *r, uint8_t key, uint16_t arg);
/* Acknowledge: if seq is pending, drop it and every older event; returns how many were
 * dropped (0 for an unknown, repeated or zero sequence number). */
unsigned hqfw_ring_ack(struct hqfw_ring *r, uint16_t seq);
/* The i-th pending event, oldest first; NULL when i >= count. */
const struct hqfw_event *hqfw_ring_get(const struct hqfw_ring *r, unsigned i);
/* Start numbering at seq (tests use it to reach the wrap quickly); only when empty. */
void hqfw_ring_set_next_seq(struct hqfw_ring *r, uint16_t seq);

#endif
