/*
 * The wall display's voice (display/voice.c): what each call says, and that saying it
 * works with the real clips. The sequences are checked name by name for many labels and
 * counters; then, with the clips tools/make-voice made (HQ_VOICE_DIR, default
 * $BUILD/voice; `make tests` makes them), the lengths are checked against sox's own
 * measure of the files, a rendered call is checked to be that long and not silent, and two
 * calls queued a second apart are played through SDL's dummy audio driver in real time:
 * both must be mixed whole, in order, one after the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <SDL.h>

#include "hq_error.h"
#include "voice.h"

static char voice_dir[1024];
static const char *const assets_dir = "assets/voice";

/* ---- helpers ---- */

/* The sequence for label at counter as one space-separated string (or "error"). */
static const char *say(const char *label, int counter, int with_en)
{
	static char buf[2048];
	const char *seq[HQ_VOICE_SEQ_MAX];
	int n = hq_voice_sequence(label, counter, with_en, seq, HQ_VOICE_SEQ_MAX);

	if (n < 0)
		return "error";
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, seq[i]);
	}
	return buf;
}

/* The Chinese reading of a counter number alone: what lies between "zh/dao" and the
 * "zh/hao zh/chuangkou" that ends it, without the "zh/" prefixes. */
static const char *zh_counter(int counter)
{
	static char buf[256];
	const char *seq[HQ_VOICE_SEQ_MAX];
	int n = hq_voice_sequence("A1", counter, 0, seq, HQ_VOICE_SEQ_MAX);

	assert_true(n > 0);
	buf[0] = '\0';
	/* chime qing A yi hao dao ... hao chuangkou banli */
	for (int i = 6; i < n - 3; i++) {
		if (i > 6)
			strcat(buf, " ");
		strcat(buf, seq[i] + 3);
	}
	return buf;
}

/* The English reading of a counter: what follows "en/to_counter". */
static const char *en_counter(int counter)
{
	static char buf[256];
	const char *seq[HQ_VOICE_SEQ_MAX];
	int n = hq_voice_sequence("A1", counter, 1, seq, HQ_VOICE_SEQ_MAX);
	int i = 0;

	assert_true(n > 0);
	while (i < n && strcmp(seq[i], "en/to_counter") != 0)
		i++;
	assert_true(i < n);
	buf[0] = '\0';
	for (int k = i + 1; k < n; k++) {
		if (k > i + 1)
			strcat(buf, " ");
		strcat(buf, seq[k] + 3);
	}
	return buf;
}

/* One line of a command's output (popen), or "" when it printed nothing. */
static const char *run(const char *cmd)
{
	static char line[512];
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	line[0] = '\0';
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	pclose(p);
	return line;
}

/* Where a clip is: the studio recording in assets/voice if there is one, else ours. */
static void clip_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s.wav", assets_dir, name);
	if (access(out, F_OK) != 0)
		snprintf(out, size, "%s/%s.wav", voice_dir, name);
}

static struct hq_voice *player(void)
{
	const char *dirs[] = {assets_dir, voice_dir};
	struct hq_voice *v = hq_voice_new(dirs, 2);

	assert_non_null(v);
	return v;
}

static char *make_tmpdir(void)
{
	char tmpl[1024];
	const char *base = getenv("TMPDIR");
	char *dir;

	snprintf(tmpl, sizeof tmpl, "%s/hq-voice-XXXXXX", base && *base ? base : "/tmp");
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	return strdup(dir);
}

/* ---- sequences: pure ---- */

static void b012_at_3(void **state)
{
	(void)state;
	assert_string_equal(say("B012", 3, 0),
			    "chime zh/qing zh/B zh/ling zh/yi zh/er zh/hao zh/dao zh/san zh/hao "
			    "zh/chuangkou zh/banli");
	assert_string_equal(say("B012", 3, 1),
			    "chime zh/qing zh/B zh/ling zh/yi zh/er zh/hao zh/dao zh/san zh/hao "
			    "zh/chuangkou zh/banli "
			    "en/please en/number en/B en/zero en/one en/two en/to_counter en/three");
}

static void many_labels(void **state)
{
	(void)state;
	assert_string_equal(say("A001", 1, 0),
			    "chime zh/qing zh/A zh/ling zh/ling zh/yi zh/hao zh/dao zh/yi zh/hao "
			    "zh/chuangkou zh/banli");
	assert_string_equal(say("AB105", 12, 1),
			    "chime zh/qing zh/A zh/B zh/yi zh/ling zh/wu zh/hao zh/dao zh/shi zh/er "
			    "zh/hao zh/chuangkou zh/banli "
			    "en/please en/number en/A en/B en/one en/zero en/five en/to_counter "
			    "en/twelve");
	assert_string_equal(say("Z9999", 9999, 0),
			    "chime zh/qing zh/Z zh/jiu zh/jiu zh/jiu zh/jiu zh/hao zh/dao zh/jiu "
			    "zh/qian zh/jiu zh/bai zh/jiu zh/shi zh/jiu zh/hao zh/chuangkou zh/banli");
	assert_string_equal(say("F0007", 20, 1),
			    "chime zh/qing zh/F zh/ling zh/ling zh/ling zh/qi zh/hao zh/dao zh/er "
			    "zh/shi zh/hao zh/chuangkou zh/banli "
			    "en/please en/number en/F en/zero en/zero en/zero en/seven en/to_counter "
			    "en/twenty");
	/* A ticket's 2 is er, digit by digit, never liang. */
	assert_string_equal(say("XYZ2", 2, 0),
			    "chime zh/qing zh/X zh/Y zh/Z zh/er zh/hao zh/dao zh/er zh/hao "
			    "zh/chuangkou zh/banli");
	assert_string_equal(say("C0", 5, 0),
			    "chime zh/qing zh/C zh/ling zh/hao zh/dao zh/wu zh/hao zh/chuangkou "
			    "zh/banli");
}

static void counters_in_chinese(void **state)
{
	static const struct {
		int n;
		const char *says;
	} cases[] = {
		{1, "yi"}, {2, "er"}, {3, "san"}, {9, "jiu"},
		{10, "shi"}, {11, "shi yi"}, {12, "shi er"}, {19, "shi jiu"},
		{20, "er shi"}, {21, "er shi yi"}, {99, "jiu shi jiu"},
		{100, "yi bai"}, {101, "yi bai ling yi"}, {105, "yi bai ling wu"},
		{110, "yi bai yi shi"}, {115, "yi bai yi shi wu"}, {120, "yi bai er shi"},
		{200, "liang bai"}, {222, "liang bai er shi er"}, {999, "jiu bai jiu shi jiu"},
		{1000, "yi qian"}, {1001, "yi qian ling yi"}, {1010, "yi qian ling yi shi"},
		{1100, "yi qian yi bai"}, {1105, "yi qian yi bai ling wu"},
		{1200, "yi qian er bai"}, {2000, "liang qian"}, {2002, "liang qian ling er"},
		{2222, "liang qian er bai er shi er"}, {9999, "jiu qian jiu bai jiu shi jiu"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = zh_counter(cases[i].n);
		if (strcmp(got, cases[i].says) != 0)
			fail_msg("counter %d: \"%s\", want \"%s\"", cases[i].n, got, cases[i].says);
	}
}

static void counters_in_english(void **state)
{
	static const struct {
		int n;
		const char *says;
	} cases[] = {
		{1, "one"}, {3, "three"}, {10, "ten"}, {12, "twelve"}, {19, "nineteen"},
		{20, "twenty"}, {21, "twenty one"}, {40, "forty"}, {99, "ninety nine"},
		{100, "one zero zero"}, {105, "one zero five"}, {1000, "one zero zero zero"},
		{9999, "nine nine nine nine"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = en_counter(cases[i].n);
		if (strcmp(got, cases[i].says) != 0)
			fail_msg("counter %d: \"%s\", want \"%s\"", cases[i].n, got, cases[i].says);
	}
}

static void bad_calls_rejected(void **state)
{
	static const char *const bad[] = {
		"", "012", "B", "b012", "ABCD012", "B01234", "B12a", "B 12", "B-12", "B12 ",
		" B12", "Ä12", "B\n12", "12B", "B1B2",
	};
	const char *seq[HQ_VOICE_SEQ_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (hq_voice_sequence(bad[i], 3, 1, seq, HQ_VOICE_SEQ_MAX) != HQ_EINVAL)
			fail_msg("label \"%s\" was accepted", bad[i]);
	assert_int_equal(hq_voice_sequence(NULL, 3, 0, seq, HQ_VOICE_SEQ_MAX), HQ_EINVAL);
	assert_int_equal(hq_voice_sequence("B012", 0, 0, seq, HQ_VOICE_SEQ_MAX), HQ_EINVAL);
	assert_int_equal(hq_voice_sequence("B012", -3, 0, seq, HQ_VOICE_SEQ_MAX), HQ_EINVAL);
	assert_int_equal(hq_voice_sequence("B012", 10000, 0, seq, HQ_VOICE_SEQ_MAX), HQ_EINVAL);
	assert_int_equal(hq_voice_sequence("B012", 3, 0, NULL, HQ_VOICE_SEQ_MAX), HQ_EINVAL);
	/* An out too small is refused, not filled with half a call. */
	assert_int_equal(hq_voice_sequence("B012", 3, 0, seq, 11), HQ_EINVAL);
	assert_int_equal(hq_voice_sequence("B012", 3, 0, seq, 12), 12);
	assert_int_equal(hq_voice_sequence("B012", 3, 0, seq, 0), HQ_EINVAL);
}

/* The longest call there can be fits HQ_VOICE_SEQ_MAX; 1111 is the longest counter in
 * Chinese (yi qian yi bai yi shi yi), any counter above 99 the longest in English. */
static void longest_call_fits(void **state)
{
	const char *seq[HQ_VOICE_SEQ_MAX];
	int longest = 0;

	(void)state;
	for (int c = 1; c <= 9999; c++) {
		int n = hq_voice_sequence("ABC1234", c, 1, seq, HQ_VOICE_SEQ_MAX);
		assert_true(n > 0);
		if (n > longest)
			longest = n;
	}
	assert_int_equal(longest, 35);
	assert_int_equal(hq_voice_sequence("ABC1234", 1111, 1, seq, HQ_VOICE_SEQ_MAX), 35);
}

/* ---- with the real clips ---- */

/* Every clip any call can ask for is there, in one of the voice directories, and loads. */
static void every_clip_exists(void **state)
{
	struct hq_voice *v = player();
	const char *seq[HQ_VOICE_SEQ_MAX];
	char label[8];

	(void)state;
	for (int c = 1; c <= 9999; c++) {
		/* Every letter and digit appears in some label as c runs. */
		snprintf(label, sizeof label, "%c%04d", 'A' + c % 26, c);
		int n = hq_voice_sequence(label, c, 1, seq, HQ_VOICE_SEQ_MAX);
		assert_true(n > 0);
		if (hq_voice_preload(v, seq, n) != 0)
			fail_msg("%s at %d: %s", label, c, hq_voice_error(v));
	}
	hq_voice_free(v);
}

/* The length of a call is the sum of its clips' lengths as sox measures the files, to the
 * sample; and a Chinese call lasts a plausible few seconds. */
static void length_is_sum_of_clips(void **state)
{
	struct hq_voice *v = player();
	const char *seq[HQ_VOICE_SEQ_MAX];
	char path[2048], cmd[4200];

	(void)state;
	for (int en = 0; en <= 1; en++) {
		int n = hq_voice_sequence("B012", 3, en, seq, HQ_VOICE_SEQ_MAX);
		long long samples = 0;
		for (int i = 0; i < n; i++) {
			clip_path(path, sizeof path, seq[i]);
			snprintf(cmd, sizeof cmd, "soxi -s '%s' 2>&1", path);
			const char *out = run(cmd);
			char *end;
			long long s = strtoll(out, &end, 10);
			if (end == out || s <= 0)
				fail_msg("soxi on %s: %s", path, out);
			snprintf(cmd, sizeof cmd, "soxi -r '%s'", path);
			assert_string_equal(run(cmd), "22050");
			samples += s;
		}
		int ms = hq_voice_sequence_ms(v, seq, n);
		int want = (int)((samples * 1000 + HQ_VOICE_RATE / 2) / HQ_VOICE_RATE);
		print_message("B012 at 3%s: %d clips, %d ms\n", en ? ", zh+en" : ", zh", n, ms);
		assert_int_equal(ms, want);
		if (en)
			assert_in_range(ms, 5000, 16000);
		else
			assert_in_range(ms, 2000, 8000);
	}
	hq_voice_free(v);
}

/* A rendered call is a WAV sox agrees with: the format, the length of the sequence, and
 * sound in it (an RMS well above the noise floor of silence). */
static void rendered_wav_matches(void **state)
{
	struct hq_voice *v = player();
	const char *seq[HQ_VOICE_SEQ_MAX];
	char *dir = make_tmpdir();
	char out[1100], cmd[3600];
	int n = hq_voice_sequence("AB105", 12, 1, seq, HQ_VOICE_SEQ_MAX);

	(void)state;
	snprintf(out, sizeof out, "%s/call.wav", dir);
	assert_int_equal(hq_voice_render_wav(v, seq, n, out), 0);
	int ms = hq_voice_sequence_ms(v, seq, n);

	snprintf(cmd, sizeof cmd, "soxi -D '%s'", out);
	double seconds = atof(run(cmd));
	print_message("AB105 at 12, zh+en: rendered %.3f s, sequence %d ms\n", seconds, ms);
	assert_in_range((long)(seconds * 1000 + 0.5), ms - 1, ms + 1);
	snprintf(cmd, sizeof cmd, "soxi -r '%s'; soxi -c '%s'; soxi -b '%s'", out, out, out);
	FILE *p = popen(cmd, "r");
	int rate = 0, channels = 0, bits = 0;
	assert_int_equal(fscanf(p, "%d %d %d", &rate, &channels, &bits), 3);
	pclose(p);
	assert_int_equal(rate, 22050);
	assert_int_equal(channels, 1);
	assert_int_equal(bits, 16);

	snprintf(cmd, sizeof cmd, "sox '%s' -n stat 2>&1 | awk '/^RMS +amplitude/ {print $3}'",
		 out);
	double rms = atof(run(cmd));
	print_message("RMS amplitude %.3f\n", rms);
	assert_true(rms > 0.03);

	/* A render of nothing but unreadable names writes nothing. */
	const char *bad[] = {"zh/../../etc/passwd"};
	assert_int_equal(hq_voice_render_wav(v, bad, 1, out), HQ_EINVAL);
	unlink(out);
	rmdir(dir);
	free(dir);
	hq_voice_free(v);
}

/* A clip in the first directory wins, in whatever WAV format it comes (here 44.1 kHz
 * stereo, converted at load); a missing clip is an error naming the file, and a broken
 * one names its path instead of being replaced by the next directory's. */
static void studio_clip_missing_clip_broken_clip(void **state)
{
	char *dir = make_tmpdir();
	char zh[1100], qing[1200], cmd[2600];
	const char *dirs[] = {dir, voice_dir};
	const char *call[] = {"chime", "zh/qing"};
	struct hq_voice *v;

	(void)state;
	snprintf(zh, sizeof zh, "%s/zh", dir);
	assert_int_equal(mkdir(zh, 0755), 0);
	snprintf(qing, sizeof qing, "%s/qing.wav", zh);
	/* One second of a 440 Hz tone: a "studio recording" of exactly 1000 ms. */
	snprintf(cmd, sizeof cmd, "sox -n -r 44100 -c 2 -b 16 '%s' synth 1 sine 440", qing);
	assert_int_equal(system(cmd), 0);

	v = hq_voice_new(dirs, 2);
	const char *chime[] = {"chime"};
	int chime_ms = hq_voice_sequence_ms(v, chime, 1);
	assert_true(chime_ms > 500);
	assert_int_equal(hq_voice_sequence_ms(v, call, 2), chime_ms + 1000);
	hq_voice_free(v);

	/* Only the temporary directory: nothing there but qing. */
	v = hq_voice_new(dirs, 1);
	assert_int_equal(hq_voice_sequence_ms(v, call, 2), HQ_EIO);
	assert_non_null(strstr(hq_voice_error(v), "chime.wav"));
	assert_non_null(strstr(hq_voice_error(v), dir));
	hq_voice_free(v);

	/* A studio recording that is not a WAV at all. */
	FILE *f = fopen(qing, "w");
	assert_non_null(f);
	fputs("not a wave file\n", f);
	fclose(f);
	v = hq_voice_new(dirs, 2);
	assert_int_equal(hq_voice_sequence_ms(v, call, 2), HQ_EIO);
	assert_non_null(strstr(hq_voice_error(v), qing));
	hq_voice_free(v);

	unlink(qing);
	rmdir(zh);
	rmdir(dir);
	free(dir);
}

/* ---- playing, with SDL's dummy audio driver ---- */

struct log {
	struct hq_voice_report r[16];
	int n;
};

static void record(void *ud, const struct hq_voice_report *r)
{
	struct log *log = ud;

	if (log->n < 16)
		log->r[log->n++] = *r;
}

static void not_open_queue_full(void **state)
{
	struct hq_voice *v = player();
	const char *chime[] = {"chime"};
	const char *missing[] = {"chime", "zh/nosuchclip"};

	(void)state;
	assert_int_equal(hq_voice_announce(v, chime, 1, 1), HQ_ESTATE);
	assert_int_equal(hq_voice_next_ms(v), -1);
	assert_int_equal(hq_voice_open(v, "dummy"), 0);
	assert_int_equal(hq_voice_announce(v, chime, 1, 0), HQ_EINVAL);
	assert_int_equal(hq_voice_announce(v, chime, 1, HQ_VOICE_REPEAT_MAX + 1), HQ_EINVAL);
	assert_int_equal(hq_voice_announce(v, missing, 2, 1), HQ_EIO);
	assert_non_null(strstr(hq_voice_error(v), "zh/nosuchclip.wav"));
	assert_int_equal(hq_voice_pending(v), 0);

	/* Nothing starts inside announce, so the queue fills to exactly its size and the next
	 * one is refused, with a reason, rather than dropped. */
	for (int i = 0; i < HQ_VOICE_QUEUE_MAX; i++)
		assert_int_equal(hq_voice_announce(v, chime, 1, 1), i);
	assert_int_equal(hq_voice_pending(v), HQ_VOICE_QUEUE_MAX);
	assert_int_equal(hq_voice_announce(v, chime, 1, 1), HQ_EFULL);
	assert_non_null(strstr(hq_voice_error(v), "waiting"));
	assert_int_equal(hq_voice_next_ms(v), 0);
	/* Once the first has started there is room for one more. */
	assert_int_equal(hq_voice_step(v), 0);
	assert_int_equal(hq_voice_pending(v), HQ_VOICE_QUEUE_MAX);
	assert_int_equal(hq_voice_announce(v, chime, 1, 1), HQ_VOICE_QUEUE_MAX);
	assert_int_equal(hq_voice_announce(v, chime, 1, 1), HQ_EFULL);
	hq_voice_close(v);
	assert_int_equal(hq_voice_pending(v), 0);
	hq_voice_free(v);
}

/*
 * The main loop as the display runs it: sleep until the voice's next wake-up (or until
 * the moment the test makes its next call), step, repeat. Returns how many times it woke.
 */
static int run_loop(struct hq_voice *v, uint64_t until_ms, const char *const *next, int nnext,
		    uint64_t next_at)
{
	int wakes = 0;

	while (SDL_GetTicks64() < until_ms) {
		uint64_t now = SDL_GetTicks64();
		if (next && now >= next_at) {
			assert_true(hq_voice_announce(v, next, nnext, 1) >= 0);
			next = NULL;
		}
		assert_int_equal(hq_voice_step(v), 0);
		if (!next && hq_voice_pending(v) == 0)
			break;
		int wait = hq_voice_next_ms(v);
		if (next && (wait < 0 || (uint64_t)wait > next_at - now))
			wait = (int)(next_at - now);
		assert_true(wait >= 0);
		SDL_Delay((Uint32)wait);
		wakes++;
	}
	return wakes;
}

static void two_calls_a_second_apart(void **state)
{
	struct hq_voice *v = player();
	struct log log = {0};
	const char *a[HQ_VOICE_SEQ_MAX], *b[HQ_VOICE_SEQ_MAX];
	int na = hq_voice_sequence("B012", 3, 0, a, HQ_VOICE_SEQ_MAX);
	int nb = hq_voice_sequence("A001", 12, 0, b, HQ_VOICE_SEQ_MAX);

	(void)state;
	hq_voice_set_hook(v, record, &log);
	if (hq_voice_open(v, "dummy") != 0)
		fail_msg("%s", hq_voice_error(v));
	int ms_a = hq_voice_sequence_ms(v, a, na), ms_b = hq_voice_sequence_ms(v, b, nb);

	uint64_t t0 = SDL_GetTicks64();
	assert_int_equal(hq_voice_announce(v, a, na, 1), 0);
	int wakes = run_loop(v, t0 + 60000, b, nb, t0 + 1000);
	uint64_t took = SDL_GetTicks64() - t0;
	print_message("played %d + %d ms in %llu ms, %d wake-ups\n", ms_a, ms_b,
		      (unsigned long long)took, wakes);

	/* Started A, finished A, started B, finished B: in order, nothing overlapping. */
	assert_int_equal(log.n, 4);
	assert_int_equal(log.r[0].event, HQ_VOICE_STARTED);
	assert_int_equal(log.r[0].id, 0);
	assert_int_equal(log.r[1].event, HQ_VOICE_FINISHED);
	assert_int_equal(log.r[1].id, 0);
	assert_int_equal(log.r[2].event, HQ_VOICE_STARTED);
	assert_int_equal(log.r[2].id, 1);
	assert_int_equal(log.r[3].event, HQ_VOICE_FINISHED);
	assert_int_equal(log.r[3].id, 1);
	/* Each whole: the mixer mixed every sample of it. */
	assert_int_equal(log.r[1].expected_ms, ms_a);
	assert_int_equal(log.r[1].played_ms, ms_a);
	assert_int_equal(log.r[3].expected_ms, ms_b);
	assert_int_equal(log.r[3].played_ms, ms_b);
	/* In real time: each took about its length (the dummy driver runs at the device's
	 * pace; 5% and one 1024-sample buffer of slack), and B began only after A's gap. */
	for (int k = 0; k < 2; k++) {
		long took_k = (long)(log.r[2 * k + 1].at_ms - log.r[2 * k].at_ms);
		int want = k ? ms_b : ms_a;
		assert_in_range(took_k, want * 95 / 100, want + 500);
	}
	assert_true(log.r[2].at_ms >= log.r[1].at_ms + HQ_VOICE_GAP_MS);
	assert_true(log.r[2].at_ms <= log.r[1].at_ms + HQ_VOICE_GAP_MS + 100);
	/* Not a busy loop: a few wake-ups a second at most. */
	assert_true(wakes < (int)(took / 100));
	hq_voice_free(v);
}

static void repeat_is_one_sound(void **state)
{
	struct hq_voice *v = player();
	struct log log = {0};
	const char *s[] = {"chime", "zh/qing"};

	(void)state;
	hq_voice_set_hook(v, record, &log);
	assert_int_equal(hq_voice_open(v, "dummy"), 0);
	int once = hq_voice_sequence_ms(v, s, 2);
	assert_int_equal(hq_voice_announce(v, s, 2, 2), 0);
	run_loop(v, SDL_GetTicks64() + 20000, NULL, 0, 0);
	assert_int_equal(log.n, 2);
	assert_in_range(log.r[1].expected_ms, 2 * once + HQ_VOICE_GAP_MS - 1,
			2 * once + HQ_VOICE_GAP_MS + 1);
	assert_int_equal(log.r[1].played_ms, log.r[1].expected_ms);
	assert_int_equal(hq_voice_pending(v), 0);
	assert_int_equal(hq_voice_next_ms(v), -1);
	/* The audio can be closed and opened again, and still speaks. */
	hq_voice_close(v);
	assert_int_equal(hq_voice_open(v, "dummy"), 0);
	assert_int_equal(hq_voice_announce(v, s, 1, 1), 1);
	run_loop(v, SDL_GetTicks64() + 20000, NULL, 0, 0);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.r[3].played_ms, log.r[3].expected_ms);
	hq_voice_free(v);
}

static int setup(void **state)
{
	const char *dir = getenv("HQ_VOICE_DIR");
	const char *build = getenv("BUILD");
	char probe[1200];

	(void)state;
	if (dir && *dir)
		snprintf(voice_dir, sizeof voice_dir, "%s", dir);
	else
		snprintf(voice_dir, sizeof voice_dir, "%s/voice", build && *build ? build : "build");
	snprintf(probe, sizeof probe, "%s/zh/qing.wav", voice_dir);
	if (access(probe, F_OK) != 0) {
		fprintf(stderr, "test_display_voice: no voice clips in %s: run tools/make-voice %s "
			"(make tests does), or set HQ_VOICE_DIR\n", voice_dir, voice_dir);
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b012_at_3),
		cmocka_unit_test(many_labels),
		cmocka_unit_test(counters_in_chinese),
		cmocka_unit_test(counters_in_english),
		cmocka_unit_test(bad_calls_rejected),
		cmocka_unit_test(longest_call_fits),
		cmocka_unit_test(every_clip_exists),
		cmocka_unit_test(length_is_sum_of_clips),
		cmocka_unit_test(rendered_wav_matches),
		cmocka_unit_test(studio_clip_missing_clip_broken_clip),
		cmocka_unit_test(not_open_queue_full),
		cmocka_unit_test(two_calls_a_second_apart),
		cmocka_unit_test(repeat_is_one_sound),
	};

	return cmocka_run_group_tests_name("display voice", tests, setup, NULL);
}
