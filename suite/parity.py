"""`python -m suite parity`: proof that every backend runs the same program.

Each scenario with digests (suite/plan.py) runs at its catalogue small size on every backend, in
its own worker process as in a real run. A backend agrees when its ``plan_digest`` and
``state_digest`` equal the reference computed from the spec (plan.expected), which also makes
the backends agree with each other. ``--trace K`` adds the first K ops of each worker of the
plan-driven scenarios, side by side with the reference, to show where a disagreement starts.

Exit status: 0 all agree, 1 a disagreement (or a scenario failed), 2 bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from suite import plan, runner, scenarios
from suite.plan import DIGESTS

TRACED = tuple(plan.OP_PLANS)  # the plan-driven scenarios return `trace`
TIMEOUT_S = 300.0
DIGEST_KEYS = ("plan_digest", "state_digest")


class ParityInputError(ValueError):
    """Bad input: its message is one line naming what is accepted."""


@dataclass
class Cell:
    status: str  # agree, differ, n/a, error, timeout
    got: dict[str, str]
    message: str | None = None
    trace: list[list[str]] | None = None


def select_scenarios(names: list[str] | None) -> list[str]:
    if not names:
        return list(DIGESTS)
    for n in names:
        if n not in scenarios.CATALOGUE:
            raise ParityInputError(f"unknown scenario {n!r}; accepted: {', '.join(DIGESTS)}")
        if n not in DIGESTS:
            raise ParityInputError(f"scenario {n!r} has no digests in suite/plan.py; accepted: "
                                   f"{', '.join(DIGESTS)}")
    return names


def params_for(scenario: str, trace: int) -> dict[str, Any]:
    sc = scenarios.CATALOGUE[scenario]
    small = dict(sc.small)
    if trace and scenario in TRACED:
        small["trace"] = trace
    return scenarios.validate(scenario, small)


def reference_trace(scenario: str, p: dict[str, Any], k: int) -> list[list[str]]:
    return [plan.trace_of(ops, k) for ops in plan.worker_plans(scenario, p, k)]


def run_cell(backend: str, scenario: str, params: dict[str, Any], want: dict[str, str]) -> Cell:
    res = runner.run_scenario(backend, scenario, params, TIMEOUT_S)
    if res.status != "ok":
        return Cell(res.status, {}, res.message)
    obs = res.observables or {}
    got = {k: obs[k] for k in want}
    status = "agree" if got == want else "differ"
    return Cell(status, got, trace=obs.get("trace"))


def no_digests(cell: Cell) -> bool:
    return cell.status == "error" and "did not return observables" in (cell.message or "") \
        and "_digest" in (cell.message or "")


def run(backend_names: list[str], scenario_names: list[str], trace: int = 0,
        out=print) -> int:
    usable, info = runner.available_backends(backend_names)
    for n in backend_names:
        if n not in usable:
            out(f"{n}: unavailable ({info[n]['reason']}); skipped")
    names = [n for n in backend_names if n in usable]
    if not names:
        raise ParityInputError("no available backend to check; accepted: "
                               + ", ".join(n for n, i in info.items() if i["available"]))
    failed = 0
    rows: list[list[str]] = []
    for sc in scenario_names:
        p = params_for(sc, trace)
        want = plan.expected(sc, p)
        row = [sc, " ".join(f"{k[:5]}={v}" for k, v in want.items())]
        for b in names:
            cell = run_cell(b, sc, p, want)
            if no_digests(cell):
                raise ParityInputError(
                    f"backend {b!r} returns no digests ({cell.message}); a backend follows "
                    f"suite/plan.py's work plan to be checked; accepted scenarios: {', '.join(DIGESTS)}")
            if cell.status in ("differ", "error", "timeout"):
                failed += 1
            row.append(_cell_text(cell, want))
            if trace and sc in TRACED and cell.trace is not None:
                _print_trace(sc, b, cell.trace, reference_trace(sc, p, trace), out)
        rows.append(row)
    from tabulate import tabulate
    out(tabulate(rows, headers=["scenario", "reference (suite/plan.py)", *names]))
    agree = sum(1 for r in rows if all(c == "=" for c in r[2:]))
    na = [f"{names[i]}: {r[0]}" for r in rows for i, c in enumerate(r[2:]) if c.startswith("n/a")]
    out(f"\n{agree} of {len(rows)} scenarios agree on every backend ({', '.join(names)})"
        + (f"; not applicable: {', '.join(na)}" if na else "")
        + ("" if not failed else f"; {failed} cell(s) differ or failed"))
    return 1 if failed else 0


def _cell_text(cell: Cell, want: dict[str, str]) -> str:
    if cell.status == "agree":
        return "="
    if cell.status == "differ":
        return "DIFFERS " + " ".join(f"{k[:5]}={v}" for k, v in cell.got.items() if v != want[k])
    return f"{cell.status}: {(cell.message or '').splitlines()[0][:60] if cell.message else ''}"


def _print_trace(sc: str, backend: str, got: list[list[str]], ref: list[list[str]], out) -> None:
    from tabulate import tabulate
    rows = []
    for w in range(max(len(got), len(ref))):
        g = got[w] if w < len(got) else []
        r = ref[w] if w < len(ref) else []
        for k in range(max(len(g), len(r))):
            gk, rk = (g[k] if k < len(g) else "-"), (r[k] if k < len(r) else "-")
            rows.append([w, k, rk, gk, "" if gk == rk else "<- differs"])
    out(f"\n{sc}: first ops per worker, reference vs {backend}")
    out(tabulate(rows, headers=["worker", "op", "reference", backend, ""]))
