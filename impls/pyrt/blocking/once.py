"""Scenario bodies shared by threading and gevent, §9: sync.Once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impls.pyrt.primitives import Once
from impls.pyrt.timing import WAIT_S, now, per_op_ns, timed
from suite.plan import MASK, hexd, term, total


class OnceScenarios:
    """Scenario bodies shared by threading and gevent, §9."""

    def sc_once_runs_once(self, callers: int, trials: int, seed: int) -> dict[str, Any]:
        o = self._once_trials(callers, trials, 0, seed)
        return {"trials": trials, "max_init_count": o["max_init_count"],
                "all_same_instance": o["all_same_instance"], "plan_digest": o["plan_digest"],
                "state_digest": o["state_digest"]}

    def sc_once_waits(self, callers: int, trials: int, init_ms: int,
                      seed: int) -> dict[str, Any]:
        o = self._once_trials(callers, trials, init_ms, seed)
        return {"trials": trials, "unset_observed": o["unset_observed"],
                "plan_digest": o["plan_digest"], "state_digest": o["state_digest"]}

    def sc_once(self, n: int, seed: int) -> dict[str, Any]:
        once = Once(self.Lock)
        runs = 0

        def init() -> None:
            nonlocal runs
            runs += 1

        once.do(init)
        t0 = now()
        for _ in range(n):
            once.do(init)
        seconds = now() - t0
        return timed(seconds, n, ns_per_op=per_op_ns(seconds, n),
                     state_digest=hexd(term(seed, 0, 0, runs)))

    def _once_trials(self, callers: int, trials: int, init_ms: int,
                     seed: int) -> dict[str, Any]:
        """Per trial: init runs, whether every caller got the one instance, callers that saw
        none after Do; and the digests (term(seed, t, c, 1) per caller after Do, the init count
        of each trial)."""
        plan_terms: list[int] = []
        max_runs = unset = 0
        all_same = True
        state_acc = 0
        for t in range(trials):
            once = Once(self.Lock)
            gate = self.Event()
            runs = 0
            instance = None
            seen: list[object] = []

            def init() -> None:
                nonlocal runs, instance
                runs += 1
                if init_ms:
                    self.sleep(init_ms / 1e3)  # a slow init: the other callers get to run
                instance = object()

            def caller(c: int, t: int = t, once: Once = once, gate: Any = gate,
                       seen: list[object] = seen, init: Callable[[], None] = init) -> None:
                gate.wait(timeout=WAIT_S)  # all callers released at once
                once.do(init)
                seen.append(instance)  # noqa: B023 (read right after Do, as the spec says)
                plan_terms.append(term(seed, t, c, 1))

            units = [self.go(caller, c) for c in range(callers)]
            gate.set()
            self.join_or_fail(units, "once")
            max_runs = max(max_runs, runs)
            all_same &= len(seen) == callers and all(s is instance for s in seen)
            unset += sum(s is None for s in seen)
            state_acc = (state_acc + term(seed, t, callers, runs)) & MASK
        return {"max_init_count": max_runs, "all_same_instance": all_same,
                "unset_observed": unset, "plan_digest": total(plan_terms),
                "state_digest": hexd(state_acc)}
