/*
 * The three printers behind hq_printer: a serial ESC/POS printer (through serial/port.h),
 * a file the bytes are appended to, and none. Each is a small backend table, as the
 * counter bus is; the spec string picks one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escpos.h"
#include "hq_error.h"
#include "port.h"
#include "printer.h"

struct printer_backend {
	const char *name;
	int (*status)(struct hq_printer *p, struct hq_printer_status *st);
	int (*print)(struct hq_printer *p, const uint8_t *buf, size_t n);
};

struct hq_printer {
	const struct printer_backend *be;
	char *spec;
	char *path;           /* file */
	struct hq_port *port; /* serial */
	char error[512];
};

static int failf(struct hq_printer *p, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(struct hq_printer *p, int rc, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(p->error, sizeof p->error, "printer %s: %s", p->spec, what);
	return rc;
}

/* ---- serial ------------------------------------------------------------------------- */

static int serial_open(struct hq_printer *p)
{
	int rc;

	if (hq_port_is_open(p->port))
		return HQ_OK;
	if ((rc = hq_port_connect(p->port)))
		return failf(p, rc, "%s", hq_port_error(p->port));
	return HQ_OK;
}

static int serial_status(struct hq_printer *p, struct hq_printer_status *st)
{
	/* DLE EOT n = 10 04 n: transmit real-time status; the printer answers at once, even in
	 * the middle of a ticket or while offline. n = 1 printer, 2 offline cause, 4 paper. */
	static const uint8_t ask[] = { 0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04 };
	uint8_t ans[3];
	int rc, got;

	if ((rc = serial_open(p)))
		return rc;
	/* A late answer to an earlier request must not pass for this one. */
	if ((rc = hq_port_flush(p->port)) || (rc = hq_port_write(p->port, ask, sizeof ask))) {
		failf(p, rc, "%s", hq_port_error(p->port));
		hq_port_close(p->port);
		return HQ_ELINK;
	}
	got = hq_port_read(p->port, ans, sizeof ans, HQ_PRINTER_STATUS_MS, HQ_PRINTER_STATUS_MS / 3);
	if (got < 0) {
		failf(p, HQ_ELINK, "%s", hq_port_error(p->port));
		hq_port_close(p->port);
		return HQ_ELINK;
	}
	if (got < (int)sizeof ans) {
		/* Closed, so the next call opens the port again: a USB adapter that was pulled
		 * out and put back is a new device behind the same name. */
		hq_port_close(p->port);
		if (got == 0)
			return failf(p, HQ_ELINK, "no answer to the status request within %d ms",
				     HQ_PRINTER_STATUS_MS);
		return failf(p, HQ_ELINK, "only %d of 3 status bytes came back", got);
	}
	if ((rc = hq_escpos_parse_status(ans[0], ans[1], ans[2], st))) {
		hq_port_flush(p->port);
		return failf(p, rc, "not a status answer: %02x %02x %02x", ans[0], ans[1], ans[2]);
	}
	return HQ_OK;
}

static int serial_print(struct hq_printer *p, const uint8_t *buf, size_t n)
{
	int rc;

	if ((rc = serial_open(p)))
		return rc;
	if ((rc = hq_port_write(p->port, buf, n))) {
		failf(p, rc, "%s", hq_port_error(p->port));
		hq_port_close(p->port);
		return HQ_ELINK;
	}
	return HQ_OK;
}

static const struct printer_backend serial_backend = {
	.name = "serial",
	.status = serial_status,
	.print = serial_print,
};

/* ---- file --------------------------------------------------------------------------- */

static int file_status(struct hq_printer *p, struct hq_printer_status *st)
{
	(void)p;
	st->online = true;
	return HQ_OK;
}

/* Opened for each ticket, so a file moved away (log rotation, a test) is simply made anew. */
static int file_print(struct hq_printer *p, const uint8_t *buf, size_t n)
{
	size_t done = 0;
	int fd = open(p->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return failf(p, HQ_EIO, "open %s: %s", p->path, strerror(errno));
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			failf(p, HQ_EIO, "write %s: %s", p->path, w < 0 ? strerror(errno) : "no progress");
			close(fd);
			return HQ_EIO;
		}
		done += (size_t)w;
	}
	if (close(fd) < 0)
		return failf(p, HQ_EIO, "close %s: %s", p->path, strerror(errno));
	return HQ_OK;
}

static const struct printer_backend file_backend = {
	.name = "file",
	.status = file_status,
	.print = file_print,
};

/* ---- none --------------------------------------------------------------------------- */

static int none_status(struct hq_printer *p, struct hq_printer_status *st)
{
	(void)p;
	(void)st;
	return HQ_OK;
}

static int none_print(struct hq_printer *p, const uint8_t *buf, size_t n)
{
	(void)buf;
	(void)n;
	return failf(p, HQ_EINVAL, "there is no printer to print on");
}

static const struct printer_backend none_backend = {
	.name = "none",
	.status = none_status,
	.print = none_print,
};

/* ---- the handle --------------------------------------------------------------------- */

static struct hq_printer *bad_spec(char *err, size_t errn, const char *spec, const char *fmt, const char *arg)
{
	char what[300];

	snprintf(what, sizeof what, fmt, arg);
	if (err && errn)
		snprintf(err, errn, "printer '%s': %s", spec, what);
	return NULL;
}

struct hq_printer *hq_printer_new(const char *spec, char *err, size_t errn)
{
	static const char expect[] = "expected serial:PORT:BAUD, file:PATH or none";
	struct hq_printer *p;
	const char *port = NULL, *baud = NULL, *path = NULL;
	size_t port_len = 0;
	long b = 0;

	if (!spec)
		return bad_spec(err, errn, "", "%s", expect);
	if (strncmp(spec, "serial:", 7) == 0) {
		char *end;

		port = spec + 7;
		if (!(baud = strrchr(port, ':')) || baud == port)
			return bad_spec(err, errn, spec, "%s", "expected serial:PORT:BAUD, e.g. serial:/dev/ttyUSB0:9600");
		port_len = (size_t)(baud - port);
		baud++;
		errno = 0;
		b = strtol(baud, &end, 10);
		if (!*baud || *end || errno || b <= 0)
			return bad_spec(err, errn, spec, "baud '%s' is not a number", baud);
		if (b != 9600 && b != 19200 && b != 38400 && b != 57600 && b != 115200)
			return bad_spec(err, errn, spec, "baud %s: 9600, 19200, 38400, 57600 or 115200", baud);
	} else if (strncmp(spec, "file:", 5) == 0) {
		path = spec + 5;
		if (!*path)
			return bad_spec(err, errn, spec, "%s", "expected file:PATH, the path is empty");
	} else if (strcmp(spec, "none") != 0) {
		return bad_spec(err, errn, spec, "%s", expect);
	}
	if (!(p = calloc(1, sizeof *p)) || !(p->spec = strdup(spec)))
		goto nomem;
	if (port) {
		char *dev = strndup(port, port_len);

		/* ESC/POS printers default to 8N1; no parity is also what port.c needs to pick. */
		p->port = dev ? hq_port_new(dev, (int)b, 'N') : NULL;
		free(dev);
		if (!p->port)
			goto nomem;
		p->be = &serial_backend;
	} else if (path) {
		if (!(p->path = strdup(path)))
			goto nomem;
		p->be = &file_backend;
	} else {
		p->be = &none_backend;
	}
	return p;
nomem:
	hq_printer_free(p);
	return bad_spec(err, errn, spec, "%s", "out of memory");
}

void hq_printer_free(struct hq_printer *p)
{
	if (!p)
		return;
	hq_port_free(p->port);
	free(p->path);
	free(p->spec);
	free(p);
}

const char *hq_printer_kind(const struct hq_printer *p)
{
	return p->be->name;
}

const char *hq_printer_error(const struct hq_printer *p)
{
	return p->error;
}

int hq_printer_status(struct hq_printer *p, struct hq_printer_status *st)
{
	memset(st, 0, sizeof *st);
	p->error[0] = '\0';
	return p->be->status(p, st);
}

int hq_printer_print(struct hq_printer *p, const struct hq_print_ticket *t)
{
	uint8_t *buf;
	size_t n;
	int rc;

	p->error[0] = '\0';
	if (p->be == &none_backend)
		return p->be->print(p, NULL, 0);
	if ((rc = hq_escpos_ticket(t, HQ_PRINTER_DOTS, &buf, &n)))
		return failf(p, rc, "cannot build the ticket: %s%s", hq_strerror(rc),
			     rc == HQ_EIO ? " (no GB18030 converter in iconv)" :
			     rc == HQ_EINVAL && t ? " (URL too long for a QR code?)" : "");
	rc = p->be->print(p, buf, n);
	free(buf);
	return rc;
}

int hq_printer_ready(const struct hq_printer_status *st)
{
	return st->online && !st->paper_out && !st->cover_open && !st->error;
}

const char *hq_printer_state_name(const struct hq_printer_status *st)
{
	return !st->online ? "offline" : st->cover_open ? "cover_open" : st->paper_out ? "paper_out" :
	       st->error ? "error" : st->paper_near_end ? "near_end" : "ok";
}
