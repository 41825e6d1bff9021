"""pytest driver of the end-of-run and preemption C tests (issue 13, parts 1 and 2):
native/tests/test_teardown.c and native/tests/test_preempt.c.

The programs are built once per session by native/cbuild.py (plain by default; GORO_SANITIZE=
address or thread for a sanitizer build) and each case runs in its own process with a timeout,
so a hang fails one test instead of the session.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import cbuild  # noqa: E402

SANITIZE = os.environ.get("GORO_SANITIZE") or None
if SANITIZE not in (None, *cbuild.SANITIZERS):
    raise pytest.UsageError(f"GORO_SANITIZE={SANITIZE!r}: accepted are unset, 'address', 'thread' or 'undefined'")

TEARDOWN = ["teardown_procs1", "teardown_procs2", "teardown_procs3", "teardown_procs4"]
PREEMPT = ["sleeper_wakes", "sleeper_waits_when_off", "registers_survive", "never_in_runtime_or_libc"]
# ThreadSanitizer defers signals to its own safe points: preemption is off there (preempt.c)
PREEMPT_WORKS = SANITIZE != "thread"
TIMEOUT = 300 if SANITIZE else 120


@pytest.fixture(scope="session")
def programs(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp(f"ctests-preempt-{SANITIZE or 'plain'}")
    return cbuild.build(SANITIZE, str(out), only=["test_teardown", "test_preempt"])


def run_case(exe: str, case: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([exe, case], capture_output=True, text=True, timeout=TIMEOUT,
                          env=cbuild.case_env(**(env or {})))


@pytest.mark.timeout(60)
def test_teardown_case_list(programs):
    out = subprocess.run([programs["test_teardown"], "list"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == TEARDOWN


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", TEARDOWN)
def test_teardown(programs, case):
    r = run_case(programs["test_teardown"], case)
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert f"ok {case}" in r.stdout


@pytest.mark.timeout(60)
def test_preempt_case_list(programs):
    out = subprocess.run([programs["test_preempt"], "list"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == PREEMPT


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", PREEMPT)
def test_preempt(programs, case):
    if not PREEMPT_WORKS and case != "sleeper_waits_when_off":
        pytest.skip("no asynchronous preemption under ThreadSanitizer")
    env = {"GODEBUG": ""}  # each case decides (sleeper_waits_when_off sets asyncpreemptoff=1)
    r = run_case(programs["test_preempt"], case, env)
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert f"ok {case}" in r.stdout
