/*
 * Every SQL statement of hallq, in one table. Each is prepared once when the queue is
 * opened (sqlite3_prepare_v3 with SQLITE_PREPARE_PERSISTENT) and bound with parameters;
 * no SQL is ever built by pasting values into strings.
 *
 * Ticket states and classes are stored as the integers of enum hq_tstate and hq_class:
 * 0 waiting, 1 called, 2 serving, 3 parked, 4 done, 5 noshow, 6 transferred, 7 cancelled.
 */
#ifndef HQ_SQL_H
#define HQ_SQL_H

/* Schema versions, applied in order by PRAGMA user_version. Never edit a released step. */
#define HQ_SCHEMA_V1                                                                     \
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"                  \
	"CREATE TABLE counters("                                                         \
	"  number INTEGER PRIMARY KEY,"                                                  \
	"  state INTEGER NOT NULL DEFAULT 0,"                                            \
	"  reason TEXT NOT NULL DEFAULT '',"                                             \
	"  clerk TEXT NOT NULL DEFAULT '',"                                              \
	"  current_id INTEGER NOT NULL DEFAULT 0,"  /* called or serving ticket */       \
	"  last_id INTEGER NOT NULL DEFAULT 0,"     /* last finished, for rating */      \
	"  prio_run INTEGER NOT NULL DEFAULT 0);"   /* priority calls in a row */        \
	"CREATE TABLE tickets("                                                          \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  parent_id INTEGER NOT NULL DEFAULT 0,"                                        \
	"  origin_id INTEGER NOT NULL,"             /* place in the queue */             \
	"  day TEXT NOT NULL,"                                                           \
	"  service TEXT NOT NULL,"                                                       \
	"  origin_service TEXT NOT NULL,"           /* whose number it carries */        \
	"  number INTEGER NOT NULL,"                                                     \
	"  label TEXT NOT NULL,"                                                         \
	"  class INTEGER NOT NULL,"                                                      \
	"  prio INTEGER NOT NULL,"                                                       \
	"  state INTEGER NOT NULL,"                                                      \
	"  counter INTEGER NOT NULL DEFAULT 0,"                                          \
	"  target_counter INTEGER NOT NULL DEFAULT 0,"                                   \
	"  clerk TEXT NOT NULL DEFAULT '',"                                              \
	"  recalls INTEGER NOT NULL DEFAULT 0,"                                          \
	"  people_ahead INTEGER NOT NULL DEFAULT 0,"                                     \
	"  est_wait_s INTEGER NOT NULL DEFAULT 0,"                                       \
	"  rating INTEGER NOT NULL DEFAULT 0,"                                           \
	"  issued_at INTEGER NOT NULL,"                                                  \
	"  queued_at INTEGER NOT NULL,"                                                  \
	"  called_at INTEGER NOT NULL DEFAULT 0,"                                        \
	"  started_at INTEGER NOT NULL DEFAULT 0,"                                       \
	"  ended_at INTEGER NOT NULL DEFAULT 0,"                                         \
	"  end_reason TEXT NOT NULL DEFAULT '');"                                        \
	/* The database itself refuses a number issued twice in a day. */               \
	"CREATE UNIQUE INDEX tickets_number ON tickets(day, origin_service, number)"     \
	"  WHERE parent_id = 0;"                                                         \
	/* call-next reads only waiting tickets: partial indexes keep it O(log n). */    \
	"CREATE INDEX tickets_waiting ON tickets(service, prio, origin_id)"              \
	"  WHERE state = 0 AND target_counter = 0;"                                      \
	"CREATE INDEX tickets_targeted ON tickets(target_counter, prio, origin_id)"      \
	"  WHERE state = 0 AND target_counter <> 0;"                                     \
	"CREATE INDEX tickets_open ON tickets(day) WHERE state < 4;"                     \
	"CREATE INDEX tickets_done ON tickets(service, ended_at) WHERE state = 4;"       \
	"CREATE INDEX tickets_issued ON tickets(issued_at);"                             \
	"CREATE INDEX tickets_label ON tickets(day, label);"                             \
	"CREATE INDEX tickets_parent ON tickets(parent_id) WHERE parent_id <> 0;"        \
	"CREATE TABLE appointments("                                                     \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  code TEXT NOT NULL UNIQUE,"                                                   \
	"  service TEXT NOT NULL,"                                                       \
	"  slot_at INTEGER NOT NULL,"                                                    \
	"  name TEXT NOT NULL DEFAULT '',"                                               \
	"  phone TEXT NOT NULL DEFAULT '',"                                              \
	"  booked_at INTEGER NOT NULL,"                                                  \
	"  ticket_id INTEGER NOT NULL DEFAULT 0);"                                       \
	"CREATE INDEX appointments_slot ON appointments(service, slot_at);"              \
	/* AUTOINCREMENT: an event id is never reused, even after the newest is gone. */ \
	"CREATE TABLE events("                                                           \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"                                        \
	"  at INTEGER NOT NULL,"                                                         \
	"  type TEXT NOT NULL,"                                                          \
	"  ticket_id INTEGER NOT NULL DEFAULT 0,"                                        \
	"  label TEXT NOT NULL DEFAULT '',"                                              \
	"  service TEXT NOT NULL DEFAULT '',"                                            \
	"  counter INTEGER NOT NULL DEFAULT 0,"                                          \
	"  value INTEGER NOT NULL DEFAULT 0,"                                            \
	"  detail TEXT NOT NULL DEFAULT '');"

/* v2: responses of requests made with an idempotency key, kept a day (hallqd). */
#define HQ_SCHEMA_V2                                                                     \
	"CREATE TABLE idempotency("                                                      \
	"  key TEXT PRIMARY KEY,"                                                        \
	"  route TEXT NOT NULL,"                                                         \
	"  status INTEGER NOT NULL,"                                                     \
	"  body TEXT NOT NULL,"                                                          \
	"  location TEXT NOT NULL DEFAULT '',"                                           \
	"  at INTEGER NOT NULL);"                                                        \
	"CREATE INDEX idempotency_at ON idempotency(at);"

/*
 * v3: what the estimated wait learns from (queue/estimate.c). A ticket's turn_ms is the time
 * its counter gave it, call to the counter's next call less any time the counter had nobody
 * to call and less pauses beyond HQ_TURN_GAP_MAX_MS, written at that next call (-1: called
 * twice, parked or sent on, so no turn of its own). A counter's called_id is the ticket it
 * called last (whose turn its next call ends; 0 after a close or the day's end), active_at
 * the last time it did anything (a call, the end of a ticket, a pause, resume, open or
 * close, a sign-in; a sign-out clears it), paused_at when its pause began (0: not paused),
 * and pause_ms the time it was paused with a citizen at the window since its last call.
 */
#define HQ_SCHEMA_V3                                                                     \
	"ALTER TABLE tickets ADD COLUMN turn_ms INTEGER NOT NULL DEFAULT 0;"             \
	"ALTER TABLE counters ADD COLUMN called_id INTEGER NOT NULL DEFAULT 0;"          \
	"ALTER TABLE counters ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;"          \
	"ALTER TABLE counters ADD COLUMN paused_at INTEGER NOT NULL DEFAULT 0;"          \
	"ALTER TABLE counters ADD COLUMN pause_ms INTEGER NOT NULL DEFAULT 0;"           \
	"CREATE INDEX tickets_turns ON tickets(service, called_at) WHERE turn_ms > 0;"   \
	"DROP INDEX IF EXISTS tickets_done;" /* the old estimate's, read by nothing now */

/*
 * Schema 4: the national 好差评 evaluation (reviews, one per ticket, at five levels, and the
 * bad-review case of each at level 1 or 2, with its steps), electronic supervision (alerts,
 * at most one open per rule and subject) and the appraisal's roster (clerks, with a crypt(3)
 * hash of their PIN) and sign-ins (the hours signed in); a ticket gets the secret of its
 * status URL. The three-level ratings of schema
 * 3 (a three-key unit's 1 不满意, 2 基本满意, 3 满意) become levels 1, 3 and 5, as a
 * three-key unit's keys map now (PROTOCOL.md 5.2), each with a review of channel 4
 * (migrated). A migrated bad review opens no case: its follow-up, if any, was on paper.
 */
#define HQ_SCHEMA_V4                                                                     \
	"CREATE TABLE reviews("                                                          \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  ticket_id INTEGER NOT NULL UNIQUE,"                                           \
	"  day TEXT NOT NULL,"                      /* the ticket's */                   \
	"  service TEXT NOT NULL,"                                                       \
	"  counter INTEGER NOT NULL DEFAULT 0,"                                          \
	"  clerk TEXT NOT NULL DEFAULT '',"                                              \
	"  level INTEGER NOT NULL,"                 /* 1..5 */                           \
	"  reasons INTEGER NOT NULL DEFAULT 0,"     /* HQ_REASON_ bits */                \
	"  comment TEXT NOT NULL DEFAULT '',"                                            \
	"  channel INTEGER NOT NULL,"               /* enum hq_channel */                \
	"  at INTEGER NOT NULL,"                    /* first given */                    \
	"  updated_at INTEGER NOT NULL);"                                                \
	"CREATE INDEX reviews_day ON reviews(day);"                                      \
	"CREATE INDEX reviews_at ON reviews(at);"   /* GET /api/v1/reviews: by time */   \
	"CREATE TABLE cases("                                                            \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  review_id INTEGER NOT NULL UNIQUE,"                                           \
	"  state INTEGER NOT NULL DEFAULT 0,"       /* enum hq_case_state */             \
	"  opened_at INTEGER NOT NULL,"                                                  \
	"  rectify_due TEXT NOT NULL,"              /* local dates */                    \
	"  revisit_due TEXT NOT NULL DEFAULT '',"                                        \
	"  updated_at INTEGER NOT NULL);"                                                \
	"CREATE INDEX cases_open ON cases(state) WHERE state < 4;"                       \
	"CREATE TABLE case_steps("                                                       \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  case_id INTEGER NOT NULL,"                                                    \
	"  state INTEGER NOT NULL,"                 /* the state this step reached */    \
	"  who TEXT NOT NULL,"                                                           \
	"  at INTEGER NOT NULL,"                                                         \
	"  note TEXT NOT NULL DEFAULT '');"                                              \
	"CREATE INDEX case_steps_case ON case_steps(case_id);"                           \
	"CREATE TABLE alerts("                                                           \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  rule TEXT NOT NULL,"                     /* [alert NAME] */                   \
	"  kind INTEGER NOT NULL,"                  /* enum hq_alert_kind */             \
	"  severity INTEGER NOT NULL,"                                                   \
	"  subject TEXT NOT NULL,"                  /* "service:tax", "counter:3", ... */\
	"  service TEXT NOT NULL DEFAULT '',"                                            \
	"  counter INTEGER NOT NULL DEFAULT 0,"                                          \
	"  clerk TEXT NOT NULL DEFAULT '',"         /* at the counter when raised */     \
	"  message TEXT NOT NULL DEFAULT '',"                                            \
	"  raised_at INTEGER NOT NULL,"                                                  \
	"  cleared_at INTEGER NOT NULL DEFAULT 0,"                                       \
	"  acked_at INTEGER NOT NULL DEFAULT 0,"                                         \
	"  acked_by TEXT NOT NULL DEFAULT '',"                                           \
	"  ack_note TEXT NOT NULL DEFAULT '');"                                          \
	"CREATE UNIQUE INDEX alerts_open ON alerts(rule, subject) WHERE cleared_at = 0;" \
	"CREATE INDEX alerts_raised ON alerts(raised_at);"                               \
	"CREATE TABLE clerks("                                                           \
	"  id TEXT PRIMARY KEY,"                                                         \
	"  name TEXT NOT NULL,"                                                          \
	"  pin_hash TEXT NOT NULL,"                                                      \
	"  active INTEGER NOT NULL DEFAULT 1,"                                           \
	"  added_at INTEGER NOT NULL);"                                                  \
	"CREATE TABLE signins("                                                          \
	"  id INTEGER PRIMARY KEY,"                                                      \
	"  counter INTEGER NOT NULL,"                                                    \
	"  clerk TEXT NOT NULL,"                                                         \
	"  at INTEGER NOT NULL,"                                                         \
	"  out_at INTEGER NOT NULL DEFAULT 0);"     /* 0 while signed in */              \
	"CREATE INDEX signins_at ON signins(at);"                                        \
	/* The secret of a ticket's status URL, which alone lets a phone review it. */   \
	"ALTER TABLE tickets ADD COLUMN secret TEXT NOT NULL DEFAULT '';"                \
	"UPDATE tickets SET rating = CASE rating WHEN 1 THEN 1 WHEN 2 THEN 3 ELSE 5 END" \
	"  WHERE rating BETWEEN 1 AND 3;"                                                \
	"INSERT INTO reviews(ticket_id, day, service, counter, clerk, level, channel,"   \
	"  at, updated_at) SELECT id, day, service, counter, clerk, rating, 4,"          \
	"  ended_at, ended_at FROM tickets WHERE rating > 0;"

/*
 * Schema 5: the web pages' sign-in sessions (queue/session.c). A session is found by the
 * sha256 of its cookie's secret, never by the secret, which only the browser holds; its
 * id (8 hex digits) names it in lists and logs. role is the role it acts as ("manager",
 * "counter:3", "evaluator:3"); a clerk's session (clerk not '') holds while that clerk is
 * signed in at its counter, and ends in the transaction that signs them out. Times are unix
 * ms of the real clock, not the hall's (a simulated hall's sessions still expire in hours);
 * revoked_at is NULL while the session has not been ended.
 */
#define HQ_SCHEMA_V5                                                                     \
	"CREATE TABLE sessions("                                                         \
	"  id TEXT PRIMARY KEY,"                                                         \
	"  secret_sha256 TEXT NOT NULL UNIQUE,"                                          \
	"  role TEXT NOT NULL,"                                                          \
	"  counter INTEGER NOT NULL DEFAULT 0,"                                          \
	"  clerk TEXT NOT NULL DEFAULT '',"                                              \
	"  csrf TEXT NOT NULL,"                                                          \
	"  created INTEGER NOT NULL,"                                                    \
	"  last_seen INTEGER NOT NULL,"                                                  \
	"  expires INTEGER NOT NULL,"                                                    \
	"  address TEXT NOT NULL DEFAULT '',"                                            \
	"  revoked_at INTEGER,"                                                          \
	"  revoked_why TEXT NOT NULL DEFAULT '');"                                       \
	"CREATE INDEX sessions_clerk ON sessions(counter)"                               \
	"  WHERE revoked_at IS NULL AND clerk <> '';"                                    \
	"CREATE INDEX sessions_expires ON sessions(expires);"

#define HQ_SESSION_COLS                                                                  \
	"id, role, counter, clerk, csrf, created, last_seen, expires, address,"          \
	" COALESCE(revoked_at, 0), revoked_why, token_sha256"

/*
 * Schema 6: when each counter entered its present state (open, paused, closed), for the
 * managers' wall and the clerk's page. A paused counter's is when its pause began; the
 * others' are not known until they change (0, shown as unknown).
 */
#define HQ_SCHEMA_V6                                                                     \
	"ALTER TABLE counters ADD COLUMN state_at INTEGER NOT NULL DEFAULT 0;"           \
	"UPDATE counters SET state_at = paused_at WHERE state = 1;"

/*
 * Schema 7: the sha256 of the token that signed a session in ('' for a clerk's PIN), so that
 * a token removed from hallqd's tokens file ends the sessions it made, and not those of
 * another token of the same role (server/sessions.c, hqd_sessions_sweep).
 */
#define HQ_SCHEMA_V7                                                                     \
	"ALTER TABLE sessions ADD COLUMN token_sha256 TEXT NOT NULL DEFAULT '';"

/*
 * v8: the 80% range of the estimate printed on a ticket (queue/estimate.c), for a hall that
 * shows ranges ([hall] estimate_display = range); -1 none: no counter was open, or the
 * ticket is from before v8 or a transfer's continuation.
 */
#define HQ_SCHEMA_V8                                                                     \
	"ALTER TABLE tickets ADD COLUMN est_low_s INTEGER NOT NULL DEFAULT -1;"          \
	"ALTER TABLE tickets ADD COLUMN est_high_s INTEGER NOT NULL DEFAULT -1;"

#define HQ_TICKET_COLS                                                                   \
	"id, parent_id, day, label, service, number, class, state, counter,"             \
	" target_counter, clerk, recalls, people_ahead, est_wait_s, rating,"             \
	" issued_at, queued_at, called_at, started_at, ended_at, end_reason, secret,"    \
	" est_low_s, est_high_s"

/* X(NAME, SQL): the statement is q->st[SQL_NAME]. */
#define HQ_SQL_MAP(X)                                                                    \
	X(BEGIN_WRITE, "BEGIN IMMEDIATE")                                                \
	X(BEGIN_READ, "BEGIN")                                                           \
	X(COMMIT, "COMMIT")                                                              \
	X(ROLLBACK, "ROLLBACK")                                                          \
	X(SAVEPOINT, "SAVEPOINT op")                                                     \
	X(RELEASE, "RELEASE op")                                                         \
	X(ROLLBACK_TO, "ROLLBACK TO op")                                                 \
	X(IDEM_GET, "SELECT route, status, body, location FROM idempotency"              \
		    " WHERE key = ?1")                                                   \
	X(IDEM_PUT, "INSERT INTO idempotency(key, route, status, body, location, at)"    \
		    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)")                                   \
	X(IDEM_PURGE, "DELETE FROM idempotency WHERE at < ?1")                           \
	X(TICKET_POSITION, "SELECT COUNT(*) FROM tickets WHERE state = 0"                \
			   " AND target_counter = 0 AND service = ?1"                    \
			   " AND (prio > ?2 OR (prio = ?2 AND origin_id < ?3))")         \
	X(TICKET_POSITION_TARGETED, "SELECT COUNT(*) FROM tickets WHERE state = 0"       \
				    " AND target_counter = +?1 AND target_counter <> 0"  \
				    " AND (prio > ?2 OR (prio = ?2 AND origin_id < ?3))")\
	X(META_GET, "SELECT value FROM meta WHERE key = ?1")                             \
	X(META_SET, "INSERT INTO meta(key, value) VALUES(?1, ?2)"                        \
		    " ON CONFLICT(key) DO UPDATE SET value = excluded.value")            \
	X(COUNTER_ADD, "INSERT OR IGNORE INTO counters(number, state_at) VALUES(?1, ?2)")\
	X(COUNTER_GET, "SELECT state, reason, clerk, current_id, last_id, prio_run,"     \
		       " called_id FROM counters WHERE number = ?1")                     \
	X(COUNTER_ALL, "SELECT number, state, reason, clerk, current_id, state_at,"      \
		       " paused_at FROM counters")                                        \
	/* A pause (?2 = 1) starts the pause clock; its end counts the pause into pause_ms when a  \
	 * citizen was at the window all along; a close (2) forgets the turn under way. */   \
	X(COUNTER_SET_STATE, "UPDATE counters SET state = ?2, reason = ?3,"              \
			     " active_at = ?4,"                                           \
			     " state_at = CASE WHEN state = ?2 THEN state_at ELSE ?4 END,"\
			     " pause_ms = CASE WHEN ?2 = 2 THEN 0"                        \
			     " WHEN state = 1 AND ?2 <> 1 AND current_id <> 0"            \
			     " AND paused_at > 0 THEN pause_ms + ?4 - paused_at"          \
			     " ELSE pause_ms END,"                                        \
			     " paused_at = CASE WHEN ?2 <> 1 THEN 0"                      \
			     " WHEN state = 1 THEN paused_at ELSE ?4 END,"                \
			     " called_id = CASE WHEN ?2 = 2 THEN 0 ELSE called_id END"    \
			     " WHERE number = ?1")                                        \
	X(COUNTER_SET_CLERK, "UPDATE counters SET clerk = ?2, active_at = ?3"            \
			     " WHERE number = ?1")                                       \
	/* A call (?2 <> 0) also makes the ticket the one whose turn the next call ends (its \
	 * pauses start from 0); a ticket ended in a pause takes the pause so far with it. */ \
	X(COUNTER_SET_CURRENT, "UPDATE counters SET current_id = ?2, active_at = ?3,"    \
			       " called_id = CASE WHEN ?2 <> 0 THEN ?2 ELSE called_id END,"\
			       " pause_ms = CASE WHEN ?2 <> 0 THEN 0"                     \
			       " WHEN state = 1 AND current_id <> 0 AND paused_at > 0"    \
			       " THEN pause_ms + ?3 - paused_at ELSE pause_ms END"        \
			       " WHERE number = ?1")                                     \
/* Counter ?5's last ticket ?1 ended: its turn ran from its call to now (?2), the   \
	 * next call, less pauses at the window beyond ?4 ms (lunch with a citizen there), and \
	 * of the time from its end to now only what someone waited for the counter (from  \
	 * the next ticket ?3's queueing) and no more than ?4. Only tickets that ended at    \
	 * the counter (done, no-show, transferred) and were called once have a turn. */     \
	X(TICKET_SET_TURN, "UPDATE tickets SET turn_ms = MAX(1, ended_at - called_at"    \
			   " - MAX(0, (SELECT pause_ms FROM counters WHERE number = ?5) - ?4)"\
			   " + MIN(?4, MAX(0, ?2 - MAX(ended_at, COALESCE((SELECT queued_at"\
			   " FROM tickets WHERE id = ?3), ?2)))))"                        \
			   " WHERE id = ?1 AND counter = ?5 AND turn_ms = 0"              \
			   " AND state IN (4, 5, 6) AND called_at > 0"                    \
			   " AND ended_at >= called_at AND ended_at <= ?2"                \
			   " RETURNING service")                                          \
	X(COUNTER_SET_LAST, "UPDATE counters SET last_id = ?2 WHERE number = ?1")        \
	X(COUNTER_SET_RUN, "UPDATE counters SET prio_run = ?2 WHERE number = ?1")        \
	X(COUNTER_CLEAR_ENDED, "UPDATE counters SET current_id = 0 WHERE current_id <> 0"\
			       " AND (SELECT state FROM tickets WHERE id = current_id) >= 3")\
	/* The day is over: no turn runs into the next. */                               \
	X(COUNTER_FORGET_TURNS, "UPDATE counters SET called_id = 0, pause_ms = 0")      \
	X(TICKET_GET, "SELECT " HQ_TICKET_COLS " FROM tickets WHERE id = ?1")            \
	X(TICKET_NEXT_ID, "SELECT COALESCE(MAX(id), 0) + 1 FROM tickets")                \
	X(TICKET_DAY_LAST, "SELECT COALESCE(MAX(number), -1) FROM tickets"               \
			   " WHERE day = ?1 AND origin_service = ?2 AND parent_id = 0")  \
	X(TICKET_INSERT, "INSERT INTO tickets(id, parent_id, origin_id, day, service,"   \
			 " origin_service, number, label, class, prio, state,"           \
			 " target_counter, people_ahead, est_wait_s, issued_at,"         \
			 " queued_at, secret, est_low_s, est_high_s) VALUES(?1, ?2, ?3,"  \
			 " ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12, ?13, ?14, ?15, ?16," \
			 " ?17, ?18)")                                                   \
	X(TICKET_ORIGIN, "SELECT origin_id, origin_service FROM tickets WHERE id = ?1")  \
	X(TICKET_CALL, "UPDATE tickets SET state = 1, counter = ?2, clerk = ?3,"         \
		       " called_at = CASE WHEN called_at = 0 THEN ?4 ELSE called_at END,"\
		       " turn_ms = CASE WHEN called_at = 0 THEN turn_ms ELSE -1 END,"     \
		       " target_counter = 0 WHERE id = ?1 AND state IN (0, 3)")          \
	X(TICKET_SET_STATE, "UPDATE tickets SET state = ?2 WHERE id = ?1")               \
	X(TICKET_START, "UPDATE tickets SET state = 2, started_at = ?2 WHERE id = ?1")   \
	X(TICKET_END, "UPDATE tickets SET state = ?2, ended_at = ?3, end_reason = ?4"    \
		      " WHERE id = ?1")                                                  \
	X(TICKET_RECALL, "UPDATE tickets SET recalls = recalls + 1 WHERE id = ?1")       \
	X(TICKET_REQUEUE, "UPDATE tickets SET state = 0, target_counter = ?2,"           \
			  " queued_at = ?3 WHERE id = ?1")                               \
	X(TICKET_RATE, "UPDATE tickets SET rating = ?2 WHERE id = ?1")                   \
	X(TICKET_FIRST_SERVICE, "SELECT id, origin_id FROM tickets"                      \
				" WHERE state = 0 AND target_counter = 0"                \
				" AND service = ?1 AND prio = ?2"                        \
				" ORDER BY origin_id LIMIT 1")                           \
	X(TICKET_FIRST_TARGETED, "SELECT id, origin_id FROM tickets"                     \
				 " WHERE state = 0 AND target_counter = +?1"             \
				 " AND target_counter <> 0"                              \
				 " AND prio = ?2 ORDER BY origin_id LIMIT 1")            \
	X(TICKET_FIND_LABEL, "SELECT id FROM tickets WHERE day = ?1 AND label = ?2"      \
			     " ORDER BY id DESC LIMIT 1")                                \
	/* A number typed at a counter: today's open tickets (state < 4 lets the partial  \
	 * index tickets_open serve the day), waiting or parked, newest first. */         \
	X(TICKET_NUMBER_SERVICE, "SELECT id FROM tickets WHERE day = ?1 AND number = ?2" \
				 " AND state < 4 AND state IN (0, 3) AND service = ?3"   \
				 " AND target_counter IN (0, ?4)"                        \
				 " ORDER BY id DESC LIMIT 1")                            \
	X(TICKET_NUMBER_MINE, "SELECT id FROM tickets WHERE day = ?1 AND number = ?2"    \
			      " AND state < 4 AND ((state = 0 AND target_counter = ?3)"  \
			      " OR (state = 3 AND counter = ?3))"                        \
			      " ORDER BY id DESC LIMIT 1")                               \
	X(TICKET_CHILD, "SELECT id FROM tickets WHERE parent_id = ?1"                    \
			" AND parent_id <> 0 ORDER BY id DESC LIMIT 1")                  \
	X(TICKET_OPEN_IDS, "SELECT id FROM tickets WHERE state < 4 AND day <= ?1")       \
	X(TICKET_COUNT_AHEAD, "SELECT COUNT(*) FROM tickets WHERE state = 0"             \
			      " AND target_counter = 0 AND service = ?1 AND prio >= ?2") \
	/* Tickets that joined a queue (issued, or transferred in) at ?1 <= t < ?2, by the	\
	 * issue times' index: a transfer joins its queue after its first ticket's issue. */\
	X(TICKET_ARRIVALS, "SELECT service, queued_at, prio FROM tickets"                 \
			   " WHERE issued_at >= ?1 - 43200000 AND issued_at < ?2"            \
			   " AND queued_at >= ?1 AND queued_at < ?2")                       \
	/* Turns of calls at ?1 <= t < ?2, by the issue times' index (a ticket is called on \
	 * the day of its issue). */                                                       \
	X(TICKET_TURNS_SINCE, "SELECT service, called_at, turn_ms FROM tickets"           \
			      " WHERE issued_at >= ?1 - 86400000 AND issued_at < ?2"     \
			      " AND turn_ms > 0 AND called_at >= ?1 AND called_at < ?2")  \
	X(TICKET_TURNS_BETWEEN, "SELECT turn_ms FROM tickets WHERE service = ?1"         \
			       " AND turn_ms > 0 AND called_at >= ?2 AND called_at < ?3"   \
			       " ORDER BY called_at DESC LIMIT ?4")                      \
	X(TICKET_RECENT_TURNS, "SELECT turn_ms FROM tickets WHERE service = ?1"          \
			       " AND turn_ms > 0 AND called_at >= ?2"                    \
			       " ORDER BY called_at DESC LIMIT ?3")                      \
	/* Tickets sent to a counter by name, by class, called before a ticket of place ?1 and\
	 * class ?2: older, or of a higher class (?1 = 0, a new ticket: all). */            \
	X(TICKET_TARGETED_WAITING, "SELECT target_counter, prio > 0, COUNT(*) FROM tickets"\
				   " WHERE state = 0 AND target_counter <> 0"            \
				   " AND (?1 = 0 OR origin_id < ?1 OR prio > ?2)"        \
				   " GROUP BY 1, 2")                                     \
	/* With the citizen at the window: their service and first call, NULL none. */    \
	X(DATA_VERSION, "PRAGMA data_version")                                           \
	X(COUNTER_WORK, "SELECT c.number, c.state, c.clerk <> '', c.active_at,"          \
			" c.current_id, c.paused_at, t.service, t.called_at"             \
			" FROM counters c LEFT JOIN tickets t ON t.id = c.current_id"    \
			" AND t.state IN (1, 2) ORDER BY c.number")                      \
	/* Waiting for ?1 (not sent to one counter), and of them of the priority class,   \
	 * counted among the first ?2. */                                                \
	X(TICKET_WAITING_BOTH, "SELECT COUNT(*), COALESCE(SUM(prio > 0), 0) FROM"        \
			       " (SELECT prio FROM tickets WHERE state = 0"             \
			       " AND target_counter = 0 AND service = ?1"               \
			       " ORDER BY prio DESC LIMIT ?2)")                          \
	/* With the longest wait of each: queued_at, as the supervision's ALERT_SVC_WAITING. */\
	X(STATE_WAITING, "SELECT service, prio, COUNT(*), MIN(queued_at) FROM tickets"   \
			 " WHERE state = 0 AND target_counter = 0 GROUP BY service, prio"\
			 " UNION ALL SELECT service, prio, COUNT(*), MIN(queued_at)"     \
			 " FROM tickets WHERE state = 0 AND target_counter <> 0"         \
			 " GROUP BY service, prio")                                      \
	/* A counter's page (hq_queue_counter_view): the tickets parked at it today, by   \
	 * their place in the queue (tickets_open serves the day), and those waiting for it \
	 * by name, in the order it calls them (tickets_targeted). */                      \
	X(VIEW_PARKED, "SELECT id FROM tickets WHERE day = ?1 AND state < 4"             \
		       " AND state = 3 AND counter = ?2 ORDER BY origin_id, id LIMIT ?3")\
	X(VIEW_SENT, "SELECT id FROM tickets WHERE state = 0 AND target_counter = +?1"   \
		     " AND target_counter <> 0 ORDER BY prio DESC, origin_id LIMIT ?2")  \
	X(STATE_TODAY, "SELECT origin_service, COUNT(*) FROM tickets"                   \
		       " WHERE day = ?1 AND parent_id = 0 GROUP BY origin_service")                        \
	X(STATE_SERVED, "SELECT service, COUNT(*) FROM tickets WHERE day = ?1"           \
			" AND state = 4 GROUP BY service")                               \
	/* The last column: the state of the case of the ticket's review, -1 for none. */ \
	X(STATS_TICKETS, "SELECT service, counter, clerk, issued_at, parent_id, state,"  \
			 " queued_at, called_at, started_at, ended_at, rating,"          \
			 " COALESCE((SELECT c.state FROM reviews r JOIN cases c"         \
			 " ON c.review_id = r.id WHERE r.ticket_id = tickets.id), -1)"   \
			 " FROM tickets WHERE issued_at >= ?1 AND issued_at < ?2")       \
	X(STATS_APPOINTMENTS, "SELECT service, COUNT(*), SUM(ticket_id = 0 AND"          \
			      " slot_at + ?3 < ?4) FROM appointments"                    \
			      " WHERE slot_at >= ?1 AND slot_at < ?2 GROUP BY service")  \
	X(APPT_SLOT_COUNT, "SELECT COUNT(*) FROM appointments"                           \
			   " WHERE service = ?1 AND slot_at = ?2")                       \
	X(APPT_CODE_USED, "SELECT 1 FROM appointments WHERE code = ?1")                  \
	X(APPT_INSERT, "INSERT INTO appointments(code, service, slot_at, name, phone,"   \
		       " booked_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")                     \
	X(APPT_GET, "SELECT id, code, service, slot_at, name, phone, ticket_id"          \
		    " FROM appointments WHERE code = ?1")                                \
	X(APPT_SET_TICKET, "UPDATE appointments SET ticket_id = ?2 WHERE id = ?1")       \
	X(EVENT_ADD, "INSERT INTO events(at, type, ticket_id, label, service, counter,"  \
		     " value, detail) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")           \
	X(EVENT_SINCE, "SELECT id, at, type, ticket_id, label, service, counter, value," \
		       " detail FROM events WHERE id > ?1 ORDER BY id LIMIT ?2")         \
	X(EVENT_LAST, "SELECT COALESCE(MAX(id), 0) FROM events")                         \
	HQ_SQL_REVIEW_MAP(X)                                                             \
	HQ_SQL_ALERT_MAP(X)                                                              \
	HQ_SQL_APPRAISAL_MAP(X)

/* ---- 好差评: reviews and bad-review cases (review.c) --------------------------------- */
/* A review with its ticket's label and its case's id (0 for none). */
#define HQ_REVIEW_FIELDS                                                                 \
	" r.id, r.ticket_id, r.day, t.label, r.service, r.counter, r.clerk, r.level,"    \
	" r.reasons, r.comment, r.channel, r.at, r.updated_at, COALESCE(c.id, 0)"
#define HQ_REVIEW_COLS                                                                   \
	HQ_REVIEW_FIELDS " FROM reviews r JOIN tickets t ON t.id = r.ticket_id"          \
	" LEFT JOIN cases c ON c.review_id = r.id"
/* A case, then its review as above. */
#define HQ_CASE_COLS                                                                     \
	" c.id, c.state, c.opened_at, c.updated_at, c.rectify_due, c.revisit_due,"       \
	HQ_REVIEW_FIELDS " FROM cases c JOIN reviews r ON r.id = c.review_id"            \
	" JOIN tickets t ON t.id = r.ticket_id"
#define HQ_SQL_REVIEW_MAP(X)                                                             \
	X(REVIEW_OF_TICKET, "SELECT" HQ_REVIEW_COLS " WHERE r.ticket_id = ?1")           \
	X(REVIEW_RANGE, "SELECT" HQ_REVIEW_COLS " WHERE r.at >= ?1 AND r.at < ?2"        \
			" AND (?3 = 0 OR r.level = ?3) ORDER BY r.at, r.id")             \
	X(REVIEW_INSERT, "INSERT INTO reviews(ticket_id, day, service, counter, clerk,"  \
			 " level, reasons, comment, channel, at, updated_at)"            \
			 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")        \
	/* A review replaced: the new one's level, reasons, comment and channel; its first \
	 * time stays, which the edit window counts from. */                             \
	X(REVIEW_UPDATE, "UPDATE reviews SET level = ?2, reasons = ?3, comment = ?4,"    \
			 " channel = ?5, updated_at = ?6 WHERE id = ?1")                 \
	X(CASE_INSERT, "INSERT INTO cases(review_id, state, opened_at, rectify_due,"     \
		       " updated_at) VALUES(?1, 0, ?2, ?3, ?2)")                         \
	X(CASE_GET, "SELECT" HQ_CASE_COLS " WHERE c.id = ?1")                             \
	/* A case in one state (?1 >= 0), else those not closed, or all with ?2. */     \
	X(CASE_LIST, "SELECT" HQ_CASE_COLS " WHERE (?1 >= 0 AND c.state = ?1)"           \
		     " OR (?1 < 0 AND (?2 OR c.state < 4)) ORDER BY c.id")               \
	X(CASE_SET_STATE, "UPDATE cases SET state = ?2, updated_at = ?3,"                \
			  " revisit_due = ?4 WHERE id = ?1")                              \
	/* A good review changed back to a bad one: its case starts again. */            \
	X(CASE_REOPEN, "UPDATE cases SET state = 0, opened_at = ?2, rectify_due = ?3,"   \
		       " revisit_due = '', updated_at = ?2 WHERE id = ?1")               \
	X(CASE_STEP_ADD, "INSERT INTO case_steps(case_id, state, who, at, note)"         \
			 " VALUES(?1, ?2, ?3, ?4, ?5)")                                  \
	X(CASE_STEPS, "SELECT state, who, at, note FROM case_steps WHERE case_id = ?1"   \
		      " ORDER BY id")                                                    \
	/* Cases not closed: the due dates of their next steps, for the overdue count. */\
	X(CASE_OPEN_DUES, "SELECT state, rectify_due, revisit_due FROM cases"            \
			  " WHERE state < 4")

/* ---- 电子监察: alerts (alert.c) -------------------------------------------------------- */
#define HQ_ALERT_COLS                                                                    \
	"id, rule, kind, severity, subject, service, counter, clerk, message,"           \
	" raised_at, cleared_at, acked_at, acked_by, ack_note"
/* What the rules read. The waiting of a service's queue and of each counter's own (tickets
 * sent to it by name) come from the partial indexes tickets_waiting and tickets_targeted;
 * a counter with the citizen at its window; a finished ticket's service time (from its
 * start, or its call when it was never started, as the statistics count it); the open
 * bad-review cases with their review (cases_open), and what tells that they changed. */
#define HQ_SQL_ALERT_MAP(X)                                                              \
	X(ALERT_SVC_WAITING, "SELECT COUNT(*), COALESCE(MIN(queued_at), 0) FROM tickets" \
			     " WHERE state = 0 AND target_counter = 0 AND service = ?1") \
	X(ALERT_TARGETED, "SELECT target_counter, COUNT(*), MIN(queued_at) FROM tickets" \
			  " WHERE state = 0 AND target_counter <> 0 GROUP BY target_counter")\
	X(ALERT_COUNTER, "SELECT c.state, c.reason, c.clerk, c.active_at, c.paused_at,"  \
			 " COALESCE(t.id, 0), COALESCE(t.label, ''),"                    \
			 " COALESCE(t.service, ''), COALESCE(t.called_at, 0),"           \
			 " COALESCE(t.started_at, 0) FROM counters c LEFT JOIN tickets t"\
			 " ON t.id = c.current_id AND t.state IN (1, 2)"                 \
			 " WHERE c.number = ?1")                                         \
	X(ALERT_SERVICE_TIME, "SELECT service, ended_at - CASE WHEN started_at > 0"      \
			      " THEN started_at ELSE called_at END FROM tickets"         \
			      " WHERE id = ?1 AND state = 4 AND called_at > 0")          \
	X(ALERT_CASES_SIG, "SELECT (SELECT COALESCE(MAX(id), 0) FROM cases),"            \
			   " (SELECT COALESCE(MAX(id), 0) FROM case_steps),"             \
			   " (SELECT COALESCE(MAX(id), 0) FROM reviews)")                \
	X(ALERT_CASES, "SELECT c.id, c.state, c.rectify_due, c.revisit_due, r.level,"    \
		       " r.service, r.counter, r.clerk, COALESCE(t.label, '')"           \
		       " FROM cases c JOIN reviews r ON r.id = c.review_id"              \
		       " LEFT JOIN tickets t ON t.id = r.ticket_id"                      \
		       " WHERE c.state < 4 ORDER BY c.id")                               \
	X(ALERT_OPEN, "SELECT id, rule, subject, service, counter FROM alerts"           \
		      " WHERE cleared_at = 0 ORDER BY rule, subject")                    \
	X(ALERT_INSERT, "INSERT INTO alerts(rule, kind, severity, subject, service,"     \
			" counter, clerk, message, raised_at)"                           \
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                   \
	X(ALERT_CLEAR, "UPDATE alerts SET cleared_at = ?2 WHERE id = ?1"                 \
		       " AND cleared_at = 0")                                            \
	X(ALERT_GET, "SELECT " HQ_ALERT_COLS " FROM alerts WHERE id = ?1")               \
	X(ALERT_ACK, "UPDATE alerts SET acked_at = ?2, acked_by = ?3, ack_note = ?4"     \
		     " WHERE id = ?1")                                                   \
	X(ALERT_LIST_OPEN, "SELECT " HQ_ALERT_COLS " FROM alerts WHERE cleared_at = 0"   \
			   " AND raised_at >= ?1 AND raised_at < ?2 ORDER BY raised_at, id")\
	X(ALERT_LIST_ALL, "SELECT " HQ_ALERT_COLS " FROM alerts WHERE raised_at >= ?1"   \
			  " AND raised_at < ?2 ORDER BY raised_at, id")                  \
	X(ALERT_OPEN_BY_RULE, "SELECT rule, COUNT(*) FROM alerts WHERE cleared_at = 0"   \
			      " GROUP BY rule")                                          \
	X(ALERT_COUNTER_PAUSES, "SELECT number, state, paused_at FROM counters")

/* ---- the roster, sign-ins and the appraisal (roster.c, clerk.c, appraisal.c) -------- */
#define HQ_SQL_APPRAISAL_MAP(X)                                                          \
	X(CLERK_GET, "SELECT name, pin_hash, active, added_at FROM clerks WHERE id = ?1")\
	X(CLERK_ALL, "SELECT id, name, active, added_at FROM clerks ORDER BY id")        \
	/* A clerk removed and added again comes back with the new name and PIN. */      \
	X(CLERK_PUT, "INSERT INTO clerks(id, name, pin_hash, active, added_at)"          \
		     " VALUES(?1, ?2, ?3, 1, ?4) ON CONFLICT(id) DO UPDATE SET"          \
		     " name = excluded.name, pin_hash = excluded.pin_hash, active = 1,"  \
		     " added_at = excluded.added_at")                                    \
	/* Removed, not deleted: the reports of past months still name the clerk. */     \
	X(CLERK_REMOVE, "UPDATE clerks SET active = 0 WHERE id = ?1 AND active = 1")     \
	X(SIGNIN_OPEN_CLERK, "SELECT clerk FROM signins WHERE counter = ?1"              \
			     " AND out_at = 0 ORDER BY id DESC LIMIT 1")                 \
	X(SIGNIN_ADD, "INSERT INTO signins(counter, clerk, at) VALUES(?1, ?2, ?3)")      \
	X(SIGNIN_END, "UPDATE signins SET out_at = MAX(at, ?2)"                          \
		      " WHERE counter = ?1 AND out_at = 0")                              \
	/* The day ended without a close: each clerk still signed in leaves as of the      \
	 * counter's last sign of work (active_at), no later than now (?1). */           \
	X(SIGNIN_END_IDLE, "UPDATE signins SET out_at = MAX(at, MIN(?1, COALESCE("       \
			   "(SELECT active_at FROM counters WHERE number = signins.counter),"\
			   " 0))) WHERE out_at = 0")                                     \
	X(SIGNIN_END_ALL, "UPDATE signins SET out_at = MAX(at, ?1) WHERE out_at = 0")    \
	X(COUNTER_CLERKS, "SELECT number, clerk FROM counters WHERE clerk <> ''"         \
			  " ORDER BY number")                                            \
	X(APPRAISAL_TICKETS, "SELECT service, counter, clerk, state, queued_at,"         \
			     " called_at, started_at, ended_at FROM tickets"             \
			     " WHERE issued_at >= ?1 AND issued_at < ?2 AND counter <> 0")\
	/* The reviews of the period's tickets, each with how far its case went, as it   \
	 * stands (the statistics' reading): 2 rectified or beyond, 3 revisited or beyond;\
	 * -1 without a case. A case opened again has left its old steps behind. */      \
	X(APPRAISAL_REVIEWS, "SELECT r.counter, r.clerk, r.level, CASE WHEN c.id IS NULL"\
			     " THEN -1 ELSE 0 END, COALESCE(c.state >= 2, 0),"           \
			     " COALESCE(c.state >= 3, 0) FROM reviews r"                 \
			     " JOIN tickets t ON t.id = r.ticket_id"                     \
			     " LEFT JOIN cases c ON c.review_id = r.id"                  \
			     " WHERE t.issued_at >= ?1 AND t.issued_at < ?2")            \
	X(APPRAISAL_ALERTS, "SELECT rule, kind, counter, clerk, COUNT(*) FROM alerts"    \
			    " WHERE raised_at >= ?1 AND raised_at < ?2"                  \
			    " GROUP BY rule, kind, counter, clerk ORDER BY rule")        \
	X(APPRAISAL_SIGNINS, "SELECT s.counter, s.clerk, s.at, s.out_at,"                \
			     " COALESCE(c.active_at, 0) FROM signins s"                  \
			     " LEFT JOIN counters c ON c.number = s.counter"             \
			     " WHERE s.at < ?2 AND (s.out_at = 0 OR s.out_at > ?1)"      \
			     " ORDER BY s.clerk, s.at")                                   \
	/* Sessions (session.c). The clerk's sessions of a counter end when its clerk       \
	 * changes (roster.c): every one but those of the clerk ?2 ('' for all). */      \
	X(SESSION_ADD, "INSERT INTO sessions(id, secret_sha256, role, counter, clerk,"   \
		       " csrf, created, last_seen, expires, address, token_sha256)"      \
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10)")           \
	X(SESSION_BY_HASH, "SELECT " HQ_SESSION_COLS " FROM sessions"                    \
			   " WHERE secret_sha256 = ?1")                                  \
	X(SESSION_BY_ID, "SELECT " HQ_SESSION_COLS " FROM sessions WHERE id = ?1")       \
	X(SESSION_ALL, "SELECT " HQ_SESSION_COLS " FROM sessions"                        \
		       " WHERE ?1 OR (revoked_at IS NULL AND expires > ?2)"              \
		       " ORDER BY created, id")                                          \
	X(SESSION_SEEN, "UPDATE sessions SET last_seen = ?2 WHERE id = ?1")              \
	X(SESSION_REVOKE, "UPDATE sessions SET revoked_at = ?2, revoked_why = ?3"        \
			  " WHERE id = ?1 AND revoked_at IS NULL")                       \
	X(SESSION_REVOKE_WHERE, "UPDATE sessions SET revoked_at = ?3, revoked_why = ?4"  \
				" WHERE revoked_at IS NULL AND expires > ?3"             \
				" AND (?1 = '' OR clerk = ?1) AND (?2 = 0 OR counter = ?2)")\
	X(SESSION_END_COUNTER, "UPDATE sessions SET revoked_at = ?3, revoked_why = ?4"   \
			       " WHERE counter = ?1 AND clerk <> '' AND clerk <> ?2"     \
			       " AND revoked_at IS NULL")                                \
	X(SESSION_END_CLERKS, "UPDATE sessions SET revoked_at = ?1, revoked_why = ?2"    \
			      " WHERE clerk <> '' AND revoked_at IS NULL")               \
	X(SESSION_PURGE, "DELETE FROM sessions WHERE expires < ?1"                       \
			 " OR revoked_at < ?1")

/* ---- retention (retention.c) -------------------------------------------------------------
 * Not in HQ_SQL_MAP: they name the temporary table hq_purge, which exists only once a run
 * made it, so retention.c prepares them for each run (a run a day). The ids of one chunk go
 * into hq_purge; its rows are archived (SELECT *) and deleted, what hangs on them first.
 * ?1 is the first day kept, in unix ms (or "YYYY-MM-DD" for the review's day), ?2 the chunk.
 */
#define HQ_SQL_RET_TEMP "CREATE TEMP TABLE IF NOT EXISTS hq_purge(id INTEGER PRIMARY KEY)"
#define HQ_SQL_RET_CLEAR "DELETE FROM temp.hq_purge"
#define HQ_SQL_RET_ERASE_PERSONAL                                                        \
	"UPDATE appointments SET name = '', phone = '' WHERE slot_at < ?1"                \
	" AND (name <> '' OR phone <> '')"
/* A comment on a review whose case is still being handled stays. */
#define HQ_SQL_RET_ERASE_COMMENTS                                                        \
	"UPDATE reviews SET comment = '' WHERE day < ?1 AND comment <> ''"               \
	" AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.review_id = reviews.id"          \
	" AND c.state < 4)"
/* Tickets: never the newest (TICKET_NEXT_ID counts from it), never one with an open case. */
#define HQ_SQL_RET_PICK_TICKETS                                                          \
	"INSERT INTO temp.hq_purge SELECT id FROM tickets WHERE issued_at < ?1"          \
	" AND id < (SELECT MAX(id) FROM tickets) AND NOT EXISTS (SELECT 1 FROM reviews r"\
	" JOIN cases c ON c.review_id = r.id WHERE r.ticket_id = tickets.id"             \
	" AND c.state < 4) ORDER BY id LIMIT ?2"
#define HQ_SQL_RET_CASE_IDS                                                              \
	"SELECT c.id FROM cases c JOIN reviews r ON r.id = c.review_id"                  \
	" WHERE r.ticket_id IN temp.hq_purge"
#define HQ_SQL_RET_ARCH_STEPS "SELECT * FROM case_steps WHERE case_id IN (" HQ_SQL_RET_CASE_IDS ")"
#define HQ_SQL_RET_DEL_STEPS "DELETE FROM case_steps WHERE case_id IN (" HQ_SQL_RET_CASE_IDS ")"
#define HQ_SQL_RET_ARCH_CASES "SELECT * FROM cases WHERE id IN (" HQ_SQL_RET_CASE_IDS ")"
#define HQ_SQL_RET_DEL_CASES "DELETE FROM cases WHERE id IN (" HQ_SQL_RET_CASE_IDS ")"
#define HQ_SQL_RET_ARCH_REVIEWS "SELECT * FROM reviews WHERE ticket_id IN temp.hq_purge"
#define HQ_SQL_RET_DEL_REVIEWS "DELETE FROM reviews WHERE ticket_id IN temp.hq_purge"
#define HQ_SQL_RET_ARCH_TICKETS "SELECT * FROM tickets WHERE id IN temp.hq_purge"
#define HQ_SQL_RET_DEL_TICKETS "DELETE FROM tickets WHERE id IN temp.hq_purge"
/* The other tables, one at a time: what happened before the first day kept. An alert still
 * open and a clerk still signed in stay; a sign-in that ended in the kept months counts
 * there. */
#define HQ_SQL_RET_PICK(table, where)                                                    \
	"INSERT INTO temp.hq_purge SELECT id FROM " table " WHERE " where                \
	" ORDER BY id LIMIT ?2"
#define HQ_SQL_RET_PICK_EVENTS HQ_SQL_RET_PICK("events", "at < ?1")
#define HQ_SQL_RET_PICK_APPTS HQ_SQL_RET_PICK("appointments", "slot_at < ?1")
#define HQ_SQL_RET_PICK_ALERTS HQ_SQL_RET_PICK("alerts", "raised_at < ?1 AND cleared_at <> 0")
#define HQ_SQL_RET_PICK_SIGNINS HQ_SQL_RET_PICK("signins", "out_at <> 0 AND out_at <= ?1")
#define HQ_SQL_RET_ARCH(table) "SELECT * FROM " table " WHERE id IN temp.hq_purge ORDER BY id"
#define HQ_SQL_RET_DEL(table) "DELETE FROM " table " WHERE id IN temp.hq_purge"

/* ---- backup and restore (backup.c): reading a copy -------------------------------------- */
#define HQ_SQL_BK_TICKETS "SELECT COUNT(*) FROM tickets"
#define HQ_SQL_BK_DAY "SELECT value FROM meta WHERE key = 'day'"
#define HQ_SQL_BK_HAS_CONFIG "SELECT COUNT(*) FROM meta WHERE key = 'config'"

enum hq_sql {
#define X(name, sql) SQL_##name,
	HQ_SQL_MAP(X)
#undef X
	SQL_COUNT_
};

#endif
