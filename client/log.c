/*
 * The clients' log (hq_log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "hq_log.h"

int hq_log_level = HQ_LOG_INFO;

void hq_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char line[1024];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n;

	if (level < hq_log_level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = (int)strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
	n += snprintf(line + n, sizeof line - (size_t)n, ".%03ld %s: ", (long)tv.tv_usec / 1000,
		      names[level < 0 ? 0 : level > 3 ? 3 : level]);
	va_start(ap, fmt);
	n += vsnprintf(line + n, n < (int)sizeof line ? sizeof line - (size_t)n : 0, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* One write per line: atomic for a pipe or file opened for append. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
