"""The gevent backend, §7: deadlock and the consistent lock order."""

from __future__ import annotations

import threading
from typing import Any

from impls.gevent.units import Lock, gevent
from suite.plan import term, total


class DeadlockScenarios:
    """The gevent backend, §7."""

    def sc_lock_order_inversion(self, pause_ms: int, timeout_ms: int) -> dict[str, Any]:
        m1, m2 = Lock(), Lock()

        def unit(first: Any, second: Any) -> None:
            with first:
                gevent.sleep(pause_ms / 1e3)  # the article's pause between the two locks
                with second:
                    pass

        a, b = gevent.spawn(unit, m1, m2), gevent.spawn(unit, m2, m1)
        # main waits for both with no timeout of its own, so that gevent can see that nothing
        # is left to run; a real OS thread bounds the wait in case it does not.
        hub = gevent.get_hub()
        finished = threading.Event()
        guard_fired: list[bool] = []

        def guard() -> None:
            if not finished.wait(timeout_ms / 1e3):
                guard_fired.append(True)
                hub.loop.run_callback_threadsafe(lambda: gevent.killall([a, b], block=False))

        threading.Thread(target=guard, daemon=True).start()
        detected, message = False, None
        try:
            gevent.joinall([a, b])
        except gevent.exceptions.LoopExit as e:
            detected, message = True, str(e)
        finished.set()
        blocked = [{"id": repr(g), "reason": "waiting in " + g.gr_frame.f_code.co_name}
                   for g in (a, b) if not g.dead and g.gr_frame is not None]
        gevent.killall([a, b], timeout=5)
        return {"deadlocked": detected or bool(guard_fired), "detected": detected,
                "message": message, "blocked": blocked or None}

    def sc_consistent_order(self, trials: int, pause_us: int, seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[bool, int]:
            m1, m2 = Lock(), Lock()

            def unit() -> None:
                with m1:
                    gevent.sleep(pause_us / 1e6)
                    with m2:
                        pass

            pair = [gevent.spawn(unit), gevent.spawn(unit)]
            gevent.joinall(pair, timeout=10.0)  # the bound per trial
            finished = [g.successful() for g in pair]
            gevent.killall(pair, timeout=5)
            return all(finished), sum(term(seed, t, u, 1) for u in range(2) if finished[u])

        results = [trial(t) for t in range(trials)]
        return {"trials": trials, "finished": sum(ok for ok, _ in results),
                "plan_digest": total(d for _, d in results)}
