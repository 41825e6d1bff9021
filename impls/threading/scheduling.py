"""The threading backend, §2: scheduling: threads behind the units, work stealing, blocking calls,
GOMAXPROCS."""

from __future__ import annotations

import os
import threading
from typing import Any

from impls.pyrt.kernel import gettid
from impls.pyrt.timing import WAIT_S
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

    def sc_syscall_handoff(self, block_ms: int, yield_every: int) -> dict[str, Any]:
        return self.handoff(block_ms, yield_every, os.read)  # read(2) blocks only its thread
