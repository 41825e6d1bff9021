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
* Every scenario returns ``effective``: ``{param: value}`` for every param the program used
  (read through the backend's param accessor). The worker rejects a run whose effective values
  differ from the requested ones, or lack one, naming the key: a backend never swaps a
  catalogue constant for one of its own.
* Scenarios listed in ``suite/plan.py`` follow its work plan (SplitMix64 from ``seed``) and
  return its ``plan_digest`` / ``state_digest``; ``python -m suite parity`` compares them.
* Memory figures are RSS deltas read after the runtime confirmed every unit parked, with the
  garbage collector run before the baseline wherever the runtime has one; runtime-specific
  figures (StackInuse, HeapAlloc, tracemalloc) are extra evidence, never the judged figure.
* Where a library lacks a primitive and a substitute stands in (a ``Queue(maxsize=1)`` for an
  unbuffered channel), the scenario lists it in ``substitutions`` and the report marks the cell.
* Nothing hangs: a scenario whose runtime would block forever (e.g. the deadlock scenario on
  OS threads) bounds every wait itself and reports what it saw.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

CPUS_ENV = "GOROSUITE_CPUS"


def cpus() -> int:
    """The machine's CPU count as the suite defines it, once, for every backend: the CPUs this
    process may run on (affinity-aware, as Go's NumCPU). The runner passes it to every worker in
    GOROSUITE_CPUS so a backend never counts CPUs its own way."""
    env = os.environ.get(CPUS_ENV, "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


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
    small: dict[str, Any] = field(default_factory=dict)  # sizes for parity and contract runs


TRIALS = Param(1000, 1, 100_000, "independent repetitions of the experiment")
PROCS = Param(None, 1, 1024, "GOMAXPROCS; None = runtime default")
SEED = Param(1, 0, 2**31 - 1, "seed of the work plan (suite/plan.py)")
WARMUP = Param(1, 0, 100, "untimed runs of the same workload before the timed one")
WARMUP_UNITS = Param(10_000, 0, 1_000_000, "units spawned and waited for, untimed, first")
TRACE = Param(0, 0, 64, "return the first `trace` ops of each worker (parity --trace)")
TIMED = {"seconds": "total wall seconds of the timed section", "ops": "units of work done"}


def _s(name: str, doc: str, params: dict[str, Param] | None = None,
       observables: dict[str, str] | None = None, timing: bool = False,
       small: dict[str, Any] | None = None) -> Scenario:
    obs = dict(observables or {})
    if timing:
        obs = {**TIMED, **obs}
    return Scenario(name, doc, dict(params or {}), obs, timing, dict(small or {}))


CATALOGUE: dict[str, Scenario] = {s.name: s for s in [
    # --- §1 memory, stacks, spawn, switch -------------------------------------------------
    _s("parked", "Start n units that each block on a primitive nobody signals yet (a channel "
       "receive, an Event, a lock). Before the baseline, run the runtime's garbage collector "
       "where it has one (Go runtime.GC, Python gc.collect). Read the process's memory once the "
       "runtime itself confirms all n are parked (Go: NumGoroutine, native: goro_count and the "
       "parked count; Python: every unit reported it is about to block), then release and join "
       "them. Stop at the first error (e.g. can't start new thread) and report it verbatim with "
       "the count reached.",
       {"n": Param(100_000, 1, 2_000_000), "procs": PROCS},
       {"requested": "n asked for", "reached": "units parked at once when memory was read",
        "error": "first error verbatim, or None",
        "rss_before": "process RSS bytes before spawning", "rss_parked": "RSS with all parked",
        "vm_before": "VmSize bytes before", "vm_parked": "VmSize with all parked",
        "rss_per_unit": "(rss_parked-rss_before)/reached: the canonical figure",
        "vm_per_unit": "(vm_parked-vm_before)/reached",
        "runtime_stack_bytes": "extra evidence: runtime-reported stack bytes, or None (Go: StackInuse)",
        "runtime_heap_bytes": "extra evidence: runtime-reported heap bytes, or None (Go: HeapAlloc)",
        "seconds_to_park": "wall seconds to get all n parked"},
       small={"n": 1000}),
    _s("spawn_empty_wait", "The article's §1-2 program: spawn n empty units with a WaitGroup "
       "(or the idiom's join), wait, then read the process's resident memory. The baseline is "
       "read after the runtime's garbage collector ran, where it has one.",
       {"n": Param(100_000, 1, 2_000_000), "seed": SEED},
       {"n": "units spawned", "rss_before": "process RSS before spawning",
        "rss_after": "process RSS after Wait", "rss_delta": "rss_after-rss_before: the canonical figure",
        "runtime_heap_bytes": "extra evidence: runtime heap after Wait (Go HeapAlloc), or None",
        "plan_digest": "suite/plan.py"},
       small={"n": 1000}),
    _s("stack_growth", "One unit recurses through depth_kib frames, each holding a 1 KiB local "
       "buffer it touches, reads the process RSS in the deepest frame and returns; meanwhile "
       "`idle` other units stay parked.",
       {"depth_kib": Param(256, 1, 65_536), "idle": Param(100, 0, 100_000)},
       {"ok": "recursion completed", "recursed_bytes": "frames reached x 1 KiB",
        "rss_growth": "RSS read in the deepest frame minus RSS just before the recursion",
        "error": "error verbatim if it failed, else None"},
       small={"depth_kib": 64, "idle": 10}),
    _s("stack_overflow", "One unit recurses without bound. Must end with a clear error naming "
       "a stack overflow; the backend runs it in a child process so the crash cannot take the "
       "worker down.",
       {},
       {"clear_error": "the failure named a stack overflow / recursion limit",
        "message": "the first line(s) of the error, verbatim", "exit_code": "child exit status"}),
    _s("spawn", "Spawn warmup_units units and wait (untimed); then spawn n units that do "
       "nothing and complete; wait for all. ns per unit covers spawn + run + complete.",
       {"n": Param(100_000, 1, 10_000_000), "procs": PROCS, "warmup_units": WARMUP_UNITS,
        "seed": SEED},
       {"ns_per_spawn": "seconds/ops*1e9", "plan_digest": "suite/plan.py"}, timing=True,
       small={"n": 1000, "warmup_units": 100}),
    _s("pingpong_yield", "Two units hand control to each other n times at one processor: "
       "goroutine-like runtimes use their yield (runtime.Gosched) at GOMAXPROCS=1; threads use "
       "the lightest strict hand-off their library offers. ops = one-way switches; each side "
       "counts its n/2 turns. Both units are started and parked on a gate before the timed "
       "section.",
       {"n": Param(200_000, 2, 100_000_000), "seed": SEED},
       {"ns_per_switch": "seconds/ops*1e9",
        "nvcsw": "voluntary context switches of the process during the section (getrusage)",
        "nvcsw_per_switch": "nvcsw/ops", "state_digest": "suite/plan.py"}, timing=True,
       small={"n": 1000}),
    _s("pingpong_chan", "Two units pass a ball back and forth n/2 times over an unbuffered "
       "channel (or the nearest equivalent: a rendezvous the library offers, else Queue) at one "
       "processor; the server returns ball+1. ops = one-way messages. Both units are started and "
       "parked on a gate before the timed section.",
       {"n": Param(200_000, 2, 100_000_000), "seed": SEED},
       {"ns_per_message": "seconds/ops*1e9", "nvcsw_per_message": "nvcsw/ops",
        "state_digest": "suite/plan.py"}, timing=True, small={"n": 1000}),
    # --- §2 scheduling ---------------------------------------------------------------------
    _s("thread_ids", "n units each record, once, the OS thread id (gettid) they run on, then "
       "block briefly on a shared primitive so they overlap.",
       {"n": Param(10_000, 1, 1_000_000), "procs": PROCS},
       {"units": "n", "distinct_threads": "distinct OS thread ids seen",
        "gomaxprocs": "extra evidence: the runtime's P count, or None",
        "threads_in_syscalls": "extra evidence: Ms created for blocking syscalls, or None"},
       small={"n": 1000}),
    _s("work_stealing", "One unit spawns n CPU-bound units (each ~work_us µs of calibrated "
       "arithmetic) on GOMAXPROCS=procs in waves of `wave`, waiting for each wave before the "
       "next; record the OS thread id each ran on.",
       {"n": Param(10_000, 1, 1_000_000), "procs": Param(2, 1, 1024),
        "wave": Param(200, 1, 1_000_000), "work_us": Param(20, 1, 100_000)},
       {"units": "n", "distinct_threads": "distinct OS thread ids the units ran on",
        "steals": "extra evidence: steals counted by the runtime, or None"},
       small={"n": 400, "wave": 200}),
    _s("syscall_handoff", "At GOMAXPROCS=1, unit A does a real blocking read() on a pipe; a "
       "second unit B counts in a loop, yielding to the scheduler after every yield_every counts "
       "(0: never, a spinning unit only preemption can stop), and stops when A is done or by its "
       "own deadline of 20*block_ms; a third unit C of the same runtime sleeps block_ms and "
       "writes the pipe. If the runtime cannot run C while A blocks, a watchdog OS thread "
       "writes after 5*block_ms and the backend reports watchdog_fired.",
       {"block_ms": Param(200, 1, 10_000), "yield_every": Param(1, 0, 1_000_000)},
       {"blocked_ms": "how long read() blocked", "progress_during_block": "B's count increments "
        "while A was blocked", "watchdog_fired": "the watchdog had to unblock A"},
       small={"block_ms": 50}),
    _s("gomaxprocs", "Read the runtime's default parallelism.", {},
       {"gomaxprocs": "default P count, or None",
        "cpu_count": "extra evidence: the CPU count as the runtime sees it"}),
    _s("parallel_speedup", "Two units each do work_ms of calibrated CPU-bound arithmetic at "
       "GOMAXPROCS=procs and the wall time is measured. Without the knob, procs=1 runs them one "
       "after the other and procs>=2 concurrently. The suite alternates procs=1 and procs=2.",
       {"work_ms": Param(200, 1, 10_000), "procs": Param(2, 1, 1024)},
       {"seconds": "wall seconds of both units"}, small={"work_ms": 20}),
    # --- §3 basics ---------------------------------------------------------------------------
    _s("go_returns", "Spawn a unit that blocks forever (on a primitive nobody signals); the "
       "spawner notes that spawn returned and whether it ran on before the child started.",
       {"trials": Param(100, 1, 100_000)},
       {"spawn_returned": "spawn returned in every trial",
        "spawner_first": "trials in which the spawner ran on before the child started",
        "trials": "trials"}, small={"trials": 10}),
    _s("completion_order", "Start 3 units that each write a greeting line to /dev/null (a real "
       "write(2), like the article's sayHello printing) and then append their id to a shared "
       "list under a lock; record the order; repeat.",
       {"trials": Param(200, 1, 100_000), "procs": Param(2, 1, 1024), "seed": SEED},
       {"trials": "trials", "distinct_orders": "distinct orders seen",
        "orders": "{order-string: count}", "plan_digest": "suite/plan.py"},
       small={"trials": 50}),
    _s("loopvar_capture", "Start n units in a loop, each recording the loop variable as its "
       "closure/argument sees it; repeat trials times per variant. Variants are the idiom's "
       "pairs: Go `go 1.21` vs `go 1.22` modules; Python late-binding closure vs `i=i`; C "
       "pointer to the loop variable vs value argument.",
       {"n": Param(5, 2, 10_000), "trials": Param(100, 1, 10_000)},
       {"variants": "{name: {semantics: 'shared'|'per-iteration', trials, "
        "runs_all_distinct, runs_with_duplicates, sample: [values of one run]}}"},
       small={"trials": 10}),
    # --- §4 WaitGroup ------------------------------------------------------------------------
    _s("wg_waits_all", "n workers each set their own done flag then Done; after Wait, check "
       "every flag.",
       {"n": Param(5, 1, 100_000), "trials": TRIALS, "seed": SEED},
       {"trials": "trials", "violations": "trials where Wait returned before a worker finished",
        "plan_digest": "suite/plan.py"}, small={"n": 5, "trials": 20}),
    _s("wg_add_before", "Add(1) before spawning each of n workers; count early returns of "
       "Wait (a worker unfinished after Wait).",
       {"n": Param(10, 1, 100_000), "trials": TRIALS, "seed": SEED},
       {"trials": "trials", "early_returns": "trials where Wait returned early",
        "plan_digest": "suite/plan.py"}, small={"n": 10, "trials": 20}),
    _s("wg_add_inside", "Each of n workers calls Add(1) itself, then Done; the spawner calls "
       "Wait right after spawning. Count early returns; misuse errors raised by the runtime are "
       "counted separately (and must not take the process down).",
       {"n": Param(10, 1, 100_000), "trials": TRIALS, "seed": SEED},
       {"trials": "trials", "early_returns": "trials where Wait returned before all finished",
        "errors": "trials that raised a misuse error", "first_error": "its message or None",
        "plan_digest": "suite/plan.py"}, small={"n": 10, "trials": 20}),
    _s("wg_negative", "Done on a WaitGroup with counter 0.", {},
       {"raised": "an error was raised", "error": "its message verbatim"}),
    # --- §5 races ----------------------------------------------------------------------------
    _s("racy_counter", "units units each do `counter++` increments times with no "
       "synchronisation; compare with units*increments; repeat.",
       {"units": Param(1000, 1, 100_000), "increments": Param(1, 1, 1_000_000),
        "trials": TRIALS, "procs": PROCS, "seed": SEED},
       {"trials": "trials", "expected": "units*increments",
        "lossy_trials": "trials that ended below expected", "min": "lowest final value",
        "distinct_values": "sorted distinct final values (at most 20)",
        "plan_digest": "suite/plan.py"}, small={"units": 100, "trials": 10}),
    _s("race_detector", "Build/run the racy counter, the Mutex counter and the atomic counter "
       "under the race detector (go -race; ThreadSanitizer).",
       {},
       {"racy_reported": "a data race was reported for the racy program",
        "mutex_reported": "a race was reported for the Mutex program",
        "atomic_reported": "a race was reported for the atomic program",
        "report_excerpt": "first lines of the racy report, with the location"}),
    _s("race_overhead", "Time the Mutex counter (units x increments) once, in the normal build "
       "(race=0) or the race build (race=1), both compiled at the same optimisation level. The "
       "suite alternates the builds.",
       {"units": Param(1000, 1, 100_000), "increments": Param(1000, 1, 1_000_000),
        "race": Param(0, 0, 1)},
       {"seconds": "wall seconds of the counter",
        "workload": "what ran, e.g. '1000 goroutines x 1000 Lock/Unlock'"},
       small={"units": 10, "increments": 100}),
    # --- §6 Mutex / RWMutex ------------------------------------------------------------------
    _s("mutex_counter", "units units each increment a shared counter increments times under "
       "a Mutex; repeat.",
       {"units": Param(1000, 1, 100_000), "increments": Param(1, 1, 1_000_000),
        "trials": TRIALS, "procs": PROCS, "seed": SEED},
       {"trials": "trials", "exact_trials": "trials that ended exactly at units*increments",
        "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"},
       small={"units": 100, "increments": 10, "trials": 10}),
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
    _s("rw_writer_exclusive", "workers workers do ops operations in all, following the plan "
       "(suite/plan.py writer_op: write_pct% writes to one of `slots` counters, the rest "
       "reads). A write section checks that no reader and no other writer is inside, yields, "
       "checks again and bumps its slot; a read section checks that no writer is inside. Every "
       "worker yields after each yield_every ops.",
       {"ops": Param(100_000, 1, 10_000_000), "procs": Param(2, 1, 1024),
        "workers": Param(8, 1, 1024), "write_pct": Param(10, 0, 100),
        "slots": Param(64, 1, 1 << 20), "yield_every": Param(64, 1, 1 << 20),
        "seed": SEED, "trace": TRACE},
       {"ops": "operations done", "violations": "times a section saw a holder it must exclude",
        "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"},
       small={"ops": 4000}),
    _s("rw_vs_mutex", "workers workers do n operations in all, following the plan (suite/plan.py "
       "rw_op: read_pct% reads of `chain` dependent loads over a table of `table` words, the "
       "rest increment one word), under an RWMutex (rw=1) or a Mutex (rw=0). The table is reset "
       "before each run; `warmup` untimed runs, then one timed run. The suite alternates rw=1 "
       "and rw=0 and takes the medians.",
       {"n": Param(200_000, 1, 100_000_000), "read_pct": Param(95, 0, 100),
        "procs": Param(2, 1, 1024), "rw": Param(1, 0, 1), "workers": Param(4, 1, 1024),
        "table": Param(1024, 1, 1 << 24), "chain": Param(256, 1, 1 << 20), "warmup": WARMUP,
        "seed": SEED, "trace": TRACE},
       {"plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"}, timing=True,
       small={"n": 4000, "warmup": 0}),
    # --- §7 deadlock -------------------------------------------------------------------------
    _s("lock_order_inversion", "The article's §7 program: A locks m1, pauses pause_ms, locks "
       "m2; B locks m2, pauses, locks m1; main waits for both. A runtime that detects global "
       "deadlock reports it; otherwise every wait is bounded by timeout_ms.",
       {"pause_ms": Param(10, 0, 10_000), "timeout_ms": Param(1000, 10, 60_000)},
       {"deadlocked": "both units still blocked at the end (or the runtime said so)",
        "detected": "the runtime itself reported a deadlock",
        "message": "the runtime's message verbatim, or None",
        "blocked": "[{id, reason}] of blocked units where the runtime lists them, else None"},
       small={"timeout_ms": 200}),
    _s("consistent_order", "Same two units, both lock m1 then m2; repeat trials times with a "
       "bounded wait per trial.",
       {"trials": TRIALS, "pause_us": Param(10, 0, 1_000_000), "seed": SEED},
       {"trials": "trials", "finished": "trials that finished within the bound",
        "plan_digest": "suite/plan.py"}, small={"trials": 20}),
    # --- §8 atomics --------------------------------------------------------------------------
    _s("atomic_counter", "units units each atomically add 1 to a shared counter; repeat.",
       {"units": Param(1000, 1, 100_000), "trials": TRIALS, "procs": PROCS, "seed": SEED},
       {"trials": "trials", "exact_trials": "trials ending exactly at units",
        "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"},
       small={"units": 100, "trials": 10}),
    _s("atomic_cas", "A CAS-loop counter from units units; then a CAS with the stale old value "
       "units-1.",
       {"units": Param(1000, 1, 100_000), "seed": SEED},
       {"cas_loop_exact": "the CAS-loop counter is exact",
        "stale_cas_failed": "the stale CAS returned false and left the value",
        "state_digest": "suite/plan.py"}, small={"units": 100}),
    _s("atomic_vs_mutex", "ns per increment of one counter: by Mutex vs by atomic add, "
       "uncontended (one unit, n increments) and contended (two units of n/2 at procs); each "
       "loop runs `warmup` times untimed, then once timed.",
       {"n": Param(1_000_000, 1, 1_000_000_000), "procs": Param(2, 1, 1024), "warmup": WARMUP,
        "seed": SEED},
       {"mutex_ns": "uncontended Mutex ns/op", "atomic_ns": "uncontended atomic ns/op",
        "mutex_contended_ns": "contended Mutex ns/op",
        "atomic_contended_ns": "contended atomic ns/op", "state_digest": "suite/plan.py"},
       small={"n": 10_000, "warmup": 0}),
    # --- §9 Once -----------------------------------------------------------------------------
    _s("once_runs_once", "callers units call once.Do(init) at the same time; init counts its "
       "runs and creates an instance; repeat.",
       {"callers": Param(10, 1, 10_000), "trials": TRIALS, "seed": SEED},
       {"trials": "trials", "max_init_count": "highest init count in a trial",
        "all_same_instance": "every caller of every trial got its trial's single instance",
        "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"},
       small={"trials": 20}),
    _s("once_waits", "callers units call once.Do(init) where init sleeps init_ms before "
       "publishing the instance; every caller checks the instance right after Do.",
       {"callers": Param(10, 1, 10_000), "trials": Param(100, 1, 100_000),
        "init_ms": Param(1, 0, 10_000), "seed": SEED},
       {"trials": "trials", "unset_observed": "callers that saw no instance after Do",
        "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"},
       small={"trials": 10}),
    # --- §10 worker pool ---------------------------------------------------------------------
    _s("pool_result", "The article's §10 pool: workers workers square jobs 1..jobs from a "
       "jobs channel into a results channel; sum the results.",
       {"workers": Param(5, 1, 10_000), "jobs": Param(20, 1, 10_000_000), "seed": SEED},
       {"total": "sum of results", "expected": "sum of squares 1..jobs",
        "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"}),
    _s("pool_bounded", "Same pool with jobs jobs; the consumer samples the runtime's live unit "
       "count after every sample_every results.",
       {"workers": Param(5, 1, 10_000), "jobs": Param(100_000, 1, 10_000_000),
        "sample_every": Param(100, 1, 1_000_000), "seed": SEED},
       {"peak_live": "highest live unit count sampled", "baseline": "live count before",
        "workers": "workers", "plan_digest": "suite/plan.py", "state_digest": "suite/plan.py"},
       small={"jobs": 2000}),
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
       "thread per connection), each reading into a buffer of buf_bytes. The suite's client "
       "(python -m suite.echo_client) opens conns idle connections, then sends rounds messages "
       "on each. Server RSS is read idle and after traffic.",
       {"conns": Param(5_000, 1, 16_000), "rounds": Param(2, 0, 1_000),
        "buf_bytes": Param(1024, 16, 1 << 20)},
       {"conns": "connections held", "rss_baseline": "server RSS before",
        "rss_idle": "server RSS with all connections idle",
        "rss_traffic": "server RSS after traffic",
        "bytes_per_conn_idle": "(rss_idle-rss_baseline)/conns",
        "bytes_per_conn_traffic": "(rss_traffic-rss_baseline)/conns",
        "echoed": "messages echoed correctly"}, small={"conns": 50}),
    # --- benchmark-only workloads ------------------------------------------------------------
    _s("echo_rtt", "BenchmarkEcho: a loopback TCP echo server in the runtime (one unit per "
       "accepted connection, the runtime's own sockets: Go's net, native's netpoller, asyncio "
       "streams, blocking sockets on threads/gevent) and conns client units in the same "
       "process, each connected once (untimed), then doing rounds request/response round trips "
       "of msg_bytes (timed, all clients together). Message r of client c is msg_bytes copies of "
       "the little-endian word plan.draw(seed, c, r) (cut to length); the client checks the whole "
       "reply and adds term(seed, c, r, msg_bytes if the whole reply matched else 0) to "
       "plan_digest. RSS is read before listening and with every connection established.",
       {"conns": Param(100, 1, 4_000), "rounds": Param(100, 1, 1_000_000),
        "msg_bytes": Param(64, 8, 65_536), "seed": SEED},
       {"ns_per_op": "seconds/ops*1e9 (ops = conns*rounds round trips)",
        "echoed": "round trips whose reply matched", "rss_baseline": "RSS before listening",
        "rss_connected": "RSS with every connection established, before traffic",
        "bytes_per_conn": "(rss_connected-rss_baseline)/conns: a client and a server unit "
                          "and both sockets", "plan_digest": "suite/plan.py"},
       timing=True, small={"conns": 4, "rounds": 20}),
    _s("mutex_uncontended", "One unit locks, increments a counter and unlocks, n times.",
       {"n": Param(1_000_000, 1, 1_000_000_000), "seed": SEED},
       {"ns_per_op": "seconds/ops*1e9", "state_digest": "suite/plan.py"},
       timing=True, small={"n": 10_000}),
    _s("mutex_contended", "units units at procs Ps each lock/unlock one Mutex n/units times "
       "around a one-increment section.",
       {"n": Param(1_000_000, 1, 1_000_000_000), "units": Param(2, 1, 10_000),
        "procs": Param(2, 1, 1024), "seed": SEED},
       {"ns_per_op": "seconds/ops*1e9", "plan_digest": "suite/plan.py",
        "state_digest": "suite/plan.py"}, timing=True, small={"n": 10_000}),
    _s("atomic_add", "One unit atomically adds 1, n times.",
       {"n": Param(1_000_000, 1, 1_000_000_000), "seed": SEED},
       {"ns_per_op": "seconds/ops*1e9", "state_digest": "suite/plan.py"},
       timing=True, small={"n": 10_000}),
    _s("waitgroup", "Fan-out/fan-in: warmup_units untimed first; then Add(n), spawn n units "
       "that each Done, Wait.",
       {"n": Param(100_000, 1, 10_000_000), "procs": PROCS, "warmup_units": WARMUP_UNITS,
        "seed": SEED},
       {"ns_per_unit": "seconds/ops*1e9", "plan_digest": "suite/plan.py"},
       timing=True, small={"n": 1000, "warmup_units": 100}),
    _s("once", "once.Do(f) n times after the first (the fast path); f counts its runs.",
       {"n": Param(1_000_000, 1, 1_000_000_000), "seed": SEED},
       {"ns_per_op": "seconds/ops*1e9", "state_digest": "suite/plan.py"}, timing=True,
       small={"n": 10_000}),
    _s("worker_pool", "The §10 pool with workers workers and jobs jobs (square, sum).",
       {"workers": Param(8, 1, 10_000), "jobs": Param(100_000, 1, 10_000_000),
        "procs": PROCS, "seed": SEED},
       {"ns_per_job": "seconds/ops*1e9", "total": "sum of squares",
        "state_digest": "suite/plan.py"}, timing=True, small={"jobs": 2000}),
    _s("skynet", "Skynet: a tree of units, each spawning 10 children down to `leaves` leaves "
       "(leaf i returns i), each level summing its children through channels. ops = leaves.",
       {"leaves": Param(1_000_000, 10, 10_000_000), "procs": PROCS, "seed": SEED},
       {"total": "the root's sum (expect leaves*(leaves-1)/2)", "ms": "seconds*1e3",
        "state_digest": "suite/plan.py"}, timing=True, small={"leaves": 1000}),
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
