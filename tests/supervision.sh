#!/bin/sh
# Electronic supervision (电子监察) on a simulated day (issue 14's proof): tools/run-hall starts
# the demo hall as hall.sh does (hallqd on a simulated clock, the units, the gateway, the
# display, the kiosk), and hallq-sim plays a Wednesday morning, 09:00 to 10:30 at 150x, with
# three incidents scripted into it:
#
#   --surge social@09:10+25        25 citizens for social insurance at once: more than
#                                   long_queue's 20 wait, and the last of them wait longer
#                                   than social's max_wait_minutes (30): long_queue, long_wait;
#   --absent 9@09:20-09:45         counter 9's clerk (social) signs out and leaves the counter
#                                   open while the surge waits: unstaffed after 5 minutes,
#                                   cleared when the clerk signs in again;
#   --long-pause 6@09:30+40        counter 6's clerk presses pause on the unit (no reason
#                                   given) for 40 minutes: pause_no_reason after 2, long_pause
#                                   after 30, both cleared at the resume.
#
# hallq-sim's record derives from the event feed, by docs/queue.md's rules, when each rule
# should have raised and cleared an alert for each subject (the incidents' and the rest of
# the morning's: the units' breaks without a reason, waits in other queues, slow services,
# bad reviews ...) and compares them with hallqd's alerts (GET /api/v1/alerts?state=all), each
# raised once within the tolerance (30 s of hall time at 150x: two of hallqd's evaluation
# periods) after the record's instant and cleared likewise, none that the record cannot
# explain. Checked here:
#
#  1. hallq-sim exits 0: every figure and every alert agrees, the invariants hold;
#  2. each incident took place (the scenario in its report) and raised its alerts, which
#     hallq-sim matched: long_queue and long_wait for social, unstaffed for counter 9,
#     pause_no_reason and long_pause for counter 6;
#  3. `hallq alerts --all` on the hall's database lists what hallq-sim read from hallqd;
#  4. no error in any program's log, and run-hall's SIGTERM stops every program.
#
# Every wait has a deadline; every process is stopped by its PID. The day is fixed.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/hall-lib.sh
hall_setup
DAY=2026-11-25
SPEED=150


# Ports 41000-44999 (hall.sh has 45000-48999), from the PID.
hall_start "$DAY 08:40" $SPEED $((41000 + ($$ % 2000) * 2))
ok "the demo hall is running ($(echo "$hall_procs" | wc -l) programs, port $port)"
logs="$tmp/hall.out"

# ---- 1. the morning and its incidents ---------------------------------------------------------

# hall.sh's eleven clerks, too few for the 09:30 peak of a 300-ticket day, with the roster's
# demo PINs. Counter 9 (social) works through its unit, counter 6 (real estate) too; 19
# (enquiry, social, hukou) has no unit and works through the API.
CLERKS=2,4,6,9,11,12,14,15,18,19,20
echo "# hallq-sim: $DAY 09:00-10:30 at ${SPEED}x, counters $CLERKS, a surge, an absence, a long pause"
t_sim=$(now_ms)
HALLQ_KIOSK_TOKEN=$T_KIOSK HALLQ_ADMIN_TOKEN=$T_ADMIN timeout 300 \
	"$SIM" --server "$H" --config "$RUN/hall.ini" --keys "$RUN" --speed $SPEED \
	--start "$DAY 09:00" --end 10:30 --tickets 300 --seed 7 --counters $CLERKS \
	--pins assets/halls/county-centre.pins --report "$tmp/day.json" \
	--surge social@09:10+25 --absent 9@09:20-09:45 --long-pause 6@09:30+40 \
	>"$tmp/sim.out" 2>"$tmp/sim.err"
sim_rc=$?
logs="$tmp/sim.err"
note "$(tail -n 1 "$tmp/sim.out") in $((($(now_ms) - t_sim) / 1000)) s"
check "hallq-sim: exit 0 (figures and alerts agree, invariants hold)" 0 "$sim_rc"
[ "$sim_rc" -eq 0 ] || sed -n '/MISMATCH\|breach\|unexpected/p' "$tmp/sim.out" | head -10 | sed 's/^/    | /'
check "hallq-sim: no mismatch" 0 "$(jq_py 'j["mismatches"]' <"$tmp/day.json")"
check "hallq-sim: no alert mismatch" 0 "$(jq_py 'j["alerts"]["mismatches"]' <"$tmp/day.json")"
sed -n '/^Alerts (/,/checks, .* mismatches; every raise/p' "$tmp/sim.out" | sed 's/^/    /'

# ---- 2. each incident and its alerts ----------------------------------------------------------

check "the surge: 25 tickets of social issued" 25 "$(jq_py 'j["scenario"]["surge"][0]["issued"]' <"$tmp/day.json")"
check "the absence: counter 9's clerk signed out and in again" "True True" \
	"$(jq_py '"%s %s" % (j["scenario"]["absent"][0]["signed_out"] is not None, j["scenario"]["absent"][0]["signed_in"] is not None)' <"$tmp/day.json")"
check "the long pause: counter 6 paused and resumed" "True True" \
	"$(jq_py '"%s %s" % (j["scenario"]["long_pause"][0]["paused"] is not None, j["scenario"]["long_pause"][0]["resumed"] is not None)' <"$tmp/day.json")"
# hallqd raised each alert the incidents call for, and cleared it (all but long_wait and
# long_queue for social may still be open when the morning ends); hallq-sim matched every
# alert of hallqd's with the record, so each of these is the one it expected.
for want in "long_queue service:social" "long_wait service:social" "unstaffed counter:9" \
	"pause_no_reason counter:6" "long_pause counter:6"; do
	set -- $want
	seen=$(jq_py "len([a for a in j['alerts']['seen'] if a['rule'] == '$1' and a['subject'] == '$2'])" <"$tmp/day.json")
	wanted=$(jq_py "len([a for a in j['alerts']['expected'] if a['rule'] == '$1' and a['subject'] == '$2'])" <"$tmp/day.json")
	check_num "$1 for $2: raised by hallqd" "${seen:-0}" -ge 1
	check "$1 for $2: as often as the record expects" "$wanted" "$seen"
done
for want in "unstaffed counter:9" "pause_no_reason counter:6" "long_pause counter:6"; do
	set -- $want
	check "$1 for $2: cleared" 0 \
		"$(jq_py "len([a for a in j['alerts']['seen'] if a['rule'] == '$1' and a['subject'] == '$2' and a['cleared'] is None])" <"$tmp/day.json")"
done
note "$(jq_py '", ".join("%s %d/%d" % (r["rule"], r["matched"], r["seen"]) for r in j["alerts"]["rules"] if r["seen"] or r["expected"])' <"$tmp/day.json") (matched/seen)"
note "$(jq_py '"raised %.1f s after the record on average, at most %.1f s; cleared at most %.1f s after; tolerance %.0f s" % (j["alerts"]["raised_lag_mean_s"], j["alerts"]["raised_lag_max_s"], j["alerts"]["cleared_lag_max_s"], j["alerts"]["tolerance_s"])' <"$tmp/day.json")"

# ---- 3. the same alerts from the database -----------------------------------------------------

# The hall goes on after hallq-sim's last read and may raise more since: compare those up to
# the newest it read.
newest=$(jq_py 'max([a["id"] for a in j["alerts"]["seen"]] or [0])' <"$tmp/day.json")
listed=$("$HALLQ" alerts --all --from "$DAY" --db "$RUN/hall.db" --json 2>"$tmp/cli.err" |
	"$PY" -c 'import json, sys
print(" ".join(sorted(str(a["id"]) for a in json.load(sys.stdin) if a["id"] <= int(sys.argv[1]))))' "${newest:-0}")
check "hallq alerts --all lists the alerts hallq-sim read" \
	"$(jq_py '" ".join(sorted(str(a["id"]) for a in j["alerts"]["seen"]))' <"$tmp/day.json")" "$listed"

# ---- 4. logs and the stop --------------------------------------------------------------------

logs="$tmp/hall.out"
hall_stop
check "run-hall: SIGTERM stops the hall" "demo hall stopped" "$(grep -o 'demo hall stopped' "$tmp/hall.out")"
check "no program left running" "" "$hall_left"
check "no error in any log" "" "$(hall_errors | head -10)"

echo "# took $(($(date +%s) - t_start)) s"
echo "supervision: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
