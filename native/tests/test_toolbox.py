"""Runs the C tests of the runtime's toolbox (sync, channels, select, context, defer/panic),
and channel and sync programs whose shape hypothesis generates (chan_model.c, sync_model.c
check Go's guarantees on them).

Each C test binary (test_sync, test_chan, test_panic) is built once per session from
native/src/*.c and the test's own .c, then every test it lists runs in its own process with
a timeout, so a hang fails one test instead of the session.

    GORO_SANITIZE=address|thread|undefined  build and run under ASan, TSan or UBSan (any
                                            report fails the test)
"""

from __future__ import annotations

import atexit
import functools
import glob
import os
import shutil
import subprocess
import tempfile

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.dirname(HERE)
SRC = os.path.join(NATIVE, "src")
sys.path.insert(0, NATIVE)

import cbuild  # noqa: E402  (native/cbuild.py: the context switch for the compiler's target)
import cflags  # noqa: E402  (native/cflags.py: the flags of every C build)
BINARIES = ("test_sync", "test_chan", "test_panic")  # programs of test cases (`list` names them)
MODELS = ("chan_model", "sync_model")  # programs run on generated parameters (properties below)
SANITIZERS = ("", "address", "thread", "undefined")
TIMEOUT = {"": 60, "address": 180, "thread": 300, "undefined": 120}


def _sanitizer() -> str:
    san = os.environ.get("GORO_SANITIZE", "")
    if san not in SANITIZERS:
        raise pytest.UsageError(
            f"GORO_SANITIZE must be one of address, thread, undefined (or unset), got {san!r}"
        )
    return san


@functools.cache
def _build(san: str) -> str:
    """Compile the three test binaries into a fresh directory; return it."""
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc})")
    out = tempfile.mkdtemp(prefix=f"goro-toolbox-{san or 'plain'}-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    flags = [*cflags.WARN, "-g", f"-I{os.path.join(NATIVE, 'include')}", f"-I{SRC}"]
    opt = "-O1" if san else "-O2"
    flags += [*cflags.sanitize_flags(san or None), opt]
    asm = os.path.join(out, "switch.o")
    subprocess.run([cc, opt, "-c", cbuild.switch_source([cc]), "-o", asm], check=True)
    srcs = sorted(glob.glob(os.path.join(SRC, "*.c")))
    for name in BINARIES + MODELS:
        subprocess.run(
            [
                cc,
                *flags,
                "-o",
                os.path.join(out, name),
                os.path.join(HERE, name + ".c"),
                *srcs,
                asm,
            ],
            check=True,
        )
    # goro__fatal (sched.c) mallocs the message it hands to goro__end_run, which copies it:
    # a known one-object leak per fatal run, outside this package's code.
    with open(os.path.join(out, "lsan.supp"), "w") as f:
        f.write("leak:goro__fatal\n")
    return out


def _cases() -> list[tuple[str, str]]:
    out = _build(_sanitizer())
    cases = []
    for name in BINARIES:
        listed = subprocess.run(
            [os.path.join(out, name), "list"],
            check=True,
            text=True,
            capture_output=True,
            timeout=30,
        ).stdout.split()
        cases += [(name, t) for t in listed]
    return cases


def _run(exe: str, args: list[str], what: str) -> str:
    """Run one program; fail on a non-zero exit, a hang or any sanitizer report; return stdout."""
    san = _sanitizer()
    env = dict(os.environ)
    env.setdefault("TSAN_OPTIONS", "halt_on_error=1 exitcode=66")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    supp = os.path.join(_build(san), "lsan.supp")
    env.setdefault("LSAN_OPTIONS", f"suppressions={supp} print_suppressions=0")
    try:
        proc = subprocess.run(
            [exe, *args], text=True, capture_output=True, env=env, check=False, timeout=TIMEOUT[san]
        )
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{what} hung: no result after {e.timeout} s")
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{report[-4000:]}"
    for marker in (
        "WARNING: ThreadSanitizer",
        "ERROR: AddressSanitizer",
        "ERROR: LeakSanitizer",
        "runtime error:",
    ):
        assert marker not in report, f"{what}: sanitizer report:\n{report[-4000:]}"
    return proc.stdout


@pytest.mark.parametrize(("binary", "test"), _cases(), ids=lambda v: v)
def test_toolbox(binary: str, test: str) -> None:
    out = _run(os.path.join(_build(_sanitizer()), binary), [test], f"{binary} {test}")
    assert f"PASS {test}" in out


def _model(name: str, *params: int) -> None:
    """Run one of MODELS on generated parameters; it prints PASS when every check held."""
    args = [str(p) for p in params]
    out = _run(os.path.join(_build(_sanitizer()), name), args, " ".join([name, *args]))
    assert "PASS" in out


@pytest.mark.timeout(600)
@settings(max_examples=25 if _sanitizer() else 80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    procs=st.integers(1, 2),
    cap=st.sampled_from([0, 1, 2, 3, 7, 64]),
    producers=st.integers(1, 6),
    consumers=st.integers(1, 6),
    per=st.integers(0, 400),
    mode=st.integers(0, 15),
    noise=st.integers(0, 200),
)
def test_channel_properties(procs, cap, producers, consumers, per, mode, noise) -> None:
    """Any mix of producers, consumers, capacity, select (with nil and noise cases), polling and
    who closes: every value arrives once, in each producer's order, and close drains cleanly."""
    _model("chan_model", procs, cap, producers, consumers, per, mode, noise)


@pytest.mark.timeout(600)
@settings(max_examples=25 if _sanitizer() else 60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    procs=st.integers(1, 2),
    workers=st.integers(1, 10),
    ops=st.integers(0, 300),
    read_pct=st.sampled_from([0, 50, 90, 95, 100]),
    rounds=st.integers(1, 4),
    mode=st.integers(0, 7),
)
def test_sync_properties(procs, workers, ops, read_pct, rounds, mode) -> None:
    """Any mix of readers and writers, Lock or TryLock, holders that park inside their section,
    a reused WaitGroup and a Once per round: exclusion holds, counts are exact, Wait and Do
    return only when they should."""
    _model("sync_model", procs, workers, ops, read_pct, rounds, mode)
