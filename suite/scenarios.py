"""The scenario catalogue: the contract between the spec and every backend.

A scenario is a small program written once per backend, in that backend's own idiom (Go code for
`go`, C against goro.h for `native`, plain Python for the others). The suite calls
``backend.run(name, **params)`` in a fresh worker process and gets back a dict of *observables*:
numbers and facts measured inside the backend with its own monotonic clock. Claims (claims.py)
turn observables into verdicts; benchmarks (bench.py) time the timing scenarios.

Rules every backend follows:

* Params arrive already validated against the bounds below (``validate``); a backend may accept
  only the names listed for that scenario.
* Every observable listed is returned, with exactly that key. A value the backend cannot measure
  is ``None`` (never a made-up number). Extra keys are welcome (they land in the evidence).
* ``procs`` is GOMAXPROCS where the runtime has the knob; ``None`` means the runtime's default.
  A backend without the knob ignores it and returns ``"gomaxprocs": None`` where asked.
* Timing scenarios return ``seconds`` (total wall time of the timed section, measured inside
  the backend) and ``ops`` (how many units of work that section did); ns/op = seconds/ops*1e9.
  Set-up (building, process start, imports) is never inside ``seconds``.
* A scenario that makes no sense on a backend raises ``suite.backend.NotApplicable(reason)``.
* Nothing hangs: a scenario whose runtime would block forever (e.g. the deadlock scenario on
  OS threads) bounds every wait itself and reports what it saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ScenarioError(ValueError):
    """Bad scenario name or params: its message is one line naming what is accepted."""


@dataclass(frozen=True)
class Param:
    default: Any
    lo: int | None = None  # inclusive bounds for ints; None = not an int param
    hi: int | None = None
    doc: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    doc: str
    params: dict[str, Param] = field(default_factory=dict)
    observables: dict[str, str] = field(default_factory=dict)
    timing: bool = False  # returns seconds/ops and can be benchmarked


TRIALS = Param(1000, 1, 100_000, "independent repetitions of the experiment")
PROCS = Param(None, 1, 1024, "GOMAXPROCS; None = runtime default")
TIMED = {"seconds": "total wall seconds of the timed section", "ops": "units of work done"}


def _s(name: str, doc: str, params: dict[str, Param] | None = None,
       observables: dict[str, str] | None = None, timing: bool = False) -> Scenario:
    obs = dict(observables or {})
    if timing:
        obs = {**TIMED, **obs}
    return Scenario(name, doc, dict(params or {}), obs, timing)


CATALOGUE: dict[str, Scenario] = {s.name: s for s in [
    # --- §1 memory, stacks, spawn, switch -------------------------------------------------
    _s("parked", "Start n units that each block on a primitive nobody signals yet (a channel "
       "receive, an Event, a lock), wait until all n are parked, read the process's memory, "
       "then release and join them. Stop at the first error (e.g. can't start new thread) and "
       "report it verbatim with the count reached.",
       {"n": Param(100_000, 1, 2_000_000), "procs": PROCS},
       {"requested": "n asked for", "reached": "units parked at once when memory was read",
        "error": "first error verbatim, or None",
        "rss_before": "process RSS bytes before spawning", "rss_parked": "RSS with all parked",
        "vm_before": "VmSize bytes before", "vm_parked": "VmSize with all parked",
        "rss_per_unit": "(rss_parked-rss_before)/reached",
        "vm_per_unit": "(vm_parked-vm_before)/reached",
        "runtime_stack_bytes": "runtime-reported stack bytes in use, or None (Go: StackInuse)",
        "runtime_heap_bytes": "runtime-reported heap bytes, or None (Go: HeapAlloc)",
        "seconds_to_park": "wall seconds to get all n parked"}),
    _s("spawn_empty_wait", "The article's §1-2 program: spawn n empty units with a WaitGroup "
       "(or the idiom's join), wait, then read the runtime's heap figure.",
       {"n": Param(100_000, 1, 2_000_000)},
       {"n": "units spawned", "heap_bytes": "runtime heap after Wait (Go: HeapAlloc), or None",
        "rss_bytes": "process RSS after Wait"}),
    _s("stack_growth", "One unit recurses through depth_kib KiB of stack frames (each frame "
       "holds a 1 KiB local buffer it touches) and returns; meanwhile idle units stay small.",
       {"depth_kib": Param(256, 1, 65_536)},
       {"ok": "recursion completed", "recursed_bytes": "bytes of frames reached",
        "error": "error verbatim if it failed, else None"}),
    _s("stack_overflow", "One unit recurses without bound. Must end with a clear error naming "
       "a stack overflow; the backend runs it in a child process so the crash cannot take the "
       "worker down.",
       {},
       {"clear_error": "the failure named a stack overflow / recursion limit",
        "message": "the first line(s) of the error, verbatim", "exit_code": "child exit status"}),
    _s("spawn", "Spawn n units that do nothing and complete; wait for all. ns per unit covers "
       "spawn + run + complete.",
       {"n": Param(100_000, 1, 10_000_000), "procs": PROCS},
       {"ns_per_spawn": "seconds/ops*1e9"}, timing=True),
    _s("pingpong_yield", "Two units hand control to each other n times at one processor: "
       "goroutine-like runtimes use their yield (runtime.Gosched) at GOMAXPROCS=1; threads use "
       "the lightest strict hand-off their library offers. ops = one-way switches.",
       {"n": Param(200_000, 2, 100_000_000)},
       {"ns_per_switch": "seconds/ops*1e9",
        "nvcsw": "voluntary context switches of the process during the section (getrusage)",
        "nvcsw_per_switch": "nvcsw/ops"}, timing=True),
    _s("pingpong_chan", "Two units pass a message back and forth over an unbuffered channel (or "
       "the nearest equivalent: Queue, Future, Condition) at one processor. ops = one-way "
       "messages.",
       {"n": Param(200_000, 2, 100_000_000)},
       {"ns_per_message": "seconds/ops*1e9", "nvcsw_per_message": "nvcsw/ops"}, timing=True),
    # --- §2 scheduling ---------------------------------------------------------------------
    _s("thread_ids", "n units each record the OS thread id (gettid) they ran on, and block "
       "briefly on a shared primitive so they overlap.",
       {"n": Param(10_000, 1, 1_000_000), "procs": PROCS},
       {"units": "n", "distinct_threads": "distinct OS thread ids seen",
        "gomaxprocs": "the runtime's P count, or None",
        "threads_in_syscalls": "Ms created for blocking syscalls during the run, or None"}),
    _s("work_stealing", "One unit spawns n CPU-bound units (each ~20 µs of arithmetic) on "
       "GOMAXPROCS=procs and waits for them; record the OS thread id each ran on.",
       {"n": Param(10_000, 1, 1_000_000), "procs": Param(2, 1, 1024)},
       {"units": "n", "distinct_threads": "distinct OS thread ids the units ran on",
        "steals": "steal operations counted by the runtime, or None where not exposed"}),
    _s("syscall_handoff", "At GOMAXPROCS=1, unit A does a real blocking read() on a pipe; a "
       "second unit B counts in a loop (yielding to the scheduler where that is the idiom); a "
       "third unit C of the same runtime sleeps block_ms and writes the pipe. If the runtime "
       "cannot run C while A blocks, a watchdog OS thread writes after 5*block_ms and the "
       "backend reports watchdog_fired.",
       {"block_ms": Param(200, 1, 10_000)},
       {"blocked_ms": "how long read() blocked", "progress_during_block": "B's count increments "
        "while A was blocked", "watchdog_fired": "the watchdog had to unblock A"}),
    _s("gomaxprocs", "Read the runtime's default parallelism.", {},
       {"gomaxprocs": "default P count, or None", "cpu_count": "os CPU count"}),
    _s("parallel_speedup", "Two units each do work_ms of CPU-bound arithmetic; time it at "
       "GOMAXPROCS=1 and at 2. Without the knob, P=1 runs them one after the other and P=2 "
       "concurrently.",
       {"work_ms": Param(200, 1, 10_000)},
       {"seconds_p1": "wall at 1", "seconds_p2": "wall at 2", "speedup": "p1/p2"}),
    # --- §3 basics ---------------------------------------------------------------------------
    _s("go_returns", "Spawn a unit that blocks forever (on a primitive nobody signals); the "
       "spawner notes that spawn returned and whether it ran on before the child started.",
       {"trials": Param(100, 1, 100_000)},
       {"spawn_returned": "spawn returned in every trial",
        "spawner_first": "trials in which the spawner ran on before the child started",
        "trials": "trials"}),
    _s("completion_order", "Start 3 units that each append their id to a shared list (under a "
       "lock); record the order; repeat.",
       {"trials": Param(200, 1, 100_000), "procs": Param(2, 1, 1024)},
       {"trials": "trials", "distinct_orders": "distinct orders seen",
        "orders": "{order-string: count}"}),
    _s("loopvar_capture", "Start n units in a loop, each recording the loop variable as its "
       "closure/argument sees it; repeat trials times per variant. Variants are the idiom's "
       "pairs: Go `go 1.21` vs `go 1.22` modules; Python late-binding closure vs `i=i`; C "
       "pointer to the loop variable vs value argument.",
       {"n": Param(5, 2, 10_000), "trials": Param(100, 1, 10_000)},
       {"variants": "{name: {semantics: 'shared'|'per-iteration', trials, "
        "runs_all_distinct, runs_with_duplicates, sample: [values of one run]}}"}),
    # --- §4 WaitGroup ------------------------------------------------------------------------
    _s("wg_waits_all", "n workers each set their own done flag then Done; after Wait, check "
       "every flag.",
       {"n": Param(5, 1, 100_000), "trials": TRIALS},
       {"trials": "trials", "violations": "trials where Wait returned before a worker finished"}),
    _s("wg_add_before", "Add(1) before spawning each of n workers; count early returns of "
       "Wait (a worker unfinished after Wait).",
       {"n": Param(10, 1, 100_000), "trials": TRIALS},
       {"trials": "trials", "early_returns": "trials where Wait returned early"}),
    _s("wg_add_inside", "Each of n workers calls Add(1) itself, then Done; the spawner calls "
       "Wait right after spawning. Count early returns; misuse errors raised by the runtime are "
       "counted separately (and must not take the process down).",
       {"n": Param(10, 1, 100_000), "trials": TRIALS},
       {"trials": "trials", "early_returns": "trials where Wait returned before all finished",
        "errors": "trials that raised a misuse error", "first_error": "its message or None"}),
    _s("wg_negative", "Done on a WaitGroup with counter 0.", {},
       {"raised": "an error was raised", "error": "its message verbatim"}),
    # --- §5 races ----------------------------------------------------------------------------
    _s("racy_counter", "units units each do `counter++` increments times with no "
       "synchronisation; compare with units*increments; repeat.",
       {"units": Param(1000, 1, 100_000), "increments": Param(1, 1, 1_000_000),
        "trials": TRIALS, "procs": PROCS},
       {"trials": "trials", "expected": "units*increments",
        "lossy_trials": "trials that ended below expected", "min": "lowest final value",
        "distinct_values": "sorted distinct final values (at most 20)"}),
    _s("race_detector", "Build/run the racy counter, the Mutex counter and the atomic counter "
       "under the race detector (go -race; ThreadSanitizer).",
       {},
       {"racy_reported": "a data race was reported for the racy program",
        "mutex_reported": "a race was reported for the Mutex program",
        "atomic_reported": "a race was reported for the atomic program",
        "report_excerpt": "first lines of the racy report, with the location"}),
    _s("race_overhead", "Time the Mutex counter (units x increments) in a normal and a race "
       "build.",
       {"units": Param(1000, 1, 100_000), "increments": Param(1000, 1, 1_000_000)},
       {"normal_seconds": "normal build", "race_seconds": "race build",
        "ratio": "race/normal", "workload": "what ran, e.g. '1000 goroutines x 1000 Lock/Unlock'"}),
    # --- §6 Mutex / RWMutex ------------------------------------------------------------------
    _s("mutex_counter", "units units each increment a shared counter increments times under "
       "a Mutex; repeat.",
       {"units": Param(1000, 1, 100_000), "increments": Param(1, 1, 1_000_000),
        "trials": TRIALS, "procs": PROCS},
       {"trials": "trials", "exact_trials": "trials that ended exactly at units*increments"}),
    _s("mutex_unlock_on_panic", "A unit locks, defers/finally-unlocks, and panics/raises inside "
       "the section; the panic is recovered; then another unit takes the lock (bounded wait).",
       {},
       {"panicked": "the section raised", "recovered": "the panic was recovered",
        "lock_free_after": "another unit acquired the lock afterwards"}),
    _s("mutex_unlock_unlocked", "Unlock a Mutex nobody holds. Where the runtime makes this a "
       "fatal error (Go), run it in a child process and capture the message.",
       {},
       {"raised": "an error resulted", "error": "the message verbatim", "fatal": "the process "
        "died rather than raising a catchable error"}),
    _s("rw_readers_share", "readers units take RLock, bump a shared 'inside' count, record the "
       "peak, wait at a barrier of all readers (bounded), and leave.",
       {"readers": Param(10, 2, 10_000)},
       {"peak_readers": "highest number of simultaneous readers seen"}),
    _s("rw_writer_exclusive", "Mixed readers and writers do ops operations in total; inside a "
       "write section, check that no reader and no other writer is inside.",
       {"ops": Param(100_000, 1, 10_000_000), "procs": Param(2, 1, 1024)},
       {"ops": "operations done", "violations": "times a write section saw another holder"}),
    _s("rw_vs_mutex", "Workers do n operations, read_pct% reads (each read section does a "
       "non-trivial read: ~1 µs of work over a shared map/array) and the rest writes; run once "
       "with RWMutex, once with Mutex; procs=2.",
       {"n": Param(200_000, 1, 100_000_000), "read_pct": Param(95, 0, 100),
        "procs": Param(2, 1, 1024)},
       {"rw_seconds": "RWMutex wall", "mutex_seconds": "Mutex wall",
        "ratio": "throughput RWMutex/Mutex = mutex_seconds/rw_seconds"}, timing=True),
    # --- §7 deadlock -------------------------------------------------------------------------
    _s("lock_order_inversion", "The article's §7 program: A locks m1, pauses pause_ms, locks "
       "m2; B locks m2, pauses, locks m1; main waits for both. A runtime that detects global "
       "deadlock reports it; otherwise every wait is bounded by timeout_ms.",
       {"pause_ms": Param(10, 0, 10_000), "timeout_ms": Param(1000, 10, 60_000)},
       {"deadlocked": "both units still blocked at the end (or the runtime said so)",
        "detected": "the runtime itself reported a deadlock",
        "message": "the runtime's message verbatim, or None",
        "blocked": "[{id, reason}] of blocked units where the runtime lists them, else None"}),
    _s("consistent_order", "Same two units, both lock m1 then m2; repeat trials times with a "
       "bounded wait per trial.",
       {"trials": TRIALS, "pause_us": Param(10, 0, 1_000_000)},
       {"trials": "trials", "finished": "trials that finished within the bound"}),
    # --- §8 atomics --------------------------------------------------------------------------
    _s("atomic_counter", "units units each atomically add 1 to a shared counter; repeat.",
       {"units": Param(1000, 1, 100_000), "trials": TRIALS, "procs": PROCS},
       {"trials": "trials", "exact_trials": "trials ending exactly at units"}),
    _s("atomic_cas", "A CAS-loop counter from units units; then a CAS with a stale old value.",
       {"units": Param(1000, 1, 100_000)},
       {"cas_loop_exact": "the CAS-loop counter is exact",
        "stale_cas_failed": "the stale CAS returned false and left the value"}),
    _s("atomic_vs_mutex", "ns per increment of one counter: by Mutex vs by atomic add, "
       "uncontended (one unit) and contended (two units at procs=2).",
       {"n": Param(1_000_000, 1, 1_000_000_000), "procs": Param(2, 1, 1024)},
       {"mutex_ns": "uncontended Mutex ns/op", "atomic_ns": "uncontended atomic ns/op",
        "mutex_contended_ns": "contended Mutex ns/op",
        "atomic_contended_ns": "contended atomic ns/op",
        "ratio_uncontended": "mutex_ns/atomic_ns",
        "ratio_contended": "mutex_contended_ns/atomic_contended_ns"}),
    # --- §9 Once -----------------------------------------------------------------------------
    _s("once_runs_once", "callers units call once.Do(init) at the same time; init counts its "
       "runs and creates an instance; repeat.",
       {"callers": Param(10, 1, 10_000), "trials": TRIALS},
       {"trials": "trials", "max_init_count": "highest init count in a trial",
        "all_same_instance": "every caller of every trial got its trial's single instance"}),
    _s("once_waits", "callers units call once.Do(init) where init sleeps init_ms before "
       "publishing the instance; every caller checks the instance right after Do.",
       {"callers": Param(10, 1, 10_000), "trials": Param(100, 1, 100_000),
        "init_ms": Param(1, 0, 10_000)},
       {"trials": "trials", "unset_observed": "callers that saw no instance after Do"}),
    # --- §10 worker pool ---------------------------------------------------------------------
    _s("pool_result", "The article's §10 pool: workers workers square jobs 1..jobs from a "
       "jobs channel into a results channel; sum the results.",
       {"workers": Param(5, 1, 10_000), "jobs": Param(20, 1, 10_000_000)},
       {"total": "sum of results", "expected": "sum of squares 1..jobs"}),
    _s("pool_bounded", "Same pool with jobs jobs; sample the runtime's live unit count while it "
       "runs.",
       {"workers": Param(5, 1, 10_000), "jobs": Param(100_000, 1, 10_000_000)},
       {"peak_live": "highest live unit count sampled", "baseline": "live count before",
        "workers": "workers"}),
    # --- §11 leaks ---------------------------------------------------------------------------
    _s("leak_blocked_sender", "The article's leak(): start a unit that sends on an unbuffered "
       "channel nobody reads; call it calls times; read the live count.",
       {"calls": Param(100, 1, 100_000)},
       {"baseline": "live units before", "after": "live units after the calls",
        "growth": "after-baseline"}),
    _s("leak_context_cancel", "Start calls units that loop until their context is cancelled "
       "(select on Done); read the count; cancel; wait (bounded) for the count to return.",
       {"calls": Param(100, 1, 100_000)},
       {"baseline": "before", "during": "with the units running", "after_cancel": "after "
        "cancel, once the count settles (bounded wait)"}),
    _s("num_goroutine", "Start k units that block; compare the runtime's live count with "
       "baseline+k.",
       {"k": Param(50, 1, 100_000)},
       {"reported": "live count reported by the runtime", "expected": "baseline + k"}),
    # --- anecdote ----------------------------------------------------------------------------
    _s("echo_server", "A loopback TCP echo server, one unit per connection (threads: one "
       "thread per connection). The suite's client (python -m suite.echo_client) opens conns "
       "idle connections, then sends rounds messages on each. Server RSS is read idle and after "
       "traffic.",
       {"conns": Param(5_000, 1, 16_000), "rounds": Param(2, 0, 1_000)},
       {"conns": "connections held", "rss_baseline": "server RSS before",
        "rss_idle": "server RSS with all connections idle",
        "rss_traffic": "server RSS after traffic",
        "bytes_per_conn_idle": "(rss_idle-rss_baseline)/conns",
        "bytes_per_conn_traffic": "(rss_traffic-rss_baseline)/conns",
        "echoed": "messages echoed correctly"}),
    # --- benchmark-only workloads ------------------------------------------------------------
    _s("mutex_uncontended", "One unit locks and unlocks a Mutex n times.",
       {"n": Param(1_000_000, 1, 1_000_000_000)}, {"ns_per_op": "seconds/ops*1e9"},
       timing=True),
    _s("mutex_contended", "units units at procs Ps each lock/unlock one Mutex n/units times "
       "around a one-increment section.",
       {"n": Param(1_000_000, 1, 1_000_000_000), "units": Param(2, 1, 10_000),
        "procs": Param(2, 1, 1024)}, {"ns_per_op": "seconds/ops*1e9"}, timing=True),
    _s("atomic_add", "One unit atomically adds 1, n times.",
       {"n": Param(1_000_000, 1, 1_000_000_000)}, {"ns_per_op": "seconds/ops*1e9"},
       timing=True),
    _s("waitgroup", "Fan-out/fan-in: Add(n), spawn n units that each Done, Wait.",
       {"n": Param(100_000, 1, 10_000_000), "procs": PROCS}, {"ns_per_unit": "seconds/ops*1e9"},
       timing=True),
    _s("once", "once.Do(f) n times after the first (the fast path).",
       {"n": Param(1_000_000, 1, 1_000_000_000)}, {"ns_per_op": "seconds/ops*1e9"}, timing=True),
    _s("worker_pool", "The §10 pool with workers workers and jobs jobs (square, sum).",
       {"workers": Param(8, 1, 10_000), "jobs": Param(100_000, 1, 10_000_000),
        "procs": PROCS}, {"ns_per_job": "seconds/ops*1e9", "total": "sum of squares"},
       timing=True),
    _s("skynet", "Skynet: a tree of units, each spawning 10 children down to `leaves` leaves "
       "(leaf i returns i), each level summing its children through channels. ops = leaves.",
       {"leaves": Param(1_000_000, 10, 10_000_000), "procs": PROCS},
       {"total": "the root's sum (expect leaves*(leaves-1)/2)", "ms": "seconds*1e3"},
       timing=True),
]}


def validate(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, bounds checked; ScenarioError names what is accepted."""
    sc = CATALOGUE.get(name)
    if sc is None:
        raise ScenarioError(f"unknown scenario {name!r}; accepted: {', '.join(CATALOGUE)}")
    unknown = set(params) - set(sc.params)
    if unknown:
        raise ScenarioError(f"scenario {name!r} takes no param {sorted(unknown)[0]!r}; "
                            f"accepted: {', '.join(sc.params) or 'none'}")
    out = {k: p.default for k, p in sc.params.items()}
    for key, value in params.items():
        p = sc.params[key]
        if value is None and p.default is None:
            out[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{name}: {key} must be an integer in [{p.lo}, {p.hi}], "
                                f"got {value!r}")
        if not (p.lo <= value <= p.hi):
            raise ScenarioError(f"{name}: {key}={value} is out of range; accepted: "
                                f"{p.lo} <= {key} <= {p.hi:_}")
        out[key] = value
    return out
