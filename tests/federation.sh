#!/bin/sh
# Halls reporting live to a central PostgreSQL (docs/central.md), with a real PostgreSQL
# (tests/pg-lib.sh) and three halls: a county's centre and two of its townships, each a
# hallqd on a simulated clock at 60x with hallq-sim playing a short morning through the API,
# and its own hallq-sync. The third forwards through a TCP relay (tests/tools/tcp-cut.py)
# that can cut the connection at a COMMIT. Checks that every event of every hall arrives
# exactly once, through the faults, while the halls keep working:
#   PostgreSQL stopped for a while and started again; a hallq-sync killed -9 mid-batch;
#   a hall's hallqd restarted; the connection cut before a COMMIT and after it.
# After each: nothing lost (the centre's events of each hall are the hall's events up to
# the centre's newest, no gap), nothing doubled, and each sync's lag back under 5 s within
# 30 s. At the end the centre's events equal each hall's `hallq events`, id for id.
# Ends with "federation: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
. tests/pg-lib.sh
SYNC=$BUILD/hallq-sync
SIM=$BUILD/hallq-sim
TZ=UTC
export TZ
unset HALLQ_TOKEN HALLQ_DB HALLQ_NOW
make_tmp
need "make builds them; Debian packages curl python3" "$HALLQD" "$HALLQ" "$SIM" "$SYNC" curl "$PY"

DAY=2026-11-23 # a Monday
SPEED=60
T_ADMIN=fed-admin-token-0123456789
T_KIOSK=fed-kiosk-token-0123456789
T_SYNC=fed-sync-token-01234567890
write_tokens "admin $T_ADMIN" "kiosk $T_KIOSK" "sync $T_SYNC"

# ---- the central database ----------------------------------------------------------------
pg_start "$(pg_free_port $((30000 + $$ % 10000)))"
pg_migrate >"$tmp/schema.log" 2>&1 || give_up "tools/central-migrate: $(tail -3 "$tmp/schema.log")"
RELAY_PORT=$(pg_free_port $((PGPORT + 1)))
"$PY" tests/tools/tcp-cut.py "$RELAY_PORT" "$PGPORT" >"$tmp/relay.log" 2>&1 &
relay_pid=$!
pids="$pids $relay_pid"
wait_for 10000 grep -q '^ready' "$tmp/relay.log" || give_up "tcp-cut.py did not start: $(cat "$tmp/relay.log")"

# ---- three halls -------------------------------------------------------------------------
# hall N: $tmp/hN/ with hall.ini, hall.db, its port, hallqd, hallq-sim, hallq-sync.
hall_ini() { # id region parent name
	cat <<EOF
[hall]
name = $4
id = $1
region = $2
parent = $3
sign_in = open

[service a]
name = 综合受理
name_en = General
prefix = A
hours = 09:00-10:15
days = mon-sun
target_minutes = 4
appointments_per_slot = 3

[service b]
name = 社保医保
name_en = Social insurance
prefix = B
hours = 09:00-10:15
days = mon-sun
target_minutes = 6

[counter 1]
services = a, b

[counter 2]
services = a

[counter 3]
services = b

[appraisal]
# A short day serves few: every hall is ranked, here and at the centre.
min_served = 1
EOF
}
IDS="330110 330110-101 330110-102"
set_hall() { # n: the variables of hall n
	hd=$tmp/h$1
	eval "hport=\$port_$1 hid=\$id_$1"
	H=http://127.0.0.1:$hport
}
start_hall() { # n
	set_hall "$1"
	"$HALLQD" --config "$hd/hall.ini" --db "$hd/hall.db" --listen "127.0.0.1:$hport" \
		--tokens "$tmp/tokens" --clock "$(cat "$hd/clock")" --speed $SPEED >>"$hd/hallqd.log" 2>&1 &
	eval "hallqd_$1=$!"
	pids="$pids $!"
	wait_for 10000 curl -sf -m 2 "$H/healthz" -o /dev/null
}
start_sync() { # n
	set_hall "$1"
	if [ "$1" = 3 ]; then conn="host=127.0.0.1 port=$RELAY_PORT"; else conn="host=$PGHOST port=$PGPORT"; fi
	"$SYNC" --server "$H" --token "$T_SYNC" --central "$conn user=hallq dbname=hallq connect_timeout=3" \
		--state "$hd/cursor" --batch 50 --report 1 >>"$hd/sync.log" 2>&1 &
	eval "sync_$1=$!"
	pids="$pids $!"
}
n=0
for id in $IDS; do
	n=$((n + 1))
	mkdir -p "$tmp/h$n"
	case $n in
	1) hall_ini "$id" county "" "县政务服务中心" ;;
	*) hall_ini "$id" township 330110 "乡镇便民服务中心$n" ;;
	esac >"$tmp/h$n/hall.ini"
	"$HALLQ" init --config "$tmp/h$n/hall.ini" --db "$tmp/h$n/hall.db" >"$tmp/h$n/init.log" 2>&1 ||
		give_up "hallq init of hall $n: $(cat "$tmp/h$n/init.log")"
	echo "$DAY 08:57" >"$tmp/h$n/clock"
	eval "id_$n=$id port_$n=\$(pg_free_port \$((PGPORT + 20 + 4 * n)))"
	start_hall $n || give_up "hallqd of hall $n did not start: $(tail -3 "$tmp/h$n/hallqd.log")"
	logs="$logs $tmp/h$n/sync.log"
done
for n in 1 2 3; do start_sync $n; done
# Appointments, which the simulator does not make: hall n books n of them for the day's
# slots, and the one at 09:00 checks in (its window opens at 08:45); the others are missed.
# The centre counts them by the slot that booked's detail carries.
for n in 1 2 3; do
	set_hall $n
	for slot in 09:00 09:30 10:00; do
		[ "$slot" = 09:30 ] && [ $n -lt 2 ] && continue
		[ "$slot" = 10:00 ] && [ $n -lt 3 ] && continue
		curl -s -m 5 -o "$hd/appt-$slot.json" -w '%{http_code}' -H "Authorization: Bearer $T_ADMIN" \
			-H 'Content-Type: application/json' \
			--data "{\"service\": \"a\", \"slot\": \"$DAY $slot\", \"name\": \"张三\", \"phone\": \"13800000000\"}" \
			"$H/api/v1/appointments" >"$hd/appt.status"
		[ "$(cat "$hd/appt.status")" = 201 ] || give_up "hall $n: booking $slot: $(cat "$hd/appt-$slot.json")"
	done
	code=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["code"])' "$hd/appt-09:00.json")
	check "hall $n: the 09:00 appointment checks in" 201 \
		"$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $T_KIOSK" \
			"$H/api/v1/appointments/$code/check-in")"
done
for n in 1 2 3; do
	set_hall $n
	"$SIM" --server "$H" --config "$hd/hall.ini" --kiosk-token "$T_KIOSK" --admin-token "$T_ADMIN" \
		--speed $SPEED --start "$DAY 08:58" --end 10:30 --tickets 90 --seed "$n" \
		--report "$hd/sim.json" >"$hd/sim.log" 2>&1 &
	eval "sim_$n=$!"
	pids="$pids $!"
done

# ---- what the checks read ----------------------------------------------------------------
# The hall's event ids, one a line, from `hallq events` on its database (read-only).
hall_ids() { # n [max]
	set_hall "$1"
	"$HALLQ" events --db "$hd/hall.db" --json 2>/dev/null | "$PY" -c '
import json, sys
text = sys.stdin.read()
try:
    evs = json.loads(text)
except ValueError:
    evs = [json.loads(l) for l in text.splitlines() if l.strip()]
if isinstance(evs, dict):
    evs = evs.get("events", [])
top = int(sys.argv[1]) if len(sys.argv) > 1 else None
for e in evs:
    if top is None or e["id"] <= top:
        print(e["id"])' ${2:+"$2"}
}
central_ids() { pg_psql -c "SELECT event_id FROM hallq.events WHERE hall_id = '$1' ORDER BY 1"; }
central_max() { pg_psql -c "SELECT coalesce(max(event_id), 0) FROM hallq.events WHERE hall_id = '$1'"; }
# "same N" when the centre's ids of hall n are exactly the hall's up to the centre's newest.
prefix_same() { # n
	set_hall "$1"
	# The centre first: the hall, read after it, has every event the centre has and more.
	central_ids "$hid" >"$tmp/got"
	hall_ids "$1" "$(tail -n 1 "$tmp/got")" >"$tmp/want"
	if cmp -s "$tmp/want" "$tmp/got"; then echo "same $(wc -l <"$tmp/got")"; else
		echo "differ: hall $(wc -l <"$tmp/want") centre $(wc -l <"$tmp/got") first: $(diff "$tmp/want" "$tmp/got" | sed -n 2p)"
	fi
}
# The sync's own report to its hallqd: "LAG CENTRAL_UP" from GET /api/v1/syncs.
sync_state() { # n
	set_hall "$1"
	curl -s -m 3 -H "Authorization: Bearer $T_SYNC" "$H/api/v1/syncs" |
		jq_py "'%s %s' % (j['syncs'][0]['lag_s'], j['syncs'][0]['central_up']) if j['syncs'] else 'none'"
}
lag_ok() { # n
	ls_s=$(sync_state "$1")
	case $ls_s in *True) ;; *) return 1 ;; esac
	"$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 5 else 1)' "${ls_s%% *}" 2>/dev/null
}
# After a fault: every hall's sync back under 5 s of lag within 30 s, nothing lost or doubled.
recovered() { # what
	for n in 1 2 3; do
		if wait_for 30000 lag_ok $n; then ok "$1: hall $n's lag under 5 s within 30 s"; else
			fail "$1: hall $n's lag under 5 s within 30 s" "lag < 5 and central_up" "$(sync_state $n)"
		fi
		r=$(prefix_same $n)
		case $r in same*) ok "$1: hall $n: nothing lost, nothing doubled (${r#same } events)" ;;
		*) fail "$1: hall $n: nothing lost, nothing doubled" "same" "$r" ;; esac
	done
}
central_sig() { central_ids "$1" >"$tmp/sig"; echo "$(wc -l <"$tmp/sig") $(md5sum <"$tmp/sig" | cut -c1-32)"; }
some_events() { [ "$(central_max "$1")" -gt "$2" ]; }

# ---- a normal start ----------------------------------------------------------------------
wait_for 30000 some_events 330110-102 5 || fail "hall 3 forwards through the relay" "events" "$(central_max 330110-102)"
check "the centre knows the three halls, their regions and parents" \
	"330110|county||县政务服务中心 330110-101|township|330110| 330110-102|township|330110|" \
	"$(pg_psql -c "SELECT hall_id || '|' || region || '|' || coalesce(parent, '') || '|' ||
		CASE WHEN region = 'county' THEN name ELSE '' END FROM hallq.halls ORDER BY hall_id COLLATE \"C\"" | tr '\n' ' ' | sed 's/ $//')"
check "the services came with the halls" 6 "$(pg_psql -c 'SELECT count(*) FROM hallq.services')"
recovered "start"

# ---- fault 1: PostgreSQL stopped for a while and started again ---------------------------
pg_stop
sleep 6 # the halls work on without the centre: that is the fault
pg_run || give_up "PostgreSQL did not start again: $(tail -3 "$PG_LOG")"
recovered "PostgreSQL restarted"

# ---- fault 2: a hallq-sync killed -9 mid-batch -------------------------------------------
# Killed while events flow (the hall issues and calls every second of real time at 60x):
# its batch may be in PostgreSQL without the cursor saying so, or not in at all.
wait_for 10000 some_events 330110 "$(central_max 330110)"
eval "kill -KILL \$sync_1"
eval "wait \$sync_1" 2>/dev/null
sleep 2
start_sync 1
recovered "hallq-sync killed -9"

# ---- fault 3: a hall's hallqd restarted --------------------------------------------------
# It comes back on the clock it had reached: the hall's time goes on from there.
set_hall 2
curl -s -m 3 -H "Authorization: Bearer $T_ADMIN" "$H/api/v1/hall" |
	jq_py "__import__('time').strftime('%Y-%m-%d %H:%M', __import__('time').gmtime(j['time_ms'] / 1000 + 60))" >"$tmp/h2/clock"
eval "stop \$hallqd_2"
start_hall 2 || give_up "hallqd of hall 2 did not start again: $(tail -3 "$tmp/h2/hallqd.log")"
recovered "hallqd restarted"

# ---- fault 4: the central connection cut mid-transaction ---------------------------------
for mode in USR1 USR2; do
	mark=$(lines "$tmp/relay.log")
	kill -$mode "$relay_pid"
	if wait_for 20000 seen "$tmp/relay.log" "$mark" '^cut '; then
		what=$(after "$tmp/relay.log" "$mark" | grep '^cut ' | head -1)
		ok "the relay cut hall 3's connection (${what#cut })"
	else
		fail "the relay cut hall 3's connection" "a cut line" "$(after "$tmp/relay.log" "$mark")"
	fi
	recovered "connection cut (${mode})"
done

# ---- the end of the day ------------------------------------------------------------------
sim_done() { ! alive "$1"; }
for n in 1 2 3; do eval "wait_for 150000 sim_done \$sim_$n" || fail "hall $n's day ends" "hallq-sim done" "running"; done
for n in 1 2 3; do
	set_hall $n
	hall_ids $n >"$tmp/all_$n"
	expect_val "hall $n: the centre has every event of hallq events, once" 30000 \
		"$(wc -l <"$tmp/all_$n") $(md5sum <"$tmp/all_$n" | cut -c1-32)" central_sig "$hid"
	check_num "hall $n: a day's worth of events" "$(wc -l <"$tmp/all_$n")" -gt 200
done
check "no duplicate (hall_id, event_id)" 0 \
	"$(pg_psql -c 'SELECT count(*) - count(DISTINCT (hall_id, event_id)) FROM hallq.events')"
# The halls' clocks still run at 60x, so a hall may write an event (an alert) after its
# snapshot above: halls.last_event_id is compared with the centre's own events of the hall,
# in one statement, and must be at least the snapshot's newest.
check "halls.last_event_id is each hall's newest event at the centre" "" \
	"$(pg_psql -c 'SELECT h.hall_id FROM hallq.halls h WHERE h.last_event_id <>
		(SELECT coalesce(max(e.event_id), 0) FROM hallq.events e WHERE e.hall_id = h.hall_id)')"
for n in 1 2 3; do
	set_hall $n
	check_num "hall $n: last_event_id reaches the snapshot's newest" \
		"$(pg_psql -c "SELECT last_event_id FROM hallq.halls WHERE hall_id = '$hid'")" -ge "$(tail -1 "$tmp/all_$n")"
done
# Nothing personal left the halls: booked carries only its slot's time in ms, checked_in no
# detail, a cancelled ticket's reason is one of hallqd's own words or "other".
check "booked only its slot, no detail of checked_in, no free text of cancelled" 0 \
	"$(pg_psql -c "SELECT count(*) FROM hallq.events WHERE (type = 'booked' AND detail !~ '^[0-9]{1,18}$')
		OR (type = 'checked_in' AND detail <> '')
		OR (type = 'cancelled' AND detail NOT IN ('', 'cancelled', 'day closed', 'hall closed', 'other'))")"
set_hall 1
# A new event of the running hall may be in flight for a moment: the backlog drains.
metrics_drained() {
	curl -s -m 3 -H "Authorization: Bearer $T_ADMIN" "$H/metrics" >"$tmp/metrics" &&
		grep -q '^hallq_sync_backlog_events{sync="330110"} 0' "$tmp/metrics"
}
wait_for 10000 metrics_drained
check "/metrics has the sync's families" "hallq_sync_up{sync=\"330110\"} 1|yes|yes" \
	"$(grep '^hallq_sync_up{' "$tmp/metrics")|$(grep -q '^hallq_sync_lag_seconds{sync="330110"}' "$tmp/metrics" && echo yes)|$(grep -q '^hallq_sync_backlog_events{sync="330110"} 0' "$tmp/metrics" && echo yes)"
check "a sync token may not issue tickets" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -m 3 -X POST -H "Authorization: Bearer $T_SYNC" \
		-H 'Content-Type: application/json' --data '{"service":"a"}' "$H/api/v1/tickets")"

# ==== plug-in point: B's and C's checks ===================================================
# Ready here: PostgreSQL running (PGHOST, PGPORT, PGUSER, PGDATABASE exported; pg_psql),
# central/schema.sql loaded, every event of the three halls in hallq.events; the halls
# still running, the day over:
#   hall n (1 county 330110, 2 and 3 townships 330110-101, 330110-102 under it):
#   set_hall n  -> $hd (its folder: hall.ini, hall.db, sim.json), $hid, $H (its hallqd URL)
#   day: $DAY; tokens: $T_ADMIN (admin), $T_SYNC (sync).
#   e.g. "$HALLQ" stats --db "$hd/hall.db" --from $DAY --to $DAY --json
# The central day figures equal each hall's own `hallq stats`, field for field.
. tests/central-lib.sh
central_day_ms
for n in 1 2 3; do
	set_hall $n
	for by in service counter clerk hour; do central_compare "$hid" "$hd/hall.db" "$by"; done
done
# The appointments reached the centre with their slots: hall n booked n, missed n - 1.
for n in 1 2 3; do
	set_hall $n
	check "$hid: central appointments and missed of the day" "$n $((n - 1))" \
		"$(pg_psql -F ' ' -c "SELECT appointments, missed_appointments FROM hallq.stats('$hid', 'service', $from_ms, $to_ms, $now_ms) WHERE key = 'total'")"
done
# The county's ranking (whole hall scores, as each hall's appraisal computes them): every hall
# under the county is ranked, once, in the order of the halls' own scores. Each hall scores
# itself as its own busiest (volume 100); the centre scores volume against the busiest hall
# of the region, so a hall's own score less weight_volume x (100 - volume there) / 100 is
# its central score, to 0.01, and the order of those is the ranking's.
ranked=$(pg_psql -c "SELECT string_agg(hall_id, ' ' ORDER BY hall_id) FROM hallq.ranking('$id_1', $from_ms, $to_ms)")
check "the county's ranking has its three halls" "$id_1 $id_2 $id_3" "$ranked"
for n in 1 2 3; do
	set_hall $n
	HALLQ_NOW="$DAY 23:00" "$HALLQ" report appraisal --db "$hd/hall.db" --from "$DAY" --to "$DAY" \
		--json >"$hd/appraisal.json" 2>"$hd/appraisal.err" || fail "hall $n: hallq report appraisal" "exit 0" "$(cat "$hd/appraisal.err")"
	echo "$hid $hd/appraisal.json"
done >"$tmp/appraisals"
pg_psql -c "SELECT row_to_json(r) FROM hallq.ranking('$id_1', $from_ms, $to_ms) r" >"$tmp/ranking.json"
rank_cmp=$("$PY" - "$tmp/appraisals" "$tmp/ranking.json" <<'PYEOF'
import json, math, sys
own = {}
for line in open(sys.argv[1]):
    hid, path = line.split()
    own[hid] = json.load(open(path))
central = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
busiest = max(a['hall']['served'] for a in own.values())
out, exp = [], {}
for hid, a in own.items():
    h, w = a['hall'], a['appraisal']
    vol = 100.0 * h['served'] / busiest if busiest else 0
    x = h['score'] - w['weight_volume'] * (h['volume_pts'] - vol) / 100.0
    exp[hid] = math.floor(x * 100 + 0.5) / 100
for c in central:
    h = own[c['hall_id']]['hall']
    for k in ('served', 'called', 'reviews', 'bad_reviews', 'cases', 'alerts', 'absences'):
        if h[k] != c[k]: out.append('%s %s: hall %s, central %s' % (c['hall_id'], k, h[k], c[k]))
    for k in ('on_time_pts', 'satisfaction_pts', 'rectify_pts', 'penalty'):
        if abs(h[k] - c[k]) > 0.006: out.append('%s %s: hall %s, central %s' % (c['hall_id'], k, h[k], c[k]))
    # exp is rebuilt from the hall's printed score and volume points, each rounded to 0.01:
    # it may be one hundredth off the centre's, which rounds once.
    if abs(exp[c['hall_id']] - c['score']) > 0.015:
        out.append('%s score: hall %s (own %s), central %s' % (c['hall_id'], exp[c['hall_id']], h['score'], c['score']))
order_own = sorted(own, key=lambda k: (-exp[k], k))
order_central = [c['hall_id'] for c in central]
if order_own != order_central:
    out.append('order: the halls %s, the centre %s' % (order_own, order_central))
if any(c['rank'] is None for c in central):
    out.append('unranked: %s' % [c['hall_id'] for c in central if c['rank'] is None])
print('\n'.join(out) if out else 'same ' + ' '.join('%s:%.2f' % (k, exp[k]) for k in order_own))
PYEOF
)
case $rank_cmp in
same*) ok "the county's ranking orders and scores the halls as their own appraisals do (${rank_cmp#same })" ;;
*) fail "the county's ranking orders and scores the halls as their own appraisals do" "the same" "$rank_cmp" ;;
esac
# ==== end of the plug-in point ============================================================

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
