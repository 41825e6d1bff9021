"""Child interpreters for the scenarios that crash a runtime by design (stack overflow)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from impls.pyrt.timing import WAIT_S
from suite.backend import REPO


def run_child(code: str, timeout: float = WAIT_S) -> tuple[int | None, str]:
    """Run `code` in a fresh interpreter; (exit status, stderr). None status = killed on timeout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(REPO), os.environ.get("PYTHONPATH")]))}
    try:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                           timeout=timeout, stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, err + f"\n(killed after {timeout:.0f} s)"
    return p.returncode, p.stderr


# The unbounded recursion of stack_overflow, for a child program to run as a unit of its library
# (asyncio's own adds a frame-sized buffer).
DOWN = (
    "def down(n):\n"
    "    return down(n + 1) + 1\n"
)


def overflow_observables(code: str) -> dict[str, Any]:
    """stack_overflow: run unbounded recursion in a child; the last traceback line is the error."""
    status, err = run_child(code)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    message = next((ln for ln in reversed(lines) if "Error" in ln or "error" in ln),
                   lines[-1] if lines else "")
    clear = "recursion" in message.lower() or "stack overflow" in message.lower()
    return {"clear_error": clear, "message": message, "exit_code": status}
