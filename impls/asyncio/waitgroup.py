"""The asyncio backend, §4: WaitGroup and its rules."""

from __future__ import annotations

import asyncio

from impls.asyncio.units import WaitGroup, _spawn_wait
from impls.pyrt.timing import now, per_op_ns, timed
from suite import plan
from suite.backend import RuntimeMisuse
from suite.plan import term


async def _wg_trial(n: int, seed: int, t: int) -> tuple[bool, int]:
    """Add(1) before each spawn; every worker sets its flag, then Done. Right after Wait:
    (all flags set, the digest of the flags: term(seed, t, w, 1) per flag set)."""
    wg, flags = WaitGroup(), [False] * n

    async def worker(i: int):
        flags[i] = True
        wg.done()

    tasks = []
    for i in range(n):
        wg.add(1)
        tasks.append(asyncio.create_task(worker(i)))
    await wg.wait()
    seen = list(flags)  # right after Wait
    await asyncio.gather(*tasks)
    return all(seen), sum(term(seed, t, w, 1) for w in range(n) if seen[w])


async def _wg_trials(n: int, trials: int, seed: int) -> tuple[int, str]:
    bad, digest = 0, 0
    for t in range(trials):
        ok, d = await _wg_trial(n, seed, t)
        bad += not ok
        digest += d
    return bad, plan.hexd(digest)


async def wg_waits_all(n: int, trials: int, seed: int = 1) -> dict:
    violations, digest = await _wg_trials(n, trials, seed)
    return {"trials": trials, "violations": violations, "plan_digest": digest}


async def wg_add_before(n: int, trials: int, seed: int = 1) -> dict:
    early, digest = await _wg_trials(n, trials, seed)
    return {"trials": trials, "early_returns": early, "plan_digest": digest}


async def _wg_inside_trial(n: int) -> tuple[bool, BaseException | None, list[bool]]:
    wg, finished = WaitGroup(), [False] * n

    async def worker(i: int):
        wg.add(1)  # too late: the spawner may already be past Wait
        finished[i] = True
        wg.done()

    tasks = [asyncio.create_task(worker(i)) for i in range(n)]
    await wg.wait()  # the spawner waits right after spawning
    early = not all(finished)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return early, next((r for r in results if isinstance(r, BaseException)), None), finished


async def wg_add_inside(n: int, trials: int, seed: int = 1) -> dict:
    early = errors = digest = 0
    first_error = None
    for t in range(trials):
        was_early, error, finished = await _wg_inside_trial(n)
        early += was_early
        # counted once every worker has finished, not at Wait's return
        digest += sum(term(seed, t, w, 1) for w in range(n) if finished[w])
        if error is not None:
            errors += 1
            first_error = first_error or str(error)
    return {"trials": trials, "early_returns": early, "errors": errors,
            "first_error": first_error, "plan_digest": plan.hexd(digest)}


def wg_negative() -> dict:
    async def main():
        WaitGroup().done()

    try:
        asyncio.run(main())
        return {"raised": False, "error": None}
    except RuntimeMisuse as e:
        return {"raised": True, "error": str(e)}


async def waitgroup(n: int, procs: int | None = None, warmup_units: int = 10_000,
                    seed: int = 1) -> dict:
    await _spawn_wait(warmup_units)  # untimed first
    t0 = now()
    spawned = await _spawn_wait(n)  # Add(1), start a unit that Done()s, n times; then Wait
    seconds = now() - t0
    return timed(seconds, n, ns_per_unit=per_op_ns(seconds, n),
                 plan_digest=plan.seq_digest(seed, spawned))
