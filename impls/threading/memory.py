"""The threading backend, §1: what a unit costs: parked memory, stacks, spawn, the switch."""

from __future__ import annotations

import gc
import queue
import resource
import threading
from typing import Any

from impls.pyrt.children import DOWN, overflow_observables
from impls.pyrt.memory import error_text, parked_observables, rss, vm
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from impls.threading.units import go
from suite.plan import hexd, term, total

SUBST_CHANNEL = ("queue.Queue(maxsize=1) stands in for an unbuffered channel (threading has "
                 "none): a send returns once the value is in the slot, not once it is taken")


def stack_reserve() -> int:
    """Bytes each new thread's stack reserves: threading.stack_size(), or glibc's default, the
    soft RLIMIT_STACK (ulimit -s). vm_per_unit is larger: glibc also reserves up to 8 malloc
    arenas per core (64 MiB each) for the first threads, amortised over all of them."""
    size = threading.stack_size()
    if size:
        return size
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    return soft if soft != resource.RLIM_INFINITY else 2 * 1024 * 1024


HEADROOM = 64  # parked threads given back at the thread limit so the scenario can still measure


class MemoryScenarios:
    """The threading backend, §1."""

    def sc_parked(self, n: int, procs: int | None) -> dict[str, Any]:
        ready = threading.Semaphore(0)
        failed: list[str] = []

        def unit(gate: threading.Lock) -> None:
            try:
                ready.release()  # about to block
                gate.acquire(timeout=900)  # held by main: released only once memory is read
            except Exception as e:  # noqa: BLE001 (reported, never raised)
                failed.append(error_text(e))

        # One held Lock per thread, released one at a time below: Event.set() over 22k waiters
        # wakes them all into a fight for the GIL that took 30 s here; this takes 8 s.
        threads: list[threading.Thread] = []
        gates: list[threading.Lock] = []
        error = None
        limit: BaseException | None = None
        gc.collect()
        rss0, vm0 = rss(), vm()
        t0 = now()
        try:
            for _ in range(n):
                gate = threading.Lock()
                gate.acquire()
                threads.append(go(unit, gate))
                gates.append(gate)
        except (RuntimeError, MemoryError, OSError) as e:  # "can't start new thread", ...
            limit = e  # stop at the first error; its text is made once there is room again
        given_back = 0
        if limit is not None:
            # At the limit the process has no mapping left for the bookkeeping below either (a
            # MemoryError from it once ended the scenario in CI): give back the newest
            # HEADROOM units (192 mappings; 8 MiB of address space each) first, in place and newest first so nothing new is allocated;
            # `reached` counts the units still parked when memory is read.
            given_back = min(HEADROOM, len(threads) // 2)  # half at most: some stay measured
            for i in range(len(threads) - 1, len(threads) - given_back - 1, -1):
                gates[i].release()
                threads[i].join(WAIT_S)
            del threads[len(threads) - given_back:], gates[len(gates) - given_back:]
            error = error_text(limit)  # verbatim
        # Every started thread reports before it blocks (the given-back ones did too); one that
        # died before reporting is noticed when the live threads are all accounted for.
        reached, deadline = -given_back, now() + WAIT_S
        while reached < len(threads):
            if ready.acquire(timeout=1.0):
                reached += 1
            elif now() > deadline or sum(t.is_alive() for t in threads) <= reached:
                break
        seconds = now() - t0
        rss1, vm1 = rss(), vm()
        if error is None and reached < len(threads):
            error = failed[0] if failed else f"{len(threads) - reached} threads never parked"
        end = now() + WAIT_S
        for t, gate in zip(threads, gates, strict=True):
            gate.release()
            t.join(max(0.0, end - now()))
        return parked_observables(n, reached, error, rss0, vm0, rss1, vm1, seconds,
                                  stack_reserve_bytes=stack_reserve(),
                                  not_joined=sum(t.is_alive() for t in threads))

    def sc_stack_overflow(self) -> dict[str, Any]:
        # The error is left to threading's excepthook, as a user would see it; the process
        # itself exits 0 because an exception in a thread does not end the program.
        return overflow_observables(
            "import threading\n"
            + DOWN
            + "t = threading.Thread(target=down, args=(0,))\n"
            "t.start()\n"
            "t.join(60)\n")

    def sc_pingpong_yield(self, n: int, seed: int) -> dict[str, Any]:
        # threading has no yield-to: the lightest strict hand-off is a pair of Locks used as
        # binary semaphores (a Lock may be released by another thread). `first` starts free.
        turns = n // 2
        first, second = threading.Lock(), threading.Lock()
        second.acquire()
        counted = [0, 0]

        def player(me: int, mine: threading.Lock, theirs: threading.Lock) -> None:
            for _ in range(turns):
                if not mine.acquire(timeout=WAIT_S):
                    raise TimeoutError("pingpong_yield: hand-off lost")
                counted[me] += 1
                theirs.release()

        seconds, csw = self.gated([lambda: player(0, first, second),
                                   lambda: player(1, second, first)], "pingpong_yield")
        switches = 2 * turns
        return timed(seconds, switches, ns_per_switch=per_op_ns(seconds, switches), nvcsw=csw,
                     nvcsw_per_switch=csw / switches, handoff="two threading.Lock",
                     state_digest=total([term(seed, 0, 0, counted[0]),
                                         term(seed, 0, 1, counted[1])]))

    def sc_pingpong_chan(self, n: int, seed: int) -> dict[str, Any]:
        rounds = n // 2
        # threading has no unbuffered channel: a one-slot Queue is the closest it has (a send
        # returns once the value is in the slot, not once it is taken)
        ping: queue.Queue[int] = queue.Queue(maxsize=1)
        pong: queue.Queue[int] = queue.Queue(maxsize=1)
        held = [0]

        def server() -> None:
            for _ in range(rounds):
                pong.put(ping.get(timeout=WAIT_S) + 1, timeout=WAIT_S)

        def client() -> None:
            ball = 0
            for _ in range(rounds):
                ping.put(ball, timeout=WAIT_S)
                ball = pong.get(timeout=WAIT_S)
            held[0] = ball

        seconds, csw = self.gated([server, client], "pingpong_chan")
        msgs = 2 * rounds
        return timed(seconds, msgs, ns_per_message=per_op_ns(seconds, msgs),
                     nvcsw_per_message=csw / msgs, channel="queue.Queue(maxsize=1)",
                     substitutions=[SUBST_CHANNEL], state_digest=hexd(term(seed, 0, 0, held[0])))
