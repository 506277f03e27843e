/*
 * The durable cursor: the last event id the central database confirmed, one decimal number
 * and a newline in a small file. It is written only after the batch's COMMIT came back, so
 * it is never ahead of the centre; a crash between the two leaves it behind, and the batch
 * is sent again, which ON CONFLICT DO NOTHING makes harmless. The file is replaced whole:
 * written beside it, fsynced, renamed over it, and the folder fsynced so that the rename
 * itself survives a power cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hq_error.h"
#include "hq_sync.h"

int hq_sync_cursor_load(const char *path, int64_t *cursor, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	long long n;
	char extra;

	*cursor = 0;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return HQ_EIO;
	}
	if (fscanf(f, "%lld %c", &n, &extra) != 1 || n < 0) {
		fclose(f);
		snprintf(err, errlen, "%s: not a cursor (one event id); remove it to ask the "
			 "centre where to resume", path);
		return HQ_EIO;
	}
	fclose(f);
	*cursor = n;
	return 0;
}

int hq_sync_cursor_save(const char *path, int64_t cursor, char *err, size_t errlen)
{
	char tmp[4096], dir[4096], line[32];
	int fd, len, rc = HQ_EIO;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return HQ_EINVAL;
	}
	len = snprintf(line, sizeof line, "%" PRId64 "\n", cursor);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return HQ_EIO;
	}
	if (write(fd, line, (size_t)len) != len || fsync(fd)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	snprintf(dir, sizeof dir, "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
fail:
	unlink(tmp);
	return rc;
}
