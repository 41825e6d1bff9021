"""A backend written before the work plan existed: right observables, no digests."""

from typing import Any

from suite import scenarios


class NoDigests:
    name = "no-digests"
    kind = "os-thread"
    expectations: dict = {}

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "test"

    def run(self, scenario: str, **params: Any) -> dict[str, Any]:
        keys = scenarios.CATALOGUE[scenario].observables
        return {**{k: 0 for k in keys if not k.endswith("_digest")}, "effective": params}


backend = NoDigests()
