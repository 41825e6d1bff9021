"""Scenario bodies shared by threading and gevent, §4: WaitGroup and its rules."""

from __future__ import annotations

from typing import Any

from suite.plan import MASK, hexd, term, total


class WaitgroupScenarios:
    """Scenario bodies shared by threading and gevent, §4."""

    def sc_wg_waits_all(self, n: int, trials: int, seed: int) -> dict[str, Any]:
        bad, digest = self._wg_trials(n, trials, seed)
        return {"trials": trials, "violations": bad, "plan_digest": digest}

    def sc_wg_add_before(self, n: int, trials: int, seed: int) -> dict[str, Any]:
        bad, digest = self._wg_trials(n, trials, seed)
        return {"trials": trials, "early_returns": bad, "plan_digest": digest}

    def sc_wg_add_inside(self, n: int, trials: int, seed: int) -> dict[str, Any]:
        def trial(t: int) -> tuple[bool, list[str], int]:
            """(Wait returned early, misuse errors raised, digest of the finished workers)"""
            wg = self.WaitGroup()
            done = [False] * n
            misuse: list[str] = []

            def worker(i: int) -> None:
                try:
                    # too late: the spawner may already be in Wait (a greenlet's always is:
                    # gevent runs nothing spawned until the spawner blocks)
                    wg.add(1)
                    done[i] = True
                    wg.done()
                except ValueError as e:
                    misuse.append(str(e))

            units = [self.go(worker, i) for i in range(n)]
            wg.wait()  # right after spawning, by the spawner
            early = not all(done)
            self.join_or_fail(units, "wg_add_inside")
            # counted once every worker has finished, not at Wait's return
            return early, misuse, sum(term(seed, t, w, 1) for w in range(n) if done[w])

        results = [trial(t) for t in range(trials)]
        errors = [m[0] for _, m, _ in results if m]
        return {"trials": trials, "early_returns": sum(e for e, _, _ in results),
                "errors": len(errors), "first_error": errors[0] if errors else None,
                "plan_digest": total(d for _, _, d in results)}

    def sc_wg_negative(self) -> dict[str, Any]:
        try:
            self.WaitGroup().done()
        except ValueError as e:
            return {"raised": True, "error": str(e)}
        return {"raised": False, "error": None}

    def sc_waitgroup(self, n: int, procs: int | None, warmup_units: int,
                     seed: int) -> dict[str, Any]:
        go, WaitGroup = self.go, self.WaitGroup

        def fan_out(count: int) -> None:
            wg = WaitGroup()
            wg.add(count)
            for _ in range(count):
                go(wg.done)
            wg.wait()

        return self.timed_fan(fan_out, n, warmup_units, seed, "ns_per_unit")

    def _wg_trials(self, n: int, trials: int, seed: int) -> tuple[int, str]:
        """(trials in which Wait returned while a worker had not set its done flag, plan digest:
        term(seed, t, w, 1) per flag found set right after Wait)."""
        digest = 0

        def trial(t: int) -> bool:
            nonlocal digest
            wg = self.WaitGroup()
            done = [False] * n

            def worker(i: int) -> None:
                done[i] = True
                wg.done()

            for i in range(n):
                wg.add(1)
                self.go(worker, i)
            wg.wait()
            seen = list(done)  # right after Wait
            digest = (digest + sum(term(seed, t, w, 1) for w in range(n) if seen[w])) & MASK
            return all(seen)

        bad = sum(not trial(t) for t in range(trials))
        return bad, hexd(digest)
