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

import gc
import os
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
from suite import plan
from suite.backend import NotApplicable
from suite.plan import MASK, READ, hexd, term, total

now = pyutil.now

_greeting_fd: int | None = None


def greeting_fd() -> int:
    """/dev/null, opened once per process, for completion_order's real write(2)s."""
    global _greeting_fd
    if _greeting_fd is None:
        _greeting_fd = os.open(os.devnull, os.O_WRONLY)
    return _greeting_fd


def collect(results: Any, jobs: int, sample: Callable[[], None] | None = None, every: int = 1,
            seed: int | None = None) -> tuple[int, int]:
    """The worker pool's consumer: (sum of `jobs` results, plan digest). It calls `sample` after
    every `every` results; with a seed it adds term(seed, 0, 0, result) per result (plan.py)."""
    acc = digest = 0
    for k in range(1, jobs + 1):
        r = results.get(timeout=WAIT_S)
        acc += r
        if seed is not None:
            digest = (digest + term(seed, 0, 0, r)) & MASK
        if sample and k % every == 0:
            sample()
    return acc, digest


class Scenarios(PyBackend):
    """The shared scenario bodies; a subclass sets the primitives below (as staticmethods where
    they are plain functions, so that `self.go(f)` calls the library's own function)."""

    # ---- the primitives a backend supplies ----------------------------------------------
    go: Callable[..., Any]  # go(f, *args): start f(*args) as a new unit; returns its handle
    join_or_fail: Callable[..., None]  # (units, what, timeout=WAIT_S): join all or raise
    Lock: Callable[[], Any]  # a mutex another unit may release (acquire(timeout=), with)
    Semaphore: Callable[[int], Any]  # a counting semaphore (acquire(timeout=), release)
    Event: Callable[[], Any]  # set / is_set / wait(timeout)
    WaitGroup: Callable[[], Any]  # add / done / wait(); add raises ValueError below zero
    sleep: Callable[[float], None]  # sleep(0) is the unit's yield
    pool: Callable[..., tuple[int, int]]  # the §10 pool: pool(workers, jobs, sample, every,
    #                                       seed) -> (total, plan digest), see collect()
    live: Callable[[], int]  # live units right now (the runtime.NumGoroutine stand-in)
    live_count = "?"  # how `live` counts, for the report
    spawn_args = "?"  # how the library passes arguments to a new unit, for loopvar_capture
    no_stealing = "?"  # why there is no work stealing, for work_stealing
    rwmutex_substitution = "?"  # what stands in for sync.RWMutex, for `substitutions`

    def warm_up(self) -> None:
        """Start whatever the runtime starts lazily, before a measurement begins."""

    def RWLock(self) -> RWLock:  # noqa: N802 (a type, like the other primitives)
        return RWLock(self.Lock, self.Semaphore)

    def park(self, count: int) -> tuple[list[Any], Any]:
        """Start `count` units that block on an Event until it is set; returns once every one
        has reported it is about to block: (units, the Event)."""
        release, parked = self.Event(), self.WaitGroup()
        parked.add(count)

        def idle() -> None:
            parked.done()
            release.wait(timeout=WAIT_S)

        units = [self.go(idle) for _ in range(count)]
        parked.wait()
        return units, release

    def gated(self, bodies: list[Callable[[], None]], what: str) -> tuple[float, int]:
        """Start each body as a unit parked on a gate; once all have reported, open the gate and
        time until all have finished: (seconds, voluntary context switches meanwhile)."""
        gate, ready = self.Event(), self.WaitGroup()
        ready.add(len(bodies))

        def unit(body: Callable[[], None]) -> None:
            ready.done()
            gate.wait(timeout=WAIT_S)
            body()

        units = [self.go(unit, b) for b in bodies]
        ready.wait()
        c0 = pyutil.nvcsw()
        t0 = now()
        gate.set()
        self.join_or_fail(units, what)
        seconds = now() - t0
        return seconds, pyutil.nvcsw() - c0

    # ---- §1 memory, stacks, spawn, switch ------------------------------------------------

    def sc_spawn_empty_wait(self, n: int, seed: int) -> dict[str, Any]:
        wg = self.WaitGroup()
        gc.collect()
        rss0 = pyutil.rss()
        for _ in range(n):
            wg.add(1)
            self.go(wg.done)
        wg.wait()
        rss1 = pyutil.rss()
        return {"n": n, "rss_before": rss0, "rss_after": rss1, "rss_delta": rss1 - rss0,
                "runtime_heap_bytes": None, "plan_digest": plan.seq_digest(seed, n)}

    def sc_stack_growth(self, depth_kib: int, idle: int) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error": None, "frames": 0, "rss_deep": None}

        def recurse(kib: int) -> int:
            buf = bytearray(1024)  # the frame's 1 KiB local (Python keeps it on the heap)
            buf[-1] = 1
            out["frames"] += 1
            if kib > 1:
                recurse(kib - 1)
            else:
                out["rss_deep"] = pyutil.rss()  # in the deepest frame, buffers all alive
            return buf[-1]

        def unit() -> None:
            out["rss_before"] = pyutil.rss()
            try:
                recurse(depth_kib)
                out["ok"] = True
            except RecursionError as e:
                out["error"] = f"RecursionError: {e}"
                out["rss_deep"] = pyutil.rss()  # unwound by now: read as soon as possible

        idlers, release = self.park(idle)
        try:
            self.join_or_fail([self.go(unit)], "stack_growth")
        finally:
            release.set()
        self.join_or_fail(idlers, "stack_growth idle units")
        return {"ok": out["ok"], "error": out["error"], "recursed_bytes": out["frames"] * 1024,
                "rss_growth": out["rss_deep"] - out["rss_before"],
                "recursion_limit": sys.getrecursionlimit()}

    def sc_spawn(self, n: int, procs: int | None, warmup_units: int, seed: int) -> dict[str, Any]:
        go, WaitGroup = self.go, self.WaitGroup

        def spawn_all(count: int) -> None:
            wg = WaitGroup()
            for _ in range(count):
                wg.add(1)
                go(wg.done)  # go func() { wg.Done() }()
            wg.wait()

        self.warm_up()
        spawn_all(warmup_units)
        t0 = now()
        spawn_all(n)
        seconds = now() - t0
        return timed(seconds, n, ns_per_spawn=per_op_ns(seconds, n),
                     plan_digest=plan.seq_digest(seed, n))

    # ---- §2 scheduling ------------------------------------------------------------------

    def sc_work_stealing(self, n: int, procs: int, wave: int, work_us: int) -> dict[str, Any]:
        iters = calibrate(work_us / 1e3)
        tids: list[int] = []

        def unit(wg: Any) -> None:
            tids.append(pyutil.gettid())
            burn(iters)
            wg.done()

        def spawner() -> None:
            for first in range(0, n, wave):
                wg = self.WaitGroup()
                for _ in range(min(wave, n - first)):
                    wg.add(1)
                    self.go(unit, wg)
                wg.wait()

        self.join_or_fail([self.go(spawner)], "work_stealing")
        return {"units": len(tids), "distinct_threads": len(set(tids)), "steals": None,
                "note": self.no_stealing}

    def sc_gomaxprocs(self) -> dict[str, Any]:
        return {"gomaxprocs": None, "cpu_count": pyutil.cpu_count()}

    def sc_parallel_speedup(self, work_ms: int, procs: int) -> dict[str, Any]:
        iters = calibrate(work_ms)  # a fixed amount of work, so that the GIL can show
        go = self.go
        t0 = now()
        if procs == 1:  # no GOMAXPROCS knob: "one processor" runs them one after the other
            for _ in range(2):
                self.join_or_fail([go(burn, iters)], "parallel_speedup")
        else:
            self.join_or_fail([go(burn, iters), go(burn, iters)], "parallel_speedup")
        seconds = now() - t0
        return {"seconds": seconds, "mode": "sequential" if procs == 1 else "concurrent"}

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

    def sc_completion_order(self, trials: int, procs: int, seed: int) -> dict[str, Any]:
        fd = greeting_fd()

        def trial() -> list[int]:
            order: list[int] = []
            lock = self.Lock()

            def unit(i: int) -> None:
                os.write(fd, b"Hello from unit %d\n" % i)  # the article's sayHello, a write(2)
                with lock:
                    order.append(i)

            self.join_or_fail([self.go(unit, i) for i in range(3)], "completion_order")
            return order

        orders = [trial() for _ in range(trials)]
        digest = total(term(seed, t, u, 1) for t, order in enumerate(orders) for u in order)
        return {**order_summary(["".join(map(str, o)) for o in orders]), "plan_digest": digest}

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

    def _wg_trials(self, n: int, trials: int, seed: int) -> tuple[int, str]:
        """(trials in which Wait returned while a worker had not set its done flag, plan digest:
        term(seed, t, w, 1) per flag found set right after Wait)."""
        digest = 0

        def trial(t: int) -> bool:
            nonlocal digest
            wg = self.WaitGroup()
            done = [False] * n

            def worker(i: int) -> None:
                done[i] = True
                wg.done()

            for i in range(n):
                wg.add(1)
                self.go(worker, i)
            wg.wait()
            seen = list(done)  # right after Wait
            digest = (digest + sum(term(seed, t, w, 1) for w in range(n) if seen[w])) & MASK
            return all(seen)

        bad = sum(not trial(t) for t in range(trials))
        return bad, hexd(digest)

    def sc_wg_waits_all(self, n: int, trials: int, seed: int) -> dict[str, Any]:
        bad, digest = self._wg_trials(n, trials, seed)
        return {"trials": trials, "violations": bad, "plan_digest": digest}

    def sc_wg_add_before(self, n: int, trials: int, seed: int) -> dict[str, Any]:
        bad, digest = self._wg_trials(n, trials, seed)
        return {"trials": trials, "early_returns": bad, "plan_digest": digest}

    def sc_wg_add_inside(self, n: int, trials: int, seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[bool, list[str], int]:
            """(Wait returned early, misuse errors raised, digest of the finished workers)"""
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
            wg.wait()  # right after spawning, by the spawner
            early = not all(done)
            self.join_or_fail(units, "wg_add_inside")
            # counted once every worker has finished, not at Wait's return
            return early, misuse, sum(term(seed, t, w, 1) for w in range(n) if done[w])

        results = [trial(t) for t in range(trials)]
        errors = [m[0] for _, m, _ in results if m]
        return {"trials": trials, "early_returns": sum(e for e, _, _ in results),
                "errors": len(errors), "first_error": errors[0] if errors else None,
                "plan_digest": total(d for _, _, d in results)}

    def sc_wg_negative(self) -> dict[str, Any]:
        try:
            self.WaitGroup().done()
        except ValueError as e:
            return {"raised": True, "error": str(e)}
        return {"raised": False, "error": None}

    # ---- §5 races -----------------------------------------------------------------------

    def sc_race_detector(self) -> dict[str, Any]:
        raise NotApplicable(NO_RACE_DETECTOR)

    def sc_race_overhead(self, units: int, increments: int, race: int) -> dict[str, Any]:
        raise NotApplicable(NO_RACE_DETECTOR)

    # ---- §6 Mutex / RWMutex -------------------------------------------------------------

    def sc_mutex_counter(self, units: int, increments: int, trials: int, procs: int | None,
                         seed: int) -> dict[str, Any]:
        plan_acc = state_acc = 0

        def trial(t: int) -> int:
            nonlocal plan_acc
            counter = 0
            lock = self.Lock()

            def unit(u: int) -> None:
                nonlocal counter, plan_acc
                for _ in range(increments):
                    with lock:
                        counter += 1
                mine = term(seed, t, u, increments)  # this unit's share, once it is done
                with lock:
                    plan_acc = (plan_acc + mine) & MASK

            self.join_or_fail([self.go(unit, u) for u in range(units)], "mutex_counter")
            return counter

        finals = [trial(t) for t in range(trials)]
        for t, final in enumerate(finals):
            state_acc = (state_acc + term(seed, t, units, final)) & MASK
        exact = sum(final == units * increments for final in finals)
        return {"trials": trials, "exact_trials": exact, "plan_digest": hexd(plan_acc),
                "state_digest": hexd(state_acc)}

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

    def sc_rw_writer_exclusive(self, ops: int, procs: int, workers: int, write_pct: int,
                               slots: int, yield_every: int, seed: int,
                               trace: int) -> dict[str, Any]:
        each = plan.ops_each(ops, workers)
        plans = [plan.plan_ops(plan.writer_op, seed, w, each, write_pct, slots)
                 for w in range(workers)]
        rw = self.RWLock()
        counts = [0] * slots
        # each worker flags only its own slots: no shared counter for the threads to race on
        reading, writing = [0] * workers, [0] * workers
        violations = [0] * workers
        pause = self.sleep

        def worker(me: int) -> None:
            bad = 0
            for i, (kind, slot) in enumerate(plans[me]):
                if kind == READ:
                    rw.rlock()
                    reading[me] = 1
                    bad += any(writing)  # no writer may be inside
                    reading[me] = 0
                    rw.runlock()
                else:
                    rw.lock()
                    writing[me] = 1
                    bad += any(reading) or sum(writing) != 1  # no reader, no other writer
                    pause(0)  # yield inside the section: let the others try to get in
                    bad += any(reading) or sum(writing) != 1
                    counts[slot] += 1
                    writing[me] = 0
                    rw.unlock()
                if i % yield_every == yield_every - 1:
                    pause(0)
            violations[me] = bad

        self.join_or_fail([self.go(worker, w) for w in range(workers)], "rw_writer_exclusive")
        out = {"ops": each * workers, "violations": sum(violations),
               "plan_digest": total(term(seed, w, i, kind << 32 | slot)
                                    for w, ops_w in enumerate(plans)
                                    for i, (kind, slot) in enumerate(ops_w)),
               "state_digest": plan.table_digest(seed, counts), "workers": workers,
               "substitutions": [self.rwmutex_substitution]}
        if trace:
            out["trace"] = [plan.trace_of(ops_w, trace) for ops_w in plans]
        return out

    def sc_rw_vs_mutex(self, n: int, read_pct: int, procs: int, rw: int, workers: int,
                       table: int, chain: int, warmup: int, seed: int,
                       trace: int) -> dict[str, Any]:
        each = plan.ops_each(n, workers)
        plans = [plan.plan_ops(plan.rw_op, seed, w, each, read_pct, table)
                 for w in range(workers)]  # built before anything is timed
        read_section = plan.read_section

        def run() -> tuple[float, list[int]]:
            data = list(range(table))  # reset before each run
            if rw:
                lock = self.RWLock()
                rlock, runlock, wlock, wunlock = lock.rlock, lock.runlock, lock.lock, lock.unlock
            else:  # one Mutex: readers take it too
                m = self.Lock()
                rlock = wlock = m.acquire
                runlock = wunlock = m.release

            def worker(ops: list[tuple[int, int]]) -> None:
                for kind, key in ops:
                    if kind == READ:
                        rlock()
                        read_section(data, key, chain)
                        runlock()
                    else:
                        wlock()
                        data[key] += 1
                        wunlock()

            t0 = now()
            self.join_or_fail([self.go(worker, ops) for ops in plans], "rw_vs_mutex")
            return now() - t0, data

        for _ in range(warmup):
            run()
        seconds, data = run()
        out = timed(seconds, each * workers,
                    plan_digest=total(term(seed, w, i, kind << 32 | key)
                                      for w, ops in enumerate(plans)
                                      for i, (kind, key) in enumerate(ops)),
                    state_digest=plan.table_digest(seed, data),
                    lock="RWLock (Go's RWMutex algorithm)" if rw else "Lock",
                    substitutions=[self.rwmutex_substitution] if rw else [])
        if trace:
            out["trace"] = [plan.trace_of(ops, trace) for ops in plans]
        return out

    # ---- §9 Once ------------------------------------------------------------------------

    def _once_trials(self, callers: int, trials: int, init_ms: int,
                     seed: int) -> dict[str, Any]:
        """Per trial: init runs, whether every caller got the one instance, callers that saw
        none after Do; and the digests (term(seed, t, c, 1) per caller after Do, the init count
        of each trial)."""
        plan_terms: list[int] = []
        max_runs = unset = 0
        all_same = True
        state_acc = 0
        for t in range(trials):
            once = Once(self.Lock)
            gate = self.Event()
            runs = 0
            instance = None
            seen: list[object] = []

            def init() -> None:
                nonlocal runs, instance
                runs += 1
                if init_ms:
                    self.sleep(init_ms / 1e3)  # a slow init: the other callers get to run
                instance = object()

            def caller(c: int, t: int = t, once: Once = once, gate: Any = gate,
                       seen: list[object] = seen, init: Callable[[], None] = init) -> None:
                gate.wait(timeout=WAIT_S)  # all callers released at once
                once.do(init)
                seen.append(instance)  # noqa: B023 (read right after Do, as the spec says)
                plan_terms.append(term(seed, t, c, 1))

            units = [self.go(caller, c) for c in range(callers)]
            gate.set()
            self.join_or_fail(units, "once")
            max_runs = max(max_runs, runs)
            all_same &= len(seen) == callers and all(s is instance for s in seen)
            unset += sum(s is None for s in seen)
            state_acc = (state_acc + term(seed, t, callers, runs)) & MASK
        return {"max_init_count": max_runs, "all_same_instance": all_same,
                "unset_observed": unset, "plan_digest": total(plan_terms),
                "state_digest": hexd(state_acc)}

    def sc_once_runs_once(self, callers: int, trials: int, seed: int) -> dict[str, Any]:
        o = self._once_trials(callers, trials, 0, seed)
        return {"trials": trials, "max_init_count": o["max_init_count"],
                "all_same_instance": o["all_same_instance"], "plan_digest": o["plan_digest"],
                "state_digest": o["state_digest"]}

    def sc_once_waits(self, callers: int, trials: int, init_ms: int,
                      seed: int) -> dict[str, Any]:
        o = self._once_trials(callers, trials, init_ms, seed)
        return {"trials": trials, "unset_observed": o["unset_observed"],
                "plan_digest": o["plan_digest"], "state_digest": o["state_digest"]}

    # ---- §10 worker pool ----------------------------------------------------------------

    def sc_pool_result(self, workers: int, jobs: int, seed: int) -> dict[str, Any]:
        got, digest = self.pool(workers, jobs, seed=seed)
        return {"total": got, "expected": sum(j * j for j in range(1, jobs + 1)),
                "plan_digest": hexd(digest), "state_digest": hexd(term(seed, 0, 1, got))}

    def sc_pool_bounded(self, workers: int, jobs: int, sample_every: int,
                        seed: int) -> dict[str, Any]:
        self.warm_up()
        baseline = self.live()
        peak = baseline

        def sample() -> None:
            nonlocal peak
            peak = max(peak, self.live())

        got, digest = self.pool(workers, jobs, sample, sample_every, seed)
        return {"peak_live": peak, "baseline": baseline, "workers": workers,
                "live_count": self.live_count, "plan_digest": hexd(digest),
                "state_digest": hexd(term(seed, 0, 1, got))}

    # ---- benchmark-only workloads -------------------------------------------------------

    def sc_mutex_uncontended(self, n: int, seed: int) -> dict[str, Any]:
        lock = self.Lock()
        counter = 0
        t0 = now()
        for _ in range(n):
            lock.acquire()
            counter += 1
            lock.release()
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n),
                     state_digest=hexd(term(seed, 0, 0, counter)))

    def sc_mutex_contended(self, n: int, units: int, procs: int, seed: int) -> dict[str, Any]:
        lock = self.Lock()
        counter = 0
        each = n // units
        did = [0] * units

        def unit(u: int) -> None:
            nonlocal counter
            for _ in range(each):
                with lock:
                    counter += 1
            did[u] = each

        t0 = now()
        self.join_or_fail([self.go(unit, u) for u in range(units)], "mutex_contended")
        seconds = now() - t0
        return timed(seconds, each * units, ns_per_op=per_op_ns(seconds, each * units),
                     plan_digest=total(term(seed, 0, u, d) for u, d in enumerate(did)),
                     state_digest=hexd(term(seed, 0, 0, counter)))

    def sc_waitgroup(self, n: int, procs: int | None, warmup_units: int,
                     seed: int) -> dict[str, Any]:
        go, WaitGroup = self.go, self.WaitGroup

        def fan_out(count: int) -> None:
            wg = WaitGroup()
            wg.add(count)
            for _ in range(count):
                go(wg.done)
            wg.wait()

        self.warm_up()
        fan_out(warmup_units)
        t0 = now()
        fan_out(n)
        seconds = now() - t0
        return timed(seconds, n, ns_per_unit=per_op_ns(seconds, n),
                     plan_digest=plan.seq_digest(seed, n))

    def sc_once(self, n: int, seed: int) -> dict[str, Any]:
        once = Once(self.Lock)
        runs = 0

        def init() -> None:
            nonlocal runs
            runs += 1

        once.do(init)
        t0 = now()
        for _ in range(n):
            once.do(init)
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n),
                     state_digest=hexd(term(seed, 0, 0, runs)))

    def sc_worker_pool(self, workers: int, jobs: int, procs: int | None,
                       seed: int) -> dict[str, Any]:
        t0 = now()
        got, _ = self.pool(workers, jobs)
        seconds = now() - t0
        return timed(seconds, jobs, ns_per_job=per_op_ns(seconds, jobs), total=got,
                     state_digest=hexd(term(seed, 0, 1, got)))
