"""/dev/null as a file descriptor, opened once per process: completion_order's units make a real
write(2) (the article's print) that goes nowhere."""

from __future__ import annotations

import os

_fd: int | None = None


def devnull() -> int:
    global _fd
    if _fd is None:
        _fd = os.open(os.devnull, os.O_WRONLY)
    return _fd
