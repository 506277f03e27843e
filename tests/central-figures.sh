#!/bin/sh
# The central figures of one hall equal the hall's own (issue 17): a hallqd on a simulated
# clock with hallq-sim playing a short day at high speed through its API; the hall's event
# feed (`hallq events --json`) copied into a PostgreSQL of the test's own (tests/pg-lib.sh)
# with central/schema.sql and central/schema-derived.sql, whose trigger replays it into
# hallq.tickets; then hallq.stats for the hall and the day, by service, counter, clerk and
# hour, against `hallq stats --json` for the same range, row for row and field for field at
# the precision the hall prints (0.1 s, 0.001, 0.01). Then the feed delivered a second
# time (hallq-sync's resend after a lost reply) changes nothing, and a replay of the feed
# (hallq.tickets_rebuild) gives the same tickets.
#
# Until hallq-sync lands, the events are loaded with psql's COPY, with the forwarder's
# ON CONFLICT DO NOTHING; tests/federation.sh runs the same check over the real forwarder.
# BASE_SQL names a stand-in for central/schema.sql while that is not on this branch.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
. "${PG_LIB:-tests/pg-lib.sh}"
make_tmp
SIM=$BUILD/hallq-sim
need "make builds the programs; Debian packages curl, postgresql-15" "$HALLQD" "$HALLQ" "$SIM" curl "$PY"
BASE_SQL=${BASE_SQL:-central/schema.sql}
[ -r "$BASE_SQL" ] || give_up "no base schema $BASE_SQL (helper A's central/schema.sql)"
TZ=Asia/Shanghai
export TZ
unset HALLQ_TOKEN HALLQ_DB HALLQ_NOW
DAY=2026-11-25
SPEED=${SPEED:-300}
HALL=330110-001

# The sample hall without its counter buses: hallq-sim then works every counter through
# the API, so the test needs no serial cables, gateway or X.
awk '/^\[/ { skip = ($1 == "[bus") } !skip && !/^bus *=/ && !/^address *=/' \
	assets/halls/county-centre.ini >"$tmp/hall.ini"
init_db
write_tokens "admin adm$$-0123456789abcdef" "kiosk kio$$-0123456789abcdef" "manager man$$-0123456789abcdef"
hallqd_clock="$DAY 08:50"
hallqd_opts="--speed $SPEED"
pick_port $((30000 + $$ % 10000 * 2))

# ---- 1. a short day through the hall ---------------------------------------------------
HALLQ_KIOSK_TOKEN=kio$$-0123456789abcdef HALLQ_ADMIN_TOKEN=adm$$-0123456789abcdef \
HALLQ_MANAGER_TOKEN=man$$-0123456789abcdef \
	timeout 300 "$SIM" --server "$H" --config "$tmp/hall.ini" --speed "$SPEED" \
	--start "$DAY 09:00" --end 11:30 --tickets "${TICKETS:-300}" --seed 17 \
	--pins assets/halls/county-centre.pins >"$tmp/sim.log" 2>&1
sim_rc=$?
if [ $sim_rc -le 1 ]; then ok "hallq-sim played the day (exit $sim_rc)"; else
	fail "hallq-sim played the day" "exit 0 or 1" "exit $sim_rc: $(tail -3 "$tmp/sim.log")"; fi
stop "$hallqd_pid"
HALLQ_NOW="$DAY 11:40" "$HALLQ" events --db "$DB" --json >"$tmp/events.json" ||
	give_up "hallq events failed"

# ---- 2. the feed into the centre ------------------------------------------------------
pg_start
if [ "$BASE_SQL" = central/schema.sql ]; then
	pg_migrate >"$tmp/base.log" 2>&1 || give_up "tools/central-migrate: $(tail -3 "$tmp/base.log")"
else
	pg_psql -f "$BASE_SQL" -f central/schema-derived.sql >"$tmp/base.log" 2>&1 ||
		give_up "the stand-in schema: $(tail -3 "$tmp/base.log")"
fi
# The hall as hallq-sync would register it: its services' max waits and config order.
"$PY" - "$tmp/hall.ini" "$HALL" >"$tmp/hall.sql" <<'PYEOF'
import configparser, json, sys
cp = configparser.ConfigParser(inline_comment_prefixes=None, strict=False, interpolation=None,
                               comment_prefixes=(';', '#'))
cp.read(sys.argv[1], encoding='utf-8')
hall = sys.argv[2]
cfg = {"timezone": "Asia/Shanghai"}
if cp.has_option('hall', 'checkin_late_minutes'):
    cfg["checkin_late_minutes"] = int(cp.get('hall', 'checkin_late_minutes'))
if cp.has_section('appraisal'):
    cfg["appraisal"] = {k: float(v) for k, v in cp.items('appraisal')}
q = lambda s: "'" + s.replace("'", "''") + "'"
print("INSERT INTO hallq.halls (hall_id, name, region, config) VALUES (%s, 'test', 'county', %s);"
      % (q(hall), q(json.dumps(cfg))))
pos = 0
for sec in cp.sections():
    if sec.startswith('service '):
        key = sec.split(None, 1)[1]
        mw = int(cp.get(sec, 'max_wait_minutes', fallback='30'))
        print("INSERT INTO hallq.services (hall_id, key, max_wait_minutes, position) VALUES (%s, %s, %d, %d);"
              % (q(hall), q(key), mw, pos))
        pos += 1
PYEOF
pg_psql -f "$tmp/hall.sql" >"$tmp/hall-sql.log" 2>&1 || give_up "the hall's rows: $(tail -3 "$tmp/hall-sql.log")"
"$PY" - "$HALL" "$tmp/events.json" >"$tmp/events.tsv" <<'PYEOF'
import json, sys, datetime
esc = lambda s: str(s).replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n')
for line in open(sys.argv[2], encoding='utf-8'):
    e = json.loads(line)
    at = datetime.datetime.fromtimestamp(e['at_ms'] / 1000, datetime.timezone.utc).isoformat()
    print('\t'.join(esc(x) for x in (sys.argv[1], e['id'], at, e['at_ms'], e['type'], e['ticket_id'],
                                     e['label'], e['service'], e['counter'], e['value'], e['detail'])))
PYEOF
nev=$(lines "$tmp/events.tsv")
load_feed() {
	pg_psql -c "CREATE TEMP TABLE feed (LIKE hallq.events INCLUDING DEFAULTS)" \
		-c "\\copy feed (hall_id, event_id, at, at_ms, type, ticket_id, label, service, counter, value, detail) FROM '$tmp/events.tsv'" \
		-c "INSERT INTO hallq.events SELECT * FROM feed ORDER BY event_id ON CONFLICT (hall_id, event_id) DO NOTHING"
}
load_feed >"$tmp/load.log" 2>&1 || give_up "loading the feed: $(tail -3 "$tmp/load.log")"
check "every event of the feed arrived once" "$nev" "$(pg_psql -c "SELECT count(*) FROM hallq.events")"

# ---- 3. the figures, field for field --------------------------------------------------
. tests/central-lib.sh
central_day_ms
for by in service counter clerk hour; do central_compare "$HALL" "$DB" "$by"; done

# ---- 4. a resend and a replay change nothing -------------------------------------------
pg_psql -c "CREATE TABLE snap AS SELECT * FROM hallq.tickets" \
	-c "CREATE TABLE snapd AS SELECT * FROM hallq.day_figures" >/dev/null
load_feed >"$tmp/load2.log" 2>&1 || fail "the feed again" "loaded" "$(tail -3 "$tmp/load2.log")"
same_tickets() {
	pg_psql -c "SELECT (SELECT count(*) FROM (SELECT * FROM hallq.tickets EXCEPT SELECT * FROM snap) a)
		  + (SELECT count(*) FROM (SELECT * FROM snap EXCEPT SELECT * FROM hallq.tickets) b)
		  + (SELECT count(*) FROM (SELECT * FROM hallq.day_figures EXCEPT SELECT * FROM snapd) c)"
}
check "the feed delivered again doubles nothing" "$nev 0" \
	"$(pg_psql -c "SELECT count(*) FROM hallq.events") $(same_tickets)"
pg_psql -c "SELECT hallq.tickets_rebuild('$HALL')" >/dev/null
check "a replay of the feed gives the same tickets and day figures" 0 "$(same_tickets)"
note "$(pg_psql -c "SELECT count(*) || ' tickets, ' || count(*) FILTER (WHERE partial) || ' partial' FROM hallq.tickets")"

pg_stop
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
