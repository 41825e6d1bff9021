"""The asyncio backend, §11: goroutine leaks and the live-unit count."""

from __future__ import annotations

import asyncio

from impls.asyncio.units import live, release_all
from impls.pyrt.timing import WAIT_S

JOIN_FOR_SEND = ("asyncio.Queue put + join stands in for a send on an unbuffered channel "
                 "(it returns once a receiver took the value)")


async def _send(ch: asyncio.Queue[int]) -> None:
    """An unbuffered send: put, then wait until a receiver has taken it."""
    await ch.put(1)
    await ch.join()


async def leak_blocked_sender(calls: int) -> dict:
    held: set[asyncio.Task] = set()  # asyncio keeps only weak refs to tasks: hold them (docs)

    def leak():
        ch: asyncio.Queue[int] = asyncio.Queue()
        held.add(asyncio.create_task(_send(ch)))  # nobody ever reads ch

    baseline = live()
    for _ in range(calls):
        leak()
    await asyncio.sleep(0)  # they run and block
    after = live()
    await release_all(list(held))
    return {"baseline": baseline, "after": after, "growth": after - baseline,
            "substitutions": [JOIN_FOR_SEND]}


async def leak_context_cancel(calls: int) -> dict:
    # asyncio's context is cancellation itself: cancel() raises CancelledError at the await,
    # which is the select-on-Done of the article's noLeak().
    held: set[asyncio.Task] = set()

    def no_leak():
        ch: asyncio.Queue[int] = asyncio.Queue()
        held.add(asyncio.create_task(_send(ch)))

    baseline = live()
    for _ in range(calls):
        no_leak()
    await asyncio.sleep(0)
    during = live()
    for t in held:
        t.cancel()
    await asyncio.wait(held, timeout=WAIT_S)
    return {"baseline": baseline, "during": during, "after_cancel": live(),
            "substitutions": [JOIN_FOR_SEND]}


async def num_goroutine(k: int) -> dict:
    release = asyncio.Event()
    baseline = live()
    tasks = [asyncio.create_task(release.wait()) for _ in range(k)]
    await asyncio.sleep(0)
    reported = live()
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S)
    return {"reported": reported, "expected": baseline + k}
