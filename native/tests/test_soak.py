"""The short soak for `tox`: native/tests/soak.py, 30 rounds, judged by the same drift rules.

soak.py runs in a child process: its figures are that process's own (not pytest's heap or
threads), and a stuck goro_run ends that child (soak.py's watchdog exits with status 3) instead
of leaving this session with a runtime that cannot start another run. The full version is
`python native/tests/soak.py --rounds 200` (tox -e soak).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOAK = HERE / "soak.py"

# Every in-process scenario that does not leak by design (~0.16 s a round on an idle 2-core
# machine, so 30 rounds take ~5 s; the budget leaves room for a loaded one).
ROUNDS, WARMUP, BUDGET_S, ROUND_TIMEOUT_S = 30, 10, 60, 30
RSS_LIMIT_PCT, THREAD_ALLOWANCE, FD_ALLOWANCE = 5.0, 2, 0


def _native_built() -> bool:
    try:
        from impls.native import lib
    except ImportError:
        return False
    return lib is not None


@pytest.mark.timeout(BUDGET_S + ROUND_TIMEOUT_S + 30)
@pytest.mark.skipif(not _native_built(), reason="native runtime not built (impls/_goro)")
def test_soak_short(tmp_path):
    out = tmp_path / "soak.json"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(SOAK), "--rounds", str(ROUNDS), "--warmup", str(WARMUP),
         "--budget", str(BUDGET_S), "--round-timeout", str(ROUND_TIMEOUT_S),
         "--rss-limit", str(RSS_LIMIT_PCT), "--thread-allowance", str(THREAD_ALLOWANCE),
         "--fd-allowance", str(FD_ALLOWANCE), "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=path),
        timeout=BUDGET_S + ROUND_TIMEOUT_S + 20, check=False)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-6000:]}\nstderr:\n{proc.stderr[-6000:]}"
    assert proc.returncode != 3, "a round got stuck (soak.py's watchdog):\n" + report
    assert out.exists(), report
    summary = json.loads(out.read_text())

    # the same rules as soak.py's own verdict, checked here from its figures
    assert summary["rounds"] == ROUNDS, report
    assert not summary["failures"], report
    warm, last = summary["warm"], summary["last"]
    assert (last["rss"] - warm["rss"]) / warm["rss"] * 100 <= RSS_LIMIT_PCT, report
    assert last["threads"] - warm["threads"] <= THREAD_ALLOWANCE, report
    assert last["fds"] - warm["fds"] <= FD_ALLOWANCE, report
    assert not summary["problems"] and proc.returncode == 0, report
