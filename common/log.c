/* The log (hq_log.h). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "hq_log.h"

int hq_log_level = HQ_LOG_INFO;
static const char *program = "hallq";

void hq_log_init(const char *name)
{
	if (name)
		program = name;
}

void hq_vlog(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char line[1024];
	struct timespec ts;
	struct tm tm;
	int n;

	if (level < hq_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof line - (size_t)n, ".%03ld %s %s: ", ts.tv_nsec / 1000000,
		      program, names[level < 0 ? 0 : level > 3 ? 3 : level]);
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
