"""The load side of the `echo_server` scenario, shared by every backend.

``python -m suite.echo_client --port P --conns N --rounds R`` opens N TCP connections to
127.0.0.1:P, sends a 16-byte hello on each and waits for its echo (so the server has a live unit
per connection), prints ``idle N`` and waits for a line on stdin. On ``traffic`` it sends R
rounds of a 64-byte message on every connection, checks each echo, prints ``done E`` and waits
again; on ``close`` it closes everything and exits 0. Any error prints ``error <message>`` and
exits 1. It runs in its own process so the server's RSS holds only the server.
"""

from __future__ import annotations

import argparse
import resource
import selectors
import socket
import sys
import time

DEADLINE_S = 120.0  # every phase is bounded: a stuck server fails the scenario, never hangs it


def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


def _exchange(socks: list[socket.socket], payload: bytes) -> int:
    """Send payload on every socket, read back exactly len(payload) bytes on each."""
    sel = selectors.DefaultSelector()
    pending = {s: bytearray() for s in socks}
    for s in socks:
        s.sendall(payload)  # 64 bytes fit in any socket buffer: never blocks
        sel.register(s, selectors.EVENT_READ)
    ok = 0
    end = time.monotonic() + DEADLINE_S
    while pending:
        if time.monotonic() > end:
            raise TimeoutError(f"{len(pending)} connections did not echo within {DEADLINE_S:.0f}s")
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            buf = pending[s]
            chunk = s.recv(len(payload) - len(buf))
            if not chunk:
                raise ConnectionError("server closed a connection")
            buf += chunk
            if len(buf) == len(payload):
                ok += bytes(buf) == payload
                sel.unregister(s)
                del pending[s]
    sel.close()
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m suite.echo_client")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, required=True)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args(argv)
    socks: list[socket.socket] = []
    try:
        _raise_fd_limit(a.conns + 64)
        for _ in range(a.conns):
            s = socket.create_connection(("127.0.0.1", a.port), timeout=DEADLINE_S)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks.append(s)
        for s in socks:
            s.settimeout(None)
            s.setblocking(False)
        _exchange(socks, b"hello-echo-0000\n")
        print(f"idle {len(socks)}", flush=True)
        if sys.stdin.readline().strip() != "traffic":
            return 0
        echoed = sum(_exchange(socks, (b"%04d" % r) * 16) for r in range(a.rounds))
        print(f"done {echoed}", flush=True)
        sys.stdin.readline()
        return 0
    except Exception as e:  # the protocol reports any failure as one line
        print(f"error {type(e).__name__}: {e}", flush=True)
        return 1
    finally:
        for s in socks:
            s.close()


if __name__ == "__main__":
    sys.exit(main())
