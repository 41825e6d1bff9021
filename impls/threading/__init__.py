"""The `threading` backend: every unit is a real OS thread, synchronised with threading's own
primitives (Lock, Event, Condition, Barrier, Semaphore) and `queue.Queue` for channels.

Each scenario is written the way a Python user of threading writes it; the measurement plumbing
(rss, nvcsw, clocks) stays around it. Every wait has a timeout and every thread is a daemon, so a
scenario that goes wrong reports what it saw instead of hanging the worker. Scenarios whose code
reads the same with greenlets are written once in impls/pyrt/blocking/ and run here on
threading's primitives (ThreadingBackend's class attributes); this package keeps the ones where
threads need their own code, one module per section of the article (as impls/golang/src/), and
units.py holds how a thread is started, joined and waited for.

What Python lacks is built the textbook way and named as such: a WaitGroup over Condition, a
sync.Once as a double-checked Lock, Go's RWMutex algorithm over a Lock and Semaphores
(impls/pyrt/primitives.py).
There is no atomic add: `next()` on an `itertools.count` is one C call under the GIL, the honest
idiom; there is no compare-and-swap and no race detector, so those scenarios are NotApplicable.
"""

from __future__ import annotations

import socket
import sys
import threading
import time

from impls.pyrt.blocking import backend_bases
from impls.pyrt.races import NO_RACE_DETECTOR
from impls.threading.units import WaitGroup, go, join_or_fail, pool
from suite.backend import Expect, na, refuted

# Observed with `python -m suite run --backends threading` on the 2-core test machine
# (2026-11-28, CPython 3.11.7); a claim not listed holds.
EXPECTATIONS: dict[str, Expect] = {
    "stack.initial-size": refuted(
        "threads stop at ~22,100 of 100,000 (\"can't start new thread\": vm.max_map_count), "
        "16.7 KB resident per parked thread"),
    "spawn.cost-ns": refuted("start + join 178 µs per thread at n=100k, not nanoseconds"),
    "switch.user-space": refuted(
        "two-Lock hand-off: 7-18 µs and 1.5-1.7 voluntary kernel context switches per switch"),
    "scale.hundreds-of-thousands": refuted(
        "100k and 1M both stop at ~22,100 threads: \"can't start new thread\""),
    "memory.100k-goroutines": refuted("only ~22,200 of 100k threads can be alive at once"),
    "sched.m-n": refuted("1:1 — 10,000 units ran on 10,000 distinct OS threads"),
    "sched.work-stealing": refuted(
        "one OS thread per unit (10,000 distinct), scheduled by the kernel: no queue to steal"),
    "sched.gomaxprocs-default": na("Python has no GOMAXPROCS; the GIL lets one thread run "
                                   "Python code at a time"),
    "sched.gomaxprocs-limits": refuted(
        "the GIL: two CPU-bound threads finish 1.11x faster than one after the other, not 1.6x+"),
    # go.order-nondeterministic holds since each unit writes its greeting with os.write, which
    # releases the GIL: 4 distinct orders in 20,000 runs (012 in 19,953). Without the write,
    # 5,000/5,000 runs finished 0,1,2 (Thread.start() returns once the thread runs).
    "go.loopvar-capture": refuted(
        "the late-binding closure saw distinct values in 100/100 runs: Thread.start() waits "
        "until the thread runs, which reads i before the loop advances — the bug is latent, "
        "not shown; i=i and args=(i,) are per-iteration as claimed"),
    "waitgroup.add-inside-races": refuted(
        "0/1000 early returns: Thread.start() returns only once the thread runs, and it calls "
        "Add(1) before the spawner reaches Wait"),
    "race.lost-updates": refuted(
        "counter += 1 never lost an update: 0/1000 trials (1000 threads x 1) and 0/20 (x 1000); "
        "CPython 3.11 has no switch point between its load and store. A call in between "
        "(counter = counter + one()) does lose: 1,364,189 of 1,600,000 at 8 threads x 200k"),
    "race.detector-finds": na(NO_RACE_DETECTOR),
    "race.detector-overhead": na(NO_RACE_DETECTOR),
    "rwmutex.read-heavy-faster": refuted(
        "RWLock/Lock throughput 0.9-1.2 at 95% reads (40k and 200k ops, alternated): the GIL "
        "serialises the readers anyway; Go's RWMutex algorithm in Python costs an extra lock "
        "per section, and saves only the Mutex's wake-ups around a preempted reader"),
    "atomic.cas": na("Python has no compare-and-swap"),
    "server.memory-tenth": refuted(
        "CPython's thread per connection against the article's Java thread pool: 21,041 B "
        "resident per connection after traffic vs 75,090 B (2,000 connections): 0.28, less than "
        "Java's pooled platform threads but not a tenth"),
    # where Java is unavailable this backend is the fallback reference itself
    "server.memory-tenth@threading": na("this backend is the claim's fallback reference"),
}


class ThreadingBackend(*backend_bases("impls.threading")):
    name = "threading"
    kind = "os-thread"
    expectations = EXPECTATIONS  # read by PyBackend.__init__
    # the primitives that impls/pyrt/blocking/'s scenarios run on
    go = staticmethod(go)
    join_or_fail = staticmethod(join_or_fail)
    Lock = staticmethod(threading.Lock)  # a Lock may be released by another thread
    Semaphore = threading.Semaphore
    Event = threading.Event
    WaitGroup = WaitGroup
    net = socket  # blocking calls block the thread
    sleep = staticmethod(time.sleep)  # sleep(0) releases the GIL: the thread's yield
    pool = staticmethod(pool)
    live = staticmethod(threading.active_count)
    live_count = "threading.active_count()"
    spawn_args = "Thread(args=(i,))"
    rwmutex_substitution = ("Go's RWMutex algorithm in Python over threading.Lock and Semaphore "
                            "stands in for sync.RWMutex (the stdlib has no RWLock)")
    no_stealing = ("one OS thread per unit: the kernel schedules them, there is no queue to "
                   "steal from")

    def library_version(self) -> str:
        return f"threading (stdlib), switch interval {sys.getswitchinterval() * 1e3:g} ms"


backend = ThreadingBackend()
