"""Plumbing shared by the Python backends (threading, gevent; asyncio may import it too).

Nothing here is a scenario: the scenarios live in each backend module, written in that library's
idiom (those that read the same under threading and gevent, once, in pyshared.py). This module holds what surrounds them — the dispatch from scenario name to method, fixed
CPU work, child processes for crashes, the echo-client driver, small summaries — so that the
scenario bodies stay as short as the article's snippets.
"""

from __future__ import annotations

import inspect
import os
import resource
import select
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from impls import pyutil
from suite.backend import Expect, NotApplicable
from suite.scenarios import CATALOGUE

# Upper bound for any wait that should end quickly: if it ever expires, the scenario reports
# what it saw instead of hanging (the runner's own timeout is 300 s per scenario).
WAIT_S = 120.0

NEGATIVE_WG = "sync: negative WaitGroup counter"

NO_RACE_DETECTOR = ("Python has no race detector for Python code (ThreadSanitizer sees only the "
                    "interpreter's C code, whose data races the GIL prevents)")


class PyBackend:
    """Common shape of a Python backend: `run` dispatches to the method ``sc_<scenario>``."""

    name = "?"
    kind = "?"

    def __init__(self) -> None:
        self.expectations: dict[str, Expect] = {}  # claim id -> Expect; set per backend

    def available(self) -> bool | str:
        return True

    def library_version(self) -> str:
        raise NotImplementedError

    def version(self) -> str:
        return f"{self.library_version()}, CPython {sys.version.split()[0]}"

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


# ---- timing --------------------------------------------------------------------------------

def timed(seconds: float, ops: int, **extra: Any) -> dict[str, Any]:
    """Observables of a timing scenario: seconds, ops and any per-op figures given."""
    return {"seconds": seconds, "ops": ops, **extra}


def per_op_ns(seconds: float, ops: int) -> float:
    return seconds / ops * 1e9


# ---- fixed CPU work ------------------------------------------------------------------------
# pyutil.spin runs for a wall-clock time, which would hide the GIL: two threads spinning
# "200 ms" each finish together whether or not they ran in parallel. Parallelism scenarios need a
# fixed amount of work instead, calibrated once on one thread.

def burn(iterations: int) -> int:
    x = 0
    for i in range(iterations):
        x = (x * 31 + i) & 0xFFFF
    return x


def calibrate(ms: float) -> int:
    """Iterations of `burn` that take about `ms` milliseconds on one thread, alone."""
    n = 10_000
    while True:
        t0 = pyutil.now()
        burn(n)
        took = pyutil.now() - t0
        if took > 0.02:
            return max(1, int(n * (ms / 1e3) / took))
        n *= 4


# ---- memory, fds ---------------------------------------------------------------------------

def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


def error_text(e: BaseException) -> str:
    """An exhaustion error as the user sees it: a RuntimeError's message verbatim ("can't start
    new thread"), any other error with its type (MemoryError, OSError: [Errno 11] ...)."""
    if isinstance(e, RuntimeError) and str(e):
        return str(e)
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def parked_observables(requested: int, reached: int, error: str | None, rss0: int, vm0: int,
                       rss1: int, vm1: int, seconds: float, **extra: Any) -> dict[str, Any]:
    per = max(reached, 1)
    return {"requested": requested, "reached": reached, "error": error,
            "rss_before": rss0, "rss_parked": rss1, "vm_before": vm0, "vm_parked": vm1,
            "rss_per_unit": (rss1 - rss0) / per, "vm_per_unit": (vm1 - vm0) / per,
            "runtime_stack_bytes": None, "runtime_heap_bytes": None,
            "seconds_to_park": seconds, **extra}


# ---- summaries -----------------------------------------------------------------------------

def value_summary(expected: int, finals: list[int]) -> dict[str, Any]:
    """racy_counter's observables from the final counter value of each trial."""
    return {"trials": len(finals), "expected": expected,
            "lossy_trials": sum(v < expected for v in finals), "min": min(finals),
            "distinct_values": sorted(set(finals))[:20]}


def order_summary(orders: list[str]) -> dict[str, Any]:
    counts = Counter(orders)
    return {"trials": len(orders), "distinct_orders": len(counts), "orders": dict(counts)}


def loopvar_variant(semantics: str, runs: list[list[int]]) -> dict[str, Any]:
    distinct = sum(len(set(r)) == len(r) for r in runs)
    return {"semantics": semantics, "trials": len(runs), "runs_all_distinct": distinct,
            "runs_with_duplicates": len(runs) - distinct, "sample": sorted(runs[-1])}


# ---- child processes -----------------------------------------------------------------------

def run_child(code: str, timeout: float = WAIT_S) -> tuple[int | None, str]:
    """Run `code` in a fresh interpreter; (exit status, stderr). None status = killed on timeout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.environ.get("PYTHONPATH")]))}
    try:
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                           timeout=timeout, stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, err + f"\n(killed after {timeout:.0f} s)"
    return p.returncode, p.stderr


def overflow_observables(code: str) -> dict[str, Any]:
    """stack_overflow: run unbounded recursion in a child; the last traceback line is the error."""
    status, err = run_child(code)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    message = next((ln for ln in reversed(lines) if "Error" in ln or "error" in ln),
                   lines[-1] if lines else "")
    clear = "recursion" in message.lower() or "stack overflow" in message.lower()
    return {"clear_error": clear, "message": message, "exit_code": status}


# ---- the echo client -----------------------------------------------------------------------

class EchoClient:
    """Drives `python -m suite.echo_client` through its line protocol; every read is bounded."""

    def __init__(self, port: int, conns: int, rounds: int):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "suite.echo_client", "--port", str(port), "--conns",
             str(conns), "--rounds", str(rounds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    def expect(self, word: str, timeout: float = 150.0) -> int:
        """Wait for the line `word N`; return N. Raises RuntimeError on `error ...` or timeout."""
        end = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise RuntimeError(f"echo client: no '{word}' line within {timeout:.0f} s")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"echo client exited ({self.proc.poll()}) before '{word}'")
            head, _, n = line.strip().partition(" ")
            if head == word:
                return int(n)
            if head == "error":
                raise RuntimeError(f"echo client: {line.strip()}")

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.send("close")
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=10)


def drive_echo(port: int, conns: int, rounds: int, rss: Callable[[], int] = pyutil.rss,
               rss_baseline: int | None = None) -> dict[str, Any]:
    """The client side of echo_server against a server already listening on `port`."""
    baseline = rss() if rss_baseline is None else rss_baseline
    client = EchoClient(port, conns, rounds)
    try:
        held = client.expect("idle")
        rss_idle = rss()
        client.send("traffic")
        echoed = client.expect("done")
        rss_traffic = rss()
    finally:
        client.close()
    return {"conns": held, "rss_baseline": baseline, "rss_idle": rss_idle,
            "rss_traffic": rss_traffic, "bytes_per_conn_idle": (rss_idle - baseline) / held,
            "bytes_per_conn_traffic": (rss_traffic - baseline) / held, "echoed": echoed}


# ---- primitives Python lacks, built the textbook way over a library's own lock -------------

class EventWaitGroup:
    """Go's sync.WaitGroup counter for units that are never interleaved between two library calls
    (greenlets, asyncio tasks), hence no lock: `zero` is the library's Event, kept set while the
    counter is zero, and the subclass's `wait` (blocking or awaitable) waits on it. A negative
    counter raises `misuse`, with Go's message."""

    misuse: type[Exception] = ValueError

    def __init__(self, zero: Any) -> None:
        self._n = 0
        self._zero = zero
        self._zero.set()

    def add(self, delta: int = 1) -> None:
        if self._n + delta < 0:
            raise self.misuse(NEGATIVE_WG)
        self._n += delta
        if self._n == 0:
            self._zero.set()
        else:
            self._zero.clear()

    def done(self) -> None:
        self.add(-1)


class RWLock:
    """Go's sync.RWMutex, written the way Go writes it (rwmutex.go) over the library's own lock
    and semaphore: writer-preferring, so a writer waiting in `lock` keeps new readers out (they
    queue on `_reader_sem`) until it has been in and out; readers that were already inside
    finish first and the last of them lets the writer in. Go's atomic adds on the two counters
    are done under `_atomic`, a lock held only for the arithmetic (threads may be preempted
    between a load and a store; greenlets and tasks never are, so it is never contended there).

    `make_lock` must allow release by another unit (threading.Lock, gevent's BoundedSemaphore);
    `make_semaphore(0)` is a counting semaphore. Every wait is bounded: past `timeout` it raises
    TimeoutError and the lock is left as it was at that moment (the scenario fails anyway)."""

    MAX_READERS = 1 << 30

    def __init__(self, make_lock: Callable[[], Any], make_semaphore: Callable[[int], Any]):
        self._w = make_lock()  # held by the writer (or the one about to be) against writers
        self._atomic = make_lock()
        self._reader_sem = make_semaphore(0)  # readers wait here while a writer is pending
        self._writer_sem = make_semaphore(0)  # the writer waits here for departing readers
        self._reader_count = 0  # readers inside or queued; -MAX_READERS while a writer pends
        self._reader_wait = 0  # readers the pending writer still waits for

    def _add(self, name: str, delta: int) -> int:
        with self._atomic:
            value = getattr(self, name) + delta
            setattr(self, name, value)
            return value

    def rlock(self, timeout: float = WAIT_S) -> None:
        if self._add("_reader_count", 1) < 0:  # a writer is pending: wait for its Unlock
            if not self._reader_sem.acquire(timeout=timeout):
                raise TimeoutError(f"RWLock.rlock: writer still inside after {timeout} s")

    def runlock(self) -> None:
        if self._add("_reader_count", -1) < 0:  # a writer waits: the last reader out wakes it
            if self._add("_reader_wait", -1) == 0:
                self._writer_sem.release()

    def lock(self, timeout: float = WAIT_S) -> None:
        if not self._w.acquire(timeout=timeout):
            raise TimeoutError(f"RWLock.lock: another writer still inside after {timeout} s")
        # announce the writer: readers arriving from now on queue on _reader_sem
        r = self._add("_reader_count", -self.MAX_READERS) + self.MAX_READERS
        if r != 0 and self._add("_reader_wait", r) != 0:
            if not self._writer_sem.acquire(timeout=timeout):
                raise TimeoutError(f"RWLock.lock: readers still inside after {timeout} s")

    def unlock(self) -> None:
        r = self._add("_reader_count", self.MAX_READERS)
        for _ in range(r):  # let in the readers that queued while the writer was pending
            self._reader_sem.release()
        self._w.release()


class Once:
    """sync.Once: the double-checked lock a Python user writes (functools.cache does not promise
    a single call under concurrency). Callers after the first wait on the lock until init ends."""

    def __init__(self, make_lock: Callable[[], Any]):
        self._done = False
        self._lock = make_lock()

    def do(self, f: Callable[[], Any]) -> None:
        if self._done:  # fast path: one attribute read
            return
        if not self._lock.acquire(timeout=WAIT_S):
            raise TimeoutError(f"Once.do: init still running after {WAIT_S} s")
        try:
            if not self._done:
                f()
                self._done = True
        finally:
            self._lock.release()
