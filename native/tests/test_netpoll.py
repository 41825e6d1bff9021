"""pytest driver of the netpoller's C tests (native/tests/test_netpoll.c).

The program is built once per session with the flags of native/cbuild.py (plain, or
GORO_SANITIZE=address|thread|undefined); each case runs in its own process with a timeout, so
a lost wake-up (a hang) fails its case instead of the session.
"""

from __future__ import annotations

import pytest
from cdriver import TIMEOUT, assert_passed, build, case_names, run_case

CASES = ["many_pairs", "deadlines", "close_wakes_waiter", "errors", "no_lost_wakeups",
         "io_wait_not_deadlock", "deadlock_still_detected", "io_beside_syscall"]


@pytest.fixture(scope="session")
def program(tmp_path_factory) -> str:
    return build(tmp_path_factory, "netpoll", only=["test_netpoll"])["test_netpoll"]


@pytest.mark.timeout(60)
def test_case_list_matches(program):
    assert case_names(program) == CASES


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", CASES)
def test_netpoll(program, case):
    assert_passed(run_case(program, case), case)
