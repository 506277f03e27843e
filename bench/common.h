/*
 * What every benchmark program in bench/ shares: a monotonic clock, the HQ_BENCH_* sizes read
 * from the environment, samples of latencies with their nearest-rank percentiles, the one
 * directory a run keeps its files in (on a real disk, not tmpfs, unless told otherwise), and
 * the handling of the processes a bench starts (hallqd, socat, the gateway, Xvfb, the
 * display): found before any work is done, spawned with their output in a log file in that
 * directory, kept in one table, their logs followed as they grow for readiness and figures,
 * what they use read from /proc, stopped by their PID, newest first, with SIGTERM and, if
 * need be, SIGKILL. The benches of the screens (the display, the kiosk) share an Xvfb on a
 * free display number, their hall's services and the measure of what a program costs idle.
 * A bench measures and never judges, so the only error path is bench_die(): an operation
 * failed, the message says which, the hook the program set stops what it started, and the
 * directory is left for a look.
 *
 * Ownership: a bench_sample owns its values (bench_sample_free); bench_summarize sorts them
 * in place and keeps them; a bench_tail owns its descriptor (bench_tail_close), a
 * bench_text its text until bench_text_end. Everything else is static storage (the table
 * of started programs among it) or the caller's buffers.
 */
#ifndef HQ_BENCH_COMMON_H
#define HQ_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- running ----------------------------------------------------------------------- */

/* The program's name for messages, and what to stop before bench_die() exits (NULL: none).
 * It also makes stdout line-buffered, so that each line shows when it is printed, on a
 * terminal or in the log of a run. */
void bench_init(const char *prog, void (*on_die)(void));
const char *bench_prog(void);

/* Print "PROG: message" on stderr, run the on_die hook, say where the files are, exit 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *bench_xmalloc(size_t n);
void *bench_xcalloc(size_t n, size_t size);

/* Seconds on CLOCK_MONOTONIC: every duration a bench prints is taken from it. */
double bench_now_s(void);

/* An HQ_BENCH_* size: def when unset or empty; anything but a whole number from min to max
 * is an error (bench_die), never silently 0. */
long bench_env_long(const char *name, long def, long min, long max);

/* The state of erand48/nrand48 from a seed (HQ_BENCH_SEED), as srand48 sets its own. */
void bench_rng_seed(unsigned short rng[3], long seed);

/* "met" or "NOT met", for the summary lines. */
const char *bench_met(bool ok);

/* ---- figures ----------------------------------------------------------------------- */

/* Values of one kind (latencies, cycle times) in whatever unit the caller uses. */
struct bench_sample {
	double *v;
	long n, cap;
	double sum;                 /* in the order added */
};

struct bench_figures {
	long n;
	double sum, mean, p50, p99, max;
};

void bench_sample_add(struct bench_sample *s, double v);
void bench_sample_free(struct bench_sample *s);
/* Sorts the sample; all zero when it is empty. */
struct bench_figures bench_summarize(struct bench_sample *s);
/* Nearest rank of sorted values: p99 of 3000 is the 2970th smallest. */
double bench_percentile(const double *sorted, long n, double p);

/* ---- the directory of a run -------------------------------------------------------- */

/*
 * Make PREFIX.XXXXXX under $HQ_BENCH_DIR, else $TMPDIR unless it is a tmpfs, else /var/tmp,
 * and print "NOUN: PATH (filesystem F, chosen by WHY)", warning on tmpfs, where an fsync
 * costs nothing. bench_die() then says "NOUN left in PATH".
 */
void bench_make_dir(const char *prefix, const char *noun);
const char *bench_dir(void);
/* PATH/name into buf. */
void bench_path(char *buf, size_t len, const char *name);
/* A new file in the directory with exactly this mode (the umask may not widen or narrow a
 * tokens file that must be 600). */
void bench_write_file(const char *name, const char *text, mode_t mode);
/* Text printed with stdio, then written as a file of the directory (a hall's INI):
 * bench_text_begin gives the stream; bench_text_end writes what was printed to it as name
 * with mode and frees it. No memory is bench_die. */
struct bench_text {
	FILE *f;
	char *p;
	size_t len;
};
FILE *bench_text_begin(struct bench_text *t);
void bench_text_end(struct bench_text *t, const char *name, mode_t mode);
/* Remove every file in the directory, then the directory; false (and a note) if it stays. */
bool bench_remove_dir(void);
/* Print the last n lines of a file of the directory on stderr. */
void bench_log_tail(const char *name, int n);

/* ---- processes --------------------------------------------------------------------- */

/* A free TCP port on 127.0.0.1 (bound, read and closed: free for a moment, which is as
 * good as a port can be promised). */
long bench_free_port(void);
/* 32 random hex characters. */
void bench_make_token(char *out, size_t len);
/* "exit status 1", "signal 9 (Killed)". */
const char *bench_exit_text(int status, char *buf, size_t len);

/*
 * Start argv[0] (a path) with its stdout and stderr appended to the file log of the
 * directory. Its stdin is /dev/null, or a pipe whose write end goes to *stdin_fd when
 * stdin_fd is not NULL. env, when not NULL, is NAME=VALUE put into its environment. The
 * child stays in the bench's process group, so a Ctrl-C at the terminal stops it too.
 * Returns the PID.
 */
pid_t bench_spawn(char *const argv[], const char *log, int *stdin_fd, const char *env);
/* Whether pid has exited (reaped, with its status in *status); false while it runs. */
bool bench_exited(pid_t pid, int *status);
/* SIGTERM, up to timeout_s for it to exit, then SIGKILL; what happened goes to note. */
void bench_stop(pid_t pid, double timeout_s, char *note, size_t len);
/* bench_spawn with any number of NAME=VALUE strings (env NULL, or ending with NULL). */
pid_t bench_spawn_env(char *const argv[], const char *log, int *stdin_fd, char *const env[]);

/* A short wait. Readiness is a signal from the program waited for; this is the pause
 * between two looks at it. */
void bench_nap_ms(int ms);

/* What a process has used so far, from /proc: user plus system CPU seconds (fields 14 and
 * 15 of /proc/PID/stat; 0 once it is gone), and VmRSS and VmHWM of /proc/PID/status in kB
 * (false once it is gone). */
double bench_proc_cpu_s(pid_t pid);
bool bench_proc_memory(pid_t pid, long *rss_kb, long *hwm_kb);

/* ---- the programs a bench runs -------------------------------------------------------- */

#define BENCH_START_TIMEOUT_S 10.0  /* for a program's readiness signal */
#define BENCH_STOP_TIMEOUT_S 5.0    /* between SIGTERM and SIGKILL */
#define BENCH_MAX_KIDS 16

/*
 * Check that every program of names (paths under $BUILD, default "build") is there to run,
 * before any work is done; bench_die names the first that is not. bench_bin_path gives
 * $BUILD/name.
 */
void bench_find_programs(const char *const names[], size_t n);
void bench_bin_path(char *buf, size_t len, const char *name);
/* A program of the system (socat, Xvfb) in /usr/bin, /usr/local/bin or /bin; bench_die
 * names the Debian package it comes with when it is in none of them. */
const char *bench_find_tool(const char *name, const char *package);

/* ---- the programs a bench started ------------------------------------------------------ */

/*
 * The table of what the bench started, oldest first. A kid keeps its slot after it has been
 * stopped (pid 0) until bench_kids_stop pops it. Stopping goes newest first, so nothing
 * loses its peer while it still runs (a display before its X server, the gateway before the
 * line it polls).
 */
struct bench_kid {
	pid_t pid;          /* 0 once stopped */
	char name[48];      /* for messages: "hallqd", "socat pair A" */
	char log[64];       /* its stdout and stderr, a file of the run's directory */
};

/* SIGINT and SIGTERM only set a flag, which bench_kids_check turns into bench_die; SIGPIPE
 * is ignored (a program that died is noticed by its PID, not by a write). */
void bench_catch_signals(void);
/* bench_spawn_env, and a slot in the table: its index. */
int bench_kid_start(const char *name, const char *log, char *const argv[], int *stdin_fd,
		    char *const env[]);
struct bench_kid *bench_kid(int i);
int bench_kids_count(void);
/* Start a program that does one thing and ends, and wait for it: bench_die, with its log,
 * if it fails or takes more than timeout_s. Its slot is freed. */
void bench_kid_run(const char *name, const char *log, char *const argv[], double timeout_s);
/* Stop the kids from the newest down to index down_to (SIGTERM, then SIGKILL after
 * BENCH_STOP_TIMEOUT_S); unless quiet, print a note for one that did not simply stop. */
void bench_kids_stop(int down_to, bool quiet);
/* bench_die when a kid has ended by itself (with the end of its log) or the bench was
 * interrupted. Call it wherever the bench waits. */
void bench_kids_check(void);
/* The on_die hook for bench_init: name the logs of what was running, then stop it all. */
void bench_kids_on_die(void);
/* Wait s seconds without sleeping through a kid's death or a Ctrl-C (bench_kids_check). */
void bench_pause_s(double s);
/* The end of a run that went well: stop every kid (with a note for one that did not simply
 * stop), then keep the directory and say where (HQ_BENCH_KEEP=1), or remove it. */
void bench_finish(bool keep);

/* ---- the screens: an X server of the bench's own, a hall to show -------------------- */

/*
 * Xvfb (bin, from bench_find_tool) with one screen of width x height at 24 bits, on the
 * first display number from BENCH_X_FIRST to BENCH_X_LAST that no X server holds (its
 * socket /tmp/.X11-unix/XN or its lock /tmp/.XN-lock), as a kid logging to xvfb.log; ready
 * when its socket appears, which it prints. The number goes to *number (DISPLAY=:N); the
 * kid's index is returned. bench_kids_stop stops it with the rest.
 */
#define BENCH_X_FIRST 50
#define BENCH_X_LAST 199
int bench_xvfb_start(const char *bin, int width, int height, int *number);

/* The four services of the hall the screen benches (bench_display, bench_kiosk) set up,
 * with Chinese names as a hall's screens show them. */
#define BENCH_NSERVICES 4
struct bench_service {
	const char *key, *name, *name_en, *prefix;
};
extern const struct bench_service bench_services[BENCH_NSERVICES];
/* Their [service] sections for a hall.ini: open all day every day (24:00 rather than
 * 23:59, so a bench also runs in the day's last minute), numbered 1 to last. */
void bench_print_services(FILE *f, int last);

/* What a program on a screen costs idle, and its X server. */
struct bench_idle {
	double seconds;             /* measured over */
	double cpu_pct, x_cpu_pct;  /* the program's and the X server's, % of one core */
	long rss_kb, hwm_kb;        /* the program's VmRSS and VmHWM at the end */
};
/* Let kid settle for settle_s, then measure it and the X server xkid over idle_s. */
void bench_idle_measure(int kid, int xkid, double settle_s, double idle_s,
			struct bench_idle *r);

/* ---- reading the programs' logs as they grow ----------------------------------------- */

struct bench_tail {
	int fd;
	char buf[16384];
	size_t len;
	char line[4096];
};

/* Follow a log of the directory from its start. */
void bench_tail_open(struct bench_tail *t, const char *log);
void bench_tail_close(struct bench_tail *t);
/* The next whole line written so far (without its newline, cut at 4095 bytes), or NULL.
 * The line stays valid until the next call. */
const char *bench_tail_next(struct bench_tail *t);
/* Wait for a line of kid's log that starts with prefix: its readiness signal. bench_die,
 * with the end of the log, after timeout_s, or when a kid ends. */
void bench_wait_ready(int kid, const char *prefix, double timeout_s);

#endif
