/*
 * Retention: what the hall forgets, and when (docs/queue.md, Retention). Three rules, from
 * [retention] in the hall's config (struct hq_retention, hq_config.h):
 *
 *  - personal data: an appointment's name and phone number are erased personal_days after
 *    the appointment's day (on the roll-over to that day);
 *  - review comments (which citizens write freely, and may name themselves) are kept for the
 *    appraisal period, the current and the previous month, then erased, but for a review
 *    whose bad-review case is not closed yet: its handlers still need to read it;
 *  - history: with keep_months > 0, the tickets issued before the first day of the month
 *    keep_months before the current one are purged, with their reviews, cases and case
 *    steps, and so are the events, appointments, cleared alerts and ended sign-ins before
 *    that day. A ticket whose review has a case still open stays, and so does the newest
 *    ticket (its id is where the next one's counts from). Every month from that first day
 *    on keeps every row its statistics, appraisal and cases read, so their figures do not
 *    change. With archive set, what is purged is first appended to that file as JSON lines
 *    (one object a row, with "table"), without names, phones or comments, and the file is
 *    fsynced before the rows go.
 *
 * The purge runs in transactions of at most HQ_RETENTION_CHUNK tickets (or rows of another
 * table), so that a first run over years of history never holds the hall's writer for
 * long; an interrupted run leaves whole chunks done and its archive may end with a chunk
 * that is also still in the database (the next run writes it again).
 */
#ifndef HQ_RETENTION_H
#define HQ_RETENTION_H

#define HQ_RETENTION_CHUNK 2000

struct hq_retention_report {
	bool dry_run;
	char today[11];             /* the hall's day the run went by */
	char personal_before[11];   /* appointments of days before this lost name and phone */
	char comments_before[11];   /* reviews of days before this lost their comments */
	char purge_before[11];      /* history before this day was purged; "" when kept for ever */
	long appointments_erased;   /* appointments whose name or phone was erased */
	long comments_erased;
	long tickets, reviews, cases, case_steps, events, appointments, alerts, signins; /* purged */
	long archived;              /* lines appended to the archive */
};

/*
 * Apply the rules now (hall time; the day is rolled over first). A dry run counts what a
 * run would do and changes nothing, neither the database nor the archive. Fills *out in
 * both cases; on error what was done before it stays done (whole chunks) and *out counts it.
 */
int hq_queue_retention(struct hq_queue *q, const struct hq_retention *rules,
		       struct hq_retention_report *out);
int hq_queue_retention_dry(struct hq_queue *q, const struct hq_retention *rules,
			   struct hq_retention_report *out);

#endif
