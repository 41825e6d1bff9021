"""Measurement helpers shared by the Python backends (threading, asyncio, gevent)."""

from __future__ import annotations

import os
import resource
import threading
import time

import psutil

_PROC = psutil.Process()

now = time.perf_counter  # monotonic, ns resolution


def rss() -> int:
    """Resident set size of this process, bytes."""
    return _PROC.memory_info().rss


def vm() -> int:
    """Virtual size (VmSize) of this process, bytes."""
    return _PROC.memory_info().vms


def nvcsw() -> int:
    """Voluntary context switches of this process so far (all threads)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw


def gettid() -> int:
    return threading.get_native_id()


def cpu_count() -> int:
    return os.cpu_count() or 1


def spin(us: float) -> int:
    """CPU-bound arithmetic for about `us` microseconds; returns a value so it is not elided."""
    end = time.perf_counter() + us / 1e6
    x = 0
    while time.perf_counter() < end:
        for i in range(50):
            x = (x * 31 + i) & 0xFFFF
    return x
