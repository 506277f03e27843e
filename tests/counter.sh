#!/bin/sh
# hallq-counter, the counter-bus gateway (docs/counter.md), end to end: hallqd on a fresh
# database, simulated counter units (hallq-unit-sim) on socat pty pairs or Modbus TCP, and the
# gateway between them, checked from all three sides: what hallqd recorded (its API and the
# event log), what the gateway logged, and what each unit displayed.
#
#  1. plain protocol, 4 units: key presses become counter operations, displays follow the
#     hall (also changes made elsewhere), unit health in /api/v1/units and /metrics;
#  6. hallqd stopped and started again: presses made meanwhile are carried out once;
#  7. the gateway killed (-9) in a burst and restarted with its state file; the units
#     restarted (BOOT, sequences from 1 again): nothing lost, nothing doubled;
#  2. Modbus RTU; 3. Modbus TCP with one unit absent;
#  4. a faulty line (hallq-relay: corrupt, drop, truncate) for plain and Modbus RTU: 200
#     presses, the calls in hallqd equal the presses the units recorded, per counter;
#  5. the line unplugged and plugged back (the socat behind the gateway restarted);
#  8. the terminal counter (--terminal); 9. bad set-ups, and SIGTERM with everything down;
# 10. units with three and with five evaluator keys and the PIN sign-in (PROTOCOL.md 5.2,
#     5.4), plain and Modbus RTU, and the terminal's sign-in, against a fake hallqd
#     (tests/tools/fake_hallqd.py) that records each request: its body, token and key.
#
# Nothing sleeps blindly: each step waits for its sign (a pty link, a "ready" line, a log
# line, a value in hallqd) with a deadline, and every process started is stopped by its PID.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
GW=$BUILD/hallq-counter
SIM=$BUILD/hallq-unit-sim
RELAY=$BUILD/tests/hallq-relay
# Opening hours and days are local time: one zone for every process of the test.
TZ=UTC
export TZ

make_tmp
trap 'exec 3>&-; cleanup' EXIT     # the units' keys (fd 3) closed first
trap : PIPE    # a unit simulator that died must fail a check, not kill the script
need "make tests builds the programs; Debian packages socat curl python3" \
	"$HALLQD" "$HALLQ" "$GW" "$SIM" "$RELAY" socat curl "$PY"

# A pty pair, links $tmp/${NAME}1 (the gateway's end) and $tmp/${NAME}2 (the units' end);
# its PID in socat_NAME.
start_pair() { # name
	rm -f "$tmp/${1}1" "$tmp/${1}2"
	socat -d -d pty,raw,echo=0,link="$tmp/${1}1" pty,raw,echo=0,link="$tmp/${1}2" \
		2>>"$tmp/socat-$1.log" &
	eval "socat_$1=$!"
	pids="$pids $!"
	wait_for 5000 test -e "$tmp/${1}2" && wait_for 5000 test -e "$tmp/${1}1"
}

# hallq-unit-sim; its key presses come from fd 3 (press), its output goes to $sim_out.
# Presses given after the addresses are made at once, before the gateway can poll the units.
# $sim_opts are more options (--evaluator 5:3).
sim_n=0
sim_opts=""
start_sim() { # bus [addresses [presses...]]
	sim_n=$((sim_n + 1))
	sim_out=$tmp/sim$sim_n.out
	mkfifo "$tmp/keys$sim_n"
	"$SIM" --bus "$1" --address "${2:-1-4}" $sim_opts <"$tmp/keys$sim_n" >"$sim_out" 2>&1 &
	sim_pid=$!
	pids="$pids $!"
	exec 3>"$tmp/keys$sim_n"
	shift
	[ $# -gt 0 ] && shift
	press "$@"
	wait_for 5000 sim_started && grep -q '^ready' "$sim_out"
}
sim_started() { grep -q '^ready' "$sim_out" || ! alive "$sim_pid"; }
stop_sim() {
	exec 3>&-
	stop "$sim_pid"
	sim_pid=""
}
press() { for p_k in "$@"; do echo "$p_k" >&3; done; }

# The gateway: NAME is its --name and its state file; its stderr log is $gw_err.
gw_n=0
start_gw() { # name config [options...]
	gw_n=$((gw_n + 1))
	gw_name=$1
	gw_out=$tmp/gw$gw_n.out
	gw_err=$tmp/gw$gw_n.err
	g_cfg=$2
	shift 2
	env HALLQ_TOKEN="$T_GW" "$GW" --config "$g_cfg" --server "$H" --state "$tmp/$gw_name.state" \
		--name "$gw_name" --report 1 "$@" >"$gw_out" 2>"$gw_err" &
	gw_pid=$!
	pids="$pids $!"
	logs="$gw_err"
	wait_for 5000 grep -q '^ready' "$gw_out"
}

# Every unit of 1..N online in the gateway's log.
units_online() { # n
	u_i=1
	while [ $u_i -le "$1" ]; do
		grep -q "unit $u_i (counter $u_i) online" "$gw_err" || return 1
		u_i=$((u_i + 1))
	done
}

# ---- hallqd's answers ---------------------------------------------------------------------

# jget EXPR: evaluate a Python expression on the JSON of stdin (as d); strings print bare,
# everything else as JSON.
cat >"$tmp/jget.py" <<'EOF'
import json, sys
try:
    d = json.load(sys.stdin)
    v = eval(sys.argv[1], {"d": d})
except Exception as e:
    print("(%s)" % e.__class__.__name__)
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))
EOF
jget() { "$PY" "$tmp/jget.py" "$1"; }

api() { # token path [curl options...]
	a_tok=$1 a_path=$2
	shift 2
	curl -s -m 5 -H "Authorization: Bearer $a_tok" "$@" "$H$a_path"
}
post() { # token path [json body]: the answer's status code and body on one line
	curl -s -m 5 -X POST -H "Authorization: Bearer $1" ${3:+-d "$3"} -w ' %{http_code}' "$H$2"
}
last_event() { curl -s -m 5 "$H/healthz" | jget 'd["last_event_id"]'; }

# "LABEL STATE" of the ticket counter N serves, or "-".
serving() {
	api "$T_ADMIN" /api/v1/hall | jget "next((c['serving']['label'] + ' ' + c['serving']['state'])
		if c['serving'] else '-' for c in d['counters'] if c['number'] == $1)"
}
counter_state() {
	api "$T_ADMIN" /api/v1/hall | jget "next(c['state'] for c in d['counters'] if c['number'] == $1)"
}
ticket() { # id expression-on-the-ticket
	curl -s -m 5 "$H/api/v1/tickets/$1" | jget "$2"
}
# Issue a ticket; sets t_id, t_label and t_number.
issue() {
	i_ans=$(api "$T_KIOSK" /api/v1/tickets -X POST -d '{"service": "a"}')
	set -- $(echo "$i_ans" | jget '"%d %s %d" % (d["id"], d["label"], d["number"])')
	t_id=${1:-0} t_label=${2:-none} t_number=${3:-0}
}
# Issue N tickets with one curl (one connection); prints how many were made.
issue_many() {
	i_n=0
	: >"$tmp/issue.cfg"
	while [ $i_n -lt "$1" ]; do
		printf 'url = "%s/api/v1/tickets"\noutput = "/dev/null"\n' "$H" >>"$tmp/issue.cfg"
		i_n=$((i_n + 1))
	done
	curl -s -m 60 -H "Authorization: Bearer $T_KIOSK" -d '{"service": "a"}' -w '%{http_code}\n' \
		-K "$tmp/issue.cfg" | grep -c '^201$'
}
# One gateway's units as "COUNTER:up|down ..." in /api/v1/units.
units_api() { # gateway
	api "$T_MANAGER" /api/v1/units | jget "' '.join('%d:%s' % (u['counter'], 'up' if u['online'] else 'down')
		for g in d['gateways'] if g['gateway'] == '$1' for b in g['buses'] for u in b['units'])"
}
# The sum of a unit health count over one gateway's units.
units_sum() { # gateway expression-on-a-unit
	api "$T_MANAGER" /api/v1/units | jget "sum($2 for g in d['gateways'] if g['gateway'] == '$1'
		for b in g['buses'] for u in b['units'])"
}

# The calls at each counter in hallqd's event log after event SINCE, as "1:N 2:N 3:N 4:N".
called() { # since
	"$HALLQ" events --db "$DB" --since "$1" |
		awk '$4 == "called" { n[$7]++ } END { printf "1:%d 2:%d 3:%d 4:%d\n", n[1], n[2], n[3], n[4] }'
}
# The presses the units recorded after line MARK of the sim's output, in the same form.
recorded() { # mark [file]
	after "${2:-$sim_out}" "$1" |
		awk '$3 == "key" && $4 == "recorded" { sub(":", "", $2); n[$2]++ }
		     END { printf "1:%d 2:%d 3:%d 4:%d\n", n[1], n[2], n[3], n[4] }'
}
total() { echo "$1" | tr ' ' '\n' | awk -F: '{ t += $2 } END { print t + 0 }'; }

# Wait until the calls since SINCE are WANT, then watch them for 1.5 s more, so that a
# press done twice shows too. They are left in $settled, and the time the wait ended in
# $settled_ms. A count that stays short gives up after 15 s without a change (on a loaded
# machine a unit the faults made miss its polls can stay offline for several seconds), or
# 60 s in all.
settle() { # since want
	s_end=$(($(now_ms) + 60000))
	s_last="" s_changed=$(now_ms)
	while :; do
		s_now=$(called "$1")
		[ "$s_now" = "$2" ] && break
		[ "$s_now" != "$s_last" ] && s_last=$s_now s_changed=$(now_ms)
		[ $(($(now_ms) - s_changed)) -ge 15000 ] && break
		[ "$(now_ms)" -ge "$s_end" ] && break
		sleep 0.1
	done
	settled_ms=$(now_ms)
	s_end=$(($(now_ms) + 1500))
	while [ "$(now_ms)" -lt "$s_end" ] && [ "$(called "$1")" = "$s_now" ]; do sleep 0.1; done
	settled=$(called "$1")
}

# ---- the hall ------------------------------------------------------------------------------

# One service open all day every day (00:00-24:00: 23:59 would close it for the last
# minute), counters 1-4 on bus "line" at addresses 1-4; the bus section as given.
write_ini() { # file bus-lines...
	w_f=$1
	shift
	{
		printf '[hall]\nname = hallq counter test\n\n'
		# issue_many sends hundreds of tickets at once with one token: no rate limit.
		printf '[limits]\nrate = 0\n\n'
		printf '[service a]\nname = 综合\nprefix = A\nnumbers = 1-9999\nhours = 00:00-24:00\ndays = mon-sun\n'
		for w_n in 1 2 3 4; do
			printf '\n[counter %d]\nservices = a\nbus = line\naddress = %d\n' "$w_n" "$w_n"
		done
		printf '\n[bus line]\n'
		for w_l in "$@"; do echo "$w_l"; done
	} >"$w_f"
}

T_ADMIN=admin-token-$$-0123456789
T_KIOSK=kiosk-token-$$-0123456789
T_GW=gateway-token-$$-0123456789
T_MANAGER=manager-token-$$-0123456789
T_C3=counter3-token-$$-0123456789
T_C4=counter4-token-$$-0123456789
write_tokens "admin $T_ADMIN" "kiosk $T_KIOSK" "gateway $T_GW" "manager $T_MANAGER" \
	"counter:3 $T_C3" "counter:4 $T_C4"
write_ini "$tmp/hall.ini" "type = plain" "device = $tmp/P1" "baud = 115200"
init_db

# hallqd on a port of 10000-19999 (the other tests use 20000-39999 and the ephemeral range),
# from the PID. The port above it is the Modbus TCP units'.
hallqd_opts="--unit-stale 2"
pick_port $((10000 + ($$ % 4990) * 2))

# =========================================================================================
# 1. The plain protocol over one pty pair, 4 units.
# =========================================================================================
echo "# plain protocol, 4 units on one pty pair"
write_ini "$tmp/plain.ini" "type = plain" "device = $tmp/P1" "baud = 115200"
start_pair P || fail "socat made the pty pair" "both links" "$(cat "$tmp/socat-P.log")"
start_sim "plain:$tmp/P2:115200" || fail "the sim started" "ready" "$(cat "$sim_out")"
if start_gw plain "$tmp/plain.ini"; then ok "gateway: ready"; else fail "gateway: ready" "ready" "$(cat "$gw_err")"; fi
logs="$gw_err $sim_out"
if wait_for 5000 units_online 4; then ok "gateway: units 1-4 online"; else
	fail "gateway: units 1-4 online" "4 'online' lines" "$(grep online "$gw_err")"; fi

m_sim=$(lines "$sim_out")
issue; id1=$t_id lab1=$t_label
issue; lab2=$t_label
issue
issue
issue; id5=$t_id lab5=$t_label num5=$t_number
all_waiting() { # n: every unit displays n waiting
	for a_u in 1 2 3 4; do seen "$sim_out" "$m_sim" "^unit $a_u: display \"[^\"]*\" waiting $1 " || return 1; done
}
if wait_for 3000 all_waiting 5; then ok "units display 5 waiting after 5 tickets"; else
	fail "units display 5 waiting after 5 tickets" "unit 1-4: ... waiting 5" "$(tail -4 "$sim_out")"; fi

m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
press "3 call"
expect_line "key 3 call: the gateway logs the call" 3000 "$gw_err" "$m_gw" "counter 3: call-next: $lab1 called"
expect_val "key 3 call: hallqd has $lab1 called at counter 3" 2000 "$lab1 called" serving 3
expect_line "key 3 call: unit 3 displays $lab1" 3000 "$sim_out" "$m_sim" "^unit 3: display \"$lab1\""
expect_line "key 3 call: unit 1 displays one less waiting" 3000 "$sim_out" "$m_sim" "^unit 1: display \"----\" waiting 4 "

# Changes made elsewhere reach the units: tickets issued with the hallq command on the
# database, a call made through the API.
m_sim=$(lines "$sim_out")
"$HALLQ" issue a --db "$DB" >/dev/null && "$HALLQ" issue a --db "$DB" >/dev/null
expect_line "hallq issue (twice): unit 2 displays 6 waiting" 5000 "$sim_out" "$m_sim" "^unit 2: display \"----\" waiting 6 "
m_sim=$(lines "$sim_out")
ans=$(post "$T_ADMIN" /api/v1/counters/2/call-next)
check "API call-next at counter 2 calls $lab2" "200 $lab2" "${ans##* } $(echo "${ans% *}" | jget 'd["label"]')"
expect_line "API call at counter 2: unit 2 displays $lab2" 3000 "$sim_out" "$m_sim" "^unit 2: display \"$lab2\""

m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
press "4 pause"
expect_val "key 4 pause: counter 4 paused in hallqd" 3000 paused counter_state 4
expect_line "key 4 pause: unit 4 displays PAUS" 3000 "$sim_out" "$m_sim" '^unit 4: display "PAUS"'
m_sim=$(lines "$sim_out")
press "4 resume"
expect_val "key 4 resume: counter 4 open in hallqd" 3000 open counter_state 4
expect_line "key 4 resume: unit 4 displays ---- again" 3000 "$sim_out" "$m_sim" '^unit 4: display "----"'

m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
press "3 finish" "3 rate 3"
expect_line "key 3 finish: the gateway logs it" 3000 "$gw_err" "$m_gw" "counter 3: finish: $lab1 done"
expect_val "key 3 finish: $lab1 done" 3000 "done" ticket "$id1" 'd["state"]'
# A three-key unit's top key is level 5, sent to evaluate (PROTOCOL.md 5.2). The request's
# body is checked against a fake hallqd in part 10; here, what the real one made of it.
expect_line "key 3 rate 3: the gateway sends it to evaluate" 3000 "$gw_err" "$m_gw" "counter 3: evaluate"
if [ "$(ticket "$id1" '"review" in d')" = true ]; then
	expect_val "key 3 rate 3: $lab1 reviewed at level 5" 3000 5 ticket "$id1" 'd["review"]["level"]'
else
	note "this hallqd has no reviews yet (it said: $(after "$gw_err" "$m_gw" | grep -o 'evaluate.*' | head -1))"
fi
check "key 3 finish, rate 3: unit 3 recorded both" "1:0 2:0 3:2 4:0" "$(recorded "$m_sim")"
m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
press "1 number $num5"
expect_val "key 1 number $num5: hallqd has $lab5 called at counter 1" 3000 "$lab5 called" serving 1
expect_line "key 1 number $num5: unit 1 displays $lab5" 3000 "$sim_out" "$m_sim" "^unit 1: display \"$lab5\""
press "1 transfer 2"
expect_line "key 1 transfer 2: the gateway logs it" 3000 "$gw_err" "$m_gw" "counter 1: transfer: $lab5 waiting"
expect_val "key 1 transfer 2: $lab5 waits for counter 2" 3000 "waiting 2" ticket "$id5" '"%s %d" % (d["state"], d["target_counter"])'
expect_val "key 1 transfer 2: counter 1 serves nobody" 3000 "-" serving 1

expect_val "GET /api/v1/units: the gateway with units 1-4 online" 5000 "1:up 2:up 3:up 4:up" units_api plain
metric_online() { # gateway counter: the value of hallq_unit_online
	api "$T_MANAGER" /metrics | grep '^hallq_unit_online{' | grep "gateway=\"$1\"" |
		grep "counter=\"$2\"" | sed 's/.* //'
}
expect_val "/metrics: hallq_unit_online of counter 3 is 1" 3000 1 metric_online plain 3

# =========================================================================================
# 6. hallqd away: presses wait in the units and are carried out once it is back.
# =========================================================================================
echo "# hallqd stopped and started again"
issue
ev0=$(last_event)
m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
stop "$hallqd_pid"
check "hallqd stopped by SIGTERM" 0 "$stop_rc"
press "2 call" "2 call"
expect_line "hallqd away: the gateway keeps the press in the unit" 5000 "$gw_err" "$m_gw" \
	"counter 2: .*(kept in the unit; will retry)"
expect_val "hallqd away: both presses recorded by unit 2" 3000 "1:0 2:2 3:0 4:0" recorded "$m_sim"
t0=$(now_ms)
if start_hallqd; then ok "hallqd started again on the same database"; else
	fail "hallqd started again on the same database" "healthz" "$(tail -3 "$hallqd_log")"; fi
expect_val "hallqd back: both presses carried out" 10000 "1:0 2:2 3:0 4:0" called "$ev0"
note "hallqd back: the presses were carried out $(($(now_ms) - t0)) ms after its restart"
settle "$ev0" "1:0 2:2 3:0 4:0"
check "hallqd back: and only once" "1:0 2:2 3:0 4:0" "$settled"

# =========================================================================================
# 7. The gateway killed in a burst and started again with its state file; unit restarts.
# =========================================================================================
echo "# gateway killed in a burst, units restarted"
check "tickets for the burst" 120 "$(issue_many 120)"
awk -v seed=11 -v n=80 'BEGIN { srand(seed); for (i = 0; i < n; i++) print int(rand() * 4) + 1 " call" }' \
	>"$tmp/burst7"
ev0=$(last_event)
m_sim=$(lines "$sim_out")
(while read -r k; do echo "$k" >&3; sleep 0.005; done <"$tmp/burst7") &
burst_pid=$!
pids="$pids $burst_pid"
some_recorded() { [ "$(after "$sim_out" "$m_sim" | grep -c 'key recorded')" -ge 30 ]; }
wait_for 10000 some_recorded
stop "$gw_pid" KILL
note "gateway killed (-9) after $(after "$sim_out" "$m_sim" | grep -c 'key recorded') presses, $(called "$ev0") called so far"
start_gw plain "$tmp/plain.ini" && ok "gateway: ready again" || fail "gateway: ready again" "ready" "$(cat "$gw_err")"
logs="$gw_err $sim_out"
wait "$burst_pid"
pids=$(echo " $pids " | sed "s/ $burst_pid / /")
want=$(recorded "$m_sim")
note "burst: $(total "$want") presses recorded ($want), $(after "$sim_out" "$m_sim" | grep -c 'key refused') refused"
settle "$ev0" "$want"
check "gateway restart: calls per counter = presses recorded" "$want" "$settled"

# A unit restart: units come back with BOOT and sequence numbers from 1. The press is made
# as the units start, so it is in unit 1 when the gateway first sees it again (an offline
# unit is polled once a second): after the second restart its sequence 1 equals the
# gateway's L of unit 1, and must still be taken as new.
for round in 1 2; do
	[ $round = 2 ] && check "unit restart 2: the gateway's L of unit 1 is 1, the sequence the press will get" 1 \
		"$(awk '$1 == "line" && $2 == 1 { print $4 }' "$tmp/plain.state" 2>&1)"
	ev0=$(last_event)
	m_gw=$(lines "$gw_err")
	stop_sim
	expect_line "unit restart $round: unit 1 offline while the sim is stopped" 5000 "$gw_err" "$m_gw" \
		"unit 1 (counter 1) offline"
	start_sim "plain:$tmp/P2:115200" 1-4 "1 call" ||
		fail "unit restart $round: the sim started" "ready" "$(cat "$sim_out")"
	logs="$gw_err $sim_out"
	m_sim=0
	expect_line "unit restart $round: the gateway logs the restart" 5000 "$gw_err" "$m_gw" \
		"unit 1 (counter 1) restarted"
	expect_val "unit restart $round: unit 1 recorded the press" 3000 "1:1 2:0 3:0 4:0" recorded "$m_sim"
	settle "$ev0" "1:1 2:0 3:0 4:0"
	check "unit restart $round: the press is carried out, once" "1:1 2:0 3:0 4:0" "$settled"
done
stop "$gw_pid"
check "gateway: SIGTERM, exit status 0" 0 "$stop_rc"
if [ "$stop_ms" -le 2000 ]; then ok "gateway: SIGTERM exits within 2 s ($stop_ms ms)"; else
	fail "gateway: SIGTERM exits within 2 s" "<= 2000 ms" "$stop_ms ms"; fi
stop_sim
stop "$socat_P"

# =========================================================================================
# 2. Modbus RTU over a pty pair: the call and display round trip, a typed number.
# =========================================================================================
echo "# Modbus RTU, 4 units on one pty pair"
write_ini "$tmp/rtu.ini" "type = modbus-rtu" "device = $tmp/R1" "baud = 115200"
start_pair R || fail "socat made the pty pair" "both links" "$(cat "$tmp/socat-R.log")"
start_sim "modbus-rtu:$tmp/R2:115200" || fail "the sim started" "ready" "$(cat "$sim_out")"
start_gw rtu "$tmp/rtu.ini" || fail "gateway: ready" "ready" "$(cat "$gw_err")"
logs="$gw_err $sim_out"
if wait_for 5000 units_online 4; then ok "rtu: units 1-4 online"; else
	fail "rtu: units 1-4 online" "4 'online' lines" "$(grep online "$gw_err")"; fi
m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
press "3 call"
expect_line "rtu: key 3 call: the gateway logs the call" 3000 "$gw_err" "$m_gw" "counter 3: call-next: A[0-9]* called"
lab=$(after "$gw_err" "$m_gw" | sed -n 's/.*counter 3: call-next: \(A[0-9]*\) called.*/\1/p' | head -1)
expect_val "rtu: key 3 call: hallqd has ${lab:-it} called at counter 3" 2000 "$lab called" serving 3
expect_line "rtu: key 3 call: unit 3 displays ${lab:-it}" 3000 "$sim_out" "$m_sim" "^unit 3: display \"$lab\""
issue
m_sim=$(lines "$sim_out")
press "2 number $t_number"
expect_val "rtu: key 2 number $t_number: hallqd has $t_label called at counter 2" 3000 "$t_label called" serving 2
expect_line "rtu: key 2 number $t_number: unit 2 displays $t_label" 3000 "$sim_out" "$m_sim" "^unit 2: display \"$t_label\""
stop "$gw_pid"
stop_sim
stop "$socat_R"

# =========================================================================================
# 3. Modbus TCP: units 1-3 answer, unit 4 of the config does not.
# =========================================================================================
echo "# Modbus TCP, units 1-3 of 4"
mbport=$((port + 1))
for try in 1 2 3 4 5; do
	start_sim "modbus-tcp:127.0.0.1:$mbport" 1-3 && alive "$sim_pid" && break
	stop_sim
	mbport=$((mbport + 2))
done
alive "$sim_pid" || fail "the sim listens on Modbus TCP" "ready" "$(cat "$sim_out")"
write_ini "$tmp/tcp.ini" "type = modbus-tcp" "host = 127.0.0.1" "port = $mbport"
start_gw tcp "$tmp/tcp.ini" || fail "gateway: ready" "ready" "$(cat "$gw_err")"
logs="$gw_err $sim_out"
if wait_for 5000 units_online 3; then ok "tcp: units 1-3 online"; else
	fail "tcp: units 1-3 online" "3 'online' lines" "$(grep online "$gw_err")"; fi
expect_line "tcp: unit 4 reported offline in the log" 5000 "$gw_err" 0 "unit 4 (counter 4) offline"
expect_val "tcp: GET /api/v1/units: unit 4 offline, 1-3 online" 5000 "1:up 2:up 3:up 4:down" units_api tcp
for u in 1 2 3; do
	m_gw=$(lines "$gw_err")
	t0=$(now_ms)
	press "$u call"
	if wait_for 1000 seen "$gw_err" "$m_gw" "counter $u: call-next: A[0-9]* called"; then
		ok "tcp: key $u call carried out within 1 s ($(($(now_ms) - t0)) ms)"
	else
		fail "tcp: key $u call carried out within 1 s" "counter $u: call-next: ... called" \
			"$(after "$gw_err" "$m_gw")"
	fi
	lab=$(after "$gw_err" "$m_gw" | sed -n "s/.*counter $u: call-next: \\(A[0-9]*\\) called.*/\\1/p" | head -1)
	check "tcp: hallqd has ${lab:-it} called at counter $u" "$lab called" "$(serving "$u")"
done
stop "$gw_pid"
stop_sim

# =========================================================================================
# 4, 5. A faulty line: gateway <-> pair A <-> hallq-relay <-> pair B <-> units.
# =========================================================================================
errors_counted() { [ "$(units_sum "$1" 'u["crc_errors"] + u["timeouts"]')" -gt 0 ] 2>/dev/null; }
processed() { # mark n: the sim has answered n presses after mark
	[ "$(after "$sim_out" "$1" | grep -c ': key re')" -ge "$2" ]
}

fault_run() { # bus-type name unplug
	echo "# $1 through a faulty line (hallq-relay --seed 7)"
	write_ini "$tmp/$2.ini" "type = $1" "device = $tmp/A1" "baud = 115200"
	start_pair A || fail "$2: socat made pair A" "both links" "$(cat "$tmp/socat-A.log")"
	start_pair B || fail "$2: socat made pair B" "both links" "$(cat "$tmp/socat-B.log")"
	"$RELAY" --a "$tmp/A2" --b "$tmp/B1" --seed 7 --corrupt 0.003 --drop 0.003 --truncate 0.02 \
		>"$tmp/relay-$2.out" 2>"$tmp/relay-$2.err" &
	relay_pid=$!
	pids="$pids $relay_pid"
	wait_for 5000 grep -q '^ready' "$tmp/relay-$2.out" ||
		fail "$2: the relay is ready" "ready" "$(cat "$tmp/relay-$2.err")"
	start_sim "$1:$tmp/B2:115200" || fail "$2: the sim started" "ready" "$(cat "$sim_out")"
	start_gw "$2" "$tmp/$2.ini" || fail "$2: gateway ready" "ready" "$(cat "$gw_err")"
	logs="$gw_err $sim_out $tmp/relay-$2.err"
	if wait_for 10000 units_online 4; then ok "$2: units 1-4 online"; else
		fail "$2: units 1-4 online" "4 'online' lines" "$(grep online "$gw_err")"; fi

	check "$2: 300 tickets issued" 300 "$(issue_many 300)"
	awk -v seed=7 -v n=200 'BEGIN { srand(seed); for (i = 0; i < n; i++) print int(rand() * 4) + 1 " call" }' \
		>"$tmp/presses"
	ev0=$(last_event)
	m_sim=$(lines "$sim_out")
	t0=$(now_ms)
	# 30 ms apart: a unit that the faults make miss three polls in a row is marked offline
	# and polled once a second, and its ring (16) must hold what comes meanwhile.
	while read -r k; do echo "$k" >&3; sleep 0.03; done <"$tmp/presses"
	wait_for 5000 processed "$m_sim" 200 || fail "$2: the units answered 200 presses" 200 \
		"$(after "$sim_out" "$m_sim" | grep -c ': key re')"
	want=$(recorded "$m_sim")
	note "$2: 200 presses in $(($(now_ms) - t0)) ms: $(total "$want") recorded ($want)," \
		"$(after "$sim_out" "$m_sim" | grep -c 'key refused') refused (ring full)"
	settle "$ev0" "$want"
	check "$2: calls per counter in hallqd = presses recorded" "$want" "$settled"
	note "$2: all carried out $((settled_ms - t0)) ms after the first press;" \
		"$(grep -c ') offline' "$gw_err") times a unit was marked offline"
	if wait_for 5000 errors_counted "$2"; then
		ok "$2: /api/v1/units counts the line's errors ($(units_sum "$2" 'u["crc_errors"]') bad replies,\
 $(units_sum "$2" 'u["timeouts"]') timeouts)"
	else
		fail "$2: /api/v1/units counts the line's errors" "crc_errors + timeouts > 0" \
			"$(api "$T_MANAGER" /api/v1/units)"
	fi

	if [ "$3" = unplug ]; then
		# Unplug: the socat between the gateway and the relay stopped; presses meanwhile
		# stay in the units; plugged back with the same links, the gateway reopens by
		# itself and carries them out once.
		ev0=$(last_event)
		m_gw=$(lines "$gw_err") m_sim=$(lines "$sim_out")
		stop "$socat_A"
		expect_line "$2: unplugged: the gateway logs the line lost" 3000 "$gw_err" "$m_gw" "line: line lost"
		press "1 call" "2 call" "3 call" "4 call" "1 call" "2 call" "3 call" "4 call" "3 call"
		wait_for 3000 processed "$m_sim" 9
		check "$2: unplugged: the units recorded 9 presses" "1:2 2:2 3:3 4:2" "$(recorded "$m_sim")"
		check "$2: unplugged: nothing reached hallqd" "1:0 2:0 3:0 4:0" "$(called "$ev0")"
		start_pair A || fail "$2: socat started again" "both links" "$(cat "$tmp/socat-A.log")"
		expect_line "$2: plugged back: the gateway reopens the line" 5000 "$gw_err" "$m_gw" "line: line open"
		settle "$ev0" "1:2 2:2 3:3 4:2"
		check "$2: plugged back: the presses carried out once" "1:2 2:2 3:3 4:2" "$settled"
	fi
	stop "$gw_pid"
	stop_sim
	stop "$relay_pid"
	note "$2: relay $(grep '^counters' "$tmp/relay-$2.out" | tail -1 | cut -d' ' -f2-9)"
	stop "$socat_A"
	stop "$socat_B"
}
fault_run plain fault-plain unplug
fault_run modbus-rtu fault-rtu unplug

# =========================================================================================
# 8. The terminal counter.
# =========================================================================================
echo "# the terminal counter"
logs="$tmp/term.err"
issue
out=$(printf 'call\nstatus\nbogus\nrate 3\nquit\n' | env HALLQ_TOKEN="$T_C3" timeout 20 "$GW" --terminal 3 --server "$H" 2>"$tmp/term.err")
check "terminal: exit status 0 after quit" 0 "$?"
lab=$(serving 3)
lab=${lab%% *}
answer=$(echo "$out" | grep -c "^call-next: $lab called$")
check "terminal: call answers with the ticket called ($lab)" 1 "$answer"
[ "$answer" = 1 ] || note "terminal said: $out"
check "terminal: status shows it" 1 "$(echo "$out" | grep -c "^counter 3: now $lab, waiting [0-9]*, open$")"
check "terminal: bogus is an error line" 1 "$(echo "$out" | grep -c '^error: unknown key "bogus"')"
check "terminal: no rating key on a clerk's terminal" 1 "$(echo "$out" | grep -c "^error: a clerk's terminal has no rate key")"
ev0=$(last_event)
before=$(serving 3)
out=$(printf 'call\nquit\n' | env HALLQ_TOKEN="$T_C4" timeout 20 "$GW" --terminal 3 --server "$H" 2>>"$tmp/term.err")
check "terminal: a counter:4 token on counter 3 is refused (403)" 1 "$(echo "$out" | grep -c '^call-next refused: 403')"
[ "$(echo "$out" | grep -c '403')" = 1 ] || note "terminal said: $out"
check "terminal: ... and nothing changed in hallqd" "$ev0 $before" "$(last_event) $(serving 3)"

# =========================================================================================
# 9. Bad set-ups; SIGTERM while everything is down.
# =========================================================================================
echo "# bad set-ups"
write_ini "$tmp/bad.ini" "type = plain" "device = $tmp/L1" "baud = 12345"
bad_line=$(grep -n '^baud = 12345' "$tmp/bad.ini" | cut -d: -f1)
env HALLQ_TOKEN="$T_GW" timeout 10 "$GW" --config "$tmp/bad.ini" --server "$H" --state "$tmp/bad.state" \
	>/dev/null 2>"$tmp/bad.err"
rc=$?
logs="$tmp/bad.err"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then ok "bad config: exit status non-zero ($rc)"; else
	fail "bad config: exit status non-zero" "1" "$rc"; fi
check "bad config: the message names FILE:LINE" 1 "$(grep -c "$tmp/bad.ini:$bad_line: " "$tmp/bad.err")"
env -u HALLQ_TOKEN timeout 10 "$GW" --config "$tmp/plain.ini" --server "$H" --state "$tmp/bad.state" \
	>/dev/null 2>"$tmp/notoken.err"
rc=$?
logs="$tmp/notoken.err"
check "no token: exit status 2" 2 "$rc"
check "no token: a message says so" 1 "$(grep -c 'no token' "$tmp/notoken.err")"

write_ini "$tmp/late.ini" "type = plain" "device = $tmp/L1" "baud = 115200"
start_gw late "$tmp/late.ini" || fail "missing device: gateway ready" "ready" "$(cat "$gw_err")"
expect_line "missing device: the gateway logs it cannot open the line, with the path" 5000 "$gw_err" 0 \
	"cannot open the line: .*$tmp/L1"
if alive "$gw_pid"; then ok "missing device: the gateway keeps running"; else
	fail "missing device: the gateway keeps running" "running" "exited"; fi
m_gw=$(lines "$gw_err")
start_pair L || fail "socat made the pty pair" "both links" "$(cat "$tmp/socat-L.log")"
start_sim "plain:$tmp/L2:115200" || fail "the sim started" "ready" "$(cat "$sim_out")"
logs="$gw_err $sim_out"
expect_line "device appears: the gateway opens the line" 5000 "$gw_err" "$m_gw" "line: line open"
wait_for 5000 units_online 4
ev0=$(last_event)
press "1 call"
expect_val "device appears: a press is carried out" 5000 "1:1 2:0 3:0 4:0" called "$ev0"

# Everything down: hallqd stopped with a press waiting in a unit, then the line gone.
m_gw=$(lines "$gw_err")
stop "$hallqd_pid"
press "1 call"
expect_line "all down: the press waits for hallqd" 5000 "$gw_err" "$m_gw" "counter 1: .*(kept in the unit; will retry)"
stop_sim
stop "$socat_L"
expect_line "all down: the line is lost" 5000 "$gw_err" "$m_gw" "line: line lost"
stop "$gw_pid"
check "all down: SIGTERM, exit status 0" 0 "$stop_rc"
if [ "$stop_ms" -le 2000 ]; then ok "all down: SIGTERM exits within 2 s ($stop_ms ms)"; else
	fail "all down: SIGTERM exits within 2 s" "<= 2000 ms" "$stop_ms ms"; fi

# =========================================================================================
# 10. Three and five evaluator keys, the PIN sign-in: what the gateway sends, to a fake hallqd.
# =========================================================================================
echo "# evaluators and the PIN sign-in, against a fake hallqd that records every request"
"$PY" tests/tools/fake_hallqd.py --log "$tmp/fake.log" --gateway-token "$T_GW" --admin-token "$T_ADMIN" \
	--counter-token "3:$T_C3" --clerk 1024:012345 --clerk 2048:86420 \
	>"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
pids="$pids $fake_pid"
logs="$tmp/fake.err"
wait_for 5000 grep -q '^ready' "$tmp/fake.out" || give_up "the fake hallqd did not start: $(cat "$tmp/fake.err")"
H=http://127.0.0.1:$(sed -n 's/^ready //p' "$tmp/fake.out")
touch "$tmp/fake.log"

# fake EXPR: a Python expression on the requests recorded so far (r, a list of dicts),
# printed as jget prints.
cat >"$tmp/fake.py" <<'PYEOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
try:
    v = eval(sys.argv[2], {"r": r})
except Exception as e:
    print("(%s)" % e.__class__.__name__)
    sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))
PYEOF
fake() { "$PY" "$tmp/fake.py" "$tmp/fake.log" "$1"; }
now_s() { "$PY" -c 'import time; print(time.time())'; }
# The levels evaluated (carried out, not replayed) since time T, by counter: "1:L 2:L ...".
levels() { # t
	fake "' '.join('%s:%s' % (x['path'].split('/')[4], x['body']['level']) for x in sorted(r,
		key=lambda x: int(x['path'].split('/')[4])) if x['path'].endswith('/evaluate')
		and x['status'] == 200 and not x['replay'] and x['at'] >= $1)"
}
# The sign-in requests since time T: "COUNTER ROLE CLERK PIN STATUS", ";"-separated.
signins() { # t
	fake "';'.join('%s %s %s %s %d' % (x['path'].split('/')[4], x['role'], x['body']['clerk'],
		x['body']['pin'], x['status']) for x in r if x['path'].endswith('/sign-in') and x['at'] >= $1)"
}
signouts() { # t
	fake "' '.join('%s %s' % (x['path'].split('/')[4], x['role']) for x in r
		if x['path'].endswith('/sign-out') and x['at'] >= $1)"
}

eval_run() { # bus-type name
	echo "# $1: units 1, 2 and 4 with three evaluator keys, unit 3 with five"
	write_ini "$tmp/$2.ini" "type = $1" "device = $tmp/E1" "baud = 115200"
	start_pair E || fail "$2: socat made the pty pair" "both links" "$(cat "$tmp/socat-E.log")"
	sim_opts="--evaluator 5:3"
	start_sim "$1:$tmp/E2:115200" || fail "$2: the sim started" "ready" "$(cat "$sim_out")"
	sim_opts=""
	start_gw "$2" "$tmp/$2.ini" || fail "$2: gateway ready" "ready" "$(cat "$gw_err")"
	logs="$gw_err $sim_out $tmp/fake.err"
	if wait_for 5000 units_online 4; then ok "$2: units 1-4 online"; else
		fail "$2: units 1-4 online" "4 'online' lines" "$(grep online "$gw_err")"; fi
	check "$2: unit 3 says it has five evaluator keys" 1 \
		"$(grep -c 'unit 3 (counter 3) online: hallq-unit/1 fw=0.2 caps=keys,sat,sat5,display$' "$gw_err")"
	check "$2: unit 1 says it has three" 1 \
		"$(grep -c 'unit 1 (counter 1) online: hallq-unit/1 fw=0.2 caps=keys,sat,display$' "$gw_err")"

	# Each key of each scale, exactly once; 5 on a three-key unit, and a second rating
	# after one finish, are not even recorded by the unit.
	t0=$(now_s)
	m_sim=$(lines "$sim_out")
	press "1 finish" "1 rate 1" "2 finish" "2 rate 2" "4 finish" "4 rate 3" "3 finish" "3 rate 4" \
		"3 rate 5" "1 finish" "1 rate 5"
	expect_val "$2: three-key 1/2/3 go as levels 1/3/5, five-key 4 as 4" 5000 "1:1 2:3 3:4 4:5" levels "$t0"
	check "$2: the units took neither 3's second rating nor 1's rating 5" 2 \
		"$(after "$sim_out" "$m_sim" | grep -c '^unit [13]: key refused')"
	press "3 finish" "3 rate 5" "2 finish" "2 rate 1"
	expect_val "$2: five-key 5 is level 5, three-key 1 is level 1" 5000 "1:1 2:3 2:1 3:4 3:5 4:5" levels "$t0"
	# Watched a little longer, so that a rating sent twice would show.
	sleep 1.5
	check "$2: each rating sent once (six keys, no replay)" "6 6 0" \
		"$(fake "'%d %d %d' % (sum(x['path'].endswith('/evaluate') and x['at'] >= $t0 for x in r),
			len({x['idem'] for x in r if x['path'].endswith('/evaluate') and x['at'] >= $t0}),
			sum(x['replay'] for x in r if x['path'].endswith('/evaluate') and x['at'] >= $t0))")"
	check "$2: with the gateway's token, the body {\"level\": L} alone" "gateway True" \
		"$(fake "(' '.join(sorted({x['role'] for x in r if x['path'].endswith('/evaluate') and x['at'] >= $t0}))
			+ ' ' + str(all(set(x['body']) == {'level'} for x in r if x['path'].endswith('/evaluate'))))")"
	check "$2: no rate request any more" 0 "$(fake "sum(x['path'].endswith('/rate') for x in r)")"

	# Sign-in: the id shown, the PIN masked, one request; a wrong PIN shows Err.
	t0=$(now_s)
	m_sim=$(lines "$sim_out") m_gw=$(lines "$gw_err")
	press "2 signin 1024 012345"
	expect_val "$2: sign-in at 2: one request, the PIN's leading zero kept" 5000 \
		"2 gateway 1024 012345 200" signins "$t0"
	expect_line "$2: sign-in at 2: the gateway logs it" 3000 "$gw_err" "$m_gw" \
		"counter 2: sign-in: clerk 1024 signed in"
	check "$2: unit 2 showed the id, then the PIN masked" "1024 PIn P- P------" \
		"$(after "$sim_out" "$m_sim" | sed -n 's/^unit 2: display "\([^"]*\)".*/\1/p' |
			grep -xE '1024|PIn|P-|P------' | tr '\n' ' ' | sed 's/ $//')"
	m_sim=$(lines "$sim_out")
	press "4 signin 1024 97531"
	expect_line "$2: a wrong PIN: unit 4 shows Err" 5000 "$sim_out" "$m_sim" '^unit 4: display "Err"'
	t_err=$(now_ms)
	check "$2: a wrong PIN: refused (403), once" "2 gateway 1024 012345 200;4 gateway 1024 97531 403" \
		"$(signins "$t0")"
	m_err=$(lines "$sim_out")
	expect_line "$2: a wrong PIN: then unit 4's usual display again" 6000 "$sim_out" "$m_err" \
		'^unit 4: display "----"'
	check_num "$2: ... after about 3 s (ms)" "$(($(now_ms) - t_err))" -ge 2000

	# hallqd failing inside (503): the sign-in stays in the unit and goes again, same key.
	t0=$(now_s)
	m_gw=$(lines "$gw_err")
	curl -s -m 5 -X POST -d '{"count": 1}' "$H/_test/unavailable"
	press "1 signin 2048 86420" "1 signout"
	expect_line "$2: 503: the sign-in is kept in the unit" 5000 "$gw_err" "$m_gw" \
		"counter 1: sign-in: .*(kept in the unit; will retry)"
	expect_val "$2: 503, then the same sign-in again" 8000 \
		"1 gateway 2048 86420 503;1 gateway 2048 86420 200" signins "$t0"
	check "$2: ... under one idempotency key" 1 \
		"$(fake "len({x['idem'] for x in r if x['path'].endswith('/sign-in') and x['at'] >= $t0})")"
	expect_val "$2: the sign-out after it" 5000 "1 gateway" signouts "$t0"
	check "$2: no PIN in the gateway's log or state file" "" \
		"$(grep -l '012345\|97531\|86420' "$gw_err" "$tmp/$2.state")"
	check "$2: no PIN in the units' display lines" "" "$(grep 'display "[^"]*\(012345\|97531\|86420\)' "$sim_out")"
	stop "$gw_pid"
	stop_sim
	stop "$socat_E"
}
eval_run plain eval-plain
eval_run modbus-rtu eval-rtu

# The terminal counter: sign-in with the PIN on the next line (on a tty, typed blind); no
# rating key.
echo "# the terminal counter's sign-in"
t0=$(now_s)
out=$(printf 'signin 1024\n012345\nrate 3\nsignin 2048\n12\nsignin 1024\n0000\nsignin 1024\n0123456789\nsignout\nquit\n' |
	env HALLQ_TOKEN="$T_C3" timeout 20 "$GW" --terminal 3 --server "$H" 2>"$tmp/term10.err")
logs="$tmp/term10.err $tmp/fake.err"
check "terminal: signed in" 1 "$(echo "$out" | grep -c 'sign-in: clerk 1024 signed in$')"
check "terminal: asked for the PIN four times" 4 "$(echo "$out" | grep -c '^PIN: ')"
check "terminal: a short PIN is not sent" 1 "$(echo "$out" | grep -c '^error: a PIN is 4 to 12 digits')"
check "terminal: a wrong PIN is refused, a long one sent (the roster's PINs have up to 12 digits)" 2 \
	"$(echo "$out" | grep -c '^sign-in refused: clerk 1024: 403 signin')"
check "terminal: no rating key" 1 "$(echo "$out" | grep -c "^error: a clerk's terminal has no rate key")"
check "terminal: no PIN shown" 0 "$(echo "$out" | grep -c '012345\|0000')"
check "terminal: the sign-ins, with the counter's token" "3 counter:3 1024 012345 200;3 counter:3 1024 0000 403;3 counter:3 1024 0123456789 403" \
	"$(signins "$t0")"
check "terminal: signed out" "3 counter:3" "$(signouts "$t0")"
check "terminal: nothing evaluated but by the gateway" 0 \
	"$(fake "sum(x['path'].endswith('/evaluate') and x['role'] != 'gateway' for x in r)")"

# On a tty: digits, i, then the PIN typed blind.
t0=$(now_s)
tty_out=$("$PY" - "$GW" "$H" "$T_C3" <<'PYEOF' 2>&1
import os, pty, select, sys, time
gw, url, token = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ["HALLQ_TOKEN"] = token
    os.execv(gw, [gw, "--terminal", "3", "--server", url])
out = b""
def until(what, secs=10):
    global out
    end = time.time() + secs
    while what not in out and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
    return what in out
until(b"keys:")
os.write(fd, b"1024i")
prompt = until(b"PIN (4-12 digits")
for c in b"012345":
    os.write(fd, bytes([c]))
    time.sleep(0.02)
os.write(fd, b"\r")
signed = until(b"signed in")
os.write(fd, b"q")
os.waitpid(pid, 0)
print("prompt", prompt, "signed-in", signed, "pin-shown", b"012345" in out)
PYEOF
)
check "terminal on a tty: the PIN prompt, signed in, the PIN not shown" \
	"prompt True signed-in True pin-shown False" "$tty_out"
check "terminal on a tty: the request" "3 counter:3 1024 012345 200" "$(signins "$t0")"
stop "$fake_pid"

# A sanitizer build (make SANITIZE=address,undefined) reports to the logs.
logs=""
reports=$(grep -l 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$tmp"/*.err "$tmp"/*.out \
	"$tmp"/*.log 2>/dev/null)
check "no sanitizer reports in the logs" "" "$(echo $reports)"
for r in $reports; do grep -m 3 -A 8 'ERROR: \|runtime error:' "$r" | sed 's/^/    | /'; done

echo "counter: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
