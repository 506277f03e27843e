/*
 * The monthly window appraisal (月考核, 红旗窗口) and the clerks' roster it ranks. Part of
 * the queue library's API (hq_queue.h includes it); docs/queue.md states the rules.
 */
#ifndef HQ_APPRAISAL_H
#define HQ_APPRAISAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"
#include "hq_hall.h"

struct hq_queue;

#endif
