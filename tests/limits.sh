#!/bin/sh
# hallqd's [limits] (docs/config.md, docs/api.md "Limits") on loopback, with a hall whose
# limits are small: each limit is hit and answered as documented (429 or 503 with
# Retry-After, 431, 413, a slow client's connection closed) and counted in /metrics as
# hallq_limited_total{limit}; one client's abuse does not stop the hall's kiosk and counter.
# The abuser sends from 127.0.0.2, the kiosk from 127.0.0.1 and the counter from 127.0.0.3,
# so the limit per address falls on the abuser alone. tests/tools/limits-abuse.py measures
# the p99 latency of issuing and of call-next without and during the abuse and prints them;
# only that every kiosk and counter request succeeded is checked, never a time.
# Ends with "limits: N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
TZ=Asia/Shanghai
export TZ
unset HALLQ_DB HALLQ_NOW

make_tmp
need "make tests builds them; Debian package curl" "$HALLQD" "$HALLQ" curl "$PY"

T_KIOSK=kiosk-0123456789abcdef
T_C1=counter1-0123456789abcdef
T_DISPLAY=display-0123456789abcdef
T_ABUSE=abuser-kiosk-0123456789abcdef
T_ADMIN=admin-0123456789abcdef
write_tokens "kiosk $T_KIOSK" "counter:1 $T_C1" "display $T_DISPLAY" "kiosk $T_ABUSE" "admin $T_ADMIN"
{
	printf '[hall]\nname = 限流测试大厅\nsign_in = open\n\n'
	service_ini a A 企业开办 Business mon-sun "numbers = 1-999"
	printf '[counter 1]\nservices = a\n\n'
	printf '[limits]\nconn_per_addr = 4\nrate = 40\nburst = 40\nstreams_per_token = 2\n'
	printf 'header_bytes = 4096\nbody_bytes = 1024\nrequest_timeout = 2\nidle_timeout = 30\n'
} >"$tmp/hall.ini"

# A bad value is refused with its line, before anything listens.
cp "$tmp/hall.ini" "$tmp/bad.ini"
echo "rate = -1" >>"$tmp/bad.ini"
out=$("$HALLQ" init --config "$tmp/bad.ini" --db "$tmp/bad.db" 2>&1)
case "$out" in
*"bad.ini:"*rate*) ok "a [limits] value out of range is refused with its line" ;;
*) fail "a [limits] value out of range is refused with its line" "bad.ini:N: ... rate" "$out" ;;
esac

init_db
hallqd_opts="--heartbeat 1"
port=$((30000 + ($$ % 1000) * 2))
pick_port "$port"
logs=$hallqd_log

# metric LIMIT: hallq_limited_total{limit="LIMIT"} now.
metric() {
	curl -s -m 5 -H "Authorization: Bearer $T_ADMIN" "$H/metrics" |
		sed -n "s/^hallq_limited_total{limit=\"$1\"} //p"
}
# A request's status, and its headers in $tmp/h: curl options... URL.
req() { curl -s -m 10 -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$@"; }
header() { tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | head -1; }

m=$(curl -s -m 5 -H "Authorization: Bearer $T_ADMIN" "$H/metrics")
for l in conn_per_addr rate header body slow streams; do
	echo "$m" | grep -q "^hallq_limited_total{limit=\"$l\"} 0$" ||
		fail "/metrics has hallq_limited_total{limit=\"$l\"} 0 at the start" "a line" "$(echo "$m" | grep limited)"
done
if echo "$m" | grep -q '^# HELP hallq_limited_total ' && echo "$m" | grep -q '^# TYPE hallq_limited_total counter$'; then
	ok "/metrics: hallq_limited_total has its HELP and TYPE lines and every limit at 0"
else
	fail "/metrics: hallq_limited_total's HELP and TYPE" "both lines" "$(echo "$m" | grep limited)"
fi

# ---- requests per second per token ----------------------------------------------------------
# 80 requests on one keep-alive connection, faster than 40 a second: the bucket empties.
set -- $("$PY" - "$port" "$T_ABUSE" <<'PYEOF'
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
n429, ra, code = 0, "-", "-"
for _ in range(80):
    c.request("GET", "/api/v1/hall", headers={"Authorization": "Bearer " + sys.argv[2]})
    r = c.getresponse(); body = r.read()
    if r.status == 429:
        n429 += 1; ra = r.getheader("Retry-After") or "-"; code = json.loads(body).get("error", "-")
print(n429, ra, code)
PYEOF
)
check_num "rate: 80 requests at once with one token beyond burst 40 get 429 (count)" "${1:-0}" -ge 30
if [ "${2:-0}" -ge 1 ] 2>/dev/null && [ "${3:-}" = rate ]; then
	ok "rate: 429 {\"error\": \"rate\"} with Retry-After $2"
else
	fail "rate: 429 rate with Retry-After" "Retry-After >= 1, error rate" "$*"
fi
st=$(req -H "Authorization: Bearer $T_KIOSK" "$H/api/v1/hall")
check "rate: another token (the kiosk's) is served meanwhile" 200 "$st"
check_num "rate: counted in hallq_limited_total{limit=\"rate\"}" "$(metric rate)" -ge 1

# ---- header and body size -------------------------------------------------------------------
big=$(head -c 5000 /dev/zero | tr '\0' a)
st=$(req -H "X-Big: $big" "$H/healthz")
check "header: 5000 bytes of headers beyond header_bytes 4096 get 431 (libmicrohttpd's)" 431 "$st"
check_num "header: counted in hallq_limited_total{limit=\"header\"}" "$(metric header)" -ge 1
body=$(printf '{"service": "a", "pad": "%s"}' "$(head -c 2000 /dev/zero | tr '\0' a)")
st=$(req -X POST -H "Authorization: Bearer $T_KIOSK" -H 'Content-Type: application/json' -d "$body" "$H/api/v1/tickets")
if [ "$st" = 413 ] && grep -q '1024 bytes' "$tmp/b"; then ok "body: 2000 bytes beyond body_bytes 1024 get 413 toolarge naming 1024"
else fail "body: 413 toolarge" "413 naming 1024 bytes" "$st $(cat "$tmp/b")"; fi
check_num "body: counted in hallq_limited_total{limit=\"body\"}" "$(metric body)" -ge 1

# ---- connections per address, slow clients, streams: python3 holds the sockets ----------------
slow0=$(metric slow)
out=$("$PY" - "$port" "$T_ABUSE" "$T_DISPLAY" <<'PYEOF'
import socket, sys, time
port, abuse, display = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def conn(src="127.0.0.2"):
    return socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(src, 0))
def ask(s, path, token=None):
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n".encode() +
              (f"Authorization: Bearer {token}\r\n".encode() if token else b"") + b"\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        more = s.recv(4096)
        if not more:
            break
        data += more
    return data.decode(errors="replace")
def status(head):
    return head.split(" ")[1] if head.startswith("HTTP/") else "none"
def hdr(head, name):
    for line in head.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""
# conn_per_addr 4: four held, the fifth answered 503 and closed; at 2 x 4 refused at accept.
held = [conn() for _ in range(4)]
time.sleep(0.2)
s = conn(); head = ask(s, "/healthz")
print("conn5", status(head), hdr(head, "Retry-After") or "-", hdr(head, "Connection") or "-")
s2 = conn("127.0.0.1"); print("other", status(ask(s2, "/healthz"))); s2.close()
more = [conn() for _ in range(4)]
# hallqd counts a connection when it accepts it, which on a busy machine may come later than
# the client's connect: ask again (each answered one is closed) until it is refused.
r = "none"
for _ in range(25):
    time.sleep(0.2)
    try:
        s3 = conn(); r = status(ask(s3, "/healthz")); s3.close()
    except OSError:
        r = "none"
    if r == "none":
        break
print("conn9", "refused" if r == "none" else r)
for x in held + more + [s]:
    x.close()
time.sleep(0.3)
# A slow client: a byte every 0.3 s (the idle timeout never passes) is closed at request_timeout.
s = conn("127.0.0.4"); t0 = time.monotonic(); closed = None
for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
    try:
        s.sendall(bytes([b]))
        s.settimeout(0.3)
        if s.recv(1) == b"":
            closed = time.monotonic() - t0; break
    except socket.timeout:
        pass
    except OSError:
        closed = time.monotonic() - t0; break
    if time.monotonic() - t0 > 10:
        break
print("slow", "closed" if closed else "open", f"{closed or 0:.1f}")
# streams_per_token 2: two streams with a token, the third 503 with Retry-After.
st = [conn("127.0.0.5") for _ in range(3)]
heads = [ask(x, "/api/v1/events", display) for x in st]
print("streams", " ".join(status(h) for h in heads), hdr(heads[2], "Retry-After") or "-")
o = conn("127.0.0.5"); print("stream-other", status(ask(o, "/api/v1/events", abuse))); o.close()
st[0].close()
# hallqd sees the stream's client gone at its next heartbeat (--heartbeat 1).
again = "none"
for _ in range(20):
    time.sleep(0.25)
    n = conn("127.0.0.5"); again = status(ask(n, "/api/v1/events", display)); n.close()
    if again == "200":
        break
print("stream-again", again)
for x in st:
    x.close()
PYEOF
)
echo "$out" | sed 's/^/    /'
line() { echo "$out" | sed -n "s/^$1 //p"; }
set -- $(line conn5)
if [ "${1:-}" = 503 ] && [ "${2:-0}" -ge 1 ] 2>/dev/null && [ "${3:-}" = close ]; then
	ok "conn_per_addr: the fifth connection of an address gets 503, Retry-After $2, Connection: close"
else fail "conn_per_addr: 503 with Retry-After and Connection: close" "503 N close" "$(line conn5)"; fi
check "conn_per_addr: another address is served meanwhile" 200 "$(line other)"
check "conn_per_addr: at twice the limit a connection is refused at accept, unanswered" refused "$(line conn9)"
check_num "conn_per_addr: counted in hallq_limited_total{limit=\"conn_per_addr\"}" "$(metric conn_per_addr)" -ge 2
set -- $(line slow)
if [ "${1:-}" = closed ] && [ "$(echo "${2:-0} >= 1.5 && ${2:-0} <= 6" | bc)" = 1 ]; then
	ok "slow: a client sending a byte every 0.3 s is closed at request_timeout 2 s (after $2 s)"
else fail "slow: closed after request_timeout" "closed after 2 to 6 s" "$(line slow)"; fi
check_num "slow: counted in hallq_limited_total{limit=\"slow\"}" "$(metric slow)" -gt "${slow0:-0}"
set -- $(line streams)
if [ "$*" = "200 200 503 ${4:-}" ] && [ "${4:-0}" -ge 1 ] 2>/dev/null; then
	ok "streams: two event streams with one token, the third 503 with Retry-After $4"
else fail "streams: 200 200 503 with Retry-After" "200 200 503 N" "$(line streams)"; fi
check "streams: another token's stream is served meanwhile" 200 "$(line stream-other)"
check "streams: a stream closed frees its place" 200 "$(line stream-again)"
check_num "streams: counted in hallq_limited_total{limit=\"streams\"}" "$(metric streams)" -ge 1

# ---- one client's abuse against the kiosk and the counter --------------------------------------
curl -s -m 5 -o /dev/null -X POST -H "Authorization: Bearer $T_C1" "$H/api/v1/counters/1/open"
curl -s -m 5 -o /dev/null -X POST -H "Authorization: Bearer $T_C1" -H 'Content-Type: application/json' \
	-d '{"clerk": "1024"}' "$H/api/v1/counters/1/sign-in"
abuse=$("$PY" tests/tools/limits-abuse.py "$port" "$T_KIOSK" "$T_C1" 1 "$T_ABUSE" "${LIMITS_N:-100}" 2>&1)
rc=$?
echo "$abuse" | sed 's/^/    /'
check "abuse: every kiosk issue and counter call-next succeeded during one client's abuse" "0 0" \
	"$rc $(echo "$abuse" | sed -n 's/^failed: //p')"
alive "$hallqd_pid" && ok "hallqd still runs" || fail "hallqd still runs" "alive" "gone"

stop "$hallqd_pid"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
