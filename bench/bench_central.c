/*
 * bench_central: the central PostgreSQL under 50 halls (docs/central.md, docs/bench.md).
 *
 * 1. live: HQ_BENCH_HALLS halls (50) each send, once a second as hallq-sync does, the events
 *    of a busy day (HQ_BENCH_DAY_TICKETS tickets over 9 hours, 4 events each) played
 *    HQ_BENCH_SPEED (60) times as fast, for HQ_BENCH_SECONDS (20), through hallq-sync's
 *    statement: one transaction a batch, INSERT ... ON CONFLICT (hall_id, event_id) DO
 *    NOTHING and the hall's last_event_id. Lag: from the moment an event was made (its hall
 *    commit) to the moment another connection sees its ticket in hallq.tickets; p50 and p99
 *    against the target of 5 s.
 * 2. backlog: the ingest rate when halls come back after an outage and send their backlog
 *    in batches of 500 as fast as PostgreSQL takes them: events/s.
 * 3. ranking: a month of 50 halls x 30 days (HQ_BENCH_MONTH_TICKETS tickets a hall a day,
 *    made in PostgreSQL through the same events table) and the time of
 *    hallq.ranking(city, month) (best of 3) against the target of 1 s, with its EXPLAIN.
 *
 * PostgreSQL: $HQ_BENCH_PG (a conninfo) when set, with the schema loaded; else one of its
 * own, started in a temp dir by tools/bench-pg (initdb, pg_ctl, the schema), stopped at the
 * end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "common.h"

static char pgdir[256];

static void stop_pg(void)
{
	char cmd[512];

	if (!pgdir[0])
		return;
	snprintf(cmd, sizeof cmd, "tools/bench-pg stop '%s' >/dev/null 2>&1", pgdir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_central: stopping PostgreSQL in %s failed\n", pgdir);
	pgdir[0] = '\0';
}

static PGconn *connect_pg(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		bench_die("PostgreSQL: %s", PQerrorMessage(c));
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		bench_die("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* One hall's simulated day: the next event to make and its sequence. */
struct hall {
	char id[32];
	long event_id, ticket_id, called, ended;
	double next_ms;         /* when its next event is made (wall clock) */
};

struct pending {
	int hall;
	long event_id, ticket_id;
	double made_ms;
	const char *type;
};

/* hallq-sync's batch: the events of one hall as one multi-row INSERT in one transaction.
 * The values are numbers and fixed words made here, so building the statement is safe; a
 * real forwarder binds them. */
static void send_batch(PGconn *c, const struct hall *h, const struct pending *p, long n, char *sql, size_t cap)
{
	size_t len = 0;

	len += (size_t)snprintf(sql + len, cap - len, "BEGIN; INSERT INTO hallq.events "
				"(hall_id, event_id, at, at_ms, type, ticket_id, service, counter) VALUES ");
	for (long i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s('%s', %ld, to_timestamp(%.3f), %.0f, '%s', %ld, 's%ld', %ld)",
					i ? "," : "", h->id, p[i].event_id, p[i].made_ms / 1000.0, p[i].made_ms,
					p[i].type, p[i].ticket_id, p[i].ticket_id % 5, 1 + p[i].ticket_id % 8);
	len += (size_t)snprintf(sql + len, cap - len, " ON CONFLICT (hall_id, event_id) DO NOTHING; "
				"UPDATE hallq.halls SET last_event_id = %ld, last_event_at = to_timestamp(%.3f), "
				"last_seen = now() WHERE hall_id = '%s'; COMMIT",
				p[n - 1].event_id, p[n - 1].made_ms / 1000.0, h->id);
	exec_ok(c, sql);
}

static bool visible(PGconn *c, const char *hall, long ticket)
{
	char t[24];
	const char *params[2] = {hall, t};
	PGresult *r;
	bool yes;

	snprintf(t, sizeof t, "%ld", ticket);
	r = PQexecParams(c, "SELECT 1 FROM hallq.tickets WHERE hall_id = $1 AND ticket_id = $2::bigint",
			 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		bench_die("visibility: %s", PQresultErrorMessage(r));
	yes = PQntuples(r) > 0;
	PQclear(r);
	return yes;
}

int main(void)
{
	long halls = bench_env_long("HQ_BENCH_HALLS", 50, 1, 1000);
	long day_tickets = bench_env_long("HQ_BENCH_DAY_TICKETS", 1500, 10, 100000);
	long speed = bench_env_long("HQ_BENCH_SPEED", 60, 1, 10000);
	long seconds = bench_env_long("HQ_BENCH_SECONDS", 20, 2, 3600);
	long month_tickets = bench_env_long("HQ_BENCH_MONTH_TICKETS", 300, 10, 5000);
	const char *conninfo = getenv("HQ_BENCH_PG");
	char own[512], *sql = bench_xmalloc(1 << 22);
	struct bench_sample lag = {0};
	struct pending *pend;
	struct hall *hs;
	PGconn *c, *watch;
	double t0, t_end, period_ms, events = 0;

	bench_init("bench_central", stop_pg);
	if (!conninfo || !*conninfo) {
		FILE *f = popen("tools/bench-pg start", "r");

		if (!f || !fgets(pgdir, sizeof pgdir, f) || pclose(f) != 0)
			bench_die("tools/bench-pg start failed (set HQ_BENCH_PG to use a PostgreSQL of yours)");
		pgdir[strcspn(pgdir, "\n")] = '\0';
		snprintf(own, sizeof own, "host=%s port=5432 user=hallq dbname=postgres", pgdir);
		conninfo = own;
		printf("PostgreSQL: our own, in %s (fsync on)\n", pgdir);
	}
	c = connect_pg(conninfo);
	watch = connect_pg(conninfo);

	/* A city, 5 counties, the halls under them. */
	exec_ok(c, "DELETE FROM hallq.events WHERE hall_id LIKE 'B%'; DELETE FROM hallq.tickets WHERE hall_id LIKE 'B%';"
		   "DELETE FROM hallq.halls WHERE hall_id LIKE 'B%' AND region = 'township';"
		   "DELETE FROM hallq.halls WHERE hall_id LIKE 'B%' AND region = 'county';"
		   "DELETE FROM hallq.halls WHERE hall_id LIKE 'B%';"
		   "INSERT INTO hallq.halls (hall_id, name, region) VALUES ('B', 'bench city', 'city');"
		   "INSERT INTO hallq.halls (hall_id, name, region, parent) SELECT 'B' || c, 'county ' || c, 'county', 'B'"
		   " FROM generate_series(0, 4) c");
	hs = bench_xcalloc((size_t)halls, sizeof *hs);
	pend = bench_xcalloc((size_t)(halls * 4096), sizeof *pend);
	for (long i = 0; i < halls; i++) {
		snprintf(hs[i].id, sizeof hs[i].id, "B%ld-%03ld", i % 5, i);
		snprintf(sql, 1 << 22, "INSERT INTO hallq.halls (hall_id, name, region, parent) VALUES ('%s', 'hall %ld', 'township', 'B%ld')",
			 hs[i].id, i, i % 5);
		exec_ok(c, sql);
	}

	/* 1. live. */
	period_ms = 9 * 3600e3 / (day_tickets * 4.0) / (double)speed;
	printf("\n1. live: %ld halls, a day of %ld tickets (4 events each) at x%ld: %.0f events/s offered, "
	       "a batch a hall a second, %ld s\n", halls, day_tickets, speed, halls * 1000.0 / period_ms, seconds);
	t0 = bench_now_s();
	for (long i = 0; i < halls; i++)
		hs[i].next_ms = wall_ms() + period_ms * i / halls;
	while (bench_now_s() - t0 < seconds) {
		double sec_end = wall_ms() + 1000;

		for (long i = 0; i < halls; i++) {
			struct hall *h = &hs[i];
			struct pending *p = pend;
			long n = 0;

			/* The events this hall made since its last batch. */
			while (h->next_ms <= wall_ms() && n < 4096) {
				struct pending e = {.hall = (int)i, .event_id = ++h->event_id, .made_ms = h->next_ms};

				if (h->event_id % 4 == 1) {
					e.type = "issued";
					e.ticket_id = ++h->ticket_id;
				} else if (h->event_id % 4 == 2) {
					e.type = "called";
					e.ticket_id = ++h->called;
				} else if (h->event_id % 4 == 3) {
					e.type = "started";
					e.ticket_id = h->called;
				} else {
					e.type = "finished";
					e.ticket_id = ++h->ended;
				}
				p[n++] = e;
				h->next_ms += period_ms;
			}
			if (!n)
				continue;
			send_batch(c, h, p, n, sql, 1 << 22);
			events += (double)n;
			/* Visible when the batch's newest ticket is in the derived table. */
			for (long k = n - 1; k >= 0; k--)
				if (!strcmp(p[k].type, "issued")) {
					while (!visible(watch, h->id, p[k].ticket_id))
						;
					break;
				}
			double seen = wall_ms();
			for (long k = 0; k < n; k++)
				bench_sample_add(&lag, (seen - p[k].made_ms) / 1000.0);
		}
		while (wall_ms() < sec_end)
			nanosleep(&(struct timespec){0, 5000000}, NULL);
	}
	t_end = bench_now_s();
	struct bench_figures lf = bench_summarize(&lag);
	printf("   ingested %.0f events in %.1f s: %.0f events/s\n", events, t_end - t0, events / (t_end - t0));
	printf("   lag hall commit -> visible in hallq.tickets: p50 %.2f s, p99 %.2f s, max %.2f s "
	       "(target p99 < 5 s: ratio %.2f, %s)\n", lf.p50, lf.p99, lf.max, lf.p99 / 5.0, bench_met(lf.p99 < 5.0));

	/* 2. backlog: 500-event batches as fast as they go. */
	{
		long batches = bench_env_long("HQ_BENCH_BACKLOG_BATCHES", 100, 1, 100000), n = 0;
		double b0 = bench_now_s(), now = wall_ms() - 3600e3;

		for (long b = 0; b < batches; b++) {
			struct hall *h = &hs[b % halls];

			for (int k = 0; k < 500; k++) {
				struct pending e = {.event_id = ++h->event_id, .made_ms = now, .type = "issued",
						    .ticket_id = ++h->ticket_id};
				pend[k] = e;
			}
			send_batch(c, h, pend, 500, sql, 1 << 22);
			n += 500;
		}
		double dt = bench_now_s() - b0;
		printf("\n2. backlog after an outage: %ld events in batches of 500: %.0f events/s\n", n, n / dt);
	}

	/* 3. ranking over a month. */
	{
		PGresult *r;
		double best = 1e9, f0;

		printf("\n3. ranking: %ld halls x 30 days x %ld tickets (4 events each: issued, called, finished, reviewed) ...\n", halls, month_tickets);
		f0 = bench_now_s();
		snprintf(sql, 1 << 22,
			 "INSERT INTO hallq.events (hall_id, event_id, at, at_ms, type, ticket_id, service, counter, value, detail)"
			 " SELECT h.hall_id, 10000000 + (d * %ld + t) * 4 + k, ts, (extract(epoch FROM ts) * 1000)::bigint,"
			 "  (ARRAY['issued','called','finished','reviewed'])[k + 1], 10000000 + d * %ld + t, 's' || (t %% 5),"
			 "  CASE WHEN k = 0 THEN 0 ELSE 1 + t %% 8 END,"
			 "  CASE WHEN k = 3 THEN 1 + (t * 7 + d) %% 5 ELSE 0 END,"
			 "  CASE WHEN k = 0 THEN 'normal' WHEN k = 3 THEN 'unit' ELSE '' END"
			 " FROM hallq.halls h, generate_series(0, 29) d, generate_series(0, %ld - 1) t, generate_series(0, 3) k,"
			 "  LATERAL (SELECT timestamptz '2026-01-01 09:00+08' + d * interval '1 day' + t * interval '20 s'"
			 "   + k * ((t %% 40) + 1) * interval '1 min' AS ts) x"
			 " WHERE h.region = 'township' AND h.hall_id LIKE 'B%%'",
			 month_tickets, month_tickets, month_tickets);
		exec_ok(c, sql);
		exec_ok(c, "ANALYZE");
		printf("   made in %.1f s\n", bench_now_s() - f0);
		for (int i = 0; i < 3; i++) {
			double s0 = bench_now_s();

			r = PQexec(c, "SELECT * FROM hallq.ranking('B', hallq.day_start_ms(hallq.hall_tz('B'), '2026-01-01'), hallq.day_start_ms(hallq.hall_tz('B'), '2026-02-01'))");
			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				bench_die("ranking: %s", PQresultErrorMessage(r));
			if (i == 0)
				printf("   %d halls ranked\n", PQntuples(r));
			PQclear(r);
			if (bench_now_s() - s0 < best)
				best = bench_now_s() - s0;
		}
		printf("   ranking of a month over the city: %.3f s (best of 3; target < 1 s: ratio %.2f, %s)\n",
		       best, best / 1.0, bench_met(best < 1.0));
		r = PQexec(c, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM hallq.ranking('B', hallq.day_start_ms(hallq.hall_tz('B'), '2026-01-01'), hallq.day_start_ms(hallq.hall_tz('B'), '2026-02-01'))");
		for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
			printf("   | %s\n", PQgetvalue(r, i, 0));
		PQclear(r);
	}
	bench_sample_free(&lag);
	PQfinish(watch);
	PQfinish(c);
	stop_pg();
	free(sql);
	return 0;
}
