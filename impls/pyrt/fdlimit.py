"""Raising the soft limit on open files, for scenarios that hold a socket per unit."""

from __future__ import annotations

import resource


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))
