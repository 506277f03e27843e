#!/bin/sh
# hallq backup and restore against a running hallqd (docs/cli.md): an online copy while
# hallqd issues tickets under load (the copy passes integrity_check and holds the tickets up
# to its time), a `hallq backup` killed with SIGKILL half-way (the live database intact and
# still served, the .partial refused by restore and reported and cleaned by the next
# backup), --dir with --keep, restore's refusals (hallqd running, a corrupt file, a newer
# schema, a .partial) and a good restore that hallqd then serves. The copy is slowed with
# the test-only HALLQ_BACKUP_STEP_MS and HALLQ_BACKUP_STEP_PAGES, never by sleeping here.
# Ends with "backup: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
TZ=Asia/Shanghai
export TZ
unset HALLQ_DB HALLQ_NOW HALLQ_BACKUP_STEP_MS HALLQ_BACKUP_STEP_PAGES

make_tmp
need "make tests builds them; Debian packages curl sqlite3" "$HALLQD" "$HALLQ" curl sqlite3

T_KIOSK=kiosk-0123456789abcdef
write_tokens "kiosk $T_KIOSK"
{
	printf '[hall]\nname = 备份测试大厅\n\n'
	service_ini a A 企业开办 Business mon-sun 'numbers = 1-9999'
	service_ini b B 不动产登记 "Real estate" mon-sun 'numbers = 1-9999'
	printf '[counter 1]\nservices = a, b\n'
} >"$tmp/hall.ini"
init_db
port=$((30000 + ($$ % 1000) * 2))
pick_port "$port"
logs=$hallqd_log

issue() { # service: the HTTP status
	curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $T_KIOSK" \
		-H 'Content-Type: application/json' -d "{\"service\": \"$1\"}" "$H/api/v1/tickets"
}
sql() { sqlite3 -batch "file:$1?mode=ro" "$2" 2>&1; } # file sql: read-only, never a write
# Citizens at the kiosks until $tmp/stop appears: one ticket after another, two services.
load() {
	while [ ! -e "$tmp/stop" ]; do issue a >/dev/null; issue b >/dev/null; done
}
start_load() {
	rm -f "$tmp/stop"
	load &
	load_pid=$!
	pids="$pids $load_pid"
	wait_for 10000 has_tickets "${1:-20}" || give_up "the load issued no tickets: $(tail -2 "$hallqd_log")"
}
has_tickets() { [ "$(sql "$DB" 'SELECT COUNT(*) FROM tickets')" -ge "$1" ]; }
stop_load() { touch "$tmp/stop"; wait "$load_pid" 2>/dev/null; pids=$(echo " $pids " | sed "s/ $load_pid / /"); }

# ---- 1. an online copy while hallqd issues tickets --------------------------------------
start_load 50
before=$(sql "$DB" 'SELECT MAX(id) FROM tickets')
HALLQ_BACKUP_STEP_PAGES=4 HALLQ_BACKUP_STEP_MS=20 "$HALLQ" backup --db "$DB" --to "$tmp/b1.db" \
	>"$tmp/b1.out" 2>"$tmp/b1.err"
rc=$?
after=$(sql "$DB" 'SELECT MAX(id) FROM tickets')
stop_load
check "backup under load exits 0" "0 " "$rc $(cat "$tmp/b1.err")"
check "its first line is the file" "$tmp/b1.db" "$(head -1 "$tmp/b1.out")"
check "the copy passes integrity_check" ok "$(sql "$tmp/b1.db" 'PRAGMA integrity_check')"
check "the copy is one file (no journal mode WAL, nothing beside it)" "delete|" \
	"$(sql "$tmp/b1.db" 'PRAGMA journal_mode')|$(ls "$tmp" | grep -E '^b1\.db[-.]')"
n=$(sql "$tmp/b1.db" 'SELECT COUNT(*) FROM tickets')
max=$(sql "$tmp/b1.db" 'SELECT MAX(id) FROM tickets')
check "the copy holds every ticket up to its last, none missing (ids 1..$max)" "$max" "$n"
check_num "the copy has the tickets issued before it began" "$max" -ge "$before"
check_num "and none issued after it ended" "$max" -le "$after"
check "it reports what it copied" "tickets: $n" "$(grep '^tickets:' "$tmp/b1.out")"
check "it reports the schema and the hall's day" "schema: $(sql "$DB" 'PRAGMA user_version') day: $(date +%F)" \
	"$(grep '^schema:' "$tmp/b1.out") $(grep '^day:' "$tmp/b1.out")"
steps=$(sed -n 's/^steps: //p' "$tmp/b1.out")
check_num "the copy went in steps while hallqd wrote" "$steps" -gt 2
note "$(grep -E '^(pages|bytes|steps|seconds):' "$tmp/b1.out" | tr '\n' ' ')"

# ---- 2. SIGKILL half-way ------------------------------------------------------------------
start_load 10
HALLQ_BACKUP_STEP_PAGES=1 HALLQ_BACKUP_STEP_MS=200 "$HALLQ" backup --db "$DB" --to "$tmp/b2.db" \
	>"$tmp/b2.out" 2>&1 &
bk_pid=$!
pids="$pids $bk_pid"
partial_grows() { [ "$(stat -c %s "$tmp/b2.db.partial" 2>/dev/null || echo 0)" -ge 16384 ]; }
wait_for 20000 partial_grows || fail "the slow backup writes its .partial" ">= 16384 bytes" \
	"$(ls -l "$tmp" | grep b2)"
check "the backup is still copying when killed" yes "$(alive "$bk_pid" && echo yes || echo no)"
stop "$bk_pid" KILL
check "a killed backup leaves only its .partial" "b2.db.partial" "$(ls "$tmp" | grep '^b2\.db')"
check "the live database passes integrity_check" ok "$(sql "$DB" 'PRAGMA integrity_check')"
check "hallqd goes on serving" 201 "$(issue a)"
stop_load
check "hallqd is still running" yes "$(alive "$hallqd_pid" && echo yes || echo no)"
out=$("$HALLQ" restore --from "$tmp/b2.db.partial" --db "$tmp/other.db" 2>&1)
check "restore refuses a .partial" "1 unfinished" "$? $(echo "$out" | grep -o unfinished)"
HALLQ_BACKUP_STEP_PAGES=16 "$HALLQ" backup --db "$DB" --to "$tmp/b2.db" >"$tmp/b2.out" 2>"$tmp/b2.err"
check "the next backup to that file succeeds" 0 "$?"
check "and reports the stale .partial it removed" 1 "$(grep -c 'removed .*b2.db.partial.*did not end' "$tmp/b2.err")"
check "no .partial is left" "b2.db" "$(ls "$tmp" | grep '^b2\.db')"
check "the new copy passes integrity_check" ok "$(sql "$tmp/b2.db" 'PRAGMA integrity_check')"

# A .partial held by a backup still running is never touched: the second run refuses.
HALLQ_BACKUP_STEP_PAGES=1 HALLQ_BACKUP_STEP_MS=200 "$HALLQ" backup --db "$DB" --to "$tmp/b3.db" \
	>"$tmp/b3.out" 2>&1 &
bk_pid=$!
pids="$pids $bk_pid"
wait_for 10000 test -e "$tmp/b3.db.partial"
out=$("$HALLQ" backup --db "$DB" --to "$tmp/b3.db" 2>&1)
check "a second backup to a .partial in use is refused" "1 another backup" \
	"$? $(echo "$out" | grep -o 'another backup')"
check "and the running one's .partial is still there" yes "$(alive "$bk_pid" && test -e "$tmp/b3.db.partial" && echo yes)"
stop "$bk_pid" KILL

# ---- 3. --dir with --keep: dated names by the hall's clock, the oldest beyond N removed ---
mkdir "$tmp/dir"
: >"$tmp/dir/hall-20261123-090000.db.partial" # a killed run's
for t in 10:00 10:01 10:02 10:03; do
	HALLQ_NOW="2026-11-23 $t" "$HALLQ" backup --db "$DB" --dir "$tmp/dir" --keep 2 >>"$tmp/dir.out" 2>&1 ||
		fail "backup --dir at $t" "exit 0" "$(tail -2 "$tmp/dir.out")"
done
check "--keep 2 keeps the newest two" "hall-20261123-100200.db hall-20261123-100300.db" \
	"$(ls "$tmp/dir" | tr '\n' ' ' | sed 's/ $//')"
check "it names what it removed" 2 "$(grep -c '^removed: ' "$tmp/dir.out")"
check "and the stale .partial it cleaned" 1 "$(grep -c '^stale: .*090000.db.partial' "$tmp/dir.out")"

# ---- 4. restore's refusals ----------------------------------------------------------------
live=$(sql "$DB" 'SELECT COUNT(*) FROM tickets')
out=$("$HALLQ" restore --from "$tmp/b1.db" --db "$DB" 2>&1)
check "restore refuses while hallqd holds the database" "1 stop hallqd first" \
	"$? $(echo "$out" | grep -o 'stop hallqd first')"
stop "$hallqd_pid"
cp "$tmp/b1.db" "$tmp/bad.db"
# Garbage over the middle of the file: pages of tables and indexes no longer agree.
pages=$(sql "$tmp/bad.db" 'PRAGMA page_count')
printf 'hallq-corrupt-%.0s' $(seq 1 300) | dd of="$tmp/bad.db" bs=4096 seek=$((pages / 2)) conv=notrunc 2>/dev/null
out=$("$HALLQ" restore --from "$tmp/bad.db" --db "$DB" 2>&1)
check "restore refuses a corrupt file" "1 yes" "$? $(echo "$out" | grep -qE 'integrity_check|not a usable' && echo yes)"
note "$out"
cp "$tmp/b1.db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" 'PRAGMA user_version = 99'
out=$("$HALLQ" restore --from "$tmp/newer.db" --db "$DB" 2>&1)
check "restore refuses a newer schema" "1 newer" "$? $(echo "$out" | grep -q newer && echo newer)"
printf 'not a database at all\n' >"$tmp/junk.db"
"$HALLQ" restore --from "$tmp/junk.db" --db "$DB" >/dev/null 2>&1
check "restore refuses a file that is no database" 1 "$?"
check "the refusals left the database as it was" "$live ok" \
	"$(sql "$DB" 'SELECT COUNT(*) FROM tickets') $(sql "$DB" 'PRAGMA integrity_check')"
check "and left no temporary file" "" "$(ls "$tmp" | grep 'restore-')"

# ---- 5. a good restore ----------------------------------------------------------------------
"$HALLQ" restore --from "$tmp/b1.db" --db "$DB" >"$tmp/r.out" 2>&1
check "restore of a good copy exits 0" "0" "$?$(grep -v : "$tmp/r.out" | grep -v "^$DB$")"
check "the database is the copy" "$n" "$(sql "$DB" 'SELECT COUNT(*) FROM tickets')"
check "the old one is kept as .before-restore" "$live" "$(sql "$DB.before-restore" 'SELECT COUNT(*) FROM tickets')"
check "no -wal of the old database is left beside the new one" "" "$(ls "$tmp" | grep -E '^hall\.db-(wal|shm)$')"
start_hallqd || fail "hallqd starts on the restored database" "it listens" "$(tail -3 "$hallqd_log")"
logs=$hallqd_log
check "hallqd serves the restored hall" 201 "$(issue b)"
check "its next ticket comes after the copy's" "$((max + 1))" "$(sql "$DB" 'SELECT MAX(id) FROM tickets')"
stop "$hallqd_pid"
check "the restored database passes integrity_check" ok "$(sql "$DB" 'PRAGMA integrity_check')"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
