/*
 * 电子监察, electronic supervision: the alerts the rules of the hall config raise and clear. Part of
 * the queue library's API (hq_queue.h includes it); docs/queue.md states the rules.
 */
#ifndef HQ_ALERT_H
#define HQ_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"
#include "hq_hall.h"

struct hq_queue;

#endif
