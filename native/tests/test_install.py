"""An install where the native runtime cannot be built still succeeds (issue 14, part 2).

setup.py's build_ext records the failure in impls/_goro_unbuilt.txt instead of failing the
install; impls/native.py's available() then returns that one-line reason, and the suite lists
native as unavailable while the other backends work.

Each test copies the project's sources (no built extension) into a temporary directory and
forces a build failure through CC, which both the assembly step (native/build.py) and
setuptools honour:
  * a wheel install with ``pip install --no-deps --no-build-isolation --target`` and
    CC=/bin/false (a compiler that runs and fails);
  * an in-place ``setup.py build_ext --inplace`` with a compiler that does not exist, then a
    successful in-place build of the same copy, which must remove the stale reason.
The backends are then imported from the copy in a fresh interpreter (the repository's own
editable install must not shadow it: the test checks where impls.native came from).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ["setup.py", "pyproject.toml", "README.md", "suite", "impls", "reports", "native"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.so", "*.o", "_goro.c", "_goro_unbuilt.txt",
                                 "build", "latest", "ci", ".pytest_cache")

pytestmark = [
    pytest.mark.timeout(300),
    # --no-build-isolation builds with this interpreter's own setuptools and cffi (tox's py env
    # has both: cffi is a dependency, virtualenv seeds setuptools for Python 3.11)
    pytest.mark.skipif(importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("cffi") is None,
                       reason="needs setuptools and cffi in this interpreter to build without isolation"),
]


def _copy_project(dest: Path) -> Path:
    src = dest / "src"
    src.mkdir()
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORED)
        else:
            shutil.copy2(path, src / name)
    return src


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CC", "GORO_SANITIZE")}
    env.update(extra)
    return env


# The interpreter running the tests may have this project installed in editable mode, whose
# import hook (setuptools' editable finder, after the path finder) would supply impls._goro
# from the developer's tree; a machine with only the tested install has no such hook.
ISOLATE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path"
    " if 'editable' not in (getattr(f, '__module__', '') or getattr(f, '__name__', '')).lower()]\n"
)


def _run_module(path: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    code = ISOLATE + f"import runpy; sys.argv = {[module, *args]!r}; runpy.run_module({module!r}, run_name='__main__')"
    return subprocess.run([sys.executable, "-c", code], cwd=path.parent, capture_output=True, text=True,
                          timeout=120, env=_env(PYTHONPATH=str(path)))


PROBE = ISOLATE + r"""
import json
import impls.native as native
from suite import runner
_, info = runner.available_backends(["native", "threading"])
print(json.dumps({"file": native.__file__, "available": native.backend.available(),
                  "info": {k: {"available": v["available"], "reason": v.get("reason")}
                           for k, v in info.items()}}))
"""


def _probe(path: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=path.parent, capture_output=True, text=True,
                       timeout=120, env=_env(PYTHONPATH=str(path)))
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _threading_runs(path: Path) -> None:
    """Another backend really runs a scenario from the same install."""
    r = _run_module(path, "suite.worker", "threading", "go_returns", '{"trials": 5}')
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("@@RESULT ")), None)
    assert line is not None, f"no result: {r.stdout[-2000:]} {r.stderr[-2000:]}"
    assert json.loads(line[len("@@RESULT "):])["status"] == "ok", line


def _list_shows_native_unavailable(path: Path, reason: str) -> None:
    r = _run_module(path, "suite", "list")
    assert r.returncode == 0, r.stderr[-3000:]
    rows = {ln.split("|")[1].strip(): ln for ln in r.stdout.splitlines() if ln.startswith("| native ")
            or ln.startswith("| threading ")}
    assert "native" in rows and "| no " in rows["native"] and reason in rows["native"], rows
    assert "threading" in rows and "| yes " in rows["threading"], rows


def test_wheel_install_without_a_compiler_succeeds(tmp_path: Path) -> None:
    src = _copy_project(tmp_path)
    target = tmp_path / "target"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                        "--no-cache-dir", "--quiet", "--target", str(target), str(src)],
                       capture_output=True, text=True, timeout=240,
                       env=_env(CC="/bin/false", PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert r.returncode == 0, f"install failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert not list((target / "impls").glob("_goro*.so")), "an extension was built with CC=/bin/false"
    recorded = (target / "impls" / "_goro_unbuilt.txt").read_text().strip()
    assert recorded == "native runtime not built: /bin/false -dumpmachine failed with exit code 1", recorded

    got = _probe(target)
    assert Path(got["file"]).is_relative_to(target), f"impls.native came from {got['file']}, not the install"
    assert got["available"] == recorded
    assert got["info"]["native"] == {"available": False, "reason": recorded}, got["info"]
    assert got["info"]["threading"]["available"] is True, got["info"]
    _list_shows_native_unavailable(target, recorded)
    _threading_runs(target)


@pytest.mark.skipif(shutil.which(os.environ.get("CC") or "cc") is None, reason="needs a C compiler for the rebuild")
def test_inplace_build_records_then_clears_the_reason(tmp_path: Path) -> None:
    src = _copy_project(tmp_path)
    r = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=src,
                       capture_output=True, text=True, timeout=240, env=_env(CC="no-such-cc-goro"))
    assert r.returncode == 0, f"build_ext failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    reason_file = src / "impls" / "_goro_unbuilt.txt"
    assert reason_file.read_text().strip() == "native runtime not built: no-such-cc-goro: command not found"
    got = _probe(src)
    assert Path(got["file"]).is_relative_to(src), got["file"]
    assert got["available"] == "native runtime not built: no-such-cc-goro: command not found"

    # the same tree with a working compiler: built, and the stale reason is gone
    r = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=src,
                       capture_output=True, text=True, timeout=240, env=_env())
    assert r.returncode == 0, f"build_ext failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert not reason_file.exists()
    assert list((src / "impls").glob("_goro*.so"))
    assert _probe(src)["available"] is True
