/*
 * Modbus RTU and Modbus TCP units (firmware-proto/PROTOCOL.md section 2) through libmodbus.
 * One modbus_t a bus, created once and connected again after the line went away, as
 * libmodbus intends. Error recovery is MODBUS_ERROR_RECOVERY_PROTOCOL only: with ..._LINK,
 * libmodbus retries a vanished port for ever inside the call, and a dead port must cost one
 * timeout, not the whole line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modbus/modbus.h>

#include "bus.h"
#include "hq_error.h"
#include "port.h"
#include "unit.h"

struct mb {
	modbus_t *ctx;
	char parity;                 /* the one ctx was made with */
	int connected;
	struct timespec quiet_until; /* RTU: t3.5 of silence between frames */
	long t35_us;
};

static int bus_fail(struct hq_cbus *b, int rc, int addr, const char *what)
{
	snprintf(b->error, sizeof b->error, "%s unit %d: %s", b->cfg.key, addr, what);
	return rc;
}

/* What a failed libmodbus call means for the gateway, from its errno. */
static int mb_error(struct hq_cbus *b, int addr)
{
	int e = errno;
	const char *msg = modbus_strerror(e);

	switch (e) {
	case ETIMEDOUT:
	case EMBXGTAR: /* a TCP gateway says the unit behind it did not answer */
	case EMBXGPATH:
		return bus_fail(b, HQ_ETIMEOUT, addr, e == ETIMEDOUT ? "no reply" : msg);
	case EMBBADCRC:
	case EMBBADDATA:
	case EMBBADEXC:
	case EMBUNKEXC:
	case EMBMDATA:
	case EMBBADSLAVE:
	case EMSGSIZE:
		return bus_fail(b, HQ_EFRAME, addr, msg);
	case EMBXILFUN:
	case EMBXILADD:
	case EMBXILVAL:
	case EMBXSFAIL:
	case EMBXACK:
	case EMBXSBUSY:
	case EMBXNACK:
	case EMBXMEMPAR:
		return bus_fail(b, HQ_EUNIT, addr, msg);
	default: /* EIO, ECONNRESET, EPIPE, EBADF, ...: the line is gone */
		return bus_fail(b, HQ_ELINK, addr, msg);
	}
}

/* The context for this line. libmodbus fixes the character format when it creates one, and
 * Linux refuses a parity bit on a pty (a virtual cable has no wire anyway), so a path that
 * turns out to be a pty gets a context without parity. */
static int mb_context(struct hq_cbus *b, struct mb *m)
{
	int tcp = b->cfg.type == HQ_BUS_MODBUS_TCP;
	char port[16], parity = !tcp && hq_port_is_pty(b->cfg.port) ? 'N' : b->cfg.parity ? b->cfg.parity : 'E';
	long to = b->cfg.timeout_ms;

	if (m->ctx && m->parity == parity)
		return HQ_OK;
	modbus_free(m->ctx);
	snprintf(port, sizeof port, "%d", b->cfg.tcp_port);
	m->ctx = tcp ? modbus_new_tcp_pi(b->cfg.port, port)
		     : modbus_new_rtu(b->cfg.port, b->cfg.baud, parity, 8, parity == 'N' ? 2 : 1);
	if (!m->ctx)
		return bus_fail(b, HQ_EINVAL, 0, modbus_strerror(errno));
	m->parity = parity;
	modbus_set_error_recovery(m->ctx, MODBUS_ERROR_RECOVERY_PROTOCOL);
	modbus_set_response_timeout(m->ctx, (uint32_t)(to / 1000), (uint32_t)(to % 1000 * 1000));
	m->t35_us = tcp ? 0 : hq_cbus_t35_us(b->cfg.baud);
	/* Between two bytes of one reply: the t1.5 limit is too strict for USB adapters and
	 * ptys, which deliver in bursts. */
	modbus_set_byte_timeout(m->ctx, 0, (uint32_t)(5000 + hq_cbus_char_us(tcp ? 115200 : b->cfg.baud) * 4));
	return HQ_OK;
}

static int mb_connect(struct hq_cbus *b)
{
	struct mb *m = b->impl;
	int rc;

	if (!m) {
		if (!(m = calloc(1, sizeof *m)))
			return HQ_ENOMEM;
		b->impl = m;
	}
	if (m->connected) {
		modbus_close(m->ctx);
		m->connected = 0;
	}
	if ((rc = mb_context(b, m)))
		return rc;
	if (modbus_connect(m->ctx) < 0) {
		if (b->cfg.type == HQ_BUS_MODBUS_TCP)
			snprintf(b->error, sizeof b->error, "%s:%d: %s", b->cfg.port, b->cfg.tcp_port,
				 modbus_strerror(errno));
		else
			snprintf(b->error, sizeof b->error, "%s: %s", b->cfg.port, modbus_strerror(errno));
		return HQ_ELINK;
	}
	m->connected = 1;
	/* Bytes left in the driver from before (a unit that talked while we were away) would
	 * be taken for the start of the first reply. */
	modbus_flush(m->ctx);
	clock_gettime(CLOCK_MONOTONIC, &m->quiet_until);
	return HQ_OK;
}

static void mb_close(struct hq_cbus *b)
{
	struct mb *m = b->impl;

	if (m && m->connected) {
		modbus_close(m->ctx);
		m->connected = 0;
	}
}

static void mb_destroy(struct hq_cbus *b)
{
	struct mb *m = b->impl;

	if (!m)
		return;
	mb_close(b);
	if (m->ctx)
		modbus_free(m->ctx);
	free(m);
	b->impl = NULL;
}

/* Before a request: pick the unit, and on RTU keep the t3.5 silence after the last frame
 * (libmodbus does not). */
static int begin(struct hq_cbus *b, int addr)
{
	struct mb *m = b->impl;

	if (!m || !m->connected)
		return bus_fail(b, HQ_ELINK, addr, "line is closed");
	if (m->t35_us)
		hq_cbus_wait_quiet(&m->quiet_until);
	modbus_set_slave(m->ctx, addr);
	return HQ_OK;
}

static int end(struct hq_cbus *b, int addr, int ok)
{
	struct mb *m = b->impl;

	if (m->t35_us)
		hq_cbus_quiet_from_now(&m->quiet_until, m->t35_us);
	return ok ? HQ_OK : mb_error(b, addr);
}

static int mb_ident(struct hq_cbus *b, int addr, struct hq_cident *id)
{
	struct mb *m = b->impl;
	uint8_t d[MODBUS_MAX_PDU_LENGTH];
	uint16_t caps;
	int n, rc;

	if ((rc = begin(b, addr)))
		return rc;
	n = modbus_report_slave_id(m->ctx, sizeof d, d);
	if ((rc = end(b, addr, n >= 2)))
		return rc;
	snprintf(id->text, sizeof id->text, "%.*s", n - 2, (const char *)d + 2);
	if ((rc = begin(b, addr)))
		return rc;
	n = modbus_read_input_registers(m->ctx, HQFW_IR_CAPS, 1, &caps);
	if ((rc = end(b, addr, n == 1)))
		return rc;
	id->caps = caps;
	return HQ_OK;
}

static void take_events(struct hq_cpoll *out, const uint16_t *r, int n)
{
	int i;

	for (i = 0; i < n && out->nev < HQ_CBUS_WINDOW; i++, r += 3) {
		if (r[0] == 0)
			break;
		out->ev[out->nev].seq = r[0];
		out->ev[out->nev].key = (uint8_t)r[1];
		out->ev[out->nev].arg = r[2];
		out->nev++;
	}
}

static int mb_poll(struct hq_cbus *b, int addr, uint16_t ack, struct hq_cpoll *out)
{
	struct mb *m = b->impl;
	uint16_t r[3 * HQ_CBUS_WINDOW];
	int n, rc, more;

	(void)ack; /* Modbus acknowledges with its own write, mb_ack */
	if ((rc = begin(b, addr)))
		return rc;
	n = modbus_read_input_registers(m->ctx, HQFW_IR_STATUS, 5, r);
	if ((rc = end(b, addr, n == 5)))
		return rc;
	out->status = (uint8_t)r[0];
	out->pending = r[1];
	out->nev = 0;
	take_events(out, r + 2, 1);
	/* More than one pending: read the rest of the window in a second request. */
	more = (out->pending < HQ_CBUS_WINDOW ? out->pending : HQ_CBUS_WINDOW) - 1;
	if (out->nev == 1 && more > 0) {
		if ((rc = begin(b, addr)))
			return rc;
		n = modbus_read_input_registers(m->ctx, HQFW_IR_EVENTS + 3, 3 * more, r);
		if ((rc = end(b, addr, n == 3 * more)))
			return rc;
		take_events(out, r, more);
	}
	return HQ_OK;
}

static int mb_ack(struct hq_cbus *b, int addr, uint16_t seq)
{
	struct mb *m = b->impl;
	int rc;

	if ((rc = begin(b, addr)))
		return rc;
	return end(b, addr, modbus_write_register(m->ctx, HQFW_HR_ACK, seq) == 1);
}

static int mb_status(struct hq_cbus *b, int addr, struct hq_cstatus *st)
{
	struct mb *m = b->impl;
	uint16_t r[6];
	int rc;

	if ((rc = begin(b, addr)))
		return rc;
	if ((rc = end(b, addr, modbus_read_input_registers(m->ctx, HQFW_IR_UPTIME, 6, r) == 6)))
		return rc;
	st->uptime = (uint32_t)r[0] << 16 | r[1];
	st->crc_errors = r[2];
	st->framing_errors = r[3];
	st->overruns = r[4];
	st->flags = (uint8_t)r[5];
	return HQ_OK;
}

static int mb_show(struct hq_cbus *b, int addr, const struct hq_cshow *s)
{
	struct mb *m = b->impl;
	uint16_t v[7] = { 0 };
	size_t i, n = strnlen(s->text, 8);
	int rc;

	/* Two ASCII bytes a register, high byte first (PROTOCOL.md 2.4). */
	for (i = 0; i < n; i++)
		v[i / 2] |= (uint16_t)((uint8_t)s->text[i] << (i % 2 ? 0 : 8));
	v[4] = (uint16_t)s->state;
	v[5] = (uint16_t)(s->waiting > 0xFFFF ? 0xFFFF : s->waiting);
	v[6] = (uint16_t)s->brightness;
	if ((rc = begin(b, addr)))
		return rc;
	return end(b, addr, modbus_write_registers(m->ctx, HQFW_HR_TEXT, 7, v) == 7);
}

static int mb_clock(struct hq_cbus *b, int addr, uint32_t t)
{
	struct mb *m = b->impl;
	uint16_t v[2] = { (uint16_t)(t >> 16), (uint16_t)t };
	int rc;

	if ((rc = begin(b, addr)))
		return rc;
	return end(b, addr, modbus_write_registers(m->ctx, HQFW_HR_CLOCK, 2, v) == 2);
}

/* RTU and TCP differ only inside libmodbus, below these commands. */
#define MODBUS_OPS(kind) { \
	.name = kind, .connect = mb_connect, .close = mb_close, .ident = mb_ident, \
	.poll = mb_poll, .ack = mb_ack, .status = mb_status, .show = mb_show, \
	.clock = mb_clock, .destroy = mb_destroy, \
}

const struct hq_cbus_ops hq_cbus_modbus_rtu = MODBUS_OPS("modbus-rtu");
const struct hq_cbus_ops hq_cbus_modbus_tcp = MODBUS_OPS("modbus-tcp");
