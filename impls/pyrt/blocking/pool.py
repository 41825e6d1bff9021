"""Scenario bodies shared by threading and gevent, §10: the worker pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite.plan import MASK, hexd, term


def collect(results: Any, jobs: int, sample: Callable[[], None] | None = None, every: int = 1,
            seed: int | None = None) -> tuple[int, int]:
    """The worker pool's consumer: (sum of `jobs` results, plan digest). It calls `sample` after
    every `every` results; with a seed it adds term(seed, 0, 0, result) per result (plan.py)."""
    acc = digest = 0
    for k in range(1, jobs + 1):
        r = results.get(timeout=WAIT_S)
        acc += r
        if seed is not None:
            digest = (digest + term(seed, 0, 0, r)) & MASK
        if sample and k % every == 0:
            sample()
    return acc, digest


class PoolScenarios:
    """Scenario bodies shared by threading and gevent, §10."""

    def sc_pool_result(self, workers: int, jobs: int, seed: int) -> dict[str, Any]:
        got, digest = self.pool(workers, jobs, seed=seed)
        return {"total": got, "expected": sum(j * j for j in range(1, jobs + 1)),
                "plan_digest": hexd(digest), "state_digest": hexd(term(seed, 0, 1, got))}

    def sc_pool_bounded(self, workers: int, jobs: int, sample_every: int,
                        seed: int) -> dict[str, Any]:
        self.warm_up()
        baseline = self.live()
        peak = baseline

        def sample() -> None:
            nonlocal peak
            peak = max(peak, self.live())

        got, digest = self.pool(workers, jobs, sample, sample_every, seed)
        return {"peak_live": peak, "baseline": baseline, "workers": workers,
                "live_count": self.live_count, "plan_digest": hexd(digest),
                "state_digest": hexd(term(seed, 0, 1, got))}

    def sc_worker_pool(self, workers: int, jobs: int, procs: int | None,
                       seed: int) -> dict[str, Any]:
        t0 = now()
        got, _ = self.pool(workers, jobs)
        seconds = now() - t0
        return timed(seconds, jobs, ns_per_job=per_op_ns(seconds, jobs), total=got,
                     state_digest=hexd(term(seed, 0, 1, got)))
