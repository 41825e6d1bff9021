"""pytest driver of the end-of-run and preemption C tests (issue 13, parts 1 and 2):
native/tests/test_teardown.c and native/tests/test_preempt.c.

The programs are built once per session by native/cbuild.py (plain by default; GORO_SANITIZE=
address or thread for a sanitizer build) and each case runs in its own process with a timeout,
so a hang fails one test instead of the session.
"""

from __future__ import annotations

import pytest
from cdriver import SANITIZE, TIMEOUT, assert_passed, build, case_names, run_case

TEARDOWN = ["teardown_procs1", "teardown_procs2", "teardown_procs3", "teardown_procs4"]
PREEMPT = ["sleeper_wakes", "sleeper_waits_when_off", "registers_survive", "never_in_runtime_or_libc"]
# ThreadSanitizer defers signals to its own safe points: preemption is off there (preempt.c)
PREEMPT_WORKS = SANITIZE != "thread"


@pytest.fixture(scope="session")
def programs(tmp_path_factory) -> dict[str, str]:
    return build(tmp_path_factory, "ctests-preempt", only=["test_teardown", "test_preempt"])


@pytest.mark.timeout(60)
def test_teardown_case_list(programs):
    assert case_names(programs["test_teardown"]) == TEARDOWN


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", TEARDOWN)
def test_teardown(programs, case):
    assert_passed(run_case(programs["test_teardown"], case), case)


@pytest.mark.timeout(60)
def test_preempt_case_list(programs):
    assert case_names(programs["test_preempt"]) == PREEMPT


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", PREEMPT)
def test_preempt(programs, case):
    if not PREEMPT_WORKS and case != "sleeper_waits_when_off":
        pytest.skip("no asynchronous preemption under ThreadSanitizer")
    # each case decides (sleeper_waits_when_off sets asyncpreemptoff=1)
    assert_passed(run_case(programs["test_preempt"], case, {"GODEBUG": ""}), case)
