/*
 * hallq's commands of the 好差评 evaluation: reviews of tickets and the bad-review cases' workflow (docs/cli.md).
 * `rate`, the three-level rating's command, stays as a shorthand of `review`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define O(x) (1ull << OPT_##x)

/* A library error: its own sentence when it kept one, else the code's generic text. */
static int op_err(const struct ctx *c, int rc)
{
	const char *msg = c->q ? hq_queue_errmsg(c->q) : "";

	return cli_fail(c, "%s", msg && *msg ? msg : hq_strerror(rc));
}

static int parse_id(const struct ctx *c, const char *what, const char *s, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!*s || *end || errno || *out < 1 || *out > max)
		return cli_usage_err(c, "%s must be a number from 1 to %lld, not '%s'", what, max, s);
	return 0;
}

static int parse_level(const struct ctx *c, const char *s, int *level)
{
	if ((*level = hq_level_parse(s)) < 0)
		return cli_usage_err(c, "LEVEL must be 1..5 or very-dissatisfied|dissatisfied|fair|"
				     "satisfied|very-satisfied, not '%s'", s);
	return 0;
}

/*
 * review TICKET LEVEL, or --counter N LEVEL for the counter's last finished ticket; rate is
 * the same command. rate keeps the old ratings' way of a bad level without --reasons: the
 * reason is "other" (其他), as the library's hq_queue_rate gives it.
 */
static int cmd_review(struct ctx *c)
{
	const char *ch = c->opt[OPT_CHANNEL] ? c->opt[OPT_CHANNEL] : "api";
	struct hq_review rv;
	long long counter = 0;
	long reasons = 0;
	int64_t id;
	int level, channel, rc;

	if (c->narg != (c->opt[OPT_COUNTER] ? 1 : 2))
		return cli_usage_err(c, "expected TICKET LEVEL, or --counter N LEVEL");
	if ((rc = parse_level(c, c->arg[c->narg - 1], &level)))
		return rc;
	if (c->opt[OPT_REASONS] && (reasons = hq_reasons_parse(c->opt[OPT_REASONS])) < 0)
		return cli_usage_err(c, "--reasons must be a list of efficiency, skill, attitude and "
				     "other (efficiency,attitude), not '%s'", c->opt[OPT_REASONS]);
	if ((channel = hq_channel_parse(ch)) < 0 || channel == HQ_CH_MIGRATED)
		return cli_usage_err(c, "--channel must be api, kiosk, pad, phone or unit, not '%s'", ch);
	if (c->opt[OPT_COUNTER] && (rc = parse_id(c, "--counter", c->opt[OPT_COUNTER], 9999, &counter)))
		return rc;
	if (!reasons && level <= HQ_LEVEL_BAD && !strcmp(c->cmd->name, "rate"))
		reasons = HQ_REASON_OTHER;
	if (counter) {
		if (c->opt[OPT_COMMENT])
			return cli_usage_err(c, "--comment goes with a TICKET: a unit's keys give none");
		rc = hq_queue_review_last(c->q, (int)counter, level, (unsigned)reasons, channel, &rv);
	} else if ((rc = hq_queue_find(c->q, c->arg[0], &id)) == 0) {
		rc = hq_queue_review(c->q, id, level, (unsigned)reasons, c->opt[OPT_COMMENT], channel, &rv);
	}
	if (rc)
		return op_err(c, rc);
	cli_print_review(&rv);
	return ST_OK;
}

/* reviews [--from T] [--to T] [--level N] [--json]: reviews first given in the range. */
static int cmd_reviews(struct ctx *c)
{
	int64_t now = hq_queue_now(c->q), from = hq_day_start(now), to = now + 60000;
	struct hq_review *v;
	size_t n;
	int level = 0, rc;

	if (c->opt[OPT_LEVEL] && (rc = parse_level(c, c->opt[OPT_LEVEL], &level)))
		return rc;
	if ((c->opt[OPT_FROM] && (rc = cli_parse_bound(c, "--from", c->opt[OPT_FROM], false, &from))) ||
	    (c->opt[OPT_TO] && (rc = cli_parse_bound(c, "--to", c->opt[OPT_TO], true, &to))))
		return rc;
	if (to <= from)
		return cli_usage_err(c, "--to must be after --from");
	if ((rc = hq_queue_reviews(c->q, from, to, level, &v, &n)))
		return op_err(c, rc);
	if (c->opt[OPT_JSON]) {
		json_t *list = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, cli_review_json(&v[i]));
		rc = cli_print_json(json_pack("{s:o}", "reviews", list), JSON_INDENT(2));
	} else {
		cli_reviews_table(v, n);
		rc = ST_OK;
	}
	free(v);
	return rc;
}

/* The steps' commands and the state each takes a case to. */
static const struct {
	const char *sub;
	enum hq_case_state to;
} steps[] = {
	{"verify", HQ_CASE_VERIFIED}, {"rectify", HQ_CASE_RECTIFIED},
	{"revisit", HQ_CASE_REVISITED}, {"close", HQ_CASE_CLOSED},
};
#define NSTEPS (sizeof steps / sizeof steps[0])

static int case_list(struct ctx *c)
{
	const char *st = c->opt[OPT_STATE];
	struct hq_case *v;
	size_t n;
	int state = -1, rc;

	if (c->narg != 1)
		return cli_usage_err(c, "case list takes no ID");
	if (st && (state = hq_case_state_parse(st)) < 0)
		return cli_usage_err(c, "--state must be open, verified, rectified, revisited or "
				     "closed, not '%s'", st);
	if ((rc = cli_open_existing(c, true)) || (rc = hq_queue_cases(c->q, state, c->opt[OPT_ALL] != NULL,
								    false, &v, &n)))
		return rc > 0 ? rc : op_err(c, rc);
	if (c->opt[OPT_JSON]) {
		json_t *list = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, cli_case_json(&v[i], NULL, 0));
		rc = cli_print_json(json_pack("{s:o}", "cases", list), JSON_INDENT(2));
	} else {
		cli_cases_table(v, n);
		rc = ST_OK;
	}
	free(v);
	return rc;
}

static int case_show(struct ctx *c, long long id, bool json)
{
	struct hq_case_step *st;
	struct hq_case k;
	size_t n;
	int rc = hq_queue_case(c->q, id, &k, &st, &n);

	if (rc)
		return op_err(c, rc);
	if (json) {
		rc = cli_print_json(cli_case_json(&k, st, n), JSON_INDENT(2));
	} else {
		cli_print_case(&k, st, n);
		rc = ST_OK;
	}
	free(st);
	return rc;
}

/*
 * case list [--state S] [--all] [--json] | case show ID [--json] | case STEP ID --who NAME
 * [--note TEXT]. The database opens here, not in main.c: read-only for list and show, for
 * writing for a step.
 */
static int cmd_case(struct ctx *c)
{
	const char *sub = c->arg[0];
	long long id;
	size_t i;
	int rc;

	if (!strcmp(sub, "list")) {
		if (c->opt[OPT_WHO] || c->opt[OPT_NOTE])
			return cli_usage_err(c, "--who and --note go with a step, not with list");
		return case_list(c);
	}
	if (c->narg != 2)
		return cli_usage_err(c, "expected list, show ID, or verify|rectify|revisit|close ID");
	if ((rc = parse_id(c, "ID", c->arg[1], INT64_MAX, &id)))
		return rc;
	if (c->opt[OPT_STATE] || c->opt[OPT_ALL])
		return cli_usage_err(c, "--state and --all go with list");
	if (!strcmp(sub, "show")) {
		if (c->opt[OPT_WHO] || c->opt[OPT_NOTE])
			return cli_usage_err(c, "--who and --note go with a step, not with show");
		return (rc = cli_open_existing(c, true)) ? rc : case_show(c, id, c->opt[OPT_JSON] != NULL);
	}
	for (i = 0; i < NSTEPS && strcmp(steps[i].sub, sub); i++)
		;
	if (i == NSTEPS)
		return cli_usage_err(c, "unknown case command '%s': list, show, verify, rectify, "
				     "revisit or close", sub);
	if (!c->opt[OPT_WHO])
		return cli_usage_err(c, "case %s needs --who NAME: who took the step", sub);
	if ((rc = cli_open_existing(c, false)))
		return rc;
	if ((rc = hq_queue_case_step(c->q, id, steps[i].to, c->opt[OPT_WHO], c->opt[OPT_NOTE], NULL)))
		return op_err(c, rc);
	return case_show(c, id, c->opt[OPT_JSON] != NULL);
}

#define REVIEW_OPTS (O(COUNTER) | O(REASONS) | O(COMMENT) | O(CHANNEL))

const struct cmd cli_review_cmds[] = {
	{.name = "review", .run = cmd_review, .opts = REVIEW_OPTS, .min_args = 1, .max_args = 2,
	 .synopsis = "TICKET LEVEL | --counter N LEVEL [--reasons LIST] [--comment TEXT] "
		     "[--channel api|kiosk|pad|phone|unit]",
	 .summary = "review a finished ticket (好差评): LEVEL 1..5; 1 and 2 need --reasons",
	 .example = "hallq review A012 2 --reasons efficiency,attitude --comment '等了很久'"},
	{.name = "rate", .run = cmd_review, .opts = REVIEW_OPTS, .min_args = 1, .max_args = 2,
	 .synopsis = "TICKET LEVEL | --counter N LEVEL [--reasons LIST] [--comment TEXT] "
		     "[--channel api|kiosk|pad|phone|unit]",
	 .summary = "review, as the old ratings did it: a bad LEVEL needs no --reasons (other)",
	 .example = "hallq rate --counter 3 very-satisfied"},
	{.name = "reviews", .run = cmd_reviews, .reads = true, .opts = O(FROM) | O(TO) | O(LEVEL) | O(JSON),
	 .synopsis = "[--from T] [--to T] [--level N] [--json]",
	 .summary = "the reviews given from T to T (default today), one a line",
	 .example = "hallq reviews --from 2026-11-01 --to 2026-11-30 --level 1"},
	{.name = "case", .run = cmd_case, .no_db = true, .min_args = 1, .max_args = 2,
	 .opts = O(STATE) | O(ALL) | O(JSON) | O(WHO) | O(NOTE),
	 .synopsis = "list [--state S] [--all] [--json] | show ID [--json] | "
		     "verify|rectify|revisit|close ID --who NAME [--note TEXT]",
	 .summary = "the bad-review cases (差评整改): list, show, and each step",
	 .example = "hallq case rectify 3 --who 王主任 --note '窗口已调整'"},
	{0},
};
