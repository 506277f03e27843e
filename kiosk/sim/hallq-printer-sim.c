/*
 * hallq-printer-sim: a simulated ESC/POS receipt printer on a serial line or a pty (one end
 * of a socat pair), so the kiosk's printing and its handling of a printer out of paper,
 * with its cover open or switched off can be tested without hardware. It answers the
 * real-time status requests (DLE EOT n) for the state it is told to be in, decodes what it
 * is sent (escpos_decode.h) and writes each ticket, at its cut, as one JSON line.
 *
 * Usage: hallq-printer-sim --port PATH [--out FILE.jsonl] [--raw FILE] [--control FIFO|-]
 *            [--state ok|near_end|paper_out|cover_open|error|offline] [--baud N]
 *            [--delay-per-byte-us N]
 *
 * stdout (line-buffered), one line per event:
 *   ready                 the port is open (again, after "port lost")
 *   state STATE           a control word was taken (also when the state did not change)
 *   ticket SEQ LABEL      ticket SEQ was cut; LABEL is its first line printed at 4x or
 *                         larger (the number), "-" if none
 *   port lost             the line went away (socat stopped); it is opened again when it
 *                         comes back
 * Control words, one a line on --control (a FIFO, made if missing and reopened whenever
 * its writer closes it) or stdin (-): ok, near_end, paper_out, cover_open, error,
 * offline, quit. Offline answers no status request at all, like a printer switched off;
 * bytes that arrive while paper_out, cover_open, error or offline are recorded with
 * "printed": false. It runs until SIGTERM, SIGINT or quit, and flushes its files first.
 *
 * When --port names a regular file (what a "file:" printer wrote), it decodes the file,
 * writes its tickets to --out and stdout, and exits: no "ready", no status answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "escpos_decode.h"

enum pstate { P_OK, P_NEAR_END, P_PAPER_OUT, P_COVER_OPEN, P_ERROR, P_OFFLINE };
static const char *const state_names[] = { "ok", "near_end", "paper_out", "cover_open", "error", "offline" };

/*
 * The answer to DLE EOT n in each state (ESC/POS "Transmit real-time status"); every
 * answer has bits 1 and 4 set. n = 1: bit 3 offline. n = 2: bit 2 cover open, bit 5
 * stopped by paper end, bit 6 error. n = 3: bit 3 autocutter error. n = 4: bits 2+3 paper
 * near end, bits 5+6 paper end (this printer has no near-end sensor reading while out).
 */
static const unsigned char answers[][4] = {
	[P_OK] = { 0x12, 0x12, 0x12, 0x12 },
	[P_NEAR_END] = { 0x12, 0x12, 0x12, 0x1E },
	[P_PAPER_OUT] = { 0x1A, 0x32, 0x12, 0x72 },
	[P_COVER_OPEN] = { 0x1A, 0x16, 0x12, 0x12 },
	[P_ERROR] = { 0x1A, 0x52, 0x1A, 0x12 },
};

static struct sim {
	const char *port_path, *control_path;
	int baud;
	long delay_us;
	int fd;                 /* the port, -1 while lost */
	int cfd;                /* the control input, -1 when none */
	enum pstate state;
	FILE *out, *raw;
	unsigned seq;
	int spoiled;            /* ticket bytes arrived in a state that does not print */
	int quit;
} sim = { .fd = -1, .cfd = -1, .baud = 9600 };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

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

static int open_port(void)
{
	struct termios t;
	struct stat st;
	int reg = stat(sim.port_path, &st) == 0 && S_ISREG(st.st_mode);
	int fd = open(sim.port_path, (reg ? O_RDONLY : O_RDWR | O_NOCTTY | O_NONBLOCK) | O_CLOEXEC);

	if (fd < 0 || reg)
		return fd;
	/* Anything else must be a terminal: a device that reads as empty (/dev/null) would
	 * look like a line lost and found again, for ever. */
	if (tcgetattr(fd, &t) < 0) {
		close(fd);
		errno = ENOTTY;
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, speed_of(sim.baud));
	cfsetospeed(&t, speed_of(sim.baud));
	tcsetattr(fd, TCSANOW, &t);
	return fd;
}

/* ---- the decoder's events ----------------------------------------------------------- */

static void on_status(void *ud, int n)
{
	unsigned char b;

	(void)ud;
	if (sim.state == P_OFFLINE || sim.fd < 0)
		return;
	b = answers[sim.state][n - 1];
	if (write(sim.fd, &b, 1) != 1)
		fprintf(stderr, "hallq-printer-sim: status answer: %s\n", strerror(errno));
}

static void on_data(void *ud)
{
	(void)ud;
	if (sim.state != P_OK && sim.state != P_NEAR_END)
		sim.spoiled = 1;
}

/* A JSON string: UTF-8 kept, what is not valid UTF-8 becomes U+FFFD. */
static void json_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	fputc('"', f);
	while (p < end) {
		unsigned c = *p;
		size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 :
			     c >= 0xF0 && c <= 0xF4 ? 4 : 0, i;

		for (i = 1; i < len; i++)
			if (p + i >= end || (p[i] & 0xC0) != 0x80)
				len = 0;
		if (len == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			p++;
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			p++;
		} else {
			fwrite(p, 1, len, f);
			p += len;
		}
	}
	fputc('"', f);
}

static void on_ticket(void *ud, const struct hq_escdec_ticket *t)
{
	static const char *const align[] = { "left", "center", "right" };
	const char *label = NULL;
	size_t i;

	(void)ud;
	sim.seq++;
	for (i = 0; i < t->nlines && !label; i++)
		if (t->lines[i].w >= 4)
			label = t->lines[i].text;
	if (sim.out) {
		FILE *f = sim.out;

		fprintf(f, "{\"seq\":%u,\"printed\":%s,\"lines\":[", sim.seq, sim.spoiled ? "false" : "true");
		for (i = 0; i < t->nlines; i++) {
			const struct hq_escdec_line *l = &t->lines[i];

			fprintf(f, "%s{\"text\":", i ? "," : "");
			json_str(f, l->text, strlen(l->text));
			fprintf(f, ",\"w\":%d,\"h\":%d,\"align\":\"%s\",\"bold\":%s}", l->w, l->h,
				align[l->align], l->bold ? "true" : "false");
		}
		fputs("],\"qr\":", f);
		if (t->qr)
			json_str(f, t->qr, strlen(t->qr));
		else
			fputs("null", f);
		fprintf(f, ",\"cut\":%s,\"init\":%s,\"bytes\":%zu,\"errors\":[", t->cut ? "true" : "false",
			t->init ? "true" : "false", t->bytes);
		for (i = 0; i < t->nerrors; i++) {
			if (i)
				fputc(',', f);
			json_str(f, t->errors[i], strlen(t->errors[i]));
		}
		if (t->errors_dropped)
			fprintf(f, "%s\"... and %zu more\"", t->nerrors ? "," : "", t->errors_dropped);
		fputs("]}\n", f);
		fflush(f);
	}
	if (t->cut)
		printf("ticket %u %s\n", sim.seq, label ? label : "-");
	sim.spoiled = 0;
}

/* ---- control ------------------------------------------------------------------------ */

static int open_control(void)
{
	if (strcmp(sim.control_path, "-") == 0)
		return 0;
	/* Non-blocking, or the open would wait for a writer; reopened after each writer has
	 * gone, as Linux reports POLLHUP on a FIFO only after a writer closed it. */
	return open(sim.control_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

static void control_word(char *w)
{
	size_t i, n = strlen(w);

	while (n && (w[n - 1] == '\r' || w[n - 1] == ' ' || w[n - 1] == '\t'))
		w[--n] = '\0';
	while (*w == ' ' || *w == '\t')
		w++;
	if (!*w)
		return;
	if (strcmp(w, "quit") == 0) {
		sim.quit = 1;
		return;
	}
	for (i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
		if (strcmp(w, state_names[i]) == 0) {
			sim.state = (enum pstate)i;
			printf("state %s\n", state_names[i]);
			return;
		}
	fprintf(stderr, "hallq-printer-sim: unknown control word '%s'\n", w);
}

static void read_control(void)
{
	static char line[256];
	static size_t len;
	ssize_t r = read(sim.cfd, line + len, sizeof line - 1 - len);
	char *nl;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		/* The writer has gone. The FIFO is opened anew before the old end is closed:
		 * with no reader at all for a moment, a writer's next words could be lost. */
		int fd = sim.cfd > 0 ? open_control() : -1; /* stdin at its end: no more words */

		if (sim.cfd > 0)
			close(sim.cfd);
		sim.cfd = fd;
		len = 0;
		return;
	}
	len += (size_t)r;
	line[len] = '\0';
	while ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		control_word(line);
		len -= (size_t)(nl + 1 - line);
		memmove(line, nl + 1, len + 1);
	}
	if (len == sizeof line - 1)
		len = 0; /* an overlong line: drop it */
}

/* ---- main --------------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: hallq-printer-sim --port PATH [--out FILE.jsonl] [--raw FILE] [--control FIFO|-]\n"
			"           [--state ok|near_end|paper_out|cover_open|error|offline] [--baud N]\n"
			"           [--delay-per-byte-us N]\n");
	return 2;
}

static long number(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "hallq-printer-sim: %s '%s': a number from %ld to %ld\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static void close_files(void)
{
	if (sim.fd >= 0)
		close(sim.fd);
	if (sim.cfd > 0)
		close(sim.cfd);
	if (sim.out)
		fclose(sim.out);
	if (sim.raw)
		fclose(sim.raw);
}

/* --port names a regular file (what a file: printer wrote): decode it all, then exit. */
static int decode_file(struct hq_escdec *dec)
{
	unsigned char buf[65536];
	ssize_t r;

	while ((r = read(sim.fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			hq_escdec_feed(dec, buf, (size_t)r);
	hq_escdec_finish(dec);
	hq_escdec_free(dec);
	close_files();
	return r < 0 ? 1 : 0;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop)
		;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "raw", required_argument, NULL, 'r' },
		{ "control", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "baud", required_argument, NULL, 'b' },
		{ "delay-per-byte-us", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *raw = NULL, *state = "ok";
	struct hq_escdec_ops ops = { .status = on_status, .data = on_data, .ticket = on_ticket };
	struct hq_escdec *dec;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct stat st;
	size_t i;
	int c, found = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': sim.port_path = optarg; break;
		case 'o': out = optarg; break;
		case 'r': raw = optarg; break;
		case 'c': sim.control_path = optarg; break;
		case 's': state = optarg; break;
		case 'b': sim.baud = (int)number(optarg, "--baud", 1, 4000000); break;
		case 'd': sim.delay_us = number(optarg, "--delay-per-byte-us", 0, 1000000); break;
		default: return usage();
		}
	}
	if (!sim.port_path || optind != argc)
		return usage();
	if (speed_of(sim.baud) == B0) {
		fprintf(stderr, "hallq-printer-sim: --baud %d: 9600, 19200, 38400, 57600 or 115200\n", sim.baud);
		return 2;
	}
	for (i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
		if (strcmp(state, state_names[i]) == 0) {
			sim.state = (enum pstate)i;
			found = 1;
		}
	if (!found) {
		fprintf(stderr, "hallq-printer-sim: --state %s: ok, near_end, paper_out, cover_open, error or offline\n", state);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((out && !(sim.out = fopen(out, "a"))) || (raw && !(sim.raw = fopen(raw, "ab")))) {
		fprintf(stderr, "hallq-printer-sim: %s: %s\n", sim.out || !out ? raw : out, strerror(errno));
		return 1;
	}
	if (sim.control_path) {
		if (strcmp(sim.control_path, "-") != 0 && stat(sim.control_path, &st) < 0 &&
		    mkfifo(sim.control_path, 0600) < 0) {
			fprintf(stderr, "hallq-printer-sim: mkfifo %s: %s\n", sim.control_path, strerror(errno));
			return 1;
		}
		if ((sim.cfd = open_control()) < 0) {
			fprintf(stderr, "hallq-printer-sim: %s: %s\n", sim.control_path, strerror(errno));
			return 1;
		}
	}
	if ((sim.fd = open_port()) < 0) {
		fprintf(stderr, "hallq-printer-sim: %s: %s\n", sim.port_path, strerror(errno));
		return 1;
	}
	if (!(dec = hq_escdec_new(&ops))) {
		fprintf(stderr, "hallq-printer-sim: no decoder (out of memory, or iconv has no GB18030)\n");
		return 1;
	}
	if (fstat(sim.fd, &st) == 0 && S_ISREG(st.st_mode))
		return decode_file(dec);
	/* The signals are let through only inside ppoll, so one cannot slip in between the
	 * check of stop and the wait. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	printf("ready\n");

	while (!stop && !sim.quit) {
		struct pollfd pfd[2] = { { .fd = sim.fd, .events = POLLIN }, { .fd = sim.cfd, .events = POLLIN } };
		struct timespec retry = { 0, 100 * 1000000L };
		unsigned char buf[4096];
		ssize_t r;

		if (ppoll(pfd, 2, sim.fd < 0 ? &retry : NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			perror("hallq-printer-sim: poll");
			break;
		}
		if (pfd[1].revents)
			read_control();
		if (sim.fd < 0) {
			/* The line is gone; take it again when its device (the socat link) is back. */
			if ((sim.fd = open_port()) >= 0)
				printf("ready\n");
			continue;
		}
		if (!pfd[0].revents)
			continue;
		/* A slow printer takes bytes in at its own pace, and its sender waits. */
		r = read(sim.fd, buf, sim.delay_us ? 64 : sizeof buf);
		if (r > 0) {
			if (sim.raw) {
				fwrite(buf, 1, (size_t)r, sim.raw);
				fflush(sim.raw);
			}
			hq_escdec_feed(dec, buf, (size_t)r);
			if (sim.delay_us)
				sleep_us(sim.delay_us * r);
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* The far end of the pty closed for good (socat stopped): EIO, or POLLHUP. */
			close(sim.fd);
			sim.fd = -1;
			printf("port lost\n");
		}
	}
	hq_escdec_finish(dec);
	hq_escdec_free(dec);
	close_files();
	return 0;
}
