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
