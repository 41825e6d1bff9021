"""The gevent backend, §1: what a unit costs: parked memory, stacks, spawn, the switch."""

from __future__ import annotations

import gc
from typing import Any

from impls.gevent.units import gevent, greenlet
from impls.pyrt.children import DOWN, overflow_observables
from impls.pyrt.memory import error_text, parked_observables, rss, vm
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite.plan import hexd, term, total


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


class MemoryScenarios:
    """The gevent backend, §1."""

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
        rss0, vm0 = rss(), vm()
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
        rss1, vm1 = rss(), vm()
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
            + DOWN
            + "gevent.spawn(down, 0).get(timeout=60)\n")

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
