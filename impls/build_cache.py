"""The build cache the compiled backends share (Go's binaries, Java's classes).

A build lives in ``$XDG_CACHE_HOME/goroutine-suite/<tool>/<hash>/`` (default ``~/.cache``),
the hash covering everything the product depends on (sources, compiler version, flags). A
build takes an fcntl lock on ``<hash>.lock`` beside it, so parallel workers wait for one build
instead of racing, and its product appears by an atomic rename of a temporary built beside it:
the product being there means "done", and a killed build leaves only a temporary behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path


def cache_root(tool: str) -> Path:
    """Where `tool`'s builds are kept: one folder per hash, one lock file per hash."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "goroutine-suite" / tool


def digest(parts: Iterable[str], sources: Iterable[Path]) -> str:
    """The hash naming a build: the parts (compiler version, flags...), then each source's name
    and bytes in path order (a renamed file is a different program)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    for src in sorted(sources):
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def run_compiler(
    argv: list[str],
    what: str,
    error: type[Exception],
    first_message: Callable[[str], str],
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run a compiler to its end; on failure raise error with one line, "<what> failed: " and
    the compiler's first message, or "<what> took over N s"."""
    try:
        proc = subprocess.run(
            argv,
            check=False,
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise error(f"{what} took over {timeout:.0f} s") from None
    if proc.returncode != 0:
        # javac writes some of its diagnostics to stdout; go build writes none there
        raise error(f"{what} failed: {first_message(proc.stderr + proc.stdout)}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def build_once(product: Path, done: Path, make: Callable[[Path], None]) -> bool:
    """Make `product` (a file or a folder inside its hash folder) unless `done` (the product
    itself, or a file the product holds) is there already; True when it was (a cache hit).

    make(tmp) builds the product at tmp, a path beside it that does not exist yet, and raises
    on failure: tmp is removed then and the exception goes on. Only one process per hash runs
    make; the others wait on the lock and then find the product.
    """
    if done.is_file():
        return True
    outdir = product.parent
    outdir.parent.mkdir(parents=True, exist_ok=True)
    with open(outdir.parent / f"{outdir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per hash; the others wait, then hit
        if done.is_file():
            return True
        tmp = outdir / f".{product.name}.tmp{os.getpid()}"
        _remove(tmp)  # left by a killed build of a process with our pid
        outdir.mkdir(parents=True, exist_ok=True)
        try:
            make(tmp)
        except BaseException:
            _remove(tmp)
            raise
        if product.is_dir():
            shutil.rmtree(product, ignore_errors=True)  # a half-made tree from a killed build
        os.replace(tmp, product)
    return False
