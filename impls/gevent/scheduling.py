"""The gevent backend, §2: scheduling: threads behind the units, work stealing, blocking calls,
GOMAXPROCS."""

from __future__ import annotations

import os
from typing import Any

from impls.gevent.units import gevent, join_or_fail
from impls.pyrt.kernel import gettid
from impls.pyrt.timing import WAIT_S


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

    def sc_syscall_handoff(self, block_ms: int, yield_every: int) -> dict[str, Any]:
        plain = self.handoff(block_ms, yield_every, os.read)  # a real read(2) blocks the hub
        # gevent's own remedy, for the report: run the read on gevent's thread pool
        fixed = self.handoff(block_ms, yield_every, gevent.os.tp_read)
        return {**plain, "with_gevent_os_tp_read": fixed}
