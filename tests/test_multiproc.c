/*
 * Several processes on one hall database at once, as a real hall has them (the daemon, the
 * kiosks, the admin CLI): 4 issuer processes and 4 caller processes driving 2 counters each,
 * every one with its own hq_queue_open() on the same file, durable; half of each kind work
 * in group-commit batches of 1-5 operations, as the daemon does, and report a batch only
 * once hq_queue_batch_end returned 0. Each child writes what it got to its own file (issue:
 * id, service, label, number; call: id, counter; any error code).
 * After all have exited the parent checks: no child saw an error other than "nobody is
 * waiting" (in particular never HQ_EBUSY or HQ_EDB), no label or number given twice per
 * service and day and no gap in the numbers, no ticket called twice, every issued ticket
 * in the database as reported and called exactly once (callers drain the queue after the
 * issuers stop), the event feed holding exactly those issues and calls, and the database
 * passing PRAGMA integrity_check. HQ_MP_OPS=n sets the issues per issuer (default 250).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define ISSUERS 4
#define CALLERS 4
#define NCHILD (ISSUERS + CALLERS)
#define MAXT 20000

static const char *hall_ini =
	"[hall]\n"
	"name = 并发大厅\n"
	"priority_ratio = 3\n"
	"\n"
	"[service a]\nname = 企业开办\nprefix = A\nnumbers = 1-9999\nhours = 08:00-18:00\n"
	"days = mon-sun\n\n"
	"[service b]\nname = 不动产登记\nprefix = B\nnumbers = 1-9999\nhours = 08:00-18:00\n"
	"days = mon-sun\n\n"
	"[counter 1]\nservices = a, b\n\n"
	"[counter 2]\nservices = b, a\n\n"
	"[counter 3]\nservices = a, b\n\n"
	"[counter 4]\nservices = b, a\n\n"
	"[counter 5]\nservices = a, b\n\n"
	"[counter 6]\nservices = b, a\n\n"
	"[counter 7]\nservices = a, b\n\n"
	"[counter 8]\nservices = b, a\n";

struct issued {
	int64_t id;
	char svc[8];
	char label[HQ_LABEL_MAX];
	int number;
	int calls;
};

static struct issued tickets[MAXT];
static int ntickets;

/* Wait until the parent closes the pipe: every child starts at once. */
static void wait_eof(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static bool eof_reached(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;

	return poll(&p, 1, 0) == 1 && read(fd, &c, 1) == 0;
}

/* What a child got, held back while its batch is open. */
static char held[64][128];
static int nheld;

static void report(FILE *f, bool batched, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (batched && nheld < 64)
		vsnprintf(held[nheld++], sizeof held[0], fmt, ap);
	else
		vfprintf(f, fmt, ap);
	va_end(ap);
}

/* Open a batch when none is; close it after `left` steps, then report what it did. */
static bool batch_step(struct hq_queue *q, FILE *f, bool batched, int *left, unsigned *seed)
{
	int rc;

	if (!batched)
		return true;
	if (*left == 0) {
		*left = 1 + (int)(rand_r(seed) % 5);
		if ((rc = hq_queue_batch_begin(q)) != 0) {
			fprintf(f, "err batch_begin %d %s\n", rc, hq_queue_errmsg(q));
			return false;
		}
	}
	return true;
}

static void batch_done(struct hq_queue *q, FILE *f, bool batched, int *left, bool force)
{
	int rc, i;

	if (!batched || *left == 0 || (--*left > 0 && !force))
		return;
	*left = 0;
	rc = hq_queue_batch_end(q, true);
	if (rc != 0) {
		fprintf(f, "err batch_end %d %s\n", rc, hq_queue_errmsg(q));
	} else {
		for (i = 0; i < nheld; i++)
			fputs(held[i], f);
	}
	nheld = 0;
}

/* A child: never returns; its exit status says whether it could report at all. */
static void child(int n, const char *db, const char *out, int start_fd, int stop_fd, int ops)
{
	struct hq_queue *q = NULL;
	char err[256];
	FILE *f = fopen(out, "w");
	/* Children 2, 3 (issuers) and 6, 7 (callers) use group commit. */
	bool batched = n % ISSUERS >= ISSUERS / 2;
	unsigned seed = (unsigned)n * 7919u + 1;
	int rc, k, left = 0;

	alarm(120); /* a child that hangs dies, and the parent sees it */
	if (!f)
		_exit(3);
	rc = hq_queue_open(db, &q, err, sizeof err);
	if (rc != 0) {
		fprintf(f, "err open %d\n", rc);
		fclose(f);
		_exit(2);
	}
	/* Each process has its own copy of the fake clock: the same morning for all. */
	ts_clock_ms = ts_local(2026, 11, 23, 9, 0) + n;
	hq_queue_set_clock(q, ts_clock, NULL);
	wait_eof(start_fd);
	if (n < ISSUERS) {
		for (k = 0; k < ops; k++) {
			struct hq_ticket t;
			const char *svc = (k + n) % 2 ? "a" : "b";

			if (!batch_step(q, f, batched, &left, &seed))
				break;
			ts_clock_ms += 10;
			rc = hq_queue_issue(q, svc, k % 5 ? HQ_CLASS_NORMAL : HQ_CLASS_PRIORITY, &t);
			if (rc == 0)
				report(f, batched, "issue %" PRId64 " %s %s %d\n", t.id, t.service, t.label,
				       t.number);
			else
				fprintf(f, "err issue %d %s\n", rc, hq_queue_errmsg(q));
			batch_done(q, f, batched, &left, k == ops - 1);
		}
	} else {
		int counters[2] = { 2 * (n - ISSUERS) + 1, 2 * (n - ISSUERS) + 2 };
		bool stopping = false;

		for (k = 0;; k++) {
			struct hq_ticket t;
			int c = counters[k % 2];

			if (!stopping && eof_reached(stop_fd))
				stopping = true;
			if (!batch_step(q, f, batched, &left, &seed))
				break;
			ts_clock_ms += 10;
			rc = hq_queue_call_next(q, c, &t);
			if (rc == 0) {
				report(f, batched, "call %" PRId64 " %d\n", t.id, c);
			} else if (rc == HQ_EEMPTY) {
				/* Every counter serves both services: empty once the issuers stopped
				 * means nothing is left for anyone. Never wait inside a batch. */
				batch_done(q, f, batched, &left, true);
				if (stopping)
					break;
				usleep(500);
				continue;
			} else {
				fprintf(f, "err call %d %s\n", rc, hq_queue_errmsg(q));
				if (k > 20000)
					break; /* a broken library: enough said */
			}
			batch_done(q, f, batched, &left, false);
		}
		batch_done(q, f, batched, &left, true);
	}
	hq_queue_close(q);
	_exit(fclose(f) == 0 ? 0 : 3);
}

static struct issued *find(int64_t id)
{
	int i;

	for (i = 0; i < ntickets; i++)
		if (tickets[i].id == id)
			return &tickets[i];
	return NULL;
}

static void integrity_ok(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* Fork the children, start them together, and wait for all: issuers first, then tell the
 * callers to drain. Returns the seconds it took. */
static double run_children(const char *db, char *files[NCHILD], int ops)
{
	pid_t pids[NCHILD];
	int start[2], stop[2], i;
	struct timespec t0, t1;

	assert_int_equal(pipe(start), 0);
	assert_int_equal(pipe(stop), 0);
	fflush(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NCHILD; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(start[1]);
			close(stop[1]);
			child(i, db, files[i], start[0], stop[0], ops);
		}
	}
	close(start[0]);
	close(stop[0]);
	close(start[1]); /* go */
	for (i = 0; i < NCHILD; i++) {
		int status;

		if (i == ISSUERS)
			close(stop[1]); /* the issuers are done: callers drain and stop */
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("child %d ended with status 0x%x", i, status);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* An issue a child reported: no id, label or number given twice in a service today. */
static void take_issue(const struct issued *t)
{
	int j;

	for (j = 0; j < ntickets; j++) {
		const struct issued *o = &tickets[j];

		if (o->id == t->id)
			fail_msg("ticket id %" PRId64 " issued twice", t->id);
		if (!strcmp(o->svc, t->svc) && (!strcmp(o->label, t->label) || o->number == t->number))
			fail_msg("service %s: %s given to tickets %" PRId64 " and %" PRId64, t->svc,
				 t->label, o->id, t->id);
	}
	assert_true(ntickets < MAXT);
	tickets[ntickets++] = *t;
}

/* Read every child's file: issues first (all of them), then the calls against them. */
static int read_reports(char *files[NCHILD], bool calls_pass)
{
	int i, calls = 0, errors = 0;

	for (i = 0; i < NCHILD; i++) {
		FILE *f = fopen(files[i], "r");
		char line[512];

		assert_non_null(f);
		while (fgets(line, sizeof line, f)) {
			struct issued t = { 0 }, *r;
			int64_t id;
			int counter, rc;

			if (sscanf(line, "issue %" SCNd64 " %7s %15s %d", &t.id, t.svc, t.label,
				   &t.number) == 4) {
				if (!calls_pass)
					take_issue(&t);
			} else if (sscanf(line, "call %" SCNd64 " %d", &id, &counter) == 2) {
				calls++;
				if (!calls_pass)
					continue;
				if (!(r = find(id)))
					fail_msg("counter %d called ticket %" PRId64 ", which no"
						 " issuer reported", counter, id);
				if (++r->calls > 1)
					fail_msg("ticket %" PRId64 " (%s) was called twice", id, r->label);
			} else if (sscanf(line, "err %*s %d", &rc) == 1) {
				if (!calls_pass && errors++ < 10)
					fprintf(stderr, "child %d: %s (%s)\n", i, strtok(line, "\n"),
						hq_err_name(rc));
			} else {
				fail_msg("child %d wrote '%s'", i, line);
			}
		}
		fclose(f);
	}
	if (errors)
		fail_msg("%d operations failed in the children (see above); only HQ_EEMPTY is allowed",
			 errors);
	return calls;
}

/* The database holds exactly what the children reported. */
static void check_database(const char *db, int calls)
{
	struct hq_queue *q;
	struct hq_event ev[256];
	int64_t since = 0;
	int nissued = 0, ncalled = 0, n, i;

	integrity_ok(db);
	q = ts_reopen(NULL);
	for (i = 0; i < ntickets; i++) {
		struct hq_ticket t;

		if (hq_queue_ticket(q, tickets[i].id, &t) != 0)
			fail_msg("ticket %" PRId64 " reported issued is not in the database", tickets[i].id);
		assert_string_equal(t.label, tickets[i].label);
		assert_string_equal(t.service, tickets[i].svc);
		if (t.state != HQ_T_CALLED && t.state != HQ_T_DONE)
			fail_msg("ticket %s is %s, expected called or done", t.label,
				 hq_tstate_name(t.state));
	}
	while ((n = hq_queue_events(q, since, ev, 256)) > 0) {
		for (i = 0; i < n; i++) {
			if (ev[i].id <= since)
				fail_msg("event ids do not grow: %" PRId64 " after %" PRId64, ev[i].id,
					 since);
			since = ev[i].id;
			if (!strcmp(ev[i].type, "issued")) {
				nissued++;
				if (!find(ev[i].ticket_id))
					fail_msg("event issued for ticket %" PRId64 ", which nobody reported",
						 ev[i].ticket_id);
			}
			ncalled += !strcmp(ev[i].type, "called");
		}
	}
	assert_true(n >= 0);
	assert_int_equal(nissued, ntickets);
	assert_int_equal(ncalled, calls);
	ts_close(q);
}

static void test_issuers_and_callers(void **state)
{
	struct hq_queue *q = ts_open(hall_ini);
	const char *env = getenv("HQ_MP_OPS");
	int ops = env && atoi(env) > 0 ? atoi(env) : 250;
	char *db = strdup(ts_db_path()), *files[NCHILD], dir[4096];
	int i, calls, per_svc[2] = { 0, 0 };
	double secs;

	(void)state;
	assert_non_null(db);
	snprintf(dir, sizeof dir, "%s", db);
	*strrchr(dir, '/') = '\0';
	for (i = 0; i < NCHILD; i++) {
		char name[32];

		snprintf(name, sizeof name, "child-%d.txt", i);
		files[i] = ts_path(dir, name);
	}
	/* Children open their own connections; none may inherit this one. */
	hq_queue_close(q);
	secs = run_children(db, files, ops);

	read_reports(files, false);
	assert_int_equal(ntickets, ISSUERS * ops);
	/* Numbers run 1..n per service with no gap: one number per issue, none lost. */
	for (i = 0; i < ntickets; i++)
		per_svc[strcmp(tickets[i].svc, "a") == 0 ? 0 : 1]++;
	for (i = 0; i < ntickets; i++) {
		int s = strcmp(tickets[i].svc, "a") == 0 ? 0 : 1;

		if (tickets[i].number < 1 || tickets[i].number > per_svc[s])
			fail_msg("%s has number %d but service %s issued %d tickets", tickets[i].label,
				 tickets[i].number, tickets[i].svc, per_svc[s]);
	}
	/* Calls: each issued ticket exactly once (the callers drained the queue). */
	calls = read_reports(files, true);
	for (i = 0; i < ntickets; i++)
		if (tickets[i].calls != 1)
			fail_msg("ticket %" PRId64 " (%s) was never called", tickets[i].id, tickets[i].label);
	check_database(db, calls);
	printf("multiproc: %d issuers x %d issues, %d callers (half of each in batches): %d tickets,"
	       " %d calls in %.2f s\n", ISSUERS, ops, CALLERS, ntickets, calls, secs);
	for (i = 0; i < NCHILD; i++)
		free(files[i]);
	free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issuers_and_callers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
