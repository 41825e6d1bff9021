"""The asyncio backend, §5: data races and the race detector."""

from __future__ import annotations

import asyncio

from impls.pyrt.races import NO_RACE_DETECTOR
from suite import plan
from suite.backend import NotApplicable
from suite.plan import term


async def _racy_trial(units: int, increments: int, seed: int, t: int) -> tuple[int, int]:
    counter = 0
    slots = [0] * units  # each unit's digest term in a slot of its own: the digest never races

    async def unit(u: int):
        nonlocal counter
        done = 0
        for _ in range(increments):
            counter += 1
            done += 1
        slots[u] = term(seed, t, u, done)

    await asyncio.gather(*(unit(u) for u in range(units)))
    return counter, sum(slots)


async def _racy_await_trial(units: int) -> int:
    """The race asyncio does have: an await between the load and the store."""
    counter = 0

    async def unit():
        nonlocal counter
        value = counter
        await asyncio.sleep(0)
        counter = value + 1

    await asyncio.gather(*(unit() for _ in range(units)))
    return counter


async def racy_counter(units: int, increments: int, trials: int,
                       procs: int | None = None, seed: int = 1) -> dict:
    expected = units * increments
    finals, digest = [], 0
    for t in range(trials):
        final, d = await _racy_trial(units, increments, seed, t)
        finals.append(final)
        digest += d
    await_trials = min(trials, 100)
    await_finals = [await _racy_await_trial(units) for _ in range(await_trials)]
    return {"trials": trials, "expected": expected,
            "lossy_trials": sum(v < expected for v in finals), "min": min(finals),
            "distinct_values": sorted(set(finals))[:20], "plan_digest": plan.hexd(digest),
            "await_between_trials": await_trials,
            "await_between_lossy_trials": sum(v < units for v in await_finals),
            "await_between_values": sorted(set(await_finals))[:20]}


def race_detector() -> dict:
    raise NotApplicable(NO_RACE_DETECTOR + "; asyncio tasks cannot race between awaits anyway")


def race_overhead(units: int, increments: int, race: int = 0) -> dict:
    raise NotApplicable(NO_RACE_DETECTOR + ", so there is no race build to time")
