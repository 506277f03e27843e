/*
 * What of an event leaves the hall. The centre gets the event's id, time, type, ticket,
 * label, service, counter and value, which are the hall's own bookkeeping. It also gets the
 * detail where the detail is a word of the hall's vocabulary or a staff id (docs/queue.md,
 * Events), never text a citizen gave. Names and phones of appointments and review comments
 * are not in events at all (the retention rules erase them from the hall's tables; the
 * events never had them), and the table below keeps it so: a type whose detail could carry
 * free text keeps only the values the hall itself writes, and a type this table does not
 * know loses its detail, since a new event's detail is not known to be harmless.
 */
#include <string.h>

#include "hq_log.h"
#include "hq_sync.h"

enum keep {
	KEEP,      /* the detail is a class, a clerk or staff id, a service key, a channel, a
		    * date, a rule or a reason for a counter's pause chosen by its clerk */
	DROP,      /* nothing in it is needed centrally, or it could be personal */
	CANCEL,    /* a cancelled ticket's reason: the hall's own words, or "other" */
	SLOT,      /* a time in unix ms, digits only, or nothing */
};

static const struct {
	const char *type;
	enum keep keep;
} rules[] = {
	{"issued", KEEP},           /* class */
	{"called", KEEP}, {"recalled", KEEP}, {"started", KEEP}, /* clerk id */
	{"finished", KEEP}, {"noshow", KEEP}, {"parked", KEEP},
	{"transferred", KEEP},      /* target service key */
	{"requeued", KEEP},         /* transfer or unpark */
	{"cancelled", CANCEL},      /* POST .../cancel takes any text: a citizen's words maybe */
	{"reviewed", KEEP}, {"review_changed", KEEP}, /* channel; the comment is not in events */
	{"case_opened", KEEP},      /* rectify due date */
	{"case_step", KEEP},        /* who: a staff id */
	{"counter_opened", KEEP}, {"counter_paused", KEEP}, {"counter_resumed", KEEP},
	{"counter_closed", KEEP},   /* the clerk's reason, needed for the pause rules */
	{"signed_in", KEEP}, {"signed_out", KEEP}, /* clerk id */
	{"booked", SLOT},           /* the slot's unix ms; the appointment id in value */
	{"checked_in", DROP},       /* appointment id in value; no name, no phone */
	{"day_closed", KEEP},       /* the day */
	{"config_applied", KEEP},   /* the hall's name */
	{"alert_raised", KEEP}, {"alert_cleared", KEEP}, {"alert_acked", KEEP}, /* RULE:SUBJECT */
};

/* The reasons hallqd itself gives a cancelled ticket (queue/queue.c, queue/day.c). */
static const char *const own_reasons[] = {"cancelled", "day closed", "hall closed"};

static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

bool hq_sync_event_parse(const json_t *data, int64_t id, const char *type, struct hq_sync_event *ev)
{
	const char *detail = json_string_value(json_object_get(data, "detail"));
	enum keep keep = DROP;
	size_t i;

	if (!json_is_object(data) || !json_is_integer(json_object_get(data, "at_ms")))
		return false;
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->at_ms = json_integer_value(json_object_get(data, "at_ms"));
	ev->ticket_id = json_integer_value(json_object_get(data, "ticket_id"));
	ev->value = json_integer_value(json_object_get(data, "value"));
	ev->counter = (int)json_integer_value(json_object_get(data, "counter"));
	copy(ev->type, sizeof ev->type, type);
	copy(ev->label, sizeof ev->label, json_string_value(json_object_get(data, "label")));
	copy(ev->service, sizeof ev->service, json_string_value(json_object_get(data, "service")));
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strcmp(rules[i].type, type)) {
			keep = rules[i].keep;
			break;
		}
	if (i == sizeof rules / sizeof rules[0] && detail && *detail)
		hq_log(HQ_LOG_DEBUG, "event %lld: type %s is not known here; its detail stays in the hall",
		       (long long)id, type);
	if (keep == KEEP) {
		copy(ev->detail, sizeof ev->detail, detail);
	} else if (keep == SLOT && detail) {
		/* Digits only: a time, never a name or a phone that a changed hallqd put there. */
		size_t n = strspn(detail, "0123456789");

		if (n > 0 && n <= 18 && detail[n] == '\0')
			copy(ev->detail, sizeof ev->detail, detail);
	} else if (keep == CANCEL && detail) {
		copy(ev->detail, sizeof ev->detail, "other");
		for (i = 0; i < sizeof own_reasons / sizeof own_reasons[0]; i++)
			if (!strcmp(detail, own_reasons[i]))
				copy(ev->detail, sizeof ev->detail, detail);
	}
	return true;
}
