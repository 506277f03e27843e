#!/usr/bin/env python3
"""The latency of a hall's own clients while one client abuses hallqd (tests/limits.sh).

Usage: limits-abuse.py PORT KIOSK_TOKEN COUNTER_TOKEN COUNTER ABUSE_TOKEN N

The kiosk (from 127.0.0.1) issues N tickets and the counter (from 127.0.0.3) calls N, each
paced at 20 requests a second on a keep-alive connection, first alone, then while the
abuser (from 127.0.0.2) floods hallqd: many connections sending requests as fast as they
can with its own token, slowloris connections trickling their headers, and event streams
opened beyond its limit. Prints the p99 latencies of both phases and their ratio, and one
line "failed: K" with the kiosk's and counter's requests that did not succeed (any status
but 200, 201 and 204, or no answer); exits 1 when K > 0. It never judges a time.
"""
import http.client
import socket
import sys
import threading
import time

port, kiosk, counter_tok, counter, abuse, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
port = int(port)
PACE = 0.05


def client(src):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
    return c


def run(src, token, method, path, body, lat, failures):
    conn = client(src)
    for _ in range(n):
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body,
                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            st = r.status
        except Exception as e:  # a dropped connection is a failure; start a new one
            st = str(e)
            conn.close()
            conn = client(src)
        lat.append((time.monotonic() - t0) * 1000)
        if st not in (200, 201, 204):
            failures.append(f"{method} {path}: {st}")
        rest = PACE - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)
    conn.close()


def phase():
    kl, cl, fails = [], [], []
    th = [threading.Thread(target=run, args=("127.0.0.1", kiosk, "POST", "/api/v1/tickets", '{"service": "a"}', kl, fails)),
          threading.Thread(target=run, args=("127.0.0.3", counter_tok, "POST", f"/api/v1/counters/{counter}/call-next", None, cl, fails))]
    for t in th:
        t.start()
    for t in th:
        t.join()
    return kl, cl, fails


def p99(v):
    v = sorted(v)
    return v[max(0, -(-len(v) * 99 // 100) - 1)] if v else 0.0


stop = threading.Event()
sent = {"requests": 0, "refused": 0}


def flood():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.2", 0))
            f = s.makefile("rb")
            while not stop.is_set():
                s.sendall(b"GET /api/v1/hall HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + abuse.encode() + b"\r\n\r\n")
                line = f.readline()
                if not line:
                    break
                sent["requests"] += 1
                length = 0
                while True:
                    h = f.readline()
                    if h in (b"\r\n", b""):
                        break
                    if h.lower().startswith(b"content-length:"):
                        length = int(h.split(b":")[1])
                f.read(length)
                if b" 200 " not in line:
                    sent["refused"] += 1
            s.close()
        except OSError:
            sent["refused"] += 1
            time.sleep(0.01)


def slowloris():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.2", 0))
            for b in b"GET /api/v1/hall HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    break
                s.sendall(bytes([b]))
                time.sleep(0.5)
            s.close()
        except OSError:
            time.sleep(0.1)


def streams():
    held = []
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.2", 0))
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + abuse.encode() + b"\r\n\r\n")
            held.append(s)
            if len(held) > 8:
                held.pop(0).close()
        except OSError:
            pass
        time.sleep(0.05)
    for s in held:
        s.close()


base_k, base_c, fails = phase()
abusers = [threading.Thread(target=f, daemon=True) for f in [flood] * 12 + [slowloris] * 6 + [streams] * 2]
for t in abusers:
    t.start()
time.sleep(0.5)
ab_k, ab_c, fails2 = phase()
stop.set()
for t in abusers:
    t.join(5)
fails += fails2
bk, bc, ak, ac = p99(base_k), p99(base_c), p99(ab_k), p99(ab_c)
print(f"issue p99: {bk:.2f} ms without abuse, {ak:.2f} ms during abuse, ratio {ak / bk if bk else 0:.2f} (n={len(ab_k)})")
print(f"call-next p99: {bc:.2f} ms without abuse, {ac:.2f} ms during abuse, ratio {ac / bc if bc else 0:.2f} (n={len(ab_c)})")
print(f"abuser: {sent['requests']} answers read, {sent['refused']} refused or dropped")
for f in fails[:5]:
    print("  " + f)
print(f"failed: {len(fails)}")
sys.exit(1 if fails else 0)
