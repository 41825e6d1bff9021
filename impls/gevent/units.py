"""How a greenlet is started, joined and synchronised: the primitives the scenarios run on."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from impls.pyrt.blocking.pool import collect
from impls.pyrt.primitives import EventWaitGroup
from impls.pyrt.timing import WAIT_S

try:
    import gevent
    import gevent.event
    import gevent.lock
    import gevent.os
    import gevent.queue
    import gevent.server
    import gevent.socket
    import greenlet
    _IMPORT_ERROR = None
except ImportError as e:  # available() reports it; nothing below runs without gevent
    _IMPORT_ERROR = f"gevent not importable: {e}"
    gevent = greenlet = None  # the section modules import these names; none of them runs


def Lock() -> Any:
    return gevent.lock.BoundedSemaphore(1)


def join_or_fail(greenlets: list[Any], what: str, timeout: float = WAIT_S) -> None:
    """Join every greenlet (re-raising the first failure) within one bound."""
    gevent.joinall(greenlets, timeout=timeout, raise_error=True)
    alive = sum(not g.dead for g in greenlets)
    if alive:
        gevent.killall(greenlets, timeout=5)
        raise TimeoutError(f"{what}: {alive} greenlets still running after {timeout:.0f} s")


def live_greenlets() -> int:
    """Greenlets not yet dead (spawned, running or blocked), the hub and main included."""
    return sum(1 for o in gc.get_objects() if isinstance(o, greenlet.greenlet) and not o.dead)


class WaitGroup(EventWaitGroup):
    """Go's sync.WaitGroup the way a gevent user builds it: a counter and an Event set at zero.
    No lock: nothing between two gevent calls can be interleaved."""

    def __init__(self) -> None:
        super().__init__(gevent.event.Event())

    def wait(self, timeout: float = WAIT_S) -> None:
        if not self._zero.wait(timeout):
            raise TimeoutError(f"WaitGroup.wait: counter still {self._n} after {timeout} s")


def pool(workers: int, jobs: int, sample: Callable[[], None] | None = None, every: int = 1,
         seed: int | None = None) -> tuple[int, int]:
    """The article's §10 worker pool: workers square jobs from one queue into another;
    (total, plan digest) as collect() returns them."""
    job_q = gevent.queue.Queue(100)
    results = gevent.queue.Queue(100)

    def worker() -> None:
        while (j := job_q.get()) is not None:
            results.put(j * j)

    def feed() -> None:
        for j in range(1, jobs + 1):
            job_q.put(j)
        for _ in range(workers):
            job_q.put(None)  # one "closed" marker per worker

    greenlets = [gevent.spawn(worker) for _ in range(workers)] + [gevent.spawn(feed)]
    out = collect(results, jobs, sample, every, seed)
    join_or_fail(greenlets, "worker pool")
    return out
