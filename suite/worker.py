"""Run one scenario of one backend in this (fresh) process and print its observables.

``python -m suite.worker BACKEND SCENARIO [JSON-PARAMS]`` prints one line
``@@RESULT {"status": ..., ...}`` last on stdout. The runner starts one worker per scenario so
that memory readings start clean, a crash or a hang stays contained, and per-process settings
(GOMAXPROCS, monkey-patching) never leak between scenarios.
"""

from __future__ import annotations

import json
import sys
import traceback

from suite import scenarios
from suite.backend import NotApplicable, RuntimeMisuse, load

MARK = "@@RESULT "


def effective_mismatch(params: dict, effective: object) -> str | None:
    """Why a run's `effective` values (what the program used) differ from the requested
    params, or None. A param requested as None (the runtime's default) may be absent."""
    if not isinstance(effective, dict):
        return "did not return `effective` (the param values it used)"
    for key, want in params.items():
        if want is None:
            continue
        if key not in effective:
            return f"did not report the effective value of {key!r} (requested {want!r})"
        if effective[key] != want:
            return f"ran with {key}={effective[key]!r}, but {key}={want!r} was requested"
    return None


def run_one(backend_name: str, scenario: str, params: dict) -> dict:
    try:
        params = scenarios.validate(scenario, params)
        backend = load(backend_name)
        ok = backend.available()
        if ok is not True:
            return {"status": "n/a", "message": f"backend unavailable: {ok}"}
        obs = backend.run(scenario, **params)
        missing = [k for k in scenarios.CATALOGUE[scenario].observables if k not in obs]
        if missing:
            return {"status": "error", "message": f"{backend_name}.{scenario} did not return "
                    f"observables {missing}", "observables": obs}
        mismatch = effective_mismatch(params, obs.get("effective"))
        if mismatch:
            return {"status": "error", "message": f"{backend_name}.{scenario}: {mismatch}",
                    "observables": obs}
        return {"status": "ok", "params": params, "observables": obs}
    except NotApplicable as e:
        return {"status": "n/a", "message": str(e)}
    except RuntimeMisuse as e:
        return {"status": "error", "message": str(e)}
    except Exception as e:  # reported as the scenario's error, with the traceback tail
        tb = traceback.format_exc(limit=-3)
        return {"status": "error", "message": f"{type(e).__name__}: {e}", "traceback": tb}


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python -m suite.worker BACKEND SCENARIO [JSON-PARAMS]", file=sys.stderr)
        return 2
    params = json.loads(argv[2]) if len(argv) == 3 else {}
    result = run_one(argv[0], argv[1], params)
    sys.stdout.flush()
    print(MARK + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
