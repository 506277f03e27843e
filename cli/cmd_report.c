/*
 * hallq's period reports, the monthly window appraisal (月考核, 红旗窗口), and the clerks'
 * roster and sign-in (docs/cli.md). A PIN comes from --pin or, given as "-", from the first
 * line of stdin, which keeps it out of the process list and the shell's history; it is never
 * printed, and neither is its hash but by `clerk hash`, whose output it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PIN_BUF 64

static int op_err(const struct ctx *c, int rc)
{
	const char *msg = c->q ? hq_queue_errmsg(c->q) : "";

	return cli_fail(c, "%s", msg && *msg ? msg : hq_strerror(rc));
}

/* The first line of stdin, without its line end. */
static int read_line(const struct ctx *c, char *buf, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)len, stdin))
		return cli_usage_err(c, "no PIN on stdin");
	n = strcspn(buf, "\r\n");
	if (!buf[n] && !feof(stdin)) {
		explicit_bzero(buf, len);
		return cli_usage_err(c, "the PIN on stdin is too long");
	}
	buf[n] = '\0';
	return 0;
}

/* --pin PIN, or the first line of stdin for --pin -. */
static int pin_arg(const struct ctx *c, char *pin, size_t len)
{
	const char *opt = c->opt[OPT_PIN];

	if (strcmp(opt, "-"))
		return snprintf(pin, len, "%s", opt) < (int)len ? 0
			: cli_usage_err(c, "--pin: a PIN is %d to %d digits", HQ_PIN_MIN, HQ_PIN_MAX);
	return read_line(c, pin, len);
}

/* ---- signin ------------------------------------------------------------------------------ */

int cli_cmd_signin(struct ctx *c)
{
	char pin[PIN_BUF] = "", *end;
	const char *clerk = c->arg[1];
	long counter;
	int rc;

	errno = 0;
	counter = strtol(c->arg[0], &end, 10);
	if (!*c->arg[0] || *end || errno || counter < 1 || counter > 9999)
		return cli_usage_err(c, "COUNTER must be a number from 1 to 9999, not '%s'", c->arg[0]);
	if (!*clerk || strlen(clerk) >= HQ_CLERK_MAX)
		return cli_usage_err(c, "CLERK must be 1 to %d bytes", HQ_CLERK_MAX - 1);
	if (c->opt[OPT_PIN] && c->opt[OPT_FORCE])
		return cli_usage_err(c, "give --pin or --force, not both");
	if (c->opt[OPT_PIN] && (rc = pin_arg(c, pin, sizeof pin)))
		return rc;
	if (c->opt[OPT_FORCE])
		rc = hq_queue_sign_in(c->q, (int)counter, clerk);
	else
		rc = hq_queue_sign_in_pin(c->q, (int)counter, clerk, c->opt[OPT_PIN] ? pin : NULL);
	explicit_bzero(pin, sizeof pin);
	if (rc == HQ_ESIGNIN && !c->opt[OPT_PIN] && !c->opt[OPT_FORCE])
		return cli_fail(c, "%s; give --pin PIN, or --force to sign a clerk of the roster in "
				"without it", hq_queue_errmsg(c->q));
	if (rc)
		return op_err(c, rc);
	printf("%ld\nstate: signed in\nclerk: %s\n", counter, clerk);
	return ST_OK;
}

/* ---- clerk ------------------------------------------------------------------------------- */

static int clerk_hash(struct ctx *c)
{
	char pin[PIN_BUF], hash[HQ_PIN_HASH_MAX];
	int rc;

	if (c->narg != 1 || c->opt[OPT_NAME] || c->opt[OPT_PIN] || c->opt[OPT_JSON] || c->opt[OPT_ALL])
		return cli_usage_err(c, "clerk hash takes no argument and no option: the PIN comes on stdin");
	if ((rc = read_line(c, pin, sizeof pin)))
		return rc;
	if (!hq_pin_valid(pin)) {
		explicit_bzero(pin, sizeof pin);
		return cli_usage_err(c, "a PIN is %d to %d digits", HQ_PIN_MIN, HQ_PIN_MAX);
	}
	rc = hq_pin_hash(pin, hash, sizeof hash);
	explicit_bzero(pin, sizeof pin);
	if (rc)
		return cli_fail(c, "cannot hash the PIN: %s", hq_strerror(rc));
	printf("%s\n", hash);
	return ST_OK;
}

static int clerk_list(struct ctx *c)
{
	struct hq_clerk *v;
	size_t n;
	int rc;

	if (c->narg != 1 || c->opt[OPT_NAME] || c->opt[OPT_PIN])
		return cli_usage_err(c, "usage: hallq clerk list [--json] [--all]");
	if ((rc = cli_open_existing(c, true)))
		return rc;
	if ((rc = hq_queue_clerk_list(c->q, c->opt[OPT_ALL] != NULL, &v, &n)))
		return op_err(c, rc);
	if (c->opt[OPT_JSON])
		rc = cli_print_json(cli_clerks_json(v, n), JSON_INDENT(2));
	else
		cli_clerks_table(v, n);
	free(v);
	return rc;
}

static int clerk_add(struct ctx *c)
{
	char pin[PIN_BUF];
	int rc;

	if (c->narg != 2 || c->opt[OPT_JSON] || c->opt[OPT_ALL])
		return cli_usage_err(c, "usage: hallq clerk add ID --name NAME --pin PIN|-");
	if (!c->opt[OPT_NAME] || !c->opt[OPT_PIN])
		return cli_usage_err(c, "clerk add needs --name NAME and --pin PIN (- reads it from stdin)");
	if ((rc = pin_arg(c, pin, sizeof pin)))
		return rc;
	if ((rc = cli_open_existing(c, false)) == 0 &&
	    (rc = hq_queue_clerk_add(c->q, c->arg[1], c->opt[OPT_NAME], pin)) != 0)
		rc = op_err(c, rc);
	explicit_bzero(pin, sizeof pin);
	if (rc)
		return rc;
	printf("%s\nname: %s\nsource: database\n", c->arg[1], c->opt[OPT_NAME]);
	return ST_OK;
}

static int clerk_remove(struct ctx *c)
{
	int rc;

	if (c->narg != 2 || c->opt[OPT_NAME] || c->opt[OPT_PIN] || c->opt[OPT_JSON] || c->opt[OPT_ALL])
		return cli_usage_err(c, "usage: hallq clerk remove ID");
	if ((rc = cli_open_existing(c, false)))
		return rc;
	if ((rc = hq_queue_clerk_remove(c->q, c->arg[1])))
		return op_err(c, rc);
	printf("%s\nactive: no\n", c->arg[1]);
	return ST_OK;
}

static int cmd_clerk(struct ctx *c)
{
	const char *sub = c->arg[0];

	if (!strcmp(sub, "hash"))
		return clerk_hash(c);
	if (strcmp(sub, "list") && strcmp(sub, "add") && strcmp(sub, "remove"))
		return cli_usage_err(c, "unknown subcommand '%s'; use list, add, remove or hash", sub);
	if (!c->db_path || !*c->db_path)
		return cli_usage_err(c, "no database: give --db FILE or set HALLQ_DB");
	return !strcmp(sub, "list") ? clerk_list(c) : !strcmp(sub, "add") ? clerk_add(c) : clerk_remove(c);
}

/* ---- report ------------------------------------------------------------------------------- */

static int cmd_report(struct ctx *c)
{
	static const struct {
		enum opt opt;
		enum hq_period_kind kind;
		const char *form;
	} periods[] = {
		{OPT_MONTH, HQ_PERIOD_MONTH, "YYYY-MM"},
		{OPT_WEEK, HQ_PERIOD_WEEK, "YYYY-Www (an ISO week: 2026-W48)"},
		{OPT_QUARTER, HQ_PERIOD_QUARTER, "YYYY-Qn (2026-Q4)"},
	};
	char label[HQ_PERIOD_LABEL_MAX] = "";
	struct hq_appraisal a;
	int64_t from = 0, to = 0;
	int given = 0, rc;

	if (strcmp(c->arg[0], "appraisal"))
		return cli_usage_err(c, "unknown report '%s'; the reports: appraisal", c->arg[0]);
	if (c->opt[OPT_CSV] && c->opt[OPT_JSON])
		return cli_usage_err(c, "give --csv or --json, not both");
	for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
		const char *v = c->opt[periods[i].opt];

		if (!v)
			continue;
		given++;
		if (hq_period_parse(periods[i].kind, v, &from, &to, label))
			return cli_usage_err(c, "--%s must be %s, not '%s'",
					 i == 0 ? "month" : i == 1 ? "week" : "quarter", periods[i].form, v);
	}
	if (c->opt[OPT_FROM] || c->opt[OPT_TO]) {
		given++;
		if (!c->opt[OPT_FROM] || !c->opt[OPT_TO])
			return cli_usage_err(c, "a range needs both --from and --to");
		if ((rc = cli_parse_bound(c, "--from", c->opt[OPT_FROM], false, &from)) ||
		    (rc = cli_parse_bound(c, "--to", c->opt[OPT_TO], true, &to)))
			return rc;
		if (to <= from)
			return cli_usage_err(c, "--to must be after --from");
	}
	if (given != 1)
		return cli_usage_err(c, "give one period: --month YYYY-MM, --week YYYY-Www, "
				 "--quarter YYYY-Qn or --from T --to T");
	if ((rc = hq_queue_appraisal(c->q, from, to, &a)))
		return op_err(c, rc);
	rc = ST_OK;
	if (c->opt[OPT_JSON])
		rc = cli_print_json(cli_appraisal_json(&a, label), JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	else if (c->opt[OPT_CSV]) {
		char *csv = hq_appraisal_csv(&a);

		if (csv)
			fputs(csv, stdout);
		else
			rc = cli_fail(c, "out of memory writing the appraisal");
		free(csv);
	}
	else
		cli_appraisal_table(&a, label);
	hq_appraisal_free(&a);
	return rc;
}

#define O(x) (1ull << OPT_##x)

const struct cmd cli_report_cmds[] = {
	{.name = "report", .run = cmd_report, .reads = true,
	 .opts = O(MONTH) | O(WEEK) | O(QUARTER) | O(FROM) | O(TO) | O(CSV) | O(JSON),
	 .min_args = 1, .max_args = 1,
	 .synopsis = "appraisal --month YYYY-MM | --week YYYY-Www | --quarter YYYY-Qn | "
		     "--from T --to T [--csv|--json]",
	 .summary = "the window appraisal (月考核): each window and clerk scored and ranked, 红旗窗口",
	 .example = "hallq report appraisal --month 2026-11"},
	{.name = "clerk", .run = cmd_clerk, .no_db = true, .db_own = true,
	 .opts = O(NAME) | O(PIN) | O(JSON) | O(ALL), .min_args = 1, .max_args = 2,
	 .synopsis = "list [--json] [--all] | add ID --name NAME --pin PIN|- | remove ID | hash",
	 .summary = "the clerks' roster; hash: a PIN's hash from stdin, for a [clerk ID] section",
	 .example = "echo 2468 | hallq clerk hash"},
	{0},
};
