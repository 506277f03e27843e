#!/bin/sh
# The systemd side of hallq (dist/systemd, docs/operate.md):
#  1. every unit, installed by `make install PREFIX=/usr` into a scratch root with the
#     programs where the units point, passes `systemd-analyze verify --root`, without a
#     word of warning, and has no @PLACEHOLDER@ left;
#  2. hallqd, run with NOTIFY_SOCKET on a datagram socket this test owns, says READY=1 only
#     once /healthz answers (the listener asks it the moment READY=1 arrives), RELOADING=1
#     then READY=1 on SIGHUP, STOPPING=1 on SIGTERM;
#  3. the gateway says READY=1 after its bus was polled (a simulated unit on Modbus TCP)
#     and also when its bus cannot be opened, and STOPPING=1;
#  4. with JOURNAL_STREAM naming their stderr the log lines carry sd-daemon priorities
#     (<6>, <4>) and no time of their own; a JOURNAL_STREAM that is not stderr changes nothing.
# Ends with "systemd: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
GW=$BUILD/hallq-counter
SIM=$BUILD/hallq-unit-sim
need "make tests builds the programs; Debian packages systemd curl python3" \
	"$HALLQD" "$HALLQ" "$GW" "$SIM" systemd-analyze curl "$PY"
make_tmp

# ---- 1. the units ----------------------------------------------------------------------
ROOT=$tmp/root
make --no-print-directory BUILD="$BUILD" PREFIX=/usr DESTDIR="$ROOT" install >"$tmp/install.log" 2>&1 ||
	give_up "make install failed: $(tail -5 "$tmp/install.log")"
UNITS=$ROOT/usr/lib/systemd/system
units=$(cd dist/systemd && ls)
for u in $units; do
	check "$u is installed" yes "$([ -s "$UNITS/$u" ] && echo yes || echo no)"
done
check "no placeholder is left in the installed units" "" "$(grep -l '@[A-Z]*@' "$UNITS"/hallq* 2>/dev/null)"
check "hallqd.service runs the installed hallqd" \
	"ExecStart=/usr/bin/hallqd --config /etc/hallq/hall.ini --db /var/lib/hallq/hall.db" \
	"$(grep -o '^ExecStart=[^ ]* [^ ]* [^ ]* [^ ]* [^ ]*' "$UNITS/hallqd.service")"
check "the example config is in /etc/hallq" yes "$([ -s "$ROOT/etc/hallq/hall.ini" ] && echo yes || echo no)"
# What the units name from outside hallq in the root: systemd's own units (the targets they
# are wanted by) and /bin/kill of ExecReload.
cp -Rn /usr/lib/systemd/system/. "$UNITS/" 2>/dev/null
mkdir -p "$ROOT/bin"
cp /bin/kill "$ROOT/bin/kill"
for u in $units hallq-counter@floor1-left.service; do
	out=$(systemd-analyze verify --root="$ROOT" "$u" 2>&1)
	rc=$?
	check "systemd-analyze verify $u" "0 " "$rc $out"
done

# ---- 2. hallqd's notifications ---------------------------------------------------------
# The listener: each datagram one line (its fields joined by spaces); on READY=1 it asks
# /healthz at once and adds "healthz=STATUS" (000 when nothing answered).
cat >"$tmp/listen.py" <<'PY'
import socket, sys, urllib.request
path, out, url = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    print("listening", file=f)
    while True:
        msg = s.recv(4096).decode(errors="replace")
        fields = msg.strip().split("\n")
        line = " ".join(fields)
        if "READY=1" in fields and url != "-":
            try:
                status = urllib.request.urlopen(url, timeout=2).status
            except Exception:
                status = "000"
            line += " healthz=%s" % status
        print(line, file=f)
PY
listener() { # name healthz-url: the listener on $tmp/NAME.sock writing $tmp/NAME.notify
	: >"$tmp/$1.notify"
	"$PY" "$tmp/listen.py" "$tmp/$1.sock" "$tmp/$1.notify" "$2" 2>"$tmp/$1.listen.err" &
	pids="$pids $!"
	wait_for 5000 grep -q '^listening' "$tmp/$1.notify" || give_up "the notify listener did not start"
}
notified() { grep -c -- "$2" "$tmp/$1.notify"; } # name pattern: how many lines match
readies() { [ "$(notified hallqd 'READY=1')" -ge "$1" ]; } # at least N READY=1 from hallqd

{
	printf '[hall]\nname = systemd test hall\n\n'
	service_ini a A 综合 General mon-sun
	for n in 1 2; do printf '[counter %d]\nservices = a\nbus = line\naddress = %d\n\n' $n $n; done
} >"$tmp/counters.ini"
# hallqd's copy names the bus; the gateway's (below) has the simulated units' port.
{ cat "$tmp/counters.ini"; printf '[bus line]\ntype = modbus-tcp\nhost = 127.0.0.1\nport = 502\n'; } >"$tmp/hall.ini"
T_GW=gateway-token-$$-0123456789
write_tokens "gateway $T_GW"
init_db
# A hallqd without systemd first, for a free port, and the ordinary log; JOURNAL_STREAM set
# to a stream that is not its stderr changes nothing.
JOURNAL_STREAM=0:0
export JOURNAL_STREAM
pick_port $((26000 + ($$ % 1000) * 2))
check "with a JOURNAL_STREAM that is not stderr the log keeps its time" yes \
	"$(grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+ hallqd info: listening on' "$hallqd_log" && echo yes || echo no)"
stop "$hallqd_pid"
unset JOURNAL_STREAM

listener hallqd "$H/healthz"
log=$tmp/hallqd-journal.log
: >"$log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$log") NOTIFY_SOCKET=$tmp/hallqd.sock \
	"$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "127.0.0.1:$port" --tokens "$tmp/tokens" >>"$log" 2>&1 &
hallqd_pid=$!
pids="$pids $hallqd_pid"
logs="$log $tmp/hallqd.notify"
if wait_for 10000 grep -q 'READY=1' "$tmp/hallqd.notify"; then ok "hallqd says READY=1"; else
	fail "hallqd says READY=1" "READY=1" "$(cat "$tmp/hallqd.notify")"
fi
check "/healthz answers when READY=1 arrives" 1 "$(notified hallqd 'READY=1.* healthz=200$')"
check "READY=1 comes with a STATUS line" 1 "$(notified hallqd "STATUS=127.0.0.1:$port")"
check "with JOURNAL_STREAM its stderr, hallqd's lines have priorities and no time" \
	"<6>listening on 127.0.0.1:$port; hall database $DB, config $tmp/hall.ini" \
	"$(grep 'listening on' "$log")"
check "no line has a time of its own" "" "$(grep -E '^(<[0-9]>)?[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$log")"
check "every line has a priority prefix" "" "$(grep -v '^<[3467]>' "$log")"

# SIGHUP: RELOADING=1 then READY=1 (the tokens and config read again); a tokens file the
# reload cannot take is a warning at priority 4.
kill -HUP "$hallqd_pid"
if wait_for 5000 readies 2; then ok "READY=1 again after SIGHUP"; else
	fail "READY=1 again after SIGHUP" "2 READY=1" "$(cat "$tmp/hallqd.notify")"
fi
check "the reload is RELOADING=1 then READY=1" "RELOADING=1 READY=1" \
	"$(grep -o '^RELOADING=1\|^READY=1' "$tmp/hallqd.notify" | tail -2 | paste -sd' ' -)"
check "RELOADING=1 carries MONOTONIC_USEC" 1 "$(notified hallqd '^RELOADING=1 MONOTONIC_USEC=[0-9][0-9]*$')"
chmod 644 "$tmp/tokens"
kill -HUP "$hallqd_pid"
wait_for 5000 readies 3
check "a bad tokens file on reload is logged at warning priority" 1 "$(grep -c '^<4>reload: .*keeping the running tokens' "$log")"
chmod 600 "$tmp/tokens"
stop "$hallqd_pid"
check "hallqd stops cleanly" 0 "$stop_rc"
check "STOPPING=1 on SIGTERM, the last word" STOPPING=1 "$(tail -1 "$tmp/hallqd.notify")"

# ---- 3. the gateway's ------------------------------------------------------------------
start_hallqd || give_up "hallqd did not start again: $(tail -3 "$hallqd_log")"
mbport=$((port + 1))
: >"$tmp/sim.out"
"$SIM" --bus "modbus-tcp:127.0.0.1:$mbport" --address 1-2 </dev/null >"$tmp/sim.out" 2>&1 &
sim_pid=$!
pids="$pids $sim_pid"
wait_for 5000 grep -q '^ready' "$tmp/sim.out" || give_up "hallq-unit-sim did not start: $(tail -3 "$tmp/sim.out")"
cat "$tmp/counters.ini" >"$tmp/gw.ini"
printf '[bus line]\ntype = modbus-tcp\nhost = 127.0.0.1\nport = %d\n' "$mbport" >>"$tmp/gw.ini"

# gateway NAME: hallq-counter under systemd's variables, its PID in gw_pid.
gateway() {
	gw_log=$tmp/gw-$1.log
	: >"$gw_log"
	listener "gw-$1" -
	JOURNAL_STREAM=$(stat -c '%d:%i' "$gw_log") NOTIFY_SOCKET=$tmp/gw-$1.sock HALLQ_TOKEN=$T_GW \
		"$GW" --config "$tmp/gw.ini" --server "$H" --name "test-$1" --state "$tmp/gw-$1.state" \
		>"$tmp/gw-$1.out" 2>>"$gw_log" &
	gw_pid=$!
	pids="$pids $gw_pid"
	logs="$gw_log $tmp/gw-$1.notify"
}
gateway up
if wait_for 10000 grep -q 'READY=1' "$tmp/gw-up.notify"; then ok "the gateway says READY=1"; else
	fail "the gateway says READY=1" "READY=1" "$(cat "$tmp/gw-up.notify")"
fi
check "READY=1 once, with its name" 1 "$(notified gw-up '^READY=1 STATUS=test-up$')"
check "the bus was open and its units polled by then" 1 "$(grep -c '^<6>line: line open' "$gw_log")"
check "the gateway's lines have priorities and no time" "" "$(grep -v '^<[3467]>' "$gw_log")"
stop "$gw_pid"
check "the gateway stops cleanly" 0 "$stop_rc"
check "STOPPING=1 on SIGTERM" STOPPING=1 "$(tail -1 "$tmp/gw-up.notify")"

# The bus cannot be opened (nothing listens there any more): ready all the same, the error
# logged at priority 3, so that systemd does not restart the gateway in a loop.
stop "$sim_pid"
gateway down
if wait_for 10000 grep -q 'READY=1' "$tmp/gw-down.notify"; then ok "ready with its bus down"; else
	fail "ready with its bus down" "READY=1" "$(cat "$tmp/gw-down.notify")"
fi
check "the bus that cannot open is an error in the journal" yes \
	"$(grep -q '^<3>line: ' "$gw_log" && echo yes || echo no)"
stop "$gw_pid"
check "STOPPING=1 then too" STOPPING=1 "$(tail -1 "$tmp/gw-down.notify")"
stop "$hallqd_pid"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
