"""The asyncio backend, §6: Mutex, Unlock on panic, RWMutex."""

from __future__ import annotations

import asyncio
import contextlib

from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan
from suite.plan import READ, WRITE, term


class RWLock:
    """Readers share, a writer excludes everyone; a waiting writer holds off new readers
    (writer-preferring, like Go's RWMutex)."""

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.asynccontextmanager
    async def reading(self):
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writer and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            async with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.asynccontextmanager
    async def writing(self):
        async with self._cond:
            self._writers_waiting += 1
            try:
                await self._cond.wait_for(lambda: not self._writer and not self._readers)
            finally:  # a cancelled writer must not hold readers off for ever
                self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            async with self._cond:
                self._writer = False
                self._cond.notify_all()


async def _mutex_trial(units: int, increments: int, seed: int, t: int) -> tuple[int, int]:
    lock, counter, digest = asyncio.Lock(), 0, 0

    async def unit(u: int):
        nonlocal counter, digest
        for _ in range(increments):
            async with lock:
                counter += 1
        async with lock:  # the unit's digest term, added under the lock once it is done
            digest += term(seed, t, u, increments)

    await asyncio.gather(*(unit(u) for u in range(units)))
    return counter, digest


async def mutex_counter(units: int, increments: int, trials: int,
                        procs: int | None = None, seed: int = 1) -> dict:
    expected = units * increments
    exact, plan_d, state_d = 0, 0, 0
    for t in range(trials):
        counter, d = await _mutex_trial(units, increments, seed, t)
        exact += counter == expected
        plan_d += d
        state_d += term(seed, t, units, counter)
    return {"trials": trials, "exact_trials": exact, "plan_digest": plan.hexd(plan_d),
            "state_digest": plan.hexd(state_d)}


async def mutex_unlock_on_panic() -> dict:
    lock = asyncio.Lock()
    panicked = recovered = False

    async def section():
        nonlocal panicked
        async with lock:  # the with-block is Go's defer Unlock
            panicked = True
            raise ValueError("panic inside the critical section")

    try:
        await asyncio.create_task(section())
    except ValueError:
        recovered = True

    async def other():
        await asyncio.wait_for(lock.acquire(), 1.0)
        lock.release()
        return True

    try:
        free = await asyncio.create_task(other())
    except asyncio.TimeoutError:
        free = False
    return {"panicked": panicked, "recovered": recovered, "lock_free_after": free}


async def mutex_unlock_unlocked() -> dict:
    try:
        asyncio.Lock().release()
        return {"raised": False, "error": None, "fatal": False}
    except RuntimeError as e:
        return {"raised": True, "error": f"{type(e).__name__}: {e}", "fatal": False}


async def rw_readers_share(readers: int) -> dict:
    rw, all_in = RWLock(), asyncio.Event()
    inside = peak = 0

    async def reader():
        nonlocal inside, peak
        async with rw.reading():
            inside += 1
            peak = max(peak, inside)
            if inside == readers:
                all_in.set()
            with contextlib.suppress(asyncio.TimeoutError):  # a barrier of all readers
                await asyncio.wait_for(all_in.wait(), 5.0)
            inside -= 1

    await asyncio.wait_for(asyncio.gather(*(reader() for _ in range(readers))), WAIT_S)
    return {"peak_readers": peak}


def _op_digest(seed: int, ops: list[list[tuple[int, int]]]) -> str:
    """plan_digest of the rw scenarios, from the op arrays every worker completed."""
    return plan.total(term(seed, w, i, kind << 32 | key)
                      for w, worker_ops in enumerate(ops) for i, (kind, key) in enumerate(worker_ops))


def _with_trace(out: dict, ops: list[list[tuple[int, int]]], trace: int) -> dict:
    if trace > 0:
        out["trace"] = [plan.trace_of(worker_ops, trace) for worker_ops in ops]
    return out


async def rw_writer_exclusive(ops: int, procs: int = 2, workers: int = 8, write_pct: int = 10,
                              slots: int = 64, yield_every: int = 64, seed: int = 1,
                              trace: int = 0) -> dict:
    each = plan.ops_each(ops, workers)
    plans = [plan.plan_ops(plan.writer_op, seed, w, each, write_pct, slots)
             for w in range(workers)]
    rw, counts = RWLock(), [0] * slots
    readers_in = writers_in = violations = done = 0

    async def worker(my_ops: list[tuple[int, int]]):
        nonlocal readers_in, writers_in, violations, done
        for i, (kind, slot) in enumerate(my_ops):
            if kind == WRITE:
                async with rw.writing():
                    violations += readers_in > 0 or writers_in > 0
                    writers_in += 1
                    await asyncio.sleep(0)  # yield inside: anyone who could break in gets a turn
                    violations += readers_in > 0 or writers_in > 1
                    counts[slot] += 1
                    writers_in -= 1
            else:
                async with rw.reading():
                    readers_in += 1
                    violations += writers_in > 0
                    readers_in -= 1
            done += 1
            if i % yield_every == yield_every - 1:
                await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(*(worker(p) for p in plans)), WAIT_S * 10)
    return _with_trace({"ops": done, "violations": violations,
                        "plan_digest": _op_digest(seed, plans),
                        "state_digest": plan.table_digest(seed, counts)}, plans, trace)


async def rw_vs_mutex(n: int, read_pct: int = 95, procs: int = 2, rw: int = 1, workers: int = 4,
                      table: int = 1024, chain: int = 256, warmup: int = 1, seed: int = 1,
                      trace: int = 0) -> dict:
    each = plan.ops_each(n, workers)
    plans = [plan.plan_ops(plan.rw_op, seed, w, each, read_pct, table) for w in range(workers)]
    words: list[int] = []
    read_section = plan.read_section

    async def run() -> float:
        words[:] = range(table)  # table[j] = j before each run
        if rw:
            rwl = RWLock()
            rlock, wlock = rwl.reading, rwl.writing
        else:  # readers take the Mutex too
            mu = asyncio.Lock()
            rlock = wlock = lambda: mu

        async def worker(my_ops: list[tuple[int, int]]):
            for kind, key in my_ops:
                if kind == READ:
                    async with rlock():
                        read_section(words, key, chain)
                else:
                    async with wlock():
                        words[key] += 1

        t0 = now()
        await asyncio.wait_for(asyncio.gather(*(worker(p) for p in plans)), WAIT_S * 10)
        return now() - t0

    for _ in range(warmup):
        await run()
    seconds = await run()
    return _with_trace({"seconds": seconds, "ops": each * workers,
                        "lock": "RWLock" if rw else "asyncio.Lock",
                        "plan_digest": _op_digest(seed, plans),
                        "state_digest": plan.table_digest(seed, words)}, plans, trace)


async def mutex_uncontended(n: int, seed: int = 1) -> dict:
    lock, counter = asyncio.Lock(), 0
    t0 = now()
    for _ in range(n):
        async with lock:
            counter += 1
    seconds = now() - t0
    return timed(seconds, n, ns_per_op=per_op_ns(seconds, n),
                 state_digest=plan.hexd(term(seed, 0, 0, counter)))


async def mutex_contended(n: int, units: int = 2, procs: int = 2, seed: int = 1) -> dict:
    lock, counter, per = asyncio.Lock(), 0, n // units
    done = [0] * units

    async def unit(u: int):
        nonlocal counter
        for _ in range(per):
            async with lock:
                counter += 1
        done[u] = per  # this unit's Lock/++/Unlock count, for the digest after timing

    t0 = now()
    await asyncio.gather(*(unit(u) for u in range(units)))
    seconds = now() - t0
    return timed(seconds, per * units, ns_per_op=per_op_ns(seconds, per * units),
                  plan_digest=plan.total(term(seed, 0, u, d) for u, d in enumerate(done)),
                  state_digest=plan.hexd(term(seed, 0, 0, counter)))
