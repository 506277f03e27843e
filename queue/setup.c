/*
 * Setting a hall up in its database: hq_queue_apply_config() stores a configuration, where
 * every context on the file picks it up at its next operation (db.c's sync), gives each
 * configured counter its row and, for a context that has no day yet (a new hall), starts
 * today (day.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int hq_queue_apply_config(struct hq_queue *q, const char *ini_text, const char *name)
{
	struct hq_config *cfg = NULL;
	char perr[512], version[32], buf[32];
	size_t i;
	int rc;

	q->err[0] = '\0';
	if (q->readonly)
		return hq__fail(q, HQ_EREADONLY, "the database is open for reading only");
	rc = hq_config_parse_string(ini_text, name ? name : "config", &cfg, perr, sizeof perr);
	if (rc)
		return hq__fail(q, rc, "%s", perr);
	/* Not hq__begin: that wants a configuration to exist already. */
	rc = sqlite3_step(hq__stmt(q, SQL_BEGIN_WRITE));
	if (rc != SQLITE_DONE) {
		hq_config_free(cfg);
		return hq__dberr(q, rc);
	}
	q->now = hq_queue_now(q);
	if ((rc = hq__meta_get(q, "config_version", buf, sizeof buf)))
		goto done;
	snprintf(version, sizeof version, "%lld", strtoll(buf, NULL, 10) + 1);
	if ((rc = hq__meta_set(q, "config", ini_text)) ||
	    (rc = hq__meta_set(q, "config_name", name ? name : "")) ||
	    (rc = hq__meta_set(q, "config_version", version)))
		goto done;
	for (i = 0; i < cfg->ncounters && rc == HQ_OK; i++) {
		sqlite3_stmt *s = hq__stmt(q, SQL_COUNTER_ADD);

		/* A new counter is open from now on. */
		sqlite3_bind_int(s, 1, cfg->counters[i].number);
		sqlite3_bind_int64(s, 2, q->now);
		rc = hq__exec(q, s);
	}
	if (rc == HQ_OK)
		rc = hq__event(q, "config_applied", NULL, 0, 0, cfg->name);
	if (rc == HQ_OK && !q->day[0]) {
		char today[11];

		hq_local_day(q->now, today);
		rc = hq__rollover_locked(q, today, NULL);
		if (rc == HQ_OK)
			memcpy(q->day, today, sizeof q->day);
	}
done:
	rc = hq__end(q, rc);
	if (rc) {
		hq_config_free(cfg);
		return rc;
	}
	hq_config_free(q->cfg);
	q->cfg = cfg;
	q->cfg_version = strtoll(version, NULL, 10);
	return HQ_OK;
}
