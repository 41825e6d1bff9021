"""How a threading unit is started, joined and synchronised: the primitives the scenarios run on."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from impls.pyrt.blocking.pool import collect
from impls.pyrt.primitives import NEGATIVE_WG
from impls.pyrt.timing import WAIT_S, now


def go(target: Callable[..., Any], *args: Any) -> threading.Thread:
    """Start `target(*args)` on a new OS thread (daemon: a stuck one never blocks exit)."""
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def join_all(threads: list[threading.Thread], timeout: float = WAIT_S) -> int:
    """Join every thread within one shared deadline; returns how many are still alive."""
    end = now() + timeout
    for t in threads:
        t.join(max(0.0, end - now()))
    return sum(t.is_alive() for t in threads)


def join_or_fail(threads: list[threading.Thread], what: str, timeout: float = WAIT_S) -> None:
    alive = join_all(threads, timeout)
    if alive:
        raise TimeoutError(f"{what}: {alive} threads still running after {timeout:.0f} s")


class WaitGroup:
    """Go's sync.WaitGroup the way a threading user builds it: a counter under a Condition."""

    def __init__(self) -> None:
        self._n = 0
        self._cond = threading.Condition()

    def add(self, delta: int = 1) -> None:
        with self._cond:
            if self._n + delta < 0:
                raise ValueError(NEGATIVE_WG)
            self._n += delta
            if self._n == 0:
                self._cond.notify_all()

    def done(self) -> None:
        self.add(-1)

    def wait(self, timeout: float = WAIT_S) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._n == 0, timeout):
                raise TimeoutError(f"WaitGroup.wait: counter still {self._n} after {timeout} s")


def pool(workers: int, jobs: int, sample: Callable[[], None] | None = None, every: int = 1,
         seed: int | None = None) -> tuple[int, int]:
    """The article's §10 worker pool: workers square jobs from one queue into another;
    (total, plan digest) as collect() returns them."""
    job_q: queue.Queue[int | None] = queue.Queue(100)
    results: queue.Queue[int] = queue.Queue(100)

    def worker() -> None:
        while (j := job_q.get(timeout=WAIT_S)) is not None:
            results.put(j * j, timeout=WAIT_S)

    def feed() -> None:
        for j in range(1, jobs + 1):
            job_q.put(j, timeout=WAIT_S)
        for _ in range(workers):
            job_q.put(None, timeout=WAIT_S)  # one "closed" marker per worker

    threads = [go(worker) for _ in range(workers)] + [go(feed)]
    out = collect(results, jobs, sample, every, seed)
    join_or_fail(threads, "worker pool")
    return out
