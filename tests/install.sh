#!/bin/sh
# make install into a scratch DESTDIR: every program, the voice clips and the sample halls
# land under PREFIX, and the installed programs run from there: hallq sets a hall up, hallqd
# serves it, and the installed wall display starts with its voice (no --no-voice), finding
# the installed clips from a folder that has no assets/, shows a call and speaks it. The
# systemd units are there with PREFIX in them, and the example /etc/hallq/hall.ini, which
# a second install leaves alone once changed. Then make uninstall takes it all away. Ends
# with "install: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
need "Debian packages xvfb curl python3" Xvfb curl "$PY"
make_tmp
TZ=Asia/Shanghai
SDL_AUDIODRIVER=dummy
# libdbus's buffer that SDL's video init leaves (a sanitizer build reports it otherwise).
LSAN_OPTIONS="suppressions=$(pwd)/tests/display/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TZ SDL_AUDIODRIVER LSAN_OPTIONS

ROOT=$tmp/root
PREFIX=/opt/hallq
make --no-print-directory BUILD="$BUILD" PREFIX="$PREFIX" DESTDIR="$ROOT" install >"$tmp/install.log" 2>&1 ||
	give_up "make install failed: $(tail -5 "$tmp/install.log")"
BIN=$ROOT$PREFIX/bin
SHARE=$ROOT$PREFIX/share/hallq
for p in hallq hallqd hallq-counter hallq-display hallq-kiosk hallq-sim hallq-unit-sim hallq-printer-sim; do
	check "installed $p" yes "$([ -x "$BIN/$p" ] && echo yes || echo no)"
done
check "the sample hall is installed" yes "$([ -s "$SHARE/halls/county-centre.ini" ] && echo yes || echo no)"
nclips=$(find "$SHARE/voice" -name '*.wav' | wc -l)
check_num "the voice clips are installed ($nclips)" "$nclips" -ge 40
check "the chime and both languages' clips" "yes yes yes" \
	"$(for f in chime.wav zh en; do [ -e "$SHARE/voice/$f" ] && printf yes || printf no; [ $f = en ] || printf ' '; done)"
check "nothing of the build's bookkeeping is installed" "" "$(ls -A "$SHARE/voice" | grep '^\.')"
for u in hallqd.service hallq-counter@.service hallq-display.service hallq-kiosk.service \
	hallq-backup.service hallq-backup.timer; do
	check "installed the unit $u" yes "$([ -s "$ROOT$PREFIX/lib/systemd/system/$u" ] && echo yes || echo no)"
done
check "the units run the programs under PREFIX" "ExecStart=$PREFIX/bin/hallqd" \
	"$(grep -o '^ExecStart=[^ ]*' "$ROOT$PREFIX/lib/systemd/system/hallqd.service")"
check "the example config is /etc/hallq/hall.ini" yes "$(cmp -s assets/halls/county-centre.ini "$ROOT/etc/hallq/hall.ini" && echo yes || echo no)"
echo "; the operator's" >>"$ROOT/etc/hallq/hall.ini"
make --no-print-directory BUILD="$BUILD" PREFIX="$PREFIX" DESTDIR="$ROOT" install >"$tmp/install2.log" 2>&1
check "make install again keeps the operator's config" "; the operator's" "$(tail -1 "$ROOT/etc/hallq/hall.ini")"
cp assets/halls/county-centre.ini "$ROOT/etc/hallq/hall.ini"
check "the installed hallq runs" yes "$("$BIN/hallq" version >/dev/null 2>&1 && echo yes || echo no)"

# The installed programs run a small hall, from a folder without assets/.
mkdir -p "$tmp/hall"
cd "$tmp/hall" || exit 1
{
	printf '[hall]\nname = 安装测试大厅\nlanguages = zh, en\n\n'
	service_ini a A 综合 General mon-sun
	printf '[counter 1]\nservices = a\n'
} >"$tmp/hall.ini"
HALLQ=$BIN/hallq
HALLQD=$BIN/hallqd
HALLQ_NOW="2026-11-23 09:00" init_db
T_DISP=display-token-0123456789
T_KIOSK=kiosk-token-0123456789
T_CTR=counter1-token-0123456789
write_tokens "display $T_DISP" "kiosk $T_KIOSK" "counter:1 $T_CTR"
pick_port $((24000 + ($$ % 1000) * 2))
logs="$hallqd_log $tmp/display.err"

start_xvfb $((600 + $$ % 300))
HALLQ_TOKEN=$T_DISP "$BIN/hallq-display" --server "$H" --window 1280x720 --repeat 1 \
	>"$tmp/display.out" 2>"$tmp/display.err" &
disp_pid=$!
pids="$pids $disp_pid"
if wait_for 15000 grep -q '^ready' "$tmp/display.out"; then
	ok "the installed display starts with its voice"
else
	fail "the installed display starts with its voice" "ready" "$(tail -3 "$tmp/display.err")"
fi
check "it found the installed clips (no voice error)" "" "$(grep -i 'voice\|clip' "$tmp/display.err" | grep -iv 'no sound')"
curl -s -m 5 -X POST -H "Authorization: Bearer $T_KIOSK" -d '{"service": "a"}' -o /dev/null "$H/api/v1/tickets"
curl -s -m 5 -X POST -H "Authorization: Bearer $T_CTR" -o /dev/null "$H/api/v1/counters/1/call-next"
if wait_for 10000 grep -q 'call A001 1$' "$tmp/display.out"; then ok "it shows the call"; else
	fail "it shows the call" "call A001 1" "$(tail -3 "$tmp/display.out")"
fi
if wait_for 15000 grep -q '^said ' "$tmp/display.out"; then ok "it speaks the call"; else
	fail "it speaks the call" "said ID PLAYED/EXPECTED" "$(grep -v layout "$tmp/display.out" | tail -3)"
fi
stop "$disp_pid"
check "the display stops cleanly" 0 "$stop_rc"
[ "$stop_rc" -eq 0 ] || sed -n '/Sanitizer\|SUMMARY/,+12p' "$tmp/display.err" | head -30
stop "$hallqd_pid"

cd - >/dev/null || exit 1
make --no-print-directory BUILD="$BUILD" PREFIX="$PREFIX" DESTDIR="$ROOT" uninstall >"$tmp/uninstall.log" 2>&1
check "make uninstall leaves no file" "" "$(find "$ROOT" -type f | head -3)"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
