/*
 * The bench's own hallqd (hall.h): tokens, the scratch database, hallqd on a free port,
 * and the requests the benches make to it. It was part of bench_counter; bench_display
 * needs the same hall server, started the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "hall.h"

#define MAX_ROLES 8

static struct {
	char role[16];
	char token[40];
} tokens[MAX_ROLES];
static int ntokens;
static char server_url[80];

void bench_hall_write_tokens(const char *const roles[])
{
	char text[1024];
	size_t len;

	len = (size_t)snprintf(text, sizeof text, "# %s\n", bench_prog());
	for (ntokens = 0; roles[ntokens]; ntokens++) {
		if (ntokens == MAX_ROLES)
			bench_die("more than %d roles in the tokens file", MAX_ROLES);
		snprintf(tokens[ntokens].role, sizeof tokens[ntokens].role, "%s", roles[ntokens]);
		bench_make_token(tokens[ntokens].token, sizeof tokens[ntokens].token);
		len += (size_t)snprintf(text + len, sizeof text - len, "%s %s\n", roles[ntokens],
					tokens[ntokens].token);
	}
	bench_write_file("tokens", text, 0600);
}

const char *bench_hall_token(const char *role)
{
	int i;

	for (i = 0; i < ntokens; i++)
		if (!strcmp(tokens[i].role, role))
			return tokens[i].token;
	bench_die("no %s token in the tokens file", role);
}

const char *bench_hall_url(void)
{
	return server_url;
}

struct hq_client *bench_hall_client(const char *role)
{
	struct hq_client *cl = hq_client_new(server_url, role ? bench_hall_token(role) : NULL);

	if (!cl)
		bench_die("out of memory for an HTTP client");
	return cl;
}

json_t *bench_hall_request(struct hq_client *cl, const char *method, const char *path,
			   json_t *body, const char *idem, long want)
{
	json_t *answer = NULL;
	long status = 0;
	int rc = hq_client_request(cl, method, path, body, idem, &status, &answer);

	json_decref(body);
	if (rc)
		bench_die("%s %s: %s", method, path, hq_client_error(cl));
	if (status != want) {
		json_decref(answer);
		bench_die("%s %s answered %ld, not %ld: %s", method, path, status, want,
			  hq_client_error(cl));
	}
	return answer;
}

/* An idempotency key used before would be answered from hallqd's record, with no new
 * ticket. */
void bench_hall_issue(struct hq_client *cl, const char *service, long n)
{
	static long issued;
	char idem[64];
	long i;

	for (i = 0; i < n; i++) {
		snprintf(idem, sizeof idem, "%s-%d-%ld", bench_prog(), (int)getpid(), issued++);
		json_decref(bench_hall_request(cl, "POST", "/api/v1/tickets",
					       json_pack("{s:s}", "service", service), idem, 201));
	}
}

int bench_hall_start(long port)
{
	char hallq[4200], hallqd[4200], db[4200], ini[4200], path[4200], listen_at[64];
	char *init_argv[] = { hallq, "init", "--db", db, "--config", ini, NULL };
	char *argv[] = { hallqd, "--config", ini, "--db", db, "--listen", listen_at, "--tokens",
			 path, NULL };
	struct hq_client *probe;
	double t0;
	int k;

	bench_bin_path(hallq, sizeof hallq, "hallq");
	bench_bin_path(hallqd, sizeof hallqd, "hallqd");
	bench_path(db, sizeof db, "hall.db");
	bench_path(ini, sizeof ini, "hall.ini");
	bench_path(path, sizeof path, "tokens");
	bench_kid_run("hallq init", "hallq-init.log", init_argv, BENCH_START_TIMEOUT_S);

	snprintf(listen_at, sizeof listen_at, "127.0.0.1:%ld", port);
	snprintf(server_url, sizeof server_url, "http://%s", listen_at);
	k = bench_kid_start("hallqd", "hallqd.log", argv, NULL, NULL);
	probe = bench_hall_client(NULL);
	hq_client_set_timeouts(probe, 500, 1000);
	t0 = bench_now_s();
	for (;;) {
		long status = 0;

		bench_kids_check();
		if (hq_client_request(probe, "GET", "/healthz", NULL, NULL, &status, NULL) == 0 &&
		    status == 200)
			break;
		if (bench_now_s() - t0 > BENCH_START_TIMEOUT_S) {
			bench_log_tail("hallqd.log", 15);
			bench_die("hallqd did not answer GET /healthz with 200 within %.0f s (last: %s)",
				  BENCH_START_TIMEOUT_S,
				  status ? "an error status" : hq_client_error(probe));
		}
		bench_nap_ms(20);
	}
	hq_client_free(probe);
	printf("hallqd (pid %d) on %s answered /healthz after %.0f ms\n", (int)bench_kid(k)->pid,
	       server_url, (bench_now_s() - t0) * 1e3);
	return k;
}
