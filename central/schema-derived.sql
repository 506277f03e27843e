-- The derived part of the central schema: what the centre works out from each hall's event
-- feed, so that a hall's figures can be read without asking the hall.
--
--   hallq.tickets        every ticket of every hall, as the queue's state machine
--                        (queue/queue.c, docs/queue.md "Life of a ticket") leaves it after the
--                        events received so far; kept by a trigger on hallq.events;
--   hallq.appointments   the appointments (booked, checked in), for the stats' two columns;
--   hallq.day_figures    per hall and local day of issue: the sums the appraisal score is
--                        made of (served, called, on time, reviews, cases, alerts), kept by
--                        triggers, so that a month's ranking of 50 halls reads 1,500 rows;
--   hallq.stats(...)     the hall's own `hallq stats` (queue/stats.c) over the central rows;
--   hallq.ranking(...)   a hall and the halls under it ranked by the appraisal score
--                        (queue/appraisal.c) with on-time rate, satisfaction and 差评整改率.
--
-- It is loaded after the base tables (central/schema.sql: halls, services, events), which
-- it needs; central/schema.sql ends with `\i schema-derived.sql` (psql resolves it beside
-- the including file) and a loader without psql concatenates the two files in that order.
-- Every statement here is re-runnable on an empty derived part only: a change to a table
-- below goes into central/migrations like the base's.
--
-- What the events cannot say, and what is asked of the forwarder for it, is written down at
-- the end of /work/notes/central-contract.md ("B needs"): the slot time of a booking, the
-- hall's time zone, its config's check-in window, [appraisal] weights and alert rules, and
-- the services' config order. Where a piece is missing the code falls back as documented
-- at each use.

-- Tickets -------------------------------------------------------------------------------

-- One row a ticket, keyed like the hall's own (its ids are unique in the hall for ever).
-- States and their numbers are the hall's enum hq_tstate (common/hq_hall.h): 0 waiting,
-- 1 called, 2 serving, 3 parked, 4 done, 5 noshow, 6 transferred, 7 cancelled. Times are
-- the hall's unix milliseconds, 0 when not yet, as in the hall's table, so that the
-- arithmetic of queue/stats.c reads the same here.
CREATE TABLE hallq.tickets (
	hall_id text NOT NULL,
	ticket_id bigint NOT NULL,
	parent_id bigint NOT NULL DEFAULT 0,    -- the ticket a transfer continued, 0 if none
	day date,                               -- local date of issue (NULL: not known)
	service text NOT NULL,                  -- the service it now waits for or was in
	class text NOT NULL DEFAULT 'normal',   -- normal | priority | appointment
	label text NOT NULL DEFAULT '',
	number int NOT NULL DEFAULT 0,
	state smallint NOT NULL DEFAULT 0,
	counter int NOT NULL DEFAULT 0,         -- the counter that last called it
	target_counter int NOT NULL DEFAULT 0,
	clerk text NOT NULL DEFAULT '',         -- the clerk signed in there at that call
	recalls int NOT NULL DEFAULT 0,
	rating smallint NOT NULL DEFAULT 0,     -- its review's level, 0 for none
	case_id bigint,                         -- its bad-review case, NULL for none
	case_state smallint,                    -- 0 open .. 4 closed (hq_case_state), NULL none
	issued_at_ms bigint,                    -- NULL only for a row made from a later event
	queued_at_ms bigint NOT NULL DEFAULT 0,
	called_at_ms bigint NOT NULL DEFAULT 0,
	started_at_ms bigint NOT NULL DEFAULT 0,
	ended_at_ms bigint NOT NULL DEFAULT 0,
	end_reason text NOT NULL DEFAULT '',
	-- True while the row was made from an event after the ticket's start (its `issued` or
	-- `requeued` never came: a feed joined late, or purged by the hall's retention); such
	-- a row has no issue time, so no figure over a period counts it.
	partial boolean NOT NULL DEFAULT false,
	last_event_id bigint NOT NULL,          -- the last event applied: a replay skips it
	PRIMARY KEY (hall_id, ticket_id)
);
-- The figures select a hall's tickets by issue time, as the hall's own index does.
CREATE INDEX tickets_issued ON hallq.tickets (hall_id, issued_at_ms);
-- hallq-central's board: the waiting of each hall.
CREATE INDEX tickets_waiting ON hallq.tickets (hall_id) WHERE state = 0;  -- waiting

CREATE TABLE hallq.appointments (
	hall_id text NOT NULL,
	appointment_id bigint NOT NULL,
	service text NOT NULL,
	booked_at_ms bigint NOT NULL,
	slot_at_ms bigint,                      -- NULL when the booking's event did not carry it
	ticket_id bigint NOT NULL DEFAULT 0,    -- its check-in's ticket, 0 if none yet
	PRIMARY KEY (hall_id, appointment_id)
);
CREATE INDEX appointments_slot ON hallq.appointments (hall_id, slot_at_ms);

-- The hall's settings the figures need, from the config jsonb the forwarder keeps in
-- hallq.halls (B needs, in the contract). Each has the hall's own default when absent.
CREATE FUNCTION hallq.hall_tz(p_hall text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT COALESCE((SELECT NULLIF(config->>'timezone', '') FROM hallq.halls
			 WHERE hall_id = p_hall), current_setting('TimeZone'))
$$;

-- The local date of a hall's millisecond time.
CREATE FUNCTION hallq.local_day(p_tz text, p_ms bigint) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
	SELECT (to_timestamp(p_ms / 1000.0) AT TIME ZONE p_tz)::date
$$;

-- Local midnight at the start of a day, in the hall's milliseconds.
CREATE FUNCTION hallq.day_start_ms(p_tz text, p_day date) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT (extract(epoch FROM (p_day::timestamp AT TIME ZONE p_tz)) * 1000)::bigint
$$;

-- The kind of an alert rule (queue/hq_alert.h): the config's `[alert NAME] kind`, or the
-- kind of the default rule of that name (docs/queue.md, "Thresholds").
CREATE FUNCTION hallq.alert_kind(p_hall text, p_rule text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT COALESCE(
		(SELECT config->'alerts'->p_rule->>'kind' FROM hallq.halls WHERE hall_id = p_hall),
		CASE p_rule
		WHEN 'long_wait' THEN 'wait' WHEN 'long_queue' THEN 'queue'
		WHEN 'long_pause' THEN 'pause' WHEN 'pause_no_reason' THEN 'pause_reason'
		WHEN 'unstaffed' THEN 'unstaffed' WHEN 'no_calls' THEN 'idle'
		WHEN 'slow_service' THEN 'slow' WHEN 'noshow_streak' THEN 'noshows'
		WHEN 'bad_review' THEN 'bad_review' WHEN 'case_overdue' THEN 'case_overdue'
		WHEN 'device_down' THEN 'device' END)
$$;

-- Day figures --------------------------------------------------------------------------

-- What the appraisal score sums, per hall and local day: the work of the tickets issued
-- that day (as the stats count it), and the alerts raised that day. A ticket's part is
-- taken out and put back whenever its row changes (trigger below), so a review given or a
-- case rectified weeks later moves the day it belongs to, as the hall's own figures do.
CREATE TABLE hallq.day_figures (
	hall_id text NOT NULL,
	day date NOT NULL,
	tickets int NOT NULL DEFAULT 0,
	served int NOT NULL DEFAULT 0,
	called int NOT NULL DEFAULT 0,
	on_time int NOT NULL DEFAULT 0,         -- against the service's max wait at the time
	wait_sum_s double precision NOT NULL DEFAULT 0,
	reviews int NOT NULL DEFAULT 0,
	satisfied int NOT NULL DEFAULT 0,       -- reviews at level 3 or above
	bad_reviews int NOT NULL DEFAULT 0,
	cases int NOT NULL DEFAULT 0,           -- bad reviews with a case
	rectified int NOT NULL DEFAULT 0,       -- of those, rectified or beyond
	alerts int NOT NULL DEFAULT 0,          -- alerts a window's conduct causes
	absences int NOT NULL DEFAULT 0,        -- unstaffed alerts
	PRIMARY KEY (hall_id, day)
);

-- Add (sign 1) or take out (sign -1) one ticket's part of its day.
CREATE FUNCTION hallq.day_figures_add(t hallq.tickets, sign int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	w double precision;
	limit_s double precision;
BEGIN
	IF t.issued_at_ms IS NULL OR t.day IS NULL THEN
		RETURN;
	END IF;
	IF t.called_at_ms <> 0 THEN
		w := (t.called_at_ms - t.queued_at_ms) / 1000.0;
		SELECT s.max_wait_minutes * 60.0 INTO limit_s FROM hallq.services s
		WHERE s.hall_id = t.hall_id AND s.key = t.service;
	END IF;
	INSERT INTO hallq.day_figures AS d (hall_id, day, tickets, served, called, on_time,
		wait_sum_s, reviews, satisfied, bad_reviews, cases, rectified)
	VALUES (t.hall_id, t.day, sign,
		sign * (t.state = 4)::int,
		sign * (t.called_at_ms <> 0)::int,
		sign * (t.called_at_ms <> 0 AND w <= COALESCE(limit_s, 1800.0))::int,
		sign * COALESCE(w, 0),
		sign * (t.rating BETWEEN 1 AND 5)::int,
		sign * (t.rating BETWEEN 3 AND 5)::int,
		sign * (t.rating BETWEEN 1 AND 2)::int,
		sign * (t.rating BETWEEN 1 AND 2 AND t.case_state IS NOT NULL)::int,
		sign * (t.rating BETWEEN 1 AND 2 AND COALESCE(t.case_state, -1) >= 2)::int)
	ON CONFLICT (hall_id, day) DO UPDATE SET
		tickets = d.tickets + EXCLUDED.tickets, served = d.served + EXCLUDED.served,
		called = d.called + EXCLUDED.called, on_time = d.on_time + EXCLUDED.on_time,
		wait_sum_s = d.wait_sum_s + EXCLUDED.wait_sum_s,
		reviews = d.reviews + EXCLUDED.reviews, satisfied = d.satisfied + EXCLUDED.satisfied,
		bad_reviews = d.bad_reviews + EXCLUDED.bad_reviews, cases = d.cases + EXCLUDED.cases,
		rectified = d.rectified + EXCLUDED.rectified;
END;
$$;

CREATE FUNCTION hallq.tickets_to_days() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		PERFORM hallq.day_figures_add(OLD, -1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM hallq.day_figures_add(NEW, 1);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER tickets_to_days AFTER INSERT OR UPDATE OR DELETE ON hallq.tickets
	FOR EACH ROW EXECUTE FUNCTION hallq.tickets_to_days();

-- Recompute one hall's day figures from its tickets and events, e.g. after its services'
-- max waits changed (on time is judged against the max wait when the ticket's row last
-- changed; the hall judges it against its config when the figures are taken).
CREATE FUNCTION hallq.day_figures_rebuild(p_hall text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	tz text := hallq.hall_tz(p_hall);
BEGIN
	DELETE FROM hallq.day_figures WHERE hall_id = p_hall;
	-- The same sums as day_figures_add, a whole hall at once.
	INSERT INTO hallq.day_figures (hall_id, day, tickets, served, called, on_time,
		wait_sum_s, reviews, satisfied, bad_reviews, cases, rectified)
	SELECT p_hall, t.day, count(*), count(*) FILTER (WHERE t.state = 4),
	       count(*) FILTER (WHERE t.called_at_ms <> 0),
	       count(*) FILTER (WHERE t.called_at_ms <> 0 AND (t.called_at_ms - t.queued_at_ms)
				/ 1000.0 <= COALESCE(s.max_wait_minutes * 60.0, 1800.0)),
	       COALESCE(sum((t.called_at_ms - t.queued_at_ms) / 1000.0)
			FILTER (WHERE t.called_at_ms <> 0), 0),
	       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 5),
	       count(*) FILTER (WHERE t.rating BETWEEN 3 AND 5),
	       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2),
	       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2 AND t.case_state IS NOT NULL),
	       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2 AND t.case_state >= 2)
	FROM hallq.tickets t
	LEFT JOIN hallq.services s ON s.hall_id = t.hall_id AND s.key = t.service
	WHERE t.hall_id = p_hall AND t.issued_at_ms IS NOT NULL AND t.day IS NOT NULL
	GROUP BY t.day;
	INSERT INTO hallq.day_figures AS d (hall_id, day, alerts, absences)
	SELECT p_hall, hallq.local_day(tz, e.at_ms),
	       count(*) FILTER (WHERE k IN ('wait', 'queue', 'pause', 'pause_reason', 'idle',
					    'slow', 'noshows')),
	       count(*) FILTER (WHERE k = 'unstaffed' AND e.counter <> 0)
	FROM hallq.events e,
	     LATERAL hallq.alert_kind(p_hall, split_part(e.detail, ':', 1)) k
	WHERE e.hall_id = p_hall AND e.type = 'alert_raised'
	GROUP BY 2
	ON CONFLICT (hall_id, day) DO UPDATE SET alerts = EXCLUDED.alerts,
		absences = EXCLUDED.absences;
END;
$$;

-- The event trigger --------------------------------------------------------------------

-- A row for an event whose ticket has none: made from what the event says, marked partial.
CREATE FUNCTION hallq.ticket_stub(e hallq.events) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO hallq.tickets (hall_id, ticket_id, service, label, number, partial,
				   last_event_id)
	VALUES (e.hall_id, e.ticket_id, e.service, e.label,
		COALESCE(NULLIF(substring(e.label FROM '[0-9]+$'), '')::int, 0), true, 0)
	ON CONFLICT DO NOTHING
$$;

-- Apply one event of a hall to the tickets, as the hall's queue changed them when it wrote
-- it (queue/queue.c, review.c, day.c; the table in docs/queue.md "Events"). Events of one
-- hall come in the order of their ids (hallq-sync sends them so, a batch a transaction);
-- an event already applied to its ticket (last_event_id) changes nothing, so replaying the
-- feed (hallq.tickets_rebuild) is harmless.
CREATE FUNCTION hallq.apply_event_row(e hallq.events) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	tz text;
	p hallq.tickets;
	k text;
BEGIN
	IF e.type IN ('booked', 'checked_in') THEN
		IF e.type = 'booked' THEN
			-- The slot is the detail when the hall (or the forwarder) gives it, in ms.
			INSERT INTO hallq.appointments (hall_id, appointment_id, service, booked_at_ms,
							slot_at_ms)
			VALUES (e.hall_id, e.value, e.service, e.at_ms,
				CASE WHEN e.detail ~ '^[0-9]{1,18}$' THEN e.detail::bigint END)
			ON CONFLICT DO NOTHING;
			RETURN;
		END IF;
		UPDATE hallq.appointments SET ticket_id = e.ticket_id
		WHERE hall_id = e.hall_id AND appointment_id = e.value;
		RETURN;
	END IF;
	IF e.type IN ('alert_raised') THEN
		k := hallq.alert_kind(e.hall_id, split_part(e.detail, ':', 1));
		IF k IN ('wait', 'queue', 'pause', 'pause_reason', 'idle', 'slow', 'noshows')
		   OR (k = 'unstaffed' AND e.counter <> 0) THEN
			INSERT INTO hallq.day_figures AS d (hall_id, day, alerts, absences)
			VALUES (e.hall_id, hallq.local_day(hallq.hall_tz(e.hall_id), e.at_ms),
				(k <> 'unstaffed')::int, (k = 'unstaffed')::int)
			ON CONFLICT (hall_id, day) DO UPDATE SET
				alerts = d.alerts + EXCLUDED.alerts,
				absences = d.absences + EXCLUDED.absences;
		END IF;
		RETURN;
	END IF;
	IF e.ticket_id = 0 THEN
		RETURN;        -- counters, sign-ins, day_closed, config: no ticket changes
	END IF;

	IF e.type = 'issued' THEN
		tz := hallq.hall_tz(e.hall_id);
		INSERT INTO hallq.tickets AS t (hall_id, ticket_id, day, service, class, label,
			number, issued_at_ms, queued_at_ms, last_event_id)
		VALUES (e.hall_id, e.ticket_id, hallq.local_day(tz, e.at_ms), e.service,
			COALESCE(NULLIF(e.detail, ''), 'normal'), e.label,
			COALESCE(NULLIF(substring(e.label FROM '[0-9]+$'), '')::int, 0),
			e.at_ms, e.at_ms, e.event_id)
		ON CONFLICT (hall_id, ticket_id) DO UPDATE SET
			-- A stub made from a later event learns its start; its state stays.
			day = EXCLUDED.day, class = EXCLUDED.class, issued_at_ms = EXCLUDED.issued_at_ms,
			queued_at_ms = EXCLUDED.queued_at_ms, partial = false
		WHERE t.partial;
		RETURN;
	END IF;

	IF e.type = 'requeued' AND e.detail = 'transfer' THEN
		-- A transfer's new ticket. Its parent is the ticket of the `transferred` event the
		-- same transaction wrote just before (queue.c do_transfer: end_current, then
		-- requeue_as_child, nothing in between); it keeps the parent's label, class,
		-- number, day and issue time, and waits from now.
		SELECT t.* INTO p FROM hallq.events x
		JOIN hallq.tickets t ON t.hall_id = x.hall_id AND t.ticket_id = x.ticket_id
		WHERE x.hall_id = e.hall_id AND x.event_id < e.event_id AND x.type = 'transferred'
		  AND x.label = e.label
		ORDER BY x.event_id DESC LIMIT 1;
		INSERT INTO hallq.tickets AS t (hall_id, ticket_id, parent_id, day, service, class,
			label, number, target_counter, issued_at_ms, queued_at_ms, partial,
			last_event_id)
		VALUES (e.hall_id, e.ticket_id, COALESCE(p.ticket_id, 0), p.day, e.service,
			COALESCE(p.class, 'normal'), e.label,
			COALESCE(p.number, NULLIF(substring(e.label FROM '[0-9]+$'), '')::int, 0),
			e.counter, p.issued_at_ms, e.at_ms, p.ticket_id IS NULL OR p.partial,
			e.event_id)
		ON CONFLICT (hall_id, ticket_id) DO NOTHING;
		RETURN;
	END IF;

	PERFORM 1 FROM hallq.tickets WHERE hall_id = e.hall_id AND ticket_id = e.ticket_id;
	IF NOT FOUND THEN
		PERFORM hallq.ticket_stub(e);
	END IF;

	-- Each case mirrors the hall's UPDATE of the ticket for that event (queue/sql.h).
	UPDATE hallq.tickets t SET
		state = CASE e.type
			WHEN 'called' THEN 1 WHEN 'started' THEN 2 WHEN 'parked' THEN 3
			WHEN 'finished' THEN 4 WHEN 'noshow' THEN 5 WHEN 'transferred' THEN 6
			WHEN 'cancelled' THEN 7 WHEN 'requeued' THEN 0 ELSE t.state END,
		counter = CASE WHEN e.type = 'called' THEN e.counter ELSE t.counter END,
		clerk = CASE WHEN e.type = 'called' THEN e.detail ELSE t.clerk END,
		-- A call clears the target; an unpark sends it back to the counter that parked it.
		target_counter = CASE e.type WHEN 'called' THEN 0 WHEN 'requeued' THEN e.counter
				 ELSE t.target_counter END,
		-- The first call only: a parked ticket called again keeps its wait.
		called_at_ms = CASE WHEN e.type = 'called' AND t.called_at_ms = 0 THEN e.at_ms
			       ELSE t.called_at_ms END,
		started_at_ms = CASE WHEN e.type = 'started' THEN e.at_ms ELSE t.started_at_ms END,
		ended_at_ms = CASE WHEN e.type IN ('finished', 'noshow', 'transferred', 'cancelled')
				   THEN e.at_ms WHEN e.type = 'parked' THEN 0 ELSE t.ended_at_ms END,
		end_reason = CASE e.type
			WHEN 'cancelled' THEN e.detail
			WHEN 'transferred' THEN CASE WHEN e.value = 0 THEN 'to service'
					   ELSE 'to counter' END
			WHEN 'noshow' THEN 'no-show'
			WHEN 'finished' THEN '' WHEN 'parked' THEN '' ELSE t.end_reason END,
		recalls = CASE WHEN e.type = 'recalled' THEN e.value ELSE t.recalls END,
		rating = CASE WHEN e.type IN ('reviewed', 'review_changed') THEN e.value
			 ELSE t.rating END,
		case_id = CASE WHEN e.type = 'case_opened' THEN e.value ELSE t.case_id END,
		case_state = CASE e.type WHEN 'case_opened' THEN 0 WHEN 'case_step' THEN e.value
			     ELSE t.case_state END,
		-- A ticket's service is the event's (a transfer's continuation has its own row).
		service = CASE WHEN e.service <> '' THEN e.service ELSE t.service END,
		last_event_id = e.event_id
	WHERE t.hall_id = e.hall_id AND t.ticket_id = e.ticket_id AND t.last_event_id < e.event_id
	  AND e.type IN ('called', 'recalled', 'started', 'finished', 'noshow', 'parked',
			 'transferred', 'requeued', 'cancelled', 'reviewed', 'review_changed',
			 'case_opened', 'case_step');
	RETURN;
END;
$$;
CREATE FUNCTION hallq.apply_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM hallq.apply_event_row(NEW);
	RETURN NULL;
END;
$$;
CREATE TRIGGER events_apply AFTER INSERT ON hallq.events
	FOR EACH ROW EXECUTE FUNCTION hallq.apply_event();

-- Forget a hall's derived rows and replay its whole feed, in order (after a change of this
-- file's rules, or a feed loaded with the trigger disabled).
CREATE FUNCTION hallq.tickets_rebuild(p_hall text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	e hallq.events;
	n bigint := 0;
BEGIN
	DELETE FROM hallq.tickets WHERE hall_id = p_hall;
	DELETE FROM hallq.appointments WHERE hall_id = p_hall;
	DELETE FROM hallq.day_figures WHERE hall_id = p_hall;
	FOR e IN SELECT * FROM hallq.events WHERE hall_id = p_hall ORDER BY event_id LOOP
		PERFORM hallq.apply_event_row(e);
		n := n + 1;
	END LOOP;
	RETURN n;
END;
$$;

-- Statistics ---------------------------------------------------------------------------

-- The hall's `hallq stats` (queue/stats.c, docs/queue.md "Statistics") from the central
-- rows: the tickets issued in [from_ms, to_ms), grouped by `by` (service, counter, clerk,
-- hour, day, week, month), one row a group in the hall's order and then the row 'total'.
-- now_ms is the hall's "when the figures are taken", which decides only the missed
-- appointments (their check-in window closed by then); by default the hall's clock as the
-- centre last heard it, its newest event.
CREATE FUNCTION hallq.stats(p_hall text, p_by text, p_from bigint, p_to bigint,
			    p_now bigint DEFAULT NULL)
RETURNS TABLE (key text, issued int, called int, served int, noshow int, transferred int,
	       cancelled int, waiting int, wait_mean_s double precision,
	       wait_p50_s double precision, wait_p90_s double precision,
	       wait_max_s double precision, service_mean_s double precision,
	       service_p90_s double precision, on_time_rate double precision, rated int,
	       satisfaction_rate double precision, score_mean double precision, level1 int,
	       level2 int, level3 int, level4 int, level5 int, bad_reviews int,
	       rectify_rate double precision, revisit_rate double precision, appointments int,
	       missed_appointments int)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
	tz text := hallq.hall_tz(p_hall);
	late_ms bigint := 60000 * COALESCE((SELECT (h.config->>'checkin_late_minutes')::int
					     FROM hallq.halls h WHERE h.hall_id = p_hall), 10);
	now_ms bigint := COALESCE(p_now, (SELECT max(e.at_ms) FROM hallq.events e
					  WHERE e.hall_id = p_hall));
BEGIN
	IF p_by NOT IN ('service', 'counter', 'clerk', 'hour', 'day', 'week', 'month') THEN
		RAISE EXCEPTION 'statistics group % is not service, counter, clerk, hour, day, week or month', p_by;
	END IF;
	IF p_to <= p_from THEN
		RAISE EXCEPTION 'the statistics range ends before it starts';
	END IF;
	RETURN QUERY
	WITH t AS (
		SELECT tk.*,
		       CASE p_by
		       WHEN 'service' THEN tk.service
		       WHEN 'counter' THEN CASE WHEN tk.counter <> 0 THEN tk.counter::text END
		       WHEN 'clerk' THEN CASE WHEN tk.counter <> 0 THEN COALESCE(NULLIF(tk.clerk, ''), '-') END
		       WHEN 'hour' THEN to_char(lt, 'HH24')
		       WHEN 'day' THEN to_char(lt, 'YYYY-MM-DD')
		       WHEN 'week' THEN to_char(lt, 'IYYY-"W"IW')
		       ELSE to_char(lt, 'YYYY-MM') END AS g,
		       CASE WHEN tk.called_at_ms <> 0
			    THEN (tk.called_at_ms - tk.queued_at_ms) / 1000.0::float8 END AS w,
		       CASE WHEN tk.state = 4
			    THEN (tk.ended_at_ms - CASE WHEN tk.started_at_ms <> 0 THEN tk.started_at_ms
						       ELSE tk.called_at_ms END) / 1000.0::float8 END AS d,
		       -- A service taken out of the config keeps the default threshold.
		       COALESCE(s.max_wait_minutes, 30) * 60.0::float8 AS limit_s
		FROM hallq.tickets tk
		LEFT JOIN hallq.services s ON s.hall_id = tk.hall_id AND s.key = tk.service,
		LATERAL (SELECT to_timestamp(tk.issued_at_ms / 1000) AT TIME ZONE tz AS lt) l
		WHERE tk.hall_id = p_hall AND tk.issued_at_ms >= p_from AND tk.issued_at_ms < p_to
	), a AS (
		SELECT t.g, GROUPING(t.g) AS is_total,
		       count(*) FILTER (WHERE t.parent_id = 0)::int AS issued,
		       count(t.w)::int AS called,
		       count(*) FILTER (WHERE t.state = 4)::int AS served,
		       count(*) FILTER (WHERE t.state = 5)::int AS noshow,
		       count(*) FILTER (WHERE t.state = 6)::int AS transferred,
		       count(*) FILTER (WHERE t.state = 7)::int AS cancelled,
		       count(*) FILTER (WHERE t.state < 4)::int AS waiting,
		       -- Summed in the hall's order (its index on the issue time), so that even
		       -- the last bit of a mean agrees.
		       sum(t.w ORDER BY t.issued_at_ms, t.ticket_id) AS wsum,
		       array_agg(t.w ORDER BY t.w) FILTER (WHERE t.w IS NOT NULL) AS ws,
		       count(*) FILTER (WHERE t.w <= t.limit_s)::int AS on_time,
		       sum(t.d ORDER BY t.issued_at_ms, t.ticket_id) AS dsum,
		       array_agg(t.d ORDER BY t.d) FILTER (WHERE t.d IS NOT NULL) AS ds,
		       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 5)::int AS rated,
		       count(*) FILTER (WHERE t.rating BETWEEN 3 AND 5)::int AS satisfied,
		       COALESCE(sum(t.rating) FILTER (WHERE t.rating BETWEEN 1 AND 5), 0)::int AS level_sum,
		       count(*) FILTER (WHERE t.rating = 1)::int AS l1,
		       count(*) FILTER (WHERE t.rating = 2)::int AS l2,
		       count(*) FILTER (WHERE t.rating = 3)::int AS l3,
		       count(*) FILTER (WHERE t.rating = 4)::int AS l4,
		       count(*) FILTER (WHERE t.rating = 5)::int AS l5,
		       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2 AND t.case_state >= 2)::int AS rectified,
		       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2 AND t.case_state >= 3)::int AS revisited
		FROM t
		GROUP BY GROUPING SETS ((t.g), ())
	), ap AS (
		-- Appointments whose slot starts in the range, and those nobody came for.
		SELECT ap.service AS g, count(*)::int AS n,
		       count(*) FILTER (WHERE ap.ticket_id = 0 AND ap.slot_at_ms + late_ms < now_ms)::int AS missed
		FROM hallq.appointments ap
		WHERE p_by = 'service' AND ap.hall_id = p_hall
		  AND ap.slot_at_ms >= p_from AND ap.slot_at_ms < p_to
		GROUP BY ap.service
	), k AS (
		-- Every group with tickets, every service with appointments, and the total
		-- (even of a range with nothing in it).
		SELECT a.g, a.is_total FROM a WHERE a.g IS NOT NULL OR a.is_total = 1
		UNION SELECT ap.g, 0 FROM ap
		UNION SELECT NULL, 1
	), r AS (
		SELECT k.g AS kg, k.is_total AS tot, a.*,
		       COALESCE(ap.n, 0) AS appts, COALESCE(ap.missed, 0) AS missed
		FROM k
		LEFT JOIN a ON a.is_total = k.is_total AND a.g IS NOT DISTINCT FROM k.g
		LEFT JOIN ap ON k.is_total = 0 AND ap.g = k.g
	)
	SELECT CASE WHEN r.tot = 1 THEN 'total' ELSE r.kg END,
	       COALESCE(r.issued, 0), COALESCE(r.called, 0), COALESCE(r.served, 0),
	       COALESCE(r.noshow, 0), COALESCE(r.transferred, 0), COALESCE(r.cancelled, 0),
	       COALESCE(r.waiting, 0),
	       CASE WHEN r.called > 0 THEN r.wsum / r.called ELSE 0 END,
	       CASE WHEN r.called > 0 THEN r.ws[greatest(ceil(0.5::float8 * r.called)::int, 1)] ELSE 0 END,
	       CASE WHEN r.called > 0 THEN r.ws[greatest(ceil(0.9::float8 * r.called)::int, 1)] ELSE 0 END,
	       CASE WHEN r.called > 0 THEN r.ws[r.called] ELSE 0 END,
	       CASE WHEN r.served > 0 THEN r.dsum / r.served ELSE 0 END,
	       CASE WHEN r.served > 0 THEN r.ds[greatest(ceil(0.9::float8 * r.served)::int, 1)] ELSE 0 END,
	       CASE WHEN r.called > 0 THEN r.on_time::float8 / r.called ELSE 0 END,
	       COALESCE(r.rated, 0),
	       CASE WHEN r.rated > 0 THEN r.satisfied::float8 / r.rated ELSE 0 END,
	       CASE WHEN r.rated > 0 THEN r.level_sum::float8 / r.rated ELSE 0 END,
	       COALESCE(r.l1, 0), COALESCE(r.l2, 0), COALESCE(r.l3, 0), COALESCE(r.l4, 0),
	       COALESCE(r.l5, 0), COALESCE(r.l1 + r.l2, 0),
	       CASE WHEN r.l1 + r.l2 > 0 THEN r.rectified::float8 / (r.l1 + r.l2) ELSE 0 END,
	       CASE WHEN r.l1 + r.l2 > 0 THEN r.revisited::float8 / (r.l1 + r.l2) ELSE 0 END,
	       -- By service only; the total sums the services'.
	       CASE WHEN r.tot = 1 THEN (SELECT COALESCE(sum(n), 0)::int FROM ap) ELSE r.appts END,
	       CASE WHEN r.tot = 1 THEN (SELECT COALESCE(sum(missed), 0)::int FROM ap) ELSE r.missed END
	FROM r
	LEFT JOIN hallq.services sv ON p_by = 'service' AND sv.hall_id = p_hall AND sv.key = r.kg
	-- Services in config order, any no longer configured after them by key; counters by
	-- number; the rest by their text.
	ORDER BY r.tot, sv.position NULLS LAST,
		 CASE WHEN p_by = 'counter' THEN r.kg::int END, r.kg COLLATE "C";
END;
$$;

-- Ranking ------------------------------------------------------------------------------

-- The raised alerts of a hall by time, for the edges of a ranking's period.
CREATE INDEX events_alerts ON hallq.events (hall_id, at_ms) WHERE type = 'alert_raised';

-- The halls under p_parent (its children, theirs, and so on: a city sees its counties and
-- their townships), each scored over the tickets issued and alerts raised in
-- [p_from, p_to) as queue/appraisal.c scores a window, the hall taken as one window:
--   volume       100 x served / the most served by one of these halls
--   on time      100 x on_time_rate (0 when nothing was called)
--   satisfaction 100 x satisfaction_rate (100 with no review)
--   rectified    100 x rectify_rate, over the bad reviews that have a case (100 with none)
--   score = (the hall's weights x those) / 100 - penalty_alert x alerts
--           - penalty_absence x absences - penalty_bad_review x bad reviews, to 0.01;
-- alerts are those a window's conduct raises (wait, queue, pause, pause_reason, idle, slow,
-- noshows), absences the unstaffed ones. Each hall's [appraisal] (its config jsonb) gives
-- its weights and min_served; a hall that served fewer is listed without a rank. Whole
-- local days come from hallq.day_figures, the part of a day at either edge of the period
-- from the tickets themselves.
CREATE FUNCTION hallq.ranking(p_parent text, p_from bigint, p_to bigint)
RETURNS TABLE (hall_id text, name text, region text, parent text, rank int, served int,
	       called int, on_time_rate double precision, wait_mean_s double precision,
	       reviews int, satisfaction_rate double precision, bad_reviews int, cases int,
	       rectify_rate double precision, alerts int, absences int,
	       volume_pts double precision, on_time_pts double precision,
	       satisfaction_pts double precision, rectify_pts double precision,
	       penalty double precision, score double precision)
-- The planner's cost estimate (the lateral index ranges, counted as if each read every
-- row) passes jit_above_cost; compiling then takes 150 ms of a 50 ms query.
LANGUAGE sql STABLE SET jit = off AS $$
	WITH RECURSIVE below AS (
		-- The hall itself (a county's own centre ranks beside its townships) and every
		-- hall below it, however deep.
		SELECT h.hall_id FROM hallq.halls h WHERE h.hall_id = p_parent OR h.parent = p_parent
		UNION
		SELECT h.hall_id FROM hallq.halls h JOIN below b ON h.parent = b.hall_id
	), hb AS (
		-- Each hall's whole local days inside the period: [d0, d1).
		SELECT b.hall_id, tz, d0, d1,
		       hallq.day_start_ms(tz, d0) AS d0_ms, hallq.day_start_ms(tz, d1) AS d1_ms
		FROM below b,
		     LATERAL hallq.hall_tz(b.hall_id) tz,
		     LATERAL (SELECT hallq.local_day(tz, p_from) AS f) f,
		     LATERAL (SELECT CASE WHEN hallq.day_start_ms(tz, f.f) = p_from THEN f.f
				     ELSE f.f + 1 END AS d0,
				     hallq.local_day(tz, p_to) AS d1) d
	), whole AS (
		SELECT d.hall_id, sum(d.served) AS served, sum(d.called) AS called,
		       sum(d.on_time) AS on_time, sum(d.wait_sum_s) AS wait_sum,
		       sum(d.reviews) AS reviews, sum(d.satisfied) AS satisfied,
		       sum(d.bad_reviews) AS bad, sum(d.cases) AS cases,
		       sum(d.rectified) AS rectified, sum(d.alerts) AS alerts,
		       sum(d.absences) AS absences
		FROM hb JOIN hallq.day_figures d ON d.hall_id = hb.hall_id
		     AND d.day >= hb.d0 AND d.day < hb.d1
		GROUP BY d.hall_id
	), edge_t AS (
		-- At most the two part-days at the edges, hall by hall through tickets_issued
		-- (LATERAL, so each is an index range, never a scan of every hall's tickets).
		SELECT hb.hall_id, x.* FROM hb, LATERAL (
			SELECT count(*) FILTER (WHERE t.state = 4) AS served,
			       count(*) FILTER (WHERE t.called_at_ms <> 0) AS called,
			       count(*) FILTER (WHERE t.called_at_ms <> 0
						AND (t.called_at_ms - t.queued_at_ms) / 1000.0
						<= COALESCE(s.max_wait_minutes * 60.0, 1800.0)) AS on_time,
			       COALESCE(sum((t.called_at_ms - t.queued_at_ms) / 1000.0)
					FILTER (WHERE t.called_at_ms <> 0), 0) AS wait_sum,
			       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 5) AS reviews,
			       count(*) FILTER (WHERE t.rating BETWEEN 3 AND 5) AS satisfied,
			       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2) AS bad,
			       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2
						AND t.case_state IS NOT NULL) AS cases,
			       count(*) FILTER (WHERE t.rating BETWEEN 1 AND 2 AND t.case_state >= 2) AS rectified
			FROM (SELECT * FROM hallq.tickets t1 WHERE t1.hall_id = hb.hall_id
				AND t1.issued_at_ms >= p_from AND t1.issued_at_ms < least(hb.d0_ms, p_to)
			      UNION ALL
			      SELECT * FROM hallq.tickets t2 WHERE t2.hall_id = hb.hall_id
				AND t2.issued_at_ms >= greatest(hb.d1_ms, hb.d0_ms, p_from)
				AND t2.issued_at_ms < p_to) t
			LEFT JOIN hallq.services s ON s.hall_id = t.hall_id AND s.key = t.service) x
	), edge_a AS (
		SELECT hb.hall_id, x.* FROM hb, LATERAL (
			SELECT count(*) FILTER (WHERE k IN ('wait', 'queue', 'pause', 'pause_reason',
							    'idle', 'slow', 'noshows')) AS alerts,
			       count(*) FILTER (WHERE k = 'unstaffed' AND e.counter <> 0) AS absences
			FROM (SELECT * FROM hallq.events e1 WHERE e1.hall_id = hb.hall_id
				AND e1.type = 'alert_raised'
				AND e1.at_ms >= p_from AND e1.at_ms < least(hb.d0_ms, p_to)
			      UNION ALL
			      SELECT * FROM hallq.events e2 WHERE e2.hall_id = hb.hall_id
				AND e2.type = 'alert_raised'
				AND e2.at_ms >= greatest(hb.d1_ms, hb.d0_ms, p_from) AND e2.at_ms < p_to) e,
			     LATERAL hallq.alert_kind(e.hall_id, split_part(e.detail, ':', 1)) k) x
	), f AS (
		SELECT h.hall_id, h.name, h.region, h.parent,
		       COALESCE((h.config->'appraisal'->>'weight_volume')::float8, 30) AS w_vol,
		       COALESCE((h.config->'appraisal'->>'weight_on_time')::float8, 25) AS w_on,
		       COALESCE((h.config->'appraisal'->>'weight_satisfaction')::float8, 30) AS w_sat,
		       COALESCE((h.config->'appraisal'->>'weight_rectify')::float8, 15) AS w_rect,
		       COALESCE((h.config->'appraisal'->>'penalty_alert')::float8, 1) AS p_al,
		       COALESCE((h.config->'appraisal'->>'penalty_absence')::float8, 2) AS p_ab,
		       COALESCE((h.config->'appraisal'->>'penalty_bad_review')::float8, 2) AS p_bad,
		       greatest(COALESCE((h.config->'appraisal'->>'min_served')::int, 10), 1) AS min_served,
		       (COALESCE(w.served, 0) + COALESCE(et.served, 0))::int AS served,
		       (COALESCE(w.called, 0) + COALESCE(et.called, 0))::int AS called,
		       (COALESCE(w.on_time, 0) + COALESCE(et.on_time, 0))::int AS on_time,
		       COALESCE(w.wait_sum, 0) + COALESCE(et.wait_sum, 0) AS wait_sum,
		       (COALESCE(w.reviews, 0) + COALESCE(et.reviews, 0))::int AS reviews,
		       (COALESCE(w.satisfied, 0) + COALESCE(et.satisfied, 0))::int AS satisfied,
		       (COALESCE(w.bad, 0) + COALESCE(et.bad, 0))::int AS bad,
		       (COALESCE(w.cases, 0) + COALESCE(et.cases, 0))::int AS cases,
		       (COALESCE(w.rectified, 0) + COALESCE(et.rectified, 0))::int AS rectified,
		       (COALESCE(w.alerts, 0) + COALESCE(ea.alerts, 0))::int AS alerts,
		       (COALESCE(w.absences, 0) + COALESCE(ea.absences, 0))::int AS absences
		FROM below b JOIN hallq.halls h ON h.hall_id = b.hall_id
		LEFT JOIN whole w ON w.hall_id = b.hall_id
		LEFT JOIN edge_t et ON et.hall_id = b.hall_id
		LEFT JOIN edge_a ea ON ea.hall_id = b.hall_id
	), pts AS (
		SELECT f.*,
		       CASE WHEN max(f.served) OVER () > 0
			    THEN 100.0 * f.served / max(f.served) OVER () ELSE 0 END AS vol,
		       CASE WHEN f.called > 0 THEN 100.0 * f.on_time / f.called ELSE 0 END AS onp,
		       CASE WHEN f.reviews > 0 THEN 100.0 * f.satisfied / f.reviews ELSE 100 END AS satp,
		       CASE WHEN f.cases > 0 THEN 100.0 * f.rectified / f.cases ELSE 100 END AS rectp,
		       f.p_al * f.alerts + f.p_ab * f.absences + f.p_bad * f.bad AS pen
		FROM f
	), sc AS (
		SELECT pts.*,
		       -- To the hundredth, halves away from zero, as C's round() does.
		       sign(x) * floor(abs(x) * 100 + 0.5) / 100 AS score
		FROM pts,
		     LATERAL (SELECT (pts.w_vol * pts.vol + pts.w_on * pts.onp + pts.w_sat * pts.satp
				      + pts.w_rect * pts.rectp) / 100.0 - pts.pen AS x) x
	)
	SELECT sc.hall_id, sc.name, sc.region, sc.parent,
	       CASE WHEN sc.served >= sc.min_served
		    THEN (rank() OVER (PARTITION BY sc.served >= sc.min_served
				       ORDER BY sc.score DESC))::int END,
	       sc.served, sc.called,
	       CASE WHEN sc.called > 0 THEN sc.on_time::float8 / sc.called ELSE 0 END,
	       CASE WHEN sc.called > 0 THEN sc.wait_sum / sc.called ELSE 0 END,
	       sc.reviews,
	       CASE WHEN sc.reviews > 0 THEN sc.satisfied::float8 / sc.reviews ELSE 0 END,
	       sc.bad, sc.cases,
	       CASE WHEN sc.cases > 0 THEN sc.rectified::float8 / sc.cases ELSE 0 END,
	       sc.alerts, sc.absences, sc.vol, sc.onp, sc.satp, sc.rectp, sc.pen, sc.score
	FROM sc
	-- Ranked first, by rank; then the rest, by hall id.
	ORDER BY sc.served < sc.min_served, sc.score DESC, sc.hall_id
$$;
