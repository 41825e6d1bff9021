"""Faults: a worker that is killed, crashes, hangs or prints garbage gives an error or timeout
cell and the run goes on; Ctrl-C leaves the results so far; a bad output folder or a full disk
gives one line and leaves the previous report as it was."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys

import pytest

FAULTY = "faulty=suite.tests.backends.faulty:backend"
CLAIMS = "spawn.cost-ns,switch.user-space,sched.m-n,sched.gomaxprocs-default,pool.result"


def _env() -> dict[str, str]:
    return {**os.environ, "GOROSUITE_BACKENDS": FAULTY}


@pytest.mark.timeout(120)
def test_each_fault_is_a_cell_with_its_reason_and_the_run_goes_on(tmp_path):
    p = subprocess.run([sys.executable, "-m", "suite", "run", "--backends", "faulty", "--claims",
                        CLAIMS, "--bench", "none", "--timeout", "5", "-o", str(tmp_path)],
                       capture_output=True, text=True, timeout=110, env=_env())
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["environment"]["complete"] is True
    cell = {r["id"]: r for r in res["claims"]}
    assert len(cell) == 5
    assert cell["spawn.cost-ns"]["observed"] == "error"
    assert "killed by SIGKILL" in cell["spawn.cost-ns"]["evidence"]["reason"]
    assert "killed by SIGSEGV" in cell["switch.user-space"]["evidence"]["reason"]
    assert cell["sched.m-n"]["observed"] == "timeout"
    assert "within 5 s" in cell["sched.m-n"]["evidence"]["reason"]
    assert "malformed result line" in cell["sched.gomaxprocs-default"]["evidence"]["reason"]
    assert "no result line" in cell["pool.result"]["evidence"]["reason"]
    assert (tmp_path / "REPORT.md").exists() and not list(tmp_path.glob(".*tmp*"))


@pytest.mark.timeout(120)
def test_ctrl_c_stops_within_seconds_and_keeps_the_results_so_far(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "suite", "run", "--backends", "faulty",
                             "--claims", "spawn.cost-ns,sched.m-n,pool.result", "--bench", "none",
                             "-o", str(tmp_path)], stderr=subprocess.PIPE, text=True, env=_env())
    # the first claim (a killed worker) is reported; the second hangs (its bound is 300 s)
    for line in proc.stderr:
        if "spawn.cost-ns" in line:
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=15)[1]
    assert proc.returncode == 130, rest
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["environment"]["complete"] is False
    assert [r["id"] for r in res["claims"]] == ["spawn.cost-ns"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "suite", *args], capture_output=True, text=True,
                          timeout=100)


@pytest.mark.timeout(120)
def test_an_output_folder_that_cannot_exist_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    p = _cli("run", "--backends", "threading", "--claims", "none", "--bench", "none",
             "-o", str(blocker / "out"))
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot create the output folder" in lines[0], p.stderr


@pytest.mark.timeout(120)
def test_a_full_disk_leaves_the_previous_report_untouched(tmp_path, monkeypatch, capsys):
    from suite import atomicio, cli

    assert cli.main(["run", "--backends", "threading", "--claims", "none", "--bench", "none",
                     "-o", str(tmp_path)]) == 0
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    real_open = open
    written = []

    def full_disk(path, mode="r", *a, **k):  # the second file of the report hits ENOSPC
        if "w" in mode and ".tmp-" in str(path):
            written.append(path)
            if len(written) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(atomicio, "open", full_disk, raising=False)
    capsys.readouterr()
    assert cli.main(["run", "--backends", "threading", "--claims", "none", "--bench", "none",
                     "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "previous report" in err[0]
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before


@pytest.mark.parametrize("content, needle", [
    ("{\"schema\": 1, \"claims\": [", "is not a results.json"),
    ("[1, 2]", "is not a schema-1 results.json"),
    ("{\"schema\": 7}", "is not a schema-1 results.json"),
])
@pytest.mark.timeout(60)
def test_report_of_a_malformed_results_file_is_one_line_and_exit_2(tmp_path, content, needle):
    (tmp_path / "results.json").write_text(content)
    p = _cli("report", str(tmp_path))
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], p.stderr
    assert not (tmp_path / "REPORT.md").exists()
