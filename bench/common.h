/*
 * What every benchmark program in bench/ shares: a monotonic clock, the HQ_BENCH_* sizes read
 * from the environment, samples of latencies with their nearest-rank percentiles, the one
 * directory a run keeps its files in (on a real disk, not tmpfs, unless told otherwise), and
 * the handling of the processes a bench starts (hallqd, socat, the gateway): spawned with
 * their output in a log file in that directory, stopped by their PID with SIGTERM and, if
 * need be, SIGKILL. A bench measures and never judges, so the only error path is
 * bench_die(): an operation failed, the message says which, the hook the program set stops
 * what it started, and the directory is left for a look.
 *
 * Ownership: a bench_sample owns its values (bench_sample_free); bench_summarize sorts them
 * in place and keeps them. Everything else is static storage or the caller's buffers.
 */
#ifndef HQ_BENCH_COMMON_H
#define HQ_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- running ----------------------------------------------------------------------- */

/* The program's name for messages, and what to stop before bench_die() exits (NULL: none). */
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

#endif
