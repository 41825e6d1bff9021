"""Build the race-detector programs of this folder as standalone executables, normally or as
this runtime's `go run -race`.

A race build follows Go's design (native/src/race.h): the program is compiled with
-fsanitize=thread, the runtime is not (-DGORO_RACE: it switches TSan fibers and tells TSan the
happens-before edges it creates, as Go's uninstrumented runtime calls raceacquire/racerelease).
Instrumenting the scheduler too would charge the program for the runtime's own memory accesses;
`tox -e race` does that on purpose, to check the runtime itself.

The compiler: $GORO_RACE_CC, else clang when installed, else $CC or cc. clang's TSan (LLVM 14+)
creates a fiber in microseconds; gcc 12's libtsan clears ~0.9 MB of trace per fiber, which
dominates a program with a thousand live goroutines. Both builds of a program use the same
compiler, so their ratio is the detector's cost. Executables are cached in a directory keyed by
a hash of every source, header, compiler and flag, so a second build is a hit.

    python native/scenarios/race/build.py [--race] PROGRAM   # prints the executable's path
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NATIVE = HERE.parent.parent
PROGRAMS = ("racy", "mutex", "atomic")
sys.path.insert(0, str(NATIVE))
from cflags import BASE, RACE_LINK as LINK_FLAGS, RACE_PROGRAM as PROGRAM_FLAGS, RACE_RUNTIME as RUNTIME_FLAGS  # noqa: E402

COMMON = [*BASE, "-g", f"-I{NATIVE / 'include'}", f"-I{NATIVE / 'src'}"]
CLANGS = ("clang", *(f"clang-{v}" for v in range(21, 13, -1)))


def compiler() -> list[str]:
    """The C compiler of race builds (see the module's note)."""
    chosen = os.environ.get("GORO_RACE_CC")
    if not chosen:
        chosen = next((c for c in CLANGS if shutil.which(c)), None)
    return (chosen or os.environ.get("CC") or "cc").split()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.environ.get("GORO_RACE_CACHE", os.path.join(base, "goroutine-suite", "race")))


def _inputs(program: Path) -> tuple[list[Path], list[Path]]:
    src = NATIVE / "src"
    sources = sorted(src.glob("*.c")) + sorted(src.glob("*.S"))
    headers = sorted(src.glob("*.h")) + sorted(program.parent.glob("*.h")) + [NATIVE / "include" / "goro.h", program]
    return sources, headers


def _run(cmd: list[str], what: str) -> None:
    res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise RuntimeError(f"building {what} failed:\n{' '.join(cmd)}\n{res.stderr[-2000:]}")


def build(program: str, race: bool, source: Path | None = None) -> Path:
    """The executable of `program` (one of PROGRAMS, or any name with its C `source`), built if
    not cached."""
    if source is None and program not in PROGRAMS:
        raise ValueError(f"unknown race program {program!r}; accepted: {', '.join(PROGRAMS)}")
    source = source or HERE / f"{program}.c"
    cc = compiler()
    if not shutil.which(cc[0]):
        raise FileNotFoundError(f"no C compiler {cc[0]!r}: install clang or gcc, or set GORO_RACE_CC")
    sources, headers = _inputs(source)
    h = hashlib.sha256(" ".join(cc + COMMON + RUNTIME_FLAGS[race] + PROGRAM_FLAGS[race]).encode())
    for p in sources + headers:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    out = cache_dir() / f"{program}-{'race' if race else 'normal'}-{h.hexdigest()[:16]}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    what = f"{program} ({'race' if race else 'normal'}, {cc[0]})"
    with tempfile.TemporaryDirectory(dir=out.parent) as tmpdir:
        tmp = Path(tmpdir)
        objs = []
        for src in sources:  # the runtime: never instrumented
            obj = tmp / f"{src.name}.o"
            _run([*cc, *COMMON, *RUNTIME_FLAGS[race], "-c", str(src), "-o", str(obj)], what)
            objs.append(str(obj))
        prog = tmp / f"{program}.o"
        _run([*cc, *COMMON, *PROGRAM_FLAGS[race], "-c", str(source), "-o", str(prog)], what)
        exe = tmp / "exe"
        _run([*cc, str(prog), *objs, *LINK_FLAGS[race], "-o", str(exe)], what)
        exe.replace(out)  # atomic: a concurrent builder of the same key writes the same bytes
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    race = "--race" in args
    names = [a for a in args if a != "--race"]
    if len(names) != 1:
        sys.exit(f"usage: build.py [--race] PROGRAM  (PROGRAM: {', '.join(PROGRAMS)})")
    print(build(names[0], race))
