"""The client side of echo_server: drives `python -m suite.echo_client` through its line
protocol (every read bounded) and reads the server's memory at each phase."""

from __future__ import annotations

import select
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from impls.pyrt.memory import rss
from suite.backend import REPO


class EchoClient:
    """Drives `python -m suite.echo_client` through its line protocol; every read is bounded."""

    def __init__(self, port: int, conns: int, rounds: int):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "suite.echo_client", "--port", str(port), "--conns",
             str(conns), "--rounds", str(rounds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            cwd=str(REPO))

    def expect(self, word: str, timeout: float = 150.0) -> int:
        """Wait for the line `word N`; return N. Raises RuntimeError on `error ...` or timeout."""
        end = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise RuntimeError(f"echo client: no '{word}' line within {timeout:.0f} s")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"echo client exited ({self.proc.poll()}) before '{word}'")
            head, _, n = line.strip().partition(" ")
            if head == word:
                return int(n)
            if head == "error":
                raise RuntimeError(f"echo client: {line.strip()}")

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.send("close")
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=10)


def drive_echo(port: int, conns: int, rounds: int, rss: Callable[[], int] = rss,
               rss_baseline: int | None = None) -> dict[str, Any]:
    """The client side of echo_server against a server already listening on `port`."""
    baseline = rss() if rss_baseline is None else rss_baseline
    client = EchoClient(port, conns, rounds)
    try:
        held = client.expect("idle")
        rss_idle = rss()
        client.send("traffic")
        echoed = client.expect("done")
        rss_traffic = rss()
    finally:
        client.close()
    return {"conns": held, "rss_baseline": baseline, "rss_idle": rss_idle,
            "rss_traffic": rss_traffic, "bytes_per_conn_idle": (rss_idle - baseline) / held,
            "bytes_per_conn_traffic": (rss_traffic - baseline) / held, "echoed": echoed}
