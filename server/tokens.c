/*
 * The tokens file: one `ROLE TOKEN` a line. A token is a password, so the file must not be
 * readable by others, tokens are long, and comparison takes the same time whatever matches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server.h"

#define TOKEN_MIN 16

static const char *const role_names[] = {"none", "kiosk", "booking", "display", "counter", "gateway",
					     "review", "evaluator", "manager", "admin"};
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
			snprintf(err, errlen, "%s:%d: expected `ROLE TOKEN`", path, lineno);
			goto fail;
		}
		if (hqd_role_parse(role, &entry)) {
			snprintf(err, errlen, "%s:%d: unknown role '%s' (kiosk, booking, display, "
				 "counter:N, gateway, review, evaluator:N, manager, admin)", path, lineno, role);
			goto fail;
		}
		if (strlen(tok) < TOKEN_MIN || strlen(tok) >= sizeof entry.token) {
			snprintf(err, errlen, "%s:%d: a token must be %d to %zu characters", path, lineno,
				 TOKEN_MIN, sizeof entry.token - 1);
			goto fail;
		}
		if (hqd_tokens_find(&t, tok)) {
			snprintf(err, errlen, "%s:%d: this token is given twice", path, lineno);
			goto fail;
		}
		snprintf(entry.token, sizeof entry.token, "%s", tok);
		if (!(grown = realloc(t.v, (t.n + 1) * sizeof *t.v))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		t.v = grown;
		t.v[t.n++] = entry;
	}
	fclose(f);
	if (!t.n) {
		snprintf(err, errlen, "%s: no tokens", path);
		hqd_tokens_free(&t);
		return -1;
	}
	*out = t;
	return 0;
fail:
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

/* Every byte of every token is looked at, so the time says nothing about how close a
 * guess came. */
static int same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned diff = (unsigned)(la ^ lb);

	for (i = 0; i < sizeof ((struct hqd_token *)0)->token - 1; i++) {
		unsigned char x = i < la ? (unsigned char)a[i] : 0;
		unsigned char y = i < lb ? (unsigned char)b[i] : 0;

		diff |= (unsigned)(x ^ y);
	}
	return diff == 0;
}

const struct hqd_token *hqd_tokens_find(const struct hqd_tokens *t, const char *token)
{
	const struct hqd_token *hit = NULL;
	size_t i;

	if (!token || strlen(token) >= sizeof t->v[0].token)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (same(t->v[i].token, token) && !hit)
			hit = &t->v[i];
	return hit;
}
