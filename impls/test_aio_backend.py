"""The asyncio backend's own behaviour: its home-made primitives, its contract, and the asyncio
facts the claims rest on (one thread, no pre-emption, a blocking call stops the loop)."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from impls.asyncio import backend
from impls.asyncio.atomics import cas
from impls.asyncio.memory import QUEUE_FOR_CHANNEL
from impls.asyncio.mutex import RWLock
from impls.asyncio.once import Once
from impls.asyncio.units import WaitGroup
from suite import plan, scenarios
from suite.backend import NotApplicable, RuntimeMisuse

def run(scenario: str, **params) -> dict:
    small = scenarios.CATALOGUE[scenario].small  # the contract's size (suite/tests/test_contract.py)
    return backend.run(scenario, **scenarios.validate(scenario, {**small, **params}))


# ---- the contract ------------------------------------------------------------------------------

@pytest.mark.timeout(10)
@pytest.mark.parametrize("scenario", sorted(scenarios.CATALOGUE))
def test_every_scenario_takes_exactly_the_catalogue_params(scenario: str):
    # PyBackend.run reports `effective` from the sc_ method's signature: it must name every param
    accepted = inspect.signature(getattr(backend, "sc_" + scenario)).parameters
    assert set(accepted) == set(scenarios.CATALOGUE[scenario].params)


# other params than the catalogue's: the programs read them, they are not constants
OTHER_PARAMS = {
    "rw_vs_mutex": {"n": 1001, "read_pct": 60, "rw": 0, "workers": 3, "table": 37, "chain": 5,
                    "warmup": 2, "seed": 7},
    "rw_writer_exclusive": {"ops": 999, "workers": 5, "write_pct": 50, "slots": 3,
                            "yield_every": 7, "seed": 9},
    "mutex_counter": {"units": 7, "increments": 3, "trials": 4, "seed": 11},
    "mutex_contended": {"n": 1001, "units": 3, "seed": 5},
    "atomic_vs_mutex": {"n": 1001, "warmup": 2, "seed": 3},
    "pingpong_chan": {"n": 1001, "seed": 4}, "pingpong_yield": {"n": 1001, "seed": 4},
    "skynet": {"leaves": 1234, "seed": 2}, "pool_bounded": {"jobs": 777, "sample_every": 7},
    "spawn": {"n": 333, "warmup_units": 0, "seed": 8},
    "wg_add_inside": {"n": 4, "trials": 6, "seed": 2},
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scenario", sorted(OTHER_PARAMS))
def test_digests_follow_other_params(scenario: str):
    params = scenarios.validate(scenario, OTHER_PARAMS[scenario])
    obs = backend.run(scenario, **params)
    want = plan.expected(scenario, params)
    assert {k: obs.get(k) for k in want} == want
    assert obs["effective"] == {k: v for k, v in params.items() if v is not None}


@pytest.mark.timeout(30)
def test_rw_trace_is_the_first_ops_of_each_worker():
    params = scenarios.validate("rw_vs_mutex", {"n": 400, "workers": 2, "trace": 5})
    obs = backend.run("rw_vs_mutex", **params)
    assert obs["ops"] == 400 and len(obs["trace"]) == 2
    for w, ops in enumerate(obs["trace"]):
        want = plan.plan_ops(plan.rw_op, params["seed"], w, 5, params["read_pct"], params["table"])
        assert ops == plan.trace_of(want, 5)
    assert "trace" not in run("rw_vs_mutex")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("scenario", ["race_detector", "race_overhead"])
def test_no_race_detector(scenario: str):
    with pytest.raises(NotApplicable, match="race detector"):
        run(scenario)


# ---- the primitives asyncio lacks -------------------------------------------------------------

@pytest.mark.timeout(10)
def test_waitgroup_negative_counter_is_gos_error():
    async def main():
        wg = WaitGroup()
        wg.add(2)
        wg.done()
        wg.done()
        with pytest.raises(RuntimeMisuse, match="^sync: negative WaitGroup counter$"):
            wg.done()

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_waitgroup_wait_blocks_until_the_last_done():
    async def main():
        wg, finished = WaitGroup(), []
        release = asyncio.Event()

        async def worker(i: int):
            await release.wait()
            finished.append(i)
            wg.done()

        wg.add(3)
        tasks = [asyncio.create_task(worker(i)) for i in range(3)]
        waiter = asyncio.create_task(wg.wait(5))
        await asyncio.sleep(0)
        assert not waiter.done()  # counter 3: Wait is parked
        release.set()
        await waiter
        assert sorted(finished) == [0, 1, 2]
        await asyncio.gather(*tasks)

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_waitgroup_wait_at_zero_returns_without_yielding():
    # This is why Add inside the task lets Wait through: the spawned tasks have not run yet.
    async def main():
        ran = []

        async def child():
            ran.append(1)

        task = asyncio.create_task(child())
        await WaitGroup().wait()
        assert ran == []  # Wait returned before the loop ever got to the child
        await task
        assert ran == [1]

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_waitgroup_wait_is_bounded():
    async def main():
        wg = WaitGroup()
        wg.add(1)
        with pytest.raises(asyncio.TimeoutError):
            await wg.wait(0.05)

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_rwlock_readers_share_and_a_writer_excludes_them():
    async def main():
        rw, log = RWLock(), []
        both_in = asyncio.Event()
        inside = 0

        async def reader(name: str):
            nonlocal inside
            async with rw.reading():
                inside += 1
                if inside == 2:
                    both_in.set()
                await asyncio.wait_for(both_in.wait(), 5)  # only passes if both share the lock
                log.append(name)
                inside -= 1

        async def writer():
            async with rw.writing():
                log.append(f"writer saw {inside} readers")

        await asyncio.gather(reader("r1"), reader("r2"))
        await writer()
        assert log == ["r1", "r2", "writer saw 0 readers"]

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_rwlock_waiting_writer_holds_off_new_readers():
    async def main():
        rw, log = RWLock(), []
        first_in, let_go = asyncio.Event(), asyncio.Event()

        async def first_reader():
            async with rw.reading():
                first_in.set()
                await asyncio.wait_for(let_go.wait(), 5)
                log.append("reader1 out")

        async def writer():
            async with rw.writing():
                log.append("writer")

        async def late_reader():
            async with rw.reading():
                log.append("reader2")

        r1 = asyncio.create_task(first_reader())
        await first_in.wait()
        w = asyncio.create_task(writer())
        await asyncio.sleep(0)  # the writer is now waiting
        r2 = asyncio.create_task(late_reader())
        await asyncio.sleep(0)
        let_go.set()
        await asyncio.wait_for(asyncio.gather(r1, w, r2), 5)
        assert log == ["reader1 out", "writer", "reader2"]

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_once_runs_init_once_and_late_callers_wait_for_it():
    async def main():
        once, runs, instance = Once(), [], []

        async def init():
            runs.append(1)
            await asyncio.sleep(0.01)  # slow: others arrive while it runs
            instance.append(object())

        async def caller():
            await once.do(init)
            return list(instance)

        seen = await asyncio.gather(*(caller() for _ in range(10)))
        assert runs == [1]
        assert all(s == instance and len(s) == 1 for s in seen)

    asyncio.run(main())


@pytest.mark.timeout(10)
def test_cas_only_swaps_on_the_expected_old_value():
    box = [5]
    assert not cas(box, 4, 6) and box == [5]
    assert cas(box, 5, 6) and box == [6]


# ---- the asyncio facts the claims rest on -----------------------------------------------------

@pytest.mark.timeout(30)
def test_blocking_read_stops_the_loop_and_the_watchdog_unblocks_it():
    # Facts, not timings: task C never ran while A blocked, so only the watchdog could free it.
    o = run("syscall_handoff", block_ms=50)
    assert o["watchdog_fired"] is True
    assert o["progress_during_block"] == 0
    # asyncio's own remedy: with the read in the default executor the loop keeps counting
    assert o["executor_progress_during_block"] > 0


@pytest.mark.timeout(60)
def test_plain_increment_never_loses_but_an_await_in_between_does():
    o = run("racy_counter", units=200, increments=10, trials=20)
    assert o["lossy_trials"] == 0 and o["distinct_values"] == [2000]
    assert o["await_between_lossy_trials"] == o["await_between_trials"]


@pytest.mark.timeout(30)
def test_lock_order_inversion_deadlocks_and_is_bounded():
    o = run("lock_order_inversion", pause_ms=0, timeout_ms=50)
    assert o["deadlocked"] is True and o["detected"] is False
    assert [b["id"] for b in o["blocked"]] == ["A", "B"]


@pytest.mark.timeout(30)
def test_add_inside_the_task_lets_wait_through_every_time():
    o = run("wg_add_inside", trials=50)
    assert o["early_returns"] == 50 and o["errors"] == 0


@pytest.mark.timeout(30)
def test_spawner_runs_on_before_the_child_and_order_is_fifo():
    assert run("go_returns", trials=30)["spawner_first"] == 30
    o = run("completion_order", trials=30)
    assert o["orders"] == {"0,1,2": 30}


@pytest.mark.timeout(30)
def test_late_binding_closure_sees_the_last_value():
    v = run("loopvar_capture", n=5, trials=3)["variants"]
    assert v["late_binding_closure"]["sample"] == [4] * 5
    assert sorted(v["default_arg_i=i"]["sample"]) == [0, 1, 2, 3, 4]


@pytest.mark.timeout(30)
def test_everything_runs_on_one_os_thread():
    assert run("thread_ids")["distinct_threads"] == 1
    assert run("work_stealing")["distinct_threads"] == 1


@pytest.mark.timeout(30)
def test_recursion_past_the_limit_is_a_recursion_error():
    o = run("stack_growth", depth_kib=5000)
    assert o["ok"] is False and o["error"].startswith("RecursionError")
    o = run("stack_overflow")
    assert o["clear_error"] and o["exit_code"] == 1


@pytest.mark.timeout(30)
def test_parked_tasks_all_park_and_are_released():
    o = run("parked", n=3000)
    assert o["reached"] == 3000 and o["error"] is None


@pytest.mark.timeout(30)
def test_live_counts_track_leaks_and_cancel():
    o = run("leak_blocked_sender", calls=40)
    assert o["growth"] == 40
    o = run("leak_context_cancel", calls=40)
    assert o["during"] == o["baseline"] + 40 and o["after_cancel"] == o["baseline"]
    o = run("num_goroutine", k=7)
    assert o["reported"] == o["expected"]


@pytest.mark.timeout(30)
def test_pool_sums_and_stays_bounded():
    assert run("pool_result")["total"] == 2870
    o = run("pool_bounded", workers=3, jobs=5000)
    assert o["peak_live"] - o["baseline"] <= 3


@pytest.mark.timeout(90)
def test_echo_server_echoes_every_message():
    o = run("echo_server", conns=30, rounds=4)
    assert o["conns"] == 30 and o["echoed"] == 120 and o["handler_tasks_idle"] == 30


@pytest.mark.timeout(60)
def test_skynet_sums_leaves_of_any_size():
    for leaves in (10, 1000, 1234):
        assert run("skynet", leaves=leaves)["total"] == leaves * (leaves - 1) // 2


@pytest.mark.timeout(30)
def test_stack_growth_measures_rss_and_counts_frames_reached():
    o = run("stack_growth", depth_kib=64, idle=5)
    assert o["ok"] and o["recursed_bytes"] == 64 * 1024 and isinstance(o["rss_growth"], int)
    o = run("stack_growth", depth_kib=5000, idle=0)
    assert not o["ok"] and 0 < o["recursed_bytes"] < 5000 * 1024 and o["rss_growth"] is None


@pytest.mark.timeout(30)
def test_parallel_speedup_is_one_measurement_at_the_given_procs():
    for procs, mode in ((1, "sequential"), (2, "gathered")):
        o = run("parallel_speedup", work_ms=5, procs=procs)
        assert o["seconds"] > 0 and o["mode"] == mode
        assert "speedup" not in o and "seconds_p1" not in o


@pytest.mark.timeout(30)
def test_rw_writer_exclusive_sees_no_violation_with_yields_inside_writes():
    o = run("rw_writer_exclusive", ops=3000, write_pct=50, yield_every=1)
    assert o["violations"] == 0 and o["ops"] == 3000


@pytest.mark.timeout(30)
def test_pingpong_chan_names_its_substitute_for_an_unbuffered_channel():
    assert run("pingpong_chan")["substitutions"] == [QUEUE_FOR_CHANNEL]


@pytest.mark.timeout(30)
def test_spawn_empty_wait_reports_the_rss_delta():
    o = run("spawn_empty_wait")
    assert o["rss_delta"] == o["rss_after"] - o["rss_before"] and o["runtime_heap_bytes"] is None


@pytest.mark.timeout(30)
def test_pool_bounded_samples_after_every_sample_every_results():
    assert run("pool_bounded", jobs=1000, sample_every=100)["samples"] == 10
