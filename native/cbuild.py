"""Build (and optionally run) the native runtime's C tests and benchmark as standalone programs.

    python native/cbuild.py                         # build into build/ctests/plain
    python native/cbuild.py --run-tests             # build, then run every test case
    python native/cbuild.py --sanitize address --run-tests
    python native/cbuild.py --sanitize thread --run-tests
    python native/cbuild.py --sanitize undefined --run-tests

Every ``native/tests/test_*.c`` becomes one program linked with every ``native/src/*.c`` and the
assembled context switch; ``test_core`` is built twice, at -O2 and at -O0 (the TLS-migration
test must hold at both), and ``test_sync`` twice, the second time with the runtime's race
windows widened (``-DGORO_TEST_WIDEN_RACES``). Each program answers ``list`` with its case names and runs one case
given its name; ``--run-tests`` runs every case in its own process with a timeout. Sanitizer
builds are standalone executables (no CPython), with the fiber annotations of sched.c.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SANITIZERS = ("address", "thread", "undefined")


def sanitize_flags(sanitize: str | None) -> list[str]:
    """The compiler flags of a sanitizer build; UBSan stops at the first report (no recover),
    so undefined behaviour fails the test instead of scrolling by."""
    if not sanitize:
        return []
    if sanitize not in SANITIZERS:
        raise ValueError(f"unknown sanitizer {sanitize!r}; accepted: {', '.join(SANITIZERS)}")
    extra = ["-fno-sanitize-recover=all"] if sanitize == "undefined" else []
    return [f"-fsanitize={sanitize}", *extra]
WARN = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-pthread", "-fno-omit-frame-pointer"]


def _cc() -> list[str]:
    return (os.environ.get("CC") or "cc").split()


RUNTIME_SECTION = "goro_rt_text"


def runtime_objects(cc: list[str], flags: list[str], outdir: str) -> list[str]:
    """Compile every native/src/*.c and the context switch into outdir with flags, and move the
    runtime's code into one section, RUNTIME_SECTION (objcopy renames each object's .text*):
    the linker then brackets it with __start_/__stop_goro_rt_text, which is how preempt.c tells
    the runtime's code (never preempted) from the program's. Returns the objects' paths."""
    os.makedirs(outdir, exist_ok=True)
    objcopy = os.environ.get("OBJCOPY") or "objcopy"
    objs = []
    for src in sorted(glob.glob(os.path.join(HERE, "src", "*.c"))) + [os.path.join(HERE, "src", "switch_x86_64.S")]:
        obj = os.path.join(outdir, os.path.splitext(os.path.basename(src))[0] + ".o")
        subprocess.run([*cc, *flags, "-c", src, "-o", obj], check=True)
        names = subprocess.run(["objdump", "-h", obj], capture_output=True, text=True, check=True).stdout.split()
        renames = []
        for name in sorted({n for n in names if n == ".text" or n.startswith(".text.")}):
            renames += ["--rename-section", f"{name}={RUNTIME_SECTION}"]
        if renames:
            subprocess.run([objcopy, *renames, obj], check=True)
        objs.append(obj)
    return objs


def build(sanitize: str | None, outdir: str | None = None, verbose: bool = False,
          only: list[str] | None = None) -> dict[str, str]:
    """Compile every test program (or the ones named in only); return {program name: path}."""
    variant = sanitize or "plain"
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


def run_tests(programs: dict[str, str], timeout: float, only: list[str] | None) -> int:
    """Run every case of every test program in its own process; return the failure count."""
    failures = 0
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # runs reuse pooled memory on purpose
    env.setdefault("TSAN_OPTIONS", "halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    for name, exe in programs.items():
        if not name.startswith("test_"):
            continue
        listed = subprocess.run([exe, "list"], capture_output=True, text=True, timeout=60)
        if listed.returncode != 0:
            print(f"SKIP {name} (does not answer `list`: not a test-case program)")
            continue
        cases = listed.stdout.split()
        for case in cases:
            if only and case not in only and f"{name}:{case}" not in only:
                continue
            expect_crash = case == "stack_overflow"
            t0 = time.monotonic()
            try:
                r = subprocess.run([exe, case], capture_output=True, text=True, timeout=timeout, env=env)
                code, out, err = r.returncode, r.stdout, r.stderr
            except subprocess.TimeoutExpired as e:
                code, out, err = None, e.stdout or "", f"timed out after {timeout:.0f} s"
            if expect_crash:
                ok = code == 2 and "goroutine stack overflow" in str(err)
            else:
                ok = code == 0
            dt = time.monotonic() - t0
            print(f"{'PASS' if ok else 'FAIL'} {name} {case} ({dt:.1f} s)", flush=True)
            if not ok:
                failures += 1
                sys.stdout.write(f"  exit {code}\n  stdout: {str(out)[-2000:]}\n  stderr: {str(err)[-4000:]}\n")
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sanitize", choices=SANITIZERS, help="build with -fsanitize=address, thread or undefined")
    ap.add_argument("--run-tests", action="store_true", help="run every test case after building")
    ap.add_argument("--only", nargs="*", help="case names (or program:case) to run")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per test case (default 600)")
    ap.add_argument("--out", help="output directory (default build/ctests/<variant>)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if shutil.which(_cc()[0]) is None:
        ap.error(f"C compiler {_cc()[0]!r} not found (set CC)")
    programs = build(args.sanitize, args.out, args.verbose)
    print(f"built {len(programs)} programs into {os.path.dirname(next(iter(programs.values())))}")
    if not args.run_tests:
        return 0
    failures = run_tests(programs, args.timeout, args.only)
    print(f"{failures} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
