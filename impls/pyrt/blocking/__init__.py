"""Scenario bodies that read the same under threading and gevent, written once over primitives.

gevent runs CPython's own threading lock tests against its primitives by handing the test class
its lock type; this package does the same for the scenarios. A backend subclasses `Scenarios`
and sets the few primitives that differ — how to start a unit and join it, its mutex, Event,
WaitGroup, sleep, worker pool, live-unit count — and keeps in its own package only the scenarios
whose bodies genuinely differ (where a thread and a greenlet need different code, or where a
timed loop must call the library directly). Nothing here imports gevent: the threading backend
never loads it.

A scenario here is the article's snippet with `self.` in front of the primitive: `self.go(f)`
is `go f()`, `self.Lock()` a sync.Mutex, `self.WaitGroup()` a sync.WaitGroup. One module per
section of the article holds that section's bodies as a mixin; `Scenarios` combines them, and
`backend_bases` puts a backend's own section mixins in front of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from impls.pyrt.blocking.basics import BasicsScenarios
from impls.pyrt.blocking.echo import EchoScenarios
from impls.pyrt.blocking.memory import MemoryScenarios
from impls.pyrt.blocking.mutex import MutexScenarios
from impls.pyrt.blocking.once import OnceScenarios
from impls.pyrt.blocking.pool import PoolScenarios
from impls.pyrt.blocking.races import RacesScenarios
from impls.pyrt.blocking.scheduling import SchedulingScenarios
from impls.pyrt.blocking.waitgroup import WaitgroupScenarios
from impls.pyrt.dispatch import PyBackend
from impls.pyrt.kernel import nvcsw
from impls.pyrt.primitives import RWLock
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite import plan


class Scenarios(
    MemoryScenarios, SchedulingScenarios, BasicsScenarios, WaitgroupScenarios, RacesScenarios,
    MutexScenarios, OnceScenarios, PoolScenarios, EchoScenarios, PyBackend
):
    """The shared scenario bodies; a subclass sets the primitives below (as staticmethods where
    they are plain functions, so that `self.go(f)` calls the library's own function)."""
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
    net: Any  # the socket module whose calls block the unit: socket, or gevent.socket
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

    def timed_fan(self, fan: Callable[[int], None], n: int, warmup_units: int, seed: int,
                  per_unit: str) -> dict[str, Any]:
        """fan(n) timed after an untimed fan(warmup_units): the measurement of spawn and of the
        WaitGroup benchmark, whose fan-outs differ only in where they Add; per_unit names the
        time per unit."""
        self.warm_up()
        fan(warmup_units)
        t0 = now()
        fan(n)
        seconds = now() - t0
        return timed(seconds, n, **{per_unit: per_op_ns(seconds, n)},
                     plan_digest=plan.seq_digest(seed, n))

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
        c0 = nvcsw()
        t0 = now()
        gate.set()
        self.join_or_fail(units, what)
        seconds = now() - t0
        return seconds, nvcsw() - c0


# The sections a blocking backend writes in its own package, one module each holding
# <Section>Scenarios. The order is the classes' method resolution order; they all come before
# Scenarios, so that a backend's own body of a scenario wins over a shared one.
OWN_SECTIONS = (
    "memory", "scheduling", "races", "mutex", "deadlock", "atomics", "leaks", "echo", "skynet"
)


def backend_bases(package: str) -> tuple[type, ...]:
    """The bases of a blocking backend's class: package.<section>.<Section>Scenarios for each of
    OWN_SECTIONS, then Scenarios. `class ThreadingBackend(*backend_bases("impls.threading"))`."""
    own = (
        getattr(importlib.import_module(f"{package}.{section}"), f"{section.title()}Scenarios")
        for section in OWN_SECTIONS
    )
    return (*own, Scenarios)
