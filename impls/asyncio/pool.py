"""The asyncio backend, §10: the worker pool."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from impls.asyncio.units import live
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan
from suite.plan import term

QUEUES_FOR_POOL = ("asyncio.Queue stands in for the pool's buffered channels, one None per "
                   "worker for close(jobs)")


async def _pool(workers: int, jobs: int, consume: Callable[[int, int], None]) -> int:
    """The article's pool: a jobs Queue, a results Queue, one sentinel per worker as close().
    `consume(k, result)` is called for the k-th result; returns the sum of the results."""
    job_q: asyncio.Queue[int | None] = asyncio.Queue()
    results: asyncio.Queue[int] = asyncio.Queue()

    async def worker():
        while (job := await job_q.get()) is not None:
            await results.put(job * job)

    pool = [asyncio.create_task(worker()) for _ in range(workers)]
    for j in range(1, jobs + 1):
        job_q.put_nowait(j)
    for _ in range(workers):
        job_q.put_nowait(None)
    total = 0
    # bounds the loop without a task of its own (asyncio.timeout, but also on Python 3.10)
    guard = asyncio.get_running_loop().call_later(WAIT_S * 10, asyncio.current_task().cancel)
    try:
        for k in range(jobs):
            r = await results.get()
            total += r
            consume(k, r)
    except asyncio.CancelledError:
        raise TimeoutError(f"the pool did not deliver {jobs} results within {WAIT_S * 10:.0f} s") from None
    finally:
        guard.cancel()
    await asyncio.wait_for(asyncio.gather(*pool), WAIT_S)
    return total


def _nothing(k: int, r: int) -> None:
    pass


async def pool_result(workers: int, jobs: int, seed: int = 1) -> dict:
    digest = 0

    def consume(k: int, r: int) -> None:
        nonlocal digest
        digest += term(seed, 0, 0, r)

    total = await _pool(workers, jobs, consume)
    return {"total": total, "expected": jobs * (jobs + 1) * (2 * jobs + 1) // 6,
            "plan_digest": plan.hexd(digest), "state_digest": plan.hexd(term(seed, 0, 1, total)),
            "substitutions": [QUEUES_FOR_POOL]}


async def pool_bounded(workers: int, jobs: int, sample_every: int = 100, seed: int = 1) -> dict:
    baseline = live()
    peak, digest, samples = baseline, 0, 0

    def consume(k: int, r: int) -> None:
        nonlocal peak, digest, samples
        digest += term(seed, 0, 0, r)
        if (k + 1) % sample_every == 0:  # after every sample_every results
            peak = max(peak, live())
            samples += 1

    total = await _pool(workers, jobs, consume)
    return {"peak_live": peak, "baseline": baseline, "workers": workers, "samples": samples,
            "plan_digest": plan.hexd(digest), "state_digest": plan.hexd(term(seed, 0, 1, total)),
            "substitutions": [QUEUES_FOR_POOL]}


async def worker_pool(workers: int, jobs: int, procs: int | None = None, seed: int = 1) -> dict:
    t0 = now()
    total = await _pool(workers, jobs, _nothing)
    seconds = now() - t0
    return timed(seconds, jobs, ns_per_job=per_op_ns(seconds, jobs), total=total,
                  state_digest=plan.hexd(term(seed, 0, 1, total)), substitutions=[QUEUES_FOR_POOL])
