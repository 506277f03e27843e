/*
 * The one log of every hallq program: a line each to stderr, "2026-11-23T10:02:11.123
 * hallqd info: message", with the local time, the program and the level, written whole so
 * that lines from several threads never interleave. Libraries do not log; programs do,
 * once, where they decide what to do about an error.
 *
 * Under systemd, when stderr is the journal's stream (JOURNAL_STREAM names it), each line
 * is "<6>message" instead: no time or program of our own, which the journal records, and
 * sd-daemon(3)'s priority prefix so that the journal keeps the level (<7> debug, <6> info,
 * <4> warn, <3> error; journalctl -p warning shows the warnings and errors).
 */
#ifndef HQ_LOG_H
#define HQ_LOG_H

#include <stdarg.h>

enum { HQ_LOG_DEBUG, HQ_LOG_INFO, HQ_LOG_WARN, HQ_LOG_ERROR };

extern int hq_log_level; /* lines below it are dropped before formatting */

/* The program's name in each line ("hallq" until set); the string must outlive the log. */
void hq_log_init(const char *program);
void hq_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hq_vlog(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
