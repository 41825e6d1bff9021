"""What the pytest drivers of the runtime's C test programs share (test_core.py, test_netpoll.py,
test_preempt.py, test_smallstack.py).

A driver builds its programs once per session through native/cbuild.py, in the build
GORO_SANITIZE names (unset: plain; address, thread or undefined), and runs each case in its own
process with a timeout, so a hang or a crash fails one case instead of the session. Every C test
program answers `list` with its case names and prints `ok NAME` when a case passed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import cbuild  # noqa: E402

SANITIZE = os.environ.get("GORO_SANITIZE") or None
if SANITIZE not in (None, *cbuild.SANITIZERS):
    raise pytest.UsageError(f"GORO_SANITIZE={SANITIZE!r}: accepted are unset, 'address', 'thread' or 'undefined'")
TIMEOUT = 300 if SANITIZE else 120  # one case, in seconds; sanitizer builds run 2-10x slower


def build(tmp_path_factory: pytest.TempPathFactory, label: str, only: list[str] | None = None) -> dict[str, str]:
    """The session's build of the named programs (all when None): name -> executable."""
    out = tmp_path_factory.mktemp(f"{label}-{SANITIZE or 'plain'}")
    return cbuild.build(SANITIZE, str(out), only=only)


def case_names(exe: str) -> list[str]:
    return subprocess.run([exe, "list"], capture_output=True, text=True, check=True, timeout=60).stdout.split()


def run_case(exe: str, case: str, env: dict[str, str] | None = None,
             unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """One case in its own process, in the sanitizers' environment plus env, without unset."""
    full = cbuild.case_env(**(env or {}))
    for name in unset:
        full.pop(name, None)
    return subprocess.run([exe, case], capture_output=True, text=True, timeout=TIMEOUT, env=full)


def assert_passed(r: subprocess.CompletedProcess, case: str) -> None:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert f"ok {case}" in r.stdout
