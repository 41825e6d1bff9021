"""The threading backend with a deliberately altered op mix: reads chosen by `i % 100` (the
rule Go's rw_vs_mutex used before the shared plan) instead of the plan's draw. Everything else
is the real threading backend, so only the op mix differs: parity must catch it."""

from suite import plan


def _strided_rw_op(seed: int, w: int, i: int, read_pct: int, keys: int) -> tuple[int, int]:
    r = plan.draw(seed, w, i)
    return (plan.READ if i % 100 < read_pct else plan.WRITE), (r >> 32) % keys


plan.rw_op = _strided_rw_op  # before the backend is imported, so it plans with this rule

from impls.threads import backend  # noqa: E402,F401 - the patched backend, exported
