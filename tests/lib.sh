# Shared by the shell integration tests (sourced, after `cd` to the repository): the
# pass/fail bookkeeping that ends in each script's summary line, waiting with a deadline
# instead of sleeping blindly, and the set-up the end-to-end tests share: a scratch
# directory cleaned up at exit with every process started stopped by its PID, an Xvfb on a
# free display number, and a hallqd of their own on a free port. Sourcing it starts the
# counts at 0; the script keeps in logs the files whose last lines a failed check shows, and
# in pids the processes it started (stop() takes one out).

# The programs under test are in $BUILD (build-san for the sanitizer build); the checks that
# read JSON, PNG or serial bytes run this python3.
BUILD=${BUILD:-build}
HALLQD=$BUILD/hallqd
HALLQ=$BUILD/hallq
PY=/usr/bin/python3

passed=0
failed=0
logs=""
pids=""
suite=${0##*/}
suite=${suite%.sh}     # the script's name in its summary line: "kiosk: 3 passed, 0 failed"

ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { # name expected seen
	failed=$((failed + 1))
	echo "FAIL - $1"
	echo "    expected: $2"
	echo "    seen:     $(echo "$3" | head -5 | sed '2,$s/^/              /')"
	for f_log in $logs; do
		[ -s "$f_log" ] || continue
		echo "    --- last lines of $(basename "$f_log"):"
		tail -6 "$f_log" | sed 's/^/    | /'
	done
}
note() { echo "    $*"; }
check() { # name expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "$2" "$3"; fi
}
# A number compared with a bound: name value op bound (op as test(1): -ge, -le, -gt, -lt, -eq).
check_num() {
	if [ -n "$2" ] && [ "$2" "$3" "$4" ] 2>/dev/null; then ok "$1"; else fail "$1" "$3 $4" "$2"; fi
}

now_ms() { date +%s%3N; }

# True while the process runs (a zombie does not count).
alive() {
	kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Run a command until it succeeds, at most MS milliseconds, every 20 ms.
wait_for() { # ms command...
	w_end=$(($(now_ms) + $1))
	shift
	until "$@"; do
		[ "$(now_ms)" -ge "$w_end" ] && return 1
		sleep 0.02
	done
}

# The lines of FILE after line MARK (marks are taken with lines()).
lines() { wc -l <"$1"; }
after() { tail -n "+$(($2 + 1))" "$1"; }
seen() { after "$1" "$2" | grep -- "$3" >/dev/null; } # file mark pattern

# A line matching PATTERN appears in FILE after MARK within MS.
expect_line() { # name ms file mark pattern
	if wait_for "$2" seen "$3" "$4" "$5"; then
		ok "$1"
	else
		fail "$1" "a line matching '$5' in $(basename "$3") within $2 ms" \
			"$(after "$3" "$4" | tail -3)"
		return 1
	fi
}

# A command's output becomes EXPECTED within MS (checked every 50 ms).
expect_val() { # name ms expected command...
	ev_name=$1 ev_end=$(($(now_ms) + $2)) ev_want=$3
	shift 3
	while :; do
		ev_got=$("$@" 2>&1)
		[ "$ev_got" = "$ev_want" ] && { ok "$ev_name"; return 0; }
		[ "$(now_ms)" -ge "$ev_end" ] && break
		sleep 0.05
	done
	fail "$ev_name" "$ev_want" "$ev_got"
	return 1
}

# ---- the scratch directory and the processes started ----------------------------------

# $tmp, a new directory, and the traps that clean up after the script however it ends: the
# EXIT trap is cleanup, which a script needing more done first may wrap in its own.
make_tmp() {
	tmp=$(mktemp -d)
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}
# SIGTERM to every process in $pids, up to 3 s for each to end, then SIGKILL; then $tmp
# removed (kept, and named, with KEEP=1).
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while alive "$p" && [ $i -lt 150 ]; do sleep 0.02; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "kept $tmp" && return
	rm -rf "$tmp"
}

# A set-up step failed: say what, and end with the summary line, counting it as a failure.
give_up() {
	echo "$suite: $*"
	echo "$suite: $passed passed, $((failed + 1)) failed"
	exit 1
}
# Give up unless every tool is a command on PATH or an executable file; HINT says where the
# missing one comes from.
need() { # hint tool...
	n_hint=$1
	shift
	for n_tool in "$@"; do
		command -v "$n_tool" >/dev/null 2>&1 || [ -x "$n_tool" ] || give_up "$n_tool is missing ($n_hint)"
	done
}

# Stop a process we started, by its PID: SIGTERM (or the signal given), at most 5 s, then
# SIGKILL. Sets stop_rc (its exit status) and stop_ms (how long it took).
stop() { # pid [signal]
	[ -n "$1" ] || return 0
	st_t0=$(now_ms)
	kill "-${2:-TERM}" "$1" 2>/dev/null
	st_i=0
	while alive "$1" && [ $st_i -lt 250 ]; do sleep 0.02; st_i=$((st_i + 1)); done
	alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	stop_rc=$?
	stop_ms=$(($(now_ms) - st_t0))
	pids=$(echo " $pids " | sed "s/ $1 / /; s/^ *//; s/ *$//")
}

# ---- Xvfb and hallqd -------------------------------------------------------------------

# Xvfb on the first display number from FIRST that no X server holds (its socket or its lock
# file; FIRST from the PID, so that two runs at once differ), exported as DISPLAY; its PID in
# xvfb_pid. The screen is square so that portrait windows fit as well as landscape ones.
start_xvfb() { # first-number
	xn=$1
	while [ -e "/tmp/.X11-unix/X$xn" ] || [ -e "/tmp/.X$xn-lock" ]; do xn=$((xn + 1)); done
	Xvfb ":$xn" -screen 0 1920x1920x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
	xvfb_pid=$!
	pids="$pids $xvfb_pid"
	wait_for 10000 test -S "/tmp/.X11-unix/X$xn" || give_up "Xvfb did not start: $(cat "$tmp/xvfb.log")"
	DISPLAY=:$xn
	export DISPLAY
}

# A [service KEY] section of a hall.ini, open all day (00:00-24:00: 23:59 would close it for
# the last minute) on DAYS, with the lines given after them, and the blank line that ends it.
service_ini() { # key prefix name name_en days [line...]
	printf '[service %s]\nname = %s\nname_en = %s\nprefix = %s\nhours = 00:00-24:00\ndays = %s\n' \
		"$1" "$3" "$4" "$2" "$5"
	shift 5
	for si_line in "$@"; do echo "$si_line"; done
	echo
}

# hallqd's tokens file, $tmp/tokens, mode 600 as hallqd demands.
write_tokens() { # "role token"...
	printf '%s\n' "$@" >"$tmp/tokens"
	chmod 600 "$tmp/tokens"
}

# The database $DB, made by `hallq init` from $tmp/hall.ini.
init_db() {
	DB=$tmp/hall.db
	"$HALLQ" init --config "$tmp/hall.ini" --db "$DB" >"$tmp/init.log" 2>&1 ||
		give_up "hallq init: $(cat "$tmp/init.log")"
}

# hallqd ($HALLQD) serving $tmp/hall.ini and $DB on 127.0.0.1:$port (its URL in H) with
# $tmp/tokens and $hallqd_opts (more options, as words); its PID in hallqd_pid, its output in
# $hallqd_log, a new file each start. True once it says it listens there and answers
# /healthz; false if it ended or took more than 10 s.
hallqd_n=0
start_hallqd() {
	hallqd_n=$((hallqd_n + 1))
	hallqd_log=$tmp/hallqd$hallqd_n.log
	H=http://127.0.0.1:$port
	# shellcheck disable=SC2086
	"$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "127.0.0.1:$port" --tokens "$tmp/tokens" \
		${hallqd_clock:+--clock "$hallqd_clock"} ${hallqd_opts:-} >"$hallqd_log" 2>&1 &
	hallqd_pid=$!
	pids="$pids $!"
	wait_for 10000 hallqd_ready && alive "$hallqd_pid"
}
hallqd_ready() {
	alive "$hallqd_pid" || return 0
	grep -q "listening on 127.0.0.1:$port" "$hallqd_log" && curl -sf -m 2 "$H/healthz" >/dev/null
}

# hallqd's first start, which picks its port: FIRST, or if hallqd cannot listen there the
# next but one, five ports in all (each script starts from its own range, from its PID);
# the odd port beside it stays free for the script. Gives up if hallqd starts on none.
pick_port() { # first
	port=$1
	for _ in 1 2 3 4 5; do
		start_hallqd && return 0
		stop "$hallqd_pid"
		port=$((port + 2))
	done
	give_up "hallqd did not start: $(tail -5 "$hallqd_log")"
}

# A request to hallqd at $H: api METHOD PATH [TOKEN [JSON]] prints the body (kept in
# $API_BODY, default $tmp/body) and keeps the status for `status`.
api() {
	a_out=${API_BODY:-$tmp/body}
	if [ -n "${4:-}" ]; then
		curl -s -m 10 -o "$a_out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" \
			-H 'Content-Type: application/json' --data-binary "$4" "$H$2" >"$tmp/status"
	elif [ -n "${3:-}" ]; then
		curl -s -m 10 -o "$a_out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" \
			"$H$2" >"$tmp/status"
	else
		curl -s -m 10 -o "$a_out" -w '%{http_code}' -X "$1" "$H$2" >"$tmp/status"
	fi
	cat "$a_out"
}
status() { cat "$tmp/status"; }
# The value of a python expression over the JSON on stdin (j), or "-" when it fails.
jq_py() {
	"$PY" -c 'import json, sys
try:
    j = json.load(sys.stdin)
    print(eval(sys.argv[1]))
except Exception:
    print("-")' "$1"
}
