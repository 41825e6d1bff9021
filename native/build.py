"""cffi builder of the native runtime: ``impls._goro``.

setup.py names it in ``cffi_modules``; it also runs alone (``python native/build.py``) to build
the extension in place. The runtime (every ``native/src/*.c`` and the context switch ``.S``,
which setuptools would not assemble) is compiled here first into objects whose code sits in
one named section (``cbuild.runtime_objects``, for preempt.c) and linked in as extra objects;
setuptools compiles ``native/scenarios/*.c``.
"""

from __future__ import annotations

import glob
import os
import sys
import sysconfig

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(HERE, "src")
SCEN = os.path.join(HERE, "scenarios")
INCLUDE = os.path.join(HERE, "include")

CFLAGS = ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-pthread",
          "-fno-omit-frame-pointer", "-fstack-clash-protection",
          "-fvisibility=hidden"]  # only PyInit is exported: calls inside the module skip the PLT


def _rel(path: str) -> str:
    # setuptools wants source paths relative to the project root; a standalone build
    # (GORO_BUILD_ABSPATHS=1, set by __main__) compiles from build/ and needs absolute ones
    if os.environ.get("GORO_BUILD_ABSPATHS") == "1":
        return path
    return os.path.relpath(path, ROOT)


def _runtime() -> list[str]:
    """Compile native/src (the C files and the context switch) into build/goro-rt with the
    runtime's code in its own section (cbuild.runtime_objects); return the objects."""
    sys.path.insert(0, HERE)
    import cbuild

    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    flags = ["-fPIC", *CFLAGS, f"-I{INCLUDE}", f"-I{SRC}"]
    return cbuild.runtime_objects(cc, flags, os.path.join(ROOT, "build", "goro-rt"))


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
        extra_objects=_runtime(),
        extra_link_args=["-pthread"],
    )
    return ffi


if __name__ == "__main__":
    os.environ["GORO_BUILD_ABSPATHS"] = "1"

ffibuilder = make_ffi()

if __name__ == "__main__":
    import shutil

    os.chdir(ROOT)
    # objects go to build/, the extension next to the impls package (an in-place build)
    so = ffibuilder.compile(tmpdir=os.path.join("build", "goro-cffi"), verbose=False)
    dest = os.path.join(ROOT, "impls", os.path.basename(so))
    # refresh any other build of the module too (pip install -e leaves _goro.abi3.so), so an
    # older copy can never shadow this one
    for path in {dest, *glob.glob(os.path.join(ROOT, "impls", "_goro.*.so"))}:
        shutil.copy2(so, path)
        print(path)
