"""The gevent backend, §8: atomics, and atomic vs Mutex."""

from __future__ import annotations

from typing import Any

from impls.gevent.units import Lock, gevent, join_or_fail
from impls.pyrt.summaries import atomic_vs_mutex_observables, atomic_vs_mutex_runs
from impls.pyrt.timing import now, per_op_ns, timed
from suite.plan import MASK, hexd, term, total

SUBST_ATOMIC = ("a plain += with no gevent call inside stands in for an atomic add: greenlets "
                "are never preempted (gevent has no atomics)")


SUBST_CAS = ("a compare-and-set with no gevent call inside stands in for an atomic CAS: "
             "greenlets are never preempted")


class AtomicsScenarios:
    """The gevent backend, §8."""

    def sc_atomic_counter(self, units: int, trials: int, procs: int | None,
                          seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[int, int]:
            counter = digest = 0

            def unit(u: int) -> None:
                nonlocal counter, digest
                counter += 1  # atomic among greenlets: no switch point inside
                digest = (digest + term(seed, t, u, 1)) & MASK

            join_or_fail([gevent.spawn(unit, u) for u in range(units)], "atomic_counter")
            return counter, digest

        results = [trial(t) for t in range(trials)]
        return {"trials": trials, "exact_trials": sum(v == units for v, _ in results),
                "atomic": "plain += between two gevent calls", "substitutions": [SUBST_ATOMIC],
                "plan_digest": total(d for _, d in results),
                "state_digest": total(term(seed, t, units, v)
                                      for t, (v, _) in enumerate(results))}

    def sc_atomic_cas(self, units: int, seed: int) -> dict[str, Any]:
        box = [0]

        def cas(old: int, new: int) -> bool:  # no gevent call inside: atomic among greenlets
            if box[0] == old:
                box[0] = new
                return True
            return False

        def unit() -> None:
            while True:
                old = box[0]
                gevent.sleep(0)  # let the others in between the load and the CAS
                if cas(old, old + 1):
                    return

        join_or_fail([gevent.spawn(unit) for _ in range(units)], "atomic_cas")
        after_loop = box[0]
        loop_exact = after_loop == units
        stale_failed = not cas(units - 1, units + 1) and box[0] == after_loop  # old value units-1
        return {"cas_loop_exact": loop_exact, "stale_cas_failed": stale_failed,
                "cas": "compare-and-set with no gevent call inside", "substitutions": [SUBST_CAS],
                "state_digest": total([term(seed, 0, 0, after_loop), term(seed, 0, 1, box[0])])}

    def sc_atomic_vs_mutex(self, n: int, procs: int, warmup: int, seed: int) -> dict[str, Any]:
        def mutex_run(units: int) -> tuple[float, int]:
            lock, counter = Lock(), 0  # one lock, one counter, shared by the units

            def loop(count: int) -> None:
                nonlocal counter
                for _ in range(count):
                    with lock:
                        counter += 1

            t0 = now()
            join_or_fail([gevent.spawn(loop, n // units) for _ in range(units)],
                         "atomic_vs_mutex")
            return per_op_ns(now() - t0, n // units * units), counter

        def atomic_run(units: int) -> tuple[float, int]:
            counter = 0

            def loop(count: int) -> None:
                nonlocal counter
                for _ in range(count):
                    counter += 1  # atomic among greenlets: no switch point inside

            t0 = now()
            join_or_fail([gevent.spawn(loop, n // units) for _ in range(units)],
                         "atomic_vs_mutex")
            return per_op_ns(now() - t0, n // units * units), counter

        return atomic_vs_mutex_observables(
            atomic_vs_mutex_runs(mutex_run, atomic_run, warmup), seed, note="greenlets never preempt: 'contended' units run one after the other",
            substitutions=[SUBST_ATOMIC])

    def sc_atomic_add(self, n: int, seed: int) -> dict[str, Any]:
        counter = 0
        t0 = now()
        for _ in range(n):
            counter += 1  # noqa: SIM113 (the increment is the workload) — atomic among greenlets
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n), substitutions=[SUBST_ATOMIC],
                     state_digest=hexd(term(seed, 0, 0, counter)))
