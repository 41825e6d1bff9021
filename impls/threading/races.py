"""The threading backend, §5: data races and the race detector."""

from __future__ import annotations

from typing import Any

from impls.pyrt.summaries import value_summary
from impls.threading.units import go, join_or_fail
from suite.plan import MASK, term, total


def racy_trial(units: int, increments: int, seed: int = 0, t: int = 0) -> tuple[int, int]:
    """(final counter, plan digest: each unit's term stored in a slot of its own)."""
    counter = 0
    mine = [0] * units

    def unit(u: int) -> None:
        nonlocal counter
        for _ in range(increments):
            counter += 1  # no lock: the race of the article's §5
        mine[u] = term(seed, t, u, increments)

    join_or_fail([go(unit, u) for u in range(units)], "racy_counter")
    return counter, sum(mine) & MASK


def racy_trial_with_call(units: int, increments: int) -> int:
    """The same race with a call between the load and the store: a switch point for the GIL."""
    counter = 0

    def one() -> int:
        return 1

    def unit() -> None:
        nonlocal counter
        for _ in range(increments):
            counter = counter + one()

    join_or_fail([go(unit) for _ in range(units)], "racy_counter")
    return counter


class RacesScenarios:
    """The threading backend, §5."""

    def sc_racy_counter(self, units: int, increments: int, trials: int,
                        procs: int | None, seed: int) -> dict[str, Any]:
        runs = [racy_trial(units, increments, seed, t) for t in range(trials)]
        # Evidence for the verdict: 8 threads long enough to be preempted (switch interval 5 ms)
        # still never lose `counter += 1` (no switch point between its load and store), while a
        # call between load and store does lose.
        long_plain, _ = racy_trial(8, 200_000)
        long_call = racy_trial_with_call(8, 200_000)
        return {**value_summary(units * increments, [final for final, _ in runs]),
                "plan_digest": total(d for _, d in runs),
                "preemptible_8x200k": {"expected": 1_600_000, "counter += 1": long_plain,
                                       "counter = counter + one()": long_call}}
