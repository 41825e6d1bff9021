"""pytest driver of the netpoller's C tests (native/tests/test_netpoll.c).

The program is built once per session with the flags of native/cbuild.py (plain, or
GORO_SANITIZE=address|thread|undefined); each case runs in its own process with a timeout, so
a lost wake-up (a hang) fails its case instead of the session.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.dirname(HERE)
sys.path.insert(0, NATIVE)

import cbuild  # noqa: E402

SANITIZE = os.environ.get("GORO_SANITIZE") or None
if SANITIZE not in (None, *cbuild.SANITIZERS):
    raise pytest.UsageError(f"GORO_SANITIZE={SANITIZE!r}: accepted are unset, 'address', 'thread' or 'undefined'")

CASES = ["many_pairs", "deadlines", "close_wakes_waiter", "errors", "no_lost_wakeups",
         "io_wait_not_deadlock", "deadlock_still_detected", "io_beside_syscall"]
TIMEOUT = 300 if SANITIZE else 120


@pytest.fixture(scope="session")
def program(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp(f"netpoll-{SANITIZE or 'plain'}")
    # cbuild's build: the runtime's own section and the target's context switch, as every test
    return cbuild.build(SANITIZE, str(out), only=["test_netpoll"])["test_netpoll"]


@pytest.mark.timeout(60)
def test_case_list_matches(program):
    out = subprocess.run([program, "list"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == CASES


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", CASES)
def test_netpoll(program, case):
    r = subprocess.run([program, case], capture_output=True, text=True, timeout=TIMEOUT, env=cbuild.case_env())
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert f"ok {case}" in r.stdout
