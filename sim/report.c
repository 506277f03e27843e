/*
 * The end of hallq-sim's day: hallqd's figures (GET /api/v1/stats, those of `hallq stats`)
 * printed as `hallq stats` prints them and compared, figure by figure, with those the record
 * gives; what the simulator did itself against hallqd's totals; hallqd's alerts (GET
 * /api/v1/alerts) against those the record expects (expect.h), rule by rule; and the
 * estimated waits against the real ones. Each comparison is one check; the JSON report gets
 * every figure.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hq_log.h"
#include "hq_time.h"
#include "sim.h"

void hq_sim_row_from_json(const json_t *o, struct hq_stats_row *row)
{
	memset(row, 0, sizeof *row);
	snprintf(row->key, sizeof row->key, "%s", json_string_value(json_object_get(o, "key")));
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++) {
		json_t *v = json_object_get(o, hq_stats_fields[i].name);
		char *p = (char *)row + hq_stats_fields[i].off;

		if (hq_stats_fields[i].kind == HQ_SF_INT)
			*(int *)p = (int)json_integer_value(v);
		else
			*(double *)p = json_is_number(v) ? json_number_value(v) : 0;
	}
}

static bool same(const struct hq_stats_field *f, double a, double b)
{
	/* The record sums whole milliseconds, hallqd seconds as doubles: rounding apart, equal. */
	return f->kind == HQ_SF_INT ? a == b : fabs(a - b) <= 1e-6 * (1 + fabs(a));
}

void hq_sim_mismatch(struct hq_sim_checks *k, const char *by, const char *key, const char *what, double ours,
		     double theirs)
{
	k->mismatches++;
	json_array_append_new(k->list, json_pack("{s:s, s:s, s:s, s:f, s:f}", "by", by, "key", key,
							  "field", what, "sim", ours, "hallqd", theirs));
}

/* Compare one row of ours with hallqd's (NULL: hallqd has none); prints a line when
 * `loud` or anything differs. */
static void compare_row(struct hq_sim_checks *k, const char *by, const struct hq_stats_row *ours,
			const struct hq_stats_row *theirs, bool loud)
{
	const char *key = ours ? ours->key : theirs->key;
	char diff[2048] = "";
	size_t off = 0;
	int bad = 0;

	if (!ours || !theirs) {
		k->checks++;
		hq_sim_mismatch(k, by, key, "row", ours != NULL, theirs != NULL);
		printf("  %-7s %-14s MISMATCH: a row only %s has\n", by, key, ours ? "hallq-sim" : "hallqd");
		return;
	}
	for (size_t i = 0; i < HQ_STATS_NFIELDS; i++) {
		double a = hq_stats_value(ours, &hq_stats_fields[i]), b = hq_stats_value(theirs, &hq_stats_fields[i]);

		k->checks++;
		if (same(&hq_stats_fields[i], a, b))
			continue;
		bad++;
		hq_sim_mismatch(k, by, key, hq_stats_fields[i].name, a, b);
		if (off < sizeof diff)
			off += (size_t)snprintf(diff + off, sizeof diff - off, "; MISMATCH %s sim %.3f hallqd %.3f",
						hq_stats_fields[i].name, a, b);
	}
	if (bad || loud)
		printf("  %-7s %-14s %zu ok%s\n", by, key, HQ_STATS_NFIELDS - (size_t)bad, diff);
}

/* The table `hallq stats` prints, times in minutes. */
static void print_table(const char *by, const struct hq_stats_row *rows, size_t n, const struct hq_stats_row *total)
{
	int w[HQ_STATS_NFIELDS + 1];
	char cell[HQ_STATS_NFIELDS + 1][24];
	size_t i, j;

	w[0] = (int)strlen(by);
	for (j = 0; j < HQ_STATS_NFIELDS; j++)
		w[j + 1] = (int)strlen(hq_stats_fields[j].head);
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			printf("%-*s", w[0], by);
			for (j = 0; j < HQ_STATS_NFIELDS; j++)
				printf("  %*s", w[j + 1], hq_stats_fields[j].head);
			printf("\n");
		}
		for (i = 0; i <= n; i++) {
			const struct hq_stats_row *row = i < n ? &rows[i] : total;

			snprintf(cell[0], sizeof cell[0], "%.23s", row->key);
			for (j = 0; j < HQ_STATS_NFIELDS; j++) {
				const struct hq_stats_field *f = &hq_stats_fields[j];
				double v = hq_stats_value(row, f);

				if (f->kind == HQ_SF_INT)
					snprintf(cell[j + 1], sizeof cell[0], "%d", (int)v);
				else if (hq_stats_empty(row, f) || !isfinite(v))
					snprintf(cell[j + 1], sizeof cell[0], "-");
				else if (f->kind == HQ_SF_SECS)
					snprintf(cell[j + 1], sizeof cell[0], "%.1f", v / 60.0);
				else if (f->kind == HQ_SF_SCORE)
					snprintf(cell[j + 1], sizeof cell[0], "%.2f", v);
				else
					snprintf(cell[j + 1], sizeof cell[0], "%.0f%%", v * 100.0);
			}
			for (j = 0; j <= HQ_STATS_NFIELDS; j++) {
				if (!pass) {
					if ((int)strlen(cell[j]) > w[j])
						w[j] = (int)strlen(cell[j]);
				} else {
					printf(j ? "  %*s" : "%-*s", w[j], cell[j]);
				}
			}
			if (pass)
				printf("\n");
		}
	}
}

static json_t *fetch_stats(struct hq_sim *s, const char *by)
{
	char path[160];
	json_t *ans = NULL;
	long status;

	snprintf(path, sizeof path, "/api/v1/stats?by=%s&from=%s&to=%s", by, s->day, s->day);
	if (hq_client_request(s->reader, "GET", path, NULL, NULL, &status, &ans) || status != 200) {
		hq_log(HQ_LOG_ERROR, "GET %s: %s", path, hq_client_error(s->reader));
		json_decref(ans);
		return NULL;
	}
	return ans;
}

/* Compare by one grouping; the table is printed for `service`. */
int hq_sim_compare_by(struct hq_sim *s, struct hq_sim_checks *k, enum hq_group by, const char *name, json_t *report)
{
	struct hq_stats ours;
	struct hq_stats_row *theirs = NULL, total;
	json_t *ans = fetch_stats(s, name), *v;
	size_t n, i, j;
	int before = k->mismatches, checks = k->checks;

	if (!ans)
		return HQ_ELINK;
	json_object_set(report, name, ans);
	n = json_array_size(json_object_get(ans, "rows"));
	theirs = calloc(n ? n : 1, sizeof *theirs);
	if (!theirs || hq_sim_record_stats(&s->rec, by, &ours)) {
		free(theirs);
		json_decref(ans);
		return HQ_ENOMEM;
	}
	json_array_foreach(json_object_get(ans, "rows"), i, v)
		hq_sim_row_from_json(v, &theirs[i]);
	hq_sim_row_from_json(json_object_get(ans, "total"), &total);
	if (by == HQ_BY_SERVICE) {
		char from[32], to[32];

		snprintf(from, sizeof from, "%s", json_string_value(json_object_get(ans, "from")));
		snprintf(to, sizeof to, "%s", json_string_value(json_object_get(ans, "to")));
		printf("\nThe day's figures from hallqd (GET /api/v1/stats, as `hallq stats` prints them):\n");
		printf("by %s, tickets issued from %.10s %.5s to %.10s %.5s; times in minutes\n\n", name,
		       from, from + 11, to, to + 11);
		print_table(name, theirs, n, &total);
		printf("\nhallqd's figures against hallq-sim's own record (%d figures a row):\n", HQ_STATS_NFIELDS);
	}
	/* In hallqd's order (the config's, for services), then any row only we have. */
	for (j = 0; j < n; j++) {
		const struct hq_stats_row *match = NULL;

		for (i = 0; i < ours.nrows && !match; i++)
			if (!strcmp(theirs[j].key, ours.rows[i].key))
				match = &ours.rows[i];
		compare_row(k, name, match, &theirs[j], by == HQ_BY_SERVICE || !match);
	}
	for (i = 0; i < ours.nrows; i++) {
		bool found = false;

		for (j = 0; j < n && !found; j++)
			found = !strcmp(theirs[j].key, ours.rows[i].key);
		if (!found)
			compare_row(k, name, &ours.rows[i], NULL, true);
	}
	compare_row(k, name, &ours.total, &total, by == HQ_BY_SERVICE);
	if (by != HQ_BY_SERVICE)
		printf("  %-7s %zu rows and the total: %d figures, %s\n", name, ours.nrows, k->checks - checks,
		       k->mismatches == before ? "all ok" : "MISMATCH (above)");
	hq_stats_free(&ours);
	free(theirs);
	json_decref(ans);
	return HQ_OK;
}

/* What the simulator did itself, confirmed as it went, against hallqd's day. */
void hq_sim_compare_own(struct hq_sim *s, struct hq_sim_checks *k, const struct hq_stats_row *total, json_t *report)
{
	struct hq_sim_tally *t = &s->tally;
	json_t *own = json_object();
	struct own {
		const char *what;
		int ours;
		int theirs;
	} c[8];
	const struct hq_stats_row *b = &s->before;
	int n = 0, issued_others = t->issued_others;

	for (int i = 0; i < s->nclerks; i++) {
		t->calls += s->clerks[i].calls;
		t->empty_calls += s->clerks[i].empty_calls;
		t->served += s->clerks[i].served;
		t->noshows += s->clerks[i].noshows;
		t->transfers += s->clerks[i].transfers;
		t->reviews += s->clerks[i].reviews;
		t->unexpected += s->clerks[i].unexpected;
	}
	/* What the day had when the run began is not the run's doing. */
	c[n++] = (struct own){"issued (201 answers)", t->issued, total->issued - b->issued - issued_others};
	c[n++] = (struct own){"called (calls seen)", t->calls, total->called - b->called};
	c[n++] = (struct own){"served (finish pressed)", t->served, total->served - b->served};
	c[n++] = (struct own){"no-show (no-show pressed)", t->noshows, total->noshow - b->noshow};
	c[n++] = (struct own){"transferred (transfer pressed)", t->transfers, total->transferred - b->transferred};
	c[n++] = (struct own){"cancelled (cancels accepted)", t->cancels, total->cancelled - b->cancelled};
	c[n++] = (struct own){"rated (reviews given)", t->reviews, total->rated - b->rated};
	c[n++] = (struct own){"presses refused unexpectedly", t->unexpected, 0};
	printf("\nWhat hallq-sim did itself against hallqd's totals:\n");
	for (int i = 0; i < n; i++) {
		bool ok = c[i].ours == c[i].theirs;

		k->checks++;
		if (!ok)
			hq_sim_mismatch(k, "own", "total", c[i].what, c[i].ours, c[i].theirs);
		printf("  %-32s sim %5d  hallqd %5d  %s\n", c[i].what, c[i].ours, c[i].theirs, ok ? "ok" : "MISMATCH");
		json_object_set_new(own, c[i].what, json_pack("{s:i, s:i, s:b}", "sim", c[i].ours, "hallqd",
							      c[i].theirs, "ok", ok));
	}
	if (issued_others)
		printf("  (%d tickets issued by the kiosk hook are not counted as the simulator's)\n", issued_others);
	json_object_set_new(report, "own", own);
}

/* *met: 1 met, 0 not met, -1 no verdict (hardly anyone waited, or nobody in the steady hours). */
json_t *hq_sim_estimates(struct hq_sim *s, int *met)
{
	struct hq_sim_estimate e[HQ_MAX_SERVICES + 1];
	int n = hq_sim_record_estimates(&s->rec, e, HQ_MAX_SERVICES + 1);
	json_t *rows = json_array();

	printf("\nEstimated wait printed on each ticket against its real wait (steady hours: issued an hour "
	       "or more\nafter its service opened and an hour or more before it closes; root tickets "
	       "that were called):\n");
	printf("  %-14s %5s  %9s  %7s  %8s  %9s  %7s\n", "service", "n", "mean wait", "MAE", "MAE/mean",
	       "within 5m", "bias");
	for (int i = 0; i < n; i++) {
		double ratio = e[i].mean_wait_s > 0 ? e[i].mae_s / e[i].mean_wait_s : NAN;
		char rs[16] = "-";

		if (isfinite(ratio))
			snprintf(rs, sizeof rs, "%.0f%%", ratio * 100);
		printf("  %-14s %5d  %8.1fm  %6.1fm  %8s  %8.0f%%  %+6.1fm\n", e[i].key, e[i].n,
		       e[i].mean_wait_s / 60, e[i].mae_s / 60, rs, e[i].within5 * 100, e[i].bias_s / 60);
		json_array_append_new(rows, json_pack("{s:s, s:i, s:f, s:f, s:o, s:f, s:f}", "key", e[i].key,
						      "n", e[i].n, "mean_wait_s", e[i].mean_wait_s, "mae_s",
						      e[i].mae_s, "mae_ratio", isfinite(ratio) ? json_real(ratio) : json_null(),
						      "within5_share", e[i].within5, "bias_s", e[i].bias_s));
		if (!strcmp(e[i].key, "total"))
			*met = e[i].n == 0 || e[i].mean_wait_s < HQ_SIM_QUEUE_MIN_S ? -1 : ratio < HQ_SIM_TARGET_RATIO;
	}
	printf("  target: MAE under %.0f%% of the mean wait over the steady hours: %s\n", HQ_SIM_TARGET_RATIO * 100,
	       *met > 0 ? "met" : !*met ? "not met" : "no verdict (the mean wait was under 2 minutes: nobody queued)");
	return rows;
}

/* ---- electronic supervision ---------------------------------------------------------------- */

/* hallqd's time, to the second it gives, as a bound below (floor) or above (ceil). */
static int hall_second(struct hq_sim *s, bool ceil, int64_t *ms)
{
	int rc = hq_sim_hall_time(s, ms, NULL);

	if (rc == HQ_OK && ceil)
		*ms += 999;
	return rc;
}

int hq_sim_fetch_alerts(struct hq_sim *s, struct hq_sim_seen **out, size_t *n, int64_t *asked, int64_t *answered)
{
	char path[160];
	json_t *ans = NULL, *v;
	long status;
	size_t i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = hall_second(s, false, asked)))
		return rc;
	snprintf(path, sizeof path, "/api/v1/alerts?state=all&from=%s&to=%s", s->day, s->day);
	if (hq_client_request(s->reader, "GET", path, NULL, NULL, &status, &ans) || (status != 200 && status != 404)) {
		hq_log(HQ_LOG_ERROR, "GET %s: %s", path, hq_client_error(s->reader));
		json_decref(ans);
		return HQ_ELINK;
	}
	if (status == 404) {
		json_decref(ans);
		return HQ_ENOALERT;
	}
	if ((rc = hall_second(s, true, answered))) {
		json_decref(ans);
		return rc;
	}
	*out = calloc(json_array_size(json_object_get(ans, "alerts")) + 1, sizeof **out);
	if (!*out) {
		json_decref(ans);
		return HQ_ENOMEM;
	}
	json_array_foreach(json_object_get(ans, "alerts"), i, v) {
		struct hq_sim_seen *a = &(*out)[k++];
		const char *cleared = json_string_value(json_object_get(v, "cleared_at"));

		a->id = json_integer_value(json_object_get(v, "id"));
		snprintf(a->rule, sizeof a->rule, "%s", json_string_value(json_object_get(v, "rule")));
		snprintf(a->subject, sizeof a->subject, "%s", json_string_value(json_object_get(v, "subject")));
		a->raised = hq_iso_ms(json_string_value(json_object_get(v, "raised_at")));
		a->cleared = cleared ? hq_iso_ms(cleared) : 0;
	}
	*n = k;
	json_decref(ans);
	return HQ_OK;
}

/* "HH:MM:SS.mmm" of a hall time, local; "-" for none. */
static const char *clock_of(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms) {
		snprintf(buf, len, "-");
		return buf;
	}
	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return buf;
}

static json_t *clock_json(int64_t ms)
{
	char buf[24];

	return ms ? json_string(clock_of(ms, buf, sizeof buf)) : json_null();
}

/* Seconds since the simulated day's midnight, for the mismatch list's numbers. */
static double of_day(const struct hq_sim *s, int64_t ms)
{
	return ms ? (double)(ms - s->rec.day_from) / 1000.0 : 0;
}

void hq_sim_compare_alerts(struct hq_sim *s, struct hq_sim_checks *k, struct hq_sim_seen *seen, size_t n,
			   const struct hq_sim_window *w, json_t *report)
{
	const struct hq_config *cfg = s->cfg;
	struct hq_sim_verdict v;
	struct hq_sim_alert *want;
	size_t nwant;
	json_t *o = json_object(), *rules = json_array(), *jw = json_array(), *jseen = json_array();
	char a[24], b[24], id[32], what[HQ_KEY_MAX + HQ_SIM_SUBJECT_MAX + 2];
	int unfed = 0;

	/* The times to the millisecond, from the feed (the list gives whole seconds); and the feed
	 * must have shown every raise and clear (it is how displays and pages follow them). */
	for (size_t i = 0; i < n; i++) {
		const struct hq_sim_feed_alert *f = hq_sim_expect_feed(&s->rec.expect, seen[i].id);

		snprintf(what, sizeof what, "%s:%s", seen[i].rule, seen[i].subject);
		if (!f || !f->raised || strcmp(f->what, what) || (seen[i].cleared && !f->cleared)) {
			unfed++;
			hq_sim_mismatch(k, "alert", what, "not in the event feed", 0, (double)seen[i].id);
			continue;
		}
		seen[i].raised = f->raised;
		if (seen[i].cleared)
			seen[i].cleared = f->cleared;
	}
	/* One check for the feed, or one for each alert it missed. */
	k->checks += unfed ? unfed : 1;
	if (hq_sim_expect_compare(&s->rec.expect, seen, n, w, &v)) {
		hq_log(HQ_LOG_ERROR, "out of memory comparing the alerts");
		hq_sim_mismatch(k, "alert", "all", "compared", 0, 0);
		json_decref(o);
		json_decref(rules);
		json_decref(jw);
		json_decref(jseen);
		return;
	}
	printf("\nAlerts (电子监察): hallqd's (GET /api/v1/alerts) against the record's, %s to %s, raised and\n"
	       "cleared within %.0f s of hall time after the record's instant (two evaluation periods at %dx):\n",
	       clock_of(w->from, a, sizeof a), clock_of(w->answered, b, sizeof b), (double)w->tolerance / 1000,
	       s->speed);
	printf("  %-18s %8s %6s %5s %8s\n", "rule", "expected", "maybe", "seen", "matched");
	for (int i = 0; i <= v.nrules; i++) {
		const struct hq_sim_rule_tally *t = &v.tally[i];
		const struct hq_alert_rule *r = i < v.nrules ? &cfg->alerts[i] : NULL;
		bool derived = r && hq_sim_expect_derives(r);

		if (!r && !t->seen)
			continue;
		printf("  %-18s %8s %6d %5d %8d%s\n", r ? r->name : "(not in the config)",
		       derived ? (snprintf(a, sizeof a, "%d", t->expected), a) : "-", t->optional, t->seen, t->matched,
		       r && !r->enabled ? "  (off)" : derived ? "" : "  (not derived: no facts in the feed)");
		json_array_append_new(rules, json_pack("{s:s, s:s, s:b, s:b, s:i, s:i, s:i, s:i}",
			"rule", r ? r->name : "", "kind", r ? hq_alert_kind_name(r->kind) : "", "enabled",
			r && r->enabled, "derived", derived, "expected", t->expected, "optional", t->optional,
			"seen", t->seen, "matched", t->matched));
	}
	if (v.nraised)
		printf("  raised %.1f s after the record on average (at most %.1f s)", v.raised_lag_sum / v.nraised / 1000,
		       (double)v.raised_lag_max / 1000);
	if (v.ncleared)
		printf(", cleared %.1f s after (at most %.1f s)", v.cleared_lag_sum / v.ncleared / 1000,
		       (double)v.cleared_lag_max / 1000);
	printf("%s", v.nraised ? "\n" : "");
	for (size_t i = 0; i < v.nf; i++) {
		const struct hq_sim_finding *f = &v.f[i];

		snprintf(what, sizeof what, "%s %s", f->rule_name, f->subject);
		printf("  MISMATCH %s: %s: record %s, hallqd %s%s\n", what, hq_sim_finding_name(f->what),
		       clock_of(f->want, a, sizeof a), clock_of(f->got, b, sizeof b),
		       f->alert ? (snprintf(id, sizeof id, " (alert %lld)", (long long)f->alert), id) : "");
		hq_sim_mismatch(k, "alert", what, hq_sim_finding_name(f->what), of_day(s, f->want), of_day(s, f->got));
	}
	printf("  %d checks, %d mismatches; every raise and clear in the event feed: %s\n",
	       v.checks + (unfed ? unfed : 1), v.mismatches + unfed, unfed ? "NO" : "ok");
	k->checks += v.checks;
	if ((want = hq_sim_expect_list(&s->rec.expect, &nwant))) {
		for (size_t i = 0; i < nwant; i++)
			if (want[i].from < w->answered && (!want[i].to || want[i].to > w->from - w->tolerance))
				json_array_append_new(jw, json_pack("{s:s, s:s, s:o, s:o}", "rule",
					cfg->alerts[want[i].rule].name, "subject", want[i].subject, "from",
					clock_json(want[i].from), "to", clock_json(want[i].to)));
		free(want);
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(jseen, json_pack("{s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)seen[i].id,
			"rule", seen[i].rule, "subject", seen[i].subject, "raised", clock_json(seen[i].raised),
			"cleared", clock_json(seen[i].cleared)));
	json_object_set_new(o, "tolerance_s", json_real((double)w->tolerance / 1000));
	json_object_set_new(o, "from", clock_json(w->from));
	json_object_set_new(o, "asked", clock_json(w->asked));
	json_object_set_new(o, "answered", clock_json(w->answered));
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "expected", jw);
	json_object_set_new(o, "seen", jseen);
	json_object_set_new(o, "checks", json_integer(v.checks + (unfed ? unfed : 1)));
	json_object_set_new(o, "mismatches", json_integer(v.mismatches + unfed));
	json_object_set_new(o, "raised_lag_max_s", json_real((double)v.raised_lag_max / 1000));
	json_object_set_new(o, "raised_lag_mean_s", json_real(v.nraised ? v.raised_lag_sum / v.nraised / 1000 : 0));
	json_object_set_new(o, "cleared_lag_max_s", json_real((double)v.cleared_lag_max / 1000));
	json_object_set_new(o, "cleared_lag_mean_s", json_real(v.ncleared ? v.cleared_lag_sum / v.ncleared / 1000 : 0));
	json_object_set_new(report, "alerts", o);
	k->mismatches += v.mismatches;
	hq_sim_verdict_free(&v);
}
