"""Running a compiled scenario program (Go's goscen, Java's goro.Main) as a child process, and
asking a toolchain its version.

The program prints one JSON object of observables as its last stdout line; ``{"@error": msg}``
is the runtime's misuse message (suite.backend.RuntimeMisuse) and ``{"@na": reason}`` a
scenario that makes no sense there (NotApplicable). The child dies with the worker that
started it, so the runner's timeout kill never leaves a program running.
"""

from __future__ import annotations

import ctypes
import json
import re
import signal
import subprocess
from typing import Any, Callable

from suite.backend import NotApplicable, RuntimeMisuse


_VERSIONS: dict[tuple[str, ...], subprocess.CompletedProcess] = {}


def tool_version(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """A toolchain's version command (`go version`, `java -version`), run once per process."""
    key = tuple(argv)
    if key not in _VERSIONS:
        _VERSIONS[key] = subprocess.run(argv, check=False, capture_output=True, text=True,
                                        timeout=60, env=env, stdin=subprocess.DEVNULL)
    return _VERSIONS[key]


def first_message(stderr: str, compiler_line: re.Pattern[str], skip: tuple[str, ...] = ()) -> str:
    """A compiler's first message (a line compiler_line matches), else the first meaningful line
    (one not starting with a prefix in skip)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if compiler_line.match(ln):
            return ln
    return next((ln for ln in lines if not ln.startswith(skip)), "(no output)")


def die_with_parent() -> None:
    """In the child before exec: SIGKILL it if this worker dies (the runner's timeout kill)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def run_json(argv: list[str], *, what: str, timeout: float, first_error: Callable[[str], str],
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one scenario program (`what` names it in errors); return its observables."""
    try:
        proc = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=timeout,
                              env=env, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"{what} did not finish within {timeout:.0f} s") from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        err = first_error(proc.stderr) if proc.stderr.strip() else "no output"
        raise RuntimeError(f"{what} exited with status {proc.returncode}: {err}")
    out = json.loads(lines[-1])
    if "@error" in out:
        raise RuntimeMisuse(out["@error"])
    if "@na" in out:
        raise NotApplicable(out["@na"])
    return out
