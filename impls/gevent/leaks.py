"""The gevent backend, §11: goroutine leaks and the live-unit count."""

from __future__ import annotations

from typing import Any

from impls.gevent.units import gevent, join_or_fail, live_greenlets
from impls.pyrt.timing import WAIT_S


class LeaksScenarios:
    """The gevent backend, §11."""

    def sc_leak_blocked_sender(self, calls: int) -> dict[str, Any]:
        leaked: list[Any] = []

        def leak() -> None:
            ch = gevent.queue.Channel()  # unbuffered
            leaked.append(gevent.spawn(ch.put, 1))  # kept only so clean-up can kill it

        gevent.get_hub()
        baseline = live_greenlets()
        for _ in range(calls):
            leak()
        gevent.sleep(0)  # let them run up to their blocked send
        after = live_greenlets()
        gevent.killall(leaked, timeout=WAIT_S)
        return {"baseline": baseline, "after": after, "growth": after - baseline}

    def sc_leak_context_cancel(self, calls: int) -> dict[str, Any]:
        ctx = gevent.event.Event()  # the context: cancel() = set()

        def no_leak() -> Any:
            ch = gevent.queue.Channel()

            def unit() -> None:  # select { case ch <- 1: case <-ctx.Done(): return }
                sender = gevent.spawn(ch.put, 1)
                gevent.wait([sender, ctx], count=1)  # gevent's select over waitables
                sender.kill()

            return gevent.spawn(unit)

        gevent.get_hub()
        baseline = live_greenlets()
        units = [no_leak() for _ in range(calls)]
        gevent.sleep(0)
        during = live_greenlets()
        ctx.set()
        gevent.joinall(units, timeout=WAIT_S)
        return {"baseline": baseline, "during": during, "after_cancel": live_greenlets(),
                "live_count": "gc scan for greenlets not dead"}

    def sc_num_goroutine(self, k: int) -> dict[str, Any]:
        release = gevent.event.Event()
        gevent.get_hub()
        baseline = live_greenlets()
        greenlets = [gevent.spawn(release.wait) for _ in range(k)]
        gevent.sleep(0)
        reported = live_greenlets()
        release.set()
        join_or_fail(greenlets, "num_goroutine")
        return {"reported": reported, "expected": baseline + k,
                "live_count": "gc scan for greenlets not dead (gevent has no count API)"}
