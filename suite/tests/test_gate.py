"""The CI gate: a significant slowdown past the threshold fails; noise and speed-ups pass;
same-run ratios are checked against the gate file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)


def _results(path: Path, benches: dict[tuple[str, str], list[float]]) -> Path:
    from statistics import median

    data = {"schema": 1, "environment": {}, "backends": {}, "claims": [],
            "benchmarks": [{"name": n, "backend": b, "unit": "ns/op", "status": "ok", "values": v,
                            "median": median(v)} for (n, b), v in benches.items()]}
    path.write_text(json.dumps(data))
    return path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "suite", *args], capture_output=True, text=True, timeout=60)


BASE = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2]


def test_significant_regression_fails(tmp_path):
    old = _results(tmp_path / "old.json", {("BenchmarkSpawn", "native"): BASE})
    new = _results(tmp_path / "new.json", {("BenchmarkSpawn", "native"): [v * 1.3 for v in BASE]})
    p = _run("compare", str(old), str(new))
    assert p.returncode == 1 and "BenchmarkSpawn/backend=native is +30.0%" in p.stderr


def test_noise_and_speedups_pass(tmp_path):
    old = _results(tmp_path / "old.json", {("BenchmarkSpawn", "native"): BASE,
                                           ("BenchmarkYield", "go"): BASE})
    new = _results(tmp_path / "new.json", {("BenchmarkSpawn", "native"): [100.3, 99.1, 101.2, 99.8, 100.0, 100.9],
                                           ("BenchmarkYield", "go"): [v * 0.5 for v in BASE]})
    p = _run("compare", str(old), str(new))
    assert p.returncode == 0, p.stderr
    assert "~" in p.stdout and "-50.0%" in p.stdout


def test_per_benchmark_threshold_from_gate_file(tmp_path):
    old = _results(tmp_path / "old.json", {("BenchmarkSpawn", "native"): BASE})
    new = _results(tmp_path / "new.json", {("BenchmarkSpawn", "native"): [v * 1.3 for v in BASE]})
    gate = tmp_path / "gate.toml"
    gate.write_text("[thresholds]\nBenchmarkSpawn = 50\n")
    assert _run("compare", str(old), str(new), "--gate", str(gate)).returncode == 0


def test_same_run_ratio_gate(tmp_path):
    res = _results(tmp_path / "r.json", {("BenchmarkSpawn", "native"): [40.0, 41.0],
                                         ("BenchmarkSpawn", "go"): [200.0, 210.0]})
    gate = tmp_path / "gate.toml"
    gate.write_text('[[ratio]]\nbench = "BenchmarkSpawn"\nnumerator = "native"\ndenominator = "go"\nmax = 0.5\n')
    p = _run("gate", str(res), "--gate", str(gate))
    assert p.returncode == 0 and "0.198" in p.stdout, p.stdout + p.stderr
    gate.write_text('[[ratio]]\nbench = "BenchmarkSpawn"\nnumerator = "native"\ndenominator = "go"\nmax = 0.1\n')
    p = _run("gate", str(res), "--gate", str(gate))
    assert p.returncode == 1 and "native/go = 0.198 > 0.1" in p.stderr
    gate.write_text('[[ratio]]\nbench = "BenchmarkSkynet"\nnumerator = "native"\ndenominator = "go"\nmax = 1\n')
    p = _run("gate", str(res), "--gate", str(gate))
    assert p.returncode == 1 and "missing from the run" in p.stderr


@pytest.mark.parametrize("args, needle", [
    (["--threshold", "-5"], "accepted: 0 < threshold <= 1000"),
    (["--gate", "/nonexistent.toml"], "no such gate file"),
])
def test_gate_bad_input(tmp_path, args, needle):
    r = _results(tmp_path / "r.json", {})
    p = _run("compare", str(r), str(r), *args)
    assert p.returncode == 2 and needle in p.stderr and len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content, needle", [
    ('{"schema": 1, "bench', "not JSON"),  # truncated
    ("[1, 2]", "a JSON list, not a results.json object"),
    ('{"schema": 2}', "schema 2 not supported; accepted: 1"),
    ('{"schema": 1, "benchmarks": [{"median": 1}]}', "must be a list of records with name and backend"),
])
@pytest.mark.parametrize("cmd", ["compare", "gate"])
def test_malformed_results_file_is_one_line_and_exit_2(tmp_path, content, needle, cmd):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    gate = tmp_path / "gate.toml"
    gate.write_text('[[ratio]]\nbench = "BenchmarkSpawn"\nnumerator = "native"\ndenominator = "go"\nmax = 0.5\n')
    args = [str(bad), str(bad)] if cmd == "compare" else [str(bad), "--gate", str(gate)]
    p = _run(cmd, *args)
    assert p.returncode == 2 and needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
