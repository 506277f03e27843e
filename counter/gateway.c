/*
 * The gateway's rules for one bus (gateway.h). The exactly-once rule is the host's side of
 * firmware-proto/PROTOCOL.md section 4: L, the last sequence processed, only moves past an
 * event once hallqd has settled it, and the unit keeps every event until L reaches it; an
 * idempotency key made of the unit and its sequence makes a repeat after a gateway restart
 * harmless too. A sign-in is three events settled as one, so L moves past all three or none.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "entry.h"
#include "gateway.h"
#include "hq_error.h"
#include "unit.h"

static void logf_(struct hq_gw_bus *gb, const struct hq_gw_sink *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void logf_(struct hq_gw_bus *gb, const struct hq_gw_sink *s, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(gb->msg, sizeof gb->msg, fmt, ap);
	va_end(ap);
	s->log(s->ctx, level, gb->msg);
}

void hq_gw_unit_init(struct hq_gw_unit *u, int counter, int address, uint32_t gen, uint16_t last)
{
	memset(u, 0, sizeof *u);
	u->counter = counter;
	u->address = address;
	atomic_store(&u->gen, gen);
	atomic_store(&u->last, last);
}

void hq_gw_idem_key(const struct hq_gw_bus *gb, const struct hq_gw_unit *u, uint16_t seq,
		    char *out, size_t n)
{
	snprintf(out, n, "unit-%s-%d-%lu-%u", gb->bus->cfg.key, u->address,
		 (unsigned long)atomic_load(&u->gen), seq);
}

/* Start a new key series: later than every earlier one, also across gateway restarts. */
static void new_generation(struct hq_gw_unit *u, const struct hq_gw_sink *s)
{
	uint32_t now = s->wall_s(s->ctx), g = atomic_load(&u->gen);

	atomic_store(&u->gen, now > g ? now : g + 1);
	s->save(s->ctx);
}

static void went_offline(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s)
{
	int64_t now = s->now_ms(s->ctx);

	/* Said when a unit goes, and once for a unit that never answered since the start. */
	if (atomic_load(&u->online) || !u->said_offline)
		logf_(gb, s, HQ_GW_WARN, "%s unit %d (counter %d) offline: %s", gb->bus->cfg.key,
		      u->address, u->counter, gb->bus->error);
	u->said_offline = 1;
	atomic_store(&u->online, 0);
	u->next_try_ms = now + HQ_GW_OFFLINE_POLL_MS;
}

/* A poll or command that got no good answer. */
static void missed(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s, int rc)
{
	if (rc == HQ_ETIMEOUT)
		atomic_fetch_add(&u->timeouts, 1);
	else if (rc == HQ_EFRAME)
		atomic_fetch_add(&u->crc_errors, 1);
	else if (rc == HQ_EUNIT)
		atomic_fetch_add(&u->exceptions, 1);
	/* A unit that answers, even garbled or with an exception, is there: only silence
	 * counts towards offline (PROTOCOL.md 1.2), or a noisy line would take units off it. */
	if (rc != HQ_ETIMEOUT)
		return;
	if (++u->misses >= HQ_GW_OFFLINE_AFTER)
		went_offline(gb, u, s);
}

/* The unit's identity: what the log says hangs at the counter, and how many keys its
 * evaluator has (PROTOCOL.md 2.2). Until it is read, a rating waits in the unit. */
static int read_ident(struct hq_gw_bus *gb, struct hq_gw_unit *u, struct hq_cident *id)
{
	int rc = gb->bus->ops->ident(gb->bus, u->address, id);

	u->ident_ok = rc == HQ_OK;
	if (rc == HQ_OK) {
		u->caps = id->caps;
		u->eval_keys = HQFW_EVALUATOR_KEYS(id->caps);
	}
	return rc;
}

static void came_online(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s)
{
	struct hq_cident id;

	/* A unit keeps nothing but its address over a power cut (PROTOCOL.md 7): show and set
	 * its clock again. Its identity tells the log what hangs at the counter. */
	u->shown_valid = 0;
	u->clock_due_ms = 0;
	atomic_store(&u->online, 1);
	if (read_ident(gb, u, &id) == HQ_OK)
		logf_(gb, s, HQ_GW_INFO, "%s unit %d (counter %d) online: %s", gb->bus->cfg.key,
		      u->address, u->counter, id.text);
	else
		logf_(gb, s, HQ_GW_INFO, "%s unit %d (counter %d) online", gb->bus->cfg.key,
		      u->address, u->counter);
}

int hq_gw_level(int keys, int arg)
{
	/* The three keys are the ends and the middle of the national scale. */
	static const int three[] = { 0, 1, 3, 5 };

	if (keys == 5)
		return arg >= 1 && arg <= 5 ? arg : 0;
	if (keys == 3)
		return arg >= 1 && arg <= 3 ? three[arg] : 0;
	return 0;
}

static void show_err(struct hq_gw_unit *u, const struct hq_gw_sink *s)
{
	u->err_until_ms = s->now_ms(s->ctx) + HQ_GW_ERR_SHOW_MS;
}

/*
 * The sign-in that starts at p->ev[i] (PROTOCOL.md 5.4): returns how many events it takes
 * (3, or fewer for a malformed one, each then acknowledged), or 0 when the answer ends
 * inside it and more is pending: the caller stops before it and takes it whole next time.
 */
static int sign_in(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s,
		   const struct hq_cpoll *p, int i, const char *idem, enum hq_gw_press *r)
{
	const struct hq_cevent *e = &p->ev[i];
	char clerk[8], pin[HQFW_PIN_MAX + 1];
	volatile char *wipe = pin;
	int n, k;

	if (i + HQFW_SIGN_IN_EVENTS > p->nev && p->pending > p->nev && i > 0)
		return 0;
	if (i + HQFW_SIGN_IN_EVENTS > p->nev || e->arg == 0 || p->ev[i + 1].key != HQFW_KEY_PIN ||
	    p->ev[i + 2].key != HQFW_KEY_PIN || !hqfw_pin_unpack(p->ev[i + 1].arg, p->ev[i + 2].arg, pin)) {
		/* Take the sign-in and whatever PIN events follow it; say nothing of their values. */
		for (n = 1; n < HQFW_SIGN_IN_EVENTS && i + n < p->nev && p->ev[i + n].key == HQFW_KEY_PIN; n++)
			;
		logf_(gb, s, HQ_GW_WARN, "%s unit %d (counter %d): malformed sign-in (seq %u, %d of its "
		      "3 events); ignored", gb->bus->cfg.key, u->address, u->counter, e->seq, n);
		show_err(u, s);
		return n;
	}
	snprintf(clerk, sizeof clerk, "%u", (unsigned)e->arg);
	*r = s->sign_in(s->ctx, u->counter, clerk, pin, idem);
	for (k = 0; k < (int)sizeof pin; k++)
		wipe[k] = '\0';
	if (*r == HQ_GW_REFUSED)
		show_err(u, s);
	return HQFW_SIGN_IN_EVENTS;
}

/* Take the events of one good poll answer, PROTOCOL.md 4.3. Returns the line's state. */
static int take(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s,
		const struct hq_cpoll *p)
{
	struct hq_cident id;
	char idem[128];
	int i, n, from = 0, seen = 0, rc, level;
	uint16_t before = u->last;

	for (i = 0; i < p->nev; i++) {
		if (p->ev[i].seq == u->last && u->last != 0) {
			from = i + 1;
			seen = 1;
		}
	}
	for (i = from; i < p->nev; i += n) {
		const struct hq_cevent *e = &p->ev[i];
		enum hq_gw_press r = HQ_GW_DONE;

		if (s->now_ms(s->ctx) < u->retry_ms)
			break;
		hq_gw_idem_key(gb, u, e->seq, idem, sizeof idem);
		n = 1;
		if (e->key == HQFW_KEY_SIGN_IN) {
			if ((n = sign_in(gb, u, s, p, i, idem, &r)) == 0)
				break;
		} else if (e->key == HQFW_KEY_PIN) {
			logf_(gb, s, HQ_GW_WARN, "%s unit %d (counter %d): a PIN without its sign-in (seq %u); "
			      "ignored", gb->bus->cfg.key, u->address, u->counter, e->seq);
			show_err(u, s);
		} else if (e->key == HQFW_KEY_RATE) {
			/* The scale is the unit's: its identity must be known (PROTOCOL.md 5.2). */
			if (!u->ident_ok && read_ident(gb, u, &id) != HQ_OK)
				break;
			if ((level = hq_gw_level(u->eval_keys, e->arg)))
				r = s->press(s->ctx, u->counter, e->key, level, idem);
			else
				logf_(gb, s, HQ_GW_WARN, "%s unit %d: rating %u is not a key of its %d-key "
				      "evaluator (seq %u); ignored", gb->bus->cfg.key, u->address, e->arg,
				      u->eval_keys, e->seq);
		} else if (e->key < 1 || e->key > HQFW_KEY_MAX) {
			logf_(gb, s, HQ_GW_WARN, "%s unit %d: unknown key code %d (seq %u) ignored",
			      gb->bus->cfg.key, u->address, e->key, e->seq);
		} else {
			r = s->press(s->ctx, u->counter, e->key, e->arg, idem);
		}
		if (r == HQ_GW_RETRY) {
			u->retry_ms = s->now_ms(s->ctx) + HQ_GW_SERVER_RETRY_MS;
			break;
		}
		atomic_store(&u->last, p->ev[i + n - 1].seq);
		atomic_fetch_add(&u->events, (unsigned long long)n);
	}
	if (u->last != before)
		s->save(s->ctx);
	/* Modbus acknowledges with a write of its own: after new events, and again when the
	 * answer showed events already processed (the last acknowledgement was lost). */
	if (gb->bus->ops->ack && (u->last != before || seen)) {
		rc = gb->bus->ops->ack(gb->bus, u->address, u->last);
		if (rc == HQ_ELINK)
			return rc;
		if (rc)
			missed(gb, u, s, rc);
	}
	if (p->status & HQ_CST_REFUSED)
		atomic_fetch_add(&u->refused, 1);
	return HQ_OK;
}

/* The unit restarted: PROTOCOL.md 4.4. */
static int restarted(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s,
		     struct hq_cpoll *p)
{
	int rc;

	logf_(gb, s, HQ_GW_INFO, "%s unit %d (counter %d) restarted", gb->bus->cfg.key, u->address,
	      u->counter);
	atomic_store(&u->last, 0);
	new_generation(u, s);
	u->shown_valid = 0;
	u->clock_due_ms = 0;
	/* Acknowledging 0 clears BOOT. The plain POLL carries it and fetches the events in one
	 * frame, so poll again at once; Modbus writes it and takes the events next round. */
	if (gb->bus->ops->ack)
		return gb->bus->ops->ack(gb->bus, u->address, 0);
	atomic_fetch_add(&u->polls, 1);
	if ((rc = gb->bus->ops->poll(gb->bus, u->address, 0, p)))
		return rc;
	if (p->status & HQ_CST_BOOT)
		return HQ_OK; /* the acknowledgement was lost: again next round */
	return take(gb, u, s, p);
}

int hq_gw_poll_unit(struct hq_gw_bus *gb, struct hq_gw_unit *u, const struct hq_gw_sink *s)
{
	const struct hq_cbus_ops *ops = gb->bus->ops;
	struct hq_cpoll p;
	struct hq_cshow want;
	int rc;

	memset(&p, 0, sizeof p);
	atomic_fetch_add(&u->polls, 1);
	rc = ops->poll(gb->bus, u->address, u->last, &p);
	if (rc == HQ_ELINK)
		goto link;
	if (rc) {
		missed(gb, u, s, rc);
		return HQ_OK;
	}
	u->misses = 0;
	if (!atomic_load(&u->online))
		came_online(gb, u, s);
	else if (p.status & HQ_CST_BOOT)
		u->ident_ok = 0; /* it may be another unit now, with five evaluator keys for three */
	rc = (p.status & HQ_CST_BOOT) ? restarted(gb, u, s, &p) : take(gb, u, s, &p);
	if (rc == HQ_ELINK)
		goto link;
	if (rc)
		missed(gb, u, s, rc);

	s->view(s->ctx, u->counter, &want);
	if (s->now_ms(s->ctx) < u->err_until_ms) {
		/* A refused sign-in: Err, in the open state so that PAUS does not hide it. */
		snprintf(want.text, sizeof want.text, "%s", HQ_GW_ERR_TEXT);
		want.state = 0;
	}
	if (!u->shown_valid || memcmp(&want, &u->shown, sizeof want) != 0) {
		/* Every ticket issued or called changes the waiting count of many units at once.
		 * Writing them all in one round would hold up the polls, and with them the next
		 * press, by a whole round of writes: a few a round is soon enough for a count. */
		int count_only = u->shown_valid && want.state == u->shown.state &&
				 want.brightness == u->shown.brightness && !strcmp(want.text, u->shown.text);

		if (count_only && gb->waiting_shows >= HQ_GW_WAITING_SHOWS)
			goto shown;
		gb->waiting_shows += count_only;
		rc = ops->show(gb->bus, u->address, &want);
		if (rc == HQ_ELINK)
			goto link;
		if (rc == HQ_OK) {
			u->shown = want;
			u->shown_valid = 1;
		} else {
			missed(gb, u, s, rc);
		}
	}
shown:
	if (s->now_ms(s->ctx) >= u->clock_due_ms) {
		rc = ops->clock(gb->bus, u->address, s->wall_s(s->ctx));
		if (rc == HQ_ELINK)
			goto link;
		u->clock_due_ms = s->now_ms(s->ctx) + (rc ? HQ_GW_OFFLINE_POLL_MS : HQ_GW_CLOCK_EVERY_S * 1000LL);
	}
	if (s->now_ms(s->ctx) >= u->status_due_ms) {
		struct hq_cstatus st;

		rc = ops->status(gb->bus, u->address, &st);
		if (rc == HQ_ELINK)
			goto link;
		if (rc == HQ_OK)
			atomic_store(&u->unit_crc_errors, st.crc_errors);
		/* Spread over the minute by address, so the reads of a line's units do not all
		 * fall into one slow round. */
		u->status_due_ms = s->now_ms(s->ctx) + HQ_GW_STATUS_EVERY_MS +
				   (u->status_due_ms ? 0 : u->address * 1000LL % HQ_GW_STATUS_EVERY_MS);
	}
	return HQ_OK;
link:
	logf_(gb, s, HQ_GW_ERROR, "%s: line lost (%s); reopening every %d ms", gb->bus->cfg.key,
	      gb->bus->error, HQ_GW_RECONNECT_MS);
	gb->bus->ops->close(gb->bus);
	atomic_store(&gb->up, 0);
	gb->next_connect_ms = s->now_ms(s->ctx) + HQ_GW_RECONNECT_MS;
	return HQ_ELINK;
}

static void end_cycle(struct hq_gw_bus *gb, int64_t now)
{
	unsigned long long us = (unsigned long long)(now - gb->cycle_start_ms) * 1000ull;

	if (!gb->cycle_skipped && gb->cycle_start_ms) {
		atomic_fetch_add(&gb->cycles, 1);
		atomic_fetch_add(&gb->cycle_us_sum, us);
		if (us > atomic_load(&gb->cycle_us_max))
			atomic_store(&gb->cycle_us_max, us);
	}
	gb->cycle_start_ms = now;
	gb->cycle_skipped = 0;
}

int hq_gw_round(struct hq_gw_bus *gb, const struct hq_gw_sink *s)
{
	int64_t now = s->now_ms(s->ctx);
	int i, polled = 0, rc;

	if (!atomic_load(&gb->up)) {
		if (now < gb->next_connect_ms)
			return 0;
		if ((rc = gb->bus->ops->connect(gb->bus))) {
			/* Said once, then every minute, not every second it goes on. */
			if (gb->connect_failures++ % 60 == 0)
				logf_(gb, s, HQ_GW_ERROR, "%s: cannot open the line: %s", gb->bus->cfg.key,
				      gb->bus->error);
			gb->next_connect_ms = now + HQ_GW_RECONNECT_MS;
			return 0;
		}
		gb->connect_failures = 0;
		atomic_store(&gb->up, 1);
		atomic_fetch_add(&gb->reopens, 1);
		logf_(gb, s, HQ_GW_INFO, "%s: line open (%s, %d units)", gb->bus->cfg.key,
		      gb->bus->ops->name, gb->nunits);
		gb->cycle_start_ms = 0;
		for (i = 0; i < gb->nunits; i++)
			gb->units[i].next_try_ms = 0;
	}
	gb->waiting_shows = 0;
	for (i = 0; i < gb->nunits; i++) {
		struct hq_gw_unit *u = &gb->units[i];

		if (s->stopping && s->stopping(s->ctx))
			return polled;
		if (u->misses >= HQ_GW_OFFLINE_AFTER && s->now_ms(s->ctx) < u->next_try_ms) {
			gb->cycle_skipped = 1;
			continue;
		}
		polled++;
		if (hq_gw_poll_unit(gb, u, s) == HQ_ELINK) {
			gb->cycle_start_ms = 0;
			return polled;
		}
	}
	end_cycle(gb, s->now_ms(s->ctx));
	return polled;
}

int hq_gw_idle_ms(const struct hq_gw_bus *gb, const struct hq_gw_sink *s)
{
	int64_t now = s->now_ms(s->ctx), next = now + HQ_GW_OFFLINE_POLL_MS;
	int i;

	if (!atomic_load(&gb->up))
		next = gb->next_connect_ms;
	else
		for (i = 0; i < gb->nunits; i++)
			if (gb->units[i].next_try_ms < next)
				next = gb->units[i].next_try_ms;
	return next > now ? (int)(next - now) : 0;
}

void hq_gw_cycle_stats(struct hq_gw_bus *gb, double *mean_ms, double *max_ms, unsigned long long *n)
{
	unsigned long long c = atomic_exchange(&gb->cycles, 0);
	unsigned long long sum = atomic_exchange(&gb->cycle_us_sum, 0);
	unsigned long long mx = atomic_exchange(&gb->cycle_us_max, 0);

	*n = c;
	*mean_ms = c ? (double)sum / (double)c / 1000.0 : 0;
	*max_ms = (double)mx / 1000.0;
}
