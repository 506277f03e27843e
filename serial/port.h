/*
 * A serial port, as the counter bus (plain protocol) and the kiosk's ticket printer use it:
 * raw 8-bit bytes at a set baud rate, reads with a timeout, and a port that may vanish (a
 * USB adapter unplugged) and come back. Real ports go through libserialport; pseudo-
 * terminals (socat's virtual cables in tests and the demo hall), which libserialport
 * refuses because they have no sysfs entry, go through plain termios. Both sit behind this
 * one interface, chosen when the port is connected.
 *
 * As in libmodbus, allocation is kept apart from connection: hq_port_new() once, then
 * hq_port_connect()/hq_port_close() as often as the device comes and goes, then
 * hq_port_free() (which closes, and accepts NULL).
 *
 * Errors: HQ_ELINK when the device is gone or failed (close and connect again later),
 * HQ_EINVAL for settings the device refuses. hq_port_error() has the detail.
 */
#ifndef HQ_PORT_H
#define HQ_PORT_H

#include <stddef.h>
#include <stdint.h>

struct hq_port;

/* parity 'N', 'E' or 'O'; 8 data bits; 2 stop bits without parity, else 1. */
struct hq_port *hq_port_new(const char *path, int baud, char parity);
void hq_port_free(struct hq_port *p);

int hq_port_connect(struct hq_port *p);
void hq_port_close(struct hq_port *p);
int hq_port_is_open(const struct hq_port *p);
/* "termios" or "libserialport" once connected. */
const char *hq_port_driver(const struct hq_port *p);
const char *hq_port_error(const struct hq_port *p);
const char *hq_port_path(const struct hq_port *p);

/* Is path (or what it links to) a pseudo-terminal? */
int hq_port_is_pty(const char *path);

/* Write all n bytes and wait until they have left (tcdrain): on half-duplex RS-485 the
 * reply may only be expected once the request is on the wire. */
int hq_port_write(struct hq_port *p, const uint8_t *buf, size_t n);
/*
 * Read up to n bytes: wait at most first_ms for the first byte, then keep reading while
 * bytes follow each other within gap_ms, until n bytes are in. Returns the count read
 * (0 on a timeout) or HQ_ELINK.
 */
int hq_port_read(struct hq_port *p, uint8_t *buf, size_t n, int first_ms, int gap_ms);
/* Drop whatever is waiting in the input buffer. */
int hq_port_flush(struct hq_port *p);

#endif
