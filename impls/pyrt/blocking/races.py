"""Scenario bodies shared by threading and gevent, §5: data races and the race detector."""

from __future__ import annotations

from typing import Any

from impls.pyrt.races import NO_RACE_DETECTOR
from suite.backend import NotApplicable


class RacesScenarios:
    """Scenario bodies shared by threading and gevent, §5."""

    def sc_race_detector(self) -> dict[str, Any]:
        raise NotApplicable(NO_RACE_DETECTOR)

    def sc_race_overhead(self, units: int, increments: int, race: int) -> dict[str, Any]:
        raise NotApplicable(NO_RACE_DETECTOR)
