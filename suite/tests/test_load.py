"""Verdicts under load: with two CPU-burning processes beside it, a timing claim is measured
again and, if the machine stays busy, is `inconclusive` with the load as its reason — never the
verdict the load produced."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from suite import backend, claims, runner

BURN = "while True: pass"


@pytest.fixture
def two_burners():
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(2)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
            p.wait()


@pytest.mark.timeout(60)
def test_the_meter_sees_other_processes_cpu(two_burners):
    meter = runner.LoadMeter()
    # the meter's own process waits on a child that does nothing; the burners take the CPUs
    subprocess.run([sys.executable, "-c", "import time; time.sleep(1.0)"], check=True)
    share = meter.share()
    assert share is not None and share > 0.5, share


@pytest.mark.timeout(300)
def test_a_timing_claim_under_load_is_inconclusive_not_wrong(two_burners):
    b = backend.load("native")
    if b.available() is not True:
        pytest.fail(f"native must be built for this test: {b.available()}")
    t0 = time.monotonic()
    rec = runner.evaluate(claims.BY_ID["sched.gomaxprocs-limits"], "native", b, quick=True)
    assert rec["observed"] == "inconclusive", rec
    assert "of the CPUs while it was measured" in rec["evidence"]["reason"]
    assert all(r["interference"] > runner.LOAD_LIMIT for r in rec["runs"][:1])
    assert time.monotonic() - t0 < 240


@pytest.mark.timeout(60)
def test_a_race_claim_under_load_is_inconclusive_not_refuted(monkeypatch):
    """race.lost-updates needs two units at once on two CPUs; a busy machine serialises them."""
    calls = []

    def loaded_run(backend_name, scenario, params, timeout):
        calls.append(scenario)
        n = params.get("units", 1000) * params.get("increments", 1)  # catalogue defaults
        obs = {"trials": params["trials"], "expected": n, "lossy_trials": 0, "min": n,
               "distinct_values": [n]}
        return runner.RunResult("ok", obs, params=params, seconds=0.5, interference=0.45)

    monkeypatch.setattr(runner, "run_scenario", loaded_run)
    claim = claims.BY_ID["race.lost-updates"]
    assert claim.parallel and not claim.timing
    rec = runner.evaluate(claim, "native", backend.load("native"), quick=True)
    assert rec["observed"] == "inconclusive", rec
    assert rec["evidence"]["verdict_under_load"] == "refuted"
    assert len(calls) == len(claim.runs) * (runner.LOAD_RETRIES + 1)
