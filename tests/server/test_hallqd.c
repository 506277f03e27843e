/*
 * Integration test of hallqd, the hall's HTTP server, against docs/api.md. It starts the
 * real $BUILD/hallqd on a scratch hall (services open all day, every day, so the test passes
 * at any wall-clock time; TZ=Asia/Shanghai), talks to it with libcurl, and checks every
 * endpoint, every error status, the role table, idempotency, calling a typed number, the
 * counter units' health reports (read back, in /metrics, going stale), the kiosks' printer
 * health (the same, and the log lines), the ticket status page (HTML for a browser, also run
 * in headless chromium when it is installed), public_url and [kiosk] in the config, the event stream,
 * no estimate while no counter of a service is open (at lunch on a simulated clock), the
 * estimate's 80% range and estimate_display (a morning made with hallq at HALLQ_NOW),
 * concurrent clients, a kill -9 in the middle of a load, the signals and the startup refusals. The
 * database is read directly (sqlite3, and the hallq command) to check the queue's
 * invariants. Every server started is stopped by its pid, on failure too; a watchdog ends
 * the run if something hangs. Prints one line per failed check and ends with
 * "hallqd: N passed, M failed"; exits 1 when anything failed.
 *
 * Environment: BUILD (default "build") locates hallqd and hallq; HALLQD_KEEP=1 keeps the
 * scratch directory for a post-mortem.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "http.h"
#include "hq_client.h"
#include "hq_error.h"
#include "hq_queue.h"

#define HALL_NAME "测试大厅"
#define HALL_NAME2 "改名大厅"
#define WATCHDOG_S 150
#define REQ_TIMEOUT_MS 10000L
/* hallqd --unit-stale: short, so that the test sees a gateway go stale without waiting 30 s. */
#define UNIT_STALE_S 2
/* hallqd --kiosk-stale, likewise. */
#define KIOSK_STALE_S 2

/* ---- checks ------------------------------------------------------------------------------ */

static int passed, failed;

__attribute__((format(printf, 2, 3)))
static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return true;
	}
	failed++;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	return false;
}

/* A short description of an answer, for failure lines, into buf. */
static const char *desc_r(const struct thttp_resp *r, char *buf, size_t n)
{
	if (!r->status)
		snprintf(buf, n, "no answer (%s)", r->err);
	else
		snprintf(buf, n, "%ld %.300s", r->status, r->body ? r->body : "");
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return buf;
}

/* The same in a static buffer: for the main thread only. */
static const char *desc(const struct thttp_resp *r)
{
	static char buf[400];
	return desc_r(r, buf, sizeof buf);
}

static const char *jstr(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool jint(const json_t *o, const char *k, json_int_t *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

static json_int_t jint_or(const json_t *o, const char *k, json_int_t def)
{
	json_int_t v;
	return jint(o, k, &v) ? v : def;
}

static bool jstr_is(const json_t *o, const char *k, const char *want)
{
	const char *v = jstr(o, k);
	return v && strcmp(v, want) == 0;
}

static bool expect_status(const struct thttp_resp *r, long want, const char *what)
{
	return check(r->status == want, "%s: want status %ld, got %s", what, want, desc(r));
}

/* The answer has status `want` and the JSON error body, with code `code` (NULL: any). */
static bool expect_error(const struct thttp_resp *r, long want, const char *code, const char *what)
{
	const char *e = jstr(r->json, "error");
	const char *m = jstr(r->json, "message");
	bool ok = r->status == want && e && m && m[0] && (!code || strcmp(e, code) == 0);
	return check(ok, "%s: want %ld {\"error\": \"%s\", \"message\": ...}, got %s", what, want,
		     code ? code : "*", desc(r));
}

/* Like expect_error, with either of two codes accepted (where docs/api.md allows both). */
static bool expect_error2(const struct thttp_resp *r, long want, const char *c1, const char *c2,
			  const char *what)
{
	const char *e = jstr(r->json, "error");
	const char *m = jstr(r->json, "message");
	bool ok = r->status == want && e && m && m[0] && (strcmp(e, c1) == 0 || strcmp(e, c2) == 0);
	return check(ok, "%s: want %ld with error %s or %s, got %s", what, want, c1, c2, desc(r));
}

/* The answer's Content-Type starts with `prefix`. */
static bool expect_ctype(const struct thttp_resp *r, const char *prefix, const char *what)
{
	char ct[128] = "";
	bool ok = thttp_header(r, "Content-Type", ct, sizeof ct) && strncmp(ct, prefix, strlen(prefix)) == 0;
	return check(ok, "%s: want Content-Type %s, got '%s'", what, prefix, ct);
}

/* ---- time, files, processes --------------------------------------------------------------- */

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void nap_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) == -1 && errno == EINTR)
		;
}

static void local_str(time_t t, const char *fmt, char *buf, size_t n)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, fmt, &tm);
}

static char tmpdir[256]; /* short, so that paths inside it always fit */
static volatile sig_atomic_t keep_tmp; /* HALLQD_KEEP */
static char hallqd_bin[PATH_MAX], hallq_bin[PATH_MAX];

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

static bool write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	ok = fclose(f) == 0 && ok;
	return ok && chmod(path, mode) == 0;
}

/* The whole file, malloc'd and NUL-terminated ("" when it cannot be read). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 4096;
	char *p = malloc(cap);

	if (!p)
		abort();
	p[0] = '\0';
	if (!f)
		return p;
	for (;;) {
		if (len + 2048 > cap) {
			cap *= 2;
			p = realloc(p, cap);
			if (!p)
				abort();
		}
		size_t got = fread(p + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	p[len] = '\0';
	fclose(f);
	return p;
}

static bool file_contains(const char *path, const char *needle)
{
	char *t = read_file(path);
	bool ok = strstr(t, needle) != NULL;
	free(t);
	return ok;
}

/*
 * Children this test started, so that a failure, a signal or the watchdog can stop them:
 * nothing may be left running. The handler only calls async-signal-safe functions.
 */
#define MAX_CHILDREN 32
static volatile pid_t children[MAX_CHILDREN];

static void child_add(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
}

static void child_forget(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static void children_kill(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
}

static void on_fatal_signal(int sig)
{
	static const char msg[] = "hallqd: test interrupted or timed out; servers killed\n"
				  "hallqd: 0 passed, 1 failed\n";
	char *const rm[] = {"/bin/rm", "-rf", tmpdir, NULL};
	pid_t pid = 0;

	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
		}
	if (tmpdir[0] && !keep_tmp)
		pid = fork();
	if (pid == 0 && tmpdir[0] && !keep_tmp) {
		execv(rm[0], rm);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	(void)sig;
	if (write(1, msg, sizeof msg - 1) < 0)
		_exit(2);
	_exit(1);
}

/* fork and exec argv with stdout and stderr appended to `log` (NULL: /dev/null). */
static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0600) : open("/dev/null", O_WRONLY);
		if (in < 0 || out < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		child_add(pid);
	return pid;
}

/* Wait for pid up to timeout_ms: true and *status when it ended. */
static bool wait_exit(pid_t pid, long timeout_ms, int *status)
{
	int64_t end = mono_ms() + timeout_ms;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			child_forget(pid);
			return true;
		}
		if (r < 0 && errno != EINTR) {
			child_forget(pid);
			*status = -1;
			return true;
		}
		if (mono_ms() >= end)
			return false;
		nap_ms(10);
	}
}

/* Stop pid with sig; SIGKILL after timeout_ms. Returns the wait status, or -1 if killed. */
static int stop_pid(pid_t pid, int sig, long timeout_ms)
{
	int status = -1;
	kill(pid, sig);
	if (wait_exit(pid, timeout_ms, &status))
		return status;
	kill(pid, SIGKILL);
	wait_exit(pid, 5000, &status);
	return -1;
}

/* Run a command to completion (bounded) with stdout into `out`; returns its exit status. */
static int run_cmd(char *const argv[], const char *out)
{
	int status;
	unlink(out);
	pid_t pid = spawn(argv, out);
	if (pid < 0)
		return -1;
	if (!wait_exit(pid, 20000, &status)) {
		stop_pid(pid, SIGKILL, 1000);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- the hall, the tokens and the server ---------------------------------------------------- */

enum role { R_KIOSK, R_BOOKING, R_DISPLAY, R_COUNTER1, R_COUNTER2, R_GATEWAY, R_REVIEW, R_MANAGER, R_ADMIN,
	    R_COUNT };

static const struct {
	const char *role, *token;
} roles[R_COUNT] = {
	[R_KIOSK] = {"kiosk", "kiosk-token-3f9a1c7e55"},
	[R_BOOKING] = {"booking", "booking-token-a81d44c02b"},
	[R_DISPLAY] = {"display", "display-token-6be0f3d917"},
	[R_COUNTER1] = {"counter:1", "counter1-token-0c5e8a2f6d"},
	[R_COUNTER2] = {"counter:2", "counter2-token-94b7d1e03a"},
	[R_GATEWAY] = {"gateway", "gateway-token-5c2e8b71f4"},
	[R_REVIEW] = {"review", "review-token-81c3e0d5a7"},
	[R_MANAGER] = {"manager", "manager-token-2d6f0a9c81"},
	[R_ADMIN] = {"admin", "admin-token-e47b93c15f"},
};
#define TK(r) (roles[r].token)
#define NEW_MANAGER_TOKEN "manager2-token-7a1e5c9d30"

/* Counters 11..30 serve the load test's service l only. */
#define LOAD_FIRST 11
#define LOAD_COUNTERS 20

/*
 * The test hall. Service c opens for one hour twelve hours away from now, so it is closed
 * for the whole run; the others open all day, every day. Service d takes one ticket a day. `extra` is put as line 2 (a bad
 * key, for the reload test) when not NULL, and `tail` (more sections) at the end.
 */
/* The roster's clerk 1024, PIN 2468: the config holds only the hash, made once. */
#define CLERK_PIN "2468"
static const char *clerk_hash(void)
{
	static char hash[HQ_PIN_HASH_MAX];

	if (!hash[0] && hq_pin_hash(CLERK_PIN, hash, sizeof hash) != HQ_OK) {
		fprintf(stderr, "hq_pin_hash failed\n");
		exit(1);
	}
	return hash;
}

static char *hall_ini(const char *name, const char *extra, const char *tail)
{
	static char text[8192];
	char *p = text;
	size_t left = sizeof text;
	int n;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	int from = (tm.tm_hour + 12) % 24;
#define ADD(...)                                                       \
	do {                                                           \
		n = snprintf(p, left, __VA_ARGS__);                    \
		p += n;                                                \
		left -= (size_t)n;                                     \
	} while (0)
	ADD("[hall]\n");
	if (extra)
		ADD("%s\n", extra);
	ADD("name = %s\n"
	    "name_en = Test Hall\n"
	    "languages = zh, en\n"
	    "notice = 请携带身份证件\n"
	    "slot_minutes = 5\n"
	    "checkin_early_minutes = 15\n"
	    "checkin_late_minutes = 10\n"
	    "\n"
	    /* The load below is one token's, far beyond a hall's limits (tests/limits.sh). */
	    "[limits]\n"
	    "conn_per_addr = 0\n"
	    "rate = 0\n"
	    "streams_per_token = 0\n"
	    "\n"
	    "[service a]\n"
	    "name = 综合受理\n"
	    "name_en = General\n"
	    "prefix = A\n"
	    "numbers = 1-999\n"
	    "hours = 00:00-24:00\n"
	    "days = mon-sun\n"
	    "appointments_per_slot = 2\n"
	    "\n"
	    "[service b]\n"
	    "name = 不动产登记\n"
	    "name_en = Real estate\n"
	    "prefix = B\n"
	    "numbers = 1-999\n"
	    "hours = 00:00-24:00\n"
	    "days = mon-sun\n"
	    "\n"
	    "[service c]\n"
	    "name = 夜间服务\n"
	    "prefix = C\n"
	    "hours = %02d:00-%02d:00\n"
	    "days = mon-sun\n"
	    "\n"
	    "[service d]\n"
	    "name = 限号服务\n"
	    "prefix = D\n"
	    "daily_cap = 1\n"
	    "hours = 00:00-24:00\n"
	    "days = mon-sun\n"
	    "\n"
	    "[service l]\n"
	    "name = 压力测试\n"
	    "prefix = L\n"
	    "numbers = 1-9999\n"
	    "hours = 00:00-24:00\n"
	    "days = mon-sun\n"
	    "\n"
	    "[counter 1]\n"
	    "name = 1号窗口\n"
	    "services = b\n"
	    "\n"
	    "[counter 2]\n"
	    "name = 2号窗口\n"
	    "services = b\n"
	    "\n"
	    "[counter 3]\n"
	    "services = a, c, d\n",
	    name, from, from + 1);
	for (int c = LOAD_FIRST; c < LOAD_FIRST + LOAD_COUNTERS; c++)
		ADD("\n[counter %d]\nservices = l\n", c);
	ADD("\n[clerk 1024]\nname = 王芳\npin = %s\n", clerk_hash());
	if (tail)
		ADD("\n%s", tail);
#undef ADD
	return text;
}

static char *tokens_text(void)
{
	static char text[2048];
	size_t off = (size_t)snprintf(text, sizeof text, "# hallqd test tokens: ROLE TOKEN\n\n");
	for (int r = 0; r < R_COUNT; r++)
		off += (size_t)snprintf(text + off, sizeof text - off, "%s %s\n", roles[r].role, roles[r].token);
	return text;
}

struct server {
	pid_t pid;
	int port;
	char base[64];
	char dir[512];
	char ini[600], db[600], tokens[600], log[600];
};

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static CURL *H; /* the main thread's handle */

/* Poll GET /healthz until 200 (bounded); false when the process ended or time ran out. */
static bool wait_ready(struct server *s, long timeout_ms)
{
	struct thttp_resp r = {0};
	char url[128];
	int64_t end = mono_ms() + timeout_ms;
	int status;
	bool ok = false;

	snprintf(url, sizeof url, "%s/healthz", s->base);
	while (mono_ms() < end) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			child_forget(s->pid);
			s->pid = 0;
			break;
		}
		if (thttp_request(H, "GET", url, NULL, NULL, NULL, 0, 1000, &r) && r.status == 200) {
			ok = true;
			break;
		}
		nap_ms(50);
	}
	thttp_resp_free(&r);
	return ok;
}

/* Start hallqd on s's files and a free port, and wait for it to answer. */
static bool server_start(struct server *s)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		char listen[64], stale[16], kstale[16];
		s->port = free_port();
		snprintf(stale, sizeof stale, "%d", UNIT_STALE_S);
		snprintf(kstale, sizeof kstale, "%d", KIOSK_STALE_S);
		snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
		snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
		char *argv[] = {hallqd_bin, "--config", s->ini, "--db", s->db, "--listen", listen,
				"--tokens", s->tokens, "--unit-stale", stale, "--kiosk-stale", kstale, NULL};
		s->pid = spawn(argv, s->log);
		if (s->pid < 0)
			return false;
		if (wait_ready(s, 10000))
			return true;
		if (s->pid > 0) {
			stop_pid(s->pid, SIGKILL, 2000);
			s->pid = 0;
		}
	}
	return false;
}

/* Stop with sig (SIGKILL after a bounded wait); the wait status, or -1 if it had to be killed. */
static int server_stop(struct server *s, int sig)
{
	int status = -1;
	if (s->pid > 0)
		status = stop_pid(s->pid, sig, 5000);
	s->pid = 0;
	return status;
}

static bool server_setup(struct server *s, const char *name)
{
	snprintf(s->dir, sizeof s->dir, "%s/%s", tmpdir, name);
	if (mkdir(s->dir, 0700) != 0)
		return false;
	snprintf(s->ini, sizeof s->ini, "%s/hall.ini", s->dir);
	snprintf(s->db, sizeof s->db, "%s/hall.db", s->dir);
	snprintf(s->tokens, sizeof s->tokens, "%s/tokens", s->dir);
	snprintf(s->log, sizeof s->log, "%s/hallqd.log", s->dir);
	return write_file(s->ini, hall_ini(HALL_NAME, NULL, NULL), 0644) &&
	       write_file(s->tokens, tokens_text(), 0600);
}

static void log_tail(const struct server *s)
{
	char *t = read_file(s->log);
	size_t len = strlen(t);
	char *p = t + len;
	int lines = 0;
	while (p > t && lines < 16)
		if (*--p == '\n')
			lines++;
	printf("  the last lines of %s:\n", s->log);
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		printf("  | %s\n", line);
	free(t);
}

/* ---- requests ------------------------------------------------------------------------------- */

static struct server S1;           /* the main server */
static struct server *cur = &S1;   /* the one api() talks to */
static struct thttp_resp R;        /* the last answer */

__attribute__((format(printf, 5, 6)))
static long api_h(const char *method, const char *token, const char *body, const char *const *headers,
		  const char *fmt, ...)
{
	char url[1024];
	int n = snprintf(url, sizeof url, "%s", cur->base);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(url + n, sizeof url - (size_t)n, fmt, ap);
	va_end(ap);
	thttp_request(H, method, url, token, body, headers, 0, REQ_TIMEOUT_MS, &R);
	return R.status;
}

#define api(method, token, body, ...) api_h(method, token, body, NULL, __VA_ARGS__)

static int64_t last_event_id(void)
{
	json_int_t v;
	if (api("GET", NULL, NULL, "/healthz") == 200 && jint(R.json, "last_event_id", &v))
		return v;
	return -1;
}

/* A copy of the hall's JSON (caller decrefs), or NULL. */
static json_t *get_hall(void)
{
	if (api("GET", TK(R_DISPLAY), NULL, "/api/v1/hall") != 200 || !json_is_object(R.json))
		return NULL;
	return json_incref(R.json);
}

static json_t *find_by(json_t *arr, const char *field, const char *key)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (jstr_is(v, field, key))
			return v;
	return NULL;
}

static json_int_t issued_today(const char *service)
{
	json_t *hall = get_hall();
	json_t *svc = find_by(json_object_get(hall, "services"), "key", service);
	json_int_t v = jint_or(svc, "issued_today", -1);
	json_decref(hall);
	return v;
}

/* The ticket fields of docs/api.md: the ones missing from o, space-separated, in miss. */
static bool ticket_complete(const json_t *o, char *miss, size_t n)
{
	static const char *fields[] = {"id", "parent_id", "label", "service", "service_name",
				       "service_name_en", "number", "class", "state", "counter",
				       "counter_name", "counter_name_en", "target_counter", "clerk", "recalls",
				       "people_ahead", "est_wait_s", "rating", "day", "issued_at",
				       "called_at", "started_at", "ended_at", "end_reason", "status_url"};
	size_t off = 0;
	miss[0] = '\0';
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!json_object_get(o, fields[i]))
			off += (size_t)snprintf(miss + off, n - off, " %s", fields[i]);
	return off == 0;
}

static bool counter_complete(const json_t *o, char *miss, size_t n)
{
	static const char *fields[] = {"number", "name", "name_en", "state", "reason", "clerk",
				       "services", "serving"};
	size_t off = 0;
	miss[0] = '\0';
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (!json_object_get(o, fields[i]))
			off += (size_t)snprintf(miss + off, n - off, " %s", fields[i]);
	return off == 0;
}

/* Check R is a ticket: status, label (NULL: any), state and service (NULL: any). */
static bool expect_ticket(long status, const char *what, const char *label, const char *state,
			  const char *service)
{
	char miss[256];
	if (!expect_status(&R, status, what))
		return false;
	bool ok = check(json_is_object(R.json) && ticket_complete(R.json, miss, sizeof miss),
			"%s: ticket lacks fields:%s (%s)", what, json_is_object(R.json) ? miss : " all", desc(&R));
	if (label)
		ok &= check(jstr_is(R.json, "label", label), "%s: want label %s, got %s", what, label, desc(&R));
	if (state)
		ok &= check(jstr_is(R.json, "state", state), "%s: want state %s, got %s", what, state, desc(&R));
	if (service)
		ok &= check(jstr_is(R.json, "service", service), "%s: want service %s, got %s", what, service,
			    desc(&R));
	return ok;
}

static bool expect_counter(const char *what, int number, const char *state)
{
	char miss[128];
	if (!expect_status(&R, 200, what))
		return false;
	bool ok = check(json_is_object(R.json) && counter_complete(R.json, miss, sizeof miss),
			"%s: counter lacks fields:%s (%s)", what, json_is_object(R.json) ? miss : " all", desc(&R));
	ok &= check(jint_or(R.json, "number", -1) == number && jstr_is(R.json, "state", state),
		    "%s: want counter %d %s, got %s", what, number, state, desc(&R));
	return ok;
}

/* A ticket's id and label from R after a 200/201. */
struct tref {
	json_int_t id;
	char label[16];
};

static struct tref tref_of(void)
{
	struct tref t = {.id = jint_or(R.json, "id", -1)};
	const char *l = jstr(R.json, "label");
	snprintf(t.label, sizeof t.label, "%s", l ? l : "?");
	return t;
}

static struct tref issue(const char *service, const char *what)
{
	char body[128];
	snprintf(body, sizeof body, "{\"service\": \"%s\"}", service);
	api("POST", TK(R_KIOSK), body, "/api/v1/tickets");
	if (!expect_status(&R, 201, what))
		return (struct tref){.id = -1, .label = "?"};
	return tref_of();
}

/* ---- the database, read directly ------------------------------------------------------------- */

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		check(false, "open %s: %s", path, db ? sqlite3_errmsg(db) : "no memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* The first column of the first row as an integer; -1 on error, 0 when there is no row. */
static long long db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	if (!db || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		check(false, "sql %s: %s", sql, db ? sqlite3_errmsg(db) : "no database");
		return -1;
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		v = 0;
	sqlite3_finalize(st);
	return v;
}

static bool db_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *st;
	bool ok = false;
	buf[0] = '\0';
	if (!db || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/* How many of ids[] (with labels) are not in the tickets table with that label. */
static int db_missing(sqlite3 *db, const int64_t *ids, char (*labels)[16], size_t n)
{
	sqlite3_stmt *st;
	int missing = 0;
	if (!db || sqlite3_prepare_v2(db, "SELECT label FROM tickets WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return (int)n;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    (labels && strcmp((const char *)sqlite3_column_text(st, 0), labels[i]) != 0))
			missing++;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return missing;
}

/* The foundation's invariants that hold at any moment. */
static void db_invariants(const char *path, const char *what)
{
	sqlite3 *db = db_open(path);
	char ok[64];
	long long dup = db_int(db, "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE parent_id = 0"
				   " GROUP BY service, day, label HAVING COUNT(*) > 1)");
	check(dup == 0, "%s: labels issued twice for one service and day: %lld", what, dup);
	long long two = db_int(db, "SELECT COUNT(*) FROM (SELECT ticket_id FROM events WHERE type = 'called'"
				   " GROUP BY ticket_id HAVING COUNT(DISTINCT counter) > 1)");
	check(two == 0, "%s: tickets called by two counters: %lld", what, two);
	db_text(db, "PRAGMA integrity_check", ok, sizeof ok);
	check(strcmp(ok, "ok") == 0, "%s: integrity_check says '%s'", what, ok);
	sqlite3_close(db);
}

/* ---- the hallq command on the same database --------------------------------------------------- */

struct cli_ev {
	int64_t id;
	char type[32];
	char label[16];
};

/* `hallq events --db DB --since N --json`: how many events into *out (malloc'd), -1 on error. */
static long cli_events(const struct server *s, int64_t since, struct cli_ev **out)
{
	char out_path[PATH_MAX + 16], since_s[32];
	snprintf(out_path, sizeof out_path, "%s/cli.out", s->dir);
	snprintf(since_s, sizeof since_s, "%lld", (long long)since);
	char *argv[] = {hallq_bin, "events", "--db", (char *)s->db, "--since", since_s, "--json", NULL};
	*out = NULL;
	if (run_cmd(argv, out_path) != 0)
		return -1;
	char *text = read_file(out_path);
	size_t n = 0, cap = 64;
	struct cli_ev *ev = malloc(cap * sizeof *ev);
	for (char *line = strtok(text, "\n"); line && ev; line = strtok(NULL, "\n")) {
		json_t *j = json_loads(line, 0, NULL);
		if (!json_is_object(j)) {
			json_decref(j);
			continue;
		}
		if (n == cap) {
			cap *= 2;
			ev = realloc(ev, cap * sizeof *ev);
			if (!ev)
				break;
		}
		struct cli_ev *e = &ev[n++];
		e->id = jint_or(j, "id", -1);
		snprintf(e->type, sizeof e->type, "%s", jstr(j, "type") ? jstr(j, "type") : "");
		snprintf(e->label, sizeof e->label, "%s", jstr(j, "label") ? jstr(j, "label") : "");
		json_decref(j);
	}
	free(text);
	*out = ev;
	return ev ? (long)n : -1;
}

/* ---- 9. startup refusals ---------------------------------------------------------------------- */

/* Start hallqd on these files; it must exit non-zero (bounded) and its log must name `needle`
 * (or `needle2`, when not NULL). */
static void expect_refusal(const char *what, const char *ini, const char *tokens, const char *needle,
			   const char *needle2)
{
	char db[PATH_MAX], log[PATH_MAX], listen[64];
	int status = 0;

	path_in(db, sizeof db, "refused.db");
	snprintf(log, sizeof log, "%s/refused-%d.log", tmpdir, passed + failed);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", free_port());
	char *argv[] = {hallqd_bin, "--config", (char *)ini, "--db", db, "--listen", listen,
			"--tokens", (char *)tokens, NULL};
	pid_t pid = spawn(argv, log);
	if (!check(pid > 0, "%s: cannot start %s", what, hallqd_bin))
		return;
	bool ended = wait_exit(pid, 5000, &status);
	if (!ended)
		stop_pid(pid, SIGKILL, 2000);
	check(ended && status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0),
	      "%s: hallqd should refuse to start (exit non-zero); %s", what,
	      ended ? "it exited 0" : "it kept running");
	char *text = read_file(log);
	check(strstr(text, needle) || (needle2 && strstr(text, needle2)),
	      "%s: the message should name '%s'; got: %.300s", what, needle, text);
	free(text);
}

static void t_refusals(void)
{
	char ini[PATH_MAX], bad[PATH_MAX], open_tokens[PATH_MAX], short_tokens[PATH_MAX], ok_tokens[PATH_MAX];

	path_in(ini, sizeof ini, "good.ini");
	path_in(bad, sizeof bad, "bad.ini");
	path_in(open_tokens, sizeof open_tokens, "tokens-open");
	path_in(short_tokens, sizeof short_tokens, "tokens-short");
	path_in(ok_tokens, sizeof ok_tokens, "tokens-ok");
	write_file(ini, hall_ini(HALL_NAME, NULL, NULL), 0644);
	/* Line 4 has a key the parser does not know. */
	write_file(bad, "[hall]\nname = 坏大厅\n\ncolour = blue\n", 0644);
	write_file(ok_tokens, tokens_text(), 0600);
	write_file(open_tokens, tokens_text(), 0644);
	write_file(short_tokens, "# line 1\nkiosk kiosk-token-3f9a1c7e55\nadmin short-token\n", 0600);
	char bad_url[PATH_MAX];
	path_in(bad_url, sizeof bad_url, "bad-url.ini");
	write_file(bad_url, hall_ini(HALL_NAME, "public_url = http://hall.example.cn/", NULL), 0644);
	char bad_kiosk[PATH_MAX];
	path_in(bad_kiosk, sizeof bad_kiosk, "bad-kiosk.ini");
	write_file(bad_kiosk, hall_ini(HALL_NAME, NULL, "[kiosk]\nconfirm_seconds = 200\n"), 0644);

	expect_refusal("tokens file mode 644", ini, open_tokens, "tokens-open", NULL);
	expect_refusal("token shorter than 16", ini, short_tokens, "tokens-short:3", "line 3");
	expect_refusal("bad config", bad, ok_tokens, "bad.ini:4", NULL);
	expect_refusal("public_url with a trailing slash", bad_url, ok_tokens, "bad-url.ini:2: public_url", NULL);
	expect_refusal("[kiosk] confirm_seconds = 200", bad_kiosk, ok_tokens, "confirm_seconds = 200 is out of range",
		       NULL);
	char bad_est[PATH_MAX];
	path_in(bad_est, sizeof bad_est, "bad-est.ini");
	write_file(bad_est, hall_ini(HALL_NAME, "estimate_display = wide", NULL), 0644);
	expect_refusal("estimate_display = wide", bad_est, ok_tokens, "bad-est.ini:2: estimate_display = wide", NULL);
}

/* ---- the hall as the hallqd client (client/) reads it ------------------------------------------------------ */

/* hq_client_hall() against this server: the [kiosk] settings as given, and service a's hours
 * and priority lane. */
static void check_client_hall(bool refuse, int confirm_s, bool priority, bool appointments, const char *footer,
			      const char *what)
{
	struct hq_client *cl = hq_client_new(cur->base, TK(R_KIOSK));
	struct hq_hall *h = NULL;
	int rc = cl ? hq_client_hall(cl, &h) : HQ_ENOMEM;

	if (check(rc == HQ_OK && h, "%s: hq_client_hall: %s", what, cl ? hq_client_error(cl) : "no client")) {
		check(h->kiosk.refuse_on_fault == refuse && h->kiosk.confirm_s == confirm_s &&
		      h->kiosk.priority == priority && h->kiosk.appointments == appointments &&
		      strcmp(h->kiosk.footer, footer) == 0,
		      "%s: hq_hall.kiosk should be {%d, %d, %d, %d, \"%s\"}, got {%d, %d, %d, %d, \"%s\"}", what, refuse,
		      confirm_s, priority, appointments, footer, h->kiosk.refuse_on_fault, h->kiosk.confirm_s,
		      h->kiosk.priority, h->kiosk.appointments, h->kiosk.footer);
		const struct hq_hall_service *a = NULL;
		for (int i = 0; i < h->nservices; i++)
			if (strcmp(h->services[i].key, "a") == 0)
				a = &h->services[i];
		check(a && strcmp(a->hours, "00:00-24:00") == 0 && !a->priority_lane,
		      "%s: hq_hall_service a: hours \"00:00-24:00\" and no priority lane, got \"%s\", %d", what,
		      a ? a->hours : "(none)", a ? a->priority_lane : -1);
	}
	hq_hall_free(h);
	hq_client_free(cl);
}

/* ---- 1. every endpoint -------------------------------------------------------------------------- */

static char today[16];
static char next_slot[32], far_slot[32], role_slot[32];
static char booked_codes[8][8];
static int nbooked;

static void t_health_hall(void)
{
	char miss[128] = "";

	api("GET", NULL, NULL, "/healthz");
	expect_status(&R, 200, "GET /healthz");
	check(json_is_true(json_object_get(R.json, "ok")) && jint_or(R.json, "last_event_id", -1) >= 0,
	      "GET /healthz: want {\"ok\": true, \"last_event_id\": N}, got %s", desc(&R));

	api("GET", TK(R_DISPLAY), NULL, "/api/v1/hall");
	if (!expect_status(&R, 200, "GET /api/v1/hall"))
		return;
	expect_ctype(&R, "application/json", "GET /api/v1/hall");
	json_t *h = R.json;
	check(jstr_is(h, "name", HALL_NAME), "hall: want name %s, got %s", HALL_NAME, desc(&R));
	json_t *langs = json_object_get(h, "languages");
	check(json_array_size(langs) == 2 && json_is_string(json_array_get(langs, 0)) &&
	      strcmp(json_string_value(json_array_get(langs, 0)), "zh") == 0 &&
	      json_is_string(json_array_get(langs, 1)) &&
	      strcmp(json_string_value(json_array_get(langs, 1)), "en") == 0,
	      "hall: languages [\"zh\", \"en\"]: %s", desc(&R));
	check(jstr_is(h, "notice", "请携带身份证件") && jstr_is(h, "name_en", "Test Hall"),
	      "hall: notice and name_en from the config: %s", desc(&R));
	check(jint_or(h, "last_event_id", -1) >= 0, "hall: no last_event_id: %s", desc(&R));
	check(jstr(h, "now") != NULL || jstr(h, "time") != NULL || jstr(h, "server_time") != NULL,
	      "hall: no server time: %s", desc(&R));
	json_t *svcs = json_object_get(h, "services");
	check(json_array_size(svcs) == 5, "hall: want 5 services, got %zu", json_array_size(svcs));
	json_t *a = find_by(svcs, "key", "a"), *c = find_by(svcs, "key", "c");
	check(a && jstr_is(a, "name", "综合受理") && jstr_is(a, "prefix", "A") &&
	      json_is_true(json_object_get(a, "open")),
	      "hall: service a should be named, prefixed A and open: %s", desc(&R));
	check(c && json_is_false(json_object_get(c, "open")), "hall: service c should be closed now");
	check(a && jstr_is(a, "hours", "00:00-24:00") && json_is_false(json_object_get(a, "priority_lane")),
	      "hall: service a has hours \"00:00-24:00\" and priority_lane false: %s", desc(&R));
	const char *ch = jstr(c, "hours");
	int from = -1, to = -1, used = 0;
	check(ch && sscanf(ch, "%2d:00-%2d:00%n", &from, &to, &used) == 2 && used == 11 && to == from + 1,
	      "hall: service c has its one period as hours, like \"21:00-22:00\": %s", ch ? ch : "none");
	/* No [kiosk] section in the test hall: the defaults of docs/config.md. */
	json_t *want_kiosk = json_pack("{s:s, s:i, s:b, s:b, s:s}", "on_printer_fault", "screen",
				       "confirm_seconds", 15, "priority", 1, "appointments", 1, "footer", "");
	check(json_equal(json_object_get(h, "kiosk"), want_kiosk),
	      "hall: kiosk should be the defaults {\"on_printer_fault\": \"screen\", \"confirm_seconds\": 15, "
	      "\"priority\": true, \"appointments\": true, \"footer\": \"\"}: %s", desc(&R));
	json_decref(want_kiosk);
	check(a && json_is_integer(json_object_get(a, "waiting")) &&
	      json_is_integer(json_object_get(a, "waiting_priority")) &&
	      json_is_integer(json_object_get(a, "est_wait_s")) &&
	      json_is_integer(json_object_get(a, "issued_today")) &&
	      json_is_integer(json_object_get(a, "served_today")) &&
	      json_is_boolean(json_object_get(a, "at_cap")),
	      "hall: a service needs waiting, waiting_priority, est_wait_s, issued_today, served_today, at_cap");
	json_t *ctrs = json_object_get(h, "counters");
	check(json_array_size(ctrs) == 3 + LOAD_COUNTERS, "hall: want %d counters, got %zu",
	      3 + LOAD_COUNTERS, json_array_size(ctrs));
	json_t *c1 = json_array_get(ctrs, 0);
	check(c1 && counter_complete(c1, miss, sizeof miss) && jint_or(c1, "number", 0) == 1 &&
	      json_is_null(json_object_get(c1, "serving")),
	      "hall: counter 1 should be complete and idle (missing:%s)", miss);
	check_client_hall(false, 15, true, true, "", "the client, with the kiosk defaults");
}

static void t_tickets(void)
{
	char want[160], loc[512];
	const char *u;

	api("POST", TK(R_KIOSK), "{\"service\": \"a\"}", "/api/v1/tickets");
	if (!expect_ticket(201, "POST /tickets", "A001", "waiting", "a"))
		return;
	struct tref a1 = tref_of();
	check(jstr_is(R.json, "class", "normal") && jint_or(R.json, "parent_id", -1) == 0 &&
	      jint_or(R.json, "number", -1) == 1 && jstr_is(R.json, "service_name", "综合受理") &&
	      jstr_is(R.json, "service_name_en", "General") && jstr_is(R.json, "day", today),
	      "POST /tickets: class, parent_id, number, names or day wrong: %s", desc(&R));
	u = jstr(R.json, "issued_at");
	check(u && strlen(u) == 25 && u[10] == 'T' && strcmp(u + 19, "+08:00") == 0 &&
	      strncmp(u, today, 10) == 0,
	      "POST /tickets: issued_at should be like %sT10:02:11+08:00, got %s", today, u ? u : "null");
	check(json_is_null(json_object_get(R.json, "called_at")), "POST /tickets: called_at should be null");
	/* The status URL is absolute, for the QR code, and carries the ticket's key, which lets
	 * the phone review it; Location is the URL without the key, or its path. */
	snprintf(want, sizeof want, "%s/api/v1/tickets/%lld", cur->base, (long long)a1.id);
	u = jstr(R.json, "status_url");
	check(u && strncmp(u, want, strlen(want)) == 0 && strncmp(u + strlen(want), "?key=", 5) == 0 &&
	      strlen(u + strlen(want) + 5) == 16 && strspn(u + strlen(want) + 5, "0123456789abcdef") == 16,
	      "POST /tickets: status_url should be %s?key= and 16 hex digits, got %s", want, u ? u : "null");
	loc[0] = '\0';
	thttp_header(&R, "Location", loc, sizeof loc);
	check(strcmp(loc, want) == 0 || (loc[0] == '/' && strcmp(want + strlen(cur->base), loc) == 0),
	      "POST /tickets: Location should be %s, got '%s'", want, loc);

	api("POST", TK(R_KIOSK), "{\"service\": \"a\", \"class\": \"priority\"}", "/api/v1/tickets");
	expect_ticket(201, "POST /tickets priority", "A002", "waiting", "a");
	check(jstr_is(R.json, "class", "priority"), "priority ticket: class %s", desc(&R));
	struct tref a2 = tref_of();

	/* The status page needs no token. */
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)a1.id);
	expect_ticket(200, "GET /tickets/{id} without token", "A001", "waiting", "a");
	check(json_is_integer(json_object_get(R.json, "now_ahead")) &&
	      json_is_integer(json_object_get(R.json, "now_est_wait_s")),
	      "GET /tickets/{id}: a waiting ticket has now_ahead and now_est_wait_s: %s", desc(&R));
	check(jint_or(R.json, "now_ahead", -1) == 1, "GET /tickets/{id}: A001 has the priority A002 ahead: %s",
	      desc(&R));
	/* Without the key: no key in its status URL, and no review. */
	check(jstr_is(R.json, "status_url", want) && !json_object_get(R.json, "review"),
	      "GET /tickets/{id} without the key: status_url %s and no \"review\", got %s", want, desc(&R));

	api("POST", TK(R_KIOSK), "{\"reason\": \"left the hall\"}", "/api/v1/tickets/%lld/cancel", (long long)a1.id);
	expect_ticket(200, "POST /tickets/{id}/cancel", "A001", "cancelled", "a");
	check(jstr_is(R.json, "end_reason", "left the hall"), "cancel: end_reason %s", desc(&R));
	api("POST", TK(R_KIOSK), NULL, "/api/v1/tickets/%lld/cancel", (long long)a2.id);
	expect_ticket(200, "cancel without a body", "A002", "cancelled", "a");
	api("POST", TK(R_KIOSK), NULL, "/api/v1/tickets/%lld/cancel", (long long)a1.id);
	expect_error(&R, 409, "state", "cancel a cancelled ticket");
	expect_ctype(&R, "application/json", "an error");

	issue("d", "issue the day's only ticket of d");
	check(jstr_is(R.json, "label", "D001"), "service d: D001, got %s", desc(&R));
	api("POST", TK(R_KIOSK), "{\"service\": \"d\"}", "/api/v1/tickets");
	expect_error(&R, 409, "cap", "issue past the daily cap");
	json_t *hall = get_hall();
	json_t *d = find_by(json_object_get(hall, "services"), "key", "d");
	check(d && json_is_true(json_object_get(d, "at_cap")) && jint_or(d, "issued_today", -1) == 1,
	      "hall: service d is at its cap with one ticket issued");
	json_decref(hall);
}

static void t_counters(void)
{
	const char *c1 = TK(R_COUNTER1), *c2 = TK(R_COUNTER2);
	char body[128];

	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_status(&R, 204, "call-next with nobody waiting");
	check(R.len == 0, "call-next 204 has no body: %s", desc(&R));

	struct tref b1 = issue("b", "issue B001");
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_ticket(200, "call-next", b1.label, "called", "b");
	check(jint_or(R.json, "counter", 0) == 1 && jstr_is(R.json, "counter_name", "1号窗口") &&
	      jstr(R.json, "called_at") != NULL,
	      "call-next: counter 1 and called_at: %s", desc(&R));
	api("POST", c1, NULL, "/api/v1/counters/1/recall");
	expect_ticket(200, "recall", b1.label, "called", NULL);
	check(jint_or(R.json, "recalls", -1) == 1, "recall: recalls 1: %s", desc(&R));
	api("POST", c1, NULL, "/api/v1/counters/1/start");
	expect_ticket(200, "start", b1.label, "serving", NULL);
	check(jstr(R.json, "started_at") != NULL, "start: started_at set: %s", desc(&R));
	api("POST", c1, NULL, "/api/v1/counters/1/finish");
	expect_ticket(200, "finish", b1.label, "done", NULL);
	check(jstr(R.json, "ended_at") != NULL, "finish: ended_at set: %s", desc(&R));
	/* Nobody rates their own work: the counter's token may not; a manager may. */
	api("POST", c1, "{\"score\": 5}", "/api/v1/counters/1/rate");
	expect_error(&R, 403, "forbidden", "counter:1 rates its own ticket");
	api("POST", TK(R_MANAGER), "{\"score\": 4}", "/api/v1/counters/1/rate");
	expect_ticket(200, "rate the last finished", b1.label, "done", NULL);
	check(jint_or(R.json, "rating", 0) == 4, "rate: rating 4: %s", desc(&R));
	api("POST", TK(R_MANAGER), "{\"score\": 2}", "/api/v1/counters/1/rate");
	expect_error(&R, 409, "rated", "rate twice");
	api("POST", c1, NULL, "/api/v1/counters/1/start");
	expect_error(&R, 409, "idle", "start on an idle counter");
	api("POST", TK(R_KIOSK), NULL, "/api/v1/tickets/%lld/cancel", (long long)b1.id);
	expect_error(&R, 409, "state", "cancel a done ticket");

	struct tref b2 = issue("b", "issue B002");
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_ticket(200, "call-next B002", b2.label, "called", NULL);
	api("POST", c1, NULL, "/api/v1/counters/1/park");
	expect_ticket(200, "park", b2.label, "parked", NULL);
	snprintf(body, sizeof body, "{\"ticket\": \"%s\"}", b2.label);
	api("POST", c1, body, "/api/v1/counters/1/unpark");
	expect_ticket(200, "unpark by label", b2.label, "waiting", NULL);
	api("POST", c1, body, "/api/v1/counters/1/unpark");
	expect_error(&R, 409, "state", "unpark a waiting ticket");
	snprintf(body, sizeof body, "{\"ticket\": %lld}", (long long)b2.id);
	api("POST", c1, body, "/api/v1/counters/1/call");
	expect_ticket(200, "call by id", b2.label, "called", NULL);
	api("POST", c1, NULL, "/api/v1/counters/1/no-show");
	expect_ticket(200, "no-show", b2.label, "noshow", NULL);

	struct tref b3 = issue("b", "issue B003");
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_ticket(200, "call-next B003", b3.label, "called", NULL);
	api("POST", c1, "{\"service\": \"a\"}", "/api/v1/counters/1/transfer");
	expect_ticket(200, "transfer to a service", b3.label, "waiting", "a");
	struct tref b3a = tref_of();
	check(jint_or(R.json, "parent_id", -1) == b3.id && b3a.id != b3.id,
	      "transfer: the new ticket's parent is the old one: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)b3.id);
	expect_ticket(200, "status follows the transfer", b3.label, "waiting", "a");
	check(jint_or(R.json, "id", -1) == b3a.id, "status of the old ticket shows the new one: %s", desc(&R));

	struct tref b4 = issue("b", "issue B004");
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_ticket(200, "call-next B004", b4.label, "called", NULL);
	api("POST", c1, "{\"counter\": 2}", "/api/v1/counters/1/transfer");
	expect_ticket(200, "transfer to a counter", b4.label, "waiting", "b");
	check(jint_or(R.json, "target_counter", -1) == 2, "transfer to counter 2: target_counter: %s", desc(&R));
	api("POST", c2, NULL, "/api/v1/counters/2/call-next");
	expect_ticket(200, "counter 2 calls the transferred ticket", b4.label, "called", NULL);
	check(jint_or(R.json, "counter", 0) == 2, "transferred ticket called at counter 2: %s", desc(&R));
	api("POST", c2, NULL, "/api/v1/counters/2/finish");
	expect_ticket(200, "finish at counter 2", b4.label, "done", NULL);
	snprintf(body, sizeof body, "{\"score\": 1, \"ticket\": \"%s\"}", b4.label);
	api("POST", c2, body, "/api/v1/counters/2/rate");
	expect_error(&R, 403, "forbidden", "counter:2 rates its own ticket");
	api("POST", TK(R_ADMIN), body, "/api/v1/counters/2/rate");
	expect_ticket(200, "rate a given ticket", b4.label, "done", NULL);
	check(jint_or(R.json, "rating", 0) == 1, "rate with ticket: rating 1: %s", desc(&R));

	api("POST", c1, "{\"reason\": \"lunch\"}", "/api/v1/counters/1/pause");
	expect_counter("pause", 1, "paused");
	check(jstr_is(R.json, "reason", "lunch"), "pause: reason lunch: %s", desc(&R));
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_error(&R, 409, "paused", "call-next at a paused counter");
	api("POST", c1, NULL, "/api/v1/counters/1/resume");
	expect_counter("resume", 1, "open");
	/* The roster's PIN, whoever asks (sign_in = roster, the default). */
	api("POST", c1, "{\"clerk\": \"1024\"}", "/api/v1/counters/1/sign-in");
	expect_error(&R, 403, "signin", "sign-in without a PIN");
	api("POST", TK(R_ADMIN), "{\"clerk\": \"1024\"}", "/api/v1/counters/1/sign-in");
	expect_error(&R, 403, "signin", "sign-in without a PIN, by admin");
	api("POST", c1, "{\"clerk\": \"1024\", \"pin\": \"1111\"}", "/api/v1/counters/1/sign-in");
	expect_error(&R, 403, "signin", "sign-in with a wrong PIN");
	api("POST", c1, "{\"clerk\": \"1025\", \"pin\": \"" CLERK_PIN "\"}", "/api/v1/counters/1/sign-in");
	expect_error(&R, 403, "signin", "sign-in of a clerk not on the roster");
	api("POST", c1, "{\"clerk\": \"1024\", \"pin\": 2468}", "/api/v1/counters/1/sign-in");
	expect_error(&R, 400, "badjson", "sign-in with a PIN that is no string");
	api("POST", c1, "{\"clerk\": \"1024\", \"pin\": \"" CLERK_PIN "\"}", "/api/v1/counters/1/sign-in");
	expect_counter("sign-in", 1, "open");
	check(jstr_is(R.json, "clerk", "1024"), "sign-in: clerk 1024: %s", desc(&R));
	struct tref b5 = issue("b", "issue B005");
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_ticket(200, "call-next with a clerk", b5.label, "called", NULL);
	check(jstr_is(R.json, "clerk", "1024"), "call records the clerk: %s", desc(&R));
	api("POST", c1, NULL, "/api/v1/counters/1/close");
	expect_error(&R, 409, "busyctr", "close a busy counter");
	api("POST", c1, NULL, "/api/v1/counters/1/finish");
	expect_ticket(200, "finish B005", b5.label, "done", NULL);
	api("POST", c1, NULL, "/api/v1/counters/1/close");
	expect_counter("close", 1, "closed");
	api("POST", c1, NULL, "/api/v1/counters/1/call-next");
	expect_error(&R, 409, "ctrclosed", "call-next at a closed counter");
	api("POST", c1, NULL, "/api/v1/counters/1/open");
	expect_counter("open", 1, "open");
	api("POST", c1, NULL, "/api/v1/counters/1/sign-out");
	expect_counter("sign-out", 1, "open");
	check(jstr_is(R.json, "clerk", ""), "sign-out: clerk empty: %s", desc(&R));
}

/* A number typed on the unit's keypad, without its letter: {"number": N}. */
/* ---- 好差评: reviews from each channel, and the bad-review case ------------------------------- */

/* Issue a ticket of service a (its status URL's key into key), call it at counter 3 and
 * finish it. */
static struct tref served_a(const char *what, char key[17])
{
	char body[64];
	struct tref t = issue("a", what);
	const char *u = jstr(R.json, "status_url"), *k = u ? strstr(u, "?key=") : NULL;

	snprintf(key, 17, "%s", k ? k + 5 : "");
	api("POST", TK(R_ADMIN), NULL, "/api/v1/counters/3/finish"); /* whatever it had */
	snprintf(body, sizeof body, "{\"ticket\": %lld}", (long long)t.id);
	api("POST", TK(R_ADMIN), body, "/api/v1/counters/3/call");
	expect_ticket(200, what, t.label, "called", "a");
	api("POST", TK(R_ADMIN), NULL, "/api/v1/counters/3/finish");
	expect_ticket(200, what, t.label, "done", "a");
	return t;
}

/* Is a review with this ticket id and level, from this channel, in R's "reviews"? */
static bool listed_review(json_int_t ticket, int level, const char *channel)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(R.json, "reviews"), i, v)
		if (jint_or(v, "ticket_id", -1) == ticket && jint_or(v, "level", -1) == level &&
		    jstr_is(v, "channel", channel))
			return true;
	return false;
}

/* Is case `id` in R's "cases"? */
static json_t *listed_case(json_int_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(R.json, "cases"), i, v)
		if (jint_or(v, "id", -1) == id)
			return v;
	return NULL;
}

static void t_reviews(void)
{
	static const enum role self[] = {R_COUNTER1, R_COUNTER2, R_GATEWAY, R_DISPLAY, R_BOOKING};
	const char *m = TK(R_MANAGER), *gw = TK(R_GATEWAY);
	char key[17], key2[17], wrong[17], body[1024], sql[160];
	json_int_t case_id = -1;
	json_t *c;

	/* The clerk's page never sees a ticket's key: counter 1's answers have none. */
	struct tref b = issue("b", "issue a ticket for counter 1");
	snprintf(body, sizeof body, "{\"ticket\": %lld}", (long long)b.id);
	api("POST", TK(R_COUNTER1), body, "/api/v1/counters/1/call");
	expect_ticket(200, "counter 1 calls it", b.label, "called", "b");
	check(jstr(R.json, "status_url") && !strstr(jstr(R.json, "status_url"), "key="),
	      "a counter's answer: status_url without the key, got %s", desc(&R));
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/1/finish");
	expect_ticket(200, "counter 1 finishes it", b.label, "done", "b");

	/* The phone: the ticket's key, right, wrong or missing. */
	struct tref t = served_a("a ticket the phone reviews", key);
	check(strlen(key) == 16, "the kiosk's answer carries the ticket's key in status_url: '%s'", key);
	snprintf(wrong, sizeof wrong, "%s", key);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	api("POST", NULL, "{\"level\": 5}", "/api/v1/tickets/%lld/review", (long long)t.id);
	expect_error(&R, 401, "unauthorized", "review without a token or a key");
	api("POST", NULL, "{\"level\": 5}", "/api/v1/tickets/%lld/review?key=%s", (long long)t.id, wrong);
	expect_error(&R, 403, "forbidden", "review with the wrong key");
	api("POST", NULL, "{\"level\": 5}", "/api/v1/tickets/%lld/review?key=", (long long)t.id);
	expect_error(&R, 401, "unauthorized", "review with an empty key");
	api("POST", NULL, "{\"level\": 5}", "/api/v1/tickets/999999/review?key=%s", key);
	expect_error(&R, 404, "noticket", "review of an unknown ticket");
	api("POST", NULL, "{\"level\": 4, \"comment\": \"很快，谢谢\"}", "/api/v1/tickets/%lld/review?key=%s",
	    (long long)t.id, key);
	if (expect_status(&R, 200, "the phone reviews with the key"))
		check(jint_or(R.json, "level", 0) == 4 && jstr_is(R.json, "channel", "phone") &&
		      jstr_is(R.json, "comment", "很快，谢谢") && jstr_is(R.json, "level_name", "满意") &&
		      jint_or(R.json, "ticket_id", 0) == t.id && json_is_null(json_object_get(R.json, "case_id")) &&
		      json_array_size(json_object_get(R.json, "reasons")) == 0 && jstr(R.json, "at"),
		      "the phone's review: level 4, channel phone, the comment, no case: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld?key=%s", (long long)t.id, key);
	c = json_object_get(R.json, "review");
	check(R.status == 200 && json_is_object(c) && jint_or(c, "level", 0) == 4 && jstr_is(c, "channel", "phone") &&
	      jstr(R.json, "status_url") && strstr(jstr(R.json, "status_url"), key),
	      "the status JSON with the key: its review and the key in status_url: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld?key=%s", (long long)t.id, wrong);
	check(R.status == 200 && !json_object_get(R.json, "review") && !strstr(jstr(R.json, "status_url"), "key="),
	      "the status JSON with a wrong key: the status alone: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld/review?key=%s", (long long)t.id, key);
	check(R.status == 200 && jint_or(R.json, "level", 0) == 4, "GET the review with the key: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld/review?key=%s", (long long)t.id, wrong);
	expect_error(&R, 403, "forbidden", "GET the review with a wrong key");
	/* A change of mind within review_edit_minutes. */
	api("POST", NULL, "{\"level\": 3}", "/api/v1/tickets/%lld/review?key=%s", (long long)t.id, key);
	check(R.status == 200 && jint_or(R.json, "level", 0) == 3, "the phone changes its review to 3: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)t.id);
	check(jint_or(R.json, "rating", 0) == 3, "the ticket's rating is the review's level: %s", desc(&R));

	/* Nobody rates their own work: the counters, the gateway (but by /evaluate), the display. */
	for (size_t i = 0; i < sizeof self / sizeof *self; i++) {
		api("POST", TK(self[i]), "{\"level\": 5}", "/api/v1/tickets/%lld/review", (long long)t.id);
		check(R.status == 403 && jstr_is(R.json, "error", "forbidden"), "%s reviews a ticket: want 403, got %s",
		      roles[self[i]].role, desc(&R));
		api("POST", TK(self[i]), "{\"level\": 5}", "/api/v1/tickets/%lld/review?key=%s", (long long)t.id, key);
		check(R.status == 403, "%s reviews a ticket with its key: want 403, got %s", roles[self[i]].role,
		      desc(&R));
	}
	api("POST", TK(R_COUNTER1), "{\"score\": 5}", "/api/v1/counters/1/rate");
	expect_error(&R, 403, "forbidden", "counter:1 on /rate");
	api("POST", gw, "{\"score\": 5}", "/api/v1/counters/3/rate");
	expect_error(&R, 403, "forbidden", "the gateway on /rate");
	api("POST", TK(R_COUNTER1), "{\"level\": 5}", "/api/v1/counters/1/evaluate");
	expect_error(&R, 403, "forbidden", "counter:1 on /evaluate");

	/* The kiosk, for a citizen who typed the number. */
	struct tref t2 = served_a("a ticket reviewed at the kiosk", key2);
	api("POST", TK(R_KIOSK), "{\"level\": 5}", "/api/v1/tickets/%lld/review", (long long)t2.id);
	check(R.status == 200 && jstr_is(R.json, "channel", "kiosk") && jint_or(R.json, "level", 0) == 5,
	      "the kiosk reviews: channel kiosk: %s", desc(&R));
	/* The kiosk finds the ticket by the label the citizen typed ("a7" for A007), and sees
	 * its review and whether a new one would still replace it. */
	{
		char typed[16];
		const char *d = t2.label + strspn(t2.label, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");

		snprintf(typed, sizeof typed, "a%d", atoi(d));
		api("GET", TK(R_KIOSK), NULL, "/api/v1/tickets/%s", typed);
		c = json_object_get(R.json, "review");
		check(R.status == 200 && jint_or(R.json, "id", 0) == t2.id && jstr_is(R.json, "state", "done") &&
		      json_is_object(c) && jint_or(c, "level", 0) == 5 && json_is_true(json_object_get(c, "editable")) &&
		      jstr(c, "editable_until") && strlen(jstr(c, "editable_until")) == 25,
		      "GET /tickets/%s (typed for %s) as the kiosk: the ticket, its review, editable: %s", typed,
		      t2.label, desc(&R));
		api("GET", TK(R_KIOSK), NULL, "/api/v1/tickets/%s", t2.label);
		check(R.status == 200 && jint_or(R.json, "id", 0) == t2.id, "GET /tickets/%s: found: %s", t2.label,
		      desc(&R));
		api("GET", NULL, NULL, "/api/v1/tickets/%s", t2.label);
		check(R.status == 200 && !json_object_get(R.json, "review") && !strstr(jstr(R.json, "status_url"), "key="),
		      "GET /tickets/%s without a token: the status alone: %s", t2.label, desc(&R));
		api("GET", TK(R_KIOSK), NULL, "/api/v1/tickets/Z999");
		expect_error(&R, 404, "noticket", "GET /tickets/Z999: no such ticket today");
		api("GET", TK(R_KIOSK), NULL, "/api/v1/tickets/0");
		expect_error(&R, 404, "noticket", "GET /tickets/0");
	}

	/* An external 好差评 system: a bad review needs a reason, a comment 200 characters. */
	struct tref t3 = served_a("a ticket the 好差评 system reviews", key2);
	api("POST", TK(R_REVIEW), "{\"level\": 2}", "/api/v1/tickets/%lld/review", (long long)t3.id);
	expect_error(&R, 400, "inval", "a bad review without a reason");
	api("POST", TK(R_REVIEW), "{\"level\": 2, \"reasons\": [\"rude\"]}", "/api/v1/tickets/%lld/review",
	    (long long)t3.id);
	expect_error(&R, 400, "inval", "an unknown reason");
	api("POST", TK(R_REVIEW), "{\"level\": 2, \"reasons\": \"attitude\"}", "/api/v1/tickets/%lld/review",
	    (long long)t3.id);
	expect_error(&R, 400, "badjson", "reasons not an array");
	api("POST", TK(R_REVIEW), "{\"level\": 5, \"reasons\": [\"skill\"]}", "/api/v1/tickets/%lld/review",
	    (long long)t3.id);
	expect_error(&R, 400, "inval", "a good review with a reason");
	api("POST", TK(R_REVIEW), "{\"level\": 6}", "/api/v1/tickets/%lld/review", (long long)t3.id);
	expect_error(&R, 400, "inval", "level 6");
	size_t n = (size_t)snprintf(body, sizeof body, "{\"level\": 2, \"reasons\": [\"attitude\", \"efficiency\"], "
				    "\"comment\": \"");
	for (int i = 0; i < 201; i++)
		n += (size_t)snprintf(body + n, sizeof body - n, "慢");
	snprintf(body + n, sizeof body - n, "\"}");
	api("POST", TK(R_REVIEW), body, "/api/v1/tickets/%lld/review", (long long)t3.id);
	expect_error(&R, 400, "inval", "a comment of 201 characters");
	/* 200 of them: the last 慢 out. */
	memcpy(body + n - 3, "\"}", 3);
	api("POST", TK(R_REVIEW), body, "/api/v1/tickets/%lld/review", (long long)t3.id);
	if (expect_status(&R, 200, "a bad review of the 好差评 system, with a comment of 200 characters")) {
		json_t *why = json_object_get(R.json, "reasons");

		check(jstr_is(R.json, "channel", "api") && json_array_size(why) == 2 &&
		      json_is_integer(json_object_get(R.json, "case_id")),
		      "the bad review: channel api, two reasons, a case: %s", desc(&R));
		case_id = jint_or(R.json, "case_id", -1);
	}

	/* The counter unit's evaluator keys, through the gateway. */
	struct tref t4 = served_a("a ticket its counter's unit reviews", key2);
	api("POST", gw, "{\"level\": 5}", "/api/v1/counters/3/evaluate");
	check(R.status == 200 && jstr_is(R.json, "channel", "unit") && jint_or(R.json, "ticket_id", 0) == t4.id,
	      "/evaluate reviews counter 3's last ticket from the unit: %s", desc(&R));
	api("POST", gw, "{\"level\": 4}", "/api/v1/counters/3/evaluate");
	expect_error(&R, 409, "rated", "a second press of the unit's keys");
	api("POST", gw, "{\"level\": 0}", "/api/v1/counters/3/evaluate");
	expect_error(&R, 400, "inval", "/evaluate at level 0");
	api("POST", gw, "{}", "/api/v1/counters/3/evaluate");
	expect_error(&R, 400, "badjson", "/evaluate without a level");
	api("POST", gw, "{\"level\": 5}", "/api/v1/counters/99/evaluate");
	expect_error(&R, 404, "nocounter", "/evaluate at an unknown counter");

	/* Today's reviews, for the manager and the 好差评 system. */
	api("GET", m, NULL, "/api/v1/reviews");
	check(R.status == 200 && listed_review(t.id, 3, "phone") && listed_review(t2.id, 5, "kiosk") &&
	      listed_review(t3.id, 2, "api") && listed_review(t4.id, 5, "unit"),
	      "GET /reviews: today's reviews from the phone, the kiosk, the API and the unit: %s", desc(&R));
	api("GET", TK(R_REVIEW), NULL, "/api/v1/reviews?level=2&from=%s&to=%s", today, today);
	check(R.status == 200 && listed_review(t3.id, 2, "api") && !listed_review(t.id, 3, "phone"),
	      "GET /reviews?level=2: the bad ones only: %s", desc(&R));
	api("GET", m, NULL, "/api/v1/reviews?level=7");
	expect_error(&R, 400, "inval", "GET /reviews?level=7");
	api("GET", m, NULL, "/api/v1/reviews?from=yesterday");
	expect_error(&R, 400, "inval", "GET /reviews?from=yesterday");

	/* The bad review's case, through its steps. */
	api("GET", m, NULL, "/api/v1/cases");
	c = listed_case(case_id);
	check(R.status == 200 && c && jstr_is(c, "state", "open") && json_is_false(json_object_get(c, "overdue")) &&
	      jstr(c, "rectify_due") && strlen(jstr(c, "rectify_due")) == 10 &&
	      json_is_null(json_object_get(c, "revisit_due")) &&
	      jint_or(json_object_get(c, "review"), "ticket_id", 0) == t3.id,
	      "GET /cases: the open case of the bad review, due in working days: %s", desc(&R));
	api("GET", m, NULL, "/api/v1/cases/%lld", (long long)case_id);
	check(R.status == 200 && json_array_size(json_object_get(R.json, "steps")) == 1 &&
	      jstr_is(json_array_get(json_object_get(R.json, "steps"), 0), "who", "hallq"),
	      "GET /cases/{id}: the case, with its opening step: %s", desc(&R));
	api("POST", m, "{\"who\": \"王主任\"}", "/api/v1/cases/%lld/rectify", (long long)case_id);
	expect_error(&R, 409, "state", "rectify an open case");
	api("POST", m, "{}", "/api/v1/cases/%lld/verify", (long long)case_id);
	expect_error(&R, 400, "badjson", "a step without who");
	api("POST", m, "{\"who\": \"王主任\", \"note\": \"已电话核实\"}", "/api/v1/cases/%lld/verify",
	    (long long)case_id);
	check(R.status == 200 && jstr_is(R.json, "state", "verified") &&
	      json_array_size(json_object_get(R.json, "steps")) == 2 &&
	      jstr_is(json_array_get(json_object_get(R.json, "steps"), 1), "note", "已电话核实"),
	      "verify: the case is verified, the step has who and the note: %s", desc(&R));
	api("POST", m, "{\"who\": \"王主任\"}", "/api/v1/cases/%lld/verify", (long long)case_id);
	expect_error(&R, 409, "state", "verify twice");
	api("POST", TK(R_ADMIN), "{\"who\": \"李科长\"}", "/api/v1/cases/%lld/rectify", (long long)case_id);
	check(R.status == 200 && jstr_is(R.json, "state", "rectified") && jstr(R.json, "revisit_due"),
	      "rectify: a revisit due date: %s", desc(&R));
	api("POST", m, "{\"who\": \"王主任\"}", "/api/v1/cases/%lld/frobnicate", (long long)case_id);
	expect_error(&R, 404, "noroute", "an unknown step");
	api("POST", m, "{\"who\": \"王主任\"}", "/api/v1/cases/999999/verify");
	expect_error(&R, 404, "nocase", "a step of an unknown case");
	api("GET", m, NULL, "/api/v1/cases/999999");
	expect_error(&R, 404, "nocase", "an unknown case");
	api("GET", m, NULL, "/api/v1/cases?state=rectified");
	check(R.status == 200 && listed_case(case_id), "GET /cases?state=rectified: %s", desc(&R));
	api("GET", m, NULL, "/api/v1/cases?overdue=1");
	check(R.status == 200 && !listed_case(case_id), "GET /cases?overdue=1: not a fresh case: %s", desc(&R));
	api("GET", m, NULL, "/api/v1/cases?state=lost");
	expect_error(&R, 400, "inval", "GET /cases?state=lost");
	api("GET", m, NULL, "/metrics");
	check(R.status == 200 && R.body && strstr(R.body, "\nhallq_cases_open ") &&
	      strstr(R.body, "\nhallq_cases_overdue 0\n"),
	      "metrics: hallq_cases_open and hallq_cases_overdue 0");

	/* The key is the ticket's, and never in the event feed. */
	sqlite3 *db = db_open(S1.db);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM tickets WHERE id = %lld AND secret = '%s'", (long long)t.id, key);
	check(db_int(db, sql) == 1, "the key in status_url is the ticket's secret");
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM events WHERE detail LIKE '%%%s%%' OR label LIKE '%%%s%%'",
		 key, key);
	check(db_int(db, sql) == 0, "no event carries a ticket's key");
	sqlite3_close(db);
}

static void t_call_number(void)
{
	const char *gw = TK(R_GATEWAY);
	char body[64], msg[96];

	struct tref a = issue("a", "issue a ticket to call by its number");
	json_int_t n = jint_or(R.json, "number", -1);
	snprintf(body, sizeof body, "{\"number\": %lld}", (long long)n);
	api("POST", gw, body, "/api/v1/counters/1/call");
	expect_error(&R, 404, "noticket", "counter 1 (service b) calls the number of an a ticket");
	snprintf(msg, sizeof msg, "no waiting ticket %lld for counter 1", (long long)n);
	check(jstr_is(R.json, "message", msg), "call by number: the message should be '%s': %s", msg, desc(&R));
	api("POST", gw, body, "/api/v1/counters/3/call");
	if (expect_ticket(200, "the gateway calls a number at counter 3", a.label, "called", "a"))
		check(jint_or(R.json, "id", -1) == a.id && jint_or(R.json, "counter", 0) == 3,
		      "call by number: ticket %lld called at counter 3: %s", (long long)a.id, desc(&R));
	/* Called, it waits no more: the number again calls an older ticket with that number (a
	 * transfer keeps its number), never the same one, until none is left: 404. */
	json_int_t seen[8] = {a.id};
	int calls = 1, again = 0;
	while (calls < 8 && api("POST", gw, body, "/api/v1/counters/3/call") == 200) {
		for (int i = 0; i < calls; i++)
			again += seen[i] == jint_or(R.json, "id", -1);
		seen[calls++] = jint_or(R.json, "id", -1);
	}
	expect_error(&R, 404, "noticket", "call a number that is no longer waiting");
	check(again == 0, "call by number: a called ticket was called again by its number");
	api("POST", gw, "{\"number\": 1, \"ticket\": \"A001\"}", "/api/v1/counters/3/call");
	expect_error(&R, 400, "badjson", "call with both a number and a ticket");
	api("POST", gw, "{}", "/api/v1/counters/3/call");
	expect_error(&R, 400, "badjson", "call with neither a number nor a ticket");
	api("POST", gw, "{\"number\": \"12\"}", "/api/v1/counters/3/call");
	expect_error(&R, 400, "badjson", "call with the number as a string");
	check(jstr(R.json, "message") && strstr(jstr(R.json, "message"), "\"number\""),
	      "call with the number as a string: the message names \"number\": %s", desc(&R));
	api("POST", gw, "{\"number\": -1}", "/api/v1/counters/3/call");
	expect_error(&R, 400, "inval", "call number -1");
	api("POST", TK(R_COUNTER1), body, "/api/v1/counters/3/call");
	expect_error(&R, 403, "forbidden", "counter:1 calls a number at counter 3");
	api("POST", gw, NULL, "/api/v1/counters/3/finish");
	expect_ticket(200, "the gateway finishes the number's ticket", NULL, "done", NULL);
}

static void t_appointments(void)
{
	char body[256];
	const char *code;

	snprintf(body, sizeof body,
		 "{\"service\": \"a\", \"slot\": \"%s\", \"name\": \"张三\", \"phone\": \"13800000000\"}", next_slot);
	api("POST", TK(R_BOOKING), body, "/api/v1/appointments");
	expect_status(&R, 201, "POST /appointments");
	code = jstr(R.json, "code");
	check(code && strlen(code) == 6 && strspn(code, "0123456789") == 6 &&
	      json_is_integer(json_object_get(R.json, "id")) && jstr_is(R.json, "service", "a") &&
	      jstr(R.json, "slot") && strncmp(jstr(R.json, "slot"), next_slot, 10) == 0,
	      "POST /appointments: want {id, code (6 digits), service a, slot %s}, got %s", next_slot, desc(&R));
	char code1[8] = "";
	if (code && strlen(code) == 6)
		snprintf(code1, sizeof code1, "%s", code);
	snprintf(booked_codes[nbooked++], sizeof booked_codes[0], "%s", code1);

	snprintf(body, sizeof body, "{\"service\": \"a\", \"slot\": \"%s\"}", next_slot);
	api("POST", TK(R_BOOKING), body, "/api/v1/appointments");
	expect_status(&R, 201, "book a second appointment in the slot");
	code = jstr(R.json, "code");
	check(code && strcmp(code, code1) != 0, "the second code differs: %s", desc(&R));
	if (code)
		snprintf(booked_codes[nbooked++], sizeof booked_codes[0], "%s", code);
	api("POST", TK(R_BOOKING), body, "/api/v1/appointments");
	expect_error(&R, 409, "slot", "book a full slot");

	api("POST", TK(R_KIOSK), NULL, "/api/v1/appointments/%s/check-in", code1);
	expect_ticket(201, "check-in", NULL, "waiting", "a");
	check(jstr_is(R.json, "class", "appointment"), "check-in: class appointment: %s", desc(&R));
	json_int_t appt = jint_or(R.json, "id", -1);
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)appt);
	expect_status(&R, 200, "the appointment ticket's status");
	check(!strstr(R.body, "张三") && !strstr(R.body, "13800000000"),
	      "a ticket's status shows no personal data: %s", desc(&R));
	api("POST", TK(R_KIOSK), NULL, "/api/v1/appointments/%s/check-in", code1);
	expect_error(&R, 409, "used", "check-in twice");

	snprintf(body, sizeof body, "{\"service\": \"a\", \"slot\": \"%s\"}", far_slot);
	api("POST", TK(R_BOOKING), body, "/api/v1/appointments");
	expect_status(&R, 201, "book three hours ahead");
	code = jstr(R.json, "code");
	char code3[8] = "";
	if (code) {
		snprintf(code3, sizeof code3, "%s", code);
		snprintf(booked_codes[nbooked++], sizeof booked_codes[0], "%s", code);
	}
	api("POST", TK(R_KIOSK), NULL, "/api/v1/appointments/%s/check-in", code3);
	expect_error(&R, 409, "early", "check-in three hours early");
}

/* A 6-digit code that was not booked. */
static const char *unknown_code(void)
{
	static char code[8];
	for (int c = 314159;; c++) {
		bool used = false;
		snprintf(code, sizeof code, "%06d", c % 1000000);
		for (int i = 0; i < nbooked; i++)
			used |= strcmp(code, booked_codes[i]) == 0;
		if (!used)
			return code;
	}
}

/* Split one CSV record (RFC 4180, no line breaks inside fields) into fields, unquoted in place. */
static int csv_fields(char *p, char **f, int max)
{
	int n = 0;
	for (;;) {
		char *out = p;
		if (n < max)
			f[n] = out;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"' || !*p) {
					if (*p)
						p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
		}
		while (*p && *p != ',')
			*out++ = *p++;
		char sep = *p;
		*out = '\0';
		n++;
		if (!sep)
			return n;
		p++;
	}
}

static const char *stats_fields[] = {"key", "issued", "called", "served", "noshow", "transferred",
				     "cancelled", "waiting", "wait_mean_s", "wait_p50_s", "wait_p90_s",
				     "wait_max_s", "service_mean_s", "service_p90_s", "on_time_rate", "rated",
				     "satisfaction_rate", "score_mean", "level1", "level2", "level3", "level4",
				     "level5", "bad_reviews", "rectify_rate", "revisit_rate", "appointments",
				     "missed_appointments"};
#define N_STATS_FIELDS (sizeof stats_fields / sizeof *stats_fields)

static void t_stats_metrics(void)
{
	const char *m = TK(R_MANAGER);
	char miss[512], sql[256];
	size_t off = 0;

	api("GET", m, NULL, "/api/v1/stats");
	if (expect_status(&R, 200, "GET /stats")) {
		json_t *total = json_object_get(R.json, "total");
		json_t *rows = json_object_get(R.json, "rows");
		check(jstr_is(R.json, "by", "service") && jstr(R.json, "from") && jstr(R.json, "to") &&
		      json_is_array(rows) && json_is_object(total),
		      "GET /stats: want {by: service, from, to, rows, total}, got %s", desc(&R));
		miss[0] = '\0';
		for (size_t i = 0; i < N_STATS_FIELDS; i++)
			if (!json_object_get(total, stats_fields[i]))
				off += (size_t)snprintf(miss + off, sizeof miss - off, " %s", stats_fields[i]);
		check(off == 0, "GET /stats: total lacks:%s", miss);
		check(json_array_size(rows) == 3 && find_by(rows, "key", "a") && find_by(rows, "key", "b") &&
		      find_by(rows, "key", "d"),
		      "GET /stats: one row per service with tickets (a, b, d): %s", desc(&R));
		sqlite3 *db = db_open(S1.db);
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM tickets WHERE parent_id = 0 AND day = '%s'", today);
		long long n = db_int(db, sql);
		sqlite3_close(db);
		check(jint_or(total, "issued", -1) == n, "GET /stats: total issued %lld, the database has %lld",
		      (long long)jint_or(total, "issued", -1), n);
	}
	static const char *bys[] = {"counter", "clerk", "hour", "day", "week", "month"};
	for (size_t i = 0; i < sizeof bys / sizeof bys[0]; i++) {
		api("GET", m, NULL, "/api/v1/stats?by=%s", bys[i]);
		expect_status(&R, 200, "GET /stats?by=...");
		check(jstr_is(R.json, "by", bys[i]) && json_is_array(json_object_get(R.json, "rows")),
		      "GET /stats?by=%s: %s", bys[i], desc(&R));
	}
	/* Today's tickets, by day and by month: one row, keyed by the day and its month. */
	api("GET", m, NULL, "/api/v1/stats?by=day");
	check(json_array_size(json_object_get(R.json, "rows")) == 1 &&
	      jstr_is(json_array_get(json_object_get(R.json, "rows"), 0), "key", today),
	      "GET /stats?by=day: one row, %s: %s", today, desc(&R));
	api("GET", m, NULL, "/api/v1/stats?by=month");
	{
		const char *k = jstr(json_array_get(json_object_get(R.json, "rows"), 0), "key");

		check(k && strlen(k) == 7 && strncmp(k, today, 7) == 0, "GET /stats?by=month: key %.7s: %s",
		      today, desc(&R));
	}
	api("GET", m, NULL, "/api/v1/stats?by=week");
	{
		const char *k = jstr(json_array_get(json_object_get(R.json, "rows"), 0), "key");

		check(k && strlen(k) == 8 && k[4] == '-' && k[5] == 'W', "GET /stats?by=week: key YYYY-Www: %s",
		      desc(&R));
	}

	/* The appraisal of this month: the windows and the roster's clerk, who worked today. */
	char month[8];
	snprintf(month, sizeof month, "%.7s", today);
	api("GET", m, NULL, "/api/v1/reports/appraisal?month=%s", month);
	if (expect_status(&R, 200, "GET /reports/appraisal")) {
		json_t *wins = json_object_get(R.json, "windows"), *clerks = json_object_get(R.json, "clerks");
		json_t *w1 = NULL, *k = NULL, *v;
		size_t i;

		json_array_foreach(wins, i, v)
			if (jint_or(v, "counter", 0) == 1)
				w1 = v;
		json_array_foreach(clerks, i, v)
			if (jstr_is(v, "clerk", "1024"))
				k = v;
		check(jstr_is(R.json, "period", month) && json_array_size(wins) >= 3 && w1 && k,
		      "GET /reports/appraisal: the period, the windows, clerk 1024: %s", desc(&R));
		check(w1 && jint_or(w1, "served", 0) >= 1 && jstr_is(w1, "name", "1号窗口") &&
		      json_is_object(json_object_get(w1, "alerts_by_rule")) &&
		      json_is_number(json_object_get(w1, "score")) && json_is_boolean(json_object_get(w1, "red_flag")),
		      "GET /reports/appraisal: window 1 served, named, scored: %s", desc(&R));
		check(k && jint_or(k, "served", 0) >= 1 && jstr_is(k, "name", "王芳") &&
		      json_is_number(json_object_get(k, "hours")),
		      "GET /reports/appraisal: clerk 1024 served, named, with hours: %s", desc(&R));
		v = json_object_get(R.json, "hall");
		check(json_is_object(v) && jint_or(v, "served", 0) >= jint_or(w1, "served", 0) &&
		      json_is_number(json_object_get(v, "score")) && !json_object_get(v, "clerk"),
		      "GET /reports/appraisal: the whole hall, served and scored: %s", desc(&R));
		check(!strstr(R.body, "$y$"), "GET /reports/appraisal: no PIN hash");
	}
	api("GET", m, NULL, "/api/v1/reports/appraisal?month=%s&format=csv", month);
	if (expect_status(&R, 200, "GET /reports/appraisal CSV")) {
		expect_ctype(&R, "text/csv", "GET /reports/appraisal CSV");
		check(!strncmp(R.body, "kind,key,name,rank,red_flag,served,", 35) && strstr(R.body, "\nwindow,1,") &&
		      strstr(R.body, "\nclerk,1024,王芳,"), "GET /reports/appraisal CSV: header and rows: %.200s",
		      R.body);
	}
	api("GET", m, NULL, "/api/v1/reports/appraisal?week=2026-W48&format=json");
	check(R.status == 200 && jstr_is(R.json, "period", "2026-W48") && jstr(R.json, "from") &&
	      !strncmp(jstr(R.json, "from"), "2026-11-23T00:00:00", 19) && jstr(R.json, "to") &&
	      !strncmp(jstr(R.json, "to"), "2026-11-30T00:00:00", 19),
	      "GET /reports/appraisal?week=2026-W48: Monday to Monday: %s", desc(&R));
	api("GET", m, NULL, "/api/v1/reports/appraisal?quarter=2026-Q4");
	expect_status(&R, 200, "GET /reports/appraisal?quarter=2026-Q4");
	api("GET", m, NULL, "/api/v1/reports/appraisal?from=%s&to=%s", today, today);
	check(R.status == 200 && json_is_null(json_object_get(R.json, "period")),
	      "GET /reports/appraisal?from=&to=: %s", desc(&R));
	api("GET", m, NULL, "/api/v1/reports/appraisal");
	expect_error(&R, 400, "inval", "GET /reports/appraisal without a period");
	api("GET", m, NULL, "/api/v1/reports/appraisal?month=2026-13");
	expect_error(&R, 400, "inval", "GET /reports/appraisal?month=2026-13");
	api("GET", m, NULL, "/api/v1/reports/appraisal?week=2025-W53");
	expect_error(&R, 400, "inval", "GET /reports/appraisal?week=2025-W53 (2025 has 52 weeks)");
	api("GET", m, NULL, "/api/v1/reports/appraisal?month=2026-11&week=2026-W48");
	expect_error(&R, 400, "inval", "GET /reports/appraisal with two periods");
	api("GET", m, NULL, "/api/v1/reports/appraisal?from=%s", today);
	expect_error(&R, 400, "inval", "GET /reports/appraisal with from alone");
	api("GET", m, NULL, "/api/v1/reports/appraisal?month=2026-11&format=xml");
	expect_error(&R, 400, "inval", "GET /reports/appraisal?format=xml");

	/* The roster, without the PINs' hashes. */
	api("GET", m, NULL, "/api/v1/clerks");
	if (expect_status(&R, 200, "GET /clerks")) {
		json_t *k = find_by(json_object_get(R.json, "clerks"), "id", "1024");

		check(k && jstr_is(k, "name", "王芳") && jstr_is(k, "source", "config") &&
		      json_is_true(json_object_get(k, "active")) && !json_object_get(k, "pin") &&
		      !json_object_get(k, "pin_hash") && !strstr(R.body, "$y$"),
		      "GET /clerks: 1024 from the config, no hash: %s", desc(&R));
	}
	api("GET", m, NULL, "/api/v1/clerks?all=maybe");
	expect_error(&R, 400, "inval", "GET /clerks?all=maybe");
	{
		char *log = read_file(S1.log);

		check(log && !strstr(log, "$y$") && !strstr(log, CLERK_PIN "\""),
		      "hallqd's log has no PIN and no hash");
		free(log);
	}
	api("GET", m, NULL, "/api/v1/stats?by=service&from=%s&to=%s", today, today);
	expect_status(&R, 200, "GET /stats with from and to");
	api("GET", m, NULL, "/api/v1/stats?by=colour");
	expect_error(&R, 400, "inval", "GET /stats?by=colour");
	api("GET", m, NULL, "/api/v1/stats?from=yesterday");
	expect_error(&R, 400, "inval", "GET /stats?from=yesterday");

	/* The CSV has the JSON's rows, in order, then the total. */
	api("GET", m, NULL, "/api/v1/stats?by=counter");
	json_t *js = json_incref(R.json);
	api("GET", m, NULL, "/api/v1/stats?by=counter&format=csv");
	if (expect_status(&R, 200, "GET /stats CSV")) {
		char header[1024], *f[32];
		off = 0;
		expect_ctype(&R, "text/csv", "GET /stats CSV");
		for (size_t i = 0; i < N_STATS_FIELDS; i++)
			off += (size_t)snprintf(header + off, sizeof header - off, "%s%s", i ? "," : "", stats_fields[i]);
		size_t hl = strcspn(R.body, "\r\n");
		check(hl == strlen(header) && strncmp(R.body, header, hl) == 0,
		      "CSV: the header line should be %s, got %.*s", header, (int)hl, R.body);
		json_t *rows = json_object_get(js, "rows");
		size_t nrec = 0, bad_width = 0, bad_key = 0;
		bool total_ok = false;
		char *save = NULL;
		for (char *line = strtok_r(R.body + hl, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
			int nf = csv_fields(line, f, 32);
			bad_width += nf != (int)N_STATS_FIELDS;
			if (nf < 2)
				continue;
			if (nrec < json_array_size(rows)) {
				bad_key += !jstr_is(json_array_get(rows, nrec), "key", f[0]) ||
					   jint_or(json_array_get(rows, nrec), "issued", -1) != strtol(f[1], NULL, 10);
			} else if (nrec == json_array_size(rows)) {
				json_t *t = json_object_get(js, "total");
				total_ok = strcmp(f[0], "total") == 0 && jint_or(t, "issued", -1) == strtol(f[1], NULL, 10);
			}
			nrec++;
		}
		check(bad_width == 0, "CSV: %zu records without the %zu fields", bad_width, N_STATS_FIELDS);
		check(nrec == json_array_size(rows) + 1 && bad_key == 0 && total_ok,
		      "CSV: the JSON's %zu rows with their keys and issued counts, then total; got %zu records, %zu"
		      " differ, total %s", json_array_size(rows), nrec, bad_key, total_ok ? "ok" : "wrong");
	}
	json_decref(js);

	api("GET", m, NULL, "/metrics");
	if (expect_status(&R, 200, "GET /metrics")) {
		expect_ctype(&R, "text/plain", "GET /metrics");
		static const char *names[] = {"hallq_http_requests_total{", "hallq_http_request_seconds",
					      "hallq_waiting{", "hallq_events_total", "hallq_event_subscribers",
					      "hallq_batch_size"};
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			check(strstr(R.body, names[i]) != NULL, "metrics: no %s", names[i]);
		check(strstr(R.body, "hallq_http_request_seconds_bucket") &&
		      strstr(R.body, "hallq_batch_size_bucket"),
		      "metrics: the histograms have _bucket lines");
		check(strstr(R.body, "status=\"201\"") && strstr(R.body, "route="),
		      "metrics: requests counted by route and status");
		const char *sub = strstr(R.body, "\nhallq_event_subscribers");
		long nsub = -1;
		if (sub) {
			sub = strchr(sub + 1, ' ');
			nsub = sub ? strtol(sub, NULL, 10) : -1;
		}
		check(nsub >= 1, "metrics: hallq_event_subscribers >= 1 while a stream is open, got %ld", nsub);
	}
}

/* ---- 2. every error status ------------------------------------------------------------------------ */

static void t_errors(void)
{
	const char *k = TK(R_KIOSK), *ad = TK(R_ADMIN);

	int64_t before = last_event_id();

	api("POST", k, "{", "/api/v1/tickets");
	expect_error(&R, 400, "badjson", "malformed JSON");
	api("POST", k, "{\"service\": 5}", "/api/v1/tickets");
	expect_error(&R, 400, "badjson", "service of the wrong type");
	api("POST", k, "{}", "/api/v1/tickets");
	expect_error(&R, 400, "badjson", "missing service");
	api("POST", k, "[\"a\"]", "/api/v1/tickets");
	expect_error(&R, 400, "badjson", "an array for a body");
	api("POST", k, "{\"service\": \"a\", \"class\": 1}", "/api/v1/tickets");
	expect_error(&R, 400, "badjson", "class of the wrong type");
	api("POST", k, "{\"service\": \"a\", \"class\": \"vip\"}", "/api/v1/tickets");
	expect_error2(&R, 400, "inval", "badjson", "an unknown class");
	api("POST", ad, "{\"score\": \"three\"}", "/api/v1/counters/1/rate");
	expect_error(&R, 400, "badjson", "score of the wrong type");
	api("POST", ad, "{\"score\": 7}", "/api/v1/counters/1/rate");
	expect_error2(&R, 400, "inval", "badjson", "score 7");
	api("POST", ad, "{}", "/api/v1/counters/1/sign-in");
	expect_error(&R, 400, "badjson", "sign-in without a clerk");
	api("POST", TK(R_BOOKING), "{\"service\": \"a\"}", "/api/v1/appointments");
	expect_error(&R, 400, "badjson", "book without a slot");
	api("POST", TK(R_BOOKING), "{\"service\": \"a\", \"slot\": \"tomorrow\"}", "/api/v1/appointments");
	expect_error2(&R, 400, "inval", "badjson", "book a slot that is no time");

	api("GET", NULL, NULL, "/api/v1/hall");
	expect_error(&R, 401, "unauthorized", "no token");
	api("GET", "unknown-token-0123456789", NULL, "/api/v1/hall");
	expect_error(&R, 401, "unauthorized", "unknown token");
	static const char *const basic[] = {"Authorization: Basic YWRtaW46YWRtaW4=", NULL};
	api_h("GET", NULL, NULL, basic, "/api/v1/hall");
	expect_error(&R, 401, "unauthorized", "Basic credentials");
	api("POST", NULL, "{\"service\": \"a\"}", "/api/v1/tickets");
	expect_error(&R, 401, "unauthorized", "issue without a token");

	api("POST", TK(R_DISPLAY), "{\"service\": \"a\"}", "/api/v1/tickets");
	expect_error(&R, 403, "forbidden", "display issues a ticket");
	api("POST", TK(R_COUNTER2), NULL, "/api/v1/counters/1/call-next");
	expect_error(&R, 403, "forbidden", "counter 2 calls at counter 1");
	api("GET", TK(R_KIOSK), NULL, "/api/v1/stats");
	expect_error(&R, 403, "forbidden", "kiosk reads stats");

	api("GET", ad, NULL, "/api/v1/nosuch");
	expect_error(&R, 404, "noroute", "unknown route");
	api("GET", ad, NULL, "/nosuch");
	expect_error(&R, 404, "noroute", "unknown route outside /api/v1");
	api("POST", ad, NULL, "/api/v1/counters/1/frobnicate");
	expect_error(&R, 404, "noroute", "unknown counter operation");
	api("POST", k, "{\"service\": \"zz\"}", "/api/v1/tickets");
	expect_error(&R, 404, "noservice", "unknown service");
	api("POST", ad, NULL, "/api/v1/counters/99/call-next");
	expect_error(&R, 404, "nocounter", "unknown counter");
	api("POST", ad, NULL, "/api/v1/counters/99/pause");
	expect_error(&R, 404, "nocounter", "pause an unknown counter");
	api("GET", NULL, NULL, "/api/v1/tickets/999999");
	expect_error(&R, 404, "noticket", "unknown ticket");
	api("POST", k, NULL, "/api/v1/tickets/999999/cancel");
	expect_error(&R, 404, "noticket", "cancel an unknown ticket");
	api("POST", ad, "{\"ticket\": \"Z999\"}", "/api/v1/counters/1/unpark");
	expect_error(&R, 404, "noticket", "unpark an unknown label");
	api("POST", ad, "{\"ticket\": 999999}", "/api/v1/counters/1/call");
	expect_error(&R, 404, "noticket", "call an unknown ticket id");
	api("POST", k, NULL, "/api/v1/appointments/%s/check-in", unknown_code());
	expect_error(&R, 404, "nocode", "check-in an unknown code");

	api("GET", ad, NULL, "/api/v1/tickets");
	expect_error(&R, 405, "method", "GET on POST /tickets");
	char allow[64] = "";
	check(thttp_header(&R, "Allow", allow, sizeof allow) && strstr(allow, "POST"),
	      "405 names the allowed method in Allow (RFC 9110 15.5.6), got '%s'", allow);
	api("GET", ad, NULL, "/api/v1/counters/1/call-next");
	expect_error(&R, 405, "method", "GET on a counter operation");
	api("GET", ad, NULL, "/api/v1/appointments");
	expect_error(&R, 405, "method", "GET on POST /appointments");
	api("POST", ad, "{}", "/api/v1/hall");
	expect_error(&R, 405, "method", "POST on GET /hall");
	api("DELETE", ad, NULL, "/api/v1/tickets/1");
	expect_error(&R, 405, "method", "DELETE a ticket");

	api("POST", k, "{\"service\": \"c\"}", "/api/v1/tickets");
	expect_error(&R, 409, "closed", "issue for a closed service");

	size_t big = 17 * 1024;
	char *body = malloc(big + 64);
	if (body) {
		int n = snprintf(body, big + 64, "{\"service\": \"a\", \"pad\": \"");
		memset(body + n, 'x', big);
		strcpy(body + n + big, "\"}");
		api("POST", k, body, "/api/v1/tickets");
		expect_error(&R, 413, "toolarge", "a 17 KiB body");
		free(body);
	}

	int64_t after = last_event_id();
	check(before > 0 && before == after, "failed operations change nothing: events %lld before, %lld after",
	      (long long)before, (long long)after);

	static const char *const key[] = {"Idempotency-Key: 422-reuse-7f3e2a", NULL};
	api_h("POST", k, "{\"service\": \"b\"}", key, "/api/v1/tickets");
	expect_status(&R, 201, "issue with a key");
	struct tref t = tref_of();
	api_h("POST", k, NULL, key, "/api/v1/tickets/%lld/cancel", (long long)t.id);
	expect_error(&R, 422, "idempotency", "the same key on another path");
	api_h("POST", ad, NULL, key, "/api/v1/counters/2/call-next");
	expect_error(&R, 422, "idempotency", "the same key on a counter path");
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)t.id);
	expect_ticket(200, "a refused reuse changed nothing", t.label, "waiting", NULL);
	api("POST", k, NULL, "/api/v1/tickets/%lld/cancel", (long long)t.id);
	expect_status(&R, 200, "cancel the key's ticket");
}

/*
 * Edges: numbers out of range must not wrap onto real counters or scores, bodies on
 * operations that take none are still checked, and the Idempotency-Key length limit.
 */
static void t_edges(void)
{
	const char *ad = TK(R_ADMIN);
	char key[200], line[240];

	int64_t before = last_event_id();
	api("POST", ad, NULL, "/api/v1/counters/4294967297/sign-out");
	expect_error(&R, 404, "nocounter", "counter 4294967297 (2^32 + 1) is not counter 1");
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/4294967297/sign-out");
	check(R.status == 403 || R.status == 404,
	      "counter:1 on counter 4294967297: want 403 or 404, got %s", desc(&R));
	api("POST", ad, "{\"score\": 4294967299}", "/api/v1/counters/1/rate");
	expect_error2(&R, 400, "inval", "badjson", "score 4294967299 (2^32 + 3) is not 3");
	api("POST", ad, "{", "/api/v1/counters/1/call-next");
	expect_error(&R, 400, "badjson", "call-next with a malformed body");
	api("POST", ad, "{\"service\": \"a\", \"counter\": 2}", "/api/v1/counters/1/transfer");
	expect_error2(&R, 400, "badjson", "inval", "transfer to a service and a counter at once");
	api("POST", ad, "{}", "/api/v1/counters/1/transfer");
	expect_error2(&R, 400, "badjson", "inval", "transfer to nowhere");
	memset(key, 'k', 129);
	key[129] = '\0';
	snprintf(line, sizeof line, "Idempotency-Key: %s", key);
	const char *const long_key[] = {line, NULL};
	api_h("POST", TK(R_KIOSK), "{\"service\": \"b\"}", long_key, "/api/v1/tickets");
	check(R.status == 400, "an Idempotency-Key of 129 characters: want 400, got %s", desc(&R));
	int64_t after = last_event_id();
	check(before == after, "refused edge cases change nothing: events %lld before, %lld after",
	      (long long)before, (long long)after);

	key[128] = '\0';
	snprintf(line, sizeof line, "Idempotency-Key: %s", key);
	api_h("POST", TK(R_KIOSK), "{\"service\": \"b\"}", long_key, "/api/v1/tickets");
	expect_status(&R, 201, "an Idempotency-Key of 128 characters");
	struct tref t = tref_of();
	api("POST", ad, NULL, "/api/v1/counters/1/call-next");
	expect_ticket(200, "call the ticket for the transfer edge", t.label, "called", NULL);
	api("POST", ad, "{\"counter\": 4294967298}", "/api/v1/counters/1/transfer");
	if (check(R.status == 400 || R.status == 404,
		  "transfer to counter 4294967298 (2^32 + 2): want 400 or 404, got %s", desc(&R))) {
		api("POST", ad, NULL, "/api/v1/counters/1/finish");
		expect_status(&R, 200, "finish the transfer edge's ticket");
	}
}

/* ---- counter units' health, as the gateways report it ------------------------------------------------ */

/* The report of docs/api.md: bus line1 with two units, and a bus whose name needs escaping. */
#define UNIT_BUS1 "{\"bus\": \"line1\", \"type\": \"plain\", \"up\": true, \"reopens\": 3, \"cycle_ms\": 452.1," \
	" \"units\": [{\"counter\": 3, \"address\": 3, \"online\": true, \"polls\": 1200, \"timeouts\": 2," \
	" \"crc_errors\": 1, \"exceptions\": 4, \"events\": 14, \"unit_crc_errors\": 5}," \
	" {\"counter\": 1, \"address\": 7, \"online\": false, \"polls\": 1199, \"timeouts\": 1199," \
	" \"crc_errors\": 0, \"exceptions\": 0, \"events\": 0, \"unit_crc_errors\": 0}]}"
#define UNIT_BUS2 "{\"bus\": \"li\\\"ne\\\\2\", \"type\": \"rtu\", \"up\": false, \"reopens\": 0," \
	" \"cycle_ms\": 12.5, \"units\": []}"
#define UNIT_REPORT "{\"buses\": [" UNIT_BUS1 ", " UNIT_BUS2 "]}"
#define UNIT_GW "gw-test"

/* A report of `buses` buses of `units` units each, every field given (malloc'd). */
static char *unit_report(int buses, int units)
{
	size_t cap = 64 + (size_t)buses * (160 + (size_t)units * 200), off = 0;
	char *t = malloc(cap);

	if (!t)
		abort();
	off += (size_t)snprintf(t + off, cap - off, "{\"buses\": [");
	for (int b = 0; b < buses; b++) {
		off += (size_t)snprintf(t + off, cap - off, "%s{\"bus\": \"bus%d\", \"type\": \"rtu\", \"up\": true,"
					" \"reopens\": 0, \"cycle_ms\": 10.5, \"units\": [", b ? ", " : "", b);
		for (int u = 0; u < units; u++)
			off += (size_t)snprintf(t + off, cap - off,
						"%s{\"counter\": %d, \"address\": %d, \"online\": true, \"polls\": 123456789,"
						" \"timeouts\": 0, \"crc_errors\": 0, \"exceptions\": 0, \"events\": 0,"
						" \"unit_crc_errors\": 0}", u ? ", " : "", u % 9999 + 1, u + 1);
		off += (size_t)snprintf(t + off, cap - off, "]}");
	}
	snprintf(t + off, cap - off, "]}");
	return t;
}

/* The gateway's entry in GET /api/v1/units (a reference into R.json), or NULL. */
static json_t *units_entry(const char *gateway, const char *what)
{
	api("GET", TK(R_DISPLAY), NULL, "/api/v1/units");
	if (!expect_status(&R, 200, what))
		return NULL;
	check(json_is_array(json_object_get(R.json, "gateways")), "%s: want {\"gateways\": [...]}, got %s", what,
	      desc(&R));
	return find_by(json_object_get(R.json, "gateways"), "gateway", gateway);
}

/* GET /metrics has this line, whole. */
static bool metrics_line(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = R.body; p && (p = strstr(p, line)); p++)
		if ((p == R.body || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* The metrics of UNIT_REPORT; `up` for the up and online gauges (0 once the gateway is stale). */
static void check_unit_metrics(int up, const char *what)
{
	char want[16][200];
	int n = 0;

#define L(...) snprintf(want[n++], sizeof want[0], __VA_ARGS__)
	L("hallq_gateway_up{gateway=\"" UNIT_GW "\"} %d", up);
	L("hallq_bus_up{gateway=\"" UNIT_GW "\",bus=\"line1\"} %d", up);
	L("hallq_bus_up{gateway=\"" UNIT_GW "\",bus=\"li\\\"ne\\\\2\"} 0");
	L("hallq_bus_cycle_seconds{gateway=\"" UNIT_GW "\",bus=\"line1\"} 0.4521");
	L("hallq_bus_cycle_seconds{gateway=\"" UNIT_GW "\",bus=\"li\\\"ne\\\\2\"} 0.0125");
	L("hallq_bus_reopens_total{gateway=\"" UNIT_GW "\",bus=\"line1\"} 3");
	L("hallq_unit_online{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} %d", up);
	L("hallq_unit_online{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"1\",address=\"7\"} 0");
	L("hallq_unit_polls_total{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} 1200");
	L("hallq_unit_timeouts_total{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} 2");
	L("hallq_unit_crc_errors_total{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} 1");
	L("hallq_unit_exceptions_total{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} 4");
	L("hallq_unit_events_total{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} 14");
	L("hallq_unit_reported_crc_errors{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"3\",address=\"3\"} 5");
	L("hallq_unit_polls_total{gateway=\"" UNIT_GW "\",bus=\"line1\",counter=\"1\",address=\"7\"} 1199");
	L("# TYPE hallq_unit_polls_total counter");
#undef L
	api("GET", TK(R_MANAGER), NULL, "/metrics");
	if (!expect_status(&R, 200, what))
		return;
	for (int i = 0; i < n; i++)
		check(metrics_line(want[i]), "%s: /metrics should have the line: %s", what, want[i]);
}

static void t_units(void)
{
	const char *gw = TK(R_GATEWAY);
	json_t *sent = json_loads(UNIT_REPORT, 0, NULL), *e;

	check(sent != NULL, "units: the test's own report is JSON");
	api("PUT", gw, UNIT_REPORT, "/api/v1/units/" UNIT_GW);
	expect_status(&R, 204, "PUT /api/v1/units/{gateway}");
	check(R.len == 0, "PUT /api/v1/units 204 has no body: %s", desc(&R));
	e = units_entry(UNIT_GW, "GET /api/v1/units");
	if (check(e != NULL, "GET /api/v1/units lists " UNIT_GW ": %s", desc(&R))) {
		check(json_is_false(json_object_get(e, "stale")) && jint_or(e, "age_s", -1) >= 0 &&
		      jint_or(e, "age_s", -1) < UNIT_STALE_S,
		      "units: a fresh report is not stale and its age_s is 0 or so: %s", desc(&R));
		check(json_equal(json_object_get(e, "buses"), json_object_get(sent, "buses")),
		      "units: the buses come back as reported: %s", desc(&R));
	}
	check_unit_metrics(1, "metrics after a report");

	/* Bad reports: 400 naming the field, and the last good report stays. */
	static const struct {
		const char *body, *code, *names;
	} bad[] = {
		{"{", "badjson", NULL},
		{"{}", "badjson", "\"buses\""},
		{"{\"buses\": {}}", "badjson", "\"buses\""},
		{"{\"buses\": [1]}", "badjson", "\"buses[0]\""},
		{"{\"buses\": [{\"bus\": 5, \"up\": true, \"units\": []}]}", "badjson", "buses[0].bus"},
		{"{\"buses\": [{\"bus\": \"\", \"up\": true, \"units\": []}]}", "inval", "buses[0].bus"},
		{"{\"buses\": [{\"bus\": \"l\", \"units\": []}]}", "badjson", "\"up\""},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": \"yes\", \"units\": []}]}", "badjson", "buses[0].up"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"cycle_ms\": \"fast\", \"units\": []}]}", "badjson",
		 "buses[0].cycle_ms"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"reopens\": -1, \"units\": []}]}", "inval",
		 "buses[0].reopens"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": 3}]}", "badjson", "buses[0].units"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": [{\"address\": 1, \"online\": true}]}]}",
		 "badjson", "\"counter\""},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": [{\"counter\": 0, \"address\": 1,"
		 " \"online\": true}]}]}", "inval", "buses[0].units[0].counter"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": [{\"counter\": 1, \"address\": 1,"
		 " \"online\": 1}]}]}", "badjson", "buses[0].units[0].online"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": [{\"counter\": 1, \"address\": 1,"
		 " \"online\": true, \"polls\": \"many\"}]}]}", "badjson", "buses[0].units[0].polls"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": [{\"counter\": 1, \"address\": 1,"
		 " \"online\": true}, {\"counter\": 2, \"address\": 1, \"online\": true}]}]}", "inval", "address 1"},
		{"{\"buses\": [{\"bus\": \"l\", \"up\": true, \"units\": []}, {\"bus\": \"l\", \"up\": false,"
		 " \"units\": []}]}", "inval", "buses[1]"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char what[300];
		snprintf(what, sizeof what, "a bad report %s", bad[i].body);
		api("PUT", gw, bad[i].body, "/api/v1/units/" UNIT_GW);
		if (expect_error(&R, 400, bad[i].code, what) && bad[i].names)
			check(strstr(jstr(R.json, "message"), bad[i].names) != NULL, "%s: the message should name %s: %s",
			      what, bad[i].names, desc(&R));
	}
	char *big = unit_report(17, 0);
	api("PUT", gw, big, "/api/v1/units/" UNIT_GW);
	expect_error(&R, 400, "inval", "a report of 17 buses");
	free(big);
	big = unit_report(1, 257);
	api("PUT", gw, big, "/api/v1/units/" UNIT_GW);
	expect_error(&R, 400, "inval", "a bus of 257 units");
	check(jstr(R.json, "message") && strstr(jstr(R.json, "message"), "buses[0].units"),
	      "a bus of 257 units: the message names buses[0].units: %s", desc(&R));
	free(big);
	e = units_entry(UNIT_GW, "GET /api/v1/units after the bad reports");
	check(e && json_equal(json_object_get(e, "buses"), json_object_get(sent, "buses")),
	      "units: bad reports changed nothing: %s", desc(&R));

	/* Names: 1 to 32 of A-Z a-z 0-9 _ . - */
	api("PUT", gw, UNIT_REPORT, "/api/v1/units/bad!name");
	expect_error(&R, 400, "inval", "a gateway named bad!name");
	api("PUT", gw, UNIT_REPORT, "/api/v1/units/%s", "g123456789012345678901234567890123");
	expect_error(&R, 400, "inval", "a gateway name of 33 characters");

	/* A large hall: 256 units on a bus is more than 16 KiB, which a gateway may send. */
	big = unit_report(1, 256);
	check(strlen(big) > 16 * 1024, "the 256-unit report is larger than 16 KiB (%zu bytes)", strlen(big));
	api("PUT", TK(R_KIOSK), big, "/api/v1/units/gw-big");
	expect_error(&R, 403, "forbidden", "a kiosk sends a 256-unit report");
	api("PUT", gw, big, "/api/v1/units/gw-big");
	expect_status(&R, 204, "a 256-unit report");
	e = units_entry("gw-big", "GET /api/v1/units with gw-big");
	check(e && json_array_size(json_object_get(json_array_get(json_object_get(e, "buses"), 0), "units")) == 256,
	      "units: gw-big has its 256 units");
	free(big);
	big = unit_report(2, 256);
	api("PUT", gw, big, "/api/v1/units/gw-big");
	expect_error(&R, 413, "toolarge", "a report over 64 KiB");
	free(big);
	api("DELETE", gw, NULL, "/api/v1/units/gw-big");
	expect_status(&R, 204, "DELETE /api/v1/units/gw-big");
	check(units_entry("gw-big", "GET /api/v1/units after the DELETE") == NULL, "units: gw-big is gone");
	api("DELETE", gw, NULL, "/api/v1/units/gw-big");
	expect_error(&R, 404, "nogateway", "DELETE a gateway that is gone");

	/* At most 16 gateways: fill up, one more is refused, forgetting one makes room. */
	api("GET", gw, NULL, "/api/v1/units");
	size_t have = json_array_size(json_object_get(R.json, "gateways"));
	char name[32];
	int filled = 0;
	for (size_t i = have; i < 16; i++) {
		snprintf(name, sizeof name, "gw-fill-%02zu", i);
		api("PUT", gw, "{\"buses\": []}", "/api/v1/units/%s", name);
		filled += R.status == 204;
	}
	check(filled == (int)(16 - have), "units: %d gateways reported to fill 16, want %zu", filled, 16 - have);
	api("PUT", gw, "{\"buses\": []}", "/api/v1/units/gw-seventeen");
	expect_error(&R, 409, "toomany", "a 17th gateway");
	for (size_t i = have; i < 16; i++) {
		snprintf(name, sizeof name, "gw-fill-%02zu", i);
		api("DELETE", TK(R_ADMIN), NULL, "/api/v1/units/%s", name);
		expect_status(&R, 204, "DELETE a filler gateway");
	}

	/* Who may (t_roles has every role; these are the refusals a gateway's neighbours meet),
	 * and the methods the paths take. */
	static const struct {
		const char *method, *path;
		enum role who;
		long status;
		const char *code;
	} refused[] = {
		{"PUT", "/api/v1/units/" UNIT_GW, R_COUNTER1, 403, "forbidden"},
		{"PUT", "/api/v1/units/" UNIT_GW, R_KIOSK, 403, "forbidden"},
		{"GET", "/api/v1/units", R_COUNTER1, 403, "forbidden"},
		{"GET", "/api/v1/units", R_KIOSK, 403, "forbidden"},
		{"POST", "/api/v1/units", R_GATEWAY, 405, "method"},
		{"GET", "/api/v1/units/" UNIT_GW, R_GATEWAY, 405, "method"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char what[128];
		snprintf(what, sizeof what, "%s %s by %s", refused[i].method, refused[i].path, roles[refused[i].who].role);
		api(refused[i].method, TK(refused[i].who), UNIT_REPORT, "%s", refused[i].path);
		expect_error(&R, refused[i].status, refused[i].code, what);
	}

	/* Silent for longer than --unit-stale: stale, and down in /metrics; counts stay. */
	nap_ms(UNIT_STALE_S * 1000 + 600);
	e = units_entry(UNIT_GW, "GET /api/v1/units of a silent gateway");
	check(e && json_is_true(json_object_get(e, "stale")) && jint_or(e, "age_s", -1) >= UNIT_STALE_S,
	      "units: a gateway silent for %d s is stale: %s", UNIT_STALE_S + 1, desc(&R));
	check_unit_metrics(0, "metrics of a stale gateway");
	api("PUT", gw, UNIT_REPORT, "/api/v1/units/" UNIT_GW);
	expect_status(&R, 204, "the gateway reports again");
	e = units_entry(UNIT_GW, "GET /api/v1/units after the new report");
	check(e && json_is_false(json_object_get(e, "stale")), "units: a new report is fresh again: %s", desc(&R));
	check_unit_metrics(1, "metrics after the gateway is back");

	/* A report replaces the last one. */
	api("PUT", gw, "{\"buses\": [" UNIT_BUS1 "]}", "/api/v1/units/" UNIT_GW);
	expect_status(&R, 204, "a report with one bus");
	e = units_entry(UNIT_GW, "GET /api/v1/units after one bus");
	check(e && json_array_size(json_object_get(e, "buses")) == 1, "units: the new report replaced the old: %s",
	      desc(&R));
	api("GET", TK(R_MANAGER), NULL, "/metrics");
	check(R.body && !strstr(R.body, "bus=\"li\\\"ne"), "metrics: the bus no longer reported is gone");
	json_decref(sent);
}

/* ---- kiosks' printer health, as the kiosks report them ------------------------------------------------ */

#define KIOSK1 "kiosk-t1"
#define KIOSK_PAPER_OUT "{\"printer\": \"paper_out\", \"detail\": \"paper out\", \"unprinted\": 1, \"issued\": 5," \
	" \"printed\": 4, \"server_ok\": true}"
#define KIOSK_OK "{\"printer\": \"ok\", \"unprinted\": 0, \"issued\": 7, \"printed\": 7}"

/* The kiosk's entry in GET /api/v1/kiosks (a reference into R.json), or NULL. */
static json_t *kiosks_entry(const char *name, const char *what)
{
	api("GET", TK(R_DISPLAY), NULL, "/api/v1/kiosks");
	if (!expect_status(&R, 200, what))
		return NULL;
	check(json_is_array(json_object_get(R.json, "kiosks")), "%s: want {\"kiosks\": [...]}, got %s", what,
	      desc(&R));
	return find_by(json_object_get(R.json, "kiosks"), "name", name);
}

/* /metrics has the kiosk families of docs/api.md for KIOSK1 reporting KIOSK_PAPER_OUT; `up` 0
 * once it is stale. */
static void check_kiosk_metrics(int up, const char *what)
{
	static const char *const states[] = {"ok", "near_end", "paper_out", "cover_open", "error", "offline",
					     "none"};
	char want[32][200];
	int n = 0;

#define L(...) snprintf(want[n++], sizeof want[0], __VA_ARGS__)
	L("# TYPE hallq_kiosk_up gauge");
	L("hallq_kiosk_up{kiosk=\"" KIOSK1 "\"} %d", up);
	L("# TYPE hallq_kiosk_printer_ready gauge");
	L("hallq_kiosk_printer_ready{kiosk=\"" KIOSK1 "\"} 0");
	L("# TYPE hallq_kiosk_printer_state gauge");
	for (size_t i = 0; i < sizeof states / sizeof *states; i++)
		L("hallq_kiosk_printer_state{kiosk=\"" KIOSK1 "\",state=\"%s\"} %d", states[i],
		  strcmp(states[i], "paper_out") == 0);
	L("# TYPE hallq_kiosk_unprinted_tickets gauge");
	L("hallq_kiosk_unprinted_tickets{kiosk=\"" KIOSK1 "\"} 1");
	L("# TYPE hallq_kiosk_tickets_issued_total counter");
	L("hallq_kiosk_tickets_issued_total{kiosk=\"" KIOSK1 "\"} 5");
	L("# TYPE hallq_kiosk_tickets_printed_total counter");
	L("hallq_kiosk_tickets_printed_total{kiosk=\"" KIOSK1 "\"} 4");
#undef L
	api("GET", TK(R_MANAGER), NULL, "/metrics");
	if (!expect_status(&R, 200, what))
		return;
	for (int i = 0; i < n; i++)
		check(metrics_line(want[i]), "%s: /metrics should have the line: %s", what, want[i]);
	check(R.body && strstr(R.body, "# HELP hallq_kiosk_printer_state ") != NULL, "%s: HELP of the kiosk families",
	      what);
}

/* hallqd's log has a line ending with `tail`; with `whole`, the line is the time stamp,
 * "hallqd: " and `tail`. */
static bool log_has(const char *tail, bool whole)
{
	char *t = read_file(S1.log);
	size_t n = strlen(tail);
	bool found = false;

	for (char *p = t; !found && (p = strstr(p, tail)); p++)
		found = p[n] == '\n' && (!whole || (p > t + 13 && (strncmp(p - 13, "hallqd info: ", 13) == 0 ||
								  strncmp(p - 13, "hallqd warn: ", 13) == 0)));
	free(t);
	return found;
}

#define log_has_line(line) log_has(line, true)

static void t_kiosks(void)
{
	const char *k = TK(R_KIOSK);
	json_t *e;

	api("PUT", k, KIOSK_OK, "/api/v1/kiosks/" KIOSK1);
	expect_status(&R, 204, "PUT /api/v1/kiosks/{name}");
	check(R.len == 0, "PUT /api/v1/kiosks 204 has no body: %s", desc(&R));
	check(log_has_line("kiosk " KIOSK1 ": printer ok"), "kiosks: the first report is logged: "
	      "\"kiosk " KIOSK1 ": printer ok\"");
	api("PUT", k, KIOSK_PAPER_OUT, "/api/v1/kiosks/" KIOSK1);
	expect_status(&R, 204, "PUT a paper-out report");
	check(log_has_line("kiosk " KIOSK1 ": printer paper_out (paper out) — 1 ticket unprinted"),
	      "kiosks: the log says \"kiosk " KIOSK1 ": printer paper_out (paper out) — 1 ticket unprinted\"");
	e = kiosks_entry(KIOSK1, "GET /api/v1/kiosks");
	json_t *want = json_pack("{s:s, s:b, s:i, s:s, s:s, s:i, s:i, s:i}", "name", KIOSK1, "up", 1, "age_s", 0,
				 "printer", "paper_out", "detail", "paper out", "unprinted", 1, "issued", 5, "printed", 4);
	const char *key;
	json_t *v;
	bool same = e != NULL;
	json_object_foreach(want, key, v)
		same &= json_equal(json_object_get(e, key), v);
	check(same, "GET /api/v1/kiosks: want %s, got %s", "{\"name\": \"" KIOSK1 "\", \"up\": true, \"age_s\": 0, "
	      "\"printer\": \"paper_out\", \"detail\": \"paper out\", \"unprinted\": 1, \"issued\": 5, \"printed\": 4}",
	      desc(&R));
	json_decref(want);
	check_kiosk_metrics(1, "metrics after a paper-out report");

	/* The same state again is not news; a detail alone changing is not either. */
	char *log_before = read_file(S1.log);
	size_t lines_before = 0;
	for (char *p = log_before; (p = strstr(p, "kiosk " KIOSK1 ": ")); p++)
		lines_before++;
	free(log_before);

	/* Bad reports: 400 naming the field, and the last good report stays. */
	static const struct {
		const char *body, *code, *names;
	} bad[] = {
		{NULL, "badjson", "\"printer\""},
		{"{", "badjson", NULL},
		{"[]", "badjson", NULL},
		{"{\"unprinted\": 0, \"issued\": 0, \"printed\": 0}", "badjson", "\"printer\""},
		{"{\"printer\": 1, \"unprinted\": 0, \"issued\": 0, \"printed\": 0}", "badjson", "\"printer\""},
		{"{\"printer\": \"jam\", \"unprinted\": 0, \"issued\": 0, \"printed\": 0}", "inval", "\"printer\""},
		{"{\"printer\": \"OK\", \"unprinted\": 0, \"issued\": 0, \"printed\": 0}", "inval", "\"printer\""},
		{"{\"printer\": \"ok\", \"issued\": 0, \"printed\": 0}", "badjson", "\"unprinted\""},
		{"{\"printer\": \"ok\", \"unprinted\": -1, \"issued\": 0, \"printed\": 0}", "inval", "\"unprinted\""},
		{"{\"printer\": \"ok\", \"unprinted\": 0, \"issued\": \"5\", \"printed\": 0}", "badjson", "\"issued\""},
		{"{\"printer\": \"ok\", \"unprinted\": 0, \"issued\": 1.5, \"printed\": 0}", "badjson", "\"issued\""},
		{"{\"printer\": \"ok\", \"unprinted\": 0, \"issued\": 0}", "badjson", "\"printed\""},
		{"{\"printer\": \"ok\", \"unprinted\": 0, \"issued\": 0, \"printed\": 9007199254740992}", "inval",
		 "\"printed\""},
		{"{\"printer\": \"ok\", \"detail\": 5, \"unprinted\": 0, \"issued\": 0, \"printed\": 0}", "badjson",
		 "\"detail\""},
		{"{\"printer\": \"ok\", \"detail\": \"a\\nb\", \"unprinted\": 0, \"issued\": 0, \"printed\": 0}", "inval",
		 "\"detail\""},
		{"{\"printer\": \"ok\", \"unprinted\": 0, \"issued\": 0, \"printed\": 0, \"server_ok\": \"yes\"}",
		 "badjson", "\"server_ok\""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char what[300];
		snprintf(what, sizeof what, "a bad kiosk report %s", bad[i].body ? bad[i].body : "(no body)");
		api("PUT", k, bad[i].body, "/api/v1/kiosks/" KIOSK1);
		if (expect_error(&R, 400, bad[i].code, what) && bad[i].names)
			check(strstr(jstr(R.json, "message"), bad[i].names) != NULL, "%s: the message should name %s: %s",
			      what, bad[i].names, desc(&R));
	}
	char detail[400];
	snprintf(detail, sizeof detail, "{\"printer\": \"error\", \"detail\": \"%0201d\", \"unprinted\": 0,"
		 " \"issued\": 0, \"printed\": 0}", 0);
	api("PUT", k, detail, "/api/v1/kiosks/" KIOSK1);
	expect_error(&R, 400, "inval", "a detail of 201 bytes");
	check(jstr(R.json, "message") && strstr(jstr(R.json, "message"), "\"detail\""),
	      "a detail of 201 bytes: the message names \"detail\": %s", desc(&R));
	e = kiosks_entry(KIOSK1, "GET /api/v1/kiosks after the bad reports");
	check(e && jstr_is(e, "printer", "paper_out") && jint_or(e, "issued", -1) == 5,
	      "kiosks: bad reports changed nothing: %s", desc(&R));
	char *log_after = read_file(S1.log);
	size_t lines_after = 0;
	for (char *p = log_after; (p = strstr(p, "kiosk " KIOSK1 ": ")); p++)
		lines_after++;
	free(log_after);
	check(lines_after == lines_before, "kiosks: refused reports are not logged as printer changes");

	/* A detail of 200 bytes is fine; unprinted counts in the plural; near_end is ready. */
	snprintf(detail, sizeof detail, "{\"printer\": \"near_end\", \"detail\": \"%0200d\", \"unprinted\": 3,"
		 " \"issued\": 9, \"printed\": 6}", 0);
	api("PUT", k, detail, "/api/v1/kiosks/kiosk-t2");
	expect_status(&R, 204, "a detail of 200 bytes");
	check(log_has("— 3 tickets unprinted", false), "kiosks: the log counts 3 tickets unprinted");
	api("GET", TK(R_MANAGER), NULL, "/metrics");
	check(metrics_line("hallq_kiosk_printer_ready{kiosk=\"kiosk-t2\"} 1") &&
	      metrics_line("hallq_kiosk_printer_state{kiosk=\"kiosk-t2\",state=\"near_end\"} 1"),
	      "metrics: a printer near its paper's end is ready, in state near_end");
	e = kiosks_entry("kiosk-t2", "GET /api/v1/kiosks with kiosk-t2");
	check(e && jstr(e, "detail") && strlen(jstr(e, "detail")) == 200 && json_is_true(json_object_get(e, "server_ok")),
	      "kiosks: kiosk-t2 keeps its 200-byte detail, server_ok true by default: %s", desc(&R));
	api("PUT", k, "{\"printer\": \"none\", \"unprinted\": 0, \"issued\": 0, \"printed\": 0, \"server_ok\": false}",
	    "/api/v1/kiosks/kiosk-t2");
	expect_status(&R, 204, "a kiosk without a printer");
	e = kiosks_entry("kiosk-t2", "GET /api/v1/kiosks with kiosk-t2 printerless");
	check(e && jstr_is(e, "printer", "none") && jstr_is(e, "detail", "") &&
	      json_is_false(json_object_get(e, "server_ok")),
	      "kiosks: a new report replaces the last one whole: %s", desc(&R));
	check(log_has_line("kiosk kiosk-t2: printer none"), "kiosks: the log says kiosk-t2's printer is none");
	api("GET", TK(R_MANAGER), NULL, "/metrics");
	check(metrics_line("hallq_kiosk_printer_ready{kiosk=\"kiosk-t2\"} 0"), "metrics: no printer is not ready");

	/* Names: 1 to 32 of A-Z a-z 0-9 _ . - */
	api("PUT", k, KIOSK_OK, "/api/v1/kiosks/bad!name");
	expect_error(&R, 400, "inval", "a kiosk named bad!name");
	api("PUT", k, KIOSK_OK, "/api/v1/kiosks/%s", "k12345678901234567890123456789012");
	expect_error(&R, 400, "inval", "a kiosk name of 33 characters");
	api("PUT", k, KIOSK_OK, "/api/v1/kiosks/%s", "K.123456789_12345678901234567-01");
	expect_status(&R, 204, "a kiosk name of 32 characters");
	api("DELETE", TK(R_ADMIN), NULL, "/api/v1/kiosks/%s", "K.123456789_12345678901234567-01");
	expect_status(&R, 204, "DELETE the 32-character kiosk");
	check(log_has_line("kiosk K.123456789_12345678901234567-01: forgotten"), "kiosks: the log says a kiosk is forgotten");
	api("DELETE", k, NULL, "/api/v1/kiosks/kiosk-t2");
	expect_status(&R, 204, "DELETE /api/v1/kiosks/kiosk-t2");
	check(kiosks_entry("kiosk-t2", "GET /api/v1/kiosks after the DELETE") == NULL, "kiosks: kiosk-t2 is gone");
	api("GET", TK(R_MANAGER), NULL, "/metrics");
	check(R.body && !strstr(R.body, "kiosk=\"kiosk-t2\""), "metrics: a forgotten kiosk is gone");
	api("DELETE", k, NULL, "/api/v1/kiosks/kiosk-t2");
	expect_error(&R, 404, "nokiosk", "DELETE a kiosk that is gone");

	/* At most 32 kiosks: fill up, one more is refused, forgetting one makes room. */
	api("GET", k, NULL, "/api/v1/kiosks");
	size_t have = json_array_size(json_object_get(R.json, "kiosks"));
	char name[32];
	int filled = 0;
	for (size_t i = have; i < 32; i++) {
		snprintf(name, sizeof name, "kiosk-fill-%02zu", i);
		api("PUT", k, KIOSK_OK, "/api/v1/kiosks/%s", name);
		filled += R.status == 204;
	}
	check(filled == (int)(32 - have), "kiosks: %d kiosks reported to fill 32, want %zu", filled, 32 - have);
	api("PUT", k, KIOSK_OK, "/api/v1/kiosks/kiosk-33");
	expect_error(&R, 409, "toomany", "a 33rd kiosk");
	for (size_t i = have; i < 32; i++) {
		snprintf(name, sizeof name, "kiosk-fill-%02zu", i);
		api("DELETE", TK(R_ADMIN), NULL, "/api/v1/kiosks/%s", name);
		expect_status(&R, 204, "DELETE a filler kiosk");
	}
	api("PUT", k, KIOSK_OK, "/api/v1/kiosks/kiosk-33");
	expect_status(&R, 204, "a 33rd kiosk once there is room");
	api("DELETE", k, NULL, "/api/v1/kiosks/kiosk-33");
	expect_status(&R, 204, "DELETE kiosk-33");

	/* Methods the paths do not take (t_roles has every role). */
	api("POST", k, KIOSK_OK, "/api/v1/kiosks");
	expect_error(&R, 405, "method", "POST /api/v1/kiosks");
	api("GET", k, NULL, "/api/v1/kiosks/" KIOSK1);
	expect_error(&R, 405, "method", "GET /api/v1/kiosks/{name}");

	/* KIOSK1 reports last: t_kiosks_stale() looks at it once t_units has waited past the
	 * stale threshold. */
	api("PUT", k, KIOSK_PAPER_OUT, "/api/v1/kiosks/" KIOSK1);
	expect_status(&R, 204, "KIOSK1 reports paper out again");
}

/* Silent for longer than --kiosk-stale (t_units waited): down in the list and in /metrics,
 * the counts kept; the next report brings it back, and the log says so. */
static void t_kiosks_stale(void)
{
	json_t *e = kiosks_entry(KIOSK1, "GET /api/v1/kiosks of a silent kiosk");

	check(e && json_is_false(json_object_get(e, "up")) && jint_or(e, "age_s", -1) >= KIOSK_STALE_S &&
	      jstr_is(e, "printer", "paper_out") && jint_or(e, "unprinted", -1) == 1,
	      "kiosks: a kiosk silent for more than %d s is down, its last report kept: %s", KIOSK_STALE_S, desc(&R));
	check_kiosk_metrics(0, "metrics of a silent kiosk");
	api("PUT", TK(R_ADMIN), KIOSK_PAPER_OUT, "/api/v1/kiosks/" KIOSK1);
	expect_status(&R, 204, "an admin reports for the silent kiosk");
	e = kiosks_entry(KIOSK1, "GET /api/v1/kiosks after the new report");
	check(e && json_is_true(json_object_get(e, "up")), "kiosks: a new report is up again: %s", desc(&R));
	char *t = read_file(S1.log);
	char *p = strstr(t, "kiosk " KIOSK1 ": reporting again after ");
	check(p && strstr(p, "; printer paper_out (paper out) — 1 ticket unprinted\n") != NULL,
	      "kiosks: the log says \"kiosk " KIOSK1 ": reporting again after N s; printer paper_out (paper out) — "
	      "1 ticket unprinted\"");
	free(t);
	api("PUT", TK(R_KIOSK), KIOSK_OK, "/api/v1/kiosks/" KIOSK1);
	expect_status(&R, 204, "the kiosk's printer is back");
	check(log_has_line("kiosk " KIOSK1 ": printer ok"), "kiosks: the log says the printer is ok again");
	api("DELETE", TK(R_KIOSK), NULL, "/api/v1/kiosks/" KIOSK1);
	expect_status(&R, 204, "a kiosk forgets itself");
}

/* ---- the ticket status page: HTML for a browser, JSON for everyone else ------------------------------------ */

#define BROWSER_ACCEPT "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng," \
	"*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

static void t_status_page(void)
{
	char hdr[256], buf[256];
	struct tref t = issue("a", "issue a ticket for the status page");

	/* Which Accept headers get the page: a browser's, or text/html named with more weight than JSON. */
	static const struct {
		const char *accept;
		bool html;
	} cases[] = {
		{NULL, false},                                 /* curl's own Accept: any type */
		{"Accept:", false},                            /* no Accept header at all */
		{"Accept: */*", false},
		{"Accept: application/json", false},
		{"Accept: " BROWSER_ACCEPT, true},
		{"Accept: text/html", true},
		{"Accept: TEXT/HTML; charset=utf-8", true},
		{"Accept: text/*", false},
		{"Accept: application/json, text/html", false},
		{"Accept: text/html;q=0.5, application/json", false},
		{"Accept: application/json;q=0.5, text/html", true},
		{"Accept: text/html;q=0, */*", false},
		{"Accept: text/html, */*;q=0.1", true},
		{"Accept: text/html;q=0.9, application/*;q=0.9", true},
		{"Accept: application/*, text/html;q=0.8", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *const hs[] = {cases[i].accept, NULL};
		char what[200];
		snprintf(what, sizeof what, "GET /tickets/{id} with %s", cases[i].accept ? cases[i].accept : "curl's Accept");
		api_h("GET", NULL, NULL, cases[i].accept ? hs : NULL, "/api/v1/tickets/%lld", (long long)t.id);
		if (!expect_status(&R, 200, what))
			continue;
		if (cases[i].html) {
			expect_ctype(&R, "text/html; charset=utf-8", what);
			check(R.body && strncmp(R.body, "<!DOCTYPE html>", 15) == 0 && strstr(R.body, "id=\"label\"") &&
			      strstr(R.body, "</html>"), "%s: the body is the status page: %.80s", what, R.body ? R.body : "");
		} else {
			expect_ctype(&R, "application/json", what);
			check(jstr_is(R.json, "label", t.label), "%s: the ticket as JSON: %s", what, desc(&R));
		}
		hdr[0] = '\0';
		thttp_header(&R, "Vary", hdr, sizeof hdr);
		check(strcmp(hdr, "Accept") == 0, "%s: Vary: Accept, got '%s'", what, hdr);
	}
	const char *const browser[] = {"Accept: " BROWSER_ACCEPT, NULL};
	api_h("GET", NULL, NULL, browser, "/api/v1/tickets/%lld", (long long)t.id);
	buf[0] = '\0';
	thttp_header(&R, "Content-Security-Policy", buf, sizeof buf);
	/* The pages' policy (server.h, HQD_PAGE_CSP) since the page's script became a file of
	 * /web/: this server only, no inline script, no frame. */
	check(strstr(buf, "default-src 'self'") && !strstr(buf, "script-src") && !strstr(buf, "*") &&
	      !strstr(buf, "http") && strstr(buf, "frame-ancestors 'none'"),
	      "the status page: a Content-Security-Policy that allows nothing from elsewhere, got '%s'", buf);
	check(R.body && !strstr(R.body, "http://") && !strstr(R.body, "https://") && !strstr(R.body, "//cdn"),
	      "the status page loads nothing from elsewhere (no http:// or https:// in it)");
	size_t page_len = R.len;
	/* An unknown ticket: the page with 404 (it says so itself), or the JSON error. */
	api_h("GET", NULL, NULL, browser, "/api/v1/tickets/999999");
	expect_status(&R, 404, "the status page of an unknown ticket");
	expect_ctype(&R, "text/html", "the status page of an unknown ticket");
	check(R.len == page_len, "the status page of an unknown ticket is the same page (%zu bytes, want %zu)", R.len,
	      page_len);
	api("GET", NULL, NULL, "/api/v1/tickets/999999");
	expect_error(&R, 404, "noticket", "the JSON of an unknown ticket");
	/* The page is for reading: other methods and the cancel route stay as they were. */
	api_h("POST", TK(R_KIOSK), NULL, browser, "/api/v1/tickets/%lld/cancel", (long long)999999);
	expect_error(&R, 404, "noticket", "cancel with a browser's Accept is still JSON");

	/* The page's script, live updates and review run in a real browser in the browser
	 * suite (tests/web/ticket.test.mjs). */
}

/* ---- public_url and [kiosk], from a reloaded config ------------------------------------------------------ */

#define PUBLIC_URL "https://hall.example.cn:8443/yunxi"

static void t_public_url(void)
{
	char want[200];

	write_file(S1.ini, hall_ini(HALL_NAME, "public_url = " PUBLIC_URL,
				    "[kiosk]\non_printer_fault = refuse\nconfirm_seconds = 30\npriority = no\n"
				    "appointments = no\nfooter = 过号请重新取号\n"), 0644);
	kill(S1.pid, SIGHUP);
	json_t *want_kiosk = json_pack("{s:s, s:i, s:b, s:b, s:s}", "on_printer_fault", "refuse", "confirm_seconds", 30,
				       "priority", 0, "appointments", 0, "footer", "过号请重新取号");
	json_t *h = NULL;
	for (int64_t end = mono_ms() + 5000; mono_ms() < end; nap_ms(50)) {
		json_decref(h);
		h = get_hall();
		if (json_equal(json_object_get(h, "kiosk"), want_kiosk))
			break;
	}
	check(json_equal(json_object_get(h, "kiosk"), want_kiosk), "SIGHUP with a [kiosk] section: the hall's kiosk is %s",
	      "{\"on_printer_fault\": \"refuse\", \"confirm_seconds\": 30, \"priority\": false, "
	      "\"appointments\": false, \"footer\": \"过号请重新取号\"}");
	json_decref(h);
	json_decref(want_kiosk);
	check_client_hall(true, 30, false, false, "过号请重新取号", "the client, after a reload with [kiosk]");

	struct tref t = issue("a", "issue with public_url set");
	snprintf(want, sizeof want, PUBLIC_URL "/api/v1/tickets/%lld", (long long)t.id);
	check(jstr(R.json, "status_url") && strncmp(jstr(R.json, "status_url"), want, strlen(want)) == 0 &&
	      strncmp(jstr(R.json, "status_url") + strlen(want), "?key=", 5) == 0,
	      "public_url: status_url should be %s?key=..., got %s", want,
	      jstr(R.json, "status_url") ? jstr(R.json, "status_url") : "null");
	const char *const host[] = {"Host: kiosk.local:9999", NULL};
	api_h("GET", NULL, NULL, host, "/api/v1/tickets/%lld", (long long)t.id);
	check(jstr_is(R.json, "status_url", want), "public_url: the Host header no longer matters, got %s", desc(&R));

	/* Back to the test hall: status URLs from the Host header again. */
	write_file(S1.ini, hall_ini(HALL_NAME, NULL, NULL), 0644);
	kill(S1.pid, SIGHUP);
	snprintf(want, sizeof want, "%s/api/v1/tickets/%lld", cur->base, (long long)t.id);
	for (int64_t end = mono_ms() + 5000; mono_ms() < end; nap_ms(50))
		if (api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)t.id) == 200 &&
		    jstr_is(R.json, "status_url", want))
			break;
	check(jstr_is(R.json, "status_url", want), "without public_url: status_url %s, got %s", want, desc(&R));
	api_h("GET", NULL, NULL, host, "/api/v1/tickets/%lld", (long long)t.id);
	check(jstr_is(R.json, "status_url", "http://kiosk.local:9999/api/v1/tickets/") ||
	      (jstr(R.json, "status_url") && strncmp(jstr(R.json, "status_url"), "http://kiosk.local:9999/api/v1/tickets/",
						     39) == 0),
	      "without public_url: status_url follows the Host header, got %s", desc(&R));
}

/* ---- 3. the role matrix ------------------------------------------------------------------------------ */

#define BIT(r) (1u << (r))
#define ALL_ROLES ((1u << R_COUNT) - 1)

static void t_roles(void)
{
	char book[128], checkin[64], status_path[64];
	struct tref t = issue("a", "issue for the role matrix");

	snprintf(book, sizeof book, "{\"service\": \"a\", \"slot\": \"%s\"}", role_slot);
	snprintf(checkin, sizeof checkin, "/api/v1/appointments/%s/check-in", unknown_code());
	snprintf(status_path, sizeof status_path, "/api/v1/tickets/%lld", (long long)t.id);
	const struct {
		const char *name, *method, *path, *body;
		unsigned allowed;
		bool stream;
	} ops[] = {
		{"read hall", "GET", "/api/v1/hall", NULL, ALL_ROLES, false},
		{"read ticket", "GET", status_path, NULL, ALL_ROLES, false},
		{"issue", "POST", "/api/v1/tickets", "{\"service\": \"b\"}", BIT(R_KIOSK) | BIT(R_ADMIN), false},
		{"cancel", "POST", "/api/v1/tickets/999999/cancel", NULL, BIT(R_KIOSK) | BIT(R_ADMIN), false},
		{"check-in", "POST", checkin, NULL, BIT(R_KIOSK) | BIT(R_ADMIN), false},
		{"book", "POST", "/api/v1/appointments", book, BIT(R_BOOKING) | BIT(R_ADMIN), false},
		{"counter 1 op", "POST", "/api/v1/counters/1/call-next", NULL,
		 BIT(R_COUNTER1) | BIT(R_GATEWAY) | BIT(R_ADMIN), false},
		{"counter 2 op", "POST", "/api/v1/counters/2/sign-out", NULL,
		 BIT(R_COUNTER2) | BIT(R_GATEWAY) | BIT(R_ADMIN), false},
		{"stats", "GET", "/api/v1/stats", NULL, BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"appraisal", "GET", "/api/v1/reports/appraisal?month=2026-11", NULL,
		 BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"clerks", "GET", "/api/v1/clerks", NULL, BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"metrics", "GET", "/metrics", NULL, BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"events", "GET", "/api/v1/events", NULL, ALL_ROLES & ~BIT(R_BOOKING), true},
		{"units read", "GET", "/api/v1/units", NULL,
		 BIT(R_MANAGER) | BIT(R_DISPLAY) | BIT(R_GATEWAY) | BIT(R_ADMIN), false},
		{"units report", "PUT", "/api/v1/units/roles-gw", "{\"buses\": []}", BIT(R_GATEWAY) | BIT(R_ADMIN), false},
		{"units forget", "DELETE", "/api/v1/units/roles-gw", NULL, BIT(R_GATEWAY) | BIT(R_ADMIN), false},
		{"kiosks read", "GET", "/api/v1/kiosks", NULL,
		 BIT(R_KIOSK) | BIT(R_DISPLAY) | BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"kiosks report", "PUT", "/api/v1/kiosks/roles-kiosk", KIOSK_OK, BIT(R_KIOSK) | BIT(R_ADMIN), false},
		{"kiosks forget", "DELETE", "/api/v1/kiosks/roles-kiosk", NULL, BIT(R_KIOSK) | BIT(R_ADMIN), false},
		/* 好差评: nobody rates their own work (no counter, no gateway but by /evaluate). */
		{"review", "POST", "/api/v1/tickets/999999/review", "{\"level\": 5}",
		 BIT(R_REVIEW) | BIT(R_KIOSK) | BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"read review", "GET", "/api/v1/tickets/999999/review", NULL,
		 BIT(R_REVIEW) | BIT(R_KIOSK) | BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"evaluate", "POST", "/api/v1/counters/2/evaluate", "{\"level\": 9}", BIT(R_GATEWAY) | BIT(R_ADMIN), false},
		{"rate", "POST", "/api/v1/counters/2/rate", "{\"score\": 9}", BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"reviews", "GET", "/api/v1/reviews", NULL, BIT(R_REVIEW) | BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"cases", "GET", "/api/v1/cases", NULL, BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"case", "GET", "/api/v1/cases/999999", NULL, BIT(R_MANAGER) | BIT(R_ADMIN), false},
		{"case step", "POST", "/api/v1/cases/999999/verify", "{\"who\": \"x\"}",
		 BIT(R_MANAGER) | BIT(R_ADMIN), false},
	};
	char url[512];

	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		snprintf(url, sizeof url, "%s%s", cur->base, ops[i].path);
		for (int r = -1; r < R_COUNT; r++) {
			const char *tok = r < 0 ? NULL : roles[r].token;
			const char *who = r < 0 ? "no token" : roles[r].role;
			thttp_request(H, ops[i].method, url, tok, ops[i].body, NULL,
				      ops[i].stream ? THTTP_HEAD_ONLY : 0, REQ_TIMEOUT_MS, &R);
			long s = R.status;
			if (r < 0 && strcmp(ops[i].name, "read ticket") == 0)
				check(s == 200, "roles: %s by %s: want 200 (no token needed), got %s", ops[i].name,
				      who, desc(&R));
			else if (r < 0)
				check(s == 401, "roles: %s by %s: want 401, got %s", ops[i].name, who, desc(&R));
			else if (ops[i].allowed & BIT(r))
				check(s >= 200 && s < 500 && s != 401 && s != 403 &&
				      !(s >= 300 && s < 400),
				      "roles: %s by %s: want 2xx or a 4xx other than 401/403, got %s", ops[i].name,
				      who, desc(&R));
			else
				check(s == 403 && (ops[i].stream || jstr_is(R.json, "error", "forbidden")),
				      "roles: %s by %s: want 403 forbidden, got %s", ops[i].name, who, desc(&R));
		}
	}
	snprintf(url, sizeof url, "%s/api/v1/events", cur->base);
	thttp_request(H, "GET", url, TK(R_DISPLAY), NULL, NULL, THTTP_HEAD_ONLY, REQ_TIMEOUT_MS, &R);
	expect_ctype(&R, "text/event-stream", "GET /api/v1/events");
}

/* ---- 4. idempotency -------------------------------------------------------------------------------- */

static void t_idempotency(void)
{
	char hdr[64], key_line[128];
	snprintf(key_line, sizeof key_line, "Idempotency-Key: %08lx-ticket-%d", (unsigned long)time(NULL), getpid());
	const char *const headers[] = {key_line, NULL};

	json_int_t before = issued_today("b");
	check(before >= 0, "hall: service b has issued_today");
	api_h("POST", TK(R_KIOSK), "{\"service\": \"b\"}", headers, "/api/v1/tickets");
	expect_ticket(201, "issue with an Idempotency-Key", NULL, "waiting", "b");
	struct tref t1 = tref_of();
	char loc1[512] = "", loc2[512] = "";
	thttp_header(&R, "Location", loc1, sizeof loc1);
	check(!thttp_header(&R, "Idempotent-Replayed", hdr, sizeof hdr) || strcmp(hdr, "true") != 0,
	      "the first request is not a replay");
	api_h("POST", TK(R_KIOSK), "{\"service\": \"b\"}", headers, "/api/v1/tickets");
	expect_ticket(201, "the same request again", t1.label, NULL, "b");
	check(jint_or(R.json, "id", -1) == t1.id, "replay: the same ticket id %lld: %s", (long long)t1.id, desc(&R));
	check(thttp_header(&R, "Idempotent-Replayed", hdr, sizeof hdr) && strcmp(hdr, "true") == 0,
	      "replay: header Idempotent-Replayed: true");
	thttp_header(&R, "Location", loc2, sizeof loc2);
	check(loc1[0] && strcmp(loc1, loc2) == 0, "replay: the stored response's Location '%s', got '%s'", loc1,
	      loc2);
	json_int_t after = issued_today("b");
	check(after == before + 1, "replay: issued_today rose by one: %lld -> %lld", (long long)before,
	      (long long)after);

	/* A counter's retried call-next calls once. */
	char ckey[128];
	snprintf(ckey, sizeof ckey, "Idempotency-Key: unit2-seq-%d", getpid());
	const char *const ch[] = {ckey, NULL};
	api_h("POST", TK(R_COUNTER2), NULL, ch, "/api/v1/counters/2/call-next");
	expect_ticket(200, "call-next with a key", NULL, "called", "b");
	struct tref c1 = tref_of();
	api_h("POST", TK(R_COUNTER2), NULL, ch, "/api/v1/counters/2/call-next");
	expect_status(&R, 200, "call-next replayed");
	check(jint_or(R.json, "id", -1) == c1.id && thttp_header(&R, "Idempotent-Replayed", hdr, sizeof hdr),
	      "call-next replay gives the same ticket, marked replayed: %s", desc(&R));
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)c1.id);
	check(jstr_is(R.json, "state", "called") && jint_or(R.json, "recalls", -1) == 0,
	      "call-next replay: the ticket is still called once: %s", desc(&R));
}

/* ---- 5. the event stream ------------------------------------------------------------------------------ */

static struct sse *sub_open(const char *query, const char *last_id, const char *what)
{
	char url[256];
	snprintf(url, sizeof url, "%s/api/v1/events%s", cur->base, query ? query : "");
	struct sse *s = sse_start(url, TK(R_DISPLAY), last_id);
	long st = s ? sse_wait_open(s, 5000) : 0;
	check(st == 200, "%s: the stream should open with 200, got %ld", what, st);
	return s;
}

/* The subscriber's events must be exactly the CLI's events after `since`, in order. */
static int64_t compare_with_cli(struct sse *s, int64_t since, const char *what)
{
	int64_t last = last_event_id();
	check(last >= 0 && sse_wait_id(s, last, 10000), "%s: event %lld should arrive", what, (long long)last);
	struct sse_event *ev;
	struct cli_ev *ce;
	size_t n = sse_events(s, &ev);
	long cn = cli_events(cur, since, &ce);
	check(cn >= 0, "%s: hallq events failed", what);

	size_t bad_order = 0, bad_data = 0, mismatch = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && ev[i].id <= ev[i - 1].id)
			bad_order++;
		if (!ev[i].data_ok || !ev[i].data_complete || ev[i].data_id != ev[i].id ||
		    strcmp(ev[i].data_type, ev[i].type) != 0)
			bad_data++;
	}
	for (size_t i = 0; i < n && i < (size_t)(cn > 0 ? cn : 0); i++)
		if (ev[i].id != ce[i].id || strcmp(ev[i].type, ce[i].type) != 0)
			mismatch++;
	check(bad_order == 0, "%s: ids strictly increasing (%zu out of order)", what, bad_order);
	check(bad_data == 0, "%s: data is the event's JSON with every field, its id and type (%zu bad)", what,
	      bad_data);
	check(cn >= 0 && (size_t)cn == n && mismatch == 0,
	      "%s: the stream has %zu events, the database %ld after %lld; %zu differ (first stream id %lld)", what,
	      n, cn, (long long)since, mismatch, n ? (long long)ev[0].id : -1LL);
	check(n == 0 || ev[0].id > since, "%s: nothing at or before %lld", what, (long long)since);
	check(sse_bad_lines(s) == 0, "%s: %d lines the SSE parser did not understand", what, sse_bad_lines(s));
	int64_t seen = n ? ev[n - 1].id : since;
	free(ev);
	free(ce);
	return seen;
}

static struct sse *first_sub; /* subscribed with ?since=0 before anything happened */

static void t_events(void)
{
	char last_s[32];

	int64_t seen = compare_with_cli(first_sub, 0, "stream since 0");
	struct sse_event *ev;
	size_t n = sse_events(first_sub, &ev);
	bool issued = false, called = false, booked = false, checked_in = false, rated = false, cased = false;
	for (size_t i = 0; i < n; i++) {
		issued |= strcmp(ev[i].type, "issued") == 0 && ev[i].ticket_id > 0 && ev[i].label[0];
		called |= strcmp(ev[i].type, "called") == 0;
		booked |= strcmp(ev[i].type, "booked") == 0;
		checked_in |= strcmp(ev[i].type, "checked_in") == 0;
		rated |= strcmp(ev[i].type, "reviewed") == 0;
		cased |= strcmp(ev[i].type, "case_opened") == 0 || strcmp(ev[i].type, "case_step") == 0;
	}
	free(ev);
	check(issued && called && booked && checked_in && rated && cased,
	      "stream: issued (with ticket_id, label), called, booked, checked_in, reviewed, case_opened "
	      "or case_step all seen");
	sse_free(first_sub);
	first_sub = NULL;

	/* Changes while nobody listens, then a reconnect with Last-Event-ID. */
	issue("b", "issue while disconnected");
	issue("b", "issue while disconnected");
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/1/call-next");
	expect_status(&R, 200, "call while disconnected");
	snprintf(last_s, sizeof last_s, "%lld", (long long)seen);
	struct sse *s = sub_open(NULL, last_s, "reconnect with Last-Event-ID");
	int64_t mid = seen;
	seen = compare_with_cli(s, seen, "reconnect with Last-Event-ID");
	check(seen > mid, "reconnect: the missed events arrived");

	/* A change made with the CLI on the database reaches the subscriber. */
	char out[PATH_MAX + 16];
	snprintf(out, sizeof out, "%s/cli-issue.out", cur->dir);
	char *argv[] = {hallq_bin, "issue", "--db", cur->db, "b", NULL};
	if (check(run_cmd(argv, out) == 0, "hallq issue on the live database")) {
		char *text = read_file(out);
		text[strcspn(text, "\n")] = '\0';
		check(text[0] == 'B' && sse_wait_label(s, "issued", text, 2500),
		      "the CLI's ticket %s reaches the subscriber within 2.5 s", text);
		free(text);
	}
	sse_free(s);

	/* ?since=N replays from N. */
	int64_t half = seen / 2;
	char q[64];
	snprintf(q, sizeof q, "?since=%lld", (long long)half);
	s = sub_open(q, NULL, "?since=N");
	compare_with_cli(s, half, "?since=N");
	sse_free(s);

	/* Without since or Last-Event-ID the stream starts with the next change. */
	s = sub_open(NULL, NULL, "stream from now");
	int64_t before = last_event_id();
	struct tref t = issue("b", "issue for the live stream");
	check(sse_wait_label(s, "issued", t.label, 3000), "stream from now: %s arrives", t.label);
	n = sse_events(s, &ev);
	check(n >= 1 && ev[0].id > before && strcmp(ev[0].label, t.label) == 0,
	      "stream from now: the first event is the new one (id > %lld), got %lld %s", (long long)before,
	      n ? (long long)ev[0].id : -1LL, n ? ev[0].label : "");
	free(ev);
	sse_free(s);
}

/* ---- 6. concurrency, 7. crash ------------------------------------------------------------------------ */

struct worker {
	pthread_t th;
	struct server *srv;
	int counter;                /* 0: an issuing client */
	bool stop_on_error;         /* the crash test: stop when the server is gone */
	atomic_bool *stop;
	atomic_int *issued_total;
	int64_t *ids;
	char (*labels)[16];
	size_t n, cap;
	int bad;                    /* unexpected answers */
	char bad_desc[256];
	int finished_bad;
	atomic_bool done;
};

static void worker_add(struct worker *w, int64_t id, const char *label)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->ids = realloc(w->ids, w->cap * sizeof *w->ids);
		w->labels = realloc(w->labels, w->cap * sizeof *w->labels);
		if (!w->ids || !w->labels)
			abort();
	}
	w->ids[w->n] = id;
	snprintf(w->labels[w->n], sizeof w->labels[0], "%s", label ? label : "");
	w->n++;
}

static void *worker_main(void *ud)
{
	struct worker *w = ud;
	struct thttp_resp r = {0};
	char url[256], fin[256];
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	if (w->counter) {
		snprintf(url, sizeof url, "%s/api/v1/counters/%d/call-next", w->srv->base, w->counter);
		snprintf(fin, sizeof fin, "%s/api/v1/counters/%d/finish", w->srv->base, w->counter);
	} else {
		snprintf(url, sizeof url, "%s/api/v1/tickets", w->srv->base);
	}
	while (!atomic_load(w->stop)) {
		if (w->counter) {
			thttp_request(h, "POST", url, TK(R_ADMIN), NULL, NULL, 0, REQ_TIMEOUT_MS, &r);
			if (r.status == 200 && jint_or(r.json, "id", -1) > 0) {
				worker_add(w, jint_or(r.json, "id", -1), jstr(r.json, "label"));
				thttp_request(h, "POST", fin, TK(R_ADMIN), NULL, NULL, 0, REQ_TIMEOUT_MS, &r);
				if (r.status != 200)
					w->finished_bad++;
			} else if (r.status == 204) {
				nap_ms(2);
			} else if (!w->bad++) {
				desc_r(&r, w->bad_desc, sizeof w->bad_desc);
			}
			continue;
		}
		thttp_request(h, "POST", url, TK(R_KIOSK), "{\"service\": \"l\"}", NULL, 0, REQ_TIMEOUT_MS, &r);
		if (r.status == 201 && jint_or(r.json, "id", -1) > 0) {
			worker_add(w, jint_or(r.json, "id", -1), jstr(r.json, "label"));
			atomic_fetch_add(w->issued_total, 1);
			continue;
		}
		if (r.status == 0 && w->stop_on_error)
			break;
		if (!w->bad++)
			desc_r(&r, w->bad_desc, sizeof w->bad_desc);
	}
	thttp_resp_free(&r);
	curl_easy_cleanup(h);
	atomic_store(&w->done, true);
	return NULL;
}

static void workers_start(struct worker *w, int n, struct server *srv, int first_counter, bool stop_on_error,
			  atomic_bool *stop, atomic_int *total)
{
	for (int i = 0; i < n; i++) {
		w[i] = (struct worker){.srv = srv, .counter = first_counter ? first_counter + i : 0,
				       .stop_on_error = stop_on_error, .stop = stop, .issued_total = total};
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0)
			abort();
	}
}

static void workers_join(struct worker *w, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
}

static void workers_free(struct worker *w, int n)
{
	for (int i = 0; i < n; i++) {
		free(w[i].ids);
		free(w[i].labels);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The 201s the issuing clients got: no ticket id and no label came twice (one day, one
 * service: a label repeated, or an id handed out twice, means a ticket reported made was lost
 * and its number given again). */
static void check_issued_unique(struct worker *w, int n, const char *what)
{
	size_t total = 0, k = 0, dup_id = 0, dup_label = 0;
	for (int i = 0; i < n; i++)
		total += w[i].n;
	int64_t *ids = malloc((total ? total : 1) * sizeof *ids);
	char (*labels)[16] = malloc((total ? total : 1) * sizeof *labels);
	if (!ids || !labels)
		abort();
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < w[i].n; j++, k++) {
			ids[k] = w[i].ids[j];
			memcpy(labels[k], w[i].labels[j], sizeof labels[k]);
		}
	qsort(ids, total, sizeof *ids, cmp_i64);
	qsort(labels, total, sizeof *labels, cmp_label);
	for (size_t i = 1; i < total; i++) {
		dup_id += ids[i] == ids[i - 1];
		dup_label += strcmp(labels[i], labels[i - 1]) == 0;
	}
	check(dup_id == 0 && dup_label == 0, "%s: of %zu tickets answered 201, %zu ids and %zu labels came twice",
	      what, total, dup_id, dup_label);
	free(ids);
	free(labels);
}

#define ISSUERS 16

static void t_concurrency(void)
{
	struct worker iw[ISSUERS], cw[LOAD_COUNTERS];
	atomic_bool stop = false;
	atomic_int total = 0;
	char q[64];

	/* A subscriber follows the whole load: it must see every event once, in order. */
	int64_t before = last_event_id();
	snprintf(q, sizeof q, "?since=%lld", (long long)before);
	struct sse *s = sub_open(q, NULL, "a stream during the load");

	workers_start(iw, ISSUERS, cur, 0, false, &stop, &total);
	workers_start(cw, LOAD_COUNTERS, cur, LOAD_FIRST, false, &stop, &total);
	/* A few seconds of load, less if the day's numbers would run short. */
	int64_t end = mono_ms() + 3000;
	while (mono_ms() < end && atomic_load(&total) < 4000)
		nap_ms(20);
	atomic_store(&stop, true);
	workers_join(iw, ISSUERS);
	workers_join(cw, LOAD_COUNTERS);

	size_t issued = 0, called = 0;
	int bad = 0, fin_bad = 0;
	const char *bad_desc = "";
	for (int i = 0; i < ISSUERS; i++) {
		issued += iw[i].n;
		if (iw[i].bad && !bad)
			bad_desc = iw[i].bad_desc;
		bad += iw[i].bad;
	}
	check(bad == 0, "load: every issue answered 201; %d did not, the first: %s", bad, bad_desc);
	bad = 0;
	for (int i = 0; i < LOAD_COUNTERS; i++) {
		called += cw[i].n;
		if (cw[i].bad && !bad)
			bad_desc = cw[i].bad_desc;
		bad += cw[i].bad;
		fin_bad += cw[i].finished_bad;
	}
	check(bad == 0, "load: every call-next answered 200 or 204; %d did not, the first: %s", bad, bad_desc);
	check(fin_bad == 0, "load: every finish after a call answered 200; %d did not", fin_bad);
	check(issued > 0 && called > 0, "load: tickets were issued (%zu) and called (%zu)", issued, called);

	/* No ticket went to two counters, as the clients saw it. */
	int64_t *all = malloc((called ? called : 1) * sizeof *all);
	size_t k = 0, dup = 0;
	for (int i = 0; i < LOAD_COUNTERS && all; i++)
		for (size_t j = 0; j < cw[i].n; j++)
			all[k++] = cw[i].ids[j];
	if (all) {
		qsort(all, k, sizeof *all, cmp_i64);
		for (size_t i = 1; i < k; i++)
			dup += all[i] == all[i - 1];
	}
	free(all);
	check(dup == 0, "load: %zu tickets were handed to two counters", dup);

	int64_t after = compare_with_cli(s, before, "a stream during the load");
	sse_free(s);
	/* A late subscriber from before the load: more events than the server keeps in memory. */
	s = sub_open(q, NULL, "a stream resuming from before the load");
	compare_with_cli(s, before, "a stream resuming from before the load");
	sse_free(s);
	printf("hallqd: the load made %lld events, %zu tickets, %zu calls\n", (long long)(after - before), issued,
	       called);

	/* Every 201 is in the database with its label; the invariants hold. */
	sqlite3 *db = db_open(cur->db);
	int missing = 0;
	for (int i = 0; i < ISSUERS; i++)
		missing += db_missing(db, iw[i].ids, iw[i].labels, iw[i].n);
	check(missing == 0, "load: %d tickets answered 201 are not in the database", missing);
	check_issued_unique(iw, ISSUERS, "load");
	long long called_db = db_int(db, "SELECT COUNT(*) FROM tickets WHERE service = 'l' AND called_at <> 0");
	check(called_db == (long long)called, "load: %lld tickets of l were called in the database, %zu by the clients",
	      called_db, called);
	sqlite3_close(db);
	db_invariants(cur->db, "after the load");
	workers_free(iw, ISSUERS);
	workers_free(cw, LOAD_COUNTERS);
}

#define CRASH_ISSUERS 6

static void t_crash(void)
{
	struct server s2 = {0};
	struct worker w[CRASH_ISSUERS];
	atomic_bool stop = false;
	atomic_int total = 0;
	int status;

	if (!check(server_setup(&s2, "crash") && server_start(&s2), "crash: start a second hallqd"))
		return;
	workers_start(w, CRASH_ISSUERS, &s2, 0, true, &stop, &total);
	int64_t end = mono_ms() + 10000;
	while (mono_ms() < end && atomic_load(&total) < 60)
		nap_ms(5);
	check(atomic_load(&total) >= 60, "crash: 60 tickets issued before the kill (got %d)", atomic_load(&total));
	kill(s2.pid, SIGKILL);
	check(wait_exit(s2.pid, 5000, &status) && WIFSIGNALED(status), "crash: hallqd died of SIGKILL");
	s2.pid = 0;
	/* The clients stop at their first failed request; make sure they all do. */
	end = mono_ms() + 15000;
	while (mono_ms() < end) {
		bool busy = false;
		for (int i = 0; i < CRASH_ISSUERS; i++)
			busy |= !atomic_load(&w[i].done);
		if (!busy)
			break;
		nap_ms(20);
	}
	atomic_store(&stop, true);
	workers_join(w, CRASH_ISSUERS);

	struct server *saved = cur;
	cur = &s2;
	if (check(server_start(&s2), "crash: hallqd restarts on the same database")) {
		sqlite3 *db = db_open(s2.db);
		int missing = 0;
		size_t n = 0;
		for (int i = 0; i < CRASH_ISSUERS; i++) {
			missing += db_missing(db, w[i].ids, w[i].labels, w[i].n);
			n += w[i].n;
		}
		sqlite3_close(db);
		check(missing == 0, "crash: %d of %zu tickets answered 201 are lost", missing, n);
		check_issued_unique(w, CRASH_ISSUERS, "crash");
		/* Any issuer's first ticket: one that got no 201 before the kill has none. */
		for (int i = 0; i < CRASH_ISSUERS; i++) {
			if (!w[i].n)
				continue;
			api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)w[i].ids[0]);
			expect_ticket(200, "crash: a ticket from before the crash", w[i].labels[0], NULL, "l");
			break;
		}
		struct tref t = issue("l", "crash: issue after the restart");
		(void)t;
		db_invariants(s2.db, "after the crash");
		status = server_stop(&s2, SIGTERM);
		check(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "crash: the restarted hallqd stops with exit 0 on SIGTERM (status %d)", status);
	}
	if (failed)
		log_tail(&s2);
	server_stop(&s2, SIGKILL);
	cur = saved;
	workers_free(w, CRASH_ISSUERS);
}

/* ---- 8. signals ---------------------------------------------------------------------------------------- */

static const char *hall_name(void)
{
	static char name[256];
	json_t *h = get_hall();
	const char *n = jstr(h, "name");
	snprintf(name, sizeof name, "%s", n ? n : "?");
	json_decref(h);
	return name;
}

static void t_signals(void)
{
	char needle[700];

	/* A bad config: logged with its line, the old one stays, hallqd keeps serving. */
	write_file(S1.ini, hall_ini(HALL_NAME2, "colour = blue", NULL), 0644);
	kill(S1.pid, SIGHUP);
	snprintf(needle, sizeof needle, "%s:2", S1.ini);
	int64_t end = mono_ms() + 5000;
	while (mono_ms() < end && !file_contains(S1.log, "hall.ini:2"))
		nap_ms(50);
	check(file_contains(S1.log, "hall.ini:2"), "SIGHUP with a bad config: the log names %s", needle);
	int status;
	check(waitpid(S1.pid, &status, WNOHANG) == 0, "SIGHUP with a bad config: hallqd still runs");
	check(strcmp(hall_name(), HALL_NAME) == 0, "SIGHUP with a bad config: the hall is still %s, got %s",
	      HALL_NAME, hall_name());
	check(last_event_id() > 0, "SIGHUP with a bad config: still answering");

	/* A good config with a new name, and a new token. */
	char tokens[2048];
	snprintf(tokens, sizeof tokens, "%smanager %s\n", tokens_text(), NEW_MANAGER_TOKEN);
	write_file(S1.tokens, tokens, 0600);
	write_file(S1.ini, hall_ini(HALL_NAME2, NULL, NULL), 0644);
	kill(S1.pid, SIGHUP);
	end = mono_ms() + 5000;
	while (mono_ms() < end && strcmp(hall_name(), HALL_NAME2) != 0)
		nap_ms(50);
	check(strcmp(hall_name(), HALL_NAME2) == 0, "SIGHUP with a good config: the hall is renamed %s, got %s",
	      HALL_NAME2, hall_name());
	api("GET", NEW_MANAGER_TOKEN, NULL, "/api/v1/stats");
	expect_status(&R, 200, "SIGHUP re-reads the tokens file: the new token works");

	/* SIGTERM with a stream open: the stream ends and hallqd exits 0. */
	struct sse *s = sub_open(NULL, NULL, "a stream before SIGTERM");
	pid_t pid = S1.pid;
	kill(pid, SIGTERM);
	bool ended = wait_exit(pid, 5000, &status);
	check(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "SIGTERM with a stream open: exit 0 within 5 s (%s, status %d)", ended ? "ended" : "still running",
	      ended ? status : 0);
	if (ended)
		S1.pid = 0;
	check(s && sse_wait_end(s, 3000), "SIGTERM: the event stream ends");
	sse_free(s);
	if (!ended)
		server_stop(&S1, SIGKILL);
	check(kill(pid, 0) == -1, "SIGTERM: the process is gone");
}

/* ---- the simulated clock (hallqd --clock --speed, for hallq-sim) ------------------------------------- */

/* hallqd's hall time now, unix ms to the second; -1 when it cannot be read. */
static int64_t hall_time_ms(void)
{
	const char *t = NULL;
	char local[24];
	int64_t ms = -1;

	if (api("GET", TK(R_DISPLAY), NULL, "/api/v1/hall") == 200 && (t = jstr(R.json, "time")) && strlen(t) >= 19) {
		snprintf(local, sizeof local, "%.10s %.8s", t, t + 11);
		if (hq_parse_local_time(local, &ms))
			ms = -1;
	}
	return ms;
}

static void t_sim_clock(void)
{
	struct server s = {0};
	struct server *was = cur;
	char tomorrow[16], clock_at[32], listen[64], want[40];
	time_t now = time(NULL);
	int64_t start_ms, t0, t1, m0, m1;
	int status;

	/* Tomorrow, so that nothing can pass for the real clock. */
	local_str(now + 86400, "%Y-%m-%d", tomorrow, sizeof tomorrow);
	snprintf(clock_at, sizeof clock_at, "%s 09:00", tomorrow);
	hq_parse_local_time(clock_at, &start_ms);
	if (!check(server_setup(&s, "clock"), "clock: set up a hall"))
		return;

	/* Bad options: usage errors, before anything starts. */
	static const char *const bad[][4] = {
		{"--speed", "60", NULL, NULL}, {"--clock", "tomorrow", NULL, NULL},
		{"--clock", "2026-11-24 09:00", "--speed", "0"}, {"--clock", "2026-11-24 09:00", "--speed", "1001"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char log[PATH_MAX];

		snprintf(log, sizeof log, "%s/bad-%zu.log", s.dir, i);
		snprintf(listen, sizeof listen, "127.0.0.1:%d", free_port());
		char *argv[] = {hallqd_bin, "--config", s.ini, "--db", s.db, "--listen", listen, "--tokens", s.tokens,
				(char *)bad[i][0], (char *)bad[i][1], (char *)bad[i][2], (char *)bad[i][3], NULL};
		pid_t pid = spawn(argv, log);
		bool ended = pid > 0 && wait_exit(pid, 5000, &status);
		if (!ended && pid > 0)
			stop_pid(pid, SIGKILL, 2000);
		check(ended && WIFEXITED(status) && WEXITSTATUS(status) == 2, "clock: hallqd %s %s %s %s exits 2",
		      bad[i][0], bad[i][1], bad[i][2] ? bad[i][2] : "", bad[i][3] ? bad[i][3] : "");
	}

	s.port = free_port();
	snprintf(listen, sizeof listen, "127.0.0.1:%d", s.port);
	snprintf(s.base, sizeof s.base, "http://127.0.0.1:%d", s.port);
	char *argv[] = {hallqd_bin, "--config", s.ini, "--db", s.db, "--listen", listen, "--tokens", s.tokens,
			"--clock", clock_at, "--speed", "60", NULL};
	s.pid = spawn(argv, s.log);
	if (!check(s.pid > 0 && wait_ready(&s, 10000), "clock: hallqd --clock \"%s\" --speed 60 starts", clock_at)) {
		log_tail(&s);
		server_stop(&s, SIGKILL);
		return;
	}
	cur = &s;
	check(file_contains(s.log, "clock: SIMULATED") && file_contains(s.log, "60x"),
	      "clock: the log says loudly that the clock is simulated, at 60x");
	m0 = mono_ms();
	t0 = hall_time_ms();
	check(t0 >= start_ms && t0 < start_ms + 60000, "clock: the hall's time starts at %s (got %+lld s)", clock_at,
	      (long long)((t0 - start_ms) / 1000));
	nap_ms(1000);
	m1 = mono_ms();
	t1 = hall_time_ms();
	/* 60 simulated seconds a real one, give or take the reading to the second. */
	check(t1 - t0 >= (m1 - m0) * 60 - 2000 && t1 - t0 <= (m1 - m0) * 60 + 2000,
	      "clock: a real second later the hall is %lld s further on (want about %lld)", (long long)((t1 - t0) / 1000),
	      (long long)((m1 - m0) * 60 / 1000));

	/* What hallqd stamps is the simulated day: a ticket, its day, today's figures. */
	api("POST", TK(R_KIOSK), "{\"service\": \"a\"}", "/api/v1/tickets");
	snprintf(want, sizeof want, "%sT09:0", tomorrow);
	check(R.status == 201 && jstr_is(R.json, "day", tomorrow) && jstr(R.json, "issued_at") &&
	      !strncmp(jstr(R.json, "issued_at"), want, strlen(want)),
	      "clock: a ticket issued now is of %s, issued at 09:0x (%s)", tomorrow, desc(&R));
	api("GET", TK(R_MANAGER), NULL, "/api/v1/stats");
	check(R.status == 200 && jint_or(json_object_get(R.json, "total"), "issued", -1) == 1,
	      "clock: the default statistics (today) are the simulated day's: 1 issued (%s)", desc(&R));

	/* Events carry their time to the millisecond (hallq-sim compares figures to it). */
	char url[256];
	snprintf(url, sizeof url, "%s/api/v1/events?since=0", s.base);
	struct sse *sub = sse_start(url, TK(R_DISPLAY), NULL);
	check(sub && sse_wait_label(sub, "issued", "A001", 5000), "clock: the issued event comes on the stream");
	struct sse_event *ev = NULL;
	size_t n = sub ? sse_events(sub, &ev) : 0;
	bool complete = n > 0;
	for (size_t i = 0; i < n; i++)
		complete &= ev[i].data_complete;
	check(complete, "clock: every event has every field, at_ms included (%zu events)", n);
	free(ev);
	sse_free(sub);

	status = server_stop(&s, SIGTERM);
	check(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "clock: hallqd stops with exit 0");
	cur = was;
}

/* ---- no counter open: no estimate (docs/api.md, "No counter open") ------------------------------------ */

/* A hall with a lunch break, on a simulated clock: the machine's date and hour play no part. */
static const char est_ini[] =
	"[hall]\nname = 午休大厅\nname_en = Lunch Hall\nlanguages = zh, en\nsign_in = open\n\n"
	"[service s]\nname = 综合受理\nname_en = General\nprefix = S\nnumbers = 1-999\n"
	"hours = 09:00-12:00, 13:30-17:00\ndays = mon-sun\n\n"
	"[counter 1]\nservices = s\n\n[counter 2]\nservices = s\n";

/* hallqd on s's files at hall time `clock` (local, "YYYY-MM-DD HH:MM"), at real speed. */
static bool start_clocked(struct server *s, const char *clock)
{
	char listen[64];

	s->port = free_port();
	snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	char *argv[] = {hallqd_bin, "--config", s->ini, "--db", s->db, "--listen", listen, "--tokens", s->tokens,
			"--clock", (char *)clock, NULL};
	s->pid = spawn(argv, s->log);
	return s->pid > 0 && wait_ready(s, 10000);
}

/* Does o carry PREFIXest_wait_s null, PREFIXest_reason "no_counter" and PREFIXest_opens_at
 * `opens` (NULL: null)? Or, with opens "number", an integer wait and both others null? */
static bool est_is(const json_t *o, const char *prefix, const char *opens)
{
	char w[40], why[40], at[40];

	snprintf(w, sizeof w, "%sest_wait_s", prefix);
	snprintf(why, sizeof why, "%sest_reason", prefix);
	snprintf(at, sizeof at, "%sest_opens_at", prefix);
	if (opens && !strcmp(opens, "number"))
		return json_is_integer(json_object_get(o, w)) && json_is_null(json_object_get(o, why)) &&
		       json_is_null(json_object_get(o, at));
	return json_is_null(json_object_get(o, w)) && jstr_is(o, why, "no_counter") &&
	       (opens ? jstr_is(o, at, opens) : json_is_null(json_object_get(o, at)));
}

/* Service s of the hall, the counter view's and the ticket's answers, each into its own
 * copy (caller decrefs). */
static json_t *est_hall_s(void)
{
	json_t *hall = get_hall();
	json_t *s = json_incref(find_by(json_object_get(hall, "services"), "key", "s"));
	json_decref(hall);
	return s;
}

static json_t *est_counter_s(int n)
{
	if (api("GET", TK(n == 1 ? R_COUNTER1 : R_COUNTER2), NULL, "/api/v1/counters/%d", n) != 200)
		return NULL;
	return json_incref(json_array_get(json_object_get(R.json, "services"), 0));
}

static json_t *est_ticket(json_int_t id)
{
	if (api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)id) != 200)
		return NULL;
	return json_incref(R.json);
}

static void t_no_counter(void)
{
	struct server s = {0};
	struct server *was = cur;
	json_t *v;
	json_int_t id = 0, ahead = -1;
	char *d;

	if (!check(server_setup(&s, "est") && write_file(s.ini, est_ini, 0644), "est: set up a hall"))
		return;
	/* Tuesday 24 November 2026, 10:00: within the hours, both counters closed. */
	if (!check(start_clocked(&s, "2026-11-24 10:00"), "est: hallqd --clock \"2026-11-24 10:00\" starts")) {
		log_tail(&s);
		server_stop(&s, SIGKILL);
		return;
	}
	cur = &s;
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/1/close");
	expect_status(&R, 200, "est: close counter 1");
	api("POST", TK(R_COUNTER2), NULL, "/api/v1/counters/2/close");
	expect_status(&R, 200, "est: close counter 2");

	v = est_hall_s();
	d = json_dumps(v, JSON_COMPACT);
	check(v && est_is(v, "", NULL) && json_is_null(json_object_get(v, "est_wait_priority_s")),
	      "est: no counter open: /api/v1/hall's service has est_wait_s null, est_reason no_counter, "
	      "est_wait_priority_s null, est_opens_at null within its hours (%s)", d ? d : "no service s");
	free(d);
	json_decref(v);

	api("POST", TK(R_KIOSK), "{\"service\": \"s\"}", "/api/v1/tickets");
	api("POST", TK(R_KIOSK), "{\"service\": \"s\"}", "/api/v1/tickets");
	check(R.status == 201 && jint(R.json, "id", &id) && jint(R.json, "people_ahead", &ahead) && ahead == 1 &&
	      est_is(R.json, "", NULL),
	      "est: a ticket issued with no counter open, 1 ahead: est_wait_s null, est_reason no_counter (%s)",
	      desc(&R));
	v = est_ticket(id);
	d = json_dumps(v, JSON_COMPACT);
	check(v && jint_or(v, "now_ahead", -1) == 1 && est_is(v, "now_", NULL) && est_is(v, "", NULL),
	      "est: GET /api/v1/tickets/ID: now_est_wait_s null, now_est_reason no_counter (%s)", d ? d : desc(&R));
	free(d);
	json_decref(v);
	v = est_counter_s(1);
	check(v && est_is(v, "", NULL), "est: /api/v1/counters/1's service s: est_wait_s null, no_counter (%s)",
	      desc(&R));
	json_decref(v);

	/* A counter opens: figures again, except the ticket's own, kept as at its issue. */
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/1/open");
	expect_status(&R, 200, "est: open counter 1");
	v = est_hall_s();
	d = json_dumps(v, JSON_COMPACT);
	check(v && est_is(v, "", "number") && json_is_integer(json_object_get(v, "est_wait_priority_s")),
	      "est: a counter open: the hall's service has est_wait_s and est_wait_priority_s numbers, "
	      "est_reason null (%s)", d ? d : "no service s");
	free(d);
	json_decref(v);
	v = est_ticket(id);
	d = json_dumps(v, JSON_COMPACT);
	check(v && est_is(v, "now_", "number") && est_is(v, "", NULL),
	      "est: a counter open: the ticket's now_est_wait_s a number, its est_wait_s still null (%s)",
	      d ? d : desc(&R));
	free(d);
	json_decref(v);
	v = est_counter_s(2);
	check(v && est_is(v, "", "number"), "est: a counter open: /api/v1/counters/2's service s a number (%s)",
	      desc(&R));
	json_decref(v);

	/* Lunch, 12:30 the same day, every counter closed: the hours open again at 13:30. */
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/1/close");
	expect_status(&R, 200, "est: close counter 1 again");
	server_stop(&s, SIGTERM);
	if (!check(start_clocked(&s, "2026-11-24 12:30"), "est: hallqd --clock \"2026-11-24 12:30\" starts")) {
		log_tail(&s);
		server_stop(&s, SIGKILL);
		cur = was;
		return;
	}
	v = est_hall_s();
	d = json_dumps(v, JSON_COMPACT);
	check(v && est_is(v, "", "2026-11-24T13:30:00+08:00") && json_is_null(json_object_get(v, "est_wait_priority_s")),
	      "est: at lunch the hall's service has est_opens_at 2026-11-24T13:30:00+08:00 (%s)", d ? d : "no service s");
	free(d);
	json_decref(v);
	v = est_ticket(id);
	d = json_dumps(v, JSON_COMPACT);
	check(v && jstr_is(v, "state", "waiting") && est_is(v, "now_", "2026-11-24T13:30:00+08:00"),
	      "est: at lunch the waiting ticket's now_est_opens_at is 13:30 (%s)", d ? d : desc(&R));
	free(d);
	json_decref(v);
	v = est_counter_s(1);
	check(v && est_is(v, "", "2026-11-24T13:30:00+08:00"), "est: at lunch /api/v1/counters/1's service s "
	      "opens at 13:30 (%s)", desc(&R));
	json_decref(v);

	server_stop(&s, SIGTERM);
	cur = was;
}

/* ---- the estimate's range and estimate_display (docs/api.md, "The estimate's range") ------------------- */

/* est_ini with `line` as line 2, under [hall] (NULL: none). */
static const char *range_ini(const char *line)
{
	static char text[1024];

	snprintf(text, sizeof text, "[hall]\n%s%s%s", line ? line : "", line ? "\n" : "", est_ini + strlen("[hall]\n"));
	return text;
}

/* `hallq CMD --db DB [ARG]` on s's database at hall time `now`, as a hall's past is made
 * before its hallqd starts. */
static bool hallq_at(const struct server *s, const char *now, const char *cmd, const char *arg)
{
	char out[PATH_MAX + 16];
	char *argv[] = {hallq_bin, (char *)cmd, "--db", (char *)s->db, (char *)arg, NULL};
	int rc;

	snprintf(out, sizeof out, "%s/cli.out", s->dir);
	setenv("HALLQ_NOW", now, 1);
	rc = run_cmd(argv, out);
	unsetenv("HALLQ_NOW");
	return rc == 0;
}

/* Does o carry PREFIXest_wait_range_s [low, high], whole seconds, low <= PREFIXest_wait_s
 * <= high? With `wide`, high - low of a minute at least too. */
static bool range_ok(const json_t *o, const char *prefix, bool wide)
{
	char w[40], r[40];
	json_int_t wait;

	snprintf(w, sizeof w, "%sest_wait_s", prefix);
	snprintf(r, sizeof r, "%sest_wait_range_s", prefix);
	json_t *a = json_object_get(o, r);
	if (!jint(o, w, &wait) || !json_is_array(a) || json_array_size(a) != 2 ||
	    !json_is_integer(json_array_get(a, 0)) || !json_is_integer(json_array_get(a, 1)))
		return false;
	json_int_t low = json_integer_value(json_array_get(a, 0)), high = json_integer_value(json_array_get(a, 1));
	return 0 <= low && low <= wait && wait <= high && (!wide || high - low >= 60);
}

/* Is PREFIXest_wait_range_s there and null? */
static bool range_null(const json_t *o, const char *prefix)
{
	char r[40];

	snprintf(r, sizeof r, "%sest_wait_range_s", prefix);
	return json_is_null(json_object_get(o, r));
}

/* The hall's estimate_display now. */
static const char *hall_display(void)
{
	static char mode[32];
	json_t *h = get_hall();
	const char *m = jstr(h, "estimate_display");

	snprintf(mode, sizeof mode, "%s", m ? m : "(none)");
	json_decref(h);
	return mode;
}

/* One check of o against range_ok or range_null, with o in the message. */
static void check_range(json_t *o, const char *prefix, int want, const char *what)
{
	char *d = o ? json_dumps(o, JSON_COMPACT) : NULL;

	check(o && (want < 0 ? range_null(o, prefix) : range_ok(o, prefix, want > 0)), "range: %s (%s)", what,
	      d ? d : desc(&R));
	free(d);
	json_decref(o);
}

static void t_estimate_range(void)
{
	struct server s = {0};
	struct server *was = cur;
	json_int_t id = 0;
	int64_t end;

	if (!check(server_setup(&s, "est-range") && write_file(s.ini, range_ini(NULL), 0644), "range: set up a hall"))
		return;
	/* A morning at counter 1: eight citizens called 3 to 18 minutes apart, so that a
	 * ticket's estimate has turns to draw from and a range wider than its point. */
	static const char *const calls[] = {"09:00", "09:05", "09:17", "09:20", "09:38", "09:46", "09:55", "09:59"};
	char *init[] = {hallq_bin, "init", "--config", s.ini, "--db", s.db, NULL};
	char out[PATH_MAX + 16];
	bool past;

	snprintf(out, sizeof out, "%s/cli.out", s.dir);
	setenv("HALLQ_NOW", "2026-11-24 08:50", 1);
	past = run_cmd(init, out) == 0;
	unsetenv("HALLQ_NOW");
	for (int i = 0; i < 8 && past; i++)
		past = hallq_at(&s, "2026-11-24 09:00", "issue", "s");
	for (size_t i = 0; i < sizeof calls / sizeof *calls && past; i++) {
		char when[32];

		snprintf(when, sizeof when, "2026-11-24 %s", calls[i]);
		past = hallq_at(&s, when, "call", "1") && hallq_at(&s, when, "start", "1") &&
		       hallq_at(&s, when, "finish", "1");
	}
	if (!check(past, "range: hallq gives the hall a morning (HALLQ_NOW 09:00-09:59)"))
		return;
	if (!check(start_clocked(&s, "2026-11-24 10:00"), "range: hallqd --clock \"2026-11-24 10:00\" starts")) {
		log_tail(&s);
		server_stop(&s, SIGKILL);
		return;
	}
	cur = &s;

	/* The default: point, and the ranges in the JSON all the same. */
	check(strcmp(hall_display(), "point") == 0, "range: /api/v1/hall's estimate_display is point by default, got %s",
	      hall_display());
	for (int i = 0; i < 3; i++)
		api("POST", TK(R_KIOSK), "{\"service\": \"s\"}", "/api/v1/tickets");
	check(R.status == 201 && jint(R.json, "id", &id) && jint_or(R.json, "people_ahead", -1) == 2 &&
	      jstr_is(R.json, "estimate_display", "point") && range_ok(R.json, "", true),
	      "range: a ticket issued with 2 ahead: estimate_display point, est_wait_range_s [low, high] a minute "
	      "wide at least, low <= est_wait_s <= high (%s)", desc(&R));
	check_range(est_hall_s(), "", 0, "/api/v1/hall's service s has est_wait_range_s around est_wait_s");
	check_range(est_ticket(id), "now_", 0, "GET /api/v1/tickets/ID has now_est_wait_range_s around now_est_wait_s");
	check_range(est_ticket(id), "", 0, "GET /api/v1/tickets/ID keeps est_wait_range_s of its issue");
	json_t *v = est_ticket(id);
	check(v && jstr_is(v, "estimate_display", "point"), "range: GET /api/v1/tickets/ID says estimate_display "
	      "point (%s)", desc(&R));
	json_decref(v);
	check_range(est_counter_s(1), "", 0, "/api/v1/counters/1's service s has est_wait_range_s around est_wait_s");

	/* No counter open: no range either. */
	api("POST", TK(R_COUNTER1), NULL, "/api/v1/counters/1/close");
	expect_status(&R, 200, "range: close counter 1");
	api("POST", TK(R_COUNTER2), NULL, "/api/v1/counters/2/close");
	expect_status(&R, 200, "range: close counter 2");
	check_range(est_hall_s(), "", -1, "no counter open: /api/v1/hall's est_wait_range_s is null");
	check_range(est_ticket(id), "now_", -1, "no counter open: the ticket's now_est_wait_range_s is null");
	check_range(est_counter_s(1), "", -1, "no counter open: /api/v1/counters/1's est_wait_range_s is null");
	api("POST", TK(R_KIOSK), "{\"service\": \"s\"}", "/api/v1/tickets");
	check(R.status == 201 && json_is_null(json_object_get(R.json, "est_wait_s")) && range_null(R.json, ""),
	      "range: a ticket issued with no counter open: est_wait_s and est_wait_range_s null (%s)", desc(&R));

	/* estimate_display = range, on SIGHUP: the hall and the tickets say so. */
	write_file(s.ini, range_ini("estimate_display = range"), 0644);
	kill(s.pid, SIGHUP);
	end = mono_ms() + 5000;
	while (mono_ms() < end && strcmp(hall_display(), "range") != 0)
		nap_ms(50);
	check(strcmp(hall_display(), "range") == 0, "range: after a reload with estimate_display = range, "
	      "/api/v1/hall says range, got %s", hall_display());
	api("GET", NULL, NULL, "/api/v1/tickets/%lld", (long long)id);
	check(R.status == 200 && jstr_is(R.json, "estimate_display", "range"),
	      "range: GET /api/v1/tickets/ID says estimate_display range (%s)", desc(&R));
	api("POST", TK(R_KIOSK), "{\"service\": \"s\"}", "/api/v1/tickets");
	check(R.status == 201 && jstr_is(R.json, "estimate_display", "range"),
	      "range: POST /api/v1/tickets answers estimate_display range (%s)", desc(&R));

	/* A bad value: the reload is refused with the file and line, the old config stays. */
	write_file(s.ini, range_ini("estimate_display = wide"), 0644);
	kill(s.pid, SIGHUP);
	end = mono_ms() + 5000;
	while (mono_ms() < end && !file_contains(s.log, "estimate_display = wide"))
		nap_ms(50);
	check(file_contains(s.log, "est-range/hall.ini:2") && file_contains(s.log, "estimate_display = wide"),
	      "range: a reload with estimate_display = wide is refused, the log naming hall.ini:2");
	int status;
	check(waitpid(s.pid, &status, WNOHANG) == 0 && strcmp(hall_display(), "range") == 0,
	      "range: after the bad reload hallqd runs on with estimate_display range, got %s", hall_display());

	server_stop(&s, SIGTERM);
	cur = was;
}

/* ---- main --------------------------------------------------------------------------------------------- */

static void rmtree(const char *dir)
{
	char *argv[] = {"/bin/rm", "-rf", (char *)dir, NULL};
	pid_t pid = spawn(argv, NULL);
	int status;
	if (pid > 0)
		wait_exit(pid, 20000, &status);
}

static bool locate(char *out, size_t n, const char *build, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", build, name);
	if (!realpath(p, out) || access(out, X_OK) != 0) {
		snprintf(out, n, "%s", p);
		return false;
	}
	return true;
}

int main(void)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	struct sigaction sa = {.sa_handler = on_fatal_signal};
	time_t now;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	alarm(WATCHDOG_S);
	keep_tmp = getenv("HALLQD_KEEP") != NULL;
	setenv("TZ", "Asia/Shanghai", 1);
	unsetenv("HALLQ_NOW");
	unsetenv("HALLQ_DB");
	tzset();

	bool have_d = locate(hallqd_bin, sizeof hallqd_bin, build, "hallqd");
	bool have_q = locate(hallq_bin, sizeof hallq_bin, build, "hallq");
	if (!have_d || !have_q) {
		printf("hallqd: %s is not built (run make)\n", !have_d ? hallqd_bin : hallq_bin);
		printf("hallqd: 0 passed, 1 failed\n");
		return 1;
	}
	snprintf(tmpdir, sizeof tmpdir, "%s/hallqd-test.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir) || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(H = curl_easy_init())) {
		printf("hallqd: cannot set up (%s)\nhallqd: 0 passed, 1 failed\n", strerror(errno));
		return 1;
	}

	now = time(NULL);
	local_str(now, "%Y-%m-%d", today, sizeof today);
	local_str((now / 300 + 1) * 300, "%Y-%m-%d %H:%M", next_slot, sizeof next_slot);
	local_str((now / 300 + 36) * 300, "%Y-%m-%d %H:%M", far_slot, sizeof far_slot);
	local_str((now / 300 + 40) * 300, "%Y-%m-%d %H:%M", role_slot, sizeof role_slot);

	/* A quiet server whose stream must carry a ": ping" within the documented 15 s. */
	struct server quiet = {0};
	struct sse *ping = NULL;
	int64_t ping_start = mono_ms();
	if (check(server_setup(&quiet, "quiet") && server_start(&quiet), "a quiet hallqd starts")) {
		char url[256];
		snprintf(url, sizeof url, "%s/api/v1/events", quiet.base);
		ping = sse_start(url, TK(R_DISPLAY), NULL);
		ping_start = mono_ms();
		check(ping && sse_wait_open(ping, 5000) == 200, "the quiet server's stream opens");
	}

	t_refusals();

	if (check(server_setup(&S1, "main") && server_start(&S1), "hallqd starts and answers /healthz")) {
		char url[256];
		snprintf(url, sizeof url, "%s/api/v1/events?since=0", S1.base);
		first_sub = sse_start(url, TK(R_DISPLAY), NULL);
		check(first_sub && sse_wait_open(first_sub, 5000) == 200, "GET /api/v1/events?since=0 opens with 200");

		t_health_hall();
		t_tickets();
		t_counters();
		t_call_number();
		t_reviews();
		t_appointments();
		t_stats_metrics();
		t_errors();
		t_edges();
		t_status_page();
		t_kiosks();
		t_units();
		t_kiosks_stale();
		t_public_url();
		t_roles();
		t_idempotency();
		db_invariants(S1.db, "after the functional tests");
		t_events();
		t_concurrency();
		t_signals();
		if (failed)
			log_tail(&S1);
		sse_free(first_sub);
		server_stop(&S1, SIGKILL);
		t_crash();
	} else {
		log_tail(&S1);
	}

	t_sim_clock();
	t_no_counter();
	t_estimate_range();

	if (ping) {
		long left = 17000 - (long)(mono_ms() - ping_start);
		check(sse_wait_comment(ping, left > 0 ? left : 0),
		      "an idle stream carries a comment line (\": ping\") within 15 s");
		sse_free(ping);
	}
	if (quiet.pid > 0) {
		int qs = server_stop(&quiet, SIGTERM);
		check(qs != -1 && WIFEXITED(qs) && WEXITSTATUS(qs) == 0, "the quiet hallqd stops with exit 0");
	}

	curl_easy_cleanup(H);
	thttp_resp_free(&R);
	children_kill();
	curl_global_cleanup();
	if (keep_tmp)
		printf("hallqd: scratch files kept in %s\n", tmpdir);
	else
		rmtree(tmpdir);
	printf("hallqd: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
