#!/bin/sh
# hallqd's pages and files and the read routes the pages use, against docs/api.md: every
# page and every file under assets/web, served from the binary with its content type, its
# build-time ETag (304 on If-None-Match), Cache-Control, the security headers and the pages'
# Content-Security-Policy, HEAD without a body; an unknown file 404 and a path with '..'
# refused; GET /api/v1/counters/{n} (who may, and what: the counter with since and
# paused_at, parked, sent_here, its services' longest waits, the last finished ticket);
# /api/v1/hall's oldest_wait_s and since; the public ticket stream, which says "change" for
# an event of its ticket's queue or of a counter serving it (opened, paused, resumed,
# closed) and nothing for another's, and its cap (503 with Retry-After). Ends with
# "web-assets: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
unset HALLQ_DB HALLQ_NOW

make_tmp
API_BODY=$tmp/abody # get() keeps its answers in $tmp/body
need "make tests builds them; Debian packages curl, coreutils" "$HALLQD" "$HALLQ" curl sha256sum "$PY"

T_ADMIN=admin-0123456789abcdef
T_MANAGER=manager-0123456789abcdef
T_DISPLAY=display-0123456789abcdef
T_KIOSK=kiosk-0123456789abcdef
T_GW=gateway-0123456789abcdef
T_C1=counter1-0123456789abcdef
T_C2=counter2-0123456789abcdef
write_tokens "admin $T_ADMIN" "manager $T_MANAGER" "display $T_DISPLAY" "kiosk $T_KIOSK" \
	"gateway $T_GW" "counter:1 $T_C1" "counter:2 $T_C2"
{
	printf '[hall]\nname = 网页测试大厅\nname_en = Web Test Hall\nsign_in = open\n\n'
	service_ini a A 企业开办 Business mon-sun
	service_ini b B 不动产登记 "Real estate" mon-sun
	printf '[counter 1]\nservices = a\n\n[counter 2]\nservices = b, a\n\n[counter 3]\nservices = b\n'
} >"$tmp/hall.ini"
init_db
# Two ticket streams at most, so that the third is refused.
hallqd_opts="--ticket-streams 2 --heartbeat 1"
pick_port $((28000 + ($$ % 1000) * 2))
logs="$hallqd_log"

# get [curl options...] URL: headers into $tmp/head (lower-cased names), body into $tmp/body,
# the status on stdout.
get() {
	rm -f "$tmp/body"
	: >"$tmp/body"
	curl -s -m 10 -D "$tmp/head.raw" -o "$tmp/body" -w '%{http_code}' "$@"
	tr -d '\r' <"$tmp/head.raw" | sed 's/^\([^:]*\):/\L\1:/' >"$tmp/head"
}
# After a get -I (HEAD): did the answer hold only headers? curl writes them to the body's
# file too then.
headers_only() { cmp -s "$tmp/body" "$tmp/head.raw" && echo yes || echo no; }
# The value of header NAME (lower case) of the last get.
header() { sed -n "s/^$1: //p" "$tmp/head" | head -1; }
# api METHOD PATH TOKEN [BODY]: the answer's body on stdout, its status in $tmp/status.
etag_of() { echo "\"$(sha256sum "$1" | cut -c1-16)\""; }

CSP="default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

# 1. The pages. ------------------------------------------------------------------------------
for page in /:index.html /counter:counter.html /counter/3/evaluate:evaluate.html \
	/manage:manage.html /manage/reports:reports.html; do
	path=${page%%:*}
	file=assets/web/${page#*:}
	tag=$(etag_of "$file")
	check "GET $path: 200" 200 "$(get "$H$path")"
	check "GET $path: the bytes of $file" yes "$(cmp -s "$tmp/body" "$file" && echo yes || echo no)"
	check "GET $path: text/html; charset=utf-8" "text/html; charset=utf-8" "$(header content-type)"
	check "GET $path: its ETag, the file's sha256" "$tag" "$(header etag)"
	check "GET $path: Cache-Control no-cache" no-cache "$(header cache-control)"
	check "GET $path: Content-Security-Policy" "$CSP" "$(header content-security-policy)"
	check "GET $path: X-Content-Type-Options nosniff" nosniff "$(header x-content-type-options)"
	check "GET $path: Referrer-Policy no-referrer" no-referrer "$(header referrer-policy)"
	check "GET $path with If-None-Match its ETag: 304" 304 "$(get -H "If-None-Match: $tag" "$H$path")"
	check "GET $path 304: no body" 0 "$(wc -c <"$tmp/body")"
	check "GET $path 304: the ETag again" "$tag" "$(header etag)"
	check "GET $path with If-None-Match another ETag: 200" 200 \
		"$(get -H 'If-None-Match: "0000000000000000"' "$H$path")"
	check "HEAD $path: 200" 200 "$(get -I "$H$path")"
	check "HEAD $path: no body, the length of the file" "yes $(wc -c <"$file")" \
		"$(headers_only) $(header content-length)"
done
check "If-None-Match: a list with W/ and the ETag: 304" 304 \
	"$(get -H "If-None-Match: \"1\", W/$(etag_of assets/web/manage.html)" "$H/manage")"
check "If-None-Match: *: 304" 304 "$(get -H 'If-None-Match: *' "$H/manage")"
check "/counter/x/evaluate: 404" 404 "$(get "$H/counter/x/evaluate")"
check "/counter/0/evaluate: 404" 404 "$(get "$H/counter/0/evaluate")"
check "POST /counter: 405" 405 "$(get -X POST "$H/counter")"
check "POST /counter: Allow GET, HEAD" "GET, HEAD" "$(header allow)"
check "/manage/nothing: 404" 404 "$(get "$H/manage/nothing")"

# 2. Every file under assets/web, at /web/PATH. ------------------------------------------------
type_of() {
	case $1 in
	*.html) echo "text/html; charset=utf-8" ;;
	*.js | *.mjs) echo "text/javascript; charset=utf-8" ;;
	*.css) echo "text/css; charset=utf-8" ;;
	*.svg) echo "image/svg+xml" ;;
	*.png) echo "image/png" ;;
	*.json) echo "application/json" ;;
	*.txt) echo "text/plain; charset=utf-8" ;;
	*.woff2) echo "font/woff2" ;;
	*) echo "application/octet-stream" ;;
	esac
}
files=$(cd assets/web && find . -type f | sed 's|^\./||' | sort)
n=0
bad=""
for f in $files; do
	n=$((n + 1))
	code=$(get "$H/web/$f")
	want_cache=no-cache
	case $f in vendor/*) want_cache="public, max-age=31536000, immutable" ;; esac
	seen="$code $(cmp -s "$tmp/body" "assets/web/$f" && echo same || echo differ) $(header content-type)|$(header etag)|$(header cache-control)|$(header x-content-type-options)"
	want="200 same $(type_of "$f")|$(etag_of "assets/web/$f")|$want_cache|nosniff"
	[ "$seen" = "$want" ] || bad="$bad /web/$f: $seen (expected $want);"
	case $f in
	*.html) [ "$(header content-security-policy)" = "$CSP" ] || bad="$bad /web/$f: no CSP;" ;;
	esac
	[ "$(get -H "If-None-Match: $(etag_of "assets/web/$f")" "$H/web/$f")" = 304 ] || bad="$bad /web/$f: no 304;"
done
check "every file under assets/web ($n) at /web/PATH: its bytes, type, ETag, cache, 304" "" "$bad"
check "an unknown file: 404" 404 "$(get "$H/web/nope.js")"
check "an unknown file: error noasset" noasset "$(jq_py 'j["error"]' <"$tmp/body")"
check "an unknown file deeper: 404" 404 "$(get "$H/web/vendor/none-1.0/x.js")"
check "/web/../tests/lib.sh: refused (400)" 400 "$(get --path-as-is "$H/web/../tests/lib.sh")"
check "/web/a/../ticket.html: refused (400)" 400 "$(get --path-as-is "$H/web/a/../ticket.html")"
check "/web/%2e%2e/x: refused (400)" 400 "$(get --path-as-is "$H/web/%2e%2e/ticket.html")"
check "/web/./ticket.html: refused (400)" 400 "$(get --path-as-is "$H/web/./ticket.html")"
check "/web//ticket.html: refused (400)" 400 "$(get --path-as-is "$H/web//ticket.html")"
check "/web/: 404" 404 "$(get "$H/web/")"
check "HEAD /web/ticket.html: 200 without a body" "200 yes" "$(get -I "$H/web/ticket.html") $(headers_only)"
# The status page is still the ticket's, for a browser.
id=$(api POST /api/v1/tickets "$T_KIOSK" '{"service": "a"}' | jq_py 'j["id"]')
check "the status URL, for a browser: the ticket page" "200 yes" \
	"$(get -H 'Accept: text/html' "$H/api/v1/tickets/$id") $(cmp -s "$tmp/body" assets/web/ticket.html && echo yes || echo no)"

# 3. /api/v1/hall: the longest waits and each counter's since. ----------------------------------
api GET /api/v1/hall "$T_DISPLAY" >"$tmp/hall.json"
check "hall: a's oldest_wait_s is a number of seconds" yes \
	"$(jq_py 'isinstance(j["services"][0]["oldest_wait_s"], int) and j["services"][0]["oldest_wait_s"] >= 0 and "yes"' <"$tmp/hall.json")"
check "hall: nobody waits for b: oldest_wait_s null" None "$(jq_py 'j["services"][1]["oldest_wait_s"]' <"$tmp/hall.json")"
check "hall: every counter has since, an ISO time" "yes yes yes" \
	"$(jq_py '" ".join("yes" if len(c["since"]) == 25 and c["since"][10] == "T" else "no" for c in j["counters"])' <"$tmp/hall.json")"

# 4. GET /api/v1/counters/{n}. ----------------------------------------------------------------
for who in "counter:1 $T_C1 200" "gateway $T_GW 200" "display $T_DISPLAY 200" "manager $T_MANAGER 200" \
	"admin $T_ADMIN 200" "counter:2 $T_C2 403" "kiosk $T_KIOSK 403"; do
	set -- $who
	api GET /api/v1/counters/1 "$2" >/dev/null
	check "GET /api/v1/counters/1 as $1: $3" "$3" "$(status)"
done
api GET /api/v1/counters/1 "" >/dev/null
check "GET /api/v1/counters/1 without a token: 401" 401 "$(status)"
api GET /api/v1/counters/9 "$T_ADMIN" >/dev/null
check "GET /api/v1/counters/9 (no such counter): 404 nocounter" "404 nocounter" "$(status) $(jq_py 'j["error"]' <"$tmp/abody")"
api GET /api/v1/counters/abc "$T_ADMIN" >/dev/null
check "GET /api/v1/counters/abc: 404" 404 "$(status)"

# Counter 2 parks A002, finishes A003; counter 1 sends A004 to counter 2 by name; counter 2
# pauses. A001 (the first ticket) still waits.
for _ in 1 2 3 4; do api POST /api/v1/tickets "$T_KIOSK" '{"service": "a"}' >/dev/null; done
api POST /api/v1/counters/2/call "$T_C2" '{"ticket": "A002"}' >/dev/null
api POST /api/v1/counters/2/park "$T_C2" >/dev/null
api POST /api/v1/counters/2/call "$T_C2" '{"ticket": "A003"}' >/dev/null
api POST /api/v1/counters/2/finish "$T_C2" >/dev/null
api POST /api/v1/counters/1/call "$T_C1" '{"ticket": "A004"}' >/dev/null
api POST /api/v1/counters/1/transfer "$T_C1" '{"counter": 2}' >/dev/null
check "set-up: the transfer to counter 2" 200 "$(status)"
api POST /api/v1/counters/2/pause "$T_C2" '{"reason": "午休"}' >/dev/null
api GET /api/v1/counters/2 "$T_C2" >"$tmp/c2.json"
check "counter 2: 200" 200 "$(status)"
check "counter 2: the counter, paused, with its reason" "2 paused 午休" \
	"$(jq_py '"%d %s %s" % (j["counter"]["number"], j["counter"]["state"], j["counter"]["reason"])' <"$tmp/c2.json")"
check "counter 2: since and paused_at, the pause's start" yes \
	"$(jq_py 'j["counter"]["since"] == j["counter"]["paused_at"] and len(j["counter"]["since"]) == 25 and "yes"' <"$tmp/c2.json")"
check "counter 2: its services, in its order" "b a" "$(jq_py '" ".join(s["key"] for s in j["services"])' <"$tmp/c2.json")"
check "counter 2: b has nobody waiting, oldest_wait_s null" "0 None" \
	"$(jq_py '"%d %s" % (j["services"][0]["waiting"], j["services"][0]["oldest_wait_s"])' <"$tmp/c2.json")"
check "counter 2: a has A001 and A005 (and A004 sent here), a longest wait" "3 yes yes" \
	"$(jq_py '"%d %s %s" % (j["services"][1]["waiting"], isinstance(j["services"][1]["oldest_wait_s"], int) and "yes", isinstance(j["services"][1]["est_wait_s"], int) and "yes")' <"$tmp/c2.json")"
check "counter 2: names of the services" "不动产登记 Real estate" \
	"$(jq_py 'j["services"][0]["name"] + " " + j["services"][0]["name_en"]' <"$tmp/c2.json")"
check "counter 2: parked A002" "A002 parked" "$(jq_py '" ".join(t["label"] + " " + t["state"] for t in j["parked"])' <"$tmp/c2.json")"
check "counter 2: sent_here A004, waiting for counter 2" "A004 waiting 2" \
	"$(jq_py '" ".join("%s %s %d" % (t["label"], t["state"], t["target_counter"]) for t in j["sent_here"])' <"$tmp/c2.json")"
check "counter 2: last_finished A003, done" "A003 done" \
	"$(jq_py 'j["last_finished"]["label"] + " " + j["last_finished"]["state"]' <"$tmp/c2.json")"
check "counter 2: no status key on a counter's page" no \
	"$(jq_py '"key=" in j["last_finished"]["status_url"] and "yes" or "no"' <"$tmp/c2.json")"
check "counter 2: time" yes "$(jq_py 'len(j["time"]) == 25 and "yes"' <"$tmp/c2.json")"
api GET /api/v1/counters/1 "$T_C1" >"$tmp/c1.json"
check "counter 1: open, not paused, nothing parked, sent or finished" "open None 0 0 None" \
	"$(jq_py '"%s %s %d %d %s" % (j["counter"]["state"], j["counter"]["paused_at"], len(j["parked"]), len(j["sent_here"]), j["last_finished"])' <"$tmp/c1.json")"
api POST /api/v1/counters/2/resume "$T_C2" >/dev/null

# 5. The public ticket stream. ------------------------------------------------------------------
# A006 waits in service a; its stream, without a token.
id=$(api POST /api/v1/tickets "$T_KIOSK" '{"service": "a"}' | jq_py 'j["id"]')
stream() { # file path
	curl -s -N -m 60 -D "$1.head" "$H$2" >"$1" 2>/dev/null &
	pids="$pids $!"
	stream_pid=$!
}
stream "$tmp/s1" "/api/v1/tickets/$id/events"
s1_pid=$stream_pid
wait_for 5000 grep -q '^retry:' "$tmp/s1" || fail "the ticket stream starts" "retry: 2000" "$(cat "$tmp/s1")"
check "the ticket stream: text/event-stream" yes \
	"$(grep -qi '^content-type: text/event-stream' "$tmp/s1.head" && echo yes || echo no)"
mark=$(lines "$tmp/s1")
# Another queue's ticket and another queue's counter: nothing.
api POST /api/v1/tickets "$T_KIOSK" '{"service": "b"}' >/dev/null
api POST /api/v1/counters/3/pause "$T_ADMIN" '{"reason": "x"}' >/dev/null
b_last=$(api GET /api/v1/hall "$T_ADMIN" | jq_py 'j["last_event_id"]')
# The counters of its service (1 serves a alone): an opening, a pause, a resume or a close
# changes its estimate (no counter open: est_wait_s null), so each is a change.
for op in pause:paused resume:resumed close:closed open:opened; do
	m=$(lines "$tmp/s1")
	api POST "/api/v1/counters/1/${op%%:*}" "$T_C1" >/dev/null
	expect_line "the ticket stream: a change when counter 1 of its queue is ${op#*:}" 3000 "$tmp/s1" "$m" \
		"\"type\": \"counter_${op#*:}\"}\$"
done
# Its queue: counter 1 calls the first of a (A001).
api POST /api/v1/counters/1/call-next "$T_C1" >/dev/null
call_id=$(api GET /api/v1/hall "$T_ADMIN" | jq_py 'j["last_event_id"]')
expect_line "the ticket stream: a change for a call in its queue" 3000 "$tmp/s1" "$mark" \
	"^data: {\"event_id\": $call_id, \"type\": \"called\"}$"
check "the ticket stream: the change as event: change, with the event's id" "id: $call_id|event: change" \
	"$(grep -B2 "\"event_id\": $call_id," "$tmp/s1" | grep -v '^data' | tr '\n' '|' | sed 's/|$//')"
check "the ticket stream: nothing of service b or counter 3 (events up to $b_last)" "" \
	"$(after "$tmp/s1" "$mark" | grep '^data' | "$PY" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line[6:])
    if d["event_id"] <= int(sys.argv[1]): print(line.strip())' "$b_last")"
check "the ticket stream: no label, clerk or ticket in its data" "" \
	"$(grep '^data' "$tmp/s1" | grep -E 'label|clerk|ticket|A00')"
mark=$(lines "$tmp/s1")
# The ticket itself: called at counter 2 (the event names the counter, not the service's
# counter list), then a heartbeat goes by.
api POST /api/v1/counters/2/call "$T_C2" "{\"ticket\": $id}" >/dev/null
expect_line "the ticket stream: a change when its ticket is called" 3000 "$tmp/s1" "$mark" '"type": "called"'
expect_line "the ticket stream: a heartbeat when nothing happens" 3000 "$tmp/s1" "$mark" '^: ping'
# Transferred to service b: it follows the new ticket, in b's queue now.
mark=$(lines "$tmp/s1")
api POST /api/v1/counters/2/transfer "$T_C2" '{"service": "b"}' >/dev/null
expect_line "the ticket stream: a change on its transfer" 3000 "$tmp/s1" "$mark" '"type": "transferred"'
mark=$(lines "$tmp/s1")
api POST /api/v1/tickets "$T_KIOSK" '{"service": "b"}' >/dev/null
expect_line "the ticket stream: after the transfer, b's queue is its own" 3000 "$tmp/s1" "$mark" '"type": "issued"'

# A label works as the id; an unknown ticket is 404; the third stream is refused.
check "the ticket stream of no ticket: 404" 404 "$(get -m 5 "$H/api/v1/tickets/99999/events")"
stream "$tmp/s2" "/api/v1/tickets/A005/events"
s2_pid=$stream_pid
wait_for 5000 grep -q '^retry:' "$tmp/s2" || fail "a ticket stream by label starts" "retry: 2000" "$(cat "$tmp/s2.head")"
check "a third ticket stream: 503" 503 "$(get -m 5 "$H/api/v1/tickets/$id/events")"
check "a third ticket stream: Retry-After: 30" 30 "$(header retry-after)"
check "a third ticket stream: error busy" busy "$(jq_py 'j["error"]' <"$tmp/body")"
# One closed, a stream may start again.
stop "$s1_pid"
expect_val "after one stream ends, another may start" 5000 200 \
	get -m 1 "$H/api/v1/tickets/$id/events"

# Further back than the hub keeps (everything before hallqd started): one "resync" change
# stands for all of it, not a page of history per read from the database.
stop "$s2_pid"
long_ago() { curl -s -N -m 2 "$H/api/v1/tickets/$id/events?since=0" >"$tmp/s3" 2>/dev/null; grep -q '^retry:' "$tmp/s3"; }
wait_for 8000 long_ago # the streams stopped above free their places at their next heartbeat
check "a ticket stream from long ago: one resync change, then only what comes" \
	"1 $(api GET /api/v1/hall "$T_ADMIN" | jq_py 'j["last_event_id"]')" \
	"$(grep -c '^data' "$tmp/s3") $(sed -n 's/^data: {"event_id": \([0-9]*\), "type": "resync"}$/\1/p' "$tmp/s3")"

echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
