#!/usr/bin/env python3
"""Connection exhaustion over HTTPS, both sides of it.

attack PORT COUNT SECONDS STATUSFILE
    From 127.0.0.2, keeps up to COUNT TLS connections to the broker, each
    completing its handshake and then sending one byte a second of a request
    head that never ends. A connection the broker closes is opened again.
    Writes "round=N held=H" to STATUSFILE each second (H: connections that
    lasted since the round before).

measure PORT SECONDS CAFILE MAC
    A station: one POST /v1/lookup after the other for SECONDS, each on a
    fresh TLS connection from 127.0.0.1 (CA checked), 2 s allowed each.
    Prints "count failed rate_per_s p99_ms" like flood-lookups.pl.
"""
import json
import os
import socket
import ssl
import sys
import time


def attack(port, count, secs, status):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    head = b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nX-Drip: "
    conns = []
    end = time.time() + secs
    rnd = 0

    def open_one():
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=1,
                                           source_address=("127.0.0.2", 0))
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(head)
            s.setblocking(False)
            return s
        except OSError:
            return None

    while time.time() < end:
        t0 = time.time()
        rnd += 1
        held = 0
        alive = []
        for s in conns:
            try:
                s.send(b"a")
                alive.append(s)
                held += 1
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                alive.append(s)
                held += 1
            except OSError:
                s.close()
        conns = alive
        while len(conns) < count and time.time() - t0 < 0.8:
            s = open_one()
            if s is None:
                break
            conns.append(s)
        with open(status + ".tmp", "w") as f:
            f.write("round=%d held=%d open=%d\n" % (rnd, held, len(conns)))
        os.replace(status + ".tmp", status)
        left = 1 - (time.time() - t0)
        if left > 0:
            time.sleep(left)


def measure(port, secs, cafile, mac):
    ctx = ssl.create_default_context(cafile=cafile)
    body = json.dumps({"mac": mac, "version": "test"}).encode()
    req = (b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Content-Type: application/json\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    lat, failed = [], 0
    end = time.time() + secs
    while time.time() < end:
        t0 = time.time()
        ok = False
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=2)
            # As stations (libcurl) do: without it, the request waits for
            # the ACK of the handshake's last message, up to 40 ms.
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                s.settimeout(max(0.01, 2 - (time.time() - t0)))
                s.sendall(req)
                data = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            ok = data.startswith(b"HTTP/1.1 200 ") and b'"status":"ready"' in data
        except (OSError, ssl.SSLError):
            ok = False
        if ok:
            lat.append((time.time() - t0) * 1000)
        else:
            failed += 1
            time.sleep(0.01)
    lat.sort()
    p99 = lat[int(0.99 * (len(lat) - 1))] if lat else 9999
    print("%d %d %.1f %.1f" % (len(lat), failed, len(lat) / secs, p99))


if __name__ == "__main__":
    if sys.argv[1] == "attack":
        attack(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        measure(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5])
