"""Builds the native runtime (impls._goro) with cffi at install; metadata is in pyproject.toml.

The build is optional: where the runtime cannot be built (another OS or CPU, no C compiler, a
compile error) the install still succeeds with every other backend, and the one-line reason is
written to impls/_goro_unbuilt.txt next to where the extension would be; impls/native.py's
available() reports it. A successful build removes a stale reason file.
"""

import importlib.util
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def _native_build():
    """native/build.py as a module (loading it runs no compiler)."""
    spec = importlib.util.spec_from_file_location("goro_native_build", os.path.join(HERE, "native", "build.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:300]


class OptionalBuildExt(build_ext):
    """build_ext whose failure is recorded, not fatal (cffi wraps this class for its module)."""

    def _reason_paths(self) -> list[str]:
        paths = [os.path.join(os.path.dirname(self.get_ext_fullpath("impls._goro")), "_goro_unbuilt.txt")]
        if getattr(self, "editable_mode", False):  # PEP 660: the package is the source tree
            paths.append(os.path.join(HERE, "impls", "_goro_unbuilt.txt"))
        return paths

    def run(self) -> None:
        native = _native_build()
        try:
            native.build_runtime()
            super().run()
        except Exception as e:  # noqa: BLE001 - any failure of this step leaves native out, said why
            reason = _one_line(e)
            if not isinstance(e, native.NativeBuildError):
                reason = f"{type(e).__name__}: {reason}"
            message = f"native runtime not built: {reason}"
            for path in self._reason_paths():
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(message + "\n")
            print(f"warning: {message}; the other backends are installed", file=sys.stderr)
            return
        for path in self._reason_paths():
            if os.path.exists(path):
                os.remove(path)


setup(cffi_modules=["native/build.py:ffibuilder"], cmdclass={"build_ext": OptionalBuildExt})
