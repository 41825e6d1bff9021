"""The threading backend, §6: Mutex, Unlock on panic, RWMutex."""

from __future__ import annotations

import threading
from typing import Any

from impls.pyrt.timing import WAIT_S
from impls.threading.units import go, join_or_fail


class MutexScenarios:
    """The threading backend, §6."""

    def sc_mutex_unlock_unlocked(self) -> dict[str, Any]:
        try:
            threading.Lock().release()
        except RuntimeError as e:
            out = {"raised": True, "error": str(e), "fatal": False}
        else:
            out = {"raised": False, "error": None, "fatal": False}
        try:
            threading.RLock().release()
        except RuntimeError as e:
            out["rlock_error"] = str(e)
        return out

    def sc_rw_readers_share(self, readers: int) -> dict[str, Any]:
        rw = self.RWLock()
        all_inside = threading.Barrier(readers, timeout=WAIT_S)
        count_lock = threading.Lock()
        inside = peak = 0
        broken: list[str] = []

        def reader() -> None:
            nonlocal inside, peak
            rw.rlock()
            try:
                with count_lock:
                    inside += 1
                    peak = max(peak, inside)
                all_inside.wait()  # only passes if every reader holds the read lock at once
                with count_lock:
                    inside -= 1
            except threading.BrokenBarrierError:
                broken.append("barrier timed out")
            finally:
                rw.runlock()

        join_or_fail([go(reader) for _ in range(readers)], "rw_readers_share")
        return {"peak_readers": peak, "barrier_broken": bool(broken),
                "substitutions": [self.rwmutex_substitution],
                "rwlock": "Go's RWMutex algorithm over threading.Lock and Semaphore; the "
                          "stdlib has no RWLock"}
