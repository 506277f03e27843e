/*
 * What the libFuzzer harnesses of tests/fuzz share: the input being consumed, for the
 * stubs that stand in for a device (stub_port.c: a serial line whose bytes are the input;
 * stub_modbus.c: libmodbus answering from the input), and an assertion that survives
 * NDEBUG and names the broken rule. A harness is tests/fuzz/fuzz_NAME.c, its seeds
 * tests/fuzz/corpus/NAME/; the Makefile's fuzz block builds and runs them (docs in the
 * Makefile and tests/fuzz.sh).
 */
#ifndef HQ_FUZZ_H
#define HQ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct fuzz_in {
	const uint8_t *p;
	size_t n, pos;
};

/* The input the stubs read from; a harness points it at its data for each run. */
extern struct fuzz_in fuzz_in;

static inline void fuzz_in_set(const uint8_t *p, size_t n)
{
	fuzz_in.p = p;
	fuzz_in.n = n;
	fuzz_in.pos = 0;
}

static inline size_t fuzz_left(void)
{
	return fuzz_in.n - fuzz_in.pos;
}

/* The next byte, or -1 at the end. */
static inline int fuzz_byte(void)
{
	return fuzz_in.pos < fuzz_in.n ? fuzz_in.p[fuzz_in.pos++] : -1;
}

#define FUZZ_CHECK(cond, what)                                                               \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: broken rule: %s (%s)\n", __FILE__, __LINE__,  \
				what, #cond);                                                \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* The scratch file of a harness that reads files (fuzz_scratch sets it): in memory
 * (/dev/shm) where there is one, as the disk would slow every run; removed at exit. */
static char fuzz_path[96];

static inline void fuzz_scratch_remove(void)
{
	unlink(fuzz_path);
}

static inline const char *fuzz_scratch(const char *name)
{
	snprintf(fuzz_path, sizeof fuzz_path, "%s/hallq-fuzz-%s-%d",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name, (int)getpid());
	atexit(fuzz_scratch_remove);
	return fuzz_path;
}

#endif
