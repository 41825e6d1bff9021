"""The threading backend with a deliberately altered op mix: reads chosen by `i % 100` (the
rule Go's rw_vs_mutex used before the shared plan) instead of the plan's draw. Everything else
is the real threading backend, so only the op mix differs: parity must catch it. The rule is
swapped in when a scenario runs (in the worker process), never at import, so the process that
computes the reference is not touched."""

from typing import Any

from impls.threading import ThreadingBackend
from suite import plan


def _strided_rw_op(seed: int, w: int, i: int, read_pct: int, keys: int) -> tuple[int, int]:
    r = plan.draw(seed, w, i)
    return (plan.READ if i % 100 < read_pct else plan.WRITE), (r >> 32) % keys


class Altered(ThreadingBackend):
    name = "altered"

    def run(self, scenario: str, **params: Any) -> dict[str, Any]:
        plan.rw_op = _strided_rw_op
        return super().run(scenario, **params)


backend = Altered()
