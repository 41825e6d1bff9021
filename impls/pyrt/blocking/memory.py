"""Scenario bodies shared by threading and gevent, §1: what a unit costs: parked memory, stacks,
spawn, the switch."""

from __future__ import annotations

import gc
import sys
from typing import Any

from impls.pyrt.memory import rss
from suite import plan


class MemoryScenarios:
    """Scenario bodies shared by threading and gevent, §1."""

    def sc_spawn_empty_wait(self, n: int, seed: int) -> dict[str, Any]:
        wg = self.WaitGroup()
        gc.collect()
        rss0 = rss()
        for _ in range(n):
            wg.add(1)
            self.go(wg.done)
        wg.wait()
        rss1 = rss()
        return {"n": n, "rss_before": rss0, "rss_after": rss1, "rss_delta": rss1 - rss0,
                "runtime_heap_bytes": None, "plan_digest": plan.seq_digest(seed, n)}

    def sc_stack_growth(self, depth_kib: int, idle: int) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error": None, "frames": 0, "rss_deep": None}

        def recurse(kib: int) -> int:
            buf = bytearray(1024)  # the frame's 1 KiB local (Python keeps it on the heap)
            buf[-1] = 1
            out["frames"] += 1
            if kib > 1:
                recurse(kib - 1)
            else:
                out["rss_deep"] = rss()  # in the deepest frame, buffers all alive
            return buf[-1]

        def unit() -> None:
            out["rss_before"] = rss()
            try:
                recurse(depth_kib)
                out["ok"] = True
            except RecursionError as e:
                out["error"] = f"RecursionError: {e}"
                out["rss_deep"] = rss()  # unwound by now: read as soon as possible

        idlers, release = self.park(idle)
        try:
            self.join_or_fail([self.go(unit)], "stack_growth")
        finally:
            release.set()
        self.join_or_fail(idlers, "stack_growth idle units")
        return {"ok": out["ok"], "error": out["error"], "recursed_bytes": out["frames"] * 1024,
                "rss_growth": out["rss_deep"] - out["rss_before"],
                "recursion_limit": sys.getrecursionlimit()}

    def sc_spawn(self, n: int, procs: int | None, warmup_units: int, seed: int) -> dict[str, Any]:
        go, WaitGroup = self.go, self.WaitGroup

        def spawn_all(count: int) -> None:
            wg = WaitGroup()
            for _ in range(count):
                wg.add(1)
                go(wg.done)  # go func() { wg.Done() }()
            wg.wait()

        return self.timed_fan(spawn_all, n, warmup_units, seed, "ns_per_spawn")
