#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# load.py: clients that never retry, busy against tinyhttpd until SIGINT or SIGTERM; then one line,
# "requests N failed F", and each failure's reason below it.
#
#   load.py PORT [CLIENTS]
#
# Half the clients keep one connection alive for all their requests, half open a new connection per
# request. A request fails when the connection is refused, reset or closed before a whole answer, when
# no answer comes within 10 s, or when the answer is not 200 "Hello World!". After a failure, or an
# answer with Connection: close, a keep-alive client opens a new connection for its next request; it
# never sends the same request again.
import signal
import socket
import sys
import threading

REQUEST = b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
BODY = b"Hello World!"
TIMEOUT_S = 10

stop = threading.Event()
lock = threading.Lock()
totals = {"requests": 0, "failed": 0}
reasons = {}


def count(failure=None):
    with lock:
        totals["requests"] += 1
        if failure is not None:
            totals["failed"] += 1
            reasons[failure] = reasons.get(failure, 0) + 1


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def answer(s):
    """Reads one answer; returns whether the server keeps the connection open."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the answer's head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    length = int(headers.get("content-length", "-1"))
    if length < 0:
        raise ValueError("no Content-Length")
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed in the answer's body")
        body += chunk
    status = lines[0].split(" ")[1]
    if status != "200" or body[:length] != BODY:
        raise ValueError("answer %s %r" % (status, body[:40]))
    return headers.get("connection", "").lower() != "close"


def client(port, keepalive):
    s = None
    while not stop.is_set():
        try:
            if s is None:
                s = connect(port)
            s.sendall(REQUEST)
            alive = answer(s)
            count()
            if not (alive and keepalive):
                s.close()
                s = None
        except (OSError, ValueError) as e:
            count("%s: %s" % (type(e).__name__, e))
            if s is not None:
                s.close()
            s = None
    if s is not None:
        s.close()


def main():
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=client, args=(port, i % 2 == 0)) for i in range(n)]
    for t in threads:
        t.start()
    # Signals reach the main thread only: it waits for them, not in join().
    while not stop.wait(0.2):
        pass
    for t in threads:
        t.join()
    print("requests %d failed %d" % (totals["requests"], totals["failed"]))
    for r, k in sorted(reasons.items()):
        print("  %d x %s" % (k, r))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
