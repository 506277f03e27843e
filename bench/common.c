/*
 * The helpers every benchmark shares (common.h): clock, sizes from the environment,
 * percentiles, the run's directory, the programs a bench starts, with their logs, and the
 * Xvfb, hall and idle figures of the benches of the screens. They were copies in each
 * program; one copy keeps the figures of all benches computed the same way, and every
 * program started, waited for and stopped the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define TMPFS_MAGIC_ 0x01021994UL

static const char *prog = "bench";
static void (*die_hook)(void);
static char dir[4096];
static const char *dir_noun = "files";

/* ---- running ----------------------------------------------------------------------- */

void bench_init(const char *name, void (*on_die)(void))
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	prog = name;
	die_hook = on_die;
}

const char *bench_prog(void)
{
	return prog;
}

void bench_die(const char *fmt, ...)
{
	void (*hook)(void) = die_hook;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* The hook may fail in its turn and come back here: it runs once. */
	die_hook = NULL;
	if (hook)
		hook();
	if (dir[0])
		fprintf(stderr, "%s: %s left in %s\n", prog, dir_noun, dir);
	exit(1);
}

void *bench_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		bench_die("out of memory for %zu bytes", n);
	return p;
}

void *bench_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		bench_die("out of memory for %zu items", n);
	return p;
}

double bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long bench_env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		if (max == LONG_MAX)
			bench_die("%s = %s: want a whole number of at least %ld", name, v, min);
		bench_die("%s = %s: want a whole number from %ld to %ld", name, v, min, max);
	}
	return n;
}

void bench_rng_seed(unsigned short rng[3], long seed)
{
	rng[0] = 0x330e;
	rng[1] = (unsigned short)seed;
	rng[2] = (unsigned short)(seed >> 16);
}

const char *bench_met(bool ok)
{
	return ok ? "met" : "NOT met";
}

/* ---- figures ----------------------------------------------------------------------- */

void bench_sample_add(struct bench_sample *s, double v)
{
	if (s->n == s->cap) {
		long cap = s->cap ? 2 * s->cap : 4096;
		double *p = realloc(s->v, (size_t)cap * sizeof *p);

		if (!p)
			bench_die("out of memory for %ld values", cap);
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	s->sum += v;
}

void bench_sample_free(struct bench_sample *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_percentile(const double *sorted, long n, double p)
{
	long rank = (long)ceil(p * (double)n);

	if (n <= 0)
		return 0;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

struct bench_figures bench_summarize(struct bench_sample *s)
{
	struct bench_figures f = {0};
	long i;

	f.n = s->n;
	if (s->n == 0)
		return f;
	qsort(s->v, (size_t)s->n, sizeof s->v[0], cmp_double);
	for (i = 0; i < s->n; i++)
		f.sum += s->v[i];
	f.mean = f.sum / (double)s->n;
	f.p50 = bench_percentile(s->v, s->n, 0.50);
	f.p99 = bench_percentile(s->v, s->n, 0.99);
	f.max = s->v[s->n - 1];
	return f;
}

/* ---- the directory of a run -------------------------------------------------------- */

static const char *fs_name(unsigned long type)
{
	switch (type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x2FC12FC1: return "zfs";
	case 0xF2F52010: return "f2fs";
	case TMPFS_MAGIC_: return "tmpfs";
	case 0x794C7630: return "overlayfs";
	case 0x6969: return "nfs";
	case 0x65735546: return "fuse";
	default: return "unknown";
	}
}

static unsigned long fs_type(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 ? (unsigned long)sf.f_type : 0;
}

/* A tmpfs makes every fsync free, so the durable figures would flatter the queue: the
 * default avoids $TMPDIR when it is one. */
void bench_make_dir(const char *prefix, const char *noun)
{
	const char *base = getenv("HQ_BENCH_DIR"), *why = "HQ_BENCH_DIR";
	unsigned long type;

	dir_noun = noun;
	if (!base || !*base) {
		base = getenv("TMPDIR");
		why = "TMPDIR";
		if (!base || !*base || fs_type(base) == TMPFS_MAGIC_) {
			base = "/var/tmp";
			why = "/var/tmp";
		}
	}
	snprintf(dir, sizeof dir, "%s/%s.XXXXXX", base, prefix);
	if (!mkdtemp(dir)) {
		int e = errno;

		dir[0] = '\0';
		bench_die("cannot make a directory under %s: %s", base, strerror(e));
	}
	type = fs_type(dir);
	printf("%s: %s (filesystem %s, chosen by %s)\n", noun, dir, fs_name(type), why);
	if (type == TMPFS_MAGIC_)
		printf("WARNING: tmpfs does not sync to a disk; the durable figures mean nothing here\n");
}

const char *bench_dir(void)
{
	return dir;
}

void bench_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

void bench_write_file(const char *name, const char *text, mode_t mode)
{
	char path[4200];
	size_t len = strlen(text);
	int fd;

	bench_path(path, sizeof path, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) != 0)
		bench_die("cannot write %s: %s", path, strerror(errno));
}

FILE *bench_text_begin(struct bench_text *t)
{
	t->p = NULL;
	t->len = 0;
	if (!(t->f = open_memstream(&t->p, &t->len)))
		bench_die("out of memory for a file's text");
	return t->f;
}

void bench_text_end(struct bench_text *t, const char *name, mode_t mode)
{
	if (fclose(t->f) != 0 || !t->p)
		bench_die("out of memory for the text of %s", name);
	bench_write_file(name, t->p, mode);
	free(t->p);
	t->p = NULL;
	t->f = NULL;
}

bool bench_remove_dir(void)
{
	char path[4400];
	struct dirent *e;
	DIR *d;

	if (!dir[0])
		return true;
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	if (rmdir(dir) != 0) {
		printf("note: could not remove %s: %s\n", dir, strerror(errno));
		return false;
	}
	dir[0] = '\0';
	return true;
}

void bench_log_tail(const char *name, int n)
{
	char path[4200], line[1024];
	char **last;
	int got = 0, i;
	FILE *f;

	bench_path(path, sizeof path, name);
	if (n < 1 || !(f = fopen(path, "r")) || !(last = calloc((size_t)n, sizeof *last))) {
		if (n >= 1)
			fprintf(stderr, "%s: no %s to show\n", prog, path);
		return;
	}
	while (fgets(line, sizeof line, f)) {
		free(last[got % n]);
		last[got % n] = strdup(line);
		got++;
	}
	fclose(f);
	fprintf(stderr, "%s: the last lines of %s:\n", prog, path);
	for (i = got > n ? got - n : 0; i < got; i++) {
		const char *l = last[i % n] ? last[i % n] : "\n";

		fprintf(stderr, "  %s%s", l, l[strlen(l) - 1] == '\n' ? "" : "\n");
	}
	for (i = 0; i < n; i++)
		free(last[i]);
	free(last);
}

/* ---- processes --------------------------------------------------------------------- */

long bench_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		bench_die("cannot find a free port on 127.0.0.1: %s", strerror(errno));
	close(fd);
	return ntohs(sa.sin_port);
}

void bench_make_token(char *out, size_t len)
{
	unsigned char raw[16];
	size_t i;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		bench_die("getrandom failed: %s", strerror(errno));
	for (i = 0; i < sizeof raw && 2 * i + 2 < len; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

const char *bench_exit_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "status %#x", st);
	return buf;
}

pid_t bench_spawn(char *const argv[], const char *log, int *stdin_fd, const char *env)
{
	char *one[] = { (char *)env, NULL };

	return bench_spawn_env(argv, log, stdin_fd, env ? one : NULL);
}

pid_t bench_spawn_env(char *const argv[], const char *log, int *stdin_fd, char *const env[])
{
	char path[4200];
	int logfd, in[2] = { -1, -1 };
	pid_t pid;

	bench_path(path, sizeof path, log);
	if ((logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		bench_die("cannot open %s: %s", path, strerror(errno));
	if (stdin_fd && pipe2(in, O_CLOEXEC) != 0)
		bench_die("pipe: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int nul = stdin_fd ? in[0] : open("/dev/null", O_RDONLY);

		/* dup2 clears close-on-exec on the copies; the originals go with the exec. */
		if (nul >= 0)
			dup2(nul, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		for (; env && *env; env++)
			if (putenv(*env) != 0)
				_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		dprintf(2, "%s: exec %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	close(logfd);
	if (stdin_fd) {
		close(in[0]);
		*stdin_fd = in[1];
	}
	return pid;
}

bool bench_exited(pid_t pid, int *status)
{
	int st = 0;
	pid_t w;

	do
		w = waitpid(pid, &st, WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == pid && status)
		*status = st;
	return w == pid || (w < 0 && errno == ECHILD);
}

void bench_stop(pid_t pid, double timeout_s, char *note, size_t len)
{
	double t0 = bench_now_s();
	char how[64];
	int st = 0;

	if (pid <= 0)
		return;
	if (bench_exited(pid, &st)) {
		snprintf(note, len, "had already ended (%s)", bench_exit_text(st, how, sizeof how));
		return;
	}
	kill(pid, SIGTERM);
	for (;;) {
		if (bench_exited(pid, &st))
			break;
		if (bench_now_s() - t0 > timeout_s) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			snprintf(note, len, "did not stop within %.0f s of SIGTERM; killed", timeout_s);
			return;
		}
		bench_nap_ms(5);
	}
	snprintf(note, len, "stopped %.0f ms after SIGTERM (%s)", (bench_now_s() - t0) * 1e3,
		 bench_exit_text(st, how, sizeof how));
}

void bench_nap_ms(int ms)
{
	poll(NULL, 0, ms);
}

double bench_proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces; the fields after it do not. */
	if (!(p = strrchr(buf, ')')))
		return 0;
	p++;
	for (i = 3; i <= 13 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

bool bench_proc_memory(pid_t pid, long *rss_kb, long *hwm_kb)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	*rss_kb = *hwm_kb = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kb = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			*hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return true;
}

/* ---- the programs a bench runs -------------------------------------------------------- */

static char bin_dir[4096];

void bench_bin_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", bin_dir[0] ? bin_dir : "build", name);
}

void bench_find_programs(const char *const names[], size_t n)
{
	const char *build = getenv("BUILD");
	char path[4200];
	size_t i;

	snprintf(bin_dir, sizeof bin_dir, "%s", build && *build ? build : "build");
	for (i = 0; i < n; i++) {
		bench_bin_path(path, sizeof path, names[i]);
		if (access(path, X_OK) != 0)
			bench_die("%s: %s (build it with make bench)", path, strerror(errno));
	}
}

const char *bench_find_tool(const char *name, const char *package)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/local/bin", "/bin" };
	char path[256], *found;
	size_t i;

	for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0) {
			/* Kept for the whole run, like the path it stands for. */
			if (!(found = strdup(path)))
				bench_die("out of memory for a path");
			return found;
		}
	}
	bench_die("%s is missing (Debian package %s)", name, package);
}

/* ---- the programs a bench started ------------------------------------------------------ */

static struct bench_kid kids[BENCH_MAX_KIDS];
static int nkids;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void bench_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int bench_kid_start(const char *name, const char *log, char *const argv[], int *stdin_fd,
		    char *const env[])
{
	struct bench_kid *k;

	if (nkids == BENCH_MAX_KIDS)
		bench_die("more than %d programs at once", BENCH_MAX_KIDS);
	k = &kids[nkids];
	snprintf(k->name, sizeof k->name, "%s", name);
	snprintf(k->log, sizeof k->log, "%s", log);
	k->pid = bench_spawn_env(argv, log, stdin_fd, env);
	return nkids++;
}

struct bench_kid *bench_kid(int i)
{
	return &kids[i];
}

int bench_kids_count(void)
{
	return nkids;
}

void bench_kid_run(const char *name, const char *log, char *const argv[], double timeout_s)
{
	double t0 = bench_now_s();
	char how[64];
	int k = bench_kid_start(name, log, argv, NULL, NULL), st;

	while (!bench_exited(kids[k].pid, &st)) {
		if (bench_now_s() - t0 > timeout_s)
			bench_die("%s did not finish within %.0f s", name, timeout_s);
		bench_nap_ms(10);
	}
	kids[k].pid = 0;
	nkids--;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		bench_log_tail(log, 10);
		bench_die("%s failed (%s)", name, bench_exit_text(st, how, sizeof how));
	}
}

void bench_kids_stop(int down_to, bool quiet)
{
	char note[128];

	while (nkids > down_to) {
		struct bench_kid *k = &kids[--nkids];

		if (k->pid <= 0)
			continue;
		bench_stop(k->pid, BENCH_STOP_TIMEOUT_S, note, sizeof note);
		k->pid = 0;
		if (!quiet && strncmp(note, "stopped", 7))
			printf("   note: %s %s\n", k->name, note);
	}
}

/* The logs stay in the directory, with those of the programs stopped before. */
void bench_kids_on_die(void)
{
	int i;

	if (nkids) {
		fprintf(stderr, "%s: the logs of the programs that were running:", prog);
		for (i = 0; i < nkids; i++)
			fprintf(stderr, "%s %s", i ? "," : "", kids[i].log);
		fputc('\n', stderr);
	}
	bench_kids_stop(0, true);
}

void bench_finish(bool keep)
{
	bench_kids_stop(0, false);
	if (keep)
		printf("\nkept the files in %s\n", dir);
	else
		bench_remove_dir();
}

/* A program that ended on its own has failed the run. Also the place where a Ctrl-C or a
 * SIGTERM to the bench is noticed. */
void bench_kids_check(void)
{
	char how[64];
	int i, st;

	if (interrupted)
		bench_die("interrupted");
	for (i = 0; i < nkids; i++) {
		struct bench_kid *k = &kids[i];

		if (k->pid > 0 && bench_exited(k->pid, &st)) {
			k->pid = 0;
			bench_log_tail(k->log, 15);
			bench_die("%s ended by itself (%s); its log is %s/%s", k->name,
				  bench_exit_text(st, how, sizeof how), bench_dir(), k->log);
		}
	}
}

void bench_pause_s(double s)
{
	double t0 = bench_now_s(), left;

	while ((left = s - (bench_now_s() - t0)) > 0) {
		bench_kids_check();
		bench_nap_ms(left > 0.5 ? 500 : (int)(left * 1e3) + 1);
	}
	bench_kids_check();
}

/* ---- the screens: an X server of the bench's own, a hall to show -------------------- */

/* A display number is taken while another X server has its socket or its lock file. */
static bool x_taken(int n)
{
	char path[64];

	snprintf(path, sizeof path, "/tmp/.X11-unix/X%d", n);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof path, "/tmp/.X%d-lock", n);
	return access(path, F_OK) == 0;
}

/* An X server that another took the number from in the meantime ends at once, finding the
 * lock taken: then the next number. */
int bench_xvfb_start(const char *bin, int width, int height, int *number)
{
	char disp[16], screen[32], sock[64], how[64];
	char *argv[] = { (char *)bin, disp, "-screen", "0", screen, "-nolisten", "tcp", NULL };
	struct stat st;
	double t0;
	int n, k, status;

	snprintf(screen, sizeof screen, "%dx%dx24", width, height);
	for (n = BENCH_X_FIRST; n <= BENCH_X_LAST; n++) {
		if (x_taken(n))
			continue;
		snprintf(disp, sizeof disp, ":%d", n);
		snprintf(sock, sizeof sock, "/tmp/.X11-unix/X%d", n);
		k = bench_kid_start("Xvfb", "xvfb.log", argv, NULL, NULL);
		t0 = bench_now_s();
		for (;;) {
			if (bench_exited(kids[k].pid, &status)) {
				kids[k].pid = 0;
				bench_kids_stop(k, true);
				if (x_taken(n))
					break;
				bench_log_tail("xvfb.log", 15);
				bench_die("Xvfb %s ended by itself (%s)", disp,
					  bench_exit_text(status, how, sizeof how));
			}
			if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
				*number = n;
				printf("Xvfb %s (pid %d), screen %s, ready after %.0f ms\n", disp,
				       (int)kids[k].pid, screen, (bench_now_s() - t0) * 1e3);
				return k;
			}
			bench_kids_check();
			if (bench_now_s() - t0 > BENCH_START_TIMEOUT_S) {
				bench_log_tail("xvfb.log", 15);
				bench_die("Xvfb %s made no socket %s within %.0f s", disp, sock,
					  BENCH_START_TIMEOUT_S);
			}
			bench_nap_ms(5);
		}
	}
	bench_die("no free X display number from :%d to :%d (/tmp/.X11-unix/XN or /tmp/.XN-lock"
		  " exists for each)", BENCH_X_FIRST, BENCH_X_LAST);
}

const struct bench_service bench_services[BENCH_NSERVICES] = {
	{ "general", "综合受理", "General affairs", "A" },
	{ "realestate", "不动产登记", "Real estate registration", "B" },
	{ "social", "社保医保", "Social and medical insurance", "C" },
	{ "business", "企业开办", "Starting a business", "D" },
};

void bench_print_services(FILE *f, int last)
{
	int i;

	for (i = 0; i < BENCH_NSERVICES; i++)
		fprintf(f, "[service %s]\nname = %s\nname_en = %s\nprefix = %s\nnumbers = 1-%d\n"
			"hours = 00:00-24:00\ndays = mon-sun\n\n", bench_services[i].key,
			bench_services[i].name, bench_services[i].name_en, bench_services[i].prefix,
			last);
}

void bench_idle_measure(int kid, int xkid, double settle_s, double idle_s,
			struct bench_idle *r)
{
	pid_t pid = kids[kid].pid, xpid = kids[xkid].pid;
	double c0, x0, w0;

	bench_pause_s(settle_s);
	c0 = bench_proc_cpu_s(pid);
	x0 = bench_proc_cpu_s(xpid);
	w0 = bench_now_s();
	bench_pause_s(idle_s);
	r->seconds = bench_now_s() - w0;
	r->cpu_pct = (bench_proc_cpu_s(pid) - c0) / r->seconds * 100;
	r->x_cpu_pct = (bench_proc_cpu_s(xpid) - x0) / r->seconds * 100;
	if (!bench_proc_memory(pid, &r->rss_kb, &r->hwm_kb))
		bench_kids_check();
}

/* ---- reading the programs' logs as they grow ----------------------------------------- */

void bench_tail_open(struct bench_tail *t, const char *log)
{
	char path[4200];

	bench_path(path, sizeof path, log);
	t->len = 0;
	if ((t->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		bench_die("cannot read %s: %s", path, strerror(errno));
}

void bench_tail_close(struct bench_tail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

const char *bench_tail_next(struct bench_tail *t)
{
	for (;;) {
		char *nl = memchr(t->buf, '\n', t->len);
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - t->buf);
			size_t k = n < sizeof t->line - 1 ? n : sizeof t->line - 1;

			memcpy(t->line, t->buf, k);
			t->line[k] = '\0';
			t->len -= n + 1;
			memmove(t->buf, nl + 1, t->len);
			return t->line;
		}
		if (t->len == sizeof t->buf)
			t->len = 0;    /* a line longer than the buffer: not one we look for */
		r = read(t->fd, t->buf + t->len, sizeof t->buf - t->len);
		if (r <= 0)
			return NULL;
		t->len += (size_t)r;
	}
}

void bench_wait_ready(int kid, const char *prefix, double timeout_s)
{
	struct bench_tail t;
	double t0 = bench_now_s();
	const char *line;

	bench_tail_open(&t, kids[kid].log);
	for (;;) {
		while ((line = bench_tail_next(&t)))
			if (!strncmp(line, prefix, strlen(prefix))) {
				bench_tail_close(&t);
				return;
			}
		bench_kids_check();
		if (bench_now_s() - t0 > timeout_s) {
			bench_log_tail(kids[kid].log, 15);
			bench_die("%s did not say \"%s\" within %.0f s", kids[kid].name, prefix,
				  timeout_s);
		}
		bench_nap_ms(5);
	}
}
