/*
 * The wall display's benchmark. It runs hallq-display in an Xvfb of its own, following a
 * hallqd of its own with a scratch database, and measures (1) what an idle display costs
 * at 1920x1080: CPU as a share of one core, and its resident memory with the font loaded,
 * and (2) how long a call takes from the clerk's call-next request to the frame on the wall
 * that shows it, over many calls spread over several counters at random moments. The
 * display tells when it showed a call: run with HALLQ_DISPLAY_TRACE=1 it prints "presented
 * LABEL MONO_US" after each frame that shows a new newest call, MONO_US being
 * CLOCK_MONOTONIC in microseconds right after the frame was presented, the clock this
 * bench reads too. It prints figures and judges nothing by its exit status: it exits
 * non-zero only when a program does not start or an operation fails. docs/bench.md says
 * what each figure means and which environment variables size the work.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "hall.h"
#include "hq_client.h"

#define NCOUNTERS 6
#define WARM_CALLS 2           /* untimed calls after the display said ready */
#define PAUSE_MIN_MS 50        /* between a call shown and the next call-next */
#define PAUSE_MAX_MS 300
#define READY_TIMEOUT_S 30.0   /* start to the display's first frame (fonts, hall, voice) */
#define FRAME_TIMEOUT_S 5.0    /* a call-next to the frame that shows it */
#define TARGET_P99_MS 50.0     /* event to frame, p99 */
#define TARGET_IDLE_PCT 3.0    /* idle CPU, % of one core */

/* How much work each part does; see docs/bench.md. */
struct sizes {
	long calls;            /* timed calls in part 2 */
	long idle_s;           /* CPU measured over this long in part 1 */
	long settle_s;         /* after ready, before part 1 measures */
	bool idle_voice;       /* part 1 with voice on, as in a hall */
	long seed;
	long port;             /* 0: pick a free one */
	int width, height;     /* the window, and Xvfb's screen */
};

static struct hq_client *admin, *kiosk;
static const char *xvfb_bin;
static int xvfb_kid = -1, x_number;
static bool keep_files;

static void read_sizes(struct sizes *z)
{
	const char *w = getenv("HQ_BENCH_WINDOW");
	char extra;

	z->calls = bench_env_long("HQ_BENCH_DISPLAY_CALLS", 200, 1, 3000);
	z->idle_s = bench_env_long("HQ_BENCH_IDLE_SECONDS", 20, 1, 3600);
	z->settle_s = bench_env_long("HQ_BENCH_SETTLE_SECONDS", 5, 0, 600);
	z->idle_voice = bench_env_long("HQ_BENCH_IDLE_VOICE", 1, 0, 1) != 0;
	z->seed = bench_env_long("HQ_BENCH_SEED", (long)(getpid() ^ time(NULL)) & 0x7fffffff, 0,
				 LONG_MAX);
	z->port = bench_env_long("HQ_BENCH_PORT", 0, 0, 65535);
	keep_files = bench_env_long("HQ_BENCH_KEEP", 0, 0, 1) != 0;
	z->width = 1920;
	z->height = 1080;
	if (w && *w && (sscanf(w, "%dx%d%c", &z->width, &z->height, &extra) != 2 ||
			z->width < 320 || z->width > 7680 || z->height < 320 || z->height > 7680))
		bench_die("HQ_BENCH_WINDOW = %s: want WIDTHxHEIGHT, each from 320 to 7680", w);
}

/* ---- the hall ---------------------------------------------------------------------- */

/* The bench's services (bench_services), Chinese and English, a notice line (which the
 * display scrolls, as a hall's does), and NCOUNTERS counters that serve every service,
 * each a different one first, so that any counter finds someone waiting while any ticket
 * is left. */
static void write_hall(void)
{
	struct bench_text t;
	FILE *f = bench_text_begin(&t);
	int c, i;

	fprintf(f, "[hall]\nname = 基准大厅\nname_en = Bench Hall\nlanguages = zh, en\n"
		"notice = 办事请携带本人有效身份证件。听到叫号后请到对应窗口办理。\n\n");
	bench_print_services(f, 999);
	for (c = 1; c <= NCOUNTERS; c++) {
		fprintf(f, "[counter %d]\nservices = ", c);
		for (i = 0; i < BENCH_NSERVICES; i++)
			fprintf(f, "%s%s", i ? ", " : "",
				bench_services[(c - 1 + i) % BENCH_NSERVICES].key);
		fprintf(f, "\n\n");
	}
	bench_text_end(&t, "hall.ini", 0644);
}

/* ---- the display ------------------------------------------------------------------- */

/* hallq-display in the Xvfb, with the trace on and SDL's dummy audio driver (there is no
 * sound card; the dummy driver takes what is mixed at the pace a card would). Returns its
 * kid once it says ready: its first frame with the hall's data is drawn. */
static int start_display(const char *tag, bool voice, const struct sizes *z)
{
	char bin[4200], window[32], log[64], token[80], xdisp[32];
	char *argv[12], *env[] = { token, "HALLQ_DISPLAY_TRACE=1", "SDL_AUDIODRIVER=dummy",
				   "SDL_VIDEODRIVER=x11", xdisp, NULL };
	double t0;
	int n = 0, k;

	bench_bin_path(bin, sizeof bin, "hallq-display");
	snprintf(window, sizeof window, "%dx%d", z->width, z->height);
	snprintf(log, sizeof log, "display-%s.log", tag);
	snprintf(token, sizeof token, "HALLQ_TOKEN=%s", bench_hall_token("display"));
	snprintf(xdisp, sizeof xdisp, "DISPLAY=:%d", x_number);
	argv[n++] = bin;
	argv[n++] = "--server";
	argv[n++] = (char *)bench_hall_url();
	argv[n++] = "--window";
	argv[n++] = window;
	argv[n++] = "--shot-dir";
	argv[n++] = (char *)bench_dir();
	if (!voice)
		argv[n++] = "--no-voice";
	argv[n] = NULL;
	t0 = bench_now_s();
	k = bench_kid_start("hallq-display", log, argv, NULL, env);
	bench_wait_ready(k, "ready", READY_TIMEOUT_S);
	printf("   hallq-display (pid %d, %s, voice %s) said ready after %.0f ms\n",
	       (int)bench_kid(k)->pid, window, voice ? "on" : "off", (bench_now_s() - t0) * 1e3);
	return k;
}

/* ---- 2. event to frame ------------------------------------------------------------- */

struct trace {
	struct bench_tail log;
	long lines;            /* "presented" lines read so far */
	char last[32];         /* the label of the last one */
};

/*
 * The moment (seconds on CLOCK_MONOTONIC) of the first frame that showed label, from the
 * display's "presented LABEL MONO_US" lines. The call was sent at t0, so a stamp before t0,
 * or after the moment the line was read, is not CLOCK_MONOTONIC in microseconds.
 */
static double wait_presented(struct trace *tr, const char *label, double t0, int counter)
{
	double start = bench_now_s();
	const char *line;

	for (;;) {
		while ((line = bench_tail_next(&tr->log))) {
			char got[32];
			long long us;
			double at, now;

			if (strncmp(line, "presented ", 10))
				continue;
			if (sscanf(line + 10, "%31s %lld", got, &us) != 2)
				bench_die("hallq-display printed \"%s\"; the trace is \"presented LABEL"
					  " MONO_US\"", line);
			tr->lines++;
			snprintf(tr->last, sizeof tr->last, "%s", got);
			if (strcmp(got, label))
				continue;
			at = (double)us / 1e6;
			now = bench_now_s();
			if (at < t0 || at > now)
				bench_die("hallq-display presented %s at %lld µs, outside the call's"
					  " %.0f to %.0f µs: MONO_US must be CLOCK_MONOTONIC in"
					  " microseconds, taken right after the frame is presented", label, us,
					  t0 * 1e6, now * 1e6);
			return at;
		}
		bench_kids_check();
		if (bench_now_s() - start > FRAME_TIMEOUT_S) {
			if (!tr->lines)
				bench_die("hallq-display said ready but printed no \"presented LABEL"
					  " MONO_US\" line in the %.0f s after %s was called at counter"
					  " %d: it lacks HALLQ_DISPLAY_TRACE (docs/bench.md, \"The wall"
					  " display\", says what it must print)", FRAME_TIMEOUT_S, label,
					  counter);
			bench_die("no frame showed %s, called at counter %d, within %.0f s; the last"
				  " the display presented was %s", label, counter, FRAME_TIMEOUT_S,
				  tr->last);
		}
		bench_nap_ms(2);
	}
}

struct call_result {
	long n;
	struct bench_figures frame;    /* before the request to the frame: the figure */
	struct bench_figures answer;   /* the request's round trip */
	struct bench_figures after;    /* the answer to the frame (negative: frame first) */
	double after_min;
	double warm_ms[WARM_CALLS];
	double cpu_pct, x_cpu_pct;     /* the display's and Xvfb's, over the calls */
	long rss_kb, hwm_kb;           /* the display's, after the calls */
};

/* One call at a time: a random counter after a random pause, then the frame that shows
 * it. The pauses put the calls at random points of the display's frame and clock cycle. */
static void measure_calls(int disp, long n, unsigned short rng[3], struct call_result *r)
{
	struct bench_sample frame = {0}, answer = {0}, after = {0};
	pid_t pid = bench_kid(disp)->pid, xpid = bench_kid(xvfb_kid)->pid;
	struct trace tr = {0};
	double c0, x0, w0, elapsed;
	char path[64], label[32];
	long i;

	bench_tail_open(&tr.log, bench_kid(disp)->log);
	c0 = bench_proc_cpu_s(pid);
	x0 = bench_proc_cpu_s(xpid);
	w0 = bench_now_s();
	for (i = 0; i < WARM_CALLS + n; i++) {
		int counter = 1 + (int)(nrand48(rng) % NCOUNTERS);
		int pause_ms = PAUSE_MIN_MS + (int)(erand48(rng) * (PAUSE_MAX_MS - PAUSE_MIN_MS));
		double t0, t1, at;
		json_t *ticket;
		const char *s;

		bench_pause_s(pause_ms / 1e3);
		snprintf(path, sizeof path, "/api/v1/counters/%d/call-next", counter);
		t0 = bench_now_s();
		ticket = bench_hall_request(admin, "POST", path, NULL, NULL, 200);
		t1 = bench_now_s();
		if (!(s = json_string_value(json_object_get(ticket, "label"))))
			bench_die("POST %s answered a ticket without a label", path);
		snprintf(label, sizeof label, "%s", s);
		json_decref(ticket);
		at = wait_presented(&tr, label, t0, counter);
		if (i < WARM_CALLS) {
			r->warm_ms[i] = (at - t0) * 1e3;
			continue;
		}
		bench_sample_add(&frame, (at - t0) * 1e3);
		bench_sample_add(&answer, (t1 - t0) * 1e3);
		bench_sample_add(&after, (at - t1) * 1e3);
	}
	elapsed = bench_now_s() - w0;
	r->cpu_pct = (bench_proc_cpu_s(pid) - c0) / elapsed * 100;
	r->x_cpu_pct = (bench_proc_cpu_s(xpid) - x0) / elapsed * 100;
	bench_proc_memory(pid, &r->rss_kb, &r->hwm_kb);
	bench_tail_close(&tr.log);
	r->n = n;
	r->frame = bench_summarize(&frame);
	r->answer = bench_summarize(&answer);
	r->after = bench_summarize(&after);
	r->after_min = after.n ? after.v[0] : 0;    /* sorted by bench_summarize */
	bench_sample_free(&frame);
	bench_sample_free(&answer);
	bench_sample_free(&after);
}

static void print_calls(const struct call_result *r)
{
	int i;

	printf("   %ld calls on %d counters, one at a time, %d to %d ms apart; first %d untimed:",
	       r->n, NCOUNTERS, PAUSE_MIN_MS, PAUSE_MAX_MS, WARM_CALLS);
	for (i = 0; i < WARM_CALLS; i++)
		printf(" %.1f ms", r->warm_ms[i]);
	printf("\n      call-next sent to frame presented: p50 %.1f ms, p99 %.1f ms, max %.1f ms,"
	       " mean %.1f ms\n", r->frame.p50, r->frame.p99, r->frame.max, r->frame.mean);
	printf("      of which the call-next request (commit and answer): p50 %.1f ms, p99 %.1f"
	       " ms\n", r->answer.p50, r->answer.p99);
	printf("      answer received to frame presented: p50 %.1f ms, p99 %.1f ms, min %.1f ms"
	       " (negative: the frame came first)\n", r->after.p50, r->after.p99, r->after_min);
	printf("      the display used %.1f%% of a core over the calls (voice on), Xvfb %.1f%%;"
	       " after them VmRSS %.1f MB, VmHWM %.1f MB\n", r->cpu_pct, r->x_cpu_pct,
	       r->rss_kb / 1024.0, r->hwm_kb / 1024.0);
}

/* ---- main ------------------------------------------------------------------------- */

int main(void)
{
	static const char *const progs[] = { "hallq", "hallqd", "hallq-display" };
	static const char *const roles[] = { "admin", "kiosk", "display", NULL };
	struct call_result calls = {0};
	struct bench_idle idle = {0};
	double t_start = bench_now_s(), ratio;
	unsigned short rng[3];
	struct sizes z;
	long tickets, i;
	int disp;

	bench_init("bench_display", bench_kids_on_die);
	bench_catch_signals();
	read_sizes(&z);
	bench_rng_seed(rng, z.seed);

	printf("bench_display: hallq-display under Xvfb at %dx%d, following a hallqd of its own\n",
	       z.width, z.height);
	printf("HQ_BENCH_DISPLAY_CALLS=%ld HQ_BENCH_IDLE_SECONDS=%ld HQ_BENCH_SETTLE_SECONDS=%ld"
	       " HQ_BENCH_IDLE_VOICE=%d HQ_BENCH_WINDOW=%dx%d HQ_BENCH_SEED=%ld\n", z.calls,
	       z.idle_s, z.settle_s, z.idle_voice, z.width, z.height, z.seed);
	xvfb_bin = bench_find_tool("Xvfb", "xvfb");
	bench_find_programs(progs, sizeof progs / sizeof progs[0]);
	bench_make_dir("display-bench", "files");
	write_hall();
	bench_hall_write_tokens(roles);
	bench_hall_start(z.port ? z.port : bench_free_port());
	admin = bench_hall_client("admin");
	kiosk = bench_hall_client("kiosk");
	/* One ticket a call and a few more, round the services. */
	tickets = WARM_CALLS + z.calls + 8;
	for (i = 0; i < tickets; i++)
		bench_hall_issue(kiosk, bench_services[i % BENCH_NSERVICES].key, 1);
	printf("%ld tickets issued to %d services; %d counters\n", tickets, BENCH_NSERVICES,
	       NCOUNTERS);
	xvfb_kid = bench_xvfb_start(xvfb_bin, z.width, z.height, &x_number);

	/* Idle first: a display started after the calls would replay the last of them from
	 * the event stream, take them as fresh and highlight them for --highlight seconds. */
	printf("\n1. an idle display at %dx%d: a fresh one, no call made yet, %ld s to settle, then"
	       " %ld s measured\n", z.width, z.height, z.settle_s, z.idle_s);
	disp = start_display("idle", z.idle_voice, &z);
	bench_idle_measure(disp, xvfb_kid, (double)z.settle_s, (double)z.idle_s, &idle);
	bench_kids_stop(disp, false);
	printf("   CPU over %.1f s: the display %.2f%% of one core (utime+stime of /proc/PID/stat),"
	       " Xvfb %.2f%%\n", idle.seconds, idle.cpu_pct, idle.x_cpu_pct);
	printf("   memory at the end: VmRSS %.1f MB, VmHWM %.1f MB\n", idle.rss_kb / 1024.0,
	       idle.hwm_kb / 1024.0);

	printf("\n2. a call's event to the frame that shows it: from just before POST"
	       " /api/v1/counters/N/call-next\n   to the display's \"presented LABEL MONO_US\""
	       " (an upper bound: it includes the HTTP round trip)\n");
	disp = start_display("calls", true, &z);
	measure_calls(disp, z.calls, rng, &calls);
	bench_kids_stop(disp, false);
	print_calls(&calls);

	bench_finish(keep_files);
	hq_client_free(admin);
	hq_client_free(kiosk);

	printf("\nsummary (%.0f s)\n", bench_now_s() - t_start);
	ratio = calls.frame.p99 / TARGET_P99_MS;
	printf("event to frame: p99 %.1f ms over %ld calls, from before call-next (an upper bound),"
	       " %.2f of the target (p99 < %.0f ms: %s)\n", calls.frame.p99, calls.n, ratio,
	       TARGET_P99_MS, bench_met(calls.frame.p99 < TARGET_P99_MS));
	ratio = idle.cpu_pct / TARGET_IDLE_PCT;
	printf("idle CPU at %dx%d: %.2f%% of one core over %.0f s, %.2f of the target (< %.0f%%:"
	       " %s)\n", z.width, z.height, idle.cpu_pct, idle.seconds, ratio, TARGET_IDLE_PCT,
	       bench_met(idle.cpu_pct < TARGET_IDLE_PCT));
	printf("display memory, idle with the font loaded: VmRSS %.1f MB, VmHWM %.1f MB\n",
	       idle.rss_kb / 1024.0, idle.hwm_kb / 1024.0);
	return 0;
}
