/*
 * How hallq prints: the error line on stderr, aligned text tables, CSV and JSON. Ticket and
 * statistics fields are described by tables (ticket_fields here, hq_stats_fields in
 * hq_hall.h), so the text, CSV and JSON outputs cannot drift apart. Nothing here runs a queue
 * operation or calls another part of hallq: the commands fetch, this file formats.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "hq_config.h"
#include "hq_queue.h"

/* ---------------------------------------------------------------------------------------
 * Errors: one line on stderr, "hallq: COMMAND: message", and an exit status.
 */

static void vsay(const struct ctx *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "hallq: %s: ", c->cmd->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage_err(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, fmt, ap);
	va_end(ap);
	return ST_USAGE;
}

int cli_fail(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(c, fmt, ap);
	va_end(ap);
	return ST_FAIL;
}

int cli_queue_fail(const struct ctx *c, int rc)
{
	return cli_fail(c, "%s", *hq_queue_errmsg(c->q) ? hq_queue_errmsg(c->q) : hq_strerror(rc));
}

json_t *cli_time_json(int64_t ms)
{
	char buf[32];

	if (!ms)
		return json_null();
	hq_format_local_time(ms, buf, sizeof buf);
	return json_string(buf);
}

int cli_parse_bound(const struct ctx *c, const char *what, const char *s, bool end, int64_t *ms)
{
	if (hq_parse_local_bound(s, end, ms) != HQ_OK)
		return cli_usage_err(c, "%s must be YYYY-MM-DD or \"YYYY-MM-DD HH:MM\", not '%s'", what, s);
	return ST_OK;
}

/* The CLI is a program, not the library: running out of memory ends it. */
void *cli_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fputs("hallq: out of memory\n", stderr);
		exit(ST_FAIL);
	}
	return p;
}

void *cli_xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (!p) {
		fputs("hallq: out of memory\n", stderr);
		exit(ST_FAIL);
	}
	return p;
}

/* ---------------------------------------------------------------------------------------
 * Output helpers: local times, minutes, JSON numbers, and the aligned text table.
 */

void cli_local_time(int64_t ms, char *buf, size_t len)
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

int cli_print_json(json_t *root, size_t flags)
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
#define TBL_MAXCOL 32
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
		t->cell = cli_xrealloc(t->cell, t->cap * sizeof *t->cell);
	}
	t->cell[t->ncells] = cli_xmalloc(strlen(buf) + 1);
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

enum fkind { F_I64, F_INT, F_STR, F_TIME, F_CLASS, F_STATE, F_MIN, F_EST };

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
	TF("est_wait_s", F_EST, est_wait_s),
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
	case F_MIN:
	case F_EST:
		if (*(const int *)p == HQ_EST_NONE)
			snprintf(buf, len, "-"); /* no counter open */
		else
			snprintf(buf, len, "%d", f->kind == F_MIN ? minutes(*(const int *)p) : *(const int *)p);
		break;
	case F_STR: snprintf(buf, len, "%s", *p ? p : "-"); break;
	case F_TIME: cli_local_time(*(const int64_t *)p, buf, len); break;
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
	case F_MIN:
	case F_EST:
		if (*(const int *)p == HQ_EST_NONE)
			return json_null(); /* no counter open */
		return json_integer(f->kind == F_MIN ? minutes(*(const int *)p) : *(const int *)p);
	case F_STR: return json_string(p);
	case F_TIME: return json_time(*(const int64_t *)p);
	case F_CLASS: return json_string(hq_class_name(*(const enum hq_class *)p));
	case F_STATE: return json_string(hq_tstate_name(*(const enum hq_tstate *)p));
	}
	return NULL;
}

/* The label first, for scripts; then "key: value" lines. */
void cli_print_ticket(const struct hq_ticket *t, const char *const *keys)
{
	char buf[HQ_NAME_MAX];

	printf("%s\n", t->label);
	for (; *keys; keys++) {
		const struct tfield *f = tfield(*keys);

		field_text(t, f, buf, sizeof buf);
		printf("%s: %s\n", f->name, buf);
	}
}

/* The whole ticket: the label, then every other field. */
void cli_print_ticket_all(const struct hq_ticket *t)
{
	const char *keys[NFIELDS + 1];
	size_t n = 0;

	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(ticket_fields[i].name, "label") != 0)
			keys[n++] = ticket_fields[i].name;
	keys[n] = NULL;
	cli_print_ticket(t, keys);
}

json_t *cli_ticket_json(const struct hq_ticket *t)
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
 * The live hall (hallq state): its queues and its counters.
 */

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

json_t *cli_state_json(const struct hq_config *cfg, const struct hq_hall_state *st, int64_t now)
{
	json_t *svcs = json_array(), *ctrs = json_array();

	for (size_t i = 0; i < st->nservices; i++) {
		const struct hq_service_state *s = &st->services[i];
		const struct hq_service *sc = hq_config_service(cfg, s->key);

		json_array_append_new(svcs, json_pack(
			"{s:s, s:s, s:s, s:b, s:i, s:i, s:o, s:o, s:o, s:i, s:i, s:b}",
			"key", s->key, "name", sc ? sc->name : "", "prefix", sc ? sc->prefix : "",
			"open", s->open, "waiting", s->waiting,
			"waiting_priority", s->waiting_priority,
			"est_wait_s", s->est_wait_s == HQ_EST_NONE ? json_null() : json_integer(s->est_wait_s),
			"est_wait_min", s->est_wait_s == HQ_EST_NONE ? json_null() : json_integer(minutes(s->est_wait_s)),
			"oldest_wait_s", s->oldest_wait_s < 0 ? json_null() : json_integer(s->oldest_wait_s),
			"issued_today", s->issued_today, "served_today", s->served_today,
			"at_cap", s->at_cap));
	}
	for (size_t i = 0; i < st->ncounters; i++) {
		const struct hq_counter_state *k = &st->counters[i];
		const struct hq_counter_cfg *kc = hq_config_counter(cfg, k->number);

		json_array_append_new(ctrs, json_pack("{s:i, s:s, s:s, s:o, s:s, s:s, s:o}",
			"number", k->number, "name", kc ? kc->name : "",
			"state", hq_cstate_name(k->state), "since", json_time(k->since),
			"reason", k->reason, "clerk", k->clerk,
			"ticket", k->current.id ? cli_ticket_json(&k->current) : json_null()));
	}
	return json_pack("{s:s, s:o, s:I, s:o, s:o}", "hall", cfg->name, "now", json_time(now),
			 "last_event_id", (json_int_t)st->last_event_id, "services", svcs,
			 "counters", ctrs);
}

void cli_state_table(const struct hq_config *cfg, const struct hq_hall_state *st)
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
		if (s->est_wait_s == HQ_EST_NONE)
			tbl_cell(&t, "no counter"); /* open */
		else
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

/* ---------------------------------------------------------------------------------------
 * Statistics (hallq stats): one row a group and the total, every field of hq_stats_fields.
 */

/* Seconds to 0.1 s, mean scores to 0.01 and rates to 0.001 in CSV and JSON: enough, and
 * stable in tests. */
static double sf_step(const struct hq_stats_field *f)
{
	return f->kind == HQ_SF_SECS ? 0.1 : f->kind == HQ_SF_SCORE ? 0.01 : 0.001;
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

json_t *cli_stats_json(const struct hq_stats *st, const char *by, int64_t from, int64_t to)
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
			printf(f->kind == HQ_SF_SECS ? ",%.1f" : f->kind == HQ_SF_SCORE ? ",%.2f" : ",%.3f", v);
		else
			putchar(',');
	}
	putchar('\n');
}

void cli_stats_csv(const struct hq_stats *st)
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
		else if (f->kind == HQ_SF_SCORE)
			tbl_cell(t, "%.2f", v);
		else
			tbl_cell(t, "%.0f%%", v * 100.0);
	}
}

void cli_stats_table(const struct hq_stats *st, const char *by, int64_t from, int64_t to)
{
	struct table t = {0};
	char f[32], e[32];

	cli_local_time(from, f, sizeof f);
	cli_local_time(to, e, sizeof e);
	printf("by %s, tickets issued from %s to %s; times in minutes\n\n", by, f, e);
	tbl_col(&t, by, false);
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++)
		tbl_col(&t, hq_stats_fields[i].head, true);
	for (size_t i = 0; i < st->nrows; i++)
		stats_table_row(&t, &st->rows[i]);
	stats_table_row(&t, &st->total);
	tbl_print(&t);
}

/* ---------------------------------------------------------------------------------------
 * Events (hallq events): one a line.
 */

void cli_print_event(const struct hq_event *e, bool json)
{
	char when[32];

	if (json) {
		cli_print_json(json_pack("{s:I, s:o, s:I, s:s, s:I, s:s, s:s, s:i, s:i, s:s}",
			"id", (json_int_t)e->id, "at", json_time(e->at), "at_ms", (json_int_t)e->at,
			"type", e->type, "ticket_id", (json_int_t)e->ticket_id, "label", e->label,
			"service", e->service, "counter", e->counter, "value", e->value,
			"detail", e->detail), JSON_COMPACT);
		return;
	}
	/* Empty fields print as "-" so that awk's field numbers hold on every line; the
	 * detail, which may hold spaces, comes last. */
	cli_local_time(e->at, when, sizeof when);
	printf("%lld %s %-15s %-5s %-8s %3d %4d %s\n", (long long)e->id, when, e->type,
	       *e->label ? e->label : "-", *e->service ? e->service : "-", e->counter, e->value,
	       *e->detail ? e->detail : "-");
}

/* ---------------------------------------------------------------------------------------
 * 好差评 (hallq review, reviews, case): a review, the reviews of a range, the bad-review
 * cases and one case with its steps.
 */

/* At most `chars` characters of a comment or note on one line (breaks and tabs as spaces),
 * cut between characters, "-" for none; dst has room for them. */
static void one_line(char *dst, size_t len, const char *src, int chars)
{
	size_t n = 0;

	for (; *src && chars > 0; chars--) {
		size_t w = 1;

		while ((src[w] & 0xc0) == 0x80)
			w++;
		if (n + w >= len)
			break;
		for (size_t i = 0; i < w; i++)
			dst[n++] = (src[i] == '\n' || src[i] == '\t') ? ' ' : src[i];
		src += w;
	}
	dst[n] = '\0';
	if (!n)
		snprintf(dst, len, "-");
}

static void reasons_text(unsigned reasons, char *buf, size_t len)
{
	hq_reasons_format(reasons, buf, len);
	if (!*buf)
		snprintf(buf, len, "-");
}

json_t *cli_review_json(const struct hq_review *r)
{
	json_t *reasons = json_array();

	for (unsigned bit = 1; bit <= HQ_REASON_OTHER; bit <<= 1)
		if (r->reasons & bit)
			json_array_append_new(reasons, json_string(hq_reason_key(bit)));
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:o, s:s, s:s, s:o, s:o, s:o}",
			 "id", (json_int_t)r->id, "ticket_id", (json_int_t)r->ticket_id,
			 "label", r->label, "day", r->day, "service", r->service, "counter", r->counter,
			 "clerk", r->clerk, "level", r->level, "level_name", hq_level_name(r->level),
			 "reasons", reasons, "comment", r->comment,
			 "channel", hq_channel_name(r->channel), "at", json_time(r->at),
			 "updated_at", json_time(r->updated_at),
			 "case_id", r->case_id ? json_integer(r->case_id) : json_null());
}

/* The label first, for scripts; then "key: value" lines. */
void cli_print_review(const struct hq_review *r)
{
	char reasons[48], at[32];

	reasons_text(r->reasons, reasons, sizeof reasons);
	cli_local_time(r->at, at, sizeof at);
	printf("%s\nticket: %lld\nservice: %s\ncounter: %d\nclerk: %s\nrating: %d\nlevel: %s\n"
	       "reasons: %s\ncomment: %s\nchannel: %s\nat: %s\n", r->label, (long long)r->ticket_id,
	       r->service, r->counter, *r->clerk ? r->clerk : "-", r->level, hq_level_name(r->level),
	       reasons, *r->comment ? r->comment : "-", hq_channel_name(r->channel), at);
	if (r->case_id)
		printf("case: %lld\n", (long long)r->case_id);
	else
		printf("case: -\n");
}

void cli_reviews_table(const struct hq_review *v, size_t n)
{
	struct table t = {0};
	char buf[48], comment[4 * 40 + 1];

	tbl_col(&t, "at", false);
	tbl_col(&t, "ticket", false);
	tbl_col(&t, "service", false);
	tbl_col(&t, "counter", true);
	tbl_col(&t, "clerk", false);
	tbl_col(&t, "level", true);
	tbl_col(&t, "reasons", false);
	tbl_col(&t, "channel", false);
	tbl_col(&t, "case", true);
	tbl_col(&t, "comment", false);
	for (size_t i = 0; i < n; i++) {
		const struct hq_review *r = &v[i];

		cli_local_time(r->at, buf, sizeof buf);
		tbl_cell(&t, "%s", buf);
		tbl_cell(&t, "%s", r->label);
		tbl_cell(&t, "%s", r->service);
		tbl_cell(&t, "%d", r->counter);
		tbl_cell(&t, "%s", *r->clerk ? r->clerk : "-");
		tbl_cell(&t, "%d %s", r->level, hq_level_name(r->level));
		reasons_text(r->reasons, buf, sizeof buf);
		tbl_cell(&t, "%s", buf);
		tbl_cell(&t, "%s", hq_channel_name(r->channel));
		if (r->case_id)
			tbl_cell(&t, "%lld", (long long)r->case_id);
		else
			tbl_cell(&t, "-");
		one_line(comment, sizeof comment, r->comment, 40);
		tbl_cell(&t, "%s", comment);
	}
	tbl_print(&t);
}

json_t *cli_case_json(const struct hq_case *c, const struct hq_case_step *steps, size_t nsteps)
{
	json_t *v = json_pack("{s:I, s:s, s:o, s:o, s:s, s:o, s:b, s:o}", "id", (json_int_t)c->id,
			      "state", hq_case_state_name(c->state), "opened_at", json_time(c->opened_at),
			      "updated_at", json_time(c->updated_at), "rectify_due", c->rectify_due,
			      "revisit_due", c->revisit_due[0] ? json_string(c->revisit_due) : json_null(),
			      "overdue", c->overdue, "review", cli_review_json(&c->review));

	if (v && steps) {
		json_t *list = json_array();

		for (size_t i = 0; i < nsteps; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:s}",
							      "state", hq_case_state_name(steps[i].state),
							      "who", steps[i].who, "at", json_time(steps[i].at),
							      "note", steps[i].note));
		json_object_set_new(v, "steps", list);
	}
	return v;
}

void cli_cases_table(const struct hq_case *v, size_t n)
{
	struct table t = {0};
	char buf[48];

	tbl_col(&t, "case", true);
	tbl_col(&t, "state", false);
	tbl_col(&t, "overdue", false);
	tbl_col(&t, "ticket", false);
	tbl_col(&t, "service", false);
	tbl_col(&t, "counter", true);
	tbl_col(&t, "clerk", false);
	tbl_col(&t, "level", true);
	tbl_col(&t, "reasons", false);
	tbl_col(&t, "opened", false);
	tbl_col(&t, "rectify_due", false);
	tbl_col(&t, "revisit_due", false);
	for (size_t i = 0; i < n; i++) {
		const struct hq_case *c = &v[i];

		tbl_cell(&t, "%lld", (long long)c->id);
		tbl_cell(&t, "%s", hq_case_state_name(c->state));
		tbl_cell(&t, "%s", yesno(c->overdue));
		tbl_cell(&t, "%s", c->review.label);
		tbl_cell(&t, "%s", c->review.service);
		tbl_cell(&t, "%d", c->review.counter);
		tbl_cell(&t, "%s", *c->review.clerk ? c->review.clerk : "-");
		tbl_cell(&t, "%d", c->review.level);
		reasons_text(c->review.reasons, buf, sizeof buf);
		tbl_cell(&t, "%s", buf);
		cli_local_time(c->opened_at, buf, sizeof buf);
		tbl_cell(&t, "%s", buf);
		tbl_cell(&t, "%s", c->rectify_due);
		tbl_cell(&t, "%s", c->revisit_due[0] ? c->revisit_due : "-");
	}
	tbl_print(&t);
}

/* The case's id first, for scripts; "key: value" lines; then its steps. */
void cli_print_case(const struct hq_case *c, const struct hq_case_step *steps, size_t nsteps)
{
	struct table t = {0};
	char reasons[48], opened[32], buf[32], note[4 * 100 + 1];

	reasons_text(c->review.reasons, reasons, sizeof reasons);
	cli_local_time(c->opened_at, opened, sizeof opened);
	printf("%lld\nstate: %s\noverdue: %s\nrectify_due: %s\nrevisit_due: %s\nopened: %s\n"
	       "ticket: %s\nservice: %s\ncounter: %d\nclerk: %s\nlevel: %d %s\nreasons: %s\n"
	       "comment: %s\nchannel: %s\n", (long long)c->id, hq_case_state_name(c->state),
	       yesno(c->overdue), c->rectify_due, c->revisit_due[0] ? c->revisit_due : "-", opened,
	       c->review.label, c->review.service, c->review.counter,
	       *c->review.clerk ? c->review.clerk : "-", c->review.level,
	       hq_level_name(c->review.level), reasons, *c->review.comment ? c->review.comment : "-",
	       hq_channel_name(c->review.channel));
	if (!steps)
		return;
	putchar('\n');
	tbl_col(&t, "step", false);
	tbl_col(&t, "at", false);
	tbl_col(&t, "who", false);
	tbl_col(&t, "note", false);
	for (size_t i = 0; i < nsteps; i++) {
		tbl_cell(&t, "%s", hq_case_state_name(steps[i].state));
		cli_local_time(steps[i].at, buf, sizeof buf);
		tbl_cell(&t, "%s", buf);
		tbl_cell(&t, "%s", steps[i].who);
		one_line(note, sizeof note, steps[i].note, 100);
		tbl_cell(&t, "%s", note);
	}
	tbl_print(&t);
}

/* ---------------------------------------------------------------------------------------
 * The clerks' roster (hallq clerk list): never a PIN's hash.
 */

static const char *clerk_source(const struct hq_clerk *k)
{
	return k->source == HQ_CLERK_CONFIG ? "config" : "database";
}

json_t *cli_clerks_json(const struct hq_clerk *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:o}", "id", v[i].id,
						   "name", v[i].name, "source", clerk_source(&v[i]),
						   "active", v[i].active, "added_at",
						   json_time(v[i].added_at)));
	return a;
}

void cli_clerks_table(const struct hq_clerk *v, size_t n)
{
	struct table t = {0};
	char when[32];

	tbl_col(&t, "clerk", false);
	tbl_col(&t, "name", false);
	tbl_col(&t, "source", false);
	tbl_col(&t, "active", false);
	tbl_col(&t, "added_at", false);
	for (size_t i = 0; i < n; i++) {
		cli_local_time(v[i].added_at, when, sizeof when);
		tbl_cell(&t, "%s", v[i].id);
		tbl_cell(&t, "%s", v[i].name);
		tbl_cell(&t, "%s", clerk_source(&v[i]));
		tbl_cell(&t, "%s", yesno(v[i].active));
		tbl_cell(&t, "%s", when);
	}
	tbl_print(&t);
}

/* ---------------------------------------------------------------------------------------
 * The appraisal (hallq report appraisal): a row a window, then a row a clerk, each with the
 * fields of hq_appraisal_fields, its rank, its red flag and its alerts by rule.
 */

/* Seconds to 0.1, rates to 0.001, hours and points to 0.01: as the report is read. */
static double af_step(const struct hq_appraisal_field *f)
{
	switch (f->kind) {
	case HQ_AF_SECS: return 0.1;
	case HQ_AF_RATE: return 0.001;
	default: return 0.01;
	}
}

static json_t *appraisal_row_json(const struct hq_appraisal_row *r, bool window)
{
	json_t *o = json_object(), *rules = json_object();

	if (!o || !rules)
		goto fail;
	if (window ? json_object_set_new(o, "counter", json_integer(r->counter))
		   : json_object_set_new(o, "clerk", json_string(r->key)))
		goto fail;
	if (json_object_set_new(o, "name", json_string(r->name)) ||
	    json_object_set_new(o, "rank", r->ranked ? json_integer(r->rank) : json_null()) ||
	    (window && json_object_set_new(o, "red_flag", json_boolean(r->red_flag))))
		goto fail;
	for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++) {
		const struct hq_appraisal_field *f = &hq_appraisal_fields[i];
		double v = hq_appraisal_value(r, f);

		if (json_object_set_new(o, f->name, f->kind == HQ_AF_INT ? json_integer((json_int_t)v)
									 : json_num(v, af_step(f))))
			goto fail;
	}
	for (int i = 0; i < r->nrules; i++)
		json_object_set_new(rules, r->by_rule[i].rule, json_integer(r->by_rule[i].count));
	if (json_object_set_new(o, "alerts_by_rule", rules) == 0)
		return o;
	rules = NULL;
fail:
	json_decref(rules);
	json_decref(o);
	return NULL;
}

json_t *cli_appraisal_json(const struct hq_appraisal *a, const char *period)
{
	const struct hq_appraisal_cfg *w = &a->cfg;
	json_t *wins = json_array(), *clerks = json_array();

	for (size_t i = 0; i < a->nwindows; i++)
		json_array_append_new(wins, appraisal_row_json(&a->windows[i], true));
	json_t *hall = appraisal_row_json(&a->hall, false), *v;

	for (size_t i = 0; i < a->nclerks; i++)
		json_array_append_new(clerks, appraisal_row_json(&a->clerks[i], false));
	/* The whole hall, scored as a window (hq_appraisal.h): what the centre ranks. */
	if (hall)
		json_object_del(hall, "clerk");
	v = json_pack("{s:o, s:o, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i},"
			 " s:i, s:i, s:o, s:o}",
			 "period", period && *period ? json_string(period) : json_null(),
			 "from", json_time(a->from), "to", json_time(a->to),
			 "appraisal", "weight_volume", w->weight_volume, "weight_on_time",
			 w->weight_on_time, "weight_satisfaction", w->weight_satisfaction,
			 "weight_rectify", w->weight_rectify, "penalty_alert", w->penalty_alert,
			 "penalty_absence", w->penalty_absence, "penalty_bad_review",
			 w->penalty_bad_review, "red_flag_count", w->red_flag_count,
			 "min_served", w->min_served,
			 "busiest_window", a->busiest_window, "busiest_clerk", a->busiest_clerk,
			 "windows", wins, "clerks", clerks);
	if (v && hall)
		json_object_set_new(v, "hall", hall);
	else
		json_decref(hall);
	return v;
}

/* The table leaves out the score's components (in the JSON and CSV), so it fits a screen. */
static bool af_in_table(const struct hq_appraisal_field *f)
{
	return f->kind != HQ_AF_POINTS || !strcmp(f->name, "score") || !strcmp(f->name, "penalty") ||
	       !strcmp(f->name, "mean_level");
}

static void appraisal_table(const struct hq_appraisal_row *v, size_t n, bool window)
{
	struct table t = {0};

	tbl_col(&t, "rank", true);
	if (window)
		tbl_col(&t, "flag", false);
	tbl_col(&t, window ? "window" : "clerk", window);
	tbl_col(&t, "name", false);
	for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++)
		if (af_in_table(&hq_appraisal_fields[i]) && (window || i != HQ_AF_I_absences))
			tbl_col(&t, hq_appraisal_fields[i].head, true);
	for (size_t r = 0; r < n; r++) {
		const struct hq_appraisal_row *w = &v[r];

		if (w->ranked)
			tbl_cell(&t, "%d", w->rank);
		else
			tbl_cell(&t, "-");
		if (window)
			tbl_cell(&t, "%s", w->red_flag ? "红旗" : "");
		tbl_cell(&t, "%s", w->key);
		tbl_cell(&t, "%s", w->name);
		for (size_t i = 0; i < HQ_APPRAISAL_NFIELDS; i++) {
			const struct hq_appraisal_field *f = &hq_appraisal_fields[i];
			double x = hq_appraisal_value(w, f);

			if (!af_in_table(f) || (!window && i == HQ_AF_I_absences))
				continue;
			if (hq_appraisal_empty(w, f))
				tbl_cell(&t, "-");
			else if (f->kind == HQ_AF_INT)
				tbl_cell(&t, "%d", (int)x);
			else if (f->kind == HQ_AF_SECS)
				tbl_cell(&t, "%.1f", x / 60.0);
			else if (f->kind == HQ_AF_RATE)
				tbl_cell(&t, "%.0f%%", x * 100.0);
			else if (f->kind == HQ_AF_HOURS)
				tbl_cell(&t, "%.1f", x);
			else
				tbl_cell(&t, "%.2f", x);
		}
	}
	tbl_print(&t);
}

void cli_appraisal_table(const struct hq_appraisal *a, const char *period)
{
	const struct hq_appraisal_cfg *w = &a->cfg;
	char f[32], e[32];

	cli_local_time(a->from, f, sizeof f);
	cli_local_time(a->to, e, sizeof e);
	printf("appraisal %s: tickets issued from %s to %s; times in minutes\n"
	       "score = (%d x volume + %d x on-time + %d x satisfaction + %d x rectified) / 100"
	       " - %d x alerts - %d x absences - %d x bad reviews;\n"
	       "ranked: %d served or more; the top %d windows are 红旗窗口\n\nwindows\n",
	       period && *period ? period : "", f, e, w->weight_volume, w->weight_on_time,
	       w->weight_satisfaction, w->weight_rectify, w->penalty_alert, w->penalty_absence,
	       w->penalty_bad_review, w->min_served, w->red_flag_count);
	appraisal_table(a->windows, a->nwindows, true);
	printf("\nclerks\n");
	appraisal_table(a->clerks, a->nclerks, false);
	printf("\nthe hall as a whole (as the centre ranks it)\n");
	appraisal_table(&a->hall, 1, false);
}
