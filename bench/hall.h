/*
 * A hallqd of the bench's own, for the benches that drive programs which talk to hallqd
 * (bench_counter, bench_display): a tokens file with a random token for each role asked
 * for, a scratch database made by `hallq init` from the hall.ini the bench wrote into its
 * directory, and hallqd serving it on a loopback port, ready once GET /healthz answers 200.
 * It is one of the bench's kids (common.h), so bench_kids_check notices it dying and
 * bench_kids_stop stops it. Requests go through the hallqd client (client/hq_client.h);
 * one that fails or is answered with another status than the one wanted is bench_die.
 *
 * Ownership: the tokens and the URL are static storage; a client from bench_hall_client
 * is the caller's (hq_client_free); a request's answer is the caller's (json_decref).
 */
#ifndef HQ_BENCH_HALL_H
#define HQ_BENCH_HALL_H

#include <jansson.h>

#include "hq_client.h"

/* Write the directory's "tokens" (mode 600, as hallqd demands): one random token for each
 * of roles (NULL-terminated: "admin", "kiosk", "display", ...). */
void bench_hall_write_tokens(const char *const roles[]);
/* The token written for role; bench_die when there is none. */
const char *bench_hall_token(const char *role);

/* `hallq init --db hall.db --config hall.ini` in the directory, then hallqd on
 * 127.0.0.1:port with the tokens; waits for /healthz and prints the line "hallqd (pid P) on
 * URL answered /healthz after N ms". Returns hallqd's index in the table of kids. */
int bench_hall_start(long port);
/* "http://127.0.0.1:PORT" once started. */
const char *bench_hall_url(void);

/* A client of hallqd with role's token. */
struct hq_client *bench_hall_client(const char *role);
/* One request that must be answered with want; takes body. The answer is the caller's
 * (NULL when it had none). */
json_t *bench_hall_request(struct hq_client *cl, const char *method, const char *path,
			   json_t *body, const char *idem, long want);
/* Issue n tickets of service, each with an idempotency key no other request used. */
void bench_hall_issue(struct hq_client *cl, const char *service, long n);

#endif
