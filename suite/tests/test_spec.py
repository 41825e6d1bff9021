"""The spec itself: every claim id of CLAIMS.md, sound params, clear errors on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suite import claims, scenarios
from suite.worker import MARK

# The stable ids of the claims catalogue (CLAIMS.md), verbatim: they never change.
CLAIM_IDS = """stack.initial-size stack.thread-size stack.dynamic-growth spawn.cost-ns spawn.thread-cost-us
switch.user-space switch.thread-kernel scale.hundreds-of-thousands scale.thread-thousands memory.100k-threads
memory.100k-goroutines sched.m-n sched.work-stealing sched.syscall-handoff sched.gomaxprocs-default
sched.gomaxprocs-limits go.returns-immediately go.order-nondeterministic go.loopvar-capture waitgroup.waits-all
waitgroup.add-before-go waitgroup.add-inside-races waitgroup.negative-panics race.lost-updates
race.detector-finds race.detector-overhead mutex.counter-exact mutex.unlock-on-panic mutex.unlock-unlocked
rwmutex.readers-share rwmutex.writer-exclusive rwmutex.read-heavy-faster deadlock.lock-order-inversion
deadlock.consistent-order atomic.counter-exact atomic.cas atomic.faster-than-mutex once.runs-once
once.waits-for-init pool.result pool.bounded leak.blocked-sender leak.context-cancel leak.num-goroutine
server.memory-tenth""".split()

pytestmark = pytest.mark.timeout(120)


def test_every_claim_id_is_in_the_spec_once():
    assert sorted(c.id for c in claims.CLAIMS) == sorted(CLAIM_IDS)


@pytest.mark.parametrize("claim", claims.CLAIMS, ids=lambda c: c.id)
def test_claim_entry_is_complete(claim):
    assert claim.subject in ("G", "T", "*")
    assert claim.statement and claim.observable and claim.section
    for run in claim.runs:
        scenarios.validate(run.scenario, run.params)
        if run.quick_params:
            scenarios.validate(run.scenario, run.quick_params)


@given(st.integers())
def test_sizes_outside_bounds_are_rejected_with_the_accepted_range(n):
    p = scenarios.CATALOGUE["spawn"].params["n"]
    if p.lo <= n <= p.hi:
        assert scenarios.validate("spawn", {"n": n})["n"] == n
    else:
        with pytest.raises(scenarios.ScenarioError, match=r"accepted: 1 <= n <= 10_000_000"):
            scenarios.validate("spawn", {"n": n})


def test_unknown_scenario_and_param_name_what_is_accepted():
    with pytest.raises(scenarios.ScenarioError, match="accepted: parked"):
        scenarios.validate("nope", {})
    with pytest.raises(scenarios.ScenarioError, match="accepted: n, procs"):
        scenarios.validate("spawn", {"m": 1})
    with pytest.raises(scenarios.ScenarioError, match="must be an integer"):
        scenarios.validate("spawn", {"n": "10"})


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "suite", *args], capture_output=True, text=True, timeout=100)


@pytest.mark.parametrize("args, needle", [
    (["run", "--backends", "nope"], "unknown backend 'nope'; accepted:"),
    (["run", "--backends", ""], "--backends is empty"),
    (["run", "--backends", ","], "--backends is empty"),
    (["run", "--claims", "spawn.cost"], "unknown claim 'spawn.cost'; accepted:"),
    (["compare", "/nonexistent/a.json", "/nonexistent/b.json"], "no such file"),
])
def test_cli_bad_input_is_one_line_and_exit_2(args, needle):
    p = _cli(*args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], p.stderr


@pytest.mark.parametrize("params, needle", [
    ({"n": -1}, "n=-1 is out of range; accepted: 1 <= n <= 10_000_000"),
    ({"n": 10**12}, "out of range"),
])
def test_worker_rejects_absurd_sizes(params, needle):
    # the backend is never reached: validation comes first, whatever backend is named
    p = subprocess.run([sys.executable, "-m", "suite.worker", "any", "spawn", json.dumps(params)],
                       capture_output=True, text=True, timeout=60)
    res = json.loads(p.stdout.strip().splitlines()[-1][len(MARK):])
    assert res["status"] == "error" and needle in res["message"]


def test_list_shows_claims_and_backends():
    p = _cli("list")
    assert p.returncode == 0, p.stderr
    assert "spawn.cost-ns" in p.stdout and "available" in p.stdout


def test_list_one_claim_names_its_scenario_params_and_each_backends_file():
    p = _cli("list", "--claim", "rwmutex.read-heavy-faster")
    assert p.returncode == 0, p.stderr
    assert "scenario rw_vs_mutex" in p.stdout and "'chain': 256" in p.stdout
    for path in ("impls/golang/src/mutex.go", "native/scenarios/s6_mutex.c",
                 "impls/pyrt/blocking/mutex.py", "impls/asyncio/mutex.py"):
        assert path in p.stdout
    bad = _cli("list", "--claim", "nope")
    assert bad.returncode == 2 and "unknown claim 'nope'; accepted:" in bad.stderr


def test_a_varying_expectation_accepts_a_decided_or_borderline_verdict_only() -> None:
    from suite.backend import as_expected
    assert all(as_expected(v, "varies") for v in ("holds", "refuted", "inconclusive"))
    assert not any(as_expected(v, "varies") for v in ("error", "timeout", "n/a"))
    assert as_expected("holds", "holds") and not as_expected("refuted", "holds")
