/*
 * The plain framed protocol (firmware-proto/PROTOCOL.md section 3) from the host's side:
 * one request, one reply, on a half-duplex line the host alone starts talking on. Frames
 * are built and checked with the firmware's own code (plain.h, crc16.h), so host and unit
 * cannot disagree about a byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.h"
#include "crc16.h"
#include "hq_error.h"
#include "plain.h"
#include "port.h"

struct plain {
	struct hq_port *port;
	struct timespec quiet_until; /* the line must stay silent until then (t3.5) */
	long t35_us;
	int gap_ms;                  /* a longer pause inside a reply ends it */
};

static void mark_quiet(struct plain *p)
{
	hq_cbus_quiet_from_now(&p->quiet_until, p->t35_us);
}

static int bus_fail(struct hq_cbus *b, int rc, int addr, const char *fmt, const char *detail)
{
	char what[160];

	snprintf(what, sizeof what, fmt, detail);
	snprintf(b->error, sizeof b->error, "%s unit %d: %s", b->cfg.key, addr, what);
	return rc;
}

static int plain_connect(struct hq_cbus *b)
{
	struct plain *p = b->impl;
	int rc;

	if (!p) {
		if (!(p = calloc(1, sizeof *p)))
			return HQ_ENOMEM;
		if (!(p->port = hq_port_new(b->cfg.port, b->cfg.baud, b->cfg.parity))) {
			free(p);
			return HQ_ENOMEM;
		}
		p->t35_us = hq_cbus_t35_us(b->cfg.baud);
		/* 1.5 characters is the strict limit (MBSL 2.5.1.1); ptys and USB adapters
		 * deliver in bursts, so allow a few milliseconds more. */
		p->gap_ms = 5 + (int)(hq_cbus_char_us(b->cfg.baud) * 4 / 1000);
		b->impl = p;
	}
	if ((rc = hq_port_connect(p->port))) {
		snprintf(b->error, sizeof b->error, "%s", hq_port_error(p->port));
		return rc;
	}
	mark_quiet(p);
	return HQ_OK;
}

static void plain_close(struct hq_cbus *b)
{
	struct plain *p = b->impl;

	if (p)
		hq_port_close(p->port);
}

static void plain_destroy(struct hq_cbus *b)
{
	struct plain *p = b->impl;

	if (p)
		hq_port_free(p->port);
	free(p);
	b->impl = NULL;
}

/* After a bad reply, wait until the line is silent, so the next request does not meet the
 * tail of this one. */
static void resync(struct plain *p)
{
	uint8_t junk[64];
	int i;

	for (i = 0; i < 16 && hq_port_read(p->port, junk, sizeof junk, p->gap_ms, p->gap_ms) > 0; i++)
		;
	mark_quiet(p);
}

/*
 * One request and its reply. The reply's payload goes to pay (HQFW_PLAIN_PAYLOAD_MAX bytes),
 * its length to *plen. A request to address 0 (broadcast) gets no reply.
 */
static int transact(struct hq_cbus *b, int addr, uint8_t cmd, const uint8_t *req, uint8_t rlen,
		    uint8_t *pay, size_t *plen)
{
	struct plain *p = b->impl;
	uint8_t f[HQFW_PLAIN_FRAME_MAX];
	size_t n = hqfw_plain_build(f, (uint8_t)addr, cmd, req, rlen);
	int got, rc;

	if (!p || !hq_port_is_open(p->port))
		return bus_fail(b, HQ_ELINK, addr, "%s", "line is closed");
	hq_cbus_wait_quiet(&p->quiet_until);
	if ((rc = hq_port_flush(p->port)) || (rc = hq_port_write(p->port, f, n)))
		return bus_fail(b, rc, addr, "%s", hq_port_error(p->port));
	if (addr == 0) {
		mark_quiet(p);
		return HQ_OK;
	}
	got = hq_port_read(p->port, f, 4, b->cfg.timeout_ms, p->gap_ms);
	if (got < 0)
		return bus_fail(b, got, addr, "%s", hq_port_error(p->port));
	if (got == 0) {
		mark_quiet(p);
		return bus_fail(b, HQ_ETIMEOUT, addr, "%s", "no reply");
	}
	if (got < 4 || f[0] != HQFW_PLAIN_SOF || f[1] != addr || f[3] > HQFW_PLAIN_PAYLOAD_MAX) {
		resync(p);
		return bus_fail(b, HQ_EFRAME, addr, "%s", got < 4 ? "reply cut short" : "bad reply header");
	}
	n = 4 + f[3] + 2u;
	got = hq_port_read(p->port, f + 4, n - 4, p->gap_ms, p->gap_ms);
	if (got < 0)
		return bus_fail(b, got, addr, "%s", hq_port_error(p->port));
	if ((size_t)got != n - 4 || hqfw_crc16(f + 1, n - 1) != 0) {
		resync(p);
		return bus_fail(b, HQ_EFRAME, addr, "%s", (size_t)got != n - 4 ? "reply cut short" : "bad CRC");
	}
	mark_quiet(p);
	if (f[2] == HQFW_PLAIN_ERROR)
		return bus_fail(b, HQ_EUNIT, addr, "refused: %s",
				f[3] >= 2 && f[5] == HQFW_PLAIN_E_VALUE ? "bad value" :
				f[3] >= 2 && f[5] == HQFW_PLAIN_E_LENGTH ? "bad length" : "unknown command");
	if (f[2] != (cmd | HQFW_PLAIN_REPLY))
		return bus_fail(b, HQ_EFRAME, addr, "%s", "reply to another command");
	memcpy(pay, f + 4, f[3]);
	*plen = f[3];
	return HQ_OK;
}

static int plain_ident(struct hq_cbus *b, int addr, struct hq_cident *id)
{
	uint8_t pay[HQFW_PLAIN_PAYLOAD_MAX];
	size_t n;
	int rc = transact(b, addr, HQFW_PLAIN_IDENT, NULL, 0, pay, &n);

	if (rc)
		return rc;
	if (n < 2)
		return bus_fail(b, HQ_EFRAME, addr, "%s", "short IDENT reply");
	id->caps = pay[1];
	snprintf(id->text, sizeof id->text, "%.*s", (int)(n - 2), (const char *)pay + 2);
	return HQ_OK;
}

static int plain_poll(struct hq_cbus *b, int addr, uint16_t ack, struct hq_cpoll *out)
{
	uint8_t req[2] = { (uint8_t)(ack >> 8), (uint8_t)ack }, pay[HQFW_PLAIN_PAYLOAD_MAX];
	size_t n;
	int i, rc = transact(b, addr, HQFW_PLAIN_POLL, req, 2, pay, &n);

	if (rc)
		return rc;
	if (n < 2 || (n - 2) % 5 || (n - 2) / 5 > HQ_CBUS_WINDOW)
		return bus_fail(b, HQ_EFRAME, addr, "%s", "bad POLL reply length");
	out->status = pay[0];
	out->pending = pay[1];
	out->nev = (int)(n - 2) / 5;
	for (i = 0; i < out->nev; i++) {
		const uint8_t *e = pay + 2 + 5 * i;

		out->ev[i].seq = (uint16_t)(e[0] << 8 | e[1]);
		out->ev[i].key = e[2];
		out->ev[i].arg = (uint16_t)(e[3] << 8 | e[4]);
	}
	return HQ_OK;
}

static int plain_status(struct hq_cbus *b, int addr, struct hq_cstatus *st)
{
	uint8_t pay[HQFW_PLAIN_PAYLOAD_MAX];
	size_t n;
	int rc = transact(b, addr, HQFW_PLAIN_STATUS, NULL, 0, pay, &n);

	if (rc)
		return rc;
	if (n < 11)
		return bus_fail(b, HQ_EFRAME, addr, "%s", "short STATUS reply (firmware before the flags byte?)");
	st->uptime = (uint32_t)pay[0] << 24 | (uint32_t)pay[1] << 16 | (uint32_t)pay[2] << 8 | pay[3];
	st->crc_errors = (uint16_t)(pay[4] << 8 | pay[5]);
	st->framing_errors = (uint16_t)(pay[6] << 8 | pay[7]);
	st->overruns = (uint16_t)(pay[8] << 8 | pay[9]);
	st->flags = pay[10];
	return HQ_OK;
}

static int plain_show(struct hq_cbus *b, int addr, const struct hq_cshow *s)
{
	uint8_t req[12] = { 0 }, pay[HQFW_PLAIN_PAYLOAD_MAX];
	size_t n;

	memcpy(req, s->text, strnlen(s->text, 8));
	req[8] = (uint8_t)s->state;
	req[9] = (uint8_t)(s->waiting > 0xFFFF ? 0xFF : s->waiting >> 8);
	req[10] = (uint8_t)(s->waiting > 0xFFFF ? 0xFF : s->waiting);
	req[11] = (uint8_t)s->brightness;
	return transact(b, addr, HQFW_PLAIN_SHOW, req, sizeof req, pay, &n);
}

static int plain_clock(struct hq_cbus *b, int addr, uint32_t t)
{
	uint8_t req[4] = { (uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t };
	uint8_t pay[HQFW_PLAIN_PAYLOAD_MAX];
	size_t n;

	return transact(b, addr, HQFW_PLAIN_CLOCK, req, sizeof req, pay, &n);
}

const struct hq_cbus_ops hq_cbus_plain = {
	.name = "plain",
	.connect = plain_connect,
	.close = plain_close,
	.ident = plain_ident,
	.poll = plain_poll,
	.ack = NULL, /* every POLL carries the acknowledgement */
	.status = plain_status,
	.show = plain_show,
	.clock = plain_clock,
	.destroy = plain_destroy,
};
