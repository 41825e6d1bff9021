"""The work plan and `python -m suite parity`: every backend runs the same program."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from suite import claims, plan, scenarios
from suite.worker import effective_mismatch

TEST_BACKENDS = ("altered=suite.tests.backends.altered:backend,"
                 "no-digests=suite.tests.backends.no_digests:backend")


def _parity(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "GOROSUITE_BACKENDS": TEST_BACKENDS}
    return subprocess.run([sys.executable, "-m", "suite", "parity", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_splitmix64_matches_the_published_sequence():
    # SplitMix64 seeded with 0: its first two outputs (Vigna's reference implementation)
    assert plan.mix(0) == 0xE220A8397B1DCDAF
    assert plan.mix(plan.GOLDEN) == 0x6E789E6AA1B965F4


def test_digests_are_order_independent_and_see_every_term():
    terms = [plan.term(1, w, i, 7) for w in range(3) for i in range(50)]
    assert plan.total(terms) == plan.total(reversed(terms))
    assert plan.total(terms) != plan.total(terms[1:])


def test_every_digest_scenario_declares_its_digests_and_a_small_size():
    for name in plan.DIGESTS:
        sc = scenarios.CATALOGUE[name]
        p = scenarios.validate(name, sc.small)
        want = plan.expected(name, p)
        assert set(want) == {k for k in sc.observables if k.endswith("_digest")}, name
    assert len(plan.DIGESTS) >= 25


@pytest.mark.timeout(900)
def test_parity_all_backends_agree():
    p = _parity("--backends", "native,go,threading,asyncio,gevent", timeout=880)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    summary = p.stdout.strip().splitlines()[-1]
    agree = int(summary.split(" of ")[0])
    assert agree >= 25 and "differ" not in summary, summary
    # the one scenario a backend cannot run: CPython has no compare-and-swap
    assert summary.endswith("not applicable: threading: atomic_cas"), summary


@pytest.mark.timeout(300)
def test_parity_catches_an_altered_op_mix_and_traces_it():
    p = _parity("--backends", "threading,altered", "--scenarios", "rw_vs_mutex", "--trace", "64")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "DIFFERS" in p.stdout and "<- differs" in p.stdout
    row = next(line for line in p.stdout.splitlines()
               if line.startswith("rw_vs_mutex ") and "plan_=" in line)
    cells = row.split("  ")  # threading agrees, altered does not
    assert [c.strip() for c in cells if c.strip()][2:4] == ["=", row[row.index("DIFFERS"):].strip()]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args, needle", [
    (["--scenarios", "nope"], "unknown scenario 'nope'; accepted: rw_vs_mutex"),
    (["--scenarios", "parked"], "scenario 'parked' has no digests in suite/plan.py; accepted:"),
    (["--backends", "nope"], "unknown backend 'nope'; accepted:"),
    (["--trace", "99"], "--trace 99 is out of range; accepted: 0 <= K <= 64"),
    (["--backends", "no-digests", "--scenarios", "pool_result"], "backend 'no-digests' returns no digests"),
])
def test_parity_bad_input_is_one_line_and_exit_2(args, needle):
    p = _parity(*args)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], p.stderr


def test_worker_rejects_effective_values_that_differ_from_the_request():
    params = {"n": 100, "workers": 4, "procs": None}
    assert effective_mismatch(params, {"n": 100, "workers": 4}) is None
    assert "workers=8, but workers=4" in effective_mismatch(params, {"n": 100, "workers": 8})
    assert "effective value of 'workers'" in effective_mismatch(params, {"n": 100})
    assert "did not return `effective`" in effective_mismatch(params, None)


# A check reads the same keys on every backend: a key that is missing or None is the backend's
# error (the runner turns the exception into an `error` verdict), never a pass.
FULL = {
    "parked": {"reached": 10, "requested": 10, "error": None, "rss_per_unit": 3000.0,
               "vm_per_unit": 9e6, "rss_before": 1, "rss_parked": 30001},
    "example": {"rss_delta": 1000},
}
MISSING = [
    (claims.check_stack_initial, {"parked": FULL["parked"]}, "parked", "rss_per_unit"),
    (claims.check_thread_size, {"parked": FULL["parked"]}, "parked", "vm_per_unit"),
    (claims.check_100k_goroutines, FULL, "example", "rss_delta"),
    (claims.check_m_n, {"run": {"units": 100, "distinct_threads": 2}}, "run", "distinct_threads"),
    (claims.check_stealing, {"run": {"units": 100, "distinct_threads": 2}}, "run", "distinct_threads"),
]


@pytest.mark.parametrize("check, obs, run, key", MISSING,
                         ids=[f"{c.__name__}-{k}" for c, _, _, k in MISSING])
def test_a_missing_observable_is_an_error_not_a_verdict(check, obs, run, key):
    check(obs)  # complete: a verdict
    for broken in (None, "absent"):
        bad = {k: dict(v) for k, v in obs.items()}
        if broken is None:
            bad[run][key] = None
        else:
            del bad[run][key]
        with pytest.raises(KeyError, match=key):
            check(bad)


def test_sampled_checks_aggregate_the_suites_samples():
    s = claims.Samples({"rw": [{"seconds": 1.0}, {"seconds": 3.0}, {"seconds": 2.0}],
                        "mutex": [{"seconds": 4.0}, {"seconds": 4.0}, {"seconds": 5.0}]})
    verdict, ev = claims.check_read_heavy({"run": s})
    assert verdict == "holds" and ev["throughput_ratio_rw_over_mutex"] == 2.0
    s["rw"][0] = {}
    with pytest.raises(KeyError):
        claims.check_read_heavy({"run": s})


def test_the_catalogue_in_the_repository_is_up_to_date():
    p = subprocess.run([sys.executable, "-m", "suite", "catalogue", "--check"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
