#!/bin/sh
# hallqd over TLS and its tokens at rest, against docs/api.md (TLS, The tokens file): a CA
# and a server certificate made in the scratch directory (tools/make-cert); hallqd
# --tls-cert/--tls-key and its refusals of a missing, wrong or mismatched file; curl with
# the CA verifies, without it or for another host name it does not; the session cookie
# Secure over TLS and not over plain HTTP; hallq-counter's terminal reaching hallqd over
# https with --ca (and HALLQ_CA), refusing a server whose certificate is from another CA,
# and a --ca that is no CA file; hashed tokens (`hallq token new`'s lines) accepted beside
# plain ones, a wrong token refused; and tokens over plain HTTP from another machine:
# warned about once in the log, refused 403 tls with `require_tls = yes` after a SIGHUP,
# never from loopback. "Another machine" is this machine's own non-loopback address (not
# 127.0.0.0/8 or ::1), when it has one; without one that part is left to the unit test
# (tests/test_tls.c, which drives the check with any address). Everything listens on the
# machine's own addresses only. Ends with "tls: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
TZ=Asia/Shanghai
export TZ
unset HALLQ_DB HALLQ_NOW HALLQ_CA HALLQ_TOKEN

make_tmp
need "make tests builds them; Debian packages curl, openssl" "$HALLQD" "$HALLQ" "$BUILD/hallq-counter" \
	curl openssl "$PY"

# This machine's first non-loopback IPv4 address, if any: hallqd bound there sees a client
# of that address, as it would one from elsewhere on the LAN.
lan=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | grep -v '^127\.' | head -1)

pki=$tmp/pki
tools/make-cert "$pki" $lan >"$tmp/make-cert.log" 2>&1 || give_up "tools/make-cert: $(cat "$tmp/make-cert.log")"
tools/make-cert "$tmp/other" >"$tmp/make-cert.log" 2>&1 || give_up "tools/make-cert (other CA): $(cat "$tmp/make-cert.log")"

# ---- tokens: plain lines and `hallq token new`'s hashed ones ------------------------------

T_KIOSK=kiosk-0123456789abcdef
"$HALLQ" token new admin >"$tmp/admin.new" 2>&1
check "hallq token new admin: exit 0" 0 "$?"
T_ADMIN=$(sed -n 1p "$tmp/admin.new")
check "hallq token new: the token is 64 hex digits" 64 "$(printf %s "$T_ADMIN" | grep -cE '^[0-9a-f]{64}$' | sed 's/^1$/64/')"
hash=$(printf %s "$T_ADMIN" | sha256sum | cut -d' ' -f1)
check "hallq token new: its second line is the role and the token's sha256" "admin sha256:$hash" \
	"$(sed -n 2p "$tmp/admin.new")"
"$HALLQ" token new counter:1 >"$tmp/c1.new" 2>&1
T_C1=$(sed -n 1p "$tmp/c1.new")
"$HALLQ" token new manager >"$tmp/m.new" 2>&1
T_MANAGER=$(sed -n 1p "$tmp/m.new")
"$HALLQ" token new counter >"$tmp/bad.new" 2>&1
check "hallq token new counter (no number): usage error, exit 2" 2 "$?"
check "hallq token new counter: says which roles there are" 1 "$(grep -c "unknown role 'counter'.*counter:N" "$tmp/bad.new")"
"$HALLQ" token new root >/dev/null 2>&1
check "hallq token new root: exit 2" 2 "$?"
write_tokens "kiosk $T_KIOSK" "$(sed -n 2p "$tmp/admin.new")" "$(sed -n 2p "$tmp/c1.new")" \
	"$(sed -n 2p "$tmp/m.new")"

hall_ini() { # require_tls
	{
		printf '[hall]\nname = 传输测试大厅\nsign_in = open\nrequire_tls = %s\n\n' "$1"
		service_ini a A 企业开办 Business mon-sun
		printf '[counter 1]\nservices = a\n'
	} >"$tmp/hall.ini"
}
hall_ini no
init_db

# ---- hallqd over TLS -----------------------------------------------------------------------

# hallqd over TLS on 127.0.0.1:$port (URL in S), like lib.sh's start_hallqd.
start_tls() {
	hallqd_n=$((hallqd_n + 1))
	hallqd_log=$tmp/hallqd$hallqd_n.log
	S=https://127.0.0.1:$port
	"$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "127.0.0.1:$port" --tokens "$tmp/tokens" \
		--tls-cert "$pki/server.pem" --tls-key "$pki/server-key.pem" >"$hallqd_log" 2>&1 &
	hallqd_pid=$!
	pids="$pids $!"
	wait_for 10000 tls_ready && alive "$hallqd_pid"
}
tls_ready() {
	alive "$hallqd_pid" || return 0
	grep -q "listening on 127.0.0.1:$port (TLS)" "$hallqd_log" &&
		curl -sf -m 2 --cacert "$pki/ca.pem" "$S/healthz" >/dev/null
}
port=$((30000 + ($$ % 1000) * 2))
for _ in 1 2 3 4 5; do
	start_tls && break
	stop "$hallqd_pid"
	port=$((port + 2))
done
alive "$hallqd_pid" || give_up "hallqd over TLS did not start: $(tail -5 "$hallqd_log")"
logs=$hallqd_log
tls_pid=$hallqd_pid
tls_log=$hallqd_log

st() { curl -s -m 10 -o "$tmp/b" -w '%{http_code}' "$@"; }

check "curl --cacert: /healthz over TLS" 200 "$(st --cacert "$pki/ca.pem" "$S/healthz")"
curl -s -m 10 -o /dev/null "$S/healthz"
check "curl without the CA: the certificate is not verified (curl exit 60)" 60 "$?"
curl -s -m 10 -o /dev/null --cacert "$tmp/other/ca.pem" "$S/healthz"
check "curl with another CA: not verified (exit 60)" 60 "$?"
check "curl --cacert https://localhost: the certificate names localhost" 200 \
	"$(st --cacert "$pki/ca.pem" "https://localhost:$port/healthz")"
curl -s -m 10 -o /dev/null --cacert "$pki/ca.pem" --resolve "hall.example:$port:127.0.0.1" \
	"https://hall.example:$port/healthz"
check "curl for a host name the certificate does not have: refused (exit 60)" 60 "$?"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
check "plain HTTP to the TLS port gets no HTTP answer" 000 "$code"

check "the hashed admin token is accepted" 200 "$(st --cacert "$pki/ca.pem" -H "Authorization: Bearer $T_ADMIN" "$S/api/v1/hall")"
check "the hashed counter:1 token acts as counter 1" 200 \
	"$(st --cacert "$pki/ca.pem" -H "Authorization: Bearer $T_C1" "$S/api/v1/counters/1")"
check "a plain kiosk token beside them is accepted" 200 \
	"$(st --cacert "$pki/ca.pem" -H "Authorization: Bearer $T_KIOSK" "$S/api/v1/hall")"
check "a wrong token is refused (401)" 401 \
	"$(st --cacert "$pki/ca.pem" -H "Authorization: Bearer ${T_ADMIN%?}x" "$S/api/v1/hall")"
check "the token's hash is not a token (401)" 401 \
	"$(st --cacert "$pki/ca.pem" -H "Authorization: Bearer sha256:$hash" "$S/api/v1/hall")"

curl -s -m 10 -D "$tmp/h" -o "$tmp/b" --cacert "$pki/ca.pem" -H 'Content-Type: application/json' \
	-d "{\"token\": \"$T_MANAGER\"}" "$S/api/v1/session"
cookie=$(grep -i '^set-cookie: hallq_session=' "$tmp/h" | tr -d '\r')
check "sign-in over TLS: a session cookie" 1 "$(printf '%s\n' "$cookie" | grep -c 'hallq_session=[0-9a-f]')"
check "sign-in over TLS: the cookie is Secure" 1 "$(printf '%s\n' "$cookie" | grep -c '; Secure')"

# ---- hallq-counter over https ---------------------------------------------------------------

GW=$BUILD/hallq-counter
term() { # options... ; the terminal's answer to "status" into out, its status into rc
	out=$(printf "${term_in:-status\\nquit\\n}" | env HALLQ_TOKEN="$T_C1" timeout 20 "$GW" --terminal 1 "$@" 2>"$tmp/term.err")
	rc=$?
}
# The terminal answers "status" whether or not hallqd can be reached, and says which.
reached() { echo "$out" | grep -E '^counter 1: now [^,]*, waiting [0-9]+, open$' | head -1 | grep -c .; }
unreached() { echo "$out" | grep -c 'hallqd unreachable$'; }
term --server "$S" --ca "$pki/ca.pem"
check "hallq-counter --ca: the terminal runs (exit 0)" 0 "$rc"
check "hallq-counter --ca: it reaches hallqd over https" 1/0 "$(reached)/$(unreached)"
[ "$(reached)" = 1 ] || note "terminal: $out $(tail -3 "$tmp/term.err")"
out=$(printf 'status\nquit\n' | env HALLQ_TOKEN="$T_C1" HALLQ_CA="$pki/ca.pem" timeout 20 "$GW" --terminal 1 \
	--server "https://localhost:$port" 2>"$tmp/term.err")
check "hallq-counter with HALLQ_CA and https://localhost: it reaches hallqd" 1/0 "$(reached)/$(unreached)"
term --server "$S" --ca "$tmp/other/ca.pem"
check "hallq-counter with another CA: hallqd is not reached" 0 "$(reached)"
check "hallq-counter with another CA: the terminal says so" yes "$([ "$(unreached)" -ge 1 ] && echo yes || echo no)"
check "hallq-counter with another CA: its log says the certificate failed" 1 \
	"$(grep -m1 -ciE 'hallqd unreachable: .*certificate' "$tmp/term.err")"
note "$(grep -m1 'hallqd unreachable: ' "$tmp/term.err")"
term --server "$S" --ca "$tmp/nosuch.pem"
check "hallq-counter --ca FILE missing: usage error (exit 2)" 2 "$rc"
check "hallq-counter --ca FILE missing: names the file" 1 "$(grep -c "nosuch.pem" "$tmp/term.err")"
term --server "$S" --ca "$tmp/hall.ini"
check "hallq-counter --ca FILE that holds no certificate: exit 2" 2 "$rc"

# ---- hallqd's refusals of its certificate files ---------------------------------------------

refused() { # name expected-status pattern hallqd-options...
	r_name=$1 r_st=$2 r_pat=$3
	shift 3
	timeout 20 "$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "127.0.0.1:$((port + 1))" \
		--tokens "$tmp/tokens" "$@" >"$tmp/refused.log" 2>&1
	r_rc=$?
	if [ "$r_rc" = "$r_st" ] && grep -q -- "$r_pat" "$tmp/refused.log"; then
		ok "$r_name"
	else
		fail "$r_name" "exit $r_st, '$r_pat'" "exit $r_rc: $(cat "$tmp/refused.log")"
	fi
}
refused "hallqd: a missing --tls-cert is named" 1 "tls-cert $tmp/nosuch.pem: No such file" \
	--tls-cert "$tmp/nosuch.pem" --tls-key "$pki/server-key.pem"
cp "$pki/server-key.pem" "$tmp/unreadable.pem" && chmod 000 "$tmp/unreadable.pem"
if [ "$(id -u)" != 0 ]; then
	refused "hallqd: an unreadable --tls-key is named" 1 "tls-key $tmp/unreadable.pem: Permission denied" \
		--tls-cert "$pki/server.pem" --tls-key "$tmp/unreadable.pem"
fi
refused "hallqd: a key that is not the certificate's" 1 "is not the key of --tls-cert" \
	--tls-cert "$pki/server.pem" --tls-key "$tmp/other/server-key.pem"
refused "hallqd: a certificate file that holds none" 1 "no PEM certificate" \
	--tls-cert "$tmp/hall.ini" --tls-key "$pki/server-key.pem"
refused "hallqd: a key file that holds none" 1 "no PEM private key" \
	--tls-cert "$pki/server.pem" --tls-key "$pki/ca.pem"
refused "hallqd: --tls-cert without --tls-key is a usage error" 2 "go together" \
	--tls-cert "$pki/server.pem"
check "the TLS hallqd still serves" 200 "$(st --cacert "$pki/ca.pem" "$S/healthz")"
stop "$tls_pid"

# ---- plain HTTP: the cookie, and tokens from another machine ---------------------------------

port=$((port + 2))
pick_port "$port"
logs=$hallqd_log
curl -s -m 10 -D "$tmp/h" -o "$tmp/b" -H 'Content-Type: application/json' \
	-d "{\"token\": \"$T_MANAGER\"}" "$H/api/v1/session"
cookie=$(grep -i '^set-cookie: hallq_session=' "$tmp/h" | tr -d '\r')
check "sign-in over plain HTTP: a session cookie" 1 "$(printf '%s\n' "$cookie" | grep -c 'hallq_session=[0-9a-f]')"
check "sign-in over plain HTTP: the cookie is not Secure" 0 "$(printf '%s\n' "$cookie" | grep -c 'Secure')"
check "a token over plain HTTP from loopback: accepted" 200 "$(st -H "Authorization: Bearer $T_ADMIN" "$H/api/v1/hall")"
check "a token over plain HTTP from loopback: no warning" 0 "$(grep -c 'over plain HTTP' "$hallqd_log")"
stop "$hallqd_pid"

if [ -z "$lan" ]; then
	note "this machine has no non-loopback IPv4 address: the plain-HTTP warning and refusal are"
	note "left to tests/test_tls.c"
else
	# hallqd bound to the LAN address; curl connects to it from it, so hallqd sees a client
	# that is not loopback.
	hallqd_n=$((hallqd_n + 1))
	hallqd_log=$tmp/hallqd$hallqd_n.log
	L=http://$lan:$port
	"$HALLQD" --config "$tmp/hall.ini" --db "$DB" --listen "$lan:$port" --tokens "$tmp/tokens" >"$hallqd_log" 2>&1 &
	hallqd_pid=$!
	pids="$pids $!"
	lan_ready() { alive "$hallqd_pid" || return 0; curl -sf -m 2 "$L/healthz" >/dev/null; }
	wait_for 10000 lan_ready && alive "$hallqd_pid" || give_up "hallqd on $lan:$port: $(tail -3 "$hallqd_log")"
	logs=$hallqd_log
	check "a gateway token over plain HTTP from $lan: served (require_tls = no)" 200 \
		"$(st -H "Authorization: Bearer $T_C1" "$L/api/v1/counters/1")"
	expect_line "...and warned about in the log, naming the role and the address" 5000 "$hallqd_log" 0 \
		"counter:1 token came over plain HTTP from $lan"
	st -H "Authorization: Bearer $T_C1" "$L/api/v1/counters/1" >/dev/null
	st -H "Authorization: Bearer $T_C1" "$L/api/v1/hall" >/dev/null
	check "the same role and address again: no second warning within the hour" 1 \
		"$(grep -c "counter:1 token came over plain HTTP from $lan" "$hallqd_log")"
	st -H "Authorization: Bearer $T_ADMIN" "$L/api/v1/hall" >/dev/null
	check "another role from the same address: its own warning" 1 \
		"$(grep -c "admin token came over plain HTTP from $lan" "$hallqd_log")"
	hall_ini yes
	m=$(lines "$hallqd_log")
	kill -HUP "$hallqd_pid"
	expect_line "require_tls = yes: applied on SIGHUP" 5000 "$hallqd_log" "$m" "reload: .* applied"
	check "require_tls = yes: a token over plain HTTP from $lan is refused (403)" 403 \
		"$(st -H "Authorization: Bearer $T_C1" "$L/api/v1/counters/1")"
	check "...with the error tls" tls "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$tmp/b")"
	check "require_tls = yes: a token signing a page in over plain HTTP is refused (403)" 403 \
		"$(st -H 'Content-Type: application/json' -d "{\"token\": \"$T_MANAGER\"}" "$L/api/v1/session")"
	check "require_tls = yes: a wrong token is still 401, not a hint" 401 \
		"$(st -H "Authorization: Bearer ${T_ADMIN%?}x" "$L/api/v1/hall")"
	check "require_tls = yes: what needs no token is served" 200 "$(st "$L/healthz")"
	stop "$hallqd_pid"
	# The same hall over loopback: require_tls asks nothing of a program on the server itself.
	start_hallqd || give_up "hallqd on loopback: $(tail -3 "$hallqd_log")"
	logs=$hallqd_log
	check "require_tls = yes: a token over plain HTTP from loopback is served" 200 \
		"$(st -H "Authorization: Bearer $T_C1" "$H/api/v1/counters/1")"
	stop "$hallqd_pid"
fi

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
