"""The asyncio backend, §8: atomics, and atomic vs Mutex."""

from __future__ import annotations

import asyncio

from impls.pyrt.timing import now, per_op_ns, timed
from suite import plan
from suite.plan import term

PLAIN_ADD_FOR_ATOMIC = ("a plain += between awaits stands in for an atomic add (asyncio has no "
                        "atomics; a task is never pre-empted)")


CAS_FUNCTION = ("a compare-and-swap function with no await stands in for CompareAndSwap "
                "(asyncio has no atomics)")


def cas(box: list[int], old: int, new: int) -> bool:
    """Compare-and-swap on box[0]: atomic because it has no await (a task is never pre-empted)."""
    if box[0] != old:
        return False
    box[0] = new
    return True


async def atomic_counter(units: int, trials: int, procs: int | None = None,
                         seed: int = 1) -> dict:
    exact, plan_d, state_d = 0, 0, 0
    for t in range(trials):
        counter, digest = 0, 0

        async def unit(u: int):
            nonlocal counter, digest
            counter += 1  # no await inside, so no other task can interleave
            digest += term(seed, t, u, 1)  # noqa: B023 -- the task runs within trial t

        await asyncio.gather(*(unit(u) for u in range(units)))
        exact += counter == units
        plan_d += digest
        state_d += term(seed, t, units, counter)
    return {"trials": trials, "exact_trials": exact, "plan_digest": plan.hexd(plan_d),
            "state_digest": plan.hexd(state_d), "substitutions": [PLAIN_ADD_FOR_ATOMIC]}


async def atomic_cas(units: int, seed: int = 1) -> dict:
    box, retries = [0], 0

    async def unit():
        nonlocal retries
        old = box[0]
        await asyncio.sleep(0)  # let every other unit in between this load and the CAS
        while not cas(box, old, old + 1):
            retries += 1
            old = box[0]

    await asyncio.gather(*(unit() for _ in range(units)))
    after_loop = box[0]
    stale_failed = not cas(box, units - 1, units)  # the stale old value units-1
    return {"cas_loop_exact": after_loop == units,
            "stale_cas_failed": stale_failed and box[0] == after_loop,
            "cas_retries": retries, "substitutions": [CAS_FUNCTION],
            "state_digest": plan.total([term(seed, 0, 0, after_loop), term(seed, 0, 1, box[0])])}


async def atomic_vs_mutex(n: int, procs: int = 2, warmup: int = 1, seed: int = 1) -> dict:
    async def loop(units: int, locked: bool) -> tuple[float, int]:
        """units units share one counter (and one lock); (seconds, final counter)."""
        lock, counter, per = asyncio.Lock(), 0, n // units

        async def unit():
            nonlocal counter
            if locked:
                for _ in range(per):
                    async with lock:
                        counter += 1
            else:
                for _ in range(per):
                    counter += 1  # asyncio's atomic add: no await, nothing interleaves

        t0 = now()
        if units == 1:
            await unit()
        else:
            await asyncio.gather(*(unit() for _ in range(units)))
        return now() - t0, counter

    ns, finals = [], []
    for units, locked in ((1, True), (1, False), (2, True), (2, False)):
        for _ in range(warmup):
            await loop(units, locked)
        seconds, final = await loop(units, locked)
        ns.append(seconds / (n // units * units) * 1e9)
        finals.append(final)
    m, a, mc, ac = ns
    return {"mutex_ns": m, "atomic_ns": a, "mutex_contended_ns": mc, "atomic_contended_ns": ac,
            "ratio_uncontended": m / a, "ratio_contended": mc / ac,
            "substitutions": [PLAIN_ADD_FOR_ATOMIC],
            "state_digest": plan.total(term(seed, 0, k, c) for k, c in enumerate(finals))}


async def atomic_add(n: int, seed: int = 1) -> dict:
    counter = 0
    t0 = now()
    for _ in range(n):
        counter += 1  # asyncio's atomic add: no await, so nothing interleaves
    seconds = now() - t0
    return timed(seconds, n, ns_per_op=per_op_ns(seconds, n), total=counter,
                  state_digest=plan.hexd(term(seed, 0, 0, counter)),
                  substitutions=[PLAIN_ADD_FOR_ATOMIC])
