/*
 * What the hall's last days tell the estimate (estimate.c), which plays the hall forward:
 * how many citizens will come for each service in the next hours, and how long a counter
 * takes over a citizen at this time of day.
 *
 * Arrivals: for an hour of the day, the tickets that joined the service's queue in that
 * clock hour (issued, or transferred in) over the last HISTORY_DAYS days, per day the hall
 * issued anything and per minute the service was open; the same weekday's days alone when
 * there are at least two of them, as a Monday is not a Thursday. For the hour ahead it is
 * blended half and half with the last hour's own count, which follows a busy or a quiet day
 * as it happens. A service has no arrivals while its hours are closed.
 *
 * Turns: those that began within TURN_WINDOW_MIN minutes of this time of day on each of the
 * last TURN_DAYS days. A hall's pace changes over the day (the mid-morning breaks, the
 * harder cases kept for the afternoon), and the same hours of other days know it.
 *
 * The days before today are read once a day (one range read over the tickets_issued index)
 * and kept in memory; today's part is one indexed range read per estimate.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hq_time.h"

#define ARRIVAL_DAYS 28
#define TURN_DAYS 7
#define TURN_WINDOW_MIN 45
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

struct past_turn {
	short minute;               /* of the local day its call was in */
	float seconds;
};

struct hq__history {
	char day[11];                          /* the day it was read for */
	long long cfg_version;
	int days[7];                           /* days with tickets in the window, by weekday */
	int ndays;
	int count[HQ_MAX_SERVICES][7][24];     /* joined the queue, by weekday and hour */
	unsigned char open[HQ_MAX_SERVICES][7][24]; /* minutes of that hour the service is open */
	int prio[HQ_MAX_SERVICES], total[HQ_MAX_SERVICES];
	/* The turns themselves are q->history_turns, by service: turn_at[i] .. turn_at[i + 1]
	 * (apart, so that closing the queue frees both with free()). */
	int turn_at[HQ_MAX_SERVICES + 1];
	/* What an estimate reads, kept for the rest of the hall's minute: a hall issuing a
	 * ticket a second must not read the last hour's tickets for each. The turns are read
	 * again sooner when this connection has written a turn since. */
	int64_t rates_minute;                  /* q->now / 60000 they are for, -1 none */
	double rate[HQ_MAX_SERVICES][HQ_ARRIVAL_SEGS];
	double prio_share[HQ_MAX_SERVICES];
	int64_t turns_minute[HQ_MAX_SERVICES];
	unsigned turns_written[HQ_MAX_SERVICES];
	short nturns[HQ_MAX_SERVICES];
	float now_turns[HQ_MAX_SERVICES][HQ_TURNS_MAX];
};

static int cmp_turn_svc(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The turns of the TURN_DAYS days before today, by service. */
static int load_turns(struct hq_queue *q, struct hq__history *a, int64_t end)
{
	struct past_turn *turns;
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_TURNS_SINCE);
	struct { int svc; struct past_turn t; } *rows = NULL;
	size_t n = 0, cap = 0;
	int rc, i;

	sqlite3_bind_int64(s, 1, end - TURN_DAYS * DAY_MS);
	sqlite3_bind_int64(s, 2, end);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int svc = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 0));
		int wday, minute;

		if (svc < 0)
			continue;
		if (n == cap) {
			void *more = realloc(rows, (cap = cap ? 2 * cap : 256) * sizeof *rows);

			if (!more) {
				sqlite3_reset(s);
				free(rows);
				return hq__fail(q, HQ_ENOMEM, "out of memory for the turns' history");
			}
			rows = more;
		}
		hq_local_parts(sqlite3_column_int64(s, 1), &wday, &minute);
		rows[n].svc = svc;
		rows[n].t.minute = (short)minute;
		rows[n].t.seconds = (float)(sqlite3_column_int64(s, 2) / 1000.0);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(rows);
		return hq__dberr(q, rc);
	}
	/* By service; the order within one does not matter. */
	if (n > 1)
		qsort(rows, n, sizeof *rows, cmp_turn_svc);
	free(q->history_turns);
	if (!(turns = q->history_turns = malloc((n ? n : 1) * sizeof *turns))) {
		free(rows);
		return hq__fail(q, HQ_ENOMEM, "out of memory for the turns' history");
	}
	for (i = 0; i <= HQ_MAX_SERVICES; i++)
		a->turn_at[i] = 0;
	for (size_t k = 0; k < n; k++) {
		turns[k] = rows[k].t;
		a->turn_at[rows[k].svc + 1] = (int)k + 1;
	}
	for (i = 1; i <= HQ_MAX_SERVICES; i++)
		if (a->turn_at[i] < a->turn_at[i - 1])
			a->turn_at[i] = a->turn_at[i - 1];
	free(rows);
	return HQ_OK;
}

static int load_history(struct hq_queue *q, struct hq__history *a)
{
	const int64_t end = hq_day_start(q->now), start = end - ARRIVAL_DAYS * DAY_MS;
	sqlite3_stmt *s = hq__stmt(q, SQL_TICKET_ARRIVALS);
	unsigned char seen[ARRIVAL_DAYS + 2] = {0};
	int rc;

	memset(a, 0, sizeof *a);
	a->rates_minute = -1;
	for (int k = 0; k < HQ_MAX_SERVICES; k++)
		a->turns_minute[k] = -1;
	sqlite3_bind_int64(s, 1, start);
	sqlite3_bind_int64(s, 2, end);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int i = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 0));
		int64_t at = sqlite3_column_int64(s, 1);
		int wday, minute;
		int64_t d = (at - start) / DAY_MS;

		if (i < 0 || at < start || at >= end)
			continue;
		hq_local_parts(at, &wday, &minute);
		if (d >= 0 && d <= ARRIVAL_DAYS && !seen[d]) {
			/* Days of 23 or 25 hours shift d by an hour at most: a day is counted
			 * once by its first ticket's weekday. */
			seen[d] = 1;
			a->days[wday]++;
			a->ndays++;
		}
		a->count[i][wday][minute / 60]++;
		a->prio[i] += sqlite3_column_int(s, 2) > 0;
		a->total[i]++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	for (size_t i = 0; i < q->cfg->nservices; i++)
		for (int w = 0; w < 7; w++)
			for (int m = 0; m < 24 * 60; m++)
				a->open[i][w][m / 60] += hq_service_open_at(&q->cfg->services[i], w, m);
	if ((rc = load_turns(q, a, end)))
		return rc;
	memcpy(a->day, q->day, sizeof a->day);
	a->cfg_version = q->cfg_version;
	return HQ_OK;
}

/* Arrivals an hour of service i while open at the weekday and hour, from the history (an
 * hour open for half of it had its arrivals in that half); -1 none. */
static double history_rate(const struct hq__history *a, int i, int wday, int hour)
{
	int n = 0, open = 0;

	if (a->days[wday] >= 2) {
		open = a->open[i][wday][hour];
		return open ? (double)a->count[i][wday][hour] / a->days[wday] * 60 / open : 0;
	}
	if (!a->ndays)
		return -1;
	for (int w = 0; w < 7; w++) {
		n += a->count[i][w][hour];
		open += a->open[i][w][hour] * a->days[w];
	}
	return open ? (double)n * 60 / open : 0;
}

/* The days before today, read on the first estimate of a day or of a config. */
static int history(struct hq_queue *q, struct hq__history **out)
{
	struct hq__history *a = q->history;
	int rc;

	if (!a && !(a = q->history = calloc(1, sizeof *a)))
		return hq__fail(q, HQ_ENOMEM, "out of memory for the hall's history");
	if (strcmp(a->day, q->day) || a->cfg_version != q->cfg_version)
		if ((rc = load_history(q, a))) {
			a->day[0] = '\0';
			return rc;
		}
	*out = a;
	return HQ_OK;
}

/* The turns of this time of day: today's last minutes and the same minutes of the days
 * before; when fewer than `want`, the service's last `want` turns of TURN_DAYS days. */
static int read_turns(struct hq_queue *q, struct hq__history *a, int svc, float *out, int want)
{
	const struct past_turn *turns = q->history_turns;
	const int64_t lo = q->now - TURN_WINDOW_MIN * 60000LL;
	sqlite3_stmt *s;
	int n = 0, rc, wday, minute;

	s = hq__stmt(q, SQL_TICKET_TURNS_BETWEEN);
	hq__bind_text(s, 1, q->cfg->services[svc].key);
	sqlite3_bind_int64(s, 2, lo > hq_day_start(q->now) ? lo : hq_day_start(q->now));
	sqlite3_bind_int64(s, 3, q->now + 1);
	sqlite3_bind_int(s, 4, HQ_TURNS_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < HQ_TURNS_MAX)
		out[n++] = (float)(sqlite3_column_int64(s, 0) / 1000.0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return hq__dberr(q, rc);
	hq_local_parts(q->now, &wday, &minute);
	for (int k = a->turn_at[svc]; k < a->turn_at[svc + 1] && n < HQ_TURNS_MAX; k++)
		if (abs(turns[k].minute - minute) <= TURN_WINDOW_MIN)
			out[n++] = turns[k].seconds;
	if (n >= want)
		return n;
	n = 0;
	s = hq__stmt(q, SQL_TICKET_RECENT_TURNS);
	hq__bind_text(s, 1, q->cfg->services[svc].key);
	sqlite3_bind_int64(s, 2, q->now - TURN_DAYS * DAY_MS);
	sqlite3_bind_int(s, 3, want);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < HQ_TURNS_MAX)
		out[n++] = (float)(sqlite3_column_int64(s, 0) / 1000.0);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : hq__dberr(q, rc);
}

int hq__turns_now(struct hq_queue *q, int svc, float *out, int want)
{
	struct hq__history *a;
	int n, rc;

	if ((rc = history(q, &a)))
		return rc;
	if (a->turns_minute[svc] != q->now / 60000 || a->turns_written[svc] != q->turns_written[svc]) {
		if ((n = read_turns(q, a, svc, a->now_turns[svc], want)) < 0)
			return n;
		a->nturns[svc] = (short)n;
		a->turns_minute[svc] = q->now / 60000;
		a->turns_written[svc] = q->turns_written[svc];
	}
	memcpy(out, a->now_turns[svc], a->nturns[svc] * sizeof *out);
	return a->nturns[svc];
}

int hq__arrival_rates(struct hq_queue *q, double rate[][HQ_ARRIVAL_SEGS], double *prio_share)
{
	struct hq__history *a;
	double last[HQ_MAX_SERVICES] = {0};
	int last_prio[HQ_MAX_SERVICES] = {0};
	int64_t from = q->now - HOUR_MS, span;
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = history(q, &a)))
		return rc;
	if (a->rates_minute == q->now / 60000) {
		memcpy(rate, a->rate, q->cfg->nservices * sizeof a->rate[0]);
		memcpy(prio_share, a->prio_share, q->cfg->nservices * sizeof *prio_share);
		return HQ_OK;
	}
	/* The last hour, or since the day began if that is shorter (but ten minutes at least,
	 * so that the first tickets of a morning do not forecast a flood). */
	if (from < hq_day_start(q->now))
		from = hq_day_start(q->now);
	span = q->now - from < 10 * 60000LL ? 10 * 60000LL : q->now - from;
	s = hq__stmt(q, SQL_TICKET_ARRIVALS);
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, q->now + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int k = hq_config_service_index(q->cfg, (const char *)sqlite3_column_text(s, 0));

		if (k >= 0 && sqlite3_column_int64(s, 1) >= from) {
			last[k] += 1;
			last_prio[k] += sqlite3_column_int(s, 2) > 0;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return hq__dberr(q, rc);
	for (i = 0; i < q->cfg->nservices; i++) {
		const struct hq_service *sv = &q->cfg->services[i];
		double now_rate = last[i] * (double)HOUR_MS / (double)span;

		for (int k = 0; k < HQ_ARRIVAL_SEGS; k++) {
			int64_t mid = q->now + k * HQ_ARRIVAL_SEG_MS + HQ_ARRIVAL_SEG_MS / 2;
			int wday, minute;
			double hist;

			hq_local_parts(mid, &wday, &minute);
			if (!hq_service_open_at(sv, wday, minute)) {
				rate[i][k] = 0;
				continue;
			}
			hist = history_rate(a, (int)i, wday, minute / 60);
			/* The first hour leans on the last hour as much as on the history. */
			if (hist < 0)
				rate[i][k] = now_rate;
			else if (k * HQ_ARRIVAL_SEG_MS < HOUR_MS)
				rate[i][k] = (hist + now_rate) / 2;
			else
				rate[i][k] = hist;
			rate[i][k] /= HOUR_MS / 1000.0; /* per second */
		}
		prio_share[i] = a->total[i] ? (double)a->prio[i] / a->total[i] :
				last[i] > 0 ? last_prio[i] / last[i] : 0;
	}
	memcpy(a->rate, rate, q->cfg->nservices * sizeof a->rate[0]);
	memcpy(a->prio_share, prio_share, q->cfg->nservices * sizeof *prio_share);
	a->rates_minute = q->now / 60000;
	return HQ_OK;
}
