"""The asyncio backend, §1: what a unit costs: parked memory, stacks, spawn, the switch."""

from __future__ import annotations

import asyncio
import gc
import sys
import tracemalloc

from impls.asyncio.units import _spawn_wait, park_on_gate
from impls.pyrt.children import overflow_observables
from impls.pyrt.kernel import nvcsw
from impls.pyrt.memory import parked_observables, rss, vm
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan
from suite.plan import term

QUEUE_FOR_CHANNEL = ("asyncio.Queue(maxsize=1) stands in for an unbuffered channel (asyncio has "
                     "no rendezvous: a put completes once the item is in the queue)")


async def parked(n: int, procs: int | None = None) -> dict:
    release = asyncio.Event()
    all_parked = asyncio.Event()
    parked_count = 0
    target = n

    async def unit():
        nonlocal parked_count
        parked_count += 1  # "about to block": the next line parks until release
        if parked_count == target:
            all_parked.set()
        await release.wait()

    gc.collect()  # the baseline without garbage from start-up
    rss_before, vm_before = rss(), vm()
    tasks: list[asyncio.Task] = []
    error = None
    t0 = now()
    try:
        for _ in range(n):
            tasks.append(asyncio.create_task(unit()))
    except (MemoryError, OSError, RuntimeError) as e:  # exhaustion: record it, keep what started
        error = f"{type(e).__name__}: {e}"
    target = len(tasks)
    if tasks:
        try:
            await asyncio.wait_for(all_parked.wait(), WAIT_S)
        except (MemoryError, OSError, RuntimeError, asyncio.TimeoutError) as e:
            error = error or f"{type(e).__name__}: {e}"
    seconds = now() - t0
    reached = parked_count  # units that reported they are about to block
    rss_parked, vm_parked = rss(), vm()
    release.set()
    if tasks:
        await asyncio.wait(tasks, timeout=WAIT_S)
    return parked_observables(n, reached, error, rss_before, vm_before, rss_parked, vm_parked,
                              seconds)


async def spawn_empty_wait(n: int, seed: int = 1) -> dict:
    gc.collect()  # the baseline without garbage from start-up
    rss_before = rss()
    spawned = await _spawn_wait(n)
    rss_after = rss()
    # Extra evidence, not runtime_heap_bytes: the same program again under tracemalloc, CPython's
    # count of the bytes it allocated (run apart so its bookkeeping does not inflate RSS).
    tracemalloc.start()
    await _spawn_wait(n)
    heap, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"n": n, "rss_before": rss_before, "rss_after": rss_after,
            "rss_delta": rss_after - rss_before, "runtime_heap_bytes": None,
            "tracemalloc_bytes": heap, "tracemalloc_peak_bytes": heap_peak,
            "plan_digest": plan.seq_digest(seed, spawned)}


async def stack_growth(depth_kib: int, idle: int = 100) -> dict:
    release = asyncio.Event()
    idlers = [asyncio.create_task(release.wait()) for _ in range(idle)]
    await asyncio.sleep(0)  # the idle units are parked
    frames = 0
    rss_deepest: int | None = None

    def recurse(depth: int) -> int:
        nonlocal frames, rss_deepest
        buf = bytearray(1024)  # a 1 KiB local, zero-filled (written) so it is real
        buf[-1] = depth & 0xFF
        frames += 1
        if depth > 1:
            return buf[-1] + recurse(depth - 1)
        rss_deepest = rss()  # read in the deepest frame
        return buf[-1]

    async def deep() -> int:
        before = rss()  # just before the recursion
        recurse(depth_kib)
        return before

    try:
        rss_before = await asyncio.create_task(deep())
        ok, error = True, None
    except RecursionError as e:
        rss_before, ok, error = None, False, f"RecursionError: {e}"
    release.set()
    await asyncio.wait_for(asyncio.gather(*idlers), WAIT_S)
    growth = rss_deepest - rss_before if ok and rss_deepest is not None else None
    return {"ok": ok, "recursed_bytes": frames * 1024, "rss_growth": growth, "error": error,
            "idle": idle, "recursion_limit": sys.getrecursionlimit()}


_OVERFLOW = """
import asyncio
def down(n):
    buf = bytearray(1024)
    buf[-1] = n & 0xFF
    return down(n + 1) + buf[-1]
async def unit():  # asyncio.run runs it as a task
    down(0)
asyncio.run(unit())
"""


def stack_overflow() -> dict:
    return overflow_observables(_OVERFLOW)


async def spawn(n: int, procs: int | None = None, warmup_units: int = 10_000,
                seed: int = 1) -> dict:
    await _spawn_wait(warmup_units)  # untimed: the loop's and the allocator's first growth
    t0 = now()
    spawned = await _spawn_wait(n)
    seconds = now() - t0
    return timed(seconds, n, ns_per_spawn=per_op_ns(seconds, n),
                 plan_digest=plan.seq_digest(seed, spawned))


async def pingpong_yield(n: int, seed: int = 1) -> dict:
    gate = asyncio.Event()
    turns = [0, 0]

    async def player(side: int):
        await gate.wait()
        for _ in range(n // 2):
            turns[side] += 1
            await asyncio.sleep(0)  # asyncio's yield: to the back of the ready queue

    tasks = await park_on_gate(gate, player(0), player(1))
    c0, t0 = nvcsw(), now()
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S * 10)
    seconds, switches = now() - t0, nvcsw() - c0
    ops = n // 2 * 2
    return timed(seconds, ops, ns_per_switch=per_op_ns(seconds, ops),
                 nvcsw=switches, nvcsw_per_switch=switches / ops,
                  state_digest=plan.total([term(seed, 0, 0, turns[0]),
                                           term(seed, 0, 1, turns[1])]))


async def pingpong_chan(n: int, seed: int = 1) -> dict:
    ping: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    pong: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    rounds, gate, held = n // 2, asyncio.Event(), [0]

    async def server():
        await gate.wait()
        for _ in range(rounds):
            await pong.put(await ping.get() + 1)

    async def client():
        await gate.wait()
        ball = 0
        for _ in range(rounds):
            await ping.put(ball)
            ball = await pong.get()
        held[0] = ball

    tasks = await park_on_gate(gate, server(), client())
    c0, t0 = nvcsw(), now()
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S * 10)
    seconds, switches = now() - t0, nvcsw() - c0
    ops = rounds * 2
    return timed(seconds, ops, ns_per_message=per_op_ns(seconds, ops),
                 nvcsw_per_message=switches / ops,
                  state_digest=plan.hexd(term(seed, 0, 0, held[0])),
                  substitutions=[QUEUE_FOR_CHANNEL])
