"""Shards and merge: shards 1/N..N/N partition the work exactly; shards 1/3, 2/3, 3/3 of a real
run merge to the unsharded run's matrix cell for cell; runs of two machines merge into one
report with a machine axis; bad shards and bad inputs are one line and exit 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from suite import shard
from suite.tests.test_history import MACHINE_A, MACHINE_B, results_at

pytestmark = pytest.mark.timeout(120)

# four claims that take a fraction of a second each on asyncio
CLAIMS = "once.runs-once,atomic.cas,go.returns-immediately,waitgroup.waits-all"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "suite", *args], capture_output=True, text=True, timeout=100)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_shards_partition_claims_and_benchmarks_exactly(n):
    claims = [f"c{i}" for i in range(11)]
    benches = ["Spawn", "Yield", "Skynet", "ParkedMemory"]
    got_c, got_b, sizes = [], [], []
    for k in range(1, n + 1):
        c, b, rec = shard.select(shard.Shard(k, n), claims, benches)
        got_c += c
        got_b += b
        sizes.append(len(c) + len(b))
        assert rec["selection"] == shard.select(shard.Shard(1, n), claims, benches)[2]["selection"]
        assert c == [x for x in claims if x in c]  # the given order is kept
    assert sorted(got_c) == sorted(claims) and len(got_c) == len(claims)
    assert sorted(got_b) == sorted(benches) and len(got_b) == len(benches)
    assert max(sizes) - min(sizes) <= 1
    if n >= 2:  # the benchmarks (sorted first) are dealt out, not all given to one shard
        assert sum(1 for k in range(1, n + 1) if shard.select(shard.Shard(k, n), claims, benches)[1]) >= 2


@pytest.mark.parametrize("bad", ["3/2", "0/3", "x/y", "1/0", "2", "-1/3", ""])
def test_a_bad_shard_is_one_line_and_exit_2(tmp_path, bad):
    p = _cli("run", "--backends", "asyncio", "--claims", "atomic.cas", "--bench", "none",
             f"--shard={bad}", "-o", str(tmp_path / "out"), "--no-history")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "accepted: K/N with 1 <= K <= N" in lines[0], p.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def _cells(results_json: Path) -> list[list[str]]:
    from reports import render

    headers, rows, _ = render._matrix(json.loads(results_json.read_text()))
    return [headers] + [[re.sub(r"\[\^\d+\]", "", c) for c in row] for row in rows]


def test_shards_merge_to_the_unsharded_runs_cells(tmp_path):
    db = tmp_path / "h.sqlite"
    common = ["--backends", "asyncio", "--claims", CLAIMS, "--bench", "none", "--history", str(db)]
    full = _cli("run", *common, "-o", str(tmp_path / "full"))
    assert full.returncode == 0, full.stderr
    for k in (1, 2, 3):
        p = _cli("run", *common, "--shard", f"{k}/3", "-o", str(tmp_path / f"s{k}"))
        assert p.returncode == 0, p.stderr
    ran = [[r["id"] for r in json.loads((tmp_path / f"s{k}" / "results.json").read_text())["claims"]]
           for k in (1, 2, 3)]
    assert sorted(sum(ran, [])) == sorted(CLAIMS.split(",")) and all(ran)
    p = _cli("merge", *(str(tmp_path / f"s{k}") for k in (3, 1, 2)), "-o", str(tmp_path / "merged"))
    assert p.returncode == 0, p.stderr
    machines = list((tmp_path / "merged" / "machines").iterdir())
    assert len(machines) == 1
    merged = machines[0] / "results.json"
    assert _cells(merged) == _cells(tmp_path / "full" / "results.json")
    data = json.loads(merged.read_text())
    assert data["environment"]["complete"] is True and data["merged_shards"]["missing"] == []
    assert [r["id"] for r in data["claims"]] == CLAIMS.split(",")  # the unsharded order
    assert (machines[0] / "report.html").exists()
    md = (tmp_path / "merged" / "REPORT.md").read_text()
    assert "3 of 3 shards" in md and "`atomic.cas`" in md
    import sqlite3

    shards = sqlite3.connect(db).execute("SELECT shard FROM runs ORDER BY id").fetchall()
    assert shards == [(None,), ("1/3",), ("2/3",), ("3/3",)]  # every run recorded in the history

    # a missing shard is said, and the merged machine is incomplete
    p = _cli("merge", str(tmp_path / "s1"), str(tmp_path / "s3"), "-o", str(tmp_path / "partial"))
    assert p.returncode == 0 and "shard(s) 2 of 3 missing" in p.stderr
    part = json.loads(next((tmp_path / "partial" / "machines").iterdir()).joinpath("results.json").read_text())
    assert part["environment"]["complete"] is False
    # the same shard twice, or shards mixed with a whole run, are refused
    for args, needle in (([tmp_path / "s1", tmp_path / "s1"], "are both shard 1/3"),
                         ([tmp_path / "full", tmp_path / "s1"], "is a whole run")):
        p = _cli("merge", *map(str, args), "-o", str(tmp_path / "bad"))
        assert p.returncode == 2 and needle in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def _two_machines(tmp_path: Path) -> list[str]:
    paths = []
    for name, machine, verdict, native in (("a", MACHINE_A, "holds", 80.0), ("b", MACHINE_B, "refuted", 240.0)):
        r = results_at("c1", 1, machine,
                       {("BenchmarkSpawn", "native"): [native, native + 2],
                        ("BenchmarkSpawn", "go"): [160.0, 162.0]},
                       {("sched.work-stealing", "native"): (verdict, "holds"),
                        ("atomic.cas", "native"): ("holds", "holds")})
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(r))
        paths.append(str(path))
    return paths


def test_two_machines_merge_into_a_report_with_a_machine_axis(tmp_path):
    from suite import history

    p = _cli("merge", *_two_machines(tmp_path), "-o", str(tmp_path / "m"))
    assert p.returncode == 0, p.stderr
    md = (tmp_path / "m" / "REPORT.md").read_text()
    a, b = (history.fingerprint(m)[0][:7] for m in (MACHINE_A, MACHINE_B))
    assert f"## Machine `{a}`" in md and f"## Machine `{b}`" in md
    diff = md.split("## Verdicts that differ between machines")[1].split("##")[0]
    assert "`sched.work-stealing`" in diff and "**✗ refuted**" in diff and "atomic.cas" not in diff
    ratios = md.split("## Ratios to Go per machine")[1].split("##")[0]
    row = next(line for line in ratios.splitlines() if line.startswith("| Spawn"))
    assert "0.503×" in row and "1.5×" in row  # 81/161 on A, 241/161 on B
    assert "## Summary score per machine" in md
    assert "<table>" in (tmp_path / "m" / "report.html").read_text()
    summary = json.loads((tmp_path / "m" / "merged.json").read_text())
    assert len(summary["machines"]) == 2
    for m in summary["machines"].values():
        assert (tmp_path / "m" / m["results"]).exists()


def test_merge_bad_input_is_one_line_and_exit_2(tmp_path):
    a, b = _two_machines(tmp_path)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"schema": 2, "runs": []}))
    later = json.loads(Path(a).read_text())
    later["environment"]["commit"] = "c2"
    (tmp_path / "later.json").write_text(json.dumps(later))
    bad_shard = json.loads(Path(a).read_text())
    bad_shard["shard"] = {"index": 4, "count": 3}
    (tmp_path / "badshard.json").write_text(json.dumps(bad_shard))
    for args, needle in (([a, str(other)], "not a results.json of schema 1"),
                         ([a, str(tmp_path / "absent.json")], "No such file"),
                         ([a, str(tmp_path / "later.json")], "accepted: one commit per machine"),
                         ([a, a], "is a whole run"),
                         ([str(tmp_path / "badshard.json")], "1 <= K <= N")):
        p = _cli("merge", *args, "-o", str(tmp_path / "out"))
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 2 and len(lines) == 1 and needle in lines[0], (args, p.stderr)
        assert not (tmp_path / "out" / "REPORT.md").exists()


def test_benchmark_shards_merge_in_the_unsharded_order_with_their_pyperf_files(tmp_path):
    benches = ["Spawn", "Yield", "Skynet"]
    full = results_at("c1", 1, MACHINE_A, {(f"Benchmark{b}", be): [10.0 + i, 11.0 + i]
                                            for i, b in enumerate(benches) for be in ("go", "native")})
    paths = []
    for k in (1, 2):
        _, mine, rec = shard.select(shard.Shard(k, 2), [], benches)
        part = {**full, "shard": rec,
                "benchmarks": [dict(b, pyperf_json=f"pyperf/{b['name']}-{b['backend']}.json")
                               for b in full["benchmarks"] if b["name"].removeprefix("Benchmark") in mine]}
        d = tmp_path / f"s{k}"
        (d / "pyperf").mkdir(parents=True)
        for b in part["benchmarks"]:
            (d / b["pyperf_json"]).write_text(json.dumps({"shard": k, "name": b["name"]}))
        (d / "results.json").write_text(json.dumps(part))
        paths.append(str(d))
    p = _cli("merge", *reversed(paths), "-o", str(tmp_path / "m"))
    assert p.returncode == 0, p.stderr
    d = next((tmp_path / "m" / "machines").iterdir())
    merged = json.loads((d / "results.json").read_text())
    assert [(b["name"], b["backend"]) for b in merged["benchmarks"]] == \
        [(b["name"], b["backend"]) for b in full["benchmarks"]]
    for b in merged["benchmarks"]:
        assert json.loads((d / b["pyperf_json"]).read_text())["name"] == b["name"]
    assert (d / "bench.txt").read_text().count("\n") == 12  # 6 records x 2 values


def test_shards_opening_a_new_history_at_once_create_it_once(tmp_path):
    from suite.tests.test_history import _series

    db = tmp_path / "new.sqlite"
    code = ("import json, sys\nfrom suite import history\n"
            "history.History(sys.argv[1]).record(json.load(open(sys.argv[2])))\n")
    files = []
    for i, r in enumerate(_series(2, None, commits=4)):
        files.append(tmp_path / f"r{i}.json")
        files[-1].write_text(json.dumps(r))
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db), str(f)], stderr=subprocess.PIPE, text=True)
             for f in files]
    errs = [p.communicate(timeout=60)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    import sqlite3

    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone() == (4,)
