/* The hall's vocabulary (hq_hall.h): names of its enums, of a review's levels and reasons,
 * the statistics' field table, and an estimate's range in minutes. */
#include <stdio.h>
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

/* Levels 1..5 at [level - 1]. */
static const char *const level_names[] = {"非常不满意", "不满意", "基本满意", "满意", "非常满意"};
static const char *const level_keys[] = {"very-dissatisfied", "dissatisfied", "fair", "satisfied",
					 "very-satisfied"};

const char *hq_level_name(int level) { return NAME_OF(level_names, level - 1); }
const char *hq_level_key(int level) { return NAME_OF(level_keys, level - 1); }

int hq_level_parse(const char *s)
{
	int i;

	if (s && s[0] >= '0' + HQ_LEVEL_MIN && s[0] <= '0' + HQ_LEVEL_MAX && !s[1])
		return s[0] - '0';
	i = parse_name(level_keys, COUNT(level_keys), s);
	return i < 0 ? -1 : i + 1;
}

/* Reasons by bit number: HQ_REASON_EFFICIENCY is bit 0. */
static const char *const reason_keys[] = {"efficiency", "skill", "attitude", "other"};
static const char *const reason_names[] = {"服务效率", "服务水平", "服务态度", "其他"};

static int reason_index(unsigned bit)
{
	for (int i = 0; i < (int)COUNT(reason_keys); i++)
		if (bit == 1u << i)
			return i;
	return -1;
}

const char *hq_reason_key(unsigned bit)
{
	int i = reason_index(bit);

	return i < 0 ? NULL : reason_keys[i];
}

const char *hq_reason_name(unsigned bit)
{
	int i = reason_index(bit);

	return i < 0 ? NULL : reason_names[i];
}

unsigned hq_reason_parse(const char *key)
{
	int i = parse_name(reason_keys, COUNT(reason_keys), key);

	return i < 0 ? 0 : 1u << i;
}

long hq_reasons_parse(const char *list)
{
	unsigned bits = 0;
	char key[16];

	if (!list || !*list)
		return -1;
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		unsigned bit;

		if (n == 0 || n >= sizeof key)
			return -1;
		memcpy(key, p, n);
		key[n] = '\0';
		if (!(bit = hq_reason_parse(key)))
			return -1;
		bits |= bit;
		if (!p[n])
			return (long)bits;
		p += n + 1;
	}
}

void hq_reasons_format(unsigned reasons, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (int i = 0; i < (int)COUNT(reason_keys) && n < len; i++)
		if (reasons & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", reason_keys[i]);
}

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

bool hq_est_range_minutes(const int range_s[2], int min[2])
{
	int lo = range_s[0], hi = range_s[1];

	min[0] = min[1] = 0;
	if (lo < 0 || hi < lo || hi >= 100 * 3600)
		return false;
	/* The contract of issue 18: floor(low / 60), max(ceil(high / 60), that + 1), so a range
	 * never reads "约 20–20 分钟"; one that ends within the first minute is "under a minute". */
	min[0] = lo / 60;
	min[1] = (hi + 59) / 60;
	if (min[1] < min[0] + 1)
		min[1] = min[0] + 1;
	return true;
}
