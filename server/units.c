/*
 * Counter units' health, as the counter-bus gateways (hallq-counter) report it: per gateway
 * its buses, and per bus its units with their poll, timeout and error counts. A gateway
 * PUTs its whole picture every few seconds and each report replaces its last one. This is
 * health, not the hall's state: it lives in memory only, never in the queue database, and
 * a restart forgets it until the next reports. It is served at /api/v1/units and in
 * /metrics, where a gateway silent for longer than the stale threshold shows as down along
 * with its buses and units. The store (health.c) keeps each gateway's report under its
 * name; this file knows what a report holds, and turns it into the device facts that
 * electronic supervision judges (alerts.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define GATEWAYS_MAX 16
#define BUSES_MAX 16
#define BUS_NAME_MAX 64
#define TYPE_MAX 16
#define UNITS_MAX 256
#define CYCLE_MS_MAX 3600000.0

/* The counts a unit report carries, each an optional whole number from 0 (the default). The
 * table names the report's key and the metric it becomes. */
static const struct {
	const char *key, *metric, *type, *help;
} counts[] = {
	{"polls", "hallq_unit_polls_total", "counter", "Polls the gateway sent to the unit."},
	{"timeouts", "hallq_unit_timeouts_total", "counter", "Polls the unit did not answer in time."},
	{"crc_errors", "hallq_unit_crc_errors_total", "counter",
	 "Replies from the unit the gateway dropped for a bad checksum."},
	{"exceptions", "hallq_unit_exceptions_total", "counter",
	 "Requests the unit refused (Modbus exception replies)."},
	{"events", "hallq_unit_events_total", "counter", "Key events the gateway read from the unit."},
	{"unit_crc_errors", "hallq_unit_reported_crc_errors", "gauge",
	 "Bad frames the unit itself counted, as it last reported (restarts at 0 with the unit)."},
};
#define NCOUNTS ((int)(sizeof counts / sizeof counts[0]))

struct unit {
	int counter;
	int address;
	bool online;
	long long n[NCOUNTS];
};

struct bus {
	char name[BUS_NAME_MAX + 1];
	char type[TYPE_MAX + 1];
	bool up;
	long long reopens;
	double cycle_ms;
	struct unit *units;
	size_t nunits;
};

/* A gateway's report, the store's data. */
struct report {
	struct bus *buses;
	size_t nbuses;
};

static void drop_report(void *data)
{
	struct report *rp = data;
	size_t i;

	if (!rp)
		return;
	for (i = 0; rp->buses && i < rp->nbuses; i++)
		free(rp->buses[i].units);
	free(rp->buses);
	free(rp);
}

struct hqd_health *hqd_units_new(int64_t stale_ms)
{
	return hqd_health_new(GATEWAYS_MAX, stale_ms, drop_report);
}

/* Bus names and types are the gateway's own words ("line1", "/dev/ttyUSB0"): any text of
 * min to max bytes without control characters. */
static bool copy_text(struct hqd_req *r, const char *where, const char *key, const char *s,
		      size_t min, size_t max, char *dst)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f; i++)
		;
	if (n < min || n > max || i < n) {
		hqd_error(r, 400, "inval", "\"%s.%s\" must be %zu to %zu bytes without control characters",
			  where, key, min, max);
		return false;
	}
	memcpy(dst, s, n + 1);
	return true;
}

static bool parse_unit(struct hqd_req *r, const json_t *o, const char *where, struct unit *u)
{
	long long v;
	bool given;
	int i;

	if (!json_is_object(o)) {
		hqd_error(r, 400, "badjson", "\"%s\" must be an object", where);
		return false;
	}
	if (!hqd_field_int(r, o, where, "counter", true, 1, 9999, &v, &given))
		return false;
	u->counter = (int)v;
	if (!hqd_field_int(r, o, where, "address", true, 0, 65535, &v, &given))
		return false;
	u->address = (int)v;
	if (!hqd_field_bool(r, o, where, "online", true, &u->online))
		return false;
	for (i = 0; i < NCOUNTS; i++)
		if (!hqd_field_int(r, o, where, counts[i].key, false, 0, HQD_COUNT_MAX, &u->n[i], &given))
			return false;
	return true;
}

static bool parse_bus(struct hqd_req *r, const json_t *o, const char *where, struct bus *b)
{
	char uwhere[64];
	const char *s;
	json_t *units;
	bool given;
	size_t i, j;

	if (!json_is_object(o)) {
		hqd_error(r, 400, "badjson", "\"%s\" must be an object", where);
		return false;
	}
	if (!hqd_field_string(r, o, where, "bus", true, &s) ||
	    !copy_text(r, where, "bus", s, 1, BUS_NAME_MAX, b->name) ||
	    !hqd_field_string(r, o, where, "type", false, &s) ||
	    (s && !copy_text(r, where, "type", s, 0, TYPE_MAX, b->type)) ||
	    !hqd_field_bool(r, o, where, "up", true, &b->up) ||
	    !hqd_field_int(r, o, where, "reopens", false, 0, HQD_COUNT_MAX, &b->reopens, &given) ||
	    !hqd_field_number(r, o, where, "cycle_ms", false, 0, CYCLE_MS_MAX, &b->cycle_ms) ||
	    !hqd_field_array(r, o, where, "units", UNITS_MAX, &units))
		return false;
	b->nunits = json_array_size(units);
	if (b->nunits && !(b->units = calloc(b->nunits, sizeof *b->units))) {
		hqd_error(r, 500, "nomem", "out of memory");
		return false;
	}
	for (i = 0; i < b->nunits; i++) {
		snprintf(uwhere, sizeof uwhere, "%s.units[%zu]", where, i);
		if (!parse_unit(r, json_array_get(units, i), uwhere, &b->units[i]))
			return false;
		/* An address names one unit on a bus; two would be two series of one name. */
		for (j = 0; j < i; j++)
			if (b->units[j].address == b->units[i].address) {
				hqd_error(r, 400, "inval", "%s: address %d is on bus '%s' twice", uwhere,
					  b->units[i].address, b->name);
				return false;
			}
	}
	return true;
}

void hqd_units_put(struct hq_queue *q, struct hqd_req *r)
{
	struct hqd_health_entry was;
	struct report *rp;
	char where[32];
	json_t *arr;
	size_t i, j;

	(void)q;
	if (!hqd_health_name_ok(r->args[0])) {
		hqd_error(r, 400, "inval", "a gateway's name is 1 to %d of A-Z a-z 0-9 _ . -, not '%s'",
			  HQD_HEALTH_NAME_MAX, r->args[0]);
		return;
	}
	if (!hqd_field_array(r, r->body, "", "buses", BUSES_MAX, &arr))
		return;
	rp = calloc(1, sizeof *rp);
	if (rp && (rp->nbuses = json_array_size(arr)))
		rp->buses = calloc(rp->nbuses, sizeof *rp->buses);
	if (!rp || (rp->nbuses && !rp->buses)) {
		hqd_error(r, 500, "nomem", "out of memory");
		goto fail;
	}
	for (i = 0; i < rp->nbuses; i++) {
		snprintf(where, sizeof where, "buses[%zu]", i);
		if (!parse_bus(r, json_array_get(arr, i), where, &rp->buses[i]))
			goto fail;
		for (j = 0; j < i; j++)
			if (!strcmp(rp->buses[j].name, rp->buses[i].name)) {
				hqd_error(r, 400, "inval", "%s: bus '%s' is reported twice", where, rp->buses[i].name);
				goto fail;
			}
	}
	if (!hqd_health_put(r->srv->units, r->args[0], rp, &was)) {
		hqd_error(r, 409, "toomany", "hallqd keeps the reports of at most %d gateways; "
			  "DELETE /api/v1/units/NAME of one that is gone", GATEWAYS_MAX);
		goto fail;
	}
	drop_report(was.data);
	r->status = 204;
	return;
fail:
	drop_report(rp);
}

void hqd_units_delete(struct hq_queue *q, struct hqd_req *r)
{
	(void)q;
	if (hqd_health_delete(r->srv->units, r->args[0]))
		r->status = 204;
	else
		hqd_error(r, 404, "nogateway", "no gateway '%s' has reported here", r->args[0]);
}

static json_t *bus_json(const struct bus *b)
{
	json_t *units = json_array();
	size_t i;
	int k;

	for (i = 0; i < b->nunits; i++) {
		const struct unit *u = &b->units[i];
		json_t *o = json_pack("{s:i, s:i, s:b}", "counter", u->counter, "address", u->address,
				      "online", u->online);

		for (k = 0; k < NCOUNTS; k++)
			json_object_set_new(o, counts[k].key, json_integer(u->n[k]));
		json_array_append_new(units, o);
	}
	return json_pack("{s:s, s:s, s:b, s:I, s:f, s:o}", "bus", b->name, "type", b->type, "up", b->up,
			 "reopens", (json_int_t)b->reopens, "cycle_ms", b->cycle_ms, "units", units);
}

static void list_gateways(const struct hqd_health_entry *e, size_t n, void *arg)
{
	json_t *gws = arg;
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct report *rp = e[i].data;
		json_t *buses = json_array();

		for (j = 0; j < rp->nbuses; j++)
			json_array_append_new(buses, bus_json(&rp->buses[j]));
		json_array_append_new(gws, json_pack("{s:s, s:I, s:b, s:o}", "gateway", e[i].name,
						     "age_s", (json_int_t)(e[i].age_ms / 1000),
						     "stale", e[i].stale, "buses", buses));
	}
}

void hqd_units_get(struct hq_queue *q, struct hqd_req *r)
{
	json_t *v, *gws = json_array();

	(void)q;
	hqd_health_walk(r->srv->units, list_gateways, gws);
	/* 15 digits: a reported 452.1 comes back as 452.1, not 452.10000000000002. */
	v = json_pack("{s:o}", "gateways", gws);
	free(r->resp);
	r->status = 200;
	r->resp = v ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	r->ctype = "application/json";
	json_decref(v);
}

/* Metrics ------------------------------------------------------------------------------ */

/* A label value in the text format: backslash, double quote and line feed escaped. */
static void put_label(FILE *f, const char *name, const char *v)
{
	fprintf(f, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

enum level { PER_GATEWAY, PER_BUS, PER_UNIT };
enum value { V_GATEWAY_UP, V_BUS_UP, V_CYCLE, V_REOPENS, V_ONLINE, V_COUNT };

/* One metric family: its HELP and TYPE, then a sample per gateway, bus or unit. What a
 * stale gateway last said of its links is no longer true, so it shows as down. */
static void family(FILE *f, const struct hqd_health_entry *e, size_t n, const char *name,
		   const char *type, const char *help, enum level lv, int which)
{
	size_t i, j, k;

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (i = 0; i < n; i++) {
		const struct report *rp = e[i].data;
		bool fresh = !e[i].stale;

		if (lv == PER_GATEWAY) {
			fprintf(f, "%s{", name);
			put_label(f, "gateway", e[i].name);
			fprintf(f, "} %d\n", fresh);
			continue;
		}
		for (j = 0; j < rp->nbuses; j++) {
			const struct bus *b = &rp->buses[j];

			for (k = 0; k < (lv == PER_UNIT ? b->nunits : 1); k++) {
				const struct unit *u = lv == PER_UNIT ? &b->units[k] : NULL;

				fprintf(f, "%s{", name);
				put_label(f, "gateway", e[i].name);
				fputc(',', f);
				put_label(f, "bus", b->name);
				if (u)
					fprintf(f, ",counter=\"%d\",address=\"%d\"", u->counter, u->address);
				if (which == V_BUS_UP)
					fprintf(f, "} %d\n", fresh && b->up);
				else if (which == V_CYCLE)
					fprintf(f, "} %g\n", b->cycle_ms / 1000.0);
				else if (which == V_REOPENS)
					fprintf(f, "} %lld\n", b->reopens);
				else if (which == V_ONLINE)
					fprintf(f, "} %d\n", fresh && u->online);
				else
					fprintf(f, "} %lld\n", u->n[which - V_COUNT]);
			}
		}
	}
}

static void write_families(const struct hqd_health_entry *e, size_t n, void *arg)
{
	FILE *f = arg;
	int k;

	family(f, e, n, "hallq_gateway_up", "gauge", "1 while the counter-bus gateway reports, 0 "
	       "when its last report is stale.", PER_GATEWAY, V_GATEWAY_UP);
	family(f, e, n, "hallq_bus_up", "gauge", "1 when the gateway has the bus open (0 when the "
	       "gateway is stale).", PER_BUS, V_BUS_UP);
	family(f, e, n, "hallq_bus_cycle_seconds", "gauge", "Time of one polling round over the "
	       "bus's units.", PER_BUS, V_CYCLE);
	family(f, e, n, "hallq_bus_reopens_total", "counter", "Times the gateway reopened the bus.",
	       PER_BUS, V_REOPENS);
	family(f, e, n, "hallq_unit_online", "gauge", "1 when the unit answers its polls (0 when the "
	       "gateway is stale).", PER_UNIT, V_ONLINE);
	for (k = 0; k < NCOUNTS; k++)
		family(f, e, n, counts[k].metric, counts[k].type, counts[k].help, PER_UNIT, V_COUNT + k);
}

void hqd_units_metrics(struct hqd_health *units, FILE *f)
{
	hqd_health_walk(units, write_families, f);
}

/* Device facts ------------------------------------------------------------------------- */

struct facts {
	struct hq_device_fact **v;
	size_t *n, *cap;
	bool ok;
};

static void add_facts(const struct hqd_health_entry *e, size_t n, void *arg)
{
	struct facts *fs = arg;
	size_t i, j, k;

	for (i = 0; i < n && fs->ok; i++) {
		const struct report *rp = e[i].data;
		struct hq_device_fact f = {.kind = HQ_DEV_GATEWAY, .up = !e[i].stale};

		snprintf(f.name, sizeof f.name, "%s", e[i].name);
		if (e[i].stale)
			snprintf(f.detail, sizeof f.detail, "no report for %lld s", (long long)(e[i].age_ms / 1000));
		fs->ok = hqd_device_fact_add(fs->v, fs->n, fs->cap, &f);
		/* A stale gateway's units are as it last saw them: its silence is its own alert. */
		for (j = 0; j < rp->nbuses && fs->ok; j++)
			for (k = 0; k < rp->buses[j].nunits && fs->ok; k++) {
				const struct unit *u = &rp->buses[j].units[k];
				struct hq_device_fact uf = {.kind = HQ_DEV_UNIT, .counter = u->counter, .up = u->online};

				if (!u->online)
					snprintf(uf.detail, sizeof uf.detail, "offline on bus %.40s of %s",
						 rp->buses[j].name, e[i].name);
				fs->ok = hqd_device_fact_add(fs->v, fs->n, fs->cap, &uf);
			}
	}
}

bool hqd_units_facts(struct hqd_health *units, struct hq_device_fact **facts, size_t *n, size_t *cap)
{
	struct facts fs = {facts, n, cap, true};

	hqd_health_walk(units, add_facts, &fs);
	return fs.ok;
}
