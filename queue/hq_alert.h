/*
 * 电子监察, electronic supervision: the alerts the rules of the hall config raise and clear. Part of
 * the queue library's API (hq_queue.h includes it); docs/queue.md states the rules.
 *
 * A rule ([alert NAME], struct hq_alert_rule) watches one kind of trouble in the hall and
 * names a subject for each case of it: "service:tax", "counter:3", "case:12", "kiosk:hall-1".
 * hq_queue_alerts_eval() looks at the hall as it is now, on the queue's clock, and for each
 * enabled rule and subject raises an alert once when the rule's condition holds, leaves it
 * open while it holds and clears it when it stops; the alerts table keeps at most one open
 * alert per rule and subject. Each raise, clear and acknowledgement is an event of the feed
 * (alert_raised, alert_cleared, alert_acked; value: the alert's id, detail "rule:subject"),
 * so displays and pages follow them live.
 *
 * Ownership: hq_queue_alerts() gives a malloc'd array, the caller's to free() (NULL when
 * empty). Everything else fills the caller's storage.
 */
#ifndef HQ_ALERT_H
#define HQ_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hq_config.h"
#include "hq_hall.h"

struct hq_queue;

#define HQ_ALERT_SUBJECT_MAX 48     /* "gateway:" and a device's name of up to 32 bytes */
#define HQ_ALERT_MESSAGE_MAX 256
#define HQ_ALERT_NOTE_CHARS 200     /* an acknowledgement's note: characters, not bytes */
#define HQ_ALERT_NOTE_MAX (HQ_ALERT_NOTE_CHARS * 4 + 1)

struct hq_alert {
	int64_t id;
	char rule[HQ_KEY_MAX];          /* the [alert NAME] that raised it */
	enum hq_alert_kind kind;
	enum hq_severity severity;
	char subject[HQ_ALERT_SUBJECT_MAX];
	char service[HQ_KEY_MAX];       /* the service concerned, "" if none */
	int counter;                    /* the counter concerned, 0 if none */
	char clerk[HQ_CLERK_MAX];       /* the clerk at that counter when it was raised */
	char message[HQ_ALERT_MESSAGE_MAX];
	int64_t raised_at;              /* unix ms, hall time */
	int64_t cleared_at;             /* 0 while open */
	int64_t acked_at;               /* 0 until acknowledged; an ack does not clear */
	char acked_by[HQ_CLERK_MAX];
	char ack_note[HQ_ALERT_NOTE_MAX];
};

/*
 * What hallqd knows of the hall's devices, for the rules of kind device: it keeps their
 * health in memory (the gateways' reports of their units, the kiosks' of their printers),
 * not in the database. Subjects: "gateway:NAME", "unit:N" (the unit of counter N),
 * "kiosk:NAME" and "printer:NAME" (the printer of kiosk NAME).
 */
enum hq_device_kind { HQ_DEV_GATEWAY, HQ_DEV_UNIT, HQ_DEV_KIOSK, HQ_DEV_PRINTER };
#define HQ_DEVICE_NAME_MAX 33
struct hq_device_fact {
	enum hq_device_kind kind;
	char name[HQ_DEVICE_NAME_MAX];  /* the gateway's or the kiosk's name; "" for a unit */
	int counter;                    /* a unit's counter */
	bool up;
	char detail[64];                /* why it is down ("no report for 45 s", "paper_out") */
};
const char *hq_device_kind_name(enum hq_device_kind k);

/*
 * Evaluate every enabled rule of the hall's config now, in one write transaction: its own,
 * or inside a batch the batch's (what it writes in a savepoint of its own), so that hallqd
 * evaluates in the batch that changed the hall and commits both with one fsync; in a batch
 * the config and the day are those the batch's operations brought up to date (the first
 * evaluation of a new day rolls it over itself). *raised and *cleared (either may be NULL)
 * get how many alerts it raised and cleared. dev[0..ndev) are the device facts; dev NULL
 * means none are known (a server that just started, whose devices have not reported yet):
 * device alerts are then neither raised nor cleared. Alerts of a rule that is disabled or
 * gone clear.
 *
 * The library remembers between evaluations what the database does not say: the moment a
 * counter was opened or its clerk signed out, its no-shows in a row, a service's recent
 * service times, when a device was first seen down. It learns them from the event feed, so
 * changes made by other programs count as well, and a new context (a restart) reads the
 * feed's recent past to learn them again.
 */
int hq_queue_alerts_eval(struct hq_queue *q, const struct hq_device_fact *dev, size_t ndev,
			 int *raised, int *cleared);

/*
 * A supervisor (a manager) acknowledges alert id: who (1 to 63 bytes) saw it and a note
 * (may be NULL, at most HQ_ALERT_NOTE_CHARS characters). The alert stays open until its
 * condition stops; a cleared alert may still be acknowledged, for the record. An alert is
 * acknowledged once: HQ_ESTATE for a second time, HQ_ENOALERT for an unknown id. out (may
 * be NULL) gets the alert as it is then.
 */
int hq_queue_alert_ack(struct hq_queue *q, int64_t id, const char *who, const char *note,
		       struct hq_alert *out);
int hq_queue_alert(struct hq_queue *q, int64_t id, struct hq_alert *out);

/*
 * Alerts raised in [from, to) (unix ms; 0 and INT64_MAX for no bound), oldest first; with
 * open_only, only those still open. *out is malloc'd (the caller frees it), *n its length.
 */
int hq_queue_alerts(struct hq_queue *q, bool open_only, int64_t from, int64_t to,
		    struct hq_alert **out, size_t *n);

/* What /metrics shows of supervision, read in one transaction. */
struct hq_supervision {
	size_t nservices;                       /* the config's services, in its order */
	int64_t oldest_wait_ms[HQ_MAX_SERVICES]; /* the longest wait in each queue now, 0 none */
	size_t ncounters;                       /* the config's counters, in its order */
	struct {
		int number;
		enum hq_cstate state;
		int64_t paused_ms;              /* in its current pause, 0 when not paused */
	} counters[HQ_MAX_COUNTERS];
	int nrules;                             /* the config's alert rules, in its order */
	int alerts_open[HQ_MAX_ALERT_RULES];    /* open alerts of each rule */
};
int hq_queue_supervision(struct hq_queue *q, struct hq_supervision *out);

#endif
