/*
 * hallq-relay: a test and benchmark tool that sits in the middle of a virtual RS-485 line.
 * Two socat pty pairs make the line (gateway <-> A1=A2 <-> relay <-> B1=B2 <-> units); the
 * relay opens A2 and B1 and forwards bytes both ways. On the way it can corrupt, drop or
 * truncate them, decided by a seeded PRNG of its own so that a failing run can be replayed;
 * it can pace each direction as a real line at a given baud rate, counting 11 bits a
 * character as firmware-proto/PROTOCOL.md (section 1.2) does, so poll cycles can be measured
 * against the formula of its section 6; and it outlives either side being unplugged (the
 * socat behind it killed and restarted with the same links). It prints "ready" once both
 * sides are open, and its counters on SIGUSR1, SIGTERM or SIGINT, so scripts can wait for it
 * and check what it did.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define RING 65536u                  /* bytes queued per direction; a power of two */
#define READ_MAX 4096u
#define REOPEN_NS 100000000LL        /* try to reopen an away side every 100 ms */
#define BURST_GAP_NS 1500000LL       /* this much silence on input ends a burst */
#define SPIN_NS 150000LL             /* wake this early for the last byte queued, see main */
#define NEVER INT64_MAX

static volatile sig_atomic_t want_stop;
static volatile sig_atomic_t want_counters;

/* splitmix64 (Steele, Lea, Flood 2014): tiny, and any seed, 0 included, is a good one. */
struct prng {
	uint64_t s;
};

static uint64_t prng_next(struct prng *p)
{
	uint64_t z = (p->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* True with probability p, from 53 random bits taken as a fraction in [0, 1). */
static int prng_chance(struct prng *p, double prob)
{
	return (double)(prng_next(p) >> 11) * 0x1p-53 < prob;
}

struct side {
	char name; /* 'A' or 'B' */
	const char *path;
	int fd; /* -1 while the side is away */
	int was_open;
	int64_t retry_at;
};

/* One direction of the line: bytes read from src waiting for their time to go to dst. */
struct dir {
	struct side *src, *dst;
	unsigned char *buf; /* a ring of RING bytes from head */
	int64_t *ready;     /* when each byte has finished on the wire */
	size_t head, len;
	int64_t line_free; /* ready(i-1): when the last byte read leaves the wire */
	int64_t last_in;   /* when the last byte was read, to find where bursts start */
	size_t burst_pos, cut_at;
	int cut_counted;
	int blocked; /* the last write was short: wait for POLLOUT */
	/*
	 * Per-byte faults and per-burst faults draw from streams of their own, one pair a
	 * direction, so the bytes a run corrupts depend on the bytes and the seed only, not on
	 * how the reads happened to split them or how the two directions interleaved.
	 */
	struct prng byte_rng, burst_rng;
	uint64_t forwarded;
};

/* How late writes were: ns from a batch's deadline to its write. */
struct lateness {
	uint64_t n;
	int64_t sum, max;
};

struct counters {
	uint64_t corrupted, dropped, truncated, truncated_bytes, lost_away, reopens;
	/* Every batch from its oldest byte; the batches that emptied the queue from their last. */
	struct lateness late, end_late;
};

struct relay {
	struct side side[2];
	struct dir dir[2]; /* dir[0] A to B, dir[1] B to A: dir[i] reads side[i] */
	double corrupt, drop, truncate;
	uint64_t baud;   /* 0: no pacing */
	int64_t char_ns; /* 11 bits at that rate, rounded to the ns */
	int quiet;
	struct counters c;
};

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_counters = 1;
	else
		want_stop = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fputs("usage: hallq-relay --a PATH --b PATH [--seed N] [--corrupt P] [--drop P]\n"
	      "                   [--truncate P] [--baud B] [--quiet]\n"
	      "Forwards bytes between two serial lines or ptys, with faults and pacing:\n"
	      "  --seed N      seed of the fault PRNG (default 1); same seed, same faults\n"
	      "  --corrupt P   flip one random bit of a byte with probability P (0..1)\n"
	      "  --drop P      lose a byte with probability P\n"
	      "  --truncate P  cut a burst (bytes with under 1.5 ms between them) with\n"
	      "                probability P, at a random point inside its first read\n"
	      "  --baud B      deliver each byte 11/B s after the one before, as a line would\n"
	      "  --quiet       no banner; a side going away or coming back is still told\n"
	      "Prints \"ready\" once both sides are open, and its counters on SIGUSR1 and\n"
	      "on SIGTERM or SIGINT, which end it.\n",
	      f);
}

static int parse_prob(const char *name, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* Written so that NaN fails too. */
	if (end == s || *end != '\0' || errno != 0 || !(v >= 0.0 && v <= 1.0)) {
		fprintf(stderr, "hallq-relay: --%s wants a probability from 0 to 1, not \"%s\"\n",
			name, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_uint(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* strtoull takes "-1" as a huge number: only digits may start it. */
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max) {
bad:
		fprintf(stderr, "hallq-relay: --%s wants a whole number from %" PRIu64 " to %" PRIu64
			", not \"%s\"\n", name, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* Opens a side raw and nonblocking; returns the fd or -errno. */
static int side_open(const struct side *s)
{
	struct termios t;
	int fd, e;

	fd = open(s->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t) < 0)
		goto fail;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	/*
	 * VMIN 1 with O_NONBLOCK, not VMIN 0: with VMIN 0 a read with nothing to read returns 0,
	 * which could not be told from the hang-up of a side that went away.
	 */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	return -e;
}

static void side_away(struct relay *r, struct side *s, const char *why, int64_t now)
{
	int i = s == &r->side[0] ? 0 : 1;
	struct dir *in = &r->dir[i], *out = &r->dir[1 - i];

	close(s->fd);
	s->fd = -1;
	s->retry_at = now + REOPEN_NS;
	/* Bytes still queued for it are lost when their time comes (deliver counts them). */
	out->blocked = 0;
	in->last_in = INT64_MIN;
	fprintf(stderr, "hallq-relay: side %c (%s) went away: %s; reopening every 100 ms\n",
		s->name, s->path, why);
}

static void side_retry(struct relay *r, struct side *s, int64_t now)
{
	int fd = side_open(s);

	if (fd < 0) {
		s->retry_at = now + REOPEN_NS;
		return;
	}
	s->fd = fd;
	if (s->was_open) {
		r->c.reopens++;
		fprintf(stderr, "hallq-relay: side %c (%s) is back\n", s->name, s->path);
	} else if (!r->quiet) {
		fprintf(stderr, "hallq-relay: side %c (%s) is open\n", s->name, s->path);
	}
	s->was_open = 1;
}

/* Takes one read of input through the faults and onto the queue with its deadlines. */
static void dir_input(struct relay *r, struct dir *d, const unsigned char *in, size_t n,
		      int64_t now)
{
	size_t i;

	if (d->last_in == INT64_MIN || now - d->last_in >= BURST_GAP_NS) {
		/*
		 * A new burst. Its length is not known until the silence after it, and waiting for
		 * that would add latency, so the cut falls inside this first read, which on a pty
		 * is the whole frame its writer wrote at once. At least one byte is kept.
		 */
		d->burst_pos = 0;
		d->cut_at = SIZE_MAX;
		d->cut_counted = 0;
		if (r->truncate > 0 && prng_chance(&d->burst_rng, r->truncate))
			d->cut_at = n > 1 ? 1 + prng_next(&d->burst_rng) % (n - 1) : 1;
	}
	d->last_in = now;

	for (i = 0; i < n; i++) {
		unsigned char c = in[i];
		size_t at;

		/* A byte lost on the way still took its time on the wire: its sender sent it. */
		d->line_free = (now > d->line_free ? now : d->line_free) + r->char_ns;
		if (d->burst_pos++ >= d->cut_at) {
			r->c.truncated_bytes++;
			if (!d->cut_counted) {
				r->c.truncated++;
				d->cut_counted = 1;
			}
			continue;
		}
		if (r->drop > 0 && prng_chance(&d->byte_rng, r->drop)) {
			r->c.dropped++;
			continue;
		}
		if (r->corrupt > 0 && prng_chance(&d->byte_rng, r->corrupt)) {
			c ^= (unsigned char)(1u << (prng_next(&d->byte_rng) >> 61));
			r->c.corrupted++;
		}
		at = (d->head + d->len) & (RING - 1);
		d->buf[at] = c;
		d->ready[at] = d->line_free;
		d->len++;
	}
}

/*
 * Reads once what a side has: one read a wake-up, so that what came first is delivered
 * before what came after it is read. A read of 0, an error, or a hang-up with nothing left to
 * read means the side went away.
 */
static void side_read(struct relay *r, struct side *s, short revents)
{
	struct dir *d = &r->dir[s == &r->side[0] ? 0 : 1];
	unsigned char in[READ_MAX];
	size_t room = RING - d->len;
	ssize_t n = 0;

	if (room > 0) {
		n = read(s->fd, in, room < sizeof in ? room : sizeof in);
		if (n > 0) {
			dir_input(r, d, in, (size_t)n, now_ns());
			return;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			side_away(r, s, n == 0 ? "end of file" : strerror(errno), now_ns());
			return;
		}
	}
	if (revents & (POLLHUP | POLLERR | POLLNVAL))
		side_away(r, s, revents & POLLHUP ? "hang-up" : "poll error", now_ns());
}

static void late_add(struct lateness *l, int64_t ns)
{
	l->n++;
	l->sum += ns;
	if (ns > l->max)
		l->max = ns;
}

/* Writes, in one go, every queued byte whose time has come. */
static void dir_deliver(struct relay *r, struct dir *d)
{
	struct iovec iov[2];
	int64_t now = now_ns(), late, end_late;
	size_t n = 0, first;
	ssize_t w;

	while (n < d->len && d->ready[(d->head + n) & (RING - 1)] <= now)
		n++;
	if (n == 0)
		return;
	if (d->dst->fd < 0) {
		r->c.lost_away += n;
		d->head = (d->head + n) & (RING - 1);
		d->len -= n;
		return;
	}
	first = RING - d->head < n ? RING - d->head : n;
	iov[0].iov_base = d->buf + d->head;
	iov[0].iov_len = first;
	iov[1].iov_base = d->buf;
	iov[1].iov_len = n - first;
	late = now - d->ready[d->head];
	end_late = now - d->ready[(d->head + n - 1) & (RING - 1)];
	w = writev(d->dst->fd, iov, n > first ? 2 : 1);
	if (w < 0) {
		if (errno == EAGAIN)
			d->blocked = 1;
		else if (errno != EINTR)
			side_away(r, d->dst, strerror(errno), now);
		return;
	}
	d->forwarded += (uint64_t)w;
	d->head = (d->head + (size_t)w) & (RING - 1);
	d->len -= (size_t)w;
	if ((size_t)w < n)
		d->blocked = 1;
	late_add(&r->c.late, late);
	if (d->len == 0)
		late_add(&r->c.end_late, end_late);
}

static void print_counters(const struct relay *r)
{
	const struct counters *c = &r->c;
	const struct lateness *l = &c->late, *e = &c->end_late;

	printf("counters a_to_b=%" PRIu64 " b_to_a=%" PRIu64 " corrupted=%" PRIu64
	       " dropped=%" PRIu64 " truncated=%" PRIu64 " truncated_bytes=%" PRIu64
	       " lost_away=%" PRIu64 " reopens=%" PRIu64 " late_avg_us=%.1f late_max_us=%.1f"
	       " end_late_avg_us=%.1f end_late_max_us=%.1f\n",
	       r->dir[0].forwarded, r->dir[1].forwarded, c->corrupted, c->dropped, c->truncated,
	       c->truncated_bytes, c->lost_away, c->reopens,
	       l->n ? (double)l->sum / (double)l->n / 1e3 : 0.0, (double)l->max / 1e3,
	       e->n ? (double)e->sum / (double)e->n / 1e3 : 0.0, (double)e->max / 1e3);
	fflush(stdout);
}

static int parse_args(struct relay *r, int argc, char **argv, uint64_t *seed)
{
	static const struct option opts[] = {
		{ "a", required_argument, NULL, 'a' },
		{ "b", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "corrupt", required_argument, NULL, 'c' },
		{ "drop", required_argument, NULL, 'd' },
		{ "truncate", required_argument, NULL, 't' },
		{ "baud", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*seed = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': r->side[0].path = optarg; break;
		case 'b': r->side[1].path = optarg; break;
		case 's':
			if (parse_uint("seed", optarg, 0, UINT64_MAX, seed) < 0)
				return -1;
			break;
		case 'c':
			if (parse_prob("corrupt", optarg, &r->corrupt) < 0)
				return -1;
			break;
		case 'd':
			if (parse_prob("drop", optarg, &r->drop) < 0)
				return -1;
			break;
		case 't':
			if (parse_prob("truncate", optarg, &r->truncate) < 0)
				return -1;
			break;
		case 'B':
			if (parse_uint("baud", optarg, 50, 10000000, &r->baud) < 0)
				return -1;
			break;
		case 'q': r->quiet = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc || !r->side[0].path || !r->side[1].path) {
		fprintf(stderr, "hallq-relay: %s\n", optind < argc ? "unexpected argument"
								: "both --a and --b are needed");
		usage(stderr);
		return -1;
	}
	r->char_ns = r->baud ? (int64_t)((11000000000ULL + r->baud / 2) / r->baud) : 0;
	return 0;
}

int main(int argc, char **argv)
{
	struct relay r = { 0 };
	struct sigaction sa = { 0 };
	sigset_t block, during_poll;
	struct prng root;
	uint64_t seed;
	int i, announced = 0, status = 0;

	r.side[0] = (struct side){ .name = 'A', .fd = -1 };
	r.side[1] = (struct side){ .name = 'B', .fd = -1 };
	if (parse_args(&r, argc, argv, &seed) < 0)
		return 2;

	/* Four streams from one seed: splitmix64's outputs are fine seeds themselves. */
	root.s = seed;
	for (i = 0; i < 2; i++) {
		struct dir *d = &r.dir[i];

		d->src = &r.side[i];
		d->dst = &r.side[1 - i];
		d->buf = malloc(RING);
		d->ready = malloc(RING * sizeof *d->ready);
		if (!d->buf || !d->ready) {
			fputs("hallq-relay: out of memory\n", stderr);
			return 1;
		}
		d->last_in = INT64_MIN;
		d->line_free = 0;
		d->byte_rng.s = prng_next(&root);
		d->burst_rng.s = prng_next(&root);
	}

	for (i = 0; i < 2; i++) {
		struct side *s = &r.side[i];
		int fd = side_open(s);

		if (fd == -ENOTTY) {
			fprintf(stderr, "hallq-relay: %s is not a serial line or pty\n", s->path);
			return 2;
		}
		if (fd < 0 && !r.quiet)
			fprintf(stderr, "hallq-relay: waiting for side %c (%s: %s)\n", s->name, s->path,
				strerror(-fd));
		s->fd = fd < 0 ? -1 : fd;
		s->was_open = fd >= 0;
	}
	if (!r.quiet) {
		fprintf(stderr, "hallq-relay: A=%s B=%s seed=%" PRIu64 " corrupt=%g drop=%g truncate=%g",
			r.side[0].path, r.side[1].path, seed, r.corrupt, r.drop, r.truncate);
		if (r.baud)
			fprintf(stderr, " baud=%" PRIu64 " (%.1f us a byte)\n", r.baud,
				(double)r.char_ns / 1e3);
		else
			fputs(" baud=off\n", stderr);
	}

	/*
	 * The signals stay blocked except inside ppoll, which unblocks them atomically: a
	 * signal can then only cut a wait short, never land between the flag test and the wait.
	 */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	sigdelset(&during_poll, SIGINT);
	sigdelset(&during_poll, SIGUSR1);

	/* The default 50 us of timer slack would be added to every paced byte's wake-up. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	for (;;) {
		struct pollfd pfd[2];
		struct side *polled[2];
		struct timespec ts;
		int64_t now, deadline = NEVER;
		int n = 0, rc;

		if (want_counters) {
			want_counters = 0;
			print_counters(&r);
		}
		if (want_stop)
			break;

		now = now_ns();
		for (i = 0; i < 2; i++)
			if (r.side[i].fd < 0 && now >= r.side[i].retry_at)
				side_retry(&r, &r.side[i], now);
		if (!announced && r.side[0].fd >= 0 && r.side[1].fd >= 0) {
			announced = 1;
			puts("ready");
			fflush(stdout);
		}
		for (i = 0; i < 2; i++)
			if (!r.dir[i].blocked)
				dir_deliver(&r, &r.dir[i]);

		for (i = 0; i < 2; i++) {
			struct dir *d = &r.dir[i];
			struct side *s = &r.side[i];

			if (d->len && !d->blocked) {
				int64_t t = d->ready[d->head];
				int64_t end = d->ready[(d->head + d->len - 1) & (RING - 1)] - SPIN_NS;

				/*
				 * The last byte queued ends a frame as far as anyone knows, and the
				 * receiver's silence timer starts from it, so its time has to be kept
				 * better than a sleep can keep it (a wake-up is some 60 us late on a
				 * VM). Waking early and polling without sleeping up to it costs that
				 * spin once a frame, not once a byte; the bytes just before it are
				 * delivered on time by the same spin.
				 */
				if (r.char_ns && end < t)
					t = end;
				if (t < deadline)
					deadline = t;
			}
			if (s->fd < 0) {
				if (s->retry_at < deadline)
					deadline = s->retry_at;
				continue;
			}
			/* Always polled, even with a full queue, so a hang-up is still seen. */
			pfd[n].fd = s->fd;
			pfd[n].events = (d->len < RING ? POLLIN : 0) | (r.dir[1 - i].blocked ? POLLOUT : 0);
			pfd[n].revents = 0;
			polled[n++] = s;
		}
		if (deadline != NEVER) {
			int64_t wait = deadline - now_ns();

			if (wait < 0)
				wait = 0;
			ts.tv_sec = (time_t)(wait / 1000000000LL);
			ts.tv_nsec = (long)(wait % 1000000000LL);
		}
		rc = ppoll(pfd, (nfds_t)n, deadline == NEVER ? NULL : &ts, &during_poll);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hallq-relay: ppoll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		for (i = 0; i < n; i++) {
			struct side *s = polled[i];

			if (pfd[i].revents & POLLOUT)
				r.dir[s == &r.side[0] ? 1 : 0].blocked = 0;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
				side_read(&r, s, pfd[i].revents);
		}
	}

	print_counters(&r);
	for (i = 0; i < 2; i++) {
		if (r.side[i].fd >= 0)
			close(r.side[i].fd);
		free(r.dir[i].buf);
		free(r.dir[i].ready);
	}
	return status;
}
