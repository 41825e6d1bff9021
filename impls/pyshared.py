"""Scenario bodies that read the same under threading and gevent, written once over primitives.

gevent runs CPython's own threading lock tests against its primitives by handing the test class
its lock type; this module does the same for the scenarios. A backend subclasses `Scenarios`
and sets the few primitives that differ — how to start a unit and join it, its mutex, Event,
WaitGroup, sleep, worker pool, live-unit count — and keeps in its own module only the scenarios
whose bodies genuinely differ (where a thread and a greenlet need different code, or where a
timed loop must call the library directly). Nothing here imports gevent: the threading backend
never loads it.

A scenario here is the article's snippet with `self.` in front of the primitive: `self.go(f)`
is `go f()`, `self.Lock()` a sync.Mutex, `self.WaitGroup()` a sync.WaitGroup.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from impls import pyutil
from impls.pycommon import (
    NO_RACE_DETECTOR,
    WAIT_S,
    Once,
    PyBackend,
    RWLock,
    burn,
    calibrate,
    loopvar_variant,
    order_summary,
    per_op_ns,
    timed,
)
from suite.backend import NotApplicable

now = pyutil.now


def collect(results: Any, jobs: int, sample: Callable[[], None] | None) -> int:
    """The worker pool's consumer: the sum of `jobs` results, calling `sample` every 500."""
    total = 0
    for k in range(jobs):
        total += results.get(timeout=WAIT_S)
        if sample and k % 500 == 0:
            sample()
    return total


class Scenarios(PyBackend):
    """The shared scenario bodies; a subclass sets the primitives below (as staticmethods where
    they are plain functions, so that `self.go(f)` calls the library's own function)."""

    # ---- the primitives a backend supplies ----------------------------------------------
    go: Callable[..., Any]  # go(f, *args): start f(*args) as a new unit; returns its handle
    join_or_fail: Callable[..., None]  # (units, what, timeout=WAIT_S): join all or raise
    Lock: Callable[[], Any]  # a mutex another unit may release (acquire(timeout=), with)
    Event: Callable[[], Any]  # set / is_set / wait(timeout)
    WaitGroup: Callable[[], Any]  # add / done / wait(); add raises ValueError below zero
    sleep: Callable[[float], None]  # sleep(0) is the unit's yield
    pool: Callable[..., int]  # the §10 worker pool: pool(workers, jobs, sample=None) -> total
    live: Callable[[], int]  # live units right now (the runtime.NumGoroutine stand-in)
    live_count = "?"  # how `live` counts, for the report
    spawn_args = "?"  # how the library passes arguments to a new unit, for loopvar_capture
    no_stealing = "?"  # why there is no work stealing, for work_stealing

    def warm_up(self) -> None:
        """Start whatever the runtime starts lazily, before a measurement begins."""

    def idle_neighbours(self) -> list[Any]:
        """Units started to idle beside stack_growth's deep recursion."""
        return []

    # ---- §1 memory, stacks, spawn, switch ------------------------------------------------

    def sc_spawn_empty_wait(self, n: int) -> dict[str, Any]:
        wg = self.WaitGroup()
        for _ in range(n):
            wg.add(1)
            self.go(wg.done)
        wg.wait()
        return {"n": n, "heap_bytes": None, "rss_bytes": pyutil.rss()}

    def sc_stack_growth(self, depth_kib: int) -> dict[str, Any]:
        reached = 0

        def recurse(kib: int) -> None:
            nonlocal reached
            buf = bytearray(1024)  # the frame's 1 KiB local (Python keeps it on the heap)
            buf[-1] = 1
            reached = max(reached, (depth_kib - kib + 1) * len(buf))
            if kib > 1:
                recurse(kib - 1)

        out: dict[str, Any] = {"ok": False, "error": None}

        def unit() -> None:
            try:
                recurse(depth_kib)
                out["ok"] = True
            except RecursionError as e:
                out["error"] = f"RecursionError: {e}"

        idle = self.idle_neighbours()
        self.join_or_fail([self.go(unit), *idle], "stack_growth")
        return {**out, "recursed_bytes": reached, "recursion_limit": sys.getrecursionlimit()}

    def sc_spawn(self, n: int, procs: int | None) -> dict[str, Any]:
        def empty() -> None:
            pass

        go = self.go
        self.warm_up()
        t0 = now()
        units = [go(empty) for _ in range(n)]
        self.join_or_fail(units, "spawn")
        seconds = now() - t0
        return timed(seconds, n, ns_per_spawn=per_op_ns(seconds, n))

    def timed_pingpong(self, echo: Callable[[], None], serve: Callable[[], None], msgs: int,
                       channel: str) -> dict[str, Any]:
        """pingpong_chan around a backend's own two loops (each library's blocking get is
        written as its user writes it, called straight from the loop): `echo` runs as a unit
        while `serve`, the side that pings, is timed here with the context switches."""
        unit = self.go(echo)
        c0 = pyutil.nvcsw()
        t0 = now()
        serve()
        seconds = now() - t0
        csw = pyutil.nvcsw() - c0
        self.join_or_fail([unit], "pingpong_chan")
        return timed(seconds, msgs, ns_per_message=per_op_ns(seconds, msgs),
                     nvcsw_per_message=csw / msgs, channel=channel)

    # ---- §2 scheduling ------------------------------------------------------------------

    def sc_work_stealing(self, n: int, procs: int) -> dict[str, Any]:
        iters = calibrate(0.020)  # ~20 µs of arithmetic
        tids: list[int] = []

        def unit() -> None:
            tids.append(pyutil.gettid())
            burn(iters)

        def spawner() -> None:
            self.join_or_fail([self.go(unit) for _ in range(n)], "work_stealing units")

        self.join_or_fail([self.go(spawner)], "work_stealing")
        return {"units": n, "distinct_threads": len(set(tids)), "steals": None,
                "note": self.no_stealing}

    def sc_gomaxprocs(self) -> dict[str, Any]:
        return {"gomaxprocs": None, "cpu_count": pyutil.cpu_count()}

    def sc_parallel_speedup(self, work_ms: int) -> dict[str, Any]:
        iters = calibrate(work_ms)  # a fixed amount of work, so that the GIL can show
        go = self.go

        def one_after_the_other() -> None:  # "P=1"
            for _ in range(2):
                self.join_or_fail([go(burn, iters)], "parallel_speedup")

        def concurrently() -> None:  # "P=2"
            self.join_or_fail([go(burn, iters), go(burn, iters)], "parallel_speedup")

        def best_of_3(f: Callable[[], None]) -> float:  # the machine is shared: keep the least
            times = []                                 # disturbed of three runs
            for _ in range(3):
                t0 = now()
                f()
                times.append(now() - t0)
            return min(times)

        p1, p2 = best_of_3(one_after_the_other), best_of_3(concurrently)
        return {"seconds_p1": p1, "seconds_p2": p2, "speedup": p1 / p2}

    # ---- §3 basics ----------------------------------------------------------------------

    def sc_go_returns(self, trials: int) -> dict[str, Any]:
        forever = self.Event()  # set only to clean up once the trials are done
        returned = spawner_first = 0
        units = []
        for _ in range(trials):
            started = self.Event()

            def child(started: Any = started) -> None:
                started.set()
                forever.wait(timeout=WAIT_S)

            units.append(self.go(child))
            returned += 1
            spawner_first += not started.is_set()
        forever.set()
        self.join_or_fail(units, "go_returns")
        return {"spawn_returned": returned == trials, "spawner_first": spawner_first,
                "trials": trials}

    def sc_completion_order(self, trials: int, procs: int) -> dict[str, Any]:
        def trial() -> str:
            order: list[int] = []
            lock = self.Lock()

            def unit(i: int) -> None:
                with lock:
                    order.append(i)

            self.join_or_fail([self.go(unit, i) for i in range(3)], "completion_order")
            return "".join(map(str, order))

        return order_summary([trial() for _ in range(trials)])

    def sc_loopvar_capture(self, n: int, trials: int) -> dict[str, Any]:
        go = self.go

        def runs(spawn_all: Callable[[list[int]], list[Any]]) -> list[list[int]]:
            out = []
            for _ in range(trials):
                seen: list[int] = []
                self.join_or_fail(spawn_all(seen), "loopvar_capture")
                out.append(seen)
            return out

        def late_binding(seen: list[int]) -> list[Any]:
            return [go(lambda: seen.append(i)) for i in range(n)]  # noqa: B023 (the point)

        def default_arg(seen: list[int]) -> list[Any]:
            return [go(lambda i=i: seen.append(i)) for i in range(n)]

        def spawn_args(seen: list[int]) -> list[Any]:
            return [go(seen.append, i) for i in range(n)]

        return {"variants": {
            "closure (late binding)": loopvar_variant("shared", runs(late_binding)),
            "default argument i=i": loopvar_variant("per-iteration", runs(default_arg)),
            self.spawn_args: loopvar_variant("per-iteration", runs(spawn_args))}}

    # ---- §4 WaitGroup -------------------------------------------------------------------

    def _wg_trials(self, n: int, trials: int) -> int:
        """Trials in which Wait returned while a worker had not set its done flag."""
        def trial() -> bool:
            wg = self.WaitGroup()
            done = [False] * n

            def worker(i: int) -> None:
                done[i] = True
                wg.done()

            for i in range(n):
                wg.add(1)
                self.go(worker, i)
            wg.wait()
            return all(done)

        return sum(not trial() for _ in range(trials))

    def sc_wg_waits_all(self, n: int, trials: int) -> dict[str, Any]:
        return {"trials": trials, "violations": self._wg_trials(n, trials)}

    def sc_wg_add_before(self, n: int, trials: int) -> dict[str, Any]:
        return {"trials": trials, "early_returns": self._wg_trials(n, trials)}

    def sc_wg_add_inside(self, n: int, trials: int) -> dict[str, Any]:
        def trial() -> tuple[bool, list[str]]:
            """(Wait returned early, misuse errors raised)"""
            wg = self.WaitGroup()
            done = [False] * n
            misuse: list[str] = []

            def worker(i: int) -> None:
                try:
                    # too late: the spawner may already be in Wait (a greenlet's always is:
                    # gevent runs nothing spawned until the spawner blocks)
                    wg.add(1)
                    done[i] = True
                    wg.done()
                except ValueError as e:
                    misuse.append(str(e))

            units = [self.go(worker, i) for i in range(n)]
            wg.wait()
            early = not all(done)
            self.join_or_fail(units, "wg_add_inside")
            return early, misuse

        results = [trial() for _ in range(trials)]
        errors = [m[0] for _, m in results if m]
        return {"trials": trials, "early_returns": sum(e for e, _ in results),
                "errors": len(errors), "first_error": errors[0] if errors else None}

    def sc_wg_negative(self) -> dict[str, Any]:
        try:
            self.WaitGroup().done()
        except ValueError as e:
            return {"raised": True, "error": str(e)}
        return {"raised": False, "error": None}

    # ---- §5 races -----------------------------------------------------------------------

    def sc_race_detector(self) -> dict[str, Any]:
        raise NotApplicable(NO_RACE_DETECTOR)

    def sc_race_overhead(self, units: int, increments: int) -> dict[str, Any]:
        raise NotApplicable(NO_RACE_DETECTOR)

    # ---- §6 Mutex / RWMutex -------------------------------------------------------------

    def sc_mutex_counter(self, units: int, increments: int, trials: int,
                         procs: int | None) -> dict[str, Any]:
        def trial() -> int:
            counter = 0
            lock = self.Lock()

            def unit() -> None:
                nonlocal counter
                for _ in range(increments):
                    with lock:
                        counter += 1

            self.join_or_fail([self.go(unit) for _ in range(units)], "mutex_counter")
            return counter

        exact = sum(trial() == units * increments for _ in range(trials))
        return {"trials": trials, "exact_trials": exact}

    def sc_mutex_unlock_on_panic(self) -> dict[str, Any]:
        lock = self.Lock()
        out = {"panicked": False, "recovered": False, "lock_free_after": False}

        def section() -> None:
            try:
                with lock:  # the with-statement is Python's `defer mu.Unlock()`
                    out["panicked"] = True
                    raise RuntimeError("panic inside the critical section")
            except RuntimeError:
                out["recovered"] = True

        def other() -> None:
            if lock.acquire(timeout=1.0):
                out["lock_free_after"] = True
                lock.release()

        self.join_or_fail([self.go(section)], "mutex_unlock_on_panic")
        self.join_or_fail([self.go(other)], "mutex_unlock_on_panic")
        return out

    def sc_rw_writer_exclusive(self, ops: int, procs: int) -> dict[str, Any]:
        rw = RWLock(self.Lock)
        units = 4
        inside = [0] * units  # each unit flags only its own slot: no shared counter to race on
        violations = 0
        pause = self.sleep

        def unit(me: int, count: int) -> None:
            nonlocal violations
            for k in range(count):
                if k % 4 == 0:  # every fourth operation writes
                    rw.lock()
                    inside[me] = 1
                    pause(0)  # yield inside the section (a thread drops the GIL): let others in
                    if sum(inside) != 1:
                        violations += 1
                    inside[me] = 0
                    rw.unlock()
                else:
                    rw.rlock()
                    inside[me] = 1
                    pause(0)
                    inside[me] = 0
                    rw.runlock()

        per = ops // units
        self.join_or_fail([self.go(unit, u, per + (u < ops % units)) for u in range(units)],
                          "rw_writer_exclusive")
        return {"ops": ops, "violations": violations}

    def sc_rw_vs_mutex(self, n: int, read_pct: int, procs: int) -> dict[str, Any]:
        workers = 4
        data = list(range(64))

        def read_section(k: int) -> int:  # ~1 µs over the shared array
            return sum(data[k % 32: k % 32 + 32])

        def workload(rlock: Callable[[], Any], runlock: Callable[[], Any],
                     lock: Callable[[], Any], unlock: Callable[[], Any]) -> float:
            def worker(count: int) -> None:
                for k in range(count):
                    if k % 100 < read_pct:
                        rlock()
                        read_section(k)
                        runlock()
                    else:
                        lock()
                        data[k % 64] = k
                        unlock()

            t0 = now()
            self.join_or_fail([self.go(worker, n // workers + (w < n % workers))
                               for w in range(workers)], "rw_vs_mutex")
            return now() - t0

        rw = RWLock(self.Lock)
        rw_s = workload(rw.rlock, rw.runlock, rw.lock, rw.unlock)
        m = self.Lock()
        mutex_s = workload(m.acquire, m.release, m.acquire, m.release)
        return timed(rw_s, n, rw_seconds=rw_s, mutex_seconds=mutex_s, ratio=mutex_s / rw_s,
                     workers=workers)

    # ---- §9 Once ------------------------------------------------------------------------

    def _once_trial(self, callers: int, init_ms: int) -> tuple[int, bool, int]:
        """(init runs, every caller got the one instance, callers that saw none after Do)."""
        once = Once(self.Lock)
        gate = self.Event()
        runs = 0
        instance = None
        seen: list[object] = []

        def init() -> None:
            nonlocal runs, instance
            runs += 1
            if init_ms:
                self.sleep(init_ms / 1e3)  # a slow initialisation: the other callers get to run
            instance = object()

        def caller() -> None:
            gate.wait(timeout=WAIT_S)  # all callers released at once
            once.do(init)
            seen.append(instance)

        units = [self.go(caller) for _ in range(callers)]
        gate.set()
        self.join_or_fail(units, "once")
        same = len(seen) == callers and all(s is instance for s in seen)
        return runs, same, sum(s is None for s in seen)

    def sc_once_runs_once(self, callers: int, trials: int) -> dict[str, Any]:
        results = [self._once_trial(callers, 0) for _ in range(trials)]
        return {"trials": trials, "max_init_count": max(r[0] for r in results),
                "all_same_instance": all(r[1] for r in results)}

    def sc_once_waits(self, callers: int, trials: int, init_ms: int) -> dict[str, Any]:
        results = [self._once_trial(callers, init_ms) for _ in range(trials)]
        return {"trials": trials, "unset_observed": sum(r[2] for r in results)}

    # ---- §10 worker pool ----------------------------------------------------------------

    def sc_pool_result(self, workers: int, jobs: int) -> dict[str, Any]:
        return {"total": self.pool(workers, jobs),
                "expected": sum(j * j for j in range(1, jobs + 1))}

    def sc_pool_bounded(self, workers: int, jobs: int) -> dict[str, Any]:
        self.warm_up()
        baseline = self.live()
        peak = baseline

        def sample() -> None:
            nonlocal peak
            peak = max(peak, self.live())

        self.pool(workers, jobs, sample)
        return {"peak_live": peak, "baseline": baseline, "workers": workers,
                "live_count": self.live_count}

    # ---- benchmark-only workloads -------------------------------------------------------

    def sc_mutex_uncontended(self, n: int) -> dict[str, Any]:
        lock = self.Lock()
        t0 = now()
        for _ in range(n):
            lock.acquire()
            lock.release()
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n))

    def sc_mutex_contended(self, n: int, units: int, procs: int) -> dict[str, Any]:
        lock = self.Lock()
        counter = 0
        each = n // units

        def unit() -> None:
            nonlocal counter
            for _ in range(each):
                with lock:
                    counter += 1

        t0 = now()
        self.join_or_fail([self.go(unit) for _ in range(units)], "mutex_contended")
        seconds = now() - t0
        return timed(seconds, each * units, ns_per_op=per_op_ns(seconds, each * units))

    def sc_waitgroup(self, n: int, procs: int | None) -> dict[str, Any]:
        wg = self.WaitGroup()
        go = self.go
        self.warm_up()
        t0 = now()
        wg.add(n)
        for _ in range(n):
            go(wg.done)
        wg.wait()
        seconds = now() - t0
        return timed(seconds, n, ns_per_unit=per_op_ns(seconds, n))

    def sc_once(self, n: int) -> dict[str, Any]:
        once = Once(self.Lock)
        once.do(lambda: None)
        t0 = now()
        for _ in range(n):
            once.do(lambda: None)
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n))

    def sc_worker_pool(self, workers: int, jobs: int, procs: int | None) -> dict[str, Any]:
        t0 = now()
        total = self.pool(workers, jobs)
        seconds = now() - t0
        return timed(seconds, jobs, ns_per_job=per_op_ns(seconds, jobs), total=total)
