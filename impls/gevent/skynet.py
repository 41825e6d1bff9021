"""The gevent backend, benchmark: skynet, a tree of a million units."""

from __future__ import annotations

from typing import Any

from impls.gevent.units import gevent
from impls.pyrt.timing import WAIT_S, now, timed
from suite.plan import hexd, term


class SkynetScenarios:
    """The gevent backend, benchmark."""

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
