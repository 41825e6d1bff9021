"""What the kernel says about this process: voluntary context switches, the OS thread id,
the CPUs."""

from __future__ import annotations

import os
import resource
import threading


def nvcsw() -> int:
    """Voluntary context switches of this process so far (all threads)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw


def gettid() -> int:
    return threading.get_native_id()


def cpu_count() -> int:
    return os.cpu_count() or 1
