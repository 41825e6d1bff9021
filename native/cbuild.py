"""Build (and optionally run) the native runtime's C tests and benchmark as standalone programs.

    python native/cbuild.py                         # build into build/ctests/plain
    python native/cbuild.py --run-tests             # build, then run every test case
    python native/cbuild.py --sanitize address --run-tests
    python native/cbuild.py --sanitize thread --run-tests
    python native/cbuild.py --sanitize undefined --run-tests
    python native/cbuild.py --cross aarch64 --run-tests   # arm64 build, run under qemu-user

Every ``native/tests/test_*.c`` becomes one program linked with every ``native/src/*.c`` and the
assembled context switch; ``test_core`` is built twice, at -O2 and at -O0 (the TLS-migration
test must hold at both), and ``test_sync`` twice, the second time with the runtime's race
windows widened (``-DGORO_TEST_WIDEN_RACES``). Each program answers ``list`` with its case names and runs one case
given its name; ``--run-tests`` runs every case in its own process with a timeout. Sanitizer
builds are standalone executables (no CPython), with the fiber annotations of sched.c.

The context switch assembled is the one for the compiler's target (``cc -dumpmachine``):
switch_x86_64.S or switch_aarch64.S. ``--cross aarch64`` compiles with Debian's
``aarch64-linux-gnu-gcc`` (or $CROSS_CC) and runs each case under ``qemu-aarch64 -L
/usr/aarch64-linux-gnu`` (or the command in $GORO_RUNNER), with the per-case timeout
multiplied by EMULATED_SLOWDOWN. Under emulation one case is known to fail, and is reported
as XFAIL only when it fails in exactly the expected way (EMULATED_XFAIL says why), and one
whose check is noisy there gets up to three tries, each failed one printed (EMULATED_FLAKY).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from cflags import SANITIZERS, WARN, sanitize_flags  # noqa: E402,F401  (re-exported: tests use cbuild.WARN)




# --cross TARGET: the Debian cross compiler and the qemu-user command that runs its programs
CROSS = {
    "aarch64": ("aarch64-linux-gnu-gcc", ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]),
}
# The per-case bound is multiplied by this under emulation: qemu-user ran the slowest case
# (parked_1m) ~15x slower than natively on a loaded 2-core x86 host
EMULATED_SLOWDOWN = 10
# Cases that cannot pass under qemu-user, with the stderr texts of their expected failure (any
# one of them). parked_1m: qemu 7.2 does not implement MADV_GUARD_INSTALL (it answers 0 and
# does nothing; stack.c detects that and falls back to mprotect guards), and a million
# mprotect'ed guards need two million mappings, far over vm.max_map_count. Whichever mapping
# comes first past the limit fails: a guard's mprotect, or the mmap of the next chunk of Gs
# (measured on main before the scheduler split: test_core_O0 gave the second 2 times in 6).
# On real arm64 hardware with Linux >= 6.13 the case runs as on x86. Any other outcome (a
# pass, another error) is reported.
EMULATED_XFAIL = {
    "parked_1m": ("mprotect guard: Cannot allocate memory", "out of memory for goroutines"),
    # 200k parked in small mode: qemu ignores MADV_GUARD_INSTALL, so each dropped run of
    # slots takes an mprotect guard, and the map count runs out as for parked_1m
    "park_many": ("mprotect guard: Cannot allocate memory", "out of memory for goroutines"),
}
# Cases whose check is noisy under qemu-user, run up to EMULATED_TRIES times there (each
# failed try is printed; the case fails if every try does). recursion_256k bounds the process
# RSS left by deep stacks to 256 KiB, and under qemu the RSS includes the emulator's own
# state for each thread: a run that starts one more M adds ~0.8 MB (measured: 1 run in 3).
EMULATED_FLAKY = {
    "recursion_256k": "the process RSS includes qemu's per-thread state",
}
EMULATED_TRIES = 3

_cross: str | None = None


def _cc() -> list[str]:
    """The compiler: $CC natively; with --cross, $CROSS_CC or Debian's cross gcc ($CC names
    the host's compiler and is ignored there)."""
    if _cross:
        return (os.environ.get("CROSS_CC") or CROSS[_cross][0]).split()
    return (os.environ.get("CC") or "cc").split()


def _runner() -> list[str]:
    """The command prefix that runs a built program: none natively, qemu-user when crossing."""
    if os.environ.get("GORO_RUNNER"):
        return os.environ["GORO_RUNNER"].split()
    return list(CROSS[_cross][1]) if _cross else []


def target_machine(cc: list[str]) -> str:
    """The compiler's target CPU: the first field of ``cc -dumpmachine`` (x86_64, aarch64)."""
    try:
        out = subprocess.run([*cc, "-dumpmachine"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        raise RuntimeError(f"C compiler {cc[0]!r} cannot run: {e.strerror}") from None
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"C compiler {cc[0]!r} does not answer -dumpmachine: {out.stderr.strip()[:200]}")
    return out.stdout.strip().split("-")[0]


SWITCH = {"x86_64": "switch_x86_64.S", "aarch64": "switch_aarch64.S"}


def switch_source(cc: list[str]) -> str:
    """The context switch for cc's target, or an error naming the supported ones."""
    machine = target_machine(cc)
    if machine not in SWITCH:
        raise RuntimeError(f"native runtime supports x86-64 and arm64 Linux; this compiler targets {machine}")
    return os.path.join(HERE, "src", SWITCH[machine])


RUNTIME_SECTION = "goro_rt_text"


def runtime_object_name(src: str) -> str:
    """The object of one runtime source: sched.c -> sched.o; the context switch is switch.o on
    every CPU, so a build can name its objects before it knows the target."""
    return "switch.o" if src.endswith(".S") else os.path.splitext(os.path.basename(src))[0] + ".o"


def runtime_objects(cc: list[str], flags: list[str], outdir: str) -> list[str]:
    """Compile every native/src/*.c and the context switch into outdir with flags, and move the
    runtime's code into one section, RUNTIME_SECTION (objcopy renames each object's .text*):
    the linker then brackets it with __start_/__stop_goro_rt_text, which is how preempt.c tells
    the runtime's code (never preempted) from the program's. Returns the objects' paths."""
    os.makedirs(outdir, exist_ok=True)
    objcopy, objdump = (os.environ.get(v) or _binutil(cc, v.lower()) for v in ("OBJCOPY", "OBJDUMP"))
    objs = []
    for src in sorted(glob.glob(os.path.join(HERE, "src", "*.c"))) + [switch_source(cc)]:
        obj = os.path.join(outdir, runtime_object_name(src))
        subprocess.run([*cc, *flags, "-c", src, "-o", obj], check=True)
        names = subprocess.run([objdump, "-h", obj], capture_output=True, text=True, check=True).stdout.split()
        renames = []
        for name in sorted({n for n in names if n == ".text" or n.startswith(".text.")}):
            renames += ["--rename-section", f"{name}={RUNTIME_SECTION}"]
        if renames:
            subprocess.run([objcopy, *renames, obj], check=True)
        objs.append(obj)
    return objs


def _binutil(cc: list[str], tool: str) -> str:
    """The binutils program for cc's target: a cross compiler aarch64-linux-gnu-gcc has
    aarch64-linux-gnu-objcopy beside it; a native cc uses the plain name."""
    m = re.match(r"(.+-)(?:gcc|cc|clang)(?:-[0-9.]+)?$", os.path.basename(cc[0]))
    return (m.group(1) if m and m.group(1).count("-") >= 2 else "") + tool


def build(sanitize: str | None, outdir: str | None = None, verbose: bool = False,
          only: list[str] | None = None) -> dict[str, str]:
    """Compile every test program (or the ones named in only); return {program name: path}."""
    variant = (sanitize or "plain") + (f"-{_cross}" if _cross else "")
    out = outdir or os.path.join(ROOT, "build", "ctests", variant)
    os.makedirs(out, exist_ok=True)
    san = sanitize_flags(sanitize)
    base_opt = ["-O1", "-g"] if sanitize else ["-O2", "-g"]
    inc = ["-I" + os.path.join(HERE, d) for d in ("include", "src", "tests")]
    programs: dict[str, tuple[str, list[str]]] = {}
    for src in sorted(glob.glob(os.path.join(HERE, "tests", "test_*.c"))) + [os.path.join(HERE, "tests", "bench_core.c")]:
        name = os.path.splitext(os.path.basename(src))[0]
        programs[name] = (src, base_opt)
    programs["test_core_O0"] = (os.path.join(HERE, "tests", "test_core.c"), ["-O0", "-g"])
    # the sync tests again with the runtime's race windows widened (sema.c, WIDEN_RACE)
    programs["test_sync_widened"] = (os.path.join(HERE, "tests", "test_sync.c"),
                                     [*base_opt, "-DGORO_TEST_WIDEN_RACES"])
    built = {}
    runtimes: dict[tuple[str, ...], list[str]] = {}  # one runtime build per set of flags
    for name, (src, opt) in programs.items():
        if (sanitize and name == "bench_core") or (only is not None and name not in only):
            continue
        flags = [*opt, *WARN, *san, *inc]
        if tuple(flags) not in runtimes:
            runtimes[tuple(flags)] = runtime_objects(_cc(), flags, os.path.join(out, f"rt{len(runtimes)}"))
        exe = os.path.join(out, name)
        cmd = [*_cc(), *flags, src, *runtimes[tuple(flags)], "-o", exe, "-pthread"]
        if verbose:
            print(" ".join(cmd))
        subprocess.run(cmd, check=True)
        built[name] = exe
    return built


def case_env(**extra: str) -> dict[str, str]:
    """The environment a test case runs in: the sanitizers' options (unless set) and extra."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # runs reuse pooled memory on purpose
    env.setdefault("TSAN_OPTIONS", "halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    env.update(extra)
    return env


def run_tests(programs: dict[str, str], timeout: float, only: list[str] | None) -> int:
    """Run every case of every test program in its own process; return the failure count."""
    failures = 0
    env = case_env()
    runner = _runner()
    if runner:
        timeout *= EMULATED_SLOWDOWN
    total = xfailed = 0
    for name, exe in programs.items():
        if not name.startswith("test_"):
            continue
        listed = subprocess.run([*runner, exe, "list"], capture_output=True, text=True, timeout=60)
        if listed.returncode != 0:
            print(f"SKIP {name} (does not answer `list`: not a test-case program)")
            continue
        cases = listed.stdout.split()
        for case in cases:
            if only and case not in only and f"{name}:{case}" not in only:
                continue
            expect_crash = case == "stack_overflow"
            t0 = time.monotonic()
            tries = EMULATED_TRIES if runner and case in EMULATED_FLAKY else 1
            for attempt in range(1, tries + 1):
                try:
                    r = subprocess.run([*runner, exe, case], capture_output=True, text=True, timeout=timeout, env=env)
                    code, out, err = r.returncode, r.stdout, r.stderr
                except subprocess.TimeoutExpired as e:
                    code, out, err = None, e.stdout or "", f"timed out after {timeout:.0f} s"
                if expect_crash:
                    ok = code == 2 and "goroutine stack overflow" in str(err)
                else:
                    ok = code == 0
                if ok or attempt == tries:
                    break
                print(f"RETRY {name} {case}: try {attempt} of {tries} failed under emulation "
                      f"({EMULATED_FLAKY[case]}): {str(err).strip()[-300:]}", flush=True)
            dt = time.monotonic() - t0
            total += 1
            xfail = EMULATED_XFAIL.get(case) if runner else None
            if xfail is not None:
                seen = next((x for x in xfail if x in str(err)), None)
                if not ok and code != 0 and seen is not None:
                    xfailed += 1
                    print(f"XFAIL {name} {case} ({dt:.1f} s): under emulation, as expected: {seen}", flush=True)
                    continue
                ok = False  # passed, or failed otherwise: either way the table above is wrong
                err = f"{err}\n(expected to fail under emulation with one of {xfail!r})"
            print(f"{'PASS' if ok else 'FAIL'} {name} {case} ({dt:.1f} s)", flush=True)
            if not ok:
                failures += 1
                sys.stdout.write(f"  exit {code}\n  stdout: {str(out)[-2000:]}\n  stderr: {str(err)[-4000:]}\n")
    if xfailed:
        print(f"{xfailed} expected failure(s) under emulation (EMULATED_XFAIL)")
    print(f"{total - failures - xfailed} passed, {failures} failed")
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sanitize", choices=SANITIZERS, help="build with -fsanitize=address, thread or undefined")
    ap.add_argument("--run-tests", action="store_true", help="run every test case after building")
    ap.add_argument("--only", nargs="*", help="case names (or program:case) to run")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per test case (default 600)")
    ap.add_argument("--out", help="output directory (default build/ctests/<variant>)")
    ap.add_argument("--cross", choices=sorted(CROSS),
                    help="cross-compile for this CPU and run the cases under qemu-user")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    global _cross
    _cross = args.cross
    if shutil.which(_cc()[0]) is None:
        hint = " (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross)" if _cross else ""
        ap.error(f"C compiler {_cc()[0]!r} not found (set {'CROSS_CC' if _cross else 'CC'}){hint}")
    if args.run_tests and _runner() and shutil.which(_runner()[0]) is None:
        ap.error(f"runner {_runner()[0]!r} not found (Debian: qemu-user; or set GORO_RUNNER)")
    try:
        programs = build(args.sanitize, args.out, args.verbose)
    except RuntimeError as e:
        ap.error(str(e))
    print(f"built {len(programs)} programs into {os.path.dirname(next(iter(programs.values())))}")
    if not args.run_tests:
        return 0
    failures = run_tests(programs, args.timeout, args.only)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
