/*
 * Token digests in text and compared: see hq_digest.h.
 */
#include <string.h>

#include "hq_digest.h"

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool hq_digest_marked(const char *s)
{
	return s && !strncmp(s, HQ_DIGEST_PREFIX, strlen(HQ_DIGEST_PREFIX));
}

bool hq_digest_parse(const char *s, unsigned char out[HQ_DIGEST_LEN])
{
	if (!hq_digest_marked(s))
		return false;
	s += strlen(HQ_DIGEST_PREFIX);
	if (strlen(s) != 2 * HQ_DIGEST_LEN)
		return false;
	for (int i = 0; i < HQ_DIGEST_LEN; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

bool hq_digest_equal(const unsigned char *a, const unsigned char *b)
{
	unsigned diff = 0;

	for (int i = 0; i < HQ_DIGEST_LEN; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return diff == 0;
}
