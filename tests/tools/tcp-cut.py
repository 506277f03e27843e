#!/usr/bin/python3
"""A TCP relay that cuts PostgreSQL connections mid-transaction, for tests/federation.sh.

tcp-cut.py LISTEN_PORT TARGET_PORT: accepts on 127.0.0.1:LISTEN_PORT and forwards each
connection to 127.0.0.1:TARGET_PORT, both ways. It prints "ready" once it listens. Signals
arm a cut of the next transaction's end, seen as a client message that carries COMMIT
(the simple query protocol's text, which hallq-sync's COMMIT is):
  SIGUSR1: the connection is dropped before the COMMIT reaches the server (the server rolls
           the transaction back: the batch is lost and must be sent again);
  SIGUSR2: the COMMIT is forwarded, and the connection dropped before its answer comes back
           (the batch is in, the client does not know: a resend must double nothing).
Each cut prints "cut before-commit" or "cut after-commit". Not hallq-relay, which relays a
serial line between ptys: this is a socket relay and knows one word of the PostgreSQL
protocol.
"""
import os
import selectors
import signal
import socket
import sys

armed = None  # None, "before-commit" or "after-commit"


def arm(mode):
    def handler(signum, frame):
        global armed
        armed = mode
    return handler


signal.signal(signal.SIGUSR1, arm("before-commit"))
signal.signal(signal.SIGUSR2, arm("after-commit"))
signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen_port))
ls.listen(16)
ls.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ, None)
peer = {}      # socket -> the other end
to_server = set()  # sockets that are the client side (their data goes to the server)
mute = set()   # server sockets whose answers are no longer passed on
print("ready", flush=True)


def close(s):
    for x in (s, peer.get(s)):
        if x is None:
            continue
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        peer.pop(x, None)
        to_server.discard(x)
        mute.discard(x)
        x.close()


while True:
    try:
        events = sel.select(timeout=0.5)
    except InterruptedError:
        continue
    for key, _ in events:
        s = key.fileobj
        if s is ls:
            try:
                c, _ = ls.accept()
            except BlockingIOError:
                continue
            try:
                t = socket.create_connection(("127.0.0.1", target_port), timeout=3)
            except OSError:
                c.close()  # the server is away: so is the relayed connection
                continue
            t.setblocking(True)
            peer[c], peer[t] = t, c
            to_server.add(c)
            sel.register(c, selectors.EVENT_READ, None)
            sel.register(t, selectors.EVENT_READ, None)
            continue
        if s not in peer:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close(s)
            continue
        if s in to_server and armed and b"COMMIT" in data:
            mode, armed = armed, None
            print("cut " + mode, flush=True)
            if mode == "before-commit":
                close(s)
                continue
            peer[s].sendall(data)
            # The answer is dropped: the client's side goes now, the server's is read and
            # dropped until the server is done with it.
            srv = peer[s]
            sel.unregister(s)
            peer.pop(s, None)
            to_server.discard(s)
            s.close()
            peer.pop(srv, None)
            sel.unregister(srv)
            srv.close()
            continue
        if s in mute:
            continue
        try:
            peer[s].sendall(data)
        except OSError:
            close(s)
