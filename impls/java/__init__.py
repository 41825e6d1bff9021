"""The Java backends: ``java-threads`` (platform threads) and ``java-virtual`` (virtual threads).

One Java program (``src/goro/``, one class per section of the article, dispatched by
``Main.java``) serves both; the kind of unit is chosen at JVM start by ``-Dgoro.units=platform``
or ``-Dgoro.units=virtual`` and every scenario starts its units through ``Units.go``. A run is
``java FLAGS -cp CLASSES goro.Main <scenario> '<json params>'`` in a subprocess that prints one
JSON object of observables (``{"@error": msg}`` for a runtime misuse, ``{"@na": reason}`` for a
scenario with no Java counterpart). The program times its own workload with ``System.nanoTime``
and reads its memory from ``/proc/self/status``. Building is cached; see ``toolchain.py``.

JVM flags, the same for every scenario of both backends (``JVM_FLAGS``):

* ``-XX:+UseSerialGC``: one collector thread at a time and no concurrent GC threads competing
  with the units for the 2 cores; ``System.gc()`` is a stop-the-world full collection that has
  finished when it returns, so the "GC before the baseline" rule reads a settled heap
  (``Measure.gc``). Virtual-thread stacks are heap objects, so RSS per parked virtual thread
  depends on the collector: this is the one we measure with, said in the report.
* ``-XX:-UsePerfData``: no ``/tmp/hsperfdata_*`` file mapped into every JVM (its pages would
  count in RSS, and parallel workers would litter /tmp).
* ``-Xss`` and the heap limits are the JVM's defaults (1 MiB thread stacks reserved on Linux
  x86-64; a quarter of RAM as the heap's maximum, reserved, not resident), since the claims are
  about what a default Java program does.
* ``procs`` (GOMAXPROCS): for ``java-virtual`` it becomes
  ``-Djdk.virtualThreadScheduler.parallelism=procs``, the carriers' count; ``maxPoolSize`` is
  left at its default, because the scheduler uses it to add carriers while one is pinned in a
  blocking call, the counterpart of Go's hand-off of a P from a thread in a syscall.
  Platform threads have no such knob: ``java-threads`` ignores procs (as the scenarios'
  contract says of a backend without the knob).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from impls.java import toolchain
from suite.backend import Expect, NotApplicable, RuntimeMisuse, source_where
from suite.scenarios import CATALOGUE, ScenarioError

RUN_TIMEOUT_S = 900.0  # outer bound on one JVM; scenarios bound their own waits first
JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:-UsePerfData")
_SUITE_ROOT = Path(__file__).resolve().parents[2]  # holds suite/ (for suite.echo_client)
# Scenarios the catalogue runs "at one processor" (Go sets GOMAXPROCS(1) inside them): the
# virtual-thread scheduler reads its parallelism once, at JVM start, so the launcher sets it.
ONE_CARRIER = ("pingpong_yield", "pingpong_chan", "syscall_handoff")
LOOPVAR_NA = (
    "a Java lambda captures only effectively-final locals: `for (int i...) go(() -> use(i))` "
    "does not compile, so there is no shared-loop-variable variant to observe"
)


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it if this worker dies (the runner's timeout kill)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _first_error(stderr: str) -> str:
    """The line Main prints for a scenario's error ('goro: ...'), else the first line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("goro: ") or ln.startswith("Exception in thread"):
            return ln
    return lines[0] if lines else "no output"


def run_json(
    argv: list[str], env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT_S
) -> dict[str, Any]:
    """Run the Java program; its last stdout line is the JSON observables."""
    try:
        proc = subprocess.run(
            argv,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"java goro.Main {argv[-2]} did not finish within {timeout:.0f} s"
        ) from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"java exited with status {proc.returncode}: {_first_error(proc.stderr)}"
        )
    out = json.loads(lines[-1])
    if "@error" in out:
        raise RuntimeMisuse(out["@error"])
    if "@na" in out:
        raise NotApplicable(out["@na"])
    return out


class JavaBackend:
    """One of the two Java backends; `units` is the -Dgoro.units value."""

    def __init__(self, name: str, kind: str, units: str, expectations: dict[str, Expect]) -> None:
        self.name, self.kind, self.units = name, kind, units
        self.expectations: dict[str, Expect] = dict(expectations)
        self._classes: Path | None = None  # once per process: pyperf calls run() many times

    # -- contract ------------------------------------------------------------------------------

    def available(self) -> bool | str:
        if toolchain.find_java() is None:
            return toolchain.MISSING_JAVA
        if toolchain.find_javac() is None:
            return toolchain.MISSING_JAVAC
        return True

    def version(self) -> str:
        java = toolchain.find_java()
        if java is None:
            return toolchain.MISSING_JAVA
        return f"{toolchain.tool_version(java)} ({self.units} threads)"

    def source(self, scenario: str) -> str | None:
        """The Java file that registers the scenario."""
        return source_where(Path(__file__).parent / "src" / "goro", "*.java", f'"{scenario}"')

    def command(self, scenario: str, params: dict[str, Any]) -> list[str]:
        """The java command line for one scenario run (the classes built first if needed)."""
        java = toolchain.find_java()
        if java is None:
            raise RuntimeError(toolchain.MISSING_JAVA)
        if self._classes is None:
            self._classes = toolchain.build().classes
        flags = [*JVM_FLAGS, f"-Dgoro.units={self.units}"]
        procs = 1 if scenario in ONE_CARRIER else params.get("procs")
        if self.units == "virtual" and procs is not None:
            flags.append(f"-Djdk.virtualThreadScheduler.parallelism={int(procs)}")
        if scenario == "echo_server":
            flags.append(f"-Dgoro.python={sys.executable}")
        return [java, *flags, "-cp", str(self._classes), "goro.Main", scenario, json.dumps(params)]

    def run(self, scenario: str, **params: Any) -> dict[str, Any]:
        if scenario not in CATALOGUE:
            raise ScenarioError(f"unknown scenario {scenario!r}; accepted: {', '.join(CATALOGUE)}")
        if scenario == "loopvar_capture":
            raise NotApplicable(LOOPVAR_NA)
        env = None
        if scenario == "echo_server":
            path = os.pathsep.join(filter(None, [str(_SUITE_ROOT), os.environ.get("PYTHONPATH")]))
            env = {**os.environ, "PYTHONPATH": path}
        return run_json(self.command(scenario, params), env=env)


# Verdicts that differ from HOLDS, with the measured evidence (filled in from suite runs).
THREADS_EXPECTATIONS: dict[str, Expect] = {}
VIRTUAL_EXPECTATIONS: dict[str, Expect] = {}

threads_backend = JavaBackend("java-threads", "os-thread", "platform", THREADS_EXPECTATIONS)
virtual_backend = JavaBackend("java-virtual", "virtual-thread", "virtual", VIRTUAL_EXPECTATIONS)

__all__ = ["JavaBackend", "threads_backend", "virtual_backend"]
