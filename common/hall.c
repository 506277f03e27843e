/* The hall's vocabulary (hq_hall.h): names of its enums and the statistics' field table. */
#include <stdlib.h>
#include <string.h>

#include "hq_hall.h"

static const char *const class_names[] = {"normal", "priority", "appointment"};
static const char *const tstate_names[] = {"waiting", "called", "serving", "parked",
					   "done", "noshow", "transferred", "cancelled"};
static const char *const cstate_names[] = {"open", "paused", "closed"};
static const char *const group_names[] = {"service", "counter", "clerk", "hour", "day", "week",
					  "month"};

#define COUNT(table) (sizeof table / sizeof table[0])
#define NAME_OF(table, i) ((unsigned)(i) < COUNT(table) ? table[i] : "unknown")

const char *hq_class_name(enum hq_class c) { return NAME_OF(class_names, c); }
const char *hq_tstate_name(enum hq_tstate s) { return NAME_OF(tstate_names, s); }
const char *hq_cstate_name(enum hq_cstate s) { return NAME_OF(cstate_names, s); }
const char *hq_group_name(enum hq_group g) { return NAME_OF(group_names, g); }

static int parse_name(const char *const *table, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(table[i], s) == 0)
			return (int)i;
	return -1;
}

int hq_class_parse(const char *s) { return parse_name(class_names, COUNT(class_names), s); }
int hq_group_parse(const char *s) { return parse_name(group_names, COUNT(group_names), s); }

const struct hq_stats_field hq_stats_fields[HQ_STATS_NFIELDS] = {
#define F(m, kind, head, base) {#m, head, HQ_SF_##kind, offsetof(struct hq_stats_row, m), \
				 base[0] ? base : NULL},
	HQ_STATS_FIELDS(F)
#undef F
};

const struct hq_stats_field *hq_stats_field(const char *name)
{
	for (size_t i = 0; name && i < HQ_STATS_NFIELDS; i++)
		if (strcmp(hq_stats_fields[i].name, name) == 0)
			return &hq_stats_fields[i];
	return NULL;
}

int hq_stats_int(const struct hq_stats_row *r, const struct hq_stats_field *f)
{
	const char *p = (const char *)r + f->off;

	return f->kind == HQ_SF_INT ? *(const int *)p : (int)*(const double *)p;
}

double hq_stats_value(const struct hq_stats_row *r, const struct hq_stats_field *f)
{
	const char *p = (const char *)r + f->off;

	return f->kind == HQ_SF_INT ? *(const int *)p : *(const double *)p;
}

bool hq_stats_empty(const struct hq_stats_row *r, const struct hq_stats_field *f)
{
	const struct hq_stats_field *b = f->base ? hq_stats_field(f->base) : NULL;

	return b && hq_stats_int(r, b) == 0;
}

void hq_stats_free(struct hq_stats *st)
{
	if (!st)
		return;
	free(st->rows);
	st->rows = NULL;
	st->nrows = 0;
}
