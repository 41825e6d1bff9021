"""cffi builder of the native runtime: ``impls._goro``.

setup.py names it in ``cffi_modules``; it also runs alone (``python native/build.py``) to build
the extension in place. The runtime (every ``native/src/*.c`` and the context switch
``switch_<cpu>.S`` for the compiler's target, which setuptools would not assemble) is compiled
first by ``build_runtime()`` into objects whose code sits in one named section
(``cbuild.runtime_objects``: preempt.c never preempts inside it) and linked in as extra
objects; setuptools compiles ``native/scenarios/*.c``, the program's own code.

Loading this file runs no compiler: setup.py's build_ext calls ``build_runtime()`` inside the
step it may let fail (an install without the runtime still succeeds; impls/native.py then
reports the reason written to ``impls/_goro_unbuilt.txt``, see ``UNBUILT``).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import sysconfig

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(HERE, "src")
SCEN = os.path.join(HERE, "scenarios")
INCLUDE = os.path.join(HERE, "include")

sys.path.insert(0, HERE)
from cflags import EXTENSION as CFLAGS  # noqa: E402  (native/cflags.py: the flags of every build)


def _rel(path: str) -> str:
    # setuptools wants source paths relative to the project root; a standalone build
    # (GORO_BUILD_ABSPATHS=1, set by __main__) compiles from build/ and needs absolute ones
    if os.environ.get("GORO_BUILD_ABSPATHS") == "1":
        return path
    return os.path.relpath(path, ROOT)


# The file, next to the extension in the impls package, that says why it was not built
UNBUILT = "_goro_unbuilt.txt"
SWITCH = {"x86_64": "switch_x86_64.S", "aarch64": "switch_aarch64.S"}
RUNTIME_DIR = os.path.join(ROOT, "build", "goro-rt")


class NativeBuildError(Exception):
    """The runtime cannot be built here; the message is one line, shown as native's reason."""


def _cc() -> list[str]:
    return (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()


def _run_cc(cc: list[str], args: list[str]) -> str:
    try:
        r = subprocess.run([*cc, *args], capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        raise NativeBuildError(f"{cc[0]}: command not found") from None
    except OSError as e:
        raise NativeBuildError(f"{cc[0]}: {e.strerror}") from None
    if r.returncode != 0:
        lines = [ln for ln in (r.stderr or r.stdout).splitlines() if ln.strip()]
        detail = f": {lines[-1].strip()[:200]}" if lines else ""
        raise NativeBuildError(f"{' '.join([cc[0], *args[:1]])} failed with exit code {r.returncode}{detail}")
    return r.stdout


def _cbuild():
    sys.path.insert(0, HERE)
    import cbuild

    return cbuild


def runtime_objects() -> list[str]:
    """The runtime's objects, named before they exist: set_source needs the paths first."""
    names = [_cbuild().runtime_object_name(s) for s in sorted(glob.glob(os.path.join(SRC, "*.c")))]
    return [os.path.join(RUNTIME_DIR, n) for n in [*names, "switch.o"]]


def build_runtime() -> list[str]:
    """Check that this platform is one the runtime supports and compile the runtime into
    build/goro-rt (its code in the runtime's own section); NativeBuildError (one line) when
    it cannot."""
    if not sys.platform.startswith("linux"):
        raise NativeBuildError(f"native runtime supports x86-64 and arm64 Linux; this is {sys.platform}")
    cc = _cc()
    machine = _run_cc(cc, ["-dumpmachine"]).strip().split("-")[0]
    if machine not in SWITCH:
        raise NativeBuildError(f"native runtime supports x86-64 and arm64 Linux; the compiler targets {machine or '?'}")
    try:
        objs = _cbuild().runtime_objects(cc, ["-fPIC", *CFLAGS, f"-I{INCLUDE}", f"-I{SRC}"], RUNTIME_DIR)
    except FileNotFoundError as e:  # objcopy/objdump missing
        raise NativeBuildError(f"{e.filename}: command not found (binutils)") from None
    except subprocess.CalledProcessError as e:
        raise NativeBuildError(f"{os.path.basename(str(e.cmd[0]))} failed with exit code {e.returncode} "
                               f"building the runtime") from None
    assert sorted(objs) == sorted(runtime_objects()), (objs, runtime_objects())
    return objs


def _cdef() -> str:
    text = open(os.path.join(SRC, "cffi_api.h")).read()
    scen = os.path.join(SCEN, "scenarios.h")
    if os.path.exists(scen):
        text += "\n" + open(scen).read()
    return text


def make_ffi() -> FFI:
    ffi = FFI()
    ffi.cdef(_cdef())
    # the runtime is compiled here into its own section (cbuild.runtime_objects: preempt.c
    # never preempts inside it); setuptools compiles the scenarios, the program's own code
    sources = sorted(glob.glob(os.path.join(SCEN, "*.c")))
    headers = '#include "goro.h"\n'
    if os.path.exists(os.path.join(SCEN, "scenarios.h")):
        headers += '#include "scenarios.h"\n'
    ffi.set_source(
        "impls._goro",
        headers,
        sources=[_rel(s) for s in sources],
        include_dirs=[_rel(INCLUDE), _rel(SRC), _rel(SCEN)],
        extra_compile_args=CFLAGS,
        extra_objects=runtime_objects(),  # made by build_runtime() before the extension
        extra_link_args=["-pthread"],
    )
    return ffi


if __name__ == "__main__":
    os.environ["GORO_BUILD_ABSPATHS"] = "1"

ffibuilder = make_ffi()

if __name__ == "__main__":
    import shutil

    os.chdir(ROOT)
    try:
        build_runtime()
    except NativeBuildError as e:
        sys.exit(f"native runtime not built: {e}")
    # objects go to build/, the extension next to the impls package (an in-place build)
    so = ffibuilder.compile(tmpdir=os.path.join("build", "goro-cffi"), verbose=False)
    dest = os.path.join(ROOT, "impls", os.path.basename(so))
    # refresh any other build of the module too (pip install -e leaves _goro.abi3.so), so an
    # older copy can never shadow this one
    # older copy can never shadow this one. Each copy is renamed into place: a process that
    # has the old module mapped keeps its inode (copying over it crashed a running suite)
    for path in {dest, *glob.glob(os.path.join(ROOT, "impls", "_goro.*.so"))}:
        shutil.copy2(so, path + ".new")
        os.replace(path + ".new", path)
        print(path)
    stale = os.path.join(ROOT, "impls", UNBUILT)  # from an install that could not build it
    if os.path.exists(stale):
        os.remove(stale)
