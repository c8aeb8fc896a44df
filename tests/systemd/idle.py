#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# idle.py: a browser's idle keep-alive connection: one request answered, then nothing sent, waiting (30 s
# at most) for the server to close it.
#
#   idle.py PORT     prints "idle" once the answer is in, then "closed after N ms" or "open after 30 s"
import socket
import sys
import time

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
data = b""
while not data.endswith(b"Hello World!"):
    chunk = s.recv(4096)
    if not chunk:
        sys.exit("closed before the answer")
    data += chunk
print("idle", flush=True)
t0 = time.monotonic()
s.settimeout(30)
try:
    while s.recv(4096):
        pass
    print("closed after %d ms" % ((time.monotonic() - t0) * 1000))
except socket.timeout:
    print("open after 30 s")
except ConnectionResetError:
    print("closed (reset) after %d ms" % ((time.monotonic() - t0) * 1000))
