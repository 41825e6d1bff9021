"""The gevent backend, §2: scheduling: threads behind the units, work stealing, blocking calls, GOMAXPROCS."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from impls.gevent.units import gevent, join_or_fail
from impls.pyrt.kernel import gettid
from impls.pyrt.timing import WAIT_S, now


def handoff(block_ms: int, read: Callable[[int, int], bytes]) -> dict[str, Any]:
    """syscall_handoff with a given read function: A reads, B counts, C writes after block_ms;
    a real OS thread writes after 5*block_ms if C could not run."""
    r, w = os.pipe()
    one_write = threading.Lock()  # a real lock, only ever tried without blocking
    a_done = threading.Event()  # real: the watchdog thread waits on it
    count = 0
    out: dict[str, Any] = {}

    def write_once(who: bytes) -> None:
        if one_write.acquire(blocking=False):
            os.write(w, who)

    def a() -> None:
        c0, t0 = count, now()
        out["data"] = read(r, 1)
        out["blocked_ms"] = (now() - t0) * 1e3
        out["progress"] = count - c0
        a_done.set()

    def b() -> None:
        nonlocal count
        while not a_done.is_set():
            count += 1
            gevent.sleep(0)  # the greenlet's yield

    def c() -> None:
        gevent.sleep(block_ms / 1e3)
        write_once(b"C")

    def watchdog() -> None:
        if not a_done.wait(5 * block_ms / 1e3):
            write_once(b"W")

    dog = threading.Thread(target=watchdog, daemon=True)
    dog.start()
    try:
        join_or_fail([gevent.spawn(b), gevent.spawn(c), gevent.spawn(a)], "syscall_handoff",
                     timeout=10 * block_ms / 1e3 + WAIT_S)
        dog.join(WAIT_S)
    finally:
        os.close(r)
        os.close(w)
    return {"blocked_ms": out["blocked_ms"], "progress_during_block": out["progress"],
            "watchdog_fired": out["data"] == b"W"}


class SchedulingScenarios:
    """The gevent backend, §2."""

    def sc_thread_ids(self, n: int, procs: int | None) -> dict[str, Any]:
        gate, all_in = gevent.event.Event(), gevent.event.Event()
        tids: list[int] = []

        def unit() -> None:
            tids.append(gettid())
            if len(tids) == n:
                all_in.set()
            gate.wait()  # stay alive until all have recorded: they overlap

        greenlets = [gevent.spawn(unit) for _ in range(n)]
        all_in.wait(timeout=WAIT_S)
        gate.set()
        join_or_fail(greenlets, "thread_ids")
        return {"units": n, "distinct_threads": len(set(tids)), "gomaxprocs": None,
                "threads_in_syscalls": None}

    def sc_syscall_handoff(self, block_ms: int) -> dict[str, Any]:
        plain = handoff(block_ms, os.read)  # a real blocking read(2) blocks the hub
        # gevent's own remedy, for the report: run the read on gevent's thread pool
        fixed = handoff(block_ms, gevent.os.tp_read)
        return {**plain, "with_gevent_os_tp_read": fixed}
