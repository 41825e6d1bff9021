"""Small summaries of repeated trials: final counter values, completion orders, the loop
variable each unit saw."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from suite.plan import term, total


def value_summary(expected: int, finals: list[int]) -> dict[str, Any]:
    """racy_counter's observables from the final counter value of each trial."""
    return {"trials": len(finals), "expected": expected,
            "lossy_trials": sum(v < expected for v in finals), "min": min(finals),
            "distinct_values": sorted(set(finals))[:20]}


def order_summary(orders: list[str]) -> dict[str, Any]:
    counts = Counter(orders)
    return {"trials": len(orders), "distinct_orders": len(counts), "orders": dict(counts)}


def loopvar_variant(semantics: str, runs: list[list[int]]) -> dict[str, Any]:
    distinct = sum(len(set(r)) == len(r) for r in runs)
    return {"semantics": semantics, "trials": len(runs), "runs_all_distinct": distinct,
            "runs_with_duplicates": len(runs) - distinct, "sample": sorted(runs[-1])}


def atomic_vs_mutex_runs(mutex_run: Callable[[int], tuple[float, int]],
                         atomic_run: Callable[[int], tuple[float, int]],
                         warmup: int) -> list[tuple[float, int]]:
    """atomic_vs_mutex's four timed runs (mutex, atomic at one unit; mutex, atomic at two),
    each after `warmup` untimed runs of the same loop."""
    out = []
    for run, units in [(mutex_run, 1), (atomic_run, 1), (mutex_run, 2), (atomic_run, 2)]:
        for _ in range(warmup):
            run(units)
        out.append(run(units))
    return out


def atomic_vs_mutex_observables(runs: list[tuple[float, int]], seed: int,
                                **extra: Any) -> dict[str, Any]:
    """atomic_vs_mutex's observables from its four timed runs, in the order mutex, atomic (one
    unit), mutex, atomic (two units): (ns per op, final counter) each."""
    (mutex_ns, c0), (atomic_ns, c1), (mutex_c, c2), (atomic_c, c3) = runs
    return {"mutex_ns": mutex_ns, "atomic_ns": atomic_ns, "mutex_contended_ns": mutex_c,
            "atomic_contended_ns": atomic_c, "ratio_uncontended": mutex_ns / atomic_ns,
            "ratio_contended": mutex_c / atomic_c, **extra,
            "state_digest": total(term(seed, 0, k, c) for k, c in enumerate([c0, c1, c2, c3]))}
