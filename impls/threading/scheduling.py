"""The threading backend, §2: scheduling: threads behind the units, work stealing, blocking calls, GOMAXPROCS."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from impls.pyrt.kernel import gettid
from impls.pyrt.timing import WAIT_S, now
from impls.threading.units import go, join_or_fail


class SchedulingScenarios:
    """The threading backend, §2."""

    def sc_thread_ids(self, n: int, procs: int | None) -> dict[str, Any]:
        gate = threading.Event()
        tids: list[int] = []

        def unit() -> None:
            tids.append(gettid())
            gate.wait(timeout=WAIT_S)  # stay alive until all have started: they overlap

        threads, error = [], None
        try:
            for _ in range(n):
                threads.append(go(unit))
        except RuntimeError as e:
            error = str(e)
        gate.set()
        join_or_fail(threads, "thread_ids")
        return {"units": len(threads), "distinct_threads": len(set(tids)), "gomaxprocs": None,
                "threads_in_syscalls": None, "error": error}

    def sc_syscall_handoff(self, block_ms: int) -> dict[str, Any]:
        r, w = os.pipe()
        one_write = threading.Lock()  # whoever takes it writes the pipe: C, or the watchdog
        a_done = threading.Event()
        count = 0
        out: dict[str, Any] = {}

        def write_once(who: bytes) -> None:
            if one_write.acquire(blocking=False):
                os.write(w, who)

        def a() -> None:  # blocks in a real read(2); the GIL is released meanwhile
            c0, t0 = count, now()
            out["data"] = os.read(r, 1)
            out["blocked_ms"] = (now() - t0) * 1e3
            out["progress"] = count - c0
            a_done.set()

        def b() -> None:
            nonlocal count
            while not a_done.is_set():
                count += 1
                time.sleep(0)  # the thread's yield (releases the GIL), after every count

        def c() -> None:
            time.sleep(block_ms / 1e3)
            write_once(b"C")

        def watchdog() -> None:
            if not a_done.wait(5 * block_ms / 1e3):
                write_once(b"W")

        try:
            threads = [go(b), go(a), go(c), go(watchdog)]
            join_or_fail(threads, "syscall_handoff", timeout=10 * block_ms / 1e3 + WAIT_S)
        finally:
            os.close(r)
            os.close(w)
        return {"blocked_ms": out["blocked_ms"], "progress_during_block": out["progress"],
                "watchdog_fired": out["data"] == b"W"}
