# The whole demo hall (tools/run-hall) for the scripts that run it with hallq-sim: the
# acceptance test tests/hall.sh and the day-long tools/soak. Sourced after tests/lib.sh (it
# uses $tmp, $pids, wait_for, alive, give_up): the hall started in $tmp/run on a free port,
# on its own Xvfb, with hallqd on a simulated clock; its programs' PIDs; what its logs call
# an error; the wall display's screenshots; and the hall stopped by run-hall's own SIGTERM.

# The set-up of a script that runs the whole hall with hallq-sim (hall.sh, supervision.sh):
# its environment (UTC, a silent sound device, the sanitizers' known leak in libdbus), no
# variable of the caller's hall, the scratch directory, and every program it needs. Sets
# SIM and t_start.
hall_setup() {
	SIM=$BUILD/hallq-sim
	TZ=UTC
	SDL_AUDIODRIVER=dummy # calls are "said" on a silent device, at the real pace
	# Under the sanitizers (BUILD=build-san): libdbus, opened by SDL, keeps a buffer for good.
	LSAN_OPTIONS="suppressions=$(pwd)/tests/display/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export TZ SDL_AUDIODRIVER LSAN_OPTIONS
	unset HALLQ_TOKEN HALLQ_DB HALLQ_NOW HALLQ_KIOSK_TRACE HALLQ_DISPLAY_TRACE
	t_start=$(date +%s)
	make_tmp
	need "make tests builds the programs; Debian packages xvfb xdotool socat curl" \
		"$HALLQD" "$HALLQ" "$SIM" "$BUILD/hallq-counter" "$BUILD/hallq-display" \
		"$BUILD/hallq-kiosk" "$BUILD/hallq-printer-sim" "$BUILD/hallq-unit-sim" Xvfb xdotool \
		socat curl flock "$PY"
}

# A port where nothing listens, nor 100 above it (run-hall's Modbus TCP bus), from FIRST on.
# The listening sockets are read from /proc (state 0A), as neither ss nor netstat is sure
# to be installed.
hall_port() { # first
	hp_p=$1
	while hall_listening "$hp_p" || hall_listening $((hp_p + 100)); do hp_p=$((hp_p + 2)); done
	echo "$hp_p"
}
hall_listening() {
	awk 'FNR > 1 && $4 == "0A" { sub(/.*:/, "", $2); print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		grep -qx "$(printf '%04X' "$1")"
}
# "PID NAME" of each child of PID, from /proc (procps may be missing).
hall_children() { # pid
	for hc_s in /proc/[0-9]*/stat; do
		# Braced, so that a process gone mid-scan is silent: a failed redirection reports
		# before a 2>/dev/null on the same command applies.
		{ read -r hc_p hc_name _ hc_pp _ <"$hc_s"; } 2>/dev/null || continue
		[ "$hc_pp" = "$1" ] && echo "$hc_p $hc_name" | tr -d '()'
	done
}

# Start tools/run-hall with hallqd's clock at CLOCK ("YYYY-MM-DD HH:MM") going SPEED times
# real time, DISPLAY unset so that it starts an Xvfb of its own. Sets RUN, H, hall_pid,
# hall_procs ("PID NAME" a line: every program it started; also added to $pids, so that
# cleanup stops them if the script ends early) and the tokens T_KIOSK, T_ADMIN. Gives up if
# the hall does not say it is running within 90 s (a loaded machine starts two X clients
# slowly).
hall_start() { # clock speed first-port
	RUN=$tmp/run
	port=$(hall_port "$3")
	H=http://127.0.0.1:$port
	(
		unset DISPLAY
		exec env BUILD="$BUILD" HALLQ_RUN="$RUN" HALLQ_PORT="$port" HALLQ_CLOCK="$1" HALLQ_SPEED="$2" tools/run-hall
	) >"$tmp/hall.out" 2>&1 &
	hall_pid=$!
	pids="$pids $hall_pid"
	wait_for 90000 hall_up
	grep -q '^The demo hall is running' "$tmp/hall.out" ||
		give_up "tools/run-hall did not start the hall: $(tail -3 "$tmp/hall.out")"
	# Its children but the `sleep` of its watch loop.
	hall_procs=$(hall_children "$hall_pid" | awk '$2 != "sleep"')
	pids="$pids $(echo "$hall_procs" | awk '{ printf "%s ", $1 }')"
	T_KIOSK=$(awk '$1 == "kiosk" { print $2 }' "$RUN/tokens")
	T_ADMIN=$(awk '$1 == "admin" { print $2 }' "$RUN/tokens")
}
hall_up() { grep -q '^The demo hall is running' "$tmp/hall.out" || ! alive "$hall_pid"; }

# The error lines of every log of the hall, each after its log's name. The formats differ:
# hallqd logs each request with its status (a 5xx is its failure, a 401/403 a program with
# the wrong token) and "commit failed"; the gateway, the display and the kiosk log
# "LEVEL: ..." lines (client/log.c); the printer and socat (without -d) write to their logs
# only what went wrong, the unit simulators prefix theirs "hallq-unit-sim:".
hall_errors() {
	(
		cd "$RUN" || exit
		grep -HE ' (5[0-9][0-9]|401|403) [0-9.]+ms |commit failed' hallqd.log
		grep -H -e ' error: ' -e 'ERROR' counter.log display.log kiosk.log
		grep -H '' printer.log socat.log
		grep -H '^hallq-unit-sim:' units-*.log
	) 2>&1
}

# hallqd.log's lines not in hallqd's format (libmicrohttpd's own messages are routed through
# hallqd's log; anything else writing to its stderr shows here); counted and the first two
# shown, or nothing.
hall_foreign() {
	hf_n=$(grep -cv '^[0-9-]*T[0-9:.]* hallqd [a-z]*: ' "$RUN/hallqd.log")
	[ "$hf_n" -gt 0 ] || return 0
	echo "hallqd.log has $hf_n lines not in hallqd's format:"
	grep -v '^[0-9-]*T[0-9:.]* hallqd [a-z]*: ' "$RUN/hallqd.log" | sort | uniq -c | sort -rn | head -n 2 | cut -c1-150
}

# SIGUSR1 to the wall display; prints the path of the PNG once its stdout says "shot:".
display_shot() {
	ds_m=$(lines "$RUN/display.out")
	kill -USR1 "$(cat "$RUN/display.pid")"
	wait_for 10000 seen "$RUN/display.out" "$ds_m" '^shot: ' || return 1
	after "$RUN/display.out" "$ds_m" | sed -n 's/^shot: //p' | head -n 1
}
# "X Y W H" of one of the display's regions (run-hall starts it with --print-layout).
display_region() { sed -n "s/^layout $1 //p" "$RUN/display.out" | tail -n 1; }

# SIGTERM to run-hall, which stops every program it started, by PID. Sets hall_stop_ms and
# hall_left (the programs still running 5 s after it ended: none, if all is well).
hall_stop() {
	hs_t0=$(now_ms)
	kill -TERM "$hall_pid" 2>/dev/null
	wait_for 30000 hall_gone
	hall_stop_ms=$(($(now_ms) - hs_t0))
	wait "$hall_pid" 2>/dev/null
	wait_for 5000 hall_all_gone
	hall_left=$(echo "$hall_procs" | while read -r hs_p hs_name; do
		alive "$hs_p" && printf '%s %s ' "$hs_p" "$hs_name"
	done)
	hall_left=${hall_left% }
}
hall_gone() { ! alive "$hall_pid"; }
hall_all_gone() {
	for hg_p in $(echo "$hall_procs" | awk '{ print $1 }'); do alive "$hg_p" && return 1; done
	return 0
}
