/*
 * The server benchmarks: what hallqd adds on top of the queue library. The program starts a
 * real hallqd on loopback with a hall of its own in a new directory and measures, in one
 * run, (1) the library's direct durable issue rate as the yardstick, (2) ticket issue over
 * HTTP from 16 keep-alive connections, (3) how fast a change reaches 500 event-stream
 * subscribers and whether every one of them gets every event, and (4) hallqd's resident
 * memory while it fans out. The load generator is one thread on epoll and plain sockets,
 * so that it costs the machine less than the server it measures. It prints figures and
 * judges nothing by its exit status: it exits non-zero only when hallqd does not start or a
 * request fails. docs/bench.md says what each figure means and which environment
 * variables size the work.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "hq_queue.h"

/* 32 services x 9999 numbers: room for 319,968 tickets in one day, more than a fast
 * server issues in the default run. Each service is open all day every day, so the bench
 * runs at any hour; 4 counters serve 8 services each, as the hall needs every service
 * served. */
#define NSERVICES 32
#define NCOUNTERS 4
#define LAST_NUMBER 9999

#define TARGET_RATE 2000.0     /* issues/s over HTTP */
#define TARGET_ISSUE_P99 10.0  /* ms */
#define TARGET_FANOUT_P99 20.0 /* ms, send of the change to receipt by a subscriber */
#define TARGET_RSS_MB 30.0

#define START_TIMEOUT_S 10.0   /* for hallqd to answer /healthz */
#define STOP_TIMEOUT_S 5.0     /* between SIGTERM and SIGKILL */
#define STALL_S 10.0           /* a request unanswered this long means hallqd is stuck */
#define SUB_BATCH 50           /* subscribers connected at a time, kind to a small backlog */
#define RSS_EVERY_S 0.1

/* How much work each part does; see docs/bench.md. */
struct sizes {
	long direct;        /* tickets issued through the library */
	double seconds;     /* length of the timed HTTP issue phase */
	long conns;         /* concurrent keep-alive clients */
	long subs;          /* event-stream subscribers */
	long events;        /* changes made during the fan-out */
	long event_rate;    /* changes per second */
	long port;          /* 0: pick a free one */
};

static bool keep_files;
static pid_t hallqd_pid;
static long port;
static char tok_kiosk[40], tok_display[40], tok_admin[40];
static char stop_note[128];    /* how hallqd's stop went, for the report */

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void stop_hallqd(void);
static void print_log_tail(void);

/* What bench_die() does before it exits: stop what this program started and show hallqd's
 * log, which is kept in the directory. */
static void on_die(void)
{
	if (hallqd_pid > 0) {
		stop_hallqd();
		fprintf(stderr, "bench_hallqd: hallqd %s\n", stop_note);
		print_log_tail();
	}
}

/* ---- files ------------------------------------------------------------------------ */

static void remove_files(void)
{
	if (keep_files) {
		printf("kept the files in %s\n", bench_dir());
		return;
	}
	bench_remove_dir();
}

/* The hall: see NSERVICES. Prefixes AA, AB, ... keep the labels apart from real halls'. */
static char *bench_hall(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i, c;

	if (!f)
		bench_die("out of memory for the hall configuration");
	fprintf(f, "[hall]\nname = 基准大厅\nname_en = Bench Hall\n\n");
	/* The load is one client's (16 connections, 500 subscribers from one address and
	 * token): the hall's [limits] would refuse most of it. */
	fprintf(f, "[limits]\nconn_per_addr = 0\nrate = 0\nstreams_per_token = 0\n\n");
	for (i = 0; i < NSERVICES; i++)
		fprintf(f, "[service s%02d]\nname = 业务%d\nprefix = %c%c\nnumbers = 1-%d\n"
			"daily_cap = %d\nhours = 00:00-24:00\ndays = mon-sun\n\n", i, i,
			'A' + i / 26, 'A' + i % 26, LAST_NUMBER, LAST_NUMBER);
	for (c = 0; c < NCOUNTERS; c++) {
		fprintf(f, "[counter %d]\nservices = ", c + 1);
		for (i = c; i < NSERVICES; i += NCOUNTERS)
			fprintf(f, "%ss%02d", i == c ? "" : ", ", i);
		fprintf(f, "\n\n");
	}
	if (fclose(f) != 0 || !text)
		bench_die("out of memory for the hall configuration");
	return text;
}

static void write_tokens(void)
{
	char text[256];

	bench_make_token(tok_kiosk, sizeof tok_kiosk);
	bench_make_token(tok_display, sizeof tok_display);
	bench_make_token(tok_admin, sizeof tok_admin);
	snprintf(text, sizeof text, "# bench_hallqd\nkiosk %s\ndisplay %s\nadmin %s\n",
		 tok_kiosk, tok_display, tok_admin);
	bench_write_file("tokens", text, 0600);
}

/* 500 subscribers and a server holding as many sockets need more than the usual soft
 * limit of some systems; hallqd inherits the raised limit. */
static void raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= (rlim_t)need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)need ?
		(rlim_t)need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)need)
		bench_die("need %ld open files, the hard limit allows %llu: raise ulimit -n", need,
		    (unsigned long long)rl.rlim_max);
}


static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- HTTP ------------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (b->len + more + 1 > cap)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			bench_die("out of memory for a %zu-byte buffer", cap);
		b->p = p;
		b->cap = cap;
	}
}

static void buf_consume(struct buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

struct http_head {
	int status;
	long content_length;   /* -1 when absent */
	bool chunked;
	bool close;            /* the server will close after this response */
	bool event_stream;     /* Content-Type: text/event-stream */
	size_t size;           /* bytes of the status line and headers, blank line included */
};

/* 1 when p holds a whole head, 0 when more is needed, -1 when it is not HTTP. */
static int parse_head(const char *p, size_t len, struct http_head *h)
{
	const char *end = memmem(p, len, "\r\n\r\n", 4), *line, *eol;
	int minor;

	if (!end)
		return len > 65536 ? -1 : 0;
	memset(h, 0, sizeof *h);
	h->content_length = -1;
	h->size = (size_t)(end - p) + 4;
	if (sscanf(p, "HTTP/1.%d %d", &minor, &h->status) != 2)
		return -1;
	h->close = minor == 0;
	for (line = memmem(p, h->size, "\r\n", 2) + 2; line < end; line = eol + 2) {
		const char *colon, *v;
		size_t nlen;

		eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			continue;
		nlen = (size_t)(colon - line);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if (nlen == 14 && !strncasecmp(line, "Content-Length", 14))
			h->content_length = strtol(v, NULL, 10);
		else if (nlen == 17 && !strncasecmp(line, "Transfer-Encoding", 17))
			h->chunked = !strncasecmp(v, "chunked", 7);
		else if (nlen == 10 && !strncasecmp(line, "Connection", 10))
			h->close = !strncasecmp(v, "close", 5) ? true :
				   !strncasecmp(v, "keep-alive", 10) ? false : h->close;
		else if (nlen == 12 && !strncasecmp(line, "Content-Type", 12))
			h->event_stream = !strncasecmp(v, "text/event-stream", 17);
	}
	return 1;
}

struct http_resp {
	struct http_head head;
	char *body;            /* malloc'd and NUL-terminated; the caller frees it */
	size_t body_len;
};

/* Bytes a whole response takes at the start of p (its body decoded into r->body), 0 when
 * more is needed, -1 when it cannot be read. A body that runs to the end of the connection
 * is complete when at_eof. */
static long parse_response(const char *p, size_t len, bool at_eof, struct http_resp *r)
{
	struct http_head *h = &r->head;
	size_t pos, total = 0;
	int rc = parse_head(p, len, h);

	r->body = NULL;
	r->body_len = 0;
	if (rc <= 0)
		return rc;
	pos = h->size;
	if (h->status == 204 || h->status == 304 || (h->status >= 100 && h->status < 200)) {
		r->body = bench_xcalloc(1, 1);
		return (long)pos;
	}
	if (h->chunked) {
		/* First find the end without copying, then decode. */
		size_t q = pos;

		for (;;) {
			const char *eol = memmem(p + q, len - q, "\r\n", 2);
			unsigned long n;

			if (!eol)
				return 0;
			n = strtoul(p + q, NULL, 16);
			q = (size_t)(eol - p) + 2;
			if (n == 0) {
				for (;;) {   /* trailers, up to an empty line */
					eol = memmem(p + q, len - q, "\r\n", 2);
					if (!eol)
						return 0;
					if (eol == p + q) {
						q += 2;
						break;
					}
					q = (size_t)(eol - p) + 2;
				}
				break;
			}
			if (len - q < n + 2)
				return 0;
			total += n;
			q += n + 2;
		}
		r->body = bench_xmalloc(total + 1);
		while (r->body_len < total) {
			unsigned long n = strtoul(p + pos, NULL, 16);

			pos = (size_t)((const char *)memmem(p + pos, len - pos, "\r\n", 2) - p) + 2;
			memcpy(r->body + r->body_len, p + pos, n);
			r->body_len += n;
			pos += n + 2;
		}
		r->body[total] = '\0';
		return (long)q;
	}
	if (h->content_length >= 0) {
		if (len - pos < (size_t)h->content_length)
			return 0;
		total = (size_t)h->content_length;
	} else {
		if (!at_eof)
			return 0;
		total = len - pos;
		h->close = true;
	}
	r->body = bench_xmalloc(total + 1);
	memcpy(r->body, p + pos, total);
	r->body[total] = '\0';
	r->body_len = total;
	return (long)(pos + total);
}

/* The integer value of "key" in a flat JSON object; false when it is not there. */
static bool json_int(const char *s, const char *key, int64_t *out)
{
	char needle[64];
	const char *p;
	char *end;

	snprintf(needle, sizeof needle, "\"%s\"", key);
	for (p = s; (p = strstr(p, needle)); p += strlen(needle)) {
		const char *v = p + strlen(needle);

		while (isspace((unsigned char)*v))
			v++;
		if (*v != ':')
			continue;
		v++;
		while (isspace((unsigned char)*v))
			v++;
		*out = strtoll(v, &end, 10);
		return end != v;
	}
	return false;
}

static int connect_loopback(bool nonblock)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		bench_die("socket: %s", strerror(errno));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	if (nonblock)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Write all of a short request, waiting (bounded) if the socket is full. */
static bool send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (poll(&pf, 1, (int)(STALL_S * 1000)) <= 0)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* One request on a connection of its own, for the odd check outside the load; 0 or -1
 * with the reason in why. */
static int http_once(const char *method, const char *path, const char *token,
		     struct http_resp *r, double timeout_s, char *why, size_t whylen)
{
	char req[512];
	struct buf in = {0};
	double t0 = bench_now_s();
	long used = 0;
	int fd, n;

	r->body = NULL;
	if ((fd = connect_loopback(true)) < 0) {
		snprintf(why, whylen, "connect: %s", strerror(errno));
		return -1;
	}
	n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n%s%s%s"
		     "Connection: close\r\n\r\n", method, path, port,
		     token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
	if (!send_all(fd, req, (size_t)n)) {
		snprintf(why, whylen, "send: %s", strerror(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		double left = timeout_s - (bench_now_s() - t0);
		ssize_t got;

		if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) <= 0) {
			snprintf(why, whylen, "no answer within %.1f s", timeout_s);
			break;
		}
		buf_reserve(&in, 16384);
		got = recv(fd, in.p + in.len, in.cap - in.len - 1, 0);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0) {
			snprintf(why, whylen, "recv: %s", strerror(errno));
			break;
		}
		in.len += (size_t)got;
		used = parse_response(in.p, in.len, got == 0, r);
		if (used != 0 || got == 0) {
			if (used <= 0)
				snprintf(why, whylen, "%s", got == 0 ? "connection closed before a"
					 " whole response" : "not an HTTP response");
			break;
		}
	}
	close(fd);
	free(in.p);
	return used > 0 ? 0 : -1;
}

/* The sum of a metric's samples in Prometheus text (all label sets); -1 if absent. */
static double metric(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *line;
	double sum = -1;

	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *v;

		if (strncmp(line, name, n) || (line[n] != ' ' && line[n] != '{'))
			continue;
		v = line[n] == '{' ? strchr(line + n, '}') : line + n;
		if (!v)
			continue;
		sum = (sum < 0 ? 0 : sum) + strtod(v + (*v == '}'), NULL);
	}
	return sum;
}

/* ---- hallqd ----------------------------------------------------------------------- */

/* SIGTERM, a bounded wait, then SIGKILL: the one process this program started. */
static void stop_hallqd(void)
{
	pid_t pid = hallqd_pid;

	hallqd_pid = 0;
	bench_stop(pid, STOP_TIMEOUT_S, stop_note, sizeof stop_note);
}

static void print_log_tail(void)
{
	bench_log_tail("hallqd.log", 20);
}

static char hallqd_bin[4200];

/* $BUILD/hallqd, checked before any work is done. */
static void find_hallqd(void)
{
	const char *build = getenv("BUILD");

	if (!build || !*build)
		build = "build";
	snprintf(hallqd_bin, sizeof hallqd_bin, "%s/hallqd", build);
	if (access(hallqd_bin, X_OK) != 0)
		bench_die("%s: %s (build it with make)", hallqd_bin, strerror(errno));
}

static void start_hallqd(void)
{
	char *bin = hallqd_bin, ini[4200], db[4200], tokens[4200], listen_at[64], why[256];
	char how[64];
	char *argv[10];
	double t0;
	int st;
	pid_t pid;

	bench_path(ini, sizeof ini, "hall.ini");
	bench_path(db, sizeof db, "hall.db");
	bench_path(tokens, sizeof tokens, "tokens");
	snprintf(listen_at, sizeof listen_at, "127.0.0.1:%ld", port);
	argv[0] = bin;
	argv[1] = "--config";
	argv[2] = ini;
	argv[3] = "--db";
	argv[4] = db;
	argv[5] = "--listen";
	argv[6] = listen_at;
	argv[7] = "--tokens";
	argv[8] = tokens;
	argv[9] = NULL;
	printf("starting %s --config hall.ini --db hall.db --listen %s --tokens tokens"
	       " (log in hallqd.log)\n", bin, listen_at);
	hallqd_pid = pid = bench_spawn(argv, "hallqd.log", NULL, NULL);

	/* A bounded poll of /healthz; a hallqd that exits early is reported at once. */
	t0 = bench_now_s();
	for (;;) {
		struct http_resp r;

		if (bench_exited(pid, &st)) {
			hallqd_pid = 0;
			print_log_tail();
			bench_die("hallqd exited before it answered /healthz (%s)",
			    bench_exit_text(st, how, sizeof how));
		}
		if (http_once("GET", "/healthz", NULL, &r, 1.0, why, sizeof why) == 0) {
			int status = r.head.status;

			free(r.body);
			if (status == 200)
				break;
			snprintf(why, sizeof why, "status %d", status);
		}
		if (bench_now_s() - t0 > START_TIMEOUT_S)
			bench_die("hallqd did not answer GET /healthz with 200 within %.0f s (last: %s)",
			    START_TIMEOUT_S, why);
		poll(NULL, 0, 20);
	}
	printf("hallqd (pid %d) answered /healthz after %.0f ms\n", (int)pid, (bench_now_s() - t0) * 1e3);
}

/* ---- 1. the library directly ------------------------------------------------------ */

struct direct_result {
	long n;
	double rate;           /* tickets/s over the whole loop */
	struct bench_figures lat;
};

static struct direct_result bench_direct(const char *ini, long n)
{
	struct direct_result d = {0};
	struct bench_sample s = {0};
	struct hq_queue *q;
	char path[4200], err[512];
	double t0, a;
	long i;
	int rc;

	bench_path(path, sizeof path, "direct.db");
	if ((rc = hq_queue_open(path, &q, err, sizeof err)))
		bench_die("hq_queue_open %s failed: %s: %s", path, hq_err_name(rc), err);
	if ((rc = hq_queue_apply_config(q, ini, "bench hall")))
		bench_die("hq_queue_apply_config failed: %s: %s", hq_err_name(rc), hq_queue_errmsg(q));
	t0 = bench_now_s();
	for (i = 0; i < n; i++) {
		char key[8];

		snprintf(key, sizeof key, "s%02ld", i % NSERVICES);
		a = bench_now_s();
		if ((rc = hq_queue_issue(q, key, HQ_CLASS_NORMAL, NULL)))
			bench_die("hq_queue_issue failed: %s: %s", hq_err_name(rc), hq_queue_errmsg(q));
		bench_sample_add(&s, (bench_now_s() - a) * 1e3);
	}
	d.n = n;
	d.rate = (double)n / (bench_now_s() - t0);
	d.lat = bench_summarize(&s);
	bench_sample_free(&s);
	hq_queue_close(q);
	return d;
}

/* ---- keep-alive clients that issue tickets ---------------------------------------- */

struct client {
	int fd;
	struct buf in;
	bool busy;             /* a request is in flight */
	double sent_at;        /* monotonic s */
	int64_t sent_real;     /* realtime ns, for the kernel's receive timestamps */
	long idx;
};

/* What a run of requests found. */
struct tally {
	long sent, done, ok;
	long errors;           /* unexpected statuses and broken connections */
	long by_class[6];      /* 1xx..5xx */
	long reconnects;
	char first_error[300];
};

static char run_id[24];
static long issue_seq;     /* numbers the Idempotency-Keys and picks the service */

static void note_error(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note_error(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	t->errors++;
	if (t->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->first_error, sizeof t->first_error, fmt, ap);
	va_end(ap);
}

static void client_connect(struct client *c, int ep, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if ((c->fd = connect_loopback(true)) < 0)
		bench_die("cannot connect to hallqd on port %ld: %s", port, strerror(errno));
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		bench_die("epoll_ctl: %s", strerror(errno));
	c->in.len = 0;
	c->busy = false;
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);   /* closing also takes it out of the epoll set */
	c->fd = -1;
}

/* POST one normal ticket, round the services, with a key no request used before. */
static void client_issue(struct client *c, struct tally *t)
{
	char req[768], body[64];
	long seq = issue_seq++;
	int blen, n;

	blen = snprintf(body, sizeof body, "{\"service\": \"s%02ld\"}", seq % NSERVICES);
	n = snprintf(req, sizeof req, "POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n"
		     "Authorization: Bearer %s\r\nIdempotency-Key: bench-%s-%ld\r\n"
		     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		     port, tok_kiosk, run_id, seq, blen, body);
	c->sent_at = bench_now_s();
	c->sent_real = real_ns();
	c->busy = true;
	t->sent++;
	if (!send_all(c->fd, req, (size_t)n))
		bench_die("sending a request to hallqd failed: %s", strerror(errno));
}

/*
 * Read what a client's socket has. Calls done(c, response, latency ms, ud) for each whole
 * response; returns false when the connection has ended (the caller reconnects). A
 * response that arrives with no request in flight is an error.
 */
typedef void (*resp_fn)(struct client *c, struct http_resp *r, double ms, void *ud);

static bool client_read(struct client *c, struct tally *t, resp_fn done, void *ud)
{
	bool eof = false;

	for (;;) {
		ssize_t got;

		buf_reserve(&c->in, 16384);
		got = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, 0);
		if (got > 0) {
			c->in.len += (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno != EAGAIN)
			note_error(t, "connection %ld: recv: %s", c->idx, strerror(errno));
		eof = got == 0 || errno != EAGAIN;
		break;
	}
	for (;;) {
		struct http_resp r;
		long used = parse_response(c->in.p, c->in.len, eof, &r);
		double ms = (bench_now_s() - c->sent_at) * 1e3;
		bool closing;

		if (used == 0)
			break;
		if (used < 0) {
			note_error(t, "connection %ld: not an HTTP response", c->idx);
			return false;
		}
		buf_consume(&c->in, (size_t)used);
		if (!c->busy) {
			note_error(t, "connection %ld: a response to no request", c->idx);
			free(r.body);
			continue;
		}
		c->busy = false;
		t->done++;
		if (r.head.status >= 100 && r.head.status < 600)
			t->by_class[r.head.status / 100]++;
		closing = r.head.close;
		done(c, &r, ms, ud);
		free(r.body);
		if (closing)
			return false;
	}
	if (eof && c->busy) {
		note_error(t, "connection %ld: hallqd closed it with a request in flight", c->idx);
		c->busy = false;
		t->done++;
	}
	return !eof;
}

/* ---- 2. issue over HTTP ----------------------------------------------------------- */

struct issue_run {
	struct tally t;
	struct bench_sample lat;     /* ms; only while timed */
	bool timed;
	double last_done;
};

static void issue_done(struct client *c, struct http_resp *r, double ms, void *ud)
{
	struct issue_run *run = ud;

	if (r->head.status == 201) {
		run->t.ok++;
		if (run->timed)
			bench_sample_add(&run->lat, ms);
	} else {
		note_error(&run->t, "connection %ld: POST /api/v1/tickets answered %d: %.200s",
			   c->idx, r->head.status, r->body);
	}
	run->last_done = bench_now_s();
}

/* Keep every client busy until max requests were sent or the deadline (0: none) passed,
 * then wait for the ones in flight. */
static void issue_load(struct client *cl, long ncl, int ep, struct issue_run *run, long max,
		       double deadline)
{
	struct epoll_event evs[64];
	double progress = bench_now_s();
	long i, busy = 0;

	for (;;) {
		bool more = run->t.sent < max && (deadline == 0 || bench_now_s() < deadline);
		int n, k;

		busy = 0;
		for (i = 0; i < ncl; i++) {
			if (!cl[i].busy && more && run->t.sent < max)
				client_issue(&cl[i], &run->t);
			busy += cl[i].busy;
		}
		if (busy == 0)
			break;
		n = epoll_wait(ep, evs, 64, 100);
		if (n < 0 && errno != EINTR)
			bench_die("epoll_wait: %s", strerror(errno));
		for (k = 0; k < n; k++) {
			struct client *c = &cl[evs[k].data.u64];
			long before = run->t.done;

			if (!client_read(c, &run->t, issue_done, run)) {
				client_close(c);
				client_connect(c, ep, evs[k].data.u64);
				run->t.reconnects++;
			}
			if (run->t.done != before)
				progress = bench_now_s();
		}
		if (bench_now_s() - progress > STALL_S)
			bench_die("hallqd answered none of %ld requests in flight for %.0f s", busy, STALL_S);
	}
}

struct http_result {
	long conns;
	double seconds, rate, ratio;
	struct bench_figures lat;
	struct tally t;
	double server_cpu, bench_cpu;   /* share of one core over the timed phase */
	double batch_mean;              /* hallq_batch_size, -1 if not exported */
	long rss_kb;
};

static struct http_result bench_http(const struct sizes *z, long max, double direct_rate)
{
	struct http_result h = {0};
	struct issue_run run = {0};
	struct client *cl = bench_xcalloc((size_t)z->conns, sizeof *cl);
	struct http_resp r;
	double t0, c0, b0, elapsed;
	long i, hwm;
	char why[256];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		bench_die("epoll_create1: %s", strerror(errno));
	for (i = 0; i < z->conns; i++) {
		cl[i].idx = i;
		client_connect(&cl[i], ep, (uint64_t)i);
	}
	/* A few untimed requests a connection: hallqd's first batch, the page cache and the
	 * SQLite statements are warm before the clock starts. */
	issue_load(cl, z->conns, ep, &run, 4 * z->conns, 0);
	if (run.t.errors)
		bench_die("the warm-up requests failed: %s", run.t.first_error);

	memset(&run, 0, sizeof run);
	run.timed = true;
	c0 = bench_proc_cpu_s(hallqd_pid);
	b0 = self_cpu_s();
	t0 = bench_now_s();
	issue_load(cl, z->conns, ep, &run, max, t0 + z->seconds);
	elapsed = (run.last_done > t0 ? run.last_done : bench_now_s()) - t0;
	h.server_cpu = (bench_proc_cpu_s(hallqd_pid) - c0) / elapsed;
	h.bench_cpu = (self_cpu_s() - b0) / elapsed;
	bench_proc_memory(hallqd_pid, &h.rss_kb, &hwm);

	h.conns = z->conns;
	h.seconds = elapsed;
	h.rate = elapsed > 0 ? (double)run.t.ok / elapsed : 0;
	h.ratio = direct_rate > 0 ? h.rate / direct_rate : 0;
	h.lat = bench_summarize(&run.lat);
	h.t = run.t;
	bench_sample_free(&run.lat);
	for (i = 0; i < z->conns; i++) {
		client_close(&cl[i]);
		free(cl[i].in.p);
	}
	free(cl);
	close(ep);

	h.batch_mean = -1;
	if (http_once("GET", "/metrics", tok_admin, &r, 5.0, why, sizeof why) == 0) {
		if (r.head.status == 200) {
			double sum = metric(r.body, "hallq_batch_size_sum");
			double count = metric(r.body, "hallq_batch_size_count");

			if (sum >= 0 && count > 0)
				h.batch_mean = sum / count;
		}
		free(r.body);
	}
	return h;
}

/* ---- 3 and 4. fan-out to subscribers ---------------------------------------------- */

/* One event of interest as a subscriber got it. */
struct receipt {
	int64_t ticket;
	double at;             /* monotonic s when the bench read it */
	int64_t kernel_real;   /* realtime ns the kernel stamped on it; 0 if none */
};

enum { SUB_HEAD, SUB_STREAM, SUB_ENDED };

#define SSE_LINE_MAX 8192

struct sub {
	int fd;
	int state;
	bool chunked;
	long chunk_left;       /* bytes of chunk data to come; -1: a size line; -2: its CRLF */
	struct buf raw;        /* bytes not yet decoded */
	char line[SSE_LINE_MAX];
	size_t line_len;
	char data[SSE_LINE_MAX];
	size_t data_len;
	struct receipt *got;
	long ngot, cap;
	long other;            /* events of no ticket this run made, and receipts past cap */
};

struct fanout {
	struct sub *subs;
	long nsubs;
	int ep;
	long receipts;         /* over all subscribers */
	long ended;            /* streams hallqd closed */
	long kernel_stamps;
	/* time of the read in hand, applied to the events it completes */
	double read_at;
	int64_t read_kernel;
};

/* One line of an event stream, as the HTML standard's "Interpreting an event stream" reads
 * it: a blank line dispatches the event, ':' starts a comment, and of the fields only data
 * matters here (the ticket's id is in its JSON). */
static void sse_line(struct fanout *fo, struct sub *s, char *line, size_t len)
{
	if (len == 0) {
		int64_t ticket;

		if (s->data_len == 0)
			return;
		s->data[s->data_len] = '\0';
		s->data_len = 0;
		if (!json_int(s->data, "ticket_id", &ticket) || ticket <= 0)
			return;
		if (s->ngot == s->cap) {
			s->other++;
			return;
		}
		s->got[s->ngot].ticket = ticket;
		s->got[s->ngot].at = fo->read_at;
		s->got[s->ngot].kernel_real = fo->read_kernel;
		s->ngot++;
		fo->receipts++;
		return;
	}
	if (line[0] == ':')
		return;
	if (len >= 5 && !strncmp(line, "data:", 5)) {
		size_t off = len > 5 && line[5] == ' ' ? 6 : 5, n = len - off;

		if (s->data_len > 0 && s->data_len + 1 < sizeof s->data)
			s->data[s->data_len++] = '\n';
		if (n > sizeof s->data - 1 - s->data_len)
			n = sizeof s->data - 1 - s->data_len;
		memcpy(s->data + s->data_len, line + off, n);
		s->data_len += n;
	}
}

static void sse_feed(struct fanout *fo, struct sub *s, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			size_t n = s->line_len;

			if (n > 0 && s->line[n - 1] == '\r')
				n--;
			s->line[n] = '\0';
			sse_line(fo, s, s->line, n);
			s->line_len = 0;
		} else if (s->line_len < sizeof s->line - 1) {
			s->line[s->line_len++] = p[i];
		}
	}
}

/* Decode what the stream body holds so far: as it is, or from HTTP/1.1 chunks. */
static void sub_decode(struct fanout *fo, struct sub *s)
{
	size_t pos = 0;

	if (!s->chunked) {
		sse_feed(fo, s, s->raw.p, s->raw.len);
		s->raw.len = 0;
		return;
	}
	while (pos < s->raw.len && s->state == SUB_STREAM) {
		if (s->chunk_left > 0) {
			size_t n = s->raw.len - pos;

			if (n > (size_t)s->chunk_left)
				n = (size_t)s->chunk_left;
			sse_feed(fo, s, s->raw.p + pos, n);
			pos += n;
			s->chunk_left -= (long)n;
			if (s->chunk_left == 0)
				s->chunk_left = -2;
		} else if (s->chunk_left == -2) {
			if (s->raw.len - pos < 2)
				break;
			pos += 2;
			s->chunk_left = -1;
		} else {
			const char *eol = memmem(s->raw.p + pos, s->raw.len - pos, "\r\n", 2);
			long n;

			if (!eol)
				break;
			n = strtol(s->raw.p + pos, NULL, 16);
			pos = (size_t)(eol - s->raw.p) + 2;
			if (n == 0) {
				s->state = SUB_ENDED;
				fo->ended++;
			} else {
				s->chunk_left = n;
			}
		}
	}
	buf_consume(&s->raw, pos);
}

/* recvmsg with the kernel's receive timestamp (SO_TIMESTAMPNS), so the figures can tell
 * the server's delay from the time this one thread takes to get round 500 sockets. */
static ssize_t recv_stamped(int fd, char *p, size_t len, int64_t *kernel_real)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = p, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &msg, 0);

	*kernel_real = 0;
	for (cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof ts);
			*kernel_real = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	return n;
}

static void sub_read(struct fanout *fo, struct sub *s)
{
	for (;;) {
		int64_t kr;
		ssize_t got;

		buf_reserve(&s->raw, 16384);
		got = recv_stamped(s->fd, s->raw.p + s->raw.len, s->raw.cap - s->raw.len - 1, &kr);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return;
		if (got <= 0) {
			if (s->state != SUB_ENDED)
				fo->ended++;
			s->state = SUB_ENDED;
			epoll_ctl(fo->ep, EPOLL_CTL_DEL, s->fd, NULL);
			return;
		}
		fo->read_at = bench_now_s();
		fo->read_kernel = kr;
		fo->kernel_stamps += kr != 0;
		s->raw.len += (size_t)got;
		if (s->state == SUB_HEAD) {
			struct http_head h;
			int rc = parse_head(s->raw.p, s->raw.len, &h);

			if (rc == 0)
				continue;
			s->raw.p[s->raw.len] = '\0';
			if (rc < 0 || h.status != 200)
				bench_die("GET /api/v1/events answered %d: %.200s", rc < 0 ? 0 : h.status,
				    s->raw.p + (rc < 0 ? 0 : h.size));
			if (!h.event_stream)
				printf("note: the event stream's Content-Type is not"
				       " text/event-stream\n");
			s->chunked = h.chunked;
			s->chunk_left = -1;
			s->state = SUB_STREAM;
			buf_consume(&s->raw, h.size);
		}
		if (s->state == SUB_STREAM)
			sub_decode(fo, s);
	}
}

/* Subscribe from the last event id hallqd has now: a stream that starts late still sees
 * every change made after this, and none made before. */
static void sub_connect(struct fanout *fo, struct sub *s, uint64_t tag, int64_t since, long cap)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	char req[512];
	int n, one = 1;

	if ((s->fd = connect_loopback(false)) < 0)
		bench_die("subscriber %lu cannot connect: %s", (unsigned long)tag, strerror(errno));
	setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
	n = snprintf(req, sizeof req, "GET /api/v1/events?since=%lld HTTP/1.1\r\n"
		     "Host: 127.0.0.1:%ld\r\nAuthorization: Bearer %s\r\n"
		     "Accept: text/event-stream\r\n\r\n", (long long)since, port, tok_display);
	if (!send_all(s->fd, req, (size_t)n))
		bench_die("subscriber %lu cannot send its request: %s", (unsigned long)tag,
		    strerror(errno));
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	if (epoll_ctl(fo->ep, EPOLL_CTL_ADD, s->fd, &ev) != 0)
		bench_die("epoll_ctl: %s", strerror(errno));
	s->state = SUB_HEAD;
	s->cap = cap;
	s->got = bench_xcalloc((size_t)cap, sizeof *s->got);
}

/* The driver's connection is tagged past the subscribers. */
#define DRIVER_TAG UINT64_C(0xffffffff)

struct change {
	int64_t ticket;
	double sent_at;
	int64_t sent_real;
	double ms;             /* the POST's own latency */
};

struct driver {
	struct change *ch;
	long n;
	struct tally t;
};

static void driver_done(struct client *c, struct http_resp *r, double ms, void *ud)
{
	struct driver *d = ud;
	int64_t id;

	if (r->head.status != 201 || !json_int(r->body, "id", &id)) {
		note_error(&d->t, "POST /api/v1/tickets answered %d: %.200s", r->head.status,
			   r->body);
		return;
	}
	d->t.ok++;
	d->ch[d->n].ticket = id;
	d->ch[d->n].sent_at = c->sent_at;
	d->ch[d->n].sent_real = c->sent_real;
	d->ch[d->n].ms = ms;
	d->n++;
}

struct fanout_result {
	long subs, events, pairs, missing, other, ended, errors;
	double connect_s, rate, subscribers_metric;
	struct bench_figures delay, kernel_delay, post;
	struct bench_figures beyond;  /* read time minus the POST's own latency */
	bool kernel_ok;
	long rss_idle_kb, rss_max_kb, hwm_kb;
	double server_cpu;
	char first_error[300];
};

static void sample_rss(long *max_kb)
{
	long rss, hwm;

	if (bench_proc_memory(hallqd_pid, &rss, &hwm) && rss > *max_kb)
		*max_kb = rss;
}

/* Let every subscriber in [from, to) get its response head, boundedly. */
static void wait_heads(struct fanout *fo, long from, long to)
{
	struct epoll_event evs[256];
	double t0 = bench_now_s();
	long i;

	for (;;) {
		int n, k;

		for (i = from; i < to && fo->subs[i].state != SUB_HEAD; i++)
			;
		if (i == to)
			return;
		if (bench_now_s() - t0 > STALL_S)
			bench_die("subscriber %ld got no answer to GET /api/v1/events within %.0f s", i,
			    STALL_S);
		n = epoll_wait(fo->ep, evs, 256, 100);
		for (k = 0; k < n; k++)
			if (evs[k].data.u64 != DRIVER_TAG)
				sub_read(fo, &fo->subs[evs[k].data.u64]);
	}
}

static int cmp_change(const void *a, const void *b)
{
	int64_t x = ((const struct change *)a)->ticket, y = ((const struct change *)b)->ticket;

	return (x > y) - (x < y);
}

/* Subscribe z->subs streams, SUB_BATCH at a time, each from the event id hallqd has now. */
static void connect_subscribers(struct fanout *fo, const struct sizes *z, struct fanout_result *f)
{
	struct http_resp r;
	char why[256];
	int64_t since;
	double t0;
	long i, k;

	if (http_once("GET", "/healthz", NULL, &r, 5.0, why, sizeof why) != 0)
		bench_die("GET /healthz failed: %s", why);
	if (r.head.status != 200 || !json_int(r.body, "last_event_id", &since))
		bench_die("GET /healthz answered %d without last_event_id: %.200s", r.head.status, r.body);
	free(r.body);

	fo->nsubs = z->subs;
	fo->subs = bench_xcalloc((size_t)z->subs, sizeof *fo->subs);
	t0 = bench_now_s();
	for (i = 0; i < z->subs; i += SUB_BATCH) {
		long end = i + SUB_BATCH < z->subs ? i + SUB_BATCH : z->subs;

		for (k = i; k < end; k++)
			sub_connect(fo, &fo->subs[k], (uint64_t)k, since, 2 * z->events);
		wait_heads(fo, i, end);
	}
	f->connect_s = bench_now_s() - t0;
	f->subscribers_metric = -1;
	if (http_once("GET", "/metrics", tok_admin, &r, 5.0, why, sizeof why) == 0) {
		if (r.head.status == 200)
			f->subscribers_metric = metric(r.body, "hallq_event_subscribers");
		free(r.body);
	}
}

/* The changes, paced on a fixed schedule from one keep-alive connection (a slow answer
 * delays the next change, it never makes two in flight), while the subscribers read and
 * hallqd's memory is sampled. Ends when every subscriber has every event, or a second
 * after the last answer, for stragglers. */
static void drive_changes(struct fanout *fo, const struct sizes *z, struct driver *d,
			  struct fanout_result *f)
{
	struct client drv = { .fd = -1, .idx = 0 };
	struct epoll_event evs[256];
	double t0, next_rss, settle = 0, c0, interval = 1.0 / (double)z->event_rate;
	long k = 0, want = z->subs * z->events;

	client_connect(&drv, fo->ep, DRIVER_TAG);
	c0 = bench_proc_cpu_s(hallqd_pid);
	t0 = bench_now_s();
	next_rss = t0;
	for (;;) {
		double now = bench_now_s(), wake;
		int n, j;

		if (now >= next_rss) {
			sample_rss(&f->rss_max_kb);
			next_rss = now + RSS_EVERY_S;
		}
		if (!drv.busy && k < z->events && now >= t0 + (double)k * interval) {
			client_issue(&drv, &d->t);
			k++;
		}
		if (k == z->events && !drv.busy && settle == 0)
			settle = now;
		if (settle > 0 && (fo->receipts >= want || now - settle > 1.0))
			break;
		if (drv.busy && now - drv.sent_at > STALL_S)
			bench_die("hallqd did not answer a POST within %.0f s during the fan-out", STALL_S);
		wake = next_rss;
		if (!drv.busy && k < z->events && t0 + (double)k * interval < wake)
			wake = t0 + (double)k * interval;
		if (settle > 0 && settle + 1.0 < wake)
			wake = settle + 1.0;
		n = epoll_wait(fo->ep, evs, 256, wake > now ? (int)ceil((wake - now) * 1e3) : 0);
		if (n < 0 && errno != EINTR)
			bench_die("epoll_wait: %s", strerror(errno));
		for (j = 0; j < n; j++) {
			if (evs[j].data.u64 != DRIVER_TAG) {
				sub_read(fo, &fo->subs[evs[j].data.u64]);
			} else if (!client_read(&drv, &d->t, driver_done, d)) {
				client_close(&drv);
				client_connect(&drv, fo->ep, DRIVER_TAG);
				d->t.reconnects++;
			}
		}
	}
	f->server_cpu = (bench_proc_cpu_s(hallqd_pid) - c0) / (bench_now_s() - t0);
	f->rate = d->n > 1 ?
		(double)(d->n - 1) / (d->ch[d->n - 1].sent_at - d->ch[0].sent_at) : 0;
	client_close(&drv);
	free(drv.in.p);
}

/* Match each receipt to the change that made its ticket: the delays, and what is missing. */
static void match_receipts(struct fanout *fo, struct driver *d, struct fanout_result *f)
{
	struct bench_sample del = {0}, kdel = {0}, post = {0}, beyond = {0};
	long i, k;

	for (i = 0; i < d->n; i++)
		bench_sample_add(&post, d->ch[i].ms);
	qsort(d->ch, (size_t)d->n, sizeof *d->ch, cmp_change);
	f->kernel_ok = fo->kernel_stamps > 0;
	for (i = 0; i < fo->nsubs; i++) {
		struct sub *s = &fo->subs[i];
		char *seen = bench_xcalloc((size_t)(d->n ? d->n : 1), 1);

		for (k = 0; k < s->ngot; k++) {
			struct change key = { .ticket = s->got[k].ticket }, *c;
			double read_ms, kernel_ms;

			c = bsearch(&key, d->ch, (size_t)d->n, sizeof *d->ch, cmp_change);
			if (!c || seen[c - d->ch]) {
				f->other++;
				continue;
			}
			seen[c - d->ch] = 1;
			f->pairs++;
			read_ms = (s->got[k].at - c->sent_at) * 1e3;
			bench_sample_add(&del, read_ms);
			bench_sample_add(&beyond, read_ms - c->ms);
			if (s->got[k].kernel_real == 0) {
				f->kernel_ok = false;
				continue;
			}
			/* A stamp before the POST or after the read is on some other clock:
			 * the kernel figures are no use then. */
			kernel_ms = (double)(s->got[k].kernel_real - c->sent_real) / 1e6;
			if (kernel_ms < -1.0 || kernel_ms > read_ms + 1.0)
				f->kernel_ok = false;
			bench_sample_add(&kdel, kernel_ms);
		}
		f->other += s->other;
		free(seen);
	}
	f->missing = fo->nsubs * d->n - f->pairs;
	f->ended = fo->ended;
	f->delay = bench_summarize(&del);
	f->kernel_delay = bench_summarize(&kdel);
	f->post = bench_summarize(&post);
	f->beyond = bench_summarize(&beyond);
	bench_sample_free(&beyond);
	bench_sample_free(&del);
	bench_sample_free(&kdel);
	bench_sample_free(&post);
}

static struct fanout_result bench_fanout(const struct sizes *z)
{
	struct fanout_result f = {0};
	struct fanout fo = {0};
	struct driver d = {0};
	long i, hwm;

	f.subs = z->subs;
	f.events = z->events;
	if ((fo.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		bench_die("epoll_create1: %s", strerror(errno));
	connect_subscribers(&fo, z, &f);
	bench_proc_memory(hallqd_pid, &f.rss_idle_kb, &hwm);
	f.rss_max_kb = f.rss_idle_kb;

	d.ch = bench_xcalloc((size_t)z->events, sizeof *d.ch);
	drive_changes(&fo, z, &d, &f);
	sample_rss(&f.rss_max_kb);
	bench_proc_memory(hallqd_pid, &hwm, &f.hwm_kb);
	match_receipts(&fo, &d, &f);
	f.errors = d.t.errors + (d.n < z->events && !d.t.errors ? 1 : 0);
	snprintf(f.first_error, sizeof f.first_error, "%s", d.t.first_error);

	/* hallqd is stopped with the streams still open: SIGTERM has to close them. */
	stop_hallqd();
	for (i = 0; i < fo.nsubs; i++) {
		close(fo.subs[i].fd);
		free(fo.subs[i].raw.p);
		free(fo.subs[i].got);
	}
	free(fo.subs);
	free(d.ch);
	close(fo.ep);
	return f;
}

/* ---- main ------------------------------------------------------------------------- */

static double mb(long kb)
{
	return (double)kb / 1024.0;
}

int main(void)
{
	struct sizes z;
	struct direct_result dr;
	struct http_result h;
	struct fanout_result f;
	long max, hwm, idle_rss = 0;
	const struct bench_figures *judged;
	const char *judged_by;
	bool failed = false, rate_ok, p99_ok, fan_ok, mem_ok;
	char *ini;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_init("bench_hallqd", on_die);
	signal(SIGPIPE, SIG_IGN);
	z.direct = bench_env_long("HQ_BENCH_DIRECT_OPS", 1000, 10, 100000);
	z.seconds = (double)bench_env_long("HQ_BENCH_HTTP_SECONDS", 5, 1, 600);
	z.conns = bench_env_long("HQ_BENCH_CONNS", 16, 1, 1000);
	z.subs = bench_env_long("HQ_BENCH_SUBSCRIBERS", 500, 1, 50000);
	z.events = bench_env_long("HQ_BENCH_EVENTS", 200, 1, 100000);
	z.event_rate = bench_env_long("HQ_BENCH_EVENT_RATE", 50, 1, 100000);
	z.port = bench_env_long("HQ_BENCH_PORT", 0, 0, 65535);
	keep_files = bench_env_long("HQ_BENCH_KEEP", 0, 0, 1) != 0;
	/* Room for the warm-up and the fan-out's changes after the timed issues. */
	max = (long)NSERVICES * LAST_NUMBER - 4 * z.conns - z.events;
	if (max < 100)
		bench_die("HQ_BENCH_EVENTS and HQ_BENCH_CONNS leave the bench hall no tickets to issue");
	snprintf(run_id, sizeof run_id, "%d-%lld", (int)getpid(), (long long)(real_ns() / 1000000));

	printf("bench_hallqd: hallqd over HTTP on loopback, against the queue library\n");
	printf("HQ_BENCH_DIRECT_OPS=%ld HQ_BENCH_HTTP_SECONDS=%.0f HQ_BENCH_CONNS=%ld"
	       " HQ_BENCH_SUBSCRIBERS=%ld HQ_BENCH_EVENTS=%ld HQ_BENCH_EVENT_RATE=%ld\n",
	       z.direct, z.seconds, z.conns, z.subs, z.events, z.event_rate);
	raise_nofile(z.subs + z.conns + 64);
	find_hallqd();
	bench_make_dir("hallqd-bench", "files");
	ini = bench_hall();
	bench_write_file("hall.ini", ini, 0644);
	write_tokens();

	dr = bench_direct(ini, z.direct);
	free(ini);
	printf("\n1. direct: hq_queue_issue on a database of its own, durable (the default),"
	       " %d services\n", NSERVICES);
	printf("   %ld tickets: %.0f issues/s; latency mean %.2f ms, p50 %.2f ms, p99 %.2f ms\n",
	       dr.n, dr.rate, dr.lat.mean, dr.lat.p50, dr.lat.p99);

	printf("\n");
	port = z.port ? z.port : bench_free_port();
	start_hallqd();
	bench_proc_memory(hallqd_pid, &idle_rss, &hwm);

	h = bench_http(&z, max, dr.rate);
	rate_ok = h.rate >= TARGET_RATE;
	p99_ok = h.lat.n > 0 && h.lat.p99 < TARGET_ISSUE_P99;
	printf("\n2. issue over HTTP: %ld keep-alive connections, POST /api/v1/tickets with an"
	       " Idempotency-Key each,\n   one request in flight a connection, %.0f s\n",
	       h.conns, z.seconds);
	printf("   %ld answered 201 in %.2f s: %.0f issues/s, %.2f of direct\n", h.t.ok, h.seconds,
	       h.rate, h.ratio);
	printf("   latency mean %.2f ms, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", h.lat.mean,
	       h.lat.p50, h.lat.p99, h.lat.max);
	printf("   target ≥ %.0f issues/s: %s; target p99 < %.0f ms: %s\n", TARGET_RATE,
	       bench_met(rate_ok), TARGET_ISSUE_P99, bench_met(p99_ok));
	printf("   CPU: hallqd %.0f%% of a core, this bench %.0f%%; hallqd VmRSS %.1f MB\n",
	       100 * h.server_cpu, 100 * h.bench_cpu, mb(h.rss_kb));
	if (h.batch_mean >= 0)
		printf("   group commit: %.1f operations a batch on average (hallq_batch_size)\n",
		       h.batch_mean);
	if (h.t.reconnects)
		printf("   hallqd closed %ld keep-alive connections; the bench reconnected\n",
		       h.t.reconnects);
	if (h.t.errors) {
		failed = true;
		printf("   ERRORS: %ld (2xx %ld, 4xx %ld, 5xx %ld); the first: %s\n", h.t.errors,
		       h.t.by_class[2], h.t.by_class[4], h.t.by_class[5], h.t.first_error);
	}

	f = bench_fanout(&z);
	/* The kernel's stamp is when the event reached the subscriber's socket, which is what
	 * a display on another machine would see; the read time adds this one thread's trip
	 * round 500 sockets on a machine hallqd's threads keep busy. */
	judged = f.kernel_ok ? &f.kernel_delay : &f.delay;
	judged_by = f.kernel_ok ? "by the kernel's receive stamps" : "as read by the bench";
	fan_ok = judged->n > 0 && judged->p99 < TARGET_FANOUT_P99 && f.missing == 0;
	mem_ok = f.hwm_kb > 0 && mb(f.hwm_kb) < TARGET_RSS_MB;
	printf("\n3. fan-out: %ld subscribers to GET /api/v1/events (connected in %.2f s",
	       f.subs, f.connect_s);
	if (f.subscribers_metric >= 0)
		printf("; hallq_event_subscribers %.0f", f.subscribers_metric);
	printf("),\n   %ld issues from one connection at %.0f/s; delay from just before each"
	       " POST to the\n   event with that ticket at each subscriber, over %ld"
	       " (subscriber, event) pairs\n", f.events, f.rate, f.pairs);
	if (f.kernel_ok)
		printf("   by the kernel's receive stamps: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		       f.kernel_delay.p50, f.kernel_delay.p99, f.kernel_delay.max);
	else
		printf("   (no usable kernel receive stamps on this system)\n");
	printf("   as read by the bench:           p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       f.delay.p50, f.delay.p99, f.delay.max);
	printf("   the POSTs themselves:           p50 %.2f ms, p99 %.2f ms\n", f.post.p50,
	       f.post.p99);
	printf("   read after the POST's answer:   p50 %.2f ms, p99 %.2f ms (the fan-out without"
	       " the commit)\n", f.beyond.p50, f.beyond.p99);
	printf("   missing: %ld of %ld; other events: %ld; streams closed by hallqd: %ld\n",
	       f.missing, f.subs * f.events, f.other, f.ended);
	printf("   hallqd CPU %.0f%% of a core\n", 100 * f.server_cpu);
	printf("   target p99 < %.0f ms (%s), none missing: %s\n", TARGET_FANOUT_P99, judged_by,
	       bench_met(fan_ok));
	if (f.errors) {
		failed = true;
		printf("   ERRORS: %ld; the first: %s\n", f.errors,
		       f.first_error[0] ? f.first_error : "fewer changes made than asked");
	}
	if (f.ended) {
		failed = true;
		printf("   ERROR: hallqd ended %ld event streams during the run\n", f.ended);
	}

	printf("\n4. memory of hallqd: VmRSS %.1f MB at start, %.1f MB after the issue phase,"
	       " %.1f MB\n   with %ld subscribers, at most %.1f MB during the fan-out;"
	       " VmHWM (the peak of its life) %.1f MB\n",
	       mb(idle_rss), mb(h.rss_kb), mb(f.rss_idle_kb), f.subs, mb(f.rss_max_kb),
	       mb(f.hwm_kb));
	printf("   target peak < %.0f MB: %s\n", TARGET_RSS_MB, bench_met(mem_ok));
	printf("\nhallqd %s, with the %ld event streams open\n", stop_note, f.subs);

	if (failed)
		keep_files = true;     /* hallqd's log says what went wrong */
	remove_files();

	printf("\nsummary\n");
	printf("direct issue: %.0f issues/s (hq_queue_issue, durable)\n", dr.rate);
	printf("HTTP issue rate: %.0f issues/s, %.2f of direct (target ≥ %.0f: %s)\n", h.rate,
	       h.ratio, TARGET_RATE, bench_met(rate_ok));
	printf("HTTP issue latency: p99 %.2f ms, p50 %.2f ms (target p99 < %.0f ms: %s)\n",
	       h.lat.p99, h.lat.p50, TARGET_ISSUE_P99, bench_met(p99_ok));
	printf("fan-out to %ld subscribers: p99 %.2f ms %s, %ld missing (target p99 < %.0f ms"
	       " and none missing: %s)\n", f.subs, judged->p99, judged_by, f.missing,
	       TARGET_FANOUT_P99, bench_met(fan_ok));
	printf("hallqd memory: peak %.1f MB VmHWM, %.1f MB VmRSS under fan-out (target < %.0f MB:"
	       " %s)\n", mb(f.hwm_kb), mb(f.rss_max_kb), TARGET_RSS_MB, bench_met(mem_ok));
	if (failed)
		printf("requests failed: see the ERRORS above\n");
	return failed ? 1 : 0;
}
