"""Writing a report's files all or nothing.

A run's outputs (results.json, REPORT.md, report.html, the charts, bench.txt) are first written
beside their targets as temporary files; only when every one is complete are they renamed over
the old ones (a rename needs no space). A full disk or an unwritable folder then leaves the
previous report untouched, and a reader never sees a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutputError(OSError):
    """The output could not be written; the message is one line and names the folder."""


def write_all(files: dict[Path, str | bytes]) -> None:
    tmps: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            tmps.append((tmp, path))
            with open(tmp, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
                f.flush()
                os.fsync(f.fileno())
    except OSError as e:
        for tmp, _ in tmps:
            tmp.unlink(missing_ok=True)
        folder = next(iter(files)).parent if files else "?"
        raise OutputError(f"cannot write the report in {folder}: {e.strerror or e}; "
                          "the previous report is left as it was") from None
    for tmp, path in tmps:
        os.replace(tmp, path)
