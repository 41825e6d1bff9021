"""The asyncio backend, §9: sync.Once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan
from suite.plan import term


class Once:
    """sync.Once: a fast-path flag, then a Lock so late callers wait for the first to finish."""

    def __init__(self) -> None:
        self._done = False
        self._lock = asyncio.Lock()

    async def do(self, f: Callable[[], Awaitable[Any]]) -> None:
        if self._done:
            return
        async with self._lock:
            if not self._done:
                await f()
                self._done = True


async def _once_trial(callers: int, init_ms: int) -> tuple[int, list[object | None], object]:
    """callers tasks call once.Do(init) at once; (init runs, what each caller saw, instance)."""
    once, runs, instance = Once(), 0, None

    async def init():
        nonlocal runs, instance
        runs += 1
        if init_ms:
            await asyncio.sleep(init_ms / 1000)  # slow init: the others must wait for it
        instance = object()

    async def caller():
        await once.do(init)
        return instance  # checked right after Do

    seen = await asyncio.wait_for(asyncio.gather(*(caller() for _ in range(callers))), WAIT_S)
    return runs, seen, instance


async def _once_trials(callers: int, trials: int, init_ms: int,
                       seed: int) -> tuple[int, bool, int, str, str]:
    """(max init runs, all callers got their trial's instance, callers that saw none, digests):
    caller c of trial t adds term(seed, t, c, 1) if it saw the instance; each trial adds
    term(seed, t, callers, init runs)."""
    max_init, same, unset, plan_d, state_d = 0, True, 0, 0, 0
    for t in range(trials):
        runs, seen, instance = await _once_trial(callers, init_ms)
        max_init = max(max_init, runs)
        same = same and instance is not None and all(s is instance for s in seen)
        unset += sum(s is None for s in seen)
        plan_d += sum(term(seed, t, c, int(s is not None)) for c, s in enumerate(seen))
        state_d += term(seed, t, callers, runs)
    return max_init, same, unset, plan.hexd(plan_d), plan.hexd(state_d)


async def once_runs_once(callers: int, trials: int, seed: int = 1) -> dict:
    max_init, same, _, plan_d, state_d = await _once_trials(callers, trials, 0, seed)
    return {"trials": trials, "max_init_count": max_init, "all_same_instance": same,
            "plan_digest": plan_d, "state_digest": state_d}


async def once_waits(callers: int, trials: int, init_ms: int, seed: int = 1) -> dict:
    _, _, unset, plan_d, state_d = await _once_trials(callers, trials, init_ms, seed)
    return {"trials": trials, "unset_observed": unset, "plan_digest": plan_d,
            "state_digest": state_d}


async def once(n: int, seed: int = 1) -> dict:
    o, runs = Once(), 0

    async def init():
        nonlocal runs
        runs += 1

    await o.do(init)
    t0 = now()
    for _ in range(n):
        await o.do(init)
    seconds = now() - t0
    return timed(seconds, n, ns_per_op=per_op_ns(seconds, n),
                 state_digest=plan.hexd(term(seed, 0, 0, runs)))
