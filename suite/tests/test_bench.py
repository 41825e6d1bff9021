"""The benchmark orchestrator: one pyperf job per (benchmark, backend), whose first call also
gives the `extra` observables; a failing backend gets the status and message of its scenario."""

from __future__ import annotations

import os

import pytest

from suite import bench

FAULTY = "faulty=suite.tests.backends.faulty:backend"


@pytest.mark.timeout(180)
def test_echo_keeps_the_bytes_per_connection_of_its_first_call(tmp_path):
    records, _ = bench.run(["Echo1"], ["threading"], "fast", tmp_path, lambda line: None)
    (rec,) = records
    assert rec["status"] == "ok", rec
    assert rec["n"] >= 2 and rec["median"] > 0
    per_conn = rec["extra"]["bytes_per_conn"]
    assert isinstance(per_conn, (int, float)) and per_conn > 0, rec["extra"]
    # the side file the first call wrote is gone; only pyperf's own JSON stays
    assert [p.name for p in (tmp_path / "pyperf").iterdir()] == ["BenchmarkEcho1-threading.json"]


@pytest.mark.timeout(180)
def test_a_backend_that_fails_gets_its_scenarios_status_not_a_pyperf_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("GOROSUITE_BACKENDS", FAULTY)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")])))
    records, _ = bench.run(["Spawn", "Yield"], ["faulty"], "fast", tmp_path, lambda line: None)
    by = {r["name"]: r for r in records}
    assert by["BenchmarkSpawn"]["status"] == "error"
    assert "killed by SIGKILL" in by["BenchmarkSpawn"]["message"], by["BenchmarkSpawn"]
    assert by["BenchmarkYield"]["status"] == "error"
    assert "killed by SIGSEGV" in by["BenchmarkYield"]["message"], by["BenchmarkYield"]
