"""The asyncio backend, §2: scheduling: threads behind the units, work stealing, blocking calls,
GOMAXPROCS."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import psutil

from impls.asyncio.units import WaitGroup, go
from impls.pyrt.kernel import gettid
from impls.pyrt.timing import WAIT_S, burn, calibrate, now
from suite import scenarios


async def thread_ids(n: int, procs: int | None = None) -> dict:
    tids: set[int] = set()
    all_in = asyncio.Event()
    threads_before = psutil.Process().num_threads()

    async def unit():
        tids.add(gettid())  # sampled once
        await asyncio.wait_for(all_in.wait(), WAIT_S)  # block so the units overlap

    tasks = [asyncio.create_task(unit()) for _ in range(n)]
    await asyncio.sleep(0)  # every unit has run to its wait
    threads_during = psutil.Process().num_threads()  # OS threads the loop added: none
    all_in.set()
    await asyncio.gather(*tasks)
    return {"units": n, "distinct_threads": len(tids), "gomaxprocs": None,
            "threads_in_syscalls": max(0, threads_during - threads_before)}


async def work_stealing(n: int, procs: int = 2, wave: int = 200, work_us: int = 20) -> dict:
    iterations = max(1, calibrate(work_us / 1e3))  # ~work_us of fixed arithmetic, alone
    tids: set[int] = set()

    async def unit():
        burn(iterations)
        tids.add(gettid())  # recorded once

    async def spawner():
        for start in range(0, n, wave):
            wg = WaitGroup()
            for _ in range(min(wave, n - start)):
                wg.add(1)
                go(_done_after(unit(), wg))
            await wg.wait(WAIT_S)

    await asyncio.wait_for(asyncio.create_task(spawner()), WAIT_S * 10)
    return {"units": n, "distinct_threads": len(tids), "steals": None,
            "iterations_per_unit": iterations}


async def _done_after(coro: Coroutine[Any, Any, Any], wg: WaitGroup) -> None:
    """`defer wg.Done()` around a unit's body."""
    try:
        await coro
    finally:
        wg.done()


async def _handoff(block_ms: int, yield_every: int,
                   read: Callable[[int], Awaitable[bytes]]) -> dict:
    """A reads a pipe through `read`; B counts, awaiting after every yield_every counts (0:
    never) until A is done or its own deadline of 20*block_ms; C sleeps block_ms
    and writes; a watchdog OS thread writes after 5*block_ms in case C never gets to run."""
    r, w = os.pipe()
    count, stop = 0, False
    cancel, fired = threading.Event(), threading.Event()

    def watchdog():
        if not cancel.wait(5 * block_ms / 1000):
            fired.set()
            os.write(w, b"w")

    async def a():
        before, t0 = count, now()
        await read(r)
        return (now() - t0) * 1e3, count - before

    async def b():
        nonlocal count
        deadline = now() + 20 * block_ms / 1e3  # a B that never awaits still ends
        while not stop and now() < deadline:
            count += 1
            if yield_every and count % yield_every == 0:
                await asyncio.sleep(0)  # yield to the scheduler

    async def c():
        await asyncio.sleep(block_ms / 1000)
        os.write(w, b"c")

    dog = threading.Thread(target=watchdog, name="watchdog", daemon=True)
    dog.start()
    try:
        counter = asyncio.create_task(b())
        writer = asyncio.create_task(c())
        await asyncio.sleep(0)  # B is counting, C is asleep
        blocked_ms, progress = await asyncio.wait_for(asyncio.create_task(a()), WAIT_S)
        cancel.set()
        stop = True
        await asyncio.wait_for(asyncio.gather(counter, writer), WAIT_S)
        dog.join(WAIT_S)
    finally:
        cancel.set()
        os.close(r)
        os.close(w)
    return {"blocked_ms": blocked_ms, "progress_during_block": progress,
            "watchdog_fired": fired.is_set()}


async def syscall_handoff(block_ms: int, yield_every: int = 1) -> dict:
    async def blocking_read(fd: int) -> bytes:
        return os.read(fd, 1)  # what the scenario asks: a real read() in the task

    async def executor_read(fd: int) -> bytes:  # asyncio's own answer: a thread does the read
        return await asyncio.get_running_loop().run_in_executor(None, os.read, fd, 1)

    out = await _handoff(block_ms, yield_every, blocking_read)
    fix = await _handoff(block_ms, yield_every, executor_read)
    out.update({f"executor_{k}": v for k, v in fix.items()})
    return out


def gomaxprocs() -> dict:
    return {"gomaxprocs": None, "cpu_count": scenarios.cpus()}  # the suite's one CPU count


async def parallel_speedup(work_ms: int, procs: int = 2) -> dict:
    # A fixed amount of work, calibrated alone (a wall-clock spin would hide whether the two
    # units overlapped). asyncio has no GOMAXPROCS: procs=1 runs the units one after the other,
    # procs>=2 gathers them, which is all asyncio can do to run them "at once".
    iterations = calibrate(work_ms)

    async def work():
        burn(iterations)

    t0 = now()
    if procs == 1:
        await work()
        await work()
    else:
        await asyncio.gather(work(), work())
    return {"seconds": now() - t0, "mode": "sequential" if procs == 1 else "gathered",
            "iterations_per_unit": iterations}
