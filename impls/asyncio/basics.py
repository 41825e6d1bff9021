"""The asyncio backend, §3: starting units: go returns at once, completion order, the loop
variable."""

from __future__ import annotations

import asyncio
import os

from impls.asyncio.units import release_all
from impls.pyrt.devnull import devnull
from impls.pyrt.timing import WAIT_S
from suite import plan
from suite.plan import term


async def go_returns(trials: int) -> dict:
    returned = spawner_first = 0
    blocked: list[asyncio.Task] = []
    for _ in range(trials):
        started = False

        async def child():
            nonlocal started
            started = True
            await asyncio.Event().wait()  # nobody will ever set it

        blocked.append(asyncio.create_task(child()))
        returned += 1
        spawner_first += not started
    await asyncio.sleep(0)
    children_started = sum(1 for t in blocked if not t.done())
    await release_all(blocked)
    return {"spawn_returned": returned == trials, "spawner_first": spawner_first,
            "trials": trials, "children_parked": children_started}


async def _order_trial() -> list[int]:
    lock, order = asyncio.Lock(), []

    async def unit(i: int):
        os.write(devnull(), b"Hello from unit %d\n" % i)  # the article's print: a real write(2)
        async with lock:
            order.append(i)

    await asyncio.wait_for(asyncio.gather(*(unit(i) for i in range(3))), WAIT_S)
    return order


async def completion_order(trials: int, procs: int = 2, seed: int = 1) -> dict:
    orders = [await _order_trial() for _ in range(trials)]
    counts: dict[str, int] = {}
    for order in orders:
        key = ",".join(map(str, order))
        counts[key] = counts.get(key, 0) + 1
    return {"trials": trials, "distinct_orders": len(counts), "orders": counts,
            "plan_digest": plan.total(term(seed, t, u, 1)
                                      for t, order in enumerate(orders) for u in order)}


async def loopvar_capture(n: int, trials: int) -> dict:
    async def late_binding() -> list[int]:
        seen: list[int] = []
        tasks = []
        for i in range(n):
            async def unit():
                seen.append(i)  # noqa: B023 -- the point: reads i when the task runs
            tasks.append(asyncio.create_task(unit()))
        await asyncio.gather(*tasks)
        return seen

    async def default_arg() -> list[int]:
        seen: list[int] = []
        tasks = []
        for i in range(n):
            async def unit(i=i):  # the classic fix: bind the value now
                seen.append(i)
            tasks.append(asyncio.create_task(unit()))
        await asyncio.gather(*tasks)
        return seen

    variants = {}
    for name, semantics, fn in (("late_binding_closure", "shared", late_binding),
                                ("default_arg_i=i", "per-iteration", default_arg)):
        distinct = dup = 0
        sample: list[int] = []
        for _ in range(trials):
            sample = await fn()
            if len(set(sample)) == n:
                distinct += 1
            else:
                dup += 1
        variants[name] = {"semantics": semantics, "trials": trials, "runs_all_distinct": distinct,
                          "runs_with_duplicates": dup, "sample": sample}
    return {"variants": variants}
