"""The report is built from results.json alone: the matrix with footnotes, the glance table,
the benchmark tables, and a self-contained HTML page with its charts inlined."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(120)


def _results() -> dict:
    claim = {"id": "spawn.cost-ns", "backend": "b1", "subject": "G", "expected": "holds",
             "expected_reason": None, "observed": "refuted", "evidence": {"ns_per_spawn": 1500.0, "n": 100000},
             "command": "python -m suite run --backends b1 --claims spawn.cost-ns", "runs": []}
    bench = [{"name": "BenchmarkSpawn", "backend": b, "unit": "ns/op", "status": "ok", "median": m,
              "stdev": 1.0, "values": [m, m + 1], "n": 2, "params": {"n": 1000}, "warnings": [],
              "command": f"python -m suite run --claims none --backends {b} --bench Spawn"}
             for b, m in (("b1", 80.0), ("b2", 160.0))]
    bench.append({"name": "BenchmarkParkedMemory", "backend": "b1", "unit": "B/unit", "status": "ok",
                  "median": 4000.0, "values": [4000.0], "n": 1, "at_n": 10000, "stdev": 0.0, "warnings": [],
                  "series": [{"n": 10000, "status": "ok", "values": [4000.0], "median": 4000.0},
                             {"n": 100000, "status": "failed", "reached": 22000, "message": "can't start new thread"}]})
    return {"schema": 1, "environment": {"cpu": "test", "complete": True},
            "backends": {"b1": {"kind": "goroutine", "available": True, "version": "1", "reason": None},
                         "b2": {"kind": "os-thread", "available": True, "version": "2", "reason": None}},
            "claims": [claim], "benchmarks": bench, "bench_meta": {"mode": "fast", "pyperf_args": []}}


def test_report_from_results_json_alone(tmp_path):
    (tmp_path / "results.json").write_text(json.dumps(_results()))
    p = subprocess.run([sys.executable, "-m", "suite", "report", str(tmp_path)], capture_output=True,
                       text=True, timeout=100)
    assert p.returncode == 0, p.stderr
    md = (tmp_path / "REPORT.md").read_text()
    assert "**✗[^1]**" in md  # observed differs from expected: bold
    assert "[^1]: b1, spawn.cost-ns: refuted (expected holds) — ns_per_spawn=1,500; n=100000" in md
    assert "| Spawn (ns/op)" in md and "**80**" in md and "160 (2.0×)" in md
    assert "failed: reached 22000; can't start new thread" in md
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2  # the timing chart and the memory chart
    assert (tmp_path / "benchmarks.png").exists() and (tmp_path / "parked_memory.png").exists()


def test_matrix_names_the_claim_and_keeps_each_note_on_one_line():
    from reports import render

    r = _results()
    r["claims"][0].update(section="1-1", statement="creating a goroutine costs nanoseconds",
                          evidence={"message": "fatal error: stack overflow\n\ngoroutine 2 [running]:"})
    md = render.claims_matrix_md(r)
    assert "| creating a goroutine costs nanoseconds |" in md and "| 1-1 " in md
    note = next(line for line in md.splitlines() if line.startswith("[^1]:"))
    assert note.endswith("message=fatal error: stack overflow goroutine 2 [running]:")
    r["claims"][0].pop("statement")  # a results.json from before statements were recorded
    assert "`spawn.cost-ns`" in render.claims_matrix_md(r)


def test_findings_count_claims_by_subject_and_name_what_a_goroutine_runtime_refutes():
    from reports import render

    r = _results()  # b1 (goroutine) refutes spawn.cost-ns (subject G)
    r["claims"][0].update(section="1-1", statement="creating a goroutine costs nanoseconds",
                          expected_reason="measured 1.5 us")
    r["claims"].append({**r["claims"][0], "backend": "b2", "subject": "G", "observed": "refuted"})
    md = render.findings_md(r)
    assert "| b1        | goroutine | 0 of 1" in md and "| b2        | os-thread | 0 of 1" in md
    assert ("- `spawn.cost-ns` (§1-1: creating a goroutine costs nanoseconds) on **b1**: refuted — "
            "ns_per_spawn=1,500; n=100000. measured 1.5 us") in md
    assert "on **b2**" not in md  # an OS-thread backend refuting a goroutine claim is no news
    r["claims"] = [dict(c, observed="holds") for c in r["claims"]]
    assert "Every goroutine claim holds on every goroutine runtime" in render.findings_md(r)


def test_report_of_a_missing_run_is_a_clear_error(tmp_path):
    p = subprocess.run([sys.executable, "-m", "suite", "report", str(tmp_path)], capture_output=True,
                       text=True, timeout=100)
    assert p.returncode == 2 and "no results.json" in p.stderr


def test_a_backends_note_says_when_to_pick_it() -> None:
    """A backend's `note` (native-small: when to pick its mode) reaches the report."""
    from reports import render
    md = render.environment_md({"environment": {}, "backends": {
        "plain": {"kind": "goroutine", "available": True, "version": "1"},
        "small": {"kind": "goroutine", "available": True, "version": "1", "note": "pick me for idle ones"}}})
    assert "- `small`: pick me for idle ones" in md and "`plain`:" not in md


def test_the_benchmark_tables_say_how_each_backend_was_sampled_and_which_samples_were_shared():
    from reports import benchtables

    r = _results()
    md = benchtables.markdown(r)
    assert "start a process per call" not in md and "the first sample is the run" not in md
    r["benchmarks"][1]["pyperf_args_extra"] = ["--loops", "1", "--warmups", "0"]
    r["benchmarks"][2]["series"][0]["reused_from"] = ["scale.hundreds-of-thousands"]
    md = benchtables.markdown(r)
    assert "b2 start a process per call (a JVM), so pyperf takes one call per value and no " \
           "warm-up value (`--loops 1 --warmups 0`)" in md
    assert "At n=10,000 the first sample is the run the claims made" in md
