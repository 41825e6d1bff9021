"""The asyncio backend: every scenario written as a Python user of asyncio would write it.

A unit is a Task; primitives are asyncio.Lock / Event / Queue / Condition; each scenario runs in
its own ``asyncio.run``. What asyncio lacks (WaitGroup, RWMutex, Once, atomics) is built here in
the small form a user would write, and said so.

Two facts shape every result and are reported, not worked around:
* One event loop on one OS thread: a task runs until its next ``await``. Code between two
  awaits is therefore atomic (no lost updates, no contention) and nothing runs in parallel.
* Nothing pre-empts a task: a blocking syscall (os.read) or CPU loop stops every other task.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import platform
import resource
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psutil

from impls.pycommon import EventWaitGroup
from impls.pyutil import cpu_count, gettid, now, nvcsw, rss, spin, vm
from suite.backend import Expect, NotApplicable, RuntimeMisuse, na, refuted

BOUND_S = 60.0  # upper bound on any wait inside a scenario: a stuck scenario fails, never hangs
ROOT = Path(__file__).resolve().parent.parent  # the project root, for child processes
_NO_RACE_DETECTOR = ("Python has no race detector for Python code (no -race; ThreadSanitizer "
                     "sees only the interpreter's C code)")


# --- the missing primitives, in the form an asyncio user writes them ----------------------------

class WaitGroup(EventWaitGroup):
    """Go's WaitGroup over an asyncio.Event that is set while the counter is zero."""

    misuse = RuntimeMisuse

    def __init__(self) -> None:
        super().__init__(asyncio.Event())

    async def wait(self, timeout: float | None = None) -> None:
        if self._n == 0:
            return  # like Go: at zero, Wait returns without ever blocking
        await asyncio.wait_for(self._zero.wait(), timeout or BOUND_S)  # wait_for yields


class RWLock:
    """Readers share, a writer excludes everyone; a waiting writer holds off new readers."""

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


def cas(box: list[int], old: int, new: int) -> bool:
    """Compare-and-swap on box[0]: atomic because it has no await (a task is never pre-empted)."""
    if box[0] != old:
        return False
    box[0] = new
    return True


def live() -> int:
    """asyncio's live unit count: the running loop's unfinished tasks (incl. the caller)."""
    return len(asyncio.all_tasks())


async def release_all(tasks: list[asyncio.Task]) -> None:
    """Cancel tasks left blocked on purpose and wait (bounded) until they are gone."""
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=BOUND_S)


# --- §1 memory, stacks, spawn, switch ----------------------------------------------------------

async def parked(n: int, procs: int | None = None) -> dict:
    release = asyncio.Event()
    all_parked = asyncio.Event()
    parked_count = 0
    target = n

    async def unit():
        nonlocal parked_count
        parked_count += 1
        if parked_count == target:
            all_parked.set()
        await release.wait()

    rss_before, vm_before = rss(), vm()
    tasks: list[asyncio.Task] = []
    error = None
    t0 = now()
    try:
        for _ in range(n):
            tasks.append(asyncio.create_task(unit()))
    except (MemoryError, OSError, RuntimeError) as e:  # stop at the first, keep what started
        error = f"{type(e).__name__}: {e}"
    target = len(tasks)
    if tasks:
        await asyncio.wait_for(all_parked.wait(), BOUND_S)
    seconds = now() - t0
    rss_parked, vm_parked = rss(), vm()
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), BOUND_S)
    reached = parked_count
    return {"requested": n, "reached": reached, "error": error,
            "rss_before": rss_before, "rss_parked": rss_parked,
            "vm_before": vm_before, "vm_parked": vm_parked,
            "rss_per_unit": (rss_parked - rss_before) / reached if reached else None,
            "vm_per_unit": (vm_parked - vm_before) / reached if reached else None,
            "runtime_stack_bytes": None, "runtime_heap_bytes": None,
            "seconds_to_park": seconds}


async def spawn_empty_wait(n: int) -> dict:
    async def empty():
        pass

    await asyncio.gather(*(empty() for _ in range(n)))  # the article's program
    rss_bytes = rss()
    # The runtime's heap figure: the same program again under tracemalloc, CPython's own count
    # of the bytes it allocated (run apart so its bookkeeping does not inflate rss_bytes).
    tracemalloc.start()
    await asyncio.gather(*(empty() for _ in range(n)))
    heap, heap_peak = tracemalloc.get_traced_memory()  # like HeapAlloc: garbage included
    await asyncio.sleep(0)  # the finished tasks are let go one loop turn after Wait returns
    gc.collect()
    heap_settled, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"n": n, "heap_bytes": heap, "rss_bytes": rss_bytes, "heap_peak_bytes": heap_peak,
            "heap_settled_bytes": heap_settled}


def _recurse(depth: int) -> int:
    buf = bytearray(1024)  # a 1 KiB local, touched so it is real
    buf[-1] = depth & 0xFF
    return buf[-1] + (_recurse(depth - 1) if depth > 1 else 0)


async def stack_growth(depth_kib: int) -> dict:
    idle_release = asyncio.Event()
    idle = [asyncio.create_task(idle_release.wait()) for _ in range(100)]

    async def deep():
        _recurse(depth_kib)

    try:
        await asyncio.create_task(deep())
        ok, error = True, None
    except RecursionError as e:
        ok, error = False, f"RecursionError: {e}"
    idle_release.set()
    await asyncio.wait_for(asyncio.gather(*idle), BOUND_S)
    return {"ok": ok, "recursed_bytes": depth_kib * 1024 if ok else None, "error": error,
            "recursion_limit": sys.getrecursionlimit()}


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
    try:
        p = subprocess.run([sys.executable, "-c", _OVERFLOW], capture_output=True, text=True,
                           timeout=BOUND_S, check=False)
    except subprocess.TimeoutExpired:
        return {"clear_error": False, "message": f"child ran past {BOUND_S:.0f}s",
                "exit_code": None}
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    message = lines[-1] if lines else ""  # the exception line, after the traceback
    clear = "RecursionError" in message or "stack overflow" in message.lower()
    return {"clear_error": clear, "message": message, "exit_code": p.returncode}


async def spawn(n: int, procs: int | None = None) -> dict:
    async def empty():
        pass

    t0 = now()
    tasks = [asyncio.create_task(empty()) for _ in range(n)]
    await asyncio.gather(*tasks)
    seconds = now() - t0
    return {"seconds": seconds, "ops": n, "ns_per_spawn": seconds / n * 1e9}


async def pingpong_yield(n: int) -> dict:
    async def player(turns: int):
        for _ in range(turns):
            await asyncio.sleep(0)  # asyncio's yield: back of the ready queue

    c0, t0 = nvcsw(), now()
    await asyncio.gather(player(n // 2), player(n - n // 2))
    seconds, switches = now() - t0, nvcsw() - c0
    return {"seconds": seconds, "ops": n, "ns_per_switch": seconds / n * 1e9,
            "nvcsw": switches, "nvcsw_per_switch": switches / n}


async def pingpong_chan(n: int) -> dict:
    ping: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    pong: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    rounds = n // 2

    async def server():
        for _ in range(rounds):
            await pong.put(await ping.get())

    async def client():
        for i in range(rounds):
            await ping.put(i)
            await pong.get()

    c0, t0 = nvcsw(), now()
    await asyncio.wait_for(asyncio.gather(server(), client()), BOUND_S * 10)
    seconds, switches = now() - t0, nvcsw() - c0
    ops = rounds * 2
    return {"seconds": seconds, "ops": ops, "ns_per_message": seconds / ops * 1e9,
            "nvcsw_per_message": switches / ops}


# --- §2 scheduling -----------------------------------------------------------------------------

async def thread_ids(n: int, procs: int | None = None) -> dict:
    tids: set[int] = set()
    all_in = asyncio.Event()
    threads_before = psutil.Process().num_threads()

    async def unit():
        tids.add(gettid())
        await asyncio.wait_for(all_in.wait(), BOUND_S)  # block so the units overlap

    tasks = [asyncio.create_task(unit()) for _ in range(n)]
    await asyncio.sleep(0)  # every unit has run to its wait
    threads_during = psutil.Process().num_threads()  # OS threads the loop added: none
    all_in.set()
    await asyncio.gather(*tasks)
    return {"units": n, "distinct_threads": len(tids), "gomaxprocs": None,
            "threads_in_syscalls": max(0, threads_during - threads_before)}


async def work_stealing(n: int, procs: int = 2) -> dict:
    tids: set[int] = set()

    async def unit():
        spin(20)
        tids.add(gettid())

    await asyncio.gather(*(unit() for _ in range(n)))
    return {"units": n, "distinct_threads": len(tids), "steals": None}


async def _handoff(block_ms: int, read: Callable[[int], Awaitable[bytes]]) -> dict:
    """A reads a pipe through `read`; B counts; C sleeps block_ms and writes; a watchdog OS
    thread writes after 5*block_ms in case C never gets to run."""
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
        while not stop:
            count += 1
            await asyncio.sleep(0)

    async def c():
        await asyncio.sleep(block_ms / 1000)
        os.write(w, b"c")

    dog = threading.Thread(target=watchdog, name="watchdog", daemon=True)
    dog.start()
    try:
        counter = asyncio.create_task(b())
        writer = asyncio.create_task(c())
        await asyncio.sleep(0)  # B is counting, C is asleep
        blocked_ms, progress = await asyncio.wait_for(asyncio.create_task(a()), BOUND_S)
        cancel.set()
        stop = True
        await asyncio.wait_for(asyncio.gather(counter, writer), BOUND_S)
        dog.join(BOUND_S)
    finally:
        cancel.set()
        os.close(r)
        os.close(w)
    return {"blocked_ms": blocked_ms, "progress_during_block": progress,
            "watchdog_fired": fired.is_set()}


async def syscall_handoff(block_ms: int) -> dict:
    async def blocking_read(fd: int) -> bytes:
        return os.read(fd, 1)  # what the scenario asks: a real read() in the task

    async def executor_read(fd: int) -> bytes:  # asyncio's own answer: a thread does the read
        return await asyncio.get_running_loop().run_in_executor(None, os.read, fd, 1)

    out = await _handoff(block_ms, blocking_read)
    fix = await _handoff(block_ms, executor_read)
    out.update({f"executor_{k}": v for k, v in fix.items()})
    return out


def gomaxprocs() -> dict:
    return {"gomaxprocs": None, "cpu_count": cpu_count()}


def _burn(iterations: int) -> int:
    x = 0
    for i in range(iterations):
        x = (x * 31 + i) & 0xFFFF
    return x


def _iterations_for(ms: int) -> int:
    """A fixed amount of work that takes about ms alone (a wall-clock spin would hide
    whether two units overlapped)."""
    n = 20_000
    while (took := _timed_burn(n)) < 0.02:
        n *= 4
    return max(1, int(n * ms / 1e3 / took))


def _timed_burn(n: int) -> float:
    t0 = now()
    _burn(n)
    return now() - t0


async def parallel_speedup(work_ms: int) -> dict:
    iterations = _iterations_for(work_ms)

    async def work():
        _burn(iterations)

    t0 = now()
    await work()
    await work()
    p1 = now() - t0
    t0 = now()
    await asyncio.gather(work(), work())
    p2 = now() - t0
    return {"seconds_p1": p1, "seconds_p2": p2, "speedup": p1 / p2}


# --- §3 basics ---------------------------------------------------------------------------------

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


async def _order_trial() -> str:
    lock, order = asyncio.Lock(), []

    async def unit(i: int):
        async with lock:
            order.append(i)

    await asyncio.gather(*(unit(i) for i in range(3)))
    return ",".join(map(str, order))


async def completion_order(trials: int, procs: int = 2) -> dict:
    orders: dict[str, int] = {}
    for _ in range(trials):
        key = await _order_trial()
        orders[key] = orders.get(key, 0) + 1
    return {"trials": trials, "distinct_orders": len(orders), "orders": orders}


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


# --- §4 WaitGroup ------------------------------------------------------------------------------

async def _wg_trial(n: int) -> bool:
    """Every worker sets its flag, then Done; True if all flags were set when Wait returned."""
    wg, flags = WaitGroup(), [False] * n

    async def worker(i: int):
        flags[i] = True
        wg.done()

    tasks = []
    for i in range(n):
        wg.add(1)
        tasks.append(asyncio.create_task(worker(i)))
    await wg.wait()
    ok = all(flags)
    await asyncio.gather(*tasks)
    return ok


async def wg_waits_all(n: int, trials: int) -> dict:
    violations = sum([not await _wg_trial(n) for _ in range(trials)])
    return {"trials": trials, "violations": violations}


async def wg_add_before(n: int, trials: int) -> dict:
    early = sum([not await _wg_trial(n) for _ in range(trials)])
    return {"trials": trials, "early_returns": early}


async def _wg_inside_trial(n: int) -> tuple[bool, BaseException | None]:
    wg, finished = WaitGroup(), 0

    async def worker():
        nonlocal finished
        wg.add(1)  # too late: the spawner may already be past Wait
        finished += 1
        wg.done()

    tasks = [asyncio.create_task(worker()) for _ in range(n)]
    await wg.wait()
    early = finished < n
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return early, next((r for r in results if isinstance(r, BaseException)), None)


async def wg_add_inside(n: int, trials: int) -> dict:
    early = errors = 0
    first_error = None
    for _ in range(trials):
        was_early, error = await _wg_inside_trial(n)
        early += was_early
        if error is not None:
            errors += 1
            first_error = first_error or str(error)
    return {"trials": trials, "early_returns": early, "errors": errors,
            "first_error": first_error}


def wg_negative() -> dict:
    async def main():
        WaitGroup().done()

    try:
        asyncio.run(main())
        return {"raised": False, "error": None}
    except RuntimeMisuse as e:
        return {"raised": True, "error": str(e)}


# --- §5 races ----------------------------------------------------------------------------------

async def _racy_trial(units: int, increments: int) -> int:
    counter = 0

    async def unit():
        nonlocal counter
        for _ in range(increments):
            counter += 1

    await asyncio.gather(*(unit() for _ in range(units)))
    return counter


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
                       procs: int | None = None) -> dict:
    expected = units * increments
    finals = [await _racy_trial(units, increments) for _ in range(trials)]
    await_trials = min(trials, 100)
    await_finals = [await _racy_await_trial(units) for _ in range(await_trials)]
    return {"trials": trials, "expected": expected,
            "lossy_trials": sum(v < expected for v in finals), "min": min(finals),
            "distinct_values": sorted(set(finals))[:20],
            "await_between_trials": await_trials,
            "await_between_lossy_trials": sum(v < units for v in await_finals),
            "await_between_values": sorted(set(await_finals))[:20]}


def race_detector() -> dict:
    raise NotApplicable(_NO_RACE_DETECTOR + "; asyncio tasks cannot race between awaits anyway")


def race_overhead(units: int, increments: int) -> dict:
    raise NotApplicable(_NO_RACE_DETECTOR + ", so there is no race build to time")


# --- §6 Mutex / RWMutex ------------------------------------------------------------------------

async def _mutex_trial(units: int, increments: int) -> int:
    lock, counter = asyncio.Lock(), 0

    async def unit():
        nonlocal counter
        for _ in range(increments):
            async with lock:
                counter += 1

    await asyncio.gather(*(unit() for _ in range(units)))
    return counter


async def mutex_counter(units: int, increments: int, trials: int,
                        procs: int | None = None) -> dict:
    expected = units * increments
    exact = sum([await _mutex_trial(units, increments) == expected for _ in range(trials)])
    return {"trials": trials, "exact_trials": exact}


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

    await asyncio.wait_for(asyncio.gather(*(reader() for _ in range(readers))), BOUND_S)
    return {"peak_readers": peak}


async def rw_writer_exclusive(ops: int, procs: int = 2) -> dict:
    rw = RWLock()
    readers_in = writers_in = violations = done = 0
    units = 8

    async def unit(u: int):
        nonlocal readers_in, writers_in, violations, done
        for k in range(u, ops, units):
            if k % 10 == 0:  # one op in ten writes
                async with rw.writing():
                    violations += readers_in > 0 or writers_in > 0
                    writers_in += 1
                    await asyncio.sleep(0)  # give anyone who could break in the chance
                    violations += readers_in > 0 or writers_in > 1
                    writers_in -= 1
            else:
                async with rw.reading():
                    readers_in += 1
                    await asyncio.sleep(0)
                    readers_in -= 1
            done += 1

    await asyncio.wait_for(asyncio.gather(*(unit(u) for u in range(units))), BOUND_S * 10)
    return {"ops": done, "violations": violations}


async def rw_vs_mutex(n: int, read_pct: int, procs: int = 2) -> dict:
    data = list(range(64))
    workers = 4

    def read_work() -> int:
        return sum(data)  # ~1 µs over the shared list

    async def run(enter_read, enter_write) -> float:
        async def worker(w: int):
            for k in range(w, n, workers):
                if k % 100 < read_pct:
                    async with enter_read():
                        read_work()
                else:
                    async with enter_write():
                        data[k % 64] = k

        t0 = now()
        await asyncio.wait_for(asyncio.gather(*(worker(w) for w in range(workers))), BOUND_S * 10)
        return now() - t0

    rw, lock = RWLock(), asyncio.Lock()
    rw_s = await run(rw.reading, rw.writing)
    mutex_s = await run(lambda: lock, lambda: lock)
    return {"seconds": rw_s, "ops": n, "rw_seconds": rw_s, "mutex_seconds": mutex_s,
            "ratio": mutex_s / rw_s}


# --- §7 deadlock -------------------------------------------------------------------------------

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


async def _ordered_trial(pause_us: int) -> bool:
    m1, m2 = asyncio.Lock(), asyncio.Lock()

    async def unit():
        async with m1:
            await asyncio.sleep(pause_us / 1e6)
            async with m2:
                pass

    tasks = [asyncio.create_task(unit()) for _ in range(2)]
    _, pending = await asyncio.wait(tasks, timeout=BOUND_S / 10)
    await release_all(list(pending))
    return not pending


async def consistent_order(trials: int, pause_us: int) -> dict:
    finished = sum([await _ordered_trial(pause_us) for _ in range(trials)])
    return {"trials": trials, "finished": finished}


# --- §8 atomics: asyncio has none; code between awaits is the atomic idiom ---------------------

async def atomic_counter(units: int, trials: int, procs: int | None = None) -> dict:
    exact = 0
    for _ in range(trials):
        counter = 0

        async def unit():
            nonlocal counter
            counter += 1  # no await inside, so no other task can interleave

        await asyncio.gather(*(unit() for _ in range(units)))
        exact += counter == units
    return {"trials": trials, "exact_trials": exact,
            "idiom": "plain += between awaits (a task is never pre-empted)"}


async def atomic_cas(units: int) -> dict:
    box, retries = [0], 0

    async def unit():
        nonlocal retries
        old = box[0]
        await asyncio.sleep(0)  # let every other unit in between this load and the CAS
        while not cas(box, old, old + 1):
            retries += 1
            old = box[0]

    await asyncio.gather(*(unit() for _ in range(units)))
    stale = [5]
    return {"cas_loop_exact": box[0] == units,
            "stale_cas_failed": not cas(stale, 4, 6) and stale[0] == 5,
            "cas_retries": retries}


async def atomic_vs_mutex(n: int, procs: int = 2) -> dict:
    async def timed(units: int, locked: bool) -> float:
        lock, counter, per = asyncio.Lock(), 0, n // units

        async def unit():
            nonlocal counter
            if locked:
                for _ in range(per):
                    async with lock:
                        counter += 1
            else:
                for _ in range(per):
                    counter += 1

        t0 = now()
        await asyncio.gather(*(unit() for _ in range(units)))
        return (now() - t0) / (per * units) * 1e9

    m, a = await timed(1, True), await timed(1, False)
    mc, ac = await timed(2, True), await timed(2, False)
    return {"mutex_ns": m, "atomic_ns": a, "mutex_contended_ns": mc, "atomic_contended_ns": ac,
            "ratio_uncontended": m / a, "ratio_contended": mc / ac}


# --- §9 Once -----------------------------------------------------------------------------------

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
        return instance

    seen = await asyncio.wait_for(asyncio.gather(*(caller() for _ in range(callers))), BOUND_S)
    return runs, seen, instance


async def once_runs_once(callers: int, trials: int) -> dict:
    max_init, same = 0, True
    for _ in range(trials):
        runs, seen, instance = await _once_trial(callers, 0)
        max_init = max(max_init, runs)
        same = same and instance is not None and all(s is instance for s in seen)
    return {"trials": trials, "max_init_count": max_init, "all_same_instance": same}


async def once_waits(callers: int, trials: int, init_ms: int) -> dict:
    unset = 0
    for _ in range(trials):
        _, seen, _ = await _once_trial(callers, init_ms)
        unset += sum(s is None for s in seen)
    return {"trials": trials, "unset_observed": unset}


# --- §10 worker pool ---------------------------------------------------------------------------

async def _pool(workers: int, jobs: int, sample_every: int = 0) -> tuple[int, int]:
    """The article's pool: a jobs Queue, a results Queue, one sentinel per worker as close()."""
    job_q: asyncio.Queue[int | None] = asyncio.Queue()
    results: asyncio.Queue[int] = asyncio.Queue()

    async def worker():
        while (job := await job_q.get()) is not None:
            await results.put(job * job)

    pool = [asyncio.create_task(worker()) for _ in range(workers)]
    for j in range(1, jobs + 1):
        job_q.put_nowait(j)
    for _ in range(workers):
        job_q.put_nowait(None)
    total, peak = 0, live() if sample_every else 0
    # bounds the loop without a task of its own (asyncio.timeout, but also on Python 3.10)
    guard = asyncio.get_running_loop().call_later(BOUND_S * 10, asyncio.current_task().cancel)
    try:
        for k in range(jobs):
            total += await results.get()
            if sample_every and k % sample_every == 0:
                peak = max(peak, live())
    except asyncio.CancelledError:
        raise TimeoutError(f"the pool did not deliver {jobs} results within {BOUND_S * 10:.0f} s") from None
    finally:
        guard.cancel()
    await asyncio.wait_for(asyncio.gather(*pool), BOUND_S)
    return total, peak


async def pool_result(workers: int, jobs: int) -> dict:
    total, _ = await _pool(workers, jobs)
    return {"total": total, "expected": jobs * (jobs + 1) * (2 * jobs + 1) // 6}


async def pool_bounded(workers: int, jobs: int) -> dict:
    baseline = live()
    _, peak = await _pool(workers, jobs, sample_every=max(1, jobs // 1000))
    return {"peak_live": peak, "baseline": baseline, "workers": workers}


# --- §11 leaks ---------------------------------------------------------------------------------

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
    return {"baseline": baseline, "after": after, "growth": after - baseline}


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
    await asyncio.wait(held, timeout=BOUND_S)
    return {"baseline": baseline, "during": during, "after_cancel": live()}


async def num_goroutine(k: int) -> dict:
    release = asyncio.Event()
    baseline = live()
    tasks = [asyncio.create_task(release.wait()) for _ in range(k)]
    await asyncio.sleep(0)
    reported = live()
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), BOUND_S)
    return {"reported": reported, "expected": baseline + k}


# --- anecdote: echo server, a task per connection ----------------------------------------------

def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


async def _expect(stream: asyncio.StreamReader, word: str) -> int:
    line = (await asyncio.wait_for(stream.readline(), 150)).decode().strip()
    head, _, value = line.partition(" ")
    if head != word:
        raise RuntimeError(f"echo client said {line!r}, expected '{word} N'")
    return int(value)


async def echo_server(conns: int, rounds: int) -> dict:
    _raise_fd_limit(conns + 256)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while data := await reader.read(4096):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=min(conns, 4096))
    port = server.sockets[0].getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    rss_baseline = rss()
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "suite.echo_client", "--port", str(port), "--conns", str(conns),
        "--rounds", str(rounds), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env=env)
    assert client.stdin and client.stdout
    try:
        held = await _expect(client.stdout, "idle")
        rss_idle, handlers = rss(), live() - 1
        client.stdin.write(b"traffic\n")
        echoed = await _expect(client.stdout, "done")
        rss_traffic = rss()
        client.stdin.write(b"close\n")
        await asyncio.wait_for(client.wait(), BOUND_S)
    finally:
        if client.returncode is None:
            client.kill()
            await client.wait()
        server.close()
        await asyncio.wait_for(server.wait_closed(), BOUND_S)
    return {"conns": held, "rss_baseline": rss_baseline, "rss_idle": rss_idle,
            "rss_traffic": rss_traffic,
            "bytes_per_conn_idle": (rss_idle - rss_baseline) / held,
            "bytes_per_conn_traffic": (rss_traffic - rss_baseline) / held,
            "echoed": echoed, "handler_tasks_idle": handlers}


# --- benchmark-only workloads ------------------------------------------------------------------

def _timed(seconds: float, ops: int, key: str, **extra: Any) -> dict:
    return {"seconds": seconds, "ops": ops, key: seconds / ops * 1e9, **extra}


async def mutex_uncontended(n: int) -> dict:
    lock = asyncio.Lock()
    t0 = now()
    for _ in range(n):
        async with lock:
            pass
    return _timed(now() - t0, n, "ns_per_op")


async def mutex_contended(n: int, units: int, procs: int = 2) -> dict:
    lock, counter, per = asyncio.Lock(), 0, n // units

    async def unit():
        nonlocal counter
        for _ in range(per):
            async with lock:
                counter += 1

    t0 = now()
    await asyncio.gather(*(unit() for _ in range(units)))
    return _timed(now() - t0, per * units, "ns_per_op")


async def atomic_add(n: int) -> dict:
    counter = 0
    t0 = now()
    for _ in range(n):
        counter += 1  # asyncio's atomic add: no await, so nothing interleaves
    return _timed(now() - t0, n, "ns_per_op", total=counter)


async def waitgroup(n: int, procs: int | None = None) -> dict:
    wg = WaitGroup()

    async def unit():
        wg.done()

    t0 = now()
    wg.add(n)
    tasks = [asyncio.create_task(unit()) for _ in range(n)]
    await wg.wait(BOUND_S * 10)
    seconds = now() - t0
    await asyncio.gather(*tasks)
    return _timed(seconds, n, "ns_per_unit")


async def once(n: int) -> dict:
    o = Once()

    async def init():
        pass

    await o.do(init)
    t0 = now()
    for _ in range(n):
        await o.do(init)
    return _timed(now() - t0, n, "ns_per_op")


async def worker_pool(workers: int, jobs: int, procs: int | None = None) -> dict:
    t0 = now()
    total, _ = await _pool(workers, jobs)
    return _timed(now() - t0, jobs, "ns_per_job", total=total)


async def _skynet(num: int, size: int, out: asyncio.Queue[int]) -> None:
    if size == 1:
        await out.put(num)
        return
    children: asyncio.Queue[int] = asyncio.Queue()
    step, rest = divmod(size, 10)
    start = num
    count = 0
    for i in range(10):
        sz = step + (i < rest)
        if sz:
            asyncio.create_task(_skynet(start, sz, children))  # the Queue chain keeps it alive
            start += sz
            count += 1
    total = 0
    for _ in range(count):
        total += await children.get()
    await out.put(total)


async def skynet(leaves: int, procs: int | None = None) -> dict:
    out: asyncio.Queue[int] = asyncio.Queue()
    t0 = now()
    root = asyncio.create_task(_skynet(0, leaves, out))
    total = await asyncio.wait_for(out.get(), BOUND_S * 10)
    seconds = now() - t0
    await root
    return _timed(seconds, leaves, "ns_per_leaf", total=total, ms=seconds * 1e3)


# --- the backend object ------------------------------------------------------------------------

SCENARIOS: dict[str, Callable[..., Any]] = {f.__name__: f for f in [
    parked, spawn_empty_wait, stack_growth, stack_overflow, spawn, pingpong_yield,
    pingpong_chan, thread_ids, work_stealing, syscall_handoff, gomaxprocs, parallel_speedup,
    go_returns, completion_order, loopvar_capture, wg_waits_all, wg_add_before, wg_add_inside,
    wg_negative, racy_counter, race_detector, race_overhead, mutex_counter,
    mutex_unlock_on_panic, mutex_unlock_unlocked, rw_readers_share, rw_writer_exclusive,
    rw_vs_mutex, lock_order_inversion, consistent_order, atomic_counter, atomic_cas,
    atomic_vs_mutex, once_runs_once, once_waits, pool_result, pool_bounded, leak_blocked_sender,
    leak_context_cancel, num_goroutine, echo_server, mutex_uncontended, mutex_contended,
    atomic_add, waitgroup, once, worker_pool, skynet]}


# Observed with `python -m suite run --backends asyncio,threading` on this 2-core machine
# (CPython 3.11.7); the figures are from those runs. A claim not listed holds.
EXPECTATIONS: dict[str, Expect] = {
    "stack.thread-size": refuted(
        "an asyncio task reserves no stack: VmSize grows ~1.0 KB per parked task (n=1000), "
        "RSS ~1.1 KB; the coroutine frame lives on the heap"),
    "spawn.cost-ns": refuted(
        "create_task + run + complete costs microseconds, not nanoseconds: 4.5-7.5 µs per "
        "task at n=100k on a quiet machine, ~20 µs under load"),
    "switch.user-space": refuted(
        "no kernel context switch (nvcsw 0 per switch), but an asyncio.sleep(0) hand-off costs "
        "~1.3 µs quiet (3-4 µs under load), over the 1,000 ns bound: each is a turn of the "
        "event loop, with one epoll_wait(0) syscall per two switches (strace)"),
    "switch.thread-kernel": refuted(
        "tasks switch inside one OS thread: 0 voluntary kernel context switches per switch"),
    "scale.thread-thousands": refuted(
        "no OS resource per task: 100k parked tasks reached without error (~1.2 KB RSS each)"),
    "memory.100k-threads": refuted(
        "a task reserves ~1 KB of virtual memory, so 100k take ~0.1 GiB, not hundreds of GB"),
    "sched.work-stealing": refuted(
        "one event loop on one OS thread: 10k CPU-bound tasks all ran on 1 thread; there is "
        "no second queue to steal from"),
    "sched.syscall-handoff": refuted(
        "a blocking os.read() in a task blocks the whole loop: the counting task made 0 "
        "progress and the watchdog had to write after 5 x 200 ms (with "
        "loop.run_in_executor the read blocks a pool thread instead and the counter runs on)"),
    "sched.gomaxprocs-default": na("asyncio has no GOMAXPROCS: one loop runs on one OS thread"),
    "sched.gomaxprocs-limits": refuted(
        "no parallelism to bound: two CPU-bound tasks run one after the other even when "
        "gathered (speedup 0.71-1.14 over four noisy runs, i.e. ~1)"),
    "go.order-nondeterministic": refuted(
        "asyncio's ready queue is FIFO: 3 tasks finished in order 0,1,2 in 200/200 runs"),
    "race.lost-updates": refuted(
        "`counter += 1` holds no await, so no task can interleave with it: 0/1000 trials lost "
        "an update (1000 tasks x 1) and 0/20 (x 1000); with an await between load and store "
        "(value = counter; await sleep(0); counter = value + 1) every trial ends at 1"),
    "race.detector-finds": na(_NO_RACE_DETECTOR),
    "race.detector-overhead": na(_NO_RACE_DETECTOR + ", so there is no race build to time"),
    "rwmutex.read-heavy-faster": refuted(
        "on one thread readers never run at once, and an RWLock over asyncio.Condition costs "
        "more per section: RWLock/Lock throughput 0.23-0.26 at 95% reads"),
}


class AsyncioBackend:
    name = "asyncio"
    kind = "coroutine"
    expectations = EXPECTATIONS

    def available(self) -> bool | str:
        return True

    def version(self) -> str:
        return f"asyncio (CPython {platform.python_version()})"

    def run(self, scenario: str, **params: Any) -> dict[str, Any]:
        fn = SCENARIOS.get(scenario)
        if fn is None:
            raise NotApplicable(f"asyncio backend has no scenario {scenario!r}; it has: "
                                f"{', '.join(SCENARIOS)}")
        if asyncio.iscoroutinefunction(fn):
            return asyncio.run(fn(**params))
        return fn(**params)


backend = AsyncioBackend()
