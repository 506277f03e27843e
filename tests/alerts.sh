#!/bin/sh
# Electronic supervision (电子监察) through hallqd, against docs/api.md: hallqd on a simulated
# clock (--clock "2026-11-23 09:00" --speed 60, a hall minute a second) evaluates the rules
# after each request that changed the hall (the alert is there when the answer comes) and
# on its timer (a pause without a reason is raised two hall minutes later); GET
# /api/v1/alerts (roles, state=open|all, from/to, bad input), POST /api/v1/alerts/{id}/ack
# (once, by a manager, which does not clear), the event stream's alert_raised, the
# metrics (the longest wait per service, each counter's state and pause, open alerts by rule,
# open bad-review cases), the device facts from the kiosks' and gateways' health reports,
# and `hallq alerts` / `hallq alert ack` on the same database. Ends with "alerts: N passed,
# M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
TZ=Asia/Shanghai
export TZ
unset HALLQ_DB HALLQ_NOW

make_tmp
need "make tests builds them; Debian package curl" "$HALLQD" "$HALLQ" curl "$PY"

T_ADMIN=admin-0123456789abcdef
T_MANAGER=manager-0123456789abcdef
T_DISPLAY=display-0123456789abcdef
T_KIOSK=kiosk-0123456789abcdef
T_GW=gateway-0123456789abcdef
T_C1=counter1-0123456789abcdef
write_tokens "admin $T_ADMIN" "manager $T_MANAGER" "display $T_DISPLAY" "kiosk $T_KIOSK" \
	"gateway $T_GW" "counter:1 $T_C1"
{
	printf '[hall]\nname = 监察测试大厅\n\n'
	service_ini a A 企业开办 Business mon-sun "max_wait_minutes = 30"
	service_ini b B 不动产登记 "Real estate" mon-sun
	printf '[counter 1]\nservices = a\n\n[counter 2]\nservices = b\n\n'
	printf '[alert long_queue]\ncount = 2\n\n[alert long_pause]\nminutes = 3\n\n'
	printf '[alert device_down]\nminutes = 1\n'
} >"$tmp/hall.ini"
HALLQ_NOW="2026-11-23 09:00" init_db
# As lib.sh's start_hallqd, with --clock, whose value has a space in it.
start_hallqd_clock() {
	hallqd_n=$((hallqd_n + 1))
	hallqd_log=$tmp/hallqd$hallqd_n.log
	H=http://127.0.0.1:$port
	"$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "127.0.0.1:$port" --tokens "$tmp/tokens" \
		--clock "2026-11-23 09:00" --speed 60 --unit-stale 2 --kiosk-stale 2 >"$hallqd_log" 2>&1 &
	hallqd_pid=$!
	pids="$pids $!"
	wait_for 10000 hallqd_ready && alive "$hallqd_pid"
}
port=$((26000 + ($$ % 1000) * 2))
for _ in 1 2 3 4 5; do
	start_hallqd_clock && break
	stop "$hallqd_pid"
	port=$((port + 2))
done
alive "$hallqd_pid" || give_up "hallqd did not start: $(tail -5 "$hallqd_log")"
logs="$hallqd_log"

# api METHOD PATH TOKEN [BODY]: the body of the answer on stdout, its status in $tmp/status.
# "STATUS VALUE": the answer's status and a python expression over its JSON body (j).
answer() { # expression method path token [body]
	a_expr=$1
	shift
	api "$@" >/dev/null
	echo "$(status) $(jq_py "$a_expr" <"$tmp/body")"
}
# "status error" of an answer, for the error checks.
err_of() { answer 'j["error"]' "$@"; }
# The open alerts, "rule subject" a line, sorted.
open_alerts() {
	api GET /api/v1/alerts "$T_MANAGER" | jq_py '"\n".join(sorted(a["rule"] + " " + a["subject"] for a in j["alerts"]))'
}
has_open() { open_alerts | grep -x "$1" >/dev/null; }
# The id of the open alert "rule subject".
alert_id() {
	api GET /api/v1/alerts "$T_MANAGER" |
		jq_py "[a['id'] for a in j['alerts'] if a['rule'] + ' ' + a['subject'] == '$1'][0]"
}
metric() { api GET /metrics "$T_MANAGER" | grep "^$1 " | awk '{ print $NF }'; }

# ---- the listing, and who may read it ----------------------------------------------------

check "GET /api/v1/alerts (manager): 200, open, none yet" "200 open 0" \
	"$(answer '"%s %d" % (j["state"], len(j["alerts"]))' GET /api/v1/alerts "$T_MANAGER")"
check "GET /api/v1/alerts (display): 200" 200 "$(api GET /api/v1/alerts "$T_DISPLAY" >/dev/null; status)"
check "GET /api/v1/alerts (admin): 200" 200 "$(api GET /api/v1/alerts "$T_ADMIN" >/dev/null; status)"
check "GET /api/v1/alerts (kiosk): 403" "403 forbidden" "$(err_of GET /api/v1/alerts "$T_KIOSK")"
check "GET /api/v1/alerts (counter:1): 403" "403 forbidden" "$(err_of GET /api/v1/alerts "$T_C1")"
check "GET /api/v1/alerts without a token: 401" "401 unauthorized" "$(err_of GET /api/v1/alerts "")"
check "state=closed: 400 inval" "400 inval" "$(err_of GET '/api/v1/alerts?state=closed' "$T_MANAGER")"
check "from=yesterday: 400 inval" "400 inval" "$(err_of GET '/api/v1/alerts?state=all&from=yesterday' "$T_MANAGER")"
check "to before from: 400 inval" "400 inval" \
	"$(err_of GET '/api/v1/alerts?state=all&from=2026-11-23&to=2026-11-22%2023:00' "$T_MANAGER")"
check "POST /api/v1/alerts: 405" 405 "$(api POST /api/v1/alerts "$T_MANAGER" '{}' >/dev/null; status)"

# ---- raised by a request: in the same commit as the ticket that made the queue long -------

for i in 1 2 3; do
	api POST /api/v1/tickets "$T_KIOSK" '{"service": "a"}' >/dev/null
done
check "three waiting for a (more than count = 2): long_queue is open when the answer comes" yes \
	"$(has_open 'long_queue service:a' && echo yes || echo no)"
body=$(api GET /api/v1/alerts "$T_MANAGER")
check "the alert's fields" "queue warning a 0 True None None ''" \
	"$(echo "$body" | jq_py '" ".join(str(x) for x in [[a for a in j["alerts"] if a["rule"] == "long_queue"][0][k] for k in ("kind", "severity", "service", "counter", "open", "cleared_at", "acked_at")]) + " " + repr([a for a in j["alerts"] if a["rule"] == "long_queue"][0]["acked_by"])')"
check "raised at hall time (the simulated clock's day)" 2026-11-23T09 \
	"$(echo "$body" | jq_py '[a for a in j["alerts"] if a["rule"] == "long_queue"][0]["raised_at"][:13]')"
curl -s -m 2 -H "Authorization: Bearer $T_DISPLAY" "$H/api/v1/events?since=0" >"$tmp/events" 2>/dev/null
check "the event stream has alert_raised with the rule and subject" yes \
	"$(grep -A1 '^event: alert_raised' "$tmp/events" | grep '"detail":"long_queue:service:a"' >/dev/null && echo yes || echo no)"

# ---- raised by the timer, on the simulated clock ------------------------------------------

api POST /api/v1/counters/2/pause "$T_ADMIN" '{}' >/dev/null
t0=$(now_ms)
if wait_for 8000 has_open 'pause_no_reason counter:2'; then
	ok "pause_no_reason counter:2 raised by the timer after $(($(now_ms) - t0)) ms (2 hall minutes are 2 s)"
else
	fail "pause_no_reason counter:2 raised by the timer" "within 8 s" "$(open_alerts | tr '\n' ';')"
fi
if wait_for 8000 has_open 'long_pause counter:2'; then
	ok "long_pause counter:2 raised after 3 hall minutes"
else
	fail "long_pause counter:2 raised" "within 8 s" "$(open_alerts | tr '\n' ';')"
fi
check "no long_pause for counter 1, which is not paused" no \
	"$(has_open 'long_pause counter:1' && echo yes || echo no)"

# ---- acknowledgement ----------------------------------------------------------------------

id=$(alert_id 'long_queue service:a')
check "ack by a manager: 200, acked_by, still open" "200 王主任 已加开窗口 True" \
	"$(answer '"%s %s %s" % (j["acked_by"], j["ack_note"], j["open"])' POST "/api/v1/alerts/$id/ack" \
		"$T_MANAGER" '{"who": "王主任", "note": "已加开窗口"}')"
check "ack twice: 409 state" "409 state" "$(err_of POST "/api/v1/alerts/$id/ack" "$T_MANAGER" '{"who": "x"}')"
check "ack by admin of an unknown alert: 404 noalert" "404 noalert" \
	"$(err_of POST /api/v1/alerts/999999/ack "$T_ADMIN" '{"who": "x"}')"
check "ack of alert 'abc': 404 noalert" "404 noalert" "$(err_of POST /api/v1/alerts/abc/ack "$T_MANAGER" '{"who": "x"}')"
id2=$(alert_id 'pause_no_reason counter:2')
check "ack by a display: 403" "403 forbidden" "$(err_of POST "/api/v1/alerts/$id2/ack" "$T_DISPLAY" '{"who": "x"}')"
check "ack without who: 400 badjson" "400 badjson" "$(err_of POST "/api/v1/alerts/$id2/ack" "$T_MANAGER" '{}')"
long=$("$PY" -c 'print("x" * 201)')
check "ack with a note of 201 characters: 400 inval" "400 inval" \
	"$(err_of POST "/api/v1/alerts/$id2/ack" "$T_MANAGER" "{\"who\": \"x\", \"note\": \"$long\"}")"
check "the refused acks changed nothing" "" \
	"$(api GET /api/v1/alerts "$T_MANAGER" | jq_py "[a['acked_by'] for a in j['alerts'] if a['id'] == $id2][0]")"
check "the acknowledged alert is listed as acknowledged and open" "王主任 True" \
	"$(api GET /api/v1/alerts "$T_MANAGER" | jq_py "' '.join(str(a[k]) for a in j['alerts'] if a['id'] == $id for k in ('acked_by', 'open'))")"
check "alert_acked in the event stream" yes \
	"$(curl -s -m 2 -H "Authorization: Bearer $T_DISPLAY" "$H/api/v1/events?since=0" |
		grep -A1 '^event: alert_acked' | grep "\"value\":$id," >/dev/null && echo yes || echo no)"

# ---- cleared when the condition stops --------------------------------------------------

api POST /api/v1/counters/2/resume "$T_ADMIN" >/dev/null
check "resumed: the pause alerts clear at once (the request changed the hall)" "" \
	"$(open_alerts | grep 'counter:2' | grep pause)"
check "state=all still lists them, cleared" "False False" \
	"$(api GET '/api/v1/alerts?state=all' "$T_MANAGER" | jq_py "' '.join(str(a['open']) for a in j['alerts'] if a['subject'] == 'counter:2' and 'pause' in a['rule'])")"
check "state=all from 10:00 (after they were raised): none of them" 0 \
	"$(api GET '/api/v1/alerts?state=all&from=2026-11-24%2010:00' "$T_MANAGER" | jq_py 'len(j["alerts"])')"

# ---- /metrics ----------------------------------------------------------------------------

api POST /api/v1/counters/1/pause "$T_ADMIN" '{"reason": "meeting"}' >/dev/null
sleep 1
m=$(api GET /metrics "$T_MANAGER")
check "metrics: hallq_alerts_open{rule=\"long_queue\"} 1" 1 "$(echo "$m" | grep -F 'hallq_alerts_open{rule="long_queue"} ' | awk '{print $2}')"
check "metrics: hallq_alerts_open{rule=\"bad_review\"} 0" 0 "$(echo "$m" | grep -F 'hallq_alerts_open{rule="bad_review"} ' | awk '{print $2}')"
check "metrics: hallq_cases_open 0" 0 "$(echo "$m" | grep '^hallq_cases_open ' | awk '{print $2}')"
check "metrics: counter 1 is paused" "1 0 0" "$(for s in paused open closed; do
	echo "$m" | grep -F "hallq_counter_state{counter=\"1\",state=\"$s\"} " | awk '{print $2}'; done | tr '\n' ' ' | sed 's/ $//')"
check_num "metrics: counter 1 paused for a hall minute or more" \
	"$(echo "$m" | grep -F 'hallq_counter_paused_seconds{counter="1"} ' | awk '{print int($2)}')" -ge 50
check "metrics: counter 2 is not paused" 0.000 "$(echo "$m" | grep -F 'hallq_counter_paused_seconds{counter="2"} ' | awk '{print $2}')"
check_num "metrics: the longest wait for a is minutes of hall time" \
	"$(echo "$m" | grep -F 'hallq_service_oldest_wait_seconds{service="a"} ' | awk '{print int($2)}')" -ge 120
check "metrics: nobody waits for b" 0.000 "$(echo "$m" | grep -F 'hallq_service_oldest_wait_seconds{service="b"} ' | awk '{print $2}')"
check "metrics: the families have HELP and TYPE" 5 "$(echo "$m" | grep -cE '^# TYPE hallq_(service_oldest_wait_seconds|counter_state|counter_paused_seconds|alerts_open|cases_open) gauge$')"
check "metrics (display): 403" 403 "$(api GET /metrics "$T_DISPLAY" >/dev/null; status)"

# A bad review and its case, as the 好差评 side writes them (here straight into the file).
"$PY" - "$DB" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("INSERT INTO reviews(ticket_id, day, service, counter, clerk, level, reasons, channel, at, updated_at)"
           " VALUES(1, '2026-11-23', 'a', 1, '', 1, 4, 1, 0, 0)")
db.execute("INSERT INTO cases(review_id, state, opened_at, rectify_due, updated_at)"
           " VALUES(last_insert_rowid(), 0, 0, '2026-12-14', 0)")
db.commit()
EOF
if wait_for 5000 has_open 'bad_review case:1'; then ok "a bad review's case: bad_review case:1 raised by the timer"
else fail "bad_review case:1 raised" "within 5 s" "$(open_alerts | tr '\n' ';')"; fi
check "metrics: hallq_cases_open 1" 1 "$(metric hallq_cases_open)"

# ---- devices: the kiosks' and gateways' health reports -------------------------------------

api PUT /api/v1/kiosks/hall-1 "$T_KIOSK" '{"printer": "paper_out", "unprinted": 1, "issued": 3, "printed": 2}' >/dev/null
check "kiosk report with its printer out of paper: 204" 204 "$(status)"
api PUT /api/v1/units/gw1 "$T_GW" '{"buses": [{"bus": "line1", "up": true, "units": [{"counter": 1, "address": 1, "online": false}, {"counter": 2, "address": 2, "online": true}]}]}' >/dev/null
check "gateway report with counter 1's unit offline: 204" 204 "$(status)"
if wait_for 8000 has_open 'device_down printer:hall-1'; then ok "device_down printer:hall-1 after a hall minute"
else fail "device_down printer:hall-1" "within 8 s" "$(open_alerts | tr '\n' ';')"; fi
if wait_for 4000 has_open 'device_down unit:1'; then ok "device_down unit:1 after a hall minute"
else fail "device_down unit:1" "within 4 s" "$(open_alerts | tr '\n' ';')"; fi
check "the unit's alert names its counter" 1 \
	"$(api GET /api/v1/alerts "$T_MANAGER" | jq_py "[a['counter'] for a in j['alerts'] if a['subject'] == 'unit:1'][0]")"
check "no alert for counter 2's unit, which is online, nor for the kiosk, which reports" "" \
	"$(open_alerts | grep -E 'unit:2|kiosk:hall-1')"
api PUT /api/v1/kiosks/hall-1 "$T_KIOSK" '{"printer": "ok", "unprinted": 0, "issued": 3, "printed": 3}' >/dev/null
if wait_for 4000 sh -c "! curl -s -m 5 -H 'Authorization: Bearer $T_MANAGER' '$H/api/v1/alerts' | grep -q 'printer:hall-1'"; then
	ok "the printer back: its alert clears"
else
	fail "the printer back: its alert clears" "within 4 s" "$(open_alerts | tr '\n' ';')"
fi
# The gateway goes silent: stale after 2 s, down a hall minute later.
if wait_for 10000 has_open 'device_down gateway:gw1'; then ok "a silent gateway: device_down gateway:gw1"
else fail "device_down gateway:gw1" "within 10 s" "$(open_alerts | tr '\n' ';')"; fi
api DELETE /api/v1/units/gw1 "$T_GW" >/dev/null
if wait_for 4000 sh -c "! curl -s -m 5 -H 'Authorization: Bearer $T_MANAGER' '$H/api/v1/alerts' | grep -q 'gw1\|unit:1'"; then
	ok "the gateway forgotten: its alerts and its unit's clear"
else
	fail "the gateway forgotten: its alerts clear" "within 4 s" "$(open_alerts | tr '\n' ';')"
fi

# ---- the command line, on the same database ---------------------------------------------

out=$("$HALLQ" alerts --db "$DB" 2>&1)
check "hallq alerts lists the open alerts, one a line" yes \
	"$(echo "$out" | grep -q "^$id 2026-11-23 [0-9:]* open    warning  long_queue      service:a        acked " && echo yes || echo no)"
check "hallq alerts --all --json: every alert, as JSON" \
	"$(api GET '/api/v1/alerts?state=all&from=2026-11-23' "$T_MANAGER" | jq_py 'len(j["alerts"])')" \
	"$("$HALLQ" alerts --db "$DB" --all --from 2026-11-23 --json | jq_py 'len(j)')"
check "hallq alerts --to before --from: usage, exit 2" 2 \
	"$("$HALLQ" alerts --db "$DB" --from 2026-11-24 --to 2026-11-23 >/dev/null 2>&1; echo $?)"
id3=$(alert_id 'bad_review case:1')
out=$("$HALLQ" alert ack "$id3" --db "$DB" --who 李科长 --note 已回访 2>&1)
check "hallq alert ack: prints the id, then who" "$id3 李科长" "$(echo "$out" | sed -n '1p;/^acked_by:/s/acked_by: //p' | tr '\n' ' ' | sed 's/ $//')"
check "hallqd sees the CLI's ack" 李科长 \
	"$(api GET /api/v1/alerts "$T_MANAGER" | jq_py "[a['acked_by'] for a in j['alerts'] if a['id'] == $id3][0]")"
check "hallq alert ack without --who: usage, exit 2" 2 \
	"$("$HALLQ" alert ack "$id3" --db "$DB" >/dev/null 2>&1; echo $?)"
check "hallq alert ack of an acknowledged alert: exit 1" 1 \
	"$("$HALLQ" alert ack "$id3" --db "$DB" --who x >/dev/null 2>&1; echo $?)"

check "no error in hallqd's log, no warning of the alerts" "" \
	"$(grep -E ' error: | warn: alerts' "$hallqd_log" | head -3)"
stop "$hallqd_pid"
check "hallqd stops cleanly" 0 "$stop_rc"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
