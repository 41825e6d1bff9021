"""The sync primitives Python lacks (WaitGroup, RWMutex, Once), built the textbook way over a
library's own lock, semaphore or Event, so the threading and gevent backends share one copy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impls.pyrt.timing import WAIT_S

NEGATIVE_WG = "sync: negative WaitGroup counter"


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
