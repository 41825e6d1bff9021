"""The asyncio backend, §7: deadlock and the consistent lock order."""

from __future__ import annotations

import asyncio

from impls.asyncio.units import release_all
from impls.pyrt.timing import WAIT_S
from suite import plan
from suite.plan import term


async def lock_order_inversion(pause_ms: int, timeout_ms: int) -> dict:
    m1, m2 = asyncio.Lock(), asyncio.Lock()

    async def a():
        async with m1:
            await asyncio.sleep(pause_ms / 1000)
            async with m2:
                pass

    async def b():
        async with m2:
            await asyncio.sleep(pause_ms / 1000)
            async with m1:
                pass

    tasks = [asyncio.create_task(a(), name="A"), asyncio.create_task(b(), name="B")]
    _, pending = await asyncio.wait(tasks, timeout=timeout_ms / 1000)
    blocked = []
    for t in pending:  # asyncio lists its tasks and where each is suspended
        frame = t.get_stack(limit=1)
        where = f"{frame[-1].f_code.co_name} line {frame[-1].f_lineno}" if frame else "?"
        blocked.append({"id": t.get_name(), "reason": f"awaiting a Lock in {where}"})
    await release_all(list(pending))
    return {"deadlocked": len(pending) == 2, "detected": False, "message": None,
            "blocked": sorted(blocked, key=lambda b: b["id"]) or None,
            "timeout_ms": timeout_ms}


async def _ordered_trial(pause_us: int) -> list[int]:
    """Both units lock m1 then m2; the ids of those that finished within the bound."""
    m1, m2 = asyncio.Lock(), asyncio.Lock()

    async def unit():
        async with m1:
            await asyncio.sleep(pause_us / 1e6)
            async with m2:
                pass

    tasks = [asyncio.create_task(unit()) for _ in range(2)]
    _, pending = await asyncio.wait(tasks, timeout=WAIT_S / 10)
    await release_all(list(pending))
    return [u for u, t in enumerate(tasks) if t not in pending]


async def consistent_order(trials: int, pause_us: int, seed: int = 1) -> dict:
    finished, digest = 0, 0
    for t in range(trials):
        done = await _ordered_trial(pause_us)
        finished += len(done) == 2
        digest += sum(term(seed, t, u, 1) for u in done)
    return {"trials": trials, "finished": finished, "plan_digest": plan.hexd(digest)}
