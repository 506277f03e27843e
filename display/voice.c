/*
 * The wall display's voice (voice.h): a call turned into clip names, a cache of clips
 * loaded from the voice directories in one sample format, and a player that joins each
 * announcement's clips into one sound and plays the announcements from a bounded queue,
 * one after another, on a channel of its own.
 */
#include "voice.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_mixer.h>

#include "hq_error.h"

#define MAX_DIRS 8
/* Distinct clips a player may hold: the generated set is about 105, so this leaves room
 * for a hall's own additions without letting a caller fill memory with names. */
#define MAX_CLIPS 512
#define MAX_NAME 48
/* The channel the voice plays on; reserved, so no Mix_PlayChannel(-1, ...) can take it. */
#define CHANNEL 0
/* How often hq_voice_next_ms asks to be woken once the sound should have ended but the
 * mixer has not said so yet (the device's own buffer is still playing out). */
#define POLL_MS 10

/* ---- the sequence: pure ---- */

static const char *const zh_digit[10] = {
	"zh/ling", "zh/yi", "zh/er", "zh/san", "zh/si",
	"zh/wu", "zh/liu", "zh/qi", "zh/ba", "zh/jiu",
};
/* Units for the thousands, hundreds and tens place. */
static const char *const zh_unit[3] = {"zh/qian", "zh/bai", "zh/shi"};

static const char *const en_small[20] = {
	"en/zero", "en/one", "en/two", "en/three", "en/four", "en/five", "en/six",
	"en/seven", "en/eight", "en/nine", "en/ten", "en/eleven", "en/twelve",
	"en/thirteen", "en/fourteen", "en/fifteen", "en/sixteen", "en/seventeen",
	"en/eighteen", "en/nineteen",
};
static const char *const en_tens[10] = {
	NULL, NULL, "en/twenty", "en/thirty", "en/forty", "en/fifty", "en/sixty",
	"en/seventy", "en/eighty", "en/ninety",
};

#define L(c) "zh/" #c, "en/" #c
/* Letter clips: [2*i] Chinese, [2*i+1] English, for 'A' + i. */
static const char *const letters[52] = {
	L(A), L(B), L(C), L(D), L(E), L(F), L(G), L(H), L(I), L(J), L(K), L(L), L(M),
	L(N), L(O), L(P), L(Q), L(R), L(S), L(T), L(U), L(V), L(W), L(X), L(Y), L(Z),
};
#undef L

struct seq {
	const char **out;
	int n, max;
};

/* Appending past max only counts, so one check at the end catches an out too small. */
static void put(struct seq *s, const char *clip)
{
	if (s->n < s->max)
		s->out[s->n] = clip;
	s->n++;
}

/*
 * A counter number read in Chinese as a number: 3 san, 10 shi (not yi shi), 12 shi er,
 * 20 er shi, 105 yi bai ling wu, 110 yi bai yi shi, 1005 yi qian ling wu, 1010 yi qian
 * ling yi shi. A run of zeros inside the number is one ling; zeros at the end are silent.
 * A leading 2 before bai or qian is liang (两百, 两千), as people say it; elsewhere er.
 */
static void zh_number(struct seq *s, int n)
{
	int d[4] = {n / 1000, n / 100 % 10, n / 10 % 10, n % 10};
	int started = 0, gap = 0;

	for (int pos = 0; pos < 4; pos++) {
		if (d[pos] == 0) {
			gap = started;
			continue;
		}
		if (gap)
			put(s, "zh/ling");
		gap = 0;
		if (pos == 2 && d[pos] == 1 && !started) {
			/* 十二, not 一十二: a leading ten is just shi. */
		} else if (d[pos] == 2 && pos < 2 && !started) {
			put(s, "zh/liang");
		} else {
			put(s, zh_digit[d[pos]]);
		}
		if (pos < 3)
			put(s, zh_unit[pos]);
		started = 1;
	}
}

/*
 * A counter number in English: 1 to 99 as words ("twelve", "twenty" "one"), as a counter
 * is named in speech; 100 and up digit by digit ("one" "zero" "five"), the way English
 * speakers read a room number, because "one hundred and five" is long for a hall and such
 * counters are rare.
 */
static void en_number(struct seq *s, int n)
{
	if (n < 20) {
		put(s, en_small[n]);
	} else if (n < 100) {
		put(s, en_tens[n / 10]);
		if (n % 10)
			put(s, en_small[n % 10]);
	} else {
		char buf[8];
		snprintf(buf, sizeof buf, "%d", n);
		for (const char *p = buf; *p; p++)
			put(s, en_small[*p - '0']);
	}
}

int hq_voice_sequence(const char *label, int counter, int with_en, const char **out, int max)
{
	struct seq s = {out, 0, max};
	int nletters = 0, ndigits = 0;

	if (!label || !out || max < 0 || counter < 1 || counter > 9999)
		return HQ_EINVAL;
	while (label[nletters] >= 'A' && label[nletters] <= 'Z')
		nletters++;
	while (label[nletters + ndigits] >= '0' && label[nletters + ndigits] <= '9')
		ndigits++;
	if (nletters < 1 || nletters > 3 || ndigits < 1 || ndigits > 4 ||
	    label[nletters + ndigits] != '\0')
		return HQ_EINVAL;
	const char *digits = label + nletters;

	/* 请 B 零一二 号 到 三 号窗口 办理 */
	put(&s, "chime");
	put(&s, "zh/qing");
	for (int i = 0; i < nletters; i++)
		put(&s, letters[2 * (label[i] - 'A')]);
	for (int i = 0; i < ndigits; i++)
		put(&s, zh_digit[digits[i] - '0']);
	put(&s, "zh/hao");
	put(&s, "zh/dao");
	zh_number(&s, counter);
	put(&s, "zh/hao");
	put(&s, "zh/chuangkou");
	put(&s, "zh/banli");

	/* Please, number B zero one two, to counter three. */
	if (with_en) {
		put(&s, "en/please");
		put(&s, "en/number");
		for (int i = 0; i < nletters; i++)
			put(&s, letters[2 * (label[i] - 'A') + 1]);
		for (int i = 0; i < ndigits; i++)
			put(&s, en_small[digits[i] - '0']);
		put(&s, "en/to_counter");
		en_number(&s, counter);
	}
	return s.n <= max ? s.n : HQ_EINVAL;
}

/* ---- the player ---- */

struct clip {
	char name[MAX_NAME];
	int16_t *pcm;           /* HQ_VOICE_RATE Hz mono */
	int nsamples;
};

struct announcement {
	int id;
	int repeat;
	int n;
	int clip[HQ_VOICE_SEQ_MAX];   /* indexes into struct hq_voice's clips */
};

struct hq_voice {
	char *dirs[MAX_DIRS];
	int ndirs;
	struct clip *clips;
	int nclips, cap;
	char err[512];

	int open;               /* SDL audio and the mixer are ours and open */
	struct announcement queue[HQ_VOICE_QUEUE_MAX];
	int head, count;        /* ring buffer of waiting announcements */
	int next_id;

	/* The announcement playing: its joined sound, owned here until the mixer is done. */
	int playing;
	struct announcement cur;
	Mix_Chunk *chunk;
	int16_t *buf;
	int buf_bytes;
	uint64_t not_before_ms; /* the end of the gap after the last announcement */
	/* Written by the effect callbacks on the audio thread, read on the main thread. */
	atomic_int mixed_bytes;
	atomic_int done;

	hq_voice_hook_fn *hook;
	void *hook_ud;
};

static int fail(struct hq_voice *v, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct hq_voice *v, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, sizeof v->err, fmt, ap);
	va_end(ap);
	return err;
}

struct hq_voice *hq_voice_new(const char *const *dirs, int ndirs)
{
	struct hq_voice *v;

	if (!dirs || ndirs < 1 || ndirs > MAX_DIRS)
		return NULL;
	v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	for (int i = 0; i < ndirs; i++) {
		if (!dirs[i])
			goto fail;
		v->dirs[i] = strdup(dirs[i]);
		if (!v->dirs[i])
			goto fail;
		v->ndirs++;
	}
	return v;
fail:
	hq_voice_free(v);
	return NULL;
}

void hq_voice_free(struct hq_voice *v)
{
	if (!v)
		return;
	hq_voice_close(v);
	for (int i = 0; i < v->nclips; i++)
		free(v->clips[i].pcm);
	free(v->clips);
	for (int i = 0; i < v->ndirs; i++)
		free(v->dirs[i]);
	free(v);
}

const char *hq_voice_error(const struct hq_voice *v)
{
	return v ? v->err : "no voice player";
}

void hq_voice_set_hook(struct hq_voice *v, hq_voice_hook_fn *fn, void *ud)
{
	v->hook = fn;
	v->hook_ud = ud;
}

/* A clip name is a relative path of plain ASCII parts ("zh/qing"): it is joined to the
 * voice directories, so nothing that could climb out of them ("..", "/x") is accepted. */
static int valid_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= MAX_NAME || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (const char *p = name; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			 (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
			 (*p == '/' && p[1] != '/');
		if (!ok)
			return 0;
	}
	return 1;
}

/* Convert SDL_LoadWAV's data to the one format. A clip already in it (all generated
 * clips) is copied as it is, so its length is exactly the file's. SDL_AudioCVT converts
 * the whole clip in one go; SDL_AudioStream was tried and keeps back the resampler's last
 * few hundred samples even after a flush, which would cut the end off a word. */
static int convert(struct hq_voice *v, const char *path, const SDL_AudioSpec *spec,
		   const Uint8 *data, Uint32 len, struct clip *c)
{
	SDL_AudioCVT cvt;
	int built = SDL_BuildAudioCVT(&cvt, spec->format, spec->channels, spec->freq,
				      AUDIO_S16SYS, 1, HQ_VOICE_RATE);

	if (built < 0)
		return fail(v, HQ_EIO, "voice clip %s: cannot convert to %d Hz mono: %s", path,
			    HQ_VOICE_RATE, SDL_GetError());
	if (len > (Uint32)INT32_MAX / (Uint32)(cvt.len_mult > 0 ? cvt.len_mult : 1))
		return fail(v, HQ_EIO, "voice clip %s is too long", path);
	cvt.len = (int)len;
	cvt.buf = malloc((size_t)len * (size_t)(cvt.len_mult > 0 ? cvt.len_mult : 1) + 1);
	if (!cvt.buf)
		return fail(v, HQ_ENOMEM, "voice clip %s: out of memory", path);
	memcpy(cvt.buf, data, len);
	if (built > 0 && SDL_ConvertAudio(&cvt) != 0) {
		free(cvt.buf);
		return fail(v, HQ_EIO, "voice clip %s: cannot convert to %d Hz mono: %s", path,
			    HQ_VOICE_RATE, SDL_GetError());
	}
	c->pcm = (int16_t *)cvt.buf;
	c->nsamples = (built > 0 ? cvt.len_cvt : (int)len) / 2;
	return 0;
}

/*
 * The clip's index in the cache, loading it on first use from the first directory that
 * has it. A file that exists but does not load is an error, not a reason to try the next
 * directory: a hall's broken studio recording must be noticed, not quietly replaced by
 * the synthetic voice.
 */
static int clip_index(struct hq_voice *v, const char *name)
{
	char path[4096];
	SDL_AudioSpec spec;
	Uint8 *data = NULL;
	Uint32 len = 0;
	struct clip c = {0};
	int found = -1, err;

	if (!name || !valid_name(name))
		return fail(v, HQ_EINVAL, "bad voice clip name \"%s\"", name ? name : "(null)");
	for (int i = 0; i < v->nclips; i++)
		if (strcmp(v->clips[i].name, name) == 0)
			return i;
	if (v->nclips == MAX_CLIPS)
		return fail(v, HQ_EINVAL, "more than %d distinct voice clips", MAX_CLIPS);

	for (int i = 0; i < v->ndirs && found < 0; i++) {
		snprintf(path, sizeof path, "%s/%s.wav", v->dirs[i], name);
		if (access(path, F_OK) == 0)
			found = i;
	}
	if (found < 0) {
		char where[1024] = "";
		size_t used = 0;
		for (int i = 0; i < v->ndirs && used < sizeof where; i++)
			used += (size_t)snprintf(where + used, sizeof where - used, "%s%s",
						 i ? ", " : "", v->dirs[i]);
		return fail(v, HQ_EIO, "voice clip %s.wav not found (looked in %s)", name, where);
	}
	if (!SDL_LoadWAV(path, &spec, &data, &len))
		return fail(v, HQ_EIO, "voice clip %s: %s", path, SDL_GetError());
	err = convert(v, path, &spec, data, len, &c);
	SDL_FreeWAV(data);
	if (err)
		return err;
	if (c.nsamples == 0) {
		free(c.pcm);
		return fail(v, HQ_EIO, "voice clip %s has no sound", path);
	}
	if (v->nclips == v->cap) {
		int cap = v->cap ? v->cap * 2 : 128;
		struct clip *grown = realloc(v->clips, (size_t)cap * sizeof *grown);
		if (!grown) {
			free(c.pcm);
			return fail(v, HQ_ENOMEM, "voice clip %s: out of memory", path);
		}
		v->clips = grown;
		v->cap = cap;
	}
	snprintf(c.name, sizeof c.name, "%s", name);
	v->clips[v->nclips] = c;
	return v->nclips++;
}

/* Look every clip of seq up (loading it), into idx when not NULL. */
static int resolve(struct hq_voice *v, const char *const *seq, int n, int *idx)
{
	v->err[0] = '\0';
	if (!seq || n < 1 || n > HQ_VOICE_SEQ_MAX)
		return fail(v, HQ_EINVAL, "a voice sequence has 1 to %d clips, not %d",
			    HQ_VOICE_SEQ_MAX, n);
	for (int i = 0; i < n; i++) {
		int k = clip_index(v, seq[i]);
		if (k < 0)
			return k;
		if (idx)
			idx[i] = k;
	}
	return 0;
}

static int64_t samples_of(const struct hq_voice *v, const int *idx, int n)
{
	int64_t total = 0;

	for (int i = 0; i < n; i++)
		total += v->clips[idx[i]].nsamples;
	return total;
}

static int samples_ms(int64_t samples)
{
	return (int)((samples * 1000 + HQ_VOICE_RATE / 2) / HQ_VOICE_RATE);
}

int hq_voice_preload(struct hq_voice *v, const char *const *seq, int n)
{
	return resolve(v, seq, n, NULL);
}

int hq_voice_sequence_ms(struct hq_voice *v, const char *const *seq, int n)
{
	int idx[HQ_VOICE_SEQ_MAX];
	int err = resolve(v, seq, n, idx);

	return err ? err : samples_ms(samples_of(v, idx, n));
}

/* The joined sound: the clips, repeat times, HQ_VOICE_GAP_MS of silence between repeats.
 * Returns a malloc'd buffer of *nsamples samples, or NULL when out of memory. */
static int16_t *join(const struct hq_voice *v, const int *idx, int n, int repeat,
		     int64_t *nsamples)
{
	int64_t gap = (int64_t)HQ_VOICE_RATE * HQ_VOICE_GAP_MS / 1000;
	int64_t once = samples_of(v, idx, n);
	int64_t total = once * repeat + gap * (repeat - 1);
	int16_t *buf = calloc((size_t)total, sizeof *buf);
	int16_t *p = buf;

	if (!buf)
		return NULL;
	for (int r = 0; r < repeat; r++) {
		if (r)
			p += gap;       /* calloc left it silent */
		for (int i = 0; i < n; i++) {
			const struct clip *c = &v->clips[idx[i]];
			memcpy(p, c->pcm, (size_t)c->nsamples * sizeof *p);
			p += c->nsamples;
		}
	}
	*nsamples = total;
	return buf;
}

static void le16(unsigned char *p, unsigned x)
{
	p[0] = (unsigned char)(x & 0xff);
	p[1] = (unsigned char)(x >> 8 & 0xff);
}

static void le32(unsigned char *p, uint32_t x)
{
	le16(p, x & 0xffff);
	le16(p + 2, x >> 16);
}

int hq_voice_render_wav(struct hq_voice *v, const char *const *seq, int n, const char *path)
{
	int idx[HQ_VOICE_SEQ_MAX];
	unsigned char hdr[44];
	int64_t nsamples;
	int16_t *buf;
	FILE *f;
	int err = resolve(v, seq, n, idx);

	if (err)
		return err;
	if (!path)
		return fail(v, HQ_EINVAL, "no file to render the voice to");
	buf = join(v, idx, n, 1, &nsamples);
	if (!buf)
		return fail(v, HQ_ENOMEM, "out of memory joining %d clips", n);

	/* The canonical 44-byte RIFF/WAVE header of PCM data (Microsoft's WAVE format
	 * description): "fmt " with format 1 (PCM), then "data"; every field little-endian. */
	uint32_t data_bytes = (uint32_t)(nsamples * 2);
	memcpy(hdr, "RIFF", 4);
	le32(hdr + 4, 36 + data_bytes);
	memcpy(hdr + 8, "WAVEfmt ", 8);
	le32(hdr + 16, 16);
	le16(hdr + 20, 1);                      /* PCM */
	le16(hdr + 22, 1);                      /* mono */
	le32(hdr + 24, HQ_VOICE_RATE);
	le32(hdr + 28, HQ_VOICE_RATE * 2);      /* bytes a second */
	le16(hdr + 32, 2);                      /* bytes a sample frame */
	le16(hdr + 34, 16);                     /* bits a sample */
	memcpy(hdr + 36, "data", 4);
	le32(hdr + 40, data_bytes);
	for (int64_t i = 0; i < nsamples; i++)
		buf[i] = (int16_t)SDL_SwapLE16((Uint16)buf[i]);

	f = fopen(path, "wb");
	if (!f) {
		err = fail(v, HQ_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fwrite(hdr, sizeof hdr, 1, f) != 1 ||
	    fwrite(buf, 2, (size_t)nsamples, f) != (size_t)nsamples) {
		err = fail(v, HQ_EIO, "%s: %s", path, strerror(errno));
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0)
		err = fail(v, HQ_EIO, "%s: %s", path, strerror(errno));
out:
	free(buf);
	return err;
}

/* ---- audio ---- */

/* On the audio thread: SDL_mixer hands over each piece of our channel's sound as it mixes
 * it. We only count it; the sound passes through unchanged. */
static void SDLCALL count_mixed(int chan, void *stream, int len, void *ud)
{
	struct hq_voice *v = ud;

	(void)chan;
	(void)stream;
	atomic_fetch_add(&v->mixed_bytes, len);
}

/* On the audio thread when the sound has been mixed to its end, or on the main thread
 * when hq_voice_close halts it. */
static void SDLCALL mixed_all(int chan, void *ud)
{
	struct hq_voice *v = ud;

	(void)chan;
	atomic_store(&v->done, 1);
}

int hq_voice_open(struct hq_voice *v, const char *driver)
{
	int freq = 0, channels = 0;
	Uint16 format = 0;

	v->err[0] = '\0';
	if (v->open)
		return 0;
	/* SDL reads the driver from this hint when its audio subsystem starts, so a driver
	 * asked for here takes effect only because the display leaves audio to us. */
	if (driver)
		SDL_SetHint(SDL_HINT_AUDIODRIVER, driver);
	int init = SDL_InitSubSystem(SDL_INIT_AUDIO);
	/* The hint has done its work; reset, a later open without a driver is SDL's own
	 * choice again rather than this one. */
	if (driver)
		SDL_ResetHint(SDL_HINT_AUDIODRIVER);
	if (init != 0)
		return fail(v, HQ_EIO, "audio (%s): %s", driver ? driver : "default driver",
			    SDL_GetError());
	/* allowed_changes 0: SDL converts to whatever the device wants behind the scenes, so
	 * the mixer's format is exactly the clips' and our joined sound can be played as is. */
	if (Mix_OpenAudioDevice(HQ_VOICE_RATE, AUDIO_S16SYS, 1, 1024, NULL, 0) != 0) {
		fail(v, HQ_EIO, "audio device (%s): %s",
		     SDL_GetCurrentAudioDriver() ? SDL_GetCurrentAudioDriver() : "?",
		     Mix_GetError());
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return HQ_EIO;
	}
	if (!Mix_QuerySpec(&freq, &format, &channels) || freq != HQ_VOICE_RATE ||
	    format != AUDIO_S16SYS || channels != 1) {
		fail(v, HQ_EIO, "audio device opened as %d Hz, %d channels, format 0x%x, "
		     "not %d Hz mono 16-bit", freq, channels, format, HQ_VOICE_RATE);
		Mix_CloseAudio();
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return HQ_EIO;
	}
	Mix_ReserveChannels(CHANNEL + 1);
	Mix_Volume(CHANNEL, MIX_MAX_VOLUME);
	v->open = 1;
	v->not_before_ms = 0;
	return 0;
}

/* Forget the sound that was playing. Only after the mixer is done with it: SDL_mixer's
 * Mix_FreeChunk also halts any channel still playing it, under the audio lock. */
static void drop_current(struct hq_voice *v)
{
	if (v->chunk)
		Mix_FreeChunk(v->chunk);
	v->chunk = NULL;
	free(v->buf);
	v->buf = NULL;
	v->playing = 0;
}

void hq_voice_close(struct hq_voice *v)
{
	if (!v || !v->open)
		return;
	Mix_HaltChannel(CHANNEL);
	drop_current(v);
	v->head = v->count = 0;
	Mix_CloseAudio();
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
	v->open = 0;
}

int hq_voice_announce(struct hq_voice *v, const char *const *seq, int n, int repeat)
{
	struct announcement *a;
	int err;

	v->err[0] = '\0';
	if (!v->open)
		return fail(v, HQ_ESTATE, "the voice's audio is not open");
	if (repeat < 1 || repeat > HQ_VOICE_REPEAT_MAX)
		return fail(v, HQ_EINVAL, "repeat %d is not 1 to %d", repeat, HQ_VOICE_REPEAT_MAX);
	if (v->count == HQ_VOICE_QUEUE_MAX)
		return fail(v, HQ_EFULL, "%d announcements are already waiting to be spoken",
			    HQ_VOICE_QUEUE_MAX);
	a = &v->queue[(v->head + v->count) % HQ_VOICE_QUEUE_MAX];
	err = resolve(v, seq, n, a->clip);
	if (err)
		return err;
	a->n = n;
	a->repeat = repeat;
	a->id = v->next_id;
	/* Ids count up and wrap to 0 rather than going negative, where they would read as
	 * errors; a hall makes far fewer than 2^31 calls between restarts anyway. */
	v->next_id = v->next_id == INT32_MAX ? 0 : v->next_id + 1;
	v->count++;
	return a->id;
}

static void report(struct hq_voice *v, enum hq_voice_event ev, uint64_t now)
{
	struct hq_voice_report r = {
		.event = ev,
		.id = v->cur.id,
		.at_ms = now,
		.expected_ms = samples_ms(v->buf_bytes / 2),
		.played_ms = ev == HQ_VOICE_FINISHED
			? samples_ms(atomic_load(&v->mixed_bytes) / 2) : 0,
	};
	if (v->hook)
		v->hook(v->hook_ud, &r);
}

/* Start the announcement at the head of the queue. */
static int start_next(struct hq_voice *v, uint64_t now)
{
	const struct announcement *a = &v->queue[v->head];
	int64_t nsamples;

	v->buf = join(v, a->clip, a->n, a->repeat, &nsamples);
	if (!v->buf)
		return fail(v, HQ_ENOMEM, "out of memory joining announcement %d", a->id);
	v->buf_bytes = (int)(nsamples * 2);
	/* The mixer does not copy the sound: the chunk points at v->buf, which stays ours
	 * and is freed after the chunk (drop_current). */
	v->chunk = Mix_QuickLoad_RAW((Uint8 *)v->buf, (Uint32)v->buf_bytes);
	if (!v->chunk)
		goto fail;
	atomic_store(&v->mixed_bytes, 0);
	atomic_store(&v->done, 0);
	/* Effects are registered before the sound starts, so not a byte goes uncounted;
	 * SDL_mixer removes them by itself when the sound ends. */
	if (!Mix_RegisterEffect(CHANNEL, count_mixed, mixed_all, v))
		goto fail;
	if (Mix_PlayChannel(CHANNEL, v->chunk, 0) != CHANNEL) {
		Mix_UnregisterAllEffects(CHANNEL);
		goto fail;
	}
	v->cur = *a;
	v->head = (v->head + 1) % HQ_VOICE_QUEUE_MAX;
	v->count--;
	v->playing = 1;
	report(v, HQ_VOICE_STARTED, now);
	return 0;
fail:
	fail(v, HQ_EIO, "cannot play announcement %d: %s", a->id, Mix_GetError());
	drop_current(v);
	return HQ_EIO;
}

int hq_voice_step(struct hq_voice *v)
{
	uint64_t now = SDL_GetTicks64();

	if (!v->open)
		return 0;
	/* Both signs are needed: the effect's done flag says the last byte has been mixed,
	 * Mix_Playing that the channel has let go of the chunk, so it may be freed. */
	if (v->playing && atomic_load(&v->done) && !Mix_Playing(CHANNEL)) {
		/* Dropped before the report (which reads only counters that outlive the
		 * sound), so a hook that closes the player leaves nothing half done. */
		drop_current(v);
		v->not_before_ms = now + HQ_VOICE_GAP_MS;
		report(v, HQ_VOICE_FINISHED, now);
	}
	if (v->open && !v->playing && v->count > 0 && now >= v->not_before_ms)
		return start_next(v, now);
	return 0;
}

int hq_voice_next_ms(const struct hq_voice *v)
{
	uint64_t now = SDL_GetTicks64();

	if (!v->open)
		return -1;
	if (v->playing) {
		/* Sleep for what is left to mix; the mixer pulls about one 1024-sample
		 * buffer ahead of the loudspeaker, so by then the sound has about ended.
		 * If the mixer has not confirmed the end yet, poll briefly. */
		int left = v->buf_bytes - atomic_load(&v->mixed_bytes);
		int ms = samples_ms(left > 0 ? left / 2 : 0);
		if (atomic_load(&v->done) && !Mix_Playing(CHANNEL))
			return 0;
		return ms > 0 ? ms : POLL_MS;
	}
	if (v->count == 0)
		return -1;
	return now >= v->not_before_ms ? 0 : (int)(v->not_before_ms - now);
}

int hq_voice_pending(const struct hq_voice *v)
{
	return v->count + (v->playing ? 1 : 0);
}
