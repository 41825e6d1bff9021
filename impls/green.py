"""The `gevent` backend: every unit is a greenlet (gevent.spawn) on one OS thread, synchronised
with gevent's own primitives: gevent.lock, gevent.event, gevent.queue. No monkey-patching: the
scenarios call gevent directly, and a real blocking call (os.read) blocks the whole hub — which
syscall_handoff shows. Scenarios whose code reads the same with OS threads are written once in
impls/pyshared.py and run here on gevent's primitives (GeventBackend's class attributes); this
module keeps the ones where greenlets need their own code.

Greenlets switch only where code blocks on gevent (sleep, a lock, a queue, an Event, I/O), so
code between two such points is atomic: that is the honest "atomic" here, and the reason races
and lost updates never happen without a yield between load and store. gevent's hub raises
LoopExit ("This operation would block forever") when every greenlet waits on something nothing
can signal: that is a deadlock detector, and it is also why a greenlet may wait without its own
timeout — the scenario's main greenlet always waits with one, or gets LoopExit.

What gevent lacks is built the textbook way: a WaitGroup over gevent.event.Event, sync.Once and
Go's RWMutex algorithm over gevent's lock and semaphore (impls/pycommon.py). The mutex is gevent.lock.BoundedSemaphore(1):
gevent's lock type that refuses to be released more often than acquired (a plain Semaphore
would silently count up — see mutex_unlock_unlocked). The live-unit count has no gevent API; a
scan of the garbage collector's objects for greenlets that are not dead stands in for it.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from typing import Any

from impls import pyutil
from impls.pycommon import (
    NO_RACE_DETECTOR,
    WAIT_S,
    EventWaitGroup,
    drive_echo,
    error_text,
    overflow_observables,
    parked_observables,
    per_op_ns,
    raise_fd_limit,
    timed,
    value_summary,
)
from impls.pyshared import Scenarios, collect
from suite.backend import Expect, na, refuted
from suite.plan import MASK, hexd, term, total

try:
    import gevent
    import gevent.event
    import gevent.lock
    import gevent.os
    import gevent.queue
    import gevent.server
    import greenlet
    _IMPORT_ERROR = None
except ImportError as e:  # available() reports it; nothing below runs without gevent
    _IMPORT_ERROR = f"gevent not importable: {e}"

now = pyutil.now

SUBST_ATOMIC = ("a plain += with no gevent call inside stands in for an atomic add: greenlets "
                "are never preempted (gevent has no atomics)")
SUBST_CAS = ("a compare-and-set with no gevent call inside stands in for an atomic CAS: "
             "greenlets are never preempted")


def Lock() -> Any:
    return gevent.lock.BoundedSemaphore(1)


def join_or_fail(greenlets: list[Any], what: str, timeout: float = WAIT_S) -> None:
    """Join every greenlet (re-raising the first failure) within one bound."""
    gevent.joinall(greenlets, timeout=timeout, raise_error=True)
    alive = sum(not g.dead for g in greenlets)
    if alive:
        gevent.killall(greenlets, timeout=5)
        raise TimeoutError(f"{what}: {alive} greenlets still running after {timeout:.0f} s")


def live_greenlets() -> int:
    """Greenlets not yet dead (spawned, running or blocked), the hub and main included."""
    return sum(1 for o in gc.get_objects() if isinstance(o, greenlet.greenlet) and not o.dead)


def raw_switch_ns(switches: int) -> float:
    """For comparison only: a bare greenlet and this one switching straight to each other,
    bypassing the hub (gevent code never does that: nothing else would get to run)."""
    main = greenlet.getcurrent()

    def echo(_: Any) -> None:
        while True:
            main.switch(None)

    g = greenlet.greenlet(echo)
    t0 = now()
    for _ in range(switches // 2):
        g.switch(None)
    seconds = now() - t0
    g.throw(greenlet.GreenletExit)  # ends it here, not at garbage collection
    return per_op_ns(seconds, 2 * (switches // 2))


class WaitGroup(EventWaitGroup):
    """Go's sync.WaitGroup the way a gevent user builds it: a counter and an Event set at zero.
    No lock: nothing between two gevent calls can be interleaved."""

    def __init__(self) -> None:
        super().__init__(gevent.event.Event())

    def wait(self, timeout: float = WAIT_S) -> None:
        if not self._zero.wait(timeout):
            raise TimeoutError(f"WaitGroup.wait: counter still {self._n} after {timeout} s")


def pool(workers: int, jobs: int, sample: Callable[[], None] | None = None, every: int = 1,
         seed: int | None = None) -> tuple[int, int]:
    """The article's §10 worker pool: workers square jobs from one queue into another;
    (total, plan digest) as collect() returns them."""
    job_q = gevent.queue.Queue(100)
    results = gevent.queue.Queue(100)

    def worker() -> None:
        while (j := job_q.get()) is not None:
            results.put(j * j)

    def feed() -> None:
        for j in range(1, jobs + 1):
            job_q.put(j)
        for _ in range(workers):
            job_q.put(None)  # one "closed" marker per worker

    greenlets = [gevent.spawn(worker) for _ in range(workers)] + [gevent.spawn(feed)]
    out = collect(results, jobs, sample, every, seed)
    join_or_fail(greenlets, "worker pool")
    return out

def handoff(block_ms: int, read: Callable[[int, int], bytes]) -> dict[str, Any]:
    """syscall_handoff with a given read function: A reads, B counts, C writes after block_ms;
    a real OS thread writes after 5*block_ms if C could not run."""
    r, w = os.pipe()
    one_write = threading.Lock()  # a real lock, only ever tried without blocking
    a_done = threading.Event()  # real: the watchdog thread waits on it
    count = 0
    out: dict[str, Any] = {}

    def write_once(who: bytes) -> None:
        if one_write.acquire(blocking=False):
            os.write(w, who)

    def a() -> None:
        c0, t0 = count, now()
        out["data"] = read(r, 1)
        out["blocked_ms"] = (now() - t0) * 1e3
        out["progress"] = count - c0
        a_done.set()

    def b() -> None:
        nonlocal count
        while not a_done.is_set():
            count += 1
            gevent.sleep(0)  # the greenlet's yield

    def c() -> None:
        gevent.sleep(block_ms / 1e3)
        write_once(b"C")

    def watchdog() -> None:
        if not a_done.wait(5 * block_ms / 1e3):
            write_once(b"W")

    dog = threading.Thread(target=watchdog, daemon=True)
    dog.start()
    try:
        join_or_fail([gevent.spawn(b), gevent.spawn(c), gevent.spawn(a)], "syscall_handoff",
                     timeout=10 * block_ms / 1e3 + WAIT_S)
        dog.join(WAIT_S)
    finally:
        os.close(r)
        os.close(w)
    return {"blocked_ms": out["blocked_ms"], "progress_during_block": out["progress"],
            "watchdog_fired": out["data"] == b"W"}


class GeventBackend(Scenarios):
    name = "gevent"
    kind = "greenlet"

    # the primitives that impls/pyshared.py's scenarios run on
    join_or_fail = staticmethod(join_or_fail)
    Lock = staticmethod(Lock)  # gevent.lock.BoundedSemaphore(1)
    WaitGroup = WaitGroup
    pool = staticmethod(pool)
    live = staticmethod(live_greenlets)
    live_count = "gc scan for greenlets not dead"
    spawn_args = "gevent.spawn(f, i)"
    no_stealing = "one hub on one OS thread: nothing to steal"
    rwmutex_substitution = ("Go's RWMutex algorithm in Python over gevent's BoundedSemaphore and "
                            "Semaphore stands in for sync.RWMutex (gevent has no RWLock)")
    if _IMPORT_ERROR is None:  # gevent's own functions, no wrapper: timed loops call them
        go = staticmethod(gevent.spawn)
        Event = gevent.event.Event
        sleep = staticmethod(gevent.sleep)  # sleep(0) is the greenlet's yield, via the hub
        Semaphore = gevent.lock.Semaphore

    def available(self) -> bool | str:
        return True if _IMPORT_ERROR is None else _IMPORT_ERROR

    def library_version(self) -> str:
        return f"gevent {gevent.__version__} (greenlet {greenlet.__version__})"

    def warm_up(self) -> None:
        gevent.get_hub()  # the hub is made on first use: not inside a measurement

    # ---- §1 memory, stacks, spawn, switch ------------------------------------------------

    def sc_parked(self, n: int, procs: int | None) -> dict[str, Any]:
        # Nobody sets the gates until memory has been read. One Event per 1000 units: Event.set
        # pops its waiters off the front of a list, O(n^2) — 35 s for 300k waiters on one
        # Event here, minutes for 1M — while 1000 per Event keep the release linear.
        gates = [gevent.event.Event() for _ in range(n // 1000 + 1)]
        all_parked, all_left = gevent.event.Event(), gevent.event.Event()
        parked = target = 0
        failed: list[str] = []

        def unit(gate: gevent.event.Event) -> None:
            nonlocal parked
            try:
                parked += 1  # about to block
                if parked == target:
                    all_parked.set()
                gate.wait()  # no timeout object per unit: it would be counted as its memory
            except Exception as e:  # noqa: BLE001 (reported, never raised)
                failed.append(error_text(e))
            parked -= 1
            if parked == 0:
                all_left.set()  # counted down rather than joinall: joining 1M took minutes

        error = None
        gevent.get_hub()
        gc.collect()
        rss0, vm0 = pyutil.rss(), pyutil.vm()
        t0 = now()
        try:
            for k in range(n):
                gevent.spawn(unit, gates[k // 1000])
                target += 1
        except (MemoryError, RuntimeError, OSError) as e:
            error = error_text(e)  # stop at the first error, verbatim
        # The greenlets start running once main blocks here. One that fails to start is
        # reported by the hub and never counts itself: wait until the count stops moving.
        last, still = -1, 0
        while target and not all_parked.wait(timeout=1.0) and still < 5:
            last, still = parked, (still + 1 if parked == last else 0)
        seconds = now() - t0
        rss1, vm1 = pyutil.rss(), pyutil.vm()
        reached = parked
        if error is None and reached < target:
            error = failed[0] if failed else f"{target - reached} greenlets never parked"
        for gate in gates:
            gate.set()
        if reached:
            all_left.wait(timeout=WAIT_S * 2)
        return parked_observables(n, reached, error, rss0, vm0, rss1, vm1, seconds,
                                  not_joined=parked)

    def sc_stack_overflow(self) -> dict[str, Any]:
        # .get() re-raises the greenlet's error in the spawner, as a gevent user writes it.
        return overflow_observables(
            "import gevent\n"
            "def down(n):\n"
            "    return down(n + 1) + 1\n"
            "gevent.spawn(down, 0).get(timeout=60)\n")

    def sc_pingpong_yield(self, n: int, seed: int) -> dict[str, Any]:
        turns = n // 2
        counted = [0, 0]

        def player(me: int) -> None:
            for _ in range(turns):
                gevent.sleep(0)  # gevent's yield: to the hub, which runs the other greenlet
                counted[me] += 1

        seconds, csw = self.gated([lambda: player(0), lambda: player(1)], "pingpong_yield")
        switches = 2 * turns
        return timed(seconds, switches, ns_per_switch=per_op_ns(seconds, switches), nvcsw=csw,
                     nvcsw_per_switch=csw / switches, handoff="gevent.sleep(0)",
                     raw_greenlet_switch_ns=raw_switch_ns(switches),
                     state_digest=total([term(seed, 0, 0, counted[0]),
                                         term(seed, 0, 1, counted[1])]))

    def sc_pingpong_chan(self, n: int, seed: int) -> dict[str, Any]:
        rounds = n // 2
        ping, pong = gevent.queue.Channel(), gevent.queue.Channel()  # unbuffered
        held = [0]

        def server() -> None:
            for _ in range(rounds):
                pong.put(ping.get() + 1)

        def client() -> None:
            ball = 0
            for _ in range(rounds):
                ping.put(ball)
                ball = pong.get()
            held[0] = ball

        seconds, csw = self.gated([server, client], "pingpong_chan")
        msgs = 2 * rounds
        return timed(seconds, msgs, ns_per_message=per_op_ns(seconds, msgs),
                     nvcsw_per_message=csw / msgs, channel="gevent.queue.Channel",
                     state_digest=hexd(term(seed, 0, 0, held[0])))

    # ---- §2 scheduling ------------------------------------------------------------------

    def sc_thread_ids(self, n: int, procs: int | None) -> dict[str, Any]:
        gate, all_in = gevent.event.Event(), gevent.event.Event()
        tids: list[int] = []

        def unit() -> None:
            tids.append(pyutil.gettid())
            if len(tids) == n:
                all_in.set()
            gate.wait()  # stay alive until all have recorded: they overlap

        greenlets = [gevent.spawn(unit) for _ in range(n)]
        all_in.wait(timeout=WAIT_S)
        gate.set()
        join_or_fail(greenlets, "thread_ids")
        return {"units": n, "distinct_threads": len(set(tids)), "gomaxprocs": None,
                "threads_in_syscalls": None}

    def sc_syscall_handoff(self, block_ms: int) -> dict[str, Any]:
        plain = handoff(block_ms, os.read)  # a real blocking read(2) blocks the hub
        # gevent's own remedy, for the report: run the read on gevent's thread pool
        fixed = handoff(block_ms, gevent.os.tp_read)
        return {**plain, "with_gevent_os_tp_read": fixed}

    # ---- §5 races -----------------------------------------------------------------------

    def sc_racy_counter(self, units: int, increments: int, trials: int,
                        procs: int | None, seed: int) -> dict[str, Any]:
        def trial(t: int, yield_between: bool) -> tuple[int, int]:
            counter = 0
            mine = [0] * units  # each unit's digest term, in a slot of its own

            def unit(u: int) -> None:
                nonlocal counter
                for _ in range(increments):
                    if yield_between:
                        v = counter
                        gevent.sleep(0)
                        counter = v + 1
                    else:
                        counter += 1  # no lock, and no switch point either
                mine[u] = term(seed, t, u, increments)

            join_or_fail([gevent.spawn(unit, u) for u in range(units)], "racy_counter")
            return counter, sum(mine) & MASK

        runs = [trial(t, False) for t in range(trials)]
        # Evidence: the update is lost only when a yield sits between the load and the store.
        return {**value_summary(units * increments, [final for final, _ in runs]),
                "plan_digest": total(d for _, d in runs),
                "with_yield_between_load_and_store": trial(0, True)[0]}

    # ---- §6 Mutex / RWMutex -------------------------------------------------------------

    def sc_mutex_unlock_unlocked(self) -> dict[str, Any]:
        try:
            Lock().release()
        except ValueError as e:
            out = {"raised": True, "error": str(e), "fatal": False}
        else:
            out = {"raised": False, "error": None, "fatal": False}
        sem = gevent.lock.Semaphore(1)
        sem.release()  # no error: the "lock" now admits two holders
        out["plain_semaphore_after_release"] = f"no error, counter {sem.counter}"
        try:
            gevent.lock.RLock().release()
        except RuntimeError as e:
            out["rlock_error"] = str(e).split(". Owner")[0]
        return out

    def sc_rw_readers_share(self, readers: int) -> dict[str, Any]:
        rw = self.RWLock()
        all_inside = gevent.event.Event()  # a barrier: set by the last reader in
        inside = peak = 0

        def reader() -> None:
            nonlocal inside, peak
            rw.rlock()
            try:
                inside += 1
                peak = max(peak, inside)
                if inside == readers:
                    all_inside.set()
                all_inside.wait(timeout=WAIT_S)
                inside -= 1
            finally:
                rw.runlock()

        join_or_fail([gevent.spawn(reader) for _ in range(readers)], "rw_readers_share")
        return {"peak_readers": peak, "substitutions": [self.rwmutex_substitution],
                "rwlock": "Go's RWMutex algorithm over gevent's BoundedSemaphore and "
                          "Semaphore; gevent has no RWLock"}

    # ---- §7 deadlock --------------------------------------------------------------------

    def sc_lock_order_inversion(self, pause_ms: int, timeout_ms: int) -> dict[str, Any]:
        m1, m2 = Lock(), Lock()

        def unit(first: Any, second: Any) -> None:
            with first:
                gevent.sleep(pause_ms / 1e3)  # the article's pause between the two locks
                with second:
                    pass

        a, b = gevent.spawn(unit, m1, m2), gevent.spawn(unit, m2, m1)
        # main waits for both with no timeout of its own, so that gevent can see that nothing
        # is left to run; a real OS thread bounds the wait in case it does not.
        hub = gevent.get_hub()
        finished = threading.Event()
        guard_fired: list[bool] = []

        def guard() -> None:
            if not finished.wait(timeout_ms / 1e3):
                guard_fired.append(True)
                hub.loop.run_callback_threadsafe(lambda: gevent.killall([a, b], block=False))

        threading.Thread(target=guard, daemon=True).start()
        detected, message = False, None
        try:
            gevent.joinall([a, b])
        except gevent.exceptions.LoopExit as e:
            detected, message = True, str(e)
        finished.set()
        blocked = [{"id": repr(g), "reason": "waiting in " + g.gr_frame.f_code.co_name}
                   for g in (a, b) if not g.dead and g.gr_frame is not None]
        gevent.killall([a, b], timeout=5)
        return {"deadlocked": detected or bool(guard_fired), "detected": detected,
                "message": message, "blocked": blocked or None}

    def sc_consistent_order(self, trials: int, pause_us: int, seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[bool, int]:
            m1, m2 = Lock(), Lock()

            def unit() -> None:
                with m1:
                    gevent.sleep(pause_us / 1e6)
                    with m2:
                        pass

            pair = [gevent.spawn(unit), gevent.spawn(unit)]
            gevent.joinall(pair, timeout=10.0)  # the bound per trial
            finished = [g.successful() for g in pair]
            gevent.killall(pair, timeout=5)
            return all(finished), sum(term(seed, t, u, 1) for u in range(2) if finished[u])

        results = [trial(t) for t in range(trials)]
        return {"trials": trials, "finished": sum(ok for ok, _ in results),
                "plan_digest": total(d for _, d in results)}

    # ---- §8 atomics ---------------------------------------------------------------------

    def sc_atomic_counter(self, units: int, trials: int, procs: int | None,
                          seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[int, int]:
            counter = digest = 0

            def unit(u: int) -> None:
                nonlocal counter, digest
                counter += 1  # atomic among greenlets: no switch point inside
                digest = (digest + term(seed, t, u, 1)) & MASK

            join_or_fail([gevent.spawn(unit, u) for u in range(units)], "atomic_counter")
            return counter, digest

        results = [trial(t) for t in range(trials)]
        return {"trials": trials, "exact_trials": sum(v == units for v, _ in results),
                "atomic": "plain += between two gevent calls", "substitutions": [SUBST_ATOMIC],
                "plan_digest": total(d for _, d in results),
                "state_digest": total(term(seed, t, units, v)
                                      for t, (v, _) in enumerate(results))}

    def sc_atomic_cas(self, units: int, seed: int) -> dict[str, Any]:
        box = [0]

        def cas(old: int, new: int) -> bool:  # no gevent call inside: atomic among greenlets
            if box[0] == old:
                box[0] = new
                return True
            return False

        def unit() -> None:
            while True:
                old = box[0]
                gevent.sleep(0)  # let the others in between the load and the CAS
                if cas(old, old + 1):
                    return

        join_or_fail([gevent.spawn(unit) for _ in range(units)], "atomic_cas")
        after_loop = box[0]
        loop_exact = after_loop == units
        stale_failed = not cas(units - 1, units + 1) and box[0] == after_loop  # old value units-1
        return {"cas_loop_exact": loop_exact, "stale_cas_failed": stale_failed,
                "cas": "compare-and-set with no gevent call inside", "substitutions": [SUBST_CAS],
                "state_digest": total([term(seed, 0, 0, after_loop), term(seed, 0, 1, box[0])])}

    def sc_atomic_vs_mutex(self, n: int, procs: int, warmup: int, seed: int) -> dict[str, Any]:
        def mutex_run(units: int) -> tuple[float, int]:
            lock, counter = Lock(), 0  # one lock, one counter, shared by the units

            def loop(count: int) -> None:
                nonlocal counter
                for _ in range(count):
                    with lock:
                        counter += 1

            t0 = now()
            join_or_fail([gevent.spawn(loop, n // units) for _ in range(units)],
                         "atomic_vs_mutex")
            return per_op_ns(now() - t0, n // units * units), counter

        def atomic_run(units: int) -> tuple[float, int]:
            counter = 0

            def loop(count: int) -> None:
                nonlocal counter
                for _ in range(count):
                    counter += 1  # atomic among greenlets: no switch point inside

            t0 = now()
            join_or_fail([gevent.spawn(loop, n // units) for _ in range(units)],
                         "atomic_vs_mutex")
            return per_op_ns(now() - t0, n // units * units), counter

        out = []
        for run, units in [(mutex_run, 1), (atomic_run, 1), (mutex_run, 2), (atomic_run, 2)]:
            for _ in range(warmup):
                run(units)
            out.append(run(units))
        (mutex_ns, c0), (atomic_ns, c1), (mutex_c, c2), (atomic_c, c3) = out
        return {"mutex_ns": mutex_ns, "atomic_ns": atomic_ns, "mutex_contended_ns": mutex_c,
                "atomic_contended_ns": atomic_c, "ratio_uncontended": mutex_ns / atomic_ns,
                "ratio_contended": mutex_c / atomic_c,
                "note": "greenlets never preempt: 'contended' units run one after the other",
                "substitutions": [SUBST_ATOMIC],
                "state_digest": total(term(seed, 0, k, c) for k, c in enumerate([c0, c1, c2, c3]))}

    # ---- §11 leaks ----------------------------------------------------------------------

    def sc_leak_blocked_sender(self, calls: int) -> dict[str, Any]:
        leaked: list[Any] = []

        def leak() -> None:
            ch = gevent.queue.Channel()  # unbuffered
            leaked.append(gevent.spawn(ch.put, 1))  # kept only so clean-up can kill it

        gevent.get_hub()
        baseline = live_greenlets()
        for _ in range(calls):
            leak()
        gevent.sleep(0)  # let them run up to their blocked send
        after = live_greenlets()
        gevent.killall(leaked, timeout=WAIT_S)
        return {"baseline": baseline, "after": after, "growth": after - baseline}

    def sc_leak_context_cancel(self, calls: int) -> dict[str, Any]:
        ctx = gevent.event.Event()  # the context: cancel() = set()

        def no_leak() -> Any:
            ch = gevent.queue.Channel()

            def unit() -> None:  # select { case ch <- 1: case <-ctx.Done(): return }
                sender = gevent.spawn(ch.put, 1)
                gevent.wait([sender, ctx], count=1)  # gevent's select over waitables
                sender.kill()

            return gevent.spawn(unit)

        gevent.get_hub()
        baseline = live_greenlets()
        units = [no_leak() for _ in range(calls)]
        gevent.sleep(0)
        during = live_greenlets()
        ctx.set()
        gevent.joinall(units, timeout=WAIT_S)
        return {"baseline": baseline, "during": during, "after_cancel": live_greenlets(),
                "live_count": "gc scan for greenlets not dead"}

    def sc_num_goroutine(self, k: int) -> dict[str, Any]:
        release = gevent.event.Event()
        gevent.get_hub()
        baseline = live_greenlets()
        greenlets = [gevent.spawn(release.wait) for _ in range(k)]
        gevent.sleep(0)
        reported = live_greenlets()
        release.set()
        join_or_fail(greenlets, "num_goroutine")
        return {"reported": reported, "expected": baseline + k,
                "live_count": "gc scan for greenlets not dead (gevent has no count API)"}

    # ---- anecdote -----------------------------------------------------------------------

    def sc_echo_server(self, conns: int, rounds: int, buf_bytes: int) -> dict[str, Any]:
        raise_fd_limit(conns + 256)

        def echo(sock: Any, _addr: Any) -> None:  # one greenlet per connection
            while data := sock.recv(buf_bytes):
                sock.sendall(data)

        server = gevent.server.StreamServer(("127.0.0.1", 0), echo, backlog=1024)
        server.start()
        try:
            # The client protocol is driven from one of gevent's pool threads, so the hub
            # keeps serving; its RSS readings are the whole process's.
            job = gevent.get_hub().threadpool.spawn(drive_echo, server.server_port, conns,
                                                    rounds)
            obs = job.get(timeout=WAIT_S * 2)
        finally:
            server.stop(timeout=5)
        return {**obs, "server": "gevent.server.StreamServer"}

    # ---- benchmark-only workloads -------------------------------------------------------

    def sc_atomic_add(self, n: int, seed: int) -> dict[str, Any]:
        counter = 0
        t0 = now()
        for _ in range(n):
            counter += 1  # noqa: SIM113 (the increment is the workload) — atomic among greenlets
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n), substitutions=[SUBST_ATOMIC],
                     state_digest=hexd(term(seed, 0, 0, counter)))

    def sc_skynet(self, leaves: int, procs: int | None, seed: int) -> dict[str, Any]:
        def skynet(num: int, size: int, out: Any) -> None:
            if size == 1:
                out.put(num)  # leaf i returns i
                return
            kids = min(10, size)  # sizes that are not powers of ten split as evenly as they can
            children = gevent.queue.Queue()
            for i in range(kids):
                part = size // kids + (i < size % kids)
                gevent.spawn(skynet, num, part, children)
                num += part
            out.put(sum(children.get() for _ in range(kids)))

        root = gevent.queue.Queue()
        gevent.get_hub()
        t0 = now()
        gevent.spawn(skynet, 0, leaves, root)
        got = root.get(timeout=WAIT_S * 2)
        seconds = now() - t0
        return timed(seconds, leaves, total=got, ms=seconds * 1e3,
                     state_digest=hexd(term(seed, 0, 0, got)))

backend = GeventBackend()

# Observed with `python -m suite run --backends gevent` on the 2-core test machine
# (2026-11-28, gevent 26.9.0, CPython 3.11.7); a claim not listed holds.
backend.expectations = {} if _IMPORT_ERROR else {
    "stack.initial-size": refuted(
        "8.56 KB resident per parked greenlet at 100k, just over 8 KiB: the slice of C stack "
        "greenlet copies to the heap at each switch, the Greenlet object and its Python frame"),
    "stack.thread-size": refuted("no stack reservation per unit: 20 KB of VmSize per greenlet"),
    "spawn.cost-ns": refuted("spawn + run + join 22 µs per greenlet at 100k, not nanoseconds"),
    # On the line: 0 kernel context switches, but gevent.sleep(0) goes through the hub and
    # measured 992-1,052 ns per switch across runs (1,224 under load) against the check's
    # 1,000 ns, which the check treats as undecided within 10%. A bare greenlet.switch: ~150 ns.
    "switch.user-space": Expect("holds", "0 kernel context switches; gevent.sleep(0) via the "
                                "hub costs ~1,000 ns (992-1,052 measured), on the claim's line"),
    "switch.thread-kernel": refuted("0 voluntary context switches: greenlets switch in user space"),
    "scale.thread-thousands": refuted("100,000 greenlets parked without an error"),
    "memory.100k-threads": refuted(
        "19.5 KB of VmSize per greenlet: 1.8 GiB projected for 100k, not hundreds of GB"),
    "sched.work-stealing": refuted("all 10,000 units ran on the one OS thread of the hub"),
    "sched.syscall-handoff": refuted(
        "a blocking os.read() stops the hub: 0 progress, the watchdog thread had to write the "
        "pipe after 1 s; gevent's remedy gevent.os.tp_read (thread pool) lets the others run"),
    "sched.gomaxprocs-default": na("gevent has no GOMAXPROCS: one hub, one OS thread"),
    "sched.gomaxprocs-limits": refuted("one OS thread: two CPU-bound greenlets, speedup 1.02"),
    "go.order-nondeterministic": refuted(
        "every run finished 0,1,2: the hub runs spawned greenlets in FIFO order"),
    "race.lost-updates": refuted(
        "greenlets are never preempted: 0/1000 trials (1000 x 1) and 0/20 (1000 x 1000) lost an "
        "update; with gevent.sleep(0) between load and store, all but one update is lost"),
    "race.detector-finds": na(NO_RACE_DETECTOR),
    "race.detector-overhead": na(NO_RACE_DETECTOR),
    "rwmutex.read-heavy-faster": refuted(
        "RWLock/lock throughput 0.48 at 40k ops: readers never overlap on one OS thread, and "
        "Go's RWMutex algorithm over gevent's semaphores costs more than one lock"),
    "server.memory-tenth": refuted(
        "9.5 KB per connection after traffic vs 33.2 KB for thread-per-connection: 0.29, "
        "about a third, not a tenth"),
}
