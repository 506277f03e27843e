/* The log (hq_log.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hq_log.h"

int hq_log_level = HQ_LOG_INFO;
static const char *program = "hallq";
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
static int journal; /* stderr is the journal's stream: no time, a priority prefix instead */

void hq_log_init(const char *name)
{
	if (name)
		program = name;
}

/*
 * systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects a service's
 * stderr to (systemd.exec(5), "Environment variables in spawned processes"). Comparing it
 * with stderr itself, rather than only looking for the variable, keeps the ordinary format
 * for a program started from a service whose stderr was redirected to a file, as the tests
 * do when they run under a CI service.
 */
static void journal_detect(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (js && sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		journal = 1;
}

void hq_vlog(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	/* sd-daemon(3)'s prefixes, which journald turns into the line's priority: LOG_DEBUG,
	 * LOG_INFO, LOG_WARNING, LOG_ERR. */
	static const char *const prefixes[] = { "<7>", "<6>", "<4>", "<3>" };
	char line[1024];
	struct timespec ts;
	struct tm tm;
	int n, lv = level < 0 ? 0 : level > 3 ? 3 : level;

	if (level < hq_log_level)
		return;
	pthread_once(&journal_once, journal_detect);
	if (journal) {
		/* The journal stamps each line and names the program itself. */
		n = snprintf(line, sizeof line, "%s", prefixes[lv]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof line - (size_t)n, ".%03ld %s %s: ", ts.tv_nsec / 1000000,
			      program, names[lv]);
	}
	if (n < (int)sizeof line)
		n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* One write per line: atomic for a pipe or file opened for append. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void hq_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hq_vlog(level, fmt, ap);
	va_end(ap);
}
