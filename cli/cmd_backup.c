/*
 * hallq's commands for keeping a hall's data (docs/cli.md): `backup`, an online copy of the
 * database while hallqd runs, to a file or into a directory of dated copies of which the
 * newest N are kept; `restore`, a copy put back in place of the database (hallqd stopped);
 * and `retention`, the [retention] rules applied now or, with --dry-run, counted. The copy,
 * its checks and the restore are the queue library's (hq_backup.h); this file names files,
 * keeps the directory and prints.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hq_backup.h"

#define O(x) (1ull << OPT_##x)
#define NAME_LEN 32 /* "hall-YYYYMMDD-HHMMSS.db" */

/* A whole number from min to max in an option or the environment; -1 when it is not. */
static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v < min || v > max ? -1 : v;
}

static double since_s(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "hall-YYYYMMDD-HHMMSS.db": a dated copy's name, which sorts as its time does. */
static bool dated_name(const char *s)
{
	static const char pat[] = "hall-########-######.db";
	size_t i;

	if (strlen(s) != sizeof pat - 1)
		return false;
	for (i = 0; pat[i]; i++)
		if (pat[i] == '#' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
			return false;
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The directory kept: the .partial of a dated copy that no run holds (a run that was
 * killed) removed, and of the dated copies the oldest beyond `keep`. Each removal printed.
 */
static int keep_dir(const struct ctx *c, const char *dir, long keep)
{
	char **names = NULL, err[512], path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return cli_fail(c, "cannot read %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 8 && !strcmp(e->d_name + len - 8, ".partial")) {
			char base[NAME_LEN + 8];

			snprintf(base, sizeof base, "%.*s", (int)(len - 8), e->d_name);
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (dated_name(base) && hq_backup_clean_partial(path, err, sizeof err) == 1)
				printf("stale: %s removed (the copy of a backup that did not end)\n", path);
			continue;
		}
		if (!dated_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = cli_xrealloc(names, cap * sizeof *names);
		}
		names[n] = cli_xmalloc(len + 1);
		memcpy(names[n++], e->d_name, len + 1);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	for (i = 0; i < n; i++) {
		if ((long)(n - i) > keep) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			if (unlink(path) == 0)
				printf("removed: %s\n", path);
			else
				fprintf(stderr, "hallq: backup: cannot remove %s: %s\n", path, strerror(errno));
		}
		free(names[i]);
	}
	free(names);
	return ST_OK;
}

static int cmd_backup(struct ctx *c)
{
	struct hq_backup_opts opts = {0};
	struct hq_backup_info info;
	struct timespec t0;
	char err[512] = "", to[4096];
	const char *dir = c->opt[OPT_DIR];
	long keep = -1;
	int rc;

	if (!c->opt[OPT_TO] == !dir)
		return cli_usage_err(c, "give either --to FILE or --dir DIR");
	if (c->opt[OPT_KEEP] && !dir)
		return cli_usage_err(c, "--keep N is for --dir DIR");
	if (c->opt[OPT_KEEP] && (keep = number(c->opt[OPT_KEEP], 1, 100000)) < 0)
		return cli_usage_err(c, "--keep must be a whole number from 1 to 100000, not '%s'",
				     c->opt[OPT_KEEP]);
	/* Test-only: a pause between the copy's steps, so that a test can stop it half-way. */
	if (getenv("HALLQ_BACKUP_STEP_MS") &&
	    (opts.step_delay_ms = (int)number(getenv("HALLQ_BACKUP_STEP_MS"), 0, 10000)) < 0)
		return cli_usage_err(c, "HALLQ_BACKUP_STEP_MS must be 0 to 10000 (ms)");
	if (getenv("HALLQ_BACKUP_STEP_PAGES") &&
	    (opts.step_pages = (int)number(getenv("HALLQ_BACKUP_STEP_PAGES"), 1, 1 << 20)) < 0)
		return cli_usage_err(c, "HALLQ_BACKUP_STEP_PAGES must be 1 to 1048576");
	if (dir) {
		/* Named by the hall's clock: HALLQ_NOW when it stands, else the machine's. */
		time_t secs = c->fixed ? (time_t)(c->fixed_now / 1000) : time(NULL);
		struct tm tm;

		localtime_r(&secs, &tm);
		snprintf(to, sizeof to, "%s/hall-%04d%02d%02d-%02d%02d%02d.db", dir, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (access(to, F_OK) == 0)
			return cli_fail(c, "%s exists already; a copy is never overwritten", to);
	} else {
		snprintf(to, sizeof to, "%s", c->opt[OPT_TO]);
	}
	if (access(c->db_path, F_OK) != 0)
		return cli_fail(c, "no database at %s", c->db_path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = hq_backup(c->db_path, to, &opts, &info, err, sizeof err);
	if (info.stale_removed)
		fprintf(stderr, "hallq: backup: removed %s.partial, the copy of a backup that did "
			"not end\n", to);
	if (rc)
		return cli_fail(c, "%s", err);
	printf("%s\npages: %ld\npage_size: %d\nbytes: %lld\nschema: %d\ntickets: %ld\n"
	       "day: %s\nsteps: %d\nseconds: %.3f\n", to, info.pages, info.page_size,
	       (long long)info.pages * info.page_size, info.schema, info.tickets,
	       info.day[0] ? info.day : "-", info.steps, since_s(&t0));
	return dir ? keep_dir(c, dir, keep > 0 ? keep : 100000) : ST_OK;
}

static int cmd_restore(struct ctx *c)
{
	struct hq_backup_info info;
	char err[512] = "";
	int rc;

	if (!c->opt[OPT_FROM])
		return cli_usage_err(c, "missing --from FILE");
	rc = hq_restore(c->opt[OPT_FROM], c->db_path, &info, err, sizeof err);
	if (rc)
		return cli_fail(c, "%s", err);
	printf("%s\nfrom: %s\nschema: %d\ntickets: %ld\nday: %s\nkept: %s.before-restore\n",
	       c->db_path, c->opt[OPT_FROM], info.schema, info.tickets, info.day[0] ? info.day : "-",
	       c->db_path);
	return ST_OK;
}

static int cmd_retention(struct ctx *c)
{
	const struct hq_retention *rules = &hq_queue_config(c->q)->retention;
	struct hq_retention_report r;
	bool dry = c->opt[OPT_DRY_RUN] != NULL;
	int rc;

	rc = (dry ? hq_queue_retention_dry : hq_queue_retention)(c->q, rules, &r);
	if (rc)
		return cli_fail(c, "%s", *hq_queue_errmsg(c->q) ? hq_queue_errmsg(c->q) : hq_strerror(rc));
	printf("%ld\n", r.appointments_erased + r.comments_erased + r.tickets + r.events +
	       r.appointments + r.alerts + r.signins + r.reviews + r.cases + r.case_steps);
	printf("dry_run: %s\nday: %s\npersonal_days: %d\nkeep_months: %d\narchive: %s\n"
	       "names_erased: %ld (appointments before %s)\n"
	       "comments_erased: %ld (reviews before %s)\n", dry ? "yes" : "no", r.today,
	       rules->personal_days, rules->keep_months, rules->archive[0] ? rules->archive : "-",
	       r.appointments_erased, r.personal_before, r.comments_erased, r.comments_before);
	if (rules->keep_months > 0)
		printf("purged_before: %s\ntickets: %ld\nreviews: %ld\ncases: %ld\ncase_steps: %ld\n"
		       "events: %ld\nappointments: %ld\nalerts: %ld\nsignins: %ld\narchived: %ld\n",
		       r.purge_before, r.tickets, r.reviews, r.cases, r.case_steps, r.events,
		       r.appointments, r.alerts, r.signins, r.archived);
	else
		printf("purged_before: - (keep_months = 0 keeps history for ever)\n");
	return ST_OK;
}

const struct cmd cli_backup_cmds[] = {
	{.name = "backup", .run = cmd_backup, .no_db = true, .opts = O(TO) | O(DIR) | O(KEEP),
	 .synopsis = "--to FILE | --dir DIR [--keep N]",
	 .summary = "an online copy of the database, checked (hallqd may run); --dir: dated, newest N kept",
	 .example = "hallq backup --db /var/lib/hallq/hall.db --dir /var/backups/hallq --keep 14"},
	{.name = "restore", .run = cmd_restore, .no_db = true, .opts = O(FROM),
	 .synopsis = "--from FILE",
	 .summary = "put a backup in place of the database (stop hallqd first); keeps the old one",
	 .example = "hallq restore --from /var/backups/hallq/hall-20261123-020000.db --db hall.db"},
	{.name = "retention", .run = cmd_retention, .opts = O(DRY_RUN), .synopsis = "[--dry-run]",
	 .summary = "apply [retention] now: erase personal data, purge old history; prints counts",
	 .example = "hallq retention --dry-run"},
	{0},
};
