/*
 * Crash safety of the queue: a child process loops issue and call-next on a durable hall
 * and, after each call returned 0, writes one line to a pipe ("issue ID SVC LABEL NUMBER",
 * "call ID"): a line in the pipe is a success the child reported. The parent kills it with
 * SIGKILL at a random moment 5-200 ms after the fork (so some rounds die while opening the
 * database), several rounds on the same file, and after each round reopens it and checks:
 * PRAGMA integrity_check says "ok", every reported ticket exists with its label, every
 * reported call left its ticket called or later, no label or number repeats per service and
 * day and numbers have no gaps (a killed transaction leaves nothing half done), and the
 * next hq_queue_issue still works. A second test does the same with group commit: the
 * child runs batches of operations, writes "pending ..." lines as they return inside the
 * batch and "commit" once hq_queue_batch_end returned 0; a batch cut by the kill must be in
 * the database whole or not at all, and committed ones whole. The seed of the delays is
 * printed; HQ_SEED replays it, HQ_CRASH_ROUNDS sets the rounds per test (default 25).
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

#define MAXT 60000

static const char *hall_ini =
	"[hall]\n"
	"name = 断电大厅\n"
	"\n"
	"[service a]\nname = 企业开办\nprefix = A\nnumbers = 1-9999\nhours = 08:00-18:00\n"
	"days = mon-sun\n\n"
	"[service b]\nname = 不动产登记\nprefix = B\nnumbers = 1-9999\nhours = 08:00-18:00\n"
	"days = mon-sun\n\n"
	"[counter 1]\nservices = a, b\n";

struct reported {
	int64_t id;
	char svc[8];
	char label[HQ_LABEL_MAX];
	int number;
	bool called;
	bool issue_unreported;  /* committed, but killed before the line was written */
};

static struct reported rep[MAXT];
static int nrep;

/* The open batch's steps as the child reported them, not yet committed. */
struct pending {
	bool call;
	int64_t id;
	char svc[8];
	char label[HQ_LABEL_MAX];
	int number;
};

static struct pending pend[64];
static int npend;

static struct reported *find(int64_t id)
{
	int i;

	for (i = 0; i < nrep; i++)
		if (rep[i].id == id)
			return &rep[i];
	return NULL;
}

static void add_issue(int64_t id, const char *svc, const char *label, int number)
{
	struct reported *r;

	if (find(id))
		fail_msg("ticket id %" PRId64 " reported issued twice, or issued after it was called", id);
	assert_true(nrep < MAXT);
	r = &rep[nrep++];
	memset(r, 0, sizeof *r);
	r->id = id;
	snprintf(r->svc, sizeof r->svc, "%s", svc);
	snprintf(r->label, sizeof r->label, "%s", label);
	r->number = number;
}

static void say(int fd, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* Short lines to a pipe are written whole or not at all. */
	if (write(fd, line, (size_t)n) != n)
		_exit(3);
}

/* One issue, and every other time a call, as the child reports them. */
static void issue_and_call(struct hq_queue *q, int fd, int k, const char *tag)
{
	struct hq_ticket t;
	int rc;

	ts_clock_ms += 7;
	rc = hq_queue_issue(q, k % 3 ? "a" : "b", HQ_CLASS_NORMAL, &t);
	if (rc == 0)
		say(fd, "%sissue %" PRId64 " %s %s %d\n", tag, t.id, t.service, t.label, t.number);
	else
		say(fd, "err issue %d\n", rc);
	if (k % 2 == 0)
		return; /* leave some tickets waiting across the crash */
	ts_clock_ms += 7;
	rc = hq_queue_call_next(q, 1, &t);
	if (rc == 0)
		say(fd, "%scall %" PRId64 "\n", tag, t.id);
	else
		say(fd, "err call %d\n", rc);
}

/* The child: issue and call until killed, each line written only after success; with
 * `batch`, in group commits of 1-8 steps, "commit" written after batch_end returned 0. */
static void child(const char *db, int fd, int64_t clock0, bool batch, unsigned seed)
{
	struct hq_queue *q = NULL;
	char err[256];
	int k, rc;

	alarm(30); /* never outlive a parent that failed to kill it */
	if (hq_queue_open(db, &q, err, sizeof err) != 0) {
		say(fd, "err open 0\n");
		_exit(2);
	}
	ts_clock_ms = clock0;
	hq_queue_set_clock(q, ts_clock, NULL);
	for (k = 0;;) {
		int n = batch ? 1 + (int)(rand_r(&seed) % 8) : 1, i;

		if (batch && (rc = hq_queue_batch_begin(q)) != 0)
			say(fd, "err batch_begin %d\n", rc);
		for (i = 0; i < n; i++)
			issue_and_call(q, fd, k++, batch ? "pending " : "");
		if (!batch)
			continue;
		rc = hq_queue_batch_end(q, true);
		if (rc == 0)
			say(fd, "commit\n");
		else
			say(fd, "err batch_end %d\n", rc);
	}
}

static void integrity_ok(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const char *res;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	res = (const char *)sqlite3_column_text(s, 0);
	if (!res || strcmp(res, "ok"))
		fail_msg("integrity_check: %s", res ? res : "(null)");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void called(int64_t id)
{
	struct reported *r = find(id);

	/* An issue can commit and the child die before writing its line; a later round may
	 * then call that ticket. */
	if (!r) {
		add_issue(id, "", "", 0);
		r = find(id);
		r->issue_unreported = true;
	}
	r->called = true;
}

/* One line from the child; returns 1 for a reported issue. */
static int take_line(const char *line)
{
	struct pending *p = &pend[npend];
	char svc[8], label[HQ_LABEL_MAX];
	int64_t id;
	int number, rc, i;

	if (sscanf(line, "issue %" SCNd64 " %7s %15s %d", &id, svc, label, &number) == 4) {
		add_issue(id, svc, label, number);
		return 1;
	}
	if (sscanf(line, "call %" SCNd64, &id) == 1) {
		called(id);
		return 0;
	}
	if (!strncmp(line, "pending ", 8)) {
		assert_true(npend < (int)(sizeof pend / sizeof pend[0]));
		memset(p, 0, sizeof *p);
		if (sscanf(line, "pending issue %" SCNd64 " %7s %15s %d", &p->id, p->svc, p->label,
			   &p->number) == 4) {
			npend++;
			return 0;
		}
		if (sscanf(line, "pending call %" SCNd64, &p->id) == 1) {
			p->call = true;
			npend++;
			return 0;
		}
	}
	if (!strcmp(line, "commit")) {
		/* The batch is done: each step is now a reported success. */
		for (i = 0, rc = 0; i < npend; i++) {
			if (pend[i].call) {
				called(pend[i].id);
			} else {
				add_issue(pend[i].id, pend[i].svc, pend[i].label, pend[i].number);
				rc++;
			}
		}
		npend = 0;
		return rc;
	}
	if (sscanf(line, "err %*s %d", &rc) == 1)
		fail_msg("child: %s (%s)", line, hq_err_name(rc));
	fail_msg("child wrote '%s'", line);
	return 0;
}

/* The batch the kill cut: in the database with all its steps, or with none. */
static int settle_pending(struct hq_queue *q)
{
	int i, done = 0, issues = 0;

	for (i = 0; i < npend; i++) {
		struct hq_ticket t;
		bool there;

		if (pend[i].call)
			there = hq_queue_ticket(q, pend[i].id, &t) == 0 && t.state != HQ_T_WAITING &&
				t.state != HQ_T_PARKED;
		else
			there = hq_queue_ticket(q, pend[i].id, &t) == 0 && !strcmp(t.label, pend[i].label) &&
				t.number == pend[i].number;
		done += there;
	}
	if (done != 0 && done != npend)
		fail_msg("a batch cut by the crash is half there: %d of its %d steps", done, npend);
	if (done)
		issues = take_line("commit");
	npend = 0;
	return issues;
}

/* Run one child, kill it after delay_ms, and take in every line it wrote. */
static int run_round(const char *db, int delay_ms, int64_t clock0, bool batch, unsigned seed, int *lines)
{
	int fds[2], status, issues = 0;
	struct timespec t0, now;
	char buf[8192], acc[16384];
	size_t have = 0;
	bool killed = false;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(db, fds[1], clock0, batch, seed);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*lines = 0;
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		long elapsed;
		ssize_t n;
		int wait;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (!killed && elapsed >= delay_ms) {
			assert_int_equal(kill(pid, SIGKILL), 0);
			killed = true;
		}
		wait = killed ? 1000 : (int)(delay_ms - elapsed);
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fds[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break; /* the child is gone and everything it wrote has been read */
		assert_true(have + (size_t)n < sizeof acc);
		memcpy(acc + have, buf, (size_t)n);
		have += (size_t)n;
		for (;;) {
			char *nl = memchr(acc, '\n', have), line[256];
			size_t len;

			if (!nl)
				break;
			len = (size_t)(nl - acc);
			assert_true(len < sizeof line);
			memcpy(line, acc, len);
			line[len] = '\0';
			memmove(acc, nl + 1, have - len - 1);
			have -= len + 1;
			(*lines)++;
			issues += take_line(line);
		}
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Killed by us, or (a round too short to matter) never past open; anything else is wrong. */
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		fail_msg("child ended with status 0x%x, not by our SIGKILL", status);
	assert_int_equal((int)have, 0);
	return issues;
}

/* Tickets by id, and what the event feed says of them. */
static struct hq_ticket all[MAXT], *sorted[MAXT];
static bool has_issued[MAXT], has_called[MAXT];

static int by_key(const void *a, const void *b, bool number)
{
	const struct hq_ticket *x = *(const struct hq_ticket *const *)a;
	const struct hq_ticket *y = *(const struct hq_ticket *const *)b;
	int c = strcmp(x->day, y->day);

	if (!c)
		c = strcmp(x->service, y->service);
	if (!c)
		c = number ? (x->number > y->number) - (x->number < y->number) : strcmp(x->label, y->label);
	return c;
}

static int by_label(const void *a, const void *b)
{
	return by_key(a, b, false);
}

static int by_number(const void *a, const void *b)
{
	return by_key(a, b, true);
}

/*
 * The database after a crash: each operation all or nothing (every ticket has its `issued`
 * event and, once called, its `called` event; every event's ticket exists), no label or
 * number twice per service and day, numbers without gaps, and each reported success
 * present. Tickets below from_id and events up to from_ev are skipped (only the last
 * round's, to keep rounds cheap); from_id 1 and from_ev 0 check everything.
 */
static void check_db(struct hq_queue *q, int64_t from_id, int64_t from_ev)
{
	struct hq_event ev[256];
	int64_t since = from_ev, id, max_id = 0;
	int n, i, j, max[2] = { 0, 0 }, count[2] = { 0, 0 }, misses = 0;

	memset(has_issued, 0, sizeof has_issued);
	memset(has_called, 0, sizeof has_called);
	while ((n = hq_queue_events(q, since, ev, 256)) > 0) {
		for (i = 0; i < n; i++) {
			since = ev[i].id;
			id = ev[i].ticket_id;
			if (id <= 0)
				continue;
			assert_true(id < MAXT);
			has_issued[id] |= !strcmp(ev[i].type, "issued");
			has_called[id] |= !strcmp(ev[i].type, "called");
			if (id > max_id)
				max_id = id;
		}
	}
	assert_true(n == 0);
	for (i = 0; i < nrep; i++)
		if (rep[i].id > max_id)
			max_id = rep[i].id;
	/* Ids are handed out in order; look well past the last one any source names. */
	for (id = 1; id < MAXT && (id <= max_id || misses < 100); id++) {
		struct hq_ticket *t = &all[id];
		int rc;

		if (id < from_id) {
			t->id = 0;
			continue;
		}
		rc = hq_queue_ticket(q, id, t);
		if (rc == HQ_ENOTICKET) {
			t->id = 0;
			if (has_issued[id] || has_called[id])
				fail_msg("events name ticket %" PRId64 ", which is not in the database", id);
			misses += id > max_id;
			continue;
		}
		if (rc != 0)
			fail_msg("hq_queue_ticket(%" PRId64 "): %s", id, hq_err_name(rc));
		if (!has_issued[id])
			fail_msg("ticket %" PRId64 " (%s) has no issued event: half an operation", id,
				 t->label);
		if (t->called_at && !has_called[id])
			fail_msg("ticket %" PRId64 " (%s) was called but has no called event", id, t->label);
		if (has_called[id] && !t->called_at)
			fail_msg("ticket %" PRId64 " (%s) has a called event but no call", id, t->label);
	}
	for (i = 1, n = 0; i < id; i++) {
		int s;

		if (!all[i].id)
			continue;
		sorted[n++] = &all[i];
		s = strcmp(all[i].service, "a") == 0 ? 0 : 1;
		count[s]++;
		if (all[i].number > max[s])
			max[s] = all[i].number;
	}
	/* Sorted by day, service and label (then number), a repeat sits next to its twin. */
	for (j = 0; j < 2; j++) {
		qsort(sorted, (size_t)n, sizeof *sorted, j ? by_number : by_label);
		for (i = 1; i < n; i++)
			if ((j ? by_number : by_label)(&sorted[i - 1], &sorted[i]) == 0)
				fail_msg("%s %s: %s (number %d) given to tickets %" PRId64 " and %" PRId64,
					 sorted[i]->day, sorted[i]->service, sorted[i]->label,
					 sorted[i]->number,
					 sorted[i - 1]->id, sorted[i]->id);
	}
	/* One day, numbers from 1: n tickets means numbers 1..n. */
	for (i = 0; i < 2 && from_id <= 1; i++)
		if (max[i] != count[i])
			fail_msg("service %s: %d tickets but numbers up to %d", i ? "b" : "a", count[i],
				 max[i]);
	for (i = 0; i < nrep; i++) {
		struct hq_ticket t;

		if (rep[i].id < from_id && !rep[i].called)
			continue;
		if (hq_queue_ticket(q, rep[i].id, &t) != 0)
			fail_msg("ticket %" PRId64 " (%s) was reported issued but is gone", rep[i].id,
				 rep[i].label);
		if (!rep[i].issue_unreported &&
		    (strcmp(t.label, rep[i].label) || strcmp(t.service, rep[i].svc) ||
		     t.number != rep[i].number))
			fail_msg("ticket %" PRId64 " is %s %s, reported %s %s", t.id, t.service, t.label,
				 rep[i].svc, rep[i].label);
		if (rep[i].called && (t.state == HQ_T_WAITING || t.state == HQ_T_PARKED || !t.called_at))
			fail_msg("ticket %" PRId64 " (%s) was reported called but is %s", t.id, t.label,
				 hq_tstate_name(t.state));
	}
}

static void crash_rounds(bool batch)
{
	struct hq_queue *q = ts_open(hall_ini);
	const char *env = getenv("HQ_SEED"), *renv = getenv("HQ_CRASH_ROUNDS");
	unsigned seed = env && *env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	int rounds = renv && atoi(renv) > 0 ? atoi(renv) : 25, r, total = 0, lines, cut = 0;
	int64_t round_from = 1, ev_from = 0;
	char *db = strdup(ts_db_path());

	assert_non_null(db);
	nrep = npend = 0;
	printf("crash%s: seed %u, %d rounds (replay: HQ_SEED=%u)\n", batch ? " (batches)" : "", seed,
	       rounds, seed);
	srand(seed);
	hq_queue_close(q);
	for (r = 0; r < rounds; r++) {
		int delay = 5 + rand() % 196, issues, left;
		int64_t clock0 = ts_local(2026, 11, 23, 9, 0) + (int64_t)r * 2 * 60000;
		struct hq_ticket t;

		issues = run_round(db, delay, clock0, batch, seed + (unsigned)r, &lines);
		integrity_ok(db);
		q = ts_reopen(NULL);
		left = npend;
		issues += settle_pending(q);
		cut += left > 0;
		/* Every ticket every 8th round; the round's new ones (and its calls) otherwise. */
		check_db(q, r % 8 == 7 ? 1 : round_from, r % 8 == 7 ? 0 : ev_from);
		/* After the crash the hall goes on: the next issue works and is checked later. */
		ts_clock_ms = clock0 + 90 * 1000; /* after the child's last op */
		if (hq_queue_issue(q, "a", HQ_CLASS_NORMAL, &t) != 0)
			fail_msg("issue after the crash: %s", hq_queue_errmsg(q));
		add_issue(t.id, t.service, t.label, t.number);
		round_from = t.id + 1;
		ev_from = hq_queue_last_event_id(q);
		hq_queue_close(q);
		printf("crash: round %d killed after %d ms, %d lines reported, %d issues%s\n", r, delay,
		       lines, issues, left ? ", a batch cut" : "");
		total += issues;
	}
	q = ts_reopen(NULL);
	check_db(q, 1, 0);
	printf("crash: %d rounds, %d tickets reported, all present", rounds, total);
	if (batch)
		printf("; %d batches cut by the kill, each whole or absent", cut);
	printf("\n");
	free(db);
	ts_close(q);
}

static void test_kill_during_writes(void **state)
{
	(void)state;
	crash_rounds(false);
}

static void test_kill_during_batches(void **state)
{
	(void)state;
	crash_rounds(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_writes),
		cmocka_unit_test(test_kill_during_batches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
