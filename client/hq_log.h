/*
 * The log of hallqd's clients (gateway, display, kiosk): one line each to stderr, with the
 * local time and the level, written whole so lines from several threads never interleave.
 */
#ifndef HQ_CLOG_H
#define HQ_CLOG_H

enum { HQ_LOG_DEBUG, HQ_LOG_INFO, HQ_LOG_WARN, HQ_LOG_ERROR };

extern int hq_log_level; /* lines below it are dropped before formatting */

void hq_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
