"""pytest driver of the small-stack mode's C tests (issue 16): native/tests/test_smallstack.c.

Built once per session by native/cbuild.py (plain by default; GORO_SANITIZE=address or thread
for a sanitizer build); each case runs in its own process with a timeout. The suite-level
check of the mode is `python -m suite parity --backends native,native-small` (with
GORO_STACKS_BATCH=1 every eligible park is copied aside).
"""

from __future__ import annotations

import pytest
from cdriver import TIMEOUT, assert_passed, build, case_names, run_case

CASES = ["park_many", "chan_values", "chan_close", "select", "mutex", "deep_recursion", "overflow",
         "shared_stack_refused", "mode_choice", "default_untouched", "tree_wakes"]


@pytest.fixture(scope="session")
def programs(tmp_path_factory) -> dict[str, str]:
    return build(tmp_path_factory, "ctests-smallstack", only=["test_smallstack"])


@pytest.mark.timeout(60)
def test_case_list(programs):
    assert case_names(programs["test_smallstack"]) == CASES


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize("case", CASES)
def test_smallstack(programs, case):
    # each case chooses its mode itself, whatever the caller's environment says
    r = run_case(programs["test_smallstack"], case, unset=("GORO_STACKS", "GORO_STACKS_BATCH"))
    assert_passed(r, case)
