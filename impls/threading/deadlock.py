"""The threading backend, §7: deadlock and the consistent lock order."""

from __future__ import annotations

import threading
import time
from typing import Any

from impls.pyrt.timing import WAIT_S
from impls.threading.units import go, join_all, join_or_fail
from suite.plan import term, total


class DeadlockScenarios:
    """The threading backend, §7."""

    def sc_lock_order_inversion(self, pause_ms: int, timeout_ms: int) -> dict[str, Any]:
        m1, m2 = threading.Lock(), threading.Lock()
        state: dict[str, str] = {}

        def unit(name: str, first: threading.Lock, second: threading.Lock) -> None:
            with first:
                time.sleep(pause_ms / 1e3)  # the article's pause between the two locks
                state[name] = "waiting"
                # A Go mutex would wait forever; bounded here at twice the observation time,
                # so that clean-up ends: the first to give up lets the other one through.
                if second.acquire(timeout=2 * timeout_ms / 1e3):
                    state[name] = "done"
                    second.release()
                else:
                    state[name] = "gave up"

        threads = [go(unit, "A", m1, m2), go(unit, "B", m2, m1)]
        join_all(threads, timeout=timeout_ms / 1e3)  # main waits for both, up to the bound
        waiting = sorted(name for name, st in state.items() if st == "waiting")
        join_or_fail(threads, "lock_order_inversion", timeout=2 * timeout_ms / 1e3 + WAIT_S)
        return {"deadlocked": len(waiting) == 2, "detected": False, "message": None,
                "blocked": None, "waiting_at_deadline": waiting, "after_clean_up": state}

    def sc_consistent_order(self, trials: int, pause_us: int, seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[bool, int]:
            m1, m2 = threading.Lock(), threading.Lock()
            finished = [False, False]

            def unit(u: int) -> None:
                with m1:
                    time.sleep(pause_us / 1e6)
                    with m2:
                        pass
                finished[u] = True

            join_all([go(unit, 0), go(unit, 1)], timeout=10.0)  # the bound per trial
            return all(finished), sum(term(seed, t, u, 1) for u in range(2) if finished[u])

        results = [trial(t) for t in range(trials)]
        return {"trials": trials, "finished": sum(ok for ok, _ in results),
                "plan_digest": total(d for _, d in results)}
