"""pytest driver of the scheduler core's C tests (native/tests/test_core.c).

The C programs are built once per session by native/cbuild.py (plain by default; set
GORO_SANITIZE=address or thread for a sanitizer build). Each case runs in its own process with a
timeout, so a hang fails one test instead of the session. test_core is built at -O2 and -O0:
the TLS-migration case must hold at both.
"""

from __future__ import annotations

import pytest
from cdriver import TIMEOUT, assert_passed, build, case_names, run_case

CASES = [
    "spawn_storm", "yield_pingpong", "steal", "sleep", "handoff", "deadlock", "recursion_256k",
    "stack_overflow", "parked_1m", "tls_migration", "gomaxprocs", "reuse_runs", "syscall_orphan",
    "concurrent_run", "gomaxprocs_env",
]


@pytest.fixture(scope="session")
def programs(tmp_path_factory) -> dict[str, str]:
    return build(tmp_path_factory, "ctests")


@pytest.mark.timeout(60)
def test_case_list_matches(programs):
    assert case_names(programs["test_core"]) == CASES


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("opt", ["O2", "O0"])
@pytest.mark.parametrize("case", [c for c in CASES if c != "stack_overflow"])
def test_core(programs, case, opt):
    exe = programs["test_core" if opt == "O2" else "test_core_O0"]
    assert_passed(run_case(exe, case), case)


@pytest.mark.timeout(TIMEOUT + 30)
def test_stack_overflow_ends_process(programs):
    r = run_case(programs["test_core"], "stack_overflow")
    assert r.returncode == 2, f"exit {r.returncode}\nstderr:\n{r.stderr}"
    assert "fatal error: goroutine stack overflow" in r.stderr
    # the goroutine that overflowed is named: main is 1, the recursing one is 2
    assert "goroutine 2 [running]" in r.stderr


@pytest.mark.timeout(TIMEOUT + 30)
def test_deadlock_message_exact(programs):
    # the case itself compares the full text; here the process view: clean exit, no crash
    r = run_case(programs["test_core"], "deadlock")
    assert r.returncode == 0, r.stderr
