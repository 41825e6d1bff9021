"""Every claim on every backend: the observed verdict must equal the backend's expectation.

A claim that does not hold on a backend is not skipped: the backend declares `refuted` (with
the evidence in the reason) and this test checks that the measurement still says so.
"""

from __future__ import annotations

import json

import pytest

from suite import backend, claims, runner

_refs: runner.SharedRuns | None = None


def _references() -> runner.SharedRuns:
    """References measured once for the session; each test measures its own claim's runs."""
    global _refs
    if _refs is None:
        _refs = runner.SharedRuns(runner.available_backends(backend.names())[0], claim_runs=False)
    return _refs


def test_claim(backend_name: str, claim_id: str, request: pytest.FixtureRequest) -> None:
    claim = claims.BY_ID[claim_id]
    # every scenario run is bounded by the runner; this bounds the test as a whole
    runs = sum(len(r.schedule()) for r in claim.runs)
    request.node.add_marker(pytest.mark.timeout(claim.timeout * (runs + 1) + 60))
    b = backend.load(backend_name)
    ok = b.available()
    if ok is not True:
        pytest.skip(f"backend {backend_name} unavailable: {ok}")
    rec = runner.evaluate(claim, backend_name, b, quick=True, shared=_references())
    if rec["observed"] == "inconclusive" and not backend.as_expected("inconclusive", rec["expected"]):
        # withheld only because other processes loaded the machine while it was measured (the
        # runner's meter says how much): on an idle machine this branch is never taken
        busiest = max(r.get("interference") or 0.0 for r in rec["runs"])
        assert claim.needs_quiet_machine and busiest > runner.LOAD_LIMIT, rec
        return
    assert backend.as_expected(rec["observed"], rec["expected"]), (
        f"{backend_name} {claim_id}: expected {rec['expected']}"
        f" ({rec['expected_reason'] or 'the claim holds'}), observed {rec['observed']}\n"
        f"evidence: {json.dumps(rec['evidence'], default=str)[:2000]}\n"
        f"runs: {json.dumps(rec['runs'], default=str)[:1000]}")


def test_a_fallback_reference_is_named_and_judged_by_its_own_expectation(
        request: pytest.FixtureRequest) -> None:
    """server.memory-tenth without Java: asyncio is judged against CPython's threads, the cell
    names that reference, and the backend's `claim@threading` expectation applies."""
    request.node.add_marker(pytest.mark.timeout(300))
    claim = claims.BY_ID["server.memory-tenth"]
    threading_backend = backend.load("threading")
    refs = runner.SharedRuns({"threading": threading_backend}, claim_runs=False)  # no java-threads
    rec = runner.evaluate(claim, "asyncio", backend.load("asyncio"), quick=True, shared=refs)
    assert rec["reference"] == "threading" and rec["reference_fallback"] == "java-threads unavailable"
    assert rec["evidence"]["reference"] == "threading" and "ratio_vs_threading" in rec["evidence"]
    assert (rec["expected"], rec["observed"]) == ("refuted", "refuted"), rec
    own = runner.evaluate(claim, "threading", threading_backend, quick=True, shared=refs)
    assert (own["expected"], own["observed"]) == ("n/a", "n/a"), own
