#!/bin/sh
# `make run` at any hour: tools/run-hall runs the demo hall on the real clock while the
# sample hall is open, and otherwise on a simulated clock from its next opening, at real
# speed, saying so in its first lines; HALLQ_CLOCK overrides. run-hall's dry mode
# (HALLQ_DRY=1) stops after that decision, which `hallq hours` makes on HALLQ_NOW's clock.
# Also `hallq hours` itself. Ends with "demo-clock: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
need "make tests builds hallq" "$HALLQ"
make_tmp
TZ=Asia/Shanghai
export TZ
unset HALLQ_CLOCK HALLQ_SPEED HALLQ_DB

dry() { # now
	HALLQ_RUN=$tmp/run HALLQ_DRY=1 HALLQ_NOW=$1 tools/run-hall 2>&1
}
clock_of() { dry "$1" | sed -n 's/^clock: //p'; }

# The sample hall: weekdays 09:00-12:00 and 13:30-17:00 for most services (enquiry and the
# green channel from 08:30 to 17:30), a Saturday service 09:00-12:00.
check "a weekday at 10:00: the real clock" "real speed 1" "$(clock_of "2026-11-25 10:00")"
check "a weekday at 16:59: the real clock" "real speed 1" "$(clock_of "2026-11-25 16:59")"
check "a Sunday evening: Monday 09:00, real speed" "2026-11-23 09:00 speed 1" "$(clock_of "2026-11-22 20:30")"
check "a Monday at 00:00:30: 09:00 that day" "2026-11-23 09:00 speed 1" "$(clock_of "2026-11-23 00:00:30")"
check "a weekday at 08:40 (only two services open): 09:00" "2026-11-25 09:00 speed 1" "$(clock_of "2026-11-25 08:40")"
check "lunch: 13:30" "2026-11-25 13:30 speed 1" "$(clock_of "2026-11-25 12:30")"
check "Friday 17:10: Monday 09:00" "2026-11-30 09:00 speed 1" "$(clock_of "2026-11-27 17:10")"
check "Saturday 10:00 (one service of eleven): Monday 09:00" "2026-11-30 09:00 speed 1" \
	"$(clock_of "2026-11-28 10:00")"
out=$(dry "2026-11-22 20:30")
check "the first line says so" 1 "$(echo "$out" | head -n 1 | grep -c "outside the hall's opening hours (2026-11-22 20:30)")"
check "and names the clock it runs on" 1 "$(echo "$out" | grep -c 'simulated clock from')"
check "HALLQ_CLOCK overrides it" "2026-11-23 08:30 speed 60" \
	"$(HALLQ_CLOCK="2026-11-23 08:30" HALLQ_SPEED=60 clock_of "2026-11-22 20:30")"
check "nothing said when the hall is open" "" "$(dry "2026-11-25 10:00" | grep -v '^clock:')"

# hallq hours on the sample config and on the database run-hall made from it.
H_NOW="2026-11-22 20:30"
out=$(HALLQ_NOW=$H_NOW "$HALLQ" hours --config assets/halls/county-centre.ini)
check "hallq hours lists the eleven services" 11 "$(echo "$out" | grep -cE '^[a-z-]+ +(open|-) ')"
check "hallq hours: its last line" "now 2026-11-22 20:30: 0 of 11 services open; the hall opens 2026-11-23 09:00" \
	"$(echo "$out" | tail -n 1)"
check "hallq hours: a service's hours and days" 1 \
	"$(echo "$out" | grep -c '^realestate .*09:00-12:00, 13:30-16:30 .*mon,tue,wed,thu,fri')"
check "hallq hours --next from the database" "2026-11-23 09:00" \
	"$(HALLQ_NOW=$H_NOW "$HALLQ" hours --db "$tmp/run/hall.db" --next)"
check "hallq hours --next while open" now \
	"$(HALLQ_NOW="2026-11-25 10:00" "$HALLQ" hours --config assets/halls/county-centre.ini --next)"
printf '[hall]\nname = x\n\n[service a]\nname = A\nprefix = A\nhours = 09:00-12:00\ndays = mon\n\n[counter 1]\nservices = a\n' \
	>"$tmp/one.ini"
check "a hall open on Mondays only: from a Tuesday, next Monday" "2026-11-30 09:00" \
	"$(HALLQ_NOW="2026-11-24 10:00" "$HALLQ" hours --config "$tmp/one.ini" --next)"
"$HALLQ" hours >"$tmp/out" 2>&1
check "hallq hours without a config or a database: usage error" 2 "$?"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
