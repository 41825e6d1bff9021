"""Backend-specific tests of the threading and gevent backends (the claims themselves are tested
by suite/). Each scenario runs as the suite runs it: `python -m suite.worker` in a fresh process,
so gevent and the thread limits stay contained. No test depends on timing. The contract (every
scenario's observables, effective params and digests at the catalogue's small size) is
suite/tests/test_contract.py's, for every backend."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from suite import plan, scenarios

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = {"threading": "impls.threading:backend", "gevent": "impls.gevent:backend"}
ENV = {**os.environ, "PYTHONPATH": str(ROOT),
       "GOROSUITE_BACKENDS": ",".join(f"{k}={v}" for k, v in BACKENDS.items())}

def run(backend: str, scenario: str, params: dict | None = None, timeout: float = 120,
        preexec=None) -> dict:
    p = subprocess.run([sys.executable, "-m", "suite.worker", backend, scenario,
                        json.dumps(params or {})], capture_output=True, text=True, cwd=ROOT, check=False,
                       env=ENV, timeout=timeout, preexec_fn=preexec)
    line = next(ln for ln in reversed(p.stdout.splitlines()) if ln.startswith("@@RESULT "))
    return json.loads(line[len("@@RESULT "):])


def obs(backend: str, scenario: str, params: dict | None = None) -> dict:
    res = run(backend, scenario, params)
    assert res["status"] == "ok", res
    return res["observables"]


# Params off the defaults: the digests follow the params, not constants of the backend.
ODD: dict[str, dict] = {
    "rw_vs_mutex": {"n": 999, "rw": 0, "workers": 3, "table": 17, "chain": 5, "warmup": 2,
                    "seed": 9, "read_pct": 50, "trace": 3},
    "rw_writer_exclusive": {"ops": 777, "workers": 3, "write_pct": 50, "slots": 5,
                            "yield_every": 3, "seed": 11, "trace": 2},
    "skynet": {"leaves": 37, "seed": 5}, "pool_bounded": {"jobs": 333, "sample_every": 7,
                                                          "workers": 3, "seed": 4},
    "atomic_vs_mutex": {"n": 1001, "warmup": 2, "seed": 3}, "pingpong_chan": {"n": 7, "seed": 8},
    "waitgroup": {"n": 51, "warmup_units": 3, "seed": 7},
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("scenario", list(ODD))
def test_digests_follow_the_params(backend: str, scenario: str) -> None:
    o = obs(backend, scenario, ODD[scenario])
    asked = scenarios.validate(scenario, ODD[scenario])
    want = plan.expected(scenario, asked)
    assert {k: o[k] for k in want} == want
    assert o["effective"] == {k: v for k, v in asked.items() if v is not None}
    if "trace" in ODD[scenario]:
        assert [len(t) for t in o["trace"]] == [ODD[scenario]["trace"]] * asked["workers"]


def test_version_names_library_and_python() -> None:
    from impls.gevent import backend as green
    from impls.threading import backend as threads
    assert "CPython 3" in threads.version() and "gevent" in green.version()
    assert threads.available() is True and green.available() is True


# ---- the primitives Python lacks, as built here -------------------------------------------

@pytest.mark.timeout(30)
def test_thread_waitgroup_negative_and_bounded_wait() -> None:
    from impls.threading.units import WaitGroup
    wg = WaitGroup()
    with pytest.raises(ValueError, match="sync: negative WaitGroup counter"):
        wg.done()
    wg.add(1)
    with pytest.raises(TimeoutError):
        wg.wait(timeout=0.05)
    threading.Thread(target=wg.done).start()
    wg.wait(timeout=10)


@pytest.mark.timeout(30)
def test_rwlock_is_writer_preferring_like_gos_rwmutex() -> None:
    """Readers share; a writer waits for them; while it waits, a new reader queues behind it."""
    from impls.pyrt.primitives import RWLock
    rw = RWLock(threading.Lock, threading.Semaphore)
    log: list[str] = []
    rw.rlock()
    rw.rlock(timeout=1)  # a second reader gets in while the first holds it

    def writer() -> None:
        rw.lock(timeout=10)
        log.append("W")
        rw.unlock()

    def late_reader() -> None:
        rw.rlock(timeout=10)
        log.append("R")
        rw.runlock()

    w = threading.Thread(target=writer)
    w.start()
    while rw._reader_count >= 0:  # until the writer has announced itself
        threading.Event().wait(0.001)
    r = threading.Thread(target=late_reader)
    r.start()
    r.join(0.2)
    assert r.is_alive() and log == []  # the late reader waits behind the pending writer
    rw.runlock()
    rw.runlock()  # the last reader out lets the writer in, then the writer the late reader
    w.join(10)
    r.join(10)
    assert log == ["W", "R"]
    rw.lock(timeout=1)  # and the lock is free again
    rw.unlock()


@pytest.mark.timeout(30)
def test_rwlock_excludes_under_gevent() -> None:
    pytest.importorskip("gevent")
    import gevent
    import gevent.lock

    from impls.pyrt.primitives import RWLock
    rw = RWLock(lambda: gevent.lock.BoundedSemaphore(1), gevent.lock.Semaphore)
    inside: list[str] = []
    bad: list[str] = []

    def reader() -> None:
        for _ in range(50):
            rw.rlock()
            inside.append("r")
            bad.extend("r" for x in inside if x == "w")
            gevent.sleep(0)
            inside.remove("r")
            rw.runlock()

    def writer() -> None:
        for _ in range(50):
            rw.lock()
            inside.append("w")
            gevent.sleep(0)
            if inside != ["w"]:
                bad.append("w")
            inside.remove("w")
            rw.unlock()

    gevent.joinall([gevent.spawn(f) for f in (reader, writer, reader, writer)], timeout=20,
                   raise_error=True)
    assert bad == [] and inside == []


@pytest.mark.timeout(30)
def test_once_runs_init_once_under_threads() -> None:
    from impls.pyrt.primitives import Once
    once, runs = Once(threading.Lock), []
    threads = [threading.Thread(target=once.do, args=(lambda: runs.append(1),)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert runs == [1]


# ---- threading ----------------------------------------------------------------------------

def _small_address_space() -> None:
    # 1 GiB of address space: a little over a hundred 8 MiB thread stacks
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.timeout(120)
def test_threads_parked_stops_at_first_error_and_cleans_up() -> None:
    res = run("threading", "parked", {"n": 5000}, preexec=_small_address_space)
    assert res["status"] == "ok", res
    o = res["observables"]
    assert 0 < o["reached"] < 5000
    assert o["error"] in ("can't start new thread", "MemoryError")
    assert o["not_joined"] == 0


@pytest.mark.timeout(60)
def test_threads_unlock_unlocked_is_a_catchable_runtime_error() -> None:
    o = obs("threading", "mutex_unlock_unlocked")
    assert o == {**o, "raised": True, "error": "release unlocked lock", "fatal": False}


@pytest.mark.timeout(60)
def test_threads_deadlock_is_observed_and_cleaned_up() -> None:
    # a pause long enough for B to take m2 before A wants it, even on a loaded machine
    o = obs("threading", "lock_order_inversion", {"pause_ms": 50, "timeout_ms": 300})
    assert o["deadlocked"] and not o["detected"]
    assert sorted(o["after_clean_up"].values()) == ["done", "gave up"]


@pytest.mark.timeout(60)
def test_threads_syscall_does_not_stop_the_others() -> None:
    o = obs("threading", "syscall_handoff", {"block_ms": 20})
    assert o["progress_during_block"] > 0 and not o["watchdog_fired"]


# ---- gevent -------------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_gevent_blocking_read_stops_the_hub_until_the_watchdog() -> None:
    o = obs("gevent", "syscall_handoff", {"block_ms": 20})
    assert o["progress_during_block"] == 0 and o["watchdog_fired"]
    fixed = o["with_gevent_os_tp_read"]
    assert fixed["progress_during_block"] > 0 and not fixed["watchdog_fired"]


@pytest.mark.timeout(60)
def test_gevent_detects_the_deadlock_with_loopexit() -> None:
    o = obs("gevent", "lock_order_inversion", {"pause_ms": 1, "timeout_ms": 5000})
    assert o["deadlocked"] and o["detected"]
    assert o["message"].startswith("This operation would block forever")
    assert len(o["blocked"]) == 2


@pytest.mark.timeout(60)
def test_gevent_spawn_runs_nothing_until_the_spawner_blocks() -> None:
    assert obs("gevent", "go_returns", {"trials": 10})["spawner_first"] == 10
    inside = obs("gevent", "wg_add_inside", {"n": 5, "trials": 10})
    assert inside["early_returns"] == 10  # Wait saw a zero counter every time
    order = obs("gevent", "completion_order", {"trials": 10})
    assert order["orders"] == {"012": 10}
    lv = obs("gevent", "loopvar_capture", {"n": 5, "trials": 3})["variants"]
    assert lv["closure (late binding)"]["sample"] == [4] * 5
    assert lv["default argument i=i"]["runs_all_distinct"] == 3


@pytest.mark.timeout(60)
def test_gevent_loses_updates_only_with_a_yield_between_load_and_store() -> None:
    o = obs("gevent", "racy_counter", {"units": 50, "increments": 1, "trials": 3})
    assert o["lossy_trials"] == 0 and o["with_yield_between_load_and_store"] < 50


@pytest.mark.timeout(60)
def test_gevent_lock_over_release_raises_but_semaphore_does_not() -> None:
    o = obs("gevent", "mutex_unlock_unlocked")
    assert o["raised"] and o["error"] == "Semaphore released too many times"
    assert o["plain_semaphore_after_release"] == "no error, counter 2"


@pytest.mark.timeout(60)
def test_gevent_live_count_tracks_leaks() -> None:
    o = obs("gevent", "leak_blocked_sender", {"calls": 10})
    assert o["growth"] == 10
    o = obs("gevent", "leak_context_cancel", {"calls": 10})
    assert o["after_cancel"] == o["baseline"] < o["during"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("backend", BACKENDS)
def test_echo_server_echoes_every_message(backend: str) -> None:
    o = obs(backend, "echo_server", {"conns": 30, "rounds": 3})
    assert o["conns"] == 30 and o["echoed"] == 90


@pytest.mark.timeout(60)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("leaves", [10, 11, 150, 999])
def test_skynet_sums_any_number_of_leaves(backend: str, leaves: int) -> None:
    assert obs(backend, "skynet", {"leaves": leaves})["total"] == leaves * (leaves - 1) // 2


@pytest.mark.timeout(60)
@pytest.mark.parametrize("backend", BACKENDS)
def test_parked_counts_only_units_that_reported(backend: str) -> None:
    o = obs(backend, "parked", {"n": 300})
    assert o["reached"] == 300 and o["error"] is None and o["not_joined"] == 0


@pytest.mark.timeout(30)
def test_backend_packages_do_not_shadow_the_stdlib() -> None:
    """impls/threading and impls/asyncio are named after the libraries: under pytest (rootdir
    import mode: impls/ is a package, so its parent is what goes on sys.path) and inside the
    packages themselves, `import threading` / `import asyncio` must still be the stdlib's."""
    import asyncio
    import sysconfig

    import impls.asyncio
    import impls.threading

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    for module in (threading, asyncio):
        assert Path(module.__file__).resolve().is_relative_to(stdlib), module.__file__
    assert impls.threading.threading is threading  # the package's own `import threading`
    assert impls.asyncio.asyncio is asyncio
