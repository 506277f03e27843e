#!/usr/bin/python3
"""A stand-in for hallqd that records what a counter gateway sends it (tests/counter.sh).

It answers the few routes hallq-counter uses: GET /api/v1/hall (a hall of one service and
counters 1..N, all open, nobody waiting), GET /api/v1/events (a stream of pings), PUT
/api/v1/units/NAME (the health report) and POST /api/v1/counters/N/OP, where it checks the
bodies of issue 14's contract:

  evaluate  {"level": 1..5}, gateway or admin token only   -> 200 the review, else 400/403
  sign-in   {"clerk": "ID", "pin": "DIGITS"} against --clerk ID:PIN -> 200 the counter,
            403 {"error": "signin"} for an unknown clerk or a wrong PIN
  sign-out, and any other operation                          -> 200 the counter

Each POST is one JSON line in --log: method, path, token, idempotency key, body, the status
answered and whether it was a replay. As hallqd does, a repeated Idempotency-Key gets the
first answer again without being carried out twice. POST /_test/unavailable {"count": N}
makes the next N counter operations answer 503, as a hallqd failing inside would.

Prints "ready PORT" once it listens (on 127.0.0.1, port 0 by default: a free one), and runs
until SIGTERM.
"""
import argparse
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hall:
    def __init__(self, args):
        self.counters = args.counters
        self.gateway = args.gateway_token
        self.tokens = {args.gateway_token: "gateway", args.admin_token: "admin"}
        for spec in args.counter_token:
            n, tok = spec.split(":", 1)
            self.tokens[tok] = "counter:" + n
        self.roster = dict(c.split(":", 1) for c in args.clerk)
        self.log = open(args.log, "a", buffering=1)
        self.lock = threading.Lock()
        self.answers = {}          # idempotency key -> (status, body)
        self.unavailable = 0
        self.signed_in = {}        # counter -> clerk

    def record(self, **entry):
        with self.lock:
            self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def hall(self):
        counters = [{"number": n, "name": "%d号窗口" % n, "state": "open", "serving": None,
                     "services": ["a"], "clerk": self.signed_in.get(n)}
                    for n in range(1, self.counters + 1)]
        return {"name": "fake hallqd", "services": [{"key": "a", "name": "综合", "prefix": "A",
                "open": True, "waiting": 0}], "counters": counters, "last_event_id": 0}

    def operate(self, role, counter, op, body):
        """Carry out one counter operation; returns (status, answer)."""
        if counter < 1 or counter > self.counters:
            return 404, {"error": "nocounter", "message": "no counter %d" % counter}
        if role not in ("gateway", "admin") and role != "counter:%d" % counter:
            return 403, {"error": "forbidden", "message": "not your counter"}
        if op == "evaluate":
            if role not in ("gateway", "admin"):
                return 403, {"error": "forbidden", "message": "evaluate is the gateway's"}
            level = body.get("level") if isinstance(body, dict) else None
            if type(level) is not int or not 1 <= level <= 5 or set(body) != {"level"}:
                return 400, {"error": "badjson", "message": "want {\"level\": 1..5}"}
            return 200, {"ticket": "A001", "level": level, "channel": "unit"}
        if op == "sign-in":
            clerk = body.get("clerk") if isinstance(body, dict) else None
            pin = body.get("pin") if isinstance(body, dict) else None
            if not isinstance(clerk, str) or not isinstance(pin, str) or set(body) != {"clerk", "pin"}:
                return 400, {"error": "badjson", "message": "want {\"clerk\", \"pin\"} as strings"}
            if self.roster.get(clerk) != pin:
                return 403, {"error": "signin", "message": "unknown clerk or wrong PIN"}
            self.signed_in[counter] = clerk
            return 200, {"number": counter, "state": "open", "clerk": clerk}
        if op == "sign-out":
            self.signed_in.pop(counter, None)
        return 200, {"number": counter, "state": "open"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return "(not JSON)"

    def role(self):
        auth = self.headers.get("Authorization", "")
        return HALL.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None

    def do_GET(self):
        if not self.role():
            return self.reply(401, {"error": "token", "message": "no token"})
        if self.path == "/api/v1/hall":
            return self.reply(200, HALL.hall())
        if self.path.startswith("/api/v1/events"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            try:
                while not STOP.is_set():
                    self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
                    STOP.wait(1)
            except OSError:
                pass
            self.close_connection = True
            return
        self.reply(404, {"error": "noroute", "message": self.path})

    def do_PUT(self):
        self.body()
        if not self.role():
            return self.reply(401, {"error": "token", "message": "no token"})
        self.reply(204)

    def do_POST(self):
        body = self.body()
        if self.path == "/_test/unavailable":
            HALL.unavailable = int(body["count"])
            return self.reply(204)
        role = self.role()
        key = self.headers.get("Idempotency-Key")
        m = re.fullmatch(r"/api/v1/counters/(\d+)/([a-z-]+)", self.path)
        replay = False
        if not role:
            status, answer = 401, {"error": "token", "message": "no token"}
        elif not m:
            status, answer = 404, {"error": "noroute", "message": self.path}
        elif HALL.unavailable > 0:
            HALL.unavailable -= 1
            status, answer = 503, {"error": "busy", "message": "try again"}
        elif key and key in HALL.answers:
            (status, answer), replay = HALL.answers[key], True
        else:
            status, answer = HALL.operate(role, int(m.group(1)), m.group(2), body)
            if key:
                HALL.answers[key] = (status, answer)
        HALL.record(method="POST", path=self.path, role=role, idem=key, body=body,
                    status=status, replay=replay, at=time.time())
        self.reply(status, answer)


def main():
    global HALL
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--counters", type=int, default=4)
    ap.add_argument("--gateway-token", required=True)
    ap.add_argument("--admin-token", required=True)
    ap.add_argument("--counter-token", action="append", default=[], help="N:TOKEN")
    ap.add_argument("--clerk", action="append", default=[], help="ID:PIN")
    args = ap.parse_args()
    HALL = Hall(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def on_term(sig, frame):
        STOP.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    print("ready %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.2)


STOP = threading.Event()
HALL = None

if __name__ == "__main__":
    sys.exit(main())
