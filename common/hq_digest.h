/*
 * Token digests as hallqd's and hallq-central's tokens files write them: "sha256:" and 64
 * hex digits (digest.c). Hashing itself is the programs' (GnuTLS); this is what both need
 * around it, so that the two files read and compare digests alike.
 */
#ifndef HQ_DIGEST_H
#define HQ_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define HQ_DIGEST_PREFIX "sha256:"
#define HQ_DIGEST_LEN 32

/* Does s begin with HQ_DIGEST_PREFIX (a hashed entry rather than a plain token)? */
bool hq_digest_marked(const char *s);
/* "sha256:" and exactly 64 hex digits, either case, into out; false for anything else. */
bool hq_digest_parse(const char *s, unsigned char out[HQ_DIGEST_LEN]);
/* Equal digests, every byte looked at whatever differs first (constant time). */
bool hq_digest_equal(const unsigned char *a, const unsigned char *b);

#endif
