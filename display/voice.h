/*
 * The wall display's voice: what a call says, and saying it. A call ("B012" to counter 3)
 * becomes a sequence of short clips (chime, 请, B, 零, 一, 二, 号, 到, 三, 号, 窗口, 办理,
 * then the English if the hall wants it); the player loads the clips from a list of voice
 * directories, joins each announcement into one sound and plays the announcements strictly
 * one after another on SDL_mixer. Clips come from tools/make-voice (espeak-ng) or, where a
 * hall has them, studio recordings in assets/voice; docs/display.md "Voice" has the clip
 * table.
 *
 * Clip names are relative paths without ".wav": "chime", "zh/qing", "en/to_counter". A
 * voice directory holds them as DIR/chime.wav, DIR/zh/qing.wav, DIR/en/to_counter.wav;
 * the first directory in the list that has a clip wins, so the display passes
 * { "assets/voice", "build/voice" } and a studio recording replaces the generated clip.
 * Clips may be any WAV SDL reads; they are converted at load to HQ_VOICE_RATE Hz mono
 * signed 16-bit, the format tools/make-voice writes and the mixer is opened in.
 *
 * Threads and time. Every function here is called from one thread, the display's main
 * thread, which also owns SDL's audio subsystem (hq_voice_open initialises it; the display
 * does not). Nothing here blocks or sleeps. The display's loop calls hq_voice_step() each
 * time it wakes and lets hq_voice_next_ms() bound its SDL_WaitEventTimeout(), so it sleeps
 * through an announcement instead of polling. The only code on SDL's audio thread is an
 * SDL_mixer effect callback that counts the bytes actually mixed and notes the end of the
 * sound, in atomics inside struct hq_voice (SDL_mixer passes it as the callback's user
 * data, so there is no global). Times are SDL_GetTicks64(): monotonic milliseconds.
 *
 * Why one joined sound per announcement rather than a clip per channel chained from
 * Mix_ChannelFinished: the clips of an announcement then follow each other sample for
 * sample, with no gap that depends on when the main loop wakes, and the mixer's finished
 * callback (which has no user data and must not call SDL_mixer) is not needed at all.
 *
 * Errors are hq_err codes (hq_error.h): HQ_EINVAL for a bad argument, HQ_EIO for a clip
 * that is missing or unreadable or an audio device that will not open, HQ_ESTATE when the
 * audio is not open, HQ_EFULL when the announcement queue is full, HQ_ENOMEM. The detail,
 * naming the clip file or SDL's reason, is in hq_voice_error().
 *
 * Ownership: hq_voice_new() copies the directory names; hq_voice_free() (NULL is fine)
 * closes the audio if open, drops the queue without playing it and frees every clip.
 * The clip names hq_voice_sequence() writes are static strings, never freed. Sequences
 * passed to the player are read during the call only.
 */
#ifndef HQ_VOICE_H
#define HQ_VOICE_H

#include <stdint.h>

/* The one sample format: HQ_VOICE_RATE Hz, mono, signed 16-bit. */
#define HQ_VOICE_RATE 22050
/* The most clips one announcement may have; hq_voice_sequence() needs at most 35. */
#define HQ_VOICE_SEQ_MAX 48
/* Announcements waiting to be spoken, not counting the one being spoken. */
#define HQ_VOICE_QUEUE_MAX 64
/* How many times one announcement may be said (hq_voice_announce's repeat). */
#define HQ_VOICE_REPEAT_MAX 5
/* Silence between the repeats of one announcement and between two announcements: long
 * enough that a listener hears where one call ends, short enough not to hold a queue up. */
#define HQ_VOICE_GAP_MS 600

/*
 * The clips that say one call: ticket label (1 to 3 capital letters A-Z, then 1 to 4
 * digits, as the hall prints it: "B012", "AB105", "F0007") at counter 1..9999, in
 * Chinese and, when with_en is non-zero, then in English. Writes at most max names to out
 * and returns how many it wrote, or HQ_EINVAL for a label or counter outside those
 * ranges or an out too small (HQ_VOICE_SEQ_MAX is always enough). Pure: no I/O, no state.
 *
 * "B012" at 3: chime zh/qing zh/B zh/ling zh/yi zh/er zh/hao zh/dao zh/san zh/hao
 * zh/chuangkou zh/banli [en/please en/number en/B en/zero en/one en/two en/to_counter
 * en/three]. Ticket digits are read one by one (leading zeros too, since the citizen
 * compares them with the paper); the counter is read as a number (12 shi er, 105 yi bai
 * ling wu, 200 liang bai; English: 1-99 as words, 100 and up digit by digit).
 */
int hq_voice_sequence(const char *label, int counter, int with_en, const char **out, int max);

struct hq_voice;

/* A player with an empty clip cache, reading clips from dirs[0..ndirs-1] in that order
 * (1 to 8 directories). Does not touch audio. NULL when out of memory or given no dirs. */
struct hq_voice *hq_voice_new(const char *const *dirs, int ndirs);
void hq_voice_free(struct hq_voice *v);
/* The detail of the last error, e.g. "voice clip zh/qing.wav not found (looked in
 * assets/voice, build/voice)". Empty when there was none; valid until the next call. */
const char *hq_voice_error(const struct hq_voice *v);

/* Load every clip of seq into the cache now (they are otherwise loaded on first use),
 * so a display can refuse to start on a missing clip rather than fail at the first call. */
int hq_voice_preload(struct hq_voice *v, const char *const *seq, int n);
/* The length of seq spoken once, in milliseconds, from the clips' samples (loads them).
 * Returns the length (>= 0) or an error. */
int hq_voice_sequence_ms(struct hq_voice *v, const char *const *seq, int n);
/* Write seq spoken once, the clips joined exactly as the player joins them, to a WAV
 * file at path (HQ_VOICE_RATE Hz mono 16-bit). Needs no audio device: for tests, and for
 * an operator who wants to listen to a call on another machine. */
int hq_voice_render_wav(struct hq_voice *v, const char *const *seq, int n, const char *path);

/*
 * Open the audio output: initialise SDL's audio subsystem with driver (NULL: SDL's own
 * choice, which honours SDL_AUDIODRIVER; "dummy" plays into nothing in real time, for
 * tests and for a machine without a sound card) and open SDL_mixer in the one format.
 * A display that finds no sound card logs the error and may open "dummy" instead, so
 * that calls still queue and time the same. hq_voice_close() stops any sound at once,
 * drops the queue and closes the audio; the clip cache stays, so a reopen is cheap.
 */
int hq_voice_open(struct hq_voice *v, const char *driver);
void hq_voice_close(struct hq_voice *v);

/*
 * Queue an announcement: seq said repeat times (1..HQ_VOICE_REPEAT_MAX) with
 * HQ_VOICE_GAP_MS between. All its clips are loaded first, so a missing clip is an error
 * here, naming the file, and nothing is queued. Returns the announcement's id (>= 0,
 * counting up from 0) or an error: HQ_EFULL when HQ_VOICE_QUEUE_MAX announcements are
 * already waiting (nothing is ever dropped; the caller decides), HQ_ESTATE when the audio
 * is not open. The announcement starts at a later hq_voice_step(), never inside this call.
 */
int hq_voice_announce(struct hq_voice *v, const char *const *seq, int n, int repeat);
/* Advance the player: notice that the announcement playing has ended and start the next
 * one once the gap has passed. Call it whenever the main loop wakes. Returns 0, or an
 * error when an announcement could not be started (it stays queued; the next step tries
 * it again). */
int hq_voice_step(struct hq_voice *v);
/* Milliseconds until hq_voice_step() next has work: until the sound playing should end
 * (from the bytes still to mix) or until the gap after it is over; 0 when a step is due
 * now; -1 when there is nothing to speak, so the loop may sleep until its next event. */
int hq_voice_next_ms(const struct hq_voice *v);
/* Announcements queued or being spoken. */
int hq_voice_pending(const struct hq_voice *v);

/*
 * What the player reports, from hq_voice_step() on the main thread: an announcement
 * started or finished. For a finished one, played_ms is what the mixer really mixed of it,
 * counted on the audio thread; it equals expected_ms unless it was cut off, so a test or a
 * log can prove that every announcement was said whole.
 */
enum hq_voice_event {
	HQ_VOICE_STARTED,
	HQ_VOICE_FINISHED,
};

struct hq_voice_report {
	enum hq_voice_event event;
	int id;                 /* as hq_voice_announce returned it */
	uint64_t at_ms;         /* SDL_GetTicks64() when the step saw it */
	int expected_ms;        /* the whole sound: repeats and the gaps between them */
	int played_ms;          /* HQ_VOICE_FINISHED only */
};

typedef void hq_voice_hook_fn(void *ud, const struct hq_voice_report *r);
/* At most one hook; NULL removes it. Called from hq_voice_step() only; it may queue
 * announcements or close the audio, but not free the player. */
void hq_voice_set_hook(struct hq_voice *v, hq_voice_hook_fn *fn, void *ud);

#endif
