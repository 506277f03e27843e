#!/bin/sh
# Integration test of the hallq admin CLI: runs "$BUILD/hallq" (built by make, never here)
# through a day of a small test hall, with the clock fixed by HALLQ_NOW, and checks first
# lines, exit statuses, error lines and the JSON/CSV outputs. Prints one line per failure
# and ends with "cli: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
HALLQ=$BUILD/hallq
case $HALLQ in /*) ;; *) HALLQ=$(pwd)/$HALLQ ;; esac
if [ ! -x "$HALLQ" ]; then
	echo "cli: $HALLQ is not built (run make)" >&2
	echo "cli: 0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Local times below are the hall's: 2026-11-23 is a Monday.
TZ=Asia/Shanghai
HALLQ_DB=$tmp/hall.db
HALLQ_NOW="2026-11-23 09:00"
export TZ HALLQ_DB HALLQ_NOW

passed=0
failed=0

ok() {
	passed=$((passed + 1))
}

bad() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	[ -s "$tmp/out" ] && sed 's/^/    stdout: /' "$tmp/out" | head -n 5
	[ -s "$tmp/err" ] && sed 's/^/    stderr: /' "$tmp/err" | head -n 5
	return 0
}

at() {
	HALLQ_NOW=$1
}

# run ARGS...: stdout in $tmp/out, stderr in $tmp/err, status in $rc, first line in $first.
run() {
	"$HALLQ" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	first=$(head -n 1 "$tmp/out")
}

# t_ok NAME WANT ARGS...: the command succeeds and prints WANT as its first line.
t_ok() {
	name=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 0 ] && [ "$first" = "$want" ]; then ok; else
		bad "$name: want status 0 and '$want', got status $rc and '$first'"
	fi
}

# t_okre NAME ERE ARGS...: the command succeeds and its first line matches ERE.
t_okre() {
	name=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" -eq 0 ] && printf '%s\n' "$first" | grep -Eqx -- "$want"; then ok; else
		bad "$name: want status 0 and /$want/, got status $rc and '$first'"
	fi
}

# t_rc NAME STATUS PATTERN ARGS...: exits STATUS with one line on stderr matching PATTERN
# (a grep basic regular expression) and nothing on stdout.
t_rc() {
	name=$1 want=$2 pat=$3
	shift 3
	run "$@"
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$tmp/out" ] &&
	   grep -q -- "$pat" "$tmp/err"; then ok; else
		bad "$name: want status $want and stderr /$pat/, got status $rc, $lines stderr lines"
	fi
}

# t_line NAME LINE: the last command's stdout has exactly this line.
t_line() {
	if grep -qxF -- "$2" "$tmp/out"; then ok; else bad "$1: no line '$2'"; fi
}

# t_json NAME EXPR: the last stdout parses as JSON `d` and the Python expression holds.
t_json() {
	if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2" 2>"$tmp/pyerr"; then ok; else
		bad "$1: JSON check failed: $2"
		sed 's/^/    python: /' "$tmp/pyerr" | tail -n 2
	fi
}

# t_jsonl NAME EXPR: every stdout line is a JSON object; `d` is the list of them.
t_jsonl() {
	if python3 -c 'import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2" 2>"$tmp/pyerr"; then ok; else
		bad "$1: JSON lines check failed: $2"
		sed 's/^/    python: /' "$tmp/pyerr" | tail -n 2
	fi
}

# t_true NAME COMMAND...: a shell condition.
t_true() {
	name=$1
	shift
	if "$@"; then ok; else bad "$name"; fi
}

# A small hall with stable expectations: strict priority, two recalls before a no-show,
# service b capped at 3 tickets a day, service g all priority, appointments for a.
cat >"$tmp/hall.ini" <<'EOF'
[hall]
name = 测试大厅
name_en = Test Hall
priority_ratio = 0
noshow_after_recalls = 2
checkin_early_minutes = 15
checkin_late_minutes = 10
slot_minutes = 30

[service a]
name = 企业开办
prefix = A
numbers = 1-999
hours = 08:00-18:00
days = mon-sun
target_minutes = 10
max_wait_minutes = 30
appointments_per_slot = 2

[service b]
name = 不动产登记
prefix = B
numbers = 1-999
daily_cap = 3
hours = 08:00-18:00
days = mon-sun

[service g]
name = 绿色通道
prefix = G
numbers = 1-99
hours = 08:00-18:00
days = mon-sun
priority_lane = yes

[counter 1]
services = a

[counter 2]
services = a, b

[counter 3]
services = b

[counter 4]
services = g, a
EOF

# The roster: clerk 1024 (PIN 2468) in the config, its hash made by `hallq clerk hash`,
# which needs no database.
pin_hash=$(echo 2468 | HALLQ_DB= "$HALLQ" clerk hash)
printf '\n[clerk 1024]\nname = 王芳\npin = %s\n' "$pin_hash" >>"$tmp/hall.ini"

# Line 4 has a key the parser does not know.
cat >"$tmp/bad.ini" <<'EOF'
[hall]
name = 坏大厅

colour = blue
EOF

# ---- usage, help, version ----------------------------------------------------------------

version=$(sed -n 's/^VERSION *= *//p' config.mk)
t_ok "--version" "hallq $version" --version
t_ok "version" "hallq $version" version
run --help
t_true "--help exits 0" [ "$rc" -eq 0 ]
cp "$tmp/out" "$tmp/help"
for c in init issue call recall noshow start finish park transfer unpark cancel review rate ticket \
	 pause resume open close signin signout book checkin state stats events close-day reviews case \
	 report clerk; do
	t_true "--help lists $c" grep -q "^  $c " "$tmp/help"
	t_okre "help $c" "usage: hallq $c .*" help "$c"
	t_okre "$c --help" "usage: hallq $c .*" "$c" --help
done
t_rc "no command" 2 "^usage: hallq COMMAND"
t_rc "unknown command" 2 "^hallq: frobnicate: unknown command" frobnicate
t_rc "help unknown" 2 "^hallq: help: unknown command 'nope'" help nope
at tomorrow
t_rc "bad HALLQ_NOW" 2 "^hallq: state: HALLQ_NOW" state
at "2026-11-23 09:00"
HALLQ_DB=
t_rc "no --db, no HALLQ_DB" 2 "^hallq: state: no database" state
HALLQ_DB=$tmp/hall.db
t_rc "database missing" 1 "^hallq: state: no database at" state --db "$tmp/none.db"
t_true "missing database not created" [ ! -e "$tmp/none.db" ]

# ---- init ---------------------------------------------------------------------------------

t_rc "init without --config" 2 "^hallq: init: missing --config" init
t_rc "init bad config" 1 "bad.ini:4:" init --config "$tmp/bad.ini"
t_true "bad config creates no database" [ ! -e "$HALLQ_DB" ]
t_rc "init missing config" 1 "^hallq: init: cannot read" init --config "$tmp/nope.ini"
t_ok "init" "测试大厅" init --config "$tmp/hall.ini" --db "$HALLQ_DB"
t_line "init services" "services: 3"
t_line "init counters" "counters: 4"
t_ok "init again (idempotent)" "测试大厅" init --config "$tmp/hall.ini"
run events
before=$(wc -l <"$tmp/out")
t_rc "init bad config on a live database" 1 "bad.ini:4:" init --config "$tmp/bad.ini"
run events
t_true "bad config leaves the database unchanged" [ "$(wc -l <"$tmp/out")" -eq "$before" ]
run state --json
t_json "hall still configured" 'd["hall"] == "测试大厅" and len(d["services"]) == 3'
if [ -f assets/halls/county-centre.ini ]; then
	t_okre "init the sample hall" ".+" init --config assets/halls/county-centre.ini \
		--db "$tmp/county.db"
fi

# ---- issue --------------------------------------------------------------------------------

t_ok "issue a" "A001" issue a
t_line "issue shows service" "service: a"
t_line "issue shows class" "class: normal"
t_line "issue shows people ahead" "people_ahead: 0"
t_true "issue shows local issue time" grep -q "^issued_at: 2026-11-23 09:00" "$tmp/out"
t_true "issue shows id" grep -Eq "^id: [0-9]+$" "$tmp/out"
t_true "issue shows estimate" grep -Eq "^est_wait_min: [0-9]+$" "$tmp/out"
t_ok "issue a again" "A002" issue a --db "$HALLQ_DB"
t_line "second ticket has one ahead" "people_ahead: 1"
t_ok "issue g (priority lane)" "G001" issue g
t_line "priority lane class" "class: priority"
t_ok "issue a priority" "A003" issue a --class priority
t_line "priority class" "class: priority"
t_rc "issue unknown service" 1 "^hallq: issue: " issue nosuch
t_rc "issue bad class" 2 "^hallq: issue: --class" issue a --class vip
t_rc "issue without service" 2 "^hallq: issue: missing argument" issue
t_rc "issue two services" 2 "^hallq: issue: unexpected argument 'b'" issue a b
t_rc "issue --json not accepted" 2 "^hallq: issue: option '--json'" issue a --json
t_rc "issue unknown option" 2 "^hallq: issue: unknown option '--colour'" issue a --colour red
t_rc "issue option without value" 2 "^hallq: issue: option '--class' needs a value" issue a --class
at "2026-11-23 19:00"
t_rc "issue after hours" 1 "^hallq: issue: " issue a
at "2026-11-23 09:00"

# ---- calling and serving ------------------------------------------------------------------

t_rc "call abc" 2 "^hallq: call: COUNTER must be a number" call abc
t_rc "call 0" 2 "^hallq: call: COUNTER" call 0
t_rc "call 12x" 2 "^hallq: call: COUNTER" call 12x
t_rc "call unknown counter" 1 "^hallq: call: " call 99
t_ok "call 1 takes priority first" "A003" call 1
t_line "called state" "state: called"
t_line "called at counter 1" "counter: 1"
t_ok "recall 1" "A003" recall 1
t_line "recall counted" "recalls: 1"
t_ok "start 1" "A003" start 1
t_line "serving" "state: serving"
t_ok "finish 1" "A003" finish 1
t_line "done" "state: done"
t_rc "finish idle counter" 1 "^hallq: finish: " finish 1
t_ok "rate --counter" "A003" rate --counter 1 satisfied
t_line "rating recorded" "rating: 4"
t_ok "rate again within the edit window" "A003" rate A003 very-satisfied
t_line "the rating replaced" "rating: 5"
at "2026-11-23 09:31"
t_rc "rate after the edit window" 1 "^hallq: rate: .*30 minutes" rate A003 2
at "2026-11-23 09:00"
t_rc "rate level 6" 2 "^hallq: rate: LEVEL" rate A003 6
t_rc "rate level word" 2 "^hallq: rate: LEVEL" rate A003 great
t_rc "rate without level" 2 "^hallq: rate: " rate A003
t_rc "rate --counter abc" 2 "^hallq: rate: --counter" rate --counter abc 3

t_ok "call 1 oldest normal" "A001" call 1
t_ok "park 1" "A001" park 1
t_line "parked" "state: parked"
t_ok "call 1 next" "A002" call 1
t_ok "unpark A001" "A001" unpark A001
t_line "unparked waits" "state: waiting"
t_rc "unpark waiting ticket" 1 "^hallq: unpark: " unpark A001
t_ok "transfer to service b" "A002" transfer 1 --to-service b
t_line "transferred ticket waits for b" "service: b"
t_line "transferred ticket waits" "state: waiting"
t_rc "transfer needs a target" 2 "^hallq: transfer: give exactly one" transfer 1
t_rc "transfer with two targets" 2 "^hallq: transfer: give exactly one" transfer 1 \
	--to-service b --to-counter 2
t_rc "transfer --to-counter x" 2 "^hallq: transfer: --to-counter" transfer 1 --to-counter x
t_ok "call 3 gets the transfer" "A002" call 3
t_ok "recall once" "A002" recall 3
t_ok "recall twice" "A002" recall 3
t_ok "third recall is a no-show" "A002" recall 3
t_line "no-show after two recalls" "state: noshow"
t_ok "call 1 gets the unparked ticket" "A001" call 1
t_ok "transfer to counter 2" "A001" transfer 1 --to-counter 2
t_ok "call 2 gets it" "A001" call 2
t_ok "finish 2" "A001" finish 2
t_rc "call with nobody waiting" 3 "^hallq: call: " call 1
t_ok "call 4 green channel" "G001" call 4
t_ok "noshow 4" "G001" noshow 4
t_line "noshow state" "state: noshow"

# ---- cancel, cap, ticket ------------------------------------------------------------------

t_ok "issue b" "B001" issue b
t_ok "cancel by label" "B001" cancel B001 --reason "left the hall"
t_line "cancelled" "state: cancelled"
t_rc "cancel twice" 1 "^hallq: cancel: " cancel B001
t_rc "cancel unknown ticket" 1 "^hallq: cancel: " cancel Z999
t_ok "issue b 2" "B002" issue b
id=$(sed -n 's/^id: //p' "$tmp/out")
t_ok "cancel by id" "B002" cancel "$id"
t_ok "issue b 3" "B003" issue b
t_rc "daily cap" 1 "^hallq: issue: " issue b
t_ok "ticket" "A001" ticket A001
t_line "ticket state" "state: done"
t_line "ticket counter" "counter: 2"
t_ok "ticket by id" "B002" ticket "$id"
t_line "ticket end reason" "end_reason: cancelled by staff"
run ticket B001 --json
t_json "ticket --json" 'd["label"] == "B001" and d["state"] == "cancelled" and d["end_reason"] == "left the hall" and d["called_at"] is None'
t_rc "ticket unknown" 1 "^hallq: ticket: " ticket 999999

# ---- counters -----------------------------------------------------------------------------

t_ok "pause 2" "2" pause 2 --reason lunch
t_line "paused" "state: paused"
t_ok "issue a 4" "A004" issue a
t_rc "call paused counter" 1 "^hallq: call: " call 2
t_ok "resume 2" "2" resume 2
t_ok "call 2" "A004" call 2
t_rc "close busy counter" 1 "^hallq: close: " close 2
t_ok "finish 2 again" "A004" finish 2
t_ok "close 2" "2" close 2
t_line "closed" "state: closed"
t_rc "call closed counter" 1 "^hallq: call: " call 2
t_ok "open 2" "2" open 2
t_rc "signin without a PIN" 1 "^hallq: signin: clerk 1024 needs a PIN.*--force" signin 2 1024
t_rc "signin wrong PIN" 1 "^hallq: signin: wrong PIN for clerk 1024" signin 2 1024 --pin 1111
t_rc "signin unknown clerk" 1 "^hallq: signin: clerk '1025' is not on the hall's roster" \
	signin 2 1025 --pin 2468
t_rc "signin --force unknown clerk" 1 "^hallq: signin: clerk '1025' is not" signin 2 1025 --force
t_rc "signin --pin and --force" 2 "^hallq: signin: give --pin or --force" signin 2 1024 --pin 2468 --force
t_ok "signin" "2" signin 2 1024 --pin 2468
t_line "signin clerk" "clerk: 1024"
run events --json
t_jsonl "signin event, with the PIN" 'd[-1]["type"] == "signed_in" and d[-1]["detail"] == "1024" and d[-1]["value"] == 0'
t_ok "signin --force" "3" signin 3 1024 --force
run events --json
t_jsonl "forced signin event" 'd[-1]["type"] == "signed_in" and d[-1]["value"] == 1'
t_ok "signout 3" "3" signout 3
echo 2468 | "$HALLQ" signin 2 1024 --pin - >"$tmp/out" 2>"$tmp/err"
t_true "signin --pin - reads stdin" [ "$?" -eq 0 ] && [ "$(head -n 1 "$tmp/out")" = 2 ]
t_rc "signin without clerk" 2 "^hallq: signin: missing argument" signin 2
t_ok "issue a 5" "A005" issue a
t_ok "call by clerk" "A005" call 2
t_line "clerk recorded" "clerk: 1024"
t_ok "start by clerk" "A005" start 2
t_ok "finish by clerk" "A005" finish 2
t_ok "rate by label" "A005" rate A005 fair
t_ok "signout" "2" signout 2
t_ok "pause 3" "3" pause 3 --reason "系统维护"
t_ok "issue a 6" "A006" issue a

# ---- 好差评: reviews and the bad-review cases ------------------------------------------------

t_rc "review without a level" 2 "^hallq: review: " review A001
t_rc "review level 6" 2 "^hallq: review: LEVEL" review A001 6
t_rc "review unknown reason" 2 "^hallq: review: --reasons" review A001 2 --reasons rude
t_rc "review unknown channel" 2 "^hallq: review: --channel" review A001 5 --channel fax
t_rc "review as migrated" 2 "^hallq: review: --channel" review A001 5 --channel migrated
t_rc "a bad review needs a reason" 1 "^hallq: review: .*needs at least one reason" review A001 2
t_rc "a good review takes none" 1 "^hallq: review: .*takes no reasons" review A001 4 --reasons skill
t_rc "review a waiting ticket" 1 "^hallq: review: .*only a finished ticket" review B003 5
t_ok "review from the phone" "A001" review A001 very-satisfied --channel phone --comment "很快"
t_line "review level" "level: 非常满意"
t_line "review channel" "channel: phone"
t_line "review rating" "rating: 5"
t_line "review comment" "comment: 很快"
t_line "a good review has no case" "case: -"
t_ok "a bad review" "A004" review A004 1 --reasons attitude,efficiency --comment "态度差"
t_line "bad review reasons" "reasons: efficiency,attitude"
t_line "a bad review opens case 1" "case: 1"
t_ok "rate A005 down to 2 in the edit window" "A005" rate A005 2
t_line "rate: a bad level's reason is other" "reasons: other"
t_line "rate: case 2 opens" "case: 2"
t_ok "rate A005 back to fair" "A005" rate A005 fair
t_line "A005 at 3" "rating: 3"
run reviews
t_true "reviews table" [ "$rc" -eq 0 ]
t_true "reviews table has A004" grep -Eq "A004 +a +2 +- +1 非常不满意 +efficiency,attitude +api +1 +态度差" "$tmp/out"
run reviews --json
t_json "reviews --json" '[(r["label"], r["level"], r["channel"]) for r in d["reviews"]] == [("A003", 5, "api"), ("A005", 3, "api"), ("A001", 5, "phone"), ("A004", 1, "api")]'
run reviews --level 1 --json
t_json "reviews --level 1" '[r["label"] for r in d["reviews"]] == ["A004"] and d["reviews"][0]["case_id"] == 1'
t_rc "reviews --level 9" 2 "^hallq: reviews: LEVEL" reviews --level 9
run case list
t_true "case list" [ "$rc" -eq 0 ]
t_true "case list: case 1 open" grep -Eq "^ *1 +open +no +A004 " "$tmp/out"
run case list --json
t_json "case list: the open ones" '[c["id"] for c in d["cases"]] == [1]'
run case list --all --json
t_json "case list --all" '[(c["id"], c["state"]) for c in d["cases"]] == [(1, "open"), (2, "closed")]'
run case list --state closed --json
t_json "case list --state closed" '[c["id"] for c in d["cases"]] == [2]'
t_rc "case list --state lost" 2 "^hallq: case: --state" case list --state lost
t_rc "case without a command" 2 "^hallq: case: missing argument" case
t_rc "case frob" 2 "^hallq: case: unknown case command" case frob 1
t_rc "case verify without --who" 2 "^hallq: case: case verify needs --who" case verify 1
t_rc "case show --who" 2 "^hallq: case: --who" case show 1 --who x
t_rc "rectify before verify" 1 "^hallq: case: case 1 is open" case rectify 1 --who 王主任
t_ok "case verify" "1" case verify 1 --who 王主任 --note "已电话核实"
t_line "verified" "state: verified"
t_line "rectify due in 15 working days" "rectify_due: 2026-12-14"
t_ok "case rectify" "1" case rectify 1 --who 王主任
t_line "revisit due in 5 working days" "revisit_due: 2026-11-30"
t_ok "case revisit" "1" case revisit 1 --who 李科长
t_ok "case close" "1" case close 1 --who 王主任 --note 结案
t_line "case closed" "state: closed"
t_rc "close twice" 1 "^hallq: case: case 1 is closed" case close 1 --who 王主任
t_ok "case show" "1" case show 1
t_true "case show lists the five steps" [ "$(grep -cE '^(open|verified|rectified|revisited|closed) ' "$tmp/out")" -eq 5 ]
run case show 1 --json
t_json "case show --json" '[s["state"] for s in d["steps"]] == ["open", "verified", "rectified", "revisited", "closed"] and d["steps"][1]["note"] == "已电话核实" and d["steps"][3]["who"] == "李科长" and d["review"]["label"] == "A004"'
t_rc "case show unknown" 1 "^hallq: case: no bad-review case 99" case show 99
t_rc "case show abc" 2 "^hallq: case: ID" case show abc

# ---- appointments -------------------------------------------------------------------------

t_okre "book" "[0-9]{6}" book a --at "2026-11-23 10:00" --name 张三 --phone 13800000000
code1=$first
t_line "book slot" "slot_at: 2026-11-23 10:00:00"
t_okre "book second" "[0-9]{6}" book a --at "2026-11-23 10:00"
code2=$first
t_true "codes differ" [ "$code1" != "$code2" ]
t_rc "slot full" 1 "^hallq: book: " book a --at "2026-11-23 10:00"
t_rc "slot not aligned" 1 "^hallq: book: " book a --at "2026-11-23 10:10"
t_rc "service without appointments" 1 "^hallq: book: " book b --at "2026-11-23 10:00"
t_rc "book bad time" 2 "^hallq: book: --at" book a --at "10 o'clock"
t_rc "book without --at" 2 "^hallq: book: missing --at" book a
at "2026-11-23 09:30"
t_rc "check in early" 1 "^hallq: checkin: " checkin "$code1"
early=$(cat "$tmp/err")
at "2026-11-23 09:50"
t_okre "check in" "A[0-9]{3}" checkin "$code1"
t_line "appointment class" "class: appointment"
appt=$first
t_rc "check in twice" 1 "^hallq: checkin: " checkin "$code1"
used=$(cat "$tmp/err")
t_rc "check in unknown code" 1 "^hallq: checkin: " checkin 000000
unknown=$(cat "$tmp/err")
at "2026-11-23 10:20"
t_rc "check in late" 1 "^hallq: checkin: " checkin "$code2"
late=$(cat "$tmp/err")
# shellcheck disable=SC2016 # the inner shell expands its own arguments
t_true "early, used, unknown and late say different things" sh -c \
	'[ "$1" != "$2" ] && [ "$1" != "$3" ] && [ "$1" != "$4" ] && [ "$2" != "$3" ] &&
	 [ "$2" != "$4" ] && [ "$3" != "$4" ]' - "$early" "$used" "$unknown" "$late"

# ---- state --------------------------------------------------------------------------------

at "2026-11-23 10:30"
run state
t_true "state table" [ "$rc" -eq 0 ]
t_true "state table has services" grep -Eq "^service +open +waiting" "$tmp/out"
t_true "state table has counters" grep -Eq "^ *counter +state" "$tmp/out"
t_true "state table shows pause reason" grep -q "paused .*系统维护" "$tmp/out"
run state --json
t_json "state --json services" '[s["key"] for s in d["services"]] == ["a", "b", "g"]'
t_json "state --json waiting" 'd["services"][0]["waiting"] == 2 and d["services"][0]["waiting_priority"] == 1'
t_json "state --json counters" '[c["number"] for c in d["counters"]] == [1, 2, 3, 4]'
t_json "state --json paused counter" 'd["counters"][2]["state"] == "paused" and d["counters"][2]["reason"] == "系统维护"'
t_json "state --json idle counter" 'd["counters"][0]["ticket"] is None and d["counters"][0]["state"] == "open"'
t_json "state --json last event" 'd["last_event_id"] > 0'
t_ok "call 1 takes the appointment" "$appt" call 1
run state --json
t_json "state --json current ticket" 'd["counters"][0]["ticket"]["label"] == "'"$appt"'"'

# ---- events -------------------------------------------------------------------------------

run events
t_true "events" [ "$rc" -eq 0 ]
t_true "events, one a line" [ "$(wc -l <"$tmp/out")" -gt 20 ]
t_true "events show issues" grep -Eq "^[0-9]+ 2026-11-23 09:00:?[0-9]* +issued +A001 +a " "$tmp/out"
run events --json
t_jsonl "events --json" 'len(d) > 20 and all(d[i]["id"] < d[i+1]["id"] for i in range(len(d)-1))'
t_jsonl "events --json fields" 'set(d[0]) >= {"id", "at", "type", "label", "service", "counter", "value", "detail"}'
t_jsonl "events --json types" '{"issued", "called", "recalled", "started", "finished", "noshow", "parked", "transferred", "cancelled", "reviewed", "review_changed", "case_opened", "case_step", "counter_paused", "signed_in", "booked", "checked_in"} <= {e["type"] for e in d}'
last=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["id"])' "$tmp/out")
run events --since "$last"
t_true "events --since last" [ "$rc" -eq 0 ]
t_true "events --since last is empty" [ ! -s "$tmp/out" ]
run events --since 0 --limit 3 --json
t_jsonl "events --limit" 'len(d) == 3'
t_rc "events --since abc" 2 "^hallq: events: --since" events --since abc
t_rc "events --limit 0" 2 "^hallq: events: --limit" events --limit 0

# ---- stats --------------------------------------------------------------------------------

run stats
t_true "stats table" [ "$rc" -eq 0 ]
t_true "stats table total" grep -Eq "^total +[0-9]" "$tmp/out"
run stats --by service --json
# New numbers today: A001-A006, the appointment's A ticket, G001, B001-B003.
t_json "stats --json total issued" 'd["total"]["issued"] == 11 and d["by"] == "service"'
t_json "stats --json rows" '[r["key"] for r in d["rows"]] == ["a", "b", "g"]'
t_json "stats --json fields" 'set(d["total"]) >= {"key", "issued", "called", "served", "noshow", "transferred", "cancelled", "waiting", "wait_mean_s", "wait_p50_s", "wait_p90_s", "wait_max_s", "service_mean_s", "service_p90_s", "on_time_rate", "rated", "satisfaction_rate", "score_mean", "level1", "level2", "level3", "level4", "level5", "bad_reviews", "rectify_rate", "revisit_rate", "appointments", "missed_appointments"}'
t_json "stats --json cancelled" 'd["total"]["cancelled"] == 2 and d["total"]["rated"] == 4'
# Reviews 5 (A003), 3 (A005), 5 (A001), 1 (A004, its case closed): 3 of 4 at 3 or above,
# mean 14 / 4 = 3.5, one bad review, rectified and revisited.
t_json "stats --json reviews" '(d["total"]["satisfaction_rate"], d["total"]["score_mean"], d["total"]["level5"], d["total"]["bad_reviews"], d["total"]["rectify_rate"], d["total"]["revisit_rate"]) == (0.75, 3.5, 2, 1, 1.0, 1.0)'
run stats --by counter --csv
t_true "stats --csv header" [ "$first" = "key,issued,called,served,noshow,transferred,cancelled,waiting,wait_mean_s,wait_p50_s,wait_p90_s,wait_max_s,service_mean_s,service_p90_s,on_time_rate,rated,satisfaction_rate,score_mean,level1,level2,level3,level4,level5,bad_reviews,rectify_rate,revisit_rate,appointments,missed_appointments" ]
t_true "stats --csv: the mean score with two decimals" grep -Eq "^total,([^,]*,){16}3.50," "$tmp/out"
t_true "stats --csv total row" grep -Eq "^total,[0-9]+," "$tmp/out"
for by in clerk hour; do
	run stats --by "$by" --json
	t_json "stats --by $by" 'isinstance(d["rows"], list) and "total" in d'
done
run stats --from 2026-11-23 --to 2026-11-23 --json
t_json "stats whole day" 'd["total"]["issued"] == 11'
run stats --from "2026-11-23 09:01" --to "2026-11-23 10:00" --json
t_json "stats by the minute" 'd["total"]["issued"] == 1'
run stats --from 2026-11-22 --to 2026-11-22 --json
t_json "stats other day" 'd["total"]["issued"] == 0'
t_rc "stats --by nonsense" 2 "^hallq: stats: --by" stats --by colour
t_rc "stats --csv --json" 2 "^hallq: stats: " stats --csv --json
t_rc "stats bad --from" 2 "^hallq: stats: --from" stats --from yesterday
t_rc "stats empty range" 2 "^hallq: stats: --to" stats --from 2026-11-24

for by in day week month; do
	run stats --by "$by" --json
	t_json "stats --by $by" 'd["by"] == "'"$by"'" and len(d["rows"]) == 1 and d["rows"][0]["issued"] == 11'
done
run stats --by week --csv
t_true "stats --by week key" grep -q "^2026-W48," "$tmp/out"
run stats --by month
t_true "stats --by month table" grep -Eq "^2026-11 +11 " "$tmp/out"
run stats --by day --from 2026-11-22 --to 2026-11-23 --json
t_json "stats --by day over two days" '[r["key"] for r in d["rows"]] == ["2026-11-23"]'

# ---- the roster and the appraisal -----------------------------------------------------------

t_ok "clerk add" "1030" clerk add 1030 --name 李明 --pin 1357
t_line "clerk add source" "source: database"
echo 97531 | "$HALLQ" clerk add 1031 --name 赵六 --pin - >"$tmp/out" 2>"$tmp/err"
t_true "clerk add --pin - reads stdin" [ "$?" -eq 0 ] && [ "$(head -n 1 "$tmp/out")" = 1031 ]
t_rc "clerk add twice" 1 "^hallq: clerk: clerk 1030 (李明) is on the roster already" \
	clerk add 1030 --name 李明 --pin 1357
t_rc "clerk add a config clerk" 1 "^hallq: clerk: clerk 1024 is on the hall config's roster" \
	clerk add 1024 --name x --pin 1357
t_rc "clerk add bad id" 1 "^hallq: clerk: clerk id 'Li Ming' is not" clerk add "Li Ming" --name x --pin 1357
t_rc "clerk add bad PIN" 1 "^hallq: clerk: a PIN is 4 to 12 digits" clerk add 1032 --name x --pin 12ab
t_rc "clerk add without --pin" 2 "^hallq: clerk: clerk add needs --name NAME and --pin" clerk add 1032 --name x
t_rc "clerk unknown subcommand" 2 "^hallq: clerk: unknown subcommand 'fire'" clerk fire 1030
at "2026-11-23 10:40"
t_ok "database clerk signs in" "1" signin 1 1030 --pin 1357
at "2026-11-23 10:52"
run clerk list
t_true "clerk list" [ "$rc" -eq 0 ] && grep -Eq "^1030 +李明 +database +yes" "$tmp/out"
run clerk list --json
t_json "clerk list --json" '[(c["id"], c["source"]) for c in d] == [("1024", "config"), ("1030", "database"), ("1031", "database")]'
t_json "clerk list has no hash" 'all(set(c) == {"id", "name", "source", "active", "added_at"} for c in d)'
t_ok "clerk remove" "1031" clerk remove 1031
t_rc "clerk remove again" 1 "^hallq: clerk: no clerk 1031 on the database's roster" clerk remove 1031
t_rc "clerk remove a config clerk" 1 "^hallq: clerk: clerk 1024 is on the hall config's" clerk remove 1024
t_rc "removed clerk cannot sign in" 1 "^hallq: signin: clerk '1031' is not" signin 4 1031 --pin 97531
run clerk list --json
t_json "removed clerk not listed" '[c["id"] for c in d] == ["1024", "1030"]'
run clerk list --json --all
t_json "clerk list --all" '[(c["id"], c["active"]) for c in d][-1] == ("1031", False)'
t_rc "clerk hash bad PIN" 2 "^hallq: clerk: no PIN on stdin" clerk hash </dev/null
echo 12 | "$HALLQ" clerk hash >"$tmp/out" 2>"$tmp/err"
t_true "clerk hash refuses a short PIN" [ "$?" -eq 2 ] && [ ! -s "$tmp/out" ]
echo 2468 | "$HALLQ" clerk hash >"$tmp/out" 2>"$tmp/err"
t_true "clerk hash: a new salt each time" [ "$?" -eq 0 ] && grep -q '^\$y\$' "$tmp/out" &&
	[ "$(cat "$tmp/out")" != "$pin_hash" ]

run report appraisal --month 2026-11 --json
t_json "appraisal --json" 'd["period"] == "2026-11" and d["from"] == "2026-11-01 00:00:00" and d["to"] == "2026-12-01 00:00:00"'
t_json "appraisal windows" 'sorted(w["counter"] for w in d["windows"]) == [1, 2, 3, 4]'
t_json "appraisal clerk 1024" '[(c["served"], c["name"]) for c in d["clerks"] if c["clerk"] == "1024"] == [(1, "王芳")]'
t_json "appraisal unranked below min_served" 'all(w["rank"] is None and w["red_flag"] is False for w in d["windows"])'
t_json "appraisal weights" 'd["appraisal"]["weight_volume"] == 30 and d["appraisal"]["min_served"] == 10'
t_json "appraisal fields" 'set(d["windows"][0]) >= {"counter", "name", "rank", "red_flag", "served", "on_time_rate", "wait_mean_s", "service_mean_s", "reviews", "satisfaction_rate", "mean_level", "bad_reviews", "rectify_rate", "revisit_rate", "alerts", "alerts_by_rule", "absences", "hours", "score"}'
t_json "appraisal hours signed in" '[(c["clerk"], c["hours"]) for c in d["clerks"] if c["clerk"] == "1030"] == [("1030", 0.2)]'
t_json "appraisal window hours" '[w["hours"] for w in d["windows"] if w["counter"] == 1] == [0.2]'
t_json "appraisal of the whole hall" 'd["hall"]["served"] == sum(w["served"] for w in d["windows"]) and d["hall"]["volume_pts"] == 100 and d["hall"]["rank"] is None'
run report appraisal --month 2026-11 --csv
t_true "appraisal --csv header" [ "$first" = "kind,key,name,rank,red_flag,served,called,on_time_rate,wait_mean_s,service_mean_s,reviews,satisfaction_rate,mean_level,bad_reviews,cases,rectify_rate,revisit_rate,alerts,absences,hours,volume_pts,on_time_pts,satisfaction_pts,rectify_pts,penalty,score,alerts_by_rule" ]
t_true "appraisal --csv rows" [ "$(grep -c '^window,' "$tmp/out")" -eq 4 ] && grep -q "^clerk,1024,王芳," "$tmp/out"
run report appraisal --week 2026-W48
t_true "appraisal table" [ "$rc" -eq 0 ] && grep -q "^windows" "$tmp/out" && grep -q "^clerks" "$tmp/out"
run report appraisal --quarter 2026-Q4 --json
t_json "appraisal --quarter" 'd["from"] == "2026-10-01 00:00:00" and d["to"] == "2027-01-01 00:00:00"'
run report appraisal --from 2026-11-23 --to 2026-11-23 --json
t_json "appraisal --from --to" 'd["period"] is None and d["to"] == "2026-11-24 00:00:00"'
for cmd in "report appraisal --month 2026-11 --json" "report appraisal --month 2026-11 --csv" \
	"events --json" "clerk list --all --json" "state --json"; do
	# shellcheck disable=SC2086 # the command's words
	run $cmd
	t_true "no PIN hash in $cmd" [ "$rc" -eq 0 ] && ! grep -q '\$y\$' "$tmp/out"
done
t_rc "appraisal without a period" 2 "^hallq: report: give one period" report appraisal
t_rc "appraisal two periods" 2 "^hallq: report: give one period" report appraisal --month 2026-11 --week 2026-W48
t_rc "appraisal bad month" 2 "^hallq: report: --month must be YYYY-MM" report appraisal --month 2026-13
t_rc "appraisal bad week" 2 "^hallq: report: --week must be" report appraisal --week 2026-W54
t_rc "appraisal week 53 of a 52-week year" 2 "^hallq: report: --week" report appraisal --week 2025-W53
t_rc "appraisal bad quarter" 2 "^hallq: report: --quarter must be" report appraisal --quarter 2026-Q5
t_rc "appraisal --from alone" 2 "^hallq: report: a range needs both" report appraisal --from 2026-11-01
t_rc "unknown report" 2 "^hallq: report: unknown report 'sales'" report sales --month 2026-11

# ---- close-day and the next day -----------------------------------------------------------

at "2026-11-23 17:55"
t_rc "close-day --json" 2 "^hallq: close-day: option '--json'" close-day --json
t_ok "finish the appointment" "$appt" finish 1
t_okre "close-day" "[1-9][0-9]*" close-day
run state --json
t_json "close-day leaves nobody waiting" 'all(s["waiting"] == 0 for s in d["services"])'
t_ok "close-day again" "0" close-day
run events --json
t_jsonl "close-day signs the clerks out" '[(e["counter"], e["value"], e["detail"]) for e in d if e["type"] == "signed_out"][-1] == (1, 2, "1030")'
at "2026-11-24 09:00"
t_ok "numbers restart the next day" "A001" issue a
t_ok "yesterday's ticket by id" "B002" ticket "$id"

# ---- ranges in a zone with daylight saving time --------------------------------------------

# 2026-11-01 has 25 hours in New York: a bare date that ends a range means its next midnight,
# not 24 hours after its first, or what happened in its last hour is left out.
TZ=America/New_York
HALLQ_DB=$tmp/dst.db
cat >"$tmp/dst.ini" <<'EOF2'
[hall]
name = DST hall
sign_in = open
[service a]
name = A
prefix = A
hours = 08:00-18:00
days = mon-sun
[counter 1]
services = a
[alert long_queue]
count = 1
EOF2
at "2026-11-01 09:00"
t_ok "dst: init" "DST hall" init --config "$tmp/dst.ini" --db "$HALLQ_DB"
for _ in 1 2 3; do run issue a; done
run call 1
t_ok "dst: finish" "A001" finish 1
at "2026-11-01 23:30"
t_okre "dst: alert eval at 23:30" "[1-9]" alert eval
t_ok "dst: review at 23:30" "A001" review A001 4
run alerts --all --from 2026-11-01 --to 2026-11-01 --json
t_json "dst: alerts --to a 25-hour day's date holds its last hour" 'len(d) >= 1 and all(a["raised_at"].startswith("2026-11-01 23:30") for a in d)'
run reviews --from 2026-11-01 --to 2026-11-01 --json
t_json "dst: reviews --to a 25-hour day's date holds its last hour" 'len(d["reviews"]) == 1'
run stats --from 2026-11-01 --to 2026-11-01 --json
t_json "dst: stats --to a 25-hour day's date ends at its next midnight" 'd["to"].startswith("2026-11-02")'
TZ=Asia/Shanghai
HALLQ_DB=$tmp/hall.db

# ---- no counter open: no estimate (issue 18) ----------------------------------------------
HALLQ_DB=$tmp/nocounter.db
cat >"$tmp/nocounter.ini" <<'EOF2'
[hall]
name = 午休大厅
sign_in = open
[service a]
name = A
prefix = A
hours = 09:00-12:00, 13:30-17:00
days = mon-sun
[counter 1]
services = a
EOF2
at "2026-11-23 10:00"
t_ok "no counter: init" "午休大厅" init --config "$tmp/nocounter.ini" --db "$HALLQ_DB"
run close 1
t_ok "no counter: issue" "A001" issue a
t_line "no counter: the ticket has no estimate" "est_wait_min: -"
run state
t_true "no counter: state says no counter" grep -Eq "^a +yes +1 +0 +no counter" "$tmp/out"
run state --json
t_json "no counter: state --json null" 'd["services"][0]["est_wait_s"] is None and d["services"][0]["est_wait_min"] is None'
run open 1
run state --json
t_json "no counter: a counter opens, a figure" 'isinstance(d["services"][0]["est_wait_s"], int)'
HALLQ_DB=$tmp/hall.db

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
