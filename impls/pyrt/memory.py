"""What a unit costs in memory: the process's RSS and VmSize, and the observables of `parked`."""

from __future__ import annotations

from typing import Any

import psutil

_PROC = psutil.Process()


def rss() -> int:
    """Resident set size of this process, bytes."""
    return _PROC.memory_info().rss


def vm() -> int:
    """Virtual size (VmSize) of this process, bytes."""
    return _PROC.memory_info().vms


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
