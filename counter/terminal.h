/*
 * The terminal counter: the keys of a counter unit for a clerk without the hardware, in a
 * terminal (single keys on a tty, one command a line otherwise, which is also how tests and
 * scripts drive it). Same key table and same hallqd operations as the bus gateway.
 */
#ifndef HQ_TERMINAL_H
#define HQ_TERMINAL_H

#include "link.h"

/* Runs until "q", the end of input, SIGINT or SIGTERM. Returns the exit status. */
int hq_terminal_run(struct hq_link *l, const char *url, const char *token, int counter);

#endif
