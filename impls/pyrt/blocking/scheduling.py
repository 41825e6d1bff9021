"""Scenario bodies shared by threading and gevent, §2: scheduling: threads behind the units, work
stealing, blocking calls, GOMAXPROCS."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from impls.pyrt.kernel import cpu_count, gettid
from impls.pyrt.timing import WAIT_S, burn, calibrate, now


class SchedulingScenarios:
    """Scenario bodies shared by threading and gevent, §2."""

    def handoff(self, block_ms: int, yield_every: int,
                read: Callable[[int, int], bytes]) -> dict[str, Any]:
        """syscall_handoff with a given read function: A blocks in `read` on a pipe, B counts
        (yielding after every yield_every counts; 0: never) until A is done or its own deadline
        of 20*block_ms, C writes the pipe after block_ms. If A's read blocked the whole runtime (one
        gevent hub), C never runs: a real OS thread, the watchdog, writes after 5*block_ms."""
        r, w = os.pipe()
        one_write = threading.Lock()  # whoever takes it writes the pipe: C, or the watchdog
        a_done = threading.Event()  # a real Event: the watchdog thread waits on it
        count = 0
        out: dict[str, Any] = {}

        def write_once(who: bytes) -> None:
            if one_write.acquire(blocking=False):
                os.write(w, who)

        def a() -> None:  # a real read(2): a thread releases the GIL, a greenlet holds the hub
            c0, t0 = count, now()
            out["data"] = read(r, 1)
            out["blocked_ms"] = (now() - t0) * 1e3
            out["progress"] = count - c0
            a_done.set()

        def b() -> None:
            nonlocal count
            deadline = now() + 20 * block_ms / 1e3  # a B that never yields still ends
            while not a_done.is_set() and now() < deadline:
                count += 1
                if yield_every and count % yield_every == 0:
                    self.sleep(0)  # the unit's yield

        def c() -> None:
            self.sleep(block_ms / 1e3)
            write_once(b"C")

        def watchdog() -> None:
            if not a_done.wait(5 * block_ms / 1e3):
                write_once(b"W")

        dog = threading.Thread(target=watchdog, daemon=True)
        dog.start()
        try:
            self.join_or_fail([self.go(b), self.go(c), self.go(a)], "syscall_handoff",
                              timeout=10 * block_ms / 1e3 + WAIT_S)
            dog.join(WAIT_S)
        finally:
            os.close(r)
            os.close(w)
        return {"blocked_ms": out["blocked_ms"], "progress_during_block": out["progress"],
                "watchdog_fired": out["data"] == b"W"}

    def sc_work_stealing(self, n: int, procs: int, wave: int, work_us: int) -> dict[str, Any]:
        iters = calibrate(work_us / 1e3)
        tids: list[int] = []

        def unit(wg: Any) -> None:
            tids.append(gettid())
            burn(iters)
            wg.done()

        def spawner() -> None:
            for first in range(0, n, wave):
                wg = self.WaitGroup()
                for _ in range(min(wave, n - first)):
                    wg.add(1)
                    self.go(unit, wg)
                wg.wait()

        self.join_or_fail([self.go(spawner)], "work_stealing")
        return {"units": len(tids), "distinct_threads": len(set(tids)), "steals": None,
                "note": self.no_stealing}

    def sc_gomaxprocs(self) -> dict[str, Any]:
        return {"gomaxprocs": None, "cpu_count": cpu_count()}

    def sc_parallel_speedup(self, work_ms: int, procs: int) -> dict[str, Any]:
        iters = calibrate(work_ms)  # a fixed amount of work, so that the GIL can show
        go = self.go
        t0 = now()
        if procs == 1:  # no GOMAXPROCS knob: "one processor" runs them one after the other
            for _ in range(2):
                self.join_or_fail([go(burn, iters)], "parallel_speedup")
        else:
            self.join_or_fail([go(burn, iters), go(burn, iters)], "parallel_speedup")
        seconds = now() - t0
        return {"seconds": seconds, "mode": "sequential" if procs == 1 else "concurrent"}
