#!/bin/sh
# The web pages' sign-in sessions through hallqd, against docs/api.md (Sessions): sign-in
# with a token and with a clerk's id and PIN, the cookie's attributes, GET and DELETE of
# the session, the roles a session acts as (a clerk's only on its counter), the CSRF header
# and the Origin check on writes signed in by the cookie, a clerk's session ended by a
# sign-out at the unit, by the page's own sign-out and by `hallq sessions revoke` at once,
# the list and revoke routes, the evaluator:N tablet's role and its review channel pad, an
# open hall refusing the PIN form, bad input, and expiry with hallqd's hidden
# --session-seconds (so nothing waits for hours, and the machine's date does not matter).
# Ends with "sessions: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
TZ=Asia/Shanghai
export TZ
unset HALLQ_DB HALLQ_NOW

make_tmp
need "make tests builds them; Debian package curl" "$HALLQD" "$HALLQ" curl "$PY"

T_ADMIN=admin-0123456789abcdef
T_MANAGER=manager-0123456789abcdef
T_KIOSK=kiosk-0123456789abcdef
T_GW=gateway-0123456789abcdef
T_BOOK=booking-0123456789abcdef
T_C1=counter1-0123456789abcdef
T_EV1=evaluator1-0123456789abcdef
write_tokens "admin $T_ADMIN" "manager $T_MANAGER" "kiosk $T_KIOSK" "gateway $T_GW" \
	"booking $T_BOOK" "counter:1 $T_C1" "evaluator:1 $T_EV1"
hall_ini() { # sign_in
	{
		printf '[hall]\nname = 会话测试大厅\nsign_in = %s\n\n' "$1"
		service_ini a A 企业开办 Business mon-sun
		printf '[counter 1]\nservices = a\n\n[counter 2]\nservices = a\n'
	} >"$tmp/hall.ini"
}
hall_ini roster
init_db
HALLQ_DB=$DB
export HALLQ_DB
"$HALLQ" clerk add 1024 --name 王芳 --pin 135790 >/dev/null || give_up "hallq clerk add 1024"
"$HALLQ" clerk add 2048 --name 李明 --pin 246801 >/dev/null || give_up "hallq clerk add 2048"
port=$((28000 + ($$ % 1000) * 2))
pick_port "$port"
logs=$hallqd_log

# ---- helpers ------------------------------------------------------------------------------

# api METHOD PATH [BODY [curl options...]]: the status into st, the body into $tmp/b, the
# headers into $tmp/h.
api() {
	a_m=$1 a_p=$2 a_b=${3:-}
	[ $# -ge 3 ] && shift 3 || shift $#
	if [ -n "$a_b" ]; then
		st=$(curl -s -m 10 -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$a_m" \
			-H 'Content-Type: application/json' -d "$a_b" "$@" "$H$a_p")
	else
		st=$(curl -s -m 10 -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -X "$a_m" "$@" "$H$a_p")
	fi
}
# A field of the last body, dotted ("sessions.0.id"); "" when absent.
field() {
	"$PY" -c 'import json, sys
v = json.load(open(sys.argv[2]))
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k, "")
print(v if not isinstance(v, bool) else str(v).lower())' "$1" "$tmp/b" 2>/dev/null
}
# status and error code of the last answer: "403 csrf"
answer() { echo "$st $(field error)"; }
# The cookie's value of the last answer's Set-Cookie, and the whole header.
set_cookie() { tr -d '\r' <"$tmp/h" | sed -n 's/^[Ss]et-[Cc]ookie: //p'; }
cookie_value() { set_cookie | sed -n 's/^hallq_session=\([^;]*\);.*/\1/p'; }
# sign_in BODY: the cookie's secret into ck, the csrf into csrf, the id into sid.
sign_in() {
	api POST /api/v1/session "$1"
	ck=$(cookie_value)
	csrf=$(field csrf)
	sid=$(field session)
}
# As the page whose cookie is $1: api with the cookie (and the rest of the options).
as() { # cookie method path [body [options...]]
	as_c=$1
	shift
	if [ $# -ge 3 ]; then
		as_m=$1 as_p=$2 as_b=$3
		shift 3
		api "$as_m" "$as_p" "$as_b" -H "Cookie: hallq_session=$as_c" "$@"
	else
		api "$1" "$2" "" -H "Cookie: hallq_session=$as_c"
	fi
}
clerk_at() { # counter
	"$HALLQ" state --json | "$PY" -c 'import json, sys
print([c for c in json.load(sys.stdin)["counters"] if c["number"] == int(sys.argv[1])][0]["clerk"])' "$1"
}

# ---- signing in with a token ----------------------------------------------------------------

sign_in "{\"token\": \"$T_MANAGER\"}"
check "a manager's token signs a page in: 201" "201 manager 0" "$st $(field role) $(field counter)"
check "the cookie: a 64-hex secret" 64 "$(printf %s "$ck" | grep -cE '^[0-9a-f]{64}$' | sed 's/1/64/')"
check "the cookie's attributes: Path=/, HttpOnly, SameSite=Strict, Max-Age 12 h, no Secure over HTTP" \
	"; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200" "$(set_cookie | sed 's/^hallq_session=[^;]*//')"
check "the answer is not to be cached" yes "$(grep -qi '^Cache-Control: no-store' "$tmp/h" && echo yes || echo no)"
check "the answer: session id, csrf, expires, hall" "8 32 yes 会话测试大厅" \
	"${#sid} ${#csrf} $(field expires | grep -qE '^20[0-9-]+T[0-9:]+\+08:00$' && echo yes) $(field hall)"
M_CK=$ck M_CSRF=$csrf M_ID=$sid

as "$M_CK" GET /api/v1/session
check "GET /api/v1/session gives the session again, with its csrf" "200 $M_ID $M_CSRF manager" \
	"$st $(field session) $(field csrf) $(field role)"
api GET /api/v1/session
check "GET /api/v1/session without a cookie: 401 nosession" "401 nosession" "$(answer)"
as "$M_CK" GET /api/v1/stats
check "the manager's session reads the statistics" 200 "$st"
as "$M_CK" GET /api/v1/sessions
check "the manager's session lists the sessions, itself among them" "200 $M_ID active" \
	"$st $(field sessions.0.id) $(field sessions.0.state)"
as "$M_CK" DELETE "/api/v1/sessions/$M_ID" "" -H "X-CSRF-Token: $M_CSRF"
check "only an admin revokes another's session: 403" "403 forbidden" "$(answer)"
expect_line "the log names the session's role and id" 2000 "$hallqd_log" 0 "GET /api/v1/stats 200 .* manager (session $M_ID)"

as "0000" GET /api/v1/hall
check "a cookie that is no session's: 401 nosession" "401 nosession" "$(answer)"
as "$(printf '%064d' 0)" GET /api/v1/hall
check "an unknown session: 401 nosession, saying so" "401 nosession yes" \
	"$(answer) $(field message | grep -q 'not known' && echo yes)"
api GET /api/v1/hall "" -H "Authorization: Bearer nope-nope-nope-nope" -H "Cookie: hallq_session=$M_CK"
check "a Bearer header wins over the cookie: an unknown token is 401" "401 unauthorized" "$(answer)"

api POST /api/v1/session "{\"token\": \"$T_BOOK\"}"
check "a booking token signs no page in: 403 session" "403 session" "$(answer)"
api POST /api/v1/session "{\"token\": \"$T_GW\"}"
check "a gateway token signs no page in: 403 session" "403 session" "$(answer)"
api POST /api/v1/session '{"token": "not-a-token-of-this-hall"}'
check "an unknown token: 401 unauthorized" "401 unauthorized" "$(answer)"
api POST /api/v1/session '{"token": 12}'
check "a token that is no string: 400 badjson" "400 badjson" "$(answer)"
api POST /api/v1/session '{'
check "malformed JSON: 400 badjson" "400 badjson" "$(answer)"
api POST /api/v1/session ''
check "no body: 400 badjson" "400 badjson" "$(answer)"
api POST /api/v1/session '{"counter": 1}'
check "the PIN form without clerk and PIN: 400 badjson" "400 badjson" "$(answer)"
api POST /api/v1/session "{\"token\": \"$T_MANAGER\", \"clerk\": \"1024\", \"pin\": \"135790\"}"
check "a token and a PIN at once: 400 badjson" "400 badjson" "$(answer)"
api POST /api/v1/session '{"counter": 99, "clerk": "1024", "pin": "135790"}'
check "the PIN form at an unknown counter: 404 nocounter" "404 nocounter" "$(answer)"
api POST /api/v1/session '{"counter": 0, "clerk": "1024", "pin": "135790"}'
check "counter 0: 400 inval" "400 inval" "$(answer)"
api POST /api/v1/session "{\"token\": \"$T_MANAGER\"}" -H "Origin: http://evil.example"
check "a sign-in from another site's page: 403 origin" "403 origin" "$(answer)"

# ---- a clerk's session ------------------------------------------------------------------------

api POST /api/v1/session '{"counter": 1, "clerk": "1024", "pin": "000000"}'
check "a wrong PIN: 403 signin" "403 signin" "$(answer)"
sign_in '{"counter": 1, "clerk": "1024", "pin": "135790"}'
check "a clerk's id and PIN sign the page in as counter:1, with the clerk" "201 counter:1 1 1024" \
	"$st $(field role) $(field counter) $(field clerk)"
check "and sign the clerk in at the counter" 1024 "$(clerk_at 1)"
C_CK=$ck C_CSRF=$csrf C_ID=$sid

api POST /api/v1/tickets '{"service": "a"}' -H "Authorization: Bearer $T_KIOSK"
api POST /api/v1/tickets '{"service": "a"}' -H "Authorization: Bearer $T_KIOSK"
as "$C_CK" POST /api/v1/counters/1/open '{}'
check "a write by the cookie without X-CSRF-Token: 403 csrf" "403 csrf" "$(answer)"
as "$C_CK" POST /api/v1/counters/1/open '{}' -H "X-CSRF-Token: $M_CSRF"
check "another session's CSRF token: 403 csrf" "403 csrf" "$(answer)"
as "$C_CK" POST /api/v1/counters/1/open '{}' -H "X-CSRF-Token: $C_CSRF" -H "Origin: http://evil.example"
check "the right token from another site's page: 403 origin" "403 origin" "$(answer)"
as "$C_CK" POST /api/v1/counters/1/open '{}' -H "X-CSRF-Token: $C_CSRF" -H "Origin: http://127.0.0.1:$port"
check "the right token from the hall's own page: the counter opens" "200 open" "$st $(field state)"
as "$C_CK" POST /api/v1/counters/1/call-next '' -H "X-CSRF-Token: $C_CSRF"
check "the clerk's session calls at its counter" "200 A001 1024" "$st $(field label) $(field clerk)"
as "$C_CK" POST /api/v1/counters/2/call-next '' -H "X-CSRF-Token: $C_CSRF"
check "the clerk's session on another counter: 403" "403 forbidden" "$(answer)"
as "$C_CK" GET /api/v1/stats
check "a counter's session reads no statistics: 403" "403 forbidden" "$(answer)"
api POST /api/v1/counters/1/finish '' -H "Authorization: Bearer $T_C1"
check "a Bearer request needs no CSRF token" 200 "$st"

# ---- the evaluator's tablet -------------------------------------------------------------------

api POST /api/v1/counters/1/evaluate '{"level": 5}' -H "Authorization: Bearer $T_EV1"
check "evaluator:1 rates counter 1's last ticket, from the pad channel" "200 pad 5" \
	"$st $(field channel) $(field level)"
api POST /api/v1/counters/2/evaluate '{"level": 5}' -H "Authorization: Bearer $T_EV1"
check "evaluator:1 may not rate at counter 2: 403" "403 forbidden" "$(answer)"
api POST /api/v1/counters/1/call-next '' -H "Authorization: Bearer $T_EV1"
check "evaluator:1 may not call: 403" "403 forbidden" "$(answer)"
api GET /api/v1/stats "" -H "Authorization: Bearer $T_EV1"
check "evaluator:1 reads no statistics: 403" "403 forbidden" "$(answer)"
api GET /api/v1/hall "" -H "Authorization: Bearer $T_EV1"
check "evaluator:1 reads the hall" 200 "$st"
sign_in "{\"token\": \"$T_EV1\"}"
check "the tablet signs in with its token: a session of evaluator:1" "201 evaluator:1 1" \
	"$st $(field role) $(field counter)"
E_CK=$ck
code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' -H "Cookie: hallq_session=$E_CK" "$H/api/v1/events")
check "the tablet's session follows the event stream" 200 "$code"

# ---- ending sessions ----------------------------------------------------------------------------

api POST /api/v1/counters/1/sign-out '' -H "Authorization: Bearer $T_GW"
as "$C_CK" GET /api/v1/session
check "a sign-out at the unit ends the clerk's session at once" "401 nosession yes" \
	"$(answer) $(field message | grep -q 'clerk signed out' && echo yes)"
as "$C_CK" POST /api/v1/counters/1/call-next '' -H "X-CSRF-Token: $C_CSRF"
check "and its writes are refused: 401 nosession" "401 nosession" "$(answer)"

sign_in '{"counter": 1, "clerk": "2048", "pin": "246801"}'
C2_CK=$ck C2_CSRF=$csrf
as "$C2_CK" DELETE "/api/v1/session?sign_out=2" "" -H "X-CSRF-Token: $C2_CSRF"
check "sign_out=2: 400 inval" "400 inval" "$(answer)"
as "$C2_CK" DELETE "/api/v1/session?sign_out=1"
check "a page's sign-out needs its CSRF token too: 403 csrf" "403 csrf" "$(answer)"
as "$C2_CK" DELETE "/api/v1/session?sign_out=1" "" -H "X-CSRF-Token: $C2_CSRF"
check "DELETE /api/v1/session?sign_out=1: 204, the cookie cleared" "204 hallq_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" \
	"$st $(set_cookie)"
check "and the clerk is signed out of the counter" "" "$(clerk_at 1)"
as "$C2_CK" GET /api/v1/session
check "the session has ended" "401 nosession" "$(answer)"

"$HALLQ" sessions >"$tmp/list" 2>&1
check "hallq sessions lists the active ones: the manager's and the tablet's" "2 yes" \
	"$(wc -l <"$tmp/list" | tr -d ' ') $(grep -q "^$M_ID active  manager" "$tmp/list" && echo yes)"
check "hallq sessions --all lists the ended ones too" 4 "$("$HALLQ" sessions --all | wc -l | tr -d ' ')"
check "hallq sessions --json" "$M_ID" "$("$HALLQ" sessions --json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')"
check "hallq sessions revoke ID" "$M_ID" "$("$HALLQ" sessions revoke "$M_ID")"
as "$M_CK" GET /api/v1/hall
check "a session revoked with hallq is refused at once" "401 nosession yes" \
	"$(answer) $(field message | grep -q 'revoked with hallq' && echo yes)"
"$HALLQ" sessions revoke 2>"$tmp/err"
check "hallq sessions revoke without what: usage error" "2" "$?"
"$HALLQ" sessions revoke ffffffff 2>"$tmp/err"
check "hallq sessions revoke of an unknown id fails" "1 yes" "$? $(grep -q "no session 'ffffffff'" "$tmp/err" && echo yes)"

sign_in "{\"token\": \"$T_ADMIN\"}"
A_CK=$ck A_CSRF=$csrf
sign_in "{\"token\": \"$T_MANAGER\"}"
M2_CK=$ck M2_ID=$sid
as "$A_CK" DELETE "/api/v1/sessions/$M2_ID" "" -H "X-CSRF-Token: $A_CSRF"
check "an admin revokes a session: 204" 204 "$st"
as "$M2_CK" GET /api/v1/session
check "which then is refused" "401 nosession" "$(answer)"
as "$A_CK" DELETE /api/v1/sessions/nothing "" -H "X-CSRF-Token: $A_CSRF"
check "DELETE of no session: 404 nosession" "404 nosession" "$(answer)"
api GET "/api/v1/sessions?all=1" "" -H "Authorization: Bearer $T_MANAGER"
check "GET /api/v1/sessions?all=1 lists the ended ones with why" "revoked revoked with hallq" \
	"$(field sessions.0.state) $(field sessions.0.revoked_why)"
api GET "/api/v1/sessions?all=maybe" "" -H "Authorization: Bearer $T_MANAGER"
check "all=maybe: 400 inval" "400 inval" "$(answer)"
check "hallq sessions revoke --all" 2 "$("$HALLQ" sessions revoke --all)"

# ---- review of issue 15: cookies, another counter's tickets, removed tokens ---------------------

sign_in '{"counter": 1, "clerk": "1024", "pin": "135790"}'
V_CK=$ck V_CSRF=$csrf
sign_in "{\"token\": \"$T_MANAGER\"}"
X_CK=$ck
api GET /api/v1/session "" -H "Cookie: a=1; hallq_session=$V_CK; b=2"
check "the session's cookie among others" "200 counter:1" "$st $(field role)"
api GET /api/v1/session "" -H "Cookie: hallq_session=$X_CK; hallq_session=$V_CK"
check "two cookies of the session's name (one planted by another site): 401 nosession" \
	"401 nosession" "$(answer)"
api GET /api/v1/session "" -H "Cookie: hallq_session=$X_CK" -H "Cookie: hallq_session=$V_CK"
check "two Cookie headers with the session's name: 401 nosession" "401 nosession" "$(answer)"
api GET /api/v1/session "" -H "Cookie: hallq_session=\"$V_CK\""
check "a quoted cookie value (RFC 6265) is the same session, or none: never another" \
	yes "$( [ "$st" = 401 ] || [ "$(field role)" = counter:1 ]; echo yes)"

api POST /api/v1/tickets '{"service": "a"}' -H "Authorization: Bearer $T_KIOSK"
api POST /api/v1/counters/2/open '' -H "Authorization: Bearer $T_GW"
api POST /api/v1/counters/2/call-next '' -H "Authorization: Bearer $T_GW"
P_ID=$(field id)
api POST /api/v1/counters/2/park '' -H "Authorization: Bearer $T_GW"
check "set-up: a ticket parked at counter 2" "200 parked" "$st $(field state)"
as "$V_CK" POST /api/v1/counters/1/unpark "{\"ticket\": $P_ID}" -H "X-CSRF-Token: $V_CSRF"
check "counter 1's clerk may not unpark counter 2's ticket: 403" "403 forbidden" "$(answer)"
api GET "/api/v1/tickets/$P_ID" "" -H "Authorization: Bearer $T_MANAGER"
check "and it stays parked" parked "$(field state)"
api POST /api/v1/counters/2/unpark "{\"ticket\": $P_ID}" -H "Authorization: Bearer $T_GW"
check "counter 2 unparks its own" "200 waiting" "$st $(field state)"

T_M2=manager2-0123456789abcdef
write_tokens "admin $T_ADMIN" "manager $T_MANAGER" "manager $T_M2" "kiosk $T_KIOSK" "gateway $T_GW" \
	"booking $T_BOOK" "counter:1 $T_C1" "evaluator:1 $T_EV1"
kill -HUP "$hallqd_pid"
expect_line "set-up: hallqd reads the tokens again" 3000 "$hallqd_log" 0 "reload: 8 tokens"
sign_in "{\"token\": \"$T_M2\"}"
M2B_CK=$ck M2B_ID=$sid
sign_in "{\"token\": \"$T_MANAGER\"}"
M1B_CK=$ck
write_tokens "admin $T_ADMIN" "manager $T_MANAGER" "kiosk $T_KIOSK" "gateway $T_GW" \
	"booking $T_BOOK" "counter:1 $T_C1" "evaluator:1 $T_EV1"
kill -HUP "$hallqd_pid"
ended_by_token() { as "$M2B_CK" GET /api/v1/session; [ "$st" = 401 ]; }
if wait_for 3000 ended_by_token; then
	ok "a session made with a token removed from the tokens file ends at hallqd's reload"
else
	fail "a removed token's session" 401 "$st"
fi
check "saying why" "401 nosession yes" "$(answer) $(field message | grep -q 'token' && echo yes)"
as "$M1B_CK" GET /api/v1/session
check "one made with a token still in the file, of the same role, goes on" "200 manager" \
	"$st $(field role)"
as "$V_CK" GET /api/v1/session
check "and a clerk's session, made with a PIN, goes on" "200 counter:1" "$st $(field role)"
check "hallq sessions --all shows it ended, with why" "revoked yes" \
	"$("$HALLQ" sessions --json --all | "$PY" -c 'import json, sys
s = [x for x in json.load(sys.stdin) if x["id"] == sys.argv[1]][0]
print(s["state"], "yes" if "token" in s["revoked_why"] else s["revoked_why"])' "$M2B_ID")"

# ---- an open hall, expiry -------------------------------------------------------------------------

hall_ini open
stop "$hallqd_pid"
hallqd_opts="--session-seconds 2"
start_hallqd || give_up "hallqd did not start again: $(tail -5 "$hallqd_log")"
logs=$hallqd_log
api POST /api/v1/session '{"counter": 1, "clerk": "1024", "pin": "135790"}'
check "an open hall refuses the PIN form: 403 signin" "403 signin yes" \
	"$(answer) $(field message | grep -q "sign in with the counter's token" && echo yes)"
sign_in "{\"token\": \"$T_C1\"}"
check "a session of --session-seconds 2 says Max-Age=2" "201 yes" \
	"$st $(set_cookie | grep -q 'Max-Age=2$' && echo yes)"
as "$ck" GET /api/v1/hall
check "it acts until then" 200 "$st"
expired() { as "$ck" GET /api/v1/session; [ "$st" = 401 ]; }
if wait_for 6000 expired; then ok "it expires within its 2 seconds (and a little)"; else fail "expiry" 401 "$st"; fi
check "saying so" "401 nosession yes" "$(answer) $(field message | grep -q expired && echo yes)"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
