"""The threading backend, benchmark: skynet, a tree of a million units."""

from __future__ import annotations

import queue
from typing import Any

from impls.pyrt.timing import WAIT_S, now, timed
from impls.threading.units import go
from suite.plan import hexd, term


class SkynetScenarios:
    """The threading backend, benchmark."""

    def sc_skynet(self, leaves: int, procs: int | None, seed: int) -> dict[str, Any]:
        errors: list[str] = []

        def skynet(num: int, size: int, out: queue.Queue[int]) -> None:
            if size == 1:
                out.put(num)  # leaf i returns i
                return
            kids = min(10, size)  # sizes that are not powers of ten split as evenly as they can
            children: queue.Queue[int] = queue.Queue()
            started = 0
            try:
                for i in range(kids):
                    part = size // kids + (i < size % kids)
                    go(skynet, num, part, children)
                    num += part
                    started += 1
            except RuntimeError as e:  # "can't start new thread": report it, never hang
                errors.append(str(e))
            out.put(sum(children.get(timeout=WAIT_S) for _ in range(started)))

        root: queue.Queue[int] = queue.Queue()
        t0 = now()
        go(skynet, 0, leaves, root)
        got = root.get(timeout=WAIT_S * 2)
        seconds = now() - t0
        if errors:
            raise RuntimeError(f"skynet({leaves}): {len(errors)} thread starts failed, first: "
                               f"{errors[0]!r}")
        return timed(seconds, leaves, total=got, ms=seconds * 1e3,
                     state_digest=hexd(term(seed, 0, 0, got)))
