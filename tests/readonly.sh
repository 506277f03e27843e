#!/bin/sh
# hallq's read commands (state, stats, events, ticket) against a live hall: they open the
# database read-only and never close its day, whatever their clock says. hallqd runs the hall
# on a simulated day; the read commands run on a later day, an earlier one and the machine's
# own clock, and the database and its WAL must stay byte for byte the same, no day_closed
# event may appear, and hallqd must still call the tickets that wait. Ends with
# "readonly: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

need "make tests builds the programs; Debian packages curl python3" "$HALLQD" "$HALLQ" curl "$PY"
make_tmp
TZ=Asia/Shanghai
export TZ
unset HALLQ_NOW HALLQ_DB

{
	printf '[hall]\nname = 测试大厅\n\n'
	service_ini a A 综合 General mon-sun
	printf '[counter 1]\nservices = a\n'
} >"$tmp/hall.ini"
HALLQ_NOW="2026-11-25 09:00" init_db
KIOSK=kiosk-token-0123456789
CTR=counter1-token-0123456789
write_tokens "kiosk $KIOSK" "counter:1 $CTR"

# hallqd on 2026-11-25 (a Wednesday) by its simulated clock, on a free port of our range.
port=$((30000 + $$ % 4000 * 2))
H=http://127.0.0.1:$port
hallqd_log=$tmp/hallqd.log
for _ in 1 2 3 4 5; do
	"$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "127.0.0.1:$port" --tokens "$tmp/tokens" \
		--clock "2026-11-25 09:00" >"$hallqd_log" 2>&1 &
	hallqd_pid=$!
	pids="$pids $hallqd_pid"
	wait_for 10000 hallqd_ready && alive "$hallqd_pid" && break
	stop "$hallqd_pid"
	port=$((port + 2))
	H=http://127.0.0.1:$port
done
alive "$hallqd_pid" || give_up "hallqd did not start: $(tail -3 "$hallqd_log")"
logs="$hallqd_log"

post() { # token path [body]
	curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' ${3:+-d "$3"} "$H$2"
}
for _ in 1 2 3; do post "$KIOSK" /api/v1/tickets '{"service":"a"}' >/dev/null; done
check "hallqd calls A001 on its day" 200 "$(post "$CTR" /api/v1/counters/1/call-next)"

# What a writer would change: the database, its WAL, the events and the waiting tickets.
sums() { cat "$DB" "$DB-wal" 2>/dev/null | sha256sum | cut -d' ' -f1; }
waiting() {
	curl -s -m 5 -H "Authorization: Bearer $KIOSK" "$H/api/v1/hall" | "$PY" -c '
import json, sys
print(sum(s["waiting"] for s in json.load(sys.stdin)["services"]))'
}
before=$(sums)
check "two tickets wait" 2 "$(waiting)"

# Each read command, on each clock: a later day, an earlier one, and the machine's (whatever
# date it is, it is not the hall's simulated one, or it is: both must leave the file alone).
for clock in "2026-12-01 10:00" "2026-11-20 08:00" ""; do
	what=${clock:-the machine clock}
	for cmd in "state" "state --json" "stats" "stats --by counter --csv" "events" "events --json" \
		"ticket A002" "ticket A001 --json"; do
		# shellcheck disable=SC2086
		if HALLQ_NOW=$clock "$HALLQ" $cmd --db "$DB" >"$tmp/out" 2>"$tmp/err"; then
			ok "hallq $cmd at $what: exit 0"
		else
			fail "hallq $cmd at $what: exit 0" 0 "$(cat "$tmp/err")"
		fi
	done
	check "at $what: the database and its WAL are unchanged" "$before" "$(sums)"
done
HALLQ_NOW="2026-12-01 10:00" "$HALLQ" events --db "$DB" >"$tmp/events"
check "no day_closed event" 0 "$(grep -c day_closed "$tmp/events")"
HALLQ_NOW="2026-12-01 10:00" "$HALLQ" state --db "$DB" >"$tmp/state"
check "state on a later clock still shows the hall's two waiting" 1 "$(grep -c '^a .* 2 ' "$tmp/state")"
check "hallqd still has two waiting" 2 "$(waiting)"
check "hallqd still calls A002" 200 "$(post "$CTR" /api/v1/counters/1/call-next)"

# A write command on a later clock is a writer: it closes the hall's day, as it should.
HALLQ_NOW="2026-12-01 10:00" "$HALLQ" pause 1 --db "$DB" >/dev/null 2>&1
check "a write command (pause) on a later day closes the old one" 1 \
	"$(HALLQ_NOW="2026-12-01 10:00" "$HALLQ" events --db "$DB" | grep -c day_closed)"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
