# A PostgreSQL of the test's own, for the scripts that need the central database
# (tests/federation.sh, the central server's tests). Sourced after tests/lib.sh, after
# make_tmp: it uses $tmp, $pids, wait_for, alive, stop and give_up.
#
#   pg_start [PORT]  initdb into $tmp/pg/data and start the server on a Unix socket in
#                    $tmp/pg (and on 127.0.0.1:PORT when PORT is given); exports PGHOST,
#                    PGPORT, PGUSER, PGDATABASE (a database "hallq", made here) and sets
#                    PG_PID (also added to $pids, so that cleanup stops it);
#   pg_stop          a fast shutdown, by PID; the data stays, for pg_run;
#   pg_run           the same server started again on the same data and port;
#   pg_psql ARGS     psql on it, unaligned and tuples only, stopping at the first error.
#   pg_migrate ARGS  tools/central-migrate on it: the central schema, as in service.
#
# initdb and postgres refuse to run as root, so as root both run as `nobody` through
# setpriv, which execs (no process in between: $! is the postmaster itself, and stopping it
# by that PID stops the server). $tmp becomes traversable (711) for that user, and
# $tmp/pg is its own. Readiness is pg_isready's answer, never a fixed sleep. fsync is off:
# the tests stop the server and kill clients, never the machine, and a shared machine's
# disk should not set the pace.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

# The command prefix that runs a program as the unprivileged user, or nothing.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		echo "setpriv --reuid=nobody --regid=nogroup --clear-groups --"
	fi
}

# A TCP port on which nothing listens, from FIRST on (read from /proc, state 0A, as in
# tests/hall-lib.sh).
pg_free_port() { # first
	pf_p=$1
	while awk 'FNR > 1 && $4 == "0A" { sub(/.*:/, "", $2); print $2 }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -qx "$(printf '%04X' "$pf_p")"; do
		pf_p=$((pf_p + 1))
	done
	echo "$pf_p"
}

pg_start() { # [port]
	need "Debian packages postgresql-15 and util-linux (setpriv)" \
		"$PG_BIN/initdb" "$PG_BIN/postgres" "$PG_BIN/pg_isready" "$PG_BIN/psql" setpriv
	PG_DIR=$tmp/pg
	mkdir -p "$PG_DIR" || give_up "cannot make $PG_DIR"
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$tmp"
		chown nobody:nogroup "$PG_DIR"
	fi
	# A port even without TCP: it names the socket file, .s.PGSQL.PORT.
	PG_TCP=${1:-}
	PGPORT=${1:-$(pg_free_port $((20000 + $$ % 20000)))}
	PGHOST=$PG_DIR
	PGUSER=hallq
	PGDATABASE=hallq
	export PGHOST PGPORT PGUSER PGDATABASE
	# shellcheck disable=SC2046
	$(pg_as) "$PG_BIN/initdb" -D "$PG_DIR/data" -U hallq -A trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$tmp/pg-initdb.log" 2>&1 ||
		give_up "initdb failed: $(tail -3 "$tmp/pg-initdb.log")"
	pg_run || give_up "PostgreSQL did not start: $(tail -5 "$PG_LOG")"
	"$PG_BIN/psql" -X -q -d postgres -c 'CREATE DATABASE hallq' >"$tmp/pg-createdb.log" 2>&1 ||
		give_up "CREATE DATABASE hallq: $(cat "$tmp/pg-createdb.log")"
}

# The server on the data of pg_start, the same socket and port; a new log each start.
# True once pg_isready says it accepts connections, false if it ended or took over 30 s.
pg_n=0
pg_run() {
	pg_n=$((pg_n + 1))
	PG_LOG=$tmp/pg$pg_n.log
	# shellcheck disable=SC2046
	$(pg_as) "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PGPORT" -k "$PG_DIR" \
		-c listen_addresses="${PG_TCP:+127.0.0.1}" -c fsync=off -c full_page_writes=off \
		-c max_connections=60 -c shared_buffers=32MB >"$PG_LOG" 2>&1 &
	PG_PID=$!
	pids="$pids $PG_PID"
	wait_for 30000 pg_ready && alive "$PG_PID"
}
pg_ready() {
	alive "$PG_PID" || return 0
	"$PG_BIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" -d postgres
}

# A fast shutdown (SIGINT: clients disconnected, open transactions rolled back), by PID.
pg_stop() {
	stop "$PG_PID" INT
}

pg_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -A -t "$@"
}

# The central schema brought up to date by its loader (tools/central-migrate), as in service.
pg_migrate() {
	PSQL="$PG_BIN/psql" tools/central-migrate "$@"
}
