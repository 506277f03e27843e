/*
 * hallq-sync, the forwarder of one hall's event feed to the region's central PostgreSQL
 * (docs/central.md). Its parts: the event filter that keeps personal data in the hall
 * (filter.c), the durable cursor of what the centre confirmed (cursor.c), and the central
 * writer that sends a batch in one transaction (central.c); main.c follows hallqd and
 * drives them.
 *
 * Ownership: hq_central_new() returns a writer that hq_central_free() frees (NULL is
 * fine); the events passed to hq_central_send() stay the caller's.
 */
#ifndef HQ_SYNC_H
#define HQ_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* One event of the hall's feed (GET /api/v1/events, docs/api.md), as forwarded. */
struct hq_sync_event {
	int64_t id;
	int64_t at_ms;               /* the hall's clock, unix ms */
	int64_t ticket_id;           /* 0 when none, as the hall writes it */
	int64_t value;
	int counter;                 /* 0 when none */
	char type[32];
	char label[16];
	char service[32];
	char detail[128];
	int64_t recv_ms;             /* when hallq-sync read it (monotonic), for the lag */
};

/* filter.c: the event from the feed's JSON into ev, its detail cut down to what may leave
 * the hall (the table at the top of filter.c says what each type keeps). False when the
 * JSON is not an event. */
bool hq_sync_event_parse(const json_t *data, int64_t id, const char *type, struct hq_sync_event *ev);

/* cursor.c: the last event id the centre confirmed, kept in a file that a crash leaves
 * either old or new, never torn (temp file, fsync, rename, fsync of the folder). load: 0
 * when the file does not exist yet; HQ_EIO with err otherwise when unreadable. */
int hq_sync_cursor_load(const char *path, int64_t *cursor, char *err, size_t errlen);
int hq_sync_cursor_save(const char *path, int64_t cursor, char *err, size_t errlen);

/* central.c: the hall's rows into the central database, schema hallq (central/schema.sql). */
struct hq_central;
struct hq_central *hq_central_new(const char *conninfo, const char *hall_id);
void hq_central_free(struct hq_central *c);
/* Connect (if not connected) and read the hall's confirmed last event id into *confirmed
 * (-1 when the centre has no row for the hall yet). HQ_ELINK when the database cannot be
 * reached or refuses; the detail in hq_central_error(). */
int hq_central_connect(struct hq_central *c, int64_t *confirmed);
void hq_central_close(struct hq_central *c);
bool hq_central_up(const struct hq_central *c);
const char *hq_central_error(const struct hq_central *c);
/* The hall as GET /api/v1/hall gave it (NULL: unchanged since the last batch): sent with
 * the next batch, which upserts the hall and its services. The reference is taken. */
void hq_central_set_hall(struct hq_central *c, json_t *hall);
/* One batch in one transaction: the events (INSERT ... ON CONFLICT (hall_id, event_id) DO
 * NOTHING), the hall's last event id, and the hall and its services when set. 0 once
 * committed; HQ_ELINK (connection closed: reconnect and resend) otherwise. */
int hq_central_send(struct hq_central *c, const struct hq_sync_event *ev, size_t n);
/* The hall's last_seen is now: a quiet hall stays in contact on the central boards. */
int hq_central_touch(struct hq_central *c);

#endif
