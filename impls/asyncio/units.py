"""The asyncio backend's units: how a task is started, counted, parked on a gate and released,
and the WaitGroup asyncio lacks. The other primitives it lacks live with the section that uses
them (RWMutex in mutex.py, Once in once.py, CAS in atomics.py). They are awaitable, in the form
an asyncio user writes them, so they cannot share the blocking threading/gevent copies in
impls/pyrt/primitives.py (the WaitGroup shares its counter, EventWaitGroup)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from impls.pyrt.primitives import EventWaitGroup
from impls.pyrt.timing import WAIT_S
from suite.backend import RuntimeMisuse


class WaitGroup(EventWaitGroup):
    """Go's WaitGroup over an asyncio.Event that is set while the counter is zero."""

    misuse = RuntimeMisuse

    def __init__(self) -> None:
        super().__init__(asyncio.Event())

    async def wait(self, timeout: float | None = None) -> None:
        if self._n == 0:
            return  # like Go: at zero, Wait returns without ever blocking
        await asyncio.wait_for(self._zero.wait(), timeout or WAIT_S)  # wait_for yields


_RUNNING: set[asyncio.Task] = set()


def go(coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
    """`go f()`: start a task the documented way. The loop keeps only weak references to tasks,
    so the asyncio docs keep each in a set until it is done (and then let it go)."""
    task = asyncio.create_task(coro)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return task


def live() -> int:
    """asyncio's live unit count: the running loop's unfinished tasks (incl. the caller)."""
    return len(asyncio.all_tasks())


async def release_all(tasks: list[asyncio.Task]) -> None:
    """Cancel tasks left blocked on purpose and wait (bounded) until they are gone."""
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=WAIT_S)


async def _spawn_wait(n: int) -> int:
    """The article's §1-2 program: Add(1) and start an empty unit n times, then Wait. Returns
    how many units were spawned and waited for."""
    wg = WaitGroup()

    async def unit():
        wg.done()

    spawned = 0
    for _ in range(n):
        wg.add(1)
        go(unit())
        spawned += 1
    await wg.wait(WAIT_S * 10)
    return spawned


async def park_on_gate(gate: asyncio.Event, *coros: Coroutine[Any, Any, Any]) -> list[asyncio.Task]:
    """Start the units and let each run up to its `await gate.wait()` (untimed set-up)."""
    tasks = [asyncio.create_task(c) for c in coros]
    await asyncio.sleep(0)  # one loop turn: each task ran to the gate and parked there
    assert not any(t.done() for t in tasks), "a unit finished before the gate opened"
    return tasks
