/*
 * hallq-unit-sim: the counter-unit firmware (firmware-proto/fw) built for a PC, running one
 * or many simulated units on one line, so the gateway and independent Modbus masters can be
 * tested without hardware. The firmware is unchanged; this file is its host HAL: a serial
 * port or pty through termios (every unit sees every byte, as on an RS-485 line), or Modbus
 * TCP (MBAP header, MODBUS Messaging on TCP/IP Implementation Guide V1.0b, 3.1.3), a
 * monotonic millisecond clock, key presses read from stdin as "ADDRESS KEY [ARG]" lines, and
 * each unit's display printed to stdout when it changes. A line may stand for several keys
 * of the keypad ("3 signin 1024 012345": the id's digits, sign-in, the PIN's digits, enter);
 * each unit takes them one a step, as a clerk's fingers would.
 *
 * Usage: hallq-unit-sim --bus modbus-rtu:PATH:BAUD | plain:PATH:BAUD | modbus-tcp:HOST:PORT
 *                       [--address 1-20] [--caps keys,sat,sat5,display]
 *                       [--evaluator 0|3|5[:ADDRESSES]]...
 * It prints "ready" once the line is open, and runs until SIGTERM or SIGINT (the end of
 * stdin only stops the key input, so it can run with stdin from /dev/null).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fw.h"
#include "modbus.h"

#define MAX_UNITS 247
#define MAX_CLIENTS 8
#define RXQ 1024
#define KEYQ 32 /* keypad presses waiting to be scanned, per unit */

enum bus { BUS_RTU, BUS_PLAIN, BUS_TCP };

struct sim_unit {
	struct hqfw_fw fw;
	struct hqfw_hal hal;
	uint8_t rx[RXQ];
	unsigned rx_head, rx_len;
	int overrun;
	struct { int key; uint16_t arg; } keys[KEYQ];
	unsigned key_head, key_len;
	int fd; /* where replies go: the serial line; -1 on TCP */
};

struct tcp_client {
	int fd;
	uint8_t buf[260 + 7];
	size_t len;
};

static struct sim_unit *units;
static unsigned nunits;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t h_millis(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int h_read(void *ctx)
{
	struct sim_unit *s = ctx;
	int c;

	if (s->overrun) {
		s->overrun = 0;
		return HQFW_HAL_OVERRUN;
	}
	if (s->rx_len == 0)
		return HQFW_HAL_NONE;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RXQ;
	s->rx_len--;
	return c;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			poll(&p, 1, 100);
		} else {
			return;
		}
	}
}

static void h_write(void *ctx, const uint8_t *buf, uint16_t len)
{
	struct sim_unit *s = ctx;

	if (s->fd >= 0)
		write_all(s->fd, buf, len);
}

static int h_key(void *ctx, uint16_t *arg)
{
	struct sim_unit *s = ctx;
	int k;

	if (s->key_len == 0)
		return 0;
	k = s->keys[s->key_head].key;
	*arg = s->keys[s->key_head].arg;
	s->key_head = (s->key_head + 1) % KEYQ;
	s->key_len--;
	return k;
}

static void h_display(void *ctx, const struct hqfw_view *v)
{
	struct sim_unit *s = ctx;

	printf("unit %u: display \"%s\" waiting %u brightness %u sat %s\n", s->fw.unit.address,
	       v->text, v->waiting, v->brightness, v->sat_open ? "on" : "off");
	fflush(stdout);
}

static void h_beep(void *ctx, enum hqfw_beep kind)
{
	struct sim_unit *s = ctx;

	printf("unit %u: %s (pending %u)\n", s->fw.unit.address,
	       kind == HQFW_BEEP_KEY ? "key recorded" : kind == HQFW_BEEP_TYPED ? "key typed" : "key refused",
	       s->fw.unit.ring.count);
	fflush(stdout);
}

static struct sim_unit *find_unit(unsigned address)
{
	unsigned i;

	for (i = 0; i < nunits; i++)
		if (units[i].fw.unit.address == address)
			return &units[i];
	return NULL;
}

static const struct { const char *name; int key; int needs_arg; } key_names[] = {
	{ "call", HQFW_KEY_CALL_NEXT, 0 },   { "recall", HQFW_KEY_RECALL, 0 },
	{ "noshow", HQFW_KEY_NOSHOW, 0 },    { "start", HQFW_KEY_START, 0 },
	{ "finish", HQFW_KEY_FINISH, 0 },    { "pause", HQFW_KEY_PAUSE, 0 },
	/* Without an argument, transfer and number take the digits typed before ("type 12"). */
	{ "transfer", HQFW_KEY_TRANSFER, 0 }, { "resume", HQFW_KEY_RESUME, 0 },
	{ "number", HQFW_KEY_CALL_NUMBER, 0 }, { "rate", HQFW_KEY_RATE, 1 },
	{ "signout", HQFW_KEY_SIGN_OUT, 0 }, { "clear", HQFW_PAD_CLEAR, 0 },
	{ "enter", HQFW_PAD_ENTER, 0 },
};

#define KEY_HELP "call recall noshow start finish pause resume signout transfer [N] number [N] " \
		 "rate N, signin ID [PIN], type DIGITS, clear, enter"

static int queue_key(struct sim_unit *s, int key, uint16_t arg)
{
	if (s->key_len == KEYQ) {
		fprintf(stderr, "hallq-unit-sim: unit %u: too many keys at once\n", s->fw.unit.address);
		return -1;
	}
	s->keys[(s->key_head + s->key_len) % KEYQ].key = key;
	s->keys[(s->key_head + s->key_len) % KEYQ].arg = arg;
	s->key_len++;
	return 0;
}

/* Digits typed one by one, leading zeros and all. */
static int queue_digits(struct sim_unit *s, const char *what, const char *digits)
{
	const char *d;

	if (!digits || !*digits || strspn(digits, "0123456789") != strlen(digits)) {
		fprintf(stderr, "hallq-unit-sim: %s: want digits\n", what);
		return -1;
	}
	for (d = digits; *d; d++)
		if (queue_key(s, HQFW_PAD_DIGIT, (uint16_t)(*d - '0')))
			return -1;
	return 0;
}

/* One stdin line: "ADDRESS KEY [ARG [ARG]]". Returns 0, or -1 with a message on stderr. */
static int key_line(char *line)
{
	char *a = strtok(line, " \t\r\n"), *k = strtok(NULL, " \t\r\n"), *g = strtok(NULL, " \t\r\n");
	char *g2 = strtok(NULL, " \t\r\n");
	char *end;
	unsigned long addr, arg = 0;
	struct sim_unit *s;
	size_t i;

	if (!a)
		return 0; /* blank line */
	addr = strtoul(a, &end, 10);
	if (*end || !k || !(s = find_unit((unsigned)addr))) {
		fprintf(stderr, "hallq-unit-sim: want \"ADDRESS KEY [ARG]\" for a simulated unit\n");
		return -1;
	}
	/* The keypad's sequences (PROTOCOL.md 5.4): what a clerk's fingers do, key by key. */
	if (!strcmp(k, "type"))
		return queue_digits(s, "type", g);
	if (!strcmp(k, "signin")) {
		if (queue_digits(s, "signin ID", g) || queue_key(s, HQFW_KEY_SIGN_IN, 0))
			return -1;
		if (g2 && (queue_digits(s, "signin PIN", g2) || queue_key(s, HQFW_PAD_ENTER, 0)))
			return -1;
		return 0;
	}
	if (g) {
		arg = strtoul(g, &end, 10);
		if (*end || arg > 65535) {
			fprintf(stderr, "hallq-unit-sim: bad argument \"%s\"\n", g);
			return -1;
		}
	}
	for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		if (strcmp(k, key_names[i].name) == 0) {
			if (key_names[i].needs_arg && !g) {
				fprintf(stderr, "hallq-unit-sim: %s needs an argument\n", k);
				return -1;
			}
			return queue_key(s, key_names[i].key, (uint16_t)arg);
		}
	}
	fprintf(stderr, "hallq-unit-sim: unknown key \"%s\" (" KEY_HELP ")\n", k);
	return -1;
}

static speed_t baud_const(unsigned long baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return 0;
	}
}

static int open_serial(const char *path, unsigned long baud)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		fprintf(stderr, "hallq-unit-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= (tcflag_t)~(PARENB | CSTOPB | CSIZE);
		t.c_cflag |= CS8;
		cfsetispeed(&t, baud_const(baud));
		cfsetospeed(&t, baud_const(baud));
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static int listen_tcp(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1, err;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "hallq-unit-sim: %s:%s: %s\n", host, port, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 8) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "hallq-unit-sim: cannot listen on %s:%s\n", host, port);
	return fd;
}

/* One Modbus TCP request: MBAP header (transaction, protocol 0, length, unit id), then the
 * PDU. Unit id 0 is a broadcast; 0xFF means the first unit; an address we do not simulate
 * gets exception 0x0B, gateway target device failed to respond (Application Protocol 7). */
static void tcp_request(struct tcp_client *c, const uint8_t *adu, size_t n)
{
	uint8_t rep[7 + HQFW_MODBUS_PDU_MAX];
	struct sim_unit *s;
	size_t len = 0;
	unsigned i;

	if (adu[6] == 0) {
		for (i = 0; i < nunits; i++)
			hqfw_modbus_pdu(&units[i].fw.unit, 1, adu + 7, n - 7, rep + 7);
		return;
	}
	s = adu[6] == 0xFF ? &units[0] : find_unit(adu[6]);
	if (s) {
		len = hqfw_modbus_pdu(&s->fw.unit, 0, adu + 7, n - 7, rep + 7);
	} else {
		rep[7] = (uint8_t)(adu[7] | 0x80u);
		rep[8] = 0x0B;
		len = 2;
	}
	if (len == 0)
		return;
	memcpy(rep, adu, 4);
	rep[4] = (uint8_t)((len + 1) >> 8);
	rep[5] = (uint8_t)((len + 1) & 0xFF);
	rep[6] = adu[6];
	write_all(c->fd, rep, len + 7);
}

static void tcp_read(struct tcp_client *c)
{
	ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
	size_t need;

	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(c->fd);
		c->fd = -1;
		c->len = 0;
		return;
	}
	c->len += (size_t)r;
	while (c->len >= 7) {
		need = 6u + (size_t)((c->buf[4] << 8) | c->buf[5]);
		if (c->buf[2] || c->buf[3] || need < 8 || need > sizeof c->buf) {
			close(c->fd); /* not Modbus TCP: drop the connection */
			c->fd = -1;
			c->len = 0;
			return;
		}
		if (c->len < need)
			return;
		tcp_request(c, c->buf, need);
		memmove(c->buf, c->buf + need, c->len - need);
		c->len -= need;
	}
}

static int parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a, b;

	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-')
		b = strtoul(end + 1, &end, 10);
	if (*end || a < 1 || b > 247 || a > b)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

static int parse_caps(const char *s, uint8_t *caps)
{
	char buf[64], *t;

	*caps = 0;
	snprintf(buf, sizeof buf, "%s", s);
	for (t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
		if (strcmp(t, "keys") == 0)
			*caps |= HQFW_CAP_KEYS;
		else if (strcmp(t, "sat") == 0)
			*caps |= HQFW_CAP_SAT;
		else if (strcmp(t, "sat5") == 0)
			*caps |= HQFW_CAP_SAT | HQFW_CAP_SAT5;
		else if (strcmp(t, "display") == 0)
			*caps |= HQFW_CAP_DISPLAY;
		else
			return -1;
	}
	return 0;
}

/* --evaluator N[:ADDRESSES]: the satisfaction keys of every unit, or of some: 0 none, 3 or 5. */
#define MAX_EVALUATORS 16
static struct { unsigned keys, lo, hi; } evaluators[MAX_EVALUATORS];
static unsigned nevaluators;

static int parse_evaluator(const char *s)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (end == s || (n != 0 && n != 3 && n != 5) || nevaluators == MAX_EVALUATORS)
		return -1;
	evaluators[nevaluators].keys = (unsigned)n;
	evaluators[nevaluators].lo = 1;
	evaluators[nevaluators].hi = 247;
	if (*end == ':' && parse_range(end + 1, &evaluators[nevaluators].lo, &evaluators[nevaluators].hi))
		return -1;
	if (*end != ':' && *end)
		return -1;
	nevaluators++;
	return 0;
}

static uint8_t unit_caps(uint8_t caps, unsigned address)
{
	unsigned i;

	for (i = 0; i < nevaluators; i++) {
		if (address < evaluators[i].lo || address > evaluators[i].hi)
			continue;
		caps &= (uint8_t)~(HQFW_CAP_SAT | HQFW_CAP_SAT5);
		if (evaluators[i].keys)
			caps |= HQFW_CAP_SAT;
		if (evaluators[i].keys == 5)
			caps |= HQFW_CAP_SAT5;
	}
	return caps;
}

static int usage(void)
{
	fprintf(stderr, "usage: hallq-unit-sim --bus modbus-rtu:PATH:BAUD|plain:PATH:BAUD|"
			"modbus-tcp:HOST:PORT [--address 1-20] [--caps keys,sat,sat5,display]\n"
			"                      [--evaluator 0|3|5[:ADDRESSES]]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *busarg = NULL, *addrarg = "1", *capsarg = "keys,sat,display";
	struct tcp_client clients[MAX_CLIENTS];
	struct pollfd pfd[2 + MAX_CLIENTS];
	char spec[512], *p1, *p2, line[256];
	size_t line_len = 0;
	unsigned lo, hi, i, np;
	unsigned long baud = 19200;
	enum bus bus;
	uint8_t caps, buf[512];
	int fd, stdin_open = 1, c;
	ssize_t r;

	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--bus") == 0 && c + 1 < argc)
			busarg = argv[++c];
		else if (strcmp(argv[c], "--address") == 0 && c + 1 < argc)
			addrarg = argv[++c];
		else if (strcmp(argv[c], "--caps") == 0 && c + 1 < argc)
			capsarg = argv[++c];
		else if (strcmp(argv[c], "--evaluator") == 0 && c + 1 < argc) {
			if (parse_evaluator(argv[++c]))
				return usage();
		} else
			return usage();
	}
	if (!busarg || parse_range(addrarg, &lo, &hi) || parse_caps(capsarg, &caps))
		return usage();
	snprintf(spec, sizeof spec, "%s", busarg);
	p1 = strchr(spec, ':');
	p2 = p1 ? strrchr(p1 + 1, ':') : NULL;
	if (!p1 || !p2)
		return usage();
	*p1++ = '\0';
	*p2++ = '\0';
	if (strcmp(spec, "modbus-rtu") == 0)
		bus = BUS_RTU;
	else if (strcmp(spec, "plain") == 0)
		bus = BUS_PLAIN;
	else if (strcmp(spec, "modbus-tcp") == 0)
		bus = BUS_TCP;
	else
		return usage();
	if (bus != BUS_TCP) {
		baud = strtoul(p2, NULL, 10);
		if (!baud_const(baud)) {
			fprintf(stderr, "hallq-unit-sim: baud rate %s: 9600, 19200, 38400, 57600 or 115200\n", p2);
			return 2;
		}
		fd = open_serial(p1, baud);
	} else {
		fd = listen_tcp(p1, p2);
	}
	if (fd < 0)
		return 1;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	nunits = hi - lo + 1;
	units = calloc(nunits, sizeof *units);
	if (!units)
		return 1;
	for (i = 0; i < nunits; i++) {
		struct sim_unit *s = &units[i];

		s->fd = bus == BUS_TCP ? -1 : fd;
		s->hal = (struct hqfw_hal){ .ctx = s, .millis = h_millis, .uart_read = h_read,
					    .uart_write = h_write, .key_scan = h_key,
					    .display = h_display, .beep = h_beep };
		hqfw_fw_init(&s->fw, &s->hal, bus == BUS_PLAIN ? HQFW_PROTO_PLAIN : HQFW_PROTO_MODBUS_RTU,
			     (uint8_t)(lo + i), unit_caps(caps, lo + i), baud);
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	printf("ready: %u unit%s at %u-%u on %s\n", nunits, nunits == 1 ? "" : "s", lo, hi, busarg);
	fflush(stdout);

	while (!stop) {
		np = 0;
		pfd[np++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		pfd[np++] = (struct pollfd){ .fd = stdin_open ? 0 : -1, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++)
			pfd[np++] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
		/* 1 ms: the firmware's tick; the units need stepping to see the line go idle. */
		if (poll(pfd, np, 1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			if (bus == BUS_TCP) {
				int cfd = accept(fd, NULL, NULL);

				for (i = 0; cfd >= 0 && i < MAX_CLIENTS && clients[i].fd >= 0; i++)
					;
				if (cfd >= 0 && i == MAX_CLIENTS) {
					close(cfd);
				} else if (cfd >= 0) {
					fcntl(cfd, F_SETFL, O_NONBLOCK);
					clients[i].fd = cfd;
					clients[i].len = 0;
				}
			} else if ((r = read(fd, buf, sizeof buf)) > 0) {
				/* Every unit on the line hears every byte. */
				for (i = 0; i < nunits; i++) {
					struct sim_unit *s = &units[i];
					ssize_t j;

					for (j = 0; j < r; j++) {
						if (s->rx_len == RXQ) {
							s->overrun = 1;
							continue;
						}
						s->rx[(s->rx_head + s->rx_len) % RXQ] = buf[j];
						s->rx_len++;
					}
				}
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			r = read(0, line + line_len, sizeof line - 1 - line_len);
			if (r <= 0) {
				stdin_open = 0;
			} else {
				char *nl;

				line_len += (size_t)r;
				line[line_len] = '\0';
				while ((nl = strchr(line, '\n')) != NULL) {
					*nl = '\0';
					key_line(line);
					/* Step the units so a line's first key is scanned before the next line's. */
					for (i = 0; i < nunits; i++)
						hqfw_fw_step(&units[i].fw);
					line_len -= (size_t)(nl + 1 - line);
					memmove(line, nl + 1, line_len + 1);
				}
				if (line_len == sizeof line - 1)
					line_len = 0; /* an overlong line: drop it */
			}
		}
		for (i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd >= 0 && (pfd[2 + i].revents & (POLLIN | POLLHUP)))
				tcp_read(&clients[i]);
		for (i = 0; i < nunits; i++)
			hqfw_fw_step(&units[i].fw);
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			close(clients[i].fd);
	close(fd);
	free(units);
	return 0;
}
