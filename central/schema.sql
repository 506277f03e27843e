-- The central database of a region's halls (docs/central.md): PostgreSQL 15, schema hallq.
-- This file and schema-derived.sql are version 1 of the schema. Never load them by hand:
-- tools/central-migrate loads them into an empty database in one transaction, then applies
-- central/migrations/NNN-name.sql (version NNN) in order, each in one transaction, and
-- records each version in hallq.schema_version; a change to a database already in service
-- is a new migration, never an edit here. Every row carries the hall id of [hall] id.
--
-- ==== base: halls, events, services, tickets_raw (hallq-sync writes these) ===============
-- hallq-sync forwards a hall's event feed here in batches, one transaction a batch:
--   INSERT INTO hallq.events ... ON CONFLICT (hall_id, event_id) DO NOTHING
-- and the halls upsert with last_event_id, so a batch resent after a lost reply doubles
-- nothing. Nothing personal reaches these tables: hallq-sync drops what the hall's retention
-- rules erase (sync/filter.c).

CREATE SCHEMA IF NOT EXISTS hallq;

-- The versions applied, one row each (tools/central-migrate writes them). hallq-central and
-- hallq-sync read max(version) at connect and refuse a schema older than they need.
CREATE TABLE hallq.schema_version (
	version int PRIMARY KEY CHECK (version > 0),
	name text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
);

-- The halls and their tree: a township's parent is its county, a county's its city. A hall
-- may report before its parent has: parent is then a dangling id, so it is not a foreign key
-- that would refuse the hall's rows; the views join on it.
CREATE TABLE hallq.halls (
	hall_id text PRIMARY KEY CHECK (hall_id ~ '^[A-Za-z0-9_-]{1,31}$'),
	name text NOT NULL DEFAULT '',
	name_en text NOT NULL DEFAULT '',
	region text NOT NULL DEFAULT '' CHECK (region IN ('', 'township', 'county', 'city')),
	parent text,
	last_event_id bigint NOT NULL DEFAULT 0,    -- the highest event id confirmed here
	last_event_at timestamptz,                  -- that event's time on the hall's clock
	last_seen timestamptz,                      -- when the hall's sync last wrote (central clock)
	config jsonb                                -- the hall's GET /api/v1/hall, less its live state
);
CREATE INDEX halls_parent ON hallq.halls (parent);

-- A hall's events as its feed gives them (GET /api/v1/events, docs/api.md). at_ms is the
-- hall's clock in ms since the epoch, at the same instant as a timestamptz.
CREATE TABLE hallq.events (
	hall_id text NOT NULL,
	event_id bigint NOT NULL,
	at timestamptz NOT NULL,
	at_ms bigint NOT NULL,
	type text NOT NULL,
	ticket_id bigint NOT NULL DEFAULT 0,      -- 0: none, as the hall writes it
	label text NOT NULL DEFAULT '',
	service text NOT NULL DEFAULT '',
	counter int NOT NULL DEFAULT 0,
	value bigint NOT NULL DEFAULT 0,
	detail text NOT NULL DEFAULT '',
	received_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (hall_id, event_id)
);
CREATE INDEX events_hall_at ON hallq.events (hall_id, at);
-- hallq-central's board: each hall's open alerts (raised and not cleared).
CREATE INDEX events_alert_ids ON hallq.events (hall_id, value)
	WHERE type IN ('alert_raised', 'alert_cleared');

-- Each hall's services, from its config (sent at sync start and after config_applied).
CREATE TABLE hallq.services (
	hall_id text NOT NULL,
	key text NOT NULL,
	name text NOT NULL DEFAULT '',
	name_en text NOT NULL DEFAULT '',
	prefix text NOT NULL DEFAULT '',
	target_minutes int,
	max_wait_minutes int,
	position int,                               -- the config's order, as the hall lists them
	PRIMARY KEY (hall_id, key)
);

-- A ticket's latest state as the hall's GET /api/v1/tickets/{id} gives it, written by
-- hallq-sync after each batch for the tickets its events touched (the fields the events do
-- not carry). Upserted: the newest snapshot wins, by the event id it was read after. The
-- citizen's status key, name and phone are never in it.
CREATE TABLE hallq.tickets_raw (
	hall_id text NOT NULL,
	ticket_id bigint NOT NULL,
	after_event_id bigint NOT NULL,   -- the last event of the batch it was read after
	snapshot jsonb NOT NULL,
	PRIMARY KEY (hall_id, ticket_id)
);
-- ==== end of base; the derived tables (tickets, day figures, ranking) follow =============
