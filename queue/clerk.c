/*
 * The clerks' roster and their sign-in (hq_appraisal.h): PINs hashed with crypt(3), the
 * database's roster beside the config's, and the sign-in that checks them. A clerk's PIN is
 * hashed before the operation's transaction begins, so the hash's deliberate slowness never
 * holds the database; a sign-in's check runs inside it, as it must read the roster first.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- PINs ------------------------------------------------------------------------------ */

bool hq_pin_valid(const char *pin)
{
	size_t n = pin ? strlen(pin) : 0;

	return n >= HQ_PIN_MIN && n <= HQ_PIN_MAX && strspn(pin, "0123456789") == n;
}

/* crypt_rn into a crypt_data of its own (about 32 KiB: not on a thread's stack), wiped. */
static int run_crypt(const char *pin, const char *setting, char *out, size_t len)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	const char *h;
	int rc = HQ_OK;

	if (!data)
		return HQ_ENOMEM;
	h = crypt_rn(pin, setting, data, sizeof *data);
	/* A failure is NULL or a string starting with '*' (never a valid hash). */
	if (!h || h[0] == '*')
		rc = HQ_EIO;
	else if (strlen(h) >= len)
		rc = HQ_ENOMEM;
	else
		strcpy(out, h);
	explicit_bzero(data, sizeof *data);
	free(data);
	return rc;
}

int hq_pin_hash(const char *pin, char *hash, size_t len)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	if (!hq_pin_valid(pin))
		return HQ_EINVAL;
	/* The library's preferred method at its default cost (yescrypt on Debian 12, about
	 * 20 ms a check); the salt's random bytes come from the kernel (rbytes NULL). */
	if (!crypt_gensalt_rn(crypt_preferred_method(), 0, NULL, 0, salt, sizeof salt))
		return HQ_EIO;
	return run_crypt(pin, salt, hash, len);
}

bool hq_pin_check(const char *pin, const char *hash)
{
	char got[HQ_PIN_HASH_MAX];
	size_t n = strlen(hash), i;
	unsigned char diff = 0;

	if (!hq_pin_valid(pin) || hash[0] != '$' || run_crypt(pin, hash, got, sizeof got))
		return false;
	if (strlen(got) != n)
		return false;
	/* Every byte, whatever the first difference: the time says nothing of the hash. */
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(got[i] ^ hash[i]);
	explicit_bzero(got, sizeof got);
	return diff == 0;
}

/* ---- the roster ------------------------------------------------------------------------- */

/* A roster id as the config's [clerk ID] takes it: 1 to 31 of a-z, 0-9, _ and -. */
static bool id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n >= 1 && n < HQ_KEY_MAX && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static bool name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n >= HQ_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static int check_id(struct hq_queue *q, const char *id)
{
	if (!id_valid(id))
		return hq__fail(q, HQ_EINVAL, "clerk id '%s' is not 1 to %d of a-z, 0-9, _ and -",
				id ? id : "", HQ_KEY_MAX - 1);
	if (hq_config_clerk(q->cfg, id))
		return hq__fail(q, HQ_EINVAL, "clerk %s is on the hall config's roster ([clerk %s]); "
				"change or remove it there", id, id);
	return HQ_OK;
}

static int add_locked(struct hq_queue *q, const char *id, const char *name, const char *hash)
{
	sqlite3_stmt *s;
	char was[HQ_NAME_MAX];
	int rc;

	if ((rc = check_id(q, id)))
		return rc;
	if ((rc = hq__roster_find(q, id, was, sizeof was, NULL, 0)) < 0)
		return rc;
	if (rc == 1)
		return hq__fail(q, HQ_ECLERK, "clerk %s (%s) is on the roster already; remove it "
				"first to give it another name or PIN", id, was);
	s = hq__stmt(q, SQL_CLERK_PUT);
	hq__bind_text(s, 1, id);
	hq__bind_text(s, 2, name);
	hq__bind_text(s, 3, hash);
	sqlite3_bind_int64(s, 4, q->now);
	return hq__exec(q, s);
}

int hq_queue_clerk_add(struct hq_queue *q, const char *id, const char *name, const char *pin)
{
	char hash[HQ_PIN_HASH_MAX];
	int rc;

	q->err[0] = '\0';
	if (!id_valid(id))
		return hq__fail(q, HQ_EINVAL, "clerk id '%s' is not 1 to %d of a-z, 0-9, _ and -",
				id ? id : "", HQ_KEY_MAX - 1);
	if (!name_valid(name))
		return hq__fail(q, HQ_EINVAL, "a clerk's name is 1 to %d bytes, without control "
				"characters", HQ_NAME_MAX - 1);
	if (!hq_pin_valid(pin))
		return hq__fail(q, HQ_EINVAL, "a PIN is %d to %d digits", HQ_PIN_MIN, HQ_PIN_MAX);
	if ((rc = hq_pin_hash(pin, hash, sizeof hash)))
		return hq__fail(q, rc, "cannot hash the PIN: %s", hq_strerror(rc));
	rc = hq__begin(q, true);
	rc = hq__end(q, rc ? rc : add_locked(q, id, name, hash));
	explicit_bzero(hash, sizeof hash);
	return rc;
}

static int remove_locked(struct hq_queue *q, const char *id)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = check_id(q, id)))
		return rc;
	s = hq__stmt(q, SQL_CLERK_REMOVE);
	hq__bind_text(s, 1, id);
	if ((rc = hq__exec(q, s)))
		return rc;
	if (sqlite3_changes(q->db) != 1)
		return hq__fail(q, HQ_ENOCLERK, "no clerk %s on the database's roster", id);
	return HQ_OK;
}

int hq_queue_clerk_remove(struct hq_queue *q, const char *id)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : remove_locked(q, id));
}

static int list_locked(struct hq_queue *q, bool all, struct hq_clerk **out, size_t *n)
{
	const struct hq_config *cfg = q->cfg;
	struct hq_clerk *v = NULL, *grown;
	size_t cap = 0, i;
	sqlite3_stmt *s;
	int rc;

	if (!cfg)
		return hq__fail(q, HQ_ECONFIG, "the hall has no configuration yet");
	cap = cfg->nclerks + 16;
	if (!(v = calloc(cap, sizeof *v)))
		return hq__fail(q, HQ_ENOMEM, "out of memory listing the roster");
	for (i = 0; i < cfg->nclerks; i++) {
		snprintf(v[i].id, sizeof v[i].id, "%s", cfg->clerks[i].id);
		snprintf(v[i].name, sizeof v[i].name, "%s", cfg->clerks[i].name);
		v[i].source = HQ_CLERK_CONFIG;
		v[i].active = true;
	}
	*n = cfg->nclerks;
	s = hq__stmt(q, SQL_CLERK_ALL);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct hq_clerk *c;
		const char *id = (const char *)sqlite3_column_text(s, 0);

		/* The config's wins where both have the id. */
		if (hq_config_clerk(cfg, id) || (!sqlite3_column_int(s, 2) && !all))
			continue;
		if (*n == cap) {
			cap *= 2;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				sqlite3_reset(s);
				free(v);
				return hq__fail(q, HQ_ENOMEM, "out of memory listing the roster");
			}
			v = grown;
		}
		c = &v[(*n)++];
		memset(c, 0, sizeof *c);
		snprintf(c->id, sizeof c->id, "%s", id);
		hq__copy_col(c->name, sizeof c->name, s, 1);
		c->source = HQ_CLERK_DATABASE;
		c->active = sqlite3_column_int(s, 2) != 0;
		c->added_at = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return hq__dberr(q, rc);
	}
	if (!*n) {
		free(v);
		v = NULL;
	}
	*out = v;
	return HQ_OK;
}

int hq_queue_clerk_list(struct hq_queue *q, bool all, struct hq_clerk **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	rc = hq__begin(q, false);
	return hq__end(q, rc ? rc : list_locked(q, all, out, n));
}

/* ---- signing in and out ------------------------------------------------------------------ */

/* The clerk's entry among the wrong PINs; with `make`, a new one in the place of the
 * entry whose last wrong PIN is oldest (an entry still locked outlives any that is not). */
static struct hq__pin_tries *pin_tries(struct hq_queue *q, const char *clerk, bool make)
{
	struct hq__pin_tries *t = q->pin_tries, *old = t;
	size_t n = sizeof q->pin_tries / sizeof q->pin_tries[0];

	for (size_t i = 0; i < n; i++) {
		if (t[i].wrong && !strcmp(t[i].clerk, clerk))
			return &t[i];
		if ((t[i].until > q->now) < (old->until > q->now) ||
		    ((t[i].until > q->now) == (old->until > q->now) && t[i].last < old->last))
			old = &t[i];
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof *old);
	snprintf(old->clerk, sizeof old->clerk, "%s", clerk);
	return old;
}

/* A clerk's PIN against the hash, counting the wrong ones: HQ_ESIGNIN for a wrong PIN or a
 * clerk locked by too many of them (then without the hash's cost). */
static int pin_locked_check(struct hq_queue *q, const char *clerk, const char *pin, const char *hash)
{
	struct hq__pin_tries *t = pin_tries(q, clerk, false);
	char when[32];

	if (t && t->until > q->now) {
		hq_format_local_time(t->until, when, sizeof when);
		return hq__fail(q, HQ_ESIGNIN, "clerk %s gave %d wrong PINs; their sign-in with a PIN "
				"is refused until %.5s (a manager may sign them in)", clerk, HQ_PIN_TRIES,
				when + 11);
	}
	if (hq_pin_check(pin, hash)) {
		if (t)
			memset(t, 0, sizeof *t);
		return HQ_OK;
	}
	if (!t) {
		t = pin_tries(q, clerk, true);
	} else if (t->until) {
		t->wrong = 0;                   /* the lock is over: a new count */
		t->until = 0;
	}
	t->last = q->now;
	if (++t->wrong >= HQ_PIN_TRIES)
		t->until = q->now + HQ_PIN_LOCK_MINUTES * 60000LL;
	return hq__fail(q, HQ_ESIGNIN, "wrong PIN for clerk %s", clerk);
}

/*
 * pin NULL and forced: a sign-in without a PIN (hq_queue_sign_in). An open hall takes any
 * id; a roster hall only its own clerks, and then the PIN unless forced.
 */
static int sign_in_locked(struct hq_queue *q, int counter, const char *clerk, const char *pin,
			  bool forced)
{
	char hash[HQ_PIN_HASH_MAX];
	int rc;

	if (!hq_config_counter(q->cfg, counter))
		return hq__fail(q, HQ_ENOCOUNTER, "no counter %d in this hall", counter);
	if (!clerk || !*clerk || strlen(clerk) >= HQ_CLERK_MAX)
		return hq__fail(q, HQ_EINVAL, "a clerk id of 1 to %d bytes is needed to sign in",
				HQ_CLERK_MAX - 1);
	if (q->cfg->roster_open)
		return hq__sign_in(q, counter, clerk, 0);
	if ((rc = hq__roster_find(q, clerk, NULL, 0, hash, sizeof hash)) < 0)
		return rc;
	if (rc == 0)
		return hq__fail(q, HQ_ESIGNIN, "clerk '%s' is not on the hall's roster", clerk);
	if (forced)
		return hq__sign_in(q, counter, clerk, HQ__IN_FORCED);
	if (!pin || !*pin)
		return hq__fail(q, HQ_ESIGNIN, "clerk %s needs a PIN to sign in", clerk);
	rc = pin_locked_check(q, clerk, pin, hash);
	explicit_bzero(hash, sizeof hash);
	return rc ? rc : hq__sign_in(q, counter, clerk, 0);
}

int hq_queue_sign_in_pin(struct hq_queue *q, int counter, const char *clerk, const char *pin)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : sign_in_locked(q, counter, clerk, pin, false));
}

int hq_queue_sign_in(struct hq_queue *q, int counter, const char *clerk)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : sign_in_locked(q, counter, clerk, NULL, true));
}

int hq_queue_sign_out(struct hq_queue *q, int counter)
{
	int rc = hq__begin(q, true);

	return hq__end(q, rc ? rc : hq__sign_out(q, counter, HQ__OUT_CLERK, true));
}
