# Shared by the shell integration tests (sourced, after `cd` to the repository): the
# pass/fail bookkeeping that ends in each script's summary line, and waiting with a
# deadline instead of sleeping blindly. The script sets passed=0, failed=0 and logs (the
# files whose last lines a failed check shows) before it checks anything.

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
