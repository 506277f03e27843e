/*
 * The tokens file: one `ROLE TOKEN` or `ROLE sha256:HEX` a line. A token is a password, so
 * the file must not be readable by others, tokens are long, and only their sha256 is kept
 * in memory: a hashed line gives it, so that the file itself need not hold the token
 * (hallq token new makes one and its line). A token presented is hashed and compared with
 * every entry in full, so the time taken says nothing about which entry came close.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hq_digest.h"

#include "server.h"

#define TOKEN_MIN 16

static const char *const role_names[] = {"none", "kiosk", "booking", "display", "counter", "gateway",
					     "review", "evaluator", "sync", "manager", "admin"};
_Static_assert(sizeof role_names / sizeof role_names[0] == ROLE_ADMIN + 1, "a name for every role");

const char *hqd_role_name(enum hqd_role r)
{
	return (unsigned)r < sizeof role_names / sizeof role_names[0] ? role_names[r] : "none";
}

/* The roles of one counter, "counter:N" and "evaluator:N", take its number. */
static bool counter_role(enum hqd_role r)
{
	return r == ROLE_COUNTER || r == ROLE_EVALUATOR;
}

int hqd_role_parse(const char *s, struct hqd_token *t)
{
	const char *colon = strchr(s, ':');
	char *end;
	long n;
	int i;

	if (colon) {
		for (i = ROLE_KIOSK; i <= ROLE_ADMIN; i++)
			if (counter_role(i) && strlen(role_names[i]) == (size_t)(colon - s) &&
			    !strncmp(s, role_names[i], (size_t)(colon - s)))
				break;
		n = strtol(colon + 1, &end, 10);
		if (i > ROLE_ADMIN || end == colon + 1 || *end || n < 1 || n > 9999)
			return -1;
		t->role = i;
		t->counter = (int)n;
		return 0;
	}
	for (i = ROLE_KIOSK; i <= ROLE_ADMIN; i++)
		if (!counter_role(i) && strcmp(s, role_names[i]) == 0) {
			t->role = i;
			return 0;
		}
	return -1;
}

void hqd_role_label(const struct hqd_token *t, char *buf, size_t len)
{
	if (counter_role(t->role))
		snprintf(buf, len, "%s:%d", hqd_role_name(t->role), t->counter);
	else
		snprintf(buf, len, "%s", hqd_role_name(t->role));
}

bool hqd_token_digest(const char *token, unsigned char out[32])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), out) >= 0;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static const struct hqd_token *find_digest(const struct hqd_tokens *t, const unsigned char *d)
{
	const struct hqd_token *hit = NULL;

	for (size_t i = 0; i < t->n; i++)
		if (hq_digest_equal(t->v[i].sha256, d) && !hit)
			hit = &t->v[i];
	return hit;
}

int hqd_tokens_load(const char *path, struct hqd_tokens *out, char *err, size_t errlen)
{
	struct hqd_tokens t = {0};
	struct stat st;
	char line[1024], role[64], tok[512], extra[2];
	FILE *f;
	int lineno = 0, fields;

	memset(out, 0, sizeof *out);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "%s: readable by group or others (mode %03o); chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	while (fgets(line, sizeof line, f)) {
		struct hqd_token *grown, entry = {0};

		lineno++;
		fields = sscanf(line, " %63s %511s %1s", role, tok, extra);
		if (fields <= 0 || role[0] == '#')
			continue;
		if (fields != 2) {
			snprintf(err, errlen, "%s:%d: expected `ROLE TOKEN` or `ROLE sha256:HEX`", path, lineno);
			goto fail;
		}
		if (hqd_role_parse(role, &entry)) {
			snprintf(err, errlen, "%s:%d: unknown role '%s' (kiosk, booking, display, "
				 "counter:N, gateway, review, evaluator:N, sync, manager, admin)", path, lineno, role);
			goto fail;
		}
		/* A plain token cannot begin with the prefix: the line would mean its hash. */
		if (hq_digest_marked(tok)) {
			if (!hq_digest_parse(tok, entry.sha256)) {
				snprintf(err, errlen, "%s:%d: a hashed token is sha256: and 64 hex digits "
					 "(hallq token new %s makes one)", path, lineno, role);
				goto fail;
			}
		} else if (strlen(tok) < TOKEN_MIN || strlen(tok) > HQD_TOKEN_MAX) {
			snprintf(err, errlen, "%s:%d: a token must be %d to %d characters", path, lineno,
				 TOKEN_MIN, HQD_TOKEN_MAX);
			goto fail;
		} else if (!hqd_token_digest(tok, entry.sha256)) {
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
		hqd_tokens_free(&t);
		return -1;
	}
	*out = t;
	return 0;
fail:
	explicit_bzero(line, sizeof line);
	explicit_bzero(tok, sizeof tok);
	fclose(f);
	hqd_tokens_free(&t);
	return -1;
}

void hqd_tokens_free(struct hqd_tokens *t)
{
	if (!t)
		return;
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct hqd_token *hqd_tokens_find(const struct hqd_tokens *t, const char *token)
{
	unsigned char d[32];

	if (!token || strlen(token) > HQD_TOKEN_MAX || !hqd_token_digest(token, d))
		return NULL;
	return find_digest(t, d);
}

int hqd_token_new(const char *role, char token[2 * HQD_TOKEN_NEW_BYTES + 1], char *line,
		  size_t linelen, char *err, size_t errlen)
{
	unsigned char b[HQD_TOKEN_NEW_BYTES], d[32];
	struct hqd_token who = {0};
	char label[64], hex[65];

	if (hqd_role_parse(role, &who)) {
		snprintf(err, errlen, "unknown role '%s' (kiosk, booking, display, counter:N, gateway, "
			 "review, evaluator:N, sync, manager, admin)", role);
		return -1;
	}
	if (gnutls_rnd(GNUTLS_RND_KEY, b, sizeof b) < 0) {
		snprintf(err, errlen, "no random bytes to be had");
		return -1;
	}
	to_hex(b, sizeof b, token);
	explicit_bzero(b, sizeof b);
	if (!hqd_token_digest(token, d)) {
		snprintf(err, errlen, "the token could not be hashed");
		return -1;
	}
	to_hex(d, sizeof d, hex);
	/* The role as the file spells it: "counter:03" is read as counter:3. */
	hqd_role_label(&who, label, sizeof label);
	snprintf(line, linelen, "%s %s%s", label, HQ_DIGEST_PREFIX, hex);
	return 0;
}
