/*
 * What one client may take of hallqd ([limits] of the hall config, docs/config.md): the
 * connections of one address, the requests per second and the event streams of one token
 * (or session, or for a request with neither, address), how long a request may take to
 * arrive, and the counts of what was refused for /metrics. hallqd.c calls in from
 * libmicrohttpd's callbacks and answers; the decisions and the bookkeeping are here.
 *
 * One table, keyed "t:TOKEN", "s:SESSION" or "a:ADDRESS", holds each client's token bucket,
 * its open streams and (for an address) its open connections, behind one mutex; an entry
 * that holds nothing and whose bucket is full is the same as no entry, so it is dropped when
 * the table needs room. A thread of its own (the reaper) closes the connections whose
 * request has not arrived by its deadline: libmicrohttpd's own timeout counts idle time
 * only, so a client sending one byte a second never meets it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hq_clock.h"
#include "server.h"

#define BUCKETS 1024                 /* hash chains of the client table */
#define MAX_CLIENTS 8192             /* entries kept; beyond, a new client goes unlimited */
#define KEY_MAX 272                  /* "t:" and a 256-byte token */
#define REAP_EVERY_MS 200
#define STREAM_RETRY_S 5             /* Retry-After of a refused stream */
#define CONN_RETRY_S 2               /* ... of a connection over its address's limit */

static const char *const limit_names[HQD_NLIMITS] = {
	[HQD_LIMIT_CONN] = "conn_per_addr",
	[HQD_LIMIT_RATE] = "rate",
	[HQD_LIMIT_HEADER] = "header",
	[HQD_LIMIT_BODY] = "body",
	[HQD_LIMIT_SLOW] = "slow",
	[HQD_LIMIT_STREAMS] = "streams",
};

struct client {
	struct client *next;
	double tokens;               /* the bucket, up to burst */
	int64_t at_us;               /* when it was last filled */
	int streams;
	int conns;
	char key[KEY_MAX];
};

/* One connection, as libmicrohttpd's socket context: from its start to its close. */
struct hqd_limits_conn {
	struct hqd_limits_conn *prev, *next;
	int fd;
	char addr[INET6_ADDRSTRLEN];
	bool over;                   /* opened beyond its address's limit: answered 503 */
	bool waiting;                /* for a request to arrive (not in a handler or a stream) */
	bool first;                  /* ... its first one */
	bool line_seen;              /* a request line came since it started waiting */
	bool dropped;
	int64_t deadline_us;
};

struct hqd_limits {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t reaper;
	bool reaping, stop;
	struct hq_limits_cfg cfg;
	struct client *bucket[BUCKETS];
	size_t nclients;
	struct hqd_limits_conn *conns;
	unsigned long long refused[HQD_NLIMITS];
};

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;    /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

/* Whether c holds nothing the table must remember. */
static bool idle(const struct hqd_limits *l, struct client *c, int64_t now)
{
	double full = l->cfg.burst;

	if (c->streams || c->conns)
		return false;
	return !l->cfg.rate || c->tokens + (double)(now - c->at_us) / 1e6 * l->cfg.rate >= full;
}

static void sweep(struct hqd_limits *l, int64_t now)
{
	for (int b = 0; b < BUCKETS; b++)
		for (struct client **pp = &l->bucket[b]; *pp;) {
			struct client *c = *pp;

			if (idle(l, c, now)) {
				*pp = c->next;
				free(c);
				l->nclients--;
			} else {
				pp = &c->next;
			}
		}
}

/* The entry of key, made when create; NULL when there is none or no room. Lock held. */
static struct client *client(struct hqd_limits *l, const char *key, bool create)
{
	unsigned h = hash(key);
	int64_t now;
	struct client *c;

	for (c = l->bucket[h]; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	if (!create || strlen(key) >= KEY_MAX)
		return NULL;
	now = hq_mono_us();
	if (l->nclients >= MAX_CLIENTS)
		sweep(l, now);
	if (l->nclients >= MAX_CLIENTS || !(c = calloc(1, sizeof *c)))
		return NULL;
	strcpy(c->key, key);
	c->tokens = l->cfg.burst;
	c->at_us = now;
	c->next = l->bucket[h];
	l->bucket[h] = c;
	l->nclients++;
	return c;
}

/* Close what waited past its deadline; shutdown() wakes the connection's thread, which
 * then closes it as if the client had. The lock is held from the look to the shutdown, and
 * libmicrohttpd tells conn_close before it closes the socket, so fd is still this one's. */
static void *reap(void *arg)
{
	struct hqd_limits *l = arg;

	pthread_mutex_lock(&l->lock);
	while (!l->stop) {
		int64_t now = hq_mono_us();
		struct timespec ts;

		for (struct hqd_limits_conn *k = l->conns; k; k = k->next) {
			if (!k->waiting || k->dropped || now < k->deadline_us)
				continue;
			k->dropped = true;
			shutdown(k->fd, SHUT_RDWR);
			/* An idle keep-alive connection is closed as well, but that is no abuse. */
			if (k->first || k->line_seen) {
				l->refused[HQD_LIMIT_SLOW]++;
				hq_log(HQ_LOG_WARN, "limits: closed a connection from %s whose request did "
				       "not arrive within %d s", k->addr, l->cfg.request_timeout);
			}
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += REAP_EVERY_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&l->wake, &l->lock, &ts);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

struct hqd_limits *hqd_limits_new(const struct hq_limits_cfg *cfg)
{
	struct hqd_limits *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->cfg = *cfg;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	if (pthread_create(&l->reaper, NULL, reap, l)) {
		hqd_limits_free(l);
		return NULL;
	}
	l->reaping = true;
	return l;
}

void hqd_limits_free(struct hqd_limits *l)
{
	if (!l)
		return;
	if (l->reaping) {
		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_signal(&l->wake);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->reaper, NULL);
	}
	for (int b = 0; b < BUCKETS; b++)
		while (l->bucket[b]) {
			struct client *c = l->bucket[b];

			l->bucket[b] = c->next;
			free(c);
		}
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int hqd_limits_load(const char *config_path, struct hq_limits_cfg *out, char *err, size_t errlen)
{
	struct hq_config *cfg;
	int rc = hq_config_parse_file(config_path, &cfg, err, errlen);

	if (rc)
		return rc;
	*out = cfg->limits;
	hq_config_free(cfg);
	return 0;
}

void hqd_limits_set(struct hqd_limits *l, const struct hq_limits_cfg *cfg)
{
	pthread_mutex_lock(&l->lock);
	if (cfg->header_bytes != l->cfg.header_bytes || cfg->idle_timeout != l->cfg.idle_timeout)
		hq_log(HQ_LOG_WARN, "reload: [limits] header_bytes and idle_timeout apply when hallqd "
		       "starts again; keeping %d and %d", l->cfg.header_bytes, l->cfg.idle_timeout);
	l->cfg.conn_per_addr = cfg->conn_per_addr;
	l->cfg.rate = cfg->rate;
	l->cfg.burst = cfg->burst;
	l->cfg.streams_per_token = cfg->streams_per_token;
	l->cfg.body_bytes = cfg->body_bytes;
	l->cfg.request_timeout = cfg->request_timeout;
	pthread_mutex_unlock(&l->lock);
}

struct hq_limits_cfg hqd_limits_config(struct hqd_limits *l)
{
	struct hq_limits_cfg cfg;

	pthread_mutex_lock(&l->lock);
	cfg = l->cfg;
	pthread_mutex_unlock(&l->lock);
	return cfg;
}

/* ---- connections -------------------------------------------------------------------- */

static void address(const struct sockaddr *sa, char *buf, size_t len)
{
	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
}

bool hqd_limits_accept(struct hqd_limits *l, const struct sockaddr *sa)
{
	char key[2 + INET6_ADDRSTRLEN];
	struct client *c;
	bool ok = true;

	snprintf(key, sizeof key, "a:");
	address(sa, key + 2, sizeof key - 2);
	pthread_mutex_lock(&l->lock);
	c = client(l, key, false);
	if (l->cfg.conn_per_addr && c && c->conns >= 2 * l->cfg.conn_per_addr) {
		l->refused[HQD_LIMIT_CONN]++;
		ok = false;
	}
	pthread_mutex_unlock(&l->lock);
	return ok;
}

struct hqd_limits_conn *hqd_limits_conn_open(struct hqd_limits *l, const struct sockaddr *sa, int fd)
{
	struct hqd_limits_conn *k = calloc(1, sizeof *k);
	char key[2 + INET6_ADDRSTRLEN];
	struct client *c;

	if (!k)
		return NULL;
	k->fd = fd;
	address(sa, k->addr, sizeof k->addr);
	snprintf(key, sizeof key, "a:%s", k->addr);
	pthread_mutex_lock(&l->lock);
	if ((c = client(l, key, true)))
		k->over = l->cfg.conn_per_addr && ++c->conns > l->cfg.conn_per_addr;
	k->waiting = k->first = true;
	k->deadline_us = hq_mono_us() + l->cfg.request_timeout * 1000000LL;
	k->next = l->conns;
	if (l->conns)
		l->conns->prev = k;
	l->conns = k;
	pthread_mutex_unlock(&l->lock);
	return k;
}

void hqd_limits_conn_close(struct hqd_limits *l, struct hqd_limits_conn *k)
{
	char key[2 + INET6_ADDRSTRLEN];
	struct client *c;

	if (!k)
		return;
	snprintf(key, sizeof key, "a:%s", k->addr);
	pthread_mutex_lock(&l->lock);
	if ((c = client(l, key, false)) && c->conns > 0)
		c->conns--;
	if (k->prev)
		k->prev->next = k->next;
	else
		l->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&l->lock);
	free(k);
}

int hqd_limits_conn_over(struct hqd_limits *l, struct hqd_limits_conn *k)
{
	if (!k || !k->over)
		return 0;
	pthread_mutex_lock(&l->lock);
	l->refused[HQD_LIMIT_CONN]++;
	pthread_mutex_unlock(&l->lock);
	return CONN_RETRY_S;
}

void hqd_limits_line_seen(struct hqd_limits *l, struct hqd_limits_conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&l->lock);
	k->line_seen = true;
	pthread_mutex_unlock(&l->lock);
}

void hqd_limits_arrived(struct hqd_limits *l, struct hqd_limits_conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&l->lock);
	k->waiting = false;
	pthread_mutex_unlock(&l->lock);
}

void hqd_limits_answered(struct hqd_limits *l, struct hqd_limits_conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&l->lock);
	k->waiting = true;
	k->first = k->line_seen = false;
	k->deadline_us = hq_mono_us() + l->cfg.request_timeout * 1000000LL;
	pthread_mutex_unlock(&l->lock);
}

/* ---- per token ---------------------------------------------------------------------- */

int hqd_limits_take(struct hqd_limits *l, const char *key)
{
	struct client *c;
	int64_t now;
	int wait = 0;

	pthread_mutex_lock(&l->lock);
	if (l->cfg.rate && (c = client(l, key, true))) {
		now = hq_mono_us();
		c->tokens += (double)(now - c->at_us) / 1e6 * l->cfg.rate;
		if (c->tokens > l->cfg.burst)
			c->tokens = l->cfg.burst;
		c->at_us = now;
		if (c->tokens >= 1) {
			c->tokens -= 1;
		} else {
			/* Whole seconds, as Retry-After has them: at least 1. */
			wait = (int)ceil((1 - c->tokens) / l->cfg.rate);
			wait = wait < 1 ? 1 : wait;
			l->refused[HQD_LIMIT_RATE]++;
		}
	}
	pthread_mutex_unlock(&l->lock);
	return wait;
}

int hqd_limits_stream_open(struct hqd_limits *l, const char *key)
{
	struct client *c;
	int wait = 0;

	pthread_mutex_lock(&l->lock);
	if ((c = client(l, key, true))) {
		if (l->cfg.streams_per_token && c->streams >= l->cfg.streams_per_token) {
			wait = STREAM_RETRY_S;
			l->refused[HQD_LIMIT_STREAMS]++;
		} else {
			c->streams++;
		}
	}
	pthread_mutex_unlock(&l->lock);
	return wait;
}

void hqd_limits_stream_close(struct hqd_limits *l, const char *key)
{
	struct client *c;

	pthread_mutex_lock(&l->lock);
	if ((c = client(l, key, false)) && c->streams > 0)
		c->streams--;
	pthread_mutex_unlock(&l->lock);
}

/* ---- the counts ----------------------------------------------------------------------- */

void hqd_limits_count(struct hqd_limits *l, enum hqd_limit which)
{
	pthread_mutex_lock(&l->lock);
	l->refused[which]++;
	pthread_mutex_unlock(&l->lock);
}

/* libmicrohttpd answers a request line or headers beyond the connection's memory itself
 * (431, or 414 for the line) and says so only in its log: "Error processing request (HTTP
 * response code is 431 (...))". */
void hqd_limits_mhd_message(struct hqd_limits *l, const char *msg)
{
	if (strstr(msg, "response code is 431") || strstr(msg, "response code is 414"))
		hqd_limits_count(l, HQD_LIMIT_HEADER);
}

void hqd_limits_metrics(struct hqd_limits *l, FILE *f)
{
	fputs("# HELP hallq_limited_total Requests and connections refused or closed by a limit "
	      "of [limits].\n# TYPE hallq_limited_total counter\n", f);
	pthread_mutex_lock(&l->lock);
	for (int i = 0; i < HQD_NLIMITS; i++)
		fprintf(f, "hallq_limited_total{limit=\"%s\"} %llu\n", limit_names[i], l->refused[i]);
	pthread_mutex_unlock(&l->lock);
}
