"""The threading backend, §11: goroutine leaks and the live-unit count."""

from __future__ import annotations

import queue
import threading
from typing import Any

from impls.pyrt.timing import WAIT_S
from impls.threading.units import go, join_all


class LeaksScenarios:
    """The threading backend, §11."""

    def sc_leak_blocked_sender(self, calls: int) -> dict[str, Any]:
        channels: list[queue.Queue[int]] = []

        def leak() -> None:
            ch: queue.Queue[int] = queue.Queue()
            channels.append(ch)  # kept only so the clean-up below can release the sender

            def send() -> None:  # an unbuffered send: hand the value over, wait for the taker
                ch.put(1)
                ch.join()

            go(send)

        baseline = threading.active_count()
        for _ in range(calls):
            leak()
        after = threading.active_count()
        for ch in channels:  # clean-up: play the missing receiver
            ch.get(timeout=WAIT_S)
            ch.task_done()
        return {"baseline": baseline, "after": after, "growth": after - baseline}

    def sc_leak_context_cancel(self, calls: int) -> dict[str, Any]:
        ctx = threading.Event()  # the context: cancel() = set()

        def no_leak() -> threading.Thread:
            def unit() -> None:
                # threading has no select: a thread blocked on a send cannot also watch the
                # context, so the unit waits on the context alone, as a threading user writes it
                ctx.wait(timeout=WAIT_S)

            return go(unit)

        baseline = threading.active_count()
        threads = [no_leak() for _ in range(calls)]
        during = threading.active_count()
        ctx.set()
        join_all(threads)
        return {"baseline": baseline, "during": during, "after_cancel": threading.active_count()}

    def sc_num_goroutine(self, k: int) -> dict[str, Any]:
        release = threading.Event()
        started = threading.Semaphore(0)

        def unit() -> None:
            started.release()
            release.wait(timeout=WAIT_S)

        baseline = threading.active_count()
        threads = [go(unit) for _ in range(k)]
        for _ in range(k):
            started.acquire(timeout=WAIT_S)
        reported = threading.active_count()
        release.set()
        join_all(threads)
        return {"reported": reported, "expected": baseline + k}
