"""The asyncio backend, benchmark: skynet, a tree of a million units."""

from __future__ import annotations

import asyncio

from impls.asyncio.units import go
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan
from suite.plan import term

QUEUE_FOR_SKYNET = "an asyncio.Queue per parent stands in for its channel"


async def _skynet(num: int, size: int, out: asyncio.Queue[int]) -> None:
    if size == 1:
        await out.put(num)
        return
    children: asyncio.Queue[int] = asyncio.Queue()
    step, rest = divmod(size, 10)  # any size: the first `rest` children take one leaf more
    start = num
    count = 0
    for i in range(10):
        sz = step + (i < rest)
        if sz:
            go(_skynet(start, sz, children))
            start += sz
            count += 1
    total = 0
    for _ in range(count):
        total += await children.get()
    await out.put(total)


async def skynet(leaves: int, procs: int | None = None, seed: int = 1) -> dict:
    out: asyncio.Queue[int] = asyncio.Queue()
    t0 = now()
    root = asyncio.create_task(_skynet(0, leaves, out))
    total = await asyncio.wait_for(out.get(), WAIT_S * 10)
    seconds = now() - t0
    await root
    return timed(seconds, leaves, ns_per_leaf=per_op_ns(seconds, leaves),
                 total=total, ms=seconds * 1e3,
                  state_digest=plan.hexd(term(seed, 0, 0, total)), substitutions=[QUEUE_FOR_SKYNET])
