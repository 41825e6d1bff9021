"""The gevent backend, §6: Mutex, Unlock on panic, RWMutex."""

from __future__ import annotations

from typing import Any

from impls.gevent.units import Lock, gevent, join_or_fail
from impls.pyrt.timing import WAIT_S


class MutexScenarios:
    """The gevent backend, §6."""

    def sc_mutex_unlock_unlocked(self) -> dict[str, Any]:
        try:
            Lock().release()
        except ValueError as e:
            out = {"raised": True, "error": str(e), "fatal": False}
        else:
            out = {"raised": False, "error": None, "fatal": False}
        sem = gevent.lock.Semaphore(1)
        sem.release()  # no error: the "lock" now admits two holders
        out["plain_semaphore_after_release"] = f"no error, counter {sem.counter}"
        try:
            gevent.lock.RLock().release()
        except RuntimeError as e:
            out["rlock_error"] = str(e).split(". Owner")[0]
        return out

    def sc_rw_readers_share(self, readers: int) -> dict[str, Any]:
        rw = self.RWLock()
        all_inside = gevent.event.Event()  # a barrier: set by the last reader in
        inside = peak = 0

        def reader() -> None:
            nonlocal inside, peak
            rw.rlock()
            try:
                inside += 1
                peak = max(peak, inside)
                if inside == readers:
                    all_inside.set()
                all_inside.wait(timeout=WAIT_S)
                inside -= 1
            finally:
                rw.runlock()

        join_or_fail([gevent.spawn(reader) for _ in range(readers)], "rw_readers_share")
        return {"peak_readers": peak, "substitutions": [self.rwmutex_substitution],
                "rwlock": "Go's RWMutex algorithm over gevent's BoundedSemaphore and "
                          "Semaphore; gevent has no RWLock"}
