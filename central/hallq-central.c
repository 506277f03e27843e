/*
 * hallq-central: the central view above the halls (docs/central.md). It reads the central
 * PostgreSQL, serves the API and the pages of routes.c and web.c over libmicrohttpd on one
 * thread (the routes are short reads of PostgreSQL and share its one connection), and
 * handles the signals in the main thread: SIGTERM and SIGINT stop it, SIGHUP reloads the
 * tokens file, keeping the old tokens when the new file is bad.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "central.h"
#include "hq_log.h"

#define CONTACT_S_DEFAULT 120

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hallq-central --tokens FILE [--listen ADDR:PORT] [--central CONNINFO]\n"
		"                     [--contact-seconds N]\n"
		"  --listen ADDR:PORT    where to serve (default 127.0.0.1:8090; [::1]:8090 for IPv6)\n"
		"  --central CONNINFO    the central PostgreSQL (libpq conninfo or URI; default\n"
		"                        $HALLQ_CENTRAL, else libpq's PGHOST, PGDATABASE, ...)\n"
		"  --tokens FILE         `viewer:HALL_ID TOKEN` or `admin TOKEN` a line, mode 600\n"
		"  --contact-seconds N   a hall silent longer is out of contact (default %d)\n",
		CONTACT_S_DEFAULT);
}

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" (every address) into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;
	size_t n;

	if (!colon)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port < 1 || port > 65535)
		return -1;
	n = (size_t)(colon - s);
	if (n >= sizeof host)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[n - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (!host[0]) {
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static const char *query_value(void *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result send_answer(struct MHD_Connection *mc, struct hqc_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	char secs[16];

	if (r->status == 304 || (r->asset && !strcmp(r->method, "HEAD")))
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else if (r->asset)
		resp = MHD_create_response_from_buffer(r->asset->len, (void *)r->asset->data,
						       MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"",
						       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (r->ctype && r->status != 304)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	if (r->retry_after) {
		snprintf(secs, sizeof secs, "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", secs);
	}
	if (r->asset) {
		MHD_add_response_header(resp, "ETag", r->asset->etag);
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
		MHD_add_response_header(resp, "Content-Security-Policy", HQC_PAGE_CSP);
	} else {
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	ok = MHD_queue_response(mc, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct hqc_server *s = cls;
	struct hqc_req r = {0};
	enum MHD_Result ok;

	(void)version;
	(void)upload_data;
	if (!*con_cls) {
		*con_cls = s;  /* the first call only has the headers */
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;  /* no route takes a body */
		return MHD_YES;
	}
	r.method = method;
	r.path = url;
	r.arg = query_value;
	r.conn = mc;
	r.authorization = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
	r.accept = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept");
	r.if_none_match = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "If-None-Match");
	hqc_route(s, &r);
	ok = send_answer(mc, &r);
	if (r.status >= 500)
		hq_log(HQ_LOG_WARN, "%s %s: %d", method, url, r.status);
	free(r.body);
	return ok;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	hq_vlog(HQ_LOG_WARN, fmt, ap);
}

static void reload_tokens(struct hqc_server *s, const char *path)
{
	struct hqc_tokens fresh, old;
	char err[512];

	if (hqc_tokens_load(path, &fresh, err, sizeof err)) {
		hq_log(HQ_LOG_ERROR, "tokens not reloaded, the old ones stay: %s", err);
		return;
	}
	pthread_rwlock_wrlock(s->tokens_lock);
	old = s->tokens;
	s->tokens = fresh;
	pthread_rwlock_unlock(s->tokens_lock);
	hqc_tokens_free(&old);
	hq_log(HQ_LOG_INFO, "tokens reloaded: %zu", fresh.n);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"central", required_argument, NULL, 'c'},
		{"tokens", required_argument, NULL, 't'},
		{"contact-seconds", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	const char *listen_at = "127.0.0.1:8090", *tokens = NULL, *conninfo = getenv("HALLQ_CENTRAL");
	pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
	struct hqc_server srv = {.tokens_lock = &lock, .contact_s = CONTACT_S_DEFAULT};
	struct sockaddr_storage addr;
	struct MHD_Daemon *d = NULL;
	sigset_t sigs;
	char err[512], *end;
	int opt, sig, rc = 1;
	long n;

	hq_log_init("hallq-central");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_at = optarg; break;
		case 'c': conninfo = optarg; break;
		case 't': tokens = optarg; break;
		case 's':
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end || n < 5 || n > 86400) {
				fprintf(stderr, "hallq-central: --contact-seconds is 5 to 86400\n");
				return 2;
			}
			srv.contact_s = (int)n;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("hallq-central %s\n", HQ_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || !tokens) {
		usage(stderr);
		return 2;
	}
	if (parse_listen(listen_at, &addr)) {
		fprintf(stderr, "hallq-central: --listen %s: expected ADDR:PORT\n", listen_at);
		return 2;
	}
	if (hqc_tokens_load(tokens, &srv.tokens, err, sizeof err)) {
		fprintf(stderr, "hallq-central: %s\n", err);
		return 1;
	}
	/* An empty conninfo leaves libpq to its environment (PGHOST, PGDATABASE, ...). */
	if (!(srv.pg = hqc_pg_new(conninfo ? conninfo : ""))) {
		fprintf(stderr, "hallq-central: out of memory\n");
		goto done;
	}
	/* Blocked in every thread (the daemon's inherit the mask) and taken by sigwait below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
			     (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, &srv,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "hallq-central: cannot listen on %s: %s\n", listen_at, strerror(errno));
		goto done;
	}
	hq_log(HQ_LOG_INFO, "listening on %s; %zu tokens; contact %d s", listen_at, srv.tokens.n,
	       srv.contact_s);
	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP) {
			reload_tokens(&srv, tokens);
			continue;
		}
		hq_log(HQ_LOG_INFO, "stopping on signal %d", sig);
		break;
	}
	rc = 0;
done:
	if (d)
		MHD_stop_daemon(d);
	hqc_pg_free(srv.pg);
	hqc_tokens_free(&srv.tokens);
	return rc;
}
