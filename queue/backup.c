/*
 * Backup and restore of the hall's database file (hq_backup.h): SQLite's backup API for an
 * online copy, its integrity check for a copy's health, and rename(2) for putting one in
 * place. Files, not the queue's rules: nothing here opens a struct hq_queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hq_backup.h"
#include "hq_error.h"
#include "sql.h"

#define BUSY_TIMEOUT_MS 10000
#define PATH_LEN 4096

/*
 * Where SQLite's unix VFS keeps the "DMS" lock of a WAL database's -shm file: the byte after
 * the 8 WAL locks that start at offset 120 (os_unix.c, UNIX_SHM_DMS). Every connection open
 * on the database in WAL mode holds a shared lock on it, for as long as it is open, which is
 * how SQLite tells the last connection to close; it is how we tell that hallqd runs.
 */
#define SHM_DMS_OFFSET 128

static int failf(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int failf(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The directory of path fsynced, so that a rename in it survives a power cut. */
static int fsync_dir(const char *path)
{
	char copy[PATH_LEN];
	int fd, rc;

	snprintf(copy, sizeof copy, "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The -wal, -shm and -journal beside a file, removed. */
static void remove_sidecars(const char *path)
{
	static const char *const ext[] = {"-wal", "-shm", "-journal"};
	char side[PATH_LEN + 16];
	size_t i;

	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		snprintf(side, sizeof side, "%s%s", path, ext[i]);
		unlink(side);
	}
}

int hq_db_in_use(const char *db)
{
	char shm[PATH_LEN + 8];
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SHM_DMS_OFFSET, .l_len = 1};
	int fd;

	snprintf(shm, sizeof shm, "%s-shm", db);
	fd = open(shm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = open(shm, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : HQ_EIO;
	/* F_GETLK: would our write lock clash with a lock another process holds? */
	if (fcntl(fd, F_GETLK, &lk) != 0) {
		close(fd);
		return HQ_EIO;
	}
	close(fd);
	return lk.l_type != F_UNLCK;
}

/* One integer a statement of a copy returns, or -1. */
static long long one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * The checks of a copy: PRAGMA integrity_check says ok (the whole file, every index against
 * its table), its schema is one this hallq can open, and it holds a hall (a stored config).
 */
static int check_db(sqlite3 *db, const char *name, struct hq_backup_info *info, char *err,
		    size_t errlen)
{
	sqlite3_stmt *s;
	const unsigned char *first;
	char msg[300] = "";
	int rc, rows = 0;

	rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(20)", -1, &s, NULL);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			first = sqlite3_column_text(s, 0);
			if (rows++ == 0)
				snprintf(msg, sizeof msg, "%s", first ? (const char *)first : "");
		}
	if (rc != SQLITE_DONE) {
		snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
		rows = 0;
	}
	sqlite3_finalize(s);
	if (rows != 1 || strcmp(msg, "ok") != 0)
		return failf(err, errlen, HQ_EDB, "%s fails PRAGMA integrity_check: %s", name,
			     msg[0] ? msg : "no answer");
	info->schema = (int)one_int(db, "PRAGMA user_version");
	if (info->schema > hq_schema_version())
		return failf(err, errlen, HQ_ESCHEMA, "%s has schema version %d, newer than this "
			     "hallq's %d; use the hallq that made it, or a newer one", name,
			     info->schema, hq_schema_version());
	if (info->schema < 1 || one_int(db, HQ_SQL_BK_HAS_CONFIG) != 1)
		return failf(err, errlen, HQ_EDB, "%s is not a hall's database (no hallq schema or "
			     "no configuration in it)", name);
	info->page_size = (int)one_int(db, "PRAGMA page_size");
	info->pages = (long)one_int(db, "PRAGMA page_count");
	info->tickets = (long)one_int(db, HQ_SQL_BK_TICKETS);
	info->day[0] = '\0';
	if (sqlite3_prepare_v2(db, HQ_SQL_BK_DAY, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(info->day, sizeof info->day, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return HQ_OK;
}

/*
 * A copy made one file: out of WAL mode (the source's header says WAL, and a copy must not
 * need a -wal beside it), then checked.
 */
static int settle_and_check(const char *path, const char *name, struct hq_backup_info *info,
			    char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = failf(err, errlen, HQ_EDB, "%s is not a usable database: %s", name,
			   db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	rc = check_db(db, name, info, err, errlen);
	sqlite3_close(db);
	return rc;
}

int hq_backup_check(const char *file, struct hq_backup_info *info, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc;

	memset(info, 0, sizeof *info);
	if (access(file, R_OK) != 0)
		return failf(err, errlen, HQ_EIO, "cannot read %s: %s", file, strerror(errno));
	rc = sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = failf(err, errlen, HQ_EDB, "%s is not a usable database: %s", file,
			   db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	rc = check_db(db, file, info, err, errlen);
	sqlite3_close(db);
	return rc;
}

int hq_backup_clean_partial(const char *partial, char *err, size_t errlen)
{
	int fd = open(partial, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : failf(err, errlen, HQ_EIO, "cannot open %s: %s",
						   partial, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return 0; /* a run is still writing it */
	}
	remove_sidecars(partial);
	if (unlink(partial) != 0) {
		close(fd);
		return failf(err, errlen, HQ_EIO, "cannot remove %s: %s", partial, strerror(errno));
	}
	close(fd);
	return 1;
}

/* The copy itself, source snapshot to destination, step by step. */
static int copy_pages(const char *db, const char *dest, const struct hq_backup_opts *o,
		      struct hq_backup_info *info, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	int rc, step = o && o->step_pages > 0 ? o->step_pages : 1024;

	rc = sqlite3_open_v2(db, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
		/* One read transaction for the whole copy: the copy is that snapshot, and a commit
		 * of hallqd's between two steps does not start it over (in WAL mode a reader never
		 * blocks the writer; the WAL grows until the copy ends). */
		rc = sqlite3_exec(src, "BEGIN; SELECT COUNT(*) FROM sqlite_master", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		rc = failf(err, errlen, HQ_EDB, "cannot read %s: %s", db,
			   src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE, NULL);
	/* The copy is written once and fsynced at the end: no journal, no sync on the way; and
	 * a small cache, so that its pages go to the file as they come instead of being held in
	 * memory to the end (a year of a busy hall is a few hundred MB). */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
				  " PRAGMA cache_size = 16", NULL, NULL, NULL);
	if (rc != SQLITE_OK || !(b = sqlite3_backup_init(dst, "main", src, "main"))) {
		rc = failf(err, errlen, HQ_EDB, "cannot write %s: %s", dest,
			   dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	do {
		rc = sqlite3_backup_step(b, step);
		info->steps++;
		if ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && o &&
		    o->step_delay_ms > 0)
			sleep_ms(o->step_delay_ms);
		else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sleep_ms(10);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	info->pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = failf(err, errlen, HQ_EDB, "copying %s: %s", db, sqlite3_errstr(rc));
		goto out;
	}
	rc = HQ_OK;
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	return rc;
}

int hq_backup(const char *db, const char *to, const struct hq_backup_opts *opts,
	      struct hq_backup_info *info, char *err, size_t errlen)
{
	char partial[PATH_LEN];
	int fd = -1, rc;

	memset(info, 0, sizeof *info);
	if (snprintf(partial, sizeof partial, "%s.partial", to) >= (int)sizeof partial)
		return failf(err, errlen, HQ_EINVAL, "the path %s is too long", to);
	if (access(db, R_OK) != 0)
		return failf(err, errlen, HQ_EIO, "cannot read %s: %s", db, strerror(errno));
	rc = hq_backup_clean_partial(partial, err, errlen);
	if (rc < 0)
		return rc;
	info->stale_removed = rc == 1;
	fd = open(partial, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EEXIST || errno == EWOULDBLOCK
			? failf(err, errlen, HQ_EBUSY, "another backup is writing %s", partial)
			: failf(err, errlen, HQ_EIO, "cannot create %s: %s", partial, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if ((rc = copy_pages(db, partial, opts, info, err, errlen)) == HQ_OK &&
	    (rc = settle_and_check(partial, "the copy", info, err, errlen)) == HQ_OK) {
		if (fsync(fd) != 0 || rename(partial, to) != 0 || fsync_dir(to) != 0)
			rc = failf(err, errlen, HQ_EIO, "cannot put the copy at %s: %s", to,
				   strerror(errno));
	}
	if (rc != HQ_OK) {
		remove_sidecars(partial);
		unlink(partial);
	}
	close(fd);
	return rc;
}

int hq_restore(const char *from, const char *db, struct hq_backup_info *info, char *err,
	       size_t errlen)
{
	char tmp[PATH_LEN], before[PATH_LEN + 32], wal[PATH_LEN + 8];
	sqlite3 *src = NULL, *dst = NULL, *old = NULL;
	sqlite3_backup *b;
	struct stat st;
	int rc, in_use;

	memset(info, 0, sizeof *info);
	if (ends_with(from, ".partial"))
		return failf(err, errlen, HQ_EINVAL, "%s is the unfinished copy of a backup that "
			     "did not end; restore a finished one", from);
	if (stat(from, &st) != 0 || !S_ISREG(st.st_mode))
		return failf(err, errlen, HQ_EIO, "cannot read %s: %s", from,
			     errno ? strerror(errno) : "not a file");
	in_use = hq_db_in_use(db);
	if (in_use != 0)
		return in_use < 0 ? failf(err, errlen, HQ_EIO, "cannot tell whether %s is in use", db)
				  : failf(err, errlen, HQ_EBUSY, "%s is open in a running program "
					  "(hallqd?): stop hallqd first", db);
	snprintf(tmp, sizeof tmp, "%s.restore-%ld", db, (long)getpid());
	snprintf(before, sizeof before, "%s.before-restore", db);
	remove_sidecars(tmp);
	unlink(tmp);

	/* The copy first, into the database's directory, through SQLite: a -wal beside FROM
	 * counts, and the file FROM is only read. */
	rc = sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF",
				  NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		if (!(b = sqlite3_backup_init(dst, "main", src, "main")))
			rc = sqlite3_errcode(dst);
		else if ((rc = sqlite3_backup_step(b, -1)) == SQLITE_DONE)
			rc = sqlite3_backup_finish(b);
		else
			sqlite3_backup_finish(b);
	}
	if (rc != SQLITE_OK) {
		rc = failf(err, errlen, HQ_EDB, "%s is not a usable database: %s", from,
			   sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_close(src);
	sqlite3_close(dst);
	src = dst = NULL;
	if ((rc = settle_and_check(tmp, from, info, err, errlen)))
		goto fail;
	if (fsync_path(tmp) != 0) {
		rc = failf(err, errlen, HQ_EIO, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}

	/* The old database, if any: everything of its -wal into the file, and the -wal and
	 * -shm gone with its last connection, so that nothing of them is replayed onto the copy;
	 * then kept, by a second name for the same file. */
	if (access(db, F_OK) == 0) {
		rc = sqlite3_open_v2(db, &old, SQLITE_OPEN_READWRITE, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(old, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
		if (rc != SQLITE_OK || one_int(old, "PRAGMA wal_checkpoint(TRUNCATE)") != 0) {
			rc = failf(err, errlen, HQ_EBUSY, "cannot checkpoint %s (%s): stop hallqd first",
				   db, old ? sqlite3_errmsg(old) : "out of memory");
			goto fail;
		}
		sqlite3_close(old);
		old = NULL;
		snprintf(wal, sizeof wal, "%s-wal", db);
		if (stat(wal, &st) == 0 && st.st_size > 0) {
			rc = failf(err, errlen, HQ_EBUSY, "%s still has a write-ahead log: stop hallqd "
				   "first", db);
			goto fail;
		}
		unlink(before);
		if (link(db, before) != 0) {
			rc = failf(err, errlen, HQ_EIO, "cannot keep the old database as %s: %s",
				   before, strerror(errno));
			goto fail;
		}
		remove_sidecars(db);
	}
	if (rename(tmp, db) != 0 || fsync_dir(db) != 0) {
		rc = failf(err, errlen, HQ_EIO, "cannot put the copy at %s: %s", db, strerror(errno));
		goto fail;
	}
	return HQ_OK;
fail:
	sqlite3_close(old);
	sqlite3_close(dst);
	sqlite3_close(src);
	remove_sidecars(tmp);
	unlink(tmp);
	return rc;
}
