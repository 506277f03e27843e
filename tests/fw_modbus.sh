#!/bin/sh
# The counter-unit firmware checked by independent masters: hallq-unit-sim (the firmware in
# firmware-proto/fw with a host HAL) runs units 1-3 on one end of a socat pty pair, and
# mbpoll and python3-pymodbus, on the other end, read its identity and registers and write
# its display exactly as firmware-proto/PROTOCOL.md says; unit 2 has five evaluator keys,
# and a sign-in's three events are read back. Then the same over Modbus TCP, and the plain
# protocol's example frames over a pty (on a second line: the five-key unit's, the
# sign-in's and the sign-out's). Nothing sleeps blindly: each step
# waits for its sign (the pty links, the sim's "ready" line, a line of its output), with a
# deadline, and everything started is stopped by its PID.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
SIM=${SIM:-$BUILD/hallq-unit-sim}

make_tmp
trap 'exec 3>&- 2>/dev/null; cleanup' EXIT     # the units' keys (fd 3) closed first
need "Debian packages socat mbpoll python3-pymodbus python3-serial-asyncio; make builds hallq-unit-sim" \
	socat mbpoll "$SIM"
$PY -c 'import pymodbus.client, serial' 2>/dev/null ||
	give_up "python3-pymodbus (with python3-serial-asyncio) is missing for $PY"

contains() { # name needle haystack
	case "$3" in *"$2"*) ok "$1" ;; *) fail "$1" "...$2..." "$3" ;; esac
}

# A pty pair: the sim on A, the masters on B.
start_line() { # name
	socat pty,raw,echo=0,link="$tmp/$1A" pty,raw,echo=0,link="$tmp/$1B" 2>"$tmp/$1.socat" &
	pids="$pids $!"
	wait_for 5000 test -e "$tmp/$1A" && wait_for 5000 test -e "$tmp/$1B"
}

# The sim, keys from a fifo on fd 3, output in $tmp/sim.out.
start_sim() { # bus [options]
	mkfifo "$tmp/keys"
	"$SIM" --bus "$1" --address 1-3 ${2:-} <"$tmp/keys" >"$tmp/sim.out" 2>&1 &
	pids="$pids $!"
	exec 3>"$tmp/keys"
	wait_for 5000 grep -q '^ready' "$tmp/sim.out"
}

stop_all() {
	exec 3>&-
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=""
	rm -f "$tmp/keys"
}

# mbpoll's values only, space-separated.
mbread() {
	timeout 10 mbpoll -1 -0 -o 1 "$@" 2>&1 | sed -n 's/^\[[0-9]*\]:[[:space:]]*//p' | tr -d '\r' | tr '\n' ' ' | sed 's/ $//'
}

# ---- Modbus RTU over a pty pair ----
if ! start_line rtu; then
	fail "socat made the pty pair" "links rtuA rtuB" "$(cat "$tmp/rtu.socat")"
else
	ok "socat made the pty pair"
	if ! start_sim "modbus-rtu:$tmp/rtuA:19200" "--evaluator 5:2"; then
		fail "the sim started on the RTU line" ready "$(cat "$tmp/sim.out")"
	else
		ok "the sim started on the RTU line"
		DEV="$tmp/rtuB"
		RTU="-m rtu -P none -b 19200"

		out=$(timeout 10 mbpoll $RTU -a 3 -u -o 1 "$DEV" 2>&1)
		contains "mbpoll: report server id string" "Data  : hallq-unit/1 fw=0.2 caps=keys,sat,display" "$out"
		contains "mbpoll: server id 0x01" "Id    : 0x01" "$out"
		contains "mbpoll: run indicator on" "Status: On" "$out"

		check "mbpoll: version and capabilities" "1 7" "$(mbread $RTU -a 3 -t 3 -r 0 -c 2 "$DEV")"
		check "mbpoll: nothing pending, BOOT set" "1 0" "$(mbread $RTU -a 3 -t 3 -r 7 -c 2 "$DEV")"

		echo "3 call" >&3
		echo "3 transfer 5" >&3
		echo "2 rate 3" >&3 # no finish before: no event
		wait_for 5000 grep -q 'unit 3: key recorded (pending 2)' "$tmp/sim.out" &&
			wait_for 5000 grep -q 'unit 2: key refused' "$tmp/sim.out"
		check "mbpoll: two events in the window" "1 2 1 1 0 2 7 5 0 0 0" \
			"$(mbread $RTU -a 3 -t 3 -r 7 -c 11 "$DEV")"
		check "mbpoll: a rating without a finish made no event" "0" "$(mbread $RTU -a 2 -t 3 -r 8 -c 1 "$DEV")"

		# A non-zero ack while BOOT is set changes nothing; ack 0 clears BOOT; then ack 1.
		mbread $RTU -a 3 -t 4 -r 0 "$DEV" -- 1 >/dev/null
		check "mbpoll: ack before BOOT is cleared drops nothing" "1 2" "$(mbread $RTU -a 3 -t 3 -r 7 -c 2 "$DEV")"
		mbread $RTU -a 3 -t 4 -r 0 "$DEV" -- 0 >/dev/null
		mbread $RTU -a 3 -t 4 -r 0 "$DEV" -- 1 >/dev/null
		check "mbpoll: ack 1 drops exactly event 1" "0 1 2 7 5" "$(mbread $RTU -a 3 -t 3 -r 7 -c 5 "$DEV")"
		mbread $RTU -a 3 -t 4 -r 0 "$DEV" -- 1 >/dev/null
		check "mbpoll: a repeated ack changes nothing" "1 2" "$(mbread $RTU -a 3 -t 3 -r 8 -c 2 "$DEV")"

		# Display "A012" (0x4130 0x3132), open, 5 waiting, brightness 80.
		mbread $RTU -a 3 -t 4 -r 1 "$DEV" -- 16688 12594 0 0 0 5 80 >/dev/null
		wait_for 5000 grep -q 'unit 3: display "A012" waiting 5 brightness 80' "$tmp/sim.out" &&
			ok "mbpoll: the display shows A012" ||
			fail "mbpoll: the display shows A012" 'unit 3: display "A012" ...' "$(tail -3 "$tmp/sim.out")"
		check "mbpoll: holding registers read back" "1 16688 12594 0 0 0 5 80" \
			"$(mbread $RTU -a 3 -t 4 -r 0 -c 8 "$DEV")"

		out=$(timeout 10 mbpoll $RTU -a 3 -t 4 -r 5 -1 -0 -o 1 "$DEV" -- 3 2>&1)
		contains "mbpoll: state 3 is illegal data value" "Illegal data value" "$out"
		out=$(timeout 10 mbpoll $RTU -a 3 -t 3 -r 64 -1 -0 -o 1 "$DEV" 2>&1)
		contains "mbpoll: register 0x40 is illegal data address" "Illegal data address" "$out"
		out=$(timeout 10 mbpoll $RTU -a 3 -t 0 -r 0 -1 -0 -o 1 "$DEV" 2>&1)
		contains "mbpoll: read coils is illegal function" "Illegal function" "$out"
		out=$(timeout 10 mbpoll $RTU -a 9 -t 3 -r 0 -1 -0 -o 0.2 "$DEV" 2>&1)
		contains "mbpoll: an absent unit is silent" "timed out" "$out"

		# pymodbus, a second independent master.
		echo "1 finish" >&3
		wait_for 5000 grep -q 'unit 1: key recorded (pending 1)' "$tmp/sim.out"
		out=$(timeout 20 $PY - "$DEV" <<'EOF' 2>&1
import sys
from pymodbus.client import ModbusSerialClient
from pymodbus.other_message import ReportSlaveIdRequest
def server_id(c, unit):
    # The request's unit field is named differently across pymodbus versions.
    req = ReportSlaveIdRequest()
    for a in ("unit_id", "slave_id", "dev_id"):
        setattr(req, a, unit)
    return c.execute(req)
c = ModbusSerialClient(port=sys.argv[1], baudrate=19200, parity="N", stopbits=1, timeout=1)
assert c.connect()
r = server_id(c, 1)
# pymodbus 3.0 returns all the data after the byte count as "identifier" (and reads
# "status" from the last byte), so the spec's order is checked on the raw bytes.
print("ident", r.identifier[:2].hex(), r.identifier[2:].decode("ascii"))
r = c.read_input_registers(7, 5, slave=1)
print("poll", *r.registers)
r = c.write_registers(8, [0x6B04, 0x0540], slave=1)
r = c.read_holding_registers(8, 2, slave=1)
print("clock", (r.registers[0] << 16 | r.registers[1]) - 1795425600 <= 1)
r = c.write_register(0, 0, slave=1)
r = c.write_register(0, 1, slave=1)
print("after ack", *c.read_input_registers(7, 2, slave=1).registers)
r = c.read_input_registers(0x21, 1, slave=1)
print("exception", r.isError(), getattr(r, "exception_code", None))
r = c.write_register(7, 101, slave=1)
print("exception", r.isError(), getattr(r, "exception_code", None))
c.close()
EOF
)
		contains "pymodbus: report server id" "ident 01ff hallq-unit/1 fw=0.2 caps=keys,sat,display" "$out"
		contains "pymodbus: finish event, satisfaction keys open" "poll 5 1 1 5 0" "$out"
		contains "pymodbus: clock written and read back" "clock True" "$out"
		contains "pymodbus: ack 0 then 1 leaves nothing, BOOT clear, SAT_OPEN" "after ack 4 0" "$out"
		contains "pymodbus: illegal data address" "exception True 2" "$out"
		contains "pymodbus: illegal data value" "exception True 3" "$out"

		# Unit 2 has five evaluator keys (--evaluator 5:2): its identity says so, in the
		# capability bits and in the string, and its ratings go up to 5 (PROTOCOL.md 5.2).
		check "mbpoll: unit 2's capabilities, five evaluator keys" "15" "$(mbread $RTU -a 2 -t 3 -r 1 -c 1 "$DEV")"
		check "mbpoll: unit 1's capabilities, three" "7" "$(mbread $RTU -a 1 -t 3 -r 1 -c 1 "$DEV")"
		out=$(timeout 10 mbpoll $RTU -a 2 -u -o 1 "$DEV" 2>&1)
		contains "mbpoll: unit 2's server id string" "Data  : hallq-unit/1 fw=0.2 caps=keys,sat,sat5,display" "$out"
		echo "2 finish" >&3
		echo "2 rate 5" >&3
		wait_for 5000 grep -q 'unit 2: key recorded (pending 2)' "$tmp/sim.out"
		check "mbpoll: a five-key unit's rating 5 (key 10, argument 5)" "1 2 1 5 0 2 10 5" \
			"$(mbread $RTU -a 2 -t 3 -r 7 -c 8 "$DEV")"

		# The sign-in (PROTOCOL.md 5.4), read by pymodbus: the id, then the PIN's two halves,
		# the leading zero kept; one acknowledgement of the last drops all three.
		mbread $RTU -a 2 -t 4 -r 0 "$DEV" -- 0 >/dev/null
		mbread $RTU -a 2 -t 4 -r 0 "$DEV" -- 2 >/dev/null
		echo "2 signin 1024 012345" >&3
		wait_for 5000 grep -q 'unit 2: key recorded (pending 3)' "$tmp/sim.out"
		out=$(timeout 20 $PY - "$DEV" <<'EOF' 2>&1
import sys
from pymodbus.client import ModbusSerialClient
c = ModbusSerialClient(port=sys.argv[1], baudrate=19200, parity="N", stopbits=1, timeout=1)
assert c.connect()
r = c.read_input_registers(7, 11, slave=2).registers
print("signin", r[0], r[1], *("%d/%d/0x%04X" % tuple(r[i:i + 3]) for i in (2, 5, 8)))
c.write_register(0, 5, slave=2)
print("after ack", *c.read_input_registers(7, 5, slave=2).registers)
c.close()
EOF
)
		contains "pymodbus: the sign-in's three events" "signin 0 3 3/11/0x0400 4/12/0x6012 5/12/0x0345" "$out"
		contains "pymodbus: acknowledged whole, the window empty" "after ack 0 0 0 0 0" "$out"
		grep -q 'unit 2: display "P------"' "$tmp/sim.out" && ! grep -q 'display "[^"]*012345' "$tmp/sim.out" &&
			ok "the sim showed the PIN masked" ||
			fail "the sim showed the PIN masked" 'display "P------", never the digits' "$(grep 'unit 2: display' "$tmp/sim.out" | tail -5)"
	fi
	stop_all
fi

# ---- Modbus TCP ----
port=$(( 20000 + $$ % 20000 ))
if ! start_sim "modbus-tcp:127.0.0.1:$port"; then
	fail "the sim listens on Modbus TCP" ready "$(cat "$tmp/sim.out")"
else
	ok "the sim listens on Modbus TCP"
	check "mbpoll tcp: version and capabilities" "1 7" "$(mbread -m tcp -p $port -a 2 -t 3 -r 0 -c 2 127.0.0.1)"
	echo "2 recall" >&3
	wait_for 5000 grep -q 'unit 2: key recorded' "$tmp/sim.out"
	check "mbpoll tcp: the event" "1 1 1 2 0" "$(mbread -m tcp -p $port -a 2 -t 3 -r 7 -c 5 127.0.0.1)"
	out=$(timeout 20 $PY - "$port" <<'EOF' 2>&1
import sys
from pymodbus.client import ModbusTcpClient
from pymodbus.other_message import ReportSlaveIdRequest
def server_id(c, unit):
    # The request's unit field is named differently across pymodbus versions.
    req = ReportSlaveIdRequest()
    for a in ("unit_id", "slave_id", "dev_id"):
        setattr(req, a, unit)
    return c.execute(req)
c = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=1)
assert c.connect()
r = server_id(c, 3)
print("ident", r.identifier[:2].hex(), r.identifier[2:].decode("ascii"))
r = c.read_input_registers(0, 1, slave=7)
print("absent", r.isError(), getattr(r, "exception_code", None))
c.close()
EOF
)
	contains "pymodbus tcp: report server id" "ident 01ff hallq-unit/1 fw=0.2 caps=keys,sat,display" "$out"
	contains "pymodbus tcp: an absent unit is gateway exception 0x0B" "absent True 11" "$out"
	stop_all
fi

# ---- the plain protocol's example frames over a pty ----
if start_line plain && start_sim "plain:$tmp/plainA:19200"; then
	ok "the sim started on a plain line"
	echo "3 call" >&3
	wait_for 5000 grep -q 'unit 3: key recorded' "$tmp/sim.out"
	out=$(timeout 20 $PY - "$tmp/plainB" <<'EOF' 2>&1
import sys, serial
s = serial.Serial(sys.argv[1], 19200, timeout=0.5)
def tx(h):
    s.write(bytes.fromhex(h))
    return s.read(100).hex(" ").upper()
print("ident", tx("A5 03 01 00 80 50"))
print("poll", tx("A5 03 02 02 00 00 C0 78"))
print("ack", tx("A5 03 02 02 00 01 01 B8"))
print("show", tx("A5 03 03 0C 41 30 31 32 00 00 00 00 00 00 05 50 0D BA"))
print("bad", tx("A5 03 01 00 80 51") or "silence")
EOF
)
	contains "plain: IDENT reply as in PROTOCOL.md" "ident A5 03 81 2B 01 07 68 61" "$out"
	contains "plain: POLL reply as in PROTOCOL.md" "poll A5 03 82 07 00 01 00 01 01 00 00 E8 A5" "$out"
	contains "plain: POLL with ack as in PROTOCOL.md" "ack A5 03 82 02 00 00 E9 B8" "$out"
	contains "plain: SHOW reply as in PROTOCOL.md" "show A5 03 83 00 E0 F0" "$out"
	contains "plain: bad CRC is silence" "bad silence" "$out"
	wait_for 5000 grep -q 'unit 3: display "A012" waiting 5 brightness 80' "$tmp/sim.out" &&
		ok "plain: the display shows A012" ||
		fail "plain: the display shows A012" 'unit 3: display "A012" ...' "$(tail -3 "$tmp/sim.out")"
else
	fail "the sim started on a plain line" ready "$(cat "$tmp/plain.socat" "$tmp/sim.out" 2>/dev/null)"
fi
stop_all

# ---- the plain frames of the five-key unit and the sign-in, over a pty ----
if start_line plain5 && start_sim "plain:$tmp/plain5A:19200" "--evaluator 5:2"; then
	ok "the sim started on a second plain line"
	echo "3 signin 1024 012345" >&3
	echo "2 finish" >&3
	echo "2 rate 4" >&3
	wait_for 5000 grep -q 'unit 3: key recorded (pending 3)' "$tmp/sim.out" &&
		wait_for 5000 grep -q 'unit 2: key recorded (pending 2)' "$tmp/sim.out"
	out=$(timeout 20 $PY - "$tmp/plain5B" <<'EOF' 2>&1
import sys, serial
s = serial.Serial(sys.argv[1], 19200, timeout=0.5)
def tx(h):
    s.write(bytes.fromhex(h))
    return s.read(100).hex(" ").upper()
print("ident5", tx("A5 02 01 00 D1 90"))
print("rate4", tx("A5 02 02 02 00 00 FD B8"))
print("signin", tx("A5 03 02 02 00 00 C0 78"))
print("acked", tx("A5 03 02 02 00 03 80 79"))
EOF
)
	contains "plain: a five-key unit's IDENT as in PROTOCOL.md" "ident5 A5 02 81 30 01 0F 68 61 6C 6C 71 2D 75 6E 69 74 2F 31 20 66 77 3D 30 2E 32 20 63 61 70 73 3D 6B 65 79 73 2C 73 61 74 2C 73 61 74 35 2C 64 69 73 70 6C 61 79 6D 1B" "$out"
	contains "plain: its rating 4 as in PROTOCOL.md" "rate4 A5 02 82 0C 00 02 00 01 05 00 00 00 02 0A 00 04 B7 9E" "$out"
	contains "plain: a sign-in as in PROTOCOL.md" "signin A5 03 82 11 00 03 00 01 0B 04 00 00 02 0C 60 12 00 03 0C 03 45 B5 06" "$out"
	contains "plain: acknowledged whole" "acked A5 03 82 02 00 00 E9 B8" "$out"
	echo "3 signout" >&3
	wait_for 5000 grep -q 'unit 3: key recorded (pending 1)' "$tmp/sim.out"
	out=$(timeout 20 $PY - "$tmp/plain5B" <<'EOF' 2>&1
import sys, serial
s = serial.Serial(sys.argv[1], 19200, timeout=0.5)
s.write(bytes.fromhex("A5 03 02 02 00 03 80 79"))
print("signout", s.read(100).hex(" ").upper())
EOF
)
	contains "plain: a sign-out as in PROTOCOL.md" "signout A5 03 82 07 00 01 00 04 0D 00 00 28 6A" "$out"
else
	fail "the sim started on a second plain line" ready "$(cat "$tmp/plain5.socat" "$tmp/sim.out" 2>/dev/null)"
fi
stop_all

echo "fw_modbus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
