/*
 * Retention (hq_retention.h): erasing personal data when its time is up, and purging the
 * history older than the hall keeps, archived first when the hall wants an archive. One
 * concern, kept apart from the day's close in day.c: hallqd runs it after the roll-over, on
 * its worker, and `hallq retention` when an operator asks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The archive: lines gathered for one chunk, written and fsynced before its commit. */
struct archive {
	int fd;                     /* -1 when the hall keeps no archive, or in a dry run */
	char *buf;
	size_t len, cap;
	long lines;
};

static int arch_put(struct archive *a, const char *s, size_t n)
{
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 1 << 16;
		char *grown;

		while (cap < a->len + n + 1)
			cap *= 2;
		if (!(grown = realloc(a->buf, cap)))
			return -1;
		a->buf = grown;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->len += n;
	return 0;
}

/* A JSON string (RFC 8259): the text is UTF-8 already (hq__check_text saw it in). */
static int arch_str(struct archive *a, const char *s)
{
	char esc[8];
	int rc = arch_put(a, "\"", 1);

	for (; rc == 0 && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			rc = arch_put(a, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			rc = arch_put(a, esc, 6);
		} else {
			rc = arch_put(a, s, 1);
		}
	}
	return rc ? rc : arch_put(a, "\"", 1);
}

/* Columns that hold personal data: never archived, whatever the rules kept in the table. */
static bool personal_col(const char *table, const char *col)
{
	if (!strcmp(table, "appointments"))
		return !strcmp(col, "name") || !strcmp(col, "phone");
	if (!strcmp(table, "reviews"))
		return !strcmp(col, "comment");
	return false;
}

/* Every row `sql` selects, as {"table": ..., column: value, ...} lines. */
static int archive_rows(struct hq_queue *q, struct archive *a, const char *table, const char *sql)
{
	sqlite3_stmt *s;
	char num[32];
	int rc, i, n;

	if (a->fd < 0)
		return HQ_OK;
	if ((rc = sqlite3_prepare_v2(q->db, sql, -1, &s, NULL)) != SQLITE_OK)
		return hq__dberr(q, rc);
	n = sqlite3_column_count(s);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int bad = arch_put(a, "{\"table\":", 9) || arch_str(a, table);

		for (i = 0; i < n && !bad; i++) {
			const char *col = sqlite3_column_name(s, i);

			if (personal_col(table, col))
				continue;
			bad = arch_put(a, ",", 1) || arch_str(a, col) || arch_put(a, ":", 1);
			if (bad)
				break;
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER:
				snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(s, i));
				bad = arch_put(a, num, strlen(num));
				break;
			case SQLITE_NULL:
				bad = arch_put(a, "null", 4);
				break;
			default:
				bad = arch_str(a, (const char *)sqlite3_column_text(s, i));
			}
		}
		if (bad || arch_put(a, "}\n", 2)) {
			sqlite3_finalize(s);
			return hq__fail(q, HQ_ENOMEM, "out of memory archiving %s", table);
		}
		a->lines++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
}

/* The chunk's lines on disk, fsynced, before the rows they keep are deleted. */
static int archive_flush(struct hq_queue *q, struct archive *a, const char *path)
{
	size_t off = 0;

	while (a->fd >= 0 && off < a->len) {
		ssize_t w = write(a->fd, a->buf + off, a->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hq__fail(q, HQ_EIO, "writing the archive %s: %s", path, strerror(errno));
		off += (size_t)w;
	}
	if (a->fd >= 0 && a->len && fsync(a->fd) != 0)
		return hq__fail(q, HQ_EIO, "writing the archive %s: %s", path, strerror(errno));
	a->len = 0;
	return HQ_OK;
}

/* Run one statement of the run's own SQL; *changed (may be NULL) adds the rows it changed. */
static int run_sql(struct hq_queue *q, const char *sql, int64_t cut, const char *cut_day,
		   int limit, long *changed)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = sqlite3_prepare_v2(q->db, sql, -1, &s, NULL)) != SQLITE_OK)
		return hq__dberr(q, rc);
	if (sqlite3_bind_parameter_count(s) >= 1) {
		if (cut_day)
			hq__bind_text(s, 1, cut_day);
		else
			sqlite3_bind_int64(s, 1, cut);
	}
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int(s, 2, limit);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	if (changed)
		*changed += sqlite3_changes(q->db);
	return HQ_OK;
}

/* The local midnight starting the day `days` (hq_civil_days) as unix ms, and its date. */
static int64_t day_start(int64_t days, char out[11])
{
	char text[20];
	int64_t ms = 0;

	hq_format_day(days, out);
	snprintf(text, sizeof text, "%s 00:00", out);
	hq_parse_local_time(text, &ms);
	return ms;
}

/* One table (or the tickets with what hangs on them) of the purge. */
struct part {
	const char *table;
	const char *archive, *del;
	size_t count;               /* offsetof the report's counter */
};
struct purge {
	const char *pick;
	struct part parts[4];
};

#define PART(t, field) { t, HQ_SQL_RET_ARCH(t), HQ_SQL_RET_DEL(t), offsetof(struct hq_retention_report, field) }
static const struct purge purges[] = {
	/* A ticket's case steps, cases and reviews go before it: they name it. */
	{ HQ_SQL_RET_PICK_TICKETS, {
		{ "case_steps", HQ_SQL_RET_ARCH_STEPS, HQ_SQL_RET_DEL_STEPS,
		  offsetof(struct hq_retention_report, case_steps) },
		{ "cases", HQ_SQL_RET_ARCH_CASES, HQ_SQL_RET_DEL_CASES,
		  offsetof(struct hq_retention_report, cases) },
		{ "reviews", HQ_SQL_RET_ARCH_REVIEWS, HQ_SQL_RET_DEL_REVIEWS,
		  offsetof(struct hq_retention_report, reviews) },
		{ "tickets", HQ_SQL_RET_ARCH_TICKETS, HQ_SQL_RET_DEL_TICKETS,
		  offsetof(struct hq_retention_report, tickets) } } },
	{ HQ_SQL_RET_PICK_EVENTS, { PART("events", events) } },
	{ HQ_SQL_RET_PICK_APPTS, { PART("appointments", appointments) } },
	{ HQ_SQL_RET_PICK_ALERTS, { PART("alerts", alerts) } },
	{ HQ_SQL_RET_PICK_SIGNINS, { PART("signins", signins) } },
};
#undef PART

/* One chunk of one purge inside the open transaction: *picked gets how many rows it took. */
static int purge_chunk(struct hq_queue *q, const struct purge *p, int64_t cut, int limit,
		       struct archive *a, struct hq_retention_report *out, long *picked)
{
	long n = 0;
	int rc, i;

	*picked = 0;
	if ((rc = run_sql(q, HQ_SQL_RET_CLEAR, 0, NULL, 0, NULL)) ||
	    (rc = run_sql(q, p->pick, cut, NULL, limit, &n)))
		return rc;
	*picked = n;
	if (!n)
		return HQ_OK;
	for (i = 0; i < 4 && p->parts[i].table; i++) {
		const struct part *pt = &p->parts[i];

		if ((rc = archive_rows(q, a, pt->table, pt->archive)) ||
		    (rc = run_sql(q, pt->del, 0, NULL, 0, (long *)((char *)out + pt->count))))
			return rc;
	}
	return HQ_OK;
}

static int retention(struct hq_queue *q, const struct hq_retention *rules, bool dry,
		     struct hq_retention_report *out)
{
	struct archive a = {.fd = -1};
	struct hq_retention_report done;
	int64_t today, personal_cut, purge_cut = 0;
	int y, m, d, rc;
	size_t i;

	memset(out, 0, sizeof *out);
	out->dry_run = dry;
	if (q->readonly)
		return hq__fail(q, HQ_EREADONLY, "the database is open for reading only");
	if (q->batch)
		return hq__fail(q, HQ_EINVAL, "retention does not run inside a batch");
	if (rules->personal_days < 1 || rules->keep_months < 0)
		return hq__fail(q, HQ_EINVAL, "personal_days must be at least 1 and keep_months 0 or more");
	/* The first transaction also rolls the day over, so that the day it goes by is today. */
	if ((rc = hq__begin(q, true)))
		return hq__end(q, rc);
	memcpy(out->today, q->day, sizeof out->today);
	if (hq_parse_day(q->day, &today) != 0)
		return hq__end(q, hq__fail(q, HQ_EDB, "the hall's day '%s' is not a date", q->day));
	personal_cut = day_start(today - rules->personal_days + 1, out->personal_before);
	hq_civil_from_days(today, &y, &m, &d);
	/* The appraisal period: the current month and the one before it. */
	day_start(hq_civil_days(m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1, 1), out->comments_before);
	if (rules->keep_months > 0) {
		int64_t months = (int64_t)y * 12 + (m - 1) - rules->keep_months;

		purge_cut = day_start(hq_civil_days(months / 12, (int)(months % 12) + 1, 1),
				      out->purge_before);
	}
	rc = run_sql(q, HQ_SQL_RET_ERASE_PERSONAL, personal_cut, NULL, 0, &out->appointments_erased);
	if (rc == HQ_OK)
		rc = run_sql(q, HQ_SQL_RET_ERASE_COMMENTS, 0, out->comments_before, 0, &out->comments_erased);
	if (rc == HQ_OK && purge_cut)
		rc = run_sql(q, HQ_SQL_RET_TEMP, 0, NULL, 0, NULL);
	if (dry) {
		/* Everything in the one transaction, then undone: the counts are what a run does. */
		for (i = 0; rc == HQ_OK && purge_cut && i < sizeof purges / sizeof purges[0]; i++) {
			long n;

			rc = purge_chunk(q, &purges[i], purge_cut, -1, &a, out, &n);
		}
		hq__end(q, HQ_EINVAL);
		return rc;
	}
	if ((rc = hq__end(q, rc)) || !purge_cut)
		return rc;

	if (rules->archive[0]) {
		a.fd = open(rules->archive, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (a.fd < 0)
			return hq__fail(q, HQ_EIO, "cannot open the archive %s: %s", rules->archive,
					strerror(errno));
	}
	/* Chunk by chunk, each its own transaction, the archive fsynced before each commit; the
	 * counts go into `done` as each chunk commits, so that a failure reports what is done. */
	for (i = 0; rc == HQ_OK && i < sizeof purges / sizeof purges[0]; i++) {
		long n = 1;

		while (rc == HQ_OK && n > 0) {
			done = *out;
			a.len = 0;
			if ((rc = hq__begin(q, true)))
				break;
			rc = purge_chunk(q, &purges[i], purge_cut, HQ_RETENTION_CHUNK, &a, &done, &n);
			if (rc == HQ_OK)
				rc = archive_flush(q, &a, rules->archive);
			if ((rc = hq__end(q, rc)) == HQ_OK) {
				done.archived = a.lines;
				*out = done;
			}
		}
	}
	if (a.fd >= 0)
		close(a.fd);
	free(a.buf);
	return rc;
}

int hq_queue_retention(struct hq_queue *q, const struct hq_retention *rules,
		       struct hq_retention_report *out)
{
	return retention(q, rules, false, out);
}

int hq_queue_retention_dry(struct hq_queue *q, const struct hq_retention *rules,
			   struct hq_retention_report *out)
{
	return retention(q, rules, true, out);
}
