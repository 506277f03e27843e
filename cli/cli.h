/*
 * What the parts of hallq share, and nothing else: the exit statuses, the options, one
 * invocation (struct ctx) and one command (struct cmd). The parts call in one direction
 * only: main.c (the command table and dispatch) calls the handlers in commands.c and the
 * feature tables (cmd_review.c, ...), and all of them call db.c (opening the database) and
 * output.c (errors, tables, CSV, JSON), which call no other part of hallq.
 */
#ifndef HQ_CLI_H
#define HQ_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hq_queue.h"

/* Exit statuses; scripts and the HTTP server's tests rely on them. */
enum status {
	ST_OK = 0,
	ST_FAIL = 1,   /* the library refused or failed the operation */
	ST_USAGE = 2,  /* the command line was wrong */
	ST_EMPTY = 3,  /* call: nobody is waiting */
};

/* Every option of every command; main.c's long-option table names them. */
enum opt {
	OPT_DB, OPT_CONFIG, OPT_CLASS, OPT_TICKET, OPT_TO_SERVICE, OPT_TO_COUNTER, OPT_REASON,
	OPT_AT, OPT_NAME, OPT_PHONE, OPT_COUNTER, OPT_BY, OPT_FROM, OPT_TO, OPT_SINCE,
	OPT_LIMIT, OPT_JSON, OPT_CSV, OPT_NEXT,
	/* 好差评, electronic supervision and the appraisal */
	OPT_LEVEL, OPT_REASONS, OPT_COMMENT, OPT_CHANNEL, OPT_NOTE, OPT_STATE, OPT_WHO,
	OPT_MONTH, OPT_WEEK, OPT_QUARTER, OPT_PIN, OPT_ALL, OPT_FORCE,
	OPT_CLERK,
	/* backup, restore and retention */
	OPT_DIR, OPT_KEEP, OPT_DRY_RUN,
	OPT_HELP,
	OPT_COUNT_
};

struct cmd;

/* One invocation: the command, its options and arguments, and the open queue. */
struct ctx {
	const struct cmd *cmd;
	const char *opt[OPT_COUNT_];    /* NULL when not given; "" for flags */
	char **arg;                     /* positional arguments */
	int narg;
	const char *db_path;
	struct hq_queue *q;
	bool fixed;                     /* HALLQ_NOW is set: the clock stands at fixed_now */
	int64_t fixed_now;
};

typedef int (*ticket_op_fn)(struct hq_queue *q, int counter, struct hq_ticket *out);
typedef int (*counter_op_fn)(struct hq_queue *q, int counter);

struct cmd {
	const char *name;
	int (*run)(struct ctx *c);
	unsigned long long opts;        /* accepted options besides --db and --help: O(NAME) bits */
	int min_args, max_args;
	const char *synopsis;           /* after "hallq NAME [--db FILE]" */
	const char *summary;
	const char *example;
	bool no_db;                     /* the handler opens the database itself, or needs none */
	bool reads;                     /* reads only: opened read-only, never rolls the day over */
	bool db_optional;               /* --config may stand in for the database */
	bool db_own;                    /* the handler says whether it needs a database (no_db:
					   `clerk hash` needs none, `clerk list` one) */
	ticket_op_fn ticket_op;         /* for the act-on-the-current-ticket commands */
	counter_op_fn counter_op;       /* for the counter state commands */
	const char *done;               /* what counter_op leaves the counter as, for the reply */
};

/* The command tables of the 好差评 evaluation (cmd_review.c), electronic supervision
 * (cmd_alert.c), the reports and the clerks' roster (cmd_report.c), and the web pages'
 * sessions (cmd_session.c); each ends with {0}. */
extern const struct cmd cli_review_cmds[];
extern const struct cmd cli_alert_cmds[];
extern const struct cmd cli_report_cmds[];
/* cmd_session.c: the web pages' sessions. */
extern const struct cmd cli_session_cmds[];
/* cmd_backup.c: backup, restore and retention. */
extern const struct cmd cli_backup_cmds[];
/* cmd_token.c: new tokens for hallqd's tokens file. */
extern const struct cmd cli_token_cmds[];

/* commands.c: the handlers of main.c's command table. Each returns the exit status. */
int cli_cmd_init(struct ctx *c);
int cli_cmd_issue(struct ctx *c);
int cli_cmd_call(struct ctx *c);
int cli_cmd_ticket_op(struct ctx *c);
int cli_cmd_transfer(struct ctx *c);
int cli_cmd_unpark(struct ctx *c);
int cli_cmd_cancel(struct ctx *c);
int cli_cmd_ticket(struct ctx *c);
int cli_cmd_counter_op(struct ctx *c);
int cli_cmd_pause(struct ctx *c);
int cli_cmd_book(struct ctx *c);
int cli_cmd_checkin(struct ctx *c);
int cli_cmd_state(struct ctx *c);
int cli_cmd_stats(struct ctx *c);
int cli_cmd_events(struct ctx *c);
int cli_cmd_close_day(struct ctx *c);
int cli_cmd_hours(struct ctx *c);

/* cmd_report.c: signing a clerk in, with the roster's PIN (main.c's table names it). */
int cli_cmd_signin(struct ctx *c);

/* db.c: the database. Each failure is reported on stderr and returned as the exit status;
 * c->q may be open even then, and hq_queue_close(c->q) is the caller's either way. */
int cli_setup_clock(struct ctx *c);
int cli_open_queue(struct ctx *c, bool readonly);
int cli_open_existing(struct ctx *c, bool readonly);

/* output.c: errors, "hallq: COMMAND: message" on stderr; they return the exit status. */
int cli_usage_err(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The queue's failure rc, in the queue's own words when it has some. */
int cli_queue_fail(const struct ctx *c, int rc);
/* output.c: a bound of --from/--to (hq_parse_local_bound: a bare date as the end is the end
 * of that day); a usage error naming `what` when it is none. */
int cli_parse_bound(const struct ctx *c, const char *what, const char *s, bool end, int64_t *ms);

/* output.c: allocation that ends the program when memory runs out. */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *old, size_t n);

/* output.c: what the commands print. The *_json functions return a new reference, NULL
 * when out of memory; cli_print_json prints and releases it, and takes NULL too. */
void cli_local_time(int64_t ms, char *buf, size_t len);
/* A local time as JSON ("YYYY-MM-DD HH:MM:SS"), null for 0. */
json_t *cli_time_json(int64_t ms);
int cli_print_json(json_t *root, size_t flags);
void cli_print_ticket(const struct hq_ticket *t, const char *const *keys);
void cli_print_ticket_all(const struct hq_ticket *t);
json_t *cli_ticket_json(const struct hq_ticket *t);
json_t *cli_state_json(const struct hq_config *cfg, const struct hq_hall_state *st, int64_t now);
void cli_state_table(const struct hq_config *cfg, const struct hq_hall_state *st);
json_t *cli_stats_json(const struct hq_stats *st, const char *by, int64_t from, int64_t to);
void cli_stats_csv(const struct hq_stats *st);
void cli_stats_table(const struct hq_stats *st, const char *by, int64_t from, int64_t to);
void cli_print_event(const struct hq_event *e, bool json);
/* output.c: the 好差评 reviews and their bad-review cases (cmd_review.c). */
json_t *cli_review_json(const struct hq_review *r);
void cli_print_review(const struct hq_review *r);
void cli_reviews_table(const struct hq_review *v, size_t n);
json_t *cli_case_json(const struct hq_case *c, const struct hq_case_step *steps, size_t nsteps);
void cli_cases_table(const struct hq_case *v, size_t n);
void cli_print_case(const struct hq_case *c, const struct hq_case_step *steps, size_t nsteps);

/* output.c: the clerks' roster (never a PIN's hash) and the appraisal; period may be "". */
json_t *cli_clerks_json(const struct hq_clerk *v, size_t n);
void cli_clerks_table(const struct hq_clerk *v, size_t n);
json_t *cli_appraisal_json(const struct hq_appraisal *a, const char *period);
void cli_appraisal_table(const struct hq_appraisal *a, const char *period);

#endif
