/*
 * Backup and restore of a hall's database file (docs/cli.md: hallq backup, hallq restore).
 * Neither opens the hall as a queue (no migration, no roll-over of the day): they work on
 * files, with SQLite's backup API and its integrity checks.
 *
 * hq_backup copies a live database, while hallqd goes on writing to it, into TO.partial,
 * reading one snapshot of it (a read transaction held for the whole copy, which in WAL mode
 * never blocks the writer), step by step; the copy is made a single file (rollback journal,
 * no -wal), checked (PRAGMA integrity_check, its schema version, that it is a hall's), fsynced
 * and only then renamed to TO, and the directory fsynced. A run holds an exclusive flock(2) on
 * its .partial for its whole life: a .partial nobody holds is the remains of a run that was
 * killed, and the next run removes it (and says so); one that is held belongs to a run still
 * going, and is never touched.
 *
 * hq_restore puts a copy in place of the database: it refuses a .partial, a file that fails
 * integrity_check or is no hall's database, one whose schema is newer than this hallq's, and
 * a database some program holds open (hallqd: "stop hallqd first"). The old database,
 * checkpointed so that its -wal holds nothing, is kept as DB.before-restore; the copy goes
 * in through a temporary file in the same directory and one rename(2), and no -wal or -shm
 * of the old database is left to be replayed onto the new one.
 *
 * Errors: 0 or a negative hq_err, with a sentence in err: HQ_EBUSY (held open, or another
 * run on the same .partial), HQ_ESCHEMA (newer schema), HQ_EDB (not a database, or it fails
 * the check), HQ_EINVAL (a .partial given to restore), HQ_EIO (files).
 */
#ifndef HQ_BACKUP_H
#define HQ_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a copy holds, as its checks read it. */
struct hq_backup_info {
	long pages;                 /* of page_size bytes */
	int page_size;
	int schema;                 /* PRAGMA user_version */
	long tickets;
	char day[11];               /* the hall's day in the copy ("" when none yet) */
	int steps;                  /* sqlite3_backup_step calls (hq_backup) */
	bool stale_removed;         /* hq_backup removed the .partial of a killed run */
};

struct hq_backup_opts {
	int step_pages;             /* pages a step copies; <= 0: 1024 */
	int step_delay_ms;          /* a pause between steps: tests make a copy slow with it */
};

/* The schema version this hallq writes (its newest migration). */
int hq_schema_version(void);

int hq_backup(const char *db, const char *to, const struct hq_backup_opts *opts,
	      struct hq_backup_info *info, char *err, size_t errlen);
/* Check a copy (or any hall database not in use) as hq_backup checks its own, read-only. */
int hq_backup_check(const char *file, struct hq_backup_info *info, char *err, size_t errlen);
int hq_restore(const char *from, const char *db, struct hq_backup_info *info, char *err,
	       size_t errlen);
/*
 * A .partial file in a backup directory: 1 when it was left by a killed run and is now
 * removed, 0 when a run still holds it (left alone), < 0 on error.
 */
int hq_backup_clean_partial(const char *partial, char *err, size_t errlen);
/* Is the database held open by a program (its WAL's shared-memory lock is taken)? 1 yes,
 * 0 no, < 0 on error. */
int hq_db_in_use(const char *db);

#endif
