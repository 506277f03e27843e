/*
 * Idempotency records: the response hallqd gave to a request with a client's key, stored in
 * the same transaction (batch) as the operation, so that a client that retries after a lost
 * answer gets that response again instead of a second ticket (docs/api.md). Records older
 * than a day go at the day's roll-over (day.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int hq_queue_idem_get(struct hq_queue *q, const char *key, char *route, size_t routelen, int *status,
		      char **body, char *location, size_t loclen)
{
	sqlite3_stmt *s;
	int rc = hq__begin(q, false), found = 0;

	*body = NULL;
	if (rc)
		return rc;
	s = hq__stmt(q, SQL_IDEM_GET);
	hq__bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(route, routelen, "%s", (const char *)sqlite3_column_text(s, 0));
		*status = sqlite3_column_int(s, 1);
		*body = strdup((const char *)sqlite3_column_text(s, 2));
		snprintf(location, loclen, "%s", (const char *)sqlite3_column_text(s, 3));
		found = 1;
		rc = *body ? HQ_OK : hq__fail(q, HQ_ENOMEM, "out of memory");
	} else {
		rc = rc == SQLITE_DONE ? HQ_OK : hq__dberr(q, rc);
	}
	sqlite3_reset(s);
	rc = hq__end(q, rc);
	if (rc) {
		free(*body);
		*body = NULL;
		return rc;
	}
	return found;
}

int hq_queue_idem_put(struct hq_queue *q, const char *key, const char *route, int status, const char *body,
		      const char *location)
{
	sqlite3_stmt *s;
	int rc = hq__begin(q, true);

	if (rc)
		return rc;
	s = hq__stmt(q, SQL_IDEM_PUT);
	hq__bind_text(s, 1, key);
	hq__bind_text(s, 2, route);
	sqlite3_bind_int(s, 3, status);
	hq__bind_text(s, 4, body);
	hq__bind_text(s, 5, location);
	sqlite3_bind_int64(s, 6, q->now);
	return hq__end(q, hq__exec(q, s));
}
