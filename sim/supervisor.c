/*
 * The hall's supervisor in hallq-sim: each bad review opens a case (差评整改), and the
 * supervisor takes it some way through its steps during the day, as a hall's office does
 * within its working days: verified always, then rectified, revisited and closed, each with a
 * chance, a few simulated minutes apart. The steps go through the API (POST
 * /api/v1/cases/{id}/STEP) with the manager's or admin's token, and the day's 差评整改率 and
 * 回访率, which the record computes from the case events, are then not all 0 and are checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hq_log.h"
#include "sim.h"

/* How far a case goes today: each step after the verification with this chance. */
#define P_RECTIFY 0.7
#define P_REVISIT 0.7
#define P_CLOSE 0.8

static const char *const step_path[] = {"", "verify", "rectify", "revisit", "close"};

static struct hq_sim_case *find_case(struct hq_sim *s, int64_t id)
{
	for (size_t i = 0; i < s->ncases; i++)
		if (s->cases[i].id == id)
			return &s->cases[i];
	return NULL;
}

static int64_t later(struct hq_sim *s, int64_t now)
{
	return now + (int64_t)(hq_sim_between(&s->case_rng, 3, 15) * MIN_MS);
}

/* A case the record knows and the supervisor does not yet: plan it. */
static struct hq_sim_case *new_case(struct hq_sim *s, const struct hq_sim_ticket *t, int64_t now)
{
	struct hq_sim_case *c;

	if (s->ncases == s->capcases) {
		size_t cap = s->capcases ? s->capcases * 2 : 16;
		struct hq_sim_case *g = realloc(s->cases, cap * sizeof *g);

		if (!g)
			return NULL;
		s->cases = g;
		s->capcases = cap;
	}
	c = &s->cases[s->ncases++];
	memset(c, 0, sizeof *c);
	c->id = t->case_id;
	c->ticket = t->id;
	c->goal = 1;
	if (hq_sim_uniform(&s->case_rng) < P_RECTIFY) {
		c->goal = 2;
		if (hq_sim_uniform(&s->case_rng) < P_REVISIT) {
			c->goal = 3;
			if (hq_sim_uniform(&s->case_rng) < P_CLOSE)
				c->goal = 4;
		}
	}
	c->seen = t->case_state;
	c->next_at = later(s, now);
	return c;
}

void hq_sim_supervise(struct hq_sim *s, int64_t now)
{
	for (size_t i = 0; i < s->rec.n; i++) {
		const struct hq_sim_ticket *t = &s->rec.t[i];
		struct hq_sim_case *c;
		char path[96], idem[96], note[64];
		json_t *body;
		long status = 0;

		if (!t->case_id || (!(c = find_case(s, t->case_id)) && !(c = new_case(s, t, now))))
			continue;
		if (c->seen != t->case_state) {
			/* The step took effect, or the review was changed and the case closed or
			 * opened again: the next step in a while. */
			c->seen = t->case_state;
			c->sent = false;
			c->next_at = later(s, now);
		}
		if (c->sent || now < c->next_at || t->case_state >= c->goal || t->case_state >= 4)
			continue;
		snprintf(path, sizeof path, "/api/v1/cases/%lld/%s", (long long)c->id,
			 step_path[t->case_state + 1]);
		snprintf(idem, sizeof idem, "sim-%s-k%lld-%d", s->run_id, (long long)c->id, t->case_state);
		snprintf(note, sizeof note, "hallq-sim: %s", step_path[t->case_state + 1]);
		body = json_pack("{s:s, s:s}", "who", "S-supervisor", "note", note);
		c->sent = true;
		if (hq_sim_post(s, s->reader, path, body, idem, &status, NULL) || status != 200) {
			/* Refused: the simulator's idea of the case is wrong. Say so and leave it. */
			hq_log(HQ_LOG_WARN, "case %lld: %s: %s", (long long)c->id, step_path[t->case_state + 1],
			       hq_client_error(s->reader));
			s->tally.unexpected++;
			c->goal = t->case_state;
		} else {
			s->tally.case_steps++;
		}
		json_decref(body);
	}
}
