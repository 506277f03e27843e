-- A stand-in for the central schema, for tests/central.sh and bench/bench_central until
-- central/schema.sql (helper A: halls, events, services) and central/schema-derived.sql
-- (helper B: tickets, stats, ranking) land. It has the contract's names and columns
-- (/work/notes/central-contract.md) and only as much of the queue's rules as hallq-central's
-- routes need to be exercised: a ticket is waiting from `issued` until `called` or
-- `cancelled`; served when `started` and then `ended`; rated by `rated` (value 1..5). The
-- real figures are B's. Loaded only when central/schema.sql is absent.
CREATE SCHEMA IF NOT EXISTS hallq;

CREATE TABLE hallq.halls (
	hall_id text PRIMARY KEY,
	name text NOT NULL DEFAULT '',
	name_en text NOT NULL DEFAULT '',
	region text NOT NULL DEFAULT 'township',
	parent text NULL REFERENCES hallq.halls,
	last_event_id bigint NOT NULL DEFAULT 0,
	last_event_at timestamptz,
	last_seen timestamptz,
	config jsonb
);
CREATE INDEX halls_parent ON hallq.halls (parent);

CREATE TABLE hallq.events (
	hall_id text NOT NULL REFERENCES hallq.halls,
	event_id bigint NOT NULL,
	at timestamptz NOT NULL,
	at_ms bigint NOT NULL,
	type text NOT NULL,
	ticket_id bigint NOT NULL DEFAULT 0,
	label text NOT NULL DEFAULT '',
	service text NOT NULL DEFAULT '',
	counter int NOT NULL DEFAULT 0,
	value bigint NOT NULL DEFAULT 0,
	detail text NOT NULL DEFAULT '',
	received_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (hall_id, event_id)
);
-- The board's open alerts: raised minus cleared, by alert id (the event's value).
CREATE INDEX events_alerts ON hallq.events (hall_id, value) WHERE type IN ('alert_raised', 'alert_cleared');

CREATE TABLE hallq.services (
	hall_id text NOT NULL REFERENCES hallq.halls,
	key text NOT NULL,
	name text NOT NULL DEFAULT '',
	name_en text NOT NULL DEFAULT '',
	max_wait_minutes int NOT NULL DEFAULT 30,
	PRIMARY KEY (hall_id, key)
);

CREATE TABLE hallq.tickets (
	hall_id text NOT NULL,
	ticket_id bigint NOT NULL,
	day date NOT NULL,
	service text NOT NULL,
	number text NOT NULL DEFAULT '',
	state text NOT NULL,
	counter int NOT NULL DEFAULT 0,
	issued_at_ms bigint NOT NULL,
	called_at_ms bigint,
	ended_at_ms bigint,
	rating int,
	PRIMARY KEY (hall_id, ticket_id)
);
CREATE INDEX tickets_waiting ON hallq.tickets (hall_id) WHERE state = 'waiting';
CREATE INDEX tickets_day ON hallq.tickets (day, hall_id);

CREATE FUNCTION hallq.apply_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.type = 'issued' THEN
		INSERT INTO hallq.tickets (hall_id, ticket_id, day, service, number, state, issued_at_ms)
		VALUES (NEW.hall_id, NEW.ticket_id, (NEW.at AT TIME ZONE 'Asia/Shanghai')::date, NEW.service,
			NEW.label, 'waiting', NEW.at_ms)
		ON CONFLICT DO NOTHING;
	ELSIF NEW.type = 'called' THEN
		UPDATE hallq.tickets SET state = 'called', counter = NEW.counter,
			called_at_ms = coalesce(called_at_ms, NEW.at_ms)
		WHERE hall_id = NEW.hall_id AND ticket_id = NEW.ticket_id;
	ELSIF NEW.type IN ('ended', 'cancelled') THEN
		UPDATE hallq.tickets SET state = CASE WHEN NEW.type = 'ended' THEN 'served' ELSE 'cancelled' END,
			ended_at_ms = NEW.at_ms
		WHERE hall_id = NEW.hall_id AND ticket_id = NEW.ticket_id;
	ELSIF NEW.type = 'rated' THEN
		UPDATE hallq.tickets SET rating = NEW.value::int
		WHERE hall_id = NEW.hall_id AND ticket_id = NEW.ticket_id;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER events_apply AFTER INSERT ON hallq.events FOR EACH ROW EXECUTE FUNCTION hallq.apply_event();

-- hallq.stats(hall, by, from, to): a few of HQ_STATS_FIELDS over the hall's tickets (the
-- hall alone, as `hallq stats` of that hall); from/to NULL: today.
CREATE FUNCTION hallq.stats(p_hall text, p_by text, p_from date, p_to date)
RETURNS TABLE (key text, issued int, called int, served int, waiting int, wait_mean_s float8,
	       on_time_rate float8, rated int, satisfaction_rate float8)
LANGUAGE sql STABLE AS $$
	SELECT CASE p_by WHEN 'service' THEN t.service WHEN 'counter' THEN t.counter::text
		WHEN 'day' THEN t.day::text WHEN 'month' THEN to_char(t.day, 'YYYY-MM')
		WHEN 'hour' THEN to_char(to_timestamp(t.issued_at_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'HH24')
		ELSE '' END AS key,
	       count(*)::int, count(t.called_at_ms)::int, count(*) FILTER (WHERE t.state = 'served')::int,
	       count(*) FILTER (WHERE t.state = 'waiting')::int,
	       avg((t.called_at_ms - t.issued_at_ms) / 1000.0)::float8,
	       (count(*) FILTER (WHERE t.called_at_ms - t.issued_at_ms <= coalesce(s.max_wait_minutes, 30) * 60000)::float8
		/ nullif(count(t.called_at_ms), 0)),
	       count(t.rating)::int,
	       (count(*) FILTER (WHERE t.rating >= 4)::float8 / nullif(count(t.rating), 0))
	FROM hallq.tickets t LEFT JOIN hallq.services s ON s.hall_id = t.hall_id AND s.key = t.service
	WHERE t.hall_id = p_hall AND t.day BETWEEN coalesce(p_from, current_date) AND coalesce(p_to, p_from, current_date)
	GROUP BY 1 ORDER BY 1
$$;

-- hallq.ranking(region, from, to): every hall at and below the region, ranked by a score.
-- The stand-in's score: 50 on-time rate + 50 satisfaction (B's follows queue/appraisal.c).
CREATE FUNCTION hallq.ranking(p_region text, p_from date, p_to date)
RETURNS TABLE (rank int, hall_id text, name text, name_en text, region text, parent text,
	       score float8, issued int, served int, on_time_rate float8, rated int,
	       satisfaction_rate float8, bad_reviews int, rectify_rate float8)
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE tree AS (
		SELECT h.hall_id FROM hallq.halls h WHERE h.hall_id = p_region
		UNION ALL SELECT h.hall_id FROM hallq.halls h JOIN tree ON h.parent = tree.hall_id),
	f AS (SELECT t.hall_id, count(*)::int AS issued, count(*) FILTER (WHERE t.state = 'served')::int AS served,
		(count(*) FILTER (WHERE t.called_at_ms - t.issued_at_ms <= 1800000)::float8 / nullif(count(t.called_at_ms), 0)) AS on_time,
		count(t.rating)::int AS rated,
		(count(*) FILTER (WHERE t.rating >= 4)::float8 / nullif(count(t.rating), 0)) AS satisf,
		count(*) FILTER (WHERE t.rating <= 2)::int AS bad
	      FROM hallq.tickets t JOIN tree USING (hall_id)
	      WHERE t.day BETWEEN p_from AND p_to GROUP BY 1)
	SELECT (rank() OVER (ORDER BY round((50 * coalesce(f.on_time, 0) + 50 * coalesce(f.satisf, 0))::numeric, 2) DESC))::int,
	       h.hall_id, h.name, h.name_en, h.region, h.parent,
	       round((50 * coalesce(f.on_time, 0) + 50 * coalesce(f.satisf, 0))::numeric, 2)::float8,
	       coalesce(f.issued, 0), coalesce(f.served, 0), f.on_time, coalesce(f.rated, 0), f.satisf,
	       coalesce(f.bad, 0), NULL::float8
	FROM tree JOIN hallq.halls h USING (hall_id) LEFT JOIN f USING (hall_id)
	ORDER BY 1, 2
$$;
