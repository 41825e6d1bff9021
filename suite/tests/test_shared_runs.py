"""One measurement per (backend, scenario, params) in a run: the claims and the ParkedMemory
benchmark that ask for the same program share it, say so, and never share a timing sample.

The worker launcher is replaced by a counter, so these tests see exactly which runs would start a
process; what the scenarios return does not matter here, only how often they run."""

from __future__ import annotations

import pytest

from suite import bench, claims, runner

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict]]:
    started: list[tuple[str, str, dict]] = []

    def fake_run_scenario(backend: str, scenario: str, params: dict, timeout: float) -> runner.RunResult:
        started.append((backend, scenario, dict(params)))
        n = params.get("n", 1)
        return runner.RunResult("ok", {"requested": n, "reached": n, "rss_per_unit": 4000.0 + len(started),
                                       "vm_per_unit": 8192.0, "error": None}, params=params, seconds=0.5)

    monkeypatch.setattr(runner, "run_scenario", fake_run_scenario)
    return started


def test_claims_asking_for_the_same_run_share_one_measurement(launches):
    ids = ["stack.initial-size", "scale.thread-thousands", "memory.100k-goroutines"]
    records: list[dict] = []
    runner.run_claims([claims.BY_ID[i] for i in ids], ["native"], quick=True, records=records)
    parked_100k = [x for x in launches if x[1] == "parked" and x[2] == {"n": 100_000}]
    assert len(parked_100k) == 1, launches
    first, *later = records
    assert "reused_from" not in first["runs"][0]
    for rec in later:
        shared = [r for r in rec["runs"] if r["scenario"] == "parked"]
        assert shared and all(r["reused_from"] == "stack.initial-size" for r in shared), rec["runs"]


def test_a_timing_claim_neither_takes_nor_gives_a_shared_run(launches):
    # switch.user-space (timing) and switch.thread-kernel (a count of kernel switches) run the
    # same ping-pong with the same params: the timing claim's samples stay its own
    timing, counting = claims.BY_ID["switch.user-space"], claims.BY_ID["switch.thread-kernel"]
    assert timing.timing and not counting.needs_quiet_machine
    assert timing.runs[0].scenario == counting.runs[0].scenario
    quick = [c.runs[0].quick_params or c.runs[0].params for c in (timing, counting)]
    assert quick[0] == quick[1], quick  # the quick profile runs the same program
    records: list[dict] = []
    runner.run_claims([timing, counting, timing], ["native"], quick=True, records=records)
    assert len([x for x in launches if x[1] == "pingpong_yield"]) == 3, launches
    assert not any("reused_from" in r for rec in records for r in rec["runs"])


def test_the_memory_benchmark_takes_the_claims_run_as_its_first_sample_only(launches, tmp_path):
    shared = runner.SharedRuns()
    runner.run_claims([claims.BY_ID["scale.hundreds-of-thousands"]], ["native"], quick=True,
                      shared=shared)
    before = len(launches)
    records, _ = bench.run([bench.MEMORY], ["native"], "rigorous", tmp_path, lambda line: None,
                           shared=shared)
    series = {s["n"]: s for s in records[0]["series"]}
    ran = [x[2]["n"] for x in launches[before:]]
    # rigorous: 3 samples at 10k and 100k, 1 at 1M; the claim measured 100k and 1M once
    assert sorted(ran) == [10_000] * 3 + [100_000] * 2, ran
    assert series[100_000]["reused_from"] == ["scale.hundreds-of-thousands", None, None]
    assert series[1_000_000]["reused_from"] == ["scale.hundreds-of-thousands"]
    assert "reused_from" not in series[10_000]
    assert len(series[100_000]["values"]) == 3


def test_without_a_shared_store_every_claim_measures_itself(launches):
    store = runner.SharedRuns(claim_runs=False)
    for cid in ("stack.initial-size", "scale.thread-thousands"):
        runner.evaluate(claims.BY_ID[cid], "native", None, quick=True, shared=store)
    assert len([x for x in launches if x[1] == "parked"]) == 2
