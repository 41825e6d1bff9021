"""pytest options shared by every test: select backends and claims from the command line.

    pytest --backend go,native --claim spawn.cost-ns
"""

from __future__ import annotations


def pytest_addoption(parser):
    g = parser.getgroup("goroutine-suite")
    g.addoption("--backend", action="append", default=[], help="backend name(s), comma-separated")
    g.addoption("--claim", action="append", default=[], help="claim id(s), comma-separated")


def _split(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def pytest_generate_tests(metafunc):
    if {"claim_id", "backend_name"} <= set(metafunc.fixturenames):
        from suite import backend, claims

        names = _split(metafunc.config.getoption("backend")) or backend.names()
        for n in names:
            if n not in backend.names():
                raise ValueError(f"unknown backend {n!r}; accepted: {', '.join(backend.names())}")
        ids = [c.id for c in claims.select(_split(metafunc.config.getoption("claim")) or None)]
        pairs = [(b, c) for b in names for c in ids]
        metafunc.parametrize(("backend_name", "claim_id"), pairs, ids=[f"{b}-{c}" for b, c in pairs])
