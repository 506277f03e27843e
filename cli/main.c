/*
 * hallq: the hall's admin command line. Every operation of the queue library is one
 * subcommand, so a supervisor can run the hall from a shell and scripts, tests and demos
 * can drive it. Output is made to be read by scripts: the thing a command produced (a
 * ticket label, an appointment code, a count) is always the first line of stdout, and
 * failures are one line on stderr with a fixed exit status (see enum status in cli.h).
 * This file is the front: the table of commands (name, handler, accepted options,
 * synopsis), one generic parser that turns argv into a struct ctx, rejecting options a
 * command does not take, and help and version. The handlers are in commands.c, what they
 * print is made in output.c, and db.c opens the database.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hq_queue.h"

#ifndef HQ_VERSION
#define HQ_VERSION "unknown"
#endif

/* ---------------------------------------------------------------------------------------
 * Options. One long-option table for all commands; each command says which it accepts.
 */

#define O(x) (1ull << OPT_##x)
/* getopt_long returns these; kept clear of '?', ':' and the short option letters. */
#define OPT_VAL(x) (256 + (x))

static const struct option long_opts[] = {
	{"db", required_argument, NULL, OPT_VAL(OPT_DB)},
	{"config", required_argument, NULL, OPT_VAL(OPT_CONFIG)},
	{"class", required_argument, NULL, OPT_VAL(OPT_CLASS)},
	{"ticket", required_argument, NULL, OPT_VAL(OPT_TICKET)},
	{"to-service", required_argument, NULL, OPT_VAL(OPT_TO_SERVICE)},
	{"to-counter", required_argument, NULL, OPT_VAL(OPT_TO_COUNTER)},
	{"reason", required_argument, NULL, OPT_VAL(OPT_REASON)},
	{"at", required_argument, NULL, OPT_VAL(OPT_AT)},
	{"name", required_argument, NULL, OPT_VAL(OPT_NAME)},
	{"phone", required_argument, NULL, OPT_VAL(OPT_PHONE)},
	{"counter", required_argument, NULL, OPT_VAL(OPT_COUNTER)},
	{"by", required_argument, NULL, OPT_VAL(OPT_BY)},
	{"from", required_argument, NULL, OPT_VAL(OPT_FROM)},
	{"to", required_argument, NULL, OPT_VAL(OPT_TO)},
	{"since", required_argument, NULL, OPT_VAL(OPT_SINCE)},
	{"limit", required_argument, NULL, OPT_VAL(OPT_LIMIT)},
	{"json", no_argument, NULL, OPT_VAL(OPT_JSON)},
	{"csv", no_argument, NULL, OPT_VAL(OPT_CSV)},
	{"next", no_argument, NULL, OPT_VAL(OPT_NEXT)},
	{"level", required_argument, NULL, OPT_VAL(OPT_LEVEL)},
	{"reasons", required_argument, NULL, OPT_VAL(OPT_REASONS)},
	{"comment", required_argument, NULL, OPT_VAL(OPT_COMMENT)},
	{"channel", required_argument, NULL, OPT_VAL(OPT_CHANNEL)},
	{"note", required_argument, NULL, OPT_VAL(OPT_NOTE)},
	{"state", required_argument, NULL, OPT_VAL(OPT_STATE)},
	{"who", required_argument, NULL, OPT_VAL(OPT_WHO)},
	{"month", required_argument, NULL, OPT_VAL(OPT_MONTH)},
	{"week", required_argument, NULL, OPT_VAL(OPT_WEEK)},
	{"quarter", required_argument, NULL, OPT_VAL(OPT_QUARTER)},
	{"pin", required_argument, NULL, OPT_VAL(OPT_PIN)},
	{"all", no_argument, NULL, OPT_VAL(OPT_ALL)},
	{"force", no_argument, NULL, OPT_VAL(OPT_FORCE)},
	{"clerk", required_argument, NULL, OPT_VAL(OPT_CLERK)},
	{"dir", required_argument, NULL, OPT_VAL(OPT_DIR)},
	{"keep", required_argument, NULL, OPT_VAL(OPT_KEEP)},
	{"dry-run", no_argument, NULL, OPT_VAL(OPT_DRY_RUN)},
	{"help", no_argument, NULL, OPT_VAL(OPT_HELP)},
	{NULL, 0, NULL, 0},
};

static const struct cmd *find_cmd(const char *name);

/* ---------------------------------------------------------------------------------------
 * Help and version.
 */

static void print_help(FILE *f);

static int cmd_help(struct ctx *c);
static int cmd_version(struct ctx *c);

/* Everything but help and version works on a database. */
static bool uses_db(const struct cmd *cmd)
{
	return cmd->run != cmd_help && cmd->run != cmd_version;
}

static void print_cmd_help(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "usage: hallq %s%s%s%s\n\n%s\n", cmd->name,
		uses_db(cmd) ? " [--db FILE]" : "", *cmd->synopsis ? " " : "",
		cmd->synopsis, cmd->summary);
	if (cmd->example)
		fprintf(f, "\nexample:\n  %s\n", cmd->example);
}

static int cmd_help(struct ctx *c)
{
	const struct cmd *cmd;

	if (c->narg == 0) {
		print_help(stdout);
		return ST_OK;
	}
	if (!(cmd = find_cmd(c->arg[0])))
		return cli_usage_err(c, "unknown command '%s'", c->arg[0]);
	print_cmd_help(stdout, cmd);
	return ST_OK;
}

static int cmd_version(struct ctx *c)
{
	(void)c;
	printf("hallq %s\n", HQ_VERSION);
	return ST_OK;
}

/* ---------------------------------------------------------------------------------------
 * The command table. Order is the order of `hallq --help`.
 */

static const struct cmd commands[] = {
	{.name = "init", .run = cli_cmd_init, .opts = O(CONFIG), .no_db = true,
	 .synopsis = "--config FILE",
	 .summary = "create or migrate the database and apply the hall's config file",
	 .example = "hallq init --config assets/halls/county-centre.ini --db hall.db"},
	{.name = "issue", .run = cli_cmd_issue, .opts = O(CLASS), .min_args = 1, .max_args = 1,
	 .synopsis = "SERVICE [--class normal|priority|appointment]",
	 .summary = "issue a ticket for a service; prints its label",
	 .example = "hallq issue a --class priority"},
	{.name = "call", .run = cli_cmd_call, .opts = O(TICKET), .min_args = 1, .max_args = 1,
	 .synopsis = "COUNTER [--ticket TICKET]",
	 .summary = "call the next ticket (or a given one) to a counter; exit 3 if nobody waits",
	 .example = "hallq call 3"},
	{.name = "recall", .run = cli_cmd_ticket_op, .ticket_op = hq_queue_recall, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "call the counter's current ticket again",
	 .example = "hallq recall 3"},
	{.name = "noshow", .run = cli_cmd_ticket_op, .ticket_op = hq_queue_noshow, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "mark the counter's current ticket as a no-show",
	 .example = "hallq noshow 3"},
	{.name = "start", .run = cli_cmd_ticket_op, .ticket_op = hq_queue_start, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "the citizen is at the counter: service time counts from now",
	 .example = "hallq start 3"},
	{.name = "finish", .run = cli_cmd_ticket_op, .ticket_op = hq_queue_finish, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "finish the counter's current ticket",
	 .example = "hallq finish 3"},
	{.name = "park", .run = cli_cmd_ticket_op, .ticket_op = hq_queue_park, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "set the counter's current ticket aside (the citizen fetches a document)",
	 .example = "hallq park 3"},
	{.name = "transfer", .run = cli_cmd_transfer, .opts = O(TO_SERVICE) | O(TO_COUNTER),
	 .min_args = 1, .max_args = 1, .synopsis = "COUNTER --to-service KEY | --to-counter N",
	 .summary = "move the counter's ticket to another queue; prints the new ticket",
	 .example = "hallq transfer 3 --to-service b"},
	{.name = "unpark", .run = cli_cmd_unpark, .min_args = 1, .max_args = 1, .synopsis = "TICKET",
	 .summary = "put a parked ticket back in its place in the queue",
	 .example = "hallq unpark A012"},
	{.name = "cancel", .run = cli_cmd_cancel, .opts = O(REASON), .min_args = 1, .max_args = 1,
	 .synopsis = "TICKET [--reason TEXT]",
	 .summary = "cancel a waiting or parked ticket",
	 .example = "hallq cancel A012 --reason 'left the hall'"},
	{.name = "ticket", .run = cli_cmd_ticket, .reads = true, .opts = O(JSON), .min_args = 1,
	 .max_args = 1, .synopsis = "TICKET [--json]",
	 .summary = "show one ticket",
	 .example = "hallq ticket A012 --json"},
	{.name = "pause", .run = cli_cmd_pause, .opts = O(REASON), .min_args = 1, .max_args = 1,
	 .synopsis = "COUNTER [--reason TEXT]",
	 .summary = "pause a counter: no new calls, the current ticket may be finished",
	 .example = "hallq pause 3 --reason lunch"},
	{.name = "resume", .run = cli_cmd_counter_op, .counter_op = hq_queue_resume, .done = "open",
	 .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "resume a paused counter",
	 .example = "hallq resume 3"},
	{.name = "open", .run = cli_cmd_counter_op, .counter_op = hq_queue_open_counter,
	 .done = "open", .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "open a counter",
	 .example = "hallq open 3"},
	{.name = "close", .run = cli_cmd_counter_op, .counter_op = hq_queue_close_counter,
	 .done = "closed", .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "close a counter that has no called or serving ticket",
	 .example = "hallq close 3"},
	{.name = "signin", .run = cli_cmd_signin, .opts = O(PIN) | O(FORCE), .min_args = 2,
	 .max_args = 2, .synopsis = "COUNTER CLERK [--pin PIN|-] [--force]",
	 .summary = "sign a clerk (staff id) in at a counter, with the roster's PIN ('-': from stdin)",
	 .example = "hallq signin 3 1024 --pin 2468"},
	{.name = "signout", .run = cli_cmd_counter_op, .counter_op = hq_queue_sign_out,
	 .done = "signed out", .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "sign the counter's clerk out",
	 .example = "hallq signout 3"},
	{.name = "book", .run = cli_cmd_book, .opts = O(AT) | O(NAME) | O(PHONE), .min_args = 1,
	 .max_args = 1,
	 .synopsis = "SERVICE --at \"YYYY-MM-DD HH:MM\" [--name NAME] [--phone PHONE]",
	 .summary = "book an appointment slot; prints the 6-digit code",
	 .example = "hallq book a --at '2026-11-23 10:30' --name 张三 --phone 13800000000"},
	{.name = "checkin", .run = cli_cmd_checkin, .min_args = 1, .max_args = 1, .synopsis = "CODE",
	 .summary = "check an appointment in; prints the ticket label",
	 .example = "hallq checkin 482913"},
	{.name = "state", .run = cli_cmd_state, .reads = true, .opts = O(JSON), .synopsis = "[--json]",
	 .summary = "the live hall: queues and counters",
	 .example = "hallq state --json"},
	{.name = "stats", .run = cli_cmd_stats, .reads = true,
	 .opts = O(BY) | O(FROM) | O(TO) | O(CSV) | O(JSON),
	 .synopsis = "[--by service|counter|clerk|hour] [--from T] [--to T] [--csv|--json]",
	 .summary = "figures over tickets issued from T to T (default today)",
	 .example = "hallq stats --by counter --from 2026-11-01 --to 2026-11-30 --csv"},
	{.name = "events", .run = cli_cmd_events, .reads = true, .opts = O(SINCE) | O(LIMIT) | O(JSON),
	 .synopsis = "[--since ID] [--limit N] [--json]",
	 .summary = "the event feed after an event id, one event a line",
	 .example = "hallq events --since 120 --json"},
	{.name = "close-day", .run = cli_cmd_close_day, .opts = O(REASON),
	 .synopsis = "[--reason TEXT]",
	 .summary = "close every ticket still open today; prints how many",
	 .example = "hallq close-day"},
	{.name = "hours", .run = cli_cmd_hours, .no_db = true, .db_optional = true, .opts = O(CONFIG) | O(NEXT),
	 .synopsis = "[--config FILE] [--next]",
	 .summary = "opening hours, what is open now, and when the hall next opens (--next: only that)",
	 .example = "hallq hours --config hall.ini --next"},
	{.name = "help", .run = cmd_help, .no_db = true, .max_args = 1, .synopsis = "[COMMAND]",
	 .summary = "this overview, or one command's usage",
	 .example = "hallq help transfer"},
	{.name = "version", .run = cmd_version, .no_db = true, .synopsis = "",
	 .summary = "print the version (also --version)",
	 .example = "hallq --version"},
	{0},
};

/* The commands above, then those of the 好差评 evaluation (cmd_review.c), electronic
 * supervision (cmd_alert.c), the reports and roster (cmd_report.c), the web pages'
 * sessions (cmd_session.c), backup, restore and retention (cmd_backup.c) and hallqd's tokens
 * (cmd_token.c); each table ends with an entry without a name. */
static const struct cmd *const tables[] = {
	commands, cli_review_cmds, cli_alert_cmds, cli_report_cmds, cli_session_cmds,
	cli_backup_cmds, cli_token_cmds,
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* The overview: every command of the tables, with what it is for. */
static void print_help(FILE *f)
{
	fputs("usage: hallq COMMAND [--db FILE] [ARGUMENTS] [OPTIONS]\n"
	      "       hallq help COMMAND | hallq COMMAND --help | hallq --version\n\n"
	      "The hall's admin tool: every queue operation, the live state, statistics and\n"
	      "the event feed of a hallq database.\n\ncommands:\n", f);
	for (size_t t = 0; t < NTABLES; t++)
		for (const struct cmd *c = tables[t]; c->name; c++)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\n"
	      "TICKET is a label of today (A012) or a numeric ticket id; COUNTER is a number.\n"
	      "The first line of output is what the command made or acted on (ticket label,\n"
	      "appointment code, counter, count); \"key: value\" lines follow.\n\n"
	      "environment:\n"
	      "  HALLQ_DB   database file, when --db is not given\n"
	      "  HALLQ_NOW  \"YYYY-MM-DD HH:MM[:SS]\" local time: fixes the clock (tests, demos)\n"
	      "  TZ         the hall's time zone, for local times\n\n"
	      "exit status: 0 done, 1 refused or failed, 2 usage error, 3 nobody waiting (call)\n"
	      "\"hallq help COMMAND\" shows a command's arguments and an example.\n", f);
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t t = 0; t < NTABLES; t++)
		for (const struct cmd *c = tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

/* ---------------------------------------------------------------------------------------
 * Running a command: parse, open, run, close.
 */

static int parse_args(struct ctx *c, int argc, char **argv)
{
	unsigned long long allowed = c->cmd->opts | O(DB) | O(HELP);
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		int id = ch - OPT_VAL(0);

		if (ch == 'h') {
			id = OPT_HELP;
		} else if (ch == ':') {
			return cli_usage_err(c, "option '%s' needs a value", argv[optind - 1]);
		} else if (ch == '?' || id < 0 || id >= OPT_COUNT_) {
			return cli_usage_err(c, "unknown option '%s'", argv[optind - 1]);
		} else if (!(allowed & (1ull << id))) {
			return cli_usage_err(c, "option '--%s' does not apply to %s",
					 long_opts[id].name, c->cmd->name);
		}
		c->opt[id] = optarg ? optarg : "";
	}
	c->arg = argv + optind;
	c->narg = argc - optind;
	return 0;
}

static int check_arg_count(struct ctx *c)
{
	if (c->narg < c->cmd->min_args)
		return cli_usage_err(c, "missing argument: hallq %s %s", c->cmd->name,
				 c->cmd->synopsis);
	if (c->narg > c->cmd->max_args)
		return cli_usage_err(c, "unexpected argument '%s'", c->arg[c->cmd->max_args]);
	return 0;
}

static int run(const struct cmd *cmd, int argc, char **argv)
{
	struct ctx c = {.cmd = cmd};
	int rc;

	if ((rc = parse_args(&c, argc, argv)) != 0)
		return rc;
	if (c.opt[OPT_HELP]) {
		print_cmd_help(stdout, cmd);
		return ST_OK;
	}
	if ((rc = check_arg_count(&c)) != 0 || (rc = cli_setup_clock(&c)) != 0)
		return rc;
	c.db_path = c.opt[OPT_DB] ? c.opt[OPT_DB] : getenv("HALLQ_DB");
	if (uses_db(cmd) && !cmd->db_own && (!c.db_path || !*c.db_path) &&
	    !(cmd->db_optional && c.opt[OPT_CONFIG]))
		return cli_usage_err(&c, "no database: give --db FILE or set HALLQ_DB");
	if (!cmd->no_db && (rc = cli_open_existing(&c, cmd->reads)) != 0) {
		hq_queue_close(c.q);
		return rc;
	}
	rc = cmd->run(&c);
	hq_queue_close(c.q);
	if (fflush(stdout) != 0 && rc == ST_OK)
		rc = cli_fail(&c, "cannot write output: %s", strerror(errno));
	return rc;
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		fputs("usage: hallq COMMAND [ARGUMENTS] [OPTIONS]; "
		      "hallq --help lists the commands\n", stderr);
		return ST_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_help(stdout);
		return ST_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(NULL);
	if (!(cmd = find_cmd(argv[1]))) {
		fprintf(stderr, "hallq: %s: unknown command (see hallq --help)\n", argv[1]);
		return ST_USAGE;
	}
	return run(cmd, argc - 1, argv + 1);
}
