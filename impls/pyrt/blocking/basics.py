"""Scenario bodies shared by threading and gevent, §3: starting units: go returns at once,
completion order, the loop variable."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from impls.pyrt.devnull import devnull
from impls.pyrt.summaries import loopvar_variant, order_summary
from impls.pyrt.timing import WAIT_S
from suite.plan import term, total


class BasicsScenarios:
    """Scenario bodies shared by threading and gevent, §3."""

    def sc_go_returns(self, trials: int) -> dict[str, Any]:
        forever = self.Event()  # set only to clean up once the trials are done
        returned = spawner_first = 0
        units = []
        for _ in range(trials):
            started = self.Event()

            def child(started: Any = started) -> None:
                started.set()
                forever.wait(timeout=WAIT_S)

            units.append(self.go(child))
            returned += 1
            spawner_first += not started.is_set()
        forever.set()
        self.join_or_fail(units, "go_returns")
        return {"spawn_returned": returned == trials, "spawner_first": spawner_first,
                "trials": trials}

    def sc_completion_order(self, trials: int, procs: int, seed: int) -> dict[str, Any]:
        fd = devnull()

        def trial() -> list[int]:
            order: list[int] = []
            lock = self.Lock()

            def unit(i: int) -> None:
                os.write(fd, b"Hello from unit %d\n" % i)  # the article's sayHello, a write(2)
                with lock:
                    order.append(i)

            self.join_or_fail([self.go(unit, i) for i in range(3)], "completion_order")
            return order

        orders = [trial() for _ in range(trials)]
        digest = total(term(seed, t, u, 1) for t, order in enumerate(orders) for u in order)
        return {**order_summary(["".join(map(str, o)) for o in orders]), "plan_digest": digest}

    def sc_loopvar_capture(self, n: int, trials: int) -> dict[str, Any]:
        go = self.go

        def runs(spawn_all: Callable[[list[int]], list[Any]]) -> list[list[int]]:
            out = []
            for _ in range(trials):
                seen: list[int] = []
                self.join_or_fail(spawn_all(seen), "loopvar_capture")
                out.append(seen)
            return out

        def late_binding(seen: list[int]) -> list[Any]:
            return [go(lambda: seen.append(i)) for i in range(n)]  # noqa: B023 (the point)

        def default_arg(seen: list[int]) -> list[Any]:
            return [go(lambda i=i: seen.append(i)) for i in range(n)]

        def spawn_args(seen: list[int]) -> list[Any]:
            return [go(seen.append, i) for i in range(n)]

        return {"variants": {
            "closure (late binding)": loopvar_variant("shared", runs(late_binding)),
            "default argument i=i": loopvar_variant("per-iteration", runs(default_arg)),
            self.spawn_args: loopvar_variant("per-iteration", runs(spawn_args))}}
