"""The backend contract, once for every backend (trio's generic_lock_test style): each registered
backend x each scenario of the catalogue, at the catalogue's `small` size.

A run either returns every observable the catalogue lists, the params it ran with (`effective`)
equal to those asked for, and the digests suite/plan.py requires; or it raises NotApplicable
with a reason (a backend that merely "does not implement" a scenario fails). A backend that is
not available on this machine (no toolchain) is skipped with its own reason. Each run is a fresh
`python -m suite.worker` process, as the suite runs it, so a crash or a thread limit stays in it.
Any other backend registered later (java-*) is covered without editing this file.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from functools import cache

import pytest

from suite import backend as backends
from suite import claims, plan, scenarios
from suite.backend import KINDS, REPO, Expect

BACKENDS = backends.names()
RUN_TIMEOUT_S = 240  # the worker's own bound on a small run is far below this
# Scenarios a backend does not run yet and answers with an error instead of NotApplicable.
# Strict: once the backend runs one, its entry must go (the test then fails as XPASS).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


@cache
def availability(name: str) -> bool | str:
    try:
        return backends.load(name).available()
    except Exception as e:  # noqa: BLE001 - a backend that cannot load is reported, not raised
        return f"cannot load: {type(e).__name__}: {e}"


def worker(name: str, scenario: str, params: dict) -> dict:
    p = subprocess.run([sys.executable, "-m", "suite.worker", name, scenario, json.dumps(params)],
                       capture_output=True, text=True, cwd=REPO, check=False,
                       timeout=RUN_TIMEOUT_S, stdin=subprocess.DEVNULL)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("@@RESULT ")]
    assert lines, f"worker printed no @@RESULT (exit {p.returncode}): {p.stderr[-2000:]}"
    return json.loads(lines[-1][len("@@RESULT "):])


@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
@pytest.mark.parametrize("scenario", list(scenarios.CATALOGUE))
@pytest.mark.parametrize("name", BACKENDS)
def test_scenario_honours_the_contract(name: str, scenario: str) -> None:
    ok = availability(name)
    if ok is not True:
        pytest.skip(f"{name} unavailable here: {ok}")
    gap = KNOWN_GAPS.get((name, scenario))
    asked = scenarios.validate(scenario, scenarios.CATALOGUE[scenario].small)
    res = worker(name, scenario, asked)
    if gap is not None:
        assert res["status"] != "ok", f"{name}.{scenario} runs now: remove it from KNOWN_GAPS"
        pytest.xfail(gap)
    if res["status"] == "n/a":
        message = res.get("message") or ""
        assert message.strip(), f"{name}.{scenario}: NotApplicable must say why"
        assert "does not implement" not in message, f"{name}.{scenario}: {message}"
        return
    assert res["status"] == "ok", f"{name}.{scenario}: {res.get('message')}"
    obs = res["observables"]
    missing = sorted(set(scenarios.CATALOGUE[scenario].observables) - set(obs))
    assert not missing, f"{name}.{scenario} did not return {missing}"
    assert obs["effective"] == {k: v for k, v in asked.items() if v is not None}
    if scenario in plan.EXPECTED:
        want = plan.expected(scenario, asked)
        assert {k: obs[k] for k in want} == want, f"{name}.{scenario}: digests differ"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", BACKENDS)
def test_identity_and_unknown_scenario(name: str) -> None:
    ok = availability(name)
    if ok is not True:
        pytest.skip(f"{name} unavailable here: {ok}")
    b = backends.load(name)
    assert b.name == name and b.kind in KINDS
    assert b.version().strip()
    res = worker(name, "no_such_scenario", {})
    assert res["status"] in ("error", "n/a") and "accepted:" in res["message"], res


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", BACKENDS)
def test_expectations_are_one_module_table(name: str) -> None:
    """Every backend declares its expectations one way: a module-level `EXPECTATIONS` table
    beside it (claim id -> Expect, each refuted or n/a with its evidence); what the backend
    object holds is that table, amended only where the machine decides (native's race entry)."""
    module = importlib.import_module(backends._specs()[name].partition(":")[0])
    table = getattr(module, "EXPECTATIONS", None)
    assert isinstance(table, dict), f"{module.__name__} has no module-level EXPECTATIONS table"
    if name in table:  # a module of several backends (impls/java) keys its table by backend
        table = table[name]
    b = backends.load(name)
    for key, exp in {**table, **b.expectations}.items():
        # "<claim>@<reference>": the verdict when a claim is judged against a fallback reference
        claim_id, _, ref = key.partition("@")
        assert claim_id in claims.BY_ID, f"{name}: {claim_id} is not a claim"
        assert not ref or ref in claims.BY_ID[claim_id].references[1:], \
            f"{name}: {key}: {ref} is not one of the claim's fallback references"
        assert isinstance(exp, Expect) and exp.verdict in ("holds", "refuted", "n/a", "inconclusive", "varies")
        assert exp.verdict == "holds" or exp.reason.strip(), f"{name}: {claim_id} needs a reason"
    assert set(b.expectations) >= set(table), f"{name} dropped entries of its EXPECTATIONS"
