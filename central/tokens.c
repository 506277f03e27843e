/*
 * hallq-central's tokens file: one `viewer:HALL_ID TOKEN`, `viewer:HALL_ID sha256:HEX`,
 * `admin TOKEN` or `admin sha256:HEX` a line, # for comments. The rules are hallqd's
 * (server/tokens.c): the file must not be readable by group or others, a plain token is 16
 * or more characters, only its sha256 is kept, and a presented token is compared with every
 * entry in full. A viewer sees its hall and every hall below it (halls.parent, recursively);
 * whether a hall is below is PostgreSQL's to say (routes.c), since the tree lives there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hq_digest.h"

#include "central.h"

#define TOKEN_MIN 16

bool hqc_hall_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= HQC_HALL_ID_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool digest(const char *token, unsigned char out[32])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), out) >= 0;
}

static const struct hqc_token *find_digest(const struct hqc_tokens *t, const unsigned char *d)
{
	const struct hqc_token *hit = NULL;

	for (size_t i = 0; i < t->n; i++)
		if (hq_digest_equal(t->v[i].sha256, d) && !hit)
			hit = &t->v[i];
	return hit;
}

static int parse_role(const char *s, struct hqc_token *t)
{
	if (!strcmp(s, "admin")) {
		t->role = HQC_ADMIN;
		return 0;
	}
	if (!strncmp(s, "viewer:", 7) && hqc_hall_id_valid(s + 7)) {
		t->role = HQC_VIEWER;
		snprintf(t->hall, sizeof t->hall, "%s", s + 7);
		return 0;
	}
	return -1;
}

int hqc_tokens_load(const char *path, struct hqc_tokens *out, char *err, size_t errlen)
{
	struct hqc_tokens t = {0};
	struct stat st;
	char line[1024], role[64], tok[512], extra[2];
	FILE *f;
	int lineno = 0, fields;

	memset(out, 0, sizeof *out);
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "%s: readable by group or others (mode %03o); chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	while (fgets(line, sizeof line, f)) {
		struct hqc_token *grown, entry = {0};

		lineno++;
		fields = sscanf(line, " %63s %511s %1s", role, tok, extra);
		if (fields <= 0 || role[0] == '#')
			continue;
		if (fields != 2) {
			snprintf(err, errlen, "%s:%d: expected `ROLE TOKEN` or `ROLE sha256:HEX`", path, lineno);
			goto fail;
		}
		if (parse_role(role, &entry)) {
			snprintf(err, errlen, "%s:%d: unknown role '%s' (viewer:HALL_ID or admin)", path,
				 lineno, role);
			goto fail;
		}
		if (hq_digest_marked(tok)) {
			if (!hq_digest_parse(tok, entry.sha256)) {
				snprintf(err, errlen, "%s:%d: a hashed token is sha256: and 64 hex digits",
					 path, lineno);
				goto fail;
			}
		} else if (strlen(tok) < TOKEN_MIN || strlen(tok) > HQC_TOKEN_MAX) {
			snprintf(err, errlen, "%s:%d: a token must be %d to %d characters", path, lineno,
				 TOKEN_MIN, HQC_TOKEN_MAX);
			goto fail;
		} else if (!digest(tok, entry.sha256)) {
			snprintf(err, errlen, "%s:%d: the token could not be hashed", path, lineno);
			goto fail;
		}
		if (find_digest(&t, entry.sha256)) {
			snprintf(err, errlen, "%s:%d: this token is given twice", path, lineno);
			goto fail;
		}
		if (!(grown = realloc(t.v, (t.n + 1) * sizeof *t.v))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		t.v = grown;
		t.v[t.n++] = entry;
	}
	explicit_bzero(line, sizeof line);
	explicit_bzero(tok, sizeof tok);
	fclose(f);
	if (!t.n) {
		snprintf(err, errlen, "%s: no tokens", path);
		return -1;
	}
	*out = t;
	return 0;
fail:
	explicit_bzero(line, sizeof line);
	explicit_bzero(tok, sizeof tok);
	fclose(f);
	hqc_tokens_free(&t);
	return -1;
}

void hqc_tokens_free(struct hqc_tokens *t)
{
	if (!t)
		return;
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct hqc_token *hqc_tokens_find(const struct hqc_tokens *t, const char *token)
{
	unsigned char d[32];

	if (!token || strlen(token) > HQC_TOKEN_MAX || !digest(token, d))
		return NULL;
	return find_digest(t, d);
}
