"""Scenario bodies shared by threading and gevent, §2: scheduling: threads behind the units, work stealing, blocking calls, GOMAXPROCS."""

from __future__ import annotations

from typing import Any

from impls.pyrt.kernel import cpu_count, gettid
from impls.pyrt.timing import burn, calibrate, now


class SchedulingScenarios:
    """Scenario bodies shared by threading and gevent, §2."""

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
