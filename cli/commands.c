/*
 * The handlers of hallq's commands: each checks its arguments, calls the queue library and
 * prints the reply, through output.c, with the thing the command produced (a ticket label,
 * an appointment code, a count) on the first line. main.c's command table says which
 * handler runs for which command and which options it may see.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "hq_config.h"
#include "hq_error.h"
#include "hq_queue.h"

/* A library error: its own sentence when it kept one, else the code's generic text. */
static int op_err(const struct ctx *c, int rc)
{
	const char *msg = c->q ? hq_queue_errmsg(c->q) : "";

	cli_fail(c, "%s", msg && *msg ? msg : hq_strerror(rc));
	return rc == HQ_EEMPTY ? ST_EMPTY : ST_FAIL;
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
		return cli_usage_err(c, "%s must be a number from %ld to %ld, not '%s'",
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

static int parse_time(const struct ctx *c, const char *what, const char *s, int64_t *ms)
{
	if (hq_parse_local_time(s, ms) != 0)
		return cli_usage_err(c, "%s must be \"YYYY-MM-DD HH:MM\", not '%s'", what, s);
	return 0;
}

/* TICKET is a label of today ("A012") or an id; the library knows which. */
static int find_ticket(struct ctx *c, const char *ref, int64_t *id)
{
	int rc = hq_queue_find(c->q, ref, id);

	return rc ? op_err(c, rc) : 0;
}

/* ---------------------------------------------------------------------------------------
 * Command handlers. Each returns the exit status.
 */

/* What each kind of reply shows under the label. */
static const char *const issue_keys[] = {
	"id", "service", "class", "people_ahead", "est_wait_min", "issued_at", NULL
};
static const char *const action_keys[] = {
	"id", "service", "class", "state", "counter", "clerk", "recalls", NULL
};

static int read_text(const struct ctx *c, const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 4096, n;
	char *buf;

	if (!f)
		return cli_fail(c, "cannot read %s: %s", path, strerror(errno));
	buf = cli_xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len == 1)
			buf = cli_xrealloc(buf, cap *= 2);
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return cli_fail(c, "cannot read %s: %s", path, strerror(errno));
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
int cli_cmd_init(struct ctx *c)
{
	const char *path = c->opt[OPT_CONFIG];
	struct hq_config *cfg = NULL;
	char err[512] = "";
	char *text = NULL;
	int rc;

	if (!path)
		return cli_usage_err(c, "missing --config FILE");
	if ((rc = read_text(c, path, &text)) != 0)
		return rc;
	if (hq_config_parse_string(text, path, &cfg, err, sizeof err) != 0) {
		free(text);
		return cli_fail(c, "%s", err);
	}
	hq_config_free(cfg);
	if ((rc = cli_open_queue(c, false)) == 0) {
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

int cli_cmd_issue(struct ctx *c)
{
	int cls = HQ_CLASS_NORMAL;
	struct hq_ticket t;
	int rc;

	if (c->opt[OPT_CLASS] && (cls = hq_class_parse(c->opt[OPT_CLASS])) < 0)
		return cli_usage_err(c, "--class must be normal, priority or appointment, not '%s'",
				 c->opt[OPT_CLASS]);
	if ((rc = hq_queue_issue(c->q, c->arg[0], (enum hq_class)cls, &t)) != 0)
		return op_err(c, rc);
	cli_print_ticket(&t, issue_keys);
	return ST_OK;
}

int cli_cmd_call(struct ctx *c)
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
	cli_print_ticket(&t, action_keys);
	return ST_OK;
}

/* recall, noshow, start, finish, park: the counter's current ticket. */
int cli_cmd_ticket_op(struct ctx *c)
{
	struct hq_ticket t;
	int counter, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if ((rc = c->cmd->ticket_op(c->q, counter, &t)) != 0)
		return op_err(c, rc);
	cli_print_ticket(&t, action_keys);
	return ST_OK;
}

int cli_cmd_transfer(struct ctx *c)
{
	const char *svc = c->opt[OPT_TO_SERVICE], *to = c->opt[OPT_TO_COUNTER];
	struct hq_ticket t;
	int counter, target, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if (!svc == !to)
		return cli_usage_err(c, "give exactly one of --to-service KEY and --to-counter N");
	if (svc) {
		rc = hq_queue_transfer_service(c->q, counter, svc, &t);
	} else {
		if ((rc = parse_int(c, "--to-counter", to, 1, 9999, &target)) != 0)
			return rc;
		rc = hq_queue_transfer_counter(c->q, counter, target, &t);
	}
	if (rc)
		return op_err(c, rc);
	cli_print_ticket(&t, action_keys);
	return ST_OK;
}

int cli_cmd_unpark(struct ctx *c)
{
	struct hq_ticket t;
	int64_t id;
	int rc;

	if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
		return rc;
	if ((rc = hq_queue_unpark(c->q, id, &t)) != 0)
		return op_err(c, rc);
	cli_print_ticket(&t, action_keys);
	return ST_OK;
}

int cli_cmd_cancel(struct ctx *c)
{
	const char *reason = c->opt[OPT_REASON] ? c->opt[OPT_REASON] : "cancelled by staff";
	struct hq_ticket t;
	int64_t id;
	int rc;

	if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
		return rc;
	if ((rc = hq_queue_cancel(c->q, id, reason, &t)) != 0)
		return op_err(c, rc);
	cli_print_ticket(&t, action_keys);
	return ST_OK;
}

int cli_cmd_ticket(struct ctx *c)
{
	struct hq_ticket t;
	int64_t id;
	int rc;

	if ((rc = find_ticket(c, c->arg[0], &id)) != 0)
		return rc;
	if ((rc = hq_queue_ticket(c->q, id, &t)) != 0)
		return op_err(c, rc);
	if (c->opt[OPT_JSON])
		return cli_print_json(cli_ticket_json(&t), JSON_INDENT(2));
	cli_print_ticket_all(&t);
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
int cli_cmd_counter_op(struct ctx *c)
{
	int counter, rc;

	if ((rc = parse_counter(c, c->arg[0], &counter)) != 0)
		return rc;
	if ((rc = c->cmd->counter_op(c->q, counter)) != 0)
		return op_err(c, rc);
	print_counter_state(counter, c->cmd->done, NULL, NULL);
	return ST_OK;
}

int cli_cmd_pause(struct ctx *c)
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

int cli_cmd_book(struct ctx *c)
{
	const char *name = c->opt[OPT_NAME] ? c->opt[OPT_NAME] : "";
	const char *phone = c->opt[OPT_PHONE] ? c->opt[OPT_PHONE] : "";
	struct hq_appointment a;
	char when[32];
	int64_t at;
	int rc;

	if (!c->opt[OPT_AT])
		return cli_usage_err(c, "missing --at \"YYYY-MM-DD HH:MM\"");
	if ((rc = parse_time(c, "--at", c->opt[OPT_AT], &at)) != 0)
		return rc;
	if ((rc = hq_queue_book(c->q, c->arg[0], at, name, phone, &a)) != 0)
		return op_err(c, rc);
	cli_local_time(a.slot_at, when, sizeof when);
	printf("%s\nid: %lld\nservice: %s\nslot_at: %s\nname: %s\nphone: %s\n", a.code,
	       (long long)a.id, a.service, when, *a.name ? a.name : "-", *a.phone ? a.phone : "-");
	return ST_OK;
}

int cli_cmd_checkin(struct ctx *c)
{
	struct hq_ticket t;
	int rc;

	if ((rc = hq_queue_checkin(c->q, c->arg[0], &t)) != 0)
		return op_err(c, rc);
	cli_print_ticket(&t, issue_keys);
	return ST_OK;
}

/* ---- the hall as a whole: state, stats, events, close-day ---- */

int cli_cmd_state(struct ctx *c)
{
	const struct hq_config *cfg = hq_queue_config(c->q);
	struct hq_hall_state st = {0};
	int rc;

	if ((rc = hq_queue_state(c->q, &st)) != 0)
		return op_err(c, rc);
	if (c->opt[OPT_JSON]) {
		rc = cli_print_json(cli_state_json(cfg, &st, hq_queue_now(c->q)), JSON_INDENT(2));
	} else {
		cli_state_table(cfg, &st);
		rc = ST_OK;
	}
	hq_hall_state_free(&st);
	return rc;
}

int cli_cmd_stats(struct ctx *c)
{
	const char *by = c->opt[OPT_BY] ? c->opt[OPT_BY] : "service";
	int64_t now = hq_queue_now(c->q), from = hq_day_start(now), to = now + 60 * 1000;
	struct hq_stats st = {0};
	int group, rc;

	if ((group = hq_group_parse(by)) < 0)
		return cli_usage_err(c, "--by must be service, counter, clerk, hour, day, week or "
				    "month, not '%s'", by);
	if (c->opt[OPT_CSV] && c->opt[OPT_JSON])
		return cli_usage_err(c, "give --csv or --json, not both");
	if (c->opt[OPT_FROM] && (rc = cli_parse_bound(c, "--from", c->opt[OPT_FROM], false, &from)))
		return rc;
	if (c->opt[OPT_TO] && (rc = cli_parse_bound(c, "--to", c->opt[OPT_TO], true, &to)))
		return rc;
	if (to <= from)
		return cli_usage_err(c, "--to must be after --from");
	if ((rc = hq_queue_stats(c->q, (enum hq_group)group, from, to, &st)) != 0)
		return op_err(c, rc);
	rc = ST_OK;
	if (c->opt[OPT_JSON])
		rc = cli_print_json(cli_stats_json(&st, by, from, to), JSON_INDENT(2));
	else if (c->opt[OPT_CSV])
		cli_stats_csv(&st);
	else
		cli_stats_table(&st, by, from, to);
	hq_stats_free(&st);
	return rc;
}

#define EVENT_PAGE 256

int cli_cmd_events(struct ctx *c)
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
			cli_print_event(&ev[i], c->opt[OPT_JSON] != NULL);
		if (n > 0)
			since = (long)ev[n - 1].id;
		limit -= n;
	} while (n == EVENT_PAGE && limit > 0);
	return fflush(stdout) == 0 ? ST_OK : ST_FAIL;
}

int cli_cmd_close_day(struct ctx *c)
{
	const char *reason = c->opt[OPT_REASON] ? c->opt[OPT_REASON] : "day closed";
	int closed = 0, rc;

	if ((rc = hq_queue_close_day(c->q, reason, &closed)) != 0)
		return op_err(c, rc);
	printf("%d\n", closed);
	return ST_OK;
}

/* "mon,tue,wed" from the days' bits (bit 0 = Sunday). */
static void days_text(unsigned days, char *buf, size_t len)
{
	static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	size_t n = 0;

	buf[0] = '\0';
	for (int d = 1; d <= 7; d++) /* Monday first, as halls write them */
		if (days & (1u << (d % 7)))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "", names[d % 7]);
}

static void hours_text(const struct hq_service *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < s->nperiods; i++)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%02d:%02d-%02d:%02d", i ? ", " : "",
				      s->periods[i].open / 60, s->periods[i].open % 60,
				      s->periods[i].close / 60, s->periods[i].close % 60);
}

/* The hall's hours from a config file, or from the database's config. */
int cli_cmd_hours(struct ctx *c)
{
	const char *path = c->opt[OPT_CONFIG];
	struct hq_config *own = NULL;
	const struct hq_config *cfg;
	char err[512] = "", when[32], days[64], hours[96];
	int64_t now = c->fixed ? c->fixed_now : hq_real_now(NULL), next;
	int need, open, wday, minute, rc;
	char *text = NULL;

	if (path) {
		if ((rc = read_text(c, path, &text)) != 0)
			return rc;
		rc = hq_config_parse_string(text, path, &own, err, sizeof err);
		free(text);
		if (rc)
			return cli_fail(c, "%s", err);
		cfg = own;
	} else {
		if ((rc = cli_open_existing(c, true)) != 0)
			return rc;
		cfg = hq_queue_config(c->q);
	}
	need = hq_config_open_need(cfg);
	open = hq_config_open_count(cfg, now);
	next = hq_config_next_open(cfg, now, need);
	if (c->opt[OPT_NEXT]) {
		if (next == now) {
			puts("now");
		} else if (next) {
			cli_local_time(next, when, sizeof when);
			printf("%.16s\n", when);
		}
		hq_config_free(own);
		return next ? ST_OK : cli_fail(c, "the hall is open on no day of the week");
	}
	hq_local_parts(now, &wday, &minute);
	for (size_t i = 0; i < cfg->nservices; i++) {
		const struct hq_service *s = &cfg->services[i];

		days_text(s->days, days, sizeof days);
		hours_text(s, hours, sizeof hours);
		printf("%-14s %-4s %-28s %-28s %s\n", s->key, hq_service_open_at(s, wday, minute) ? "open" : "-",
		       hours, days, s->name);
	}
	cli_local_time(now, when, sizeof when);
	printf("\nnow %.16s: %d of %zu services open; ", when, open, cfg->nservices);
	if (next == now) {
		printf("the hall is open\n");
	} else if (next) {
		cli_local_time(next, when, sizeof when);
		printf("the hall opens %.16s\n", when);
	} else {
		printf("the hall is open on no day of the week\n");
	}
	hq_config_free(own);
	return ST_OK;
}
