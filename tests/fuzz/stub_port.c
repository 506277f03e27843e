/*
 * serial/port.h for the harnesses: a line that is always there and whose incoming bytes
 * are the fuzzer's input, handed out as the real port would (up to n at a time; 0, a
 * timeout, once they run out). Writes go nowhere. So the code above it (the plain bus,
 * the printer) meets every reply a unit or a printer could send, garbled or cut short.
 */
#include <string.h>

#include "fuzz.h"
#include "hq_error.h"
#include "port.h"

struct fuzz_in fuzz_in;

struct hq_port {
	int open;
};

struct hq_port *hq_port_new(const char *path, int baud, char parity)
{
	(void)path;
	(void)baud;
	(void)parity;
	return calloc(1, sizeof(struct hq_port));
}

void hq_port_free(struct hq_port *p)
{
	free(p);
}

int hq_port_connect(struct hq_port *p)
{
	p->open = 1;
	return HQ_OK;
}

void hq_port_close(struct hq_port *p)
{
	p->open = 0;
}

int hq_port_is_open(const struct hq_port *p)
{
	return p && p->open;
}

const char *hq_port_driver(const struct hq_port *p)
{
	(void)p;
	return "fuzz";
}

const char *hq_port_error(const struct hq_port *p)
{
	(void)p;
	return "fuzz line error";
}

const char *hq_port_path(const struct hq_port *p)
{
	(void)p;
	return "fuzz";
}

int hq_port_is_pty(const char *path)
{
	(void)path;
	return 0;
}

int hq_port_write(struct hq_port *p, const uint8_t *buf, size_t n)
{
	(void)buf;
	(void)n;
	return p->open ? HQ_OK : HQ_ELINK;
}

int hq_port_read(struct hq_port *p, uint8_t *buf, size_t n, int first_ms, int gap_ms)
{
	size_t k = fuzz_left() < n ? fuzz_left() : n;

	(void)first_ms;
	(void)gap_ms;
	if (!p->open)
		return HQ_ELINK;
	memcpy(buf, fuzz_in.p + fuzz_in.pos, k);
	fuzz_in.pos += k;
	return (int)k;
}

int hq_port_flush(struct hq_port *p)
{
	return p->open ? HQ_OK : HQ_ELINK;
}
