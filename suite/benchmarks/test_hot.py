"""The hot benchmarks as pytest-benchmark tests, for users who gate with
`--benchmark-compare-fail`. Not collected by the default test run; run them with

    tox -e pytest-bench                       # saves a baseline under .benchmarks/
    tox -e pytest-bench -- --benchmark-compare --benchmark-compare-fail=median:10%

pytest-benchmark times the whole `backend.run` call: for in-process backends that is the
workload plus microseconds; for `go` it also includes starting the scenario binary (a few ms
against a 100+ ms workload). The figure measured inside the backend (what `tox -e bench`
reports) is kept in `extra_info["backend_ns_per_op"]`.
"""

from __future__ import annotations

import pytest

from suite import backend as backends
from suite import scenarios
from suite.bench import BY_NAME

HOT = ("Spawn", "Yield", "ChanPingPong", "MutexUncontended", "WaitGroup", "Skynet")


def _cases():
    for name in backends.names():
        for bench in HOT:
            yield pytest.param(name, bench, id=f"{bench}-{name}")


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("backend_name", "bench_name"), list(_cases()))
def test_hot(benchmark, backend_name, bench_name):
    be = backends.load(backend_name)
    ok = be.available()
    if ok is not True:
        pytest.skip(f"backend {backend_name} unavailable: {ok}")
    b = BY_NAME[bench_name]
    params = scenarios.validate(b.scenario, b.params_for(be.kind))
    obs = benchmark.pedantic(be.run, args=(b.scenario,), kwargs=params, rounds=5, warmup_rounds=1)
    ops = params[b.ops] if b.ops else 1
    benchmark.extra_info.update(params=params, backend_ns_per_op=obs[b.seconds_key] / ops * 1e9)
