#!/bin/sh
# hallq-kiosk, the touch ticket kiosk (docs/kiosk.md), end to end under Xvfb: a hallqd of
# its own on a scratch hall, the kiosk printing over a virtual serial cable (socat) to the
# simulated ESC/POS printer (hallq-printer-sim), which decodes every ticket it is sent.
# Touches are real X events (xdotool): keys 1-9 and clicks on the buttons.
#
#  1. bad options, a bad printer and a corrupt spool are refused, saying what is wrong;
#  2. key 1 and a click each issue a ticket: it exists in hallqd, the screen shows it, and
#     the printed bytes decode to its number, its Chinese service name (GB18030), a QR code
#     holding its status URL, and a cut; a double touch issues one;
#  3. a closed service and a service at its cap are refused on screen; the priority path
#     and appointment check-in give tickets of their class; a wrong code is named;
#  4. paper out: the screen and hallqd know; a ticket is still issued and shown with its
#     QR code (decoded from the screenshot with zbarimg), and printed once the paper is
#     back; no ticket is lost or printed twice;
#  5. on_printer_fault = refuse: no ticket is issued while the printer cannot print;
#  6. hallqd stopped and started: "temporarily unavailable", then home by itself; hallqd
#     frozen in the middle of a request: the retry under the same key makes one ticket;
#  7. the kiosk killed with a request in flight: the next start sends it again, one ticket;
#  8. file: and none printers; SIGTERM ends it cleanly;
#  9. 好差评 at the kiosk, on a hall of its own at a fixed clock: the ticket's number typed
#     (the letters of its prefix and digits), a review at 5 (touched twice: one review), a bad
#     one with its reasons, an unfinished ticket and an unknown number refused on the keypad,
#     a change within review_edit_minutes and a second review refused after it (hallqd
#     started again 45 minutes later), hallqd frozen while a review is sent and the kiosk
#     killed with one in flight (each reaches hallqd once), and the rows hallqd keeps:
#     channel kiosk, the level, the reasons, a case for the bad one;
# 10. no counter open (issue 18), on a hall of its own at a fixed clock: the buttons say
#     窗口暂未开放 / No counter open yet, or when the service opens, instead of a wait (read
#     from the screenshot's text file), the priority path gives a priority ticket's wait, the
#     ticket's screen and paper say so and give no minutes, a ticket owed while the paper is
#     out keeps its null, one sent again after a restart too, and the words go once a
#     counter opens;
# 11. ranges (estimate_display = range), on a hall of its own at a fixed clock: the buttons
#     give the 80% range "约 A–B 分钟" with A and B rounded from /api/v1/hall's
#     est_wait_range_s as docs/kiosk.md says, the priority path's the point of a priority
#     ticket (a ticket of the green channel's lane its range), no counter open still wins; the ticket's
#     screen and paper give its own range; the spool keeps hallqd's answer as it came, and a
#     ticket sent again after a restart prints the range it was issued with; the hall back on
#     point (a reload) shows minutes as before.
#
# Every wait has a deadline and a sign (a line on the kiosk's or the printer's stdout);
# every process started is stopped by its PID.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
KIOSK=$BUILD/hallq-kiosk
PSIM=$BUILD/hallq-printer-sim
PNG="$PY tests/display/png.py"
TZ=UTC
export TZ
LSAN_OPTIONS="suppressions=$(pwd)/tests/display/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
unset HALLQ_TOKEN HALLQ_DB HALLQ_NOW HALLQ_KIOSK_TRACE

make_tmp
need "make tests builds the programs; Debian packages xvfb xdotool socat curl zbar-tools" \
	"$HALLQD" "$HALLQ" "$KIOSK" "$PSIM" Xvfb xdotool socat curl zbarimg "$PY"

# A display number apart from display.sh's.
start_xvfb $((100 + ($$ + 211) % 400))

# ---- the hall --------------------------------------------------------------------------

T_ADMIN=admin-token-$$-0123456789
T_KIOSK=kiosk-token-$$-0123456789
write_tokens "admin $T_ADMIN" "kiosk $T_KIOSK"
# A service closed today (its only day is tomorrow), one with a cap of 1, a priority lane.
tomorrow=$(date -d tomorrow +%a | tr 'A-Z' 'a-z')
write_hall() { # on_printer_fault
	{
		cat <<EOF
[hall]
name = 测试县政务服务中心
name_en = Test County Government Service Centre
languages = zh, en
checkin_early_minutes = 30
checkin_late_minutes = 15
slot_minutes = 5

EOF
		service_ini business A 企业开办 "Business registration" mon-sun
		service_ini realestate B 不动产登记 "Real estate" mon-sun "appointments_per_slot = 5"
		service_ini night C 夜间服务 "Night service" "$tomorrow"
		service_ini rare D 稀有事项 "Rare matters" mon-sun "daily_cap = 1"
		service_ini green G 绿色通道 "Green channel" mon-sun "priority_lane = yes"
		cat <<EOF
[counter 1]
services = business, realestate, night, rare, green

[kiosk]
on_printer_fault = $1
confirm_seconds = 4
footer = 过号请重新取号
EOF
	} >"$tmp/hall.ini"
}
write_hall screen
init_db
hallqd_opts="--kiosk-stale 5"
pick_port $((40000 + ($$ % 2500) * 2))

api() { # method path [body]: the answer's body
	curl -s -m 5 -X "$1" -H "Authorization: Bearer $T_ADMIN" ${3:+-d "$3"} "$H$2"
}
jget() { # json-path: reads JSON on stdin, prints the field (a.b.0.c)
	"$PY" -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=v[int(k)] if isinstance(v,list) else v.get(k)
print("" if v is None else v)' "$1" 2>/dev/null
}
issued_today() { api GET /api/v1/hall | "$PY" -c 'import json,sys
print(sum(s["issued_today"] for s in json.load(sys.stdin)["services"]))'; }
kiosk_printer() { api GET /api/v1/kiosks | jget kiosks.0.printer; }

# ---- the printer: socat's virtual cable and the simulated printer -------------------------

start_printer() {
	rm -f "$tmp/prA" "$tmp/prB"
	socat -d -d "pty,raw,echo=0,link=$tmp/prA" "pty,raw,echo=0,link=$tmp/prB" 2>"$tmp/socat.log" &
	socat_pid=$!
	pids="$pids $!"
	wait_for 5000 test -e "$tmp/prB" || give_up "socat made no ptys: $(cat "$tmp/socat.log")"
	rm -f "$tmp/ctl"
	mkfifo "$tmp/ctl"
	psim_out=$tmp/psim.out
	"$PSIM" --port "$tmp/prB" --out "$tmp/paper.jsonl" --raw "$tmp/paper.raw" --control "$tmp/ctl" \
		>"$psim_out" 2>"$tmp/psim.err" &
	psim_pid=$!
	pids="$pids $!"
	wait_for 5000 grep -q '^ready' "$psim_out" || give_up "the printer simulator did not start: $(cat "$tmp/psim.err")"
}
printer_says() { echo "$1" >"$tmp/ctl"; }

# What the printer decoded for the ticket LABEL: field of its JSON line (text: all lines).
paper() { # label field
	"$PY" - "$tmp/paper.jsonl" "$1" "$2" <<'EOF'
import json, sys
path, label, field = sys.argv[1:4]
found = []
for line in open(path):
    t = json.loads(line)
    if any(l["text"].strip() == label and l["w"] >= 4 for l in t["lines"]):
        found.append(t)
if field == "count":
    print(len(found)); sys.exit()
if not found:
    print("-"); sys.exit()
t = found[-1]
if field == "text":
    print(" | ".join(l["text"] for l in t["lines"]))
elif field == "big":
    print(",".join("%s:%dx%d" % (l["text"].strip(), l["w"], l["h"]) for l in t["lines"] if l["w"] >= 2))
else:
    print(t.get(field))
EOF
}

# ---- the kiosk ---------------------------------------------------------------------------

kiosk_n=0
start_kiosk() { # printer-spec window [more options]
	kiosk_n=$((kiosk_n + 1))
	k_out=$tmp/kiosk$kiosk_n.out
	k_err=$tmp/kiosk$kiosk_n.err
	logs="$k_err $tmp/psim.err"
	k_spec=$1 k_win=$2
	shift 2
	"$KIOSK" --server "$H" --token "$T_KIOSK" --printer "$k_spec" --window "$k_win" --name hall-1 \
		--spool "$tmp/spool" --shot-dir "$tmp" --printer-poll 300 "$@" >"$k_out" 2>"$k_err" &
	k_pid=$!
	pids="$pids $!"
	wait_for 15000 grep -q '^ready' "$k_out"
}
# The window's top-left corner on the X screen (no window manager: where SDL put it).
window_at() {
	X=0 Y=0
	wait_for 5000 sh -c "xdotool search --pid $k_pid 2>/dev/null | grep -q ."
	eval "$(xdotool getwindowgeometry --shell "$(xdotool search --pid "$k_pid" 2>/dev/null | head -1)" |
		grep -E '^(X|Y)=')"
	wx=$X wy=$Y
}
click() { xdotool mousemove $((wx + $1)) $((wy + $2)) click 1; }
# Keys go to the window under the pointer (no window manager): keep it over the kiosk.
press() { xdotool mousemove $((wx + 540)) $((wy + 120)) key "$@"; }
home() { # wait for the home screen after a ticket (Escape returns at once)
	m_h=$(lines "$k_out")
	press Escape
	wait_for 5000 seen "$k_out" "$m_h" '^screen home'
}
shot() { # saves a screenshot, prints its path
	m_s=$(lines "$k_out")
	kill -USR1 "$k_pid"
	wait_for 5000 seen "$k_out" "$m_s" '^shot: ' && after "$k_out" "$m_s" | sed -n 's/^shot: //p' | tail -1
}
label_after() { after "$k_out" "$1" | sed -n 's/^ticket \([A-Z0-9]*\) .*/\1/p' | tail -1; }
id_after() { after "$k_out" "$1" | sed -n 's/^ticket [A-Z0-9]* \([0-9]*\)$/\1/p' | tail -1; }

# ---- 1. refusals at start ----------------------------------------------------------------

"$KIOSK" --server "$H" --window 1080x1920 >"$tmp/o" 2>&1
check "no token: exit status 2" 2 $?
grep -q 'no token' "$tmp/o" && ok "no token: says so" || fail "no token: says so" "no token" "$(cat "$tmp/o")"
"$KIOSK" --server "$H" --token "$T_KIOSK" --printer serial:/dev/ttyS0:fast --window 1080x1920 \
	--spool "$tmp/s0" >"$tmp/o" 2>&1
check "bad baud: exit status 1" 1 $?
grep -q "baud 'fast'" "$tmp/o" && ok "bad baud: names it" || fail "bad baud: names it" "baud 'fast'" "$(cat "$tmp/o")"
"$KIOSK" --server "$H" --token "$T_KIOSK" --printer lpt:1 --window 1080x1920 --spool "$tmp/s0" >"$tmp/o" 2>&1
check "unknown printer kind: exit status 1" 1 $?
"$KIOSK" --server "$H" --token "$T_KIOSK" --window 10x10 >"$tmp/o" 2>&1
check "bad window: exit status 2" 2 $?
echo '{"entries": [' >"$tmp/bad.spool"
"$KIOSK" --server "$H" --token "$T_KIOSK" --window 1080x1920 --spool "$tmp/bad.spool" >"$tmp/o" 2>&1
check "corrupt spool: exit status 1" 1 $?
grep -q "bad.spool" "$tmp/o" && ok "corrupt spool: names the file" ||
	fail "corrupt spool: names the file" "bad.spool" "$(cat "$tmp/o")"
check "corrupt spool: left as it was" '{"entries": [' "$(cat "$tmp/bad.spool")"

# ---- 2. tickets by key and by touch --------------------------------------------------------

start_printer
if ! start_kiosk "serial:$tmp/prA:19200" 1080x1920; then
	give_up "the kiosk did not become ready: $(tail -5 "$k_err")"
fi
ok "kiosk ready (home shown) with a serial printer on a pty"
grep -q '^printer ok' "$k_out" && ok "printer status read: ok" || fail "printer status read: ok" "printer ok" "$(cat "$k_out")"
window_at
expect_val "hallqd knows the kiosk and its printer" 8000 ok kiosk_printer

m=$(lines "$k_out")
press 1
expect_line "key 1: hallqd issued a ticket" 5000 "$k_out" "$m" '^ticket A[0-9]* [0-9]*$'
lab=$(label_after "$m") id=$(id_after "$m")
expect_line "key 1: the screen shows $lab" 3000 "$k_out" "$m" "^screen ticket $lab"
check "key 1: the ticket exists in hallqd" "$lab waiting" \
	"$(curl -s -m 5 "$H/api/v1/tickets/$id" | "$PY" -c 'import json,sys; t=json.load(sys.stdin); print(t["label"], t["state"])')"
expect_line "key 1: $lab printed" 5000 "$k_out" "$m" "^printed $lab"
expect_line "key 1: the printer cut the ticket" 3000 "$psim_out" 0 "^ticket [0-9]* $lab"
check "paper: the number at quadruple size" "$lab:4x4" "$(paper "$lab" big | tr ',' '\n' | grep "^$lab:")"
case "$(paper "$lab" text)" in *企业开办*) ok "paper: the service's Chinese name (GB18030 decoded)" ;;
*) fail "paper: the service's Chinese name" "企业开办" "$(paper "$lab" text)" ;; esac
case "$(paper "$lab" text)" in *测试县政务服务中心*) ok "paper: the hall's name" ;;
*) fail "paper: the hall's name" "测试县政务服务中心" "$(paper "$lab" text)" ;; esac
case "$(paper "$lab" text)" in *过号请重新取号*) ok "paper: the hall's footer" ;;
*) fail "paper: the hall's footer" "过号请重新取号" "$(paper "$lab" text)" ;; esac
# The status URL as hallqd gives it to the kiosk: with the ticket's key, which alone lets the
# citizen's phone review the ticket.
status_url() { curl -s -m 5 -H "Authorization: Bearer $T_KIOSK" "$H/api/v1/tickets/$1" | jget status_url; }
url=$(status_url "$id")
check "paper: the status URL carries the ticket's key" 1 "$(echo "$url" | grep -c "^$H/api/v1/tickets/$id?key=[0-9a-f]\{16\}$")"
check "paper: the QR code holds the ticket's status URL" "$url" "$(paper "$lab" qr)"
check "paper: cut" True "$(paper "$lab" cut)"
check "paper: printed (the printer had paper)" True "$(paper "$lab" printed)"
check "paper: no unknown commands" "[]" "$(paper "$lab" errors)"
shot1=$(shot)
check "screenshot: 1080x1920 PNG" "1080 1920" "$($PNG size "$shot1" 2>&1)"
home

# A click in the middle of the second service's button (two columns at 1080 wide: the
# second one spans x 530-1040, its first row y 300-500).
m=$(lines "$k_out")
click 795 400
expect_line "click on the second button: a ticket for it" 5000 "$k_out" "$m" '^ticket B[0-9]* [0-9]*$'
labB=$(label_after "$m")
expect_line "click: $labB printed" 5000 "$k_out" "$m" "^printed $labB"
case "$(paper "$labB" text)" in *不动产登记*) ok "click: paper has 不动产登记" ;;
*) fail "click: paper has 不动产登记" "不动产登记" "$(paper "$labB" text)" ;; esac
home

# A double touch: both touches reach the kiosk at once (it is stopped while they are made), the
# second on the button the first one took away. One ticket.
n0=$(issued_today)
m=$(lines "$k_out")
kill -STOP "$k_pid"
xdotool mousemove $((wx + 795)) $((wy + 400)) click --repeat 2 --delay 30 1
kill -CONT "$k_pid"
expect_line "double touch: a ticket" 5000 "$k_out" "$m" '^printed B'
check "double touch: one ticket" $((n0 + 1)) "$(issued_today)"
home

# ---- 3. refusals, priority, appointments --------------------------------------------------

n0=$(issued_today)
m=$(lines "$k_out")
press 3
expect_line "closed service: refused on screen" 3000 "$k_out" "$m" '^refused closed'
expect_line "closed service: a message screen" 3000 "$k_out" "$m" '^screen message'
check "closed service: no ticket issued" "$n0" "$(issued_today)"
home
m=$(lines "$k_out")
press 4
expect_line "capped service: the first ticket is issued" 5000 "$k_out" "$m" '^ticket D001 '
home
wait_for 5000 sh -c "curl -s -m 2 -H 'Authorization: Bearer $T_ADMIN' $H/api/v1/hall | grep -q '\"at_cap\": *true'"
sleep 2.5   # the kiosk re-reads the hall every 2 s
m=$(lines "$k_out")
press 4
expect_line "capped service: the second is refused" 3000 "$k_out" "$m" '^refused cap'
home

# Priority: the footer's left button, then "elderly" (1), then the first service (1).
m=$(lines "$k_out")
click 275 1810
expect_line "priority button: who-for screen" 3000 "$k_out" "$m" '^screen priority'
press 1
expect_line "priority: elderly: the services screen" 3000 "$k_out" "$m" '^screen services'
press 1
expect_line "priority: a ticket" 5000 "$k_out" "$m" '^ticket A[0-9]* '
labP=$(label_after "$m") idP=$(id_after "$m")
check "priority: hallqd's ticket has class priority" priority "$(curl -s "$H/api/v1/tickets/$idP" | jget class)"
expect_line "priority: printed" 5000 "$k_out" "$m" "^printed $labP"
case "$(paper "$labP" text)" in *优先*老年人*) ok "priority: paper says 优先 and 老年人" ;;
*) fail "priority: paper says 优先 and 老年人" "优先 · 老年人" "$(paper "$labP" text)" ;; esac
home
# The green channel: one lane service, so its ticket comes without a second choice.
m=$(lines "$k_out")
click 275 1810
press 3
expect_line "green channel: a G ticket at once" 5000 "$k_out" "$m" '^ticket G[0-9]* '
home

# Appointment check-in: book the next slot (within the check-in window), type its code.
slot=$(date -d "@$(( ( $(date +%s) / 300 + 1) * 300 ))" '+%Y-%m-%d %H:%M')
code=$(api POST /api/v1/appointments "{\"service\": \"realestate\", \"slot\": \"$slot\"}" | jget code)
check_num "appointment booked (code $code)" "${#code}" -eq 6
m=$(lines "$k_out")
click 540 1810
expect_line "appointment button: the keypad" 3000 "$k_out" "$m" '^screen keypad'
press 9 9 9 9 9 9 Return
expect_line "wrong code: refused, named" 5000 "$k_out" "$m" '^refused nocode'
expect_line "wrong code: back on the keypad" 3000 "$k_out" "$m" '^screen keypad'
m=$(lines "$k_out")
# shellcheck disable=SC2046
press $(echo "$code" | sed 's/./& /g') Return
expect_line "right code: an appointment ticket" 5000 "$k_out" "$m" '^ticket B[0-9]* '
idA=$(id_after "$m")
check "appointment: class" appointment "$(curl -s "$H/api/v1/tickets/$idA" | jget class)"
home

# ---- 4. paper out ------------------------------------------------------------------------

m=$(lines "$k_out")
printer_says paper_out
expect_line "paper out: the kiosk reads it" 3000 "$k_out" "$m" '^printer paper_out'
expect_val "paper out: hallqd knows" 8000 paper_out kiosk_printer
grep -q 'kiosk hall-1: printer paper_out' "$hallqd_log" && ok "paper out: hallqd logs it" ||
	fail "paper out: hallqd logs it" "kiosk hall-1: printer paper_out" "$(grep kiosk "$hallqd_log" | tail -2)"
m=$(lines "$k_out")
press 1
expect_line "paper out: the ticket is still issued" 5000 "$k_out" "$m" '^ticket A[0-9]* '
labX=$(label_after "$m") idX=$(id_after "$m")
expect_line "paper out: shown on screen" 3000 "$k_out" "$m" "^screen ticket $labX"
shotX=$(shot)
check "paper out: the screen's QR code is the status URL (zbarimg)" "$(status_url "$idX")" \
	"$(zbarimg --raw -q "$shotX" 2>/dev/null | head -1)"
check "paper out: nothing printed" 0 "$(paper "$labX" count)"
check "paper out: the ticket is owed in the spool" unprinted "$("$PY" -c 'import json,sys
print(" ".join(e["state"] for e in json.load(open(sys.argv[1]))["entries"]))' "$tmp/spool")"
check "paper out: hallqd counts it unprinted" 1 "$(api GET /api/v1/kiosks | jget kiosks.0.unprinted)"
home
m=$(lines "$k_out")
printer_says ok
expect_line "paper back: reprinted by itself" 5000 "$k_out" "$m" "^printed $labX"
check "paper back: printed exactly once" 1 "$(paper "$labX" count)"
case "$(paper "$labX" text)" in *补打*) ok "paper back: marked 补打 (reprint)" ;;
*) fail "paper back: marked 补打" "补打" "$(paper "$labX" text)" ;; esac
check "paper back: the spool is empty" "" "$("$PY" -c 'import json,sys
print(" ".join(e["state"] for e in json.load(open(sys.argv[1]))["entries"]))' "$tmp/spool")"
m=$(lines "$k_out")
printer_says offline
expect_line "printer silent: offline" 3000 "$k_out" "$m" '^printer offline'
printer_says ok
expect_line "printer answers again: ok" 3000 "$k_out" "$m" '^printer ok'

# ---- 5. refuse mode ----------------------------------------------------------------------

write_hall refuse
kill -HUP "$hallqd_pid"
wait_for 5000 sh -c "curl -s -m 2 -H 'Authorization: Bearer $T_ADMIN' $H/api/v1/hall | grep -q refuse"
sleep 2.5
m=$(lines "$k_out")
printer_says paper_out
expect_line "refuse mode: paper out read" 3000 "$k_out" "$m" '^printer paper_out'
n0=$(issued_today)
press 1
expect_line "refuse mode: no ticket, said why" 3000 "$k_out" "$m" '^refused printer'
sleep 0.5
check "refuse mode: hallqd issued nothing" "$n0" "$(issued_today)"
printer_says ok
expect_line "refuse mode: paper back" 3000 "$k_out" "$m" '^printer ok'
home
m=$(lines "$k_out")
press 1
expect_line "refuse mode: tickets again once the printer is back" 5000 "$k_out" "$m" '^printed A'
home
write_hall screen
kill -HUP "$hallqd_pid"

# ---- 6. hallqd away ----------------------------------------------------------------------

m=$(lines "$k_out")
stop "$hallqd_pid"
expect_line "hallqd stopped: offline" 5000 "$k_out" "$m" '^offline'
expect_line "hallqd stopped: temporarily unavailable" 3000 "$k_out" "$m" '^screen unavailable'
start_hallqd || give_up "hallqd did not start again"
expect_line "hallqd back: online" 5000 "$k_out" "$m" '^online'
expect_line "hallqd back: home by itself" 3000 "$k_out" "$m" '^screen home'

# Frozen hallqd: the request times out (3 s), the kiosk keeps it and retries with its key.
n0=$(issued_today)
m=$(lines "$k_out")
kill -STOP "$hallqd_pid"
press 2
expect_line "hallqd frozen: temporarily unavailable, request kept" 8000 "$k_out" "$m" '^screen unavailable'
kill -CONT "$hallqd_pid"
expect_line "hallqd thawed: the ticket comes" 8000 "$k_out" "$m" '^ticket B[0-9]* '
labR=$(label_after "$m")
expect_line "hallqd thawed: printed" 5000 "$k_out" "$m" "^printed $labR"
check "hallqd thawed: exactly one ticket for the retried request" $((n0 + 1)) "$(issued_today)"
check_num "hallqd thawed: the request did reach hallqd more than once" \
	"$(grep -c 'POST /api/v1/tickets 201' "$hallqd_log")" -ge 2
home

# ---- 7. the kiosk killed with a request in flight ------------------------------------------

n0=$(issued_today)
m=$(lines "$k_out")
kill -STOP "$hallqd_pid"
press 1
expect_line "in flight: issuing" 3000 "$k_out" "$m" '^screen issuing'
stop "$k_pid" KILL
check "in flight: the spool keeps the request" pending "$("$PY" -c 'import json,sys
print(" ".join(e["state"] for e in json.load(open(sys.argv[1]))["entries"]))' "$tmp/spool")"
kill -CONT "$hallqd_pid"
start_kiosk "serial:$tmp/prA:19200" 1080x1920 || fail "restart: ready" ready "$(tail -3 "$k_err")"
expect_line "restart: the request is sent again and answered" 8000 "$k_out" 0 '^ticket A[0-9]* '
labK=$(label_after 0)
expect_line "restart: printed" 5000 "$k_out" 0 "^printed $labK"
check "restart: exactly one ticket" $((n0 + 1)) "$(issued_today)"
check "restart: printed once" 1 "$(paper "$labK" count)"
stop "$k_pid"
check "SIGTERM: exit status 0" 0 "$stop_rc"

# ---- 8. file: and none printers ----------------------------------------------------------

start_kiosk "file:$tmp/tickets.bin" 1280x720 || fail "file printer: ready" ready "$(tail -3 "$k_err")"
window_at
m=$(lines "$k_out")
xdotool mousemove $((wx + 640)) $((wy + 60)) key 1
expect_line "file printer: printed" 5000 "$k_out" "$m" '^printed A'
check "file printer: starts with ESC @, ends with the cut" "1b40 1d56" "$("$PY" -c 'import sys
b=open(sys.argv[1],"rb").read(); i=b.rfind(b"\x1dV"); print(b[:2].hex(), b[i:i+2].hex() if i>=0 else "-")' "$tmp/tickets.bin")"
stop "$k_pid"
start_kiosk none 1280x720 || fail "no printer: ready" ready "$(tail -3 "$k_err")"
window_at
m=$(lines "$k_out")
xdotool mousemove $((wx + 640)) $((wy + 60)) key 2
expect_line "no printer: the ticket is shown" 5000 "$k_out" "$m" '^screen ticket B'
shotN=$(shot)
check "no printer: the QR code is on the screen" "http" "$(zbarimg --raw -q "$shotN" 2>/dev/null | cut -c1-4)"
check "no printer: nothing owed" "" "$("$PY" -c 'import json,sys
print(" ".join(e["state"] for e in json.load(open(sys.argv[1]))["entries"]))' "$tmp/spool")"
stop "$k_pid"
check "no printer: SIGTERM exit 0" 0 "$stop_rc"

# ---- 9. 好差评: a review at the kiosk --------------------------------------------------------

# A database of its own and hallqd on a simulated clock, so that the review's edit window
# (review_edit_minutes, 30) can be passed by starting hallqd again later the same day.
# hallqd's options are split at "|" here: the clock's time has a space.
start_hallqd_at() { # "YYYY-MM-DD HH:MM"
	sh_ifs=$IFS
	IFS='|'
	hallqd_opts="--kiosk-stale|5|--clock|$1"
	start_hallqd
	sh_rc=$?
	IFS=$sh_ifs
	return $sh_rc
}
stop "$hallqd_pid"
DB=$tmp/review.db
"$HALLQ" init --config "$tmp/hall.ini" --db "$DB" >"$tmp/init-review.log" 2>&1 ||
	give_up "hallq init: $(cat "$tmp/init-review.log")"
start_hallqd_at "2026-11-23 10:00" || give_up "hallqd --clock did not start: $(tail -3 "$hallqd_log")"

# A ticket of service SERVICE served at counter 1: its id.
served() { # service
	sv_id=$(api POST /api/v1/tickets "{\"service\": \"$1\"}" | jget id)
	api POST /api/v1/counters/1/call "{\"ticket\": $sv_id}" >/dev/null
	api POST /api/v1/counters/1/finish >/dev/null
	echo "$sv_id"
}
# The review of ticket LABEL as hallqd keeps it in its database: level, reasons, channel, case.
review_row() { # label
	"$HALLQ" reviews --db "$DB" --from 2026-11-23 --to 2026-11-23 --json | "$PY" -c 'import json,sys
for r in json.load(sys.stdin)["reviews"]:
    if r["label"] == sys.argv[1]:
        print(r["level"], ",".join(r["reasons"]) or "-", r["channel"], "case" if r["case_id"] else "-")' "$1"
}
# The review events of ticket LABEL in hallqd's feed: "reviewed review_changed ..." in order.
review_events() { # label
	"$HALLQ" events --db "$DB" --json | "$PY" -c 'import json,sys
print(" ".join(e["type"] for e in map(json.loads, sys.stdin)
    if e["label"] == sys.argv[1] and e["type"] in ("reviewed", "review_changed")))' "$1"
}
review_posts() { grep -c "POST /api/v1/tickets/$1/review" "$hallqd_log"; } # id: in this hallqd's log
spool_reviews() { "$PY" -c 'import json,sys
print(" ".join(e["review"]["label"] for e in json.load(open(sys.argv[1]))["entries"] if "review" in e))' "$tmp/spool"; }
rate() { # the home screen's 评价服务 button: the number keypad
	m_r=$(lines "$k_out")
	click 892 1810
	wait_for 3000 seen "$k_out" "$m_r" '^screen rate-number'
}

id1=$(served business) id2=$(served business)
id3=$(api POST /api/v1/tickets '{"service": "realestate"}' | jget id)
start_kiosk none 1080x1920 || give_up "the kiosk did not start: $(tail -3 "$k_err")"
window_at

# A review at 5: the number typed as "a1" (A001), the level touched twice in a row.
m=$(lines "$k_out")
rate
expect_line "评价服务: the number keypad" 3000 "$k_out" "$m" '^screen rate-number'
press a 1 Return
expect_line "a1: hallqd finds A001, done" 5000 "$k_out" "$m" "^found A001 $id1 done"
expect_line "A001: the five levels" 3000 "$k_out" "$m" '^screen rate-level A001'
# Both touches reach the kiosk at once (it is stopped while they are made), so that the
# second lands on the level drawn before the first was taken.
kill -STOP "$k_pid"
xdotool mousemove $((wx + 540)) $((wy + 476)) click --repeat 2 --delay 30 1
kill -CONT "$k_pid"
expect_line "level 5 (touched twice): reviewed" 5000 "$k_out" "$m" '^reviewed A001 5'
expect_line "level 5: thanks" 3000 "$k_out" "$m" '^screen rate-thanks A001'
m=$(lines "$k_out")
check "level 5: hallqd's row: level 5, channel kiosk, no case" "5 - kiosk -" "$(review_row A001)"
check "level 5 touched twice: one review, one event" "reviewed" "$(review_events A001)"
check "level 5 touched twice: one request" 1 "$(review_posts "$id1")"
expect_line "thanks: not dismissed by the second touch, home by itself after 8 s" 12000 "$k_out" "$m" '^screen home'
check "thanks: nothing else in between" "screen home" "$(after "$k_out" "$m")"

# A bad review: level 2, reasons efficiency and attitude.
m=$(lines "$k_out")
rate
press a 0 0 2 Return
expect_line "A002: found" 5000 "$k_out" "$m" "^found A002 $id2 done"
press 2
expect_line "level 2: the reasons" 3000 "$k_out" "$m" '^screen rate-reasons A002'
press Return
sleep 0.3
check "no reason chosen: nothing sent" 0 "$(review_posts "$id2")"
press 1 3
click 785 1810
expect_line "reasons chosen, submitted: reviewed" 5000 "$k_out" "$m" '^reviewed A002 2'
check "bad review: hallqd's row: level 2, both reasons, channel kiosk, a case" \
	"2 efficiency,attitude kiosk case" "$(review_row A002)"
home

# An unfinished ticket and an unknown number: said on the keypad, nothing reviewed.
m=$(lines "$k_out")
rate
press b 1 Return
expect_line "B001 (waiting): found, not done" 5000 "$k_out" "$m" "^found B001 $id3 waiting"
expect_line "B001: refused, not finished" 3000 "$k_out" "$m" '^refused state'
expect_line "B001: back on the keypad" 3000 "$k_out" "$m" '^screen rate-number'
m=$(lines "$k_out")
press a 9 9 Return
expect_line "A99: refused, no such ticket today" 5000 "$k_out" "$m" '^refused noticket'
expect_line "A99: back on the keypad" 3000 "$k_out" "$m" '^screen rate-number'
check "B001: no review" "" "$(review_row B001)"
check "refusals: no review request at all" 0 "$(review_posts "$id3")"

# Within review_edit_minutes the review may be changed: A001 from 5 to 4.
m=$(lines "$k_out")
press Escape
wait_for 3000 seen "$k_out" "$m" '^screen home'
rate
press a 1 Return
expect_line "A001 again within the window: the levels" 5000 "$k_out" "$m" '^screen rate-level A001'
press 4
expect_line "A001 changed to 4" 5000 "$k_out" "$m" '^reviewed A001 4'
check "A001 changed: level 4, channel kiosk" "4 - kiosk -" "$(review_row A001)"
check "A001 changed: reviewed, then review_changed" "reviewed review_changed" "$(review_events A001)"
home

# 45 minutes later, past the window: a second review is refused before any level is chosen.
m=$(lines "$k_out")
stop "$hallqd_pid"
start_hallqd_at "2026-11-23 10:45" || give_up "hallqd --clock did not start again: $(tail -3 "$hallqd_log")"
m=$(lines "$k_out")
rate
press a 1 Return
expect_line "A001 past the window: found" 5000 "$k_out" "$m" "^found A001 $id1 done"
expect_line "A001 past the window: refused, reviewed already" 3000 "$k_out" "$m" '^refused rated'
expect_line "A001 past the window: back on the keypad" 3000 "$k_out" "$m" '^screen rate-number'
check "A001 past the window: still level 4" "4 - kiosk -" "$(review_row A001)"
press Escape

# hallqd frozen while a review is sent: the citizen is thanked, the kiosk keeps it and sends
# it again under its key when hallqd answers: one review.
id4=$(served business)
m=$(lines "$k_out")
rate
press a 3 Return
expect_line "A003: the levels" 5000 "$k_out" "$m" '^screen rate-level A003'
kill -STOP "$hallqd_pid"
press 5
expect_line "hallqd frozen: the review is kept" 8000 "$k_out" "$m" '^review-kept A003'
expect_line "hallqd frozen: the citizen is thanked" 3000 "$k_out" "$m" '^screen rate-thanks A003'
check "hallqd frozen: the spool keeps the review" A003 "$(spool_reviews)"
kill -CONT "$hallqd_pid"
expect_line "hallqd thawed: reviewed" 8000 "$k_out" "$m" '^reviewed A003 5'
check "hallqd thawed: one review, one event" "reviewed" "$(review_events A003)"
check_num "hallqd thawed: the review reached hallqd more than once" "$(review_posts "$id4")" -ge 2
check "hallqd thawed: the spool is empty" "" "$(spool_reviews)"
home

# The kiosk killed with a review in flight: the next start sends it again, one review.
id5=$(served business)
m=$(lines "$k_out")
rate
press a 4 Return
expect_line "A004: the levels" 5000 "$k_out" "$m" '^screen rate-level A004'
kill -STOP "$hallqd_pid"
press 3
expect_line "A004: sent" 3000 "$k_out" "$m" '^screen rate-wait'
stop "$k_pid" KILL
check "kiosk killed: the spool keeps the review" A004 "$(spool_reviews)"
kill -CONT "$hallqd_pid"
start_kiosk none 1080x1920 || fail "restart: ready" ready "$(tail -3 "$k_err")"
expect_line "restart: the review is sent again and answered" 8000 "$k_out" 0 '^reviewed A004 3'
check "restart: one review, level 3, channel kiosk" "3 - kiosk -" "$(review_row A004)"
check "restart: one event" "reviewed" "$(review_events A004)"
check "restart: the spool is empty" "" "$(spool_reviews)"
stop "$k_pid"
check "reviews: SIGTERM exit 0" 0 "$stop_rc"

# ---- 10. no counter open: no estimate (issue 18) ------------------------------------------

# A hall of its own at 08:50 of a Monday: business at counter 1; tax and real estate at
# counter 2 only, closed; real estate opens at 09:00. The screen's words are read from the
# text file each screenshot has beside it (the texts drawn and where, "clipped" when a text
# fell outside the frame).
stop "$hallqd_pid"
{
	cat <<EOF
[hall]
name = 测试县政务服务中心
name_en = Test County Government Service Centre
languages = zh, en
checkin_early_minutes = 30
slot_minutes = 5

EOF
	service_ini business A 企业开办 "Business registration" mon-sun
	service_ini tax F 税务 Tax mon-sun
	printf '[service realestate]\nname = 不动产登记\nname_en = Real estate\nprefix = B\n'
	printf 'hours = 09:00-12:00\ndays = mon-sun\nappointments_per_slot = 5\n\n'
	printf '[counter 1]\nservices = business\n\n[counter 2]\nservices = tax, realestate\n'
} >"$tmp/hall.ini"
DB=$tmp/noest.db
"$HALLQ" init --config "$tmp/hall.ini" --db "$DB" >"$tmp/init-noest.log" 2>&1 ||
	give_up "hallq init: $(cat "$tmp/init-noest.log")"
start_hallqd_at "2026-11-23 08:50" || give_up "hallqd --clock did not start: $(tail -3 "$hallqd_log")"
api POST /api/v1/counters/2/close >/dev/null
check "counter 2 closed" closed "$(api GET /api/v1/counters/2 | jget counter.state)"
for s in tax tax business; do api POST /api/v1/tickets "{\"service\": \"$s\"}" >/dev/null; done

# The texts on the kiosk's screen now: "X Y W H whole|clipped TEXT" a line.
screen_text() { st_png=$(shot) && cat "${st_png%.png}.txt"; }
# The texts alone, "|" before and after each; and whether one is exactly TEXT.
words() { printf '|'; screen_text | cut -d' ' -f6- | tr '\n' '|'; }
has_text() { case "$(words)" in *"|$1|"*) return 0 ;; esac; return 1; }

start_kiosk "serial:$tmp/prA:19200" 1080x1920 || give_up "the kiosk did not start: $(tail -3 "$k_err")"
window_at
home_words=$(words)
case "$home_words" in *"|等候 2 人 · 窗口暂未开放|"*) ok "home: tax's button says no counter is open, 2 waiting" ;;
*) fail "home: tax's button says no counter is open" "等候 2 人 · 窗口暂未开放" "$home_words" ;; esac
case "$home_words" in *"|约 09:00 后开始办理|"*) ok "home: real estate's button says when it opens" ;;
*) fail "home: real estate's button says when it opens" "约 09:00 后开始办理" "$home_words" ;; esac
check "home: minutes only for business, whose counter is open" "等候 1 人 · 约 10 分钟" \
	"$(echo "$home_words" | tr '|' '\n' | grep '分钟')"
check "home: nothing clipped" "" "$(screen_text | grep -v '^[-0-9]* [-0-9]* [0-9]* [0-9]* whole ')"
# English first: the language switch left of the clock.
click 590 75
wait_for 3000 has_text "2 waiting · No counter open yet" && ok "English: 2 waiting · No counter open yet" ||
	fail "English: No counter open yet" "2 waiting · No counter open yet" "$(words)"
has_text "Service from about 09:00" && ok "English: Service from about 09:00" ||
	fail "English: Service from about 09:00" "Service from about 09:00" "$(words)"
click 590 75
wait_for 3000 has_text "等候 2 人 · 窗口暂未开放" || fail "back in Chinese" "等候 2 人 · 窗口暂未开放" "$(words)"

# The priority path's buttons give a priority ticket's wait: nobody ahead of it at business.
m=$(lines "$k_out")
click 275 1810
press 1
expect_line "priority path: the services" 3000 "$k_out" "$m" '^screen services'
prio_words=$(words)
case "$prio_words" in *"|等候 1 人|"*) ok "priority path: business without the normal class's minutes" ;;
*) fail "priority path: business without the normal class's minutes" "等候 1 人" "$prio_words" ;; esac
case "$prio_words" in *"|等候 2 人 · 窗口暂未开放|"*) ok "priority path: tax says no counter is open" ;;
*) fail "priority path: tax says no counter is open" "等候 2 人 · 窗口暂未开放" "$prio_words" ;; esac
m=$(lines "$k_out")
press Escape
wait_for 3000 seen "$k_out" "$m" '^screen priority'
home

# A ticket for tax: the screen and the paper say no counter is open, and give no wait.
m=$(lines "$k_out")
press 2
expect_line "tax: a ticket" 5000 "$k_out" "$m" '^ticket F003 '
idF=$(id_after "$m")
expect_line "tax: printed" 5000 "$k_out" "$m" '^printed F003'
check "tax: hallqd's ticket has no estimate" "None no_counter" "$(curl -s -m 5 -H "Authorization: Bearer $T_KIOSK" \
	"$H/api/v1/tickets/$idF" | "$PY" -c 'import json,sys; t=json.load(sys.stdin); print(t["est_wait_s"], t["est_reason"])')"
has_text "前面还有 2 人 · 窗口暂未开放" && ok "tax: the screen says 2 ahead, no counter open" ||
	fail "tax: the screen says no counter open" "前面还有 2 人 · 窗口暂未开放" "$(words)"
has_text "2 ahead of you · No counter open yet" && ok "tax: and in English below" ||
	fail "tax: and in English below" "2 ahead of you · No counter open yet" "$(words)"
paperF=$(paper F003 text)
case "$paperF" in *"| 窗口暂未开放 / No counter open yet |"*) ok "paper: 窗口暂未开放 / No counter open yet" ;;
*) fail "paper: the no-counter words" "窗口暂未开放 / No counter open yet" "$paperF" ;; esac
case "$paperF" in *分钟* | *min* | *马上就到*) fail "paper: no wait, nor 'next'" "no 分钟, min, 马上就到" "$paperF" ;;
*) ok "paper: no wait in minutes, nor 'next'" ;; esac
home

# An appointment checked in before its service's hours: the paper says when it opens.
code=$(api POST /api/v1/appointments '{"service": "realestate", "slot": "2026-11-23 09:00"}' | jget code)
check_num "real estate appointment booked (code $code)" "${#code}" -eq 6
m=$(lines "$k_out")
click 540 1810
expect_line "check-in: the keypad" 3000 "$k_out" "$m" '^screen keypad'
# shellcheck disable=SC2046
press $(echo "$code" | sed 's/./& /g') Return
expect_line "check-in before 09:00: a ticket" 5000 "$k_out" "$m" '^ticket B001 '
expect_line "check-in: printed" 5000 "$k_out" "$m" '^printed B001'
has_text "前面还有 0 人 · 约 09:00 后开始办理" && ok "check-in: the screen says it opens about 09:00" ||
	fail "check-in: the screen says when it opens" "前面还有 0 人 · 约 09:00 后开始办理" "$(words)"
case "$(paper B001 text)" in *"| 约 09:00 后开始办理 / Service from about 09:00 |"*) ok "paper: 约 09:00 后开始办理" ;;
*) fail "paper: when it opens" "约 09:00 后开始办理 / Service from about 09:00" "$(paper B001 text)" ;; esac
home

# No estimate kept: a ticket owed while the paper is out keeps its null in the spool (not a
# 0), and is printed without a wait once the paper is back.
m=$(lines "$k_out")
printer_says paper_out
expect_line "no estimate, paper out: read" 3000 "$k_out" "$m" '^printer paper_out'
press 2
expect_line "no estimate, paper out: F004 issued" 5000 "$k_out" "$m" '^ticket F004 '
check "spool: F004's est_wait_s is null, its reason kept" "F004 None no_counter" "$("$PY" -c 'import json,sys
for e in json.load(open(sys.argv[1]))["entries"]:
    t = e.get("ticket") or {}
    print(t.get("label"), t.get("est_wait_s", "absent"), t.get("est_reason", "absent"))' "$tmp/spool")"
home
m=$(lines "$k_out")
printer_says ok
expect_line "paper back: F004 printed" 5000 "$k_out" "$m" '^printed F004'
check "paper back: F004 printed once" 1 "$(paper F004 count)"
case "$(paper F004 text)" in *分钟* | *马上就到*) fail "paper back: no wait on F004" "no 分钟, 马上就到" "$(paper F004 text)" ;;
*) ok "paper back: no wait, nor 'next', on F004" ;; esac

# Through a restart: the kiosk killed with the request in flight sends it again; hallqd's
# answer, the ticket as issued, has no estimate, and the screen says so. (Whether the paper
# gives the figures depends on whether the printer answered before hallqd did: a ticket that
# waited for the printer is a reprint, which leaves them out. Neither gives a wait.)
m=$(lines "$k_out")
kill -STOP "$hallqd_pid"
press 2
expect_line "in flight: issuing" 3000 "$k_out" "$m" '^screen issuing'
stop "$k_pid" KILL
kill -CONT "$hallqd_pid"
start_kiosk "serial:$tmp/prA:19200" 1080x1920 || fail "restart: ready" ready "$(tail -3 "$k_err")"
expect_line "restart: F005 issued" 8000 "$k_out" 0 '^ticket F005 '
expect_line "restart: F005 shown" 3000 "$k_out" 0 '^screen ticket F005'
case "$(words)" in *"|前面还有 4 人 · 窗口暂未开放|"*) ok "restart: F005's screen says no counter is open" ;;
*) fail "restart: F005's screen says no counter is open" "前面还有 4 人 · 窗口暂未开放" "$(words)" ;; esac
expect_line "restart: F005 printed" 5000 "$k_out" 0 '^printed F005'
check "restart: F005 printed once" 1 "$(paper F005 count)"
case "$(paper F005 text)" in *分钟* | *马上就到*) fail "restart: no wait on F005" "no 分钟, 马上就到" "$(paper F005 text)" ;;
*) ok "restart: no wait, nor 'next', on F005" ;; esac
window_at
home

# Counter 2 opens: tax has an estimate again, the words go.
api POST /api/v1/counters/2/open >/dev/null
tax_estimated() { words | grep -q '|等候 5 人\( · 约 [0-9]* 分钟\)\{0,1\}|'; }
wait_for 8000 tax_estimated && ok "counter 2 open: tax shows its wait again" ||
	fail "counter 2 open: tax shows its wait again" "等候 5 人 · 约 N 分钟" "$(words)"
case "$(words)" in *窗口暂未开放*) fail "counter 2 open: the no-counter words are gone" "none" "$(words)" ;;
*) ok "counter 2 open: the no-counter words are gone" ;; esac
stop "$k_pid"
check "no counter open: SIGTERM exit 0" 0 "$stop_rc"

# ---- 11. ranges: estimate_display = range (issue 18) ----------------------------------------

# A hall of its own at 10:00 of a Monday that shows the estimate's 80% range: business and
# the green channel's lane at counter 1, tax at counter 2, closed.
stop "$hallqd_pid"
{
	cat <<EOF
[hall]
name = 测试县政务服务中心
name_en = Test County Government Service Centre
languages = zh, en
estimate_display = range

EOF
	service_ini business A 企业开办 "Business registration" mon-sun
	service_ini tax F 税务 Tax mon-sun
	service_ini green G 绿色通道 "Green channel" mon-sun "priority_lane = yes"
	printf '[counter 1]\nservices = business, green\n\n[counter 2]\nservices = tax\n'
} >"$tmp/hall.ini"
DB=$tmp/range.db
"$HALLQ" init --config "$tmp/hall.ini" --db "$DB" >"$tmp/init-range.log" 2>&1 ||
	give_up "hallq init: $(cat "$tmp/init-range.log")"
# The morning before at counter 1 (a Sunday), through hallq on the hall's clock before
# hallqd starts: citizens of both its services called 3 to 18 minutes apart, so that the
# estimate has turns of this time of day to draw from and a range wider than a minute (the
# target alone gives none). Today's numbers and queues start afresh.
range_morning() {
	for rm_s in business business business business business business \
		green green green green green green green; do
		HALLQ_NOW="2026-11-22 09:00" "$HALLQ" issue "$rm_s" --db "$DB" >/dev/null 2>&1 ||
			give_up "hallq issue $rm_s at 09:00"
	done
	for rm_hm in 09:00 09:04 09:09 09:17 09:20 09:27 09:38 09:41 09:46 09:52 09:55 09:57 09:59; do
		for rm_op in call start finish; do
			HALLQ_NOW="2026-11-22 $rm_hm" "$HALLQ" "$rm_op" 1 --db "$DB" >/dev/null 2>&1 ||
				give_up "hallq $rm_op 1 at $rm_hm"
		done
	done
}
range_morning
start_hallqd_at "2026-11-23 10:00" || give_up "hallqd --clock did not start: $(tail -3 "$hallqd_log")"
api POST /api/v1/counters/2/close >/dev/null
for s in business business business business tax tax green; do api POST /api/v1/tickets "{\"service\": \"$s\"}" >/dev/null; done
check "range: the hall says so" range "$(api GET /api/v1/hall | jget estimate_display)"

# The range as the contract rounds it (docs/kiosk.md), worked out here on its own from the
# JSON on stdin (the hall's service KEY, or a ticket): "A–B" minutes, "under" within the
# first minute, "-" when there is none.
range_of() { # [key]
	"$PY" -c 'import json,sys
v=json.load(sys.stdin)
if len(sys.argv) > 1:
    v=[s for s in v["services"] if s["key"] == sys.argv[1]][0]
r=v.get("est_wait_range_s")
if r is None:
    print("-"); sys.exit()
lo=r[0]//60
hi=max(-(-r[1]//60), lo + 1)
print("under" if hi <= 1 else "%d\u2013%d" % (lo, hi))' "$@"
}
zh_of() { case "$1" in under) echo "不到 1 分钟" ;; *) echo "约 $1 分钟" ;; esac; }
en_of() { case "$1" in under) echo "under a minute" ;; *) echo "about $1 min" ;; esac; }
hall_json=$(api GET /api/v1/hall)
rB=$(echo "$hall_json" | range_of business)
check "range: business has one" yes "$(case $rB in *–*) echo yes ;; *) echo "$rB" ;; esac)"
check "range: tax has none (no counter open)" - "$(echo "$hall_json" | range_of tax)"
# The hall's clock runs, and an estimate may move with it: each look compares the screen
# with the hall read again (the kiosk reads it every 2 s). TEXT with R for the range.
range_shown() { # key text
	rs_r=$(api GET /api/v1/hall | range_of "$1")
	rs_want=$(echo "$2" | sed "s/ZH/$(zh_of "$rs_r")/; s/EN/$(en_of "$rs_r")/")
	has_text "$rs_want"
}
# The point of a priority ticket of business, as its button gives it.
prio_shown() {
	ps_s=$(api GET /api/v1/hall | "$PY" -c 'import json,sys
s=[s for s in json.load(sys.stdin)["services"] if s["key"] == "business"][0]
print(s["est_wait_priority_s"])')
	if [ "$ps_s" -lt 60 ]; then rs_want="等候 4 人"; else rs_want="等候 4 人 · 约 $(((ps_s + 59) / 60)) 分钟"; fi
	has_text "$rs_want"
}

rm -f "$tmp/spool"
start_kiosk "serial:$tmp/prA:19200" 1080x1920 || give_up "the kiosk did not start: $(tail -3 "$k_err")"
window_at
wait_for 6000 range_shown business "等候 4 人 · ZH" && ok "range: business's button says $rs_want" ||
	fail "range: business's button gives its range" "$rs_want" "$(words)"
home_words=$(words)
case "$home_words" in *"|等候 2 人 · 窗口暂未开放|"*) ok "range: no counter open still wins (tax)" ;;
*) fail "range: no counter open still wins (tax)" "等候 2 人 · 窗口暂未开放" "$home_words" ;; esac
check "range: nothing clipped" "" "$(screen_text | grep -v '^[-0-9]* [-0-9]* [0-9]* [0-9]* whole ')"
cp "$(shot)" "$tmp/kiosk-range-home.png"
click 590 75
wait_for 6000 range_shown business "4 waiting · EN" && ok "range: English: $rs_want" ||
	fail "range: English: the range" "$rs_want" "$(words)"
check "range: English: nothing clipped" "" "$(screen_text | grep -v '^[-0-9]* [-0-9]* [0-9]* [0-9]* whole ')"
click 590 75
wait_for 3000 has_text "等候 2 人 · 窗口暂未开放" || fail "range: back in Chinese" "等候 2 人 · 窗口暂未开放" "$(words)"

# The priority path: a priority ticket has no range of its own, its point is shown; the
# green channel's lane, whose estimate is of that class already, gives its range.
m=$(lines "$k_out")
click 275 1810
press 1
expect_line "range: priority path: the services" 3000 "$k_out" "$m" '^screen services'
wait_for 6000 prio_shown && ok "range: priority path: business gives a priority ticket's point ($rs_want)" ||
	fail "range: priority path: business gives the point" "$rs_want" "$(words)"
case "$(words)" in *–*) fail "range: priority path: no range" "no –" "$(words)" ;;
*) ok "range: priority path: no range on a priority ticket's buttons" ;; esac
m=$(lines "$k_out")
press Escape
wait_for 3000 seen "$k_out" "$m" '^screen priority'
# The green channel has one lane here, so its ticket comes at once: the lane's own range.
m=$(lines "$k_out")
press 3
expect_line "range: green channel: a ticket" 5000 "$k_out" "$m" '^ticket G002 '
tG=$(curl -s -m 5 -H "Authorization: Bearer $T_KIOSK" "$H/api/v1/tickets/$(id_after "$m")")
rG=$(echo "$tG" | range_of)
check "range: green channel: the ticket has a range" yes "$(case $rG in *–* | under) echo yes ;; *) echo "$rG" ;; esac)"
has_text "前面还有 $(echo "$tG" | jget people_ahead) 人 · 预计等候$(zh_of "$rG")" &&
	ok "range: green channel: the screen says 预计等候$(zh_of "$rG")" ||
	fail "range: green channel: the lane's range" "前面还有 1 人 · 预计等候$(zh_of "$rG")" "$(words)"
expect_line "range: green channel: printed" 5000 "$k_out" "$m" '^printed G002'
home

# A ticket for business: its own range (the ticket's JSON), on the screen and on paper.
m=$(lines "$k_out")
press 1
expect_line "range: a ticket" 5000 "$k_out" "$m" '^ticket A005 '
idR=$(id_after "$m")
expect_line "range: printed" 5000 "$k_out" "$m" '^printed A005'
tR=$(curl -s -m 5 -H "Authorization: Bearer $T_KIOSK" "$H/api/v1/tickets/$idR")
rT=$(echo "$tR" | range_of)
aT=$(echo "$tR" | jget people_ahead)
check "range: the ticket says range" range "$(echo "$tR" | jget estimate_display)"
has_text "前面还有 $aT 人 · 预计等候$(zh_of "$rT")" && ok "range: the screen says 预计等候$(zh_of "$rT")" ||
	fail "range: the screen gives the ticket's range" "前面还有 $aT 人 · 预计等候$(zh_of "$rT")" "$(words)"
has_text "$aT ahead of you · $(en_of "$rT")" && ok "range: and in English" ||
	fail "range: and in English" "$aT ahead of you · $(en_of "$rT")" "$(words)"
check "range: the ticket's screen: nothing clipped" "" "$(screen_text | grep -v '^[-0-9]* [-0-9]* [0-9]* [0-9]* whole ')"
cp "$(shot)" "$tmp/kiosk-range-ticket.png"
case "$(paper A005 text)" in *"| 预计等候$(zh_of "$rT") / $(en_of "$rT") |"*) ok "range: paper: 预计等候$(zh_of "$rT") / $(en_of "$rT")" ;;
*) fail "range: paper: the ticket's range" "预计等候$(zh_of "$rT") / $(en_of "$rT")" "$(paper A005 text)" ;; esac
home

# The spool keeps hallqd's answer as it came: a ticket owed while the paper is out has its
# range and the hall's choice in the spool.
m=$(lines "$k_out")
printer_says paper_out
expect_line "range, paper out: read" 3000 "$k_out" "$m" '^printer paper_out'
press 1
expect_line "range, paper out: A006 issued" 5000 "$k_out" "$m" '^ticket A006 '
idS=$(id_after "$m")
check "range: spool: A006's range and estimate_display as hallqd gave them" 	"$(curl -s -m 5 -H "Authorization: Bearer $T_KIOSK" "$H/api/v1/tickets/$idS" | "$PY" -c 'import json,sys
t=json.load(sys.stdin); print(t["label"], t["est_wait_range_s"], t["estimate_display"])')" \
	"$("$PY" -c 'import json,sys
for e in json.load(open(sys.argv[1]))["entries"]:
    t = e.get("ticket") or {}
    print(t.get("label"), t.get("est_wait_range_s", "absent"), t.get("estimate_display", "absent"))' "$tmp/spool")"
home
m=$(lines "$k_out")
printer_says ok
expect_line "range, paper back: A006 printed" 5000 "$k_out" "$m" '^printed A006'

# A restart: the kiosk killed with the request in flight, started again while hallqd is still
# frozen; the printer is ready before hallqd answers, so the ticket is printed as issued (not
# a reprint), with the range hallqd gave it when it was issued.
m=$(lines "$k_out")
kill -STOP "$hallqd_pid"
press 1
expect_line "range, in flight: issuing" 3000 "$k_out" "$m" '^screen issuing'
stop "$k_pid" KILL
kiosk_n=$((kiosk_n + 1))
k_out=$tmp/kiosk$kiosk_n.out
k_err=$tmp/kiosk$kiosk_n.err
"$KIOSK" --server "$H" --token "$T_KIOSK" --printer "serial:$tmp/prA:19200" --window 1080x1920 --name hall-1 \
	--spool "$tmp/spool" --shot-dir "$tmp" --printer-poll 300 >"$k_out" 2>"$k_err" &
k_pid=$!
pids="$pids $!"
expect_line "range, restart: the printer is ready first" 8000 "$k_out" 0 '^printer ok'
kill -CONT "$hallqd_pid"
expect_line "range, restart: A007 issued" 10000 "$k_out" 0 '^ticket A007 '
idK=$(id_after 0)
expect_line "range, restart: A007 printed" 5000 "$k_out" 0 '^printed A007'
tK=$(curl -s -m 5 -H "Authorization: Bearer $T_KIOSK" "$H/api/v1/tickets/$idK")
rK=$(echo "$tK" | range_of)
aK=$(echo "$tK" | jget people_ahead)
# (In Chinese alone when the ticket came before the kiosk had read the hall and its languages.)
paperK=$(paper A007 text)
case "$paperK" in *"| 预计等候$(zh_of "$rK")"*) ok "range, restart: paper: 预计等候$(zh_of "$rK")" ;;
*) fail "range, restart: paper: the range it was issued with" "预计等候$(zh_of "$rK")" "$paperK" ;; esac
case "$paperK" in *补打*) fail "range, restart: not a reprint" "no 补打" "$paperK" ;; *) ok "range, restart: not a reprint" ;; esac
window_at
wait_for 3000 has_text "前面还有 $aK 人 · 预计等候$(zh_of "$rK")" && ok "range, restart: the screen gives it too" ||
	fail "range, restart: the screen gives the range" "前面还有 $aK 人 · 预计等候$(zh_of "$rK")" "$(words)"
home

# Back on point (the config reloaded): the minutes as before, no range anywhere.
sed -i 's/^estimate_display = range$/estimate_display = point/' "$tmp/hall.ini"
kill -HUP "$hallqd_pid"
wait_for 5000 sh -c "grep -q 'hall.ini applied' '$hallqd_log'" || fail "point: reloaded" "hall.ini applied" "$(tail -3 "$hallqd_log")"
point_shown() {
	rs_want=$(api GET /api/v1/hall | "$PY" -c 'import json,sys
s=[s for s in json.load(sys.stdin)["services"] if s["key"] == "business"][0]
print("等候 %d 人 · 约 %d 分钟" % (s["waiting"], (s["est_wait_s"] + 59) // 60))')
	has_text "$rs_want"
}
wait_for 8000 point_shown && ok "point: business says $rs_want again" ||
	fail "point: business's minutes" "$rs_want" "$(words)"
case "$(words)" in *–*) fail "point: no range anywhere" "no –" "$(words)" ;; *) ok "point: no range anywhere" ;; esac
stop "$k_pid"
check "ranges: SIGTERM exit 0" 0 "$stop_rc"

if grep -E ' error: |AddressSanitizer|runtime error' "$tmp"/kiosk*.err >/dev/null; then
	fail "no errors or sanitizer reports in the kiosk's logs" "none" "$(grep -E ' error: |AddressSanitizer|runtime error' "$tmp"/kiosk*.err | head -3)"
else
	ok "no errors or sanitizer reports in the kiosk's logs"
fi

# KIOSK_SHOTS=DIR keeps the range's screenshots (docs/kiosk/).
[ -n "${KIOSK_SHOTS:-}" ] && cp "$tmp"/kiosk-range-*.png "$KIOSK_SHOTS"/ 2>/dev/null
echo "kiosk: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
