/*
 * hallq: the hall's admin command line. Every operation of the queue library is one
 * subcommand, so a supervisor can run the hall from a shell and scripts, tests and demos
 * can drive it. Output is made to be read by scripts: the thing a command produced (a
 * ticket label, an appointment code, a count) is always the first line of stdout, and
 * failures are one line on stderr with a fixed exit status (see enum status).
 *
 * The shape: a table of commands (name, handler, accepted options, synopsis); one generic
 * parser that turns argv into a struct ctx, rejecting options a command does not take; one
 * handler per command that calls the library and prints. Ticket and statistics fields are
 * described by tables too, so the text, CSV and JSON outputs cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hq_config.h"
#include "hq_error.h"
#include "hq_queue.h"

#ifndef HQ_VERSION
#define HQ_VERSION "unknown"
#endif

/* Exit statuses; scripts and the HTTP server's tests rely on them. */
enum status {
	ST_OK = 0,
	ST_FAIL = 1,   /* the library refused or failed the operation */
	ST_USAGE = 2,  /* the command line was wrong */
	ST_EMPTY = 3,  /* call: nobody is waiting */
};

/* ---------------------------------------------------------------------------------------
 * Options. One long-option table for all commands; each command says which it accepts.
 */

enum opt {
	OPT_DB, OPT_CONFIG, OPT_CLASS, OPT_TICKET, OPT_TO_SERVICE, OPT_TO_COUNTER, OPT_REASON,
	OPT_AT, OPT_NAME, OPT_PHONE, OPT_COUNTER, OPT_BY, OPT_FROM, OPT_TO, OPT_SINCE,
	OPT_LIMIT, OPT_JSON, OPT_CSV, OPT_HELP,
	OPT_COUNT_
};
#define O(x) (1u << OPT_##x)
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
	{"help", no_argument, NULL, OPT_VAL(OPT_HELP)},
	{NULL, 0, NULL, 0},
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
	unsigned opts;                  /* accepted options besides --db and --help */
	int min_args, max_args;
	const char *synopsis;           /* after "hallq NAME [--db FILE]" */
	const char *summary;
	const char *example;
	bool no_db;                     /* the handler opens the database itself, or needs none */
	bool reads;                     /* reads only: opened read-only, never rolls the day over */
	ticket_op_fn ticket_op;         /* for the act-on-the-current-ticket commands */
	counter_op_fn counter_op;       /* for the counter state commands */
	const char *done;               /* what counter_op leaves the counter as, for the reply */
};

static const struct cmd *find_cmd(const char *name);

/* ---------------------------------------------------------------------------------------
 * Errors: one line on stderr, "hallq: COMMAND: message", and an exit status.
 */

static void vsay(const struct ctx *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "hallq: %s: ", c->cmd->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static int usage_err(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_err(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, fmt, ap);
	va_end(ap);
	return ST_USAGE;
}

static int fail(const struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, fmt, ap);
	va_end(ap);
	return ST_FAIL;
}

/* A library error: its own sentence when it kept one, else the code's generic text. */
static int op_err(const struct ctx *c, int rc)
{
	const char *msg = c->q ? hq_queue_errmsg(c->q) : "";

	fail(c, "%s", msg && *msg ? msg : hq_strerror(rc));
	return rc == HQ_EEMPTY ? ST_EMPTY : ST_FAIL;
}

/* The CLI is a program, not the library: running out of memory ends it. */
static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("hallq: out of memory\n", stderr);
		exit(ST_FAIL);
	}
	return p;
}

static void *xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (!p) {
		fputs("hallq: out of memory\n", stderr);
		exit(ST_FAIL);
	}
	return p;
}

/* ---------------------------------------------------------------------------------------
 * Argument parsing helpers. Numbers go through strtol with the whole string checked, so
 * "abc" or "3x" is a usage error and never silently 0.
 */

static int parse_long(const struct ctx *c, const char *what, const char *s, long min, long max,
		      long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno == ERANGE || v < min || v > max)
		return usage_err(c, "%s must be a number from %ld to %ld, not '%s'",
				 what, min, max, s);
	*out = v;
	return 0;
}

static int parse_int(const struct ctx *c, const char *what, const char *s, int min, int max,
		     int *out)
{
	long v = 0; /* gcc -O3 cannot see that parse_long sets it whenever it returns 0 */
	int rc = parse_long(c, what, s, min, max, &v);

	if (rc == 0)
		*out = (int)v;
	return rc;
}

static int parse_counter(const struct ctx *c, const char *s, int *out)
{
	return parse_int(c, "COUNTER", s, 1, 9999, out);
}

static int parse_score(const struct ctx *c, const char *s, int *out)
{
	static const char *const words[] = {"dissatisfied", "fair", "satisfied"};

	for (int i = 0; i < 3; i++)
		if (strcmp(s, words[i]) == 0) {
			*out = HQ_SCORE_DISSATISFIED + i;
			return 0;
		}
	if (strlen(s) == 1 && s[0] >= '1' && s[0] <= '3') {
		*out = s[0] - '0';
		return 0;
	}
	return usage_err(c, "SCORE must be 1..3 or dissatisfied|fair|satisfied, not '%s'", s);
}

static int parse_time(const struct ctx *c, const char *what, const char *s, int64_t *ms)
{
	if (hq_parse_local_time(s, ms) != 0)
		return usage_err(c, "%s must be \"YYYY-MM-DD HH:MM\", not '%s'", what, s);
	return 0;
}

/* Local midnight at the start of the day that contains ms, plus `days` days. */
static int64_t day_start(int64_t ms, int days)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/*
 * A range bound: "YYYY-MM-DD HH:MM" as is, or a bare date. A bare date as the end of the
 * range means the end of that day, so --from D --to D covers the whole of day D.
 */
static int parse_bound(const struct ctx *c, const char *what, const char *s, bool end,
		       int64_t *ms)
{
	bool date = strlen(s) == 10;
	char buf[32];

	snprintf(buf, sizeof buf, date ? "%s 00:00" : "%s", s);
	if (hq_parse_local_time(buf, ms) != 0)
		return usage_err(c, "%s must be YYYY-MM-DD or \"YYYY-MM-DD HH:MM\", not '%s'",
				 what, s);
	if (date && end)
		*ms = day_start(*ms, 1);
	return 0;
}

/* TICKET is a label of today ("A012") or an id; the library knows which. */
static int find_ticket(struct ctx *c, const char *ref, int64_t *id)
{
	int rc = hq_queue_find(c->q, ref, id);

	return rc ? op_err(c, rc) : 0;
}

/* ---------------------------------------------------------------------------------------
 * Output helpers.
 */

static void local_time(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "-");
	else
		hq_format_local_time(ms, buf, len);
}

static json_t *json_time(int64_t ms)
{
	char buf[32];

	if (ms == 0)
		return json_null();
	hq_format_local_time(ms, buf, sizeof buf);
	return json_string(buf);
}

/* Minutes for people: rounded to the nearest, so 90 s reads "2". */
static int minutes(int seconds)
{
	return (seconds + 30) / 60;
}

/* jansson refuses NaN and infinity, which a ratio over nothing may be. */
static json_t *json_num(double v, double step)
{
	if (!isfinite(v))
		return json_null();
	return json_real(round(v / step) * step);
}

static int print_json(json_t *root, size_t flags)
{
	int rc;

	if (!root) {
		fputs("hallq: out of memory\n", stderr);
		return ST_FAIL;
	}
	rc = json_dumpf(root, stdout, flags);
	fputc('\n', stdout);
	json_decref(root);
	return rc ? ST_FAIL : ST_OK;
}

/*
 * Terminal columns of a UTF-8 string: CJK and full-width characters take two. Enough for
 * service names and clerks in the aligned tables, without depending on the locale.
 */
static int display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p) {
		unsigned cp;
		int n;

		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 3;
		} else {
			cp = *p & 0x07;
			n = 4;
		}
		for (int i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			cp = (cp << 6) | (p[i] & 0x3f);
		for (int i = 0; i < n && *p; i++)
			p++;
		w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
		     (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
		     (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
		     (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000 ? 2 : 1;
	}
	return w;
}

/* An aligned text table, filled cell by cell, row after row. */
#define TBL_MAXCOL 24
struct table {
	int ncols;
	const char *head[TBL_MAXCOL];
	bool right[TBL_MAXCOL];         /* numbers are right-aligned */
	char **cell;
	size_t ncells, cap;
};

static void tbl_col(struct table *t, const char *head, bool right)
{
	t->head[t->ncols] = head;
	t->right[t->ncols] = right;
	t->ncols++;
}

static void tbl_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tbl_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cell = xrealloc(t->cell, t->cap * sizeof *t->cell);
	}
	t->cell[t->ncells] = xmalloc(strlen(buf) + 1);
	strcpy(t->cell[t->ncells++], buf);
}

/*
 * One cell. Blanks are owed rather than printed, and paid only when something follows on
 * the line, so an empty last column leaves no trailing blanks.
 */
static void tbl_put(const char *s, int width, bool right, int *owed)
{
	int pad = width - display_width(s);

	if (pad < 0)
		pad = 0;
	if (right)
		*owed += pad;
	if (*s) {
		printf("%*s%s", *owed, "", s);
		*owed = 0;
	}
	if (!right)
		*owed += pad;
}

static void tbl_line(const struct table *t, const char *const *cells, const int *w)
{
	int owed = 0;

	for (int j = 0; j < t->ncols; j++) {
		tbl_put(cells[j], w[j], t->right[j], &owed);
		owed += 2;
	}
	putchar('\n');
}

/* Print and free. */
static void tbl_print(struct table *t)
{
	int w[TBL_MAXCOL];

	for (int j = 0; j < t->ncols; j++)
		w[j] = display_width(t->head[j]);
	for (size_t i = 0; i < t->ncells; i++) {
		int d = display_width(t->cell[i]);
		int j = (int)(i % (size_t)t->ncols);

		if (d > w[j])
			w[j] = d;
	}
	tbl_line(t, t->head, w);
	for (size_t i = 0; i + (size_t)t->ncols <= t->ncells; i += (size_t)t->ncols)
		tbl_line(t, (const char *const *)&t->cell[i], w);
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cell[i]);
	free(t->cell);
	t->cell = NULL;
	t->ncells = t->cap = 0;
}

/* ---------------------------------------------------------------------------------------
 * Tickets: one field table drives the "key: value" lines and the JSON object.
 */

enum fkind { F_I64, F_INT, F_STR, F_TIME, F_CLASS, F_STATE, F_MIN };

struct tfield {
	const char *name;
	enum fkind kind;
	size_t off;
};

#define TF(name, kind, member) {name, kind, offsetof(struct hq_ticket, member)}
static const struct tfield ticket_fields[] = {
	TF("id", F_I64, id),
	TF("label", F_STR, label),
	TF("parent_id", F_I64, parent_id),
	TF("day", F_STR, day),
	TF("service", F_STR, service),
	TF("number", F_INT, number),
	TF("class", F_CLASS, cls),
	TF("state", F_STATE, state),
	TF("counter", F_INT, counter),
	TF("target_counter", F_INT, target_counter),
	TF("clerk", F_STR, clerk),
	TF("recalls", F_INT, recalls),
	TF("people_ahead", F_INT, people_ahead),
	TF("est_wait_s", F_INT, est_wait_s),
	TF("est_wait_min", F_MIN, est_wait_s),
	TF("rating", F_INT, rating),
	TF("issued_at", F_TIME, issued_at),
	TF("queued_at", F_TIME, queued_at),
	TF("called_at", F_TIME, called_at),
	TF("started_at", F_TIME, started_at),
	TF("ended_at", F_TIME, ended_at),
	TF("end_reason", F_STR, end_reason),
};
#define NFIELDS (sizeof ticket_fields / sizeof ticket_fields[0])

/* What each kind of reply shows under the label. */
static const char *const issue_keys[] = {
	"id", "service", "class", "people_ahead", "est_wait_min", "issued_at", NULL
};
static const char *const action_keys[] = {
	"id", "service", "class", "state", "counter", "clerk", "recalls", NULL
};

static const struct tfield *tfield(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(ticket_fields[i].name, name) == 0)
			return &ticket_fields[i];
	return NULL;
}

static void field_text(const struct hq_ticket *t, const struct tfield *f, char *buf, size_t len)
{
	const char *p = (const char *)t + f->off;

	switch (f->kind) {
	case F_I64: snprintf(buf, len, "%lld", (long long)*(const int64_t *)p); break;
	case F_INT: snprintf(buf, len, "%d", *(const int *)p); break;
	case F_MIN: snprintf(buf, len, "%d", minutes(*(const int *)p)); break;
	case F_STR: snprintf(buf, len, "%s", *p ? p : "-"); break;
	case F_TIME: local_time(*(const int64_t *)p, buf, len); break;
	case F_CLASS: snprintf(buf, len, "%s", hq_class_name(*(const enum hq_class *)p)); break;
	case F_STATE: snprintf(buf, len, "%s", hq_tstate_name(*(const enum hq_tstate *)p)); break;
	}
}

static json_t *field_json(const struct hq_ticket *t, const struct tfield *f)
{
	const char *p = (const char *)t + f->off;

	switch (f->kind) {
	case F_I64: return json_integer(*(const int64_t *)p);
	case F_INT: return json_integer(*(const int *)p);
	case F_MIN: return json_integer(minutes(*(const int *)p));
	case F_STR: return json_string(p);
	case F_TIME: return json_time(*(const int64_t *)p);
	case F_CLASS: return json_string(hq_class_name(*(const enum hq_class *)p));
	case F_STATE: return json_string(hq_tstate_name(*(const enum hq_tstate *)p));
	}
	return NULL;
}

/* The label first, for scripts; then "key: value" lines. */
static void print_ticket(const struct hq_ticket *t, const char *const *keys)
{
	char buf[HQ_NAME_MAX];

	printf("%s\n", t->label);
	for (; *keys; keys++) {
		const struct tfield *f = tfield(*keys);

		field_text(t, f, buf, sizeof buf);
		printf("%s: %s\n", f->name, buf);
	}
}

static json_t *ticket_json(const struct hq_ticket *t)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < NFIELDS; i++) {
		const struct tfield *f = &ticket_fields[i];

		if (json_object_set_new(o, f->name, field_json(t, f))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* ---------------------------------------------------------------------------------------
 * Opening the database, with the clock HALLQ_NOW asks for.
 */

/* HALLQ_NOW fixes the clock: tests and demos move the hall through a day at will. */
static int64_t fixed_clock(void *ud)
{
	return *(const int64_t *)ud;
}

static int setup_clock(struct ctx *c)
{
	const char *now = getenv("HALLQ_NOW");

	if (!now || !*now)
		return 0;
	if (hq_parse_local_time(now, &c->fixed_now) != 0)
		return usage_err(c, "HALLQ_NOW must be \"YYYY-MM-DD HH:MM[:SS]\", not '%s'", now);
	c->fixed = true;
	return 0;
}

static int open_queue(struct ctx *c, bool readonly)
{
	char err[512] = "";

	if ((readonly ? hq_queue_open_readonly : hq_queue_open)(c->db_path, &c->q, err, sizeof err) != 0)
		return fail(c, "%s: %s", c->db_path, *err ? err : "cannot open database");
	if (c->fixed)
		hq_queue_set_clock(c->q, fixed_clock, &c->fixed_now);
	return 0;
}

/*
 * Every command but init needs an existing, configured database: opening a mistyped path
 * would otherwise create an empty database and report a confusing error after it.
 */
static int open_existing(struct ctx *c, bool readonly)
{
	int rc;

	if (access(c->db_path, F_OK) != 0)
		return fail(c, "no database at %s (create it with hallq init)", c->db_path);
	if ((rc = open_queue(c, readonly)) != 0)
		return rc;
	if (!hq_queue_config(c->q))
		return fail(c, "%s has no hall configuration yet (run hallq init)", c->db_path);
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Command handlers. Each returns the exit status.
 */

static int read_text(const struct ctx *c, const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 4096, n;
	char *buf;

	if (!f)
		return fail(c, "cannot read %s: %s", path, strerror(errno));
	buf = xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len == 1)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return fail(c, "cannot read %s: %s", path, strerror(errno));
	}
	fclose(f);
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/*
 * The config is checked before the database is opened, so a bad file neither creates a
 * database nor touches an existing one; the library checks it again when applying.
 */
static int cmd_init(struct ctx *c)
{
	const char *path = c->opt[OPT_CONFIG];
	struct hq_config *cfg = NULL;
	char err[512] = "";
	char *text = NULL;
	int rc;

	if (!path)
		return usage_err(c, "missing --config FILE");
	if ((rc = read_text(c, path, &text)) != 0)
		return rc;
	if (hq_config_parse_string(text, path, &cfg, err, sizeof err) != 0) {
		free(text);
		return fail(c, "%s", err);
	}
	hq_config_free(cfg);
	if ((rc = open_queue(c, false)) == 0) {
		rc = hq_queue_apply_config(c->q, text, path);
		rc = rc ? op_err(c, rc) : ST_OK;
	}
	if (rc == ST_OK) {
		const struct hq_config *cur = hq_queue_config(c->q);

		printf("%s\nservices: %zu\ncounters: %zu\n", cur->name, cur->nservices,
		       cur->ncounters);
	}
	free(text);
	return rc;
}

static int cmd_issue(struct ctx *c)
{
	int cls = HQ_CLASS_NORMAL;
	struct hq_ticket t;
	int rc;

	if (c->opt[OPT_CLASS] && (cls = hq_class_parse(c->opt[OPT_CLASS])) < 0)
		return usage_err(c, "--class must be normal, priority or appointment, not '%s'",
				 c->opt[OPT_CLASS]);
	if ((rc = hq_queue_issue(c->q, c->arg[0], (enum hq_class)cls, &t)) != 0)
		return op_err(c, rc);
	print_ticket(&t, issue_keys);
	return ST_OK;
}

static int cmd_call(struct ctx *c)
{
	struct hq_ticket t;
	int counter, rc;
	int64_t id;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if (c->opt[OPT_TICKET]) {
		if ((rc = find_ticket(c, c->opt[OPT_TICKET], &id)) != 0)
			return rc;
		rc = hq_queue_call_ticket(c->q, counter, id, &t);
	} else {
		rc = hq_queue_call_next(c->q, counter, &t);
	}
	if (rc)
		return op_err(c, rc);
	print_ticket(&t, action_keys);
	return ST_OK;
}

/* recall, noshow, start, finish, park: the counter's current ticket. */
static int cmd_ticket_op(struct ctx *c)
{
	struct hq_ticket t;
	int counter, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if ((rc = c->cmd->ticket_op(c->q, counter, &t)) != 0)
		return op_err(c, rc);
	print_ticket(&t, action_keys);
	return ST_OK;
}

static int cmd_transfer(struct ctx *c)
{
	const char *svc = c->opt[OPT_TO_SERVICE], *to = c->opt[OPT_TO_COUNTER];
	struct hq_ticket t;
	int counter, target, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if (!svc == !to)
		return usage_err(c, "give exactly one of --to-service KEY and --to-counter N");
	if (svc) {
		rc = hq_queue_transfer_service(c->q, counter, svc, &t);
	} else {
		if ((rc = parse_int(c, "--to-counter", to, 1, 9999, &target)) != 0)
			return rc;
		rc = hq_queue_transfer_counter(c->q, counter, target, &t);
	}
	if (rc)
		return op_err(c, rc);
	print_ticket(&t, action_keys);
	return ST_OK;
}

static int cmd_unpark(struct ctx *c)
{
	struct hq_ticket t;
	int64_t id;
	int rc;

	if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
		return rc;
	if ((rc = hq_queue_unpark(c->q, id, &t)) != 0)
		return op_err(c, rc);
	print_ticket(&t, action_keys);
	return ST_OK;
}

static int cmd_cancel(struct ctx *c)
{
	const char *reason = c->opt[OPT_REASON] ? c->opt[OPT_REASON] : "cancelled by staff";
	struct hq_ticket t;
	int64_t id;
	int rc;

	if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
		return rc;
	if ((rc = hq_queue_cancel(c->q, id, reason, &t)) != 0)
		return op_err(c, rc);
	print_ticket(&t, action_keys);
	return ST_OK;
}

/* rate TICKET SCORE, or rate --counter N SCORE for the counter's last finished ticket. */
static int cmd_rate(struct ctx *c)
{
	static const char *const keys[] = {"id", "service", "counter", "clerk", "rating", NULL};
	struct hq_ticket t;
	int score = 0, counter = 0, rc;
	int64_t id;

	if (c->narg != (c->opt[OPT_COUNTER] ? 1 : 2))
		return usage_err(c, "expected TICKET SCORE, or --counter N SCORE");
	if ((rc = parse_score(c, c->arg[c->narg - 1], &score)) != 0)
		return rc;
	if (c->opt[OPT_COUNTER]) {
		if ((rc = parse_counter(c, c->opt[OPT_COUNTER], &counter)) != 0)
			return rc;
		rc = hq_queue_rate_last(c->q, counter, score, &t);
	} else {
		if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
			return rc;
		rc = hq_queue_rate(c->q, id, score, &t);
	}
	if (rc)
		return op_err(c, rc);
	print_ticket(&t, keys);
	return ST_OK;
}

static int cmd_ticket(struct ctx *c)
{
	const char *keys[NFIELDS + 1];
	struct hq_ticket t;
	int64_t id;
	int rc;
	size_t n = 0;

	if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
		return rc;
	if ((rc = hq_queue_ticket(c->q, id, &t)) != 0)
		return op_err(c, rc);
	if (c->opt[OPT_JSON])
		return print_json(ticket_json(&t), JSON_INDENT(2));
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(ticket_fields[i].name, "label") != 0)
			keys[n++] = ticket_fields[i].name;
	keys[n] = NULL;
	print_ticket(&t, keys);
	return ST_OK;
}

/* The counter first, like a ticket's label; then what it is now. */
static void print_counter_state(int counter, const char *state, const char *key,
				const char *value)
{
	printf("%d\nstate: %s\n", counter, state);
	if (key)
		printf("%s: %s\n", key, *value ? value : "-");
}

/* resume, open, close, signout. */
static int cmd_counter_op(struct ctx *c)
{
	int counter, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if ((rc = c->cmd->counter_op(c->q, counter)) != 0)
		return op_err(c, rc);
	print_counter_state(counter, c->cmd->done, NULL, NULL);
	return ST_OK;
}

static int cmd_pause(struct ctx *c)
{
	const char *reason = c->opt[OPT_REASON] ? c->opt[OPT_REASON] : "";
	int counter, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if ((rc = hq_queue_pause(c->q, counter, reason)) != 0)
		return op_err(c, rc);
	print_counter_state(counter, "paused", "reason", reason);
	return ST_OK;
}

static int cmd_signin(struct ctx *c)
{
	int counter, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if (!*c->arg[1] || strlen(c->arg[1]) >= HQ_CLERK_MAX)
		return usage_err(c, "CLERK must be 1 to %d bytes", HQ_CLERK_MAX - 1);
	if ((rc = hq_queue_sign_in(c->q, counter, c->arg[1])) != 0)
		return op_err(c, rc);
	print_counter_state(counter, "signed in", "clerk", c->arg[1]);
	return ST_OK;
}

static int cmd_book(struct ctx *c)
{
	const char *name = c->opt[OPT_NAME] ? c->opt[OPT_NAME] : "";
	const char *phone = c->opt[OPT_PHONE] ? c->opt[OPT_PHONE] : "";
	struct hq_appointment a;
	char when[32];
	int64_t at;
	int rc;

	if (!c->opt[OPT_AT])
		return usage_err(c, "missing --at \"YYYY-MM-DD HH:MM\"");
	if ((rc = parse_time(c, "--at", c->opt[OPT_AT], &at)) != 0)
		return rc;
	if ((rc = hq_queue_book(c->q, c->arg[0], at, name, phone, &a)) != 0)
		return op_err(c, rc);
	local_time(a.slot_at, when, sizeof when);
	printf("%s\nid: %lld\nservice: %s\nslot_at: %s\nname: %s\nphone: %s\n", a.code,
	       (long long)a.id, a.service, when, *a.name ? a.name : "-", *a.phone ? a.phone : "-");
	return ST_OK;
}

static int cmd_checkin(struct ctx *c)
{
	struct hq_ticket t;
	int rc;

	if ((rc = hq_queue_checkin(c->q, c->arg[0], &t)) != 0)
		return op_err(c, rc);
	print_ticket(&t, issue_keys);
	return ST_OK;
}

/* ---- state ---- */

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

static json_t *state_json(const struct hq_config *cfg, const struct hq_hall_state *st, int64_t now)
{
	json_t *svcs = json_array(), *ctrs = json_array();

	for (size_t i = 0; i < st->nservices; i++) {
		const struct hq_service_state *s = &st->services[i];
		const struct hq_service *sc = hq_config_service(cfg, s->key);

		json_array_append_new(svcs, json_pack(
			"{s:s, s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:b}",
			"key", s->key, "name", sc ? sc->name : "", "prefix", sc ? sc->prefix : "",
			"open", s->open, "waiting", s->waiting,
			"waiting_priority", s->waiting_priority,
			"est_wait_s", s->est_wait_s, "est_wait_min", minutes(s->est_wait_s),
			"issued_today", s->issued_today, "served_today", s->served_today,
			"at_cap", s->at_cap));
	}
	for (size_t i = 0; i < st->ncounters; i++) {
		const struct hq_counter_state *k = &st->counters[i];
		const struct hq_counter_cfg *kc = hq_config_counter(cfg, k->number);

		json_array_append_new(ctrs, json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}",
			"number", k->number, "name", kc ? kc->name : "",
			"state", hq_cstate_name(k->state), "reason", k->reason, "clerk", k->clerk,
			"ticket", k->current.id ? ticket_json(&k->current) : json_null()));
	}
	return json_pack("{s:s, s:o, s:I, s:o, s:o}", "hall", cfg->name, "now", json_time(now),
			 "last_event_id", (json_int_t)st->last_event_id, "services", svcs,
			 "counters", ctrs);
}

static void state_table(const struct hq_config *cfg, const struct hq_hall_state *st)
{
	struct table t = {0};

	tbl_col(&t, "service", false);
	tbl_col(&t, "open", false);
	tbl_col(&t, "waiting", true);
	tbl_col(&t, "priority", true);
	tbl_col(&t, "est_wait", true);
	tbl_col(&t, "at_cap", false);
	tbl_col(&t, "issued", true);
	tbl_col(&t, "served", true);
	tbl_col(&t, "name", false);
	for (size_t i = 0; i < st->nservices; i++) {
		const struct hq_service_state *s = &st->services[i];
		const struct hq_service *sc = hq_config_service(cfg, s->key);

		tbl_cell(&t, "%s", s->key);
		tbl_cell(&t, "%s", yesno(s->open));
		tbl_cell(&t, "%d", s->waiting);
		tbl_cell(&t, "%d", s->waiting_priority);
		tbl_cell(&t, "%d min", minutes(s->est_wait_s));
		tbl_cell(&t, "%s", yesno(s->at_cap));
		tbl_cell(&t, "%d", s->issued_today);
		tbl_cell(&t, "%d", s->served_today);
		tbl_cell(&t, "%s", sc ? sc->name : "");
	}
	tbl_print(&t);
	putchar('\n');

	t = (struct table){0};
	tbl_col(&t, "counter", true);
	tbl_col(&t, "state", false);
	tbl_col(&t, "clerk", false);
	tbl_col(&t, "ticket", false);
	tbl_col(&t, "ticket_state", false);
	tbl_col(&t, "name", false);
	tbl_col(&t, "reason", false);
	for (size_t i = 0; i < st->ncounters; i++) {
		const struct hq_counter_state *k = &st->counters[i];
		const struct hq_counter_cfg *kc = hq_config_counter(cfg, k->number);
		bool cur = k->current.id != 0;

		tbl_cell(&t, "%d", k->number);
		tbl_cell(&t, "%s", hq_cstate_name(k->state));
		tbl_cell(&t, "%s", *k->clerk ? k->clerk : "-");
		tbl_cell(&t, "%s", cur ? k->current.label : "-");
		tbl_cell(&t, "%s", cur ? hq_tstate_name(k->current.state) : "-");
		tbl_cell(&t, "%s", kc ? kc->name : "");
		tbl_cell(&t, "%s", k->reason);
	}
	tbl_print(&t);
}

static int cmd_state(struct ctx *c)
{
	const struct hq_config *cfg = hq_queue_config(c->q);
	struct hq_hall_state st = {0};
	int rc;

	if ((rc = hq_queue_state(c->q, &st)) != 0)
		return op_err(c, rc);
	if (c->opt[OPT_JSON]) {
		rc = print_json(state_json(cfg, &st, hq_queue_now(c->q)), JSON_INDENT(2));
	} else {
		state_table(cfg, &st);
		rc = ST_OK;
	}
	hq_hall_state_free(&st);
	return rc;
}

/* ---- stats ---- */

/* Seconds to 0.1 s and rates to 0.001 in CSV and JSON: enough, and stable in tests. */
static double sf_step(const struct hq_stats_field *f)
{
	return f->kind == HQ_SF_SECS ? 0.1 : 0.001;
}

static json_t *stats_row_json(const struct hq_stats_row *r)
{
	json_t *o = json_pack("{s:s}", "key", r->key);

	for (size_t i = 0; o && i < HQ_STATS_NFIELDS; i++) {
		const struct hq_stats_field *f = &hq_stats_fields[i];
		json_t *v = f->kind == HQ_SF_INT ? json_integer(hq_stats_int(r, f))
					     : json_num(hq_stats_value(r, f), sf_step(f));

		if (json_object_set_new(o, f->name, v)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *stats_json(const struct hq_stats *st, const char *by, int64_t from, int64_t to)
{
	json_t *rows = json_array();

	for (size_t i = 0; i < st->nrows; i++)
		json_array_append_new(rows, stats_row_json(&st->rows[i]));
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "by", by, "from", json_time(from),
			 "to", json_time(to), "rows", rows, "total", stats_row_json(&st->total));
}

/* RFC 4180: quote a field that holds a comma, a quote or a line break. */
static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void stats_csv_row(const struct hq_stats_row *r)
{
	csv_field(r->key);
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++) {
		const struct hq_stats_field *f = &hq_stats_fields[i];
		double v;

		if (f->kind == HQ_SF_INT) {
			printf(",%d", hq_stats_int(r, f));
			continue;
		}
		v = hq_stats_value(r, f);
		if (isfinite(v))
			printf(f->kind == HQ_SF_SECS ? ",%.1f" : ",%.3f", v);
		else
			putchar(',');
	}
	putchar('\n');
}

static void stats_csv(const struct hq_stats *st)
{
	fputs("key", stdout);
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++)
		printf(",%s", hq_stats_fields[i].name);
	putchar('\n');
	for (size_t i = 0; i < st->nrows; i++)
		stats_csv_row(&st->rows[i]);
	stats_csv_row(&st->total);
}

static void stats_table_row(struct table *t, const struct hq_stats_row *r)
{
	tbl_cell(t, "%s", r->key);
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++) {
		const struct hq_stats_field *f = &hq_stats_fields[i];
		double v = f->kind == HQ_SF_INT ? 0 : hq_stats_value(r, f);

		if (f->kind == HQ_SF_INT)
			tbl_cell(t, "%d", hq_stats_int(r, f));
		else if (hq_stats_empty(r, f) || !isfinite(v))
			tbl_cell(t, "-");
		else if (f->kind == HQ_SF_SECS)
			tbl_cell(t, "%.1f", v / 60.0);
		else
			tbl_cell(t, "%.0f%%", v * 100.0);
	}
}

static void stats_table(const struct hq_stats *st, const char *by, int64_t from, int64_t to)
{
	struct table t = {0};
	char f[32], e[32];

	local_time(from, f, sizeof f);
	local_time(to, e, sizeof e);
	printf("by %s, tickets issued from %s to %s; times in minutes\n\n", by, f, e);
	tbl_col(&t, by, false);
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++)
		tbl_col(&t, hq_stats_fields[i].head, true);
	for (size_t i = 0; i < st->nrows; i++)
		stats_table_row(&t, &st->rows[i]);
	stats_table_row(&t, &st->total);
	tbl_print(&t);
}

static int cmd_stats(struct ctx *c)
{
	const char *by = c->opt[OPT_BY] ? c->opt[OPT_BY] : "service";
	int64_t now = hq_queue_now(c->q), from = day_start(now, 0), to = now + 60 * 1000;
	struct hq_stats st = {0};
	int group, rc;

	if ((group = hq_group_parse(by)) < 0)
		return usage_err(c, "--by must be service, counter, clerk or hour, not '%s'", by);
	if (c->opt[OPT_CSV] && c->opt[OPT_JSON])
		return usage_err(c, "give --csv or --json, not both");
	if (c->opt[OPT_FROM] && (rc = parse_bound(c, "--from", c->opt[OPT_FROM], false, &from)))
		return rc;
	if (c->opt[OPT_TO] && (rc = parse_bound(c, "--to", c->opt[OPT_TO], true, &to)))
		return rc;
	if (to <= from)
		return usage_err(c, "--to must be after --from");
	if ((rc = hq_queue_stats(c->q, (enum hq_group)group, from, to, &st)) != 0)
		return op_err(c, rc);
	rc = ST_OK;
	if (c->opt[OPT_JSON])
		rc = print_json(stats_json(&st, by, from, to), JSON_INDENT(2));
	else if (c->opt[OPT_CSV])
		stats_csv(&st);
	else
		stats_table(&st, by, from, to);
	hq_stats_free(&st);
	return rc;
}

/* ---- events ---- */

static void print_event(const struct hq_event *e, bool json)
{
	char when[32];

	if (json) {
		print_json(json_pack("{s:I, s:o, s:I, s:s, s:I, s:s, s:s, s:i, s:i, s:s}",
			"id", (json_int_t)e->id, "at", json_time(e->at), "at_ms", (json_int_t)e->at,
			"type", e->type, "ticket_id", (json_int_t)e->ticket_id, "label", e->label,
			"service", e->service, "counter", e->counter, "value", e->value,
			"detail", e->detail), JSON_COMPACT);
		return;
	}
	/* Empty fields print as "-" so that awk's field numbers hold on every line; the
	 * detail, which may hold spaces, comes last. */
	local_time(e->at, when, sizeof when);
	printf("%lld %s %-15s %-5s %-8s %3d %4d %s\n", (long long)e->id, when, e->type,
	       *e->label ? e->label : "-", *e->service ? e->service : "-", e->counter, e->value,
	       *e->detail ? e->detail : "-");
}

#define EVENT_PAGE 256

static int cmd_events(struct ctx *c)
{
	const char *s = c->opt[OPT_SINCE], *l = c->opt[OPT_LIMIT];
	struct hq_event ev[EVENT_PAGE];
	long since = 0, limit = LONG_MAX;
	int rc, n;

	if (s && (rc = parse_long(c, "--since", s, 0, LONG_MAX, &since)) != 0)
		return rc;
	if (l && (rc = parse_long(c, "--limit", l, 1, LONG_MAX, &limit)) != 0)
		return rc;
	/* Page through the feed; the library fills the caller's array. */
	do {
		int want = limit < EVENT_PAGE ? (int)limit : EVENT_PAGE;

		if ((n = hq_queue_events(c->q, since, ev, want)) < 0)
			return op_err(c, n);
		for (int i = 0; i < n; i++)
			print_event(&ev[i], c->opt[OPT_JSON] != NULL);
		if (n > 0)
			since = (long)ev[n - 1].id;
		limit -= n;
	} while (n == EVENT_PAGE && limit > 0);
	return fflush(stdout) == 0 ? ST_OK : ST_FAIL;
}

static int cmd_close_day(struct ctx *c)
{
	const char *reason = c->opt[OPT_REASON] ? c->opt[OPT_REASON] : "day closed";
	int closed = 0, rc;

	if ((rc = hq_queue_close_day(c->q, reason, &closed)) != 0)
		return op_err(c, rc);
	printf("%d\n", closed);
	return ST_OK;
}

/* ---- help ---- */

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
		return usage_err(c, "unknown command '%s'", c->arg[0]);
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
	{.name = "init", .run = cmd_init, .opts = O(CONFIG), .no_db = true,
	 .synopsis = "--config FILE",
	 .summary = "create or migrate the database and apply the hall's config file",
	 .example = "hallq init --config assets/halls/county-centre.ini --db hall.db"},
	{.name = "issue", .run = cmd_issue, .opts = O(CLASS), .min_args = 1, .max_args = 1,
	 .synopsis = "SERVICE [--class normal|priority|appointment]",
	 .summary = "issue a ticket for a service; prints its label",
	 .example = "hallq issue a --class priority"},
	{.name = "call", .run = cmd_call, .opts = O(TICKET), .min_args = 1, .max_args = 1,
	 .synopsis = "COUNTER [--ticket TICKET]",
	 .summary = "call the next ticket (or a given one) to a counter; exit 3 if nobody waits",
	 .example = "hallq call 3"},
	{.name = "recall", .run = cmd_ticket_op, .ticket_op = hq_queue_recall, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "call the counter's current ticket again",
	 .example = "hallq recall 3"},
	{.name = "noshow", .run = cmd_ticket_op, .ticket_op = hq_queue_noshow, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "mark the counter's current ticket as a no-show",
	 .example = "hallq noshow 3"},
	{.name = "start", .run = cmd_ticket_op, .ticket_op = hq_queue_start, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "the citizen is at the counter: service time counts from now",
	 .example = "hallq start 3"},
	{.name = "finish", .run = cmd_ticket_op, .ticket_op = hq_queue_finish, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "finish the counter's current ticket",
	 .example = "hallq finish 3"},
	{.name = "park", .run = cmd_ticket_op, .ticket_op = hq_queue_park, .min_args = 1,
	 .max_args = 1, .synopsis = "COUNTER",
	 .summary = "set the counter's current ticket aside (the citizen fetches a document)",
	 .example = "hallq park 3"},
	{.name = "transfer", .run = cmd_transfer, .opts = O(TO_SERVICE) | O(TO_COUNTER),
	 .min_args = 1, .max_args = 1, .synopsis = "COUNTER --to-service KEY | --to-counter N",
	 .summary = "move the counter's ticket to another queue; prints the new ticket",
	 .example = "hallq transfer 3 --to-service b"},
	{.name = "unpark", .run = cmd_unpark, .min_args = 1, .max_args = 1, .synopsis = "TICKET",
	 .summary = "put a parked ticket back in its place in the queue",
	 .example = "hallq unpark A012"},
	{.name = "cancel", .run = cmd_cancel, .opts = O(REASON), .min_args = 1, .max_args = 1,
	 .synopsis = "TICKET [--reason TEXT]",
	 .summary = "cancel a waiting or parked ticket",
	 .example = "hallq cancel A012 --reason 'left the hall'"},
	{.name = "rate", .run = cmd_rate, .opts = O(COUNTER), .min_args = 1, .max_args = 2,
	 .synopsis = "TICKET SCORE | --counter N SCORE",
	 .summary = "record satisfaction (1..3, or dissatisfied|fair|satisfied) for a ticket",
	 .example = "hallq rate --counter 3 satisfied"},
	{.name = "ticket", .run = cmd_ticket, .reads = true, .opts = O(JSON), .min_args = 1, .max_args = 1,
	 .synopsis = "TICKET [--json]",
	 .summary = "show one ticket",
	 .example = "hallq ticket A012 --json"},
	{.name = "pause", .run = cmd_pause, .opts = O(REASON), .min_args = 1, .max_args = 1,
	 .synopsis = "COUNTER [--reason TEXT]",
	 .summary = "pause a counter: no new calls, the current ticket may be finished",
	 .example = "hallq pause 3 --reason lunch"},
	{.name = "resume", .run = cmd_counter_op, .counter_op = hq_queue_resume, .done = "open",
	 .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "resume a paused counter",
	 .example = "hallq resume 3"},
	{.name = "open", .run = cmd_counter_op, .counter_op = hq_queue_open_counter,
	 .done = "open", .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "open a counter",
	 .example = "hallq open 3"},
	{.name = "close", .run = cmd_counter_op, .counter_op = hq_queue_close_counter,
	 .done = "closed", .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "close a counter that has no called or serving ticket",
	 .example = "hallq close 3"},
	{.name = "signin", .run = cmd_signin, .min_args = 2, .max_args = 2,
	 .synopsis = "COUNTER CLERK",
	 .summary = "sign a clerk (staff id) in at a counter",
	 .example = "hallq signin 3 1024"},
	{.name = "signout", .run = cmd_counter_op, .counter_op = hq_queue_sign_out,
	 .done = "signed out", .min_args = 1, .max_args = 1, .synopsis = "COUNTER",
	 .summary = "sign the counter's clerk out",
	 .example = "hallq signout 3"},
	{.name = "book", .run = cmd_book, .opts = O(AT) | O(NAME) | O(PHONE), .min_args = 1,
	 .max_args = 1,
	 .synopsis = "SERVICE --at \"YYYY-MM-DD HH:MM\" [--name NAME] [--phone PHONE]",
	 .summary = "book an appointment slot; prints the 6-digit code",
	 .example = "hallq book a --at '2026-11-23 10:30' --name 张三 --phone 13800000000"},
	{.name = "checkin", .run = cmd_checkin, .min_args = 1, .max_args = 1, .synopsis = "CODE",
	 .summary = "check an appointment in; prints the ticket label",
	 .example = "hallq checkin 482913"},
	{.name = "state", .run = cmd_state, .reads = true, .opts = O(JSON), .synopsis = "[--json]",
	 .summary = "the live hall: queues and counters",
	 .example = "hallq state --json"},
	{.name = "stats", .run = cmd_stats, .reads = true, .opts = O(BY) | O(FROM) | O(TO) | O(CSV) | O(JSON),
	 .synopsis = "[--by service|counter|clerk|hour] [--from T] [--to T] [--csv|--json]",
	 .summary = "figures over tickets issued from T to T (default today)",
	 .example = "hallq stats --by counter --from 2026-11-01 --to 2026-11-30 --csv"},
	{.name = "events", .run = cmd_events, .reads = true, .opts = O(SINCE) | O(LIMIT) | O(JSON),
	 .synopsis = "[--since ID] [--limit N] [--json]",
	 .summary = "the event feed after an event id, one event a line",
	 .example = "hallq events --since 120 --json"},
	{.name = "close-day", .run = cmd_close_day, .opts = O(REASON),
	 .synopsis = "[--reason TEXT]",
	 .summary = "close every ticket still open today; prints how many",
	 .example = "hallq close-day"},
	{.name = "help", .run = cmd_help, .no_db = true, .max_args = 1, .synopsis = "[COMMAND]",
	 .summary = "this overview, or one command's usage",
	 .example = "hallq help transfer"},
	{.name = "version", .run = cmd_version, .no_db = true, .synopsis = "",
	 .summary = "print the version (also --version)",
	 .example = "hallq --version"},
	{0},
};

/* The overview: every command of the table, with what it is for. */
static void print_help(FILE *f)
{

	fputs("usage: hallq COMMAND [--db FILE] [ARGUMENTS] [OPTIONS]\n"
	      "       hallq help COMMAND | hallq COMMAND --help | hallq --version\n\n"
	      "The hall's admin tool: every queue operation, the live state, statistics and\n"
	      "the event feed of a hallq database.\n\ncommands:\n", f);
	for (const struct cmd *c = commands; c->name; c++)
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
	for (const struct cmd *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* ---------------------------------------------------------------------------------------
 * Running a command: parse, open, run, close.
 */

static int parse_args(struct ctx *c, int argc, char **argv)
{
	unsigned allowed = c->cmd->opts | O(DB) | O(HELP);
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		int id = ch - OPT_VAL(0);

		if (ch == 'h') {
			id = OPT_HELP;
		} else if (ch == ':') {
			return usage_err(c, "option '%s' needs a value", argv[optind - 1]);
		} else if (ch == '?' || id < 0 || id >= OPT_COUNT_) {
			return usage_err(c, "unknown option '%s'", argv[optind - 1]);
		} else if (!(allowed & (1u << id))) {
			return usage_err(c, "option '--%s' does not apply to %s",
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
		return usage_err(c, "missing argument: hallq %s %s", c->cmd->name,
				 c->cmd->synopsis);
	if (c->narg > c->cmd->max_args)
		return usage_err(c, "unexpected argument '%s'", c->arg[c->cmd->max_args]);
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
	if ((rc = check_arg_count(&c)) != 0 || (rc = setup_clock(&c)) != 0)
		return rc;
	c.db_path = c.opt[OPT_DB] ? c.opt[OPT_DB] : getenv("HALLQ_DB");
	if (uses_db(cmd) && (!c.db_path || !*c.db_path))
		return usage_err(&c, "no database: give --db FILE or set HALLQ_DB");
	if (!cmd->no_db && (rc = open_existing(&c, cmd->reads)) != 0) {
		hq_queue_close(c.q);
		return rc;
	}
	rc = cmd->run(&c);
	hq_queue_close(c.q);
	if (fflush(stdout) != 0 && rc == ST_OK)
		rc = fail(&c, "cannot write output: %s", strerror(errno));
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
