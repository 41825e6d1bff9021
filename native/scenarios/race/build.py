"""Build the race-detector programs of this folder as standalone executables: the runtime's
sources + one program, normally (-O2) or under ThreadSanitizer (-fsanitize=thread -g -O1; the
runtime switches TSan fibers itself when __SANITIZE_THREAD__ is set). Executables are cached
in a directory keyed by a hash of every source, header and flag, so a second build is a hit.

    python native/scenarios/race/build.py [--race] PROGRAM   # prints the executable's path
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIVE = HERE.parent.parent
PROGRAMS = ("racy", "mutex", "atomic")
COMMON = ["-std=c11", "-D_GNU_SOURCE", "-pthread", "-fno-omit-frame-pointer"]
FLAGS = {False: [*COMMON, "-O2"], True: [*COMMON, "-fsanitize=thread", "-g", "-O1"]}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.environ.get("GORO_RACE_CACHE", os.path.join(base, "goroutine-suite", "race")))


def _inputs(program: str) -> tuple[list[Path], list[Path]]:
    src = NATIVE / "src"
    sources = sorted(src.glob("*.c")) + sorted(src.glob("*.S")) + [HERE / f"{program}.c"]
    headers = sorted(src.glob("*.h")) + [NATIVE / "include" / "goro.h"]
    return sources, headers


def build(program: str, race: bool) -> Path:
    """The executable of `program` (one of PROGRAMS), built if not cached."""
    if program not in PROGRAMS:
        raise ValueError(f"unknown race program {program!r}; accepted: {', '.join(PROGRAMS)}")
    cc = os.environ.get("CC", "cc").split()
    flags = FLAGS[race]
    sources, headers = _inputs(program)
    h = hashlib.sha256(" ".join(cc + flags).encode())
    for p in sources + headers:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    out = cache_dir() / f"{program}-{'race' if race else 'normal'}-{h.hexdigest()[:16]}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    cmd = [*cc, *flags, f"-I{NATIVE / 'include'}", f"-I{NATIVE / 'src'}", *map(str, sources),
           "-o", str(tmp)]
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"building {program} ({'race' if race else 'normal'}) failed:\n"
                           f"{' '.join(cmd)}\n{res.stderr[-2000:]}")
    tmp.replace(out)  # atomic: a concurrent builder of the same key writes the same bytes
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    race = "--race" in args
    names = [a for a in args if a != "--race"]
    if len(names) != 1:
        sys.exit(f"usage: build.py [--race] PROGRAM  (PROGRAM: {', '.join(PROGRAMS)})")
    print(build(names[0], race))
