"""The threading backend, §8: atomics, and atomic vs Mutex."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from impls.pyrt.summaries import atomic_vs_mutex_observables, atomic_vs_mutex_runs
from impls.pyrt.timing import now, per_op_ns, timed
from impls.threading.units import go, join_or_fail
from suite.backend import NotApplicable
from suite.plan import hexd, term, total

SUBST_ATOMIC = ("next() on an itertools.count stands in for an atomic add: one C call under "
                "the GIL (Python has no atomics)")


class AtomicsScenarios:
    """The threading backend, §8."""

    def sc_atomic_counter(self, units: int, trials: int, procs: int | None,
                          seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[int, list[int]]:
            counter = itertools.count()  # next() is a single C call: atomic under the GIL
            terms: list[int] = []

            def unit(u: int) -> None:
                next(counter)
                terms.append(term(seed, t, u, 1))  # list.append: atomic too

            join_or_fail([go(unit, u) for u in range(units)], "atomic_counter")
            return next(counter), terms  # the value after `units` increments

        results = [trial(t) for t in range(trials)]
        return {"trials": trials, "exact_trials": sum(v == units for v, _ in results),
                "atomic": "next(itertools.count())", "substitutions": [SUBST_ATOMIC],
                "plan_digest": total(x for _, terms in results for x in terms),
                "state_digest": total(term(seed, t, units, v)
                                      for t, (v, _) in enumerate(results))}

    def sc_atomic_cas(self, units: int, seed: int) -> dict[str, Any]:
        raise NotApplicable("Python has no compare-and-swap; one built from a Lock would test "
                            "the Lock, not an atomic instruction")

    def sc_atomic_vs_mutex(self, n: int, procs: int, warmup: int, seed: int) -> dict[str, Any]:
        def mutex_run(units: int) -> tuple[float, int]:
            lock, counter = threading.Lock(), 0

            def loop(count: int) -> None:
                nonlocal counter
                for _ in range(count):
                    with lock:
                        counter += 1  # the shared counter, under the one shared lock

            t0 = now()
            join_or_fail([go(loop, n // units) for _ in range(units)], "atomic_vs_mutex")
            return per_op_ns(now() - t0, n // units * units), counter

        def atomic_run(units: int) -> tuple[float, int]:
            counter = itertools.count()

            def loop(count: int) -> None:
                for _ in range(count):
                    next(counter)

            t0 = now()
            join_or_fail([go(loop, n // units) for _ in range(units)], "atomic_vs_mutex")
            return per_op_ns(now() - t0, n // units * units), next(counter)

        return atomic_vs_mutex_observables(
            atomic_vs_mutex_runs(mutex_run, atomic_run, warmup), seed, atomic="next(itertools.count())",
            substitutions=[SUBST_ATOMIC])

    def sc_atomic_add(self, n: int, seed: int) -> dict[str, Any]:
        counter = itertools.count()
        t0 = now()
        for _ in range(n):
            next(counter)
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n), substitutions=[SUBST_ATOMIC],
                     state_digest=hexd(term(seed, 0, 0, next(counter))))
