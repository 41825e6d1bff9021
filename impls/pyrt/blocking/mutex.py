"""Scenario bodies shared by threading and gevent, §6: Mutex, Unlock on panic, RWMutex."""

from __future__ import annotations

from typing import Any

from impls.pyrt.timing import now, per_op_ns, timed
from suite import plan
from suite.plan import MASK, READ, hexd, term, total


class MutexScenarios:
    """Scenario bodies shared by threading and gevent, §6."""

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
