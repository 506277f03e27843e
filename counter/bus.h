/*
 * The counter bus: one line (RS-485 or Modbus TCP) and the units on it, behind a table of
 * counter commands (poll the keys, acknowledge, show a number, set the clock) so the
 * gateway's rules never see a frame. A backend per wire form (firmware-proto/PROTOCOL.md):
 * the plain protocol over a serial port, Modbus RTU and Modbus TCP through libmodbus. Tests
 * add their own backend.
 *
 * Every command returns 0 or one of: HQ_ETIMEOUT (the unit did not answer), HQ_EFRAME (a
 * garbled, truncated or unexpected answer), HQ_EUNIT (the unit answered with an error or
 * exception), HQ_ELINK (the line itself is gone: close and connect again). None blocks
 * longer than the bus's reply timeout plus the frames' own length on the wire.
 *
 * Ownership: hq_cbus_new() returns a bus that hq_cbus_free() frees (NULL is fine).
 */
#ifndef HQ_CBUS_H
#define HQ_CBUS_H

#include <stdint.h>

#include "hq_config.h"

#define HQ_CBUS_WINDOW 8 /* events one poll can return (PROTOCOL.md 2.3 and 3.2) */

struct hq_cevent {
	uint16_t seq;
	uint8_t key;
	uint16_t arg;
};

/* What one poll found: the status bits (BOOT, REFUSED, SAT_OPEN), how many events are
 * pending, and the oldest of them. */
struct hq_cpoll {
	uint8_t status;
	int pending;
	int nev;
	struct hq_cevent ev[HQ_CBUS_WINDOW];
};

/* What a unit shows (holding registers 0x0001..0x0007). */
struct hq_cshow {
	char text[9];               /* ASCII, at most 8 characters */
	int state;                  /* 0 open, 1 paused, 2 closed */
	int waiting;
	int brightness;             /* 0..100 */
};

/* The unit's own view of itself (input registers 0x0002..0x0007, plain STATUS). */
struct hq_cstatus {
	uint8_t flags;              /* as hq_cpoll.status */
	uint32_t uptime;            /* seconds since power-up */
	uint16_t crc_errors, framing_errors, overruns;
};

struct hq_cident {
	int caps;                   /* capability bits, HQFW_CAP_* of unit.h (PROTOCOL.md 2.3) */
	char text[80];              /* "hallq-unit/1 fw=0.2 caps=keys,sat,sat5,display" */
};

struct hq_cbus;

struct hq_cbus_ops {
	const char *name;
	int (*connect)(struct hq_cbus *b);
	void (*close)(struct hq_cbus *b);
	int (*ident)(struct hq_cbus *b, int addr, struct hq_cident *id);
	/* Read the unit's status and oldest events. `ack` is the last sequence the host has
	 * processed; a backend whose poll carries it (plain) acknowledges with it. */
	int (*poll)(struct hq_cbus *b, int addr, uint16_t ack, struct hq_cpoll *out);
	/* Acknowledge on its own; NULL when poll already carries the acknowledgement. */
	int (*ack)(struct hq_cbus *b, int addr, uint16_t seq);
	/* The status without acknowledging anything: how a host that does not know L yet
	 * learns of a restart (PROTOCOL.md 4.4). */
	int (*status)(struct hq_cbus *b, int addr, struct hq_cstatus *st);
	int (*show)(struct hq_cbus *b, int addr, const struct hq_cshow *s);
	int (*clock)(struct hq_cbus *b, int addr, uint32_t unix_s);
	void (*destroy)(struct hq_cbus *b);
};

struct hq_cbus {
	const struct hq_cbus_ops *ops;
	struct hq_bus cfg;          /* a copy: the bus outlives a config reload */
	char error[256];            /* detail of the last error, for the log */
	void *impl;                 /* the backend's own state */
};

/* Status bits and key codes, PROTOCOL.md 2.3 and 5.1. */
#define HQ_CST_BOOT 0x01
#define HQ_CST_REFUSED 0x02
#define HQ_CST_SAT_OPEN 0x04

/* A bus for this config, with the backend its type names; NULL when out of memory. */
struct hq_cbus *hq_cbus_new(const struct hq_bus *cfg);
void hq_cbus_free(struct hq_cbus *b);

/* The backends (bus_plain.c, bus_modbus.c). Each fills b->impl in its connect. */
extern const struct hq_cbus_ops hq_cbus_plain;
extern const struct hq_cbus_ops hq_cbus_modbus_rtu;
extern const struct hq_cbus_ops hq_cbus_modbus_tcp;

/* Line timing, PROTOCOL.md 1.2: one character is 11 bits; t3.5 is fixed at 1750 us above
 * 19200 bit/s. In microseconds. */
long hq_cbus_char_us(int baud);
long hq_cbus_t35_us(int baud);
/* The silence between frames on a serial line: mark its end us from now, and wait for it. */
struct timespec;
void hq_cbus_quiet_from_now(struct timespec *until, long us);
void hq_cbus_wait_quiet(const struct timespec *until);

#endif
