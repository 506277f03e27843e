/*
 * hallq's command of the web pages' sign-in sessions (docs/cli.md): `hallq sessions` lists
 * the active ones (--all: the ended and expired ones kept too), one a line or as JSON;
 * `hallq sessions revoke` ends one by its id, or every one of a clerk, of a counter, or all.
 * A session ended here is refused by hallqd at its next request: hallqd looks every cookie up
 * in the database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define O(x) (1ull << OPT_##x)

static json_t *session_json(const struct hq_session *s)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:s, s:o, s:s}", "id", s->id,
			 "state", hq_session_state_name(s->state), "role", s->role, "counter", s->counter,
			 "clerk", s->clerk, "created", cli_time_json(s->created),
			 "last_seen", cli_time_json(s->last_seen), "expires", cli_time_json(s->expires),
			 "address", s->address, "revoked_at", cli_time_json(s->revoked_at),
			 "revoked_why", s->revoked_why);
}

/* id state role clerk created last_seen expires address [why]: "-" for an empty field,
 * so that awk's field numbers hold; the reason an ended one ended, which holds spaces, last. */
static void session_line(const struct hq_session *s)
{
	char created[32], seen[32], expires[32];

	cli_local_time(s->created, created, sizeof created);
	cli_local_time(s->last_seen, seen, sizeof seen);
	cli_local_time(s->expires, expires, sizeof expires);
	printf("%s %-7s %-12s %-8s %s %s %s %s%s%s\n", s->id, hq_session_state_name(s->state), s->role,
	       *s->clerk ? s->clerk : "-", created, seen, expires, *s->address ? s->address : "-",
	       *s->revoked_why ? " " : "", s->revoked_why);
}

static int list(struct ctx *c)
{
	struct hq_session *v;
	size_t n, i;
	int rc;

	if (c->opt[OPT_CLERK] || c->opt[OPT_COUNTER])
		return cli_usage_err(c, "--clerk and --counter are for revoke");
	if ((rc = cli_open_existing(c, true)))
		return rc;
	if ((rc = hq_queue_sessions(c->q, c->opt[OPT_ALL] != NULL, &v, &n)))
		return cli_queue_fail(c, rc);
	if (c->opt[OPT_JSON]) {
		json_t *all = json_array();

		for (i = 0; all && i < n; i++)
			json_array_append_new(all, session_json(&v[i]));
		free(v);
		return cli_print_json(all, JSON_INDENT(2));
	}
	for (i = 0; i < n; i++)
		session_line(&v[i]);
	free(v);
	return ST_OK;
}

/* revoke ID | --clerk ID | --counter N | --all: exactly one of them. */
static int revoke(struct ctx *c)
{
	const char *clerk = c->opt[OPT_CLERK];
	long long counter = 0;
	char *end;
	int ways = (c->narg > 1) + (clerk != NULL) + (c->opt[OPT_COUNTER] != NULL) + (c->opt[OPT_ALL] != NULL);
	int rc, n;

	if (c->opt[OPT_JSON])
		return cli_usage_err(c, "--json is for the list");
	if (ways != 1)
		return cli_usage_err(c, "revoke takes one of: ID, --clerk ID, --counter N, --all");
	if (c->opt[OPT_COUNTER]) {
		errno = 0;
		counter = strtoll(c->opt[OPT_COUNTER], &end, 10);
		if (*end || end == c->opt[OPT_COUNTER] || counter < 1 || counter > 9999 || errno)
			return cli_usage_err(c, "--counter takes a counter's number, not '%s'", c->opt[OPT_COUNTER]);
	}
	if (clerk && !*clerk)
		return cli_usage_err(c, "--clerk takes a clerk's id");
	if ((rc = cli_open_existing(c, false)))
		return rc;
	if (c->narg > 1) {
		if ((rc = hq_queue_session_revoke(c->q, c->arg[1], "revoked with hallq")))
			return cli_queue_fail(c, rc);
		printf("%s\n", c->arg[1]);
		return ST_OK;
	}
	if ((rc = hq_queue_sessions_revoke(c->q, clerk, (int)counter, "revoked with hallq", &n)))
		return cli_queue_fail(c, rc);
	printf("%d\n", n);
	return ST_OK;
}

static int cmd_sessions(struct ctx *c)
{
	if (c->narg == 0)
		return list(c);
	if (strcmp(c->arg[0], "revoke") != 0)
		return cli_usage_err(c, "unknown action '%s': hallq sessions [--all] [--json], or hallq "
				     "sessions revoke ID | --clerk ID | --counter N | --all", c->arg[0]);
	return revoke(c);
}

const struct cmd cli_session_cmds[] = {
	{.name = "sessions", .run = cmd_sessions, .no_db = true, .db_own = false,
	 .opts = O(ALL) | O(JSON) | O(CLERK) | O(COUNTER), .max_args = 2,
	 .synopsis = "[--all] [--json] | revoke ID | revoke --clerk ID | revoke --counter N | revoke --all",
	 .summary = "the web pages' sign-in sessions (--all: ended ones too); revoke ends them at once",
	 .example = "hallq sessions revoke --clerk 1024"},
	{0},
};
