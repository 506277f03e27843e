/*
 * The serial port behind two drivers: libserialport for real ports (USB adapters, on-board
 * UARTs) and termios for pseudo-terminals, which libserialport refuses. The driver is
 * picked at each connect from what the path turns out to be, so a config never has to say.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libserialport.h>

#include "hq_clock.h"
#include "hq_error.h"
#include "port.h"

struct port_driver {
	const char *name;
	int (*open)(struct hq_port *p);
	void (*close)(struct hq_port *p);
	/* Wait up to timeout_ms for bytes; return how many were read, 0 or HQ_ELINK. */
	int (*read)(struct hq_port *p, uint8_t *buf, size_t n, int timeout_ms);
	int (*write)(struct hq_port *p, const uint8_t *buf, size_t n);
	int (*flush)(struct hq_port *p);
};

struct hq_port {
	char *path;
	int baud;
	char parity;
	const struct port_driver *drv; /* NULL while closed */
	int fd;                        /* termios */
	struct sp_port *sp;            /* libserialport */
	char error[256];
};

static int fail(struct hq_port *p, int rc, const char *what, const char *why)
{
	snprintf(p->error, sizeof p->error, "%s: %s: %s", p->path, what, why);
	return rc;
}

/* Unix98 pseudo-terminal slaves have majors 136 to 143 (Documentation/admin-guide/devices.txt). */
int hq_port_is_pty(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 &&
	       major(st.st_rdev) <= 143;
}

/* ---- termios, for pseudo-terminals -------------------------------------------------- */

static speed_t speed_of(int baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return B0;
	}
}

static int tio_open(struct hq_port *p)
{
	struct termios t;
	speed_t sp = speed_of(p->baud);

	if (sp == B0)
		return fail(p, HQ_EINVAL, "baud rate", "not supported");
	if ((p->fd = open(p->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return fail(p, HQ_ELINK, "open", strerror(errno));
	if (tcgetattr(p->fd, &t) < 0) {
		close(p->fd);
		p->fd = -1;
		return fail(p, HQ_EINVAL, "not a terminal", strerror(errno));
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(PARENB | PARODD | CSTOPB | CRTSCTS);
	/* A pty has no wire, and Linux refuses a parity bit on it. */
	if (hq_port_is_pty(p->path))
		;
	else if (p->parity == 'E')
		t.c_cflag |= PARENB;
	else if (p->parity == 'O')
		t.c_cflag |= PARENB | PARODD;
	else
		t.c_cflag |= CSTOPB;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, sp);
	cfsetospeed(&t, sp);
	if (tcsetattr(p->fd, TCSANOW, &t) < 0) {
		close(p->fd);
		p->fd = -1;
		return fail(p, HQ_EINVAL, "settings", strerror(errno));
	}
	tcflush(p->fd, TCIOFLUSH);
	return HQ_OK;
}

static void tio_close(struct hq_port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static int tio_read(struct hq_port *p, uint8_t *buf, size_t n, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	ssize_t r;
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return fail(p, HQ_ELINK, "poll", strerror(errno));
	if (rc == 0)
		return 0;
	r = read(p->fd, buf, n);
	if (r > 0)
		return (int)r;
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* The far end of a pty closed (socat stopped), or the device went away. */
	return fail(p, HQ_ELINK, "read", r == 0 || (pfd.revents & POLLHUP) ? "hung up" : strerror(errno));
}

static int tio_write(struct hq_port *p, const uint8_t *buf, size_t n)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = write(p->fd, buf + done, n - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN && poll(&pfd, 1, 1000) > 0 && !(pfd.revents & (POLLHUP | POLLERR)))
			continue;
		return fail(p, HQ_ELINK, "write", w < 0 ? strerror(errno) : "no progress");
	}
	if (tcdrain(p->fd) < 0 && errno != EINTR)
		return fail(p, HQ_ELINK, "drain", strerror(errno));
	return HQ_OK;
}

static int tio_flush(struct hq_port *p)
{
	return tcflush(p->fd, TCIFLUSH) < 0 ? fail(p, HQ_ELINK, "flush", strerror(errno)) : HQ_OK;
}

static const struct port_driver termios_driver = {
	.name = "termios",
	.open = tio_open,
	.close = tio_close,
	.read = tio_read,
	.write = tio_write,
	.flush = tio_flush,
};

/* ---- libserialport, for real ports -------------------------------------------------- */

static int sp_fail(struct hq_port *p, int rc, const char *what)
{
	char *msg = sp_last_error_message();

	fail(p, rc, what, msg ? msg : "failed");
	sp_free_error_message(msg);
	return rc;
}

static int lsp_open(struct hq_port *p)
{
	enum sp_parity par = p->parity == 'E' ? SP_PARITY_EVEN : p->parity == 'O' ? SP_PARITY_ODD : SP_PARITY_NONE;

	if (sp_get_port_by_name(p->path, &p->sp) != SP_OK) {
		p->sp = NULL;
		return sp_fail(p, HQ_ELINK, "no such serial port");
	}
	if (sp_open(p->sp, SP_MODE_READ_WRITE) != SP_OK) {
		sp_fail(p, HQ_ELINK, "open");
		sp_free_port(p->sp);
		p->sp = NULL;
		return HQ_ELINK;
	}
	if (sp_set_baudrate(p->sp, p->baud) != SP_OK || sp_set_bits(p->sp, 8) != SP_OK ||
	    sp_set_parity(p->sp, par) != SP_OK ||
	    sp_set_stopbits(p->sp, par == SP_PARITY_NONE ? 2 : 1) != SP_OK ||
	    sp_set_flowcontrol(p->sp, SP_FLOWCONTROL_NONE) != SP_OK) {
		sp_fail(p, HQ_EINVAL, "settings");
		sp_close(p->sp);
		sp_free_port(p->sp);
		p->sp = NULL;
		return HQ_EINVAL;
	}
	sp_flush(p->sp, SP_BUF_BOTH);
	return HQ_OK;
}

static void lsp_close(struct hq_port *p)
{
	if (p->sp) {
		sp_close(p->sp);
		sp_free_port(p->sp);
	}
	p->sp = NULL;
}

static int lsp_read(struct hq_port *p, uint8_t *buf, size_t n, int timeout_ms)
{
	/* A timeout of 0 would mean "wait for ever" to libserialport. */
	enum sp_return r = timeout_ms > 0 ? sp_blocking_read_next(p->sp, buf, n, (unsigned)timeout_ms)
					  : sp_nonblocking_read(p->sp, buf, n);

	return r < 0 ? sp_fail(p, HQ_ELINK, "read") : (int)r;
}

static int lsp_write(struct hq_port *p, const uint8_t *buf, size_t n)
{
	enum sp_return r = sp_blocking_write(p->sp, buf, n, 1000);

	if (r < 0)
		return sp_fail(p, HQ_ELINK, "write");
	if ((size_t)r != n)
		return fail(p, HQ_ELINK, "write", "timed out");
	return sp_drain(p->sp) == SP_OK ? HQ_OK : sp_fail(p, HQ_ELINK, "drain");
}

static int lsp_flush(struct hq_port *p)
{
	return sp_flush(p->sp, SP_BUF_INPUT) == SP_OK ? HQ_OK : sp_fail(p, HQ_ELINK, "flush");
}

static const struct port_driver serialport_driver = {
	.name = "libserialport",
	.open = lsp_open,
	.close = lsp_close,
	.read = lsp_read,
	.write = lsp_write,
	.flush = lsp_flush,
};

/* ---- the interface ------------------------------------------------------------------ */

struct hq_port *hq_port_new(const char *path, int baud, char parity)
{
	struct hq_port *p = calloc(1, sizeof *p);

	if (!p || !(p->path = strdup(path))) {
		free(p);
		return NULL;
	}
	p->baud = baud;
	p->parity = parity ? parity : 'E';
	p->fd = -1;
	return p;
}

void hq_port_free(struct hq_port *p)
{
	if (!p)
		return;
	hq_port_close(p);
	free(p->path);
	free(p);
}

int hq_port_connect(struct hq_port *p)
{
	struct stat st;
	int rc;

	hq_port_close(p);
	if (stat(p->path, &st) < 0)
		return fail(p, HQ_ELINK, "open", strerror(errno));
	if (hq_port_is_pty(p->path)) {
		p->drv = &termios_driver;
	} else {
		p->drv = &serialport_driver;
		rc = p->drv->open(p);
		/* A tty libserialport does not list (no sysfs entry, as in some containers)
		 * still works through termios. */
		if (rc == HQ_ELINK && S_ISCHR(st.st_mode) && !p->sp)
			p->drv = &termios_driver;
		else if (rc)
			goto failed;
		else
			return HQ_OK;
	}
	if ((rc = p->drv->open(p)) == HQ_OK)
		return HQ_OK;
failed:
	p->drv = NULL;
	return rc;
}

void hq_port_close(struct hq_port *p)
{
	if (p->drv)
		p->drv->close(p);
	p->drv = NULL;
}

int hq_port_is_open(const struct hq_port *p)
{
	return p->drv != NULL;
}

const char *hq_port_driver(const struct hq_port *p)
{
	return p->drv ? p->drv->name : "closed";
}

const char *hq_port_error(const struct hq_port *p)
{
	return p->error;
}

const char *hq_port_path(const struct hq_port *p)
{
	return p->path;
}

int hq_port_write(struct hq_port *p, const uint8_t *buf, size_t n)
{
	if (!p->drv)
		return fail(p, HQ_ELINK, "write", "port is closed");
	return p->drv->write(p, buf, n);
}

int hq_port_read(struct hq_port *p, uint8_t *buf, size_t n, int first_ms, int gap_ms)
{
	size_t got = 0;
	int64_t deadline = hq_mono_ms() + first_ms;
	int r;

	if (!p->drv)
		return fail(p, HQ_ELINK, "read", "port is closed");
	while (got < n) {
		int wait = (int)(deadline - hq_mono_ms());

		/* Past the deadline, still take what is already waiting: a thread scheduled late
		 * must not call a reply that arrived in time cut short or missing. */
		if ((r = p->drv->read(p, buf + got, n - got, wait > 0 ? wait : 0)) < 0)
			return r;
		if (r > 0) {
			got += (size_t)r;
			deadline = hq_mono_ms() + gap_ms;
		} else if (wait <= 0) {
			break;
		}
	}
	return (int)got;
}

int hq_port_flush(struct hq_port *p)
{
	return p->drv ? p->drv->flush(p) : HQ_OK;
}
