/*
 * hallq's commands of electronic supervision (电子监察): the alerts and their acknowledgement (docs/cli.md).
 * `hallq alerts` lists the open alerts (or with --all every alert raised in a range) one a
 * line, as `hallq events` lists events, or as JSON; `hallq alert ack ID --who NAME` records
 * that a supervisor has seen one. hallqd evaluates the rules as the hall goes; `hallq alert
 * eval` does it once, for a hall run from scripts (without hallqd's device health).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define O(x) (1ull << OPT_##x)

static json_t *alert_json(const struct hq_alert *a)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:o, s:o, s:o, s:s, s:s}",
			 "id", (json_int_t)a->id, "rule", a->rule, "kind", hq_alert_kind_name(a->kind),
			 "severity", hq_severity_name(a->severity), "subject", a->subject,
			 "service", a->service, "counter", a->counter, "clerk", a->clerk,
			 "message", a->message, "open", a->cleared_at == 0,
			 "raised_at", cli_time_json(a->raised_at), "cleared_at", cli_time_json(a->cleared_at),
			 "acked_at", cli_time_json(a->acked_at), "acked_by", a->acked_by, "ack_note", a->ack_note);
}

/* id date time state severity rule subject acked message... : the message, which holds
 * spaces, last, so that awk's field numbers hold. */
static void alert_line(const struct hq_alert *a)
{
	char when[32];

	cli_local_time(a->raised_at, when, sizeof when);
	printf("%lld %s %-7s %-8s %-15s %-16s %-5s %s\n", (long long)a->id, when,
	       a->cleared_at ? "cleared" : "open", hq_severity_name(a->severity), a->rule, a->subject,
	       a->acked_at ? "acked" : "-", a->message);
}

static int cmd_alerts(struct ctx *c)
{
	bool all = c->opt[OPT_ALL] != NULL;
	int64_t now = hq_queue_now(c->q), from = 0, to = INT64_MAX;
	struct hq_alert *v;
	size_t n, i;
	int rc;

	/* All: today's by default; open: whenever they were raised. */
	if (all)
		from = hq_day_start(now);
	if (c->opt[OPT_FROM] && (rc = cli_parse_bound(c, "--from", c->opt[OPT_FROM], false, &from)))
		return rc;
	if (c->opt[OPT_TO] && (rc = cli_parse_bound(c, "--to", c->opt[OPT_TO], true, &to)))
		return rc;
	if (to <= from)
		return cli_usage_err(c, "--to must be after --from");
	if ((rc = hq_queue_alerts(c->q, !all, from, to, &v, &n)))
		return cli_queue_fail(c, rc);
	if (c->opt[OPT_JSON]) {
		json_t *list = json_array();

		for (i = 0; list && i < n; i++)
			json_array_append_new(list, alert_json(&v[i]));
		free(v);
		return cli_print_json(list, JSON_INDENT(2));
	}
	for (i = 0; i < n; i++)
		alert_line(&v[i]);
	free(v);
	return ST_OK;
}

static int cmd_alert(struct ctx *c)
{
	struct hq_alert a;
	long long id;
	char *end, when[32];
	int rc;

	if (!strcmp(c->arg[0], "eval")) {
		int raised, cleared;

		if (c->narg > 1)
			return cli_usage_err(c, "unexpected argument '%s'", c->arg[1]);
		if (c->opt[OPT_WHO] || c->opt[OPT_NOTE])
			return cli_usage_err(c, "--who and --note are for ack");
		if ((rc = hq_queue_alerts_eval(c->q, NULL, 0, &raised, &cleared)))
			return cli_queue_fail(c, rc);
		printf("%d\nraised: %d\ncleared: %d\n", raised + cleared, raised, cleared);
		return ST_OK;
	}
	if (strcmp(c->arg[0], "ack") != 0)
		return cli_usage_err(c, "unknown action '%s': hallq alert ack ID --who NAME, or hallq "
				     "alert eval", c->arg[0]);
	if (c->narg < 2)
		return cli_usage_err(c, "missing argument: hallq alert ack ID --who NAME");
	errno = 0;
	id = strtoll(c->arg[1], &end, 10);
	if (*end || end == c->arg[1] || id <= 0 || errno)
		return cli_usage_err(c, "ID must be an alert's number, not '%s'", c->arg[1]);
	if (!c->opt[OPT_WHO])
		return cli_usage_err(c, "--who NAME is needed: who acknowledges the alert");
	if ((rc = hq_queue_alert_ack(c->q, id, c->opt[OPT_WHO], c->opt[OPT_NOTE], &a)))
		return cli_queue_fail(c, rc);
	cli_local_time(a.acked_at, when, sizeof when);
	printf("%lld\nrule: %s\nsubject: %s\nstate: %s\nacked_by: %s\nacked_at: %s\n", (long long)a.id,
	       a.rule, a.subject, a.cleared_at ? "cleared" : "open", a.acked_by, when);
	return ST_OK;
}

const struct cmd cli_alert_cmds[] = {
	{.name = "alerts", .run = cmd_alerts, .reads = true, .opts = O(ALL) | O(FROM) | O(TO) | O(JSON),
	 .synopsis = "[--all] [--from T] [--to T] [--json]",
	 .summary = "the open alerts of electronic supervision (--all: every alert raised from T to T)",
	 .example = "hallq alerts --all --from 2026-11-23 --json"},
	{.name = "alert", .run = cmd_alert, .opts = O(WHO) | O(NOTE), .min_args = 1, .max_args = 2,
	 .synopsis = "ack ID --who NAME [--note TEXT] | eval",
	 .summary = "acknowledge an alert (it stays open while it holds); eval: evaluate the rules now",
	 .example = "hallq alert ack 12 --who 王主任 --note '已加开窗口'"},
	{0},
};
