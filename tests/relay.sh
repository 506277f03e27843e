#!/bin/sh
# hallq-relay (tests/tools/hallq-relay.c) checked on the line it is made for: two socat pty
# pairs, A1=A2 and B1=B2, with the relay between A2 and B1 and a small python3 writer and
# reader on A1 and B2. Without faults bytes pass intact; corruption, drops and truncation
# happen at the rates asked, are reproducible from the seed and match the counters; --baud
# paces a line to 11 bits a character; and killing the socat behind side A neither stops the
# relay nor the line once socat is back. Nothing sleeps blindly: each step waits for its sign
# (the pty links, the relay's "ready" or stderr line), with a deadline, and everything
# started is stopped by its PID.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
RELAY=${RELAY:-$BUILD/tests/hallq-relay}

make_tmp
need "Debian packages socat python3; make builds hallq-relay" socat "$PY" "$RELAY"

between() { # name low high actual
	if [ "$4" -ge "$2" ] 2>/dev/null && [ "$4" -le "$3" ]; then ok "$1 ($4)"; else fail "$1" "$2..$3" "$4"; fi
}
field() { # name line: the value of name=value in line
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The writer and reader: sends N_AB random bytes into A1 and N_BA into B2 (all at once, or
# in frames of FRAME bytes GAP ms apart) while reading both ends, until everything arrived
# or the line has been quiet for 300 ms. It keeps what arrived in OUT.ab and OUT.ba and
# prints, a direction a line: how much was sent and received, how many bytes differ (-1 if
# the lengths differ), whether what arrived is what was sent less some bytes, in order, and
# the times from the first write and from the first byte received to the last, and, sent in
# frames and all received, the median and largest time from writing a frame to its last byte
# arriving.
cat >"$tmp/xfer.py" <<'EOF'
import os, random, select, sys, termios, time, tty
a, b, out = sys.argv[1], sys.argv[2], sys.argv[7]
n = {"ab": int(sys.argv[3]), "ba": int(sys.argv[4])}
frame, gap = int(sys.argv[5]), float(sys.argv[6]) / 1000

def opn(path):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIOFLUSH)
    return fd

fd = {"ab": opn(a), "ba": opn(b)}       # where each direction is written
rx = {"ab": fd["ba"], "ba": fd["ab"]}   # and where it is read
sent = {"ab": random.Random(1).randbytes(n["ab"]), "ba": random.Random(2).randbytes(n["ba"])}
got = {k: bytearray() for k in n}
t_first, t_last, t_tx = {}, {}, {}
t_frame = {k: [] for k in n}    # when each frame was written
t_end = {k: [] for k in n}      # when each frame's last byte arrived
queue = {}
for k in n:
    size = frame or max(n[k], 1)
    queue[k] = [[i // size * gap, sent[k][i:i + size]] for i in range(0, n[k], size)]
start = last_rx = time.monotonic()
while True:
    now = time.monotonic()
    for k in n:
        while queue[k] and queue[k][0][0] <= now - start:
            t_tx.setdefault(k, now)
            try:
                w = os.write(fd[k], queue[k][0][1])
            except BlockingIOError:
                break
            queue[k][0][1] = queue[k][0][1][w:]
            if queue[k][0][1]:
                break
            queue[k].pop(0)
            t_frame[k].append(now)
    if all(len(got[k]) >= n[k] for k in n) or now - start > 20:
        break
    if not any(queue.values()) and now - last_rx > 0.3:
        break
    due = [q[0][0] + start - now for q in queue.values() if q]
    wfds = [fd[k] for k in n if queue[k] and queue[k][0][0] <= now - start]
    r, w, _ = select.select(list(rx.values()), wfds, [], max(0, min(due + [0.05])))
    now = time.monotonic()
    for k in n:
        if rx[k] in r:
            data = os.read(rx[k], 65536)
            if data:
                got[k] += data
                while frame and len(t_end[k]) < len(got[k]) // frame:
                    t_end[k].append(now)
                t_first.setdefault(k, now)
                t_last[k] = now
                last_rx = now
for k in n:
    open(out + "." + k, "wb").write(got[k])
    diff = sum(x != y for x, y in zip(sent[k], got[k])) if len(got[k]) == n[k] else -1
    it = iter(sent[k])
    inorder = int(all(c in it for c in got[k]))
    us = lambda t0: int((t_last[k] - t0) * 1e6) if k in t_last else -1
    lat = sorted(e - f for f, e in zip(t_frame[k], t_end[k])) if frame and diff == 0 else []
    lat = lat or [-1e-6]
    print(k, "sent=%d got=%d diff=%d inorder=%d total_us=%d span_us=%d frame_us=%d frame_max_us=%d"
          % (n[k], len(got[k]), diff, inorder, us(t_tx.get(k, 0)), us(t_first.get(k, 0)),
             lat[len(lat) // 2] * 1e6, lat[-1] * 1e6))
EOF

xfer() { # n_ab n_ba frame gap_ms out: sets $ab and $ba to the helper's two lines
	out=$(timeout 30 "$PY" "$tmp/xfer.py" "$tmp/A1" "$tmp/B2" "$@" 2>&1)
	ab=$(echo "$out" | sed -n 's/^ab //p')
	ba=$(echo "$out" | sed -n 's/^ba //p')
	[ -n "$ab" ] && [ -n "$ba" ] || echo "    xfer: $out"
}

start_socat() { # pair: A or B; sets socat_a or socat_b
	rm -f "$tmp/${1}1" "$tmp/${1}2"
	socat -d -d pty,raw,echo=0,link="$tmp/${1}1" pty,raw,echo=0,link="$tmp/${1}2" \
		2>"$tmp/socat$1.log" &
	eval "socat_$(echo "$1" | tr AB ab)=$!"
	pids="$pids $!"
	wait_for 5000 test -e "$tmp/${1}1" && wait_for 5000 test -e "$tmp/${1}2"
}

start_relay() { # options...
	: >"$tmp/relay.out"
	"$RELAY" --a "$tmp/A2" --b "$tmp/B1" "$@" >"$tmp/relay.out" 2>"$tmp/relay.err" &
	relay_pid=$!
	pids="$pids $!"
	wait_for 5000 relay_started && grep -q '^ready' "$tmp/relay.out"
}
relay_started() { grep -q '^ready' "$tmp/relay.out" || ! alive "$relay_pid"; }

# The relay's counters, freshly printed on SIGUSR1.
counters() {
	before=$(grep -c '^counters' "$tmp/relay.out")
	kill -USR1 "$relay_pid"
	wait_for 5000 counted_more "$before" || return 1
	grep '^counters' "$tmp/relay.out" | tail -1
}
counted_more() { [ "$(grep -c '^counters' "$tmp/relay.out")" -gt "$1" ]; }

# Stops the relay with SIGTERM; it must exit 0 after printing its counters.
stop_relay() { # name
	stop "$relay_pid"
	rc=$stop_rc
	if [ "$rc" -eq 0 ] && tail -1 "$tmp/relay.out" | grep -q '^counters'; then
		ok "$1: SIGTERM prints the counters, exit 0"
	else
		fail "$1: SIGTERM prints the counters, exit 0" "rc 0, a counters line" \
			"rc $rc, $(tail -1 "$tmp/relay.out")"
	fi
}

# ---- bad options ----
for bad in "--corrupt 1.5" "--drop -0.1" "--truncate x" "--baud 0" "--seed -1"; do
	err=$("$RELAY" --a "$tmp/none" --b "$tmp/none" $bad 2>&1 </dev/null >/dev/null)
	check "rejects $bad with exit 2" "2" "$?"
	check "says why $bad is wrong" "1" "$(echo "$err" | grep -c "^hallq-relay: ${bad%% *} wants")"
done
"$RELAY" --a "$tmp/none" >/dev/null 2>&1
check "rejects a missing --b with exit 2" "2" "$?"

if ! start_socat A || ! start_socat B; then
	fail "socat made the two pty pairs" "links A1 A2 B1 B2" "$(cat "$tmp"/socat*.log)"
	echo "relay: $passed passed, $failed failed"
	exit 1
fi
ok "socat made the two pty pairs"

# ---- no faults ----
if start_relay; then
	ok "the relay says ready"
	# What the virtual line costs by itself: 16-byte frames through two socats and the relay.
	xfer 800 0 16 12 "$tmp/frames"
	check "50 frames of 16 bytes intact" "sent=800 got=800 diff=0" "$(echo "$ab" | cut -d' ' -f1-3)"
	echo "    no pacing: a 16-byte frame takes $(field frame_us "$ab") us median," \
		"$(field frame_max_us "$ab") us at most, writer to reader; relay" \
		"$(counters | cut -d' ' -f10-)"
	xfer 10000 10000 0 0 "$tmp/clean"
	check "A to B: 10000 bytes intact, in order" "sent=10000 got=10000 diff=0 inorder=1" \
		"$(echo "$ab" | cut -d' ' -f1-4)"
	check "B to A: 10000 bytes intact, in order" "sent=10000 got=10000 diff=0 inorder=1" \
		"$(echo "$ba" | cut -d' ' -f1-4)"
	c=$(counters)
	check "counters: all forwarded, nothing lost" \
		"a_to_b=10800 b_to_a=10000 corrupted=0 dropped=0 truncated=0 truncated_bytes=0 lost_away=0 reopens=0" \
		"$(echo "$c" | cut -d' ' -f2-9)"
	stop_relay "no faults"
else
	fail "the relay says ready" ready "$(cat "$tmp/relay.err")"
fi

# ---- corruption: about 1%, the same twice from the same seed ----
for run in 1 2; do
	if ! start_relay --seed 7 --corrupt 0.01 --quiet; then
		fail "corrupt run $run: ready" ready "$(cat "$tmp/relay.err")"
		continue
	fi
	xfer 10000 10000 0 0 "$tmp/corrupt$run"
	c=$(counters)
	stop_relay "corrupt run $run"
	[ "$run" = 2 ] && break
	dab=$(field diff "$ab")
	dba=$(field diff "$ba")
	between "corrupt 0.01: differing bytes A to B of 10000" 50 150 "$dab"
	between "corrupt 0.01: differing bytes B to A of 10000" 50 150 "$dba"
	check "corrupt: the counter is the bytes that differ" "$((dab + dba))" "$(field corrupted "$c")"
	check "corrupt: nothing else lost" "a_to_b=10000 b_to_a=10000 dropped=0" \
		"a_to_b=$(field a_to_b "$c") b_to_a=$(field b_to_a "$c") dropped=$(field dropped "$c")"
done
if cmp -s "$tmp/corrupt1.ab" "$tmp/corrupt2.ab" && cmp -s "$tmp/corrupt1.ba" "$tmp/corrupt2.ba"; then
	ok "corrupt: the same seed and input give the same output"
else
	fail "corrupt: the same seed and input give the same output" "the same bytes twice" "$ab / $ba"
fi

# ---- drops ----
if start_relay --seed 3 --drop 0.05 --quiet; then
	xfer 10000 10000 0 0 "$tmp/drop"
	c=$(counters)
	lost=$((20000 - $(field got "$ab") - $(field got "$ba")))
	check "drop: what arrived is what was sent less some bytes, in order" "1 1" \
		"$(field inorder "$ab") $(field inorder "$ba")"
	check "drop: the counter is the bytes that went missing" "$lost" "$(field dropped "$c")"
	between "drop 0.05: bytes lost of 20000" 800 1200 "$lost"
	check "drop: the others forwarded" "$((20000 - lost))" \
		"$(($(field a_to_b "$c") + $(field b_to_a "$c")))"
	stop_relay "drop"
else
	fail "drop: ready" ready "$(cat "$tmp/relay.err")"
fi

# ---- truncation: 200 frames of 16 bytes each way, 4 ms apart ----
if start_relay --seed 5 --truncate 0.3 --quiet; then
	xfer 3200 3200 16 4 "$tmp/trunc"
	c=$(counters)
	lost=$((6400 - $(field got "$ab") - $(field got "$ba")))
	check "truncate: what arrived is what was sent less some bytes, in order" "1 1" \
		"$(field inorder "$ab") $(field inorder "$ba")"
	check "truncate: the counter is the bytes that went missing" "$lost" \
		"$(field truncated_bytes "$c")"
	between "truncate 0.3: bursts cut of 400" 80 160 "$(field truncated "$c")"
	# A cut keeps 1 to 15 bytes of a 16-byte frame, so it loses 1 to 15.
	t=$(field truncated "$c")
	between "truncate: bytes lost per burst cut, times 10" 10 150 "$((lost * 10 / (t + (t == 0))))"
	check "truncate: no bytes dropped one by one" "0" "$(field dropped "$c")"
	stop_relay "truncate"
else
	fail "truncate: ready" ready "$(cat "$tmp/relay.err")"
fi

# ---- pacing: 1000 bytes take 1000 * 11 / baud seconds ----
for baud in 19200 115200; do
	if ! start_relay --baud "$baud" --quiet; then
		fail "baud $baud: ready" ready "$(cat "$tmp/relay.err")"
		continue
	fi
	xfer 1000 0 0 0 "$tmp/baud$baud"
	c=$(counters)
	ideal=$((1000 * 11 * 1000000 / baud))
	total=$(field total_us "$ab")
	check "baud $baud: 1000 bytes intact" "sent=1000 got=1000 diff=0" "$(echo "$ab" | cut -d' ' -f1-3)"
	between "baud $baud: 1000 bytes in 0.95x..1.5x of $ideal us" \
		$((ideal * 95 / 100)) $((ideal * 150 / 100)) "$total"
	echo "    baud $baud: 1000 bytes in $total us from the write, first to last byte" \
		"$(field span_us "$ab") us (ideal $ideal and $((ideal * 999 / 1000)));" \
		"relay $(echo "$c" | cut -d' ' -f10-)"

	# Frames one way at a time, as on a half-duplex line: the time a frame takes is what a
	# poll-cycle benchmark adds up. Reported, and checked loosely: the ptys add their own.
	xfer 800 0 16 12 "$tmp/frames$baud"
	ideal=$((16 * 11 * 1000000 / baud))
	check "baud $baud: 50 frames of 16 bytes intact" "sent=800 got=800 diff=0" "$(echo "$ab" | cut -d' ' -f1-3)"
	between "baud $baud: median frame in 0.95x..1.5x of $ideal us + 3 ms" \
		$((ideal * 95 / 100)) $((ideal * 150 / 100 + 3000)) "$(field frame_us "$ab")"
	c=$(counters)
	echo "    baud $baud: a 16-byte frame takes $(field frame_us "$ab") us median," \
		"$(field frame_max_us "$ab") us at most (ideal $ideal); relay, all runs so far:" \
		"$(echo "$c" | cut -d' ' -f10-)"
	stop_relay "baud $baud"
done

# ---- unplug and replug side A ----
if start_relay; then
	stop "$socat_a"
	if wait_for 5000 grep -q "side A ($tmp/A2) went away" "$tmp/relay.err"; then
		ok "unplug: the relay says side A went away"
	else
		fail "unplug: the relay says side A went away" "side A ($tmp/A2) went away" "$(cat "$tmp/relay.err")"
	fi
	alive "$relay_pid" && ok "unplug: the relay still runs" ||
		fail "unplug: the relay still runs" "running" "ended"
	check "unplug: one line about it" "1" "$(grep -c 'side A' "$tmp/relay.err")"

	# Bytes for the side that is away are counted as lost there.
	"$PY" -c 'import os, sys; os.write(os.open(sys.argv[1], os.O_WRONLY | os.O_NOCTTY), b"0123456789")' "$tmp/B2"
	j=0
	while [ "$(field lost_away "$(counters)")" != 10 ] && [ $j -lt 100 ]; do
		j=$((j + 1))
		sleep 0.02
	done
	check "unplug: 10 bytes sent to the away side are counted lost" "10" \
		"$(field lost_away "$(counters)")"

	if start_socat A && wait_for 5000 grep -q "side A ($tmp/A2) is back" "$tmp/relay.err"; then
		ok "replug: the relay says side A is back"
		xfer 1000 1000 0 0 "$tmp/replug"
		check "replug: bytes flow again A to B" "sent=1000 got=1000 diff=0 inorder=1" \
			"$(echo "$ab" | cut -d' ' -f1-4)"
		check "replug: bytes flow again B to A" "sent=1000 got=1000 diff=0 inorder=1" \
			"$(echo "$ba" | cut -d' ' -f1-4)"
		check "replug: one reopen counted" "1" "$(field reopens "$(counters)")"
	else
		fail "replug: the relay says side A is back" "side A ($tmp/A2) is back" "$(cat "$tmp/relay.err")"
	fi
	stop_relay "unplug"
else
	fail "unplug: ready" ready "$(cat "$tmp/relay.err")"
fi

echo "relay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
