/*
 * The kiosk's spool: the tickets it owes a citizen, and the reviews (好差评) a citizen gave
 * that hallqd has not taken yet, kept in a file so that neither a hallqd that went away nor
 * a printer out of paper nor a kiosk restart loses one.
 *
 * An entry is first "pending": the citizen touched, the request went to hallqd under its
 * idempotency key, and no answer came yet. Once hallqd answers with the ticket the entry
 * becomes "unprinted" and keeps the ticket; once the ticket is on paper the entry goes.
 * A review is pending until hallqd answers it, either way, and then goes.
 * At start the kiosk sends every pending request again under the same key (hallqd either
 * carries it out or replays what it did) and prints every unprinted ticket of today.
 *
 * The file is JSON, rewritten whole at each change (a temporary file, fsync, rename), so a
 * power cut leaves either the old or the new spool, never half of one.
 *
 * Ownership: hq_spool_open() returns a spool that hq_spool_close() frees. An entry's
 * ticket belongs to the spool; hq_spool_issued() takes a reference of its own.
 */
#ifndef HQ_KIOSK_SPOOL_H
#define HQ_KIOSK_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kiosk.h"

#define HQ_SPOOL_MAX 1000

enum hq_spool_state { HQ_SPOOL_PENDING, HQ_SPOOL_UNPRINTED };

struct hq_spool_entry {
	char key[HQ_IDEM_KEY_MAX];
	enum hq_spool_state state;
	char service[64], cls[16], code[32]; /* the request: a service and class, or a code */
	char category[128];         /* the priority category, printed on the ticket */
	struct {                    /* or a review: ticket 0 when the entry is not one */
		int64_t ticket;         /* the ticket's id, as its status said it */
		int level;              /* 1..5 */
		unsigned reasons;       /* HQ_REASON_ bits, for a level of 1 or 2 */
		char label[16];         /* for the log and stdout */
	} review;
	json_t *ticket;             /* unprinted: hallqd's ticket */
	bool queued;                /* handed to the printer and not answered yet (not saved) */
};

struct hq_spool;

/* Open the spool at path, reading it if it exists. A file that cannot be read is an error
 * (err says which file and why): the kiosk must not start and forget what it owes. */
struct hq_spool *hq_spool_open(const char *path, char *err, size_t errn);
void hq_spool_close(struct hq_spool *s);

/* Each change is saved before it returns: 0, HQ_EFULL, HQ_EIO (hq_spool_error()). */
int hq_spool_add(struct hq_spool *s, const struct hq_spool_entry *e);
int hq_spool_issued(struct hq_spool *s, const char *key, json_t *ticket);
int hq_spool_remove(struct hq_spool *s, const char *key);
/* Drop unprinted tickets of another day than `day` ("YYYY-MM-DD"); returns how many. */
int hq_spool_drop_old(struct hq_spool *s, const char *day);

int hq_spool_count(const struct hq_spool *s, enum hq_spool_state state);
int hq_spool_size(const struct hq_spool *s);
struct hq_spool_entry *hq_spool_at(struct hq_spool *s, int i);
struct hq_spool_entry *hq_spool_find(struct hq_spool *s, const char *key);
const char *hq_spool_error(const struct hq_spool *s);

#endif
