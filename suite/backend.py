"""The backend contract and backend discovery.

A backend is a plain object with ``name``, ``kind``, ``available()``, ``version()``,
``run(scenario, **params)`` and ``expectations``. Backends register under the entry-point group
``goroutine_suite.backends``; nothing in ``suite/`` names one. ``GOROSUITE_BACKENDS`` (comma
separated ``name=module:attr``) plugs one in without installing it.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from importlib.metadata import entry_points
from typing import Any, Literal, Protocol

GROUP = "goroutine_suite.backends"
REPO = Path(__file__).resolve().parent.parent
# "inconclusive" is declared only where the claim's figure sits at its bound on this backend
# (claims.BORDERLINE): the suite then says it cannot decide, every run. "varies" is declared
# where repeated quiet runs of the same program gave figures on both sides of the claim's line
# (a JVM's heap after GC, its JIT): any decided or borderline verdict then matches, and the
# reason records the spread measured
Verdict = Literal["holds", "refuted", "n/a", "inconclusive", "varies"]


def as_expected(observed: str, expected: str) -> bool:
    """Whether an observed verdict is the declared one ("varies": holds, refuted or borderline)."""
    if expected == "varies":
        return observed in ("holds", "refuted", "inconclusive")
    return observed == expected
KINDS = ("goroutine", "os-thread", "coroutine", "greenlet", "virtual-thread")


class NotApplicable(Exception):
    """Raised by ``run`` for a scenario that makes no sense on this backend; the message says why."""


class RuntimeMisuse(Exception):
    """A runtime error with the runtime's own message (e.g. 'sync: negative WaitGroup counter')."""


@dataclass(frozen=True)
class Expect:
    verdict: Verdict
    reason: str = ""  # why refuted / n/a: the evidence or the missing feature


HOLDS = Expect("holds")


def refuted(reason: str) -> Expect:
    return Expect("refuted", reason)


def na(reason: str) -> Expect:
    return Expect("n/a", reason)


class Backend(Protocol):
    name: str
    kind: str
    expectations: dict[str, Expect]  # claim id -> expectation; a missing id means HOLDS

    def available(self) -> bool | str: ...  # True, or the reason it is not
    def version(self) -> str: ...
    def run(self, scenario: str, **params: Any) -> dict[str, Any]: ...
    # optional: source(scenario) -> the repository path of the file that implements it
    # (CLAIMS.md and the report link it); Python backends are found from their sc_ methods


def source_where(root: Path, files: str, needle: str) -> str | None:
    """The first file under root matching the glob `files` that contains `needle`, as a path
    relative to the repository (for a backend's `source`)."""
    for path in sorted(root.glob(files)):
        if needle in path.read_text(errors="replace"):
            return str(path.relative_to(REPO))
    return None


class UnknownBackend(ValueError):
    pass


def _load(spec: str) -> Backend:
    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    for part in (attr or "backend").split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[return-value]


def _specs() -> dict[str, str]:
    specs = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    for item in filter(None, os.environ.get("GOROSUITE_BACKENDS", "").split(",")):
        name, _, spec = item.partition("=")
        specs[name.strip()] = spec.strip()
    return specs


def names() -> list[str]:
    return sorted(_specs())


def load(name: str) -> Backend:
    specs = _specs()
    if name not in specs:
        raise UnknownBackend(f"unknown backend {name!r}; accepted: {', '.join(sorted(specs)) or 'none installed'}")
    return _load(specs[name])
