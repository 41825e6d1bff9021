"""Timing and fixed CPU work for the Python backends: the clock, the observables of a timed
section, and `burn`/`calibrate` (a fixed amount of work, where wall-clock spinning would hide
the GIL). WAIT_S bounds every wait that should end quickly."""

from __future__ import annotations

import time
from typing import Any

now = time.perf_counter  # monotonic, ns resolution


def spin(us: float) -> int:
    """CPU-bound arithmetic for about `us` microseconds; returns a value so it is not elided."""
    end = time.perf_counter() + us / 1e6
    x = 0
    while time.perf_counter() < end:
        for i in range(50):
            x = (x * 31 + i) & 0xFFFF
    return x


# Upper bound for any wait that should end quickly: if it ever expires, the scenario reports
# what it saw instead of hanging (the runner's own timeout is 300 s per scenario).
WAIT_S = 120.0


def timed(seconds: float, ops: int, **extra: Any) -> dict[str, Any]:
    """Observables of a timing scenario: seconds, ops and any per-op figures given."""
    return {"seconds": seconds, "ops": ops, **extra}


def per_op_ns(seconds: float, ops: int) -> float:
    return seconds / ops * 1e9


def burn(iterations: int) -> int:
    x = 0
    for i in range(iterations):
        x = (x * 31 + i) & 0xFFFF
    return x


def calibrate(ms: float) -> int:
    """Iterations of `burn` that take about `ms` milliseconds on one thread, alone."""
    n = 10_000
    while True:
        t0 = now()
        burn(n)
        took = now() - t0
        if took > 0.02:
            return max(1, int(n * (ms / 1e3) / took))
        n *= 4
