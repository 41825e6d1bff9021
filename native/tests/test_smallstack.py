"""pytest driver of the small-stack mode's C tests (issue 16): native/tests/test_smallstack.c.

Built once per session by native/cbuild.py (plain by default; GORO_SANITIZE=address or thread
for a sanitizer build); each case runs in its own process with a timeout. The suite-level
check of the mode is `python -m suite parity --backends native,native-small` (with
GORO_STACKS_BATCH=1 every eligible park is copied aside).
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

CASES = ["park_many", "chan_values", "chan_close", "select", "mutex", "deep_recursion", "overflow",
         "shared_stack_refused", "mode_choice", "default_untouched", "tree_wakes"]
TIMEOUT = 300 if SANITIZE else 120


@pytest.fixture(scope="session")
def programs(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp(f"ctests-smallstack-{SANITIZE or 'plain'}")
    return cbuild.build(SANITIZE, str(out), only=["test_smallstack"])


@pytest.mark.timeout(60)
def test_case_list(programs):
    out = subprocess.run([programs["test_smallstack"], "list"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == CASES


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", CASES)
def test_smallstack(programs, case):
    env = cbuild.case_env()
    env.pop("GORO_STACKS", None)
    env.pop("GORO_STACKS_BATCH", None)
    r = subprocess.run([programs["test_smallstack"], case], capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert f"ok {case}" in r.stdout
