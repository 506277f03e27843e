#!/bin/sh
# hallq-central against a real PostgreSQL: a PostgreSQL of the test's own (initdb into the
# scratch directory, a Unix socket there, stopped by its PID), the central schema, a city, two counties
# and two townships with a few events; then every route's JSON and CSV, the roles (a
# township's viewer sees neither its county nor a sibling: 403), a SIGHUP reload of the
# tokens, PostgreSQL stopped (503 with Retry-After, hallq-central stays up) and back (200),
# the schema's loader (tools/central-migrate) and hallq-central on a database without the
# schema (503, then served once migrated), and, when Chromium and the browser suite's playwright-core are there, a screenshot of
# /board and /ranking. Ends with "central: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
CENTRAL=$BUILD/hallq-central
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
need "make BUILD=$BUILD" "$CENTRAL"
need "Debian package postgresql" "$PGBIN/initdb" "$PGBIN/pg_ctl" psql curl
make_tmp

# ---- PostgreSQL ---------------------------------------------------------------------------
. tests/pg-lib.sh
pg_start
cleanup_pg() { pg_stop; cleanup; }
trap cleanup_pg EXIT

pg_migrate >"$tmp/schema.log" 2>&1 || give_up "tools/central-migrate: $(tail -3 "$tmp/schema.log")"

# The loader (tools/central-migrate): version 1 recorded; run again, nothing changes;
# migrations applied in order, once each, a failing one rolled back whole and not recorded.
check "central-migrate: version 1 recorded" "1 schema.sql" \
	"$(pg_psql -c "SELECT version || ' ' || name FROM hallq.schema_version")"
pg_migrate >"$tmp/migrate2.log" 2>&1
check "central-migrate run twice: exit 0, says nothing, still version 1" "0 0 1" \
	"$? $(wc -c <"$tmp/migrate2.log") $(pg_psql -c 'SELECT count(*) FROM hallq.schema_version')"
pg_psql -c "CREATE DATABASE mig" && PGDATABASE=mig pg_migrate >/dev/null 2>&1 ||
	give_up "central-migrate into the database mig failed"
mkdir "$tmp/mig"
echo "CREATE TABLE hallq.mig_b (x int); INSERT INTO hallq.mig_a VALUES (2);" >"$tmp/mig/003-b.sql"
echo "CREATE TABLE hallq.mig_a (x int); INSERT INTO hallq.mig_a VALUES (1);" >"$tmp/mig/002-a.sql"
echo "CREATE TABLE hallq.mig_c (x int); SELECT 1/0;" >"$tmp/mig/004-c.sql"
PGDATABASE=mig pg_migrate --dir "$tmp/mig" >"$tmp/mig.log" 2>&1
check "a failing migration: the loader fails" 3 "$?"
check "... 002 and 003 applied in order and recorded, 004 not" "1 2 3|1 2" \
	"$(PGDATABASE=mig pg_psql -c "SELECT string_agg(version::text, ' ' ORDER BY version) FROM hallq.schema_version")|$(PGDATABASE=mig pg_psql -c "SELECT string_agg(x::text, ' ' ORDER BY x) FROM hallq.mig_a")"
check "... 004's table rolled back with it" "" "$(PGDATABASE=mig pg_psql -c "SELECT to_regclass('hallq.mig_c')")"
echo "CREATE TABLE hallq.mig_c (x int);" >"$tmp/mig/004-c.sql"
PGDATABASE=mig pg_migrate --dir "$tmp/mig" >/dev/null 2>&1 && PGDATABASE=mig pg_migrate --dir "$tmp/mig" >/dev/null 2>&1
check "mended, 004 applied; run again, nothing more" "0 4 4 2" \
	"$? $(PGDATABASE=mig pg_psql -c "SELECT count(*) || ' ' || max(version) FROM hallq.schema_version") $(PGDATABASE=mig pg_psql -c 'SELECT count(*) FROM hallq.mig_a')"
check "--status" "database 4, newest 4" "$(PGDATABASE=mig pg_migrate --dir "$tmp/mig" --status)"

# A city, two counties, two townships under the first. A's events: two waiting (one for
# ten minutes), one served and rated 5, an alert raised and one raised and cleared; B's
# last word an hour ago (out of contact); county 330110's own hall one served ticket.
pg_psql >"$tmp/data.log" 2>&1 <<'SQL' || give_up "data: $(tail -3 "$tmp/data.log")"
INSERT INTO hallq.halls (hall_id, name, name_en, region, parent) VALUES
 ('3301', '杭州市', 'Hangzhou', 'city', NULL),
 ('330110', '余杭区政务服务中心', 'Yuhang county', 'county', '3301'),
 ('330120', '临平区政务服务中心', 'Linping county', 'county', '3301'),
 ('330110-001', '良渚街道便民服务中心', 'Liangzhu', 'township', '330110'),
 ('330110-002', '仓前街道便民服务中心', 'Cangqian', 'township', '330110');
INSERT INTO hallq.services (hall_id, key, name, name_en) VALUES
 ('330110-001', 'tax', '税务', 'Tax'), ('330110-001', 'soc', '社保', 'Social security'),
 ('330110', 'tax', '税务', 'Tax');
CREATE TEMP TABLE ev (hall_id text, event_id bigint, ago interval, type text, ticket_id bigint,
		      service text, counter int, value bigint);
INSERT INTO ev VALUES
 ('330110-001', 1, '10 min', 'issued', 1, 'tax', 0, 0),
 ('330110-001', 2, '9 min', 'issued', 2, 'soc', 0, 0),
 ('330110-001', 3, '8 min', 'issued', 3, 'tax', 0, 0),
 ('330110-001', 4, '7 min', 'called', 3, 'tax', 1, 0),
 ('330110-001', 5, '6 min', 'started', 3, 'tax', 1, 0),
 ('330110-001', 6, '5 min', 'finished', 3, 'tax', 1, 0),
 ('330110-001', 7, '4 min', 'reviewed', 3, 'tax', 1, 5),
 ('330110-001', 8, '3 min', 'alert_raised', 0, 'tax', 0, 11),
 ('330110-001', 9, '2 min', 'alert_raised', 0, 'soc', 0, 12),
 ('330110-001', 10, '10 s', 'alert_cleared', 0, 'soc', 0, 12),
 ('330110-002', 1, '61 min', 'issued', 1, 'tax', 0, 0),
 ('330110-002', 2, '60 min', 'cancelled', 1, 'tax', 0, 0),
 ('330110', 1, '20 min', 'issued', 1, 'tax', 0, 0),
 ('330110', 2, '15 min', 'called', 1, 'tax', 2, 0),
 ('330110', 3, '14 min', 'finished', 1, 'tax', 2, 0);
INSERT INTO hallq.events (hall_id, event_id, at, at_ms, type, ticket_id, service, counter, value, received_at)
 SELECT hall_id, event_id, now() - ago, (extract(epoch FROM now() - ago) * 1000)::bigint, type, ticket_id,
	service, counter, value, now() - ago + interval '300 ms' FROM ev;
UPDATE hallq.halls h SET last_event_id = m.id, last_event_at = m.at, last_seen = m.at
 FROM (SELECT hall_id, max(event_id) AS id, max(at) AS at FROM hallq.events GROUP BY 1) m
 WHERE m.hall_id = h.hall_id;
SQL
TODAY=$(pg_psql -At -c "SELECT current_date")
MONTH=$(echo "$TODAY" | cut -c1-7)

# ---- hallq-central --------------------------------------------------------------------------
T_ADMIN=admin-0123456789abcdef
T_COUNTY=county-0123456789abcdef
T_TOWN=town-0123456789abcdef
T_NEW=new-0123456789abcdef0
printf '%s\n' "admin $T_ADMIN" "viewer:330110 $T_COUNTY" \
	"viewer:330110-001 sha256:$(printf %s "$T_TOWN" | sha256sum | cut -c1-64)" >"$tmp/ctokens"
chmod 600 "$tmp/ctokens"
clog=$tmp/central.log
logs=$clog
port=$((20000 + $$ % 20000))
start_central() {
	"$CENTRAL" --listen "127.0.0.1:$port" --tokens "$tmp/ctokens" --contact-seconds 120 >>"$clog" 2>&1 &
	central_pid=$!
	pids="$pids $central_pid"
	H=http://127.0.0.1:$port
	wait_for 10000 curl -sf -m 2 "$H/healthz" -o /dev/null
}
for _ in 1 2 3 4 5; do
	start_central && break
	stop "$central_pid"
	port=$((port + 2))
done
alive "$central_pid" || give_up "hallq-central did not start: $(tail -3 "$clog")"

check "healthz: central up" up "$(api GET /healthz | jq_py 'j["central"]')"
# 0600 is demanded of the tokens file, as hallqd does.
cp "$tmp/ctokens" "$tmp/open-tokens" && chmod 644 "$tmp/open-tokens"
"$CENTRAL" --listen "127.0.0.1:$((port + 1))" --tokens "$tmp/open-tokens" >"$tmp/open.log" 2>&1
check "a tokens file readable by others is refused" "1 yes" \
	"$? $(grep -q 'chmod 600' "$tmp/open.log" && echo yes || echo no)"

# Who may ask.
api GET /api/v1/board >/dev/null
check "no token: 401" 401 "$(status)"
check "no token: the error's JSON" "unauthorized" "$(jq_py 'j["error"]' <"$tmp/body")"
api GET /api/v1/board nosuchtoken-0123456789 >/dev/null
check "an unknown token: 401" 401 "$(status)"
check "whoami of the township" "viewer 330110-001" \
	"$(api GET /api/v1/whoami "$T_TOWN" | jq_py 'j["role"]+" "+j["hall"]')"

# The tree.
check "halls under the county, as a tree" "330110 330110-001 330110-002" \
	"$(api GET '/api/v1/halls?under=330110' "$T_COUNTY" | jq_py '" ".join(h["hall_id"] for h in j["halls"])')"
check "admin: every hall from the top" "3301 330110 330110-001 330110-002 330120" \
	"$(api GET /api/v1/halls "$T_ADMIN" | jq_py '" ".join(h["hall_id"] for h in j["halls"])')"

# The board.
api GET '/api/v1/board?hall=330110' "$T_COUNTY" >"$tmp/board.json"
check "board: 200" 200 "$(status)"
row() { jq_py "[h for h in j['halls'] if h['hall_id']=='$1'][0]$2" <"$tmp/board.json"; }
check "board: the county's three halls" 3 "$(jq_py 'len(j["halls"])' <"$tmp/board.json")"
check "board: township A's waiting" 2 "$(row 330110-001 "['waiting']")"
check "board: township A's waiting per service" "soc:1 tax:1" \
	"$(jq_py "' '.join('%s:%d' % (s['service'], s['waiting']) for h in j['halls'] if h['hall_id']=='330110-001' for s in h['services'])" <"$tmp/board.json")"
check "board: the service's Chinese name" "税务" \
	"$(jq_py "[s['name'] for h in j['halls'] for s in h['services'] if h['hall_id']=='330110-001' and s['service']=='tax'][0]" <"$tmp/board.json")"
check_num "board: township A's oldest wait about 10 min (s)" "$(row 330110-001 "['oldest_wait_s']")" -ge 595
check_num "board: ... and not more" "$(row 330110-001 "['oldest_wait_s']")" -le 700
check "board: one open alert (the other cleared)" 1 "$(row 330110-001 "['open_alerts']")"
check "board: township A in contact" True "$(row 330110-001 "['in_contact']")"
check "board: township B silent for an hour: out of contact" False "$(row 330110-002 "['in_contact']")"
check "board: lag of A's last event 0.3 s" 0.3 "$(row 330110-001 "['lag_s']")"
check "board: B waits for nobody" "0 None" "$(row 330110-002 "['waiting']") $(row 330110-002 "['oldest_wait_s']")"
api GET '/api/v1/board?hall=330110&format=csv' "$T_COUNTY" >"$tmp/board.csv"
check "board CSV: a header and three rows" 4 "$(wc -l <"$tmp/board.csv")"
check "board CSV: the header starts with the hall" "hall_id,name,name_en" "$(head -1 "$tmp/board.csv" | cut -d, -f1-3)"

# Roles: a township's viewer sees its own hall only; a county's its townships, not its
# sibling county.
api GET '/api/v1/board?hall=330110' "$T_TOWN" >/dev/null
check "township viewer, the county's board: 403" 403 "$(status)"
api GET '/api/v1/board?hall=330110-002' "$T_TOWN" >/dev/null
check "township viewer, a sibling township: 403" 403 "$(status)"
check "township viewer, no hall named: its own, alone" "330110-001" \
	"$(api GET /api/v1/board "$T_TOWN" | jq_py '" ".join(h["hall_id"] for h in j["halls"])')"
api GET '/api/v1/board?hall=330120' "$T_COUNTY" >/dev/null
check "county viewer, the sibling county: 403" 403 "$(status)"
api GET '/api/v1/ranking?hall=3301&month=2026-01' "$T_COUNTY" >/dev/null
check "county viewer, the city's ranking: 403" 403 "$(status)"
api GET '/api/v1/board?hall=nosuchhall' "$T_COUNTY" >/dev/null
check "county viewer, an unknown hall: 403 (no probing)" 403 "$(status)"
api GET '/api/v1/board?hall=nosuchhall' "$T_ADMIN" >/dev/null
check "admin, an unknown hall: 404" 404 "$(status)"
api GET '/api/v1/board?hall=bad%20id' "$T_ADMIN" >/dev/null
check "a malformed hall id: 400" 400 "$(status)"

# The ranking.
api GET "/api/v1/ranking?hall=330110&month=$MONTH" "$T_COUNTY" >"$tmp/rank.json"
check "ranking: 200" 200 "$(status)"
check "ranking: the month's period" "${MONTH}-01" "$(jq_py 'j["from"]' <"$tmp/rank.json")"
check "ranking: the county's three halls" 3 "$(jq_py 'len(j["halls"])' <"$tmp/rank.json")"
check "ranking: each with score, on-time rate, satisfaction, rectify rate" True \
	"$(jq_py 'all(all(k in h for k in ("rank","score","on_time_rate","satisfaction_rate","rectify_rate")) for h in j["halls"])' <"$tmp/rank.json")"
# A hall that served fewer than the appraisal's min_served has no rank (null) and comes last.
check "ranking: ordered by rank, the unranked last" True \
	"$(jq_py 'j["halls"]==sorted(j["halls"], key=lambda h: (h["rank"] is None, h["rank"] or 0))' <"$tmp/rank.json")"
api GET "/api/v1/ranking?hall=330110&from=$TODAY&to=$TODAY&format=csv" "$T_COUNTY" >"$tmp/rank.csv"
check "ranking CSV: a header and three rows" 4 "$(wc -l <"$tmp/rank.csv")"
check "ranking CSV: text/csv" "text/csv; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $T_COUNTY" "$H/api/v1/ranking?hall=330110&month=$MONTH&format=csv")"
api GET '/api/v1/ranking?hall=330110&month=2026-13' "$T_COUNTY" >/dev/null
check "ranking: month 2026-13: 400" 400 "$(status)"
api GET '/api/v1/ranking?hall=330110&from=2026-03-02&to=2026-03-01' "$T_COUNTY" >/dev/null
check "ranking: from after to: 400" 400 "$(status)"

# The statistics.
api GET "/api/v1/stats?hall=330110-001&by=service&from=$TODAY&to=$TODAY" "$T_COUNTY" >"$tmp/stats.json"
check "stats by service: 200" 200 "$(status)"
check "stats by service: issued per service, and the total" "soc:1 tax:2 total:3" \
	"$(jq_py '" ".join("%s:%d" % (r["key"], r["issued"]) for r in j["rows"])' <"$tmp/stats.json")"
api GET "/api/v1/stats?hall=330110-001&by=service&format=csv" "$T_TOWN" >"$tmp/stats.csv"
check "stats CSV (today by default): a header, two rows and the total" 4 "$(wc -l <"$tmp/stats.csv")"
api GET "/api/v1/stats?hall=330110-001&by=weekday" "$T_TOWN" >/dev/null
check "stats by=weekday: 400" 400 "$(status)"

# SIGHUP: a new token, without a restart; a broken file keeps the old tokens.
printf '%s\n' "viewer:330120 $T_NEW" >>"$tmp/ctokens"
mark=$(lines "$clog")
kill -HUP "$central_pid"
expect_line "SIGHUP: tokens reloaded" 5000 "$clog" "$mark" "tokens reloaded: 4"
check "the new token works" 200 "$(api GET /api/v1/board "$T_NEW" >/dev/null; status)"
echo "garbage" >>"$tmp/ctokens"
mark=$(lines "$clog")
kill -HUP "$central_pid"
expect_line "a bad tokens file: the old tokens stay" 5000 "$clog" "$mark" "old ones stay"
check "... and still work" 200 "$(api GET /api/v1/board "$T_NEW" >/dev/null; status)"

# The pages.
check "/board: a page" "200 text/html; charset=utf-8" \
	"$(curl -s -o "$tmp/page" -w '%{http_code} %{content_type}' "$H/board")"
check "/ranking: a page" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/ranking")"
check "/web/central.js: its script" "200 text/javascript; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$H/web/central.js")"
check "/web/../x: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$H/web/../central.h")"

# PostgreSQL away: 503 with Retry-After, hallq-central stays; back: 200.
pg_stop
api GET /api/v1/board "$T_COUNTY" >/dev/null
check "PostgreSQL stopped: 503" 503 "$(status)"
check "... with the error's JSON" central_down "$(jq_py 'j["error"]' <"$tmp/body")"
check "... and Retry-After" yes \
	"$(curl -s -D - -o /dev/null -H "Authorization: Bearer $T_COUNTY" "$H/api/v1/board" | grep -qi '^Retry-After: [0-9]' && echo yes || echo no)"
check "... healthz says so" down "$(api GET /healthz | jq_py 'j["central"]')"
check "hallq-central still runs" yes "$(alive "$central_pid" && echo yes || echo no)"
pg_run
expect_val "PostgreSQL back: 200 within 5 s" 5000 200 sh -c \
	"curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $T_COUNTY' '$H/api/v1/board'"

# A database without the schema: hallq-central answers 503 saying what to run, and serves
# once tools/central-migrate has run, without a restart.
pg_psql -c "CREATE DATABASE bare" || give_up "CREATE DATABASE bare"
echo "admin $T_ADMIN" >"$tmp/bare-tokens" && chmod 600 "$tmp/bare-tokens"
"$CENTRAL" --listen "127.0.0.1:$((port + 1))" --tokens "$tmp/bare-tokens" --central "dbname=bare" \
	>>"$tmp/bare.log" 2>&1 &
bare_pid=$!
pids="$pids $bare_pid"
H0=$H
H=http://127.0.0.1:$((port + 1))
wait_for 10000 curl -sf -m 2 "$H/healthz" -o /dev/null || give_up "hallq-central on bare: $(tail -3 "$tmp/bare.log")"
api GET /api/v1/halls "$T_ADMIN" >/dev/null
check "no schema: 503" 503 "$(status)"
check "... central_schema, naming the loader" "central_schema yes" \
	"$(jq_py 'j["error"]+" "+("yes" if "tools/central-migrate" in j["message"] else j["message"])' <"$tmp/body")"
check "... healthz says so" schema_old "$(api GET /healthz | jq_py 'j["central"]')"
check "... and the log" yes "$(grep -q 'at version 0, hallq-central needs' "$tmp/bare.log" && echo yes || echo no)"
PGDATABASE=bare pg_migrate >/dev/null 2>&1 || give_up "central-migrate into bare"
expect_val "migrated: 200 within 5 s, no restart" 5000 200 sh -c \
	"curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $T_ADMIN' '$H/api/v1/halls'"
stop "$bare_pid"
H=$H0

# Screenshots of the pages with the board's data, when the browser suite can run.
if command -v node >/dev/null 2>&1 && [ -x /usr/bin/chromium ] && [ -d tests/web/node_modules/playwright-core ]; then
	shots=${HALLQ_SHOTS:-$tmp/shots}
	mkdir -p "$shots"
	if node tests/web/central-shot.mjs "$H" "$T_COUNTY" "$shots" "$MONTH" >"$tmp/shot.log" 2>&1; then
		ok "screenshots of /board and /ranking ($shots)"
		check "/board shows township A" yes "$(grep -q 'board rows: 3' "$tmp/shot.log" && echo yes || echo no)"
	else
		fail "screenshots of /board and /ranking" "node exits 0" "$(tail -5 "$tmp/shot.log")"
	fi
else
	note "screenshots skipped: node, /usr/bin/chromium or tests/web/node_modules (tests/web.sh) missing"
fi

stop "$central_pid"
check "SIGTERM: hallq-central ends with 0" 0 "$stop_rc"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
