"""The gevent backend, §5: data races and the race detector."""

from __future__ import annotations

from typing import Any

from impls.gevent.units import gevent, join_or_fail
from impls.pyrt.summaries import value_summary
from suite.plan import MASK, term, total


class RacesScenarios:
    """The gevent backend, §5."""

    def sc_racy_counter(self, units: int, increments: int, trials: int,
                        procs: int | None, seed: int) -> dict[str, Any]:
        def trial(t: int, yield_between: bool) -> tuple[int, int]:
            counter = 0
            mine = [0] * units  # each unit's digest term, in a slot of its own

            def unit(u: int) -> None:
                nonlocal counter
                for _ in range(increments):
                    if yield_between:
                        v = counter
                        gevent.sleep(0)
                        counter = v + 1
                    else:
                        counter += 1  # no lock, and no switch point either
                mine[u] = term(seed, t, u, increments)

            join_or_fail([gevent.spawn(unit, u) for u in range(units)], "racy_counter")
            return counter, sum(mine) & MASK

        runs = [trial(t, False) for t in range(trials)]
        # Evidence: the update is lost only when a yield sits between the load and the store.
        return {**value_summary(units * increments, [final for final, _ in runs]),
                "plan_digest": total(d for _, d in runs),
                "with_yield_between_load_and_store": trial(0, True)[0]}
