"""The shape of a Python backend: `run` dispatches a scenario to its method ``sc_<scenario>``
and reports the params that method takes as `effective`."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

from suite.backend import REPO, Expect, NotApplicable
from suite.scenarios import CATALOGUE


class PyBackend:
    """Common shape of a Python backend: `run` dispatches to the method ``sc_<scenario>``."""

    name = "?"
    kind = "?"

    expectations: dict[str, Expect] = {}  # claim id -> Expect: the backend module's EXPECTATIONS

    def __init__(self) -> None:
        self.expectations = dict(self.expectations)  # each instance its own copy to amend

    def available(self) -> bool | str:
        return True

    def library_version(self) -> str:
        raise NotImplementedError

    def version(self) -> str:
        return f"{self.library_version()}, CPython {sys.version.split()[0]}"

    def source(self, scenario: str) -> str | None:
        """The file that holds the scenario's code (a wrapper is followed to what it wraps:
        asyncio's sc_ methods run a scenario function of a section module)."""
        method = getattr(self, "sc_" + scenario, None)
        if method is None:
            return None
        path = Path(inspect.getsourcefile(inspect.unwrap(method)) or "").resolve()
        return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name

    def run(self, scenario: str, **params: Any) -> dict[str, Any]:
        if scenario not in CATALOGUE:
            raise NotApplicable(f"unknown scenario {scenario!r}; accepted: {', '.join(CATALOGUE)}")
        method = getattr(self, "sc_" + scenario, None)
        if method is None:
            raise NotApplicable(f"{self.name} does not implement {scenario}")
        obs = method(**params)
        # `effective`: the params the program was written to take (its signature), with the
        # values it was called with; a requested null may be left out.
        accepted = inspect.signature(method).parameters
        effective = {k: v for k, v in params.items() if k in accepted and v is not None}
        return {**obs, "effective": effective}
