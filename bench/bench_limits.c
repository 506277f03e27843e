/*
 * hallqd under one client's abuse: what its [limits] leave for the hall's own clients. The
 * program starts a hallqd of its own on loopback with the default limits and measures, in
 * one run, the latency of a kiosk issuing tickets (from 127.0.0.1) and of a counter's
 * call-next (from 127.0.0.3), each paced at 20 requests a second on a keep-alive
 * connection, first alone, then while one abuser (from 127.0.0.2, its own token) floods
 * hallqd: connections sending requests as fast as they are answered, slowloris
 * connections trickling a header byte at a time, and event streams opened beyond its
 * limit. It prints both p99s and their ratio per client and what the abuser got, and
 * judges nothing: it exits non-zero only when hallqd does not start or a kiosk or counter
 * request fails. docs/bench.md says what each figure means.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common.h"
#include "hall.h"

#define PACE_S 0.05            /* 20 requests a second from the kiosk and the counter */
#define FLOODERS 24
#define SLOWLORIS 8
#define STREAMERS 2

static long port;
static long samples;
static atomic_bool abuse_stop;
static atomic_long abuse_answers, abuse_refused;

/* A connection from src (127.0.0.N) to hallqd; -1 when refused. */
static int connect_from(const char *src)
{
	struct sockaddr_in a = {.sin_family = AF_INET}, b = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &a.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &b.sin_addr);
	b.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) || connect(fd, (struct sockaddr *)&b, sizeof b)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send req and read one answer whole (by its Content-Length): its status, or -1. */
static int exchange(int fd, const char *req)
{
	char buf[16384];
	size_t len = 0, want = 0;
	char *end = NULL;
	int status;

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		const char *cl;

		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			want = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end && len >= want)
			break;
		if (len >= sizeof buf - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

struct client {
	const char *src, *what;
	char req[512];
	struct bench_sample lat;   /* ms */
	long failed;
	int fd;
};

static void *paced(void *arg)
{
	struct client *c = arg;

	c->fd = connect_from(c->src);
	for (long i = 0; i < samples; i++) {
		double t0 = bench_now_s(), rest;
		int st = c->fd >= 0 ? exchange(c->fd, c->req) : -1;

		bench_sample_add(&c->lat, (bench_now_s() - t0) * 1e3);
		if (st != 200 && st != 201 && st != 204) {
			c->failed++;
			if (c->fd >= 0)
				close(c->fd);
			c->fd = connect_from(c->src);
		}
		rest = PACE_S - (bench_now_s() - t0);
		if (rest > 0)
			bench_nap_ms((int)(rest * 1e3));
	}
	if (c->fd >= 0)
		close(c->fd);
	return NULL;
}

static char abuse_req[512], abuse_stream[512];

static void *flood(void *arg)
{
	(void)arg;
	while (!abuse_stop) {
		int fd = connect_from("127.0.0.2"), st;

		if (fd < 0) {
			abuse_refused++;
			bench_nap_ms(5);
			continue;
		}
		while (!abuse_stop && (st = exchange(fd, abuse_req)) > 0) {
			abuse_answers++;
			if (st != 200)
				abuse_refused++;
		}
		close(fd);
	}
	return NULL;
}

static void *slowloris(void *arg)
{
	(void)arg;
	while (!abuse_stop) {
		int fd = connect_from("127.0.0.2");

		if (fd < 0) {
			bench_nap_ms(100);
			continue;
		}
		for (const char *p = abuse_req; *p && !abuse_stop; p++) {
			if (send(fd, p, 1, MSG_NOSIGNAL) != 1)
				break;
			bench_nap_ms(500);
		}
		close(fd);
	}
	return NULL;
}

static void *streams(void *arg)
{
	int held[8];
	int n = 0;

	(void)arg;
	memset(held, -1, sizeof held);
	while (!abuse_stop) {
		int fd = connect_from("127.0.0.2");

		if (fd >= 0 && send(fd, abuse_stream, strlen(abuse_stream), MSG_NOSIGNAL) > 0) {
			if (held[n % 8] >= 0)
				close(held[n % 8]);
			held[n++ % 8] = fd;
		} else if (fd >= 0) {
			close(fd);
		}
		bench_nap_ms(50);
	}
	for (int i = 0; i < 8; i++)
		if (held[i] >= 0)
			close(held[i]);
	return NULL;
}

/* One phase: the kiosk and the counter, paced, side by side. */
static void phase(struct client *k, struct client *c)
{
	pthread_t a, b;

	if (pthread_create(&a, NULL, paced, k) || pthread_create(&b, NULL, paced, c))
		bench_die("cannot start a thread");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
}

static void report(const char *what, struct client *alone, struct client *abused)
{
	struct bench_figures x = bench_summarize(&alone->lat), y = bench_summarize(&abused->lat);

	printf("%-10s p99 %7.2f ms alone, %7.2f ms during abuse: ratio %.2f (p50 %.2f / %.2f ms, "
	       "n=%ld, failed %ld)\n", what, x.p99, y.p99, x.p99 > 0 ? y.p99 / x.p99 : 0, x.p50, y.p50,
	       y.n, alone->failed + abused->failed);
}

int main(void)
{
	static const char *const roles[] = {"admin", "kiosk", "counter:1", "display", NULL};
	struct client k[2], c[2];
	struct hq_client *admin;
	pthread_t ab[FLOODERS + SLOWLORIS + STREAMERS];
	struct bench_text t;
	FILE *f;
	int i, n = 0;

	bench_init("bench_limits", bench_kids_on_die);
	static const char *const programs[] = {"hallq", "hallqd"};

	bench_catch_signals();
	bench_find_programs(programs, 2);
	samples = bench_env_long("HQ_BENCH_LIMITS_N", 400, 10, 100000);
	bench_make_dir("hallq-bench-limits", "hall");
	f = bench_text_begin(&t);
	fprintf(f, "[hall]\nname = 限流基准大厅\nname_en = Limits Bench Hall\nsign_in = open\n\n");
	bench_print_services(f, 9999);
	fprintf(f, "[counter 1]\nservices = ");
	for (i = 0; i < BENCH_NSERVICES; i++)
		fprintf(f, "%s%s", i ? ", " : "", bench_services[i].key);
	fprintf(f, "\n\n");
	bench_text_end(&t, "hall.ini", 0644);
	bench_hall_write_tokens(roles);
	port = bench_free_port();
	bench_hall_start(port);
	admin = bench_hall_client("admin");
	json_decref(bench_hall_request(admin, "POST", "/api/v1/counters/1/open", NULL, NULL, 200));
	hq_client_free(admin);

	for (i = 0; i < 2; i++) {
		memset(&k[i], 0, sizeof k[i]);
		memset(&c[i], 0, sizeof c[i]);
		k[i].src = "127.0.0.1";
		c[i].src = "127.0.0.3";
		snprintf(k[i].req, sizeof k[i].req, "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n"
			 "Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n"
			 "{\"service\": \"%s\"}", bench_hall_token("kiosk"), strlen(bench_services[0].key) + 15,
			 bench_services[0].key);
		snprintf(c[i].req, sizeof c[i].req, "POST /api/v1/counters/1/call-next HTTP/1.1\r\nHost: x\r\n"
			 "Authorization: Bearer %s\r\nContent-Length: 0\r\n\r\n", bench_hall_token("counter:1"));
	}
	snprintf(abuse_req, sizeof abuse_req, "GET /api/v1/hall HTTP/1.1\r\nHost: x\r\n"
		 "Authorization: Bearer %s\r\n\r\n", bench_hall_token("display"));
	snprintf(abuse_stream, sizeof abuse_stream, "GET /api/v1/events HTTP/1.1\r\nHost: x\r\n"
		 "Authorization: Bearer %s\r\n\r\n", bench_hall_token("display"));

	printf("kiosk issue and counter call-next at %.0f/s each, %ld of each per phase; the abuser: "
	       "%d flooding connections, %d slowloris, %d stream openers (default [limits])\n",
	       1 / PACE_S, samples, FLOODERS, SLOWLORIS, STREAMERS);
	phase(&k[0], &c[0]);
	for (i = 0; i < FLOODERS; i++)
		pthread_create(&ab[n++], NULL, flood, NULL);
	for (i = 0; i < SLOWLORIS; i++)
		pthread_create(&ab[n++], NULL, slowloris, NULL);
	for (i = 0; i < STREAMERS; i++)
		pthread_create(&ab[n++], NULL, streams, NULL);
	bench_pause_s(0.5);
	phase(&k[1], &c[1]);
	abuse_stop = true;
	for (i = 0; i < n; i++)
		pthread_join(ab[i], NULL);
	report("issue", &k[0], &k[1]);
	report("call-next", &c[0], &c[1]);
	printf("abuser: %ld answers, %ld refused (429, 503) or connections not accepted\n",
	       (long)abuse_answers, (long)abuse_refused);
	n = (int)(k[0].failed + k[1].failed + c[0].failed + c[1].failed);
	for (i = 0; i < 2; i++) {
		bench_sample_free(&k[i].lat);
		bench_sample_free(&c[i].lat);
	}
	bench_finish(false);
	if (n)
		bench_die("%d kiosk or counter requests failed", n);
	return 0;
}
