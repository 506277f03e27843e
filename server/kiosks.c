/*
 * Ticket kiosks' health, as the kiosks (kiosk/) report it: the state of each kiosk's
 * printer and how many tickets it issued, printed and still owes on paper. A kiosk PUTs its
 * report every few seconds and whenever its printer changes; each report replaces its last
 * one. Like the counter units' health (units.c) this lives in memory only, never in the
 * queue database, and a restart forgets it until the next reports. It is served at
 * /api/v1/kiosks and in /metrics, where a kiosk silent for longer than the stale threshold
 * shows as down. A change of a kiosk's printer state is written to hallqd's log, where the
 * hall manager looks when citizens say the kiosk gave them no paper. The store (health.c)
 * keeps each kiosk's report under its name; this file knows what a report holds, and
 * turns it into the device facts that electronic supervision judges (alerts.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define KIOSKS_MAX 32
#define DETAIL_MAX 200

/* The printer states a kiosk reports, in the order of the metric's samples. */
static const char *const states[] = {
	"ok",          /* ready */
	"near_end",    /* ready, the roll is running out */
	"paper_out",
	"cover_open",
	"error",       /* cutter jam, head too hot, ...: the detail says which */
	"offline",     /* the printer does not answer */
	"none",        /* the kiosk has no printer: tickets on screen only */
};
#define NSTATES ((int)(sizeof states / sizeof states[0]))
#define READY(s) ((s) == 0 || (s) == 1)

/* A kiosk's report, the store's data. */
struct kiosk {
	int printer;                 /* index into states[] */
	char detail[DETAIL_MAX + 1];
	long long unprinted, issued, printed;
	bool server_ok;
};

struct hqd_health *hqd_kiosks_new(int64_t stale_ms)
{
	return hqd_health_new(KIOSKS_MAX, stale_ms, free);
}

static bool parse_report(struct hqd_req *r, struct kiosk *k)
{
	const char *s;
	bool given;
	size_t n, i;

	if (!hqd_field_string(r, r->body, "", "printer", true, &s))
		return false;
	for (k->printer = 0; k->printer < NSTATES && strcmp(s, states[k->printer]); k->printer++)
		;
	if (k->printer == NSTATES) {
		hqd_error(r, 400, "inval", "\"printer\" is one of ok, near_end, paper_out, cover_open, "
			  "error, offline or none, not '%.40s'", s);
		return false;
	}
	if (!hqd_field_string(r, r->body, "", "detail", false, &s))
		return false;
	if (s) {
		/* The detail goes into the log line as it is: no control characters. */
		for (n = strlen(s), i = 0; i < n && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f; i++)
			;
		if (n > DETAIL_MAX || i < n) {
			hqd_error(r, 400, "inval", "\"detail\" must be at most %d bytes without control "
				  "characters", DETAIL_MAX);
			return false;
		}
		memcpy(k->detail, s, n + 1);
	}
	k->server_ok = true;
	return hqd_field_int(r, r->body, "", "unprinted", true, 0, HQD_COUNT_MAX, &k->unprinted, &given) &&
	       hqd_field_int(r, r->body, "", "issued", true, 0, HQD_COUNT_MAX, &k->issued, &given) &&
	       hqd_field_int(r, r->body, "", "printed", true, 0, HQD_COUNT_MAX, &k->printed, &given) &&
	       hqd_field_bool(r, r->body, "", "server_ok", false, &k->server_ok);
}

/* "kiosk hall-1: printer paper_out (paper out) — 1 ticket unprinted" */
static void log_printer(const char *name, const struct kiosk *k, const char *why)
{
	char tail[64] = "";

	if (k->unprinted > 0)
		snprintf(tail, sizeof tail, " — %lld ticket%s unprinted", k->unprinted,
			 k->unprinted == 1 ? "" : "s");
	hq_log(HQ_LOG_INFO, "kiosk %s: %sprinter %s%s%s%s%s", name, why, states[k->printer],
		k->detail[0] ? " (" : "", k->detail, k->detail[0] ? ")" : "", tail);
}

void hqd_kiosks_put(struct hq_queue *q, struct hqd_req *r)
{
	struct hqd_health_entry was;
	struct kiosk k = {0}, *kept;
	const struct kiosk *old;
	char why[64] = "";
	bool changed;

	(void)q;
	if (!hqd_health_name_ok(r->args[0])) {
		hqd_error(r, 400, "inval", "a kiosk's name is 1 to %d of A-Z a-z 0-9 _ . -, not '%s'",
			  HQD_HEALTH_NAME_MAX, r->args[0]);
		return;
	}
	if (!parse_report(r, &k))
		return;
	/* The store's copy may be replaced by the kiosk's next report as soon as it is in:
	 * the log line below is written from k. */
	if (!(kept = malloc(sizeof *kept))) {
		hqd_error(r, 500, "nomem", "out of memory");
		return;
	}
	*kept = k;
	if (!hqd_health_put(r->srv->kiosks, r->args[0], kept, &was)) {
		free(kept);
		hqd_error(r, 409, "toomany", "hallqd keeps the reports of at most %d kiosks; "
			  "DELETE /api/v1/kiosks/NAME of one that is gone", KIOSKS_MAX);
		return;
	}
	old = was.data;
	changed = !old || old->printer != k.printer;
	/* A kiosk back from silence is news even when its printer is as it was. */
	if (old && was.stale) {
		snprintf(why, sizeof why, "reporting again after %lld s; ", (long long)(was.age_ms / 1000));
		changed = true;
	}
	free(was.data);
	if (changed)
		log_printer(r->args[0], &k, why);
	r->status = 204;
}

void hqd_kiosks_delete(struct hq_queue *q, struct hqd_req *r)
{
	(void)q;
	if (hqd_health_delete(r->srv->kiosks, r->args[0])) {
		hq_log(HQ_LOG_INFO, "kiosk %s: forgotten", r->args[0]);
		r->status = 204;
	} else {
		hqd_error(r, 404, "nokiosk", "no kiosk '%s' has reported here", r->args[0]);
	}
}

static void list_kiosks(const struct hqd_health_entry *e, size_t n, void *arg)
{
	json_t *list = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct kiosk *k = e[i].data;

		json_array_append_new(list, json_pack(
			"{s:s, s:b, s:I, s:s, s:s, s:I, s:I, s:I, s:b}", "name", e[i].name,
			"up", !e[i].stale, "age_s", (json_int_t)(e[i].age_ms / 1000),
			"printer", states[k->printer], "detail", k->detail,
			"unprinted", (json_int_t)k->unprinted, "issued", (json_int_t)k->issued,
			"printed", (json_int_t)k->printed, "server_ok", k->server_ok));
	}
}

void hqd_kiosks_get(struct hq_queue *q, struct hqd_req *r)
{
	json_t *list = json_array();

	(void)q;
	hqd_health_walk(r->srv->kiosks, list_kiosks, list);
	hqd_json(r, 200, json_pack("{s:o}", "kiosks", list));
}

/* Metrics ------------------------------------------------------------------------------ */

enum value { V_UP, V_READY, V_STATE, V_UNPRINTED, V_ISSUED, V_PRINTED };

/* One metric family: its HELP and TYPE, then a sample per kiosk (per kiosk and printer
 * state for V_STATE, the enum pattern of the Prometheus text format). Names need no
 * escaping: hqd_health_name_ok() keeps them to letters, digits and _ . - */
static void family(FILE *f, const struct hqd_health_entry *e, size_t n, const char *name,
		   const char *type, const char *help, enum value v)
{
	size_t i;
	int s;

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (i = 0; i < n; i++) {
		const struct kiosk *k = e[i].data;
		const char *kn = e[i].name;
		bool up = !e[i].stale;

		switch (v) {
		case V_UP:
			fprintf(f, "%s{kiosk=\"%s\"} %d\n", name, kn, up);
			break;
		case V_READY:
			/* What a silent kiosk last said of its printer is no longer known. */
			fprintf(f, "%s{kiosk=\"%s\"} %d\n", name, kn, up && READY(k->printer));
			break;
		case V_STATE:
			for (s = 0; s < NSTATES; s++)
				fprintf(f, "%s{kiosk=\"%s\",state=\"%s\"} %d\n", name, kn, states[s],
					s == k->printer);
			break;
		case V_UNPRINTED:
			fprintf(f, "%s{kiosk=\"%s\"} %lld\n", name, kn, k->unprinted);
			break;
		case V_ISSUED:
			fprintf(f, "%s{kiosk=\"%s\"} %lld\n", name, kn, k->issued);
			break;
		case V_PRINTED:
			fprintf(f, "%s{kiosk=\"%s\"} %lld\n", name, kn, k->printed);
			break;
		}
	}
}

static void write_families(const struct hqd_health_entry *e, size_t n, void *arg)
{
	FILE *f = arg;

	family(f, e, n, "hallq_kiosk_up", "gauge", "1 while the kiosk reports, 0 when its last "
	       "report is stale.", V_UP);
	family(f, e, n, "hallq_kiosk_printer_ready", "gauge", "1 when the kiosk's printer can print "
	       "(ok or near_end); 0 otherwise and while the kiosk is stale.", V_READY);
	family(f, e, n, "hallq_kiosk_printer_state", "gauge", "The printer's state as the kiosk "
	       "last reported it: 1 for the current state, 0 for the others.", V_STATE);
	family(f, e, n, "hallq_kiosk_unprinted_tickets", "gauge", "Tickets the kiosk issued that "
	       "are not on paper yet.", V_UNPRINTED);
	family(f, e, n, "hallq_kiosk_tickets_issued_total", "counter", "Tickets the kiosk issued "
	       "since it started.", V_ISSUED);
	family(f, e, n, "hallq_kiosk_tickets_printed_total", "counter", "Tickets the kiosk printed "
	       "since it started.", V_PRINTED);
}

void hqd_kiosks_metrics(struct hqd_health *kiosks, FILE *f)
{
	hqd_health_walk(kiosks, write_families, f);
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
	size_t i;

	for (i = 0; i < n && fs->ok; i++) {
		const struct kiosk *k = e[i].data;
		struct hq_device_fact f = {.kind = HQ_DEV_KIOSK, .up = !e[i].stale};

		snprintf(f.name, sizeof f.name, "%s", e[i].name);
		if (e[i].stale)
			snprintf(f.detail, sizeof f.detail, "no report for %lld s", (long long)(e[i].age_ms / 1000));
		fs->ok = hqd_device_fact_add(fs->v, fs->n, fs->cap, &f);
		/* A kiosk without a printer has none to be down; a silent one's printer is as it
		 * last said. */
		if (!fs->ok || !strcmp(states[k->printer], "none"))
			continue;
		f.kind = HQ_DEV_PRINTER;
		f.up = READY(k->printer);
		f.detail[0] = '\0';
		if (!f.up)
			snprintf(f.detail, sizeof f.detail, "%s%s%.40s", states[k->printer],
				 k->detail[0] ? ", " : "", k->detail);
		fs->ok = hqd_device_fact_add(fs->v, fs->n, fs->cap, &f);
	}
}

bool hqd_kiosks_facts(struct hqd_health *kiosks, struct hq_device_fact **facts, size_t *n, size_t *cap)
{
	struct facts fs = {facts, n, cap, true};

	hqd_health_walk(kiosks, add_facts, &fs);
	return fs.ok;
}
